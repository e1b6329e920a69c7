//! The commands run on each damaged copy, and what counts as a command misbehaving there: its
//! exit code and words, whatever the data.

use super::{DAY, DEADLINE};
use crate::common::run::{Run, kehu_within};
use std::path::Path;

/// A command run on each damaged copy.
pub struct Cmd {
    pub name: &'static str,
    args: &'static [&'static str],
    /// A read command: with the journal, an exit 0 must print what the undamaged shop prints.
    pub compare: bool,
}

impl Cmd {
    /// The arguments, with the files of a command that needs them placed in `dir`.
    pub fn args(&self, dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = self.args.iter().map(|s| s.to_string()).collect();
        match self.name {
            "backup" => out.push(dir.join("taken.kehubak").display().to_string()),
            "import" => {
                let f = dir.join("small.csv");
                std::fs::write(&f, "ref,date,amount\nM1,2024-06-30,12.50\nZ900,2024-06-30,3.00\n").unwrap();
                out.push(f.display().to_string());
                out.push("--create-missing".into());
            }
            "salvage" => {
                out.push("--out".into());
                out.push(dir.join("salvaged").display().to_string());
            }
            _ => {}
        }
        out
    }
}

/// Every command, salvage first.
pub fn commands() -> Vec<Cmd> {
    let c = |name, args, compare| Cmd { name, args, compare };
    vec![
        c("salvage", &["salvage"][..], false),
        c("check", &["check"], true),
        c("show M7", &["show", "M7"], true),
        c("show #1", &["show", "#1"], true),
        c("segments", &["segments"], true),
        c("export customers", &["export", "--kind", "customers"], true),
        c("export purchases", &["export", "--kind", "purchases"], true),
        c("export interactions", &["export", "--kind", "interactions"], true),
        c("export classes", &["export", "--kind", "classes"], true),
        c("audit", &["audit"], true),
        c("fit", &["fit"], true),
        c("backup", &["backup"], false),
        c("import", &["import", "--kind", "purchases"], false),
    ]
}

/// Runs `kehu --db DB --as-of DAY args…`, killed after [`DEADLINE`].
pub fn run<S: AsRef<std::ffi::OsStr>>(db: &Path, args: &[S]) -> Run {
    kehu_within(db, DAY, args, DEADLINE)
}

/// The outcome's label for the table: the exit code, or what went wrong.
pub fn label(r: &Run) -> String {
    if r.timed_out {
        "HANG".into()
    } else if let Some(sig) = r.signal {
        format!("SIG{sig}")
    } else {
        match r.code {
            Some(101) => "PANIC".into(),
            Some(70) => "BUG70".into(),
            Some(c) => c.to_string(),
            None => "?".into(),
        }
    }
}

/// What is wrong with how `cmd` ended, if anything (exit code and words, not the data).
pub fn misbehaviour(cmd: &str, r: &Run) -> Option<String> {
    if r.timed_out {
        return Some(format!("still running after {} s (killed)", DEADLINE.as_secs()));
    }
    if let Some(sig) = r.signal {
        return Some(format!("killed by signal {sig}"));
    }
    let code = r.code?;
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        if r.err.contains(bad) || r.out.contains(bad) {
            return Some(format!("a panic's report ({bad:?}) was printed"));
        }
    }
    if !matches!(code, 0..=2) {
        return Some(format!("exit code {code}"));
    }
    let lines: Vec<&str> = r.err.lines().filter(|l| !l.trim().is_empty()).collect();
    if let Some(l) = lines.iter().find(|l| !l.starts_with("kehu: ")) {
        return Some(format!("stderr has a line that is not a worded `kehu: ` message: {l:?}"));
    }
    if code == 0 {
        return None;
    }
    let worded_err = lines.last().is_some_and(|l| l.len() > "kehu: ".len());
    (!worded_failure(cmd, code, &r.out, worded_err)).then(|| format!("exit {code} without a worded message"))
}

/// Whether a failing `cmd` (exit `code`) said why: `check`'s and salvage's verdicts on stdout,
/// or a worded `kehu: …` line on stderr (`worded_err`).
fn worded_failure(cmd: &str, code: i32, out: &str, worded_err: bool) -> bool {
    let out_lines: Vec<&str> = out.lines().collect();
    match (cmd, code) {
        ("check", 1) => out_lines.last().is_some_and(|l| l.starts_with("damaged: ")),
        ("check", 2) => (out_lines.len() == 1 && out_lines[0].starts_with("refused: ")) || worded_err,
        // Salvage's verdict: what was lost, or that without the journal nobody can tell.
        ("salvage", 1) => out_lines.last().is_some_and(|l| {
            l.starts_with("lost: ")
                || l.starts_with("some records were lost")
                || l.starts_with("every record sled still holds was kept")
        }),
        _ => worded_err,
    }
}
