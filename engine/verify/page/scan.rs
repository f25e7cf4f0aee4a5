//! What a page was found to show: text runs, painted boxes and QR codes
//! in page space; and the small geometry and object helpers the reader
//! works with.

use lopdf_read::{Dictionary, Document, Object};

/// An axis-aligned box in page space (points, origin bottom-left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left.
    pub x0: f64,
    /// Bottom.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Top.
    pub y1: f64,
}

impl Rect {
    /// The box between two corners, in any order.
    pub fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect {
        Rect { x0: x0.min(x1), y0: y0.min(y1), x1: x0.max(x1), y1: y0.max(y1) }
    }
    /// Whether the two boxes overlap with a positive area.
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
    /// The overlap of the two boxes, if they overlap.
    pub fn intersection(&self, o: &Rect) -> Option<Rect> {
        self.intersects(o).then(|| Rect { x0: self.x0.max(o.x0), y0: self.y0.max(o.y0), x1: self.x1.min(o.x1), y1: self.y1.min(o.y1) })
    }
    /// Whether `o` lies wholly inside this box.
    pub fn contains(&self, o: &Rect) -> bool {
        o.x0 >= self.x0 - 0.01 && o.y0 >= self.y0 - 0.01 && o.x1 <= self.x1 + 0.01 && o.y1 <= self.y1 + 0.01
    }
    pub(super) fn union(&self, o: &Rect) -> Rect {
        Rect { x0: self.x0.min(o.x0), y0: self.y0.min(o.y0), x1: self.x1.max(o.x1), y1: self.y1.max(o.y1) }
    }
    /// Smaller by `d` on every side.
    pub fn shrink(&self, d: f64) -> Rect {
        Rect { x0: self.x0 + d, y0: self.y0 + d, x1: (self.x1 - d).max(self.x0 + d), y1: (self.y1 - d).max(self.y0 + d) }
    }
    pub(super) fn finite(&self) -> bool {
        [self.x0, self.y0, self.x1, self.y1].iter().all(|v| v.is_finite())
    }
}

/// How far a run of text can be trusted to look like its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Upright, dark, opaque, in a font whose glyphs are known: can show a signed value.
    Clear,
    /// Drawn, but perhaps not as its bytes say (pale, transparent, rotated, stretched, stroked, in an unknown font, optional).
    Doubtful,
}

/// One text-showing operator's text as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The characters, decoded through the font.
    pub text: String,
    /// Start of the baseline, page space.
    pub x: f64,
    /// Baseline height of that start, page space.
    pub y: f64,
    /// Effective font size in points.
    pub size: f64,
    /// The font's BaseFont name.
    pub font: String,
    /// The box the text covers, page space.
    pub bbox: Rect,
    /// How far it can be trusted.
    pub seen: Seen,
}

/// Something painted that is not text.
#[derive(Debug, Clone, PartialEq)]
pub struct Paint {
    /// The box painted, page space.
    pub bbox: Rect,
    /// What it is ("a fill", "an image", ...), for messages.
    pub what: &'static str,
}

/// A QR code decoded from a 1-bit image the page draws.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnQr {
    /// The QR text.
    pub text: String,
    /// Where the QR is drawn, page space.
    pub bbox: Rect,
}

/// What one page visibly shows.
#[derive(Debug, Default, Clone)]
pub struct Scan {
    /// The page's visible area (media box, cut by the crop box).
    pub page: Option<Rect>,
    /// Text drawn, in drawing order.
    pub runs: Vec<Run>,
    /// Everything else painted.
    pub paints: Vec<Paint>,
    /// QR codes drawn as 1-bit images.
    pub qrs: Vec<DrawnQr>,
    /// What makes the whole page unreadable or suspicious, in words.
    pub problems: Vec<String>,
}

pub(super) type M = [f64; 6];
pub(super) const IDENTITY: M = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

pub(super) fn mul(a: &M, b: &M) -> M {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

pub(super) fn apply(m: &M, x: f64, y: f64) -> (f64, f64) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

pub(super) fn boxed(m: &M, r: &Rect) -> Rect {
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

pub(super) fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

pub(super) fn nums(ops: &[Object]) -> Option<Vec<f64>> {
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

pub(super) fn name<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    d.get(key).ok().and_then(|o| deref(doc, o)).and_then(|o| o.as_name().ok())
}


pub(super) fn scale_of(m: &M) -> f64 {
    (m[0] * m[3] - m[1] * m[2]).abs().sqrt()
}
