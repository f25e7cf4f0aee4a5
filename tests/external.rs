//! Checks by tools terbit does not control: `qpdf --check` on every PDF,
//! `pdftoppm` at 150 dpi + `zbarimg` reading the printed QR back, and
//! pycose verifying every QR text with only the trust list.
//!
//! `.ci/run` installs these tools and sets TERBIT_REQUIRE_TOOLS=1, so in CI
//! a missing tool is a failure; elsewhere the test says what it skipped
//! and how to install it. pycose runs in a venv the tests make
//! (tests/common/tools.rs).

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use terbit::issue::{issue, IssueOptions};
use terbit::kind::region::Region;
use terbit::input::samples::{self, SampleOptions};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::tools;

/// The check's programs; missing, the test says what it skipped (tools::require).
fn require(check: &str, programs: &[(&str, &str)]) -> bool {
    tools::require(check, tools::programs(programs)).is_some()
}

fn read_manifest(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path).unwrap().lines().skip(1).map(terbit::util::csvin::split_line).collect()
}

#[test]
fn qpdf_zbar_and_pycose_agree_with_terbit() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let batch = root.join("batch.csv");
    samples::write_birth(&SampleOptions { region: &Region::kediri(), count: 120, seed: 11, defects: 0.05, as_of: date }, &batch).unwrap();
    fixture::office_keys(&root.join("keys"), "3506", &[11u8; 32], 0);
    let s = issue(&IssueOptions::defaults(batch, root.join("keys"), root.join("out"), date)).unwrap();
    let manifest = read_manifest(&s.run_dir.join("manifest.csv"));
    assert_eq!(manifest.len(), s.issued);

    if require("external check: qpdf --check", &[("qpdf", "--version")]) {
        for row in &manifest {
            let out = Command::new("qpdf").arg("--check").arg(s.run_dir.join(&row[5])).output().unwrap();
            assert!(out.status.success(), "qpdf --check {}: {}", row[5], String::from_utf8_lossy(&out.stdout));
        }
    }
    if require("external check: the QR read back by zbarimg at 150 dpi", &[("pdftoppm", "-v"), ("zbarimg", "--version")]) {
        // Every 4th document: render the page at 150 dpi, read the QR back.
        for row in manifest.iter().step_by(4) {
            let png = root.join("page");
            let st = Command::new("pdftoppm").args(["-r", "150", "-gray", "-png", "-singlefile"]).arg(s.run_dir.join(&row[5])).arg(&png).status().unwrap();
            assert!(st.success());
            // QR only: zbar's linear decoders sometimes "find" an
            // Interleaved 2 of 5 code in the QR's modules (seen once in 1,897).
            let out = Command::new("zbarimg").args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"]).arg(root.join("page.png")).output().unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), row[7], "zbarimg at 150 dpi, {}", row[5]);
        }
    }
    if require("external check: scanned pages verify", &[("pdftoppm", "-v")]) {
        scans_verify(root, &s.run_dir.join(&manifest[0][5]), &manifest[0][7]);
    }
    // A venv with pycose, cbor2 and base45 (tests/common/tools.rs makes it).
    if let Some(python) = tools::require("external check: pycose verifies the vectors and every QR text", tools::python(tools::Py::Pycose)) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/check_pycose.py");
        let out = Command::new(&python).arg(script).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.starts_with("pycose vectors: 7 verified, 0 failed"), "{text}");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pycose_verify.py");
        let out = Command::new(&python)
            .arg(script)
            .arg(s.run_dir.join("manifest.csv"))
            .arg(root.join("keys/trust.json"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(text.trim(), format!("pycose: {} verified, 0 failed", manifest.len()));
    }
}

/// A page scanned at 150 dpi, then the same page blurred, rotated 3° and
/// unevenly lit, as PNG and as JPEG: each must verify from the image alone.
fn scans_verify(root: &Path, pdf: &Path, qr: &str) {
    let trust = terbit::dk1::keys::TrustList::load(&root.join("keys/trust.json")).unwrap();
    let st = Command::new("pdftoppm").args(["-r", "150", "-png", "-singlefile"]).arg(pdf).arg(root.join("scan")).status().unwrap();
    assert!(st.success());
    let png = std::fs::read(root.join("scan.png")).unwrap();
    let r = terbit::verify::verify_image(&png, &terbit::trust::store::Trust::new(&trust));
    assert!(r.verdict.is_genuine(), "150 dpi scan: {:?}", r.verdict);
    assert_eq!(r.qr.as_deref(), Some(qr));

    let page = image::load_from_memory(&png).unwrap().to_luma8();
    let (w, h) = page.dimensions();
    let (sin, cos) = (3f32.to_radians().sin(), 3f32.to_radians().cos());
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let rotated = image::ImageBuffer::from_fn(w, h, |x, y| {
        // Inverse-rotate each output pixel into the source (bilinear), with a
        // light gradient from left (bright) to right (dim).
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        let px = |x: i64, y: i64| -> f32 {
            if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 { 255.0 } else { page.get_pixel(x as u32, y as u32).0[0] as f32 }
        };
        let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let v = px(x0, y0) * (1.0 - fx) * (1.0 - fy) + px(x0 + 1, y0) * fx * (1.0 - fy) + px(x0, y0 + 1) * (1.0 - fx) * fy + px(x0 + 1, y0 + 1) * fx * fy;
        let light = 1.0 - 0.35 * x as f32 / w as f32;
        image::Luma([(v * light).clamp(0.0, 255.0) as u8])
    });
    let photo = image::imageops::blur(&rotated, 1.0);
    for (name, format) in [("photo.png", image::ImageFormat::Png), ("photo.jpg", image::ImageFormat::Jpeg)] {
        let path = root.join(name);
        photo.save_with_format(&path, format).unwrap();
        let r = terbit::verify::verify_image(&std::fs::read(&path).unwrap(), &terbit::trust::store::Trust::new(&trust));
        assert!(r.verdict.is_genuine(), "{name}: {:?}", r.verdict);
        assert_eq!(r.qr.as_deref(), Some(qr), "{name}");
    }
}

