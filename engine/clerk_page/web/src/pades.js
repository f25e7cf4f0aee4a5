// A PDF file's own signature (PAdES B-B, or B-T with a time-stamp),
// checked as terbit's Rust verifier checks it
// (engine/verify/signature/pades.rs and stamp.rs): one signature whose byte
// range covers the whole file but its value; a CMS SignedData whose
// message digest is that range's SHA-256 and whose ECDSA P-256 signature
// over the signed attributes holds under the signer's certificate; that
// certificate one the district root put in the trust list for the issuer,
// valid when the document was issued. An edited PDF fails here even when
// its QR is intact. A time-stamp token (RFC 3161) in the signer info's
// unsigned attributes is proof of when the signature existed, under a
// time-stamp authority a district's signed trust list names.

import { p256, p384 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { rootFromCertificate } from './root.js';
import { shown } from './show.js';

const enc = new TextEncoder();

/** The first offset of `needle` (text) in the bytes `hay` from `from`, or -1. */
export function find(hay, needle, from = 0) {
  const n = enc.encode(needle);
  outer: for (let i = from; i <= hay.length - n.length; i++) {
    for (let j = 0; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}

function rfind(hay, needle, before) {
  const n = enc.encode(needle);
  outer: for (let i = Math.min(before, hay.length) - n.length; i >= 0; i--) {
    for (let j = 0; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}

const isSpace = (c) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;

/** One DER element at `pos` within `b[..end]`: {tag, start, end, at} or null. */
function tlv(b, pos, end) {
  if (pos + 2 > end) return null;
  const tag = b[pos];
  let len = b[pos + 1];
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > end) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i];
    // DER: the shortest length form only (a longer one would be a second
    // byte string for the same signature), as terbit's reader.
    if (len < 0x80 || len < 2 ** (8 * (n - 1))) return null;
    start += n;
  }
  const stop = start + len;
  return stop <= end ? { tag, start, end: stop, at: pos } : null;
}

function items(b, start, end) {
  const out = [];
  for (let at = start; at < end; ) {
    const t = tlv(b, at, end);
    if (!t || out.length > 64) return null;
    out.push(t);
    at = t.end;
  }
  return out;
}

const hexOf = (b, t) => Array.from(b.subarray(t.start, t.end), (x) => x.toString(16).padStart(2, '0')).join('');
const OID = {
  signedData: '2a864886f70d010702',
  data: '2a864886f70d010701',
  sha256: '608648016503040201',
  ecdsaSha256: '2a8648ce3d040302',
  contentType: '2a864886f70d010903',
  messageDigest: '2a864886f70d010904',
  signingCertV2: '2a864886f70d010910022f',
  signingCertV1: '2a864886f70d010910020c',
  signatureTimeStamp: '2a864886f70d010910020e',
  tstInfo: '2a864886f70d0109100104',
  extKeyUsage: '551d25',
  subjectKeyId: '551d0e',
  timeStamping: '2b06010505070308',
};
// The parts the signature does not cover, exactly as terbit writes them
// (engine/verify/signature/pades.rs): otherwise one signed file would have other
// valid byte strings (a changed version, algorithm parameters, an added CRL).
const VERSION_1 = '020101';
const DIGEST_ALGORITHMS = '310d300b0609608648016503040201';
const ENCAP_DATA = '300b06092a864886f70d010701';
const SIGNATURE_ALGORITHM = '300a06082a8648ce3d040302';
const whole = (b, t) => hexOf(b, { start: t.at, end: t.end });
const hexBytes = (u) => Array.from(u, (x) => x.toString(16).padStart(2, '0')).join('');

/** signing-certificate-v2's certificate hashes (SHA-256, no policies), or null. */
function essHashes(b, vals) {
  if (vals.length !== 1 || vals[0].tag !== 0x30) return null;
  const outer = items(b, vals[0].start, vals[0].end);
  if (!outer || outer.length !== 1 || outer[0].tag !== 0x30) return null;
  const ids = items(b, outer[0].start, outer[0].end);
  if (!ids) return null;
  const out = [];
  for (const id of ids) {
    const parts = id.tag === 0x30 ? items(b, id.start, id.end) : null;
    const h = parts && parts[0];
    if (!h || h.tag !== 0x04 || h.end - h.start !== 32) return null;
    out.push(hexOf(b, h));
  }
  return out;
}

class Broken extends Error {}

/** The certificate's P-256 key, issuer‖serial (the CMS sid) and validity. */
export function certInfo(der) {
  const c = tlv(der, 0, der.length);
  if (!c || c.tag !== 0x30 || c.end !== der.length) return null;
  const parts = items(der, c.start, c.end);
  if (!parts || parts.length !== 3) return null;
  let f = items(der, parts[0].start, parts[0].end);
  if (!f) return null;
  if (f[0] && f[0].tag === 0xa0) f = f.slice(1);
  if (f.length < 6) return null;
  const [serial, , issuer, validity, , spki] = f;
  const times = items(der, validity.start, validity.end);
  const when = (t) => {
    const s = new TextDecoder().decode(der.subarray(t.start, t.end));
    const m = t.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) return null;
    let y = Number(m[1]);
    if (t.tag === 0x17) y += y < 50 ? 2000 : 1900;
    return Date.UTC(y, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  };
  const k = items(der, spki.start, spki.end);
  if (!times || times.length !== 2 || !k || k.length !== 2 || der[k[1].start] !== 0) return null;
  return {
    sid: hexOf(der, { start: issuer.at, end: issuer.end }) + hexOf(der, { start: serial.at, end: serial.end }),
    publicKey: der.slice(k[1].start + 1, k[1].end),
    notBefore: when(times[0]),
    notAfter: when(times[1]),
  };
}

/** An OID's content bytes as dotted text (as the Rust crates display one). */
function dotted(b) {
  const arcs = [];
  let n = 0n;
  for (const x of b) {
    n = (n << 7n) | BigInt(x & 0x7f);
    if (!(x & 0x80)) {
      arcs.push(n);
      n = 0n;
    }
  }
  if (!arcs.length) return '';
  const first = arcs[0] < 40n ? 0n : arcs[0] < 80n ? 1n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

/** A certificate's TBS fields: {serial, issuer, validity, subject, spki, extensions (the [3]'s list or null)}, or null. */
function tbsFields(der) {
  const c = tlv(der, 0, der.length);
  const parts = c && c.tag === 0x30 && c.end === der.length ? items(der, c.start, c.end) : null;
  if (!parts || parts.length !== 3 || parts[0].tag !== 0x30) return null;
  let f = items(der, parts[0].start, parts[0].end);
  if (!f) return null;
  if (f[0] && f[0].tag === 0xa0) f = f.slice(1);
  if (f.length < 6) return null;
  const ext = f.slice(6).find((x) => x.tag === 0xa3);
  const list = ext && tlv(der, ext.start, ext.end);
  return { serial: f[0], issuer: f[2], validity: f[3], subject: f[4], spki: f[5], extensions: list && list.tag === 0x30 ? items(der, list.start, list.end) : null };
}

/** The extensions of a certificate as {oid (hex), critical, value (the OCTET STRING's bytes)}; null when unreadable. */
function extensionsOf(der) {
  const t = tbsFields(der);
  if (!t || !t.extensions) return null;
  const out = [];
  for (const e of t.extensions) {
    const p = e.tag === 0x30 ? items(der, e.start, e.end) : null;
    if (!p || p.length < 2 || p.length > 3 || p[0].tag !== 0x06 || p[p.length - 1].tag !== 0x04) return null;
    const critical = p.length === 3 && p[1].tag === 0x01 && p[1].end - p[1].start === 1 && der[p[1].start] === 0xff;
    out.push({ oid: hexOf(der, p[0]), critical, value: der.subarray(p[p.length - 1].start, p[p.length - 1].end) });
  }
  return out;
}

/**
 * Whether a certificate may sign time-stamp tokens, as terbit's
 * `trust::tsa::is_tsa_certificate`: its extended key usage present once,
 * critical, and timeStamping alone (RFC 3161 §2.3).
 */
export function forTimeStamping(der) {
  const exts = extensionsOf(der);
  const eku = exts ? exts.filter((e) => e.oid === OID.extKeyUsage) : [];
  if (eku.length !== 1 || !eku[0].critical) return false;
  const v = eku[0].value;
  const s = tlv(v, 0, v.length);
  const uses = s && s.tag === 0x30 && s.end === v.length ? items(v, s.start, s.end) : null;
  return !!uses && uses.length === 1 && uses[0].tag === 0x06 && hexOf(v, uses[0]) === OID.timeStamping;
}

// Attribute types by their shortest name, upper case, as the x509-cert
// crate writes a name (RFC 4514); others by their dotted OID.
const ATTRIBUTE_NAMES = {
  550403: 'CN', 550404: 'SN', 550405: 'SERIALNUMBER', 550406: 'C', 550407: 'L', 550408: 'ST', 550409: 'STREET', '55040a': 'O', '55040b': 'OU', '55040c': 'TITLE',
  550429: 'NAME', '55042a': 'GN', '55042b': 'INITIALS', '55042e': 'DNQUALIFIER', 550441: 'PSEUDONYM', '2a864886f70d010901': 'EMAIL', '0992268993f22c640119': 'DC', '0992268993f22c640101': 'UID',
};

/** A certificate's subject as terbit shows it (`TsaCert::of`: RFC 4514, last RDN first, clipped to 160 characters, shown). */
export function subjectShown(der) {
  const t = tbsFields(der);
  const rdns = t && t.subject.tag === 0x30 ? items(der, t.subject.start, t.subject.end) : null;
  if (!rdns) return '';
  const atv = (a) => {
    const p = a.tag === 0x30 ? items(der, a.start, a.end) : null;
    if (!p || p.length !== 2 || p[0].tag !== 0x06) return '';
    const key = ATTRIBUTE_NAMES[hexOf(der, p[0])];
    const raw = der.subarray(p[1].start, p[1].end);
    let val = null;
    try {
      if (p[1].tag === 0x0c) val = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      else if (p[1].tag === 0x13 && /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(new TextDecoder('latin1').decode(raw))) val = new TextDecoder('latin1').decode(raw);
      else if ((p[1].tag === 0x16 || p[1].tag === 0x14) && raw.every((x) => x < 0x80)) val = new TextDecoder('latin1').decode(raw);
    } catch {
      val = null;
    }
    if (!key || val === null) return `${dotted(der.subarray(p[0].start, p[0].end))}=#${whole(der, p[1])}`;
    const chars = [...val];
    const esc = chars.map((ch, i) => {
      if (ch === '#' && i === 0) return '\\#';
      if (ch === ' ' && (i === 0 || i === chars.length - 1)) return '\\ ';
      if ('"+,;<>\\'.includes(ch)) return `\\${ch}`;
      const cp = ch.codePointAt(0);
      if (cp < 0x20 || cp === 0x7f) return `\\${cp.toString(16).padStart(2, '0')}`;
      return ch;
    });
    return `${key}=${esc.join('')}`;
  };
  const text = rdns
    .slice()
    .reverse()
    .map((r) => (r.tag === 0x31 ? (items(der, r.start, r.end) || []).map(atv).join('+') : ''))
    .join(',');
  const chars = [...text];
  return shown(chars.length > 160 ? `${chars.slice(0, 160).join('')}… (${chars.length} characters)` : text);
}

/** A GeneralizedTime `YYYYMMDDHHMMSS[.fff]Z` as epoch seconds, a fraction rounded up (stamp.rs, `generalized`); null if not one. */
export function generalized(s) {
  if (!s.endsWith('Z')) return null;
  const body = s.slice(0, -1);
  const dot = body.indexOf('.');
  const wholePart = dot < 0 ? body : body.slice(0, dot);
  const frac = dot < 0 ? null : body.slice(dot + 1);
  if (!/^[0-9]{14}$/.test(wholePart)) return null;
  // DER: no trailing zeros in a fraction, and a fraction has digits.
  if (frac !== null && (frac === '' || frac.endsWith('0') || !/^[0-9]*$/.test(frac) || frac.length > 9)) return null;
  const [y, mo, d, h, mi, sec] = [0, 4, 6, 8, 10, 12].map((i, k) => Number(wholePart.slice(i, k ? i + 2 : 4)));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  // A leap second (60) reads as the second before it, as chrono reads it.
  if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || h > 23 || mi > 59 || sec > 60) return null;
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, Math.min(sec, 59), 0);
  return t.getTime() / 1000 + (frac !== null ? 1 : 0);
}

/** Accuracy in whole seconds, a fraction rounded up; null when malformed. */
function accuracy(b, start, end) {
  const parts = items(b, start, end);
  if (!parts) return null;
  let secs = 0;
  let fraction = false;
  for (const p of parts) {
    const v = b.subarray(p.start, p.end);
    if (v.length === 0 || v.length > 4 || v[0] & 0x80) return null;
    const n = v.reduce((a, x) => a * 256 + x, 0);
    if (p.tag === 0x02) secs = n;
    else if (p.tag === 0x80 || p.tag === 0x81) fraction = fraction || n > 0;
    else return null;
  }
  return secs + (fraction ? 1 : 0);
}

const stampBad = (w) => new Broken(`the signature's time-stamp is malformed: ${w}`);

/** A TSTInfo (RFC 3161 §2.4.2), all of it, as stamp.rs reads it: {imprintAlg, imprint, at, genTime}. */
function tstInfo(b) {
  const err = (w) => stampBad(`TSTInfo ${w}`);
  const t = tlv(b, 0, b.length);
  if (!t || t.end !== b.length || t.tag !== 0x30) throw err('is not a SEQUENCE');
  const f = items(b, t.start, t.end);
  if (!f) throw err('fields');
  if (f.length < 5 || whole(b, f[0]) !== VERSION_1) throw err('version');
  if (f[1].tag !== 0x06) throw err('policy');
  const mi = f[2].tag === 0x30 ? items(b, f[2].start, f[2].end) : null;
  if (!mi || mi.length !== 2 || mi[0].tag !== 0x30 || mi[1].tag !== 0x04) throw err('message imprint');
  const alg = items(b, mi[0].start, mi[0].end);
  if (!alg || !alg.length || alg[0].tag !== 0x06) throw err('message imprint');
  // Parameters absent or NULL.
  if (alg.length > 2 || (alg.length === 2 && whole(b, alg[1]) !== '0500')) throw err('hash algorithm');
  if (f[3].tag !== 0x02 || f[4].tag !== 0x18) throw err('serial number or genTime');
  let genTime;
  try {
    genTime = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(f[4].start, f[4].end));
  } catch {
    throw err('genTime');
  }
  let at = generalized(genTime);
  if (at === null) throw err('genTime');
  // What may follow, in order: accuracy, ordering, nonce, [0] tsa, [1] extensions.
  let next = 5;
  if (f[next] && f[next].tag === 0x30) {
    const a = accuracy(b, f[next].start, f[next].end);
    if (a === null) throw err('accuracy');
    at += a;
    next++;
  }
  for (const tag of [0x01, 0x02, 0xa0, 0xa1]) if (f[next] && f[next].tag === tag) next++;
  if (next !== f.length) throw err('has fields out of order or unknown');
  return { imprintAlg: hexOf(b, alg[0]), imprint: b.subarray(mi[1].start, mi[1].end), at, genTime };
}

