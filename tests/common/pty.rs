//! Running the binary with its standard output on a pseudo-terminal, to see what it writes when
//! it knows a person is looking (`isatty` is true) rather than a file or a pipe.

use std::ffi::CStr;
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::fd::FromRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::process::{Command, Output, Stdio};

/// A new pseudo-terminal: its master side and the path of its slave side.
fn open_pty() -> (File, String) {
    // SAFETY: plain libc calls on a descriptor this function owns; `name` is a buffer of the
    // size passed, which ptsname_r NUL-terminates.
    unsafe {
        let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(m >= 0, "posix_openpt failed");
        let master = File::from_raw_fd(m);
        assert_eq!(libc::grantpt(m), 0, "grantpt");
        assert_eq!(libc::unlockpt(m), 0, "unlockpt");
        let mut name = [0 as libc::c_char; 256];
        assert_eq!(libc::ptsname_r(m, name.as_mut_ptr(), name.len()), 0, "ptsname_r");
        (master, CStr::from_ptr(name.as_ptr()).to_string_lossy().into_owned())
    }
}

/// Runs `cmd` with stdout on a new pseudo-terminal (stdin empty, stderr piped) and returns
/// what it wrote; the terminal turns each `\n` into `\r\n`.
pub fn output_on_pty(mut cmd: Command) -> Output {
    let (mut master, slave_path) = open_pty();
    let slave = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&slave_path)
        .expect("open the pty's slave");
    cmd.stdin(Stdio::null()).stdout(Stdio::from(slave)).stderr(Stdio::piped());
    let child = cmd.spawn().expect("run kehu");
    // The parent's copy of the slave must close, or the master never sees the end.
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut chunk = [0u8; 8192];
        // Linux answers EIO once every slave descriptor is closed, after what was buffered.
        while let Ok(n) = master.read(&mut chunk) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        out
    });
    let mut output = child.wait_with_output().expect("wait for kehu");
    output.stdout = reader.join().expect("pty reader");
    output
}
