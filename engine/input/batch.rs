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
use crate::util::csvin::{self, CsvError, Record};

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
    /// The whole header, as written (`df` may hold fewer columns).
    names: Vec<String>,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
}

impl RawFile {
    /// Column names as in the header, trimmed.
    pub fn header(&self) -> Vec<String> {
        self.names.iter().map(|s| s.trim().to_string()).collect()
    }

    /// Rows read.
    pub fn rows(&self) -> usize {
        self.df.height()
    }
}

/// Read one batch file (CSV or Parquet by extension). A Parquet file is
/// read for `wanted`'s columns only (all of them without it): a column the
/// kind does not use is never decoded, whatever its type.
pub fn read_raw(path: &Path, wanted: Option<&Columns>) -> Result<RawFile> {
    // Only a regular file, never through a link (a link to a key would
    // have its first line quoted as a header), never a FIFO or device.
    let bytes = crate::util::fs::read_regular(path, "batch file", u64::MAX)?;
    parse_raw(path, bytes, wanted)
}

/// Parse a batch file's bytes; `path` names it in errors and says by its
/// extension whether it is Parquet (the fuzz target's way in).
pub fn parse_raw(path: &Path, bytes: Vec<u8>, wanted: Option<&Columns>) -> Result<RawFile> {
    use sha2::{Digest, Sha256};
    let sha256 = Sha256::digest(&bytes).into();
    let is_parquet = is_parquet(path);
    let (df, lines, names) = if is_parquet { read_parquet(path, bytes, wanted)? } else { read_csv(path, bytes)? };
    Ok(RawFile { path: path.to_path_buf(), df, lines, is_parquet, names, sha256 })
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
    let mut f = crate::util::fs::open_regular(path, "batch file")?;
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
            has_rows = past_header && block.iter().any(|b| !b.is_ascii_whitespace() && *b != b',');
        }
    }
    // The last line need not end in a line break; the header is not a row.
    let mut rows = (lines + u64::from(last != b'\n')).saturating_sub(1);
    let header = if is_parquet(path) {
        // Unreadable metadata is left for the full read to report.
        // polars panics on some damaged footers: unreadable, like an error.
        let meta = crate::util::panics::catching(|| {
            crate::util::fs::open_regular(path, "batch file").map_err(|e| PolarsError::ComputeError(e.to_string().into())).and_then(|f| {
                let mut r = ParquetReader::new(f);
                Ok((r.num_rows()?, r.schema()?))
            })
        })
        .unwrap_or_else(|| Err(PolarsError::ComputeError("damaged metadata".into())));
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
        None => read_raw(path, None)?.header(),
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
            let at = e.valid_up_to();
            return Err(not_utf8(path, memchr::memchr_iter(b'\n', &buf[..at]).count() as u64 + 1, at));
        }
    }
    if buf.contains(&0) {
        return Err(Error::batch(path, "holds binary data (NUL bytes), not CSV text"));
    }
    // The header as the full read finds it: the first record that is not
    // blank, when its line break is within these bytes. One the reader
    // refuses (or that a cut at the prefix's end may have made) is left to
    // the full read, whose error names the problem.
    let mut reader = csvin::Reader::new(buf, ROW_LIMITS);
    while let Some(Ok(rec)) = reader.next() {
        if !is_blank(buf, &rec, false) {
            return Ok((rec.terminated() || whole).then(|| rec.iter().map(header_name).collect()));
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
        let schema = crate::util::panics::catching(|| {
            crate::util::fs::open_regular(path, "batch file").map_err(|e| PolarsError::ComputeError(e.to_string().into())).and_then(|f| ParquetReader::new(f).schema())
        });
        if let Some(Ok(schema)) = schema {
            return Ok(schema.iter_names().map(|n| n.trim().to_string()).collect());
        }
    } else {
        let f = crate::util::fs::open_regular(path, "batch file")?;
        let mut buf = Vec::with_capacity(HEADER_PREFIX);
        if f.take(HEADER_PREFIX as u64).read_to_end(&mut buf).is_ok() {
            if let Some(h) = csv_header(path, &buf, buf.len() < HEADER_PREFIX)? {
                return Ok(h);
            }
        }
    }
    Ok(read_raw(path, None)?.header())
}

