//! The terminal runtime: puts the terminal in raw mode on the alternate screen, turns crossterm
//! events into actions through the keymap, runs the App's effects against the store, and draws.
//!
//! Redraws are coalesced: every event already waiting is handled before one frame is drawn, and
//! nothing is drawn when no event arrived. ratatui sends only the cells that changed, through a
//! buffered writer flushed once per frame.
//!
//! Searches run on a search thread of their own ([`searches`]): the input thread hands each one
//! over and goes back to the keys; the answers come back as actions, and a frame waits for the
//! answer to a new search at most [`ANSWER_WAIT`] (see `pacer.rs`).

pub mod clock;
mod config;
mod effects;
pub mod elsewhere;
mod hangup;
mod keys;
pub mod loader;
pub mod memory;
mod pacer;
mod reader;
mod scan;
pub mod scrolling;
pub mod searches;
pub mod trace;
pub mod watch;

pub use config::{ConsoleConfig, config_branch};
pub use effects::{all_histories, run as run_effect, run_as as run_effect_as, saved_segments};
pub use keys::form_key;
pub use loader::{Classified, read_all};
pub use pacer::{ANSWER_WAIT, FramePacer};
pub use reader::Reader;
pub use scan::{Fed, ScanDetector};
pub use searches::SearchThread;

use crate::classify::{Classifier, ClassifierBuilder, Rules};
use crate::store::Store;
use crate::ui::form::FormKey;
use crate::ui::{Action, App, AppInit, Effect, Mode, SavedSegment, render};
use chrono::NaiveDate;
use crossterm::event::{self, Event, KeyEventKind, MouseButton, MouseEventKind};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use scrolling::Scrolling;
use std::collections::VecDeque;
use std::io::{BufWriter, Stdout, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex, Once};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Whether this process has the terminal in raw mode; restoring flips it back exactly once.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();
/// The thread that draws the console: only its panic ends the console.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

/// Puts the terminal back (idempotent: the panic hook and the guard may both call it).
fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        trace::hold(false);
        let _ = disable_raw_mode();
        let mut out = std::io::stdout();
        let _ = execute!(
            out,
            event::DisableBracketedPaste,
            event::DisableMouseCapture,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = out.flush();
    }
}

/// Holds the terminal in console mode; dropping it restores the terminal (csvlens: not while
/// panicking, since the panic hook has already done so before printing the message).
struct Guard;

impl Guard {
    fn enter() -> anyhow::Result<Guard> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                // Another thread (the loader) panicking is not the end of the console: the
                // loader turns it into a status line, and the message waits for the terminal.
                let ui = UI_THREAD.lock().ok().and_then(|t| *t);
                if ACTIVE.load(Ordering::SeqCst) && ui.is_some_and(|t| t != std::thread::current().id()) {
                    trace::say(format!("kehu: {info}"));
                    return;
                }
                restore();
                previous(info);
            }));
        });
        if let Ok(mut t) = UI_THREAD.lock() {
            *t = Some(std::thread::current().id());
        }
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        trace::hold(true);
        let guard = Guard;
        // Bracketed paste: a pasted card number arrives as one text event, never as a scan.
        execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            event::EnableMouseCapture,
            event::EnableBracketedPaste
        )?;
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            restore();
        }
    }
}

/// Where the user's config (with its `[keys]` table) lives: `KEHU_CONFIG`, else the platform
/// config dir (e.g. `~/.config/kehu/config.toml`).
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KEHU_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "kehu").map(|d| d.config_dir().join("config.toml"))
}

/// Feeds `action` to the App and runs the effects it returns (and the actions they answer
/// with) until nothing is left; searches run here, to the end (tests, scripts).
pub fn dispatch(app: &mut App, store: &dyn Store, action: Action) {
    dispatch_observed(app, store, action, &mut |_| {});
}

/// Like [`dispatch`], with every action the store answered shown to `seen` before the App
/// takes it (`kehu serve` passes saves on to the other sessions this way). Changes are audited
/// as the App's operator.
pub fn dispatch_observed(app: &mut App, store: &dyn Store, action: Action, seen: &mut dyn FnMut(&Action)) {
    dispatch_with(app, store, Offload::default(), action, seen);
}

