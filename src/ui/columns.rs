//! The list's columns: their widths, which ones fit (bottom's column model: take columns in
//! priority order while the next one still fits, show them in reading order), and sorting.

use super::model::Row;
use std::cmp::Ordering;

/// A column of the customer list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// Customer name (always shown).
    Name,
    /// Phone number.
    Phone,
    /// Membership tier.
    Tier,
    /// Lifecycle stage.
    Lifecycle,
    /// Buying activity.
    Activity,
    /// Day of the last purchase.
    LastPurchase,
    /// Spend in the last 12 months.
    Spend,
    /// BG/NBD probability that the customer is still buying.
    PAlive,
    /// BG/NBD expected purchases in the next 90 days.
    Expected90,
    /// The recommended next action.
    NextAction,
    /// Stored value held (储值), when any member holds some.
    StoredValue,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDir {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl SortDir {
    /// The other direction.
    pub fn flip(self) -> SortDir {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// Reading order, left to right.
pub const READING_ORDER: [Column; 11] = [
    Column::Name,
    Column::Phone,
    Column::Tier,
    Column::Lifecycle,
    Column::Activity,
    Column::LastPurchase,
    Column::Spend,
    Column::StoredValue,
    Column::PAlive,
    Column::Expected90,
    Column::NextAction,
];

/// Which columns survive first as the terminal narrows. Stored value comes after the lifecycle,
/// and like the predictions only where names keep their comfortable width (from 88 columns):
/// at 80 the list stays as it was, and the detail shows what the member holds.
const PRIORITY: [Column; 11] = [
    Column::Name,
    Column::Phone,
    Column::Activity,
    Column::Tier,
    Column::NextAction,
    Column::Spend,
    Column::Lifecycle,
    Column::StoredValue,
    Column::LastPurchase,
    Column::PAlive,
    Column::Expected90,
];

/// What `CycleSort` steps through; `None` is id order.
pub const SORTABLE: [Option<Column>; 11] = [
    None,
    Some(Column::Name),
    Some(Column::Spend),
    Some(Column::LastPurchase),
    Some(Column::Tier),
    Some(Column::Lifecycle),
    Some(Column::Activity),
    Some(Column::Phone),
    Some(Column::PAlive),
    Some(Column::Expected90),
    Some(Column::StoredValue),
];

/// The name's width before other columns take spare room.
const NAME_COMFORT: u16 = 16;

/// Columns between one another.
pub const GAP: u16 = 1;
/// The selection mark at the start of each row.
pub const MARK: u16 = 1;

impl Column {
    /// The header text.
    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Phone => "phone",
            Column::Tier => "tier",
            Column::Lifecycle => "lifecycle",
            Column::Activity => "activity",
            Column::LastPurchase => "last buy",
            Column::Spend => "12m spend",
            Column::PAlive => "p(alive)",
            Column::Expected90 => "exp 90d",
            Column::NextAction => "next action",
            Column::StoredValue => "stored",
        }
    }

    /// The narrowest the column may be.
    pub fn min_width(self) -> u16 {
        match self {
            Column::Name => 8,
            Column::Phone => 11,
            Column::Tier => 6,
            Column::Lifecycle => 9,
            Column::Activity => 8,
            Column::LastPurchase => 10,
            Column::Spend => 9,
            Column::PAlive => 8,
            Column::Expected90 => 7,
            Column::NextAction => 12,
            Column::StoredValue => 6,
        }
    }

    /// Whether the column takes the room left over (name first, then the action).
    fn flexible(self) -> bool {
        matches!(self, Column::Name | Column::NextAction)
    }

    /// Compares two rows by this column (ties are broken by the caller).
    pub fn compare(self, a: &Row, b: &Row) -> Ordering {
        let (fa, fb) = (&a.facts, &b.facts);
        match self {
            Column::Name => a.customer.name.cmp(&b.customer.name),
            Column::Phone => a.customer.phone.cmp(&b.customer.phone),
            Column::Tier => fa.tier.cmp(&fb.tier),
            Column::Lifecycle => fa.lifecycle.cmp(&fb.lifecycle),
            Column::Activity => fa.activity.cmp(&fb.activity),
            Column::LastPurchase => fa.last_purchase.cmp(&fb.last_purchase),
            Column::Spend => fa.spend_365.cmp(&fb.spend_365),
            // No figure (no purchase, or no model yet) sorts before any figure.
            Column::PAlive => fa.p_alive.partial_cmp(&fb.p_alive).unwrap_or(Ordering::Equal),
            Column::Expected90 => fa.expected_90d.partial_cmp(&fb.expected_90d).unwrap_or(Ordering::Equal),
            // The action is not a stored fact; sorting by it is not offered.
            Column::NextAction => Ordering::Equal,
            Column::StoredValue => fa.stored_value.cmp(&fb.stored_value),
        }
    }
}

/// The columns that fit in `width` cells and their widths, in reading order. The prediction
/// columns are offered only when a model is fitted: a column of dashes would take the room of
/// the next action. `spend` is the widest spend to show: the money column is at least that wide,
/// so that an amount is never cut (the name and the action give the room, as for any column).
/// `stored` is the widest stored value, None when no member holds any (no empty column then).
pub fn layout(width: u16, predictions: bool, spend: u16, stored: Option<u16>) -> Vec<(Column, u16)> {
    let min_width = |c: Column| match c {
        Column::Spend => c.min_width().max(spend),
        Column::StoredValue => c.min_width().max(stored.unwrap_or(0)),
        _ => c.min_width(),
    };
    // The mark column and its gap come first.
    let mut used = MARK + GAP;
    let mut chosen: Vec<Column> = Vec::new();
    for col in PRIORITY {
        if !predictions && matches!(col, Column::PAlive | Column::Expected90) {
            continue;
        }
        if stored.is_none() && col == Column::StoredValue {
            continue;
        }
        let need = min_width(col) + if chosen.is_empty() { 0 } else { GAP };
        // Predictions and stored value only where the name still gets its comfortable width:
        // names come first.
        let keep_for_name = if matches!(col, Column::PAlive | Column::Expected90 | Column::StoredValue) {
            NAME_COMFORT - Column::Name.min_width()
        } else {
            0
        };
        if used + need + keep_for_name > width {
            // A later, narrower column may still fit; bottom stops at the first that does not,
            // and so do we, so that the columns shown never skip a more important one.
            break;
        }
        used += need;
        chosen.push(col);
    }
    if chosen.is_empty() {
        // Too narrow for even the name's minimum: the name gets whatever there is.
        return vec![(Column::Name, width.saturating_sub(MARK + GAP))];
    }
    let mut spare = width - used;
    let mut out: Vec<(Column, u16)> =
        READING_ORDER.iter().filter(|c| chosen.contains(c)).map(|c| (*c, min_width(*c))).collect();
    // The name grows to a comfortable 16, then the action takes the rest, then the name again.
    let grow = |out: &mut Vec<(Column, u16)>, col: Column, up_to: u16, spare: &mut u16| {
        if let Some(e) = out.iter_mut().find(|e| e.0 == col) {
            let add = up_to.saturating_sub(e.1).min(*spare);
            e.1 += add;
            *spare -= add;
        }
    };
    grow(&mut out, Column::Name, NAME_COMFORT, &mut spare);
    grow(&mut out, Column::NextAction, u16::MAX, &mut spare);
    if out.iter().all(|e| !e.0.flexible() || e.0 == Column::Name) {
        grow(&mut out, Column::Name, u16::MAX, &mut spare);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(w: u16) -> Vec<Column> {
        layout(w, true, 0, None).into_iter().map(|c| c.0).collect()
    }

    #[test]
    fn narrow_terminals_drop_low_priority_columns() {
        assert_eq!(cols(120).len(), 10);
        assert!(!cols(90).contains(&Column::PAlive), "predictions go first as the window narrows");
        assert_eq!(layout(120, false, 0, None).len(), 8, "no model, no prediction columns");
        for w in 0..200 {
            let l = layout(w, true, 0, None);
            if l.iter().any(|c| c.0 == Column::PAlive) {
                assert!(l[0].1 >= NAME_COMFORT, "{w}: the name shrank for predictions");
            }
        }
        assert!(!cols(80).contains(&Column::LastPurchase));
        assert!(cols(80).contains(&Column::NextAction));
        // Stored value shows from 88 columns when members hold some, names at their comfortable
        // width; at 80 the list is as it was; with none held, no column of blanks.
        let at = |w| layout(w, true, 7, Some(8)).into_iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(at(80), cols(80));
        assert!(at(88).contains(&Column::StoredValue) && at(88).contains(&Column::Lifecycle));
        assert!(layout(88, true, 7, Some(8))[0].1 >= NAME_COMFORT);
        assert!(!cols(200).contains(&Column::StoredValue));
        assert_eq!(cols(40), vec![Column::Name, Column::Phone, Column::Tier, Column::Activity]);
        assert_eq!(cols(5), vec![Column::Name]);
        // A wide spend widens its column and narrows the flexible ones, at the same columns.
        let wide = layout(80, true, 13, None);
        assert_eq!(wide.iter().map(|c| c.0).collect::<Vec<_>>(), cols(80));
        assert_eq!(wide.iter().find(|c| c.0 == Column::Spend).map(|c| c.1), Some(13));
        for w in 0..200 {
            let total: u16 = layout(w, true, 0, Some(8)).iter().map(|c| c.1).sum::<u16>()
                + MARK
                + GAP * layout(w, true, 0, Some(8)).len() as u16;
            assert!(total <= w.max(MARK + GAP), "{w}: {total}");
        }
    }
}
