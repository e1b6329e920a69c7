//! Turning a file's bytes into text: UTF-8, or what Excel saves elsewhere, or what the operator
//! names with `--encoding`.
//!
//! Without `--encoding`: UTF-8 (a byte-order mark is dropped); UTF-16 when it starts with its
//! byte-order mark (Excel's "Unicode text"); GB18030 when the file is not UTF-8 and reads as
//! Chinese. Nearly any bytes decode as GB18030 (`Müller` in Windows-1252 is `M黮ler`), so
//! "decodes" is not enough: at least half of its two-byte characters must lie in GB2312, the
//! common characters every Chinese text is mostly made of, where Western letters next to ASCII
//! never land. Anything else is refused with the line read both ways, so the operator can say.

use super::table::LineError;
use encoding_rs::{Encoding, GB18030, WINDOWS_1252};
use std::borrow::Cow;

/// The encoding a `--encoding` label names (any WHATWG label: utf-8, gb18030, gbk, big5,
/// windows-1252, latin1, shift_jis, utf-16le…).
pub fn parse_label(label: &str) -> Result<&'static Encoding, String> {
    match Encoding::for_label(label.trim().as_bytes()) {
        Some(e) if e != encoding_rs::REPLACEMENT => Ok(e),
        _ => Err(format!(
            "unknown encoding {label:?} (e.g. utf-8, gb18030, big5, windows-1252, shift_jis, utf-16le)"
        )),
    }
}

/// Decodes `bytes` as `chosen`, or as detected; refuses, naming the first line that does not
/// read, a file that is not valid in the chosen encoding or not plausibly in any detected one.
pub fn decode<'a>(bytes: &'a [u8], chosen: Option<&'static Encoding>) -> Result<Cow<'a, str>, LineError> {
    let text = match chosen {
        Some(encoding) => decode_as(bytes, encoding)?,
        None => detect(bytes)?,
    };
    Ok(match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Cow::Owned(s) => Cow::Owned(s.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(s)),
    })
}

fn decode_as<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Result<Cow<'a, str>, LineError> {
    let bytes = match Encoding::for_bom(bytes) {
        Some((bom, len)) if bom == encoding => &bytes[len..],
        _ => bytes,
    };
    if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok(text);
    }
    let (lossy, _) = encoding.decode_without_bom_handling(bytes);
    let at = lossy.find('\u{fffd}').unwrap_or(0);
    let line = lossy[..at].matches('\n').count() as u64 + 1;
    Err(LineError { line, reason: format!("not valid {} text", encoding.name()) })
}

fn detect(bytes: &[u8]) -> Result<Cow<'_, str>, LineError> {
    if let Some((encoding, len)) = Encoding::for_bom(bytes) {
        return decode_as(&bytes[len..], encoding);
    }
    let valid_up_to = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(Cow::Borrowed(s)),
        Err(e) => e.valid_up_to(),
    };
    if looks_chinese(bytes)
        && let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok(text);
    }
    let start = bytes[..valid_up_to].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let end = bytes[start..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| start + i);
    let line = bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let reading = |e: &'static Encoding| {
        let (text, _) = e.decode_without_bom_handling(&bytes[start..end]);
        let text: String = text.trim_end().chars().take(60).collect();
        format!("{}: {text:?}", e.name())
    };
    Err(LineError {
        line,
        reason: format!(
            "not UTF-8, and not plausibly Chinese GB18030 either (it reads as {} or as {}); name the \
             file's encoding with --encoding (e.g. utf-8, gb18030, big5, windows-1252)",
            reading(GB18030),
            reading(WINDOWS_1252)
        ),
    })
}

/// Whether GB18030 is a plausible reading: at least half of the multi-byte characters are in
/// GB2312 (both bytes 0xA1–0xFE), as in any Chinese text; Western text read as GB18030 pairs a
/// letter byte with the ASCII byte after it, which GB2312 never does.
fn looks_chinese(bytes: &[u8]) -> bool {
    let (mut common, mut other) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if (0x30..=0x39).contains(&next) {
            other += 1;
            i += 4;
        } else {
            if (0xA1..=0xFE).contains(&b) && (0xA1..=0xFE).contains(&next) {
                common += 1;
            } else {
                other += 1;
            }
            i += 2;
        }
    }
    common > 0 && common >= other
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::UTF_8;

    fn encoded(e: &'static Encoding, s: &str) -> Vec<u8> {
        let (bytes, _, bad) = e.encode(s);
        assert!(!bad, "{s} in {}", e.name());
        bytes.into_owned()
    }

    #[test]
    fn utf8_and_chinese_are_detected() {
        assert_eq!(decode("\u{feff}王,a".as_bytes(), None).unwrap(), "王,a");
        let gbk = encoded(GB18030, "ref,name\nM1,王秀英\n");
        assert!(std::str::from_utf8(&gbk).is_err(), "the sample must not be UTF-8");
        assert_eq!(decode(&gbk, None).unwrap(), "ref,name\nM1,王秀英\n");
        // A rarer character among common ones is still Chinese.
        assert_eq!(decode(&encoded(GB18030, "name\n王玥,李娜\n"), None).unwrap(), "name\n王玥,李娜\n");
        let utf16: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("a\t王\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16, None).unwrap(), "a\t王\n");
    }

    #[test]
    fn western_bytes_are_refused_with_both_readings() {
        let cp1252 = encoded(WINDOWS_1252, "ref,name\nW1,Müller,Straße\n");
        let e = decode(&cp1252, None).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.reason.contains("Müller") && e.reason.contains("黮"), "{}", e.reason);
        assert_eq!(decode(&cp1252, Some(WINDOWS_1252)).unwrap(), "ref,name\nW1,Müller,Straße\n");
        assert!(decode(&[b'a', b'\n', 0x81, 0x20], None).is_err());
    }

    #[test]
    fn a_chosen_encoding_is_checked() {
        let e = decode(b"a\nb\n\xff\n", Some(UTF_8)).unwrap_err();
        assert_eq!((e.line, e.reason.as_str()), (3, "not valid UTF-8 text"));
        assert_eq!(decode(&encoded(GB18030, "王"), Some(parse_label("GBK").unwrap())).unwrap(), "王");
        assert!(parse_label("klingon").is_err());
        assert!(parse_label("replacement").is_err());
    }
}
