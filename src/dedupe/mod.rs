//! Likely duplicate customers: found by blocking on phone, email and name keys instead of
//! comparing every pair, kept up to date one customer at a time, and merged with
//! [`merged_fields`] and [`Store::merge`](crate::store::Store::merge).
//!
//! The rule itself (what counts as evidence, what contradicts it) is documented in [`judge`].

mod choice;
mod idset;
pub mod judge;
mod normalise;

pub use choice::{FORMER_REFS, Field, FieldChoice, Side, merged_fields};
pub use judge::{CROWD, Reason};
pub use normalise::{Script, normalise_name, osa_distance};

use crate::domain::Customer;
use idset::IdSet;
use judge::{Crowded, Profile, Verdict};
use normalise::deletion_keys;
use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Two customers that are likely one person. `a < b`; the reasons read from `a`'s side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicatePair {
    pub a: u64,
    pub b: u64,
    /// How sure, 1..=100: 90+ is near certain, under 20 is a household sharing a phone.
    pub score: u32,
    /// The pair shares a phone but looks like two people of one household.
    pub household: bool,
    pub reasons: Vec<Reason>,
}

/// A blocking key: customers sharing one are compared, and nobody else is.
/// Customers one near key (a name one edit away) may hold before it is no evidence.
const NEAR_CROWD: usize = 3 * CROWD;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Phone(String),
    Email(String),
    /// The normalised name.
    Name(String),
    /// One key of a name's deletion neighbourhood (see [`deletion_keys`]).
    Near(String),
}

impl Key {
    /// How many customers may share this key before it stops counting as evidence (see
    /// [`CROWD`]). Near keys (one edit from a name) get more room, since a typo is rarer than a
    /// shared phone; but not unlimited: at a million customers one common Latin name's
    /// neighbourhood held thousands, and judging each of them against each made building the
    /// index take minutes.
    fn crowd(&self) -> usize {
        match self {
            Key::Near(_) => NEAR_CROWD,
            _ => CROWD,
        }
    }

    /// The key's bucket: SipHash with fixed keys, so that the same key always lands in the same
    /// bucket.
    fn hash64(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}

/// The blocking keys of a customer.
fn keys_of(p: &Profile) -> Vec<Key> {
    let mut keys = Vec::new();
    keys.extend(p.phone.as_deref().map(|x| Key::Phone(x.into())));
    keys.extend(p.email.as_deref().map(|x| Key::Email(x.into())));
    if p.exact_name_counts() {
        keys.push(Key::Name(p.norm.to_string()));
    }
    if p.near_name_counts() {
        keys.extend(deletion_keys(&p.norm).into_iter().map(Key::Near));
    }
    keys
}

/// Likely duplicates among a set of customers, updated per customer as they change.
///
/// Every pair is judged only against customers sharing a key, so building over n customers
/// costs about n × (keys per customer) × (customers per key), not n².
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DuplicateIndex {
    profiles: HashMap<u64, Profile>,
    /// Customers by a 64-bit hash of each key they have: the keys themselves (strings, five or
    /// more per customer) would double the index's memory, and a hash collision only adds a
    /// candidate that `judge` then turns down.
    buckets: HashMap<u64, IdSet>,
    /// Every flagged pair by (smaller id, larger id).
    pairs: BTreeMap<(u64, u64), Verdict>,
    /// For each customer, the others it is paired with.
    partners: HashMap<u64, IdSet>,
    /// Pairs an operator marked as two different people: judged as usual, never shown.
    dismissed: BTreeSet<(u64, u64)>,
}

impl DuplicateIndex {
    /// An empty index.
    pub fn new() -> DuplicateIndex {
        DuplicateIndex::default()
    }

    /// The index over `customers` (a later customer with the same id replaces an earlier one).
    pub fn build<C: Borrow<Customer>>(customers: impl IntoIterator<Item = C>) -> DuplicateIndex {
        let mut index = DuplicateIndex::unjudged(customers);
        index.judge_all();
        index
    }

    /// The customers' keys, with no pair judged yet: [`DuplicateIndex::judge_all`] finishes it.
    /// Split so that a loader can index customers as they stream in and stop before judging.
    pub fn unjudged<C: Borrow<Customer>>(customers: impl IntoIterator<Item = C>) -> DuplicateIndex {
        let mut index = DuplicateIndex::new();
        for c in customers {
            index.insert_profile(Profile::of(c.borrow()), &mut BTreeSet::new());
        }
        index
    }

