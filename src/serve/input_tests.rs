use super::*;

fn k(code: KeyCode) -> Event {
    key(code, KeyModifiers::NONE)
}

fn c(ch: char) -> Event {
    char_key(ch, KeyModifiers::NONE)
}

/// Every event of `packets` fed one after another, 1 ms apart, then decided at the end.
fn decode(packets: &[&[u8]]) -> Vec<Event> {
    let mut d = Decoder::new();
    let t = Instant::now();
    let mut out = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        out.extend(d.feed(p, t + Duration::from_millis(i as u64)));
    }
    out.extend(d.tick(t + Duration::from_secs(1)));
    out
}

#[test]
fn several_keys_in_one_packet() {
    assert_eq!(decode(&[b"jk/\r"]), vec![c('j'), c('k'), c('/'), k(KeyCode::Enter)]);
    assert_eq!(
        decode(&[b"\x1b[A\x1b[Bq"]),
        vec![k(KeyCode::Up), k(KeyCode::Down), c('q')],
        "sequences back to back"
    );
}

#[test]
fn an_escape_sequence_split_across_packets() {
    assert_eq!(decode(&[b"\x1b", b"[", b"B"]), vec![k(KeyCode::Down)]);
    assert_eq!(decode(&[b"\x1b[5", b"~x"]), vec![k(KeyCode::PageUp), c('x')]);
    assert_eq!(decode(&[b"\x1bO", b"A"]), vec![k(KeyCode::Up)]);
}

#[test]
fn utf8_split_across_packets() {
    let bytes = "王秀英".as_bytes();
    assert_eq!(decode(&[&bytes[..2], &bytes[2..5], &bytes[5..]]), vec![c('王'), c('秀'), c('英')]);
}

#[test]
fn esc_alone_is_decided_by_time_not_by_the_next_packet() {
    let mut d = Decoder::new();
    let t = Instant::now();
    assert_eq!(d.feed(b"\x1b", t), vec![]);
    assert_eq!(d.deadline(), Some(t + ESC_WAIT));
    assert_eq!(d.tick(t + Duration::from_millis(10)), vec![], "too early to decide");
    assert_eq!(d.tick(t + ESC_WAIT), vec![k(KeyCode::Esc)]);
    assert_eq!(d.deadline(), None);
    // Within the wait the same byte starts a sequence.
    assert_eq!(d.feed(b"\x1b", t), vec![]);
    assert_eq!(d.feed(b"[D", t + Duration::from_millis(20)), vec![k(KeyCode::Left)]);
    // Esc then a key typed later is Esc, then the key.
    assert_eq!(decode(&[b"\x1b\x1b[A"]), vec![k(KeyCode::Esc), k(KeyCode::Up)]);
}

#[test]
fn alt_ctrl_backspace_enter_tab() {
    assert_eq!(decode(&[b"\x1bx"]), vec![key(KeyCode::Char('x'), KeyModifiers::ALT)]);
    assert_eq!(
        decode(&[b"\x13\x03"]),
        vec![key(KeyCode::Char('s'), KeyModifiers::CONTROL), key(KeyCode::Char('c'), KeyModifiers::CONTROL)]
    );
    assert_eq!(
        decode(&[b"\x7f\x08\t\x1b[Z\r"]),
        vec![
            k(KeyCode::Backspace),
            k(KeyCode::Backspace),
            k(KeyCode::Tab),
            key(KeyCode::BackTab, KeyModifiers::SHIFT),
            k(KeyCode::Enter)
        ]
    );
    assert_eq!(decode(&[b"G"]), vec![key(KeyCode::Char('G'), KeyModifiers::SHIFT)]);
}

#[test]
fn navigation_and_function_keys() {
    let cases: &[(&[u8], KeyCode)] = &[
        (b"\x1b[H", KeyCode::Home),
        (b"\x1b[F", KeyCode::End),
        (b"\x1b[1~", KeyCode::Home),
        (b"\x1b[4~", KeyCode::End),
        (b"\x1b[3~", KeyCode::Delete),
        (b"\x1b[6~", KeyCode::PageDown),
        (b"\x1bOP", KeyCode::F(1)),
        (b"\x1b[15~", KeyCode::F(5)),
        (b"\x1b[24~", KeyCode::F(12)),
    ];
    for (bytes, code) in cases {
        assert_eq!(decode(&[bytes]), vec![k(*code)], "{bytes:?}");
    }
    assert_eq!(decode(&[b"\x1b[1;5C"]), vec![key(KeyCode::Right, KeyModifiers::CONTROL)]);
}

#[test]
fn bracketed_paste_arrives_whole_even_when_split() {
    assert_eq!(decode(&[b"\x1b[200~12345678\r\x1b[201~j"]), vec![Event::Paste("12345678\r".into()), c('j')]);
    let split: &[&[u8]] = &[b"a\x1b[20", b"0~\xe7\x8e", b"\x8b q\x1b[2", b"01~"];
    assert_eq!(decode(split), vec![c('a'), Event::Paste("王 q".into())]);
}

#[test]
fn unknown_sequences_and_stray_bytes_are_dropped() {
    assert_eq!(decode(&[b"\x1b[?1;2cj"]), vec![c('j')], "a device attribute answer");
    assert_eq!(decode(&[b"\xffj"]), vec![c('j')]);
    assert_eq!(decode(&[b"\xe7\x8ej"]), vec![c('j')], "a broken character");
}

#[test]
fn random_cuts_give_the_same_events() {
    let input: &[u8] = "jk\x1b[A王/abc\r\x1b[6~\x1bOB\x7f英\x1b[200~粘贴\x1b[201~q".as_bytes();
    let whole = decode(&[input]);
    for cut in 1..input.len() {
        for cut2 in cut..input.len() {
            let parts: &[&[u8]] = &[&input[..cut], &input[cut..cut2], &input[cut2..]];
            assert_eq!(decode(parts), whole, "cut at {cut}, {cut2}");
        }
    }
}
