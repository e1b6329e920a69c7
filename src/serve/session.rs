//! One operator's console: a thread of its own that owns the session's `App`, decodes the
//! client's bytes into keys, runs what they mean against the shared store, passes saves on to
//! the other sessions, and sends each frame to the client as one write.
//!
//! A thread per session (not a task) because an edit waits for the disk flush and a start-up
//! clone or a reclassification takes CPU: neither may hold up the SSH transport of everyone.

use super::hub::{Hub, Input};
use super::input::Decoder;
use super::term::{self, SessionBackend};
use crate::store::Store;
use crate::tui::scrolling::Scrolling;
use crate::tui::{
    FramePacer, Offload, Reader, ScanDetector, SearchThread, Step, action_for, dispatch_with, route,
};
use crate::ui::{Action, App, render};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// What a session starts with.
pub struct Spec {
    /// The session's number (unique in this server).
    pub id: u64,
    /// Who signs this session's edits.
    pub operator: String,
    /// What they may do (from their key).
    pub role: crate::domain::Role,
    /// The client's window, clamped.
    pub size: (u16, u16),
    /// A session with no input for this long is ended.
    pub idle: Duration,
}

/// Where a session's output goes: frames to the client (never waiting for it), then the end.
pub struct Output {
    /// Frames for the channel writer task.
    pub frames: mpsc::Sender<Vec<u8>>,
    /// The exit status, once the session is over.
    pub end: oneshot::Sender<u32>,
}

/// How a console loop ended: the last line for the client and the exit status.
type Farewell = (Option<String>, u32);

/// Longest a session waits for input before it looks at its timers again.
const TICK: Duration = Duration::from_millis(500);
/// How soon a lost frame is drawn again (whole) when nothing else changes.
const RETRY: Duration = Duration::from_millis(50);
/// Most inputs handled before a frame is drawn (a flood of keys still shows progress).
const BATCH: usize = 256;

/// Runs a session to its end; a panic inside ends this session only.
pub fn run(
    store: Arc<dyn Store>,
    hub: Arc<Hub>,
    spec: Spec,
    inbox: Receiver<Input>,
    me: std::sync::mpsc::Sender<Input>,
    out: Output,
) {
    let Output { frames, end } = out;
    let _ = frames.try_send(term::ENTER.to_vec());
    let id = spec.id;
    let result = catch_unwind(AssertUnwindSafe(|| {
        // The search thread answers into the session's own inbox, so an answer wakes the
        // session like a key does.
        let (answers, reads) = (me.clone(), me.clone());
        let searches = SearchThread::start(move |a| drop(answers.send(Input::Answer(Box::new(a)))));
        let reader = Reader::start(Arc::clone(&store), move |a| drop(reads.send(Input::Answer(Box::new(a)))));
        let app = hub.join(id, me);
        match (searches, reader) {
            (Ok(searches), Ok(reader)) => {
                let threads = (searches, reader);
                Console::new(store.as_ref(), &hub, spec, app, &frames, threads).run(&inbox)
            }
            (Err(e), _) | (_, Err(e)) => (Some(format!("kehu: cannot start this session: {e}")), 71),
        }
    }));
    hub.leave(id);
    let (word, status) = result.unwrap_or_else(|_| {
        super::log(format_args!("session {id} panicked and was closed; the other sessions go on"));
        (Some("kehu: this session hit an internal error and was closed; please reconnect".into()), 70)
    });
    let mut last = term::LEAVE.to_vec();
    if let Some(w) = word {
        last.extend_from_slice(crate::text::terminal_safe(&w).as_bytes());
        last.extend_from_slice(b"\r\n");
    }
    let _ = frames.try_send(last);
    let _ = end.send(status);
}

/// A session's console and what drives it.
struct Console<'a> {
    store: &'a dyn Store,
    hub: &'a Hub,
    spec: Spec,
    app: App,
    terminal: Terminal<Scrolling<SessionBackend>>,
    decoder: Decoder,
    scanner: ScanDetector,
    frames: &'a mpsc::Sender<Vec<u8>>,
    /// A frame was dropped (the client did not keep up): the next one is drawn whole, at the
    /// latest at [`RETRY`] after the loss, so a screen is never left stale for want of a key.
    lost: bool,
    /// When the frame lost last was lost.
    lost_at: Instant,
    last_input: Instant,
    panic_key: Option<char>,
    searches: SearchThread,
    reader: Reader,
    pacer: FramePacer,
}

impl<'a> Console<'a> {
    fn new(
        store: &'a dyn Store,
        hub: &'a Hub,
        spec: Spec,
        mut app: App,
        frames: &'a mpsc::Sender<Vec<u8>>,
        (searches, reader): (SearchThread, Reader),
    ) -> Self {
        let (w, h) = spec.size;
        app.set_operator(&spec.operator);
        app.set_role(spec.role);
        app.set_key_prefix(&crate::tui::key_prefix());
        app.update(Action::Resize(w, h));
        let viewport = Viewport::Fixed(Rect::new(0, 0, w, h));
        let terminal =
            Terminal::with_options(Scrolling::new(SessionBackend::new(w, h)), TerminalOptions { viewport })
                .unwrap_or_else(|e| unreachable!("a session backend cannot fail: {e}"));
        let scanner = ScanDetector::new(app.card_pattern());
        Console {
            store,
            hub,
            spec,
            app,
            terminal,
            decoder: Decoder::new(),
            scanner,
            frames,
            lost: false,
            lost_at: Instant::now(),
            last_input: Instant::now(),
            panic_key: std::env::var("KEHU_TEST_PANIC_ON").ok().and_then(|v| v.chars().next()),
            searches,
            reader,
            pacer: FramePacer::default(),
        }
    }

