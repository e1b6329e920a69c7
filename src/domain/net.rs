//! Purchases as they stand once voids and returns are taken into account: what every class
//! counts.
//!
//! A voided record (a sale or a return) counts nowhere. A return is netted into the sale it
//! returns, on that sale's day: the sale counts with the money and items not given back. A sale
//! whose returns gave back every fen or every item no longer counts as a purchase at all (it
//! did not stick): not in frequency, recency, value, tier, points, RFM or the model. Returns
//! themselves are never purchases.

use super::{Money, Purchase};
use chrono::NaiveDate;
use std::collections::HashMap;

/// One sale as it stands after its returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetPurchase<'a> {
    pub purchase: &'a Purchase,
    /// Paid and not given back.
    pub amount: Money,
    /// Bought and not brought back.
    pub quantity: u32,
    pub date: NaiveDate,
}

/// The sales of `purchases` that still count, each net of its returns, in the order given.
pub fn net_purchases(purchases: &[Purchase]) -> Vec<NetPurchase<'_>> {
    let mut returned: HashMap<u64, (i64, u32)> = HashMap::new();
    for r in purchases.iter().filter(|p| p.void.is_none()) {
        if let Some(of) = r.refund_of {
            let e = returned.entry(of).or_default();
            e.0 = e.0.saturating_add(r.amount.0);
            e.1 = e.1.saturating_add(r.quantity);
        }
    }
    purchases
        .iter()
        .filter(|p| p.is_sale())
        .filter_map(|p| {
            let (money, items) = returned.get(&p.id).copied().unwrap_or_default();
            let amount = Money((p.amount.0 - money).max(0));
            let quantity = p.quantity.saturating_sub(items);
            let gone = (money > 0 || items > 0) && (amount.0 == 0 || quantity == 0);
            (!gone).then_some(NetPurchase { purchase: p, amount, quantity, date: p.date })
        })
        .collect()
}

/// What is left to give back of sale `of`: money and items not yet returned.
pub fn refundable(of: &Purchase, purchases: &[Purchase]) -> (Money, u32) {
    let (money, items) = purchases
        .iter()
        .filter(|r| r.void.is_none() && r.refund_of == Some(of.id))
        .fold((0i64, 0u32), |(m, i), r| (m.saturating_add(r.amount.0), i.saturating_add(r.quantity)));
    (Money((of.amount.0 - money).max(0)), of.quantity.saturating_sub(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Void;

    fn sale(id: u64, cents: i64, quantity: u32) -> Purchase {
        let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        Purchase { id, ..Purchase::new(1, day, Money(cents), quantity).unwrap() }
    }

    fn back(of: &Purchase, id: u64, cents: i64, quantity: u32) -> Purchase {
        Purchase { id, ..Purchase::refund(of, of.date, Money(cents), quantity).unwrap() }
    }

    #[test]
    fn voids_and_returns_net_out() {
        let a = sale(1, 10_000, 2);
        let mut b = sale(2, 5_000, 1);
        b.void = Some(Void { at: chrono::Utc::now(), by: "x".into(), reason: "typo".into() });
        let c = sale(3, 3_000, 3);
        let half = back(&a, 4, 5_000, 1);
        let all_c = back(&c, 5, 3_000, 0);
        let ps = [a.clone(), b, c.clone(), half, all_c];
        let net = net_purchases(&ps);
        assert_eq!(net.len(), 1, "the void and the fully refunded sale drop out: {net:?}");
        assert_eq!((net[0].purchase.id, net[0].amount, net[0].quantity), (1, Money(5_000), 1));
        assert_eq!(refundable(&a, &ps), (Money(5_000), 1));
        assert_eq!(refundable(&c, &ps), (Money(0), 3));
    }

    #[test]
    fn a_voided_return_gives_nothing_back() {
        let a = sale(1, 10_000, 1);
        let mut r = back(&a, 2, 10_000, 1);
        r.void = Some(Void { at: chrono::Utc::now(), by: "x".into(), reason: "wrong sale".into() });
        let ps = [a, r];
        let net = net_purchases(&ps);
        assert_eq!((net.len(), net[0].amount), (1, Money(10_000)));
    }
}
