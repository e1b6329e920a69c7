//! A customer's fields as label and value in a language: what the detail view and `kehu show`
//! both list, so the two never disagree on a label or a translation.

use crate::domain::{Consent, ContactChannel, Customer, Education, Income};
use crate::i18n::{self, Lang, class_label, tr_in};
use crate::text::terminal_safe;

/// The fields of `c` with a value, labelled in `lang` (notes apart: they take lines of their
/// own); `phone` is the phone as it may be shown (masked or not).
pub fn customer_fields(c: &Customer, phone: String, lang: Lang) -> Vec<(String, String)> {
    let safe = |s: &str| terminal_safe(s).into_owned();
    let class = |dim: &str, key: &'static str| class_label(lang, dim, key).unwrap_or(key).to_string();
    let mut out: Vec<(String, String)> = vec![
        (tr_in(lang, "ref").into(), safe(c.reference.as_deref().unwrap_or(""))),
        (tr_in(lang, "phone").into(), phone),
        (tr_in(lang, "email").into(), c.email.as_ref().map(|e| safe(e.as_str())).unwrap_or_default()),
        (tr_in(lang, "gender").into(), tr_in(lang, c.gender.key()).into()),
        (tr_in(lang, "birthday").into(), c.birthday.map(|d| i18n::date(lang, d)).unwrap_or_default()),
        (tr_in(lang, "region").into(), safe(format!("{} {}", c.province, c.city).trim())),
        (tr_in(lang, "area").into(), class("area_type", c.area.key())),
        (tr_in(lang, "source").into(), class("source", c.source.key())),
        (tr_in(lang, "referrer").into(), c.referrer.map(|r| format!("#{r}")).unwrap_or_default()),
        (tr_in(lang, "contact").into(), class("contact", c.contact.key())),
        (tr_in(lang, "tags").into(), safe(&c.tags.join(", "))),
    ];
    out.extend(member_fields(c, lang));
    out.extend(c.custom.iter().map(|(k, v)| (safe(k), safe(v))));
    out.push((tr_in(lang, "created").into(), i18n::date(lang, c.created.date_naive())));
    out.retain(|(_, v)| !v.is_empty());
    out
}

/// The member fields with a value: the child's birthday, each channel's consent once
/// something was said ("sms yes · 2024-05-01 · till"), stated income, education and occupation.
fn member_fields(c: &Customer, lang: Lang) -> Vec<(String, String)> {
    let class = |dim: &str, key: &'static str| class_label(lang, dim, key).unwrap_or(key).to_string();
    let mut out = vec![(
        tr_in(lang, "child born").to_string(),
        c.child_birthday.map(|d| i18n::date(lang, d)).unwrap_or_default(),
    )];
    // One row per channel something was said on, under one label.
    let mut label = tr_in(lang, "consent");
    for channel in ContactChannel::ALL.iter().copied() {
        let given = c.consent(channel);
        if given.answer == Consent::Unknown {
            continue;
        }
        let mut value = format!("{} {}", tr_in(lang, channel.key()), class("consent", given.answer.key()));
        if let Some(d) = given.on {
            value += &format!(" · {} · {}", i18n::date(lang, d), class("consent_source", given.source.key()));
        }
        out.push((std::mem::take(&mut label).to_string(), value));
    }
    if c.income != Income::Unknown {
        out.push((tr_in(lang, "income").into(), class("income", c.income.key())));
    }
    if c.education != Education::Unknown {
        out.push((tr_in(lang, "education").into(), class("education", c.education.key())));
    }
    out.push((tr_in(lang, "occupation").into(), terminal_safe(&c.occupation).into_owned()));
    out
}
