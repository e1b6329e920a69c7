//! Roles in the console: the one table of which action needs which role ([`need`]), and
//! refusing in `App::update` what the operator's role does not allow. A refused action does
//! nothing but say which role it needs and ask the runtime to record the refusal in the audit
//! log ([`Effect::AuditRefusal`]).
//!
//! | role | may |
//! | --- | --- |
//! | viewer | look: move, search, open, segments, follow-ups, duplicates, filters, help, changes; phones always masked |
//! | staff | and the till and forms: add and edit customers, purchases, interactions, tags, resolve complaints, not-a-duplicate marks, saved segments, consent and opt-outs; void, return and correct their own records; undo their own last change |
//! | manager | everything: reveal phones, merge, delete customers, other operators' records, undo over someone else's later change, refit the model, demo data, campaign lists (phones in full) |
//!
//! Only the keys of a view are checked: every popup (form, prompt, confirmation, merge) was
//! opened by a key this table let through, and asks nothing more.

use super::action::{Action, Effect};
use super::app::{App, View};
use super::detail::Pick;
use super::keymap::Mode;
pub use crate::domain::Role;
use std::collections::HashMap;

/// What an action needs: the least role, the action in words (for the notice and the audit
/// log), and whether it is about the customer the operator is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The least role that may.
    pub role: Role,
    /// The action in words: "merge customers".
    pub what: &'static str,
    /// Whether the refusal names the customer the operator is on.
    pub about_customer: bool,
}

/// Whose record a void, return or correction works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// Recorded by this operator.
    Own,
    /// Recorded by someone else (or by an import: no operator).
    Others,
}

/// Taking back one's last change when someone else has changed the same customer since: the
/// inverse would then undo their work too. (The customer is the change's, which the console is
/// not told: the entry names none.)
pub const UNDO_OVER_OTHERS: Need =
    Need { role: Role::Manager, what: "undo over another operator's change", about_customer: false };

/// The table: the role `action` needs when pressed in `mode` (a view's mode), `whose` being
/// the record a void, return or correction works on; None when anyone may.
pub fn need(action: &Action, mode: Mode, whose: Whose) -> Option<Need> {
    use Action::*;
    use Role::{Manager, Staff};
    let others = whose == Whose::Others;
    let (role, what, about_customer) = match action {
        RevealPhone => (Manager, "reveal a phone", true),
        DeleteCustomer => (Manager, "delete customer", true),
        Open if mode == Mode::Duplicates => (Manager, "merge customers", true),
        VoidRecord if others => (Manager, "void another operator's record", true),
        RefundPurchase if others => (Manager, "return another operator's sale", true),
        CorrectRecord if others => (Manager, "correct another operator's record", true),
        Refit | LoadDemo => (Manager, action.describe(), false),
        CampaignList => (Manager, "make a campaign list", false),
        RefundPurchase => (Staff, "return a sale", true),
        EditCustomer | RecordPurchase | LogInteraction | TagSelected | UntagSelected | VoidRecord
        | CorrectRecord | ResolveComplaint | NotDuplicate | OptOut => (Staff, action.describe(), true),
        AddCustomer | Undo | NewSegment | RenameSegment | DeleteSegment => (Staff, action.describe(), false),
        // The till's member accounts.
        TopUp | RedeemPoints => (Staff, action.describe(), true),
        OpenForm(request) => (Staff, request.title(), request.customer().is_some()),
        _ => return None,
    };
    Some(Need { role, what, about_customer })
}

/// Whether `role` may ever take `action` in `mode` (its own records, where that matters): what
/// the help lists.
pub fn may(role: Role, action: &Action, mode: Mode) -> bool {
    need(action, mode, Whose::Own).is_none_or(|n| role >= n.role)
}

/// Who recorded each purchase of a customer (None: no one the log names, e.g. an import), as
/// the runtime read it from the audit log for a void, return or correction by staff.
pub type Recorders = HashMap<u64, Option<String>>;

