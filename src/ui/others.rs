//! Other operators' changes (`kehu serve`): a customer saved in another session is taken in
//! live, and a save over a record that changed meanwhile asks before anything is overwritten.

use super::action::{Effect, FormRequest};
use super::app::{App, Confirm};
use super::sync::classes_line;
use crate::domain::History;
use crate::text::terminal_safe;

impl App {
    /// Another operator saved a customer: reclassify them and refresh every view, leaving the
    /// open form (if any) as it is; the status line says who changed whom.
    pub(super) fn on_changed_elsewhere(&mut self, h: History, by: &str) -> Vec<Effect> {
        let id = h.customer.id;
        self.absorb(&h);
        self.refresh_views();
        let classes = self.clf.profile(id).map(|p| classes_line(&p)).unwrap_or_default();
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
        self.status = crate::ui::Notice::text(reload_text(by.as_deref()).remove(0));
        self.confirm = Some(Confirm::Reload { customer, by });
        vec![]
    }

    /// `y` on the reload question: the form shows the stored version (the typing is dropped).
    pub(super) fn reload_form(&mut self, customer: u64) -> Vec<Effect> {
        self.form = None;
        let effects = self.open_form(FormRequest::EditCustomer { customer });
        if self.form.is_some() {
            self.status = crate::notice!("reloaded: the form shows the stored version");
        }
        effects
    }

    /// `n` on the reload question: the edit stays in the form, and saving it now replaces the
    /// version stored meanwhile (the operator has seen that it exists).
    pub(super) fn keep_edit(&mut self, customer: u64, by: Option<&str>) {
        let revision = self.model.get(customer).map(|r| r.customer.revision);
        if let (Some(open), Some(rev)) = (self.form.as_mut(), revision) {
            open.form.rebase(rev);
        }
        self.status = match by {
            Some(b) => crate::notice!("your edit is kept; saving it replaces {}'s version", terminal_safe(b)),
            None => crate::notice!("your edit is kept; saving it replaces the other version"),
        };
    }
}

/// The reload question: first line what happened, then the choices.
pub(super) fn reload_text(by: Option<&str>) -> Vec<String> {
    let who = by.map_or("someone else".to_string(), |b| terminal_safe(b).into_owned());
    vec![
        format!("{who} changed this customer meanwhile; nothing was overwritten."),
        String::new(),
        "y reload the form with the stored version".into(),
        "n keep your edit (saving then replaces theirs)".into(),
    ]
}
