//! The corruption corpus of issue 13 (points 3 and 4), run through the real binary.
//!
//! Two shops are built through `kehu` itself (a 500-customer demo shop, a daily backup that cuts
//! the journal, then imports and a fit acknowledged after it):
//!
//! - **backup+journal**: the database with its journal and its daily backup in `DB.backups/`;
//! - **records only**: the same files with the journal deleted and no backup, so that salvage
//!   can only read what is left in sled's files.
//!
//! Copies are damaged in every way the issue lists (truncations anywhere, to one 512 KiB sled
//! segment and in the last 1 MiB; bit flips; swapped halves; zeroed 4 KiB pages and 512 KiB
//! segments; deleted files; garbage written over files and garbage files added; damaged journal
//! segments and backups), each way with seeded positions. On every damaged copy every command
//! runs on a fresh copy of the damage, killed after [`damage::DEADLINE`]; none may hang, die of a
//! signal, exit 101 or 70 (a bug) or anything but 0, 1 or 2, print a panic's report, or fail
//! without a worded `kehu: …` line (`refused: …` for `check`). With the journal and the backup,
//! a read command that exits 0 must print exactly what it prints on the undamaged shop and a
//! backup that exits 0 must hold the whole shop: a clean answer with less data is a silent loss.
//!
//! Salvage is measured on each copy: it must never write the damaged database, its new database
//! must check clean and hold no record the original did not, it must never say "nothing was
//! lost" when something was, and with the journal and the backup (one fault at a time) it must
//! recover everything — from the backup and the journal whenever only sled's files were hit.
//! The recovery rates are printed per way and per kind of damage, with a table of exit codes
//! per damage and command.
//!
//! The damage is seeded, but the shop is not byte for byte the same from run to run (sled lays
//! out its log as its flusher thread runs; records carry the time they were made), so the same
//! seed can hit other bytes: every assertion is a promise that must hold whatever is hit.
//!
//! A second test opens the console in tmux on damaged copies: it refuses at once (exit 2, a
//! worded line) or shows, and then `q`, SIGTERM and SIGHUP each end it within seconds with the
//! terminal restored, leaving no process behind.
//!
//! `KEHU_DAMAGE_CASES` sets the number of damaged copies (default: each kind of damage once,
//! with and without the journal in turn; twice as many cover every kind both ways),
//! `KEHU_DAMAGE_SEED` the seed of the positions, `KEHU_DAMAGE_ONLY` a part of "way / kind" to
//! damage only in those ways (`records only / db: bit`), `KEHU_DAMAGE_COMMANDS` the commands to
//! run (`salvage,check`), `KEHU_DAMAGE_JOBS` how many copies are worked
//! on at once (default 3), and `KEHU_DAMAGE_KEEP=DIR` keeps each damaged copy that broke a
//! promise (as `DIR/caseN`, its backups beside it) for a reproduction by hand.

mod common;
mod damage;
mod tmux;

use common::env_u64;
use common::fsutil::copy_dir;
use damage::case::run_corpus;
use damage::commands::{commands, run};
use damage::console::{fixed_cases, left_running, opening_but_damaged, try_each_ending};
use damage::kinds::KINDS;
use damage::report::report;
use damage::salvage::measure_salvage;
use damage::shop::{Shop, build_shops};
use std::path::Path;
use std::time::Instant;

/// Salvage of an undamaged shop: the measure itself must see everything.
fn assert_salvage_measure_sees_all(shop: &Shop, dir: &Path) {
    let copy = dir.join(format!("undamaged-{:?}", shop.way));
    copy_dir(&shop.root, &copy);
    let r = run(&copy.join("db"), &commands()[0].args(&copy));
    let mut problems = Vec::new();
    let rec = measure_salvage(shop, "undamaged", &copy, &r, &mut problems, "undamaged");
    assert!(
        rec.full() && problems.is_empty(),
        "{}: {rec:?} {problems:#?}\n{}{}",
        shop.way.label(),
        r.out,
        r.err
    );
    std::fs::remove_dir_all(&copy).unwrap();
}

#[test]
fn every_command_on_every_damaged_copy_ends_worded_and_salvage_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let shops = build_shops(dir.path());
    eprintln!("shops built and their reference output taken in {:.1} s", started.elapsed().as_secs_f64());
    let cases = env_u64("KEHU_DAMAGE_CASES").unwrap_or(KINDS.len() as u64);
    let seed = env_u64("KEHU_DAMAGE_SEED").unwrap_or(13);
    let jobs = env_u64("KEHU_DAMAGE_JOBS").unwrap_or(3).max(1);
    for shop in &shops {
        assert_salvage_measure_sees_all(shop, dir.path());
    }
    let results = run_corpus(&shops, dir.path(), cases, seed, jobs);
    eprintln!(
        "damage corpus: {cases} damaged copies (seed {seed}), {} runs, in {:.1} s",
        results.iter().map(|r| r.runs.len()).sum::<usize>(),
        started.elapsed().as_secs_f64()
    );
    report(&results);
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.problems).collect();
    if !problems.is_empty() {
        eprintln!("\n{} problem(s):", problems.len());
        for p in &problems {
            eprintln!("- {p}\n");
        }
    }
    // The headlines again in the failure itself: a CI log keeps the end of a long report.
    let headlines: Vec<String> =
        problems.iter().map(|p| p.lines().take(2).collect::<Vec<_>>().join(" | ")).collect();
    assert!(
        problems.is_empty(),
        "{} problem(s) on the damaged copies (listed above):\n{}",
        problems.len(),
        headlines.join("\n")
    );
}

#[test]
fn the_console_on_a_damaged_database_refuses_or_quits_on_q_sigterm_and_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let shops = build_shops(dir.path());
    let seed = env_u64("KEHU_DAMAGE_SEED").unwrap_or(13);
    let mut cases = fixed_cases(&shops, dir.path(), seed);
    let screened = opening_but_damaged(&shops, dir.path(), seed, 2);
    let opened_damaged = screened.len();
    cases.extend(screened);
    let t = tmux::shell("damaged", "LANG=C.UTF-8");
    let mut problems = Vec::new();
    let mut table = Vec::new();
    let mut shown_any = false;
    for (i, case) in cases.iter().enumerate() {
        let (row, shown) = try_each_ending(&t, i, case, dir.path(), &mut problems);
        table.push(row);
        shown_any |= shown;
    }
    drop(t);
    // No console (nor anything else started on these copies) is left running.
    if let Some(left) = left_running(dir.path()) {
        problems.push(format!("processes left running: {left}"));
    }
    eprintln!(
        "\nconsole on damaged copies ({:<13} {:<30}{:>18}{:>18}{:>18})",
        "way", "damage", "q", "SIGTERM", "SIGHUP"
    );
    for row in &table {
        eprintln!("  {row}");
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(shown_any, "no damaged copy showed the console: q, SIGTERM and SIGHUP were not tried on one");
    // Reported rather than failed: which damage opens but does not read depends on sled's layout.
    if opened_damaged == 0 {
        eprintln!(
            "no candidate damage opened with damage found by `kehu check`: the loader path was not tried"
        );
    }
}
