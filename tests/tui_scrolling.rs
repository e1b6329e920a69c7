//! The scrolling backend: whatever the frames, the screen it leaves is the screen ratatui drew
//! (compared cell by cell with a plain backend), and a one-row scroll of the list goes out as a
//! terminal scroll plus a few cells instead of a repaint.

mod ui_fixture;
use kehu::tui::scrolling::Scrolling;
use kehu::ui::{Action, render};
use ratatui::Terminal;
use ratatui::backend::{Backend, TestBackend};
use ratatui::buffer::Cell;
use ui_fixture::*;

/// A test backend that counts the cells it was asked to draw.
struct Counting {
    inner: TestBackend,
    cells: usize,
    scrolls: usize,
}

impl Backend for Counting {
    type Error = <TestBackend as Backend>::Error;
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> Result<(), Self::Error> {
        let v: Vec<_> = content.collect();
        self.cells += v.len();
        self.inner.draw(v.into_iter())
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
    fn scroll_region_up(&mut self, r: std::ops::Range<u16>, n: u16) -> Result<(), Self::Error> {
        self.scrolls += 1;
        self.inner.scroll_region_up(r, n)
    }
    fn scroll_region_down(&mut self, r: std::ops::Range<u16>, n: u16) -> Result<(), Self::Error> {
        self.scrolls += 1;
        self.inner.scroll_region_down(r, n)
    }
}

/// The screen as a terminal shows it: each cell's symbol and style, without the cells a wide
/// character covers (what a backend holds there is never shown).
fn visible(b: &ratatui::buffer::Buffer) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    (0..b.area.height)
        .map(|y| {
            let mut out = String::new();
            let mut x = 0;
            while x < b.area.width {
                let c = &b[(x, y)];
                let m = c.modifier;
                out.push_str(&format!(
                    "{}{}",
                    c.symbol(),
                    if m.is_empty() { String::new() } else { format!("<{m:?}>") }
                ));
                x += (c.symbol().width() as u16).max(1);
            }
            out
        })
        .collect()
}

#[test]
fn scrolling_the_list_draws_what_a_repaint_draws_with_a_fraction_of_the_cells() {
    let mut app = app();
    let counting = Counting { inner: TestBackend::new(80, 24), cells: 0, scrolls: 0 };
    let mut fast = Terminal::new(Scrolling::new(counting)).unwrap();
    // The reference: the frame drawn whole on a blank screen of the same size.
    let frame = |app: &kehu::ui::App, fast: &mut Terminal<Scrolling<Counting>>| {
        fast.draw(|f| render(app, f)).unwrap();
        let size = fast.backend().inner().inner.buffer().area;
        let mut whole = Terminal::new(TestBackend::new(size.width, size.height)).unwrap();
        whole.draw(|f| render(app, f)).unwrap();
        let (got, want) = (visible(fast.backend().inner().inner.buffer()), visible(whole.backend().buffer()));
        if let Some(y) = (0..got.len()).find(|&y| got[y] != want[y]) {
            panic!("row {y} differs:\n got {}\nwant {}", got[y], want[y]);
        }
    };
    frame(&app, &mut fast);
    // Down past the bottom of the page (one-row scrolls), a page, back up past the top.
    let keys: Vec<Action> = std::iter::repeat_n(Action::Down, 30)
        .chain([Action::PageDown])
        .chain(std::iter::repeat_n(Action::Up, 45))
        .collect();
    let mut scroll_cells = Vec::new();
    for (i, key) in keys.into_iter().enumerate() {
        app.update(key);
        let before = fast.backend().inner().cells;
        frame(&app, &mut fast);
        if (21..30).contains(&i) {
            scroll_cells.push(fast.backend().inner().cells - before);
        }
    }
    let b = fast.backend().inner();
    assert!(b.scrolls >= 8, "one-row scrolls went out as terminal scrolls: {}", b.scrolls);
    // A repaint of the list is ~20 rows x 80 cells; a scroll redraws about two rows.
    assert!(scroll_cells.iter().all(|&n| n < 4 * 80), "cells drawn per one-row scroll: {scroll_cells:?}");
    // A resize (a full clear) and more keys still draw the right screen.
    app.update(Action::Resize(60, 20));
    fast.backend_mut().inner_mut().inner.resize(60, 20);
    fast.resize(ratatui::layout::Rect::new(0, 0, 60, 20)).unwrap();
    frame(&app, &mut fast);
    for _ in 0..25 {
        app.update(Action::Down);
        frame(&app, &mut fast);
    }
}
