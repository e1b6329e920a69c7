//! The kept digests: per customer, what classification needs of their history (a
//! [`Summary`]), written in the same transaction as every edit of the customer, so that a
//! process that classifies the shop reads one small entry per customer instead of every
//! purchase, interaction and ledger entry.
//!
//! Digests are derived data, kept in the `digests` tree outside the trees of records: they are
//! not journaled, summed or backed up. The tree's [`AT`] entry says which journal position the
//! digests are complete and current at, in which layout; every commit moves it on with the
//! digests it writes, in the same sled transaction. Whenever it does not name the database's
//! last change in this layout — a database from before digests, an older kehu that wrote
//! without them, a journal replay after sled lost its newest writes, a restore, a salvage, a
//! new layout — [`ensure`] rebuilds every digest from the records when the database is opened,
//! and until then readers use the histories. A digest that does not decode (damage) is never
//! used: the reader falls back to the histories, and `kehu check` names it.

use super::StoreResult;
use super::envelope::{At, Record, decode, encode, single_layout};
use super::keys::{id_key, parse_id};
use super::kv::{Kv, Pairs};
use super::scan;
use super::trees::TreeId;
use super::txn::{Tx, TxResult, lift};
use super::wire::{day_number, from_day_number};
use crate::classify::{ContactFact, PurchaseFact, Summary};
use crate::domain::{
    AreaType, Balances, Channel, ContactPref, Gender, History, InteractionKind, Money, Severity, Source,
};
use crate::intern::Sym;
use serde::{Deserialize, Serialize};
use sled::transaction::ConflictableTransactionError;
use std::ops::ControlFlow;

/// The key of the position the digests are current at: 16 bytes, so never an id key (8).
pub(crate) const AT: &[u8] = b"@current digests";
/// A customer's digest that is not kept (one past the envelope's limit: tens of thousands of
/// purchases): readers take that customer's history instead.
const HISTORY: &[u8] = b"";
/// The layout of digests and of what they hold; a new one (a changed [`Summary`]) rebuilds them.
/// 2: digests as in 1, written by a kehu that keeps the touched log beside them (see
/// [`super::kept_classes`]): a kehu of layout 1 writing in between drops the position, so the
/// next open rebuilds them and restarts the log that kehu did not keep.
/// 3: digests with the customer's home branch ([`DigestV2`]).
pub(crate) const LAYOUT: u32 = 3;

/// A digest as stored (layout 1). Never change it: add a layout and raise [`LAYOUT`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DigestV1 {
    /// The distinct categories of the purchases, which name them by index.
    categories: Vec<String>,
    /// Day number, amount in fen, quantity, promotion, channel, category index.
    purchases: Vec<(i32, i64, u32, bool, Channel, u32)>,
    contacts: Vec<ContactV1>,
    province: String,
    city: String,
    area: AreaType,
    source: Source,
    contact: ContactPref,
    tags: Vec<String>,
    referrer: Option<u64>,
    gender: Gender,
    birthday: Option<i32>,
    child_birthday: Option<i32>,
    income: Option<String>,
    education: Option<String>,
    occupation: Option<String>,
    points: i64,
    stored: i64,
}

/// A digest as stored (layout 3): layout 1 and the customer's home branch. Never change it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DigestV2 {
    base: DigestV1,
    branch: String,
}

/// A contact fact as stored (layout 1).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ContactV1 {
    day: i32,
    id: u64,
    kind: InteractionKind,
    rating: Option<u8>,
    complaint: Option<(Severity, Option<i32>)>,
    follow_up: Option<i32>,
    reached: bool,
}

/// A day number back to its date; out of range is damage.
fn day(n: i32) -> Result<chrono::NaiveDate, String> {
    from_day_number(n)
}

/// An optional stated trait back to its symbol.
fn sym(s: &Option<String>) -> Option<Sym> {
    s.as_deref().map(Sym::new)
}

impl DigestV1 {
    fn of(s: &Summary) -> DigestV1 {
        let mut categories: Vec<String> = Vec::new();
        let purchases = s
            .purchases
            .iter()
            .map(|p| {
                let name = p.category.as_str();
                let at = match categories.iter().position(|c| c == name) {
                    Some(i) => i,
                    None => {
                        categories.push(name.to_string());
                        categories.len() - 1
                    }
                };
                (day_number(p.day), p.amount.0, p.quantity, p.promo, p.channel, at as u32)
            })
            .collect();
        let contacts = s
            .contacts
            .iter()
            .map(|c| ContactV1 {
                day: day_number(c.day),
                id: c.id,
                kind: c.kind,
                rating: c.rating,
                complaint: c.complaint.map(|(sev, on)| (sev, on.map(day_number))),
                follow_up: c.follow_up.map(day_number),
                reached: c.reached,
            })
            .collect();
        let text = |s: Option<Sym>| s.map(|s| s.as_str().to_string());
        DigestV1 {
            categories,
            purchases,
            contacts,
            province: s.province.as_str().to_string(),
            city: s.city.as_str().to_string(),
            area: s.area,
            source: s.source,
            contact: s.contact,
            tags: s.tags.clone(),
            referrer: s.referrer,
            gender: s.gender,
            birthday: s.birthday.map(day_number),
            child_birthday: s.child_birthday.map(day_number),
            income: text(s.income),
            education: text(s.education),
            occupation: text(s.occupation),
            points: s.balances.points,
            stored: s.balances.stored.0,
        }
    }

