//! What every command needs: where the database is, what "today" is, which rules apply.

use super::Cli;
use super::kept::Finished;
use crate::classify::{Classifier, ClassifierBuilder, MODEL_SETTING, Model, Rules};
use crate::demo;
use crate::domain::Customer;
use crate::progress::{Progress, Unit};
use crate::store::{Opened, Store};
use anyhow::{Context as _, bail};
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Customers in the throwaway `--demo` database.
const DEMO_CUSTOMERS: u64 = 2000;

/// The resolved global options.
#[derive(Debug, Clone)]
pub struct Context {
    /// The database directory.
    pub db_path: PathBuf,
    /// "Today" for every classification.
    pub today: NaiveDate,
    /// Whether "today" follows the clock (no `--as-of`): a console left open moves to each new day.
    pub follow_clock: bool,
    /// The classification rules in force.
    pub rules: Rules,
    /// The branch this process works at (`--branch`, `KEHU_BRANCH`, the config's `branch`);
    /// empty at head office and in a single shop.
    pub branch: String,
}

impl Context {
    /// Resolves `--db`, `--as-of` and `--rules` with their defaults.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Context> {
        let db_path = match &cli.db {
            Some(p) => p.clone(),
            None if cli.demo => project_dirs()?.cache_dir().join("demo-db"),
            None => project_dirs()?.data_dir().join("db"),
        };
        let today = cli.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
        let rules = match &cli.rules {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read rules file {}", path.display()))?;
                Rules::from_toml(&text).with_context(|| format!("rules file {}", path.display()))?
            }
            None => Rules::default(),
        };
        let branch = match &cli.branch {
            Some(name) => name.clone(),
            None => crate::tui::config_path()
                .and_then(|p| std::fs::read_to_string(p).ok())
                .and_then(|t| crate::tui::config_branch(&t))
                .unwrap_or_default(),
        };
        let branch = crate::domain::branch_name(&branch).context("--branch")?;
        Ok(Context { db_path, today, follow_clock: cli.as_of.is_none(), rules, branch })
    }

    /// Opens (or creates) the database: the console, `demo`, `import`.
    pub fn open(&self) -> anyhow::Result<Opened> {
        let store = said(Opened::open(&self.db_path, true).map_err(super::failure::OpenFailed)?);
        self.open_ledger(&*store)?;
        Ok(store)
    }

    /// Opens the database, which must exist: every command that only reads (or adds to what is
    /// there), so that a mistyped `--db` is an error, not an empty shop.
    pub fn open_existing(&self) -> anyhow::Result<Opened> {
        let store = said(Opened::open(&self.db_path, false).map_err(super::failure::OpenFailed)?);
        self.open_ledger(&*store)?;
        Ok(store)
    }

    /// Opens the points ledger of a database kept before it, once, with these rules: each member
    /// starts with the points the console showed them (see [`crate::ledger::opening`]).
    pub fn open_ledger(&self, store: &dyn Store) -> anyhow::Result<()> {
        if !store.ledger_pending()? {
            return Ok(());
        }
        let mut entries = Vec::new();
        store.for_each_history(&mut |h| {
            entries.extend(crate::ledger::opening::entry(&h, &self.rules, self.today))
        })?;
        let (members, points) = (entries.len(), entries.iter().map(|e| e.amount).sum::<i64>());
        store.commit(crate::change::Change::OpenLedger(entries), crate::store::SYSTEM)?;
        eprintln!(
            "kehu: the points ledger is open: {members} member(s) start with the {points} point(s) they had"
        );
        Ok(())
    }

    /// After a command that wrote much (an import, a demo shop): a journal grown past
    /// [`crate::store::CHECKPOINT_BYTES`] is cut back by a backup now (see
    /// [`crate::store::daily_backup`]), so that it stays bounded without a console running.
    pub fn checkpoint_if_large(&self, store: &Opened, p: &dyn Progress) -> anyhow::Result<()> {
        let Some(store) = store.sled() else { return Ok(()) };
        if store.journal_bytes() > crate::store::CHECKPOINT_BYTES {
            let dir = crate::store::backup_dir(&self.db_path);
            let keep = crate::store::KEEP_DEFAULT;
            if let Some(path) = crate::store::daily_backup_with(store, &dir, self.today, keep, &|| false, p)?
            {
                eprintln!(
                    "kehu: the journal grew large; a backup ({}) now holds what it held",
                    crate::text::shown_path(&path)
                );
            }
        }
        Ok(())
    }

    /// Opens the demo database, generating it on first use.
    pub fn open_demo(&self) -> anyhow::Result<Opened> {
        let vacant = super::demo::vacant(&self.db_path);
        if vacant {
            eprintln!(
                "kehu: generating a demo shop of {DEMO_CUSTOMERS} customers in {}",
                crate::text::shown_path(&self.db_path)
            );
            let p = super::progress::on_stderr();
            let built = super::demo::build(
                &self.db_path,
                DEMO_CUSTOMERS,
                1,
                self.today,
                &crate::tui::operator(),
                &*p,
            );
            p.done();
            built?;
        }
        let store = said(Opened::open(&self.db_path, true).map_err(super::failure::OpenFailed)?);
        if !vacant && store.customer_count()? == 0 {
            eprintln!(
                "kehu: generating a demo shop of {DEMO_CUSTOMERS} customers in {}",
                crate::text::shown_path(&self.db_path)
            );
            let p = super::progress::on_stderr();
            let filled =
                demo::fill_store_with(&*store, DEMO_CUSTOMERS, 1, self.today, &crate::tui::operator(), &*p);
            p.done();
            filled?;
        }
        Ok(store)
    }

    /// Reads every customer and classifies them, with the predictive model (see
    /// [`Context::classify`]); a note (no predictions) goes to stderr.
    pub fn load_classifier(&self, store: &dyn Store) -> anyhow::Result<Classifier> {
        Ok(self.load(store, false)?.1)
    }

    /// [`Context::load_classifier`], the note going to `err`.
    pub fn load_classifier_to(&self, store: &dyn Store, err: &mut dyn Write) -> anyhow::Result<Classifier> {
        Ok(self.load_to(store, false, err)?.1)
    }

    /// Streams every history into the classifier, one at a time, keeping the customer records
    /// when `keep_customers` (never the purchases and interactions), and classifies with the
    /// predictive model; a note (no predictions) goes to stderr.
    pub fn load(
        &self,
        store: &dyn Store,
        keep_customers: bool,
    ) -> anyhow::Result<(Vec<Customer>, Classifier)> {
        self.load_to(store, keep_customers, &mut std::io::stderr())
    }

    /// [`Context::load`], the note going to `err`.
    pub fn load_to(
        &self,
        store: &dyn Store,
        keep_customers: bool,
        err: &mut dyn Write,
    ) -> anyhow::Result<(Vec<Customer>, Classifier)> {
        let before = store.last_change()?;
        let (customers, builder) = self.stream(store, keep_customers)?;
        let (clf, note, how) = self.classify_noting(store, builder, Some(before))?;
        if let Some(note) = &note {
            writeln!(err, "kehu: {note}")?;
        }
        self.keep(store, &clf, before, how, note);
        Ok((customers, clf))
    }

    /// Every history into a classifier builder, one at a time (see [`Context::load`]).
    pub fn stream(
        &self,
        store: &dyn Store,
        keep_customers: bool,
    ) -> anyhow::Result<(Vec<Customer>, ClassifierBuilder)> {
        self.stream_with(store, keep_customers, crate::progress::QUIET)
    }

    /// [`Context::stream`], telling `p` of the customers read (counted first when it is shown).
    pub fn stream_with(
        &self,
        store: &dyn Store,
        keep_customers: bool,
        p: &dyn Progress,
    ) -> anyhow::Result<(Vec<Customer>, ClassifierBuilder)> {
        let total = if p.shown() { Some(store.customer_count()?) } else { None };
        p.stage("reading customers", total, Unit::Items);
        let mut builder = Classifier::builder(self.rules.clone(), self.today);
        let mut customers = Vec::new();
        // The customer records and the kept digests: never the histories themselves.
        if keep_customers {
            store.customers_until(&mut |c| {
                customers.push(c);
                std::ops::ControlFlow::Continue(())
            })?;
        }
        store.summaries_until(&mut |s| {
            builder.push_summary(s);
            p.advance(1);
            std::ops::ControlFlow::Continue(())
        })?;
        Ok((customers, builder))
    }

    /// Finishes the classifier with the predictive model in force: the stored one when it was
    /// fitted on the same data, else a fresh fit, which is stored. A shop the model cannot be
    /// fitted to gets no predictions and a note saying why, not an error.
    pub fn classify(
        &self,
        store: &dyn Store,
        builder: ClassifierBuilder,
    ) -> anyhow::Result<crate::tui::Classified> {
        let (clf, note, _) = self.classify_noting(store, builder, None)?;
        Ok((clf, note))
    }

    /// [`Context::classify`], with the change that stored a fresh fit, when it made one. With
    /// `before`, the change the builder's data was read at, everyone's classes are taken from
    /// those kept in the store when they hold (see [`Context::kept_classes_at`]).
    pub(super) fn classify_noting(
        &self,
        store: &dyn Store,
        builder: ClassifierBuilder,
        before: Option<u64>,
    ) -> anyhow::Result<(Classifier, Option<String>, Finished)> {
        let fingerprint = builder.fingerprint();
        if fingerprint.customers == 0 {
            return Ok((builder.finish(None), None, Finished::Classified));
        }
        // Chosen before classifying, so that everyone is classified once, with the model.
        let stored = stored_model(store)?.filter(|m| m.holds_for(&fingerprint, self.today));
        let (model, note, refit) = match stored {
            Some(m) => (Some(m), None, None),
            None => match builder.fit_model() {
                Ok(m) => {
                    // Fitted because the data changed, not asked for by anyone: signed by kehu
                    // itself, so that nobody's undo takes it back.
                    let done = store.commit(
                        crate::change::Change::Setting {
                            key: MODEL_SETTING.into(),
                            value: Some(m.to_bytes()),
                        },
                        crate::store::SYSTEM,
                    )?;
                    (Some(m), None, Some(done.seq))
                }
                Err(e) => (None, Some(format!("no predictions: {e}")), None),
            },
        };
        let builder = match before.filter(|_| refit.is_none()).and_then(|b| self.kept_classes_at(store, b)) {
            Some((kept, changed)) => match builder.finish_kept(model.clone(), kept, &changed) {
                Ok(clf) => return Ok((clf, note, Finished::FromKept)),
                Err(builder) => *builder,
            },
            None => builder,
        };
        let how = refit.map_or(Finished::Classified, Finished::Refitted);
        Ok((builder.finish(model), note, how))
    }

    /// `kehu demo`: a synthetic shop in a new database (built aside and moved in, see
    /// [`super::demo`]), or in an existing one that holds no customer.
    pub fn run_demo(
        &self,
        customers: u64,
        seed: u64,
        p: &dyn Progress,
        out: &mut dyn Write,
    ) -> anyhow::Result<i32> {
        let started = Instant::now();
        let operator = crate::tui::operator();
        let (store, stats) = if super::demo::vacant(&self.db_path) {
            let built = super::demo::build(&self.db_path, customers, seed, self.today, &operator, p);
            p.done();
            (self.open()?, built?)
        } else {
            let store = self.open()?;
            let existing = store.customer_count()?;
            if existing > 0 {
                bail!(
                    "{} already holds {existing} customers; demo data goes into an empty database (choose another --db)",
                    crate::text::shown_path(&self.db_path)
                );
            }
            let filled = demo::fill_store_with(&*store, customers, seed, self.today, &operator, p);
            p.done();
            (store, filled?)
        };
        self.checkpoint_if_large(&store, p)?;
        writeln!(
            out,
            "created {} customers, {} purchases, {} interactions in {} in {:.1} s",
            stats.customers,
            stats.purchases,
            stats.interactions,
            crate::text::shown_path(&self.db_path),
            started.elapsed().as_secs_f64()
        )?;
        Ok(0)
    }
}

/// Tells the operator (on stderr) what opening found: changes the journal brought back, a
/// journal begun anew, an upgrade.
fn said(store: Opened) -> Opened {
    for note in store.notes() {
        eprintln!("kehu: {}", crate::text::terminal_safe(note));
    }
    store
}

/// The model stored by the last fit; None when there is none or it cannot be read (a model
/// from another kehu version), which means "fit again".
pub fn stored_model(store: &dyn Store) -> anyhow::Result<Option<Model>> {
    Ok(store.setting(MODEL_SETTING)?.and_then(|b| Model::from_bytes(&b)))
}

fn project_dirs() -> anyhow::Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "kehu")
        .context("no home directory to keep the database in; give one with --db DIR or KEHU_DB")
}
