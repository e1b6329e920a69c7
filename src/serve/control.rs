//! The server's local control socket: while `kehu serve` holds a database (sled lets one process
//! open it), the command line on the same machine asks the server to run its command on the
//! store it holds open, instead of being refused.
//!
//! - **Socket**: `DIR/kehu.sock`, made with mode 0600 before anyone can connect (only the
//!   server's own user, and root, may), removed when the server stops. Whoever may connect may
//!   run any command the server runs, as any operator name: that is what they could do with the
//!   files themselves once the server stops.
//! - **Which commands**: `backup`, `export` (campaign lists too), `show`, `segments`, `audit`,
//!   `check`, `fit`, `import`, `void`, `refund`, `resolve`, `undo`, `campaign`, `report`,
//!   `points`, `topup`, `ledger`. The client asks only after opening the
//!   database failed because it is held, and only when a server answers here (else it says who
//!   holds the database, as before). `restore`, `salvage`, `demo` and `torture` are asked too,
//!   and refused with what to do (stop the server first); the console and `serve` keep their own
//!   message (connect with ssh).
//! - **Request**, one per connection: a 4-byte big-endian length, then that many bytes of JSON
//!   ([`Request`]: the client's argv as UTF-8 — a client refuses an argument that is not —, its
//!   working directory, its operator name, language, whether its standard output is a terminal,
//!   and its `KEHU_TODAY` and `KEHU_RULES`). At most [`MAX_REQUEST`] (64 KiB), within
//!   [`REQUEST_WAIT`] (5 s) of connecting; a larger, late or malformed request gets a `!` frame
//!   saying why and the connection is closed. `import` reads a file by path (there is no
//!   standard-input import), so nothing but the request ever travels to the server.
//! - **Reply**: frames, each a tag byte, a 4-byte big-endian length and at most [`MAX_FRAME`]
//!   bytes: `o` standard output and `e` standard error, in the order the command wrote them;
//!   then `x` with the exit code (4 bytes, big-endian), which ends the reply. Output is sent as
//!   it is written, in frames of up to 32 KiB (an export of 100,000 customers is never held
//!   whole); standard error at the end of each line; each stream's bytes go out before the
//!   other stream's that were written after them.
//! - **Running**: the server parses the argv with the command line's own parser (its own
//!   environment left out: the client's `KEHU_TODAY` and `KEHU_RULES` stand in), makes relative
//!   paths (the import file, `export --out`, the backup file, `--rules`) absolute against the
//!   client's directory, and runs the command through the code a local `kehu` runs, on its open
//!   store, in the client's language, with no progress bar (see `cli::remote`). `--db` is the
//!   server's own database (the socket is in it). `check` verifies the live store (edits wait
//!   meanwhile). Changes are signed with the client's operator name and audited as usual. A
//!   panic in a command ends that request only: exit 70 and a line saying so.
//! - **Live consoles**: after a command, what the client's operator changed is passed to every
//!   console before the exit frame goes out (see [`super::refresh`]), so when `kehu import`
//!   returns every console shows its rows.
//! - **Limits**: a thread per request, at most [`AT_ONCE`] at a time (one more gets `!` busy);
//!   a client that stops reading for [`WRITE_WAIT`] (60 s) ends its command's output.

use super::hub::Hub;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The socket's file name inside the database directory.
pub const SOCKET: &str = "kehu.sock";
/// The largest request the server reads.
pub const MAX_REQUEST: usize = 64 * 1024;
/// The largest frame of a reply.
pub const MAX_FRAME: usize = 64 * 1024;
/// Output gathered before it leaves as a frame.
const CHUNK: usize = 32 * 1024;
/// Longest a client may take to send its request.
pub const REQUEST_WAIT: Duration = Duration::from_secs(5);
/// Longest the server waits for a client to take more output.
pub const WRITE_WAIT: Duration = Duration::from_secs(60);
/// Requests run at once.
pub const AT_ONCE: usize = 8;

/// Frame tag: bytes of standard output.
pub const OUT: u8 = b'o';
/// Frame tag: bytes of standard error.
pub const ERR: u8 = b'e';
/// Frame tag: the exit code, which ends a reply.
pub const EXIT: u8 = b'x';
/// Frame tag: the request was refused (too large, malformed, late, server busy), and why.
pub const REFUSED: u8 = b'!';

/// A command line for the server to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The client's arguments, the program's name first.
    pub argv: Vec<String>,
    /// The client's working directory (absolute): relative paths are read against it.
    pub cwd: String,
    /// Who signs what the command saves.
    pub operator: String,
    /// The client's language (`en`, `zh`).
    pub lang: String,
    /// Whether the client's standard output is a terminal.
    pub terminal: bool,
    /// The client's values of the variables the command line reads (`KEHU_TODAY`, `KEHU_RULES`).
    pub env: BTreeMap<String, String>,
}

