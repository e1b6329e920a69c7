//! `kehu salvage`: rebuild a damaged database into a new directory and say what was lost.

use crate::store::salvage::{self, Salvaged};
use std::io::Write;
use std::path::Path;

/// Salvages the database in `db` into `to`; exit 0 when nothing acknowledged was lost, 1 when
/// something was (the new database holds the rest), 2 when nothing could be rebuilt.
pub fn run(db: &Path, to: &Path, backup: Option<&Path>, out: &mut dyn Write) -> anyhow::Result<i32> {
    let s: Salvaged = match salvage::salvage(db, to, backup) {
        Ok(s) => s,
        Err(crate::store::StoreError::Refused(why)) => {
            eprintln!("kehu: {}", crate::text::terminal_safe(&why));
            return Ok(super::check::REFUSED);
        }
        Err(e) => return Err(e.into()),
    };
    let report = s.report();
    for line in &report {
        writeln!(out, "{}", crate::text::terminal_safe(line))?;
    }
    if s.complete() {
        return Ok(0);
    }
    // The verdict again where errors go, for scripts that watch only stderr.
    if let Some(verdict) = report.last() {
        eprintln!("kehu: {}", crate::text::terminal_safe(verdict));
    }
    Ok(1)
}
