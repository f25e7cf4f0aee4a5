//! Does the page show what its QR signs?
//!
//! The template of the QR's kind says where each value is printed, in which
//! font and at which size ([`crate::pdf::geometry::place_text`], the renderer's own
//! computation). From the signed record we rebuild every text of the
//! template that prints a signed value, in the form it prints it (a sex
//! code in words, a village code's area names from the reference data, RT
//! and RW split back out of the signed address line; a template printing a
//! signed value in a form that cannot be rebuilt is refused when loaded,
//! [`crate::kind::template::signed`]), and the page's fixed wording; and
//! require the page to show exactly that text (unsigned values beside a
//! signed one may be any value their column allows), as one plainly
//! visible run at that place — never a substring, never text that is
//! invisible, pale, clipped, stretched or in an altered font — with nothing
//! else drawn or painted over it, and no text or image anywhere the
//! template prints none. A family card's member NIKs are read row by row
//! from its table and checked against the signed member digest.

use sha2::{Digest, Sha256};

use super::scan::{Rect, Run, Scan, Seen};
use crate::util::show::clip_shown;
use crate::dk1::Claims;
use crate::model::SignedValues;
use crate::pdf::geometry::{place_text, pt, table_cell};
use crate::kind::schema::ColType;
use crate::kind::derived::Derived;
use crate::kind::template::signed::{self, Chars};
use crate::kind::template::{Align, Element, Font, Format, Part, Template, Text};

/// Points a genuine run may sit from its computed place (rounding to a
/// thousandth of a point, and float noise).
const TOLERANCE: f64 = 0.6;

/// What one page contributed: its problems, and the member NIKs its table
/// shows (in row order).
#[derive(Debug, Default)]
pub struct PageResult {
    /// What differs from the signed record.
    pub problems: Vec<String>,
    /// Member NIKs read from the table, in order.
    pub members: Vec<String>,
}

/// The text as a pattern: what the record fixes, and what any value
/// of the unsigned fields may print there.
fn pattern(known: &SignedValues, t: &Template, text: &Text) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let fixed = |s: &str, out: &mut Vec<Piece>| match out.last_mut() {
        Some(Piece::Fixed(f)) => f.push_str(s),
        _ => out.push(Piece::Fixed(s.to_string())),
    };
    for p in &text.0 {
        match p {
            Part::Lit(l) => fixed(l, &mut out),
            Part::Field { index, format } => {
                let mut s = String::new();
                if known.show(*index, *format, &mut s) {
                    fixed(&s, &mut out);
                } else {
                    out.push(Piece::Wild(wildcard(t, *index, *format)));
                }
            }
        }
    }
    out
}

/// Part of a printed text's pattern.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// Exactly this.
    Fixed(String),
    /// An unsigned value.
    Wild(Wild),
}

/// What an unsigned field may print.
#[derive(Debug, Clone, PartialEq)]
enum Wild {
    /// One of these (a choice, a sex in words).
    OneOf(Vec<String>),
    /// Any text of these characters (empty included).
    Of(Chars),
}

/// What unsigned field `index` may print as `format`.
fn wildcard(t: &Template, index: usize, format: Format) -> Wild {
    let col = t.schema.columns.get(index);
    let optional = col.is_none_or(|c| !c.required);
    let list = |values: &[&str]| {
        let mut v: Vec<String> = values
            .iter()
            .map(|x| {
                let mut s = String::new();
                format.apply(x, &mut s);
                s
            })
            .collect();
        if optional {
            v.push(String::new());
        }
        Wild::OneOf(v)
    };
    match col.map(|c| c.ty) {
        Some(ColType::Choice) => list(&col.map(|c| c.values.iter().map(String::as_str).collect::<Vec<_>>()).unwrap_or_default()),
        Some(ColType::Sex) => list(&["L", "P"]),
        _ => match (signed::chars_of(&t.schema, index), format) {
            (Chars::Digits, Format::Plain) => Wild::Of(Chars::Digits),
            _ => Wild::Of(Chars::Any),
        },
    }
}

