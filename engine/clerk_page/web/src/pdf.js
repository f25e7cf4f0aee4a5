// Reading a PDF's QR codes. terbit draws each as a 1-bit square image
// XObject, one pixel per module (engine/dk1/README.md, §4), so it is read
// exactly, module by module, not as a picture.
//
// The file is read as a PDF reader reads it, not searched with patterns:
// the cross-reference data from `startxref` (tables and cross-reference
// streams, hybrid files, every incremental update back through /Prev, the
// newest definition of an object winning), objects inside object streams,
// indirect /Length, then the page tree, each page's images (and those of
// its form XObjects) in page order. What this reader cannot follow is
// refused by name (PdfRefused): the PDF was damaged, or re-saved by another
// program.
//
// Bounded, linearly: at most 16 MiB of PDF, 2,000 images, 100,000 pages,
// 1,000,000 cross-reference entries, 64 cross-reference sections; every
// stream inflates to at most what its use needs (an image its bitmap, an
// object or xref stream 8 MiB) and 64 MiB in all. The tokenizer reads each
// byte a bounded number of times (no backtracking patterns).

export const MAX_PDF = 16 << 20;
export const MAX_IMAGES = 2000;
const MAX_PAGES = 100000;
const MAX_XREF_ENTRIES = 1 << 20;
const MAX_SECTIONS = 64;
const MAX_STREAM = 8 << 20;
const MAX_INFLATE_TOTAL = 64 << 20;
const MAX_DEPTH = 32;

/** The PDF is not one this page can read: damaged, or re-saved by another program. */
export class PdfRefused extends Error {}

const RESAVED = 'the PDF was damaged or re-saved by another program (terbit writes every PDF it issues in a form this page reads)';
const refuse = (why) => new PdfRefused(`${why}: ${RESAVED}`);

// ---- tokens and objects ----

export class Name {
  constructor(n) {
    this.name = n;
  }
}
export class Ref {
  constructor(num, gen) {
    this.num = num;
    this.gen = gen;
  }
  get key() {
    return `${this.num} ${this.gen}`;
  }
}
/** A dictionary: name → value. */
export class Dict {
  constructor() {
    this.map = new Map();
  }
  get(k) {
    return this.map.get(k);
  }
  has(k) {
    return this.map.has(k);
  }
}
export class Stream {
  constructor(dict, start, end, source) {
    this.dict = dict;
    this.start = start;
    this.end = end;
    this.source = source;
  }
  get raw() {
    return this.source.subarray(this.start, this.end);
  }
}
export class Keyword {
  constructor(k) {
    this.k = k;
  }
}

const isWhite = (c) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
const isDelim = (c) => c === 0x28 || c === 0x29 || c === 0x3c || c === 0x3e || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x2f || c === 0x25;
const isRegular = (c) => c !== undefined && !isWhite(c) && !isDelim(c);
const isDigit = (c) => c >= 0x30 && c <= 0x39;
const hexVal = (c) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1);

