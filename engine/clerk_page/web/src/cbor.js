// CBOR (RFC 8949) as terbit's Rust reader (ciborium) accepts it: every
// major type, definite and indefinite lengths, tags; integers as BigInt so
// that none is rounded; floats kept only as a marker (no DK1 field is one).
// Decoding is bounded (depth, item count) and a truncated item is an error.
// Also a deterministic encoder (RFC 8949 §4.2.1, the form terbit signs), used
// to check that a list's readable fields are exactly its signed bytes.

export class CborError extends Error {}

export const FLOAT = Symbol('float');

export class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

/** A CBOR map: its entries in order, duplicates kept (callers refuse them). */
export class CborMap {
  constructor(entries) {
    this.entries = entries;
  }
}

const MAX_ITEMS = 1 << 20;

/**
 * Decode one item from `bytes` starting at `pos`; returns [value, nextPos].
 * `depthLimit` bounds nesting like ciborium's recursion limit.
 */
export function decodeItem(bytes, pos = 0, depthLimit = 256) {
  const st = { bytes, pos, items: 0 };
  const v = item(st, depthLimit);
  return [v, st.pos];
}

/** Decode exactly one item; trailing bytes are an error. */
export function decodeAll(bytes, depthLimit = 256) {
  const [v, end] = decodeItem(bytes, 0, depthLimit);
  if (end !== bytes.length) throw new CborError('trailing bytes');
  return v;
}

function need(st, n) {
  if (st.pos + n > st.bytes.length) throw new CborError('truncated');
}

function arg(st, info) {
  if (info < 24) return BigInt(info);
  const sizes = { 24: 1, 25: 2, 26: 4, 27: 8 };
  const n = sizes[info];
  if (n === undefined) throw new CborError('reserved additional information');
  need(st, n);
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(st.bytes[st.pos + i]);
  st.pos += n;
  return v;
}

