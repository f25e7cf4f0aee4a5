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
//!
//! A page is two content streams: the template's fixed drawing for pages
//! of its role (labels, rules, logo, table grid, the QR's placement), made
//! by printpdf and deflated once per run, then the document's own values,
//! whose base-14 text is written directly as content bytes ([`contents`]).
//!
//! Documents of one shape (kind, number of pages, QR size) differ only in
//! their QR image, their pages' own text and their information
//! dictionary: the first of each shape is made whole by printpdf and kept
//! as a [`Skeleton`], the others fill it — the same bytes for about a third
//! of the work (bench/RESULTS.md). A document with text in the embedded
//! fallback font (a name outside WinAnsi) is always made whole.

use chrono::{Datelike, NaiveDate};
use flate2::{Compress, Compression, FlushCompress, Status};
use lopdf::{Object, StringFormat};
use printpdf::{
    BuiltinFont, CurTransMat, DictItem, ExternalStream, ExternalXObject, FontId, Line, LinePoint, Mm, Op, ParsedFont,
    PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Px, TextItem, XObject, XObjectId,
    XObjectTransform,
};

use crate::pdf::contents;
use crate::error::{Error, Result};
use crate::pdf::fragment::{Fragment, Skeleton};
use crate::dk1::qr::Matrix;
use crate::kind::region::Region;
use crate::kind::template::{Align, Element, Font, Table, Template};

/// Name of the QR image resource in every document.
pub const QR_XOBJECT: &str = "QR";
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Helvetica and Helvetica-Bold advance widths (1/1000 em) for ASCII 32–126,
/// from the Adobe Core 14 AFM files; used to centre and fit text.
pub const HELVETICA_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
];
pub const HELVETICA_BOLD_WIDTHS: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722,
    611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556,
    611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778,
    556, 556, 500, 389, 280, 389, 584,
];

/// Width of `s` in millimetres at `size` points.
pub fn text_width_mm(s: &str, font: Font, size: f32) -> f32 {
    let table = if font == Font::Bold { &HELVETICA_BOLD_WIDTHS } else { &HELVETICA_WIDTHS };
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
    static DEFLATE: std::cell::RefCell<Compress> = std::cell::RefCell::new(Compress::new(Compression::fast(), true));
}

/// zlib-wrapped deflate at the best level, for what is compressed once
/// per run (a template's fixed drawing): its bytes are in every document.
fn deflate_best(data: &[u8]) -> std::result::Result<Vec<u8>, String> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 2 + 128), Compression::best());
    z.write_all(data).map_err(|e| e.to_string())?;
    z.finish().map_err(|e| e.to_string())
}

/// Drop what printpdf writes that a reader takes as the default anyway
/// (crop and trim boxes equal to the media box, an empty annotation list,
/// empty resource dictionaries), and put each page's
/// resources and fonts in the page instead of objects of their own (each
/// object costs a header and an xref line). That is ~15% of a
/// certificate's bytes, in every file and every print file: most
/// certificates then fit one 4 KiB block, which is what the filesystem
/// allocates, copies and writes back per file.
fn trim(lo: &mut lopdf::Document) {
    let page_ids: Vec<lopdf::ObjectId> = lo.get_pages().into_values().collect();
    // Objects whose content moved into the pages: nothing else refers to them.
    let mut moved = std::collections::BTreeSet::new();
    for id in page_ids {
        let Ok(mut page) = lo.get_object(id).and_then(Object::as_dict).cloned() else { continue };
        let media = page.get(b"MediaBox").ok().cloned();
        for key in [&b"CropBox"[..], b"TrimBox"] {
            if media.is_some() && page.get(key).ok() == media.as_ref() {
                page.remove(key);
            }
        }
        if page.get(b"Annots").and_then(Object::as_array).is_ok_and(|a| a.is_empty()) {
            page.remove(b"Annots");
        }
        if let Ok(res_id) = page.get(b"Resources").and_then(Object::as_reference) {
            if let Ok(res) = lo.get_object(res_id).and_then(Object::as_dict) {
                let inlined = inline_resources(lo, res, &mut moved);
                page.set("Resources", Object::Dictionary(inlined));
                moved.insert(res_id);
            }
        }
        lo.objects.insert(id, Object::Dictionary(page));
    }
    for id in moved {
        lo.objects.remove(&id);
    }
    compact(lo);
}

/// Number the objects 1..n in their present order, so the cross-reference
/// table has no holes (20 bytes each). lopdf's `prune_objects` +
/// `renumber_objects` did this at ~3× the cost: this document's objects
/// are known and few.
fn compact(lo: &mut lopdf::Document) {
    let ids: Vec<lopdf::ObjectId> = lo.objects.keys().copied().collect();
    if ids.iter().enumerate().all(|(i, id)| id.0 as usize == i + 1 && id.1 == 0) {
        return;
    }
    let map: std::collections::BTreeMap<lopdf::ObjectId, lopdf::ObjectId> =
        ids.iter().enumerate().map(|(i, id)| (*id, (i as u32 + 1, 0))).collect();
    fn fix(o: &mut Object, map: &std::collections::BTreeMap<lopdf::ObjectId, lopdf::ObjectId>) {
        match o {
            Object::Reference(r) => {
                if let Some(n) = map.get(r) {
                    *r = *n;
                }
            }
            Object::Array(a) => a.iter_mut().for_each(|x| fix(x, map)),
            Object::Dictionary(d) => d.iter_mut().for_each(|(_, x)| fix(x, map)),
            Object::Stream(s) => s.dict.iter_mut().for_each(|(_, x)| fix(x, map)),
            _ => {}
        }
    }
    let old = std::mem::take(&mut lo.objects);
    for (id, mut o) in old {
        fix(&mut o, &map);
        lo.objects.insert(map.get(&id).copied().unwrap_or(id), o);
    }
    lo.trailer.iter_mut().for_each(|(_, x)| fix(x, &map));
    lo.max_id = ids.len() as u32;
}

