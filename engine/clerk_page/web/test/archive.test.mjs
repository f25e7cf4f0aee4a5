// Renewed files (PAdES B-LTA): the page takes a file apart into its sealed
// part and its archive time-stamps exactly as terbit's Rust side does
// (engine/pdf/archive.rs, engine/verify/signature/archive.rs), on files
// terbit itself renewed (test/archive/, made by test/archive/make.sh): a
// renewal is accepted only as terbit writes it, and its stamp must hold,
// by an authority the district's list names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readArchive, judgeRenewals, firstStamp, archiveWords, prepare, finish, f32Text, MAX_RENEWALS } from '../src/archive.js';
import { checkFileSignature, judgeFileSignature, stampWords } from '../src/pades.js';
import { qrMatrices, looksLikeQr } from '../src/pdf.js';
import { readMatrix } from '../src/qr.js';
import { loadBundle, verifyText } from '../src/core.js';
import { reasonCode } from '../src/pdf_reasons.js';

const here = (f) => new Uint8Array(readFileSync(fileURLToPath(new URL(`./archive/${f}`, import.meta.url))));
const DOCUMENT = here('document.pdf');
const PRINT = here('print.pdf');
const NOW = Date.UTC(2036, 5, 2) / 1000;
const trust = loadBundle(JSON.parse(new TextDecoder().decode(here('bundle.json'))), NOW);
const enc = new TextEncoder();
const latin1 = (b) => new TextDecoder('latin1').decode(b);
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * The page's answer for a PDF (ui.js's onPdf without the page): the file
 * taken apart, every QR of its sealed part judged with the sealed part's
 * signature, then the renewals. [{verdict, reason, code}] per QR, and the
 * signature's words; or the whole file's refusal.
 */
async function answer(bytes) {
  const archive = await readArchive(bytes);
  if (archive.why) return { file: { verdict: 'invalid', reason: archive.why, code: reasonCode(archive.why) } };
  const sealed = bytes.subarray(0, archive.sealedLen);
  const texts = (await qrMatrices(sealed)).filter((m) => looksLikeQr(m.size, m.dark)).map((m) => readMatrix(m.size, m.dark));
  const sig = checkFileSignature(sealed);
  let words = '';
  const qrs = texts.map((t) => {
    const r = verifyText(t, trust);
    let problem = r.claims ? judgeFileSignature(sig, trust.pdfCerts, trust.tsaCerts, r.claims.issuer, r.claims.issuedAt) : null;
    if (!problem && r.claims && sig.state === 'holds') {
      const j = judgeRenewals(archive, trust.tsaCerts, r.claims.issuer, firstStamp(sig, trust.tsaCerts, r.claims.issuer));
      if (j.why) problem = j.why;
      else words = stampWords(sig, trust.tsaCerts) + archiveWords(j.renewed);
    }
    return problem ? { verdict: 'invalid', reason: problem, code: reasonCode(problem) } : { verdict: r.verdict };
  });
  return { qrs, words, renewals: archive.renewals.length };
}

/** Where each renewal of `bytes` starts and ends. */
async function revisions(bytes) {
  const a = await readArchive(bytes);
  assert.ok(!a.why, a.why);
  let at = a.sealedLen;
  return a.renewals.map((r) => {
    const span = [at, r.end];
    at = r.end;
    return span;
  });
}

const AUTHORITY = 'CN=Time-stamp authority Kabupaten Kediri,O=Kabupaten Kediri,OU=terbit time-stamping 3506,C=ID';

test("a document and a print file terbit renewed twice hold, in terbit's words", async () => {
  for (const [bytes, docs] of [
    [DOCUMENT, 1],
    [PRINT, 1],
  ]) {
    const a = await answer(bytes);
    assert.equal(a.renewals, 2);
    assert.deepEqual(a.qrs, Array(docs).fill({ verdict: 'genuine' }));
    // As `terbit verify` says it of the same file.
    assert.equal(
      a.words,
      `; time-stamped 2026-11-23T21:00:00Z by ${AUTHORITY} (named in district 3506's trust list): it existed by then; renewed (PAdES B-LTA) 2 time(s), last time-stamped 2036-06-01T11:00:00Z by ${AUTHORITY}`,
    );
  }
  // Each renewal was accepted only as the page's own `prepare` writes it, byte for byte, up to the file's end.
  const a = await readArchive(DOCUMENT);
  assert.equal(a.renewals[a.renewals.length - 1].end, DOCUMENT.length);
  assert.deepEqual(
    a.renewals.map((r) => [r.added.certs.length, r.added.crls.length, r.added.ocsps.length]),
    [
      [0, 0, 1],
      [1, 0, 1],
    ],
  );
  // The sealed file alone, and after the first renewal: as sealed.
  const [first] = await revisions(DOCUMENT);
  assert.deepEqual(await readArchive(DOCUMENT.subarray(0, first[0])), { sealedLen: first[0], renewals: [] });
  assert.equal((await answer(DOCUMENT.subarray(0, first[1]))).renewals, 1);
  assert.match((await answer(DOCUMENT.subarray(0, first[0]))).words, /it existed by then$/);
});

