//! The member accounts from the command line: `kehu topup`, `kehu points [--redeem]`, `kehu
//! ledger` and `kehu ledger --summary`, the purchases import's `payment` column (English keys
//! and the Chinese words), retries with `--key`, refusals in words, and `kehu refund` giving
//! back to the balance.

mod common;
use common::*;

const TODAY: &str = "2024-06-30";

/// Two members; 王小明 (M1) bought 200.00 in cash (200 points at the base rate).
fn shop() -> Scratch {
    let s = Scratch::new();
    let customers = s.file("c.csv", "ref,name,phone\nM1,王小明,13900000001\nM2,Li Lei,13900000002\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", customers.to_str().unwrap()]));
    let purchases = s.file("p.csv", "ref,date,amount,payment\nM1,2024-06-01,200.00,现金\n");
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", purchases.to_str().unwrap()]));
    s
}

#[test]
fn a_top_up_of_500_gives_550_and_the_same_key_again_changes_nothing() {
    let s = shop();
    let out = ok(s.kehu(TODAY, &["topup", "M1", "500", "--key", "pos-7"]));
    assert_eq!(out.trim(), "topped up 500.00 + bonus 50.00 for 王小明 #1  ref M1: stored value 550.00");
    let again = ok(s.kehu(TODAY, &["topup", "M1", "500", "--key", "pos-7"]));
    assert!(again.contains("already saved with key pos-7") && again.contains("550.00"), "{again}");
    let small = ok(s.kehu(TODAY, &["topup", "#2", "80"]));
    assert!(
        small.contains("topped up 80.00 for Li Lei #2") && small.ends_with("stored value 80.00\n"),
        "{small}"
    );
    let audit = ok(s.kehu(TODAY, &["audit", "--customer", "M1"]));
    assert!(audit.contains("top-up") && audit.contains("pos-7:0"), "{audit}");
}