/// A page's resource dictionary with its sub-dictionaries (and fonts)
/// written in place, and empty ones left out. Streams (images, embedded
/// font files) stay objects of their own.
fn inline_resources(lo: &lopdf::Document, res: &lopdf::Dictionary, moved: &mut std::collections::BTreeSet<lopdf::ObjectId>) -> lopdf::Dictionary {
    let mut deref = |v: &Object| -> Object {
        match v.as_reference().and_then(|r| lo.get_object(r).map(|o| (r, o))) {
            Ok((r, o @ Object::Dictionary(_))) => {
                moved.insert(r);
                o.clone()
            }
            _ => v.clone(),
        }
    };
    let mut out = lopdf::Dictionary::new();
    for (key, value) in res.iter() {
        match deref(value) {
            Object::Dictionary(d) if d.is_empty() => {}
            Object::Dictionary(d) if key == b"Font" => {
                out.set(key.clone(), Object::Dictionary(d.iter().map(|(k, v)| (k.clone(), deref(v))).collect()));
            }
            other => out.set(key.clone(), other),
        }
    }
    out
}

/// zlib-wrapped deflate (PDF `/FlateDecode`) at level 1. Measured on a
/// birth certificate (bench/RESULTS.md): level 6 renders in ~130 µs, level
/// 1 in ~94 µs, for files ~13% larger; a nightly job of 200,000 documents
/// is CPU-bound, its disk is not. (printpdf's default, level 9, is slower
/// still for the same few bytes.)
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

/// Whether the base-14 fonts (WinAnsi encoding) can show `c`.
pub fn winansi(c: char) -> bool {
    contents::win_ansi_byte(c).is_some()
}

/// The embedded fallback font (DejaVu Sans, templates/fonts/), parsed once.
struct Fallback {
    regular: ParsedFont,
    bold: ParsedFont,
}

const DEJAVU: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
const DEJAVU_BOLD: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans-Bold.ttf");
// Subset tag + name (ISO 32000-1 §9.6.4: a subset font's name starts with six capitals and "+").
const FALLBACK_REGULAR: &str = "TBTSUB+DejaVuSans";
const FALLBACK_BOLD: &str = "TBTSUB+DejaVuSans-Bold";

fn fallback() -> Option<&'static Fallback> {
    static F: std::sync::OnceLock<Option<Fallback>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut w = Vec::new();
        Some(Fallback { regular: ParsedFont::from_bytes(DEJAVU, 0, &mut w)?, bold: ParsedFont::from_bytes(DEJAVU_BOLD, 0, &mut w)? })
    })
    .as_ref()
}

fn fallback_width_mm(font: &ParsedFont, s: &str, size: f32) -> f32 {
    let upm = font.units_per_em.max(1) as f32;
    let units: f32 = s
        .chars()
        .map(|c| font.lookup_glyph_index(c as u32).and_then(|g| font.get_glyph_width(g)).unwrap_or(font.units_per_em / 2) as f32)
        .sum();
    units / upm * size / PT_PER_MM
}

/// A subset of `bytes` (a TrueType font) with only the glyphs of `chars`,
/// parsed: a page naming "Łucja" carries a few kilobytes of font, not 700.
fn subset_font(bytes: &[u8], parsed: &ParsedFont, chars: &std::collections::BTreeSet<char>) -> Option<ParsedFont> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset, CmapTarget, SubsetProfile};
    let mut gids: Vec<u16> = chars.iter().filter_map(|c| parsed.lookup_glyph_index(*c as u32)).collect();
    gids.push(0);
    gids.sort_unstable();
    gids.dedup();
    let data = ReadScope::new(bytes).read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    let sub = subset(&provider, &gids, &SubsetProfile::Minimal, CmapTarget::Unicode).ok()?;
    ParsedFont::from_bytes(&sub, 0, &mut Vec::new())
}

/// The font program terbit embeds for `chars` drawn in the fallback font
/// (bold or regular), and its glyph → character map: what a verifier
/// rebuilds to check that an embedded font is the one terbit wrote.
pub fn fallback_program(bold: bool, chars: &std::collections::BTreeSet<char>) -> Option<(Vec<u8>, std::collections::BTreeMap<u16, char>)> {
    let f = fallback()?;
    let (bytes, parsed) = if bold { (DEJAVU_BOLD, &f.bold) } else { (DEJAVU, &f.regular) };
    let sub = subset_font(bytes, parsed, chars)?;
    let glyphs = chars.iter().filter_map(|c| sub.lookup_glyph_index(*c as u32).map(|g| (g, *c))).collect();
    Some((sub.original_bytes.clone(), glyphs))
}

/// The subset tag that starts the BaseFont name of the embedded fallback
/// font in every PDF terbit writes.
pub const FALLBACK_TAG: &str = "TBTSUB+";

