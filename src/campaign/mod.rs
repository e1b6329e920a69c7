//! Campaigns: a contact list for one channel, drawn from a saved segment or class filters,
//! holding only customers who said yes on that channel, with a random control group held out
//! so that the campaign's effect can be measured ([`report`]).
//!
//! A campaign is recorded when its list is made (the export is the campaign): who was
//! contacted, who was held out, and how many the list left out for want of consent or of an
//! address. Nothing here touches the store or a file: [`select`] draws the list, the command
//! line and the console's runtime write it (see [`export`]).

pub mod export;
pub mod report;
pub mod select;
pub mod stats;

pub use crate::domain::Campaign;

/// Longest campaign name accepted, in characters.
pub const MAX_NAME: usize = 100;
/// The share of the eligible customers held out as the control group unless told otherwise.
pub const DEFAULT_CONTROL_PERCENT: u8 = 10;

/// Checks a campaign name: trimmed, not empty, at most [`MAX_NAME`] characters, one line.
pub fn check_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("a campaign needs a name".into());
    }
    if n.chars().any(char::is_control) {
        return Err(format!("campaign name {n:?} holds a control character"));
    }
    crate::domain::check_len("campaign name", n, MAX_NAME).map_err(|e| e.to_string())?;
    Ok(n.to_string())
}

/// The seed of a campaign named `name` when none is given: the same name always draws the same
/// control group from the same customers.
pub fn seed_of(name: &str) -> u64 {
    u64::from(crc32fast::hash(name.as_bytes()))
}
