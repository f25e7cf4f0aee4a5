// Archive time-stamps (PAdES B-LTA), as terbit's Rust side reads and
// judges them (engine/pdf/archive.rs, engine/verify/signature/archive.rs):
// `terbit archive renew` appends renewals to a signed file, each one
// incremental update holding the validation data the file lacked (new
// /DSS streams, a new /DSS dictionary), the catalog again, a widget field
// and a document time-stamp (/Type/DocTimeStamp, /SubFilter/ETSI.RFC3161)
// whose token stamps every byte before it.
//
// A renewal has exactly one shape, the one `prepare` writes; `readArchive`
// takes a file apart into its sealed part (what its own signature covers)
// and its renewals, and accepts a renewal only if `prepare`, given what the
// renewal adds and its token, writes the same bytes: nothing else can ride
// in one. The catalog is written again in one canonical form (Rust's
// `object()` and `name()`), so that the same bytes come out here.
//
// Bounded: at most MAX_RENEWALS renewals, a token of at most MAX_TOKEN
// bytes, each object searched for within a bounded window; the previous
// revisions are read with the page's own PDF reader (pdf.js, its limits).

import { sha256 } from '@noble/hashes/sha2.js';
import { openPdf, Lexer, Dict, Name, Ref, Stream, Keyword, PdfRefused } from './pdf.js';
import { stampOverImprint, authorityOf, rfc3339 } from './pades.js';

/** At most this many renewals in one file (one a year is the plan). */
export const MAX_RENEWALS = 64;
/** The longest token a renewal holds (bytes). */
export const MAX_TOKEN = 64 * 1024;

/** Why a renewal is not one terbit writes (the words after the revision's number). */
class NotRenewal extends Error {}
const no = (why) => new NotRenewal(why);

const enc = new TextEncoder();
const latin1 = (b) => new TextDecoder('latin1').decode(b);
const isDigit = (c) => c >= 0x30 && c <= 0x39;
// Rust's `u8::is_ascii_whitespace` (no NUL, unlike PDF's white space).
const isAsciiSpace = (c) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;

