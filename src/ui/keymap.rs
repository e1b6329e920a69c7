//! Keys to actions, per mode (television's input map): a key is looked up in the mode's own
//! table, then in the global table; in text modes an unbound character becomes
//! [`Action::Input`]. The user's config can rebind any key with a `[keys]` table that names
//! actions (`[keys.list] ctrl-n = "down"`; `"none"` unbinds).

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// What the keyboard is talking to: a view, or the prompt or popup in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// Keys every view shares (not a mode of its own).
    Global,
    /// The empty-database welcome screen.
    Welcome,
    /// The customer list.
    List,
    /// Typing a search in the list.
    Search,
    /// One customer.
    Detail,
    /// The segments view.
    Segments,
    /// The follow-up queue.
    FollowUps,
    /// The likely duplicates.
    Duplicates,
    /// The day's close.
    DayClose,
    /// The merge popup (who stays, which values).
    Merge,
    /// A one-line text prompt (a tag, a segment name).
    Prompt,
    /// A yes/no confirmation.
    Confirm,
    /// The help overlay.
    Help,
    /// A form is open.
    Form,
}

impl Mode {
    /// Every mode, in config order.
    pub const ALL: [Mode; 14] = [
        Mode::Global,
        Mode::Welcome,
        Mode::List,
        Mode::Search,
        Mode::Detail,
        Mode::Segments,
        Mode::FollowUps,
        Mode::Duplicates,
        Mode::DayClose,
        Mode::Merge,
        Mode::Prompt,
        Mode::Confirm,
        Mode::Help,
        Mode::Form,
    ];

    /// The name of the mode's table in the config (`[keys.follow_ups]`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Welcome => "welcome",
            Mode::List => "list",
            Mode::Search => "search",
            Mode::Detail => "detail",
            Mode::Segments => "segments",
            Mode::FollowUps => "follow_ups",
            Mode::Duplicates => "duplicates",
            Mode::DayClose => "day_close",
            Mode::Merge => "merge",
            Mode::Prompt => "prompt",
            Mode::Confirm => "confirm",
            Mode::Help => "help",
            Mode::Form => "form",
        }
    }

    /// Whether the global keys apply (not while typing or answering a popup).
    fn uses_global(self) -> bool {
        matches!(
            self,
            Mode::Welcome
                | Mode::List
                | Mode::Detail
                | Mode::Segments
                | Mode::FollowUps
                | Mode::Duplicates
                | Mode::DayClose
        )
    }

    /// Whether unbound characters are typed text.
    fn is_text(self) -> bool {
        matches!(self, Mode::Search | Mode::Prompt)
    }
}

/// A key with its modifiers; Shift is folded into the character (`G`, `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    /// The key.
    pub code: KeyCode,
    /// Ctrl and Alt (Shift only for non-character keys).
    pub mods: KeyModifiers,
}

impl KeyChord {
    /// A key without modifiers.
    pub fn plain(code: KeyCode) -> KeyChord {
        KeyChord { code, mods: KeyModifiers::NONE }
    }

    /// A key from a terminal event.
    pub fn from_event(e: &KeyEvent) -> KeyChord {
        let mut mods = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(e.code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        KeyChord { code: e.code, mods }
    }

    /// Parses `j`, `G`, `ctrl-n`, `alt-x`, `enter`, `pgdn`, `space`, `f5`.
    pub fn parse(s: &str) -> Result<KeyChord, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, n) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.chars().count() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[n..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "space" => KeyCode::Char(' '),
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) => {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("unknown key {s:?}")),
            },
        };
        if matches!(code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Ok(KeyChord { code, mods })
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("backtab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// The key tables, one per mode, each in the order the help lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    tables: BTreeMap<Mode, Vec<(KeyChord, Action)>>,
}

/// The shape of the config's `[keys]` table: mode name → key → action name.
#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, String>>,
}

const NAV: &[(&str, Action)] = &[
    ("j", Action::Down),
    ("down", Action::Down),
    ("k", Action::Up),
    ("up", Action::Up),
    ("g", Action::Top),
    ("home", Action::Top),
    ("G", Action::Bottom),
    ("end", Action::Bottom),
    ("pgup", Action::PageUp),
    ("ctrl-b", Action::PageUp),
    ("pgdn", Action::PageDown),
    ("ctrl-f", Action::PageDown),
];

