//! The console on damaged copies, in tmux: it refuses at once (exit 2, a worded line) or shows,
//! and then `q`, SIGTERM and SIGHUP each end it within seconds with the terminal restored.

use super::DAY;
use super::commands::run;
use super::kinds::damage;
use super::shop::{Shop, Way, of_way};
use crate::common::fsutil::copy_dir;
use crate::common::run::BIN;
use crate::tmux::Tmux;
use kehu::demo::rng::Rng;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// How long after `q` or a signal the console must be gone, the prompt back.
const QUIT_WITHIN: Duration = Duration::from_secs(6);
/// How long the console is given to load a damaged database before it is ended anyway.
const LOAD_WITHIN: Duration = Duration::from_secs(10);
/// How long a refusal may take.
const REFUSE_WITHIN: Duration = Duration::from_secs(10);

/// A damaged template for the console: its way, its kind of damage, where it is, what was done.
pub type Damaged = (Way, &'static str, PathBuf, String);

/// Polls `ok` until it holds or `within` has passed; whether it held.
pub fn poll(within: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    loop {
        if ok() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The exit status the shell printed after `kehu`, once the prompt is back.
fn exit_line(screen: &str) -> Option<String> {
    let trimmed = screen.trim_end();
    if !trimmed.ends_with("READY$") {
        return None;
    }
    screen.lines().rev().find_map(|l| l.strip_prefix("EXIT=").map(|c| c.trim().to_string()))
}

/// Clears the pane, leaving the shell's prompt alone on it.
fn clear(t: &Tmux) {
    t.line("clear");
    // (A job notice of the shell may come after the clear: only the prompt matters.)
    t.wait_for("a clear screen", |s| s.trim_end().ends_with("READY$") && !s.contains("EXIT="));
}

/// Whether the terminal is cooked again, asked of `stty` in the same pane; with what it showed.
fn cooked(t: &Tmux) -> (bool, String) {
    if t.format("#{alternate_on}") != "0" {
        return (false, "still on the alternate screen".into());
    }
    clear(t);
    let (words, s) = t.stty_modes();
    let on = |w: &str| words.iter().any(|x| x == w);
    (on("icanon") && on("echo") && t.format("#{cursor_flag}") == "1", s)
}

/// How one console run went.
#[derive(Debug)]
pub enum Console {
    /// Refused before showing: exit status, seconds, the message.
    Refused(String, f64, String),
    /// Shown, then ended by `how`: exit status, seconds from `how` to the prompt, the screen
    /// it was ended on.
    Ended(String, f64, String),
}

/// Starts the console on `db` in the pane and ends it with `how` (`q`, `TERM` or `HUP`) if it
/// shows; any broken promise is pushed to `problems`.
pub fn console_run(
    t: &Tmux,
    db: &Path,
    how: &str,
    what: &str,
    problems: &mut Vec<String>,
) -> Option<Console> {
    let mut fail = |why: String| problems.push(format!("console on {what}, ended by {how}: {why}"));
    clear(t);
    let cmd = format!(
        "KEHU_CONFIG={cfg} '{BIN}' --db '{db}' --as-of {DAY}; echo EXIT=$?",
        cfg = db.with_file_name("no-config.toml").display(),
        db = db.display(),
    );
    let started = Instant::now();
    t.line(&cmd);
    let mut refused = None;
    let decided = poll(REFUSE_WITHIN, || {
        if t.format("#{alternate_on}") == "1" {
            return true;
        }
        let s = t.screen();
        refused = exit_line(&s).map(|code| (code, s));
        refused.is_some()
    });
    if !decided {
        fail(format!("neither refused nor showed within {} s:\n{}", REFUSE_WITHIN.as_secs(), t.screen()));
        return None;
    }
    match refused {
        Some((code, screen)) => {
            Some(judge_refusal(t, code, started.elapsed().as_secs_f64(), &screen, &mut fail))
        }
        None => end_shown(t, how, &mut fail),
    }
}

/// A refusal must be exit 2 with a worded line, and leave the terminal cooked.
fn judge_refusal(t: &Tmux, code: String, took: f64, screen: &str, fail: &mut impl FnMut(String)) -> Console {
    let message: Vec<&str> = screen.lines().filter(|l| l.starts_with("kehu: ")).collect();
    if code != "2" || message.is_empty() || screen.contains("panicked") {
        fail(format!("refused with exit {code} and no worded line:\n{screen}"));
    }
    let (ok, s) = cooked(t);
    if !ok {
        fail(format!("terminal not restored after a refusal:\n{s}"));
    }
    Console::Refused(code, took, message.join(" / "))
}

/// Ends the console that showed with `how`; it must be gone within [`QUIT_WITHIN`], with a
/// plain exit status and the terminal cooked.
fn end_shown(t: &Tmux, how: &str, fail: &mut impl FnMut(String)) -> Option<Console> {
    let mut pid = None;
    poll(Duration::from_secs(5), || {
        pid = t.only_child();
        pid.is_some()
    });
    let Some(pid) = pid else {
        fail("the console showed but no single process runs under the shell".into());
        return None;
    };
    // The console's first frame (or a blank screen: that is a finding too, `q` must still work).
    let drawn = poll(Duration::from_secs(5), || !t.screen().trim().is_empty());
    if !drawn {
        fail("the console shows a blank screen 5 s after it started".into());
    }
    // The loader's end (the list, or its error on the status line), so that the key or signal
    // comes after the loader met the damage; one still loading then is stuck, and must end too.
    let loaded = poll(LOAD_WITHIN, || !t.screen().contains("loading"));
    let mut before = t.screen();
    if !loaded {
        before = format!("(still loading after {} s)\n{before}", LOAD_WITHIN.as_secs());
    }
    let sent = Instant::now();
    match how {
        "q" => t.send(&["q"]),
        sig => {
            let out = Command::new("kill").args([&format!("-{sig}"), &pid]).output().expect("kill");
            assert!(out.status.success(), "kill -{sig} {pid}");
        }
    }
    let mut exit = None;
    let ended = poll(QUIT_WITHIN, || {
        exit = exit_line(&t.screen());
        exit.is_some()
    });
    let took = sent.elapsed().as_secs_f64();
    let gone = poll(Duration::from_secs(1), || !Path::new(&format!("/proc/{pid}")).exists());
    if !ended || !gone {
        fail(format!(
            "still running {} s after {how} (pid {pid}, prompt back: {ended}); screen before:\n{before}\nnow:\n{}",
            QUIT_WITHIN.as_secs(),
            t.screen()
        ));
        // Our own process, by its pid: the test must not leave it behind.
        let _ = Command::new("kill").args(["-KILL", &pid]).output();
        poll(Duration::from_secs(5), || exit_line(&t.screen()).is_some());
        return None;
    }
    let exit = exit.unwrap();
    let history = t.history();
    if !matches!(exit.as_str(), "0" | "1" | "2")
        || history.contains("panicked")
        || history.contains("RUST_BACKTRACE")
    {
        fail(format!("ended with exit {exit}:\n{history}"));
    }
    let (ok, s) = cooked(t);
    if !ok {
        fail(format!("terminal not restored:\n{s}"));
    }
    Some(Console::Ended(exit, took, before))
}

/// Damaged copies the console is tried on: each fixed (way, kind) once, damaged under `dir`.
pub fn fixed_cases(shops: &[Shop], dir: &Path, seed: u64) -> Vec<Damaged> {
    let fixed: &[(Way, &str)] = &[
        (Way::Journal, "db: truncated to 524288"),
        (Way::Journal, "db: 512 KiB halves swapped"),
        (Way::Records, "db: truncated to 524288"),
        (Way::Records, "db: 512 KiB halves swapped"),
        (Way::Records, "snap: garbage over it"),
        (Way::Journal, "journal: garbage over segment"),
        (Way::Records, "snap: deleted"),
    ];
    fixed
        .iter()
        .enumerate()
        .map(|(i, &(way, kind))| {
            let template = dir.join(format!("console{i}"));
            copy_dir(&of_way(shops, way).root, &template);
            let what = damage(&template.join("db"), kind, &mut Rng::stream(seed, 1000 + i as u64));
            (way, kind, template, what)
        })
        .collect()
}

/// Damaged copies on which the database opens but reading it fails (`kehu check` finds
/// damage, exit 1): the console shows, and its loader meets the damage. The first `want` found
/// among seeded candidates.
pub fn opening_but_damaged(shops: &[Shop], dir: &Path, seed: u64, want: usize) -> Vec<Damaged> {
    let kinds = [
        (Way::Records, "db: 4 KiB page zeroed"),
        (Way::Journal, "db: 512 KiB segment zeroed"),
        (Way::Records, "db: bit flips anywhere"),
        (Way::Journal, "db: 4 KiB page zeroed"),
        (Way::Journal, "db: bit flips anywhere"),
    ];
    let mut found = Vec::new();
    for n in 0..120u64 {
        let (way, kind) = kinds[n as usize % kinds.len()];
        let template = dir.join(format!("screen{n}"));
        copy_dir(&of_way(shops, way).root, &template);
        let what = damage(&template.join("db"), kind, &mut Rng::stream(seed, 2000 + n));
        let probe = dir.join(format!("screen{n}-probe"));
        copy_dir(&template, &probe);
        let r = run(&probe.join("db"), &["check"]);
        std::fs::remove_dir_all(&probe).unwrap();
        if r.code == Some(1) && !found.iter().any(|(w, k, _, _)| *w == way && *k == kind) {
            found.push((way, kind, template, what));
            if found.len() == want {
                break;
            }
        } else {
            std::fs::remove_dir_all(&template).unwrap();
        }
    }
    found
}

/// What still runs with `root` on its command line once given 5 s to end, if anything does.
pub fn left_running(root: &Path) -> Option<String> {
    let root = root.display().to_string();
    let none = poll(Duration::from_secs(5), || {
        let out = Command::new("pgrep").args(["-f", &root]).output().expect("pgrep");
        out.stdout.is_empty()
    });
    let listing = || Command::new("pgrep").args(["-a", "-f", &root]).output().expect("pgrep").stdout;
    (!none).then(|| String::from_utf8_lossy(&listing()).into_owned())
}

/// Runs the console on fresh copies of damaged template `i` and ends it each way; the row of
/// the summary table, and whether it showed at least once.
pub fn try_each_ending(
    t: &Tmux,
    i: usize,
    case: &Damaged,
    dir: &Path,
    problems: &mut Vec<String>,
) -> (String, bool) {
    let (way, kind, template, what) = case;
    let mut row = format!("{:<15} {kind:<30}", way.label());
    let mut shown_any = false;
    for how in ["q", "TERM", "HUP"] {
        // A fresh copy each time: a console that showed may have written to the last one.
        let copy = dir.join(format!("run{i}-{how}"));
        copy_dir(template, &copy);
        let label = format!("{} / {kind} ({what})", way.label());
        let cell = match console_run(t, &copy.join("db"), how, &label, problems) {
            Some(Console::Refused(code, took, msg)) => {
                if how == "q" {
                    eprintln!("  {label}: refused: {msg}");
                }
                format!("refused {code} {took:.2}s")
            }
            Some(Console::Ended(code, took, screen)) => {
                shown_any = true;
                if how == "q" {
                    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
                    let status = lines.last().copied().unwrap_or("");
                    eprintln!("  {label}: the console showed, with the status line:\n    {status}");
                }
                format!("{how}→{code} {took:.2}s")
            }
            None => "FAILED".into(),
        };
        row += &format!("{cell:>18}");
    }
    (row, shown_any)
}