/** A tokenizer over `b` (bytes); every method moves `pos` forward only. */
export class Lexer {
  constructor(b, pos = 0, end = b.length) {
    this.b = b;
    this.pos = pos;
    this.end = end;
  }
  skip() {
    const { b, end } = this;
    let p = this.pos;
    while (p < end) {
      const c = b[p];
      if (isWhite(c)) p++;
      else if (c === 0x25) {
        while (p < end && b[p] !== 0x0a && b[p] !== 0x0d) p++;
      } else break;
    }
    this.pos = p;
  }
  /** An unsigned integer at pos (after white space), or null; pos moves past it only if found. */
  uint() {
    this.skip();
    const { b, end } = this;
    let p = this.pos;
    let v = 0;
    const s = p;
    while (p < end && isDigit(b[p]) && p - s <= 12) {
      v = v * 10 + (b[p] - 0x30);
      p++;
    }
    if (p === s || isRegular(b[p])) return null;
    this.pos = p;
    return v;
  }
  /** The next token or object; `depth` bounds nesting. */
  object(depth = 0) {
    if (depth > MAX_DEPTH) throw refuse('objects nested too deeply');
    this.skip();
    const { b, end } = this;
    if (this.pos >= end) throw refuse('the file ends inside an object');
    const c = b[this.pos];
    if (c === 0x2f) return this.name();
    if (c === 0x28) return this.literal();
    if (c === 0x3c && b[this.pos + 1] === 0x3c) {
      this.pos += 2;
      const d = new Dict();
      for (;;) {
        this.skip();
        if (this.pos >= end) throw refuse('a dictionary is not closed');
        if (b[this.pos] === 0x3e && b[this.pos + 1] === 0x3e) {
          this.pos += 2;
          return d;
        }
        const k = this.object(depth + 1);
        if (!(k instanceof Name)) throw refuse('a dictionary key is not a name');
        const v = this.object(depth + 1);
        if (v instanceof Keyword) throw refuse(`unexpected \`${v.k.slice(0, 20)}\` in a dictionary`);
        d.map.set(k.name, v);
      }
    }
    if (c === 0x3c) return this.hexString();
    if (c === 0x5b) {
      this.pos++;
      const a = [];
      for (;;) {
        this.skip();
        if (this.pos >= end) throw refuse('an array is not closed');
        if (b[this.pos] === 0x5d) {
          this.pos++;
          return a;
        }
        const v = this.object(depth + 1);
        if (v instanceof Keyword) throw refuse(`unexpected \`${v.k.slice(0, 20)}\` in an array`);
        a.push(v);
      }
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
      const start = this.pos;
      const n = this.number();
      // `num gen R`: a reference (two integers ahead at most; each read once more).
      if (Number.isInteger(n) && n >= 0 && isDigit(b[start])) {
        const save = this.pos;
        const gen = this.uint();
        if (gen !== null) {
          this.skip();
          if (b[this.pos] === 0x52 && !isRegular(b[this.pos + 1])) {
            this.pos++;
            return new Ref(n, gen);
          }
        }
        this.pos = save;
      }
      return n;
    }
    if (isDelim(c)) throw refuse(`unexpected \`${String.fromCharCode(c)}\``);
    // A keyword: true, false, null, obj, endobj, stream, R, ...
    const s = this.pos;
    while (this.pos < end && isRegular(b[this.pos]) && this.pos - s < 64) this.pos++;
    const k = String.fromCharCode(...b.subarray(s, this.pos));
    if (k === 'true') return true;
    if (k === 'false') return false;
    if (k === 'null') return null;
    return new Keyword(k);
  }
  number() {
    const { b, end } = this;
    const s = this.pos;
    if (b[this.pos] === 0x2b || b[this.pos] === 0x2d) this.pos++;
    let dot = false;
    while (this.pos < end && (isDigit(b[this.pos]) || (b[this.pos] === 0x2e && !dot))) {
      if (b[this.pos] === 0x2e) dot = true;
      this.pos++;
      if (this.pos - s > 40) throw refuse('a number is too long');
    }
    const v = Number(String.fromCharCode(...b.subarray(s, this.pos)));
    if (!Number.isFinite(v)) throw refuse('a malformed number');
    return v;
  }
  name() {
    const { b, end } = this;
    this.pos++;
    const out = [];
    while (this.pos < end && isRegular(b[this.pos])) {
      const c = b[this.pos++];
      if (c === 0x23 && hexVal(b[this.pos]) >= 0 && hexVal(b[this.pos + 1]) >= 0) {
        out.push(hexVal(b[this.pos]) * 16 + hexVal(b[this.pos + 1]));
        this.pos += 2;
      } else out.push(c);
      if (out.length > 256) throw refuse('a name is too long');
    }
    return new Name(new TextDecoder('latin1').decode(Uint8Array.from(out)));
  }
  literal() {
    const { b, end } = this;
    this.pos++;
    let depth = 1;
    const out = [];
    while (this.pos < end) {
      const c = b[this.pos++];
      if (c === 0x5c) {
        this.pos++;
        continue;
      }
      if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) return Uint8Array.from(out);
      out.push(c);
    }
    throw refuse('a string is not closed');
  }
  hexString() {
    const { b, end } = this;
    this.pos++;
    const out = [];
    let hi = -1;
    while (this.pos < end) {
      const c = b[this.pos++];
      if (c === 0x3e) {
        if (hi >= 0) out.push(hi * 16);
        return Uint8Array.from(out);
      }
      if (isWhite(c)) continue;
      const v = hexVal(c);
      if (v < 0) throw refuse('a malformed hex string');
      if (hi < 0) hi = v;
      else {
        out.push(hi * 16 + v);
        hi = -1;
      }
    }
    throw refuse('a hex string is not closed');
  }
  /** Whether the bytes at pos (after white space) are the keyword `k`; moves past it if so. */
  keyword(k) {
    this.skip();
    for (let i = 0; i < k.length; i++) if (this.b[this.pos + i] !== k.charCodeAt(i)) return false;
    if (isRegular(this.b[this.pos + k.length])) return false;
    this.pos += k.length;
    return true;
  }
}

