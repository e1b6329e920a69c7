//! Crash safety: `kehu torture` is killed at random moments; every acknowledged edit must
//! survive, an edit in flight must be all there or not at all, and the database must check clean.
//!
//! `KEHU_CRASH_TRIALS` sets the number of SIGKILL trials (default 12).

use chrono::NaiveDate;
use kehu::classify::{Classifier, Dimension, Rules};
use kehu::store::{SledStore, Store};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Trials run one after another on the same database, so that recovery of a recovered
/// database is exercised too, before a fresh one starts.
const CHAIN: u64 = 4;

/// What the database holds, by id: customer names, purchase (owner, cents), interaction
/// (owner, text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct State {
    customers: BTreeMap<u64, String>,
    purchases: BTreeMap<u64, (u64, i64)>,
    interactions: BTreeMap<u64, (u64, String)>,
}

impl State {
    fn read(store: &SledStore) -> State {
        let mut s = State::default();
        store
            .for_each_history(&mut |h| {
                s.customers.insert(h.customer.id, h.customer.name.clone());
                s.purchases.extend(h.purchases.iter().map(|p| (p.id, (p.customer, p.amount.0))));
                s.interactions.extend(h.interactions.iter().map(|i| (i.id, (i.customer, i.text.clone()))));
            })
            .expect("read every history");
        s
    }

    /// Applies one acknowledged edit (`<kind> <step> <ids…>`, as `kehu torture` prints it).
    fn apply(&mut self, line: &str) -> Option<()> {
        let mut words = line.split_whitespace();
        let kind = words.next()?;
        let n: Vec<u64> = words.map(str::parse).collect::<Result<_, _>>().ok()?;
        let step = *n.first()?;
        match (kind, &n[1..]) {
            ("add", [id]) => drop(self.customers.insert(*id, format!("c{step}"))),
            ("purchase", [c, id]) => drop(self.purchases.insert(*id, (*c, step as i64 * 100))),
            ("interaction", [c, id]) => drop(self.interactions.insert(*id, (*c, format!("i{step}")))),
            ("edit", [c]) => *self.customers.get_mut(c)? = format!("e{step}"),
            ("merge", [s, l]) => {
                self.customers.remove(l)?;
                *self.customers.get_mut(s)? = format!("m{step}");
                self.purchases.values_mut().filter(|(o, _)| o == l).for_each(|(o, _)| *o = *s);
                self.interactions.values_mut().filter(|(o, _)| o == l).for_each(|(o, _)| *o = *s);
            }
            ("apply", [nc, np, ids @ ..]) if ids.len() as u64 == nc + np && *nc > 0 => {
                let (cs, ps) = ids.split_at(*nc as usize);
                for (k, id) in cs.iter().enumerate() {
                    self.customers.insert(*id, format!("a{step}-{k}"));
                }
                for (k, id) in ps.iter().enumerate() {
                    self.purchases.insert(*id, (cs[k % cs.len()], step as i64 * 100 + k as i64));
                }
            }
            _ => return None,
        }
        Some(())
    }

    /// Ids in `self` but not in `before`: customers, then purchases, then interactions.
    fn new_ids(&self, before: &State) -> Vec<u64> {
        let fresh =
            |a: Vec<u64>, b: &dyn Fn(&u64) -> bool| a.into_iter().filter(|id| !b(id)).collect::<Vec<_>>();
        let mut ids =
            fresh(self.customers.keys().copied().collect(), &|id| before.customers.contains_key(id));
        ids.extend(fresh(self.purchases.keys().copied().collect(), &|id| before.purchases.contains_key(id)));
        ids.extend(fresh(self.interactions.keys().copied().collect(), &|id| {
            before.interactions.contains_key(id)
        }));
        ids
    }

    /// How many records of `self` are missing or different in `found`.
    fn lost_in(&self, found: &State) -> usize {
        let c = self.customers.iter().filter(|(k, v)| found.customers.get(k) != Some(v)).count();
        let p = self.purchases.iter().filter(|(k, v)| found.purchases.get(k) != Some(v)).count();
        let i = self.interactions.iter().filter(|(k, v)| found.interactions.get(k) != Some(v)).count();
        c + p + i
    }
}

/// A deterministic number from a trial number (SplitMix64 step).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
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
fn verify(db: &std::path::Path, before: &State, lines: &[String]) -> Result<(usize, usize), String> {
    let mut expected = before.clone();
    let mut acked = 0;
    let mut pending = None;
    for line in lines {
        if let Some(t) = line.strip_prefix("try ") {
            pending = Some(t.to_string());
        } else if let Some(ok) = line.strip_prefix("ok ") {
            expected.apply(ok).ok_or_else(|| format!("cannot replay {ok:?}"))?;
            acked += 1;
            pending = None;
        }
    }
    let store = SledStore::open(db).map_err(|e| format!("does not open: {e}"))?;
    let found = State::read(&store);
    let report = store.check();
    if !report.is_clean() {
        return Err(format!("check found {:?}", report.problems));
    }
    if found != expected {
        // The edit in flight may have landed, whole: replay it with the ids that appeared.
        let whole = pending.and_then(|p| {
            let ids: Vec<String> = found.new_ids(&expected).iter().map(u64::to_string).collect();
            let mut with = expected.clone();
            with.apply(&format!("{p} {}", ids.join(" "))).map(|()| with)
        });
        if whole.as_ref() != Some(&found) {
            return Ok((acked, expected.lost_in(&found).max(1)));
        }
    }
    same_classes(&store)?;
    Ok((acked, 0))
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
    std::env::var("KEHU_CRASH_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(12)
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
        let before = State::read(&SledStore::open(&db).expect("open before the trial"));
        let mut t = Torture::start(&db, trial + 1);
        assert!(
            t.wait_for_ok(Instant::now() + Duration::from_secs(30)),
            "trial {trial}: no edit acknowledged"
        );
        t.run_for(Duration::from_millis(2 + mix(trial) % 300));
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
        let before = State::read(&SledStore::open(&db).expect("open"));
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
