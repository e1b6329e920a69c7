//! What can be wrong with a value a user typed or a file held.

use thiserror::Error;

/// A validation failure, worded for the person who typed the value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error(
        "phone {0:?} is not a valid number (expected an 11-digit mobile such as 13812345678, a landline with area code, or +country digits)"
    )]
    Phone(String),
    #[error("email {0:?} is not a valid address (expected name@domain.tld)")]
    Email(String),
    #[error("date {0:?} is not a valid date (expected YYYY-MM-DD, YYYYMMDD or YYYY/M/D)")]
    Date(String),
    #[error("date {0} is outside the years 1900–2100")]
    DateRange(String),
    #[error(
        "amount {0:?} is not a valid amount (expected digits with at most two decimals after a point, e.g. 12.50; a comma only between groups of three digits, e.g. 1,234.50)"
    )]
    Amount(String),
    #[error("amount {0} is negative")]
    NegativeAmount(String),
    #[error("quantity {0:?} must be a whole number of at least 1")]
    Quantity(String),
    #[error("rating {0:?} must be a whole number from 1 to 5")]
    Rating(String),
    #[error("name is empty")]
    EmptyName,
    #[error("{field} is too long ({len} characters, at most {max})")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{} {value:?} is not one of: {expected}", words(what))]
    UnknownKey { what: &'static str, value: String, expected: String },
    #[error("{0}")]
    Invalid(String),
}

/// A type's name as people say it: `InteractionKind` is "interaction kind".
pub(crate) fn words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_named_in_words() {
        let e =
            DomainError::UnknownKey { what: "InteractionKind", value: "x".into(), expected: "call".into() };
        assert_eq!(e.to_string(), "interaction kind \"x\" is not one of: call");
    }
}
