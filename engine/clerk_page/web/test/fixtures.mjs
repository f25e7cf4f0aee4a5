// Test fixtures made in JavaScript, independent of the terbit binary:
// DK1 keys and QR texts (Ed25519 COSE_Sign1), district roots (self-signed
// P-256 X.509), signed trust lists and revocation lists (format
// terbit-revocations/2), bundles, PDF-signing certificates and signed PDFs
// (PAdES B-B, and B-T with an RFC 3161 token, as terbit writes them) with their QR drawn as 1-bit images.
// The formats are engine/dk1/README.md's.

import { deflateSync } from 'node:zlib';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import qrgen from 'qrcode-generator';
import { CborMap, encode, sigStructure } from '../src/cbor.js';
import { hex, rfc3339, revocationPayload } from '../src/core.js';
import { find } from '../src/pades.js';

export const enc = new TextEncoder();
export const concat = (parts) => {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const fromHex = (s) => Uint8Array.from(s.match(/../g) || [], (x) => parseInt(x, 16));
const b64 = (b) => Buffer.from(b).toString('base64');
const seed = (label) => sha256(enc.encode(label));

// ---- Base45 ----

const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
export function base45(b) {
  let s = '';
  for (let i = 0; i < b.length; i += 2) {
    if (i + 1 < b.length) {
      let n = b[i] * 256 + b[i + 1];
      s += B45[n % 45];
      n = Math.floor(n / 45);
      s += B45[n % 45] + B45[Math.floor(n / 45)];
    } else {
      s += B45[b[i] % 45] + B45[Math.floor(b[i] / 45)];
    }
  }
  return s;
}

// ---- DK1 ----

export function dk1Key(label, issuer = '3506', extra = {}) {
  const secret = seed(`dk1 ${label}`);
  const publicKey = ed25519.getPublicKey(secret);
  const kid = sha256(concat([Uint8Array.of(0xa3, 0x01, 0x01, 0x20, 0x06, 0x21, 0x58, 0x20), publicKey])).slice(0, 8);
  const entry = {
    kid: hex(kid),
    issuer,
    alg: 'EdDSA',
    public_key: hex(publicKey),
    not_before: '2026-01-01T00:00:00Z',
    not_after: null,
    status: 'active',
    revoked_from: null,
    ...extra,
  };
  return { secret, publicKey, kid, issuer, entry };
}

export function sign1(key, payload) {
  const prot = encode(new CborMap([[1n, -8n], [4n, key.kid]]));
  const sig = ed25519.sign(sigStructure(prot, payload), key.secret);
  return concat([Uint8Array.of(0xd2), encode([prot, new CborMap([]), payload, sig])]);
}

export const NOV_23 = 1795392000; // 2026-11-23T00:00:00Z

/** The claims of document `number` (a birth record), deterministic CBOR. */
export function claimsPayload(key, number, { issuer = key.issuer, issuedAt = NOV_23, name = 'SITI AMINAH' } = {}) {
  const record = new CborMap([[1n, 1n], [2n, number], [3n, '3506012301260001'], [4n, name], [7n, rfc3339(issuedAt).slice(0, 10)]]);
  return encode(new CborMap([[1n, issuer], [6n, BigInt(issuedAt)], [-65537n, record]]));
}

/** A DK1 QR text for document `number` (a birth record). */
export function dk1Text(key, number, opts = {}) {
  return `DK1:${base45(sign1(key, claimsPayload(key, number, opts)))}`;
}

// ---- DER ----

function derLen(n) {
  if (n < 128) return [n];
  if (n < 256) return [0x81, n];
  if (n < 65536) return [0x82, n >> 8, n & 255];
  return [0x83, n >> 16, (n >> 8) & 255, n & 255];
}
export const der = (tag, ...parts) => {
  const body = concat(parts);
  return concat([Uint8Array.of(tag, ...derLen(body.length)), body]);
};
const seq = (...p) => der(0x30, ...p);
const set = (...p) => der(0x31, ...p);
const oid = (h) => der(0x06, fromHex(h));
const int = (n) => der(0x02, Uint8Array.of(n));
const OIDS = { ecdsaSha256: '2a8648ce3d040302', ecPublicKey: '2a8648ce3d0201', p256: '2a8648ce3d030107', cn: '550403', o: '55040a', c: '550406', ou: '55040b', data: '2a864886f70d010701', signedData: '2a864886f70d010702', sha256: '608648016503040201', contentType: '2a864886f70d010903', messageDigest: '2a864886f70d010904' };

function time(epoch) {
  const d = new Date(epoch * 1000).toISOString();
  const s = d.slice(0, 19).replace(/[-T:]/g, '');
  const y = Number(s.slice(0, 4));
  return y < 2050 ? der(0x17, enc.encode(`${s.slice(2)}Z`)) : der(0x18, enc.encode(`${s}Z`));
}

function name(cn, o = 'KABUPATEN TEST', ou = null) {
  const rdn = (id, tag, v) => set(seq(oid(id), der(tag, enc.encode(v))));
  return seq(rdn(OIDS.cn, 0x0c, cn), rdn(OIDS.o, 0x0c, o), ...(ou ? [rdn(OIDS.ou, 0x0c, ou)] : []), rdn(OIDS.c, 0x13, 'ID'));
}

/** A P-256 certificate for `subject` signed by `issuer` ({secret, name}); self-signed when issuer is null; `extensions` (DER Extension elements) in [3]. */
function certificate({ secret, subject, issuer, serial, notBefore, notAfter, extensions = [] }) {
  const pub = p256.getPublicKey(secret, false);
  const spki = seq(seq(oid(OIDS.ecPublicKey), oid(OIDS.p256)), der(0x03, Uint8Array.of(0), pub));
  const exts = extensions.length ? [der(0xa3, seq(...extensions))] : [];
  const tbs = seq(der(0xa0, int(2)), int(serial), seq(oid(OIDS.ecdsaSha256)), issuer ? issuer.name : subject, seq(time(notBefore), time(notAfter)), subject, spki, ...exts);
  const sig = p256.sign(tbs, issuer ? issuer.secret : secret, { prehash: true, format: 'der' });
  return { der: seq(tbs, seq(oid(OIDS.ecdsaSha256)), der(0x03, Uint8Array.of(0), sig)), pub, serial };
}

/** A district root: CN `terbit district root <district>` unless `cn` says otherwise. */
export function districtRoot(district, { cn = `terbit district root ${district}`, label = district } = {}) {
  const secret = seed(`root ${label}`).slice();
  const subject = name(cn);
  const cert = certificate({ secret, subject, issuer: null, serial: 1, notBefore: 1767225600, notAfter: 2398377600 });
  return { district, secret, name: subject, der: cert.der, pub: cert.pub, fingerprint: hex(sha256(cert.der)) };
}

/** The office's PDF-signing certificate, certified by `root`. */
export function pdfCertificate(root, { notBefore = 1767225600, notAfter = 2398377600, label = 'pdf' } = {}) {
  const secret = seed(`pdf ${root.district} ${label}`).slice();
  const subject = name(`Dinas Kependudukan dan Pencatatan Sipil TEST`, 'TEST', `terbit document signing ${root.district}`);
  const c = certificate({ secret, subject, issuer: root, serial: 7, notBefore, notAfter });
  return { secret, der: c.der, serial: 7, issuerName: root.name, root };
}

/**
 * A time-stamp authority's certificate, certified by `root`, as
 * engine/trust/tsa.rs makes it: extended key usage timeStamping alone,
 * critical (`eku`: 'tsa'; 'noncritical' or 'none' for one that is not a
 * time-stamp authority's).
 */
export function tsaCertificate(root, { notBefore = 1767225600, notAfter = 2398377600, label = 'tsa', eku = 'tsa' } = {}) {
  const secret = seed(`tsa ${root.district} ${label}`).slice();
  const subject = name(`Time-stamp authority TEST ${label}`, 'TEST', `terbit time-stamping ${root.district}`);
  const usage = der(0x04, seq(oid('2b06010505070308')));
  const extensions = eku === 'none' ? [] : [seq(oid('551d25'), ...(eku === 'tsa' ? [der(0x01, Uint8Array.of(0xff))] : []), usage)];
  const c = certificate({ secret, subject, issuer: root, serial: 9, notBefore, notAfter, extensions });
  return { secret, der: c.der, serial: 9, issuerName: root.name, root };
}

/** A GeneralizedTime's text for epoch seconds (`YYYYMMDDHHMMSSZ`). */
const genTime = (epoch) => `${new Date(epoch * 1000).toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`;
const byBytes = (a, b) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};

