//! `kehu export --kind classes`: one row per customer with every class, its scores and its
//! predicted figures.

use super::Context;
use super::Format;
use super::export::{Cell, Out, RowWriter};
use crate::classify::Profile;
use crate::domain::Customer;
use crate::store::Store;
use std::io::Write;

/// The columns: the ones scripts rely on first and in a fixed order (never reorder them), then
/// the rest of the profile.
pub const COLUMNS: &[&str] = &[
    "id",
    "ref",
    "name",
    "frequency",
    "value",
    "activity",
    "lifecycle",
    "rfm_r",
    "rfm_f",
    "rfm_m",
    "rfm_segment",
    "tier",
    "points",
    "price_sensitivity",
    "satisfaction",
    "repeat_purchases",
    "recency_days",
    "age_days",
    "p_alive",
    "expected_purchases_90d",
    "next_purchase_due",
    "clv_12m",
    "clv_from_population",
    "overdue_for_rhythm",
    "rfm8",
    "top_category",
    "top_channel",
    "open_complaints",
    "advocacy",
    "engagement",
    "purchases",
    "spend_365",
    "spend_total",
    "last_purchase",
    "action",
    // Member level, demographics and life stage.
    "gender",
    "age_band",
    "birthday_month",
    "next_birthday",
    "child_stage",
    "formula_stage",
    "income",
    "education",
    "occupation",
    "level_until",
    "benefits",
    "stored_value",
    // Chains.
    "branch",
    // The purchase model in force and the 80% ranges of its figures (see `classify::ranges`).
    "model",
    "p_alive_low",
    "p_alive_high",
    "expected_purchases_90d_low",
    "expected_purchases_90d_high",
    "clv_12m_low",
    "clv_12m_high",
    "churn_risk",
];

/// Classifies every customer and writes one row each; returns the row count.
pub fn export<'a>(
    ctx: &Context,
    store: &dyn Store,
    format: Format,
    out: Out<'a>,
    err: &mut dyn Write,
) -> anyhow::Result<u64> {
    let (customers, clf) = ctx.load_to(store, true, err)?;
    let (summaries, today) = clf.fit_input();
    let model = clf.model();
    let discount = clf.rules().prediction.discount_rate;
    // Ranges need the parameters' curvature at the fit; a fit without one (a boundary) has
    // its figures exported without ranges, and says so once.
    let source = match model.map(|m| m.range_source(&summaries, discount, today)) {
        Some(Err(e)) => {
            writeln!(err, "kehu: no 80% ranges for this model: {e}")?;
            None
        }
        Some(Ok(s)) => Some(s),
        None => None,
    };
    let by_id: std::collections::HashMap<u64, &crate::classify::Summary> =
        summaries.iter().map(|s| (s.id, s)).collect();
    let name = model.map(|m| m.chosen.model().name());
    let mut w = RowWriter::new(format, COLUMNS, out)?;
    // In blocks: every profile at once would hold every reason of the shop in memory.
    for block in customers.chunks(PROFILES_AT_ONCE) {
        let ids: Vec<u64> = block.iter().map(|c| c.id).collect();
        let ranges = match &source {
            Some(src) => src.ranges_of(&ids.iter().map(|id| by_id.get(id).copied()).collect::<Vec<_>>()),
            None => vec![None; ids.len()],
        };
        for ((c, p), r) in block.iter().zip(clf.profiles(&ids)).zip(ranges) {
            if let Some(p) = p {
                let mut row = cells(c, &p);
                row.extend(range_cells(name, r.as_ref()));
                w.row(&row)?;
            }
        }
    }
    w.finish()
}

/// The model's name and the customer's ranges, empty for a customer without purchases.
fn range_cells(model: Option<&str>, r: Option<&crate::classify::Ranges>) -> Vec<Cell> {
    let float = |v: Option<f64>| v.map_or(Cell::Null, Cell::Float);
    let clv = r.and_then(|r| r.clv_12m);
    vec![
        Cell::opt_text(model),
        float(r.map(|r| r.p_alive.low)),
        float(r.map(|r| r.p_alive.high)),
        float(r.map(|r| r.expected_90d.low)),
        float(r.map(|r| r.expected_90d.high)),
        float(clv.map(|c| c.low)),
        float(clv.map(|c| c.high)),
        Cell::opt_text(r.map(|r| r.risk.key())),
    ]
}

/// Profiles computed together (on every core) before their rows are written.
const PROFILES_AT_ONCE: usize = 4096;

fn cells(c: &Customer, p: &Profile) -> Vec<Cell> {
    let int = |v: Option<i64>| v.map_or(Cell::Null, Cell::Int);
    let float = |v: Option<f64>| v.map_or(Cell::Null, Cell::Float);
    let rfm = p.rfm.as_ref();
    vec![
        Cell::Int(c.id as i64),
        Cell::opt_text(c.reference.as_ref()),
        c.name.as_str().into(),
        p.frequency.class.key().into(),
        p.value.class.key().into(),
        p.activity.class.key().into(),
        p.lifecycle.class.key().into(),
        int(rfm.map(|r| r.r.into())),
        int(rfm.map(|r| r.f.into())),
        int(rfm.map(|r| r.m.into())),
        Cell::opt_text(rfm.map(|r| r.segment.class.label())),
        p.tier.class.key().into(),
        Cell::Int(p.points),
        p.price_sensitivity.class.key().into(),
        p.satisfaction.class.key().into(),
        int(p.repeat_purchases.map(i64::from)),
        int(p.recency_days),
        int(p.age_days),
        float(p.p_alive),
        float(p.expected_purchases_90d),
        Cell::opt_text(p.next_purchase_due),
        float(p.clv_12m.map(|v| v.value)),
        p.clv_12m.map_or(Cell::Null, |v| Cell::Bool(v.from_population)),
        Cell::Bool(p.overdue_for_rhythm),
        Cell::opt_text(rfm.map(|r| r.rfm8.class.label())),
        Cell::opt_text(p.top_category.class.as_ref()),
        Cell::opt_text(p.top_channel.class.map(|c| c.key())),
        Cell::Int(i64::from(p.open_complaints.minor + p.open_complaints.major)),
        p.advocacy.class.key().into(),
        p.engagement.class.key().into(),
        Cell::Int(p.purchases.into()),
        p.spend_365.to_string().into(),
        p.spend_total.to_string().into(),
        Cell::opt_text(p.last_purchase),
        Cell::opt_text(p.action.as_ref().map(|a| a.text.clone())),
        p.stated.gender.key().into(),
        p.age_band.class.into(),
        p.birthday_month.class.key().into(),
        Cell::opt_text(p.next_birthday),
        p.child_stage.class.key().into(),
        Cell::opt_text(p.formula_stage.as_ref().map(|f| f.class.key())),
        Cell::opt_text(Some(&p.stated.income).filter(|s| !s.is_empty())),
        Cell::opt_text(Some(&p.stated.education).filter(|s| !s.is_empty())),
        Cell::opt_text(Some(&p.stated.occupation).filter(|s| !s.is_empty())),
        Cell::opt_text(p.membership.until),
        p.benefits.join("; ").into(),
        p.stored_value.to_string().into(),
        Cell::opt_text(Some(&p.stated.branch).filter(|s| !s.is_empty())),
    ]
}
