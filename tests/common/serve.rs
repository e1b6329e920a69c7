//! `kehu serve` as the writer of the daily backup: the harnesses start it only to have the backup
//! written (and the journal cut back to it) the way a running shop has it, then stop it.

use super::run::{kehu_command, lines};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What `kehu serve` said about its daily backup, and how it stopped.
pub struct Served {
    /// Its line about the backup (`… backed up to …` or `daily backup failed …`), if it got
    /// that far within the deadline.
    pub said: Option<String>,
    /// Every other line it wrote on stderr before that.
    pub seen: Vec<String>,
    /// How it ended on SIGTERM; `None` when it did not within the deadline (it was killed).
    pub stopped: Option<ExitStatus>,
}

impl Served {
    pub fn backed_up(&self) -> bool {
        self.said.as_deref().is_some_and(|l| l.contains("backed up to"))
    }
}

/// Runs `kehu serve` on `db` (its keys in `scratch`) until it says how its daily backup went,
/// then stops it with SIGTERM; each wait gives up after `deadline`.
pub fn daily_backup(db: &Path, day: &str, scratch: &Path, deadline: Duration) -> Served {
    std::fs::create_dir_all(scratch).expect("scratch");
    let keys = scratch.join("authorized_keys");
    std::fs::write(&keys, "").expect("authorized_keys");
    // Refused when others may write it (as OpenSSH would), whatever the umask.
    std::fs::set_permissions(
        &keys,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
    )
    .expect("chmod");
    let mut child = kehu_command(db, day)
        .args(["serve", "--listen", "127.0.0.1:0", "--authorized-keys"])
        .arg(&keys)
        .arg("--host-key")
        .arg(scratch.join("host_key"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kehu serve");
    let stderr = lines(child.stderr.take().expect("stderr"));
    let until = Instant::now() + deadline;
    let mut seen = Vec::new();
    let said = loop {
        match stderr.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(l) if l.contains("backed up to") || l.contains("daily backup failed") => break Some(l),
            Ok(l) => seen.push(l),
            // It ended, or hung, before saying anything about the backup.
            Err(_) => break None,
        }
    };
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let (tx, done) = mpsc::channel();
    // Waiting on a thread of its own: std has no wait with a timeout.
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let stopped = match done.recv_timeout(deadline) {
        Ok(status) => Some(status.expect("wait for kehu serve")),
        Err(_) => {
            // Not reaped yet (the waiting thread has not returned), so the pid is still ours.
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            let _ = done.recv();
            None
        }
    };
    Served { said, seen, stopped }
}
