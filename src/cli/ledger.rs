//! `kehu points`, `kehu topup` and `kehu ledger`: a member's points and stored value from the
//! command line — the balance and what expires, a redemption, a top-up with its bonus, every
//! entry, and the shop's outstanding liability. Each write is one keyed change through the one
//! write path (journaled, audited, signed by the operator): run again with the same `--key`, it
//! changes nothing.

use super::Context;
use crate::change::Applied;
use crate::domain::{Balances, Customer, History, Money};
use crate::i18n::{self, tr, trf};
use crate::ledger::{expiry, till};
use crate::store::Store;
use crate::text::terminal_safe;
use std::io::Write;

/// The customer `query` names (`#id`, a ref, a phone, or a card a merge took away), read whole;
/// None (and a line on `err`) when it names nobody.
fn member(store: &dyn Store, query: &str, err: &mut dyn Write) -> anyhow::Result<Option<History>> {
    let q = query.trim();
    let mut id = super::audit::resolve(store, q)?;
    if id.is_none_or(|id| store.customer(id).ok().flatten().is_none()) {
        id = store.former_ref(q)?;
        if let Some(id) = id {
            writeln!(err, "kehu: {} was merged into customer #{id}", terminal_safe(q))?;
        }
    }
    match id.map(|id| store.history(id)).transpose()?.flatten() {
        Some(h) => Ok(Some(h)),
        None => {
            writeln!(err, "kehu: no customer has ref, phone or id {:?}", terminal_safe(q))?;
            Ok(None)
        }
    }
}

/// `王小明 #1  ref M001`.
fn title(c: &Customer) -> String {
    let r = c.reference.as_deref().map(|r| trf("  ref {}", &[&terminal_safe(r)])).unwrap_or_default();
    format!("{} #{}{r}", terminal_safe(&c.name), c.id)
}

/// The key a change is saved under: the one given, else one made for this run (a retry of the
/// command then saves again: scripts that retry give `--key`).
/// Commits ledger entries (a keyed change) signed by `operator`, made at this process's branch.
fn commit(
    ctx: &Context,
    store: &dyn Store,
    mut change: crate::change::Change,
    operator: &str,
) -> anyhow::Result<crate::change::Committed> {
    change.stamp_branch(&ctx.branch);
    Ok(store.commit(change, operator)?)
}

fn key_or_new(key: Option<&str>, operator: &str) -> String {
    match key {
        Some(k) => k.to_string(),
        None => {
            let now = chrono::Utc::now();
            format!("cli:{operator}:{}.{:09}", now.timestamp(), now.timestamp_subsec_nanos())
        }
    }
}

/// What `kehu points` does.
pub struct PointsArgs<'a> {
    pub query: Option<&'a str>,
    pub redeem: Option<i64>,
    pub gift: Option<&'a str>,
    pub key: Option<&'a str>,
    pub expire: bool,
}

/// `kehu points REF [--redeem N [--gift TEXT]]`, or `kehu points --expire` for everyone.
pub fn points(
    ctx: &Context,
    store: &dyn Store,
    a: &PointsArgs,
    operator: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let lang = i18n::current();
    let Some(query) = a.query else {
        anyhow::ensure!(
            a.expire,
            "name a member (ref, phone or #id), or give --expire to write off expired points"
        );
        return expire_all(ctx, store, operator, out);
    };
    let Some(h) = member(store, query, err)? else { return Ok(1) };
    let c = &h.customer;
    let rules = &ctx.rules;
    if let (Some(k), Some(_)) = (a.key, a.redeem)
        && store.keyed_record(k)?.is_some()
    {
        let now = h.balances();
        writeln!(out, "{}", trf("already saved with key {}: nothing done; {} points", &[&k, &now.points]))?;
        return Ok(0);
    }
    if let Some(n) = a.redeem {
        let r = match till::redeem(c.id, &h.ledger, n, a.gift.unwrap_or(""), ctx.today, rules) {
            Ok(r) => r,
            Err(why) => {
                writeln!(err, "kehu: {}", why.words(lang))?;
                return Ok(1);
            }
        };
        let key = key_or_new(a.key, operator);
        let done = commit(ctx, store, till::keyed(&key, r.entries.clone()), operator)?;
        let now = store.history(c.id)?.map(|h| h.balances()).unwrap_or_default();
        if let Applied::Replayed(_) = done.applied {
            writeln!(
                out,
                "{}",
                trf("already saved with key {}: nothing done; {} points", &[&key, &now.points])
            )?;
            return Ok(0);
        }
        if r.expired > 0 {
            writeln!(out, "{}", trf("{} expired points written off first", &[&r.expired]))?;
        }
        let what = match a.gift.map(str::trim).filter(|g| !g.is_empty()) {
            Some(g) => terminal_safe(g).into_owned(),
            None => trf("{} off", &[&i18n::money(lang, r.off)]),
        };
        writeln!(
            out,
            "{}",
            trf("redeemed {} points ({}) for {}: {} points left", &[&n, &what, &title(c), &now.points])
        )?;
        return Ok(0);
    }
    if a.expire {
        let Some(e) = till::expire(c.id, &h.ledger, ctx.today, rules) else {
            writeln!(out, "{}", trf("{}: no expired points", &[&title(c)]))?;
            return Ok(0);
        };
        let n = -e.amount;
        commit(ctx, store, till::keyed(&key_or_new(a.key, operator), vec![e]), operator)?;
        writeln!(out, "{}", trf("{}: {} expired points written off", &[&title(c), &n]))?;
        return Ok(0);
    }
    writeln!(out, "{}", title(c))?;
    let b = h.balances();
    let off = crate::ledger::earn::off(b.points, &rules.points);
    writeln!(out, "{}", trf("points: {} ({} off at the till)", &[&b.points, &i18n::money(lang, off)]))?;
    let months = rules.points.expire_months;
    let due = expiry::due(&h.ledger, months, ctx.today);
    if due > 0 {
        writeln!(out, "  {}", trf("{} of them have expired (written off at the next redemption)", &[&due]))?;
    }
    for (last, n) in expiry::schedule(&h.ledger, months).into_iter().filter(|(d, _)| *d >= ctx.today).take(3)
    {
        writeln!(out, "  {}", trf("{} expire after {}", &[&n, &i18n::date(lang, last)]))?;
    }
    Ok(0)
}

