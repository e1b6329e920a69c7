//! The follow-up queue: who to contact today, why and how, most urgent first; narrowed by
//! action (`f`) and by channel (`c`), so that a phone worker can take the calls of one kind.

use super::keymap::{Keymap, Mode};
use super::list::visible_offset;
use super::widgets::{fit, safe};
use crate::classify::{ChannelHint, Classifier, Play};
use crate::i18n::{Lang, tr_dyn_in, tr_in, trf_in};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

/// Which follow-ups the view shows: one action, one channel, or both (None: any).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUpFilter {
    /// Only this playbook action.
    pub play: Option<Play>,
    /// Only this channel.
    pub channel: Option<ChannelHint>,
}

impl FollowUpFilter {
    /// Whether any filter is on.
    pub fn is_on(&self) -> bool {
        self.play.is_some() || self.channel.is_some()
    }
}

/// The follow-up view's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowUpsState {
    /// The whole queue as last computed (after every edit), most urgent first; each row is read
    /// from the classifier when drawn.
    pub ids: Vec<u64>,
    /// The queue as shown: `ids` narrowed by `filter`, in the same order.
    pub shown: Vec<u64>,
    /// The action and channel filter.
    pub filter: FollowUpFilter,
    /// Only the customers whose home branch this is (a branch's console; `B` widens it).
    pub branch: Option<crate::intern::Sym>,
    /// Index into `shown`.
    pub cursor: usize,
    /// First row on screen.
    pub offset: usize,
}

impl FollowUpsState {
    /// The customer under the cursor.
    pub fn current(&self) -> Option<u64> {
        self.shown.get(self.cursor).copied()
    }

    /// Replaces the queue, keeping the filter, and the cursor on the same customer when still
    /// shown.
    pub fn set(&mut self, ids: Vec<u64>, clf: &Classifier) {
        self.ids = ids;
        self.refilter(clf);
    }

    /// Narrows the queue to the customers of `branch` (None: every branch).
    pub fn set_branch(&mut self, branch: Option<crate::intern::Sym>, clf: &Classifier) {
        self.branch = branch;
        self.refilter(clf);
    }

    /// Recomputes `shown` from the queue and the filter.
    fn refilter(&mut self, clf: &Classifier) {
        let keep = self.current();
        let (f, branch) = (self.filter, self.branch);
        // Every save recomputes the queue: without a filter, no customer is looked up.
        self.shown = if !f.is_on() && branch.is_none() {
            self.ids.clone()
        } else {
            self.ids
                .iter()
                .copied()
                .filter(|&id| {
                    let here = branch.is_none_or(|b| clf.classes(id).is_some_and(|c| c.branch == b));
                    here && clf.follow_up(id).is_some_and(|fu| {
                        f.play.is_none_or(|p| p == fu.action.play)
                            && f.channel.is_none_or(|c| c == fu.action.channel)
                    })
                })
                .collect()
        };
        if let Some(at) = keep.and_then(|id| self.shown.iter().position(|&i| i == id)) {
            self.cursor = at;
        }
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }

    /// `f`: the next action of the queue (most urgent first), then all of them again.
    pub fn next_play(&mut self, clf: &Classifier) {
        let options = self.options(clf, |fu| fu.action.play);
        self.filter.play = next(&options, self.filter.play);
        self.refilter(clf);
    }

    /// `c`: the next channel of the queue (in the order the queue first needs them), then all.
    pub fn next_channel(&mut self, clf: &Classifier) {
        let options = self.options(clf, |fu| fu.action.channel);
        self.filter.channel = next(&options, self.filter.channel);
        self.refilter(clf);
    }

    /// Removes both filters; says whether there was one.
    pub fn clear_filter(&mut self, clf: &Classifier) -> bool {
        let was = self.filter.is_on();
        self.filter = FollowUpFilter::default();
        self.refilter(clf);
        was
    }

    /// The values of one property over the whole queue, each once, in queue order.
    fn options<T: PartialEq>(
        &self,
        clf: &Classifier,
        of: impl Fn(&crate::classify::FollowUp) -> T,
    ) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        for fu in self.ids.iter().filter_map(|&id| clf.follow_up(id)) {
            let v = of(fu);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    }
}

