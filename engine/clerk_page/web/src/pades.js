// A PDF file's own signature (PAdES B-B), checked as terbit's Rust
// verifier checks it (engine/verify/signature/pades.rs): one signature whose byte
// range covers the whole file but its value; a CMS SignedData whose
// message digest is that range's SHA-256 and whose ECDSA P-256 signature
// over the signed attributes holds under the signer's certificate; that
// certificate one the district root put in the trust list for the issuer,
// valid when the document was issued. An edited PDF fails here even when
// its QR is intact.

import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { rootFromCertificate } from './root.js';

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
  if (!si || si.length !== 6 || si[1].tag !== 0x30 || si[3].tag !== 0xa0 || si[5].tag !== 0x04) throw bad('signer info fields');
  const oidOf = (x) => {
    const v = items(b, x.start, x.end);
    return v && v[0] ? hexOf(b, v[0]) : null;
  };
  if (oidOf(si[2]) !== OID.sha256 || oidOf(si[4]) !== OID.ecdsaSha256) throw new Broken('the signature is not ECDSA with SHA-256');
  if (whole(b, si[0]) !== VERSION_1 || whole(b, si[2]) !== DIGEST_ALGORITHMS.slice(4) || whole(b, si[4]) !== SIGNATURE_ALGORITHM) {
    throw bad('not the signer info terbit writes (version or algorithm parameters)');
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
  return { cert: signer.der, chain: carried, chainSigned };
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

/** The file's signature: {state: 'absent'} | {state: 'broken', why} | {state: 'holds', cert, m}. */
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
    const { cert, chain, chainSigned } = checkCms(cms, digest);
    return { state: 'holds', cert, chain, chainSigned, m: new TextDecoder('latin1').decode(bytes.subarray(mAt + 3, mEnd)) };
  } catch (e) {
    if (e instanceof Broken) return { state: 'broken', why: e.message };
    throw e;
  }
}

const same = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);

export const NOT_SIGNED = "the PDF file is not signed: terbit signs every PDF it writes, so this file was altered or is not terbit's";

/**
 * The file signature against the trust list's PDF certificates, for a
 * document of `issuer` issued at `at` (seconds): null when it holds, else
 * why the file is not genuine. There is no case without a signature: a PDF
 * is genuine only with a valid signature from a certificate the trust list
 * holds for the issuer, valid at the issue time.
 */
export function judgeFileSignature(sig, certs, issuer, at) {
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
  return null;
}
