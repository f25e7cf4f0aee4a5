// What a picked file is, by its bytes (never by its name): a PDF, a PNG or
// JPEG picture (or another picture format the browser may open), or text —
// UTF-8 without control characters — read as DK1 texts one per line.
// A file named `.png` that holds text is text, and the page says so.

const starts = (b, sig) => sig.every((x, i) => b[i] === x);

/** 'pdf' | 'png' | 'jpeg' | 'image' | 'text' | 'unknown'. */
export function fileKind(bytes) {
  if (starts(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf';
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  // GIF, WebP: pictures a browser may open (anything else not text is tried as a picture too).
  if (starts(bytes, [0x47, 0x49, 0x46, 0x38]) || (starts(bytes, [0x52, 0x49, 0x46, 0x46]) && starts(bytes.subarray(8), [0x57, 0x45, 0x42, 0x50]))) return 'image';
  return textLines(bytes) === null ? 'unknown' : 'text';
}

/** The non-empty lines of a text file (trimmed), or null when the bytes are not text. */
export function textLines(bytes) {
  let s;
  try {
    s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  if (s.startsWith('\ufeff')) s = s.slice(1);
  // Text has no control characters but tab, line feed, form feed and carriage return.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(s)) return null;
  return s
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l);
}

/** Whether a file name says it is a picture. */
export const namedLikePicture = (name) => /\.(png|jpe?g|gif|webp|bmp|heic)$/i.test(String(name));