/// Match files' columns to a kind's and concatenate them into one batch.
///
/// A Parquet timestamp with a time zone is read at the region's local time
/// (`utc_offset_hours`): a date exported as midnight WIB stays that date.
pub fn assemble(files: Vec<RawFile>, columns: &Columns, utc_offset_hours: i32) -> Result<Batch> {
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
        let df = conform(&f.path, f.df, &f.names, columns, utc_offset_hours, &mut warnings)?;
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
    let files = paths.iter().map(|p| read_raw(p, Some(columns))).collect::<Result<Vec<_>>>()?;
    assemble(files, columns, 7)
}

fn read_parquet(path: &Path, bytes: Vec<u8>, wanted: Option<&Columns>) -> Result<(DataFrame, Vec<u32>, Vec<String>)> {
    // polars' Parquet reader panics on some damaged files (fuzzing found
    // out-of-range offsets and bitmaps): a damaged file is a refused file,
    // never a crash.
    crate::util::panics::catching(|| parquet_frame(path, bytes, wanted)).unwrap_or_else(|| {
        Err(Error::batch(path, "not a readable Parquet file: its structure made the reader fail (a damaged or truncated file?)"))
    })
}

fn parquet_frame(path: &Path, bytes: Vec<u8>, wanted: Option<&Columns>) -> Result<(DataFrame, Vec<u32>, Vec<String>)> {
    let unreadable = |e: PolarsError| Error::batch(path, format!("not a readable Parquet file: {}", crate::error::clip(&e.to_string(), 200)));
    let bytes_for_pages = polars_buffer::Buffer::from(bytes.clone());
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let schema = reader.schema().map_err(unreadable)?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    refuse_duplicates(path, &names)?;
    // Only the kind's columns are decoded, and only types terbit reads as
    // text: a DECIMAL or nested column the kind uses is named, one it does
    // not use is never touched.
    let mut take = Vec::new();
    for (name, field) in schema.iter() {
        let used = wanted.is_none_or(|w| w.all().any(|c| c == name.trim()));
        if !used {
            continue;
        }
        if let Some(kind) = unsupported(&field.dtype) {
            return Err(Error::batch(
                path,
                format!("column {:?} holds {kind} values, which terbit does not read; export it as text (or whole numbers, or dates)", crate::error::clip(name, 60)),
            ));
        }
        take.push(name.to_string());
    }
    // The metadata says how much the decoder will allocate: a file that
    // claims more rows than a night holds, row groups that disagree with
    // the total, or columns larger than the file could hold, is refused
    // before anything is decoded (a damaged footer made polars try to
    // allocate without bound).
    let meta = reader.get_metadata().map_err(unreadable)?.clone();
    let implausible = |why: String| Error::batch(path, format!("not a readable Parquet file: its metadata is implausible ({why})"));
    if meta.num_rows > MAX_PARQUET_ROWS {
        return Err(implausible(format!("{} rows; a batch file holds at most {MAX_PARQUET_ROWS}", meta.num_rows)));
    }
    let groups: usize = meta.row_groups.iter().map(|g| g.num_rows()).sum();
    if groups != meta.num_rows {
        return Err(implausible(format!("row groups of {groups} rows in a file of {}", meta.num_rows)));
    }
    for g in &meta.row_groups {
        for c in g.parquet_columns() {
            let values = usize::try_from(c.num_values()).unwrap_or(usize::MAX);
            let size = usize::try_from(c.uncompressed_size()).unwrap_or(usize::MAX);
            if values > g.num_rows().saturating_mul(64).max(1024) || size > MAX_PARQUET_COLUMN_BYTES {
                return Err(implausible(format!("a column chunk of {values} values, {size} bytes, in a row group of {} rows", g.num_rows())));
            }
        }
    }
    check_page_headers(path, &bytes_for_pages, &meta)?;
    let df = reader.with_columns(Some(take)).finish().map_err(unreadable)?;
    let rows = (1..=df.height() as u32).collect();
    Ok((df, rows, names))
}

/// Most rows one Parquet batch file may claim (a night's family cards are
/// well under a million rows).
const MAX_PARQUET_ROWS: usize = 20_000_000;
/// Largest uncompressed column chunk read.
const MAX_PARQUET_COLUMN_BYTES: usize = 1 << 30;

