//! A class's reason as a value: an English template (the key of its translations, one `{}` per
//! argument) and its arguments, put into words only where it is shown.
//!
//! Why a value and not a string: the reasons used to be English sentences that the Chinese
//! interface parsed back with patterns, so a reason reworded in English silently stayed English in
//! Chinese, and a word could be read as a figure ("no purchase" as "{} purchase"). Now the
//! template *is* the key: `i18n::reason` looks it up and fills in the arguments in the viewer's
//! language, and a test fails on any template without a Chinese rendering. An argument is
//! text shown as is (a figure already formatted, a date, a category the shop typed), a class of
//! the reason's dimension (named by `i18n::class_label`, so the "churned" opening "churned — …"
//! reads 流失), a word of the interface (an interaction kind), or a nested reason (a part with a
//! template of its own, and parts joined by "; " or ", ", joined two at a time).
//!
//! [`Reason`]'s `Display` is the English, byte for byte what the classifier wrote when reasons
//! were strings, and so is its `Serialize`: `show --json` and exports are unchanged. Reasons are
//! derived with the classes each time, never stored.

use super::{
    Activity, Advocacy, Engagement, Level, Lifecycle, PriceSensitivity, Rfm8, RfmSegment, Satisfaction, Tier,
};
use crate::domain::{Channel, InteractionKind, Money};
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use std::fmt;

/// Why a customer is in a class, in words of any language (see the module's comment).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reason {
    template: &'static str,
    args: Vec<Arg>,
}

/// One argument of a [`Reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is in every language: a figure already formatted, a date, a shop's category.
    Text(String),
    /// A class (by its key) of the dimension the reason is shown under, with its English name.
    Class { key: &'static str, name: &'static str },
    /// A word of the interface (an interaction kind), translated like any other.
    Word(&'static str),
    /// A part with its own template.
    Reason(Reason),
    /// Words from the rules (a level's birthday privilege), translated when they are the
    /// built-in words and shown as the shop wrote them otherwise.
    Phrase(String),
}

impl Reason {
    /// The reason `template` (English, with one `{}` per argument) with `args`; use `reason!`,
    /// which checks the count when compiling and skips the work when reasons are not wanted.
    pub fn new(template: &'static str, args: Vec<Arg>) -> Reason {
        debug_assert_eq!(placeholders(template), args.len(), "{template}");
        Reason { template, args }
    }

    /// The English template, the key of its translations.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The arguments, in the order of the template's `{}`.
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    /// Whether there is nothing to say (a reason left out while classes were computed without).
    pub fn is_empty(&self) -> bool {
        self.template.is_empty()
    }
}

/// A class named by its key (an open dimension's "none", which has no enum of its own).
pub fn class(key: &'static str) -> Arg {
    Arg::Class { key, name: key }
}

/// How many `{}` `template` has; `usize::MAX` when it has any other brace (an inline
/// `{name}` or a format spec), which `reason!` refuses: arguments are positional and formatted
/// before they are passed.
pub const fn placeholders(template: &str) -> usize {
    let b = template.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        if b[i] == b'{' {
            if i + 1 < b.len() && b[i + 1] == b'}' {
                n += 1;
                i += 2;
                continue;
            }
            return usize::MAX;
        }
        if b[i] == b'}' {
            return usize::MAX;
        }
        i += 1;
    }
    n
}

/// 1, for counting a macro's arguments in a constant.
#[doc(hidden)]
pub const fn one(_: &str) -> usize {
    1
}

/// What can fill a reason's `{}`.
pub trait IntoArg {
    /// This value as an argument.
    fn into_arg(self) -> Arg;
}

impl IntoArg for Arg {
    fn into_arg(self) -> Arg {
        self
    }
}

impl IntoArg for Reason {
    fn into_arg(self) -> Arg {
        Arg::Reason(self)
    }
}

impl IntoArg for &Reason {
    fn into_arg(self) -> Arg {
        Arg::Reason(self.clone())
    }
}

