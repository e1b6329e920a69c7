//! The day's close: what the owner reads at closing time — the day's sales and returns, new
//! members, top-ups and payments from stored value, points earned and redeemed, contacts made
//! and follow-ups still due, and the last 30 days of revenue.
//!
//! Built in one pass over the histories ([`DayBook::push`]), so a command or a console can fold
//! it into the pass that reads the shop anyway. Pure: the day is passed in.
//!
//! Decisions: revenue is net (sales less returns, both by their own dates; voided records count
//! nowhere); a new member is a customer whose record was created on the day (local time); a
//! contact is an interaction of a kind that reaches the customer (not a note) dated the day.
//! The members' accounts count as the ledger says (see [`crate::ledger::summary`]): top-ups and
//! their bonus, what sales took from and returns gave back to stored value, points earned net
//! of what returns took back, redeemed and expired, each by its entry's date.

use crate::domain::{Account, EntryKind, History, InteractionKind, Money};
use crate::i18n::{Lang, tr_in, trf_in};
use chrono::{DateTime, Local, NaiveDate, Utc};
use serde::Serialize;

/// Days of revenue in the trend, the day itself last.
pub const TREND_DAYS: usize = 30;

/// The figures of one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayReport {
    /// The day.
    pub date: NaiveDate,
    /// Sales that day (not voided, not returns).
    pub sales: u64,
    /// Their amount, in fen.
    pub sales_fen: i64,
    /// Returns recorded that day.
    pub returns: u64,
    /// The money they gave back, in fen.
    pub returns_fen: i64,
    /// Customers added that day.
    pub new_members: u64,
    /// Top-ups of stored value that day, what was paid in and the bonus given on it (fen).
    pub topups: u64,
    pub topped_up_fen: i64,
    pub bonus_fen: i64,
    /// Stored value spent at the till that day, and given back to balances by returns (fen).
    pub stored_paid_fen: i64,
    pub stored_refunded_fen: i64,
    /// Corrections and undos on stored value that day (fen; an undone top-up takes it back).
    pub stored_adjusted_fen: i64,
    /// Stored value members held at the end of the day: what the shop owes them (fen).
    pub stored_owed_fen: i64,
    /// Points earned (net of what returns took back), redeemed and expired that day.
    pub points_earned: i64,
    pub points_redeemed: i64,
    pub points_expired: i64,
    /// Corrections and undos on points that day.
    pub points_adjusted: i64,
    /// Contacts made that day (calls, messages, visits, events, feedback, complaints).
    pub contacts: u64,
    /// Complaints among them.
    pub complaints: u64,
    /// Customers in the follow-up queue as of the day.
    pub follow_ups_due: u64,
    /// Net revenue (fen) of each of the last [`TREND_DAYS`] days, oldest first.
    pub trend_fen: Vec<i64>,
}

impl DayReport {
    /// Sales less returns, in fen.
    pub fn net_fen(&self) -> i64 {
        self.sales_fen - self.returns_fen
    }
}

/// The day's figures as the histories go by.
#[derive(Debug, Clone)]
pub struct DayBook {
    report: DayReport,
    first: NaiveDate,
}

impl DayBook {
    /// An empty book for `date`.
    pub fn new(date: NaiveDate) -> DayBook {
        let first = date - chrono::Days::new(TREND_DAYS as u64 - 1);
        let report = DayReport {
            date,
            sales: 0,
            sales_fen: 0,
            returns: 0,
            returns_fen: 0,
            new_members: 0,
            topups: 0,
            topped_up_fen: 0,
            bonus_fen: 0,
            stored_paid_fen: 0,
            stored_refunded_fen: 0,
            stored_adjusted_fen: 0,
            stored_owed_fen: 0,
            points_earned: 0,
            points_redeemed: 0,
            points_expired: 0,
            points_adjusted: 0,
            contacts: 0,
            complaints: 0,
            follow_ups_due: 0,
            trend_fen: vec![0; TREND_DAYS],
        };
        DayBook { report, first }
    }

