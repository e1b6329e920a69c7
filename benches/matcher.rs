//! fuzzy-matcher (the design's matcher) against nucleo-matcher on the search's own fuzzy keys:
//! for each query kind that reaches the fuzzy tier, typed one key at a time, the time of one
//! fuzzy pass over every customer's key with each matcher. Prints one `name value unit` line
//! per figure.
//!
//! The pass is the fuzzy tier of `src/search/matching.rs` alone, done the same way for both:
//! - keys: `SearchKeys::fuzzy_keys`, the index's own folded keys; an ASCII query looks at the
//!   ASCII key, a non-ASCII one at the wide key where a customer has one (else the ASCII key);
//! - prefilter: kehu's cheap in-order check (`in_order` on bytes for an ASCII query,
//!   `chars_in_order` otherwise, copied below), then scoring only of the keys that pass it;
//! - (a) skim: `SkimMatcherV2::default().ignore_case()` and `fuzzy_match(key, query)`, as kehu;
//! - (b) nucleo: one `Matcher::new(Config::DEFAULT)`, the query as one fuzzy `Atom`
//!   (`CaseMatching::Ignore`, `Normalization::Smart`, what `Pattern::parse` makes of a query
//!   without spaces or operators), each key as `Utf32Str::Ascii` when ASCII, else
//!   `Utf32Str::new(key, &mut buf)` (decoded per key: the index keeps UTF-8 only).
//!
//! Unlike the search, every key of the query is scored against everyone (no narrowing to the
//! previous key's survivors, no direct or pinyin tier taking a customer first, and scoring from
//! the first char where the search scores from the third): this is the matchers' cost, not the
//! keystroke's. `*_scored_*` is the p50 of the keys the search scores fuzzily (third char on).
//! `nucleo_decoded` (non-ASCII queries only) feeds nucleo wide keys decoded to chars once, up
//! front, as nucleo's `Utf32String` is meant to be used, instead of per key and per pass.
//! `prefilter_only` is kehu's prefilter alone: the floor under both prefiltered passes.
//! `*_raw_*` is the same pass without kehu's prefilter (each matcher alone, nucleo with its own
//! prefilter inside). Phone kinds are digits-only: the search never scores them fuzzily.
//!
//! `cargo bench --bench matcher` (100,000 customers; `KEHU_BENCH_1M=1` adds 1,000,000;
//! `KEHU_BENCH_ONLY=<kind>` one query kind; `KEHU_BENCH_ROUNDS` rounds, 15 by default;
//! `KEHU_BENCH_DETAIL=1` adds the p50 of each key).

mod common;
use chrono::NaiveDate;
use common::{percentile, rounds};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use kehu::demo::{DemoSpec, generate};
use kehu::search::{SearchKeys, chars_in_order, in_order};
use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};
use std::convert::Infallible;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// The query kinds of `benches/search.rs` that reach the fuzzy tier, typed one key at a time.
const QUERIES: &[(&str, &str)] = &[
    ("hanzi", "王秀英"),
    ("pinyin_initials", "wxy"),
    ("pinyin_full", "wangx"),
    ("name", "chen"),
    ("latin_name", "smit"),
    ("ref", "m000"),
];

/// The search scores fuzzily from this many chars on (`FUZZY_FROM` in src/search/query.rs).
const FUZZY_FROM: usize = 3;

/// Demo customers' search keys (purchases and interactions dropped chunk by chunk).
fn keys(n: u64, today: NaiveDate) -> SearchKeys {
    let mut keys = SearchKeys::default();
    let _ = generate::<Infallible>(&DemoSpec::new(n, 7, today), 10_000, &mut |set| {
        for c in &set.customers {
            keys.upsert(c, 0);
        }
        Ok(())
    });
    keys
}

/// The prefixes of `q`, one more char each.
fn prefixes(q: &str) -> Vec<&str> {
    q.char_indices().map(|(i, c)| &q[..i + c.len_utf8()]).collect()
}

/// One query over every key with one matcher.
trait Pass {
    /// Keys matched and the sum of their scores (kept so that nothing is optimised away).
    fn run(&mut self, keys: &[(&str, &str)], q: &str, prefilter: bool) -> (usize, i64);
}

