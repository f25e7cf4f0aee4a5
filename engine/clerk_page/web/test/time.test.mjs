// Issue times on the page: in the issuing district's zone and Indonesian
// words, as a clerk reads them ("6 Desember 2026, 07.00 WIB").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { zoneOf, localTime, localAndUtc, dateWords } from '../src/time.js';

const NIGHT = 1796515200; // 2026-12-06T00:00:00Z: a night's documents are issued at midnight UTC.

test('a district reads its own zone: WIB, WITA, WIT', () => {
  assert.equal(localTime(NIGHT, '3506'), '6 Desember 2026, 07.00 WIB'); // Kabupaten Kediri, Jawa Timur
  assert.equal(localTime(NIGHT, '5171'), '6 Desember 2026, 08.00 WITA'); // Kota Denpasar, Bali
  assert.equal(localTime(NIGHT, '7371'), '6 Desember 2026, 08.00 WITA'); // Kota Makassar
  assert.equal(localTime(NIGHT, '9471'), '6 Desember 2026, 09.00 WIT'); // Kota Jayapura, Papua
  assert.equal(localTime(NIGHT + 17 * 3600 + 5 * 60, '8271'), '7 Desember 2026, 02.05 WIT'); // over midnight
  assert.equal(localTime(NIGHT, '6171'), '6 Desember 2026, 07.00 WIB'); // Pontianak, West Kalimantan
  assert.equal(localTime(NIGHT, '6471'), '6 Desember 2026, 08.00 WITA'); // Balikpapan, East Kalimantan
  // A code of no province: UTC, said so.
  assert.equal(localTime(NIGHT, '9999'), '6 Desember 2026, 00.00 UTC');
  assert.equal(localTime(NIGHT, undefined), '6 Desember 2026, 00.00 UTC');
  assert.equal(localAndUtc(NIGHT, '3506'), '6 Desember 2026, 07.00 WIB (2026-12-06T00:00:00Z)');
  assert.equal(localTime(1e20, '3506'), '100000000000000000000');
});

test("every province of the embedded area data has its zone", () => {
  const csv = readFileSync(fileURLToPath(new URL('../../../kind/reference/idn-area/provinces.csv', import.meta.url)), 'utf8');
  const codes = csv.trim().split('\n').slice(1).map((l) => l.split(',')[0]);
  assert.ok(codes.length >= 38, codes.join(' '));
  for (const c of codes) assert.ok(zoneOf(`${c}01`), `province ${c} has no zone`);
});

test('dates in words', () => {
  assert.equal(dateWords('2026-12-06'), '6 Desember 2026');
  assert.equal(dateWords('2021-06-23'), '23 Juni 2021');
  assert.equal(dateWords('2026-13-01'), '2026-13-01');
  assert.equal(dateWords('06/12/2026'), '06/12/2026');
});
