//! How a refused file is reported: every bad row is named up to a point, then counted by reason,
//! so that a file refused for one mistake made 7,000 times fits on a screen and says so.

use crate::cli::table::LineError;
use crate::text::terminal_safe;
use std::io::Write;
use std::path::Path;

/// Bad rows named one by one before the rest are only counted.
pub const SHOWN: usize = 50;

/// Reports the bad rows of a refused file: the first [`SHOWN`] by line, then, when there were
/// more, how many of each reason; exit code 1.
pub fn refuse(path: &Path, errors: &[LineError], err: &mut dyn Write) -> anyhow::Result<i32> {
    for e in errors.iter().take(SHOWN) {
        writeln!(err, "{}", terminal_safe(&e.to_string()))?;
    }
    if errors.len() > SHOWN {
        writeln!(err, "… and {} more; bad rows by reason:", errors.len() - SHOWN)?;
        for (reason, n) in by_reason(errors) {
            writeln!(err, "  {n} × {}", terminal_safe(&reason))?;
        }
    }
    writeln!(err, "kehu: {} refused: {} bad row(s); nothing was imported", path.display(), errors.len())?;
    Ok(1)
}

/// Each reason with the values in it left out, and how many rows gave it: most first, then in
/// the order they first appear.
fn by_reason(errors: &[LineError]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for e in errors {
        let shape = shape(&e.reason);
        match counts.iter_mut().find(|(s, _)| *s == shape) {
            Some((_, n)) => *n += 1,
            None => counts.push((shape, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

/// A reason without its values: quoted text becomes `"…"`, numbers and dates `…`.
fn shape(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut chars = reason.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            // Debug-quoted: a backslash escapes the next character.
            while let Some(q) = chars.next() {
                match q {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => {}
                }
            }
            out.push_str("\"…\"");
        } else if c.is_ascii_digit() {
            // A number, a date or a time: digits joined by - . : or , before another digit.
            loop {
                let mut ahead = chars.clone();
                match ahead.next() {
                    Some(d) if d.is_ascii_digit() => {}
                    Some('-' | '.' | ':' | ',') if ahead.next().is_some_and(|d| d.is_ascii_digit()) => {}
                    _ => break,
                }
                chars.next();
            }
            out.push('…');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_counted_without_their_values() {
        assert_eq!(
            shape(r#"no customer has ref "C\"1" (use --create-missing)"#),
            r#"no customer has ref "…" (use --create-missing)"#
        );
        assert_eq!(shape("date 2030-01-01 is after today (2026-11-25)"), "date … is after today (…)");
        assert_eq!(shape("5 fields, but the header has 4"), "… fields, but the header has …");
        assert_eq!(shape("customer #12 already has this ref"), "customer #… already has this ref");
        let e = |line, reason: &str| LineError { line, reason: reason.into() };
        let errors = [e(2, "phone 1 x"), e(3, "date \"a\" bad"), e(4, "date \"b\" bad"), e(5, "phone 22 x")];
        assert_eq!(by_reason(&errors), [("phone … x".to_string(), 2), ("date \"…\" bad".to_string(), 2)]);
    }

    #[test]
    fn fifty_rows_then_counts() {
        let errors: Vec<LineError> = (2..=80)
            .map(|line| LineError { line, reason: format!("no customer has ref \"R{line}\"") })
            .collect();
        let mut err = Vec::new();
        assert_eq!(refuse(Path::new("f.csv"), &errors, &mut err).unwrap(), 1);
        let text = String::from_utf8(err).unwrap();
        assert_eq!(text.lines().filter(|l| l.starts_with("line ")).count(), SHOWN);
        assert!(
            text.contains("… and 29 more; bad rows by reason:\n  79 × no customer has ref \"…\"\n"),
            "{text}"
        );
    }
}
