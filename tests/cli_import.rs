//! Import and export through the real binary: all-or-nothing, line numbers, round trips.

mod common;
use common::*;

const TODAY: &str = "2026-11-25";

const CUSTOMERS: &str = "ref,name,phone,email,province,city,area_type,source,referrer,tags,notes,Custom.Size
M001,王秀英,13812345678,wxy@example.com,浙江,杭州,urban,store,,\"vip, baby\",\"likes formula; asks for
receipts\",L
M002,\"Smith, Anna\",+44 20 7946 0958,,London,London,urban,referral,M001,,=1+1,
M003,曾小明,139 0000 1111,,广东,深圳,suburban,social,,,\"said \"\"hi\"\"\",M
";

const PURCHASES: &str = "ref,date,amount,quantity,category,channel,promo
M001,2026-10-01,199.00,2,formula,store,0
M001,20261101,210.5,1,formula,online,1
M002,2026-09-15,35,1,toys,store,no
M003,2025-01-02,1200.00,3,clothing,phone,yes
";

const INTERACTIONS: &str = "ref,date,kind,text,rating,complaint_type,severity,resolved,follow_up,operator
M001,2026-10-02,call,thank-you call,,,,,2026-12-01,李娜
M003,2025-02-01,complaint,late delivery,,delivery,major,0,,李娜
M002,2026-09-20,feedback,great,5,,,,,Tom
";

#[test]
fn bad_rows_are_all_named_and_nothing_is_written() {
    let s = Scratch::new();
    let good = s.file("good.csv", CUSTOMERS);
    ok(s.kehu(TODAY, &["import", "--kind", "customers", good.to_str().unwrap()]));
    let before = ok(s.kehu(TODAY, &["export", "--kind", "customers"]));

    let bad = s.file(
        "bad.csv",
        "ref,name,phone,birthday\nM010,Good Row,13911112222,1990-01-01\nM011,Bad Phone,12345,\nM012,,13911113333,\n\
         M013,Bad Date,13911114444,1990-02-30\nM014,Too,Many,Fields,Here\nM001,Existing Ref Update,13812345678,\n",
    );
    let out = s.kehu(TODAY, &["import", "--kind", "customers", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for line in ["line 3: phone", "line 4: name is empty", "line 5: birthday", "line 6: 5 fields"] {
        assert!(err.contains(line), "missing {line:?} in:\n{err}");
    }
    assert!(!err.contains("line 2:") && !err.contains("line 7:"), "good rows reported:\n{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(
        ok(s.kehu(TODAY, &["export", "--kind", "customers"])),
        before,
        "a refused file changed the database"
    );
}

#[test]
fn a_row_too_big_for_a_record_is_named_by_its_line() {
    // Found by the import fuzzer: a 1.2 MB note passed every field check and was refused only by
    // the store, in a message that named no line. The 3,000-character text still imports (a
    // field's own limit, 4,000 characters, is checked as before).
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["import", "--kind", "customers", s.file("c.csv", CUSTOMERS).to_str().unwrap()]));
    let long = "长".repeat(3_000);
    let huge = "x".repeat(300_000);
    let text = format!("ref,date,kind,text\nM001,2026-10-02,note,{long}\nM002,2026-10-03,note,{huge}\n");
    let out = s.kehu(TODAY, &["import", "--kind", "interactions", s.file("i.csv", &text).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("line 3: the row holds 300018 bytes"), "{err}");
    assert!(!err.contains("line 2:"), "{err}");
    let text = format!("ref,date,kind,text\nM001,2026-10-02,note,{long}\n");
    ok(s.kehu(TODAY, &["import", "--kind", "interactions", s.file("j.csv", &text).to_str().unwrap()]));
}

#[test]
fn unknown_refs_need_create_missing_and_dry_run_writes_nothing() {
    let s = Scratch::new();
    let p = s.file("p.csv", PURCHASES);
    let out = s.kehu(TODAY, &["import", "--kind", "purchases", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2: no customer has ref \"M001\""), "{}", stderr(&out));

    let dry = ok(s.kehu(
        TODAY,
        &["import", "--kind", "purchases", "--create-missing", "--dry-run", p.to_str().unwrap()],
    ));
    assert!(dry.contains("3 customers created") && dry.contains("nothing written"), "{dry}");
    let (_, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "purchases"])));
    assert!(rows.is_empty(), "dry run wrote {} purchases", rows.len());

    ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", p.to_str().unwrap()]));
    let (_, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "purchases"])));
    assert_eq!(rows.len(), 4);
}

#[test]
fn future_dates_are_refused() {
    let s = Scratch::new();
    let p = s.file("p.csv", "ref,date,amount\nX,2030-01-01,1\n");
    let out = s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2: date 2030-01-01 is after today"), "{}", stderr(&out));
}

