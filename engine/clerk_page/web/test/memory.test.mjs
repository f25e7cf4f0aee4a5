// Rollback memory: trust list sequence and digest per district and root,
// revocation list sequence per issuer, the root per district.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as F from './fixtures.mjs';
import { loadBundle } from '../src/core.js';
import { checkMemory, emptyMemory, parseMemory } from '../src/memory.js';

const NOW = F.NOV_23 + 3600;
const districts = (b) => loadBundle(b, NOW).districts;
const d1 = F.district('3506');
const listSeq = (seq, revSeq, root = d1.root) => {
  const list = F.trustList(root, '3506', [d1.key], { sequence: seq, pdfCerts: [d1.pdf] });
  const revs = F.revocationList(d1.key, [], { sequence: revSeq });
  return F.bundle({ root, list, revocations: [revs] });
};
const run = (mem, b, accepted) => checkMemory(mem, districts(b), accepted);
const roundTrip = (m) => parseMemory(JSON.stringify(m), null).memory;

test('first sight is remembered; the same data again is fine', () => {
  const r = run(emptyMemory(), d1.bundle);
  assert.equal(r.error, null);
  assert.equal(r.memory.roots['3506'], d1.root.fingerprint);
  assert.equal(r.memory.revocations['3506'].sequence, '1');
  assert.equal(run(roundTrip(r.memory), d1.bundle).error, null);
});

test('an older trust list after a newer one is refused; a different list of the same number too', () => {
  let m = run(emptyMemory(), listSeq(5, 1)).memory;
  assert.match(run(m, listSeq(4, 1)).error, /trust list is no. 4, but this browser has already seen no. 5 \(a rolled-back list\)/);
  const other = F.trustList(d1.root, '3506', [d1.key], { sequence: 5, pdfCerts: [], issuedAt: F.NOV_23 + 1 });
  assert.match(run(m, F.bundle({ root: d1.root, list: other, revocations: [F.revocationList(d1.key, [], { sequence: 1 })] })).error, /differs from the no. 5 seen before/);
  m = run(m, listSeq(6, 1)).memory;
  assert.equal(m.lists[`3506:${d1.root.fingerprint}`].sequence, '6');
});

test('an older revocation list after a newer one is refused, not ignored', () => {
  const m = run(emptyMemory(), listSeq(1, 3)).memory;
  const r = run(m, listSeq(2, 2));
  assert.match(r.error, /issuer 3506: this page's revocation list is no. 2, but this browser has already seen no. 3 \(a rolled-back revocation list/);
  // A page without the district's revocation list after one was seen: refused as well.
  const none = F.bundle({ root: d1.root, list: F.trustList(d1.root, '3506', [d1.key], { sequence: 2 }) });
  assert.match(run(m, none).error, /carries no revocation list, but this browser has already seen no. 3/);
  // The same number with other contents.
  const same = F.bundle({ root: d1.root, list: F.trustList(d1.root, '3506', [d1.key], { sequence: 2 }), revocations: [F.revocationList(d1.key, [{ document_number: 'X', status: 'revoked', reason: 'r', since: '2026-11-24' }], { sequence: 3 })] });
  assert.match(run(m, same).error, /revocation list no. 3 differs from the no. 3 seen before/);
  // Newer is fine.
  assert.equal(run(m, listSeq(2, 4)).error, null);
  // Numbered higher but dated before the one seen: refused (also after a round trip).
  const early = F.bundle({ root: d1.root, list: F.trustList(d1.root, '3506', [d1.key], { sequence: 2 }), revocations: [F.revocationList(d1.key, [], { sequence: 9, updatedAt: F.NOV_23 })] });
  assert.match(run(roundTrip(m), early).error, /is dated before the no. 3 seen before/);
});

test('a new root for a district is refused naming both fingerprints, until the clerk accepts it', () => {
  const m = run(emptyMemory(), d1.bundle).memory;
  const root2 = F.districtRoot('3506', { label: 'second root' });
  const b2 = F.bundle({ root: root2, list: F.trustList(root2, '3506', [d1.key]), revocations: [d1.revs] });
  const r = run(m, b2);
  const g = (fp) => fp.match(/.{4}/g).join(' ');
  assert.match(r.error, /district 3506: this page's root is not the one this browser saw before/);
  assert.ok(r.error.includes(`before: SHA-256 ${g(d1.root.fingerprint)}`), r.error);
  assert.ok(r.error.includes(`now: SHA-256 ${g(root2.fingerprint)}`), r.error);
  assert.deepEqual(r.rootChanges, [{ district: '3506', before: d1.root.fingerprint, now: root2.fingerprint }]);
  assert.equal(r.memory, m, 'nothing remembered from a refused page');
  const ok = run(m, b2, new Set(['3506']));
  assert.equal(ok.error, null);
  assert.equal(ok.memory.roots['3506'], root2.fingerprint);
  // And the old root is now the changed one.
  assert.match(run(ok.memory, d1.bundle).error, /root is not the one this browser saw before/);
});

test('stored memory: damaged text is said to be damaged; the first page\'s memory is carried over', () => {
  assert.deepEqual(parseMemory('{not json', null), { memory: emptyMemory(), damaged: true });
  assert.equal(parseMemory('[1]', null).damaged, true);
  assert.equal(parseMemory(null, null).damaged, false);
  const fp = d1.root.fingerprint;
  const old = JSON.stringify({ [`3506:${fp}`]: { sequence: '7', digest: 'ab' } });
  const { memory } = parseMemory(null, old);
  assert.equal(memory.roots['3506'], fp);
  assert.match(run(memory, listSeq(6, 1)).error, /rolled-back list/);
});
