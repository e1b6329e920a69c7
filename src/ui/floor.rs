//! Shop-floor options: phone masking on shared screens, ASCII borders for terminals
//! that draw box characters two cells wide, and what a member card number looks like.

use super::action::Effect;
use super::app::{App, View};
use super::keymap::Mode;
use crate::domain::{Customer, Phone};
use ratatui::symbols::border;
use ratatui::widgets::Block;

/// Which characters a member card number is made of (the scanner and the search line use it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CardPattern {
    /// The shape of the shop's own refs (`card_pattern = "auto"`, the default): digits while
    /// every ref is digits, letters and digits once one is like `M0001155`, and so on.
    #[default]
    Auto,
    /// ASCII digits only (`card_pattern = "digits"`).
    Digits,
    /// ASCII letters and digits (`card_pattern = "alphanumeric"`).
    Alphanumeric,
    /// Any printable ASCII character but space (`card_pattern = "ascii"`).
    Ascii,
}

/// The characters a card number can begin with: digits, and the first character of any ref
/// (in either case). A letter no card begins with is a key to act on at once, never held back
/// to see whether a scanner is typing (which costs 50 ms on every `j` where refs are `M0001`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardLeads(u128);

impl CardLeads {
    /// Any ASCII character (nothing known about the cards).
    pub const ANY: CardLeads = CardLeads(u128::MAX);

    /// The digits only (no refs yet).
    pub fn digits() -> CardLeads {
        CardLeads(('0'..='9').fold(0, |bits, c| bits | 1 << (c as u32)))
    }

    /// These leads and the first character of `card`.
    pub fn with(self, card: &str) -> CardLeads {
        match card.chars().next().filter(char::is_ascii) {
            Some(c) => CardLeads(
                self.0 | 1 << (c.to_ascii_lowercase() as u32) | 1 << (c.to_ascii_uppercase() as u32),
            ),
            None => self,
        }
    }

    /// Whether a card can begin with `c`.
    pub fn allows(self, c: char) -> bool {
        c.is_ascii() && (self.0 >> (c as u32)) & 1 == 1
    }
}

impl CardPattern {
    /// The names the config accepts.
    pub const NAMES: [&'static str; 4] = ["auto", "digits", "alphanumeric", "ascii"];

    /// The pattern with this config name.
    pub fn parse(s: &str) -> Option<CardPattern> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(CardPattern::Auto),
            "digits" => Some(CardPattern::Digits),
            "alphanumeric" => Some(CardPattern::Alphanumeric),
            "ascii" => Some(CardPattern::Ascii),
            _ => None,
        }
    }

    /// Whether a card number may contain `c` (`Auto` before the refs are known: letters and
    /// digits).
    pub fn allows(self, c: char) -> bool {
        match self {
            CardPattern::Digits => c.is_ascii_digit(),
            CardPattern::Alphanumeric | CardPattern::Auto => c.is_ascii_alphanumeric(),
            CardPattern::Ascii => c.is_ascii_graphic(),
        }
    }

    /// Whether all of `s` could be a card number: made of the pattern's characters, with at
    /// least one digit (a word typed in the search line, `zhang`, is a name, never a card).
    pub fn matches(self, s: &str) -> bool {
        s.chars().any(|c| c.is_ascii_digit()) && s.chars().all(|c| self.allows(c))
    }

    /// The narrowest pattern that every ref in `refs` fits (digits when there are none).
    pub fn of_refs<'a>(refs: impl IntoIterator<Item = &'a str>) -> CardPattern {
        refs.into_iter().fold(CardPattern::Digits, CardPattern::widened_for)
    }

    /// This pattern, or the narrowest wider one that `card` fits (a ref no scanner could type,
    /// with a space or a hanzi, changes nothing).
    pub fn widened_for(self, card: &str) -> CardPattern {
        let order = [CardPattern::Digits, CardPattern::Alphanumeric, CardPattern::Ascii];
        let from = order.iter().position(|p| *p == self).unwrap_or(0);
        order[from..].iter().copied().find(|p| p.matches(card)).unwrap_or(self)
    }
}

/// The console's shop-floor settings, from the config file (see `tui::ConsoleConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsoleOptions {
    /// Show phones as `138****5678` until revealed (`mask_phones`, on by default).
    pub mask_phones: bool,
    /// Draw boxes and lines with `+-|` (`ascii_borders`, off by default).
    pub ascii_borders: bool,
    /// What a card number looks like (`card_pattern`).
    pub card_pattern: CardPattern,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        ConsoleOptions { mask_phones: true, ascii_borders: false, card_pattern: CardPattern::Auto }
    }
}

