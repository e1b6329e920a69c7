//! What every command needs: where the database is, what "today" is, which rules apply.

use super::Cli;
use crate::classify::{Classifier, MODEL_SETTING, Model, Rules};
use crate::demo;
use crate::domain::History;
use crate::store::{SledStore, Store};
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
        Ok(Context { db_path, today, follow_clock: cli.as_of.is_none(), rules })
    }

    /// Opens (or creates) the database.
    pub fn open(&self) -> anyhow::Result<Box<dyn Store>> {
        Ok(Box::new(SledStore::open(&self.db_path)?))
    }

    /// Opens the demo database, generating it on first use.
    pub fn open_demo(&self) -> anyhow::Result<SledStore> {
        let store = SledStore::open(&self.db_path)?;
        if store.customer_count()? == 0 {
            eprintln!(
                "kehu: generating a demo shop of {DEMO_CUSTOMERS} customers in {}",
                self.db_path.display()
            );
            demo::fill_store(&store, DEMO_CUSTOMERS, 1, self.today)?;
        }
        Ok(store)
    }

    /// Reads every customer and classifies them, with the predictive model (see
    /// [`Context::classifier_for`]).
    pub fn load_classifier(&self, store: &dyn Store) -> anyhow::Result<Classifier> {
        self.classifier_for(store, &read_histories(store)?)
    }

    /// Classifies `histories` (every customer of `store`) and puts the predictive model in force:
    /// the stored one when it was fitted on the same data, else a fresh fit, which is stored.
    /// A shop the model cannot be fitted to gets no predictions (a note on stderr), not an error.
    pub fn classifier_for(&self, store: &dyn Store, histories: &[History]) -> anyhow::Result<Classifier> {
        let mut clf = Classifier::from_histories(self.rules.clone(), self.today, histories);
        let fingerprint = clf.fingerprint();
        if fingerprint.customers == 0 {
            return Ok(clf);
        }
        let stored = stored_model(store)?.filter(|m| m.fingerprint == fingerprint);
        let model = match stored {
            Some(m) => Some(m),
            None => match clf.fit_model() {
                Ok(m) => {
                    store.set_setting(MODEL_SETTING, &m.to_bytes())?;
                    Some(m)
                }
                Err(e) => {
                    eprintln!("kehu: no predictions: {e}");
                    None
                }
            },
        };
        clf.set_model(model);
        Ok(clf)
    }

    /// `kehu demo`: fills an empty database with a synthetic shop.
    pub fn run_demo(&self, customers: u64, seed: u64, out: &mut dyn Write) -> anyhow::Result<i32> {
        let store = self.open()?;
        let existing = store.customer_count()?;
        if existing > 0 {
            bail!(
                "{} already holds {existing} customers; demo data goes into an empty database (choose another --db)",
                self.db_path.display()
            );
        }
        let started = Instant::now();
        let stats = demo::fill_store(store.as_ref(), customers, seed, self.today)?;
        writeln!(
            out,
            "created {} customers, {} purchases, {} interactions in {} in {:.1} s",
            stats.customers,
            stats.purchases,
            stats.interactions,
            self.db_path.display(),
            started.elapsed().as_secs_f64()
        )?;
        Ok(0)
    }
}

/// Every customer's history, in id order.
pub fn read_histories(store: &dyn Store) -> anyhow::Result<Vec<History>> {
    let mut histories = Vec::new();
    store.for_each_history(&mut |h| histories.push(h))?;
    Ok(histories)
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
