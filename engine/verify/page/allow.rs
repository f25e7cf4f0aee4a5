//! The page check's allow-list: a page passes only if everything on it is
//! something terbit writes (`engine/pdf`: printpdf's fixed drawing and the
//! values written directly, `pdf/canvas.rs`, `contents.rs`, `render.rs`,
//! `fragment.rs`, `print.rs`, `sign.rs`). Anything else is named and fails
//! the page, whatever it would look like: the reader's model of a viewer
//! then only has to be right for what terbit itself draws.
//!
//! What terbit writes, and so all that is admitted:
//!
//! - **structure**: a page dictionary of /Type, /Parent, /MediaBox,
//!   /Contents, /Resources (and /Annots for the signature), under a flat
//!   page tree that passes nothing down; exactly two content streams (the
//!   template's fixed drawing, then the document's values), each plain or
//!   /FlateDecode; a catalog of /Type, /Pages, printpdf's /PageLayout
//!   /OneColumn and /PageMode /UseNone, and the signature's /AcroForm.
//! - **resources**: /Font and /XObject only. Fonts: the standard
//!   Helvetica, Helvetica-Bold and Helvetica-Oblique exactly as printpdf
//!   writes them (Type1, WinAnsi, no /Widths, no descriptor), and the
//!   embedded fallback font exactly as terbit embeds it ([`super::fonts`]).
//!   Images: the QR (square, 1-bit /DeviceGray, stored as it is, not
//!   interpolated) and the region's logo (8-bit /DeviceRGB, /FlateDecode).
//! - **operators**: `q Q cm Do` (images placed by a positive scale and a
//!   move), `BT ET Tf Td Tj` (text: a positive size, the identity matrix),
//!   `w m l h S` (stroked lines). No colour, no clip, no graphics state
//!   dictionary, no other text state, no inline image, no marked content.
//! - **annotations**: the invisible signature widget only.

use lopdf_read::{Dictionary, Document, Object};

use super::fonts::stray_key;
use super::scan::{deref, dict, name, nums};
use super::Interp;

/// Distinct refusals kept per page (a forged page may repeat one
/// operator thousands of times; one mention names it).
const MAX_REFUSALS: usize = 12;

/// The refusals found on one page, distinct, in the order found.
#[derive(Default)]
pub(super) struct Refusals(pub(super) Vec<String>);

impl Refusals {
    pub(super) fn push(&mut self, why: String) {
        if self.0.len() < MAX_REFUSALS && !self.0.contains(&why) {
            self.0.push(why);
        }
    }
}

/// The kind of an image XObject terbit writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ImageKind {
    /// The QR code: square, 1-bit /DeviceGray, one pixel a module.
    Qr,
    /// The region's logo: 8-bit /DeviceRGB, deflated.
    Logo,
}

fn int(doc: &Document, d: &Dictionary, key: &[u8]) -> Option<i64> {
    d.get(key).ok().and_then(|v| deref(doc, v)).and_then(|v| v.as_i64().ok())
}

fn shown(n: &[u8]) -> String {
    crate::util::show::clip_shown(&String::from_utf8_lossy(n), 40)
}

