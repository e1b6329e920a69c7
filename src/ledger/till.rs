//! What the till does to a member's accounts, as entries ready for the store: a top-up with
//! its bonus, a redemption (with the points that expired first written off), the expiry sweep,
//! and the checks that refuse, in words, what would take a balance below zero.

use super::{earn, expiry};
use crate::change::Change;
use crate::classify::Rules;
use crate::domain::{Account, Balances, EntryKind, LedgerEntry, Money};
use chrono::NaiveDate;
use std::fmt;

/// Why the till refuses: an English template (the key of its translation) and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The message, `{}` for each argument.
    pub template: &'static str,
    /// The arguments, in words.
    pub args: Vec<String>,
}

impl Refusal {
    fn new(template: &'static str, args: &[&dyn fmt::Display]) -> Refusal {
        Refusal { template, args: args.iter().map(|a| a.to_string()).collect() }
    }

    /// The refusal in `lang`.
    pub fn words(&self, lang: crate::i18n::Lang) -> String {
        let args: Vec<&dyn fmt::Display> = self.args.iter().map(|a| a as &dyn fmt::Display).collect();
        crate::i18n::trf_in(lang, self.template, &args)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words(crate::i18n::Lang::En))
    }
}

impl std::error::Error for Refusal {}

/// A top-up as the till shows it before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUp {
    /// What the member pays in.
    pub amount: Money,
    /// What the rules add (充500送50).
    pub bonus: Money,
    /// The stored-value balance once saved.
    pub after: Money,
    /// The entries: the top-up, and the bonus when there is one.
    pub entries: Vec<LedgerEntry>,
}

/// A top-up of `amount` for `customer` (whose balances are `now`) on `date`.
pub fn top_up(
    customer: u64,
    now: Balances,
    amount: Money,
    date: NaiveDate,
    rules: &Rules,
) -> Result<TopUp, Refusal> {
    if amount.0 <= 0 {
        return Err(Refusal::new("a top-up is more than 0.00", &[]));
    }
    let max = rules.stored_value.max_topup;
    if amount > max {
        return Err(Refusal::new(
            "a top-up of {} is more than the till takes at once ({}, stored_value.max_topup)",
            &[&amount, &max],
        ));
    }
    let bonus = earn::bonus(amount, &rules.stored_value);
    let mut entries =
        vec![LedgerEntry::new(customer, Account::StoredValue, EntryKind::TopUp, amount.0, date)];
    if bonus.0 > 0 {
        entries.push(LedgerEntry::new(customer, Account::StoredValue, EntryKind::Bonus, bonus.0, date));
    }
    let after = Money(now.stored.0.saturating_add(amount.0).saturating_add(bonus.0));
    Ok(TopUp { amount, bonus, after, entries })
}

/// A redemption as the till shows it before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// The points redeemed.
    pub points: i64,
    /// What they take off (when redeemed for money off rather than a gift).
    pub off: Money,
    /// Points that had expired and are written off first.
    pub expired: i64,
    /// The points balance once saved.
    pub after: i64,
    /// The entries: the expiry (when due), then the redemption.
    pub entries: Vec<LedgerEntry>,
}

/// Points of `customer` redeemed on `date`, for `gift` (or, blank, money off), given their
/// entries so far.
pub fn redeem(
    customer: u64,
    entries: &[LedgerEntry],
    points: i64,
    gift: &str,
    date: NaiveDate,
    rules: &Rules,
) -> Result<Redemption, Refusal> {
    if points <= 0 {
        return Err(Refusal::new("redeem at least 1 point", &[]));
    }
    let mut out = expire(customer, entries, date, rules).into_iter().collect::<Vec<_>>();
    let expired = out.first().map_or(0, |e| -e.amount);
    let available = Balances::of(entries).points - expired;
    if points > available {
        return Err(if expired > 0 {
            Refusal::new("only {} points to redeem ({} expired); {} asked", &[&available, &expired, &points])
        } else {
            Refusal::new("only {} points to redeem; {} asked", &[&available, &points])
        });
    }
    let off = earn::off(points, &rules.points);
    let mut r = LedgerEntry::new(customer, Account::Points, EntryKind::Redeem, -points, date);
    // Money off is noted as its amount (shown in the viewer's words), a gift as it was typed.
    r.note = match gift.trim() {
        "" => off.to_string(),
        g => g.to_string(),
    };
    out.push(r);
    Ok(Redemption { points, off, expired, after: available - points, entries: out })
}

