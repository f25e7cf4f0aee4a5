// Untrusted text is read in linear time: no pattern that backtracks over
// long runs (a text of line ends, digits, dots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as F from './fixtures.mjs';
import { loadBundle, verifyText, parseTime, fromHex, fromBase64 } from '../src/core.js';
import { textLines, namedLikePicture } from '../src/files.js';
import { shown } from '../src/show.js';

const d = F.district();
const trust = loadBundle(d.bundle, F.NOV_23);

// Not a speed target (those live in bench/): a hang guard. Each input is
// long enough (about a million characters) that a pattern backtracking
// over it would take hours; a linear reader takes well under a second,
// and 30 s leaves room for a machine busy with other tests.
const quick = (what, f, ms = 30000) => {
  const t0 = performance.now();
  f();
  const took = performance.now() - t0;
  assert.ok(took < ms, `${what}: ${took.toFixed(0)} ms`);
};

test('trailing line ends are cut off; a long run of them mid-text costs linear time', () => {
  assert.equal(verifyText(`${F.dk1Text(d.key, '3506-A')}\r\n\n`, trust).verdict, 'genuine');
  quick('line ends', () => assert.equal(verifyText(`${'\r'.repeat(300000)}x`, trust).verdict, 'invalid'));
  quick('line ends 2', () => assert.equal(verifyText(`${'\r\n'.repeat(150000)}x`, trust).verdict, 'invalid'));
});

test('times, hex, Base64, file names, text files, shown(): linear', () => {
  const digits = '1'.repeat(1 << 20);
  quick('time', () => assert.equal(parseTime(digits), null));
  quick('hex', () => assert.equal(fromHex(`${'a'.repeat(1 << 20)}g`), null));
  quick('base64', () => assert.equal(fromBase64(`${'A'.repeat(1 << 20)}===`), null));
  quick('name', () => assert.equal(namedLikePicture('.'.repeat(1 << 20)), false));
  quick('text', () => assert.equal(textLines(new Uint8Array(1 << 22).fill(0x0d)).length, 0));
  quick('shown', () => assert.equal(shown('\u202e'.repeat(1 << 18)).length, 8 << 18));
});
