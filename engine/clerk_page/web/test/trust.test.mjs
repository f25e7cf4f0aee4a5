// Trust data: roots bound to their district, revocation lists of format
// terbit-revocations/2 (sequence, next update; v1 refused), one list per issuer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as F from './fixtures.mjs';
import { loadBundle, verifyText, verifyRevocations, TrustError } from '../src/core.js';

const NOW = F.NOV_23 + 3600;
const refuses = (b, re, now = NOW) => assert.throws(() => loadBundle(b, now), (e) => e instanceof TrustError && re.test(e.message), re.toString());

test('a well-made bundle loads, and its verdicts hold', () => {
  const d = F.district();
  const t = loadBundle(d.bundle, NOW);
  assert.equal(t.districts.length, 1);
  assert.equal(verifyText(F.dk1Text(d.key, '3506-A'), t).verdict, 'genuine');
  const s = verifyText(F.dk1Text(d.key, '3506-B'), t);
  assert.equal(s.verdict, 'superseded');
  assert.equal(s.supersededBy, '3506-C');
  assert.equal(verifyText(F.dk1Text(d.key, '3506-D'), t).verdict, 'revoked');
  const r = t.districts[0].revocationLists[0];
  assert.equal(r.sequence, 1n);
  assert.equal(r.stale, false);
});

test('a root vouches only for its own district (its CN names it)', () => {
  // A list of 3506 under a root whose certificate says 3527.
  const root = F.districtRoot('3527', { label: 'x' });
  const key = F.dk1Key('k', '3506');
  const list = F.trustList(root, '3506', [key]);
  refuses(F.bundle({ root, list }), /the list claims district 3506, but its root certificate is district 3527's: a root vouches only for its own district/);
  // A root whose CN is not of the form `terbit district root <district>`.
  for (const cn of ['some CA', 'terbit district root', 'terbit district root 3506 ', 'TERBIT DISTRICT ROOT 3506', 'terbit district root 35060']) {
    const r2 = F.districtRoot('3506', { cn, label: cn });
    refuses(F.bundle({ root: r2, list: F.trustList(r2, '3506', [key]) }), /the list claims district 3506, but its root certificate names no district: a root vouches only for its own district/);
  }
  // The matching one loads.
  const ok = F.districtRoot('3506', { label: 'ok' });
  assert.equal(loadBundle(F.bundle({ root: ok, list: F.trustList(ok, '3506', [key]) }), NOW).districts[0].district, '3506');
});

test('revocation lists: format 2 only, every readable field the signed one', () => {
  const d = F.district();
  const keys = loadBundle(d.bundle, NOW).keys;
  const ok = verifyRevocations(d.revs, keys, '3506');
  assert.equal(ok.entries.length, 2);
  // v1 is an unknown format now.
  const v1 = { format: 'terbit-revocations/1', issuer: '3506', kid: d.revs.kid, updated_at: d.revs.updated_at, entries: d.revs.entries, cose: d.revs.cose };
  assert.throws(() => verifyRevocations(v1, keys, '3506'), /unknown format "terbit-revocations\/1"/);
  const edits = {
    sequence: 2,
    updated_at: '2026-11-24T00:00:01Z',
    next_update: '2026-12-02T00:00:00Z',
  };
  for (const [k, v] of Object.entries(edits)) {
    assert.throws(() => verifyRevocations({ ...d.revs, [k]: v }, keys, '3506'), /readable fields differ from the signed ones/, k);
  }
  const entries = structuredClone(d.revs.entries);
  entries[0].reason = 'other';
  assert.throws(() => verifyRevocations({ ...d.revs, entries }, keys, '3506'), /readable fields differ/);
  assert.throws(() => verifyRevocations({ ...d.revs, entries: [...d.revs.entries].reverse() }, keys, '3506'), /readable fields differ/);
  // Missing and unknown fields.
  for (const f of ['sequence', 'next_update', 'updated_at']) {
    const r = { ...d.revs };
    delete r[f];
    assert.throws(() => verifyRevocations(r, keys, '3506'), new RegExp(`missing field \`${f}\``));
  }
  assert.throws(() => verifyRevocations({ ...d.revs, extra: 1 }, keys, '3506'), /unknown field `extra`/);
  // Sequence: an integer 1 .. 2^53-1.
  for (const s of [0, -1, 1.5, '1', 2 ** 53, null]) {
    const k = F.district('3506', { revocations: { sequence: 1 } });
    assert.throws(() => verifyRevocations({ ...k.revs, sequence: s }, loadBundle(k.bundle, NOW).keys, '3506'), TrustError, String(s));
  }
  const big = F.district('3506', { revocations: { sequence: 2 ** 53 - 1 } });
  assert.equal(loadBundle(big.bundle, NOW).districts[0].revocationLists[0].sequence, 2n ** 53n - 1n);
  // Another issuer's list, a list signed by an unknown key.
  assert.throws(() => verifyRevocations(d.revs, keys, '3527'), /issuer 3506's/);
  const stranger = F.revocationList(F.dk1Key('stranger', '3506'), []);
  assert.throws(() => verifyRevocations(stranger, keys, '3506'), /is not in the trust list/);
});

test('a v1 revocation list in a bundle refuses the bundle', () => {
  const d = F.district();
  const b = structuredClone(d.bundle);
  b.districts[0].revocations[0].format = 'terbit-revocations/1';
  refuses(b, /district 3506: revocation list: unknown format/);
});

test('a bundle holds at most one revocation list per issuer', () => {
  const d = F.district();
  const second = F.revocationList(d.key, [], { sequence: 2 });
  const b = F.bundle({ root: d.root, list: d.list, revocations: [d.revs, second] });
  refuses(b, /holds 2 revocation lists of issuer 3506: a bundle holds at most one per issuer/);
});

test('a revocation list past its next update is stale: documents still verify', () => {
  const d = F.district();
  const late = F.NOV_23 + 9 * 86400; // past the revocation list's next update, not the trust list's
  const t = loadBundle(d.bundle, late);
  assert.equal(t.districts[0].stale, false);
  assert.equal(t.districts[0].revocationLists[0].stale, true);
  assert.equal(verifyText(F.dk1Text(d.key, '3506-A'), t).verdict, 'genuine');
  assert.equal(verifyText(F.dk1Text(d.key, '3506-D'), t).verdict, 'revoked');
});

test('a revoked key signs no revocation list; a retired one none dated after its window (as RevocationList::check)', () => {
  const d = F.district('3506');
  const keys = loadBundle(d.bundle, NOW).keys;
  const kid = keys[0].kid;
  const revoked = keys.map((k) => (k.kid === kid ? { ...k, status: 'revoked', revokedFrom: k.notBefore } : k));
  assert.throws(() => verifyRevocations(d.revs, revoked, '3506'), /that signed it is revoked/);
  const retired = keys.map((k) => (k.kid === kid ? { ...k, status: 'retired', notAfter: k.notBefore } : k));
  assert.throws(() => verifyRevocations(d.revs, retired, '3506'), /outside the signing window/);
  assert.doesNotThrow(() => verifyRevocations(d.revs, keys, '3506'));
  // A retired key whose successor had taken over by the list's date.
  const successor = { ...keys[0], kid: 'ffffffffffffffff', status: 'active', notBefore: keys[0].notBefore + 1n };
  const handedOver = [...keys.map((k) => (k.kid === kid ? { ...k, status: 'retired' } : k)), successor];
  assert.throws(() => verifyRevocations(d.revs, handedOver, '3506'), /took over from the retired key/);
});
