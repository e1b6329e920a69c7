//! The rule that decides whether two customers are likely the same person, and why.
//!
//! Evidence, with its weight in the score (capped at 100):
//! - same email, case-insensitive: 50;
//! - same phone: 40, or 15 when the pair looks like a household — names not alike and either
//!   two different member numbers or one referred the other;
//! - same name after normalisation ([`normalise_name`](super::normalise_name)): 45, for hanzi
//!   names of 2+ characters and other names of 4+;
//! - near-identical name: 30 — for non-hanzi names of 5+ characters, one edit (insert, delete,
//!   substitute, or swap two neighbours); for hanzi names only three-character names with the
//!   same surname differing in one given-name character, and only when the pair also shares a
//!   phone or email (a one-character difference between two hanzi names is usually two people).
//!
//! A name match alone is dropped when the records contradict it: both have phones and they
//! differ, both have emails and they differ, both have birthdays and they differ, both have a
//! known gender and it differs, or one referred the other. So two 王伟 with different phones
//! are NOT flagged: 王伟 is one of the commonest names in China, and a customer who changed
//! number is found by staff more cheaply than a flood of false pairs is dismissed. A phone,
//! email or normalised name shared by more than [`CROWD`] customers is no evidence at all: it is
//! a placeholder (13800138000) or a very common name ("Emma Chen"), and would otherwise list
//! thousands of pairs in a big shop; names one edit from a crowded name do not count either.

use super::normalise::{Script, osa_distance};
use crate::domain::{Customer, Gender};
use chrono::NaiveDate;
use std::fmt;

/// More customers than this sharing one phone, email or exact name make it no evidence.
pub const CROWD: usize = 10;

/// Why two customers look like the same person, in words for the detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Both have this phone number.
    SamePhone(String),
    /// Both have this email address (compared case-insensitively).
    SameEmail(String),
    /// The names are equal after normalisation (as each customer writes it).
    SameName(String, String),
    /// The names differ by one character (as each customer writes it).
    SimilarName(String, String),
    /// The shared phone looks like a household's rather than one person's.
    Household,
}

impl Reason {
    /// The same reason seen from the other customer's side (names swapped).
    pub fn flipped(&self) -> Reason {
        match self {
            Reason::SameName(a, b) => Reason::SameName(b.clone(), a.clone()),
            Reason::SimilarName(a, b) => Reason::SimilarName(b.clone(), a.clone()),
            r => r.clone(),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::SamePhone(p) => write!(f, "same phone {p}"),
            Reason::SameEmail(e) => write!(f, "same email {e}"),
            Reason::SameName(a, b) if a == b => write!(f, "same name '{a}'"),
            Reason::SameName(a, b) => write!(f, "same name: '{a}' = '{b}'"),
            Reason::SimilarName(a, b) => write!(f, "name '{a}' ≈ '{b}'"),
            Reason::Household => {
                f.write_str("different names and member numbers: probably a household sharing one phone")
            }
        }
    }
}

/// What of a customer the rule looks at, precomputed once per customer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    pub id: u64,
    // Boxed strings: a profile per customer is kept, and a Box<str> is 8 bytes smaller.
    pub name: Box<str>,
    pub norm: Box<str>,
    pub script: Script,
    pub phone: Option<Box<str>>,
    pub email: Option<Box<str>>,
    pub reference: Option<Box<str>>,
    pub referrer: Option<u64>,
    pub birthday: Option<NaiveDate>,
    pub gender: Gender,
}

impl Profile {
    /// The profile of `c`.
    pub fn of(c: &Customer) -> Profile {
        let norm = super::normalise::normalise_name(&c.name);
        Profile {
            id: c.id,
            name: c.name.trim().into(),
            script: super::normalise::script(&norm),
            norm: norm.into(),
            phone: c.phone.as_ref().map(|p| p.as_str().into()),
            email: c.email.as_ref().map(|e| e.as_str().to_lowercase().into()),
            reference: c.reference.as_deref().filter(|r| !r.trim().is_empty()).map(Into::into),
            referrer: c.referrer,
            birthday: c.birthday,
            gender: c.gender,
        }
    }

