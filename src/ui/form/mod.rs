//! Forms: add or edit a customer, record a purchase, log an interaction.
//!
//! A [`Form`] is pure state: the app maps terminal keys to [`FormKey`]s, feeds them to
//! [`Form::handle`] and acts on the [`FormOutcome`]; [`Form::render`] draws a centred popup.
//! Nothing here touches the terminal or the store, so every behaviour is testable without I/O.
//!
//! Validation uses the domain's own parsers, so a form accepts exactly what an import accepts.
//! Invalid input stays in its field, marked with the reason, and focus goes to the first bad field.

mod build;
pub mod field;
mod render;

use crate::domain::{Customer, Interaction, Purchase};
use crate::i18n::Lang;
use chrono::NaiveDate;
use field::{Edit, Input};

/// A key as a form understands it; the app translates terminal events into these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKey {
    /// A printable character (IME commits may arrive as several `Char`s or one `Paste`).
    Char(char),
    /// Bracketed paste or an IME commit: inserted at once, control characters dropped.
    Paste(String),
    /// Delete before the cursor.
    Backspace,
    /// Delete under the cursor.
    Delete,
    /// Delete everything before the cursor: the whole field when the cursor is at its end (Ctrl-U).
    ClearField,
    /// Cursor left, or previous choice.
    Left,
    /// Cursor right, or next choice.
    Right,
    /// Start of the field.
    Home,
    /// End of the field.
    End,
    /// Previous field.
    Up,
    /// Next field.
    Down,
    /// Next field.
    Tab,
    /// Previous field (Shift-Tab).
    BackTab,
    /// Submit (purchase, interaction) or next field (customer; submits on the last field).
    Enter,
    /// Cancel, asking first when something changed.
    Esc,
    /// Submit from any field (Ctrl-S).
    CtrlS,
}

/// What the app should do after a key.
// One value per key press, moved straight into the app: boxing the customer would only make
// every `match` in the app noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    /// Keep the form open and redraw it.
    Continue,
    /// Close the form, saving nothing.
    Cancel,
    /// Close the form and save this record.
    Submit(FormOutput),
}

/// A validated record, ready for the store.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutput {
    /// A new (id 0) or edited customer.
    Customer(Customer),
    /// A new purchase (id 0), or a stored one corrected.
    Purchase(Purchase),
    /// A new interaction (id 0), or a stored one edited.
    Interaction(Interaction),
}

/// Which form this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// Add a customer.
    NewCustomer,
    /// Edit a stored customer.
    EditCustomer,
    /// Record a purchase.
    Purchase,
    /// Log an interaction.
    Interaction,
}

/// Names every field any form has, so tests and the app can address fields without positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldId {
    /// Customer name.
    Name,
    /// Member or card number.
    Reference,
    /// Phone number.
    Phone,
    /// Email address.
    Email,
    /// Gender.
    Gender,
    /// Birthday.
    Birthday,
    /// Province.
    Province,
    /// City.
    City,
    /// Area type (urban, suburban, rural).
    Area,
    /// How the customer came.
    Source,
    /// Preferred contact channel.
    Contact,
    /// Comma-separated tags.
    Tags,
    /// Free notes.
    Notes,
    /// Who referred the customer (`#id` or their ref).
    Referrer,
    /// The shop's own fields, `key=value; key=value`.
    Custom,
    /// Purchase amount.
    Amount,
    /// Purchase quantity.
    Quantity,
    /// Purchase or interaction date.
    Date,
    /// Purchase category.
    Category,
    /// Sales channel.
    Channel,
    /// Bought on promotion.
    Promo,
    /// Interaction kind.
    Kind,
    /// Interaction text.
    Text,
    /// Rating 1–5.
    Rating,
    /// What a complaint is about.
    ComplaintType,
    /// Complaint severity.
    Severity,
    /// Complaint resolved.
    Resolved,
    /// Follow-up date.
    FollowUp,
    /// How a contact ended (reached, no answer).
    Outcome,
    /// The customer's child's birthday.
    ChildBirthday,
    /// Consent to commercial SMS.
    ConsentSms,
    /// Consent to WeChat messages.
    ConsentWechat,
    /// Consent to sales calls.
    ConsentPhone,
    /// Consent to e-mail marketing.
    ConsentEmail,
    /// Stated income band.
    Income,
    /// Stated education.
    Education,
    /// Stated occupation.
    Occupation,
    /// How a purchase was paid (cash, card, mobile, stored value, points).
    Payment,
}

