//! The member's accounts in the detail view (and `kehu ledger`): points with what they take
//! off and what expires next, stored value, and the last entries with the balance after each.

use super::super::widgets::{fit, safe};
use crate::classify::Rules;
use crate::domain::{Account, Balances, EntryKind, History, LedgerEntry, Money};
use crate::i18n::{self, Lang, tr_in, trf_in};
use crate::ledger::{earn, expiry};
use chrono::NaiveDate;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

/// Entries the detail view lists, newest first (`kehu ledger` lists them all).
pub const LAST_ENTRIES: usize = 3;

/// The account section: nothing for a customer whose accounts never moved.
pub fn lines(h: &History, rules: &Rules, today: NaiveDate, width: usize, lang: Lang) -> Vec<Line<'static>> {
    if h.ledger.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Line::from(Span::styled(
        tr_in(lang, "Account").to_string(),
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    out.push(Line::from(fit(&format!("  {}", summary(h, rules, today, lang)), width)));
    let mut running = Balances::default();
    let mut listed: Vec<String> = h
        .ledger
        .iter()
        .map(|e| {
            running.add(e);
            entry_line(e, running, lang)
        })
        .collect();
    listed.reverse();
    out.extend(listed.into_iter().take(LAST_ENTRIES).map(|l| Line::from(fit(&l, width))));
    if h.ledger.len() > LAST_ENTRIES {
        let more = trf_in(lang, "  … {} more (kehu ledger)", &[&(h.ledger.len() - LAST_ENTRIES)]);
        out.push(Line::from(fit(&more, width)));
    }
    out.push(Line::default());
    out
}

/// "320 points (3.20 off) · 40 expire after 2025-03-31 · stored value 430.00": the balances as
/// the till reads them, in `lang`.
pub fn summary(h: &History, rules: &Rules, today: NaiveDate, lang: Lang) -> String {
    let b = h.balances();
    let months = rules.points.expire_months;
    let expired = expiry::due(&h.ledger, months, today);
    let usable = b.points - expired;
    let off = i18n::money(lang, earn::off(usable, &rules.points));
    let mut parts = vec![trf_in(lang, "{} points ({} off)", &[&usable, &off])];
    if expired > 0 {
        parts.push(trf_in(lang, "{} expired", &[&expired]));
    }
    if let Some((n, last)) = expiry::next(&h.ledger, months, today) {
        parts.push(trf_in(lang, "{} expire after {}", &[&n, &i18n::date(lang, last)]));
    }
    if h.ledger.iter().any(|e| e.account == Account::StoredValue) {
        parts.push(trf_in(lang, "stored value {}", &[&i18n::money(lang, b.stored)]));
    }
    parts.join(" · ")
}

/// "320 points · stored value 430.00": the balances the till can use now (expired points left
/// out), for the detail's header.
pub fn brief(h: &History, rules: &Rules, today: NaiveDate, lang: Lang) -> String {
    let b = h.balances();
    let usable = b.points - expiry::due(&h.ledger, rules.points.expire_months, today);
    let mut parts = vec![trf_in(lang, "{} points", &[&usable])];
    if h.ledger.iter().any(|e| e.account == Account::StoredValue) {
        parts.push(trf_in(lang, "stored value {}", &[&i18n::money(lang, b.stored)]));
    }
    parts.join(" · ")
}

/// "  #5  2024-06-30  pay      -120.00 → 430.00  #12": one entry with the balance of its
/// account after it, the purchase it belongs to and its note, in `lang`.
pub fn entry_line(e: &LedgerEntry, after: Balances, lang: Lang) -> String {
    let (amount, balance) = match e.account {
        Account::Points => (
            trf_in(lang, "{} points", &[&format!("{:+}", e.amount)]),
            trf_in(lang, "{} points", &[&after.points]),
        ),
        Account::StoredValue => {
            let sign = if e.amount < 0 { "-" } else { "+" };
            (
                format!("{sign}{}", i18n::money(lang, Money(e.amount.saturating_abs()))),
                i18n::money(lang, after.stored),
            )
        }
    };
    let purchase = e.purchase.map(|p| format!("  #{p}")).unwrap_or_default();
    let note = match (e.kind, Money::parse(&e.note)) {
        (_, _) if e.note.is_empty() => String::new(),
        // Money off is kept as its amount: said in the viewer's words.
        (EntryKind::Redeem, Ok(off)) => format!("  {}", trf_in(lang, "{} off", &[&i18n::money(lang, off)])),
        _ => format!("  {}", safe(&e.note)),
    };
    let branch = if e.branch.is_empty() { String::new() } else { format!("  @{}", safe(&e.branch)) };
    format!(
        "  #{:<4} {}  {} {} → {}{purchase}{note}{branch}",
        e.id,
        i18n::date(lang, e.date),
        super::super::widgets::pad_to(tr_in(lang, e.kind.key()), 7),
        amount,
        balance
    )
}
