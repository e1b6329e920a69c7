//! `kehu audit`: the audit log, oldest first — time, operator, customer, what, before → after.

use crate::domain::Phone;
use crate::store::Store;
use crate::text::terminal_safe;
use std::io::Write;

/// Prints every entry, or only those about the customer `customer` names (`#id`, ref, phone or
/// id); exit 1 when that names nobody.
pub fn run(
    store: &dyn Store,
    customer: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let id = match customer {
        None => None,
        Some(q) => match resolve(store, q)? {
            Some(id) => Some(id),
            None => {
                writeln!(err, "kehu: no customer has ref, phone or id {:?}", terminal_safe(q))?;
                return Ok(1);
            }
        },
    };
    let entries = store.audit_entries(id)?;
    for e in &entries {
        let who = if e.customer == 0 { None } else { store.customer(e.customer)? };
        let name = who.as_ref().map_or("(no longer stored)".to_string(), |c| {
            let r = c.reference.as_deref().map(|r| format!(" {}", terminal_safe(r))).unwrap_or_default();
            format!("{r} {}", terminal_safe(&c.name))
        });
        // Shop-wide changes (imports, settings) concern no one customer.
        let whom = if e.customer == 0 { "(shop)".to_string() } else { format!("#{}{name}", e.customer) };
        let change = match (e.before.is_empty(), e.after.is_empty()) {
            (true, true) => String::new(),
            (true, false) => format!("  {}", terminal_safe(&e.after)),
            _ => format!("  {} → {}", terminal_safe(&e.before), terminal_safe(&e.after)),
        };
        writeln!(
            out,
            "{}  {}  {whom}  {}{change}",
            e.when.format("%Y-%m-%d %H:%M:%SZ"),
            terminal_safe(&e.operator),
            terminal_safe(&e.what)
        )?;
    }
    if entries.is_empty() {
        writeln!(
            err,
            "kehu: the audit log has no entries{}",
            if id.is_some() { " for this customer" } else { "" }
        )?;
    }
    Ok(0)
}

/// The customer id a query names: `#id`, a ref, a phone, else a bare number as id.
pub(super) fn resolve(store: &dyn Store, q: &str) -> anyhow::Result<Option<u64>> {
    let q = q.trim();
    if let Some(id) = q.strip_prefix('#').and_then(|s| s.parse().ok()) {
        return Ok(store.customer(id)?.map(|c| c.id).or(Some(id)));
    }
    if let Some(id) = store.id_by_ref(q)? {
        return Ok(Some(id));
    }
    if let Ok(phone) = Phone::parse(q)
        && let Some(&id) = store.ids_by_phone(&phone)?.first()
    {
        return Ok(Some(id));
    }
    Ok(q.parse::<u64>().ok().filter(|&id| store.customer(id).ok().flatten().is_some()))
}
