//! A shop's customer as recorded by staff.

use super::{
    ChannelConsent, Consent, ConsentSource, ContactChannel, DomainError, Education, Email, Income, Phone,
};
use crate::keyed_enum;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

keyed_enum! {
    /// Recorded gender.
    Gender { Unknown => "unknown", Female => "female", Male => "male", Other => "other" }
}
keyed_enum! {
    /// Where the customer lives, by settlement type.
    AreaType { Unknown => "unknown", Urban => "urban", Suburban => "suburban", Rural => "rural" }
}
keyed_enum! {
    /// How the customer first came to the shop.
    Source {
        Unknown => "unknown", Organic => "organic", Paid => "paid", Social => "social",
        Referral => "referral", Store => "store", Other => "other",
    }
}
keyed_enum! {
    /// The channel the customer prefers to be contacted by.
    ContactPref { Phone => "phone", Sms => "sms", Email => "email", Wechat => "wechat", None => "none" }
}

/// Longest name accepted, in characters.
pub const MAX_NAME: usize = 100;
/// Longest note accepted, in characters.
pub const MAX_TEXT: usize = 4000;
/// Longest operator name kept, in characters (they sign records and fill status lines).
pub const MAX_OPERATOR: usize = 40;

/// A customer record. `id` is assigned by the store; 0 means "not yet stored".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: u64,
    /// The shop's own member or card number, unique when present.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub gender: Gender,
    pub birthday: Option<NaiveDate>,
    pub province: String,
    pub city: String,
    pub area: AreaType,
    pub source: Source,
    /// The customer who referred this one.
    pub referrer: Option<u64>,
    pub contact: ContactPref,
    pub tags: Vec<String>,
    pub notes: String,
    pub custom: BTreeMap<String, String>,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// Loyalty points already spent.
    pub points_redeemed: i64,
    /// Bumped on every save, so that a stale edit can be detected.
    pub revision: u64,
    // Members: consent per channel, one child, stated traits. `default` lets the JSON of
    // changes recorded before these fields (undo, the changes view) still be read.
    /// Consent to commercial SMS.
    #[serde(default)]
    pub consent_sms: ChannelConsent,
    /// Consent to WeChat messages.
    #[serde(default)]
    pub consent_wechat: ChannelConsent,
    /// Consent to sales calls.
    #[serde(default)]
    pub consent_phone: ChannelConsent,
    /// Consent to e-mail marketing.
    #[serde(default)]
    pub consent_email: ChannelConsent,
    /// The birthday of the customer's child: one child, the one the shop sells for (a
    /// second child goes in the notes or an own field).
    #[serde(default)]
    pub child_birthday: Option<NaiveDate>,
    /// Stated monthly income band.
    #[serde(default = "unknown_income")]
    pub income: Income,
    /// Stated education.
    #[serde(default = "unknown_education")]
    pub education: Education,
    /// Stated occupation, free text.
    #[serde(default)]
    pub occupation: String,
}

fn unknown_income() -> Income {
    Income::Unknown
}

fn unknown_education() -> Education {
    Education::Unknown
}

impl Customer {
    /// A new customer with a validated name and every other field empty.
    pub fn new(name: &str, now: DateTime<Utc>) -> Result<Customer, DomainError> {
        let mut c = Customer {
            id: 0,
            reference: None,
            name: String::new(),
            phone: None,
            email: None,
            gender: Gender::Unknown,
            birthday: None,
            province: String::new(),
            city: String::new(),
            area: AreaType::Unknown,
            source: Source::Unknown,
            referrer: None,
            contact: ContactPref::Phone,
            tags: Vec::new(),
            notes: String::new(),
            custom: BTreeMap::new(),
            created: now,
            updated: now,
            points_redeemed: 0,
            revision: 0,
            consent_sms: ChannelConsent::default(),
            consent_wechat: ChannelConsent::default(),
            consent_phone: ChannelConsent::default(),
            consent_email: ChannelConsent::default(),
            child_birthday: None,
            income: Income::Unknown,
            education: Education::Unknown,
            occupation: String::new(),
        };
        c.set_name(name)?;
        Ok(c)
    }

    /// Sets the name after trimming; refuses an empty or overlong one.
    pub fn set_name(&mut self, name: &str) -> Result<(), DomainError> {
        let n = name.trim();
        if n.is_empty() {
            return Err(DomainError::EmptyName);
        }
        check_len("name", n, MAX_NAME)?;
        self.name = n.to_string();
        Ok(())
    }

