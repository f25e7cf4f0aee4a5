// The verifier page: loads the embedded trust bundle (refusing everything
// if it does not verify), then answers for a camera view, a photo, scan or
// PDF, or pasted QR text — in Indonesian, with English below. Nothing here
// touches the network; every text from a document is put on the page as
// text (never as HTML), with control and direction characters shown escaped.

import { verifyText, loadBundle, trustFromEntries, rfc3339, hex } from './core.js';
import { readFrame, readImage, readMatrix } from './qr.js';
import { qrMatrices } from './pdf.js';
import { checkFileSignature, judgeFileSignature } from './pades.js';

const $ = (id) => document.getElementById(id);
// When this script began to run (for the open-time measurement in bench/).
const scriptStarted = performance.now();

/** Untrusted text as it may be shown: control, invisible and direction characters escaped. */
export function shown(s) {
  return String(s).replace(/[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
}

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(typeof k === 'string' ? k : k);
  return e;
}

const state = { trust: null, refused: null, names: {}, camera: null };

// ---- rollback memory: the newest list this browser has seen per district ----

const MEMORY = 'terbit-trust-memory';

function checkMemory(districts) {
  let seen = {};
  try {
    seen = JSON.parse(localStorage.getItem(MEMORY) || '{}') || {};
  } catch {
    return 'unavailable';
  }
  // Per district and root: a new root is a new anchor, pinned anew.
  const key = (d) => `${d.district}:${d.fingerprint}`;
  for (const d of districts) {
    const s = seen[key(d)];
    if (s && BigInt(s.sequence) > d.sequence) {
      throw new Error(`district ${d.district}: this page's trust list is no. ${d.sequence}, but this browser has already seen no. ${s.sequence} (a rolled-back list)`);
    }
    if (s && BigInt(s.sequence) === d.sequence && s.digest !== d.digest) {
      throw new Error(`district ${d.district}: this page's list no. ${d.sequence} differs from the no. ${s.sequence} seen before`);
    }
  }
  for (const d of districts) seen[key(d)] = { sequence: String(d.sequence), digest: d.digest };
  try {
    localStorage.setItem(MEMORY, JSON.stringify(seen));
  } catch {
    return 'unavailable';
  }
  return 'kept';
}

// ---- the answer ----

const WORDS = {
  genuine: ['ASLI', 'Genuine: signed by the issuing office, and in force', 'green'],
  revoked: ['TIDAK BERLAKU — dicabut', 'No longer in force: revoked', 'yellow'],
  superseded: ['TIDAK BERLAKU — sudah diganti', 'No longer in force: replaced by a newer document', 'yellow'],
  invalid: ['TIDAK ASLI', 'Not genuine: the document was altered, damaged or forged', 'red'],
  untrusted: ['PENANDATANGAN TIDAK DIKENAL', 'Unknown signer: not signed by a key this page trusts', 'red'],
  unreadable: ['QR TIDAK TERBACA', 'The QR code could not be read: take the picture again, sharp and well lit', 'grey'],
  refused: ['TIDAK DAPAT MEMERIKSA', 'Cannot verify: the trust data of this page does not check', 'red'],
};

function verdictBox(kind, detail) {
  const [id, en, colour] = WORDS[kind];
  return el('div', { class: `verdict ${colour}`, 'data-verdict': kind }, el('div', { class: 'big' }, id), el('div', { class: 'en' }, en), detail ? el('div', { class: 'why' }, shown(detail)) : null);
}

function trustLine(issuer) {
  const d = state.trust && state.trust.districts.find((x) => x.district === issuer);
  if (!d) return null;
  const p = el('p', { class: d.stale ? 'stale' : 'trustline' });
  p.append(
    `Data kepercayaan: daftar no. ${d.sequence} kabupaten/kota ${d.district}, ditandatangani ${rfc3339(d.issuedAt)}` + (d.stale ? `, SUDAH LEWAT jadwal pembaruan ${rfc3339(d.nextUpdate)} — minta halaman verifikasi yang baru.` : '.'),
    el('br'),
    el('span', { class: 'en' }, `Trust data: district ${d.district} list no. ${d.sequence}, signed ${rfc3339(d.issuedAt)}` + (d.stale ? `; PAST its next update ${rfc3339(d.nextUpdate)}: ask for a newer verifier page. The document was still checked against it.` : `; next update ${rfc3339(d.nextUpdate)}.`)),
  );
  return p;
}

function report(r, source) {
  const box = el('article', { class: 'answer', 'data-verdict': r.verdict });
  let detail = r.reason;
  if (r.verdict === 'superseded' && r.entry) {
    box.setAttribute('data-superseded-by', r.supersededBy);
    detail = `Diganti dengan nomor ${r.supersededBy} sejak ${r.entry.since}. / Superseded by number ${r.supersededBy} since ${r.entry.since}. Alasan / reason: ${r.entry.reason}`;
  } else if (r.verdict === 'revoked' && r.entry) {
    detail = `Dicabut sejak ${r.entry.since}. / Revoked since ${r.entry.since}. Alasan / reason: ${r.entry.reason}`;
  }
  box.append(verdictBox(r.verdict, detail));
  if (source) box.append(el('p', { class: 'source' }, shown(source)));
  if (r.claims) {
    box.setAttribute('data-number', r.claims.record.number);
    box.setAttribute('data-name', r.claims.record.name);
  }
  if (r.fields.length) {
    const office = state.names[r.issuer] ? `${r.issuer} ${state.names[r.issuer]}` : r.issuer;
    box.append(
      el('p', {}, 'Cocokkan setiap isian dengan dokumen kertas, baris demi baris.', el('br'), el('span', { class: 'en' }, 'Compare every field with the paper, line by line.')),
      el('p', { class: 'office' }, `Kantor penerbit / Issuing office: ${shown(office)} · kunci / key ${r.kid}`),
    );
    const t = el('table', { class: 'fields' });
    for (const [en, id, v] of r.fields) t.append(el('tr', {}, el('th', {}, id, el('br'), el('span', { class: 'en' }, en)), el('td', {}, shown(v))));
    box.append(t);
  }
  if (r.unverified && r.unverified.length) {
    const d = el('details', { class: 'unverified' }, el('summary', {}, 'TIDAK TERVERIFIKASI — jangan diandalkan / UNVERIFIED — do not rely on these'));
    const t = el('table', { class: 'fields' });
    for (const [en, , v] of r.unverified) t.append(el('tr', {}, el('th', {}, en), el('td', {}, shown(v))));
    d.append(t);
    box.append(d);
  }
  const tl = r.issuer ? trustLine(r.issuer) : null;
  if (tl) box.append(tl);
  return box;
}

function show(nodes) {
  const out = $('result');
  out.replaceChildren(...nodes);
  out.setAttribute('data-state', 'answered');
  out.setAttribute('data-count', String(nodes.length));
  out.setAttribute('data-answered-at', String(performance.now()));
  out.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

function answerText(text, source) {
  if (state.refused) return show([refusal()]);
  const r = verifyText(text, state.trust);
  show([report(r, source)]);
  return r;
}

function refusal() {
  return el('article', { class: 'answer', 'data-verdict': 'refused' }, verdictBox('refused', state.refused));
}

function unreadable(why) {
  show([el('article', { class: 'answer', 'data-verdict': 'unreadable' }, verdictBox('unreadable', why))]);
}

// ---- inputs ----

async function onFile(file) {
  if (state.refused) return show([refusal()]);
  if (!file) return;
  if (file.size > 32 << 20) return unreadable(`${file.name}: larger than 32 MiB: not a photo, scan or PDF of one document`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const name = `${file.name}`;
  if (bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46) {
    let mats;
    try {
      mats = await qrMatrices(bytes);
    } catch (e) {
      return unreadable(`${name}: ${e.message}`);
    }
    const texts = mats.map((m) => readMatrix(m.size, m.dark));
    if (!texts.length) return show([el('article', { class: 'answer', 'data-verdict': 'invalid' }, verdictBox('invalid', `${name}: no QR code in this PDF (not a document terbit made)`))]);
    // The file's own signature (PAdES): an edited PDF fails it even when its QR is intact.
    const fileSig = checkFileSignature(bytes);
    const judged = (t) => {
      const r = verifyText(t, state.trust);
      const problem = r.claims ? judgeFileSignature(fileSig, state.trust.pdfCerts, r.claims.issuer, r.claims.issuedAt) : null;
      return problem ? { ...r, verdict: 'invalid', reason: problem } : r;
    };
    const nodes = texts.map((t, i) => (t === null ? el('article', { class: 'answer', 'data-verdict': 'invalid' }, verdictBox('invalid', `QR ${i + 1}: not a readable QR symbol`)) : report(judged(t), `${name} — QR ${i + 1} / ${texts.length}`)));
    const signed = fileSig.state === 'holds' ? 'Tanda tangan berkas PDF diperiksa dan utuh. / The PDF file\'s signature was checked: the file is as signed.' : fileSig.state === 'absent' ? 'Berkas PDF ini tidak bertanda tangan. / This PDF file carries no signature.' : '';
    const note = el('p', { class: 'note' }, signed, el('br'), 'Cocokkan isian di atas dengan isi PDF; pemeriksaan teks halaman yang lengkap: `terbit verify`.', el('br'), el('span', { class: 'en' }, "Compare the fields above with the PDF's text; the full check of the page's printed text: `terbit verify`."));
    return show([...nodes, note]);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]));
  } catch {
    return unreadable(`${name}: not a picture this browser can open (PNG, JPEG) or a PDF`);
  }
  if (bitmap.width * bitmap.height > 60e6) return unreadable(`${name}: a picture of ${bitmap.width}×${bitmap.height} pixels is too large; take it again at a normal size`);
  const text = await readImage(bitmap);
  if (text === null) return unreadable(`${name}: no QR code found`);
  answerText(text, name);
}

