// The verifier page's core: the same checks, in the same order, as terbit's
// Rust verifier (engine/dk1 and engine/verify/mod.rs, verify_text), so
// that a QR text gets the same verdict on the page as from `terbit verify`.
// tests/verifier.rs runs every vector and thousands of damaged texts
// through both and compares.
//
// Verdicts: genuine | invalid | untrusted | revoked | superseded.

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CborError, CborMap, Tagged, decodeAll, encode, intMap, isI64, bytesEqual, sigStructure } from './cbor.js';
import { rootFromCertificate, openRootSigned } from './root.js';
import { certInfo, tsaCert } from './pades.js';

export const PREFIX = 'DK1:';
export const MAX_TEXT = 4296;
const RECORD_KEY = -65537n;
const REVOCATIONS_KEY = -65539n;
const TRUST_KEY = -65540n;

// ---- small helpers ----

export const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function fromHex(s) {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

export function fromBase64(s) {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  try {
    const bin = atob(s);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** RFC 3339 time → epoch seconds (BigInt), or null. */
export function parseTime(s) {
  if (typeof s !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, Math.min(se, 59)) / 1000;
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCDate() !== d) return null;
  let off = 0;
  if (m[9]) off = (m[9] === '+' ? 1 : -1) * (Number(m[10]) * 3600 + Number(m[11]) * 60);
  return BigInt(t - off);
}

/** Epoch seconds as RFC 3339 UTC, as terbit writes it. */
export function rfc3339(epoch) {
  const ms = Number(epoch) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(epoch);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---- Base45 (RFC 9285), exactly as the Rust crate terbit uses decodes it ----

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

export function base45Decode(s) {
  const v = [];
  for (const ch of s) {
    const i = B45.indexOf(ch);
    if (i < 0 || ch.length !== 1) throw new Error('Base45 decoding failed: DecodeError');
    v.push(i);
  }
  const out = [];
  let i = 0;
  for (; i + 3 <= v.length; i += 3) {
    const n = v[i] + v[i + 1] * 45 + v[i + 2] * 2025;
    if (n > 65535) throw new Error('Base45 decoding failed: DecodeError');
    out.push(n >> 8, n & 0xff);
  }
  const rest = v.length - i;
  // A two-character tail keeps only its low byte, as the Rust decoder does.
  if (rest === 2) out.push((v[i] + v[i + 1] * 45) & 0xff);
  else if (rest !== 0) throw new Error('Base45 decoding failed: DecodeError');
  return Uint8Array.from(out);
}

// ---- COSE_Sign1 (RFC 9052) ----

class Invalid extends Error {}

/**
 * Parse a tagged COSE_Sign1 as terbit's DK1 reader does: tag 18, four items,
 * protected header holding only alg (EdDSA) and an 8-byte kid, an empty
 * unprotected header, a payload, no trailing bytes.
 */
export function parseEnvelope(bytes) {
  let v;
  try {
    v = decodeAll(bytes);
  } catch (e) {
    throw new Invalid(`not a tagged COSE_Sign1 structure: ${e.message}`);
  }
  if (!(v instanceof Tagged) || v.tag !== 18n) throw new Invalid('not a tagged COSE_Sign1 structure: tag 18 missing');
  const a = v.value;
  if (!Array.isArray(a) || a.length !== 4) throw new Invalid('not a tagged COSE_Sign1 structure: not an array of 4 items');
  const [prot, unprot, payload, signature] = a;
  if (!(prot instanceof Uint8Array) || !(signature instanceof Uint8Array)) throw new Invalid('not a tagged COSE_Sign1 structure: bad item types');
  if (!(unprot instanceof CborMap)) throw new Invalid('not a tagged COSE_Sign1 structure: unprotected header is not a map');
  if (!(payload instanceof Uint8Array) && payload !== null) throw new Invalid('not a tagged COSE_Sign1 structure: payload is not a byte string');
  let header = new CborMap([]);
  if (prot.length > 0) {
    try {
      header = decodeAll(prot);
    } catch (e) {
      throw new Invalid(`not a tagged COSE_Sign1 structure: ${e.message}`);
    }
  }
  const h = headerMap(header);
  headerMap(unprot);
  const alg = h.get(1n);
  if (alg !== -8n) throw new Invalid('algorithm is not EdDSA (-8)');
  if (h.has(2n)) throw new Invalid('critical headers are not understood');
  for (const k of h.keys()) {
    if (k !== 1n && k !== 4n) throw new Invalid('header parameters other than alg and kid (or an unprotected header) are not allowed');
  }
  if (unprot.entries.length > 0) throw new Invalid('header parameters other than alg and kid (or an unprotected header) are not allowed');
  const kid = h.get(4n);
  if (!(kid instanceof Uint8Array) || kid.length !== 8) throw new Invalid('protected header has no 8-byte kid');
  if (payload === null) throw new Invalid('no payload');
  return { kid, payload, protectedBytes: prot, signature };
}

/** A COSE header map: labels int (i64) or text, none twice; the common parameters' types checked. */
function headerMap(m) {
  if (!(m instanceof CborMap)) throw new Invalid('not a tagged COSE_Sign1 structure: header is not a map');
  const out = new Map();
  for (const [k, v] of m.entries) {
    if (!(isI64(k) || typeof k === 'string')) throw new Invalid('not a tagged COSE_Sign1 structure: header label is not int or text');
    if (out.has(k)) throw new Invalid('not a tagged COSE_Sign1 structure: duplicate header label');
    if (k === 1n && !(isI64(v) || typeof v === 'string')) throw new Invalid('not a tagged COSE_Sign1 structure: alg is not int or text');
    if (k === 4n && !(v instanceof Uint8Array && v.length > 0)) throw new Invalid('not a tagged COSE_Sign1 structure: kid is not a byte string');
    out.set(k, v);
  }
  return out;
}

// ---- DK1 claims (engine/dk1/README.md, §3) ----

function text(m, k) {
  const v = m.get(k);
  return typeof v === 'string' ? v : null;
}

function int(m, k) {
  const v = m.get(k);
  return isI64(v) ? v : null;
}

export function parseClaims(payload) {
  const bad = (msg) => new Invalid(`payload is not valid claims: ${msg}`);
  let v;
  try {
    v = decodeAll(payload, 16);
  } catch (e) {
    throw bad(e.message === 'trailing bytes' ? 'trailing bytes after the claims map' : e.message);
  }
  const top = intMap(v);
  if (!top) throw bad('claims are not a map with integer keys');
  const issuer = text(top, 1n);
  if (issuer === null) throw bad('claim 1 (issuer) missing or not text');
  const issuedAt = int(top, 6n);
  if (issuedAt === null) throw bad('claim 6 (issued-at) missing or not an integer');
  let expiry = null;
  if (top.has(4n)) {
    expiry = int(top, 4n);
    if (expiry === null) throw bad('claim 4 (expiry) is not an integer');
  }
  if (!top.has(RECORD_KEY)) throw bad('claim -65537 (record) missing');
  const rec = intMap(top.get(RECORD_KEY));
  if (!rec) throw bad('record is not a map with integer keys');
  const kind = int(rec, 1n);
  if (kind === null || kind <= 0n) throw bad('record 1 (kind) missing or not a positive integer');
  let related = [];
  if (rec.has(8n)) {
    const a = rec.get(8n);
    if (!Array.isArray(a) || !a.every((x) => typeof x === 'string')) throw bad('record 8 (related IDs) must be an array of text');
    related = a;
  }
  let memberCount = null;
  if (rec.has(9n)) {
    memberCount = int(rec, 9n);
    if (memberCount === null || memberCount < 0n) throw bad('record 9 (member count) is not a count');
  }
  let memberDigest = null;
  if (rec.has(10n)) {
    const d = rec.get(10n);
    if (!(d instanceof Uint8Array)) throw bad('record 10 (member digest) is not a byte string');
    if (d.length !== 16) throw bad('record 10 (member digest) is not 16 bytes');
    memberDigest = d;
  }
  const extra = [];
  for (const k of [...rec.keys()].filter((k) => k >= 11n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const x = rec.get(k);
    if (typeof x === 'string' || isI64(x)) extra.push([k, x]);
  }
  const req = (k, what) => {
    const t = text(rec, k);
    if (t === null) throw bad(`record ${k} (${what}) missing or not text`);
    return t;
  };
  const opt = (k, what) => {
    if (!rec.has(k)) return null;
    const t = text(rec, k);
    if (t === null) throw bad(`record ${k} (${what}) is not text`);
    return t;
  };
  // The same order of checks as the Rust reader, so the first reason named is the same.
  const number = req(2n, 'document number');
  const nik = req(3n, 'NIK');
  const name = req(4n, 'name');
  const birthDate = opt(5n, 'birth date');
  const birthPlace = opt(6n, 'birth place');
  const issueDate = req(7n, 'issue date');
  return { issuer, issuedAt, expiry, record: { kind, number, nik, name, birthDate, birthPlace, issueDate, related, memberCount, memberDigest, extra } };
}

/** Decode an untrusted QR text (not yet trusted). */
export function decode(qrText) {
  // Trailing line ends cut off (a loop, not /[\r\n]+$/: that pattern is quadratic on a long run of them mid-text).
  let end = qrText.length;
  while (end > 0 && (qrText[end - 1] === '\r' || qrText[end - 1] === '\n')) end--;
  const t = qrText.slice(0, end);
  if (new TextEncoder().encode(t).length > MAX_TEXT) throw new Invalid(`text too long (${new TextEncoder().encode(t).length} characters; a QR holds at most 4296)`);
  if (!t.startsWith(PREFIX)) throw new Invalid('not a DK1 text (it must start with "DK1:")');
  let bytes;
  try {
    bytes = base45Decode(t.slice(PREFIX.length));
  } catch (e) {
    throw new Invalid(e.message);
  }
  const env = parseEnvelope(bytes);
  const claims = parseClaims(env.payload);
  return { env, claims };
}

// ---- fields a person compares with the paper ----

const KINDS = { 1: ['birth', 'Akta Kelahiran'], 2: ['death', 'Akta Kematian'], 3: ['family card', 'Kartu Keluarga'], 4: ['move out', 'Surat Keterangan Pindah'], 5: ['move in', 'Surat Keterangan Pindah Datang'], 6: ['KTP', 'KTP-el'] };

const EXTRA = {
  '1:11': ['sex', 'Jenis kelamin'],
  '6:11': ['sex', 'Jenis kelamin'],
  '1:12': ['mother', 'Ibu'],
  '1:13': ['father', 'Ayah'],
  '1:14': ['birth order', 'Anak ke-'],
  '2:11': ['date of death', 'Tanggal kematian'],
  '2:12': ['place of death', 'Tempat kematian'],
  '3:11': ['address', 'Alamat'],
  '6:12': ['village', 'Desa/Kelurahan'],
  '4:11': ['origin village', 'Desa asal'],
  '5:11': ['origin village', 'Desa asal'],
  '4:12': ['destination village', 'Desa tujuan'],
  '5:12': ['destination village', 'Desa tujuan'],
  '4:13': ['reason', 'Alasan pindah'],
};

/** Signed fields as [English label, Indonesian label, value], in record order (as `terbit verify` lists them). */
export function fields(c) {
  const r = c.record;
  const kind = KINDS[Number(r.kind)];
  const f = [
    ['issuer', 'Penerbit (kode kabupaten/kota)', c.issuer],
    ['issued at', 'Waktu terbit', rfc3339(c.issuedAt)],
    ['kind', 'Jenis dokumen', kind ? `${kind[1]} (${kind[0]})` : `unknown (${r.kind})`],
    ['document number', 'Nomor dokumen', r.number],
    ['NIK', 'NIK', r.nik],
    ['name', 'Nama', r.name],
  ];
  if (r.birthDate !== null) f.push(['birth date', 'Tanggal lahir', r.birthDate]);
  if (r.birthPlace !== null) f.push(['birth place', 'Tempat lahir', r.birthPlace]);
  f.push(['issue date', 'Tanggal terbit', r.issueDate]);
  if (c.expiry !== null) f.push(['expires', 'Berlaku sampai', rfc3339(c.expiry)]);
  if (r.related.length) f.push(['related IDs', 'NIK terkait', r.related.join(', ')]);
  if (r.memberCount !== null) f.push(['members', 'Jumlah anggota', String(r.memberCount)]);
  if (r.memberDigest !== null) f.push(['member digest', 'Ringkasan anggota', hex(r.memberDigest)]);
  for (const [k, v] of r.extra) {
    const l = EXTRA[`${r.kind}:${k}`] || [`field ${k}`, `isian ${k}`];
    f.push([l[0], l[1], String(v)]);
  }
  return f;
}

// ---- the verdict ----

/**
 * Verify a QR text against trust (from loadBundle): the same steps as
 * terbit's verify_text. Returns {verdict, reason, kid, issuer, fields, unverified, claims}.
 */
export function verifyText(qrText, trust) {
  let sealed;
  try {
    sealed = decode(qrText);
  } catch (e) {
    if (!(e instanceof Invalid) && !(e instanceof CborError)) throw e;
    return { verdict: 'invalid', reason: e.message, fields: [], unverified: [] };
  }
  const { env, claims } = sealed;
  const report = { verdict: 'genuine', reason: null, kid: hex(env.kid), issuer: claims.issuer, fields: [], unverified: fields(claims), claims: null };
  const key = trust.keys.find((k) => k.kid === report.kid);
  if (!key) return { ...report, verdict: 'untrusted', reason: `kid ${report.kid} is not in the trust list` };
  // The signature first: claims of a forged document say nothing.
  let ok = false;
  try {
    ok = ed25519.verify(env.signature, sigStructure(env.protectedBytes, env.payload), key.publicKey, { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok) return { ...report, verdict: 'invalid', reason: 'signature does not verify: the text was altered or signed by another key' };
  const at = claims.issuedAt;
  const set = (verdict, reason) => Object.assign(report, { verdict, reason });
  if (key.issuer !== claims.issuer) {
    set('untrusted', `key ${key.kid} belongs to issuer ${key.issuer}, but the document claims issuer ${claims.issuer}`);
  } else if (at < key.notBefore || (key.notAfter !== null && at >= key.notAfter)) {
    set('untrusted', `issued at ${rfc3339(at)} outside the key's signing window (${rfc3339(key.notBefore)} to ${key.notAfter === null ? 'open' : rfc3339(key.notAfter)})`);
  } else if (key.status === 'revoked' && key.revokedFrom !== null && at >= key.revokedFrom) {
    set('revoked', `key ${key.kid} is revoked from ${rfc3339(key.revokedFrom)}`);
  } else {
    const e = trust.revocations.get(`${claims.issuer}\u0000${claims.record.number}`);
    if (e && e.status === 'superseded' && e.superseded_by !== null) {
      set('superseded', `superseded by ${e.superseded_by} since ${e.since}: ${e.reason}`);
      report.supersededBy = e.superseded_by;
      report.entry = e;
    } else if (e) {
      set('revoked', `revoked since ${e.since}: ${e.reason}`);
      report.entry = e;
    }
  }
  if (report.verdict !== 'untrusted') {
    report.fields = report.unverified;
    report.unverified = [];
    report.claims = claims;
  }
  return report;
}

// ---- trust: the bundle (engine/dk1/README.md, §8–§10) ----

export class TrustError extends Error {}

const ENTRY_FIELDS = ['kid', 'issuer', 'alg', 'public_key', 'not_before', 'not_after', 'status', 'revoked_from'];
const STATUS = { active: 1n, retired: 2n, revoked: 3n };

function onlyFields(o, allowed, optional, what) {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new TrustError(`${what} is not an object`);
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new TrustError(`${what}: unknown field \`${k}\``);
  for (const k of allowed) if (!optional.includes(k) && !(k in o)) throw new TrustError(`${what}: missing field \`${k}\``);
}

function kidOf(pk) {
  const input = new Uint8Array([0xa3, 0x01, 0x01, 0x20, 0x06, 0x21, 0x58, 0x20, ...pk]);
  return hex(sha256(input).slice(0, 8));
}

/** Check a readable key entry as TrustList::check does; returns the decoded key. */
function decodeKey(e, i) {
  const where = (f) => `keys[${i}].${f}`;
  onlyFields(e, ENTRY_FIELDS, ['not_after', 'revoked_from'], `keys[${i}]`);
  for (const f of ['kid', 'issuer', 'alg', 'public_key', 'not_before', 'status']) if (typeof e[f] !== 'string') throw new TrustError(`field \`${where(f)}\` is not text`);
  for (const f of ['not_after', 'revoked_from']) if (e[f] !== undefined && e[f] !== null && typeof e[f] !== 'string') throw new TrustError(`field \`${where(f)}\` is not text`);
  if (!(e.status in STATUS)) throw new TrustError(`field \`${where('status')}\` is not active, retired or revoked`);
  if (e.alg !== 'EdDSA') throw new TrustError(`field \`${where('alg')}\`: only EdDSA is supported`);
  const pk = fromHex(e.public_key);
  if (!pk || pk.length !== 32) throw new TrustError(`field \`${where('public_key')}\`: must be 64 hex characters`);
  try {
    ed25519.Point.fromBytes(pk);
  } catch {
    throw new TrustError(`field \`${where('public_key')}\`: not an Ed25519 point`);
  }
  const kid = fromHex(e.kid);
  if (!kid || kid.length !== 8) throw new TrustError(`field \`${where('kid')}\`: must be 16 hex characters`);
  if (hex(kid) !== kidOf(pk)) throw new TrustError(`field \`${where('kid')}\`: not the thumbprint of public_key`);
  if (!/^[0-9]{4}$/.test(e.issuer)) throw new TrustError(`field \`${where('issuer')}\`: not a 4-digit regency code`);
  const notBefore = parseTime(e.not_before);
  if (notBefore === null) throw new TrustError(`field \`${where('not_before')}\` is not an RFC 3339 time`);
  const t = (f) => {
    if (e[f] === undefined || e[f] === null) return null;
    const v = parseTime(e[f]);
    if (v === null) throw new TrustError(`field \`${where(f)}\` is not an RFC 3339 time`);
    return v;
  };
  const notAfter = t('not_after');
  const revokedFrom = t('revoked_from');
  if (e.status === 'revoked' && revokedFrom === null) throw new TrustError(`field \`${where('revoked_from')}\`: a revoked key needs the time it is revoked from`);
  return { kid: hex(kid), issuer: e.issuer, publicKey: pk, notBefore, notAfter, status: e.status, revokedFrom };
}

function trustPayload(district, sequence, issuedAt, nextUpdate, keys, certs, tsa) {
  const entries = keys.map((k) => [fromHex(k.kid) ?? new Uint8Array(0), k.issuer, k.publicKey, k.notBefore, k.notAfter, STATUS[k.status], k.revokedFrom]);
  // The time-stamp authorities (key 5) only when there are some: a list
  // without one is the same bytes it always was (engine/trust/list.rs, `payload`).
  const body = new CborMap([[1n, sequence], [2n, nextUpdate], [3n, entries], [4n, certs], ...(tsa.length ? [[5n, tsa]] : [])]);
  return encode(new CborMap([[1n, district], [6n, issuedAt], [TRUST_KEY, body]]));
}

const LIST_FIELDS = ['format', 'district', 'sequence', 'issued_at', 'next_update', 'keys', 'pdf_certificates', 'tsa_certificates', 'root_certificate', 'cose'];

/** Check one district's signed list against its pin; returns its keys and data. */
export function verifyTrustList(list, pin) {
  if (list === null || typeof list !== 'object' || list.format !== 'terbit-trust/2') throw new TrustError('not a signed trust list (format terbit-trust/2)');
  onlyFields(list, LIST_FIELDS, ['tsa_certificates'], 'trust list');
  const der = fromBase64(list.root_certificate);
  if (!der) throw new TrustError('field `root_certificate` is malformed');
  const fp = hex(sha256(der));
  if (fp !== pin) throw new TrustError(`its root certificate (SHA-256 ${fp.match(/.{4}/g).join(' ')}) is not a pinned root: compare it with the fingerprint the district publishes`);
  const root = rootFromCertificate(der);
  const name = String(list.district).slice(0, 8);
  // A root vouches only for its own district: its certificate names it (engine/trust/root.rs, `generate`),
  // checked before the list's signature is even read.
  if (root.district === null) throw new TrustError(`the list claims district ${name}, but its root certificate names no district: a root vouches only for its own district`);
  if (root.district !== list.district) throw new TrustError(`the list claims district ${name}, but its root certificate is district ${root.district}'s: a root vouches only for its own district`);
  const cose = fromHex(list.cose);
  if (!cose) throw new TrustError('field `cose` is malformed');
  const signed = openRootSigned(cose, root.publicKey);
  let top;
  try {
    top = intMap(decodeAll(signed, 8));
  } catch (e) {
    throw new TrustError(`signed payload is not a trust list: ${e.message}`);
  }
  const body = top && intMap(top.get(TRUST_KEY));
  if (!body || !isI64(top.get(6n)) || typeof body.get(1n) !== 'bigint' || !isI64(body.get(2n))) throw new TrustError('signed payload is not a trust list');
  const sequence = body.get(1n);
  if (sequence > 2n ** 53n - 1n) throw new TrustError('field `sequence` is malformed');
  if (!Array.isArray(list.keys) || !Array.isArray(list.pdf_certificates)) throw new TrustError('the readable fields differ from the signed ones (the file was edited after signing)');
  const keys = list.keys.map((e, i) => decodeKey(e, i));
  const certs = list.pdf_certificates.map((c) => fromBase64(c));
  if (certs.some((c) => !c)) throw new TrustError('field `pdf_certificates` is malformed');
  // Absent when the district has no time-stamp authority.
  if (list.tsa_certificates !== undefined && !Array.isArray(list.tsa_certificates)) throw new TrustError('the readable fields differ from the signed ones (the file was edited after signing)');
  const tsa = (list.tsa_certificates || []).map((c) => fromBase64(c));
  if (tsa.some((c) => !c)) throw new TrustError('field `tsa_certificates` is malformed');
  const issuedAt = parseTime(list.issued_at);
  const nextUpdate = parseTime(list.next_update);
  const seqOk = typeof list.sequence === 'number' && Number.isSafeInteger(list.sequence) && list.sequence >= 0;
  if (typeof list.district !== 'string' || issuedAt === null || nextUpdate === null || !seqOk) throw new TrustError('the readable fields differ from the signed ones (the file was edited after signing)');
  const readable = trustPayload(list.district, BigInt(list.sequence), issuedAt, nextUpdate, keys, certs, tsa);
  if (!bytesEqual(readable, signed) || BigInt(list.sequence) !== sequence) throw new TrustError('the readable fields differ from the signed ones (the file was edited after signing)');
  const foreign = keys.find((k) => k.issuer !== list.district);
  if (foreign) throw new TrustError(`key ${foreign.kid} signs for ${foreign.issuer}, but the list is district ${list.district}'s: a root vouches only for its own district`);
  const pdfCerts = certs.map((der) => ({ der, info: certInfo(der) })).filter((c) => c.info).map((c) => ({ district: list.district, der: c.der, notBefore: c.info.notBefore, notAfter: c.info.notAfter, root: der }));
  // The time-stamp authorities this list names (trust::tsa::TsaCert::of), for the PDF judge.
  const tsaCerts = tsa.map((c) => tsaCert(list.district, c, der)).filter((c) => c);
  return { district: list.district, sequence, issuedAt, nextUpdate, fingerprint: fp, subject: root.subject, keys, pdfCerts, tsaCerts, digest: hex(sha256(signed)) };
}

export const REVOCATION_FORMAT = 'terbit-revocations/2';
const REV_FIELDS = ['format', 'issuer', 'kid', 'sequence', 'updated_at', 'next_update', 'entries', 'cose'];
const ENTRY_KEYS = ['document_number', 'status', 'superseded_by', 'reason', 'since'];
const MAX_SEQUENCE = 2n ** 53n - 1n;

/** The signed payload of a revocation list (engine/dk1/README.md, §6). */
export function revocationPayload(issuer, updatedAt, sequence, nextUpdate, entries) {
  const list = entries.map((e) => [e.document_number, e.status === 'revoked' ? 1n : 2n, e.superseded_by ?? '', e.reason, e.since]);
  return encode(new CborMap([[1n, issuer], [6n, BigInt(updatedAt)], [7n, BigInt(sequence)], [8n, BigInt(nextUpdate)], [REVOCATIONS_KEY, list]]));
}

/**
 * Check a revocation list (format terbit-revocations/2) against its
 * district's keys: signed by a key of the district, its readable fields
 * exactly the signed ones. Returns {issuer, sequence, updatedAt,
 * nextUpdate, entries, digest}.
 */
export function verifyRevocations(r, keys, district) {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new TrustError('revocation list: not an object');
  if (r.format !== REVOCATION_FORMAT) {
    const f = typeof r.format === 'string' ? r.format.slice(0, 40) : typeof r.format;
    throw new TrustError(`revocation list: unknown format ${JSON.stringify(f)} (this page reads ${REVOCATION_FORMAT} only)`);
  }
  onlyFields(r, REV_FIELDS, [], 'revocation list');
  if (r.issuer !== district) throw new TrustError(`revocation list: it is issuer ${String(r.issuer).slice(0, 8)}'s`);
  const cose = fromHex(r.cose);
  if (!cose) throw new TrustError('revocation list: field `cose` is not hex');
  let env;
  try {
    env = parseEnvelope(cose);
  } catch (e) {
    throw new TrustError(`revocation list: ${e.message}`);
  }
  const key = keys.find((k) => k.kid === hex(env.kid));
  if (!key) throw new TrustError(`revocation list: kid ${hex(env.kid)} is not in the trust list`);
  let ok = false;
  try {
    ok = ed25519.verify(env.signature, sigStructure(env.protectedBytes, env.payload), key.publicKey, { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok) throw new TrustError('revocation list: signature does not verify');
  if (key.issuer !== r.issuer) throw new TrustError(`revocation list: signed by a key of issuer ${key.issuer}, not ${r.issuer}`);
  const edited = () => new TrustError('revocation list: the readable fields differ from the signed ones (the file was edited after signing)');
  // The readable `kid` is for people, as in terbit's reader: the envelope's kid is the one checked.
  const seqOk = typeof r.sequence === 'number' && Number.isSafeInteger(r.sequence) && r.sequence >= 1;
  const updatedAt = parseTime(r.updated_at);
  const nextUpdate = parseTime(r.next_update);
  if (!seqOk || updatedAt === null || nextUpdate === null || !Array.isArray(r.entries)) throw edited();
  const entries = r.entries.map((e) => {
    onlyFields(e, ENTRY_KEYS, ['superseded_by'], 'revocation entry');
    if (!['revoked', 'superseded'].includes(e.status)) throw new TrustError('revocation list: unknown status');
    for (const f of ['document_number', 'reason', 'since']) if (typeof e[f] !== 'string') throw new TrustError('revocation list: malformed entry');
    const by = e.superseded_by === undefined ? null : e.superseded_by;
    if (by !== null && typeof by !== 'string') throw new TrustError('revocation list: malformed entry');
    return { document_number: e.document_number, status: e.status, superseded_by: by, reason: e.reason, since: e.since };
  });
  if (!bytesEqual(revocationPayload(r.issuer, updatedAt, r.sequence, nextUpdate, entries), env.payload)) throw edited();
  // As RevocationList::check: a revoked key signs no list (whoever stole it
  // could un-revoke documents with a higher number); a retired key's lists
  // stand for the time it signed in.
  const again = 'the district signs its revocation list again with its current key (`terbit revoke` or the nightly run)';
  if (key.status === 'revoked') throw new TrustError(`revocation list: key ${key.kid} that signed it is revoked: ${again}`);
  if (updatedAt < key.notBefore || (key.notAfter !== null && updatedAt >= key.notAfter)) {
    throw new TrustError(`revocation list: it is dated ${rfc3339(updatedAt)}, outside the signing window of key ${key.kid}: ${again}`);
  }
  if (key.status === 'retired') {
    const newer = keys.find((k) => k.issuer === key.issuer && k.kid !== key.kid && k.notBefore > key.notBefore && k.notBefore <= updatedAt);
    if (newer) throw new TrustError(`revocation list: it is dated ${rfc3339(updatedAt)}, after key ${newer.kid} took over from the retired key ${key.kid} that signed it: ${again}`);
  }
  if (BigInt(r.sequence) > MAX_SEQUENCE) throw edited();
  return { issuer: r.issuer, sequence: BigInt(r.sequence), updatedAt, nextUpdate, entries, digest: hex(sha256(env.payload)) };
}

export function parseFingerprint(s) {
  if (typeof s !== 'string') return null;
  let t = s.trim();
  if (t.startsWith('sha256:') || t.startsWith('SHA256:')) t = t.slice(7);
  t = t.replace(/[: ]/g, '');
  const b = fromHex(t);
  return b && b.length === 32 ? hex(b) : null;
}

/**
 * Check a whole bundle (Bundle::verify): every district against its own
 * pin, its revocation lists against its keys. Any failure refuses all.
 * `now` (epoch seconds) marks stale lists.
 */
export function loadBundle(bundle, now) {
  if (bundle === null || typeof bundle !== 'object' || bundle.format !== 'terbit-bundle/1') throw new TrustError('not a trust bundle (format terbit-bundle/1)');
  onlyFields(bundle, ['format', 'districts'], [], 'bundle');
  if (!Array.isArray(bundle.districts)) throw new TrustError('bundle: districts is not a list');
  const districts = [];
  const keys = [];
  const pdfCerts = [];
  const tsaCerts = [];
  const owner = new Map();
  const revocations = new Map();
  for (const d of bundle.districts) {
    onlyFields(d, ['district', 'root_fingerprint', 'trust', 'revocations'], [], 'bundle entry');
    const name = String(d.district).slice(0, 8);
    if (districts.some((v) => v.district === d.district)) throw new TrustError(`district ${name} appears twice`);
    const pin = parseFingerprint(d.root_fingerprint);
    if (!pin) throw new TrustError(`district ${name}: root_fingerprint is not a SHA-256 fingerprint`);
    let v;
    try {
      v = verifyTrustList(d.trust, pin);
    } catch (e) {
      throw new TrustError(`district ${name}: ${e.message}`);
    }
    if (v.district !== d.district) throw new TrustError(`the entry for district ${name} holds district ${v.district}'s list`);
    for (const k of v.keys) {
      if (owner.has(k.kid)) throw new TrustError(`key ${k.kid} is listed by districts ${owner.get(k.kid)} and ${v.district}`);
      owner.set(k.kid, v.district);
    }
    if (!Array.isArray(d.revocations)) throw new TrustError(`district ${name}: revocations is not a list`);
    // At most one revocation list per issuer: two would leave open which one holds.
    if (d.revocations.length > 1) throw new TrustError(`district ${name}: the bundle holds ${d.revocations.length} revocation lists of issuer ${name}: a bundle holds at most one per issuer`);
    const lists = [];
    for (const r of d.revocations) {
      let checked;
      try {
        checked = verifyRevocations(r, v.keys, d.district);
      } catch (e) {
        throw new TrustError(`district ${name}: ${e.message}`);
      }
      for (const e of checked.entries) revocations.set(`${checked.issuer}\u0000${e.document_number}`, e);
      lists.push({ ...checked, stale: BigInt(now) > checked.nextUpdate });
    }
    keys.push(...v.keys);
    pdfCerts.push(...v.pdfCerts);
    tsaCerts.push(...v.tsaCerts);
    districts.push({ ...v, stale: BigInt(now) > v.nextUpdate, revocationLists: lists });
  }
  return { districts, keys, revocations, pdfCerts, tsaCerts };
}

/**
 * Trust from readable key entries and revocation entries already trusted
 * (the test vectors' form; a page always loads a signed bundle).
 */
export function trustFromEntries(entries, revocations = []) {
  const keys = entries.map((e, i) => decodeKey(e, i));
  const map = new Map();
  for (const [issuer, e] of revocations) map.set(`${issuer}\u0000${e.document_number}`, { superseded_by: null, ...e });
  return { districts: [], keys, revocations: map, pdfCerts: [], tsaCerts: [] };
}
