//! QR encoding for DK1 texts, tuned for bulk issuance.
//!
//! `qrcode`'s high-level constructor scores all eight masks (~1.8 ms per
//! code); we use its low-level `bits`/`ec`/`canvas` API with one fixed mask
//! (~31 µs), which every decoder reads. Even then, two thirds of that is
//! the canvas walking modules one by one to place the codeword bits, mask
//! them and copy them out, identically for every code of a version: so
//! each thread asks the canvas once per version and ECC level where each
//! bit lands (`exact::Placement`), and a code is then its ECC codewords plus one
//! module flip per dark bit, the same modules as the canvas draws
//! (unit-tested against it). The ECC codewords come from a table-driven
//! Reed–Solomon over qrcode's own block layout (`exact::Layout`): ~8 µs a code. The symbol (`../README.md`, §4):
//! alphanumeric mode, ECC level Q while that keeps version ≤ 13, else M,
//! and a 4-module quiet zone.

use std::cell::RefCell;
use std::rc::Rc;

use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::Color;
use qrcode::{EcLevel, Version};

/// Light modules around the symbol.
pub const QUIET_ZONE: usize = 4;
const MAX_VERSION_AT_Q: i16 = 13;

mod exact;
use exact::Placement;
#[cfg(test)]
use exact::{Layout, ALPHANUMERIC};
pub use exact::read_exact;

/// A QR symbol as a square of dark (true) / light modules, quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Modules per side, quiet zone included.
    pub size: usize,
    /// QR version, 1–40.
    pub version: i16,
    /// Error correction level.
    pub ec_level: EcLevel,
    /// Row-major, `size` × `size`.
    pub dark: Vec<bool>,
}

/// Why a text cannot be a terbit QR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// It has characters outside the QR alphanumeric set.
    #[error("text has characters outside the QR alphanumeric set")]
    NotAlphanumeric,
    /// It is longer than a version-40 QR holds.
    #[error("text of {0} characters does not fit in a QR code")]
    TooLong(usize),
}

fn is_alphanumeric(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b)
}

/// Bits needed for `n` alphanumeric characters at `version` (ISO 18004 §7.4.4).
fn alnum_bits(n: usize, version: i16) -> usize {
    let count_bits = match version {
        1..=9 => 9,
        10..=26 => 11,
        _ => 13,
    };
    4 + count_bits + 11 * (n / 2) + 6 * (n % 2)
}

fn fits(n: usize, version: i16, ec: EcLevel) -> bool {
    Bits::new(Version::Normal(version)).max_len(ec).is_ok_and(|cap| alnum_bits(n, version) <= cap)
}

/// Choose version and ECC level (`README.md`, §4): Q up to version 13, else M.
pub fn choose(n: usize) -> Result<(i16, EcLevel), QrError> {
    if let Some(v) = (1..=MAX_VERSION_AT_Q).find(|v| fits(n, *v, EcLevel::Q)) {
        return Ok((v, EcLevel::Q));
    }
    (1..=40).find(|v| fits(n, *v, EcLevel::M)).map(|v| (v, EcLevel::M)).ok_or(QrError::TooLong(n))
}

/// The data codewords of an alphanumeric text, with its version and level.
fn data_of(text: &str) -> Result<(i16, EcLevel, Vec<u8>), QrError> {
    let data = text.as_bytes();
    if !data.iter().all(|b| is_alphanumeric(*b)) {
        return Err(QrError::NotAlphanumeric);
    }
    let (version, ec) = choose(data.len())?;
    let mut bits = Bits::new(Version::Normal(version));
    bits.push_alphanumeric_data(data).map_err(|_| QrError::TooLong(data.len()))?;
    bits.push_terminator(ec).map_err(|_| QrError::TooLong(data.len()))?;
    Ok((version, ec, bits.into_bytes()))
}

/// Each bit (0 or 1) of the data codewords followed by the
/// error-correction codewords, with its place in that bit stream (MSB
/// first): a 1 flips its module of the placement's base (the masked,
/// all-zero-data symbol). Every bit is visited and applied as a mask, with
/// no branch on the data (a bit's test mispredicts half the time).
#[inline]
fn each_bit(codewords: &[u8], ec_codewords: &[u8], mut apply: impl FnMut(usize, u8)) {
    for (i, byte) in codewords.iter().chain(ec_codewords).enumerate() {
        for k in 0..8 {
            apply(i * 8 + k, (byte >> (7 - k)) & 1);
        }
    }
}

