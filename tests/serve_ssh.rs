//! `kehu serve` driven by OpenSSH's `ssh` in tmux, on loopback with throwaway keys: two
//! operators see the list, a purchase in one shows in the other, a resize reflows, `q` ends a
//! session cleanly, a wrong key and a session without a pty are refused, a local `kehu` names
//! the server; and the limits: one console too many is refused, a panic ends only its own
//! session, an idle session is closed. Every wait polls against a deadline.

mod common;
mod tmux;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tmux::{DEADLINE, Tmux, wait_file};

const TODAY: &str = "2024-06-30";

/// Whether the system ssh client is there; the test says so plainly when it is not.
fn have_ssh() -> bool {
    let found = Command::new("ssh").arg("-V").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED: no `ssh` client on this machine (.ci/run installs openssh-client)");
    }
    found
}

/// A running `kehu serve`, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(s: &Scratch, keys: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let log = s.dir.path().join(format!("serve-{}.log", extra.len()));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kehu"));
        cmd.arg("--db").arg(s.db()).args(["--as-of", TODAY, "serve", "--listen", "127.0.0.1:0"]);
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
    fn wait_log(&mut self, what: &str, ok: impl Fn(&str) -> bool) -> String {
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
    fn ssh(&self, key: &Path, extra: &[&str]) -> Vec<String> {
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
    fn console(&self, name: &str, key: &Path, exit: &Path, w: u16, h: u16) -> Tmux {
        let ssh = self.ssh(key, &["-tt"]).join(" ");
        let cmd = format!("TERM=xterm-256color ssh {ssh}; echo EXIT=$? > '{}'; sleep 60", exit.display());
        Tmux::start(name, &cmd, w, h)
    }

    /// Stops the server with SIGTERM and waits for it.
    fn stop(mut self) -> String {
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
fn keygen(s: &Scratch, name: &str, comment: &str) -> PathBuf {
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

fn public(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub")).unwrap().trim().to_string()
}

/// The demo shop, alice (named by her key's comment) and bob (by `operator=`), and a key that
/// is not authorized.
fn shop() -> (Scratch, PathBuf, PathBuf, PathBuf, PathBuf) {
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
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.trim_start().starts_with(name))
}

#[test]
fn two_operators_work_on_one_database_over_ssh() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, bob, mallory) = shop();
    let mut server = Server::start(&s, &keys, &[], &[]);
    let (exit_a, exit_b) = (s.dir.path().join("exit-a"), s.dir.path().join("exit-b"));
    let a = server.console("a", &alice, &exit_a, 100, 30);
    let b = server.console("b", &bob, &exit_b, 100, 30);
    for t in [&a, &b] {
        t.wait_for("the list", |s| s.contains("200 customers") && s.contains("lifecycle"));
    }
    server.wait_log("both logins", |l| l.contains("alice logged in") && l.contains("Bob logged in"));

    // B watches Ben Chen, who has never bought.
    b.send(&["/"]);
    b.literal("Ben Chen");
    let before = b.wait_for("Ben Chen in B", |s| row(s, "Ben Chen").is_some_and(|r| r.contains("potential")));
    assert!(row(&before, "Ben Chen").unwrap().contains("never"), "{before}");

    // A records a purchase for him: search, Enter opens him, p, the amount, Enter.
    a.send(&["/"]);
    a.literal("Ben Chen");
    a.wait_for("the search in A", |s| s.contains("found: Ben Chen"));
    a.send(&["Enter"]);
    a.wait_for("Ben Chen's detail", |s| s.contains("Ben Chen  #") && s.contains("Classes"));
    a.send(&["p"]);
    a.wait_for("the purchase form", |s| s.contains("Record purchase"));
    a.literal("2500");
    a.send(&["Enter"]);
    a.wait_for("the save", |s| s.contains("saved Ben Chen"));

    // B shows his new classes and figures without doing anything.
    let after = b.wait_for("the change in B", |s| s.contains("alice changed Ben Chen"));
    let r = row(&after, "Ben Chen").unwrap();
    assert!(
        r.contains("silver") && r.contains("new") && r.contains("active") && r.contains("2,500"),
        "{after}"
    );

    // A resize reflows B's screen to the new size, and back.
    b.resize(60, 12);
    b.wait_for("the 60x12 screen", |s| {
        let lines: Vec<&str> = s.lines().collect();
        lines.len() <= 12 && lines.iter().all(|l| l.chars().count() <= 60) && row(s, "Ben Chen").is_some()
    });
    b.resize(100, 30);
    b.wait_for("the 100x30 screen", |s| s.contains("12m spend") && s.lines().count() > 12);

    // A wrong key is refused (and the refusal logged); a session without a pty is told why.
    let refused = Command::new("ssh").args(server.ssh(&mallory, &["-o", "BatchMode=yes"])).output().unwrap();
    assert!(!refused.status.success(), "a key not in authorized_keys logged in");
    assert!(stderr(&refused).contains("Permission denied"), "{}", stderr(&refused));
    server.wait_log("the refusal", |l| l.contains("refused key SHA256:"));
    let no_pty = Command::new("ssh").args(server.ssh(&alice, &["-T"])).stdin(Stdio::null()).output().unwrap();
    assert!(!no_pty.status.success());
    assert!(stdout(&no_pty).contains("needs a terminal"), "{}", stdout(&no_pty));

    // A local console is told where the database is and how to connect instead (commands are
    // run by the server: tests/serve_control.rs).
    let local = s.kehu(TODAY, &[]);
    assert!(!local.status.success());
    let want = format!("holds this database; connect with: ssh -p {} 127.0.0.1", server.port);
    assert!(stderr(&local).contains(&want), "{}", stderr(&local));

    // q ends each session cleanly: exit status 0, the normal screen back.
    b.send(&["Escape"]);
    b.wait_for("the search closed", |s| !s.contains("found:"));
    b.send(&["q"]);
    assert_eq!(wait_file(&exit_b).trim(), "EXIT=0");
    assert_eq!(b.format("#{alternate_on}"), "0");
    // (Esc and q sent together would read as Alt-q, as in any terminal: wait for the Esc.)
    a.send(&["Escape"]);
    a.wait_for("back on the list", |s| !s.contains("Classes"));
    a.send(&["q"]);
    assert_eq!(wait_file(&exit_a).trim(), "EXIT=0");

    let log = server.stop();
    assert!(log.contains("stopping"), "{log}");
    assert!(!s.db().join("serve.json").exists(), "the marker is removed on exit");
    // The audit log names alice for the purchase.
    let show: serde_json::Value =
        serde_json::from_str(&ok(s.kehu(TODAY, &["show", "Ben Chen", "--json"]))).unwrap();
    let id = show["customer"]["id"].as_u64().unwrap();
    let audit = ok(s.kehu(TODAY, &["audit", "--customer", &format!("#{id}")]));
    assert!(audit.contains("alice") && audit.contains("purchase") && audit.contains("2500.00"), "{audit}");
}

#[test]
fn a_console_too_many_is_refused_and_a_panic_ends_only_its_session() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, bob, _) = shop();
    let server = Server::start(&s, &keys, &["--max-sessions", "2"], &[("KEHU_TEST_PANIC_ON", "`")]);
    let (exit_a, exit_b) = (s.dir.path().join("exit-a"), s.dir.path().join("exit-b"));
    let a = server.console("la", &alice, &exit_a, 80, 24);
    let b = server.console("lb", &bob, &exit_b, 80, 24);
    for t in [&a, &b] {
        t.wait_for("the list", |s| s.contains("200 customers"));
    }

    // A third console is refused with a message.
    let third = Command::new("ssh").args(server.ssh(&alice, &["-tt"])).stdin(Stdio::null()).output().unwrap();
    assert!(!third.status.success());
    assert!(stdout(&third).contains("all 2 consoles are in use"), "{}", stdout(&third));

    // A panic in A ends A only (exit status 70, a word why); B goes on.
    a.send(&["`"]);
    assert_eq!(wait_file(&exit_a).trim(), "EXIT=70");
    assert!(a.history().contains("internal error"), "{}", a.history());
    b.send(&["2"]);
    b.wait_for("B still working", |s| s.contains("◀ lifecycle ▶"));
    b.send(&["q"]);
    assert_eq!(wait_file(&exit_b).trim(), "EXIT=0");
    drop(server);
}

