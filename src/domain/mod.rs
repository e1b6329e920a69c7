//! The records kehu keeps — customers, purchases, interactions — and their validation.
//! Nothing here knows about the terminal or the store.

mod branch;
mod campaign;
mod consent;
mod contact;
mod correction;
mod customer;
mod date;
mod error;
mod interaction;
mod keyed;
pub mod ledger;
mod money;
mod net;
mod purchase;
mod role;
mod stated;

pub use branch::branch_name;
pub use campaign::Campaign;
pub use consent::{ChannelConsent, Consent, ConsentSource, ContactChannel};
pub use contact::{Email, Phone};
pub use correction::{Outcome, Resolution, Void};
pub use customer::{
    AreaType, ContactPref, Customer, Gender, MAX_NAME, MAX_OPERATOR, MAX_TEXT, Source, check_custom,
    check_len, operator_name,
};
pub use date::{days_between, parse_date};
pub use error::DomainError;
pub(crate) use error::words as error_words;
pub use interaction::{Complaint, ComplaintType, Interaction, InteractionKind, Rating, Severity};
pub use ledger::{Account, Balances, EntryKind, LedgerEntry, Payment};
pub use money::Money;
pub use net::{NetPurchase, net_purchases, refundable};
pub use purchase::{Channel, Purchase, parse_flag, parse_quantity};
pub use role::Role;
pub use stated::{Education, Income, MAX_OCCUPATION};

/// Everything recorded about one customer: the input of classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub customer: Customer,
    pub purchases: Vec<Purchase>,
    pub interactions: Vec<Interaction>,
    /// The member's points and stored-value entries, in the order they were saved.
    pub ledger: Vec<LedgerEntry>,
}

impl History {
    /// A customer with no records yet.
    pub fn of(customer: Customer) -> History {
        History { customer, purchases: Vec::new(), interactions: Vec::new(), ledger: Vec::new() }
    }

    /// The member's balances: the sums of their ledger entries.
    pub fn balances(&self) -> Balances {
        Balances::of(&self.ledger)
    }
}