#[test]
fn reimporting_a_member_list_updates_instead_of_duplicating() {
    let s = Scratch::new();
    let c = s.file("c.csv", CUSTOMERS);
    ok(s.kehu(TODAY, &["import", "--kind", "customers", c.to_str().unwrap()]));
    let again = ok(s.kehu(TODAY, &["import", "--kind", "customers", c.to_str().unwrap()]));
    assert!(again.contains("0 customers created, 3 updated"), "{again}");
    let by_phone = s.file("p.csv", "name,phone,city\n王秀英,+86 138-1234-5678,宁波\n");
    let out = ok(s.kehu(TODAY, &["import", "--kind", "customers", by_phone.to_str().unwrap()]));
    assert!(out.contains("0 customers created, 1 updated"), "{out}");
    let create = s.kehu(TODAY, &["import", "--kind", "customers", "--mode", "create", c.to_str().unwrap()]);
    assert_eq!(create.status.code(), Some(1));
    let (h, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    assert_eq!(rows.len(), 3);
    let city = h.iter().position(|c| c == "city").unwrap();
    assert_eq!(rows[0][city], "宁波");
}

/// Drops the columns that hold this database's own ids.
fn without_ids(text: &str) -> Vec<Vec<String>> {
    let (h, rows) = parse_csv(text);
    let keep: Vec<usize> = (0..h.len()).filter(|&i| h[i] != "id" && h[i] != "customer_id").collect();
    let mut out: Vec<Vec<String>> =
        rows.iter().map(|r| keep.iter().map(|&i| r[i].clone()).collect()).collect();
    out.insert(0, keep.iter().map(|&i| h[i].clone()).collect());
    out
}

#[test]
fn export_then_import_round_trips() {
    let a = Scratch::new();
    for (kind, text) in [("customers", CUSTOMERS), ("purchases", PURCHASES), ("interactions", INTERACTIONS)] {
        let f = a.file(&format!("{kind}.csv"), text);
        ok(a.kehu(TODAY, &["import", "--kind", kind, f.to_str().unwrap()]));
    }
    let b = Scratch::new();
    let mut first = Vec::new();
    for kind in ["customers", "purchases", "interactions"] {
        let text = ok(a.kehu(TODAY, &["export", "--kind", kind]));
        let f = b.file(&format!("{kind}.csv"), &text);
        ok(b.kehu(TODAY, &["import", "--kind", kind, f.to_str().unwrap()]));
        first.push(text);
    }
    for (kind, text) in ["customers", "purchases", "interactions"].iter().zip(&first) {
        let again = ok(b.kehu(TODAY, &["export", "--kind", kind]));
        assert_eq!(without_ids(&again), without_ids(text), "{kind} changed on the round trip");
    }
    // The formula-like note was defused in the file and restored on import.
    assert!(first[0].contains(",'=1+1,"), "{}", first[0]);
    assert!(first[0].contains(r#""{""Size"":""L""}""#), "custom field lost: {}", first[0]);
}

#[test]
fn json_export_keeps_types() {
    let s = Scratch::new();
    let p = s.file("p.csv", PURCHASES);
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", "--create-missing", p.to_str().unwrap()]));
    let json: serde_json::Value =
        serde_json::from_str(&ok(s.kehu(TODAY, &["export", "--kind", "purchases", "--format", "json"])))
            .unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["quantity"], 2);
    assert_eq!(rows[0]["amount"], "199.00");
    assert_eq!(rows[1]["promo"], true);
}

#[test]
fn gbk_files_import_and_bom_exports_open_in_excel() {
    let s = Scratch::new();
    let (gbk, _, _) = encoding_rs::GB18030.encode("ref,name,city\nG1,王秀英,杭州\n");
    let f = s.dir.path().join("gbk.csv");
    std::fs::write(&f, &gbk).unwrap();
    ok(s.kehu(TODAY, &["import", "--kind", "customers", f.to_str().unwrap()]));
    let out = s.kehu(TODAY, &["export", "--kind", "customers", "--bom"]);
    assert!(out.stdout.starts_with("\u{feff}id,".as_bytes()), "{:?}", &out.stdout[..8]);
    assert!(stdout(&out).contains("王秀英"));
    let back = s.file("back.csv", &stdout(&out));
    let again = ok(s.kehu(TODAY, &["import", "--kind", "customers", back.to_str().unwrap()]));
    assert!(again.contains("0 customers created, 1 updated"), "{again}");
}

#[test]
fn encoding_names_what_a_file_is_in() {
    let s = Scratch::new();
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode("ref,name,city\nW1,Müller,München\n");
    let f = s.dir.path().join("latin.csv");
    std::fs::write(&f, &latin).unwrap();
    let out = s.kehu(TODAY, &["import", "--kind", "customers", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 2: not UTF-8") && stderr(&out).contains("nothing was imported"));
    ok(s.kehu(TODAY, &["import", "--kind", "customers", "--encoding", "windows-1252", f.to_str().unwrap()]));
    let (h, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    let city = h.iter().position(|c| c == "city").unwrap();
    assert_eq!((rows[0][2].as_str(), rows[0][city].as_str()), ("Müller", "München"));
    let out = s.kehu(TODAY, &["import", "--kind", "customers", "--encoding", "klingon", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("unknown encoding \"klingon\""), "{}", stderr(&out));
}

/// Customer rows keyed for comparison across databases: the referrer as its row's name and
/// phone instead of a ref or `#id`, without the database's own ids.
fn customers_comparable(text: &str) -> Vec<Vec<String>> {
    let (h, rows) = parse_csv(text);
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (id, r, name, phone, referrer) = (col("id"), col("ref"), col("name"), col("phone"), col("referrer"));
    let who = |key: &str| {
        rows.iter()
            .find(|row| (key.starts_with('#') && row[id] == key[1..]) || (!key.is_empty() && row[r] == key))
            .map_or(format!("? {key}"), |row| format!("{} {}", row[name], row[phone]))
    };
    let mut out: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut row = row.clone();
            row[referrer] = if row[referrer].is_empty() { String::new() } else { who(&row[referrer]) };
            row.remove(id);
            row
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_demo_shops_customers_export_imports_into_an_empty_database() {
    let a = Scratch::new();
    ok(a.kehu(TODAY, &["demo", "--customers", "2000"]));
    let text = ok(a.kehu(TODAY, &["export", "--kind", "customers"]));
    let b = Scratch::new();
    let f = b.file("customers.csv", &text);
    let out = ok(b.kehu(TODAY, &["import", "--kind", "customers", f.to_str().unwrap()]));
    assert!(out.contains("2000 customers created"), "{out}");
    let again = ok(b.kehu(TODAY, &["export", "--kind", "customers"]));
    assert_eq!(customers_comparable(&again), customers_comparable(&text));
}

#[test]
fn one_file_matches_phones_as_two_files_would() {
    // Households share phones: two member numbers on one phone are two customers, in one file as
    // in two.
    let rows = ["H1,Wang Li,13812345678", "H2,Wang Fang,13812345678", "H3,Zhang,13912345678"];
    let one = Scratch::new();
    let text = format!("ref,name,phone\n{}\n", rows.join("\n"));
    let out =
        ok(one.kehu(TODAY, &["import", "--kind", "customers", one.file("all.csv", &text).to_str().unwrap()]));
    assert!(out.contains("3 customers created, 0 updated"), "{out}");
    let two = Scratch::new();
    for (i, part) in [&rows[..1], &rows[1..]].iter().enumerate() {
        let text = format!("ref,name,phone\n{}\n", part.join("\n"));
        ok(two.kehu(
            TODAY,
            &["import", "--kind", "customers", two.file(&format!("{i}.csv"), &text).to_str().unwrap()],
        ));
    }
    let export = |s: &Scratch| without_ids(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])));
    assert_eq!(export(&one), export(&two));
    // A row without a member number whose phone names a customer of an earlier row is that
    // customer named twice, refused as a stored customer named by two rows is.
    let text = "ref,name,phone\nH1,Wang Li,13812345678\n,Wang,13812345678\n";
    let out =
        one.kehu(TODAY, &["import", "--kind", "customers", one.file("twice.csv", text).to_str().unwrap()]);
    assert!(stderr(&out).contains("line 3: customer #"), "{}", stderr(&out));
    let fresh = Scratch::new();
    let out = fresh
        .kehu(TODAY, &["import", "--kind", "customers", fresh.file("twice.csv", text).to_str().unwrap()]);
    assert!(
        stderr(&out).contains("line 3: phone 13812345678 also names the customer of line 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_import_is_in_the_audit_log_with_its_file_and_counts() {
    let s = Scratch::new();
    let first = s.file("members.csv", "ref,name,phone\nR1,Alice,13812345678\nR2,Bob,\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", first.to_str().unwrap()]));
    let upsert = s.file("fix.csv", "ref,name,phone\nR1,Alicia,\nR3,Carol,\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", upsert.to_str().unwrap()]));
    let sales = s.file(
        "sales.csv",
        "ref,date,amount,voided\nR1,2026-01-02,5,\nR2,2026-01-03,6,2026-01-04 by ann: twice\n",
    );
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", sales.to_str().unwrap()]));
    let log = ok(s.kehu(TODAY, &["audit"]));
    let line = |what: &str| {
        log.lines().find(|l| l.contains(what)).unwrap_or_else(|| panic!("no {what:?} in:\n{log}"))
    };
    let members = line("import customers ");
    assert!(members.contains("members.csv: 2 rows  {"), "{members}");
    assert!(members.contains(r#""customers_created":2"#), "{members}");
    let fix = line("fix.csv: 2 rows  {");
    assert!(fix.contains(r#""customers_created":1,"customers_updated":1"#), "{fix}");
    let edit = line("edit customer (import customers");
    assert!(edit.contains("R1 Alicia") && edit.contains("fix.csv"), "{edit}");
    assert!(
        edit.contains(r#"{"name":"Alice","phone":"13812345678"} → {"name":"Alicia","phone":null}"#),
        "{edit}"
    );
    let purchases = line("sales.csv: 2 rows, 1 voided skipped  {");
    assert!(purchases.contains(r#""purchases":1"#), "{purchases}");
    // The customer's own log has the edit.
    assert!(ok(s.kehu(TODAY, &["audit", "--customer", "R1"])).contains("Alicia"));
}
