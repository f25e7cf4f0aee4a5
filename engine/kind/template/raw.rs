//! A template file as written (TOML), before its texts are compiled
//! against the schema's fields; and how its errors find their line.

use serde::Deserialize;

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplate {
    pub(super) kind: String,
    pub(super) title: String,
    pub(super) page: RawPage,
    pub(super) schema: RawSchema,
    pub(super) number: NumberSpec,
    pub(super) record: RecordSpec,
    pub(super) element: Vec<RawElement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPage {
    pub(super) width_mm: f32,
    pub(super) height_mm: f32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColumn {
    pub(super) title: String,
    pub(super) title_en: Option<String>,
    pub(super) width: f32,
    #[serde(default)]
    pub(super) align: Align,
    pub(super) text: String,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub(super) enum RawElement {
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
        #[serde(default)]
        pages: Pages,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        #[serde(default = "default_width")]
        width: f32,
        #[serde(default)]
        pages: Pages,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        #[serde(default = "default_width")]
        width: f32,
        #[serde(default)]
        pages: Pages,
    },
    Qr {
        x: f32,
        y: f32,
        size: f32,
    },
    Logo {
        x: f32,
        y: f32,
        size: f32,
        #[serde(default)]
        pages: Pages,
    },
    Table {
        x: f32,
        y: f32,
        #[serde(default = "default_header_height")]
        header_height: f32,
        row_height: f32,
        rows: usize,
        #[serde(default = "default_table_size")]
        size: f32,
        column: Vec<RawColumn>,
    },
}

pub(super) fn default_size() -> f32 {
    10.0
}
pub(super) fn default_table_size() -> f32 {
    7.0
}
pub(super) fn default_header_height() -> f32 {
    9.0
}
pub(super) fn default_font() -> Font {
    Font::Regular
}
pub(super) fn default_width() -> f32 {
    0.5
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Line of the `n`th `[[element]]` table (0-based), for error messages.
pub(super) fn element_line(text: &str, n: usize) -> usize {
    text.match_indices("[[element]]").nth(n).map(|(at, _)| line_of(text, at)).unwrap_or(0)
}

/// Line of the first occurrence of `needle` after `[section]`, for errors
/// in the schema and record sections.
pub(super) fn line_in(text: &str, section: &str, needle: &str) -> usize {
    let from = text.find(section).unwrap_or(0);
    text[from..].find(needle).map(|at| line_of(text, from + at)).unwrap_or_else(|| line_of(text, from))
}
