//! Kept segment counts (issue 18) through the real binary: the first `segments` classifies the
//! shop and keeps its counts; the next reads them; any change, another day or other rules make
//! the next reader classify afresh; `kehu check` compares kept counts with a fresh build and
//! names counts that differ.

mod common;
use common::*;
use kehu::classify::{Dimension, Segmented};
use kehu::store::{SledStore, Store};

const TODAY: &str = "2026-11-25";

fn customers(json: &str) -> u64 {
    serde_json::from_str::<serde_json::Value>(json).unwrap()["customers"].as_u64().unwrap()
}

/// The segment counts kept in the database, read through the library.
fn kept(s: &Scratch) -> Option<Segmented> {
    SledStore::open(&s.db()).unwrap().kept_segments().unwrap()
}

#[test]
fn segments_are_kept_and_read_back_until_something_changes() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "300", "--seed", "4"]));
    let first = ok(s.kehu(TODAY, &["segments", "--json"]));
    let stamp = kept(&s).expect("the first reader keeps the counts").stamp;
    assert_eq!(stamp.today.to_string(), TODAY);
    // Read back: the same answer, and nothing kept anew.
    assert_eq!(ok(s.kehu(TODAY, &["segments", "--json"])), first);
    assert_eq!(ok(s.kehu(TODAY, &["segments"])).lines().next().unwrap(), "300 customers as of 2026-11-25");
    assert_eq!(kept(&s).unwrap().stamp, stamp);
    let check = ok(s.kehu(TODAY, &["check"]));
    assert!(check.contains("kept segment counts"), "{check}");

    // A change moves the database past them: the next reader classifies afresh.
    let file = s.file("c.csv", "ref,name,phone\nK900,新客人,13912340000\n");
    ok(s.kehu(TODAY, &["import", "--kind", "customers", file.to_str().unwrap()]));
    assert_eq!(customers(&ok(s.kehu(TODAY, &["segments", "--json"]))), 301);
    assert!(kept(&s).unwrap().stamp.change > stamp.change);

    // Another day: classified for that day, not read from the last one.
    let later = ok(s.kehu("2027-06-01", &["segments", "--json"]));
    assert!(later.contains("\"today\": \"2027-06-01\""), "{later}");
    assert_eq!(kept(&s).unwrap().stamp.today.to_string(), "2027-06-01");

    // Other rules: classified with them, and kept for them.
    let usual = ok(s.kehu(TODAY, &["segments", "--json"]));
    let at = kept(&s).unwrap().stamp;
    let rules = s.file("rules.toml", "[activity]\nactive = 400\nsleeping = 800\n");
    let loose = ok(s.kehu(TODAY, &["--rules", rules.to_str().unwrap(), "segments", "--json"]));
    assert_ne!(loose, usual, "other rules, other counts");
    assert_ne!(kept(&s).unwrap().stamp.rules, at.rules);
    // And the default rules again: not the counts kept for the other ones.
    assert_eq!(ok(s.kehu(TODAY, &["segments", "--json"])), usual);
}

#[test]
fn check_names_kept_counts_that_differ_from_a_fresh_build() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "200", "--seed", "2"]));
    ok(s.kehu(TODAY, &["segments"]));
    {
        let store = SledStore::open(&s.db()).unwrap();
        let mut wrong = store.kept_segments().unwrap().unwrap();
        let rows = &mut wrong.rows.iter_mut().find(|(d, _)| *d == Dimension::Lifecycle).unwrap().1;
        rows[0].count += 1;
        store.keep_segments(&wrong).unwrap();
    }
    let out = s.kehu(TODAY, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("kept segment counts differ from a fresh classification"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn show_classifies_one_customer_against_the_kept_population_as_the_whole_shop_would() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "300", "--seed", "5"]));
    let ids: Vec<String> = parse_csv(&ok(s.kehu(TODAY, &["export", "--kind", "customers"])))
        .1
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let picked: Vec<String> = ids.iter().step_by(37).map(|id| format!("#{id}")).collect();
    for q in &picked {
        // The whole shop classified: no kept counts hold (their stamp is moved back).
        {
            let store = SledStore::open(&s.db()).unwrap();
            if let Some(mut k) = store.kept_segments().unwrap() {
                k.stamp.change = 0;
                store.keep_segments(&k).unwrap();
            }
        }
        let full = ok(s.kehu(TODAY, &["show", q, "--json"]));
        // Now they hold; marked so that a reader that classified the shop again would be seen.
        let marked = {
            let store = SledStore::open(&s.db()).unwrap();
            let mut k = store.kept_segments().unwrap().expect("kept by the full classification");
            k.customers += 1000;
            store.keep_segments(&k).unwrap();
            k.customers
        };
        let kept_path = ok(s.kehu(TODAY, &["show", q, "--json"]));
        assert_eq!(kept_path, full, "{q}: the profile against the kept population differs");
        assert_eq!(kept(&s).unwrap().customers, marked, "{q}: the kept counts were not what show read");
    }
    assert!(picked.len() >= 8);
}

