//! `kehu export`: records and classes as CSV (RFC 4180, formula-safe) or JSON.

use super::import::{CUSTOMER_COLUMNS, INTERACTION_COLUMNS, PURCHASE_COLUMNS};
use super::{Context, ExportKind, Format};
use crate::domain::{Customer, History, Interaction, Purchase};
use crate::store::Store;
use crate::text::{shown_path, spreadsheet_safe, terminal_safe};
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;

/// One exported value: typed, so that JSON keeps numbers and nulls.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

impl Cell {
    /// Text, or null when empty.
    pub fn opt_text(s: Option<impl ToString>) -> Cell {
        s.map_or(Cell::Null, |s| Cell::Text(s.to_string()))
    }

    /// The cell as CSV text; on a terminal, stored text is neutralised as `show` prints it.
    fn csv(&self, terminal: bool) -> String {
        match self {
            Cell::Text(s) if terminal => terminal_safe(&spreadsheet_safe(s)).into_owned(),
            Cell::Text(s) => spreadsheet_safe(s).into_owned(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => format!("{f:.6}"),
            Cell::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
            Cell::Null => String::new(),
        }
    }

    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Text(s) => serde_json::Value::String(s.clone()),
            Cell::Int(i) => (*i).into(),
            Cell::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
            Cell::Bool(b) => (*b).into(),
            Cell::Null => serde_json::Value::Null,
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// Writes rows of cells under a fixed header, as CSV or as a JSON array of objects.
pub struct RowWriter<'a> {
    format: Format,
    terminal: bool,
    columns: &'a [&'a str],
    csv: Option<csv::Writer<Box<dyn Write + 'a>>>,
    json: Option<Box<dyn Write + 'a>>,
    rows: u64,
}

impl<'a> RowWriter<'a> {
    /// Starts the output (the CSV header, or the JSON array's opening bracket); `out.terminal`
    /// says a person reads it, which neutralises CSV text (JSON always escapes).
    pub fn new(format: Format, columns: &'a [&'a str], out: Out<'a>) -> anyhow::Result<RowWriter<'a>> {
        let Out { out, terminal } = out;
        let mut w = RowWriter { format, terminal, columns, csv: None, json: None, rows: 0 };
        match format {
            Format::Csv => {
                let mut c = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
                c.write_record(columns)?;
                w.csv = Some(c);
            }
            Format::Json => {
                let mut out = out;
                out.write_all(b"[")?;
                w.json = Some(out);
            }
        }
        Ok(w)
    }

    /// Writes one row; `cells` follow the columns.
    pub fn row(&mut self, cells: &[Cell]) -> anyhow::Result<()> {
        debug_assert_eq!(cells.len(), self.columns.len());
        if let Some(c) = &mut self.csv {
            c.write_record(cells.iter().map(|cell| cell.csv(self.terminal)))?;
        }
        if let Some(out) = &mut self.json {
            let object: serde_json::Map<String, serde_json::Value> =
                self.columns.iter().zip(cells).map(|(k, v)| (k.to_string(), v.json())).collect();
            out.write_all(if self.rows == 0 { b"\n" } else { b",\n" })?;
            super::json::write_compact(&mut *out, &object)?;
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output and flushes it; returns the number of rows.
    pub fn finish(mut self) -> anyhow::Result<u64> {
        if let Some(mut c) = self.csv.take() {
            c.flush()?;
        }
        if let Some(mut out) = self.json.take() {
            out.write_all(b"\n]\n")?;
            out.flush()?;
        }
        let _ = self.format;
        Ok(self.rows)
    }
}

/// Where an export goes: the writer, and whether it is a terminal.
pub struct Out<'a> {
    /// The file or standard output.
    pub out: Box<dyn Write + 'a>,
    /// Whether a person reads it on a terminal: CSV text is then shown as `show` shows it
    /// (escapes instead of control, bidi and invisible characters); a file or a pipe gets it
    /// exact.
    pub terminal: bool,
}

/// Runs `kehu export`; `stdout_terminal` says whether standard output is a terminal; notes go
/// to `err`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    ctx: &Context,
    store: &dyn Store,
    kind: ExportKind,
    format: Format,
    bom: bool,
    file: Option<&Path>,
    stdout: &mut dyn Write,
    err: &mut dyn Write,
    stdout_terminal: bool,
) -> anyhow::Result<i32> {
    let (mut out, terminal): (Box<dyn Write + '_>, bool) = match file {
        Some(p) => (
            Box::new(BufWriter::new(
                std::fs::File::create(p)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", shown_path(p)))?,
            )),
            false,
        ),
        None => (Box::new(BufWriter::new(stdout)), stdout_terminal),
    };
    if bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let out = Out { out, terminal };
    let rows = match kind {
        ExportKind::Customers => records(store, format, CUSTOMER_COLUMNS, out, |h, refs, w| {
            w.row(&customer_cells(&h.customer, refs))
        })?,
        ExportKind::Purchases => records(store, format, PURCHASE_COLUMNS, out, |h, _, w| {
            h.purchases.iter().try_for_each(|p| w.row(&purchase_cells(&h.customer, p)))
        })?,
        ExportKind::Interactions => records(store, format, INTERACTION_COLUMNS, out, |h, _, w| {
            h.interactions.iter().try_for_each(|i| w.row(&interaction_cells(&h.customer, i)))
        })?,
        ExportKind::Classes => super::classes::export(ctx, store, format, out, err)?,
        // A campaign list is made by `cli::campaign` (dispatch sends it there).
        ExportKind::Contacts => anyhow::bail!("--kind contacts is a campaign list (see kehu export --help)"),
    };
    if let Some(p) = file {
        writeln!(err, "kehu: wrote {rows} rows to {}", shown_path(p))?;
    }
    Ok(0)
}

