//! What a PDF page visibly shows, read the way a forger's edit would have
//! to get past it.
//!
//! The page's content streams (and the form XObjects they draw) are
//! interpreted: graphics state, text state, clipping, colours, alpha,
//! optional content. Every text-showing operator becomes one [`Run`] with
//! its text, origin, size and bounding box in page space, classified as:
//!
//! - [`Seen::Clear`]: plainly visible, upright, dark, in a font whose
//!   glyphs are known (a standard Helvetica with WinAnsi encoding, or the
//!   embedded fallback font exactly as terbit embeds it). Only such a run
//!   can count as showing a signed value.
//! - [`Seen::Doubtful`]: drawn, but possibly not as its bytes say (white or
//!   pale, semi-transparent, rotated, stretched, stroked, in an unknown or
//!   altered font, inside optional content). It never shows a signed value,
//!   and wherever it touches one, the page fails.
//!
//! Text that cannot be seen at all (render mode 3 or 7, fully transparent,
//! clipped away, off the page) is dropped. Everything else painted (fills,
//! strokes, images, shadings) is kept as a [`Paint`] box: paint over a
//! signed value fails the page too. The QR codes of the 1-bit images the
//! page draws are decoded with their boxes.
//!
//! Limits keep a hostile page cheap: a budget of operators, a form depth,
//! a graphics-state depth and stream size limits.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{Dictionary, Document, Object};

use crate::dk1::qr::{self, Matrix};

/// Decompressed bytes one content stream may have.
const MAX_STREAM: usize = 8 << 20;
/// Operators interpreted per page, forms included.
const MAX_OPS: usize = 200_000;
/// Nested form XObjects.
const MAX_FORM_DEPTH: usize = 8;
/// Nested `q`.
const MAX_SAVE_DEPTH: usize = 64;
/// Content bytes decoded per page, forms counted each time they are drawn.
const MAX_PAGE_BYTES: usize = 32 << 20;

/// An axis-aligned box in page space (points, origin bottom-left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect {
        Rect { x0: x0.min(x1), y0: y0.min(y1), x1: x0.max(x1), y1: y0.max(y1) }
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
    pub fn intersection(&self, o: &Rect) -> Option<Rect> {
        self.intersects(o).then(|| Rect { x0: self.x0.max(o.x0), y0: self.y0.max(o.y0), x1: self.x1.min(o.x1), y1: self.y1.min(o.y1) })
    }
    pub fn contains(&self, o: &Rect) -> bool {
        o.x0 >= self.x0 - 0.01 && o.y0 >= self.y0 - 0.01 && o.x1 <= self.x1 + 0.01 && o.y1 <= self.y1 + 0.01
    }
    fn union(&self, o: &Rect) -> Rect {
        Rect { x0: self.x0.min(o.x0), y0: self.y0.min(o.y0), x1: self.x1.max(o.x1), y1: self.y1.max(o.y1) }
    }
    /// Smaller by `d` on every side.
    pub fn shrink(&self, d: f64) -> Rect {
        Rect { x0: self.x0 + d, y0: self.y0 + d, x1: (self.x1 - d).max(self.x0 + d), y1: (self.y1 - d).max(self.y0 + d) }
    }
    fn finite(&self) -> bool {
        [self.x0, self.y0, self.x1, self.y1].iter().all(|v| v.is_finite())
    }
}

/// How far a run of text can be trusted to look like its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Clear,
    Doubtful,
}

/// One text-showing operator's text as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub text: String,
    /// Start of the baseline, page space.
    pub x: f64,
    pub y: f64,
    /// Effective font size in points.
    pub size: f64,
    /// The font's BaseFont name.
    pub font: String,
    pub bbox: Rect,
    pub seen: Seen,
}

/// Something painted that is not text.
#[derive(Debug, Clone, PartialEq)]
pub struct Paint {
    pub bbox: Rect,
    pub what: &'static str,
}

/// A QR code decoded from a 1-bit image the page draws.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnQr {
    pub text: String,
    pub bbox: Rect,
}

/// What one page visibly shows.
#[derive(Debug, Default, Clone)]
pub struct Scan {
    /// The page's visible area (media box, cut by the crop box).
    pub page: Option<Rect>,
    pub runs: Vec<Run>,
    pub paints: Vec<Paint>,
    pub qrs: Vec<DrawnQr>,
    /// What makes the whole page unreadable or suspicious, in words.
    pub problems: Vec<String>,
}

type M = [f64; 6];
const IDENTITY: M = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(a: &M, b: &M) -> M {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &M, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn boxed(m: &M, r: &Rect) -> Rect {
    let pts = [apply(m, r.x0, r.y0), apply(m, r.x1, r.y0), apply(m, r.x0, r.y1), apply(m, r.x1, r.y1)];
    let mut b = Rect { x0: f64::INFINITY, y0: f64::INFINITY, x1: f64::NEG_INFINITY, y1: f64::NEG_INFINITY };
    for (x, y) in pts {
        b.x0 = b.x0.min(x);
        b.y0 = b.y0.min(y);
        b.x1 = b.x1.max(x);
        b.y1 = b.y1.max(y);
    }
    b
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

fn nums(ops: &[Object]) -> Option<Vec<f64>> {
    ops.iter().map(num).collect()
}

pub(crate) fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    match o {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

pub(crate) fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    deref(doc, o)?.as_dict().ok()
}

fn name<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    d.get(key).ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_name().ok())
}

const HELVETICAS: [&str; 4] = ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"];

/// How a font's codes become characters, and how far that can be trusted.
#[derive(Debug, Clone)]
struct FontInfo {
    base: String,
    codes: Codes,
    /// Glyphs known: standard Helvetica with WinAnsi, or terbit's own
    /// embedded subset, checked byte for byte.
    trusted: bool,
}

#[derive(Debug, Clone)]
enum Codes {
    /// One byte a code, WinAnsi, Helvetica's widths (bold or not).
    WinAnsi { bold: bool },
    /// Two bytes a code (Type0, Identity-H): code → character and width.
    Cid { chars: BTreeMap<u16, char>, widths: BTreeMap<u16, f64>, default_width: f64 },
}

