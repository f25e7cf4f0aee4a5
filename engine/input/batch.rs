//! Read stage: batch files (CSV or Parquet) into one polars `DataFrame`.
//!
//! Every column is read as text — typing is validation's job, so a bad date
//! becomes a reject naming the row, not a failed read. Columns are matched
//! by header name (never by position): a missing required column refuses
//! the file, an unknown one is a warning. Each row keeps its origin
//! (`file:line` for CSV, counting quoted newlines; `file:row N` for Parquet)
//! so every reject points at the exact place to fix.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// The columns a kind expects.
#[derive(Debug, Clone)]
pub struct Columns {
    /// Columns the kind requires.
    pub required: Vec<String>,
    /// Columns it may have.
    pub optional: Vec<String>,
}

impl Columns {
    /// Every column, required first.
    pub fn all(&self) -> impl Iterator<Item = &str> + '_ {
        self.required.iter().chain(self.optional.iter()).map(String::as_str)
    }

    /// A schema's columns, in schema order.
    pub fn of(schema: &crate::kind::schema::Schema) -> Columns {
        Columns {
            required: schema.columns.iter().filter(|c| c.required).map(|c| c.name.clone()).collect(),
            optional: schema.columns.iter().filter(|c| !c.required).map(|c| c.name.clone()).collect(),
        }
    }
}

/// One batch: the rows of all its files, in file order then row order.
#[derive(Debug)]
pub struct Batch {
    /// All expected columns as String, in [`Columns::all`] order.
    pub df: DataFrame,
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// Per row: index into `files` and the line (CSV) or row number (Parquet).
    pub origin: Vec<(u32, u32)>,
    /// Per file: whether `origin` holds line numbers (CSV) or row numbers.
    pub by_line: Vec<bool>,
    /// Warnings (e.g. unknown columns ignored).
    pub warnings: Vec<String>,
}

impl Batch {
    /// "batch.csv:17" or "batch.parquet:row 16" for row `i`.
    pub fn source(&self, i: usize) -> String {
        let (f, n) = self.origin[i];
        let name = self.files[f as usize].file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if self.by_line[f as usize] {
            format!("{name}:{n}")
        } else {
            format!("{name}:row {n}")
        }
    }
}

/// One file as read, before its columns are matched to a kind.
#[derive(Debug)]
pub struct RawFile {
    /// The file.
    pub path: PathBuf,
    df: DataFrame,
    lines: Vec<u32>,
    is_parquet: bool,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
}

impl RawFile {
    /// Column names as in the header, trimmed.
    pub fn header(&self) -> Vec<String> {
        self.df.get_column_names().iter().map(|s| s.trim().to_string()).collect()
    }

    /// Rows read.
    pub fn rows(&self) -> usize {
        self.df.height()
    }
}

/// Read one batch file (CSV or Parquet by extension), every column as text.
pub fn read_raw(path: &Path) -> Result<RawFile> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_raw(path, bytes)
}

/// Parse a batch file's bytes; `path` names it in errors and says by its
/// extension whether it is Parquet (the fuzz target's way in).
pub fn parse_raw(path: &Path, bytes: Vec<u8>) -> Result<RawFile> {
    use sha2::{Digest, Sha256};
    let sha256 = Sha256::digest(&bytes).into();
    let is_parquet = is_parquet(path);
    let (df, lines) = if is_parquet { read_parquet(path, bytes)? } else { read_csv(path, bytes)? };
    Ok(RawFile { path: path.to_path_buf(), df, lines, is_parquet, sha256 })
}

/// What the run needs of a batch file before parsing any of them, from
/// one pass over its bytes: the SHA-256 (the run is named by its files'
/// digests), the header (to sort files into kinds), whether it holds
/// anything beyond its header line, and about how many rows it has (to
/// plan memory). The rows themselves are parsed later, one kind at a
/// time, and their bytes checked against this digest: holding every
/// file's bytes from this pass would hold the whole night at once.
pub struct Fingerprint {
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
    /// Column names, trimmed, in file order.
    pub header: Vec<String>,
    /// Whether anything follows the header.
    pub has_rows: bool,
    /// Lines after a CSV's header (a line break inside quotes counts
    /// too), or a Parquet file's row count: an estimate, never parsed.
    pub rows: u64,
}

/// How much of a CSV file's start is kept to find its header line.
const HEADER_PREFIX: usize = 64 * 1024;

