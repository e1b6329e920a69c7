//! Population figures that RFM and advocacy compare a customer against, kept up to date one
//! customer at a time.
//!
//! Each RFM metric is a sorted list of (value, id) (in blocks, see [`Sorted`]) with a running sum: an edit is a binary-search
//! remove and insert, the quintile cuts are four index reads, the mean is sum / n. Because the
//! ids sit next to the values, the customers whose value lies between an old and a new boundary
//! — the only ones whose score can change — are one range read away.

use super::sorted::Sorted;
use super::summary::Metrics;
use std::collections::HashMap;

/// One metric over all buying customers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metric {
    entries: Sorted,
    sum: i128,
    /// The quintile cuts of `entries`, kept: every classification reads them, and finding the
    /// k-th value walks the blocks.
    cuts: Option<[i64; 4]>,
    /// How many values are counted: `entries.len()`, or for a frozen metric (see
    /// [`Metric::frozen`]) the count it was kept with.
    n: usize,
}

/// What scores and means are decided by, kept with the shop's segment counts: a metric without
/// its values (see [`Metric::frozen`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub cuts: Option<[i64; 4]>,
    pub sum: i128,
    pub n: usize,
}

/// The boundaries of a metric that scores depend on; a change means some customers rescore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    cuts: Option<[i64; 4]>,
    /// floor(sum / n), the integer that "above the mean" is decided against.
    floor_mean: Option<i64>,
}

impl Metric {
    /// A metric over many values at once: one sort instead of one insert each (start-up).
    pub fn from_entries(entries: Vec<(i64, u64)>) -> Metric {
        let entries = Sorted::from_vec(entries);
        let sum = entries.iter().map(|e| i128::from(e.0)).sum();
        let n = entries.len();
        let mut m = Metric { entries, sum, cuts: None, n };
        m.cuts = m.find_cuts();
        m
    }

    /// A metric that answers scores and means as one with these figures did, holding no values:
    /// for classifying one customer against a kept population. Nothing may be added to it.
    pub fn frozen(f: Figures) -> Metric {
        Metric { entries: Sorted::default(), sum: f.sum, cuts: f.cuts, n: f.n }
    }

    /// The figures scores and means are decided by.
    pub fn figures(&self) -> Figures {
        Figures { cuts: self.cuts, sum: self.sum, n: self.n }
    }

    /// Adds a customer's value.
    pub fn insert(&mut self, value: i64, id: u64) {
        debug_assert!(!(self.entries.is_empty() && self.n > 0), "a frozen metric cannot be edited");
        if self.entries.insert((value, id)) {
            self.n += 1;
            self.sum += i128::from(value);
            self.cuts = self.find_cuts();
        }
    }

    /// Removes a customer's value; returns whether it was there.
    pub fn remove(&mut self, value: i64, id: u64) -> bool {
        let removed = self.entries.remove(&(value, id));
        if removed {
            self.n -= 1;
            self.sum -= i128::from(value);
            self.cuts = self.find_cuts();
        }
        removed
    }

    /// Number of customers counted.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether no customer is counted.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The quintile cuts: c_k is the ⌈n·k/5⌉-th smallest value (k = 1..4).
    pub fn cuts(&self) -> Option<[i64; 4]> {
        self.cuts
    }

    fn find_cuts(&self) -> Option<[i64; 4]> {
        let n = self.entries.len();
        if n == 0 {
            return None;
        }
        Some([1, 2, 3, 4].map(|k| self.entries.get((n * k).div_ceil(5) - 1).map_or(0, |e| e.0)))
    }

    /// The score 1–5: one plus the number of cuts the value strictly exceeds, so equal values
    /// always share a score and a value must beat a boundary to move up.
    pub fn score(&self, value: i64) -> u8 {
        match self.cuts() {
            None => 1,
            Some(cuts) => 1 + cuts.iter().filter(|c| value > **c).count() as u8,
        }
    }

    /// Whether the value is strictly above the mean (exact: value × n > sum).
    pub fn above_mean(&self, value: i64) -> bool {
        i128::from(value) * self.n as i128 > self.sum
    }

    /// The mean, for reasons and reports.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// What the scores of everyone else depend on.
    pub fn bounds(&self) -> Bounds {
        let n = self.n as i128;
        let floor_mean = (n > 0).then(|| self.sum.div_euclid(n) as i64);
        Bounds { cuts: self.cuts(), floor_mean }
    }