/// Streams every customer's history into rows.
fn records<'a>(
    store: &dyn Store,
    format: Format,
    columns: &'a [&'a str],
    out: Out<'a>,
    mut each: impl FnMut(&History, &HashMap<u64, String>, &mut RowWriter<'a>) -> anyhow::Result<()>,
) -> anyhow::Result<u64> {
    // Referrers are exported by ref, which needs every customer's ref first.
    let mut refs = HashMap::new();
    if columns == CUSTOMER_COLUMNS {
        store.for_each_history(&mut |h| {
            if let Some(r) = h.customer.reference {
                refs.insert(h.customer.id, r);
            }
        })?;
    }
    let mut w = RowWriter::new(format, columns, out)?;
    let mut result = Ok(());
    store.for_each_history(&mut |h| {
        if result.is_ok() {
            result = each(&h, &refs, &mut w);
        }
    })?;
    result?;
    w.finish()
}

fn customer_cells(c: &Customer, refs: &HashMap<u64, String>) -> Vec<Cell> {
    let referrer = c.referrer.map(|id| refs.get(&id).cloned().unwrap_or_else(|| format!("#{id}")));
    vec![
        Cell::Int(c.id as i64),
        Cell::opt_text(c.reference.as_ref()),
        c.name.as_str().into(),
        Cell::opt_text(c.phone.as_ref()),
        Cell::opt_text(c.email.as_ref()),
        c.gender.key().into(),
        Cell::opt_text(c.birthday),
        c.province.as_str().into(),
        c.city.as_str().into(),
        c.area.key().into(),
        c.source.key().into(),
        Cell::opt_text(referrer),
        c.contact.key().into(),
        c.tags.join(", ").into(),
        c.notes.as_str().into(),
        Cell::Int(c.points_redeemed),
        if c.custom.is_empty() {
            Cell::Null
        } else {
            serde_json::to_string(&c.custom).unwrap_or_default().into()
        },
        c.created.format("%Y-%m-%d").to_string().into(),
        consent_cell(c.consent_sms.answer),
        consent_cell(c.consent_wechat.answer),
        consent_cell(c.consent_phone.answer),
        consent_cell(c.consent_email.answer),
        Cell::opt_text(c.child_birthday),
        stated_cell(c.income.key()),
        stated_cell(c.education.key()),
        c.occupation.as_str().into(),
    ]
}

/// A consent answer as the import reads it back: yes, no, or blank while unknown.
fn consent_cell(answer: crate::domain::Consent) -> Cell {
    match answer {
        crate::domain::Consent::Unknown => Cell::Null,
        a => a.key().into(),
    }
}

/// A stated trait's key, blank while unknown.
fn stated_cell(key: &'static str) -> Cell {
    if key == "unknown" { Cell::Null } else { key.into() }
}

fn purchase_cells(c: &Customer, p: &Purchase) -> Vec<Cell> {
    vec![
        Cell::Int(p.id as i64),
        Cell::Int(c.id as i64),
        Cell::opt_text(c.reference.as_ref()),
        p.date.to_string().into(),
        p.amount.to_string().into(),
        Cell::Int(p.quantity.into()),
        p.category.as_str().into(),
        p.channel.key().into(),
        Cell::Bool(p.promo),
        match p.payment {
            crate::domain::Payment::Unknown => Cell::Null,
            known => known.key().into(),
        },
        Cell::Int(p.points),
        p.refund_of.map_or(Cell::Null, |id| Cell::Int(id as i64)),
        Cell::opt_text(p.void.as_ref().map(void_text)),
        branch_cell(&p.branch),
    ]
}

fn interaction_cells(c: &Customer, i: &Interaction) -> Vec<Cell> {
    let complaint = i.complaint.as_ref();
    vec![
        Cell::Int(i.id as i64),
        Cell::Int(c.id as i64),
        Cell::opt_text(c.reference.as_ref()),
        i.date.to_string().into(),
        i.kind.key().into(),
        i.text.as_str().into(),
        i.rating.map_or(Cell::Null, |r| Cell::Int(r.get().into())),
        Cell::opt_text(complaint.map(|c| c.kind.key())),
        Cell::opt_text(complaint.map(|c| c.severity.key())),
        complaint.map_or(Cell::Null, |c| Cell::Bool(c.resolved)),
        Cell::opt_text(i.follow_up),
        i.operator.as_str().into(),
        i.outcome.key().into(),
        Cell::opt_text(i.void.as_ref().map(void_text)),
        branch_cell(&i.branch),
    ]
}

/// A record's branch; null when none was recorded.
fn branch_cell(branch: &str) -> Cell {
    if branch.is_empty() { Cell::Null } else { branch.into() }
}

/// "2026-12-01 by ann: typed twice": when, who and why, in one cell.
fn void_text(v: &crate::domain::Void) -> String {
    format!("{} by {}: {}", v.at.format("%Y-%m-%d"), v.by, v.reason)
}
