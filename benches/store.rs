//! Store and classification figures on a demo database: open, read, classify, reclassify
//! everyone, edit commit (transaction + flush + reclassify), model fit, bytes per customer.
//! Prints one `name value unit` line per figure.
//!
//! `KEHU_BENCH_DB=DIR cargo bench --bench store` — `scripts/bench.sh` builds the databases.
//! The database is copied first, so the edits never change the cached one.

use chrono::{Duration as Days, NaiveDate};
use kehu::classify::{Classifier, Rules};
use kehu::domain::{History, Money, Purchase};
use kehu::store::{SledStore, Store};
use std::path::Path;
use std::time::{Duration, Instant};

mod common;
use common::{copy_dir, percentile};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Resident memory of this process in MB (Linux), for the memory-per-customer figure.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time this process has used (all threads), in ms: on a loaded machine wall time inflates
/// and CPU time much less, so both are printed for the whole-shop steps.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name; in
    // clock ticks of 10 ms.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) * 10.0
}

fn main() {
    let Some(source) = std::env::var_os("KEHU_BENCH_DB") else {
        eprintln!("set KEHU_BENCH_DB to a demo database (scripts/bench.sh builds them); skipping");
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let work = tempfile::tempdir().expect("tempdir");
    let db = work.path().join("db");
    let bytes = copy_dir(Path::new(&source), &db).expect("copy the database");

    // The first open after a bulk write replays sled's whole log; it then writes a snapshot of
    // its page table, so every later open (what operators see day to day) replays only the rest.
    let t = Instant::now();
    let store = SledStore::open(&db).expect("open");
    println!("open_db {:.0} ms", ms(t.elapsed()));
    drop(store);
    let t = Instant::now();
    let store = SledStore::open(&db).expect("reopen");
    println!("reopen_db {:.0} ms", ms(t.elapsed()));
    let n = store.customer_count().expect("count");
    println!("db_bytes_per_customer {:.0} B", bytes as f64 / n.max(1) as f64);

    let t = Instant::now();
    let mut histories = Vec::new();
    store.for_each_history(&mut |h| histories.push(h)).expect("read");
    println!("read_all_histories {:.0} ms", ms(t.elapsed()));
    println!("rss_after_read {:.0} MB", rss_mb());
    // What a classifying command reads instead: the kept digests (issue 18), one per customer.
    let t = Instant::now();
    let mut digests = 0usize;
    store
        .summaries_until(&mut |_| {
            digests += 1;
            std::ops::ControlFlow::Continue(())
        })
        .expect("digests");
    println!("read_all_digests {:.0} ms ({digests} customers)", ms(t.elapsed()));
    // The day's close (`kehu report day`, the console's `5`): one more pass over every history,
    // warm now, as it is when the console asks for it.
    let t = Instant::now();
    let mut book = kehu::report::day::DayBook::new(today);
    store.for_each_history(&mut |h| book.push(&h)).expect("read");
    let close = book.finish(0);
    println!("day_close_read {:.0} ms ({} sales)", ms(t.elapsed()), close.sales);
    // After the read, so that this scan does not warm sled's cache for it.
    let sizes = store.tree_sizes().expect("sizes");
    let records: u64 = sizes.iter().map(|(_, _, b)| b).sum();
    println!("record_bytes_per_customer {:.0} B", records as f64 / n.max(1) as f64);
    for (tree, entries, b) in &sizes {
        println!(
            "record_bytes_{tree} {:.0} B/entry ({entries} entries)",
            *b as f64 / (*entries).max(1) as f64
        );
    }

    if std::env::var_os("KEHU_BENCH_STORE_ONLY").is_some() {
        let ids: Vec<u64> = histories.iter().map(|h| h.customer.id).collect();
        drop(histories);
        edit_commits(&store, &ids, today, &mut |_| ());
        return;
    }

    let (t, cpu) = (Instant::now(), cpu_ms());
    let mut clf = Classifier::from_histories(Rules::default(), today, &histories);
    println!("classify_all {:.0} ms", ms(t.elapsed()));
    println!("classify_all_cpu {:.0} ms", cpu_ms() - cpu);
    println!("rss_after_classify {:.0} MB", rss_mb());

    let t = Instant::now();
    match clf.fit_model() {
        Ok(model) => {
            println!("bgnbd_fit {:.0} ms", ms(t.elapsed()));
            let (t, cpu) = (Instant::now(), cpu_ms());
            clf.set_model(Some(model));
            println!("predict_all {:.0} ms", ms(t.elapsed()));
            println!("predict_all_cpu {:.0} ms", cpu_ms() - cpu);
        }
        Err(e) => eprintln!("no fit: {e}"),
    }

    // A new day on the classifier start-up built the day before: what the console does at
    // midnight. Only the customers the day reaches are reclassified; the first day also fills
    // the model's per-(x, T) table, so the days after it are shown too.
    let (t, cpu) = (Instant::now(), cpu_ms());
    clf.set_today(today + Days::days(1));
    println!("reclassify_everyone {:.0} ms", ms(t.elapsed()));
    println!("reclassify_everyone_cpu {:.0} ms", cpu_ms() - cpu);
    let mut days = Vec::new();
    for d in 2..=8 {
        let t = Instant::now();
        clf.set_today(today + Days::days(d));
        days.push(t.elapsed());
    }
    println!("reclassify_next_days_p50 {:.0} ms", percentile(&mut days, 0.5));
    println!("reclassify_next_days_max {:.0} ms", percentile(&mut days, 1.0));
    // A clock set back (or a jump far ahead) classifies everyone afresh.
    let (t, cpu) = (Instant::now(), cpu_ms());
    clf.set_today(today);
    println!("reclassify_full {:.0} ms", ms(t.elapsed()));
    println!("reclassify_full_cpu {:.0} ms", cpu_ms() - cpu);

    // Edit commit: what the console does for `p` amount Enter.
    let ids: Vec<u64> = histories.iter().map(|h| h.customer.id).collect();
    drop(histories);
    println!("rss_classifier_only {:.0} MB", rss_mb());
    edit_commits(&store, &ids, today, &mut |h| clf.upsert(h));
}

/// Records 300 purchases as the console does for `p` amount Enter (transaction + flush, read
/// back, `after` — the reclassification), printing the store's share and the whole commit.
fn edit_commits(store: &SledStore, ids: &[u64], today: NaiveDate, after: &mut dyn FnMut(&History)) {
    let (mut saves, mut commits) = (Vec::new(), Vec::new());
    for i in 0..300u64 {
        let id = ids[(i.wrapping_mul(2_654_435_761) % ids.len() as u64) as usize];
        let t = Instant::now();
        let p = Purchase::new(id, today, Money(1250), 1).expect("valid purchase");
        store.add_purchase(p).expect("saved");
        saves.push(t.elapsed());
        let h = store.history(id).expect("read back").expect("exists");
        after(&h);
        commits.push(t.elapsed());
    }
    println!("edit_save_p50 {:.2} ms", percentile(&mut saves, 0.5));
    println!("edit_save_p99 {:.2} ms", percentile(&mut saves, 0.99));
    println!("edit_commit_p50 {:.2} ms", percentile(&mut commits, 0.5));
    println!("edit_commit_p99 {:.2} ms", percentile(&mut commits, 0.99));
}