impl FontInfo {
    fn untrusted(base: &str) -> FontInfo {
        FontInfo { base: base.into(), codes: Codes::Cid { chars: BTreeMap::new(), widths: BTreeMap::new(), default_width: 1000.0 }, trusted: false }
    }

    fn read(doc: &Document, font: &Dictionary) -> FontInfo {
        let base = name(doc, font, b"BaseFont").map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        match name(doc, font, b"Subtype") {
            Some(b"Type0") => FontInfo::type0(doc, font, base),
            _ => FontInfo::simple(doc, font, base),
        }
    }

    fn simple(doc: &Document, font: &Dictionary, base: String) -> FontInfo {
        // A standard font: no program of its own (a FontDescriptor could
        // embed one whose glyphs differ), WinAnsi without differences.
        let standard = HELVETICAS.contains(&base.as_str())
            && name(doc, font, b"Subtype") == Some(b"Type1")
            && !font.has(b"FontDescriptor")
            && matches!(font.get(b"Encoding").ok().and_then(|e| deref(doc, e)), Some(Object::Name(n)) if n == b"WinAnsiEncoding");
        let bold = base.contains("Bold");
        FontInfo { base, codes: Codes::WinAnsi { bold }, trusted: standard }
    }

    fn type0(doc: &Document, font: &Dictionary, base: String) -> FontInfo {
        let mut widths = BTreeMap::new();
        let mut default_width = 1000.0;
        let desc = font
            .get(b"DescendantFonts")
            .ok()
            .and_then(|d| deref(doc, d))
            .and_then(|d| d.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|d| dict(doc, d));
        // Characters as the ToUnicode map claims them (checked below).
        let claimed = font
            .get(b"ToUnicode")
            .ok()
            .and_then(|t| deref(doc, t))
            .and_then(|t| t.as_stream().ok())
            .and_then(stream_bytes)
            .map(|c| parse_to_unicode(&c))
            .unwrap_or_default();
        let Some(desc) = desc else {
            return FontInfo { base, codes: Codes::Cid { chars: claimed, widths, default_width }, trusted: false };
        };
        if let Some(Object::Array(w)) = desc.get(b"W").ok().and_then(|w| deref(doc, w)) {
            read_cid_widths(doc, w, &mut widths);
        }
        if let Some(dw) = desc.get(b"DW").ok().and_then(|w| deref(doc, w)).and_then(num) {
            default_width = dw;
        }
        // Trusted only as terbit embeds it: Identity-H, identity CID→GID,
        // and a font program equal to the fallback font subset to the
        // characters the page claims; the characters are then read from
        // that program's own glyph map, not from the claim.
        let identity = name(doc, font, b"Encoding") == Some(b"Identity-H")
            && match desc.get(b"CIDToGIDMap").ok().and_then(|m| deref(doc, m)) {
                None => true,
                Some(Object::Name(n)) => n == b"Identity",
                _ => false,
            };
        let ours = base.starts_with(crate::pdf::render::FALLBACK_TAG).then(|| base.contains("Bold"));
        let program = desc
            .get(b"FontDescriptor")
            .ok()
            .and_then(|d| dict(doc, d))
            .and_then(|d| d.get(b"FontFile2").ok())
            .and_then(|f| deref(doc, f))
            .and_then(|f| f.as_stream().ok())
            .and_then(stream_bytes);
        if let (true, Some(bold), Some(program)) = (identity, ours, program) {
            let wanted: BTreeSet<char> = claimed.values().copied().collect();
            if let Some((bytes, glyphs)) = crate::pdf::render::fallback_program(bold, &wanted) {
                if bytes == program {
                    return FontInfo { base, codes: Codes::Cid { chars: glyphs, widths, default_width }, trusted: true };
                }
            }
        }
        FontInfo { base, codes: Codes::Cid { chars: claimed, widths, default_width }, trusted: false }
    }

    fn two_byte(&self) -> bool {
        matches!(self.codes, Codes::Cid { .. })
    }

    /// Each code of `bytes` and the character it shows.
    fn decode(&self, bytes: &[u8], out: &mut Vec<(u16, char)>) {
        match &self.codes {
            Codes::WinAnsi { .. } => out.extend(bytes.iter().map(|b| (u16::from(*b), win_ansi_char(*b).unwrap_or('\u{FFFD}')))),
            Codes::Cid { chars, .. } => out.extend(bytes.chunks(2).map(|c| {
                let code = u16::from(c[0]) << 8 | u16::from(*c.get(1).unwrap_or(&0));
                (code, chars.get(&code).copied().unwrap_or('\u{FFFD}'))
            })),
        }
    }

    fn width(&self, code: u16) -> f64 {
        match &self.codes {
            Codes::WinAnsi { bold } => {
                let table = if *bold { &crate::pdf::render::HELVETICA_BOLD_WIDTHS } else { &crate::pdf::render::HELVETICA_WIDTHS };
                match code {
                    32..=126 => f64::from(table[(code - 32) as usize]),
                    _ => 556.0,
                }
            }
            Codes::Cid { widths, default_width, .. } => widths.get(&code).copied().unwrap_or(*default_width),
        }
    }
}

/// The character a WinAnsi byte shows.
fn win_ansi_char(b: u8) -> Option<char> {
    match b {
        0x20..=0x7E | 0xA0..=0xFF => Some(b as char),
        _ => WIN_ANSI_HIGH.iter().find(|(byte, _)| *byte == b).map(|(_, c)| *c),
    }
}

