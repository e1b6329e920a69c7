//! The console's state machine: [`App::update`] takes an [`Action`], changes the state and
//! returns the [`Effect`]s for the runtime. Pure: no terminal, no store, no clock (today is
//! in the App), so every key can be tested by feeding actions and reading the state.

use super::action::{Action, Effect, FormRequest};
use super::detail::DetailState;
use super::duplicates::DuplicatesState;
use super::floor::ConsoleOptions;
use super::followups::FollowUpsState;
use super::form::{Form, FormKey};
use super::forms::OpenForm;
use super::keymap::{Keymap, Mode};
use super::list::{ListState, rows_in};
use super::loading::Loading;
use super::merge::MergeState;
use super::model::Model;
use super::segments::{SavedSegment, SegmentTab, SegmentsState};
use crate::classify::{Classifier, Rules};
use crate::dedupe::DuplicateIndex;
use crate::domain::{Customer, History};
use crate::i18n::{Lang, tr_in, trf_in};
use chrono::NaiveDate;
use parking_lot::{MappedRwLockReadGuard, RwLockReadGuard};

/// The main views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The empty-database welcome screen.
    Welcome,
    /// The customer list.
    List,
    /// One customer.
    Detail,
    /// Segment counts.
    Segments,
    /// The follow-up queue.
    FollowUps,
    /// Likely duplicate customers.
    Duplicates,
    /// The day's close.
    DayClose,
}

/// What a text prompt is asking for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    /// A tag for these customers.
    Tag(Vec<u64>),
    /// A name for a new saved segment with this filter.
    SegmentName(Vec<super::segments::ClassFilter>),
    /// A new name for the saved segment at this index.
    RenameSegment(usize),
    /// Why this purchase or interaction is voided.
    VoidReason(Box<super::correct::Target>),
    /// How much of this purchase comes back ("amount" or "amount quantity").
    Refund(Box<crate::domain::Purchase>),
    /// How this complaint was resolved.
    Resolve(Box<crate::domain::Interaction>),
    /// Which tag to take off these customers.
    Untag(Vec<u64>),
    /// The new name of this tag, on every customer who has it.
    RenameTag(String),
    /// Which channel the campaign list of the saved segment at this index is for (a key answers
    /// at once).
    CampaignChannel(usize),
    /// Which channel this customer opts out of (a key answers at once), said through `source`.
    OptOut {
        /// The customer.
        customer: u64,
        /// Where they said it.
        source: crate::domain::ConsentSource,
    },
    /// How much this member tops up their stored value (now `stored`).
    TopUp {
        /// The member.
        customer: u64,
        /// Their stored value now.
        stored: crate::domain::Money,
    },
    /// How many points this member redeems, and for what (`points` usable now).
    Redeem {
        /// The member.
        customer: u64,
        /// Their points that can be redeemed now.
        points: i64,
    },
}

/// A one-line text prompt in front of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// What the text is for.
    pub kind: PromptKind,
    /// The text typed so far.
    pub text: String,
}

impl Prompt {
    /// The label shown before the text, in `lang`.
    pub fn label(&self, lang: Lang) -> String {
        match &self.kind {
            PromptKind::Tag(ids) => trf_in(lang, "tag {} customer(s): ", &[&ids.len()]),
            PromptKind::SegmentName(_) => tr_in(lang, "name of the new segment: ").into(),
            PromptKind::RenameSegment(_) => tr_in(lang, "rename segment to: ").into(),
            PromptKind::VoidReason(_) => tr_in(lang, "void: why? ").into(),
            PromptKind::Refund(p) => trf_in(lang, "return of {} (amount [items]): ", &[&p.amount]),
            PromptKind::Resolve(_) => tr_in(lang, "resolved: how? ").into(),
            PromptKind::Untag(ids) => trf_in(lang, "remove tag from {} customer(s): ", &[&ids.len()]),
            PromptKind::RenameTag(from) => trf_in(lang, "rename tag {} on every customer to: ", &[&from]),
            PromptKind::CampaignChannel(_) => {
                tr_in(lang, "campaign list for: s sms · w WeChat · p calls · e e-mail ").into()
            }
            PromptKind::OptOut { .. } => {
                tr_in(lang, "opt out of: s sms · w WeChat · p calls · e e-mail · a all ").into()
            }
            PromptKind::TopUp { stored, .. } => {
                trf_in(lang, "top up (stored value {}): ", &[&crate::i18n::money(lang, *stored)])
            }
            PromptKind::Redeem { points, .. } => {
                trf_in(lang, "redeem points ({} to use) [for a gift: N gift]: ", &[points])
            }
        }
    }
}

