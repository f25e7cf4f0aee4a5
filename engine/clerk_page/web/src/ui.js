// The verifier page: loads the embedded trust bundle (refusing everything
// if it does not verify), then answers for a camera view, a photo, scan or
// PDF, a text file of QR texts, or pasted QR text — in Indonesian, with
// English below. Nothing here touches the network; every text from a
// document is put on the page as text (never as HTML), with control and
// format characters shown escaped (show.js, the same table as terbit's).

import { verifyText, loadBundle, trustFromEntries, parseTime, hex, PREFIX } from './core.js';
import { localTime, localAndUtc, dateWords } from './time.js';
import { readFrame, readImage, readMatrix } from './qr.js';
import { qrMatrices, looksLikeQr, PdfRefused, MAX_PDF } from './pdf.js';
import { checkFileSignature, judgeFileSignature, stampWords } from './pades.js';
import { readArchive, judgeRenewals, firstStamp, archiveWords } from './archive.js';
import { reasonCode } from './pdf_reasons.js';
import { MEMORY_KEY, OLD_MEMORY_KEY, parseMemory, checkMemory } from './memory.js';
import { shown } from './show.js';
import { UPDATE_KEY, MAX_UPDATE, parseUpdate, applyUpdate, UpdateRefused } from './update.js';
import { fileKind, textLines, namedLikePicture } from './files.js';

export { shown };

const $ = (id) => document.getElementById(id);
// When this script began to run (for the open-time measurement in bench/).
const scriptStarted = performance.now();

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(typeof k === 'string' ? k : k);
  return e;
}

const state = { trust: null, refused: null, names: {}, camera: null, memory: 'kept', accepted: new Set(), rootChanges: [], page: null, inUse: null, source: null, sessionUpdate: null, updates: 0 };

// ---- rollback memory (memory.js decides; this part reads and writes the browser's storage) ----

/** The browser's storage, or why there is none. */
function storage() {
  try {
    const ls = window.localStorage;
    if (!ls) return { ls: null, why: 'no localStorage' };
    return { ls };
  } catch (e) {
    return { ls: null, why: String((e && e.name) || e) };
  }
}

/**
 * Check the districts against what this browser remembers and remember
 * them. Returns 'kept', 'unavailable' or 'damaged'; throws (refusing the
 * page's trust data) on a rollback or a new root not accepted.
 */
function rememberTrust(districts) {
  const { ls } = storage();
  let text = null;
  let oldText = null;
  if (ls) {
    try {
      text = ls.getItem(MEMORY_KEY);
      oldText = ls.getItem(OLD_MEMORY_KEY);
    } catch {
      return unremembered();
    }
  } else return unremembered();
  const { memory, damaged } = parseMemory(text, oldText);
  const r = checkMemory(memory, districts, state.accepted);
  state.rootChanges = r.rootChanges;
  if (r.error) throw new Error(r.error);
  try {
    ls.setItem(MEMORY_KEY, JSON.stringify(r.memory));
  } catch {
    return 'unavailable';
  }
  return damaged ? 'damaged' : 'kept';
}

/** No storage: nothing is checked against a memory, and the page says so (banner and every answer). */
function unremembered() {
  state.rootChanges = [];
  return 'unavailable';
}