/** Index of `needle` (ASCII) in b[from, to), or -1: a first-byte scan, linear in practice and bounded by |needle| per byte. */
export function indexOf(b, needle, from = 0, to = b.length) {
  const first = needle.charCodeAt(0);
  const n = needle.length;
  for (let i = b.indexOf(first, from); i >= 0 && i + n <= to; i = b.indexOf(first, i + 1)) {
    let j = 1;
    while (j < n && b[i + j] === needle.charCodeAt(j)) j++;
    if (j === n) return i;
  }
  return -1;
}

// ---- inflating, with limits ----

/** Inflate at most `limit` bytes: a stream that inflates further is cut there, never held whole. */
export async function inflate(bytes, limit) {
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

/** Undo a PNG predictor (10–15) on rows of `columns` × `colors` × `bpc`/8 bytes. */
export function unpredict(data, columns, colors = 1, bpc = 8) {
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const row = Math.ceil((columns * colors * bpc) / 8);
  const rows = Math.floor(data.length / (row + 1));
  const out = new Uint8Array(rows * row);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (row + 1)];
    const src = data.subarray(r * (row + 1) + 1, (r + 1) * (row + 1));
    const o = r * row;
    for (let i = 0; i < row; i++) {
      const a = i >= bpp ? out[o + i - bpp] : 0;
      const up = r > 0 ? out[o - row + i] : 0;
      const c = r > 0 && i >= bpp ? out[o - row + i - bpp] : 0;
      let v = src[i];
      if (type === 1) v += a;
      else if (type === 2) v += up;
      else if (type === 3) v += (a + up) >> 1;
      else if (type === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      } else if (type !== 0) throw refuse('a stream with an unknown PNG predictor');
      out[o + i] = v & 0xff;
    }
  }
  return out;
}

// ---- the document ----

class Pdf {
  constructor(b) {
    this.b = b;
    this.xref = new Map(); // num → {type: 1, offset, gen} | {type: 2, stream, index}
    this.trailer = null;
    this.cache = new Map();
    this.resolving = new Set();
    this.objStms = new Map();
    this.inflated = 0;
    this.work = 0;
    this.ends = null;
    this.revisions = 0;
    this.xrefStream = false;
  }

  async inflateLimited(bytes, limit) {
    const room = MAX_INFLATE_TOTAL - this.inflated;
    if (room <= 0) throw refuse('its streams inflate to more than 64 MiB');
    const out = await inflate(bytes, Math.min(limit, room)).catch(() => null);
    if (out === null) return null;
    this.inflated += out.length;
    return out;
  }

  /** The newest cross-reference data, following /Prev and /XRefStm. */
  async readXref() {
    const b = this.b;
    const tail = Math.max(0, b.length - 2048);
    let at = -1;
    for (let i = indexOf(b, 'startxref', tail); i >= 0; i = indexOf(b, 'startxref', i + 1)) at = i;
    if (at < 0) throw refuse('no `startxref` at its end');
    const lx = new Lexer(b, at + 9);
    let offset = lx.uint();
    if (offset === null) throw refuse('`startxref` names no offset');
    const seen = new Set();
    let sections = 0;
    const queue = [offset];
    while (queue.length) {
      offset = queue.shift();
      if (offset === null || offset === undefined) continue;
      if (seen.has(offset)) continue;
      seen.add(offset);
      if (++sections > MAX_SECTIONS) throw refuse(`more than ${MAX_SECTIONS} cross-reference sections`);
      if (!Number.isInteger(offset) || offset < 0 || offset >= b.length) throw refuse('a cross-reference offset outside the file');
      const l = new Lexer(b, offset);
      let trailer;
      if (l.keyword('xref')) {
        trailer = this.readTable(l);
      } else {
        trailer = await this.readXrefStream(offset);
        this.xrefStream = true;
      }
      if (!trailer.has('XRefStm')) this.revisions++;
      if (!this.trailer) this.trailer = trailer;
      const stm = trailer.get('XRefStm');
      const prev = trailer.get('Prev');
      // A hybrid file's stream entries come right after its table's; then the older revisions.
      if (Number.isInteger(stm)) queue.unshift(stm, ...(Number.isInteger(prev) ? [prev] : []));
      else if (Number.isInteger(prev)) queue.push(prev);
      else if (prev !== undefined) throw refuse('a malformed /Prev');
    }
    if (this.trailer.has('Encrypt')) throw new PdfRefused('the PDF is encrypted: terbit never encrypts a PDF, so it was re-saved by another program');
  }

