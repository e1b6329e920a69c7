//! Bytes from an SSH client's terminal turned into crossterm key and paste events.
//!
//! An SSH channel delivers whatever the client's terminal sent, cut wherever the network cut
//! it: several keys in one packet, an escape sequence or a UTF-8 character split across two.
//! The decoder keeps what it cannot decide yet. A lone ESC is ambiguous (the Esc key, or the
//! start of a sequence still in flight): it is the Esc key when nothing followed within
//! [`ESC_WAIT`]. Time is passed in, never read, so every decision is testable.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

/// How long an ESC may wait for the rest of a sequence before it counts as the Esc key.
pub const ESC_WAIT: Duration = Duration::from_millis(50);
/// Largest paste kept; the rest of a longer one is dropped (a form field is far shorter).
const PASTE_LIMIT: usize = 1 << 20;
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// The decoder of one session's input.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes not decoded yet: an unfinished sequence or character.
    pending: Vec<u8>,
    /// When the unfinished bytes began to wait.
    since: Option<Instant>,
    /// Inside a bracketed paste: the text so far.
    paste: Option<Vec<u8>>,
}

/// What one look at the front of the buffer found.
enum Step {
    /// An event, and how many bytes it took.
    Event(Event, usize),
    /// Bytes that mean nothing to the console, skipped.
    Skip(usize),
    /// A bracketed paste begins after this many bytes.
    PasteStart(usize),
    /// Not enough bytes to decide.
    Incomplete,
}

impl Decoder {
    /// A decoder with nothing pending.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes the bytes that arrived at `now`, with whatever was pending before them.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Event> {
        self.pending.extend_from_slice(bytes);
        let out = self.drain(false);
        self.since = if self.pending.is_empty() { None } else { self.since.or(Some(now)) };
        out
    }

    /// When the pending bytes will be decided without more input (for the session's wait).
    pub fn deadline(&self) -> Option<Instant> {
        if self.paste.is_some() { None } else { self.since.map(|t| t + ESC_WAIT) }
    }

    /// Decides what has waited past [`ESC_WAIT`] at `now`: a lone ESC is the Esc key.
    pub fn tick(&mut self, now: Instant) -> Vec<Event> {
        match self.deadline() {
            Some(d) if now >= d => {
                self.since = None;
                self.drain(true)
            }
            _ => vec![],
        }
    }

    /// Decodes as much of the buffer as can be decided; `force` decides unfinished input too.
    fn drain(&mut self, force: bool) -> Vec<Event> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < self.pending.len() {
            if let Some(text) = self.paste.as_mut() {
                let rest = &self.pending[at..];
                match find(rest, PASTE_END) {
                    Some(end) => {
                        push_limited(text, &rest[..end]);
                        let text = self.paste.take().unwrap_or_default();
                        out.push(Event::Paste(String::from_utf8_lossy(&text).into_owned()));
                        at += end + PASTE_END.len();
                    }
                    None => {
                        // Keep a possible start of the end marker for the next packet.
                        let keep = partial_suffix(rest, PASTE_END);
                        push_limited(text, &rest[..rest.len() - keep]);
                        at = self.pending.len() - keep;
                        break;
                    }
                }
                continue;
            }
            match step(&self.pending[at..], force) {
                Step::Event(e, n) => {
                    out.push(e);
                    at += n;
                }
                Step::Skip(n) => at += n,
                Step::PasteStart(n) => {
                    self.paste = Some(Vec::new());
                    at += n;
                }
                Step::Incomplete => break,
            }
        }
        self.pending.drain(..at);
        out
    }
}

/// Appends to a paste up to [`PASTE_LIMIT`].
fn push_limited(text: &mut Vec<u8>, more: &[u8]) {
    let room = PASTE_LIMIT.saturating_sub(text.len());
    text.extend_from_slice(&more[..more.len().min(room)]);
}

/// Where `needle` starts in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How many bytes at the end of `hay` could begin `needle`.
fn partial_suffix(hay: &[u8], needle: &[u8]) -> usize {
    (1..needle.len().min(hay.len() + 1)).rev().find(|&n| hay.ends_with(&needle[..n])).unwrap_or(0)
}

fn key(code: KeyCode, mods: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, mods))
}

/// A character key as crossterm reports it: upper case carries SHIFT.
fn char_key(c: char, mods: KeyModifiers) -> Event {
    let shift = if c.is_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
    key(KeyCode::Char(c), mods | shift)
}

/// Decodes the event at the front of `b` (not empty).
fn step(b: &[u8], force: bool) -> Step {
    match b[0] {
        0x1b => escape(b, force),
        b'\r' | b'\n' => Step::Event(key(KeyCode::Enter, KeyModifiers::NONE), 1),
        b'\t' => Step::Event(key(KeyCode::Tab, KeyModifiers::NONE), 1),
        0x7f | 0x08 => Step::Event(key(KeyCode::Backspace, KeyModifiers::NONE), 1),
        0x00 => Step::Event(key(KeyCode::Char(' '), KeyModifiers::CONTROL), 1),
        c @ 0x01..=0x1a => Step::Event(key(KeyCode::Char((b'a' + c - 1) as char), KeyModifiers::CONTROL), 1),
        c @ 0x1c..=0x1f => {
            Step::Event(key(KeyCode::Char((b'4' + c - 0x1c) as char), KeyModifiers::CONTROL), 1)
        }
        _ => match utf8(b, force) {
            Some(Ok((c, n))) => Step::Event(char_key(c, KeyModifiers::NONE), n),
            Some(Err(n)) => Step::Skip(n),
            None => Step::Incomplete,
        },
    }
}

