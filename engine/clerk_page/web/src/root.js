// A district root: its self-signed X.509 certificate (ECDSA P-256 /
// SHA-256), read with a small strict DER walker (only the parts a check
// needs), and ES256 COSE_Sign1 envelopes it signed.

import { p256 } from '@noble/curves/nist.js';
import { Tagged, CborMap, decodeAll, isI64, sigStructure } from './cbor.js';

export class RootError extends Error {}

/** One DER TLV at `pos`: {tag, start (of value), end, whole: [pos, end)}. */
function tlv(b, pos, limit = b.length) {
  if (pos + 2 > limit) throw new RootError('not an X.509 certificate: truncated');
  const tag = b[pos];
  let len = b[pos + 1];
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > limit) throw new RootError('not an X.509 certificate: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
    if (len < 128 || (n > 1 && b[start] === 0)) throw new RootError('not an X.509 certificate: length not in DER form');
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new RootError('not an X.509 certificate: truncated');
  return { tag, pos, start, end };
}

function children(b, t) {
  const out = [];
  for (let p = t.start; p < t.end; ) {
    const c = tlv(b, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

const OID_ECDSA_SHA256 = '2a8648ce3d040302';
const OID_EC_PUBLIC_KEY = '2a8648ce3d0201';
const OID_P256 = '2a8648ce3d030107';
const hexOf = (b, t) => Array.from(b.subarray(t.start, t.end), (x) => x.toString(16).padStart(2, '0')).join('');

function algOid(b, t) {
  if (t.tag !== 0x30) throw new RootError('not an X.509 certificate: algorithm');
  const c = children(b, t);
  if (!c.length || c[0].tag !== 0x06) throw new RootError('not an X.509 certificate: algorithm');
  return c;
}

function cnOf(b, name) {
  // The subject's CN, for people; RDNs of one attribute each, as terbit writes them.
  for (const rdn of children(b, name)) {
    for (const atv of children(b, rdn)) {
      const [oid, val] = children(b, atv);
      if (oid && val && hexOf(b, oid) === '550403') return new TextDecoder().decode(b.subarray(val.start, val.end));
    }
  }
  return '';
}

/**
 * The district a root's subject names, as terbit's reader finds it
 * (engine/trust/root.rs, `district_of`): exactly one common name, a UTF8String
 * or PrintableString `terbit district root <four digits>`; else null.
 */
function districtOf(b, name) {
  const cns = [];
  for (const rdn of children(b, name)) {
    for (const atv of children(b, rdn)) {
      const [oid, val] = children(b, atv);
      if (oid && val && hexOf(b, oid) === '550403') cns.push(val);
    }
  }
  if (cns.length !== 1 || (cns[0].tag !== 0x0c && cns[0].tag !== 0x13)) return null;
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(cns[0].start, cns[0].end));
  } catch {
    return null;
  }
  const m = /^terbit district root ([0-9]{4})$/.exec(text);
  return m ? m[1] : null;
}

/** Parse a root certificate: P-256 key, ECDSA-SHA256 self-signature that verifies. */
export function rootFromCertificate(der) {
  const cert = tlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) throw new RootError('not an X.509 certificate');
  const [tbs, sigAlg, sigBits, ...rest] = children(der, cert);
  if (!tbs || !sigAlg || !sigBits || rest.length || tbs.tag !== 0x30 || sigBits.tag !== 0x03) throw new RootError('not an X.509 certificate');
  if (hexOf(der, algOid(der, sigAlg)[0]) !== OID_ECDSA_SHA256) throw new RootError('not an ECDSA P-256 / SHA-256 certificate');
  let f = children(der, tbs);
  if (f[0] && f[0].tag === 0xa0) f = f.slice(1);
  // serial, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
  if (f.length < 6) throw new RootError('not an X.509 certificate');
  if (hexOf(der, algOid(der, f[1])[0]) !== OID_ECDSA_SHA256) throw new RootError('not an ECDSA P-256 / SHA-256 certificate');
  const spki = children(der, f[5]);
  if (spki.length !== 2 || spki[1].tag !== 0x03) throw new RootError('not an ECDSA P-256 / SHA-256 certificate');
  const alg = algOid(der, spki[0]);
  if (hexOf(der, alg[0]) !== OID_EC_PUBLIC_KEY || !alg[1] || hexOf(der, alg[1]) !== OID_P256) throw new RootError('not an ECDSA P-256 / SHA-256 certificate');
  if (der[spki[1].start] !== 0) throw new RootError('not an X.509 certificate: key bits');
  const publicKey = der.slice(spki[1].start + 1, spki[1].end);
  try {
    p256.Point.fromBytes(publicKey);
  } catch {
    throw new RootError('not an ECDSA P-256 / SHA-256 certificate');
  }
  if (der[sigBits.start] !== 0) throw new RootError("the certificate's self-signature does not verify");
  const sig = der.slice(sigBits.start + 1, sigBits.end);
  let ok = false;
  try {
    ok = p256.verify(sig, der.subarray(tbs.pos, tbs.end), publicKey, { format: 'der', prehash: true, lowS: false });
  } catch {
    ok = false;
  }
  if (!ok) throw new RootError("the certificate's self-signature does not verify");
  return { publicKey, subject: cnOf(der, f[4]), district: districtOf(der, f[4]) };
}

/** Open an ES256 COSE_Sign1 the root signed; returns the payload. */
export function openRootSigned(cose, publicKey) {
  let v;
  try {
    v = decodeAll(cose);
  } catch (e) {
    throw new RootError(`not a tagged COSE_Sign1 signed with ES256: ${e.message}`);
  }
  if (!(v instanceof Tagged) || v.tag !== 18n || !Array.isArray(v.value) || v.value.length !== 4) throw new RootError('not a tagged COSE_Sign1 signed with ES256');
  const [prot, unprot, payload, signature] = v.value;
  if (!(prot instanceof Uint8Array) || !(unprot instanceof CborMap) || !(signature instanceof Uint8Array)) throw new RootError('not a tagged COSE_Sign1 signed with ES256');
  let h = new CborMap([]);
  try {
    if (prot.length) h = decodeAll(prot);
  } catch (e) {
    throw new RootError(`not a tagged COSE_Sign1 signed with ES256: ${e.message}`);
  }
  if (!(h instanceof CborMap)) throw new RootError('not a tagged COSE_Sign1 signed with ES256');
  const alg = h.entries.find(([k]) => k === 1n);
  if (!alg || !isI64(alg[1]) || alg[1] !== -7n) throw new RootError('not a tagged COSE_Sign1 signed with ES256: algorithm is not ES256 (-7)');
  if (h.entries.some(([k]) => k === 2n)) throw new RootError('not a tagged COSE_Sign1 signed with ES256: critical headers are not understood');
  if (!(payload instanceof Uint8Array)) throw new RootError('not a tagged COSE_Sign1 signed with ES256: no payload');
  let ok = false;
  try {
    ok = signature.length === 64 && p256.verify(signature, sigStructure(prot, payload), publicKey, { prehash: true, lowS: false });
  } catch {
    ok = false;
  }
  if (!ok) throw new RootError('the signature does not verify under the root key');
  return payload;
}
