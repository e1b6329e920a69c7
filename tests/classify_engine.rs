//! The classifier as the console and the command line use it: profiles, segments, follow-ups.

use chrono::{DateTime, Days, NaiveDate};
use kehu::classify::{Activity, ChannelHint, Classifier, Dimension, Lifecycle, Play, Rules};
use kehu::domain::{ContactPref, Customer, History, Interaction, InteractionKind, Money, Purchase, Rating};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

fn ago(days: u64) -> NaiveDate {
    today() - Days::new(days)
}

/// A customer with purchases of `units` each, made the given numbers of days ago.
fn history(id: u64, buys: &[(u64, i64)]) -> History {
    let now = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
    let mut customer = Customer::new(&format!("c{id}"), now).expect("valid name");
    customer.id = id;
    let purchases = buys
        .iter()
        .enumerate()
        .map(|(i, (d, units))| {
            let mut p = Purchase::new(id, ago(*d), Money::units(*units), 1).expect("valid purchase");
            p.id = id * 100 + i as u64;
            p
        })
        .collect();
    History { customer, purchases, interactions: Vec::new(), ledger: Vec::new() }
}

fn interaction(h: &mut History, days_ago: u64, kind: InteractionKind) -> &mut Interaction {
    let mut x = Interaction::new(h.customer.id, ago(days_ago), kind, "").expect("valid interaction");
    x.id = h.customer.id * 100 + 50 + h.interactions.len() as u64;
    h.interactions.push(x);
    h.interactions.last_mut().expect("just pushed")
}

#[test]
fn profile_figures_for_the_predictive_columns() {
    let mut c = Classifier::new(Rules::default(), today());
    // Purchase days 100, 70, 40 and 10 days ago (two on the last day): gaps 30, 30, 30.
    let mut h = history(1, &[(100, 50), (70, 50), (40, 50), (10, 50), (10, 20)]);
    // The points and stored value shown are the sums of the member's ledger entries.
    use kehu::domain::{Account, EntryKind, LedgerEntry};
    h.ledger.push(LedgerEntry::new(1, Account::Points, EntryKind::Earn, 220, ago(10)));
    h.ledger.push(LedgerEntry::new(1, Account::StoredValue, EntryKind::TopUp, 50_000, ago(10)));
    h.ledger.push(LedgerEntry::new(1, Account::StoredValue, EntryKind::Pay, -12_000, ago(10)));
    c.upsert(&h);
    let p = c.profile(1).expect("known");
    assert_eq!(p.repeat_purchases, Some(3));
    assert_eq!(p.recency_days, Some(90));
    assert_eq!(p.age_days, Some(100));
    // One unit lasts 30 days (one unit every 30 days), and two were bought on the last day.
    assert_eq!(p.next_purchase_due, Some(ago(10) + Days::new(60)));
    assert_eq!((p.p_alive, p.expected_purchases_90d), (None, None));
    assert_eq!(p.last_purchase, Some(ago(10)));
    assert_eq!((p.spend_365, p.points, p.stored_value), (Money::units(220), 220, Money::units(380)));
    assert_eq!(c.classes(1).expect("known").stored_value, Money::units(380));
    assert_eq!(p.activity.class, Activity::Active);
    let two_gaps_needed = history(2, &[(20, 1), (10, 1)]);
    c.upsert(&two_gaps_needed);
    assert_eq!(c.profile(2).expect("known").next_purchase_due, None);
    assert_eq!(c.profile(3), None);
}

