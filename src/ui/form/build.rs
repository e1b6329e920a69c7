//! The fields of each form and how their text becomes a domain record.

use super::field::{Choice, Input, TextInput};
use super::{Field, FieldId, Form, FormKind, FormOutput, Target};
use crate::domain::{
    AreaType, Channel, ComplaintType, Consent, ConsentSource, ContactChannel, ContactPref, Customer,
    DomainError, Education, Gender, Income, Interaction, InteractionKind, MAX_NAME, MAX_OCCUPATION, MAX_TEXT,
    Money, Outcome, Payment, Purchase, Rating, Severity, Source, check_custom, check_len, parse_date,
    parse_quantity,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The ways a sale is paid at the till, the usual first.
const PAYMENTS: &[Payment] =
    &[Payment::Cash, Payment::Mobile, Payment::Card, Payment::StoredValue, Payment::Points];

/// Room for a date typed with stray spaces; `parse_date` has the final word.
const DATE_LEN: usize = 32;

fn text(id: FieldId, label: &'static str, hint: &'static str, value: &str, max: usize) -> Field {
    Field { id, label, hint, input: Input::Text(TextInput::new(value, max)), error: None }
}

fn choice<E: Copy>(id: FieldId, label: &'static str, all: &[E], key: fn(E) -> &'static str, now: E) -> Field {
    let keys = all.iter().map(|&e| key(e)).collect();
    Field { id, label, hint: "", input: Input::Choice(Choice::new(keys, key(now))), error: None }
}

fn check(id: FieldId, label: &'static str, value: bool) -> Field {
    Field { id, label, hint: "", input: Input::Check(value), error: None }
}

impl Form {
    /// An empty "New customer" form; `now` stamps the record's created and updated times.
    pub fn new_customer(now: DateTime<Utc>) -> Form {
        // A literal, non-empty name cannot fail validation; the real name comes from the form.
        let base = Customer::new("new", now).expect("a literal name is valid");
        let mut fields = customer_fields(&base);
        fields[0] = text(FieldId::Name, "Name", "", "", MAX_NAME);
        let today = now.date_naive();
        let target = Target::Customer { base: Box::new(base), today: Some(today), on: today };
        Form::assemble("New customer".into(), FormKind::NewCustomer, target, fields)
    }

    /// A form over a stored customer; id, revision, timestamps, custom fields, referrer and
    /// points are carried through untouched.
    pub fn edit_customer(c: &Customer) -> Form {
        let target = Target::Customer { base: Box::new(c.clone()), today: None, on: c.updated.date_naive() };
        Form::assemble("Edit customer".into(), FormKind::EditCustomer, target, customer_fields(c))
            .with_subject(&c.name)
    }

    /// The point-of-sale form: amount first and focused, then how it is paid (cash unless
    /// chosen: stored value and points take it off the member's balances), quantity 1, date
    /// today, channel store.
    pub fn purchase(customer_id: u64, today: NaiveDate) -> Form {
        let fields = vec![
            text(FieldId::Amount, "Amount", "e.g. 12.50", "", 32),
            choice(FieldId::Payment, "Payment", PAYMENTS, Payment::key, Payment::Cash),
            text(FieldId::Quantity, "Quantity", "1", "1", 16),
            text(FieldId::Date, "Date", "YYYY-MM-DD", &today.to_string(), DATE_LEN),
            text(FieldId::Category, "Category", "", "", MAX_NAME),
            choice(FieldId::Channel, "Channel", Channel::ALL, Channel::key, Channel::Store),
            check(FieldId::Promo, "Promotion", false),
        ];
        let target = Target::Purchase { customer: customer_id, today, base: None };
        Form::assemble("Record purchase".into(), FormKind::Purchase, target, fields)
    }

    /// The purchase form over stored purchase `p`, to correct it (amount, quantity, date,
    /// category, channel, promotion); what it does not show is kept.
    pub fn correct_purchase(p: &Purchase, today: NaiveDate) -> Form {
        // A purchase from before the ledger says how it was paid only once corrected.
        let payments = if p.payment == Payment::Unknown { Payment::ALL } else { PAYMENTS };
        let fields = vec![
            text(FieldId::Amount, "Amount", "e.g. 12.50", &p.amount.to_string(), 32),
            choice(FieldId::Payment, "Payment", payments, Payment::key, p.payment),
            text(FieldId::Quantity, "Quantity", "1", &p.quantity.to_string(), 16),
            text(FieldId::Date, "Date", "YYYY-MM-DD", &p.date.to_string(), DATE_LEN),
            text(FieldId::Category, "Category", "", &p.category, MAX_NAME),
            choice(FieldId::Channel, "Channel", Channel::ALL, Channel::key, p.channel),
            check(FieldId::Promo, "Promotion", p.promo),
        ];
        let target = Target::Purchase { customer: p.customer, today, base: Some(Box::new(p.clone())) };
        Form::assemble("Correct purchase".into(), FormKind::Purchase, target, fields)
    }

    /// The "Log interaction" form, dated today and signed by `operator`.
    pub fn interaction(customer_id: u64, today: NaiveDate, operator: &str) -> Form {
        let mut blank = Interaction::new(customer_id, today, InteractionKind::Call, "")
            .expect("an empty call of today is a valid interaction");
        blank.complaint = None;
        let fields = interaction_fields(&blank);
        let target =
            Target::Interaction { customer: customer_id, today, operator: operator.to_string(), base: None };
        Form::assemble("Log interaction".into(), FormKind::Interaction, target, fields)
    }

    /// The interaction form over stored interaction `i`, to edit it; it keeps its operator.
    pub fn correct_interaction(i: &Interaction, today: NaiveDate) -> Form {
        let target = Target::Interaction {
            customer: i.customer,
            today,
            operator: i.operator.clone(),
            base: Some(Box::new(i.clone())),
        };
        Form::assemble("Edit interaction".into(), FormKind::Interaction, target, interaction_fields(i))
    }

    /// Turns the fields into a record, or lists every refused field with its reason.
    pub(super) fn validate(&self) -> Result<FormOutput, Vec<(FieldId, String)>> {
        let mut e = Errors(Vec::new(), self.lang);
        let out = match &self.target {
            Target::Customer { base, today, on } => {
                Some(FormOutput::Customer(self.customer(base, *today, *on, &mut e)))
            }
            Target::Purchase { customer, today, base } => self
                .purchase_record(*customer, *today, &mut e)
                .map(|p| FormOutput::Purchase(corrected_purchase(p, base.as_deref()))),
            Target::Interaction { customer, today, operator, base } => self
                .interaction_record(*customer, *today, operator, base.is_some(), &mut e)
                .map(|i| FormOutput::Interaction(corrected_interaction(i, base.as_deref()))),
        };
        match out {
            Some(out) if e.0.is_empty() => Ok(out),
            _ => Err(e.0),
        }
    }

    fn text_of(&self, id: FieldId) -> String {
        self.value(id).unwrap_or_default()
    }

    /// Whether the user changed a field since the form opened.
    fn changed(&self, id: FieldId) -> bool {
        self.fields.iter().zip(&self.initial).any(|(f, v)| f.id == id && f.input.value() != *v)
    }

    fn parsed<T: FromStr<Err = DomainError>>(&self, id: FieldId, e: &mut Errors) -> Option<T> {
        e.take(id, self.text_of(id).parse::<T>())
    }

    fn customer(&self, base: &Customer, today: Option<NaiveDate>, on: NaiveDate, e: &mut Errors) -> Customer {
        let mut c = base.clone();
        // On an edit, a text field left alone keeps its stored value exactly: a multi-line note
        // is not flattened by this single-line form, and an old value that today's rules would
        // refuse does not block fixing some other field.
        let editing = self.kind == FormKind::EditCustomer;
        let touched = |id| !editing || self.changed(id);
        let v = |id| self.text_of(id);
        if touched(FieldId::Name) {
            e.take(FieldId::Name, c.set_name(&v(FieldId::Name)));
        }
        if touched(FieldId::Reference) {
            e.take(FieldId::Reference, c.set_reference(&v(FieldId::Reference)));
        }
        if touched(FieldId::Phone) {
            e.take(FieldId::Phone, c.set_phone(&v(FieldId::Phone)));
        }
        if touched(FieldId::Email) {
            e.take(FieldId::Email, c.set_email(&v(FieldId::Email)));
        }
        if touched(FieldId::Birthday) {
            let b = v(FieldId::Birthday);
            c.birthday = if b.trim().is_empty() {
                None
            } else {
                e.take(FieldId::Birthday, not_after(&b, today, "birthday")).or(c.birthday)
            };
        }
        if touched(FieldId::Province) {
            let p = v(FieldId::Province);
            if e.take(FieldId::Province, check_len("province", p.trim(), MAX_NAME)).is_some() {
                c.province = p.trim().to_string();
            }
        }
        if touched(FieldId::City) {
            let p = v(FieldId::City);
            if e.take(FieldId::City, check_len("city", p.trim(), MAX_NAME)).is_some() {
                c.city = p.trim().to_string();
            }
        }
        if touched(FieldId::Tags) {
            let t = v(FieldId::Tags);
            if e.take(FieldId::Tags, check_len("tags", &t, MAX_TEXT)).is_some() {
                c.set_tags(&t);
            }
        }
        if touched(FieldId::Notes) {
            let n = v(FieldId::Notes);
            if e.take(FieldId::Notes, check_len("notes", n.trim(), MAX_TEXT)).is_some() {
                c.notes = n.trim().to_string();
            }
        }
        if touched(FieldId::Custom) {
            let text = v(FieldId::Custom);
            if let Some(custom) = e.take(FieldId::Custom, parse_custom(&text)) {
                c.custom = custom;
            }
        }
        c.gender = self.parsed(FieldId::Gender, e).unwrap_or(c.gender);
        c.area = self.parsed(FieldId::Area, e).unwrap_or(c.area);
        c.source = self.parsed(FieldId::Source, e).unwrap_or(c.source);
        c.contact = self.parsed(FieldId::Contact, e).unwrap_or(c.contact);
        self.members(&mut c, on, e);
        c
    }

    /// The member fields: a child's birthday (after the customer's own, which is set first),
    /// consent per channel (a changed answer is given on `on` through the form), stated traits.
    fn members(&self, c: &mut Customer, on: NaiveDate, e: &mut Errors) {
        if self.changed(FieldId::ChildBirthday) {
            e.take(FieldId::ChildBirthday, c.set_child_birthday(&self.text_of(FieldId::ChildBirthday), on));
        }
        for (id, channel) in CONSENT_FIELDS {
            if let Some(answer) = self.parsed::<Consent>(id, e) {
                c.set_consent(channel, answer, on, ConsentSource::Form);
            }
        }
        c.income = self.parsed(FieldId::Income, e).unwrap_or(c.income);
        c.education = self.parsed(FieldId::Education, e).unwrap_or(c.education);
        if self.changed(FieldId::Occupation) {
            e.take(FieldId::Occupation, c.set_occupation(&self.text_of(FieldId::Occupation)));
        }
    }

    fn purchase_record(&self, customer: u64, today: NaiveDate, e: &mut Errors) -> Option<Purchase> {
        let amount = e.take(FieldId::Amount, Money::parse_non_negative(&self.text_of(FieldId::Amount)));
        let quantity = e.take(FieldId::Quantity, parse_quantity(&self.text_of(FieldId::Quantity)));
        let date = e.take(FieldId::Date, not_after(&self.text_of(FieldId::Date), Some(today), "date"));
        let category = self.text_of(FieldId::Category);
        let category_ok = e.take(FieldId::Category, check_len("category", category.trim(), MAX_NAME));
        let channel: Option<Channel> = self.parsed(FieldId::Channel, e);
        let mut p = e.take(FieldId::Amount, Purchase::new(customer, date?, amount?, quantity?))?;
        category_ok?;
        e.take(FieldId::Category, p.set_category(&category))?;
        p.channel = channel?;
        p.promo = self.text_of(FieldId::Promo) == "yes";
        p.payment = self.parsed(FieldId::Payment, e).unwrap_or_default();
        Some(p)
    }

    fn interaction_record(
        &self,
        customer: u64,
        today: NaiveDate,
        operator: &str,
        editing: bool,
        e: &mut Errors,
    ) -> Option<Interaction> {
        let kind: Option<InteractionKind> = self.parsed(FieldId::Kind, e);
        let date = e.take(FieldId::Date, not_after(&self.text_of(FieldId::Date), Some(today), "date"));
        let r = self.text_of(FieldId::Rating);
        let rating = if r.trim().is_empty() {
            Some(None)
        } else {
            e.take(FieldId::Rating, Rating::parse(&r)).map(Some)
        };
        let f = self.text_of(FieldId::FollowUp);
        let follow_up = if f.trim().is_empty() {
            Some(None)
        } else if editing && !self.changed(FieldId::FollowUp) {
            // An old interaction's follow-up lies in the past: left alone, it stays.
            e.take(FieldId::FollowUp, parse_date(&f)).map(Some)
        } else {
            e.take(FieldId::FollowUp, not_before(&f, today)).map(Some)
        };
        let outcome: Option<Outcome> = self.parsed(FieldId::Outcome, e);
        let complaint_kind: Option<ComplaintType> = self.parsed(FieldId::ComplaintType, e);
        let severity: Option<Severity> = self.parsed(FieldId::Severity, e);
        let text = self.text_of(FieldId::Text).trim().to_string();
        let mut i = e.take(FieldId::Text, Interaction::new(customer, date?, kind?, &text))?;
        i.rating = rating?;
        i.follow_up = follow_up?;
        if let Some(c) = i.complaint.as_mut() {
            c.kind = complaint_kind?;
            c.severity = severity?;
            c.resolved = self.text_of(FieldId::Resolved) == "yes";
        }
        i.operator = operator.to_string();
        i.outcome = outcome?;
        if i.outcome == Outcome::NoAnswer && i.follow_up.is_none() {
            let why = "no answer: give the day to call back in Follow-up";
            e.0.push((FieldId::FollowUp, why.into()));
            return None;
        }
        Some(i)
    }
}

/// A corrected purchase keeps what the form does not show (id, return link, void, the points
/// it moved: the till works out new points when the amount or the payment changed).
fn corrected_purchase(p: Purchase, base: Option<&Purchase>) -> Purchase {
    match base {
        Some(b) => Purchase { id: b.id, refund_of: b.refund_of, void: b.void.clone(), points: b.points, ..p },
        None => p,
    }
}

/// An edited interaction keeps its id, its void and a complaint's resolution while it stays
/// resolved.
fn corrected_interaction(mut i: Interaction, base: Option<&Interaction>) -> Interaction {
    let Some(b) = base else { return i };
    i.id = b.id;
    i.void = b.void.clone();
    if let (Some(c), Some(old)) = (i.complaint.as_mut(), b.complaint.as_ref())
        && c.resolved
    {
        c.resolution = old.resolution.clone();
    }
    i
}

/// The interaction form's fields, filled from `i`.
fn interaction_fields(i: &Interaction) -> Vec<Field> {
    let complaint = i.complaint.as_ref();
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        choice(FieldId::Kind, "Kind", InteractionKind::ALL, InteractionKind::key, i.kind),
        text(FieldId::Date, "Date", "YYYY-MM-DD", &i.date.to_string(), DATE_LEN),
        text(FieldId::Text, "Text", "", &i.text, MAX_TEXT),
        text(
            FieldId::Rating,
            "Rating",
            "1-5, optional",
            &i.rating.map(|r| r.get().to_string()).unwrap_or_default(),
            8,
        ),
        choice(
            FieldId::ComplaintType,
            "Complaint",
            ComplaintType::ALL,
            ComplaintType::key,
            complaint.map_or(ComplaintType::Other, |c| c.kind),
        ),
        choice(
            FieldId::Severity,
            "Severity",
            Severity::ALL,
            Severity::key,
            complaint.map_or(Severity::Minor, |c| c.severity),
        ),
        check(FieldId::Resolved, "Resolved", complaint.is_some_and(|c| c.resolved)),
        choice(FieldId::Outcome, "Outcome", Outcome::ALL, Outcome::key, i.outcome),
        text(
            FieldId::FollowUp,
            "Follow-up",
            "YYYY-MM-DD; call back on, after no answer",
            &date(i.follow_up),
            DATE_LEN,
        ),
    ]
}

