//! Reports over the shop's records, pure: [`day`] is the day's close.

pub mod day;
