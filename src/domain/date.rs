//! Calendar dates as users and files write them.

use super::DomainError;
use chrono::{Datelike, NaiveDate};

/// Parses a date written year first: `YYYY-MM-DD`, `YYYYMMDD`, or as spreadsheets in China
/// write it, `YYYY/M/D`, `YYYY.M.D` or `YYYY年M月D日` (month and day with or without a leading
/// zero); refuses dates outside 1900–2100. Day-first and month-first forms are refused: which
/// one `05/03/2024` means cannot be known.
pub fn parse_date(s: &str) -> Result<NaiveDate, DomainError> {
    let t = s.trim();
    let bad = || DomainError::Date(s.to_string());
    let d = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        NaiveDate::parse_from_str(t, "%Y%m%d").map_err(|_| bad())?
    } else {
        let t = t.strip_suffix('日').unwrap_or(t);
        let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
        let [y, m, d] = parts[..] else { return Err(bad()) };
        let number = |p: &str, len: std::ops::RangeInclusive<usize>| {
            (len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u32>().ok())
                .flatten()
        };
        let (Some(y), Some(m), Some(d)) = (number(y, 4..=4), number(m, 1..=2), number(d, 1..=2)) else {
            return Err(bad());
        };
        // One separator throughout (or 年月日): 2024-1/2 is a typo, not a date.
        let seps: Vec<char> = t.chars().filter(|c| !c.is_ascii_digit()).collect();
        if !(seps.len() == 2 && (seps[0] == seps[1] || seps == ['年', '月'])) {
            return Err(bad());
        }
        NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(bad)?
    };
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

    #[test]
    fn spreadsheet_forms_year_first() {
        let d = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        for t in ["1990/01/01", "1990/1/1", "1990-1-1", "1990.1.01", "1990年1月1日", "1990年01月01"] {
            assert_eq!(parse_date(t), Ok(d), "{t}");
        }
        for t in [
            "1990/1-1",
            "90/1/1",
            "1/1/1990",
            "1990/13/1",
            "1990/2/30",
            "1990//1",
            "1990/1/1/1",
            "1990/001/1",
            "1990年1-1",
        ] {
            assert!(parse_date(t).is_err(), "{t}");
        }
    }
}