    /// Counts one customer's records.
    pub fn push(&mut self, h: &History) {
        self.push_ledger(h);
        let r = &mut self.report;
        if local_day(h.customer.created) == r.date {
            r.new_members += 1;
        }
        for p in h.purchases.iter().filter(|p| p.void.is_none()) {
            let fen = p.amount.0;
            let returned = p.refund_of.is_some();
            if p.date == r.date {
                if returned {
                    r.returns += 1;
                    r.returns_fen = r.returns_fen.saturating_add(fen);
                } else {
                    r.sales += 1;
                    r.sales_fen = r.sales_fen.saturating_add(fen);
                }
            }
            if (self.first..=r.date).contains(&p.date) {
                let i = (p.date - self.first).num_days() as usize;
                let signed = if returned { -fen } else { fen };
                r.trend_fen[i] = r.trend_fen[i].saturating_add(signed);
            }
        }
        for i in h.interactions.iter().filter(|i| i.void.is_none() && i.date == r.date) {
            if i.kind.is_contact() {
                r.contacts += 1;
            }
            if i.kind == InteractionKind::Complaint {
                r.complaints += 1;
            }
        }
    }

    /// Counts what moved on the member's accounts that day, and what they held at its end.
    fn push_ledger(&mut self, h: &History) {
        let r = &mut self.report;
        let mut day = crate::ledger::summary::Summary::default();
        day.add_day(&h.ledger, r.date);
        for e in h.ledger.iter().filter(|e| e.date <= r.date) {
            let today = e.date == r.date;
            let corrected = today && matches!(e.kind, EntryKind::Adjust | EntryKind::Undo);
            match e.account {
                Account::StoredValue => {
                    r.stored_owed_fen = r.stored_owed_fen.saturating_add(e.amount);
                    r.topups += u64::from(today && e.kind == EntryKind::TopUp);
                    if corrected {
                        r.stored_adjusted_fen = r.stored_adjusted_fen.saturating_add(e.amount);
                    }
                }
                Account::Points if corrected => {
                    r.points_adjusted = r.points_adjusted.saturating_add(e.amount)
                }
                Account::Points => {}
            }
        }
        r.topped_up_fen = r.topped_up_fen.saturating_add(day.topped_up.0);
        r.bonus_fen = r.bonus_fen.saturating_add(day.bonus.0);
        r.stored_paid_fen = r.stored_paid_fen.saturating_add(day.paid.0);
        r.stored_refunded_fen = r.stored_refunded_fen.saturating_add(day.refunded.0);
        r.points_earned = r.points_earned.saturating_add(day.earned);
        r.points_redeemed = r.points_redeemed.saturating_add(day.redeemed);
        r.points_expired = r.points_expired.saturating_add(day.expired);
    }

    /// The report, with the follow-up queue's length as of the day.
    pub fn finish(mut self, follow_ups_due: usize) -> DayReport {
        self.report.follow_ups_due = follow_ups_due as u64;
        self.report
    }
}

/// The local calendar day of a stored moment.
fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Local).date_naive()
}

