//! A page being drawn, in template millimetres: printpdf operations for
//! the fixed drawing and for text in the embedded font, base-14 text as
//! content-stream bytes written directly.

use printpdf::*;

use crate::kind::template::{Align, Font, Table};

use super::contents;
use super::fonts::{builtin, fallback, FALLBACK_BOLD, FALLBACK_REGULAR};
use super::fonts::PT_PER_MM;
use super::geometry::{place_text, table_cell};

/// Page-level drawing helpers, in template millimetres.
pub(super) struct Canvas {
    pub(super) height_mm: f32,
    /// printpdf operations: the fixed drawing, and text needing the
    /// embedded font.
    pub(super) ops: Vec<Op>,
    /// When drawing a document's values: its base-14 text, written
    /// directly as content-stream bytes ([`contents`]).
    pub(super) direct: Option<Vec<u8>>,
    /// Characters shown in the fallback font, regular and bold (a subset
    /// of it is then embedded).
    pub(super) fallback_chars: [std::collections::BTreeSet<char>; 2],
}

impl Canvas {
    pub(super) fn pt(&self, x: f32, y: f32) -> Point {
        Point { x: Pt(x * PT_PER_MM), y: Pt((self.height_mm - y) * PT_PER_MM) }
    }

    #[allow(clippy::too_many_arguments)] // a template text's own fields, as place_text takes them
    pub(super) fn text(&mut self, s: String, x: f32, y: f32, size: f32, font: Font, align: Align, max_width: Option<f32>, min_scale: f32) {
        if s.is_empty() {
            return;
        }
        let placed = place_text(&s, x, size, font, align, max_width, min_scale);
        let (size, x0) = (placed.size, placed.x_mm);
        let fb = placed.fallback.then(|| fallback().map(|f| if font == Font::Bold { (&f.bold, FALLBACK_BOLD) } else { (&f.regular, FALLBACK_REGULAR) })).flatten();
        let pos = self.pt(x0, y);
        if let (None, Some(out)) = (fb, self.direct.as_mut()) {
            contents::show_text(out, builtin(font).get_pdf_id(), size, pos.x.0, pos.y.0, &s);
            return;
        }
        let handle = match fb {
            Some((_, id)) => {
                self.fallback_chars[usize::from(id == FALLBACK_BOLD)].extend(s.chars());
                PdfFontHandle::External(FontId(id.to_string()))
            }
            None => PdfFontHandle::Builtin(builtin(font)),
        };
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFont { font: handle, size: Pt(size) });
        self.ops.push(Op::SetTextCursor { pos });
        self.ops.push(Op::ShowText { items: vec![TextItem::Text(s)] });
        self.ops.push(Op::EndTextSection);
    }

    pub(super) fn line(&mut self, points: &[(f32, f32)], closed: bool, width: f32) {
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        let points = points.iter().map(|(a, b)| LinePoint { p: self.pt(*a, *b), bezier: false }).collect();
        self.ops.push(Op::DrawLine { line: Line { points, is_closed: closed } });
    }

    pub(super) fn image(&mut self, id: &str, x: f32, y: f32, w: f32, h: f32) {
        let bottom = (self.height_mm - y - h) * PT_PER_MM;
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetTransformationMatrix {
            matrix: CurTransMat::Raw([w * PT_PER_MM, 0.0, 0.0, h * PT_PER_MM, x * PT_PER_MM, bottom]),
        });
        self.ops.push(Op::UseXobject { id: XObjectId(id.into()), transform: XObjectTransform { no_auto_scale: true, ..Default::default() } });
        self.ops.push(Op::RestoreGraphicsState);
    }

    /// A member table's lines and column titles (blank rows included, as
    /// the printed forms have them): the same on every page.
    pub(super) fn table_grid(&mut self, t: &Table) {
        let width: f32 = t.columns.iter().map(|c| c.width).sum();
        let height = t.header_height + t.row_height * t.rows as f32;
        self.line(&[(t.x, t.y), (t.x + width, t.y), (t.x + width, t.y + height), (t.x, t.y + height)], true, 0.6);
        self.line(&[(t.x, t.y + t.header_height), (t.x + width, t.y + t.header_height)], false, 0.6);
        for r in 1..t.rows {
            let y = t.y + t.header_height + t.row_height * r as f32;
            self.line(&[(t.x, y), (t.x + width, y)], false, 0.2);
        }
        let mut x = t.x;
        for (i, c) in t.columns.iter().enumerate() {
            if i > 0 {
                self.line(&[(x, t.y), (x, t.y + height)], false, 0.3);
            }
            let cx = x + c.width / 2.0;
            let fit = Some(c.width - 1.5);
            let title_y = if c.title_en.is_some() { t.y + t.header_height / 2.0 - 0.2 } else { t.y + t.header_height / 2.0 + 1.2 };
            self.text(c.title.clone(), cx, title_y, t.size, Font::Bold, Align::Center, fit, 0.5);
            if let Some(en) = &c.title_en {
                self.text(en.clone(), cx, title_y + t.size * 0.42, t.size * 0.85, Font::Italic, Align::Center, fit, 0.5);
            }
            x += c.width;
        }
    }

    /// One page's slice of the member table's values.
    pub(super) fn table_rows(&mut self, t: &Table, members: &[Vec<String>]) {
        for (i, c) in t.columns.iter().enumerate() {
            for (r, m) in members.iter().enumerate() {
                let cell = table_cell(t, i, r);
                self.text(c.text.fill(m), cell.x, cell.y, t.size, Font::Regular, cell.align, Some(cell.fit), 0.5);
            }
        }
    }
}