/// Every data page's header read before polars decodes it: a page that
/// claims more values than its row group has rows (times the nesting a
/// list may add) is refused, since the decoder sizes its buffers by it.
fn check_page_headers(path: &Path, bytes: &polars_buffer::Buffer<u8>, meta: &polars_parquet::parquet::metadata::FileMetadata) -> Result<()> {
    use polars_parquet::parquet::page::CompressedPage;
    let bad = |why: String| Error::batch(path, format!("not a readable Parquet file: {why}"));
    for g in &meta.row_groups {
        let limit = g.num_rows().saturating_mul(64).max(1024);
        for c in g.parquet_columns() {
            let pages = polars_parquet::parquet::read::get_page_iterator(c, Cursor::new(bytes.clone()), Vec::new(), MAX_PARQUET_COLUMN_BYTES)
                .map_err(|e| bad(crate::error::clip(&e.to_string(), 200)))?;
            for page in pages {
                let page = page.map_err(|e| bad(crate::error::clip(&e.to_string(), 200)))?;
                if let CompressedPage::Data(d) = &page {
                    if d.num_values() > limit {
                        return Err(bad(format!("a data page claims {} values in a row group of {} rows", d.num_values(), g.num_rows())));
                    }
                }
            }
        }
    }
    Ok(())
}

/// What a Parquet column type is called when terbit cannot read it as text.
fn unsupported(dtype: &ArrowDataType) -> Option<&'static str> {
    use ArrowDataType as A;
    match dtype {
        A::Null | A::Boolean | A::Int8 | A::Int16 | A::Int32 | A::Int64 | A::UInt8 | A::UInt16 | A::UInt32 | A::UInt64 => None,
        A::Float16 | A::Float32 | A::Float64 | A::Utf8 | A::LargeUtf8 | A::Utf8View | A::Date32 | A::Date64 | A::Timestamp(..) => None,
        A::Dictionary(_, values, _) => unsupported(values),
        A::Decimal(..) | A::Decimal32(..) | A::Decimal64(..) | A::Decimal256(..) => Some("DECIMAL"),
        A::List(_) | A::LargeList(_) | A::FixedSizeList(..) | A::Struct(_) | A::Map(..) | A::Union(..) => Some("nested (list, struct or map)"),
        A::Binary | A::LargeBinary | A::FixedSizeBinary(_) | A::BinaryView => Some("binary"),
        _ => Some("an unsupported type of"),
    }
}

/// Two columns with one name: which one is meant cannot be guessed.
fn refuse_duplicates(path: &Path, names: &[String]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for n in names {
        if !seen.insert(n.trim()) {
            return Err(Error::batch(path, format!("column {:?} appears twice in the header: remove one", crate::error::clip(n.trim(), 60))));
        }
    }
    Ok(())
}

/// A file with a byte that is not UTF-8 is refused whole, naming the line,
/// rather than half-read with replacement characters.
fn not_utf8(path: &Path, line: u64, byte: usize) -> Error {
    Error::batch(path, format!("line {line}: byte {byte} is not UTF-8; export the file as UTF-8 (CSV UTF-8 in spreadsheet programs)"))
}

/// What a CSV file's structure is, read before polars parses it: the
/// header's names as written, the line each data record starts on, and the
/// blank (whitespace-only) lines to leave out. Malformed structure is an
/// error naming its line and column, quoting at most the start of one
/// field: never the rows after it (polars' own errors quote whole fields,
/// and an unclosed quote makes the rest of the file one field).
struct Shape {
    header: Vec<String>,
    lines: Vec<u32>,
    blank: Vec<std::ops::Range<usize>>,
}

/// The first characters of the field at `at`, for a message, up to the
/// first of `ends` (a line end; for an unquoted field its comma too: only
/// that field is quoted back, its neighbours may be another person's data).
fn field_start(body: &[u8], at: usize, ends: &[u8]) -> String {
    let at = at.min(body.len());
    let end = body[at..].iter().position(|b| ends.contains(b)).map_or(body.len(), |p| at + p);
    crate::util::show::clip_shown(&String::from_utf8_lossy(&body[at..end.min(at + 400)]), 40)
}