/// Everyone's kept classes, read through the library.
fn kept_classes(s: &Scratch) -> Option<kehu::classify::KeptClasses> {
    SledStore::open(&s.db()).unwrap().kept_classes().unwrap()
}

#[test]
fn kept_classes_carry_a_shop_to_later_days_as_a_fresh_build_would() {
    // Two copies of one shop with the same model (fitted today): one classified on every day
    // in turn (each day taken up from the classes kept the day before), one classified only on
    // the last day, afresh (its kept classes moved out of the way).
    let (walked, fresh) = (Scratch::new(), Scratch::new());
    for s in [&walked, &fresh] {
        ok(s.kehu(TODAY, &["demo", "--customers", "400", "--seed", "9"]));
        ok(s.kehu(TODAY, &["segments"]));
    }
    {
        let store = SledStore::open(&fresh.db()).unwrap();
        let mut k = store.kept_classes().unwrap().expect("kept by segments");
        k.stamp.change = 0;
        store.keep_classes(&k).unwrap();
    }
    let days = ["2026-11-26", "2026-11-27", "2026-12-01", "2027-02-14", "2027-09-30"];
    for day in days {
        let before = kept_classes(&walked).expect("classes kept by the last classification");
        let out = ok(walked.kehu(day, &["segments", "--json"]));
        let after = kept_classes(&walked).expect("kept anew for the new day");
        assert_eq!(after.stamp.today.to_string(), day);
        assert_eq!((after.stamp.change, after.entries.len()), (before.stamp.change, 400));
        assert!(out.contains("\"customers\": 400"), "{out}");
    }
    let last = days[days.len() - 1];
    let exported = |s: &Scratch| ok(s.kehu(last, &["export", "--kind", "classes"]));
    let (a, b) = (exported(&walked), exported(&fresh));
    assert!(a == b, "the walked shop's classes differ from a fresh build on {last}");
    let check = ok(walked.kehu(last, &["check"]));
    assert!(check.contains("kept classes") && check.contains("400"), "{check}");
}

#[test]
fn kept_classes_are_what_a_start_reads_and_check_names_forged_ones() {
    let (s, twin) = (Scratch::new(), Scratch::new());
    for s in [&s, &twin] {
        ok(s.kehu(TODAY, &["demo", "--customers", "300", "--seed", "3"]));
        ok(s.kehu(TODAY, &["segments"]));
    }
    let next = "2026-11-26";
    let honest = ok(twin.kehu(next, &["segments", "--json"]));
    // One customer's kept activity forged, held for ever so that the next day does not
    // reclassify them: the next day's classification takes it up.
    let forged = {
        let store = SledStore::open(&s.db()).unwrap();
        let mut k = store.kept_classes().unwrap().unwrap();
        let (id, classes, steady) = k.entries.iter_mut().find(|(_, c, _)| c.purchases > 0).unwrap();
        classes.activity =
            kehu::classify::Activity::ALL.iter().copied().find(|a| *a != classes.activity).unwrap();
        steady.until = chrono::NaiveDate::MAX;
        let id = *id;
        store.keep_classes(&k).unwrap();
        id
    };
    assert_ne!(ok(s.kehu(next, &["segments", "--json"])), honest, "the forged class was not read");
    let out = s.kehu(next, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("#{forged}")), "{}", stdout(&out));
    assert!(stdout(&out).contains("kept classes differ from a fresh classification"), "{}", stdout(&out));

    // Damage: a block that does not read is none at all; the reader classifies afresh and the
    // next check finds the new ones clean.
    {
        let db = sled::open(s.db()).unwrap();
        let tree = db.open_tree("kept").unwrap();
        let key: Vec<u8> = [&b"classes/"[..], &0u32.to_be_bytes()].concat();
        let mut bytes = tree.get(&key).unwrap().unwrap().to_vec();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x10;
        tree.insert(key, bytes).unwrap();
        db.flush().unwrap();
    }
    let out = s.kehu(TODAY, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("the kept classes do not read"), "{}", stdout(&out));
    // The next reader (its kept counts moved out of the way) classifies afresh, keeps new
    // classes, and prints what the twin printed.
    let mut counts = SledStore::open(&s.db()).unwrap().kept_segments().unwrap().unwrap();
    counts.stamp.change = 0;
    SledStore::open(&s.db()).unwrap().keep_segments(&counts).unwrap();
    assert_eq!(ok(s.kehu(next, &["segments", "--json"])), honest);
    let check = ok(s.kehu(next, &["check"]));
    assert!(check.contains("kept classes") && check.ends_with("clean\n"), "{check}");
}