/// Reads `key=value; key=value` (blank: none); keys are unique and not empty.
fn parse_custom(text: &str) -> Result<BTreeMap<String, String>, DomainError> {
    check_len("custom fields", text.trim(), MAX_TEXT)?;
    let mut out = BTreeMap::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(DomainError::Invalid(format!("{part:?}: write key=value, separated by ;")));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(DomainError::Invalid(format!("{part:?}: the key before = is empty")));
        }
        if out.insert(k.to_string(), v.trim().to_string()).is_some() {
            return Err(DomainError::Invalid(format!("{k:?} is given twice")));
        }
    }
    check_custom(&out)?;
    Ok(out)
}

/// `key=value; key=value`, as the custom field shows the shop's own fields.
fn custom_text(custom: &BTreeMap<String, String>) -> String {
    custom.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

/// The consent fields and the channel each records.
const CONSENT_FIELDS: [(FieldId, ContactChannel); 4] = [
    (FieldId::ConsentSms, ContactChannel::Sms),
    (FieldId::ConsentWechat, ContactChannel::Wechat),
    (FieldId::ConsentPhone, ContactChannel::Phone),
    (FieldId::ConsentEmail, ContactChannel::Email),
];

/// The member fields of the customer form: a child's birthday, consent, stated traits.
fn member_fields(c: &Customer) -> Vec<Field> {
    let consent = |id, label, ch| choice(id, label, Consent::ALL, Consent::key, c.consent(ch).answer);
    vec![
        text(
            FieldId::ChildBirthday,
            "Child born",
            "YYYY-MM-DD",
            &c.child_birthday.map(|d| d.to_string()).unwrap_or_default(),
            DATE_LEN,
        ),
        consent(FieldId::ConsentSms, "SMS consent", ContactChannel::Sms),
        consent(FieldId::ConsentWechat, "WeChat consent", ContactChannel::Wechat),
        consent(FieldId::ConsentPhone, "Call consent", ContactChannel::Phone),
        consent(FieldId::ConsentEmail, "Email consent", ContactChannel::Email),
        choice(FieldId::Income, "Income", Income::ALL, Income::key, c.income),
        choice(FieldId::Education, "Education", Education::ALL, Education::key, c.education),
        text(FieldId::Occupation, "Occupation", "", &c.occupation, MAX_OCCUPATION),
    ]
}

/// The customer form's fields, filled from `c`.
fn customer_fields(c: &Customer) -> Vec<Field> {
    let opt = |s: Option<&str>| s.unwrap_or("").to_string();
    vec![
        text(FieldId::Name, "Name", "", &c.name, MAX_NAME),
        text(FieldId::Reference, "Ref", "member or card number", &opt(c.reference.as_deref()), 64),
        text(FieldId::Phone, "Phone", "e.g. 13812345678", &opt(c.phone.as_ref().map(|p| p.as_str())), 32),
        text(
            FieldId::Email,
            "Email",
            "e.g. name@example.com",
            &opt(c.email.as_ref().map(|e| e.as_str())),
            254,
        ),
        choice(FieldId::Gender, "Gender", Gender::ALL, Gender::key, c.gender),
        text(
            FieldId::Birthday,
            "Birthday",
            "YYYY-MM-DD",
            &c.birthday.map(|d| d.to_string()).unwrap_or_default(),
            DATE_LEN,
        ),
        text(FieldId::Province, "Province", "", &c.province, MAX_NAME),
        text(FieldId::City, "City", "", &c.city, MAX_NAME),
        choice(FieldId::Area, "Area type", AreaType::ALL, AreaType::key, c.area),
        choice(FieldId::Source, "Source", Source::ALL, Source::key, c.source),
        choice(FieldId::Contact, "Contact by", ContactPref::ALL, ContactPref::key, c.contact),
    ]
    .into_iter()
    .chain(member_fields(c))
    .chain([
        text(FieldId::Tags, "Tags", "e.g. vip, wholesale", &c.tags.join(", "), MAX_TEXT),
        text(FieldId::Notes, "Notes", "", &c.notes, MAX_TEXT),
        text(
            FieldId::Referrer,
            "Referred by",
            "#id or ref",
            &c.referrer.map(|r| format!("#{r}")).unwrap_or_default(),
            64,
        ),
        text(FieldId::Custom, "Own fields", "key=value; key=value", &custom_text(&c.custom), MAX_TEXT),
    ])
    .collect()
}

/// Parses a date that must not be later than `today` (when known).
fn not_after(s: &str, today: Option<NaiveDate>, what: &str) -> Result<NaiveDate, DomainError> {
    let d = parse_date(s)?;
    match today {
        Some(t) if d > t => Err(DomainError::Invalid(format!("{what} {d} is after today ({t})"))),
        _ => Ok(d),
    }
}

/// Parses a follow-up date, which must be today or later.
fn not_before(s: &str, today: NaiveDate) -> Result<NaiveDate, DomainError> {
    let d = parse_date(s)?;
    if d < today {
        return Err(DomainError::Invalid(format!("follow-up date {d} is before today ({today})")));
    }
    Ok(d)
}

/// The refused fields so far, in the order they were checked, worded in the form's language.
struct Errors(Vec<(FieldId, String)>, crate::i18n::Lang);

impl Errors {
    /// Keeps the value, or records the error against `id`.
    fn take<T>(&mut self, id: FieldId, r: Result<T, DomainError>) -> Option<T> {
        r.map_err(|err| self.0.push((id, crate::i18n::domain_error_in(self.1, &err)))).ok()
    }
}