/// Read a file in blocks for its [`Fingerprint`].
pub fn fingerprint(path: &Path) -> Result<Fingerprint> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut prefix: Vec<u8> = Vec::new();
    // CSV: a non-blank byte after the first line break is a row.
    let (mut past_header, mut has_rows) = (false, false);
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        if prefix.len() < HEADER_PREFIX {
            prefix.extend_from_slice(&buf[..n.min(HEADER_PREFIX - prefix.len())]);
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        last = buf[n - 1];
        if !has_rows {
            let mut block = &buf[..n];
            if !past_header {
                if let Some(at) = memchr::memchr(b'\n', block) {
                    past_header = true;
                    block = &block[at + 1..];
                }
            }
            has_rows = past_header && block.iter().any(|b| !b.is_ascii_whitespace());
        }
    }
    // The last line need not end in a line break; the header is not a row.
    let mut rows = (lines + u64::from(last != b'\n')).saturating_sub(1);
    let header = if is_parquet(path) {
        // Unreadable metadata is left for the full read to report.
        let meta = std::fs::File::open(path).map_err(PolarsError::from).and_then(|f| {
            let mut r = ParquetReader::new(f);
            Ok((r.num_rows()?, r.schema()?))
        });
        has_rows = meta.as_ref().map_or(true, |(n, _)| *n > 0);
        rows = meta.as_ref().map_or(0, |(n, _)| *n as u64);
        meta.ok().map(|(_, schema)| schema.iter_names().map(|n| n.trim().to_string()).collect())
    } else {
        csv_header(path, &prefix, prefix.len() < HEADER_PREFIX)?
    };
    // A header this cannot read cheaply (a quoted name spanning lines,
    // unreadable Parquet metadata) is read with the whole file, whose
    // error names the problem.
    let header = match header {
        Some(h) => h,
        None => read_raw(path)?.header(),
    };
    Ok(Fingerprint { sha256: h.finalize().into(), header, has_rows, rows })
}

fn is_parquet(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// A CSV header from the first bytes of its file (`whole`: they are the
/// whole file); `None` when the full reader must decide.
fn csv_header(path: &Path, buf: &[u8], whole: bool) -> Result<Option<Vec<String>>> {
    // Binary data or another encoding is named as such, not as a header
    // that fits no kind (a character cut at the prefix's end is not an
    // error).
    if let Err(e) = std::str::from_utf8(buf) {
        if e.error_len().is_some() {
            check_utf8(path, &buf[..e.valid_up_to() + e.error_len().unwrap_or(1)])?;
        }
    }
    if buf.contains(&0) {
        return Err(Error::batch(path, "holds binary data (NUL bytes), not CSV text"));
    }
    let body = buf.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(buf);
    let line = match memchr::memchr(b'\n', body) {
        Some(end) => Some(&body[..end]),
        None if whole => Some(body),
        None => None,
    };
    let line = line.map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    if let Some(Ok(text)) = line.map(std::str::from_utf8) {
        // A quoted field may span lines: let the full reader decide.
        if !text.trim().is_empty() && !text.contains('"') {
            return Ok(Some(crate::kind::refdata::split_csv_line(text).into_iter().map(|n| n.trim().to_string()).collect()));
        }
    }
    Ok(None)
}

/// A file's header (column names, trimmed) without reading its rows: the
/// first line of a CSV, the schema of a Parquet file — so a dry run can
/// sort its files into kinds before holding any of them in memory. A
/// header this cannot read is read with the whole file, whose error names
/// the problem (not UTF-8 at line N, empty file, not Parquet, ...).
pub fn header(path: &Path) -> Result<Vec<String>> {
    use std::io::Read;
    if is_parquet(path) {
        if let Ok(schema) = std::fs::File::open(path).map_err(PolarsError::from).and_then(|f| ParquetReader::new(f).schema()) {
            return Ok(schema.iter_names().map(|n| n.trim().to_string()).collect());
        }
    } else if let Ok(f) = std::fs::File::open(path) {
        let mut buf = Vec::with_capacity(HEADER_PREFIX);
        if f.take(HEADER_PREFIX as u64).read_to_end(&mut buf).is_ok() {
            if let Some(h) = csv_header(path, &buf, buf.len() < HEADER_PREFIX)? {
                return Ok(h);
            }
        }
    }
    Ok(read_raw(path)?.header())
}

/// Match files' columns to a kind's and concatenate them into one batch.
pub fn assemble(files: Vec<RawFile>, columns: &Columns) -> Result<Batch> {
    let Some(first) = files.first() else {
        return Err(Error::Usage("no batch file given".into()));
    };
    let first_path = first.path.clone();
    let mut frames = Vec::new();
    let mut origin = Vec::new();
    let mut by_line = Vec::new();
    let mut warnings = Vec::new();
    let mut paths = Vec::new();
    for (fi, f) in files.into_iter().enumerate() {
        let df = conform(&f.path, f.df, columns, &mut warnings)?;
        origin.extend(f.lines.into_iter().map(|l| (fi as u32, l)));
        by_line.push(!f.is_parquet);
        frames.push(df);
        paths.push(f.path);
    }
    let mut df = frames.remove(0);
    for f in frames {
        df.vstack_mut(&f).map_err(|e| Error::batch(&first_path, e.to_string()))?;
    }
    df.rechunk_mut();
    Ok(Batch { df, files: paths, origin, by_line, warnings })
}

/// Read and concatenate batch files of one kind.
pub fn read(paths: &[PathBuf], columns: &Columns) -> Result<Batch> {
    let files = paths.iter().map(|p| read_raw(p)).collect::<Result<Vec<_>>>()?;
    assemble(files, columns)
}

fn read_parquet(path: &Path, bytes: Vec<u8>) -> Result<(DataFrame, Vec<u32>)> {
    let df = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::batch(path, format!("not a readable Parquet file: {e}")))?;
    let rows = (1..=df.height() as u32).collect();
    Ok((df, rows))
}