fn defaults(mode: Mode) -> Vec<(&'static str, Action)> {
    use Action::*;
    let nav = NAV.to_vec();
    let text = vec![("esc", Cancel), ("enter", Submit), ("backspace", Backspace), ("ctrl-u", ClearInput)];
    match mode {
        Mode::Global => vec![
            ("1", ShowList),
            ("2", ShowSegments),
            ("3", ShowFollowUps),
            ("4", ShowDuplicates),
            ("5", ShowDayClose),
            ("?", ToggleHelp),
            ("u", Undo),
            ("q", Quit),
            ("ctrl-c", Quit),
        ],
        Mode::Welcome => vec![("d", LoadDemo), ("a", AddCustomer)],
        Mode::List => [
            nav,
            vec![
                ("enter", Open),
                ("esc", Back),
                ("/", StartSearch),
                ("space", ToggleSelect),
                ("*", SelectAll),
                ("t", TagSelected),
                ("s", CycleSort),
                ("S", FlipSort),
                ("f", PickFilter),
                ("F", ClearFilter),
                ("B", ToggleBranch),
                ("a", AddCustomer),
                ("e", EditCustomer),
                ("p", RecordPurchase),
                ("i", LogInteraction),
                ("v", RevealPhone),
                ("T", UntagSelected),
                ("O", OptOut),
                ("b", TopUp),
                ("R", RedeemPoints),
            ],
        ]
        .concat(),
        Mode::Search => [
            text,
            vec![
                ("down", Down),
                ("up", Up),
                ("pgdn", PageDown),
                ("pgup", PageUp),
                ("ctrl-p", RecallSearch),
                ("ctrl-c", Quit),
            ],
        ]
        .concat(),
        Mode::Detail => [
            nav,
            vec![
                ("esc", Back),
                ("a", AddCustomer),
                ("e", EditCustomer),
                ("p", RecordPurchase),
                ("i", LogInteraction),
                ("v", RevealPhone),
                ("tab", PickRecord),
                ("x", VoidRecord),
                ("r", RefundPurchase),
                ("c", CorrectRecord),
                ("enter", CorrectRecord),
                ("o", ResolveComplaint),
                ("h", ShowChanges),
                ("T", UntagSelected),
                ("D", DeleteCustomer),
                ("O", OptOut),
                ("b", TopUp),
                ("R", RedeemPoints),
            ],
        ]
        .concat(),
        Mode::Segments => [
            nav,
            vec![
                ("h", Left),
                ("left", Left),
                ("l", Right),
                ("right", Right),
                ("enter", Open),
                ("space", MarkClass),
                ("n", NewSegment),
                ("r", RenameSegment),
                ("d", DeleteSegment),
                ("R", Refit),
                ("x", CampaignList),
                ("B", ToggleBranch),
                ("esc", Back),
            ],
        ]
        .concat(),
        Mode::FollowUps => [
            nav,
            vec![
                ("enter", Open),
                ("a", AddCustomer),
                ("v", RevealPhone),
                ("i", LogInteraction),
                ("p", RecordPurchase),
                ("f", FilterByAction),
                ("c", FilterByChannel),
                ("F", ClearFilter),
                ("B", ToggleBranch),
                ("O", OptOut),
                ("esc", Back),
            ],
        ]
        .concat(),
        Mode::Duplicates => [nav, vec![("enter", Open), ("n", NotDuplicate), ("esc", Back)]].concat(),
        // The day before and after; Home (g) back to today.
        Mode::DayClose => vec![
            ("h", Left),
            ("left", Left),
            ("l", Right),
            ("right", Right),
            ("g", Top),
            ("home", Top),
            ("esc", Back),
        ],
        Mode::Merge => vec![
            ("j", Down),
            ("down", Down),
            ("tab", Down),
            ("k", Up),
            ("up", Up),
            ("backtab", Up),
            ("h", Left),
            ("left", Left),
            ("l", Right),
            ("right", Right),
            ("enter", Submit),
            ("esc", Cancel),
            ("ctrl-c", Quit),
        ],
        Mode::Prompt => [text, vec![("ctrl-c", Quit)]].concat(),
        // Only `y` says yes: an Enter held or pressed twice must not merge or delete anything.
        Mode::Confirm => vec![("y", Confirm), ("n", Cancel), ("esc", Cancel), ("o", Open)],
        // The help scrolls like a list; the keys that opened it close it.
        Mode::Help => [nav, vec![("?", ToggleHelp), ("esc", ToggleHelp), ("q", ToggleHelp)]].concat(),
        // Every other key goes to the form itself (see `tui::form_key`), Esc included, so that
        // the form can ask before discarding what was typed.
        Mode::Form => vec![("ctrl-c", Quit)],
    }
}