/** Whether an AlgorithmIdentifier is SHA-256 with its parameters absent or NULL. */
function plainSha256(a) {
  return !!a && a.oid === OID.sha256 && (!a.params || (a.params.tag === 0x05 && a.params.end === a.params.start));
}

/** An AlgorithmIdentifier: {oid (hex), params (the element or null)}, or null when it is not one. */
function algorithm(b, t) {
  const p = t && t.tag === 0x30 ? items(b, t.start, t.end) : null;
  if (!p || p.length < 1 || p.length > 2 || p[0].tag !== 0x06) return null;
  return { oid: hexOf(b, p[0]), oidBytes: b.subarray(p[0].start, p[0].end), params: p[1] || null };
}

// DER's order of a SET OF, as the `der` crate sorts one it reads: by the
// elements' bytes.
function derSorted(b, list) {
  const cmp = (x, y) => {
    const n = Math.min(x.end - x.at, y.end - y.at);
    for (let i = 0; i < n; i++) if (b[x.at + i] !== b[y.at + i]) return b[x.at + i] - b[y.at + i];
    return x.end - x.at - (y.end - y.at);
  };
  return list.slice().sort(cmp);
}

/** The SignedData of a token as the `cms` crate reads it (else 'SignedData'): its parts. */
function tokenSignedData(b, t) {
  const fail = () => stampBad('SignedData');
  const sd = t.tag === 0x30 ? items(b, t.start, t.end) : null;
  if (!sd || sd.length < 4) throw fail();
  const [version, digests, encap] = sd;
  const version1 = (v) => v.tag === 0x02 && v.end - v.start === 1 && b[v.start] <= 5;
  if (!version1(version) || digests.tag !== 0x31 || encap.tag !== 0x30) throw fail();
  let i = 3;
  const certs = sd[i] && sd[i].tag === 0xa0 ? sd[i++] : null;
  const crls = sd[i] && sd[i].tag === 0xa1 ? sd[i++] : null;
  const infos = sd[i];
  if (!infos || infos.tag !== 0x31 || i !== sd.length - 1) throw fail();
  const algs = items(b, digests.start, digests.end);
  if (!algs || algs.some((a) => !algorithm(b, a))) throw fail();
  const e = items(b, encap.start, encap.end);
  if (!e || e.length < 1 || e.length > 2 || e[0].tag !== 0x06 || (e[1] && e[1].tag !== 0xa0)) throw fail();
  const content = e[1] ? items(b, e[1].start, e[1].end) : null;
  if (e[1] && (!content || content.length !== 1)) throw fail();
  const certList = certs ? items(b, certs.start, certs.end) : [];
  if (!certList || certList.some((c) => c.tag === 0x30 && !certInfo(b.slice(c.at, c.end)))) throw fail();
  const signers = items(b, infos.start, infos.end);
  if (!signers) throw fail();
  const read = signers.map((s) => {
    const f = s.tag === 0x30 ? items(b, s.start, s.end) : null;
    if (!f || f.length < 5 || !version1(f[0]) || (f[1].tag !== 0x30 && f[1].tag !== 0x80) || !algorithm(b, f[2])) throw fail();
    let j = 3;
    const signed = f[j] && f[j].tag === 0xa0 ? f[j++] : null;
    const sigAlg = algorithm(b, f[j++]);
    const value = f[j++];
    const unsigned = f[j] && f[j].tag === 0xa1 ? f[j++] : null;
    if (!sigAlg || !value || value.tag !== 0x04 || j !== f.length) throw fail();
    const attrs = signed ? items(b, signed.start, signed.end) : null;
    // Each attribute { type, SET OF values }.
    const attribute = (a) => {
      const p = a.tag === 0x30 ? items(b, a.start, a.end) : null;
      return !!p && p.length === 2 && p[0].tag === 0x06 && p[1].tag === 0x31 && !!items(b, p[1].start, p[1].end);
    };
    if (signed && (!attrs || !attrs.every(attribute))) throw fail();
    return { version: b[f[0].start], sid: f[1], digest: algorithm(b, f[2]), signed, attrs: attrs && derSorted(b, attrs), sigAlg, value, unsigned };
  });
  return {
    version: b[version.start],
    digests: algs.map((a) => algorithm(b, a)),
    contentType: hexOf(b, e[0]),
    content: content ? content[0] : null,
    certs: derSorted(b, certList),
    crls,
    signers: read,
  };
}