/// Whether `s` is one of the texts `pattern` allows.
fn matches(pattern: &[Piece], s: &str) -> bool {
    match pattern.split_first() {
        None => s.is_empty(),
        Some((Piece::Fixed(f), rest)) => s.strip_prefix(f.as_str()).is_some_and(|r| matches(rest, r)),
        Some((Piece::Wild(Wild::OneOf(options)), rest)) => options.iter().any(|o| s.strip_prefix(o.as_str()).is_some_and(|r| matches(rest, r))),
        Some((Piece::Wild(Wild::Of(chars)), rest)) => {
            // Every split point the characters allow; texts are a line long.
            let mut ends: Vec<usize> = vec![0];
            for (i, c) in s.char_indices() {
                if !chars.holds(c) {
                    break;
                }
                ends.push(i + c.len_utf8());
            }
            ends.into_iter().any(|e| matches(rest, &s[e..]))
        }
    }
}

/// The pattern as a person reads it: unsigned values as "…".
fn shown_pattern(pattern: &[Piece]) -> String {
    pattern
        .iter()
        .map(|p| match p {
            Piece::Fixed(f) => f.as_str(),
            Piece::Wild(_) => "…",
        })
        .collect()
}

/// Words for a field in a message.
fn label(t: &Template, index: usize) -> String {
    let name = t.fields.get(index).map(String::as_str).unwrap_or("");
    if let Some(c) = t.schema.columns.iter().find(|c| c.name == name) {
        return c.label.clone().unwrap_or_else(|| name.replace('_', " "));
    }
    match Derived::from_name(name) {
        Some(d) => d.label().into(),
        None => name.replace('_', " "),
    }
}

/// Whether a run's BaseFont is the one the renderer uses for `font`: a
/// standard Helvetica, or for text outside WinAnsi the embedded fallback
/// (its subset tag, regular or bold; the page reader has checked its
/// program byte for byte).
fn font_matches(font: Font, fallback: bool, base: &str) -> bool {
    if fallback {
        return base.starts_with(crate::pdf::fonts::FALLBACK_TAG) && base.contains("Bold") == (font == Font::Bold);
    }
    base == match font {
        Font::Regular => "Helvetica",
        Font::Bold => "Helvetica-Bold",
        Font::Italic => "Helvetica-Oblique",
    }
}

/// One text the page must show.
struct Expected {
    what: String,
    text: String,
    x: f64,
    y: f64,
    size: f64,
    font: Font,
    fallback: bool,
    bbox: Rect,
    /// Made of signed values (else fixed wording: only its presence counts).
    signed: bool,
}

impl Expected {
    #[allow(clippy::too_many_arguments)]
    fn new(t: &Template, what: String, text: String, x_mm: f32, y_mm: f32, size: f32, font: Font, align: crate::kind::template::Align, max_width: Option<f32>, min_scale: f32, signed: bool) -> Expected {
        let p = place_text(&text, x_mm, size, font, align, max_width, min_scale);
        let x = f64::from(pt(p.x_mm));
        let y = f64::from(pt(t.height_mm - y_mm));
        let size = f64::from(p.size);
        let bbox = Rect::new(x, y - 0.25 * size, x + f64::from(pt(p.width_mm)), y + 0.8 * size);
        Expected { what, text, x, y, size, font, fallback: p.fallback, bbox, signed }
    }

    fn is(&self, r: &Run) -> bool {
        r.seen == Seen::Clear
            && r.text == self.text
            && font_matches(self.font, self.fallback, &r.font)
            && (r.x - self.x).abs() <= TOLERANCE
            && (r.y - self.y).abs() <= TOLERANCE
            && (r.size - self.size).abs() <= 0.02 * self.size + 0.01
    }

