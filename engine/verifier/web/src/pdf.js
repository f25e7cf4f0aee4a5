// The QR codes of a PDF terbit made: each is a 1-bit square image XObject,
// one pixel per module (engine/dk1/README.md, §4), so it is read exactly,
// module by module, not as a picture. Bounded: at most 16 MiB of PDF and
// 2,000 images; a stream that does not inflate is skipped.

const MAX_PDF = 16 << 20;
const MAX_IMAGES = 2000;

function dictAt(s, i) {
  // The dictionary starting at s[i] == '<<', nested ones included.
  let depth = 0;
  for (let j = i; j < s.length - 1; j++) {
    if (s[j] === '<' && s[j + 1] === '<') {
      depth++;
      j++;
    } else if (s[j] === '>' && s[j + 1] === '>') {
      depth--;
      j++;
      if (depth === 0) return [s.slice(i, j + 1), j + 1];
    }
  }
  return null;
}

/** Inflate at most `limit` bytes (a small image's worth): a stream that
 *  inflates further is cut there, never held whole. */
async function inflate(bytes, limit) {
  const ds = new DecompressionStream('deflate');
  const reader = new Blob([bytes]).stream().pipeThrough(ds).getReader();
  const out = new Uint8Array(limit);
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = Math.min(value.length, limit - n);
    out.set(value.subarray(0, take), n);
    n += take;
    if (n >= limit) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return out.subarray(0, n);
}

/** Every 1-bit square image of the PDF as {size, dark: Uint8Array}, in file order. */
export async function qrMatrices(bytes) {
  if (bytes.length > MAX_PDF) throw new Error('larger than 16 MiB: not a document terbit made');
  const s = new TextDecoder('latin1').decode(bytes);
  const found = [];
  const re = /\d+\s+\d+\s+obj\s*<</g;
  let m;
  while ((m = re.exec(s)) && found.length < MAX_IMAGES) {
    const at = m.index + m[0].length - 2;
    const d = dictAt(s, at);
    if (!d) break;
    const [dict, end] = d;
    re.lastIndex = end;
    if (!/\/Subtype\s*\/Image\b/.test(dict)) continue;
    const num = (k) => {
      const r = new RegExp(`/${k}\\s+(\\d+)(?!\\s+\\d+\\s+R)`).exec(dict);
      return r ? Number(r[1]) : null;
    };
    const w = num('Width');
    const h = num('Height');
    if (num('BitsPerComponent') !== 1 || !w || w !== h || w > 400) continue;
    const sm = /^\s*stream\r?\n/.exec(s.slice(end, end + 20));
    if (!sm) continue;
    const start = end + sm[0].length;
    let len = num('Length');
    if (len === null || start + len > s.length) {
      const e = s.indexOf('endstream', start);
      if (e < 0) continue;
      len = e - start;
    }
    let data = bytes.subarray(start, start + len);
    const row = Math.ceil(w / 8);
    if (/\/Filter\s*\/FlateDecode\b/.test(dict)) {
      try {
        data = await inflate(data, row * h);
      } catch {
        continue;
      }
    } else if (/\/Filter/.test(dict)) {
      continue;
    }
    if (data.length < row * h) continue;
    // 1-bit DeviceGray: 0 is black, unless /Decode [1 0] or an image mask says otherwise.
    const inverted = /\/Decode\s*\[\s*1(\.0*)?\s+0(\.0*)?\s*\]/.test(dict);
    const mask = /\/ImageMask\s+true/.test(dict);
    const darkBit = inverted !== mask ? 1 : 0;
    const dark = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const bit = (data[y * row + (x >> 3)] >> (7 - (x & 7))) & 1;
        dark[y * w + x] = bit === darkBit ? 1 : 0;
      }
    }
    found.push({ size: w, dark });
  }
  return found;
}