const MEMORY_WORDS = {
  unavailable: [
    'PERHATIAN: browser ini tidak dapat menyimpan riwayat data kepercayaan (penyimpanan lokal tidak tersedia), jadi halaman ini TIDAK dapat menolak data lama yang dikembalikan (rollback). Pakai browser yang mengizinkan penyimpanan untuk halaman ini.',
    'WARNING: this browser cannot keep a memory of the trust data seen (local storage is unavailable), so this page can NOT refuse older, rolled-back trust or revocation lists. Use a browser that allows storage for this page.',
  ],
  damaged: [
    'PERHATIAN: riwayat data kepercayaan di browser ini rusak dan dimulai lagi dari awal; rollback sebelum ini tidak dapat diperiksa.',
    'WARNING: this browser\'s memory of the trust data seen was damaged and starts again from nothing; a rollback before now cannot be detected.',
  ],
};

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
  // Times in the district's zone and words, the exact instant (UTC) in brackets.
  const at = (epoch) => localAndUtc(epoch, d.district);
  const wrap = el('div', { class: 'trustdata' });
  const p = el('p', { class: d.stale ? 'stale' : 'trustline' });
  p.append(
    `Data kepercayaan: daftar no. ${d.sequence} kabupaten/kota ${d.district}, ditandatangani ${at(d.issuedAt)}` + (d.stale ? `, SUDAH LEWAT jadwal pembaruan ${at(d.nextUpdate)} — minta halaman verifikasi atau berkas data kepercayaan yang baru.` : '.'),
    el('br'),
    el('span', { class: 'en' }, `Trust data: district ${d.district} list no. ${d.sequence}, signed ${at(d.issuedAt)}` + (d.stale ? `; PAST its next update ${at(d.nextUpdate)}: ask for a newer verifier page or trust file. The document was still checked against it.` : `; next update ${at(d.nextUpdate)}.`)),
  );
  wrap.append(p);
  for (const r of d.revocationLists || []) {
    const q = el('p', { class: r.stale ? 'stale revocations' : 'trustline revocations', 'data-revocations-stale': String(r.stale) });
    q.append(
      `Daftar pencabutan no. ${r.sequence} penerbit ${r.issuer}, diperbarui ${at(r.updatedAt)}` + (r.stale ? `, SUDAH LEWAT jadwal pembaruan ${at(r.nextUpdate)}: dokumen yang dicabut sesudahnya belum tercantum — minta halaman verifikasi atau berkas data kepercayaan yang baru.` : '.'),
      el('br'),
      el('span', { class: 'en' }, `Revocation list no. ${r.sequence} of issuer ${r.issuer}, updated ${at(r.updatedAt)}` + (r.stale ? `; the revocation list is STALE (past its next update ${at(r.nextUpdate)}): documents revoked since are not in it. Ask for a newer verifier page or trust file; the document was still checked.` : `; next update ${at(r.nextUpdate)}.`)),
    );
    wrap.append(q);
  }
  if (!d.revocationLists || !d.revocationLists.length) {
    wrap.append(el('p', { class: 'trustline revocations' }, `Halaman ini tidak memuat daftar pencabutan penerbit ${d.district}. / This page carries no revocation list of issuer ${d.district}.`));
  }
  if (state.memory !== 'kept') wrap.append(el('p', { class: 'stale memory' }, MEMORY_WORDS[state.memory][0], el('br'), el('span', { class: 'en' }, MEMORY_WORDS[state.memory][1])));
  return wrap;
}

/**
 * A signed field's cell. Instants (issued at, expires) are shown in the
 * issuing district's zone and words ("6 Desember 2026, 07.00 WIB") and
 * dates in words, each with the signed value itself below and in the
 * tooltip; every other value as it is signed (shown escaped).
 */
function fieldCell(en, v, issuer) {
  const value = shown(v);
  if (en === 'issued at' || en === 'expires') {
    const epoch = parseTime(v);
    if (epoch !== null) return el('td', { title: value, 'data-field': en, 'data-utc': value }, localTime(epoch, issuer), el('br'), el('span', { class: 'en' }, value));
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(v) && dateWords(v) !== v) return el('td', { title: value, 'data-field': en }, dateWords(v), el('br'), el('span', { class: 'en' }, value));
  return el('td', { 'data-field': en }, value);
}

