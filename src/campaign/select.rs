//! Drawing a campaign's list: only customers who said yes on the channel and can be reached
//! there, less a seeded random control group.

use crate::demo::rng::Rng;
use crate::domain::{Consent, ContactChannel, Customer};

/// The customers of a campaign, split.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    /// On the list, by id.
    pub contacted: Vec<Customer>,
    /// Held out, by id: consented and reachable, not contacted.
    pub control: Vec<u64>,
    /// Left out: no yes on the channel (no, or never asked).
    pub excluded_no_consent: u64,
    /// Left out: a yes, but no phone (a mobile, for SMS) or e-mail address to use it.
    pub excluded_no_address: u64,
}

/// How many of `eligible` a control group of `percent` holds: rounded to the nearest customer.
pub fn control_size(eligible: usize, percent: u8) -> usize {
    (eligible * usize::from(percent.min(100)) + 50) / 100
}

/// Splits `candidates` (the segment's customers) for a campaign on `channel`: those who said
/// yes and can be reached there are eligible, and `percent` of them, drawn with `seed`, are
/// held out. The draw depends only on the eligible ids and the seed: the same customers and
/// seed always give the same control group.
pub fn select(candidates: Vec<Customer>, channel: ContactChannel, percent: u8, seed: u64) -> Selection {
    let mut out = Selection::default();
    let mut eligible = Vec::new();
    for c in candidates {
        if c.consent(channel).answer != Consent::Yes {
            out.excluded_no_consent += 1;
        } else if !c.reachable_by(channel) {
            out.excluded_no_address += 1;
        } else {
            eligible.push(c);
        }
    }
    eligible.sort_by_key(|c| c.id);
    eligible.dedup_by_key(|c| c.id);
    // Fisher–Yates over the positions; the first `k` drawn are held out.
    let mut order: Vec<usize> = (0..eligible.len()).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let k = control_size(eligible.len(), percent);
    let mut held = vec![false; eligible.len()];
    for &i in &order[..k] {
        held[i] = true;
    }
    for (c, held) in eligible.into_iter().zip(held) {
        if held {
            out.control.push(c.id);
        } else {
            out.contacted.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ConsentSource;
    use chrono::NaiveDate;

    fn customer(id: u64, answer: Consent, phone: Option<&str>) -> Customer {
        let mut c = Customer::new("x", chrono::DateTime::from_timestamp(0, 0).unwrap()).unwrap();
        c.id = id;
        c.phone = phone.map(|p| crate::domain::Phone::parse(p).unwrap());
        c.set_consent(
            ContactChannel::Sms,
            answer,
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
            ConsentSource::Till,
        );
        c
    }

    #[test]
    fn only_reachable_yes_and_a_seeded_tenth_held_out() {
        let mut all = Vec::new();
        for id in 1..=200u64 {
            let answer = [Consent::Yes, Consent::Yes, Consent::No, Consent::Unknown][(id % 4) as usize];
            let phone = if id % 10 == 0 { Some("02087654321") } else { Some("13812345678") };
            all.push(customer(id, answer, phone));
        }
        let s = select(all.clone(), ContactChannel::Sms, 10, 42);
        // ids ≡ 0, 1 (mod 4) said yes: 100; of those the 10 with ids ≡ 0 (mod 20) have a
        // landline, which takes no SMS.
        assert_eq!((s.excluded_no_consent, s.excluded_no_address), (100, 10));
        assert_eq!((s.contacted.len(), s.control.len()), (81, 9));
        assert!(
            s.contacted.iter().all(|c| c.reachable_by(ContactChannel::Sms) && !s.control.contains(&c.id))
        );
        let again = select(all.into_iter().rev().collect(), ContactChannel::Sms, 10, 42);
        assert_eq!(again.control, s.control, "the same customers and seed, the same control group");
        let other = select(
            (1..=200).map(|id| customer(id, Consent::Yes, Some("13812345678"))).collect(),
            ContactChannel::Sms,
            10,
            43,
        );
        assert_eq!(other.control.len(), 20);
        assert_eq!(control_size(5, 10), 1);
        assert_eq!(control_size(4, 10), 0);
    }
}
