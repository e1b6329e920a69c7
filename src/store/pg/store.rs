//! [`PgStore`]: the [`Store`] on PostgreSQL.
//!
//! Every call is one SQL transaction. A read is one `REPEATABLE READ READ ONLY` snapshot, so a
//! scan of every history sees one state even while other processes write. A change takes a
//! transaction-scoped advisory lock first (one writer at a time across every process and
//! machine on the database, as sled's writer lock is within one), reads the change number and
//! the content sum from `meta`, runs the same rules as sled ([`crate::store::write`]) and
//! commits; PostgreSQL's own log makes it durable, so there is no kehu journal here. Each
//! commit notifies channel [`CHANNEL`] with its change number.
//!
//! Connections are kept in a small pool: a call takes one (opening a new one when none is idle,
//! so a reader's callback may itself read), and gives it back unless it broke; a read that
//! failed on a broken connection is tried once more on a new one.

use super::schema::{self, pg_err};
use super::txn::PgTxn;
use crate::change::{Applied, Change, Committed, Replaced};
use crate::classify::{KeptClasses, Segmented, Summary};
use crate::domain::{Campaign, Customer, History, Phone};
use crate::store::kv::Kv;
use crate::store::sum::{self, SEQ_KEY, SUM_KEY};
use crate::store::trees::TreeId;
use crate::store::txn::Tx;
use crate::store::{AuditEntry, BackupSummary, ChangeFeed, CheckReport, Store, StoreError, StoreResult};
use crate::store::{audit, campaigns, digests, kept, kept_classes, reads, scan, write};
use postgres::IsolationLevel;
use sled::transaction::ConflictableTransactionError;
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The advisory lock kept data is written under ("kehk"), tried, never waited for.
pub(super) const KEEPER_LOCK: i64 = 0x6b65686b;
/// The advisory lock every change is made under ("kehw").
const WRITER_LOCK: i64 = 0x6b65_6877;
/// The channel each commit notifies, with its change number as the payload.
pub(crate) const CHANNEL: &str = "kehu_changes";
/// Connections kept open while idle; more are opened as calls need them.
const IDLE_KEPT: usize = 4;
/// A connection idle longer than this is asked whether it still works before a call uses it (a
/// server restarted meanwhile); one used just now is trusted, saving the round trip.
const TRUSTED_IDLE: Duration = Duration::from_secs(2);
/// How long that question may take.
const ASK_ALIVE: Duration = Duration::from_secs(5);

/// A kehu database on a PostgreSQL server.
pub struct PgStore {
    config: postgres::Config,
    /// In the clear, or TLS with the server verified (see [`super::tls`]).
    tls: super::tls::Tls,
    /// The URL without its password, for messages.
    shown: String,
    idle: Mutex<Vec<(postgres::Client, Instant)>>,
    notes: Vec<String>,
    /// The changes this store committed, while a feed watches (see [`PgStore::watch`]): its
    /// watcher passes on the others' only.
    mine: Arc<Mutex<Mine>>,
}

/// The change numbers a store committed that its feed has not been asked about yet.
#[derive(Default)]
struct Mine {
    watched: bool,
    seqs: BTreeSet<u64>,
    /// The newest change committed through this store.
    newest: u64,
}

impl PgStore {
    /// Connects to the database at `url`, creates or upgrades its schema (refusing a newer
    /// one), and brings the kept digests up to date, saying so when it had to.
    pub fn open(url: &str) -> StoreResult<PgStore> {
        let (rest, tls) = super::tls::Tls::of(url)?;
        let mut config: postgres::Config = rest
            .parse()
            .map_err(|e| StoreError::Io(format!("not a PostgreSQL URL: {}: {e}", super::shown(url))))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let mut store = PgStore {
            config,
            tls,
            shown: super::shown(url),
            idle: Mutex::new(Vec::new()),
            notes: Vec::new(),
            mine: Arc::default(),
        };
        let mut client = store.connect()?;
        schema::ensure(&mut client)?;
        store.give(client);
        let rebuilt = store.writing(|txn| {
            let (seq, _) = position(txn)?;
            digests::ensure(txn, seq)
        })?;
        if let Some(n) = rebuilt.filter(|n| *n > 0) {
            store.notes.push(format!(
                "rebuilt the kept summaries of {n} customers (this kehu keeps them in a new layout); later starts read them again"
            ));
        }
        Ok(store)
    }