/// A line's end, and an unquoted field's.
const LINE_END: &[u8] = b"\n\r";
const UNQUOTED_END: &[u8] = b",\n\r";

/// A header field's name: trimmed, without a stray byte-order mark.
fn header_name(value: &str) -> String {
    value.trim().trim_start_matches('\u{feff}').to_string()
}

/// A record that is no application: whitespace only, or only separators
/// (a spreadsheet's empty rows export as ",,,,") once the header is read.
fn is_blank(body: &[u8], rec: &Record<'_>, have_header: bool) -> bool {
    body[rec.bytes.clone()].iter().all(|b| b.is_ascii_whitespace() || *b == b',') && (have_header || rec.len() == 1)
}

/// The reader's error as the batch's: line and column, the column's name
/// when the header is known, what to do, and the start of the field.
/// `skipped` is the byte-order marks' length left out before `body`.
fn csv_error(path: &Path, body: &[u8], skipped: usize, header: &[String], e: CsvError) -> Error {
    let at = |line: u64, column: usize, what: String| {
        let name = header.get(column).map(|n| format!(" ({})", crate::util::show::clip_shown(n, 40))).unwrap_or_default();
        Error::batch(path, format!("line {line}, column {}{name}: {what}", column + 1))
    };
    let requote = "quote the whole field and double the quotes in it";
    match e {
        CsvError::NotUtf8 { line, byte } => not_utf8(path, line, skipped + byte),
        CsvError::QuoteInUnquoted { line, field, at: from } => at(line, field, format!("a quote inside an unquoted field ({}): {requote}", field_start(body, from, UNQUOTED_END))),
        CsvError::TextAfterQuote { line, field, at: from } => at(line, field, format!("text after a closing quote ({}): {requote}", field_start(body, from, LINE_END))),
        // A quote never closed in a record that has the wrong number of
        // fields is said as the fields' count, as a stray quote.
        CsvError::Unclosed { line, field, record_line, fields, end_line, .. } if !header.is_empty() && fields != header.len() => {
            Error::batch(path, format!("line {record_line}: {}", wrong_count(fields, header, (end_line > line).then_some((line, field)), end_line)))
        }
        CsvError::Unclosed { line, field, at: from, .. } => {
            at(line, field, format!("unclosed quote: the field starting {} runs to the end of the file", field_start(body, from, LINE_END)))
        }
        CsvError::LoneCr { line, field } => at(line, field, "a carriage return inside a field: save the file with CRLF or LF line endings".to_string()),
        CsvError::RecordTooLarge { line, limit } => Error::batch(
            path,
            format!("line {line}: a row of more than {} MiB: most likely a quote opened in it is never closed", limit >> 20),
        ),
        CsvError::TooManyFields { line, limit } => Error::batch(path, format!("line {line}: more than {limit} columns: terbit reads at most {limit} in a row")),
    }
}

/// A record with the wrong number of fields: how many, and the likely
/// cause. One over several lines most likely holds a stray quote that
/// swallowed line breaks (`spanned`: where it opened).
fn wrong_count(fields: usize, header: &[String], spanned: Option<(u64, usize)>, end_line: u64) -> String {
    let why = match spanned {
        Some((at_line, at_field)) => {
            let name = header.get(at_field).map(|n| format!(" ({})", crate::util::show::clip_shown(n, 40))).unwrap_or_default();
            format!("a quote opened at line {at_line}, column {}{name} runs to line {end_line}: a stray quote?", at_field + 1)
        }
        None => "a missing or extra comma, or a comma in an unquoted value".to_string(),
    };
    format!("{fields} field(s) where the header has {}: {why}", header.len())
}

/// How large a batch row may be: a 10 MB value is a reject of its row
/// (validation names it), not a refused file; a quote never closed in a
/// larger file stops the scan here.
const ROW_LIMITS: csvin::Limits = csvin::Limits { record_bytes: 64 << 20, fields: 1 << 16 };

