//! What every command needs: where the database is, what "today" is, which rules apply.

use super::Cli;
use crate::classify::{Classifier, Rules};
use crate::demo;
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
        Ok(Context { db_path, today, rules })
    }

    /// Opens (or creates) the database.
    pub fn open(&self) -> anyhow::Result<Box<dyn Store>> {
        Ok(Box::new(SledStore::open(&self.db_path)?))
    }

    /// Opens the demo database, generating it on first use.
    pub fn open_demo(&self) -> anyhow::Result<Box<dyn Store>> {
        let store = self.open()?;
        if store.customer_count()? == 0 {
            eprintln!(
                "kehu: generating a demo shop of {DEMO_CUSTOMERS} customers in {}",
                self.db_path.display()
            );
            demo::fill_store(store.as_ref(), DEMO_CUSTOMERS, 1, self.today)?;
        }
        Ok(store)
    }

    /// Reads every customer and classifies them.
    pub fn load_classifier(&self, store: &dyn Store) -> anyhow::Result<Classifier> {
        let mut histories = Vec::new();
        store.for_each_history(&mut |h| histories.push(h))?;
        Ok(Classifier::from_histories(self.rules.clone(), self.today, &histories))
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

fn project_dirs() -> anyhow::Result<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "kehu")
        .context("no home directory to keep the database in; give one with --db DIR or KEHU_DB")
}
