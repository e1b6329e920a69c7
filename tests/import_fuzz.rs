//! The CSV importer under attack (issue 7, point 4): random bytes and mutated valid files
//! (bytes dropped, duplicated or inserted, fields swapped, quotes broken, invalid UTF-8, huge
//! fields) go through the real import code path in-process, against one temporary store.
//! Never a panic; a refusal names at least one `line N:` that exists in the file; after a
//! refusal the database is unchanged (every history and setting compared before and after).
//!
//! 128 cases per property in CI; `PROPTEST_CASES=10000 cargo test --test import_fuzz` for more.

use chrono::NaiveDate;
use kehu::cli::Kind;
use kehu::cli::import::{self, Mode, Options};
use kehu::store::{SledStore, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::path::Path;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128)
}

const CUSTOMERS: &str = "ref,name,phone,email,gender,birthday,city,tags,notes,referrer,custom.size\n\
C1,王秀英,13812345678,wang@example.com,female,1980-02-03,上海,\"vip,老客\",\"说 \"\"你好\"\"\",,M\n\
C2,Li Na,13912345678,,male,19900405,Beijing,,=1+1,C1,\n\
C3,\"Zhang, San\",,,unknown,,,,\"two\nlines\",C2,L\n";

const PURCHASES: &str = "ref,date,amount,quantity,category,channel,promo\n\
C1,2024-01-05,12.50,1,tea,store,false\n\
C2,20240210,3,2,snacks,online,true\n\
C3,2023-12-31,0.99,1,,store,\n";

const INTERACTIONS: &str = "ref,date,kind,text,rating,complaint_type,severity,resolved,follow_up,operator\n\
C1,2024-02-01,call,asked about \"\"tea\"\",5,,,,,till\n\
C2,2024-03-01,complaint,late,2,delivery,major,false,2024-07-01,till\n";

fn base(kind: Kind) -> &'static str {
    match kind {
        Kind::Customers => CUSTOMERS,
        Kind::Purchases => PURCHASES,
        Kind::Interactions => INTERACTIONS,
    }
}

/// Everything a refused import must leave alone.
fn snapshot(store: &dyn Store) -> String {
    let hs = kehu::tui::all_histories(store).expect("histories");
    let settings: Vec<_> = ["segments", "model"].iter().map(|k| store.setting(k).expect("setting")).collect();
    format!("{} {hs:?} {settings:?}", store.customer_count().expect("count"))
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Drop(usize),
    Duplicate(usize, usize),
    Insert(usize, Vec<u8>),
    /// Swap two comma-separated fields of one line.
    SwapFields(usize, usize, usize),
    /// Insert or remove a quote.
    Quote(usize),
    /// Invalid UTF-8 (a lone continuation byte, a truncated sequence, 0xFF).
    BadUtf8(usize, u8),
    /// A field of this many characters.
    Huge(usize, usize),
    /// Truncate the file here.
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<prop::sample::Index>().prop_map(|i| i.index(usize::MAX));
    prop_oneof![
        at.clone().prop_map(Mutation::Drop),
        (at.clone(), 1..40usize).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (
            at.clone(),
            prop::collection::vec(
                prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(0u8), any::<u8>()],
                1..8
            )
        )
            .prop_map(|(a, b)| Mutation::Insert(a, b)),
        (at.clone(), 0..12usize, 0..12usize).prop_map(|(l, a, b)| Mutation::SwapFields(l, a, b)),
        at.clone().prop_map(Mutation::Quote),
        (at.clone(), prop_oneof![Just(0x80u8), Just(0xC3), Just(0xE4), Just(0xFF), Just(0xFE)])
            .prop_map(|(a, b)| Mutation::BadUtf8(a, b)),
        (at.clone(), prop_oneof![Just(5_000usize), Just(200_000)]).prop_map(|(a, n)| Mutation::Huge(a, n)),
        at.prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let pos = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
    match m {
        Mutation::Drop(p) if !bytes.is_empty() => {
            let p = p % bytes.len();
            bytes.remove(p);
        }
        Mutation::Drop(_) => {}
        Mutation::Duplicate(p, n) => {
            let p = pos(*p, bytes.len());
            let end = (p + n).min(bytes.len());
            let piece = bytes[p..end].to_vec();
            bytes.splice(p..p, piece);
        }
        Mutation::Insert(p, b) => {
            let p = pos(*p, bytes.len());
            bytes.splice(p..p, b.iter().copied());
        }
        Mutation::SwapFields(l, a, b) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            let l = l % lines.len();
            let mut fields: Vec<&str> = lines[l].split(',').collect();
            if *a < fields.len() && *b < fields.len() {
                fields.swap(*a, *b);
            }
            lines[l] = fields.join(",");
            *bytes = lines.join("\n").into_bytes();
        }
        Mutation::Quote(p) => {
            let p = pos(*p, bytes.len());
            match bytes[p..].iter().position(|&b| b == b'"') {
                Some(q) => {
                    bytes.remove(p + q);
                }
                None => bytes.insert(p, b'"'),
            }
        }
        Mutation::BadUtf8(p, b) => {
            let p = pos(*p, bytes.len());
            bytes.insert(p, *b);
        }
        Mutation::Huge(p, n) => {
            let p = pos(*p, bytes.len());
            bytes.splice(p..p, "王a".repeat(n / 2).into_bytes());
        }
        Mutation::Truncate(p) => {
            let p = pos(*p, bytes.len());
            bytes.truncate(p);
        }
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Customers), Just(Kind::Purchases), Just(Kind::Interactions)]
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Create), Just(Mode::Update), Just(Mode::Upsert)]
}

