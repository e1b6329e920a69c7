//! `kehu show QUERY`: one customer's fields, every class with its reason, and history.
//!
//! Everything printed from stored data goes through [`terminal_safe`]: a name holding
//! `ESC ]0;x BEL` prints as text and never retitles or reprograms the terminal.

use super::Context;
use crate::classify::Profile;
use crate::domain::{Customer, History, Phone};
use crate::store::Store;
use crate::text::{terminal_safe, terminal_safe_multiline};
use std::io::Write;

/// Most candidates listed when a query matches several customers.
const MAX_CANDIDATES: usize = 20;

/// Finds the customer and prints them; several or no matches give exit code 1.
pub fn run(
    ctx: &Context,
    store: &dyn Store,
    query: &str,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    // One pass: the customer records to find the one asked for, the rest summarised for the
    // classifier (the population figures need everyone); only their own history is read whole.
    let (customers, builder) = ctx.stream(store, true)?;
    let matches = find(store, &customers, query)?;
    let customer = match matches.as_slice() {
        [] => {
            eprintln!(
                "kehu: no customer matches {:?} (try a ref, phone, #id or part of the name)",
                terminal_safe(query)
            );
            return Ok(1);
        }
        [one] => &customers[*one],
        many => {
            eprintln!(
                "kehu: {} customers match {:?}; give a ref, phone or #id:",
                many.len(),
                terminal_safe(query)
            );
            for &i in many.iter().take(MAX_CANDIDATES) {
                let c = &customers[i];
                eprintln!(
                    "  #{:<8} {:<12} {}  {}",
                    c.id,
                    terminal_safe(c.reference.as_deref().unwrap_or("-")),
                    terminal_safe(&c.name),
                    c.phone.as_ref().map_or("", |p| p.as_str())
                );
            }
            return Ok(1);
        }
    };
    let (clf, note) = ctx.classify(store, builder)?;
    if let Some(note) = note {
        eprintln!("kehu: {note}");
    }
    let history = &store
        .history(customer.id)?
        .ok_or_else(|| anyhow::anyhow!("customer #{} vanished while reading", customer.id))?;
    let profile =
        clf.profile(history.customer.id).ok_or_else(|| anyhow::anyhow!("customer was not classified"))?;
    if json {
        let doc = serde_json::json!({
            "customer": history.customer,
            "classes": profile,
            "purchases": history.purchases,
            "interactions": history.interactions,
        });
        super::json::write_pretty(&mut *out, &doc)?;
        writeln!(out)?;
    } else {
        print_text(history, &profile, out)?;
    }
    Ok(0)
}

/// Indexes into `customers` of the customers `query` names, most specific rule first:
/// `#id`, exact ref, phone, a bare number as id, then name (exact, then substring, any case).
fn find(store: &dyn Store, customers: &[Customer], query: &str) -> anyhow::Result<Vec<usize>> {
    let q = query.trim();
    let index_of = |id: u64| customers.binary_search_by_key(&id, |c| c.id).ok();
    if let Some(id) = q.strip_prefix('#').and_then(|s| s.parse().ok()) {
        return Ok(index_of(id).into_iter().collect());
    }
    if let Some(id) = store.id_by_ref(q)? {
        return Ok(index_of(id).into_iter().collect());
    }
    if let Ok(phone) = Phone::parse(q) {
        let ids = store.ids_by_phone(&phone)?;
        if !ids.is_empty() {
            return Ok(ids.into_iter().filter_map(index_of).collect());
        }
    }
    // A card or phone a merge took away leads to the customer it went to.
    let former = match store.former_ref(q)? {
        Some(id) => Some(id),
        None => match Phone::parse(q) {
            Ok(phone) => store.former_phone(&phone)?,
            Err(_) => None,
        },
    };
    if let Some(id) = former {
        eprintln!("kehu: {} was merged into customer #{id}", terminal_safe(q));
        return Ok(index_of(id).into_iter().collect());
    }
    if let Ok(id) = q.parse::<u64>()
        && let Some(i) = index_of(id)
    {
        return Ok(vec![i]);
    }
    let lower = q.to_lowercase();
    let exact: Vec<usize> =
        (0..customers.len()).filter(|&i| customers[i].name.to_lowercase() == lower).collect();
    if !exact.is_empty() {
        return Ok(exact);
    }
    Ok((0..customers.len()).filter(|&i| customers[i].name.to_lowercase().contains(&lower)).collect())
}

