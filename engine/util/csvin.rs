//! CSV input: the one reader of CSV records (batch files, run manifests,
//! the embedded area codes), each record with the line it starts on.
//!
//! csv-core splits the bytes into records and fields (RFC 4180 quoting,
//! LF or CRLF line ends, empty lines skipped). csv-core never fails: it
//! prefers *a* reading of malformed input to none, so a stray quote would
//! silently change which bytes belong to which row. Each record is
//! therefore checked against its raw bytes, and what RFC 4180 does not
//! allow is a [`CsvError`] naming the line (the caller adds the file):
//! a quote inside an unquoted field, text after a closing quote, a quote
//! never closed, a carriage return that ends no line, bytes that are not
//! UTF-8. A record is bounded ([`Limits`]): a quote never closed in a
//! large file is an error, not the rest of the file held as one field.

use std::ops::Range;

use csv_core::{ReadRecordResult, ReaderBuilder, Terminator};

/// The byte-order mark some exports start with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How large one record may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of a record's field values (quotes and separators not counted).
    pub record_bytes: usize,
    /// Fields in a record.
    pub fields: usize,
}

impl Default for Limits {
    /// 4 MiB and 65,536 fields: far above any export terbit reads (a
    /// batch row is a few hundred bytes, a manifest row under one), far
    /// below what would strain the machine.
    fn default() -> Self {
        Limits { record_bytes: 4 << 20, fields: 1 << 16 }
    }
}

/// What is wrong with the CSV, and where: `line` is 1-based, `field` the
/// 0-based column, `at` the byte offset (in the reader's input) where the
/// field starts, for a message that quotes the start of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A byte that is not UTF-8.
    #[error("line {line}: byte {byte} is not UTF-8")]
    NotUtf8 {
        /// The line it is on.
        line: u64,
        /// Its offset in the input.
        byte: usize,
    },
    /// `x"y`: a quote in a field that does not start with one.
    #[error("line {line}, column {}: a quote inside an unquoted field", field + 1)]
    QuoteInUnquoted {
        /// The line.
        line: u64,
        /// The column (0-based).
        field: usize,
        /// Where the field starts.
        at: usize,
    },
    /// `"x"y`: text between a closing quote and the next separator.
    #[error("line {line}, column {}: text after a closing quote", field + 1)]
    TextAfterQuote {
        /// The line the closing quote is on.
        line: u64,
        /// The column (0-based).
        field: usize,
        /// Where the field starts.
        at: usize,
    },
    /// A quoted field that runs to the end of the input.
    #[error("line {line}, column {}: a quoted field is never closed", field + 1)]
    Unclosed {
        /// The line its quote opens on.
        line: u64,
        /// The column (0-based).
        field: usize,
        /// Where the field starts.
        at: usize,
        /// The line its record starts on.
        record_line: u64,
        /// The fields its record holds, this one the last.
        fields: usize,
        /// The input's last line, where the field ends.
        end_line: u64,
    },
    /// A carriage return outside quotes that is not part of a CRLF line end
    /// (an old Mac line end, or a stray CR in a value).
    #[error("line {line}, column {}: a carriage return inside a field", field + 1)]
    LoneCr {
        /// The line.
        line: u64,
        /// The column (0-based).
        field: usize,
    },
    /// A record whose values exceed [`Limits::record_bytes`] (most often a
    /// quote never closed, which makes the rest of the input one field).
    #[error("line {line}: a record of more than {limit} bytes (a quote never closed?)")]
    RecordTooLarge {
        /// The line the record starts on.
        line: u64,
        /// The limit.
        limit: usize,
    },
    /// A record of more than [`Limits::fields`] fields.
    #[error("line {line}: a record of more than {limit} fields")]
    TooManyFields {
        /// The line the record starts on.
        line: u64,
        /// The limit.
        limit: usize,
    },
}

impl CsvError {
    /// The line the error names.
    pub fn line(&self) -> u64 {
        match self {
            CsvError::NotUtf8 { line, .. }
            | CsvError::QuoteInUnquoted { line, .. }
            | CsvError::TextAfterQuote { line, .. }
            | CsvError::Unclosed { line, .. }
            | CsvError::LoneCr { line, .. }
            | CsvError::RecordTooLarge { line, .. }
            | CsvError::TooManyFields { line, .. } => *line,
        }
    }
}

