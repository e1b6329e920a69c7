//! [`Kv`] over one PostgreSQL transaction: a key range is read a page at a time by key
//! (`k > last ORDER BY k LIMIT n`), so a scan of a million customers holds one page in memory
//! and a prefix of one customer costs one small query. BYTEA compares byte by byte, as sled's
//! keys do, so both backends give the same order.

use super::schema::{pg_err, table};
use super::txn::PgTxn;
use crate::store::StoreResult;
use crate::store::kv::{Kv, Pair, Pairs, Put};
use crate::store::trees::TreeId;
use postgres::types::ToSql;
use sled::IVec;
use std::collections::VecDeque;

/// The first page's size; each next one doubles, up to [`LAST_PAGE`]: a prefix scan is small,
/// a whole-tree scan soon reads in large pages.
const FIRST_PAGE: i64 = 64;
const LAST_PAGE: i64 = 4096;

impl Kv for PgTxn<'_> {
    fn value(&self, t: TreeId, key: &[u8]) -> StoreResult<Option<IVec>> {
        let sql = format!("SELECT v FROM {} WHERE k = $1", table(t));
        let row = self.client().query_opt(&sql, &[&key]).map_err(|e| pg_err("read", e))?;
        Ok(row.map(|r| IVec::from(r.get::<_, &[u8]>(0))))
    }

    fn range(&self, t: TreeId, from: &[u8], below: Option<&[u8]>, rev: bool) -> Pairs<'_> {
        Box::new(Pages {
            txn: self,
            table: table(t),
            from: from.to_vec(),
            below: below.map(<[u8]>::to_vec),
            rev,
            last: None,
            page: FIRST_PAGE,
            buf: VecDeque::new(),
            done: false,
        })
    }

    fn apply(&self, puts: Vec<Put>) -> StoreResult<()> {
        // Runs of one tree and one kind, in order: a key removed and then set again (blocks kept
        // anew) ends set.
        let mut at = 0;
        while at < puts.len() {
            let (t, _, v) = &puts[at];
            let end = at
                + puts[at..].iter().take_while(|(pt, _, pv)| pt == t && pv.is_some() == v.is_some()).count();
            let run = &puts[at..end];
            if v.is_some() {
                let mut keyed: std::collections::BTreeMap<&[u8], &[u8]> = Default::default();
                for (_, k, v) in run {
                    keyed.insert(k, v.as_deref().unwrap_or_default());
                }
                let (ks, vs): (Vec<&[u8]>, Vec<&[u8]>) = keyed.into_iter().unzip();
                let sql = format!(
                    "INSERT INTO {} (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v",
                    table(*t)
                );
                self.client().execute(&sql, &[&ks, &vs]).map_err(|e| pg_err("write kept data", e))?;
            } else {
                let ks: Vec<&[u8]> = run.iter().map(|(_, k, _)| k.as_slice()).collect();
                let sql = format!("DELETE FROM {} WHERE k = ANY($1)", table(*t));
                self.client().execute(&sql, &[&ks]).map_err(|e| pg_err("remove kept data", e))?;
            }
            at = end;
        }
        Ok(())
    }
}

/// A key range of one table, read page by page.
struct Pages<'s, 'c> {
    txn: &'s PgTxn<'c>,
    table: String,
    from: Vec<u8>,
    below: Option<Vec<u8>>,
    rev: bool,
    /// The last key returned: the next page starts past it.
    last: Option<Vec<u8>>,
    page: i64,
    buf: VecDeque<Pair>,
    done: bool,
}

impl Pages<'_, '_> {
    /// Reads the next page into `buf`; none left: `done`.
    fn fetch(&mut self) -> StoreResult<()> {
        let mut bounds: Vec<(&str, &Vec<u8>)> = Vec::new();
        match (self.rev, &self.last) {
            (false, Some(l)) => bounds.push((">", l)),
            (true, Some(l)) => bounds.extend([(">=", &self.from), ("<", l)]),
            (_, None) => bounds.push((">=", &self.from)),
        }
        if let Some(b) = &self.below
            && !(self.rev && self.last.is_some())
        {
            bounds.push(("<", b));
        }
        let conds: Vec<String> =
            bounds.iter().enumerate().map(|(n, (op, _))| format!("k {op} ${}", n + 1)).collect();
        let params: Vec<&(dyn ToSql + Sync)> =
            bounds.iter().map(|(_, v)| *v as &(dyn ToSql + Sync)).collect();
        let order = if self.rev { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT k, v FROM {} WHERE {} ORDER BY k {order} LIMIT {}",
            self.table,
            conds.join(" AND "),
            self.page
        );
        let rows = self.txn.client().query(&sql, &params).map_err(|e| pg_err("read", e))?;
        if (rows.len() as i64) < self.page {
            self.done = true;
        }
        self.page = (self.page * 2).min(LAST_PAGE);
        for r in rows {
            let (k, v): (&[u8], &[u8]) = (r.get(0), r.get(1));
            self.buf.push_back((IVec::from(k), IVec::from(v)));
        }
        self.last = self.buf.back().map(|(k, _)| k.to_vec());
        Ok(())
    }
}

impl Iterator for Pages<'_, '_> {
    type Item = StoreResult<Pair>;

    fn next(&mut self) -> Option<StoreResult<Pair>> {
        // A failed read ends the scan: the caller sees the error once.
        if self.buf.is_empty()
            && !self.done
            && let Err(e) = self.fetch()
        {
            self.done = true;
            return Some(Err(e));
        }
        self.buf.pop_front().map(Ok)
    }
}