/// A family card of twelve members flows onto two pages, each with the
/// QR, and both QRs read back; a name outside WinAnsi prints as itself
/// through the embedded font; every font is base-14 or embedded; the
/// merged print file is a sound PDF with every page.
#[test]
fn family_of_twelve_on_two_pages_and_names_beyond_winansi() {
    use terbit::kind::template::Templates;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let region = Region::kediri();
    let templates = Templates::embedded();
    let fc = templates.get("family_card").unwrap();
    let opts = SampleOptions { region: &region, count: 40, seed: 12, defects: 0.0, as_of: date };
    let rows = samples::rows(fc, &opts).unwrap();
    let col = |n: &str| fc.schema.index(n).unwrap();
    // The first family, grown to twelve members with more children.
    let id = rows[0][col("application_id")].clone();
    let mut family: Vec<Vec<String>> = rows.iter().filter(|r| r[col("application_id")] == id).cloned().collect();
    let child = rows.iter().find(|r| r[col("relationship")] == "ANAK").unwrap().clone();
    while family.len() < 12 {
        let mut c = child.clone();
        c[col("application_id")] = id.clone();
        for k in ["address", "rt", "rw", "village_code", "postal_code", "service_point"] {
            c[col(k)] = family[0][col(k)].clone();
        }
        let serial = format!("{:04}", 9000 + family.len());
        c[col("member_nik")].replace_range(12..16, &serial);
        family.push(c);
    }
    family[0][col("member_name")] = "Łucja Søren Müller".into();
    let names: Vec<&str> = fc.schema.names().collect();
    let mut df = samples::to_frame(&names, &family).unwrap();
    let batch = root.join("kk.csv");
    let mut f = std::fs::File::create(&batch).unwrap();
    use polars::prelude::SerWriter;
    polars::prelude::CsvWriter::new(&mut f).finish(&mut df).unwrap();
    fixture::office_keys(&root.join("keys"), "3506", &[12u8; 32], 0);
    let s = issue(&IssueOptions::defaults(batch, root.join("keys"), root.join("out"), date)).unwrap();
    assert_eq!((s.issued, s.rejected), (1, 0), "{s:?}");
    let manifest = read_manifest(&s.run_dir.join("manifest.csv"));
    let pdf = s.run_dir.join(&manifest[0][5]);
    let doc = lopdf::Document::load(&pdf).unwrap();
    assert_eq!(doc.get_pages().len(), 2, "twelve members, ten a page");
    let print = s.run_dir.join(s.print_files.values().next().unwrap());
    assert_eq!(lopdf::Document::load(&print).unwrap().get_pages().len(), 2);

    if require("external check: qpdf --check", &[("qpdf", "--version")]) {
        for p in [&pdf, &print] {
            let out = Command::new("qpdf").arg("--check").arg(p).output().unwrap();
            assert!(out.status.success(), "qpdf --check {}: {}", p.display(), String::from_utf8_lossy(&out.stdout));
        }
    }
    if require("external check: pages, QRs, fonts and text by poppler and zbarimg", &[("pdftoppm", "-v"), ("zbarimg", "--version"), ("pdffonts", "-v"), ("pdftotext", "-v")]) {
        for page in ["1", "2"] {
            let png = root.join(format!("p{page}"));
            let st = Command::new("pdftoppm").args(["-r", "150", "-gray", "-png", "-singlefile", "-f", page, "-l", page]).arg(&pdf).arg(&png).status().unwrap();
            assert!(st.success());
            let out = Command::new("zbarimg").args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"]).arg(root.join(format!("p{page}.png"))).output().unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), manifest[0][7], "QR on page {page}");
        }
        let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
        let fonts = String::from_utf8_lossy(&fonts.stdout);
        // Columns are fixed-width; the object ID column is "[none]" for a
        // font written inside its page's resources.
        let emb = fonts.lines().next().and_then(|h| h.find(" emb ")).map(|i| i + 1).unwrap_or(usize::MAX);
        for line in fonts.lines().skip(2) {
            let base14 = line.starts_with("Helvetica");
            let embedded = line.get(emb..emb + 3) == Some("yes");
            assert!(base14 || embedded, "font neither base-14 nor embedded: {line}\n{fonts}");
        }
        assert!(fonts.lines().skip(2).any(|l| !l.starts_with("Helvetica")), "the fallback font is embedded for Ł and ø:\n{fonts}");
        let text = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("ŁUCJA SØREN MÜLLER"), "{text}");
        assert!(text.contains("Halaman 2 dari 2"), "{text}");
    }
}
