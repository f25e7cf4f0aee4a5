//! Reading the QR code of a scan or a phone photo.
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

use image::{imageops::FilterType, GrayImage};

/// What reading a picture gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Not a PNG or JPEG that decodes.
    Image(String),
    /// No QR code read at any rung.
    Nothing,
    /// The texts of the codes read (at the first rung that read any).
    Texts(Vec<String>),
}

/// The largest picture read: a 50-megapixel phone photo is fine; a
/// decompression bomb is not.
const MAX_PIXELS: u64 = 64_000_000;
/// Pictures are read at most this wide (longer side) at the first rungs.
const WORKING: u32 = 2000;

fn decode(img: &GrayImage) -> Vec<String> {
    let (w, h) = img.dimensions();
    let mut p = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| img.get_pixel(x as u32, y as u32).0[0]);
    p.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, t)| t)).collect()
}

/// ZXing's reading (rxing): hybrid binarizer, trying harder.
fn decode_zxing(img: &GrayImage) -> Vec<String> {
    use rxing::common::HybridBinarizer;
    use rxing::{BinaryBitmap, DecodeHints, Luma8LuminanceSource, Reader};
    let (w, h) = img.dimensions();
    let Ok(src) = Luma8LuminanceSource::new(img.as_raw().clone(), w, h) else { return vec![] };
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(src));
    let hints = DecodeHints { TryHarder: Some(true), ..Default::default() };
    rxing::qrcode::QRCodeReader::new().decode_with_hints(&mut bitmap, &hints).map(|r| vec![r.getText().to_string()]).unwrap_or_default()
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

/// Read the QR codes of a PNG or JPEG picture.
pub fn read(bytes: &[u8]) -> Read {
    let reader = match image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format() {
        Ok(r) => r,
        Err(e) => return Read::Image(e.to_string()),
    };
    let mut reader = reader;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let img = match reader.decode() {
        Ok(i) => i,
        Err(e) => return Read::Image(e.to_string()),
    };
    if u64::from(img.width()) * u64::from(img.height()) > MAX_PIXELS {
        return Read::Image(format!("{} × {} pixels is larger than a photo needs", img.width(), img.height()));
    }
    read_grey(&img.to_luma8())
}

/// The ladder over a greyscale picture.
pub fn read_grey(img: &GrayImage) -> Read {
    let long = img.width().max(img.height());
    // The working picture: large photos halved until they fit.
    let mut base = img.clone();
    while base.width().max(base.height()) > WORKING {
        base = resize(&base, 0.5);
    }
    let doubled = std::cell::OnceCell::new();
    // Made once, on the first rung that needs it, and borrowed by the others.
    let double = || doubled.get_or_init(|| resize(&base, 2.0));
    type Rung<'a> = Box<dyn Fn() -> Vec<String> + 'a>;
    let mut rungs: Vec<Rung> = vec![
        Box::new(|| decode(&base)),
        Box::new(|| decode_zxing(&base)),
        Box::new(|| decode(double())),
        Box::new(|| decode_zxing(double())),
        Box::new(|| decode(&global(&base))),
        Box::new(|| decode(&local(&base, (base.width().min(base.height()) / 24).max(8)))),
        Box::new(|| decode(&global(double()))),
        Box::new(|| {
            let u = double();
            decode(&local(u, (u.width().min(u.height()) / 24).max(8)))
        }),
    ];
    // Blurred pictures (out of focus, a soft scan): unsharp-masked, and
    // shrunk so the blur spans fewer pixels; ZXing's binarizer does best
    // on these (measured on the blurred conditions of bench/degrade.py).
    rungs.push(Box::new(|| decode_zxing(&image::imageops::unsharpen(&base, 2.0, 5))));
    rungs.push(Box::new(|| decode_zxing(&image::imageops::unsharpen(&base, 3.0, 3))));
    rungs.push(Box::new(|| decode_zxing(&image::imageops::unsharpen(&resize(&base, 0.5), 1.0, 5))));
    rungs.push(Box::new(|| decode_zxing(&resize(&base, 0.7))));
    rungs.push(Box::new(|| decode(&image::imageops::unsharpen(double(), 3.0, 5))));
    if long > WORKING {
        // The original resolution, when halving lost the modules.
        rungs.push(Box::new(|| {
            let i = if long <= 2 * WORKING { img.clone() } else { resize(img, (2 * WORKING) as f32 / long as f32) };
            let mut t = decode(&i);
            if t.is_empty() {
                t = decode_zxing(&i);
            }
            t
        }));
    }
    for rung in rungs {
        let texts = rung();
        if !texts.is_empty() {
            return Read::Texts(texts);
        }
    }
    Read::Nothing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_image(text: &str, px: u32) -> GrayImage {
        let m = crate::dk1::qr::encode(text).unwrap();
        let n = m.size as u32;
        GrayImage::from_fn(n * px, n * px, |x, y| image::Luma([if m.dark[((y / px) * n + x / px) as usize] { 0 } else { 255 }]))
    }

    #[test]
    fn a_sharp_code_reads_at_the_first_rung_and_noise_reads_nothing() {
        let img = code_image("DK1:HELLO", 4);
        assert_eq!(read_grey(&img), Read::Texts(vec!["DK1:HELLO".into()]));
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
        assert_eq!(read_grey(&lit), Read::Texts(vec!["DK1:UNEVEN LIGHT".into()]));
    }
}
