//! Making a campaign: reading the segment's customers, drawing the list, recording the
//! campaign (the audit log's entry says how many were left out for want of consent), and
//! writing the list. The command line and the console's runtime both make campaigns here.

use super::select::{Selection, select};
use super::{Campaign, check_name};
use crate::change::Change;
use crate::domain::{ContactChannel, Customer};
use crate::store::Store;
use chrono::NaiveDate;
use std::io::Write;

/// What to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The campaign's name; empty: named after its target, channel and day.
    pub name: String,
    /// The channel.
    pub channel: ContactChannel,
    /// The saved segment it goes to (empty when by filter).
    pub segment: String,
    /// The class filter as text.
    pub filter: String,
    /// The share held out, in percent.
    pub control_percent: u8,
    /// The seed of the control group; None: from the name.
    pub seed: Option<u64>,
    /// The campaign day.
    pub today: NaiveDate,
}

/// A campaign the console asks its runtime to make: what, and the segment's customers (by id,
/// as the console's classes have them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What to make.
    pub spec: Spec,
    /// The segment's customers.
    pub candidates: Vec<u64>,
}

/// A campaign as recorded, and the customers on its list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    /// The campaign as stored.
    pub campaign: Campaign,
    /// The customers to contact, by id.
    pub list: Vec<Customer>,
}

/// Reads the `candidates` (the segment's customers, by id) from `store`, draws the list and
/// records the campaign for `operator`. Recorded first, written after: no list leaves kehu
/// without its entry in the audit log.
pub fn make(store: &dyn Store, spec: &Spec, candidates: &[u64], operator: &str) -> anyhow::Result<Made> {
    let name = match spec.name.trim() {
        "" => free_name(store, &default_name(spec))?,
        given => {
            let name = check_name(given).map_err(anyhow::Error::msg)?;
            anyhow::ensure!(
                store.campaign(&name)?.is_none(),
                "a campaign named {name:?} exists already; give this one another name (--campaign NAME)"
            );
            name
        }
    };
    let mut customers = Vec::with_capacity(candidates.len());
    for &id in candidates {
        customers.extend(store.customer(id)?);
    }
    let seed = spec.seed.unwrap_or_else(|| super::seed_of(&name));
    let Selection { contacted, control, excluded_no_consent, excluded_no_address } =
        select(customers, spec.channel, spec.control_percent, seed);
    let campaign = Campaign {
        name,
        date: spec.today,
        channel: spec.channel,
        segment: spec.segment.clone(),
        filter: spec.filter.clone(),
        contacted: contacted.iter().map(|c| c.id).collect(),
        control,
        control_percent: spec.control_percent,
        seed,
        excluded_no_consent,
        excluded_no_address,
        created: chrono::Utc::now(),
        by: operator.to_string(),
    };
    store.commit(Change::Campaign(Box::new(campaign.clone())), operator)?;
    Ok(Made { campaign, list: contacted })
}

/// "VIPs sms 2024-06-30", or the filter in place of a segment.
fn default_name(spec: &Spec) -> String {
    let target = if spec.segment.is_empty() { &spec.filter } else { &spec.segment };
    let target = if target.is_empty() { "everyone" } else { target.as_str() };
    let cut: String = target.chars().take(super::MAX_NAME - 20).collect();
    format!("{cut} {} {}", spec.channel.key(), spec.today)
}

/// `base`, or `base (2)`, `base (3)`… whichever no campaign has yet.
fn free_name(store: &dyn Store, base: &str) -> anyhow::Result<String> {
    let mut name = base.to_string();
    for n in 2.. {
        if store.campaign(&name)?.is_none() {
            break;
        }
        name = format!("{base} ({n})");
    }
    Ok(name)
}

/// Creates (or truncates) a file for a list, readable by its owner alone: it holds phones and
/// addresses in full.
pub fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// The list's columns: the customer, the number or address to use, and the consent it rests on.
pub fn columns(channel: ContactChannel) -> [&'static str; 6] {
    let address = if channel == ContactChannel::Email { "email" } else { "phone" };
    ["id", "ref", "name", address, "consent_on", "consent_source"]
}

/// Writes the list as CSV: phones and addresses in full (the people it goes to said yes).
/// `shown` escapes text for a terminal when the list goes to one.
pub fn write_csv(
    channel: ContactChannel,
    list: &[Customer],
    out: &mut dyn Write,
    shown: &dyn Fn(&str) -> String,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns(channel))?;
    for c in list {
        let address = match channel {
            ContactChannel::Email => c.email.as_ref().map(|e| e.as_str().to_string()),
            _ => c.phone.as_ref().map(|p| p.as_str().to_string()),
        };
        let consent = c.consent(channel);
        w.write_record([
            c.id.to_string(),
            shown(c.reference.as_deref().unwrap_or("")),
            shown(&c.name),
            address.unwrap_or_default(),
            consent.on.map(|d| d.to_string()).unwrap_or_default(),
            consent.source.key().to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
