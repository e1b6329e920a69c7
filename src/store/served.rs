//! The marker `kehu serve` leaves in the database directory while it holds the database, so that
//! a local `kehu` refused by the lock can say who holds it and how to connect instead.

use std::path::{Path, PathBuf};

/// The marker file inside the database directory.
const MARKER: &str = "serve.json";

/// What the marker says: the server's pid and where it listens.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServeMarker {
    /// The server's process id.
    pub pid: u32,
    /// The address it listens on, e.g. `127.0.0.1:2222`.
    pub listen: String,
}

impl ServeMarker {
    /// The ssh command an operator uses to reach this server.
    pub fn ssh_command(&self) -> String {
        let (host, port) = match self.listen.rsplit_once(':') {
            Some((h, p)) => (h.trim_matches(['[', ']']), p),
            None => (self.listen.as_str(), "22"),
        };
        // A wildcard address is not somewhere to connect to: name this machine instead.
        let host = if matches!(host, "0.0.0.0" | "::" | "") { this_host() } else { host.to_string() };
        if port == "22" { format!("ssh {host}") } else { format!("ssh -p {port} {host}") }
    }
}

/// This machine's host name, for the ssh command (`localhost` when unknown).
fn this_host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn path(dir: &Path) -> PathBuf {
    dir.join(MARKER)
}

/// Writes the marker (the server calls this once it holds the database and listens).
pub fn write_marker(dir: &Path, marker: &ServeMarker) -> std::io::Result<()> {
    std::fs::write(path(dir), serde_json::to_vec(marker).map_err(std::io::Error::other)?)
}

/// Removes the marker if it is this process's (the server calls this on exit).
pub fn remove_marker(dir: &Path) {
    if read_marker(dir).is_some_and(|m| m.pid == std::process::id()) {
        let _ = std::fs::remove_file(path(dir));
    }
}

/// The marker, when present and readable.
pub fn read_marker(dir: &Path) -> Option<ServeMarker> {
    serde_json::from_slice(&std::fs::read(path(dir)).ok()?).ok()
}

/// The hint added to the "database in use" message when `kehu serve` (process `pid`) holds it.
pub(crate) fn locked_hint(dir: &Path, pid: Option<u32>) -> Option<String> {
    let m = read_marker(dir)?;
    if pid.is_some_and(|p| p != m.pid) {
        return None;
    }
    Some(format!("kehu serve (pid {}) holds this database; connect with: {}", m.pid, m.ssh_command()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_command_names_port_and_host() {
        let m = |listen: &str| ServeMarker { pid: 1, listen: listen.into() };
        assert_eq!(m("127.0.0.1:2222").ssh_command(), "ssh -p 2222 127.0.0.1");
        assert_eq!(m("[::1]:2200").ssh_command(), "ssh -p 2200 ::1");
        assert_eq!(m("shop:22").ssh_command(), "ssh shop");
        assert!(!m("0.0.0.0:2222").ssh_command().contains("0.0.0.0"));
    }
}