function onPaste() {
  const lines = $('paste').value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
  if (state.refused) return show([refusal()]);
  if (!lines.length) return;
  if (lines.length === 1) return answerText(lines[0], null);
  const MAX = 5000;
  const nodes = lines.slice(0, MAX).map((l, i) => report(verifyText(l, state.trust), `baris / line ${i + 1}`));
  const counts = {};
  for (const n of nodes) counts[n.getAttribute('data-verdict')] = (counts[n.getAttribute('data-verdict')] || 0) + 1;
  const summary = el('p', { class: 'note', id: 'summary' }, `${nodes.length} teks / texts: ` + Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', '));
  if (lines.length > MAX) summary.append(el('br'), `Hanya ${MAX} baris pertama yang diperiksa; ${lines.length - MAX} baris lainnya belum. / Only the first ${MAX} lines were checked; ${lines.length - MAX} more were not.`);
  show([summary, ...nodes]);
}

async function startCamera() {
  if (state.refused) return show([refusal()]);
  const video = $('video');
  if (state.camera) return stopCamera();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  } catch (e) {
    return unreadable(`kamera tidak dapat dibuka / the camera could not be opened: ${e.name}`);
  }
  state.camera = stream;
  video.srcObject = stream;
  video.hidden = false;
  $('camera').textContent = 'Hentikan kamera / Stop camera';
  await video.play().catch(() => {});
  $('result').setAttribute('data-camera-started', String(performance.now()));
  // The grab before the one that reads the QR bounds when it came into view.
  let previous = performance.now();
  const tick = async () => {
    if (state.camera !== stream) return;
    const grabbed = performance.now();
    const text = await readFrame(video).catch(() => null);
    if (text && state.camera === stream) {
      stopCamera();
      answerText(text, 'kamera / camera');
      $('result').setAttribute('data-frame-at', String(grabbed));
      $('result').setAttribute('data-previous-frame-at', String(previous));
      return;
    }
    previous = grabbed;
    setTimeout(tick, 40);
  };
  tick();
}

