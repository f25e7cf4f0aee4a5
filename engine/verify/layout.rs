//! Does the page show what its QR signs?
//!
//! The template of the QR's kind says where each value is printed, in which
//! font and at which size ([`crate::pdf::geometry::place_text`], the renderer's own
//! computation). From the signed record we rebuild every text of the
//! template whose values are all signed (the document number, names, NIKs,
//! dates, places, the key id, the member count, and the page's fixed
//! wording), and require the page to show exactly that text, as one plainly
//! visible run at that place — never a substring, never text that is
//! invisible, pale, clipped, stretched or in an altered font — with nothing
//! else drawn or painted over it. A family card's member NIKs are read row
//! by row from its table and checked against the signed member digest.

use sha2::{Digest, Sha256};

use super::scan::{Rect, Run, Scan, Seen};
use crate::util::show::clip_shown;
use crate::dk1::{Claims, Extra};
use crate::pdf::geometry::{place_text, pt, table_cell};
use crate::kind::template::{Element, Font, Format, Part, Template, Text};

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

/// The values of a template's fields that the signed record fixes.
struct Known {
    exact: Vec<Option<String>>,
    /// Only the upper-case form is signed (`name = "{child_name|upper}"`).
    upper: Vec<Option<String>>,
    /// Fields whose value is signed (not just the page's own numbering).
    signed: Vec<bool>,
}

fn single_field(t: &Text) -> Option<(usize, Format)> {
    match t.0.as_slice() {
        [Part::Field { index, format }] => Some((*index, *format)),
        _ => None,
    }
}

impl Known {
    fn new(t: &Template, c: &Claims, kid: &str, page: usize, pages: usize) -> Known {
        let n = t.fields.len();
        let mut k = Known { exact: vec![None; n], upper: vec![None; n], signed: vec![false; n] };
        let r = &c.record;
        let mut learn = |text: &Text, value: &str| {
            if let Some((i, f)) = single_field(text) {
                match f {
                    Format::Plain => k.exact[i] = Some(value.to_string()),
                    Format::Upper => k.upper[i] = Some(value.to_string()),
                    _ => return,
                }
                k.signed[i] = true;
            }
        };
        learn(&t.record.nik, &r.nik);
        learn(&t.record.name, &r.name);
        if let Some(b) = &t.record.birth_date {
            learn(b, r.birth_date.as_deref().unwrap_or(""));
        }
        if let Some(b) = &t.record.birth_place {
            learn(b, r.birth_place.as_deref().unwrap_or(""));
        }
        for (key, text, _) in &t.record.extra {
            let v = r.extra.get(key).map(Extra::to_string).unwrap_or_default();
            learn(text, &v);
        }
        let date = |epoch: i64| chrono::DateTime::from_timestamp(epoch, 0).map(|d| d.date_naive().format("%Y-%m-%d").to_string());
        let derived: [(&str, Option<String>, bool); 7] = [
            ("document_number", Some(r.number.clone()), true),
            ("issue_date", Some(r.issue_date.clone()), true),
            ("kid", Some(kid.to_string()), true),
            ("member_count", r.member_count.map(|m| m.to_string()), true),
            ("expiry_date", c.expiry.map_or(Some(String::new()), date), true),
            ("page", Some(page.to_string()), false),
            ("pages", Some(pages.to_string()), false),
        ];
        for (name, value, signed) in derived {
            if let (Some(i), Some(v)) = (t.field(name), value) {
                k.exact[i] = Some(v);
                k.signed[i] = signed;
            }
        }
        k
    }

    /// The text as the renderer fills it, if every field it uses is known.
    fn fill(&self, text: &Text) -> Option<String> {
        let mut s = String::new();
        for p in &text.0 {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Field { index, format: Format::Upper } if self.upper[*index].is_some() => s.push_str(self.upper[*index].as_deref()?),
                Part::Field { index, format } => format.apply(self.exact.get(*index)?.as_deref()?, &mut s),
            }
        }
        Some(s)
    }
}

/// Words for a field in a message.
fn label(t: &Template, index: usize) -> String {
    let name = t.fields.get(index).map(String::as_str).unwrap_or("");
    if let Some(c) = t.schema.columns.iter().find(|c| c.name == name) {
        return c.label.clone().unwrap_or_else(|| name.replace('_', " "));
    }
    match name {
        "document_number" => "document number".into(),
        "issue_date" => "issue date".into(),
        "expiry_date" => "expiry date".into(),
        "kid" => "key id".into(),
        "member_count" => "member count".into(),
        "page" | "pages" => "page number".into(),
        other => other.replace('_', " "),
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
    let known = Known::new(t, claims, kid, page, pages);
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
                let Some(s) = known.fill(text) else { continue };
                if s.is_empty() {
                    continue;
                }
                let what = fields.iter().find(|i| known.signed[**i]).map(|i| label(t, *i)).unwrap_or_else(|| "wording".into());
                let exp = Expected::new(t, what, s, *x, *y, *size, *font, *align, *max_width, 0.6, signed);
                if signed {
                    exp.check(scan, out);
                } else {
                    exp.check(scan, &mut missing_wording);
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
    fn single_fields_are_recognised() {
        let fields = vec!["a".to_string(), "b".to_string()];
        let t = crate::kind::template::compile_text("{b|upper}", &fields).unwrap();
        assert_eq!(single_field(&t), Some((1, Format::Upper)));
        let t = crate::kind::template::compile_text("x {a}", &fields).unwrap();
        assert_eq!(single_field(&t), None);
    }
}