/// Where work too slow for the input thread goes: searches to the search thread, whole-shop
/// reads to the reader thread; without them (tests, [`dispatch`]) it runs here, at once.
#[derive(Clone, Copy, Default)]
pub struct Offload<'a> {
    /// The search thread.
    pub searches: Option<&'a SearchThread>,
    /// The reader thread.
    pub reader: Option<&'a Reader>,
}

/// Like [`dispatch_observed`], with searches and whole-shop reads handed to `offload`'s
/// threads when given (their answers come back later, as actions of their own).
pub fn dispatch_with(
    app: &mut App,
    store: &dyn Store,
    offload: Offload,
    action: Action,
    seen: &mut dyn FnMut(&Action),
) {
    let mut queue = VecDeque::from([action]);
    let mut first = true;
    while let Some(a) = queue.pop_front() {
        if !first {
            seen(&a);
        }
        first = false;
        for effect in app.update(a) {
            match effect {
                Effect::Quit => {}
                Effect::FitModel => {
                    // The summaries are copied out first: the fit runs without the shop's lock.
                    let input = app.classifier().fit_input();
                    queue.push_back(effects::fit(input, store, app.operator()))
                }
                Effect::Search(job) => match offload.searches {
                    Some(thread) => thread.submit(job),
                    None => queue.push_back(job.run_now()),
                },
                effect if Reader::takes(&effect) && offload.reader.is_some() => {
                    if let Some(reader) = offload.reader {
                        reader.submit(effect);
                    }
                }
                effect => queue.extend(effects::run_as(store, effect, app.operator())),
            }
        }
    }
}

/// The action an event means in the App's current mode, if any.
pub fn action_for(app: &App, ev: Event) -> Vec<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let bound = app.keymap().resolve(app.mode(), &k);
            if app.mode() == Mode::Form && bound.is_none() {
                return form_key(&k).map(Action::FormKey).into_iter().collect();
            }
            bound.into_iter().collect()
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => vec![Action::Click(m.column, m.row)],
            MouseEventKind::ScrollUp => vec![Action::ScrollUp],
            MouseEventKind::ScrollDown => vec![Action::ScrollDown],
            _ => vec![],
        },
        Event::Resize(w, h) => vec![Action::Resize(w, h)],
        // A paste or an IME commit into a form arrives whole; the form drops control characters.
        Event::Paste(s) if app.mode() == Mode::Form => vec![Action::FormKey(FormKey::Paste(s))],
        // A scanner or a paste into a text field: each character as if typed.
        Event::Paste(s) if matches!(app.mode(), Mode::Search | Mode::Prompt) => {
            s.chars().map(Action::Input).collect()
        }
        _ => vec![],
    }
}

/// An event after the card scanner's look at it.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// An event to handle as usual.
    Event(Event),
    /// A scanned card number.
    Scan(String),
}

impl From<Fed> for Step {
    fn from(f: Fed) -> Step {
        match f {
            Fed::Key(k) => Step::Event(Event::Key(k)),
            Fed::Scan(s) => Step::Scan(s),
        }
    }
}

/// Whether a scan can be taken in this mode: not while a form, prompt or popup has the keys
/// (a card number scanned into a form's ref field is typing).
fn scans_in(mode: Mode) -> bool {
    !matches!(mode, Mode::Form | Mode::Prompt | Mode::Confirm | Mode::Merge)
}

/// Passes an event arriving at `now` through the scanner. Paste, IME text and mouse events
/// are never part of a scan: they release what the scanner held, then go on as they are.
pub fn route(scanner: &mut ScanDetector, mode: Mode, ev: Event, now: Instant) -> Vec<Step> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release && scans_in(mode) => {
            scanner.feed(k, now).into_iter().map(Step::from).collect()
        }
        Event::Key(k) if k.kind == KeyEventKind::Release => vec![Step::Event(Event::Key(k))],
        other => {
            let mut out: Vec<Step> = scanner.release().into_iter().map(Step::from).collect();
            out.push(Step::Event(other));
            out
        }
    }
}

/// Handles steps in order, each resolved in the mode the previous ones left behind; whether
/// any action was dispatched.
fn apply(app: &mut App, store: &dyn Store, offload: Offload, steps: Vec<Step>) -> bool {
    let mut any = false;
    for step in steps {
        let actions = match step {
            Step::Event(ev) => action_for(app, ev),
            Step::Scan(card) => vec![Action::Scan(card)],
        };
        for action in actions {
            any = true;
            dispatch_with(app, store, offload, action, &mut |_| {});
        }
    }
    any
}

