//! Scrolling a list by one row costs one terminal scroll and two rows, not a repaint.
//!
//! ratatui sends only the cells that changed, but when a list scrolls every row changes: at 80x24
//! one `j` past the bottom cost ~2.4 KB, a slow SSH link's worth of a keystroke. [`Scrolling`]
//! wraps a backend, keeps what the terminal shows, and when a frame's rows are the shown rows
//! moved by one it asks the terminal to scroll that band (DECSTBM + SU/SD: a dozen bytes) and then
//! draws only the cells that still differ (the band's new row and the moved cursor highlight).
//! What is drawn is always the difference from what is on screen after the scroll, so a frame
//! that merely looks like a scroll still comes out exactly right.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use unicode_width::UnicodeWidthStr;

/// Fewest rows a moved band must have to be worth a scroll.
const MIN_BAND: u16 = 3;

/// A backend that turns one-row scrolls into terminal scrolls (see the module docs).
#[derive(Debug)]
pub struct Scrolling<B: Backend> {
    inner: B,
    /// What the terminal shows; None once something this backend cannot follow happened (a
    /// partial clear, a scroll asked from outside), until the next full clear. A wrong picture
    /// would draw a wrong screen, so without one frames pass through unchanged.
    shown: Option<Buffer>,
}

impl<B: Backend> Scrolling<B> {
    /// Wraps `inner` over a blank screen (a fresh alternate screen, as ratatui assumes too).
    pub fn new(inner: B) -> Scrolling<B> {
        Scrolling { inner, shown: Some(Buffer::empty(Rect::ZERO)) }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The wrapped backend, to change.
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }
}

/// Which way a band of rows moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shift {
    /// Rows moved up (the list scrolled down): row r shows what row r + 1 showed.
    Up,
    /// Rows moved down: row r shows what row r − 1 showed.
    Down,
}

fn row(b: &Buffer, y: u16) -> &[Cell] {
    let w = b.area.width as usize;
    &b.content[y as usize * w..(y as usize + 1) * w]
}

/// The longest band of rows of `next` that are rows of `shown` moved by one, as the rows the
/// scroll covers (a half-open range) and the direction.
fn moved_band(shown: &Buffer, next: &Buffer) -> Option<(std::ops::Range<u16>, Shift)> {
    let h = shown.area.height;
    let mut best: Option<(std::ops::Range<u16>, Shift)> = None;
    for shift in [Shift::Up, Shift::Down] {
        let mut start = None;
        for y in 0..=h {
            let moved = y < h
                && match shift {
                    Shift::Up => {
                        y + 1 < h && row(next, y) == row(shown, y + 1) && row(next, y) != row(shown, y)
                    }
                    Shift::Down => {
                        y > 0 && row(next, y) == row(shown, y - 1) && row(next, y) != row(shown, y)
                    }
                };
            match (moved, start) {
                (true, None) => start = Some(y),
                (false, Some(s)) => {
                    // Up: rows s..y take rows s+1..y+1, so the scroll covers s..y+1.
                    let band = match shift {
                        Shift::Up => s..y + 1,
                        Shift::Down => s - 1..y,
                    };
                    if band.len() as u16 > MIN_BAND && best.as_ref().is_none_or(|(b, _)| band.len() > b.len())
                    {
                        best = Some((band, shift));
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    best
}

/// Moves the rows of `band` in `b` by one, as the terminal's scroll does (the freed row blank).
fn shift_rows(b: &mut Buffer, band: &std::ops::Range<u16>, shift: Shift) {
    let w = b.area.width as usize;
    let cells = &mut b.content[band.start as usize * w..band.end as usize * w];
    match shift {
        Shift::Up => {
            cells.rotate_left(w);
            let n = cells.len();
            cells[n - w..].fill_with(Cell::default);
        }
        Shift::Down => {
            cells.rotate_right(w);
            cells[..w].fill_with(Cell::default);
        }
    }
}

impl<B: Backend> Backend for Scrolling<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = self.inner.size()?;
        let area = Rect::new(0, 0, size.width, size.height);
        let Some(shown) = self.shown.as_mut() else { return self.inner.draw(content) };
        if shown.area != area {
            // A new size comes with a full clear (ratatui clears on every resize).
            *shown = Buffer::empty(area);
        }
        let changes: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        let mut next = shown.clone();
        for (x, y, c) in &changes {
            if let Some(cell) = next.cell_mut((*x, *y)) {
                *cell = c.clone();
            }
            // A wide character covers the cells after it, which ratatui then keeps blank and
            // never sends: blank them here too, so rows compare as ratatui's own frame does.
            for dx in 1..c.symbol().width() as u16 {
                if let Some(cell) = next.cell_mut((x + dx, *y)) {
                    cell.reset();
                }
            }
        }
        // Only a frame that changed several rows can be a scroll.
        if changes.len() > 2 * size.width as usize
            && let Some((band, shift)) = moved_band(shown, &next)
        {
            shift_rows(shown, &band, shift);
            let rest: Vec<(u16, u16, Cell)> =
                shown.diff(&next).into_iter().map(|(x, y, c)| (x, y, c.clone())).collect();
            *shown = next;
            match shift {
                Shift::Up => self.inner.scroll_region_up(band, 1)?,
                Shift::Down => self.inner.scroll_region_down(band, 1)?,
            }
            return self.inner.draw(rest.iter().map(|(x, y, c)| (*x, *y, c)));
        }
        *shown = next;
        self.inner.draw(changes.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.shown = Some(Buffer::empty(Rect::ZERO));
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        // Which cells a partial clear blanks depends on the cursor: stop following.
        if clear_type == ClearType::All {
            return self.clear();
        }
        self.shown = None;
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }

    fn scroll_region_up(&mut self, region: std::ops::Range<u16>, line_count: u16) -> Result<(), Self::Error> {
        self.shown = None;
        self.inner.scroll_region_up(region, line_count)
    }

    fn scroll_region_down(
        &mut self,
        region: std::ops::Range<u16>,
        line_count: u16,
    ) -> Result<(), Self::Error> {
        self.shown = None;
        self.inner.scroll_region_down(region, line_count)
    }
}
