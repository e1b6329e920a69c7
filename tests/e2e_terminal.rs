//! The terminal after the console ends badly (issue 7, point 7), in a real pseudo-terminal
//! (tmux) with an interactive shell: a panic inside the event loop (the test hook
//! `KEHU_TEST_PANIC_ON=<key>`) and SIGTERM, SIGHUP and SIGINT sent to the process. Each time
//! the shell prompt comes back on the normal screen (tmux's `alternate_on` is 0), `stty -a` in
//! the same pane shows `icanon` and `echo` (raw mode off), the exit status is 70 after a panic
//! (one worded line, printed once, after the restore, from the left edge: never a panic's
//! report) and 0 after a signal. Every wait polls against a deadline.

mod common;
mod tmux;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};
use tmux::{DEADLINE, Tmux, shell};

const DAY: &str = "2024-06-30";

/// What these tests do in the shell: start the console, find its process.
trait Console {
    fn start_console(&self, s: &Scratch, env: &str);
    fn console_pid(&self) -> String;
    fn assert_restored(&self, exit: &str) -> String;
}

impl Console for Tmux {
    /// Starts the console from the shell; returns once its list is on the (alternate) screen.
    fn start_console(&self, s: &Scratch, env: &str) {
        self.line("clear");
        self.wait_for("a clear screen", |s| s.trim() == "READY$");
        let cmd = format!(
            "{env} KEHU_CONFIG={cfg} '{bin}' --db '{db}' --as-of {DAY}; echo EXIT=$?",
            cfg = s.dir.path().join("no-config.toml").display(),
            bin = env!("CARGO_BIN_EXE_kehu"),
            db = s.db().display(),
        );
        self.line(&cmd);
        self.wait_for("the list", |s| {
            s.contains("30 customers") && s.contains("lifecycle") && !s.contains("loading")
        });
        assert_eq!(self.format("#{alternate_on}"), "1", "the console runs on the alternate screen");
    }

    /// The console's process: the shell's child.
    fn console_pid(&self) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            if let Some(pid) = self.only_child() {
                return pid;
            }
            assert!(Instant::now() < end, "no single console process under the shell");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// After the console ended: the exit line and the prompt are on the normal screen, and the
    /// terminal is cooked again (`stty -a` run in the same pane).
    fn assert_restored(&self, exit: &str) -> String {
        let screen = self.wait_for("the exit status and the prompt", |s| {
            s.contains("EXIT=") && s.trim_end().ends_with("READY$")
        });
        assert!(screen.contains(&format!("EXIT={exit}")), "exit status is not {exit}:\n{screen}");
        assert_eq!(self.format("#{alternate_on}"), "0", "still on the alternate screen:\n{screen}");
        assert_eq!(self.format("#{cursor_flag}"), "1", "the cursor is hidden");
        let (words, s) = self.stty_modes();
        assert!(
            words.iter().any(|w| w == "icanon") && words.iter().any(|w| w == "echo"),
            "raw mode is still on (stty shows {words:?}):\n{s}"
        );
        screen
    }
}

fn demo_shop() -> Scratch {
    let s = Scratch::new();
    ok(s.kehu(DAY, &["demo", "--customers", "30", "--seed", "7"]));
    s
}

#[test]
fn a_panic_in_the_console_restores_the_terminal() {
    let s = demo_shop();
    let t = shell("panic", "");
    t.start_console(&s, "KEHU_TEST_PANIC_ON=x");
    t.send(&["x"]);
    t.assert_restored("70");
    let history = t.history();
    let message = "KEHU_TEST_PANIC_ON: test panic on key 'x'";
    assert_eq!(history.matches(message).count(), 1, "the panic message is not printed once:\n{history}");
    assert!(!history.contains("panicked at") && !history.contains("RUST_BACKTRACE"), "{history}");
    // Printed after the restore: on the normal screen, from the left edge (in raw mode a
    // newline does not return the carriage, so the line would start further right).
    let line = history.lines().find(|l| l.contains(message)).expect("the message");
    assert!(line.starts_with("kehu: internal error: "), "the message is not readable:\n{history}");
    assert!(line.contains("this is a bug"), "{line}");
}

#[test]
fn sigterm_sighup_and_sigint_restore_the_terminal_and_exit_cleanly() {
    let s = demo_shop();
    let t = shell("signals", "");
    for sig in ["TERM", "HUP", "INT"] {
        t.start_console(&s, "");
        let pid = t.console_pid();
        let out = Command::new("kill").args([&format!("-{sig}"), &pid]).output().expect("kill");
        assert!(out.status.success(), "kill -{sig} {pid}");
        let screen = t.assert_restored("0");
        assert!(!screen.contains("panicked"), "SIG{sig}: {screen}");
    }
    // Nothing was lost on the way: the database opens and has its customers.
    let out = ok(s.kehu(DAY, &["segments", "--dimension", "lifecycle", "--json"]));
    assert!(out.contains("count"), "{out}");
}

#[test]
fn the_console_ends_when_its_terminal_disappears() {
    // A tmux server killed (or an SSH link dropped): crossterm's poll spins on the dead tty, so
    // the console must end by the signal that comes with the hangup instead of spinning on.
    let s = demo_shop();
    let t = shell("hangup", "");
    t.start_console(&s, "");
    let pid = t.console_pid();
    t.run(&["kill-server"]);
    let end = Instant::now() + DEADLINE;
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < end, "kehu (pid {pid}) still runs after its terminal went away");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Nothing was lost: the database opens (its lock was released) and has its customers.
    let out = ok(s.kehu(DAY, &["segments", "--dimension", "lifecycle", "--json"]));
    assert!(out.contains("count"), "{out}");
}
