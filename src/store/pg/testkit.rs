//! A PostgreSQL server for the tests, for the library's tests and (by `#[path]`) the
//! integration tests: `KEHU_TEST_PG` names one (a URL without a database name,
//! `postgresql://root@%2Fvar%2Frun%2Fpostgresql`); else a throwaway cluster is started here from the machine's PostgreSQL binaries —
//! initdb in a temporary directory, the server on a socket in it, no TCP — as the `postgres`
//! user when the tests run as root (initdb refuses root); else there is none, and each test that
//! needs one says so on stderr and passes. `KEHU_REQUIRE_PG=1` (CI) makes "none" a failure.
//!
//! The cluster is shared by every test of one test binary (each takes a database of its own)
//! and dies with it: the server is started with a parent-death signal from a thread that lives
//! as long as the process, so a test binary killed outright leaves no server behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// One test's database: its connection string; dropped (connections and all) when dropped.
pub struct TestDb {
    pub url: String,
    name: String,
    base: String,
}

impl TestDb {
    /// Ends every connection to this database but the one asking (what a server restart or an
    /// administrator does to kehu's connections); how many it ended.
    pub fn end_other_connections(&self) -> i64 {
        let mut admin =
            postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to the test database");
        admin
            .query_one(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
                &[],
            )
            .expect("end the other connections")
            .get(0)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&format!("{}/postgres", self.base), postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// A server the tests may use.
pub struct Pg {
    /// The server's URL without a database name (`postgresql://USER@HOST[:PORT]`).
    base: String,
}

impl Pg {
    /// The server, or `None` (said on stderr) when there is none and none is required.
    pub fn get(test: &str) -> Option<&'static Pg> {
        static PG: OnceLock<Result<Pg, String>> = OnceLock::new();
        match PG.get_or_init(Pg::find) {
            Ok(pg) => Some(pg),
            Err(why) if std::env::var("KEHU_REQUIRE_PG").is_ok_and(|v| v == "1") => {
                panic!("{test}: PostgreSQL is required (KEHU_REQUIRE_PG=1) but {why}")
            }
            Err(why) => {
                eprintln!("{test}: PostgreSQL test skipped: {why}");
                None
            }
        }
    }

    /// A new empty database on the server, for one test, dropped with the value returned.
    pub fn database(&self, test: &str) -> TestDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let name =
            format!("kehu_{}_{}_{}", sanitize(test), std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut c = self.admin();
        // Two statements: DROP and CREATE DATABASE refuse to run inside one (implicit) transaction.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop database");
        c.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
        TestDb { url: format!("{}/{name}", self.base), name, base: self.base.clone() }
    }

    fn admin(&self) -> postgres::Client {
        postgres::Client::connect(&format!("{}/postgres", self.base), postgres::NoTls)
            .expect("connect to the test server")
    }

    fn find() -> Result<Pg, String> {
        if let Ok(url) = std::env::var("KEHU_TEST_PG") {
            return Ok(Pg { base: url });
        }
        let bin = bindir().ok_or("no PostgreSQL binaries are installed (initdb not found)")?;
        start_cluster(&bin).map(|base| Pg { base })
    }
}

fn sanitize(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).take(30).collect()
}

/// The directory of `initdb` and `postgres`: `pg_config --bindir`, else Debian's layout.
pub(crate) fn bindir() -> Option<PathBuf> {
    let from_config = Command::new("pg_config").arg("--bindir").output().ok().and_then(|o| {
        let dir = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
        dir.join("initdb").exists().then_some(dir)
    });
    from_config.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("initdb").exists())
            .collect();
        found.sort();
        found.pop()
    })
}

/// The uid and gid to run the server as: the `postgres` user when running as root.
pub(crate) fn run_as() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd =
        std::fs::read_to_string("/etc/passwd").map_err(|e| format!("cannot read /etc/passwd: {e}"))?;
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"postgres"))
                .then(|| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))?
        })
        .map(Some)
        .ok_or_else(|| "running as root and there is no postgres user to run the server as".into())
}

