//! Templates: one document kind as data (TOML in `templates/`) — its input
//! schema ([`crate::kind::schema`]), numbering, signed record and page layout —
//! compiled once per run with every field binding resolved to an index. A
//! template that names a field the kind does not have is refused when it is
//! loaded, naming the file, line and field — never halfway through a run.
//!
//! Text holds literal text with `{field}` or `{field|format}` placeholders.
//! Coordinates are millimetres from the page's top-left corner, as a
//! designer measures a paper form. A `table` element lists the members of a
//! group kind (a family card) and flows onto further pages; every other
//! element is drawn on every page unless `pages = "first"` or `"last"`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::kind::schema::{NumberSpec, RawSchema, RecordSpec, Schema};
use crate::kind::words;
use crate::kind::Kind;

/// The six embedded templates (so the defaults need no files), by kind.
mod raw;
use raw::*;
pub mod signed;

/// The six embedded templates, by kind (`templates/*.toml`).
pub const EMBEDDED: [(Kind, &str); 6] = [
    (Kind::Birth, include_str!("../../templates/birth.toml")),
    (Kind::Death, include_str!("../../templates/death.toml")),
    (Kind::FamilyCard, include_str!("../../templates/family_card.toml")),
    (Kind::MoveOut, include_str!("../../templates/move_out.toml")),
    (Kind::MoveIn, include_str!("../../templates/move_in.toml")),
    (Kind::Ktp, include_str!("../../templates/ktp.toml")),
];

/// A base-14 font (Helvetica); text outside WinAnsi is drawn in the embedded fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Font {
    /// Helvetica.
    #[serde(rename = "Helvetica")]
    Regular,
    /// Helvetica-Bold.
    #[serde(rename = "Helvetica-Bold")]
    Bold,
    /// Helvetica-Oblique.
    #[serde(rename = "Helvetica-Oblique")]
    Italic,
}

/// Horizontal alignment at the element's `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    /// `x` is the left end.
    #[default]
    Left,
    /// `x` is the centre.
    Center,
    /// `x` is the right end.
    Right,
}

/// Which pages of a multi-page document an element is drawn on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pages {
    /// Every page.
    #[default]
    All,
    /// The first page only.
    First,
    /// The last page only.
    Last,
    /// Every page but the last ("continued overleaf").
    BeforeLast,
}

impl Pages {
    /// Whether page `page` of `pages` (1-based) draws the element.
    pub fn includes(self, page: usize, pages: usize) -> bool {
        match self {
            Pages::All => true,
            Pages::First => page == 1,
            Pages::Last => page == pages,
            Pages::BeforeLast => page < pages,
        }
    }
}

/// How a field's value is shown (`{field|format}` in a template text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// As it is.
    Plain,
    /// Upper case.
    Upper,
    /// A date as "23 Juni 2021".
    DateLong,
    /// A date in Indonesian words.
    DateWords,
    /// Digits in groups of four.
    Group4,
    /// L/P as LAKI-LAKI/PEREMPUAN.
    Sex,
    /// A number as an Indonesian ordinal ("kedua").
    Ordinal,
}

const FORMATS: &str = "upper, date_long, date_words, group4, sex, ordinal";

impl Format {
    fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "upper" => Format::Upper,
            "date_long" => Format::DateLong,
            "date_words" => Format::DateWords,
            "group4" => Format::Group4,
            "sex" => Format::Sex,
            "ordinal" => Format::Ordinal,
            _ => return None,
        })
    }

    /// Append `v` formatted to `out`.
    pub fn apply(self, v: &str, out: &mut String) {
        let date = || crate::kind::words::parse_date(v);
        match self {
            Format::Plain => out.push_str(v),
            Format::Upper => out.extend(v.chars().flat_map(char::to_uppercase)),
            Format::DateLong => out.push_str(&date().map(words::date_long).unwrap_or_else(|| v.to_string())),
            Format::DateWords => out.push_str(&date().map(words::date_words).unwrap_or_else(|| v.to_string())),
            Format::Group4 => out.push_str(&words::group_digits(v)),
            Format::Sex => out.push_str(match v {
                "L" => "LAKI-LAKI",
                "P" => "PEREMPUAN",
                _ => v,
            }),
            Format::Ordinal => match v.parse::<u64>() {
                Ok(1) => out.push_str("PERTAMA"),
                Ok(n) => {
                    out.push_str("KE");
                    out.push_str(&words::number(n).to_uppercase());
                }
                Err(_) => out.push_str(v),
            },
        }
    }
}