function startsWith(b, at, text) {
  if (at + text.length > b.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The first offset of `text` (ASCII) in b[from, to), or -1. */
function findIn(b, text, from = 0, to = b.length) {
  const first = text.charCodeAt(0);
  for (let i = b.indexOf(first, from); i >= 0 && i + text.length <= to; i = b.indexOf(first, i + 1)) {
    if (startsWith(b, i, text)) return i;
  }
  return -1;
}

/** The last offset of `text` (ASCII) in b[0, to), or -1. */
function rfindIn(b, text, to = b.length) {
  const first = text.charCodeAt(0);
  for (let i = b.lastIndexOf(first, to - text.length); i >= 0; i = i > 0 ? b.lastIndexOf(first, i - 1) : -1) {
    if (startsWith(b, i, text)) return i;
  }
  return -1;
}

const sameBytes = (x, y) => {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

/** A non-negative decimal as Rust's `str::parse::<usize>` reads it ("+" allowed), or null. */
function parseUsize(s) {
  if (!/^\+?[0-9]+$/.test(s)) return null;
  const n = Number(s.replace(/^\+/, ''));
  return Number.isSafeInteger(n) ? n : null;
}

// ---- objects, read exactly as lopdf reads them ----

/** A PDF real (lopdf: f32). */
class Real {
  constructor(v) {
    this.v = v;
  }
}
/** A PDF string's bytes (literal or hex: lopdf keeps both as bytes). */
class PdfString {
  constructor(bytes) {
    this.bytes = bytes;
  }
}

const refused = (why) => new PdfRefused(why);

/**
 * The page's tokenizer, with numbers and strings as lopdf reads them:
 * integers (i64) apart from reals (f32), a literal string's escapes
 * decoded. Only what the catalog's canonical form needs differs.
 */
class ExactLexer extends Lexer {
  number() {
    const { b, end } = this;
    const s = this.pos;
    let p = s;
    if (b[p] === 0x2b || b[p] === 0x2d) p++;
    while (p < end && isDigit(b[p]) && p - s <= 40) p++;
    let real = false;
    if (b[p] === 0x2e) {
      real = true;
      p++;
      while (p < end && isDigit(b[p]) && p - s <= 40) p++;
    }
    if (p - s > 40) throw refused('a number is too long');
    const text = latin1(b.subarray(s, p));
    if (!/[0-9]/.test(text)) throw refused('a malformed number');
    this.pos = p;
    if (real) return new Real(Math.fround(Number(text)));
    const n = BigInt(text);
    if (n > 0x7fffffffffffffffn || n < -0x8000000000000000n) throw refused('an integer out of range');
    return Number.isSafeInteger(Number(n)) ? Number(n) : n;
  }
  literal() {
    const { b, end } = this;
    this.pos++;
    let depth = 1;
    const out = [];
    while (this.pos < end) {
      const c = b[this.pos++];
      if (c === 0x5c) {
        const e = b[this.pos];
        if (e >= 0x30 && e <= 0x37) {
          let v = 0;
          for (let k = 0; k < 3 && b[this.pos] >= 0x30 && b[this.pos] <= 0x37; k++) v = v * 8 + (b[this.pos++] - 0x30);
          out.push(v & 0xff);
        } else if (e === 0x0d) {
          this.pos += b[this.pos + 1] === 0x0a ? 2 : 1;
        } else if (e === 0x0a) {
          this.pos++;
        } else if (this.pos < end) {
          this.pos++;
          out.push({ 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x66: 0x0c }[e] ?? e);
        }
        continue;
      }
      if (c === 0x0d || c === 0x0a) {
        if (c === 0x0d && b[this.pos] === 0x0a) this.pos++;
        out.push(0x0a);
        continue;
      }
      if (c === 0x28) {
        if (++depth > 100) throw refused('a string nested too deeply');
      } else if (c === 0x29 && --depth === 0) return new PdfString(Uint8Array.from(out));
      out.push(c);
    }
    throw refused('a string is not closed');
  }
  hexString() {
    return new PdfString(super.hexString());
  }
}

/** The object `num` (a Ref's number) of `pdf`, read exactly; a direct value as it is. */
function exactObject(pdf, v) {
  if (!(v instanceof Ref)) return v;
  const e = pdf.xref.get(v.num);
  if (!e || e.type !== 1 || e.offset >= pdf.b.length) return undefined;
  const l = new ExactLexer(pdf.b, e.offset);
  const num = l.uint();
  const gen = l.uint();
  if (num !== v.num || gen === null || !l.keyword('obj')) return undefined;
  const value = l.object();
  if (value instanceof Keyword) return undefined;
  // A dictionary followed by `stream` is a stream, never a catalog's part.
  if (value instanceof Dict && l.keyword('stream')) return new Stream(value, 0, 0, pdf.b);
  return value;
}

// ---- writing, in the one form Rust's `prepare` writes ----

/** Bytes appended in pieces, with the length so far. */
class Out {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  bytes(u) {
    this.parts.push(u);
    this.length += u.length;
  }
  text(s) {
    this.bytes(enc.encode(s));
  }
  done() {
    const all = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  }
}

const hex2 = (c) => c.toString(16).padStart(2, '0');
const hexOf = (u) => Array.from(u, hex2).join('');
const SAFE = /^[A-Za-z0-9\-_.+]$/;

/** A name (its bytes as latin1 text): `/` and each byte, `#xx` but for [A-Za-z0-9-_.+] (archive.rs, `name`). */
function nameText(n) {
  let s = '/';
  for (const ch of n) {
    const c = ch.charCodeAt(0) & 0xff;
    s += SAFE.test(String.fromCharCode(c)) ? String.fromCharCode(c) : `#${hex2(c)}`;
  }
  return s;
}

/** A real as Rust's `Display` for f32 writes it: the shortest digits that read back as the same f32, never an exponent. */
export function f32Text(x) {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return 'inf';
  if (f === -Infinity) return '-inf';
  if (Object.is(f, -0)) return '-0';
  let digits = null;
  for (let p = 1; p <= 9 && digits === null; p++) {
    const t = f.toPrecision(p);
    if (Math.fround(Number(t)) === f) digits = t;
  }
  // As plain decimal text: the exponent moved into the digits.
  const neg = digits.startsWith('-');
  const [mant, expPart] = (neg ? digits.slice(1) : digits).split('e');
  const exp = expPart ? Number(expPart) : 0;
  let [ip, fp = ''] = mant.split('.');
  let all = ip + fp;
  let point = ip.length + exp;
  if (point <= 0) {
    all = '0'.repeat(1 - point) + all;
    point = 1;
  } else if (point > all.length) all += '0'.repeat(point - all.length);
  ip = all.slice(0, point).replace(/^0+(?=\d)/, '');
  fp = all.slice(point).replace(/0+$/, '');
  return `${neg ? '-' : ''}${ip}${fp ? `.${fp}` : ''}`;
}

/** An object as PDF text, always in one form (strings as hex), as archive.rs's `object` writes it. */
function objectText(o, depth) {
  if (depth > 16) throw no('the catalog nests too deep');
  if (o === null) return ' null';
  if (o === true) return ' true';
  if (o === false) return ' false';
  if (typeof o === 'number' || typeof o === 'bigint') return ` ${o}`;
  if (o instanceof Real) return ` ${f32Text(o.v)}`;
  if (o instanceof Name) return nameText(o.name);
  if (o instanceof PdfString) return `<${hexOf(o.bytes)}>`;
  if (o instanceof Uint8Array) return `<${hexOf(o)}>`;
  if (Array.isArray(o)) return `[${o.map((x) => objectText(x, depth + 1)).join('')}]`;
  if (o instanceof Dict) {
    let s = '<<';
    for (const [k, v] of o.map) s += nameText(k) + objectText(v, depth + 1);
    return `${s}>>`;
  }
  if (o instanceof Ref) return ` ${o.num} ${o.gen} R`;
  if (o instanceof Stream) throw no('the catalog holds a stream');
  throw no('the catalog holds something that is not a PDF object');
}

const KINDS = ['Certs', 'CRLs', 'OCSPs'];

/** `startxref`'s number at the file's end (archive.rs, `last_startxref`), or null. */
function lastStartxref(b) {
  if (b.length < 7 || !startsWith(b, b.length - 7, '\n%%EOF\n')) return null;
  const tail = b.length - 7;
  const at = rfindIn(b.subarray(0, tail), 'startxref\n');
  if (at < 0) return null;
  return parseUsize(latin1(b.subarray(at + 10, tail)));
}

/**
 * The renewal to append to `prev` (a signed terbit file, renewed or not):
 * `add` ({certs, crls, ocsps}: arrays of DER) into the store, less what the
 * store already holds; `tokenLen` bytes reserved for the token.
 * {bytes, contentsAt, contentsLen, imprint}; throws a NotRenewal with why.
 */
export async function prepare(prev, add, tokenLen) {
  if (tokenLen > MAX_TOKEN) throw no(`a token of ${tokenLen} bytes is more than the ${MAX_TOKEN} a renewal holds`);
  let pdf;
  try {
    pdf = await openPdf(prev);
  } catch (e) {
    throw no(`not a readable PDF: ${e && e.message ? e.message : e}`);
  }
  const read = async (f) => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof NotRenewal) throw e;
      return undefined;
    }
  };
  const trailer = pdf.trailer;
  const root = trailer.get('Root');
  if (!(root instanceof Ref)) throw no('the trailer names no catalog');
  const catalog = await read(() => exactObject(pdf, root));
  if (!(catalog instanceof Dict)) throw no('the catalog is not a dictionary');
  const size = trailer.get('Size');
  if (!Number.isInteger(size) || size < 0 || size > 0xffffffff) throw no('the trailer has no /Size');
  const prevXref = lastStartxref(prev);
  if (prevXref === null) throw no('the file does not end with startxref and %%EOF');
  let form;
  const f = catalog.get('AcroForm');
  if (f instanceof Ref) form = await read(() => exactObject(pdf, f));
  else if (f === undefined) throw no('the file has no form: it is not signed');
  else form = f;
  if (!(form instanceof Dict)) throw no('the form is not a dictionary');
  const fields = form.get('Fields');
  if (!Array.isArray(fields)) throw no('the form has no fields');
  // The store's present entries, per kind, and their bytes.
  const old = [[], [], []];
  const dss = catalog.get('DSS');
  const store = dss instanceof Ref ? await read(() => pdf.resolve(dss)) : undefined;
  if (store instanceof Dict) {
    for (let k = 0; k < 3; k++) {
      const list = store.get(KINDS[k]);
      if (!Array.isArray(list)) continue;
      for (const r of list) {
        if (!(r instanceof Ref)) throw no('the store holds something else than references');
        const s = await read(() => pdf.resolve(r));
        if (!(s instanceof Stream)) throw no('the store refers to something else than a stream');
        old[k].push({ id: r.num, data: s.raw });
      }
    }
  }
  const out = new Out();
  let next = size;
  // Where each new object is (the first one of a number, as archive.rs finds it).
  const offsets = new Map();
  const mark = (id, at) => {
    if (!offsets.has(id)) offsets.set(id, at);
  };
  const refs = [[], [], []];
  const lists = [add.certs || [], add.crls || [], add.ocsps || []];
  for (let k = 0; k < 3; k++) {
    const items = lists[k];
    refs[k] = old[k].map((o) => o.id);
    for (let i = 0; i < items.length; i++) {
      const data = items[i];
      if (old[k].some((o) => sameBytes(o.data, data)) || items.slice(0, i).some((d) => sameBytes(d, data))) continue;
      mark(next, out.length);
      out.text(`${next} 0 obj\n<</Length ${data.length}>>stream\n`);
      out.bytes(data);
      out.text('\nendstream\nendobj\n');
      refs[k].push(next);
      next++;
    }
  }
  const [storeId, widget, sig] = [next, next + 1, next + 2];
  mark(storeId, out.length);
  let text = `${storeId} 0 obj\n<</Type/DSS`;
  for (let k = 0; k < 3; k++) if (refs[k].length) text += `/${KINDS[k]}[${refs[k].map((n) => `${n} 0 R`).join(' ')}]`;
  text += '>>\nendobj\n';
  out.text(text);
  // The catalog again: its entries as they were, the form naming the new
  // field too, the new store.
  mark(root.num, out.length);
  text = `${root.num} ${root.gen} obj\n<<`;
  for (const [key, value] of catalog.map) {
    if (key === 'AcroForm' || key === 'DSS') continue;
    text += nameText(key) + objectText(value, 0);
  }
  text += '/AcroForm<<';
  for (const [key, value] of form.map) if (key !== 'Fields') text += nameText(key) + objectText(value, 0);
  text += '/Fields[';
  for (const x of fields) text += `${objectText(x, 0)} `;
  text += `${widget} 0 R]>>/DSS ${storeId} 0 R>>\nendobj\n`;
  out.text(text);
  mark(widget, out.length);
  out.text(`${widget} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/F 132/Rect[0 0 0 0]/T(DocTimeStamp${fields.length})/V ${sig} 0 R>>\nendobj\n`);
  mark(sig, out.length);
  out.text(`${sig} 0 obj\n<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange`);
  const rangeAt = out.length;
  out.text('[0 0000000000 0000000000 0000000000]/Contents');
  const contentsAt = out.length;
  const contentsLen = 2 * tokenLen;
  out.text(`<${'0'.repeat(contentsLen)}>>>\nendobj\n`);
  // Cross-reference: the catalog's line, then the new objects'.
  const pad = (n, w) => String(n).padStart(w, '0');
  const xrefAt = prev.length + out.length;
  text = 'xref\n';
  text += `${root.num} 1\n${pad(prev.length + (offsets.get(root.num) ?? 0), 10)} ${pad(root.gen, 5)} n \n`;
  text += `${size} ${next + 3 - size}\n`;
  for (let id = size; id < next + 3; id++) text += `${pad(prev.length + (offsets.get(id) ?? 0), 10)} 00000 n \n`;
  text += `trailer\n<</Size ${next + 3}/Root ${root.num} ${root.gen} R`;
  for (const key of ['Info', 'ID']) {
    const v = trailer.get(key);
    if (v !== undefined) text += nameText(key) + objectText(v, 0);
  }
  text += `/Prev ${prevXref}>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  out.text(text);
  const bytes = out.done();
  // The byte range: the whole file but the token.
  const total = prev.length + bytes.length;
  const a = prev.length + contentsAt;
  const b = a + contentsLen + 2;
  const range = `[0 ${String(a).padStart(10)} ${String(b).padStart(10)} ${String(total - b).padStart(10)}]`;
  bytes.set(enc.encode(range), rangeAt);
  const h = sha256.create();
  h.update(prev);
  h.update(bytes.subarray(0, contentsAt));
  h.update(bytes.subarray(contentsAt + contentsLen + 2));
  return { bytes, contentsAt, contentsLen, imprint: h.digest() };
}

/** Write `token` into a prepared renewal: its bytes. */
export function finish(prepared, token) {
  if (2 * token.length > prepared.contentsLen) throw no(`the time-stamp token takes ${token.length} bytes, more than the ${prepared.contentsLen / 2} reserved`);
  const at = prepared.contentsAt + 1;
  prepared.bytes.set(enc.encode(hexOf(token)), at);
  return prepared.bytes;
}

/** Where the file's own signature's byte range ends (archive.rs, `sealed_end`), or null. */
function sealedEnd(b) {
  const found = findIn(b, '/ByteRange');
  if (found < 0) return null;
  const at = found + '/ByteRange'.length;
  const rest = b.subarray(at, Math.min(b.length, at + 80));
  let open = 0;
  while (open < rest.length && isAsciiSpace(rest[open])) open++;
  if (open >= rest.length || rest[open] !== 0x5b) return null;
  const close = rest.indexOf(0x5d);
  if (close < 0) return null;
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(rest.subarray(open + 1, close));
  } catch {
    return null;
  }
  const nums = text.split(/[ \t\n\x0c\r]+/).filter((x) => x !== '').map(parseUsize);
  if (nums.length !== 4 || nums.some((n) => n === null) || nums[0] !== 0) return null;
  const e = nums[2] + nums[3];
  return e <= b.length ? e : null;
}

// DER's universal tags the `der` crate knows, and the application,
// context-specific and private classes (util::der::tlv reads no other).
const KNOWN_TAGS = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x09, 0x0a, 0x0c, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1a, 0x1e, 0x30, 0x31]);

/** The end of the DER element at the start of `b` (util::der::tlv), or null. */
function derEnd(b) {
  if (b.length < 2) return null;
  const tag = b[0];
  if ((tag & 0x1f) === 0x1f || !(KNOWN_TAGS.has(tag) || (tag >= 0x40 && tag !== 0x7f && tag !== 0xbf && tag !== 0xff))) return null;
  let len = b[1];
  let start = 2;
  if (len === 0x80) return null;
  if (len > 0x80) {
    const n = len - 0x80;
    if (n > 4 || start + n > b.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
    // The shortest form only, and at most the `der` crate's largest length.
    const need = len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
    if (need !== n || len > 0x0fffffff) return null;
    start += n;
  }
  return start + len <= b.length ? start + len : null;
}

/** The renewal that starts at `start` (archive.rs, `read_one`): {token, imprint, added, end}. */
/** At most this many objects in one renewal (archive.rs, `read_one`). */
const MAX_OBJECTS = 1024;

async function readOne(bytes, start) {
  const rest = bytes.subarray(start);
  // Loosely: the streams, the store and the token; then the revision must
  // be what `prepare` writes of them.
  // At most MAX_OBJECTS objects in one renewal (a store's items are a handful).
  const streams = new Map();
  let objects = 0;
  let store = null;
  let tokenHex = null;
  let p = 0;
  while (!startsWith(rest, p, 'xref\n')) {
    if (++objects > MAX_OBJECTS) throw no(`more than ${MAX_OBJECTS} objects`);
    const line = rest.subarray(p, p + 24).indexOf(0x0a);
    if (line < 0) throw no('an object without its header');
    let head;
    try {
      head = new TextDecoder('utf-8', { fatal: true }).decode(rest.subarray(p, p + line));
    } catch {
      throw no('an object without its header');
    }
    const id = head.endsWith(' 0 obj') ? parseUsize(head.slice(0, -6)) : null;
    if (id === null || id > 0xffffffff) throw no('an object without its header');
    p += line + 1;
    if (startsWith(rest, p, '<</Length ')) {
      const len = p + 10;
      const window = rest.subarray(len, len + 12);
      let digits = 0;
      while (digits < window.length && isDigit(window[digits])) digits++;
      if (digits === window.length) throw no("a stream's length");
      const n = parseUsize(latin1(window.subarray(0, digits)));
      if (n === null) throw no("a stream's length");
      const dataAt = p + 10 + digits + '>>stream\n'.length;
      if (dataAt + n > rest.length) throw no("a stream runs past the file's end");
      if (streams.has(id)) throw no('an object defined twice');
      streams.set(id, rest.subarray(dataAt, dataAt + n));
      p = dataAt + n;
      if (!startsWith(rest, p, '\nendstream\nendobj\n')) throw no("a stream's end");
      p += '\nendstream\nendobj\n'.length;
    } else {
      const end = findIn(rest, '\nendobj\n', p, Math.min(rest.length, p + 2 * MAX_TOKEN + 65536));
      if (end < 0) throw no("an object's end");
      const body = rest.subarray(p, end);
      if (startsWith(body, 0, '<</Type/DSS')) store = body;
      else if (startsWith(body, 0, '<</Type/DocTimeStamp')) {
        const c0 = findIn(body, '/Contents<');
        if (c0 < 0) throw no('the time-stamp has no /Contents');
        const c = c0 + '/Contents<'.length;
        const e = body.indexOf(0x3e, c);
        if (e < 0) throw no("the time-stamp's /Contents");
        tokenHex = body.subarray(c, e);
      }
      p = end + '\nendobj\n'.length;
    }
  }
  if (!store) throw no('no document security store');
  if (!tokenHex) throw no('no document time-stamp');
  const added = { certs: [], crls: [], ocsps: [] };
  const into = [added.certs, added.crls, added.ocsps];
  // Each stream of the renewal taken once: a list naming one twice is not
  // one `prepare` writes, and would copy its bytes again and again.
  const taken = new Set();
  for (let k = 0; k < 3; k++) {
    const pat = `/${KINDS[k]}[`;
    const s0 = findIn(store, pat);
    if (s0 < 0) continue;
    const s = s0 + pat.length;
    const e = store.indexOf(0x5d, s);
    if (e < 0) throw no("the store's lists");
    let list;
    try {
      list = new TextDecoder('utf-8', { fatal: true }).decode(store.subarray(s, e));
    } catch {
      throw no("the store's lists");
    }
    for (const r of list
      .split(' 0 R')
      .map((x) => x.trim())
      .filter((x) => x !== '')) {
      const id = parseUsize(r);
      if (id === null || id > 0xffffffff) throw no("the store's lists");
      const found = streams.get(id);
      if (found) {
        if (taken.has(id)) throw no('the store names one of its streams twice');
        taken.add(id);
        into[k].push(found.slice());
      }
    }
  }
  // The token: lower-case hex, the DER, then zeros.
  if (tokenHex.length % 2 !== 0 || tokenHex.length > 2 * MAX_TOKEN || tokenHex.some((c) => !(isDigit(c) || (c >= 0x61 && c <= 0x66)))) {
    throw no("the time-stamp's /Contents is not lower-case hex");
  }
  const raw = new Uint8Array(tokenHex.length / 2);
  for (let i = 0; i < raw.length; i++) raw[i] = parseInt(latin1(tokenHex.subarray(2 * i, 2 * i + 2)), 16);
  const derStop = derEnd(raw);
  if (derStop === null) throw no('the time-stamp token is not DER');
  if (raw.subarray(derStop).some((c) => c !== 0)) throw no('the time-stamp token is followed by other bytes than padding');
  const prepared = await prepare(bytes.subarray(0, start), added, raw.length);
  const imprint = prepared.imprint;
  const token = raw.slice(0, derStop);
  const expected = finish(prepared, token);
  if (expected.length > rest.length || !sameBytes(rest.subarray(0, expected.length), expected)) throw no('it holds more, or other, than the validation data and the time-stamp');
  return { token, imprint, added, end: start + expected.length };
}

/**
 * Take `bytes` apart (archive.rs, `read`): {sealedLen, renewals}, or
 * {why} when what follows the sealed file is not renewals as terbit
 * writes them. A file with no renewal is its sealed part alone, whatever
 * its signature (the signature check says what it is).
 */
export async function readArchive(bytes) {
  const sealedLen = sealedEnd(bytes);
  if (sealedLen === null || sealedLen >= bytes.length) return { sealedLen: bytes.length, renewals: [] };
  const renewals = [];
  let at = sealedLen;
  while (at < bytes.length) {
    if (renewals.length === MAX_RENEWALS) return { why: `more than ${MAX_RENEWALS} revisions were appended` };
    const n = renewals.length + 1;
    let r;
    try {
      r = await readOne(bytes, at);
    } catch (e) {
      // Whatever this reader cannot follow is not a renewal terbit wrote.
      return { why: `the file was changed after signing: what follows the signed file is not an archive time-stamp as terbit writes it (revision ${n + 1}): ${e instanceof NotRenewal ? e.message : `not a readable PDF: ${e && e.message ? e.message : e}`}` };
    }
    at = r.end;
    renewals.push(r);
  }
  return { sealedLen, renewals };
}

/**
 * The renewals of `archive`, each judged for a document of `issuer` whose
 * signature was stamped `first` ({at, notAfter}: its time and its
 * authority certificate's end, or null), as verify/signature/archive.rs's
 * `judge`: {renewed: [{stamp, authority, late}]} or {why}.
 */
export function judgeRenewals(archive, tsaCerts, issuer, first) {
  const renewed = [];
  let before = first;
  for (let k = 0; k < archive.renewals.length; k++) {
    const r = archive.renewals[k];
    const what = `the file's archive time-stamp (revision ${k + 2})`;
    const read = stampOverImprint(r.token, r.imprint);
    if (read.why) return { why: `${what} does not hold: ${read.why}` };
    const stamp = read.stamp;
    const t = authorityOf(tsaCerts, stamp.spki, issuer, stamp.at);
    if (!t) return { why: `${what} is by an authority no district's trust list names` };
    if (t.district !== issuer) return { why: `${what} is by district ${t.district}'s authority, but the document is issuer ${issuer}'s` };
    if (t.forgedIssuer) return { why: `${what} is by a certificate planted under the district root's name` };
    if (!t.forTimeStamping) return { why: `${what} is signed by a certificate that is not a time-stamp authority's` };
    if (!(stamp.at >= t.notBefore && stamp.at < t.notAfter)) return { why: `${what} (${rfc3339(stamp.at)}) falls outside its authority's certificate` };
    // A stamp covers the one before it: it cannot be earlier (with two
    // hours for the tokens' accuracy).
    let late = false;
    if (before) {
      if (stamp.at + 7200 < before.at) return { why: `${what} (${rfc3339(stamp.at)}) is earlier than the time-stamp before it (${rfc3339(before.at)}): a stamp is never made before what it stamps` };
      late = stamp.at >= before.notAfter;
    }
    before = { at: stamp.at, notAfter: t.notAfter };
    renewed.push({ stamp, authority: t, late });
  }
  return { renewed };
}

/** The time the file signature's own stamp gives the first renewal (verify/mod.rs): {at, notAfter} or null. */
export function firstStamp(sig, tsaCerts, issuer) {
  const s = sig && sig.state === 'holds' ? sig.stamp : null;
  const t = s ? authorityOf(tsaCerts, s.spki, issuer, s.at) : null;
  return t ? { at: s.at, notAfter: t.notAfter } : null;
}

/** What a file's renewals say, after its signature's words (verify/mod.rs, `archived`). */
export function archiveWords(renewed) {
  if (!renewed || !renewed.length) return '';
  const last = renewed[renewed.length - 1];
  const late = renewed.filter((r) => r.late).length;
  const gap = late ? ` (${late} of them made after the certificate of the stamp before it had ended: a validator that no longer trusts that authority finds a gap there)` : '';
  return `; renewed (PAdES B-LTA) ${renewed.length} time(s), last time-stamped ${rfc3339(last.stamp.at)} by ${last.authority.name}${gap}`;
}