  set(num, entry) {
    if (this.xref.size >= MAX_XREF_ENTRIES && !this.xref.has(num)) throw refuse('more than 1,000,000 objects');
    // The newest revision is read first: an older definition never replaces it.
    if (!this.xref.has(num)) this.xref.set(num, entry);
  }

  readTable(l) {
    const b = this.b;
    for (;;) {
      if (l.keyword('trailer')) break;
      const first = l.uint();
      const count = l.uint();
      if (first === null || count === null) throw refuse('a malformed cross-reference table');
      if (count > MAX_XREF_ENTRIES) throw refuse('more than 1,000,000 objects');
      for (let i = 0; i < count; i++) {
        const off = l.uint();
        const gen = l.uint();
        l.skip();
        const t = b[l.pos++];
        if (off === null || gen === null || (t !== 0x6e && t !== 0x66)) throw refuse('a malformed cross-reference entry');
        if (t === 0x6e) this.set(first + i, { type: 1, offset: off, gen });
        else this.set(first + i, { type: 0 });
      }
    }
    const trailer = l.object();
    if (!(trailer instanceof Dict)) throw refuse('its trailer is not a dictionary');
    return trailer;
  }

  async readXrefStream(offset) {
    const s = await this.parseAt(offset, null);
    if (!(s.value instanceof Stream) || !isName(s.value.dict.get('Type'), 'XRef')) throw refuse('`startxref` points at neither a cross-reference table nor a cross-reference stream');
    const d = s.value.dict;
    const data = await this.streamData(s.value, MAX_STREAM);
    const w = d.get('W');
    if (!Array.isArray(w) || w.length !== 3 || !w.every((x) => Number.isInteger(x) && x >= 0 && x <= 8)) throw refuse('a cross-reference stream with a malformed /W');
    const size = d.get('Size');
    if (!Number.isInteger(size) || size < 0 || size > MAX_XREF_ENTRIES) throw refuse('a cross-reference stream with a malformed /Size');
    const index = d.get('Index') ?? [0, size];
    if (!Array.isArray(index) || index.length % 2 !== 0 || !index.every((x) => Number.isInteger(x) && x >= 0)) throw refuse('a cross-reference stream with a malformed /Index');
    const width = w[0] + w[1] + w[2];
    if (width === 0) throw refuse('a cross-reference stream with entries of no bytes');
    let p = 0;
    const field = (n, dflt) => {
      if (n === 0) return dflt;
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 256 + data[p++];
      return v;
    };
    for (let k = 0; k < index.length; k += 2) {
      const [first, count] = [index[k], index[k + 1]];
      if (count > MAX_XREF_ENTRIES) throw refuse('more than 1,000,000 objects');
      for (let i = 0; i < count; i++) {
        if (p + width > data.length) throw refuse('a cross-reference stream shorter than its /Index says');
        const type = field(w[0], 1);
        const f2 = field(w[1], 0);
        const f3 = field(w[2], 0);
        if (type === 1) this.set(first + i, { type: 1, offset: f2, gen: f3 });
        else if (type === 2) this.set(first + i, { type: 2, stream: f2, index: f3 });
        else this.set(first + i, { type: 0 });
      }
    }
    return d;
  }

