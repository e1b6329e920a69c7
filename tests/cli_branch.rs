//! Branches from the command line: `--branch` (and `KEHU_BRANCH`) stamps what a command records
//! — an import's rows that name none, a top-up, a return — while rows that name their branch
//! keep it; exports carry the branch; `kehu segments` counts a branch's customers (its home
//! branch), `--all-branches` the whole chain; a branch name with control characters is refused.

mod common;
use common::*;

const TODAY: &str = "2024-06-30";

/// Three members: M1 buys twice at 东门店, M2 once at 西门店 (named in the file), M3 once with
/// no branch named, imported by the east's till (so the east's).
fn chain() -> Scratch {
    let s = Scratch::new();
    let customers = s.file("c.csv", "ref,name\nM1,王小明\nM2,李雷\nM3,Ann Lee\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", customers.to_str().unwrap()]));
    let purchases = s.file(
        "p.csv",
        "ref,date,amount,门店\nM1,2024-05-01,100.00,东门店\nM1,2024-06-01,50.00,东门店\nM2,2024-06-02,80.00,西门店\nM3,2024-06-03,20.00,\n",
    );
    ok(s.kehu(TODAY, &["--branch", "东门店", "import", "--kind", "purchases", purchases.to_str().unwrap()]));
    s
}

/// The `branch` cell of every exported row of `kind`.
fn branches(s: &Scratch, kind: &str) -> Vec<String> {
    let (head, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", kind])));
    let at = head.iter().position(|h| h == "branch").expect("a branch column");
    rows.into_iter().map(|r| r[at].clone()).collect()
}

#[test]
fn rows_keep_their_branch_and_the_rest_take_the_importing_one() {
    let s = chain();
    assert_eq!(branches(&s, "purchases"), ["东门店", "东门店", "西门店", "东门店"]);
    let classes = branches(&s, "classes");
    assert_eq!(classes, ["东门店", "西门店", "东门店"], "each customer's home branch");
    // Exported and imported again into another shop, the branches come back as they were.
    let file = s.file("again.csv", &ok(s.kehu(TODAY, &["export", "--kind", "purchases"])));
    let other = Scratch::new();
    let customers = other.file("c.csv", "ref,name\nM1,王小明\nM2,李雷\nM3,Ann Lee\n");
    ok(other.kehu(TODAY, &["import", "--kind", "customers", customers.to_str().unwrap()]));
    ok(other.kehu(TODAY, &["--branch", "总部", "import", "--kind", "purchases", file.to_str().unwrap()]));
    assert_eq!(branches(&other, "purchases"), ["东门店", "东门店", "西门店", "东门店"]);
}

#[test]
fn what_a_branch_records_carries_it() {
    let s = chain();
    let (_, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "purchases"])));
    let sale = rows[0][0].clone();
    ok(s.kehu(TODAY, &["--branch", "西门店", "topup", "M1", "500"]));
    let ledger = ok(s.kehu(TODAY, &["ledger", "M1"]));
    let line =
        |what: &str| ledger.lines().filter(|l| l.contains(what)).map(str::to_string).collect::<Vec<_>>();
    let topped = [line("topup"), line("bonus")].concat();
    assert!(
        topped.len() == 2 && topped.iter().all(|l| l.ends_with("@西门店")),
        "the west's top-up:\n{ledger}"
    );
    let earned = line(&format!("  #{sale}  @"));
    assert!(earned.len() == 1 && earned.iter().all(|l| l.ends_with("@东门店")), "the east's sale:\n{ledger}");
    let out = ok(s.kehu(TODAY, &["--branch", "西门店", "refund", &sale]));
    assert!(out.contains("return"), "{out}");
    let (head, rows) = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "purchases"])));
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let returns: Vec<&str> =
        rows.iter().filter(|r| r[col("refund_of")] == sale).map(|r| r[col("branch")].as_str()).collect();
    assert_eq!(returns, ["西门店"], "the return is the west till's, its sale stays the east's");
}

#[test]
fn segments_count_a_branch_or_the_chain() {
    let s = chain();
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&ok(s.kehu(TODAY, args))).expect("json")
    };
    let east = json(&["--branch", "东门店", "segments", "--json", "--dimension", "lifecycle"]);
    assert_eq!((east["branch"].as_str(), east["customers"].as_u64()), (Some("东门店"), Some(2)));
    let total: u64 = east["dimensions"]["lifecycle"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 2);
    let chain = json(&["--branch", "东门店", "segments", "--json", "--all-branches"]);
    assert_eq!(chain["customers"].as_u64(), Some(3));
    let by_branch: Vec<(String, u64)> = chain["dimensions"]["branch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["class"].as_str().unwrap().to_string(), r["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(by_branch, [("东门店".to_string(), 2), ("西门店".to_string(), 1)]);
    let text = ok(s.kehu(TODAY, &["--branch", "西门店", "segments", "--dimension", "tier"]));
    assert!(text.starts_with("西门店 · 1 customers"), "{text}");
}

#[test]
fn a_hostile_branch_name_is_refused_and_nothing_is_written() {
    let s = chain();
    let before = ok(s.kehu(TODAY, &["export", "--kind", "purchases"]));
    let o = s.kehu(TODAY, &["--branch", "east\u{202e}", "topup", "M1", "100"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("branch"), "{}", stderr(&o));
    let bad =
        s.file("bad.csv", "ref,date,amount,branch\nM1,2024-06-05,10.00,ok\nM2,2024-06-05,10.00,a\u{7}b\n");
    let o = s.kehu(TODAY, &["import", "--kind", "purchases", bad.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("line 3") && stderr(&o).contains("branch"), "{}", stderr(&o));
    assert_eq!(ok(s.kehu(TODAY, &["export", "--kind", "purchases"])), before, "nothing half-imported");
}
