//! The fonts a page's text is shown in, as the reader must take them:
//! how codes become characters and how wide they are, and whether the
//! glyphs can be trusted to look like those characters (standard
//! Helvetica with WinAnsi, or terbit's own embedded subset, rebuilt and
//! compared byte for byte).

use std::collections::{BTreeMap, BTreeSet};

use lopdf_read::{Dictionary, Document, Object};

use super::scan::{deref, dict, name, num};
use super::streams::stream_bytes;

pub(super) const HELVETICAS: [&str; 4] = ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"];

/// How a font's codes become characters, and how far that can be trusted.
#[derive(Debug, Clone)]
pub(super) struct FontInfo {
    pub(super) base: String,
    pub(super) codes: Codes,
    /// Glyphs known: standard Helvetica with WinAnsi, or terbit's own
    /// embedded subset, checked byte for byte.
    pub(super) trusted: bool,
    /// Why the font is not one terbit writes, if it is not (the page
    /// check's allow-list: the page then fails, the font named).
    pub(super) refused: Option<String>,
}

/// The standard fonts terbit's templates draw with (`kind::template::Font`).
const TERBIT_STANDARD: [&str; 3] = ["Helvetica", "Helvetica-Bold", "Helvetica-Oblique"];

/// The first key of `d` not among `allowed`, as a name.
pub(super) fn stray_key(d: &Dictionary, allowed: &[&[u8]]) -> Option<String> {
    d.iter().find(|(k, _)| !allowed.contains(&k.as_slice())).map(|(k, _)| format!("/{}", String::from_utf8_lossy(k)))
}

#[derive(Debug, Clone)]
pub(super) enum Codes {
    /// One byte a code, WinAnsi, Helvetica's widths (bold or not).
    WinAnsi { bold: bool },
    /// Two bytes a code (Type0, Identity-H): code → character and width.
    Cid { chars: BTreeMap<u16, char>, widths: BTreeMap<u16, f64>, default_width: f64 },
}

impl FontInfo {
    pub(super) fn untrusted(base: &str) -> FontInfo {
        FontInfo {
            base: base.into(),
            codes: Codes::Cid { chars: BTreeMap::new(), widths: BTreeMap::new(), default_width: 1000.0 },
            trusted: false,
            refused: Some(format!("a font {base} — terbit never sets one that way")),
        }
    }

    pub(super) fn read(doc: &Document, font: &Dictionary) -> FontInfo {
        let base = name(doc, font, b"BaseFont").map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        let mut info = match name(doc, font, b"Subtype") {
            Some(b"Type0") => FontInfo::type0(doc, font, base),
            _ => FontInfo::simple(doc, font, base),
        };
        if info.refused.is_none() && !info.trusted {
            info.refused = Some(format!("a font ({}) whose glyphs are not the ones terbit embeds", info.base));
        }
        info
    }

    pub(super) fn simple(doc: &Document, font: &Dictionary, base: String) -> FontInfo {
        // A standard font: no program of its own (a FontDescriptor could
        // embed one whose glyphs differ), WinAnsi without differences.
        let standard = HELVETICAS.contains(&base.as_str())
            && name(doc, font, b"Subtype") == Some(b"Type1")
            && !font.has(b"FontDescriptor")
            && matches!(font.get(b"Encoding").ok().and_then(|e| deref(doc, e)), Some(Object::Name(n)) if n == b"WinAnsiEncoding");
        let bold = base.contains("Bold");
        // Exactly the dictionary printpdf writes for a standard font: a
        // /Widths array, a descriptor or an encoding of its own would make
        // viewers place or draw its glyphs otherwise than the reader.
        let subtype = name(doc, font, b"Subtype").map(|s| String::from_utf8_lossy(s).into_owned()).unwrap_or_else(|| "untyped".into());
        let refused = if subtype != "Type1" {
            let called = if base.is_empty() { String::new() } else { format!(" ({base})") };
            Some(format!("a {subtype} font{called} — terbit never writes one"))
        } else if font.has(b"Widths") {
            Some(format!("a /Widths array on the standard font {base} — terbit never writes one: viewers place the text by it"))
        } else if !TERBIT_STANDARD.contains(&base.as_str()) {
            Some(format!("the font {base} — terbit draws only Helvetica, Helvetica-Bold and Helvetica-Oblique"))
        } else if !standard {
            Some(format!("the standard font {base} with an encoding or program of its own — terbit writes it plain, WinAnsi"))
        } else {
            stray_key(font, &[b"Type", b"Subtype", b"BaseFont", b"Encoding"]).map(|k| format!("the standard font {base} with a {k} entry — terbit never writes one"))
        };
        FontInfo { base, codes: Codes::WinAnsi { bold }, trusted: standard, refused }
    }

