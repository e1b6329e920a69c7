//! Following the calendar: a console (or a server) left running past midnight must classify as
//! of the new day, since every day count moves. The App has no clock; the runtime asks this
//! watch, and feeds [`crate::ui::Action::NewDay`] when it says so.

use chrono::NaiveDate;

/// Tells when the local date has moved past the day the console classifies as of.
#[derive(Debug, Clone, Copy)]
pub struct DayWatch {
    shown: NaiveDate,
    follow: bool,
}

impl DayWatch {
    /// A watch starting at `today`; with `follow` false (a date pinned with `--as-of`) it never
    /// fires.
    pub fn new(today: NaiveDate, follow: bool) -> DayWatch {
        DayWatch { shown: today, follow }
    }

    /// The new day when `now` (the local date) is past the last day shown; a clock set back is
    /// ignored.
    pub fn poll(&mut self, now: NaiveDate) -> Option<NaiveDate> {
        if !self.follow || now <= self.shown {
            return None;
        }
        self.shown = now;
        Some(now)
    }
}

/// The local date now.
pub fn local_today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("valid date")
    }

    #[test]
    fn fires_once_per_new_day_and_never_backwards_or_when_pinned() {
        let mut w = DayWatch::new(day(24), true);
        assert_eq!(w.poll(day(24)), None);
        assert_eq!(w.poll(day(25)), Some(day(25)));
        assert_eq!(w.poll(day(25)), None, "once");
        assert_eq!(w.poll(day(23)), None, "a clock set back");
        let mut pinned = DayWatch::new(day(24), false);
        assert_eq!(pinned.poll(day(26)), None);
    }
}