/**
 * An RFC 3161 token by `tsa` stamping the signature value `signature` at
 * `at`, as engine/pdf/stamp.rs writes one. `tst` replaces the TSTInfo's
 * fields after the version ({policy, imprint, serial, time, extra}).
 */
export function stampToken(tsa, signature, at, tst = {}) {
  const imprint = tst.imprint ?? sha256(signature);
  const serial = sha256(concat([enc.encode('terbit tst serial'), imprint, enc.encode(genTime(at))])).slice(0, 16);
  serial[0] = (serial[0] & 0x7f) | 0x40;
  const info = seq(int(1), oid(tst.policy ?? '6981de9d8e94c7c5f2bcf59a9f9fa5b8f8b99411'), seq(seq(oid(OIDS.sha256)), der(0x04, imprint)), der(0x02, serial), der(0x18, enc.encode(tst.time ?? genTime(at))), ...(tst.extra ?? []));
  const attrs = [
    seq(oid(OIDS.contentType), set(oid('2a864886f70d0109100104'))),
    seq(oid(OIDS.messageDigest), set(der(0x04, sha256(info)))),
    seq(oid('2a864886f70d010910022f'), set(seq(seq(seq(der(0x04, sha256(tsa.der))))))),
  ].sort(byBytes);
  const sig = p256.sign(set(...attrs), tsa.secret, { prehash: true, format: 'der' });
  const signerInfo = seq(int(1), seq(tsa.issuerName, int(tsa.serial)), seq(oid(OIDS.sha256)), der(0xa0, ...attrs), seq(oid(OIDS.ecdsaSha256)), der(0x04, sig));
  const encap = seq(oid('2a864886f70d0109100104'), der(0xa0, der(0x04, info)));
  const sd = seq(int(3), set(seq(oid(OIDS.sha256))), encap, der(0xa0, tsa.der), set(signerInfo));
  return seq(oid(OIDS.signedData), der(0xa0, sd));
}