const WIN_ANSI_HIGH: [(u8, char); 27] = [
    (0x80, '\u{20AC}'), (0x82, '\u{201A}'), (0x83, '\u{0192}'), (0x84, '\u{201E}'), (0x85, '\u{2026}'), (0x86, '\u{2020}'),
    (0x87, '\u{2021}'), (0x88, '\u{02C6}'), (0x89, '\u{2030}'), (0x8A, '\u{0160}'), (0x8B, '\u{2039}'), (0x8C, '\u{0152}'),
    (0x8E, '\u{017D}'), (0x91, '\u{2018}'), (0x92, '\u{2019}'), (0x93, '\u{201C}'), (0x94, '\u{201D}'), (0x95, '\u{2022}'),
    (0x96, '\u{2013}'), (0x97, '\u{2014}'), (0x98, '\u{02DC}'), (0x99, '\u{2122}'), (0x9A, '\u{0161}'), (0x9B, '\u{203A}'),
    (0x9C, '\u{0153}'), (0x9E, '\u{017E}'), (0x9F, '\u{0178}'),
];

/// `bfchar` and `bfrange` entries of a ToUnicode CMap (single characters).
fn parse_to_unicode(cmap: &[u8]) -> BTreeMap<u16, char> {
    let text = String::from_utf8_lossy(cmap);
    let hex = |s: &str| u32::from_str_radix(s.trim_matches(|c| c == '<' || c == '>'), 16).ok();
    let mut out = BTreeMap::new();
    let mut mode = "";
    let tokens: Vec<&str> = text.split(|c: char| c.is_whitespace()).filter(|t| !t.is_empty()).collect();
    let mut i = 0;
    while i < tokens.len() && out.len() < 65_536 {
        let t = tokens[i];
        if t.ends_with("beginbfchar") || t.ends_with("beginbfrange") || t.starts_with("end") {
            mode = if t.ends_with("beginbfchar") { "char" } else if t.ends_with("beginbfrange") { "range" } else { "" };
            i += 1;
            continue;
        }
        match mode {
            "char" if i + 1 < tokens.len() => {
                if let (Some(code), Some(c)) = (hex(t), hex(tokens[i + 1]).and_then(char::from_u32)) {
                    out.insert(code as u16, c);
                }
                i += 2;
            }
            "range" if i + 2 < tokens.len() => {
                if let (Some(lo), Some(hi), Some(start)) = (hex(t), hex(tokens[i + 1]), hex(tokens[i + 2])) {
                    for (k, code) in (lo..=hi.min(lo + 4096)).enumerate() {
                        if let Some(c) = char::from_u32(start + k as u32) {
                            out.insert(code as u16, c);
                        }
                    }
                }
                i += 3;
            }
            _ => i += 1,
        }
    }
    out
}

fn read_cid_widths(doc: &Document, w: &[Object], out: &mut BTreeMap<u16, f64>) {
    let mut i = 0;
    while i < w.len() && out.len() < 65_536 {
        let Some(first) = num(&w[i]) else { return };
        match w.get(i + 1).and_then(|o| deref(doc, o)) {
            Some(Object::Array(ws)) => {
                for (k, v) in ws.iter().enumerate() {
                    if let Some(v) = num(v) {
                        out.insert((first as usize + k).min(65_535) as u16, v);
                    }
                }
                i += 2;
            }
            Some(last) => {
                let (Some(last), Some(v)) = (num(last), w.get(i + 2).and_then(num)) else { return };
                let mut c = first as usize;
                while c <= last as usize && c <= 65_535 && out.len() < 65_536 {
                    out.insert(c as u16, v);
                    c += 1;
                }
                i += 3;
            }
            None => return,
        }
    }
}

/// Graphics state, as far as visibility goes.
#[derive(Debug, Clone)]
struct State {
    ctm: M,
    /// Luminance of the fill and stroke colours (0 black … 1 white);
    /// `None` for a pattern or an unknown colour space.
    fill: Option<f64>,
    stroke: Option<f64>,
    fill_comps: usize,
    stroke_comps: usize,
    fill_alpha: f64,
    stroke_alpha: f64,
    /// A soft mask or blend mode that can hide or recolour what is drawn.
    odd_blend: bool,
    clip: Option<Rect>,
    line_width: f64,
    font: Option<std::rc::Rc<FontInfo>>,
    size: f64,
    char_space: f64,
    word_space: f64,
    scale: f64,
    leading: f64,
    rise: f64,
    mode: i64,
}

impl Default for State {
    fn default() -> State {
        State {
            ctm: IDENTITY,
            fill: Some(0.0),
            stroke: Some(0.0),
            fill_comps: 1,
            stroke_comps: 1,
            fill_alpha: 1.0,
            stroke_alpha: 1.0,
            odd_blend: false,
            clip: None,
            line_width: 1.0,
            font: None,
            size: 0.0,
            char_space: 0.0,
            word_space: 0.0,
            scale: 100.0,
            leading: 0.0,
            rise: 0.0,
            mode: 0,
        }
    }
}

fn luminance(c: &[f64]) -> Option<f64> {
    let c: Vec<f64> = c.iter().map(|v| v.clamp(0.0, 1.0)).collect();
    match c.len() {
        1 => Some(c[0]),
        3 => Some(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]),
        4 => Some((1.0 - c[3]) * (1.0 - (0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2]))),
        _ => None,
    }
}

/// What a drawing program carries from one operator to the next besides
/// the graphics state: shared by a page's streams, fresh for each form.
#[derive(Default)]
struct Ctx {
    stack: Vec<State>,
    path: Path,
    pending_clip: Option<Rect>,
    tm: M,
    tlm: M,
    /// Marked-content nesting; the depth at which optional content began.
    marked: usize,
    optional_from: Option<usize>,
}

struct Interp<'a> {
    doc: &'a Document,
    scan: Scan,
    ops: usize,
    /// Fonts read on this page, by (resource dictionary, name): a page
    /// sets its fonts dozens of times.
    fonts: BTreeMap<(usize, Vec<u8>), std::rc::Rc<FontInfo>>,
    /// Content bytes decoded so far.
    bytes: usize,
    exhausted: bool,
    /// The QR text the page should carry: its size and packed bits.
    expected: Option<(String, usize, Vec<u8>)>,
}