/// The close as rows of label, count and amount in `lang`, as the command line prints them and
/// the console draws them: money in the amount column, points in the count column. The
/// follow-up row only `with_queue` (the console knows the queue of today alone). Top-ups,
/// payments from stored value, what is owed and points earned and redeemed always show (a zero
/// is news at closing time); bonus, refunds to balances, expiry and corrections only when
/// something moved.
pub fn rows(r: &DayReport, lang: Lang, with_queue: bool) -> Vec<(&'static str, String, String)> {
    let tr = |en| tr_in(lang, en);
    let mut rows = vec![
        (tr("sales"), r.sales.to_string(), money(r.sales_fen)),
        (tr("returns"), r.returns.to_string(), money(-r.returns_fen)),
        (tr("net"), String::new(), money(r.net_fen())),
        (tr("new members"), r.new_members.to_string(), String::new()),
        (tr("top-ups"), r.topups.to_string(), money(r.topped_up_fen)),
    ];
    let some = |rows: &mut Vec<_>, label, count: String, fen: Option<i64>, shown: bool| {
        if shown {
            rows.push((tr(label), count, fen.map(money).unwrap_or_default()));
        }
    };
    some(&mut rows, "top-up bonus given", String::new(), Some(r.bonus_fen), r.bonus_fen != 0);
    some(&mut rows, "paid from stored value", String::new(), Some(r.stored_paid_fen), true);
    let back = r.stored_refunded_fen;
    some(&mut rows, "given back to stored value", String::new(), Some(back), back != 0);
    let adjusted = r.stored_adjusted_fen;
    some(&mut rows, "stored value corrected", String::new(), Some(adjusted), adjusted != 0);
    some(&mut rows, "stored value owed at close", String::new(), Some(r.stored_owed_fen), true);
    some(&mut rows, "points earned", r.points_earned.to_string(), None, true);
    some(&mut rows, "points redeemed", r.points_redeemed.to_string(), None, true);
    some(&mut rows, "points expired", r.points_expired.to_string(), None, r.points_expired != 0);
    some(&mut rows, "points corrected", r.points_adjusted.to_string(), None, r.points_adjusted != 0);
    let complaints = match r.complaints {
        1 => tr("(1 complaint)").to_string(),
        n => trf_in(lang, "({} complaints)", &[&n]),
    };
    rows.push((
        tr("contacts made"),
        r.contacts.to_string(),
        if r.complaints > 0 { complaints } else { String::new() },
    ));
    if with_queue {
        rows.push((tr("follow-ups still due"), r.follow_ups_due.to_string(), String::new()));
    }
    rows
}

/// "best day 06-11 (21692.20)": the trend's best day, when it took anything.
pub fn best_day(r: &DayReport, lang: Lang) -> Option<String> {
    let (i, best) = r.trend_fen.iter().enumerate().max_by_key(|(_, v)| **v).filter(|(_, v)| **v > 0)?;
    let day = r.date - chrono::Days::new((r.trend_fen.len() - 1 - i) as u64);
    Some(trf_in(lang, "best day {} ({})", &[&day.format("%m-%d"), &money(*best)]))
}

/// Levels of the trend line, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// The same in ASCII, for terminals that draw block characters badly.
const ASCII_BARS: [char; 8] = ['_', '.', ',', ':', ';', '=', '+', '#'];

/// The trend as one character per day; a day with no revenue (or less) is the lowest level.
pub fn sparkline(values: &[i64], ascii: bool) -> String {
    let bars = if ascii { ASCII_BARS } else { BARS };
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|&v| {
            let level = (v.max(0) as i128 * (bars.len() as i128 - 1) + max as i128 / 2) / max as i128;
            bars[level as usize]
        })
        .collect()
}