/// Writes off every member's expired points, one change for them all.
fn expire_all(ctx: &Context, store: &dyn Store, operator: &str, out: &mut dyn Write) -> anyhow::Result<i32> {
    let mut entries = Vec::new();
    store.for_each_history(&mut |h| {
        entries.extend(till::expire(h.customer.id, &h.ledger, ctx.today, &ctx.rules))
    })?;
    if entries.is_empty() {
        writeln!(out, "{}", tr("no expired points to write off"))?;
        return Ok(0);
    }
    let (members, points) = (entries.len(), -entries.iter().map(|e| e.amount).sum::<i64>());
    let key = format!("expire:{}", ctx.today);
    let done = commit(ctx, store, till::keyed(&key, entries), operator)?;
    if let Applied::Replayed(_) = done.applied {
        writeln!(out, "{}", trf("expired points were written off on {} already", &[&ctx.today]))?;
        return Ok(0);
    }
    writeln!(out, "{}", trf("{} expired points of {} member(s) written off", &[&points, &members]))?;
    Ok(0)
}

/// `kehu topup REF AMOUNT [--key K]`: who, how much, and the key.
pub struct TopupArgs<'a> {
    pub query: &'a str,
    pub amount: &'a str,
    pub key: Option<&'a str>,
}

/// `kehu topup REF AMOUNT`: a top-up with the bonus the rules give.
pub fn topup(
    ctx: &Context,
    store: &dyn Store,
    a: &TopupArgs,
    operator: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let (query, amount, key) = (a.query, a.amount, a.key);
    let lang = i18n::current();
    let amount =
        Money::parse_non_negative(amount).map_err(|e| anyhow::anyhow!("{}", i18n::domain_error(&e)))?;
    let Some(h) = member(store, query, err)? else { return Ok(1) };
    let c = &h.customer;
    if let Some(k) = key
        && store.keyed_record(k)?.is_some()
    {
        let now = i18n::money(lang, h.balances().stored);
        writeln!(out, "{}", trf("already saved with key {}: nothing done; stored value {}", &[&k, &now]))?;
        return Ok(0);
    }
    let t = match till::top_up(c.id, h.balances(), amount, ctx.today, &ctx.rules) {
        Ok(t) => t,
        Err(why) => {
            writeln!(err, "kehu: {}", why.words(lang))?;
            return Ok(1);
        }
    };
    let key = key_or_new(key, operator);
    let done = commit(ctx, store, till::keyed(&key, t.entries), operator)?;
    let now = store.history(c.id)?.map(|h| h.balances()).unwrap_or_default();
    if let Applied::Replayed(_) = done.applied {
        let line = trf(
            "already saved with key {}: nothing done; stored value {}",
            &[&key, &i18n::money(lang, now.stored)],
        );
        writeln!(out, "{line}")?;
        return Ok(0);
    }
    let line = if t.bonus.0 > 0 {
        trf(
            "topped up {} + bonus {} for {}: stored value {}",
            &[
                &i18n::money(lang, t.amount),
                &i18n::money(lang, t.bonus),
                &title(c),
                &i18n::money(lang, now.stored),
            ],
        )
    } else {
        trf(
            "topped up {} for {}: stored value {}",
            &[&i18n::money(lang, t.amount), &title(c), &i18n::money(lang, now.stored)],
        )
    };
    writeln!(out, "{line}")?;
    Ok(0)
}

