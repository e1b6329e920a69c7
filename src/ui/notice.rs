//! The status line's messages as values: an English template (the key of its translation) and
//! its arguments, put into words only when drawn, in the language of whoever looks. A message
//! built by a runtime thread, or shown to an SSH session in another language, reads right because
//! nothing is translated where it is made.

use crate::i18n::{Lang, class_label, fill, tr_in};
use std::fmt::Display;

/// One argument of a [`Notice`].
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Shown as it is: a name, a figure, a reference, a message already in words.
    Text(String),
    /// A phrase of the interface, translated like the template.
    Term(&'static str),
    /// A phrase known only at run time (a playbook action), translated when known.
    Phrase(String),
    /// The kind of a change as the audit log names it ("void purchase").
    Change(String),
    /// Class `key` of dimension `.0`, named in the viewer's language.
    Class(&'static str, String),
    /// A message inside another (a save's note inside "took back: …").
    Notice(Box<Notice>),
}

impl<T: Display> From<T> for Arg {
    fn from(v: T) -> Arg {
        Arg::Text(v.to_string())
    }
}

impl From<Notice> for Arg {
    fn from(n: Notice) -> Arg {
        Arg::Notice(Box::new(n))
    }
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notice {
    template: &'static str,
    args: Vec<Arg>,
}

/// A [`Notice`] from a template literal and its arguments (anything shown, a [`Notice`], an [`Arg`]).
#[macro_export]
macro_rules! notice {
    ($t:literal) => { $crate::ui::Notice::new($t, Vec::new()) };
    ($t:literal, $($a:expr),+ $(,)?) => {
        $crate::ui::Notice::new($t, vec![$($crate::ui::NoticeArg::from($a)),+])
    };
}

impl Notice {
    /// The message `template` (English, the key of its translations) with `args` for its `{}`.
    pub fn new(template: &'static str, args: Vec<Arg>) -> Notice {
        Notice { template, args }
    }

    /// Text already in words (an error's own message, a note typed by the shop), shown as it is.
    pub fn text(text: impl Into<String>) -> Notice {
        Notice { template: "{}", args: vec![Arg::Text(text.into())] }
    }

    /// This message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<String> = self.args.iter().map(|a| arg_text(a, lang)).collect();
        let shown: Vec<&dyn Display> = args.iter().map(|a| a as &dyn Display).collect();
        fill(tr_in(lang, self.template), &shown)
    }

    /// Whether this is the message `template` (whatever its arguments).
    pub fn is(&self, template: &str) -> bool {
        self.template == template
    }

    /// Whether there is no message.
    pub fn is_empty(&self) -> bool {
        self.template.is_empty()
            || (self.template == "{}" && self.args.iter().all(|a| *a == Arg::Text(String::new())))
    }

    /// Removes the message.
    pub fn clear(&mut self) {
        *self = Notice::default();
    }
}

fn arg_text(arg: &Arg, lang: Lang) -> String {
    match arg {
        Arg::Text(t) => t.clone(),
        Arg::Term(t) => tr_in(lang, t).to_string(),
        Arg::Phrase(t) => crate::i18n::tr_dyn_in(lang, t).to_string(),
        Arg::Change(t) => crate::i18n::change_what(lang, t),
        Arg::Class(dimension, key) => class_label(lang, dimension, key).unwrap_or(key).to_string(),
        Arg::Notice(n) => n.render(lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_put_into_words_in_the_language_it_is_drawn_in() {
        let saved = crate::notice!(
            "saved {}{}",
            "赵敏",
            crate::notice!(
                " · {} · {} · {}",
                Arg::Class("lifecycle", "new".into()),
                Arg::Class("activity", "active".into()),
                Arg::Class("tier", "normal".into())
            )
        );
        assert_eq!(saved.render(Lang::En), "saved 赵敏 · new · active · normal");
        let zh = saved.render(Lang::Zh);
        assert!(zh.starts_with("已保存 赵敏"), "{zh}");
        assert!(!zh.contains("new") && !zh.contains("active") && !zh.contains("normal"), "{zh}");
        assert!(saved.is("saved {}{}"));
        assert_eq!(Notice::text("as typed").render(Lang::Zh), "as typed");
        assert!(Notice::default().is_empty() && Notice::text("").is_empty() && !saved.is_empty());
    }
}
