//! The harness of the `kehu serve` end-to-end tests: a real server on loopback with throwaway
//! keys, OpenSSH's client in tmux, and the waits (each polls against a deadline).

#![allow(dead_code)]

use super::common::*;
use super::tmux::{DEADLINE, Tmux};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The day every served test runs on.
pub const TODAY: &str = "2024-06-30";

/// Whether the system ssh client is there; the test says so plainly when it is not.
pub fn have_ssh() -> bool {
    let found = Command::new("ssh").arg("-V").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED: no `ssh` client on this machine (.ci/run installs openssh-client)");
    }
    found
}

/// A running `kehu serve`, stopped with SIGTERM when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Server {
    pub fn start(s: &Scratch, keys: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let log = s.dir.path().join(format!("serve-{}.log", extra.len()));
        Server::start_on(&s.db(), s, keys, extra, env, log)
    }

    /// A server of database `db` (a directory or a URL), logging to `log`.
    pub fn start_on(
        db: &Path,
        s: &Scratch,
        keys: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
        log: PathBuf,
    ) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kehu"));
        cmd.arg("--db").arg(db).args(["--as-of", TODAY, "serve", "--listen", "127.0.0.1:0"]);
        cmd.arg("--authorized-keys").arg(keys).arg("--host-key").arg(s.dir.path().join("host_key"));
        cmd.args(extra).env("KEHU_CONFIG", s.dir.path().join("no-config.toml")).envs(env.iter().copied());
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start kehu serve");
        let mut server = Server { child, port: 0, log };
        let text = server.wait_log("the listening line", |l| l.contains("listening on 127.0.0.1:"));
        let at = text.find("listening on 127.0.0.1:").unwrap() + "listening on 127.0.0.1:".len();
        server.port = text[at..].split(';').next().unwrap().parse().expect("port");
        server
    }

    /// Polls the server's log until `ok` holds.
    pub fn wait_log(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            if ok(&text) {
                return text;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("kehu serve exited ({status}) before {what}:\n{text}");
            }
            assert!(Instant::now() < end, "timed out waiting for {what}; log:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The ssh command line for `key`, `extra` options first.
    pub fn ssh(&self, key: &Path, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        for a in ["-p", &self.port.to_string(), "-i", &key.display().to_string()] {
            args.push(a.to_string());
        }
        for o in [
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "IdentitiesOnly=yes",
            "LogLevel=ERROR",
        ] {
            args.extend(["-o".to_string(), o.to_string()]);
        }
        args.push("127.0.0.1".into());
        args
    }

    /// A console over ssh in its own tmux, at `w`x`h`; `exit` receives `EXIT=<status>`.
    pub fn console(&self, name: &str, key: &Path, exit: &Path, w: u16, h: u16) -> Tmux {
        let ssh = self.ssh(key, &["-tt"]).join(" ");
        let cmd = format!("TERM=xterm-256color ssh {ssh}; echo EXIT=$? > '{}'; sleep 60", exit.display());
        Tmux::start(name, &cmd, w, h)
    }

    /// Stops the server with SIGTERM and waits for it.
    pub fn stop(mut self) -> String {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let end = Instant::now() + DEADLINE;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < end, "kehu serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fresh key pair `name` (comment `comment`) in the scratch dir; the private key's path.
pub fn keygen(s: &Scratch, name: &str, comment: &str) -> PathBuf {
    let path = s.dir.path().join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
    // ssh refuses a private key others can read; tempdirs are private already, but be sure.
    let _ = Command::new("chmod").arg("600").arg(&path).status();
    path
}

pub fn public(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub")).unwrap().trim().to_string()
}

/// The demo shop, alice (named by her key's comment) and bob (by `operator=`), and a key that
/// is not authorized.
pub fn shop() -> (Scratch, PathBuf, PathBuf, PathBuf, PathBuf) {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "200", "--seed", "7"]));
    let alice = keygen(&s, "alice", "alice");
    let bob = keygen(&s, "bob", "bob@till-2");
    let mallory = keygen(&s, "mallory", "mallory");
    let keys = s.file("authorized_keys", &format!("{}\noperator=\"Bob\" {}\n", public(&alice), public(&bob)));
    // kehu serve, like OpenSSH, refuses a keys file others may write, whatever the umask.
    let _ = Command::new("chmod").arg("600").arg(&keys).status();
    (s, keys, alice, bob, mallory)
}

/// The list row of `name`.
pub fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.trim_start().starts_with(name))
}

/// Reads `socket` until the server closes it; false when it is still open at `within`.
pub fn closed_by_server(mut socket: std::net::TcpStream, within: Duration) -> bool {
    use std::io::Read;
    let end = Instant::now() + within;
    let mut buf = [0u8; 256];
    while Instant::now() < end {
        socket
            .set_read_timeout(Some(
                end.saturating_duration_since(Instant::now()).max(Duration::from_millis(1)),
            ))
            .unwrap();
        match socket.read(&mut buf) {
            Ok(0) => return true,
            // The server's banner comes first; the close after the deadline.
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
    false
}
