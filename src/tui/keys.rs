//! Terminal keys as a form understands them. A form takes nearly every key (text, cursor
//! movement, Esc), so in form mode the keymap only gets a first look (for Ctrl-C) and every other
//! key is translated here.

use crate::ui::form::FormKey;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The form key a terminal key means, if any.
pub fn form_key(k: &KeyEvent) -> Option<FormKey> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    Some(match k.code {
        KeyCode::Char('s' | 'S') if ctrl => FormKey::CtrlS,
        KeyCode::Char('u' | 'U') if ctrl => FormKey::ClearField,
        // Other control and alt chords are not text; typing them must not insert letters.
        KeyCode::Char(_) if ctrl || alt => return None,
        KeyCode::Char(c) => FormKey::Char(c),
        KeyCode::Backspace => FormKey::Backspace,
        KeyCode::Delete => FormKey::Delete,
        KeyCode::Left => FormKey::Left,
        KeyCode::Right => FormKey::Right,
        KeyCode::Up => FormKey::Up,
        KeyCode::Down => FormKey::Down,
        KeyCode::Home => FormKey::Home,
        KeyCode::End => FormKey::End,
        KeyCode::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => FormKey::BackTab,
        KeyCode::Tab => FormKey::Tab,
        KeyCode::BackTab => FormKey::BackTab,
        KeyCode::Enter => FormKey::Enter,
        KeyCode::Esc => FormKey::Esc,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> Option<FormKey> {
        form_key(&KeyEvent::new(code, mods))
    }

    #[test]
    fn text_editing_and_submit_keys() {
        assert_eq!(key(KeyCode::Char('王'), KeyModifiers::NONE), Some(FormKey::Char('王')));
        assert_eq!(key(KeyCode::Char('A'), KeyModifiers::SHIFT), Some(FormKey::Char('A')));
        assert_eq!(key(KeyCode::Char('s'), KeyModifiers::CONTROL), Some(FormKey::CtrlS));
        assert_eq!(key(KeyCode::Char('x'), KeyModifiers::CONTROL), None);
        assert_eq!(key(KeyCode::Char('x'), KeyModifiers::ALT), None);
        assert_eq!(key(KeyCode::Tab, KeyModifiers::SHIFT), Some(FormKey::BackTab));
        assert_eq!(key(KeyCode::BackTab, KeyModifiers::SHIFT), Some(FormKey::BackTab));
        assert_eq!(key(KeyCode::Esc, KeyModifiers::NONE), Some(FormKey::Esc));
        assert_eq!(key(KeyCode::Enter, KeyModifiers::NONE), Some(FormKey::Enter));
        assert_eq!(key(KeyCode::F(5), KeyModifiers::NONE), None);
    }
}
