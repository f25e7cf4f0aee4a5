// Drives the verifier page in headless Chromium over the DevTools protocol
// for tests/verifier.rs (and the measurements in bench/RESULTS.md).
// Usage: node tests/browser/verifier.mjs scenario.json  → JSON on stdout.
//
// The scenario names the chromium binary, a profile folder, a fake camera
// video (.y4m), the pages to open and what to feed them; every answer the
// page gives is read from its DOM (data-verdict, data-number, ...). Every
// request the browser makes is recorded: the test requires none but the
// page files themselves.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../../engine/clerk_page/web/package.json'));
const CDP = require('chrome-remote-interface');

const sc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = { requests: [], console: [], pages: {} };

// Files made here from the scenario's QR texts (the page's own test fixtures).
const fixtures = await import(pathToFileURL(path.join(here, '../../engine/clerk_page/web/test/fixtures.mjs')).href);

/** A PNG (8-bit grey) of the given QR texts side by side, 4 px a module. */
function qrPicture(texts) {
  const cell = 4;
  const gap = 48;
  const ms = texts.map((t) => fixtures.qrMatrix(t));
  const h = Math.max(...ms.map((m) => m.size)) * cell + 2 * gap;
  const w = ms.reduce((a, m) => a + m.size * cell + gap, gap);
  const raw = Buffer.alloc((w + 1) * h, 255);
  for (let y = 0; y < h; y++) raw[y * (w + 1)] = 0;
  let x0 = gap;
  for (const m of ms) {
    for (let y = 0; y < m.size * cell; y++) for (let x = 0; x < m.size * cell; x++) if (m.dark[Math.floor(y / cell) * m.size + Math.floor(x / cell)]) raw[(gap + y) * (w + 1) + 1 + x0 + x] = 0;
    x0 += m.size * cell + gap;
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 255] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

if (sc.made) {
  // An unsigned PDF with a genuine QR; a photo of two documents; a damaged PNG; a .png holding text; a text file.
  writeFileSync(sc.made.unsigned, fixtures.makePdf([sc.paste.genuine]));
  writeFileSync(sc.made.two, qrPicture([sc.paste.genuine, sc.paste.revoked]));
  writeFileSync(sc.made.damaged, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not the rest of a PNG file')]));
  writeFileSync(sc.made.textpng, `${sc.paste.genuine}\n`);
  writeFileSync(sc.made.list, `${sc.paste.genuine}\n\n${sc.paste.revoked}\n${sc.paste.tampered}\n`);
}

function launch() {
  const args = [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-quic',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps',
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${sc.y4m}`,
    '--remote-debugging-port=0', `--user-data-dir=${sc.profile}`, '--window-size=430,1000', 'about:blank',
  ];
  const p = spawn(sc.chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err.slice(-500)}`)), 30000);
    p.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ proc: p, port: Number(new URL(m[1]).port) });
      }
    });
    p.on('exit', (c) => reject(new Error(`chromium exited ${c}: ${err.slice(-500)}`)));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const { proc, port } = await launch();
  let client;
  try {
    client = await CDP({ port });
    const { Page, Runtime, Network, DOM, Emulation } = client;
    await Promise.all([Page.enable(), Runtime.enable(), Network.enable(), DOM.enable()]);
    Network.requestWillBeSent((e) => out.requests.push(e.request.url));
    Runtime.consoleAPICalled((e) => out.console.push(e.args.map((a) => a.value ?? a.description).join(' ')));
    Runtime.exceptionThrown((e) => out.console.push(`exception: ${e.exceptionDetails.exception?.description ?? e.exceptionDetails.text}`));
    await Emulation.setDeviceMetricsOverride({ width: 430, height: 1000, deviceScaleFactor: 1, mobile: true });

    const evaluate = async (expression) => {
      const r = await Runtime.evaluate({ expression, returnByValue: true, awaitPromise: true });
      if (r.exceptionDetails) throw new Error(`${expression.slice(0, 80)}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value;
    };
    const waitFor = async (expression, ms = 15000) => {
      const end = Date.now() + ms;
      for (;;) {
        const v = await evaluate(expression);
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
        await sleep(25);
      }
    };
    const open = async (file) => {
      const t0 = Date.now();
      await Page.navigate({ url: pathToFileURL(file).href });
      await waitFor("document.body && document.body.getAttribute('data-ready') === 'true'");
      const ms = await evaluate("Number(document.body.getAttribute('data-ready-ms'))");
      const script = await evaluate("Number(document.body.getAttribute('data-script-ms'))");
      return { wall_ms: Date.now() - t0, ready_ms: ms, script_ms: script, trust: await evaluate("document.getElementById('trust').getAttribute('data-state')"), banner: await evaluate("document.getElementById('trust').innerText") };
    };
    const answers = () =>
      evaluate(`Array.from(document.querySelectorAll('#result article')).map(a => ({verdict: a.getAttribute('data-verdict'), number: a.getAttribute('data-number'), name: a.getAttribute('data-name'), superseded_by: a.getAttribute('data-superseded-by'), text: a.innerText}))`);
    const clear = () => evaluate("(()=>{const r=document.getElementById('result'); r.replaceChildren(); r.setAttribute('data-state','waiting'); return true})()");
    const paste = async (text) => {
      await clear();
      await evaluate(`(()=>{document.getElementById('paste').value = ${JSON.stringify(text)}; document.getElementById('check').click(); return true})()`);
      await waitFor("document.getElementById('result').getAttribute('data-state') === 'answered'");
      return answers();
    };
    const upload = async (file) => {
      await clear();
      const { root } = await DOM.getDocument();
      const { nodeId } = await DOM.querySelector({ nodeId: root.nodeId, selector: '#file' });
      await DOM.setFileInputFiles({ files: [file], nodeId });
      await waitFor("document.getElementById('result').getAttribute('data-state') === 'answered'", 30000);
      return answers();
    };
    const shot = async (name) => {
      if (!sc.screenshots) return;
      const { data } = await Page.captureScreenshot({ format: 'png', captureBeyondViewport: true });
      writeFileSync(path.join(sc.screenshots, name), Buffer.from(data, 'base64'));
    };

    if (sc.mode === 'bench') {
      // bench/verifier_page.rs: the same measurements, repeated.
      const b = (out.bench = { opens_ms: [], script_ms: [], wall_ms: [], camera_ms: [], camera_frame_ms: [], paste: [], core: [] });
      for (let i = 0; i < sc.repeats; i++) {
        // From an empty tab, as a clerk opens the file: the previous
        // answer's thousands of rows are not unloaded inside the measurement.
        await Page.navigate({ url: 'about:blank' });
        await sleep(200);
        const o = await open(sc.pages.main);
        b.opens_ms.push(o.ready_ms);
        b.script_ms.push(o.script_ms);
        b.wall_ms.push(o.wall_ms);
        await clear();
        await evaluate("document.getElementById('camera').click(), true");
        await waitFor("document.getElementById('result').getAttribute('data-state') === 'answered'", 30000);
        const t = await evaluate("(()=>{const r=document.getElementById('result'); return {v: r.querySelector('article').getAttribute('data-verdict'), previous: Number(r.getAttribute('data-previous-frame-at')), frame: Number(r.getAttribute('data-frame-at')), answered: Number(r.getAttribute('data-answered-at'))}})()");
        if (t.v !== 'genuine') throw new Error(`camera answer ${t.v}`);
        b.camera_ms.push(t.answered - t.previous);
        b.camera_frame_ms.push(t.answered - t.frame);
        await clear();
        await evaluate(`(()=>{document.getElementById('paste').value = ${JSON.stringify(sc.texts.join('\n'))}; window.__t0 = performance.now(); document.getElementById('check').click(); return true})()`);
        await waitFor("document.getElementById('result').getAttribute('data-state') === 'answered'", 60000);
        b.paste.push(await evaluate(`({count: document.querySelectorAll('#result article[data-verdict=genuine]').length, ms: Number(document.getElementById('result').getAttribute('data-answered-at')) - window.__t0})`));
        b.core.push(await evaluate(`(()=>{const t=${JSON.stringify(sc.texts)}; const t0=performance.now(); let g=0; for (const x of t) if (window.terbitVerifier.verifyText(x).verdict==='genuine') g++; return {count: g, ms: performance.now()-t0}})()`));
      }
      return;
    }

    if (sc.mode === 'update') {
      // tests/verifier.rs, the_page_takes_a_newer_signed_bundle: trust files given to the page, in order.
      const banner = async () => ({
        source: await evaluate("document.getElementById('trust').getAttribute('data-source')"),
        sequences: await evaluate("document.getElementById('trust').getAttribute('data-sequences')"),
        trust: await evaluate("document.getElementById('trust').getAttribute('data-state')"),
        text: await evaluate("document.getElementById('trust').innerText"),
      });
      const u = (out.update = { open: await open(sc.pages.main), steps: [] });
      u.open_banner = await banner();
      let count = 0;
      for (const [name, file] of sc.trust_files) {
        const { root } = await DOM.getDocument();
        const { nodeId } = await DOM.querySelector({ nodeId: root.nodeId, selector: '#trust-file' });
        await DOM.setFileInputFiles({ files: [file], nodeId });
        count++;
        await waitFor(`document.getElementById('trust-update').getAttribute('data-count') === '${count}'`);
        u.steps.push({
          name,
          update: await evaluate("document.getElementById('trust-update').getAttribute('data-update')"),
          reason: await evaluate("document.getElementById('trust-update').getAttribute('data-reason')"),
          said: await evaluate("document.getElementById('trust-update').textContent"),
          banner: await banner(),
          paste_genuine: await paste(sc.paste.genuine),
        });
      }
      // Opened again: the accepted file is remembered and checked again.
      u.reopened = await open(sc.pages.main);
      u.reopened_banner = await banner();
      u.reopened_paste = await paste(sc.paste.genuine);
      return;
    }

    // The main page: every way in.
    const main = (out.pages.main = { open: await open(sc.pages.main) });
    main.paste_genuine = await paste(sc.paste.genuine);
    await shot('verifier-genuine.png');
    main.paste_superseded = await paste(sc.paste.superseded);
    await shot('verifier-superseded.png');
    main.paste_revoked = await paste(sc.paste.revoked);
    main.paste_tampered = await paste(sc.paste.tampered);
    await shot('verifier-tampered.png');
    main.paste_hostile = await paste(sc.paste.hostile);
    main.upload_pdf = await upload(sc.uploads.pdf);
    main.upload_flipped = await upload(sc.uploads.flipped);
    main.upload_print = await upload(sc.uploads.print);
    main.upload_jpeg = await upload(sc.uploads.jpeg);
    main.upload_junk = await upload(sc.uploads.junk);
    for (const [k, f] of Object.entries(sc.more_uploads || {})) {
      main[`upload_${k}`] = await upload(f);
      main[`upload_${k}_text`] = await evaluate("document.getElementById('result').innerText");
    }
    await clear();
    await evaluate("document.getElementById('camera').click(), true");
    await waitFor("document.getElementById('result').getAttribute('data-state') === 'answered'", 30000);
    main.camera = await answers();
    main.camera_timing = await evaluate("(()=>{const r=document.getElementById('result'); return {started: Number(r.getAttribute('data-camera-started')), previous: Number(r.getAttribute('data-previous-frame-at')), frame: Number(r.getAttribute('data-frame-at')), answered: Number(r.getAttribute('data-answered-at'))}})()");
    // Every vector, through the page's own core, with the vector's keys.
    main.vectors = await evaluate(`(${JSON.stringify(sc.vectors)}).map(v => { const r = window.terbitVerifier.verifyWith(v.qr_text, window.terbitVerifier.trustFromEntries(v.trust)); return {name: v.name, verdict: r.verdict}; })`);
    // Throughput: many pasted texts through the whole path (verify and draw the answers).
    if (sc.bench && sc.bench.texts.length) {
      const texts = sc.bench.texts;
      await clear();
      await evaluate(`(()=>{document.getElementById('paste').value = ${JSON.stringify(texts.join('\n'))}; window.__t0 = performance.now(); document.getElementById('check').click(); return true})()`);
      await waitFor("document.getElementById('result').getAttribute('data-state') === 'answered'", 60000);
      main.paste_bulk = await evaluate(`({count: document.querySelectorAll('#result article').length, ms: Number(document.getElementById('result').getAttribute('data-answered-at')) - window.__t0, genuine: document.querySelectorAll('#result article[data-verdict=genuine]').length})`);
      main.core_bulk = await evaluate(`(()=>{const t=${JSON.stringify(texts)}; const t0=performance.now(); let g=0; for (const x of t) if (window.terbitVerifier.verifyText(x).verdict==='genuine') g++; return {count: t.length, genuine: g, ms: performance.now()-t0}})()`);
      const opens = [];
      for (let i = 0; i < (sc.bench.loads || 0); i++) opens.push(await open(sc.pages.main));
      main.opens = opens.map((o) => o.ready_ms);
    }

    // Pages whose trust data must be refused or flagged.
    // In the given order: a rolled-back page is one opened after a newer one.
    for (const [name, file] of sc.others) {
      const p = (out.pages[name] = { open: await open(file) });
      p.memory = await evaluate("document.getElementById('trust').getAttribute('data-memory')");
      p.paste_genuine = await paste(sc.paste.genuine);
      if (name === 'stale') await shot('verifier-stale.png');
      if (p.open.trust === 'new-root') {
        // The clerk compared the fingerprint and accepts the new root.
        await evaluate("document.getElementById('accept-root').click(), true");
        await waitFor("document.getElementById('trust').getAttribute('data-state') !== 'new-root'");
        p.accepted = { trust: await evaluate("document.getElementById('trust').getAttribute('data-state')"), banner: await evaluate("document.getElementById('trust').innerText") };
        p.paste_after_accepting = await paste(sc.paste.genuine);
        // Opened again: the new root is now the one remembered.
        p.reopened = await open(file);
      }
    }
    // No storage at all: the page says it cannot refuse rolled-back data.
    if (sc.no_storage) {
      const { identifier } = await Page.addScriptToEvaluateOnNewDocument({ source: "Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('storage is disabled', 'SecurityError'); } });" });
      const p = (out.pages.no_storage = { open: await open(sc.pages.main) });
      p.memory = await evaluate("document.getElementById('trust').getAttribute('data-memory')");
      p.paste_genuine = await paste(sc.paste.genuine);
      await Page.removeScriptToEvaluateOnNewDocument({ identifier });
    }
  } finally {
    if (client) await client.close().catch(() => {});
    proc.kill('SIGKILL');
  }
}

main()
  .then(() => process.stdout.write(JSON.stringify(out)))
  .catch((e) => {
    out.error = String(e.stack || e);
    process.stdout.write(JSON.stringify(out));
    process.exitCode = 1;
  });
