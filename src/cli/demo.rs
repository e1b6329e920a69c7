//! `kehu demo` and the `--demo` database: a synthetic shop built in a scratch directory beside
//! the target and renamed into place once whole, so that a demo stopped part way (killed, a
//! full disk) leaves no half-made shop where the database belongs; the next run clears the
//! scratch (once no running kehu holds it) and starts again.
//!
//! A database that already exists and holds no customer (the console made it) is filled where
//! it is, as before: it may hold settings of its own, and nothing recorded is moved aside.

use crate::demo::{self, DemoStats};
use crate::store::{SledStore, StoreError};
use crate::text::shown_path;
use anyhow::Context as _;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// The scratch directory a demo for `db` is built in: a sibling, so that the rename into
/// place stays on one file system.
pub fn scratch_of(db: &Path) -> PathBuf {
    let name = db.file_name().map_or_else(|| "db".into(), |n| n.to_string_lossy().into_owned());
    db.with_file_name(format!("{name}.demo-partial"))
}

/// Whether `dir` holds nothing yet: missing, or an empty directory. A PostgreSQL URL never is:
/// its database is filled in place.
pub fn vacant(dir: &Path) -> bool {
    if crate::store::postgres_url(dir).is_some() {
        return false;
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Builds a demo shop of `customers` into the vacant directory `db`: in the scratch
/// directory first, then renamed into place.
pub fn build(
    db: &Path,
    customers: u64,
    seed: u64,
    today: NaiveDate,
    operator: &str,
    p: &dyn crate::progress::Progress,
) -> anyhow::Result<DemoStats> {
    let scratch = scratch_of(db);
    if let Some(parent) = scratch.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", shown_path(parent)))?;
    }
    if scratch.exists() {
        match crate::store::remove_scratch(&scratch) {
            Ok(()) => {}
            Err(StoreError::Locked { pid, .. }) => anyhow::bail!(
                "another kehu{} is building a demo shop for {} (in {})",
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
                shown_path(db),
                shown_path(&scratch)
            ),
            Err(e) => return Err(e.into()),
        }
    }
    let built = SledStore::open(&scratch)
        .map_err(super::failure::OpenFailed)
        .map_err(anyhow::Error::from)
        .and_then(|store| demo::fill_store_with(&store, customers, seed, today, operator, p));
    let stats = match built {
        Ok(stats) => stats,
        Err(e) => {
            // Nothing in the scratch is anyone's: a failed build is not kept to trip the next.
            let _ = crate::store::remove_scratch(&scratch);
            return Err(e);
        }
    };
    if db.exists() {
        std::fs::remove_dir(db).with_context(|| format!("cannot replace the empty {}", shown_path(db)))?;
    }
    std::fs::rename(&scratch, db).with_context(|| {
        format!("cannot move the demo shop from {} to {}", shown_path(&scratch), shown_path(db))
    })?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scratch_is_a_sibling_and_vacancy_means_nothing_inside() {
        assert_eq!(scratch_of(Path::new("/srv/kehu/db")), Path::new("/srv/kehu/db.demo-partial"));
        let dir = tempfile::tempdir().unwrap();
        assert!(vacant(dir.path()) && vacant(&dir.path().join("missing")));
        std::fs::write(dir.path().join("x"), "").unwrap();
        assert!(!vacant(dir.path()));
    }
}
