//! The `kept` tree: figures of the whole shop that a command would otherwise classify every
//! customer to get (see [`crate::classify::Segmented`]), in the envelope every record travels
//! in. Derived data, like the digests: not journaled, summed or backed up; a stamp says what
//! they hold for, and a kept entry that does not decode is as good as none.

use super::StoreResult;
use super::envelope::{At, Record, decode, encode, single_layout};
use super::kv::Kv;
use super::trees::TreeId;
use super::wire::{day_number, from_day_number};
use crate::classify::{Dimension, Figures, SegmentRow, Segmented, Stamp};
use crate::domain::Money;
use serde::{Deserialize, Serialize};

/// The key of the segment counts.
pub(crate) const SEGMENTS: &[u8] = b"segments";

/// One segment row as stored: class key, label, count, share, revenue in fen, revenue share.
type RowV1 = (String, String, u64, f64, i64, f64);

/// R, F, M as stored: the quintile cuts, the sum (as high and low halves: serde's i128 is not
/// in every format) and the count.
pub(crate) type MetricsV1 = [(Option<[i64; 4]>, i64, u64, u64); 3];

/// The R, F, M figures in their stored form.
pub(crate) fn metrics_v1(f: &[Figures; 3]) -> MetricsV1 {
    f.map(|f| (f.cuts, (f.sum >> 64) as i64, f.sum as u64, f.n as u64))
}

/// The R, F, M figures from their stored form.
pub(crate) fn figures_v1(w: MetricsV1) -> [Figures; 3] {
    w.map(|(cuts, high, low, n)| Figures {
        cuts,
        sum: (i128::from(high) << 64) | i128::from(low),
        n: usize::try_from(n).unwrap_or(usize::MAX),
    })
}

/// Segment counts as stored (layout 1). Never change it: add a layout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SegmentedV1 {
    change: u64,
    today: i32,
    rules: u64,
    customers: u64,
    /// Per dimension, by key: its rows.
    rows: Vec<(String, Vec<RowV1>)>,
    note: Option<String>,
    /// R, F, M: the quintile cuts, the sum (as high and low halves: serde's i128 is not in
    /// every format) and the count.
    metrics: MetricsV1,
    /// Referrer id and how many customers name them, by id.
    referrals: Vec<(u64, u32)>,
    with_model: bool,
}

impl Record for Segmented {
    const KIND: &'static str = "kept segment counts";
    type Wire = SegmentedV1;
    fn to_wire(&self) -> SegmentedV1 {
        SegmentedV1 {
            change: self.stamp.change,
            today: day_number(self.stamp.today),
            rules: self.stamp.rules,
            customers: self.customers,
            rows: self
                .rows
                .iter()
                .map(|(d, rows)| {
                    let rows = rows
                        .iter()
                        .map(|r| {
                            (r.class.clone(), r.label.clone(), r.count, r.share, r.revenue.0, r.revenue_share)
                        })
                        .collect();
                    (d.key().to_string(), rows)
                })
                .collect(),
            note: self.note.clone(),
            metrics: metrics_v1(&self.population.0),
            referrals: self.population.1.clone(),
            with_model: self.with_model,
        }
    }
    fn from_wire(w: SegmentedV1, _: At) -> Result<Segmented, String> {
        // Kept by another kehu with other dimensions: not these figures.
        let keys: Vec<&str> = w.rows.iter().map(|(k, _)| k.as_str()).collect();
        if keys != Dimension::ALL.iter().map(|d| d.key()).collect::<Vec<_>>() {
            return Err("kept segment counts of other dimensions".into());
        }
        let rows = w
            .rows
            .into_iter()
            .zip(Dimension::ALL)
            .map(|((_, rows), d)| {
                let rows = rows
                    .into_iter()
                    .map(|(class, label, count, share, revenue, revenue_share)| SegmentRow {
                        class,
                        label,
                        count,
                        share,
                        revenue: Money(revenue),
                        revenue_share,
                    })
                    .collect();
                (*d, rows)
            })
            .collect();
        let stamp = Stamp { change: w.change, today: from_day_number(w.today)?, rules: w.rules };
        let population = (figures_v1(w.metrics), w.referrals);
        Ok(Segmented {
            stamp,
            customers: w.customers,
            rows,
            note: w.note,
            population,
            with_model: w.with_model,
        })
    }
    single_layout!(SegmentedV1, "kept segment counts");
}

/// The kept segment counts, when there are any that read.
pub(crate) fn segments(kv: &dyn Kv) -> Option<Segmented> {
    let bytes = kv.value(TreeId::Kept, SEGMENTS).ok()??;
    decode(&bytes, At::customer(0)).ok()
}

/// Keeps `s` in place of any segment counts kept before.
pub(crate) fn keep_segments(kv: &dyn Kv, s: &Segmented) -> StoreResult<()> {
    kv.apply(vec![(TreeId::Kept, SEGMENTS.to_vec(), Some(encode(s, 0)?))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::{Classifier, Rules};
    use crate::store::test_support::day;

    fn counted() -> Segmented {
        let clf = Classifier::new(Rules::default(), day(3, 1));
        let mut s = Segmented::of(&clf, 7, Some("no predictions: too few buyers".into()));
        // Figures past 64 bits and below zero survive the halves they are stored in.
        s.population.0[0].sum = -(1i128 << 70) - 5;
        s.population.0[2] = crate::classify::Figures { cuts: Some([1, 2, 3, i64::MAX]), sum: 1 << 65, n: 3 };
        s.population.1 = vec![(4, 2), (u64::MAX, 1)];
        s
    }

    #[test]
    fn kept_counts_round_trip_and_damage_reads_as_none() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let trees = crate::store::trees::Trees::open(&db).unwrap();
        let tree = &trees[TreeId::Kept];
        assert!(segments(&trees).is_none());
        let s = counted();
        keep_segments(&trees, &s).unwrap();
        assert_eq!(segments(&trees), Some(s));
        let mut bytes = tree.get(SEGMENTS).unwrap().unwrap().to_vec();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        tree.insert(SEGMENTS, bytes).unwrap();
        assert!(segments(&trees).is_none(), "a kept entry whose checksum fails is none");
        tree.insert(SEGMENTS, &b"\x03garbage"[..]).unwrap();
        assert!(segments(&trees).is_none());
    }
}