/// A fen amount as money text.
pub fn money(fen: i64) -> String {
    Money(fen).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Customer, Interaction, Purchase, Void};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn history(created: &str, buys: &[(&str, i64)]) -> History {
        let at = day(created).and_hms_opt(12, 0, 0).unwrap().and_local_timezone(Local).unwrap();
        let mut c = Customer::new("Wang Li", at.with_timezone(&Utc)).unwrap();
        c.id = 1;
        let purchases = buys
            .iter()
            .enumerate()
            .map(|(n, (d, fen))| {
                let mut p = Purchase::new(1, day(d), Money(*fen), 1).unwrap();
                p.id = n as u64 + 1;
                p
            })
            .collect();
        History { customer: c, purchases, interactions: Vec::new(), ledger: Vec::new() }
    }

    #[test]
    fn sales_returns_and_voids_count_on_their_own_days() {
        let today = day("2024-06-30");
        let mut h =
            history("2024-06-30", &[("2024-06-30", 12000), ("2024-06-30", 5000), ("2024-06-29", 800)]);
        let ret = Purchase::refund(&h.purchases[0], day("2024-06-30"), Money(2000), 0).unwrap();
        h.purchases.push(ret);
        h.purchases[1].void = Some(Void { at: Utc::now(), by: "ann".into(), reason: "typo".into() });
        let mut book = DayBook::new(today);
        book.push(&h);
        book.push(&history("2024-01-01", &[("2024-05-31", 999), ("2024-06-01", 300)]));
        let r = book.finish(7);
        assert_eq!((r.sales, r.sales_fen), (1, 12000), "the voided sale counts nowhere");
        assert_eq!((r.returns, r.returns_fen), (1, 2000));
        assert_eq!(r.net_fen(), 10000);
        assert_eq!(r.new_members, 1);
        assert_eq!(r.follow_ups_due, 7);
        assert_eq!(r.trend_fen.len(), TREND_DAYS);
        assert_eq!(r.trend_fen[0], 300, "2024-06-01 is the first of the 30 days; 05-31 is out");
        assert_eq!(r.trend_fen[28], 800);
        assert_eq!(r.trend_fen[29], 10000);
    }

    #[test]
    fn contacts_are_interactions_that_reach_the_customer() {
        let today = day("2024-06-30");
        let mut h = history("2020-01-01", &[]);
        for (kind, d) in [
            (InteractionKind::Call, "2024-06-30"),
            (InteractionKind::Note, "2024-06-30"),
            (InteractionKind::Complaint, "2024-06-30"),
            (InteractionKind::Call, "2024-06-29"),
        ] {
            h.interactions.push(Interaction::new(1, day(d), kind, "x").unwrap());
        }
        let mut book = DayBook::new(today);
        book.push(&h);
        let r = book.finish(0);
        assert_eq!((r.contacts, r.complaints, r.new_members), (2, 1, 0));
    }

    #[test]
    fn the_ledger_counts_by_entry_date_and_what_is_owed_reconciles() {
        use crate::domain::{Account::*, EntryKind::*, LedgerEntry};
        let today = day("2024-06-30");
        let mut h = history("2020-01-01", &[]);
        let e = |account, kind, amount, d: &str, purchase| LedgerEntry {
            purchase,
            ..LedgerEntry::new(1, account, kind, amount, day(d))
        };
        h.ledger = vec![
            e(StoredValue, TopUp, 50_000, "2024-06-29", None),
            e(StoredValue, Bonus, 5_000, "2024-06-29", None),
            e(StoredValue, TopUp, 20_000, "2024-06-30", None),
            e(StoredValue, Undo, -20_000, "2024-06-30", None),
            e(StoredValue, Pay, -12_000, "2024-06-30", Some(9)),
            e(Points, Earn, 120, "2024-06-30", Some(9)),
            e(Points, Redeem, -100, "2024-06-30", None),
            e(StoredValue, TopUp, 99_900, "2024-07-01", None),
        ];
        let mut book = DayBook::new(today);
        book.push(&h);
        let r = book.finish(0);
        assert_eq!((r.topups, r.topped_up_fen, r.bonus_fen), (1, 20_000, 0));
        assert_eq!((r.stored_paid_fen, r.stored_adjusted_fen), (12_000, -20_000), "the undo is a correction");
        assert_eq!(r.stored_owed_fen, 43_000, "tomorrow's top-up is not owed yet");
        assert_eq!((r.points_earned, r.points_redeemed, r.points_adjusted), (120, 100, 0));
    }

    #[test]
    fn the_sparkline_scales_to_the_best_day() {
        assert_eq!(sparkline(&[0, 50, 100], false), "▁▅█");
        assert_eq!(sparkline(&[-5, 0, 0], true), "___");
        assert_eq!(sparkline(&[10, 10], true), "##");
        assert_eq!(sparkline(&[], false), "");
    }
}