/// A symbol as a PDF draws it: [`Matrix::pack_1bit`]'s bytes, with the
/// modules per side (quiet zone included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// Modules per side.
    pub size: usize,
    /// One bit a module, dark = 0, each row padded to a byte with 1s.
    pub bits: Vec<u8>,
}

/// [`encode`] packed as a PDF draws it ([`Matrix::pack_1bit`]): the same
/// bytes, without the matrix of booleans.
pub fn encode_1bit(text: &str) -> Result<Packed, QrError> {
    let (version, ec, raw) = data_of(text)?;
    let Some(p) = Placement::cached(version, ec, raw.len()) else {
        return Ok(encode(text)?.packed());
    };
    let (codewords, ec_codewords) = p.layout.codewords(&raw);
    let mut out = p.packed.clone();
    each_bit(&codewords, &ec_codewords, |n, bit| {
        if let Some((at, mask)) = p.packed_of.get(n) {
            if let Some(o) = out.get_mut(*at as usize) {
                *o ^= mask & 0u8.wrapping_sub(bit);
            }
        }
    });
    Ok(Packed { size: p.size, bits: out })
}

/// Encode an alphanumeric text (a DK1 text always is).
pub fn encode(text: &str) -> Result<Matrix, QrError> {
    let (version, ec, raw) = data_of(text)?;
    let data = text.as_bytes();
    let v = Version::Normal(version);
    let placement = Placement::cached(version, ec, raw.len());
    let Some(p) = placement.as_deref() else {
        let (codewords, ec_codewords) =
            qrcode::ec::construct_codewords(&raw, v, ec).map_err(|_| QrError::TooLong(data.len()))?;
        return Ok(draw_on_canvas(version, ec, &codewords, &ec_codewords));
    };
    let (codewords, ec_codewords) = p.layout.codewords(&raw);
    let mut dark = p.base.clone();
    each_bit(&codewords, &ec_codewords, |n, bit| {
        if let Some(m) = p.module_of.get(n).and_then(|m| dark.get_mut(*m as usize)) {
            *m ^= bit == 1;
        }
    });
    Ok(Matrix {
        size: p.size,
        version,
        ec_level: ec,
        dark,
    })
}

/// The symbol as `qrcode`'s canvas draws it, module by module: how a
/// [`Placement`] is learnt, and the reference it is tested against.
fn draw_on_canvas(version: i16, ec: EcLevel, codewords: &[u8], ec_codewords: &[u8]) -> Matrix {
    let mut canvas = Canvas::new(Version::Normal(version), ec);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(codewords, ec_codewords);
    canvas.apply_mask(MaskPattern::Checkerboard);
    let colors = canvas.into_colors();
    let inner = (colors.len() as f64).sqrt() as usize;
    let size = inner + 2 * QUIET_ZONE;
    let mut dark = vec![false; size * size];
    for y in 0..inner {
        for x in 0..inner {
            dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = colors[y * inner + x] == Color::Dark;
        }
    }
    Matrix {
        size,
        version,
        ec_level: ec,
        dark,
    }
}

impl Matrix {
    /// The symbol packed as a PDF draws it, with its size.
    pub fn packed(&self) -> Packed {
        Packed { size: self.size, bits: self.pack_1bit() }
    }

    /// Rows packed 1 bit per module, MSB first, each row padded to a byte:
    /// the layout of a PDF `/DeviceGray /BitsPerComponent 1` image, where a
    /// 0 bit is black.
    pub fn pack_1bit(&self) -> Vec<u8> {
        let row_bytes = self.size.div_ceil(8);
        let mut out = Vec::with_capacity(row_bytes * self.size);
        for row in self.dark.chunks_exact(self.size) {
            for eight in row.chunks(8) {
                // Unused low bits of a row's last byte stay 1 (white).
                let mut byte = 0xffu8;
                for (i, &dark) in eight.iter().enumerate() {
                    byte &= !((dark as u8) << (7 - i));
                }
                out.push(byte);
            }
        }
        out
    }

