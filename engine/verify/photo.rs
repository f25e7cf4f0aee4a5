//! Reading the QR codes of a scan or a phone photo.
//!
//! rqrr alone misses many real pictures (blur, low resolution, uneven
//! light: bench/RESULTS.md). Each picture goes up a ladder of retries,
//! stopping at the first rung that reads a code: rqrr and then ZXing's
//! detector (rxing, hybrid binarizer, trying harder) on the picture as it
//! is (large pictures halved to the working size), then both on the
//! picture doubled (small or blurred modules), then rqrr on it thresholded
//! globally (Otsu) and locally (a mean over a window about a module row
//! wide), then — for blurred pictures — ZXing on it unsharp-masked or
//! shrunk, and last the full resolution of a large photo. The two
//! detectors fail on different pictures; the rungs were chosen by
//! measurement on `bench/degrade.py`'s images.
//!
//! A picture may show more than one document (a second card on the desk):
//! every code is read, each with where it is in the picture — once one is
//! found, the working picture is searched again with the codes found so far
//! painted over, so that ZXing (one code a pass) finds the others too. The
//! verifier answers each and says to photograph one document at a time.
//!
//! Decoding is bounded: pictures larger than a photo needs are refused from
//! their header before any pixel is decoded, a JPEG cut short (no end
//! marker after its image data) is refused before decoding — its missing
//! part would be decoded as grey, and the whole ladder run on it — and the
//! ladder stops at [`LADDER_BUDGET`].

use std::time::{Duration, Instant};

use image::{imageops::FilterType, GrayImage};
use serde::Serialize;

/// What reading a picture gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Not a PNG or JPEG that decodes (damaged, cut short, too large).
    Image(String),
    /// No QR code read at any rung.
    Nothing,
    /// The codes read, each with where it is, left to right.
    Codes(Vec<Found>),
}

/// A QR code read from a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its text.
    pub text: String,
    /// Where it is in the picture.
    pub place: Place,
}

/// Where a code is in its picture: the box around the corners the
/// detector found (for ZXing: the centres of the finder patterns, a few
/// modules inside the code's edge), in the picture's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Place {
    /// Left edge, pixels from the picture's left.
    pub left: u32,
    /// Top edge, pixels from the picture's top.
    pub top: u32,
    /// Right edge.
    pub right: u32,
    /// Bottom edge.
    pub bottom: u32,
    /// The picture's width.
    pub width: u32,
    /// The picture's height.
    pub height: u32,
}

impl Place {
    /// "left, top (pixels 12–340 across, 40–370 down)": which part of the
    /// picture, by thirds, and the box.
    pub fn words(&self) -> String {
        let third = |centre: u32, size: u32, words: [&'static str; 3]| words[((3 * u64::from(centre)) / u64::from(size.max(1))).min(2) as usize];
        let across = third((self.left + self.right) / 2, self.width, ["left", "middle", "right"]);
        let down = third((self.top + self.bottom) / 2, self.height, ["top", "middle", "bottom"]);
        let part = if (across, down) == ("middle", "middle") { "centre".to_string() } else { format!("{down} {across}") };
        format!("{part} of the picture (pixels {}–{} across, {}–{} down)", self.left, self.right, self.top, self.bottom)
    }
}

/// The largest picture read: a 50-megapixel phone photo is fine; a
/// decompression bomb is not.
const MAX_PIXELS: u64 = 64_000_000;
/// The longest side read (a panorama of a desk is not a document photo).
const MAX_SIDE: u32 = 16_384;
/// Pictures are read at most this wide (longer side) at the first rungs.
const WORKING: u32 = 2000;
/// The most codes read from one picture.
const MAX_CODES: usize = 8;
/// Time after which no further rung is started: a last bound on a
/// picture of nothing (or of noise) at the largest size read — at most
/// this and one rung. Generous, so that it never costs a hard genuine
/// photo its reading (those read within the first rungs' seconds).
pub const LADDER_BUDGET: Duration = Duration::from_secs(10);

/// A box: left, top, right, bottom.
type Bounds = (f32, f32, f32, f32);

/// A code as a detector reported it, in its image's pixels.
struct Code {
    text: String,
    corners: Vec<(f32, f32)>,
}

fn decode(img: &GrayImage) -> Vec<Code> {
    let (w, h) = img.dimensions();
    let mut p = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| img.get_pixel(x as u32, y as u32).0[0]);
    p.detect_grids()
        .into_iter()
        .filter_map(|g| {
            let corners = g.bounds.iter().map(|b| (b.x as f32, b.y as f32)).collect();
            g.decode().ok().map(|(_, text)| Code { text, corners })
        })
        .collect()
}