function report(r, source) {
  const box = el('article', { class: 'answer', 'data-verdict': r.verdict });
  // A PDF file's signature: the reason's code, as terbit's (verify/signature/reasons.rs).
  if (r.pdfReason) box.setAttribute('data-reason', r.pdfReason);
  let detail = r.reason;
  if (r.verdict === 'superseded' && r.entry) {
    box.setAttribute('data-superseded-by', r.supersededBy);
    detail = `Diganti dengan nomor ${r.supersededBy} sejak ${r.entry.since}. / Superseded by number ${r.supersededBy} since ${r.entry.since}. Alasan / reason: ${r.entry.reason}`;
  } else if (r.verdict === 'revoked' && r.entry) {
    detail = `Dicabut sejak ${r.entry.since}. / Revoked since ${r.entry.since}. Alasan / reason: ${r.entry.reason}`;
  }
  box.append(verdictBox(r.verdict, detail));
  if (r.qrVerdict) {
    // The file fails, whatever its QR says: the QR's own verdict is shown, for the paper.
    box.setAttribute('data-qr-verdict', r.qrVerdict);
    box.append(el('p', { class: 'note qrverdict' }, `Kode QR saja / the QR code alone: ${QR_WORDS[r.qrVerdict] || r.qrVerdict} — berkas PDF ini tetap TIDAK ASLI / this PDF file is still INVALID.`));
  }
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
    for (const [en, id, v] of r.fields) t.append(el('tr', {}, el('th', {}, id, el('br'), el('span', { class: 'en' }, en)), fieldCell(en, v, r.issuer)));
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

const QR_WORDS = { genuine: 'ASLI / genuine', revoked: 'dicabut / revoked', superseded: 'sudah diganti / superseded', invalid: 'TIDAK ASLI / invalid', untrusted: 'penanda tangan tidak dikenal / unknown signer' };

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

/** Many QR texts (pasted, or a text file's lines): one answer each and a count. */
function answerLines(lines, label, extra = []) {
  if (state.refused) return show([refusal()]);
  const MAX = 5000;
  const nodes = lines.slice(0, MAX).map((l, i) => report(verifyText(l, state.trust), `${label ? `${label} — ` : ''}baris / line ${i + 1}`));
  const counts = {};
  for (const n of nodes) counts[n.getAttribute('data-verdict')] = (counts[n.getAttribute('data-verdict')] || 0) + 1;
  const summary = el('p', { class: 'note', id: 'summary' }, `${nodes.length} teks / texts: ` + Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', '));
  if (lines.length > MAX) summary.append(el('br'), `Hanya ${MAX} baris pertama yang diperiksa; ${lines.length - MAX} baris lainnya belum. / Only the first ${MAX} lines were checked; ${lines.length - MAX} more were not.`);
  show([...extra, summary, ...nodes]);
}

function refusal() {
  const box = el('article', { class: 'answer', 'data-verdict': 'refused' }, verdictBox('refused', state.refused));
  return box;
}

function unreadable(why) {
  show([el('article', { class: 'answer', 'data-verdict': 'unreadable' }, verdictBox('unreadable', why))]);
}

function invalidFile(why) {
  show([el('article', { class: 'answer', 'data-verdict': 'invalid' }, verdictBox('invalid', why))]);
}

/** The document number a QR text claims (signed or not), for naming answers. */
function claimedNumber(r) {
  if (r.claims) return r.claims.record.number;
  const f = (r.unverified || []).find(([en]) => en === 'document number');
  return f ? f[2] : null;
}

const yieldToPage = () => new Promise((res) => setTimeout(res, 0));

// ---- inputs ----

async function onFile(file) {
  if (state.refused) return show([refusal()]);
  if (!file) return;
  if (file.size > 32 << 20) return unreadable(`${file.name}: larger than 32 MiB: not a photo, scan or PDF of one document`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const name = `${file.name}`;
  const kind = fileKind(bytes);
  if (kind === 'pdf') return onPdf(bytes, name);
  if (kind === 'text') {
    const lines = textLines(bytes);
    const notes = [];
    if (namedLikePicture(name)) {
      notes.push(el('p', { class: 'note', 'data-note': 'text-not-picture' }, `${shown(name)}: nama berkas seperti gambar, tetapi isinya teks, bukan gambar; dibaca sebagai teks QR, satu per baris.`, el('br'), el('span', { class: 'en' }, `${shown(name)} is named like a picture but holds text, not an image: read as QR texts, one per line.`)));
    }
    if (!lines.length) return show([...notes, el('article', { class: 'answer', 'data-verdict': 'invalid' }, verdictBox('invalid', `${name}: an empty text file: no QR text (DK1:…) in it`))]);
    return answerLines(lines, name, notes);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]));
  } catch {
    // A picture that does not decode says nothing about the document: take it again.
    if (kind === 'png' || kind === 'jpeg' || kind === 'image') return unreadable(`${name}: the picture is damaged (its ${kind === 'image' ? 'image' : kind.toUpperCase()} data does not decode): take or save it again`);
    return unreadable(`${name}: not a picture this browser can open (PNG, JPEG), a PDF or a text file of QR texts`);
  }
  if (bitmap.width * bitmap.height > 60e6) return unreadable(`${name}: a picture of ${bitmap.width}×${bitmap.height} pixels is too large; take it again at a normal size`);
  const texts = await readImage(bitmap);
  if (!texts.length) return unreadable(`${name}: no QR code found`);
  const dk1 = texts.filter((t) => t.startsWith(PREFIX));
  if (dk1.length <= 1) {
    const r = answerText(dk1.length ? dk1[0] : texts[0], name);
    if (texts.length > dk1.length && dk1.length) $('result').append(el('p', { class: 'note' }, `Gambar ini juga memuat ${texts.length - 1} kode QR lain yang bukan dokumen DK1; tidak diperiksa. / The picture also holds ${texts.length - 1} other QR code(s) that are not DK1 documents; not checked.`));
    return r;
  }
  // Several documents in one picture: an answer for each, each saying so, never one silent answer.
  const many = `Gambar ini memuat ${dk1.length} dokumen (kode QR DK1). Foto satu dokumen setiap kali. / The picture holds more than one document (${dk1.length} DK1 QR codes): photograph one document at a time.`;
  const nodes = dk1.map((t, i) => {
    const r = verifyText(t, state.trust);
    const n = claimedNumber(r);
    const box = report(r, `${name} — QR ${i + 1} / ${dk1.length}${n ? ` — nomor dokumen / document number ${n}` : ''}`);
    box.setAttribute('data-multi', String(dk1.length));
    box.insertBefore(el('p', { class: 'stale multi' }, many), box.children[1] || null);
    return box;
  });
  show([el('p', { class: 'stale multi', id: 'multi' }, many), ...nodes]);
}

