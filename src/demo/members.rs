//! The demo's member fields: consent per channel, a child's birthday, stated traits.
//!
//! Drawn from a stream of their own (per customer), so that adding them left every other
//! record of a demo shop exactly as it was.

use super::rng::Rng;
use crate::domain::{
    ChannelConsent, Consent, ConsentSource, ContactChannel, ContactPref, Customer, Education, Income,
};
use chrono::{Days, NaiveDate};

/// Mixed into the seed so that this stream differs from the customer's main one.
const STREAM: u64 = 0x6D65_6D62_6572_7321;

/// Occupations as customers state them.
const OCCUPATIONS: &[&str] = &[
    "教师",
    "护士",
    "公务员",
    "销售",
    "会计",
    "工程师",
    "个体经营",
    "自由职业",
    "全职妈妈",
    "医生",
    "程序员",
    "设计师",
    "文员",
    "司机",
];

/// Fills `c`'s consent, child and stated traits for customer number `index` of `seed`.
/// `baby`: the customer buys for a baby; `child`: a birthday the main stream already drew.
pub(super) fn fill(
    c: &mut Customer,
    seed: u64,
    index: u64,
    today: NaiveDate,
    baby: bool,
    child: Option<NaiveDate>,
) {
    let mut rng = Rng::stream(seed ^ STREAM, index);
    let joined = c.created.date_naive().min(today);
    // Asked when they joined, mostly at the till; a few later through WeChat or the phone.
    let source = [ConsentSource::Till, ConsentSource::Form, ConsentSource::Wechat, ConsentSource::Phone]
        [rng.weighted(&[60, 20, 15, 5])];
    let asked = |rng: &mut Rng| {
        let later = u64::from(rng.range(0, 60));
        joined.checked_add_days(Days::new(later)).filter(|d| *d <= today).unwrap_or(joined)
    };
    let (contact, has_email) = (c.contact, c.email.is_some());
    let preferred = |ch: ContactChannel| match (ch, contact) {
        (ContactChannel::Sms, ContactPref::Sms)
        | (ContactChannel::Phone, ContactPref::Phone)
        | (ContactChannel::Email, ContactPref::Email)
        | (ContactChannel::Wechat, ContactPref::Wechat) => 150,
        _ => 0,
    };
    // Per mille: yes, then no; the rest never said.
    let odds = |ch: ContactChannel| match ch {
        ContactChannel::Sms => (620, 180),
        ContactChannel::Wechat => (520, 120),
        ContactChannel::Phone => (380, 250),
        ContactChannel::Email if has_email => (550, 200),
        ContactChannel::Email => (0, 0),
    };
    for ch in ContactChannel::ALL.iter().copied() {
        let (yes, no) = odds(ch);
        let yes = if yes > 0 { (yes + preferred(ch)).min(950) } else { 0 };
        let draw = rng.below(1000) as u32;
        let answer = if draw < yes {
            Consent::Yes
        } else if draw < yes + no {
            Consent::No
        } else {
            continue;
        };
        let on = asked(&mut rng);
        c.set_consent(ch, answer, on, source);
    }
    // A few who once said yes to SMS later replied to opt out.
    if c.consent_sms.allows() && rng.chance(40) {
        let on = asked(&mut rng).max(c.consent_sms.on.unwrap_or(joined));
        c.consent_sms = ChannelConsent::given(Consent::No, on, ConsentSource::Sms);
    }
    c.child_birthday = child.or_else(|| {
        (baby && rng.chance(700))
            .then(|| today.checked_sub_days(Days::new(u64::from(rng.range(20, 6 * 365)))))
            .flatten()
    });
    c.income = Income::ALL[rng.weighted(&[250, 90, 200, 260, 140, 60])];
    c.education = Education::ALL[rng.weighted(&[280, 20, 70, 150, 180, 230, 50, 10])];
    if rng.chance(550) {
        c.occupation = OCCUPATIONS[rng.below(OCCUPATIONS.len() as u64) as usize].to_string();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn the_same_customer_gets_the_same_fields_and_nothing_after_today() {
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let base = Customer::new("x", DateTime::from_timestamp(1_700_000_000, 0).unwrap()).unwrap();
        let mut seen_child = false;
        for index in 0..200 {
            let (mut a, mut b) = (base.clone(), base.clone());
            fill(&mut a, 7, index, today, true, None);
            fill(&mut b, 7, index, today, true, None);
            assert_eq!(a, b);
            assert!(a.child_birthday.is_none_or(|d| d <= today));
            assert!(a.consent_sms.on.is_none_or(|d| d <= today));
            assert!(!a.consent_email.allows(), "no address, no e-mail consent");
            seen_child |= a.child_birthday.is_some();
        }
        assert!(seen_child);
    }
}
