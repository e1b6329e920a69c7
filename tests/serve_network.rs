//! `kehu serve` against what a shop's network brings, with OpenSSH's client on loopback: keys
//! limited by `from=`, `expiry-time=` and `no-pty`; a key removed (or expiring) while its
//! operator works; floods of connections that never log in, from one address and from many
//! (loopback has all of 127.0.0.0/8, so the attackers sit on other addresses than the
//! operator); and the back-off that stops a source whose connections keep failing.

mod common;
mod serve_harness;
mod tmux;
use common::*;
use serve_harness::*;
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use tmux::wait_file;

/// A connection to the server from the loopback address `from` (127.0.0.x).
fn connect_from(from: [u8; 4], port: u16) -> std::io::Result<TcpStream> {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    sock.bind(&SocketAddr::from((from, 0)).into())?;
    sock.connect(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    Ok(sock.into())
}

/// `ssh -T` with `key` in batch mode: refused, or told that the console needs a terminal.
fn ssh_t(server: &Server, key: &std::path::Path) -> Output {
    Command::new("ssh")
        .args(server.ssh(key, &["-T", "-o", "BatchMode=yes"]))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Whether the output shows a login that got as far as the console (which wants a terminal).
fn got_in(out: &Output) -> bool {
    stdout(out).contains("needs a terminal")
}

#[test]
fn keys_are_held_to_from_expiry_and_no_pty_and_lines_kehu_cannot_honour_are_refused() {
    if !have_ssh() {
        return;
    }
    let (s, _, alice, bob, mallory) = shop();
    let carol = keygen(&s, "carol", "carol");
    let dave = keygen(&s, "dave", "dave");
    let keys = s.file(
        "limited_keys",
        &format!(
            "from=\"10.9.9.9\" {}\nfrom=\"127.0.0.0/8,!127.0.0.2\" {}\nexpiry-time=\"20000101Z\" {}\n\
             no-pty {}\nrestrict,command=\"/bin/false\" {}\n",
            public(&alice),
            public(&bob),
            public(&carol),
            public(&dave),
            public(&mallory)
        ),
    );
    let _ = Command::new("chmod").arg("600").arg(&keys).status();
    let mut server = Server::start(&s, &keys, &[], &[]);
    for key in [&alice, &carol, &mallory] {
        let out = ssh_t(&server, key);
        assert!(!out.status.success() && !got_in(&out), "{key:?} logged in: {}", stdout(&out));
        assert!(stderr(&out).contains("Permission denied"), "{}", stderr(&out));
    }
    assert!(got_in(&ssh_t(&server, &bob)), "bob is allowed from 127.0.0.1");
    let tty = Command::new("ssh").args(server.ssh(&dave, &["-tt"])).stdin(Stdio::null()).output().unwrap();
    assert!(!tty.status.success());
    assert!(stdout(&tty).contains("may not open a terminal (no-pty"), "{}{}", stdout(&tty), stderr(&tty));
    let log = server.wait_log("the reasons", |l| l.contains("the key expired at"));
    assert!(log.contains("from= does not allow 127.0.0.1"), "{log}");
    assert!(log.contains("line 5: command= asks for a program"), "{log}");
}

#[test]
fn a_key_removed_or_given_another_role_while_its_operator_works_ends_that_session_only() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, bob, _) = shop();
    let mut server = Server::start(&s, &keys, &[], &[]);
    let (exit_a, exit_b) = (s.dir.path().join("exit-a"), s.dir.path().join("exit-b"));
    let a = server.console("ra", &alice, &exit_a, 80, 24);
    let b = server.console("rb", &bob, &exit_b, 80, 24);
    for t in [&a, &b] {
        t.wait_for("the list", |s| s.contains("200 customers"));
    }
    // Alice's line goes; Bob's stays (a rename and a new mtime, as an editor writes).
    let text = std::fs::read_to_string(&keys).unwrap();
    let kept: String =
        text.lines().filter(|l| !l.contains(&public(&alice))).map(|l| format!("{l}\n")).collect();
    let tmp = keys.with_extension("new");
    std::fs::write(&tmp, kept).unwrap();
    let _ = Command::new("chmod").arg("600").arg(&tmp).status();
    std::fs::rename(&tmp, &keys).unwrap();
    assert_eq!(wait_file(&exit_a).trim(), "EXIT=0");
    assert!(a.history().contains("may no longer log in (not in the authorized keys)"), "{}", a.history());
    server.wait_log("the log line", |l| l.contains("alice's session ended: not in the authorized keys"));
    b.send(&["2"]);
    b.wait_for("Bob still working", |s| s.contains("◀ lifecycle ▶"));
    // And alice cannot come back.
    assert!(!got_in(&ssh_t(&server, &alice)));
    // Bob's key becomes a viewer's: his console, built for staff, ends and says why.
    std::fs::write(&tmp, format!("kehu-role=\"viewer\",operator=\"Bob\" {}\n", public(&bob))).unwrap();
    let _ = Command::new("chmod").arg("600").arg(&tmp).status();
    std::fs::rename(&tmp, &keys).unwrap();
    assert_eq!(wait_file(&exit_b).trim(), "EXIT=0");
    assert!(b.history().contains("its role is now viewer; log in again"), "{}", b.history());
}

