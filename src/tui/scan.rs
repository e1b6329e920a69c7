//! Telling a card scanner from a person: a scanner types a card number and Enter in a burst
//! (keys under 50 ms apart), a person does not. Card characters are held back until the burst
//! is decided, so a scanned `2` never also switches to the segments view; held keys that turn
//! out to be typing are released in order. Pure: the caller passes the time of every key.

use crate::ui::{CardLeads, CardPattern};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

/// Keys closer together than this can be a scanner.
pub const BURST_GAP: Duration = Duration::from_millis(50);
/// A burst needs at least this many characters before its Enter.
pub const MIN_SCAN_CHARS: usize = 6;
/// The same card scanned again within this time is ignored (a double read).
pub const REPEAT_WINDOW: Duration = Duration::from_secs(2);
/// Longer than any card: past this the keys are typing (a held key), released at once.
const MAX_SCAN_CHARS: usize = 32;

/// What the detector hands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fed {
    /// A key to handle as usual (typing, or a shortcut).
    Key(KeyEvent),
    /// A card number the scanner sent.
    Scan(String),
}

/// Splits keys into scans and ordinary keys.
#[derive(Debug, Clone)]
pub struct ScanDetector {
    pattern: CardPattern,
    leads: CardLeads,
    held: Vec<KeyEvent>,
    last: Option<Instant>,
    last_scan: Option<(String, Instant)>,
}

impl ScanDetector {
    /// A detector for card numbers of this pattern.
    pub fn new(pattern: CardPattern) -> ScanDetector {
        ScanDetector { pattern, leads: CardLeads::ANY, held: Vec::new(), last: None, last_scan: None }
    }

    /// Follows the shop's card pattern (it is known once the refs are read, and widens when a
    /// ref of a new shape is saved).
    pub fn set_pattern(&mut self, pattern: CardPattern) {
        self.pattern = pattern;
    }

    /// Follows what the shop's cards begin with: a key no card begins with is never held.
    pub fn set_leads(&mut self, leads: CardLeads) {
        self.leads = leads;
    }

    /// When held keys must be released if nothing else arrives (for the event loop's timeout).
    pub fn deadline(&self) -> Option<Instant> {
        self.last.filter(|_| !self.held.is_empty()).map(|t| t + BURST_GAP)
    }

    /// Releases held keys once the burst window has passed without another key.
    pub fn tick(&mut self, now: Instant) -> Vec<Fed> {
        match self.deadline() {
            Some(d) if now >= d => self.release(),
            _ => vec![],
        }
    }

    /// Releases every held key (e.g. before a paste or a mouse event, which are not scans).
    pub fn release(&mut self) -> Vec<Fed> {
        self.last = None;
        self.held.drain(..).map(Fed::Key).collect()
    }

    fn card_char(&self, k: &KeyEvent) -> Option<char> {
        match k.code {
            KeyCode::Char(c)
                if !k.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                    && self.pattern.allows(c) =>
            {
                Some(c)
            }
            _ => None,
        }
    }

    /// One key pressed at `at`; what to handle now, in order.
    pub fn feed(&mut self, key: KeyEvent, at: Instant) -> Vec<Fed> {
        let mut out = Vec::new();
        // A pause ends a burst: what was held was typed by a person.
        if self.last.is_some_and(|t| at.saturating_duration_since(t) >= BURST_GAP) {
            out.extend(self.release());
        }
        if self.card_char(&key).is_some_and(|c| !self.held.is_empty() || self.leads.allows(c)) {
            self.held.push(key);
            self.last = Some(at);
            if self.held.len() > MAX_SCAN_CHARS {
                out.extend(self.release());
            }
            return out;
        }
        let plain_enter = key.code == KeyCode::Enter && key.modifiers.is_empty();
        let card: String = self.held.iter().filter_map(|k| self.card_char(k)).collect();
        // A fast typist's name and Enter is typing: every card has a digit.
        if plain_enter && self.held.len() >= MIN_SCAN_CHARS && self.pattern.matches(&card) {
            self.held.clear();
            self.last = None;
            let repeat = self
                .last_scan
                .as_ref()
                .is_some_and(|(s, t)| *s == card && at.saturating_duration_since(*t) < REPEAT_WINDOW);
            if !repeat {
                self.last_scan = Some((card.clone(), at));
                out.push(Fed::Scan(card));
            }
            return out;
        }
        out.extend(self.release());
        out.push(Fed::Key(key));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn enter() -> KeyEvent {
        KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
    }

    /// Types `s` then Enter, `gap_ms` apart, from `start`; everything handed on.
    fn burst(d: &mut ScanDetector, start: Instant, s: &str, gap_ms: u64) -> Vec<Fed> {
        let mut out = Vec::new();
        let mut t = start;
        for c in s.chars() {
            out.extend(d.feed(ch(c), t));
            t += Duration::from_millis(gap_ms);
        }
        out.extend(d.feed(enter(), t));
        out.extend(d.tick(t + Duration::from_secs(1)));
        out
    }

    fn keys(s: &str) -> Vec<Fed> {
        s.chars().map(|c| Fed::Key(ch(c))).chain([Fed::Key(enter())]).collect()
    }

    #[test]
    fn eight_digits_ten_ms_apart_are_a_scan() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        assert_eq!(burst(&mut d, Instant::now(), "12345678", 10), vec![Fed::Scan("12345678".into())]);
    }

