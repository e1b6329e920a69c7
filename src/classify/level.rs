//! Member levels over time: a level goes up on the day the trailing window's spend reaches its
//! threshold, and down only when the level's period ends (see [`LevelPeriod`]).
//!
//! Nothing is stored: the level is replayed from the customer's purchases, so a rebuild (a new
//! day, `kehu check`, another console) always agrees. The replay walks the purchase days in
//! order; before each, every period that ended is judged again on the day after its end (the
//! trailing spend then decides: a level still earned starts a new period, else back to normal);
//! on each, a spend above the level held is an upgrade that starts a new period. The trailing
//! spend only rises on purchase days, so checking those days finds every upgrade, and the level
//! held is never below the one the trailing spend alone gives.
//!
//! Purchases are net of returns and voids, so a returned purchase never earned its level.

use super::member_rules::LevelPeriod;
use super::playbook::{Candidate, plus};
use super::rules::{Play, Rules};
use super::summary::PurchaseFact;
use super::tier::{Tier, tier};
use super::{Classed, Reason};
use crate::domain::Money;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

/// How the level held was earned in its current period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Reached on this day with this spend in the trailing window.
    Reached(NaiveDate, Money),
    /// Judged again on this day (the day after a period ended) and still earned.
    Kept(NaiveDate, Money),
}

/// The level's period: until when it holds, how it was earned, what keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Membership {
    /// The last day the level holds before it is judged again; None at normal (nothing to lose)
    /// and under the trailing period.
    pub until: Option<NaiveDate>,
    /// How the level was earned in this period.
    pub basis: Option<Basis>,
    /// How much more spend, by the end of the period, keeps the level; None when what was
    /// bought already keeps it.
    pub short_by: Option<Money>,
}

impl Membership {
    /// The day the level was reached, when that happened in this period.
    pub fn upgraded(&self) -> Option<NaiveDate> {
        match self.basis {
            Some(Basis::Reached(d, _)) => Some(d),
            _ => None,
        }
    }

    /// The first day after `today` on which the level or its follow-ups can change with no new
    /// purchase: the period's end passing, the welcome closing, the expiry notice opening.
    pub fn next_change(&self, rules: &Rules, today: NaiveDate) -> Option<NaiveDate> {
        let ends = self.until.map(|u| plus(u, 1));
        let welcome = self.upgraded().map(|d| plus(d, rules.level.welcome_days));
        // Only a member short of keeping the level gets the notice (what is short changes only
        // with a purchase, itself a change day): the others are not reclassified for it.
        let notice = self
            .until
            .filter(|_| self.short_by.is_some())
            .and_then(|u| u.checked_sub_days(Days::new(rules.level.expiry_notice_days as u64)));
        [ends, welcome, notice].into_iter().flatten().filter(|d| *d > today).min()
    }
}

/// The purchases' spend in the trailing window, asked for days in order: the replay only ever
/// moves forward, so the window slides over the purchases once (no allocation, no search; the
/// classifier does this for every customer on every new day).
struct Window<'a> {
    ps: &'a [PurchaseFact],
    days: i64,
    /// Purchases before `from` have left the window, those from `to` on are still to come.
    from: usize,
    to: usize,
    spend: i64,
}

