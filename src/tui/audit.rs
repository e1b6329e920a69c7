//! What the audit log says about each change the console makes: the state before is read when
//! the effect starts, the entry is written right after the store confirmed the change (the
//! store's own transaction stays as it is, so an audit failure never loses an edit).

use crate::domain::{Customer, Interaction, Purchase};
use crate::store::{AuditEntry, Store, StoreResult};
use crate::ui::{Action, Effect};
use serde_json::{Map, Value};

/// An audit entry waiting for its change to be confirmed.
pub(super) struct Pending {
    customer: u64,
    what: String,
    before: Option<Customer>,
    after: Change,
}

/// What the change wrote, for the "after" side.
enum Change {
    /// A customer record: the after side is the stored record, read from the store's answer.
    Customer,
    /// A new record of the history, described as it was submitted.
    Record(Value),
}

/// The pending entry of an effect that changes the database; `None` for the others.
pub(super) fn describe(store: &dyn Store, effect: &Effect) -> Option<Pending> {
    let before = |id: u64| if id == 0 { None } else { store.customer(id).ok().flatten() };
    Some(match effect {
        Effect::SaveCustomer(c) => Pending {
            customer: c.id,
            what: if c.id == 0 { "add customer" } else { "edit customer" }.into(),
            before: before(c.id),
            after: Change::Customer,
        },
        Effect::SavePurchase(p) => {
            Pending { customer: p.customer, what: "purchase".into(), before: None, after: purchase(p) }
        }
        Effect::SaveInteraction(i) => Pending {
            customer: i.customer,
            what: format!("interaction ({})", i.kind.key()),
            before: None,
            after: interaction(i),
        },
        Effect::Merge { survivor, loser, .. } => Pending {
            customer: survivor.id,
            what: format!("merge #{loser} into #{}", survivor.id),
            before: before(survivor.id),
            after: Change::Customer,
        },
        _ => return None,
    })
}

/// Writes the entry once the store's answer shows the change was saved.
pub(super) fn record(
    store: &dyn Store,
    pending: Option<Pending>,
    answer: &[Action],
    operator: &str,
) -> StoreResult<()> {
    let Some(p) = pending else { return Ok(()) };
    let saved = answer.iter().find_map(|a| match a {
        Action::Saved(h) => Some(&h.customer),
        Action::Merged { survivor, .. } => Some(&survivor.customer),
        _ => None,
    });
    let Some(saved) = saved else { return Ok(()) };
    let (before, after) = match p.after {
        Change::Customer => changed_fields(p.before.as_ref(), saved),
        Change::Record(v) => (String::new(), v.to_string()),
    };
    store.append_audit(&AuditEntry::now(operator, saved.id.max(p.customer), &p.what, before, after))
}

/// The answer to a save refused as stale: the stored version and who changed it last.
pub(super) fn conflict(store: &dyn Store, id: u64) -> StoreResult<Vec<Action>> {
    let Some(current) = store.history(id)? else {
        return Ok(vec![Action::Failed(format!("customer #{id} no longer exists"))]);
    };
    let by = store.audit_entries(Some(id))?.pop().map(|e| e.operator);
    Ok(vec![Action::Conflict { current: Box::new(current), by }])
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

fn purchase(p: &Purchase) -> Change {
    Change::Record(serde_json::json!({
        "date": p.date.to_string(), "amount": p.amount.to_string(), "quantity": p.quantity,
        "category": p.category, "channel": p.channel.key(), "promo": p.promo,
    }))
}

fn interaction(i: &Interaction) -> Change {
    let mut v = serde_json::to_value(i).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("id");
        m.remove("customer");
    }
    Change::Record(v)
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
