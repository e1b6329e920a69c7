//! Every customer's classes in the `kept` tree (see [`KeptClasses`]): a stamp entry and blocks
//! of [`BLOCK`] customers, each in the envelope every record travels in. Derived data, like the
//! digests and the segment counts: not journaled, summed or backed up, and anything that does
//! not read — a damaged block, a stamp of another layout, classes of another kehu whose class
//! sets differ — is as good as none (the reader classifies afresh).
//!
//! Beside them, the touched log: every commit writes, in its own transaction, one key per
//! customer it touched (`touched/` seq id), so that a reader finding the classes kept a few
//! changes ago catches up those customers only. The log is whole from the change [`SINCE`]
//! names: the digests' rebuild (see [`super::digests::ensure`]) restarts it, because whatever
//! makes the digests fall behind — a journal replay, a restore, a kehu that wrote without
//! them — may have written without the log too. Keeping classes prunes what they cover.

use super::StoreResult;
use super::envelope::{At, Record, decode, encode, single_layout};
use super::kept::{MetricsV1, figures_v1, metrics_v1};
use super::kv::{Kv, Put};
use super::trees::TreeId;
use super::txn::{Tx, TxResult};
use super::wire::{day_number, from_day_number};
use crate::classify::{
    Action, Activity, Advocacy, AliveBucket, BirthdayMonth, Buyer, ChannelHint, ChildStage, Classes,
    Engagement, FollowUp, FormulaStage, KeptClasses, Level, Lifecycle, Play, PopulationFigures,
    PriceSensitivity, Reason, Rfm8, RfmSegment, Satisfaction, Stamp, Steady, Tier,
};
use crate::domain::{AreaType, Channel, ContactPref, Gender, Money, Source};
use crate::intern::Sym;
use serde::{Deserialize, Serialize};

/// The key of the stamp; blocks follow under [`BLOCKS`] and their number.
const STAMP: &[u8] = b"classes";
/// The prefix of the block keys (then the block's number, 4 bytes big-endian).
const BLOCKS: &[u8] = b"classes/";
/// Customers per block: ~100 KB, far below the envelope's limit.
const BLOCK: usize = 1024;
/// The population the classes were decided by: under [`BLOCKS`], so that whoever keeps classes
/// anew (an older kehu too, which knows nothing of it) removes it with the blocks.
const POPULATION: &[u8] = b"classes/population";
/// The prefix of the touched log's keys (then the change's seq and the customer's id, 8 bytes
/// each, big-endian: byte order is change order).
const TOUCHED: &[u8] = b"touched/";
/// The key of the change from which on the touched log is whole (8 bytes, big-endian).
const SINCE: &[u8] = b"touched since";
/// A change touching more customers than this is logged as touching everyone ([`EVERYONE`]):
/// an import of thousands is cheaper to classify afresh than to catch up, and cheaper to save.
const WIDE: usize = 4096;
/// The id of a [`WIDE`] change's one log key.
const EVERYONE: u64 = u64::MAX;

/// The stamp as stored (layout 1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StampV1 {
    change: u64,
    today: i32,
    rules: u64,
    model: u64,
    /// [`schema`] of the kehu that kept them.
    schema: u64,
    customers: u64,
    blocks: u32,
}

/// What the stamp entry holds.
#[derive(Debug, Clone, PartialEq)]
struct Head {
    stamp: Stamp,
    model: u64,
    schema: u64,
    customers: u64,
    blocks: u32,
}

impl Record for Head {
    const KIND: &'static str = "kept classes";
    type Wire = StampV1;
    fn to_wire(&self) -> StampV1 {
        StampV1 {
            change: self.stamp.change,
            today: day_number(self.stamp.today),
            rules: self.stamp.rules,
            model: self.model,
            schema: self.schema,
            customers: self.customers,
            blocks: self.blocks,
        }
    }
    fn from_wire(w: StampV1, _: At) -> Result<Head, String> {
        let stamp = Stamp { change: w.change, today: from_day_number(w.today)?, rules: w.rules };
        Ok(Head { stamp, model: w.model, schema: w.schema, customers: w.customers, blocks: w.blocks })
    }
    single_layout!(StampV1, "kept classes");
}

