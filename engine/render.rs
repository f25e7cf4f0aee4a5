//! Render stage: one document's values + its QR matrix → PDF bytes.
//!
//! printpdf builds the page; we then take its lopdf document and finish it
//! ourselves, because printpdf's own save path is slow and not
//! reproducible: it compresses at zlib level 9 on every save, names the
//! file with a process-wide counter and dates it 1970. Here streams are
//! deflated at a fast level, `/ID` is derived from the document's content
//! and dates come from the issue date, so the same inputs always give the
//! same bytes. The QR is a pre-packed 1-bit image XObject (far cheaper than
//! drawing each module as a rectangle, and what `verify` reads back).

use chrono::{Datelike, NaiveDate};
use flate2::{Compress, Compression, FlushCompress, Status};
use lopdf::{Object, StringFormat};
use printpdf::{
    BuiltinFont, CurTransMat, DictItem, ExternalStream, ExternalXObject, Line, LinePoint, Mm, Op, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Px, TextItem, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::qr::Matrix;
use crate::template::{Align, Element, Font, Part, Template};

/// Name of the QR image resource in every document.
pub const QR_XOBJECT: &str = "QR";
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Helvetica and Helvetica-Bold advance widths (1/1000 em) for ASCII 32–126,
/// from the Adobe Core 14 AFM files; used to centre and fit text.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722,
    611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556,
    611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778,
    556, 556, 500, 389, 280, 389, 584,
];

/// Width of `s` in millimetres at `size` points.
pub fn text_width_mm(s: &str, font: Font, size: f32) -> f32 {
    let table = if font == Font::Bold { &HELVETICA_BOLD } else { &HELVETICA };
    let units: u32 = s
        .chars()
        .map(|c| match c as u32 {
            32..=126 => table[(c as u32 - 32) as usize] as u32,
            _ => 556,
        })
        .sum();
    units as f32 / 1000.0 * size / PT_PER_MM
}

fn builtin(font: Font) -> BuiltinFont {
    match font {
        Font::Regular => BuiltinFont::Helvetica,
        Font::Bold => BuiltinFont::HelveticaBold,
        Font::Italic => BuiltinFont::HelveticaOblique,
    }
}

thread_local! {
    /// One zlib state per worker thread, reset per stream. A fresh encoder
    /// per stream allocates ~256 KiB that glibc hands back to the kernel
    /// each time, and the page faults cost more than the compression.
    static DEFLATE: std::cell::RefCell<Compress> = std::cell::RefCell::new(Compress::new(Compression::new(6), true));
}

/// zlib-wrapped deflate (PDF `/FlateDecode`) at level 6: level 9, printpdf's
/// default, costs far more time for a few bytes on pages this small.
pub fn deflate(data: &[u8]) -> std::result::Result<Vec<u8>, String> {
    DEFLATE.with(|cell| {
        let mut z = cell.borrow_mut();
        z.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 128);
        loop {
            let consumed = z.total_in() as usize;
            let status = z
                .compress_vec(&data[consumed.min(data.len())..], &mut out, FlushCompress::Finish)
                .map_err(|e| e.to_string())?;
            match status {
                Status::StreamEnd => return Ok(out),
                _ => out.reserve(out.capacity().max(256)),
            }
        }
    })
}

/// A template prepared for a run: rendering many documents reuses it.
pub struct Renderer {
    template: Template,
}

/// Everything about one document that the renderer needs.
pub struct Document<'a> {
    /// Values in the order of the template's field list.
    pub values: &'a [String],
    pub number: &'a str,
    pub qr: &'a Matrix,
    pub issue_date: NaiveDate,
}

