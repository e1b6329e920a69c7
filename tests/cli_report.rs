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
    let (mut sales, mut returns) = ((0, 0), (0, 0));
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (date, amount, refund_of, voided) = (f[3], f[4], f[9], f[10]);
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
    for word in ["销售", "退货", "净额", "新会员", "待跟进", "近30天营收"] {
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
