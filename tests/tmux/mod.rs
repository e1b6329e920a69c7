//! A tmux server of the test's own for driving the real binary in a pseudo-terminal; every
//! wait polls the screen against a deadline.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long any wait may take before the test fails with what it saw.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A tmux server on its own socket, killed when the test ends however it ends.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server named `name` (unique per test: tests run in parallel) running `cmd` at `w`x`h`.
    pub fn start(name: &str, cmd: &str, w: u16, h: u16) -> Tmux {
        let version = Command::new("tmux").arg("-V").output();
        assert!(
            version.as_ref().is_ok_and(|o| o.status.success()),
            "tmux is required for the end-to-end tests and was not found; install it \
             (apt-get install -y tmux) — .ci/run does this"
        );
        let t = Tmux { socket: format!("kehu-test-{}-{name}", std::process::id()) };
        let out = t.run(&["new-session", "-d", "-s", "k", "-x", &w.to_string(), "-y", &h.to_string(), cmd]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    /// Runs a tmux command against this server.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    /// Sends keys (tmux key names).
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "k"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    /// Types `text` as it is.
    pub fn literal(&self, text: &str) {
        assert!(self.run(&["send-keys", "-t", "k", "-l", text]).status.success());
    }

    /// Types a command line and Enter.
    pub fn line(&self, text: &str) {
        self.literal(text);
        self.send(&["Enter"]);
    }

    /// The visible screen.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "k"]).stdout).into_owned()
    }

    /// The normal screen with its scrollback (not the alternate screen).
    pub fn history(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-S", "-", "-t", "k"]).stdout).into_owned()
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    pub fn format(&self, what: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "k", what]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Resizes the window.
    pub fn resize(&self, w: u16, h: u16) {
        let out = self.run(&["resize-window", "-t", "k", "-x", &w.to_string(), "-y", &h.to_string()]);
        assert!(out.status.success(), "resize: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Polls the screen until `ok` holds; fails with the last screen at the deadline.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + DEADLINE;
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(Instant::now() < end, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A tmux server running an interactive shell at its prompt `READY$`, with nothing of the
/// test's environment but `env` (e.g. `LANG=C.UTF-8`): the console is started from it as a
/// user would, and the shell prints its exit status.
pub fn shell(name: &str, env: &str) -> Tmux {
    let t = Tmux::start(
        name,
        &format!(
            "env -i PATH=/usr/bin:/bin HOME=/tmp TERM=xterm-256color {env} PS1='READY$ ' bash --norc --noprofile -i"
        ),
        100,
        30,
    );
    t.wait_for("the shell prompt", |s| s.contains("READY$"));
    t
}

impl Tmux {
    /// The pid of the shell's only child (the console it started), if it has exactly one.
    pub fn only_child(&self) -> Option<String> {
        let shell = self.format("#{pane_pid}");
        let out = Command::new("pgrep").args(["-P", &shell]).output().expect("pgrep");
        let pids = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (!pids.is_empty() && !pids.contains('\n')).then_some(pids)
    }

    /// Which of `icanon` and `echo` are on (raw mode is off when both are), asked of `stty` in
    /// this pane at the shell's prompt; with the screen it showed. The answer is the one line
    /// holding `STTY-DONE` without the prompt (the command line fits on one line of 100).
    pub fn stty_modes(&self) -> (Vec<String>, String) {
        self.line("stty -a | tr ' ' '\\n' | grep -E -x -- '-?(icanon|echo)' | tr '\\n' ' '; echo STTY-DONE");
        let s = self.wait_for("stty", |s| s.contains("STTY-DONE") && s.trim_end().ends_with("READY$"));
        let words = s
            .lines()
            .find(|l| l.contains("STTY-DONE") && !l.contains("READY$"))
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        (words, s)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// Waits for a file holding a complete line (e.g. `EXIT=0` written after the binary exits).
pub fn wait_file(path: &Path) -> String {
    let end = Instant::now() + DEADLINE;
    loop {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s;
        }
        assert!(Instant::now() < end, "kehu did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}
