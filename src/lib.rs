//! kehu: customers, purchases and contacts in an embedded store, classified along retail dimensions.
//!
//! Layers, from the inside out: [`domain`] (records and validation), [`classify`] (every class with
//! its reason, pure), [`predict`] (BG/NBD and friends, pure), [`change`] (every write as a typed
//! change, with its audit entries and its inverse), [`store`] (sled behind a trait, every change
//! journaled), [`dedupe`] (likely duplicates and merges, pure), [`demo`] (a synthetic shop), [`i18n`]
//! (English / 简体中文 texts), [`pinyin`] (readings of Chinese names for search), [`search`] (the
//! tiered customer search index, pure), [`ui`] (the console's pure state machine and views),
//! [`tui`] (the terminal runtime that drives it), [`serve`] (the console over SSH, many operators
//! on one store), [`cli`] (the command line); [`progress`] is how long work reports how far it has
//! come without knowing who shows it; [`report`] holds the reports over the records (the day's
//! close).

pub mod campaign;
pub mod change;
pub mod classify;
pub mod cli;
pub mod dedupe;
pub mod demo;
pub mod domain;
pub mod i18n;
pub mod intern;
pub mod ledger;
pub mod pinyin;
pub mod predict;
pub mod progress;
pub mod report;
pub mod search;
pub mod serve;
pub mod store;
pub mod text;
pub mod tui;
pub mod ui;
