//! `kehu serve` driven by OpenSSH's `ssh` in tmux, on loopback with throwaway keys: two
//! operators see the list, a purchase in one shows in the other, a resize reflows, `q` ends a
//! session cleanly, a wrong key and a session without a pty are refused, a local `kehu` names
//! the server; and the limits: one console too many is refused, a panic ends only its own
//! session, an idle session is closed; and roles: a viewer key is refused an edit, a manager key
//! reveals a phone, and `kehu audit` shows both. Every wait polls against a deadline.

mod common;
mod serve_harness;
mod tmux;
use common::*;
use serve_harness::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tmux::{DEADLINE, wait_file};

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
fn a_viewer_key_is_refused_an_edit_and_a_manager_key_reveals_a_phone_and_the_audit_log_keeps_both() {
    if !have_ssh() {
        return;
    }
    let (s, _, _, _, _) = shop();
    let vic = keygen(&s, "vic", "vic");
    let mia = keygen(&s, "mia", "mia");
    let keys = s.file(
        "role_keys",
        &format!(
            "kehu-role=\"viewer\" {}\nkehu-role=\"manager\",operator=\"Mia\" {}\n",
            public(&vic),
            public(&mia)
        ),
    );
    let _ = Command::new("chmod").arg("600").arg(&keys).status();
    let mut server = Server::start(&s, &keys, &[], &[]);
    let (exit_v, exit_m) = (s.dir.path().join("exit-v"), s.dir.path().join("exit-m"));
    let v = server.console("rv", &vic, &exit_v, 120, 30);
    let m = server.console("rm", &mia, &exit_m, 120, 30);
    for t in [&v, &m] {
        t.wait_for("the list", |s| s.contains("200 customers"));
    }
    server.wait_log("both logins", |l| {
        l.contains("vic logged in (viewer)") && l.contains("Mia logged in (manager)")
    });

    // The viewer's `a` opens no form: the status line names the role it needs.
    v.send(&["a"]);
    let screen =
        v.wait_for("the refusal", |s| s.contains("add customer: needs the staff role (you are viewer)"));
    assert!(!screen.contains("Add customer"), "{screen}");

    // The manager opens Grace Smith and reveals her phone.
    m.send(&["/"]);
    m.literal("Grace Smith");
    m.wait_for("the search", |s| s.contains("found: Grace Smith"));
    m.send(&["Enter"]);
    m.wait_for("her detail, phone masked", |s| s.contains("Grace Smith  #") && s.contains("177****9265"));
    m.send(&["v"]);
    m.wait_for("the phone revealed", |s| s.contains("17746729265"));

    // q leaves from the list and from a customer alike.
    for (t, exit) in [(&v, &exit_v), (&m, &exit_m)] {
        t.send(&["q"]);
        assert_eq!(wait_file(exit).trim(), "EXIT=0");
    }
    server.stop();
    let audit = ok(s.kehu(TODAY, &["audit"]));
    let line = |what: &str| audit.lines().find(|l| l.contains(what)).map(str::to_string);
    let refusal = line("refused: add customer").unwrap_or_else(|| panic!("{audit}"));
    assert!(refusal.contains("vic") && refusal.contains(r#"{"needs":"staff","role":"viewer"}"#), "{audit}");
    let reveal = line("reveal phone").unwrap_or_else(|| panic!("{audit}"));
    assert!(reveal.contains("Mia") && reveal.contains("Grace Smith"), "{audit}");
}