    /// The event loop: wait for input or a timer, handle everything waiting, draw once (a
    /// little later when a search answer is on its way: see [`crate::tui::ANSWER_WAIT`]).
    fn run(mut self, inbox: &Receiver<Input>) -> Farewell {
        self.draw();
        loop {
            let now = Instant::now();
            let idle_end = self.last_input + self.spec.idle;
            let retry = self.lost.then_some(self.lost_at + RETRY);
            let wake = [
                self.decoder.deadline(),
                self.scanner.deadline(),
                self.pacer.deadline(),
                Some(idle_end),
                retry,
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + TICK);
            let first = match inbox.recv_timeout(wake.saturating_duration_since(now).min(TICK)) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return (None, 0),
            };
            let mut changed = false;
            for msg in first.into_iter().chain(std::iter::from_fn(|| inbox.try_recv().ok())).take(BATCH) {
                match msg {
                    Input::Close(word) => return (word, 0),
                    other => changed |= self.handle(other),
                }
                if self.app.should_quit() {
                    return (None, 0);
                }
            }
            changed |= self.timers(Instant::now());
            if self.app.should_quit() {
                return (None, 0);
            }
            if Instant::now() >= self.last_input + self.spec.idle {
                return (Some(format!("kehu: no key for {}; session closed", idle_text(self.spec.idle))), 0);
            }
            let (awaited, now) = (self.app.list().awaited_search(), Instant::now());
            if changed {
                self.pacer.changed(awaited, now);
            }
            if self.pacer.due(awaited, now) || retry.is_some_and(|r| now >= r) {
                self.draw();
            }
        }
    }

    /// Handles one message; whether the screen may have changed.
    fn handle(&mut self, msg: Input) -> bool {
        match msg {
            Input::Bytes(bytes) => {
                let now = Instant::now();
                self.last_input = now;
                let events = self.decoder.feed(&bytes, now);
                self.events(events, now)
            }
            Input::Resize(w, h) => {
                self.terminal.backend_mut().inner_mut().set_size(w, h);
                if self.terminal.resize(Rect::new(0, 0, w, h)).is_err() {
                    self.lost = true;
                }
                self.app.update(Action::Resize(w, h));
                true
            }
            Input::Remote(action) | Input::Answer(action) => {
                self.act(*action);
                true
            }
            Input::Close(_) => false,
        }
    }

    /// Decides what waited for time: a lone Esc, keys held for a card scan.
    fn timers(&mut self, now: Instant) -> bool {
        let events = self.decoder.tick(now);
        let mut changed = self.events(events, now);
        let released: Vec<Step> = self.scanner.tick(now).into_iter().map(Step::from).collect();
        changed |= self.steps(released);
        changed
    }

    /// Passes events through the card scanner and on to the console.
    fn events(&mut self, events: Vec<crossterm::event::Event>, now: Instant) -> bool {
        let mut changed = false;
        for ev in events {
            if let (Some(c), crossterm::event::Event::Key(k)) = (self.panic_key, &ev)
                && k.code == crossterm::event::KeyCode::Char(c)
            {
                panic!("KEHU_TEST_PANIC_ON: test panic on key {c:?}");
            }
            self.scanner.set_pattern(self.app.card_pattern());
            self.scanner.set_leads(self.app.card_leads());
            let steps = route(&mut self.scanner, self.app.mode(), ev, now);
            changed |= self.steps(steps);
            if self.app.should_quit() {
                break;
            }
        }
        changed
    }

    /// Handles steps in order, each in the mode the previous ones left.
    fn steps(&mut self, steps: Vec<Step>) -> bool {
        let mut any = false;
        for step in steps {
            let actions = match step {
                Step::Event(ev) => action_for(&self.app, ev),
                Step::Scan(card) => vec![Action::Scan(card)],
            };
            for a in actions {
                any = true;
                self.act(a);
            }
        }
        any
    }

    /// Runs an action (and its effects) and passes on what the store saved: before this
    /// console takes the answer in, so that the shop it follows (written by the hub's base) has
    /// the change when this console refreshes its views from it.
    fn act(&mut self, action: Action) {
        let offload = Offload { searches: Some(&self.searches), reader: Some(&self.reader) };
        let (hub, store, spec) = (&self.hub, self.store, &self.spec);
        dispatch_with(&mut self.app, self.store, offload, action, &mut |a| {
            if matches!(
                a,
                Action::Saved(_)
                    | Action::Merged { .. }
                    | Action::Committed(_)
                    | Action::Loaded(_)
                    | Action::ModelFitted(_)
            ) {
                hub.publish(store, spec.id, &spec.operator, a);
            }
        });
    }

    /// Draws a frame and hands it to the channel writer without waiting; a frame that does not
    /// fit (the client is not reading) is dropped and the next one drawn whole.
    fn draw(&mut self) {
        if self.lost {
            let area = self.terminal.get_frame().area();
            self.lost = self.terminal.resize(area).is_err();
        }
        let app = &self.app;
        if self.terminal.draw(|f| render(app, f)).is_err() {
            self.lost = true;
        }
        let frame = self.terminal.backend_mut().inner_mut().take_frame();
        if !frame.is_empty() && self.frames.try_send(frame).is_err() {
            self.lost = true;
        }
        if self.lost {
            self.lost_at = Instant::now();
        }
    }
}

/// An idle limit in words: "30 min", "45 s".
fn idle_text(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) { format!("{} min", s / 60) } else { format!("{s} s") }
}
