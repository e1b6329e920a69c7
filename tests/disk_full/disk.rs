//! A small disk to fill: a tmpfs of a few megabytes, which root can mount here, and a filler
//! file that takes all of it but some slack.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs of `mb` megabytes at the path it holds, unmounted on drop.
pub struct SmallDisk(pub PathBuf);

impl SmallDisk {
    /// `None` where mounting is not allowed (not root): the caller says so and checks nothing.
    pub fn mount(at: &Path, mb: u32) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| SmallDisk(at.to_path_buf()))
    }

    /// [`SmallDisk::mount`], saying on stdout what goes `untested` when it cannot be mounted.
    pub fn mount_or_skip(at: &Path, mb: u32, untested: &str) -> Option<SmallDisk> {
        let disk = SmallDisk::mount(at, mb);
        if disk.is_none() {
            println!("SKIPPED: cannot mount a tmpfs here (needs root); {untested}");
        }
        disk
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

/// Fills the file system holding `dir` with the file `dir/name`, then frees `slack` bytes of it.
pub fn fill(dir: &Path, name: &str, slack: u64) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).expect("create filler");
    let chunk = vec![0x5au8; 64 << 10];
    let mut written = 0u64;
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = f.sync_all();
    f.set_len(written.saturating_sub(slack)).expect("free the slack");
    path
}
