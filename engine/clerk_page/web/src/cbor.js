// CBOR (RFC 8949) through the cbor2 library (hildjj/cbor2, pinned in
// package-lock.json), strict on both ways, as terbit's Rust side
// (engine/dk1/strict.rs):
// - decoding accepts only the deterministic form terbit writes: shortest
//   integer and length heads, definite lengths, map keys in length-first
//   order (RFC 8949 §4.2.3, as terbit's canonical_map sorts them) and so
//   none twice, valid UTF-8, no simple values but false/true/null (not
//   even undefined), floats
//   only in their shortest form, nothing after the item, nesting bounded;
// - encoding writes that form (the readable fields of a signed list are
//   encoded again and compared with the signed bytes).
// This file only adapts cbor2's values to the shapes the page's checks use:
// integers as BigInt (none rounded), maps as CborMap (entries in order),
// tags as Tagged, floats as the marker FLOAT (no DK1 field is one).

// The package's index, not its parts: imported from cbor2/decoder and
// cbor2/encoder alone (16 KB less), the page's tests fail (trust lists'
// algorithm labels no longer read as -7).
import { decode as cborDecode, encode as cborEncode, Tag } from 'cbor2';
import { sortLengthFirstDeterministic } from 'cbor2/sorts';

export class CborError extends Error {}

export const FLOAT = Symbol('float');

export class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

/** A CBOR map: its entries in order (strict decoding has refused duplicates). */
export class CborMap {
  constructor(entries) {
    this.entries = entries;
  }
}

const STRICT = {
  preferBigInt: true,
  preferMap: true,
  rejectStreaming: true,
  requirePreferred: true,
  rejectLongFloats: true,
  rejectDuplicateKeys: true,
  sortKeys: sortLengthFirstDeterministic,
  rejectSimple: true,
  rejectUndefined: true,
  ignoreGlobalTags: true,
};

function adapt(v) {
  if (v instanceof Map) return new CborMap([...v.entries()].map(([k, x]) => [adapt(k), adapt(x)]));
  if (Array.isArray(v)) return v.map(adapt);
  if (v instanceof Tag) return new Tagged(BigInt(v.tag), adapt(v.contents));
  if (typeof v === 'number') return FLOAT;
  return v;
}

/** Decode exactly one item, strictly; `depthLimit` bounds nesting (ciborium's recursion limit). */
export function decodeAll(bytes, depthLimit = 256) {
  let v;
  try {
    v = cborDecode(bytes, { ...STRICT, maxDepth: depthLimit });
  } catch (e) {
    throw new CborError(`not deterministic CBOR: ${e && e.message ? e.message : e}`);
  }
  return adapt(v);
}

function plain(v) {
  if (v instanceof CborMap) return new Map(v.entries.map(([k, x]) => [plain(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'number') return BigInt(v);
  return v;
}

/** Encode a value (BigInt/number integers, string, Uint8Array, array, CborMap, null) in the deterministic form. */
export function encode(v) {
  try {
    return cborEncode(plain(v), { sortKeys: sortLengthFirstDeterministic, rejectDuplicateKeys: true });
  } catch (e) {
    throw new CborError(`cannot encode this value: ${e && e.message ? e.message : e}`);
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
 * A map whose keys are all integers within i64, as a JS Map keyed by
 * BigInt; null otherwise (terbit refuses such claims).
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