/** The certificate hash of the first ESSCertID(v2) of a signing-certificate attribute value (stamp.rs, `first_cert_hash`). */
function firstCertHash(v, v1) {
  const fail = () => stampBad('signing certificate');
  const t = tlv(v, 0, v.length);
  const outer = t && t.end === v.length && t.tag === 0x30 ? items(v, t.start, t.end) : null;
  if (!outer || !outer.length) throw fail();
  const ids = outer[0].tag === 0x30 ? items(v, outer[0].start, outer[0].end) : null;
  if (!ids || !ids.length) throw fail();
  const id = ids[0].tag === 0x30 ? items(v, ids[0].start, ids[0].end) : null;
  if (!id || !id.length) throw fail();
  let at = 0;
  if (!v1 && id[0].tag === 0x30) {
    // hashAlgorithm (DEFAULT sha-256): SHA-256 only.
    const alg = items(v, id[0].start, id[0].end);
    if (!alg) throw fail();
    if (!alg[0] || hexOf(v, alg[0]) !== OID.sha256) throw stampBad('its certificate hash is not SHA-256');
    at = 1;
  }
  const h = id[at];
  if (!h || h.tag !== 0x04) throw fail();
  return v.subarray(h.start, h.end);
}

/** RSA PKCS #1 v1.5 as `ring` checks it (a 2048–8192-bit modulus), with `hash` and its DigestInfo prefix. */
function rsaHolds(key, message, sig, hash, prefix) {
  const k = tlv(key, 0, key.length);
  const ne = k && k.tag === 0x30 && k.end === key.length ? items(key, k.start, k.end) : null;
  if (!ne || ne.length !== 2 || ne.some((x) => x.tag !== 0x02)) return false;
  const big = (x) => BigInt(`0x${hexOf(key, x) || '0'}`);
  const n = big(ne[0]);
  const e = big(ne[1]);
  const bits = n.toString(2).length;
  const len = Math.ceil(bits / 8);
  if (bits < 2048 || bits > 8192 || e < 3n || e % 2n === 0n || e >= 2n ** 33n || sig.length !== len) return false;
  const s = BigInt(`0x${hexBytes(sig) || '0'}`);
  if (s >= n) return false;
  let m = 1n;
  for (let base = s, x = e; x > 0n; x >>= 1n, base = (base * base) % n) if (x & 1n) m = (m * base) % n;
  const want = `0001${'ff'.repeat(len - 3 - prefix.length / 2 - hash.outputLen)}00${prefix}${hexBytes(hash(message))}`;
  return m.toString(16).padStart(len * 2, '0') === want;
}

