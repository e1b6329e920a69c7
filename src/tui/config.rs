//! The console's config file: the `[keys]` table (see [`Keymap::merge_toml`]) and the top-level
//! shop-floor switches `mask_phones`, `ascii_borders` and `card_pattern`.

use crate::ui::{CardPattern, ConsoleOptions, Keymap};

/// Everything the console reads from its config file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConsoleConfig {
    /// The key bindings (defaults plus `[keys]`).
    pub keymap: Keymap,
    /// Masking, borders and card numbers.
    pub options: ConsoleOptions,
    /// Settings the console does not know (a typo such as `mask_phone`), said at start.
    pub warnings: Vec<String>,
}

/// The top-level names a config file may hold (`lang` is read by the language choice, `branch`
/// by the command line).
const KNOWN: [&str; 6] = ["mask_phones", "ascii_borders", "card_pattern", "lang", "branch", "keys"];

/// The top-level `branch = "…"` of a config file, if any.
pub fn config_branch(toml_text: &str) -> Option<String> {
    let v: toml::Table = toml::from_str(toml_text).ok()?;
    v.get("branch")?.as_str().map(str::to_string)
}

/// "unknown setting `mask_phone` (`mask_phones`?), ignored" for every name not in [`KNOWN`].
fn unknown_settings(table: &toml::Table) -> Vec<String> {
    table
        .keys()
        .filter(|k| !KNOWN.contains(&k.as_str()))
        .map(|k| {
            let shown = crate::text::terminal_safe(k);
            match KNOWN.iter().find(|known| edits(k, known) <= 2) {
                Some(near) => format!("config: unknown setting `{shown}` (did you mean `{near}`?), ignored"),
                None => format!("config: unknown setting `{shown}` (known: {}), ignored", KNOWN.join(", ")),
            }
        })
        .collect()
}

/// Levenshtein distance, for suggesting the name a typo meant.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

impl ConsoleConfig {
    /// Parses a config file's text; every wrong entry is reported, with what was expected.
    pub fn parse(text: &str) -> Result<ConsoleConfig, String> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| format!("config: {}", crate::text::toml_error(text, &e)))?;
        let mut errors = Vec::new();
        let mut options = ConsoleOptions::default();
        let flag = |name: &str, into: &mut bool, errors: &mut Vec<String>| match table.get(name) {
            None => {}
            Some(toml::Value::Boolean(b)) => *into = *b,
            Some(other) => errors.push(format!("{name} must be true or false, not {other}")),
        };
        flag("mask_phones", &mut options.mask_phones, &mut errors);
        flag("ascii_borders", &mut options.ascii_borders, &mut errors);
        match table.get("card_pattern") {
            None => {}
            Some(toml::Value::String(s)) => match CardPattern::parse(s) {
                Some(p) => options.card_pattern = p,
                None => errors.push(format!(
                    "card_pattern {s:?} is not one of {}",
                    CardPattern::NAMES.map(|n| format!("{n:?}")).join(", ")
                )),
            },
            Some(other) => errors.push(format!("card_pattern must be a string, not {other}")),
        }
        let mut keymap = Keymap::default();
        if let Err(e) = keymap.merge_toml(text) {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        Ok(ConsoleConfig { keymap, options, warnings: unknown_settings(&table) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let c = ConsoleConfig::parse("").unwrap();
        assert_eq!(c, ConsoleConfig::default());
        assert!(c.options.mask_phones && !c.options.ascii_borders);
        assert_eq!(c.options.card_pattern, CardPattern::Auto);
    }

    #[test]
    fn a_misspelled_setting_is_named_with_the_one_it_resembles() {
        let c = ConsoleConfig::parse("mask_phone = false\nlang = \"zh\"\ncolour = 1\n").unwrap();
        assert!(c.options.mask_phones, "the typo changes nothing");
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(
            c.warnings.iter().any(|w| w.contains("`mask_phone`") && w.contains("`mask_phones`?")),
            "{:?}",
            c.warnings
        );
        assert!(
            c.warnings.iter().any(|w| w.contains("`colour`") && w.contains("known:")),
            "{:?}",
            c.warnings
        );
        assert!(ConsoleConfig::parse("mask_phones = false\n[keys.list]\n").unwrap().warnings.is_empty());
    }

    #[test]
    fn reads_the_switches_next_to_the_keys() {
        let text = "mask_phones = false\nascii_borders = true\ncard_pattern = \"alphanumeric\"\n\
                    [keys.list]\nctrl-n = \"down\"\n";
        let c = ConsoleConfig::parse(text).unwrap();
        assert!(!c.options.mask_phones && c.options.ascii_borders);
        assert_eq!(c.options.card_pattern, CardPattern::Alphanumeric);
        assert_ne!(c.keymap, Keymap::default());
    }

    #[test]
    fn wrong_types_and_values_are_named() {
        let err =
            ConsoleConfig::parse("mask_phones = \"no\"\nascii_borders = 1\ncard_pattern = 8\n").unwrap_err();
        assert!(err.contains("mask_phones must be true or false, not \"no\""), "{err}");
        assert!(err.contains("ascii_borders must be true or false, not 1"), "{err}");
        assert!(err.contains("card_pattern must be a string"), "{err}");
        let err = ConsoleConfig::parse("card_pattern = \"^[0-9]+$\"\n[keys.list]\nj = \"fly\"").unwrap_err();
        assert!(err.contains("is not one of \"auto\", \"digits\", \"alphanumeric\", \"ascii\""), "{err}");
        assert!(err.contains("unknown action"), "{err}");
        let err = ConsoleConfig::parse("mask_phones = ").unwrap_err();
        assert!(err.starts_with("config:"), "{err}");
        // One readable line: printed neutralised, a multi-line report showed as `\x0a`.
        assert!(!err.contains('\n') && err.contains("line 1, column 15"), "{err}");
        let err = ConsoleConfig::parse("ascii_borders = true\n[keys.list]\nj = \n").unwrap_err();
        assert!(!err.contains('\n') && err.contains("line 3, column 5"), "{err}");
    }
}
