// The page shows escaped exactly the characters terbit's Rust side does:
// the table is read from engine/util/show.rs and compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HIDDEN, isHidden, shown } from '../src/show.js';

const showRs = readFileSync(fileURLToPath(new URL('../../../util/show.rs', import.meta.url)), 'utf8');

/** The `matches!(c as u32, …)` list in show.rs's function `name`, as inclusive ranges. */
function rustList(name) {
  const body = new RegExp(`pub fn ${name}\\(c: char\\) -> bool \\{([\\s\\S]*?)\\n\\}`).exec(showRs);
  assert.ok(body, `${name} not found in show.rs`);
  const list = /matches!\(c as u32,([\s\S]*?)\)\s*$/.exec(body[1].trim());
  assert.ok(list, `the matches! list of ${name} not found`);
  const ranges = [];
  for (const item of list[1].split('|')) {
    const m = /^\s*0x([0-9A-Fa-f]+)(?:\s*\.\.=\s*0x([0-9A-Fa-f]+))?\s*$/.exec(item);
    assert.ok(m, `unexpected item in show.rs: ${item}`);
    ranges.push([parseInt(m[1], 16), parseInt(m[2] ?? m[1], 16)]);
  }
  return { src: body[1], ranges };
}

/** show.rs's `is_hidden` as inclusive ranges: `c.is_control()` (Cc), `is_format(c)` and its own list. */
function rustTable() {
  const hidden = rustList('is_hidden');
  assert.match(hidden.src, /^\s*c\.is_control\(\)\s*\|\|\s*is_format\(c\)\s*\|\|\s*matches!/, 'is_hidden is no longer Cc || is_format || a list: update this test');
  return [[0x00, 0x1f], [0x7f, 0x9f], ...rustList('is_format').ranges, ...hidden.ranges];
}

const normal = (ranges) => {
  const r = [...ranges].sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const [lo, hi] of r) {
    if (out.length && lo <= out[out.length - 1][1] + 1) out[out.length - 1][1] = Math.max(out[out.length - 1][1], hi);
    else out.push([lo, hi]);
  }
  return out;
};

test("the page's table of escaped characters is show.rs's", () => {
  assert.deepEqual(normal(HIDDEN), normal(rustTable()));
});

test('every code point: hidden exactly when show.rs says so', () => {
  const rust = normal(rustTable());
  const inRust = (cp) => rust.some(([lo, hi]) => cp >= lo && cp <= hi);
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (isHidden(cp) !== inRust(cp)) assert.fail(`U+${cp.toString(16)}`);
  }
});

test("the table is Unicode's Cc, Cf, Zl, Zp and Default_Ignorable_Code_Point", () => {
  const prop = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]$/u;
  const cf = /^\p{Cf}$/u;
  const format = normal(rustList('is_format').ranges);
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (isHidden(cp) !== prop.test(c)) assert.fail(`U+${cp.toString(16)}: hidden ${isHidden(cp)}`);
    if (format.some(([lo, hi]) => cp >= lo && cp <= hi) !== cf.test(c)) assert.fail(`U+${cp.toString(16)}: is_format is not Cf`);
  }
});

test('shown() writes \\u{XXXX} as the Rust side does', () => {
  assert.equal(shown('SITI AMINAH'), 'SITI AMINAH');
  assert.equal(shown('Łucja Zoë 李'), 'Łucja Zoë 李');
  assert.equal(shown('\u001b[2J\u001b[HGENUINE'), '\\u{001B}[2J\\u{001B}[HGENUINE');
  assert.equal(shown('AB\u202eCD'), 'AB\\u{202E}CD');
  assert.equal(shown('A\u200bB\ufeff\r\n'), 'A\\u{200B}B\\u{FEFF}\\u{000D}\\u{000A}');
  assert.equal(shown(shown('\u0007x')), shown('\u0007x'));
  // The ones the page used to miss.
  assert.equal(shown('a\u034fb\u3164c\ufe0fd'), 'a\\u{034F}b\\u{3164}c\\u{FE0F}d');
  assert.equal(shown('x\u{e0041}\u{e007f}'), 'x\\u{E0041}\\u{E007F}');
  assert.equal(shown('\u{1d173}'), '\\u{1D173}');
  // A lone surrogate is never shown raw.
  assert.equal(shown('a\ud800b'), 'a\\u{D800}b');
});
