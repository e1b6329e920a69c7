//! Purchase and interaction rows: each names its customer, and returns name their sale.

use super::{Planner, RowResult, Target, parse_key, parse_or};
use crate::cli::table::{Cells, LineError};
use crate::domain::*;
use std::collections::{HashMap, HashSet};

impl Planner<'_> {
    /// Plans one purchase row (a sale or a return; a voided row is only counted).
    pub(super) fn purchase_row(&mut self, c: &Cells, line: u64) -> RowResult {
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
        check_len("category", c.get("category"), MAX_NAME).map_err(|e| e.to_string())?;
        p.category = c.get("category").to_string();
        p.channel = parse_or(c, "channel", Channel::Store)?;
        p.promo = parse_flag(c.get("promo")).map_err(|e| format!("promo: {e}"))?;
        p.payment =
            Payment::parse(c.get("payment")).map_err(|e| format!("{}: {e}", c.column_name("payment")))?;
        // A file's own figure (an export's) is kept; else the sale earns by the rules, at the
        // base level (a return's points come from its sale, when it is saved).
        p.points = match c.get("points").trim() {
            "" if !is_return => crate::ledger::earn::sale_points(
                amount,
                p.payment,
                crate::classify::Tier::Normal,
                &self.opts.rules,
            ),
            "" => 0,
            n => n.parse::<i64>().map_err(|_| format!("points {n:?} is not a whole number"))?,
        };
        p.branch = branch_of(c)?;
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
    pub(super) fn link_refunds(&mut self, errors: &mut Vec<LineError>) {
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

    /// Plans one interaction row (a voided row is only counted).
    pub(super) fn interaction_row(&mut self, c: &Cells) -> RowResult {
        if !c.get("voided").is_empty() {
            self.plan.voided += 1;
            return Ok(());
        }
        let target = self.target(c)?;
        let date = self.past_date(c.get("date"), "date")?;
        let kind: InteractionKind = parse_key(c, "kind")?;
        let mut i = Interaction::new(0, date, kind, c.get("text")).map_err(|e| e.to_string())?;
        i.rating = match c.get("rating") {
            "" => None,
            r => Some(Rating::parse(r).map_err(|e| e.to_string())?),
        };
        if let Some(complaint) = &mut i.complaint {
            complaint.kind = parse_or(c, "complaint_type", ComplaintType::Other)?;
            complaint.severity = parse_or(c, "severity", Severity::Minor)?;
            complaint.resolved = parse_flag(c.get("resolved")).map_err(|e| format!("resolved: {e}"))?;
        } else if !c.get("complaint_type").is_empty() || !c.get("severity").is_empty() {
            return Err(format!("complaint_type and severity are only for kind complaint, not {kind}"));
        }
        i.follow_up = match c.get("follow_up") {
            "" => None,
            d => Some(parse_date(d).map_err(|e| format!("follow_up: {e}"))?),
        };
        check_len("operator", c.get("operator"), MAX_NAME).map_err(|e| e.to_string())?;
        i.operator = c.get("operator").to_string();
        i.outcome = parse_or(c, "outcome", Outcome::Reached)?;
        i.branch = branch_of(c)?;
        self.plan.interactions.push((target, i));
        Ok(())
    }
}

/// The row's `branch` cell as a branch name (blank: the importing process's branch, later).
fn branch_of(c: &Cells) -> Result<String, String> {
    crate::domain::branch_name(c.get("branch")).map_err(|e| format!("{}: {e}", c.column_name("branch")))
}

fn same_target(a: Target, b: Target) -> bool {
    match (a, b) {
        (Target::Existing(a), Target::Existing(b)) => a == b,
        (Target::New(a), Target::New(b)) => a == b,
        _ => false,
    }
}