impl Renderer {
    pub fn new(template: Template) -> Renderer {
        Renderer { template }
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    fn ops(&self, doc: &Document) -> Vec<Op> {
        let h = self.template.height_mm;
        let pt = |x: f32, y: f32| Point { x: Pt(x * PT_PER_MM), y: Pt((h - y) * PT_PER_MM) };
        let mut ops = Vec::with_capacity(self.template.elements.len() * 5);
        for e in &self.template.elements {
            match e {
                Element::Text { x, y, size, font, align, max_width, parts } => {
                    let mut s = String::new();
                    for p in parts {
                        match p {
                            Part::Lit(l) => s.push_str(l),
                            Part::Field { index, format } => {
                                s.push_str(&format.apply(doc.values.get(*index).map(String::as_str).unwrap_or("")))
                            }
                        }
                    }
                    let mut size = *size;
                    let mut w = text_width_mm(&s, *font, size);
                    // Long names shrink to fit their box (down to 60%) rather than overflow.
                    if let Some(max) = max_width {
                        if w > *max {
                            size = (size * max / w).max(size * 0.6);
                            w = text_width_mm(&s, *font, size);
                        }
                    }
                    let x0 = match align {
                        Align::Left => *x,
                        Align::Center => x - w / 2.0,
                        Align::Right => x - w,
                    };
                    ops.push(Op::StartTextSection);
                    ops.push(Op::SetFont { font: PdfFontHandle::Builtin(builtin(*font)), size: Pt(size) });
                    ops.push(Op::SetTextCursor { pos: pt(x0, *y) });
                    ops.push(Op::ShowText { items: vec![TextItem::Text(s)] });
                    ops.push(Op::EndTextSection);
                }
                Element::Line { x1, y1, x2, y2, width } => {
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: vec![LinePoint { p: pt(*x1, *y1), bezier: false }, LinePoint { p: pt(*x2, *y2), bezier: false }],
                            is_closed: false,
                        },
                    });
                }
                Element::Rect { x, y, w, h: rh, width } => {
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    let corners = [(*x, *y), (x + w, *y), (x + w, y + rh), (*x, y + rh)];
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: corners.iter().map(|(a, b)| LinePoint { p: pt(*a, *b), bezier: false }).collect(),
                            is_closed: true,
                        },
                    });
                }
                Element::Qr { x, y, size } => {
                    let s = size * PT_PER_MM;
                    let bottom = (h - y - size) * PT_PER_MM;
                    ops.push(Op::SaveGraphicsState);
                    ops.push(Op::SetTransformationMatrix { matrix: CurTransMat::Raw([s, 0.0, 0.0, s, x * PT_PER_MM, bottom]) });
                    ops.push(Op::UseXobject {
                        id: XObjectId(QR_XOBJECT.into()),
                        transform: XObjectTransform { no_auto_scale: true, ..Default::default() },
                    });
                    ops.push(Op::RestoreGraphicsState);
                }
            }
        }
        ops
    }

    /// Render one document to PDF bytes. Pure: same inputs, same bytes.
    pub fn render(&self, doc: &Document) -> Result<Vec<u8>> {
        let err = |m: String| Error::Render { document: doc.number.to_string(), message: m };
        let mut pdf = PdfDocument::new(&format!("{} {}", self.template.title, doc.number));
        let date = printpdf::DateTime {
            date: printpdf::Date { year: doc.issue_date.year(), month: doc.issue_date.month() as u8, day: doc.issue_date.day() as u8 },
            time: printpdf::Time { hour: 0, minute: 0, second: 0, millisecond: 0 },
            offset: printpdf::Offset { hours: 0, minutes: 0, seconds: 0, milliseconds: 0 },
        };
        pdf.metadata.info.creation_date = date;
        pdf.metadata.info.modification_date = date;
        pdf.metadata.info.metadata_date = date;
        pdf.metadata.info.creator = "terbit".into();
        pdf.metadata.info.producer = "terbit (printpdf)".into();
        pdf.metadata.info.identifier = doc.number.into();
        let n = doc.qr.size;
        let mut dict = std::collections::BTreeMap::new();
        dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
        dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
        dict.insert("Width".to_string(), DictItem::Int(n as i64));
        dict.insert("Height".to_string(), DictItem::Int(n as i64));
        dict.insert("ColorSpace".to_string(), DictItem::Name(b"DeviceGray".to_vec()));
        dict.insert("BitsPerComponent".to_string(), DictItem::Int(1));
        // Modules must stay crisp when the page is scaled for print or screen.
        dict.insert("Interpolate".to_string(), DictItem::Bool(false));
        pdf.resources.xobjects.map.insert(
            XObjectId(QR_XOBJECT.into()),
            XObject::External(ExternalXObject {
                stream: ExternalStream { dict, content: doc.qr.pack_1bit(), compress: true },
                width: Some(Px(n)),
                height: Some(Px(n)),
                dpi: None,
            }),
        );
        pdf.pages = vec![PdfPage::new(Mm(self.template.width_mm), Mm(self.template.height_mm), self.ops(doc))];
        let opts = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
        let mut warnings = Vec::new();
        let mut lo = printpdf::serialize::to_lopdf_doc(&pdf, &opts, &mut warnings);
        let mut id_hash = Sha256::new();
        for obj in lo.objects.values_mut() {
            if let Object::Stream(stream) = obj {
                if stream.dict.has(b"Filter") {
                    continue;
                }
                let packed = deflate(&stream.content).map_err(err)?;
                id_hash.update(&stream.content);
                stream.set_content(packed);
                stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            }
        }
        // The file identifier is a digest of the content, so a re-run gives
        // the same bytes and two documents never share an /ID.
        id_hash.update(doc.number.as_bytes());
        let id = id_hash.finalize()[..16].to_vec();
        lo.trailer.set(
            "ID",
            Object::Array(vec![Object::String(id.clone(), StringFormat::Hexadecimal), Object::String(id, StringFormat::Hexadecimal)]),
        );
        let mut out = Vec::with_capacity(8 * 1024);
        lo.save_to(&mut out).map_err(|e| err(e.to_string()))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::BIRTH_FIELDS;

    fn values() -> Vec<String> {
        BIRTH_FIELDS.iter().map(|f| format!("{f} value")).collect()
    }

    #[test]
    fn deterministic_and_well_formed() {
        let r = Renderer::new(Template::birth_default());
        let qr = crate::qr::encode("DK1:TEST 123").unwrap();
        let v = values();
        let d = Document { values: &v, number: "3506-LU-23062021-0001", qr: &qr, issue_date: NaiveDate::from_ymd_opt(2021, 6, 23).unwrap() };
        let a = r.render(&d).unwrap();
        let b = r.render(&d).unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&a);
        assert!(text.contains("D:20210623"), "creation date from the issue date");
        let doc = lopdf::Document::load_mem(&a).unwrap();
        assert_eq!(doc.get_pages().len(), 1);
        let other = Document { number: "3506-LU-23062021-0002", ..d };
        assert_ne!(r.render(&other).unwrap(), a);
    }

    #[test]
    fn deflate_round_trips() {
        use std::io::Read;
        for data in [Vec::new(), b"BT /F1 12 Tf ET".repeat(1000), (0..70_000u32).map(|i| (i * 7919 % 251) as u8).collect()] {
            let packed = deflate(&data).unwrap();
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(&packed[..]).read_to_end(&mut back).unwrap();
            assert_eq!(back, data);
        }
    }

    #[test]
    fn widths() {
        assert!((text_width_mm("A", Font::Regular, 72.0) - 0.667 * 25.4).abs() < 0.01);
        assert!(text_width_mm("MMM", Font::Bold, 10.0) > text_width_mm("iii", Font::Bold, 10.0));
    }
}