fn print_text(h: &History, p: &Profile, out: &mut dyn Write) -> anyhow::Result<()> {
    let c = &h.customer;
    let s = |t: &str| terminal_safe(t).into_owned();
    writeln!(
        out,
        "{}  #{}{}",
        s(&c.name),
        c.id,
        c.reference.as_ref().map(|r| format!("  ref {}", s(r))).unwrap_or_default()
    )?;
    let mut field = |k: &str, v: String| -> std::io::Result<()> {
        if v.is_empty() { Ok(()) } else { writeln!(out, "  {k:<14} {v}") }
    };
    field("phone", c.phone.as_ref().map(|p| p.to_string()).unwrap_or_default())?;
    field("email", c.email.as_ref().map(|e| s(e.as_str())).unwrap_or_default())?;
    field("gender", c.gender.to_string())?;
    field("birthday", c.birthday.map(|d| d.to_string()).unwrap_or_default())?;
    field("region", s(format!("{} {}", c.province, c.city).trim()))?;
    field("area type", c.area.to_string())?;
    field("source", c.source.to_string())?;
    field("referrer", c.referrer.map(|r| format!("#{r}")).unwrap_or_default())?;
    field("contact by", c.contact.to_string())?;
    field("tags", s(&c.tags.join(", ")))?;
    for (k, v) in &c.custom {
        field(&s(k), s(v))?;
    }
    field("created", c.created.format("%Y-%m-%d").to_string())?;
    if !c.notes.is_empty() {
        writeln!(out, "  notes\n    {}", terminal_safe_multiline(&c.notes).replace('\n', "\n    "))?;
    }
    let lang = crate::i18n::current();
    writeln!(out, "\n{}", crate::i18n::tr("classes"))?;
    for (dimension, reason) in p.rows() {
        let name = crate::i18n::dimension_label(lang, dimension);
        let pad = 18usize.saturating_sub(unicode_width::UnicodeWidthStr::width(name));
        let reason = crate::i18n::reason(lang, dimension, &reason);
        writeln!(out, "  {name}{:pad$} {}", "", s(&reason))?;
    }
    if let Some(a) = &p.action {
        let reason = crate::i18n::reason(lang, "", &a.reason);
        let line = crate::i18n::trf(
            "recommended: {} (by {}) — {}",
            &[&s(crate::i18n::tr_dyn(&a.text)), &crate::i18n::tr(a.channel.key()), &s(&reason)],
        );
        writeln!(out, "\n{line}")?;
    }
    writeln!(out, "\npurchases ({}, newest first)", h.purchases.len())?;
    for x in h.purchases.iter().rev() {
        let promo = if x.promo { "  promo" } else { "" };
        let mut note = String::new();
        if let Some(of) = x.refund_of {
            note += &format!("  RETURN of #{of}");
        }
        if let Some(v) = &x.void {
            note += &format!("  VOID ({}, {} {})", s(&v.reason), s(&v.by), v.at.format("%Y-%m-%d"));
        }
        writeln!(
            out,
            "  #{:<8} {}  {:>10}  ×{:<3} {:<12} {}{promo}{note}",
            x.id,
            x.date,
            x.amount.to_string(),
            x.quantity,
            s(&x.category),
            x.channel
        )?;
    }
    writeln!(out, "\ninteractions ({}, newest first)", h.interactions.len())?;
    for i in h.interactions.iter().rev() {
        let mut extra = String::new();
        if let Some(r) = i.rating {
            extra += &format!("  rating {}", r.get());
        }
        if let Some(c) = &i.complaint {
            extra += &format!("  {} {} {}", c.kind, c.severity, if c.resolved { "resolved" } else { "OPEN" });
            if let Some(r) = &c.resolution {
                extra += &format!(" on {} by {}", r.on, s(&r.by));
                if !r.note.is_empty() {
                    extra += &format!(" ({})", s(&r.note));
                }
            }
        }
        if i.outcome == crate::domain::Outcome::NoAnswer {
            extra += "  NO ANSWER";
        }
        if let Some(f) = i.follow_up {
            extra += &format!("  follow up {f}");
        }
        if let Some(v) = &i.void {
            extra += &format!("  VOID ({}, {})", s(&v.reason), s(&v.by));
        }
        let by = if i.operator.is_empty() { String::new() } else { format!("  — {}", s(&i.operator)) };
        writeln!(out, "  #{:<8} {}  {:<9} {}{extra}{by}", i.id, i.date, i.kind, s(&i.text))?;
    }
    Ok(())
}
