//! A small deterministic shop for the console tests: the demo generator's first customers
//! (mostly Chinese names) as of a fixed day, and helpers to drive an App and draw it.
#![allow(dead_code)]

use chrono::NaiveDate;
use kehu::classify::Rules;
use kehu::demo::DemoSpec;
use kehu::domain::History;
use kehu::ui::{Action, App, AppInit, Effect, Loaded, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The fixed "today" of every console test.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("date")
}

/// The histories of a demo shop of `n` customers.
pub fn histories(n: u64) -> Vec<History> {
    kehu::demo::histories(&DemoSpec::new(n, 7, today()))
}

/// The console's start-up input for the tests: `histories` as of [`today`], default rules,
/// keys and options; tests change the fields they are about (`AppInit { keymap, ..init(hs) }`).
pub fn init(histories: Vec<History>) -> AppInit {
    AppInit {
        db_label: "/srv/kehu/db".into(),
        operator: "tester".into(),
        ..AppInit::from_histories(&histories, Rules::default(), today())
    }
}

/// Everything the loader hands over at the end of start-up, for `histories` as of [`today`].
pub fn loaded(histories: &[History]) -> Box<Loaded> {
    Box::new(Loaded::from_histories(histories, Rules::default(), today()))
}

/// An App as start-up draws it before any data is in (the fixture's labels), sized 80x24.
pub fn loading_app() -> App {
    let mut app = App::loading(AppInit {
        db_label: "/srv/kehu/db".into(),
        operator: "tester".into(),
        ..AppInit::empty(kehu::classify::Classifier::new(Rules::default(), today()))
    });
    app.update(Action::Resize(80, 24));
    app
}

/// An App from `init`, sized 80x24.
pub fn app_from(init: AppInit) -> App {
    let mut app = App::new(init);
    app.update(Action::Resize(80, 24));
    app
}

/// An App over `histories`, sized 80x24.
pub fn app_with(histories: Vec<History>) -> App {
    app_from(init(histories))
}

/// The standard fixture: 60 demo customers.
pub fn app() -> App {
    app_with(histories(60))
}

/// Drives an App as the runtime does, with each search it asks for answered at once on this
/// thread (the console answers from its search thread, a frame or so later).
pub trait Drive {
    /// Applies `action` and answers its searches; the other effects.
    fn act(&mut self, action: Action) -> Vec<Effect>;
}

impl Drive for App {
    fn act(&mut self, action: Action) -> Vec<Effect> {
        kehu::ui::update_searching(self, action)
    }
}

/// Feeds actions one by one; returns every effect but the searches (answered at once),
/// answering `LoadHistory` from `hs` like the runtime would.
pub fn feed(app: &mut App, hs: &[History], actions: &[Action]) -> Vec<Effect> {
    let mut all = Vec::new();
    for a in actions {
        let effects = app.act(a.clone());
        for e in &effects {
            if let Effect::LoadHistory(id) = e
                && let Some(h) = hs.iter().find(|h| h.customer.id == *id)
            {
                app.update(Action::HistoryLoaded(Box::new(h.clone())));
            }
            // No merge took any card away in these shops.
            if let Effect::FindFormerCard(card) = e {
                app.update(Action::FormerCard { card: card.clone(), id: None });
            }
        }
        all.extend(effects);
    }
    all
}

/// Types a string as search or prompt input.
pub fn typed(s: &str) -> Vec<Action> {
    s.chars().map(Action::Input).collect()
}

/// Draws the App at `w`x`h` and returns the terminal.
pub fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| render(app, f)).expect("draw");
    t
}

/// The screen's text, one line per row.
pub fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = buf[(x, y)].symbol();
            out.push_str(s);
            skip = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}