    /// The ids of customers whose score or mean side differs between `old` and `new` bounds:
    /// a score counts cuts strictly exceeded and "above the mean" is value ≥ floor(mean) + 1,
    /// so in both cases a boundary moving from a to b flips exactly the values in (min, max].
    pub fn affected(&self, old: Bounds, new: Bounds) -> Vec<u64> {
        if old == new {
            return Vec::new();
        }
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        match (old.cuts, new.cuts) {
            (Some(a), Some(b)) => {
                ranges.extend(a.iter().zip(&b).filter(|(x, y)| x != y).map(|(x, y)| (*x.min(y), *x.max(y))));
            }
            (None, None) => {}
            _ => return self.entries.iter().map(|e| e.1).collect(),
        }
        match (old.floor_mean, new.floor_mean) {
            (Some(a), Some(b)) if a != b => ranges.push((a.min(b), a.max(b))),
            (Some(_), Some(_)) | (None, None) => {}
            _ => return self.entries.iter().map(|e| e.1).collect(),
        }
        let mut ids = Vec::new();
        for (lo, hi) in ranges {
            ids.extend(self.entries.above(lo).take_while(|e| e.0 <= hi).map(|e| e.1));
        }
        ids
    }
}

/// What scores, means and referral counts are decided by: the R, F, M figures and every
/// referrer's count, by id (see [`Population::figures`]).
pub type PopulationFigures = ([Figures; 3], Vec<(u64, u32)>);

/// The population the relative dimensions are measured against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Population {
    /// Minus the day number of the last purchase: it orders like days since the last purchase
    /// (larger is older) yet does not move as days pass, so edits never shift other customers.
    pub recency: Metric,
    /// Number of purchases, all history to today.
    pub frequency: Metric,
    /// Total spend in minor units, all history to today.
    pub monetary: Metric,
    /// How many customers name each id as their referrer.
    referrals: HashMap<u64, u32>,
}

/// The three metric values of a buying customer.
pub fn values(m: &Metrics) -> [i64; 3] {
    use chrono::Datelike;
    [-i64::from(m.last.num_days_from_ce()), i64::from(m.count), m.spend.0]
}

impl Population {
    /// The metrics, in R, F, M order.
    pub fn metrics(&self) -> [&Metric; 3] {
        [&self.recency, &self.frequency, &self.monetary]
    }

    fn metrics_mut(&mut self) -> [&mut Metric; 3] {
        [&mut self.recency, &mut self.frequency, &mut self.monetary]
    }

    /// The population of many buying customers at once, for start-up: inserting one by one
    /// would move the sorted vectors n times (seconds at 100,000 customers).
    pub fn from_buyers(buyers: impl IntoIterator<Item = (u64, Metrics)>) -> Population {
        let mut columns: [Vec<(i64, u64)>; 3] = Default::default();
        for (id, m) in buyers {
            for (col, v) in columns.iter_mut().zip(values(&m)) {
                col.push((v, id));
            }
        }
        let [r, f, m] = columns.map(Metric::from_entries);
        Population { recency: r, frequency: f, monetary: m, referrals: HashMap::new() }
    }

    /// Counts a buying customer.
    pub fn add(&mut self, id: u64, m: &Metrics) {
        for (metric, v) in self.metrics_mut().into_iter().zip(values(m)) {
            metric.insert(v, id);
        }
    }

    /// Stops counting a buying customer.
    pub fn subtract(&mut self, id: u64, m: &Metrics) {
        for (metric, v) in self.metrics_mut().into_iter().zip(values(m)) {
            metric.remove(v, id);
        }
    }

    /// Counts `referrer` as having brought in one more customer.
    pub fn add_referral(&mut self, referrer: u64) {
        *self.referrals.entry(referrer).or_default() += 1;
    }

    /// Takes back one referral of `referrer`.
    pub fn subtract_referral(&mut self, referrer: u64) {
        if let Some(n) = self.referrals.get_mut(&referrer) {
            *n -= 1;
            if *n == 0 {
                self.referrals.remove(&referrer);
            }
        }
    }

    /// How many customers `id` has referred.
    pub fn referred_by(&self, id: u64) -> u32 {
        self.referrals.get(&id).copied().unwrap_or(0)
    }

    /// What scores, means and referral counts are decided by: the R, F, M figures and every
    /// referrer's count, by id.
    pub fn figures(&self) -> PopulationFigures {
        let mut referrals: Vec<(u64, u32)> = self.referrals.iter().map(|(id, n)| (*id, *n)).collect();
        referrals.sort_unstable();
        (self.metrics().map(Metric::figures), referrals)
    }

