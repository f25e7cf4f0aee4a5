//! QR encoding for DK1 texts, tuned for bulk issuance.
//!
//! `qrcode`'s high-level constructor scores all eight masks (~1.8 ms per
//! code); we use its low-level `bits`/`ec`/`canvas` API with one fixed mask
//! (~31 µs), which every decoder reads. Even then, two thirds of that is
//! the canvas walking modules one by one to place the codeword bits, mask
//! them and copy them out, identically for every code of a version: so
//! each thread asks the canvas once per version and ECC level where each
//! bit lands ([`Placement`]), and a code is then its ECC codewords plus one
//! module flip per dark bit, the same modules as the canvas draws
//! (unit-tested against it). The ECC codewords come from a table-driven
//! Reed–Solomon over qrcode's own block layout ([`Layout`]): ~8 µs a code. DESIGN §5 fixes the symbol:
//! alphanumeric mode, ECC level Q while that keeps version ≤ 13, else M,
//! and a 4-module quiet zone.

use std::cell::RefCell;
use std::rc::Rc;

use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::Color;
use qrcode::{EcLevel, Version};

pub const QUIET_ZONE: usize = 4;
const MAX_VERSION_AT_Q: i16 = 13;

/// A QR symbol as a square of dark (true) / light modules, quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// Modules per side, quiet zone included.
    pub size: usize,
    pub version: i16,
    pub ec_level: EcLevel,
    pub dark: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("text has characters outside the QR alphanumeric set")]
    NotAlphanumeric,
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

/// Choose version and ECC level per DESIGN §5.
pub fn choose(n: usize) -> Result<(i16, EcLevel), QrError> {
    if let Some(v) = (1..=MAX_VERSION_AT_Q).find(|v| fits(n, *v, EcLevel::Q)) {
        return Ok((v, EcLevel::Q));
    }
    (1..=40).find(|v| fits(n, *v, EcLevel::M)).map(|v| (v, EcLevel::M)).ok_or(QrError::TooLong(n))
}

/// Encode an alphanumeric text (a DK1 text always is).
pub fn encode(text: &str) -> Result<Matrix, QrError> {
    let data = text.as_bytes();
    if !data.iter().all(|b| is_alphanumeric(*b)) {
        return Err(QrError::NotAlphanumeric);
    }
    let (version, ec) = choose(data.len())?;
    let v = Version::Normal(version);
    let mut bits = Bits::new(v);
    bits.push_alphanumeric_data(data).map_err(|_| QrError::TooLong(data.len()))?;
    bits.push_terminator(ec).map_err(|_| QrError::TooLong(data.len()))?;
    let raw = bits.into_bytes();
    let placement = Placement::cached(version, ec, raw.len());
    let Some(p) = placement.as_deref() else {
        let (codewords, ec_codewords) =
            qrcode::ec::construct_codewords(&raw, v, ec).map_err(|_| QrError::TooLong(data.len()))?;
        return Ok(draw_on_canvas(version, ec, &codewords, &ec_codewords));
    };
    let (codewords, ec_codewords) = p.layout.codewords(&raw);
    let mut dark = p.base.clone();
    for (i, byte) in codewords.iter().chain(&ec_codewords).enumerate() {
        let mut b = *byte;
        while b != 0 {
            let bit = b.leading_zeros() as usize;
            b &= !(0x80 >> bit);
            let m = p.module_of[i * 8 + bit] as usize;
            dark[m] = !dark[m];
        }
    }
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

/// Where the canvas puts each bit of one version and ECC level's codeword
/// stream, with everything else (finder, timing and alignment patterns,
/// format and version information, the fixed mask) already drawn.
struct Placement {
    version: i16,
    ec: EcLevel,
    /// Its blocks and error correction.
    layout: Layout,
    /// Modules per side, quiet zone included.
    size: usize,
    /// The symbol whose codeword bits are all 0: data modules show the mask.
    base: Vec<bool>,
    /// Module index (row-major, quiet zone included) of stream bit k.
    module_of: Vec<u32>,
}

thread_local! {
    /// Placements learnt by this thread (a run uses one or two versions).
    static PLACEMENTS: RefCell<Vec<Rc<Placement>>> = const { RefCell::new(Vec::new()) };
}

impl Placement {
    /// This thread's placement for a version and level, learnt on first
    /// use; `None` if the canvas left some bit unplaced (no standard
    /// version does), in which case the caller draws on the canvas.
    fn cached(version: i16, ec: EcLevel, data_len: usize) -> Option<Rc<Placement>> {
        PLACEMENTS.with(|cell| {
            let mut all = cell.borrow_mut();
            if let Some(p) = all.iter().find(|p| p.version == version && p.ec == ec && p.layout.data_len == data_len) {
                return Some(p.clone());
            }
            let p = Rc::new(Placement::learn(version, ec, data_len)?);
            all.push(p.clone());
            Some(p)
        })
    }

    /// Ask the canvas: the symbol with all bits 0, then ⌈log2(n+1)⌉ symbols
    /// where stream bit k is bit j of k + 1. A module that differs from the
    /// all-zero symbol in draws j₁, j₂, … holds stream bit (Σ 2^j) − 1; a
    /// module that never differs holds no bit.
    fn learn(version: i16, ec: EcLevel, data_len: usize) -> Option<Placement> {
        let layout = Layout::learn(version, ec, data_len)?;
        let ec_len = layout.blocks.len() * layout.ec_per_block;
        let nbits = (data_len + ec_len) * 8;
        let base = draw_on_canvas(version, ec, &vec![0; data_len], &vec![0; ec_len]);
        let mut code = vec![0usize; base.dark.len()];
        let rounds = usize::BITS - nbits.leading_zeros();
        for j in 0..rounds {
            let mut stream = vec![0u8; data_len + ec_len];
            for k in 0..nbits {
                if ((k + 1) >> j) & 1 == 1 {
                    stream[k / 8] |= 0x80 >> (k % 8);
                }
            }
            let drawn = draw_on_canvas(version, ec, &stream[..data_len], &stream[data_len..]);
            for (m, (a, b)) in drawn.dark.iter().zip(&base.dark).enumerate() {
                if a != b {
                    code[m] |= 1 << j;
                }
            }
        }
        let mut module_of = vec![u32::MAX; nbits];
        for (m, c) in code.iter().enumerate() {
            if let Some(slot) = c.checked_sub(1).and_then(|k| module_of.get_mut(k)) {
                *slot = m as u32;
            }
        }
        if module_of.contains(&u32::MAX) {
            return None;
        }
        Some(Placement {
            version,
            ec,
            layout,
            size: base.size,
            base: base.dark,
            module_of,
        })
    }
}

/// GF(2⁸) with QR's field polynomial x⁸ + x⁴ + x³ + x² + 1 (ISO 18004 §7.5.2).
struct Field {
    exp: [u8; 512],
    log: [u8; 256],
}

fn field() -> &'static Field {
    static F: std::sync::OnceLock<Field> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let mut f = Field { exp: [0; 512], log: [0; 256] };
        let mut x: u16 = 1;
        for i in 0..255 {
            f.exp[i] = x as u8;
            f.exp[i + 255] = x as u8;
            f.log[x as usize] = i as u8;
            x <<= 1;
            if x & 0x100 != 0 {
                x ^= 0x11d;
            }
        }
        f
    })
}