    /// Judges every pair sharing a key: once, now that everyone is in and crowds are known.
    pub fn judge_all(&mut self) {
        let ids: Vec<u64> = self.profiles.keys().copied().collect();
        for id in ids {
            self.rejudge(id, true);
        }
    }

    /// How many customers the index holds.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Whether the index holds no customer.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Adds a customer, or takes in the changes of one already indexed.
    pub fn upsert(&mut self, c: &Customer) {
        let mut affected = BTreeSet::new();
        self.remove_profile(c.id, &mut affected);
        self.insert_profile(Profile::of(c), &mut affected);
        affected.insert(c.id);
        for id in affected {
            self.rejudge(id, false);
        }
    }

    /// Forgets a customer (deleted, or merged into another); unknown ids are ignored.
    pub fn remove(&mut self, id: u64) {
        let mut affected = BTreeSet::new();
        self.remove_profile(id, &mut affected);
        affected.insert(id);
        for other in affected {
            self.rejudge(other, false);
        }
    }

    /// Marks `a` and `b` as two different people (`not`), or takes the mark back.
    pub fn dismiss(&mut self, a: u64, b: u64, not: bool) {
        if not {
            self.dismissed.insert(ordered(a, b));
        } else {
            self.dismissed.remove(&ordered(a, b));
        }
    }

    /// Whether `a` and `b` were marked as two different people.
    pub fn is_dismissed(&self, a: u64, b: u64) -> bool {
        self.dismissed.contains(&ordered(a, b))
    }

    /// Every likely duplicate pair, surest first (ties by ids).
    pub fn pairs(&self) -> Vec<DuplicatePair> {
        let mut out: Vec<DuplicatePair> = self
            .pairs
            .iter()
            .filter(|(k, _)| !self.dismissed.contains(k))
            .map(|(&(a, b), v)| DuplicatePair {
                a,
                b,
                score: v.score,
                household: v.household,
                reasons: v.reasons.clone(),
            })
            .collect();
        out.sort_by(|x, y| y.score.cmp(&x.score).then((x.a, x.b).cmp(&(y.a, y.b))));
        out
    }

    /// The customers `id` may duplicate, surest first, with the reasons read from `id`'s side.
    pub fn of(&self, id: u64) -> Vec<(u64, Vec<Reason>)> {
        let Some(partners) = self.partners.get(&id) else { return Vec::new() };
        let mut out: Vec<(u32, u64, Vec<Reason>)> = partners
            .iter()
            .filter(|&&other| !self.is_dismissed(id, other))
            .filter_map(|&other| {
                let v = self.pairs.get(&ordered(id, other))?;
                let reasons = if id < other {
                    v.reasons.clone()
                } else {
                    v.reasons.iter().map(Reason::flipped).collect()
                };
                Some((v.score, other, reasons))
            })
            .collect();
        out.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        out.into_iter().map(|(_, other, reasons)| (other, reasons)).collect()
    }

    /// The indexed customers that `c` (new, or a changed version of one indexed) would be a
    /// likely duplicate of, surest first, with the reasons read from `c`'s side; the index is
    /// not changed (a form asks before saving).
    pub fn matches(&self, c: &Customer) -> Vec<(u64, Vec<Reason>)> {
        let p = Profile::of(c);
        let mut candidates = BTreeSet::new();
        for key in keys_of(&p) {
            // A key `c` would crowd is no evidence either: count `c` in.
            let crowd = self.buckets.get(&key.hash64()).map_or(0, |b| b.len() + 1);
            if crowd > key.crowd() {
                continue;
            }
            if let Some(bucket) = self.buckets.get(&key.hash64()) {
                candidates.extend(bucket.iter().copied().filter(|&o| o != c.id));
            }
        }
        let mut found: Vec<(u32, u64, Vec<Reason>)> = candidates
            .into_iter()
            .filter(|&o| !self.is_dismissed(c.id, o))
            .filter_map(|o| {
                let q = self.profiles.get(&o)?;
                let crowded = Crowded {
                    phone: p.phone.as_deref().is_some_and(|x| self.crowded(&Key::Phone(x.into()))),
                    email: p.email.as_deref().is_some_and(|x| self.crowded(&Key::Email(x.into()))),
                    name: self.crowded(&Key::Name(p.norm.to_string()))
                        || self.crowded(&Key::Name(q.norm.to_string())),
                };
                let v = judge::judge(&p, q, crowded)?;
                Some((v.score, o, v.reasons))
            })
            .collect();
        found.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
        found.into_iter().map(|(_, o, r)| (o, r)).collect()
    }

