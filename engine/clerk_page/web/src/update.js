// A newer signed trust bundle, given to the page as a file: clerks take a
// district's new trust list or revocation list without a new page. This is
// what the page's own signature checks are for — the embedded bundle is
// checked like any other, but a file handed over later is trusted only
// because its lists verify against the roots this page pins.
//
// The rules are `terbit trust bundle`'s (engine/trust/bundle.rs, `put`) and
// `terbit verify --trust … --pin …`'s (engine/trust/store.rs, `load`):
// - the file is a whole bundle that verifies (loadBundle: every list against
//   its root, every revocation list against its district's keys);
// - every district in it is one this page pins, under the very root pinned
//   (a new root comes with a new page, never with a file);
// - no list older than the one in use: a lower sequence, or a different
//   list under the same sequence, is refused (a rolled-back list could vouch
//   for a key since revoked); a revocation list likewise, and one numbered
//   after the one in use must not be dated before it;
// - a district the file leaves out keeps what is in use, and so does a
//   district whose file entry carries no revocation list (dropping it would
//   make revoked documents genuine again).
// The result is checked whole again (no key shared between districts).

import { loadBundle, parseFingerprint, TrustError } from './core.js';

/** Where the accepted file is remembered (re-checked at every opening). */
export const UPDATE_KEY = 'terbit-trust-update/1';
/** The largest file read (a bundle of every regency is well under it). */
export const MAX_UPDATE = 4 << 20;

/** Why a file is refused: `code` for tests and the page's attributes, `message` for people. */
export class UpdateRefused extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** The file's text as a bundle object, or UpdateRefused('format'). */
export function parseUpdate(text) {
  if (typeof text !== 'string' || text.length > MAX_UPDATE) throw new UpdateRefused('format', 'not a trust bundle: larger than 4 MiB');
  try {
    return JSON.parse(text);
  } catch {
    throw new UpdateRefused('format', 'not a trust bundle: not JSON (give the trust-bundle.json file made by terbit trust bundle)');
  }
}

/**
 * The trust to use after `offered` (a parsed bundle file): `page` is the
 * page's own bundle (the pins), `inUse` the raw bundle in use now (the page's
 * or an earlier file's merged into it). Returns {bundle, trust, newer:
 * [district]}: the merged raw bundle and its loadBundle result. Throws
 * UpdateRefused: 'format' | 'signature' (a list does not verify: tampered,
 * or not signed by the root it names) | 'unpinned' (a district or root this
 * page does not pin) | 'older' (a list older than the one in use) | 'same'
 * (nothing newer than what is in use).
 */
export function applyUpdate(page, inUse, offered, now) {
  let checked;
  try {
    checked = loadBundle(offered, now);
  } catch (e) {
    if (!(e instanceof TrustError)) throw e;
    const code = offered && offered.format === 'terbit-bundle/1' ? 'signature' : 'format';
    throw new UpdateRefused(code, e.message);
  }
  if (!checked.districts.length) throw new UpdateRefused('format', 'the bundle holds no district');
  const pins = new Map(page.districts.map((d) => [d.district, parseFingerprint(d.root_fingerprint)]));
  const held = loadBundle(inUse, now);
  const grouped = (fp) => fp.match(/.{4}/g).join(' ');
  const newer = [];
  const entries = new Map(inUse.districts.map((d) => [d.district, d]));
  for (const v of checked.districts) {
    const pin = pins.get(v.district);
    if (!pin) throw new UpdateRefused('unpinned', `district ${v.district} is not one this page pins: a new district comes with a new page`);
    if (pin !== v.fingerprint) {
      throw new UpdateRefused('unpinned', `district ${v.district}'s list is signed by root SHA-256 ${grouped(v.fingerprint)}, not by the root this page pins (SHA-256 ${grouped(pin)})`);
    }
    const h = held.districts.find((d) => d.district === v.district);
    let isNewer = false;
    if (h) {
      if (v.sequence < h.sequence || (v.sequence === h.sequence && v.digest !== h.digest)) {
        throw new UpdateRefused('older', `district ${v.district}: list no. ${v.sequence} is not newer than no. ${h.sequence} in use${v.sequence === h.sequence ? ' (and differs from it)' : ''}`);
      }
      isNewer = v.sequence > h.sequence;
    } else isNewer = true;
    const fileEntry = offered.districts.find((d) => d.district === v.district);
    const heldEntry = entries.get(v.district);
    for (const r of v.revocationLists) {
      const o = h && h.revocationLists.find((x) => x.issuer === r.issuer);
      if (o && (o.sequence > r.sequence || (o.sequence === r.sequence && o.digest !== r.digest) || (o.sequence < r.sequence && o.updatedAt > r.updatedAt))) {
        throw new UpdateRefused('older', `district ${v.district}: revocation list no. ${r.sequence} is not newer than no. ${o.sequence} in use`);
      }
      if (!o || r.sequence > o.sequence) isNewer = true;
    }
    // No revocation list in the file: the one in use stays.
    const revocations = fileEntry.revocations.length || !heldEntry ? fileEntry.revocations : heldEntry.revocations;
    entries.set(v.district, { ...fileEntry, revocations });
    if (isNewer) newer.push(v.district);
  }
  if (!newer.length) throw new UpdateRefused('same', 'nothing in this file is newer than the trust data in use');
  const bundle = { format: 'terbit-bundle/1', districts: [...entries.values()].sort((a, b) => (a.district < b.district ? -1 : a.district > b.district ? 1 : 0)) };
  let trust;
  try {
    trust = loadBundle(bundle, now);
  } catch (e) {
    if (!(e instanceof TrustError)) throw e;
    throw new UpdateRefused('signature', e.message);
  }
  return { bundle, trust, newer };
}