/// The key an ASCII or a non-ASCII query looks at, and whether it passes kehu's prefilter.
#[inline]
fn pick<'k>(key: &(&'k str, &'k str), q: &str, ascii: bool, prefilter: bool) -> Option<&'k str> {
    let &(narrow, wide) = key;
    let k = if ascii || wide.is_empty() { narrow } else { wide };
    let passes =
        !prefilter || if ascii { in_order(k.as_bytes(), q.as_bytes()) } else { chars_in_order(k, q) };
    passes.then_some(k)
}

/// kehu's prefilter alone, no scoring: the floor under both matchers' prefiltered passes.
struct PrefilterOnly;

impl Pass for PrefilterOnly {
    fn run(&mut self, keys: &[(&str, &str)], q: &str, prefilter: bool) -> (usize, i64) {
        let ascii = q.is_ascii();
        (keys.iter().filter(|key| pick(key, q, ascii, prefilter).is_some()).count(), 0)
    }
}

struct Skim(SkimMatcherV2);

impl Pass for Skim {
    fn run(&mut self, keys: &[(&str, &str)], q: &str, prefilter: bool) -> (usize, i64) {
        let ascii = q.is_ascii();
        let (mut hits, mut sum) = (0, 0);
        for key in keys {
            if let Some(k) = pick(key, q, ascii, prefilter)
                && let Some(s) = self.0.fuzzy_match(k, q)
            {
                hits += 1;
                sum += s;
            }
        }
        (hits, sum)
    }
}

struct Nucleo {
    matcher: Matcher,
    buf: Vec<char>,
}

impl Pass for Nucleo {
    fn run(&mut self, keys: &[(&str, &str)], q: &str, prefilter: bool) -> (usize, i64) {
        let ascii = q.is_ascii();
        let atom = Atom::new(q, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy, false);
        let (mut hits, mut sum) = (0, 0);
        for key in keys {
            let Some(k) = pick(key, q, ascii, prefilter) else { continue };
            let hay =
                if k.is_ascii() { Utf32Str::Ascii(k.as_bytes()) } else { Utf32Str::new(k, &mut self.buf) };
            if let Some(s) = atom.score(hay, &mut self.matcher) {
                hits += 1;
                sum += i64::from(s);
            }
        }
        (hits, sum)
    }
}

/// nucleo as it is meant to be fed: the wide keys decoded to chars once, up front (what
/// `Utf32String` is for), instead of per key and per pass. Only differs from [`Nucleo`] for a
/// non-ASCII query; costs 4 bytes per char of every wide key.
struct NucleoDecoded {
    matcher: Matcher,
    wide: Vec<Option<Utf32String>>,
}

impl Pass for NucleoDecoded {
    fn run(&mut self, keys: &[(&str, &str)], q: &str, prefilter: bool) -> (usize, i64) {
        let ascii = q.is_ascii();
        let atom = Atom::new(q, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy, false);
        let (mut hits, mut sum) = (0, 0);
        for (key, wide) in keys.iter().zip(&self.wide) {
            let Some(k) = pick(key, q, ascii, prefilter) else { continue };
            let hay = match wide {
                Some(w) if !ascii => w.slice(..),
                _ => Utf32Str::Ascii(k.as_bytes()),
            };
            if let Some(s) = atom.score(hay, &mut self.matcher) {
                hits += 1;
                sum += i64::from(s);
            }
        }
        (hits, sum)
    }
}

/// Per key of the query: the times of each round, and the hits of the last.
struct Timed {
    by_key: Vec<Vec<Duration>>,
    hits: Vec<usize>,
}

impl Timed {
    fn all(&self) -> Vec<Duration> {
        self.by_key.iter().flatten().copied().collect()
    }

    fn scored(&self) -> Vec<Duration> {
        self.by_key.iter().skip(FUZZY_FROM - 1).flatten().copied().collect()
    }
}

/// Times every matcher on every key of `q`, `rounds` times, taking turns at going first.
fn time_all(
    keys: &[(&str, &str)],
    q: &str,
    prefilter: bool,
    rounds: usize,
    passes: &mut [&mut dyn Pass],
) -> Vec<Timed> {
    let ends = prefixes(q);
    let n = passes.len();
    let mut out: Vec<Timed> =
        (0..n).map(|_| Timed { by_key: vec![Vec::new(); ends.len()], hits: vec![0; ends.len()] }).collect();
    // One untimed round: warms the caches and the matchers' buffers.
    for p in &ends {
        for pass in passes.iter_mut() {
            black_box(pass.run(keys, p, prefilter));
        }
    }
    for round in 0..rounds {
        for (i, p) in ends.iter().enumerate() {
            for turn in 0..n {
                let m = (turn + round) % n;
                let t = Instant::now();
                let (hits, sum) = passes[m].run(keys, black_box(p), prefilter);
                out[m].by_key[i].push(t.elapsed());
                out[m].hits[i] = hits;
                black_box(sum);
            }
        }
    }
    out
}

