//! The corpus's printed summary (on stderr): exit codes per damage and command, what
//! `segments` and `salvage` said, the outcomes of all runs, and salvage's recovery rates.

use super::case::CaseResult;
use super::commands::{commands, label};
use super::shop::Way;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn pct(a: usize, b: usize) -> String {
    if b == 0 { "-".into() } else { format!("{:.1}%", 100.0 * a as f64 / b as f64) }
}

/// Copies per outcome label.
type Tally = BTreeMap<String, usize>;

/// Prints every table of the summary.
pub fn report(results: &[CaseResult]) {
    exit_codes(results);
    first_words(results);
    all_runs(results);
    salvage_recovery(results);
    unjournaled_silent(results);
}

/// The outcome table: (way, kind) × commands.
fn exit_codes(results: &[CaseResult]) {
    let cmds = commands();
    let mut table: BTreeMap<(Way, &str), BTreeMap<&str, Tally>> = BTreeMap::new();
    for r in results {
        let row = table.entry((r.way, r.kind)).or_default();
        for (cmd, run) in &r.runs {
            *row.entry(cmd).or_default().entry(label(run)).or_default() += 1;
        }
    }
    let short = |c: &str| -> String {
        c.replace("export ", "x-")
            .replace("interactions", "inter")
            .replace("customers", "cust")
            .replace("purchases", "purch")
    };
    let mut header = format!("{:<46}", "exit codes (code:copies) — way / damage");
    for c in &cmds {
        header += &format!(" {:>11}", short(c.name));
    }
    eprintln!("\n{header}");
    for ((way, kind), row) in &table {
        let mut line = format!("{:<46}", format!("{} / {kind}", way.label()));
        for c in &cmds {
            let cell: Vec<String> = row
                .get(c.name)
                .map(|m| {
                    if m.len() == 1 {
                        m.keys().cloned().collect()
                    } else {
                        m.iter().map(|(k, n)| format!("{k}:{n}")).collect()
                    }
                })
                .unwrap_or_default();
            line += &format!(" {:>11}", cell.join(" "));
        }
        eprintln!("{line}");
    }
}

/// The last line `segments` and `salvage` printed on the first copy of each (way, damage).
fn first_words(results: &[CaseResult]) {
    eprintln!("\nwhat `segments` and `salvage` said on the first copy of each (way, damage):");
    let mut seen = BTreeSet::new();
    for r in results {
        if !seen.insert((r.way, r.kind)) {
            continue;
        }
        let said = |cmd: &str| -> String {
            let Some((_, run)) = r.runs.iter().find(|(c, _)| *c == cmd) else { return String::new() };
            let text = if run.code == Some(0) || (cmd == "salvage" && run.code == Some(1)) {
                run.out.lines().last().unwrap_or("")
            } else {
                run.err.lines().last().unwrap_or("")
            };
            format!("{} {}", label(run), text.chars().take(150).collect::<String>())
        };
        eprintln!(
            "  {} / {}\n    segments: {}\n    salvage:  {}",
            r.way.label(),
            r.kind,
            said("segments"),
            said("salvage")
        );
    }
}

/// Every run by outcome, and the slowest.
fn all_runs(results: &[CaseResult]) {
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    let mut slowest = Duration::ZERO;
    for r in results {
        for (_, run) in &r.runs {
            *by_code.entry(label(run)).or_default() += 1;
            slowest = slowest.max(run.took);
        }
    }
    eprintln!("\nall runs by outcome: {by_code:?}; slowest {:.1} s", slowest.as_secs_f64());
}

/// Salvage's figures per way, then per kind of damage.
fn salvage_recovery(results: &[CaseResult]) {
    eprintln!("\nsalvage recovery:");
    for way in [Way::Journal, Way::Records] {
        let rs: Vec<&CaseResult> = results.iter().filter(|r| r.way == way).collect();
        if rs.is_empty() {
            continue;
        }
        let full = rs.iter().filter(|r| r.recovery.full()).count();
        let kept: usize = rs.iter().map(|r| r.recovery.kept).sum();
        let total: usize = rs.iter().map(|r| r.recovery.total).sum();
        let mut codes: BTreeMap<String, usize> = BTreeMap::new();
        for r in &rs {
            *codes.entry(r.recovery.code.map_or("-".into(), |c| c.to_string())).or_default() += 1;
        }
        let mut ways: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rs {
            *ways.entry(r.recovery.way).or_default() += 1;
        }
        let claimed_but_lost = rs.iter().filter(|r| r.recovery.code == Some(0) && !r.recovery.full()).count();
        let said_lost_but_full =
            rs.iter().filter(|r| r.recovery.code == Some(1) && r.recovery.full()).count();
        eprintln!(
            "  {:<15} copies {:>4}: fully recovered {:>4} ({}), records {} of {} ({}); exit codes {codes:?}; rebuilt from {ways:?}; \
             said complete but lost {claimed_but_lost}; said lost but whole {said_lost_but_full}",
            way.label(),
            rs.len(),
            full,
            pct(full, rs.len()),
            kept,
            total,
            pct(kept, total)
        );
        per_kind(&rs);
    }
}

/// Salvage's figures per kind of damage, for the copies of one way.
fn per_kind(rs: &[&CaseResult]) {
    let mut per_kind: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
    for r in rs {
        let e = per_kind.entry(r.kind).or_default();
        e.0 += 1;
        e.1 += usize::from(r.recovery.full());
        e.2 += r.recovery.kept;
        e.3 += r.recovery.total;
    }
    for (kind, (n, full, kept, total)) in per_kind {
        eprintln!("      {kind:<36} {full:>3}/{n:<3} whole, records {:>7}", pct(kept, total));
    }
}

/// The first few clean answers with other data on copies without the journal.
fn unjournaled_silent(results: &[CaseResult]) {
    let unjournaled: usize = results.iter().map(|r| r.unjournaled_silent.len()).sum();
    if unjournaled > 0 {
        eprintln!(
            "\nwithout the journal, {unjournaled} run(s) answered with exit 0 and data that differs from the \
             undamaged shop (two faults: not failed); the first few:"
        );
        for note in results.iter().flat_map(|r| &r.unjournaled_silent).take(5) {
            eprintln!("  {note}");
        }
    }
}
