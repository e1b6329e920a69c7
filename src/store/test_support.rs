//! Proptest strategies and fixtures for the store's tests.

use crate::domain::{
    AreaType, Channel, ChannelConsent, Complaint, ComplaintType, Consent, ConsentSource, ContactPref,
    Customer, Education, Email, Gender, Income, Interaction, InteractionKind, Money, Outcome, Phone,
    Purchase, Rating, Resolution, Severity, Source, Void,
};
use chrono::{DateTime, NaiveDate, Utc};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;

/// Any date from 1900 to about 2100.
pub fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..73_000).prop_map(|d| NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(d as u64))
}

/// Any UTC timestamp from 1970 to about 2100, with nanoseconds.
pub fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000_000).prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

/// Any valid mobile number.
pub fn phone() -> impl Strategy<Value = Phone> {
    "1[3-9][0-9]{9}".prop_map(|s| Phone::parse(&s).unwrap())
}

/// Any simple valid email address.
pub fn email() -> impl Strategy<Value = Email> {
    "[a-z0-9.]{1,8}@[a-z]{1,8}\\.(com|cn)".prop_map(|s| Email::parse(&s).unwrap())
}

/// Any customer, including fields the domain would refuse (the store must not care).
pub fn customer() -> impl Strategy<Value = Customer> {
    let who = (
        any::<u64>(),
        proptest::option::of("[A-Z0-9]{1,12}"),
        "\\PC{0,20}",
        proptest::option::of(phone()),
        proptest::option::of(email()),
        select(Gender::ALL),
        proptest::option::of(date()),
    );
    let place = ("\\PC{0,8}", "\\PC{0,8}", select(AreaType::ALL), select(Source::ALL), any::<Option<u64>>());
    let rest = (
        select(ContactPref::ALL),
        vec("\\PC{0,8}", 0..4),
        "\\PC{0,40}",
        btree_map("\\PC{0,6}", "\\PC{0,6}", 0..4),
        timestamp(),
        timestamp(),
        any::<i64>(),
        any::<u64>(),
    );
    let consent = || {
        (select(Consent::ALL), proptest::option::of(date()), select(ConsentSource::ALL))
            .prop_map(|(answer, on, source)| ChannelConsent { answer, on, source })
    };
    let members = (
        [consent(), consent(), consent(), consent()],
        proptest::option::of(date()),
        select(Income::ALL),
        select(Education::ALL),
        "\\PC{0,12}",
    );
    (who, place, rest, members).prop_map(|(w, p, r, m)| Customer {
        id: w.0,
        reference: w.1,
        name: w.2,
        phone: w.3,
        email: w.4,
        gender: w.5,
        birthday: w.6,
        province: p.0,
        city: p.1,
        area: p.2,
        source: p.3,
        referrer: p.4,
        contact: r.0,
        tags: r.1,
        notes: r.2,
        custom: r.3,
        created: r.4,
        updated: r.5,
        points_redeemed: r.6,
        revision: r.7,
        consent_sms: m.0[0],
        consent_wechat: m.0[1],
        consent_phone: m.0[2],
        consent_email: m.0[3],
        child_birthday: m.1,
        income: m.2,
        education: m.3,
        occupation: m.4,
    })
}

/// Any purchase.
pub fn purchase() -> impl Strategy<Value = Purchase> {
    (
        any::<u64>(),
        any::<u64>(),
        date(),
        any::<i64>(),
        any::<u32>(),
        "\\PC{0,12}",
        select(Channel::ALL),
        any::<bool>(),
    )
        .prop_flat_map(|(id, customer, date, a, quantity, category, channel, promo)| {
            (
                proptest::option::of(any::<u64>()),
                proptest::option::of(void()),
                select(crate::domain::Payment::ALL),
                any::<i64>(),
                branch(),
            )
                .prop_map(move |(refund_of, void, payment, points, branch)| Purchase {
                    id,
                    customer,
                    date,
                    amount: Money(a),
                    quantity,
                    category: category.clone(),
                    channel,
                    promo,
                    refund_of,
                    void,
                    payment,
                    points,
                    branch,
                })
        })
}

/// A branch: none, or one of a few (so that customers share them), in hanzi too.
pub fn branch() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![String::new(), "东门店".to_string(), "west".to_string()])
}

/// Any ledger entry.
pub fn ledger_entry() -> impl Strategy<Value = crate::domain::LedgerEntry> {
    use crate::domain::{Account, EntryKind};
    (
        (any::<u64>(), any::<u64>(), select(Account::ALL), select(EntryKind::ALL), any::<i64>(), date()),
        ("\\PC{0,12}", proptest::option::of(any::<u64>()), "\\PC{0,8}", "\\PC{0,20}", branch()),
    )
        .prop_map(
            |((id, customer, account, kind, amount, date), (key, purchase, operator, note, branch))| {
                crate::domain::LedgerEntry {
                    id,
                    customer,
                    account,
                    kind,
                    amount,
                    date,
                    key,
                    purchase,
                    operator,
                    note,
                    branch,
                }
            },
        )
}

/// Any void.
pub fn void() -> impl Strategy<Value = Void> {
    (timestamp(), "\\PC{0,10}", "\\PC{0,20}").prop_map(|(at, by, reason)| Void { at, by, reason })
}

/// Any interaction.
pub fn interaction() -> impl Strategy<Value = Interaction> {
    let resolution =
        proptest::option::of((date(), "\\PC{0,10}", "\\PC{0,20}").prop_map(|(on, by, note)| Resolution {
            on,
            by,
            note,
        }));
    let complaint = proptest::option::of(
        (select(ComplaintType::ALL), select(Severity::ALL), any::<bool>(), resolution).prop_map(
            |(kind, severity, resolved, resolution)| Complaint { kind, severity, resolved, resolution },
        ),
    );
    (
        (any::<u64>(), any::<u64>(), date(), select(InteractionKind::ALL)),
        "\\PC{0,40}",
        proptest::option::of((1u8..=5).prop_map(|r| Rating::new(r).unwrap())),
        complaint,
        proptest::option::of(date()),
        "\\PC{0,10}",
    )
        .prop_flat_map(|((id, customer, date, kind), text, rating, complaint, follow_up, operator)| {
            (select(Outcome::ALL), proptest::option::of(void()), branch()).prop_map(
                move |(outcome, void, branch)| Interaction {
                    id,
                    customer,
                    date,
                    kind,
                    text: text.clone(),
                    rating,
                    complaint: complaint.clone(),
                    follow_up,
                    operator: operator.clone(),
                    outcome,
                    void,
                    branch,
                },
            )
        })
}

/// A fixed point in time for fixtures.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).unwrap()
}

/// A day in 2024.
pub fn day(month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, month, d).unwrap()
}

/// A new (unsaved) customer with a name, ref and phone.
pub fn new_customer(name: &str, reference: Option<&str>, phone: Option<&str>) -> Customer {
    let mut c = Customer::new(name, now()).unwrap();
    c.set_reference(reference.unwrap_or("")).unwrap();
    c.set_phone(phone.unwrap_or("")).unwrap();
    c
}

/// An unsaved purchase of `amount` whole units.
pub fn new_purchase(customer: u64, date: NaiveDate, amount: i64) -> Purchase {
    Purchase::new(customer, date, Money::units(amount), 1).unwrap()
}