/// The population figures of kept classes as stored (layout 1), with the change and day of
/// the classes they belong to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PopulationV1 {
    change: u64,
    today: i32,
    metrics: MetricsV1,
    referrals: Vec<(u64, u32)>,
}

/// The population of a [`KeptClasses`] with the change and day it was kept at.
#[derive(Debug, Clone, PartialEq)]
struct Population {
    change: u64,
    today: chrono::NaiveDate,
    figures: PopulationFigures,
}

impl Record for Population {
    const KIND: &'static str = "kept classes";
    type Wire = PopulationV1;
    fn to_wire(&self) -> PopulationV1 {
        PopulationV1 {
            change: self.change,
            today: day_number(self.today),
            metrics: metrics_v1(&self.figures.0),
            referrals: self.figures.1.clone(),
        }
    }
    fn from_wire(w: PopulationV1, _: At) -> Result<Population, String> {
        let figures = (figures_v1(w.metrics), w.referrals);
        Ok(Population { change: w.change, today: from_day_number(w.today)?, figures })
    }
    single_layout!(PopulationV1, "kept classes");
}

/// A follow-up as stored: play, text (string index), channel, priority, cadence, due, overdue.
type FollowUpV1 = (Play, u32, ChannelHint, u32, i64, i32, i64);

/// One customer's classes as stored (layout 1); strings are indexes into the block's table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ClassesV1 {
    id: u64,
    levels: (Level, Level),
    activity: Activity,
    lifecycle: Lifecycle,
    rfm: Option<(RfmSegment, Rfm8)>,
    tier: Tier,
    price_sensitivity: PriceSensitivity,
    top_category: Option<u32>,
    top_channel: Option<Channel>,
    satisfaction: Satisfaction,
    advocacy: Advocacy,
    engagement: Engagement,
    province: u32,
    area: AreaType,
    source: Source,
    contact: ContactPref,
    tags: Vec<u32>,
    /// Spend all time, spend in the last 365 days, stored value (fen).
    money: (i64, i64, i64),
    purchases: u32,
    last_purchase: Option<i32>,
    p_alive: Option<f64>,
    expected_90d: Option<f64>,
    action: Option<Play>,
    follow_up: Option<FollowUpV1>,
    gender: Gender,
    age_band: u32,
    birthday_month: BirthdayMonth,
    child_stage: ChildStage,
    formula_stage: FormulaStage,
    /// Income, education, occupation.
    stated: (Option<u32>, Option<u32>, Option<u32>),
    /// How long they hold: until (day), floating, and the buyer's first day, x and t_x.
    steady: (i32, bool, Option<(i32, u32, u32)>),
}

/// A block of customers as stored (layout 1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BlockV1 {
    strings: Vec<String>,
    customers: Vec<ClassesV1>,
}

/// A block of customers as stored (layout 2): layout 1 and each customer's home branch (an
/// index into the strings), in the same order. Never change it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BlockV2 {
    base: BlockV1,
    branches: Vec<u32>,
}

/// A block of customers' classes.
#[derive(Debug, Clone, PartialEq)]
struct Block(Vec<(u64, Classes, Steady)>);