/** The unsigned attributes `[1] { signature-time-stamp-token { token } }` (pdf/stamp.rs, `unsigned_attributes`). */
export const stampAttributes = (token) => der(0xa1, seq(oid('2a864886f70d010910020e'), set(token)));

// ---- signed lists and bundles ----

function rootSign(root, payload) {
  const prot = encode(new CborMap([[1n, -7n], [4n, fromHex(root.fingerprint).slice(0, 8)]]));
  const sig = p256.sign(sigStructure(prot, payload), root.secret, { prehash: true, format: 'compact' });
  return concat([Uint8Array.of(0xd2), encode([prot, new CborMap([]), payload, sig])]);
}

const STATUS = { active: 1n, retired: 2n, revoked: 3n };
const t = (s) => (s === null || s === undefined ? null : BigInt(Date.parse(s) / 1000));

/** A signed trust list (terbit-trust/2) of `district` under `root`. */
export function trustList(root, district, keys, { sequence = 1, issuedAt = NOV_23, nextUpdate = NOV_23 + 30 * 86400, pdfCerts = [], tsaCerts = [] } = {}) {
  const entries = keys.map((k) => [fromHex(k.entry.kid), k.entry.issuer, k.publicKey, t(k.entry.not_before), t(k.entry.not_after), STATUS[k.entry.status], t(k.entry.revoked_from)]);
  // Time-stamp authorities (key 5) only when there are some, as engine/trust/list.rs signs them.
  const body = new CborMap([[1n, BigInt(sequence)], [2n, BigInt(nextUpdate)], [3n, entries], [4n, pdfCerts.map((c) => c.der)], ...(tsaCerts.length ? [[5n, tsaCerts.map((c) => c.der)]] : [])]);
  const payload = encode(new CborMap([[1n, district], [6n, BigInt(issuedAt)], [-65540n, body]]));
  return {
    format: 'terbit-trust/2',
    district,
    sequence,
    issued_at: rfc3339(issuedAt),
    next_update: rfc3339(nextUpdate),
    keys: keys.map((k) => k.entry),
    pdf_certificates: pdfCerts.map((c) => b64(c.der)),
    ...(tsaCerts.length ? { tsa_certificates: tsaCerts.map((c) => b64(c.der)) } : {}),
    root_certificate: b64(root.der),
    cose: hex(rootSign(root, payload)),
  };
}

