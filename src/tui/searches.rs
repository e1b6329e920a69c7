//! The search thread: runs the App's searches ([`Effect::Search`](crate::ui::Effect)) off the
//! input thread and answers with [`Action::Searched`], so that typing never waits for matching.
//!
//! Only the newest search matters. The input thread records each search's generation as it
//! hands it over; the thread skips any search that is no longer the newest when it gets to it,
//! and a running one stops at its next chunk once a newer one is handed over. What the thread
//! keeps from its last completed search (the candidates of a growing query) stays with it, so a
//! query that extends the last one still looks only at that one's hits.

use crate::search::{Answer, Progress, Searcher};
use crate::ui::{Action, SearchJob};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

/// Name of the search thread (in panic messages and debuggers).
pub const THREAD_NAME: &str = "kehu-search";

/// A running search thread; dropping it stops the thread (after at most one chunk of work).
pub struct SearchThread {
    jobs: Option<Sender<SearchJob>>,
    /// The generation of the newest search handed over.
    newest: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl SearchThread {
    /// Starts the thread; every answer goes to `reply` (which must not block for long).
    pub fn start(reply: impl Fn(Action) + Send + 'static) -> std::io::Result<SearchThread> {
        let (jobs, inbox) = mpsc::channel::<SearchJob>();
        let newest = Arc::new(AtomicU64::new(0));
        let seen = Arc::clone(&newest);
        let thread = std::thread::Builder::new().name(THREAD_NAME.into()).spawn(move || {
            let mut searcher = Searcher::default();
            while let Ok(mut job) = inbox.recv() {
                // Searches handed over meanwhile supersede this one.
                while let Ok(newer) = inbox.try_recv() {
                    job = newer;
                }
                if seen.load(Ordering::SeqCst) != job.generation {
                    continue;
                }
                let SearchJob { generation, query, keys } = job;
                let mut progress = Running { newest: &seen, generation, reply: &reply };
                let done = catch_unwind(AssertUnwindSafe(|| searcher.run(&keys, &query, &mut progress)));
                // Let go of the keys before answering: an edit taken in with the answer then
                // changes them in place instead of copying them.
                drop(keys);
                match done {
                    Ok(Some(answer)) => reply(Action::Searched { generation, answer: Box::new(answer) }),
                    Ok(None) => {}
                    Err(_) => {
                        searcher = Searcher::default();
                        reply(Action::Failed(crate::notice!(
                            "the search hit an internal error; please type the query again"
                        )));
                    }
                }
            }
        })?;
        Ok(SearchThread { jobs: Some(jobs), newest, thread: Some(thread) })
    }

    /// Hands a search over without waiting; an older one still running stops soon after.
    pub fn submit(&self, job: SearchJob) {
        self.newest.store(job.generation, Ordering::SeqCst);
        if let Some(jobs) = &self.jobs {
            // Fails only if the thread is gone; the App then keeps its last results.
            let _ = jobs.send(job);
        }
    }
}

impl Drop for SearchThread {
    fn drop(&mut self) {
        // No generation is u64::MAX: whatever runs stops at its next chunk.
        self.newest.store(u64::MAX, Ordering::SeqCst);
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A search being run: stopped once a newer one is handed over; its best-so-far answered.
struct Running<'a, R> {
    newest: &'a AtomicU64,
    generation: u64,
    reply: &'a R,
}

impl<R: Fn(Action)> Progress for Running<'_, R> {
    fn cancelled(&self) -> bool {
        self.newest.load(Ordering::SeqCst) != self.generation
    }

    fn partial(&mut self, best: Answer) {
        (self.reply)(Action::Searched { generation: self.generation, answer: Box::new(best) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Customer;
    use crate::search::SearchKeys;
    use std::time::Duration;

    fn keys(names: &[&str]) -> Arc<SearchKeys> {
        let cs: Vec<Customer> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut c = Customer::new(n, chrono::DateTime::UNIX_EPOCH).expect("name");
                c.id = i as u64 + 1;
                c
            })
            .collect();
        Arc::new(SearchKeys::build(cs.iter().map(|c| (c, 0))))
    }

    fn job(generation: u64, query: &str, keys: &Arc<SearchKeys>) -> SearchJob {
        SearchJob { generation, query: query.into(), keys: Arc::clone(keys) }
    }

    #[test]
    fn answers_carry_their_generation_and_the_hits() {
        let (tx, rx) = mpsc::channel();
        let t = SearchThread::start(move |a| drop(tx.send(a))).expect("thread");
        let k = keys(&["Anna Smith", "Bob Jones", "Anna Lee"]);
        t.submit(job(1, "anna", &k));
        let got = rx.recv_timeout(Duration::from_secs(30)).expect("answer");
        let Action::Searched { generation, answer } = got else { panic!("{got:?}") };
        assert_eq!(generation, 1);
        assert!(answer.complete);
        let mut ids = answer.ids.clone();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 3]);
        assert_eq!(Arc::strong_count(&k), 1, "the thread let go of the keys before answering");
    }

    #[test]
    fn a_superseded_search_is_never_answered() {
        let (tx, rx) = mpsc::channel();
        let t = SearchThread::start(move |a| drop(tx.send(a))).expect("thread");
        let k = keys(&["Anna Smith", "Bob Jones"]);
        // Both handed over before the thread looks: the first is no longer the newest.
        t.newest.store(2, Ordering::SeqCst);
        if let Some(jobs) = &t.jobs {
            jobs.send(job(1, "anna", &k)).expect("send");
        }
        t.submit(job(2, "bob", &k));
        let got = rx.recv_timeout(Duration::from_secs(30)).expect("answer");
        assert!(matches!(got, Action::Searched { generation: 2, .. }), "{got:?}");
        drop(t);
        assert!(rx.try_iter().all(|a| !matches!(a, Action::Searched { generation: 1, .. })));
    }
}