async function onPdf(whole, name) {
  // A renewed file (PAdES B-LTA) is its sealed part, judged as any file,
  // and archive time-stamps after it, each judged after its signature
  // (archive.js, as terbit's verify/mod.rs).
  // A file whose appended part is no renewal is judged whole: its
  // signature says bytes were added, its page what they changed.
  const read = whole.length <= MAX_PDF ? await readArchive(whole) : null;
  const archive = read && !read.why ? read : { sealedLen: whole.length, renewals: [] };
  const bytes = whole.subarray(0, archive.sealedLen);
  let mats;
  try {
    mats = await qrMatrices(bytes);
  } catch (e) {
    if (e instanceof PdfRefused && /larger than/.test(e.message)) return unreadable(`${name}: ${e.message}`);
    if (e instanceof PdfRefused) return invalidFile(`${name}: ${e.message}`);
    throw e;
  }
  // Only images that are QR symbols are decoded (finder patterns first: cheap); the same symbol once.
  const seen = new Map();
  const texts = [];
  const qrs = mats.filter((m) => looksLikeQr(m.size, m.dark));
  const progress = el('p', { class: 'note', id: 'progress' });
  for (const m of qrs) {
    const key = `${m.size}:${m.dark.join('')}`;
    if (seen.has(key)) continue;
    if (texts.length % 16 === 15) {
      // Many codes (a print file): the page stays responsive and says how far it is.
      progress.textContent = `Membaca kode QR ${texts.length + 1} dari ${qrs.length}… / Reading QR code ${texts.length + 1} of ${qrs.length}…`;
      if (!progress.isConnected) $('result').replaceChildren(progress);
      await yieldToPage();
    }
    const t = readMatrix(m.size, m.dark);
    seen.set(key, t);
    texts.push({ text: t, page: m.page });
  }
  if (!texts.length) return invalidFile(`${name}: no QR code in this PDF (not a document terbit made)`);
  // The file's own signature (PAdES): the file is genuine only with it, whatever its QR says.
  const fileSig = checkFileSignature(bytes);
  // What the renewals say, from the first document whose renewals hold.
  let renewedWords = null;
  const judged = (t) => {
    const r = verifyText(t, state.trust);
    // The document's key, if revoked: its PDF signature needs a stamp before that.
    const key = state.trust.keys.find((k) => k.kid === r.kid);
    const revokedFrom = key && key.status === 'revoked' ? key.revokedFrom : null;
    let problem = r.claims ? judgeFileSignature(fileSig, state.trust.pdfCerts, state.trust.tsaCerts, r.claims.issuer, r.claims.issuedAt, revokedFrom) : null;
    if (!problem && r.claims && fileSig.state === 'holds') {
      const j = judgeRenewals(archive, state.trust.tsaCerts, r.claims.issuer, firstStamp(fileSig, state.trust.tsaCerts, r.claims.issuer));
      if (j.why) problem = j.why;
      else if (renewedWords === null) renewedWords = archiveWords(j.renewed);
    }
    if (problem && mats.resaved) problem = `${problem} (${mats.resaved})`;
    return problem ? { ...r, verdict: 'invalid', reason: problem, qrVerdict: r.verdict, pdfReason: reasonCode(problem) } : r;
  };
  const nodes = texts.map(({ text, page }, i) => {
    const where = `${name} — QR ${i + 1} / ${texts.length} (halaman / page ${page})`;
    if (text === null) return el('article', { class: 'answer', 'data-verdict': 'invalid' }, verdictBox('invalid', `QR ${i + 1}: not a readable QR symbol`), el('p', { class: 'source' }, shown(where)));
    return report(judged(text), where);
  });
  // Its time, in terbit's words (verify/mod.rs): a time-stamp from an
  // authority a district's list names, or the signer's claim.
  const stamp = stampWords(fileSig, state.trust.tsaCerts) + (renewedWords || '');
  let stampId = !fileSig.stamp ? ' Tanpa cap waktu: waktunya hanya klaim penanda tangan.' : stamp ? ' Bercap waktu dari otoritas yang tercantum dalam daftar kepercayaan: berkas sudah ada saat itu.' : '';
  if (renewedWords) stampId += ` Diperbarui (PAdES B-LTA) ${archive.renewals.length} kali dengan cap waktu arsip.`;
  const signed =
    fileSig.state === 'holds'
      ? `Tanda tangan berkas PDF diperiksa dan utuh.${stampId} / The PDF file's signature was checked: the file is as ${archive.renewals.length ? 'sealed' : 'signed'}${stamp}.`
      : fileSig.state === 'absent'
        ? 'Berkas PDF ini tidak bertanda tangan: terbit menandatangani setiap PDF, jadi berkas ini diubah atau bukan buatan terbit. / This PDF file is not signed: terbit signs every PDF it writes.'
        : '';
  const note = el('p', { class: 'note' }, signed, el('br'), 'Cocokkan isian di atas dengan isi PDF; pemeriksaan teks halaman yang lengkap: `terbit verify`.', el('br'), el('span', { class: 'en' }, "Compare the fields above with the PDF's text; the full check of the page's printed text: `terbit verify`."));
  return show([...nodes, note]);
}

