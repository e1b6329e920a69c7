//! Search index figures on demo customers: build time, keystroke latency per query kind (typing
//! a query one key at a time), latency of the extending key, and heap bytes per customer.
//! Prints one `name value unit` line per figure.
//!
//! `cargo bench --bench search` (100,000 customers; `KEHU_BENCH_1M=1` adds 1,000,000).

use chrono::NaiveDate;
use kehu::demo::{DemoSpec, generate};
use kehu::domain::Customer;
use kehu::search::SearchIndex;
use std::convert::Infallible;
use std::time::{Duration, Instant};

/// Queries as staff type them, one key at a time.
const QUERIES: &[(&str, &str)] = &[
    ("hanzi", "王秀英"),
    ("pinyin_initials", "wxy"),
    ("pinyin_full", "wangx"),
    ("name", "chen"),
    ("latin_name", "smit"),
    ("phone_prefix", "1381"),
    ("phone_tail", "5678"),
    ("ref", "m000"),
];
const ROUNDS: usize = 15;

/// Demo customers only (purchases and interactions dropped chunk by chunk to save memory).
fn customers(n: u64, today: NaiveDate) -> Vec<(Customer, i32)> {
    let mut out = Vec::with_capacity(n as usize);
    let _ = generate::<Infallible>(&DemoSpec::new(n, 7, today), 10_000, &mut |set| {
        for c in set.customers {
            let day = i32::try_from(c.updated.timestamp() / 86_400).unwrap_or(0);
            out.push((c, day));
        }
        Ok(())
    });
    out
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn run(n: u64) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let cs = customers(n, today);
    let label = if n >= 1_000_000 { format!("{}m", n / 1_000_000) } else { format!("{}k", n / 1000) };
    let started = Instant::now();
    let mut index = SearchIndex::build(cs.iter().map(|(c, r)| (c, *r)));
    println!("search_build_{label} {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    println!("search_index_bytes_per_customer_{label} {:.0} B", index.heap_bytes() as f64 / n as f64);
    drop(cs);

    let only = std::env::var("KEHU_BENCH_ONLY").ok();
    for (kind, q) in QUERIES.iter().filter(|(k, _)| only.as_deref().is_none_or(|o| o == *k)) {
        // One untimed round: the first query after a build pays for page faults of its buffers.
        for end in q.char_indices().map(|(i, c)| i + c.len_utf8()) {
            index.query(&q[..end]);
        }
        let (mut keys, mut last, mut hits) = (Vec::new(), Vec::new(), 0);
        let mut by_key: Vec<Vec<Duration>> = vec![Vec::new(); q.chars().count()];
        let ends: Vec<usize> = q.char_indices().map(|(i, c)| i + c.len_utf8()).collect();
        for _ in 0..ROUNDS {
            index.forget();
            for (i, &end) in ends.iter().enumerate() {
                let t = Instant::now();
                hits = index.query(&q[..end]).len();
                let d = t.elapsed();
                keys.push(d);
                by_key[i].push(d);
                if i + 1 == ends.len() {
                    last.push(d);
                }
            }
        }
        println!("search_key_{kind}_{label}_p50 {:.2} ms", percentile(&mut keys, 0.5));
        println!("search_key_{kind}_{label}_p99 {:.2} ms", percentile(&mut keys, 0.99));
        println!("search_extend_{kind}_{label}_p99 {:.2} ms", percentile(&mut last, 0.99));
        println!("search_hits_{kind}_{label} {hits} hits");
        if std::env::var("KEHU_BENCH_DETAIL").is_ok() {
            for (i, ds) in by_key.iter_mut().enumerate() {
                println!("search_key{}_{kind}_{label}_p50 {:.2} ms", i + 1, percentile(ds, 0.5));
            }
        }
    }
}

fn main() {
    run(100_000);
    if std::env::var("KEHU_BENCH_1M").is_ok_and(|v| v == "1") {
        run(1_000_000);
    }
}