/// One labelled input with its validation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Which field this is.
    pub id: FieldId,
    /// Shown to the left of the input.
    pub label: &'static str,
    /// Shown dimmed while a text input is empty (the expected format).
    pub hint: &'static str,
    /// The value being edited.
    pub input: Input,
    /// Why the last submit refused the value, shown under the field.
    pub error: Option<String>,
}

/// What the form saves into, with the context validation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `base` carries everything the form does not show (id, revision, custom fields…);
    /// `today` refuses a birthday after it (a new customer); `on` dates consent given in the
    /// form and bounds a child's birthday.
    Customer { base: Box<Customer>, today: Option<NaiveDate>, on: NaiveDate },
    /// `base`: the stored purchase a correction replaces (its id and the rest it keeps).
    Purchase { customer: u64, today: NaiveDate, base: Option<Box<Purchase>> },
    /// `base`: the stored interaction an edit replaces.
    Interaction { customer: u64, today: NaiveDate, operator: String, base: Option<Box<Interaction>> },
}

/// One field on which two forms over the same record disagree (a save refused because someone
/// changed the record meanwhile: their stored version against the edit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The field's label (English; the views translate it).
    pub label: &'static str,
    /// The value in the stored version, as its form shows it.
    pub theirs: String,
    /// The value in the edit.
    pub yours: String,
}

/// An open form: fields, focus, errors and the discard confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    title: String,
    kind: FormKind,
    target: Target,
    fields: Vec<Field>,
    focus: usize,
    /// Values when opened, so that "changed" means different, not merely touched.
    initial: Vec<String>,
    confirming: bool,
    /// Draw the border with `+-|` (the console's `ascii_borders`).
    ascii: bool,
    /// The language it is drawn and its refusals worded in (its App's).
    lang: Lang,
}

impl Form {
    /// Makes a customer form save over stored revision `revision` (the operator chose to keep
    /// their edit over a change made meanwhile); other forms are unchanged.
    pub fn rebase(&mut self, revision: u64) {
        if let Target::Customer { base, .. } = &mut self.target {
            base.revision = revision;
        }
    }

    /// Dates what this customer form records on `today` (consent answers, the bound of a
    /// child's birthday): the console's day, injected like every "today". An edit form not
    /// told uses the day the customer was last saved.
    pub fn on(mut self, today: NaiveDate) -> Form {
        if let Target::Customer { on, .. } = &mut self.target {
            *on = today;
        }
        self
    }

    /// The same form drawn with an ASCII border (`ascii_borders`) or box lines.
    pub fn with_ascii_borders(mut self, on: bool) -> Form {
        self.ascii = on;
        self
    }

    /// The same form drawn, and its refusals worded, in `lang` (English unless told).
    pub fn with_lang(mut self, lang: Lang) -> Form {
        self.lang = lang;
        self
    }

    /// Assembles a form and remembers its starting values.
    fn assemble(title: String, kind: FormKind, target: Target, fields: Vec<Field>) -> Form {
        let initial = fields.iter().map(|f| f.input.value()).collect();
        let lang = Lang::En;
        Form { title, kind, target, fields, focus: 0, initial, confirming: false, ascii: false, lang }
    }

    /// Adds who the form is about to the title, e.g. "Record purchase — 王秀英".
    pub fn with_subject(mut self, name: &str) -> Form {
        self.title = format!("{} — {}", self.title, name.trim());
        self
    }

    /// The popup's title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Which form this is.
    pub fn kind(&self) -> FormKind {
        self.kind
    }

    /// Every field, in display order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The field with the focus.
    pub fn focused(&self) -> FieldId {
        self.fields.get(self.focus).map_or(FieldId::Name, |f| f.id)
    }

    /// A field's current value as text (typed text, chosen key, or `yes` / `no`).
    pub fn value(&self, id: FieldId) -> Option<String> {
        self.field(id).map(|f| f.input.value())
    }

    /// A field's error, if the last submit refused it.
    pub fn error(&self, id: FieldId) -> Option<&str> {
        self.field(id).and_then(|f| f.error.as_deref())
    }

