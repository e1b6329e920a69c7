//! The server's local control socket: while `kehu serve` holds a database, `kehu backup` on the
//! same machine asks it for the backup instead of being refused.
//!
//! The socket is `DIR/kehu.sock`, made with mode 0600 (only the server's own user, and root,
//! may connect) and removed when the server stops. One request per connection, a line each
//! way: `backup <absolute path>` → `ok <entries> <trees> <change>` or `error <why>`.

use crate::store::Store;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The socket's file name inside the database directory.
pub const SOCKET: &str = "kehu.sock";
/// Longest a client may take to send its request.
const REQUEST_WAIT: Duration = Duration::from_secs(5);

/// The socket being served; removed when dropped.
pub struct Control {
    path: PathBuf,
}

impl Drop for Control {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Starts answering requests for `store`, whose directory is `dir`, on a thread of its own.
pub fn start(store: Arc<dyn Store>, dir: &Path) -> std::io::Result<Control> {
    let path = dir.join(SOCKET);
    // Left by a server that was killed: nobody answers on it.
    if path.exists() && UnixStream::connect(&path).is_err() {
        std::fs::remove_file(&path)?;
    }
    // Made unreachable to others before anyone can connect: bind under a umask-free mode, then
    // tighten, on a name no client looks for yet.
    let staging = dir.join(format!("{SOCKET}.{}", std::process::id()));
    let _ = std::fs::remove_file(&staging);
    let listener = UnixListener::bind(&staging)?;
    std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o600))?;
    std::fs::rename(&staging, &path)?;
    std::thread::Builder::new().name("kehu-control".into()).spawn(move || {
        for conn in listener.incoming().flatten() {
            let store = Arc::clone(&store);
            let _ = std::thread::Builder::new()
                .name("kehu-control-request".into())
                .spawn(move || answer(store.as_ref(), conn));
        }
    })?;
    Ok(Control { path })
}

/// Answers one connection.
fn answer(store: &dyn Store, conn: UnixStream) {
    let _ = conn.set_read_timeout(Some(REQUEST_WAIT));
    let mut line = String::new();
    let mut reader = BufReader::new(&conn);
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let reply = match line.trim_end().split_once(' ') {
        Some(("backup", file)) if Path::new(file).is_absolute() => match store.backup(Path::new(file)) {
            Ok(s) => format!("ok {} {} {}", s.entries, s.trees, s.seq),
            Err(e) => format!("error {}", e.to_string().replace('\n', " ")),
        },
        _ => "error unknown request (this kehu serve answers `backup /absolute/path`)".into(),
    };
    let mut conn = conn;
    let _ = writeln!(conn, "{reply}");
}

/// What a server answered to a backup request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub entries: u64,
    pub trees: u32,
    pub seq: u64,
}

/// Asks the server holding the database in `dir` to write a backup to `file`; `None` when no
/// server answers there.
pub fn request_backup(dir: &Path, file: &Path) -> Option<anyhow::Result<Answer>> {
    let conn = UnixStream::connect(dir.join(SOCKET)).ok()?;
    Some(request(conn, file))
}

fn request(mut conn: UnixStream, file: &Path) -> anyhow::Result<Answer> {
    let file = absolute(file)?;
    let text =
        file.to_str().ok_or_else(|| anyhow::anyhow!("the backup path {} is not text", file.display()))?;
    anyhow::ensure!(!text.contains('\n'), "the backup path holds a line break");
    writeln!(conn, "backup {text}")?;
    let mut reply = String::new();
    BufReader::new(&conn).read_line(&mut reply)?;
    let reply = reply.trim_end();
    match reply.split_once(' ') {
        Some(("ok", rest)) => {
            let mut n = rest.split(' ').map(str::parse::<u64>);
            match (n.next(), n.next(), n.next()) {
                (Some(Ok(entries)), Some(Ok(trees)), Some(Ok(seq))) => {
                    Ok(Answer { entries, trees: trees as u32, seq })
                }
                _ => anyhow::bail!("the server answered {reply:?}"),
            }
        }
        Some(("error", why)) => anyhow::bail!("the server could not write the backup: {why}"),
        _ => anyhow::bail!("the server answered {reply:?}"),
    }
}

/// `file` as an absolute path (the server's working directory is not the client's).
fn absolute(file: &Path) -> anyhow::Result<PathBuf> {
    Ok(if file.is_absolute() { file.to_path_buf() } else { std::env::current_dir()?.join(file) })
}