/// Check UTF-8 up front: a file with a bad byte is refused whole, naming the
/// line, rather than half-read with replacement characters.
fn check_utf8(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Err(e) = std::str::from_utf8(bytes) {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(Error::batch(
            path,
            format!("line {line}: byte {at} is not UTF-8; export the file as UTF-8 (CSV UTF-8 in spreadsheet programs)"),
        ));
    }
    Ok(())
}

/// The line each data record starts on, honouring quoted newlines; blank
/// lines between records are skipped, as the CSV parser skips them. Only
/// quotes and newlines are visited (memchr), so this costs little next to
/// parsing.
fn record_lines(body: &[u8]) -> Vec<u32> {
    let mut lines = Vec::new();
    let mut line: u32 = 1;
    let mut in_quotes = false;
    let mut header_done = false;
    let (mut rec_start, mut rec_line) = (0usize, 1u32);
    let mut end_record = |seg: &[u8], at: u32, lines: &mut Vec<u32>| {
        if !seg.iter().all(|b| *b == b'\r') {
            if header_done {
                lines.push(at);
            }
            header_done = true;
        }
    };
    for pos in memchr::memchr2_iter(b'"', b'\n', body) {
        if body[pos] == b'"' {
            in_quotes = !in_quotes;
            continue;
        }
        line += 1;
        if !in_quotes {
            end_record(&body[rec_start..pos], rec_line, &mut lines);
            rec_start = pos + 1;
            rec_line = line;
        }
    }
    end_record(&body[rec_start.min(body.len())..], rec_line, &mut lines);
    lines
}

fn read_csv(path: &Path, mut bytes: Vec<u8>) -> Result<(DataFrame, Vec<u32>)> {
    check_utf8(path, &bytes)?;
    // Drop a byte-order mark in place: a copy of the file would double the
    // memory a large batch needs while it is parsed.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let body = bytes;
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::batch(path, "file is empty: expected a header line and rows"));
    }
    let lines = record_lines(&body);
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(CsvParseOptions::default().with_quote_char(Some(b'"')).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(body))
        .finish()
        .map_err(|e| Error::batch(path, format!("not a readable CSV file: {e}")))?;
    // If the parser and our line scan disagree (e.g. a stray quote), fall
    // back to row numbers rather than point at wrong lines.
    let lines = if lines.len() == df.height() { lines } else { (2..2 + df.height() as u32).collect() };
    Ok((df, lines))
}

