//! The records kehu keeps — customers, purchases, interactions — and their validation.
//! Nothing here knows about the terminal or the store.

mod campaign;
mod consent;
mod contact;
mod correction;
mod customer;
mod date;
mod error;
mod interaction;
mod keyed;
mod money;
mod net;
mod purchase;
mod role;
mod stated;

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
}
