//! Content-stream text written directly: a document's own values.
//!
//! A certificate's own part is some twenty lines of text in the base-14
//! fonts: `BT /F5 10 Tf x y Td (text) Tj ET` each. printpdf builds those
//! operators as a list of objects and serializes them through lopdf, which
//! costs more than everything else the render does per document
//! (bench/RESULTS.md). They are written here byte by byte instead, exactly
//! as printpdf would draw them — same operators, same font resources, same
//! WinAnsi bytes; a test compares the two operator by operator. Everything
//! else of the page (the template's fixed drawing, text needing the
//! embedded font, the document structure) is still made by printpdf.

use std::io::Write;

/// The single WinAnsi (PDF 32000-1 Annex D.2) byte for `c`, or `None` if
/// the base-14 fonts cannot show it. The same table as printpdf's.
pub fn win_ansi_byte(c: char) -> Option<u8> {
    if let cp @ (0x20..=0x7E | 0xA0..=0xFF) = c as u32 {
        return Some(cp as u8);
    }
    Some(match c {
        '\u{20AC}' => 0x80,
        '\u{201A}' => 0x82,
        '\u{0192}' => 0x83,
        '\u{201E}' => 0x84,
        '\u{2026}' => 0x85,
        '\u{2020}' => 0x86,
        '\u{2021}' => 0x87,
        '\u{02C6}' => 0x88,
        '\u{2030}' => 0x89,
        '\u{0160}' => 0x8A,
        '\u{2039}' => 0x8B,
        '\u{0152}' => 0x8C,
        '\u{017D}' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '\u{2022}' => 0x95,
        '\u{2013}' => 0x96,
        '\u{2014}' => 0x97,
        '\u{02DC}' => 0x98,
        '\u{2122}' => 0x99,
        '\u{0161}' => 0x9A,
        '\u{203A}' => 0x9B,
        '\u{0153}' => 0x9C,
        '\u{017E}' => 0x9E,
        '\u{0178}' => 0x9F,
        _ => return None,
    })
}

/// A number as PDF content syntax: at most three decimals (a thousandth of
/// a point), no exponent, no trailing zeros.
pub fn number(out: &mut Vec<u8>, v: f32) {
    if !v.is_finite() {
        out.push(b'0');
        return;
    }
    if v.abs() >= 1e9 {
        // Off any page; written whole rather than overflowing the integer.
        let _ = write!(out, "{}", v.round());
        return;
    }
    let milli = (f64::from(v) * 1000.0).round() as i64;
    if milli < 0 {
        out.push(b'-');
    }
    let m = milli.unsigned_abs();
    let _ = write!(out, "{}", m / 1000);
    let mut frac = m % 1000;
    if frac != 0 {
        out.push(b'.');
        let mut div = 100;
        while frac != 0 {
            out.push(b'0' + (frac / div) as u8);
            frac %= div;
            div /= 10;
        }
    }
}

/// Show `text` (every character WinAnsi: the caller checks with
/// [`win_ansi_byte`]) in the font named `font` in the page's resources,
/// at `size` points, starting at (`x`, `y`) in points.
pub fn show_text(out: &mut Vec<u8>, font: &str, size: f32, x: f32, y: f32, text: &str) {
    out.extend_from_slice(b"BT\n/");
    out.extend_from_slice(font.as_bytes());
    out.push(b' ');
    number(out, size);
    out.extend_from_slice(b" Tf\n");
    number(out, x);
    out.push(b' ');
    number(out, y);
    out.extend_from_slice(b" Td\n(");
    for c in text.chars() {
        let b = win_ansi_byte(c).unwrap_or(b'?');
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            _ => out.push(b),
        }
    }
    out.extend_from_slice(b") Tj\nET\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::content::Content;
    use lopdf::Object;
    use printpdf::{BuiltinFont, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem, Mm};

    fn numbers(v: f32) -> String {
        let mut out = Vec::new();
        number(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(numbers(10.0), "10");
        assert_eq!(numbers(9.454549), "9.455");
        assert_eq!(numbers(586.77167), "586.772");
        assert_eq!(numbers(0.05), "0.05");
        assert_eq!(numbers(-3.5), "-3.5");
        assert_eq!(numbers(-0.0001), "0");
        assert_eq!(numbers(1e30), format!("{}", 1e30f32));
        assert_eq!(numbers(-2.5e9), "-2500000000");
        assert_eq!(numbers(f32::NAN), "0");
    }

    /// The operators of a content stream, numbers rounded to a thousandth.
    fn operations(content: &[u8]) -> Vec<(String, Vec<String>)> {
        let ops = Content::decode(content).unwrap().operations;
        ops.into_iter()
            .map(|op| {
                let args = op
                    .operands
                    .iter()
                    .map(|o| match o {
                        Object::Integer(i) => format!("{:.3}", *i as f64),
                        Object::Real(r) => format!("{:.3}", *r as f64),
                        Object::Name(n) => format!("/{}", String::from_utf8_lossy(n)),
                        Object::String(s, _) => format!("{s:?}"),
                        other => format!("{other:?}"),
                    })
                    .collect();
                (op.operator, args)
            })
            .collect()
    }

    #[test]
    fn text_is_drawn_as_printpdf_draws_it() {
        let texts = [
            (BuiltinFont::Helvetica, 10.0, 70.86614, 586.77167, "NIK"),
            (BuiltinFont::HelveticaBold, 12.0, 260.7874, 557.0079, ": MAHARANI (WULAN) HARTONO \\ 2"),
            (BuiltinFont::HelveticaOblique, 9.454549, 1.0, 0.5, "Łódź? no: Zoë, ‘quoted’ – 5 €"),
        ];
        let mut ops = Vec::new();
        let mut ours = Vec::new();
        for (font, size, x, y, text) in texts {
            let text: String = text.chars().filter(|c| win_ansi_byte(*c).is_some()).collect();
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont { font: PdfFontHandle::Builtin(font), size: Pt(size) });
            ops.push(Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(y) } });
            ops.push(Op::ShowText { items: vec![TextItem::Text(text.clone())] });
            ops.push(Op::EndTextSection);
            show_text(&mut ours, font.get_pdf_id(), size, x, y, &text);
        }
        let mut pdf = PdfDocument::new("t");
        pdf.pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
        let opts = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
        let lo = printpdf::serialize::to_lopdf_doc(&pdf, &opts, &mut Vec::new());
        let page = lo.get_pages().into_values().next().unwrap();
        let theirs = lo.get_page_content(page);
        assert_eq!(operations(&ours), operations(&theirs));
        assert_eq!(operations(&ours).len(), 15);
    }
}