/// `138****5678`: the first 3 and last 4 characters kept, the rest starred. The length is kept
/// so that search-hit positions still line up; numbers of 7 or fewer keep only the last 4.
pub fn mask_phone(s: &str) -> String {
    let n = s.chars().count();
    let head = if n > 7 { 3 } else { 0 };
    let tail = n.saturating_sub(4);
    s.chars().enumerate().map(|(i, c)| if i < head || i >= tail { c } else { '*' }).collect()
}

/// How phones are shown right now: masked unless off or revealed for this one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneMask {
    /// Whether masking is on.
    pub on: bool,
    /// The customer whose phone the operator revealed.
    pub revealed: Option<u64>,
}

impl PhoneMask {
    /// No masking (tests and views without phones).
    pub const OFF: PhoneMask = PhoneMask { on: false, revealed: None };

    /// Whether this customer's phone is hidden.
    pub fn hides(self, id: u64) -> bool {
        self.on && self.revealed != Some(id)
    }

    /// The customer's phone as it may be shown (empty without one).
    pub fn phone(self, c: &Customer) -> String {
        match &c.phone {
            Some(p) if self.hides(c.id) => mask_phone(p.as_str()),
            Some(p) => p.to_string(),
            None => String::new(),
        }
    }
}

/// `+-|` for terminals that draw box characters two cells wide (PuTTY, Xshell).
pub const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// Every bordered box of the console: plain lines, or ASCII with `ascii_borders`.
pub fn bordered(ascii: bool) -> Block<'static> {
    Block::bordered().border_set(if ascii { ASCII_BORDER } else { border::PLAIN })
}

/// Sparkline levels in ASCII: block elements are as ambiguous in width as box lines.
pub const ASCII_BARS: ratatui::symbols::bar::Set = ratatui::symbols::bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

/// A share bar of `width` cells in `#` (the ASCII form of [`super::widgets::bar`]).
pub fn ascii_bar(share: f64, width: usize) -> String {
    "#".repeat((share.clamp(0.0, 1.0) * width as f64).round() as usize)
}

/// The separator between the status line's parts.
pub fn separator(ascii: bool) -> &'static str {
    if ascii { " | " } else { " │ " }
}

impl App {
    /// The shop-floor settings this App was started with.
    pub fn options(&self) -> ConsoleOptions {
        self.options
    }

    /// What a card number looks like here: the configured pattern, or the refs' shape.
    pub fn card_pattern(&self) -> CardPattern {
        match self.options.card_pattern {
            CardPattern::Auto => self.card_shape,
            p => p,
        }
    }

    /// What the shop's cards begin with (see [`CardLeads`]).
    pub fn card_leads(&self) -> CardLeads {
        self.card_leads
    }

    /// How phones are shown now: a viewer sees them masked whatever the shop's setting.
    pub fn phone_mask(&self) -> PhoneMask {
        let on = self.options.mask_phones || self.role == super::Role::Viewer;
        PhoneMask { on, revealed: self.revealed }
    }

    /// The customer the operator is looking at: the detail's, or the row under the cursor of
    /// the list or the follow-up queue.
    pub(super) fn current_customer(&self) -> Option<u64> {
        match self.view {
            View::Detail => Some(self.detail.id),
            View::List => self.list.current(),
            View::FollowUps => self.followups.current(),
            _ => None,
        }
    }

    /// A reveal lasts until the operator leaves that customer.
    pub(super) fn forget_stale_reveal(&mut self) {
        if self.revealed.is_some() && self.revealed != self.current_customer() {
            self.revealed = None;
        }
    }

    /// `v`: shows or hides the current customer's phone; showing is audited.
    pub(super) fn toggle_reveal(&mut self) -> Vec<Effect> {
        if !self.options.mask_phones {
            self.status = crate::notice!("phones are not masked (mask_phones = false)");
            return vec![];
        }
        let Some(id) = self.current_customer() else { return vec![] };
        if self.revealed == Some(id) {
            self.revealed = None;
            return vec![];
        }
        self.revealed = Some(id);
        vec![Effect::AuditReveal { customer: id, operator: self.operator.clone() }]
    }

