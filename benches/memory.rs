//! Heap bytes per customer of what the console keeps in memory, measured by a counting allocator
//! (resident memory mixes in sled's cache and freed-but-kept pages; this does not).
//! Prints one `name value unit` line per figure.
//!
//! `KEHU_BENCH_DB=DIR cargo bench --bench memory` — `scripts/bench.sh` builds the databases.

use chrono::NaiveDate;
use kehu::classify::{Classifier, Rules};
use kehu::dedupe::DuplicateIndex;
use kehu::domain::Customer;
use kehu::store::{SledStore, Store};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

/// Counts live heap bytes on top of the system allocator.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn main() {
    let Some(source) = std::env::var_os("KEHU_BENCH_DB") else {
        eprintln!("set KEHU_BENCH_DB to a demo database (scripts/bench.sh builds them); skipping");
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let store = SledStore::open(std::path::Path::new(&source)).expect("open the database");
    let per = |bytes: isize, n: usize| bytes as f64 / n.max(1) as f64;

    let before = live();
    let mut customers: Vec<Customer> = Vec::new();
    let (clf, clf_bytes) = {
        let mut histories = Vec::new();
        store.for_each_history(&mut |h| histories.push(h)).expect("read");
        let n = histories.len();
        println!("heap_histories_per_customer {:.0} B", per(live() - before, n));
        let at = live();
        let clf = Classifier::from_histories(Rules::default(), today, &histories);
        let bytes = live() - at;
        customers.extend(histories.into_iter().map(|h| h.customer));
        (clf, bytes)
    };
    let n = customers.len();
    println!("heap_classifier_per_customer {:.0} B", per(clf_bytes, n));
    let (at, started) = (live(), std::time::Instant::now());
    let dupes = DuplicateIndex::build(customers.iter());
    println!("duplicate_index_build {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
    println!("heap_duplicate_index_per_customer {:.0} B", per(live() - at, n));
    let at = live();
    let recencies = customers.iter().map(|_| 0);
    let index = kehu::search::SearchIndex::build(customers.iter().zip(recencies));
    let index_bytes = live() - at;
    println!("heap_search_index_per_customer {:.0} B", per(index_bytes, n));
    drop(index);
    // The console's rows (boxed records and sort facts) with their own search index.
    let at = live();
    let model = kehu::ui::Model::build(customers.clone(), Some(&clf));
    println!("heap_customer_rows_per_customer {:.0} B", per(live() - at - index_bytes, n));
    drop(customers);
    println!("heap_total_per_customer {:.0} B", per(live() - before, n));
    drop((dupes, model, clf));
}
