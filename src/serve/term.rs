//! One session's screen: a ratatui backend that draws the client's size (never the server's
//! terminal, which a daemon does not have) into a buffer that leaves as one SSH write per frame.

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// Largest screen a client may ask for: a window size is the client's to choose, and a screen
/// buffer of 65535x65535 cells would be hundreds of GB.
pub const MAX_COLS: u16 = 512;
/// See [`MAX_COLS`].
pub const MAX_ROWS: u16 = 256;

/// A client-supplied window size, clamped to what the server will draw.
pub fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    let c = cols.min(u32::from(MAX_COLS)) as u16;
    let r = rows.min(u32::from(MAX_ROWS)) as u16;
    (c, r)
}

/// Start of a session: the alternate screen, no cursor, bracketed paste (so that a pasted or
/// scanned number arrives as text, never as keys).
pub const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l\x1b[?2004h\x1b[H\x1b[2J";
/// End of a session: everything [`ENTER`] changed, put back.
pub const LEAVE: &[u8] = b"\x1b[?2004l\x1b[0m\x1b[?25h\x1b[?1049l";

/// Collects what a frame writes; taken whole with [`SessionBackend::take_frame`] (shared with
/// the backend, since crossterm's backend keeps its writer to itself).
#[derive(Debug, Default, Clone)]
pub struct FrameBuffer(Arc<Mutex<Vec<u8>>>);

impl FrameBuffer {
    fn bytes(&self) -> std::sync::MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Write for FrameBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes().extend_from_slice(buf);
        Ok(buf.len())
    }

    /// Nothing leaves on flush: crossterm flushes after every cursor command, and a frame must
    /// leave as one write.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The backend of one session: crossterm's escape sequences, the client's size.
pub struct SessionBackend {
    inner: CrosstermBackend<FrameBuffer>,
    frame: FrameBuffer,
    size: Size,
    cursor: Position,
}

impl SessionBackend {
    /// A backend drawing `cols` x `rows` (already clamped).
    pub fn new(cols: u16, rows: u16) -> SessionBackend {
        let frame = FrameBuffer::default();
        SessionBackend {
            inner: CrosstermBackend::new(frame.clone()),
            frame,
            size: Size::new(cols, rows),
            cursor: Position::ORIGIN,
        }
    }

    /// Follows a window change of the client.
    pub fn set_size(&mut self, cols: u16, rows: u16) {
        self.size = Size::new(cols, rows);
    }

    /// The bytes written since the last call: one frame, ready for the channel.
    pub fn take_frame(&mut self) -> Vec<u8> {
        std::mem::take(&mut *self.frame.bytes())
    }
}

impl Backend for SessionBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    /// The position last set: asking the client would be a round trip (and a hang where it
    /// does not answer).
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.cursor = position.into();
        self.inner.set_cursor_position(self.cursor)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize { columns_rows: self.size, pixels: Size::default() })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn scroll_region_up(&mut self, region: std::ops::Range<u16>, line_count: u16) -> io::Result<()> {
        // Into the frame's bytes like every cell (the inner backend's flush is the frame's).
        self.inner.scroll_region_up(region, line_count)
    }

    fn scroll_region_down(&mut self, region: std::ops::Range<u16>, line_count: u16) -> io::Result<()> {
        self.inner.scroll_region_down(region, line_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(65535, 65535), (MAX_COLS, MAX_ROWS));
        assert_eq!(clamp_size(u32::MAX, 24), (MAX_COLS, 24));
        assert_eq!(clamp_size(80, 24), (80, 24));
        assert_eq!(clamp_size(0, 0), (0, 0));
    }

    #[test]
    fn a_frame_leaves_whole_and_redraws_only_changes() {
        let viewport = Viewport::Fixed(Rect::new(0, 0, 20, 3));
        let mut t = Terminal::with_options(SessionBackend::new(20, 3), TerminalOptions { viewport }).unwrap();
        t.draw(|f| f.render_widget(Paragraph::new("hello"), f.area())).unwrap();
        let first = t.backend_mut().take_frame();
        assert!(String::from_utf8_lossy(&first).contains("hello"));
        t.draw(|f| f.render_widget(Paragraph::new("hellO"), f.area())).unwrap();
        let second = t.backend_mut().take_frame();
        assert!(second.len() < first.len(), "only the changed cell: {second:?}");
        assert!(String::from_utf8_lossy(&second).contains('O'));
    }

    #[test]
    fn a_resize_to_nothing_and_back_draws() {
        let viewport = Viewport::Fixed(Rect::new(0, 0, 10, 2));
        let mut t = Terminal::with_options(SessionBackend::new(10, 2), TerminalOptions { viewport }).unwrap();
        t.backend_mut().set_size(0, 0);
        t.resize(Rect::new(0, 0, 0, 0)).unwrap();
        t.draw(|f| f.render_widget(Paragraph::new("x"), f.area())).unwrap();
        t.backend_mut().set_size(MAX_COLS, MAX_ROWS);
        t.resize(Rect::new(0, 0, MAX_COLS, MAX_ROWS)).unwrap();
        t.draw(|f| f.render_widget(Paragraph::new("x"), f.area())).unwrap();
        assert!(!t.backend_mut().take_frame().is_empty());
    }
}
