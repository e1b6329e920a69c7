//! The home branch of a customer of a chain: the one branch whose lists, segments and
//! follow-up queue they belong to.
//!
//! One branch, not every branch they were served at: a customer who buys at two branches is
//! then called by one of them, not by both. It is the branch of most of their sales that still
//! count (voided and wholly returned ones do not), the latest sale's branch breaking a tie; for
//! a customer who has bought nothing, the branch of their latest contact, then of their latest
//! ledger entry (a top-up before the first sale). All time rather than a recent window, so
//! that it needs no "today" and is part of the digest; a customer who moves to another branch
//! follows once most of their sales are there. Nothing recorded at any branch is the empty
//! branch, shown as "(none)".

use crate::domain::{History, NetPurchase};
use crate::intern::Sym;
use std::collections::HashMap;

/// The home branch of `h`, whose counting sales are `sales`.
pub fn home_branch(h: &History, sales: &[NetPurchase]) -> Sym {
    let mut count: HashMap<&str, (usize, (chrono::NaiveDate, u64))> = HashMap::new();
    for n in sales.iter().filter(|n| !n.purchase.branch.is_empty()) {
        let p = n.purchase;
        let e = count.entry(p.branch.as_str()).or_insert((0, (p.date, p.id)));
        e.0 += 1;
        e.1 = e.1.max((p.date, p.id));
    }
    if let Some((branch, _)) = count.into_iter().max_by_key(|(_, v)| *v) {
        return Sym::new(branch);
    }
    let contact = h
        .interactions
        .iter()
        .filter(|i| i.void.is_none() && !i.branch.is_empty())
        .max_by_key(|i| (i.date, i.id))
        .map(|i| i.branch.as_str());
    let entry = || {
        h.ledger
            .iter()
            .filter(|e| !e.branch.is_empty())
            .max_by_key(|e| (e.date, e.id))
            .map(|e| e.branch.as_str())
    };
    Sym::new(contact.or_else(entry).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Customer, Interaction, InteractionKind, Money, Purchase, net_purchases};
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn sale(id: u64, d: u32, branch: &str) -> Purchase {
        Purchase { id, branch: branch.into(), ..Purchase::new(1, day(d), Money(100), 1).unwrap() }
    }

    fn home(h: &History) -> String {
        home_branch(h, &net_purchases(&h.purchases)).to_string()
    }

    #[test]
    fn most_sales_win_and_the_latest_breaks_a_tie() {
        let mut h = History::of(Customer::new("王芳", chrono::Utc::now()).unwrap());
        assert_eq!(home(&h), "", "nothing recorded");
        h.purchases = vec![sale(1, 1, "东门店"), sale(2, 2, "西门店"), sale(3, 3, "东门店")];
        assert_eq!(home(&h), "东门店");
        h.purchases.push(sale(4, 4, "西门店"));
        assert_eq!(home(&h), "西门店", "2 and 2: the latest sale's branch");
        h.purchases.push(sale(5, 5, ""));
        assert_eq!(home(&h), "西门店", "a sale without a branch does not count");
    }

    #[test]
    fn voided_sales_do_not_count_and_contacts_stand_in_for_none() {
        let mut h = History::of(Customer::new("李雷", chrono::Utc::now()).unwrap());
        let mut voided = sale(1, 1, "东门店");
        voided.void =
            Some(crate::domain::Void { at: chrono::Utc::now(), by: "a".into(), reason: "typo".into() });
        h.purchases = vec![voided];
        let mut call = Interaction::new(1, day(2), InteractionKind::Call, "").unwrap();
        call.id = 2;
        call.branch = "南门店".into();
        h.interactions.push(call);
        assert_eq!(home(&h), "南门店");
    }
}