#[test]
fn an_idle_console_is_closed_with_a_word_why() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, _, _) = shop();
    let server = Server::start(&s, &keys, &["--idle", "2s"], &[]);
    let exit = s.dir.path().join("exit-idle");
    let a = server.console("idle", &alice, &exit, 80, 24);
    a.wait_for("the list", |s| s.contains("200 customers"));
    assert_eq!(wait_file(&exit).trim(), "EXIT=0");
    assert!(a.history().contains("no key for 2 s; session closed"), "{}", a.history());
    assert_eq!(a.format("#{alternate_on}"), "0");
    drop(server);
}

#[test]
fn a_served_shop_is_backed_up_and_kehu_backup_works_while_serving() {
    if !have_ssh() {
        return;
    }
    let (s, keys, _, _, _) = shop();
    let mut server = Server::start(&s, &keys, &[], &[]);
    // The daily backup is written at start (today is --as-of) and the journal cut back to it.
    let log = server.wait_log("the daily backup", |l| l.contains("backed up to"));
    let daily = kehu::store::backup_dir(&s.db()).join(format!("kehu-{TODAY}.kehubak"));
    assert!(log.contains(&daily.display().to_string()), "{log}");
    kehu::store::verify_backup(&daily).expect("the daily backup reads back whole");

    // `kehu backup` asks the server, which writes it.
    let file = s.dir.path().join("while-serving.kehubak");
    let out = ok(s.kehu(TODAY, &["backup", file.to_str().unwrap()]));
    assert!(out.contains("written by the running kehu serve"), "{out}");
    let restored = s.dir.path().join("restored");
    ok(kehu_at(&restored, TODAY, &["restore", file.to_str().unwrap()]));
    assert!(ok(kehu_at(&restored, TODAY, &["check"])).ends_with("clean\n"));
    let customers = |db: &Path| ok(kehu_at(db, TODAY, &["export", "--kind", "customers"])).lines().count();

    // A target inside the database directory is refused by the server too.
    let inside = s.db().join("db");
    let refused = s.kehu(TODAY, &["backup", inside.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("inside the database directory"), "{}", stderr(&refused));

    // The console is still told who holds the database, and how to connect (exit 2).
    let held = s.kehu(TODAY, &[]);
    assert_eq!(held.status.code(), Some(2), "{}", stderr(&held));
    assert!(stderr(&held).contains("kehu serve (pid"), "{}", stderr(&held));
    let log = server.stop();
    assert!(!s.db().join("kehu.sock").exists(), "the control socket is removed on exit:\n{log}");
    assert_eq!(customers(&restored), customers(&s.db()));
}

/// Reads `socket` until the server closes it; false when it is still open at `within`.
fn closed_by_server(mut socket: std::net::TcpStream, within: Duration) -> bool {
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

#[test]
fn sockets_that_never_log_in_are_closed_and_an_operator_gets_in_after() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, _, _) = shop();
    // One console: 2 × 1 + 4 = 6 connections at once, all taken by sockets that say nothing.
    let mut server = Server::start(&s, &keys, &["--max-sessions", "1", "--login-timeout", "1s"], &[]);
    let silent: Vec<std::net::TcpStream> =
        (0..6).map(|_| std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap()).collect();
    for socket in silent {
        assert!(
            closed_by_server(socket, Duration::from_secs(15)),
            "a socket that never logged in stayed open"
        );
    }
    server.wait_log("the deadline", |l| l.contains("closed, no login within 1 s"));
    // The places are free again: alice logs in (and, without a terminal, is told why).
    let after = Command::new("ssh").args(server.ssh(&alice, &["-T"])).stdin(Stdio::null()).output().unwrap();
    assert!(stdout(&after).contains("needs a terminal"), "{}{}", stdout(&after), stderr(&after));
}