/// Select the expected columns by name, as String, in the declared order.
fn conform(path: &Path, df: DataFrame, columns: &Columns, warnings: &mut Vec<String>) -> Result<DataFrame> {
    let present: Vec<String> = df.get_column_names().iter().map(|s| s.trim().to_string()).collect();
    let missing: Vec<&str> = columns.required.iter().map(String::as_str).filter(|c| !present.iter().any(|p| p == c)).collect();
    if !missing.is_empty() {
        let hint = if present.len() == 1 && present[0].contains(';') {
            " (the file seems to use ';' as separator; terbit reads comma-separated files)"
        } else {
            ""
        };
        return Err(Error::batch(
            path,
            format!("missing required column(s): {}; the header has: {}{hint}", missing.join(", "), crate::error::clip_list(&present, 30)),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in &present {
        if !seen.insert(p.as_str()) {
            return Err(Error::batch(path, format!("column {p:?} appears twice in the header")));
        }
    }
    for p in &present {
        if !columns.all().any(|c| c == p) {
            warnings.push(format!("{}: column {p:?} is not used by this kind and was ignored", path.display()));
        }
    }
    let height = df.height();
    let mut out = Vec::new();
    for name in columns.all() {
        let col = match present.iter().position(|p| p == name) {
            Some(i) => df.columns()[i]
                .cast(&DataType::String)
                .map_err(|e| Error::batch(path, format!("column {name:?}: {e}")))?
                .with_name(name.into()),
            None => Column::full_null(name.into(), height, &DataType::String),
        };
        out.push(col);
    }
    DataFrame::new(height, out).map_err(|e| Error::batch(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Columns {
        Columns { required: vec!["a".into(), "b".into()], optional: vec!["c".into()] }
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn columns_by_name_with_bom_crlf_and_quoted_newlines() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "x.csv", b"\xEF\xBB\xBFb,extra,a\r\n1,z,\"two\nlines\"\r\n3,y,4\r\n");
        let b = read(&[p], &cols()).unwrap();
        assert_eq!(b.df.get_column_names(), ["a", "b", "c"]);
        assert_eq!(b.df.column("a").unwrap().str().unwrap().get(0), Some("two\nlines"));
        assert_eq!(b.df.column("b").unwrap().str().unwrap().get(1), Some("3"));
        assert_eq!(b.source(0), "x.csv:2");
        assert_eq!(b.source(1), "x.csv:4");
        assert_eq!(b.warnings.len(), 1);
    }

    #[test]
    fn refusals_name_the_file_and_problem() {
        let d = tempfile::tempdir().unwrap();
        let e = read(&[write(d.path(), "m.csv", b"a,c\n1,2\n")], &cols()).unwrap_err().to_string();
        assert!(e.contains("m.csv") && e.contains("missing required column(s): b"), "{e}");
        let e = read(&[write(d.path(), "u.csv", b"a,b\n1,2\n3,\xff\n")], &cols()).unwrap_err().to_string();
        assert!(e.contains("u.csv") && e.contains("line 3"), "{e}");
        let e = read(&[write(d.path(), "e.csv", b"")], &cols()).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = read(&[write(d.path(), "s.csv", b"a;b\n1;2\n")], &cols()).unwrap_err().to_string();
        assert!(e.contains("';'"), "{e}");
    }

    #[test]
    fn record_lines_skip_blank_lines_and_follow_quotes() {
        assert_eq!(record_lines(b"h\n\na\r\n\r\n\"b\nc\"\nd"), vec![3, 5, 7]);
        assert_eq!(record_lines(b"h\n"), Vec::<u32>::new());
        assert_eq!(record_lines(b""), Vec::<u32>::new());
    }

    #[test]
    fn header_without_reading_rows() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "h.csv", b"\xEF\xBB\xBF b ,a\r\n1,2\n");
        assert_eq!(header(&p).unwrap(), ["b", "a"]);
        let p = write(d.path(), "q.csv", b"\"a\",b\n1,2\n");
        assert_eq!(header(&p).unwrap(), ["a", "b"], "quoted: read by the full reader");
        let e = header(&write(d.path(), "e.csv", b"")).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = header(&write(d.path(), "u.csv", b"a,\xff\n")).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        let mut df = df!("x" => ["1"], "y" => ["2"]).unwrap();
        let pq = d.path().join("t.parquet");
        ParquetWriter::new(std::fs::File::create(&pq).unwrap()).finish(&mut df).unwrap();
        assert_eq!(header(&pq).unwrap(), ["x", "y"]);
    }

    #[test]
    fn fingerprints_estimate_rows_without_parsing() {
        let d = tempfile::tempdir().unwrap();
        // An empty file has no header to sort it by: named as such.
        let e = fingerprint(&write(d.path(), "e.csv", b"")).err().unwrap();
        assert!(e.to_string().contains("e.csv"), "{e}");
        for (bytes, rows, has_rows) in [
            (&b"a,b"[..], 0, false),
            (b"a,b\n", 0, false),
            (b"a,b\n1,2", 1, true),
            (b"a,b\r\n1,2\r\n3,4\r\n", 2, true),
        ] {
            let f = fingerprint(&write(d.path(), "f.csv", bytes)).unwrap();
            assert_eq!((f.rows, f.has_rows), (rows, has_rows), "{bytes:?}");
            assert_eq!(f.header, ["a", "b"]);
        }
        let mut df = df!("x" => ["1", "2", "3"]).unwrap();
        let pq = d.path().join("t.parquet");
        ParquetWriter::new(std::fs::File::create(&pq).unwrap()).finish(&mut df).unwrap();
        let f = fingerprint(&pq).unwrap();
        assert_eq!((f.rows, f.header), (3, vec!["x".to_string()]));
    }

    #[test]
    fn header_only_is_an_empty_batch() {
        let d = tempfile::tempdir().unwrap();
        let b = read(&[write(d.path(), "h.csv", b"a,b\n")], &cols()).unwrap();
        assert_eq!(b.df.height(), 0);
    }
}
