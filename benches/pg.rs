//! PostgreSQL figures (`KEHU_BENCH_PG`: the URL of a shop `kehu demo` filled; skipped without
//! it): an edit's commit, p50 / p99, and the time from an edit acknowledged in one store to its
//! arrival, as the console's action, at another store's watcher (another process, as far as the
//! server knows: its own connections).

#[path = "common/mod.rs"]
mod common;

use common::percentile;
use kehu::domain::{Money, Purchase};
use kehu::store::{PgStore, Store};
use kehu::ui::Action;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

fn main() {
    let Ok(url) = std::env::var("KEHU_BENCH_PG") else {
        eprintln!(
            "set KEHU_BENCH_PG to the URL of a demo shop on PostgreSQL (scripts/bench.sh pg); skipping"
        );
        return;
    };
    let rounds = common::rounds().max(50);
    let here = PgStore::open(&url).expect("open");
    let n = here.customer_count().expect("count");
    println!("pg_customers {n}");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    // Customers spread over the shop (demo ids have gaps: merged-away customers).
    let mut ids = Vec::new();
    here.customers_until(&mut |c| {
        ids.push(c.id);
        std::ops::ControlFlow::Continue(())
    })
    .expect("ids");
    let sale = |k: usize| Purchase::new(ids[(k * 7919) % ids.len()], day, Money(1250), 1).expect("a sale");

    let mut commits = Vec::new();
    for k in 0..rounds {
        let t = Instant::now();
        here.add_purchase(sale(k)).expect("commit");
        commits.push(t.elapsed());
    }
    println!(
        "pg_edit_commit_ms p50 {:.2} p99 {:.2}",
        percentile(&mut commits, 0.5),
        percentile(&mut commits, 0.99)
    );

    let there: Arc<dyn Store> = Arc::new(PgStore::open(&url).expect("open the other"));
    let (tx, rx) = mpsc::channel();
    let since = there.last_change().expect("last change");
    let _w = kehu::tui::watch::Watcher::start(Arc::clone(&there), since, move |s: kehu::tui::watch::Seen| {
        drop(tx.send(s.action))
    })
    .expect("thread")
    .expect("a feed");
    let mut arrivals = Vec::new();
    for k in 0..rounds {
        here.add_purchase(sale(rounds + k)).expect("commit");
        let acknowledged = Instant::now();
        match rx.recv_timeout(Duration::from_secs(10)).expect("the change arrives") {
            Action::ChangedElsewhere { .. } => arrivals.push(acknowledged.elapsed()),
            other => panic!("unexpected {other:?}"),
        }
    }
    println!(
        "pg_edit_to_other_process_ms p50 {:.2} p99 {:.2} (acknowledged → the other's action)",
        percentile(&mut arrivals, 0.5),
        percentile(&mut arrivals, 0.99)
    );
}