/** A signed revocation list (terbit-revocations/2). */
export function revocationList(key, entries, { sequence = 1, updatedAt = NOV_23 + 86400, nextUpdate = NOV_23 + 8 * 86400 } = {}) {
  const sorted = [...entries].sort((a, b) => (a.document_number < b.document_number ? -1 : 1)).map((e) => ({ superseded_by: null, ...e }));
  const payload = revocationPayload(key.issuer, updatedAt, sequence, nextUpdate, sorted);
  return {
    format: 'terbit-revocations/2',
    issuer: key.issuer,
    kid: hex(key.kid),
    sequence,
    updated_at: rfc3339(updatedAt),
    next_update: rfc3339(nextUpdate),
    entries: sorted,
    cose: hex(sign1(key, payload)),
  };
}

export function bundle(...districts) {
  return { format: 'terbit-bundle/1', districts: districts.map(({ root, list, revocations = [] }) => ({ district: list.district, root_fingerprint: root.fingerprint, trust: list, revocations })) };
}

/** A district with a key, a PDF certificate, a list and a bundle; documents 3506-A (genuine), -B (superseded by -C), -D (revoked). */
export function district(code = '3506', opts = {}) {
  const root = districtRoot(code, opts.root);
  const key = dk1Key(`${code} ${opts.label ?? ''}`, code);
  const pdf = pdfCertificate(root);
  const list = trustList(root, code, [key], { pdfCerts: [pdf], ...(opts.list || {}) });
  const revs = revocationList(
    key,
    [
      { document_number: `${code}-B`, status: 'superseded', superseded_by: `${code}-C`, reason: 'name corrected', since: '2026-11-24' },
      { document_number: `${code}-D`, status: 'revoked', superseded_by: null, reason: 'forged evidence', since: '2026-11-24' },
    ],
    opts.revocations || {},
  );
  return { root, key, pdf, list, revs, bundle: bundle({ root, list, revocations: [revs] }) };
}

// ---- QR matrices and PDFs ----

/** The module matrix of `text` (alphanumeric, level Q), with a 4-module quiet zone as terbit draws it. */
export function qrMatrix(text, quiet = 4) {
  const q = qrgen(0, 'Q');
  q.addData(text, /^[0-9A-Z $%*+\-./:]*$/.test(text) ? 'Alphanumeric' : 'Byte');
  q.make();
  const n = q.getModuleCount();
  const size = n + 2 * quiet;
  const dark = new Uint8Array(size * size);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) dark[(y + quiet) * size + x + quiet] = q.isDark(y, x) ? 1 : 0;
  return { size, dark };
}

/** 1-bit DeviceGray rows (0 = black) of a matrix. */
export function imageBits({ size, dark }) {
  const row = Math.ceil(size / 8);
  const out = new Uint8Array(row * size).fill(0xff);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (dark[y * size + x]) out[y * row + (x >> 3)] &= ~(0x80 >> (x & 7));
  return out;
}

/**
 * A PDF with one page per QR text, each drawing its QR as an image XObject
 * named QR. Options: `indirectLength` (every stream's /Length an indirect
 * object), `sign` ({cert, at}) a PAdES signature.
 */
