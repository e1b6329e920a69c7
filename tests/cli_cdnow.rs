//! The real CDNOW purchase log through `kehu import`, and the classes it yields checked against
//! counts computed here from the raw rows.

mod common;
use chrono::NaiveDate;
use common::*;
use std::collections::HashMap;

const TODAY: &str = "1998-06-30";

/// Converts the whitespace-separated CDNOW log into a purchases CSV; returns it with the raw rows.
fn cdnow_csv() -> (String, Vec<(String, NaiveDate)>) {
    let raw = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/CDNOW_sample.txt"))
        .expect("tests/data/CDNOW_sample.txt");
    let mut csv = String::from("ref,date,quantity,amount\n");
    let mut rows = Vec::new();
    for line in raw.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 5, "{line}");
        csv += &format!("C{},{},{},{}\n", f[0], f[2], f[3], f[4]);
        rows.push((format!("C{}", f[0]), NaiveDate::parse_from_str(f[2], "%Y%m%d").unwrap()));
    }
    (csv, rows)
}

fn count<'a>(values: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for v in values {
        *m.entry(v.to_string()).or_insert(0) += 1;
    }
    m
}

#[test]
fn activity_and_frequency_match_the_raw_log() {
    let s = Scratch::new();
    let (csv, rows) = cdnow_csv();
    assert_eq!(rows.len(), 6919);
    let file = s.file("cdnow.csv", &csv);
    let out =
        ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", file.to_str().unwrap()]));
    assert!(out.contains("2357 customers created") && out.contains("6919 purchases"), "{out}");

    let today = NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap();
    let mut last: HashMap<&str, NaiveDate> = HashMap::new();
    let mut in_year: HashMap<&str, usize> = HashMap::new();
    for (r, d) in &rows {
        let l = last.entry(r).or_insert(*d);
        *l = (*l).max(*d);
        let n = in_year.entry(r).or_insert(0);
        if (0..365).contains(&(today - *d).num_days()) {
            *n += 1;
        }
    }
    let expected_activity = count(last.values().map(|d| match (today - *d).num_days() {
        0..=90 => "active",
        91..=180 => "sleeping",
        _ => "churned",
    }));
    let expected_frequency = count(in_year.values().map(|n| match n {
        0 => "none",
        1..=3 => "low",
        4..=11 => "medium",
        _ => "high",
    }));

    let (header, classes) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "classes"])));
    assert_eq!(classes.len(), 2357);
    let col =
        |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (activity, frequency) = (col("activity"), col("frequency"));
    assert_eq!(count(classes.iter().map(|r| r[activity].as_str())), expected_activity);
    assert_eq!(count(classes.iter().map(|r| r[frequency].as_str())), expected_frequency);
    // Every class the log can produce is there: the counts are not trivially equal.
    assert_eq!(expected_activity.len(), 3, "{expected_activity:?}");
    assert!(expected_frequency.len() >= 3, "{expected_frequency:?}");
}

#[test]
fn no_customer_is_overdue_while_their_stock_lasts() {
    let s = Scratch::new();
    let (csv, _) = cdnow_csv();
    let file = s.file("cdnow.csv", &csv);
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", file.to_str().unwrap()]));
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "classes"])));
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (overdue, due) = (col("overdue_for_rhythm"), col("next_purchase_due"));
    let mut late = 0;
    for r in &rows {
        if r[overdue] == "true" || r[overdue] == "1" {
            late += 1;
            assert!(r[due].as_str() < TODAY, "overdue, yet the stock lasts to {}: {r:?}", r[due]);
        }
    }
    assert!(late > 100, "{late} overdue customers: the column is read");
    // The line that said both ("overdue for their rhythm … stock lasts to 1998-07-17").
    let shown = ok(s.kehu(TODAY, &["show", "C00004"]));
    assert!(!shown.contains("stock lasts"), "{shown}");
}

