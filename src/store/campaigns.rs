//! The `campaigns` tree: each campaign under its name (UTF-8), in the envelope every record
//! travels in (version 3 header, checksummed), its members as sorted id differences.

use super::envelope::{Record, decode, single_layout};
use super::kv::Kv;
use super::trees::TreeId;
use super::wire::{At, Stamp, day_number, from_day_number};
use super::{StoreError, StoreResult};
use crate::domain::{Campaign, ContactChannel};
use serde::{Deserialize, Serialize};

/// A campaign as stored (layout 1, in envelope version 3). Never change it: add a layout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CampaignV1 {
    name: String,
    date: i32,
    channel: ContactChannel,
    segment: String,
    filter: String,
    /// Ascending ids as differences to the one before (the first to 0): mostly one byte each.
    contacted: Vec<u64>,
    control: Vec<u64>,
    control_percent: u8,
    seed: u64,
    excluded_no_consent: u64,
    excluded_no_address: u64,
    created: Stamp,
    by: String,
}

/// Sorted ids as differences.
fn deltas(ids: &[u64]) -> Vec<u64> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let mut previous = 0;
    sorted
        .into_iter()
        .map(|id| {
            let d = id - previous;
            previous = id;
            d
        })
        .collect()
}

/// Ids back from their differences; an overflow is damage.
fn undelta(ds: Vec<u64>) -> Result<Vec<u64>, String> {
    let mut id = 0u64;
    ds.into_iter()
        .map(|d| {
            id = id.checked_add(d).ok_or("a member id out of range")?;
            Ok(id)
        })
        .collect()
}

impl Record for Campaign {
    const KIND: &'static str = "campaign";
    type Wire = CampaignV1;
    fn to_wire(&self) -> CampaignV1 {
        CampaignV1 {
            name: self.name.clone(),
            date: day_number(self.date),
            channel: self.channel,
            segment: self.segment.clone(),
            filter: self.filter.clone(),
            contacted: deltas(&self.contacted),
            control: deltas(&self.control),
            control_percent: self.control_percent,
            seed: self.seed,
            excluded_no_consent: self.excluded_no_consent,
            excluded_no_address: self.excluded_no_address,
            created: self.created.into(),
            by: self.by.clone(),
        }
    }
    fn from_wire(w: CampaignV1, _: At) -> Result<Campaign, String> {
        Ok(Campaign {
            name: w.name,
            date: from_day_number(w.date)?,
            channel: w.channel,
            segment: w.segment,
            filter: w.filter,
            contacted: undelta(w.contacted)?,
            control: undelta(w.control)?,
            control_percent: w.control_percent,
            seed: w.seed,
            excluded_no_consent: w.excluded_no_consent,
            excluded_no_address: w.excluded_no_address,
            created: w.created.time()?,
            by: w.by,
        })
    }
    single_layout!(CampaignV1, "a campaign");
}

/// The campaign stored under `key`; a name that is not its key is damage.
pub(crate) fn read(key: &[u8], value: &[u8]) -> StoreResult<Campaign> {
    let c: Campaign = decode(value, At::customer(0))?;
    if c.name.as_bytes() != key {
        return Err(StoreError::Corrupt(format!("campaign {:?} is stored under another name", c.name)));
    }
    Ok(c)
}

/// Every campaign, by name.
pub(crate) fn all(kv: &dyn Kv) -> StoreResult<Vec<Campaign>> {
    kv.all(TreeId::Campaigns).map(|item| item.and_then(|(k, v)| read(&k, &v))).collect()
}

/// The campaign named `name`.
pub(crate) fn one(kv: &dyn Kv, name: &str) -> StoreResult<Option<Campaign>> {
    kv.value(TreeId::Campaigns, name.as_bytes())?.map(|v| read(name.as_bytes(), &v)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::envelope::encode;

    #[test]
    fn a_campaign_round_trips_and_damage_is_named() {
        let c = Campaign {
            name: "VIP 春季".into(),
            date: chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
            channel: ContactChannel::Sms,
            segment: "VIP".into(),
            filter: "tier=gold".into(),
            contacted: vec![3, 9, 1_000_000, 1_000_001],
            control: vec![7],
            control_percent: 10,
            seed: 42,
            excluded_no_consent: 5,
            excluded_no_address: 1,
            created: chrono::DateTime::from_timestamp(1_719_748_800, 5).unwrap(),
            by: "ann".into(),
        };
        let bytes = encode(&c, 0).unwrap();
        assert_eq!(read(c.name.as_bytes(), &bytes).unwrap(), c);
        assert!(read(b"other", &bytes).is_err());
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(matches!(read(c.name.as_bytes(), &bad), Err(StoreError::Corrupt(_))));
    }
}
