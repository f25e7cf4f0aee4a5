//! A corpus of forged pages, made as a forger who knows the page check's
//! model would make them: each hides a document's real value from viewers
//! (or shows another) in a way the check once did not see. The unit tests
//! (`verify/forgery_tests.rs`) assert the page check names each; the oracle
//! (`tests/forgeries.rs`) renders each with poppler and asserts the check
//! fails every page on which poppler shows something the record does not
//! sign.
//!
//! Not a module of the page reader: both tests include this file by path,
//! so it uses nothing but lopdf and std. Every builder takes a genuine PDF
//! (a document file or a print file), the page to forge (1-based) and how
//! to save the result (rewritten whole, or appended as an incremental
//! update, as a forger editing a signed file in place would).

#![allow(dead_code)]

use lopdf_read::{dictionary, Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream, StringFormat};

/// How the forged file is saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Save {
    /// The whole file rewritten.
    Rewrite,
    /// The changes appended to the genuine bytes (an incremental update).
    Incremental,
}

/// A technique, and what the page check must name when it meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Technique {
    /// `/Widths` on standard Helvetica: the real run's first glyph is made
    /// 100 em wide (the rest leaves the page), a forged run starts off the
    /// page and its first glyph's width brings the rest onto the value.
    Widths,
    /// The real run clipped by two 1-pt squares at opposite corners (the
    /// clip's bounding box is the whole page).
    TwoSquaresClip,
    /// The real run clipped away by an even-odd clip with a hole over it.
    EvenOddClip,
    /// The real run clipped to one glyph drawn with render mode 7.
    TextClip,
    /// The real run drawn through an ExtGState whose `/TR` maps all ink to white.
    TransferFunction,
    /// A Type3 glyph in the margin whose procedure paints white over the value.
    Type3Cover,
    /// The real run inside an inline image's data (viewers read the data
    /// by its length; a reader that ends it at the first "EI" reads the run).
    InlineImage,
    /// The forged run drawn with `-100 Tz` under a mirroring matrix: a
    /// zero-width box for a reader that clamps the advance.
    MirroredTz,
    /// The forged run drawn at a negative font size under a 180° matrix.
    NegativeSize,
    /// The QR image drawn through an `/Indexed` palette of two whites,
    /// another document's QR drawn by a Type3 glyph over it.
    QrSwap,
    /// The forged run drawn a line below the real one, which is hidden by
    /// two 1-pt squares (text the template prints nowhere).
    StrayLine,
    /// The printed text replaced, nothing hidden.
    PlainEdit,
}

impl Technique {
    /// Every technique, in order.
    pub(crate) const ALL: [Technique; 12] = [
        Technique::Widths,
        Technique::TwoSquaresClip,
        Technique::EvenOddClip,
        Technique::TextClip,
        Technique::TransferFunction,
        Technique::Type3Cover,
        Technique::InlineImage,
        Technique::MirroredTz,
        Technique::NegativeSize,
        Technique::QrSwap,
        Technique::StrayLine,
        Technique::PlainEdit,
    ];

    /// A part of the page check's problem that names this technique.
    pub(crate) fn named(self) -> &'static str {
        match self {
            Technique::Widths => "/Widths array on the standard font",
            Technique::TwoSquaresClip => "clipping path (`W`)",
            Technique::EvenOddClip => "clipping path (`W*`)",
            Technique::TextClip => "`7 Tr`",
            Technique::TransferFunction => "transfer function (/TR)",
            Technique::Type3Cover => "a Type3 font",
            Technique::InlineImage => "an inline image",
            Technique::MirroredTz => "`-100 Tz`",
            Technique::NegativeSize => "a font size of -",
            Technique::QrSwap => "/Indexed colour space",
            Technique::StrayLine => "is drawn where the template prints none",
            Technique::PlainEdit => "differs from the signed",
        }
    }
}

/// Helvetica's and Helvetica-Bold's widths for codes 32–126 (the Adobe
/// AFM files): a `/Widths` array must look normal everywhere but where it lies.
const HELVETICA: [i64; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278,
    278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,
    334, 260, 334, 584,
];
const HELVETICA_BOLD: [i64; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584,
    611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278,
    333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500,
    389, 280, 389, 584,
];