/// A piece of a template text.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// A field's value.
    Field {
        /// Index into the document's values.
        index: usize,
        /// How it is shown.
        format: Format,
    },
}

/// Template text compiled against a field list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Text(pub Vec<Part>);

impl Text {
    /// The text with `values` (in the field list's order) filled in.
    pub fn fill(&self, values: &[String]) -> String {
        let mut s = String::new();
        for p in &self.0 {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Field { index, format } => format.apply(values.get(*index).map(String::as_str).unwrap_or(""), &mut s),
            }
        }
        s
    }

    /// The field indexes the text is made of.
    pub fn fields(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().filter_map(|p| match p {
            Part::Field { index, .. } => Some(*index),
            Part::Lit(_) => None,
        })
    }
}

/// One column of a member table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    /// Heading (Indonesian).
    pub title: String,
    /// Heading (English), under it.
    pub title_en: Option<String>,
    /// Width, mm.
    pub width: f32,
    /// Alignment of its cells.
    pub align: Align,
    /// Compiled against the schema's member fields.
    pub text: Text,
}

/// One thing a template draws (coordinates in mm from the top left).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // x, y, size, width: the template's own fields, described in templates/README.md
pub enum Element {
    /// Text made of literals and fields, shrunk to `max_width` if given.
    Text { x: f32, y: f32, size: f32, font: Font, align: Align, max_width: Option<f32>, text: Text, pages: Pages },
    /// A rule from (x1, y1) to (x2, y2), `width` points thick.
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32, pages: Pages },
    /// A rectangle's outline.
    Rect { x: f32, y: f32, w: f32, h: f32, width: f32, pages: Pages },
    /// The QR code, `size` mm square.
    Qr { x: f32, y: f32, size: f32 },
    /// The region's logo, if it has one (height `size`, width by aspect).
    Logo { x: f32, y: f32, size: f32, pages: Pages },
    /// The member table.
    Table(Table),
}

/// A member table (family card), paged.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Left edge, mm.
    pub x: f32,
    /// Top edge, mm.
    pub y: f32,
    /// Heading row height, mm.
    pub header_height: f32,
    /// Member row height, mm.
    pub row_height: f32,
    /// Member rows per page.
    pub rows: usize,
    /// Font size of the cells, points.
    pub size: f32,
    /// Its columns.
    pub columns: Vec<TableColumn>,
}

/// The signed record's values as template text (see [`RecordSpec`]).
#[derive(Debug, Clone)]
pub struct Record {
    /// Record kind code (1–6).
    pub code: u64,
    /// The subject's NIK.
    pub nik: Text,
    /// The subject's name.
    pub name: Text,
    /// Birth date, if the kind signs it.
    pub birth_date: Option<Text>,
    /// Birth place, if the kind signs it.
    pub birth_place: Option<Text>,
    /// Days a document is valid, for kinds that expire.
    pub expiry_days: Option<i64>,
    /// A member's NIK, for group kinds.
    pub member_nik: Option<Text>,
    /// When members' NIKs are listed in the record.
    pub members: crate::kind::schema::MembersInRecord,
    /// Whether the record carries the members' digest.
    pub member_digest: bool,
    /// Kind-specific values: (record key, text, as integer).
    pub extra: Vec<(u64, Text, bool)>,
}

impl Record {
    /// The day a document issued on `issue_date` expires, if it does.
    pub fn expiry_date(&self, issue_date: NaiveDate) -> Option<NaiveDate> {
        self.expiry_days.and_then(|d| issue_date.checked_add_days(chrono::Days::new(d.max(0) as u64)))
    }
}