  /** `num gen obj … endobj` at `offset`: {num, gen, value}. `expect` is the object number wanted, if any. */
  async parseAt(offset, expect) {
    const b = this.b;
    const l = new Lexer(b, offset);
    const num = l.uint();
    const gen = l.uint();
    if (num === null || gen === null || !l.keyword('obj')) throw refuse(`no object at offset ${offset}`);
    if (expect !== null && num !== expect) throw refuse(`the cross-reference data puts object ${expect} where object ${num} is`);
    let value = l.object();
    if (value instanceof Keyword) throw refuse(`object ${num}: unexpected \`${value.k.slice(0, 20)}\``);
    if (value instanceof Dict && l.keyword('stream')) {
      let start = l.pos;
      if (b[start] === 0x0d && b[start + 1] === 0x0a) start += 2;
      else if (b[start] === 0x0a || b[start] === 0x0d) start += 1;
      else throw refuse(`object ${num}: \`stream\` not followed by an end of line`);
      let len = value.get('Length');
      if (len instanceof Ref) len = len.num === num ? null : await this.resolve(len);
      let end = -1;
      if (Number.isInteger(len) && len >= 0 && start + len <= b.length) {
        const after = new Lexer(b, start + len);
        if (after.keyword('endstream')) end = start + len;
      }
      if (end < 0) {
        // The length is missing or wrong: the stream ends at its `endstream` (an end of line before it is not data).
        const e = this.nextEndstream(start);
        if (e < 0) throw refuse(`object ${num}: a stream without \`endstream\``);
        end = e;
        if (b[end - 1] === 0x0a) end--;
        if (b[end - 1] === 0x0d) end--;
        if (end < start) end = start;
      }
      value = new Stream(value, start, end, b);
      l.pos = end;
    }
    this.spend(l.pos - offset);
    return { num, gen, value };
  }

  /** Work done reading objects, bounded linearly in the file's size (objects may overlap). */
  spend(n) {
    this.work += n;
    if (this.work > 4 * this.b.length + (1 << 20)) throw refuse('its objects overlap (reading them would take too long)');
  }

  /** The first `endstream` at or after `from`: every position found in one pass, then a binary search. */
  nextEndstream(from) {
    if (!this.ends) {
      this.ends = [];
      for (let i = indexOf(this.b, 'endstream', 0); i >= 0; i = indexOf(this.b, 'endstream', i + 9)) this.ends.push(i);
    }
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.ends.length ? this.ends[lo] : -1;
  }

  /** The object `ref` (a Ref or object number) stands for; direct values are returned as they are. */
  async resolve(v) {
    if (!(v instanceof Ref)) return v;
    const key = v.num;
    if (this.cache.has(key)) return this.cache.get(key);
    if (this.resolving.has(key)) throw refuse(`object ${v.num} refers to itself`);
    this.resolving.add(key);
    try {
      const e = this.xref.get(v.num);
      let value = null;
      if (e && e.type === 1) {
        if (e.offset >= this.b.length) throw refuse(`object ${v.num} lies outside the file`);
        value = (await this.parseAt(e.offset, v.num)).value;
      } else if (e && e.type === 2) {
        value = await this.fromObjStm(e.stream, e.index, v.num);
      }
      this.cache.set(key, value);
      return value;
    } finally {
      this.resolving.delete(key);
    }
  }

  async fromObjStm(streamNum, index, num) {
    let st = this.objStms.get(streamNum);
    if (!st) {
      const s = await this.resolve(new Ref(streamNum, 0));
      if (!(s instanceof Stream) || !isName(s.dict.get('Type'), 'ObjStm')) throw refuse(`object ${num}: its object stream ${streamNum} is not one`);
      const n = await this.resolve(s.dict.get('N'));
      const first = await this.resolve(s.dict.get('First'));
      if (!Number.isInteger(n) || !Number.isInteger(first) || n < 0 || n > 100000 || first < 0) throw refuse(`object stream ${streamNum}: malformed /N or /First`);
      const data = await this.streamData(s, MAX_STREAM);
      const l = new Lexer(data);
      const offsets = new Map();
      for (let i = 0; i < n; i++) {
        const on = l.uint();
        const off = l.uint();
        if (on === null || off === null) throw refuse(`object stream ${streamNum}: a malformed header`);
        offsets.set(on, first + off);
      }
      st = { data, offsets };
      this.objStms.set(streamNum, st);
      this.objectStreams = true;
    }
    const at = st.offsets.get(num);
    if (at === undefined || at >= st.data.length) throw refuse(`object ${num} is not in its object stream ${streamNum}`);
    const lx = new Lexer(st.data, at);
    const v = lx.object();
    this.spend(lx.pos - at);
    if (v instanceof Keyword) throw refuse(`object ${num}: unexpected \`${v.k.slice(0, 20)}\``);
    return v;
  }