/// A destructive step held until confirmed (gitui's confirm popup).
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    /// Delete the saved segment at this index.
    DeleteSegment(usize),
    /// Merge `loser` into `survivor` (whose fields are already the chosen ones).
    Merge {
        /// The survivor as it will be stored.
        survivor: Box<Customer>,
        /// The customer that goes.
        loser: u64,
    },
    /// Commit this change (a deletion, a restored value); the lines say what it does.
    Commit {
        /// The change.
        commit: Box<super::commit::Commit>,
        /// The question, a line each.
        question: Vec<String>,
    },
    /// Undo a change someone else has changed since?
    Undo {
        /// The change, in words.
        what: String,
        /// Who changed it since.
        since: String,
    },
    /// The till: this amount is unusual (zero, or above the limit); save it anyway?
    Till(Box<crate::domain::Purchase>),
    /// The customer in the form looks like customers already stored: save anyway, or open one?
    LooksLike {
        /// The customer as the form would save them.
        customer: Box<Customer>,
        /// The likely duplicates, surest first, with why.
        others: Vec<(u64, String)>,
    },
    /// The customer being edited changed meanwhile: reload the form with the stored version?
    Reload {
        /// The customer.
        customer: u64,
        /// Who changed it, when known.
        by: Option<String>,
        /// The fields where the stored version and the edit differ, both sides.
        fields: Vec<super::form::Difference>,
        /// The stored version the refusal carried: a session of `kehu serve` may ask before the
        /// shop it follows has taken that change in.
        stored: Box<Customer>,
    },
}

/// What the runtime needs to build an App: the customer records and their classifier (never
/// the whole shop's histories), and the session's settings. `Clone`, so that a server can open
/// one App per session from one load.
#[derive(Debug, Clone)]
pub struct AppInit {
    /// Every customer record (without purchases or interactions).
    pub customers: Vec<Customer>,
    /// The classifier over the same customers; its rules and "today" are the session's.
    pub classifier: Classifier,
    /// The database path, for the status line.
    pub db_label: String,
    /// The saved segments from the store's settings.
    pub saved_segments: Vec<SavedSegment>,
    /// The key bindings (defaults plus the user's config).
    pub keymap: Keymap,
    /// Who signs logged interactions (the runtime passes e.g. `$USER`).
    pub operator: String,
    /// The branch this console works at (`--branch`, config `branch`); empty at head office
    /// and in a single shop. Its new records carry it, and its lists start narrowed to it.
    pub branch: String,
    /// The interface language.
    pub lang: crate::i18n::Lang,
    /// Shop-floor settings from the config: masking, borders, card numbers.
    pub options: ConsoleOptions,
}

impl AppInit {
    /// Start-up input over whole histories (tests, benchmarks, small shops): the customers and a
    /// classifier over them with `rules` as of `today`; default keys, options and labels.
    pub fn from_histories(histories: &[History], rules: Rules, today: NaiveDate) -> AppInit {
        AppInit {
            customers: histories.iter().map(|h| h.customer.clone()).collect(),
            classifier: Classifier::from_histories(rules, today, histories),
            ..AppInit::empty(Classifier::new(Rules::default(), today))
        }
    }

    /// Start-up input with no customers yet (an empty shop, or the console drawn while loading):
    /// default keys, options and labels; `classifier` gives the rules and "today".
    pub fn empty(classifier: Classifier) -> AppInit {
        AppInit {
            customers: Vec::new(),
            classifier,
            db_label: String::new(),
            saved_segments: Vec::new(),
            keymap: Keymap::default(),
            operator: String::new(),
            branch: String::new(),
            lang: crate::i18n::Lang::default(),
            options: ConsoleOptions::default(),
        }
    }
}

