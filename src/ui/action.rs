//! What can happen to the console ([`Action`]) and what it asks the outside world to do
//! ([`Effect`]). Keys become actions through the keymap; the runtime turns effect results back
//! into actions, so there is one way into [`super::App::update`].

use super::form::FormKey;
use super::segments::SavedSegment;
use crate::domain::{Customer, History, Interaction, Purchase};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Something that happened: a key's meaning, a mouse event, or a result from the runtime.
///
/// Unit variants have snake_case names that the user's `[keys]` table binds keys to; variants
/// with data come from the runtime or the mouse and cannot be bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Move the cursor (or scroll) up one line.
    Up,
    /// Move the cursor (or scroll) down one line.
    Down,
    /// Go to the first line.
    Top,
    /// Go to the last line.
    Bottom,
    /// Move up one page.
    PageUp,
    /// Move down one page.
    PageDown,
    /// Previous dimension (segments).
    Left,
    /// Next dimension (segments).
    Right,
    /// Open what the cursor is on.
    Open,
    /// Go back, or clear the search or filter.
    Back,
    /// Quit kehu.
    Quit,
    /// Show the customer list.
    ShowList,
    /// Show the segments view.
    ShowSegments,
    /// Show the follow-up queue.
    ShowFollowUps,
    /// Show the likely duplicate customers.
    ShowDuplicates,
    /// Show the day's close (sales, returns, members' accounts, contacts; 30 days' revenue).
    ShowDayClose,
    /// Show or hide the keys of this view.
    ToggleHelp,
    /// Start typing a new search (empty: each till customer starts afresh).
    StartSearch,
    /// Bring back the last search's text (while searching).
    RecallSearch,
    /// Select or unselect the row under the cursor.
    ToggleSelect,
    /// Select every row shown, or none when all are selected.
    SelectAll,
    /// Tag the selected customers (asks for the tag).
    TagSelected,
    /// Sort by the next column.
    CycleSort,
    /// Flip the sort direction.
    FlipSort,
    /// Pick classes to filter the list by (opens segments).
    PickFilter,
    /// Remove every class filter.
    ClearFilter,
    /// A branch's console: show only this branch's customers, or every branch's.
    ToggleBranch,
    /// Mark or unmark the class under the cursor for a filter of several classes (segments).
    MarkClass,
    /// Save the list's current filter as a named segment.
    NewSegment,
    /// Rename the saved segment under the cursor.
    RenameSegment,
    /// Delete the saved segment under the cursor (asks first).
    DeleteSegment,
    /// Fit the BG/NBD and spend models again on everyone's purchases (segments).
    Refit,
    /// Add a customer.
    AddCustomer,
    /// Edit the customer.
    EditCustomer,
    /// Record a purchase for the customer.
    RecordPurchase,
    /// Log an interaction with the customer.
    LogInteraction,
    /// Fill the empty database with a demo shop.
    LoadDemo,
    /// Accept the prompt or confirmation.
    Submit,
    /// Dismiss the prompt, popup or form.
    Cancel,
    /// Yes, go ahead (confirmation).
    Confirm,
    /// Delete the character before the prompt cursor.
    Backspace,
    /// Clear the prompt.
    ClearInput,
    /// Show or hide the current customer's full phone number (recorded for audit).
    RevealPhone,
    /// Move the cursor into the customer's records (purchases, interactions, changes), or out.
    PickRecord,
    /// Void the selected purchase or interaction (asks why).
    VoidRecord,
    /// Record the return of (part of) the selected purchase (asks how much).
    RefundPurchase,
    /// Correct the selected record (a form over it), or restore the selected change's values.
    CorrectRecord,
    /// Resolve the selected complaint (asks for a note).
    ResolveComplaint,
    /// Show or hide the customer's changes from the audit log.
    ShowChanges,
    /// Delete the customer, who has no purchases or interactions (asks first).
    DeleteCustomer,
    /// Remove a tag from the selected customers (asks which).
    UntagSelected,
    /// Mark the pair under the cursor as two different people (duplicates).
    NotDuplicate,
    /// Take back this operator's last change (asks first when someone changed it since).
    Undo,
    /// Show only the next action of the follow-up queue (most urgent first), then all again.
    FilterByAction,
    /// Show only the next channel of the follow-up queue, then all again.
    FilterByChannel,
    /// Record that the customer opts out of a channel, or all (asks which: one key).
    OptOut,
    /// Make a campaign list of the saved segment under the cursor (asks which channel).
    CampaignList,
    /// Top up the member's stored value (asks how much; the bonus and the new balance are shown
    /// before it is saved).
    TopUp,
    /// Redeem the member's points for money off or a gift (asks how many; the new balance is
    /// shown before it is saved).
    RedeemPoints,
    /// A card scanner typed this card number and Enter (see `tui::ScanDetector`).
    #[serde(skip)]
    Scan(String),
    /// A character typed into a prompt or the search.
    #[serde(skip)]
    Input(char),
    /// The terminal now has this many columns and rows.
    #[serde(skip)]
    Resize(u16, u16),
    /// A mouse click at this column and row.
    #[serde(skip)]
    Click(u16, u16),
    /// The mouse wheel turned up.
    #[serde(skip)]
    ScrollUp,
    /// The mouse wheel turned down.
    #[serde(skip)]
    ScrollDown,
    /// Open a form for this request.
    #[serde(skip)]
    OpenForm(FormRequest),
    /// Close the open form without saving (and without asking).
    #[serde(skip)]
    CloseForm,
    /// A key for the open form (the runtime translates terminal keys in form mode).
    #[serde(skip)]
    FormKey(FormKey),
    /// A customer's records were saved and read back; reclassify them.
    #[serde(skip)]
    Saved(Box<History>),
    /// Two customers were merged: the survivor's history as stored now, the id that is gone, and
    /// the customers the loser had referred, re-read (the store pointed them at the survivor).
    #[serde(skip)]
    Merged {
        /// The survivor after the merge.
        survivor: Box<History>,
        /// The merged-away customer.
        loser: u64,
        /// Customers whose referrer changed from the loser to the survivor.
        referred: Vec<History>,
    },
    /// A customer's history was read for the detail view.
    #[serde(skip)]
    HistoryLoaded(Box<History>),
    /// Start-up progress from the runtime's loader: `read` of `total` customers' histories.
    #[serde(skip)]
    LoadProgress {
        /// Histories read so far.
        read: u64,
        /// Customers in the database.
        total: u64,
    },
    /// The customer records alone were read (start-up): the list and the search work, classes
    /// follow with [`Action::Loaded`].
    #[serde(skip)]
    CustomersLoaded(Box<super::Model>),
    /// Every customer was read and classified (start-up, or after demo data was loaded).
    #[serde(skip)]
    Loaded(Box<super::Loaded>),
    /// The duplicate index, judged after [`Action::Loaded`] (which then carried none).
    #[serde(skip)]
    DuplicatesFound(Box<crate::dedupe::DuplicateIndex>),
    /// The figures of a day's close, read by the runtime (see [`Effect::LoadDayClose`]).
    #[serde(skip)]
    DayCloseLoaded(Box<crate::report::day::DayReport>),
    /// Start-up loading failed; the message is for the status line (nothing can be edited).
    #[serde(skip)]
    LoadFailed(String),
    /// The models were fitted again; every customer's predictions follow.
    #[serde(skip)]
    ModelFitted(Box<crate::classify::Model>),
    /// The calendar moved on (the runtime watches the clock unless a date was pinned with
    /// `--as-of`): every day count changes, so everyone is reclassified.
    #[serde(skip)]
    NewDay(NaiveDate),
    /// An effect failed; the message is for the status line.
    #[serde(skip)]
    Failed(super::Notice),
    /// A message for the status line.
    #[serde(skip)]
    Notice(super::Notice),
    /// The runtime's answer to [`Effect::Search`] number `generation`: a best-so-far while a
    /// long search runs, then the complete list. Answers to an older search are dropped.
    #[serde(skip)]
    Searched {
        /// The search answered.
        generation: u64,
        /// The hits, best first.
        answer: Box<crate::search::Answer>,
    },
    /// A change was committed and the customers it touched read back: `histories` as stored
    /// now, `gone` no longer exist (merged away, deleted, an addition undone).
    #[serde(skip)]
    Committed(Box<super::commit::CommitAnswer>),
    /// Undo found the operator's last change, but someone else changed it since: ask first.
    #[serde(skip)]
    UndoAsks {
        /// The change, in words.
        what: String,
        /// Who changed it since, and when.
        since: String,
    },
    /// The customer's entries in the audit log, oldest first, for the detail view.
    #[serde(skip)]
    ChangesLoaded {
        /// The customer.
        customer: u64,
        /// Their entries.
        entries: Vec<crate::change::AuditEntry>,
    },
    /// Who recorded each purchase of `customer`, read from the audit log (answers
    /// [`Effect::LoadRecorders`]).
    #[serde(skip)]
    RecordersLoaded {
        /// The customer.
        customer: u64,
        /// Purchase id → the operator who recorded it (None: nobody the log names).
        recorders: super::role::Recorders,
    },
    /// A card that no current customer has was merged into customer `id` (or nobody: None).
    #[serde(skip)]
    FormerCard {
        /// The card as scanned or typed.
        card: String,
        /// The customer it leads to now.
        id: Option<u64>,
    },
    /// Another operator (`by`) saved this customer (`kehu serve` passes every session's saves
    /// to the others): take it in like a save of one's own, without touching the open form.
    #[serde(skip)]
    ChangedElsewhere {
        /// The customer as stored now.
        history: Box<History>,
        /// Who saved it.
        by: String,
    },
    /// A customer save was refused because the record changed since the form opened (by `by`,
    /// when the audit log knows): the stored version is taken in and the operator is asked
    /// whether to reload the form with it or keep their edit.
    #[serde(skip)]
    Conflict {
        /// The customer as stored now.
        current: Box<History>,
        /// Who changed it meanwhile, when known.
        by: Option<String>,
    },
}