impl Field {
    fn mul(&self, a: u8, b: u8) -> u8 {
        if a == 0 || b == 0 {
            0
        } else {
            self.exp[self.log[a as usize] as usize + self.log[b as usize] as usize]
        }
    }
}

/// How one version and level splits its data codewords into blocks and
/// computes each block's error correction: `qrcode::ec::construct_codewords`'
/// result, faster. Its block table is private, so it is learnt from it:
/// fed each codeword's own index, the interleaved output says which block
/// each codeword went to. The Reed–Solomon remainder is then a table
/// lookup and a row of XORs per data codeword, where qrcode divides by
/// 255 for every term and allocates every block (unit-tested equal for
/// every version and level).
struct Layout {
    data_len: usize,
    /// Data blocks, as ranges of the data codewords.
    blocks: Vec<std::ops::Range<usize>>,
    ec_per_block: usize,
    /// Row c (of `ec_per_block` bytes): the generator polynomial's
    /// coefficients below its leading term, times c.
    times: Vec<u8>,
}

impl Layout {
    fn learn(version: i16, ec: EcLevel, data_len: usize) -> Option<Layout> {
        let v = Version::Normal(version);
        let low: Vec<u8> = (0..data_len).map(|j| j as u8).collect();
        let high: Vec<u8> = (0..data_len).map(|j| (j >> 8) as u8).collect();
        let (a, ec_all) = qrcode::ec::construct_codewords(&low, v, ec).ok()?;
        let (b, _) = qrcode::ec::construct_codewords(&high, v, ec).ok()?;
        let order: Vec<usize> = a.iter().zip(&b).map(|(l, h)| *l as usize | (*h as usize) << 8).collect();
        // The interleave takes each block's first codeword, then each
        // one's second…: the blocks start where the first round does.
        let count = order.iter().position(|&j| j == 1)?;
        let starts = &order[..count];
        if starts.first() != Some(&0) || starts.windows(2).any(|w| w[0] >= w[1]) || ec_all.len() % count != 0 {
            return None;
        }
        let blocks = starts.iter().zip(starts.iter().skip(1).chain([&data_len])).map(|(s, e)| *s..*e).collect();
        let n = ec_all.len() / count;
        if !(1..=68).contains(&n) {
            return None;
        }
        // The generator is Π (x − αⁱ), i < n; highest coefficient first.
        let f = field();
        let mut g = vec![1u8];
        for i in 0..n {
            let mut next = vec![0u8; g.len() + 1];
            for (k, c) in g.iter().enumerate() {
                next[k] ^= c;
                next[k + 1] ^= f.mul(*c, f.exp[i]);
            }
            g = next;
        }
        let times = (0..=255u8).flat_map(|c| g[1..].iter().map(move |k| f.mul(c, *k)).collect::<Vec<_>>()).collect();
        let l = Layout { data_len, blocks, ec_per_block: n, times };
        // The learnt layout must give back what it was learnt from.
        (l.codewords(&low) == (a, ec_all)).then_some(l)
    }