#[test]
fn edits_since_the_kept_classes_are_caught_up_as_a_fresh_build_would_classify_them() {
    // Three copies of one shop, classes kept in each; the same edits through the binary in
    // each (a new customer, a sale of an existing one, a merge). `caught` catches its kept
    // classes up; `fresh` has its kept classes moved out of the way; `marked` had one
    // customer forged beforehand whom the edits cannot reach (they never bought, so no moved
    // population bound takes them in), which only a catch-up carries over.
    let (caught, fresh, marked) = (Scratch::new(), Scratch::new(), Scratch::new());
    for s in [&caught, &fresh, &marked] {
        ok(s.kehu(TODAY, &["demo", "--customers", "400", "--seed", "5"]));
        ok(s.kehu(TODAY, &["segments"]));
    }
    let ids: Vec<u64> = kept_classes(&caught).unwrap().entries.iter().map(|e| e.0).collect();
    let (loser, survivor) = (ids[20], ids[30]);
    let seller = {
        let store = SledStore::open(&caught.db()).unwrap();
        ids[10..].iter().find_map(|id| store.customer(*id).unwrap().unwrap().reference).expect("a member")
    };
    let forged = {
        let store = SledStore::open(&marked.db()).unwrap();
        let mut k = store.kept_classes().unwrap().unwrap();
        let (id, classes, steady) =
            k.entries.iter_mut().find(|(id, c, _)| *id > ids[40] && c.purchases == 0).unwrap();
        classes.activity =
            kehu::classify::Activity::ALL.iter().copied().find(|a| *a != classes.activity).unwrap();
        steady.until = chrono::NaiveDate::MAX;
        let id = *id;
        store.keep_classes(&k).unwrap();
        id
    };
    for s in [&caught, &fresh, &marked] {
        let people = s.file("c.csv", "ref,name,phone\nK900,新客人,13912340000\n");
        ok(s.kehu(TODAY, &["import", "--kind", "customers", people.to_str().unwrap()]));
        let sale = s.file("p.csv", &format!("ref,date,amount\n{seller},2026-11-24,880.00\n"));
        ok(s.kehu(TODAY, &["import", "--kind", "purchases", sale.to_str().unwrap()]));
        // A merge (the console's, through the library).
        let store = SledStore::open(&s.db()).unwrap();
        store.merge(store.customer(survivor).unwrap().unwrap(), loser).unwrap();
    }
    {
        let store = SledStore::open(&fresh.db()).unwrap();
        let mut k = store.kept_classes().unwrap().unwrap();
        k.stamp.change = 0;
        store.keep_classes(&k).unwrap();
    }
    let next = "2026-11-27";
    let exported = |s: &Scratch| ok(s.kehu(next, &["export", "--kind", "classes"]));
    let (a, b) = (exported(&caught), exported(&fresh));
    assert!(a == b, "classes caught up after edits differ from a fresh build");
    let last = SledStore::open(&caught.db()).unwrap().last_change().unwrap();
    let k = kept_classes(&caught).expect("kept anew after the catch-up");
    assert_eq!((k.stamp.change, k.entries.len()), (last, 400), "one added, one merged away");
    assert!(ok(caught.kehu(next, &["check"])).ends_with("clean\n"));

    exported(&marked);
    let k = kept_classes(&marked).unwrap();
    let carried = k.entries.iter().find(|(id, _, _)| *id == forged).unwrap();
    assert_eq!(carried.2.until, chrono::NaiveDate::MAX, "the untouched customer was taken as kept");
    let out = marked.kehu(next, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("#{forged}")), "{}", stdout(&out));
}

#[test]
fn a_rebuild_of_the_kept_summaries_is_said_once() {
    let s = Scratch::new();
    ok(s.kehu(TODAY, &["demo", "--customers", "120", "--seed", "6"]));
    let first = s.kehu(TODAY, &["segments"]);
    assert!(!stderr(&first).contains("rebuilt"), "a demo's summaries are current: {}", stderr(&first));
    // A restore carries no kept data: the first open rebuilds the summaries and says so.
    let file = s.dir.path().join("shop.kehubak");
    ok(s.kehu(TODAY, &["backup", file.to_str().unwrap()]));
    let restored = s.dir.path().join("restored");
    ok(kehu_at(&restored, TODAY, &["restore", file.to_str().unwrap()]));
    let opened = kehu_at(&restored, TODAY, &["segments"]);
    assert!(stderr(&opened).contains("rebuilt the kept summaries of 120 customers"), "{}", stderr(&opened));
    let again = kehu_at(&restored, TODAY, &["segments"]);
    assert!(!stderr(&again).contains("rebuilt"), "said once: {}", stderr(&again));
}
