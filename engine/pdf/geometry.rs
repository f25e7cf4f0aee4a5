//! Where text goes on a page: the one computation the renderer draws with
//! and the verifier checks a page against (template millimetres, PDF
//! points).

use crate::kind::template::{Align, Font, Table};

use super::fonts::{fallback, fallback_width_mm, text_width_mm, winansi, PT_PER_MM};



/// Where and how large a template text is drawn: the one computation the
/// renderer draws with and the verifier checks a page against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// Left end of the text, millimetres from the page's left edge.
    pub x_mm: f32,
    /// Font size in points after shrinking to fit `max_width`.
    pub size: f32,
    /// Width in millimetres at that size.
    pub width_mm: f32,
    /// Drawn in the embedded fallback font (text outside WinAnsi).
    pub fallback: bool,
}

/// Place `s` as the canvas draws it: shrink a long value to fit its
/// box (never below `min_scale` of its size), then align it at `x`.
#[allow(clippy::too_many_arguments)]
pub fn place_text(s: &str, x: f32, size: f32, font: Font, align: Align, max_width: Option<f32>, min_scale: f32) -> Placed {
    // Text the base-14 fonts cannot encode would print as "?": the
    // embedded font draws it (and only it, so most pages embed nothing).
    let fb = if s.chars().all(winansi) { None } else { fallback().map(|f| if font == Font::Bold { &f.bold } else { &f.regular }) };
    let width = |size: f32| match fb {
        Some(f) => fallback_width_mm(f, s, size),
        None => text_width_mm(s, font, size),
    };
    let mut size = size;
    let mut w = width(size);
    // Long values shrink to fit their box rather than overflow.
    if let Some(max) = max_width {
        if w > max {
            size = (size * max / w).max(size * min_scale);
            w = width(size);
        }
    }
    let x_mm = match align {
        Align::Left => x,
        Align::Center => x - w / 2.0,
        Align::Right => x - w,
    };
    Placed { x_mm, size, width_mm: w, fallback: fb.is_some() }
}

/// Millimetres to points.
pub fn pt(mm: f32) -> f32 {
    mm * PT_PER_MM
}

/// Where a member table's cell text is anchored (template millimetres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// The anchor for `align`: left end, centre or right end.
    pub x: f32,
    /// Baseline.
    pub y: f32,
    /// Alignment at `x`.
    pub align: Align,
    /// Width the text is shrunk to fit.
    pub fit: f32,
    /// The column's left edge and width.
    pub left: f32,
    /// Column width.
    pub width: f32,
}

/// The cell of column `column`, row `row` (0-based on its page).
pub fn table_cell(t: &Table, column: usize, row: usize) -> Cell {
    let left = t.x + t.columns.iter().take(column).map(|c| c.width).sum::<f32>();
    let c = &t.columns[column.min(t.columns.len().saturating_sub(1))];
    let y = t.y + t.header_height + t.row_height * row as f32 + t.row_height / 2.0 + t.size * 0.17;
    let (x, align) = match c.align {
        Align::Left => (left + 0.8, Align::Left),
        Align::Center => (left + c.width / 2.0, Align::Center),
        Align::Right => (left + c.width - 0.8, Align::Right),
    };
    Cell { x, y, align, fit: c.width - 1.5, left, width: c.width }
}