/// The character at the front of `b`: `Ok((char, len))`, `Err(len)` for bytes to skip, or
/// `None` while a split character waits for its rest (unless `force`).
fn utf8(b: &[u8], force: bool) -> Option<Result<(char, usize), usize>> {
    let len = match b[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Some(Err(1)),
    };
    if b.len() < len {
        let continuing = b[1..].iter().all(|&x| x & 0xc0 == 0x80);
        return if force || !continuing { Some(Err(b.len().min(len))) } else { None };
    }
    match std::str::from_utf8(&b[..len]) {
        Ok(s) => s.chars().next().map(|c| Ok((c, len))),
        Err(_) => Some(Err(1)),
    }
}

/// Decodes what starts with ESC.
fn escape(b: &[u8], force: bool) -> Step {
    let esc = key(KeyCode::Esc, KeyModifiers::NONE);
    match b.get(1) {
        None if force => Step::Event(esc, 1),
        None => Step::Incomplete,
        Some(b'[') => match csi(b) {
            Some(s) => s,
            None if force => Step::Event(char_key('[', KeyModifiers::ALT), 2),
            None => Step::Incomplete,
        },
        Some(b'O') => match b.get(2) {
            Some(&f) => Step::Event(ss3(f).map_or(esc, |c| key(c, KeyModifiers::NONE)), 3),
            None if force => Step::Event(char_key('O', KeyModifiers::ALT), 2),
            None => Step::Incomplete,
        },
        // ESC ESC: the first is the Esc key; the second starts over.
        Some(0x1b) => Step::Event(esc, 1),
        Some(_) => match step(&b[1..], force) {
            Step::Event(Event::Key(k), n) => Step::Event(key(k.code, k.modifiers | KeyModifiers::ALT), n + 1),
            Step::Incomplete => Step::Incomplete,
            _ => Step::Event(esc, 1),
        },
    }
}

/// The key of an SS3 sequence (`ESC O x`), sent by terminals in application cursor mode.
fn ss3(f: u8) -> Option<KeyCode> {
    Some(match f {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P'..=b'S' => KeyCode::F(f - b'P' + 1),
        _ => return None,
    })
}

/// Decodes a CSI sequence (`ESC [ params final`); `None` while it is unfinished.
fn csi(b: &[u8]) -> Option<Step> {
    let body = &b[2..];
    let end = body.iter().position(|&c| (0x40..=0x7e).contains(&c))?;
    let len = 2 + end + 1;
    let params: Vec<u16> =
        std::str::from_utf8(&body[..end]).unwrap_or("").split(';').map(|p| p.parse().unwrap_or(0)).collect();
    if b[..len] == *PASTE_START {
        return Some(Step::PasteStart(len));
    }
    let mods = modifiers(params.get(1).copied().unwrap_or(1));
    let code = match body[end] {
        b'Z' => return Some(Step::Event(key(KeyCode::BackTab, KeyModifiers::SHIFT), len)),
        b'~' => tilde(params.first().copied().unwrap_or(0)),
        // Cursor and F1–F4 keys end as in SS3 (`ESC [ 1;5A` is Ctrl+Up).
        f => ss3(f),
    };
    // Otherwise mouse reports, focus events and answers to queries: nothing the console asked for.
    let Some(code) = code else { return Some(Step::Skip(len)) };
    Some(Step::Event(key(code, mods), len))
}

/// The key of `ESC [ n ~`.
fn tilde(n: u16) -> Option<KeyCode> {
    Some(match n {
        1 | 7 => KeyCode::Home,
        2 => KeyCode::Insert,
        3 => KeyCode::Delete,
        4 | 8 => KeyCode::End,
        5 => KeyCode::PageUp,
        6 => KeyCode::PageDown,
        11..=15 => KeyCode::F((n - 10) as u8),
        17..=21 => KeyCode::F((n - 11) as u8),
        23 | 24 => KeyCode::F((n - 12) as u8),
        _ => return None,
    })
}

/// The modifiers of an xterm modifier parameter (1 + shift 1 + alt 2 + ctrl 4).
fn modifiers(p: u16) -> KeyModifiers {
    let bits = p.saturating_sub(1);
    let mut m = KeyModifiers::NONE;
    if bits & 1 != 0 {
        m |= KeyModifiers::SHIFT;
    }
    if bits & 2 != 0 {
        m |= KeyModifiers::ALT;
    }
    if bits & 4 != 0 {
        m |= KeyModifiers::CONTROL;
    }
    m
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