function onPaste() {
  const lines = $('paste').value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l);
  if (state.refused) return show([refusal()]);
  if (!lines.length) return;
  if (lines.length === 1) return answerText(lines[0], null);
  answerLines(lines, null);
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

function loadTrust() {
  const banner = $('trust');
  state.refused = null;
  state.rootChanges = [];
  let note = null;
  try {
    const bundle = JSON.parse($('bundle').textContent);
    const now = Math.floor(Date.now() / 1000);
    state.page = null;
    let trust = loadBundle(bundle, now);
    if (!trust.districts.length) throw new Error('the bundle holds no district');
    state.page = bundle;
    state.inUse = bundle;
    state.source = { kind: 'page' };
    // A trust file accepted before (update.js): checked again, as if given now.
    const stored = storedUpdate();
    if (stored) {
      try {
        const u = applyUpdate(bundle, bundle, stored.bundle, now);
        trust = u.trust;
        state.inUse = u.bundle;
        state.source = { kind: 'file', loadedAt: stored.loadedAt };
      } catch (e) {
        if (!(e instanceof UpdateRefused)) throw e;
        forgetUpdate();
        // This page's own data is as new (a newer page): the file is no longer needed.
        if (e.code !== 'older' && e.code !== 'same') {
          note = [`Berkas data kepercayaan yang tersimpan tidak lolos pemeriksaan lagi dan dihapus: ${e.message}`, `The trust file remembered in this browser no longer checks and was removed: ${e.message}`];
        }
      }
    }
    state.trust = trust;
    state.memory = rememberTrust(state.trust.districts);
    const list = el('ul');
    for (const d of state.trust.districts) {
      const name = state.names[d.district] ? ` ${state.names[d.district]}` : '';
      const revs = (d.revocationLists || []).map((r) => `; pencabutan / revocations no. ${r.sequence}` + (r.stale ? ' — KEDALUWARSA / STALE' : '')).join('');
      list.append(
        el('li', { class: d.stale || (d.revocationLists || []).some((r) => r.stale) ? 'stale' : '' }, `${d.district}${name}: daftar no. ${d.sequence}, ${localTime(d.issuedAt, d.district)}` + (d.stale ? ' — KEDALUWARSA / STALE' : '') + revs, el('br'), el('span', { class: 'fp' }, `root SHA-256 ${d.fingerprint.match(/.{4}/g).join(' ')}`)),
      );
    }
    const from =
      state.source.kind === 'file'
        ? [`Data kepercayaan yang dipakai: dari berkas yang dimuat ${localAndUtc(state.source.loadedAt, state.trust.districts[0].district)}, diperiksa terhadap root yang disematkan halaman ini.`, `Trust data in use: from a trust file loaded ${localAndUtc(state.source.loadedAt, state.trust.districts[0].district)}, checked against the roots this page pins.`]
        : ['Data kepercayaan yang dipakai: bawaan halaman ini.', "Trust data in use: this page's own."];
    const parts = [
      el('p', {}, 'Halaman ini memeriksa tanda tangan dokumen tanpa internet. Sidik jari root di bawah harus sama dengan yang diumumkan Dinas Dukcapil.', el('br'), el('span', { class: 'en' }, 'This page checks signatures offline. Each root fingerprint below must match the one the district publishes.')),
      el('p', { class: 'source', id: 'trust-source' }, from[0], el('br'), el('span', { class: 'en' }, from[1])),
      list,
    ];
    if (note) parts.push(el('p', { class: 'stale', id: 'trust-note' }, note[0], el('br'), el('span', { class: 'en' }, note[1])));
    if (state.memory !== 'kept') parts.push(el('p', { class: 'stale memory', 'data-memory': state.memory }, MEMORY_WORDS[state.memory][0], el('br'), el('span', { class: 'en' }, MEMORY_WORDS[state.memory][1])));
    banner.replaceChildren(...parts);
    // The trust lists' state; the revocation lists' apart (each answer says when one is stale).
    banner.setAttribute('data-state', state.trust.districts.some((d) => d.stale) ? 'stale' : 'ok');
    banner.setAttribute('data-revocations', state.trust.districts.some((d) => (d.revocationLists || []).some((r) => r.stale)) ? 'stale' : 'ok');
  } catch (e) {
    state.refused = String(e.message || e);
    state.trust = null;
    const parts = [refusal()];
    if (state.rootChanges.length) {
      // A new root is accepted only by the clerk, after comparing fingerprints.
      const button = el('button', { type: 'button', id: 'accept-root' }, 'Sidik jari sudah saya cocokkan: terima root baru / I compared the fingerprint: accept the new root');
      const changes = state.rootChanges.map((c) => c.district);
      button.addEventListener('click', () => {
        for (const d of changes) state.accepted.add(d);
        loadTrust();
        $('result').replaceChildren();
      });
      parts.push(el('p', { class: 'note' }, 'Root kabupaten/kota ini berbeda dari yang pernah dilihat browser ini. Cocokkan sidik jari yang baru dengan yang diumumkan Dinas Dukcapil sebelum menerimanya.', el('br'), el('span', { class: 'en' }, "This district's root differs from the one this browser saw before. Compare the new fingerprint with the one the district publishes before accepting it.")), button);
    }
    banner.replaceChildren(...parts);
    banner.setAttribute('data-state', state.rootChanges.length ? 'new-root' : 'refused');
  }
  banner.setAttribute('data-memory', state.memory);
  banner.setAttribute('data-source', state.source ? state.source.kind : 'none');
  banner.setAttribute('data-sequences', state.trust ? state.trust.districts.map((d) => `${d.district}:${d.sequence}`).join(' ') : '');
}

