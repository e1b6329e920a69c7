//! The interface language: English or 简体中文. Texts are compiled in (no files to load): an
//! English message is its own key, and [`tr`] looks up its Chinese rendering in [`zh`].
//!
//! Two ways to say which language, one per side of the programme:
//! - the console (`crate::ui`) passes it down: every view and popup is drawn with the App's
//!   own language ([`tr_in`], [`trf_in`], [`tr_dyn_in`], [`domain_error_in`]), and
//!   `App::update` words what it builds with the App's language too. Nothing under `ui` reads
//!   the per-thread setting, so Apps in different languages can share a thread (SSH sessions,
//!   tests) and each screen is wholly in its own language (a source test enforces it).
//! - the command line (`crate::cli`) runs one command in one language, set once from `--lang`
//!   (or the environment) with [`set_current`]; its printers use [`tr`], [`trf`], [`tr_dyn`]
//!   and [`domain_error`], which read that setting.

mod changes;
mod classes;
mod errors;
mod members;
mod reasons;
mod zh;

pub use changes::change_what;
pub use classes::{benefits_text, class_label, dimension_label};
pub use errors::{domain_error, domain_error_in};
pub use reasons::{reason, reason_templates};

use chrono::{Datelike, NaiveDate};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::OnceLock;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English (the default, and the language of every stable key).
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// Parses `en` / `zh` (also `zh-CN`, `zh_CN.UTF-8`, `english`, `chinese`, `中文`).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") || s == "chinese" || s == "中文" {
            Some(Lang::Zh)
        } else if s.starts_with("en") || s == "c" || s == "posix" {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language a locale string such as `zh_CN.UTF-8` asks for: Chinese for `zh*`.
    pub fn from_locale(s: &str) -> Lang {
        if s.trim().to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En }
    }
}

/// Chooses the language: `--lang`, else `KEHU_LANG`, else the config's `lang`, else the locale
/// (the first set of `LC_ALL`, `LC_MESSAGES`, `LANG`, as POSIX orders them). Unparsable values
/// are skipped rather than fatal: a typo in the config should not lock anyone out.
pub fn choose(
    flag: Option<&str>,
    env: Option<&str>,
    config: Option<&str>,
    locale: [Option<&str>; 3],
) -> Lang {
    [flag, env, config]
        .into_iter()
        .flatten()
        .find_map(Lang::parse)
        .or_else(|| locale.into_iter().flatten().find(|s| !s.is_empty()).map(Lang::from_locale))
        .unwrap_or_default()
}

/// [`choose`] with the process environment and the console config file.
pub fn detect(flag: Option<&str>) -> Lang {
    let var = |k: &str| std::env::var(k).ok();
    let config =
        crate::tui::config_path().and_then(|p| std::fs::read_to_string(p).ok()).and_then(|t| config_lang(&t));
    let (all, msgs, lang) = (var("LC_ALL"), var("LC_MESSAGES"), var("LANG"));
    choose(
        flag,
        var("KEHU_LANG").as_deref(),
        config.as_deref(),
        [all.as_deref(), msgs.as_deref(), lang.as_deref()],
    )
}

/// The top-level `lang = "…"` of a config file, if any.
pub fn config_lang(toml_text: &str) -> Option<String> {
    let v: toml::Table = toml::from_str(toml_text).ok()?;
    v.get("lang")?.as_str().map(str::to_string)
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// Sets the language of this thread's texts (the command line does, once, from `--lang`).
pub fn set_current(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
}

/// The language of this thread's texts.
pub fn current() -> Lang {
    CURRENT.with(Cell::get)
}

fn table() -> &'static HashMap<&'static str, &'static str> {
    static T: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    T.get_or_init(|| zh::TEXTS.iter().copied().collect())
}

/// Every English message with its Chinese rendering.
pub fn messages() -> &'static [(&'static str, &'static str)] {
    zh::TEXTS
}

/// `en` in `lang`: the Chinese rendering when there is one, else the English itself.
pub fn tr_in(lang: Lang, en: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => table().get(en).copied().unwrap_or(en),
    }
}

/// A text known only at run time (e.g. a playbook action from the rules) in the current
/// language, when the table has it.
pub fn tr_dyn(en: &str) -> &str {
    tr_dyn_in(current(), en)
}

/// `en`, a text known only at run time (a playbook action, an audit entry's kind), in `lang`.
pub fn tr_dyn_in(lang: Lang, en: &str) -> &str {
    match lang {
        Lang::En => en,
        Lang::Zh => table().get(en).copied().unwrap_or(en),
    }
}

/// `en` in the current language.
pub fn tr(en: &'static str) -> &'static str {
    tr_in(current(), en)
}

/// The template `en` in `lang` with each `{}` (or `{0}`, `{1}`… where a language reorders
/// them) replaced by the argument.
pub fn trf_in(lang: Lang, en: &'static str, args: &[&dyn Display]) -> String {
    fill(tr_in(lang, en), args)
}

/// The template `en` in the current language with each `{}` (or `{0}`, `{1}`… where a language
/// reorders them) replaced by the argument.
pub fn trf(en: &'static str, args: &[&dyn Display]) -> String {
    trf_in(current(), en, args)
}

/// Fills `{}` (in order) and `{n}` (by index) in `template`.
pub fn fill(template: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let index = if inner.is_empty() {
            next += 1;
            Some(next - 1)
        } else {
            inner.parse::<usize>().ok()
        };
        match index.and_then(|i| args.get(i)) {
            Some(a) => out.push_str(&a.to_string()),
            None => out.push_str(&rest[open..open + close + 2]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A date: `2024-03-05` in English, `2024年3月5日` in Chinese.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::En => d.to_string(),
        Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    }
}

/// The currency symbol money is shown with: `KEHU_CURRENCY` when set, else `¥` under Chinese
/// and none under English (amounts there are plain numbers, as before).
pub fn currency(lang: Lang) -> String {
    match std::env::var("KEHU_CURRENCY") {
        Ok(s) => s,
        Err(_) => match lang {
            Lang::En => String::new(),
            Lang::Zh => "¥".into(),
        },
    }
}

/// An amount with the currency symbol: `12.50` / `¥12.50` (`-¥3.00` when negative).
pub fn money(lang: Lang, m: crate::domain::Money) -> String {
    money_with(&currency(lang), m)
}

/// An amount with the given symbol in front.
pub fn money_with(symbol: &str, m: crate::domain::Money) -> String {
    let plain = m.to_string();
    match plain.strip_prefix('-') {
        Some(abs) => format!("-{symbol}{abs}"),
        None => format!("{symbol}{plain}"),
    }
}

#[cfg(test)]
mod tests;