function smallLen(v) {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CborError('length too large');
  return Number(v);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function chunks(st, major, depth) {
  // Indefinite-length string: definite chunks of the same major type until break.
  const parts = [];
  for (;;) {
    need(st, 1);
    const b = st.bytes[st.pos];
    if (b === 0xff) {
      st.pos++;
      break;
    }
    if (b >> 5 !== major || (b & 31) === 31) throw new CborError('bad chunk in an indefinite-length string');
    parts.push(item(st, depth));
  }
  if (major === 2) {
    const total = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  return parts.join('');
}

function item(st, depth) {
  if (depth <= 0) throw new CborError('nested too deeply');
  if (++st.items > MAX_ITEMS) throw new CborError('too many items');
  need(st, 1);
  const b = st.bytes[st.pos++];
  const major = b >> 5;
  const info = b & 31;
  if (info === 31) {
    if (major === 2 || major === 3) return chunks(st, major, depth);
    if (major === 4) {
      const out = [];
      for (;;) {
        need(st, 1);
        if (st.bytes[st.pos] === 0xff) {
          st.pos++;
          return out;
        }
        out.push(item(st, depth - 1));
      }
    }
    if (major === 5) {
      const out = [];
      for (;;) {
        need(st, 1);
        if (st.bytes[st.pos] === 0xff) {
          st.pos++;
          return new CborMap(out);
        }
        const k = item(st, depth - 1);
        const v = item(st, depth - 1);
        out.push([k, v]);
      }
    }
    throw new CborError('unexpected break or indefinite length');
  }
  switch (major) {
    case 0:
      return arg(st, info);
    case 1:
      return -1n - arg(st, info);
    case 2: {
      const n = smallLen(arg(st, info));
      need(st, n);
      const out = st.bytes.slice(st.pos, st.pos + n);
      st.pos += n;
      return out;
    }
    case 3: {
      const n = smallLen(arg(st, info));
      need(st, n);
      let s;
      try {
        s = utf8.decode(st.bytes.subarray(st.pos, st.pos + n));
      } catch {
        throw new CborError('text is not UTF-8');
      }
      st.pos += n;
      return s;
    }
    case 4: {
      const n = smallLen(arg(st, info));
      if (n > st.bytes.length - st.pos) throw new CborError('truncated');
      const out = [];
      for (let i = 0; i < n; i++) out.push(item(st, depth - 1));
      return out;
    }
    case 5: {
      const n = smallLen(arg(st, info));
      if (n > st.bytes.length - st.pos) throw new CborError('truncated');
      const out = [];
      for (let i = 0; i < n; i++) {
        const k = item(st, depth - 1);
        const v = item(st, depth - 1);
        out.push([k, v]);
      }
      return new CborMap(out);
    }
    case 6: {
      const tag = arg(st, info);
      return new Tagged(tag, item(st, depth - 1));
    }
    default: {
      // Major 7: simple values and floats.
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      if (info === 23) return undefined;
      if (info === 25 || info === 26 || info === 27) {
        const n = { 25: 2, 26: 4, 27: 8 }[info];
        need(st, n);
        st.pos += n;
        return FLOAT;
      }
      throw new CborError('unsupported simple value');
    }
  }
}

// ---- deterministic encoding ----

function head(major, n) {
  n = BigInt(n);
  const m = major << 5;
  if (n < 24n) return [m | Number(n)];
  if (n < 0x100n) return [m | 24, Number(n)];
  if (n < 0x10000n) return [m | 25, Number(n >> 8n), Number(n & 0xffn)];
  if (n < 0x100000000n) return [m | 26, ...[24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
  return [m | 27, ...[56n, 48n, 40n, 32n, 24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
}

const utf8enc = new TextEncoder();

/** Encode a value: BigInt/number (integers), string, Uint8Array, array, CborMap, null. */
export function encode(v) {
  const out = [];
  enc(v, out);
  return Uint8Array.from(out);
}

function enc(v, out) {
  if (v === null) {
    out.push(0xf6);
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    const n = BigInt(v);
    out.push(...(n >= 0n ? head(0, n) : head(1, -1n - n)));
  } else if (typeof v === 'string') {
    const b = utf8enc.encode(v);
    out.push(...head(3, b.length));
    for (const x of b) out.push(x);
  } else if (v instanceof Uint8Array) {
    out.push(...head(2, v.length));
    for (const x of v) out.push(x);
  } else if (Array.isArray(v)) {
    out.push(...head(4, v.length));
    for (const x of v) enc(x, out);
  } else if (v instanceof CborMap) {
    // Keys sorted by their encoded bytes, shorter first (RFC 8949 §4.2.1 as cbor2's canonical mode).
    const pairs = v.entries.map(([k, val]) => [encode(k), val]);
    pairs.sort((a, b) => a[0].length - b[0].length || compareBytes(a[0], b[0]));
    out.push(...head(5, pairs.length));
    for (const [k, val] of pairs) {
      for (const x of k) out.push(x);
      enc(val, out);
    }
  } else {
    throw new CborError('cannot encode this value');
  }
}

export function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export function bytesEqual(a, b) {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/**
 * A map whose keys are all integers within i64, none twice, as a JS Map
 * keyed by BigInt; null otherwise (terbit refuses such claims).
 */
export function intMap(v) {
  if (!(v instanceof CborMap)) return null;
  const m = new Map();
  for (const [k, val] of v.entries) {
    if (typeof k !== 'bigint' || k > 0x7fffffffffffffffn || k < -0x8000000000000000n) return null;
    if (m.has(k)) return null;
    m.set(k, val);
  }
  return m;
}

export function isI64(v) {
  return typeof v === 'bigint' && v <= 0x7fffffffffffffffn && v >= -0x8000000000000000n;
}

/** The bytes a COSE_Sign1 signature covers, with an empty external AAD. */
export function sigStructure(protectedBytes, payload) {
  return encode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}
