// A newer signed trust bundle given to the page as a file (src/update.js):
// accepted only when every list verifies against the roots the page pins
// and none is older than the one in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as F from './fixtures.mjs';
import { verifyText } from '../src/core.js';
import { applyUpdate, parseUpdate, UpdateRefused } from '../src/update.js';

const NOW = F.NOV_23 + 3600;
const refuses = (page, inUse, offered, code, re) =>
  assert.throws(() => applyUpdate(page, inUse, offered, NOW), (e) => e instanceof UpdateRefused && e.code === code && re.test(e.message), `${code} ${re}`);

test('a newer list of a pinned district is taken; its revocations too', () => {
  const d = F.district();
  const key2 = F.dk1Key('second', '3506');
  const list2 = F.trustList(d.root, '3506', [d.key, key2], { sequence: 2, issuedAt: F.NOV_23 + 86400 });
  const revs2 = F.revocationList(d.key, [{ document_number: '3506-A', status: 'revoked', superseded_by: null, reason: 'lost', since: '2026-11-25' }], { sequence: 2, updatedAt: F.NOV_23 + 2 * 86400 });
  const u = applyUpdate(d.bundle, d.bundle, F.bundle({ root: d.root, list: list2, revocations: [revs2] }), NOW);
  assert.deepEqual(u.newer, ['3506']);
  assert.equal(u.trust.districts[0].sequence, 2n);
  assert.equal(verifyText(F.dk1Text(key2, '3506-X'), u.trust).verdict, 'genuine');
  assert.equal(verifyText(F.dk1Text(d.key, '3506-A'), u.trust).verdict, 'revoked');
  // Given again: nothing newer.
  refuses(d.bundle, u.bundle, F.bundle({ root: d.root, list: list2, revocations: [revs2] }), 'same', /nothing in this file is newer/);
  // The older list after the newer one: refused, naming both numbers.
  refuses(d.bundle, u.bundle, d.bundle, 'older', /list no\. 1 is not newer than no\. 2 in use/);
});

test('a file without a revocation list keeps the one in use', () => {
  const d = F.district();
  const list2 = F.trustList(d.root, '3506', [d.key], { sequence: 2 });
  const u = applyUpdate(d.bundle, d.bundle, F.bundle({ root: d.root, list: list2 }), NOW);
  assert.equal(verifyText(F.dk1Text(d.key, '3506-D'), u.trust).verdict, 'revoked');
  assert.equal(u.trust.districts[0].revocationLists[0].sequence, 1n);
});

test('an older revocation list, or one dated before the one in use, is refused', () => {
  const d = F.district('3506', { revocations: { sequence: 3, updatedAt: F.NOV_23 + 3 * 86400 } });
  const list2 = F.trustList(d.root, '3506', [d.key], { sequence: 2 });
  const older = F.revocationList(d.key, [], { sequence: 2, updatedAt: F.NOV_23 + 4 * 86400 });
  refuses(d.bundle, d.bundle, F.bundle({ root: d.root, list: list2, revocations: [older] }), 'older', /revocation list no\. 2 is not newer than no\. 3/);
  const backdated = F.revocationList(d.key, [], { sequence: 4, updatedAt: F.NOV_23 + 2 * 86400 });
  refuses(d.bundle, d.bundle, F.bundle({ root: d.root, list: list2, revocations: [backdated] }), 'older', /revocation list no\. 4 is not newer than no\. 3/);
});

test('a list signed by a root the page does not pin, or of a district it does not pin, is refused', () => {
  const d = F.district();
  const other = F.districtRoot('3506', { label: 'stolen' });
  const forged = F.trustList(other, '3506', [d.key], { sequence: 9 });
  refuses(d.bundle, d.bundle, F.bundle({ root: other, list: forged }), 'unpinned', /not by the root this page pins/);
  const e = F.district('3527');
  refuses(d.bundle, d.bundle, e.bundle, 'unpinned', /district 3527 is not one this page pins/);
});

test('a tampered file is refused and nothing changes', () => {
  const d = F.district();
  const list2 = F.trustList(d.root, '3506', [d.key], { sequence: 2 });
  const b = F.bundle({ root: d.root, list: list2 });
  const sig = structuredClone(b);
  const c = sig.districts[0].trust.cose;
  sig.districts[0].trust.cose = c.slice(0, 100) + (c[100] === '0' ? '1' : '0') + c.slice(101);
  refuses(d.bundle, d.bundle, sig, 'signature', /./);
  const seq = structuredClone(b);
  seq.districts[0].trust.sequence = 7;
  refuses(d.bundle, d.bundle, seq, 'signature', /edited after signing/);
  const pin = structuredClone(b);
  pin.districts[0].root_fingerprint = F.districtRoot('3506', { label: 'p' }).fingerprint;
  refuses(d.bundle, d.bundle, pin, 'signature', /not a pinned root/);
  assert.throws(() => parseUpdate('{"format":'), (e) => e.code === 'format');
  refuses(d.bundle, d.bundle, { format: 'terbit-trust/2' }, 'format', /not a trust bundle/);
});
