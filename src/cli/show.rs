//! `kehu show QUERY`: one customer's fields, every class with its reason, and history.
//!
//! Everything printed from stored data goes through [`terminal_safe`]: a name holding
//! `ESC ]0;x BEL` prints as text and never retitles or reprograms the terminal.

use super::Context;
use crate::classify::{Profile, Summary};
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
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let ids = find(store, query, err)?;
    let id = match ids.as_slice() {
        [] => {
            writeln!(
                err,
                "kehu: no customer matches {:?} (try a ref, phone, #id or part of the name)",
                terminal_safe(query)
            )?;
            if let Ok(id) = query.trim().parse::<u64>()
                && store.customer(id)?.is_some()
            {
                writeln!(err, "kehu: a bare number is a ref or a phone; customer id {id} is #{id}")?;
            }
            return Ok(1);
        }
        [one] => *one,
        many => {
            writeln!(
                err,
                "kehu: {} customers match {:?}; give a ref, phone or #id:",
                many.len(),
                terminal_safe(query)
            )?;
            for &id in many.iter().take(MAX_CANDIDATES) {
                let Some(c) = store.customer(id)? else { continue };
                writeln!(
                    err,
                    "  #{:<8} {:<12} {}  {}",
                    c.id,
                    terminal_safe(c.reference.as_deref().unwrap_or("-")),
                    terminal_safe(&c.name),
                    c.phone.as_ref().map_or("", |p| p.as_str())
                )?;
            }
            return Ok(1);
        }
    };
    let history =
        &store.history(id)?.ok_or_else(|| anyhow::anyhow!("customer #{id} vanished while reading"))?;
    let profile = profile(ctx, store, history, err)?;
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

/// The customer's profile: against the population kept with the shop's segment counts when
/// those hold (one customer classified, nobody else read), else from the whole shop classified
/// afresh (which keeps them for the next `show`).
fn profile(ctx: &Context, store: &dyn Store, h: &History, err: &mut dyn Write) -> anyhow::Result<Profile> {
    if let Some(kept) = ctx.kept_segments(store) {
        if let Some(note) = &kept.note {
            writeln!(err, "kehu: {note}")?;
        }
        let model = if kept.with_model { super::context::stored_model(store)? } else { None };
        return Ok(kept.profile(&Summary::from_history(h), &ctx.rules, model.as_ref()));
    }
    let clf = ctx.load_classifier_to(store, err)?;
    clf.profile(h.customer.id).ok_or_else(|| anyhow::anyhow!("customer was not classified"))
}

