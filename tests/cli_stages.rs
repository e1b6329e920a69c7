//! Member levels, birthdays and demographics through the real binary: `kehu segments` names the
//! new dimensions in English and Chinese, `export --kind classes` keeps its old columns in their
//! places and adds the new ones at the end, `show` lists the level's benefits.

mod common;
use common::*;

const TODAY: &str = "2024-06-30";

/// The columns of `export --kind classes` before the member dimensions, in their order.
const BEFORE: &[&str] = &[
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
    "clv_from_population",
    "overdue_for_rhythm",
    "rfm8",
    "top_category",
    "top_channel",
    "open_complaints",
    "advocacy",
    "engagement",
    "purchases",
    "spend_365",
    "spend_total",
    "last_purchase",
    "action",
];

/// The member columns, after [`BEFORE`].
const MEMBER: &[&str] = &[
    "gender",
    "age_band",
    "birthday_month",
    "next_birthday",
    "child_stage",
    "formula_stage",
    "income",
    "education",
    "occupation",
    "level_until",
    "benefits",
];

#[test]
fn segments_export_and_show_carry_the_member_dimensions() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "300", "--seed", "7"]));

    let seg: serde_json::Value =
        serde_json::from_str(&ok(s.kehu(TODAY, &["segments", "--json"]))).expect("json");
    for dim in ["gender", "age_band", "birthday_month", "child_stage", "formula_stage", "income"] {
        let rows = seg["dimensions"][dim].as_array().unwrap_or_else(|| panic!("no dimension {dim}"));
        let total: u64 = rows.iter().map(|r| r["count"].as_u64().expect("count")).sum();
        assert_eq!(total, 300, "{dim}");
    }
    let months = &seg["dimensions"]["birthday_month"];
    assert_eq!(months[0]["class"], "this_month");
    assert_eq!(months[0]["label"], "this month");
    assert!(months[0]["count"].as_u64() > Some(0));

    let en = ok(s.kehu(TODAY, &["segments", "--dimension", "age_band"]));
    assert!(en.contains("age band") && en.contains("25–34") && en.contains("55+"), "{en}");
    let zh = ok(s.kehu(TODAY, &["--lang", "zh", "segments", "--dimension", "birthday_month"]));
    assert!(zh.contains("生日月份") && zh.contains("本月") && zh.contains("下月"), "{zh}");

    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "classes", "--format", "csv"])));
    assert_eq!(&header[..BEFORE.len()], BEFORE, "the old columns stay where scripts find them");
    assert_eq!(&header[BEFORE.len()..BEFORE.len() + MEMBER.len()], MEMBER);
    let col = |n: &str| header.iter().position(|h| h == n).expect("column");
    let gold = rows.iter().find(|r| r[col("tier")] == "gold").expect("a gold member");
    assert_eq!(gold[col("level_until")], "2024-12-31");
    assert_eq!(gold[col("benefits")], "10% off; Double points on the birthday; Invitations to member events");
    assert!(
        rows.iter().any(|r| r[col("birthday_month")] == "this_month" && !r[col("next_birthday")].is_empty())
    );
    // The demo shop's children have stages; formula stages stay off by default.
    assert!(rows.iter().any(|r| r[col("child_stage")] == "infant"));
    assert!(rows.iter().all(|r| r[col("formula_stage")].is_empty()));
    assert!(rows.iter().any(|r| r[col("age_band")] == "35_44" && r[col("gender")] != "unknown"));

    let id = &gold[col("id")];
    let shown = ok(s.kehu(TODAY, &["show", &format!("#{id}")]));
    assert!(
        shown.contains("benefits") && shown.contains("10% off, Double points on the birthday"),
        "{shown}"
    );
    let shown = ok(s.kehu(TODAY, &["--lang", "zh", "show", &format!("#{id}")]));
    assert!(shown.contains("会员权益") && shown.contains("9折，生日双倍积分"), "{shown}");
}