    /// Adds a profile to its buckets; customers of a bucket that just became crowded go to
    /// `affected`, since pairs made through that key no longer count.
    fn insert_profile(&mut self, p: Profile, affected: &mut BTreeSet<u64>) {
        if self.profiles.contains_key(&p.id) {
            self.remove_profile(p.id, affected);
        }
        for key in keys_of(&p) {
            let bucket = self.buckets.entry(key.hash64()).or_default();
            bucket.insert(p.id);
            if bucket.len() == key.crowd() + 1 {
                affected.extend(bucket.iter().copied());
            }
        }
        self.profiles.insert(p.id, p);
    }

    /// Takes a profile out of its buckets and drops its pairs; customers of a bucket that is no
    /// longer crowded go to `affected`, since that key counts again.
    fn remove_profile(&mut self, id: u64, affected: &mut BTreeSet<u64>) {
        let Some(p) = self.profiles.remove(&id) else { return };
        for key in keys_of(&p) {
            if let Some(bucket) = self.buckets.get_mut(&key.hash64()) {
                bucket.remove(&id);
                if bucket.len() == key.crowd() {
                    affected.extend(bucket.iter().copied());
                }
                if bucket.is_empty() {
                    self.buckets.remove(&key.hash64());
                }
            }
        }
        self.drop_pairs(id);
    }

    /// Forgets every pair `id` is in.
    fn drop_pairs(&mut self, id: u64) {
        for other in self.partners.remove(&id).unwrap_or_default().iter().copied() {
            self.pairs.remove(&ordered(id, other));
            if let Some(set) = self.partners.get_mut(&other) {
                set.remove(&id);
                if set.is_empty() {
                    self.partners.remove(&other);
                }
            }
        }
    }

    /// Whether `key` is shared by too many customers to count.
    fn crowded(&self, key: &Key) -> bool {
        self.buckets.get(&key.hash64()).is_some_and(|b| b.len() > key.crowd())
    }

    /// Judges `id` afresh against every customer sharing an uncrowded key with it. With
    /// `higher_only`, only partners with larger ids are judged (a full build visits everyone).
    fn rejudge(&mut self, id: u64, higher_only: bool) {
        if !higher_only {
            self.drop_pairs(id);
        }
        let Some(p) = self.profiles.get(&id) else { return };
        let mut candidates = BTreeSet::new();
        for key in keys_of(p) {
            if self.crowded(&key) {
                continue;
            }
            if let Some(bucket) = self.buckets.get(&key.hash64()) {
                candidates.extend(bucket.iter().copied().filter(|&o| o != id && (!higher_only || o > id)));
            }
        }
        let mut found = Vec::new();
        for other in candidates {
            let Some(q) = self.profiles.get(&other) else { continue };
            let (a, b) = if id < other { (p, q) } else { (q, p) };
            let crowded = Crowded {
                phone: a.phone.as_deref().is_some_and(|x| self.crowded(&Key::Phone(x.into()))),
                email: a.email.as_deref().is_some_and(|x| self.crowded(&Key::Email(x.into()))),
                name: self.crowded(&Key::Name(a.norm.to_string()))
                    || self.crowded(&Key::Name(b.norm.to_string())),
            };
            if let Some(v) = judge::judge(a, b, crowded) {
                found.push((other, v));
            }
        }
        for (other, v) in found {
            self.pairs.insert(ordered(id, other), v);
            self.partners.entry(id).or_default().insert(other);
            self.partners.entry(other).or_default().insert(id);
        }
    }
}

/// A pair's key: the smaller id first.
fn ordered(x: u64, y: u64) -> (u64, u64) {
    if x < y { (x, y) } else { (y, x) }
}
