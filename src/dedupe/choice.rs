//! The record a merge keeps: per field, the survivor's value or the loser's.

use crate::domain::{AreaType, Customer, Gender, Source};
use std::collections::BTreeMap;

/// The custom field that keeps the member numbers of merged-away customers, so that an old card
/// can still be looked up by hand after the merge dropped its ref.
pub const FORMER_REFS: &str = "former_refs";

/// Which record a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    /// The survivor's value, or the loser's where the survivor's is empty.
    #[default]
    Auto,
    /// The survivor's value, even when empty.
    Survivor,
    /// The loser's value, even when empty.
    Loser,
}

/// A field a merge offers a choice for. Tags, custom fields, notes, points and dates are not
/// chosen: they are combined (see [`merged_fields`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Ref,
    Name,
    Phone,
    Email,
    Gender,
    Birthday,
    /// Province, city and area type together, so that a merge never pairs one's city with the
    /// other's province.
    Region,
    Source,
    Referrer,
    Contact,
}

impl Field {
    /// Every field, in form order.
    pub const ALL: &'static [Field] = &[
        Field::Ref,
        Field::Name,
        Field::Phone,
        Field::Email,
        Field::Gender,
        Field::Birthday,
        Field::Region,
        Field::Source,
        Field::Referrer,
        Field::Contact,
    ];
}

/// Per field, which side wins; a field not set is [`Side::Auto`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldChoice {
    sides: BTreeMap<Field, Side>,
}

impl FieldChoice {
    /// The choice with `field` taken from `side`.
    pub fn with(mut self, field: Field, side: Side) -> FieldChoice {
        self.set(field, side);
        self
    }

    /// Takes `field` from `side`.
    pub fn set(&mut self, field: Field, side: Side) {
        self.sides.insert(field, side);
    }

    /// Where `field` comes from.
    pub fn get(&self, field: Field) -> Side {
        self.sides.get(&field).copied().unwrap_or_default()
    }
}

/// The survivor as it will be after absorbing `loser`: chosen fields per `choice`; tags and
/// custom fields unioned (the survivor's value wins a custom key unless it is blank); notes
/// concatenated; redeemed points summed; `created` the earlier and `updated` the later. The id
/// and revision stay the survivor's, so [`Store::merge`](crate::store::Store::merge) can check it.
pub fn merged_fields(survivor: &Customer, loser: &Customer, choice: &FieldChoice) -> Customer {
    let mut m = survivor.clone();
    let pick = |field: Field, s_empty: bool| match choice.get(field) {
        Side::Auto => s_empty,
        Side::Survivor => false,
        Side::Loser => true,
    };
    if pick(Field::Ref, blank(&survivor.reference)) {
        m.reference = loser.reference.clone();
    }
    if pick(Field::Name, survivor.name.trim().is_empty()) {
        m.name = loser.name.clone();
    }
    if pick(Field::Phone, survivor.phone.is_none()) {
        m.phone = loser.phone.clone();
    }
    if pick(Field::Email, survivor.email.is_none()) {
        m.email = loser.email.clone();
    }
    if pick(Field::Gender, survivor.gender == Gender::Unknown) {
        m.gender = loser.gender;
    }
    if pick(Field::Birthday, survivor.birthday.is_none()) {
        m.birthday = loser.birthday;
    }
    let no_region = survivor.province.trim().is_empty()
        && survivor.city.trim().is_empty()
        && survivor.area == AreaType::Unknown;
    if pick(Field::Region, no_region) {
        m.province = loser.province.clone();
        m.city = loser.city.clone();
        m.area = loser.area;
    }
    if pick(Field::Source, survivor.source == Source::Unknown) {
        m.source = loser.source;
    }
    if pick(Field::Referrer, survivor.referrer.is_none()) {
        m.referrer = loser.referrer;
    }
    // A contact preference is never empty ("none" is a wish too), so Auto keeps the survivor's.
    if choice.get(Field::Contact) == Side::Loser {
        m.contact = loser.contact;
    }
    // Nobody refers themselves, and the loser is about to disappear.
    if m.referrer.is_some_and(|r| r == survivor.id || r == loser.id) {
        m.referrer = None;
    }

    for t in &loser.tags {
        if !m.tags.contains(t) {
            m.tags.push(t.clone());
        }
    }
    for (k, v) in &loser.custom {
        let slot = m.custom.entry(k.clone()).or_default();
        if slot.trim().is_empty() {
            slot.clone_from(v);
        }
    }
    keep_dropped_ref(&mut m, loser);
    merge_members(&mut m, loser);
    m.notes = join_notes(&survivor.notes, &loser.notes);
    m.points_redeemed = survivor.points_redeemed.saturating_add(loser.points_redeemed);
    m.created = survivor.created.min(loser.created);
    m.updated = survivor.updated.max(loser.updated);
    m
}

/// The member fields: per channel the answer given last stands (on the same day, a no beats
/// a yes: an opt-out is never lost to a merge); the child and stated traits fill in where the
/// survivor has none.
fn merge_members(m: &mut Customer, loser: &Customer) {
    use crate::domain::{Consent, ContactChannel, Education, Income};
    for ch in ContactChannel::ALL.iter().copied() {
        let (mine, theirs) = (*m.consent(ch), *loser.consent(ch));
        let later = match (mine.answer, theirs.answer) {
            (_, Consent::Unknown) => false,
            (Consent::Unknown, _) => true,
            _ => theirs.on > mine.on || (theirs.on == mine.on && theirs.answer == Consent::No),
        };
        if later {
            match ch {
                ContactChannel::Sms => m.consent_sms = theirs,
                ContactChannel::Wechat => m.consent_wechat = theirs,
                ContactChannel::Phone => m.consent_phone = theirs,
                ContactChannel::Email => m.consent_email = theirs,
            }
        }
    }
    m.child_birthday = m.child_birthday.or(loser.child_birthday);
    if m.income == Income::Unknown {
        m.income = loser.income;
    }
    if m.education == Education::Unknown {
        m.education = loser.education;
    }
    if m.occupation.trim().is_empty() {
        m.occupation.clone_from(&loser.occupation);
    }
}

/// Whether a ref is missing or blank.
fn blank(r: &Option<String>) -> bool {
    r.as_deref().is_none_or(|r| r.trim().is_empty())
}

/// Records the loser's ref under [`FORMER_REFS`] when the merged record does not keep it.
fn keep_dropped_ref(m: &mut Customer, loser: &Customer) {
    let Some(r) = loser.reference.as_deref().map(str::trim).filter(|r| !r.is_empty()) else { return };
    if m.reference.as_deref() == Some(r) {
        return;
    }
    let slot = m.custom.entry(FORMER_REFS.to_string()).or_default();
    if !slot.split(',').map(str::trim).any(|x| x == r) {
        if !slot.trim().is_empty() {
            slot.push_str(", ");
        }
        slot.push_str(r);
    }
}

/// Both notes, survivor's first, each once.
fn join_notes(s: &str, l: &str) -> String {
    let (s, l) = (s.trim_end(), l.trim());
    if l.is_empty() || s.contains(l) {
        s.to_string()
    } else if s.is_empty() {
        l.to_string()
    } else {
        format!("{s}\n{l}")
    }
}
