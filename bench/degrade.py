#!/usr/bin/env python3
"""Photo and scan degradation set: how many pictures of genuine pages
terbit reads, beside zbar.

    cargo run --release -- demo --out /tmp/deg-demo --count 80
    python3 bench/degrade.py /tmp/deg-demo /tmp/deg-set [--per-kind 20] [--skip N] [--seed S]

Takes up to --per-kind documents of each of the six kinds from the demo's
run (after the first --skip of each: a second set to check that what the
ladder learnt from one set holds on another), renders page 1 with pdftoppm, and makes one picture per condition
(blur, JPEG, noise, rotation, perspective, uneven light, low contrast,
low resolution, whole-page phone photos, print-and-scan, QR crops). Then
reads every picture with `zbarimg` and with `terbit verify --json`, and
prints, per condition: pictures, zbar's reads, terbit's reads, terbit's
reads among zbar's, and wrong documents (a QR read that is not the page's).
Needs pillow, numpy, pdftoppm, zbarimg. Deterministic (seeded).
"""
import csv, json, os, random, subprocess, sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

DPI = 300


def render(pdf, out_png):
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-gray", "-png", "-singlefile", pdf, out_png[:-4]], check=True)
    return Image.open(out_png).convert("L")


def scale(img, dpi):
    f = dpi / DPI
    return img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.LANCZOS)


def blur(img, s):
    return img.filter(ImageFilter.GaussianBlur(s))


def noise(img, sigma, rng):
    a = np.asarray(img, dtype=np.float32)
    a = a + rng.normal(0, sigma, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def jpeg(img, q, path):
    img.save(path, quality=q)
    return Image.open(path).convert("L")


def rotate(img, deg):
    return img.rotate(deg, resample=Image.BICUBIC, expand=True, fillcolor=255)


def light(img, lo=0.45, hi=1.0):
    a = np.asarray(img, dtype=np.float32)
    h, w = a.shape
    xs = np.linspace(lo, hi, w)[None, :]
    ys = np.linspace(1.0, 0.8, h)[:, None]
    return Image.fromarray(np.clip(a * xs * ys, 0, 255).astype(np.uint8))


def contrast(img, dark, bright):
    a = np.asarray(img, dtype=np.float32) / 255.0
    return Image.fromarray((dark + a * (bright - dark)).astype(np.uint8))


def perspective(img, k):
    w, h = img.size
    d = k * w
    # Map the output quad to the input: a page photographed from below.
    coeffs = find_coeffs([(0, 0), (w, 0), (w, h), (0, h)], [(d, 0), (w - d, 0), (w, h), (0, h)])
    return img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=255)


def find_coeffs(pa, pb):
    m = []
    for p1, p2 in zip(pa, pb):
        m.append([p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]])
        m.append([0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]])
    a = np.array(m, dtype=np.float64)
    b = np.array(pb, dtype=np.float64).reshape(8)
    return np.linalg.solve(a, b).tolist()


def width(img, px):
    f = px / img.width
    return img.resize((px, int(img.height * f)), Image.LANCZOS)


def qr_crop(img, kind):
    # The QR's place in the templates (mm): birth/death/ktp/moves x=20,y=205,60 mm; family card x=14,y=134.
    x, y = (14, 134) if kind == "family_card" else (20, 205)
    px = DPI / 25.4
    m = 8
    return img.crop((int((x - m) * px), int((y - m) * px), int((x + 60 + m) * px), int((y + 60 + m) * px)))


