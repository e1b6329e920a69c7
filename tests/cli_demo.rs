//! The "done when" of the core issue, through the real binary: a demo shop, its segments, its
//! classes export, and `show` of a hostile name.

mod common;
use common::*;
use std::collections::HashSet;

const TODAY: &str = "2026-11-25";

/// The columns DESIGN §5 requires of `export --kind classes`.
const CLASS_COLUMNS: &[&str] = &[
    "id",
    "ref",
    "name",
    "frequency",
    "value",
    "activity",
    "lifecycle",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_segment",
    "tier",
    "points",
    "price_sensitivity",
    "satisfaction",
    "repeat_purchases",
    "recency_days",
    "age_days",
    "p_alive",
    "expected_purchases_90d",
    "next_purchase_due",
    "clv_12m",
    "overdue_for_rhythm",
];

#[test]
fn demo_shop_populates_the_classes() {
    let s = Scratch::new();
    let out = ok(s.kehu(TODAY, &["demo", "--customers", "2000", "--seed", "7"]));
    assert!(out.contains("created 2000 customers"), "{out}");
    let again = s.kehu(TODAY, &["demo", "--customers", "10"]);
    assert_eq!(again.status.code(), Some(1), "demo into a full database must refuse");

    let seg: serde_json::Value = serde_json::from_str(&ok(s.kehu(TODAY, &["segments", "--json"]))).unwrap();
    assert_eq!(seg["customers"], 2000);
    for dim in ["lifecycle", "activity", "rfm", "tier", "p_alive"] {
        let rows = seg["dimensions"][dim].as_array().unwrap_or_else(|| panic!("no dimension {dim}"));
        let populated = rows.iter().filter(|r| r["count"].as_u64().unwrap() > 0).count();
        assert!(populated >= 3, "{dim}: only {populated} classes populated");
        let total: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
        if dim != "rfm" {
            assert_eq!(total, 2000, "{dim} counts do not add up");
        }
    }

    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "classes", "--format", "csv"])));
    for c in CLASS_COLUMNS {
        assert!(header.iter().any(|h| h == c), "column {c} missing from {header:?}");
    }
    assert_eq!(rows.len(), 2000);
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    for dim in ["lifecycle", "activity", "rfm_segment", "tier"] {
        let classes: HashSet<&str> =
            rows.iter().map(|r| r[col(dim)].as_str()).filter(|c| !c.is_empty()).collect();
        assert!(classes.len() >= 3, "{dim}: {classes:?}");
    }
    // The model is fitted at first use: every buyer has P(alive) and a 90-day expectation, a
    // customer who never bought has neither (empty, never invented).
    let buyers = rows.iter().filter(|r| !r[col("repeat_purchases")].is_empty()).count();
    assert!(buyers > 1000, "{buyers} buyers");
    for r in &rows {
        let buyer = !r[col("repeat_purchases")].is_empty();
        for c in ["p_alive", "expected_purchases_90d", "clv_12m"] {
            assert_eq!(!r[col(c)].is_empty(), buyer, "{c} of {r:?}");
        }
        if buyer {
            let alive: f64 = r[col("p_alive")].parse().unwrap();
            let e90: f64 = r[col("expected_purchases_90d")].parse().unwrap();
            assert!((0.0..=1.0).contains(&alive) && e90 >= 0.0 && e90.is_finite(), "{r:?}");
        }
    }
}

#[test]
fn show_never_prints_raw_escapes() {
    let s = Scratch::new();
    let f = s.file("c.csv", "ref,name,notes\nE1,\"Evil\x1b]0;x\x07Name\",\"bell\x07\nsecond\x1b[2J line\"\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", f.to_str().unwrap()]));
    for query in ["E1", "Evil"] {
        let out = s.kehu(TODAY, &["show", query]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            !out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07),
            "raw control bytes in {:?}",
            stdout(&out)
        );
        assert!(stdout(&out).contains("Evil\\x1b]0;x\\x07Name"), "{}", stdout(&out));
    }
    let missing = s.kehu(TODAY, &["show", "\x1b[31mnobody"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(!missing.stderr.contains(&0x1b), "{:?}", stderr(&missing));
}

/// The largest journal segment anywhere under `dir`, in bytes: how far a demo has written.
fn largest_segment(dir: &std::path::Path) -> u64 {
    let mut largest = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "kj") {
                largest = largest.max(e.metadata().map_or(0, |m| m.len()));
            }
        }
    }
    largest
}

#[test]
fn a_demo_killed_part_way_does_not_block_the_next() {
    let s = Scratch::new();
    let mut big = std::process::Command::new(env!("CARGO_BIN_EXE_kehu"))
        .arg("--db")
        .arg(s.db())
        .args(["--as-of", TODAY, "demo", "--customers", "1000000"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the demo");
    // Killed once its first batches are saved (a batch of 2,000 customers journals over 1 MB).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while largest_segment(s.dir.path()) < 2 << 20 {
        assert!(std::time::Instant::now() < deadline, "the demo wrote nothing in 2 minutes");
        assert!(big.try_wait().expect("poll").is_none(), "the demo ended before it was killed");
        std::thread::yield_now();
    }
    big.kill().expect("kill");
    big.wait().expect("reap");

    let out = ok(s.kehu(TODAY, &["demo", "--customers", "30", "--seed", "7"]));
    assert!(out.contains("created 30 customers"), "{out}");
    let (_, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    assert_eq!(rows.len(), 30, "the shop is not the new demo's alone");
    let left: Vec<_> = std::fs::read_dir(s.dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().contains("demo")), "scratch left behind: {left:?}");
}

#[test]
fn a_demo_too_large_is_refused_with_its_bound() {
    let s = Scratch::new();
    for n in ["0", "2000001", "18446744073709551615"] {
        let out = s.kehu(TODAY, &["demo", "--customers", n]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{n}: {err}");
        assert!(err.contains("--customers") && err.contains("1..=2000000"), "{n}: {err}");
    }
    assert!(!s.db().exists(), "a refused demo created the database");
}