/// Read one page of `doc`.
/// Read one page of `doc`. `expected_qr`, when the caller already knows
/// which QR text the page should carry (a run's manifest names it), lets a
/// QR image be recognised by comparing its bits with that text's encoding
/// (exact, and cheaper than reading it); any other image is read as usual.
pub fn scan_page(doc: &Document, page_id: lopdf::ObjectId, expected_qr: Option<&str>) -> Scan {
    let expected = expected_qr.and_then(|t| qr::encode(t).ok().map(|m| (t.to_string(), m.size, m.pack_1bit())));
    let mut it = Interp { doc, scan: Scan::default(), ops: 0, fonts: BTreeMap::new(), bytes: 0, exhausted: false, expected };
    let Ok(page) = doc.get_dictionary(page_id) else {
        it.scan.problems.push("a page object is damaged".into());
        return it.scan;
    };
    let page_box = |key: &[u8]| inherited(doc, page, key).and_then(|o| deref(doc, o)).and_then(|o| o.as_array().ok()).and_then(|a| nums(a)).filter(|a| a.len() == 4).map(|a| Rect::new(a[0], a[1], a[2], a[3]));
    let media = page_box(b"MediaBox");
    let area = match (media, page_box(b"CropBox")) {
        (Some(m), Some(c)) => m.intersection(&c),
        (m, _) => m,
    };
    it.scan.page = area.filter(Rect::finite);
    if it.scan.page.is_none() {
        it.scan.problems.push("the page has no usable media box".into());
    }
    if inherited(doc, page, b"UserUnit").and_then(|o| deref(doc, o)).and_then(num).is_some_and(|u| (u - 1.0).abs() > 1e-6) {
        it.scan.problems.push("the page is drawn in a scaled user unit".into());
    }
    annotations(doc, page, &mut it.scan);
    let resources = inherited(doc, page, b"Resources").and_then(|r| dict(doc, r)).cloned().unwrap_or_default();
    let mut state = State { clip: it.scan.page, ..State::default() };
    // The page's streams are one drawing program: graphics-state saves,
    // clips, text and marked content carry from one stream to the next.
    let mut ctx = Ctx::default();
    for stream in page_streams(doc, page, &mut it.scan.problems) {
        it.run(Source::Stream(stream), &resources, &mut state, &mut ctx, 0);
    }
    if it.exhausted {
        it.scan.problems.push(format!("the page has more than {MAX_OPS} drawing operations"));
    }
    it.scan
}

/// A page attribute, looked up through its page-tree parents.
fn inherited<'a>(doc: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut d = page;
    for _ in 0..32 {
        if let Ok(v) = d.get(key) {
            return Some(v);
        }
        d = d.get(b"Parent").ok().and_then(|p| dict(doc, p))?;
    }
    None
}

/// Annotations show on top of the page; terbit makes none that show.
fn annotations(doc: &Document, page: &Dictionary, scan: &mut Scan) {
    let Some(Object::Array(annots)) = page.get(b"Annots").ok().and_then(|a| deref(doc, a)) else { return };
    for a in annots {
        let Some(a) = dict(doc, a) else { continue };
        let hidden = a.get(b"F").ok().and_then(|f| deref(doc, f)).and_then(|f| f.as_i64().ok()).is_some_and(|f| f & 2 != 0);
        let rect = a.get(b"Rect").ok().and_then(|r| deref(doc, r)).and_then(|r| r.as_array().ok()).and_then(|r| nums(r)).filter(|r| r.len() == 4);
        let empty = rect.as_ref().is_some_and(|r| (r[2] - r[0]).abs() < 0.01 || (r[3] - r[1]).abs() < 0.01);
        if !hidden && !empty {
            let sub = name(doc, a, b"Subtype").map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_else(|| "unknown".into());
            scan.problems.push(format!("the page carries a visible annotation ({}) that terbit never makes: comments, stamps and form fields can cover the printed text", crate::util::show::clip_shown(&sub, 40)));
            if let Some(r) = rect {
                scan.paints.push(Paint { bbox: Rect::new(r[0], r[1], r[2], r[3]), what: "an annotation" });
            }
        }
    }
}

/// The page's content streams.
fn page_streams<'a>(doc: &'a Document, page: &'a Dictionary, problems: &mut Vec<String>) -> Vec<&'a lopdf::Stream> {
    let refs: Vec<&Object> = match page.get(b"Contents").ok().and_then(|c| deref(doc, c)) {
        Some(Object::Array(a)) => a.iter().collect(),
        Some(o) => vec![o],
        None => vec![],
    };
    let mut out = Vec::new();
    for r in refs {
        match deref(doc, r).and_then(|o| o.as_stream().ok()) {
            Some(s) => out.push(s),
            None => problems.push("the page's contents are not streams".into()),
        }
    }
    out
}

