// Reading a QR code from pixels: the browser's own BarcodeDetector where it
// has one (Chrome on Android), else jsQR. A photo is tried at more than one
// scale: reduced to a size jsQR handles quickly, then enlarged ×2, which
// recovers most codes a first pass misses (the same finding as terbit's
// Rust reader, bench/RESULTS.md).
import jsQR from 'jsqr';

let detector = null;
try {
  if (typeof BarcodeDetector !== 'undefined') detector = new BarcodeDetector({ formats: ['qr_code'] });
} catch {
  detector = null;
}

function canvas(w, h) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(w, h);
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  return c;
}

/** Pixels of `source` (image, bitmap, video frame, canvas) drawn at `scale`. */
export function pixels(source, width, height, scale) {
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const c = canvas(w, h);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingEnabled = scale < 1;
  ctx.drawImage(source, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

function jsqr(img, both) {
  const r = jsQR(img.data, img.width, img.height, { inversionAttempts: both ? 'attemptBoth' : 'dontInvert' });
  return r ? r.data : null;
}

/** Paint white the bounding box of a QR jsQR found (its corners, and a margin of two modules). */
export function maskFound(img, loc, version) {
  const pts = [loc.topLeftCorner, loc.topRightCorner, loc.bottomLeftCorner, loc.bottomRightCorner];
  const side = Math.hypot(loc.topRightCorner.x - loc.topLeftCorner.x, loc.topRightCorner.y - loc.topLeftCorner.y);
  const margin = Math.ceil((2 * side) / (17 + 4 * (version || 1))) + 2;
  const x0 = Math.max(0, Math.floor(Math.min(...pts.map((p) => p.x))) - margin);
  const y0 = Math.max(0, Math.floor(Math.min(...pts.map((p) => p.y))) - margin);
  const x1 = Math.min(img.width, Math.ceil(Math.max(...pts.map((p) => p.x))) + margin);
  const y1 = Math.min(img.height, Math.ceil(Math.max(...pts.map((p) => p.y))) + margin);
  for (let y = y0; y < y1; y++) img.data.fill(255, (y * img.width + x0) * 4, (y * img.width + x1) * 4);
}

export const MAX_PASSES = 4;
const MAX_READS = 32;

/** The part of `img` in [x0, x0+w) × [y0, y0+h), as its own picture. */
function crop(img, x0, y0, w, h) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x0 + w) * 4), y * w * 4);
  return { data, width: w, height: h };
}

/** The whole picture, then its halves, thirds and quarters (overlapping a little): jsQR reads one code of several more surely alone. */
function regions(w, h) {
  const out = [[0, 0, w, h]];
  for (const n of [2, 3]) {
    const W = Math.min(w, Math.round((w / n) * 1.1));
    const H = Math.min(h, Math.round((h / n) * 1.1));
    for (let i = 0; i < n; i++) out.push([Math.min(w - W, Math.round((i * w) / n)), 0, W, h]);
    for (let i = 0; i < n; i++) out.push([0, Math.min(h - H, Math.round((i * h) / n)), w, H]);
  }
  const W = Math.round(w * 0.55);
  const H = Math.round(h * 0.55);
  out.push([0, 0, W, H], [w - W, 0, W, H], [0, h - H, W, H], [w - W, h - H, W, H]);
  return out;
}

/**
 * Every QR jsQR can find in `img` (RGBA, {data, width, height}). jsQR
 * reads one code at a time: each code found is painted over and the picture
 * read again (at most MAX_PASSES readings of the whole picture). jsQR may
 * also read none of several codes side by side: then its halves, thirds and
 * quarters are read, one at a time, for at most `budgetMs` milliseconds in
 * all (a picture's reading can be slow: noise takes jsQR seconds).
 * Distinct texts, in the order found.
 */
