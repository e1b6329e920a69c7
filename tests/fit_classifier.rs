//! The predictive figures inside the classifier: a model in force fills them (and each edit
//! recomputes them), the rhythm's reminder fires `lead_days` before the due day and not before,
//! and "overdue for their rhythm" shows while activity still says active.

use chrono::{DateTime, Days, NaiveDate};
use kehu::classify::{Activity, Classes, Classifier, Dimension, Play, Rules};
use kehu::domain::{Customer, History, Money, Purchase};

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

fn ago(days: u64) -> NaiveDate {
    start() - Days::new(days)
}

/// A customer buying one unit of formula on each of the given days before `start()`, for
/// 100.00 to 130.00 (prices vary, or the spend model has nothing to fit).
fn history(id: u64, days_ago: &[u64]) -> History {
    let now = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
    let mut customer = Customer::new(&format!("c{id}"), now).expect("valid name");
    customer.id = id;
    let purchases = days_ago
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let price = 100 + (id * 7 + *d) as i64 % 31;
            let mut p = Purchase::new(id, ago(*d), Money::units(price), 1).expect("valid purchase");
            p.id = id * 100 + i as u64;
            p.category = "formula".into();
            p
        })
        .collect();
    History { customer, purchases, interactions: Vec::new(), ledger: Vec::new() }
}

fn play_due(c: &Classifier, id: u64) -> Option<(Play, NaiveDate)> {
    c.profile(id).and_then(|p| p.follow_up).map(|f| (f.action.play, f.due))
}

#[test]
fn reminder_fires_lead_days_before_the_due_day_and_not_before() {
    // Every 30 days, last 10 days ago: due in 20 days; the reminder is due 5 days before that.
    let mut c = Classifier::new(Rules::default(), start());
    c.upsert(&history(1, &[100, 70, 40, 10]));
    let due = ago(10) + Days::new(30);
    assert_eq!(c.profile(1).and_then(|p| p.next_purchase_due), Some(due));
    let fires = due - Days::new(5);
    c.set_today(fires - Days::new(1));
    assert_eq!(play_due(&c, 1), None, "six days before the due day is too early");
    assert_ne!(c.profile(1).and_then(|p| p.action).map(|a| a.play), Some(Play::ReplenishmentDue));
    c.set_today(fires);
    assert_eq!(play_due(&c, 1), Some((Play::ReplenishmentDue, fires)));
    let reason = c.profile(1).and_then(|p| p.action).map(|a| a.reason.to_string()).unwrap_or_default();
    assert_eq!(reason, format!("due {due} — formula: a unit lasts 30 days, usually bought every 30"));
    // Still due up to one usual gap past the due day; after that activity takes over.
    c.set_today(due + Days::new(29));
    assert_eq!(play_due(&c, 1).map(|(p, _)| p), Some(Play::ReplenishmentDue));
    c.set_today(due + Days::new(30));
    assert_ne!(play_due(&c, 1).map(|(p, _)| p), Some(Play::ReplenishmentDue));
}

#[test]
fn a_rules_file_moves_the_reminder() {
    let rules = Rules::from_toml("[replenishment]\nlead_days = 2").expect("valid rules");
    let mut c = Classifier::new(rules, ago(10) + Days::new(27));
    c.upsert(&history(1, &[100, 70, 40, 10]));
    assert_eq!(play_due(&c, 1), None);
    c.set_today(ago(10) + Days::new(28));
    assert_eq!(play_due(&c, 1), Some((Play::ReplenishmentDue, ago(10) + Days::new(28))));
}

#[test]
fn overdue_for_their_rhythm_while_still_active() {
    // Every 30 days, the last 46 days ago: > 1.5 × 30, yet ≤ 90 days so activity says active.
    let mut c = Classifier::new(Rules::default(), start());
    c.upsert(&history(1, &[106, 76, 46]));
    c.upsert(&history(2, &[105, 75, 45]));
    let p = c.profile(1).expect("known");
    assert_eq!(p.activity.class, Activity::Active);
    assert!(p.overdue_for_rhythm);
    let row = p.rows().into_iter().find(|(k, _)| *k == "replenishment").map(|(_, r)| r.to_string());
    assert!(row.is_some_and(|r| r.starts_with("overdue for their rhythm — formula: 46 days")), "{p:?}");
    assert!(!c.profile(2).expect("known").overdue_for_rhythm, "exactly 1.5 × is not overdue");
}

#[test]
fn a_model_fills_the_figures_and_each_edit_recomputes_them() {
    let mut c = Classifier::new(Rules::default(), start());
    // A small simulated shop (BG/NBD's own story): each customer buys every `gap` days from
    // their first purchase and stops after a few purchases, some long ago.
    let mut seed = 7u64;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for id in 1..=300 {
        let (first, gap, buys) = (60 + next(600), 5 + next(60), 1 + next(8));
        let days: Vec<u64> = (0..buys).map(|k| first.saturating_sub(k * gap + next(5))).collect();
        c.upsert(&history(id, &days));
    }
    c.upsert(&history(999, &[]));
    assert_eq!(c.profile(1).and_then(|p| p.p_alive), None, "no model, no figures");
    let unknown = c.segments(Dimension::PAlive).into_iter().find(|r| r.class == "unknown").map(|r| r.count);
    assert_eq!(unknown, Some(300));

    let model = c.fit_model().expect("the fit converges");
    assert_eq!(model.customers, 300);
    c.set_model(Some(model));
    let p = c.profile(5).expect("known");
    let alive = p.p_alive.expect("a buyer has P(alive)");
    assert!((0.0..=1.0).contains(&alive));
    let said = p.p_alive_reason.as_ref().map(ToString::to_string);
    assert!(said.is_some_and(|r| r.starts_with(&format!("P(alive) {alive:.2} — "))));
    assert!(p.expected_purchases_90d.is_some_and(|e| e >= 0.0) && p.clv_12m.is_some());
    assert_eq!(c.profile(999).and_then(|p| p.p_alive), None, "no purchases, no P(alive)");
    let buckets: u64 = c
        .segments(Dimension::PAlive)
        .into_iter()
        .filter(|r| ["high", "medium", "low"].contains(&r.class.as_str()))
        .map(|r| r.count)
        .sum();
    assert_eq!(buckets, 300);
    // What the classifier keeps for everyone (computed without the 12-month value or reasons) is
    // what the full profile says.
    for id in (1..=300).chain([999]) {
        let full = c.profile(id).expect("known");
        assert_eq!(c.classes(id), Some(&Classes::of(&full)), "customer {id}");
    }

    // An edit: five more purchases, the latest today, with the same parameters.
    c.upsert(&history(5, &[0, 8, 16, 24, 32, 40, 48]));
    let after = c.profile(5).and_then(|p| p.expected_purchases_90d).expect("recomputed");
    assert!(after > p.expected_purchases_90d.unwrap_or(f64::MAX), "{after} vs {p:?}");
    c.set_model(None);
    assert_eq!(c.profile(5).and_then(|p| p.p_alive), None);
}