/// Which form to open, and for whom: the seam between the console and the forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormRequest {
    /// A new customer.
    AddCustomer,
    /// Edit this customer.
    EditCustomer {
        /// The customer's id.
        customer: u64,
    },
    /// Record a purchase for this customer.
    Purchase {
        /// The customer's id.
        customer: u64,
    },
    /// Log an interaction with this customer.
    Interaction {
        /// The customer's id.
        customer: u64,
    },
    /// Correct purchase `id` of this customer.
    CorrectPurchase {
        /// The customer's id.
        customer: u64,
        /// The purchase's id.
        id: u64,
    },
    /// Edit interaction `id` of this customer.
    CorrectInteraction {
        /// The customer's id.
        customer: u64,
        /// The interaction's id.
        id: u64,
    },
}

impl FormRequest {
    /// The customer the form is about, if any.
    pub fn customer(&self) -> Option<u64> {
        match self {
            FormRequest::AddCustomer => None,
            FormRequest::EditCustomer { customer }
            | FormRequest::Purchase { customer }
            | FormRequest::Interaction { customer }
            | FormRequest::CorrectPurchase { customer, .. }
            | FormRequest::CorrectInteraction { customer, .. } => Some(*customer),
        }
    }

    /// What the form does, in words.
    pub fn title(&self) -> &'static str {
        match self {
            FormRequest::AddCustomer => "add customer",
            FormRequest::EditCustomer { .. } => "edit customer",
            FormRequest::Purchase { .. } => "record purchase",
            FormRequest::Interaction { .. } => "log interaction",
            FormRequest::CorrectPurchase { .. } => "correct purchase",
            FormRequest::CorrectInteraction { .. } => "edit interaction",
        }
    }
}