impl Default for Keymap {
    fn default() -> Self {
        let tables = Mode::ALL
            .iter()
            .map(|m| {
                let t = defaults(*m)
                    .into_iter()
                    .filter_map(|(k, a)| KeyChord::parse(k).ok().map(|k| (k, a)))
                    .collect();
                (*m, t)
            })
            .collect();
        Keymap { tables }
    }
}

impl Keymap {
    /// The default keys with the `[keys]` table of a config file's text applied on top.
    pub fn from_config(text: &str) -> Result<Keymap, String> {
        let mut k = Keymap::default();
        k.merge_toml(text)?;
        Ok(k)
    }

    /// Applies a config's `[keys]` table; every bad entry is reported, none is applied then.
    pub fn merge_toml(&mut self, text: &str) -> Result<(), String> {
        let file: ConfigFile =
            toml::from_str(text).map_err(|e| format!("config: {}", crate::text::toml_error(text, &e)))?;
        let mut changes = Vec::new();
        let mut errors = Vec::new();
        for (mode_name, table) in &file.keys {
            let Some(mode) = Mode::ALL.iter().copied().find(|m| m.name() == mode_name) else {
                let names: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
                errors.push(format!("[keys.{mode_name}]: unknown mode (expected {})", names.join(", ")));
                continue;
            };
            for (key, action) in table {
                let chord = match KeyChord::parse(key) {
                    Ok(c) => c,
                    Err(e) => {
                        errors.push(format!("[keys.{mode_name}] {e}"));
                        continue;
                    }
                };
                let action = match action.as_str() {
                    "none" | "" => None,
                    name => match Action::from_name(name) {
                        Some(a) => Some(a),
                        None => {
                            errors.push(format!("[keys.{mode_name}] {key}: unknown action {name:?}"));
                            continue;
                        }
                    },
                };
                changes.push((mode, chord, action));
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        for (mode, chord, action) in changes {
            self.bind(mode, chord, action);
        }
        Ok(())
    }

    /// Binds (or with `None` unbinds) a key in one mode, replacing its old meaning there.
    pub fn bind(&mut self, mode: Mode, key: KeyChord, action: Option<Action>) {
        let table = self.tables.entry(mode).or_default();
        match (table.iter().position(|(k, _)| *k == key), action) {
            (Some(at), Some(a)) => table[at].1 = a,
            (Some(at), None) => {
                table.remove(at);
            }
            (None, Some(a)) => table.push((key, a)),
            (None, None) => {}
        }
    }

    /// What a key means in a mode, if anything.
    pub fn resolve(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(key);
        let find = |m: Mode| self.tables.get(&m)?.iter().find(|(k, _)| *k == chord).map(|(_, a)| a.clone());
        if let Some(a) = find(mode) {
            return Some(a);
        }
        if mode.is_text() {
            return match chord {
                KeyChord { code: KeyCode::Char(c), mods }
                    if !mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    Some(Action::Input(c))
                }
                _ => None,
            };
        }
        if mode.uses_global() { find(Mode::Global) } else { None }
    }

    /// The first key bound to `action` in a mode (or the global keys that apply), as the help
    /// writes it; for texts that name their keys.
    pub fn key_for(&self, mode: Mode, action: &Action) -> Option<String> {
        let mut modes = vec![mode];
        if mode.uses_global() {
            modes.push(Mode::Global);
        }
        modes.into_iter().find_map(|m| {
            let (k, _) = self.tables.get(&m)?.iter().find(|(_, a)| a == action)?;
            // A global key the mode's own table shadows does not reach the action.
            (m == mode || self.tables.get(&mode).is_none_or(|t| t.iter().all(|(x, _)| x != k)))
                .then(|| k.to_string())
        })
    }

    /// The keys of a mode grouped by action, for the help: the view's own first, then those
    /// every view shares (the global ones, and back / clear last, `esc` in every view).
    pub fn help(&self, mode: Mode) -> Vec<(String, &'static str)> {
        self.help_actions(mode).into_iter().map(|(k, d, _)| (k, d)).collect()
    }

    /// [`Keymap::help`] with the action of each entry (the help leaves out what a role may not).
    pub fn help_actions(&self, mode: Mode) -> Vec<(String, &'static str, Action)> {
        let mut out: Vec<(String, &'static str, Action)> = Vec::new();
        let mut modes = vec![mode];
        if mode.uses_global() {
            modes.push(Mode::Global);
        }
        for m in modes {
            for (k, a) in self.tables.get(&m).map(Vec::as_slice).unwrap_or(&[]) {
                // A key the mode's own table shadows is not shown under the global one.
                if m == Mode::Global && self.tables.get(&mode).is_some_and(|t| t.iter().any(|(x, _)| x == k))
                {
                    continue;
                }
                match out.iter_mut().find(|(_, _, b)| b == a) {
                    Some(e) => e.0 = format!("{} {k}", e.0),
                    None => out.push((k.to_string(), a.describe(), a.clone())),
                }
            }
        }
        if mode.uses_global()
            && let Some(at) = out.iter().position(|(_, _, a)| *a == Action::Back)
        {
            let back = out.remove(at);
            out.push(back);
        }
        if mode.is_text() {
            out.push(("any key".into(), "type", Action::Input(' ')));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> KeyEvent {
        let c = KeyChord::parse(s).unwrap();
        KeyEvent::new(c.code, c.mods)
    }

    #[test]
    fn parses_and_prints_keys() {
        for s in ["j", "G", "ctrl-n", "alt-x", "enter", "pgdn", "space", "f5", "?"] {
            let k = KeyChord::parse(s).unwrap();
            assert_eq!(KeyChord::parse(&k.to_string().replace('↓', "down")).unwrap(), k, "{s}");
        }
        assert!(KeyChord::parse("hyper-x").is_err());
        // A terminal reports `G` as shift+G; it is the same chord as "G".
        let e = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&e), KeyChord::parse("G").unwrap());
    }

    #[test]
    fn view_keys_then_global_then_text() {
        let k = Keymap::default();
        assert_eq!(k.resolve(Mode::List, &key("j")), Some(Action::Down));
        assert_eq!(k.resolve(Mode::List, &key("2")), Some(Action::ShowSegments));
        assert_eq!(k.resolve(Mode::Search, &key("j")), Some(Action::Input('j')));
        assert_eq!(k.resolve(Mode::Search, &key("q")), Some(Action::Input('q')));
        assert_eq!(k.resolve(Mode::Prompt, &key("esc")), Some(Action::Cancel));
        assert_eq!(k.resolve(Mode::Confirm, &key("q")), None);
    }

    #[test]
    fn no_key_means_two_things_in_a_mode_nor_hides_a_global_key() {
        let k = Keymap::default();
        for mode in Mode::ALL {
            let table = &k.tables[&mode];
            for (i, (key, a)) in table.iter().enumerate() {
                assert!(table[..i].iter().all(|(x, _)| x != key), "{mode:?}: {key} twice");
                if mode.uses_global() && mode != Mode::Global {
                    // A view key over a global one would make `1`…`4`, `u`, `?` or `q` mean
                    // something else in one view only.
                    let global = k.tables[&Mode::Global].iter().find(|(x, _)| x == key);
                    assert!(global.is_none(), "{mode:?}: {key} ({a:?}) hides {global:?}");
                }
            }
        }
        assert_eq!(k.key_for(Mode::FollowUps, &Action::FilterByAction).as_deref(), Some("f"));
        assert_eq!(k.key_for(Mode::FollowUps, &Action::Undo).as_deref(), Some("u"));
        assert_eq!(k.key_for(Mode::FollowUps, &Action::NotDuplicate), None);
    }

    #[test]
    fn config_rebinds_and_unbinds() {
        let text = "[keys.list]\nctrl-n = \"down\"\nj = \"none\"\n[keys.global]\nctrl-x = \"quit\"\n";
        let k = Keymap::from_config(text).unwrap();
        assert_eq!(k.resolve(Mode::List, &key("ctrl-n")), Some(Action::Down));
        assert_eq!(k.resolve(Mode::List, &key("j")), None);
        assert_eq!(k.resolve(Mode::Detail, &key("ctrl-x")), Some(Action::Quit));
        assert!(k.help(Mode::List).iter().any(|(keys, what)| keys.contains("ctrl-n") && *what == "down"));
        let err = Keymap::from_config("[keys.lst]\nj = \"fly\"\n[keys.list]\nj = \"fly\"").unwrap_err();
        assert!(err.contains("unknown mode") && err.contains("unknown action"), "{err}");
        assert_eq!(Keymap::from_config("").unwrap(), Keymap::default());
    }
}