    /// Sets the member/card number; blank clears it.
    pub fn set_reference(&mut self, r: &str) -> Result<(), DomainError> {
        let r = r.trim();
        check_len("ref", r, 64)?;
        self.reference = (!r.is_empty()).then(|| r.to_string());
        Ok(())
    }

    /// Sets the phone from text; blank clears it.
    pub fn set_phone(&mut self, p: &str) -> Result<(), DomainError> {
        self.phone = if p.trim().is_empty() { None } else { Some(Phone::parse(p)?) };
        Ok(())
    }

    /// Sets the email from text; blank clears it.
    pub fn set_email(&mut self, e: &str) -> Result<(), DomainError> {
        self.email = if e.trim().is_empty() { None } else { Some(Email::parse(e)?) };
        Ok(())
    }

    /// Sets the tags from a comma- or semicolon-separated list, dropping blanks and repeats.
    pub fn set_tags(&mut self, list: &str) {
        let mut tags: Vec<String> = Vec::new();
        for t in list.split([',', ';', '，']).map(str::trim).filter(|t| !t.is_empty()) {
            if !tags.iter().any(|x| x == t) {
                tags.push(t.to_string());
            }
        }
        self.tags = tags;
    }

    /// Sets the loyalty points already spent from text (blank is 0); refuses a negative or
    /// fractional figure: a negative one would give points that were never earned.
    pub fn set_points_redeemed(&mut self, text: &str) -> Result<(), DomainError> {
        let t = text.trim();
        self.points_redeemed = match t.parse::<i64>() {
            _ if t.is_empty() => 0,
            Ok(p) if p >= 0 => p,
            Ok(_) => return Err(DomainError::Invalid(format!("points_redeemed {t} is negative"))),
            Err(_) => {
                return Err(DomainError::Invalid(format!("points_redeemed {t:?} is not a whole number")));
            }
        };
        Ok(())
    }

    /// The consent recorded for `channel`.
    pub fn consent(&self, channel: ContactChannel) -> &ChannelConsent {
        match channel {
            ContactChannel::Sms => &self.consent_sms,
            ContactChannel::Wechat => &self.consent_wechat,
            ContactChannel::Phone => &self.consent_phone,
            ContactChannel::Email => &self.consent_email,
        }
    }

    /// Records `answer` on `channel`, given on `on` through `source`. Saying again what is
    /// already recorded keeps the first day and source: that is when it was given.
    pub fn set_consent(
        &mut self,
        channel: ContactChannel,
        answer: Consent,
        on: NaiveDate,
        source: ConsentSource,
    ) {
        let slot = match channel {
            ContactChannel::Sms => &mut self.consent_sms,
            ContactChannel::Wechat => &mut self.consent_wechat,
            ContactChannel::Phone => &mut self.consent_phone,
            ContactChannel::Email => &mut self.consent_email,
        };
        if slot.answer != answer {
            *slot = if answer == Consent::Unknown {
                ChannelConsent::default()
            } else {
                ChannelConsent::given(answer, on, source)
            };
        }
    }

    /// Whether the customer said yes to being contacted on `channel` and can be reached
    /// there (a phone for sms, phone and wechat, which is found by phone; an e-mail address).
    pub fn reachable_by(&self, channel: ContactChannel) -> bool {
        let address = match channel {
            ContactChannel::Email => self.email.is_some(),
            ContactChannel::Sms => self.phone.as_ref().is_some_and(Phone::takes_sms),
            ContactChannel::Phone | ContactChannel::Wechat => self.phone.is_some(),
        };
        address && self.consent(channel).allows()
    }

    /// Sets the child's birthday from text (blank clears it); refuses a day after `today` or
    /// before the customer's own birthday.
    pub fn set_child_birthday(&mut self, text: &str, today: NaiveDate) -> Result<(), DomainError> {
        if text.trim().is_empty() {
            self.child_birthday = None;
            return Ok(());
        }
        let d = super::parse_date(text)?;
        if d > today {
            return Err(DomainError::Invalid(format!("child's birthday {d} is after today ({today})")));
        }
        if let Some(own) = self.birthday.filter(|own| d < *own) {
            return Err(DomainError::Invalid(format!(
                "child's birthday {d} is before the customer's own ({own})"
            )));
        }
        self.child_birthday = Some(d);
        Ok(())
    }