/// One record, borrowed from the reader until the next one is read.
#[derive(Debug)]
pub struct Record<'r> {
    /// The line its first byte is on (1-based; line breaks inside quoted
    /// fields count, so the next record's line is exact).
    pub line: u64,
    /// The line it ends on.
    pub end_line: u64,
    /// Its bytes in the input, without its line break.
    pub bytes: Range<usize>,
    /// Its bytes with its line break (`\n` or `\r\n`), if it has one.
    pub span: Range<usize>,
    /// The first quoted field that holds a line break: the line its quote
    /// opens on and its column (a stray quote swallows lines like this).
    pub spanned: Option<(u64, usize)>,
    values: &'r str,
    ends: &'r [usize],
}

impl<'r> Record<'r> {
    /// Number of fields (at least one).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Never true: a record has at least one field (an empty line is no
    /// record).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i`, unquoted.
    pub fn get(&self, i: usize) -> Option<&'r str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        self.values.get(start..end)
    }

    /// The fields in order, unquoted.
    pub fn iter(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.ends.len()).filter_map(move |i| self.get(i))
    }

    /// The fields as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// Whether a line break ends it (a record at the end of the input may
    /// have none).
    pub fn terminated(&self) -> bool {
        self.span.end > self.bytes.end
    }
}

/// Reads records from bytes held in memory, one at a time. After an error
/// it yields nothing more: past malformed quoting, which bytes form which
/// record cannot be known.
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    line: u64,
    core: csv_core::Reader,
    values: Vec<u8>,
    ends: Vec<usize>,
    limits: Limits,
    done: bool,
}

impl<'a> Reader<'a> {
    /// A reader of `input`; leading byte-order marks are skipped (an export
    /// passed through two tools may carry two).
    pub fn new(input: &'a [u8], limits: Limits) -> Reader<'a> {
        let mut pos = 0;
        while input[pos..].starts_with(BOM) {
            pos += BOM.len();
        }
        let core = ReaderBuilder::new().delimiter(b',').quote(b'"').double_quote(true).escape(None).terminator(Terminator::CRLF).build();
        let (values, ends) = (vec![0; limits.record_bytes.min(4096)], vec![0; limits.fields.min(64)]);
        Reader { input, pos, line: 1, core, values, ends, limits, done: false }
    }

    /// The next record, or the error that ends the input's reading.
    #[allow(clippy::should_implement_trait)] // a lending iterator: the record borrows the reader
    pub fn next(&mut self) -> Option<Result<Record<'_>, CsvError>> {
        if self.done {
            return None;
        }
        // Done unless a record is read (`advance` says so).
        self.done = true;
        self.advance().transpose()
    }

    fn advance(&mut self) -> Result<Option<Record<'_>>, CsvError> {
        let input = self.input;
        // Empty lines are no records: skipped here (csv-core would skip
        // them too), so the record's first line is known before it is read.
        while let Some(&b) = input.get(self.pos) {
            match b {
                b'\n' => self.line += 1,
                b'\r' if input.get(self.pos + 1) == Some(&b'\n') => {}
                b'\r' => return Err(CsvError::LoneCr { line: self.line, field: 0 }),
                _ => break,
            }
            self.pos += 1;
        }
        if self.pos >= input.len() {
            return Ok(None);
        }
        let (start, line) = (self.pos, self.line);
        let (mut nvalues, mut nends) = (0, 0);
        let mut at = start;
        let by_eof = loop {
            let rest = &input[at..];
            let (res, nin, nout, nend) = self.core.read_record(rest, &mut self.values[nvalues..], &mut self.ends[nends..]);
            at += nin;
            nvalues += nout;
            nends += nend;
            match res {
                ReadRecordResult::Record => break rest.is_empty(),
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    // One byte over the limit, so a record of exactly the
                    // limit can still reach its line break.
                    let cap = self.limits.record_bytes.saturating_add(1);
                    if self.values.len() >= cap {
                        return Err(CsvError::RecordTooLarge { line, limit: self.limits.record_bytes });
                    }
                    self.values.resize(self.values.len().saturating_mul(2).clamp(1, cap), 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= self.limits.fields {
                        return Err(CsvError::TooManyFields { line, limit: self.limits.fields });
                    }
                    self.ends.resize(self.ends.len().saturating_mul(2).clamp(1, self.limits.fields), 0);
                }
                // Not reached: the record starts at a byte that is no line
                // break, so csv-core has a record to give. Were it reached,
                // reading stops here rather than loop.
                ReadRecordResult::End => return Ok(None),
            }
        };
        if nvalues > self.limits.record_bytes {
            return Err(CsvError::RecordTooLarge { line, limit: self.limits.record_bytes });
        }
        // The record's bytes without its line break (csv-core ends a
        // record at LF, CRLF or a CR alone; a CR alone is refused below).
        let terminator = if by_eof { None } else { input[start..at].last().copied().filter(|b| matches!(b, b'\n' | b'\r')) };
        let bytes = start..at - usize::from(terminator.is_some());
        let mut end = at;
        let raw = &input[bytes.clone()];
        if let Err(e) = std::str::from_utf8(raw) {
            let ok = e.valid_up_to();
            let line = line + newlines(&raw[..ok]);
            return Err(CsvError::NotUtf8 { line, byte: start + ok });
        }
        let values = std::str::from_utf8(&self.values[..nvalues]).map_err(|e| CsvError::NotUtf8 { line, byte: start + e.valid_up_to() })?;
        let ends = &self.ends[..nends];
        let (end_line, spanned) = check(raw, start, line, values.as_bytes(), ends)?;
        if terminator == Some(b'\r') {
            if input.get(at) != Some(&b'\n') {
                return Err(CsvError::LoneCr { line: end_line, field: nends.saturating_sub(1) });
            }
            end += 1;
        }
        self.pos = end;
        self.line = end_line + u64::from(end > bytes.end);
        self.done = false;
        Ok(Some(Record { line, end_line, bytes, span: start..end, spanned, values, ends }))
    }
}