/// Which of terbit's images `s` is, or why it is none of them.
pub(super) fn image_kind(doc: &Document, key: &[u8], s: &lopdf_read::Stream) -> Result<ImageKind, String> {
    let d = &s.dict;
    let subtype = name(doc, d, b"Subtype");
    if subtype == Some(b"Form") {
        return Err(format!("a form XObject /{} — terbit draws none: a form is a page of its own drawn over this one", shown(key)));
    }
    if subtype != Some(b"Image") {
        return Err(format!("an XObject /{} that is not an image — terbit draws only its QR and logo images", shown(key)));
    }
    let colour = match d.get(b"ColorSpace").ok().and_then(|c| deref(doc, c)) {
        Some(Object::Name(n)) => String::from_utf8_lossy(n).into_owned(),
        Some(Object::Array(a)) => a.first().and_then(|f| f.as_name().ok()).map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_else(|| "unnamed".into()),
        Some(_) => "unnamed".into(),
        None => "no".into(),
    };
    let bits = int(doc, d, b"BitsPerComponent");
    let (w, h) = (int(doc, d, b"Width"), int(doc, d, b"Height"));
    let filter = name(doc, d, b"Filter");
    let interpolate = d.get(b"Interpolate").ok().and_then(|v| deref(doc, v)).and_then(|v| v.as_bool().ok());
    match (colour.as_str(), bits) {
        ("DeviceGray", Some(1)) => {
            if let Some(k) = stray_key(d, &[b"Type", b"Subtype", b"Width", b"Height", b"ColorSpace", b"BitsPerComponent", b"Interpolate", b"Length"]) {
                return Err(format!("the 1-bit image /{} has a {k} entry — terbit's QR image has none (a mask or decode array changes what it shows)", shown(key)));
            }
            if w != h || !w.is_some_and(|w| (21..=177).contains(&w)) || interpolate != Some(false) || d.has(b"Filter") {
                return Err(format!("the 1-bit image /{} is not drawn as terbit draws its QR (square, 21–177 modules, stored as it is, not interpolated)", shown(key)));
            }
            Ok(ImageKind::Qr)
        }
        ("DeviceRGB", Some(8)) => {
            if let Some(k) = stray_key(d, &[b"Type", b"Subtype", b"Width", b"Height", b"ColorSpace", b"BitsPerComponent", b"Filter", b"Length"]) {
                return Err(format!("the colour image /{} has a {k} entry — terbit's logo has none", shown(key)));
            }
            if filter != Some(b"FlateDecode") || !w.is_some_and(|w| (1..=2000).contains(&w)) || !h.is_some_and(|h| (1..=2000).contains(&h)) {
                return Err(format!("the colour image /{} is not stored as terbit stores its logo", shown(key)));
            }
            Ok(ImageKind::Logo)
        }
        (c, b) => Err(format!(
            "an image /{} in {} colour space{} — terbit draws only its 1-bit /DeviceGray QR and its 8-bit /DeviceRGB logo",
            shown(key),
            if c == "no" { "no".to_string() } else { format!("the /{c}") },
            b.map(|b| format!(" at {b} bits")).unwrap_or_default()
        )),
    }
}

impl Interp<'_> {
    /// The page's structure, resources (`resources`, the dictionary the
    /// page is drawn with) and annotations, and the catalog.
    pub(super) fn allow_structure(&mut self, page: &Dictionary, resources: &Dictionary) {
        let doc = self.doc;
        let out = &mut self.refusals;
        if let Some(k) = stray_key(page, &[b"Type", b"Parent", b"MediaBox", b"Contents", b"Resources", b"Annots"]) {
            out.push(format!("the page dictionary has a {k} entry — terbit never writes one"));
        }
        match page.get(b"MediaBox").ok().and_then(|m| deref(doc, m)).and_then(|m| m.as_array().ok()).and_then(|a| nums(a)) {
            Some(b) if b.len() == 4 && b[0] == 0.0 && b[1] == 0.0 => {}
            _ => out.push("the page's media box is not a box from the origin, as terbit writes it".into()),
        }
        // A flat page tree: the parent passes nothing down to its pages.
        match page.get(b"Parent").ok().and_then(|p| dict(doc, p)) {
            Some(parent) => {
                if let Some(k) = stray_key(parent, &[b"Type", b"Kids", b"Count"]) {
                    out.push(format!("the page tree has a {k} entry — terbit's page tree passes nothing down to its pages"));
                }
            }
            None => out.push("the page has no page tree".into()),
        }
        match page.get(b"Contents").ok().and_then(|c| deref(doc, c)) {
            Some(Object::Array(a)) if a.len() == 2 => {
                for c in a {
                    let Some(Object::Stream(s)) = deref(doc, c) else { continue };
                    let plain = match s.dict.get(b"Filter").ok().and_then(|f| deref(doc, f)) {
                        None => true,
                        Some(Object::Name(n)) => n == b"FlateDecode",
                        Some(_) => false,
                    };
                    if !plain || stray_key(&s.dict, &[b"Length", b"Filter"]).is_some() {
                        out.push("a content stream is encoded otherwise than terbit encodes it (plain or /FlateDecode)".into());
                    }
                }
            }
            Some(Object::Array(a)) => out.push(format!("the page has {} content streams — terbit writes two (its template's drawing, then the values)", a.len())),
            _ => out.push("the page's contents are one stream — terbit writes two (its template's drawing, then the values)".into()),
        }
        if !page.has(b"Resources") {
            out.push("the page has no resources of its own — terbit gives every page its own".into());
        }
        if let Some(k) = stray_key(resources, &[b"Font", b"XObject"]) {
            out.push(format!("the page's resources have a {k} entry — terbit's pages use only fonts and its images"));
        }
        if let Some(xs) = resources.get(b"XObject").ok().and_then(|x| dict(doc, x)) {
            for (key, x) in xs.iter() {
                match deref(doc, x) {
                    Some(Object::Stream(s)) => {
                        if let Err(why) = image_kind(doc, key, s) {
                            out.push(why);
                        }
                    }
                    _ => out.push(format!("the XObject /{} is not a stream", shown(key))),
                }
            }
        }
        annotations(doc, page, out);
        catalog(doc, out);
        if let Some(fs) = resources.get(b"Font").ok().and_then(|f| dict(doc, f)) {
            let keys: Vec<Vec<u8>> = fs.iter().map(|(k, _)| k.clone()).collect();
            for key in keys {
                // Read once here; the drawing finds them in the page's cache.
                match self.font(resources, &key) {
                    Some(f) => {
                        if let Some(why) = &f.refused {
                            self.refusals.push(format!("the font /{}: {why}", shown(&key)));
                        }
                    }
                    None => self.refusals.push(format!("the font /{} is not a font dictionary", shown(&key))),
                }
            }
        }
    }
}

