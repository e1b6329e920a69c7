//! Corrections from the detail view: a cursor over the customer's records (Tab), and what it
//! can do to the record it is on: void (`x`), return (`r`), correct (`c`), resolve (`o`), and
//! on a change from the audit log, restore the values it replaced. Every one is a typed change
//! that `u` takes back.

use super::action::{Action, Effect, FormRequest};
use super::app::{App, Confirm, Prompt, PromptKind};
use super::detail::{Pick, field_diff};
use super::update::move_cursor;
use crate::change::{AuditEntry, Change};
use crate::domain::{Customer, Interaction, Money, Purchase, Resolution, Void, refundable};
use crate::i18n::{tr_in, trf_in};
use crate::text::terminal_safe;

/// The record a void is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A purchase or a return.
    Purchase(Purchase),
    /// An interaction.
    Interaction(Interaction),
}

impl App {
    /// A key of the detail view that works on its records; None when `action` is not one.
    pub(super) fn on_records(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let picking = self.detail.pick.is_some();
        Some(match action {
            Action::PickRecord => {
                self.toggle_pick();
                vec![]
            }
            Action::Back if picking => {
                self.detail.pick = None;
                vec![]
            }
            Action::ShowChanges => self.toggle_changes(),
            Action::DeleteCustomer => self.ask_delete(),
            a if picking && self.move_pick(a) => vec![],
            Action::CorrectRecord if picking => self.correct_picked(),
            Action::VoidRecord
            | Action::RefundPurchase
            | Action::CorrectRecord
            | Action::ResolveComplaint
                if !picking =>
            {
                self.status = crate::notice!("tab selects a purchase, interaction or change first");
                vec![]
            }
            Action::VoidRecord => self.ask_void(),
            Action::RefundPurchase => self.ask_refund(),
            Action::ResolveComplaint => self.ask_resolve(),
            _ => return None,
        })
    }

    fn toggle_pick(&mut self) {
        let d = &mut self.detail;
        if d.pick.is_some() {
            d.pick = None;
        } else if d.picks().is_empty() {
            self.status = crate::notice!("no purchases or interactions yet");
        } else {
            d.pick = Some(0);
            // A viewer is not offered what their role refuses.
            self.status = if self.role == super::Role::Viewer {
                crate::notice!("j/k move · esc leaves")
            } else {
                crate::notice!("j/k move · x void · r return · c correct · o resolve · esc leaves")
            };
            self.scroll_to_pick();
        }
    }

    /// Moves the record cursor; true when `a` was a movement.
    fn move_pick(&mut self, a: &Action) -> bool {
        let n = self.detail.picks().len();
        let page = self.detail_height();
        let Some(at) = self.detail.pick.as_mut() else { return false };
        if !move_cursor(at, n, page, a) {
            return false;
        }
        self.scroll_to_pick();
        true
    }

    /// Scrolls the document so that the picked record's line is on screen.
    pub(super) fn scroll_to_pick(&mut self) {
        let Some(doc) = self.detail_document() else { return };
        let Some(line) = doc.picked else { return };
        let height = self.detail_height();
        let d = &mut self.detail;
        if line < d.scroll {
            d.scroll = line;
        } else if line >= d.scroll + height {
            d.scroll = line + 1 - height;
        }
    }

    fn toggle_changes(&mut self) -> Vec<Effect> {
        if self.detail.changes.take().is_some() {
            self.detail.clamp_pick();
            return vec![];
        }
        self.status = crate::notice!("reading the changes…");
        vec![Effect::LoadChanges(self.detail.id)]
    }

    /// The audit log's entries about a customer arrived.
    pub(super) fn on_changes_loaded(&mut self, customer: u64, entries: Vec<AuditEntry>) -> Vec<Effect> {
        if self.detail.id == customer {
            self.status = crate::notice!(
                "{} change(s); tab then c on one restores the values it replaced",
                entries.len()
            );
            self.detail.changes = Some(entries);
        }
        vec![]
    }