/**
 * Whether `sig` signs `message` under the certificate `der`'s key with
 * algorithm `alg` (stamp.rs, `signature_holds`): true, false, or null for an
 * algorithm not checked here.
 */
function stampSignatureHolds(der, alg, message, sig) {
  const t = tbsFields(der);
  const spki = t && t.spki.tag === 0x30 ? items(der, t.spki.start, t.spki.end) : null;
  const keyAlg = spki && algorithm(der, spki[0]);
  if (!spki || spki.length !== 2 || spki[1].tag !== 0x03 || !keyAlg) return null;
  if (spki[1].end === spki[1].start || der[spki[1].start] !== 0) return null;
  const key = der.subarray(spki[1].start + 1, spki[1].end);
  const curve = keyAlg.params && keyAlg.params.tag === 0x06 ? hexOf(der, keyAlg.params) : null;
  const P256 = '2a8648ce3d030107';
  const P384 = '2b81040022';
  const ecdsa = (c, digest) => {
    try {
      return c.verify(sig, digest, key, { format: 'der', prehash: false, lowS: false });
    } catch {
      return false;
    }
  };
  const id = dotted(alg);
  if (id === '1.2.840.10045.4.3.2' && curve === P256) {
    try {
      p256.Point.fromBytes(key);
    } catch {
      return null;
    }
    return ecdsa(p256, sha256(message));
  }
  if (id === '1.2.840.10045.4.3.2' && curve === P384) return ecdsa(p384, sha256(message));
  if (id === '1.2.840.10045.4.3.3' && curve === P384) return ecdsa(p384, sha384(message));
  // rsaEncryption as the signature algorithm (OpenSSL writes it), with SHA-256 as the digest.
  if (id === '1.2.840.113549.1.1.11' || id === '1.2.840.113549.1.1.1') return rsaHolds(key, message, sig, sha256, '3031300d060960864801650304020105000420');
  if (id === '1.2.840.113549.1.1.12') return rsaHolds(key, message, sig, sha384, '3041300d060960864801650304020205000430');
  if (id === '1.2.840.113549.1.1.13') return rsaHolds(key, message, sig, sha512, '3051300d060960864801650304020305000440');
  return null;
}

/**
 * Read the time-stamp token `token` that stamps the signature value
 * `signature`, as terbit's `pdf::token::read` does, with its
 * words: {at (the latest time it allows, epoch seconds), genTime, cert
 * (the authority's certificate, DER)}, or a Broken with why. Whether the
 * authority is one a district's list names is the judge's.
 */
export function readStamp(token, signature) {
  return readStampImprint(token, sha256(signature));
}

/**
 * Read the time-stamp token `token` whose message imprint should be
 * `imprint` (a SHA-256), as terbit's `pdf::token::read_imprint` does: a
 * document time-stamp's (PAdES B-LTA, archive.js) is its byte range's.
 * {at, genTime, cert, spki}, or a Broken with why.
 */
