//! The till's member accounts: `b` tops up the stored value (the bonus and the new balance are
//! shown before anything is saved) and `R` redeems points for money off or a gift (points
//! that expired are written off first, and said so). From the list the customer's detail opens
//! first: the till sees the member it is working on. Each operation is one keyed change, so a
//! save the runtime repeats changes nothing.

use super::action::{Action, Effect};
use super::app::{App, Confirm, Prompt, PromptKind, View};
use crate::domain::{Money, Payment};
use crate::i18n::{self, tr_in, trf_in};
use crate::ledger::till;
use crate::text::terminal_safe;
use std::sync::atomic::{AtomicU64, Ordering};

/// A prefix no other console of this process has (the runtime makes it unique across
/// processes with [`App::set_key_prefix`]).
pub(super) fn fresh_prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("c{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

impl App {
    /// Sets where this console's idempotency keys start: the runtime gives one no other
    /// console has had (its process and start time).
    pub fn set_key_prefix(&mut self, prefix: &str) {
        self.key_prefix = prefix.to_string();
    }

    /// A key no other change of this console has.
    fn next_key(&mut self) -> String {
        self.keys_made += 1;
        format!("till:{}:{}:{}", self.operator, self.key_prefix, self.keys_made)
    }

    /// `b` or `R` on the list or the detail: the detail of the member opens (read first when
    /// needed), then the prompt.
    pub(super) fn on_till_key(&mut self, action: Action) -> Vec<Effect> {
        let id = match self.view {
            View::Detail => self.detail.id,
            _ => match self.current_customer() {
                Some(id) => id,
                None => return vec![],
            },
        };
        let loaded =
            self.view == View::Detail && self.detail.history.as_ref().is_some_and(|h| h.customer.id == id);
        if !loaded {
            let effects = self.open_detail(id);
            self.detail.after_load = Some(action);
            return effects;
        }
        let (now, expired) = self.balances_of(id);
        let kind = match action {
            Action::TopUp => PromptKind::TopUp { customer: id, stored: now.stored },
            _ => {
                if now.points - expired <= 0 {
                    self.status = crate::notice!("no points to redeem");
                    return vec![];
                }
                PromptKind::Redeem { customer: id, points: now.points - expired }
            }
        };
        self.prompt = Some(Prompt { kind, text: String::new() });
        vec![]
    }

    /// The history arrived: a till key pressed before it is taken again.
    pub(super) fn after_history(&mut self) -> Vec<Effect> {
        match self.detail.after_load.take() {
            Some(action) if self.view == View::Detail && self.mode() == self.view_mode() => {
                self.apply(action)
            }
            _ => vec![],
        }
    }

    /// The amount typed for a top-up: asks to confirm, showing the bonus and the new balance.
    pub(super) fn ask_top_up(&mut self, customer: u64, text: &str) -> Vec<Effect> {
        let lang = self.lang;
        let again = |app: &mut App, why: String| {
            app.status = crate::ui::Notice::text(why);
            let stored = app.balances_of(customer).0.stored;
            app.prompt =
                Some(Prompt { kind: PromptKind::TopUp { customer, stored }, text: text.to_string() });
            vec![]
        };
        let amount = match Money::parse_non_negative(text) {
            Ok(a) => a,
            Err(e) => return again(self, i18n::domain_error_in(lang, &e)),
        };
        let (now, _) = self.balances_of(customer);
        let rules = self.shop.read().clf.rules().clone();
        let t = match till::top_up(customer, now, amount, self.today, &rules) {
            Ok(t) => t,
            Err(why) => return again(self, why.words(lang)),
        };
        let name = self.name_of(customer);
        let m = |x: Money| i18n::money(lang, x);
        let mut question = vec![trf_in(lang, "Top up {} for {}?", &[&m(t.amount), &name])];
        if t.bonus.0 > 0 {
            question.push(trf_in(lang, "bonus {} (stored_value.bonus)", &[&m(t.bonus)]));
        }
        question.push(trf_in(lang, "stored value {} → {}", &[&m(now.stored), &m(t.after)]));
        let done = match t.bonus.0 {
            0 => crate::notice!("topped up {}: stored value {}", m(t.amount), m(t.after)),
            _ => crate::notice!("topped up {} (+{}): stored value {}", m(t.amount), m(t.bonus), m(t.after)),
        };
        let key = self.next_key();
        let commit = super::Commit { change: till::keyed(&key, t.entries), done };
        self.confirm = Some(Confirm::Commit { commit: Box::new(commit), question });
        vec![]
    }

    /// The points typed for a redemption (`N`, or `N gift`): asks to confirm, showing what
    /// they take off (or the gift) and the new balance.
    pub(super) fn ask_redeem(&mut self, customer: u64, text: &str) -> Vec<Effect> {
        let lang = self.lang;
        let (now, expired) = self.balances_of(customer);
        let again = |app: &mut App, why: String| {
            app.status = crate::ui::Notice::text(why);
            let points = now.points - expired;
            app.prompt =
                Some(Prompt { kind: PromptKind::Redeem { customer, points }, text: text.to_string() });
            vec![]
        };
        let (n, gift) = text.trim().split_once(char::is_whitespace).unwrap_or((text.trim(), ""));
        let Ok(n) = n.parse::<i64>() else {
            return again(
                self,
                tr_in(lang, "type the points to redeem, and a gift after a space (e.g. 500 奶瓶)").into(),
            );
        };
        let entries =
            self.detail.history.as_ref().filter(|h| h.customer.id == customer).map(|h| h.ledger.clone());
        let entries = entries.unwrap_or_default();
        let rules = self.shop.read().clf.rules().clone();
        let r = match till::redeem(customer, &entries, n, gift, self.today, &rules) {
            Ok(r) => r,
            Err(why) => return again(self, why.words(lang)),
        };
        let name = self.name_of(customer);
        let what = match gift.trim() {
            "" => trf_in(lang, "{} off", &[&i18n::money(lang, r.off)]),
            g => terminal_safe(g).into_owned(),
        };
        let mut question = vec![trf_in(lang, "Redeem {} points ({}) for {}?", &[&n, &what, &name])];
        if r.expired > 0 {
            question.push(trf_in(lang, "{} expired points are written off first", &[&r.expired]));
        }
        question.push(trf_in(lang, "points {} → {}", &[&(now.points - expired), &r.after]));
        let done = crate::notice!("redeemed {} points ({}): {} left", n, what, r.after);
        let key = self.next_key();
        let commit = super::Commit { change: till::keyed(&key, r.entries), done };
        self.confirm = Some(Confirm::Commit { commit: Box::new(commit), question });
        vec![]
    }

    /// "王小明 #12", safe to draw.
    fn name_of(&self, id: u64) -> String {
        format!("{} #{id}", self.safe_name(id))
    }
}

/// How a purchase was paid, for its line in the detail: nothing for the usual ways, said for
/// what comes off a member's balances.
pub fn payment_note(p: Payment, lang: crate::i18n::Lang) -> &'static str {
    match p {
        Payment::StoredValue => tr_in(lang, " from stored value"),
        Payment::Points => tr_in(lang, " with points"),
        _ => "",
    }
}