/// Content to interpret: a page's stream (parsed once per distinct
/// stream), or a form's bytes.
enum Source<'a> {
    Stream(&'a lopdf::Stream),
    Bytes(&'a [u8]),
}

fn stream_bytes(s: &lopdf::Stream) -> Option<Vec<u8>> {
    if s.dict.has(b"Filter") {
        s.decompressed_content_with_limit(MAX_STREAM).ok()
    } else {
        (s.content.len() <= MAX_STREAM).then(|| s.content.clone())
    }
}

#[derive(Default)]
struct Path {
    bbox: Option<Rect>,
    /// Each segment's box in page space: a stroke paints only these.
    segs: Vec<Rect>,
    /// Current and subpath start points, user space.
    current: Option<(f64, f64)>,
    start: Option<(f64, f64)>,
}

/// Segments kept per path; a path with more is stroked as its whole box.
const MAX_SEGMENTS: usize = 4096;

impl Path {
    fn add(&mut self, ctm: &M, x: f64, y: f64) {
        let (dx, dy) = apply(ctm, x, y);
        let p = Rect::new(dx, dy, dx, dy);
        self.bbox = Some(self.bbox.map_or(p, |b| b.union(&p)));
    }

    /// A segment from the current point through `pts` (user space).
    fn segment(&mut self, ctm: &M, pts: &[(f64, f64)]) {
        let Some(from) = self.current else { return };
        let mut b = boxed(ctm, &Rect::new(from.0, from.1, from.0, from.1));
        for (x, y) in pts {
            self.add(ctm, *x, *y);
            b = b.union(&boxed(ctm, &Rect::new(*x, *y, *x, *y)));
        }
        if self.segs.len() < MAX_SEGMENTS {
            self.segs.push(b);
        } else if let Some(all) = self.bbox {
            self.segs = vec![all];
        }
        self.current = pts.last().copied();
    }
}

impl Interp<'_> {
    fn run(&mut self, source: Source, resources: &Dictionary, st: &mut State, ctx: &mut Ctx, depth: usize) {
        let parsed = match source {
            Source::Stream(s) => operations(s),
            Source::Bytes(b) => super::content::parse(b).map(|ops| (b.len(), std::rc::Rc::new(ops))).map_err(Some),
        };
        let ops = match parsed {
            Ok((len, ops)) => {
                self.bytes += len;
                if self.bytes > MAX_PAGE_BYTES {
                    self.exhausted = true;
                    return;
                }
                ops
            }
            Err(None) => {
                self.scan.problems.push("a content stream of the page cannot be read".into());
                return;
            }
            Err(Some(e)) => {
                self.scan.problems.push(format!("a content stream is not PDF drawing syntax ({} at byte {}): viewers may draw what follows", e.reason, e.offset));
                return;
            }
        };
        let Ctx { stack, path, pending_clip, tm, tlm, marked, optional_from } = ctx;
        for op in ops.iter() {
            self.ops += 1;
            if self.ops > MAX_OPS {
                self.exhausted = true;
                return;
            }
            let o = &op.operands;
            let n = nums(o).unwrap_or_default();
            if let Some(want) = arity(&op.operator) {
                if o.len() != want || (numeric(&op.operator) && n.len() != want) {
                    self.scan.problems.push(format!("a drawing operator {} has malformed operands", crate::util::show::clip_shown(&op.operator, 10)));
                    return;
                }
            }
            match op.operator.as_str() {
                "q" => {
                    if stack.len() >= MAX_SAVE_DEPTH {
                        self.scan.problems.push("graphics states nested too deeply".into());
                        return;
                    }
                    stack.push(st.clone());
                }
                "Q" => {
                    if let Some(s) = stack.pop() {
                        *st = s;
                    }
                }
                "cm" if n.len() == 6 => st.ctm = mul(&[n[0], n[1], n[2], n[3], n[4], n[5]], &st.ctm),
                "w" if n.len() == 1 => st.line_width = n[0].abs(),
                "g" if n.len() == 1 => (st.fill, st.fill_comps) = (luminance(&n), 1),
                "G" if n.len() == 1 => (st.stroke, st.stroke_comps) = (luminance(&n), 1),
                "rg" if n.len() == 3 => (st.fill, st.fill_comps) = (luminance(&n), 3),
                "RG" if n.len() == 3 => (st.stroke, st.stroke_comps) = (luminance(&n), 3),
                "k" if n.len() == 4 => (st.fill, st.fill_comps) = (luminance(&n), 4),
                "K" if n.len() == 4 => (st.stroke, st.stroke_comps) = (luminance(&n), 4),
                "cs" | "CS" => {
                    let comps = match o.first().and_then(|x| x.as_name().ok()) {
                        Some(b"DeviceGray") | Some(b"CalGray") => 1,
                        Some(b"DeviceRGB") | Some(b"CalRGB") => 3,
                        Some(b"DeviceCMYK") => 4,
                        _ => 0,
                    };
                    let initial = if comps == 4 { luminance(&[0.0, 0.0, 0.0, 1.0]) } else if comps > 0 { Some(0.0) } else { None };
                    if op.operator == "cs" {
                        (st.fill, st.fill_comps) = (initial, comps);
                    } else {
                        (st.stroke, st.stroke_comps) = (initial, comps);
                    }
                }
                "sc" | "scn" => st.fill = (n.len() == o.len() && n.len() == st.fill_comps).then(|| luminance(&n)).flatten(),
                "SC" | "SCN" => st.stroke = (n.len() == o.len() && n.len() == st.stroke_comps).then(|| luminance(&n)).flatten(),
                "gs" => self.ext_gstate(o, resources, st),
                "m" if n.len() == 2 => {
                    path.add(&st.ctm, n[0], n[1]);
                    path.current = Some((n[0], n[1]));
                    path.start = path.current;
                }
                "l" if n.len() == 2 => path.segment(&st.ctm, &[(n[0], n[1])]),
                "c" | "v" | "y" if n.len() >= 4 && n.len() % 2 == 0 => {
                    let pts: Vec<(f64, f64)> = n.chunks(2).map(|p| (p[0], p[1])).collect();
                    path.segment(&st.ctm, &pts);
                }
                "re" if n.len() == 4 => {
                    let (x, y, w, h) = (n[0], n[1], n[2], n[3]);
                    path.add(&st.ctm, x, y);
                    path.current = Some((x, y));
                    path.start = path.current;
                    path.segment(&st.ctm, &[(x + w, y)]);
                    path.segment(&st.ctm, &[(x + w, y + h)]);
                    path.segment(&st.ctm, &[(x, y + h)]);
                    path.segment(&st.ctm, &[(x, y)]);
                }
                "h" => {
                    if let Some(start) = path.start {
                        path.segment(&st.ctm, &[start]);
                    }
                }
                "W" | "W*" => *pending_clip = Some(path.bbox.unwrap_or(Rect::new(0.0, 0.0, 0.0, 0.0))),
                "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" | "n" => {
                    let stroke = matches!(op.operator.as_str(), "S" | "s" | "B" | "B*" | "b" | "b*");
                    let fill = matches!(op.operator.as_str(), "f" | "F" | "f*" | "B" | "B*" | "b" | "b*");
                    let lw = st.line_width.max(1.0) * scale_of(&st.ctm) / 2.0;
                    let mut painted: Vec<(Rect, &'static str)> = Vec::new();
                    if let (true, Some(b)) = (fill, path.bbox) {
                        painted.push((b, "a filled shape"));
                    }
                    if stroke {
                        // A closing stroke (`s`, `b`) closes the subpath first.
                        if matches!(op.operator.as_str(), "s" | "b" | "b*") {
                            if let Some(start) = path.start {
                                path.segment(&st.ctm, &[start]);
                            }
                        }
                        painted.extend(path.segs.iter().map(|r| (Rect { x0: r.x0 - lw, y0: r.y0 - lw, x1: r.x1 + lw, y1: r.y1 + lw }, "a stroked line")));
                    }
                    for (b, what) in painted {
                        let visible = match st.clip {
                            Some(c) => c.intersection(&b),
                            None => Some(b),
                        };
                        if let Some(b) = visible {
                            self.scan.paints.push(Paint { bbox: b, what });
                        }
                    }
                    if let Some(c) = pending_clip.take() {
                        st.clip = Some(match st.clip {
                            Some(old) => old.intersection(&c).unwrap_or(Rect::new(c.x0, c.y0, c.x0, c.y0)),
                            None => c,
                        });
                    }
                    *path = Path::default();
                }
                "sh" => {
                    let b = st.clip.or(self.scan.page).unwrap_or(Rect::new(-1e6, -1e6, 1e6, 1e6));
                    self.scan.paints.push(Paint { bbox: b, what: "a shading" });
                }
                "BT" => {
                    *tm = IDENTITY;
                    *tlm = IDENTITY;
                }
                "Tf" if o.len() == 2 => {
                    st.size = num(&o[1]).unwrap_or(0.0);
                    st.font = o[0].as_name().ok().and_then(|f| self.font(resources, f));
                }
                "Tc" if n.len() == 1 => st.char_space = n[0],
                "Tw" if n.len() == 1 => st.word_space = n[0],
                "Tz" if n.len() == 1 => st.scale = n[0],
                "TL" if n.len() == 1 => st.leading = n[0],
                "Ts" if n.len() == 1 => st.rise = n[0],
                "Tr" if n.len() == 1 => st.mode = n[0] as i64,
                "Td" | "TD" if n.len() == 2 => {
                    if op.operator == "TD" {
                        st.leading = -n[1];
                    }
                    *tlm = mul(&[1.0, 0.0, 0.0, 1.0, n[0], n[1]], &tlm);
                    *tm = *tlm;
                }
                "Tm" if n.len() == 6 => {
                    *tlm = [n[0], n[1], n[2], n[3], n[4], n[5]];
                    *tm = *tlm;
                }
                "T*" => {
                    *tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.leading], &tlm);
                    *tm = *tlm;
                }
                "Tj" | "'" | "\"" | "TJ" => {
                    if op.operator != "Tj" && op.operator != "TJ" {
                        if op.operator == "\"" && n.len() >= 2 {
                            st.word_space = n[0];
                            st.char_space = n[1];
                        }
                        *tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.leading], &tlm);
                        *tm = *tlm;
                    }
                    let items: Vec<&Object> = match (op.operator.as_str(), o.last()) {
                        ("TJ", Some(Object::Array(a))) => a.iter().collect(),
                        (_, Some(s @ Object::String(..))) => vec![s],
                        _ => vec![],
                    };
                    self.show(&items, st, tm, optional_from.is_some());
                }
                "Do" => {
                    if let Some(name) = o.first().and_then(|x| x.as_name().ok()) {
                        self.x_object(name, resources, st, depth, optional_from.is_some());
                    }
                }
                "BI" | "ID" | "EI" => {
                    let b = boxed(&st.ctm, &Rect::new(0.0, 0.0, 1.0, 1.0));
                    self.scan.paints.push(Paint { bbox: b, what: "an inline image" });
                }
                "BMC" | "BDC" => {
                    *marked += 1;
                    let optional = op.operator == "BDC" && o.first().and_then(|x| x.as_name().ok()) == Some(b"OC".as_slice());
                    if optional && optional_from.is_none() {
                        *optional_from = Some(*marked);
                    }
                }
                "EMC" => {
                    if *optional_from == Some(*marked) {
                        *optional_from = None;
                    }
                    *marked = marked.saturating_sub(1);
                }
                _ => {}
            }
        }
    }

    fn ext_gstate(&mut self, o: &[Object], resources: &Dictionary, st: &mut State) {
        let doc = self.doc;
        let gs = o
            .first()
            .and_then(|x| x.as_name().ok())
            .and_then(|n| resources.get(b"ExtGState").ok().and_then(|e| dict(doc, e)).and_then(|e| e.get(n).ok()))
            .and_then(|g| dict(doc, g));
        let Some(gs) = gs else { return };
        let get = |k: &[u8]| gs.get(k).ok().and_then(|v| deref(doc, v));
        if let Some(a) = get(b"ca").and_then(num) {
            st.fill_alpha = a;
        }
        if let Some(a) = get(b"CA").and_then(num) {
            st.stroke_alpha = a;
        }
        if let Some(w) = get(b"LW").and_then(num) {
            st.line_width = w.abs();
        }
        if matches!(get(b"SMask"), Some(o) if !matches!(o, Object::Name(n) if n == b"None")) {
            st.odd_blend = true;
        }
        match get(b"BM") {
            None => {}
            Some(Object::Name(n)) if n == b"Normal" || n == b"Compatible" => {}
            _ => st.odd_blend = true,
        }
        if get(b"Font").is_some() {
            // A font set through a graphics state: not how terbit draws.
            st.font = Some(std::rc::Rc::new(FontInfo::untrusted("(set by a graphics state)")));
        }
    }

    fn font(&mut self, resources: &Dictionary, key: &[u8]) -> Option<std::rc::Rc<FontInfo>> {
        let doc = self.doc;
        // The dictionary's address names it for the length of this page.
        let id = (resources as *const Dictionary as usize, key.to_vec());
        if let Some(f) = self.fonts.get(&id) {
            return Some(f.clone());
        }
        let obj = resources.get(b"Font").ok().and_then(|f| dict(doc, f))?.get(key).ok()?;
        let info = std::rc::Rc::new(FontInfo::read(doc, dict(doc, obj)?));
        self.fonts.insert(id, info.clone());
        Some(info)
    }

    fn show(&mut self, items: &[&Object], st: &State, tm: &mut M, optional: bool) {
        let font = st.font.clone().unwrap_or_else(|| std::rc::Rc::new(FontInfo::untrusted("(no font)")));
        let start = *tm;
        let h = st.scale / 100.0;
        let mut text = String::new();
        let mut kerned = false;
        let mut advance = 0.0;
        let mut codes = Vec::new();
        for item in items {
            match item {
                Object::String(bytes, _) => {
                    codes.clear();
                    font.decode(bytes, &mut codes);
                    for &(code, c) in &codes {
                        let w = font.width(code) / 1000.0 * st.size;
                        let space = if !font.two_byte() && code == 32 { st.word_space } else { 0.0 };
                        advance += (w + st.char_space + space) * h;
                        text.push(c);
                    }
                }
                other => {
                    if let Some(k) = num(other) {
                        if k.abs() > 1e-9 {
                            kerned = true;
                        }
                        advance -= k / 1000.0 * st.size * h;
                    }
                }
            }
        }
        *tm = mul(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], tm);
        if text.is_empty() {
            return;
        }
        let m = mul(&start, &st.ctm);
        let bbox = boxed(&m, &Rect::new(0.0, st.rise - 0.25 * st.size, advance.max(0.0), st.rise + 0.8 * st.size));
        let (x, y) = apply(&m, 0.0, st.rise);
        let size = st.size * scale_of(&m);
        let fills = matches!(st.mode, 0 | 2 | 4 | 6);
        let strokes = matches!(st.mode, 1 | 2 | 5 | 6);
        let alpha = if fills { st.fill_alpha } else if strokes { st.stroke_alpha } else { 0.0 };
        let area = match (st.clip, self.scan.page) {
            (Some(c), _) => Some(c),
            (None, p) => p,
        };
        let on_page = area.is_none_or(|a| a.intersects(&bbox));
        let invisible = !(fills || strokes) || alpha <= 0.0 || !on_page || size.abs() < 0.05 || h.abs() < 1e-3 || !bbox.finite();
        if invisible {
            return;
        }
        let upright = m[0] > 0.0 && m[3] > 0.0 && m[1].abs() < 1e-6 && m[2].abs() < 1e-6 && (m[0] - m[3]).abs() < 1e-3 * m[0].abs().max(1.0);
        let colour = if fills { st.fill } else { st.stroke };
        let clear = font.trusted
            && upright
            && st.mode == 0
            && colour.is_some_and(|l| l <= 0.35)
            && st.fill_alpha >= 0.99
            && !st.odd_blend
            && !optional
            && !kerned
            && (st.scale - 100.0).abs() < 1e-6
            && st.char_space.abs() < 1e-6
            && st.word_space.abs() < 1e-6
            && st.rise.abs() < 1e-6
            && area.is_none_or(|a| a.contains(&bbox));
        self.scan.runs.push(Run { text, x, y, size, font: font.base.clone(), bbox, seen: if clear { Seen::Clear } else { Seen::Doubtful } });
    }

    fn x_object(&mut self, key: &[u8], resources: &Dictionary, st: &State, depth: usize, optional: bool) {
        let doc = self.doc;
        let Some(Object::Stream(s)) = resources.get(b"XObject").ok().and_then(|x| dict(doc, x)).and_then(|x| x.get(key).ok()).and_then(|o| deref(doc, o)) else {
            return;
        };
        match s.dict.get(b"Subtype").ok().and_then(|v| v.as_name().ok()) {
            Some(b"Image") => {
                let bbox = boxed(&st.ctm, &Rect::new(0.0, 0.0, 1.0, 1.0));
                let visible = match st.clip {
                    Some(c) => c.intersection(&bbox),
                    None => Some(bbox),
                };
                let Some(visible) = visible else { return };
                if let Some(text) = qr_of_image(s, self.expected.as_ref()).filter(|_| !optional && !st.odd_blend && st.fill_alpha >= 0.99) {
                    self.scan.qrs.push(DrawnQr { text, bbox: visible });
                } else {
                    self.scan.paints.push(Paint { bbox: visible, what: "an image" });
                }
            }
            Some(b"Form") => {
                if depth >= MAX_FORM_DEPTH {
                    self.scan.problems.push("forms nested too deeply".into());
                    return;
                }
                let Some(content) = stream_bytes(s) else {
                    self.scan.problems.push("a form drawn on the page cannot be read".into());
                    return;
                };
                let mut inner = st.clone();
                if let Some(m) = s.dict.get(b"Matrix").ok().and_then(|m| deref(doc, m)).and_then(|m| m.as_array().ok()).and_then(|a| nums(a)).filter(|a| a.len() == 6) {
                    inner.ctm = mul(&[m[0], m[1], m[2], m[3], m[4], m[5]], &st.ctm);
                }
                if let Some(b) = s.dict.get(b"BBox").ok().and_then(|b| deref(doc, b)).and_then(|b| b.as_array().ok()).and_then(|a| nums(a)).filter(|a| a.len() == 4) {
                    let c = boxed(&inner.ctm, &Rect::new(b[0], b[1], b[2], b[3]));
                    inner.clip = Some(match inner.clip {
                        Some(old) => old.intersection(&c).unwrap_or(Rect::new(c.x0, c.y0, c.x0, c.y0)),
                        None => c,
                    });
                }
                if s.dict.has(b"Group") || s.dict.has(b"OC") {
                    inner.odd_blend = true;
                }
                let res = s.dict.get(b"Resources").ok().and_then(|r| dict(doc, r)).cloned().unwrap_or_else(|| resources.clone());
                self.run(Source::Bytes(&content), &res, &mut inner, &mut Ctx::default(), depth + 1);
            }
            _ => {
                let bbox = boxed(&st.ctm, &Rect::new(0.0, 0.0, 1.0, 1.0));
                self.scan.paints.push(Paint { bbox, what: "an unknown object" });
            }
        }
    }
}

