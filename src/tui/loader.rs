//! The start-up loader: reads the database while the console is already on screen, and hands
//! the App what it read as actions.
//!
//! First the customer records alone, a small fraction of the data, are read and indexed (on two
//! threads) into the list and the search ([`Action::CustomersLoaded`]), and sent on to the
//! duplicate index. Once they are read, the kept digests (one small entry per customer, see
//! `store::digests`; the histories themselves when the digests are behind) stream into the
//! classifier builder, so no history is read at all. Then the classifier is finished (with the
//! stored model, or a fresh fit; from everyone's kept classes when they hold, see
//! `cli::kept`), and the rows sent first take their classes ([`Action::Loaded`]); only then is
//! the duplicate index built and judged.
//!
//! Every record read checks the cancel flag, so a console that quits while loading stops the
//! reading at once; only a step already running (classifying, fitting) is finished first.

use super::trace;
use crate::classify::{Classifier, ClassifierBuilder, Rules};
use crate::dedupe::DuplicateIndex;
use crate::domain::Customer;
use crate::store::Store;
use crate::ui::{Action, Loaded, Model};
use chrono::NaiveDate;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;

/// A finished classifier and what the operator should hear about it (e.g. why there are no
/// predictions).
pub type Classified = (Classifier, Option<String>);

/// Customers read per message to the indexing thread.
const BATCH: usize = 1024;

/// Name of the loader's thread (in panic messages and debuggers).
pub const THREAD_NAME: &str = "kehu-loader";

/// What the loader needs besides the store.
pub struct Job<C> {
    /// The classification rules.
    pub rules: Rules,
    /// "Today" for every classification.
    pub today: NaiveDate,
    /// Finishes the classifier (puts the stored or a freshly fitted model in force).
    pub classify: C,
}

/// Loads everything, sending progress and results to `tx`; stops early when `cancel` is set.
/// An error (or a bug's panic) becomes [`Action::LoadFailed`], never a crash of the console.
pub fn run<C>(store: &dyn Store, job: Job<C>, cancel: &AtomicBool, tx: &Sender<Action>)
where
    C: FnOnce(ClassifierBuilder) -> anyhow::Result<Classified>,
{
    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(store, job, cancel, tx)));
    // A send fails only when the console has quit: nobody is left to tell.
    let _ = match loaded {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => tx.send(Action::LoadFailed(format!("{e:#}"))),
        Err(panic) => tx.send(Action::LoadFailed(format!("internal error: {}", panic_text(&panic)))),
    };
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a loader thread panicked".into())
}

/// The whole load, sent as it is done: [`Action::CustomersLoaded`], then [`Action::Loaded`],
/// then (when the pairs took longer than the classes) [`Action::DuplicatesFound`]. Nothing more
/// is sent once cancelled.
fn load<C>(store: &dyn Store, job: Job<C>, cancel: &AtomicBool, tx: &Sender<Action>) -> anyhow::Result<()>
where
    C: FnOnce(ClassifierBuilder) -> anyhow::Result<Classified>,
{
    // Set when reading failed: the duplicate index is then not judged (minutes at 1M).
    let failed = AtomicBool::new(false);
    let stop = || cancel.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed);
    // 0 until the customer pass has counted them: progress needs the total.
    let total = AtomicU64::new(0);
    std::thread::scope(|s| {
        let (scanned_tx, scanned) = std::sync::mpsc::channel::<()>();
        // The duplicate index needs only the customers: the first pass sends them on as it
        // reads them. No list of every customer is kept for it.
        let (to_dupes, for_dupes) = std::sync::mpsc::channel::<Customer>();
        let first = s.spawn(|| customers_first(store, &total, cancel, tx, scanned_tx, to_dupes));
        // The histories wait for the customer records to be read (not indexed): on two cores
        // the search is then ready a fifth sooner, for a few percent later classes. Returns
        // at once if that pass failed (the sender is gone).
        let _ = scanned.recv();
        // Pairs an operator marked as two people stay out of the view; unreadable marks only
        // show those pairs again.
        let not_duplicates = store.not_duplicates().unwrap_or_default();
        // The index waits for the classes: on two cores, building it beside the digests made
        // the classes 0.9 s later at 100,000 customers (kept classes: 2.2 s → 1.3 s), and the
        // pairs are shown after the classes anyway. The customers wait in the channel.
        let (classes_in, wait) = std::sync::mpsc::channel::<()>();
        let dupes = s.spawn(move || {
            // Told by a message or by the sender's end (an early return): either way, go on.
            let _ = wait.recv();
            let mut index = DuplicateIndex::unjudged(for_dupes);
            for (a, b) in not_duplicates {
                index.dismiss(a, b, true);
            }
            if !stop() {
                index.judge_all();
            }
            index
        });
        let rest = summaries(store, job.rules, job.today, &total, cancel, tx);
        let builder = joined(first).and(rest).inspect_err(|_| failed.store(true, Ordering::Relaxed))?;
        if stop() {
            return Ok(());
        }
        trace::step("read");
        let (classifier, note) =
            (job.classify)(builder).inspect_err(|_| failed.store(true, Ordering::Relaxed))?;
        trace::step("classified");
        drop(classes_in);
        if stop() {
            return Ok(());
        }
        // The rows and the search were sent with the customers; they take the classes on
        // arrival. The pairs follow if they are not judged yet: classes first.
        if dupes.is_finished() {
            let loaded =
                Loaded { classifier, model: None, dupes: Some(joined(dupes)), note, elsewhere: false };
            let _ = tx.send(Action::Loaded(Box::new(loaded)));
        } else {
            let loaded = Loaded { classifier, model: None, dupes: None, note, elsewhere: false };
            let _ = tx.send(Action::Loaded(Box::new(loaded)));
            let index = joined(dupes);
            if !stop() {
                let _ = tx.send(Action::DuplicatesFound(Box::new(index)));
            }
        }
        Ok(())
    })
}

