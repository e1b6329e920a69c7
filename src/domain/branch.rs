//! Branches: the shop of a chain where a sale was made, a contact logged or a ledger entry
//! taken. A record carries its branch's name as text; the empty name is "not recorded" (a
//! single shop, and every record saved before branches).

use super::{DomainError, MAX_OPERATOR};

/// A branch name as kehu keeps it: control, bidi and invisible characters refused rather than
/// dropped (the name is typed once, in a config or a flag, and then stamped on every sale),
/// trimmed, at most [`MAX_OPERATOR`] characters. Blank is the empty name.
pub fn branch_name(raw: &str) -> Result<String, DomainError> {
    let name = raw.trim();
    if let Some(c) = name.chars().find(|&c| crate::text::needs_escape(c)) {
        return Err(DomainError::Invalid(format!(
            "a branch name cannot hold the invisible or control character U+{:04X}",
            c as u32
        )));
    }
    super::check_len("branch", name, MAX_OPERATOR)?;
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(branch_name("  东门店 ").unwrap(), "东门店");
        assert_eq!(branch_name("").unwrap(), "");
        assert!(branch_name("north\u{202E}").is_err());
        assert!(branch_name("a\tb").is_err());
        assert!(branch_name(&"店".repeat(MAX_OPERATOR + 1)).is_err());
        assert!(branch_name(&"店".repeat(MAX_OPERATOR)).is_ok());
    }
}