    pub(super) fn type0(doc: &Document, font: &Dictionary, base: String) -> FontInfo {
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
            return FontInfo { base, codes: Codes::Cid { chars: claimed, widths, default_width }, trusted: false, refused: None };
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
        let ours = base.starts_with(crate::pdf::fonts::FALLBACK_TAG).then(|| base.contains("Bold"));
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
            if let Some((bytes, glyphs)) = crate::pdf::fonts::fallback_program(bold, &wanted) {
                if bytes == program {
                    let refused = type0_shape(doc, font, desc, &base, &bytes, &widths, default_width);
                    return FontInfo { base, codes: Codes::Cid { chars: glyphs, widths, default_width }, trusted: true, refused };
                }
            }
        }
        FontInfo { base, codes: Codes::Cid { chars: claimed, widths, default_width }, trusted: false, refused: None }
    }

    pub(super) fn two_byte(&self) -> bool {
        matches!(self.codes, Codes::Cid { .. })
    }

    /// Each code of `bytes` and the character it shows.
    pub(super) fn decode(&self, bytes: &[u8], out: &mut Vec<(u16, char)>) {
        match &self.codes {
            Codes::WinAnsi { .. } => out.extend(bytes.iter().map(|b| (u16::from(*b), win_ansi_char(*b).unwrap_or('\u{FFFD}')))),
            Codes::Cid { chars, .. } => out.extend(bytes.chunks(2).map(|c| {
                let code = u16::from(c[0]) << 8 | u16::from(*c.get(1).unwrap_or(&0));
                (code, chars.get(&code).copied().unwrap_or('\u{FFFD}'))
            })),
        }
    }

    pub(super) fn width(&self, code: u16) -> f64 {
        match &self.codes {
            Codes::WinAnsi { bold } => {
                let table = if *bold { &crate::pdf::fonts::HELVETICA_BOLD_WIDTHS } else { &crate::pdf::fonts::HELVETICA_WIDTHS };
                match code {
                    32..=126 => f64::from(table[(code - 32) as usize]),
                    _ => 556.0,
                }
            }
            Codes::Cid { widths, default_width, .. } => widths.get(&code).copied().unwrap_or(*default_width),
        }
    }
}

/// Why an embedded font whose program is terbit's is still not as terbit
/// writes it, if it is not: the dictionaries printpdf writes for the
/// fallback font, and glyph widths (`/W`) equal to the program's own — a
/// width of another value moves every glyph after it, for viewers, where
/// the reader does not expect them.
fn type0_shape(doc: &Document, font: &Dictionary, desc: &Dictionary, base: &str, program: &[u8], widths: &BTreeMap<u16, f64>, default_width: f64) -> Option<String> {
    let named = [crate::pdf::fonts::FALLBACK_REGULAR, crate::pdf::fonts::FALLBACK_BOLD];
    if !named.contains(&base) {
        return Some(format!("the embedded font {base} — terbit names its fallback font {} or {}", named[0], named[1]));
    }
    let keys = |d: &Dictionary, allowed: &[&[u8]], what: &str| stray_key(d, allowed).map(|k| format!("the embedded font {base} with a {k} entry in its {what} — terbit never writes one"));
    if let Some(k) = keys(font, &[b"Type", b"Subtype", b"BaseFont", b"Encoding", b"ToUnicode", b"DescendantFonts"], "font dictionary")
        .or_else(|| keys(desc, &[b"Type", b"Subtype", b"BaseFont", b"CIDSystemInfo", b"W", b"DW", b"FontDescriptor", b"CIDToGIDMap"], "CID font"))
    {
        return Some(k);
    }
    if name(doc, desc, b"Subtype") != Some(b"CIDFontType2") || (default_width - 1000.0).abs() > 1e-9 {
        return Some(format!("the embedded font {base} with another CID font type or default width — terbit writes CIDFontType2, /DW 1000"));
    }
    let descriptor = desc.get(b"FontDescriptor").ok().and_then(|d| dict(doc, d));
    if let Some(k) = descriptor.and_then(|d| keys(d, &[b"Type", b"FontName", b"Ascent", b"Descent", b"CapHeight", b"ItalicAngle", b"Flags", b"StemV", b"FontBBox", b"FontFile2"], "font descriptor")) {
        return Some(k);
    }
    // The widths printpdf writes: each glyph's advance in thousandths of
    // an em, truncated (printpdf's get_scaled_glyph_width).
    let Some(parsed) = printpdf::ParsedFont::from_bytes(program, 0, &mut Vec::new()) else {
        return Some(format!("the embedded font {base}: its program cannot be read"));
    };
    let upm = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
    for (code, w) in widths {
        let own = parsed.get_glyph_width(*code).map(|g| (f32::from(g) * 1000.0 / upm) as i64);
        if own.is_none_or(|own| (own as f64 - w).abs() > 1e-6) {
            return Some(format!("the embedded font {base} with a /W width of {w} for glyph {code}, not its program's — viewers place the text by it"));
        }
    }
    None
}

/// The character a WinAnsi byte shows.
pub(super) fn win_ansi_char(b: u8) -> Option<char> {
    match b {
        0x20..=0x7E | 0xA0..=0xFF => Some(b as char),
        _ => WIN_ANSI_HIGH.iter().find(|(byte, _)| *byte == b).map(|(_, c)| *c),
    }
}

pub(super) const WIN_ANSI_HIGH: [(u8, char); 27] = [
    (0x80, '\u{20AC}'), (0x82, '\u{201A}'), (0x83, '\u{0192}'), (0x84, '\u{201E}'), (0x85, '\u{2026}'), (0x86, '\u{2020}'),
    (0x87, '\u{2021}'), (0x88, '\u{02C6}'), (0x89, '\u{2030}'), (0x8A, '\u{0160}'), (0x8B, '\u{2039}'), (0x8C, '\u{0152}'),
    (0x8E, '\u{017D}'), (0x91, '\u{2018}'), (0x92, '\u{2019}'), (0x93, '\u{201C}'), (0x94, '\u{201D}'), (0x95, '\u{2022}'),
    (0x96, '\u{2013}'), (0x97, '\u{2014}'), (0x98, '\u{02DC}'), (0x99, '\u{2122}'), (0x9A, '\u{0161}'), (0x9B, '\u{203A}'),
    (0x9C, '\u{0153}'), (0x9E, '\u{017E}'), (0x9F, '\u{0178}'),
];

/// `bfchar` and `bfrange` entries of a ToUnicode CMap (single characters).
pub(super) fn parse_to_unicode(cmap: &[u8]) -> BTreeMap<u16, char> {
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

pub(super) fn read_cid_widths(doc: &Document, w: &[Object], out: &mut BTreeMap<u16, f64>) {
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
}