#[test]
fn a_subsystem_request_gets_one_line_and_a_closed_channel() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, _, _) = shop();
    let server = Server::start(&s, &keys, &[], &[]);
    let mut args = server.ssh(&alice, &["-s", "-o", "BatchMode=yes"]);
    args.push("sftp".into());
    let mut child = Command::new("ssh")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + DEADLINE;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the subsystem request hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(stdout(&out).contains("no sftp subsystem"), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn a_key_limited_by_options_kehu_does_not_enforce_is_kept_out_and_the_log_says_why() {
    if !have_ssh() {
        return;
    }
    let (s, _, alice, bob, _) = shop();
    let keys = s.file(
        "limited_keys",
        &format!("from=\"10.9.9.9\" {}\nrestrict,command=\"/bin/false\" {}\n", public(&alice), public(&bob)),
    );
    let _ = Command::new("chmod").arg("600").arg(&keys).status();
    let mut server = Server::start(&s, &keys, &[], &[]);
    for key in [&alice, &bob] {
        let out = Command::new("ssh")
            .args(server.ssh(key, &["-T", "-o", "BatchMode=yes"]))
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!out.status.success(), "a key limited by from= or command= logged in");
        assert!(stderr(&out).contains("Permission denied"), "{}", stderr(&out));
    }
    let log = server.wait_log("the refused lines", |l| l.contains("line 1: option from is not enforced"));
    assert!(log.contains("line 2: option restrict is not enforced"), "{log}");
}
