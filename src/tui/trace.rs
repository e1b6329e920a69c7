//! `KEHU_TRACE=1`: how long each start-up step took, in ms since the process started (for
//! operators and benchmarks). While the console has the terminal, lines written to a terminal
//! would land on the screen, so they are held and printed once the terminal is restored.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static ENABLED: OnceLock<bool> = OnceLock::new();
/// Whether stderr lines are held (the console has the terminal and stderr is that terminal).
static HOLDING: AtomicBool = AtomicBool::new(false);
static HELD: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Marks the start of the process: call first thing in `main`, so steps count from there.
pub fn start() {
    START.get_or_init(Instant::now);
}

/// Milliseconds since [`start`] (or since the first call here, if `start` was not called).
pub fn elapsed_ms() -> u128 {
    START.get_or_init(Instant::now).elapsed().as_millis()
}

/// Prints "kehu: STEP after N ms" when `KEHU_TRACE` is set.
pub fn step(step: &str) {
    if *ENABLED.get_or_init(|| std::env::var_os("KEHU_TRACE").is_some()) {
        say(format!("kehu: {step} after {} ms", elapsed_ms()));
    }
}

/// Writes a line to stderr, or holds it while the console has the terminal.
pub fn say(line: String) {
    if HOLDING.load(Ordering::SeqCst)
        && let Ok(mut held) = HELD.lock()
    {
        held.push(line);
        return;
    }
    eprintln!("{line}");
}

/// The console takes the terminal (`true`: hold lines if stderr is it) or gives it back
/// (`false`: print what was held).
pub(crate) fn hold(on: bool) {
    HOLDING.store(on && std::io::stderr().is_terminal(), Ordering::SeqCst);
    if !on {
        let held = HELD.lock().map(|mut h| std::mem::take(&mut *h)).unwrap_or_default();
        for line in held {
            eprintln!("{line}");
        }
    }
}