// ---- a newer trust file (update.js decides; this part reads the file and the browser's storage) ----

/** The trust file accepted before: {loadedAt, bundle}, or null. */
function storedUpdate() {
  const { ls } = storage();
  let text = null;
  if (ls) {
    try {
      text = ls.getItem(UPDATE_KEY);
    } catch {
      text = null;
    }
  }
  if (text === null) return state.sessionUpdate;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && Number.isSafeInteger(v.loadedAt) && v.bundle && typeof v.bundle === 'object') return v;
  } catch {
    // Unreadable: as if none (and removed below).
  }
  forgetUpdate();
  return null;
}

function forgetUpdate() {
  state.sessionUpdate = null;
  const { ls } = storage();
  try {
    if (ls) ls.removeItem(UPDATE_KEY);
  } catch {
    // Nothing to remove.
  }
}

const UPDATE_WORDS = {
  accepted: ['Data kepercayaan diperbarui', 'Trust data updated'],
  format: ['Bukan berkas data kepercayaan', 'Not a trust file'],
  signature: ['Ditolak: tanda tangan atau isi berkas tidak sah', 'Refused: the file does not verify (edited, damaged or forged)'],
  unpinned: ['Ditolak: tidak ditandatangani root yang disematkan halaman ini', 'Refused: not signed by a root this page pins'],
  older: ['Ditolak: lebih lama daripada data yang dipakai', 'Refused: older than the trust data in use'],
  same: ['Tidak ada yang lebih baru', 'Nothing newer than the trust data in use'],
  page: ['Ditolak: data kepercayaan halaman ini sendiri tidak lolos', "Refused: this page's own trust data does not check"],
};