#[test]
fn a_top_up_too_large_or_of_nobody_is_refused_and_saves_nothing() {
    let s = shop();
    let o = s.kehu(TODAY, &["topup", "M1", "99999"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("stored_value.max_topup"), "{}", stderr(&o));
    let o = s.kehu(TODAY, &["topup", "M9", "100"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no customer has ref, phone or id \"M9\""), "{}", stderr(&o));
    let o = s.kehu(TODAY, &["topup", "M1", "12,34"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(ok(s.kehu(TODAY, &["ledger", "M1"])).contains("stored value 0.00"));
}

#[test]
fn points_show_the_balance_and_a_redemption_takes_them_off_once() {
    let s = shop();
    let out = ok(s.kehu(TODAY, &["points", "M1"]));
    assert!(out.contains("points: 200 (2.00 off at the till)"), "{out}");
    assert!(out.contains("200 expire after 2025-06-30"), "{out}");
    let out = ok(s.kehu(TODAY, &["points", "M1", "--redeem", "150", "--key", "r1"]));
    assert!(out.contains("redeemed 150 points (1.50 off) for 王小明 #1  ref M1: 50 points left"), "{out}");
    let out = ok(s.kehu(TODAY, &["points", "M1", "--redeem", "150", "--key", "r1"]));
    assert!(out.contains("already saved with key r1"), "{out}");
    let o = s.kehu(TODAY, &["points", "M1", "--redeem", "60"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("only 50 points to redeem; 60 asked"), "{}", stderr(&o));
    let gift = ok(s.kehu(TODAY, &["points", "M1", "--redeem", "50", "--gift", "奶瓶"]));
    assert!(gift.contains("(奶瓶)") && gift.contains("0 points left"), "{gift}");
}

#[test]
fn expired_points_are_written_off_first_and_by_the_sweep() {
    let s = shop();
    // A year and a month on, the points of June 2024 are gone.
    let later = "2025-07-01";
    let out = ok(s.kehu(later, &["points", "M1"]));
    assert!(out.contains("200 of them have expired"), "{out}");
    let o = s.kehu(later, &["points", "M1", "--redeem", "1"]);
    assert!(stderr(&o).contains("only 0 points to redeem (200 expired)"), "{}", stderr(&o));
    let out = ok(s.kehu(later, &["points", "--expire"]));
    assert!(out.contains("200 expired points of 1 member(s) written off"), "{out}");
    let again = ok(s.kehu(later, &["points", "--expire"]));
    assert!(again.contains("no expired points"), "{again}");
    assert!(ok(s.kehu(later, &["ledger", "M1"])).contains("expire"));
}

#[test]
fn paying_from_the_balance_through_an_import_and_a_return_puts_it_back() {
    let s = shop();
    ok(s.kehu(TODAY, &["topup", "M1", "500"]));
    let paid = s.file("p2.csv", "ref,date,amount,payment\nM1,2024-06-30,120.00,储值\n");
    ok(s.kehu(TODAY, &["import", "--kind", "purchases", paid.to_str().unwrap()]));
    let ledger = ok(s.kehu(TODAY, &["ledger", "M1"]));
    assert!(ledger.contains("points 320 · stored value 430.00"), "{ledger}");
    let export = ok(s.kehu(TODAY, &["export", "--kind", "purchases"]));
    let (header, rows) = parse_csv(&export);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows.iter().find(|r| r[at("amount")] == "120.00").unwrap();
    assert_eq!((row[at("payment")].as_str(), row[at("points")].as_str()), ("stored_value", "120"));
    let back = ok(s.kehu(TODAY, &["refund", &row[at("id")]]));
    assert!(back.contains("120 points taken back, 120.00 back on the stored value"), "{back}");
    let ledger = ok(s.kehu(TODAY, &["ledger", "M1"]));
    assert!(ledger.contains("points 200 · stored value 550.00"), "{ledger}");
    assert!(
        ok(s.kehu(TODAY, &["check"])).contains("no problems") || s.kehu(TODAY, &["check"]).status.success()
    );
}

#[test]
fn a_payment_the_balance_cannot_cover_refuses_the_whole_import() {
    let s = shop();
    ok(s.kehu(TODAY, &["topup", "M1", "100"]));
    let file = s.file(
        "p3.csv",
        "ref,date,amount,payment\nM2,2024-06-30,5.00,cash\nM1,2024-06-30,120.00,stored_value\n",
    );
    let o = s.kehu(TODAY, &["import", "--kind", "purchases", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("does not cover"), "{}", stderr(&o));
    let bad = s.file("p4.csv", "ref,date,amount,payment\nM1,2024-06-30,5.00,cheque\n");
    let o = s.kehu(TODAY, &["import", "--kind", "purchases", bad.to_str().unwrap()]);
    assert!(stderr(&o).contains("line 2:") && stderr(&o).contains("cheque"), "{}", stderr(&o));
    assert!(!ok(s.kehu(TODAY, &["export", "--kind", "purchases"])).contains("5.00"));
}

#[test]
fn the_summary_is_what_the_shop_owes_its_members() {
    let s = shop();
    ok(s.kehu(TODAY, &["topup", "M1", "500"]));
    ok(s.kehu(TODAY, &["topup", "M2", "1000"]));
    ok(s.kehu(TODAY, &["points", "M1", "--redeem", "100"]));
    let out = ok(s.kehu(TODAY, &["ledger", "--summary"]));
    assert!(out.contains("stored value owed to members: 1670.00 (2 members)"), "{out}");
    assert!(out.contains("points held by members: 100 (1.00 off at the till; 1 members)"), "{out}");
    assert!(out.contains("topped up 1500.00, bonus 170.00"), "{out}");
    assert!(out.contains("points earned 200, redeemed 100, expired 0"), "{out}");
    let o = s.kehu(TODAY, &["ledger"]);
    assert_ne!(o.status.code(), Some(0));
}

#[test]
fn the_chinese_interface_words_the_top_up() {
    let s = shop();
    let o = s.kehu(TODAY, &["--lang", "zh", "topup", "M1", "500"]);
    let out = stdout(&o);
    assert!(out.contains("¥500.00") && out.contains("¥550.00") && out.contains("储值"), "{out}");
}

#[test]
fn a_correction_needs_a_reason_and_never_takes_a_balance_below_zero() {
    let s = shop();
    ok(s.kehu(TODAY, &["topup", "M1", "100"]));
    let out =
        ok(s.kehu(TODAY, &["ledger", "M1", "--adjust-value", "-20.00", "--reason", "typed 120 for 100"]));
    assert!(out.contains("corrected 王小明 #1") && out.contains("stored value 80.00"), "{out}");
    let out = ok(s.kehu(TODAY, &["ledger", "M1", "--adjust-points", "50", "--reason", "welcome gift"]));
    assert!(out.contains("points 250"), "{out}");
    let o = s.kehu(TODAY, &["ledger", "M1", "--adjust-points", "-999", "--reason", "x"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("has 250 points, and this takes 999"), "{}", stderr(&o));
    let o = s.kehu(TODAY, &["ledger", "M1", "--adjust-points", "5"]);
    assert_ne!(o.status.code(), Some(0));
    let ledger = ok(s.kehu(TODAY, &["ledger", "M1"]));
    assert!(ledger.contains("adjust") && ledger.contains("typed 120 for 100"), "{ledger}");
    let audit = ok(s.kehu(TODAY, &["audit", "--customer", "M1"]));
    assert!(audit.contains("adjust account"), "{audit}");
}

/// What a hostile script or a mistyped till sends: negative, zero, overflowing and malformed
/// amounts and points, store-shaped, overlong and control-character keys. Each is refused in
/// words (never a panic: exit 1 or 2), nothing is saved, and `kehu check` finds the ledger whole.
#[test]
fn hostile_amounts_points_and_keys_are_refused_and_save_nothing() {
    let s = shop();
    let before = ok(s.kehu(TODAY, &["ledger", "M1"]));
    let long_key = "k".repeat(101);
    let cases: &[&[&str]] = &[
        &["topup", "M1", "-5"],
        &["topup", "M1", "0"],
        &["topup", "M1", "1e3"],
        &["topup", "M1", "12.345"],
        &["topup", "M1", "99999999999999999999999"],
        &["topup", "M1", "NaN"],
        &["topup", "M1", "100", "--key", "#1/1"],
        &["topup", "M1", "100", "--key", &long_key],
        &["topup", "M1", "100", "--key", ""],
        &["points", "M1", "--redeem", "-10"],
        &["points", "M1", "--redeem", "0"],
        &["points", "M1", "--redeem", "9223372036854775807"],
        &["points", "M1", "--redeem", "201"],
        &["ledger", "M1", "--adjust-points", "-9223372036854775808", "--reason", "x"],
        &["ledger", "M1", "--adjust-points", "9223372036854775807", "--reason", "x", "--key", "big"],
        &["ledger", "M1", "--adjust-value", "-0.01", "--reason", "x"],
        &["ledger", "M1", "--adjust-points", "5", "--reason", ""],
    ];
    for args in cases {
        let o = s.kehu(TODAY, args);
        let code = o.status.code();
        assert!(matches!(code, Some(1) | Some(2)), "{args:?}: {code:?}\n{}{}", stdout(&o), stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).trim().is_empty(), "{args:?} is refused in words");
    }
    // A key with a control character is kept as given or refused, never written raw to a terminal.
    let o = s.kehu(TODAY, &["topup", "M1", "10", "--key", "a\x1b[2Jb"]);
    assert!(!stdout(&o).contains('\x1b') && !stderr(&o).contains('\x1b'), "{o:?}");
    let after = ok(s.kehu(TODAY, &["ledger", "M1"]));
    let saved_escape = o.status.code() == Some(0);
    if !saved_escape {
        assert_eq!(after, before, "nothing refused was saved");
    }
    // A purchases file whose points would overflow a balance is refused whole.
    for points in ["9223372036854775807", "-9223372036854775808", "1000000000001"] {
        let file = s.file("hostile.csv", &format!("ref,date,amount,points\nM1,2024-06-02,10.00,{points}\n"));
        let o = s.kehu(TODAY, &["import", "--kind", "purchases", file.to_str().unwrap()]);
        assert_ne!(o.status.code(), Some(0), "{points}: {}", stdout(&o));
        assert!(!stderr(&o).contains("panicked") && !stderr(&o).trim().is_empty(), "{}", stderr(&o));
    }
    if !saved_escape {
        assert_eq!(ok(s.kehu(TODAY, &["ledger", "M1"])), before, "no refused import was saved");
    }
    let check = s.kehu(TODAY, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
}
