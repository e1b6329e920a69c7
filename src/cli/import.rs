//! `kehu import`: CSV files in, all or nothing.
//!
//! Every row is validated before anything is written; one bad row refuses the whole file and
//! every bad row is reported as `line N: reason`. A good file is written in one transaction.

use super::Kind;
use super::table::{Cells, CsvFile, LineError};
use crate::domain::*;
use crate::store::{ChangeSet, Store};
use chrono::{NaiveDate, TimeZone, Utc};
use clap::ValueEnum;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

/// How customer rows meet customers already in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Only new customers; a row matching an existing one is an error.
    Create,
    /// Only existing customers; a row matching none is an error.
    Update,
    /// New customers are created, existing ones updated.
    Upsert,
}

/// What `kehu import` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Kind,
    pub create_missing: bool,
    pub dry_run: bool,
    pub mode: Mode,
    pub today: NaiveDate,
}

/// Columns of a customer file.
pub const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "ref",
    "name",
    "phone",
    "email",
    "gender",
    "birthday",
    "province",
    "city",
    "area_type",
    "source",
    "referrer",
    "contact",
    "tags",
    "notes",
    "points_redeemed",
    "custom",
    "created",
];
/// Columns of a purchase file, in the order export writes them.
/// `refund_of` names the `id` of a sale row in the same file; rows with `voided` set are kept in
/// exports for the record and skipped on import (a voided entry counted nowhere).
pub const PURCHASE_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "ref",
    "date",
    "amount",
    "quantity",
    "category",
    "channel",
    "promo",
    "refund_of",
    "voided",
];
/// Columns of an interaction file, in the order export writes them.
pub const INTERACTION_COLUMNS: &[&str] = &[
    "id",
    "customer_id",
    "ref",
    "date",
    "kind",
    "text",
    "rating",
    "complaint_type",
    "severity",
    "resolved",
    "follow_up",
    "operator",
    "outcome",
    "voided",
];
/// Read on import only: the name of a customer that `--create-missing` creates.
const NAME_FOR_NEW: &[&str] = &["name"];

/// The validated content of a file, before ids are assigned.
#[derive(Default)]
struct Plan {
    /// Customers to write; `id == 0` marks a new one.
    customers: Vec<Customer>,
    /// Referrer refs to resolve once new customers have ids: (index in `customers`, ref, line).
    referrals: Vec<(usize, String, u64)>,
    purchases: Vec<(Target, Purchase)>,
    interactions: Vec<(Target, Interaction)>,
    created: usize,
    updated: usize,
    /// Member numbers a merge took away, named by rows, and the customer they now lead to.
    former: std::collections::BTreeMap<String, u64>,
    /// Rows marked voided: kept by the file for the record, imported nowhere.
    voided: usize,
    /// Returns: (index in `purchases`, index in `purchases` of the sale they give back).
    refunds: Vec<(usize, usize)>,
}

/// Which customer a purchase or interaction row belongs to.
#[derive(Clone, Copy)]
enum Target {
    Existing(u64),
    /// A customer created by this import (index in `Plan::customers`).
    New(usize),
}

/// Runs an import and reports to `out`; errors in the file give exit code 1.
pub fn run(store: &dyn Store, path: &Path, opts: &Options, out: &mut dyn Write) -> anyhow::Result<i32> {
    run_to(store, path, opts, out, &mut std::io::stderr().lock())
}

/// [`run`] with the refusal (`line N: reason` for every bad row) written to `err`.
pub fn run_to(
    store: &dyn Store,
    path: &Path,
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let file = CsvFile::read(path)?;
    let (plan, errors) = plan(store, &file, opts)?;
    if !errors.is_empty() {
        for e in &errors {
            writeln!(err, "{}", crate::text::terminal_safe(&e.to_string()))?;
        }
        writeln!(err, "kehu: {} refused: {} bad row(s); nothing was imported", path.display(), errors.len())?;
        return Ok(1);
    }
    let mut summary = format!(
        "{} customers created, {} updated, {} purchases, {} interactions",
        plan.created,
        plan.updated,
        plan.purchases.len(),
        plan.interactions.len()
    );
    if plan.voided > 0 {
        summary.push_str(&format!(" ({} voided rows skipped)", plan.voided));
    }
    if opts.dry_run {
        writeln!(
            out,
            "{}: all {} rows valid; would import {summary}; nothing written (--dry-run)",
            path.display(),
            file.rows.len()
        )?;
        return Ok(0);
    }
    if !plan.former.is_empty() {
        let list: Vec<String> = plan.former.iter().map(|(r, id)| format!("{r} → #{id}")).collect();
        writeln!(
            err,
            "kehu: rows name member numbers merged into other customers; they go to the survivor: {}",
            crate::text::terminal_safe(&list.join(", "))
        )?;
    }
    let set = assign_ids(store, plan)?;
    let kind = format!("{:?}", opts.kind).to_lowercase();
    let source = format!("import {kind} {}", path.display());
    store.commit(crate::change::Change::Batch { set, source }, &crate::tui::operator())?;
    writeln!(out, "{}: imported {summary}", path.display())?;
    Ok(0)
}

