//! The open form inside the console: which request it answers, the form itself, and whether it
//! waits for the store. Keys reach it as [`Action::FormKey`](super::Action::FormKey); a submit
//! becomes a save effect, and the form stays open until the runtime answers `Saved` (it closes)
//! or `Failed` (it stays, with everything typed, so that the user can fix and retry).

use super::action::{Effect, FormRequest};
use super::app::{App, Confirm};
use super::form::{FieldId, Form, FormKey, FormOutcome, FormOutput};
use crate::change::Change;
use crate::domain::{Customer, Interaction, Purchase};
use crate::i18n::{tr_in, trf_in};
use crate::text::terminal_safe;
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
            Some(id) => match self.shop.read().model.get(id).cloned() {
                Some(row) => Some(row.customer),
                None => {
                    self.status = crate::notice!("customer #{} no longer exists", id);
                    return vec![];
                }
            },
            None => None,
        };
        self.open_form_on(request, subject)
    }

    /// Opens the form a request asks for on `subject`, the customer as the form should show it.
    pub(super) fn open_form_on(
        &mut self,
        request: FormRequest,
        subject: Option<Box<Customer>>,
    ) -> Vec<Effect> {
        let form = match (&request, subject) {
            // The App has no clock: the form stamps midnight of "today" and the runtime replaces
            // both stamps when it stores the new customer.
            (FormRequest::AddCustomer, _) => {
                Form::new_customer(self.today.and_time(NaiveTime::MIN).and_utc())
            }
            (FormRequest::EditCustomer { .. }, Some(c)) => Form::edit_customer(&c).on(self.today),
            (FormRequest::Purchase { customer }, Some(c)) => {
                Form::purchase(*customer, self.today).with_subject(&c.name)
            }
            (FormRequest::Interaction { customer }, Some(c)) => {
                Form::interaction(*customer, self.today, &self.operator).with_subject(&c.name)
            }
            (FormRequest::CorrectPurchase { id, .. }, Some(c)) => match self.stored_purchase(*id) {
                Some(p) => Form::correct_purchase(p, self.today).with_subject(&c.name),
                None => return self.record_gone(),
            },
            (FormRequest::CorrectInteraction { id, .. }, Some(c)) => match self.stored_interaction(*id) {
                Some(i) => Form::correct_interaction(i, self.today).with_subject(&c.name),
                None => return self.record_gone(),
            },
            _ => return vec![],
        };
        self.help = false;
        let form = form.with_ascii_borders(self.options.ascii_borders).with_lang(self.lang);
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
                self.status = crate::notice!("nothing saved");
                vec![]
            }
            FormOutcome::Submit(out) => match out {
                FormOutput::Customer(c) => self.submit_customer(c),
                FormOutput::Purchase(p) => self.submit_purchase(p),
                FormOutput::Interaction(i) => self.save_interaction(i),
            },
        }
    }

    /// A customer form passed its own checks: the referrer is looked up, and a customer that
    /// looks like one already stored is asked about before anything is saved.
    fn submit_customer(&mut self, mut c: Customer) -> Vec<Effect> {
        let typed = self.form.as_ref().and_then(|f| f.form.value(FieldId::Referrer)).unwrap_or_default();
        match self.referrer(&typed, c.id) {
            Ok(r) => c.referrer = r,
            Err(why) => {
                if let Some(f) = self.form.as_mut() {
                    f.form.refuse(FieldId::Referrer, &why);
                }
                self.status = crate::ui::Notice::text(why);
                return vec![];
            }
        }
        let others = self.looks_like(&c);
        if others.is_empty() {
            return self.save_customer(c);
        }
        self.status = crate::notice!("this customer looks like one already stored");
        self.confirm = Some(Confirm::LooksLike { customer: Box::new(c), others });
        vec![]
    }

    /// The referrer typed: blank is none, `#id` (or a bare number) a customer's id, anything
    /// else a member number.
    fn referrer(&self, typed: &str, me: u64) -> Result<Option<u64>, String> {
        let t = typed.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let by_id = t
            .strip_prefix('#')
            .unwrap_or(t)
            .parse::<u64>()
            .ok()
            .filter(|id| self.shop.read().model.get(*id).is_some());
        let id = match by_id {
            Some(id) => id,
            None => match self.customers_with_card(t).as_slice() {
                [id] => *id,
                [] => return Err(trf_in(self.lang, "no customer has id or ref {}", &[&terminal_safe(t)])),
                _ => {
                    return Err(trf_in(
                        self.lang,
                        "several customers have {}; give #id",
                        &[&terminal_safe(t)],
                    ));
                }
            },
        };
        if id == me {
            return Err(tr_in(self.lang, "a customer cannot refer themselves").into());
        }
        Ok(Some(id))
    }

    /// Stored customers that `c` would be a new likely duplicate of (same ref, phone, or a
    /// near name), with why: `#12 王小明 — same phone`.
    fn looks_like(&self, c: &Customer) -> Vec<(u64, String)> {
        let known: Vec<u64> = self.shop.read().dupes.of(c.id).into_iter().map(|(o, _)| o).collect();
        let mask = self.phone_mask();
        let mut out: Vec<(u64, String)> = Vec::new();
        if let Some(r) = c.reference.as_deref() {
            for id in self.customers_with_card(r).into_iter().filter(|&o| o != c.id) {
                out.push((id, trf_in(self.lang, "same ref {}", &[&terminal_safe(r)])));
            }
        }
        for (id, reasons) in self.shop.read().dupes.matches(c) {
            if known.contains(&id) || out.iter().any(|(o, _)| *o == id) {
                continue;
            }
            out.push((id, super::duplicates::reasons_text(&reasons, mask.hides(id), self.lang)));
        }
        out.truncate(3);
        out.into_iter().map(|(id, why)| (id, format!("#{id} {} — {why}", self.safe_name(id)))).collect()
    }

    /// Saves the customer of the open form.
    pub(super) fn save_customer(&mut self, c: Customer) -> Vec<Effect> {
        self.mark_saving();
        vec![Effect::SaveCustomer(Box::new(c))]
    }

    /// The till's guard: a payment the member's balances cannot cover is refused in words (the
    /// form stays, Payment marked); a purchase of zero, or above the shop's limit, is asked
    /// about first.
    fn submit_purchase(&mut self, p: Purchase) -> Vec<Effect> {
        let p = match self.priced(p) {
            Ok(p) => p,
            Err(why) => {
                let why = why.words(self.lang);
                if let Some(f) = self.form.as_mut() {
                    f.form.refuse(FieldId::Payment, &why);
                }
                self.status = crate::ui::Notice::text(why);
                return vec![];
            }
        };
        if p.amount.0 == 0 || p.amount > self.till_limit {
            self.status = if p.amount.0 == 0 {
                crate::notice!("a purchase of 0.00: save it?")
            } else {
                crate::notice!("{} is more than {}: save it?", p.amount, self.till_limit)
            };
            self.confirm = Some(Confirm::Till(Box::new(p)));
            return vec![];
        }
        self.save_purchase(p)
    }

    /// The purchase with the points it moves at the member's level (a new sale, or one whose
    /// amount or payment was corrected; a purchase from before the ledger keeps none, its
    /// points being in the opening balance), once the member's balances are found to cover
    /// what it takes off them.
    fn priced(&self, mut p: Purchase) -> Result<Purchase, crate::ledger::Refusal> {
        use crate::domain::{Balances, Money, Payment, ledger};
        let base = if p.id == 0 { None } else { self.stored_purchase(p.id) };
        let changed = base.is_none_or(|b| b.amount != p.amount || b.payment != p.payment);
        let legacy = base.is_some_and(|b| b.payment == Payment::Unknown && b.points == 0);
        if p.refund_of.is_none() && changed && !legacy {
            let tier =
                self.shop.read().clf.classes(p.customer).map_or(crate::classify::Tier::Normal, |c| c.tier);
            p.points =
                crate::ledger::earn::sale_points(p.amount, p.payment, tier, self.shop.read().clf.rules());
        }
        let moved = Balances {
            points: ledger::points_due(&p) - base.map_or(0, ledger::points_due),
            stored: Money(ledger::value_due(&p) - base.map_or(0, ledger::value_due)),
        };
        if moved.points >= 0 && moved.stored.0 >= 0 {
            return Ok(p);
        }
        let (now, expired) = self.balances_of(p.customer);
        crate::ledger::till::cover(now, expired, moved)?;
        Ok(p)
    }

    /// A member's balances as the console knows them, and the points of them expired by
    /// today: from their entries when the detail view has read them, else from their classes.
    pub(super) fn balances_of(&self, id: u64) -> (crate::domain::Balances, i64) {
        if let Some(h) = self.detail.history.as_ref().filter(|h| h.customer.id == id) {
            let months = self.shop.read().clf.rules().points.expire_months;
            return (h.balances(), crate::ledger::expiry::due(&h.ledger, months, self.today));
        }
        let stored = self.shop.read().clf.classes(id).map_or(crate::domain::Money::ZERO, |c| c.stored_value);
        let points = self.shop.read().clf.profile(id).map_or(0, |p| p.points);
        (crate::domain::Balances { points, stored }, 0)
    }

    /// Saves the purchase of the open form: a new one, or a stored one corrected.
    pub(super) fn save_purchase(&mut self, p: Purchase) -> Vec<Effect> {
        if p.id == 0 {
            self.mark_saving();
            return vec![Effect::SavePurchase(p)];
        }
        let Some(before) = self.stored_purchase(p.id).cloned() else { return self.record_gone() };
        if before == p {
            self.form = None;
            self.status = crate::notice!("nothing changed");
            return vec![];
        }
        self.mark_saving();
        let done = crate::notice!("corrected the purchase of {}", before.date);
        self.commit(Change::ReplacePurchase { before, after: p }, done)
    }

    /// Saves the interaction of the open form: a new one, or a stored one edited.
    fn save_interaction(&mut self, i: Interaction) -> Vec<Effect> {
        if i.id == 0 {
            self.mark_saving();
            return vec![Effect::SaveInteraction(i)];
        }
        let Some(before) = self.stored_interaction(i.id).cloned() else { return self.record_gone() };
        if before == i {
            self.form = None;
            self.status = crate::notice!("nothing changed");
            return vec![];
        }
        self.mark_saving();
        let done = crate::notice!("edited the {} of {}", super::NoticeArg::Term(i.kind.key()), before.date);
        self.commit(Change::ReplaceInteraction { before, after: i }, done)
    }

    fn mark_saving(&mut self) {
        if let Some(f) = self.form.as_mut() {
            f.saving = true;
        }
        self.status = crate::notice!("saving…");
    }

    /// A purchase of the customer on the detail view, as last read.
    fn stored_purchase(&self, id: u64) -> Option<&Purchase> {
        self.detail.history.as_ref()?.purchases.iter().find(|p| p.id == id)
    }

    /// An interaction of the customer on the detail view, as last read.
    fn stored_interaction(&self, id: u64) -> Option<&Interaction> {
        self.detail.history.as_ref()?.interactions.iter().find(|i| i.id == id)
    }

    fn record_gone(&mut self) -> Vec<Effect> {
        self.form = None;
        self.status = crate::notice!("that record is no longer there (changed meanwhile?)");
        vec![]
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
