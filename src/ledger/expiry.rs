//! When points expire: each credit (points earned, an opening balance, points given back) lasts
//! to the end of the `expire_months`-th month after the month it was made in, and whatever
//! takes points off (redemptions, returns, earlier expiries) uses the oldest points first.
//!
//! So at any day, the points due to expire are those of credits past their last day that
//! nothing has used: the credits past their last day, less everything ever taken off, when that
//! is positive. Writing them off (an `expire` entry) is itself taking off, so the same day asks
//! for nothing more: expiry is idempotent. "Today" is always given, never read.

use crate::domain::{Account, LedgerEntry};
use chrono::{Datelike, Months, NaiveDate};

/// The last day points credited on `day` count, with `months` of life (0: never expire).
pub fn last_day(day: NaiveDate, months: u32) -> Option<NaiveDate> {
    if months == 0 {
        return None;
    }
    let first = day.with_day(1)?;
    first.checked_add_months(Months::new(months.checked_add(1)?))?.pred_opt()
}

/// The points still held, by the day they last count, oldest first: what will expire and when.
/// Points that never expire are not listed.
pub fn schedule(entries: &[LedgerEntry], months: u32) -> Vec<(NaiveDate, i64)> {
    let points = entries.iter().filter(|e| e.account == Account::Points);
    let mut used: i64 = points.clone().filter(|e| e.amount < 0).map(|e| -e.amount).sum();
    let mut credits: Vec<(NaiveDate, u64, i64)> =
        points.filter(|e| e.amount > 0).map(|e| (e.date, e.id, e.amount)).collect();
    credits.sort_unstable();
    let mut out: Vec<(NaiveDate, i64)> = Vec::new();
    for (day, _, amount) in credits {
        let taken = used.min(amount);
        used -= taken;
        let left = amount - taken;
        let Some(last) = last_day(day, months) else { continue };
        if left == 0 {
            continue;
        }
        match out.last_mut() {
            Some((d, n)) if *d == last => *n += left,
            _ => out.push((last, left)),
        }
    }
    out
}

/// The points of `entries` that have expired by `today` and are not written off yet.
pub fn due(entries: &[LedgerEntry], months: u32, today: NaiveDate) -> i64 {
    schedule(entries, months).iter().filter(|(last, _)| *last < today).map(|(_, n)| n).sum()
}

/// The next points to expire after `today`: how many, and their last day.
pub fn next(entries: &[LedgerEntry], months: u32, today: NaiveDate) -> Option<(i64, NaiveDate)> {
    schedule(entries, months).into_iter().find(|(last, _)| *last >= today).map(|(d, n)| (n, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EntryKind;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn entry(id: u64, kind: EntryKind, amount: i64, on: NaiveDate) -> LedgerEntry {
        LedgerEntry { id, ..LedgerEntry::new(1, Account::Points, kind, amount, on) }
    }

    #[test]
    fn points_last_to_the_end_of_the_twelfth_month_after() {
        assert_eq!(last_day(day(2024, 3, 15), 12), Some(day(2025, 3, 31)));
        assert_eq!(last_day(day(2024, 1, 31), 1), Some(day(2024, 2, 29)));
        assert_eq!(last_day(day(2024, 12, 1), 12), Some(day(2025, 12, 31)));
        assert_eq!(last_day(day(2024, 3, 15), 0), None);
    }

    #[test]
    fn the_oldest_points_are_used_first_and_the_rest_expire() {
        let es = [
            entry(1, EntryKind::Earn, 100, day(2024, 1, 10)),
            entry(2, EntryKind::Earn, 50, day(2024, 6, 1)),
            entry(3, EntryKind::Redeem, -30, day(2024, 7, 1)),
        ];
        assert_eq!(schedule(&es, 12), [(day(2025, 1, 31), 70), (day(2025, 6, 30), 50)]);
        assert_eq!(due(&es, 12, day(2025, 1, 31)), 0, "the last day still counts");
        assert_eq!(due(&es, 12, day(2025, 2, 1)), 70);
        assert_eq!(due(&es, 12, day(2025, 7, 1)), 120);
        assert_eq!(next(&es, 12, day(2025, 2, 1)), Some((50, day(2025, 6, 30))));
        assert_eq!(due(&es, 0, day(2090, 1, 1)), 0, "0 months: never");
    }

    #[test]
    fn writing_expired_points_off_leaves_nothing_due() {
        let mut es = vec![
            entry(1, EntryKind::Earn, 100, day(2024, 1, 10)),
            entry(2, EntryKind::Earn, 50, day(2024, 6, 1)),
        ];
        let today = day(2025, 3, 1);
        let n = due(&es, 12, today);
        assert_eq!(n, 100);
        es.push(entry(3, EntryKind::Expire, -n, today));
        assert_eq!(due(&es, 12, today), 0);
        assert_eq!(due(&es, 12, day(2025, 7, 1)), 50);
    }

    #[test]
    fn points_used_up_before_their_last_day_never_expire() {
        let es = [
            entry(1, EntryKind::Earn, 100, day(2024, 1, 10)),
            entry(2, EntryKind::Redeem, -100, day(2024, 2, 1)),
            entry(3, EntryKind::Earn, 20, day(2024, 3, 1)),
        ];
        assert_eq!(due(&es, 12, day(2025, 2, 15)), 0);
        assert_eq!(due(&es, 12, day(2025, 4, 1)), 20);
    }
}