/// The most a row may hold: well under the store's 1 MiB per record, whatever columns it has.
const MAX_ROW_BYTES: usize = 256 * 1024;

/// Validates every row; returns the plan and the bad rows.
fn plan(store: &dyn Store, file: &CsvFile, opts: &Options) -> anyhow::Result<(Plan, Vec<LineError>)> {
    let known: Vec<&str> = match opts.kind {
        Kind::Customers => CUSTOMER_COLUMNS.to_vec(),
        Kind::Purchases => [PURCHASE_COLUMNS, NAME_FOR_NEW].concat(),
        Kind::Interactions => [INTERACTION_COLUMNS, NAME_FOR_NEW].concat(),
    };
    let mut errors = file.errors.clone();
    let unknown = file.unknown_columns(&known, opts.kind == Kind::Customers);
    if !unknown.is_empty() {
        errors.push(LineError {
            line: 1,
            reason: format!("unknown column(s) {} (known: {})", unknown.join(", "), known.join(", ")),
        });
        return Ok((Plan::default(), errors));
    }
    let mut ctx = Planner {
        store,
        opts,
        plan: Plan::default(),
        refs: HashMap::new(),
        phones: HashMap::new(),
        updated: HashSet::new(),
        sale_rows: HashMap::new(),
        voided_sales: HashSet::new(),
        returns: Vec::new(),
    };
    let need = match opts.kind {
        Kind::Customers => &["name"][..],
        Kind::Purchases => &["date", "amount"][..],
        Kind::Interactions => &["date", "kind"][..],
    };
    let missing: Vec<&str> = need.iter().copied().filter(|c| file.column(c).is_none()).collect();
    if !missing.is_empty() {
        errors.push(LineError { line: 1, reason: format!("missing column(s) {}", missing.join(", ")) });
        return Ok((ctx.plan, errors));
    }
    if opts.kind != Kind::Customers && file.column("ref").is_none() && file.column("customer_id").is_none() {
        errors.push(LineError {
            line: 1,
            reason: "needs a ref or customer_id column to name the customer".into(),
        });
        return Ok((ctx.plan, errors));
    }
    for (line, record) in &file.rows {
        // The store refuses a record over 1 MiB; refuse its row here, where the line is known.
        let size = record.as_slice().len();
        if size > MAX_ROW_BYTES {
            let reason = format!("the row holds {size} bytes, more than a record takes ({MAX_ROW_BYTES})");
            errors.push(LineError { line: *line, reason });
            continue;
        }
        let cells = file.cell(record);
        let result = match opts.kind {
            Kind::Customers => ctx.customer_row(&cells, *line),
            Kind::Purchases => ctx.purchase_row(&cells, *line),
            Kind::Interactions => ctx.interaction_row(&cells),
        };
        if let Err(reason) = result {
            errors.push(LineError { line: *line, reason });
        }
    }
    for (_, r, line) in &ctx.plan.referrals {
        if !ctx.refs.contains_key(r) && resolve_referrer(store, &[], r).is_err() {
            errors
                .push(LineError { line: *line, reason: format!("referrer {r:?} is not a known ref or #id") });
        }
    }
    ctx.link_refunds(&mut errors);
    errors.sort_by_key(|e| e.line);
    Ok((ctx.plan, errors))
}

/// Row-by-row validation state: the plan so far and what the file itself has introduced.
struct Planner<'a> {
    store: &'a dyn Store,
    opts: &'a Options,
    plan: Plan,
    /// Refs seen in this file → the customer they name.
    refs: HashMap<String, Target>,
    /// Phones of customers created by this file → their index, so that a repeated row matches.
    phones: HashMap<Phone, usize>,
    /// Existing customers already updated by an earlier row.
    updated: HashSet<u64>,
    /// A purchase row's `id` in the file → its index in the plan, for `refund_of`.
    sale_rows: HashMap<String, usize>,
    /// The `id`s of sale rows marked voided: their returns count nowhere either.
    voided_sales: HashSet<String>,
    /// Returns waiting for their sale: (index in the plan, the sale's `id` in the file, line).
    returns: Vec<(usize, String, u64)>,
}