thread_local! {
    /// Operator lists of content streams seen lately, by their bytes'
    /// SHA-256: the template's fixed drawing is the same stream in every
    /// document of a kind, and parsing it dominated an audit's time. Only
    /// the parse is shared (a pure function of the bytes); every page is
    /// still interpreted with its own resources.
    #[allow(clippy::type_complexity)]
    static PARSED: std::cell::RefCell<Vec<([u8; 32], (usize, std::rc::Rc<Vec<lopdf::content::Operation>>))>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Streams kept parsed per thread; streams larger than this many bytes are
/// not kept (a document's own text is small and never repeats).
const PARSED_KEPT: usize = 32;
const PARSED_MIN_BYTES: usize = 1024;

/// A stream's operators and decoded length, parsed once per distinct
/// stream (keyed by its filter and stored bytes, so a hit skips the
/// inflate too). `Err(None)`: the stream does not decode.
#[allow(clippy::type_complexity)]
fn operations(stream: &lopdf::Stream) -> Result<(usize, std::rc::Rc<Vec<lopdf::content::Operation>>), Option<super::content::SyntaxError>> {
    use sha2::{Digest, Sha256};
    let parse = |s: &lopdf::Stream| -> Result<(usize, std::rc::Rc<Vec<lopdf::content::Operation>>), Option<super::content::SyntaxError>> {
        let bytes = stream_bytes(s).ok_or(None)?;
        let ops = super::content::parse(&bytes).map_err(Some)?;
        Ok((bytes.len(), std::rc::Rc::new(ops)))
    };
    if stream.content.len() < PARSED_MIN_BYTES / 2 {
        return parse(stream);
    }
    let mut h = Sha256::new();
    h.update(stream.dict.get(b"Filter").ok().map(|f| format!("{f:?}")).unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(stream.dict.get(b"DecodeParms").ok().map(|f| format!("{f:?}")).unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(&stream.content);
    let key: [u8; 32] = h.finalize().into();
    let hit = PARSED.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.iter().position(|(k, _)| *k == key)?;
        // Most recently used last: the shared streams stay, the documents'
        // own streams (seen once) go first.
        let e = p.remove(i);
        let found = e.1.clone();
        p.push(e);
        Some(found)
    });
    if let Some(found) = hit {
        return Ok(found);
    }
    let parsed = parse(stream)?;
    PARSED.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= PARSED_KEPT {
            p.remove(0);
        }
        p.push((key, parsed.clone()));
    });
    Ok(parsed)
}

