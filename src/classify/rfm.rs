//! RFM: recency, frequency and monetary scores against the buying population, the named segment
//! from the R×F grid (every score pair has exactly one segment), and RFM-8 (重要/一般 × 价值/发展/保持/挽留) against the means.
//!
//! R = days since the last purchase, F = number of purchases, M = total spend, all over the whole
//! history up to today (a lifetime view; the windowed view is what frequency and value give).
//! Quintiles: see [`super::Metric::score`]. R is scored on days since, then reversed, so the
//! most recent customers score 5 and customers who bought on the same day share a score.

use super::population::{Population, values};
use super::summary::Metrics;
use super::{Classed, Reason};
use crate::keyed_enum;
use serde::Serialize;

keyed_enum! {
    /// The named RFM segments of the R×F grid.
    RfmSegment {
        Champions => "champions", Loyal => "loyal", PotentialLoyalist => "potential_loyalist",
        NewCustomers => "new_customers", Promising => "promising", NeedAttention => "need_attention",
        AboutToSleep => "about_to_sleep", AtRisk => "at_risk", CantLoseThem => "cant_lose_them",
        Hibernating => "hibernating",
    }
}

keyed_enum! {
    /// The eight classes of Chinese retail practice: important/general × value/develop/keep/retain.
    Rfm8 {
        ImportantValue => "important_value", ImportantDevelop => "important_develop",
        ImportantKeep => "important_keep", ImportantRetain => "important_retain",
        GeneralValue => "general_value", GeneralDevelop => "general_develop",
        GeneralKeep => "general_keep", GeneralRetain => "general_retain",
    }
}

impl RfmSegment {
    /// The name staff know the segment by.
    pub fn label(self) -> &'static str {
        match self {
            RfmSegment::Champions => "Champions",
            RfmSegment::Loyal => "Loyal",
            RfmSegment::PotentialLoyalist => "Potential Loyalist",
            RfmSegment::NewCustomers => "New Customers",
            RfmSegment::Promising => "Promising",
            RfmSegment::NeedAttention => "Need Attention",
            RfmSegment::AboutToSleep => "About to Sleep",
            RfmSegment::AtRisk => "At Risk",
            RfmSegment::CantLoseThem => "Can't Lose Them",
            RfmSegment::Hibernating => "Hibernating",
        }
    }
}

/// The segment of an (R, F) score pair; scores outside 1–5 are clamped.
pub fn segment_for(r: u8, f: u8) -> RfmSegment {
    use RfmSegment::*;
    match (r.clamp(1, 5), f.clamp(1, 5)) {
        (5, 1) => NewCustomers,
        (5, 2 | 3) | (4, 2 | 3) => PotentialLoyalist,
        (5, _) => Champions,
        (4, 1) => Promising,
        (4, _) | (3, 4 | 5) => Loyal,
        (3, 3) => NeedAttention,
        (3, _) => AboutToSleep,
        (_, 1 | 2) => Hibernating,
        (_, 3 | 4) => AtRisk,
        _ => CantLoseThem,
    }
}

impl Rfm8 {
    /// The English name (the Chinese one, 重要价值 and so on, is the interface's translation).
    pub fn label(self) -> &'static str {
        match self {
            Rfm8::ImportantValue => "important value",
            Rfm8::ImportantDevelop => "important to develop",
            Rfm8::ImportantKeep => "important to keep",
            Rfm8::ImportantRetain => "important to win back",
            Rfm8::GeneralValue => "general value",
            Rfm8::GeneralDevelop => "general to develop",
            Rfm8::GeneralKeep => "general to keep",
            Rfm8::GeneralRetain => "general to win back",
        }
    }

    /// The class of R, F, M each high (true) or low against the mean.
    pub fn from_highs(r: bool, f: bool, m: bool) -> Rfm8 {
        use Rfm8::*;
        match (m, r, f) {
            (true, true, true) => ImportantValue,
            (true, true, false) => ImportantDevelop,
            (true, false, true) => ImportantKeep,
            (true, false, false) => ImportantRetain,
            (false, true, true) => GeneralValue,
            (false, true, false) => GeneralDevelop,
            (false, false, true) => GeneralKeep,
            (false, false, false) => GeneralRetain,
        }
    }
}

/// A buying customer's RFM figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rfm {
    pub r: u8,
    pub f: u8,
    pub m: u8,
    pub segment: Classed<RfmSegment>,
    pub rfm8: Classed<Rfm8>,
}

