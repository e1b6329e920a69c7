//! The member ledger inside a transaction: entries posted by a change, the entries a purchase
//! is due (see [`crate::domain::ledger`]) written whenever a purchase is added, corrected,
//! voided or taken out, idempotency keys, and the refusal of anything that would take a
//! balance below zero.
//!
//! Trees: `ledger_chunks` (customer id BE ++ chunk number BE → up to 64 entries, as purchases:
//! see [`super::chunks`]) and `idx_ledger_key` (an idempotency key given by a till or a script
//! → the customer id BE ++ the id BE of the first record it saved: a purchase's id, or a ledger
//! entry's number). An entry of a change saved without a key (what a purchase is due, an undo,
//! an opening) is not given one on disk: its key is its place, `#CUSTOMER/NUMBER`, unique by
//! itself (a purchase's entries are most of the ledger, and would otherwise carry a key and an
//! operator each; the purchase's audit entry names who saved it).
//!
//! Entries are numbered per member (1, 2, 3…), not from the shop's id counter: a member's
//! statement reads #1, #2…, and an import or a demo shop keeps the ids of its own records
//! whatever entries their purchases add. A merge numbers the entries it moves after the
//! survivor's (the unmerge numbers them back).
//!
//! No balance is kept beside the entries: a member's entries are one chunk or two, read in the
//! transaction that checks them, so there is no second copy to drift (`kehu check` sums the
//! entries and compares what each purchase is due with the entries linked to it).

use super::StoreError;
use super::chunks;
use super::keys::id_key;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, fail, lift};
use crate::domain::ledger::{MAX_ENTRY, STORE_KEY, added_entries, due_in, in_saving_order, return_points};
use crate::domain::{Account, Balances, EntryKind, LedgerEntry, MAX_NAME, Money, Purchase};
use std::cell::RefCell;

/// The key in `meta` that says the points ledger of a database kept before it is still to be
/// opened (see [`crate::change::Change::OpenLedger`]).
pub(crate) const LEDGER_PENDING: &[u8] = b"ledger_pending";

/// The entries one change posts, kept until [`Posting::finish`] writes them (a member's at
/// once) and checks every balance they touch.
pub(crate) struct Posting<'t, 'a> {
    tx: &'t Tx<'a>,
    /// The idempotency key of a keyed change (entries get `KEY:N`), else None.
    key: Option<String>,
    operator: String,
    pending: RefCell<Vec<LedgerEntry>>,
}

impl<'t, 'a> Posting<'t, 'a> {
    /// A posting for a change saved by `operator` (keyed with `key`, when given).
    pub fn new(tx: &'t Tx<'a>, key: Option<&str>, operator: &str) -> Posting<'t, 'a> {
        Posting {
            tx,
            key: key.map(str::to_string),
            operator: operator.to_string(),
            pending: RefCell::default(),
        }
    }

    /// Queues `e` (its id, key and operator are set when written).
    pub fn post(&self, e: LedgerEntry) {
        self.pending.borrow_mut().push(e);
    }

    /// Queues entries given by a till or a script, after checking what only they can get wrong.
    pub fn post_given(&self, entries: &[LedgerEntry]) -> TxResult<()> {
        if entries.is_empty() {
            return fail(StoreError::Refused("no ledger entries to save".into()));
        }
        for e in entries {
            if e.amount == 0 {
                return fail(StoreError::Refused("a ledger entry of 0 moves nothing".into()));
            }
            if e.purchase.is_some() {
                return fail(StoreError::Refused(
                    "entries of a purchase are written with the purchase, not alone".into(),
                ));
            }
            lift(
                crate::domain::check_len("note", &e.note, MAX_NAME)
                    .map_err(|e| StoreError::Refused(e.to_string())),
            )?;
            self.tx.require_customer(e.customer)?;
            self.post(e.clone());
        }
        Ok(())
    }

    /// Queues what a purchase just added is due (see [`added_entries`]).
    pub fn added(&self, p: &Purchase) {
        for e in added_entries(p) {
            self.post(e);
        }
    }

    /// Queues what purchases `ids` of one customer are due beyond what they were, the
    /// customer's purchases being `before` and then `after` the change (a record missing from
    /// one side was added or taken out); `kind` names each one's entries.
    pub fn settle(
        &self,
        before: &[Purchase],
        after: &[Purchase],
        ids: &[u64],
        kind: impl Fn(&Purchase) -> EntryKind,
    ) {
        for &id in ids {
            let b = before.iter().find(|p| p.id == id);
            let a = after.iter().find(|p| p.id == id);
            let Some(p) = a.or(b) else { continue };
            let date = a.map_or(p.date, |a| match &a.void {
                Some(v) => v.at.date_naive().max(a.date),
                None => a.date,
            });
            for account in Account::ALL {
                let was = b.map_or(0, |b| due_in(b, before, *account));
                let now = a.map_or(0, |a| due_in(a, after, *account));
                if now != was {
                    let mut e = LedgerEntry::new(p.customer, *account, kind(p), now - was, date);
                    e.purchase = Some(p.id);
                    e.branch = p.branch.clone();
                    self.post(e);
                }
            }
        }
    }

    /// The balances of `customer` with what is queued so far.
    pub fn balances(&self, customer: u64) -> TxResult<Balances> {
        let (stored, _) = chunks::all_in::<LedgerEntry>(self.tx, TreeId::Ledger, customer)?;
        let mut b = Balances::of(&stored);
        for e in self.pending.borrow().iter().filter(|e| e.customer == customer) {
            b.add(e);
        }
        Ok(b)
    }

