//! What a person sees when kehu fails: one line in words and a documented exit code, never a
//! panic's message and backtrace.
//!
//! Exit codes (README, "Exit codes"): 0 done; 1 the command failed (bad input, a refused edit,
//! damage found by `kehu check`); 2 the database cannot be used as asked (none at the path,
//! held by another process, written by a newer kehu, damaged, or missing acknowledged
//! changes); 70 an internal error, a bug in kehu.

use crate::store::StoreError;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// The command failed: bad input, a refused change.
pub const FAILED: i32 = 1;
/// The database cannot be used as asked: missing, locked, too new, damaged or lost changes.
pub const UNUSABLE: i32 = 2;
/// A bug in kehu (sysexits' EX_SOFTWARE).
pub const INTERNAL: i32 = 70;

/// Set when a panic came from inside sled: damage sled could not handle, not a kehu bug.
static IN_SLED: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Installs the panic hook that prints one worded line instead of the panic's report.
pub fn install_hook() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let text = crate::store::panic_text(info);
            let file = info.location().map(|l| l.file().to_string()).unwrap_or_default();
            let line = if is_sled(&file) {
                IN_SLED.store(true, Ordering::SeqCst);
                format!(
                    "kehu: the database files are damaged: sled failed ({text}); run `kehu check`, \
                     then `kehu salvage --out NEWDIR` to rebuild the database into a new directory"
                )
            } else {
                format!("kehu: internal error: {text}; this is a bug in kehu, please report it")
            };
            eprintln!("{}", crate::text::terminal_safe(&line));
        }));
    });
}

/// A database that could not be opened, whatever the reason (a full disk included): the
/// database cannot be used as asked, exit 2.
#[derive(Debug)]
pub struct OpenFailed(pub StoreError);

impl std::fmt::Display for OpenFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for OpenFailed {}

/// Whether a panic's source file is sled's.
fn is_sled(file: &str) -> bool {
    file.contains("/sled-") || file.contains("\\sled-")
}

/// The exit code of a panic that reached the top.
pub fn panic_code() -> i32 {
    if IN_SLED.load(Ordering::SeqCst) { UNUSABLE } else { INTERNAL }
}

/// The exit code of a failed command.
pub fn code_of(e: &anyhow::Error) -> i32 {
    let unusable = e.chain().any(|c| {
        c.is::<OpenFailed>()
            || matches!(
                c.downcast_ref::<StoreError>(),
                Some(
                    StoreError::NoDatabase { .. }
                        | StoreError::Locked { .. }
                        | StoreError::TooNew { .. }
                        | StoreError::Corrupt(_)
                        | StoreError::Lost { .. }
                )
            )
    });
    if unusable { UNUSABLE } else { FAILED }
}

/// The line printed for a failed command on the database in `db`; damage points to what to do.
pub fn message(e: &anyhow::Error, db: &std::path::Path) -> String {
    let text = format!("{e:#}");
    let damaged = e.chain().any(|c| {
        matches!(c.downcast_ref::<StoreError>(), Some(StoreError::Corrupt(_)))
            || matches!(c.downcast_ref::<OpenFailed>(), Some(OpenFailed(StoreError::Corrupt(_))))
    });
    if damaged && !text.contains("salvage") {
        format!(
            "{text}; run `kehu check` to see what is damaged, and `kehu salvage --db {} --out NEWDIR` to rebuild \
             from the last backup and the journal",
            db.display()
        )
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_refusals_are_exit_2_and_other_failures_exit_1() {
        let e = anyhow::Error::from(StoreError::NoDatabase { path: "x".into() });
        assert_eq!(code_of(&e), UNUSABLE);
        let e = anyhow::Error::from(StoreError::Corrupt("bad".into())).context("opening");
        assert_eq!(code_of(&e), UNUSABLE);
        let hint = message(&e, std::path::Path::new("/srv/shop"));
        assert!(hint.contains("kehu salvage --db /srv/shop"), "{hint}");
        assert_eq!(code_of(&anyhow::anyhow!("bad row")), FAILED);
        assert_eq!(code_of(&anyhow::Error::from(StoreError::NoSuchCustomer(3))), FAILED);
        assert!(is_sled("/root/.cargo/registry/src/x/sled-0.34.7/src/pagecache/mod.rs"));
        assert!(!is_sled("src/tui/mod.rs"));
        let full =
            anyhow::Error::from(OpenFailed(StoreError::Io("the disk holding the database is full".into())));
        assert_eq!(code_of(&full), UNUSABLE);
        assert!(!message(&full, std::path::Path::new("x")).contains("salvage"));
    }
}