/// The ids of the customers `query` names, most specific rule first: `#id`, exact ref, phone,
/// a card or phone a merge took away (through the indexes: nobody else is read), then name
/// (exact, then substring, any case, then pinyin: every customer record read). A bare number
/// is never an id: `00001` is a card or a phone, and `#1` is customer 1.
fn find(store: &dyn Store, query: &str, err: &mut dyn Write) -> anyhow::Result<Vec<u64>> {
    let q = query.trim();
    let existing =
        |id: u64| -> anyhow::Result<Vec<u64>> { Ok(store.customer(id)?.map(|c| c.id).into_iter().collect()) };
    if let Some(id) = q.strip_prefix('#').and_then(|s| s.parse().ok()) {
        return existing(id);
    }
    if let Some(id) = store.id_by_ref(q)? {
        return existing(id);
    }
    if let Ok(phone) = Phone::parse(q) {
        let ids = store.ids_by_phone(&phone)?;
        if !ids.is_empty() {
            let mut found = Vec::new();
            for id in ids {
                found.extend(existing(id)?);
            }
            return Ok(found);
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
        writeln!(err, "kehu: {} was merged into customer #{id}", terminal_safe(q))?;
        return existing(id);
    }
    let mut customers = Vec::new();
    store.customers_until(&mut |c| {
        customers.push(c);
        std::ops::ControlFlow::Continue(())
    })?;
    let lower = q.to_lowercase();
    let named = |keep: &dyn Fn(&Customer) -> bool| -> Vec<u64> {
        customers.iter().filter(|c| keep(c)).map(|c| c.id).collect()
    };
    let exact = named(&|c| c.name.to_lowercase() == lower);
    if !exact.is_empty() {
        return Ok(exact);
    }
    let within = named(&|c| c.name.to_lowercase().contains(&lower));
    if !within.is_empty() {
        return Ok(within);
    }
    Ok(by_pinyin(&customers, q))
}

/// Customers whose hanzi name the query spells in pinyin (`wxy`, `wangxy` → 王秀英): those of
/// the best pinyin tier the console's search finds, never its fuzzy guesses.
fn by_pinyin(customers: &[Customer], q: &str) -> Vec<u64> {
    use crate::search::{SearchIndex, Tier};
    if !q.chars().all(|c| c.is_ascii_alphabetic()) {
        return vec![];
    }
    let mut index = SearchIndex::build(customers.iter().map(|c| (c, 0)));
    let hits = index.query(q);
    let pinyin = |t: Tier| matches!(t, Tier::PinyinStart | Tier::PinyinLater);
    let Some(best) = hits.iter().map(|h| h.tier).filter(|t| pinyin(*t)).min() else { return vec![] };
    let mut ids: Vec<u64> = hits.iter().filter(|h| h.tier == best).map(|h| h.id).collect();
    ids.sort_unstable();
    ids
}

fn print_text(h: &History, p: &Profile, out: &mut dyn Write) -> anyhow::Result<()> {
    use crate::i18n::{self, tr, trf};
    use crate::ui::detail::{customer_fields, interaction_line, purchase_line};
    let lang = i18n::current();
    let c = &h.customer;
    let s = |t: &str| terminal_safe(t).into_owned();
    let reference = c.reference.as_ref().map(|r| trf("  ref {}", &[&s(r)])).unwrap_or_default();
    writeln!(out, "{}  #{}{reference}", s(&c.name), c.id)?;
    // Labels are padded in display cells: a Chinese label is twice as wide as its characters.
    let padded = |label: &str, width: usize| {
        let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(label));
        format!("{label}{:pad$}", "")
    };
    let phone = c.phone.as_ref().map(|p| p.to_string()).unwrap_or_default();
    for (k, v) in customer_fields(c, phone, lang) {
        writeln!(out, "  {} {v}", padded(&k, 14))?;
    }
    if !c.notes.is_empty() {
        let notes = terminal_safe_multiline(&c.notes).replace('\n', "\n    ");
        writeln!(out, "  {}\n    {notes}", tr("notes"))?;
    }
    writeln!(out, "\n{}", tr("classes"))?;
    for (dimension, reason) in p.rows() {
        let reason = i18n::reason(lang, dimension, &reason);
        writeln!(out, "  {} {}", padded(i18n::dimension_label(lang, dimension), 18), s(&reason))?;
    }
    let benefits = i18n::benefits_text(lang, &p.benefits);
    if !benefits.is_empty() {
        writeln!(out, "  {} {}", padded(i18n::dimension_label(lang, "benefits"), 18), s(&benefits))?;
    }
    if let Some(a) = &p.action {
        let reason = i18n::reason(lang, a.play.dimension(), &a.reason);
        let line = trf(
            "recommended: {} (by {}) — {}",
            &[&s(i18n::tr_dyn(&a.text)), &tr(a.channel.key()), &s(&reason)],
        );
        writeln!(out, "\n{line}")?;
    }
    let net: crate::domain::Money = crate::domain::net_purchases(&h.purchases).iter().map(|p| p.amount).sum();
    let counted = crate::domain::net_purchases(&h.purchases).len();
    writeln!(out, "\n{}", trf("Purchases ({}, {} in all)", &[&counted, &i18n::money(lang, net)]))?;
    for x in h.purchases.iter().rev() {
        writeln!(out, "{}", purchase_line(x, lang))?;
    }
    writeln!(out, "\n{}", trf("Interactions ({})", &[&h.interactions.len()]))?;
    for i in h.interactions.iter().rev() {
        writeln!(out, "{}", interaction_line(i, lang))?;
    }
    Ok(())
}
