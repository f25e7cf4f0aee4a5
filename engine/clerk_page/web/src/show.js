// Untrusted text as a person may see it: control and Unicode format
// characters written as `\u{XXXX}`, exactly as terbit's Rust side does
// (engine/util/show.rs, `is_hidden` and `shown`; test/show.test.mjs reads
// that file and requires the same table, and Unicode's own properties). A forged QR can then neither
// reorder what the page shows (direction overrides) nor hide characters in
// a name (invisible fillers, variation selectors, tag characters).

/**
 * Code point ranges shown escaped, inclusive: show.rs's rule — Unicode's
 * Cc, Cf, Zl, Zp and Default_Ignorable_Code_Point (`is_hidden`, with
 * `is_format` for Cf).
 */
export const HIDDEN = [
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x0600, 0x0605],
  [0x061c, 0x061c],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x0890, 0x0891],
  [0x08e2, 0x08e2],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfffb],
  [0x110bd, 0x110bd],
  [0x110cd, 0x110cd],
  [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
];

export function isHidden(cp) {
  for (const [lo, hi] of HIDDEN) if (cp >= lo && cp <= hi) return true;
  return false;
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