/// Operand count of the operators the reader interprets (`None`: any).
fn arity(op: &str) -> Option<usize> {
    Some(match op {
        "q" | "Q" | "h" | "n" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" | "W" | "W*" | "BT" | "ET" | "T*" | "EMC" | "BI" => 0,
        "w" | "g" | "G" | "Tc" | "Tw" | "Tz" | "TL" | "Ts" | "Tr" | "gs" | "Do" | "cs" | "CS" | "Tj" | "'" | "TJ" | "BMC" | "sh" => 1,
        "m" | "l" | "Td" | "TD" | "Tf" | "BDC" => 2,
        "rg" | "RG" | "\"" => 3,
        "k" | "K" | "re" | "v" | "y" => 4,
        "cm" | "Tm" | "c" => 6,
        _ => return None,
    })
}

/// Operators whose operands must all be numbers.
fn numeric(op: &str) -> bool {
    matches!(op, "w" | "g" | "G" | "Tc" | "Tw" | "Tz" | "TL" | "Ts" | "Tr" | "m" | "l" | "Td" | "TD" | "rg" | "RG" | "k" | "K" | "re" | "v" | "y" | "cm" | "Tm" | "c")
}

fn scale_of(m: &M) -> f64 {
    (m[0] * m[3] - m[1] * m[2]).abs().sqrt()
}

