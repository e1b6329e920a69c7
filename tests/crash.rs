//! Crash safety: `kehu torture` is killed at random moments; every acknowledged edit must
//! survive, an edit in flight must be all there or not at all, and the database must check clean.
//!
//! `KEHU_CRASH_TRIALS` sets the number of SIGKILL trials (default 12).

mod common;

use chrono::NaiveDate;
use common::env_u64;
use common::run::lines;
use common::torture::{Records, Replay};
use kehu::classify::{Classifier, Dimension, Rules};
use kehu::demo::rng::Rng;
use kehu::store::{SledStore, Store};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Trials run one after another on the same database, so that recovery of a recovered
/// database is exercised too, before a fresh one starts.
const CHAIN: u64 = 4;

/// What the database holds, read through the library (refs are not compared: see
/// [`Records::same_records`]).
fn read(store: &SledStore) -> Records {
    let mut s = Records::default();
    store
        .for_each_history(&mut |h| {
            let reference = h.customer.reference.clone().unwrap_or_default();
            s.customers.insert(h.customer.id, (h.customer.name.clone(), reference));
            s.purchases.extend(h.purchases.iter().map(|p| (p.id, (p.customer, p.amount.0))));
            s.interactions.extend(h.interactions.iter().map(|i| (i.id, (i.customer, i.text.clone()))));
        })
        .expect("read every history");
    s
}

/// A running `kehu torture` and its stdout lines.
struct Torture {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Torture {
    fn start(db: &std::path::Path, seed: u64) -> Torture {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kehu"))
            .arg("--db")
            .arg(db)
            .args(["torture", "--seed", &seed.to_string(), "--edits", "1000000"])
            .env_remove("KEHU_DB")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn kehu torture");
        let lines = lines(child.stdout.take().expect("stdout"));
        Torture { child, lines, seen: Vec::new() }
    }

    /// Collects lines until the first `ok` (true) or the deadline (false).
    fn wait_for_ok(&mut self, deadline: Instant) -> bool {
        while let Ok(line) = self.lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            let ok = line.starts_with("ok ");
            self.seen.push(line);
            if ok {
                return true;
            }
        }
        false
    }

    /// Collects lines for `d`, letting the stream run.
    fn run_for(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while let Ok(line) = self.lines.recv_timeout(until.saturating_duration_since(Instant::now())) {
            self.seen.push(line);
        }
    }

    /// Waits for the process to end and collects every line it wrote.
    fn finish(mut self) -> Vec<String> {
        self.child.wait().expect("wait for kehu");
        self.seen.extend(self.lines.iter());
        self.seen
    }
}

/// The verdict of one trial: acknowledged edits and lost records, or what went wrong.
fn verify(db: &std::path::Path, before: &Records, lines: &[String]) -> Result<(usize, usize), String> {
    let replay = Replay::of(before, lines);
    if let Some(ok) = replay.unreplayable.first() {
        return Err(format!("cannot replay {ok:?}"));
    }
    let store = SledStore::open(db).map_err(|e| format!("does not open: {e}"))?;
    let found = read(&store);
    let report = store.check();
    if !report.is_clean() {
        return Err(format!("check found {:?}", report.problems));
    }
    // The edit in flight may have landed, whole.
    if !replay.expected.same_records(&found) && !replay.pending_landed_whole(&found) {
        return Ok((replay.acked, replay.expected.lost_in(&found).max(1)));
    }
    same_classes(&store)?;
    Ok((replay.acked, 0))
}

/// Classes built in one pass after reopening equal a customer-by-customer recomputation.
fn same_classes(store: &SledStore) -> Result<(), String> {
    let today = NaiveDate::from_ymd_opt(2024, 6, 1).expect("date");
    let mut all = Vec::new();
    store.for_each_history(&mut |h| all.push(h)).map_err(|e| e.to_string())?;
    let bulk = Classifier::from_histories(Rules::default(), today, &all);
    let mut one_by_one = Classifier::new(Rules::default(), today);
    for h in &all {
        let h = store.history(h.customer.id).map_err(|e| e.to_string())?.ok_or("customer vanished")?;
        one_by_one.upsert(&h);
    }
    let show = |c: &Classifier| {
        let ids: Vec<u64> = all.iter().map(|h| h.customer.id).collect();
        let profiles: Vec<_> = ids.iter().map(|id| c.profile(*id)).collect();
        let segs: Vec<_> = Dimension::ALL.iter().map(|d| c.segments(*d)).collect();
        format!("{profiles:?}{segs:?}")
    };
    if show(&bulk) != show(&one_by_one) {
        return Err("classes after reopen differ from a recomputation".into());
    }
    Ok(())
}

fn trials() -> u64 {
    env_u64("KEHU_CRASH_TRIALS").unwrap_or(12)
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_edit() {
    let n = trials();
    let mut dir = tempfile::tempdir().expect("tempdir");
    let (mut acked, mut lost, mut failures) = (0, 0, Vec::new());
    for trial in 0..n {
        if trial % CHAIN == 0 {
            dir = tempfile::tempdir().expect("tempdir");
        }
        let db = dir.path().join("db");
        let before = read(&SledStore::open(&db).expect("open before the trial"));
        let mut t = Torture::start(&db, trial + 1);
        assert!(
            t.wait_for_ok(Instant::now() + Duration::from_secs(30)),
            "trial {trial}: no edit acknowledged"
        );
        t.run_for(Duration::from_millis(2 + Rng::new(trial).below(300)));
        t.child.kill().expect("SIGKILL");
        let lines = t.finish();
        match verify(&db, &before, &lines) {
            Ok((a, l)) => {
                acked += a;
                lost += l;
                if l > 0 {
                    failures.push(format!("trial {trial}: {l} acknowledged record(s) lost or changed"));
                }
            }
            Err(why) => failures.push(format!("trial {trial}: {why}")),
        }
    }
    println!(
        "crash trials: {n}, edits acknowledged: {acked}, records lost: {lost}, failed trials: {}",
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn term_hup_and_int_right_after_an_edit_lose_nothing() {
    for (k, signal) in ["TERM", "HUP", "INT"].into_iter().enumerate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("db");
        let before = read(&SledStore::open(&db).expect("open"));
        let mut t = Torture::start(&db, 100 + k as u64);
        // Let a few edits through, then signal straight after reading an acknowledgement.
        assert!(t.wait_for_ok(Instant::now() + Duration::from_secs(30)));
        t.run_for(Duration::from_millis(20));
        assert!(t.wait_for_ok(Instant::now() + Duration::from_secs(30)));
        let sent = Command::new("kill").args(["-s", signal, &t.child.id().to_string()]).status();
        assert!(sent.expect("run kill").success());
        let lines = t.finish();
        let (acked, lost) = verify(&db, &before, &lines).unwrap_or_else(|e| panic!("SIG{signal}: {e}"));
        println!("SIG{signal}: {acked} edits acknowledged, {lost} lost");
        assert_eq!(lost, 0, "SIG{signal}");
        assert!(acked > 0);
    }
}
