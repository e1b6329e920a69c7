//! `kehu import`: CSV files in, all or nothing.
//!
//! Every row is validated before anything is written; one bad row refuses the whole file and
//! the bad rows are reported as `line N: reason` (the first 50, then a count per reason: see
//! [`report`]). A good file is written in one transaction.

mod customers;
mod records;
mod report;

use super::Kind;
use super::table::{Cells, CsvFile, LineError};
use crate::domain::*;
use crate::store::{ChangeSet, Store};
use anyhow::Context as _;
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
    /// The file's encoding as the operator named it; `None` detects it.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The rules sales earn points by (at the base level: an import is not classified).
    pub rules: crate::classify::Rules,
    /// The branch of rows whose `branch` cell is blank (the importing process's `--branch`).
    pub branch: String,
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
    // Members (after the older columns, so that scripts reading by position keep working).
    "consent_sms",
    "consent_wechat",
    "consent_phone",
    "consent_email",
    "child_birthday",
    "income",
    "education",
    "occupation",
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
    "payment",
    "points",
    "refund_of",
    "voided",
    "branch",
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
    "branch",
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
    /// A customer file's own `id`s (an export's) → the row's index in `customers`: `#id`
    /// referrers name these.
    file_ids: HashMap<String, usize>,
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
    run_with(store, path, opts, out, err, crate::progress::QUIET)
}

/// [`run_to`], telling `p` how reading, checking and writing the file go.
pub fn run_with(
    store: &dyn Store,
    path: &Path,
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
    p: &dyn crate::progress::Progress,
) -> anyhow::Result<i32> {
    run_as(store, path, opts, &crate::tui::operator(), out, err, p)
}

/// [`run_with`], the import signed by `operator` (a client of `kehu serve` signs with its own
/// name, not the server's).
pub fn run_as(
    store: &dyn Store,
    path: &Path,
    opts: &Options,
    operator: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
    p: &dyn crate::progress::Progress,
) -> anyhow::Result<i32> {
    use crate::progress::Unit;
    p.stage("reading the file", None, Unit::Nothing);
    let read = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()));
    p.done();
    let bytes = read?;
    let text = match super::encoding::decode(&bytes, opts.encoding) {
        Ok(text) => text,
        Err(e) => return report::refuse(path, &[e], err),
    };
    let file = CsvFile::parse(&text)?;
    p.stage("checking rows", Some(file.rows.len() as u64), Unit::Items);
    let planned = plan(store, &file, opts, p);
    p.done();
    let (plan, errors) = planned?;
    if !errors.is_empty() {
        return report::refuse(path, &errors, err);
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
    let voided = plan.voided;
    let mut set = assign_ids(store, plan)?;
    set.stamp_branch(&opts.branch);
    let kind = format!("{:?}", opts.kind).to_lowercase();
    // The change's own records give the created, updated and written counts; what the file held
    // beyond them (its rows, the voided ones skipped) travels in its description.
    let mut source = format!("import {kind} {}: {} rows", path.display(), file.rows.len());
    if voided > 0 {
        source.push_str(&format!(", {voided} voided skipped"));
    }
    // One transaction: it shows that it runs and for how long, not how far it has come.
    p.stage("writing (one transaction)", None, Unit::Nothing);
    let committed = store.commit(crate::change::Change::Batch { set, source }, operator);
    p.done();
    committed?;
    writeln!(out, "{}: imported {summary}", path.display())?;
    Ok(0)
}

/// The most a row may hold: well under the store's 1 MiB per record, whatever columns it has.
const MAX_ROW_BYTES: usize = 256 * 1024;

