//! Members' points and stored value (积分, 储值) under the shop's rules: what a sale earns, what
//! a top-up's bonus is, when points expire, what the till may take off a balance, and the
//! opening balances of a database kept before the ledger. Pure: the entries these make are
//! saved by the store (`Change::Ledger`, or with a purchase), which keeps the ledger itself.

pub mod earn;
pub mod expiry;
pub mod opening;
pub mod rules;
pub mod summary;
pub mod till;

pub use summary::Summary;
pub use till::{Redemption, Refusal, TopUp};
