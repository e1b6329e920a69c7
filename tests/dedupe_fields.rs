//! The record a merge keeps: chosen fields, combined lists and sums.

use chrono::{DateTime, NaiveDate};
use kehu::dedupe::{FORMER_REFS, Field, FieldChoice, Side, merged_fields};
use kehu::domain::{ContactPref, Customer, Gender};

fn at(secs: i64) -> chrono::DateTime<chrono::Utc> {
    DateTime::from_timestamp(secs, 0).unwrap()
}

fn pair() -> (Customer, Customer) {
    let mut s = Customer::new("王秀英", at(2_000)).unwrap();
    s.id = 1;
    s.revision = 4;
    s.set_reference("M1").unwrap();
    s.set_phone("13812345678").unwrap();
    s.set_tags("vip, baby");
    s.notes = "likes calls".into();
    s.custom.insert("size".into(), "M".into());
    s.custom.insert("shoe".into(), " ".into());
    s.points_redeemed = 100;
    let mut l = Customer::new("王 秀英", at(1_000)).unwrap();
    l.id = 2;
    l.set_reference("M2").unwrap();
    l.set_phone("13987654321").unwrap();
    l.set_email("wxy@163.com").unwrap();
    l.gender = Gender::Female;
    l.birthday = NaiveDate::from_ymd_opt(1990, 5, 1);
    l.city = "广州".into();
    l.referrer = Some(7);
    l.contact = ContactPref::Wechat;
    l.set_tags("baby, promo");
    l.notes = "prefers WeChat".into();
    l.custom.insert("size".into(), "L".into());
    l.custom.insert("shoe".into(), "37".into());
    l.points_redeemed = 50;
    l.updated = at(9_000);
    (s, l)
}

#[test]
fn default_keeps_the_survivor_and_fills_its_gaps() {
    let (s, l) = pair();
    let m = merged_fields(&s, &l, &FieldChoice::default());
    assert_eq!((m.id, m.revision), (1, 4));
    assert_eq!((m.name.as_str(), m.reference.as_deref()), ("王秀英", Some("M1")));
    assert_eq!(m.phone, s.phone);
    assert_eq!(m.email, l.email);
    assert_eq!((m.gender, m.birthday, m.city.as_str()), (Gender::Female, l.birthday, "广州"));
    assert_eq!(m.referrer, Some(7));
    assert_eq!(m.contact, s.contact);
    assert_eq!(m.tags, ["vip", "baby", "promo"]);
    assert_eq!(m.custom["size"], "M");
    assert_eq!(m.custom["shoe"], "37");
    assert_eq!(m.custom[FORMER_REFS], "M2");
    assert_eq!(m.notes, "likes calls\nprefers WeChat");
    assert_eq!(m.points_redeemed, 150);
    assert_eq!((m.created, m.updated), (at(1_000), at(9_000)));
}

#[test]
fn chosen_sides_win_even_when_empty() {
    let (s, l) = pair();
    let choice = FieldChoice::default()
        .with(Field::Ref, Side::Loser)
        .with(Field::Phone, Side::Loser)
        .with(Field::Email, Side::Survivor)
        .with(Field::Contact, Side::Loser)
        .with(Field::Region, Side::Survivor);
    let m = merged_fields(&s, &l, &choice);
    assert_eq!(m.reference.as_deref(), Some("M2"));
    assert!(!m.custom.contains_key(FORMER_REFS), "the loser's ref is kept, so nothing to remember");
    assert_eq!(m.phone, l.phone);
    assert_eq!(m.email, None);
    assert_eq!(m.contact, ContactPref::Wechat);
    assert_eq!(m.city, "");
    assert_eq!(choice.get(Field::Name), Side::Auto);
}

#[test]
fn nobody_is_left_referring_to_the_pair_itself() {
    let (s, mut l) = pair();
    l.referrer = Some(1);
    assert_eq!(merged_fields(&s, &l, &FieldChoice::default()).referrer, None);
    l.referrer = Some(2);
    let m = merged_fields(&s, &l, &FieldChoice::default().with(Field::Referrer, Side::Loser));
    assert_eq!(m.referrer, None);
}

/// Consent per channel: the answer given last stands, and on the same day an opt-out beats a
/// yes; the child and stated traits fill the survivor's gaps.
#[test]
fn a_merge_keeps_the_latest_consent_and_never_loses_an_opt_out() {
    use kehu::domain::{Consent, ConsentSource, ContactChannel, Income};
    let (mut s, mut l) = pair();
    let day = |d: u32| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
    s.set_consent(ContactChannel::Sms, Consent::Yes, day(1), ConsentSource::Till);
    l.set_consent(ContactChannel::Sms, Consent::No, day(9), ConsentSource::Sms);
    s.set_consent(ContactChannel::Phone, Consent::Yes, day(3), ConsentSource::Form);
    l.set_consent(ContactChannel::Phone, Consent::No, day(3), ConsentSource::Import);
    s.set_consent(ContactChannel::Wechat, Consent::Yes, day(8), ConsentSource::Wechat);
    l.set_consent(ContactChannel::Wechat, Consent::No, day(2), ConsentSource::Till);
    l.set_consent(ContactChannel::Email, Consent::Yes, day(4), ConsentSource::Form);
    l.child_birthday = Some(day(20));
    l.income = Income::Over20k;
    s.occupation = "教师".into();
    l.occupation = "医生".into();
    let m = merged_fields(&s, &l, &FieldChoice::default());
    assert_eq!((m.consent_sms.answer, m.consent_sms.source), (Consent::No, ConsentSource::Sms));
    assert_eq!(m.consent_phone.answer, Consent::No, "same day: the opt-out stands");
    assert_eq!(m.consent_wechat.answer, Consent::Yes, "the survivor said yes later");
    assert_eq!(m.consent_email, l.consent_email);
    assert_eq!((m.child_birthday, m.income, m.occupation.as_str()), (Some(day(20)), Income::Over20k, "教师"));
}