/// `kehu` without a subcommand: reads the user's keys, draws the console at once and loads the
/// database behind it (see [`loader`]); an empty database opens on the welcome screen.
/// `classify` finishes the classifier (with the stored or a fresh model); it is the caller's so
/// the console and the command line share one way of loading predictions. Meant to be the
/// process's last act: the App's memory is left to the exit to reclaim, and a loader stuck
/// inside a damaged database is not waited for (see [`LOADER_GRACE`]). `notice` is shown on
/// the status line at once (what opening the database found, such as changes the journal
/// brought back). `at_quit` is given the classifier, once the terminal is restored, when the
/// classes had been loaded (to keep them for the next start).
#[allow(clippy::too_many_arguments)]
pub fn open<C, Q>(
    store: Arc<dyn Store>,
    rules: Rules,
    today: NaiveDate,
    follow_clock: bool,
    db_label: String,
    branch: String,
    notice: Option<String>,
    classify: C,
    at_quit: Q,
) -> anyhow::Result<()>
where
    C: FnOnce(ClassifierBuilder) -> anyhow::Result<loader::Classified> + Send + 'static,
    Q: FnOnce(&Classifier),
{
    use std::io::IsTerminal;
    anyhow::ensure!(
        std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        "the console needs a terminal; for scripts use a subcommand (kehu --help)"
    );
    // Before anything that reads the store: a signal must end the console whatever it waits on.
    let signals = Signals::start()?;
    let mut config = ConsoleConfig::default();
    if let Some(path) = config_path().filter(|p| p.exists()) {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        config = ConsoleConfig::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    trace::step("opened");
    let (saved_segments, any) = first_reads(&store)?;
    // Other processes' changes from here on: the loader reads after this, so none is missed
    // (one read twice is taken in twice, harmlessly).
    let since = store.last_change()?;
    let init = AppInit {
        customers: Vec::new(),
        classifier: Classifier::new(rules.clone(), today),
        db_label,
        saved_segments,
        keymap: config.keymap,
        operator: operator(),
        branch,
        // The command line has chosen the language (flag, env, config, locale) before we get here.
        lang: crate::i18n::current(),
        options: config.options,
    };
    let days = clock::DayWatch::new(today, follow_clock);
    // A typo in the config is said on the status line at start (and the start-up note after it).
    let said: Vec<String> = config.warnings.iter().cloned().chain(notice).collect();
    let told = |mut app: App| {
        app.set_key_prefix(&key_prefix());
        if !said.is_empty() {
            app.update(Action::Notice(crate::ui::Notice::text(said.join(" · "))));
        }
        app
    };
    let (others_tx, others) = mpsc::channel();
    let _watcher = watch::Watcher::start(Arc::clone(&store), since, move |s| drop(others_tx.send(s)))?;
    let others = _watcher.as_ref().map(|_| others);
    if !any {
        let app = told(App::new(init));
        return run_loop(store.as_ref(), Some(&store), app, None, others, days, &signals).map(drop);
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let loader = {
        let (store, cancel) = (Arc::clone(&store), Arc::clone(&cancel));
        let job = loader::Job { rules, today, classify };
        std::thread::Builder::new()
            .name(loader::THREAD_NAME.into())
            .spawn(move || loader::run(store.as_ref(), job, &cancel, &tx))?
    };
    let app =
        run_loop(store.as_ref(), Some(&store), told(App::loading(init)), Some(rx), others, days, &signals);
    // The loader stops at its next record; one stuck inside sled is left to the process's exit.
    cancel.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + LOADER_GRACE;
    while !loader.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let app = app?;
    trace::step("loader stopped");
    if app.classes_in() {
        at_quit(&app.classifier());
    }
    // The process ends next: freeing a shop's worth of small allocations one by one would only
    // keep the shell prompt waiting (about a second at 100,000 customers).
    std::mem::forget(app);
    Ok(())
}

/// How long a console that quits waits for its loader to stop: it stops at its next record,
/// within milliseconds, unless sled itself is stuck on a damaged database.
const LOADER_GRACE: Duration = Duration::from_millis(500);
/// How long the console waits for the store's first answers (the saved segments, whether
/// there is any customer): a healthy store gives them in microseconds.
const FIRST_READS: Duration = Duration::from_secs(10);

/// The saved segments and whether the store holds any customer, read on a thread of their own
/// so that a store that never answers is an error after [`FIRST_READS`], not a blank screen.
fn first_reads(store: &Arc<dyn Store>) -> anyhow::Result<(Vec<SavedSegment>, bool)> {
    let (tx, rx) = mpsc::channel();
    let s = Arc::clone(store);
    std::thread::Builder::new().name("kehu-first-reads".into()).spawn(move || {
        let read = || -> anyhow::Result<_> { Ok((saved_segments(s.as_ref())?, has_customers(s.as_ref())?)) };
        let _ = tx.send(read());
    })?;
    match rx.recv_timeout(FIRST_READS) {
        Ok(read) => read,
        Err(_) => anyhow::bail!(
            "the database did not answer within {} s; it may be damaged: run `kehu check`",
            FIRST_READS.as_secs()
        ),
    }
}

/// Whether the store holds any customer (reads one record at most).
fn has_customers(store: &dyn Store) -> anyhow::Result<bool> {
    let mut any = false;
    store.customers_until(&mut |_| {
        any = true;
        ControlFlow::Break(())
    })?;
    Ok(any)
}

/// Who signs interactions logged in this console: the login name, else "console".
pub fn operator() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| {
            std::env::var(v).ok().map(|s| crate::domain::operator_name(&s)).filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "console".into())
}

/// Longest the loop blocks for input before it looks at the shutdown flag again.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);

/// SIGTERM, SIGHUP (an SSH link dropping) and SIGINT, watched from the console's start: the
/// console leaves its loop, puts the terminal back and ends; if the loop cannot (a dead
/// terminal, a store that never answers), the watchdog ends the process.
struct Signals {
    shutdown: Arc<AtomicBool>,
    _watchdog: Watchdog,
}

impl Signals {
    fn start() -> anyhow::Result<Signals> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let shutdown = Arc::new(AtomicBool::new(false));
        for sig in [SIGTERM, SIGHUP, SIGINT] {
            signal_hook::flag::register(sig, Arc::clone(&shutdown))?;
        }
        let watchdog = Watchdog::start(Arc::clone(&shutdown));
        Ok(Signals { shutdown, _watchdog: watchdog })
    }

    fn asked(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }
}

