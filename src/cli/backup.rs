//! `kehu backup` and `kehu restore`.

use crate::progress::Progress;
use crate::store::{self, SledStore};
use crate::text::shown_path;
use std::io::Write;
use std::path::Path;

/// Writes a backup of the database in `db` to `file` (while `kehu serve` holds the database,
/// `cli::run` asks the server instead).
pub fn run_backup(db: &Path, file: &Path, p: &dyn Progress, out: &mut dyn Write) -> anyhow::Result<i32> {
    let store = SledStore::open_existing(db).map_err(super::failure::OpenFailed)?;
    let made = store::backup_with(&store, file, &|| false, p);
    p.done();
    let s = made?;
    writeln!(out, "backed up {} entries of {} trees to {}", s.entries, s.trees, shown_path(file))?;
    Ok(0)
}

/// Restores `file` into the (new or empty) database directory `db`.
pub fn run_restore(db: &Path, file: &Path, p: &dyn Progress, out: &mut dyn Write) -> anyhow::Result<i32> {
    let restored = store::restore_with(file, db, p);
    p.done();
    match restored {
        Ok(s) => {
            writeln!(out, "restored {} entries of {} trees into {}", s.entries, s.trees, shown_path(db))?;
            Ok(0)
        }
        Err(e) => {
            writeln!(out, "refused: {}; nothing was written", crate::text::terminal_safe(&e.to_string()))?;
            Ok(super::check::REFUSED)
        }
    }
}