fn newlines(b: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', b).count() as u64
}

/// Check csv-core's reading of one record against its raw bytes: every
/// field is either unquoted with no quote in it, or quoted whole with its
/// quotes doubled. Returns the line the record ends on and the first
/// quoted field spanning lines.
fn check(raw: &[u8], base: usize, record_line: u64, values: &[u8], ends: &[usize]) -> Result<(u64, Option<(u64, usize)>), CsvError> {
    let mut line = record_line;
    let mut spanned = None;
    let mut p = 0;
    let mut from = 0;
    for (field, &to) in ends.iter().enumerate() {
        let value = values.get(from..to).unwrap_or_default();
        from = to;
        if field > 0 {
            p += 1; // the comma
        }
        let at = base + p;
        if raw.get(p) != Some(&b'"') {
            if value.contains(&b'"') {
                return Err(CsvError::QuoteInUnquoted { line, field, at });
            }
            p += value.len();
            continue;
        }
        let opened = line;
        p += 1;
        for &c in value {
            if c == b'"' && raw.get(p..p + 2) == Some(b"\"\"".as_slice()) {
                p += 2;
            } else if c != b'"' && raw.get(p) == Some(&c) {
                if c == b'\n' {
                    line += 1;
                    spanned.get_or_insert((opened, field));
                }
                p += 1;
            } else {
                // The value goes on where the raw bytes closed the quote.
                return Err(CsvError::TextAfterQuote { line, field, at });
            }
        }
        if raw.get(p) != Some(&b'"') {
            return Err(CsvError::Unclosed { line: opened, field, at, record_line, fields: ends.len(), end_line: line });
        }
        p += 1;
    }
    Ok((line, spanned))
}