impl Interp<'_> {
    /// Operator `op` (operands `o`, numbers `n`) against what terbit
    /// writes, in state `st`: only its operators, each with the operands
    /// and in the state terbit writes it with.
    pub(super) fn allowed(&mut self, op: &str, o: &[Object], n: &[f64], st: &super::State, in_text: bool) {
        if let Some(why) = operator(op, o) {
            self.refusals.push(why);
            return;
        }
        let text_op = matches!(op, "Tf" | "Td" | "Tj");
        if text_op && !in_text {
            self.refusals.push(format!("text shown or set outside a text object (`{op}` outside `BT … ET`) — terbit never does: viewers differ on it"));
        }
        if !text_op && in_text && op != "ET" {
            self.refusals.push(format!("`{op}` inside a text object — terbit draws nothing but text between `BT` and `ET`"));
        }
        match op {
            "BT" if in_text => self.refusals.push("a text object inside a text object — terbit never nests them".into()),
            "cm" if n.len() == 6 && !(n[0] > 0.0 && n[3] > 0.0 && n[1] == 0.0 && n[2] == 0.0) => self.refusals.push(format!(
                "a matrix `{} {} {} {} {} {} cm` that mirrors, rotates or skews — terbit only scales and moves its images",
                n[0], n[1], n[2], n[3], n[4], n[5]
            )),
            "Tf" => {
                let size = o.get(1).and_then(super::num);
                if !size.is_some_and(|s| s > 0.0 && s <= 200.0) {
                    let shown = size.map(|s| s.to_string()).unwrap_or_else(|| "no number".into());
                    self.refusals.push(format!("a font size of {shown} (`Tf`) — terbit's are positive: a negative size mirrors the text, zero hides it"));
                }
            }
            // Text and lines are drawn in the page's own space: only an
            // image is placed through a matrix.
            "Tj" if st.ctm != super::IDENTITY => self.refusals.push("text drawn through a matrix (`cm`) — terbit draws text in the page's own space: a matrix can mirror, shrink or move it".into()),
            "S" if st.ctm != super::IDENTITY => self.refusals.push("a line drawn through a matrix (`cm`) — terbit draws lines in the page's own space".into()),
            _ => {}
        }
    }
}

/// The only annotation terbit writes: the invisible signature widget
/// (`pdf/fragment.rs`, `pdf/print.rs`), which draws nothing.
fn annotations(doc: &Document, page: &Dictionary, out: &mut Refusals) {
    let Some(annots) = page.get(b"Annots").ok().and_then(|a| deref(doc, a)) else { return };
    let Ok(annots) = annots.as_array() else {
        out.push("the page's annotations are not a list".into());
        return;
    };
    if annots.len() > 1 {
        out.push(format!("the page carries {} annotations — terbit writes one, the invisible signature field", annots.len()));
    }
    for a in annots {
        let Some(a) = dict(doc, a) else {
            out.push("an annotation is not a dictionary".into());
            continue;
        };
        let sub = name(doc, a, b"Subtype").map(shown).unwrap_or_else(|| "untyped".into());
        if sub != "Widget" || name(doc, a, b"FT") != Some(b"Sig") {
            out.push(format!("an annotation ({sub}) that is not the signature field — terbit makes no other: comments, stamps and form fields can cover the printed text"));
            continue;
        }
        let zero = a.get(b"Rect").ok().and_then(|r| deref(doc, r)).and_then(|r| r.as_array().ok()).and_then(|r| nums(r)).is_some_and(|r| r.len() == 4 && r.iter().all(|v| *v == 0.0));
        if let Some(k) = stray_key(a, &[b"Type", b"Subtype", b"FT", b"F", b"Rect", b"T", b"V", b"P"]) {
            out.push(format!("the signature field has a {k} entry — terbit's has none (an appearance would be drawn on the page)"));
        } else if !zero || int(doc, a, b"F") != Some(132) {
            out.push("the signature field is not the invisible one terbit writes (no area, flags 132)".into());
        }
    }
}