    /// Sets the stated occupation after trimming; refuses an overlong one.
    pub fn set_occupation(&mut self, text: &str) -> Result<(), DomainError> {
        let t = text.trim();
        check_len("occupation", t, super::MAX_OCCUPATION)?;
        self.occupation = t.to_string();
        Ok(())
    }

    /// The customer's age in whole years on `today`, when the birthday is known.
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        self.birthday.and_then(|b| today.years_since(b))
    }
}

/// Refuses the shop's own fields when a field name is empty or longer than [`MAX_NAME`], or
/// the fields together (names and values) are longer than [`MAX_TEXT`]: what the customer
/// form and an import let in.
pub fn check_custom(custom: &BTreeMap<String, String>) -> Result<(), DomainError> {
    let mut total = 0;
    for (k, v) in custom {
        if k.trim().is_empty() {
            return Err(DomainError::Invalid("a custom field has no name".into()));
        }
        check_len("custom field name", k, MAX_NAME)?;
        total += k.chars().count() + v.chars().count();
    }
    if total > MAX_TEXT {
        return Err(DomainError::TooLong { field: "custom fields", len: total, max: MAX_TEXT });
    }
    Ok(())
}

/// An operator name as kehu keeps it, from wherever it came (`$USER`, an SSH key's comment):
/// control, bidi and invisible characters dropped (a name reordered by U+202E would sign as
/// someone else), cut to [`MAX_OPERATOR`] characters, trimmed. Empty when nothing is left.
pub fn operator_name(raw: &str) -> String {
    let kept: String = raw.chars().filter(|&c| !crate::text::needs_escape(c)).take(MAX_OPERATOR).collect();
    kept.trim().to_string()
}

/// Refuses text longer than `max` characters.
pub fn check_len(field: &'static str, s: &str, max: usize) -> Result<(), DomainError> {
    let len = s.chars().count();
    if len > max {
        return Err(DomainError::TooLong { field, len, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn name_is_required_and_trimmed() {
        assert_eq!(Customer::new("  王秀英 ", now()).unwrap().name, "王秀英");
        assert_eq!(Customer::new("  ", now()), Err(DomainError::EmptyName));
        assert!(Customer::new(&"x".repeat(MAX_NAME + 1), now()).is_err());
    }

    #[test]
    fn setters_validate_and_keep_old_value_on_error() {
        let mut c = Customer::new("Li", now()).unwrap();
        c.set_phone("13812345678").unwrap();
        assert!(c.set_phone("123").is_err());
        assert_eq!(c.phone.as_ref().unwrap().as_str(), "13812345678");
        c.set_phone("").unwrap();
        assert!(c.phone.is_none());
        c.set_tags("vip, baby，vip;;");
        assert_eq!(c.tags, vec!["vip", "baby"]);
        c.set_points_redeemed("120").unwrap();
        assert!(c.set_points_redeemed("-5").unwrap_err().to_string().contains("negative"));
        assert!(c.set_points_redeemed("1.5").is_err());
        assert_eq!(c.points_redeemed, 120);
        c.set_points_redeemed(" ").unwrap();
        assert_eq!(c.points_redeemed, 0);
    }

    #[test]
    fn custom_fields_and_operator_names_are_bounded() {
        let mut custom = BTreeMap::from([("size".to_string(), "M".to_string())]);
        assert!(check_custom(&custom).is_ok());
        custom.insert("k".repeat(MAX_NAME + 1), "x".into());
        assert!(check_custom(&custom).unwrap_err().to_string().contains("too long"));
        let custom = BTreeMap::from([("bio".to_string(), "x".repeat(MAX_TEXT))]);
        assert!(check_custom(&custom).is_err(), "names and values count together");
        assert_eq!(operator_name(" ann\u{202e}\u{1b}[2J "), "ann[2J");
        assert_eq!(operator_name(&"z".repeat(500)).len(), MAX_OPERATOR);
    }

    #[test]
    fn keyed_enums_parse_their_keys() {
        assert_eq!("Referral".parse::<Source>().unwrap(), Source::Referral);
        let e = "friend".parse::<Source>().unwrap_err().to_string();
        assert!(e.contains("organic, paid"), "{e}");
    }
}
