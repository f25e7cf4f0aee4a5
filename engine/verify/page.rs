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
//! Before any of that, the page must hold nothing terbit does not write
//! (`allow`): its structure, resources, fonts, images, annotations and
//! every operator with its operands are held to what `engine/pdf` emits,
//! and anything else is a problem naming it. The model of what viewers
//! draw then only has to be right for terbit's own few operators.
//!
//! Limits keep a hostile page cheap: a budget of operators, a form depth,
//! a graphics-state depth and stream size limits.

use std::collections::BTreeMap;

use lopdf_read::{Dictionary, Document, Object};

use crate::dk1::qr::{self, Matrix};

use self::fonts::FontInfo;
mod allow;
pub mod content;
mod draw;
pub(super) mod fonts;
pub mod layout;
pub(super) mod load;
pub mod scan;
pub(super) mod streams;

use self::scan::{apply, boxed, deref, dict, mul, num, nums, scale_of, DrawnQr, Paint, Rect, Run, Scan, Seen, IDENTITY, M};
use self::streams::{arity, numeric, operations, page_streams, stream_bytes};

/// Why a page whose QR image reads, but only through error correction, is
/// not genuine: terbit draws each symbol exactly, so changed modules mean
/// the image was edited (a second image for one signed text).
pub const QR_NOT_EXACT: &str = "the QR code's image is not exactly the symbol terbit draws for the text it carries: some of its modules were changed (it still reads, through error correction)";

/// Operators interpreted per page, forms included.
const MAX_OPS: usize = 200_000;
/// Nested form XObjects.
const MAX_FORM_DEPTH: usize = 8;
/// Nested `q`.
const MAX_SAVE_DEPTH: usize = 64;
/// Content bytes decoded per page, forms counted each time they are drawn.
const MAX_PAGE_BYTES: usize = 32 << 20;

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
    /// Inside `BT … ET`.
    in_text: bool,
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
    /// What the page holds that terbit never writes ([`allow`]).
    refusals: allow::Refusals,
}

/// Read one page of `doc`.
/// Read one page of `doc`. `expected_qr`, when the caller already knows
/// which QR text the page should carry (a run's manifest names it), lets a
/// QR image be recognised by comparing its bits with that text's encoding
/// (exact, and cheaper than reading it); any other image is read as usual.
pub fn scan_page(doc: &Document, page_id: lopdf_read::ObjectId, expected_qr: Option<&str>) -> Scan {
    let expected = expected_qr.and_then(|t| qr::encode_1bit(t).ok().map(|p| (t.to_string(), p.size, p.bits)));
    let mut it = Interp { doc, scan: Scan::default(), ops: 0, fonts: BTreeMap::new(), bytes: 0, exhausted: false, expected, refusals: allow::Refusals::default() };
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
    it.allow_structure(page, &resources);
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
    it.scan.problems.extend(it.refusals.0);
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

/// Annotations show on top of the page: where they cover it.
fn annotations(doc: &Document, page: &Dictionary, scan: &mut Scan) {
    let Some(Object::Array(annots)) = page.get(b"Annots").ok().and_then(|a| deref(doc, a)) else { return };
    for a in annots {
        let Some(a) = dict(doc, a) else { continue };
        let hidden = a.get(b"F").ok().and_then(|f| deref(doc, f)).and_then(|f| f.as_i64().ok()).is_some_and(|f| f & 2 != 0);
        let rect = a.get(b"Rect").ok().and_then(|r| deref(doc, r)).and_then(|r| r.as_array().ok()).and_then(|r| nums(r)).filter(|r| r.len() == 4);
        let empty = rect.as_ref().is_some_and(|r| (r[2] - r[0]).abs() < 0.01 || (r[3] - r[1]).abs() < 0.01);
        // Refused by the allow-list ([`allow`]); its box still tells which
        // printed value it covers.
        if !hidden && !empty {
            if let Some(r) = rect {
                scan.paints.push(Paint { bbox: Rect::new(r[0], r[1], r[2], r[3]), what: "an annotation" });
            }
        }
    }
}

/// Content to interpret: a page's stream (parsed once per distinct
/// stream), or a form's bytes.
enum Source<'a> {
    Stream(&'a lopdf_read::Stream),
    Bytes(&'a [u8]),
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
            Source::Bytes(b) => self::content::parse(b).map(|ops| (b.len(), std::rc::Rc::new(ops))).map_err(Some),
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
        let Ctx { stack, path, pending_clip, tm, tlm, marked, optional_from, in_text } = ctx;
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
            self.allowed(&op.operator, o, &n, st, *in_text);
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
                "c" | "v" | "y" if n.len() >= 4 && n.len().is_multiple_of(2) => {
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
                    *in_text = true;
                }
                "ET" => *in_text = false,
                "Tf" if o.len() == 2 => {
                    st.size = num(&o[1]).unwrap_or(0.0);
                    st.font = o[0].as_name().ok().and_then(|f| self.font(resources, f));
                    if st.font.is_none() {
                        self.refusals.push("a font that is not among the page's fonts (`Tf`)".into());
                    }
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
                    *tlm = mul(&[1.0, 0.0, 0.0, 1.0, n[0], n[1]], tlm);
                    *tm = *tlm;
                }
                "Tm" if n.len() == 6 => {
                    *tlm = [n[0], n[1], n[2], n[3], n[4], n[5]];
                    *tm = *tlm;
                }
                "T*" => {
                    *tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.leading], tlm);
                    *tm = *tlm;
                }
                "Tj" | "'" | "\"" | "TJ" => {
                    if op.operator != "Tj" && op.operator != "TJ" {
                        if op.operator == "\"" && n.len() >= 2 {
                            st.word_space = n[0];
                            st.char_space = n[1];
                        }
                        *tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.leading], tlm);
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
}


/// The text of a QR code drawn as a square 1-bit image with one pixel per
/// module, as terbit draws it.
/// The text of a QR image, and whether the image is exactly the symbol
/// terbit draws for that text. A symbol with modules changed may still
/// read, through error correction: its text is given (so the page is
/// judged against it) but never as exact.
fn qr_of_image(s: &lopdf_read::Stream, expected: Option<&(String, usize, Vec<u8>)>) -> Option<(String, bool)> {
    let int = |k: &[u8]| s.dict.get(k).ok().and_then(|v| v.as_i64().ok());
    // Read whatever its colour space: an image that is not terbit's kind
    // (an /Indexed palette can draw "dark" modules white) is refused by
    // the allow-list, which then names it against this QR's document.
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
            return Some((text.clone(), true));
        }
    }
    let dark = Matrix::unpack_1bit(w as usize, h as usize, &data)?;
    let text = qr::decode_modules(w as usize, &dark)?;
    // Exact: the image's bytes are the packed encoding of what it reads as.
    let exact = qr::encode_1bit(&text).is_ok_and(|p| p.size == w as usize && p.bits == data);
    Some((text, exact))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_as_pdf_does() {
        let m = mul(&[1.0, 0.0, 0.0, 1.0, 10.0, 20.0], &[2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        assert_eq!(apply(&m, 1.0, 1.0), (22.0, 42.0));
    }
}