impl<'a> Window<'a> {
    fn new(ps: &'a [PurchaseFact], days: i64) -> Window<'a> {
        Window { ps, days, from: 0, to: 0, spend: 0 }
    }

    /// Spend on the `days` days ending with `day` (as [`super::summary::in_window`] counts);
    /// `day` must not be before the day asked for last.
    fn spend_to(&mut self, day: NaiveDate) -> Money {
        while self.to < self.ps.len() && self.ps[self.to].day <= day {
            self.spend = self.spend.saturating_add(self.ps[self.to].amount.0);
            self.to += 1;
        }
        // In the window from `day − (days − 1)`.
        let first = day.checked_sub_days(Days::new((self.days - 1).max(0) as u64)).unwrap_or(NaiveDate::MIN);
        while self.from < self.to && self.ps[self.from].day < first {
            self.spend = self.spend.saturating_sub(self.ps[self.from].amount.0);
            self.from += 1;
        }
        Money(self.spend)
    }
}

/// The level the trailing spend alone gives.
fn earned(spend: Money, rules: &Rules) -> Tier {
    if spend >= rules.tier.gold {
        Tier::Gold
    } else if spend >= rules.tier.silver {
        Tier::Silver
    } else {
        Tier::Normal
    }
}

/// The spend a level needs.
fn threshold(t: Tier, rules: &Rules) -> Money {
    match t {
        Tier::Gold => rules.tier.gold,
        Tier::Silver => rules.tier.silver,
        Tier::Normal => Money::ZERO,
    }
}

/// The last day of a period that starts on `day`.
fn period_end(period: LevelPeriod, day: NaiveDate) -> NaiveDate {
    match period {
        LevelPeriod::CalendarYear => NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(NaiveDate::MAX),
        // 12 months on from 29 February is 28 February; the period ends the day before.
        LevelPeriod::TwelveMonths => {
            day.checked_add_months(Months::new(12)).and_then(|d| d.pred_opt()).unwrap_or(NaiveDate::MAX)
        }
        LevelPeriod::Trailing => day,
    }
}

/// The level held as of `today` given the purchases up to today (sorted by day), with its reason
/// and period.
pub fn membership(ps: &[PurchaseFact], rules: &Rules, today: NaiveDate) -> (Classed<Tier>, Membership) {
    let mut win = Window::new(ps, rules.window.days);
    let period = rules.level.period;
    if period == LevelPeriod::Trailing {
        return (tier(win.spend_to(today), rules), Membership::default());
    }
    let mut held = (Tier::Normal, Membership::default());
    let mut i = 0;
    while i < ps.len() {
        let day = ps[i].day;
        while i < ps.len() && ps[i].day == day {
            i += 1;
        }
        roll(&mut held, &mut win, day, rules);
        let spend = win.spend_to(day);
        let t = earned(spend, rules);
        if t > held.0 {
            held = (t, Membership { until: Some(period_end(period, day)), ..Membership::default() });
            held.1.basis = Some(Basis::Reached(day, spend));
        }
    }
    roll(&mut held, &mut win, today, rules);
    let now = win.spend_to(today);
    let (t, mut m) = held;
    if t == Tier::Normal {
        return (tier(now, rules), m);
    }
    // What counts on the day it is judged again: the purchases made so far still in the window.
    let keeps = m.until.map(|u| win.spend_to(plus(u, 1))).unwrap_or(now);
    m.short_by = (keeps < threshold(t, rules)).then(|| threshold(t, rules) - keeps);
    (Classed::new(t, held_reason(t, &m, now, rules)), m)
}

/// Judges again every period of `held` that ended before `day`, on the day after its end.
fn roll(held: &mut (Tier, Membership), win: &mut Window, day: NaiveDate, rules: &Rules) {
    while let Some(until) = held.1.until.filter(|u| *u < day) {
        let start = plus(until, 1);
        let spend = win.spend_to(start);
        *held = match earned(spend, rules) {
            Tier::Normal => (Tier::Normal, Membership::default()),
            t => {
                let until = Some(period_end(rules.level.period, start));
                (t, Membership { until, basis: Some(Basis::Kept(start, spend)), short_by: None })
            }
        };
    }
}

/// "gold until 2026-12-31 — reached 8000.00 on 2026-03-02 (≥ 8000.00)", and what the trailing
/// spend is when it alone would give less.
fn held_reason(t: Tier, m: &Membership, now: Money, rules: &Rules) -> Reason {
    let (until, need, days) = (m.until.unwrap_or(NaiveDate::MAX), threshold(t, rules), rules.window.days);
    let main = match m.basis {
        Some(Basis::Reached(d, spend)) => {
            reason!("{} until {} — reached {} on {} (≥ {})", t, until, spend, d, need)
        }
        Some(Basis::Kept(d, spend)) => {
            reason!("{} until {} — {} spent in the {} days to {} (≥ {})", t, until, spend, days, d, need)
        }
        None => reason!("{} until {}", t, until),
    };
    if earned(now, rules) < t {
        reason!("{}; {}", main, reason!("{} spent in the last {} days", now, days))
    } else {
        main
    }
}

/// The level's follow-ups due on `today`: congratulations after an upgrade, a reminder before a
/// level the spend would not keep ends.
pub fn candidates(tier: &Classed<Tier>, m: &Membership, rules: &Rules, today: NaiveDate) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let Some(d) = m.upgraded().filter(|d| today < plus(*d, rules.level.welcome_days)) {
        out.push(Candidate::new(Play::TierUpgraded, Some(d), &tier.reason));
    }
    if let (Some(until), Some(short)) = (m.until, m.short_by) {
        let from = until.checked_sub_days(Days::new(rules.level.expiry_notice_days as u64)).unwrap_or(until);
        if today >= from && today <= until {
            let reason = reason!("{} until {} — {} more by then keeps it", tier.class, until, short);
            out.push(Candidate::new(Play::TierExpiring, Some(from), &reason));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::day;

    fn buy(d: NaiveDate, units: i64) -> PurchaseFact {
        PurchaseFact {
            day: d,
            amount: Money::units(units),
            quantity: 1,
            promo: false,
            channel: crate::domain::Channel::Store,
            category: crate::intern::Sym::empty(),
        }
    }

    fn rules(period: &str) -> Rules {
        Rules::from_toml(&format!("[level]\nperiod = \"{period}\"")).unwrap()
    }

    fn at(ps: &[PurchaseFact], period: &str, today: NaiveDate) -> (Tier, Membership, String) {
        let r = rules(period);
        let upto = &ps[..ps.partition_point(|p| p.day <= today)];
        let (c, m) = membership(upto, &r, today);
        (c.class, m, c.reason.to_string())
    }

    #[test]
    fn upgrade_at_once_downgrade_only_at_the_end_of_the_calendar_year() {
        let ps = [buy(day(2025, 11, 1), 5000), buy(day(2026, 3, 2), 3000)];
        // Before the threshold: silver (5000 ≥ 2000), held to the end of 2025.
        let (t, m, _) = at(&ps, "calendar_year", day(2026, 3, 1));
        assert_eq!((t, m.until), (Tier::Silver, Some(day(2026, 12, 31))), "kept on 2026-01-01");
        // Reaching 8000 on 2026-03-02 upgrades that day.
        let (t, m, why) = at(&ps, "calendar_year", day(2026, 3, 2));
        assert_eq!((t, m.until, m.upgraded()), (Tier::Gold, Some(day(2026, 12, 31)), Some(day(2026, 3, 2))));
        assert_eq!(why, "gold until 2026-12-31 — reached 8000.00 on 2026-03-02 (≥ 8000.00)");
        // The November purchase leaves the window on 2026-11-01: the trailing spend dips to 3000,
        // and the member stays gold until the year ends.
        let (t, m, why) = at(&ps, "calendar_year", day(2026, 12, 31));
        assert_eq!(t, Tier::Gold);
        assert_eq!(
            why,
            "gold until 2026-12-31 — reached 8000.00 on 2026-03-02 (≥ 8000.00); 3000.00 spent in the last 365 days"
        );
        assert_eq!(m.short_by, Some(Money::units(5000)));
        // Judged again on 1 January: 3000 earns silver, held to the end of 2027.
        let (t, m, why) = at(&ps, "calendar_year", day(2027, 1, 1));
        assert_eq!((t, m.until, m.upgraded()), (Tier::Silver, Some(day(2027, 12, 31)), None));
        assert_eq!(why, "silver until 2027-12-31 — 3000.00 spent in the 365 days to 2027-01-01 (≥ 2000.00)");
        // And on 1 January 2028 nothing is left: normal, with the trailing reason of old.
        let (t, m, why) = at(&ps, "calendar_year", day(2028, 1, 1));
        assert_eq!((t, m), (Tier::Normal, Membership::default()));
        assert_eq!(why, "normal — 0.00 spent in the last 365 days (under 2000.00)");
    }

    #[test]
    fn twelve_months_from_the_upgrade_including_a_leap_day() {
        let ps = [buy(day(2024, 2, 29), 8000)];
        let (t, m, _) = at(&ps, "12_months_from_upgrade", day(2024, 2, 29));
        assert_eq!((t, m.until), (Tier::Gold, Some(day(2025, 2, 27))), "12 months on is 28 Feb 2025");
        // Kept the day after: the purchase of 2024-02-29 is 365 days back, out of the window.
        let (t, _, _) = at(&ps, "12_months_from_upgrade", day(2025, 2, 27));
        assert_eq!(t, Tier::Gold);
        let (t, _, _) = at(&ps, "12_months_from_upgrade", day(2025, 2, 28));
        assert_eq!(t, Tier::Normal);
        // A second purchase renews the period on the day it is judged again.
        let ps = [buy(day(2024, 2, 29), 8000), buy(day(2025, 1, 10), 9000)];
        let (t, m, why) = at(&ps, "12_months_from_upgrade", day(2025, 6, 1));
        assert_eq!((t, m.until), (Tier::Gold, Some(day(2026, 2, 27))));
        assert_eq!(why, "gold until 2026-02-27 — 9000.00 spent in the 365 days to 2025-02-28 (≥ 8000.00)");
    }

    #[test]
    fn a_mid_period_upgrade_from_silver_to_gold_starts_its_own_period() {
        let ps = [buy(day(2024, 1, 10), 2500), buy(day(2024, 9, 1), 6000)];
        let (t, m, _) = at(&ps, "12_months_from_upgrade", day(2024, 8, 31));
        assert_eq!((t, m.until), (Tier::Silver, Some(day(2025, 1, 9))));
        let (t, m, _) = at(&ps, "12_months_from_upgrade", day(2024, 9, 1));
        assert_eq!((t, m.until), (Tier::Gold, Some(day(2025, 8, 31))));
    }

    #[test]
    fn trailing_follows_the_window_day_by_day() {
        let ps = [buy(day(2025, 11, 1), 9000)];
        assert_eq!(at(&ps, "trailing", day(2026, 10, 31)).0, Tier::Gold);
        let (t, m, why) = at(&ps, "trailing", day(2026, 11, 1));
        assert_eq!((t, m), (Tier::Normal, Membership::default()));
        assert_eq!(why, "normal — 0.00 spent in the last 365 days (under 2000.00)");
    }

    #[test]
    fn a_return_that_takes_the_spend_below_never_earned_the_level() {
        // Purchases are net: a sale of 8000 returned down to 1000 is a purchase of 1000.
        let ps = [buy(day(2026, 3, 2), 1000)];
        assert_eq!(at(&ps, "calendar_year", day(2026, 3, 2)).0, Tier::Normal);
    }

    #[test]
    fn follow_ups_welcome_an_upgrade_and_warn_before_a_level_lapses() {
        let r = rules("calendar_year");
        let ps = [buy(day(2026, 3, 2), 8000)];
        let (c, m) = membership(&ps, &r, day(2026, 3, 20));
        let plays: Vec<Play> = candidates(&c, &m, &r, day(2026, 3, 20)).iter().map(|c| c.play).collect();
        assert_eq!(plays, vec![Play::TierUpgraded]);
        assert!(candidates(&c, &m, &r, day(2026, 4, 1)).is_empty(), "welcome closes after 30 days");
        assert_eq!(m.next_change(&r, day(2026, 3, 20)), Some(day(2026, 4, 1)));
        // Nothing bought since: 8000 of 2026-03-02 is still in the window on 2027-01-01.
        let (c, m) = membership(&ps, &r, day(2026, 12, 15));
        assert_eq!(m.short_by, None);
        assert!(candidates(&c, &m, &r, day(2026, 12, 15)).is_empty());
        // Bought early in the year: it leaves the window before 1 January, so 8000 is short.
        let ps = [buy(day(2026, 1, 1), 8000)];
        let (c, m) = membership(&ps, &r, day(2026, 12, 1));
        assert_eq!(m.short_by, Some(Money::units(8000)));
        let got = candidates(&c, &m, &r, day(2026, 12, 1));
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].play, got[0].since), (Play::TierExpiring, Some(day(2026, 12, 1))));
        assert_eq!(got[0].reason, "gold until 2026-12-31 — 8000.00 more by then keeps it");
        assert!(candidates(&c, &m, &r, day(2026, 11, 30)).is_empty(), "the notice opens 30 days before");
        assert_eq!(m.next_change(&r, day(2026, 11, 30)), Some(day(2026, 12, 1)));
        assert_eq!(m.next_change(&r, day(2026, 12, 1)), Some(day(2027, 1, 1)));
    }

    #[test]
    fn the_level_is_never_below_the_trailing_one() {
        // Every 40 days a purchase of varying size, over three years, under each period.
        let ps: Vec<PurchaseFact> = (0..30)
            .map(|k| buy(day(2023, 1, 5) + Days::new(k * 40), [500, 3000, 200, 7000][k as usize % 4]))
            .collect();
        for period in ["calendar_year", "12_months_from_upgrade"] {
            let r = rules(period);
            let mut d = day(2023, 1, 1);
            while d < day(2026, 6, 1) {
                let upto = &ps[..ps.partition_point(|p| p.day <= d)];
                let (held, _) = membership(upto, &r, d);
                let trailing = tier(super::super::value::spend_in_window(upto, 365, d), &r).class;
                assert!(held.class >= trailing, "{period} {d}");
                d = plus(d, 1);
            }
        }
    }

    #[test]
    fn nothing_changes_before_the_next_change_day_or_purchase() {
        let ps: Vec<PurchaseFact> = (0..12)
            .map(|k| buy(day(2024, 1, 20) + Days::new(k * 70), [2500, 300, 6000, 100][k as usize % 4]))
            .collect();
        for period in ["calendar_year", "12_months_from_upgrade"] {
            let r = rules(period);
            let seen = |t: NaiveDate| {
                let upto = &ps[..ps.partition_point(|p| p.day <= t)];
                let (c, m) = membership(upto, &r, t);
                let follow: Vec<_> = candidates(&c, &m, &r, t).iter().map(|c| (c.play, c.since)).collect();
                (c.class, m.until, follow)
            };
            let end = day(2027, 1, 1);
            let mut today = day(2024, 1, 1);
            while today < end {
                let upto = &ps[..ps.partition_point(|p| p.day <= today)];
                let (_, m) = membership(upto, &r, today);
                let purchase = ps.iter().map(|p| p.day).find(|d| *d > today).unwrap_or(NaiveDate::MAX);
                let next = m.next_change(&r, today).unwrap_or(NaiveDate::MAX).min(purchase).min(end);
                let mut t = today;
                while t < next {
                    assert_eq!(seen(t), seen(today), "{period} from {today} to {t}");
                    t = plus(t, 1);
                }
                today = plus(today, 1);
            }
        }
    }
}