fn scan_csv(path: &Path, body: &[u8], skipped: usize) -> Result<Shape> {
    let mut shape = Shape { header: Vec::new(), lines: Vec::new(), blank: Vec::new() };
    let mut blank = |r: std::ops::Range<usize>| match shape.blank.last_mut() {
        Some(last) if last.end == r.start => last.end = r.end,
        _ if r.is_empty() => {}
        _ => shape.blank.push(r),
    };
    let mut header: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    let mut reader = csvin::Reader::new(body, ROW_LIMITS);
    // Where the previous record's line break ended: empty lines between
    // records (the reader skips them) are blank too.
    let mut after = 0;
    while let Some(rec) = reader.next() {
        let rec = rec.map_err(|e| csv_error(path, body, skipped, &header, e))?;
        blank(after..rec.span.start);
        after = rec.span.end;
        let have_header = !header.is_empty();
        if is_blank(body, &rec, have_header) {
            blank(rec.span.clone());
        } else if !have_header {
            header = rec.iter().map(header_name).collect();
        } else if rec.len() != header.len() {
            let spanned = rec.spanned.filter(|_| rec.end_line > rec.line);
            return Err(Error::batch(path, format!("line {}: {}", rec.line, wrong_count(rec.len(), &header, spanned, rec.end_line))));
        } else {
            lines.push(u32::try_from(rec.line).unwrap_or(u32::MAX));
        }
    }
    blank(after..body.len());
    shape.header = header;
    shape.lines = lines;
    Ok(shape)
}

fn read_csv(path: &Path, mut bytes: Vec<u8>) -> Result<(DataFrame, Vec<u32>, Vec<String>)> {
    // Drop byte-order marks in place (an export passed through two tools
    // may carry two): a copy of the file would double the memory a large
    // batch needs while it is parsed.
    let mut skipped = 0;
    while bytes[skipped..].starts_with(csvin::BOM) {
        skipped += csvin::BOM.len();
    }
    bytes.drain(..skipped);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::batch(path, "file is empty: expected a header line and rows"));
    }
    if !bytes.contains(&b'\n') && bytes.contains(&b'\r') {
        return Err(Error::batch(path, "its lines end in CR only (an old Mac format): save it as CSV with CRLF or LF line endings"));
    }
    let shape = scan_csv(path, &bytes, skipped)?;
    refuse_duplicates(path, &shape.header)?;
    // Blank and whitespace-only lines are not applications: left out before
    // parsing (the common trailing ones cut in place; others by one copy).
    let mut body = bytes;
    let mut blank = shape.blank.as_slice();
    while let Some(last) = blank.last().filter(|r| r.end == body.len()) {
        body.truncate(last.start);
        blank = &blank[..blank.len() - 1];
    }
    if !blank.is_empty() {
        let mut kept = Vec::with_capacity(body.len());
        let mut at = 0;
        for r in blank {
            kept.extend_from_slice(&body[at..r.start]);
            at = r.end;
        }
        kept.extend_from_slice(&body[at..]);
        body = kept;
    }
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_parse_options(CsvParseOptions::default().with_quote_char(Some(b'"')).with_missing_is_null(true))
        .into_reader_with_file_handle(Cursor::new(body))
        .finish()
        .map_err(|e| Error::batch(path, format!("not a readable CSV file: {}", crate::error::clip(&e.to_string(), 200))))?;
    let lines = traced(path, shape.lines, df.height())?;
    Ok((df, lines, shape.header))
}

/// Each row's line, when polars read as many rows as the scan found
/// records. Every reject cites the line its row starts on, which holds
/// only if the two agree; a file they read differently is refused, never
/// given another row's lines. (On input the scan accepts they agree:
/// polars splits rows at line breaks outside quotes, as RFC 4180 does,
/// and a sweep of every 6-byte body of quotes, commas, CR, LF, CRLF, NUL
/// and spaces, and of random 300,000-row files, found no file they count
/// differently. This keeps it so if either changes.)
fn traced(path: &Path, lines: Vec<u32>, polars_rows: usize) -> Result<Vec<u32>> {
    if lines.len() != polars_rows {
        return Err(Error::CsvDisagreement { path: path.to_path_buf(), prescan_records: lines.len(), polars_records: polars_rows });
    }
    Ok(lines)
}

