//! A campaign as recorded: the list made for one channel, who was held out, and how many were
//! left out for want of consent (see `crate::campaign` for how one is made and measured).

use super::ContactChannel;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One campaign as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// Its name, unique in the database.
    pub name: String,
    /// The day the list was made (the campaign day: its report counts from it).
    pub date: NaiveDate,
    /// The channel it contacts customers on.
    pub channel: ContactChannel,
    /// The saved segment it went to (empty when made from class filters).
    pub segment: String,
    /// The class filter as text, `tier=gold and activity=sleeping` (empty: every customer).
    pub filter: String,
    /// The customers on the list, ascending.
    pub contacted: Vec<u64>,
    /// The customers held out (consented, reachable, not contacted), ascending.
    pub control: Vec<u64>,
    /// The share held out, in percent.
    pub control_percent: u8,
    /// The seed the control group was drawn with.
    pub seed: u64,
    /// Customers of the segment left out because they had not said yes on the channel.
    pub excluded_no_consent: u64,
    /// Customers who said yes but have no phone (or e-mail address) to reach them by.
    pub excluded_no_address: u64,
    /// When it was recorded.
    pub created: DateTime<Utc>,
    /// Who made it.
    pub by: String,
}

impl Campaign {
    /// "segment VIPs" or "tier=gold and activity=sleeping", as the list was drawn.
    pub fn target(&self) -> String {
        match (self.segment.is_empty(), self.filter.is_empty()) {
            (false, _) => format!("segment {}", self.segment),
            (true, false) => self.filter.clone(),
            (true, true) => "every customer".into(),
        }
    }
}
