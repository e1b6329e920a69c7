//! The two template shops of the corpus, built through the binary, and what their undamaged
//! copies answer: the reference every damaged copy is compared with.

use super::commands::{commands, run};
use super::{DAY, SEGMENT};
use crate::common::dbfiles::{daily_backups, journal_segments, newest_snapshot};
use crate::common::fsutil::copy_dir;
use crate::common::{kehu_at, ok, parse_csv};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Whether a copy keeps its journal and daily backup, or has only sled's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Way {
    Journal,
    Records,
}

impl Way {
    pub fn label(self) -> &'static str {
        match self {
            Way::Journal => "backup+journal",
            Way::Records => "records only",
        }
    }
}

/// A template shop: `root/db` (and `root/db.backups`), never opened after it was made.
pub struct Shop {
    pub root: PathBuf,
    pub way: Way,
    /// Each read command's stdout on the undamaged shop.
    pub reference: BTreeMap<&'static str, String>,
    /// Customers, purchases and interactions as exported from the undamaged shop.
    pub records: [Vec<String>; 3],
}

/// The shop of `way` among `shops`.
pub fn of_way(shops: &[Shop], way: Way) -> &Shop {
    shops.iter().find(|s| s.way == way).expect("a shop of each way")
}

/// Imports acknowledged after the daily backup: 40 new customers `M1`…`M40`, purchases for them
/// and for demo customers, interactions.
fn import_files(dir: &Path) -> [(&'static str, PathBuf); 3] {
    let mut customers = String::from("ref,name,phone,city,tags,notes\n");
    let mut purchases = String::from("ref,date,amount,quantity,category,channel\n");
    let mut interactions = String::from("ref,date,kind,text,rating\n");
    for n in 1..=40u32 {
        customers += &format!("M{n},Imported {n},139{n:08},杭州,vip,imported after the backup {n}\n");
        for k in 0..6u32 {
            let day = 1 + (n + k) % 29;
            purchases +=
                &format!("M{n},2024-06-{day:02},{}.{:02},{},snacks,store\n", 10 + n * k, n % 100, 1 + k % 3);
        }
        interactions +=
            &format!("M{n},2024-06-{:02},visit,came by after the backup,{}\n", 1 + n % 29, 1 + n % 5);
        purchases += &format!("{},2024-06-29,{}.50,1,drinks,online\n", 20_000_000 + n * 7, n);
    }
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    [
        ("customers", write("customers.csv", &customers)),
        ("purchases", write("purchases.csv", &purchases)),
        ("interactions", write("interactions.csv", &interactions)),
    ]
}

/// The shop with a journal and a daily backup in `root` (as `root/db`): a 500-customer demo
/// shop, the backup the console writes each day (through the library; it also cuts the
/// journal), then imports and a fit acknowledged after it.
fn make_journal_shop(dir: &Path, root: &Path) {
    let db = root.join("db");
    std::fs::create_dir_all(root).unwrap();
    ok(kehu_at(&db, DAY, &["demo", "--customers", "500", "--seed", "7"]));
    {
        let store = kehu::store::SledStore::open(&db).expect("open the demo shop");
        let day = NaiveDate::from_ymd_opt(2024, 6, 29).unwrap();
        let made = kehu::store::daily_backup(
            &store,
            &kehu::store::backup_dir(&db),
            day,
            kehu::store::KEEP_DEFAULT,
            &|| false,
        )
        .expect("daily backup");
        assert!(made.is_some(), "no daily backup was written");
    }
    for (kind, file) in import_files(dir) {
        let f = file.to_str().unwrap();
        ok(kehu_at(&db, DAY, &["import", "--kind", kind, f, "--create-missing"]));
    }
    ok(kehu_at(&db, DAY, &["fit"]));
    let (base, seg) = journal_segments(&db).pop().expect("a journal segment");
    assert!(base > 0, "the daily backup did not cut the journal: {}", seg.display());
    assert_eq!(daily_backups(&db).len(), 1, "one daily backup");
    assert!(newest_snapshot(&db).is_some(), "sled wrote no snapshot");
    let len = std::fs::metadata(db.join("db")).unwrap().len() as usize;
    assert!(len >= 2 * SEGMENT - 4096, "sled's db file is {len} bytes: too small to swap two segments");
}

/// Builds both template shops under `dir` and takes their reference output.
pub fn build_shops(dir: &Path) -> [Shop; 2] {
    let root = dir.join("journal-shop");
    make_journal_shop(dir, &root);
    // The same files with the journal deleted and no backup.
    let records_root = dir.join("records-shop");
    copy_dir(&root.join("db"), &records_root.join("db"));
    std::fs::remove_dir_all(records_root.join("db").join("journal")).unwrap();

    let ways = [(root, Way::Journal), (records_root, Way::Records)];
    let refs = stable_references(&ways, &dir.join("reference"));
    ways.into_iter()
        .zip(refs)
        .map(|((root, way), reference)| {
            let records =
                ["customers", "purchases", "interactions"].map(|k| rows(&reference[&*format!("export {k}")]));
            Shop { root, way, reference, records }
        })
        .collect::<Vec<_>>()
        .try_into()
        .unwrap_or_else(|_| unreachable!())
}

/// Each shop's reference output, taken twice on fresh copies and at once: what the test
/// compares with must not vary.
fn stable_references(ways: &[(PathBuf, Way)], scratch: &Path) -> Vec<BTreeMap<&'static str, String>> {
    let refs: Vec<[BTreeMap<&'static str, String>; 2]> = std::thread::scope(|s| {
        let handles: Vec<_> = ways
            .iter()
            .map(|(root, way)| {
                [1, 2].map(|n| {
                    let dir = scratch.join(format!("{way:?}-{n}"));
                    s.spawn(move || reference(root, &dir))
                })
            })
            .collect();
        handles.into_iter().map(|pair| pair.map(|h| h.join().unwrap())).collect()
    });
    ways.iter()
        .zip(refs)
        .map(|((_, way), [first, second])| {
            let varies: Vec<String> = first
                .iter()
                .filter(|(k, v)| second[*k] != **v)
                .map(|(k, v)| format!("{k}: {:?}", first_difference(v, &second[*k])))
                .collect();
            assert!(
                varies.is_empty(),
                "{}: the commands' output varies between runs: {varies:#?}",
                way.label()
            );
            first
        })
        .collect()
}

