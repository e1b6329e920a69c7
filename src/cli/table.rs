//! Reading CSV files by column name, with line numbers for every error.

use crate::text::undo_spreadsheet_safe;
use anyhow::Context as _;
use std::collections::HashMap;

/// A problem with one line of an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The line as numbered in the file (the header is line 1).
    pub line: u64,
    /// What is wrong, in words.
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// A CSV file read whole: its header columns and its rows with their line numbers.
pub struct CsvFile {
    columns: HashMap<String, usize>,
    /// The header as written, for messages.
    pub header: Vec<String>,
    /// Each data row with the line it starts on.
    pub rows: Vec<(u64, csv::StringRecord)>,
    /// Rows that could not be read at all (wrong field count, broken quoting).
    pub errors: Vec<LineError>,
}

impl CsvFile {
    /// Parses CSV text with a header row, its cells separated by `,` (or by `;` or tabs when
    /// the header line has no comma: see [`super::dialect`]). A quote left open is refused at
    /// its line, and only the records before it are read (the crate would read every row after
    /// it as one cell).
    pub fn parse(text: &str) -> anyhow::Result<CsvFile> {
        let separator = super::dialect::separator(text.as_bytes());
        let unclosed = super::dialect::unclosed_quote(text.as_bytes(), separator);
        let whole = text;
        let text = unclosed.map_or(text, |u| &text[..u.record_start]);
        let mut reader =
            csv::ReaderBuilder::new().flexible(true).delimiter(separator).from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .context("line 1: cannot read the header row")?
            .iter()
            .map(str::to_string)
            .collect();
        let mut columns = HashMap::new();
        let mut errors = Vec::new();
        for (i, h) in header.iter().enumerate() {
            // Which of two columns of one name a row means cannot be known: refuse, never pick.
            if let Some(first) = columns.insert(normalise(h), i) {
                let reason = format!(
                    "column {:?} appears twice (columns {} and {}: {:?} and {:?})",
                    normalise(h),
                    first + 1,
                    i + 1,
                    header[first],
                    h
                );
                errors.push(LineError { line: 1, reason });
            }
        }
        let mut file = CsvFile { columns, header, rows: Vec::new(), errors };
        let mut record = csv::StringRecord::new();
        let mut lines = LineCounter::new(text);
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
                    if record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    if record.len() != file.header.len() {
                        file.errors.push(LineError {
                            line,
                            reason: format!(
                                "{} fields, but the header has {}",
                                record.len(),
                                file.header.len()
                            ),
                        });
                        continue;
                    }
                    file.rows.push((line, record.clone()));
                }
                Err(e) => {
                    let line = lines.line_at(e.position().map_or(text.len() as u64, |p| p.byte()));
                    file.errors.push(LineError { line, reason: format!("unreadable CSV: {e}") });
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        break;
                    }
                }
            }
        }
        if let Some(u) = unclosed {
            file.errors.push(unclosed_error(whole, u));
        }
        Ok(file)
    }

    /// The index of a column by its key (headers are matched ignoring case and spaces, and by
    /// their Chinese names: see [`super::columns`]).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.get(name).copied()
    }

    /// Header names not in `known` (and not `custom.*` when `allow_custom`).
    pub fn unknown_columns(&self, known: &[&str], allow_custom: bool) -> Vec<String> {
        self.header
            .iter()
            .filter(|h| {
                let n = normalise(h);
                !(known.contains(&n.as_str()) || allow_custom && n.starts_with("custom."))
            })
            .cloned()
            .collect()
    }

    /// Builds a reader for one row.
    pub fn cell<'a>(&'a self, record: &'a csv::StringRecord) -> Cells<'a> {
        Cells { file: self, record }
    }
}

/// The refusal of a quote that never closes, at the line where it opens.
fn unclosed_error(text: &str, u: super::dialect::Unclosed) -> LineError {
    let line = text.as_bytes()[..u.quote].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let after = &text[u.quote + 1..];
    let cell: String = after.chars().take_while(|c| !matches!(c, '\r' | '\n')).take(20).collect();
    let rest = after.lines().count().saturating_sub(1);
    LineError {
        line,
        reason: format!(
            "a quote opens before {cell:?} and never closes, so the {rest} line(s) after it would be one \
             cell (close it, or write \"\" for a quote inside a quoted cell)"
        ),
    }
}

/// Turns byte offsets into line numbers as the file has them.
///
/// csv's own line counter is one short after CRLF line ends (Excel's and our own exports), so
/// lines are counted here from the bytes; offsets only grow, so the count is incremental.
struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter { text: text.as_bytes(), pos: 0, line: 1 }
    }

    /// The line of the first character at or after `byte` that is not a line break.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut target = (byte as usize).min(self.text.len());
        while target < self.text.len() && matches!(self.text[target], b'\r' | b'\n') {
            target += 1;
        }
        if target >= self.pos {
            self.line += self.text[self.pos..target].iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos = target;
        }
        self.line
    }
}

/// Access to one row's cells by column name.
pub struct Cells<'a> {
    file: &'a CsvFile,
    record: &'a csv::StringRecord,
}

impl<'a> Cells<'a> {
    /// The trimmed cell of a column, `""` when the column is absent; a `'` that an export put
    /// before a formula-like cell is removed.
    pub fn get(&self, name: &str) -> &'a str {
        self.file
            .column(name)
            .and_then(|i| self.record.get(i))
            .map(|s| undo_spreadsheet_safe(s.trim()))
            .unwrap_or("")
    }

    /// The `custom.NAME` columns of this row as (NAME, value).
    pub fn custom_fields(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.file.header.iter().zip(self.record.iter()).filter_map(|(h, v)| {
            let key = super::columns::custom_field(h)?;
            Some((key, undo_spreadsheet_safe(v.trim())))
        })
    }

    /// The column `key` as people read it in this file: the key, or the file's own name for it
    /// with the key after it (`性别 (gender)`).
    pub fn column_name(&self, key: &str) -> String {
        match self.file.column(key).map(|i| self.file.header[i].trim()) {
            Some(written) if !written.eq_ignore_ascii_case(key) => format!("{written} ({key})"),
            _ => key.to_string(),
        }
    }

    /// Whether the file has this column at all.
    pub fn has(&self, name: &str) -> bool {
        self.file.column(name).is_some()
    }
}

fn normalise(h: &str) -> String {
    super::columns::canonical(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_count_the_header_and_multiline_cells() {
        let f = CsvFile::parse("name,notes\nA,x\nB,\"two\nlines\"\nC,y\nD\n").unwrap();
        let lines: Vec<u64> = f.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 3, 5]);
        assert_eq!(f.errors, vec![LineError { line: 6, reason: "1 fields, but the header has 2".into() }]);
        let c = f.cell(&f.rows[1].1);
        assert_eq!(c.get("notes"), "two\nlines");
        assert_eq!(c.get("missing"), "");
    }

    #[test]
    fn crlf_files_number_lines_like_lf_files() {
        let lf = "a,b\n1,2\n\n3,\"x\ny\"\n4\n5,6\n";
        let crlf = lf.replace('\n', "\r\n");
        for text in [lf.to_string(), crlf] {
            let f = CsvFile::parse(&text).unwrap();
            let lines: Vec<u64> = f.rows.iter().map(|(l, _)| *l).collect();
            assert_eq!(lines, vec![2, 4, 7], "{text:?}");
            assert_eq!(f.errors[0].line, 6, "{text:?}");
        }
    }
}
