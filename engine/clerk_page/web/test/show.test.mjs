// The page shows escaped exactly the characters terbit's Rust side does:
// src/hidden.js is generated from engine/util/escape.rs (a Rust test fails
// when it is stale); here it is checked against the JavaScript engine's own
// Unicode properties and the sample list the Rust tests read too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HIDDEN, isHidden, shown } from '../src/show.js';
import { FORMAT } from '../src/hidden.js';

const inTable = (table, cp) => table.some(([lo, hi]) => cp >= lo && cp <= hi);

test("the table is Unicode's Cc, Cf, Zl, Zp and Default_Ignorable_Code_Point", () => {
  const prop = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]$/u;
  const cf = /^\p{Cf}$/u;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    if (isHidden(cp) !== prop.test(c) || inTable(HIDDEN, cp) !== isHidden(cp)) assert.fail(`U+${cp.toString(16)}: hidden ${isHidden(cp)}`);
    if (inTable(FORMAT, cp) !== cf.test(c)) assert.fail(`U+${cp.toString(16)}: FORMAT is not Cf`);
  }
});

test('the sample list the Rust tests read (engine/util/escape_samples.txt)', () => {
  const text = readFileSync(fileURLToPath(new URL('../../../util/escape_samples.txt', import.meta.url)), 'utf8');
  let count = 0;
  for (const raw of text.split('\n')) {
    const line = raw.split('#')[0].trim();
    if (!line) continue;
    const m = /^U\+([0-9A-F]+)(?:\.\.U\+([0-9A-F]+))?\s+(hidden|shown|format)$/.exec(line);
    assert.ok(m, `escape_samples.txt: ${line}`);
    const [lo, hi] = [parseInt(m[1], 16), parseInt(m[2] ?? m[1], 16)];
    for (let cp = lo; cp <= hi; cp++) {
      const c = String.fromCodePoint(cp);
      const hex = cp.toString(16).toUpperCase().padStart(4, '0');
      assert.equal(isHidden(cp), m[3] !== 'shown', `U+${hex} ${m[3]}`);
      assert.equal(inTable(FORMAT, cp), m[3] === 'format', `U+${hex} ${m[3]}`);
      assert.equal(shown(`a${c}b`), m[3] === 'shown' ? `a${c}b` : `a\\u{${hex}}b`);
    }
    count++;
  }
  assert.ok(count > 20);
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
