//! `kehu torture` (hidden): a deterministic stream of edits for the crash harness.
//!
//! Before each edit it prints `try <kind> <step> <ids…>`, after it returned (flushed)
//! `ok <kind> <step> <ids…>`, each line flushed, so a killer knows what was acknowledged and
//! what may have been in flight. Contents derive from the step number so the harness can check
//! them: customers are named `c<step>` (added), `e<step>` (edited), `m<step>` (merge survivor),
//! `a<step>-<k>` (imported); purchases cost `step*100+k` cents; interactions say `i<step>`.

use crate::demo::rng::Rng;
use crate::domain::{Customer, Interaction, InteractionKind, Money, Purchase};
use crate::store::{ChangeSet, SledStore, Store};
use chrono::{DateTime, NaiveDate, Utc};
use std::io::Write;
use std::path::Path;

/// A fixed timestamp, so that runs are reproducible.
fn stamp() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default()
}

fn day(step: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default() + chrono::Days::new(step % 1500)
}

/// Runs `edits` edits from `seed` against the database in `dir`; steps are numbered from
/// `seed * 1_000_000` so that several runs over one database never reuse a name.
pub fn run(dir: &Path, seed: u64, edits: u64, out: &mut dyn Write) -> anyhow::Result<i32> {
    let store = SledStore::open(dir)?;
    let mut live = Vec::new();
    store.for_each_history(&mut |h| live.push(h.customer.id))?;
    let mut rng = Rng::new(seed);
    let first = seed.saturating_mul(1_000_000);
    for step in first..first.saturating_add(edits) {
        let roll = if live.len() < 2 { 0 } else { rng.below(100) };
        match roll {
            0..=24 => {
                say(out, &format!("try add {step}"))?;
                let c = store.put_customer(Customer::new(&format!("c{step}"), stamp())?)?;
                live.push(c.id);
                say(out, &format!("ok add {step} {}", c.id))?;
            }
            25..=49 => {
                let cid = live[rng.below(live.len() as u64) as usize];
                say(out, &format!("try purchase {step} {cid}"))?;
                let p = Purchase::new(cid, day(step), Money(step as i64 * 100), 1)?;
                let p = store.add_purchase(p)?;
                say(out, &format!("ok purchase {step} {cid} {}", p.id))?;
            }
            50..=64 => {
                let cid = live[rng.below(live.len() as u64) as usize];
                say(out, &format!("try interaction {step} {cid}"))?;
                let i = Interaction::new(cid, day(step), InteractionKind::Call, &format!("i{step}"))?;
                let i = store.add_interaction(i)?;
                say(out, &format!("ok interaction {step} {cid} {}", i.id))?;
            }
            65..=79 => {
                let cid = live[rng.below(live.len() as u64) as usize];
                say(out, &format!("try edit {step} {cid}"))?;
                let mut c =
                    store.customer(cid)?.ok_or_else(|| anyhow::anyhow!("customer #{cid} vanished"))?;
                c.name = format!("e{step}");
                store.put_customer(c)?;
                say(out, &format!("ok edit {step} {cid}"))?;
            }
            80..=89 => {
                let si = rng.below(live.len() as u64) as usize;
                let li = (si + 1 + rng.below(live.len() as u64 - 1) as usize) % live.len();
                let (survivor, loser) = (live[si], live[li]);
                say(out, &format!("try merge {step} {survivor} {loser}"))?;
                let mut c =
                    store.customer(survivor)?.ok_or_else(|| anyhow::anyhow!("#{survivor} vanished"))?;
                c.name = format!("m{step}");
                store.merge(c, loser)?;
                live.retain(|&id| id != loser);
                say(out, &format!("ok merge {step} {survivor} {loser}"))?;
            }
            _ => {
                let (n, m) = (1 + rng.below(3), 1 + rng.below(6));
                say(out, &format!("try apply {step} {n} {m}"))?;
                let set = change_set(&store, step, n, m)?;
                store.apply(set.clone(), "torture")?;
                live.extend(set.customers.iter().map(|c| c.id));
                let ids: Vec<String> = set
                    .customers
                    .iter()
                    .map(|c| c.id)
                    .chain(set.purchases.iter().map(|p| p.id))
                    .map(|id| id.to_string())
                    .collect();
                say(out, &format!("ok apply {step} {n} {m} {}", ids.join(" ")))?;
            }
        }
    }
    Ok(0)
}

/// `n` new customers `a<step>-<k>` and `m` purchases, purchase `k` going to customer `k % n`.
fn change_set(store: &SledStore, step: u64, n: u64, m: u64) -> anyhow::Result<ChangeSet> {
    let first = store.allocate_ids(n + m)?;
    let mut set = ChangeSet::default();
    for k in 0..n {
        let mut c = Customer::new(&format!("a{step}-{k}"), stamp())?;
        c.id = first + k;
        set.customers.push(c);
    }
    for k in 0..m {
        let mut p = Purchase::new(first + k % n, day(step), Money(step as i64 * 100 + k as i64), 1)?;
        p.id = first + n + k;
        set.purchases.push(p);
    }
    Ok(set)
}

/// Prints one line and flushes it, so that a killed process has said exactly this much.
fn say(out: &mut dyn Write, line: &str) -> std::io::Result<()> {
    writeln!(out, "{line}")?;
    out.flush()
}