export function makePdf(texts, { indirectLength = false, sign = null } = {}) {
  const objs = []; // [num, bytes of the object body]
  let next = 1;
  const alloc = () => next++;
  const catalog = alloc();
  const pages = alloc();
  const pageNums = [];
  const add = (num, body) => objs.push([num, typeof body === 'string' ? enc.encode(body) : body]);
  const stream = (num, dict, data) => {
    if (indirectLength) {
      const ln = alloc();
      add(num, concat([enc.encode(`<< ${dict} /Length ${ln} 0 R >>\nstream\n`), data, enc.encode('\nendstream')]));
      add(ln, `${data.length}`);
    } else add(num, concat([enc.encode(`<< ${dict} /Length ${data.length} >>\nstream\n`), data, enc.encode('\nendstream')]));
  };
  let sigNum = null;
  if (sign) sigNum = alloc();
  for (const text of texts) {
    const page = alloc();
    const content = alloc();
    const img = alloc();
    pageNums.push(page);
    const m = qrMatrix(text);
    add(page, `<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /QR ${img} 0 R >> >> /Contents ${content} 0 R${sign && pageNums.length === 1 ? ` /Annots [${sigNum + 0} 0 R]` : ''} >>`);
    stream(content, '', enc.encode('q 150 0 0 150 400 650 cm /QR Do Q'));
    stream(img, `/Type /XObject /Subtype /Image /Width ${m.size} /Height ${m.size} /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode`, deflateSync(imageBits(m)));
  }
  add(catalog, `<< /Type /Catalog /Pages ${pages} 0 R${sign ? ` /AcroForm << /Fields [${sigNum} 0 R] /SigFlags 3 >>` : ''} >>`);
  add(pages, `<< /Type /Pages /Kids [${pageNums.map((p) => `${p} 0 R`).join(' ')}] /Count ${pageNums.length} >>`);
  const CONTENTS = 4096;
  if (sign) {
    add(sigNum, `<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [0 0 0 0] /F 132 /P ${pageNums[0]} 0 R /V << /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M(D:20261123000000Z) /ByteRange [0 0000000000 0000000000 0000000000] /Contents <${'0'.repeat(CONTENTS * 2)}> >> >>`);
  }
  objs.sort((a, b) => a[0] - b[0]);
  const parts = [enc.encode('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')];
  let off = parts[0].length;
  const offsets = new Map();
  for (const [num, body] of objs) {
    offsets.set(num, off);
    const p = concat([enc.encode(`${num} 0 obj\n`), body, enc.encode('\nendobj\n')]);
    parts.push(p);
    off += p.length;
  }
  const xref = [`xref\n0 ${next}\n0000000000 65535 f \n`];
  for (let i = 1; i < next; i++) xref.push(`${String(offsets.get(i)).padStart(10, '0')} 00000 n \n`);
  xref.push(`trailer\n<< /Size ${next} /Root ${catalog} 0 R >>\nstartxref\n${off}\n%%EOF\n`);
  parts.push(enc.encode(xref.join('')));
  let pdf = concat(parts);
  if (sign) pdf = signPdf(pdf, sign.cert, CONTENTS);
  return pdf;
}

/** Fill a PDF's placeholder /ByteRange and /Contents with a CMS signature by `cert`. */
function signPdf(pdf, cert, size) {
  const br = find(pdf, '/ByteRange [');
  const lt = find(pdf, '/Contents <', br) + '/Contents '.length;
  const gt = lt + 1 + size * 2;
  const range = [0, lt, gt + 1, pdf.length - gt - 1];
  const text = `[${range.join(' ')}`.padEnd('[0 0000000000 0000000000 0000000000'.length, ' ');
  pdf.set(enc.encode(text), br + '/ByteRange '.length);
  const h = sha256.create();
  h.update(pdf.subarray(0, lt));
  h.update(pdf.subarray(gt + 1));
  const cms = cmsSignedData(h.digest(), cert, { highS: cert.highS, noEss: cert.noEss, carried: cert.carried, unsigned: cert.unsigned });
  if (cms.length > size) throw new Error('signature too large');
  pdf.set(enc.encode(hex(cms)), lt + 1);
  return pdf;
}

/**
 * A CMS SignedData as terbit signs a PDF. `unsigned(signatureValue)`, when
 * given, returns the signer info's unsigned attributes (see stampAttributes).
 */
export function cmsSignedData(digest, cert, { highS = false, noEss = false, carried = [cert.root.der], unsigned = null } = {}) {
  // signing-certificate-v2 naming the signer's certificate (SHA-256), as terbit signs with a district root's key.
  const essV2 = seq(oid('2a864886f70d010910022f'), set(seq(seq(seq(der(0x04, sha256(cert.der)))))));
  const attrs = [seq(oid(OIDS.contentType), set(oid(OIDS.data))), seq(oid(OIDS.messageDigest), set(der(0x04, digest))), ...(noEss ? [] : [essV2])];
  const signed = set(...attrs);
  let sig = p256.sign(signed, cert.secret, { prehash: true, format: 'der' });
  if (highS) {
    // The same signature with n − s: valid under ECDSA, not the form terbit writes.
    const s0 = p256.Signature.fromBytes(sig, 'der');
    sig = new p256.Signature(s0.r, p256.Point.CURVE().n - s0.s).toBytes('der');
  }
  const signerInfo = seq(int(1), seq(cert.issuerName, int(cert.serial)), seq(oid(OIDS.sha256)), der(0xa0, ...attrs), seq(oid(OIDS.ecdsaSha256)), der(0x04, sig), ...(unsigned ? [unsigned(sig)] : []));
  const sd = seq(int(1), set(seq(oid(OIDS.sha256))), seq(oid(OIDS.data)), der(0xa0, cert.der, ...carried), set(signerInfo));
  return seq(oid(OIDS.signedData), der(0xa0, sd));
}
