//! The merge popup: who stays, and for each field the two records disagree on, whose value the
//! survivor keeps. Enter asks for confirmation (a merge cannot be undone); only then does the
//! App emit [`Effect::Merge`].

use super::action::{Action, Effect};
use super::app::{App, Confirm};
use super::widgets::{centered, fit, pad_to, safe};
use crate::classify::Classifier;
use crate::dedupe::{Field, FieldChoice, Side, merged_fields};
use crate::domain::{AreaType, Customer, Gender, Source};
use crate::i18n::{Lang, tr_in, trf_in};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The merge popup's state: both records as they were when it opened, who stays, and per
/// differing field whether the value comes from the left record (`a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeState {
    /// The left record (the pair's smaller id).
    pub a: Customer,
    /// The right record.
    pub b: Customer,
    /// Whether `a` survives.
    pub keep_a: bool,
    /// The fields the two disagree on, each with whether the value is taken from `a`.
    pub fields: Vec<(Field, bool)>,
    /// 0 is the "who stays" row; `1..` are the fields.
    pub cursor: usize,
}

impl MergeState {
    /// The popup for two records; `a` stays, and each field starts as an automatic merge would
    /// take it (the survivor's value unless it is empty).
    pub fn new(a: &Customer, b: &Customer) -> MergeState {
        let auto = merged_fields(a, b, &FieldChoice::default());
        let fields = Field::ALL
            .iter()
            .filter(|&&f| field_text(a, f) != field_text(b, f))
            .map(|&f| (f, field_text(&auto, f) == field_text(a, f)))
            .collect();
        MergeState { a: a.clone(), b: b.clone(), keep_a: true, fields, cursor: 0 }
    }

    /// The id that survives.
    pub fn survivor_id(&self) -> u64 {
        if self.keep_a { self.a.id } else { self.b.id }
    }

    /// The id that goes.
    pub fn loser_id(&self) -> u64 {
        if self.keep_a { self.b.id } else { self.a.id }
    }

    /// The per-field choice in the dedupe module's terms (survivor or loser).
    pub fn choice(&self) -> FieldChoice {
        let mut c = FieldChoice::default();
        for &(f, from_a) in &self.fields {
            c.set(f, if from_a == self.keep_a { Side::Survivor } else { Side::Loser });
        }
        c
    }

    /// The survivor's record after the merge, as the store will be asked to write it.
    pub fn survivor(&self) -> Customer {
        let (s, l) = if self.keep_a { (&self.a, &self.b) } else { (&self.b, &self.a) };
        merged_fields(s, l, &self.choice())
    }

    /// Left picks `a` (as survivor, or as the source of the field under the cursor); right `b`.
    fn pick(&mut self, left: bool) {
        match self.cursor {
            0 => self.keep_a = left,
            i => {
                if let Some(f) = self.fields.get_mut(i - 1) {
                    f.1 = left;
                }
            }
        }
    }
}

/// A field of a customer as the popup shows it; empty when unset.
pub fn field_text(c: &Customer, f: Field) -> String {
    match f {
        Field::Ref => c.reference.clone().unwrap_or_default(),
        Field::Name => c.name.clone(),
        Field::Phone => c.phone.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        Field::Email => c.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
        Field::Gender if c.gender == Gender::Unknown => String::new(),
        Field::Gender => c.gender.key().into(),
        Field::Birthday => c.birthday.map(|d| d.to_string()).unwrap_or_default(),
        Field::Region => {
            let area = if c.area == AreaType::Unknown { "" } else { c.area.key() };
            format!("{} {} {area}", c.province.trim(), c.city.trim())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        }
        Field::Source if c.source == Source::Unknown => String::new(),
        Field::Source => c.source.key().into(),
        Field::Referrer => c.referrer.map(|r| format!("#{r}")).unwrap_or_default(),
        Field::Contact => c.contact.key().into(),
    }
}

/// The field's label in the popup.
fn label(f: Field) -> &'static str {
    match f {
        Field::Ref => "ref",
        Field::Name => "name",
        Field::Phone => "phone",
        Field::Email => "email",
        Field::Gender => "gender",
        Field::Birthday => "birthday",
        Field::Region => "region",
        Field::Source => "source",
        Field::Referrer => "referrer",
        Field::Contact => "contact",
    }
}

impl App {
    /// A key while the merge popup is open.
    pub(super) fn on_merge(&mut self, action: Action) -> Vec<Effect> {
        let Some(m) = self.merge.as_mut() else { return vec![] };
        match action {
            Action::Down | Action::ScrollDown => m.cursor = (m.cursor + 1).min(m.fields.len()),
            Action::Up | Action::ScrollUp => m.cursor = m.cursor.saturating_sub(1),
            Action::Top => m.cursor = 0,
            Action::Bottom => m.cursor = m.fields.len(),
            Action::Left => m.pick(true),
            Action::Right => m.pick(false),
            Action::Submit | Action::Open => {
                self.confirm = Some(Confirm::Merge { survivor: Box::new(m.survivor()), loser: m.loser_id() });
            }
            Action::Cancel | Action::Back => {
                self.merge = None;
                self.status = crate::notice!("not merged");
            }
            Action::Quit => return self.quit(),
            _ => {}
        }
        vec![]
    }