/// Select the expected columns by name, as String, in the declared order.
/// `names` is the file's whole header (a Parquet file's frame holds only
/// the columns read).
fn conform(path: &Path, df: DataFrame, names: &[String], columns: &Columns, utc_offset_hours: i32, warnings: &mut Vec<String>) -> Result<DataFrame> {
    let names: Vec<String> = names.iter().map(|s| s.trim().to_string()).collect();
    let present: Vec<String> = df.get_column_names().iter().map(|s| s.trim().to_string()).collect();
    let missing: Vec<&str> = columns.required.iter().map(String::as_str).filter(|c| !names.iter().any(|p| p == c)).collect();
    if !missing.is_empty() {
        let hint = if names.len() == 1 && names[0].contains(';') {
            " (the file seems to use ';' as separator; terbit reads comma-separated files)"
        } else if names.len() == 1 && names[0].contains('\t') {
            " (the file seems to use tabs as separator; terbit reads comma-separated files)"
        } else {
            ""
        };
        return Err(Error::batch(
            path,
            format!("missing required column(s): {}; the header has: {}{hint}", missing.join(", "), crate::error::clip_list(&names, 8)),
        ));
    }
    refuse_duplicates(path, &names)?;
    // Columns the kind does not use: one warning for the file, not one each.
    let unused: Vec<String> = names.iter().filter(|p| !columns.all().any(|c| c == p.as_str())).cloned().collect();
    if !unused.is_empty() {
        warnings.push(format!(
            "{}: {} column(s) not used by this kind were ignored: {}",
            crate::util::show::clip_shown(&path.display().to_string(), 200),
            unused.len(),
            crate::util::show::shown(&crate::error::clip_list(&unused, 10))
        ));
    }
    let height = df.height();
    let mut out = Vec::new();
    for name in columns.all() {
        let col = match present.iter().position(|p| p == name) {
            Some(i) => as_text(&df.columns()[i], utc_offset_hours)
                .map_err(|e| Error::batch(path, format!("column {name:?}: {}", crate::error::clip(&e.to_string(), 200))))?
                .with_name(name.into()),
            None => Column::full_null(name.into(), height, &DataType::String),
        };
        out.push(col);
    }
    DataFrame::new(height, out).map_err(|e| Error::batch(path, e.to_string()))
}