/// Values shown as they are (`Display`): figures, amounts, dates, names.
macro_rules! text_args {
    ($($t:ty),+) => {$(
        impl IntoArg for $t {
            fn into_arg(self) -> Arg {
                Arg::Text(self.to_string())
            }
        }
    )+};
}
text_args!(String, &str, &String, i64, i32, u64, u32, u8, usize, f64, Money, NaiveDate);

/// Classes named by their key in English.
macro_rules! class_args {
    ($($t:ty),+) => {$(
        impl IntoArg for $t {
            fn into_arg(self) -> Arg {
                Arg::Class { key: self.key(), name: self.key() }
            }
        }
    )+};
}
class_args!(Level, Activity, Lifecycle, Tier, PriceSensitivity, Satisfaction, Advocacy, Engagement, Channel);

impl IntoArg for RfmSegment {
    fn into_arg(self) -> Arg {
        Arg::Class { key: self.key(), name: self.label() }
    }
}

impl IntoArg for Rfm8 {
    fn into_arg(self) -> Arg {
        Arg::Class { key: self.key(), name: self.label() }
    }
}

impl IntoArg for super::birthday::BirthdayMonth {
    fn into_arg(self) -> Arg {
        Arg::Class { key: self.key(), name: self.label() }
    }
}

impl IntoArg for InteractionKind {
    fn into_arg(self) -> Arg {
        Arg::Word(self.key())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Text(t) => f.write_str(t),
            Arg::Class { name, .. } => f.write_str(name),
            Arg::Word(w) => f.write_str(w),
            Arg::Reason(r) => r.fmt(f),
            Arg::Phrase(p) => f.write_str(p),
        }
    }
}

/// The English the classifier has always written.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = self.template.split("{}");
        f.write_str(parts.next().unwrap_or_default())?;
        let mut args = self.args.iter();
        for lit in parts {
            match args.next() {
                Some(a) => a.fmt(f)?,
                None => f.write_str("{}")?,
            }
            f.write_str(lit)?;
        }
        Ok(())
    }
}

/// As the English string, as stored and exported formats have always had it.
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A reason equals the English it reads as (for tests and checks that name the words).
impl PartialEq<str> for Reason {
    fn eq(&self, other: &str) -> bool {
        /// Consumes `.0` as long as what is written matches it.
        struct Matching<'a>(&'a str);
        impl fmt::Write for Matching<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0 = self.0.strip_prefix(s).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        let mut rest = Matching(other);
        fmt::write(&mut rest, format_args!("{self}")).is_ok() && rest.0.is_empty()
    }
}

impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_fills_the_template_in_order_with_nested_parts_and_class_names() {
        let what = reason!("{} purchases in the last {} days", 14, 365);
        let r = reason!("{} — {} (≥ {})", Level::High, what, 12);
        assert_eq!(r.to_string(), "high — 14 purchases in the last 365 days (≥ 12)");
        assert_eq!(r.template(), "{} — {} (≥ {})");
        assert_eq!(r.args()[0], Arg::Class { key: "high", name: "high" });
        let seg = reason!("{} — {}", RfmSegment::AboutToSleep, reason!("high frequency"));
        assert_eq!(seg, "About to Sleep — high frequency");
        assert_ne!(seg, "About to Sleep");
        assert_ne!(seg, "About to Sleep — high frequency.");
        assert_eq!(serde_json::to_string(&seg).unwrap(), "\"About to Sleep — high frequency\"");
        assert!(Reason::default().is_empty() && Reason::default().to_string().is_empty());
    }

    #[test]
    fn a_template_counts_only_positional_placeholders() {
        assert_eq!(placeholders("{} of {} spent"), 2);
        assert_eq!(placeholders("no rating given"), 0);
        assert_eq!(placeholders("{n} days"), usize::MAX);
        assert_eq!(placeholders("{:.2} over"), usize::MAX);
    }

    #[test]
    fn nothing_is_built_while_reasons_are_not_wanted() {
        let r = crate::classify::without_reasons(|| reason!("last purchase {} days ago", 3));
        assert!(r.is_empty() && r.args().is_empty());
    }
}
