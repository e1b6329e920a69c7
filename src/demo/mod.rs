//! A deterministic synthetic shop for demos, tests and benchmarks.
//!
//! A mother-and-baby shop in Guangzhou with a few years of history: customers follow one of the
//! buying behaviours of [`Persona`] (weights in [`MIX`]), so that every class of every dimension
//! is populated. Everything is a function of [`DemoSpec`] alone — the seed, "today"
//! and the first id — never of the clock, so a shop can be regenerated bit for bit.

mod accounts;
mod contacts;
mod fill;
mod members;
mod names;
mod personas;
mod profile;
pub mod rng;

pub use fill::{fill_store, fill_store_with};
pub use personas::{MIX, Persona};

use crate::domain::{Complaint, Customer, Email, Interaction, Money, Phone, Purchase, Rating, Source};
use crate::store::ChangeSet;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use personas::{Buy, CATEGORIES};
use rng::Rng;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::convert::Infallible;

/// Most customers a demo shop takes. Two million is a large chain's worth and several GB on
/// disk (about 1.7 kB of database and 0.7 kB of journal a customer); more would only fill the
/// disk of whoever mistyped a figure.
pub const MAX_CUSTOMERS: u64 = 2_000_000;

/// Trailing-365-day spend from which the demo expects silver (¥2,000): the persona mix is tuned
/// so that all three tiers are populated if the classifier's thresholds are near these.
pub const SILVER_SPEND: Money = Money::units(2_000);
/// Trailing-365-day spend from which the demo expects gold (¥8,000); see [`SILVER_SPEND`].
pub const GOLD_SPEND: Money = Money::units(8_000);

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSpec {
    /// How many customers.
    pub customers: u64,
    /// The seed: the same spec always gives the same records.
    pub seed: u64,
    /// The day the shop's history ends; no record is dated later.
    pub today: NaiveDate,
    /// The first id; customers, purchases and interactions share one sequence from here.
    pub first_id: u64,
}