    /// Check the page shows this text, alone, unpainted.
    fn check(&self, scan: &Scan, out: &mut Vec<String>) {
        let place = self.bbox.shrink(0.3);
        let shown = scan.runs.iter().position(|r| self.is(r));
        if !self.signed {
            if shown.is_none() {
                out.push(format!("the page lacks the template's text \"{}\"", clip_shown(&self.text, 60)));
            }
            return;
        }
        let Some(i) = shown else {
            let there = scan.runs.iter().find(|r| r.seen == Seen::Clear && (r.y - self.y).abs() <= TOLERANCE && r.bbox.intersects(&place));
            out.push(match there {
                Some(r) if r.text == self.text => format!(
                    "the printed {} is not drawn as terbit draws it (font {}, {:.1} pt at {:.1}, {:.1}; expected {:?} {:.1} pt at {:.1}, {:.1})",
                    self.what, clip_shown(&r.font, 40), r.size, r.x, r.y, self.font, self.size, self.x, self.y
                ),
                Some(r) => format!("printed {} \"{}\" differs from the signed {} \"{}\"", self.what, clip_shown(&r.text, 80), self.what, clip_shown(&self.text, 80)),
                None => format!("the page does not show the signed {} \"{}\" where the template prints it", self.what, clip_shown(&self.text, 80)),
            });
            return;
        };
        for (j, r) in scan.runs.iter().enumerate() {
            if j != i && r.bbox.intersects(&place) {
                out.push(match r.seen {
                    Seen::Clear => format!("other text \"{}\" is drawn over the printed {}", clip_shown(&r.text, 60), self.what),
                    Seen::Doubtful => format!(
                        "text that may not look as it reads (\"{}\": pale, transparent, distorted or in an unknown font) is drawn over the printed {}",
                        clip_shown(&r.text, 60),
                        self.what
                    ),
                });
            }
        }
        for p in &scan.paints {
            if p.bbox.intersects(&place) {
                out.push(format!("{} is painted over the printed {}", p.what, self.what));
            }
        }
    }
}

/// Compare page `page` of `pages` with what `claims` sign, by `t`.
pub fn check_page(t: &Template, claims: &Claims, kid: &str, page: usize, pages: usize, scan: &Scan) -> PageResult {
    let mut res = PageResult::default();
    let out = &mut res.problems;
    let known = SignedValues::new(t, claims, kid, page, pages);
    if let Some(area) = scan.page {
        let (w, h) = (f64::from(pt(t.width_mm)), f64::from(pt(t.height_mm)));
        if (area.x1 - area.x0 - w).abs() > 1.0 || (area.y1 - area.y0 - h).abs() > 1.0 || area.x0.abs() > 1.0 || area.y0.abs() > 1.0 {
            out.push(format!(
                "the page is {:.0} × {:.0} mm, not the {} page of {:.0} × {:.0} mm",
                (area.x1 - area.x0) / 72.0 * 25.4,
                (area.y1 - area.y0) / 72.0 * 25.4,
                t.kind,
                t.width_mm,
                t.height_mm
            ));
        }
    }
    let mut missing_wording = Vec::new();
    for e in &t.elements {
        match e {
            Element::Text { x, y, size, font, align, max_width, text, pages: on } if on.includes(page, pages) => {
                let fields: Vec<usize> = text.fields().collect();
                let signed = fields.iter().any(|i| known.signed[*i]);
                if !fields.is_empty() && !signed {
                    continue;
                }
                let what = fields.iter().find(|i| known.signed[**i]).map(|i| label(t, *i)).unwrap_or_else(|| "wording".into());
                let expect = |s: String| Expected::new(t, what.clone(), s, *x, *y, *size, *font, *align, *max_width, 0.6, signed);
                if let Some(s) = known.fill(text) {
                    if s.is_empty() {
                        continue;
                    }
                    let exp = expect(s);
                    if signed {
                        exp.check(scan, out);
                    } else {
                        exp.check(scan, &mut missing_wording);
                    }
                    continue;
                }
                // Signed values printed beside unsigned ones (": {sex|sex} /
                // {blood_type}"): the signed ones exactly, at their place in
                // the text, the unsigned ones any value their column allows;
                // the whole text placed as the renderer placed it.
                let pattern = pattern(&known, t, text);
                if matches(&pattern, "") {
                    continue;
                }
                let line = f64::from(pt(t.height_mm - *y));
                let shown = scan.runs.iter().filter(|r| r.seen == Seen::Clear && (r.y - line).abs() <= TOLERANCE && matches(&pattern, &r.text)).map(|r| expect(r.text.clone())).find(|e| scan.runs.iter().any(|r| e.is(r)));
                match shown {
                    Some(exp) => exp.check(scan, out),
                    None => expect(shown_pattern(&pattern)).check(scan, out),
                }
            }
            Element::Qr { x, y, size } => {
                let want = Rect::new(f64::from(pt(*x)), f64::from(pt(t.height_mm - y - size)), f64::from(pt(x + size)), f64::from(pt(t.height_mm - y)));
                let near = |b: &Rect| (b.x0 - want.x0).abs() <= 2.0 && (b.y0 - want.y0).abs() <= 2.0 && (b.x1 - want.x1).abs() <= 2.0 && (b.y1 - want.y1).abs() <= 2.0;
                if !scan.qrs.iter().any(|q| near(&q.bbox)) {
                    out.push("the QR code is not drawn where the template places it".into());
                }
                for p in &scan.paints {
                    if p.bbox.intersects(&want.shrink(1.0)) {
                        out.push(format!("{} is painted over the QR code", p.what));
                    }
                }
            }
            Element::Table(table) => members(t, table, claims, page, scan, &mut res.members, out),
            _ => {}
        }
    }
    unplaced(t, page, pages, scan, out);
    if !missing_wording.is_empty() {
        out.push(format!(
            "the page is not a {} page as terbit prints it: {} of its fixed texts are missing ({})",
            t.kind,
            missing_wording.len(),
            missing_wording[0]
        ));
    }
    res
}