function stopCamera() {
  if (!state.camera) return;
  for (const t of state.camera.getTracks()) t.stop();
  state.camera = null;
  $('video').hidden = true;
  $('camera').textContent = 'Pindai dengan kamera / Scan with the camera';
}

// ---- start ----

function start() {
  const banner = $('trust');
  try {
    state.names = JSON.parse($('names').textContent);
    const bundle = JSON.parse($('bundle').textContent);
    const now = Math.floor(Date.now() / 1000);
    state.trust = loadBundle(bundle, now);
    if (!state.trust.districts.length) throw new Error('the bundle holds no district');
    const memory = checkMemory(state.trust.districts);
    const list = el('ul');
    for (const d of state.trust.districts) {
      const name = state.names[d.district] ? ` ${state.names[d.district]}` : '';
      list.append(
        el('li', { class: d.stale ? 'stale' : '' }, `${d.district}${name}: daftar no. ${d.sequence}, ${rfc3339(d.issuedAt).slice(0, 10)}` + (d.stale ? ' — KEDALUWARSA / STALE' : ''), el('br'), el('span', { class: 'fp' }, `root SHA-256 ${d.fingerprint.match(/.{4}/g).join(' ')}`)),
      );
    }
    const parts = [
      el('p', {}, 'Halaman ini memeriksa tanda tangan dokumen tanpa internet. Sidik jari root di bawah harus sama dengan yang diumumkan Dinas Dukcapil.', el('br'), el('span', { class: 'en' }, 'This page checks signatures offline. Each root fingerprint below must match the one the district publishes.')),
      list,
    ];
    if (memory === 'unavailable') parts.push(el('p', { class: 'note' }, 'Browser ini tidak menyimpan riwayat daftar (rollback tidak diperiksa). / This browser keeps no memory of lists seen (rollback not checked).'));
    banner.replaceChildren(...parts);
    banner.setAttribute('data-state', state.trust.districts.some((d) => d.stale) ? 'stale' : 'ok');
  } catch (e) {
    state.refused = String(e.message || e);
    state.trust = null;
    banner.replaceChildren(refusal());
    banner.setAttribute('data-state', 'refused');
  }
  $('camera').addEventListener('click', startCamera);
  $('file').addEventListener('change', (e) => onFile(e.target.files[0]));
  $('check').addEventListener('click', onPaste);
  document.body.setAttribute('data-ready', 'true');
  document.body.setAttribute('data-ready-ms', String(performance.now()));
  document.body.setAttribute('data-script-ms', String(performance.now() - scriptStarted));
  // For tests and measurements in a browser (tests/verifier.rs, bench/).
  window.terbitVerifier = { verifyText: (t) => verifyText(t, state.trust), trustFromEntries, verifyWith: verifyText, hex, refused: () => state.refused };
}

start();