/// What a scoped thread returned; its panic goes on in this thread (and becomes the load's
/// failure in [`run`]).
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The customer records alone, as rows and a search index without classes: sent at once, so
/// that the search works long before every history is read. One thread reads, another indexes
/// what was read (the index is the slower half); `scanned` is told when the reading is done.
fn customers_first(
    store: &dyn Store,
    total: &AtomicU64,
    cancel: &AtomicBool,
    tx: &Sender<Action>,
    scanned: Sender<()>,
    dupes: Sender<Customer>,
) -> anyhow::Result<()> {
    // Unbounded: the reading never waits for the indexing, so the histories start sooner.
    // Batches, not single records: a send per customer cost the reader more than the decode.
    let (to_index, read) = std::sync::mpsc::channel::<Vec<Customer>>();
    let model = std::thread::scope(|s| {
        let index = s.spawn(move || Model::build(read.into_iter().flatten(), None));
        let mut count = 0;
        let mut batch = Vec::with_capacity(BATCH);
        let scan = store.customers_until(&mut |c| {
            if cancel.load(Ordering::Relaxed) {
                return ControlFlow::Break(());
            }
            // The duplicate index only stops early by panicking; the load ends with that panic.
            let _ = dupes.send(c.clone());
            batch.push(c);
            count += 1;
            // The indexing thread only stops early by panicking: then stop reading too.
            if batch.len() == BATCH
                && to_index.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err()
            {
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        if !batch.is_empty() {
            let _ = to_index.send(batch);
        }
        drop(to_index);
        total.store(count, Ordering::Relaxed);
        drop(scanned);
        trace::step("customers");
        let model = index.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        scan.map(|()| model)
    })?;
    if !cancel.load(Ordering::Relaxed) {
        let _ = tx.send(Action::CustomersLoaded(Box::new(model)));
    }
    Ok(())
}

/// Streams every customer's kept digest (see [`Store::summaries_until`]) into a classifier
/// builder; reports progress each percent once the total is known.
fn summaries(
    store: &dyn Store,
    rules: Rules,
    today: NaiveDate,
    total: &AtomicU64,
    cancel: &AtomicBool,
    tx: &Sender<Action>,
) -> anyhow::Result<ClassifierBuilder> {
    let mut builder = Classifier::builder(rules, today);
    let mut read = 0;
    let mut shown = None;
    store.summaries_until(&mut |d| {
        if cancel.load(Ordering::Relaxed) {
            return ControlFlow::Break(());
        }
        builder.push_summary(d);
        read += 1;
        let (read, total) = (read, total.load(Ordering::Relaxed));
        if total > 0 && shown != Some(read * 100 / total) {
            shown = Some(read * 100 / total);
            let _ = tx.send(Action::LoadProgress { read, total });
        }
        ControlFlow::Continue(())
    })?;
    Ok(builder)
}

/// Everything at once, on the calling thread, with no predictions (after demo data was written:
/// a small shop, and `R` fits the model).
pub fn read_all(store: &dyn Store, rules: Rules, today: NaiveDate) -> anyhow::Result<Loaded> {
    let mut builder = Classifier::builder(rules, today);
    let mut customers = Vec::new();
    store.for_each_history(&mut |h| {
        builder.push(&h);
        customers.push(h.customer);
    })?;
    let mut loaded = Loaded::new(customers, builder.finish(None));
    if let Some(index) = loaded.dupes.as_mut() {
        for (a, b) in store.not_duplicates()? {
            index.dismiss(a, b, true);
        }
    }
    Ok(loaded)
}
