//! kehu's search against a peer on the same input in one run: `fzf --filter` (a whole process per
//! query, as a shell pipeline would use it) over one line per customer ("name phone ref email
//! tags"), and kehu's index typing the same queries key by key. Prints `name value unit` lines.
//!
//! `cargo bench --bench peer` (100,000 customers; `KEHU_BENCH_1M=1` adds 1,000,000). Needs `fzf`
//! on the PATH (`scripts/bench.sh` installs it); without it only kehu's side is printed.
//!
//! The comparison is not like for like in fzf's favour or against it: fzf also starts a process
//! and reads the file each time, but it matches one fuzzy algorithm over plain lines, while
//! kehu ranks tiers (exact card, prefixes, pinyin, then fuzzy) over keys built in advance. The
//! figure a cashier feels is kehu's per-key latency; fzf's is what a shell user would get.

mod common;
use chrono::NaiveDate;
use common::customers;
use kehu::domain::Customer;
use kehu::search::SearchIndex;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The same queries as the search bench, typed one key at a time.
const QUERIES: &[(&str, &str)] = &[
    ("hanzi", "王秀英"),
    ("pinyin_initials", "wxy"),
    ("name", "chen"),
    ("latin_name", "smit"),
    ("phone_prefix", "1381"),
    ("phone_tail", "5678"),
    ("ref", "m000"),
];

/// One searchable line per customer, as one would feed fzf.
fn line(c: &Customer) -> String {
    let phone = c.phone.as_ref().map(|p| p.as_str()).unwrap_or_default();
    let email = c.email.as_ref().map(|e| e.as_str()).unwrap_or_default();
    let reference = c.reference.as_deref().unwrap_or_default();
    format!("{} {phone} {reference} {email} {}", c.name, c.tags.join(" "))
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    v.get(v.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// Runs `fzf --filter q` over the file; the time of the whole process and the lines it printed.
fn fzf(file: &std::path::Path, q: &str) -> Option<(Duration, usize)> {
    let input = std::fs::File::open(file).ok()?;
    let started = Instant::now();
    let out = Command::new("fzf").arg("--filter").arg(q).stdin(input).stderr(Stdio::null()).output().ok()?;
    Some((started.elapsed(), out.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count()))
}

fn run(n: u64, have_fzf: bool) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let cs = customers(n, today);
    let label = if n >= 1_000_000 { format!("{}m", n / 1_000_000) } else { format!("{}k", n / 1000) };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("customers.txt");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
        for c in &cs {
            writeln!(w, "{}", line(c)).expect("write");
        }
    }
    let mut index = SearchIndex::build(cs.iter().map(|c| (c, 0)));
    drop(cs);
    for (kind, q) in QUERIES {
        let prefixes: Vec<&str> = q.char_indices().map(|(i, c)| &q[..i + c.len_utf8()]).collect();
        let mut ours = Vec::new();
        let mut hits = 0;
        for _ in 0..5 {
            for p in &prefixes {
                let t = Instant::now();
                hits = index.query(p).len();
                ours.push(t.elapsed());
            }
        }
        println!("peer_kehu_{kind}_{label}_key_p50 {:.2} ms", median(ours));
        println!("peer_kehu_{kind}_{label}_hits {hits} hits");
        if !have_fzf {
            continue;
        }
        let mut theirs = Vec::new();
        let mut found = 0;
        for _ in 0..3 {
            for p in &prefixes {
                if let Some((d, lines)) = fzf(&file, p) {
                    theirs.push(d);
                    found = lines;
                }
            }
        }
        println!("peer_fzf_{kind}_{label}_key_p50 {:.2} ms", median(theirs));
        println!("peer_fzf_{kind}_{label}_hits {found} hits");
    }
}

fn main() {
    let have_fzf =
        Command::new("fzf").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    if !have_fzf {
        eprintln!("fzf is not on the PATH (scripts/bench.sh installs it): printing kehu's side only");
    }
    run(100_000, have_fzf);
    if std::env::var_os("KEHU_BENCH_1M").is_some() {
        run(1_000_000, have_fzf);
    }
}