export function readStampImprint(token, imprint) {
  const ci0 = tlv(token, 0, token.length);
  const ci = ci0 && ci0.tag === 0x30 && ci0.end === token.length ? items(token, ci0.start, ci0.end) : null;
  const inner = ci && ci.length === 2 && ci[0].tag === 0x06 && ci[1].tag === 0xa0 ? items(token, ci[1].start, ci[1].end) : null;
  if (!inner || inner.length !== 1) throw stampBad('not a DER ContentInfo');
  if (hexOf(token, ci[0]) !== OID.signedData) throw stampBad('not SignedData');
  const sd = tokenSignedData(token, inner[0]);
  // The parts nobody signs, as RFC 5652 and 3161 have them: version 3,
  // SHA-256 the one digest algorithm, no revocation data inside.
  // SHA-256's parameters absent (RFC 5754) or NULL (as OpenSSL writes them), as terbit reads them.
  const sha256Only = sd.digests.length === 1 && plainSha256(sd.digests[0]);
  if (sd.version !== 3 || !sha256Only || sd.crls) throw stampBad('not the SignedData of a time-stamp (version, digest algorithms, or revocation data inside)');
  if (sd.contentType !== OID.tstInfo) throw stampBad('its content is not a TSTInfo');
  if (!sd.content) throw stampBad('no TSTInfo');
  if (sd.content.tag !== 0x04) throw stampBad('TSTInfo is not an OCTET STRING');
  const info = token.subarray(sd.content.start, sd.content.end);
  const tst = tstInfo(info);
  if (tst.imprintAlg !== OID.sha256 || !same(tst.imprint, imprint)) throw new Broken("the time-stamp does not stamp this signature (its message imprint is another's)");
  if (sd.signers.length !== 1) throw stampBad('not exactly one signer');
  const si = sd.signers[0];
  if (!plainSha256(si.digest)) throw stampBad('its digest is not SHA-256');
  const versionFits = si.sid.tag === 0x30 ? si.version === 1 : si.version === 3;
  if (!versionFits || si.unsigned) throw stampBad('its signer info (version, or unsigned attributes)');
  if (!si.attrs) throw stampBad('no signed attributes');
  let seenType = false;
  let seenDigest = false;
  let ess = null;
  const seen = [];
  for (const a of si.attrs) {
    // Read whole in tokenSignedData.
    const p = items(token, a.start, a.end);
    const oid = hexOf(token, p[0]);
    if (seen.includes(oid)) throw stampBad('an attribute appears twice');
    seen.push(oid);
    const values = items(token, p[1].start, p[1].end);
    if (values.length !== 1) throw stampBad('an attribute has not one value');
    const v = values[0];
    if (oid === OID.contentType) {
      if (v.tag !== 0x06 || hexOf(token, v) !== OID.tstInfo) throw stampBad('content type');
      seenType = true;
    } else if (oid === OID.messageDigest) {
      if (v.tag !== 0x04 || !same(token.subarray(v.start, v.end), sha256(info))) throw new Broken("the time-stamp's TSTInfo was changed after the authority signed it");
      seenDigest = true;
    } else if (oid === OID.signingCertV2 || oid === OID.signingCertV1) {
      if (ess) throw stampBad('two signing-certificate attributes');
      const v1 = oid === OID.signingCertV1;
      ess = { v1, hash: firstCertHash(token.slice(v.at, v.end), v1) };
    }
  }
  if (!seenType || !seenDigest) throw stampBad('the content type or message digest attribute is missing');
  if (!ess) throw stampBad('no ESS signing-certificate attribute (RFC 3161 §2.4.1)');
  // The authority's certificate travels in the token: the one the signer
  // info names (issuer and serial, or subject key identifier), among the
  // first 16.
  const sid = si.sid.tag === 0x30 ? hexOf(token, si.sid) : null;
  const keyId = si.sid.tag === 0x80 ? hexOf(token, si.sid) : null;
  const names = (der) => {
    if (sid !== null) return certInfo(der).sid === sid;
    const ski = (extensionsOf(der) || []).find((e) => e.oid === OID.subjectKeyId);
    const o = ski && tlv(ski.value, 0, ski.value.length);
    return !!o && o.tag === 0x04 && o.end === ski.value.length && hexOf(ski.value, o) === keyId;
  };
  const found = sd.certs
    .filter((c) => c.tag === 0x30)
    .slice(0, 16)
    .map((c) => token.slice(c.at, c.end))
    .find(names);
  if (!found) throw stampBad("the authority's certificate is not in it");
  const hashed = ess.v1 ? sha1(found) : sha256(found);
  if (!same(hashed, ess.hash)) throw new Broken("the time-stamp names another certificate than the authority's it carries (ESS signing certificate)");
  // Signed as a SET (RFC 5652 §5.4), in DER's order.
  const head = token.slice(si.signed.at, si.signed.start);
  head[0] = 0x31;
  const signed = new Uint8Array(si.signed.end - si.signed.at);
  signed.set(head, 0);
  let o = head.length;
  for (const a of si.attrs) {
    signed.set(token.subarray(a.at, a.end), o);
    o += a.end - a.at;
  }
  const holds = stampSignatureHolds(found, si.sigAlg.oidBytes, signed, token.subarray(si.value.start, si.value.end));
  if (holds === false) throw new Broken("the time-stamp's signature does not hold under its authority's certificate");
  if (holds === null) throw new Broken(`the time-stamp is signed with an algorithm terbit does not check (${dotted(si.sigAlg.oidBytes)})`);
  return { at: tst.at, genTime: tst.genTime, cert: found, spki: spkiOf(found) };
}

/** The stamp `token` over `imprint` as {stamp} or {why} (the words of a Broken token); other errors are thrown. */
export function stampOverImprint(token, imprint) {
  try {
    return { stamp: readStampImprint(token, imprint) };
  } catch (e) {
    if (e instanceof Broken) return { why: e.message };
    throw e;
  }
}

