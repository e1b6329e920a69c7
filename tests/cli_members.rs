//! Members through the real binary: consent per channel, a child's birthday and stated traits
//! imported, shown and exported; campaign lists and their reports.

mod common;
use common::*;

const TODAY: &str = "2026-11-25";

/// Three customers with every member column, in English and in Chinese.
const MEMBERS: &str = "ref,name,phone,email,birthday,consent_sms,consent_wechat,consent_phone,consent_email,child_birthday,income,education,occupation
M001,王秀英,13812345678,wxy@example.com,1990-03-01,yes,是,no,同意,2025-06-01,5k_10k,本科,护士
M002,李娜,13912345678,,,否,,不同意,,,,,
M003,Tom,13712345678,,,unknown,no,,,2021-01-15,over_20k,master,teacher
";

fn column<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    &row[i]
}

#[test]
fn member_columns_import_and_export_back() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["import", "--kind", "customers", s.file("m.csv", MEMBERS).to_str().unwrap()]));
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    let m1 = &rows[0];
    let got: Vec<&str> = [
        "consent_sms",
        "consent_wechat",
        "consent_phone",
        "consent_email",
        "child_birthday",
        "income",
        "education",
        "occupation",
    ]
    .iter()
    .map(|c| column(&header, m1, c))
    .collect();
    assert_eq!(got, ["yes", "yes", "no", "yes", "2025-06-01", "5k_10k", "bachelor", "护士"]);
    let m2 = &rows[1];
    assert_eq!(column(&header, m2, "consent_sms"), "no");
    assert_eq!(column(&header, m2, "consent_wechat"), "", "blank is unknown");
    assert_eq!(column(&header, m2, "income"), "");
    let m3 = &rows[2];
    assert_eq!(column(&header, m3, "consent_sms"), "");
    assert_eq!(column(&header, m3, "education"), "master");

    // `show` names the answers with the day and how they came.
    let shown = ok(s.kehu(TODAY, &["show", "M001"]));
    assert!(shown.contains("consent") && shown.contains("sms yes · 2026-11-25 · import"), "{shown}");
    assert!(shown.contains("phone no · 2026-11-25 · import"), "{shown}");
    assert!(shown.contains("child born") && shown.contains("2025-06-01"), "{shown}");
    assert!(shown.contains("bachelor") && shown.contains("护士"), "{shown}");
    let zh = ok(s.kehu(TODAY, &["--lang", "zh", "show", "M001"]));
    assert!(zh.contains("联系许可") && zh.contains("短信 同意") && zh.contains("本科"), "{zh}");

    // The export imported back a day later changes no answer's day: nothing new was said.
    let export = ok(s.kehu(TODAY, &["export", "--kind", "customers"]));
    ok(s.kehu(
        "2026-11-26",
        &["import", "--kind", "customers", s.file("back.csv", &export).to_str().unwrap()],
    ));
    let shown = ok(s.kehu("2026-11-26", &["show", "M001"]));
    assert!(shown.contains("sms yes · 2026-11-25 · import"), "{shown}");
    // A blank cell says nothing; `unknown` clears.
    let later = "ref,name,consent_sms,consent_phone\nM001,王秀英,,unknown\n";
    ok(s.kehu("2026-11-27", &["import", "--kind", "customers", s.file("l.csv", later).to_str().unwrap()]));
    let shown = ok(s.kehu("2026-11-27", &["show", "M001"]));
    assert!(shown.contains("sms yes") && !shown.contains("phone no"), "{shown}");
}

#[test]
fn bad_member_cells_are_named_by_line_and_nothing_is_imported() {
    let s = Scratch::new();
    let bad = "ref,name,birthday,consent_sms,child_birthday,income,education,occupation
M001,Good,,yes,2025-01-01,,,
M002,Bad Consent,,maybe,,,,
M003,Future Child,,,2027-01-01,,,
M004,Child Before Parent,1990-01-01,,1985-05-05,,,
M005,Bad Income,,,,millions,,
M006,Bad Education,,,,,phd,
M007,Long Job,,,,,,"
        .to_string()
        + &"x".repeat(41)
        + "\n";
    let out = s.kehu(TODAY, &["import", "--kind", "customers", s.file("bad.csv", &bad).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for want in [
        "line 3: consent_sms: consent \"maybe\"",
        "line 4: child_birthday: child's birthday 2027-01-01 is after today",
        "line 5: child_birthday: child's birthday 1985-05-05 is before the customer's own",
        "line 6: income \"millions\" is not one of",
        "line 7: education \"phd\" is not one of",
        "line 8: occupation: occupation is too long",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(!err.contains("line 2:"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    let (_, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    assert!(rows.is_empty(), "a refused file wrote {rows:?}");
}

#[test]
fn chinese_column_names_and_values() {
    let s = Scratch::new();
    let sheet = "会员号,姓名,手机,短信许可,微信许可,宝宝生日,收入,学历,职业\nM009,张伟,13612345678,同意,不同意,2024年5月1日,1万–2万,大专,司机\n";
    ok(s.kehu(TODAY, &["import", "--kind", "customers", s.file("zh.csv", sheet).to_str().unwrap()]));
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    let got: Vec<&str> =
        ["consent_sms", "consent_wechat", "child_birthday", "income", "education", "occupation"]
            .iter()
            .map(|c| column(&header, &rows[0], c))
            .collect();
    assert_eq!(got, ["yes", "no", "2024-05-01", "10k_20k", "college", "司机"]);
}
