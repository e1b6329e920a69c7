//! `kehu backup`, `kehu restore` and `kehu migrate`.

use crate::progress::Progress;
use crate::store::{self, SledStore, Store};
use crate::text::shown_path;
use std::io::Write;
use std::path::Path;

/// Writes a backup of the database in `db` to `file` (while `kehu serve` holds the database,
/// `cli::run` asks the server instead).
pub fn run_backup(db: &Path, file: &Path, p: &dyn Progress, out: &mut dyn Write) -> anyhow::Result<i32> {
    let made = match store::postgres_url(db) {
        Some(url) => store::PgStore::open(url).map_err(super::failure::OpenFailed)?.backup(file),
        None => {
            let store = SledStore::open_existing(db).map_err(super::failure::OpenFailed)?;
            store::backup_with(&store, file, &|| false, p)
        }
    };
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
            writeln!(out, "restored {} entries of {} trees into {}", s.entries, s.trees, shown(db))?;
            Ok(0)
        }
        Err(e) => {
            writeln!(out, "refused: {}; nothing was written", crate::text::terminal_safe(&e.to_string()))?;
            Ok(super::check::REFUSED)
        }
    }
}

/// Moves the shop at `from` to `to` (a directory to PostgreSQL or back).
pub fn run_migrate(from: &Path, to: &Path, p: &dyn Progress, out: &mut dyn Write) -> anyhow::Result<i32> {
    let moved = store::move_shop(from, to, p);
    p.done();
    match moved {
        Ok(t) => {
            let trees = t.trees.iter().filter(|(_, n)| *n > 0).count();
            writeln!(
                out,
                "moved {} entries of {trees} trees from {} to {}; counted and summed again there: equal (change {}, content sum {:016x})",
                t.entries(),
                shown(from),
                shown(to),
                t.seq,
                t.sum
            )?;
            Ok(0)
        }
        Err(e) => {
            writeln!(out, "refused: {}; nothing was written", crate::text::terminal_safe(&e.to_string()))?;
            Ok(super::check::REFUSED)
        }
    }
}

/// A database for messages: a directory's path, or a URL without its password.
fn shown(db: &Path) -> String {
    match store::postgres_url(db) {
        Some(url) => store::shown_url(url),
        None => shown_path(db).to_string(),
    }
}