/// The whole console state of one session.
#[derive(Debug, Clone)]
pub struct App {
    pub(crate) today: NaiveDate,
    pub(crate) db_label: String,
    /// The customers: classifier, rows, duplicate index (shared by `kehu serve`'s sessions).
    pub(crate) shop: super::Shop,
    pub(crate) view: View,
    pub(crate) back_to: View,
    pub(crate) list: ListState,
    pub(crate) detail: DetailState,
    pub(crate) segments: SegmentsState,
    pub(crate) followups: FollowUpsState,
    /// While the loader still judges duplicate pairs: the customers changed since (see
    /// `loading.rs`), to be taken into its index when it arrives.
    pub(crate) dupes_pending: Option<Vec<u64>>,
    pub(crate) duplicates: DuplicatesState,
    pub(crate) day_close: super::day_close::DayCloseState,
    pub(crate) merge: Option<MergeState>,
    pub(crate) prompt: Option<Prompt>,
    pub(crate) confirm: Option<Confirm>,
    pub(crate) help: bool,
    /// The first row of the help shown (see `help.rs`).
    pub(crate) help_top: usize,
    pub(crate) form: Option<OpenForm>,
    pub(crate) operator: String,
    /// The branch this console works at; empty at head office (see [`AppInit::branch`]).
    pub(crate) branch: String,
    pub(crate) status: super::Notice,
    pub(crate) size: (u16, u16),
    pub(crate) keymap: Keymap,
    pub(crate) quit: bool,
    pub(crate) lang: crate::i18n::Lang,
    pub(crate) options: ConsoleOptions,
    /// The narrowest card pattern the shop's refs fit (what `card_pattern = "auto"` means).
    pub(crate) card_shape: super::CardPattern,
    /// What the shop's refs begin with.
    pub(crate) card_leads: super::CardLeads,
    /// The one customer whose phone the operator revealed (until leaving them).
    pub(crate) revealed: Option<u64>,
    /// How far start-up loading has got; None once everything is in (see `loading.rs`).
    pub(crate) loading: Option<Loading>,
    /// The till asks before saving a purchase above this (see [`crate::classify::TillRules`]).
    pub(crate) till_limit: crate::domain::Money,
    /// What this operator may do (see `role.rs`).
    pub(crate) role: super::Role,
    /// Where this console's idempotency keys start (see `till.rs`).
    pub(crate) key_prefix: String,
    /// Idempotency keys made so far.
    pub(crate) keys_made: u64,
}

/// Customers in the demo shop the welcome screen offers.
pub const DEMO_CUSTOMERS: u64 = 2000;

impl App {
    /// Opens on the list of `init`'s customers (or the welcome screen when there are none).
    pub fn new(init: AppInit) -> App {
        let dupes = DuplicateIndex::build(&init.customers);
        App::with_duplicates(init, dupes)
    }

    /// Like [`App::new`] with the duplicate index already built over the same customers.
    pub fn with_duplicates(init: AppInit, dupes: DuplicateIndex) -> App {
        let clf = init.classifier;
        let model = Model::build(init.customers, Some(&clf));
        let mut app = App {
            today: clf.today(),
            db_label: init.db_label,
            shop: super::Shop::new(super::ShopData { clf, model, dupes }),
            view: View::List,
            back_to: View::List,
            list: ListState::default(),
            detail: DetailState::default(),
            segments: SegmentsState { saved: init.saved_segments, ..SegmentsState::default() },
            followups: FollowUpsState::default(),
            dupes_pending: None,
            duplicates: DuplicatesState::default(),
            day_close: Default::default(),
            merge: None,
            prompt: None,
            confirm: None,
            help: false,
            help_top: 0,
            form: None,
            operator: init.operator,
            branch: init.branch,
            status: super::Notice::default(),
            size: (80, 24),
            keymap: init.keymap,
            quit: false,
            lang: init.lang,
            options: init.options,
            card_shape: super::CardPattern::Digits,
            card_leads: super::CardLeads::digits(),
            revealed: None,
            loading: None,
            till_limit: crate::domain::Money(0),
            // The local console runs as whoever owns the database files: a server sets the
            // role of each session's key.
            role: super::Role::Manager,
            key_prefix: super::till::fresh_prefix(),
            keys_made: 0,
        };
        let scope = app.own_branch();
        app.list.branch = scope;
        app.followups.branch = scope;
        app.segments.branch = scope;
        app.reset_views();
        app
    }

