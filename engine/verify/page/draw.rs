//! The interpreter's drawing operators: graphics-state dictionaries,
//! fonts, text showing (each text operator becomes a [`Run`]) and XObjects
//! (images, QR codes, forms).

use lopdf_read::{Dictionary, Object};

use super::*;

impl Interp<'_> {
    pub(super) fn ext_gstate(&mut self, o: &[Object], resources: &Dictionary, st: &mut State) {
        let doc = self.doc;
        let gs = o
            .first()
            .and_then(|x| x.as_name().ok())
            .and_then(|n| resources.get(b"ExtGState").ok().and_then(|e| dict(doc, e)).and_then(|e| e.get(n).ok()))
            .and_then(|g| dict(doc, g));
        let Some(gs) = gs else { return };
        let get = |k: &[u8]| gs.get(k).ok().and_then(|v| deref(doc, v));
        // Refused with every graphics state ([`super::allow`]); a transfer
        // function is named, as it whitens ink while the text stays "black".
        for k in [&b"TR"[..], b"TR2"] {
            if get(k).is_some_and(|v| !matches!(v, Object::Name(n) if n == b"Identity" || n == b"Default")) {
                let gs_name = o.first().and_then(|x| x.as_name().ok()).map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
                self.refusals.push(format!(
                    "the graphics state /{} sets a transfer function (/{}) — terbit never sets one: it can turn ink white",
                    crate::util::show::clip_shown(&gs_name, 40),
                    String::from_utf8_lossy(k)
                ));
            }
        }
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

    pub(super) fn font(&mut self, resources: &Dictionary, key: &[u8]) -> Option<std::rc::Rc<FontInfo>> {
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

    pub(super) fn show(&mut self, items: &[&Object], st: &State, tm: &mut M, optional: bool) {
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

    pub(super) fn x_object(&mut self, key: &[u8], resources: &Dictionary, st: &State, depth: usize, optional: bool) {
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
                if let Some((text, exact)) = qr_of_image(s, self.expected.as_ref()).filter(|_| !optional && !st.odd_blend && st.fill_alpha >= 0.99) {
                    if !exact {
                        self.scan.problems.push(QR_NOT_EXACT.into());
                    }
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