    /// What opening found and did, for the operator.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The database's URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// Every entry of tree `t`, for tests that look under the store.
    #[cfg(test)]
    pub(crate) fn dump(&self, t: crate::store::trees::TreeId) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.read(|kv| kv.all(t).map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec()))).collect()).unwrap()
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(postgres::Client, Instant)>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connect(&self) -> StoreResult<postgres::Client> {
        self.tls.connect(&self.config).map_err(|e| {
            StoreError::Io(format!(
                "cannot connect to PostgreSQL at {}: {}",
                self.shown,
                schema::describe(&e)
            ))
        })
    }

    /// An idle connection that works, or a new one.
    fn take(&self) -> StoreResult<postgres::Client> {
        loop {
            let Some((mut c, since)) = self.idle().pop() else { return self.connect() };
            if !c.is_closed() && (since.elapsed() < TRUSTED_IDLE || c.is_valid(ASK_ALIVE).is_ok()) {
                return Ok(c);
            }
        }
    }

    /// Gives a connection back for the next call, unless it broke.
    fn give(&self, c: postgres::Client) {
        let mut idle = self.idle();
        if !c.is_closed() && idle.len() < IDLE_KEPT {
            idle.push((c, Instant::now()));
        }
    }

    /// Runs `f` in one read-only snapshot; once more on a new connection when the one taken had
    /// broken (a server restarted since).
    fn read<A>(&self, f: impl Fn(&PgTxn) -> StoreResult<A>) -> StoreResult<A> {
        let mut c = self.take()?;
        match snapshot(&mut c, &f) {
            Err(_) if broken(&mut c) => {
                let mut fresh = self.connect()?;
                let out = snapshot(&mut fresh, &f);
                self.give(fresh);
                out
            }
            out => {
                self.give(c);
                out
            }
        }
    }

    /// Runs `f` over one read-only snapshot of every tree (a move, a backup).
    pub(crate) fn reading<A>(&self, f: impl FnOnce(&dyn Kv) -> StoreResult<A>) -> StoreResult<A> {
        self.visit(|txn| f(txn))
    }

    /// Fills a database that holds no records yet with what `f` writes, in one transaction
    /// under the writer's lock (a move, a restore): all of it lands, or none. Refused when the
    /// database holds anything; the kept summaries are rebuilt after `f` when it brought none.
    pub(crate) fn filling<A>(&self, f: impl FnOnce(&dyn Kv) -> StoreResult<A>) -> StoreResult<A> {
        self.writing(|txn| {
            for t in TreeId::ALL {
                for entry in txn.all(t) {
                    if !sum::is_bookkeeping(t, &entry?.0) {
                        return Err(StoreError::Refused(format!(
                            "{} already holds a shop; move or restore only into a database kehu has not written to (createdb a new one)",
                            self.shown
                        )));
                    }
                }
            }
            for t in TreeId::KEPT {
                let keys: Vec<_> = txn.all(t).map(|e| e.map(|(k, _)| (t, k.to_vec(), None))).collect::<StoreResult<_>>()?;
                txn.apply(keys)?;
            }
            let a = f(txn)?;
            let (seq, _) = position(txn)?;
            digests::ensure(txn, seq)?;
            Ok(a)
        })
    }

    /// Runs `f`, which may have seen part of what it reads when it fails, in one read-only
    /// snapshot: begun again on a new connection only when the one taken turns out broken
    /// before `f` ran.
    fn visit<A>(&self, f: impl FnOnce(&PgTxn) -> StoreResult<A>) -> StoreResult<A> {
        let mut f = Some(f);
        let mut c = self.take()?;
        let mut out = snapshot_once(&mut c, &mut f);
        if f.is_some() && broken(&mut c) {
            c = self.connect()?;
            out = snapshot_once(&mut c, &mut f);
        }
        self.give(c);
        out
    }

    /// Runs `f` in one transaction holding the writer's lock, committed when `f` succeeds.
    ///
    /// Begun again on a new connection when the one taken turns out broken before `f` ran (a
    /// server restarted since it was last used): nothing was sent that could have landed. Not
    /// retried once `f` ran: a connection that breaks mid-change has rolled it back, except
    /// when the commit itself failed, and then only the database can say whether it landed (a
    /// keyed change can be sent again safely).
    fn writing<A>(&self, f: impl FnOnce(&PgTxn) -> StoreResult<A>) -> StoreResult<A> {
        let mut f = Some(f);
        let mut c = self.take()?;
        let mut out = locked(&mut c, &mut f);
        if f.is_some() && broken(&mut c) {
            c = self.connect()?;
            out = locked(&mut c, &mut f);
        }
        self.give(c);
        out
    }

    /// Runs `f` in one transaction without the writer's lock: kept derived data only. When
    /// another process is keeping at this moment (every console and server of a chain reaches
    /// a new day together, each with the same classes), nothing is written: theirs stand, and
    /// a reader finds them whole or catches them up.
    fn keeping(&self, f: impl FnOnce(&PgTxn) -> StoreResult<()>) -> StoreResult<()> {
        let mut c = self.take()?;
        let out = (|| {
            let txn = PgTxn::new(c.transaction().map_err(|e| pg_err("begin", e))?);
            let sole: bool = txn
                .client()
                .query_one("SELECT pg_try_advisory_xact_lock($1)", &[&KEEPER_LOCK])
                .map_err(|e| pg_err("take the keeper's lock", e))?
                .get(0);
            if !sole {
                return Ok(());
            }
            f(&txn)?;
            txn.commit().map_err(|e| pg_err("commit", e))
        })();
        self.give(c);
        out
    }
}