/// How long the event loop has to end by itself once a signal asked it to.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Ends the process when a signal (or a terminal gone without one, see `hangup`) asked the
/// console to stop and its loop cannot: when the
/// terminal itself is gone (a tmux server killed, an SSH link dropped), crossterm's poll spins
/// on the dead tty without returning, at 40% of a core, forever; and a damaged database can
/// keep sled from answering. Every acknowledged edit was journaled and flushed when it was
/// acknowledged, so leaving then loses nothing; the terminal is put back first.
struct Watchdog {
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start(shutdown: Arc<AtomicBool>) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        let finished = Arc::clone(&done);
        let terminal = hangup::Hangup::watch();
        let _ = std::thread::Builder::new().name("kehu-watchdog".into()).spawn(move || {
            while !finished.load(Ordering::SeqCst) {
                // A terminal closed without a signal is a hangup all the same.
                if terminal.gone() {
                    shutdown.store(true, Ordering::SeqCst);
                }
                if shutdown.load(Ordering::SeqCst) {
                    std::thread::sleep(SHUTDOWN_GRACE);
                    if !finished.load(Ordering::SeqCst) {
                        restore();
                        std::process::exit(1);
                    }
                    return;
                }
                std::thread::sleep(SIGNAL_CHECK);
            }
        });
        Watchdog { done }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// Test hook: `KEHU_TEST_PANIC_ON=<char>` makes that key panic inside the event loop, so that
/// the end-to-end tests can prove the terminal is restored after a panic. Read once at start.
fn test_panic_key() -> Option<char> {
    std::env::var("KEHU_TEST_PANIC_ON").ok().and_then(|v| v.chars().next())
}

/// Longest the loop blocks for input while the loader or another process may have news (other
/// tills' changes are shown within this of their commit, plus reading them).
const LOAD_CHECK: Duration = Duration::from_millis(20);

/// Longest the loop blocks for input while a search answer is awaited (how late an answer
/// can be noticed).
const ANSWER_CHECK: Duration = Duration::from_millis(2);

/// The trace step an action from the loader completes once it is drawn.
fn load_step(action: &Action) -> Option<&'static str> {
    match action {
        Action::CustomersLoaded(_) => Some("searchable"),
        Action::Loaded(_) => Some("ready"),
        Action::DuplicatesFound(_) => Some("duplicates"),
        Action::LoadFailed(_) => Some("load failed"),
        _ => None,
    }
}

