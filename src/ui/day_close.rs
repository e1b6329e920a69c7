//! The day's close in the console (`5`): what `kehu report day` prints — the day's sales and
//! returns, new members, top-ups and payments from stored value, points, contacts and the
//! follow-ups still due, with 30 days of revenue — for today or, with ←/→, any day before.
//!
//! The runtime reads the figures from the store each time a day is shown (one pass over the
//! histories, [`crate::report::day::DayBook`], as the command does), so the console and the
//! command line never disagree; the follow-ups still due are the console's own queue, known
//! for today alone, so a past day leaves that row out.

use super::action::{Action, Effect};
use super::app::{App, View};
use super::widgets::fit;
use crate::i18n::{Lang, tr_in, trf_in};
use crate::report::day::{DayReport, best_day, rows};
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Paragraph, Sparkline};
use unicode_width::UnicodeWidthStr;

/// Which day is shown and its figures once read.
#[derive(Debug, Clone, Default)]
pub struct DayCloseState {
    /// The day asked for (None until the view is first opened).
    pub date: Option<NaiveDate>,
    /// Its figures, when the runtime has answered for that day.
    pub report: Option<DayReport>,
}

impl DayCloseState {
    /// Keeps an answer if it is for the day still shown (a quick ←← answers twice).
    pub(super) fn loaded(&mut self, report: DayReport) {
        if self.date == Some(report.date) {
            self.report = Some(report);
        }
    }
}

impl App {
    /// The day's close view.
    pub fn day_close(&self) -> &DayCloseState {
        &self.day_close
    }

    /// Shows the close of `date` (never after today), asking the runtime for its figures afresh
    /// (a sale or a top-up since the last look counts).
    pub(super) fn show_day_close(&mut self, date: NaiveDate) -> Vec<Effect> {
        let date = date.min(self.today);
        self.view = View::DayClose;
        self.day_close = DayCloseState { date: Some(date), report: None };
        vec![Effect::LoadDayClose(date)]
    }

    /// Moves to `date` unless it is the day shown (→ on today reads nothing again).
    fn move_day_close(&mut self, date: NaiveDate) -> Vec<Effect> {
        match self.day_close.date == Some(date.min(self.today)) {
            true => vec![],
            false => self.show_day_close(date),
        }
    }

    pub(super) fn on_day_close(&mut self, action: Action) -> Vec<Effect> {
        let shown = self.day_close.date.unwrap_or(self.today);
        match action {
            Action::Left => self.move_day_close(shown.pred_opt().unwrap_or(shown)),
            Action::Right => self.move_day_close(shown.succ_opt().unwrap_or(shown)),
            Action::Top => self.move_day_close(self.today),
            Action::Back => {
                self.view = View::List;
                vec![]
            }
            _ => vec![],
        }
    }
}

/// Draws the close of the day shown into `area`: the title, the figures as the command prints
/// them, then the revenue of 30 days as bars in what height is left.
pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let (lang, s) = (app.lang, &app.day_close);
    let w = area.width as usize;
    let date = s.date.unwrap_or(app.today);
    let mut y = area.y;
    let bottom = area.y + area.height;
    let line = |f: &mut Frame, y: &mut u16, text: String, style: Style| {
        if *y < bottom {
            f.render_widget(Paragraph::new(fit(&text, w)).style(style), Rect { y: *y, height: 1, ..area });
            *y += 1;
        }
    };
    let title = trf_in(lang, "Day's close {}", &[&crate::i18n::date(lang, date)]);
    let keys = tr_in(lang, "←/→ day before / after · g today");
    line(f, &mut y, format!("{title}   {keys}"), Style::new().add_modifier(Modifier::BOLD));
    line(f, &mut y, String::new(), Style::new());
    let Some(r) = s.report.as_ref().filter(|r| r.date == date) else {
        line(f, &mut y, tr_in(lang, "reading the day's records…").to_string(), Style::new());
        return;
    };
    for text in aligned(r, lang, date == app.today) {
        line(f, &mut y, text, Style::new());
    }
    line(f, &mut y, String::new(), Style::new());
    line(f, &mut y, tr_in(lang, "revenue, last 30 days").to_string(), Style::new());
    let best = best_day(r, lang);
    let room = bottom.saturating_sub(y).saturating_sub(u16::from(best.is_some()));
    let bars = room.min(4);
    if bars > 0 {
        let data: Vec<u64> = r.trend_fen.iter().map(|v| (*v).max(0) as u64).collect();
        let width = (data.len() as u16).min(area.width.saturating_sub(2));
        let set = if app.options.ascii_borders {
            super::floor::ASCII_BARS
        } else {
            ratatui::symbols::bar::NINE_LEVELS
        };
        let r = Rect { x: area.x + 2.min(area.width), y, width, height: bars };
        f.render_widget(Sparkline::default().data(data).bar_set(set), r);
        y += bars;
    }
    if let Some(best) = best {
        line(f, &mut y, format!("  {best}"), Style::new());
    }
}

/// The rows as the command line aligns them: label, count right-aligned, amount right-aligned.
fn aligned(r: &DayReport, lang: Lang, with_queue: bool) -> Vec<String> {
    let rows = rows(r, lang, with_queue);
    let label_w = rows.iter().map(|(l, _, _)| l.width()).max().unwrap_or(0);
    rows.into_iter()
        .map(|(label, count, amount)| {
            let pad = " ".repeat(label_w - label.width());
            format!("  {label}{pad}  {count:>6}  {amount:>12}").trim_end().to_string()
        })
        .collect()
}