/// Validates every row; returns the plan and the bad rows.
fn plan(
    store: &dyn Store,
    file: &CsvFile,
    opts: &Options,
    p: &dyn crate::progress::Progress,
) -> anyhow::Result<(Plan, Vec<LineError>)> {
    let known: Vec<&str> = match opts.kind {
        Kind::Customers => CUSTOMER_COLUMNS.to_vec(),
        Kind::Purchases => [PURCHASE_COLUMNS, NAME_FOR_NEW].concat(),
        Kind::Interactions => [INTERACTION_COLUMNS, NAME_FOR_NEW].concat(),
    };
    let mut errors = file.errors.clone();
    // A header that cannot be read right makes every row's errors noise.
    if errors.iter().any(|e| e.line == 1) {
        return Ok((Plan::default(), errors));
    }
    let unknown = file.unknown_columns(&known, opts.kind == Kind::Customers);
    if !unknown.is_empty() {
        let mut reason = format!("unknown column(s) {} (known: {})", unknown.join(", "), known.join(", "));
        if let Some(sep) = [';', '\t'].into_iter().find(|s| unknown.iter().any(|u| u.contains(*s))) {
            // A header with a comma is read with commas; say why its other separator was not.
            let name = if sep == ';' { "';'" } else { "tabs" };
            reason.push_str(&format!(
                "; the header looks separated by {name}, but it has a comma too, so cells are split \
                 at commas (kehu splits at ';' or tabs only when the header line has no comma)"
            ));
        }
        errors.push(LineError { line: 1, reason });
        return Ok((Plan::default(), errors));
    }
    let mut ctx = Planner {
        store,
        opts,
        plan: Plan::default(),
        refs: HashMap::new(),
        phones: HashMap::new(),
        planned_rows: HashMap::new(),
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
        p.advance(1);
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
    let with_ids = file.column("id").is_some();
    for (_, r, line) in &ctx.plan.referrals {
        let known = match r.strip_prefix('#') {
            // In an export, `#id` is the source database's id: the file's `id` column.
            Some(id) if with_ids => ctx.plan.file_ids.contains_key(id),
            _ => ctx.refs.contains_key(r) || resolve_referrer(store, &ctx.plan, r).is_ok(),
        };
        if !known {
            let reason = if with_ids && r.starts_with('#') {
                format!("referrer {r:?} names no row's id in this file")
            } else {
                format!("referrer {r:?} is not a known ref or #id")
            };
            errors.push(LineError { line: *line, reason });
        }
    }
    ctx.link_refunds(&mut errors);
    start_on_first_record(&mut ctx.plan);
    errors.sort_by_key(|e| e.line);
    Ok((ctx.plan, errors))
}

/// Customers that a purchase or interaction file creates were customers since their first
/// record in it, not since the day of the import (CDNOW's buyers of 1997 are not new in 1998).
fn start_on_first_record(plan: &mut Plan) {
    let purchases = plan.purchases.iter().map(|(t, p)| (*t, p.date));
    let interactions = plan.interactions.iter().map(|(t, i)| (*t, i.date));
    let mut first: HashMap<usize, NaiveDate> = HashMap::new();
    for (target, date) in purchases.chain(interactions) {
        if let Target::New(i) = target {
            let d = first.entry(i).or_insert(date);
            *d = (*d).min(date);
        }
    }
    for (i, date) in first {
        if let Some(c) = plan.customers.get_mut(i) {
            c.created = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default());
        }
    }
}

/// Row-by-row validation state: the plan so far and what the file itself has introduced.
struct Planner<'a> {
    store: &'a dyn Store,
    opts: &'a Options,
    plan: Plan,
    /// Refs seen in this file → the customer they name.
    refs: HashMap<String, Target>,
    /// Phones of customers created by this file → their indexes, matched as stored ones are.
    phones: HashMap<Phone, Vec<usize>>,
    /// The line of each customer row (by index in the plan) and whether it has an `id`.
    planned_rows: HashMap<usize, (u64, bool)>,
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

/// Parses the value of a column that takes one of a list, or gives the default for a blank cell.
fn parse_or<T: std::str::FromStr<Err = DomainError>>(
    c: &Cells,
    column: &str,
    default: T,
) -> Result<T, String> {
    if c.get(column).is_empty() { Ok(default) } else { parse_key(c, column) }
}

/// Parses the value of a column that takes one of a list; a value not in it is refused naming
/// the column as the file does and the values it takes.
fn parse_key<T: std::str::FromStr<Err = DomainError>>(c: &Cells, column: &str) -> Result<T, String> {
    c.get(column).parse().or_else(|e| match e {
        DomainError::UnknownKey { value, expected, .. } => match chinese_key(column, &value, &expected) {
            Some(key) => key.parse().map_err(|e: DomainError| e.to_string()),
            None => Err(format!("{} {value:?} is not one of: {expected}", c.column_name(column))),
        },
        e => Err(e.to_string()),
    })
}

/// The key among `expected` ("male, female, unknown") whose Chinese name, as the interface shows
/// it, is `value` (男 → male, 门店 → store, 未接通 → no_answer): Chinese shops fill their sheets
/// in the words kehu itself shows them. None when no key, or more than one, has that name.
fn chinese_key<'a>(column: &str, value: &str, expected: &'a str) -> Option<&'a str> {
    use crate::i18n::{Lang, class_label, tr_dyn_in};
    let value = value.trim();
    let dims = [column, if column == "channel" { "top_channel" } else { column }];
    let named = |k: &str| {
        tr_dyn_in(Lang::Zh, k) == value || dims.iter().any(|d| class_label(Lang::Zh, d, k) == Some(value))
    };
    let mut found = expected.split(", ").filter(|k| named(k));
    let key = found.next()?;
    found.next().is_none().then_some(key)
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
        let referrer = resolve_referrer(store, &plan, &r)?;
        plan.customers[index].referrer = Some(referrer);
    }
    Ok(ChangeSet { customers: plan.customers, purchases, interactions, ledger: Vec::new() })
}

/// The customer a referrer cell names: a ref of the file or the database, an export's `#id`
/// of a row of the file, or this database's `#id`.
fn resolve_referrer(store: &dyn Store, plan: &Plan, r: &str) -> anyhow::Result<u64> {
    if let Some(c) = plan.customers.iter().find(|c| c.reference.as_deref() == Some(r)) {
        return Ok(c.id);
    }
    if let Some(&index) = r.strip_prefix('#').and_then(|id| plan.file_ids.get(id)) {
        return Ok(plan.customers[index].id);
    }
    if let Some(id) = r.strip_prefix('#').and_then(|s| s.parse().ok())
        && store.customer(id)?.is_some()
    {
        return Ok(id);
    }
    store.id_by_ref(r)?.ok_or_else(|| anyhow::anyhow!("referrer {r:?} is not a known ref or #id"))
}
