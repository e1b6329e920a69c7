//! [`KvTxn`] over one PostgreSQL transaction: each get, insert and remove is one statement on
//! the tree's table, inside the transaction the caller commits or drops (rolled back).

use super::schema::table;
use crate::store::StoreError;
use crate::store::trees::TreeId;
use crate::store::txn::{KvTxn, TxResult};
use sled::IVec;
use sled::transaction::ConflictableTransactionError;
use std::cell::RefCell;

/// A PostgreSQL transaction as the store's rules see it.
pub(crate) struct PgTxn<'a> {
    tx: RefCell<postgres::Transaction<'a>>,
}

impl<'a> PgTxn<'a> {
    /// The rules' view of `tx`.
    pub fn new(tx: postgres::Transaction<'a>) -> PgTxn<'a> {
        PgTxn { tx: RefCell::new(tx) }
    }

    /// The transaction, for one statement (the borrow ends with it).
    pub fn client(&self) -> std::cell::RefMut<'_, postgres::Transaction<'a>> {
        self.tx.borrow_mut()
    }

    /// Commits what was written.
    pub fn commit(self) -> Result<(), postgres::Error> {
        self.tx.into_inner().commit()
    }
}

fn abort(what: &str, e: postgres::Error) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(super::schema::pg_err(what, e))
}

impl KvTxn for PgTxn<'_> {
    fn kv_get(&self, t: TreeId, key: &[u8]) -> TxResult<Option<IVec>> {
        let sql = format!("SELECT v FROM {} WHERE k = $1", table(t));
        let row = self.tx.borrow_mut().query_opt(&sql, &[&key]).map_err(|e| abort("read", e))?;
        Ok(row.map(|r| IVec::from(r.get::<_, &[u8]>(0))))
    }

    fn kv_insert(&self, t: TreeId, key: &[u8], value: &[u8]) -> TxResult<Option<IVec>> {
        let old = self.kv_get(t, key)?;
        let sql = format!(
            "INSERT INTO {} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
            table(t)
        );
        self.tx.borrow_mut().execute(&sql, &[&key, &value]).map_err(|e| abort("write", e))?;
        Ok(old)
    }

    fn kv_remove(&self, t: TreeId, key: &[u8]) -> TxResult<Option<IVec>> {
        let sql = format!("DELETE FROM {} WHERE k = $1 RETURNING v", table(t));
        let row = self.tx.borrow_mut().query_opt(&sql, &[&key]).map_err(|e| abort("remove", e))?;
        Ok(row.map(|r| IVec::from(r.get::<_, &[u8]>(0))))
    }
}
