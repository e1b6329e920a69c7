//! The server's Ed25519 host key: generated on first start, kept (mode 0600) and reused, so
//! that the operators' `known_hosts` entries stay valid across restarts.

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{Ed25519Keypair, PrivateKey};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where the host key lives by default: `DIR.host_key` beside the database directory (not
/// inside it, so that a backup or a copy of the database never carries the server's identity).
pub fn default_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "db".into());
    name.push(".host_key");
    db.with_file_name(name)
}

/// Reads the host key at `path`, or generates and writes one there when there is none.
pub fn load_or_create(path: &Path) -> anyhow::Result<PrivateKey> {
    if path.exists() {
        let mode = std::fs::metadata(path)?.permissions().mode();
        // As OpenSSH's StrictModes: a key others may replace is nobody's key.
        anyhow::ensure!(
            mode & 0o022 == 0,
            "refusing the host key {}: it is group- or world-writable (mode {:o}); chmod 600 it",
            crate::text::shown_path(path),
            mode & 0o777
        );
        if mode & 0o077 != 0 {
            super::log(format_args!(
                "{} is readable by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            ));
        }
        return PrivateKey::read_openssh_file(path)
            .map_err(|e| anyhow::anyhow!("cannot read the host key {}: {e}", path.display()));
    }
    let key = generate()?;
    let text =
        key.to_openssh(LineEnding::LF).map_err(|e| anyhow::anyhow!("cannot encode the host key: {e}"))?;
    // create_new: two servers started at once never overwrite each other's fresh key.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot write the host key {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    super::log(format_args!("generated a new host key in {}", path.display()));
    Ok(key)
}

/// A fresh Ed25519 key from the kernel's random source.
fn generate() -> anyhow::Result<PrivateKey> {
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut seed)?;
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    seed.fill(0);
    Ok(key)
}

/// The key's SHA-256 fingerprint as `ssh` prints it on first connection.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(russh::keys::HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = default_path(&dir.path().join("shop"));
        assert_eq!(path, dir.path().join("shop.host_key"));
        let first = load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = load_or_create(&path).unwrap();
        assert_eq!(fingerprint(&first), fingerprint(&again));
        assert!(fingerprint(&first).starts_with("SHA256:"));
        // A host key others may replace is refused, as OpenSSH's StrictModes would.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o620)).unwrap();
        let Err(err) = load_or_create(&path) else { panic!("refused") };
        let err = err.to_string();
        assert!(err.contains("group- or world-writable (mode 620)"), "{err}");
    }
}