type RowResult = Result<(), String>;

impl Planner<'_> {
    fn customer_row(&mut self, c: &Cells, line: u64) -> RowResult {
        let reference = c.get("ref");
        let phone = match c.get("phone") {
            "" => None,
            p => Some(Phone::parse(p).map_err(|e| e.to_string())?),
        };
        let existing = self.find_existing(reference, phone.as_ref())?;
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
        if customer.id == 0 {
            if let Some(p) = &customer.phone {
                self.phones.insert(p.clone(), index);
            }
            self.plan.created += 1;
        } else {
            self.plan.updated += 1;
        }
        self.plan.customers.push(customer);
        Ok(())
    }

    /// Matches a customer row by ref, then by phone (only a customer without a different ref).
    fn find_existing(&self, reference: &str, phone: Option<&Phone>) -> Result<Option<u64>, String> {
        let err = |e: crate::store::StoreError| e.to_string();
        if !reference.is_empty()
            && let Some(id) = self.store.id_by_ref(reference).map_err(err)?
        {
            return Ok(Some(id));
        }
        let Some(phone) = phone else { return Ok(None) };
        if self.phones.contains_key(phone) {
            return Err(format!("phone {phone} belongs to a customer created earlier in this file"));
        }
        for id in self.store.ids_by_phone(phone).map_err(err)? {
            let other = self.store.customer(id).map_err(err)?;
            let other_ref = other.and_then(|o| o.reference).unwrap_or_default();
            if other_ref.is_empty() || other_ref == reference || reference.is_empty() {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    fn purchase_row(&mut self, c: &Cells, line: u64) -> RowResult {
        if !c.get("voided").is_empty() {
            if c.get("refund_of").is_empty() && !c.get("id").is_empty() {
                self.voided_sales.insert(c.get("id").to_string());
            }
            self.plan.voided += 1;
            return Ok(());
        }
        let target = self.target(c)?;
        let date = self.past_date(c.get("date"), "date")?;
        let amount = Money::parse_non_negative(c.get("amount")).map_err(|e| e.to_string())?;
        let is_return = !c.get("refund_of").is_empty();
        // A return may give back money without items (a price adjustment): 0 is a quantity there.
        let quantity = match c.get("quantity").trim() {
            "0" if is_return => 0,
            q => parse_quantity(q).map_err(|e| e.to_string())?,
        };
        let mut p = match Purchase::new(0, date, amount, quantity.max(1)) {
            Ok(p) => Purchase { quantity, ..p },
            Err(e) => return Err(e.to_string()),
        };
        if is_return && amount.0 == 0 && quantity == 0 {
            return Err("a return gives back money, items or both".into());
        }
        p.category = c.get("category").to_string();
        p.channel = parse_or(c.get("channel"), Channel::Store)?;
        p.promo = parse_flag(c.get("promo")).map_err(|e| format!("promo: {e}"))?;
        let index = self.plan.purchases.len();
        match c.get("refund_of") {
            "" => {
                let id = c.get("id");
                if !id.is_empty() && self.sale_rows.insert(id.to_string(), index).is_some() {
                    return Err(format!("id {id} appears on two sale rows"));
                }
            }
            of => self.returns.push((index, of.to_string(), line)),
        }
        self.plan.purchases.push((target, p));
        Ok(())
    }

    /// Links every return to its sale row and checks that the returns of a sale give back no
    /// more than it took, for the same customer.
    fn link_refunds(&mut self, errors: &mut Vec<LineError>) {
        let mut left: HashMap<usize, (i64, u32)> = HashMap::new();
        let mut dropped = HashSet::new();
        for (index, of, line) in std::mem::take(&mut self.returns) {
            // A sale voided after some of it came back (the export keeps both): its returns
            // go with it, as they count nowhere in the shop the file came from.
            if self.voided_sales.contains(&of) && !self.sale_rows.contains_key(&of) {
                dropped.insert(index);
                self.plan.voided += 1;
                continue;
            }
            let Some(&sale) = self.sale_rows.get(&of).filter(|_| !of.is_empty()) else {
                let reason = format!("refund_of {of:?} names no sale row's id in this file");
                errors.push(LineError { line, reason });
                continue;
            };
            let (target, p) = &self.plan.purchases[index];
            let (sale_target, s) = &self.plan.purchases[sale];
            if !same_target(*target, *sale_target) {
                let reason = format!("refund_of {of}: that sale belongs to another customer");
                errors.push(LineError { line, reason });
                continue;
            }
            let rest = left.entry(sale).or_insert((s.amount.0, s.quantity));
            if p.amount.0 > rest.0 || p.quantity > rest.1 {
                let reason = format!("refund_of {of}: gives back more than is left of the sale");
                errors.push(LineError { line, reason });
                continue;
            }
            rest.0 -= p.amount.0;
            rest.1 -= p.quantity;
            self.plan.refunds.push((index, sale));
        }
        self.drop_purchases(&dropped);
    }

    /// Takes the rows at `dropped` out of the plan's purchases, keeping the returns' links.
    fn drop_purchases(&mut self, dropped: &HashSet<usize>) {
        if dropped.is_empty() {
            return;
        }
        let mut new_index = vec![usize::MAX; self.plan.purchases.len()];
        let mut kept = Vec::with_capacity(self.plan.purchases.len() - dropped.len());
        for (i, row) in std::mem::take(&mut self.plan.purchases).into_iter().enumerate() {
            if !dropped.contains(&i) {
                new_index[i] = kept.len();
                kept.push(row);
            }
        }
        self.plan.purchases = kept;
        for (index, sale) in &mut self.plan.refunds {
            (*index, *sale) = (new_index[*index], new_index[*sale]);
        }
    }

    fn interaction_row(&mut self, c: &Cells) -> RowResult {
        if !c.get("voided").is_empty() {
            self.plan.voided += 1;
            return Ok(());
        }
        let target = self.target(c)?;
        let date = self.past_date(c.get("date"), "date")?;
        let kind: InteractionKind = c.get("kind").parse().map_err(|e: DomainError| e.to_string())?;
        let mut i = Interaction::new(0, date, kind, c.get("text")).map_err(|e| e.to_string())?;
        i.rating = match c.get("rating") {
            "" => None,
            r => Some(Rating::parse(r).map_err(|e| e.to_string())?),
        };
        if let Some(complaint) = &mut i.complaint {
            complaint.kind = parse_or(c.get("complaint_type"), ComplaintType::Other)?;
            complaint.severity = parse_or(c.get("severity"), Severity::Minor)?;
            complaint.resolved = parse_flag(c.get("resolved")).map_err(|e| format!("resolved: {e}"))?;
        } else if !c.get("complaint_type").is_empty() || !c.get("severity").is_empty() {
            return Err(format!("complaint_type and severity are only for kind complaint, not {kind}"));
        }
        i.follow_up = match c.get("follow_up") {
            "" => None,
            d => Some(parse_date(d).map_err(|e| format!("follow_up: {e}"))?),
        };
        i.operator = c.get("operator").to_string();
        i.outcome = parse_or(c.get("outcome"), Outcome::Reached)?;
        self.plan.interactions.push((target, i));
        Ok(())
    }

    /// The customer a purchase or interaction row names: by `ref`, or by `customer_id` when the
    /// row has no ref (ids are this database's own, refs travel between databases).
    fn target(&mut self, c: &Cells) -> Result<Target, String> {
        let reference = c.get("ref");
        let id_text = c.get("customer_id");
        if reference.is_empty() {
            if id_text.is_empty() {
                return Err("no ref or customer_id: which customer is this?".into());
            }
            let id: u64 = id_text
                .trim_start_matches('#')
                .parse()
                .map_err(|_| format!("customer_id {id_text:?} is not a number"))?;
            return match self.store.customer(id).map_err(|e| e.to_string())? {
                Some(_) => Ok(Target::Existing(id)),
                None => Err(format!("no customer has id {id}")),
            };
        }
        if let Some(t) = self.refs.get(reference) {
            return Ok(*t);
        }
        let current = self.store.id_by_ref(reference).map_err(|e| e.to_string())?;
        let former = match current {
            Some(_) => None,
            None => self.store.former_ref(reference).map_err(|e| e.to_string())?,
        };
        let target = match current.or(former) {
            Some(id) => {
                if former.is_some() {
                    self.plan.former.insert(reference.to_string(), id);
                }
                Target::Existing(id)
            }
            None if self.opts.create_missing => {
                let now = Utc.from_utc_datetime(&self.opts.today.and_hms_opt(0, 0, 0).unwrap_or_default());
                let name = if c.get("name").is_empty() { reference } else { c.get("name") };
                let mut customer = Customer::new(name, now).map_err(|e| e.to_string())?;
                customer.set_reference(reference).map_err(|e| e.to_string())?;
                self.plan.customers.push(customer);
                self.plan.created += 1;
                Target::New(self.plan.customers.len() - 1)
            }
            None => {
                return Err(format!(
                    "no customer has ref {reference:?} (use --create-missing to create one)"
                ));
            }
        };
        self.refs.insert(reference.to_string(), target);
        Ok(target)
    }

    fn past_date(&self, text: &str, what: &str) -> Result<NaiveDate, String> {
        let d = parse_date(text).map_err(|e| format!("{what}: {e}"))?;
        if d > self.opts.today {
            return Err(format!("{what} {d} is after today ({})", self.opts.today));
        }
        Ok(d)
    }
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
        c.gender = parse_or(cells.get("gender"), Gender::Unknown)?;
    }
    if cells.has("birthday") {
        c.birthday = match cells.get("birthday") {
            "" => None,
            d => Some(parse_date(d).map_err(|e| format!("birthday: {e}"))?),
        };
    }
    if cells.has("province") {
        c.province = cells.get("province").to_string();
    }
    if cells.has("city") {
        c.city = cells.get("city").to_string();
    }
    if cells.has("area_type") {
        c.area = parse_or(cells.get("area_type"), AreaType::Unknown)?;
    }
    if cells.has("source") {
        c.source = parse_or(cells.get("source"), Source::Unknown)?;
    }
    if cells.has("contact") {
        c.contact = parse_or(cells.get("contact"), ContactPref::Phone)?;
    }
    if cells.has("tags") {
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

/// Parses an enum key, or gives the default for a blank cell.
fn parse_or<T: std::str::FromStr<Err = DomainError>>(s: &str, default: T) -> Result<T, String> {
    if s.is_empty() { Ok(default) } else { s.parse().map_err(|e: DomainError| e.to_string()) }
}

/// Gives new records their ids and resolves referrals, producing the change set to write.
fn assign_ids(store: &dyn Store, mut plan: Plan) -> anyhow::Result<ChangeSet> {
    let new_customers = plan.customers.iter().filter(|c| c.id == 0).count();
    let n = (new_customers + plan.purchases.len() + plan.interactions.len()) as u64;
    let mut next = if n > 0 { store.allocate_ids(n)? } else { 0 };
    let mut take = || {
        next += 1;
        next - 1
    };
    for c in plan.customers.iter_mut().filter(|c| c.id == 0) {
        c.id = take();
    }
    let id_of = |t: Target| match t {
        Target::Existing(id) => id,
        Target::New(i) => plan.customers[i].id,
    };
    let mut purchases: Vec<Purchase> = plan
        .purchases
        .iter()
        .map(|(t, p)| Purchase { id: take(), customer: id_of(*t), ..p.clone() })
        .collect();
    for &(index, sale) in &plan.refunds {
        purchases[index].refund_of = Some(purchases[sale].id);
    }
    let interactions = plan
        .interactions
        .iter()
        .map(|(t, i)| Interaction { id: take(), customer: id_of(*t), ..i.clone() })
        .collect();
    for (index, r, _) in std::mem::take(&mut plan.referrals) {
        let referrer = resolve_referrer(store, &plan.customers, &r)?;
        plan.customers[index].referrer = Some(referrer);
    }
    Ok(ChangeSet { customers: plan.customers, purchases, interactions })
}

fn same_target(a: Target, b: Target) -> bool {
    match (a, b) {
        (Target::Existing(a), Target::Existing(b)) => a == b,
        (Target::New(a), Target::New(b)) => a == b,
        _ => false,
    }
}

fn resolve_referrer(store: &dyn Store, batch: &[Customer], r: &str) -> anyhow::Result<u64> {
    if let Some(c) = batch.iter().find(|c| c.reference.as_deref() == Some(r)) {
        return Ok(c.id);
    }
    if let Some(id) = r.strip_prefix('#').and_then(|s| s.parse().ok())
        && store.customer(id)?.is_some()
    {
        return Ok(id);
    }
    store.id_by_ref(r)?.ok_or_else(|| anyhow::anyhow!("referrer {r:?} is not a known ref or #id"))
}