/// A column as text. A timestamp (Parquet) is read at the region's local
/// time — a zoned one converted from UTC, a naive one taken as local — and
/// shown as its date when it is a midnight, else as date and time (which
/// a date rule then rejects, naming the value).
fn as_text(col: &Column, utc_offset_hours: i32) -> PolarsResult<Column> {
    let DataType::Datetime(unit, zone) = col.dtype() else { return col.cast(&DataType::String) };
    let per_second: i64 = match unit {
        TimeUnit::Nanoseconds => 1_000_000_000,
        TimeUnit::Microseconds => 1_000_000,
        TimeUnit::Milliseconds => 1_000,
    };
    let shift = if zone.is_some() { i64::from(utc_offset_hours) * 3600 } else { 0 };
    let physical = col.to_physical_repr();
    let values = physical.as_materialized_series().i64()?.clone();
    let text: StringChunked = values
        .iter()
        .map(|v| {
            let v = v?;
            let t = chrono::DateTime::from_timestamp(v.div_euclid(per_second) + shift, 0)?.naive_utc();
            Some(if t.time() == chrono::NaiveTime::MIN { t.format("%Y-%m-%d").to_string() } else { t.format("%Y-%m-%d %H:%M:%S").to_string() })
        })
        .collect();
    Ok(text.into_column())
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
    fn the_scan_skips_blank_lines_and_follows_quotes() {
        let p = Path::new("x.csv");
        let s = scan_csv(p, b"h\n\na\r\n \t\r\n\"b\nc\"\nd", 0).unwrap();
        assert_eq!((s.header, s.lines), (vec!["h".to_string()], vec![3, 5, 7]));
        assert_eq!(s.blank, vec![2..3, 6..10]);
        assert!(scan_csv(p, b"h\n", 0).unwrap().lines.is_empty());
        assert!(scan_csv(p, b"", 0).unwrap().lines.is_empty());
    }

    #[test]
    fn malformed_csv_names_line_and_column_and_quotes_one_field_at_most() {
        let d = tempfile::tempdir().unwrap();
        let err = |name: &str, bytes: &[u8]| read(&[write(d.path(), name, bytes)], &cols()).unwrap_err().to_string();
        // An unclosed quote: where it opened, never the rows after it.
        let mut big = b"a,b\n1,\"open\n".to_vec();
        for i in 0..20_000 {
            big.extend_from_slice(format!("{i},3506011234567890 SITI AMINAH\n").as_bytes());
        }
        let e = err("q.csv", &big);
        assert!(e.contains("q.csv") && e.contains("line 2, column 2 (b): unclosed quote"), "{e}");
        assert!(e.len() < 300 && !e.contains("SITI"), "{e}");
        let e = err("m.csv", b"a,b\n1,x\"y\"\n");
        assert!(e.contains("line 2, column 2 (b): a quote inside an unquoted field (x\"y\")"), "{e}");
        let e = err("t.csv", b"a,b\n\"1\"x,2\n");
        assert!(e.contains("line 2, column 1 (a): text after a closing quote"), "{e}");
        // Spaces around a quoted field: polars reads such a field unquoted,
        // so the scan refuses it rather than read it otherwise.
        let e = err("w.csv", b"a,b\n1, \"x,y\"\n");
        assert!(e.contains("line 2, column 2 (b): a quote inside an unquoted field"), "{e}");
        let e = err("v.csv", b"a,b\n\"1\" ,2\n");
        assert!(e.contains("line 2, column 1 (a): text after a closing quote"), "{e}");
        let e = err("cr.csv", b"a,b\r\n1,x\ry\r\n");
        assert!(e.contains("line 2, column 2 (b): a carriage return inside a field"), "{e}");
        let e = err("r.csv", b"a,b\n1,2\n1,2,3\n");
        assert!(e.contains("line 3: 3 field(s) where the header has 2"), "{e}");
        let e = err("c.csv", b"a,b\r1,2\r");
        assert!(e.contains("CR only"), "{e}");
        let e = err("dup.csv", b"a,b,a\n1,2,3\n");
        assert!(e.contains("column \"a\" appears twice"), "{e}");
        let e = err("tab.csv", b"a\tb\n1\t2\n");
        assert!(e.contains("tabs as separator"), "{e}");
    }

    #[test]
    fn a_scan_and_polars_that_disagree_refuse_the_file() {
        assert_eq!(traced(Path::new("d.csv"), vec![2, 4], 2).unwrap(), [2, 4]);
        let e = traced(Path::new("d.csv"), vec![2, 4], 3).unwrap_err();
        assert!(matches!(e, Error::CsvDisagreement { prescan_records: 2, polars_records: 3, .. }), "{e:?}");
        let e = e.to_string();
        assert!(e.starts_with("d.csv: terbit's line check found 2 row(s) but its table reader found 3") && e.contains("save it again as CSV UTF-8"), "{e}");
    }

    #[test]
    fn ten_thousand_unknown_columns_are_one_warning() {
        let d = tempfile::tempdir().unwrap();
        let extra: Vec<String> = (0..10_000).map(|i| format!("x{i}")).collect();
        let text = format!("a,b,{}\n1,2,{}\n", extra.join(","), vec!["v"; 10_000].join(","));
        let b = read(&[write(d.path(), "w.csv", text.as_bytes())], &cols()).unwrap();
        assert_eq!(b.warnings.len(), 1, "{:?}", &b.warnings[..b.warnings.len().min(3)]);
        assert!(b.warnings[0].contains("10000 column(s) not used") && b.warnings[0].len() < 1000, "{}", b.warnings[0]);
    }

    #[test]
    fn blank_lines_are_not_rows_and_two_boms_are_dropped() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "b.csv", b"\xEF\xBB\xBF\xEF\xBB\xBFa,b\n\n1,2\n   \n3,4\n,\n\n \r\n,,\r\n");
        let b = read(&[p], &cols()).unwrap();
        assert_eq!(b.df.height(), 2);
        assert_eq!((b.source(0), b.source(1)), ("b.csv:3".to_string(), "b.csv:5".to_string()));
        assert_eq!(b.df.get_column_names(), ["a", "b", "c"]);
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
