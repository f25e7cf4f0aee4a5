//! Templates: a document's layout as data (TOML in `templates/`), compiled
//! once per run into a list of drawing elements with their field bindings
//! resolved to indexes. A template that names a field the kind does not
//! have is refused when it is loaded — never halfway through a run.
//!
//! Text elements hold literal text with `{field}` or `{field|format}`
//! placeholders. Coordinates are millimetres from the page's top-left
//! corner, as a designer measures a paper form.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::words;

/// The embedded birth-certificate template (so the defaults need no files).
pub const BIRTH_TOML: &str = include_str!("../templates/birth.toml");

/// Values a birth template may use: the input columns, then values the
/// engine derives. [`crate::render`] fills them in this order.
pub const BIRTH_FIELDS: &[&str] = &[
    "application_id", "service_point", "child_name", "child_nik", "sex", "birth_date", "birth_place",
    "birth_order", "village_code", "mother_name", "mother_nik", "father_name", "father_nik",
    // derived
    "document_number", "issue_date", "region_name", "province", "place_of_issue", "office",
    "official_title", "official_name", "official_nip", "service_point_name", "village_name",
    "district_name", "kid",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Font {
    #[serde(rename = "Helvetica")]
    Regular,
    #[serde(rename = "Helvetica-Bold")]
    Bold,
    #[serde(rename = "Helvetica-Oblique")]
    Italic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Plain,
    Upper,
    DateLong,
    DateWords,
    Group4,
    Sex,
    Ordinal,
}

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

    pub fn apply(self, v: &str) -> String {
        let date = || NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
        match self {
            Format::Plain => v.to_string(),
            Format::Upper => v.to_uppercase(),
            Format::DateLong => date().map(words::date_long).unwrap_or_else(|| v.to_string()),
            Format::DateWords => date().map(words::date_words).unwrap_or_else(|| v.to_string()),
            Format::Group4 => words::group_digits(v),
            Format::Sex => match v {
                "L" => "LAKI-LAKI".into(),
                "P" => "PEREMPUAN".into(),
                _ => v.to_string(),
            },
            Format::Ordinal => match v.parse::<u64>() {
                Ok(1) => "PERTAMA".into(),
                Ok(n) => format!("KE{}", words::number(n).to_uppercase()),
                Err(_) => v.to_string(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Field { index: usize, format: Format },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    Text { x: f32, y: f32, size: f32, font: Font, align: Align, max_width: Option<f32>, parts: Vec<Part> },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32 },
    Rect { x: f32, y: f32, w: f32, h: f32, width: f32 },
    Qr { x: f32, y: f32, size: f32 },
}

#[derive(Debug, Clone)]
pub struct Template {
    pub path: PathBuf,
    pub title: String,
    pub width_mm: f32,
    pub height_mm: f32,
    pub elements: Vec<Element>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    kind: String,
    title: String,
    page: RawPage,
    element: Vec<RawElement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    width_mm: f32,
    height_mm: f32,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum RawElement {
    Text {
        x: f32,
        y: f32,
        #[serde(default = "default_size")]
        size: f32,
        #[serde(default = "default_font")]
        font: Font,
        #[serde(default)]
        align: Align,
        max_width: Option<f32>,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        #[serde(default = "default_width")]
        width: f32,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        #[serde(default = "default_width")]
        width: f32,
    },
    Qr {
        x: f32,
        y: f32,
        size: f32,
    },
}

fn default_size() -> f32 {
    10.0
}
fn default_font() -> Font {
    Font::Regular
}
fn default_width() -> f32 {
    0.5
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Line of the `n`th `[[element]]` table (0-based), for error messages.
fn element_line(text: &str, n: usize) -> usize {
    text.match_indices("[[element]]").nth(n).map(|(at, _)| line_of(text, at)).unwrap_or(0)
}

/// Split "Kediri, {issue_date|date_long}" into literal and field parts.
fn compile_text(s: &str, fields: &[&str]) -> std::result::Result<Vec<Part>, String> {
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
            .position(|f| *f == name)
            .ok_or_else(|| format!("unknown field `{name}`; this kind has: {}", fields.join(", ")))?;
        let format = match fmt {
            None => Format::Plain,
            Some(f) => Format::parse(f).ok_or_else(|| {
                format!("unknown format `{f}`; formats: upper, date_long, date_words, group4, sex, ordinal")
            })?,
        };
        parts.push(Part::Field { index, format });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_string()));
    }
    Ok(parts)
}

impl Template {
    pub fn birth_default() -> Template {
        // Tested below; a failure would be a packaging defect.
        Template::parse(BIRTH_TOML, Path::new("<embedded templates/birth.toml>"), "birth", BIRTH_FIELDS)
            .expect("embedded birth template is valid")
    }

    pub fn load(path: &Path, kind: &str, fields: &[&str]) -> Result<Template> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Template::parse(&text, path, kind, fields)
    }

    pub fn parse(text: &str, path: &Path, kind: &str, fields: &[&str]) -> Result<Template> {
        let raw: RawTemplate = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| format!("line {}: ", line_of(text, s.start))).unwrap_or_default();
            Error::config(path, format!("{line}{}", e.message()))
        })?;
        if raw.kind != kind {
            return Err(Error::config(path, format!("field `kind`: template is for {:?}, expected {kind:?}", raw.kind)));
        }
        if !(50.0..=1000.0).contains(&raw.page.width_mm) || !(50.0..=1000.0).contains(&raw.page.height_mm) {
            return Err(Error::config(path, "field `page`: width_mm and height_mm must be 50–1000"));
        }
        let mut elements = Vec::with_capacity(raw.element.len());
        let mut qr = 0;
        for (n, e) in raw.element.into_iter().enumerate() {
            elements.push(match e {
                RawElement::Text { x, y, size, font, align, max_width, text: t } => {
                    let parts = compile_text(&t, fields).map_err(|m| {
                        Error::config(path, format!("element at line {}: field `text`: {m}", element_line(text, n)))
                    })?;
                    Element::Text { x, y, size, font, align, max_width, parts }
                }
                RawElement::Line { x1, y1, x2, y2, width } => Element::Line { x1, y1, x2, y2, width },
                RawElement::Rect { x, y, w, h, width } => Element::Rect { x, y, w, h, width },
                RawElement::Qr { x, y, size } => {
                    qr += 1;
                    if size < 20.0 {
                        return Err(Error::config(
                            path,
                            format!("element at line {}: field `size`: a QR needs at least 20 mm so modules stay ≥ 0.4 mm", element_line(text, n)),
                        ));
                    }
                    Element::Qr { x, y, size }
                }
            });
        }
        if qr != 1 {
            return Err(Error::config(path, format!("a template needs exactly one `qr` element, found {qr}")));
        }
        Ok(Template { path: path.to_path_buf(), title: raw.title, width_mm: raw.page.width_mm, height_mm: raw.page.height_mm, elements })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_template_compiles() {
        let t = Template::birth_default();
        assert!(t.elements.iter().any(|e| matches!(e, Element::Qr { .. })));
        assert_eq!(t.width_mm, 210.0);
    }

    #[test]
    fn unknown_field_is_refused_with_its_line() {
        let bad = BIRTH_TOML.replacen("{child_name", "{chld_name", 1);
        let e = Template::parse(&bad, Path::new("b.toml"), "birth", BIRTH_FIELDS).unwrap_err().to_string();
        assert!(e.contains("b.toml") && e.contains("line ") && e.contains("chld_name"), "{e}");
        let bad = BIRTH_TOML.replacen("type = \"qr\"", "type = \"qrr\"", 1);
        let e = Template::parse(&bad, Path::new("b.toml"), "birth", BIRTH_FIELDS).unwrap_err().to_string();
        assert!(e.contains("line "), "{e}");
    }

    #[test]
    fn formats() {
        assert_eq!(Format::DateWords.apply("2021-06-23"), "dua puluh tiga Juni dua ribu dua puluh satu");
        assert_eq!(Format::Ordinal.apply("1"), "PERTAMA");
        assert_eq!(Format::Ordinal.apply("3"), "KETIGA");
        assert_eq!(Format::Sex.apply("P"), "PEREMPUAN");
        assert_eq!(
            compile_text("a {x|upper} b", &["x"]).unwrap(),
            vec![Part::Lit("a ".into()), Part::Field { index: 0, format: Format::Upper }, Part::Lit(" b".into())]
        );
    }
}
