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

/// A demo shop of 400 customers as of 2024-06-30 with the console's saved segment "sleepers"
/// (activity = sleeping or churned).
fn demo_with_segment() -> Scratch {
    let s = Scratch::new();
    ok(s.kehu(DEMO_DAY, &["demo", "--customers", "400", "--seed", "3"]));
    let store = kehu::store::SledStore::open(&s.db()).unwrap();
    use kehu::store::Store;
    let segment = serde_json::json!([{ "name": "sleepers", "filter": [
        { "dimension": "activity", "class": "sleeping" },
        { "dimension": "activity", "class": "churned" },
    ]}]);
    store.set_setting(kehu::ui::segments_settings_key(), segment.to_string().as_bytes()).unwrap();
    drop(store);
    s
}

const DEMO_DAY: &str = "2024-06-30";

/// The rows of a CSV text as maps from column to cell.
fn rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let (header, rows) = parse_csv(text);
    rows.into_iter().map(|r| header.iter().cloned().zip(r).collect()).collect()
}

/// Reopens the database once the command that held it has let go.
fn reopen(db: &std::path::Path) -> kehu::store::SledStore {
    for _ in 0..500 {
        if let Ok(s) = kehu::store::SledStore::open(db) {
            return s;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("cannot reopen {}", db.display())
}

#[test]
fn a_segments_sms_list_holds_only_consenting_customers_and_says_how_many_it_left_out() {
    use kehu::store::Store;
    let s = demo_with_segment();
    let classes = rows(&ok(s.kehu(DEMO_DAY, &["export", "--kind", "classes"])));
    let customers = rows(&ok(s.kehu(DEMO_DAY, &["export", "--kind", "customers"])));
    let in_segment: std::collections::BTreeSet<String> = classes
        .iter()
        .filter(|r| r["activity"] == "sleeping" || r["activity"] == "churned")
        .map(|r| r["id"].clone())
        .collect();
    let yes: std::collections::BTreeSet<String> = customers
        .iter()
        .filter(|r| in_segment.contains(&r["id"]) && r["consent_sms"] == "yes")
        .map(|r| r["id"].clone())
        .collect();
    let reachable: std::collections::BTreeSet<String> = customers
        .iter()
        .filter(|r| yes.contains(&r["id"]) && r["phone"].starts_with('1'))
        .map(|r| r["id"].clone())
        .collect();
    let no_consent = in_segment.len() - yes.len();
    assert!(
        no_consent > 10 && reachable.len() > 20,
        "a fixture with both: {no_consent}, {}",
        reachable.len()
    );

    let out = s.kehu(
        DEMO_DAY,
        &[
            "export",
            "--kind",
            "contacts",
            "--segment",
            "sleepers",
            "--channel",
            "sms",
            "--campaign",
            "wake up",
        ],
    );
    let list = rows(&ok(out.clone()));
    let err = stderr(&out);
    let listed: std::collections::BTreeSet<String> = list.iter().map(|r| r["id"].clone()).collect();
    assert!(listed.is_subset(&reachable), "only customers who said yes to SMS and have a mobile");
    assert!(list.iter().all(|r| r["phone"].len() == 11 && r["consent_source"] != "unknown"), "full phones");
    assert!(err.contains(&format!("left out: {no_consent} without sms consent")), "{err}");

    // The control group is the seeded tenth of the eligible, and none of it is in the file.
    let store = reopen(&s.db());
    let c = store.campaign("wake up").unwrap().expect("the campaign is recorded");
    let control: std::collections::BTreeSet<String> = c.control.iter().map(u64::to_string).collect();
    assert_eq!(control.len(), (reachable.len() * 10 + 50) / 100, "10% held out");
    assert!(control.is_disjoint(&listed), "the control group is not contacted");
    assert_eq!(listed.union(&control).cloned().collect::<std::collections::BTreeSet<_>>(), reachable);
    assert_eq!(c.seed, kehu::campaign::seed_of("wake up"));
    assert_eq!(c.excluded_no_consent as usize, no_consent);
    let members: Vec<kehu::domain::Customer> =
        reachable.iter().map(|id| store.customer(id.parse().unwrap()).unwrap().unwrap()).collect();
    let drawn = kehu::campaign::select::select(members, kehu::domain::ContactChannel::Sms, 10, c.seed);
    assert_eq!(drawn.control, c.control, "the draw is the seed's");

    // The export is audited: who, how many, how many left out for want of consent.
    let entry = store.audit_entries(Some(0)).unwrap().pop().unwrap();
    assert_eq!(entry.what, "campaign wake up");
    let after: serde_json::Value = serde_json::from_str(&entry.after).unwrap();
    assert_eq!(after["excluded_no_consent"], no_consent as u64);
    assert_eq!(
        (after["contacted"].as_u64(), after["channel"].as_str()),
        (Some(listed.len() as u64), Some("sms"))
    );
    drop(store);

    // The same name again is refused, and nothing is written.
    let again = s.kehu(
        DEMO_DAY,
        &[
            "export",
            "--kind",
            "contacts",
            "--segment",
            "sleepers",
            "--channel",
            "sms",
            "--campaign",
            "wake up",
        ],
    );
    assert_ne!(again.status.code(), Some(0));
    assert!(stderr(&again).contains("exists already") && stdout(&again).is_empty(), "{}", stderr(&again));
}

#[test]
fn where_filters_and_channels_choose_the_list_and_bad_ones_are_refused() {
    let s = demo_with_segment();
    let out = s.kehu(
        DEMO_DAY,
        &[
            "export",
            "--kind",
            "contacts",
            "--where",
            "tier=gold|silver",
            "--channel",
            "email",
            "--control",
            "0",
        ],
    );
    let list = rows(&ok(out.clone()));
    assert!(list.iter().all(|r| r["email"].contains('@')), "e-mail lists carry addresses");
    assert!(stderr(&out).contains("0 held out"), "{}", stderr(&out));
    let classes = rows(&ok(s.kehu(DEMO_DAY, &["export", "--kind", "classes"])));
    for r in &list {
        let c = classes.iter().find(|c| c["id"] == r["id"]).unwrap();
        assert!(c["tier"] == "gold" || c["tier"] == "silver", "{r:?}");
    }
    for (args, says) in [
        (vec!["--where", "tier=platinum", "--channel", "sms"], "tier has no class \"platinum\""),
        (vec!["--where", "mood=happy", "--channel", "sms"], "--where \"mood=happy\""),
        (
            vec!["--segment", "nobody", "--channel", "sms"],
            "no saved segment is named \"nobody\" (saved: sleepers)",
        ),
        (vec!["--segment", "sleepers"], "needs --channel"),
        (vec!["--segment", "sleepers", "--channel", "fax"], "fax"),
    ] {
        let o = s.kehu(DEMO_DAY, &[&["export", "--kind", "contacts"][..], &args].concat());
        assert_ne!(o.status.code(), Some(0), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let o = s.kehu(DEMO_DAY, &["export", "--kind", "customers", "--channel", "sms"]);
    assert!(stderr(&o).contains("are for --kind contacts"), "{}", stderr(&o));
}

#[test]
fn a_campaign_report_on_the_demo_shop_gives_figures() {
    let s = demo_with_segment();
    // Made as of 2024-05-01, measured over the 30 days after (the demo shop runs to June).
    ok(s.kehu(
        "2024-05-01",
        &[
            "export",
            "--kind",
            "contacts",
            "--segment",
            "sleepers",
            "--channel",
            "sms",
            "--campaign",
            "may",
            "--out",
            s.dir.path().join("may.csv").to_str().unwrap(),
        ],
    ));
    let text = ok(s.kehu(DEMO_DAY, &["campaign", "report", "may"]));
    println!("{text}");
    assert!(text.contains("purchases from 2024-05-01 to 2024-05-30 (30 days)"), "{text}");
    assert!(
        text.contains("contacted") && text.contains("control") && text.contains("95% interval"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(s.kehu(DEMO_DAY, &["campaign", "report", "may", "--json"]))).unwrap();
    let contacted = json["contacted"]["customers"].as_u64().unwrap();
    let listed = rows(&std::fs::read_to_string(s.dir.path().join("may.csv")).unwrap()).len() as u64;
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(s.dir.path().join("may.csv")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o077, 0, "a list with phones in full is the owner's alone");
    assert_eq!(contacted, listed);
    assert!(json["control"]["customers"].as_u64().unwrap() > 1);
    let lift = &json["revenue_lift_per_customer"];
    assert!(lift["low"].as_f64().unwrap() <= lift["estimate"].as_f64().unwrap());
    assert!(lift["estimate"].as_f64().unwrap() <= lift["high"].as_f64().unwrap());
    // A week's window, and still open when asked on its third day.
    let early = ok(s.kehu("2024-05-03", &["campaign", "report", "may", "--days", "7"]));
    assert!(early.contains("to 2024-05-03 (7 days)") && early.contains("still open"), "{early}");
    let zh = ok(s.kehu(DEMO_DAY, &["--lang", "zh", "campaign", "report", "may"]));
    assert!(zh.contains("对照组") && zh.contains("95% 区间"), "{zh}");
    let list = ok(s.kehu(DEMO_DAY, &["campaign", "list"]));
    assert!(list.contains("2024-05-01  sms     may  segment sleepers"), "{list}");
    let missing = s.kehu(DEMO_DAY, &["campaign", "report", "june"]);
    assert!(
        stderr(&missing).contains("no campaign is named \"june\" (campaigns: may)"),
        "{}",
        stderr(&missing)
    );
}
