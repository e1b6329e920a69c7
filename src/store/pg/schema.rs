//! The PostgreSQL schema of a kehu database: written into the binary as numbered steps, applied
//! in order by whichever kehu connects first (under an advisory lock, so that two starting at
//! once do not both apply them), recorded in `kehu_schema`. A database whose schema is newer
//! than this kehu knows is refused, untouched.

use super::super::trees::TreeId;
use super::super::{StoreError, StoreResult};

/// The advisory lock every schema change is made under (any fixed number: "kehu" in ASCII).
const SCHEMA_LOCK: i64 = 0x6b65_6875;

/// The steps, in order; the schema's version is how many are applied. Never change one that
/// has shipped: add a step.
fn steps() -> Vec<String> {
    let tables: String = TreeId::ALL
        .iter()
        .chain(&TreeId::KEPT)
        .map(|t| format!("CREATE TABLE {} (k BYTEA PRIMARY KEY, v BYTEA NOT NULL);\n", table(*t)))
        .collect();
    // 2: records carry their branch (envelope version 7). No table changes; the step is there
    // so that a kehu that cannot read those records refuses the database instead of failing on
    // them one by one.
    let branched =
        "COMMENT ON TABLE kehu_schema IS 'kehu: records carry their branch (envelope 7)';\n".to_string();
    vec![tables, branched]
}

/// The schema version this kehu writes.
pub(crate) fn latest() -> i32 {
    steps().len() as i32
}

/// The table of a tree.
pub(crate) fn table(t: TreeId) -> String {
    format!("kehu_{}", t.name())
}

/// A PostgreSQL error as a store error, naming what was being done.
pub(crate) fn pg_err(what: &str, e: postgres::Error) -> StoreError {
    StoreError::Io(format!("PostgreSQL: {what}: {}", describe(&e)))
}

/// What a PostgreSQL error says: the server's own message (the client's `Display` says only
/// "db error"), or the client's with its cause.
pub(crate) fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_string();
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// Brings the database's schema to [`latest`]; the version it was at. Refuses a newer one.
pub(crate) fn ensure(client: &mut postgres::Client) -> StoreResult<i32> {
    let mut tx = client.transaction().map_err(|e| pg_err("begin", e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(|e| pg_err("lock the schema", e))?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS kehu_schema (version INTEGER NOT NULL)")
        .map_err(|e| pg_err("create kehu_schema", e))?;
    let rows =
        tx.query("SELECT version FROM kehu_schema", &[]).map_err(|e| pg_err("read the schema version", e))?;
    let found: i32 = match rows.as_slice() {
        [] => 0,
        [row] => row.get(0),
        _ => {
            return Err(StoreError::Io(
                "PostgreSQL: kehu_schema holds more than one version (damage)".into(),
            ));
        }
    };
    if found > latest() {
        return Err(StoreError::Io(format!(
            "this PostgreSQL database was written by a newer kehu (schema {found}; this kehu knows up to {}): upgrade kehu",
            latest()
        )));
    }
    for (n, step) in steps().iter().enumerate().skip(found as usize) {
        tx.batch_execute(step).map_err(|e| pg_err(&format!("schema step {}", n + 1), e))?;
    }
    if found < latest() {
        tx.execute("DELETE FROM kehu_schema", &[]).map_err(|e| pg_err("record the schema", e))?;
        tx.execute("INSERT INTO kehu_schema (version) VALUES ($1)", &[&latest()])
            .map_err(|e| pg_err("record the schema", e))?;
    }
    tx.commit().map_err(|e| pg_err("commit the schema", e))?;
    Ok(found)
}
