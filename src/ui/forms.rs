//! The open form inside the console: which request it answers, the form itself, and whether it
//! waits for the store. Keys reach it as [`Action::FormKey`](super::Action::FormKey); a submit
//! becomes a save effect, and the form stays open until the runtime answers `Saved` (it closes)
//! or `Failed` (it stays, with everything typed, so that the user can fix and retry).

use super::action::{Effect, FormRequest};
use super::app::App;
use super::form::{Form, FormKey, FormOutcome, FormOutput};
use chrono::NaiveTime;

/// A form in front of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenForm {
    /// What the form is for.
    pub request: FormRequest,
    /// The fields, focus and errors.
    pub form: Form,
    /// Submitted and waiting for the store's answer; keys are ignored meanwhile so that a second
    /// Enter cannot record the same purchase twice.
    pub saving: bool,
}

impl App {
    /// Opens the form a request asks for, over the current view.
    pub(super) fn open_form(&mut self, request: FormRequest) -> Vec<Effect> {
        let subject = match request.customer() {
            Some(id) => match self.model.get(id) {
                Some(row) => Some(&row.customer),
                None => {
                    self.status = format!("customer #{id} no longer exists");
                    return vec![];
                }
            },
            None => None,
        };
        let form = match (&request, subject) {
            // The App has no clock: the form stamps midnight of "today" and the runtime replaces
            // both stamps when it stores the new customer.
            (FormRequest::AddCustomer, _) => {
                Form::new_customer(self.today.and_time(NaiveTime::MIN).and_utc())
            }
            (FormRequest::EditCustomer { .. }, Some(c)) => Form::edit_customer(c),
            (FormRequest::Purchase { customer }, Some(c)) => {
                Form::purchase(*customer, self.today).with_subject(&c.name)
            }
            (FormRequest::Interaction { customer }, Some(c)) => {
                Form::interaction(*customer, self.today, &self.operator).with_subject(&c.name)
            }
            _ => return vec![],
        };
        self.help = false;
        let form = form.with_ascii_borders(self.options.ascii_borders);
        self.form = Some(OpenForm { request, form, saving: false });
        vec![]
    }

    /// One key for the open form.
    pub(super) fn on_form_key(&mut self, key: FormKey) -> Vec<Effect> {
        let Some(open) = self.form.as_mut() else { return vec![] };
        if open.saving {
            return vec![];
        }
        match open.form.handle(key) {
            FormOutcome::Continue => vec![],
            FormOutcome::Cancel => {
                self.form = None;
                self.status = "nothing saved".into();
                vec![]
            }
            FormOutcome::Submit(out) => {
                open.saving = true;
                self.status = "saving…".into();
                vec![match out {
                    FormOutput::Customer(c) => Effect::SaveCustomer(Box::new(c)),
                    FormOutput::Purchase(p) => Effect::SavePurchase(p),
                    FormOutput::Interaction(i) => Effect::SaveInteraction(i),
                }]
            }
        }
    }

    /// Closes the form whose save this is; says whether it was the add-customer form.
    pub(super) fn close_saved_form(&mut self, id: u64) -> Option<FormRequest> {
        let open = self.form.as_ref()?;
        // Another save (a batch tag) may land while a form is open; only the form's own closes it.
        let mine = open.saving && open.request.customer().is_none_or(|c| c == id);
        if !mine {
            return None;
        }
        self.form.take().map(|f| f.request)
    }
}
