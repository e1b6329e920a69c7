//! The audit log's entries: who changed which customer, when, and how (before → after), made
//! from the change itself inside the transaction that applies it, so that the log and the
//! data never disagree.

use super::{Applied, Change, Committed, Replaced};
use crate::domain::Customer;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One change as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When the change was saved.
    pub when: DateTime<Utc>,
    /// Who made it (the SSH key's operator name, or the local login name).
    pub operator: String,
    /// The customer it concerns (the survivor of a merge; 0 for shop-wide changes).
    pub customer: u64,
    /// What happened, as a short word ("edit customer", "purchase", "merge", "reveal phone"…).
    pub what: String,
    /// The changed fields before, as JSON (empty for an addition).
    pub before: String,
    /// The changed fields after, as JSON.
    pub after: String,
    /// The journal number of the change (0 in entries from before the journal).
    pub seq: u64,
    /// The change that takes this one back, as JSON (empty when there is none).
    pub undo: String,
    /// For an undo: the journal number of the change it took back (else 0).
    pub undoes: u64,
}

/// How the entry of a refused action starts its `what`: "refused: merge customers".
pub const REFUSED: &str = "refused: ";

impl AuditEntry {
    /// The purchase (or return) this entry recorded the addition of, if it did.
    pub fn added_purchase(&self) -> Option<u64> {
        if self.what != "purchase" && self.what != "refund" {
            return None;
        }
        serde_json::from_str::<Value>(&self.after).ok()?.get("id")?.as_u64()
    }

    /// Whether this entry records an action that was refused (it changed nothing).
    pub fn is_refusal(&self) -> bool {
        self.what.starts_with(REFUSED)
    }

    /// An entry stamped now.
    pub fn now(operator: &str, customer: u64, what: &str, before: String, after: String) -> AuditEntry {
        AuditEntry {
            when: Utc::now(),
            operator: operator.to_string(),
            customer,
            what: what.into(),
            before,
            after,
            seq: 0,
            undo: String::new(),
            undoes: 0,
        }
    }
}

/// Every customer a change wrote: as it was (`None`: new) and as stored.
pub type Written = [(Option<Customer>, Customer)];

/// The entries `change`, committed as `done` and having written `customers`, leaves in the log;
/// the first carries the change that takes it back (see [`Change::inverse`]).
pub fn entries(
    change: &Change,
    done: &Committed,
    customers: &Written,
    operator: &str,
    when: DateTime<Utc>,
) -> Vec<AuditEntry> {
    let entry = |customer: u64, what: String, (before, after): (String, String)| AuditEntry {
        when,
        operator: operator.to_string(),
        customer,
        what,
        before,
        after,
        seq: done.seq,
        undo: String::new(),
        undoes: 0,
    };
    let mut out = describe(change, done, customers, &entry);
    if let Change::Undo { seq, what, .. } = change {
        for e in &mut out {
            e.what = format!("undo {what}");
            e.undoes = *seq;
        }
    } else if let (Some(first), Some(inverse)) = (out.first_mut(), change.inverse(done)) {
        first.undo = serde_json::to_string(&inverse).unwrap_or_default();
    }
    out
}