#[test]
fn without_create_missing_the_refusal_shows_fifty_lines_and_counts_reasons() {
    let s = Scratch::new();
    let (csv, _) = cdnow_csv();
    let file = s.file("cdnow.csv", &csv);
    let out = s.kehu(TODAY, &["import", "--kind", "purchases", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let named: Vec<&str> = err.lines().filter(|l| l.starts_with("line ")).collect();
    assert_eq!(named.len(), 50, "{err}");
    assert!(named[0].starts_with("line 2: no customer has ref \"C"), "{err}");
    assert!(err.contains("… and 6869 more"), "{err}");
    assert!(
        err.contains("6919 × no customer has ref \"…\" (use --create-missing to create one)"),
        "no count per reason in:\n{err}"
    );
    assert!(err.contains("6919 bad row(s); nothing was imported"), "{err}");
}

#[test]
fn customers_created_by_the_log_start_on_their_first_purchase() {
    let s = Scratch::new();
    let (csv, rows) = cdnow_csv();
    let file = s.file("cdnow.csv", &csv);
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", file.to_str().unwrap()]));
    let mut first: HashMap<String, NaiveDate> = HashMap::new();
    for (r, d) in rows {
        let f = first.entry(r).or_insert(d);
        *f = (*f).min(d);
    }
    let (header, customers) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (r, created) = (col("ref"), col("created"));
    assert_eq!(customers.len(), first.len());
    for c in &customers {
        assert_eq!(c[created], first[&c[r]].to_string(), "customer {}", c[r]);
    }
}

/// `kehu model-check` on the CDNOW log, split as the paper does (39 weeks of calibration): the
/// three models, the frequency table and the tracking lines fit 80x24; `--json` names what
/// scripts read; `kehu fit --model` stores the model asked for, `auto` the check's pick; too
/// early a split is refused in words.
#[test]
fn model_check_compares_the_models_at_80x24_and_fit_keeps_the_choice() {
    let s = Scratch::new();
    let (csv, _) = cdnow_csv();
    let file = s.file("cdnow.csv", &csv);
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", file.to_str().unwrap()]));
    let text = ok(s.kehu(TODAY, &["model-check", "--calibration-end", "1997-09-30"]));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() <= 24, "{} lines:\n{text}", lines.len());
    assert!(lines.iter().all(|l| l.chars().count() <= 80), "{text}");
    for model in ["bgnbd", "mbgnbd", "pnbd"] {
        assert!(lines.iter().any(|l| l.starts_with(model)), "{model}:\n{text}");
    }
    assert!(text.contains(" 7+ ") && text.contains("holdout_mae"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&ok(
        s.kehu(TODAY, &["model-check", "--calibration-end", "1997-09-30", "--json"])
    ))
    .expect("json");
    let models = json["models"].as_array().expect("models");
    assert_eq!(models.len(), 3);
    for m in models {
        for key in ["model", "holdout_mae", "holdout_bias", "bic", "params"] {
            assert!(!m[key].is_null(), "{key} in {m}");
        }
    }
    let chosen = json["chosen"].as_str().expect("a model chosen").to_string();
    let fit = ok(s.kehu(TODAY, &["fit", "--model", "mbgnbd"]));
    assert!(fit.contains("model: mbgnbd (asked for)"), "{fit}");
    let classes = ok(s.kehu(TODAY, &["export", "--kind", "classes"]));
    let (head, rows) = parse_csv(&classes);
    let (x, p) = (
        head.iter().position(|h| h == "repeat_purchases").unwrap(),
        head.iter().position(|h| h == "p_alive").unwrap(),
    );
    let once: Vec<f64> = rows.iter().filter(|r| r[x] == "0").map(|r| r[p].parse().unwrap()).collect();
    assert!(!once.is_empty() && once.iter().all(|p| *p < 1.0), "one-time buyers under MBG/NBD");
    // Every buyer's figures come with their 80% range around them, and a churn band.
    let at = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no {name}"));
    let f = |r: &Vec<String>, name: &str| -> f64 {
        r[at(name)].parse().unwrap_or_else(|_| panic!("{name}: {r:?}"))
    };
    for r in &rows {
        assert_eq!(r[at("model")], "mbgnbd");
        for (low, mid, high) in [
            ("p_alive_low", "p_alive", "p_alive_high"),
            ("expected_purchases_90d_low", "expected_purchases_90d", "expected_purchases_90d_high"),
            ("clv_12m_low", "clv_12m", "clv_12m_high"),
        ] {
            assert!(f(r, low) <= f(r, mid) && f(r, mid) <= f(r, high), "{low} {mid} {high}: {r:?}");
        }
        assert!(["low", "medium", "high"].contains(&r[at("churn_risk")].as_str()), "{r:?}");
    }
    // The console and `kehu show` say the band with the chance it rests on.
    let shown = ok(s.kehu(TODAY, &["show", "C00004"]));
    let line = shown.lines().find(|l| l.trim_start().starts_with("churn risk")).unwrap_or_default();
    let band = rows.iter().find(|r| r[at("ref")] == "C00004").map(|r| r[at("churn_risk")].clone()).unwrap();
    assert!(
        line.contains(&format!("{band} — ")) && line.contains("chance of no purchase in the next 90 days"),
        "{shown}"
    );
    let wide = rows.iter().filter(|r| f(r, "p_alive_high") - f(r, "p_alive_low") > 1e-6).count();
    assert!(wide * 2 > rows.len(), "most ranges have width: {wide} of {}", rows.len());
    let auto = ok(s.kehu(TODAY, &["fit"]));
    assert!(auto.contains("chosen by the holdout check"), "{auto}");
    assert!(auto.contains("model: "), "{auto} ({chosen} at the paper's split)");
    let o = s.kehu(TODAY, &["model-check", "--calibration-end", "1997-02-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("a model needs at least"), "{}", stderr(&o));
    let o = s.kehu(TODAY, &["fit", "--model", "weibull"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("auto, bgnbd, mbgnbd or pnbd"), "{}", stderr(&o));
}