/// ZXing's reading (rxing): hybrid binarizer, trying harder; one code.
fn decode_zxing(img: &GrayImage) -> Vec<Code> {
    use rxing::common::HybridBinarizer;
    use rxing::{BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};
    let (w, h) = img.dimensions();
    let Ok(src) = Luma8LuminanceSource::new(img.as_raw().clone(), w, h) else { return vec![] };
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(src));
    let hints = DecodeHints { TryHarder: Some(true), ..Default::default() };
    rxing::qrcode::QRCodeReader::new()
        .decode_with_hints(&mut bitmap, &hints)
        .map(|r| vec![Code { text: r.getText().to_string(), corners: r.getPoints().iter().map(|p| (p.x, p.y)).collect() }])
        .unwrap_or_default()
}

fn resize(img: &GrayImage, factor: f32) -> GrayImage {
    let (w, h) = img.dimensions();
    let nw = ((w as f32 * factor).round() as u32).max(1);
    let nh = ((h as f32 * factor).round() as u32).max(1);
    image::imageops::resize(img, nw, nh, if factor > 1.0 { FilterType::CatmullRom } else { FilterType::Triangle })
}

/// Otsu's threshold of the histogram.
fn otsu(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist.iter().enumerate().map(|(i, n)| i as f64 * *n as f64).sum();
    let (mut sum_b, mut w_b, mut best, mut at) = (0.0, 0u64, 0.0, 127u8);
    for (t, n) in hist.iter().enumerate() {
        w_b += n;
        if w_b == 0 || w_b == total {
            continue;
        }
        sum_b += t as f64 * *n as f64;
        let w_f = total - w_b;
        let (m_b, m_f) = (sum_b / w_b as f64, (sum - sum_b) / w_f as f64);
        let between = w_b as f64 * w_f as f64 * (m_b - m_f).powi(2);
        if between > best {
            best = between;
            at = t as u8;
        }
    }
    at
}

fn global(img: &GrayImage) -> GrayImage {
    let t = otsu(img);
    GrayImage::from_fn(img.width(), img.height(), |x, y| image::Luma([if img.get_pixel(x, y).0[0] <= t { 0 } else { 255 }]))
}

/// Local mean threshold over a square window (integral image).
fn local(img: &GrayImage, window: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let mut integral = vec![0u64; (wu + 1) * (hu + 1)];
    for y in 0..hu {
        let mut row = 0u64;
        for x in 0..wu {
            row += u64::from(img.get_pixel(x as u32, y as u32).0[0]);
            integral[(y + 1) * (wu + 1) + x + 1] = integral[y * (wu + 1) + x + 1] + row;
        }
    }
    let r = (window / 2).max(1) as usize;
    GrayImage::from_fn(w, h, |x, y| {
        let (x, y) = (x as usize, y as usize);
        let (x0, y0, x1, y1) = (x.saturating_sub(r), y.saturating_sub(r), (x + r + 1).min(wu), (y + r + 1).min(hu));
        let s = integral[y1 * (wu + 1) + x1] + integral[y0 * (wu + 1) + x0] - integral[y0 * (wu + 1) + x1] - integral[y1 * (wu + 1) + x0];
        let mean = s as f64 / ((x1 - x0) * (y1 - y0)) as f64;
        let v = f64::from(img.get_pixel(x as u32, y as u32).0[0]);
        image::Luma([if v < mean - 4.0 { 0 } else { 255 }])
    })
}