    /// Whether an exact match of this name is evidence (long enough to mean something).
    pub fn exact_name_counts(&self) -> bool {
        let len = self.norm.chars().count();
        match self.script {
            Script::Hanzi => len >= 2,
            Script::Other => len >= 4,
        }
    }

    /// Whether one edit away from this name is still evidence (a non-hanzi name of 5+ chars).
    pub fn near_name_counts(&self) -> bool {
        self.script == Script::Other && self.norm.chars().count() >= 5
    }

    /// Whether this is a three-character hanzi name (surname and two given-name characters).
    pub fn three_hanzi(&self) -> bool {
        self.script == Script::Hanzi && self.norm.chars().count() == 3
    }
}

/// Which shared keys are too crowded to count (see [`CROWD`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Crowded {
    pub phone: bool,
    pub email: bool,
    /// Either customer's normalised name is crowded.
    pub name: bool,
}

/// The verdict on a pair: its score (higher is surer), whether it looks like a household, and
/// the reasons from the first customer's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub score: u32,
    pub household: bool,
    pub reasons: Vec<Reason>,
}

/// Judges a pair; `None` when nothing suggests they are one person.
pub(crate) fn judge(a: &Profile, b: &Profile, crowded: Crowded) -> Option<Verdict> {
    let shared = |x: &Option<Box<str>>, y: &Option<Box<str>>| x.is_some() && x == y;
    let differ = |x: &Option<Box<str>>, y: &Option<Box<str>>| x.is_some() && y.is_some() && x != y;
    let same_phone = !crowded.phone && shared(&a.phone, &b.phone);
    let same_email = !crowded.email && shared(&a.email, &b.email);
    let contact = same_phone || same_email;
    let related = a.referrer == Some(b.id) || b.referrer == Some(a.id);
    let known = |g: Gender| matches!(g, Gender::Female | Gender::Male);
    let contradicted = related
        || differ(&a.phone, &b.phone)
        || differ(&a.email, &b.email)
        || matches!((a.birthday, b.birthday), (Some(x), Some(y)) if x != y)
        || (known(a.gender) && known(b.gender) && a.gender != b.gender);

    let name = name_reason(a, b, crowded, contact).filter(|_| contact || !contradicted);
    let household = same_phone
        && !same_email
        && name.is_none()
        && (related || matches!((&a.reference, &b.reference), (Some(x), Some(y)) if x != y));

    let mut score = 0;
    let mut reasons = Vec::new();
    if same_email {
        score += 50;
        reasons.push(Reason::SameEmail(a.email.as_deref().unwrap_or_default().to_string()));
    }
    if same_phone {
        score += if household { 15 } else { 40 };
        reasons.push(Reason::SamePhone(a.phone.as_deref().unwrap_or_default().to_string()));
    }
    if let Some(r) = name {
        score += if matches!(r, Reason::SameName(..)) { 45 } else { 30 };
        reasons.push(r);
    }
    if household {
        reasons.push(Reason::Household);
    }
    (!reasons.is_empty()).then(|| Verdict { score: score.min(100), household, reasons })
}

/// The name evidence of a pair, before contradictions are weighed.
fn name_reason(a: &Profile, b: &Profile, crowded: Crowded, contact: bool) -> Option<Reason> {
    let names = || (a.name.to_string(), b.name.to_string());
    if a.norm == b.norm {
        let counts = !crowded.name && a.exact_name_counts();
        return counts.then(|| {
            let (x, y) = names();
            Reason::SameName(x, y)
        });
    }
    if crowded.name {
        return None;
    }
    let near_latin = a.near_name_counts() && b.near_name_counts() && osa_distance(&a.norm, &b.norm, 1) == 1;
    // Only a shared contact makes these candidates at all: no name index is needed for them.
    let near_hanzi =
        contact && a.three_hanzi() && b.three_hanzi() && one_given_char_differs(&a.norm, &b.norm);
    (near_latin || near_hanzi).then(|| {
        let (x, y) = names();
        Reason::SimilarName(x, y)
    })
}

/// Whether two three-character hanzi names share the surname and one given-name character in
/// place (王秀英 / 王秀华; not 王秀英 / 王英秀, nor 王秀英 / 李秀英).
fn one_given_char_differs(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    a.len() == 3 && b.len() == 3 && a[0] == b[0] && a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1
}
