//! Long commands' progress on stderr: a bar with the rate and the time left when the size is
//! known, a spinner with the count and the rate when it is not; drawn only when stderr is a
//! terminal, so that scripts and logs see exactly what they saw before.

use crate::progress::{Progress, QUIET, Unit};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// How often a stage is redrawn while nothing advances it (one long transaction, a fit).
const TICK: Duration = Duration::from_millis(120);

/// Progress drawn on stderr with indicatif; the line is cleared when the work is done.
pub struct Bar {
    bar: ProgressBar,
}

/// The progress a command reports to: drawn when stderr is a terminal, else nowhere.
pub fn on_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() { Box::new(Bar::new()) } else { Box::new(*QUIET) }
}

impl Bar {
    /// A bar on stderr that shows nothing until the first stage.
    pub fn new() -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(ProgressStyle::with_template("").expect("an empty template"));
        Bar { bar }
    }
}

impl Default for Bar {
    fn default() -> Bar {
        Bar::new()
    }
}

fn style(total: Option<u64>, unit: Unit) -> ProgressStyle {
    let template = match (total, unit) {
        (Some(_), Unit::Items) => "{msg} [{bar:24}] {human_pos}/{human_len} · {per_sec:0} · ETA {eta}",
        (Some(_), Unit::Bytes) => {
            "{msg} [{bar:24}] {binary_bytes}/{binary_total_bytes} · {binary_bytes_per_sec} · ETA {eta}"
        }
        (None, Unit::Items) => "{spinner} {msg} {human_pos} · {per_sec:0} · {elapsed}",
        (None, Unit::Bytes) => "{spinner} {msg} {binary_bytes} · {binary_bytes_per_sec} · {elapsed}",
        (_, Unit::Nothing) => "{spinner} {msg} · {elapsed}",
    };
    // The templates are constants: a bad one is a bug that every test of a command would show.
    ProgressStyle::with_template(template).expect("a valid progress template").progress_chars("=> ")
}

impl Progress for Bar {
    fn stage(&self, what: &str, total: Option<u64>, unit: Unit) {
        // The message first: setting the length draws, and must draw this stage's.
        self.bar.set_message(crate::text::terminal_safe(what).into_owned());
        self.bar.set_style(style(total, unit));
        match total {
            Some(n) => self.bar.set_length(n),
            None => self.bar.unset_length(),
        }
        // Also brings back a bar that the last stage's `done` cleared.
        self.bar.reset();
        self.bar.enable_steady_tick(TICK);
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    fn done(&self) {
        self.bar.disable_steady_tick();
        self.bar.finish_and_clear();
    }

    fn shown(&self) -> bool {
        true
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
