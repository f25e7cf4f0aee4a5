// Verdicts of the page's core for QR texts, for tests/verifier.rs to compare
// with terbit's own. Input on stdin: {"trust": [key entries], "revocations":
// [[issuer, entry]], "texts": [...]} or {"bundle": {...}, "now": s, "texts": [...]}.
// Output: one JSON array of {verdict, reason, fields}.
import { readFileSync } from 'node:fs';
import { verifyText, trustFromEntries, loadBundle } from '../src/core.js';

const input = JSON.parse(readFileSync(0, 'utf8'));
let trust;
try {
  trust = input.bundle ? loadBundle(input.bundle, input.now ?? 0) : trustFromEntries(input.trust, input.revocations ?? []);
} catch (e) {
  process.stdout.write(JSON.stringify({ refused: e.message }));
  process.exit(0);
}
const out = input.texts.map((t) => {
  const r = verifyText(t, trust);
  return { verdict: r.verdict, reason: r.reason, fields: r.fields.map(([en, , v]) => [en, v]) };
});
process.stdout.write(JSON.stringify(out));
