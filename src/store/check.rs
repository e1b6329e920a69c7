//! `SledStore::check`: a read-only scan that verifies every record, index entry and counter.
//!
//! It never stops at the first problem: an operator restoring from a backup wants the whole
//! list. Every problem names the tree and the key, so it can be found again.

use super::StoreError;
use super::chunks::{self, Child, MAX_RECORDS};
use super::envelope::{At, decode};
use super::journal::{self, Journal};
use super::keys::{parse_chunk_key, parse_id, phone_key};
use super::scan::io;
use super::sled_store::{FORMAT, FORMAT_KEY};
use super::sum::{self, SEQ_KEY, SUM_KEY};
use super::trees::{TreeId, Trees};
use super::txn::NEXT_ID;
use crate::domain::{Customer, Interaction, LedgerEntry, Purchase};
use crate::progress::{Progress, Unit};
use std::collections::{BTreeMap, BTreeSet};

/// What `check` found: record counts per tree and every problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Entries per tree, in the order scanned; for purchases and interactions the records,
    /// each followed by the chunks holding them (`  in chunks`).
    pub counts: Vec<(String, u64)>,
    /// Every problem found, in the order found.
    pub problems: Vec<Problem>,
}

/// One problem: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The tree holding the damaged entry.
    pub tree: String,
    /// The entry's key, readable (`#12`, `#3 chunk 0`, or the text or hex of the raw key).
    pub key: String,
    /// What is wrong with it.
    pub what: String,
}

impl CheckReport {
    /// Whether nothing is wrong.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Adds a problem: the tree, the entry's key and what is wrong.
    pub fn problem(&mut self, tree: &str, key: impl Into<String>, what: impl Into<String>) {
        self.problems.push(Problem { tree: tree.into(), key: key.into(), what: what.into() });
    }

    /// Records a store error met while reading `tree` (a failed iteration, a bad key).
    fn failed(&mut self, tree: &str, key: impl Into<String>, e: &StoreError) {
        let what = match e {
            StoreError::Corrupt(s) | StoreError::Io(s) => s.clone(),
            other => other.to_string(),
        };
        self.problem(tree, key, what);
    }
}