/// Refuse a JPEG whose image data has no end marker: cut short in
/// transfer. `None` when it is whole (or not a JPEG, or too damaged to
/// tell: the decoder then says what is wrong).
fn jpeg_cut_short(bytes: &[u8]) -> Option<String> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    // Walk the segments to the first scan (APPn segments, which may hold
    // a whole thumbnail JPEG with its own end marker, are stepped over by
    // their length); in entropy-coded data 0xFF is always followed by 0x00
    // or a restart marker, so FF D9 after it is the image's end.
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        if marker == 0xDA {
            let data = bytes.get(at + 2 + len..).unwrap_or(&[]);
            return (!data.windows(2).any(|w| w == [0xFF, 0xD9])).then(|| {
                format!("the JPEG file is cut short ({} bytes, no end marker after its image data): copy or send the whole file, or take the picture again", bytes.len())
            });
        }
        at += 2 + len;
    }
    Some(format!("the JPEG file is cut short ({} bytes, it ends before its image data)", bytes.len()))
}

/// Read the QR codes of a PNG or JPEG picture.
pub fn read(bytes: &[u8]) -> Read {
    if let Some(why) = jpeg_cut_short(bytes) {
        return Read::Image(why);
    }
    let reader = || image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format();
    // The header's size first: nothing is decoded for a picture too large.
    let (w, h) = match reader().map_err(image::ImageError::from).and_then(|r| r.into_dimensions()) {
        Ok(d) => d,
        Err(e) => return Read::Image(e.to_string()),
    };
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Read::Image(format!("{w} × {h} pixels is larger than a photo needs"));
    }
    let mut reader = match reader() {
        Ok(r) => r,
        Err(e) => return Read::Image(e.to_string()),
    };
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let img = match reader.decode() {
        Ok(i) => i,
        Err(e) => return Read::Image(e.to_string()),
    };
    read_grey(&img.to_luma8())
}

/// Paint the boxes (in `img`'s pixels, with a margin of a quarter of
/// their size) white: a code found is not found again.
fn painted_over(img: &GrayImage, boxes: &[Bounds]) -> GrayImage {
    let mut out = img.clone();
    for &(x0, y0, x1, y1) in boxes {
        let (mx, my) = ((x1 - x0) / 4.0 + 4.0, (y1 - y0) / 4.0 + 4.0);
        let clamp = |v: f32, max: u32| (v.max(0.0) as u32).min(max);
        for y in clamp(y0 - my, out.height())..clamp(y1 + my, out.height()) {
            for x in clamp(x0 - mx, out.width())..clamp(x1 + mx, out.width()) {
                out.put_pixel(x, y, image::Luma([255]));
            }
        }
    }
    out
}

/// The box around a code's corners, scaled by `f` (its image's pixels to
/// the picture's).
fn bounds(c: &Code, f: f32) -> Bounds {
    let xs = c.corners.iter().map(|p| p.0 * f);
    let ys = c.corners.iter().map(|p| p.1 * f);
    (xs.clone().fold(f32::MAX, f32::min), ys.clone().fold(f32::MAX, f32::min), xs.fold(f32::MIN, f32::max), ys.fold(f32::MIN, f32::max))
}

