//! When a console draws: at most once per batch of input, and not before the answer to a
//! search just asked for has had a frame's time to arrive.

use std::time::{Duration, Instant};

/// How long a frame waits for the answer to a search just asked for, about one frame at
/// 60 Hz. A small or medium shop answers within it, so the list goes from the old results to
/// the new in one frame with no flash of stale rows; a large one draws at the end of it (the
/// typed key shows at once) and again as the best-so-far and then the whole answer come.
/// Keys are read meanwhile: the wait holds back only the drawing, never the input.
pub const ANSWER_WAIT: Duration = Duration::from_millis(16);

/// When to draw: a frame is due once something changed, held back (up to [`ANSWER_WAIT`]) the
/// first time the answer to a new search is awaited. Searches are told apart by generation,
/// so a best-so-far arriving after the held frame was drawn is drawn at once.
#[derive(Debug, Default)]
pub struct FramePacer {
    dirty: bool,
    /// The search the pacer last held a frame for.
    held_for: Option<u64>,
    /// Since when the next frame is held for it.
    since: Option<Instant>,
}

impl FramePacer {
    /// Something changed at `now`; `awaited` is the search whose answer the App waits for.
    pub fn changed(&mut self, awaited: Option<u64>, now: Instant) {
        self.dirty = true;
        match awaited {
            None => self.since = None,
            Some(g) if self.held_for != Some(g) => {
                self.held_for = Some(g);
                self.since = Some(now);
            }
            Some(_) => {}
        }
    }

    /// Whether to draw at `now`; true also marks the frame drawn.
    pub fn due(&mut self, awaited: Option<u64>, now: Instant) -> bool {
        let held = awaited.is_some() && self.since.is_some_and(|t| now < t + ANSWER_WAIT);
        if !self.dirty || held {
            return false;
        }
        self.dirty = false;
        self.since = None;
        true
    }

    /// When the held frame is due at the latest, if one is held.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.filter(|_| self.dirty).map(|t| t + ANSWER_WAIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_waits_for_a_new_search_but_not_longer_than_the_wait() {
        let t = Instant::now();
        let ms = Duration::from_millis;
        let mut p = FramePacer::default();
        assert!(!p.due(None, t), "nothing changed");
        p.changed(Some(1), t);
        assert!(!p.due(Some(1), t + ms(5)), "held for the answer");
        assert_eq!(p.deadline(), Some(t + ANSWER_WAIT));
        assert!(p.due(Some(1), t + ANSWER_WAIT), "drawn once the wait is over, answer or not");
        assert!(!p.due(Some(1), t + ANSWER_WAIT), "once");
        // A best-so-far of the same search comes later: drawn at once.
        p.changed(Some(1), t + ms(40));
        assert!(p.due(Some(1), t + ms(40)));
        // Another key, another search: held again.
        p.changed(Some(2), t + ms(50));
        assert!(!p.due(Some(2), t + ms(51)));
    }

    #[test]
    fn an_answer_in_time_draws_at_once() {
        let t = Instant::now();
        let ms = Duration::from_millis;
        let mut p = FramePacer::default();
        p.changed(Some(1), t);
        assert!(!p.due(Some(1), t + ms(2)));
        p.changed(None, t + ms(3));
        assert!(p.due(None, t + ms(3)));
        p.changed(None, t + ms(4));
        assert!(p.due(None, t + ms(4)), "no search, no wait");
        assert_eq!(p.deadline(), None);
    }
}
