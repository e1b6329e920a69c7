//! A model of the records `kehu torture`'s edits leave, for the harnesses that interrupt it
//! (a kill, a full disk): replaying its acknowledged lines on what the database held before
//! says what must be there afterwards.

use std::collections::BTreeMap;

/// What a database holds, by id: customers (name, ref), purchases (owner, cents), interactions
/// (owner, text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    pub customers: BTreeMap<u64, (String, String)>,
    pub purchases: BTreeMap<u64, (u64, i64)>,
    pub interactions: BTreeMap<u64, (u64, String)>,
}

impl Records {
    /// Applies one acknowledged edit (`<kind> <step> <ids…>`, as `kehu torture` prints it).
    pub fn apply(&mut self, line: &str) -> Option<()> {
        let mut words = line.split_whitespace();
        let kind = words.next()?;
        let n: Vec<u64> = words.map(str::parse).collect::<Result<_, _>>().ok()?;
        let step = *n.first()?;
        let rename = |s: &mut Records, id: &u64, name: String| -> Option<()> {
            s.customers.get_mut(id)?.0 = name;
            Some(())
        };
        match (kind, &n[1..]) {
            ("add", [id]) => drop(self.customers.insert(*id, (format!("c{step}"), String::new()))),
            ("purchase", [c, id]) => drop(self.purchases.insert(*id, (*c, step as i64 * 100))),
            ("interaction", [c, id]) => drop(self.interactions.insert(*id, (*c, format!("i{step}")))),
            ("edit", [c]) => rename(self, c, format!("e{step}"))?,
            ("merge", [s, l]) => {
                let (_, loser_ref) = self.customers.remove(l)?;
                rename(self, s, format!("m{step}"))?;
                // The survivor keeps its ref, or takes the loser's when it had none.
                let survivor = self.customers.get_mut(s)?;
                if survivor.1.is_empty() {
                    survivor.1 = loser_ref;
                }
                self.purchases.values_mut().filter(|(o, _)| o == l).for_each(|(o, _)| *o = *s);
                self.interactions.values_mut().filter(|(o, _)| o == l).for_each(|(o, _)| *o = *s);
            }
            ("apply", [nc, np, ids @ ..]) if ids.len() as u64 == nc + np && *nc > 0 => {
                let (cs, ps) = ids.split_at(*nc as usize);
                for (k, id) in cs.iter().enumerate() {
                    self.customers.insert(*id, (format!("a{step}-{k}"), String::new()));
                }
                for (k, id) in ps.iter().enumerate() {
                    self.purchases.insert(*id, (cs[k % cs.len()], step as i64 * 100 + k as i64));
                }
            }
            _ => return None,
        }
        Some(())
    }

    /// Ids in `self` and not in `before`: customers, then purchases, then interactions (the
    /// order in which torture names the ids of one edit).
    pub fn new_ids(&self, before: &Records) -> Vec<u64> {
        let mut ids: Vec<u64> =
            self.customers.keys().filter(|k| !before.customers.contains_key(k)).copied().collect();
        ids.extend(self.purchases.keys().filter(|k| !before.purchases.contains_key(k)));
        ids.extend(self.interactions.keys().filter(|k| !before.interactions.contains_key(k)));
        ids
    }

    /// How many records of `self` are missing or different in `found` (names, not refs).
    pub fn lost_in(&self, found: &Records) -> usize {
        let c =
            self.customers.iter().filter(|(k, v)| found.customers.get(k).map(|f| &f.0) != Some(&v.0)).count();
        let p = self.purchases.iter().filter(|(k, v)| found.purchases.get(k) != Some(v)).count();
        let i = self.interactions.iter().filter(|(k, v)| found.interactions.get(k) != Some(v)).count();
        c + p + i
    }

    /// The same records, refs aside (torture's merges move refs in ways its lines do not say).
    pub fn same_records(&self, other: &Records) -> bool {
        let names = |s: &Records| s.customers.iter().map(|(k, v)| (*k, v.0.clone())).collect::<Vec<_>>();
        names(self) == names(other)
            && self.purchases == other.purchases
            && self.interactions == other.interactions
    }
}

/// Torture's output replayed on what the database held before it ran.
pub struct Replay {
    /// What every acknowledged edit leaves.
    pub expected: Records,
    /// Acknowledged edits (`ok …` lines).
    pub acked: usize,
    /// The edit tried last and never acknowledged (`try …`), if any: it may have landed whole.
    pub pending: Option<String>,
    /// Acknowledged lines the model cannot apply (a bug of the test or of torture's report).
    pub unreplayable: Vec<String>,
}

impl Replay {
    pub fn of(before: &Records, lines: &[String]) -> Replay {
        let mut r = Replay { expected: before.clone(), acked: 0, pending: None, unreplayable: Vec::new() };
        for line in lines {
            if let Some(t) = line.strip_prefix("try ") {
                r.pending = Some(t.to_string());
            } else if let Some(ok) = line.strip_prefix("ok ") {
                if r.expected.apply(ok).is_none() {
                    r.unreplayable.push(ok.to_string());
                }
                r.acked += 1;
                r.pending = None;
            }
        }
        r
    }

    /// Whether `found` is what the acknowledged edits and the edit in flight, landed whole with
    /// the ids that appeared, leave (refs aside).
    pub fn pending_landed_whole(&self, found: &Records) -> bool {
        let Some(p) = &self.pending else { return false };
        let ids: Vec<String> = found.new_ids(&self.expected).iter().map(u64::to_string).collect();
        let mut with = self.expected.clone();
        with.apply(&format!("{p} {}", ids.join(" "))).is_some() && with.same_records(found)
    }
}