/// Each read command's stdout on a fresh undamaged copy of the shop in `root`.
fn reference(root: &Path, dir: &Path) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for cmd in commands().iter().filter(|c| c.compare) {
        let copy = dir.join(cmd.name.replace(' ', "-"));
        copy_dir(root, &copy);
        let r = run(&copy.join("db"), &cmd.args(&copy));
        assert_eq!(r.code, Some(0), "{} on the undamaged shop:\n{}{}", cmd.name, r.out, r.err);
        out.insert(cmd.name, normalised(r.out));
        std::fs::remove_dir_all(&copy).unwrap();
    }
    out
}

/// The first line where `a` and `b` differ.
pub fn first_difference(a: &str, b: &str) -> Option<(String, String)> {
    let (mut x, mut y) = (a.lines(), b.lines());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return None,
            (l, r) if l != r => return Some((l.unwrap_or("").into(), r.unwrap_or("").into())),
            _ => {}
        }
    }
}

/// A command's stdout without what varies from run to run (how long a fit took) or tells of
/// the journal rather than the data (`check` counts the journal's entries since its start).
pub fn normalised(out: String) -> String {
    out.lines()
        .filter(|l| !l.starts_with("journal ") && !l.starts_with("  from change "))
        .map(|l| match l.rfind(" in ") {
            Some(at) if l.starts_with("BG/NBD fitted") && l.ends_with(" s") => &l[..at],
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The data rows of a CSV export, each as one string.
pub fn rows(csv: &str) -> Vec<String> {
    let (_, rows) = parse_csv(csv);
    rows.into_iter().map(|r| r.join("\u{1f}")).collect()
}