/// The ladder over a greyscale picture.
pub fn read_grey(img: &GrayImage) -> Read {
    let started = Instant::now();
    let long = img.width().max(img.height());
    // The working picture: large photos halved until they fit.
    let mut base = img.clone();
    while base.width().max(base.height()) > WORKING {
        base = resize(&base, 0.5);
    }
    let doubled = std::cell::OnceCell::new();
    // Made once, on the first rung that needs it, and borrowed by the others.
    let double = || doubled.get_or_init(|| resize(&base, 2.0));
    // Each rung: its codes, and the factor from its image's pixels to the picture's.
    type Rung<'a> = Box<dyn Fn() -> (Vec<Code>, f32) + 'a>;
    let to_picture = |i: &GrayImage| img.width() as f32 / i.width().max(1) as f32;
    let fb = to_picture(&base);
    let fd = fb / 2.0;
    let mut rungs: Vec<Rung> = vec![
        Box::new(|| (decode(&base), fb)),
        Box::new(|| (decode_zxing(&base), fb)),
        Box::new(|| (decode(double()), fd)),
        Box::new(|| (decode_zxing(double()), fd)),
        Box::new(|| (decode(&global(&base)), fb)),
        Box::new(|| (decode(&local(&base, (base.width().min(base.height()) / 24).max(8))), fb)),
        Box::new(|| (decode(&global(double())), fd)),
        Box::new(|| {
            let u = double();
            (decode(&local(u, (u.width().min(u.height()) / 24).max(8))), fd)
        }),
    ];
    // Blurred pictures (out of focus, a soft scan): unsharp-masked, and
    // shrunk so the blur spans fewer pixels; ZXing's binarizer does best
    // on these (measured on the blurred conditions of bench/degrade.py).
    rungs.push(Box::new(|| (decode_zxing(&image::imageops::unsharpen(&base, 2.0, 5)), fb)));
    rungs.push(Box::new(|| (decode_zxing(&image::imageops::unsharpen(&base, 3.0, 3)), fb)));
    rungs.push(Box::new(|| {
        let half = resize(&base, 0.5);
        (decode_zxing(&image::imageops::unsharpen(&half, 1.0, 5)), to_picture(&half))
    }));
    rungs.push(Box::new(|| {
        let small = resize(&base, 0.7);
        (decode_zxing(&small), to_picture(&small))
    }));
    rungs.push(Box::new(|| (decode(&image::imageops::unsharpen(double(), 3.0, 5)), fd)));
    if long > WORKING {
        // The original resolution, when halving lost the modules.
        rungs.push(Box::new(|| {
            let i = if long <= 2 * WORKING { img.clone() } else { resize(img, (2 * WORKING) as f32 / long as f32) };
            let mut t = decode(&i);
            if t.is_empty() {
                t = decode_zxing(&i);
            }
            (t, to_picture(&i))
        }));
    }
    for rung in rungs {
        if started.elapsed() > LADDER_BUDGET {
            break;
        }
        let (codes, f) = rung();
        if codes.is_empty() {
            continue;
        }
        let mut found: Vec<(String, Bounds)> = Vec::new();
        let add = |codes: Vec<Code>, f: f32, found: &mut Vec<(String, Bounds)>| {
            for c in codes {
                if found.len() < MAX_CODES && !found.iter().any(|(t, _)| *t == c.text) {
                    found.push((c.text.clone(), bounds(&c, f)));
                }
            }
        };
        add(codes, f, &mut found);
        // Other codes in the picture: the working picture searched again
        // with what was found painted over, until nothing more is read.
        while found.len() < MAX_CODES {
            let boxes: Vec<_> = found.iter().map(|(_, (x0, y0, x1, y1))| (x0 / fb, y0 / fb, x1 / fb, y1 / fb)).collect();
            let rest = painted_over(&base, &boxes);
            let mut more = decode(&rest);
            if more.is_empty() {
                more = decode_zxing(&rest);
            }
            let before = found.len();
            add(more, fb, &mut found);
            if found.len() == before {
                break;
            }
        }
        let (w, h) = img.dimensions();
        let mut codes: Vec<Found> = found
            .into_iter()
            .map(|(text, (x0, y0, x1, y1))| {
                let px = |v: f32, max: u32| (v.round().max(0.0) as u32).min(max);
                Found { text, place: Place { left: px(x0, w), top: px(y0, h), right: px(x1, w), bottom: px(y1, h), width: w, height: h } }
            })
            .collect();
        // Left to right, then top to bottom: the order a person reads the picture in.
        codes.sort_by_key(|c| (c.place.left + c.place.right, c.place.top + c.place.bottom));
        return Read::Codes(codes);
    }
    Read::Nothing
}

