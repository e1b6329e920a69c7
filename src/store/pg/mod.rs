//! The PostgreSQL backend, for chains: many branches and servers on one customer
//! base. Being built in steps; what stands today:
//!
//! - [`schema`]: the tables, created and upgraded by the binary itself, versioned; a database
//!   of a newer kehu is refused.
//! - [`PgTxn`]: the store's rules ([`super::txn::Tx`]) over one SQL transaction, so that a
//!   change is written by the same code on sled and on PostgreSQL, to the same bytes.
//! - [`PgStore`]: the [`super::Store`] on PostgreSQL, opened by `--db postgres://…` (or
//!   `KEHU_DB`): one SQL transaction per call, one writer at a time under an advisory lock.
//! - [`pages`]: the store's readers ([`super::kv::Kv`]) over a transaction, a page at a time.
//!
//! Not yet: branches, seeing other processes' edits live (commits notify already), `kehu
//! serve`, backup and restore, migrate, TLS; commands that work on a directory only (check,
//! backup, restore, salvage, serve, torture) refuse a URL in words.
//!
//! Decision: the records are kept as on sled — one table per tree, keyed as the tree is, each
//! value in the versioned, checksummed envelope every record travels in. The store's rules
//! (stale revisions refused, one customer per member number, merges rewriting every index) then
//! live once, damage is detected the same way on both, and `kehu migrate` between them copies
//! bytes. Reporting in SQL is not the aim: `kehu export` gives CSV and JSON.

mod pages;
pub(crate) mod schema;
mod store;
mod tls;
mod txn;

pub use store::PgStore;
#[cfg(test)]
pub(crate) use txn::PgTxn;

use super::StoreError;
use std::path::Path;

/// The PostgreSQL connection URL a `--db` value is, if it is one (`postgres://`,
/// `postgresql://`).
pub fn url_in(db: &Path) -> Option<&str> {
    let s = db.to_str()?;
    (s.starts_with("postgres://") || s.starts_with("postgresql://")).then_some(s)
}

/// What a command that works on a database directory only says when given `url`.
pub(crate) fn directory_only(url: &str) -> StoreError {
    StoreError::Refused(format!(
        "{} is a PostgreSQL database; this command works on a database directory only, for now (the console and the everyday commands work on both)",
        shown(url)
    ))
}

/// `url` without its password, for messages.
pub fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod store_tests;
#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tls_tests;