/// A key shown to the operator: text when it is printable, else hex.
pub(crate) fn show_key(k: &[u8]) -> String {
    match std::str::from_utf8(k) {
        Ok(s) if !s.chars().any(char::is_control) => format!("{s:?}"),
        _ => k.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// The index-relevant fields of one customer, kept for the cross-checks.
struct Indexed {
    reference: Option<String>,
    phone_key: Option<Vec<u8>>,
}

/// Runs every check over `t`, telling `p` how far it has come (entries read, per stage).
pub(crate) fn run(t: &Trees, p: &dyn Progress) -> CheckReport {
    let mut r = CheckReport::default();
    let mut max_id = 0u64;
    // The size of a tree is not known without reading it: each stage counts what it read.
    p.stage("checking customers", None, Unit::Items);
    let customers = scan_customers(&t[TreeId::Customers], &mut r, p, &mut max_id);
    let mut ids: Vec<Owned> = customers.keys().map(|&id| (id, "customer", id)).collect();
    p.stage("checking purchases (chunks)", None, Unit::Items);
    scan_chunks::<Purchase>(&t[TreeId::Purchases], "purchases", &customers, &mut r, p, &mut ids);
    p.stage("checking interactions (chunks)", None, Unit::Items);
    scan_chunks::<Interaction>(&t[TreeId::Interactions], "interactions", &customers, &mut r, p, &mut ids);
    p.stage("checking the member ledger (chunks)", None, Unit::Items);
    // Entries are numbered per member: their numbers are checked there, not among the ids.
    scan_chunks::<LedgerEntry>(&t[TreeId::Ledger], "ledger", &customers, &mut r, p, &mut Vec::new());
    check_unique(&mut ids, &mut r);
    super::ledger_check::run(t, &mut r);
    max_id = max_id.max(ids.last().map_or(0, |o| o.0));
    p.stage("checking the indexes", None, Unit::Items);
    check_ref_index(&t[TreeId::IdxRef], &customers, &mut r, p);
    check_phone_index(&t[TreeId::IdxPhone], &customers, &mut r, p);
    p.stage("checking the settings and the audit log", None, Unit::Items);
    let settings = each(&t[TreeId::Settings], "settings", &mut r, p, |_, _, _| {});
    r.counts.push(("settings".into(), settings));
    let audit = each(&t[TreeId::Audit], "audit", &mut r, p, |_, _, _| {});
    r.counts.push(("audit".into(), audit));
    let campaigns = each(&t[TreeId::Campaigns], "campaigns", &mut r, p, |k, v, r| {
        if let Err(e) = super::campaigns::read(k, v) {
            r.failed("campaigns", show_key(k), &e);
        }
    });
    r.counts.push(("campaigns".into(), campaigns));
    check_meta(&t[TreeId::Meta], max_id, &mut r, p);
    // Every tree again: now its entries are counted (for purchases and interactions, the
    // chunks), so this stage knows its size, but for the few marks of merges and duplicates.
    let records = ["purchases", "interactions", "ledger"];
    let counted = r.counts.iter().filter(|(name, _)| !records.contains(&name.as_str())).map(|(_, n)| n).sum();
    p.stage("summing every entry", Some(counted), Unit::Items);
    check_sum(t, &mut r, p);
    r
}

/// Sums every entry and compares with the sum `meta` recorded with the last change: entries
/// lost or changed without a word (a rolled-back page, a file edited by hand) show here.
fn check_sum(t: &Trees, r: &mut CheckReport, p: &dyn Progress) {
    let claimed = match sum::read_u64(&t[TreeId::Meta], SUM_KEY) {
        Ok(c) => c,
        Err(e) => return r.failed("meta", "\"content_sum\"", &e),
    };
    let seq = sum::read_u64(&t[TreeId::Meta], SEQ_KEY).ok().flatten().unwrap_or(0);
    match (sum::scan_with(t, &|| false, p), claimed) {
        (Err(e), _) => r.failed("(all trees)", "content sum", &e),
        (Ok(Some(found)), Some(claimed)) if found != claimed => r.problem(
            "(all trees)",
            "content sum",
            format!(
                "the records do not add up to the content recorded with change {seq}: entries were lost or changed \
                 since (run `kehu salvage` to rebuild from the last backup and the journal)"
            ),
        ),
        (Ok(_), None) => r.problem("meta", "\"content_sum\"", "no content sum recorded"),
        _ => {}
    }
}

/// Compares the journal with the database: every segment readable, and its final unbroken run
/// ending where the database's last change is (an older stretch cut off by a gap is history a
/// backup already holds, not damage).
pub(crate) fn journal(t: &Trees, j: &Journal, r: &mut CheckReport) {
    let seq = match sum::read_u64(&t[TreeId::Meta], SEQ_KEY) {
        Ok(s) => s.unwrap_or(0),
        Err(e) => return r.failed("meta", "\"journal_seq\"", &e),
    };
    match journal::run(j.dir()) {
        Err(e) => r.failed("journal", "(segments)", &e),
        Ok(None) => r.problem("journal", "(segments)", "no journal segment"),
        Ok(Some(run)) => {
            if run.last != seq {
                r.problem(
                    "journal",
                    "last change",
                    format!("the journal ends at change {}, the database at {seq}", run.last),
                );
            }
            r.counts.push(("journal".into(), run.entries));
            r.counts.push(("  from change".into(), run.base));
        }
    }
}

/// Calls `f` with each entry of `tree`, recording iteration errors; returns the entry count.
fn each(
    tree: &sled::Tree,
    name: &str,
    r: &mut CheckReport,
    p: &dyn Progress,
    mut f: impl FnMut(&[u8], &[u8], &mut CheckReport),
) -> u64 {
    let mut n = 0;
    for item in tree.iter() {
        match item {
            Ok((k, v)) => {
                n += 1;
                if n % PROGRESS_EVERY == 0 {
                    p.advance(PROGRESS_EVERY);
                }
                f(&k, &v, r);
            }
            Err(e) => {
                // An iteration error cannot be skipped past: the rest of the tree is unreadable.
                r.failed(name, "(rest of tree)", &io(e));
                break;
            }
        }
    }
    p.advance(n % PROGRESS_EVERY);
    n
}

/// Entries read between two reports of progress.
const PROGRESS_EVERY: u64 = 1024;

fn scan_customers(
    tree: &sled::Tree,
    r: &mut CheckReport,
    p: &dyn Progress,
    max_id: &mut u64,
) -> BTreeMap<u64, Indexed> {
    let mut out = BTreeMap::new();
    let n = each(tree, "customers", r, p, |k, v, r| {
        let id = match parse_id(k, "customer key") {
            Ok(id) => id,
            Err(e) => return r.failed("customers", show_key(k), &e),
        };
        *max_id = (*max_id).max(id);
        match decode::<Customer>(v, At::customer(id)) {
            Err(e) => r.failed("customers", format!("#{id}"), &e),
            Ok(c) if c.id != id => {
                r.problem("customers", format!("#{id}"), format!("record says id {}", c.id))
            }
            Ok(c) => {
                let reference = c.reference.filter(|s| !s.is_empty());
                let phone_key = c.phone.as_ref().map(|p| phone_key(p, id));
                out.insert(id, Indexed { reference, phone_key });
            }
        }
    });
    r.counts.push(("customers".into(), n));
    out
}

/// A record id with its kind and owner, to find ids used twice.
type Owned = (u64, &'static str, u64);

/// Checks every chunk of `tree` (its checksum and records, its owner, its place in the owner's
/// numbering, its size) and lists its records' ids in `ids`.
fn scan_chunks<T: Child>(
    tree: &sled::Tree,
    name: &str,
    customers: &BTreeMap<u64, Indexed>,
    r: &mut CheckReport,
    p: &dyn Progress,
    ids: &mut Vec<Owned>,
) {
    let mut records = 0u64;
    let mut previous: Option<(u64, u32)> = None;
    let n = each(tree, name, r, p, |k, v, r| {
        let (owner, chunk) = match parse_chunk_key(k, T::KIND) {
            Ok(at) => at,
            Err(e) => return r.failed(name, show_key(k), &e),
        };
        let key = format!("#{owner} chunk {chunk}");
        let expected = match previous {
            Some((o, c)) if o == owner => c.checked_add(1),
            _ => Some(0),
        };
        previous = Some((owner, chunk));
        if expected != Some(chunk) {
            r.problem(
                name,
                key.clone(),
                format!("expected chunk {} of customer #{owner}", expected.unwrap_or(0)),
            );
        }
        if !customers.contains_key(&owner) {
            r.problem(name, key.clone(), format!("customer #{owner} does not exist"));
        }
        match chunks::decode::<T>(v, owner, chunk) {
            Err(e) => r.failed(name, key, &e),
            Ok(list) => {
                if list.len() > MAX_RECORDS {
                    r.problem(name, key, format!("{} records, at most {MAX_RECORDS}", list.len()));
                }
                records += list.len() as u64;
                ids.extend(list.iter().map(|rec| (rec.id(), T::KIND, owner)));
            }
        }
    });
    r.counts.push((name.into(), records));
    r.counts.push(("  in chunks".into(), n));
}

/// Reports every id that more than one record uses (ids are shared by every kind) and id 0.
fn check_unique(ids: &mut [Owned], r: &mut CheckReport) {
    ids.sort_unstable();
    for same in ids.chunk_by(|a, b| a.0 == b.0) {
        let (id, kind, owner) = same[0];
        if id == 0 {
            r.problem(&format!("{kind}s"), format!("#{owner}"), "a record with id 0");
        } else if same.len() > 1 {
            let users: Vec<String> = same.iter().map(|(_, k, o)| format!("a {k} of customer #{o}")).collect();
            r.problem(
                &format!("{kind}s"),
                format!("#{owner}"),
                format!("id {id} is used by {}", users.join(", ")),
            );
        }
    }
}

fn check_ref_index(
    tree: &sled::Tree,
    customers: &BTreeMap<u64, Indexed>,
    r: &mut CheckReport,
    p: &dyn Progress,
) {
    let mut seen = BTreeSet::new();
    let n = each(tree, "idx_ref", r, p, |k, v, r| {
        let id = match parse_id(v, "ref index") {
            Ok(id) => id,
            Err(e) => return r.failed("idx_ref", show_key(k), &e),
        };
        match customers.get(&id) {
            None => {
                r.problem("idx_ref", show_key(k), format!("points to customer #{id}, who does not exist"))
            }
            Some(c) if c.reference.as_deref().map(str::as_bytes) != Some(k) => {
                r.problem("idx_ref", show_key(k), format!("points to customer #{id}, whose ref differs"))
            }
            Some(_) => {
                seen.insert(id);
            }
        }
    });
    r.counts.push(("idx_ref".into(), n));
    for (id, c) in customers {
        if let Some(reference) = &c.reference
            && !seen.contains(id)
        {
            r.problem("idx_ref", format!("{reference:?}"), format!("missing entry for customer #{id}"));
        }
    }
}

fn check_phone_index(
    tree: &sled::Tree,
    customers: &BTreeMap<u64, Indexed>,
    r: &mut CheckReport,
    p: &dyn Progress,
) {
    let mut seen = BTreeSet::new();
    let n = each(tree, "idx_phone", r, p, |k, _, r| {
        let id = match super::keys::id_at_end(k, "phone index") {
            Ok(id) => id,
            Err(e) => return r.failed("idx_phone", show_key(k), &e),
        };
        match customers.get(&id) {
            Some(c) if c.phone_key.as_deref() == Some(k) => {
                seen.insert(id);
            }
            Some(_) => r.problem("idx_phone", show_key(k), format!("customer #{id} has another phone")),
            None => r.problem("idx_phone", show_key(k), format!("customer #{id} does not exist")),
        }
    });
    r.counts.push(("idx_phone".into(), n));
    for (id, c) in customers {
        if c.phone_key.is_some() && !seen.contains(id) {
            r.problem("idx_phone", format!("#{id}"), format!("missing entry for customer #{id}"));
        }
    }
}

fn check_meta(meta: &sled::Tree, max_id: u64, r: &mut CheckReport, p: &dyn Progress) {
    let n = each(meta, "meta", r, p, |_, _, _| {});
    r.counts.push(("meta".into(), n));
    match meta.get(FORMAT_KEY).map_err(io) {
        Ok(Some(v)) if v.as_ref() == FORMAT.to_be_bytes() => {}
        Ok(v) => r.problem("meta", "\"format\"", format!("format is {v:?}, expected {FORMAT}")),
        Err(e) => r.failed("meta", "\"format\"", &e),
    }
    let next = match meta.get(NEXT_ID).map_err(io) {
        // An empty database has handed out no id yet.
        Ok(None) => 1,
        Ok(Some(v)) => match parse_id(&v, "id counter") {
            Ok(n) => n,
            Err(e) => return r.failed("meta", "\"next_id\"", &e),
        },
        Err(e) => return r.failed("meta", "\"next_id\"", &e),
    };
    if next <= max_id {
        r.problem("meta", "\"next_id\"", format!("id counter {next} is not above the largest id {max_id}"));
    }
}
