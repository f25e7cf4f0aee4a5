// The page's answers for PDF files, for tests/pades.rs to compare with
// terbit's own, reason by reason. Input on stdin: {"bundle": {...}, "now":
// s, "files": [paths]}. Output: one JSON array of {qr, verdict, reason,
// code} per file: the QR's own verdict, then the file's, as the page's
// onPdf judges it (every QR of the file; the first decides here).
import { readFileSync } from 'node:fs';
import { verifyText, loadBundle } from '../src/core.js';
import { qrMatrices, looksLikeQr } from '../src/pdf.js';
import { readMatrix } from '../src/qr.js';
import { checkFileSignature, judgeFileSignature } from '../src/pades.js';
import { readArchive, judgeRenewals, firstStamp } from '../src/archive.js';
import { reasonCode } from '../src/pdf_reasons.js';

const input = JSON.parse(readFileSync(0, 'utf8'));
const trust = loadBundle(input.bundle, input.now);
const out = [];
for (const file of input.files) {
  const whole = new Uint8Array(readFileSync(file));
  // As the page's onPdf: a renewed file is its sealed part and its renewals.
  const read = await readArchive(whole);
  const archive = read.why ? { sealedLen: whole.length, renewals: [] } : read;
  const bytes = whole.subarray(0, archive.sealedLen);
  const texts = (await qrMatrices(bytes)).filter((m) => looksLikeQr(m.size, m.dark)).map((m) => readMatrix(m.size, m.dark));
  const sig = checkFileSignature(bytes);
  const r = texts.length ? verifyText(texts[0], trust) : null;
  let problem = r && r.claims ? judgeFileSignature(sig, trust.pdfCerts, trust.tsaCerts, r.claims.issuer, r.claims.issuedAt) : null;
  if (!problem && r && r.claims && sig.state === 'holds') problem = judgeRenewals(archive, trust.tsaCerts, r.claims.issuer, firstStamp(sig, trust.tsaCerts, r.claims.issuer)).why || null;
  out.push({ qr: r ? r.verdict : null, verdict: problem ? 'invalid' : r ? r.verdict : 'unreadable', reason: problem, code: problem ? reasonCode(problem) : null });
}
process.stdout.write(JSON.stringify(out));