function checkCms(b, digest) {
  const bad = (w) => new Broken(`the signature's CMS is malformed: ${w}`);
  const ci0 = tlv(b, 0, b.length);
  if (!ci0) throw bad('not DER');
  // What follows the CMS in /Contents is padding: zeros only.
  if (ci0.tag !== 0x30 || b.subarray(ci0.end).some((x) => x !== 0)) throw bad('not a ContentInfo');
  const ci = items(b, ci0.start, ci0.end);
  if (!ci || ci.length !== 2 || hexOf(b, ci[0]) !== OID.signedData || ci[1].tag !== 0xa0) throw bad('not SignedData');
  const sd0 = tlv(b, ci[1].start, ci[1].end);
  if (!sd0 || sd0.tag !== 0x30) throw bad('SignedData');
  const sd = items(b, sd0.start, sd0.end);
  if (!sd) throw bad('SignedData');
  const certs = sd.find((x) => x.tag === 0xa0);
  const infos0 = sd[sd.length - 1];
  if (!certs) throw bad('no certificates');
  if (!infos0 || infos0.tag !== 0x31) throw bad('no signer infos');
  if (sd.length !== 5 || whole(b, sd[0]) !== VERSION_1 || whole(b, sd[1]) !== DIGEST_ALGORITHMS || whole(b, sd[2]) !== ENCAP_DATA) {
    throw bad('not the SignedData terbit writes (version, digest algorithms, content, or an extra part)');
  }
  const encap = sd[2] && items(b, sd[2].start, sd[2].end);
  if (!encap || encap.length !== 1 || hexOf(b, encap[0]) !== OID.data) throw bad('the signed content is not detached data');
  const infos = items(b, infos0.start, infos0.end);
  if (!infos || infos.length !== 1) throw bad('not exactly one signer');
  const si = items(b, infos[0].start, infos[0].end);
  // Six fields, and [1] unsigned attributes when the signature is time-stamped.
  const unsigned = si && si.length === 7 && si[6].tag === 0xa1 ? items(b, si[6].start, si[6].end) : null;
  const attribute = (a) => {
    const p = a.tag === 0x30 ? items(b, a.start, a.end) : null;
    const values = p && p.length === 2 && p[0].tag === 0x06 && p[1].tag === 0x31 ? items(b, p[1].start, p[1].end) : null;
    return values ? { oid: hexOf(b, p[0]), values } : null;
  };
  const unsignedRead = unsigned ? unsigned.map(attribute) : null;
  const fieldsFit = si && (si.length === 6 || (unsignedRead && unsignedRead.every((a) => a)));
  if (!fieldsFit || si[1].tag !== 0x30 || si[3].tag !== 0xa0 || si[5].tag !== 0x04) throw bad('signer info fields');
  const oidOf = (x) => {
    const v = items(b, x.start, x.end);
    return v && v[0] ? hexOf(b, v[0]) : null;
  };
  if (oidOf(si[2]) !== OID.sha256 || oidOf(si[4]) !== OID.ecdsaSha256) throw new Broken('the signature is not ECDSA with SHA-256');
  if (whole(b, si[0]) !== VERSION_1 || whole(b, si[2]) !== DIGEST_ALGORITHMS.slice(4) || whole(b, si[4]) !== SIGNATURE_ALGORITHM) {
    throw bad('not the signer info terbit writes (version or algorithm parameters)');
  }
  // Unsigned attributes: a signature time-stamp token, alone (PAdES
  // B-T), or none. Read after the signature holds.
  let token = null;
  if (unsignedRead) {
    const [a] = unsignedRead;
    if (unsignedRead.length !== 1 || a.oid !== OID.signatureTimeStamp || a.values.length !== 1) throw bad('unsigned attributes other than one signature time-stamp');
    token = b.slice(a.values[0].at, a.values[0].end);
  }
  const attrs = items(b, si[3].start, si[3].end);
  if (!attrs) throw bad('signed attributes');
  let seenDigest = false;
  let seenType = false;
  let named = null;
  for (const a of attrs) {
    const parts = items(b, a.start, a.end);
    if (!parts || parts.length < 2) throw bad('attribute');
    const vals = items(b, parts[1].start, parts[1].end);
    if (!vals) throw bad('attribute values');
    const oid = hexOf(b, parts[0]);
    if (oid === OID.messageDigest) {
      const v = vals.length === 1 && vals[0].tag === 0x04 ? b.subarray(vals[0].start, vals[0].end) : null;
      if (!v || v.length !== 32 || v.some((x, i) => x !== digest[i])) throw new Broken('the file was changed after signing: its digest is not the signed one');
      seenDigest = true;
    } else if (oid === OID.contentType) {
      if (vals.length !== 1 || hexOf(b, vals[0]) !== OID.data) throw bad('content type');
      seenType = true;
    } else if (oid === OID.signingCertV2) {
      named = essHashes(b, vals);
      if (!named) throw bad('signing-certificate-v2');
    }
  }
  if (!seenDigest || !seenType) throw bad('the content type or message digest attribute is missing');
  // The signer's certificate: the one whose issuer and serial the sid
  // names, first in the set as terbit writes it.
  const sid = hexOf(b, si[1]);
  const set = items(b, certs.start, certs.end);
  if (!set) throw bad('certificates');
  let signer = null;
  for (const c of set.slice(0, 1)) {
    const der = b.slice(c.at, c.end);
    const info = certInfo(der);
    if (info && info.sid === sid) signer = { der, info };
  }
  if (!signer) throw bad("the signer's certificate is not in it");
  const carried = set.slice(1).map((c) => b.slice(c.at, c.end));
  // signing-certificate-v2 names the signer's certificate, and for a
  // certification authority's chain every certificate of it in order.
  if (!named) throw bad('no signing-certificate-v2 attribute');
  if (named[0] !== hexBytes(sha256(signer.der))) throw new Broken("the signature names another certificate than the signer's it carries (signing-certificate-v2)");
  const chainSigned = named.length > 1;
  if (chainSigned && (named.length - 1 !== carried.length || named.slice(1).some((h, i) => h !== hexBytes(sha256(carried[i]))))) {
    throw new Broken('the certificates the signature carries are not the ones it signs (signing-certificate-v2): one was changed, added, removed or moved');
  }
  const signed = b.slice(si[3].at, si[3].end);
  signed[0] = 0x31;
  // terbit signs low-s: the same signature with n − s would be a second
  // valid byte string for the file.
  let s;
  try {
    s = p256.Signature.fromBytes(b.subarray(si[5].start, si[5].end), 'der').s;
  } catch {
    throw bad('signature value');
  }
  if (s > p256.Point.CURVE().n / 2n) throw new Broken('the signature is not in the low-s form terbit writes (the file was re-signed or altered)');
  let ok = false;
  try {
    ok = p256.verify(b.subarray(si[5].start, si[5].end), signed, signer.info.publicKey, { format: 'der', prehash: true, lowS: false });
  } catch {
    ok = false;
  }
  if (!ok) throw new Broken("the signature does not verify under the signer's certificate");
  const stamp = token ? readStamp(token, b.subarray(si[5].start, si[5].end)) : null;
  return { cert: signer.der, chain: carried, chainSigned, stamp };
}

