#!/usr/bin/env bash
# Re-render the preview PNGs from the current templates (needs poppler-utils):
#   bash templates/previews/make.sh
# One page per kind for Kabupaten Kediri, plus Kabupaten Sampang's birth
# certificate, which shows the region logo.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo build --quiet --manifest-path "$root/Cargo.toml"
terbit="${CARGO_TARGET_DIR:-$root/target}/debug/terbit"
for region in "" "$root/templates/regions/3527-sampang.toml"; do
  dir="$out/r${region:+-sampang}"
  mkdir -p "$dir"
  args=(); [ -n "$region" ] && args=(--region "$region")
  for kind in birth death family_card move_out move_in ktp; do
    "$terbit" samples --kind "$kind" --count 40 --seed 3 --as-of 2026-11-23 "${args[@]}" --out "$dir/$kind.csv" >/dev/null
  done
  issuer=$([ -n "$region" ] && echo 3527 || echo 3506)
  "$terbit" keys generate --issuer "$issuer" --dir "$dir/keys" --not-before 2026-01-01 >/dev/null
  "$terbit" issue "$dir"/*.csv "${args[@]}" --keys "$dir/keys" --out "$dir/out" --issued-on 2026-11-23 >/dev/null
done
first() { grep ",$2," "$1"/manifest.csv | head -1 | cut -d, -f6; }
kediri=$(echo "$out"/r/out/2*)
for kind in birth death family_card move_out move_in ktp; do
  pdftoppm -r 45 -gray -png -singlefile "$kediri/$(first "$kediri" "$kind")" "$root/templates/previews/$kind"
done
sampang=$(echo "$out"/r-sampang/out/2*)
pdftoppm -r 45 -gray -png -singlefile "$sampang/$(first "$sampang" birth)" "$root/templates/previews/birth-sampang"
ls -la "$root/templates/previews"
