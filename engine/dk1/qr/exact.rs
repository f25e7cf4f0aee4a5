//! Reading a QR matrix known to be exact (a PDF's 1-bit image, one pixel a
//! module): the data bits are taken from their places and the text is
//! accepted only if encoding it again gives the same matrix, so no
//! error-correcting decode is needed, and none can be fooled.

use super::*;

/// Where the canvas puts each bit of one version and ECC level's codeword
/// stream, with everything else (finder, timing and alignment patterns,
/// format and version information, the fixed mask) already drawn.
pub(super) struct Placement {
    pub(super) version: i16,
    pub(super) ec: EcLevel,
    /// Its blocks and error correction.
    pub(super) layout: Layout,
    /// Modules per side, quiet zone included.
    pub(super) size: usize,
    /// The symbol whose codeword bits are all 0: data modules show the mask.
    pub(super) base: Vec<bool>,
    /// Module index (row-major, quiet zone included) of stream bit k.
    pub(super) module_of: Vec<u32>,
    /// [`base`](Self::base) packed as a PDF's 1-bit image
    /// ([`Matrix::pack_1bit`]), and where stream bit k is in it (byte,
    /// mask): an auditor compares drawn images with encodings by the
    /// hundred thousand, and packs none.
    pub(super) packed: Vec<u8>,
    pub(super) packed_of: Vec<(u32, u8)>,
}

thread_local! {
    /// Placements learnt by this thread (a run uses one or two versions).
    static PLACEMENTS: RefCell<Vec<Rc<Placement>>> = const { RefCell::new(Vec::new()) };
}

impl Placement {
    /// This thread's placement for a version and level, learnt on first
    /// use; `None` if the canvas left some bit unplaced (no standard
    /// version does), in which case the caller draws on the canvas.
    pub(super) fn cached(version: i16, ec: EcLevel, data_len: usize) -> Option<Rc<Placement>> {
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
    pub(super) fn learn(version: i16, ec: EcLevel, data_len: usize) -> Option<Placement> {
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
        let row_bytes = base.size.div_ceil(8);
        let packed_of = module_of.iter().map(|&m| {
            let (row, col) = (m as usize / base.size, m as usize % base.size);
            ((row * row_bytes + col / 8) as u32, 0x80u8 >> (col % 8))
        });
        Some(Placement {
            version,
            ec,
            layout,
            size: base.size,
            packed: base.pack_1bit(),
            packed_of: packed_of.collect(),
            base: base.dark,
            module_of,
        })
    }
}

/// GF(2⁸) with QR's field polynomial x⁸ + x⁴ + x³ + x² + 1 (ISO 18004 §7.5.2).
pub(super) struct Field {
    pub(super) exp: [u8; 512],
    pub(super) log: [u8; 256],
}

pub(super) fn field() -> &'static Field {
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
    pub(super) fn mul(&self, a: u8, b: u8) -> u8 {
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
pub(super) struct Layout {
    pub(super) data_len: usize,
    /// Data blocks, as ranges of the data codewords.
    pub(super) blocks: Vec<std::ops::Range<usize>>,
    pub(super) ec_per_block: usize,
    /// Row c (of `ec_per_block` bytes): the generator polynomial's
    /// coefficients below its leading term, times c.
    pub(super) times: Vec<u8>,
}

impl Layout {
    pub(super) fn learn(version: i16, ec: EcLevel, data_len: usize) -> Option<Layout> {
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
    pub(super) fn codewords(&self, raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
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
    pub(super) fn deinterleave(&self, data: &[u8]) -> Option<Vec<u8>> {
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

pub(super) const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// The text of one alphanumeric segment at the start of `raw`.
pub(super) fn parse_alphanumeric(raw: &[u8], version: i16) -> Option<String> {
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
    if !(inner - 17).is_multiple_of(4) {
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