/// Scores a buying customer against the population (which must already count the customer).
pub fn rfm(m: &Metrics, pop: &Population, today: chrono::NaiveDate) -> Rfm {
    let [rv, fv, mv] = values(m);
    let r = 6 - pop.recency.score(rv);
    let f = pop.frequency.score(fv);
    let mm = pop.monetary.score(mv);
    let segment = segment_for(r, f);
    let days = (today - m.last).num_days();
    let seg_reason =
        reason!("{} — R {} (last purchase {} days ago), F {} ({} purchases)", segment, r, days, f, m.count);
    // Recent means at or below the mean days since, i.e. minus-last-day not above its mean.
    let r_high = !pop.recency.above_mean(rv);
    let f_high = pop.frequency.above_mean(fv);
    let m_high = pop.monetary.above_mean(mv);
    let class = Rfm8::from_highs(r_high, f_high, m_high);
    // Means stay out of the reason: they move with every edit, and a reason must change only
    // when the customer's own class or figures do.
    let side = |h: bool, up: Reason, down: Reason| if h { up } else { down };
    let rfm8_reason = reason!(
        "{} — {} ({} days ago), {} ({} purchases), {} ({})",
        class,
        side(r_high, reason!("R↑ as recent as average or more"), reason!("R↓ less recent than average")),
        days,
        side(f_high, reason!("F↑ above the mean"), reason!("F↓ not above the mean")),
        m.count,
        side(m_high, reason!("M↑ above the mean"), reason!("M↓ not above the mean")),
        m.spend,
    );
    Rfm { r, f, m: mm, segment: Classed::new(segment, seg_reason), rfm8: Classed::new(class, rfm8_reason) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::testkit::day;
    use crate::domain::Money;

    #[test]
    fn grid_gives_every_pair_exactly_one_segment() {
        use RfmSegment::*;
        let expected = [
            [NewCustomers, PotentialLoyalist, PotentialLoyalist, Champions, Champions],
            [Promising, PotentialLoyalist, PotentialLoyalist, Loyal, Loyal],
            [AboutToSleep, AboutToSleep, NeedAttention, Loyal, Loyal],
            [Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
            [Hibernating, Hibernating, AtRisk, AtRisk, CantLoseThem],
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (row, r) in (1..=5).rev().enumerate() {
            for f in 1..=5u8 {
                assert_eq!(segment_for(r, f), expected[row][usize::from(f) - 1], "R{r} F{f}");
                seen.insert(segment_for(r, f));
            }
        }
        assert_eq!(seen.len(), RfmSegment::ALL.len(), "every segment is reachable");
    }

    #[test]
    fn rfm8_mapping() {
        assert_eq!(Rfm8::from_highs(true, true, true).label(), "important value");
        assert_eq!(Rfm8::from_highs(true, false, true).label(), "important to develop");
        assert_eq!(Rfm8::from_highs(false, true, true).label(), "important to keep");
        assert_eq!(Rfm8::from_highs(false, false, true).label(), "important to win back");
        assert_eq!(Rfm8::from_highs(false, false, false).label(), "general to win back");
        assert_eq!(Rfm8::from_highs(true, true, false).label(), "general value");
    }

    fn pop_of(ms: &[Metrics]) -> Population {
        let mut p = Population::default();
        ms.iter().enumerate().for_each(|(i, m)| p.add(i as u64, m));
        p
    }

    #[test]
    fn scores_and_mean_split_over_a_small_population() {
        let today = day(2024, 6, 30);
        let m = |ago: u64, count: u32, spend: i64| Metrics {
            last: today - chrono::Days::new(ago),
            count,
            spend: Money::units(spend),
        };
        let ms = [m(0, 10, 1000), m(10, 8, 800), m(20, 6, 600), m(30, 4, 400), m(40, 2, 200)];
        let pop = pop_of(&ms);
        let best = rfm(&ms[0], &pop, today);
        assert_eq!((best.r, best.f, best.m, best.segment.class), (5, 5, 5, RfmSegment::Champions));
        assert_eq!(best.rfm8.class, Rfm8::ImportantValue);
        let worst = rfm(&ms[4], &pop, today);
        assert_eq!((worst.r, worst.f, worst.m, worst.segment.class), (1, 1, 1, RfmSegment::Hibernating));
        assert_eq!(worst.rfm8.class, Rfm8::GeneralRetain);
        // The middle customer sits exactly at every mean: recent (R at the mean counts as
        // recent), F and M not above the mean.
        assert_eq!(rfm(&ms[2], &pop, today).rfm8.class, Rfm8::GeneralDevelop);
    }

    #[test]
    fn a_lone_buyer_is_a_new_customer() {
        let today = day(2024, 6, 30);
        let only = Metrics { last: today, count: 1, spend: Money(500) };
        let x = rfm(&only, &pop_of(&[only]), today);
        assert_eq!((x.r, x.f, x.m, x.segment.class), (5, 1, 1, RfmSegment::NewCustomers));
        assert_eq!(x.rfm8.class, Rfm8::GeneralDevelop);
    }
}
