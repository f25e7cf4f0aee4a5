// Reading PDFs: a real parser (xref tables and streams, object streams,
// indirect /Length, incremental updates: the newest revision wins) or a
// clear refusal; bounded linearly. And no GENUINE without the file's own
// signature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import * as F from './fixtures.mjs';
import { qrMatrices, looksLikeQr, PdfRefused, MAX_IMAGES } from '../src/pdf.js';
import { readMatrix } from '../src/qr.js';
import { checkFileSignature, judgeFileSignature, NOT_SIGNED } from '../src/pades.js';
import { loadBundle, verifyText } from '../src/core.js';

const d = F.district();
const trust = loadBundle(d.bundle, F.NOV_23 + 3600);
const A = F.dk1Text(d.key, '3506-A');
const D = F.dk1Text(d.key, '3506-D');
const texts = async (pdf) => (await qrMatrices(pdf)).filter((m) => looksLikeQr(m.size, m.dark)).map((m) => readMatrix(m.size, m.dark));

/** The page's verdict on a PDF (ui.js's onPdf without the page): per QR, the QR's verdict judged with the file's signature. */
async function verdicts(pdf) {
  const sig = checkFileSignature(pdf);
  return (await texts(pdf)).map((t) => {
    const r = verifyText(t, trust);
    const problem = r.claims ? judgeFileSignature(sig, trust.pdfCerts, trust.tsaCerts, r.claims.issuer, r.claims.issuedAt) : null;
    return problem ? { verdict: 'invalid', reason: problem, qr: r.verdict } : { verdict: r.verdict };
  });
}