/// The text of a QR code drawn as a square 1-bit image with one pixel per
/// module, as terbit draws it.
fn qr_of_image(s: &lopdf::Stream, expected: Option<&(String, usize, Vec<u8>)>) -> Option<String> {
    let int = |k: &[u8]| s.dict.get(k).ok().and_then(|v| v.as_i64().ok());
    if int(b"BitsPerComponent") != Some(1) || s.dict.has(b"Decode") || s.dict.has(b"ImageMask") || s.dict.has(b"SMask") || s.dict.has(b"Mask") {
        return None;
    }
    let (w, h) = (int(b"Width")?, int(b"Height")?);
    if w != h || !(21..=200).contains(&w) {
        return None;
    }
    let data = stream_bytes(s)?;
    if let Some((text, size, bits)) = expected {
        // Bits equal to the encoding of the expected text are that text.
        if *size == w as usize && data.get(..bits.len()) == Some(bits.as_slice()) && data.len() == bits.len() {
            return Some(text.clone());
        }
    }
    let dark = Matrix::unpack_1bit(w as usize, h as usize, &data)?;
    qr::decode_modules(w as usize, &dark)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unicode_maps_are_read() {
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n2 beginbfchar\n<0003> <0041>\n<0004> <0142>\nendbfchar\n1 beginbfrange\n<0010> <0012> <0061>\nendbfrange";
        let m = parse_to_unicode(cmap);
        assert_eq!(m.get(&3), Some(&'A'));
        assert_eq!(m.get(&4), Some(&'ł'));
        assert_eq!(m.get(&0x12), Some(&'c'));
    }

    #[test]
    fn win_ansi_high_bytes() {
        assert_eq!(win_ansi_char(0x80), Some('€'));
        assert_eq!(win_ansi_char(b'A'), Some('A'));
        assert_eq!(win_ansi_char(0x81), None);
        assert_eq!(win_ansi_char(0xE9), Some('é'));
    }

    #[test]
    fn matrices_compose_as_pdf_does() {
        let m = mul(&[1.0, 0.0, 0.0, 1.0, 10.0, 20.0], &[2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        assert_eq!(apply(&m, 1.0, 1.0), (22.0, 42.0));
    }
}