/// Runs the console until the user quits (or a signal asks it to stop), as of the App's day.
pub fn run(store: &dyn Store, app: App) -> anyhow::Result<()> {
    let days = clock::DayWatch::new(app.today(), false);
    run_loop(store, None, app, None, None, days, &Signals::start()?).map(drop)
}

/// The event loop; `shared`, when given, is `store` to hand to the reader thread; `loads` brings
/// the loader's actions while it runs, `days` tells when a new
/// day begins. Returns the App at the end, after the terminal is restored.
fn run_loop(
    store: &dyn Store,
    shared: Option<&Arc<dyn Store>>,
    mut app: App,
    mut loads: Option<Receiver<Action>>,
    others: Option<Receiver<watch::Seen>>,
    mut days: clock::DayWatch,
    signals: &Signals,
) -> anyhow::Result<App> {
    let panic_key = test_panic_key();
    let (answer, answers) = mpsc::channel();
    let reads = answer.clone();
    let searches = SearchThread::start(move |a| drop(answer.send(a)))?;
    // Whole-shop reads go to their own thread when the store can be shared with one.
    let reader = match shared {
        Some(store) => Some(Reader::start(Arc::clone(store), move |a| drop(reads.send(a)))?),
        None => None,
    };
    let offload = Offload { searches: Some(&searches), reader: reader.as_ref() };
    let _guard = Guard::enter()?;
    // A one-row scroll of a list goes out as a terminal scroll (see `scrolling`).
    let backend = Scrolling::new(CrosstermBackend::new(BufWriter::with_capacity(1 << 16, std::io::stdout())));
    let mut terminal: Terminal<Scrolling<CrosstermBackend<BufWriter<Stdout>>>> = Terminal::new(backend)?;
    // No `terminal.clear()`: it asks the terminal for the cursor position (a round trip over SSH,
    // and a 2 s timeout then an error where nothing answers); the alternate screen starts blank.
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    terminal.draw(|f| render(&app, f))?;
    trace::step("first frame");
    let mut scanner = ScanDetector::new(app.card_pattern());
    let mut pacer = FramePacer::default();
    let mut steps = Vec::new();
    while !app.should_quit() && !signals.asked() {
        // Block for the next event (no longer than the scanner holds keys, nor than the signal
        // check), then take every event already queued before drawing once.
        let mut wait =
            scanner.deadline().map_or(SIGNAL_CHECK, |d| d.saturating_duration_since(Instant::now()));
        if loads.is_some() || others.is_some() {
            wait = wait.min(LOAD_CHECK);
        }
        if app.list().awaited_search().is_some() {
            wait = wait.min(ANSWER_CHECK);
        }
        let mut events = Vec::new();
        // A failed poll falls through to `read`, which reports the error.
        if event::poll(wait.min(SIGNAL_CHECK)).unwrap_or(true) {
            events.push(event::read()?);
        }
        if let Some(c) = panic_key
            && events.iter().any(|e| matches!(e, Event::Key(k) if k.code == event::KeyCode::Char(c)))
        {
            panic!("KEHU_TEST_PANIC_ON: test panic on key {c:?}");
        }
        while !events.is_empty() && events.len() < 512 && event::poll(Duration::ZERO)? {
            events.push(event::read()?);
        }
        let mut changed = false;
        for ev in events {
            scanner.set_pattern(app.card_pattern());
            scanner.set_leads(app.card_leads());
            let steps = route(&mut scanner, app.mode(), ev, Instant::now());
            changed |= apply(&mut app, store, offload, steps);
            if app.should_quit() {
                break;
            }
        }
        // Keys held for a burst that never came are typing after all.
        let released = scanner.tick(Instant::now()).into_iter().map(Step::from).collect();
        changed |= !app.should_quit() && apply(&mut app, store, offload, released);
        if let Some(day) = days.poll(clock::local_today()) {
            dispatch_with(&mut app, store, offload, Action::NewDay(day), &mut |_| {});
            changed = true;
        }
        // What the search thread answered meanwhile.
        while let Ok(action) = answers.try_recv() {
            changed = true;
            dispatch_with(&mut app, store, offload, action, &mut |_| {});
        }
        // What the loader sent meanwhile, after the keys typed before it arrived.
        while let Some(rx) = loads.as_ref().filter(|_| !app.should_quit()) {
            match rx.try_recv() {
                Ok(action) => {
                    let loaded = matches!(action, Action::Loaded(_) | Action::DuplicatesFound(_));
                    steps.extend(load_step(&action));
                    changed = true;
                    dispatch_with(&mut app, store, offload, action, &mut |_| {});
                    if loaded {
                        memory::release_freed();
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => loads = None,
            }
        }
        // Other processes' changes, once the shop they change is loaded.
        while let Some(rx) = others.as_ref().filter(|_| loads.is_none() && !app.should_quit()) {
            let Ok(seen) = rx.try_recv() else { break };
            changed = true;
            dispatch_with(&mut app, store, offload, seen.current(store), &mut |_| {});
        }
        let (awaited, now) = (app.list().awaited_search(), Instant::now());
        if changed {
            pacer.changed(awaited, now);
        }
        if pacer.due(awaited, now) && !app.should_quit() {
            terminal.draw(|f| render(&app, f))?;
            std::mem::take(&mut steps).into_iter().for_each(trace::step);
        }
    }
    trace::step("quit");
    Ok(app)
}

/// Where a console's idempotency keys start: this process and the moment, so that no console
/// of any run ever makes a key another made (see `ui::till`).
pub fn key_prefix() -> String {
    let now = chrono::Utc::now();
    format!("{}-{}.{:09}", std::process::id(), now.timestamp(), now.timestamp_subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::CardPattern;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn typed(scanner: &mut ScanDetector, mode: Mode, s: &str, start: Instant) -> Vec<Step> {
        let mut out = Vec::new();
        let mut t = start;
        for c in s.chars() {
            let code = if c == '\n' { KeyCode::Enter } else { KeyCode::Char(c) };
            out.extend(route(scanner, mode, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), t));
            t += Duration::from_millis(10);
        }
        out.extend(scanner.tick(t + Duration::from_secs(1)).into_iter().map(Step::from));
        out
    }

    #[test]
    fn a_burst_in_a_view_or_the_search_line_is_a_scan() {
        for mode in [Mode::List, Mode::Search, Mode::Segments, Mode::Detail] {
            let mut s = ScanDetector::new(CardPattern::Digits);
            assert_eq!(
                typed(&mut s, mode, "12345678\n", Instant::now()),
                vec![Step::Scan("12345678".into())]
            );
        }
    }

    #[test]
    fn in_a_form_or_prompt_a_burst_is_typing() {
        for mode in [Mode::Form, Mode::Prompt] {
            let mut s = ScanDetector::new(CardPattern::Digits);
            let steps = typed(&mut s, mode, "12345678\n", Instant::now());
            assert_eq!(steps.len(), 9);
            assert!(steps.iter().all(|s| matches!(s, Step::Event(Event::Key(_)))));
        }
    }

    #[test]
    fn paste_is_never_a_scan_and_releases_held_keys_first() {
        let mut s = ScanDetector::new(CardPattern::Digits);
        let t = Instant::now();
        let held = typed(&mut s, Mode::Search, "12", t);
        assert_eq!(held.len(), 2, "released by the tick");
        let k = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(route(&mut s, Mode::Search, k('9'), t), vec![]);
        let paste = Event::Paste("12345678\r".into());
        let steps = route(&mut s, Mode::Search, paste.clone(), t + Duration::from_millis(1));
        assert_eq!(steps, vec![Step::Event(k('9')), Step::Event(paste)]);
        let enter = Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let steps = route(&mut s, Mode::Search, enter.clone(), t + Duration::from_millis(2));
        assert_eq!(steps, vec![Step::Event(enter)]);
    }
}
