//! Writing a generated demo shop into a store (shared by `kehu demo`, `--demo` and the
//! console's welcome screen).

use super::{DemoSpec, DemoStats, generate};
use crate::progress::{Progress, QUIET, Unit};
use crate::store::Store;
use chrono::NaiveDate;

/// Customers per write transaction: large enough to be quick, small enough to stay lean.
const CHUNK: usize = 2000;

/// Generates the demo shop into `store`, one transaction per chunk, audited as `operator`.
///
/// The generator numbers records consecutively from `first_id`; before each chunk is written
/// its ids are reserved in the store, so a crash never leaves ids in use beyond the counter.
pub fn fill_store(
    store: &dyn Store,
    customers: u64,
    seed: u64,
    today: NaiveDate,
    operator: &str,
) -> anyhow::Result<DemoStats> {
    fill_store_with(store, customers, seed, today, operator, QUIET)
}

/// [`fill_store`], telling `p` of the customers written.
pub fn fill_store_with(
    store: &dyn Store,
    customers: u64,
    seed: u64,
    today: NaiveDate,
    operator: &str,
    p: &dyn Progress,
) -> anyhow::Result<DemoStats> {
    anyhow::ensure!(
        customers <= super::MAX_CUSTOMERS,
        "a demo shop takes at most {} customers, not {customers}",
        super::MAX_CUSTOMERS
    );
    p.stage("demo shop: customers", Some(customers), Unit::Items);
    let first_id = store.allocate_ids(1)?;
    let mut reserved_end = first_id + 1;
    let mut next = first_id;
    let spec = DemoSpec { customers, seed, today, first_id };
    let stats = generate(&spec, CHUNK, &mut |set| {
        next += (set.customers.len() + set.purchases.len() + set.interactions.len()) as u64;
        if next > reserved_end {
            let got = store.allocate_ids(next - reserved_end)?;
            // Nobody else allocates while we hold the database, so the block must follow on.
            anyhow::ensure!(got == reserved_end, "id allocation out of step ({got} ≠ {reserved_end})");
            reserved_end = next;
        }
        let written = set.customers.len() as u64;
        store.commit(crate::change::Change::Batch { set, source: "demo data".into() }, operator)?;
        p.advance(written);
        Ok(())
    })?;
    Ok(stats)
}