/// `f` (taken from its option only once the transaction holds the writer's lock) in one
/// transaction of `c`, committed when it succeeds.
fn locked<A>(
    c: &mut postgres::Client,
    f: &mut Option<impl FnOnce(&PgTxn) -> StoreResult<A>>,
) -> StoreResult<A> {
    let tx = c.transaction().map_err(|e| pg_err("begin", e))?;
    let txn = PgTxn::new(tx);
    txn.client()
        .execute("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])
        .map_err(|e| pg_err("wait for other writers", e))?;
    let f = f.take().ok_or_else(|| StoreError::Io("internal: a change run twice".into()))?;
    let a = f(&txn)?;
    txn.commit().map_err(|e| pg_err("commit", e))?;
    Ok(a)
}

/// Whether `c` no longer works (a server that ended it says so before closing it).
fn broken(c: &mut postgres::Client) -> bool {
    c.is_closed() || c.is_valid(ASK_ALIVE).is_err()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The commits of every process, heard on a connection of its own that listens to [`CHANNEL`].
struct Feed {
    client: postgres::Client,
    mine: Arc<Mutex<Mine>>,
    /// When the connection last answered (a notification or a probe).
    heard: Instant,
}

/// Silence on the feed after which its connection is asked whether it is still there.
const FEED_PROBE: Duration = Duration::from_secs(30);

impl ChangeFeed for Feed {
    fn wait(&mut self, wait: Duration) -> StoreResult<Option<u64>> {
        let mut newest = None;
        let mut heard = |n: postgres::Notification| {
            if let Ok(seq) = n.payload().parse::<u64>() {
                newest = newest.max(Some(seq));
            }
        };
        use postgres::fallible_iterator::FallibleIterator;
        let first = self.client.notifications().timeout_iter(wait).next();
        if let Some(n) = first.map_err(|e| pg_err("listen", e))? {
            heard(n);
            // And whatever came with it, without waiting.
            let mut notes = self.client.notifications();
            let mut more = notes.iter();
            while let Some(n) = more.next().map_err(|e| pg_err("listen", e))? {
                heard(n);
            }
        }
        let closed = || StoreError::Io("PostgreSQL: the connection listening for changes closed".into());
        if self.client.is_closed() {
            return Err(closed());
        }
        // A connection a router or a dead host dropped without a word stays quiet for ever:
        // asked after a while of silence.
        if newest.is_some() {
            self.heard = Instant::now();
        } else if self.heard.elapsed() >= FEED_PROBE {
            self.client.is_valid(ASK_ALIVE).map_err(|_| closed())?;
            self.heard = Instant::now();
        }
        Ok(newest)
    }

    fn is_mine(&self, seq: u64) -> bool {
        lock(&self.mine).seqs.contains(&seq)
    }

    fn settled(&mut self, through: u64) {
        lock(&self.mine).seqs.retain(|&s| s > through);
    }
}

/// `f` in one read-only snapshot of `c`.
fn snapshot<A>(c: &mut postgres::Client, f: &impl Fn(&PgTxn) -> StoreResult<A>) -> StoreResult<A> {
    snapshot_once(c, &mut Some(f))
}

/// `f` (taken from its option only once the snapshot has begun) in one read-only snapshot of `c`.
fn snapshot_once<A>(
    c: &mut postgres::Client,
    f: &mut Option<impl FnOnce(&PgTxn) -> StoreResult<A>>,
) -> StoreResult<A> {
    let tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|e| pg_err("begin a read", e))?;
    let txn = PgTxn::new(tx);
    let f = f.take().ok_or_else(|| StoreError::Io("internal: a read run twice".into()))?;
    let a = f(&txn)?;
    txn.commit().map_err(|e| pg_err("end a read", e))?;
    Ok(a)
}

/// The last change and the content sum after it.
fn position(kv: &dyn Kv) -> StoreResult<(u64, u64)> {
    let meta = |key| -> StoreResult<u64> {
        match kv.value(crate::store::trees::TreeId::Meta, key)? {
            None => Ok(0),
            Some(v) => crate::store::keys::parse_id(&v, "meta"),
        }
    };
    Ok((meta(SEQ_KEY)?, meta(SUM_KEY)?))
}

/// A transaction step's error as the store's.
fn unlift(e: ConflictableTransactionError<StoreError>) -> StoreError {
    match e {
        ConflictableTransactionError::Abort(e) => e,
        other => StoreError::Io(format!("PostgreSQL: {other:?}")),
    }
}

impl Store for PgStore {
    fn commit(&self, change: Change, operator: &str) -> StoreResult<Committed> {
        if let Change::Keyed { key, .. } = &change {
            crate::store::ledger::check_key(key)?;
        }
        let when = chrono::Utc::now();
        let claimed = std::cell::Cell::new(0);
        let committed = self.writing(|txn| {
            let (last, before) = position(txn)?;
            if let Change::Keyed { key, .. } = &change
                && let Some(id) = reads::keyed_record(txn, key)?
            {
                return Ok(Committed {
                    seq: last,
                    applied: Applied::Replayed(id),
                    replaced: Replaced::Nothing,
                });
            }
            let prep = reads::prepare(txn, &change)?;
            let seq = last + 1;
            // Claimed before the commit, whose notification the watcher may hear at once.
            let mut mine = lock(&self.mine);
            if mine.watched {
                mine.seqs.insert(seq);
                claimed.set(seq);
            }
            drop(mine);
            let tx = Tx::new(txn);
            let (applied, replaced) =
                write::audited(&tx, seq, &change, &prep, operator, when).map_err(unlift)?;
            digests::refresh(&tx, seq).map_err(unlift)?;
            let (_, delta) = tx.recorded();
            tx.bookkeeping(SEQ_KEY, seq).map_err(unlift)?;
            tx.bookkeeping(SUM_KEY, before.wrapping_add(delta)).map_err(unlift)?;
            txn.client()
                .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &seq.to_string()])
                .map_err(|e| pg_err("notify", e))?;
            Ok(Committed { seq, applied, replaced })
        });
        match &committed {
            Ok(c) => {
                let mut mine = lock(&self.mine);
                mine.newest = mine.newest.max(c.seq);
            }
            Err(_) => drop(lock(&self.mine).seqs.remove(&claimed.get())),
        }
        committed
    }

    fn newest_own_change(&self) -> u64 {
        lock(&self.mine).newest
    }

    fn watch(&self) -> StoreResult<Option<Box<dyn ChangeFeed>>> {
        let mut client = self.connect()?;
        client.batch_execute(&format!("LISTEN {CHANNEL}")).map_err(|e| pg_err("listen", e))?;
        lock(&self.mine).watched = true;
        Ok(Some(Box::new(Feed { client, mine: Arc::clone(&self.mine), heard: Instant::now() })))
    }

    fn customer(&self, id: u64) -> StoreResult<Option<Customer>> {
        self.read(|kv| scan::customer(kv, id))
    }

    fn history(&self, id: u64) -> StoreResult<Option<History>> {
        self.read(|kv| scan::history(kv, id))
    }

    fn id_by_ref(&self, reference: &str) -> StoreResult<Option<u64>> {
        self.read(|kv| reads::id_by_ref(kv, reference))
    }

    fn ids_by_phone(&self, phone: &Phone) -> StoreResult<Vec<u64>> {
        self.read(|kv| reads::ids_by_phone(kv, phone))
    }

    fn former_ref(&self, reference: &str) -> StoreResult<Option<u64>> {
        let key = crate::store::merge::former_ref(reference);
        self.read(|kv| reads::follow_former(kv, &key))
    }

    fn former_phone(&self, phone: &Phone) -> StoreResult<Option<u64>> {
        let key = crate::store::merge::former_phone(phone);
        self.read(|kv| reads::follow_former(kv, &key))
    }

    fn not_duplicates(&self) -> StoreResult<Vec<(u64, u64)>> {
        self.read(|kv| reads::not_duplicates(kv))
    }

    fn for_each_history(&self, f: &mut dyn FnMut(History)) -> StoreResult<()> {
        self.histories_until(&mut |h| {
            f(h);
            ControlFlow::Continue(())
        })
    }

    fn histories_until(&self, f: &mut dyn FnMut(History) -> ControlFlow<()>) -> StoreResult<()> {
        self.visit(|kv| scan::histories_until(kv, f))
    }

    fn customers_until(&self, f: &mut dyn FnMut(Customer) -> ControlFlow<()>) -> StoreResult<()> {
        self.visit(|kv| scan::customers_until(kv, f))
    }

    fn summaries_until(&self, f: &mut dyn FnMut(Summary) -> ControlFlow<()>) -> StoreResult<()> {
        let kept = self.read(|kv| Ok(digests::all(kv, position(kv)?.0)))?;
        match kept {
            Some(all) => {
                for s in all {
                    if f(s).is_break() {
                        break;
                    }
                }
                Ok(())
            }
            None => self.histories_until(&mut |h| f(Summary::from_history(&h))),
        }
    }

    fn last_change(&self) -> StoreResult<u64> {
        self.read(|kv| Ok(position(kv)?.0))
    }

    fn kept_segments(&self) -> StoreResult<Option<Segmented>> {
        self.read(|kv| Ok(kept::segments(kv)))
    }

    fn keep_segments(&self, segments: &Segmented) -> StoreResult<()> {
        self.keeping(|kv| kept::keep_segments(kv, segments))
    }

    fn kept_classes(&self) -> StoreResult<Option<KeptClasses>> {
        self.read(|kv| Ok(kept_classes::read(kv)))
    }

    fn kept_classes_stamp(&self) -> StoreResult<Option<(crate::classify::Stamp, u64)>> {
        self.read(|kv| Ok(kept_classes::stamp(kv)))
    }

    fn touched_after(&self, change: u64, limit: usize) -> StoreResult<Option<Vec<u64>>> {
        self.read(|kv| {
            let current = digests::current(kv, position(kv)?.0);
            Ok(current.then(|| kept_classes::touched_after(kv, change, limit)).flatten())
        })
    }

    /// Written once per change, day and rules: a process that finds the same kept already (the
    /// chain's first to get there wrote them) writes nothing.
    fn keep_classes(&self, classes: &KeptClasses) -> StoreResult<()> {
        self.keeping(|kv| {
            if kept_classes::stamp(kv) == Some((classes.stamp, classes.model)) {
                return Ok(());
            }
            kept_classes::keep(kv, classes)
        })
    }

    fn customer_count(&self) -> StoreResult<u64> {
        self.read(|kv| {
            let sql =
                format!("SELECT count(*) FROM {}", schema::table(crate::store::trees::TreeId::Customers));
            let n: i64 = kv.client().query_one(&sql, &[]).map_err(|e| pg_err("count", e))?.get(0);
            Ok(n.max(0) as u64)
        })
    }

    fn setting(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.read(|kv| reads::setting(kv, key))
    }

    fn audit_entries(&self, customer: Option<u64>) -> StoreResult<Vec<AuditEntry>> {
        self.read(|kv| audit::entries(kv, customer))
    }

    fn audit_newest_first(&self, visit: &mut dyn FnMut(AuditEntry) -> ControlFlow<()>) -> StoreResult<()> {
        self.visit(|kv| audit::newest_first(kv, visit))
    }

    /// A backup file as a directory's, from one snapshot: `kehu restore` takes it into either.
    fn backup(&self, file: &Path) -> StoreResult<BackupSummary> {
        self.reading(|kv| {
            let at = position(kv)?;
            crate::store::backup::write_file(kv, at, file, &|| false, crate::progress::QUIET)
        })
    }

    /// The server's own backups (pg_dump, base backups, a replica) are its administrator's:
    /// no file is written beside a database that has no directory.
    fn daily_backup(&self, _today: chrono::NaiveDate) -> StoreResult<Option<PathBuf>> {
        Ok(None)
    }

    /// What is checked on PostgreSQL so far: every customer record decodes, every entry adds
    /// up to the content sum the commits kept, and the kept digests equal a fresh build from
    /// the records.
    fn verify(&self, _p: &dyn crate::progress::Progress) -> CheckReport {
        let mut r = CheckReport::default();
        let done = self.read(|kv| {
            let mut r = CheckReport::default();
            let mut n = 0;
            scan::customers_until(kv, &mut |_| {
                n += 1;
                ControlFlow::Continue(())
            })?;
            r.counts.push(("customers".into(), n));
            // Every entry read and summed against the content sum each commit keeps.
            match crate::store::moving::tally(kv) {
                Ok(t) => r.counts.push(("entries, summed".into(), t.entries())),
                Err(e) => r.problem("(content sum)", "", e.to_string()),
            }
            digests::check(kv, position(kv)?.0, &mut r);
            Ok(r)
        });
        match done {
            Ok(done) => r = done,
            Err(e) => r.problem("(database)", "", e.to_string()),
        }
        r
    }

    fn keyed_record(&self, key: &str) -> StoreResult<Option<u64>> {
        self.read(|kv| reads::keyed_record(kv, key))
    }

    fn ledger_pending(&self) -> StoreResult<bool> {
        self.read(|kv| reads::ledger_pending(kv))
    }

    fn campaigns(&self) -> StoreResult<Vec<Campaign>> {
        self.read(|kv| campaigns::all(kv))
    }

    fn campaign(&self, name: &str) -> StoreResult<Option<Campaign>> {
        self.read(|kv| campaigns::one(kv, name))
    }
}
