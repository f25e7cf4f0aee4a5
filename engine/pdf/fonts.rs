//! Fonts: the base-14 Helvetica metrics text is measured with, and the
//! embedded fallback font (DejaVu Sans, subset per page) that draws what
//! WinAnsi cannot encode. The verifier rebuilds the same subset to check
//! that an embedded font is the one terbit wrote.

use printpdf::{BuiltinFont, ParsedFont};

use crate::kind::template::Font;

use super::contents;

/// Points per millimetre (templates are in mm, PDF in points).
pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;

/// Helvetica and Helvetica-Bold advance widths (1/1000 em) for ASCII 32–126,
/// from the Adobe Core 14 AFM files; used to centre and fit text.
pub const HELVETICA_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584,
];
/// Helvetica-Bold's advance widths, as above.
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

pub(crate) fn builtin(font: Font) -> BuiltinFont {
    match font {
        Font::Regular => BuiltinFont::Helvetica,
        Font::Bold => BuiltinFont::HelveticaBold,
        Font::Italic => BuiltinFont::HelveticaOblique,
    }
}

/// Whether the base-14 fonts (WinAnsi encoding) can show `c`.
pub fn winansi(c: char) -> bool {
    contents::win_ansi_byte(c).is_some()
}

/// The embedded fallback font (DejaVu Sans, templates/fonts/), parsed once.
pub(crate) struct Fallback {
    pub(crate) regular: ParsedFont,
    pub(crate) bold: ParsedFont,
}

pub(crate) const DEJAVU: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
pub(crate) const DEJAVU_BOLD: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans-Bold.ttf");
// Subset tag + name (ISO 32000-1 §9.6.4: a subset font's name starts with six capitals and "+").
pub(crate) const FALLBACK_REGULAR: &str = "TBTSUB+DejaVuSans";
pub(crate) const FALLBACK_BOLD: &str = "TBTSUB+DejaVuSans-Bold";

pub(crate) fn fallback() -> Option<&'static Fallback> {
    static F: std::sync::OnceLock<Option<Fallback>> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut w = Vec::new();
        Some(Fallback { regular: ParsedFont::from_bytes(DEJAVU, 0, &mut w)?, bold: ParsedFont::from_bytes(DEJAVU_BOLD, 0, &mut w)? })
    })
    .as_ref()
}

pub(crate) fn fallback_width_mm(font: &ParsedFont, s: &str, size: f32) -> f32 {
    let upm = font.units_per_em.max(1) as f32;
    let units: f32 = s
        .chars()
        .map(|c| font.lookup_glyph_index(c as u32).and_then(|g| font.get_glyph_width(g)).unwrap_or(font.units_per_em / 2) as f32)
        .sum();
    units / upm * size / PT_PER_MM
}

/// A subset of `bytes` (a TrueType font) with only the glyphs of `chars`,
/// parsed: a page naming "Łucja" carries a few kilobytes of font, not 700.
pub(crate) fn subset_font(bytes: &[u8], parsed: &ParsedFont, chars: &std::collections::BTreeSet<char>) -> Option<ParsedFont> {
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

/// Whether a document can show `c`: WinAnsi (the base-14 fonts), or a
/// glyph in both weights of the embedded fallback font. What it cannot
/// show would print as an empty box while the QR signs the character, so
/// validation rejects it.
pub fn can_draw(c: char) -> bool {
    winansi(c)
        || fallback().is_some_and(|f| {
            let has = |p: &ParsedFont| p.lookup_glyph_index(c as u32).is_some_and(|g| g != 0);
            has(&f.regular) && has(&f.bold)
        })
}