/// Where the template prints a text: its anchor, line, font and largest
/// size (a text shrinks to fit, down to `min_scale` of it).
struct Slot {
    x: f64,
    y: f64,
    align: Align,
    font: Font,
    size: f64,
    min_scale: f64,
}

impl Slot {
    fn new(t: &Template, x: f32, y: f32, align: Align, font: Font, size: f32, min_scale: f64) -> Slot {
        Slot { x: f64::from(pt(x)), y: f64::from(pt(t.height_mm - y)), align, font, size: f64::from(size), min_scale }
    }

    fn holds(&self, r: &Run) -> bool {
        let advance = r.bbox.x1 - r.bbox.x0;
        let anchor = match self.align {
            Align::Left => r.x,
            Align::Center => r.x + advance / 2.0,
            Align::Right => r.x + advance,
        };
        (anchor - self.x).abs() <= TOLERANCE
            && (r.y - self.y).abs() <= TOLERANCE
            && r.size <= self.size * 1.02 + 0.01
            && r.size >= self.size * self.min_scale * 0.98 - 0.01
            && (font_matches(self.font, false, &r.font) || font_matches(self.font, true, &r.font))
    }
}

/// Text and images the template does not print. Every text terbit draws
/// is one of its template's, at its place: a text elsewhere (a forged
/// value a line below the real one) or an image elsewhere is not
/// terbit's, whatever it says.
fn unplaced(t: &Template, page: usize, pages: usize, scan: &Scan, out: &mut Vec<String>) {
    let mut slots: Vec<Slot> = Vec::new();
    let mut logos: Vec<(f64, f64, f64)> = Vec::new();
    for e in &t.elements {
        match e {
            Element::Text { x, y, size, font, align, pages: on, .. } if on.includes(page, pages) => slots.push(Slot::new(t, *x, *y, *align, *font, *size, 0.6)),
            Element::Logo { x, y, size, pages: on } if on.includes(page, pages) => logos.push((f64::from(pt(*x)), f64::from(pt(t.height_mm - y)), f64::from(pt(*size)))),
            Element::Table(table) => {
                // As `pdf/canvas.rs` draws the grid's titles and the cells.
                let mut left = table.x;
                for (i, c) in table.columns.iter().enumerate() {
                    let cx = left + c.width / 2.0;
                    let title_y = if c.title_en.is_some() { table.y + table.header_height / 2.0 - 0.2 } else { table.y + table.header_height / 2.0 + 1.2 };
                    slots.push(Slot::new(t, cx, title_y, Align::Center, Font::Bold, table.size, 0.5));
                    if c.title_en.is_some() {
                        slots.push(Slot::new(t, cx, title_y + table.size * 0.42, Align::Center, Font::Italic, table.size * 0.85, 0.5));
                    }
                    for row in 0..table.rows {
                        let cell = table_cell(table, i, row);
                        slots.push(Slot::new(t, cell.x, cell.y, cell.align, Font::Regular, table.size, 0.5));
                    }
                    left += c.width;
                }
            }
            _ => {}
        }
    }
    slots.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut strays = 0;
    for r in &scan.runs {
        let from = slots.partition_point(|s| s.y < r.y - TOLERANCE);
        if slots[from..].iter().take_while(|s| s.y <= r.y + TOLERANCE).any(|s| s.holds(r)) {
            continue;
        }
        strays += 1;
        if strays <= 3 {
            out.push(format!(
                "text \"{}\" is drawn where the template prints none ({:.1}, {:.1}) — terbit draws only its template's texts, at their places",
                clip_shown(&r.text, 60),
                r.x,
                r.y
            ));
        }
    }
    if strays > 3 {
        out.push(format!("{} more texts are drawn where the template prints none", strays - 3));
    }
    for p in scan.paints.iter().filter(|p| p.what == "an image") {
        let placed = logos.iter().any(|(x, top, h)| (p.bbox.x0 - x).abs() <= 2.0 && (p.bbox.y1 - top).abs() <= 2.0 && (p.bbox.y1 - p.bbox.y0 - h).abs() <= 2.0);
        if !placed {
            out.push(format!("an image is drawn at ({:.1}, {:.1}) where the template places none", p.bbox.x0, p.bbox.y0));
        }
    }
}