    fn ask_delete(&mut self) -> Vec<Effect> {
        let Some(row) = self.shop.read().model.get(self.detail.id).cloned() else { return vec![] };
        let c = &row.customer;
        let records = self.detail.history.as_ref().map(|h| h.purchases.len() + h.interactions.len());
        if records != Some(0) {
            self.status = crate::notice!(
                "only a customer without purchases or interactions can be deleted (merge the others)"
            );
            return vec![];
        }
        let name = terminal_safe(&c.name).into_owned();
        let question = vec![
            trf_in(self.lang, "Delete customer #{} {}?", &[&c.id, &name]),
            tr_in(self.lang, "u undoes it").to_string(),
        ];
        let change = Change::DeleteCustomer { id: c.id, revision: c.revision };
        let done = crate::notice!("deleted customer #{} {}", c.id, name);
        self.confirm = Some(Confirm::Commit { commit: Box::new(super::Commit { change, done }), question });
        vec![]
    }

    fn ask_void(&mut self) -> Vec<Effect> {
        let target = match self.detail.picked() {
            Some(Pick::Purchase(p)) if p.void.is_none() => Target::Purchase(p.clone()),
            Some(Pick::Interaction(i)) if i.void.is_none() => Target::Interaction(i.clone()),
            Some(Pick::Purchase(_) | Pick::Interaction(_)) => {
                self.status = crate::notice!("voided already (u takes a void back)");
                return vec![];
            }
            _ => {
                self.status = crate::notice!("only a purchase or an interaction can be voided");
                return vec![];
            }
        };
        self.prompt = Some(Prompt { kind: PromptKind::VoidReason(Box::new(target)), text: String::new() });
        vec![]
    }

    fn ask_refund(&mut self) -> Vec<Effect> {
        let (sale, history) = match (self.detail.picked(), self.detail.history.as_ref()) {
            (Some(Pick::Purchase(p)), Some(h)) if p.is_sale() => (p.clone(), h),
            _ => {
                self.status = crate::notice!("select a sale (not voided, not a return) to return");
                return vec![];
            }
        };
        let (money, items) = refundable(&sale, &history.purchases);
        if money.0 == 0 && items == 0 {
            self.status = crate::notice!("everything of this sale has come back already");
            return vec![];
        }
        let text = format!("{money} {items}");
        self.prompt = Some(Prompt { kind: PromptKind::Refund(Box::new(sale)), text });
        vec![]
    }

    fn ask_resolve(&mut self) -> Vec<Effect> {
        match self.detail.picked() {
            Some(Pick::Interaction(i)) if i.open_complaint() => {
                let kind = PromptKind::Resolve(Box::new(i.clone()));
                self.prompt = Some(Prompt { kind, text: String::new() });
            }
            _ => self.status = crate::notice!("select an open complaint to resolve"),
        }
        vec![]
    }

    fn correct_picked(&mut self) -> Vec<Effect> {
        let customer = self.detail.id;
        match self.detail.picked() {
            Some(Pick::Purchase(p)) if p.refund_of.is_none() && p.void.is_none() => {
                let id = p.id;
                self.open_form(FormRequest::CorrectPurchase { customer, id })
            }
            Some(Pick::Interaction(i)) if i.void.is_none() => {
                let id = i.id;
                self.open_form(FormRequest::CorrectInteraction { customer, id })
            }
            Some(Pick::Change(e)) => {
                let e = e.clone();
                self.ask_restore(&e)
            }
            _ => {
                self.status = crate::notice!("a return or a voided record is not corrected: u takes it back");
                vec![]
            }
        }
    }

    /// A change of the customer's fields: put back the values it replaced (asks first).
    fn ask_restore(&mut self, e: &AuditEntry) -> Vec<Effect> {
        let Some(row) = self.shop.read().model.get(self.detail.id).cloned() else { return vec![] };
        let restored = e.customer == row.customer.id && !e.before.is_empty();
        let Some(c) = restored.then(|| with_fields(&row.customer, &e.before)).flatten() else {
            self.status = crate::notice!("only a change of the customer's fields has values to restore");
            return vec![];
        };
        if c == *row.customer {
            self.status = crate::notice!("the customer has these values already");
            return vec![];
        }
        let diff = field_diff(&e.after, &e.before);
        let question = vec![
            tr_in(self.lang, "Restore the values before this change?").to_string(),
            terminal_safe(&diff).into_owned(),
        ];
        let done = crate::notice!("restored {}", terminal_safe(&diff));
        let commit = super::Commit { change: Change::SaveCustomer(c), done };
        self.confirm = Some(Confirm::Commit { commit: Box::new(commit), question });
        vec![]
    }

