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
//! whose base-14 text is written directly as content bytes ([`super::contents`]).
//!
//! Documents of one shape (kind, number of pages, QR size) differ only in
//! their QR image, their pages' own text and their information
//! dictionary: the first of each shape is made whole by printpdf and kept
//! as a [`Skeleton`], the others fill it — the same bytes for about a third
//! of the work (bench/RESULTS.md). A document with text in the embedded
//! fallback font (a name outside WinAnsi) is always made whole.

use chrono::{Datelike, NaiveDate};
use lopdf::{Object, StringFormat};
use printpdf::{
    BuiltinFont, DictItem, ExternalStream, ExternalXObject, FontId, Mm, Op, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Pt, Px, XObject, XObjectId,
};

use crate::error::{Error, Result};
use crate::pdf::fragment::{Fragment, Skeleton};
use crate::dk1::qr::Packed;
use crate::kind::derived::Derived;
use crate::kind::region::Region;
use crate::kind::template::{Element, Font, Template};

use super::finish::{deflate, deflate_best, trim};
use super::fonts::{builtin, fallback, subset_font, winansi, DEJAVU, DEJAVU_BOLD, FALLBACK_BOLD, FALLBACK_REGULAR};
use super::canvas::Canvas;

/// Name of the QR image resource in every document.
pub const QR_XOBJECT: &str = "QR";

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
    let bytes = crate::util::fs::read_trusted(path, "logo", 16 << 20)?;
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
    /// Signs every PDF (PAdES B-B), when the run has a PDF-signing certificate.
    pades: Option<std::sync::Arc<crate::pdf::sign::Pades>>,
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
    /// Document number.
    pub number: &'a str,
    /// The QR symbol, packed as the page draws it.
    pub qr: &'a Packed,
    /// Issue date.
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

impl Renderer {
    /// Prepare `template` for a run in `region` (whose logo, if any, is
    /// read and compressed here, once).
    pub fn new(template: Template, region: &Region) -> Result<Renderer> {
        let logo = match &region.logo {
            Some(p) if template.elements.iter().any(|e| matches!(e, Element::Logo { .. })) => Some(load_logo(p)?),
            _ => None,
        };
        let page_field = Some(template.derived(Derived::Page));
        let pages_field = Some(template.derived(Derived::Pages));
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
            pades: None,
        };
        r.fixed_text = r.fixed_texts(&[]);
        Ok(r)
    }

    /// Sign every document with `pades` (PAdES B-B, claimed time the issue date).
    pub fn with_signature(mut self, pades: std::sync::Arc<crate::pdf::sign::Pades>) -> Renderer {
        self.pades = Some(pades);
        self
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

    /// The template it draws.
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
        let (mut pdf, place, fragment) = self.render_unsigned(doc)?;
        if let (Some(pades), Some(place)) = (&self.pades, place) {
            pades.sign(&mut pdf, place).map_err(|e| crate::error::Error::TimeStamp(e.0))?;
        }
        Ok((pdf, fragment))
    }

    /// As [`Renderer::render_objects`], but when the renderer signs, the
    /// signature's place is left open and given: the caller signs a batch
    /// of documents at once with [`Renderer::signer`]'s
    /// [`crate::pdf::sign::Pades::sign_many`] (the same bytes).
    pub fn render_unsigned(&self, doc: &Document) -> Result<(Vec<u8>, Option<crate::pdf::sign::Place>, Fragment)> {
        let err = |m: String| Error::Render { document: doc.number.to_string(), message: m };
        let pages = self.template.pages_for(doc.members.len());
        let drawn = self.draw_values(doc, pages);
        let fragment = if drawn.iter().all(|c| c.ops.is_empty()) {
            let skeleton = self.skeleton(doc, &drawn)?;
            let qr = doc.qr.bits.clone();
            let mut own = Vec::with_capacity(pages);
            for c in &drawn {
                own.push(deflate(c.direct.as_deref().unwrap_or_default()).map_err(err)?);
            }
            let mut streams: Vec<&[u8]> = Vec::with_capacity(pages + 1);
            streams.push(&qr);
            streams.extend(own.iter().map(Vec::as_slice));
            skeleton.fill(&streams, &self.info(doc), doc.number).map_err(|e| err(e.0))?
        } else {
            self.whole(doc, &drawn)?
        };
        let m = crate::pdf::sign::pdf_date(doc.issue_date);
        let (pdf, place) = fragment.standalone_unsigned(self.pades.as_deref().map(|p| (p, m.as_str())));
        Ok((pdf, place, fragment))
    }

    /// The PDF signer, when this renderer signs.
    pub fn signer(&self) -> Option<&crate::pdf::sign::Pades> {
        self.pades.as_deref()
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
        Fragment::of(&lo, doc.number).map_err(|m| Error::Render { document: doc.number.into(), message: m.0 })
    }

    /// The skeleton of `doc`'s shape, made from `doc` if it is the first.
    fn skeleton(&self, doc: &Document, drawn: &[Canvas]) -> Result<std::sync::Arc<Skeleton>> {
        let key = (drawn.len(), doc.qr.size);
        let find = |list: &[(Shape, std::sync::Arc<Skeleton>)]| list.iter().find(|(k, _)| *k == key).map(|(_, s)| s.clone());
        if let Some(s) = find(&self.skeletons.read().unwrap_or_else(|p| p.into_inner())) {
            return Ok(s);
        }
        let (lo, open) = self.printpdf_document(doc, drawn)?;
        let made = std::sync::Arc::new(Skeleton::of(&lo, &open).map_err(|m| Error::Render { document: doc.number.into(), message: m.0 })?);
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
                stream: ExternalStream { dict, content: doc.qr.bits.clone(), compress: true },
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
#[path = "render_tests.rs"]
pub(crate) mod tests;
