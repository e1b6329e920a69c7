//! The console's pure core (see docs/architecture.md): terminal events become [`Action`]s, [`App::update`]
//! changes state and returns [`Effect`]s as data, and [`render`] draws the state.
//!
//! Nothing here touches a terminal, a clock or the store, so one `App` can run per SSH session
//! over a shared store, and every key can be tested without I/O.

mod action;
mod app;
mod campaigns;
mod columns;
mod commit;
mod consent;
mod correct;
mod day_close;
pub mod detail;
mod duplicates;
pub mod floor;
mod followups;
pub mod form;
mod forms;
mod help;
pub mod keymap;
mod layout;
mod list;
mod loading;
mod merge;
mod model;
mod notice;
mod others;
mod popup;
mod prompts;
mod render;
pub mod role;
mod search;
mod segments;
mod shop;
mod status;
mod sync;
mod till;
mod update;
mod welcome;
pub mod widgets;

pub use action::{Action, Effect, FormRequest};
pub use app::{App, AppInit, Confirm, Prompt, PromptKind, View};
pub use columns::{Column, SortDir};
pub use commit::{Commit, CommitAnswer, answer as commit_answer};
pub use day_close::DayCloseState;
pub use detail::{DetailState, Pick};
pub use duplicates::DuplicatesState;
pub use floor::{CardLeads, CardPattern, ConsoleOptions, PhoneMask};
pub use forms::OpenForm;
pub use keymap::{KeyChord, Keymap, Mode};
pub use list::ListState;
pub use loading::{Loaded, Loading};
pub use merge::{MergeState, field_text};
pub use model::{Model, Row};
pub use notice::{Arg as NoticeArg, Notice};
pub use render::render;
pub use role::Role;
pub use search::SearchJob;
pub use segments::{
    ClassFilter, SavedSegment, SegmentTab, SegmentsState, TABS as SEGMENT_TABS, filter_ids, filter_label,
};
pub use shop::{Shop, ShopData, ShopRead};

/// Applies `action` and answers every search it asks for at once, on this thread, until none
/// is left (tests and benchmarks that drive an App without a runtime); returns the other
/// effects.
pub fn update_searching(app: &mut App, action: Action) -> Vec<Effect> {
    let mut out = Vec::new();
    let mut next = Some(action);
    while let Some(action) = next.take() {
        for effect in app.update(action) {
            match effect {
                Effect::Search(job) => next = Some(job.run_now()),
                other => out.push(other),
            }
        }
    }
    out
}

/// The store settings key the saved segments are kept under.
pub fn segments_settings_key() -> &'static str {
    segments::SETTINGS_KEY
}
