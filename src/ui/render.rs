//! Drawing the whole screen from the state: pure, reads the App and writes the frame.

use super::app::{App, View};
use super::widgets::fit;
use super::{day_close, detail, duplicates, followups, help, list, merge, popup, segments, status, welcome};
use crate::i18n::trf_in;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

/// Below this width or height the views are replaced by a "window too small" line.
pub const MIN_SIZE: (u16, u16) = (20, 5);

/// Draws the App into the frame in the App's language (passed down to every view, so Apps in
/// different languages can take turns on one thread); any size, down to 0x0, is safe.
pub fn render(app: &App, f: &mut Frame) {
    let lang = app.lang;
    let area = f.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = trf_in(
            lang,
            "window too small ({}x{}); need {}x{}",
            &[&area.width, &area.height, &MIN_SIZE.0, &MIN_SIZE.1],
        );
        f.render_widget(Paragraph::new(fit(&msg, area.width as usize)), Rect { height: 1, ..area });
        return;
    }
    let row = |y: u16| Rect { y, height: 1, ..area };
    status::draw_tabs(app, f, row(area.y));
    status::draw_status(app, f, row(area.y + area.height - 1));
    let mut body = super::layout::body(area);
    match app.view {
        View::Welcome => welcome::draw(lang, f, body),
        View::List => {
            if app.list.searching || !app.list.query.is_empty() {
                let line = row(body.y + body.height - 1);
                body.height -= 1;
                let label = trf_in(lang, "/ {} found: ", &[&app.list.shown.len()]);
                popup::draw_input(&label, &app.list.query, f, line);
            }
            list::draw(app, f, body);
        }
        View::Detail => detail::draw(app, f, body),
        View::Segments => {
            segments::draw(&app.segments, &app.shop.read().clf, app.options.ascii_borders, lang, f, body)
        }
        View::FollowUps => followups::draw(app, f, body),
        View::Duplicates => {
            duplicates::draw(&app.duplicates, &app.shop.read().model, app.phone_mask(), lang, f, body)
        }
        View::DayClose => day_close::draw(app, f, body),
    }
    if let Some(m) = &app.merge {
        merge::draw(
            m,
            &app.shop.read().clf,
            app.options.ascii_borders,
            app.options.mask_phones,
            lang,
            f,
            body,
        );
    }
    if let Some(p) = &app.prompt {
        popup::draw_input(&p.label(lang), &p.text, f, row(area.y + area.height - 2));
    }
    if app.form.is_some() {
        popup::draw_form(app, f, body);
    }
    if app.help {
        help::draw(app, f, help::area(area.width, area.height));
    }
    if let Some(c) = &app.confirm {
        popup::draw_confirm(app, c, f, body);
    }
}