/// The option after `now` (None is "all", before the first), wrapping to all.
fn next<T: PartialEq + Copy>(options: &[T], now: Option<T>) -> Option<T> {
    match now.and_then(|n| options.iter().position(|o| *o == n)) {
        None => options.first().copied(),
        Some(at) => options.get(at + 1).copied(),
    }
}

/// The playbook text of an action, in `lang`.
fn action_text(clf: &Classifier, play: Play, lang: Lang) -> String {
    safe(tr_dyn_in(lang, &clf.rules().playbook.get(play).text)).into_owned()
}

/// "12 of 38 due · f action: Win-back… · c channel: phone · F clears": what the view shows,
/// with the keys that change it as the keymap binds them.
fn title(s: &FollowUpsState, clf: &Classifier, keys: &Keymap, lang: Lang, width: usize) -> String {
    let key = |a: super::action::Action| keys.key_for(Mode::FollowUps, &a).map_or(String::new(), |k| k + " ");
    let count = if s.filter.is_on() {
        trf_in(lang, "{} of {} due", &[&s.shown.len(), &s.ids.len()])
    } else {
        trf_in(lang, "{} due", &[&s.ids.len()])
    };
    let channel = s.filter.channel.map_or(tr_in(lang, "all"), |c| tr_in(lang, c.key()));
    let channel = format!(
        "{}{}",
        key(super::action::Action::FilterByChannel),
        trf_in(lang, "channel: {}", &[&channel])
    );
    let end = if s.filter.is_on() {
        format!("{}{}", key(super::action::Action::ClearFilter), tr_in(lang, "clears"))
    } else {
        format!("{}{}", key(super::action::Action::RevealPhone), tr_in(lang, "phone"))
    };
    let action_key = key(super::action::Action::FilterByAction);
    let fixed = format!("{count} ·  · {channel} · {end}");
    // The action's text takes the room the rest leaves (at least a few cells to tell it).
    let room = width.saturating_sub(unicode_width::UnicodeWidthStr::width(fixed.as_str())).max(12);
    let action = s.filter.play.map_or_else(|| tr_in(lang, "all").to_string(), |p| action_text(clf, p, lang));
    let action = trf_in(lang, "action: {}", &[&action]);
    format!("{count} · {} · {channel} · {end}", fit(&format!("{action_key}{action}"), room))
}

/// A column of the queue.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    Name,
    Phone,
    Action,
    Channel,
    Due,
    Overdue,
}

/// The columns that fit in `width` and their widths; the action takes what is left.
fn columns(width: u16) -> Vec<(Col, u16)> {
    const NAME: u16 = 12;
    const PHONE: u16 = 11;
    const CHANNEL: u16 = 7;
    const DUE: u16 = 10;
    const OVERDUE: u16 = 7;
    // Most needed first: who, the number to dial, what to do, how late; then how, then when.
    // Each set with the room its action needs at least, or the next narrower set is taken.
    let wanted: &[(&[Col], u16)] = &[
        (&[Col::Name, Col::Phone, Col::Action, Col::Channel, Col::Due, Col::Overdue], 40),
        (&[Col::Name, Col::Phone, Col::Action, Col::Channel, Col::Overdue], 24),
        (&[Col::Name, Col::Phone, Col::Action, Col::Overdue], 20),
        (&[Col::Name, Col::Action, Col::Overdue], 0),
    ];
    let fixed = |c: Col| match c {
        Col::Name => NAME,
        Col::Phone => PHONE,
        Col::Channel => CHANNEL,
        Col::Due => DUE,
        Col::Overdue => OVERDUE,
        Col::Action => 0,
    };
    let used = |cols: &[Col]| cols.iter().map(|c| fixed(*c)).sum::<u16>() + cols.len() as u16 - 1;
    let cols = wanted
        .iter()
        .find(|(cols, action)| used(cols) + action <= width)
        .map_or(wanted[wanted.len() - 1].0, |(cols, _)| *cols);
    let used = used(cols);
    cols.iter().map(|&c| (c, if c == Col::Action { width.saturating_sub(used) } else { fixed(c) })).collect()
}

/// Rows above the queue's table: its title.
pub const TITLE_ROWS: u16 = 1;