    /// A population that classifies one customer as one with these figures did, holding no
    /// values (see [`Metric::frozen`]); nobody may be added to it.
    pub fn frozen(metrics: [Figures; 3], referrals: &[(u64, u32)]) -> Population {
        let [r, f, m] = metrics.map(Metric::frozen);
        Population { recency: r, frequency: f, monetary: m, referrals: referrals.iter().copied().collect() }
    }

    /// The bounds of all three metrics.
    pub fn bounds(&self) -> [Bounds; 3] {
        self.metrics().map(Metric::bounds)
    }

    /// Customers whose RFM scores or RFM-8 class may have changed since `old`.
    pub fn affected(&self, old: [Bounds; 3]) -> Vec<u64> {
        let mut ids: Vec<u64> =
            self.metrics().iter().zip(old).flat_map(|(m, o)| m.affected(o, m.bounds())).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

#[cfg(test)]
mod bulk_tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn bulk_build_equals_one_by_one() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2024, 1, d).expect("date");
        let buyers: Vec<(u64, Metrics)> = (1..=28u64)
            .map(|i| {
                (
                    i,
                    Metrics {
                        last: day((i * 7 % 28 + 1) as u32),
                        count: (i % 5 + 1) as u32,
                        spend: crate::domain::Money((i * 37 % 11) as i64),
                    },
                )
            })
            .collect();
        let mut one = Population::default();
        for (id, m) in &buyers {
            one.add(*id, m);
        }
        assert_eq!(Population::from_buyers(buyers.clone()), one);
        // Frozen from its figures, it decides every score, side and mean as the full one does.
        one.add_referral(3);
        one.add_referral(3);
        one.add_referral(9);
        let (figures, referrals) = one.figures();
        let frozen = Population::frozen(figures, &referrals);
        for (_, m) in &buyers {
            for (full, kept) in one.metrics().iter().zip(frozen.metrics()) {
                let v = values(m);
                for x in v {
                    assert_eq!(full.score(x), kept.score(x));
                    assert_eq!(full.above_mean(x), kept.above_mean(x));
                }
                assert_eq!(full.mean(), kept.mean());
                assert_eq!(full.len(), kept.len());
                assert_eq!(full.bounds(), kept.bounds());
            }
        }
        assert_eq!([3, 9, 4].map(|id| frozen.referred_by(id)), [2, 1, 0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(values: &[i64]) -> Metric {
        let mut m = Metric::default();
        for (i, v) in values.iter().enumerate() {
            m.insert(*v, i as u64);
        }
        m
    }

    #[test]
    fn five_distinct_values_score_1_to_5() {
        let m = metric(&[50, 10, 40, 20, 30]);
        assert_eq!(m.cuts(), Some([10, 20, 30, 40]));
        assert_eq!([10, 20, 30, 40, 50].map(|v| m.score(v)), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn ties_share_the_lowest_score_of_their_block() {
        let m = metric(&[1, 1, 1, 1, 1, 1, 2, 2, 3, 9]);
        assert_eq!(m.cuts(), Some([1, 1, 1, 2]));
        assert_eq!([1, 2, 3, 9].map(|v| m.score(v)), [1, 4, 5, 5]);
        let all_same = metric(&[7; 6]);
        assert_eq!(all_same.score(7), 1);
        let one = metric(&[7]);
        assert_eq!(one.score(7), 1);
    }

    #[test]
    fn mean_split_is_exact() {
        let m = metric(&[1, 2, 3, 4]);
        assert!(!m.above_mean(2) && m.above_mean(3));
        let m = metric(&[1, 2, 3]);
        assert!(!m.above_mean(2) && m.above_mean(3));
    }

    #[test]
    fn remove_undoes_insert_and_affected_lists_the_range() {
        let mut m = metric(&[10, 20, 30, 40, 50]);
        let before = m.bounds();
        m.insert(35, 99);
        let mut hit = m.affected(before, m.bounds());
        hit.sort_unstable();
        hit.dedup();
        // Cuts 10,20,30,40 → 20,30,35,40 and floor(mean) 30 → 39: 40 keeps its score and side.
        assert_eq!(hit, vec![1, 2, 99]);
        assert!(m.remove(35, 99));
        assert!(!m.remove(35, 99));
        assert_eq!(m, metric(&[10, 20, 30, 40, 50]));
    }
}