/// A new cluster in `data`: user `kehu`, every local connection trusted.
pub(crate) fn initdb(bin: &Path, user: Option<(u32, u32)>, data: &Path) -> Result<(), String> {
    let init = command(&bin.join("initdb"), user)
        .args(["-A", "trust", "-U", "kehu", "-E", "UTF8", "--no-sync", "-D"])
        .arg(data)
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&init.stderr)));
    }
    Ok(())
}

pub(crate) fn command(program: &Path, user: Option<(u32, u32)>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(program);
    if let Some((uid, gid)) = user {
        c.uid(uid).gid(gid);
    }
    c
}

/// The server started here and its directory, for [`stop_at_exit`].
static STARTED: OnceLock<(u32, PathBuf)> = OnceLock::new();

/// At the test binary's exit: the server stopped (SIGQUIT, waited for) and its directory gone.
extern "C" fn stop_at_exit() {
    if let Some((pid, dir)) = STARTED.get() {
        // SAFETY: signalling and reaping our own child.
        unsafe {
            libc::kill(*pid as i32, libc::SIGQUIT);
            libc::waitpid(*pid as i32, std::ptr::null_mut(), 0);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Removes the directories of throwaway clusters whose server is gone (a test binary killed
/// before its exit handler ran).
fn sweep_stale() {
    let Ok(listing) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for dir in listing.flatten().map(|e| e.path()) {
        let named = dir.file_name().is_some_and(|n| n.to_string_lossy().starts_with("kehu-pg-"));
        let pid = std::fs::read_to_string(dir.join("data/postmaster.pid"))
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
        // SAFETY: kill with signal 0 only asks whether the process exists.
        let alive = pid.is_some_and(|p| unsafe { libc::kill(p, 0) } == 0);
        let old = dir
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|e| e.as_secs() > 600));
        if named && !alive && (pid.is_some() || old) {
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// Starts a cluster in a new temporary directory; its connection parameters.
fn start_cluster(bin: &Path) -> Result<String, String> {
    sweep_stale();
    let user = run_as()?;
    let dir = tempfile::Builder::new().prefix("kehu-pg-").tempdir().map_err(|e| e.to_string())?.keep();
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| format!("chown: {e}"))?;
    }
    let data = dir.join("data");
    initdb(bin, user, &data)?;
    let port = 20000 + std::process::id() % 20000;
    let (bin, sock) = (bin.to_path_buf(), dir.clone());
    let (tx, rx) = std::sync::mpsc::channel::<Result<(), String>>();
    // The server is this thread's child and gets SIGQUIT when the thread ends: the thread
    // waits on it for the life of the process.
    std::thread::spawn(move || {
        use std::os::unix::process::CommandExt;
        let mut c = command(&bin.join("postgres"), user);
        c.arg("-D").arg(&data).args(["-p", &port.to_string(), "-c", "listen_addresses=", "-c", "fsync=off"]);
        c.arg("-k").arg(&sock).stdout(Stdio::null()).stderr(Stdio::null());
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
                Ok(())
            });
        }
        let child: Result<Child, _> = c.spawn();
        match child {
            Ok(mut child) => {
                let _ = STARTED.set((child.id(), sock.clone()));
                // SAFETY: `stop_at_exit` is a plain function that only signals, waits and
                // removes files.
                unsafe { libc::atexit(stop_at_exit) };
                let _ = tx.send(Ok(()));
                let _ = child.wait();
            }
            Err(e) => {
                let _ = tx.send(Err(format!("cannot start postgres: {e}")));
            }
        }
    });
    rx.recv().map_err(|e| e.to_string())??;
    // The socket directory as the URL's host, its slashes encoded (a temporary directory's
    // name holds nothing else that needs it).
    let host = dir.display().to_string().replace('/', "%2F");
    let base = format!("postgresql://kehu@{host}:{port}");
    // Ready when it answers (a condition awaited, not a sleep guessed).
    for _ in 0..600 {
        if postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).is_ok() {
            return Ok(base);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err("the throwaway PostgreSQL server did not answer within 30 s".into())
}
