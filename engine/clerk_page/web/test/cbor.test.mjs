// Strict CBOR (src/cbor.js, the cbor2 library in its strict mode): the
// page refuses exactly the inputs terbit's Rust side refuses
// (engine/dk1/strict.rs), over the sample list both read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as F from './fixtures.mjs';
import { decodeAll, encode, CborMap } from '../src/cbor.js';
import { verifyText, trustFromEntries, fromHex } from '../src/core.js';

test('the sample list the Rust tests read (engine/dk1/strict_samples.txt)', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../dk1/strict_samples.txt', import.meta.url)), 'utf8');
  let n = 0;
  for (const raw of text.split('\n')) {
    const line = raw.split('#')[0].trim();
    if (!line) continue;
    const [hex, what] = line.split(/\s+/);
    const bytes = fromHex(hex);
    let ok = true;
    try {
      decodeAll(bytes, 16);
    } catch {
      ok = false;
    }
    assert.equal(ok, what === 'ok', `${hex} ${what}`);
    n++;
  }
  assert.ok(n > 15);
});

test('the encoder writes the deterministic form, keys length-first', () => {
  const hex = (b) => Buffer.from(b).toString('hex');
  assert.equal(hex(encode(new CborMap([[100n, 2n], [-1n, 1n]]))), 'a22001186402');
  assert.equal(hex(encode(new CborMap([[-65537n, 'x'], [6n, 1n], [1n, 'a']]))), 'a301616106013a000100006178');
  assert.equal(hex(encode([23n, 24n, 2n ** 64n - 1n, -(2n ** 64n)])), '841718181bffffffffffffffff3bffffffffffffffff');
});

test('claims in another encoding, signed by a genuine key, are not genuine', () => {
  const key = F.dk1Key('strict');
  const trust = trustFromEntries([key.entry]);
  const good = F.dk1Text(key, '3506-A');
  assert.equal(verifyText(good, trust).verdict, 'genuine');
  // The same claims with the map's head written long: signed, yet refused.
  const payload = F.claimsPayload(key, '3506-A');
  const long = F.concat([Uint8Array.of(0xb8, payload[0] - 0xa0), payload.slice(1)]);
  const indefinite = F.concat([Uint8Array.of(0xbf), payload.slice(1), Uint8Array.of(0xff)]);
  for (const p of [long, indefinite]) {
    const r = verifyText(`DK1:${F.base45(F.sign1(key, p))}`, trust);
    assert.equal(r.verdict, 'invalid', r.reason);
    assert.match(r.reason, /payload is not valid claims: not deterministic CBOR/);
  }
  // The genuine envelope with its array head written long.
  const cose = F.sign1(key, payload);
  const other = F.concat([Uint8Array.of(0xd2, 0x98, 0x04), cose.slice(2)]);
  const r = verifyText(`DK1:${F.base45(other)}`, trust);
  assert.equal(r.verdict, 'invalid');
  assert.match(r.reason, /not a tagged COSE_Sign1 structure: not deterministic CBOR/);
});