    /// The customers whose ref (ASCII case aside) or full phone is exactly `card`: ref matches
    /// when there are any, else phone matches.
    pub fn customers_with_card(&self, card: &str) -> Vec<u64> {
        let card = card.trim();
        if card.is_empty() {
            return vec![];
        }
        let shop = self.shop.read();
        let rows = || shop.model.ids().iter().filter_map(|id| shop.model.get(*id));
        let by_ref: Vec<u64> = rows()
            .filter(|r| r.customer.reference.as_deref().is_some_and(|x| x.trim().eq_ignore_ascii_case(card)))
            .map(|r| r.id())
            .collect();
        if !by_ref.is_empty() {
            return by_ref;
        }
        let Ok(phone) = Phone::parse(card) else { return vec![] };
        rows().filter(|r| r.customer.phone.as_ref() == Some(&phone)).map(|r| r.id()).collect()
    }

    /// The store's answer about a card nobody has now: the customer a merge gave it to opens.
    pub(super) fn on_former_card(&mut self, card: &str, id: Option<u64>) -> Vec<Effect> {
        let card = crate::text::terminal_safe(card).into_owned();
        match id.filter(|id| self.shop.read().model.get(*id).is_some()) {
            Some(id) if !matches!(self.mode(), Mode::Form | Mode::Prompt | Mode::Confirm | Mode::Merge) => {
                self.help = false;
                self.list.searching = false;
                let effects = self.open_detail(id);
                let name = self.safe_name(id);
                self.status = crate::notice!("card {} was merged into #{} {}", card, id, name);
                effects
            }
            Some(id) => {
                self.status =
                    crate::notice!("card {} was merged into #{}; finish the open popup first", card, id);
                vec![]
            }
            None => {
                self.status = crate::notice!("no customer has card {}", card);
                vec![]
            }
        }
    }

    /// A scanned card: opens that customer's detail from any view.
    pub(super) fn on_scan(&mut self, card: &str) -> Vec<Effect> {
        // A scan never lands in a form or prompt: what is typed there stays the operator's.
        if matches!(self.mode(), Mode::Form | Mode::Prompt | Mode::Confirm | Mode::Merge) {
            self.status = crate::notice!("card {} scanned; finish the open popup first", card);
            return vec![];
        }
        let found = self.customers_with_card(card);
        match found.as_slice() {
            [] => {
                // Perhaps a card a merge took away: the store knows where it leads.
                self.status = crate::notice!("looking up card {}…", card);
                vec![Effect::FindFormerCard(card.to_string())]
            }
            [id] => {
                let id = *id;
                self.help = false;
                self.list.searching = false;
                self.status.clear();
                self.open_detail(id)
            }
            _ => {
                // Several customers share the number: let the operator pick among them.
                self.help = false;
                self.status = crate::notice!("{} customers have card {}", found.len(), card);
                self.list.searching = false;
                self.list.query = card.to_string();
                self.list.cursor = 0;
                self.list.research();
                self.view = View::List;
                vec![]
            }
        }
    }

    /// Enter in the search line: a query shaped like a card that is exactly one customer's ref
    /// or phone opens that customer, whatever the ranking put first.
    pub(super) fn exact_card_in_search(&self) -> Option<u64> {
        let q = self.list.query.trim();
        if !self.card_pattern().matches(q) {
            return None;
        }
        match self.customers_with_card(q).as_slice() {
            [id] => Some(*id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_first_three_and_last_four() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+4930123456"), "+49****3456");
        assert_eq!(mask_phone("1234567"), "***4567");
        assert_eq!(mask_phone("1234"), "1234");
    }

    #[test]
    fn ascii_bars() {
        assert_eq!(ascii_bar(0.5, 4), "##");
        assert_eq!(ascii_bar(2.0, 3), "###");
        assert_eq!(ascii_bar(0.0, 3), "");
    }

    #[test]
    fn card_patterns() {
        assert!(CardPattern::Digits.matches("12345678"));
        assert!(!CardPattern::Digits.matches("VIP123"));
        assert!(CardPattern::Alphanumeric.matches("VIP123"));
        assert!(!CardPattern::Alphanumeric.matches("VIP-123"));
        assert!(CardPattern::Ascii.matches("VIP-123"));
        assert!(!CardPattern::Digits.matches(""));
        assert_eq!(CardPattern::parse(" Digits "), Some(CardPattern::Digits));
        assert_eq!(CardPattern::parse("regex"), None);
    }
}