/// The line numbers a refusal names (`line N:`).
fn named_lines(err: &str) -> Vec<u64> {
    err.match_indices("line ")
        .filter_map(|(i, _)| {
            let rest = &err[i + 5..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            (rest[digits.len()..].starts_with(':')).then(|| digits.parse().ok()).flatten()
        })
        .collect()
}

/// Imports `bytes` and checks the outcome; returns whether it was refused.
fn check_import(
    store: &SledStore,
    dir: &Path,
    bytes: &[u8],
    kind: Kind,
    mode: Mode,
    create_missing: bool,
) -> Result<bool, TestCaseError> {
    let path = dir.join("input.csv");
    std::fs::write(&path, bytes).unwrap();
    let before = snapshot(store);
    let opts = Options {
        kind,
        create_missing,
        dry_run: false,
        mode,
        today: today(),
        encoding: None,
        rules: Default::default(),
        branch: String::new(),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let result = import::run_to(store, &path, &opts, &mut out, &mut err);
    let err = String::from_utf8_lossy(&err).into_owned();
    let refusal = match &result {
        Ok(0) => return Ok(false),
        Ok(code) => {
            prop_assert_eq!(*code, 1);
            err
        }
        Err(e) => format!("{e:#}"),
    };
    // Lines as the file has them: a line break is \n (or a lone \r, which csv also ends a
    // record at); the last line may lack one.
    let text = String::from_utf8_lossy(bytes);
    let lines = text.split('\n').count().max(text.split('\r').count()) as u64;
    let named = named_lines(&refusal);
    prop_assert!(!named.is_empty(), "a refusal names no line: {:?}", refusal);
    prop_assert!(
        named.iter().all(|&n| n >= 1 && n <= lines),
        "a refusal names a line the file ({} lines) lacks: {:?}",
        lines,
        refusal
    );
    prop_assert_eq!(snapshot(store), before, "a refused import changed the database: {}", refusal);
    Ok(true)
}

fn seeded_store(dir: &Path) -> SledStore {
    let store = SledStore::open(&dir.join("db")).expect("open");
    for kind in [Kind::Customers, Kind::Purchases, Kind::Interactions] {
        let path = dir.join("seed.csv");
        std::fs::write(&path, base(kind)).unwrap();
        let opts = Options {
            kind,
            create_missing: false,
            dry_run: false,
            mode: Mode::Upsert,
            today: today(),
            encoding: None,
            rules: Default::default(),
            branch: String::new(),
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = import::run_to(&store, &path, &opts, &mut out, &mut err).expect("seed");
        assert_eq!(code, 0, "seed {kind:?}: {}", String::from_utf8_lossy(&err));
    }
    store
}

#[test]
fn the_valid_files_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    assert_eq!(store.customer_count().unwrap(), 3);
    let hs = kehu::tui::all_histories(&store).unwrap();
    assert_eq!(hs.iter().map(|h| h.purchases.len()).sum::<usize>(), 3);
    assert_eq!(hs.iter().map(|h| h.interactions.len()).sum::<usize>(), 2);
}

#[test]
fn random_bytes_never_panic_and_refusals_name_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut runner = TestRunner::new(Config { cases: cases(), ..Config::default() });
    let strategy = (
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..400),
            // Mostly CSV punctuation, so the parser gets past the first byte.
            prop::collection::vec(
                prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b'a'), any::<u8>()],
                0..400
            ),
        ],
        kind(),
        mode(),
        any::<bool>(),
    );
    let refused = std::cell::Cell::new(0);
    runner
        .run(&strategy, |(bytes, kind, mode, create)| {
            let r = check_import(&store, dir.path(), &bytes, kind, mode, create)?;
            refused.set(refused.get() + r as u32);
            Ok(())
        })
        .unwrap();
    assert!(refused.get() > 0, "random bytes were never refused");
}

#[test]
fn mutated_valid_files_never_panic_and_refusals_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded_store(dir.path());
    let mut runner = TestRunner::new(Config { cases: cases(), ..Config::default() });
    let strategy = (kind(), prop::collection::vec(mutation(), 1..6), mode(), any::<bool>(), any::<bool>());
    let (refused, accepted) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    runner
        .run(&strategy, |(kind, mutations, mode, create, header_upper)| {
            let mut bytes = base(kind).as_bytes().to_vec();
            if header_upper {
                let end = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len());
                bytes[..end].make_ascii_uppercase();
            }
            for m in &mutations {
                apply(&mut bytes, m);
            }
            if check_import(&store, dir.path(), &bytes, kind, mode, create)? {
                refused.set(refused.get() + 1);
            } else {
                accepted.set(accepted.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(refused.get() > 0, "no mutated file was refused ({} accepted)", accepted.get());
    eprintln!("mutated files: {} refused, {} accepted", refused.get(), accepted.get());
}