/// `kehu ledger REF --adjust-points N | --adjust-value X --reason TEXT`: a correction.
pub struct AdjustArgs<'a> {
    pub query: &'a str,
    pub points: Option<i64>,
    pub value: Option<&'a str>,
    pub reason: &'a str,
    pub key: Option<&'a str>,
}

/// A correction of a member's balances (a mistaken top-up, points given by hand): entries of
/// their own, with the reason, refused when a balance would go below zero.
pub fn adjust(
    ctx: &Context,
    store: &dyn Store,
    a: &AdjustArgs,
    operator: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    use crate::domain::{Account, EntryKind, LedgerEntry};
    let lang = i18n::current();
    let reason = a.reason.trim();
    anyhow::ensure!(!reason.is_empty(), "say why with --reason (it is kept with the entry)");
    crate::domain::check_len("--reason", reason, crate::domain::MAX_NAME)?;
    let value =
        a.value.map(Money::parse).transpose().map_err(|e| anyhow::anyhow!("{}", i18n::domain_error(&e)))?;
    let Some(h) = member(store, a.query, err)? else { return Ok(1) };
    let c = &h.customer;
    let mut entries = Vec::new();
    for (account, amount) in
        [(Account::Points, a.points.unwrap_or(0)), (Account::StoredValue, value.map_or(0, |m| m.0))]
    {
        if amount != 0 {
            let mut e = LedgerEntry::new(c.id, account, EntryKind::Adjust, amount, ctx.today);
            e.note = reason.to_string();
            entries.push(e);
        }
    }
    anyhow::ensure!(!entries.is_empty(), "a correction of 0 changes nothing");
    let key = key_or_new(a.key, operator);
    let done = commit(ctx, store, till::keyed(&key, entries), operator)?;
    let now = store.history(c.id)?.map(|h| h.balances()).unwrap_or_default();
    let word = if let Applied::Replayed(_) = done.applied {
        trf("already saved with key {}: nothing done; {} points", &[&key, &now.points])
    } else {
        trf(
            "corrected {}: {}",
            &[&title(c), &trf("points {} · stored value {}", &[&now.points, &i18n::money(lang, now.stored)])],
        )
    };
    writeln!(out, "{word}")?;
    Ok(0)
}

/// `kehu ledger REF`: every entry with the balance after it; `kehu ledger --summary`: what the
/// shop owes its members.
pub fn ledger(
    ctx: &Context,
    store: &dyn Store,
    query: Option<&str>,
    summary: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let lang = i18n::current();
    if summary {
        let mut s = crate::ledger::Summary::default();
        store.for_each_history(&mut |h| s.add(&h.ledger))?;
        let m = |x: Money| i18n::money(lang, x);
        let points_off = crate::ledger::earn::off(s.points, &ctx.rules.points);
        writeln!(
            out,
            "{}",
            trf("stored value owed to members: {} ({} members)", &[&m(s.stored), &s.members_with_value])
        )?;
        writeln!(
            out,
            "{}",
            trf(
                "points held by members: {} ({} off at the till; {} members)",
                &[&s.points, &m(points_off), &s.members_with_points]
            )
        )?;
        writeln!(
            out,
            "{}",
            trf(
                "to date: topped up {}, bonus {}, paid from balances {}, given back to balances {}",
                &[&m(s.topped_up), &m(s.bonus), &m(s.paid), &m(s.refunded)]
            )
        )?;
        writeln!(
            out,
            "{}",
            trf("points earned {}, redeemed {}, expired {}", &[&s.earned, &s.redeemed, &s.expired])
        )?;
        return Ok(0);
    }
    let Some(query) = query else {
        anyhow::bail!("name a member (ref, phone or #id), or give --summary for the whole shop");
    };
    let Some(h) = member(store, query, err)? else { return Ok(1) };
    let b = h.balances();
    writeln!(out, "{}", title(&h.customer))?;
    writeln!(out, "{}", trf("points {} · stored value {}", &[&b.points, &i18n::money(lang, b.stored)]))?;
    let mut running = Balances::default();
    for e in &h.ledger {
        running.add(e);
        writeln!(out, "{}", crate::ui::detail::entry_line(e, running, lang))?;
    }
    if h.ledger.is_empty() {
        writeln!(out, "{}", tr("no entries yet"))?;
    }
    Ok(0)
}
