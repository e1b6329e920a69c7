//! Whether the console's terminal is still there. A pseudo-terminal closed under the console
//! sends no SIGHUP when it is not the controlling terminal (a crashed emulator, a pty handed
//! over by a supervisor); reading it then gives EOF or EIO at once, and crossterm's poll spins
//! on it. The watchdog asks this every tick and treats a gone terminal as a hangup.

/// Watches standard input when it is the console's terminal (asked once, at start: a terminal
/// that hung up is no longer one to isatty). When it is not, crossterm reads `/dev/tty`, and a
/// closed pipe on standard input says nothing about the console.
#[derive(Debug, Clone, Copy)]
pub struct Hangup {
    watched: bool,
}

impl Hangup {
    /// Looks at standard input now.
    pub fn watch() -> Hangup {
        use std::io::IsTerminal;
        Hangup { watched: cfg!(unix) && std::io::stdin().is_terminal() }
    }

    /// Whether the watched terminal has hung up (its other side closed).
    pub fn gone(self) -> bool {
        self.watched && hung_up(0)
    }
}

#[cfg(all(unix, target_os = "linux", target_env = "gnu"))]
fn hung_up(fd: i32) -> bool {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd, a zero timeout; poll only writes `revents`.
    let n = unsafe { libc::poll(&mut p, 1, 0) };
    n > 0 && p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

#[cfg(not(all(unix, target_os = "linux", target_env = "gnu")))]
fn hung_up(_fd: i32) -> bool {
    false
}
