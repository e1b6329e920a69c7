//! Undo on a demo database: the operator's last change taken back through the console's path,
//! split into the runtime's share (find it in the audit log, commit its inverse with flush,
//! read the touched customers back) and the console's (reclassify them, refresh the views).
//! Per kind of change: a purchase, a void, a tag, and a merge (two customers and their records
//! come back). Prints one `name value unit` line per figure.
//!
//! `KEHU_BENCH_DB=DIR cargo bench --bench undo` — `scripts/bench.sh` builds the databases.
//! The database is copied first, so the changes never touch the cached one.

mod common;
use chrono::NaiveDate;
use common::{copy_dir, percentile};
use kehu::change::Change;
use kehu::domain::{Money, Purchase, Void};
use kehu::store::{SledStore, Store};
use kehu::tui::run_effect_as;
use kehu::ui::{Action, App, AppInit, Effect};
use std::path::Path;
use std::time::{Duration, Instant};

const OPERATOR: &str = "bench";

/// Makes the change to undo, about a customer; None when that customer cannot have it.
type MakeChange<'a> = &'a dyn Fn(&SledStore, u64) -> Option<Change>;
const ROUNDS: u64 = 40;

/// Times one undo: (the runtime's share, the console's).
fn undo(app: &mut App, store: &SledStore) -> (Duration, Duration) {
    let t = Instant::now();
    let answers = run_effect_as(store, Effect::Undo { consent: false }, OPERATOR);
    let runtime = t.elapsed();
    let t = Instant::now();
    for a in answers {
        assert!(matches!(a, Action::Committed(_)), "undo answered {a:?}");
        app.update(a);
    }
    (runtime, t.elapsed())
}

fn report(name: &str, runtime: &mut [Duration], console: &mut [Duration]) {
    println!("undo_{name}_runtime_p50 {:.2} ms", percentile(runtime, 0.5));
    println!("undo_{name}_runtime_p99 {:.2} ms", percentile(runtime, 0.99));
    println!("undo_{name}_console_p50 {:.2} ms", percentile(console, 0.5));
    println!("undo_{name}_console_p99 {:.2} ms", percentile(console, 0.99));
}

fn main() {
    let Some(source) = std::env::var_os("KEHU_BENCH_DB") else {
        eprintln!("set KEHU_BENCH_DB to a demo database (scripts/bench.sh builds them); skipping");
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let work = tempfile::tempdir().expect("tempdir");
    let db = work.path().join("db");
    copy_dir(Path::new(&source), &db).expect("copy the database");
    let store = SledStore::open(&db).expect("open");
    let loaded = kehu::tui::read_all(&store, kehu::classify::Rules::default(), today).expect("read");
    let mut app = App::new(AppInit::empty(kehu::classify::Classifier::new(Default::default(), today)));
    app.set_operator(OPERATOR);
    app.update(Action::Loaded(Box::new(loaded)));
    let ids: Vec<u64> = app.model().ids().to_vec();
    println!("customers {}", ids.len());
    let pick = |i: u64| ids[(i.wrapping_mul(2_654_435_761) % ids.len() as u64) as usize];

    let kinds: [(&str, MakeChange); 4] = [
        ("purchase", &|_, id| Some(Change::AddPurchase(Purchase::new(id, today, Money(1250), 1).ok()?))),
        ("void", &|s, id| {
            let before = s.history(id).ok()??.purchases.into_iter().rev().find(|p| p.is_sale())?;
            let void = Some(Void { at: chrono::Utc::now(), by: OPERATOR.into(), reason: "bench".into() });
            Some(Change::ReplacePurchase { after: Purchase { void, ..before.clone() }, before })
        }),
        ("tag", &|s, id| {
            let mut c = s.customer(id).ok()??;
            c.tags.push("bench".into());
            Some(Change::SaveCustomer(c))
        }),
        ("merge", &|s, id| {
            let survivor = s.customer(id).ok()??;
            let loser = ids.iter().copied().find(|o| *o > id && s.customer(*o).ok().flatten().is_some())?;
            Some(Change::Merge { survivor, loser })
        }),
    ];
    for (name, make) in kinds {
        let (mut runtime, mut console) = (Vec::new(), Vec::new());
        for i in 0..ROUNDS {
            let Some(change) = make(&store, pick(i + 1)) else { continue };
            // The change itself goes through the console's path too, so that the App holds it.
            let done = kehu::ui::Notice::text(format!("bench {name}"));
            for a in
                run_effect_as(&store, Effect::Commit(Box::new(kehu::ui::Commit { change, done })), OPERATOR)
            {
                app.update(a);
            }
            let (r, c) = undo(&mut app, &store);
            runtime.push(r);
            console.push(c);
        }
        report(name, &mut runtime, &mut console);
    }
    // The operator's last change lies under others' work: undo walks the log back to it.
    const OTHERS: u64 = 5_000;
    let tag = |id: u64, t: &str| {
        let mut c = store.customer(id).expect("read").expect("exists");
        c.tags.push(t.into());
        Change::SaveCustomer(c)
    };
    let mine = tag(pick(7), "mine");
    for a in run_effect_as(
        &store,
        Effect::Commit(Box::new(kehu::ui::Commit { change: mine, done: kehu::ui::Notice::text("mine") })),
        OPERATOR,
    ) {
        app.update(a);
    }
    for i in 0..OTHERS {
        let id = pick(1000 + i);
        if id != pick(7) {
            store.commit(tag(id, "other"), "other").expect("commit");
        }
    }
    let (r, c) = undo(&mut app, &store);
    println!("undo_under_{OTHERS}_others_runtime {:.2} ms", r.as_secs_f64() * 1e3);
    println!("undo_under_{OTHERS}_others_console {:.2} ms", c.as_secs_f64() * 1e3);
    let entries = store.audit_entries(None).expect("audit").len();
    println!("audit_entries_after {entries}");
}