  /** A stream's data, decoded (FlateDecode, with a PNG predictor or none), at most `limit` bytes; null for other filters. */
  async streamData(s, limit) {
    const filter = await this.resolve(s.dict.get('Filter'));
    const filters = filter === undefined || filter === null ? [] : Array.isArray(filter) ? filter : [filter];
    if (filters.length === 0) return s.raw.subarray(0, limit);
    if (filters.length !== 1 || !isName(filters[0], 'FlateDecode')) return null;
    let parms = await this.resolve(s.dict.get('DecodeParms'));
    if (Array.isArray(parms)) parms = parms[0];
    const predictor = parms instanceof Dict ? parms.get('Predictor') ?? 1 : 1;
    if (predictor === 1) return this.inflateLimited(s.raw, limit);
    if (!(predictor >= 10 && predictor <= 15)) return null;
    const columns = parms.get('Columns') ?? 1;
    const colors = parms.get('Colors') ?? 1;
    const bpc = parms.get('BitsPerComponent') ?? 8;
    if (![columns, colors, bpc].every((x) => Number.isInteger(x) && x > 0 && x <= 1 << 16)) throw refuse('a malformed predictor');
    const row = Math.ceil((columns * colors * bpc) / 8);
    const raw = await this.inflateLimited(s.raw, Math.min(MAX_STREAM, Math.ceil(limit / row) * (row + 1)));
    return raw === null ? null : unpredict(raw, columns, colors, bpc);
  }

  /** Every page dictionary, in order. */
  async pages() {
    const root = await this.resolve(this.trailer.get('Root'));
    if (!(root instanceof Dict)) throw refuse('no document catalog (/Root)');
    const out = [];
    const seen = new Set();
    const walk = async (ref, inherited, depth) => {
      if (depth > MAX_DEPTH) throw refuse('its page tree is nested too deeply');
      if (ref instanceof Ref) {
        if (seen.has(ref.num)) throw refuse('its page tree loops');
        seen.add(ref.num);
      }
      const node = await this.resolve(ref);
      if (!(node instanceof Dict)) throw refuse('a page tree node is not a dictionary');
      const resources = node.has('Resources') ? node.get('Resources') : inherited;
      const kids = await this.resolve(node.get('Kids'));
      if (isName(node.get('Type'), 'Pages') || (node.get('Type') === undefined && Array.isArray(kids))) {
        if (!Array.isArray(kids)) throw refuse('a page tree node has no /Kids');
        for (const k of kids) await walk(k, resources, depth + 1);
      } else {
        if (out.length >= MAX_PAGES) throw refuse('more than 100,000 pages');
        out.push({ page: node, resources });
      }
    };
    await walk(root.get('Pages'), undefined, 0);
    return out;
  }
}

function isName(v, n) {
  return v instanceof Name && v.name === n;
}

/** Whether `dark` (size²) has QR finder patterns at three corners, `q` modules in. */
function finders(size, dark, q) {
  const at = (x, y) => dark[y * size + x] === 1;
  const one = (ox, oy) => {
    for (let y = 0; y < 7; y++) {
      for (let x = 0; x < 7; x++) {
        const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
        if (at(ox + x, oy + y) !== (ring !== 2)) return false;
      }
    }
    return true;
  };
  const far = size - q - 7;
  return far >= q + 7 && one(q, q) && one(far, q) && one(q, far);
}

/** Whether a 1-bit square matrix looks like a QR symbol (with or without its quiet zone): cheap, before any decoding. */
export function looksLikeQr(size, dark) {
  for (const q of [0, 4]) {
    const n = size - 2 * q;
    if (n >= 21 && n <= 177 && (n - 17) % 4 === 0 && finders(size, dark, q)) return true;
  }
  return false;
}