/// A prepared image (the region's logo): deflated once per run.
#[derive(Clone)]
struct Image {
    width: usize,
    height: usize,
    deflated: Vec<u8>,
}

const LOGO_XOBJECT: &str = "LOGO";

fn load_logo(path: &std::path::Path) -> Result<Image> {
    let bad = |m: String| Error::config(path, m);
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let img = image::load_from_memory(&bytes).map_err(|e| bad(format!("logo is not a readable PNG or JPEG: {e}")))?;
    if img.width() > 2000 || img.height() > 2000 {
        return Err(bad("logo larger than 2000×2000 pixels: scale it down (it prints ~2 cm wide)".into()));
    }
    // Transparent parts print as paper white.
    let rgba = img.to_rgba8();
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for p in rgba.pixels() {
        let a = p[3] as u32;
        for c in 0..3 {
            rgb.push(((p[c] as u32 * a + 255 * (255 - a)) / 255) as u8);
        }
    }
    Ok(Image { width: rgba.width() as usize, height: rgba.height() as usize, deflated: deflate(&rgb).map_err(bad)? })
}

/// A template prepared for a run: rendering many documents reuses it.
pub struct Renderer {
    template: Template,
    logo: Option<Image>,
    page_field: Option<usize>,
    pages_field: Option<usize>,
    /// What every page of a role draws whatever the values (labels, rules,
    /// the logo, table grids, where the QR goes), as a deflated content
    /// stream made once per run; indexed by [`role`].
    static_parts: [std::sync::OnceLock<std::result::Result<StaticPart, String>>; 8],
    /// Per element: a text the same on every document of the run (no
    /// field, or only fields the run fixes, and WinAnsi only — text
    /// needing the embedded font is subset per document, so it stays with
    /// the values).
    fixed_text: Vec<bool>,
    /// Values of the fields every document of the run shares (the
    /// region's office and official, the issue date, the key), in the
    /// field list's order; other fields empty.
    run_values: Vec<String>,
    /// Every base-14 font the template draws with: every page lists them
    /// all in its resources, so pages of one shape have the same
    /// resources whichever values are empty.
    fonts: Vec<BuiltinFont>,
    /// One skeleton per document shape seen (pages, QR size): see
    /// [`crate::pdf::fragment`].
    skeletons: std::sync::RwLock<Vec<(Shape, std::sync::Arc<Skeleton>)>>,
}

/// A document's shape: pages, QR modules per side.
type Shape = (usize, usize);

/// A page role's fixed drawing, prepared once.
struct StaticPart {
    /// Deflated content stream, wrapped in q … Q.
    deflated: Vec<u8>,
}

/// Which page elements a canvas draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// Only what does not depend on the document.
    Static,
    /// Only what does.
    Dynamic,
}

/// Elements choose pages by being the first, the last, or before the last:
/// pages alike in those three are drawn alike.
fn role(page: usize, pages: usize) -> usize {
    usize::from(page == 1) | usize::from(page == pages) << 1 | usize::from(page < pages) << 2
}

/// Everything about one document that the renderer needs.
pub struct Document<'a> {
    /// Values in the order of the template's field list.
    pub values: &'a [String],
    /// Group kinds: each member row in the template's member-field order.
    pub members: &'a [Vec<String>],
    pub number: &'a str,
    pub qr: &'a Matrix,
    pub issue_date: NaiveDate,
}

fn image_dict(w: usize, h: usize, color: &[u8], bits: i64) -> std::collections::BTreeMap<String, DictItem> {
    let mut dict = std::collections::BTreeMap::new();
    dict.insert("Type".to_string(), DictItem::Name(b"XObject".to_vec()));
    dict.insert("Subtype".to_string(), DictItem::Name(b"Image".to_vec()));
    dict.insert("Width".to_string(), DictItem::Int(w as i64));
    dict.insert("Height".to_string(), DictItem::Int(h as i64));
    dict.insert("ColorSpace".to_string(), DictItem::Name(color.to_vec()));
    dict.insert("BitsPerComponent".to_string(), DictItem::Int(bits));
    dict
}

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

/// Place `s` as [`Canvas::text`] draws it: shrink a long value to fit its
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

/// Page-level drawing helpers, in template millimetres.
struct Canvas {
    height_mm: f32,
    /// printpdf operations: the fixed drawing, and text needing the
    /// embedded font.
    ops: Vec<Op>,
    /// When drawing a document's values: its base-14 text, written
    /// directly as content-stream bytes ([`contents`]).
    direct: Option<Vec<u8>>,
    /// Characters shown in the fallback font, regular and bold (a subset
    /// of it is then embedded).
    fallback_chars: [std::collections::BTreeSet<char>; 2],
}

impl Canvas {
    fn pt(&self, x: f32, y: f32) -> Point {
        Point { x: Pt(x * PT_PER_MM), y: Pt((self.height_mm - y) * PT_PER_MM) }
    }

