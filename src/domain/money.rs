//! Money as an integer count of minor units (cents, fen): never a float.

use super::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An amount in minor units (1/100 of the currency unit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Money(pub i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// Builds an amount from whole units, e.g. `Money::units(12)` is 12.00.
    pub const fn units(u: i64) -> Money {
        Money(u * 100)
    }

    /// Parses an amount: an optional sign, whole units, then at most two decimals after a point
    /// (`12`, `12.5`, `.5`, `-3.20`). Thousands may be grouped by commas only in well-formed
    /// groups (`1,234.50`, `12,345,678`): one to three digits, then groups of exactly three.
    /// Any other comma (`12,34`, `1,,234`, `,5`) is refused, never dropped: a decimal comma read
    /// as a separator would multiply the amount by a hundred.
    pub fn parse(s: &str) -> Result<Money, DomainError> {
        let bad = || DomainError::Amount(s.to_string());
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        let whole = if whole.contains(',') {
            let mut groups = whole.split(',');
            let first = groups.next().unwrap_or_default();
            let grouped =
                (1..=3).contains(&first.len()) && digits(first) && groups.all(|g| g.len() == 3 && digits(g));
            if !grouped {
                return Err(bad());
            }
            whole.replace(',', "")
        } else {
            whole.to_string()
        };
        if !digits(&whole) || !digits(frac) || frac.len() > 2 || whole.len() > 15 {
            return Err(bad());
        }
        let w: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        let f: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        let v = w * 100 + f;
        Ok(Money(if neg { -v } else { v }))
    }

    /// Parses an amount that must not be negative.
    pub fn parse_non_negative(s: &str) -> Result<Money, DomainError> {
        let m = Money::parse(s)?;
        if m.0 < 0 {
            return Err(DomainError::NegativeAmount(m.to_string()));
        }
        Ok(m)
    }

    /// The amount in whole units as a float, for statistics only.
    pub fn as_units_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, o: Money) -> Money {
        Money(self.0.saturating_add(o.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, o: Money) {
        self.0 = self.0.saturating_add(o.0);
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, o: Money) -> Money {
        Money(self.0.saturating_sub(o.0))
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_up_to_two_decimals() {
        assert_eq!(Money::parse("12").unwrap(), Money(1200));
        assert_eq!(Money::parse("12.5").unwrap(), Money(1250));
        assert_eq!(Money::parse("12.05").unwrap(), Money(1205));
        assert_eq!(Money::parse(".5").unwrap(), Money(50));
        assert_eq!(Money::parse("1,234.56").unwrap(), Money(123456));
        assert_eq!(Money::parse("-3.20").unwrap(), Money(-320));
        assert!(Money::parse("12.345").is_err());
        assert!(Money::parse("abc").is_err());
        assert!(Money::parse("").is_err());
        assert!(Money::parse("1e5").is_err());
        assert!(Money::parse_non_negative("-1").is_err());
    }

    #[test]
    fn commas_group_thousands_or_are_refused() {
        assert_eq!(Money::parse("12,345,678").unwrap(), Money(1_234_567_800));
        assert_eq!(Money::parse("-1,000").unwrap(), Money(-100_000));
        assert_eq!(Money::parse("999,999.9").unwrap(), Money(99_999_990));
        for bad in [
            "12,34",
            ",,1,,,2,,",
            "1,,234",
            "1,23,456",
            "12,3456",
            ",123",
            "1,234,",
            "1234,567",
            "1,234.5,6",
            "1,2",
            ",",
        ] {
            assert_eq!(Money::parse(bad), Err(DomainError::Amount(bad.into())), "{bad}");
        }
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(-1234).to_string(), "-12.34");
        assert_eq!(Money::units(7).to_string(), "7.00");
    }
}