/// Work for the runtime; each saving effect is answered with [`Action::Saved`] or
/// [`Action::Failed`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Store a new or changed customer (the runtime stamps `updated`).
    SaveCustomer(Box<Customer>),
    /// Store a new purchase.
    SavePurchase(Purchase),
    /// Store a new interaction.
    SaveInteraction(Interaction),
    /// Read one customer's history; answered with [`Action::HistoryLoaded`].
    LoadHistory(u64),
    /// Store the saved segments under their settings key.
    SaveSegments(Vec<SavedSegment>),
    /// Merge `loser` into `survivor` (fields already chosen); answered with [`Action::Merged`].
    /// `referred` are the customers the loser referred, to be re-read after the merge.
    Merge {
        /// The survivor's record as it should be stored.
        survivor: Box<Customer>,
        /// The customer that goes.
        loser: u64,
        /// Customers naming the loser as referrer.
        referred: Vec<u64>,
    },
    /// Fill the (empty) database with a demo shop; answered with [`Action::Loaded`].
    LoadDemo {
        /// How many customers.
        customers: u64,
        /// The generator's seed.
        seed: u64,
        /// The day the demo history ends.
        today: NaiveDate,
        /// The rules to classify the new customers by (the session's).
        rules: Box<crate::classify::Rules>,
    },
    /// Fit the models on the App's classifier and store them; answered with
    /// [`Action::ModelFitted`]. The runtime runs it because only it may take a second of CPU.
    FitModel,
    /// Record that `operator` revealed `customer`'s phone (audit log seam; the runtime stores it).
    AuditReveal {
        /// The customer whose phone was shown.
        customer: u64,
        /// Who revealed it.
        operator: String,
    },
    /// Record that `operator`, working as `role`, tried `what` and was refused because it
    /// needs `needs` (audit log; the runtime stores it and answers nothing).
    AuditRefusal {
        /// The customer the operator was on, when the action is about one.
        customer: Option<u64>,
        /// Who was refused.
        operator: String,
        /// The action in words ("merge customers").
        what: &'static str,
        /// The role it needs.
        needs: super::Role,
        /// The role they work as.
        role: super::Role,
    },
    /// Read who recorded each purchase of this customer from the audit log; answered with
    /// [`Action::RecordersLoaded`].
    LoadRecorders(u64),
    /// Read the close of this day from every history; answered with [`Action::DayCloseLoaded`].
    LoadDayClose(chrono::NaiveDate),
    /// Commit one change for the operator and read back every customer it touched; answered
    /// with [`Action::Committed`] (or [`Action::Failed`]).
    Commit(Box<super::commit::Commit>),
    /// Take back the operator's last change (`consent`: even when someone changed it since);
    /// answered with [`Action::Committed`], [`Action::UndoAsks`] or a notice.
    Undo {
        /// The operator agreed to undo over someone else's later change.
        consent: bool,
    },
    /// Read the customer's audit log entries; answered with [`Action::ChangesLoaded`].
    LoadChanges(u64),
    /// Look up a card no current customer has among the numbers merges took away; answered
    /// with [`Action::FormerCard`].
    FindFormerCard(String),
    /// Run this search off the input thread; answered with [`Action::Searched`] (perhaps
    /// more than once: best-so-far first). A newer search makes an older one pointless, so the
    /// runtime may stop it.
    Search(super::search::SearchJob),
    /// Make a campaign: record it, then write its list where the runtime keeps campaign lists;
    /// answered with a notice saying where.
    MakeCampaign(Box<crate::campaign::export::Request>),
    /// Leave the console.
    Quit,
}

