//! Phone numbers and email addresses, normalised when parsed so that indexes match.

use super::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in canonical form: 11 digits for a Chinese mobile, digits for a
/// domestic landline (with its leading 0), or `+` and digits (E.164) for anything else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Parses and normalises a number typed by staff or read from a file.
    ///
    /// Spaces, dashes, dots and brackets are dropped; `+86` / `0086` before a mobile is dropped
    /// so that `+86 138-1234-5678` and `13812345678` are the same customer.
    pub fn parse(s: &str) -> Result<Phone, DomainError> {
        let bad = || DomainError::Phone(s.to_string());
        let t: String =
            s.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{3000}')).collect();
        let (plus, digits) = match t.strip_prefix('+') {
            Some(d) => (true, d.to_string()),
            None => match t.strip_prefix("00") {
                Some(d) => (true, d.to_string()),
                None => (false, t.clone()),
            },
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if plus {
            if let Some(national) = digits.strip_prefix("86")
                && national.starts_with('1')
            {
                return if is_cn_mobile(national) { Ok(Phone(national.to_string())) } else { Err(bad()) };
            }
            return if (8..=15).contains(&digits.len()) {
                Ok(Phone(format!("+{digits}")))
            } else {
                Err(bad())
            };
        }
        if digits.starts_with('1') {
            return if is_cn_mobile(&digits) { Ok(Phone(digits)) } else { Err(bad()) };
        }
        // A domestic landline: trunk 0, area code and subscriber number.
        if digits.starts_with('0') && (10..=12).contains(&digits.len()) {
            return Ok(Phone(digits));
        }
        Err(bad())
    }

    /// The canonical digits (with `+` for international numbers).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a text message can reach it: not a domestic landline (an international number
    /// may be a mobile; the carrier decides).
    pub fn takes_sms(&self) -> bool {
        !self.0.starts_with('0')
    }
}

/// `1[3-9]` followed by 9 digits.
fn is_cn_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, trimmed and with its domain lowercased.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` with no spaces; deliberately not RFC 5322 in full.
    pub fn parse(s: &str) -> Result<Email, DomainError> {
        let t = s.trim();
        let bad = || DomainError::Email(s.to_string());
        let (local, domain) = t.rsplit_once('@').ok_or_else(bad)?;
        let ok_local = !local.is_empty() && !local.contains('@');
        let ok_domain = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if !ok_local || !ok_domain || t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_normalise_to_eleven_digits() {
        for s in ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "008613812345678"] {
            assert_eq!(Phone::parse(s).unwrap().as_str(), "13812345678", "{s}");
        }
    }

    #[test]
    fn bad_mobiles_are_refused() {
        for s in ["12812345678", "1381234567", "138123456789", "abc", "", "+86 12812345678", "1381234567x"] {
            assert!(Phone::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn landlines_and_international_numbers() {
        assert_eq!(Phone::parse("010-12345678").unwrap().as_str(), "01012345678");
        assert_eq!(Phone::parse("+44 20 7946 0958").unwrap().as_str(), "+442079460958");
        assert!(Phone::parse("+1234").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Li.Na@Example.COM ").unwrap().as_str(), "Li.Na@example.com");
        for s in ["a@b", "@b.com", "a b@c.com", "a@.com", "a@b..com", "plain"] {
            assert!(Email::parse(s).is_err(), "{s}");
        }
    }
}
