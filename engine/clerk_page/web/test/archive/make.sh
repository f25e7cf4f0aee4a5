#!/bin/bash
# How test/archive/'s files were made (terbit's own output, committed so
# that the page's tests need no terbit binary): a document and a print
# file issued 2026-11-23 (PAdES B-LT, the district's time-stamp authority),
# renewed twice with `terbit archive renew` (PAdES B-LTA: 2028-03-01 and
# 2036-06-01, the trust list signed again before each), and the bundle of
# the district's last list. Run with T=path/to/terbit; writes into $W.
set -e
T=${T:?the terbit binary}; W=${W:-$(mktemp -d)}; HERE=$(cd "$(dirname "$0")" && pwd)
cd "$W" && export XDG_STATE_HOME=$W/state
ep() { date -d "$1" +%s; }
$T root init --district 3506 --dir root --not-before 2026-01-01 >/dev/null
$T keys generate --issuer 3506 --dir keys --not-before 2026-01-01 --not-after 2027-01-01 >/dev/null
$T trust sign --keys keys --root-key root/root-3506.key --root-cert root/root-3506.crt --at 2026-11-20T00:00:00Z --valid-days 30 >/dev/null
$T samples --kind birth --count 3 --seed 3 --as-of 2026-11-23 --out births.csv >/dev/null
SOURCE_DATE_EPOCH=$(ep 2026-11-23T20:00:00Z) $T issue births.csv --keys keys --out out --issued-on 2026-11-23 >/dev/null 2>&1
RUN=$(ls -d out/2026*-* | grep -v lock)
$T trust sign --keys keys --root-key root/root-3506.key --root-cert root/root-3506.crt --at 2028-03-01T00:00:00Z --valid-days 400 >/dev/null
SOURCE_DATE_EPOCH=$(ep 2028-03-01T10:00:00Z) $T archive renew "$RUN" --keys keys
$T trust sign --keys keys --root-key root/root-3506.key --root-cert root/root-3506.crt --at 2036-06-01T00:00:00Z --valid-days 400 >/dev/null
SOURCE_DATE_EPOCH=$(ep 2036-06-01T10:00:00Z) $T archive renew "$RUN" --keys keys
PIN=$($T trust show keys/trust-3506.json | sed -n 's/.*root fingerprint: //p' | tr -d ' ')
$T trust bundle --list keys/trust-3506.json --pin "$PIN" --out bundle.json >/dev/null
cp "$RUN"/MPP/birth/3506-LT-23112026-0001.pdf "$HERE/document.pdf"
cp "$RUN"/print/KEC-KANDANGAN.pdf "$HERE/print.pdf"
cp bundle.json "$HERE/bundle.json"