    /// The confirmed merge: the effect, with the customers whose referrer the store will move.
    pub(super) fn confirm_merge(&mut self, survivor: Customer, loser: u64) -> Vec<Effect> {
        self.merge = None;
        let shop = self.shop.read();
        let referred = shop
            .model
            .ids()
            .iter()
            .copied()
            .filter(|&id| shop.model.get(id).is_some_and(|r| r.customer.referrer == Some(loser)))
            .collect();
        drop(shop);
        self.status = crate::notice!("merging #{} into #{}…", loser, survivor.id);
        vec![Effect::Merge { survivor: Box::new(survivor), loser, referred }]
    }
}

/// The confirmation question for a merge, line by line.
pub fn confirm_text(lang: Lang, survivor: u64, loser: u64) -> Vec<String> {
    vec![
        trf_in(lang, "Merge #{} into #{}?", &[&loser, &survivor]),
        trf_in(lang, "purchases and interactions move; #{} is removed.", &[&loser]),
        String::new(),
        tr_in(lang, "y yes · n no").into(),
    ]
}

/// The popup's widest width: at 80 columns, two names of 29 cells side by side.
const POPUP_W: u16 = 78;

/// What a customer has bought, from their classes: `8074.40 · 18 purchases`, and the day of
/// the last purchase (`—` for none).
fn bought(clf: &Classifier, id: u64, lang: Lang) -> (String, String) {
    match clf.classes(id) {
        Some(c) => (
            format!(
                "{} · {}",
                crate::i18n::money(lang, c.spend_total),
                trf_in(lang, "{} purchases", &[&c.purchases])
            ),
            c.last_purchase.map_or("—".into(), |d| d.to_string()),
        ),
        None => ("—".into(), "—".into()),
    }
}

/// Draws the merge popup centred in `area`: the two ids over their columns, who stays, what
/// each has bought, then the fields they disagree on; in `lang`.
pub fn draw(
    m: &MergeState,
    clf: &Classifier,
    ascii: bool,
    masked: bool,
    lang: Lang,
    f: &mut Frame,
    area: Rect,
) {
    // Laid out for the widest popup first; the height follows from the lines.
    let inner_w = area.width.min(POPUP_W).saturating_sub(4) as usize;
    let label_w = 9usize.min(inner_w / 3);
    let col_w = inner_w.saturating_sub(label_w + 2) / 2;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().fg(Color::DarkGray);
    let cell = |text: &str, chosen: bool| -> Span<'static> {
        let t = safe(text);
        let shown = if chosen { format!("[{t}]") } else { format!(" {t}") };
        let style = if chosen { bold.fg(Color::Green) } else { dim };
        Span::styled(pad_to(&shown, col_w), style)
    };
    // A fact about each side, not a choice: plain, under the values.
    let fact = |text: &str| Span::raw(pad_to(&format!(" {}", safe(text)), col_w));
    let row = |cursor: bool, name: &str, left: Span<'static>, right: Span<'static>| -> Line<'static> {
        let mark = if cursor { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
        Line::from(vec![
            Span::styled(pad_to(name, label_w), mark),
            Span::raw(" "),
            left,
            Span::raw(" "),
            right,
        ])
    };
    let (spend_a, last_a) = bought(clf, m.a.id, lang);
    let (spend_b, last_b) = bought(clf, m.b.id, lang);
    let mut lines = vec![
        row(false, "", fact(&format!("#{}", m.a.id)), fact(&format!("#{}", m.b.id))),
        row(m.cursor == 0, tr_in(lang, "keep"), cell(&m.a.name, m.keep_a), cell(&m.b.name, !m.keep_a)),
        row(false, tr_in(lang, "spend"), fact(&spend_a), fact(&spend_b)),
        row(false, tr_in(lang, "last buy"), fact(&last_a), fact(&last_b)),
        Line::default(),
    ];
    if m.fields.is_empty() {
        lines.push(Line::from(fit(tr_in(lang, "the two records agree on every field"), inner_w)));
    }
    for (i, &(field, from_a)) in m.fields.iter().enumerate() {
        let (mut a, mut b) = (field_text(&m.a, field), field_text(&m.b, field));
        // The two numbers still differ in their first 3 or last 4 digits, enough to choose.
        if masked && field == Field::Phone {
            (a, b) = (super::floor::mask_phone(&a), super::floor::mask_phone(&b));
        }
        let (a, b) = (if a.is_empty() { "—".into() } else { a }, if b.is_empty() { "—".into() } else { b });
        lines.push(row(m.cursor == i + 1, tr_in(lang, label(field)), cell(&a, from_a), cell(&b, !from_a)));
    }
    lines.push(Line::default());
    let note = trf_in(
        lang,
        "#{}'s purchases, interactions and tags move to #{}",
        &[&m.loser_id(), &m.survivor_id()],
    );
    lines.push(Line::from(fit(&note, inner_w)));
    lines.push(Line::from(Span::styled(
        fit(tr_in(lang, "←/→ choose · ↑/↓ field · enter merge · esc cancel"), inner_w),
        Style::new().fg(Color::Gray),
    )));
    let lines: Vec<Line> = lines.into_iter().map(pad).collect();
    let popup = centered(area, POPUP_W, lines.len() as u16 + 2);
    if popup.width < 12 || popup.height < 3 {
        return;
    }
    let title = fit(tr_in(lang, " merge duplicates "), popup.width as usize - 2);
    f.render_widget(Clear, popup);
    f.render_widget(Paragraph::new(lines).block(super::floor::bordered(ascii).title(title)), popup);
}

/// A line with one column of air on the left.
fn pad(mut l: Line<'static>) -> Line<'static> {
    l.spans.insert(0, Span::raw(" "));
    l
}