/// A compiled template: page, schema, numbering, record and drawing.
#[derive(Debug, Clone)]
pub struct Template {
    /// The file it came from (or the embedded name).
    pub path: PathBuf,
    /// Its kind's name.
    pub kind: String,
    /// The document's title.
    pub title: String,
    /// Page width, mm.
    pub width_mm: f32,
    /// Page height, mm.
    pub height_mm: f32,
    /// The batch columns and their rules.
    pub schema: Schema,
    /// How documents are numbered.
    pub number: NumberSpec,
    /// What the QR signs.
    pub record: Record,
    /// What the page draws.
    pub elements: Vec<Element>,
    /// The field list documents of this kind hold values in.
    pub fields: Vec<String>,
    /// Per field: how the signed record fixes its value, if it does
    /// ([`signed`]): what the verifier rebuilds printed texts from.
    pub signed: Vec<Option<signed::Fixed>>,
}

/// A batch header that fits no kind, or two equally (the message names the
/// closest kind's missing columns).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HeaderError(pub String);

/// A template text that does not compile (an unknown field or format, an
/// unclosed brace).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TextError(pub String);

impl From<String> for TextError {
    fn from(m: String) -> Self {
        TextError(m)
    }
}

/// Split "Kediri, {issue_date|date_long}" into literal and field parts.
pub fn compile_text(s: &str, fields: &[String]) -> std::result::Result<Text, TextError> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Lit(rest[..open].to_string()));
        }
        let close = rest[open..].find('}').ok_or_else(|| format!("unclosed '{{' in {s:?}"))? + open;
        let inner = &rest[open + 1..close];
        let (name, fmt) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim())),
            None => (inner.trim(), None),
        };
        let index = fields
            .iter()
            .position(|f| f == name)
            .ok_or_else(|| format!("unknown field `{name}`; this kind has: {}", fields.join(", ")))?;
        let format = match fmt {
            None => Format::Plain,
            Some(f) => Format::parse(f).ok_or_else(|| format!("unknown format `{f}`; formats: {FORMATS}"))?,
        };
        parts.push(Part::Field { index, format });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_string()));
    }
    Ok(Text(parts))
}

/// The largest template file read (a template is a few KiB).
pub const MAX_TEMPLATE_FILE: u64 = 1 << 20;

impl Template {
    /// The embedded template of `kind`.
    pub fn embedded(kind: &str) -> Option<Template> {
        let (_, text) = EMBEDDED.iter().find(|(k, _)| k.name() == kind)?;
        // Every embedded template is tested below; a failure is a packaging defect.
        Some(Template::parse(text, Path::new(&format!("<embedded templates/{kind}.toml>")), kind).expect("embedded template is valid"))
    }

    /// The embedded birth template.
    pub fn birth_default() -> Template {
        Template::embedded("birth").expect("birth is embedded")
    }

    /// Load and compile a template file for `kind` (a regular file of at
    /// most [`MAX_TEMPLATE_FILE`] bytes that no other user may have written).
    pub fn load(path: &Path, kind: &str) -> Result<Template> {
        let bytes = crate::util::fs::read_trusted(path, "template file", MAX_TEMPLATE_FILE)?;
        Template::parse(crate::error::toml_text(path, &bytes)?, path, kind)
    }