    /// Unpack a 1-bit image (the inverse of [`pack_1bit`](Self::pack_1bit)),
    /// as read back out of a PDF.
    pub fn unpack_1bit(width: usize, height: usize, bytes: &[u8]) -> Option<Vec<bool>> {
        let row_bytes = width.div_ceil(8);
        if bytes.len() < row_bytes * height {
            return None;
        }
        let mut out = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                out.push(bytes[y * row_bytes + x / 8] & (0x80 >> (x % 8)) == 0);
            }
        }
        Some(out)
    }
}

/// Decode the first QR code found in a greyscale raster (0 = black).
pub fn decode_grey(width: usize, height: usize, pixel: impl Fn(usize, usize) -> u8) -> Option<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    img.detect_grids().into_iter().find_map(|g| g.decode().ok().map(|(_, text)| text))
}

/// Decode a module matrix (one value per module, quiet zone included), as
/// read out of a PDF's 1-bit image.
///
/// The modules are known exactly, so they are decoded as a grid, with no
/// image detection. (rqrr's detector, run on the matrix scaled up, misreads
/// some valid codes at some scales: one seen here failed at 4–8 pixels per
/// module and decoded at 2–3.) A matrix that is not a bare code in its
/// quiet zone is decoded as an image at a few scales.
pub fn decode_modules(size: usize, dark: &[bool]) -> Option<String> {
    if dark.len() != size * size {
        return None;
    }
    if let Some(text) = read_exact(size, dark) {
        return Some(text);
    }
    if let Some(text) = decode_exact(size, dark) {
        return Some(text);
    }
    [3, 2, 4].into_iter().find_map(|scale| decode_grey(size * scale, size * scale, |x, y| if dark[(y / scale) * size + x / scale] { 0 } else { 255 }))
}

