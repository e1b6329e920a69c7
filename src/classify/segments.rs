//! Segment counts: per dimension, how many customers and how much revenue each class holds, kept
//! by adding and subtracting one profile at a time.

use super::classes::Classes;
use super::{Activity, Advocacy, Engagement, Level, Lifecycle, PriceSensitivity, Rfm8, RfmSegment};
use super::{BirthdayMonth, ChildStage, FormulaStage, Satisfaction, Tier};
use crate::domain::{AreaType, Channel, ContactPref, Gender, Money, Source};
use crate::intern::Sym;
use crate::keyed_enum;
use serde::Serialize;
use std::collections::HashMap;

keyed_enum! {
    /// A dimension customers can be segmented by.
    Dimension {
        Frequency => "frequency", Value => "value", Activity => "activity", Lifecycle => "lifecycle",
        Rfm => "rfm", Rfm8 => "rfm8", Tier => "tier", PriceSensitivity => "price_sensitivity",
        TopCategory => "top_category", TopChannel => "top_channel", Satisfaction => "satisfaction",
        Advocacy => "advocacy", Engagement => "engagement", Region => "region", AreaType => "area_type",
        Source => "source", Contact => "contact", Tags => "tags", PAlive => "p_alive",
        // Demographics and life stage.
        Gender => "gender", AgeBand => "age_band", BirthdayMonth => "birthday_month",
        ChildStage => "child_stage", FormulaStage => "formula_stage", Income => "income",
        Education => "education", Occupation => "occupation",
        // Chains.
        Branch => "branch",
    }
}

keyed_enum! {
    /// P(alive) in three bands, for segments: ≥ 0.8, 0.5–0.8, < 0.5.
    AliveBucket { High => "high", Medium => "medium", Low => "low", Unknown => "unknown", None => "none" }
}

impl AliveBucket {
    /// The band of a customer's P(alive); `unknown` for a buyer while no model is fitted.
    pub fn of(purchases: u32, p_alive: Option<f64>) -> AliveBucket {
        match p_alive {
            _ if purchases == 0 => AliveBucket::None,
            None => AliveBucket::Unknown,
            Some(a) if a >= 0.8 => AliveBucket::High,
            Some(a) if a >= 0.5 => AliveBucket::Medium,
            Some(_) => AliveBucket::Low,
        }
    }

    /// The name to show.
    pub fn label(self) -> &'static str {
        match self {
            AliveBucket::High => "≥ 0.8",
            AliveBucket::Medium => "0.5–0.8",
            AliveBucket::Low => "< 0.5",
            AliveBucket::Unknown => "no model yet",
            AliveBucket::None => "no purchases",
        }
    }
}

/// The class of customers without a purchase in RFM, RFM-8 and top channel.
pub const NO_PURCHASE: &str = "none";
/// The class of customers with no recorded value in an open dimension (region, category, tags).
pub const NOT_RECORDED: &str = "(none)";

/// One class of a dimension, with its share of customers and of all-time revenue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRow {
    /// The stable key, e.g. `champions`.
    pub class: String,
    /// The name to show, e.g. `Champions` or `important value`; the key where there is no other name.
    pub label: String,
    pub count: u64,
    pub share: f64,
    pub revenue: Money,
    pub revenue_share: f64,
}

fn keys<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| key(*v)).collect()
}