impl App {
    /// The role this console works in (manager unless a server set another).
    pub fn role(&self) -> Role {
        self.role
    }

    /// Sets the role (one per SSH key); a phone revealed before is hidden unless it may be.
    pub fn set_role(&mut self, role: Role) {
        self.role = role;
        if role < Role::Manager {
            self.revealed = None;
        }
    }

    /// Refuses `action` when the role does not allow it: then the effects (the refusal's audit
    /// entry, or reading who recorded the purchase it is about first); None lets it through.
    pub(super) fn refused(&mut self, action: &Action) -> Option<Vec<Effect>> {
        if self.role == Role::Manager || self.mode() != self.view_mode() {
            return None;
        }
        let mode = self.mode();
        let least = need(action, mode, Whose::Own)?;
        if self.role < least.role {
            return Some(self.refuse(least));
        }
        let on_record = matches!(action, Action::VoidRecord | Action::RefundPurchase | Action::CorrectRecord);
        if !on_record || self.view != View::Detail || self.detail.pick.is_none() {
            return None;
        }
        match self.whose_picked() {
            Some(Whose::Own) => None,
            Some(Whose::Others) => {
                let n = need(action, mode, Whose::Others)?;
                (self.role < n.role).then(|| self.refuse(n))
            }
            None => {
                // Who recorded a purchase is in the audit log: read it, then take the key again.
                self.detail.waiting = Some(action.clone());
                self.status = crate::notice!("checking who recorded this purchase…");
                Some(vec![Effect::LoadRecorders(self.detail.id)])
            }
        }
    }

    /// Says which role `need` needs, and asks for the refusal's audit entry.
    pub(super) fn refuse(&mut self, need: Need) -> Vec<Effect> {
        use super::NoticeArg::Term;
        self.status = crate::notice!(
            "{}: needs the {} role (you are {})",
            Term(need.what),
            Term(need.role.key()),
            Term(self.role.key())
        );
        let customer = if !need.about_customer {
            None
        } else if self.view == View::Duplicates {
            self.duplicates.current().map(|p| p.a)
        } else {
            self.current_customer()
        };
        vec![Effect::AuditRefusal {
            customer,
            operator: self.operator.clone(),
            what: need.what,
            needs: need.role,
            role: self.role,
        }]
    }

    /// Whose is the record under the detail's cursor; None while the purchase's recorder is
    /// not known yet. Nothing picked counts as own: the action then says what to pick.
    fn whose_picked(&self) -> Option<Whose> {
        let whose = |by: &str| {
            if !by.is_empty() && by == self.operator { Whose::Own } else { Whose::Others }
        };
        Some(match self.detail.picked() {
            None => Whose::Own,
            Some(Pick::Purchase(p)) => match self.detail.recorders.as_ref()?.get(&p.id)? {
                Some(by) => whose(by),
                None => Whose::Others,
            },
            // An interaction is signed by whoever logged it; a change by whoever made it.
            Some(Pick::Interaction(i)) => whose(&i.operator),
            Some(Pick::Change(e)) => whose(&e.operator),
        })
    }

    /// The runtime read who recorded the customer's purchases: the key that waited for it is
    /// taken again.
    pub(super) fn on_recorders_loaded(&mut self, customer: u64, recorders: Recorders) -> Vec<Effect> {
        if self.detail.id != customer {
            return vec![];
        }
        let mut recorders = recorders;
        let waiting = self.detail.waiting.take();
        // A purchase the answer does not name (gone meanwhile) is no one's: never ask again.
        if let (Some(_), Some(Pick::Purchase(p))) = (&waiting, self.detail.picked()) {
            recorders.entry(p.id).or_insert(None);
        }
        self.detail.recorders = Some(recorders);
        match waiting {
            // Unless the operator left the records (or the customer) meanwhile.
            Some(action)
                if self.view == View::Detail
                    && self.detail.pick.is_some()
                    && self.mode() == self.view_mode() =>
            {
                self.status.clear();
                self.apply(action)
            }
            _ => vec![],
        }
    }
}