    fn text(&mut self, s: String, x: f32, y: f32, size: f32, font: Font, align: Align, max_width: Option<f32>, min_scale: f32) {
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

    fn line(&mut self, points: &[(f32, f32)], closed: bool, width: f32) {
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        let points = points.iter().map(|(a, b)| LinePoint { p: self.pt(*a, *b), bezier: false }).collect();
        self.ops.push(Op::DrawLine { line: Line { points, is_closed: closed } });
    }

    fn image(&mut self, id: &str, x: f32, y: f32, w: f32, h: f32) {
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
    fn table_grid(&mut self, t: &Table) {
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
    fn table_rows(&mut self, t: &Table, members: &[Vec<String>]) {
        for (i, c) in t.columns.iter().enumerate() {
            for (r, m) in members.iter().enumerate() {
                let cell = table_cell(t, i, r);
                self.text(c.text.fill(m), cell.x, cell.y, t.size, Font::Regular, cell.align, Some(cell.fit), 0.5);
            }
        }
    }
}

/// Where a member table's cell text is anchored (template millimetres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// The anchor for `align`: left end, centre or right end.
    pub x: f32,
    /// Baseline.
    pub y: f32,
    pub align: Align,
    /// Width the text is shrunk to fit.
    pub fit: f32,
    /// The column's left edge and width.
    pub left: f32,
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

impl Renderer {
    /// Prepare `template` for a run in `region` (whose logo, if any, is
    /// read and compressed here, once).
    pub fn new(template: Template, region: &Region) -> Result<Renderer> {
        let logo = match &region.logo {
            Some(p) if template.elements.iter().any(|e| matches!(e, Element::Logo { .. })) => Some(load_logo(p)?),
            _ => None,
        };
        let page_field = template.field("page");
        let pages_field = template.field("pages");
        let mut fonts = std::collections::BTreeSet::new();
        for e in &template.elements {
            match e {
                Element::Text { font, .. } => {
                    fonts.insert(builtin(*font));
                }
                Element::Table(t) => {
                    fonts.extend([builtin(Font::Regular), builtin(Font::Bold)]);
                    if t.columns.iter().any(|c| c.title_en.is_some()) {
                        fonts.insert(builtin(Font::Italic));
                    }
                }
                _ => {}
            }
        }
        let mut r = Renderer {
            template,
            logo,
            page_field,
            pages_field,
            static_parts: Default::default(),
            fixed_text: vec![],
            run_values: vec![],
            fonts: fonts.into_iter().collect(),
            skeletons: Default::default(),
        };
        r.fixed_text = r.fixed_texts(&[]);
        Ok(r)
    }

    /// The same renderer for a run whose documents all share the fields
    /// given in `shared` (field index, value): texts made only of those
    /// (a signature block's place and date, the official's name) join
    /// the fixed drawing made once per run instead of being set on every
    /// document. The documents look the same either way.
    pub fn with_run_values(mut self, shared: &[(usize, String)]) -> Renderer {
        let mut values = vec![String::new(); self.template.fields.len()];
        for (i, v) in shared {
            if let Some(slot) = values.get_mut(*i) {
                *slot = v.clone();
            }
        }
        self.run_values = values;
        let known: Vec<usize> = shared.iter().map(|(i, _)| *i).collect();
        self.fixed_text = self.fixed_texts(&known);
        self.static_parts = Default::default();
        self.skeletons = Default::default();
        self
    }

    fn fixed_texts(&self, known: &[usize]) -> Vec<bool> {
        self.template
            .elements
            .iter()
            .map(|e| match e {
                Element::Text { text, .. } => {
                    text.fields().all(|f| known.contains(&f)) && text.fill(&self.run_values).chars().all(winansi)
                }
                _ => false,
            })
            .collect()
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    fn page_ops(&self, members: &[Vec<String>], values: &[String], page: usize, pages: usize, layer: Layer) -> Canvas {
        let fixed = layer == Layer::Static;
        let mut c = Canvas {
            height_mm: self.template.height_mm,
            ops: Vec::with_capacity(if fixed { self.template.elements.len() * 5 } else { 0 }),
            direct: (!fixed).then(|| Vec::with_capacity(self.template.elements.len() * 48)),
            fallback_chars: Default::default(),
        };
        for (e, &fixed_text) in self.template.elements.iter().zip(&self.fixed_text) {
            match e {
                Element::Text { x, y, size, font, align, max_width, text, pages: on } => {
                    if fixed_text == fixed && on.includes(page, pages) {
                        c.text(text.fill(values), *x, *y, *size, *font, *align, *max_width, 0.6);
                    }
                }
                Element::Line { x1, y1, x2, y2, width, pages: on } => {
                    if fixed && on.includes(page, pages) {
                        c.line(&[(*x1, *y1), (*x2, *y2)], false, *width);
                    }
                }
                Element::Rect { x, y, w, h, width, pages: on } => {
                    if fixed && on.includes(page, pages) {
                        c.line(&[(*x, *y), (x + w, *y), (x + w, y + h), (*x, y + h)], true, *width);
                    }
                }
                Element::Logo { x, y, size, pages: on } => {
                    if let Some(logo) = self.logo.as_ref().filter(|_| fixed && on.includes(page, pages)) {
                        let w = size * logo.width as f32 / logo.height.max(1) as f32;
                        c.image(LOGO_XOBJECT, *x, *y, w, *size);
                    }
                }
                // Where the QR goes is fixed; the image it names is each
                // document's own.
                Element::Qr { x, y, size } => {
                    if fixed {
                        c.image(QR_XOBJECT, *x, *y, *size, *size)
                    }
                }
                Element::Table(t) => {
                    if fixed {
                        c.table_grid(t);
                    } else {
                        let from = ((page - 1) * t.rows).min(members.len());
                        let to = (page * t.rows).min(members.len());
                        c.table_rows(t, &members[from..to]);
                    }
                }
            }
        }
        c
    }

    /// The fixed drawing of pages of `page`'s role, made on first use.
    fn static_part(&self, page: usize, pages: usize) -> Result<&StaticPart> {
        let made = self.static_parts[role(page, pages)].get_or_init(|| {
            let c = self.page_ops(&[], &self.run_values, page, pages, Layer::Static);
            let mut pdf = PdfDocument::new("static");
            pdf.pages.push(PdfPage::new(Mm(self.template.width_mm), Mm(self.template.height_mm), c.ops));
            let opts = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
            let lo = printpdf::serialize::to_lopdf_doc(&pdf, &opts, &mut Vec::new());
            let page_id = lo.get_pages().into_values().next().ok_or("no page")?;
            let content = lo.get_page_content(page_id);
            // Its own graphics state: nothing leaks into the values drawn after.
            let mut wrapped = Vec::with_capacity(content.len() + 8);
            wrapped.extend_from_slice(b"q\n");
            wrapped.extend_from_slice(&content);
            wrapped.extend_from_slice(b"\nQ\n");
            Ok(StaticPart { deflated: deflate_best(&wrapped)? })
        });
        made.as_ref().map_err(|m| Error::Render { document: "(template)".into(), message: format!("{}: {m}", self.template.kind) })
    }

    /// Render one document to PDF bytes. Pure: same inputs, same bytes.
    pub fn render(&self, doc: &Document) -> Result<Vec<u8>> {
        self.render_objects(doc).map(|(bytes, _)| bytes)
    }

    /// As [`Renderer::render`], also giving the document's serialized
    /// objects for the merged print file (which then needs no parsing).
    ///
    /// The first document of each shape (pages, QR size) is made whole
    /// with printpdf and kept as that shape's skeleton; the next ones fill
    /// its open objects (QR image, their pages' text, information) and
    /// come out byte for byte as printpdf would have made them. A document
    /// with text needing the embedded font is always made whole.
    pub fn render_objects(&self, doc: &Document) -> Result<(Vec<u8>, Fragment)> {
        let err = |m: String| Error::Render { document: doc.number.to_string(), message: m };
        let pages = self.template.pages_for(doc.members.len());
        let drawn = self.draw_values(doc, pages);
        let fragment = if drawn.iter().all(|c| c.ops.is_empty()) {
            let skeleton = self.skeleton(doc, &drawn)?;
            let qr = doc.qr.pack_1bit();
            let mut own = Vec::with_capacity(pages);
            for c in &drawn {
                own.push(deflate(c.direct.as_deref().unwrap_or_default()).map_err(err)?);
            }
            let mut streams: Vec<&[u8]> = Vec::with_capacity(pages + 1);
            streams.push(&qr);
            streams.extend(own.iter().map(Vec::as_slice));
            skeleton.fill(&streams, &self.info(doc), doc.number).map_err(err)?
        } else {
            self.whole(doc, &drawn)?
        };
        Ok((fragment.standalone(), fragment))
    }

    /// As [`Renderer::render`], the document made whole with printpdf
    /// even when its shape has a skeleton: what the skeletons reproduce
    /// (tested byte for byte), and the micro-benchmark's baseline.
    pub fn render_whole(&self, doc: &Document) -> Result<Vec<u8>> {
        let drawn = self.draw_values(doc, self.template.pages_for(doc.members.len()));
        Ok(self.whole(doc, &drawn)?.standalone())
    }

    /// `doc`, its values drawn as `drawn`, made whole by printpdf.
    fn whole(&self, doc: &Document, drawn: &[Canvas]) -> Result<Fragment> {
        let (lo, _) = self.printpdf_document(doc, drawn)?;
        Fragment::of(&lo, doc.number).map_err(|m| Error::Render { document: doc.number.into(), message: m })
    }

    /// The skeleton of `doc`'s shape, made from `doc` if it is the first.
    fn skeleton(&self, doc: &Document, drawn: &[Canvas]) -> Result<std::sync::Arc<Skeleton>> {
        let key = (drawn.len(), doc.qr.size);
        let find = |list: &[(Shape, std::sync::Arc<Skeleton>)]| list.iter().find(|(k, _)| *k == key).map(|(_, s)| s.clone());
        if let Some(s) = find(&self.skeletons.read().unwrap_or_else(|p| p.into_inner())) {
            return Ok(s);
        }
        let (lo, open) = self.printpdf_document(doc, drawn)?;
        let made = std::sync::Arc::new(Skeleton::of(&lo, &open).map_err(|m| Error::Render { document: doc.number.into(), message: m })?);
        let mut list = self.skeletons.write().unwrap_or_else(|p| p.into_inner());
        // Another worker may have made it meanwhile: the same bytes either way.
        Ok(match find(&list) {
            Some(s) => s,
            None => {
                list.push((key, made.clone()));
                made
            }
        })
    }

    /// The document's values drawn page by page: base-14 text as content
    /// bytes, text in the embedded font as printpdf operations.
    fn draw_values(&self, doc: &Document, pages: usize) -> Vec<Canvas> {
        let paged = self.page_field.is_some() || self.pages_field.is_some();
        let mut values = if paged { doc.values.to_vec() } else { Vec::new() };
        (1..=pages)
            .map(|page| {
                if !paged {
                    return self.page_ops(doc.members, doc.values, page, pages, Layer::Dynamic);
                }
                for (field, v) in [(self.page_field, page), (self.pages_field, pages)] {
                    if let Some(slot) = field.and_then(|i| values.get_mut(i)) {
                        *slot = v.to_string();
                    }
                }
                self.page_ops(doc.members, &values, page, pages, Layer::Dynamic)
            })
            .collect()
    }

    /// The information dictionary: title and number, dates from the issue
    /// date (never the clock), the producing software.
    fn info(&self, doc: &Document) -> lopdf::Dictionary {
        // A text string (ISO 32000-1 §7.9.2.2): PDFDocEncoding agrees with
        // ASCII; anything else goes as UTF-16BE with its byte-order mark.
        let text = |s: &str| {
            if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
            } else {
                let mut b = vec![0xfe, 0xff];
                b.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
                Object::String(b, StringFormat::Hexadecimal)
            }
        };
        let d = doc.issue_date;
        let date = format!("D:{:04}{:02}{:02}000000+00'00'", d.year(), d.month(), d.day());
        let mut info = lopdf::Dictionary::new();
        info.set("Title", text(&format!("{} {}", self.template.title, doc.number)));
        info.set("Identifier", text(doc.number));
        info.set("Creator", text("terbit"));
        info.set("Producer", text("terbit (printpdf)"));
        info.set("CreationDate", Object::string_literal(date.clone()));
        info.set("ModDate", Object::string_literal(date));
        info.set("Trapped", Object::Name(b"False".to_vec()));
        info
    }

    /// `doc` made whole with printpdf, its pages' own text given as
    /// `drawn`; with the object numbers a skeleton leaves open (the QR
    /// image, then each page's own content stream).
    fn printpdf_document(&self, doc: &Document, drawn: &[Canvas]) -> Result<(lopdf::Document, Vec<u32>)> {
        let err = |m: String| Error::Render { document: doc.number.to_string(), message: m };
        let mut pdf = PdfDocument::new(&format!("{} {}", self.template.title, doc.number));
        let n = doc.qr.size;
        let mut dict = image_dict(n, n, b"DeviceGray", 1);
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
        if let Some(logo) = &self.logo {
            let mut dict = image_dict(logo.width, logo.height, b"DeviceRGB", 8);
            // Already deflated once per run: the stream loop below skips it.
            dict.insert("Filter".to_string(), DictItem::Name(b"FlateDecode".to_vec()));
            pdf.resources.xobjects.map.insert(
                XObjectId(LOGO_XOBJECT.into()),
                XObject::External(ExternalXObject {
                    stream: ExternalStream { dict, content: logo.deflated.clone(), compress: false },
                    width: Some(Px(logo.width)),
                    height: Some(Px(logo.height)),
                    dpi: None,
                }),
            );
        }
        let pages = drawn.len();
        let mut fallback_chars: [std::collections::BTreeSet<char>; 2] = Default::default();
        let mut fixed_parts = Vec::with_capacity(pages);
        let mut direct = Vec::with_capacity(pages);
        let mut printpdf_text = Vec::with_capacity(pages);
        for (i, c) in drawn.iter().enumerate() {
            fixed_parts.push(self.static_part(i + 1, pages)?);
            for (all, page) in fallback_chars.iter_mut().zip(&c.fallback_chars) {
                all.extend(page);
            }
            // printpdf fills a page's resources from the fonts its
            // operations set: every font of the template is set once, so
            // the fixed drawing and the directly written text find theirs.
            let mut ops = Vec::with_capacity(c.ops.len() + self.fonts.len() + 2);
            ops.push(Op::StartTextSection);
            ops.extend(self.fonts.iter().map(|f| Op::SetFont { font: PdfFontHandle::Builtin(*f), size: Pt(10.0) }));
            ops.push(Op::EndTextSection);
            printpdf_text.push(!c.ops.is_empty());
            ops.extend(c.ops.iter().cloned());
            direct.push(c.direct.clone().unwrap_or_default());
            pdf.pages.push(PdfPage::new(Mm(self.template.width_mm), Mm(self.template.height_mm), ops));
        }
        for (chars, (id, bytes, bold)) in fallback_chars.iter().zip([(FALLBACK_REGULAR, DEJAVU, false), (FALLBACK_BOLD, DEJAVU_BOLD, true)]) {
            if chars.is_empty() {
                continue;
            }
            let f = fallback().ok_or_else(|| err("the embedded fallback font did not parse".into()))?;
            let parsed = if bold { &f.bold } else { &f.regular };
            let sub = subset_font(bytes, parsed, chars).ok_or_else(|| err("subsetting the fallback font failed".into()))?;
            pdf.resources.fonts.map.insert(FontId(id.into()), PdfFont::new(sub));
        }
        let opts = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
        let mut warnings = Vec::new();
        let mut lo = printpdf::serialize::to_lopdf_doc(&pdf, &opts, &mut warnings);
        trim(&mut lo);
        if let Ok(info) = lo.trailer.get(b"Info").and_then(Object::as_reference) {
            lo.objects.insert(info, Object::Dictionary(self.info(doc)));
        }
        // Each page's own stream: its directly written text, then what
        // printpdf drew (only when there is text in the embedded font: its
        // font-setting prelude draws nothing).
        let page_ids: Vec<lopdf::ObjectId> = lo.get_pages().into_values().collect();
        let mut open = Vec::with_capacity(pages + 1);
        let first = page_ids.first().and_then(|p| lo.get_object(*p).ok()).and_then(|p| p.as_dict().ok());
        let qr = first
            .and_then(|p| p.get(b"Resources").ok())
            .and_then(|r| r.as_dict().ok())
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|x| x.as_dict().ok())
            .and_then(|x| x.get(QR_XOBJECT.as_bytes()).ok())
            .and_then(|q| q.as_reference().ok())
            .ok_or_else(|| err("printpdf left out the QR image".into()))?;
        open.push(qr.0);
        for ((page_id, own), printpdf_text) in page_ids.iter().zip(direct).zip(printpdf_text) {
            let stream_id = lo
                .get_object(*page_id)
                .and_then(Object::as_dict)
                .and_then(|p| p.get(b"Contents"))
                .and_then(Object::as_reference)
                .map_err(|e| err(format!("page contents: {e}")))?;
            let stream = lo.get_object_mut(stream_id).and_then(Object::as_stream_mut).map_err(|e| err(e.to_string()))?;
            let mut content = own;
            if printpdf_text {
                content.extend_from_slice(&stream.content);
            }
            stream.set_content(content);
            open.push(stream_id.0);
        }
        for obj in lo.objects.values_mut() {
            if let Object::Stream(stream) = obj {
                // Already compressed (the logo), or an image that does not
                // compress: a QR code's modules are noise to deflate (770
                // bytes → 728 at level 6), so it is stored as it is.
                let image = stream.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image");
                if stream.dict.has(b"Filter") || image {
                    continue;
                }
                let packed = deflate(&stream.content).map_err(err)?;
                stream.set_content(packed);
                stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            }
        }
        // Each page draws its role's fixed part first, then its values.
        for (page_id, fixed) in page_ids.into_iter().zip(fixed_parts) {
            let mut dict = lopdf::Dictionary::new();
            dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            let stream_id = lo.add_object(lopdf::Stream::new(dict, fixed.deflated.clone()).with_compression(false));
            let page = lo.get_object_mut(page_id).and_then(Object::as_dict_mut).map_err(|e| err(e.to_string()))?;
            let own = page.get(b"Contents").map_err(|e| err(e.to_string()))?.clone();
            page.set("Contents", Object::Array(vec![Object::Reference(stream_id), own]));
        }
        Ok((lo, open))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: &Template) -> Vec<String> {
        t.fields.iter().map(|f| format!("{f} value")).collect()
    }

    /// The test documents' number and issue date, with `values` and `qr`.
    fn document<'a>(values: &'a [String], qr: &'a Matrix) -> Document<'a> {
        Document { values, members: &[], number: "3506-LU-23062021-0001", qr, issue_date: NaiveDate::from_ymd_opt(2021, 6, 23).unwrap() }
    }

    #[test]
    fn deterministic_and_well_formed() {
        let r = Renderer::new(Template::birth_default(), &Region::kediri()).unwrap();
        let qr = crate::dk1::qr::encode("DK1:TEST 123").unwrap();
        let v = values(r.template());
        let d = document(&v, &qr);
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

    /// Every string a PDF's first page shows, in drawing order per stream.
    fn shown_strings(pdf: &[u8]) -> Vec<Vec<String>> {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        let page = doc.get_pages().into_values().next().unwrap();
        doc.get_page_contents(page)
            .into_iter()
            .map(|id| {
                let stream = doc.get_object(id).unwrap().as_stream().unwrap();
                let content = lopdf::content::Content::decode(&stream.decompressed_content().unwrap()).unwrap();
                content
                    .operations
                    .iter()
                    .filter(|op| op.operator == "Tj")
                    .filter_map(|op| op.operands.first().and_then(|o| o.as_str().ok()).map(|b| String::from_utf8_lossy(b).into_owned()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn run_shared_texts_move_to_the_fixed_drawing_and_show_the_same() {
        let t = Template::birth_default();
        let official = t.field("official_name").unwrap();
        let kid = t.field("kid").unwrap();
        let mut v = values(&t);
        v[official] = "Dr. Ir. Bambang Setyo Widodo, M.Si.".into();
        let qr = crate::dk1::qr::encode("DK1:TEST 123").unwrap();
        let d = document(&v, &qr);
        let plain = Renderer::new(t.clone(), &Region::kediri()).unwrap();
        let shared = Renderer::new(t, &Region::kediri()).unwrap().with_run_values(&[(official, v[official].clone()), (kid, v[kid].clone())]);
        let (a, b) = (shown_strings(&plain.render(&d).unwrap()), shown_strings(&shared.render(&d).unwrap()));
        // Two streams each: the fixed drawing, then the document's values.
        assert_eq!((a.len(), b.len()), (2, 2));
        let has = |strings: &[String], what: &str| strings.iter().any(|s| s.contains(what));
        assert!(has(&a[1], "Bambang") && !has(&a[0], "Bambang"));
        assert!(has(&b[0], "Bambang") && !has(&b[1], "Bambang"), "the official's name is drawn once per run");
        assert!(has(&b[1], "document_number value"), "the number stays with the document");
        // The same strings are shown either way.
        let mut all_a: Vec<String> = a.concat();
        let mut all_b: Vec<String> = b.concat();
        all_a.sort();
        all_b.sort();
        assert_eq!(all_a, all_b);
    }

    #[test]
    fn printpdf_defaults_are_trimmed() {
        let r = Renderer::new(Template::birth_default(), &Region::kediri()).unwrap();
        let qr = crate::dk1::qr::encode("DK1:TEST 123").unwrap();
        let v = values(r.template());
        let d = document(&v, &qr);
        let pdf = r.render(&d).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let page = doc.get_object(doc.get_pages()[&1]).unwrap().as_dict().unwrap();
        for key in [&b"CropBox"[..], b"TrimBox", b"Annots"] {
            assert!(!page.has(key), "{}", String::from_utf8_lossy(key));
        }
        assert!(page.has(b"MediaBox"));
        assert!(doc.objects.values().all(|o| o.as_dict().map_or(true, |d| !d.is_empty())), "no empty dictionaries");
        let info = doc.get_object(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap().as_dict().unwrap();
        assert!(info.iter().all(|(_, v)| v.as_str().map_or(true, |s| !s.is_empty())));
        assert_eq!(info.get(b"Creator").unwrap().as_str().unwrap(), b"terbit");
        assert_eq!(info.get(b"Identifier").unwrap().as_str().unwrap(), b"3506-LU-23062021-0001");

        // An embedded fallback font, written in the page, keeps its font
        // program and its ToUnicode map (text stays searchable).
        let t = r.template();
        let mut v = values(t);
        v[t.field("child_name").unwrap()] = "Łucja Søren Müller".into();
        let pdf = r.render(&Document { values: &v, ..d }).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let page = doc.get_object(doc.get_pages()[&1]).unwrap().as_dict().unwrap();
        let fonts = page.get(b"Resources").and_then(Object::as_dict).and_then(|r| r.get(b"Font")).and_then(Object::as_dict).unwrap();
        let type0 = fonts.iter().filter_map(|(_, f)| f.as_dict().ok()).find(|f| f.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Type0")).unwrap();
        let cmap = type0.get(b"ToUnicode").and_then(Object::as_reference).and_then(|r| doc.get_object(r)).unwrap();
        assert!(cmap.as_stream().is_ok());
    }

    /// Documents made from a skeleton are exactly the documents printpdf
    /// makes whole, whichever document of a shape came first, for every
    /// kind, page count and QR size, with documents needing the embedded
    /// font in between.
    #[test]
    fn skeleton_documents_are_the_whole_documents() {
        // Kediri draws no logo; Sampang's logo is one more fixed object.
        let sampang = Region::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/regions/3527-sampang.toml")).unwrap();
        assert!(sampang.logo.is_some());
        let kinds = ["birth", "death", "family_card", "move_out", "move_in", "ktp"].map(|k| (k, Region::kediri()));
        for (kind, region) in kinds.into_iter().chain([("birth", sampang.clone()), ("family_card", sampang)]) {
            let t = Template::embedded(kind).unwrap();
            let shared = crate::issue::run_values(&t, &region, NaiveDate::from_ymd_opt(2021, 6, 23).unwrap(), "dd2fb4e18b5e1ce3");
            let forward = Renderer::new(t.clone(), &region).unwrap().with_run_values(&shared);
            let backward = Renderer::new(t.clone(), &region).unwrap().with_run_values(&shared);
            let mut docs = Vec::new();
            for i in 0..24usize {
                let number = format!("3506-LU-23062021-{:04}", i + 1);
                let name = match i % 6 {
                    0 => "A".to_string(),
                    1 => "Łucja Søren Müller".to_string(),
                    2 => "Zoë (Bu) \\ Siti Nur’aini".to_string(),
                    _ => "SITI NURHALIZA BINTI ABDULLAH ".repeat(i % 4 + 1),
                };
                let mut input = crate::issue::placeholder_document(&t, &number, &[]);
                for v in input.values.iter_mut().skip(i % 3).step_by(3) {
                    *v = name.clone();
                }
                if t.schema.group {
                    let row = input.members[0].clone();
                    input.members = (0..i % 14).map(|_| row.iter().map(|_| name.clone()).collect()).collect();
                }
                // QR texts of several versions.
                let qr = crate::dk1::qr::encode(&format!("DK1:{}", "7".repeat(40 + i * 29))).unwrap();
                docs.push((input, qr));
            }
            let sizes: std::collections::BTreeSet<usize> = docs.iter().map(|(_, q)| q.size).collect();
            assert!(sizes.len() >= 3, "{sizes:?}");
            let render = |r: &Renderer, (input, qr): &(crate::issue::DocInput, Matrix)| {
                let d = Document { values: &input.values, members: &input.members, number: &input.number, qr, issue_date: NaiveDate::from_ymd_opt(2021, 6, 23).unwrap() };
                (r.render(&d).unwrap(), r.render_whole(&d).unwrap())
            };
            let a: Vec<_> = docs.iter().map(|d| render(&forward, d)).collect();
            let b: Vec<_> = docs.iter().rev().map(|d| render(&backward, d)).collect();
            for (i, ((fast, whole), (back, _))) in a.iter().zip(b.iter().rev()).enumerate() {
                assert!(fast == whole, "{kind} document {i}: skeleton differs from printpdf's whole document");
                assert!(fast == back, "{kind} document {i}: depends on which document came first");
                let doc = lopdf::Document::load_mem(fast).unwrap();
                assert_eq!(doc.get_pages().len(), t.pages_for(docs[i].0.members.len()));
            }
            assert!(forward.skeletons.read().unwrap().len() >= 3, "{kind}: skeletons were used");
            if region.logo.is_some() && kind == "birth" {
                assert!(String::from_utf8_lossy(&a[0].0).contains("/LOGO"), "the logo is drawn");
            }
        }
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
