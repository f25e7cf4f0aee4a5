//! A fake camera for the verifier page's browser tests and benchmark: a
//! .y4m video of a document page, the way a clerk holds a phone over it.

#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// A grey page image (PGM from pdftoppm) → (width, height, pixels).
pub(crate) fn read_pgm(path: &Path) -> (usize, usize, Vec<u8>) {
    let b = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while b[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while !b[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&b[s..i]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, b[i + 1..i + 1 + w * h].to_vec())
}

/// Where the page draws its QR: the `cm` before `/QR Do`, in points
/// (x, y from the bottom, size).
pub(crate) fn qr_box(pdf: &[u8]) -> (f64, f64, f64) {
    let mut at = 0;
    while let Some(p) = pdf[at..].windows(6).position(|w| w == b"stream") {
        let start = at + p + 6 + if pdf[at + p + 6] == b'\r' { 2 } else { 1 };
        let Some(len) = pdf[start..].windows(9).position(|w| w == b"endstream") else { break };
        let end = start + len;
        at = end + 9;
        let mut text = String::new();
        if std::io::Read::read_to_string(&mut flate2::read::ZlibDecoder::new(&pdf[start..end]), &mut text).is_err() || !text.contains("/QR Do") {
            continue;
        }
        let before = &text[..text.find("/QR Do").unwrap()];
        for line in before.lines().rev() {
            let f: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            if line.trim_end().ends_with("cm") && f.len() == 6 && f[0] > 10.0 {
                return (f[4], f[5], f[0]);
            }
        }
    }
    panic!("no QR drawn in the PDF");
}

/// A camera's view (640×480, 10 frames a second): 10 frames of an empty
/// desk, then the document page held with its QR in view.
pub(crate) fn camera_video(pdf: &Path, out: &Path, dir: &Path) {
    let dpi = 100.0;
    let st = Command::new("pdftoppm").args(["-r", "100", "-gray", "-singlefile"]).arg(pdf).arg(dir.join("page")).status().unwrap();
    assert!(st.success());
    let (w, h, px) = read_pgm(&dir.join("page.pgm"));
    let (x, y, size) = qr_box(&std::fs::read(pdf).unwrap());
    let page_h_pt = h as f64 / dpi * 72.0;
    let cx = ((x + size / 2.0) / 72.0 * dpi) as i64;
    let cy = ((page_h_pt - y - size / 2.0) / 72.0 * dpi) as i64;
    let (fw, fh) = (640usize, 480usize);
    let mut f = std::fs::File::create(out).unwrap();
    writeln!(f, "YUV4MPEG2 W{fw} H{fh} F10:1 Ip A1:1 C420jpeg").unwrap();
    let blank_frames = 10u32;
    let qr_frames = 30u32;
    for n in 0..blank_frames + qr_frames {
        f.write_all(b"FRAME\n").unwrap();
        let mut luma = vec![90u8; fw * fh];
        if n >= blank_frames {
            for fy in 0..fh {
                for fx in 0..fw {
                    let (sx, sy) = (cx - fw as i64 / 2 + fx as i64, cy - fh as i64 / 2 + fy as i64);
                    if sx >= 0 && sy >= 0 && (sx as usize) < w && (sy as usize) < h {
                        luma[fy * fw + fx] = px[sy as usize * w + sx as usize];
                    }
                }
            }
        }
        f.write_all(&luma).unwrap();
        f.write_all(&vec![128u8; fw * fh / 2]).unwrap();
    }
}