#[test]
fn a_flood_from_one_address_pushes_out_only_itself_and_is_then_refused() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, _, _) = shop();
    let mut server = Server::start(&s, &keys, &["--max-waiting", "8"], &[]);
    // 30 sockets that never log in, from 127.0.0.2, all held open.
    let flood: Vec<TcpStream> =
        (0..30).filter_map(|_| connect_from([127, 0, 0, 2], server.port).ok()).collect();
    assert!(flood.len() >= 20, "the flood could not connect: {}", flood.len());
    // Meanwhile an operator from 127.0.0.1 logs in at once.
    assert!(got_in(&ssh_t(&server, &alice)), "the operator was locked out by the flood");
    // The flood's own oldest were pushed out (each counts as a failure), so 127.0.0.2 is
    // now backing off: a new connection from it is closed before the server says a word.
    let log = server.wait_log("the back-off", |l| l.contains("127.0.0.2: 10 connections without a login"));
    assert!(log.contains("refused for 30 s"), "{log}");
    let late = connect_from([127, 0, 0, 2], server.port).unwrap();
    assert!(closed_by_server(late, Duration::from_secs(5)), "a backing-off source was let in");
    server.wait_log("the refusal line", |l| l.contains("127.0.0.2: refused for"));
    drop(flood);
    // Other addresses are not held up by 127.0.0.2's back-off.
    assert!(got_in(&ssh_t(&server, &alice)));
}

#[test]
fn a_flood_from_many_addresses_never_fills_the_door() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, _, _) = shop();
    let mut server = Server::start(&s, &keys, &["--max-waiting", "8", "--login-timeout", "600s"], &[]);
    // Five sockets from each of 20 addresses: far more than the 8 waiting places.
    let mut flood = Vec::new();
    for host in 10..30u8 {
        for _ in 0..5 {
            flood.extend(connect_from([127, 0, 0, host], server.port).ok());
        }
    }
    assert!(flood.len() >= 80, "the flood could not connect: {}", flood.len());
    for _ in 0..3 {
        assert!(got_in(&ssh_t(&server, &alice)), "the operator was locked out by the flood");
    }
    let _ = server.wait_log("the operator's logins", |l| l.matches("alice logged in").count() >= 3);
    drop(flood);
}

#[test]
fn a_key_that_expires_during_a_session_ends_it() {
    if !have_ssh() {
        return;
    }
    let (s, _, alice, _, _) = shop();
    let until = (chrono::Utc::now() + chrono::Duration::seconds(4)).format("%Y%m%d%H%M%SZ");
    let keys = s.file("expiring_keys", &format!("expiry-time=\"{until}\" {}\n", public(&alice)));
    let _ = Command::new("chmod").arg("600").arg(&keys).status();
    let server = Server::start(&s, &keys, &[], &[]);
    let exit = s.dir.path().join("exit-x");
    let a = server.console("xa", &alice, &exit, 80, 24);
    a.wait_for("the list", |s| s.contains("200 customers"));
    assert_eq!(wait_file(&exit).trim(), "EXIT=0");
    assert!(a.history().contains("may no longer log in (the key expired at"), "{}", a.history());
}

#[test]
fn a_command_gets_one_line_and_a_closed_channel() {
    if !have_ssh() {
        return;
    }
    let (s, keys, alice, _, _) = shop();
    let server = Server::start(&s, &keys, &[], &[]);
    let mut args = server.ssh(&alice, &["-T", "-o", "BatchMode=yes"]);
    args.extend(["cat".to_string(), "/etc/passwd".to_string()]);
    let out = Command::new("ssh").args(&args).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("offers the console only; connect without a command"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("root:"), "the command ran");
}