    /// Writes the queued entries (numbers, keys and operator set) and refuses the change when
    /// a balance they touch would be below zero; returns them as stored.
    pub fn finish(self) -> TxResult<Vec<LedgerEntry>> {
        let mut entries = self.pending.into_inner();
        if entries.is_empty() {
            return Ok(entries);
        }
        in_saving_order(&mut entries);
        for (n, e) in entries.iter_mut().enumerate() {
            // What a purchase is due is signed by its own audit entry; the rest by who saved it.
            e.operator = if e.purchase.is_some() { String::new() } else { self.operator.clone() };
            // A store-made key is the entry's place (see `LedgerEntry::key_or_place`): not
            // stored, as a purchase's entries are most of the ledger.
            e.key = self.key.as_ref().map(|k| format!("{k}:{n}")).unwrap_or_default();
        }
        let mut at = 0;
        while at < entries.len() {
            let owner = entries[at].customer;
            let end = at + entries[at..].iter().take_while(|e| e.customer == owner).count();
            let (stored, _) = chunks::all_in::<LedgerEntry>(self.tx, TreeId::Ledger, owner)?;
            let next = stored.iter().map(|e| e.id).max().unwrap_or(0) + 1;
            for (n, e) in entries[at..end].iter_mut().enumerate() {
                e.id = next + n as u64;
            }
            let mine = entries[at..end].to_vec();
            let moved = Balances::of(&mine);
            let now = Balances::of(stored.iter().chain(&mine));
            refuse_out_of_range(owner, &mine, now)?;
            self.tx.put_children(TreeId::Ledger, owner, mine)?;
            refuse_below_zero(owner, now, moved)?;
            at = end;
        }
        Ok(entries)
    }
}

/// Refuses, in words, an entry that moves more than [`MAX_ENTRY`] or a balance that would pass
/// it (a mistyped or hostile figure), before any sum can overflow.
fn refuse_out_of_range(customer: u64, mine: &[LedgerEntry], now: Balances) -> TxResult<()> {
    let over = |v: i64| v.checked_abs().is_none_or(|a| a > MAX_ENTRY);
    if mine.iter().any(|e| over(e.amount)) || over(now.points) || over(now.stored.0) {
        return fail(StoreError::Refused(format!(
            "an entry or balance of customer #{customer} beyond {MAX_ENTRY} (points or fen) is not \
             taken; nothing was saved"
        )));
    }
    Ok(())
}

/// Refuses, in words, balances of `customer` below zero after a change that moved them by
/// `moved`.
pub(crate) fn refuse_below_zero(customer: u64, now: Balances, moved: Balances) -> TxResult<()> {
    if now.stored.0 < 0 {
        let was = Money(now.stored.0.saturating_sub(moved.stored.0));
        return fail(StoreError::Refused(format!(
            "the stored value of customer #{customer} is {was}, which does not cover {}; nothing was saved",
            Money(moved.stored.0.saturating_neg())
        )));
    }
    if now.points < 0 {
        let was = now.points.saturating_sub(moved.points);
        return fail(StoreError::Refused(format!(
            "customer #{customer} has {was} points, and this takes {}; nothing was saved",
            moved.points.saturating_neg()
        )));
    }
    Ok(())
}

/// A return's points and payment, from its sale: the share of the points the sale moved, in
/// proportion to the money given back, and at most what the member still has (points already
/// redeemed are not taken back twice). `all` is the customer's purchases as stored.
pub(crate) fn settle_return(r: &mut Purchase, sale: &Purchase, all: &[Purchase], available: i64) {
    let others: Vec<Purchase> = all.iter().filter(|p| p.id != r.id).cloned().collect();
    let share = return_points(sale, &others, r.amount);
    r.points = if share < 0 { share.max(-available.max(0)) } else { share };
    r.payment = sale.payment;
}

/// Records idempotency key `key` for the first record it saved: `customer`'s purchase or ledger
/// entry `id`; a key used before refuses.
pub(crate) fn remember_key(tx: &Tx, key: &str, customer: u64, id: u64) -> TxResult<()> {
    if tx.get(TreeId::LedgerKeys, key.as_bytes())?.is_some() {
        return fail(StoreError::Refused(format!("the key {key:?} was used before")));
    }
    tx.insert(TreeId::LedgerKeys, key.as_bytes(), [id_key(customer), id_key(id)].concat())
}

/// The record an idempotency key's index entry names: the customer (when it was saved) and
/// the id of the purchase, or the number of the ledger entry.
pub(crate) fn keyed_record(value: &[u8]) -> Result<(u64, u64), StoreError> {
    let (c, id) = value.split_first_chunk::<8>().filter(|(_, id)| id.len() == 8).ok_or_else(|| {
        StoreError::Corrupt(format!("a ledger key names {} bytes, not a record", value.len()))
    })?;
    Ok((u64::from_be_bytes(*c), super::keys::parse_id(id, "ledger key")?))
}

/// Refuses an idempotency key a till or a script may not give.
pub(crate) fn check_key(key: &str) -> Result<(), StoreError> {
    let len = key.chars().count();
    if key.trim().is_empty() || key.starts_with(STORE_KEY) || len > crate::domain::ledger::MAX_KEY {
        return Err(StoreError::Refused(format!(
            "an idempotency key is 1 to {} characters, not starting with {STORE_KEY}: {key:?}",
            crate::domain::ledger::MAX_KEY
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(StoreError::Refused("an idempotency key has no control characters".into()));
    }
    Ok(())
}