    /// The answer typed into a correction prompt.
    pub(super) fn submit_correction(&mut self, kind: PromptKind, text: String) -> Vec<Effect> {
        let now = chrono::DateTime::UNIX_EPOCH;
        match kind {
            PromptKind::VoidReason(target) => {
                // The App has no clock: the runtime stamps the void when it stores it.
                let void = Some(Void { at: now, by: self.operator.clone(), reason: text.clone() });
                let (change, done) = match *target {
                    Target::Purchase(before) => {
                        let done = crate::notice!("voided purchase of {} ({})", before.amount, text);
                        (Change::ReplacePurchase { after: Purchase { void, ..before.clone() }, before }, done)
                    }
                    Target::Interaction(before) => {
                        let done = crate::notice!(
                            "voided {} of {} ({})",
                            super::NoticeArg::Term(before.kind.key()),
                            before.date,
                            text
                        );
                        (
                            Change::ReplaceInteraction {
                                after: Interaction { void, ..before.clone() },
                                before,
                            },
                            done,
                        )
                    }
                };
                self.commit(change, done)
            }
            PromptKind::Refund(sale) => self.submit_refund(&sale, &text),
            PromptKind::Resolve(before) => {
                let mut after = (*before).clone();
                if let Some(c) = after.complaint.as_mut() {
                    c.resolved = true;
                    c.resolution = Some(Resolution { on: self.today, by: self.operator.clone(), note: text });
                }
                let done = crate::notice!("resolved the complaint of {}", before.date);
                self.commit(Change::ReplaceInteraction { before: *before, after }, done)
            }
            _ => vec![],
        }
    }

    /// "50" or "50 1": that much money (and that many items) of `sale` comes back today.
    fn submit_refund(&mut self, sale: &Purchase, text: &str) -> Vec<Effect> {
        let others = self.detail.history.as_ref().map(|h| h.purchases.clone()).unwrap_or_default();
        let (money, items) = refundable(sale, &others);
        let mut words = text.split_whitespace();
        let amount = words.next().map(Money::parse_non_negative);
        let quantity = words.next().map(|q| q.parse::<u32>());
        let parsed =
            match (amount, quantity) {
                (Some(Ok(a)), None) => Ok((a, if a == money { items } else { 0 })),
                (Some(Ok(a)), Some(Ok(q))) => Ok((a, q)),
                _ => Err(tr_in(self.lang, "type an amount, and the items after a space (e.g. 50.00 1)")
                    .to_string()),
            };
        let checked = parsed.and_then(|(a, q)| {
            if a > money || q > items {
                Err(trf_in(self.lang, "at most {} and {} item(s) are left to return", &[&money, &items]))
            } else {
                Purchase::refund(sale, self.today, a, q)
                    .map_err(|e| crate::i18n::domain_error_in(self.lang, &e))
            }
        });
        match checked {
            Ok(r) => {
                let done = crate::notice!("returned {} of the purchase of {}", r.amount, sale.date);
                self.commit(Change::AddPurchase(r), done)
            }
            Err(why) => {
                // Keep what was typed: the operator fixes it rather than starting over.
                self.status = crate::ui::Notice::text(why);
                let kind = PromptKind::Refund(Box::new(sale.clone()));
                self.prompt = Some(Prompt { kind, text: text.to_string() });
                vec![]
            }
        }
    }
}

/// `c` with the fields of a JSON object (an audit entry's "before") put back; None when they
/// do not make a customer (a field renamed since, a value that no longer reads).
fn with_fields(c: &Customer, fields: &str) -> Option<Customer> {
    let serde_json::Value::Object(fields) = serde_json::from_str(fields).ok()? else { return None };
    let serde_json::Value::Object(mut now) = serde_json::to_value(c).ok()? else { return None };
    for (k, v) in fields {
        if now.contains_key(&k) {
            now.insert(k, v);
        }
    }
    let restored: Customer = serde_json::from_value(serde_json::Value::Object(now)).ok()?;
    Some(Customer { id: c.id, revision: c.revision, ..restored })
}
