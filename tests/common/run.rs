//! Running the real `kehu` binary against a deadline, for the harnesses that damage databases
//! or fill disks: a run that does not end in time is killed and reported as timed out, so that
//! a hang becomes a finding instead of a test that never ends.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_kehu");

/// How one run of the binary ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The exit code; `None` when it was killed at the deadline or died of a signal.
    pub code: Option<i32>,
    /// The signal it died of (not counting the kill at the deadline).
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub took: Duration,
    pub out: String,
    pub err: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// The exit code and the start of both streams, for a failure message.
    pub fn brief(&self) -> String {
        let cut = |s: &str| s.chars().take(600).collect::<String>();
        format!(
            "exit {:?}{}; stderr: {}; stdout: {}",
            self.code,
            if self.timed_out { " (killed at the deadline)" } else { "" },
            cut(self.err.trim()),
            cut(self.out.trim())
        )
    }
}

/// `kehu --db DB --as-of DAY --lang en` with nothing of the developer's environment leaking in
/// (no `KEHU_*` variables, no user config, no backtraces), so that every harness sees the same
/// words whoever runs it.
pub fn kehu_command(db: &Path, day: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--db")
        .arg(db)
        .args(["--as-of", day, "--lang", "en"])
        .env_remove("KEHU_DB")
        .env_remove("KEHU_TODAY")
        .env_remove("KEHU_RULES")
        .env_remove("KEHU_LANG")
        .env_remove("RUST_BACKTRACE")
        // Nothing can live under /dev/null, so this config never exists.
        .env("KEHU_CONFIG", "/dev/null/kehu-config.toml")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null());
    cmd
}

/// Runs `kehu --db DB --as-of DAY --lang en ARGS…`, killed after `deadline`.
pub fn kehu_within<S: AsRef<OsStr>>(db: &Path, day: &str, args: &[S], deadline: Duration) -> Run {
    with_deadline(kehu_command(db, day).args(args), deadline)
}

/// Runs `cmd` with its output captured; it is killed once `deadline` has passed.
pub fn with_deadline(cmd: &mut Command, deadline: Duration) -> Run {
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("run kehu");
    // Both pipes are drained while it runs: an export is larger than a pipe's buffer.
    let out = drain(child.stdout.take().expect("stdout"));
    let err = drain(child.stderr.take().expect("stderr"));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for kehu") {
            break status;
        }
        if started.elapsed() > deadline {
            timed_out = true;
            // Our own child, by its handle: not reaped yet, so it cannot be another process.
            let _ = child.kill();
            break child.wait().expect("wait for kehu");
        }
        // std has no wait with a timeout: poll.
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    Run {
        code: status.code(),
        signal: if timed_out { None } else { status.signal() },
        timed_out,
        took,
        out: out.join().expect("stdout reader"),
        err: err.join().expect("stderr reader"),
    }
}

/// Reads all of `pipe` on a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The lines of `pipe` as they come, read on a thread of its own, so that a test can wait for
/// one against a deadline (`recv_timeout`).
pub fn lines(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}