/// The fields of one line of text terbit wrote itself (a manifest's or a
/// list's line, in tests and tools): read as [`Reader`] reads it, what
/// follows a malformed field left out.
pub fn split_line(line: &str) -> Vec<String> {
    let mut r = Reader::new(line.as_bytes(), Limits::default());
    match r.next() {
        Some(Ok(rec)) => rec.to_vec(),
        _ => vec![String::new()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as (line, fields), or the error.
    fn read(input: &[u8]) -> Result<Vec<(u64, Vec<String>)>, CsvError> {
        let mut r = Reader::new(input, Limits::default());
        let mut out = Vec::new();
        while let Some(rec) = r.next() {
            let rec = rec?;
            out.push((rec.line, rec.to_vec()));
        }
        Ok(out)
    }

    fn rows(v: &[(u64, &[&str])]) -> Vec<(u64, Vec<String>)> {
        v.iter().map(|(l, f)| (*l, f.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn records_start_on_the_right_line() {
        let got = read(b"a,b\r\n\"x,1\",\"line\nbreak \"\"q\"\"\"\n,\nlast,row").unwrap();
        assert_eq!(got, rows(&[(1, &["a", "b"]), (2, &["x,1", "line\nbreak \"q\""]), (4, &["", ""]), (5, &["last", "row"])]));
        // Quoted CRLFs and several line breaks in one field count too.
        let got = read(b"h\r\n\"a\r\nb\r\n\r\nc\"\r\nnext\r\n").unwrap();
        assert_eq!(got, rows(&[(1, &["h"]), (2, &["a\r\nb\r\n\r\nc"]), (6, &["next"])]));
    }

    #[test]
    fn empty_lines_and_a_missing_last_line_break() {
        assert_eq!(read(b"\n\r\na\n\n\nb\r\n\r\n").unwrap(), rows(&[(3, &["a"]), (6, &["b"])]));
        assert_eq!(read(b"a").unwrap(), rows(&[(1, &["a"])]));
        assert_eq!(read(b"").unwrap(), rows(&[]));
        assert_eq!(read(b"\n\n").unwrap(), rows(&[]));
        // Whitespace is a value, not an empty line.
        assert_eq!(read(b" \n,\n").unwrap(), rows(&[(1, &[" "]), (2, &["", ""])]));
        let mut r = Reader::new(b"a\r\nb", Limits::default());
        let first = r.next().unwrap().unwrap();
        assert_eq!((first.bytes.clone(), first.span.clone(), first.terminated()), (0..1, 0..3, true));
        let second = r.next().unwrap().unwrap();
        assert_eq!((second.bytes.clone(), second.span.clone(), second.terminated()), (3..4, 3..4, false));
    }

    #[test]
    fn byte_order_marks_are_skipped() {
        assert_eq!(read(b"\xEF\xBB\xBFa,b\n1,2\n").unwrap(), rows(&[(1, &["a", "b"]), (2, &["1", "2"])]));
        assert_eq!(read(b"\xEF\xBB\xBF\xEF\xBB\xBF\na\n").unwrap(), rows(&[(2, &["a"])]));
        // Only at the start.
        assert_eq!(read(b"a\n\xEF\xBB\xBFb\n").unwrap(), rows(&[(1, &["a"]), (2, &["\u{feff}b"])]));
    }

    #[test]
    fn quotes_inside_quotes() {
        assert_eq!(read(br#""d""e","""","""x""""#).unwrap(), rows(&[(1, &["d\"e", "\"", "\"x\""])]));
        assert_eq!(read(b"\"\",\"\"\n").unwrap(), rows(&[(1, &["", ""])]));
    }

    #[test]
    fn malformed_quoting_names_line_and_column() {
        assert_eq!(read(b"a,b\n1,x\"y\"\n").unwrap_err(), CsvError::QuoteInUnquoted { line: 2, field: 1, at: 6 });
        assert_eq!(read(b"a,b\n\"1\"x,2\n").unwrap_err(), CsvError::TextAfterQuote { line: 2, field: 0, at: 4 });
        assert_eq!(read(b"a\n\"x\ny\"z\n").unwrap_err(), CsvError::TextAfterQuote { line: 3, field: 0, at: 2 });
        assert_eq!(read(b"a\n\"x\" \n").unwrap_err(), CsvError::TextAfterQuote { line: 2, field: 0, at: 2 });
        assert_eq!(read(b"a\n \"x\"\n").unwrap_err(), CsvError::QuoteInUnquoted { line: 2, field: 0, at: 2 });
        let unclosed = |line, field, at, record_line, fields, end_line| CsvError::Unclosed { line, field, at, record_line, fields, end_line };
        assert_eq!(read(b"a,b\n1,\"open\n2,3\n4,5").unwrap_err(), unclosed(2, 1, 6, 2, 2, 4));
        assert_eq!(read(b"a\n\"x\ny\",\"z\n").unwrap_err(), unclosed(3, 1, 8, 2, 2, 4));
        assert_eq!(read(b"\"a\"\"").unwrap_err(), unclosed(1, 0, 0, 1, 1, 1));
        assert_eq!(read(b"\"a\r").unwrap_err(), unclosed(1, 0, 0, 1, 1, 1));
        // Nothing is read past an error.
        let mut r = Reader::new(b"x\"\nok\n", Limits::default());
        assert!(r.next().unwrap().is_err());
        assert!(r.next().is_none());
    }

    #[test]
    fn a_carriage_return_that_ends_no_line_is_an_error() {
        assert_eq!(read(b"a,b\r1,2\r").unwrap_err(), CsvError::LoneCr { line: 1, field: 1 });
        assert_eq!(read(b"a\nx\ry\n").unwrap_err(), CsvError::LoneCr { line: 2, field: 0 });
        assert_eq!(read(b"a\n\rb\n").unwrap_err(), CsvError::LoneCr { line: 2, field: 0 });
        assert_eq!(read(b"a\n\"q\"\r").unwrap_err(), CsvError::LoneCr { line: 2, field: 0 });
        // Inside quotes it is a value's byte.
        assert_eq!(read(b"\"x\ry\",z\n").unwrap(), rows(&[(1, &["x\ry", "z"])]));
    }

    #[test]
    fn invalid_utf8_names_its_line_and_byte() {
        assert_eq!(read(b"a,b\n1,2\n3,\xff\n").unwrap_err(), CsvError::NotUtf8 { line: 3, byte: 10 });
        assert_eq!(read(b"a\n\"x\ny\xc3\"\n").unwrap_err(), CsvError::NotUtf8 { line: 3, byte: 6 });
        assert_eq!(read(b"\xEF\xBB\xBFa\xfe").unwrap_err(), CsvError::NotUtf8 { line: 1, byte: 4 });
        let e = read(b"a\n\xff").unwrap_err();
        assert_eq!((e.line(), e.to_string()), (2, "line 2: byte 2 is not UTF-8".to_string()));
    }

    #[test]
    fn records_are_bounded() {
        let small = Limits { record_bytes: 64, fields: 4 };
        let mut big = b"a\n\"".to_vec();
        big.extend(std::iter::repeat_n(b'x', 1000));
        let mut r = Reader::new(&big, small);
        assert_eq!(r.next().unwrap().unwrap().to_vec(), ["a"]);
        assert_eq!(r.next().unwrap().unwrap_err(), CsvError::RecordTooLarge { line: 2, limit: 64 });
        let mut r = Reader::new(b"1,2,3,4\n1,2,3,4,5\n", small);
        assert_eq!(r.next().unwrap().unwrap().len(), 4);
        assert_eq!(r.next().unwrap().unwrap_err(), CsvError::TooManyFields { line: 2, limit: 4 });
        // Exactly at the limit is allowed.
        let v = "y".repeat(64);
        assert_eq!(read_with(v.as_bytes(), small).unwrap(), rows(&[(1, &[v.as_str()])]));
    }

    fn read_with(input: &[u8], limits: Limits) -> Result<Vec<(u64, Vec<String>)>, CsvError> {
        let mut r = Reader::new(input, limits);
        let mut out = Vec::new();
        while let Some(rec) = r.next() {
            let rec = rec?;
            out.push((rec.line, rec.to_vec()));
        }
        Ok(out)
    }

    #[test]
    fn a_field_spanning_lines_is_named() {
        let mut r = Reader::new(b"a,b,c\n1,\"x\ny\",\"p\nq\"\n", Limits::default());
        let _ = r.next();
        let rec = r.next().unwrap().unwrap();
        assert_eq!((rec.line, rec.end_line, rec.spanned), (2, 4, Some((2, 1))));
    }

    #[test]
    fn any_bytes_end_in_records_or_an_error() {
        // A small exhaustive sweep of tricky bytes: never a panic, and each
        // record's span lies inside the input, after the one before it.
        let alphabet = [b'a', b',', b'"', b'\n', b'\r', 0xff, 0];
        let mut input = Vec::new();
        for n in 0..alphabet.len().pow(5) {
            input.clear();
            let mut k = n;
            for _ in 0..5 {
                input.push(alphabet[k % alphabet.len()]);
                k /= alphabet.len();
            }
            let mut r = Reader::new(&input, Limits { record_bytes: 2, fields: 2 });
            let mut last = 0;
            while let Some(Ok(rec)) = r.next() {
                assert!(rec.span.start >= last && rec.span.end <= input.len() && rec.bytes.end <= rec.span.end, "{input:?}");
                last = rec.span.end;
            }
        }
    }

    #[test]
    fn split_line_reads_one_line() {
        assert_eq!(split_line(r#"a,"b,c","d""e""#), vec!["a", "b,c", "d\"e"]);
        assert_eq!(split_line(""), vec![""]);
    }
}
