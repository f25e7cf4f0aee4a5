// Several QR codes in one picture: each is found (jsQR finds one at a time;
// the found one is painted over and the picture read again, at most 4 passes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as F from './fixtures.mjs';
import { scanAll, MAX_PASSES } from '../src/qr.js';

/** An RGBA picture with the given QR matrices side by side (4 px a module), on white. */
function picture(texts, { cell = 4, gap = 40 } = {}) {
  const ms = texts.map((t) => F.qrMatrix(t));
  const h = Math.max(...ms.map((m) => m.size)) * cell + 2 * gap;
  const w = ms.reduce((a, m) => a + m.size * cell + gap, gap);
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  let x0 = gap;
  for (const m of ms) {
    for (let y = 0; y < m.size * cell; y++) {
      for (let x = 0; x < m.size * cell; x++) {
        if (!m.dark[Math.floor(y / cell) * m.size + Math.floor(x / cell)]) continue;
        const o = ((gap + y) * w + x0 + x) * 4;
        data[o] = data[o + 1] = data[o + 2] = 0;
      }
    }
    x0 += m.size * cell + gap;
  }
  return { data, width: w, height: h };
}

const d = F.district();
const A = F.dk1Text(d.key, '3506-A');
const B = F.dk1Text(d.key, '3506-B');
const C = F.dk1Text(d.key, '3506-C');

test('one QR: one text', () => {
  assert.deepEqual(scanAll(picture([A])), [A]);
});

test('two and three DK1 QRs in one picture: every one found', () => {
  assert.deepEqual(new Set(scanAll(picture([A, B]))), new Set([A, B]));
  assert.deepEqual(new Set(scanAll(picture([A, B, C]))), new Set([A, B, C]));
});

test('bounded: at most 4 passes', () => {
  const texts = Array.from({ length: 6 }, (_, i) => F.dk1Text(d.key, `3506-${i}`));
  const found = scanAll(picture(texts, { cell: 3, gap: 24 }));
  assert.equal(MAX_PASSES, 4);
  assert.ok(found.length <= MAX_PASSES, `${found.length}`);
  const t0 = performance.now();
  scanAll({ data: new Uint8ClampedArray(1600 * 1200 * 4).fill(255), width: 1600, height: 1200 });
  assert.ok(performance.now() - t0 < 10000, `${performance.now() - t0} ms for a blank 1600×1200 picture`);
});

test('no QR: nothing', () => {
  const blank = { data: new Uint8ClampedArray(200 * 200 * 4).fill(255), width: 200, height: 200 };
  assert.deepEqual(scanAll(blank), []);
});
