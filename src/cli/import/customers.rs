//! Customer rows: matched to a customer by ref, then phone, and every column the file has set.

use super::{Mode, Planner, RowResult, Target, parse_or};
use crate::cli::table::Cells;
use crate::domain::*;
use chrono::{TimeZone, Utc};

impl Planner<'_> {
    /// Plans one customer row: a new customer, or an update of the one it matches.
    pub(super) fn customer_row(&mut self, c: &Cells, line: u64) -> RowResult {
        let reference = c.get("ref");
        // An export's own id: rows with different ones are different customers.
        let file_id = c.get("id");
        if let Some(other) = self.plan.file_ids.get(file_id).filter(|_| !file_id.is_empty()) {
            let other_line = self.planned_rows.get(other).map_or(0, |r| r.0);
            return Err(format!("id {file_id} is also on line {other_line}"));
        }
        let phone = match c.get("phone") {
            "" => None,
            p => Some(Phone::parse(p).map_err(|e| e.to_string())?),
        };
        let existing = match self.find_existing(reference, phone.as_ref(), !file_id.is_empty())? {
            Some(Found::Planned(index)) => {
                let other_line = self.planned_rows.get(&index).map_or(0, |r| r.0);
                return Err(format!(
                    "phone {} also names the customer of line {other_line}, and a customer is named by one \
                     row only (give each a ref, or an id column as exports have)",
                    phone.map(|p| p.to_string()).unwrap_or_default()
                ));
            }
            Some(Found::Stored(id)) => Some(id),
            None => None,
        };
        let mut customer = match (existing, self.opts.mode) {
            (Some(id), Mode::Create) => {
                return Err(format!(
                    "customer #{id} already has this {}",
                    if reference.is_empty() { "phone" } else { "ref" }
                ));
            }
            (None, Mode::Update) => return Err("no customer has this ref or phone (--mode update)".into()),
            (Some(id), _) => {
                self.store.customer(id).map_err(|e| e.to_string())?.ok_or("customer vanished")?
            }
            (None, _) => {
                let created =
                    Utc.from_utc_datetime(&self.opts.today.and_hms_opt(0, 0, 0).unwrap_or_default());
                Customer::new("-", created).map_err(|e| e.to_string())?
            }
        };
        let referrer = fill_customer(&mut customer, c, phone)?;
        fill_members(&mut customer, c, self.opts.today)?;
        let index = self.plan.customers.len();
        if customer.id != 0 && !self.updated.insert(customer.id) {
            return Err(format!("customer #{} is matched by an earlier row too", customer.id));
        }
        if let Some(r) = &customer.reference {
            if self.refs.contains_key(r) {
                return Err(format!("ref {r:?} appears twice in this file"));
            }
            if let Some(owner) = self.store.id_by_ref(r).map_err(|e| e.to_string())?
                && owner != customer.id
            {
                return Err(format!("ref {r:?} already belongs to customer #{owner}"));
            }
        }
        if let Some(r) = referrer {
            self.plan.referrals.push((index, r, line));
        }
        let target = if customer.id == 0 { Target::New(index) } else { Target::Existing(customer.id) };
        if let Some(r) = &customer.reference {
            self.refs.insert(r.clone(), target);
        }
        if !file_id.is_empty() {
            self.plan.file_ids.insert(file_id.to_string(), index);
        }
        self.planned_rows.insert(index, (line, !file_id.is_empty()));
        if customer.id == 0 {
            if let Some(p) = &customer.phone {
                self.phones.entry(p.clone()).or_default().push(index);
            }
            self.plan.created += 1;
        } else {
            self.plan.updated += 1;
        }
        self.plan.customers.push(customer);
        Ok(())
    }

    /// Matches a customer row by ref, then by phone: a phone matches a customer without a
    /// different ref (households share phones), stored or created by an earlier row, as if that
    /// row had been imported before. Between rows that both carry an export's `id`, phones match
    /// nothing: the ids say they are different customers.
    fn find_existing(
        &self,
        reference: &str,
        phone: Option<&Phone>,
        has_id: bool,
    ) -> Result<Option<Found>, String> {
        let err = |e: crate::store::StoreError| e.to_string();
        if !reference.is_empty()
            && let Some(id) = self.store.id_by_ref(reference).map_err(err)?
        {
            return Ok(Some(Found::Stored(id)));
        }
        let Some(phone) = phone else { return Ok(None) };
        let fits = |other_ref: &str| other_ref.is_empty() || other_ref == reference || reference.is_empty();
        for id in self.store.ids_by_phone(phone).map_err(err)? {
            let other = self.store.customer(id).map_err(err)?;
            if fits(&other.and_then(|o| o.reference).unwrap_or_default()) {
                return Ok(Some(Found::Stored(id)));
            }
        }
        for &index in self.phones.get(phone).map(Vec::as_slice).unwrap_or_default() {
            let other_has_id = self.planned_rows.get(&index).is_some_and(|r| r.1);
            if !(has_id && other_has_id)
                && fits(self.plan.customers[index].reference.as_deref().unwrap_or(""))
            {
                return Ok(Some(Found::Planned(index)));
            }
        }
        Ok(None)
    }
}