/// One text run as terbit writes it: `BT /F s Tf x y Td (text) Tj ET`.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    /// Its bytes in the content stream, `BT` to `ET` included.
    pub(crate) at: std::ops::Range<usize>,
    /// The font resource name.
    pub(crate) font: Vec<u8>,
    /// Size, points.
    pub(crate) size: f64,
    /// Start of the baseline.
    pub(crate) x: f64,
    /// Baseline.
    pub(crate) y: f64,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// A literal PDF string of `text` (Latin-1 bytes, as WinAnsi shows them).
fn literal(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in text.chars() {
        let b = u32::from(c).min(255) as u8;
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// The run showing `text` in `content`.
pub(crate) fn find_run(content: &[u8], text: &str) -> Option<Run> {
    let mut shown = literal(text);
    shown.extend_from_slice(b" Tj");
    let at = find(content, &shown)?;
    let start = rfind(&content[..at], b"BT")?;
    let end = at + find(&content[at..], b"ET")? + 2;
    let head = String::from_utf8_lossy(&content[start + 2..at]).into_owned();
    let t: Vec<&str> = head.split_whitespace().collect();
    // /F5 13 Tf x y Td
    let (font, size, x, y) = match t.as_slice() {
        [f, s, "Tf", x, y, "Td"] => (f.trim_start_matches('/').as_bytes().to_vec(), s.parse().ok()?, x.parse().ok()?, y.parse().ok()?),
        _ => return None,
    };
    Some(Run { at: start..end, font, size, x, y })
}

/// The page `page` (1-based) of `doc`, and its own content stream (the last).
fn page_and_stream(doc: &Document, page: usize) -> (ObjectId, ObjectId) {
    let id = *doc.get_pages().get(&(page as u32)).expect("the page exists");
    let contents = doc.get_dictionary(id).expect("a page").get(b"Contents").expect("contents").as_array().expect("two streams").clone();
    (id, contents.last().expect("a stream").as_reference().expect("a reference"))
}

fn content_of(doc: &Document, id: ObjectId) -> Vec<u8> {
    let s = doc.get_object(id).expect("the stream").as_stream().expect("a stream");
    s.decompressed_content().unwrap_or_else(|_| s.content.clone())
}

fn set_content(doc: &mut Document, id: ObjectId, content: Vec<u8>) {
    let s = doc.get_object_mut(id).expect("the stream").as_stream_mut().expect("a stream");
    s.dict.remove(b"Filter");
    s.set_content(content);
}

/// Add a resource to the page's own resource dictionary (terbit writes it
/// inside the page).
fn add_resource(doc: &mut Document, page: ObjectId, category: &str, name: &str, value: Object) {
    let p = doc.get_dictionary_mut(page).expect("a page");
    let res = p.get_mut(b"Resources").expect("resources").as_dict_mut().expect("resources in the page");
    if !res.has(category.as_bytes()) {
        res.set(category, Dictionary::new());
    }
    res.get_mut(category.as_bytes()).expect("just set").as_dict_mut().expect("a dictionary").set(name, value);
}

/// The base font of resource `font` on the page.
fn base_font(doc: &Document, page: ObjectId, font: &[u8]) -> Vec<u8> {
    let p = doc.get_dictionary(page).expect("a page");
    let res = p.get(b"Resources").expect("resources").as_dict().expect("resources in the page");
    let f = res.get(b"Font").expect("fonts").as_dict().expect("fonts in the page").get(font).expect("the run's font");
    let f = match f {
        Object::Reference(r) => doc.get_dictionary(*r).expect("a font"),
        other => other.as_dict().expect("a font"),
    };
    f.get(b"BaseFont").and_then(Object::as_name).map(<[u8]>::to_vec).unwrap_or_default()
}

fn widths_font(base: &[u8], change: &[(u8, i64)]) -> Object {
    let table = if base.windows(4).any(|w| w == b"Bold") { &HELVETICA_BOLD } else { &HELVETICA };
    let widths: Vec<Object> = (32u8..=126)
        .map(|c| Object::Integer(change.iter().find(|(k, _)| *k == c).map_or(table[usize::from(c - 32)], |(_, w)| *w)))
        .collect();
    Object::Dictionary(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => Object::Name(base.to_vec()), "Encoding" => "WinAnsiEncoding",
        "FirstChar" => 32, "LastChar" => 126, "Widths" => widths,
    })
}

fn font_name(run: &Run) -> String {
    String::from_utf8_lossy(&run.font).into_owned()
}

/// `text` drawn at the real run's place so that a reader clamping a
/// negative advance to nothing sees no box: `-100 Tz` under a mirror.
fn mirrored(run: &Run, text: &str) -> Vec<u8> {
    let mut out = format!("\nq -1 0 0 1 0 0 cm BT /{} {} Tf -100 Tz {} {} Td ", font_name(run), run.size, -run.x, run.y).into_bytes();
    out.extend(literal(text));
    out.extend_from_slice(b" Tj ET Q\n");
    out
}

/// As [`mirrored`], at a negative size under a 180° matrix.
fn negative(run: &Run, text: &str) -> Vec<u8> {
    let mut out = format!("\nq -1 0 0 -1 0 0 cm BT /{} {} Tf {} {} Td ", font_name(run), -run.size, -run.x, -run.y).into_bytes();
    out.extend(literal(text));
    out.extend_from_slice(b" Tj ET Q\n");
    out
}

fn wrap(content: &mut Vec<u8>, run: &Run, before: &[u8], after: &[u8]) {
    let mut real = before.to_vec();
    real.extend_from_slice(&content[run.at.clone()]);
    real.extend_from_slice(after);
    content.splice(run.at.clone(), real);
}

const PAGE_W: f64 = 2000.0;

/// Forge page `page` of `pdf`: the run showing `genuine` is hidden from
/// viewers and `forged` shown in its place, by `technique`. `other_qr` is
/// another document's PDF, for [`Technique::QrSwap`].
pub(crate) fn forge(pdf: &[u8], page: usize, technique: Technique, genuine: &str, forged: &str, other_qr: Option<&[u8]>, save: Save) -> Vec<u8> {
    let before = Document::load_mem(pdf).expect("a readable PDF");
    let mut doc = before.clone();
    let (page_id, stream) = page_and_stream(&doc, page);
    let mut content = content_of(&doc, stream);
    let run = find_run(&content, genuine).unwrap_or_else(|| panic!("{genuine:?} is not drawn on page {page}"));
    let two_squares = format!("q 0 0 1 1 re {} {} 1 1 re W n\n", PAGE_W - 1.0, PAGE_W - 1.0).into_bytes();
    match technique {
        Technique::Widths => {
            let base = base_font(&doc, page_id, &run.font);
            add_resource(&mut doc, page_id, "Font", "FW1", widths_font(&base, &[(b':', 100_000)]));
            // Viewers draw the real ':' at x, then the forged text after it
            // from a run that starts 1000 pt left of the page.
            let colon = if base.windows(4).any(|w| w == b"Bold") { HELVETICA_BOLD[26] } else { HELVETICA[26] };
            let start = -1000.0;
            let x_width = ((run.x + colon as f64 * run.size / 1000.0 - start) * 1000.0 / run.size).round() as i64;
            add_resource(&mut doc, page_id, "Font", "FW2", widths_font(&base, &[(b'X', x_width)]));
            let real = String::from_utf8_lossy(&content[run.at.clone()]).replacen(&format!("/{} ", font_name(&run)), "/FW1 ", 1).into_bytes();
            content.splice(run.at.clone(), real);
            let rest: String = forged.chars().skip(1).collect();
            let mut show = format!("\nBT /FW2 {} Tf {start} {} Td ", run.size, run.y).into_bytes();
            show.extend(literal(&format!("X{rest}")));
            show.extend_from_slice(b" Tj ET\n");
            content.extend(show);
        }
        Technique::TwoSquaresClip | Technique::MirroredTz => {
            wrap(&mut content, &run, &two_squares, b"\nQ");
            content.extend(mirrored(&run, forged));
        }
        Technique::NegativeSize => {
            wrap(&mut content, &run, &two_squares, b"\nQ");
            content.extend(negative(&run, forged));
        }
        Technique::StrayLine => {
            wrap(&mut content, &run, &two_squares, b"\nQ");
            let mut show = format!("\nBT /{} {} Tf {} {} Td ", font_name(&run), run.size, run.x, run.y - 1.2 * run.size).into_bytes();
            show.extend(literal(forged));
            show.extend_from_slice(b" Tj ET\n");
            content.extend(show);
        }
        Technique::EvenOddClip => {
            let hole = format!("q 0 0 {PAGE_W} {PAGE_W} re {} {} {} {} re W* n\n", run.x - 2.0, run.y - 0.4 * run.size, 400.0, 1.5 * run.size).into_bytes();
            wrap(&mut content, &run, &hole, b"\nQ");
            content.extend(mirrored(&run, forged));
        }
        Technique::TextClip => {
            let clip = format!("q BT 7 Tr /{} 1 Tf 3 3 Td (.) Tj ET 0 Tr\n", font_name(&run)).into_bytes();
            wrap(&mut content, &run, &clip, b"\nQ");
            content.extend(mirrored(&run, forged));
        }
        Technique::TransferFunction => {
            let white = doc.add_object(dictionary! { "FunctionType" => 2, "Domain" => vec![0.into(), 1.into()], "C0" => vec![1.into()], "C1" => vec![1.into()], "N" => 1 });
            add_resource(&mut doc, page_id, "ExtGState", "GT", Object::Dictionary(dictionary! { "Type" => "ExtGState", "TR" => white }));
            wrap(&mut content, &run, b"q /GT gs\n", b"\nQ");
            content.extend(mirrored(&run, forged));
        }
        Technique::Type3Cover => {
            // The glyph is drawn at (3, 3); its procedure paints white over
            // the value, far outside its own box.
            let (gx, gy) = (3.0, 3.0);
            let proc = format!("0 0 d0 1 g {} {} {} {} re f", run.x - 1.0 - gx, run.y - 0.3 * run.size - gy, 400.0, 1.3 * run.size);
            let proc = doc.add_object(Stream::new(Dictionary::new(), proc.into_bytes()));
            let t3 = dictionary! {
                "Type" => "Font", "Subtype" => "Type3",
                "FontBBox" => vec![0.into(), 0.into(), 0.into(), 0.into()],
                "FontMatrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), 0.into(), 0.into()],
                "CharProcs" => dictionary! { "a" => proc },
                "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => vec![97.into(), Object::Name(b"a".to_vec())] },
                "FirstChar" => 97, "LastChar" => 97, "Widths" => vec![1.into()],
                "Resources" => Dictionary::new(),
            };
            add_resource(&mut doc, page_id, "Font", "T3", Object::Dictionary(t3));
            content.extend(format!("\nBT /T3 1 Tf {gx} {gy} Td (a) Tj ET\n").into_bytes());
            content.extend(mirrored(&run, forged));
        }
        Technique::InlineImage => {
            // The data: a first "EI" a lenient reader stops at, the real
            // run, padding; its declared size covers it all.
            let mut data = b"\x00 EI\n".to_vec();
            data.extend_from_slice(&content[run.at.clone()]);
            data.extend_from_slice(b"\nq Q\n");
            let n = data.len();
            let mut image = format!("q BI /W {n} /H 1 /BPC 8 /CS /G ID ").into_bytes();
            image.extend(data.iter().map(|b| if *b == 0 { 0xff } else { *b }));
            image.extend_from_slice(b" EI Q\n");
            content.splice(run.at.clone(), image);
            content.extend(mirrored(&run, forged));
        }
        Technique::QrSwap => {
            let other = Document::load_mem(other_qr.expect("another document's QR")).expect("a readable PDF");
            let (size, bits) = qr_of(&other, 1);
            // The real QR's place and size, from the page's fixed drawing.
            let (x, y, side) = qr_place(&doc, page_id).expect("the QR is placed by `cm`");
            let real = qr_ref(&doc, page_id);
            let img = doc.get_object_mut(real).expect("the QR image").as_stream_mut().expect("a stream");
            img.dict.set("ColorSpace", vec![Object::Name(b"Indexed".to_vec()), Object::Name(b"DeviceRGB".to_vec()), 1.into(), Object::String(vec![0xff; 6], StringFormat::Hexadecimal)]);
            // The other QR's dark modules as one Type3 glyph at the QR's corner.
            let m = side / size as f64;
            let mut proc = String::from("0 0 d0 0 g\n");
            let row = size.div_ceil(8);
            for r in 0..size {
                for c in 0..size {
                    let dark = bits[r * row + c / 8] & (0x80 >> (c % 8)) == 0;
                    if dark {
                        proc.push_str(&format!("{:.3} {:.3} {m:.3} {m:.3} re\n", c as f64 * m, side - (r + 1) as f64 * m));
                    }
                }
            }
            proc.push_str("f\n");
            let proc = doc.add_object(Stream::new(Dictionary::new(), proc.into_bytes()));
            let t3 = dictionary! {
                "Type" => "Font", "Subtype" => "Type3",
                "FontBBox" => vec![0.into(), 0.into(), 0.into(), 0.into()],
                "FontMatrix" => vec![1.into(), 0.into(), 0.into(), 1.into(), 0.into(), 0.into()],
                "CharProcs" => dictionary! { "q" => proc },
                "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => vec![113.into(), Object::Name(b"q".to_vec())] },
                "FirstChar" => 113, "LastChar" => 113, "Widths" => vec![1.into()],
                "Resources" => Dictionary::new(),
            };
            add_resource(&mut doc, page_id, "Font", "T3Q", Object::Dictionary(t3));
            content.extend(format!("\nBT /T3Q 1 Tf {x} {y} Td (q) Tj ET\n").into_bytes());
        }
        Technique::PlainEdit => {
            let mut real = content[run.at.clone()].to_vec();
            let (from, to) = (literal(genuine), literal(forged));
            let at = find(&real, &from).expect("the run's text");
            real.splice(at..at + from.len(), to);
            content.splice(run.at.clone(), real);
        }
    }
    set_content(&mut doc, stream, content);
    save_as(pdf, &before, &doc, save)
}

/// The QR image object the page draws.
fn qr_ref(doc: &Document, page: ObjectId) -> ObjectId {
    let p = doc.get_dictionary(page).expect("a page");
    let res = p.get(b"Resources").expect("resources").as_dict().expect("resources in the page");
    res.get(b"XObject").expect("images").as_dict().expect("images in the page").get(b"QR").expect("the QR").as_reference().expect("a reference")
}

/// The QR modules per side and packed bits of page `page`'s QR.
pub(crate) fn qr_of(doc: &Document, page: u32) -> (usize, Vec<u8>) {
    let id = *doc.get_pages().get(&page).expect("the page");
    let s = doc.get_object(qr_ref(doc, id)).expect("the QR").as_stream().expect("a stream");
    let size = s.dict.get(b"Width").and_then(Object::as_i64).expect("a width") as usize;
    (size, s.decompressed_content().unwrap_or_else(|_| s.content.clone()))
}

/// Where the page's fixed drawing places the QR: `w 0 0 h x y cm /QR Do`.
fn qr_place(doc: &Document, page: ObjectId) -> Option<(f64, f64, f64)> {
    let contents = doc.get_dictionary(page).ok()?.get(b"Contents").ok()?.as_array().ok()?.clone();
    let first = contents.first()?.as_reference().ok()?;
    let text = String::from_utf8_lossy(&content_of(doc, first)).into_owned();
    let at = text.find("/QR Do")?;
    let before: Vec<&str> = text[..at].split_whitespace().collect();
    let cm = before.iter().rposition(|t| *t == "cm")?;
    let n: Vec<f64> = before.get(cm.checked_sub(6)?..cm)?.iter().map(|v| v.parse().ok()).collect::<Option<_>>()?;
    Some((n[4], n[5], n[0]))
}

/// `after` saved: rewritten whole, or its changes appended to `original`.
fn save_as(original: &[u8], before: &Document, after: &Document, save: Save) -> Vec<u8> {
    let mut out = Vec::new();
    match save {
        Save::Rewrite => {
            let mut d = after.clone();
            d.save_to(&mut out).expect("saved");
        }
        Save::Incremental => {
            let mut inc = IncrementalDocument::create_from(original.to_vec(), before.clone());
            for (id, o) in &after.objects {
                if before.objects.get(id) != Some(o) {
                    inc.new_document.set_object(*id, o.clone());
                }
            }
            inc.new_document.max_id = after.max_id;
            inc.save_to(&mut out).expect("saved");
        }
    }
    // lopdf ends a file at %%EOF; a forger adds the line break terbit writes.
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

/// A forgery of a printed value in one of the forms a template prints it
/// (a sex in words, a village's name, RT/RW): `genuine` and `forged` are
/// whole printed texts.
pub(crate) fn edit(pdf: &[u8], page: usize, genuine: &str, forged: &str, save: Save) -> Vec<u8> {
    forge(pdf, page, Technique::PlainEdit, genuine, forged, None, save)
}
