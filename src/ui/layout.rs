//! Where each part of the screen is. Drawing and the state machine (scroll limits, pages,
//! clicks) both ask these functions, so that what is drawn and what a key or a click reaches
//! cannot disagree.

use ratatui::layout::Rect;

/// The screen between the tab bar (first row) and the status line (last row).
pub fn body(screen: Rect) -> Rect {
    Rect { y: screen.y + 1, height: screen.height.saturating_sub(2), ..screen }
}

/// [`body`] of a screen of `size` (columns, rows) at the origin.
pub fn body_of(size: (u16, u16)) -> Rect {
    body(Rect::new(0, 0, size.0, size.1))
}

/// The detail view's parts, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailLayout {
    /// Name, id and ref.
    pub title: Rect,
    /// The recommended action.
    pub action: Rect,
    /// The duplicate flags, one row each.
    pub flags: Rect,
    /// The 12-month sparkline (two rows), when there is room and the history is in.
    pub spark: Option<Rect>,
    /// The scrolling document: fields, classes, predictions and records.
    pub doc: Rect,
}

/// Rows the sparkline takes.
const SPARK_ROWS: u16 = 2;

/// Below this body height the sparkline gives its rows to the document.
const SPARK_MIN_BODY: u16 = 10;

/// The detail view in `body` with `flags` duplicate-flag lines; `history` is whether the
/// customer's records are in (the sparkline needs them). Parts that do not fit are empty.
pub fn detail(body: Rect, flags: u16, history: bool) -> DetailLayout {
    let bottom = body.y + body.height;
    let mut y = body.y;
    let mut take = |rows: u16| {
        let start = y.min(bottom);
        y = y.saturating_add(rows).min(bottom);
        Rect { y: start, height: y - start, ..body }
    };
    let title = take(1);
    let action = take(1);
    let flags = take(flags);
    let spark = (history && body.height >= SPARK_MIN_BODY).then(|| take(SPARK_ROWS));
    let doc = take(u16::MAX);
    DetailLayout { title, action, flags, spark, doc }
}

/// The screen row of a table's first data row in `body`: `above` title rows, then the header.
fn table_first_row(body: Rect, above: u16) -> u16 {
    body.y + above + 1
}

/// The index of the table row drawn at screen row `y`, when `y` is on a data row: the table
/// starts `above` rows into `body` with a header, shows rows from `offset`, and has `len` rows.
pub fn table_hit(body: Rect, above: u16, offset: usize, len: usize, y: u16) -> Option<usize> {
    let first = table_first_row(body, above);
    if y < first || y >= body.y + body.height {
        return None;
    }
    let at = offset + (y - first) as usize;
    (at < len).then_some(at)
}

/// Data rows a table shows in `body` below `above` title rows and its header.
pub fn table_rows(body: Rect, above: u16) -> usize {
    body.height.saturating_sub(above + 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_document_starts_below_every_flag() {
        let body = body_of((80, 24));
        assert_eq!((body.y, body.height), (1, 22));
        let l = detail(body, 4, true);
        assert_eq!((l.title.y, l.action.y, l.flags.y, l.flags.height), (1, 2, 3, 4));
        assert_eq!(l.spark.map(|s| (s.y, s.height)), Some((7, 2)));
        assert_eq!((l.doc.y, l.doc.height), (9, 14));
        let bare = detail(body, 0, false);
        assert_eq!((bare.spark, bare.doc.y, bare.doc.height), (None, 3, 20));
        // A tiny body: everything clipped to it, nothing below it.
        let tiny = detail(Rect::new(0, 1, 20, 3), 4, true);
        assert_eq!((tiny.flags.height, tiny.spark, tiny.doc.height), (1, None, 0));
        assert!(tiny.doc.y <= 4);
    }

    #[test]
    fn table_rows_are_found_under_the_header() {
        let body = body_of((80, 24));
        assert_eq!(table_hit(body, 0, 0, 100, 1), None, "the header");
        assert_eq!(table_hit(body, 0, 0, 100, 2), Some(0));
        assert_eq!(table_hit(body, 1, 5, 100, 3), Some(5));
        assert_eq!(table_hit(body, 0, 0, 3, 5), None, "below the last row");
        assert_eq!(table_hit(body, 0, 0, 100, 23), None, "the status line");
        assert_eq!(table_rows(body, 1), 20);
    }
}
