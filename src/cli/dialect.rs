//! The shape of a CSV file before it is read: what separates its cells, and where a quote is
//! left open.
//!
//! The separator is a comma, unless the header line has none outside quotes and has a `;`
//! (what Excel writes where the decimal mark is a comma) or a tab (Excel's "Unicode text"):
//! a header is a list of names that never needs a comma, so one without any says the file is
//! not comma-separated. Amounts with a decimal comma in such a file are then refused by line
//! (see `Money::parse`), never read as thousands.
//!
//! The csv crate ends a quoted cell that never closes at the end of the file, so one stray `"`
//! turns every row after it into a single cell and the file still "reads". The scan here follows
//! the same rules as the crate's reader (a quote opens a cell only at its start, `""` inside a
//! quoted cell is a quote, a quote closing a cell early leaves the rest of the cell plain) to
//! find that quote first.

/// The cell separator the header line (up to the first line break outside quotes) shows.
pub fn separator(text: &[u8]) -> u8 {
    let (mut quoted, mut semicolon, mut tab) = (false, false, false);
    for &b in text {
        match b {
            b'"' => quoted = !quoted,
            b'\r' | b'\n' if !quoted => break,
            b',' if !quoted => return b',',
            b';' if !quoted => semicolon = true,
            b'\t' if !quoted => tab = true,
            _ => {}
        }
    }
    if semicolon {
        b';'
    } else if tab {
        b'\t'
    } else {
        b','
    }
}

/// A quoted cell that is still open at the end of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unclosed {
    /// Byte offset where the record holding the cell starts: the file is good up to there.
    pub record_start: usize,
    /// Byte offset of the opening quote.
    pub quote: usize,
}

/// Finds a quoted cell of `text` (cells split by `delimiter`) that never closes.
pub fn unclosed_quote(text: &[u8], delimiter: u8) -> Option<Unclosed> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        StartField,
        InField,
        InQuoted,
        /// A quote inside a quoted cell: the cell's end, or the first half of `""`.
        QuoteInQuoted,
    }
    let mut state = State::StartField;
    let (mut record_start, mut quote) = (0, 0);
    for (i, &b) in text.iter().enumerate() {
        let line_end = b == b'\n' || b == b'\r';
        state = match state {
            State::StartField | State::InField | State::QuoteInQuoted if line_end => {
                record_start = i + 1;
                State::StartField
            }
            State::StartField | State::InField | State::QuoteInQuoted if b == delimiter => State::StartField,
            State::StartField if b == b'"' => {
                quote = i;
                State::InQuoted
            }
            State::QuoteInQuoted if b == b'"' => State::InQuoted,
            State::StartField | State::InField | State::QuoteInQuoted => State::InField,
            State::InQuoted if b == b'"' => State::QuoteInQuoted,
            State::InQuoted => State::InQuoted,
        };
    }
    (state == State::InQuoted).then_some(Unclosed { record_start, quote })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &str) -> Option<(usize, usize)> {
        unclosed_quote(text.as_bytes(), b',').map(|u| (u.record_start, u.quote))
    }

    #[test]
    fn finds_the_quote_that_never_closes() {
        assert_eq!(open("a,b\n1,\"x\n2,3\n"), Some((4, 6)));
        assert_eq!(open("a,b\n1,\"x\ny\",\"z\n2,3\n"), Some((4, 12)));
        assert_eq!(open("\"a"), Some((0, 0)));
    }

    #[test]
    fn the_header_line_shows_the_separator() {
        assert_eq!(separator(b"ref,name;x\n"), b',');
        assert_eq!(separator(b"ref;name\na,b\n"), b';');
        assert_eq!(separator(b"ref\tname\na,b\n"), b'\t');
        assert_eq!(separator(b"\"a,b\";c\n"), b';');
        assert_eq!(separator(b"ref;name\tx"), b';');
        assert_eq!(separator(b"name\n1;2\n"), b',');
    }

    #[test]
    fn closed_doubled_and_inner_quotes_are_fine() {
        for text in
            ["a,b\n1,\"x\ny\"\n", "a,b\n1,\"say \"\"hi\"\"\"\n", "a,b\n1,6\" tall\n", "a,\"b\"c\"\n", ""]
        {
            assert_eq!(open(text), None, "{text:?}");
        }
        // A quote in the middle of a plain cell opens nothing, even when it is the file's last.
        assert_eq!(open("a,b\n1,x\"\n"), None);
    }
}