impl Dimension {
    /// The classes of a dimension with a fixed class set, in their stable order; None when the
    /// classes are whatever was recorded.
    pub fn fixed_classes(self) -> Option<Vec<&'static str>> {
        let mut v = match self {
            Dimension::Frequency | Dimension::Value => keys(Level::ALL, Level::key),
            Dimension::Activity => keys(Activity::ALL, Activity::key),
            Dimension::Lifecycle => keys(Lifecycle::ALL, Lifecycle::key),
            Dimension::Rfm => keys(RfmSegment::ALL, RfmSegment::key),
            Dimension::Rfm8 => keys(Rfm8::ALL, Rfm8::key),
            Dimension::Tier => keys(Tier::ALL, Tier::key),
            Dimension::PriceSensitivity => keys(PriceSensitivity::ALL, PriceSensitivity::key),
            Dimension::TopChannel => keys(Channel::ALL, Channel::key),
            Dimension::Satisfaction => keys(Satisfaction::ALL, Satisfaction::key),
            Dimension::Advocacy => keys(Advocacy::ALL, Advocacy::key),
            Dimension::Engagement => keys(Engagement::ALL, Engagement::key),
            Dimension::AreaType => keys(AreaType::ALL, AreaType::key),
            Dimension::Source => keys(Source::ALL, Source::key),
            Dimension::Contact => keys(ContactPref::ALL, ContactPref::key),
            Dimension::PAlive => keys(AliveBucket::ALL, AliveBucket::key),
            Dimension::Gender => keys(Gender::ALL, Gender::key),
            Dimension::BirthdayMonth => keys(BirthdayMonth::ALL, BirthdayMonth::key),
            Dimension::ChildStage => keys(ChildStage::ALL, ChildStage::key),
            Dimension::FormulaStage => keys(FormulaStage::ALL, FormulaStage::key),
            // Age bands are the rules' own; stated fields are whatever was recorded.
            Dimension::AgeBand | Dimension::Income | Dimension::Education | Dimension::Occupation => {
                return None;
            }
            Dimension::TopCategory | Dimension::Region | Dimension::Tags | Dimension::Branch => return None,
        };
        if matches!(self, Dimension::Rfm | Dimension::Rfm8 | Dimension::TopChannel) {
            v.push(NO_PURCHASE);
        }
        Some(v)
    }

    /// The classes a customer belongs to in this dimension (several only for tags).
    pub fn classes_of(self, c: &Classes) -> Vec<&'static str> {
        let mut v = Vec::new();
        self.each_class(c, |k| v.push(k));
        v
    }

    /// Calls `f` with each class a customer belongs to in this dimension, without allocating.
    pub fn each_class(self, c: &Classes, mut f: impl FnMut(&'static str)) {
        let open = |s: Sym| if s.is_empty() { NOT_RECORDED } else { s.as_str() };
        let rfm = |side: fn(&(RfmSegment, Rfm8)) -> &'static str| c.rfm.as_ref().map_or(NO_PURCHASE, side);
        f(match self {
            Dimension::Frequency => c.frequency.key(),
            Dimension::Value => c.value.key(),
            Dimension::Activity => c.activity.key(),
            Dimension::Lifecycle => c.lifecycle.key(),
            Dimension::Rfm => rfm(|r| r.0.key()),
            Dimension::Rfm8 => rfm(|r| r.1.key()),
            Dimension::Tier => c.tier.key(),
            Dimension::PriceSensitivity => c.price_sensitivity.key(),
            Dimension::TopCategory => open(c.top_category.unwrap_or_default()),
            Dimension::TopChannel => c.top_channel.map_or(NO_PURCHASE, Channel::key),
            Dimension::Satisfaction => c.satisfaction.key(),
            Dimension::Advocacy => c.advocacy.key(),
            Dimension::Engagement => c.engagement.key(),
            Dimension::Region => open(c.province),
            Dimension::AreaType => c.area.key(),
            Dimension::Source => c.source.key(),
            Dimension::Contact => c.contact.key(),
            Dimension::Tags if c.tags.is_empty() => NOT_RECORDED,
            Dimension::Tags => {
                c.tags.iter().for_each(|t| f(t.as_str()));
                return;
            }
            Dimension::PAlive => c.alive_bucket().key(),
            Dimension::Gender => c.gender.key(),
            Dimension::AgeBand => c.age_band,
            Dimension::BirthdayMonth => c.birthday_month.key(),
            Dimension::ChildStage => c.child_stage.key(),
            Dimension::FormulaStage => c.formula_stage.key(),
            Dimension::Income => c.income.map_or(NOT_RECORDED, open),
            Dimension::Education => c.education.map_or(NOT_RECORDED, open),
            Dimension::Occupation => c.occupation.map_or(NOT_RECORDED, open),
            Dimension::Branch => open(c.branch),
        })
    }

    /// The name to show for a class key of this dimension.
    pub fn label(self, class: &str) -> String {
        let named = match self {
            Dimension::Rfm => class.parse::<RfmSegment>().ok().map(|s| s.label()),
            Dimension::Rfm8 => class.parse::<Rfm8>().ok().map(|s| s.label()),
            Dimension::PAlive => class.parse::<AliveBucket>().ok().map(|s| s.label()),
            Dimension::BirthdayMonth => class.parse::<BirthdayMonth>().ok().map(|s| s.label()),
            Dimension::ChildStage => class.parse::<ChildStage>().ok().map(|s| s.label()),
            Dimension::FormulaStage => class.parse::<FormulaStage>().ok().map(|s| s.label()),
            Dimension::AgeBand => return super::band_label(class),
            _ => None,
        };
        named.unwrap_or(class).to_string()
    }
}

/// Count and revenue of one class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    count: u64,
    revenue: Money,
}

