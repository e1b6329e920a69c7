//! An open database of either backend, as the command line and the console hold it: a
//! directory (sled, one process) or a PostgreSQL URL (many processes and machines).

use super::pg::{self, PgStore};
use super::{SledStore, Store, StoreResult};
use std::path::Path;
use std::sync::Arc;

/// An open database.
pub enum Opened {
    /// A database directory.
    Sled(SledStore),
    /// A database on a PostgreSQL server.
    Pg(PgStore),
}

impl Opened {
    /// Opens `db`: a PostgreSQL URL, or a directory (with `create`, made when there is none;
    /// else `NoDatabase`). A PostgreSQL database gets its schema either way.
    pub fn open(db: &Path, create: bool) -> StoreResult<Opened> {
        match pg::url_in(db) {
            Some(url) => PgStore::open(url).map(Opened::Pg),
            None if create => SledStore::open(db).map(Opened::Sled),
            None => SledStore::open_existing(db).map(Opened::Sled),
        }
    }

    /// What opening found and did, for the operator (changes the journal brought back, a
    /// rebuild of the kept summaries…).
    pub fn notes(&self) -> &[String] {
        match self {
            Opened::Sled(s) => &s.report().notes,
            Opened::Pg(p) => p.notes(),
        }
    }

    /// The database directory's store, when it is one (backups and the journal are its own).
    pub fn sled(&self) -> Option<&SledStore> {
        match self {
            Opened::Sled(s) => Some(s),
            Opened::Pg(_) => None,
        }
    }

    /// The store, shared.
    pub fn shared(self) -> Arc<dyn Store> {
        match self {
            Opened::Sled(s) => Arc::new(s),
            Opened::Pg(p) => Arc::new(p),
        }
    }
}

impl std::ops::Deref for Opened {
    type Target = dyn Store;
    fn deref(&self) -> &(dyn Store + 'static) {
        match self {
            Opened::Sled(s) => s,
            Opened::Pg(p) => p,
        }
    }
}
