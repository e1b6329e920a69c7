//! Opting out in one key: `O` on a customer (list, detail, follow-ups) asks which channel —
//! `s` sms, `w` WeChat, `p` calls, `e` e-mail, `a` all — and the key that answers records a
//! "no" on it, dated today. The save is an ordinary customer save, so the audit log keeps who
//! and when (and names it "consent"), the customer's changes show it, and undo takes it back.
//!
//! Where the customer said it (the source kept with the answer) comes from the view: on the
//! follow-up queue staff are calling, so "phone"; elsewhere the customer is at the till.

use super::action::Effect;
use super::app::{App, Prompt, PromptKind, View};
use crate::domain::{Consent, ConsentSource, ContactChannel, Customer};
use chrono::NaiveDate;

/// The channels a key in the opt-out prompt stands for.
pub fn channels_for(key: char) -> Option<&'static [ContactChannel]> {
    Some(match key.to_ascii_lowercase() {
        's' => &[ContactChannel::Sms],
        'w' => &[ContactChannel::Wechat],
        'p' => &[ContactChannel::Phone],
        'e' => &[ContactChannel::Email],
        'a' => ContactChannel::ALL,
        _ => return None,
    })
}

/// `c` with a "no" recorded on `channels` on `day` from `source`; None when it already said no
/// on every one of them (nothing to save).
pub fn opted_out(
    c: &Customer,
    channels: &[ContactChannel],
    day: NaiveDate,
    source: ConsentSource,
) -> Option<Customer> {
    let mut out = c.clone();
    for &ch in channels {
        out.set_consent(ch, Consent::No, day, source);
    }
    (out != *c).then_some(out)
}

impl App {
    /// `O`: asks which channel the customer under the cursor opts out of.
    pub(super) fn ask_opt_out(&mut self) -> Vec<Effect> {
        let Some(customer) = self.current_customer() else { return vec![] };
        let source = if self.view == View::FollowUps { ConsentSource::Phone } else { ConsentSource::Till };
        self.prompt = Some(Prompt { kind: PromptKind::OptOut { customer, source }, text: String::new() });
        vec![]
    }

    /// The key that answers the opt-out prompt: a channel's letter saves at once.
    pub(super) fn answer_opt_out(&mut self, customer: u64, source: ConsentSource, key: char) -> Vec<Effect> {
        let Some(channels) = channels_for(key) else {
            self.status =
                crate::notice!("press s (sms), w (WeChat), p (calls), e (e-mail) or a (all); Esc cancels");
            return vec![];
        };
        self.prompt = None;
        let Some(row) = self.shop.read().model.get(customer).cloned() else {
            self.status = crate::notice!("customer #{} no longer exists", customer);
            return vec![];
        };
        let what = if channels.len() > 1 { "all channels" } else { channels[0].key() };
        match opted_out(&row.customer, channels, self.today, source) {
            Some(c) => {
                self.status = crate::notice!(
                    "{} opted out of {}…",
                    crate::text::terminal_safe(&c.name).into_owned(),
                    super::NoticeArg::Term(what)
                );
                vec![Effect::SaveCustomer(Box::new(c))]
            }
            None => {
                self.status =
                    crate::notice!("already opted out of {}; nothing changed", super::NoticeArg::Term(what));
                vec![]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opt_out_records_no_once() {
        let day = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let mut c = Customer::new("Li", chrono::DateTime::from_timestamp(0, 0).unwrap()).unwrap();
        c.set_consent(ContactChannel::Sms, Consent::Yes, day, ConsentSource::Form);
        let out = opted_out(&c, channels_for('a').unwrap(), day, ConsentSource::Till).unwrap();
        assert!(ContactChannel::ALL.iter().all(|&ch| out.consent(ch).answer == Consent::No));
        assert_eq!(opted_out(&out, channels_for('S').unwrap(), day, ConsentSource::Till), None);
        assert_eq!(channels_for('x'), None);
    }
}
