//! A purchase: what a customer bought, when, for how much.

use super::{DomainError, Money, Void};
use crate::keyed_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

keyed_enum! {
    /// Where the sale was made.
    Channel { Store => "store", Online => "online", Phone => "phone", Other => "other" }
}

/// One purchase, or the return of (part of) one. `id` is assigned by the store; 0 means "not
/// yet stored".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    pub id: u64,
    pub customer: u64,
    pub date: NaiveDate,
    /// What was paid (for a return: what was given back).
    pub amount: Money,
    /// How many items (for a return: how many came back).
    pub quantity: u32,
    pub category: String,
    pub channel: Channel,
    /// Bought on discount or promotion.
    pub promo: bool,
    /// Set for a return: the purchase it returns (part of).
    #[serde(default)]
    pub refund_of: Option<u64>,
    /// Set once voided (a mistaken entry): it stays, and no class counts it.
    #[serde(default)]
    pub void: Option<Void>,
    /// How it was paid (a return: as its sale was).
    #[serde(default)]
    pub payment: super::Payment,
    /// The points it moves on the member's account: earned by a sale (spent, negative, by one
    /// paid with points), taken back by a return (see [`super::ledger`]).
    #[serde(default)]
    pub points: i64,
    /// The branch it was made at (see [`super::branch_name`]); empty when not recorded.
    #[serde(default)]
    pub branch: String,
}

impl Purchase {
    /// A purchase with a validated amount (not negative) and quantity (at least 1).
    pub fn new(
        customer: u64,
        date: NaiveDate,
        amount: Money,
        quantity: u32,
    ) -> Result<Purchase, DomainError> {
        if amount.0 < 0 {
            return Err(DomainError::NegativeAmount(amount.to_string()));
        }
        if quantity == 0 {
            return Err(DomainError::Quantity("0".into()));
        }
        Ok(Purchase {
            id: 0,
            customer,
            date,
            amount,
            quantity,
            category: String::new(),
            channel: Channel::Store,
            promo: false,
            refund_of: None,
            void: None,
            payment: super::Payment::Unknown,
            points: 0,
            branch: String::new(),
        })
    }

    /// A return of `amount` and `quantity` of purchase `of` (of customer `customer`) on `date`;
    /// the store checks that it does not give back more than is left.
    pub fn refund(
        of: &Purchase,
        date: NaiveDate,
        amount: Money,
        quantity: u32,
    ) -> Result<Purchase, DomainError> {
        if amount.0 < 0 {
            return Err(DomainError::NegativeAmount(amount.to_string()));
        }
        if amount.0 == 0 && quantity == 0 {
            return Err(DomainError::Invalid("a return gives back money, items or both".into()));
        }
        Ok(Purchase {
            id: 0,
            customer: of.customer,
            date,
            amount,
            quantity,
            category: of.category.clone(),
            channel: of.channel,
            promo: of.promo,
            refund_of: Some(of.id),
            void: None,
            payment: of.payment,
            points: 0,
            branch: String::new(),
        })
    }

    /// Sets what was bought, trimmed; refuses one longer than a name
    /// ([`super::MAX_NAME`] characters).
    pub fn set_category(&mut self, category: &str) -> Result<(), DomainError> {
        let c = category.trim();
        super::check_len("category", c, super::MAX_NAME)?;
        self.category = c.to_string();
        Ok(())
    }

    /// Whether this is a sale that counts (not voided, not a return).
    pub fn is_sale(&self) -> bool {
        self.void.is_none() && self.refund_of.is_none()
    }
}

/// Parses a quantity: a whole number of at least 1; blank means 1.
pub fn parse_quantity(s: &str) -> Result<u32, DomainError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(1);
    }
    match t.parse::<u32>() {
        Ok(q) if q >= 1 => Ok(q),
        _ => Err(DomainError::Quantity(s.to_string())),
    }
}

/// Parses a yes/no flag as files write it (`1`, `true`, `yes`, `y`, `是`; blank is no).
pub fn parse_flag(s: &str) -> Result<bool, DomainError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" | "否" => Ok(false),
        "1" | "true" | "yes" | "y" | "是" => Ok(true),
        _ => Err(DomainError::Invalid(format!("{s:?} is not yes/no (expected 1/0, true/false, yes/no)"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_negative_amount_and_zero_quantity() {
        let d = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert!(Purchase::new(1, d, Money(-1), 1).is_err());
        assert!(Purchase::new(1, d, Money(100), 0).is_err());
        assert!(Purchase::new(1, d, Money(0), 1).is_ok());
        assert_eq!(parse_quantity("").unwrap(), 1);
        assert!(parse_quantity("-2").is_err());
        assert!(parse_flag("maybe").is_err());
        let mut p = Purchase::new(1, d, Money(100), 1).unwrap();
        p.set_category(" tea ").unwrap();
        assert_eq!(p.category, "tea");
        assert!(p.set_category(&"x".repeat(crate::domain::MAX_NAME + 1)).is_err());
        assert_eq!(p.category, "tea");
    }
}
