//! The demo shop's member accounts: how each purchase was paid and the points it earned (at the
//! built-in rules' base rate), and, for some members, stored value topped up with the rules'
//! bonus and spent at the till, and points redeemed for money off or a gift — so that every
//! view has balances and entries to show. Drawn from a stream of its own, so that the rest of
//! the shop is what it was without them.

use super::rng::Rng;
use crate::classify::{Rules, Tier};
use crate::domain::ledger::{added_entries, in_saving_order};
use crate::domain::{Balances, LedgerEntry, Money, Payment, Purchase};
use crate::ledger::{earn, expiry, till};
use std::sync::OnceLock;

/// Tells this stream apart from the customer's own.
const STREAM: u64 = 0x0ACC_0075;

/// What a shop gives for points, besides money off.
const GIFTS: [&str; 4] = ["奶瓶", "湿巾一箱", "围兜", "牙胶"];

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(Rules::default)
}

/// Pays and rewards customer number `index`'s purchases (oldest first): sets each one's payment
/// and points, and appends to `given` the top-ups and redemptions the till would have saved.
pub(super) fn settle(seed: u64, index: u64, purchases: &mut [Purchase], given: &mut Vec<LedgerEntry>) {
    let mut rng = Rng::stream(seed ^ STREAM, index);
    let rules = rules();
    let wallet = purchases.len() >= 2 && rng.chance(180);
    let redeemer = rng.chance(150);
    // Everything on the member's accounts so far, for the balances the till would check.
    let mut so_far: Vec<LedgerEntry> = Vec::new();
    for (i, p) in purchases.iter_mut().enumerate() {
        let b = Balances::of(&so_far);
        if wallet && (i == 0 || (b.stored.0 < 10_000 && rng.chance(250))) {
            let amount = Money::units([500, 1000, 2000][rng.weighted(&[6, 3, 1])]);
            if let Ok(t) = till::top_up(p.customer, b, amount, p.date, rules) {
                so_far.extend(t.entries.iter().cloned());
                given.extend(t.entries);
            }
        }
        let stored = Balances::of(&so_far).stored;
        p.payment = if wallet && stored >= p.amount && rng.chance(700) {
            Payment::StoredValue
        } else {
            [Payment::Mobile, Payment::Card, Payment::Cash][rng.weighted(&[55, 20, 25])]
        };
        p.points = earn::sale_points(p.amount, p.payment, Tier::Normal, rules);
        so_far.extend(added_entries(p));
        if redeemer && i > 0 && rng.chance(250) {
            let months = rules.points.expire_months;
            let held = Balances::of(&so_far).points - expiry::due(&so_far, months, p.date);
            if held >= 200 {
                let n = (held / 2 / 100 * 100).clamp(100, 1000);
                let gift = if rng.chance(400) { rng.pick(&GIFTS) } else { "" };
                if let Ok(r) = till::redeem(p.customer, &so_far, n, gift, p.date, rules) {
                    so_far.extend(r.entries.iter().cloned());
                    given.extend(r.entries);
                }
            }
        }
    }
}

/// One member's ledger as the store keeps it once `purchases` and then `given` are saved
/// together (one change): what each purchase is due, then the given entries, in saving order,
/// numbered from 1.
pub(super) fn ledger_of(purchases: &[Purchase], given: &[LedgerEntry]) -> Vec<LedgerEntry> {
    let mut all: Vec<LedgerEntry> =
        purchases.iter().flat_map(added_entries).chain(given.iter().cloned()).collect();
    in_saving_order(&mut all);
    for (n, e) in all.iter_mut().enumerate() {
        e.id = n as u64 + 1;
    }
    all
}
