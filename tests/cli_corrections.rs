//! Corrections from the command line (issue 14): `kehu void`, `refund`, `resolve` and `undo`
//! change the classes as the records say, are audited, and come back with `undo`; a card a
//! merge took away still finds its customer in `show` and imports.

mod common;
use common::*;

const TODAY: &str = "2024-06-30";

/// A shop of one customer with two purchases and an open complaint, imported.
fn shop() -> Scratch {
    let s = Scratch::new();
    let customers = s.file("c.csv", "ref,name,phone\nM1,王小明,13900000001\nM2,Li Lei,13900000002\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", customers.to_str().unwrap()]));
    let purchases =
        s.file("p.csv", "ref,date,amount,quantity\nM1,2024-06-01,100.00,2\nM1,2024-06-20,999999.00,1\n");
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", purchases.to_str().unwrap()]));
    let complaints =
        s.file("i.csv", "ref,date,kind,text,severity\nM1,2024-06-25,complaint,late delivery,major\n");
    ok(s.kehu(TODAY, &["import", "--kind", "interactions", complaints.to_str().unwrap()]));
    s
}

/// The `id` of the first export row (of `kind`) whose line contains `needle`.
fn id_of(s: &Scratch, kind: &str, needle: &str) -> String {
    let text = ok(s.kehu(TODAY, &["export", "--kind", kind]));
    let line =
        text.lines().skip(1).find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} in {text}"));
    line.split(',').next().unwrap().to_string()
}

/// A class of customer M1 from `export --kind classes`.
fn class(s: &Scratch, column: &str) -> String {
    let (header, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "classes"])));
    let at = header.iter().position(|h| h == column).unwrap();
    let r = header.iter().position(|h| h == "ref").unwrap();
    rows.into_iter().find(|row| row[r] == "M1").unwrap()[at].clone()
}