/// The entry writing off `customer`'s points that have expired by `date`, if any.
pub fn expire(customer: u64, entries: &[LedgerEntry], date: NaiveDate, rules: &Rules) -> Option<LedgerEntry> {
    let n = expiry::due(entries, rules.points.expire_months, date);
    (n > 0).then(|| LedgerEntry::new(customer, Account::Points, EntryKind::Expire, -n, date))
}

/// Refuses, in words, what would move a member's balances (`now`, of which `expired` points
/// have expired) below zero by `moved`: a sale paid from stored value or with points, a
/// correction of one.
pub fn cover(now: Balances, expired: i64, moved: Balances) -> Result<(), Refusal> {
    if now.stored.0 + moved.stored.0 < 0 {
        return Err(Refusal::new(
            "the stored value {} does not cover {}",
            &[&now.stored, &Money(-moved.stored.0)],
        ));
    }
    let points = now.points - expired;
    if points + moved.points < 0 {
        return Err(Refusal::new("{} points are needed; the member has {}", &[&-moved.points, &points]));
    }
    Ok(())
}

/// The change that saves `entries` once per `key`: saved again with the same key (a retry, a
/// second press), it changes nothing.
pub fn keyed(key: &str, entries: Vec<LedgerEntry>) -> Change {
    Change::Keyed { key: key.to_string(), change: Box::new(Change::Ledger(entries)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn earned(amount: i64, on: NaiveDate) -> LedgerEntry {
        LedgerEntry { id: 1, ..LedgerEntry::new(3, Account::Points, EntryKind::Earn, amount, on) }
    }

    #[test]
    fn a_top_up_of_500_brings_50_and_the_new_balance() {
        let r = Rules::default();
        let t = top_up(3, Balances::default(), Money::units(500), day(2024, 5, 1), &r).unwrap();
        assert_eq!((t.bonus, t.after), (Money::units(50), Money::units(550)));
        assert_eq!(
            t.entries.iter().map(|e| (e.kind, e.amount)).collect::<Vec<_>>(),
            [(EntryKind::TopUp, 50_000), (EntryKind::Bonus, 5_000)]
        );
        let small = top_up(3, Balances::default(), Money::units(100), day(2024, 5, 1), &r).unwrap();
        assert_eq!((small.bonus, small.entries.len()), (Money::ZERO, 1));
        let e = top_up(3, Balances::default(), Money::units(60_000), day(2024, 5, 1), &r).unwrap_err();
        assert!(e.to_string().contains("max_topup"), "{e}");
        assert!(top_up(3, Balances::default(), Money::ZERO, day(2024, 5, 1), &r).is_err());
    }

    #[test]
    fn a_redemption_writes_expired_points_off_first_and_refuses_more_than_is_left() {
        let r = Rules::default();
        let es = [earned(100, day(2023, 1, 5)), LedgerEntry { id: 2, ..earned(80, day(2024, 3, 1)) }];
        let today = day(2024, 5, 1);
        let ok = redeem(3, &es, 50, "", today, &r).unwrap();
        assert_eq!((ok.expired, ok.after, ok.off), (100, 30, Money(50)));
        assert_eq!(
            ok.entries.iter().map(|e| (e.kind, e.amount)).collect::<Vec<_>>(),
            [(EntryKind::Expire, -100), (EntryKind::Redeem, -50)]
        );
        assert_eq!(ok.entries[1].note, "0.50");
        let e = redeem(3, &es, 90, "", today, &r).unwrap_err();
        assert_eq!(e.to_string(), "only 80 points to redeem (100 expired); 90 asked");
        let gift = redeem(3, &es[1..], 80, "奶瓶", today, &r).unwrap();
        assert_eq!((gift.entries.len(), gift.entries[0].note.as_str(), gift.after), (1, "奶瓶", 0));
    }

    #[test]
    fn what_the_balances_cannot_cover_is_refused_in_words() {
        let now = Balances { points: 300, stored: Money::units(100) };
        let pay = |stored: i64, points: i64| Balances { points, stored: Money::units(stored) };
        assert!(cover(now, 0, pay(-100, 100)).is_ok());
        let e = cover(now, 0, pay(-120, 120)).unwrap_err();
        assert_eq!(e.to_string(), "the stored value 100.00 does not cover 120.00");
        assert!(cover(now, 0, pay(0, -300)).is_ok());
        let e = cover(now, 50, pay(0, -300)).unwrap_err();
        assert_eq!(e.to_string(), "300 points are needed; the member has 250");
    }
}