/// Counts per class for every dimension, over the whole shop and per home branch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    all: Counts,
    /// The same counts per home branch (the empty branch too), for a branch's own view.
    branches: HashMap<Sym, Counts>,
}

impl Tallies {
    /// Counts a customer in every dimension.
    pub fn add(&mut self, c: &Classes) {
        self.all.add(c);
        self.branches.entry(c.branch).or_default().add(c);
    }

    /// Takes a customer out of every dimension; classes left empty are dropped.
    pub fn subtract(&mut self, c: &Classes) {
        self.all.subtract(c);
        if let Some(b) = self.branches.get_mut(&c.branch) {
            b.subtract(c);
            if b.customers == 0 {
                self.branches.remove(&c.branch);
            }
        }
    }

    /// Moves customer `c` from one class of a single-valued dimension (not tags) to another,
    /// without touching the other dimensions.
    pub fn shift(&mut self, c: &Classes, dim: Dimension, from: &'static str, to: &'static str) {
        self.all.shift(dim, from, to, c.spend_total);
        if let Some(b) = self.branches.get_mut(&c.branch) {
            b.shift(dim, from, to, c.spend_total);
        }
    }

    /// The rows of a dimension over the whole shop (`branch` None) or over the customers whose
    /// home branch is `branch`.
    pub fn rows(&self, dim: Dimension, branch: Option<Sym>) -> Vec<SegmentRow> {
        match branch {
            None => self.all.rows(dim),
            Some(b) => self.branches.get(&b).unwrap_or(&Counts::default()).rows(dim),
        }
    }
}

/// Counts per class for every dimension, of one set of customers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Counts {
    by: HashMap<(Dimension, &'static str), Tally>,
    customers: u64,
    revenue: Money,
}

impl Counts {
    /// Counts a customer in every dimension.
    fn add(&mut self, c: &Classes) {
        self.customers += 1;
        self.revenue += c.spend_total;
        for dim in Dimension::ALL {
            dim.each_class(c, |class| {
                let t = self.by.entry((*dim, class)).or_default();
                t.count += 1;
                t.revenue += c.spend_total;
            });
        }
    }

    /// Takes a customer out of every dimension; classes left empty are dropped.
    fn subtract(&mut self, c: &Classes) {
        self.customers = self.customers.saturating_sub(1);
        self.revenue = self.revenue - c.spend_total;
        for dim in Dimension::ALL {
            dim.each_class(c, |class| {
                let key = (*dim, class);
                if let Some(t) = self.by.get_mut(&key) {
                    t.count = t.count.saturating_sub(1);
                    t.revenue = t.revenue - c.spend_total;
                    if t.count == 0 {
                        self.by.remove(&key);
                    }
                }
            });
        }
    }

    /// Moves one customer from one class of a dimension to another (a single-valued dimension:
    /// not tags), without touching the other dimensions.
    fn shift(&mut self, dim: Dimension, from: &'static str, to: &'static str, revenue: Money) {
        if let Some(t) = self.by.get_mut(&(dim, from)) {
            t.count = t.count.saturating_sub(1);
            t.revenue = t.revenue - revenue;
            if t.count == 0 {
                self.by.remove(&(dim, from));
            }
        }
        let t = self.by.entry((dim, to)).or_default();
        t.count += 1;
        t.revenue += revenue;
    }

    /// The rows of a dimension: fixed classes in their order (empty ones included), recorded
    /// classes by count, most first, then by name.
    fn rows(&self, dim: Dimension) -> Vec<SegmentRow> {
        let classes: Vec<&'static str> = match dim.fixed_classes() {
            Some(fixed) => fixed,
            None => {
                let mut open: Vec<(&'static str, u64)> =
                    self.by.iter().filter(|((d, _), _)| *d == dim).map(|((_, c), t)| (*c, t.count)).collect();
                if dim == Dimension::AgeBand {
                    // Bands read youngest first, whatever their counts.
                    open.sort_by_key(|(c, _)| (super::band_rank(c), *c));
                } else {
                    open.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
                }
                open.into_iter().map(|(c, _)| c).collect()
            }
        };
        classes.into_iter().map(|class| self.row(dim, class)).collect()
    }

    fn row(&self, dim: Dimension, class: &'static str) -> SegmentRow {
        let t = self.by.get(&(dim, class)).copied().unwrap_or_default();
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        SegmentRow {
            label: dim.label(class),
            class: class.to_string(),
            count: t.count,
            share: ratio(t.count as f64, self.customers as f64),
            revenue: t.revenue,
            revenue_share: ratio(t.revenue.0 as f64, self.revenue.0 as f64),
        }
    }
}
