//! A console whose terminal goes away without a hangup signal: its pseudo-terminal is closed
//! under it, and the pty is not its controlling terminal, so no SIGHUP comes (a terminal
//! emulator that crashes, a pty handed over by a supervisor). The console must notice the end
//! of its input (EOF / EIO), put nothing more on the screen, and exit, releasing the database.

mod common;
use common::run::kehu_command;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A pseudo-terminal 80x24: (master, slave).
fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize { ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: openpty writes two fds into the locals; null name and termios are allowed.
    let rc = unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // The console must not inherit the master: then closing ours would not close the terminal.
    // SAFETY: fcntl on an fd we own.
    unsafe { libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: both fds were just opened and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

#[test]
fn the_console_exits_when_its_pty_is_closed_without_a_hangup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (master, slave) = openpty();
    let mut child = kehu_command(&db, "2026-11-25")
        .env("TERM", "xterm-256color")
        .env("HOME", dir.path())
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .expect("start the console");

    // Wait for the first frame (the welcome screen of an empty shop) on the master side, then
    // the terminal goes away: the reader holds the master's only fd and closes it.
    let mut reader = std::fs::File::from(master);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&seen).contains("demo") {
                break;
            }
        }
        drop(reader);
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("the console drew its first frame");
    let closed = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if closed.elapsed() > Duration::from_secs(10) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(status.is_some(), "the console was still running 10 s after its terminal closed");
    // The database is free again: another kehu opens it.
    let check = kehu_command(&db, "2026-11-25").arg("check").output().unwrap();
    assert!(
        !String::from_utf8_lossy(&check.stderr).contains("holds this database"),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
