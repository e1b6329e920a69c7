//! `kehu report day`: the day's close agrees with the records it sums (the purchases export of
//! the same database), reads in Chinese, and takes another day.

mod common;
use common::*;

const TODAY: &str = "2024-06-30";

fn demo() -> Scratch {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "300", "--seed", "7"]));
    s
}

/// Sales and returns (count, fen) and voided sales on `day`, from the purchases export.
fn from_export(s: &Scratch, day: &str) -> ((u64, i64), (u64, i64)) {
    let csv = ok(s.kehu(TODAY, &["export", "--kind", "purchases"]));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no {name}"));
    let cols = [at("date"), at("amount"), at("refund_of"), at("voided")];
    let (mut sales, mut returns) = ((0, 0), (0, 0));
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let (date, amount, refund_of, voided) = (f[cols[0]], f[cols[1]], f[cols[2]], f[cols[3]]);
        if date != day || !voided.is_empty() {
            continue;
        }
        let fen = (amount.parse::<f64>().unwrap() * 100.0).round() as i64;
        let slot = if refund_of.is_empty() { &mut sales } else { &mut returns };
        slot.0 += 1;
        slot.1 += fen;
    }
    (sales, returns)
}

#[test]
fn the_close_sums_the_days_sales_and_returns_as_the_records_say() {
    let s = demo();
    // A return today, so both lines carry something.
    let csv = ok(s.kehu(TODAY, &["export", "--kind", "purchases"]));
    let first = csv.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    ok(s.kehu(TODAY, &["refund", &first, "--amount", "5.00"]));
    for day in [TODAY, "2024-06-28"] {
        let json: serde_json::Value =
            serde_json::from_str(&ok(s.kehu(TODAY, &["report", "day", "--date", day, "--json"]))).unwrap();
        let ((n, fen), (rn, rfen)) = from_export(&s, day);
        assert_eq!(json["date"], day);
        assert_eq!((json["sales"].as_u64().unwrap(), json["sales_fen"].as_i64().unwrap()), (n, fen), "{day}");
        assert_eq!((json["returns"].as_u64().unwrap(), json["returns_fen"].as_i64().unwrap()), (rn, rfen));
        let trend = json["trend_fen"].as_array().unwrap();
        assert_eq!(trend.len(), 30);
        assert_eq!(trend[29].as_i64().unwrap(), fen - rfen, "the trend ends with the day's net");
    }
    let today = ok(s.kehu(TODAY, &["report", "day"]));
    assert!(today.starts_with("Day's close 2024-06-30\n"), "{today}");
    let returns = today.lines().find(|l| l.trim_start().starts_with("returns")).unwrap();
    assert!(returns.ends_with("-5.00") && returns.contains(" 1 "), "{today}");
}

#[test]
fn the_close_reads_in_chinese() {
    let s = demo();
    let zh = ok(s.kehu(TODAY, &["--lang", "zh", "report", "day"]));
    assert!(zh.starts_with("日结 2024-06-30"), "{zh}");
    for word in [
        "销售",
        "退货",
        "净额",
        "新会员",
        "充值",
        "储值消费",
        "日终储值余额",
        "积分获得",
        "待跟进",
        "近30天营收",
    ] {
        assert!(zh.contains(word), "{word} missing:\n{zh}");
    }
    assert!(!zh.chars().any(|c| c.is_ascii_alphabetic()), "English left in:\n{zh}");
}

#[test]
fn a_bad_date_is_refused_in_words() {
    let s = demo();
    let o = s.kehu(TODAY, &["report", "day", "--date", "2024-02-30"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--date"), "{}", stderr(&o));
}

/// The stored value owed at a day's close, less the day's movements, is the close before: the
/// close reconciles with the ledger day by day.
#[test]
fn the_close_counts_the_ledger_and_reconciles_day_by_day() {
    let s = demo();
    // A member with points to redeem, from the classes export (read by column name).
    let ref_of_first = {
        let csv = ok(s.kehu(TODAY, &["export", "--kind", "classes"]));
        let mut rdr = csv::Reader::from_reader(csv.as_bytes());
        let header = rdr.headers().unwrap().clone();
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (r, points) = (at("ref"), at("points"));
        rdr.records()
            .map(|row| row.unwrap())
            .find(|row| row[points].parse::<i64>().unwrap() >= 1_000)
            .map(|row| row[r].to_string())
            .expect("a member with points")
    };
    let report = |day: &str| -> serde_json::Value {
        serde_json::from_str(&ok(s.kehu(TODAY, &["report", "day", "--date", day, "--json"]))).unwrap()
    };
    let before = report(TODAY);
    ok(s.kehu(TODAY, &["topup", &ref_of_first, "500", "--key", "close-1"]));
    ok(s.kehu(TODAY, &["points", &ref_of_first, "--redeem", "100", "--key", "close-2"]));
    let after = report(TODAY);
    let n = |v: &serde_json::Value, k: &str| v[k].as_i64().unwrap_or_else(|| panic!("no {k}"));
    assert_eq!(n(&after, "topups"), n(&before, "topups") + 1);
    assert_eq!(n(&after, "topped_up_fen"), n(&before, "topped_up_fen") + 50_000);
    assert_eq!(n(&after, "bonus_fen"), n(&before, "bonus_fen") + 5_000, "充500送50");
    assert_eq!(n(&after, "stored_owed_fen"), n(&before, "stored_owed_fen") + 55_000);
    assert_eq!(n(&after, "points_redeemed"), n(&before, "points_redeemed") + 100);
    let mut moved_any = false;
    for (prev, day) in [("2024-06-26", "2024-06-27"), ("2024-06-27", "2024-06-28"), ("2024-06-29", TODAY)] {
        let (p, r) = (report(prev), report(day));
        let moved = n(&r, "topped_up_fen") + n(&r, "bonus_fen") - n(&r, "stored_paid_fen")
            + n(&r, "stored_refunded_fen")
            + n(&r, "stored_adjusted_fen");
        moved_any |= moved != 0;
        assert_eq!(n(&r, "stored_owed_fen") - n(&p, "stored_owed_fen"), moved, "{day}");
    }
    assert!(moved_any, "the demo's days move stored value");
    let text = ok(s.kehu(TODAY, &["report", "day"]));
    for line in ["top-ups", "top-up bonus given", "paid from stored value", "stored value owed at close"] {
        assert!(text.lines().any(|l| l.trim_start().starts_with(line)), "{line}:\n{text}");
    }
    let top = text.lines().find(|l| l.trim_start().starts_with("top-ups")).unwrap();
    assert!(top.contains(" 1 ") && top.ends_with("500.00"), "{text}");
}
