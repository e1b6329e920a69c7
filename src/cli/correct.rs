//! `kehu void`, `kehu refund`, `kehu resolve` and `kehu undo`: corrections from the command
//! line, each one change through the one write path (journaled, audited, undoable).

use crate::change::{Change, undo};
use crate::domain::{Money, Purchase, Resolution, Void};
use crate::store::{Store, StoreError};
use crate::text::terminal_safe;
use chrono::NaiveDate;
use std::io::{BufRead, Write};

/// What `kehu void` voids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Record {
    Purchase,
    Interaction,
}

/// Voids purchase or interaction `id`, saying why.
pub fn void(
    store: &dyn Store,
    what: Record,
    id: u64,
    reason: &str,
    operator: &str,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    anyhow::ensure!(!reason.trim().is_empty(), "say why with --reason (it is kept with the void)");
    crate::domain::check_len("--reason", reason.trim(), crate::domain::MAX_TEXT)?;
    let void =
        Some(Void { at: chrono::Utc::now(), by: operator.to_string(), reason: reason.trim().to_string() });
    match what {
        Record::Purchase => {
            let Some(before) = store.find_purchase(id)? else { anyhow::bail!("no purchase has id {id}") };
            anyhow::ensure!(before.void.is_none(), "purchase #{id} is voided already");
            let after = Purchase { void, ..before.clone() };
            store.commit(Change::ReplacePurchase { before: before.clone(), after }, operator)?;
            writeln!(
                out,
                "voided purchase #{id} ({} on {}) of customer #{}",
                before.amount, before.date, before.customer
            )?;
        }
        Record::Interaction => {
            let Some(before) = store.find_interaction(id)? else {
                anyhow::bail!("no interaction has id {id}")
            };
            anyhow::ensure!(before.void.is_none(), "interaction #{id} is voided already");
            let after = crate::domain::Interaction { void, ..before.clone() };
            store.commit(Change::ReplaceInteraction { before: before.clone(), after }, operator)?;
            writeln!(
                out,
                "voided interaction #{id} ({} on {}) of customer #{}",
                before.kind, before.date, before.customer
            )?;
        }
    }
    Ok(0)
}

/// A return as `kehu refund` asks for it.
pub struct ReturnOf<'a> {
    /// The sale returned.
    pub id: u64,
    /// The money given back; None: all that is left.
    pub amount: Option<&'a str>,
    /// The items given back; None: all that are left when all the money is.
    pub quantity: Option<u32>,
    /// The day of the return.
    pub date: NaiveDate,
    /// The branch that takes it back (the return is money out of that till).
    pub branch: &'a str,
}

/// Records the return of (part of) a purchase: by default all that is left of it.
pub fn refund(
    store: &dyn Store,
    asked: ReturnOf,
    operator: &str,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let ReturnOf { id, amount, quantity, date, branch } = asked;
    let Some(sale) = store.find_purchase(id)? else { anyhow::bail!("no purchase has id {id}") };
    anyhow::ensure!(sale.is_sale(), "purchase #{id} is a return or voided; only a sale can be returned");
    let others = store.history(sale.customer)?.map(|h| h.purchases).unwrap_or_default();
    let (money, items) = crate::domain::refundable(&sale, &others);
    let amount = match amount {
        Some(text) => Money::parse_non_negative(text).map_err(|e| anyhow::anyhow!("--amount: {e}"))?,
        None => money,
    };
    let quantity = quantity.unwrap_or(if amount == money { items } else { 0 });
    let r = Purchase::refund(&sale, date, amount, quantity)?;
    let mut change = Change::AddPurchase(r);
    change.stamp_branch(branch);
    let saved = store.commit(change, operator)?;
    let (rid, back) = match saved.applied {
        crate::change::Applied::Purchase(p) => (p.id, ledger_effect(&p)),
        _ => (0, String::new()),
    };
    writeln!(
        out,
        "return #{rid} of purchase #{id}: {amount} and {quantity} item(s) back on {date} (customer #{}){back}",
        sale.customer
    )?;
    Ok(0)
}

/// What a return did to the member's accounts, for its line: `; 60 points taken back, 60.00
/// back on the stored value`.
fn ledger_effect(r: &Purchase) -> String {
    let mut parts = Vec::new();
    match crate::domain::ledger::points_due(r) {
        0 => {}
        n if n < 0 => parts.push(format!("{} points taken back", -n)),
        n => parts.push(format!("{n} points given back")),
    }
    let money = crate::domain::ledger::value_due(r);
    if money > 0 {
        parts.push(format!("{} back on the stored value", Money(money)));
    }
    if parts.is_empty() { String::new() } else { format!("; {}", parts.join(", ")) }
}

/// Resolves complaint `id` as of `on`, with a note.
pub fn resolve(
    store: &dyn Store,
    id: u64,
    note: &str,
    on: NaiveDate,
    operator: &str,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    crate::domain::check_len("--note", note.trim(), crate::domain::MAX_TEXT)?;
    let Some(before) = store.find_interaction(id)? else { anyhow::bail!("no interaction has id {id}") };
    let Some(c) = before.complaint.as_ref() else {
        anyhow::bail!("interaction #{id} is a {}, not a complaint", before.kind)
    };
    anyhow::ensure!(!c.resolved, "complaint #{id} is resolved already");
    anyhow::ensure!(on >= before.date, "a complaint cannot be resolved before it was made ({})", before.date);
    let mut after = before.clone();
    if let Some(c) = after.complaint.as_mut() {
        c.resolved = true;
        c.resolution = Some(Resolution { on, by: operator.to_string(), note: note.trim().to_string() });
    }
    store.commit(Change::ReplaceInteraction { before: before.clone(), after }, operator)?;
    writeln!(out, "resolved complaint #{id} of customer #{} on {on}", before.customer)?;
    Ok(0)
}

/// Takes back the last change of `whose` for `operator` (who signs the undo); asks first when
/// someone else changed the same customer since, on the terminal when `may_ask` (else refuses,
/// unless `yes`).
pub fn run_undo_of(
    store: &dyn Store,
    whose: &str,
    operator: &str,
    (yes, may_ask): (bool, bool),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let Some(u) = undo::last(store, Some(whose))? else {
        writeln!(out, "nothing to undo by {}", terminal_safe(whose))?;
        return Ok(1);
    };
    let what = format!(
        "{} by {} at {} (change {})",
        terminal_safe(&u.entry.what),
        terminal_safe(&u.entry.operator),
        u.entry.when.format("%Y-%m-%d %H:%M"),
        u.entry.seq
    );
    let mut consent = yes;
    if u.needs_consent() && !yes {
        let since = terminal_safe(&u.since_text()).into_owned();
        if !may_ask {
            writeln!(
                err,
                "kehu: someone else has changed this since: {since}; run again with --yes to take back {what} anyway"
            )?;
            return Ok(1);
        }
        write!(err, "someone else has changed this since: {since}\ntake back {what} anyway? [y/N] ")?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        consent = answer.trim().eq_ignore_ascii_case("y");
        if !consent {
            writeln!(out, "nothing taken back")?;
            return Ok(1);
        }
    }
    match undo::apply(store, &u, operator, consent) {
        Ok(_) => {
            writeln!(out, "took back {what}")?;
            Ok(0)
        }
        Err(e @ (StoreError::Stale { .. } | StoreError::Changed(_))) => {
            writeln!(err, "kehu: {e}; run again with --yes to take it back over the newer change")?;
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}