/// One document read from a picture: where its code is, and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoDocument {
    /// Where its QR code is in the picture.
    pub place: Place,
    /// Its answer, as for the code's text alone.
    pub report: super::Report,
}

/// Every DK1 code of a picture, each answered with where it is (left to
/// right); `Err` with the one answer when there is none: a picture that
/// does not decode or shows no code is UNREADABLE (take it again), one
/// whose codes are none of them DK1 is INVALID. Codes that are not DK1
/// beside DK1 ones (a shop's QR on the desk) are left out.
pub fn verify_each(bytes: &[u8], trust: &super::Trust) -> Result<Vec<PhotoDocument>, super::Report> {
    use super::Report;
    match read(bytes) {
        Read::Image(e) => Err(Report::unreadable(format!(
            "the picture could not be read as a PNG or JPEG image ({}): take it again, or send the original file",
            crate::util::show::clip_shown(&e, 160)
        ))),
        Read::Nothing => Err(Report::unreadable("no QR code could be read: take the photo again, closer and flat, in even light")),
        Read::Codes(codes) => {
            let docs: Vec<PhotoDocument> = codes
                .into_iter()
                .filter(|c| c.text.starts_with(crate::dk1::PREFIX))
                .map(|c| PhotoDocument { place: c.place, report: super::verify_text(&c.text, trust) })
                .collect();
            if docs.is_empty() {
                return Err(Report::invalid("the QR code in the image is not a DK1 document"));
            }
            Ok(docs)
        }
    }
}

/// What to tell a person whose picture holds more than one document.
pub fn several_documents(n: usize) -> String {
    format!("the picture holds {n} documents' QR codes: photograph one document at a time (each is answered below, with where it is)")
}