    /// Compile template text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path, kind: &str) -> Result<Template> {
        let raw: RawTemplate = toml::from_str(text).map_err(|e| crate::error::toml_error(path, text, &e))?;
        if raw.kind != kind {
            return Err(Error::config(path, format!("field `kind`: template is for {:?}, expected {kind:?}", raw.kind)));
        }
        if !(50.0..=1000.0).contains(&raw.page.width_mm) || !(50.0..=1000.0).contains(&raw.page.height_mm) {
            return Err(Error::config(path, "field `page`: width_mm and height_mm must be 50–1000"));
        }
        let schema = Schema::check(raw.schema, path)?;
        raw.number.check(&schema, path)?;
        let fields = schema.fields();
        let member_fields = schema.member_fields();
        let record = compile_record(raw.record, &schema, &fields, &member_fields, text, path)?;
        let mut elements = Vec::with_capacity(raw.element.len());
        let mut qr = 0;
        let mut tables = 0;
        for (n, e) in raw.element.into_iter().enumerate() {
            let at = |f: &str, m: String| Error::config(path, format!("element at line {}: field `{f}`: {m}", element_line(text, n)));
            elements.push(match e {
                RawElement::Text { x, y, size, font, align, max_width, text: t, pages } => {
                    let text = compile_text(&t, &fields).map_err(|e| at("text", e.0))?;
                    Element::Text { x, y, size, font, align, max_width, text, pages }
                }
                RawElement::Line { x1, y1, x2, y2, width, pages } => Element::Line { x1, y1, x2, y2, width, pages },
                RawElement::Rect { x, y, w, h, width, pages } => Element::Rect { x, y, w, h, width, pages },
                RawElement::Logo { x, y, size, pages } => Element::Logo { x, y, size, pages },
                RawElement::Qr { x, y, size } => {
                    qr += 1;
                    if size < 20.0 {
                        return Err(at("size", "a QR needs at least 20 mm so modules stay ≥ 0.4 mm".into()));
                    }
                    Element::Qr { x, y, size }
                }
                RawElement::Table { x, y, header_height, row_height, rows, size, column } => {
                    tables += 1;
                    if !schema.group {
                        return Err(at("type", "a table lists members: only group kinds ([schema] group = true) have one".into()));
                    }
                    if rows == 0 || row_height <= 0.0 || column.is_empty() {
                        return Err(at("rows", "a table needs rows ≥ 1, row_height > 0 and at least one column".into()));
                    }
                    let columns = column
                        .into_iter()
                        .map(|c| {
                            Ok(TableColumn {
                                text: compile_text(&c.text, &member_fields).map_err(|e| at("column.text", e.0))?,
                                title: c.title,
                                title_en: c.title_en,
                                width: c.width,
                                align: c.align,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?;
                    Element::Table(Table { x, y, header_height, row_height, rows, size, columns })
                }
            });
        }
        if qr != 1 {
            return Err(Error::config(path, format!("a template needs exactly one `qr` element (drawn on every page), found {qr}")));
        }
        if tables > 1 {
            return Err(Error::config(path, "a template has at most one `table` element"));
        }
        // Every signed value the page prints must be comparable with the
        // record, or the verifier would silently stop comparing it.
        let (fixed, unreadable) = signed::analyse(&schema, &fields, &record);
        if let Some((n, why)) = signed::check_elements(&fields, &fixed, &unreadable, &elements) {
            return Err(Error::config(
                path,
                format!("element at line {}: field `text`: the page check could not compare this text with the signed record: {why}", element_line(text, n)),
            ));
        }
        Ok(Template {
            path: path.to_path_buf(),
            kind: raw.kind,
            title: raw.title,
            width_mm: raw.page.width_mm,
            height_mm: raw.page.height_mm,
            schema,
            number: raw.number,
            record,
            elements,
            fields,
            signed: fixed,
        })
    }

    /// The member table, if the template has one.
    pub fn table(&self) -> Option<&Table> {
        self.elements.iter().find_map(|e| match e {
            Element::Table(t) => Some(t),
            _ => None,
        })
    }

    /// Pages a document with `members` member rows takes.
    pub fn pages_for(&self, members: usize) -> usize {
        match self.table() {
            Some(t) => members.div_ceil(t.rows).max(1),
            None => 1,
        }
    }

    /// The index of field `name` in the document's values.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }

    /// The index of derived value `d` among [`Template::fields`]: after
    /// the input columns, in [`crate::kind::derived::Derived::ALL`]'s order.
    pub fn derived(&self, d: crate::kind::derived::Derived) -> usize {
        self.schema.columns.len() + d.position()
    }
}

fn compile_record(
    r: RecordSpec,
    schema: &Schema,
    fields: &[String],
    member_fields: &[String],
    text: &str,
    path: &Path,
) -> Result<Record> {
    let c = |name: &str, t: &str, within: &[String]| {
        compile_text(t, within).map_err(|m| {
            Error::config(path, format!("line {}: field `record.{name}`: {m}", line_in(text, "[record]", &format!("{name} ="))))
        })
    };
    if !(1..=255).contains(&r.code) {
        return Err(Error::config(path, "field `record.code`: 1–255"));
    }
    let mut keys = std::collections::BTreeSet::new();
    let mut extra = Vec::new();
    for e in &r.extra {
        if e.key < 11 || !keys.insert(e.key) {
            return Err(Error::config(path, format!("field `record.extra.key`: {} must be 11 or more and used once", e.key)));
        }
        extra.push((e.key, c("extra", &e.text, fields)?, e.int));
    }
    let member_nik = match &r.member_nik {
        Some(t) if schema.group => Some(c("member_nik", t, member_fields)?),
        None if !schema.group => None,
        _ => return Err(Error::config(path, "field `record.member_nik`: required for group kinds, and only for them")),
    };
    Ok(Record {
        code: r.code,
        nik: c("nik", &r.nik, fields)?,
        name: c("name", &r.name, fields)?,
        birth_date: r.birth_date.as_deref().map(|t| c("birth_date", t, fields)).transpose()?,
        birth_place: r.birth_place.as_deref().map(|t| c("birth_place", t, fields)).transpose()?,
        expiry_days: r.expiry_days,
        member_nik,
        members: r.members,
        member_digest: r.member_digest,
        extra,
    })
}

/// The templates of one run, by kind: the embedded ones, replaced by a
/// region's overrides or files given on the command line.
#[derive(Debug, Clone)]
pub struct Templates(pub BTreeMap<String, Template>);

impl Templates {
    /// The six embedded templates.
    pub fn embedded() -> Templates {
        Templates(EMBEDDED.iter().filter_map(|(k, _)| Template::embedded(k.name()).map(|t| (k.name().to_string(), t))).collect())
    }

    /// Replace `kind`'s template by the file at `path`.
    pub fn set(&mut self, kind: &str, path: &Path) -> Result<()> {
        let t = Template::load(path, kind)?;
        self.0.insert(kind.to_string(), t);
        Ok(())
    }

    /// The template of `kind`.
    pub fn get(&self, kind: &str) -> Option<&Template> {
        self.0.get(kind)
    }

    /// The kind whose schema a header fits: every required column present,
    /// and more of its columns than any other kind. `None` if no kind fits
    /// or two fit equally well.
    pub fn kind_of_header(&self, header: &[String]) -> std::result::Result<&Template, HeaderError> {
        let mut best: Vec<(usize, &Template)> = Vec::new();
        for t in self.0.values() {
            if t.schema.required().all(|c| header.iter().any(|h| h == c)) {
                let hits = t.schema.names().filter(|c| header.iter().any(|h| h == c)).count();
                best.push((hits, t));
            }
        }
        best.sort_by_key(|b| std::cmp::Reverse(b.0));
        match best.as_slice() {
            [] => {
                let closest = self
                    .0
                    .values()
                    .map(|t| {
                        let missing: Vec<&str> = t.schema.required().filter(|c| !header.iter().any(|h| h == c)).collect();
                        (missing.len(), t.kind.clone(), missing.join(", "))
                    })
                    .min();
                let hint = if header.len() == 1 && header[0].contains(';') {
                    " (the file seems to use ';' as separator; terbit reads comma-separated files)"
                } else {
                    ""
                };
                Err(HeaderError(match closest {
                    Some((_, kind, missing)) => format!(
                        "the header fits no document kind; for the closest, {kind}, it is missing required column(s): {missing}; \
                         the header has: {}{hint}",
                        crate::error::clip_list(header, 8)
                    ),
                    None => "no templates loaded".into(),
                }))
            }
            [(a, t), (b, u), ..] if a == b => Err(HeaderError(format!("the header fits both {} and {}: give --kind", t.kind, u.kind))),
            [(_, t), ..] => Ok(t),
        }
    }
}

#[cfg(test)]
mod tests;