/// The catalog terbit writes: the page tree and the signature's form.
/// Anything else (an opening action, scripts, an XFA form, optional
/// content) can change what a viewer shows.
fn catalog(doc: &Document, out: &mut Refusals) {
    let Ok(c) = doc.catalog() else {
        out.push("the file has no catalog".into());
        return;
    };
    if let Some(k) = stray_key(c, &[b"Type", b"Pages", b"PageLayout", b"PageMode", b"AcroForm", b"DSS"]) {
        out.push(format!("the file's catalog has a {k} entry — terbit never writes one (actions, scripts and layers change what viewers show)"));
    }
    // printpdf's own: one column, no panel (a page mode can open the
    // viewer on attachments or layers).
    let is = |key: &[u8], want: &[u8]| c.get(key).ok().is_none_or(|v| matches!(v, Object::Name(n) if n == want));
    if !is(b"PageLayout", b"OneColumn") || !is(b"PageMode", b"UseNone") {
        out.push("the file's catalog sets a page layout or mode terbit never sets".into());
    }
    if let Ok(store) = c.get(b"DSS") {
        security_store(doc, store, out);
    }
    if let Some(form) = c.get(b"AcroForm").ok().and_then(|f| dict(doc, f)) {
        if let Some(k) = stray_key(form, &[b"Fields", b"SigFlags"]) {
            out.push(format!("the file's form has a {k} entry — terbit's holds only its signature field"));
        }
        let fields = form.get(b"Fields").ok().and_then(|f| deref(doc, f)).and_then(|f| f.as_array().ok()).map_or(0, Vec::len);
        if fields > 1 {
            out.push(format!("the file's form has {fields} fields — terbit's has one, the signature"));
        }
    }
}

/// The document security store terbit writes (PAdES B-LT, pdf/dss.rs):
/// certificates, CRLs and OCSP answers as plain streams, nothing else. Viewers show none
/// of it, but it is what validators read the signature's status from.
fn security_store(doc: &Document, store: &Object, out: &mut Refusals) {
    let Some(d) = dict(doc, store) else {
        out.push("the file's document security store (/DSS) is not a dictionary".into());
        return;
    };
    if let Some(k) = stray_key(d, &[b"Type", b"Certs", b"CRLs", b"OCSPs"]) {
        out.push(format!("the file's document security store has a {k} entry — terbit's holds certificates, CRLs and OCSP answers only"));
        return;
    }
    if d.get(b"Type").ok().is_some_and(|t| !matches!(t, Object::Name(n) if n == b"DSS")) {
        out.push("the file's document security store is not of /Type /DSS".into());
    }
    // Each kind with the reading its streams must pass (an OCSP answer:
    // one whole DER element; its answer is the validator's to weigh).
    type Reads = fn(&[u8]) -> bool;
    let cert: Reads = |b| <x509_cert::Certificate as x509_cert::der::Decode>::from_der(b).is_ok();
    let crl: Reads = |b| <x509_cert::crl::CertificateList as x509_cert::der::Decode>::from_der(b).is_ok();
    let ocsp: Reads = |b| crate::util::der::tlv(b, 0, b.len()).is_some_and(|(t, _, e)| t == 0x30 && e == b.len());
    let kinds = [(&b"Certs"[..], "certificate", cert), (&b"CRLs"[..], "CRL", crl), (&b"OCSPs"[..], "OCSP answer", ocsp)];
    for (key, what, readable) in kinds {
        let Ok(list) = d.get(key) else { continue };
        let Some(items) = deref(doc, list).and_then(|l| l.as_array().ok()) else {
            out.push(format!("the document security store's /{} is not an array", shown(key)));
            continue;
        };
        for item in items {
            let stream = match item {
                Object::Reference(id) => doc.get_object(*id).ok().and_then(|o| o.as_stream().ok()),
                _ => None,
            };
            let Some(s) = stream else {
                out.push(format!("a {what} of the document security store is not a stream"));
                continue;
            };
            if let Some(k) = stray_key(&s.dict, &[b"Length"]) {
                out.push(format!("a {what} of the document security store has a {k} entry — terbit writes them plain"));
                continue;
            }
            if !readable(&s.content) {
                out.push(format!("a {what} of the document security store is not one (not DER)"));
            }
        }
    }
}