fn report(kind: &str, label: &str, mode: &str, names: &[&str], timed: &[Timed]) {
    let mut p50 = vec![0.0; timed.len()];
    for (m, t) in timed.iter().enumerate() {
        let name = names[m];
        let mut all = t.all();
        p50[m] = percentile(&mut all, 0.5);
        println!("matcher_{name}{mode}_{kind}_{label}_p50 {:.2} ms", p50[m]);
        println!("matcher_{name}{mode}_{kind}_{label}_p99 {:.2} ms", percentile(&mut all, 0.99));
        let mut scored = t.scored();
        if !scored.is_empty() {
            println!("matcher_{name}{mode}_scored_{kind}_{label}_p50 {:.2} ms", percentile(&mut scored, 0.5));
        }
        println!("matcher_{name}{mode}_hits_{kind}_{label} {} hits", t.hits.last().copied().unwrap_or(0));
        if std::env::var("KEHU_BENCH_DETAIL").is_ok() {
            for (i, ds) in t.by_key.clone().iter_mut().enumerate() {
                println!(
                    "matcher_{name}{mode}_key{}_{kind}_{label}_p50 {:.2} ms ({} hits)",
                    i + 1,
                    percentile(ds, 0.5),
                    t.hits[i]
                );
            }
        }
    }
    for m in 1..timed.len() {
        if p50[m] > 0.0 && names[m].starts_with("nucleo") {
            println!("matcher_skim_over_{}{mode}_{kind}_{label}_p50 {:.2} x", names[m], p50[0] / p50[m]);
        }
    }
}

fn run(n: u64) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let label = if n >= 1_000_000 { format!("{}m", n / 1_000_000) } else { format!("{}k", n / 1000) };
    let index = keys(n, today);
    let keys: Vec<(&str, &str)> = index.fuzzy_keys().collect();
    let wide = keys.iter().filter(|(_, w)| !w.is_empty()).count();
    println!("matcher_keys_{label} {} keys", keys.len());
    println!("matcher_wide_keys_{label} {wide} keys");

    let mut skim = Skim(SkimMatcherV2::default().ignore_case());
    let mut nucleo = Nucleo { matcher: Matcher::new(Config::DEFAULT), buf: Vec::new() };
    let mut decoded = NucleoDecoded {
        matcher: Matcher::new(Config::DEFAULT),
        // Wide keys only: an ASCII key is already what nucleo matches on.
        wide: keys.iter().map(|(_, w)| (!w.is_empty()).then(|| Utf32String::from(*w))).collect(),
    };
    let only = std::env::var("KEHU_BENCH_ONLY").ok();
    let rounds = rounds();
    for (kind, q) in QUERIES.iter().filter(|(k, _)| only.as_deref().is_none_or(|o| o == *k)) {
        let passed = keys.iter().filter(|k| pick(k, q, q.is_ascii(), true).is_some()).count();
        println!("matcher_prefilter_passed_{kind}_{label} {passed} keys");
        let wide_query = !q.is_ascii();
        let names: &[&str] =
            if wide_query { &["skim", "nucleo", "nucleo_decoded"] } else { &["skim", "nucleo"] };
        let mut passes: Vec<&mut dyn Pass> = vec![&mut skim, &mut nucleo];
        if wide_query {
            passes.push(&mut decoded);
        }
        let timed = time_all(&keys, q, true, rounds, &mut passes);
        report(kind, &label, "", names, &timed);
        let timed = time_all(&keys, q, true, rounds, &mut [&mut PrefilterOnly]);
        report(kind, &label, "", &["prefilter_only"], &timed);
        // Without the prefilter, fewer rounds: skim alone is slow on every key.
        let timed = time_all(&keys, q, false, rounds.div_ceil(3), &mut passes);
        report(kind, &label, "_raw", names, &timed);
    }
}

fn main() {
    run(100_000);
    if std::env::var("KEHU_BENCH_1M").is_ok_and(|v| v == "1") {
        run(1_000_000);
    }
}