async function onTrustFile(file) {
  const out = $('trust-update');
  const say = (code, detail) => {
    const [id, en] = UPDATE_WORDS[code];
    out.replaceChildren(el('strong', {}, id), ' / ', el('span', { class: 'en' }, en), detail ? el('br') : null, detail ? shown(detail) : null);
    out.className = code === 'accepted' ? 'note' : 'stale';
    out.setAttribute('data-update', code === 'accepted' ? 'accepted' : 'refused');
    out.setAttribute('data-reason', code);
    out.setAttribute('data-count', String(++state.updates));
  };
  if (!file) return;
  if (!state.page) return say('page', state.refused);
  if (file.size > MAX_UPDATE) return say('format', `${file.name}: larger than 4 MiB`);
  const now = Math.floor(Date.now() / 1000);
  let u;
  try {
    u = applyUpdate(state.page, state.inUse, parseUpdate(await file.text()), now);
    // The browser's rollback memory too: the file may be older than data seen on another page.
    rememberTrust(u.trust.districts);
  } catch (e) {
    if (e instanceof UpdateRefused) return say(e.code, `${file.name}: ${e.message}`);
    return say('older', `${file.name}: ${e.message || e}`);
  }
  const kept = { loadedAt: now, bundle: u.bundle };
  state.sessionUpdate = kept;
  const { ls } = storage();
  let remembered = false;
  try {
    if (ls) {
      ls.setItem(UPDATE_KEY, JSON.stringify(kept));
      remembered = true;
    }
  } catch {
    remembered = false;
  }
  loadTrust();
  $('result').replaceChildren();
  const lists = state.trust.districts.filter((d) => u.newer.includes(d.district)).map((d) => `${d.district}: list no. ${d.sequence}` + (d.revocationLists || []).map((r) => `, revocations no. ${r.sequence}`).join(''));
  say('accepted', `${file.name}: ${lists.join('; ')}` + (remembered ? '' : ' — not remembered: this browser cannot store it, give the file again next time'));
}

function start() {
  try {
    state.names = JSON.parse($('names').textContent);
  } catch {
    state.names = {};
  }
  loadTrust();
  $('camera').addEventListener('click', startCamera);
  $('file').addEventListener('change', (e) => onFile(e.target.files[0]));
  $('trust-file').addEventListener('change', (e) => onTrustFile(e.target.files[0]));
  $('check').addEventListener('click', onPaste);
  document.body.setAttribute('data-ready', 'true');
  document.body.setAttribute('data-ready-ms', String(performance.now()));
  document.body.setAttribute('data-script-ms', String(performance.now() - scriptStarted));
  // For tests and measurements in a browser (tests/verifier.rs, bench/).
  window.terbitVerifier = { verifyText: (t) => verifyText(t, state.trust), trustFromEntries, verifyWith: verifyText, hex, refused: () => state.refused, shown };
}

start();