#[test]
fn segments_list_every_fixed_class_with_shares() {
    let mut c = Classifier::new(Rules::default(), today());
    c.upsert(&history(1, &[(5, 300)]));
    c.upsert(&history(2, &[(120, 100)]));
    c.upsert(&history(3, &[]));
    let rows = c.segments(Dimension::Activity);
    let keys: Vec<&str> = rows.iter().map(|r| r.class.as_str()).collect();
    assert_eq!(keys, ["active", "sleeping", "churned", "never"]);
    let counts: Vec<u64> = rows.iter().map(|r| r.count).collect();
    assert_eq!(counts, [1, 1, 0, 1]);
    assert!((rows[0].share - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(rows[0].revenue, Money::units(300));
    assert!((rows[0].revenue_share - 0.75).abs() < 1e-12);
    let rfm = c.segments(Dimension::Rfm);
    assert_eq!(rfm.iter().find(|r| r.class == "champions").map(|r| r.label.as_str()), Some("Champions"));
    assert_eq!(rfm.last().map(|r| (r.class.as_str(), r.count)), Some(("none", 1)));
    assert_eq!(rfm.iter().map(|r| r.count).sum::<u64>(), 3);
    for dim in Dimension::ALL {
        let total: u64 = c.segments(*dim).iter().map(|r| r.count).sum();
        assert!(total >= 3, "{dim}: every customer is in some class");
    }
}

#[test]
fn a_new_big_spender_moves_other_customers_scores() {
    let mut c = Classifier::new(Rules::default(), today());
    for id in 1..=5 {
        c.upsert(&history(id, &[(id * 10, id as i64 * 100)]));
    }
    assert_eq!(c.profile(5).and_then(|p| p.rfm).map(|r| r.m), Some(5));
    for id in 6..=10 {
        c.upsert(&history(id, &[(1, 10_000)]));
    }
    let m5 = c.profile(5).and_then(|p| p.rfm).map(|r| r.m);
    assert_eq!(m5, Some(3), "customer 5 is now in the middle of the spend ranking");
    let fresh = Classifier::from_histories(
        Rules::default(),
        today(),
        &(1..=10)
            .map(|id| {
                if id <= 5 { history(id, &[(id * 10, id as i64 * 100)]) } else { history(id, &[(1, 10_000)]) }
            })
            .collect::<Vec<_>>(),
    );
    assert_eq!(fresh.profile(5), c.profile(5));
}

#[test]
fn advocacy_follows_the_referred_customers_records() {
    let mut c = Classifier::new(Rules::default(), today());
    c.upsert(&history(1, &[(3, 10)]));
    let mut friend = history(2, &[(2, 10)]);
    friend.customer.referrer = Some(1);
    c.upsert(&friend);
    let p = c.profile(1).expect("known");
    assert_eq!((p.advocacy.reason.to_string().as_str(), p.referred), ("advocate — referred 1 customer", 1));
    c.remove(2);
    assert_eq!(c.profile(1).expect("known").advocacy.class.key(), "none");
    assert_eq!(c.len(), 1);
}

#[test]
fn complaints_come_first_and_a_call_settles_the_action() {
    let mut c = Classifier::new(Rules::default(), today());
    let mut h = history(1, &[(120, 10)]);
    h.customer.contact = ContactPref::Wechat;
    c.upsert(&h);
    let a = c.profile(1).and_then(|p| p.action).expect("sleeping has an action");
    assert_eq!((a.play, a.channel), (Play::ActivitySleeping, ChannelHint::Wechat));
    assert_eq!(a.reason, "sleeping — last purchase 120 days ago (91–180)");
    let q = c.follow_ups();
    // Asleep since 91 days after the last purchase, 29 days ago, never contacted since.
    assert_eq!((q.len(), q[0].due, q[0].overdue_days), (1, ago(29), 29));

    interaction(&mut h, 4, InteractionKind::Complaint);
    c.upsert(&h);
    let a = c.profile(1).and_then(|p| p.action).expect("complaint");
    assert_eq!((a.play, a.channel, a.priority), (Play::ComplaintOpen, ChannelHint::Phone, 1));
    assert_eq!(c.follow_ups()[0].overdue_days, 4);

    interaction(&mut h, 1, InteractionKind::Call);
    c.upsert(&h);
    assert!(c.follow_ups().is_empty(), "a call yesterday settles both actions for their cadence");
}

#[test]
fn the_queue_is_ordered_by_priority_then_overdue_days() {
    let mut c = Classifier::new(Rules::default(), today());
    c.upsert(&history(1, &[(150, 10)])); // sleeping since 59 days
    c.upsert(&history(2, &[(100, 10)])); // sleeping since 9 days
    let mut unhappy = history(3, &[(5, 10)]);
    interaction(&mut unhappy, 2, InteractionKind::Feedback).rating = Some(Rating::new(1).expect("valid"));
    c.upsert(&unhappy);
    let mut agreed = history(4, &[(1, 10)]);
    interaction(&mut agreed, 1, InteractionKind::Note).follow_up = Some(ago(1));
    c.upsert(&agreed);
    let order: Vec<(u64, Play)> = c.follow_ups().iter().map(|f| (f.id, f.action.play)).collect();
    assert_eq!(
        order,
        [
            (3, Play::SatisfactionDissatisfied),
            (4, Play::FollowUpAgreed),
            (1, Play::ActivitySleeping),
            (2, Play::ActivitySleeping)
        ]
    );
    let p1 = c.profile(1).expect("known");
    assert_eq!(p1.lifecycle.class, Lifecycle::Mature);
}

#[test]
fn new_customers_are_thanked_once() {
    let mut c = Classifier::new(Rules::default(), today());
    let mut h = history(1, &[(3, 10)]);
    c.upsert(&h);
    let q = c.follow_ups();
    assert_eq!((q[0].action.play, q[0].due), (Play::LifecycleNew, ago(3)));
    interaction(&mut h, 2, InteractionKind::Sms);
    c.upsert(&h);
    assert!(c.follow_ups().is_empty());
    c.set_today(today() + Days::new(60));
    assert!(c.follow_ups().is_empty(), "cadence 90 covers the whole new period");
}

#[test]
fn user_rules_change_the_classes() {
    let rules = Rules::from_toml("[activity]\nactive = 30\nsleeping = 60").expect("valid rules");
    let mut c = Classifier::new(rules, today());
    c.upsert(&history(1, &[(45, 10)]));
    assert_eq!(c.profile(1).expect("known").activity.reason, "sleeping — last purchase 45 days ago (31–60)");
}

#[test]
fn records_after_today_have_not_happened_yet() {
    let mut c = Classifier::new(Rules::default(), ago(50));
    c.upsert(&history(1, &[(100, 10), (10, 10)]));
    let p = c.profile(1).expect("known");
    assert_eq!((p.purchases, p.last_purchase), (1, Some(ago(100))));
    c.set_today(today());
    assert_eq!(c.profile(1).expect("known").purchases, 2);
}