/// The entries of one change, without its undo.
fn describe(
    change: &Change,
    done: &Committed,
    customers: &Written,
    entry: &dyn Fn(u64, String, (String, String)) -> AuditEntry,
) -> Vec<AuditEntry> {
    let written = |id: u64| customers.iter().find(|(_, after)| after.id == id);
    match (change, &done.applied) {
        (Change::Undo { change, .. }, _) => describe(change, done, customers, entry),
        (Change::SaveCustomer(_), Applied::Customer(saved)) => {
            let before = written(saved.id).and_then(|(b, _)| b.as_ref());
            let fields = changed_fields(before, saved);
            let what = match before {
                None => "add customer",
                Some(_) if only_consent(&fields.1) => "consent",
                Some(_) => "edit customer",
            };
            vec![entry(saved.id, what.into(), fields)]
        }
        (Change::SaveCustomers(_), _) => customers
            .iter()
            .map(|(b, a)| entry(a.id, "edit customer".into(), changed_fields(b.as_ref(), a)))
            .collect(),
        (Change::RenameTag { from, to }, _) => {
            let mut out: Vec<AuditEntry> = customers
                .iter()
                .map(|(b, a)| entry(a.id, format!("rename tag {from} → {to}"), changed_fields(b.as_ref(), a)))
                .collect();
            let summary = serde_json::json!({ "customers": customers.len() }).to_string();
            out.insert(0, entry(0, format!("rename tag {from} → {to}"), (String::new(), summary)));
            out
        }
        (Change::AddPurchase(_), Applied::Purchase(p)) => {
            let what = if p.refund_of.is_some() { "refund" } else { "purchase" };
            vec![entry(p.customer, what.into(), (String::new(), record(p).to_string()))]
        }
        (Change::ReplacePurchase { before, after }, _) => {
            let what = match (&before.void, &after.void) {
                (None, Some(_)) => "void purchase",
                (Some(_), None) => "unvoid purchase",
                _ => "correct purchase",
            };
            vec![entry(after.customer, what.into(), record_diff(before, after))]
        }
        (Change::RemovePurchase(p), _) => {
            vec![entry(p.customer, "remove purchase".into(), (record(p).to_string(), String::new()))]
        }
        (Change::AddInteraction(_), Applied::Interaction(i)) => {
            let what = format!("interaction ({})", i.kind.key());
            vec![entry(i.customer, what, (String::new(), record(i).to_string()))]
        }
        (Change::ReplaceInteraction { before, after }, _) => {
            let resolved = |i: &crate::domain::Interaction| i.complaint.as_ref().is_some_and(|c| c.resolved);
            let what = match (&before.void, &after.void) {
                (None, Some(_)) => "void interaction",
                (Some(_), None) => "unvoid interaction",
                _ if !resolved(before) && resolved(after) => "resolve complaint",
                _ => "edit interaction",
            };
            vec![entry(after.customer, what.into(), record_diff(before, after))]
        }
        (Change::RemoveInteraction(i), _) => {
            vec![entry(i.customer, "remove interaction".into(), (record(i).to_string(), String::new()))]
        }
        (Change::Merge { loser, .. }, Applied::Merged(s)) => {
            let before = written(s.id).and_then(|(b, _)| b.as_ref());
            vec![entry(s.id, format!("merge #{loser} into #{}", s.id), changed_fields(before, s))]
        }
        (Change::Unmerge(un), _) => {
            let before = written(un.survivor.id).and_then(|(b, _)| b.as_ref());
            let after = written(un.survivor.id).map(|(_, a)| a).unwrap_or(&un.survivor);
            let what = format!("unmerge #{} from #{}", un.loser.id, un.survivor.id);
            vec![entry(un.survivor.id, what, changed_fields(before, after))]
        }
        (Change::DeleteCustomer { id, .. }, _) => {
            let before = match &done.replaced {
                Replaced::Customer(Some(c)) => changed_fields(None, c).1,
                _ => String::new(),
            };
            vec![entry(*id, "delete customer".into(), (before, String::new()))]
        }
        (Change::NotDuplicate { a, b, not }, _) => {
            let what = if *not {
                format!("not a duplicate of #{b}")
            } else {
                format!("maybe a duplicate of #{b} again")
            };
            vec![entry(*a, what, (String::new(), String::new()))]
        }
        (Change::Batch { set, source }, _) => batch(set, source, customers, entry),
        (Change::Setting { key, value }, _) => {
            let before = match &done.replaced {
                Replaced::Setting(v) => setting_text(v.as_deref()),
                _ => String::new(),
            };
            vec![entry(0, format!("setting {key}"), (before, setting_text(value.as_deref())))]
        }
        (Change::RevealPhone { customer }, _) => {
            vec![entry(*customer, "reveal phone".into(), (String::new(), String::new()))]
        }
        (Change::Campaign(c), _) => {
            let summary = serde_json::json!({
                "target": c.target(),
                "channel": c.channel.key(),
                "date": c.date.to_string(),
                "contacted": c.contacted.len(),
                "control": c.control.len(),
                "control_percent": c.control_percent,
                "seed": c.seed,
                "excluded_no_consent": c.excluded_no_consent,
                "excluded_no_address": c.excluded_no_address,
            });
            vec![entry(0, format!("campaign {}", c.name), (String::new(), summary.to_string()))]
        }
        (Change::Keyed { .. }, Applied::Replayed(_)) => Vec::new(),
        (Change::Keyed { change, .. }, _) => describe(change, done, customers, entry),
        (Change::Ledger(_), Applied::Entries(saved)) => ledger(saved, entry),
        (Change::OpenLedger(opened), _) => {
            let points: i64 = opened.iter().map(|e| e.amount).sum();
            let after = serde_json::json!({ "members": opened.len(), "points": points }).to_string();
            vec![entry(0, "open points ledger".into(), (String::new(), after))]
        }
        (Change::Refused { customer, what, needs, role }, _) => {
            let why = serde_json::json!({ "needs": needs.key(), "role": role.key() }).to_string();
            vec![entry(customer.unwrap_or(0), format!("{REFUSED}{what}"), (String::new(), why))]
        }
        _ => Vec::new(),
    }
}

/// A batch: an entry per customer it changed (the fields before → after), then one that says
/// what came in and from where.
fn batch(
    set: &super::ChangeSet,
    source: &str,
    customers: &Written,
    entry: &dyn Fn(u64, String, (String, String)) -> AuditEntry,
) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    let mut created = 0u64;
    for (before, after) in customers {
        match before {
            None => created += 1,
            Some(b) => {
                let (was, now) = changed_fields(Some(b), after);
                if !now.is_empty() || !was.is_empty() {
                    out.push(entry(after.id, format!("edit customer ({source})"), (was, now)));
                }
            }
        }
    }
    let summary = serde_json::json!({
        "customers_created": created,
        "customers_updated": customers.len() as u64 - created,
        "purchases": set.purchases.len(),
        "interactions": set.interactions.len(),
    });
    out.push(entry(0, source.to_string(), (String::new(), summary.to_string())));
    out
}

