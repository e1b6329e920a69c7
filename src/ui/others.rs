//! Other operators' changes (`kehu serve`): a customer saved in another session is taken in
//! live, and a save over a record that changed meanwhile asks before anything is overwritten.

use super::action::{Effect, FormRequest};
use super::app::{App, Confirm};
use super::form::Difference;
use super::sync::classes_line;
use super::widgets::{fit, pad_to};
use crate::domain::{Customer, History};
use crate::i18n::{Lang, tr_in, trf_in};
use crate::text::terminal_safe;
use unicode_width::UnicodeWidthStr;

impl App {
    /// Another operator saved a customer: reclassify them and refresh every view, leaving the
    /// open form (if any) as it is; the status line says who changed whom.
    pub(super) fn on_changed_elsewhere(&mut self, h: History, by: &str) -> Vec<Effect> {
        let id = h.customer.id;
        self.absorb(&h);
        self.refresh_views();
        let classes = self.shop.read().clf.profile(id).map(|p| classes_line(&p)).unwrap_or_default();
        self.status =
            crate::notice!("{} changed {}{}", terminal_safe(by), terminal_safe(&h.customer.name), classes);
        vec![]
    }

    /// Our save was refused as stale: take in the stored version and ask whether to reload.
    pub(super) fn on_conflict(&mut self, current: History, by: Option<String>) -> Vec<Effect> {
        let customer = current.customer.id;
        self.absorb(&current);
        self.refresh_views();
        if let Some(f) = self.form.as_mut() {
            f.saving = false;
        }
        // Their version as the form would show it, against what the operator typed.
        let fields = match &self.form {
            Some(open) => open.form.differences(&super::form::Form::edit_customer(&current.customer)),
            None => vec![],
        };
        let who = match &by {
            Some(b) => super::NoticeArg::Text(terminal_safe(b).into_owned()),
            None => super::NoticeArg::Term("someone else"),
        };
        self.status = crate::notice!("{} changed this customer meanwhile; nothing was overwritten.", who);
        self.confirm = Some(Confirm::Reload { customer, by, fields, stored: Box::new(current.customer) });
        vec![]
    }

    /// The newer of the version a refusal carried and the one in the shop.
    fn newest(&self, stored: Box<Customer>) -> Box<Customer> {
        let shop = self.shop.read();
        match shop.model.get(stored.id) {
            Some(row) if row.customer.revision > stored.revision => row.customer.clone(),
            _ => stored,
        }
    }

    /// `y` on the reload question: the form shows the stored version (the typing is dropped).
    pub(super) fn reload_form(&mut self, stored: Box<Customer>) -> Vec<Effect> {
        self.form = None;
        let customer = stored.id;
        let stored = self.newest(stored);
        let effects = self.open_form_on(FormRequest::EditCustomer { customer }, Some(stored));
        if self.form.is_some() {
            self.status = crate::notice!("reloaded: the form shows the stored version");
        }
        effects
    }

    /// `n` on the reload question: the edit stays in the form, and saving it now replaces the
    /// version stored meanwhile (the operator has seen that it exists).
    pub(super) fn keep_edit(&mut self, stored: Box<Customer>, by: Option<&str>) {
        let revision = self.newest(stored).revision;
        if let Some(open) = self.form.as_mut() {
            open.form.rebase(revision);
        }
        self.status = match by {
            Some(b) => crate::notice!("your edit is kept; saving it replaces {}'s version", terminal_safe(b)),
            None => crate::notice!("your edit is kept; saving it replaces the other version"),
        };
    }
}

/// The reload question in `lang`: first line what happened, then the choices.
pub(super) fn reload_text(by: Option<&str>, lang: Lang) -> Vec<String> {
    let who = by.map_or_else(|| tr_in(lang, "someone else").to_string(), |b| terminal_safe(b).into_owned());
    // The first line is the status line's message too (`on_conflict`).
    vec![
        trf_in(lang, "{} changed this customer meanwhile; nothing was overwritten.", &[&who]),
        String::new(),
        tr_in(lang, "y reload the form with the stored version (your edit is dropped)").into(),
        tr_in(lang, "n keep your edit (saving then replaces theirs)").into(),
    ]
}

/// Most rows of differences the question shows; the rest are counted.
const MAX_ROWS: usize = 12;

/// The reload question with the differing fields between the question and the choices:
/// `label  theirs  yours`, each side cut to half of `width` cells. Values are shown as the edit
/// form shows them (phones whole: the operator editing the record sees them anyway). In `lang`.
pub(super) fn reload_lines(by: Option<&str>, fields: &[Difference], width: usize, lang: Lang) -> Vec<String> {
    let mut text = reload_text(by, lang);
    if fields.is_empty() {
        return text;
    }
    let label_w = fields.iter().map(|d| tr_in(lang, d.label).width()).max().unwrap_or(0).min(12);
    let side = width.saturating_sub(label_w + 4) / 2;
    let row = |label: &str, theirs: &str, yours: &str| {
        format!("{}  {} {}", pad_to(label, label_w), pad_to(theirs, side), fit(yours, side))
    };
    let mut rows = vec![row("", tr_in(lang, "theirs (stored)"), tr_in(lang, "yours (not saved)"))];
    let value = |s: &str| if s.is_empty() { "—".to_string() } else { terminal_safe(s).into_owned() };
    rows.extend(
        fields.iter().take(MAX_ROWS).map(|d| row(tr_in(lang, d.label), &value(&d.theirs), &value(&d.yours))),
    );
    if fields.len() > MAX_ROWS {
        rows.push(trf_in(lang, "… and {} more field(s)", &[&(fields.len() - MAX_ROWS)]));
    }
    rows.push(String::new());
    // After "what happened" and its blank line.
    text.splice(2..2, rows);
    text
}