/// The distinct strings of a block, named by index.
#[derive(Default)]
struct Strings(Vec<String>, std::collections::HashMap<&'static str, u32>);

impl Strings {
    fn at(&mut self, s: &'static str) -> u32 {
        *self.1.entry(s).or_insert_with(|| {
            self.0.push(s.to_string());
            (self.0.len() - 1) as u32
        })
    }
}

/// A string of the block's table back as a symbol; out of range is damage.
fn sym(strings: &[Sym], i: u32) -> Result<Sym, String> {
    strings.get(i as usize).copied().ok_or_else(|| "a string out of range".into())
}

fn classes_v1(t: &mut Strings, id: u64, c: &Classes, s: &Steady) -> ClassesV1 {
    let follow_up = c.follow_up.as_deref().map(|f| {
        let a = &f.action;
        let text = t.at(Sym::new(&a.text).as_str());
        (a.play, text, a.channel, a.priority, a.cadence_days, day_number(f.due), f.overdue_days)
    });
    let stated = |s: Option<Sym>| s.map(|s| s.as_str());
    ClassesV1 {
        id,
        levels: (c.frequency, c.value),
        activity: c.activity,
        lifecycle: c.lifecycle,
        rfm: c.rfm,
        tier: c.tier,
        price_sensitivity: c.price_sensitivity,
        top_category: c.top_category.map(|s| t.at(s.as_str())),
        top_channel: c.top_channel,
        satisfaction: c.satisfaction,
        advocacy: c.advocacy,
        engagement: c.engagement,
        province: t.at(c.province.as_str()),
        area: c.area,
        source: c.source,
        contact: c.contact,
        tags: c.tags.iter().map(|s| t.at(s.as_str())).collect(),
        money: (c.spend_total.0, c.spend_365.0, c.stored_value.0),
        purchases: c.purchases,
        last_purchase: c.last_purchase.map(day_number),
        p_alive: c.p_alive,
        expected_90d: c.expected_90d,
        action: c.action,
        follow_up,
        gender: c.gender,
        age_band: t.at(c.age_band),
        birthday_month: c.birthday_month,
        child_stage: c.child_stage,
        formula_stage: c.formula_stage,
        stated: (
            stated(c.income).map(|s| t.at(s)),
            stated(c.education).map(|s| t.at(s)),
            stated(c.occupation).map(|s| t.at(s)),
        ),
        steady: (day_number(s.until), s.floating, s.buyer.map(|b| (day_number(b.first), b.x, b.t_x))),
    }
}

fn from_v1(strings: &[Sym], w: ClassesV1) -> Result<(u64, Classes, Steady), String> {
    let day = from_day_number;
    let opt = |i: Option<u32>| i.map(|i| sym(strings, i)).transpose();
    let follow_up = match w.follow_up {
        Some((play, text, channel, priority, cadence_days, due, overdue_days)) => {
            let text = sym(strings, text)?.as_str().to_string();
            let action = Action { play, text, channel, priority, cadence_days, reason: Reason::default() };
            Some(Box::new(FollowUp { id: w.id, action, due: day(due)?, overdue_days }))
        }
        None => None,
    };
    let classes = Classes {
        frequency: w.levels.0,
        value: w.levels.1,
        activity: w.activity,
        lifecycle: w.lifecycle,
        rfm: w.rfm,
        tier: w.tier,
        price_sensitivity: w.price_sensitivity,
        top_category: opt(w.top_category)?,
        top_channel: w.top_channel,
        satisfaction: w.satisfaction,
        advocacy: w.advocacy,
        engagement: w.engagement,
        province: sym(strings, w.province)?,
        area: w.area,
        source: w.source,
        contact: w.contact,
        tags: w.tags.into_iter().map(|i| sym(strings, i)).collect::<Result<_, _>>()?,
        spend_total: Money(w.money.0),
        spend_365: Money(w.money.1),
        purchases: w.purchases,
        last_purchase: w.last_purchase.map(day).transpose()?,
        p_alive: w.p_alive,
        expected_90d: w.expected_90d,
        stored_value: Money(w.money.2),
        action: w.action,
        follow_up,
        gender: w.gender,
        age_band: sym(strings, w.age_band)?.as_str(),
        birthday_month: w.birthday_month,
        child_stage: w.child_stage,
        formula_stage: w.formula_stage,
        income: opt(w.stated.0)?,
        education: opt(w.stated.1)?,
        occupation: opt(w.stated.2)?,
        // Layout 1 had none; layout 2 sets it (see `BlockV2`).
        branch: Sym::default(),
    };
    let (until, floating, buyer) = w.steady;
    let buyer = match buyer {
        Some((first, x, t_x)) => Some(Buyer { first: day(first)?, x, t_x }),
        None => None,
    };
    Ok((w.id, classes, Steady { until: day(until)?, floating, buyer }))
}

impl Record for Block {
    const KIND: &'static str = "kept classes";
    type Wire = BlockV2;
    fn to_wire(&self) -> BlockV2 {
        let mut t = Strings::default();
        let customers = self.0.iter().map(|(id, c, s)| classes_v1(&mut t, *id, c, s)).collect();
        let branches = self.0.iter().map(|(_, c, _)| t.at(c.branch.as_str())).collect();
        BlockV2 { base: BlockV1 { strings: t.0, customers }, branches }
    }
    fn from_wire(w: BlockV2, _: At) -> Result<Block, String> {
        let strings: Vec<Sym> = w.base.strings.iter().map(|s| Sym::new(s)).collect();
        if w.branches.len() != w.base.customers.len() {
            return Err("a block's branches do not match its customers".into());
        }
        let one = |(c, b): (ClassesV1, u32)| {
            let (id, classes, steady) = from_v1(&strings, c)?;
            Ok((id, Classes { branch: sym(&strings, b)?, ..classes }, steady))
        };
        w.base.customers.into_iter().zip(w.branches).map(one).collect::<Result<_, String>>().map(Block)
    }
    // Blocks of layout 1 are never read: the schema names the layout (see `schema`).
    single_layout!(BlockV2, "kept classes");
}

/// A fingerprint of every class set the stored classes name by position (bincode writes an
/// enum as its variant's index): a kehu whose classes differ in number or order reads none.
pub(crate) fn schema() -> u64 {
    fn keys<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> String {
        all.iter().map(|v| key(*v)).collect::<Vec<_>>().join(",")
    }
    let text = [
        keys(Level::ALL, Level::key),
        keys(Activity::ALL, Activity::key),
        keys(Lifecycle::ALL, Lifecycle::key),
        keys(RfmSegment::ALL, RfmSegment::key),
        keys(Rfm8::ALL, Rfm8::key),
        keys(Tier::ALL, Tier::key),
        keys(PriceSensitivity::ALL, PriceSensitivity::key),
        keys(Channel::ALL, Channel::key),
        keys(Satisfaction::ALL, Satisfaction::key),
        keys(Advocacy::ALL, Advocacy::key),
        keys(Engagement::ALL, Engagement::key),
        keys(AreaType::ALL, AreaType::key),
        keys(Source::ALL, Source::key),
        keys(ContactPref::ALL, ContactPref::key),
        keys(Play::ALL, Play::key),
        keys(ChannelHint::ALL, ChannelHint::key),
        keys(Gender::ALL, Gender::key),
        keys(BirthdayMonth::ALL, BirthdayMonth::key),
        keys(ChildStage::ALL, ChildStage::key),
        keys(FormulaStage::ALL, FormulaStage::key),
        keys(AliveBucket::ALL, AliveBucket::key),
        // Layout 2 of the blocks: a kehu that keeps layout 1 reads none of them, and back.
        "blocks with branches".to_string(),
    ]
    .join(";");
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The tree everything here is kept in.
const KEPT: TreeId = TreeId::Kept;

/// Writes to the kept tree, applied together.
#[derive(Default)]
struct Batch(Vec<Put>);

impl Batch {
    fn insert(&mut self, key: impl AsRef<[u8]>, value: impl Into<Vec<u8>>) {
        self.0.push((KEPT, key.as_ref().to_vec(), Some(value.into())));
    }
    fn remove(&mut self, key: impl AsRef<[u8]>) {
        self.0.push((KEPT, key.as_ref().to_vec(), None));
    }
}

fn block_key(n: u32) -> Vec<u8> {
    [BLOCKS, &n.to_be_bytes()].concat()
}

/// The stamp and model mark of the kept classes, without reading them.
pub(crate) fn stamp(kv: &dyn Kv) -> Option<(Stamp, u64)> {
    let head: Head = decode(&kv.value(KEPT, STAMP).ok()??, At::customer(0)).ok()?;
    (head.schema == schema()).then_some((head.stamp, head.model))
}

/// The kept classes, when there are any that read whole, of this kehu's class sets.
pub(crate) fn read(kv: &dyn Kv) -> Option<KeptClasses> {
    let head: Head = decode(&kv.value(KEPT, STAMP).ok()??, At::customer(0)).ok()?;
    if head.schema != schema() {
        return None;
    }
    let mut entries = Vec::with_capacity(usize::try_from(head.customers).ok()?.min(1 << 24));
    for n in 0..head.blocks {
        let Block(part) = decode(&kv.value(KEPT, &block_key(n)).ok()??, At::customer(0)).ok()?;
        entries.extend(part);
    }
    // Figures of other classes (kept by an older kehu over newer ones) are none.
    let population = kv
        .value(KEPT, POPULATION)
        .ok()
        .flatten()
        .and_then(|v| decode::<Population>(&v, At::customer(0)).ok())
        .filter(|p| p.change == head.stamp.change && p.today == head.stamp.today)
        .map(|p| p.figures);
    (entries.len() as u64 == head.customers).then_some(KeptClasses {
        stamp: head.stamp,
        model: head.model,
        entries,
        population,
    })
}

/// Keeps `kept` in place of any classes kept before, in one batch (all or nothing).
pub(crate) fn keep(kv: &dyn Kv, kept: &KeptClasses) -> StoreResult<()> {
    let mut batch = Batch::default();
    for old in kv.prefix(KEPT, BLOCKS) {
        batch.remove(old?.0);
    }
    let mut blocks = 0u32;
    for part in kept.entries.chunks(BLOCK) {
        batch.insert(block_key(blocks), encode(&Block(part.to_vec()), 0)?);
        blocks += 1;
    }
    let head = Head {
        stamp: kept.stamp,
        model: kept.model,
        schema: schema(),
        customers: kept.entries.len() as u64,
        blocks,
    };
    batch.insert(STAMP, encode(&head, 0)?);
    if let Some(figures) = &kept.population {
        let p = Population { change: kept.stamp.change, today: kept.stamp.today, figures: figures.clone() };
        // Too many referrers for one envelope: kept without, taken up only as they are.
        if let Ok(bytes) = encode(&p, 0) {
            batch.insert(POPULATION, bytes);
        }
    }
    // The log up to their change is pruned; whole from there on if it was whole before.
    for covered in kv.range(KEPT, TOUCHED, Some(&touched_key(kept.stamp.change.saturating_add(1), 0)), false)
    {
        batch.remove(covered?.0);
    }
    if since(kv).is_some_and(|s| s <= kept.stamp.change) {
        batch.insert(SINCE, kept.stamp.change.to_be_bytes());
    }
    kv.apply(batch.0)
}

/// The change from which on the touched log is whole, if it is anywhere.
fn since(kv: &dyn Kv) -> Option<u64> {
    Some(u64::from_be_bytes(kv.value(KEPT, SINCE).ok()??.as_ref().try_into().ok()?))
}

fn touched_key(seq: u64, id: u64) -> Vec<u8> {
    [TOUCHED, &seq.to_be_bytes(), &id.to_be_bytes()].concat()
}

/// Inside commit `seq`'s transaction: logs the customers it touched.
pub(crate) fn log_touched(tx: &Tx, seq: u64, owners: &[u64]) -> TxResult<()> {
    use super::trees::TreeId;
    if owners.len() > WIDE {
        return tx.put_kept(TreeId::Kept, &touched_key(seq, EVERYONE), Some(Vec::new()));
    }
    for id in owners {
        tx.put_kept(TreeId::Kept, &touched_key(seq, *id), Some(Vec::new()))?;
    }
    Ok(())
}

/// Restarts the touched log at change `seq`: nothing before it can be caught up.
pub(crate) fn restart_log(kv: &dyn Kv, seq: u64) -> StoreResult<()> {
    let mut batch = Batch::default();
    for old in kv.prefix(KEPT, TOUCHED) {
        batch.remove(old?.0);
    }
    batch.insert(SINCE, seq.to_be_bytes());
    kv.apply(batch.0)
}

/// The customers touched by the changes after `change`, when the log is whole from there and
/// none of them was [`WIDE`]; at most `limit` of them (more: `None`, classify afresh).
pub(crate) fn touched_after(kv: &dyn Kv, change: u64, limit: usize) -> Option<Vec<u64>> {
    if since(kv)? > change {
        return None;
    }
    let mut ids = Vec::new();
    let from = touched_key(change.checked_add(1)?, 0);
    for item in kv.range(KEPT, &from, None, false) {
        let key = item.ok()?.0;
        let Some(rest) = key.strip_prefix(TOUCHED) else { break };
        let id = u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?);
        if rest.len() != 16 || id == EVERYONE || ids.len() == limit {
            return None;
        }
        ids.push(id);
    }
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

#[cfg(test)]
#[path = "kept_classes_tests.rs"]
mod tests;
