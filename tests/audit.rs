//! `terbit verify` as a forger and a tired clerk would meet it: swapped
//! print-file pages, escape sequences in forged QRs, hostile run
//! directories, unreadable photos, many targets at once, closed pipes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::terbit;

/// A demo run in `d/demo`: its run directory.
fn demo(d: &Path) -> PathBuf {
    let (code, out, err) = terbit(d, &["demo", "--out", "demo", "--count", "24"]);
    assert_eq!(code, 0, "{out}\n{err}");
    std::fs::read_dir(d.join("demo/runs")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap()
}

const TRUST: &str = "demo/trust-bundle.json";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The print file with the QR image of its page 2 replaced by page 3's.
fn swap_page_qr(print: &Path) {
    let mut doc = lopdf::Document::load(print).unwrap();
    let pages: Vec<_> = doc.get_pages().into_values().collect();
    let qr_of = |doc: &lopdf::Document, page| {
        let d = doc.get_dictionary(page).unwrap();
        let res = d.get(b"Resources").unwrap();
        let res = match res {
            lopdf::Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
            o => o.as_dict().unwrap(),
        };
        let x = match res.get(b"XObject").unwrap() {
            lopdf::Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
            o => o.as_dict().unwrap(),
        };
        x.get(b"QR").unwrap().as_reference().unwrap()
    };
    let (a, b) = (qr_of(&doc, pages[1]), qr_of(&doc, pages[2]));
    let third = doc.get_object(b).unwrap().clone();
    doc.objects.insert(a, third);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    // lopdf ends a file at %%EOF; a forger adds the line break terbit writes
    // (a file without it is refused as cut short).
    bytes.push(b'\n');
    std::fs::write(print, bytes).unwrap();
}

#[test]
fn a_swapped_print_file_page_is_named_by_file_and_by_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = demo(d);
    let print = std::fs::read_dir(run.join("print")).unwrap().flatten().map(|e| e.path()).max_by_key(|p| std::fs::metadata(p).unwrap().len()).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, print.to_str().unwrap()]);
    assert_eq!(code, 0, "a genuine print file: {out}");
    assert!(out.contains("genuine"), "{out}");
    swap_page_qr(&print);
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, print.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    // Pages 2 and 3 now carry one QR: they read as one document whose
    // page 2 shows another document's values.
    assert!(out.contains("pages 2–3: INVALID") && out.contains("page 2: printed document number"), "{out}");
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, run.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    let name = print.file_name().unwrap().to_str().unwrap();
    assert!(out.contains(&format!("print/{name} page 2: invalid")), "{out}");
    assert!(out.contains(&format!("print file print/{name} differs from the sealed one")), "{out}");
}

#[test]
fn hostile_run_directories_are_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = demo(d);
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, run.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // A document replaced by a link to /dev/zero, another by a FIFO, a
    // manifest symlinked away, a link to a folder outside.
    let hostile = d.join("hostile");
    copy_dir(&run, &hostile);
    let manifest = std::fs::read_to_string(hostile.join("manifest.csv")).unwrap();
    let files: Vec<String> = manifest.lines().skip(1).take(3).map(|l| l.split(',').nth(5).unwrap().to_string()).collect();
    std::fs::remove_file(hostile.join(&files[0])).unwrap();
    std::os::unix::fs::symlink("/dev/zero", hostile.join(&files[0])).unwrap();
    std::fs::remove_file(hostile.join(&files[1])).unwrap();
    rustix::fs::mknodat(rustix::fs::CWD, hostile.join(&files[1]), rustix::fs::FileType::Fifo, rustix::fs::Mode::from_raw_mode(0o600), 0).unwrap();
    std::os::unix::fs::symlink("/etc", hostile.join("etc")).unwrap();
    // A document grown to 17 MiB (sparse: no disk used).
    std::fs::OpenOptions::new().write(true).open(hostile.join(&files[2])).unwrap().set_len(17 << 20).unwrap();
    let t = Instant::now();
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, hostile.to_str().unwrap()]);
    assert!(t.elapsed() < Duration::from_secs(60), "took {:?}", t.elapsed());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("a symbolic link (not followed)"), "{out}");
    assert!(out.contains("not a regular file (not read)"), "{out}");
    assert!(out.contains("etc: a symbolic link (not followed)"), "{out}");
    assert!(out.contains(&format!("{}: larger than 16 MiB (not read)", files[2])), "{out}");
    // The manifest itself a link: the run is refused.
    std::fs::rename(hostile.join("manifest.csv"), d.join("m.csv")).unwrap();
    std::os::unix::fs::symlink(d.join("m.csv"), hostile.join("manifest.csv")).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, hostile.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("manifest.csv: a symbolic link (not followed)"), "{out}");
    // A manifest of 2 GiB (sparse) is refused before it is read.
    std::fs::remove_file(hostile.join("manifest.csv")).unwrap();
    std::fs::File::create(hostile.join("manifest.csv")).unwrap().set_len(2 << 30).unwrap();
    let t = Instant::now();
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, hostile.to_str().unwrap()]);
    assert!(t.elapsed() < Duration::from_secs(20), "took {:?}", t.elapsed());
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("manifest.csv: larger than 1024 MiB (not read)"), "{out}");
}