/// Read this page's member NIKs from the table (the column that prints
/// what the record's member NIK is made of) and check each cell.
fn members(t: &Template, table: &crate::kind::template::Table, claims: &Claims, page: usize, scan: &Scan, found: &mut Vec<String>, out: &mut Vec<String>) {
    let Some(nik_text) = &t.record.member_nik else { return };
    let Some(col) = table.columns.iter().position(|c| &c.text == nik_text) else { return };
    let listed = &claims.record.related;
    for row in 0..table.rows {
        let cell = table_cell(table, col, row);
        let y = f64::from(pt(t.height_mm - cell.y));
        let area = Rect::new(f64::from(pt(cell.left)), y - 0.25 * f64::from(table.size), f64::from(pt(cell.left + cell.width)), y + 0.8 * f64::from(table.size));
        let here: Vec<&Run> = scan.runs.iter().filter(|r| r.bbox.intersects(&area.shrink(0.3))).collect();
        let index = (page - 1) * table.rows + row;
        let Some(first) = here.first() else { continue };
        let exp = Expected::new(t, format!("member NIK in row {}", index + 1), first.text.clone(), cell.x, cell.y, table.size, Font::Regular, cell.align, Some(cell.fit), 0.5, true);
        if let Some(want) = listed.get(index).filter(|_| !listed.is_empty()) {
            let exp = Expected { text: want.clone(), ..exp };
            exp.check(scan, out);
            found.push(first.text.clone());
            continue;
        }
        let before = out.len();
        exp.check(scan, out);
        if here.len() > 1 && out.len() == before {
            out.push(format!("more than one text is drawn in the member NIK cell of row {}", index + 1));
        }
        found.push(first.text.clone());
    }
}

/// Check the members read from every page of a document against its record.
pub fn check_members(t: &Template, claims: &Claims, members: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if t.record.member_nik.is_none() {
        return out;
    }
    let r = &claims.record;
    if let Some(n) = r.member_count {
        if n != members.len() as u64 {
            out.push(format!("the member table shows {} members, the record signs {n}", members.len()));
        }
    }
    if let Some(d) = &r.member_digest {
        let got = Sha256::digest(members.join("\n").as_bytes());
        if got[..16] != d[..] {
            out.push(format!(
                "the member NIKs printed in the table ({} rows) are not the signed members: a member row was edited, added, removed or reordered",
                members.len()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_allow_only_the_unsigned_values() {
        let p = vec![Piece::Fixed(": LAKI-LAKI / ".into()), Piece::Wild(Wild::OneOf(vec!["A".into(), "AB".into(), String::new()]))];
        assert!(matches(&p, ": LAKI-LAKI / AB") && matches(&p, ": LAKI-LAKI / "));
        assert!(!matches(&p, ": PEREMPUAN / A") && !matches(&p, ": LAKI-LAKI / X"));
        let p = vec![Piece::Wild(Wild::Of(Chars::Any)), Piece::Fixed(", 23 November 2026".into())];
        assert!(matches(&p, "Kediri, 23 November 2026") && !matches(&p, "Kediri, 24 November 2026"));
        assert_eq!(shown_pattern(&p), "…, 23 November 2026");
        let p = vec![Piece::Fixed("RT ".into()), Piece::Wild(Wild::Of(Chars::Digits)), Piece::Fixed(" RW 3".into())];
        assert!(matches(&p, "RT 12 RW 3") && !matches(&p, "RT 1x RW 3"));
    }
}
