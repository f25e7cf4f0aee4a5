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

async function native(source) {
  if (!detector) return null;
  try {
    const found = await detector.detect(source);
    const qr = found.find((b) => b.rawValue);
    return qr ? qr.rawValue : null;
  } catch {
    return null;
  }
}

/** One camera frame: quick, one scale (the next frame is another try). */
export async function readFrame(video) {
  const n = await native(video);
  if (n) return n;
  const w = video.videoWidth;
  const h = video.videoHeight;
  if (!w || !h) return null;
  const scale = Math.min(1, 800 / Math.max(w, h));
  return jsqr(pixels(video, w, h, scale), false);
}

/** A still image (photo or scan): every scale worth trying. */
export async function readImage(bitmap) {
  const n = await native(bitmap);
  if (n) return n;
  const w = bitmap.width;
  const h = bitmap.height;
  const big = Math.max(w, h);
  const scales = [];
  if (big > 1600) scales.push(1600 / big);
  if (big <= 3000) scales.push(1);
  if (big <= 1600) scales.push(2);
  else scales.push(Math.min(2, 3200 / big));
  for (const s of [...new Set(scales)]) {
    const t = jsqr(pixels(bitmap, w, h, s), true);
    if (t) return t;
  }
  return null;
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