    /// The fields whose values differ between `theirs` (a form of the same kind over another
    /// version of the record) and this one, in form order.
    pub fn differences(&self, theirs: &Form) -> Vec<Difference> {
        self.fields
            .iter()
            .filter_map(|mine| {
                let other = theirs.field(mine.id)?;
                let (t, y) = (other.input.value(), mine.input.value());
                (t != y).then_some(Difference { label: mine.label, theirs: t, yours: y })
            })
            .collect()
    }

    /// Whether any value differs from when the form opened.
    pub fn is_dirty(&self) -> bool {
        self.fields.iter().zip(&self.initial).any(|(f, v)| f.input.value() != *v)
    }

    /// Marks a field as refused for a reason only the app can judge (a referrer nobody has),
    /// and moves the focus there; the text stays.
    pub fn refuse(&mut self, id: FieldId, why: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.id == id) {
            self.fields[i].error = Some(why.to_string());
            self.focus = i;
        }
    }

    /// Whether the form is asking "Discard changes? (y/n)".
    pub fn is_confirming(&self) -> bool {
        self.confirming
    }

    fn field(&self, id: FieldId) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// Whether a field takes part: complaint details only matter for a complaint.
    fn is_active(&self, i: usize) -> bool {
        match self.fields.get(i).map(|f| f.id) {
            Some(FieldId::ComplaintType | FieldId::Severity | FieldId::Resolved) => {
                self.value(FieldId::Kind).as_deref() == Some("complaint")
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Moves the focus `step` (+1 / -1) to the next active field, wrapping around.
    fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        for step in 1..n {
            let i = if forward { (self.focus + step) % n } else { (self.focus + n - step) % n };
            if self.is_active(i) {
                self.focus = i;
                return;
            }
        }
    }

    /// Whether the focus is on the last active field.
    fn on_last_field(&self) -> bool {
        (self.focus + 1..self.fields.len()).all(|i| !self.is_active(i))
    }

    /// Applies one key and says what the app should do next.
    pub fn handle(&mut self, key: FormKey) -> FormOutcome {
        if self.confirming {
            // Only an explicit answer leaves the question; anything else is ignored so that a
            // stray key cannot discard work.
            match key {
                FormKey::Char('y' | 'Y') => return FormOutcome::Cancel,
                FormKey::Char('n' | 'N') | FormKey::Esc => self.confirming = false,
                _ => {}
            }
            return FormOutcome::Continue;
        }
        match key {
            FormKey::Esc if self.is_dirty() => self.confirming = true,
            FormKey::Esc => return FormOutcome::Cancel,
            FormKey::CtrlS => return self.submit(),
            FormKey::Enter => {
                let submits = matches!(self.kind, FormKind::Purchase | FormKind::Interaction);
                if submits || self.on_last_field() {
                    return self.submit();
                }
                self.move_focus(true);
            }
            FormKey::Tab | FormKey::Down => self.move_focus(true),
            FormKey::BackTab | FormKey::Up => self.move_focus(false),
            key => self.edit(&key),
        }
        FormOutcome::Continue
    }

    /// Passes an editing key to the focused field.
    fn edit(&mut self, key: &FormKey) {
        let Some(field) = self.fields.get_mut(self.focus) else { return };
        if let Edit::Changed { dropped } = field.input.handle(key) {
            // The old complaint is about the old value; a limit hit is news about this one.
            field.error = None;
            if dropped > 0 {
                let max = match &field.input {
                    Input::Text(t) => t.max(),
                    _ => 0,
                };
                field.error = Some(format!(
                    "{} takes at most {max} characters; {dropped} did not fit",
                    field.label.to_lowercase()
                ));
            }
        }
    }

    /// Validates every field; on success returns the record, otherwise marks the bad fields,
    /// focuses the first and keeps everything typed.
    fn submit(&mut self) -> FormOutcome {
        for f in &mut self.fields {
            f.error = None;
        }
        match self.validate() {
            Ok(out) => FormOutcome::Submit(out),
            Err(errors) => {
                let mut first = None;
                for (id, msg) in errors {
                    if let Some(i) = self.fields.iter().position(|f| f.id == id) {
                        first = Some(first.map_or(i, |j: usize| j.min(i)));
                        self.fields[i].error = Some(msg);
                    }
                }
                if let Some(i) = first {
                    self.focus = i;
                }
                FormOutcome::Continue
            }
        }
    }
}
