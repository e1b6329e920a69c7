//! The PostgreSQL backend, for chains: many branches and servers on one customer
//! base. Being built in steps; what stands today:
//!
//! - [`schema`]: the tables, created and upgraded by the binary itself, versioned; a database
//!   of a newer kehu is refused.
//! - [`PgTxn`]: the store's rules ([`super::txn::Tx`]) over one SQL transaction, so that a
//!   change is written by the same code on sled and on PostgreSQL, to the same bytes.
//! - `--db postgres://…` (or `KEHU_DB`): kehu connects, makes or upgrades the schema, and then
//!   says plainly that the records are not served from PostgreSQL yet — instead of what it did
//!   before, taking the URL for a directory name and making a database there.
//!
//! Decision: the records are kept as on sled — one table per tree, keyed as the tree is, each
//! value in the versioned, checksummed envelope every record travels in. The store's rules
//! (stale revisions refused, one customer per member number, merges rewriting every index) then
//! live once, damage is detected the same way on both, and `kehu migrate` between them copies
//! bytes. Reporting in SQL is not the aim: `kehu export` gives CSV and JSON.

pub(crate) mod schema;
// The PostgreSQL store's commit is its first user (the next step); until then only its tests.
#[cfg_attr(not(test), allow(dead_code))]
mod txn;

#[cfg(test)]
pub(crate) use txn::PgTxn;

use super::StoreError;
use std::path::Path;
use std::time::Duration;

/// The PostgreSQL connection URL a `--db` value is, if it is one (`postgres://`,
/// `postgresql://`).
pub(crate) fn url_in(db: &Path) -> Option<&str> {
    let s = db.to_str()?;
    (s.starts_with("postgres://") || s.starts_with("postgresql://")).then_some(s)
}

/// What opening `url` does today: connects, brings the schema up to date, and refuses to go on,
/// saying what stands and what does not.
pub(crate) fn not_served_yet(url: &str) -> StoreError {
    match connect_and_ensure(url) {
        Ok(version) => StoreError::Refused(format!(
            "the PostgreSQL database at {} is ready (kehu schema {version}), but kehu does not serve its records from PostgreSQL yet; use a database directory for now",
            shown(url)
        )),
        Err(e) => e,
    }
}

/// `url` without its password, for messages.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Connects to `url` and ensures the schema; the schema version now. Runs on a thread of its own:
/// the synchronous client starts a runtime, which panics inside `kehu serve`'s.
fn connect_and_ensure(url: &str) -> Result<i32, StoreError> {
    let mut config: postgres::Config =
        url.parse().map_err(|e| StoreError::Io(format!("not a PostgreSQL URL: {}: {e}", shown(url))))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let shown = shown(url);
    std::thread::spawn(move || {
        let mut client = config.connect(postgres::NoTls).map_err(|e| {
            StoreError::Io(format!("cannot connect to PostgreSQL at {shown}: {}", schema::describe(&e)))
        })?;
        schema::ensure(&mut client)?;
        Ok(schema::latest())
    })
    .join()
    .unwrap_or_else(|_| Err(StoreError::Io("the PostgreSQL connection failed unexpectedly".into())))
}

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
