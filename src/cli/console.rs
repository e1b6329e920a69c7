//! `kehu` without a subcommand: the console, with today's backup written beside it.

use super::Context;
use crate::store::{Opened, SledStore, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a console that quits gives the daily backup to finish before leaving it to the
/// process's exit (the half-written file is a `.tmp`, removed by the next backup).
const BACKUP_GRACE: Duration = Duration::from_secs(1);

/// Runs the console on `db`; with `daily`, today's backup (and the journal's checkpoint) is
/// written on a thread of its own while the console starts.
pub fn run(ctx: &Context, db: Opened, daily: bool) -> anyhow::Result<i32> {
    let notice = (!db.notes().is_empty()).then(|| db.notes().join("; "));
    let (store, sled): (Arc<dyn Store>, Option<Arc<SledStore>>) = match db {
        Opened::Sled(s) => {
            let s = Arc::new(s);
            (Arc::clone(&s) as Arc<dyn Store>, Some(s))
        }
        pg => (pg.shared(), None),
    };
    let stop = Arc::new(AtomicBool::new(false));
    // A database directory gets today's backup beside it; a PostgreSQL server's backups are
    // its administrator's.
    let backup = sled.filter(|_| daily).map(|db| {
        let (stop, today) = (Arc::clone(&stop), ctx.today);
        std::thread::Builder::new().name("kehu-daily-backup".into()).spawn(move || {
            let dir = crate::store::backup_dir(db.path());
            crate::store::daily_backup(&db, &dir, today, crate::store::KEEP_DEFAULT, &|| {
                stop.load(Ordering::Relaxed)
            })
        })
    });
    let backup = backup.transpose()?;
    let label = match crate::store::postgres_url(&ctx.db_path) {
        Some(url) => crate::store::shown_url(url),
        None => ctx.db_path.display().to_string(),
    };
    // Read before the loader starts: the counts it classifies are kept only if no change
    // landed while it read.
    let before = store.last_change()?;
    let classify = {
        let (ctx, store) = (ctx.clone(), Arc::clone(&store));
        move |b| ctx.classify_keeping(store.as_ref(), b, before)
    };
    let at_quit = {
        let (ctx, store) = (ctx.clone(), Arc::clone(&store));
        move |clf: &crate::classify::Classifier| ctx.keep_at_quit(store.as_ref(), clf)
    };
    let result = crate::tui::open(
        store,
        ctx.rules.clone(),
        ctx.today,
        ctx.follow_clock,
        label,
        ctx.branch.clone(),
        notice,
        classify,
        at_quit,
    );
    stop.store(true, Ordering::Relaxed);
    if let Some(backup) = backup {
        let deadline = Instant::now() + BACKUP_GRACE;
        while !backup.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if backup.is_finished()
            && let Ok(Err(e)) = backup.join()
            && !stop_error(&e)
        {
            eprintln!("kehu: the daily backup failed: {e}");
        }
    }
    result?;
    Ok(0)
}

/// Whether the backup failed only because the console asked it to stop.
fn stop_error(e: &crate::store::StoreError) -> bool {
    e.to_string().contains("the backup was stopped")
}