export function scanAll(img, both = true, budgetMs = 1500) {
  const out = [];
  const inversion = both ? 'attemptBoth' : 'dontInvert';
  let deadline = null;
  let reads = 0;
  const read = (x0, y0, w, h) => {
    reads++;
    const whole = x0 === 0 && y0 === 0 && w === img.width && h === img.height;
    const part = whole ? img : crop(img, x0, y0, w, h);
    const r = jsQR(part.data, part.width, part.height, { inversionAttempts: inversion });
    if (!r) return null;
    const move = (p) => ({ x: p.x + x0, y: p.y + y0 });
    const l = r.location;
    return { data: r.data, version: r.version, location: { topLeftCorner: move(l.topLeftCorner), topRightCorner: move(l.topRightCorner), bottomLeftCorner: move(l.bottomLeftCorner), bottomRightCorner: move(l.bottomRightCorner) } };
  };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let hit = read(0, 0, img.width, img.height);
    if (hit && out.includes(hit.data)) {
      // Read again (not painted over well enough): paint it over once more, then look in the parts.
      maskFound(img, hit.location, hit.version);
      hit = null;
    }
    if (!hit) {
      deadline ??= performance.now() + budgetMs;
      for (const [x0, y0, w, h] of regions(img.width, img.height).slice(1)) {
        if (performance.now() > deadline || reads >= MAX_READS || w < 21 || h < 21) break;
        const r = read(x0, y0, w, h);
        if (r && !out.includes(r.data)) {
          hit = r;
          break;
        }
        if (r) maskFound(img, r.location, r.version);
      }
    }
    if (!hit) break;
    out.push(hit.data);
    maskFound(img, hit.location, hit.version);
  }
  return out;
}

async function native(source) {
  if (!detector) return [];
  try {
    const found = await detector.detect(source);
    return [...new Set(found.map((b) => b.rawValue).filter((v) => v))];
  } catch {
    return [];
  }
}

/** One camera frame: quick, one scale (the next frame is another try). */
export async function readFrame(video) {
  const n = await native(video);
  if (n.length) return n[0];
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return null;
  const scale = Math.min(1, 800 / Math.max(w, h));
  return jsqr(pixels(video, w, h, scale), false);
}

/**
 * A still image (photo or scan): every scale worth trying, until one finds
 * a QR; then every QR of the picture (several documents in one photo must
 * not get one silent answer). Returns the texts found ([] for none).
 */
export async function readImage(bitmap) {
  const n = await native(bitmap);
  const w = bitmap.width;
  const h = bitmap.height;
  const big = Math.max(w, h);
  const scales = [];
  if (big > 1600) scales.push(1600 / big);
  if (big <= 3000) scales.push(1);
  if (big <= 1600) scales.push(2);
  else scales.push(Math.min(2, 3200 / big));
  let budget = 1500;
  for (const s of [...new Set(scales)]) {
    // The parts of the picture are looked at only at the first scale (time: see scanAll).
    const found = scanAll(pixels(bitmap, w, h, s), true, budget);
    budget = 0;
    // The browser's detector and jsQR together: either may miss one the other reads.
    if (found.length || n.length) return [...new Set([...n, ...found])];
  }
  return n;
}

/** A QR given as its exact module matrix (from a PDF): drawn sharp and read. */
export function readMatrix(size, dark) {
  const cell = 6;
  const quiet = 4;
  const px = (size + 2 * quiet) * cell;
  const data = new Uint8ClampedArray(px * px * 4).fill(255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!dark[y * size + x]) continue;
      for (let dy = 0; dy < cell; dy++) {
        const row = ((y + quiet) * cell + dy) * px;
        for (let dx = 0; dx < cell; dx++) {
          const o = (row + (x + quiet) * cell + dx) * 4;
          data[o] = data[o + 1] = data[o + 2] = 0;
        }
      }
    }
  }
  const r = jsQR(data, px, px, { inversionAttempts: 'dontInvert' });
  return r ? r.data : null;
}