impl Action {
    /// The name used in the `[keys]` table, for bindable actions.
    pub fn name(&self) -> Option<String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The bindable action with this name.
    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.trim().to_string())).ok()
    }

    /// What the action does, for the help overlay.
    pub fn describe(&self) -> &'static str {
        use Action::*;
        match self {
            Up => "up",
            Down => "down",
            Top => "first",
            Bottom => "last",
            PageUp => "page up",
            PageDown => "page down",
            Left => "previous dimension",
            Right => "next dimension",
            Open => "open",
            Back => "back / clear",
            Quit => "quit",
            ShowList => "customer list",
            ShowSegments => "segments",
            ShowFollowUps => "follow-ups",
            ShowDuplicates => "duplicates",
            ShowDayClose => "day's close",
            ToggleHelp => "this help",
            StartSearch => "search",
            RecallSearch => "last search again",
            ToggleSelect => "select row",
            SelectAll => "select all / none",
            TagSelected => "tag selected",
            CycleSort => "sort by next column",
            FlipSort => "flip sort direction",
            PickFilter => "filter by class",
            ClearFilter => "clear filter",
            ToggleBranch => "this branch / all",
            MarkClass => "mark class for filter",
            NewSegment => "save filter as segment",
            RenameSegment => "rename segment",
            DeleteSegment => "delete segment",
            Refit => "refit P(alive) model",
            AddCustomer => "add customer",
            EditCustomer => "edit customer",
            RecordPurchase => "record purchase",
            LogInteraction => "log interaction",
            LoadDemo => "load demo data",
            Submit => "accept",
            Cancel => "cancel",
            Confirm => "yes",
            Backspace => "delete character",
            ClearInput => "clear input",
            RevealPhone => "show / hide phone",
            PickRecord => "records cursor on / off",
            VoidRecord => "void the record",
            RefundPurchase => "return (refund) it",
            CorrectRecord => "correct / restore",
            ResolveComplaint => "resolve the complaint",
            ShowChanges => "show / hide changes",
            DeleteCustomer => "delete (no records)",
            UntagSelected => "remove a tag",
            NotDuplicate => "not a duplicate",
            Undo => "undo my last change",
            FilterByAction => "filter by action (next)",
            FilterByChannel => "filter by channel (next)",
            OptOut => "opt out of contact",
            CampaignList => "campaign list (CSV)",
            TopUp => "top up stored value",
            RedeemPoints => "redeem points",
            _ => "",
        }
    }
}

impl Effect {
    /// Gives the records a saving effect adds that name no branch the branch `branch` (see
    /// [`crate::change::Change::stamp_branch`]).
    pub fn stamp_branch(&mut self, branch: &str) {
        match self {
            Effect::SavePurchase(p) if p.id == 0 && p.branch.is_empty() => p.branch = branch.to_string(),
            Effect::SaveInteraction(i) if i.id == 0 && i.branch.is_empty() => i.branch = branch.to_string(),
            Effect::Commit(c) => c.change.stamp_branch(branch),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Action::PageDown.name().as_deref(), Some("page_down"));
        assert_eq!(Action::from_name("show_follow_ups"), Some(Action::ShowFollowUps));
        assert_eq!(Action::from_name("input"), None);
        assert_eq!(Action::Input('x').name(), None);
    }
}
