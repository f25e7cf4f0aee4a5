// Times as a clerk reads them: in the issuing district's zone, in
// Indonesian words — "6 Desember 2026, 07.00 WIB" — as terbit's run report
// writes them (engine/kind/words.rs). The exact instant (UTC, RFC 3339)
// stays beside it for whoever needs it.
//
// A district's zone follows from its province, the first two digits of its
// code (Kemendagri area codes): Sumatra, Java, West and Central Kalimantan
// keep WIB (UTC+7); Bali, Nusa Tenggara, South, East and North Kalimantan
// and Sulawesi WITA (UTC+8); Maluku and Papua WIT (UTC+9).

import { rfc3339 } from './core.js';

export const MONTHS = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];

const WITA = new Set(['51', '52', '53', '63', '64', '65', '71', '72', '73', '74', '75', '76']);
const WIT = new Set(['81', '82', '91', '92', '93', '94', '95', '96']);
const WIB = new Set(['11', '12', '13', '14', '15', '16', '17', '18', '19', '21', '31', '32', '33', '34', '35', '36', '61', '62']);

/** The zone of a district (regency/city code "3506"): {name, hours}, or null for a code of no known province. */
export function zoneOf(district) {
  const p = /^\d{2}/.exec(String(district ?? ''));
  if (!p) return null;
  if (WIB.has(p[0])) return { name: 'WIB', hours: 7 };
  if (WITA.has(p[0])) return { name: 'WITA', hours: 8 };
  if (WIT.has(p[0])) return { name: 'WIT', hours: 9 };
  return null;
}

/** Epoch seconds at the district's zone: "6 Desember 2026, 07.00 WIB"; in UTC where the zone is unknown. */
export function localTime(epoch, district) {
  const z = zoneOf(district) || { name: 'UTC', hours: 0 };
  const ms = (Number(epoch) + z.hours * 3600) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return String(epoch);
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}.${two(d.getUTCMinutes())} ${z.name}`;
}

/** A calendar date "2026-12-06" in words: "6 Desember 2026" (the text itself when it is no such date). */
export function dateWords(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(s));
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return String(s);
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}

/** Local words and the exact instant: "6 Desember 2026, 07.00 WIB (2026-12-06T00:00:00Z)". */
export function localAndUtc(epoch, district) {
  return `${localTime(epoch, district)} (${rfc3339(epoch)})`;
}