    /// This console's branch, when it works at one.
    fn own_branch(&self) -> Option<crate::intern::Sym> {
        (!self.branch.is_empty()).then(|| crate::intern::Sym::new(&self.branch))
    }

    /// The branch whose customers the views show; None: every branch.
    pub fn branch_scope(&self) -> Option<crate::intern::Sym> {
        self.list.branch
    }

    /// `B`: this branch's customers only, or every branch's.
    fn toggle_branch(&mut self) -> Vec<Effect> {
        let Some(own) = self.own_branch() else {
            self.status = crate::notice!(
                "this console works at no branch: it sees every branch (kehu --branch NAME, or branch in the config)"
            );
            return vec![];
        };
        let scope = if self.list.branch.is_some() { None } else { Some(own) };
        self.list.branch = scope;
        self.list.rebuild(&self.shop.read().model, &self.shop.read().clf);
        self.followups.set_branch(scope, &self.shop.read().clf);
        self.segments.branch = scope;
        self.segments.cursor = 0;
        self.status = match scope {
            Some(_) => crate::notice!("branch {} only (B: every branch)", self.branch.clone()),
            None => crate::notice!("every branch (B: {} only)", self.branch.clone()),
        };
        vec![]
    }

    /// Recomputes every view's rows from the model (start-up and after a reload).
    pub(super) fn reset_views(&mut self) {
        // A view opened while loading (the list, a customer found by search) stays open.
        if self.shop.read().model.is_empty() {
            self.view = View::Welcome;
        } else if self.view == View::Welcome {
            self.view = View::List;
        }
        self.list.rebuild(&self.shop.read().model, &self.shop.read().clf);
        self.followups.set(self.shop.read().clf.follow_up_queue(), &self.shop.read().clf);
        self.duplicates.set(self.shop.read().dupes.pairs());
        self.segments.saved_counts = None;
        self.till_limit = self.shop.read().clf.rules().till.limit(self.shop.read().clf.median_purchase());
        let model = &self.shop.read().model;
        let refs = || model.ids().iter().filter_map(|id| model.get(*id)?.customer.reference.as_deref());
        self.card_shape = super::CardPattern::of_refs(refs());
        self.card_leads = refs().fold(super::CardLeads::digits(), super::CardLeads::with);
    }

    /// Switches the interface language (texts already on screen change at the next draw; an
    /// open form's refusals already shown stay as they were worded).
    pub fn set_lang(&mut self, lang: crate::i18n::Lang) {
        self.lang = lang;
        if let Some(open) = self.form.take() {
            let form = open.form.with_lang(lang);
            self.form = Some(super::OpenForm { form, ..open });
        }
    }

    /// The interface language.
    pub fn lang(&self) -> crate::i18n::Lang {
        self.lang
    }

    /// The view shown.
    pub fn view(&self) -> View {
        self.view
    }

    /// The list's state.
    pub fn list(&self) -> &ListState {
        &self.list
    }

    /// The detail view's state.
    pub fn detail(&self) -> &DetailState {
        &self.detail
    }

    /// The segments view's state.
    pub fn segments(&self) -> &SegmentsState {
        &self.segments
    }

    /// The follow-up queue as shown.
    pub fn followups(&self) -> &super::followups::FollowUpsState {
        &self.followups
    }