#[test]
fn a_mistyped_purchase_is_voided_and_the_classes_return() {
    let s = shop();
    assert_eq!(class(&s, "tier"), "gold", "999999.00 makes a gold customer");
    let id = id_of(&s, "purchases", "999999.00");
    let out = ok(s.kehu(TODAY, &["void", "purchase", &id, "--reason", "typed one 9 too many"]));
    assert!(out.contains(&format!("voided purchase #{id}")), "{out}");
    assert_eq!(class(&s, "tier"), "normal");
    // The record stays, marked, and says who and why.
    let show = ok(s.kehu(TODAY, &["show", "M1"]));
    assert!(show.contains("VOID (typed one 9 too many"), "{show}");
    let again = s.kehu(TODAY, &["void", "purchase", &id, "--reason", "again"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("voided already"), "{}", stderr(&again));
    // Taken back: gold again.
    let undone = ok(s.kehu(TODAY, &["undo"]));
    assert!(undone.contains("took back void purchase"), "{undone}");
    assert_eq!(class(&s, "tier"), "gold");
}

#[test]
fn half_a_purchase_is_returned_and_spend_drops_by_that_much() {
    let s = shop();
    let id = id_of(&s, "purchases", "100.00");
    let before: f64 = class(&s, "spend_total").parse().unwrap();
    let out = ok(s.kehu(TODAY, &["refund", &id, "--amount", "50.00", "--quantity", "1"]));
    assert!(out.contains("50.00 and 1 item(s) back"), "{out}");
    let after: f64 = class(&s, "spend_total").parse().unwrap();
    assert!((before - after - 50.0).abs() < 0.001, "{before} → {after}");
    // More than is left is refused, and nothing is written.
    let too_much = s.kehu(TODAY, &["refund", &id, "--amount", "60.00"]);
    assert_eq!(too_much.status.code(), Some(1));
    assert!(stderr(&too_much).contains("more than is left"), "{}", stderr(&too_much));
    // The rest, by default: the sale no longer counts as a purchase at all.
    ok(s.kehu(TODAY, &["refund", &id]));
    let audit = ok(s.kehu(TODAY, &["audit", "--customer", "M1"]));
    assert_eq!(audit.matches("  refund  ").count(), 2, "{audit}");
}

#[test]
fn a_resolved_complaint_leaves_the_queue() {
    let s = shop();
    let id = id_of(&s, "interactions", "late delivery");
    assert_eq!(class(&s, "open_complaints"), "1");
    ok(s.kehu(TODAY, &["resolve", &id, "--note", "refunded the delivery"]));
    assert_eq!(class(&s, "open_complaints"), "0");
    let show = ok(s.kehu(TODAY, &["show", "M1"]));
    assert!(show.contains("resolved on 2024-06-30") && show.contains("refunded the delivery"), "{show}");
    assert!(show.contains("1 complaint resolved on 2024-06-30"), "{show}");
    let again = s.kehu(TODAY, &["resolve", &id]);
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn undo_of_what_someone_else_changed_since_asks_for_yes() {
    let s = shop();
    let id = id_of(&s, "purchases", "100.00");
    let as_user = |user: &str, args: &[&str]| {
        let mut cmd = common::run::kehu_command(&s.db(), TODAY);
        cmd.args(args).env("USER", user);
        cmd.output().unwrap()
    };
    assert!(as_user("ann", &["void", "purchase", &id, "--reason", "wrong customer"]).status.success());
    assert!(
        as_user("bob", &["refund", &id_of(&s, "purchases", "999999.00"), "--amount", "1.00"])
            .status
            .success()
    );
    let refused = as_user("ann", &["undo"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("bob") && stderr(&refused).contains("--yes"), "{}", stderr(&refused));
    let taken = as_user("ann", &["undo", "--yes"]);
    assert!(stdout(&taken).contains("took back void purchase"), "{}", stderr(&taken));
    // Bob's refund stays.
    assert!(ok(s.kehu(TODAY, &["show", "M1"])).contains("RETURN of #"));
}

#[test]
fn a_card_merged_away_still_finds_the_survivor() {
    let s = shop();
    {
        use kehu::store::Store;
        let store = kehu::store::SledStore::open(&s.db()).unwrap();
        let m1 = store.id_by_ref("M1").unwrap().unwrap();
        let m2 = store.id_by_ref("M2").unwrap().unwrap();
        let survivor = store.customer(m1).unwrap().unwrap();
        store.merge(survivor, m2).unwrap();
    }
    let out = s.kehu(TODAY, &["show", "M2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("M2 was merged into customer #"), "{}", stderr(&out));
    assert!(stdout(&out).contains("王小明"), "{}", stdout(&out));
    // An import naming the old card goes to the survivor, and says so.
    let more = s.file("more.csv", "ref,date,amount\nM2,2024-06-29,5.00\n");
    let import = s.kehu(TODAY, &["import", "--kind", "purchases", more.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(stderr(&import).contains("M2 → #"), "{}", stderr(&import));
    assert!(ok(s.kehu(TODAY, &["show", "M1"])).contains("5.00"));
}

#[test]
fn an_export_with_returns_and_voids_imports_to_the_same_spend() {
    let s = shop();
    let big = id_of(&s, "purchases", "999999.00");
    ok(s.kehu(TODAY, &["void", "purchase", &big, "--reason", "typo"]));
    let small = id_of(&s, "purchases", "100.00");
    ok(s.kehu(TODAY, &["refund", &small, "--amount", "30.00", "--quantity", "0"]));
    let spend = class(&s, "spend_total");
    let export = ok(s.kehu(TODAY, &["export", "--kind", "purchases"]));
    assert!(export.lines().next().unwrap().ends_with(",refund_of,voided,branch"), "{export}");
    assert!(export.contains(&format!(",{small},")), "the return names its sale: {export}");

    let t = Scratch::new();
    let customers = t.file("c.csv", "ref,name\nM1,王小明\nM2,Li Lei\n");
    ok(t.kehu(TODAY, &["import", "--kind", "customers", customers.to_str().unwrap()]));
    let file = t.file("p.csv", &export);
    let out = ok(t.kehu(TODAY, &["import", "--kind", "purchases", file.to_str().unwrap()]));
    assert!(out.contains("2 purchases") && out.contains("1 voided rows skipped"), "{out}");
    assert_eq!(class(&t, "spend_total"), spend, "the copy counts what the original counts");
    let show = ok(t.kehu(TODAY, &["show", "M1"]));
    assert!(show.contains("RETURN"), "{show}");

    // A return that names no sale, or gives back more than the sale, refuses the whole file.
    let bad = t.file(
        "bad.csv",
        "id,ref,date,amount,refund_of\n1,M1,2024-06-02,10.00,\n2,M1,2024-06-03,11.00,1\n3,M1,2024-06-03,1.00,9\n",
    );
    let refused = t.kehu(TODAY, &["import", "--kind", "purchases", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let err = stderr(&refused);
    assert!(err.contains("line 3: refund_of 1: gives back more than is left"), "{err}");
    assert!(err.contains("line 4: refund_of \"9\" names no sale row"), "{err}");
    assert_eq!(class(&t, "spend_total"), spend, "nothing was imported");
}

#[test]
fn a_sale_voided_after_a_return_exports_and_imports_to_the_same_spend() {
    let s = shop();
    let small = id_of(&s, "purchases", "100.00");
    ok(s.kehu(TODAY, &["refund", &small, "--amount", "40.00"]));
    ok(s.kehu(TODAY, &["void", "purchase", &small, "--reason", "wrong customer"]));
    let spend = class(&s, "spend_total");
    let export = ok(s.kehu(TODAY, &["export", "--kind", "purchases"]));

    let t = Scratch::new();
    let customers = t.file("c.csv", "ref,name\nM1,王小明\nM2,Li Lei\n");
    ok(t.kehu(TODAY, &["import", "--kind", "customers", customers.to_str().unwrap()]));
    let file = t.file("p.csv", &export);
    let out = ok(t.kehu(TODAY, &["import", "--kind", "purchases", file.to_str().unwrap()]));
    assert!(out.contains("1 purchases") && out.contains("2 voided rows skipped"), "{out}");
    assert_eq!(class(&t, "spend_total"), spend);
}

#[test]
fn returns_that_cheat_are_refused_by_line_and_nothing_is_imported() {
    let s = shop();
    let spend = class(&s, "spend_total");
    let cases = [
        // A return of a return: only a sale can be given back.
        (
            "id,ref,date,amount,refund_of\n1,M1,2024-06-02,10.00,\n2,M1,2024-06-03,5.00,1\n3,M1,2024-06-03,5.00,2\n",
            "line 4: refund_of \"2\" names no sale row",
        ),
        // Two sale rows with one id: which one a return means is unknowable.
        (
            "id,ref,date,amount,refund_of\n1,M1,2024-06-02,10.00,\n1,M1,2024-06-03,20.00,\n",
            "line 3: id 1 appears on two sale rows",
        ),
        // Another customer's sale.
        (
            "id,ref,date,amount,refund_of\n1,M1,2024-06-02,10.00,\n2,M2,2024-06-03,5.00,1\n",
            "line 3: refund_of 1: that sale belongs to another customer",
        ),
        // Two returns that each fit but together give back more than the sale.
        (
            "id,ref,date,amount,quantity,refund_of\n1,M1,2024-06-02,10.00,1,\n2,M1,2024-06-03,6.00,0,1\n3,M1,2024-06-03,6.00,0,1\n",
            "line 4: refund_of 1: gives back more than is left",
        ),
        // A negative amount dressed as a return.
        ("id,ref,date,amount,refund_of\n1,M1,2024-06-02,10.00,\n2,M1,2024-06-03,-5.00,1\n", "line 3:"),
        // A return giving back nothing at all.
        (
            "id,ref,date,amount,quantity,refund_of\n1,M1,2024-06-02,10.00,1,\n2,M1,2024-06-03,0,0,1\n",
            "line 3: a return gives back money, items or both",
        ),
    ];
    for (i, (csv, want)) in cases.iter().enumerate() {
        let file = s.file(&format!("bad{i}.csv"), csv);
        let refused = s.kehu(TODAY, &["import", "--kind", "purchases", file.to_str().unwrap()]);
        assert_eq!(refused.status.code(), Some(1), "case {i}: {}", stdout(&refused));
        let err = stderr(&refused);
        assert!(err.contains(want), "case {i}: {err}");
        assert_eq!(class(&s, "spend_total"), spend, "case {i}: nothing was imported");
    }
}