CONDITIONS = {
    "scan 150 dpi": lambda p, k, r, t: scale(p, 150),
    "scan 100 dpi": lambda p, k, r, t: scale(p, 100),
    "scan 75 dpi": lambda p, k, r, t: scale(p, 75),
    "blur 1.5 px at 150 dpi": lambda p, k, r, t: blur(scale(p, 150), 1.5),
    "blur 2.5 px at 200 dpi": lambda p, k, r, t: blur(scale(p, 200), 2.5),
    "JPEG q15 at 150 dpi": lambda p, k, r, t: jpeg(scale(p, 150), 15, t),
    "noise 30 at 150 dpi": lambda p, k, r, t: noise(scale(p, 150), 30, r),
    "rotated 7° at 150 dpi": lambda p, k, r, t: rotate(scale(p, 150), 7),
    "rotated 180° at 150 dpi": lambda p, k, r, t: rotate(scale(p, 150), 180),
    "perspective 12% at 200 dpi": lambda p, k, r, t: perspective(scale(p, 200), 0.12),
    "uneven light at 150 dpi": lambda p, k, r, t: light(scale(p, 150)),
    "low contrast at 150 dpi": lambda p, k, r, t: contrast(scale(p, 150), 90, 170),
    "print-and-scan 150 dpi": lambda p, k, r, t: jpeg(noise(blur(rotate(scale(p, 150), 1.5), 1.0), 8, r), 60, t),
    "whole page photo 1000 px": lambda p, k, r, t: width(p, 1000),
    "whole page photo 1000 px, tilted, blurred, uneven light": lambda p, k, r, t: jpeg(light(noise(blur(rotate(width(p, 1000), 4), 0.8), 6, r), 0.5, 1.0), 70, t),
    "phone photo 1600 px, perspective, blur, light": lambda p, k, r, t: jpeg(light(blur(perspective(rotate(width(p, 1600), 3), 0.08), 1.2), 0.45, 1.0), 75, t),
    "QR crop at 100 dpi": lambda p, k, r, t: scale(qr_crop(p, k), 100),
    "QR crop at 72 dpi": lambda p, k, r, t: scale(qr_crop(p, k), 72),
    "QR crop at 150 dpi, blur 2": lambda p, k, r, t: blur(scale(qr_crop(p, k), 150), 2.0),
}


def main():
    demo, out = Path(sys.argv[1]), Path(sys.argv[2])
    opt = lambda name, default: int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default
    per_kind, skip, seed = opt("--per-kind", 20), opt("--skip", 0), opt("--seed", 1)
    terbit = os.environ.get("TERBIT", "target/release/terbit")
    run = sorted((demo / "runs").iterdir())[-1]
    trust = demo / "keys" / "trust.json"
    rows = list(csv.DictReader(open(run / "manifest.csv", newline="")))
    by_kind = {}
    for r in rows:
        by_kind.setdefault(r["kind"], []).append(r)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    items = []  # (condition, image path, expected qr)
    for kind, docs in sorted(by_kind.items()):
        for d in docs[skip:skip + per_kind]:
            page = None
            for ci, (name, make) in enumerate(CONDITIONS.items()):
                p = out / f"{kind}-{d['document_number']}-{ci:02d}.jpg"
                if not p.exists():
                    # Made once: the set is kept for the next build's figures.
                    page = page or render(str(run / d["file"]), str(out / "page.png"))
                    img = make(page, kind, rng, str(out / "tmp.jpg"))
                    img.save(p, quality=95)
                items.append((name, str(p), d["qr"]))
    cache = out / "zbar.json"
    zbar = json.loads(cache.read_text()) if cache.exists() else {}
    for _, p, _ in items:
        if p not in zbar:
            r = subprocess.run(["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", p], capture_output=True, text=True)
            zbar[p] = [l for l in r.stdout.splitlines() if l]
    cache.write_text(json.dumps(zbar))
    ours = {}
    for i in range(0, len(items), 200):
        chunk = [p for _, p, _ in items[i:i + 200]]
        r = subprocess.run([terbit, "verify", "--json", "--trust", str(trust), *chunk], capture_output=True, text=True)
        for a in json.loads(r.stdout):
            rep = a.get("report") or {}
            ours[a["target"]] = rep.get("qr")
    stats = {}
    for name, p, qr in items:
        s = stats.setdefault(name, [0, 0, 0, 0, 0])
        s[0] += 1
        z = qr in zbar[p]
        o = ours.get(p) == qr
        s[1] += z
        s[2] += o
        s[3] += z and o
        s[4] += ours.get(p) not in (None, qr)
    print(f"{'condition':58} {'images':>6} {'zbar':>5} {'terbit':>6} {'both/zbar':>9} {'wrong':>5}")
    tot = [0, 0, 0, 0, 0]
    for name, s in stats.items():
        tot = [a + b for a, b in zip(tot, s)]
        print(f"{name:58} {s[0]:6} {s[1]:5} {s[2]:6} {100 * s[3] / max(s[1], 1):8.1f}% {s[4]:5}")
    print(f"{'all':58} {tot[0]:6} {tot[1]:5} {tot[2]:6} {100 * tot[3] / max(tot[1], 1):8.1f}% {tot[4]:5}")


if __name__ == "__main__":
    main()