    /// The classifier (every customer's classes and the segment counts).
    pub fn classifier(&self) -> MappedRwLockReadGuard<'_, Classifier> {
        RwLockReadGuard::map(self.shop.read(), |s| &s.clf)
    }

    /// The customer rows.
    pub fn model(&self) -> MappedRwLockReadGuard<'_, Model> {
        RwLockReadGuard::map(self.shop.read(), |s| &s.model)
    }

    /// The shop as read now: classifier, rows and duplicate index in one guard.
    pub fn shop(&self) -> super::ShopRead<'_> {
        self.shop.read()
    }

    /// A customer's name, safe to draw; empty for one who is gone.
    pub(crate) fn safe_name(&self, id: u64) -> String {
        let shop = self.shop.read();
        shop.model
            .get(id)
            .map_or(String::new(), |r| crate::text::terminal_safe(&r.customer.name).into_owned())
    }

    /// Whether this console and `other` hold one shop (sessions of one `kehu serve`).
    pub fn same_shop(&self, other: &App) -> bool {
        self.shop.same_as(&other.shop)
    }

    /// A console for another `kehu serve` session: its own views, following this console's
    /// shop, which this console goes on writing (see [`super::Shop`]).
    pub fn follower(&mut self) -> App {
        // Cloned as a follower, the shop is shared rather than copied.
        let follower = self.shop.follower();
        let own = std::mem::replace(&mut self.shop, follower);
        let app = self.clone();
        self.shop = own;
        app
    }

    /// What the open form is for, if a form is open.
    pub fn pending_form(&self) -> Option<&FormRequest> {
        self.form.as_ref().map(|f| &f.request)
    }

    /// The open form.
    pub fn form(&self) -> Option<&Form> {
        self.form.as_ref().map(|f| &f.form)
    }

    /// Whether the open form was submitted and waits for the store's answer.
    pub fn form_saving(&self) -> bool {
        self.form.as_ref().is_some_and(|f| f.saving)
    }

    /// The likely duplicates as the duplicates view shows them.
    pub fn duplicates(&self) -> &DuplicatesState {
        &self.duplicates
    }

    /// The duplicate index (kept in step with every save and merge).
    pub fn duplicate_index(&self) -> MappedRwLockReadGuard<'_, DuplicateIndex> {
        RwLockReadGuard::map(self.shop.read(), |s| &s.dupes)
    }

    /// The open merge popup.
    pub fn merge(&self) -> Option<&MergeState> {
        self.merge.as_ref()
    }

    /// The open prompt.
    pub fn prompt(&self) -> Option<&Prompt> {
        self.prompt.as_ref()
    }

    /// The confirmation asked for.
    pub fn confirm(&self) -> Option<&Confirm> {
        self.confirm.as_ref()
    }

    /// Whether the help overlay is open.
    pub fn help_open(&self) -> bool {
        self.help
    }

    /// The status line's message.
    pub fn status(&self) -> String {
        self.status.render(self.lang)
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Who signs this session's interactions and edits.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Signs this session's interactions and edits with another name (one per SSH operator).
    pub fn set_operator(&mut self, operator: &str) {
        self.operator = operator.to_string();
    }

    /// The branch this console works at; empty at head office.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The key bindings.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// "Today" of this session.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The keyboard mode: the popup in front, else the view.
    pub fn mode(&self) -> Mode {
        if self.confirm.is_some() {
            Mode::Confirm
        } else if self.prompt.is_some() {
            Mode::Prompt
        } else if self.form.is_some() {
            Mode::Form
        } else if self.merge.is_some() {
            Mode::Merge
        } else if self.help {
            Mode::Help
        } else {
            self.view_mode()
        }
    }

    /// The mode of the view itself (what the help overlay lists).
    pub fn view_mode(&self) -> Mode {
        match self.view {
            View::Welcome => Mode::Welcome,
            View::List if self.list.searching => Mode::Search,
            View::List => Mode::List,
            View::Detail => Mode::Detail,
            View::Segments => Mode::Segments,
            View::FollowUps => Mode::FollowUps,
            View::Duplicates => Mode::Duplicates,
            View::DayClose => Mode::DayClose,
        }
    }

    /// The view's body as drawn: the screen less the tab bar, the status line and the
    /// search line.
    pub(super) fn view_body(&self) -> ratatui::layout::Rect {
        let search =
            u16::from(self.view == View::List && (self.list.searching || !self.list.query.is_empty()));
        let body = super::layout::body_of(self.size);
        ratatui::layout::Rect { height: body.height.saturating_sub(search), ..body }
    }

    /// Rows of the view's body.
    fn body_rows(&self) -> u16 {
        self.view_body().height
    }

    /// Rows a page moves: the table rows the view shows (below its title line, if any).
    pub(super) fn page(&self) -> usize {
        let above = match self.view {
            View::FollowUps => super::followups::TITLE_ROWS,
            View::Segments => 1,
            _ => 0,
        };
        super::layout::table_rows(self.view_body(), above).max(1)
    }

    /// Applies one action; returns what the runtime must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = self.apply(action);
        if !self.branch.is_empty() {
            effects.iter_mut().for_each(|e| e.stamp_branch(&self.branch));
        }
        self.forget_stale_reveal();
        // Whatever changed the query (a key, a scan, a save that rebuilt the list) asked for
        // one search; it is run by the runtime, off the input thread.
        effects.extend(self.list.search_job(&self.shop.read().model).map(Effect::Search));
        effects
    }

    pub(super) fn apply(&mut self, action: Action) -> Vec<Effect> {
        // A form asked for by the runtime rather than a key: a viewer gets none either.
        if let Action::OpenForm(_) = &action
            && self.role < super::Role::Staff
            && let Some(need) = super::role::need(&action, self.view_mode(), super::role::Whose::Own)
        {
            return self.refuse(need);
        }
        match action {
            Action::Scan(card) if !self.searchable() => return self.hold_scan(card),
            Action::Scan(card) => return self.on_scan(&card),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.follow();
                return vec![];
            }
            Action::Saved(h) => return self.on_saved(*h),
            Action::Merged { survivor, loser, referred } => {
                return self.on_merged(*survivor, loser, referred);
            }
            Action::Searched { generation, answer } => {
                let open = self.list.answered(generation, *answer);
                self.follow();
                return match open {
                    Some(id) if self.mode() == Mode::List => self.open_detail(id),
                    _ => vec![],
                };
            }
            Action::HistoryLoaded(h) => {
                if self.detail.id == h.customer.id {
                    self.detail.history = Some(*h);
                    return self.after_history();
                }
                return vec![];
            }
            Action::LoadProgress { read, total } => return self.on_progress(read, total),
            Action::CustomersLoaded(model) => return self.on_customers_loaded(*model),
            Action::Loaded(loaded) => return self.on_loaded(*loaded),
            Action::DuplicatesFound(index) => return self.on_duplicates_found(*index),
            Action::LoadFailed(msg) => return self.on_load_failed(msg),
            Action::ModelFitted(model) => return self.on_model_fitted(*model),
            Action::NewDay(day) => return self.on_new_day(day),
            Action::Failed(msg) => {
                // A refused save leaves the form open with everything typed, ready to retry.
                if let Some(f) = self.form.as_mut() {
                    f.saving = false;
                }
                self.status = crate::notice!("error: {}", msg);
                return vec![];
            }
            Action::Notice(msg) => {
                self.status = msg;
                return vec![];
            }
            Action::Committed(answer) => return self.on_committed(*answer),
            Action::UndoAsks { what, since } => return self.on_undo_asks(what, since),
            Action::ChangesLoaded { customer, entries } => return self.on_changes_loaded(customer, entries),
            Action::RecordersLoaded { customer, recorders } => {
                return self.on_recorders_loaded(customer, recorders);
            }
            Action::FormerCard { card, id } => return self.on_former_card(&card, id),
            Action::ChangedElsewhere { history, by } => return self.on_changed_elsewhere(*history, &by),
            Action::Conflict { current, by } => return self.on_conflict(*current, by),
            Action::OpenForm(req) => return self.open_form(req),
            Action::CloseForm => {
                self.form = None;
                return vec![];
            }
            _ => {}
        }
        // No edit, and no view that needs the classes, before every customer is in.
        if self.held_while_loading(&action) {
            return vec![];
        }
        // What the operator's role does not allow does nothing but say so (and is audited).
        if let Some(effects) = self.refused(&action) {
            return effects;
        }
        let effects = match self.mode() {
            Mode::Confirm => self.on_confirm(action),
            Mode::Prompt => self.on_prompt(action),
            Mode::Form => match action {
                Action::FormKey(k) => self.on_form_key(k),
                // Cancel from outside the form goes through the form's own "discard?" question.
                Action::Cancel | Action::Back => self.on_form_key(FormKey::Esc),
                Action::Quit => self.quit(),
                _ => vec![],
            },
            Mode::Merge => self.on_merge(action),
            Mode::Help => self.on_help(action),
            _ => {
                let before = self.view;
                let effects = self.on_view(action);
                if self.view != before && self.status.is(super::update::SEARCH_HINT) {
                    self.status.clear();
                }
                effects
            }
        };
        self.follow();
        effects
    }

    pub(super) fn quit(&mut self) -> Vec<Effect> {
        self.quit = true;
        vec![Effect::Quit]
    }

    /// Keeps each list's cursor on screen for the current size.
    fn follow(&mut self) {
        let h = rows_in(self.body_rows());
        self.list.follow(h);
        let queue = super::layout::table_rows(self.view_body(), super::followups::TITLE_ROWS);
        self.followups.offset =
            super::list::visible_offset(self.followups.offset, self.followups.cursor, queue);
        self.duplicates.offset =
            super::list::visible_offset(self.duplicates.offset, self.duplicates.cursor, h);
        // The segments table sits under the dimension's title line.
        let rows = super::layout::table_rows(self.view_body(), 1);
        self.segments.offset = super::list::visible_offset(self.segments.offset, self.segments.cursor, rows);
    }

    /// A key in a view (no popup in front).
    fn on_view(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => return self.quit(),
            Action::ToggleHelp => {
                self.help = true;
                self.help_top = 0;
                return vec![];
            }
            Action::RevealPhone => return self.toggle_reveal(),
            Action::OptOut => return self.ask_opt_out(),
            Action::Undo => return self.undo(),
            // A new customer can walk in whatever the view.
            Action::AddCustomer => return self.open_form(FormRequest::AddCustomer),
            Action::ToggleBranch => return self.toggle_branch(),
            Action::ShowList if !self.shop.read().model.is_empty() => {
                self.list.searching = false;
                self.view = View::List;
                return vec![];
            }
            Action::ShowSegments if !self.shop.read().model.is_empty() => {
                self.segments.marks.clear();
                self.show_segments();
                return vec![];
            }
            Action::ShowFollowUps if !self.shop.read().model.is_empty() => {
                self.followups.set(self.shop.read().clf.follow_up_queue(), &self.shop.read().clf);
                self.view = View::FollowUps;
                return vec![];
            }
            Action::ShowDuplicates if !self.shop.read().model.is_empty() => {
                self.duplicates.set(self.shop.read().dupes.pairs());
                self.view = View::Duplicates;
                return vec![];
            }
            Action::ShowDayClose if !self.shop.read().model.is_empty() => {
                return self.show_day_close(self.today);
            }
            Action::DayCloseLoaded(mut report) => {
                // The queue is the console's own, known for today alone: counted once, here.
                if report.date == self.today {
                    report.follow_ups_due = self.shop.read().clf.follow_up_queue().len() as u64;
                }
                self.day_close.loaded(*report);
                return vec![];
            }
            _ => {}
        }
        match self.view {
            View::Welcome => self.on_welcome(action),
            View::List => self.on_list(action),
            View::Detail => self.on_detail(action),
            View::Segments => self.on_segments(action),
            View::FollowUps => self.on_followups(action),
            View::Duplicates => self.on_duplicates(action),
            View::DayClose => self.on_day_close(action),
        }
    }

    pub(super) fn show_segments(&mut self) {
        self.view = View::Segments;
        if self.segments.current() == SegmentTab::Saved && self.segments.saved_counts.is_none() {
            self.segments.recount(&self.shop.read().clf);
        }
    }

    fn on_welcome(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::LoadDemo => {
                self.status = crate::notice!("generating a demo shop…");
                vec![Effect::LoadDemo {
                    customers: DEMO_CUSTOMERS,
                    seed: 1,
                    today: self.today,
                    rules: Box::new(self.shop.read().clf.rules().clone()),
                }]
            }
            Action::AddCustomer => self.open_form(FormRequest::AddCustomer),
            _ => vec![],
        }
    }

    /// Opens the detail view on a customer, asking the runtime for their history.
    pub(super) fn open_detail(&mut self, id: u64) -> Vec<Effect> {
        if self.view != View::Detail {
            self.back_to = self.view;
        }
        self.view = View::Detail;
        if self.detail.id != id || self.detail.history.is_none() {
            self.detail = DetailState::of(id, None);
        }
        vec![Effect::LoadHistory(id)]
    }
}