/// Why operator `op` is not one terbit writes, if it is not. The
/// operators terbit writes are admitted here; their operands are checked
/// where the reader interprets them.
pub(super) fn operator(op: &str, operands: &[Object]) -> Option<String> {
    let first = || operands.first().map(|o| match o {
        Object::Integer(i) => i.to_string(),
        Object::Real(r) => r.to_string(),
        Object::Name(n) => format!("/{}", shown(n)),
        _ => "…".into(),
    });
    let with = |o: &str| match first() {
        Some(v) => format!("`{v} {o}`"),
        None => format!("`{o}`"),
    };
    Some(match op {
        "q" | "Q" | "cm" | "Do" | "BT" | "ET" | "Tf" | "Td" | "Tj" | "w" | "m" | "l" | "h" | "S" => return None,
        "Tz" => format!("horizontal scaling {} — terbit never stretches, squeezes or mirrors text", with(op)),
        "Tr" => format!("text render mode {} — terbit draws text filled (mode 0) only; other modes stroke, hide or clip it", with(op)),
        "W" | "W*" => format!("a clipping path (`{op}`) — terbit never clips"),
        "BI" | "ID" | "EI" => "an inline image (`BI … ID … EI`) — terbit never writes one (its data can hide drawing operators)".into(),
        "gs" => format!("a graphics state dictionary {} — terbit never sets one (transfer functions, masks and blending change the ink)", with(op)),
        "Tm" => "a text matrix (`Tm`) — terbit places text with `Td` only; a matrix can mirror, rotate or skew it".into(),
        "TJ" | "'" | "\"" => format!("text shown with `{op}` — terbit shows each text with one `Tj`"),
        "Tc" | "Tw" | "Ts" | "TL" | "T*" | "TD" => format!("the text operator {} — terbit never sets spacing, rise or leading", with(op)),
        "g" | "G" | "rg" | "RG" | "k" | "K" | "cs" | "CS" | "sc" | "SC" | "scn" | "SCN" => format!("a colour {} — terbit draws everything in the default black", with(op)),
        "re" | "c" | "v" | "y" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "s" | "n" => format!("the path operator `{op}` — terbit strokes straight lines only"),
        "sh" => "a shading (`sh`) — terbit paints none".into(),
        "d" | "j" | "J" | "M" | "i" | "ri" => format!("the line or rendering setting `{op}` — terbit never sets it"),
        "BMC" | "BDC" | "EMC" | "MP" | "DP" => format!("marked content (`{op}`) — terbit writes none (optional content can hide or show drawing)"),
        "d0" | "d1" => format!("a glyph operator (`{op}`) — only a Type3 glyph uses it, and terbit writes no Type3 font"),
        "BX" | "EX" => format!("a compatibility section (`{op}`) — terbit writes none: viewers skip what they do not know inside it"),
        other => format!("the operator `{}` — no operator PDF defines, and terbit never writes it", crate::util::show::clip_shown(other, 10)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terbits_own_operators_are_admitted_and_others_named() {
        for op in ["q", "Q", "cm", "Do", "BT", "ET", "Tf", "Td", "Tj", "w", "m", "l", "h", "S"] {
            assert_eq!(operator(op, &[]), None, "{op}");
        }
        assert!(operator("Tz", &[Object::Integer(-100)]).unwrap().contains("`-100 Tz`"));
        assert!(operator("Tr", &[Object::Integer(7)]).unwrap().contains("`7 Tr`"));
        assert!(operator("W*", &[]).unwrap().contains("clipping path (`W*`)"));
        assert!(operator("BI", &[]).unwrap().contains("inline image"));
        assert!(operator("@@@", &[]).unwrap().contains("`@@@`"));
        let mut r = Refusals::default();
        for _ in 0..100 {
            r.push("x".into());
        }
        for i in 0..100 {
            r.push(i.to_string());
        }
        assert_eq!(r.0.len(), MAX_REFUSALS);
    }
}
