// The page's rollback memory, kept in the browser's storage (ui.js reads
// and writes it; this file only decides). Per district: the root it was
// last seen under, and per district and root the newest trust list (its
// sequence and digest); per issuer the newest revocation list. A page
// whose data is older than what this browser has seen is refused, not
// ignored: an older trust list could vouch for a key since revoked, an
// older revocation list could show a revoked document as in force. A new
// root for a district is refused until the clerk accepts it (after
// comparing its fingerprint with the one the district publishes).

export const MEMORY_KEY = 'terbit-trust-memory/2';
/** The first page's memory: {"district:fingerprint": {sequence, digest}}. */
export const OLD_MEMORY_KEY = 'terbit-trust-memory';

export const emptyMemory = () => ({ roots: {}, lists: {}, revocations: {} });

const grouped = (fp) => fp.match(/.{4}/g).join(' ');
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const okEntry = (e) => isObj(e) && typeof e.sequence === 'string' && /^[0-9]{1,16}$/.test(e.sequence) && typeof e.digest === 'string';

/**
 * The memory from its stored text (and the first page's, when there is no
 * new one yet): {memory, damaged}. A stored text that does not read is
 * damaged: the page says so (and starts again from nothing).
 */
export function parseMemory(text, oldText) {
  if (text === null || text === undefined) {
    const memory = emptyMemory();
    if (oldText === null || oldText === undefined) return { memory, damaged: false };
    let old;
    try {
      old = JSON.parse(oldText);
    } catch {
      return { memory, damaged: true };
    }
    if (!isObj(old)) return { memory, damaged: true };
    const roots = {};
    for (const [k, v] of Object.entries(old)) {
      const m = /^([^:]+):([0-9a-f]{64})$/.exec(k);
      if (!m || !okEntry(v)) continue;
      memory.lists[k] = { sequence: v.sequence, digest: v.digest };
      (roots[m[1]] ||= new Set()).add(m[2]);
    }
    // A district seen under one root only: that root is the one remembered.
    for (const [d, fps] of Object.entries(roots)) if (fps.size === 1) memory.roots[d] = [...fps][0];
    return { memory, damaged: false };
  }
  let m;
  try {
    m = JSON.parse(text);
  } catch {
    return { memory: emptyMemory(), damaged: true };
  }
  if (!isObj(m) || !isObj(m.roots) || !isObj(m.lists) || !isObj(m.revocations)) return { memory: emptyMemory(), damaged: true };
  const memory = emptyMemory();
  for (const [d, fp] of Object.entries(m.roots)) if (typeof fp === 'string' && /^[0-9a-f]{64}$/.test(fp)) memory.roots[d] = fp;
  for (const [k, v] of Object.entries(m.lists)) if (okEntry(v)) memory.lists[k] = { sequence: v.sequence, digest: v.digest };
  for (const [k, v] of Object.entries(m.revocations)) {
    if (!okEntry(v)) continue;
    memory.revocations[k] = { sequence: v.sequence, digest: v.digest };
    if (typeof v.signedAt === 'string' && /^-?[0-9]{1,16}$/.test(v.signedAt)) memory.revocations[k].signedAt = v.signedAt;
  }
  return { memory, damaged: false };
}

/**
 * Check the page's districts (from loadBundle) against `memory`.
 * `accepted` holds the districts whose new root the clerk accepted.
 * Returns {memory (updated; to store only when error is null), error,
 * rootChanges: [{district, before, now}]}.
 */
export function checkMemory(memory, districts, accepted = new Set()) {
  const next = { roots: { ...memory.roots }, lists: { ...memory.lists }, revocations: { ...memory.revocations } };
  const rootChanges = [];
  for (const d of districts) {
    const before = memory.roots[d.district];
    if (before && before !== d.fingerprint && !accepted.has(d.district)) rootChanges.push({ district: d.district, before, now: d.fingerprint });
  }
  if (rootChanges.length) {
    const why = rootChanges
      .map((c) => `district ${c.district}: this page's root is not the one this browser saw before (before: SHA-256 ${grouped(c.before)}; now: SHA-256 ${grouped(c.now)})`)
      .join('; ');
    return { memory, rootChanges, error: `${why}. Compare the new fingerprint with the one the district publishes; accept the new root only if they match` };
  }
  for (const d of districts) {
    const key = `${d.district}:${d.fingerprint}`;
    const s = memory.lists[key];
    if (s && BigInt(s.sequence) > d.sequence) {
      return { memory, rootChanges, error: `district ${d.district}: this page's trust list is no. ${d.sequence}, but this browser has already seen no. ${s.sequence} (a rolled-back list)` };
    }
    if (s && BigInt(s.sequence) === d.sequence && s.digest !== d.digest) {
      return { memory, rootChanges, error: `district ${d.district}: this page's list no. ${d.sequence} differs from the no. ${s.sequence} seen before` };
    }
    const lists = d.revocationLists || [];
    const issuers = new Set(lists.map((r) => r.issuer));
    for (const r of lists) {
      const seen = memory.revocations[r.issuer];
      if (seen && BigInt(seen.sequence) > r.sequence) {
        return {
          memory,
          rootChanges,
          error: `issuer ${r.issuer}: this page's revocation list is no. ${r.sequence}, but this browser has already seen no. ${seen.sequence} (a rolled-back revocation list: documents revoked since would show as in force)`,
        };
      }
      if (seen && BigInt(seen.sequence) === r.sequence && seen.digest !== r.digest) {
        return { memory, rootChanges, error: `issuer ${r.issuer}: this page's revocation list no. ${r.sequence} differs from the no. ${seen.sequence} seen before` };
      }
      // As the CLI's memory: a list numbered after one seen is signed after it
      // (a key's holder backdating a high number is refused).
      if (seen && seen.signedAt !== undefined && r.sequence > BigInt(seen.sequence) && r.updatedAt < BigInt(seen.signedAt)) {
        return { memory, rootChanges, error: `issuer ${r.issuer}: this page's revocation list no. ${r.sequence} is dated before the no. ${seen.sequence} seen before: a list numbered after another is signed after it` };
      }
    }
    // Only the district's own issuer's list: a district whose list was left out is rolled back as well.
    const seenOwn = memory.revocations[d.district];
    if (seenOwn && !issuers.has(d.district)) {
      return { memory, rootChanges, error: `issuer ${d.district}: this page carries no revocation list, but this browser has already seen no. ${seenOwn.sequence} (a rolled-back revocation list)` };
    }
  }
  for (const d of districts) {
    next.roots[d.district] = d.fingerprint;
    next.lists[`${d.district}:${d.fingerprint}`] = { sequence: String(d.sequence), digest: d.digest };
    for (const r of d.revocationLists || []) next.revocations[r.issuer] = { sequence: String(r.sequence), digest: r.digest, signedAt: String(r.updatedAt) };
  }
  return { memory: next, rootChanges, error: null };
}
