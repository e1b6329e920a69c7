//! The predictive model end to end on the real CDNOW log imported as purchases (issue 4): `kehu
//! fit`, the predicted columns of the classes export, and the stored model's reuse and refit.

mod common;
use common::*;
use kehu::classify::{MODEL_SETTING, Model};
use kehu::store::{SledStore, Store};
use std::path::Path;

const TODAY: &str = "1998-06-30";

fn imported() -> Scratch {
    let s = Scratch::new();
    let file = s.file("cdnow.csv", &cdnow_csv());
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", file.to_str().unwrap()]));
    s
}

/// The raw stored model (None before any fit); the binary has exited, so the database is free.
fn stored(db: &Path) -> Option<Vec<u8>> {
    SledStore::open(db).expect("open the test database").setting(MODEL_SETTING).expect("read settings")
}

fn model(db: &Path) -> Model {
    Model::from_bytes(&stored(db).expect("a stored model")).expect("a readable model")
}

#[test]
fn fit_prints_converged_parameters_and_stores_them() {
    let s = imported();
    assert_eq!(stored(&s.db()), None, "import alone does not fit");
    let out = ok(s.kehu(TODAY, &["fit"]));
    eprintln!("{out}");
    for key in ["r ", "alpha", "a ", "b ", "log-likelihood", "p ", "q ", "v ", "2357 customers", " s"] {
        assert!(out.contains(key), "no {key:?} in\n{out}");
    }
    let m = model(&s.db());
    let b = m.bgnbd;
    assert!([b.r, b.alpha, b.a, b.b].iter().all(|v| v.is_finite() && *v > 0.0), "{b:?}");
    assert!(m.log_likelihood.is_finite() && m.log_likelihood < 0.0);
    assert_eq!((m.customers, m.fingerprint.customers, m.fingerprint.purchases), (2357, 2357, 6919));
    assert_eq!(m.fitted_on.to_string(), TODAY);
    let g = m.spend.as_ref().expect("CDNOW has plenty of repeat buyers");
    assert!(g.params.q > 1.0 && g.mean_order_value > 10.0 && g.mean_order_value < 100.0, "{g:?}");
    // The printed α is the stored one (six decimals).
    assert!(out.contains(&format!("{:.6}", b.alpha)), "{out}");
}

#[test]
fn exported_predictions_are_sound() {
    let s = imported();
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "classes"])));
    assert_eq!(rows.len(), 2357);
    let col = |n: &str| header.iter().position(|h| h == n).unwrap_or_else(|| panic!("no column {n}"));
    let num =
        |r: &Vec<String>, c: &str| -> f64 { r[col(c)].parse().unwrap_or_else(|_| panic!("{c} in {r:?}")) };
    // The export fitted the model at first use, and stored it.
    let m = model(&s.db());
    let (mut mean_e90, mut mean_pop, mut one_day) = (0.0, 0.0, 0);
    for r in &rows {
        let alive = num(r, "p_alive");
        assert!((0.0..=1.0).contains(&alive), "{r:?}");
        if num(r, "repeat_purchases") == 0.0 {
            // BG/NBD lets nobody drop out before a repeat purchase; the others, chosen on this
            // shop by the holdout check, do.
            if matches!(m.chosen, kehu::predict::Params::BgNbd(_)) {
                assert_eq!(alive, 1.0, "one purchase day cannot have dropped out under BG/NBD: {r:?}");
            } else {
                assert!(alive < 1.0, "{r:?}");
            }
            assert_eq!(r[col("clv_from_population")], "1");
            one_day += 1;
        }
        let e90 = num(r, "expected_purchases_90d");
        assert!(e90.is_finite() && e90 >= 0.0, "{r:?}");
        assert!(num(r, "clv_12m") >= 0.0);
        assert!(["0", "1"].contains(&r[col("overdue_for_rhythm")].as_str()));
        mean_e90 += e90 / rows.len() as f64;
        mean_pop += m.population_expected_90d(num(r, "age_days")).expect("finite") / rows.len() as f64;
    }
    assert!(one_day > 1000, "{one_day} one-day customers");
    eprintln!("mean E[90 days] {mean_e90:.4}, population {mean_pop:.4}");
    assert!((mean_e90 / mean_pop - 1.0).abs() < 0.1, "mean E[90d] {mean_e90} vs population {mean_pop}");
    // Rhythms: customers with two or more intervals get a due day.
    assert!(rows.iter().any(|r| !r[col("next_purchase_due")].is_empty()));

    let shown = ok(s.kehu(TODAY, &["show", "C00004"]));
    assert!(shown.contains("p(alive)") && shown.contains("P(alive) "), "{shown}");
    assert!(shown.contains("12-month value") && shown.contains("next 90 days"), "{shown}");
}

#[test]
fn the_stored_model_is_reused_until_the_data_changes() {
    let s = imported();
    ok(s.kehu(TODAY, &["segments", "--dimension", "p_alive"]));
    let first = stored(&s.db()).expect("start-up fitted and stored a model");
    // A later day with the same data: the stored model (fitted on 1998-06-30) is used as is.
    let later = "1998-07-15";
    let seg = ok(s.kehu(later, &["segments", "--dimension", "p_alive", "--json"]));
    assert!(seg.contains("0.5–0.8") || seg.contains("medium"), "{seg}");
    assert_eq!(stored(&s.db()).as_deref(), Some(first.as_slice()), "no refit without new data");
    assert_eq!(model(&s.db()).fitted_on.to_string(), TODAY);

    // A new purchase changes the data: the next start-up refits as of its own day.
    let f = s.file("more.csv", "ref,date,quantity,amount\nC00004,1998-07-10,1,20.00\n");
    ok(s.kehu(later, &["import", "--kind", "purchases", f.to_str().unwrap()]));
    ok(s.kehu(later, &["segments", "--dimension", "p_alive"]));
    let m = model(&s.db());
    assert_eq!(m.fitted_on.to_string(), later);
    assert_eq!((m.fingerprint.customers, m.fingerprint.purchases), (2357, 6920));
}