/// Writes `req` as a request: its length, then its JSON.
pub fn write_request(w: &mut dyn Write, req: &Request) -> io::Result<()> {
    let body = serde_json::to_vec(req).map_err(io::Error::other)?;
    if body.len() > MAX_REQUEST {
        return Err(io::Error::other(format!(
            "the command line is {} bytes; kehu serve takes at most {} KiB",
            body.len(),
            MAX_REQUEST / 1024
        )));
    }
    w.write_all(&(body.len() as u32).to_be_bytes())?;
    w.write_all(&body)?;
    w.flush()
}

/// Reads a request; the error says why it is refused.
pub fn read_request(r: &mut dyn Read) -> Result<Request, String> {
    let mut len = [0; 4];
    r.read_exact(&mut len).map_err(|e| unreadable(&e))?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_REQUEST {
        return Err(format!("a request of {len} bytes is larger than {} KiB", MAX_REQUEST / 1024));
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).map_err(|e| unreadable(&e))?;
    serde_json::from_slice(&body).map_err(|e| format!("malformed request: {e}"))
}

fn unreadable(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            format!("no whole request within {} s", REQUEST_WAIT.as_secs())
        }
        io::ErrorKind::UnexpectedEof => "the request ended early".into(),
        _ => format!("cannot read the request: {e}"),
    }
}

/// Writes one frame: `tag`, the length, `bytes` (at most [`MAX_FRAME`]).
pub fn write_frame(w: &mut dyn Write, tag: u8, bytes: &[u8]) -> io::Result<()> {
    debug_assert!(bytes.len() <= MAX_FRAME);
    let mut frame = Vec::with_capacity(5 + bytes.len());
    frame.push(tag);
    frame.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    frame.extend_from_slice(bytes);
    w.write_all(&frame)
}

/// Reads one frame; `None` at the end of the stream between frames.
pub fn read_frame(r: &mut dyn Read) -> io::Result<Option<(u8, Vec<u8>)>> {
    let mut head = [0; 5];
    match r.read(&mut head[..1])? {
        0 => return Ok(None),
        _ => r.read_exact(&mut head[1..])?,
    }
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("a frame of {len} bytes")));
    }
    let mut bytes = vec![0; len];
    r.read_exact(&mut bytes)?;
    Ok(Some((head[0], bytes)))
}

/// A reply on its way: what the command writes is gathered into frames, and leaves in the order
/// written: output once a chunk is full, errors at the end of each line, either as soon as the
/// other stream is written to.
pub struct Wire<W: Write> {
    conn: W,
    /// The stream `pending` belongs to.
    tag: u8,
    pending: Vec<u8>,
}

impl<W: Write> Wire<W> {
    /// A reply written to `conn`.
    pub fn new(conn: W) -> Wire<W> {
        Wire { conn, tag: OUT, pending: Vec::new() }
    }

    fn send(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            for chunk in pending.chunks(MAX_FRAME) {
                write_frame(&mut self.conn, self.tag, chunk)?;
            }
            self.conn.flush()?;
        }
        Ok(())
    }

    fn write(&mut self, tag: u8, bytes: &[u8]) -> io::Result<()> {
        if tag != self.tag {
            self.send()?;
            self.tag = tag;
        }
        self.pending.extend_from_slice(bytes);
        let due = match tag {
            ERR => bytes.contains(&b'\n'),
            _ => self.pending.len() >= CHUNK,
        };
        if due { self.send() } else { Ok(()) }
    }

    /// Sends what is left, then the exit code.
    pub fn finish(&mut self, code: i32) -> io::Result<()> {
        self.send()?;
        write_frame(&mut self.conn, EXIT, &code.to_be_bytes())?;
        self.conn.flush()
    }
}

/// The standard output of a reply.
pub struct OutPipe<'a, W: Write>(pub &'a RefCell<Wire<W>>);
/// The standard error of a reply.
pub struct ErrPipe<'a, W: Write>(pub &'a RefCell<Wire<W>>);

impl<W: Write> Write for OutPipe<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(OUT, buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().send()
    }
}

impl<W: Write> Write for ErrPipe<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(ERR, buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().send()
    }
}

/// The socket being served; removed when dropped.
pub struct Control {
    path: PathBuf,
}