#[test]
fn forged_text_is_escaped_and_unverified_fields_are_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    demo(d);
    // A QR signed by a key nobody trusts, its name holding escape sequences.
    // Claims with control characters cannot come through issue (validation
    // refuses them): a forger signs them directly.
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let signer = terbit::dk1::keys::Signer { kid: terbit::dk1::keys::kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() };
    let claims = terbit::dk1::Claims {
        issuer: "3506".into(),
        issued_at: 1_795_392_000,
        expiry: None,
        record: terbit::dk1::Record { kind: 1, number: "3506-LU-23112026-0001".into(), nik: "3506014507260001".into(), name: "\u{1b}[2J\u{1b}[HGENUINE\u{202E}".into(), issue_date: "2026-11-23".into(), ..Default::default() },
    };
    let qr = terbit::dk1::seal(&claims, &signer);
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, &qr]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202E}'), "{out:?}");
    assert!(out.contains("\\u{001B}[2J") && out.contains("\\u{202E}"), "{out}");
    assert!(out.contains("UNTRUSTED") && out.contains("UNVERIFIED — do not rely on these"), "{out}");
    let (_, json, _) = terbit(d, &["verify", "--json", "--trust", TRUST, &qr]);
    assert!(!json.contains('\u{202E}') && !json.contains("\\u001b"), "{json}");
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("verify --json prints JSON");
    let name = parsed[0]["report"]["unverified"].as_array().unwrap().iter().find(|f| f[0] == "name").unwrap()[1].as_str().unwrap().to_string();
    assert_eq!(name, "\\u{001B}[2J\\u{001B}[HGENUINE\\u{202E}");
    assert!(parsed[0]["report"]["fields"].as_array().unwrap().is_empty());
}

#[test]
fn unreadable_photos_many_line_files_damaged_prefixes_and_closed_pipes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let run = demo(d);
    // A photo with no QR in it: UNREADABLE, exit 3, never INVALID.
    let blank = image::GrayImage::from_pixel(400, 300, image::Luma([200]));
    blank.save(d.join("blurry.png")).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, "blurry.png"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("UNREADABLE — ") && out.contains("take the photo again") && !out.contains("INVALID"), "{out}");
    // A text file of QR texts: one verdict per line and a summary.
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let qrs: Vec<&str> = manifest.lines().skip(1).take(3).map(|l| l.rsplit(',').next().unwrap()).collect();
    std::fs::write(d.join("qrs.txt"), format!("{}\n\n{}\n{}\nDK1:NOT A CODE\n", qrs[0], qrs[1], qrs[2])).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, "qrs.txt"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("qrs.txt line 1: GENUINE") && out.contains("qrs.txt line 5: INVALID"), "{out}");
    assert!(out.contains("qrs.txt: 4 QR texts, 3 genuine"), "{out}");
    // A damaged prefix is a verdict on the text, not a file error.
    let damaged = qrs[0].replacen("DK1:", "DK1;", 1);
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, &damaged]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("INVALID"), "{out}");
    // Every target gets its answer; the worst decides the exit code.
    let (code, out, _) = terbit(d, &["verify", "--trust", TRUST, qrs[0], "missing.pdf", qrs[1]]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("missing.pdf: ERROR") && out.contains("3 targets: 2 genuine, 0 not genuine, 0 unreadable photos, 1 could not be read"), "{out}");
    // A closed pipe ends quietly with the verdict's exit code.
    let mut child = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["verify", "--trust", TRUST, run.to_str().unwrap()])
        .current_dir(d)
        // The test's own memory of trust lists seen, not the user's.
        .env("XDG_STATE_HOME", d.join("state"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
