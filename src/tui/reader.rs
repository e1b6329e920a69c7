//! The reader thread: runs the App's whole-shop reads ([`Effect::LoadDayClose`], a pass over
//! every history: seconds at 100,000 customers) off the input thread, so that keys, frames and
//! the other views go on meanwhile; the answer comes back as an action, like a search's.
//!
//! Only the newest read matters: one asked for while another runs is taken next, and any asked
//! for before it is skipped (←←← on the day's close reads the last day only).

use crate::store::Store;
use crate::ui::{Action, Effect};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

/// Name of the reader thread (in panic messages and debuggers).
pub const THREAD_NAME: &str = "kehu-reader";

/// A running reader thread; dropping it lets the thread end after the read it is on.
pub struct Reader {
    jobs: Option<Sender<Effect>>,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    /// Starts the thread over `store`; every answer goes to `reply` (which must not block long).
    pub fn start(store: Arc<dyn Store>, reply: impl Fn(Action) + Send + 'static) -> std::io::Result<Reader> {
        let (jobs, inbox) = mpsc::channel::<Effect>();
        let thread = std::thread::Builder::new().name(THREAD_NAME.into()).spawn(move || {
            while let Ok(mut job) = inbox.recv() {
                while let Ok(newer) = inbox.try_recv() {
                    job = newer;
                }
                // Reads change nothing: no operator is named.
                match catch_unwind(AssertUnwindSafe(|| super::effects::run_as(store.as_ref(), job, ""))) {
                    Ok(actions) => actions.into_iter().for_each(&reply),
                    Err(_) => reply(Action::Failed(crate::notice!(
                        "reading the day's records hit an internal error; open the view again"
                    ))),
                }
            }
        })?;
        Ok(Reader { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Hands a read over without waiting.
    pub fn submit(&self, job: Effect) {
        if let Some(jobs) = &self.jobs {
            // Fails only if the thread is gone; the view then keeps saying it is reading.
            let _ = jobs.send(job);
        }
    }

    /// Whether `effect` is a read this thread takes.
    pub fn takes(effect: &Effect) -> bool {
        matches!(effect, Effect::LoadDayClose(_))
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.jobs = None;
        // A read in progress finishes on its own; the process does not wait for it.
        drop(self.thread.take());
    }
}