    #[test]
    fn held_digits_are_not_handed_on_until_decided() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        let t = Instant::now();
        assert_eq!(d.feed(ch('2'), t), vec![]);
        assert_eq!(d.deadline(), Some(t + BURST_GAP));
        assert_eq!(d.tick(t + Duration::from_millis(49)), vec![]);
        assert_eq!(d.tick(t + Duration::from_millis(50)), vec![Fed::Key(ch('2'))]);
        assert_eq!(d.deadline(), None);
    }

    #[test]
    fn five_fast_characters_are_typing() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        assert_eq!(burst(&mut d, Instant::now(), "12345", 10), keys("12345"));
    }

    #[test]
    fn a_sixty_ms_gap_is_typing() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        assert_eq!(burst(&mut d, Instant::now(), "12345678", 60), keys("12345678"));
    }

    #[test]
    fn a_pause_inside_a_burst_releases_what_came_before() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        let t = Instant::now();
        for (i, c) in "12".chars().enumerate() {
            assert_eq!(d.feed(ch(c), t + Duration::from_millis(10 * i as u64)), vec![]);
        }
        let later = t + Duration::from_millis(200);
        assert_eq!(d.feed(ch('3'), later), vec![Fed::Key(ch('1')), Fed::Key(ch('2'))]);
    }

    #[test]
    fn other_keys_release_the_held_ones_first() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        let t = Instant::now();
        d.feed(ch('1'), t);
        let out = d.feed(ch('j'), t + Duration::from_millis(5));
        assert_eq!(out, vec![Fed::Key(ch('1')), Fed::Key(ch('j'))]);
        // Non-ASCII (an IME typing hanzi key by key) is never held.
        assert_eq!(d.feed(ch('王'), t + Duration::from_millis(6)), vec![Fed::Key(ch('王'))]);
    }

    #[test]
    fn the_same_scan_within_two_seconds_is_ignored() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        let t = Instant::now();
        let scan = vec![Fed::Scan("12345678".into())];
        assert_eq!(burst(&mut d, t, "12345678", 10), scan);
        assert_eq!(burst(&mut d, t + Duration::from_secs(1), "12345678", 10), vec![]);
        assert_eq!(burst(&mut d, t + Duration::from_millis(2500), "12345678", 10), scan);
        // Another card is never a repeat.
        assert_eq!(
            burst(&mut d, t + Duration::from_millis(2600), "87654321", 10),
            vec![Fed::Scan("87654321".into())]
        );
    }

    #[test]
    fn the_pattern_decides_what_a_card_is_made_of() {
        let mut d = ScanDetector::new(CardPattern::Alphanumeric);
        assert_eq!(burst(&mut d, Instant::now(), "VIP00123", 10), vec![Fed::Scan("VIP00123".into())]);
        let mut d = ScanDetector::new(CardPattern::Digits);
        let out = burst(&mut d, Instant::now(), "VIP00123", 10);
        assert!(out.iter().all(|f| matches!(f, Fed::Key(_))), "{out:?}");
        assert_eq!(out.len(), 9);
        // A name typed fast and Enter, where cards carry letters, is still typing.
        let mut d = ScanDetector::new(CardPattern::Alphanumeric);
        let out = burst(&mut d, Instant::now(), "zhangwei", 10);
        assert!(out.iter().all(|f| matches!(f, Fed::Key(_))), "{out:?}");
        assert_eq!(out.len(), 9);
    }

    #[test]
    fn a_letter_no_card_begins_with_is_handed_on_at_once() {
        let mut d = ScanDetector::new(CardPattern::Alphanumeric);
        d.set_leads(crate::ui::CardLeads::digits().with("M0001"));
        let t = Instant::now();
        assert_eq!(d.feed(ch('j'), t), vec![Fed::Key(ch('j'))], "not held: no card begins with j");
        assert_eq!(d.deadline(), None);
        assert!(d.feed(ch('m'), t).is_empty(), "m may begin a card (either case)");
        d.release();
        assert!(d.feed(ch('7'), t).is_empty(), "a digit may begin a card");
        d.release();
        // Inside a burst every card character is held, whatever it is.
        assert_eq!(burst(&mut d, t, "M0J0123", 10), vec![Fed::Scan("M0J0123".into())]);
    }

    #[test]
    fn a_held_key_is_released_past_the_longest_card() {
        let mut d = ScanDetector::new(CardPattern::Digits);
        let t = Instant::now();
        let mut out = Vec::new();
        for i in 0..=MAX_SCAN_CHARS as u64 {
            out.extend(d.feed(ch('1'), t + Duration::from_millis(i * 30)));
        }
        assert_eq!(out.len(), MAX_SCAN_CHARS + 1);
    }
}