/** Whether `root` (DER) signed `cert` (DER): ECDSA P-256 over the TBS. */
function issuedBy(cert, root) {
  const c = tlv(cert, 0, cert.length);
  const parts = c && items(cert, c.start, c.end);
  const key = certInfo(root);
  if (!parts || parts.length !== 3 || parts[2].tag !== 0x03 || !key) return false;
  try {
    return p256.verify(cert.subarray(parts[2].start + 1, parts[2].end), cert.subarray(parts[0].at, parts[0].end), key.publicKey, { format: 'der', prehash: true, lowS: false });
  } catch {
    return false;
  }
}

/** A district root alone that issued `cert` (a PDF key certified before a root rotation carries it). */
function districtRootAlone(cert, chain) {
  if (chain.length !== 1) return false;
  try {
    return rootFromCertificate(chain[0]).district !== null && issuedBy(cert, chain[0]);
  } catch {
    return false;
  }
}

/**
 * The file's signature: {state: 'absent'} | {state: 'broken', why} |
 * {state: 'holds', cert, chain, chainSigned, m, stamp}, `stamp` the
 * time-stamp's {at, genTime, cert} when the signature carries one (null
 * otherwise; whose authority the judge still weighs).
 */
export function checkFileSignature(bytes) {
  try {
    const first = find(bytes, '/ByteRange');
    if (first < 0) {
      if (find(bytes, '/Type/Sig') >= 0 || find(bytes, '/FT/Sig') >= 0) throw new Broken('a signature field without a signed byte range');
      return { state: 'absent' };
    }
    if (find(bytes, '/ByteRange', first + 1) >= 0) throw new Broken('/ByteRange appears more than once: a second signature or revision was added');
    let at = first + '/ByteRange'.length;
    while (at < bytes.length && isSpace(bytes[at])) at++;
    if (bytes[at] !== 0x5b) throw new Broken('/ByteRange is not an array');
    const close = bytes.subarray(at, at + 80).indexOf(0x5d);
    if (close < 0) throw new Broken('/ByteRange is not an array of four numbers');
    const nums = new TextDecoder('latin1').decode(bytes.subarray(at + 1, at + close)).trim().split(/\s+/);
    if (nums.length !== 4 || !nums.every((n) => /^\d+$/.test(n))) throw new Broken('/ByteRange is not four numbers');
    const [a, b, c, d] = nums.map(Number);
    const dict = rfind(bytes, '<<', first);
    if (dict < 0) throw new Broken('/ByteRange is outside a dictionary');
    const contents = find(bytes, '/Contents', dict);
    if (contents < 0) throw new Broken('the signature has no /Contents');
    let lt = contents + '/Contents'.length;
    while (lt < bytes.length && isSpace(bytes[lt])) lt++;
    if (a !== 0 || b !== lt || bytes[lt] !== 0x3c) throw new Broken("the signed byte range does not start at the file's start and end at the signature's value");
    const gt = bytes.indexOf(0x3e, lt);
    if (gt < 0) throw new Broken('/Contents is not a hex string');
    if (c !== gt + 1) throw new Broken("the signed byte range leaves out more than the signature's value");
    if (c + d !== bytes.length) {
      throw new Broken(c + d < bytes.length ? 'the file was changed after signing: bytes were added after the signed range (an incremental update)' : 'the signed byte range runs past the end of the file (the file was cut)');
    }
    const hexText = new TextDecoder('latin1').decode(bytes.subarray(lt + 1, gt));
    // terbit writes lower-case hex: the same signature in upper case would
    // be a second byte string for one file.
    if (hexText.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hexText)) throw new Broken('/Contents is not a hex string');
    const cms = new Uint8Array(hexText.length / 2);
    for (let i = 0; i < cms.length; i++) cms[i] = parseInt(hexText.substr(i * 2, 2), 16);
    const h = sha256.create();
    h.update(bytes.subarray(0, b));
    h.update(bytes.subarray(c));
    const digest = h.digest();
    const mAt = find(bytes, '/M(', dict);
    const mEnd = mAt >= 0 ? bytes.indexOf(0x29, mAt) : -1;
    if (mAt < 0 || mEnd < 0 || mEnd - mAt > 44) throw new Broken('the signature has no claimed time (/M)');
    const { cert, chain, chainSigned, stamp } = checkCms(cms, digest);
    return { state: 'holds', cert, chain, chainSigned, stamp, m: new TextDecoder('latin1').decode(bytes.subarray(mAt + 3, mEnd)) };
  } catch (e) {
    if (e instanceof Broken) return { state: 'broken', why: e.message };
    throw e;
  }
}

const same = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);

export const NOT_SIGNED = "the PDF file is not signed: terbit signs every PDF it writes, so this file was altered or is not terbit's";