/// The customer a row's ref or phone names.
enum Found {
    Stored(u64),
    /// Created by an earlier row of the file (index in the plan's customers).
    Planned(usize),
}

/// Sets every field the file has a column for; returns the referrer's ref to resolve later.
fn fill_customer(c: &mut Customer, cells: &Cells, phone: Option<Phone>) -> Result<Option<String>, String> {
    let e = |e: DomainError| e.to_string();
    c.set_name(cells.get("name")).map_err(e)?;
    if cells.has("ref") {
        c.set_reference(cells.get("ref")).map_err(e)?;
    }
    if cells.has("phone") {
        c.phone = phone;
    }
    if cells.has("email") {
        c.set_email(cells.get("email")).map_err(e)?;
    }
    if cells.has("gender") {
        c.gender = parse_or(cells, "gender", Gender::Unknown)?;
    }
    if cells.has("birthday") {
        c.birthday = match cells.get("birthday") {
            "" => None,
            d => Some(parse_date(d).map_err(|e| format!("birthday: {e}"))?),
        };
    }
    if cells.has("province") {
        check_len("province", cells.get("province"), MAX_NAME).map_err(e)?;
        c.province = cells.get("province").to_string();
    }
    if cells.has("city") {
        check_len("city", cells.get("city"), MAX_NAME).map_err(e)?;
        c.city = cells.get("city").to_string();
    }
    if cells.has("area_type") {
        c.area = parse_or(cells, "area_type", AreaType::Unknown)?;
    }
    if cells.has("source") {
        c.source = parse_or(cells, "source", Source::Unknown)?;
    }
    if cells.has("contact") {
        c.contact = parse_or(cells, "contact", ContactPref::Phone)?;
    }
    if cells.has("tags") {
        check_len("tags", cells.get("tags"), MAX_TEXT).map_err(e)?;
        c.set_tags(cells.get("tags"));
    }
    if cells.has("notes") {
        check_len("notes", cells.get("notes"), MAX_TEXT).map_err(e)?;
        c.notes = cells.get("notes").to_string();
    }
    if cells.has("points_redeemed") {
        c.set_points_redeemed(cells.get("points_redeemed")).map_err(e)?;
    }
    if cells.has("custom") && !cells.get("custom").is_empty() {
        c.custom = serde_json::from_str(cells.get("custom"))
            .map_err(|_| "custom must be a JSON object of strings".to_string())?;
    }
    for (key, value) in cells.custom_fields() {
        if value.is_empty() {
            c.custom.remove(key);
        } else {
            c.custom.insert(key.to_string(), value.to_string());
        }
    }
    // As the console's form shows and limits them, so that every imported card can be saved.
    let custom_len: usize = c.custom.iter().map(|(k, v)| k.chars().count() + v.chars().count() + 3).sum();
    if custom_len.saturating_sub(2) > MAX_TEXT {
        return Err(format!(
            "custom fields are too long ({} fields, {} characters as key=value; …, at most {MAX_TEXT})",
            c.custom.len(),
            custom_len - 2
        ));
    }
    if c.id == 0 && !cells.get("created").is_empty() {
        let d = parse_date(cells.get("created")).map_err(|e| format!("created: {e}"))?;
        c.created = Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
        c.updated = c.created;
    }
    Ok(match cells.get("referrer") {
        "" => {
            if cells.has("referrer") {
                c.referrer = None;
            }
            None
        }
        r => Some(r.to_string()),
    })
}

/// The consent columns and the channel each records.
const CONSENT_COLUMNS: [(&str, ContactChannel); 4] = [
    ("consent_sms", ContactChannel::Sms),
    ("consent_wechat", ContactChannel::Wechat),
    ("consent_phone", ContactChannel::Phone),
    ("consent_email", ContactChannel::Email),
];

/// Sets the member columns the file has. A consent answer is recorded as given on `today`
/// through the import, unless it is what the customer already said (an export imported back
/// keeps the day and source it had); a blank consent cell says nothing and changes nothing,
/// so that a partial sheet cannot wipe a recorded answer (write `unknown` to clear one).
fn fill_members(c: &mut Customer, cells: &Cells, today: chrono::NaiveDate) -> Result<(), String> {
    let named = |column: &str, e: DomainError| format!("{}: {e}", cells.column_name(column));
    for (column, channel) in CONSENT_COLUMNS {
        if let Some(answer) = Consent::parse_answer(cells.get(column)).map_err(|e| named(column, e))? {
            c.set_consent(channel, answer, today, ConsentSource::Import);
        }
    }
    if cells.has("child_birthday") {
        c.set_child_birthday(cells.get("child_birthday"), today).map_err(|e| named("child_birthday", e))?;
    }
    if cells.has("income") {
        c.income = parse_or(cells, "income", Income::Unknown)?;
    }
    if cells.has("education") {
        c.education = parse_or(cells, "education", Education::Unknown)?;
    }
    if cells.has("occupation") {
        c.set_occupation(cells.get("occupation")).map_err(|e| named("occupation", e))?;
    }
    Ok(())
}