test('any byte of a renewal changed: refused, or its stamp no longer holds', async () => {
  const spans = await revisions(DOCUMENT);
  // The sealed part is the same in each (its own checks are pdf.test.mjs's and stamp.test.mjs's).
  const first = firstStamp(checkFileSignature(DOCUMENT.subarray(0, spans[0][0])), trust.tsaCerts, '3506');
  const judged = async (bytes) => {
    const a = await readArchive(bytes);
    const why = a.why || judgeRenewals(a, trust.tsaCerts, '3506', first).why;
    return { why, code: why ? reasonCode(why) : null };
  };
  assert.deepEqual(await judged(DOCUMENT), { why: undefined, code: null });
  const seen = new Set();
  for (const [start, end] of spans) {
    for (let i = start; i < end; i += 17) {
      const bad = DOCUMENT.slice();
      bad[i] ^= 0x01;
      const a = await judged(bad);
      const code = a.code;
      assert.ok(code === 'archive-altered' || code === 'archive-stamp-invalid', `byte ${i}: ${JSON.stringify(a)}`);
      seen.add(code);
    }
  }
  assert.deepEqual([...seen].sort(), ['archive-altered', 'archive-stamp-invalid']);
  // A byte of an added certificate (the token stamps it), of the token itself.
  const [, second] = spans;
  const text = latin1(DOCUMENT.subarray(second[0], second[1]));
  const cert = second[0] + text.indexOf('stream\n') + 7 + 40;
  const token = second[0] + text.indexOf('/Contents<') + 10 + 200;
  for (const i of [cert, token]) {
    const bad = DOCUMENT.slice();
    bad[i] = bad[i] === 0x61 ? 0x62 : i === token ? 0x61 : bad[i] ^ 0x01;
    const a = await answer(bad);
    assert.equal(a.qrs[0].code, 'archive-stamp-invalid', JSON.stringify(a));
    assert.match(a.qrs[0].reason, /^the file's archive time-stamp \(revision 3\) does not hold: /);
  }
});

test('junk appended, an object redefined, a renewal cut: refused by name', async () => {
  const altered = async (bytes, revision) => {
    const a = await answer(bytes);
    assert.equal(a.file && a.file.code, 'archive-altered', JSON.stringify(a));
    assert.match(a.file.reason, new RegExp(`^the file was changed after signing: what follows the signed file is not an archive time-stamp as terbit writes it \\(revision ${revision}\\): `));
    return a.file.reason;
  };
  await altered(concat(DOCUMENT, enc.encode('junk')), 4);
  await altered(concat(DOCUMENT, enc.encode('\n%%EOF\n')), 4);
  // A copy of the last renewal again: its objects are the next numbers', its xref another.
  const spans = await revisions(DOCUMENT);
  const [start, end] = spans[1];
  await altered(concat(DOCUMENT, DOCUMENT.subarray(start, end)), 4);
  // A renewal that also redefines the page tree (object 2).
  const pages = enc.encode('2 0 obj\n<</Type /Pages/Count 0/Kids []>>\nendobj\n');
  assert.match(await altered(concat(DOCUMENT.subarray(0, start), pages, DOCUMENT.subarray(start)), 3), /holds more, or other/);
  // More in the store than the validation data.
  const more = latin1(DOCUMENT.subarray(start)).replace('/Type/DSS', '/Type/DSS/VRI<<>>');
  await altered(concat(DOCUMENT.subarray(0, start), Uint8Array.from(more, (c) => c.charCodeAt(0))), 3);
  // Cut anywhere.
  for (const cut of [DOCUMENT.length - 1, DOCUMENT.length - 30, start + 10, spans[0][0] + 10]) await altered(DOCUMENT.subarray(0, cut), cut > start ? 3 : 2);
  // An incremental update on a file never renewed is no renewal either.
  await altered(concat(DOCUMENT.subarray(0, spans[0][0]), enc.encode('3 0 obj\n<<>>\nendobj\nxref\n')), 2);
});

test("a renewal's stamp: by a listed authority of the document's district, or refused", async () => {
  const a = await readArchive(DOCUMENT);
  const sig = checkFileSignature(DOCUMENT.subarray(0, a.sealedLen));
  const first = firstStamp(sig, trust.tsaCerts, '3506');
  assert.ok(first);
  assert.ok(judgeRenewals(a, trust.tsaCerts, '3506', first).renewed);
  const none = judgeRenewals(a, [], '3506', null);
  assert.equal(none.why, "the file's archive time-stamp (revision 2) is by an authority no district's trust list names");
  assert.equal(reasonCode(none.why), 'archive-stamp-invalid');
  const other = judgeRenewals(a, trust.tsaCerts.map((t) => ({ ...t, district: '3527' })), '3506', null);
  assert.equal(other.why, "the file's archive time-stamp (revision 2) is by district 3527's authority, but the document is issuer 3506's");
  const planted = judgeRenewals(a, trust.tsaCerts.map((t) => ({ ...t, forgedIssuer: true })), '3506', null);
  assert.match(planted.why, /planted under the district root's name/);
  // A stamp earlier than the one before it (by more than two hours).
  const early = judgeRenewals(a, trust.tsaCerts, '3506', { at: Date.UTC(2030, 0, 1) / 1000, notAfter: Date.UTC(2031, 0, 1) / 1000 });
  assert.equal(early.why, "the file's archive time-stamp (revision 2) (2028-03-01T11:00:00Z) is earlier than the time-stamp before it (2030-01-01T00:00:00Z): a stamp is never made before what it stamps");
  // Made after the previous stamp's certificate ended: noted as late.
  const late = judgeRenewals(a, trust.tsaCerts, '3506', { at: first.at, notAfter: first.at + 1 });
  assert.deepEqual(
    late.renewed.map((r) => r.late),
    [true, false],
  );
  assert.match(archiveWords(late.renewed), /\(1 of them made after the certificate of the stamp before it had ended: /);
});

test('a renewal whose token is not an authority\'s; more than 64 renewals', async () => {
  const [[sealedEnd]] = await revisions(DOCUMENT);
  let file = DOCUMENT.slice(0, sealedEnd);
  const token = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x07);
  const add = { certs: [enc.encode('CERT-2'), enc.encode('CERT-2')], crls: [], ocsps: [] };
  const once = finish(await prepare(file, add, 40), token);
  file = concat(file, once);
  const a = await readArchive(file);
  assert.equal(a.renewals.length, 1);
  assert.deepEqual(a.renewals[0].added.certs, [enc.encode('CERT-2')], 'a duplicate is stored once');
  const r = await answer(file);
  assert.equal(r.qrs[0].code, 'archive-stamp-invalid');
  assert.match(r.qrs[0].reason, /^the file's archive time-stamp \(revision 2\) does not hold: the signature's time-stamp is malformed/);
  // A token longer than its place, or followed by other bytes than zeros.
  await assert.rejects(async () => finish(await prepare(file, add, 2), token), /more than the 2 reserved/);
  const tail = latin1(once).replace(/\/Contents<3003020107/, '/Contents<3003020107aa');
  const bad = await readArchive(concat(DOCUMENT.subarray(0, sealedEnd), Uint8Array.from(tail.slice(0, tail.indexOf('/Contents<') + 10 + 80) + tail.slice(tail.indexOf('/Contents<') + 10 + 82), (c) => c.charCodeAt(0))));
  assert.match(bad.why, /followed by other bytes than padding/);
  for (let i = 1; i < MAX_RENEWALS; i++) file = concat(file, finish(await prepare(file, { certs: [], crls: [], ocsps: [] }, 8), token));
  assert.equal((await readArchive(file)).renewals.length, MAX_RENEWALS);
  // Anything after the 64th is not read: a 65th revision is refused as such.
  const over = concat(file, enc.encode('junk'));
  const why = (await readArchive(over)).why;
  assert.equal(why, 'more than 64 revisions were appended');
  assert.equal(reasonCode(why), 'archive-too-many');
});

test('hostile bytes after a signed range: refused, never a crash or a hang', async () => {
  const [[sealedEnd]] = await revisions(DOCUMENT);
  const sealed = DOCUMENT.subarray(0, sealedEnd);
  for (const junk of [
    '15 0 obj\n<</Length 99999999999>>stream\n',
    '15 0 obj\n<</Length 5>>stream\nab',
    '15 0 obj\n<</Type/DSS',
    `15 0 obj\n<</Type/DocTimeStamp/Contents<${'0'.repeat(300000)}>>>\nendobj\nxref\n`,
    '15 0 obj\n<</Type/DSS/Certs[1 0 R x 0 R]>>\nendobj\n16 0 obj\n<</Type/DocTimeStamp/Contents<3000>>>\nendobj\nxref\n',
    '15 0 obj\n<</Type/DSS>>\nendobj\n16 0 obj\n<</Type/DocTimeStamp/Contents<3000>>>\nendobj\nxref\n',
    '\u00ff\u00fe 0 obj\n',
    'x'.repeat(100000),
  ]) {
    const a = await readArchive(concat(sealed, Uint8Array.from(junk, (c) => c.charCodeAt(0))));
    assert.equal(reasonCode(a.why), 'archive-altered', junk.slice(0, 60));
  }
  // The first /ByteRange unreadable: the file is its sealed part alone (the signature check says what it is).
  const odd = enc.encode('%PDF-1.7\n/ByteRange [0 1 2 99]\n');
  assert.deepEqual(await readArchive(odd), { sealedLen: odd.length, renewals: [] });
});

test("a real as Rust's Display writes an f32", () => {
  for (const [x, s] of [
    [0.1, '0.1'],
    [1, '1'],
    [-0.5, '-0.5'],
    [3.14159265, '3.1415927'],
    [1e20, '100000000000000000000'],
    [1e-7, '0.0000001'],
    [-0, '-0'],
    [612, '612'],
    [0.00001234, '0.00001234'],
  ]) {
    assert.equal(f32Text(x), s, String(x));
  }
});