/**
 * The PDF `bytes` with its cross-reference data read (every incremental
 * update back through /Prev, the newest definition of an object winning):
 * {trailer, xref, resolve(ref)}, for archive.js, which takes a renewed file
 * apart. Throws PdfRefused for a file this reader cannot follow.
 */
export async function openPdf(bytes) {
  if (bytes.length > MAX_PDF) throw new PdfRefused('larger than 16 MiB: not a document terbit made');
  const pdf = new Pdf(bytes);
  await pdf.readXref();
  return pdf;
}

/**
 * Every 1-bit square image the PDF's pages draw, as {size, dark: Uint8Array,
 * page (1-based)}, in page order; an image drawn on several pages once.
 * Throws PdfRefused for a file this reader cannot follow.
 */
export async function qrMatrices(bytes) {
  if (bytes.length > MAX_PDF) throw new PdfRefused('larger than 16 MiB: not a document terbit made');
  const pdf = new Pdf(bytes);
  await pdf.readXref();
  const pages = await pdf.pages();
  const found = [];
  const done = new Set();
  let images = 0;
  // Resources shared by many pages are looked through once (each image is drawn once anyway).
  const looked = new Set();
  const visit = async (resources, pageNo, depth) => {
    const res = await pdf.resolve(resources);
    if (!(res instanceof Dict) || looked.has(res)) return;
    looked.add(res);
    const xobjects = await pdf.resolve(res.get('XObject'));
    if (!(xobjects instanceof Dict) || looked.has(xobjects)) return;
    looked.add(xobjects);
    for (const ref of xobjects.map.values()) {
      if (ref instanceof Ref) {
        if (done.has(ref.num)) continue;
        done.add(ref.num);
      }
      const x = await pdf.resolve(ref);
      if (!(x instanceof Stream)) continue;
      const d = x.dict;
      const sub = d.get('Subtype');
      if (isName(sub, 'Form')) {
        if (depth < 8 && d.has('Resources')) await visit(d.get('Resources'), pageNo, depth + 1);
        continue;
      }
      if (!isName(sub, 'Image')) continue;
      if (++images > MAX_IMAGES) throw new PdfRefused(`more than ${MAX_IMAGES} images: not a document terbit made`);
      const m = await matrix(pdf, x);
      if (m) found.push({ ...m, page: pageNo });
    }
  };
  for (let i = 0; i < pages.length; i++) await visit(pages[i].resources, i + 1, 0);
  found.resaved = resavedWhy(pdf);
  return found;
}

/** Why the file is not as terbit writes PDFs (one revision, a cross-reference table, no object streams), or null. */
function resavedWhy(pdf) {
  const why = [];
  if (pdf.revisions > 1) why.push(`it has ${pdf.revisions} revisions (changes were appended after it was written)`);
  if (pdf.xrefStream) why.push('it uses a cross-reference stream');
  if (pdf.objectStreams) why.push('it keeps objects in compressed object streams');
  return why.length ? `the PDF was re-saved by another program: ${why.join('; ')}, which terbit never writes` : null;
}

async function matrix(pdf, x) {
  const d = x.dict;
  const num = async (k) => {
    const v = await pdf.resolve(d.get(k));
    return Number.isInteger(v) ? v : null;
  };
  const w = await num('Width');
  const h = await num('Height');
  const mask = (await pdf.resolve(d.get('ImageMask'))) === true;
  const bpc = mask ? 1 : await num('BitsPerComponent');
  if (bpc !== 1 || !w || w !== h || w > 400) return null;
  const row = Math.ceil(w / 8);
  const data = await pdf.streamData(x, row * h);
  if (!data || data.length < row * h) return null;
  // 1-bit DeviceGray: 0 is black, unless /Decode [1 0] or an image mask says otherwise.
  const decode = await pdf.resolve(d.get('Decode'));
  const inverted = Array.isArray(decode) && decode[0] === 1 && decode[1] === 0;
  const darkBit = inverted !== mask ? 1 : 0;
  const dark = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const bit = (data[y * row + (xx >> 3)] >> (7 - (xx & 7))) & 1;
      dark[y * w + xx] = bit === darkBit ? 1 : 0;
    }
  }
  return { size: w, dark };
}

export { RESAVED };