/// Decode the code whose dark modules' bounding box is the whole symbol.
fn decode_exact(size: usize, dark: &[bool]) -> Option<String> {
    let at = |x: usize, y: usize| dark[y * size + x];
    let rows: Vec<usize> = (0..size).filter(|y| (0..size).any(|x| at(x, *y))).collect();
    let cols: Vec<usize> = (0..size).filter(|x| (0..size).any(|y| at(*x, y))).collect();
    let (top, bottom) = (*rows.first()?, *rows.last()?);
    let (left, right) = (*cols.first()?, *cols.last()?);
    let n = bottom - top + 1;
    // A QR symbol is 17 + 4·version modules square, versions 1–40.
    if right - left + 1 != n || !(21..=177).contains(&n) || (n - 17) % 4 != 0 {
        return None;
    }
    let grid = rqrr::Grid::new(rqrr::SimpleGrid::from_func(n, |x, y| at(x + left, y + top)));
    grid.decode().ok().map(|(_, text)| text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_choice_follows_design() {
        // Short texts stay at Q; the vector's 324 characters still fit Q at
        // version 13, and would need version 11 at M (the vector's figure).
        assert_eq!(choose(20).unwrap().1, EcLevel::Q);
        assert_eq!(choose(324).unwrap(), (13, EcLevel::Q));
        assert!(fits(324, 11, EcLevel::M) && !fits(324, 10, EcLevel::M));
        // Past version 13 at Q, M takes over.
        assert_eq!(choose(450).unwrap().1, EcLevel::M);
        assert!(choose(5000).is_err());
    }

    #[test]
    fn round_trips_through_a_decoder() {
        let text = "DK1:RRQT 9P60GO0E V*JBB/DG%F8CK BG-70BL61:6WY06+C*BA/E7V50W30W50";
        let m = encode(text).unwrap();
        assert_eq!(m.size, 17 + 4 * m.version as usize + 8);
        assert_eq!(decode_modules(m.size, &m.dark).as_deref(), Some(text));
        let packed = m.pack_1bit();
        assert_eq!(Matrix::unpack_1bit(m.size, m.size, &packed).unwrap(), m.dark);
    }

    #[test]
    fn a_code_the_image_detector_misreads_decodes_from_its_modules() {
        // Seen in the crash test: rqrr's detector failed on this code at 4
        // pixels per module (the old decode path).
        let text = "DK1:RRQT 9P60GO08NEG5E8CP-C98CKR5F-70EL6C46WY0ZNDPJG/E7V50Y30W50:D0EL6C46VW5*SAQF6%96NF6TF63W5VF6NE6D8EQW6E%6BL6NF6PF6RF6$47AK6:JE5IA.%8.HA2699DB*34HB8YB8UXA6JD846KF68465W5QE6.-C2Y85C9KA96JD8469%6%965W5HK6NDCVY127BUQBPZCJ+IOPBM QO0TILH6+M5 U/HCFU33UID4MEUK/H7PL3B6QF0O$X4IX7UCP8HC3FTQ+68GVHNONCLA:6PL6IV5G2N8UP";
        let m = encode(text).unwrap();
        assert_eq!(decode_modules(m.size, &m.dark).as_deref(), Some(text));
        // A matrix of noise, or of the wrong length, decodes to nothing.
        assert_eq!(decode_modules(30, &[true; 900].map(|_| false)), None);
        assert_eq!(decode_modules(30, &[true; 10]), None);
    }

    #[test]
    fn placed_bits_are_the_modules_the_canvas_draws() {
        // Texts of every length class a DK1 text can have, through every
        // version at Q and the first ones at M: the fast path's matrix is
        // the canvas's, module for module.
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for n in (1..700).step_by(7) {
            let text: String = (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize] as char
                })
                .collect();
            let fast = encode(&text).unwrap();
            let (version, ec) = choose(n).unwrap();
            let mut bits = Bits::new(Version::Normal(version));
            bits.push_alphanumeric_data(text.as_bytes()).unwrap();
            bits.push_terminator(ec).unwrap();
            let (cw, ecw) =
                qrcode::ec::construct_codewords(&bits.into_bytes(), Version::Normal(version), ec)
                    .unwrap();
            let p = Placement::cached(version, ec, cw.len()).expect("version learnt");
            assert_eq!(p.layout.blocks.len() * p.layout.ec_per_block, ecw.len());
            assert_eq!(
                fast,
                draw_on_canvas(version, ec, &cw, &ecw),
                "{n} characters"
            );
            // Packed directly, the same bytes as the matrix packed.
            assert_eq!(encode_1bit(&text).unwrap(), fast.packed(), "{n} characters, packed");
        }
    }

    #[test]
    fn error_correction_is_qrcodes_for_every_version_and_level() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for version in 1..=40 {
            for ec in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
                let v = Version::Normal(version);
                let data_len = Bits::new(v).max_len(ec).unwrap() / 8;
                let layout = Layout::learn(version, ec, data_len).unwrap_or_else(|| panic!("{version} {ec:?}"));
                for _ in 0..3 {
                    let raw: Vec<u8> = (0..data_len)
                        .map(|_| {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            state as u8
                        })
                        .collect();
                    assert_eq!(layout.codewords(&raw), qrcode::ec::construct_codewords(&raw, v, ec).unwrap(), "{version} {ec:?}");
                }
            }
        }
    }

    #[test]
    fn exact_reading_gives_the_text_and_refuses_any_changed_module() {
        for n in [20, 64, 200, 324, 500] {
            let text: String = (0..n).map(|i| ALPHANUMERIC[(i * 7 + n) % 45] as char).collect();
            let m = encode(&text).unwrap();
            assert_eq!(read_exact(m.size, &m.dark).as_deref(), Some(text.as_str()), "{n}");
            // One module flipped: error correction would still read it, the
            // exact reading does not (and the general decoder then does).
            let mut flipped = m.dark.clone();
            let i = (QUIET_ZONE + 9) * m.size + QUIET_ZONE + 9;
            flipped[i] = !flipped[i];
            assert_eq!(read_exact(m.size, &flipped), None, "{n}");
            assert_eq!(decode_modules(m.size, &flipped).as_deref(), Some(text.as_str()), "{n}");
        }
        assert_eq!(read_exact(29, &[false; 29 * 29]), None);
    }

    #[test]
    fn refuses_non_alphanumeric() {
        assert_eq!(encode("dk1:lower"), Err(QrError::NotAlphanumeric));
    }
}
