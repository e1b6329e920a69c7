//! The audit log's entries: who changed which customer, when, and how (before → after), made
//! from the change itself inside the transaction that applies it, so that the log and the
//! data never disagree.

use super::{Applied, Change, Committed, Replaced};
use crate::domain::{Customer, Interaction, Purchase};
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

impl AuditEntry {
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

/// The entries `change`, committed as `done` and having written `customers`, leaves in the log.
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
    let written = |id: u64| customers.iter().find(|(_, after)| after.id == id);
    match (change, &done.applied) {
        (Change::SaveCustomer(_), Applied::Customer(saved)) => {
            let before = written(saved.id).and_then(|(b, _)| b.as_ref());
            let what = if before.is_none() { "add customer" } else { "edit customer" };
            vec![entry(saved.id, what.into(), changed_fields(before, saved))]
        }
        (Change::AddPurchase(_), Applied::Purchase(p)) => {
            vec![entry(p.customer, "purchase".into(), (String::new(), purchase(p).to_string()))]
        }
        (Change::AddInteraction(_), Applied::Interaction(i)) => {
            let what = format!("interaction ({})", i.kind.key());
            vec![entry(i.customer, what, (String::new(), interaction(i).to_string()))]
        }
        (Change::Merge { loser, .. }, Applied::Merged(s)) => {
            let before = written(s.id).and_then(|(b, _)| b.as_ref());
            vec![entry(s.id, format!("merge #{loser} into #{}", s.id), changed_fields(before, s))]
        }
        (Change::DeleteCustomer { id, .. }, _) => {
            let before = match &done.replaced {
                Replaced::Customer(Some(c)) => changed_fields(None, c).1,
                _ => String::new(),
            };
            vec![entry(*id, "delete customer".into(), (before, String::new()))]
        }
        (Change::Batch { set, source }, _) => batch(set, source, customers, &entry),
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

/// A purchase as the log shows it (its id, so that it can be found and taken back).
fn purchase(p: &Purchase) -> Value {
    serde_json::json!({
        "id": p.id, "date": p.date.to_string(), "amount": p.amount.to_string(), "quantity": p.quantity,
        "category": p.category, "channel": p.channel.key(), "promo": p.promo,
    })
}

/// An interaction as the log shows it, without its customer (the entry names it).
fn interaction(i: &Interaction) -> Value {
    let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("customer");
    }
    v
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