/// One answer for a picture of several documents, for callers that take
/// one: the worst document's answer if one is not genuine (named, with
/// where it is), else UNREADABLE — never GENUINE for a picture of two.
pub fn one_answer(mut docs: Vec<PhotoDocument>) -> super::Report {
    use super::Verdict;
    if docs.len() == 1 {
        return docs.remove(0).report;
    }
    let n = docs.len();
    let listed: Vec<String> = docs.iter().map(|d| format!("{} at the {}", d.report.number().unwrap_or("an unverified document"), d.place.words())).collect();
    if let Some(i) = docs.iter().position(|d| !matches!(d.report.verdict, Verdict::Genuine | Verdict::Unreadable(_))) {
        let d = docs.swap_remove(i);
        let mut r = d.report;
        let about = format!("one of {n} documents in the picture, at the {}; photograph one document at a time", d.place.words());
        r.verdict = match r.verdict {
            Verdict::Invalid(w) => Verdict::Invalid(format!("{w} ({about})")),
            Verdict::Untrusted(w) => Verdict::Untrusted(format!("{w} ({about})")),
            Verdict::Revoked(w) => Verdict::Revoked(format!("{w} ({about})")),
            Verdict::Superseded(w) => Verdict::Superseded(format!("{w} ({about})")),
            other => other,
        };
        return r;
    }
    super::Report::unreadable(format!("{}; they are {}", several_documents(n).replace(" (each is answered below, with where it is)", ""), listed.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageEncoder;

    fn code_image(text: &str, px: u32) -> GrayImage {
        let m = crate::dk1::qr::encode(text).unwrap();
        let n = m.size as u32;
        GrayImage::from_fn(n * px, n * px, |x, y| image::Luma([if m.dark[((y / px) * n + x / px) as usize] { 0 } else { 255 }]))
    }

    fn texts(r: &Read) -> Vec<&str> {
        match r {
            Read::Codes(c) => c.iter().map(|c| c.text.as_str()).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_sharp_code_reads_at_the_first_rung_and_noise_reads_nothing() {
        let img = code_image("DK1:HELLO", 4);
        let r = read_grey(&img);
        assert_eq!(texts(&r), ["DK1:HELLO"]);
        let Read::Codes(c) = &r else { unreachable!() };
        assert!(c[0].place.right > c[0].place.left && c[0].place.right <= img.width(), "{:?}", c[0].place);
        let noise = GrayImage::from_fn(200, 200, |x, y| image::Luma([((x * 7919 + y * 104729) % 251) as u8]));
        assert_eq!(read_grey(&noise), Read::Nothing);
        assert!(matches!(read(b"not an image"), Read::Image(_)));
    }

    #[test]
    fn a_dim_unevenly_lit_code_reads_after_thresholding() {
        // Dark modules 90, light 140 on the left fading to 200 on the right.
        let img = code_image("DK1:UNEVEN LIGHT", 3);
        let w = img.width();
        let lit = GrayImage::from_fn(w, img.height(), |x, y| {
            let light = 140 + (60 * x / w) as u8;
            image::Luma([if img.get_pixel(x, y).0[0] == 0 { 90 } else { light }])
        });
        assert_eq!(texts(&read_grey(&lit)), ["DK1:UNEVEN LIGHT"]);
    }

    #[test]
    fn two_codes_in_one_picture_are_both_read_each_with_its_place() {
        let (a, b) = (code_image("DK1:LEFT DOCUMENT", 4), code_image("DK1:RIGHT DOCUMENT", 3));
        let mut desk = GrayImage::from_pixel(a.width() + b.width() + 300, a.height().max(b.height()) + 100, image::Luma([235]));
        image::imageops::replace(&mut desk, &a, 40, 50);
        image::imageops::replace(&mut desk, &b, i64::from(a.width()) + 240, 60);
        let r = read_grey(&desk);
        assert_eq!(texts(&r), ["DK1:LEFT DOCUMENT", "DK1:RIGHT DOCUMENT"]);
        let Read::Codes(c) = r else { unreachable!() };
        assert!(c[0].place.words().contains("left") && c[1].place.words().contains("right"), "{} / {}", c[0].place.words(), c[1].place.words());
        assert!(c[0].place.right < c[1].place.left);
    }

    #[test]
    fn a_cut_short_jpeg_is_refused_before_decoding_and_a_whole_one_is_not() {
        let img = code_image("DK1:WHOLE", 4);
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&image::DynamicImage::ImageLuma8(img)).unwrap();
        assert_eq!(jpeg_cut_short(&jpeg), None);
        assert_eq!(texts(&read(&jpeg)), ["DK1:WHOLE"]);
        let cut = &jpeg[..jpeg.len() * 2 / 3];
        let t = Instant::now();
        let Read::Image(why) = read(cut) else { panic!("a cut JPEG read") };
        assert!(why.contains("cut short"), "{why}");
        assert!(t.elapsed() < Duration::from_millis(200));
        // Cut in its header: also refused, not decoded.
        assert!(matches!(read(&jpeg[..40]), Read::Image(_)));
        // A damaged PNG is an image error (the verifier: UNREADABLE).
        let mut png = Vec::new();
        code_image("DK1:PNG", 2).write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let n = png.len();
        png[n / 2..].iter_mut().for_each(|b| *b ^= 0x5a);
        assert!(matches!(read(&png), Read::Image(_)));
    }

    #[test]
    fn pictures_larger_than_a_photo_are_refused_from_their_header() {
        // A PNG header claiming 30000 × 30000: refused without decoding.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png).write_image(&[255u8; 16], 4, 4, image::ExtendedColorType::L8).unwrap();
        // IHDR's width and height (bytes 16..24); its CRC then fails, but the size is read first.
        png[16..20].copy_from_slice(&30000u32.to_be_bytes());
        png[20..24].copy_from_slice(&30000u32.to_be_bytes());
        let Read::Image(why) = read(&png) else { panic!() };
        assert!(why.contains("30000") || why.to_lowercase().contains("crc"), "{why}");
    }
}