/// Draws the App's queue into `area` in the App's language: the title, then the table;
/// phones as its mask says.
pub fn draw(app: &super::app::App, f: &mut Frame, area: Rect) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let (s, model, clf, mask, lang) =
        (&app.followups, &app.shop.read().model, &app.shop.read().clf, app.phone_mask(), app.lang);
    if s.ids.is_empty() {
        let text = tr_in(lang, "nobody to contact today");
        f.render_widget(Paragraph::new(fit(text, area.width as usize)), area);
        return;
    }
    let w = area.width as usize;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let title = title(s, clf, &app.keymap, lang, w);
    f.render_widget(Paragraph::new(fit(&title, w)).style(bold), Rect { height: 1, ..area });
    let area = Rect { y: area.y + TITLE_ROWS, height: area.height - TITLE_ROWS, ..area };
    if area.height == 0 {
        return;
    }
    if s.shown.is_empty() {
        let text = tr_in(lang, "nobody due with this filter (F clears it)");
        f.render_widget(Paragraph::new(fit(text, w)), area);
        return;
    }
    let cols = columns(area.width);
    let height = area.height.saturating_sub(1) as usize;
    let offset = visible_offset(s.offset, s.cursor, height);
    let rows: Vec<Row> = s
        .shown
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .filter_map(|(i, &id)| Some((i, clf.follow_up(id)?)))
        .map(|(i, fu)| {
            let row = model.get(fu.id);
            let cells = cols.iter().map(|&(c, cw)| {
                let cw = cw as usize;
                match c {
                    Col::Name => Cell::from(fit(
                        &row.map_or_else(|| format!("#{}", fu.id), |r| safe(&r.customer.name).into_owned()),
                        cw,
                    )),
                    Col::Phone => {
                        Cell::from(fit(&row.map(|r| mask.phone(&r.customer)).unwrap_or_default(), cw))
                    }
                    Col::Action => Cell::from(fit(&action_text(clf, fu.action.play, lang), cw)),
                    Col::Channel => Cell::from(fit(tr_in(lang, fu.action.channel.key()), cw)),
                    Col::Due => Cell::from(fu.due.to_string()),
                    Col::Overdue => Cell::from(Line::from(fu.overdue_days.to_string()).right_aligned()),
                }
            });
            let style =
                if i == s.cursor { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
            Row::new(cells.collect::<Vec<_>>()).style(style)
        })
        .collect();
    let header: Vec<Cell> = cols
        .iter()
        .map(|&(c, cw)| {
            let t = match c {
                Col::Name => tr_in(lang, "name"),
                Col::Phone => tr_in(lang, "phone"),
                Col::Action => tr_in(lang, "action"),
                Col::Channel => tr_in(lang, "channel"),
                Col::Due => tr_in(lang, "due"),
                Col::Overdue => tr_in(lang, "overdue"),
            };
            Cell::from(fit(t, cw as usize))
        })
        .collect();
    let widths: Vec<Constraint> = cols.iter().map(|c| Constraint::Length(c.1)).collect();
    let header = Row::new(header).style(bold);
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrower_screens_drop_the_due_day_then_the_channel_then_the_phone() {
        let names = |w| columns(w).into_iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(names(120).len(), 6);
        assert!(!names(80).contains(&Col::Due) && names(80).contains(&Col::Phone));
        assert_eq!(names(60), vec![Col::Name, Col::Phone, Col::Action, Col::Overdue]);
        assert_eq!(names(40), vec![Col::Name, Col::Action, Col::Overdue]);
        for w in 20..200 {
            let c = columns(w);
            let total: u16 = c.iter().map(|c| c.1).sum::<u16>() + c.len() as u16 - 1;
            assert!(total <= w.max(21), "{w}: {total}");
        }
    }

    #[test]
    fn options_cycle_through_then_back_to_all() {
        assert_eq!(next(&[1, 2], None), Some(1));
        assert_eq!(next(&[1, 2], Some(1)), Some(2));
        assert_eq!(next(&[1, 2], Some(2)), None);
        assert_eq!(next(&[1, 2], Some(3)), Some(1), "a value no longer queued starts over");
        assert_eq!(next::<u8>(&[], None), None);
    }
}