impl DemoSpec {
    /// A spec whose ids start at 1 (an empty database).
    pub fn new(customers: u64, seed: u64, today: NaiveDate) -> DemoSpec {
        DemoSpec { customers, seed, today, first_id: 1 }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoStats {
    /// Customers generated.
    pub customers: u64,
    /// Purchases generated.
    pub purchases: u64,
    /// Interactions generated.
    pub interactions: u64,
    /// One past the last id used: the caller reserves `first_id..next_id` in the store.
    pub next_id: u64,
}

/// Generates the shop of `spec`, handing it to `sink` in change sets of `chunk` customers (the
/// last one smaller; 0 counts as 1) with all their purchases and interactions.
///
/// Ids run from `spec.first_id` in order: a customer, their purchases (oldest first), their
/// interactions (oldest first), then the next customer. Referrers are always earlier customers.
/// The records do not depend on `chunk`. Stops at the first error of `sink` and returns it.
pub fn generate<E>(
    spec: &DemoSpec,
    chunk: usize,
    sink: &mut dyn FnMut(ChangeSet) -> Result<(), E>,
) -> Result<DemoStats, E> {
    let chunk = chunk.max(1);
    let per_set = usize::try_from(spec.customers).unwrap_or(usize::MAX).min(chunk).min(1 << 16);
    let fresh = || ChangeSet {
        customers: Vec::with_capacity(per_set),
        purchases: Vec::with_capacity(per_set * 11),
        interactions: Vec::with_capacity(per_set * 4),
        ledger: Vec::new(),
    };
    let mut shop = Shop::new(spec);
    let mut stats = DemoStats::default();
    let mut set = fresh();
    for index in 0..spec.customers {
        shop.customer(index, &mut set);
        if set.customers.len() >= chunk || index + 1 == spec.customers {
            stats.customers += set.customers.len() as u64;
            stats.purchases += set.purchases.len() as u64;
            stats.interactions += set.interactions.len() as u64;
            let next = if index + 1 == spec.customers { ChangeSet::default() } else { fresh() };
            sink(std::mem::replace(&mut set, next))?;
        }
    }
    stats.next_id = shop.next_id;
    Ok(stats)
}

/// The whole shop of `spec` as one change set, for tests and small demos.
pub fn generate_all(spec: &DemoSpec) -> (ChangeSet, DemoStats) {
    let mut all = ChangeSet::default();
    let Ok(stats) = generate::<Infallible>(spec, usize::MAX, &mut |set| {
        all = set;
        Ok(())
    });
    (all, stats)
}

/// The demo shop as histories (each customer with their records, in id order), as the
/// console and the classifier take them — for tests and benchmarks that need no store.
pub fn histories(spec: &DemoSpec) -> Vec<crate::domain::History> {
    let (set, _) = generate_all(spec);
    let mut by: std::collections::BTreeMap<u64, crate::domain::History> = set
        .customers
        .into_iter()
        .map(|c| {
            (
                c.id,
                crate::domain::History {
                    customer: c,
                    purchases: vec![],
                    interactions: vec![],
                    ledger: Vec::new(),
                },
            )
        })
        .collect();
    for p in set.purchases {
        if let Some(h) = by.get_mut(&p.customer) {
            h.purchases.push(p);
        }
    }
    for i in set.interactions {
        if let Some(h) = by.get_mut(&i.customer) {
            h.interactions.push(i);
        }
    }
    for h in by.values_mut() {
        let id = h.customer.id;
        let given: Vec<_> = set.ledger.iter().filter(|e| e.customer == id).cloned().collect();
        h.ledger = accounts::ledger_of(&h.purchases, &given);
    }
    by.into_values().collect()
}

/// The generator's state across customers: what later customers need of earlier ones.
struct Shop<'s> {
    spec: &'s DemoSpec,
    next_id: u64,
    /// Customer id by index, for referrers.
    ids: Vec<u64>,
    /// Days before today each customer joined, so that nobody is referred by a later customer.
    since: Vec<u32>,
    /// Indexes of customers likely to refer others: word of mouth comes from a few fans.
    advocates: Vec<usize>,
    buys: Vec<Buy>,
    contacts: Vec<contacts::Contact>,
}

impl<'s> Shop<'s> {
    fn new(spec: &'s DemoSpec) -> Shop<'s> {
        let n = usize::try_from(spec.customers).unwrap_or(usize::MAX).min(1 << 24);
        Shop {
            spec,
            next_id: spec.first_id,
            ids: Vec::with_capacity(n),
            since: Vec::with_capacity(n),
            advocates: Vec::new(),
            buys: Vec::with_capacity(128),
            contacts: Vec::with_capacity(32),
        }
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The day `ago` days before today (the earliest representable day for absurd inputs).
    fn day(&self, ago: u32) -> NaiveDate {
        self.spec.today.checked_sub_days(Days::new(u64::from(ago))).unwrap_or(NaiveDate::MIN)
    }

    /// A timestamp `secs` seconds into the day `ago` days before today.
    fn stamp(&self, ago: u32, secs: u32) -> DateTime<Utc> {
        let day = self.day(ago).and_time(NaiveTime::MIN);
        day.checked_add_signed(TimeDelta::seconds(i64::from(secs))).unwrap_or(day).and_utc()
    }

    /// Appends customer number `index` (from 0), their purchases and interactions to `set`.
    fn customer(&mut self, index: u64, set: &mut ChangeSet) {
        let spec = self.spec;
        let mut rng = Rng::stream(spec.seed, index);
        let persona = personas::pick(&mut rng);
        let plan = personas::plan(persona, &mut rng, spec.today, &mut self.buys);
        // Oldest first; the sort is stable, so ties keep their (deterministic) drawing order.
        self.buys.sort_by_key(|b| Reverse(b.ago));
        let person = names::person(&mut rng);
        let id = self.take_id();

        let mut source = profile::source(&mut rng, persona);
        let mut referrer = None;
        let mut phone_of = index;
        if source == Source::Referral {
            let found = (0..4).find_map(|_| {
                let j = if !self.advocates.is_empty() && rng.chance(850) {
                    self.advocates[rng.below(self.advocates.len() as u64) as usize]
                } else {
                    rng.below(index) as usize
                };
                (j < self.since.len() && self.since[j] >= plan.since).then_some(j)
            });
            match found {
                Some(j) => {
                    referrer = Some(self.ids[j]);
                    // Often a relative: the household shares one number.
                    if rng.chance(250) {
                        phone_of = j as u64;
                    }
                }
                None => source = Source::Organic,
            }
        } else if index > 0 && rng.chance(15) {
            phone_of = rng.below(index);
        }
        let phone =
            if rng.chance(40) { None } else { Phone::parse(&profile::mobile(spec.seed, phone_of)).ok() };
        let email = if rng.chance(if person.latin { 600 } else { 200 }) {
            Email::parse(&names::email(&mut rng, &person)).ok()
        } else {
            None
        };
        let reference = rng.chance(700).then(|| {
            // Older cards are printed "M" + 7 digits; the newer ones carry 8 plain digits.
            if rng.chance(800) { format!("M{id:07}") } else { format!("{:08}", 20_000_000 + id) }
        });
        let (province, city, area) = profile::region(&mut rng);
        let contact = profile::contact(&mut rng, email.is_some(), person.latin);
        let baby = persona == Persona::Steady || plan.favourite <= 1;
        let mut tags = Vec::new();
        profile::tags(&mut rng, persona, baby, &mut tags);
        let notes = profile::note(&mut rng).to_string();
        let custom = BTreeMap::new();
        // The child's birthday, drawn where it always was (kept as an own field before kehu
        // had one): the rest of the customer's stream stays as it was.
        let child = (persona == Persona::Steady && rng.chance(400))
            .then(|| self.day(plan.since.saturating_add(rng.range(30, 200))));
        let birthday = rng.chance(750).then(|| {
            let age = if baby { rng.range(23, 40) } else { rng.range(18, 70) } as i32;
            NaiveDate::from_ymd_opt(spec.today.year() - age, rng.range(1, 12), rng.range(1, 28))
        });
        let points_redeemed = if persona == Persona::HighSpender && rng.chance(400) {
            i64::from(rng.range(1, 30)) * 100
        } else {
            0
        };

        contacts::plan(&mut rng, persona, plan.since, &self.buys, &mut self.contacts);
        self.contacts.sort_by_key(|c| Reverse(c.ago));
        let created = self.stamp(plan.since, 9 * 3600 + 1800 + rng.range(0, 10 * 3600));
        let last =
            self.buys.last().map(|b| b.ago).into_iter().chain(self.contacts.last().map(|c| c.ago)).min();
        let updated = match last {
            Some(ago) => self.stamp(ago, 20 * 3600 + rng.range(0, 3 * 3600)).max(created),
            None => created,
        };

        let mut customer = Customer {
            id,
            reference,
            name: person.name,
            phone,
            email,
            gender: person.gender,
            birthday: birthday.flatten(),
            province: province.to_string(),
            city: city.to_string(),
            area,
            source,
            referrer,
            contact,
            tags,
            notes,
            custom,
            created,
            updated,
            points_redeemed,
            revision: 0,
            consent_sms: Default::default(),
            consent_wechat: Default::default(),
            consent_phone: Default::default(),
            consent_email: Default::default(),
            child_birthday: None,
            income: crate::domain::Income::Unknown,
            education: crate::domain::Education::Unknown,
            occupation: String::new(),
        };
        members::fill(&mut customer, spec.seed, index, spec.today, baby, child);
        set.customers.push(customer);
        let from = set.purchases.len();
        for i in 0..self.buys.len() {
            let b = self.buys[i];
            let p = Purchase {
                id: self.take_id(),
                customer: id,
                date: self.day(b.ago),
                amount: Money(b.amount),
                quantity: b.quantity,
                category: CATEGORIES[usize::from(b.category)].key.to_string(),
                channel: b.channel,
                promo: b.promo,
                refund_of: None,
                void: None,
                payment: Default::default(),
                points: 0,
                branch: String::new(),
            };
            set.purchases.push(p);
        }
        accounts::settle(spec.seed, index, &mut set.purchases[from..], &mut set.ledger);
        for i in 0..self.contacts.len() {
            let c = self.contacts[i];
            let date = self.day(c.ago);
            let x = Interaction {
                id: self.take_id(),
                customer: id,
                date,
                kind: c.kind,
                text: c.text.to_string(),
                rating: c.rating.and_then(|r| Rating::new(r).ok()),
                complaint: c.complaint.map(|(kind, severity, resolved)| Complaint {
                    kind,
                    severity,
                    resolved,
                    resolution: None,
                }),
                follow_up: c.follow_up.and_then(|d| date.checked_add_days(Days::new(u64::from(d)))),
                operator: c.operator.to_string(),
                outcome: Default::default(),
                void: None,
                branch: String::new(),
            };
            set.interactions.push(x);
        }

        let idx = self.ids.len();
        self.ids.push(id);
        self.since.push(plan.since);
        let fan = matches!(
            persona,
            Persona::Steady
                | Persona::HighSpender
                | Persona::Regular
                | Persona::PromoHunter
                | Persona::Seasonal
        );
        if fan && rng.chance(150) {
            self.advocates.push(idx);
        }
    }
}