impl Drop for Control {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What the request threads share.
struct Served {
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    dir: PathBuf,
    running: AtomicUsize,
}

/// Starts answering requests for `store`, whose directory is `dir`, on a thread of its own;
/// what a request changes is passed to the consoles of `hub`.
pub fn start(store: Arc<dyn Store>, hub: Arc<Hub>, dir: &Path) -> io::Result<Control> {
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
    // Named whole in what clients are told: their directory is not the server's.
    let whole = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let served = Arc::new(Served { store, hub, dir: whole, running: AtomicUsize::new(0) });
    std::thread::Builder::new().name("kehu-control".into()).spawn(move || {
        for conn in listener.incoming() {
            match conn {
                Ok(conn) => take(&served, conn),
                // Out of descriptors: let requests finish rather than spin.
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    })?;
    Ok(Control { path })
}

/// Answers `conn` on a thread of its own, or refuses it when [`AT_ONCE`] requests run.
fn take(served: &Arc<Served>, mut conn: UnixStream) {
    let _ = conn.set_write_timeout(Some(REQUEST_WAIT));
    if served.running.fetch_add(1, Ordering::SeqCst) >= AT_ONCE {
        served.running.fetch_sub(1, Ordering::SeqCst);
        let why = format!("kehu serve is running {AT_ONCE} commands already; try again in a moment");
        let _ = write_frame(&mut conn, REFUSED, why.as_bytes());
        return;
    }
    let s = Arc::clone(served);
    let spawned = std::thread::Builder::new().name("kehu-control-request".into()).spawn(move || {
        let mut conn = conn;
        {
            // Given back however the request ends (a panic outside the command's own too), and
            // before the client sees the connection close: it may ask again at once.
            let _place = Place(&s.running);
            answer(&s, &mut conn);
        }
        drop(conn);
    });
    if spawned.is_err() {
        served.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One of the [`AT_ONCE`] places, given back when dropped.
struct Place<'a>(&'a AtomicUsize);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads one request, runs it and sends the reply.
fn answer(served: &Served, conn: &mut UnixStream) {
    let _ = conn.set_read_timeout(Some(REQUEST_WAIT));
    let request = read_request(conn).and_then(|mut r| {
        r.operator = crate::domain::operator_name(&r.operator);
        if r.operator.is_empty() { Err("the request names no operator".to_string()) } else { Ok(r) }
    });
    let req = match request {
        Ok(req) => req,
        Err(why) => {
            let _ = write_frame(conn, REFUSED, why.as_bytes());
            return;
        }
    };
    let _ = conn.set_write_timeout(Some(WRITE_WAIT));
    let store = served.store.as_ref();
    let since = super::refresh::mark(store);
    let wire = RefCell::new(Wire::new(&*conn));
    let mut command = None;
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (out, err) = (&mut OutPipe(&wire), &mut ErrPipe(&wire));
        crate::cli::remote::serve(store, &served.dir, &req, &mut command, out, err)
    }));
    let code = ran.unwrap_or_else(|_| {
        let _ = writeln!(
            ErrPipe(&wire),
            "kehu: internal error in the running kehu serve (this command ended; the server goes on); this is a bug in kehu, please report it"
        );
        crate::cli::INTERNAL
    });
    // A command that panicked may have saved something before.
    if let (Ok(since), Some(command)) = (since, command) {
        super::refresh::publish(store, &served.hub, since, &req.operator, command);
    }
    let _ = wire.borrow_mut().finish(code);
    let line = req.argv.get(1..).unwrap_or_default().join(" ");
    super::log(format_args!("{} ran `kehu {line}` from the command line: exit {code}", req.operator));
}

/// Connects to the server holding the database in `dir`; `None` when no server answers there.
pub fn connect(dir: &Path) -> Option<UnixStream> {
    UnixStream::connect(dir.join(SOCKET)).ok()
}

/// Sends `req` on `conn` and copies the reply: its output to `out`, its errors to `err`; the
/// exit code.
pub fn call(
    mut conn: UnixStream,
    req: &Request,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    write_request(&mut conn, req)?;
    let mut reply = io::BufReader::new(conn);
    loop {
        match read_frame(&mut reply)? {
            Some((OUT, bytes)) => out.write_all(&bytes)?,
            Some((ERR, bytes)) => {
                // What was written before it shows first, as it would have locally.
                out.flush()?;
                err.write_all(&bytes)?;
                err.flush()?;
            }
            Some((EXIT, code)) if code.len() == 4 => {
                out.flush()?;
                return Ok(i32::from_be_bytes([code[0], code[1], code[2], code[3]]));
            }
            Some((REFUSED, why)) => anyhow::bail!(
                "the running kehu serve refused the request: {}",
                crate::text::terminal_safe(&String::from_utf8_lossy(&why))
            ),
            Some((tag, _)) => anyhow::bail!("the running kehu serve sent a frame kehu does not know ({tag})"),
            None => anyhow::bail!(
                "the running kehu serve stopped before the command finished; `kehu audit` shows what it saved"
            ),
        }
    }
}

#[cfg(test)]
#[path = "control_tests.rs"]
mod tests;
