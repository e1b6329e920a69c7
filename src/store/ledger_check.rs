//! `kehu check` of the member ledger: every member's balances are the sums of their entries and
//! never below zero, the entries linked to each purchase add up to what it is due (so an entry
//! changed by hand, or lost, shows as a difference), and the idempotency keys and the records
//! they name agree.

use super::check::{CheckReport, show_key};
use super::chunks::{self, Child};
use super::keys::parse_chunk_key;
use super::trees::{TreeId, Trees};
use crate::domain::ledger::due_in;
use crate::domain::{Account, Balances, LedgerEntry, Purchase};
use std::collections::{BTreeMap, BTreeSet};
use std::iter::Peekable;

/// Checks the ledger against the purchases and the key index.
pub(crate) fn run(t: &Trees, r: &mut CheckReport) {
    let mut purchases = Groups::<Purchase>::new(&t[TreeId::Purchases]);
    let mut ledger = Groups::<LedgerEntry>::new(&t[TreeId::Ledger]);
    let mut keyed = BTreeSet::new();
    loop {
        let owner = match (purchases.peek_owner(), ledger.peek_owner()) {
            (None, None) => break,
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
        };
        let ps = purchases.take(owner);
        let es = ledger.take(owner);
        member(owner, &ps, &es, r);
        for e in &es {
            if !e.key.is_empty()
                && !e.key.starts_with(crate::domain::ledger::STORE_KEY)
                && let Some((k, _)) = e.key.rsplit_once(':')
            {
                keyed.insert(k.to_string());
            }
        }
    }
    keys(&t[TreeId::LedgerKeys], &keyed, r);
}

/// One member: entries numbered once each, balances not below zero, each purchase's entries
/// what it is due.
fn member(owner: u64, ps: &[Purchase], es: &[LedgerEntry], r: &mut CheckReport) {
    let mut numbers: Vec<u64> = es.iter().map(|e| e.id).collect();
    numbers.sort_unstable();
    if let Some(w) = numbers.windows(2).find(|w| w[0] == w[1]) {
        r.problem("ledger", format!("#{owner}"), format!("entry #{} is numbered twice", w[0]));
    }
    if numbers.first() == Some(&0) {
        r.problem("ledger", format!("#{owner}"), "an entry numbered 0");
    }
    let b = Balances::of(es);
    if b.points < 0 || b.stored.0 < 0 {
        r.problem(
            "ledger",
            format!("#{owner}"),
            format!("the balances are below zero: {} points, {} of stored value", b.points, b.stored),
        );
    }
    let mut linked: BTreeMap<u64, Balances> = BTreeMap::new();
    for e in es {
        if let Some(p) = e.purchase {
            linked.entry(p).or_default().add(e);
        }
    }
    for p in ps {
        let got = linked.remove(&p.id).unwrap_or_default();
        for account in Account::ALL {
            let (want, have) = (due_in(p, ps, *account), got.get(*account));
            if want != have {
                r.problem(
                    "ledger",
                    format!("#{owner} purchase #{}", p.id),
                    format!("its {} entries add up to {have}, and it is due {want}", account.key()),
                );
            }
        }
    }
    // A purchase taken out (an undo) leaves its entries, which then cancel out.
    for (id, got) in linked {
        if got != Balances::default() {
            r.problem(
                "ledger",
                format!("#{owner} purchase #{id}"),
                format!(
                    "entries of a purchase no longer stored add up to {} points and {}",
                    got.points, got.stored
                ),
            );
        }
    }
}

/// The key index: each key names a record (which may have been taken out since by an undo, or
/// moved by a merge: the key stays used), and each key an entry was saved with is there.
fn keys(tree: &sled::Tree, keyed: &BTreeSet<String>, r: &mut CheckReport) {
    let mut n = 0u64;
    let mut seen = BTreeSet::new();
    for item in tree.iter() {
        let Ok((k, v)) = item else {
            r.problem("idx_ledger_key", "(rest of tree)", "unreadable");
            break;
        };
        n += 1;
        match super::ledger::keyed_record(&v) {
            Err(_) => r.problem("idx_ledger_key", show_key(&k), "does not name a record"),
            Ok((_, 0)) => r.problem("idx_ledger_key", show_key(&k), "names record 0"),
            Ok(_) => {
                seen.insert(String::from_utf8_lossy(&k).into_owned());
            }
        }
    }
    r.counts.push(("idx_ledger_key".into(), n));
    for k in keyed.difference(&seen) {
        r.problem("idx_ledger_key", format!("{k:?}"), "entries were saved with this key, which is missing");
    }
}

/// The records of a chunk tree, one customer at a time, in id order (chunks that do not decode
/// were reported by the chunk scan and are left out here).
struct Groups<'a, T> {
    it: Peekable<sled::Iter>,
    _kind: std::marker::PhantomData<&'a T>,
}

impl<T: Child> Groups<'_, T> {
    fn new(tree: &sled::Tree) -> Self {
        Groups { it: tree.iter().peekable(), _kind: std::marker::PhantomData }
    }

    /// The owner of the next chunk.
    fn peek_owner(&mut self) -> Option<u64> {
        loop {
            match self.it.peek()? {
                Ok((k, _)) => match parse_chunk_key(k, T::KIND) {
                    Ok((owner, _)) => return Some(owner),
                    Err(_) => {
                        self.it.next();
                    }
                },
                Err(_) => return None,
            }
        }
    }

    /// Every record of `owner` (the next owner, or a later one: then none).
    fn take(&mut self, owner: u64) -> Vec<T> {
        let mut out = Vec::new();
        while self.peek_owner() == Some(owner) {
            if let Some(Ok((k, v))) = self.it.next()
                && let Ok((o, chunk)) = parse_chunk_key(&k, T::KIND)
                && let Ok(records) = chunks::decode::<T>(&v, o, chunk)
            {
                out.extend(records);
            }
        }
        out
    }
}