/** Epoch seconds as RFC 3339 in UTC, as terbit writes a time (dk1::keys::rfc3339). */
export function rfc3339(epoch) {
  const ms = Number(epoch) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(epoch);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The file signature against the trust list's PDF certificates and
 * time-stamp authorities (`tsaCerts`: {der, district, notBefore, notAfter,
 * forTimeStamping, name}), for a document of `issuer` issued at `at`
 * (seconds): null when it holds, else why the file is not genuine. There
 * is no case without a signature: a PDF is genuine only with a valid
 * signature from a certificate the trust list holds for the issuer, valid
 * at the issue time. A time-stamp is proof that the signature existed at
 * its time, under an authority a list names (pades.rs, `judge`; the page
 * has no revocation times to weigh it against).
 */
export function judgeFileSignature(sig, certs, tsaCerts, issuer, at, revokedFrom = null) {
  const t = Number(at);
  if (!sig || sig.state === 'absent') return NOT_SIGNED;
  if (sig.state === 'broken') return `the PDF file's signature: ${sig.why}`;
  if (sig.state !== 'holds' || !(sig.cert instanceof Uint8Array)) return NOT_SIGNED;
  const c = certs.find((x) => same(x.der, sig.cert));
  if (!c) return 'the PDF file is signed by a certificate the trust list does not hold for any district';
  const chain = sig.chain || [];
  if (c.root && issuedBy(sig.cert, c.root)) {
    // terbit's own PDF key: its district root alone travels beside it.
    if (chain.length !== 1 || !same(chain[0], c.root) || sig.chainSigned) return "the certificates the PDF file's signature carries are not its district root's alone, as terbit writes them: the file was altered";
  } else if (chain.length && !sig.chainSigned && !districtRootAlone(sig.cert, chain)) {
    // A certification authority's chain is named in what is signed; a district root's travels alone.
    return "the certificates the PDF file's signature carries beside the signer's are not named in what it signs, as terbit signs a certification authority's chain: the file was altered";
  }
  if (c.district !== issuer) return `the PDF file is signed by district ${c.district}'s certificate, but the document is issuer ${issuer}'s`;
  if (!Number.isFinite(c.notBefore) || !Number.isFinite(c.notAfter) || !Number.isFinite(t) || t < c.notBefore || t >= c.notAfter) return "the PDF file's signing certificate was not valid when the document was issued";
  const s = sig.stamp;
  let a = null;
  if (s) {
    a = authorityOf(tsaCerts, s.spki, issuer, s.at);
    if (!a) return "the PDF file's signature carries a time-stamp from an authority no district's trust list names: the file was altered, or the trust data is older than the district's time-stamps (get its current list)";
    if (a.district !== issuer) return `the PDF file's signature is time-stamped by district ${a.district}'s authority, but the document is issuer ${issuer}'s`;
    if (a.forgedIssuer) return "the PDF file's time-stamp authority's certificate names the district root as its issuer, but the root did not sign it: the trust list was made from a planted certificate";
    if (!a.forTimeStamping) return "the PDF file's time-stamp is signed by a certificate that is not a time-stamp authority's (extended key usage timeStamping, critical)";
    if (!(s.at >= a.notBefore && s.at < a.notAfter)) return `the PDF file's time-stamp (${rfc3339(s.at)}) falls outside its authority's certificate`;
    // The claimed time is the issue date's first second, UTC; a night runs on
    // that date where the office is (up to 14 hours ahead of UTC): a day's leeway.
    if (s.at < t - 86400) return `the PDF file's time-stamp (${rfc3339(s.at)}) is earlier than the signature's claimed time: a stamp is never made before what it stamps`;
    if (s.at >= c.notAfter) return `the PDF file's signature was time-stamped ${rfc3339(s.at)}, after its signing certificate ended (${rfc3339(c.notAfter)})`;
  }
  // A revoked key's signature: genuine only with a stamp before its revocation.
  if (revokedFrom !== null && revokedFrom !== undefined) {
    // The district's own authority keeps its key beside the signing key: against a revocation its stamps prove nothing.
    if (s && a && a.byDistrictRoot) return `the document's key is revoked from ${rfc3339(revokedFrom)}, and nothing independent proves this PDF file was signed before then: its only time-stamp is the district's own authority's, whose key was kept with the signing key`;
    if (s && s.at >= revokedFrom) return `the PDF file's signature was time-stamped ${rfc3339(s.at)}, when its key was already revoked (from ${rfc3339(revokedFrom)}): it was signed with a revoked key`;
    if (!s) return `the document's key is revoked from ${rfc3339(revokedFrom)}, and nothing proves this PDF file was signed before then: its signature carries no time-stamp (its claimed time is the signer's own word)`;
  }
  return null;
}

/**
 * What a holding file signature says of its time, in terbit's words
 * (verify/mod.rs): its time-stamp and the authority's list, or that its
 * time is the signer's claim. Empty for a stamp from an authority no list
 * names (the judge refuses that file).
 */
export function stampWords(sig, tsaCerts) {
  if (!sig || sig.state !== 'holds') return '';
  if (!sig.stamp) return "; not time-stamped (PAdES B-B): its time is the signer's claim";
  const a = authorityOf(tsaCerts, sig.stamp.spki, null, sig.stamp.at);
  return a ? `; time-stamped ${rfc3339(sig.stamp.at)} by ${a.name} (named in district ${a.district}'s trust list): it existed by then` : '';
}

/** A certificate's subject public key info (DER), or null. */
function spkiOf(der) {
  const f = der && tbsFields(der);
  return f ? der.slice(f.spki.at, f.spki.end) : null;
}

/**
 * The authority a list names for a token signed with the key `spki` at
 * `at` (trust::tsa::authority_of): of `district` and valid then first, else
 * of `district`, else any. A district root replaced since certifies the same
 * key anew, so the key is what is recognised; a key certified again before
 * its certificate ended has both listed.
 */
export function authorityOf(tsaCerts, spki, district, at) {
  if (!spki) return null;
  const all = (tsaCerts || []).filter((x) => x.spki && same(x.spki, spki));
  const ours = all.filter((x) => x.district === district);
  return ours.find((x) => at >= x.notBefore && at < x.notAfter) || ours[0] || all[0] || null;
}

/** A time-stamp authority's certificate `der` a district's signed list names, decoded (trust::tsa::TsaCert::of); null if unreadable. */
export function tsaCert(district, der, root = null) {
  const info = certInfo(der);
  if (!info || !Number.isFinite(info.notBefore) || !Number.isFinite(info.notAfter)) return null;
  // Naming the district root as its issuer, it must carry the root's signature (TsaCert::of).
  const c = tbsFields(der);
  const r = root && tbsFields(root);
  const namesRoot = !!(c && r && hexOf(der, { start: c.issuer.at, end: c.issuer.end }) === hexOf(root, { start: r.subject.at, end: r.subject.end }));
  const byDistrictRoot = namesRoot && issuedBy(der, root);
  const forgedIssuer = namesRoot && !byDistrictRoot;
  return { district, der, spki: spkiOf(der), notBefore: info.notBefore, notAfter: info.notAfter, forTimeStamping: forTimeStamping(der), name: subjectShown(der), forgedIssuer, byDistrictRoot };
}