    /// Data and error-correction codewords, each interleaved across the
    /// blocks (ISO 18004 §7.6), as `construct_codewords` gives them.
    fn codewords(&self, raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let n = self.ec_per_block;
        let longest = self.blocks.iter().map(|b| b.len()).max().unwrap_or(0);
        let mut data = Vec::with_capacity(raw.len());
        for i in 0..longest {
            data.extend(self.blocks.iter().filter(|b| i < b.len()).filter_map(|b| raw.get(b.start + i)));
        }
        let mut ec = vec![0u8; n * self.blocks.len()];
        let count = self.blocks.len();
        for (j, block) in self.blocks.iter().enumerate() {
            let mut rem = [0u8; 68];
            let rem = &mut rem[..n];
            for &d in raw.get(block.clone()).unwrap_or_default() {
                let lead = (d ^ rem[0]) as usize;
                rem.copy_within(1.., 0);
                rem[n - 1] = 0;
                for (r, t) in rem.iter_mut().zip(&self.times[lead * n..lead * n + n]) {
                    *r ^= t;
                }
            }
            for (i, r) in rem.iter().enumerate() {
                ec[i * count + j] = *r;
            }
        }
        (data, ec)
    }
}

impl Layout {
    /// The data codewords in block order, from their interleaved order
    /// (the inverse of [`Layout::codewords`]' interleave).
    fn deinterleave(&self, data: &[u8]) -> Option<Vec<u8>> {
        let mut raw = vec![0u8; self.data_len];
        let longest = self.blocks.iter().map(|b| b.len()).max().unwrap_or(0);
        let mut k = 0;
        for i in 0..longest {
            for b in self.blocks.iter().filter(|b| i < b.len()) {
                *raw.get_mut(b.start + i)? = *data.get(k)?;
                k += 1;
            }
        }
        Some(raw)
    }
}

const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// The text of one alphanumeric segment at the start of `raw`.
fn parse_alphanumeric(raw: &[u8], version: i16) -> Option<String> {
    let mut at = 0usize;
    let mut bits = |n: usize| -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *raw.get(at / 8)?;
            v = v << 1 | u32::from(byte >> (7 - at % 8) & 1);
            at += 1;
        }
        Some(v)
    };
    if bits(4)? != 0b0010 {
        return None;
    }
    let count = bits(match version {
        1..=9 => 9,
        10..=26 => 11,
        _ => 13,
    })? as usize;
    let mut out = String::with_capacity(count);
    for _ in 0..count / 2 {
        let v = bits(11)? as usize;
        let (a, b) = (v / 45, v % 45);
        out.push(*ALPHANUMERIC.get(a)? as char);
        out.push(ALPHANUMERIC[b] as char);
    }
    if count % 2 == 1 {
        out.push(*ALPHANUMERIC.get(bits(6)? as usize)? as char);
    }
    Some(out)
}

/// Read a module matrix (quiet zone included) exactly as terbit's own
/// encoder draws it: the codeword bits are read where the placement puts
/// them, the text parsed, and the text encoded again must give the very
/// same modules. No error correction is needed or allowed: a PDF's QR image
/// is exact, so any difference means it was not drawn by terbit, and the
/// general decoder ([`decode_modules`]) then reads it. ~10 µs instead of
/// the general decoder's Reed–Solomon syndromes (~2 ms).
pub fn read_exact(size: usize, dark: &[bool]) -> Option<String> {
    if dark.len() != size * size || size < 21 + 2 * QUIET_ZONE {
        return None;
    }
    let inner = size - 2 * QUIET_ZONE;
    if (inner - 17) % 4 != 0 {
        return None;
    }
    let version = i16::try_from((inner - 17) / 4).ok().filter(|v| (1..=40).contains(v))?;
    for ec in [EcLevel::Q, EcLevel::M] {
        if ec == EcLevel::Q && version > MAX_VERSION_AT_Q {
            continue;
        }
        let Some(data_len) = Bits::new(Version::Normal(version)).max_len(ec).ok().map(|b| b / 8) else { continue };
        let Some(p) = Placement::cached(version, ec, data_len) else { continue };
        let mut stream = vec![0u8; p.module_of.len() / 8];
        for (k, &m) in p.module_of.iter().enumerate() {
            if dark[m as usize] != p.base[m as usize] {
                stream[k / 8] |= 0x80 >> (k % 8);
            }
        }
        let Some(raw) = p.layout.deinterleave(&stream[..data_len]) else { continue };
        if let Some(text) = parse_alphanumeric(&raw, version) {
            if encode(&text).is_ok_and(|m| m.dark == dark) {
                return Some(text);
            }
        }
    }
    None
}

impl Matrix {
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
    if right - left + 1 != n || n < 21 || n > 177 || (n - 17) % 4 != 0 {
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
