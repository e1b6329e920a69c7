//! Calendar dates as users and files write them.

use super::DomainError;
use chrono::{Datelike, NaiveDate};

/// Parses `YYYY-MM-DD` or `YYYYMMDD`, refusing dates outside 1900–2100.
pub fn parse_date(s: &str) -> Result<NaiveDate, DomainError> {
    let t = s.trim();
    let d = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(t, "%Y%m%d")
    } else {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
    }
    .map_err(|_| DomainError::Date(s.to_string()))?;
    if !(1900..=2100).contains(&d.year()) {
        return Err(DomainError::DateRange(d.to_string()));
    }
    Ok(d)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        assert_eq!(parse_date("2024-03-05").unwrap(), d);
        assert_eq!(parse_date("20240305").unwrap(), d);
        assert!(parse_date("2024-02-30").is_err());
        assert!(parse_date("05/03/2024").is_err());
        assert!(parse_date("18990101").is_err());
    }
}
