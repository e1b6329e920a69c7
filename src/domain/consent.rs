//! A customer's consent to be contacted, per channel: what they said, when, and where.
//!
//! Commercial SMS without consent is forbidden (PIPL and the MIIT rules), so kehu keeps the
//! answer per channel with the day it was given and its source, and a campaign list only ever
//! holds customers whose answer on its channel is yes. Unknown is not yes.

use super::DomainError;
use crate::keyed_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

keyed_enum! {
    /// What a customer answered to being contacted on one channel.
    Consent { Unknown => "unknown", Yes => "yes", No => "no" }
}
keyed_enum! {
    /// Where a consent answer was given or recorded.
    ConsentSource {
        Unknown => "unknown", Form => "form", Import => "import", Till => "till",
        Wechat => "wechat", Phone => "phone", Sms => "sms", Email => "email", Other => "other",
    }
}
keyed_enum! {
    /// A channel a shop contacts customers on, each with its own consent.
    ContactChannel { Sms => "sms", Wechat => "wechat", Phone => "phone", Email => "email" }
}

impl Consent {
    /// Reads an answer as shops write it: yes / no (also y, n, true, false, 1, 0, 是, 否, 同意,
    /// 不同意, 拒绝, 退订) and unknown (未知); blank is `None`: nothing said.
    pub fn parse_answer(text: &str) -> Result<Option<Consent>, DomainError> {
        let t = text.trim().to_lowercase();
        Ok(Some(match t.as_str() {
            "" => return Ok(None),
            "yes" | "y" | "true" | "1" | "是" | "同意" | "已同意" | "允许" => Consent::Yes,
            "no" | "n" | "false" | "0" | "否" | "不同意" | "拒绝" | "退订" | "不允许" => {
                Consent::No
            }
            "unknown" | "未知" | "未确认" => Consent::Unknown,
            _ => {
                return Err(DomainError::Invalid(format!(
                    "consent {:?} is not one of: yes, no, unknown (or 是, 否, 同意, 不同意), or blank",
                    text.trim()
                )));
            }
        }))
    }
}

/// One channel's consent: the answer, the day it was given and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConsent {
    /// What the customer said.
    pub answer: Consent,
    /// The day they said it (none while unknown).
    pub on: Option<NaiveDate>,
    /// Where it was given or recorded.
    pub source: ConsentSource,
}

impl Default for ChannelConsent {
    fn default() -> ChannelConsent {
        ChannelConsent { answer: Consent::Unknown, on: None, source: ConsentSource::Unknown }
    }
}

impl ChannelConsent {
    /// An answer given on `on` through `source`.
    pub fn given(answer: Consent, on: NaiveDate, source: ConsentSource) -> ChannelConsent {
        ChannelConsent { answer, on: Some(on), source }
    }

    /// Whether the customer may be contacted on this channel: only an explicit yes counts.
    pub fn allows(&self) -> bool {
        self.answer == Consent::Yes
    }

    /// "yes (2024-05-01, till)"; just "unknown" while nothing was said.
    pub fn describe(&self) -> String {
        match self.on {
            Some(d) => format!("{} ({d}, {})", self.answer.key(), self.source.key()),
            None => self.answer.key().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_english_and_chinese() {
        assert_eq!(Consent::parse_answer(" Yes ").unwrap(), Some(Consent::Yes));
        assert_eq!(Consent::parse_answer("同意").unwrap(), Some(Consent::Yes));
        assert_eq!(Consent::parse_answer("是").unwrap(), Some(Consent::Yes));
        assert_eq!(Consent::parse_answer("不同意").unwrap(), Some(Consent::No));
        assert_eq!(Consent::parse_answer("否").unwrap(), Some(Consent::No));
        assert_eq!(Consent::parse_answer("NO").unwrap(), Some(Consent::No));
        assert_eq!(Consent::parse_answer("").unwrap(), None);
        assert_eq!(Consent::parse_answer("unknown").unwrap(), Some(Consent::Unknown));
        assert!(Consent::parse_answer("maybe").unwrap_err().to_string().contains("yes, no"));
    }

    #[test]
    fn only_yes_allows() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        assert!(ChannelConsent::given(Consent::Yes, d, ConsentSource::Till).allows());
        assert!(!ChannelConsent::given(Consent::No, d, ConsentSource::Till).allows());
        assert!(!ChannelConsent::default().allows());
        assert_eq!(
            ChannelConsent::given(Consent::Yes, d, ConsentSource::Till).describe(),
            "yes (2024-05-01, till)"
        );
    }
}