/// Ledger entries: one audit entry per member, named by what the first entry does ("top-up",
/// "redeem points"), the entries in its `after`.
fn ledger(
    saved: &[crate::domain::LedgerEntry],
    entry: &dyn Fn(u64, String, (String, String)) -> AuditEntry,
) -> Vec<AuditEntry> {
    use crate::domain::EntryKind;
    let mut customers: Vec<u64> = saved.iter().map(|e| e.customer).collect();
    customers.dedup();
    customers
        .into_iter()
        .map(|c| {
            let mine: Vec<&crate::domain::LedgerEntry> = saved.iter().filter(|e| e.customer == c).collect();
            let what = match mine.iter().map(|e| e.kind).find(|k| *k != EntryKind::Expire) {
                Some(EntryKind::TopUp) => "top-up",
                Some(EntryKind::Redeem) => "redeem points",
                Some(EntryKind::Undo) => "reverse entries",
                None => "expire points",
                Some(_) => "adjust account",
            };
            let list: Vec<Value> = mine.iter().map(|e| ledger_record(e)).collect();
            entry(c, what.into(), (String::new(), Value::Array(list).to_string()))
        })
        .collect()
}

/// A ledger entry as the log shows it: stored value in yuan, points as they are.
fn ledger_record(e: &crate::domain::LedgerEntry) -> Value {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("customer");
        if e.account == crate::domain::Account::StoredValue {
            m.insert("amount".into(), Value::String(crate::domain::Money(e.amount).to_string()));
        }
    }
    v
}

/// A setting's value as the log shows it: the text when it is short text, else its size.
fn setting_text(v: Option<&[u8]>) -> String {
    match v {
        None => String::new(),
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) if s.len() <= 2000 => s.to_string(),
            _ => format!("({} bytes)", b.len()),
        },
    }
}

/// Fields that only the store or the clock change, left out of the before/after.
const BOOKKEEPING: [&str; 4] = ["id", "revision", "created", "updated"];

/// The fields that differ between two versions of a customer, as two JSON objects.
pub fn changed_fields(before: Option<&Customer>, after: &Customer) -> (String, String) {
    let object = |c: &Customer| match serde_json::to_value(c) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let old = before.map(object).unwrap_or_default();
    let new = object(after);
    let (mut was, mut now) = (Map::new(), Map::new());
    for (k, v) in &new {
        if BOOKKEEPING.contains(&k.as_str()) || old.get(k) == Some(v) {
            continue;
        }
        if let Some(o) = old.get(k) {
            was.insert(k.clone(), o.clone());
        }
        now.insert(k.clone(), v.clone());
    }
    let text =
        |m: Map<String, Value>| if m.is_empty() { String::new() } else { Value::Object(m).to_string() };
    (text(was), text(now))
}

/// Whether the changed fields (a JSON object) are consent answers only: an opt-out or a
/// consent given is named "consent" in the log, where a shop looks for it.
fn only_consent(after: &str) -> bool {
    match serde_json::from_str::<Value>(after) {
        Ok(Value::Object(m)) => !m.is_empty() && m.keys().all(|k| k.starts_with("consent_")),
        _ => false,
    }
}

/// A purchase or interaction as the log shows it: its fields (id included, so that it can be
/// found and taken back), without the customer the entry already names.
fn record<T: Serialize>(r: &T) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("customer");
        // Money is stored in fen; people read yuan.
        if let Some(cents) = m.get("amount").and_then(Value::as_i64) {
            m.insert("amount".into(), Value::String(crate::domain::Money(cents).to_string()));
        }
    }
    v
}

/// The fields that differ between two versions of a purchase or interaction, as two JSON
/// objects, each with the record's id.
fn record_diff<T: Serialize>(before: &T, after: &T) -> (String, String) {
    let (Value::Object(old), Value::Object(new)) = (record(before), record(after)) else {
        return (String::new(), String::new());
    };
    let (mut was, mut now) = (Map::new(), Map::new());
    for (k, v) in &new {
        if k == "id" || old.get(k) != Some(v) {
            now.insert(k.clone(), v.clone());
            if let Some(o) = old.get(k) {
                was.insert(k.clone(), o.clone());
            }
        }
    }
    (Value::Object(was).to_string(), Value::Object(now).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_kept() {
        let now = chrono::Utc::now();
        let a = Customer::new("Li Lei", now).unwrap();
        let mut b = a.clone();
        b.name = "Li Lei 2".into();
        b.revision += 1;
        let (before, after) = changed_fields(Some(&a), &b);
        assert_eq!(before, r#"{"name":"Li Lei"}"#);
        assert_eq!(after, r#"{"name":"Li Lei 2"}"#);
        assert_eq!(changed_fields(Some(&a), &a), (String::new(), String::new()));
    }
}
