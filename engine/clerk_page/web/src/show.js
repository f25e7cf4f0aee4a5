// Untrusted text as a person may see it: control and Unicode format
// characters written as `\u{XXXX}`, exactly as terbit's Rust side does
// (engine/util/show.rs, `is_hidden` and `shown`; test/show.test.mjs checks
// the table against Unicode's own properties). A forged QR can then neither
// reorder what the page shows (direction overrides) nor hide characters in
// a name (invisible fillers, variation selectors, tag characters).

// The table is generated from engine/util/escape.rs (hidden.js; a Rust test
// fails when it is stale): Unicode's Cc, Cf, Zl, Zp and
// Default_Ignorable_Code_Point, the same ranges terbit's Rust side uses.
import { HIDDEN } from './hidden.js';

export { HIDDEN };

export function isHidden(cp) {
  // Sorted, disjoint ranges: binary search.
  let lo = 0;
  let hi = HIDDEN.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (HIDDEN[mid][1] < cp) lo = mid + 1;
    else hi = mid;
  }
  return lo < HIDDEN.length && HIDDEN[lo][0] <= cp;
}

/** `s` with every hidden character written as `\u{XXXX}` (four hex digits at least, upper case). */
export function shown(s) {
  const t = String(s);
  let out = '';
  for (const ch of t) {
    const cp = ch.codePointAt(0);
    // A lone surrogate is no character: shown escaped too, never raw.
    if (isHidden(cp) || (cp >= 0xd800 && cp <= 0xdfff)) out += `\\u{${cp.toString(16).toUpperCase().padStart(4, '0')}}`;
    else out += ch;
  }
  return out;
}