    fn into_summary(self, id: u64) -> Result<Summary, String> {
        let categories: Vec<Sym> = self.categories.iter().map(|c| Sym::new(c)).collect();
        let purchases = self
            .purchases
            .into_iter()
            .map(|(d, amount, quantity, promo, channel, at)| {
                let category = *categories.get(at as usize).ok_or("a category out of range")?;
                Ok(PurchaseFact { day: day(d)?, amount: Money(amount), quantity, promo, channel, category })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let contacts = self
            .contacts
            .into_iter()
            .map(|c| {
                let complaint = match c.complaint {
                    Some((sev, on)) => Some((sev, on.map(day).transpose()?)),
                    None => None,
                };
                Ok(ContactFact {
                    day: day(c.day)?,
                    id: c.id,
                    kind: c.kind,
                    rating: c.rating,
                    complaint,
                    follow_up: c.follow_up.map(day).transpose()?,
                    reached: c.reached,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Summary {
            id,
            purchases,
            contacts,
            province: Sym::new(&self.province),
            city: Sym::new(&self.city),
            area: self.area,
            source: self.source,
            contact: self.contact,
            tags: self.tags,
            referrer: self.referrer,
            gender: self.gender,
            birthday: self.birthday.map(day).transpose()?,
            child_birthday: self.child_birthday.map(day).transpose()?,
            income: sym(&self.income),
            education: sym(&self.education),
            occupation: sym(&self.occupation),
            balances: Balances { points: self.points, stored: Money(self.stored) },
            branch: Sym::default(),
        })
    }
}

impl Record for Summary {
    const KIND: &'static str = "digest";
    type Wire = DigestV2;
    fn to_wire(&self) -> DigestV2 {
        DigestV2 { base: DigestV1::of(self), branch: self.branch.as_str().to_string() }
    }
    fn from_wire(w: DigestV2, at: At) -> Result<Summary, String> {
        Ok(Summary { branch: Sym::new(&w.branch), ..w.base.into_summary(at.owner)? })
    }
    // Digests of an older layout are never read: the position names the layout (see `AT`).
    single_layout!(DigestV2, "a digest");
}

/// The [`AT`] value for journal position `seq`.
fn at_value(seq: u64) -> Vec<u8> {
    [LAYOUT.to_be_bytes().as_slice(), &seq.to_be_bytes()].concat()
}

/// Whether the digests in `tree` are complete and current at journal position `seq`.
pub(crate) fn current(kv: &dyn Kv, seq: u64) -> bool {
    matches!(kv.value(TreeId::Digests, AT), Ok(Some(v)) if v.as_ref() == at_value(seq).as_slice())
}

/// Inside a commit's transaction (journal position `seq`): the digest of every customer it
/// wrote, anew (removed with the customer), and the position moved on when the digests were
/// current before it; when they were not, the next open rebuilds them all.
pub(crate) fn refresh(tx: &Tx, seq: u64) -> TxResult<()> {
    let mut current =
        tx.get(TreeId::Digests, AT)?.is_some_and(|v| v.as_ref() == at_value(seq - 1).as_slice());
    let owners = tx.owners_written();
    super::kept_classes::log_touched(tx, seq, &owners)?;
    for owner in owners {
        let digest = match history_in(tx, owner) {
            Ok(Some(h)) => Some(digest_of(&h)),
            Ok(None) => None,
            // A record of theirs that does not decode (damage `kehu check` names) must not
            // refuse the edit: derived data never closes the shop. No digest then, and none
            // current until an open rebuilds them.
            Err(ConflictableTransactionError::Abort(_)) => {
                current = false;
                None
            }
            Err(e) => return Err(e),
        };
        tx.put_kept(TreeId::Digests, &id_key(owner), digest)?;
    }
    tx.put_kept(TreeId::Digests, AT, current.then(|| at_value(seq)))
}

/// The digest kept for a history: its summary encoded, or [`HISTORY`] when that is past the
/// envelope's limit.
fn digest_of(h: &History) -> Vec<u8> {
    encode(&Summary::from_history(h), h.customer.id).unwrap_or_else(|_| HISTORY.to_vec())
}

/// One customer's history as the transaction sees it.
fn history_in(tx: &Tx, owner: u64) -> TxResult<Option<History>> {
    use super::chunks::all_in;
    let Some(bytes) = tx.get(TreeId::Customers, &id_key(owner))? else { return Ok(None) };
    let customer = lift(decode(&bytes, At::customer(owner)))?;
    let (purchases, _) = all_in(tx, TreeId::Purchases, owner)?;
    let (interactions, _) = all_in(tx, TreeId::Interactions, owner)?;
    let (ledger, _) = all_in(tx, TreeId::Ledger, owner)?;
    Ok(Some(scan::sorted(customer, purchases, interactions, ledger)))
}

/// Rebuilds every digest from the records unless they are current at `seq`; how many
/// customers it rebuilt them for (`None`: they were current). Runs under the writer's lock (no
/// commit in between).
pub(crate) fn ensure(t: &dyn Kv, seq: u64) -> StoreResult<Option<usize>> {
    if current(t, seq) {
        return Ok(None);
    }
    t.apply(vec![(TreeId::Digests, AT.to_vec(), None)])?;
    let mut batch = Vec::new();
    for item in t.all(TreeId::Digests) {
        batch.push((TreeId::Digests, item?.0.to_vec(), None));
        if batch.len() == 4096 {
            t.apply(std::mem::take(&mut batch))?;
        }
    }
    t.apply(std::mem::take(&mut batch))?;
    let mut n = 0usize;
    let mut failed = None;
    scan::histories_until(t, &mut |h| {
        batch.push((TreeId::Digests, id_key(h.customer.id).to_vec(), Some(digest_of(&h))));
        n += 1;
        if n.is_multiple_of(4096)
            && let Err(e) = t.apply(std::mem::take(&mut batch))
        {
            failed = Some(e);
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    super::kept_classes::restart_log(t, seq)?;
    batch.push((TreeId::Digests, AT.to_vec(), Some(at_value(seq))));
    t.apply(batch)?;
    Ok(Some(n))
}

/// Every customer's summary from the digests, in id order, when they are current at `seq`;
/// `None` when they are not, or one does not read (the caller reads the histories instead).
/// A customer without a kept digest is summarised from their history.
pub(crate) fn all(t: &dyn Kv, seq: u64) -> Option<Vec<Summary>> {
    if !current(t, seq) {
        return None;
    }
    let mut out = Vec::new();
    for item in t.all(TreeId::Digests) {
        let (k, v) = item.ok()?;
        if k.as_ref() == AT {
            continue;
        }
        let id = parse_id(&k, "digest key").ok()?;
        if v.as_ref() == HISTORY {
            out.push(Summary::from_history(&scan::history(t, id).ok()??));
        } else {
            out.push(decode::<Summary>(&v, At::customer(id)).ok()?);
        }
    }
    Some(out)
}

/// `kehu check` of the digests: each one equal to a fresh build from the records; none for a
/// customer who does not exist. Digests not current are not compared (the next open rebuilds
/// them), only said.
pub(crate) fn check(t: &dyn Kv, seq: u64, r: &mut super::check::CheckReport) {
    if !current(t, seq) {
        r.counts.push(("digests (behind: rebuilt at the next open)".into(), 0));
        return;
    }
    let mut kept = Kept { it: t.all(TreeId::Digests), ended: false };
    let mut ahead = kept.next(r);
    let mut n = 0u64;
    let fresh = scan::histories_until(t, &mut |h| {
        let id = h.customer.id;
        while let Some((kid, _)) = &ahead
            && *kid < id
        {
            r.problem("digests", format!("#{kid}"), "a digest of a customer who does not exist");
            ahead = kept.next(r);
        }
        match ahead.take_if(|(kid, _)| *kid == id) {
            Some((_, bytes)) if bytes.as_ref() == HISTORY => n += 1,
            Some((_, bytes)) => {
                n += 1;
                match decode::<Summary>(&bytes, At::customer(id)) {
                    Ok(s) if s == Summary::from_history(&h) => {}
                    Ok(_) => {
                        r.problem("digests", format!("#{id}"), "differs from a fresh build from the records")
                    }
                    Err(e) => r.problem("digests", format!("#{id}"), e.to_string()),
                }
                ahead = kept.next(r);
            }
            None if !kept.ended => r.problem("digests", format!("#{id}"), "missing"),
            None => {}
        }
        ControlFlow::Continue(())
    });
    if let Err(e) = fresh {
        r.problem("digests", "(records)", e.to_string());
    }
    while let Some((kid, _)) = ahead {
        r.problem("digests", format!("#{kid}"), "a digest of a customer who does not exist");
        ahead = kept.next(r);
    }
    r.counts.push(("digests".into(), n));
}

/// The digests tree read in order for `check`, past its position entry; the first failure of
/// sled is reported and ends it (a damaged tree can fail at the same place for ever).
struct Kept<'a> {
    it: Pairs<'a>,
    ended: bool,
}

impl Kept<'_> {
    fn next(&mut self, r: &mut super::check::CheckReport) -> Option<(u64, sled::IVec)> {
        while !self.ended {
            match self.it.next() {
                None => self.ended = true,
                Some(Err(e)) => {
                    r.problem("digests", "(rest of tree)", e.to_string());
                    self.ended = true;
                }
                Some(Ok((k, _))) if k.as_ref() == AT => {}
                Some(Ok((k, v))) => match parse_id(&k, "digest key") {
                    Ok(id) => return Some((id, v)),
                    Err(e) => r.problem("digests", super::check::show_key(&k), e.to_string()),
                },
            }
        }
        None
    }
}

#[cfg(test)]
#[path = "digests_tests.rs"]
mod tests;