const qpdf = (() => {
  try {
    execFileSync('qpdf', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(path.join(tmpdir(), 'terbit-pdf-'));
function resave(pdf, args) {
  const a = path.join(dir, 'in.pdf');
  const b = path.join(dir, 'out.pdf');
  writeFileSync(a, pdf);
  try {
    execFileSync('qpdf', [...args, a, b], { stdio: 'ignore' });
  } catch (e) {
    if (e.status !== 3) throw e; // 3: warnings
  }
  return new Uint8Array(readFileSync(b));
}

test('a signed PDF as terbit writes it: genuine, revoked', async () => {
  const pdf = F.makePdf([A, D], { sign: { cert: d.pdf } });
  assert.equal(checkFileSignature(pdf).state, 'holds');
  assert.deepEqual(await verdicts(pdf), [{ verdict: 'genuine' }, { verdict: 'revoked' }]);
});

test('an unsigned PDF is never genuine: "not signed", the QR alone still shown', async () => {
  const pdf = F.makePdf([A]);
  assert.equal(checkFileSignature(pdf).state, 'absent');
  const [v] = await verdicts(pdf);
  assert.equal(v.verdict, 'invalid');
  assert.equal(v.qr, 'genuine');
  assert.equal(v.reason, NOT_SIGNED);
  assert.match(v.reason, /not signed/);
  // Even when the trust data lists no PDF certificate at all for the issuer.
  assert.equal(judgeFileSignature({ state: 'absent' }, [], [], '3506', F.NOV_23), NOT_SIGNED);
  assert.equal(judgeFileSignature(undefined, [], [], '3506', F.NOV_23), NOT_SIGNED);
});

test('a signature that does not hold, or from a certificate not listed for the issuer at the issue time, is invalid', async () => {
  const pdf = F.makePdf([A], { sign: { cert: d.pdf } });
  const flipped = pdf.slice();
  flipped[300] ^= 1;
  const [f] = await verdicts(flipped).catch(() => [{ verdict: 'invalid', reason: 'unparsable' }]);
  assert.equal(f.verdict, 'invalid');
  assert.match(checkFileSignature(flipped).why, /changed after signing/);
  // Another district's certificate.
  const other = F.district('3527');
  const signedByOther = F.makePdf([A], { sign: { cert: other.pdf } });
  const both = loadBundle(F.bundle({ root: d.root, list: d.list, revocations: [d.revs] }, { root: other.root, list: other.list }), F.NOV_23);
  assert.match(judgeFileSignature(checkFileSignature(signedByOther), both.pdfCerts, both.tsaCerts, '3506', F.NOV_23), /district 3527's certificate/);
  // A certificate not in the trust data.
  assert.match(judgeFileSignature(checkFileSignature(signedByOther), trust.pdfCerts, trust.tsaCerts, '3506', F.NOV_23), /does not hold/);
  // Valid only later than the issue time.
  const late = F.pdfCertificate(d.root, { notBefore: F.NOV_23 + 86400, label: 'late' });
  const lateTrust = loadBundle(F.bundle({ root: d.root, list: F.trustList(d.root, '3506', [d.key], { pdfCerts: [late], sequence: 2 }) }), F.NOV_23);
  assert.match(judgeFileSignature(checkFileSignature(F.makePdf([A], { sign: { cert: late } })), lateTrust.pdfCerts, lateTrust.tsaCerts, '3506', F.NOV_23), /not valid when the document was issued/);
});

test('a second byte string for the same signature is refused, as terbit refuses it', () => {
  const pdf = F.makePdf([A], { sign: { cert: d.pdf } });
  assert.equal(checkFileSignature(pdf).state, 'holds');
  const text = new TextDecoder('latin1').decode(pdf);
  const lt = text.indexOf('/Contents <') + '/Contents <'.length;
  const gt = text.indexOf('>', lt);
  // /Contents in upper case.
  const upper = pdf.slice();
  upper.set(new TextEncoder().encode(text.slice(lt, gt).toUpperCase()), lt);
  assert.equal(checkFileSignature(upper).why, '/Contents is not a hex string');
  // The CMS's outer length in a longer form than needed (one padding byte taken).
  const cms = Uint8Array.from(text.slice(lt, gt).match(/../g).map((h) => parseInt(h, 16)));
  assert.equal(cms[1], 0x82);
  const long = F.concat([Uint8Array.of(0x30, 0x83, 0x00), cms.subarray(2, cms.length - 1)]);
  const longPdf = pdf.slice();
  longPdf.set(new TextEncoder().encode(Buffer.from(long).toString('hex')), lt);
  assert.equal(checkFileSignature(longPdf).why, "the signature's CMS is malformed: not DER");
  // The ECDSA signature with n − s.
  const high = F.makePdf([A], { sign: { cert: { ...d.pdf, highS: true } } });
  assert.match(checkFileSignature(high).why, /not in the low-s form terbit writes/);
});

test('the certificates a signature carries are the ones terbit writes: its district root alone, named by signing-certificate-v2', () => {
  const judge = (pdf) => judgeFileSignature(checkFileSignature(pdf), trust.pdfCerts, trust.tsaCerts, '3506', F.NOV_23);
  assert.equal(judge(F.makePdf([A], { sign: { cert: d.pdf } })), null);
  assert.equal(checkFileSignature(F.makePdf([A], { sign: { cert: { ...d.pdf, noEss: true } } })).why, "the signature's CMS is malformed: no signing-certificate-v2 attribute");
  // The root twice, another certificate beside it, or nothing: the file was altered.
  const other = F.district('3527');
  for (const carried of [[d.root.der, d.root.der], [d.root.der, other.root.der], []]) {
    assert.match(judge(F.makePdf([A], { sign: { cert: { ...d.pdf, carried } } })), /not its district root's alone, as terbit writes them/);
  }
});

test('indirect /Length is followed (was read as 1: "no QR code")', async () => {
  const pdf = F.makePdf([A, D], { indirectLength: true });
  assert.match(new TextDecoder('latin1').decode(pdf), /\/Length \d+ 0 R/);
  assert.deepEqual(await texts(pdf), [A, D]);
});

test('re-saved by qpdf (--qdf, object streams, xref streams, linearized): the QR is found, the file is invalid', { skip: !qpdf && 'no qpdf' }, async () => {
  const pdf = F.makePdf([A, D], { sign: { cert: d.pdf } });
  for (const args of [['--qdf'], ['--object-streams=generate'], ['--qdf', '--object-streams=generate'], ['--linearize'], ['--object-streams=generate', '--linearize']]) {
    const b = resave(pdf, args);
    assert.deepEqual(await texts(b), [A, D], args.join(' '));
    const v = await verdicts(b);
    assert.equal(v[0].verdict, 'invalid', args.join(' '));
    assert.equal(v[0].qr, 'genuine', args.join(' '));
    const found = await qrMatrices(b);
    if (args.includes('--object-streams=generate')) assert.match(found.resaved, /re-saved by another program/, args.join(' '));
  }
  // The qdf file itself has indirect lengths.
  assert.match(new TextDecoder('latin1').decode(resave(pdf, ['--qdf'])), /\/Length \d+ 0 R/);
});

test('an incremental update: the newest revision wins (and breaks the signature)', async () => {
  const pdf = F.makePdf([A], { sign: { cert: d.pdf } });
  const s = new TextDecoder('latin1').decode(pdf);
  // Replace the page's image (object 6) with D's QR in an appended revision.
  const img = /(\d+) 0 obj\n<< \/Type \/XObject \/Subtype \/Image/.exec(s)[1];
  const m = F.qrMatrix(D);
  const data = deflateSync(F.imageBits(m));
  const startxref = Number(/startxref\n(\d+)/.exec(s)[1]);
  const size = Number(/\/Size (\d+)/.exec(s)[1]);
  const obj = F.concat([F.enc.encode(`${img} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${m.size} /Height ${m.size} /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`), data, F.enc.encode('\nendstream\nendobj\n')]);
  const at = pdf.length;
  const xref = F.enc.encode(`xref\n${img} 1\n${String(at).padStart(10, '0')} 00000 n \ntrailer\n<< /Size ${size} /Root 1 0 R /Prev ${startxref} >>\nstartxref\n${at + obj.length}\n%%EOF\n`);
  const updated = F.concat([pdf, obj, xref]);
  assert.deepEqual(await texts(updated), [D]);
  assert.match(checkFileSignature(updated).why, /incremental update/);
  assert.match((await qrMatrices(updated)).resaved, /2 revisions/);
  const [v] = await verdicts(updated);
  assert.equal(v.verdict, 'invalid');
});

test('what cannot be followed is refused clearly, naming a re-save', async () => {
  const pdf = F.makePdf([A]);
  const noXref = pdf.slice(0, new TextDecoder('latin1').decode(pdf).lastIndexOf('startxref'));
  await assert.rejects(qrMatrices(noXref), (e) => e instanceof PdfRefused && /re-saved by another program/.test(e.message));
  const s = new TextDecoder('latin1').decode(pdf).replace(/startxref\n\d+/, 'startxref\n5');
  await assert.rejects(qrMatrices(F.enc.encode(s)), (e) => e instanceof PdfRefused && /re-saved by another program/.test(e.message));
  await assert.rejects(qrMatrices(new Uint8Array((16 << 20) + 1)), /larger than 16 MiB/);
});

/** A PDF of `n` pages each drawing its own (non-QR) 1-bit image. */
function manyImages(n) {
  const parts = ['%PDF-1.7\n'];
  const offsets = [];
  let off = parts[0].length;
  const add = (s) => {
    offsets.push(off);
    parts.push(s);
    off += s.length;
  };
  const kids = [];
  add('1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n');
  for (let i = 0; i < n; i++) kids.push(`${3 + 2 * i} 0 R`);
  add(`2 0 obj\n<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${n} >>\nendobj\n`);
  for (let i = 0; i < n; i++) {
    add(`${3 + 2 * i} 0 obj\n<< /Type /Page /Parent 2 0 R /Resources << /XObject << /I ${4 + 2 * i} 0 R >> >> >>\nendobj\n`);
    add(`${4 + 2 * i} 0 obj\n<< /Subtype /Image /Width 8 /Height 8 /BitsPerComponent 1 /Length 8 >>\nstream\n\x00\x01\x02\x03\x04\x05\x06\x07\nendstream\nendobj\n`);
  }
  const size = offsets.length + 1;
  parts.push(`xref\n0 ${size}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${off}\n%%EOF\n`);
  return new Uint8Array(Buffer.from(parts.join(''), 'latin1'));
}

test('bounded linearly: long digit runs, 2,500 images, overlapping objects', async () => {
  // Hang guards, not speed targets (those live in bench/): quadratic work
  // on these inputs takes hours (the unbounded reader took 60 s on 2,500
  // images); the bound leaves room for a machine busy with other tests.
  const GUARD = 30000;
  // 4 MiB of digits where objects are looked for: no pattern backtracks over them.
  const digits = F.concat([F.enc.encode('%PDF-1.7\n'), new Uint8Array(4 << 20).fill(0x31), F.enc.encode(' 0 obj << >>\nstartxref\n9\n%%EOF\n')]);
  let t0 = performance.now();
  await assert.rejects(qrMatrices(digits), PdfRefused);
  assert.ok(performance.now() - t0 < GUARD, `digits: ${performance.now() - t0} ms`);
  // More images than the bound: refused, quickly.
  t0 = performance.now();
  await assert.rejects(qrMatrices(manyImages(2500)), new RegExp(`more than ${MAX_IMAGES} images`));
  assert.ok(performance.now() - t0 < GUARD, `2,500 images: ${performance.now() - t0} ms`);
  // At the bound: read, none of them a QR (nothing to decode).
  t0 = performance.now();
  const found = await qrMatrices(manyImages(2000));
  assert.equal(found.filter((m) => looksLikeQr(m.size, m.dark)).length, 0);
  assert.ok(performance.now() - t0 < GUARD, `2,000 images: ${performance.now() - t0} ms`);
  // Every object of the xref pointing into one long string: the work is bounded, refused.
  const n = 3000;
  const head = '%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n';
  const xo = Array.from({ length: n }, (_, i) => `/I${i} ${10 + i} 0 R`).join(' ');
  const page = `3 0 obj\n<< /Type /Page /Resources << /XObject << ${xo} >> >> >>\nendobj\n`;
  const filler = `9 0 obj\n(${'x'.repeat(2 << 20)})\nendobj\n`;
  const base = head.length + page.length;
  let off = base + filler.length;
  const offs = new Map([[1, 9], [2, 9 + '1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'.length], [3, head.length]]);
  // Objects 10.. each `N 0 obj (` opening a string that ends only at the file's end.
  let tail = '';
  for (let i = 0; i < n; i++) {
    offs.set(10 + i, off + tail.length);
    tail += `${10 + i} 0 obj (`;
  }
  tail += 'x'.repeat(1 << 20) + ')'.repeat(n);
  const body = head + page + filler + tail + '\n';
  const size = 10 + n;
  const rows = ['0000000000 65535 f \n'];
  for (let i = 1; i < size; i++) rows.push(`${String(offs.get(i) ?? 0).padStart(10, '0')} 00000 ${offs.has(i) ? 'n' : 'f'} \n`);
  const file = Buffer.from(`${body}xref\n0 ${size}\n${rows.join('')}trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${body.length}\n%%EOF\n`, 'latin1');
  t0 = performance.now();
  await assert.rejects(qrMatrices(new Uint8Array(file)), /its objects overlap/);
  assert.ok(performance.now() - t0 < GUARD, `overlapping: ${performance.now() - t0} ms`);
});

test('a cross-reference stream whose entries have no bytes is refused at once', async () => {
  const index = Array.from({ length: 2000 }, () => '0 1000000').join(' ');
  const obj = `1 0 obj\n<< /Type /XRef /W [0 0 0] /Size 1000000 /Index [${index}] /Length 0 >>\nstream\n\nendstream\nendobj\n`;
  const file = F.enc.encode(`%PDF-1.7\n${obj}startxref\n9\n%%EOF\n`);
  const t0 = performance.now();
  await assert.rejects(qrMatrices(file), /entries of no bytes/);
  assert.ok(performance.now() - t0 < 2000);
});

test('the QR matrix reader reads every version terbit may draw', () => {
  for (const len of [20, 100, 300, 800, 1500]) {
    const t = `DK1:${'A'.repeat(len)}`;
    const m = F.qrMatrix(t);
    assert.ok(looksLikeQr(m.size, m.dark), `${len}`);
    assert.equal(readMatrix(m.size, m.dark), t, `${len}`);
  }
});
