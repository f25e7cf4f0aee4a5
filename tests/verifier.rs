//! The clerks' verifier page agrees with `terbit verify`.
//!
//! 1. Its JavaScript core (engine/clerk_page/web/src, run by node) gives the
//!    same verdict as the Rust verifier for every tests/vectors vector and
//!    for thousands of damaged copies of them (bytes flipped, inserted and
//!    cut inside the COSE structure, characters changed in the text), and
//!    refuses exactly the trust bundles the CLI refuses.
//! 2. The page itself, opened from a file in headless Chromium with a fake
//!    camera: a camera view of a document page, a PDF, a print file, a JPEG
//!    photo and pasted text give the CLI's answers (green, yellow with the
//!    newer number, red); an edited bundle makes it refuse everything and
//!    say why; a stale one warns; a rolled-back one is refused; a new root
//!    is refused naming both fingerprints until the clerk accepts it; a
//!    browser without storage is told it cannot refuse rollbacks; an
//!    unsigned PDF is red ("not signed") and a qpdf re-save still has its
//!    QR read; a photo of two documents gets an answer for each; a damaged
//!    picture is unreadable; a `.png` holding text is read as text; the
//!    page makes no network request.
//! 3. The page's node tests (engine/clerk_page/web/test/*.test.mjs), on
//!    fixtures made in JavaScript.
//!
//! Needs node and chromium, which .ci/run installs, and the page's npm
//! packages, which the tests install with `npm ci` when node_modules is
//! missing or stale (tests/common/tools.rs); without them the test says
//! what it skipped and how to install it, or fails under
//! TERBIT_REQUIRE_TOOLS.

#[path = "common/trust_fixture.rs"]
mod fixture;
#[path = "common/camera.rs"]
mod camera;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use terbit::dk1::keys::TrustList;
use terbit::trust::store::Trust;
use terbit::verify::verify_text;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

use fixture::tools;

/// node with the page's locked npm packages (tests/common/tools.rs runs
/// `npm ci` when they are missing or stale); without them the test says
/// what it skipped and how to install it.
fn node_ready(check: &str) -> bool {
    tools::require(check, tools::page_packages()).is_some()
}

/// The page core's verdicts for `texts` under `trust` (node).
fn js_verdicts(input: &Value) -> Value {
    let mut child = Command::new("node")
        .arg(root().join("engine/clerk_page/web/test/verdicts.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A small deterministic generator for the damaged copies.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Damaged copies of a DK1 text: changes inside the COSE bytes (re-encoded,
/// so they reach the CBOR and signature checks) and in the text itself.
fn damaged(qr: &str, rng: &mut Rng) -> Vec<String> {
    let bytes = base45::decode(&qr[4..]).unwrap();
    let mut out = Vec::new();
    let enc = |b: &[u8]| format!("DK1:{}", base45::encode(b));
    for _ in 0..120 {
        let mut b = bytes.clone();
        let i = rng.below(b.len());
        b[i] ^= 1 << rng.below(8);
        out.push(enc(&b));
    }
    for _ in 0..40 {
        let mut b = bytes.clone();
        let i = rng.below(b.len());
        // Bytes that are CBOR heads: small ints, lengths, maps, tags, simple values.
        let v = [0x00, 0x18, 0x40, 0x60, 0x80, 0xa0, 0xa1, 0xc0, 0xd2, 0xf4, 0xf6, 0xf7, 0xf9, 0xff, 0x5f, 0x9f, 0xbf][rng.below(17)];
        if rng.below(2) == 0 {
            b.insert(i, v);
        } else {
            b[i] = v;
        }
        out.push(enc(&b));
    }
    for _ in 0..20 {
        let mut b = bytes.clone();
        b.truncate(rng.below(b.len()));
        out.push(enc(&b));
    }
    out.push(enc(&[bytes.clone(), vec![0]].concat()));
    let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:a".chars().collect();
    for _ in 0..40 {
        let mut t: Vec<char> = qr.chars().collect();
        let i = 4 + rng.below(t.len() - 4);
        t[i] = alphabet[rng.below(alphabet.len())];
        out.push(t.into_iter().collect());
    }
    // A genuine text with something in its unprotected (unsigned) header:
    // the signature still holds, so only the header rule refuses it.
    if let Ok(ciborium::Value::Tag(18, inner)) = ciborium::from_reader::<ciborium::Value, _>(&bytes[..]) {
        if let ciborium::Value::Array(mut a) = *inner {
            for extra in [ciborium::Value::Integer(4.into()), ciborium::Value::Integer(3.into()), ciborium::Value::Text("x".into())] {
                a[1] = ciborium::Value::Map(vec![(extra, ciborium::Value::Bytes(vec![1; 8]))]);
                let mut b = Vec::new();
                ciborium::into_writer(&ciborium::Value::Tag(18, Box::new(ciborium::Value::Array(a.clone()))), &mut b).unwrap();
                out.push(enc(&b));
            }
        }
    }
    out.push(qr[..qr.len() - 1].to_string());
    out.push(format!("{qr}\n"));
    out.push(qr.replacen("DK1:", "dk1:", 1));
    out
}

#[test]
fn page_core_gives_the_clis_verdict_on_every_vector_and_damaged_text() {
    if !node_ready("verifier page core in node: the vectors and damaged texts") {
        return;
    }
    let dir = root().join("tests/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    assert!(files.len() >= 16);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut compared, mut differ) = (0, Vec::new());
    for f in &files {
        let v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        let qr = v["qr_text"].as_str().unwrap().to_string();
        let list = TrustList::parse(json!({"keys": v["trust"]}).to_string().as_bytes(), Path::new("vector")).unwrap();
        let trust = Trust::new(&list);
        let mut texts = vec![qr.clone()];
        texts.extend(damaged(&qr, &mut rng));
        let js = js_verdicts(&json!({"trust": v["trust"], "texts": texts}));
        let js = js.as_array().unwrap();
        assert_eq!(js.len(), texts.len());
        // The vector itself: the expected verdict, the same fields.
        let rust = verify_text(&qr, &trust);
        assert_eq!(js[0]["verdict"], v["expected"], "{}: page", f.display());
        assert_eq!(rust.verdict.word().to_lowercase(), v["expected"].as_str().unwrap(), "{}: cli", f.display());
        // The same signed fields, label by label (the page names the kind in Indonesian too).
        let strip_kind = |f: Vec<(String, String)>| -> Vec<(String, String)> { f.into_iter().map(|(k, v)| if k == "kind" { (k, String::new()) } else { (k, v) }).collect() };
        let js_fields: Vec<(String, String)> = js[0]["fields"].as_array().unwrap().iter().map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into())).collect();
        assert_eq!(strip_kind(js_fields), strip_kind(rust.fields.clone()), "{}: fields", f.display());
        for (t, j) in texts.iter().zip(js) {
            let r = verify_text(t, &trust).verdict.word().to_lowercase();
            compared += 1;
            if j["verdict"].as_str() != Some(r.as_str()) {
                differ.push(format!("{}: cli {r}, page {} ({}) for {t}", f.file_name().unwrap().to_string_lossy(), j["verdict"], j["reason"]));
            }
        }
    }
    assert!(differ.is_empty(), "{} of {compared} texts differ:\n{}", differ.len(), differ[..differ.len().min(20)].join("\n"));
    assert!(compared > 3000, "{compared}");
}

#[test]
fn page_core_refuses_exactly_the_bundles_the_cli_refuses() {
    if !node_ready("verifier page core in node: the bundles refused") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let bundle: Value = serde_json::from_slice(&std::fs::read(&d.bundle).unwrap()).unwrap();
    let texts = vec![d.genuine.qr.clone(), d.superseded.qr.clone(), d.revoked.qr.clone(), fixture::tampered(&d.genuine.qr)];
    let mut variants: Vec<(String, Value)> = vec![("as made".into(), bundle.clone())];
    let mut rng = Rng(42);
    // Every string field of the bundle changed in one character, one at a time.
    fn strings(v: &Value, path: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        match v {
            Value::String(_) => out.push(path.clone()),
            Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| {
                path.push(json!(i));
                strings(x, path, out);
                path.pop();
            }),
            Value::Object(o) => o.iter().for_each(|(k, x)| {
                path.push(json!(k));
                strings(x, path, out);
                path.pop();
            }),
            _ => {}
        }
    }
    let mut paths = Vec::new();
    strings(&bundle, &mut Vec::new(), &mut paths);
    for p in &paths {
        let mut b = bundle.clone();
        let mut at = &mut b;
        for k in p {
            at = if let Some(i) = k.as_u64() { &mut at[i as usize] } else { &mut at[k.as_str().unwrap()] };
        }
        let s = at.as_str().unwrap().to_string();
        if s.is_empty() {
            continue;
        }
        let chars: Vec<char> = s.chars().collect();
        let i = rng.below(chars.len());
        let repl = if chars[i] == '0' { '1' } else { '0' };
        *at = Value::String(chars.iter().enumerate().map(|(j, c)| if j == i { repl } else { *c }).collect());
        variants.push((format!("{p:?}[{i}]"), b));
    }
    // The district's unsigned key list in place of its signed one.
    let mut unsigned = bundle.clone();
    unsigned["districts"][0]["trust"] = json!({"keys": bundle["districts"][0]["trust"]["keys"]});
    variants.push(("unsigned list".into(), unsigned));
    let mut nocose = bundle.clone();
    nocose["districts"][0]["trust"].as_object_mut().unwrap().remove("cose");
    variants.push(("signature removed".into(), nocose));
    let mut extra = bundle.clone();
    extra["districts"][0]["extra"] = json!(1);
    variants.push(("unknown field".into(), extra));
    let mut twice = bundle.clone();
    let first = twice["districts"][0].clone();
    twice["districts"].as_array_mut().unwrap().push(first);
    variants.push(("district twice".into(), twice));
    let mut disagree = Vec::new();
    for (name, b) in &variants {
        let path = d.dir.join("variant.json");
        std::fs::write(&path, b.to_string()).unwrap();
        let rust = terbit::trust::store::TrustStore::load(&terbit::trust::store::TrustSource { path: path.clone(), now: 1_800_000_000, ..Default::default() });
        let js = js_verdicts(&json!({"bundle": b, "now": 1_800_000_000u64, "texts": texts}));
        match (&rust, js.get("refused")) {
            (Ok(store), None) => {
                let trust = store.trust();
                for (t, j) in texts.iter().zip(js.as_array().unwrap()) {
                    let r = verify_text(t, &trust).verdict.word().to_lowercase();
                    if j["verdict"].as_str() != Some(r.as_str()) {
                        disagree.push(format!("{name}: cli {r}, page {}", j["verdict"]));
                    }
                }
            }
            (Err(_), Some(_)) => {}
            (Ok(_), Some(why)) => disagree.push(format!("{name}: page refused ({why}), cli accepted")),
            (Err(e), None) => disagree.push(format!("{name}: cli refused ({e}), page accepted")),
        }
    }
    assert!(variants.len() > 30, "{}", variants.len());
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
}

#[test]
fn the_page_in_a_browser_agrees_with_the_cli() {
    if !node_ready("verifier page in headless Chromium") {
        return;
    }
    let Some(chromium) = tools::require("verifier page in headless Chromium", tools::chromium()) else { return };
    if tools::require("verifier page in headless Chromium: photos of the page", tools::program("pdftoppm", "-v")).is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let (_, stale_page) = fixture::make_stale(&d);
    let edited = fixture::edited_page(&d);
    let rolled_back = dir.join("older.html");
    std::fs::copy(&d.page, &rolled_back).unwrap();
    // A photo of the page (JPEG), a camera video of it, a file that is no picture.
    let st = Command::new("pdftoppm").args(["-r", "120", "-jpeg", "-singlefile"]).arg(&d.genuine.file).arg(dir.join("photo")).status().unwrap();
    assert!(st.success());
    camera::camera_video(&d.genuine.file, &dir.join("camera.y4m"), dir);
    std::fs::write(dir.join("junk.jpg"), b"\xff\xd8\xff\xe0 this is not a picture").unwrap();
    // The genuine PDF with one byte of its page changed (its QR intact).
    let mut flipped = std::fs::read(&d.genuine.file).unwrap();
    let at = flipped.windows(7).position(|w| w == b"stream\n").unwrap() + 30;
    flipped[at] ^= 1;
    std::fs::write(dir.join("flipped.pdf"), &flipped).unwrap();
    let print = std::fs::read_dir(d.run.join("print")).unwrap().flatten().map(|e| e.path()).next().unwrap();
    // The genuine PDF re-saved by qpdf (indirect /Length): its QR is still found, the file is not genuine.
    let qdf = dir.join("qdf.pdf");
    let qpdf = tools::require("verifier page in headless Chromium: a qpdf re-save", tools::program("qpdf", "--version")).is_some();
    let qpdf = qpdf && Command::new("qpdf").arg("--qdf").arg(&d.genuine.file).arg(&qdf).status().is_ok_and(|s| s.success() || s.code() == Some(3));
    // A new root for the district (its own keys folder, so the first stays as it was), its page.
    let newroot = new_root_page(&d);
    let vectors: Vec<Value> = {
        let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/vectors")).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
        v.sort();
        v.iter()
            .map(|p| {
                let x: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                json!({"name": p.file_name().unwrap().to_string_lossy(), "qr_text": x["qr_text"], "trust": x["trust"], "expected": x["expected"]})
            })
            .collect()
    };
    let bench: Vec<String> = (0..1000).map(|i| d.docs[i % d.docs.len()].qr.clone()).collect();
    let shots = std::env::var_os("TERBIT_SCREENSHOTS").map(PathBuf::from);
    let scenario = json!({
        "chromium": chromium,
        "profile": dir.join("profile"),
        "y4m": dir.join("camera.y4m"),
        "pages": {"main": d.page},
        "others": [["edited", edited], ["stale", stale_page], ["rolled_back", rolled_back], ["new_root", newroot.0]],
        "no_storage": true,
        "made": {"unsigned": dir.join("unsigned.pdf"), "two": dir.join("two.png"), "damaged": dir.join("damaged.png"), "textpng": dir.join("text.png"), "list": dir.join("list.txt")},
        "more_uploads": if qpdf {
            json!({"unsigned": dir.join("unsigned.pdf"), "two": dir.join("two.png"), "damaged": dir.join("damaged.png"), "textpng": dir.join("text.png"), "list": dir.join("list.txt"), "qdf": qdf})
        } else {
            json!({"unsigned": dir.join("unsigned.pdf"), "two": dir.join("two.png"), "damaged": dir.join("damaged.png"), "textpng": dir.join("text.png"), "list": dir.join("list.txt")})
        },
        "paste": {
            "genuine": d.genuine.qr, "superseded": d.superseded.qr, "revoked": d.revoked.qr,
            "tampered": fixture::tampered(&d.genuine.qr),
            "hostile": "DK1:\u{202e}<img src=https://example.com/x.png onerror=alert(1)>"
        },
        "uploads": {"pdf": d.genuine.file, "flipped": dir.join("flipped.pdf"), "print": print, "jpeg": dir.join("photo.jpg"), "junk": dir.join("junk.jpg")},
        "vectors": vectors,
        "bench": {"texts": bench, "loads": 5},
        "screenshots": shots,
    });
    std::fs::write(dir.join("scenario.json"), scenario.to_string()).unwrap();
    let out = Command::new("node").arg(root().join("tests/browser/verifier.mjs")).arg(dir.join("scenario.json")).output().unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    assert!(r.get("error").is_none(), "{}\nconsole: {}", r["error"], r["console"]);
    let m = &r["pages"]["main"];
    let one = |k: &str| -> &Value {
        let a = m[k].as_array().unwrap_or_else(|| panic!("{k}: {m}"));
        assert_eq!(a.len(), 1, "{k}: {a:?}");
        &a[0]
    };
    // Green, with the signed name and number.
    assert_eq!(m["open"]["trust"], "ok", "{}", m["open"]);
    let g = one("paste_genuine");
    assert_eq!(g["verdict"], "genuine", "{g}");
    assert_eq!(g["number"], d.genuine.number.as_str());
    assert!(g["text"].as_str().unwrap().contains("ASLI") && g["text"].as_str().unwrap().contains("Genuine"), "{g}");
    // The issue time in the district's zone and words (Kediri: WIB), the exact UTC instant beside it.
    let store = terbit::trust::store::TrustStore::load(&terbit::trust::store::TrustSource { path: d.bundle.clone(), now: 1_800_000_000, ..Default::default() }).unwrap();
    let issued_at = verify_text(&d.genuine.qr, &store.trust()).fields.into_iter().find(|(k, _)| k == "issued at").unwrap().1;
    let epoch = chrono::DateTime::parse_from_rfc3339(&issued_at).unwrap().timestamp();
    let local = terbit::kind::words::date_time_long(epoch, 7);
    assert!(local.ends_with(" WIB") && g["text"].as_str().unwrap().contains(&local) && g["text"].as_str().unwrap().contains(&issued_at), "{local}: {g}");
    // The answer names the revocation list it rests on (format 2: a number, a next update).
    assert!(g["text"].as_str().unwrap().contains("Revocation list no. ") && g["text"].as_str().unwrap().contains("of issuer 3506"), "{g}");
    // Yellow with the newer number; yellow for revoked.
    let s = one("paste_superseded");
    assert_eq!(s["verdict"], "superseded", "{s}");
    assert_eq!(s["superseded_by"], d.newer.number.as_str());
    assert!(s["text"].as_str().unwrap().contains(&d.newer.number), "{s}");
    assert_eq!(one("paste_revoked")["verdict"], "revoked");
    // Red.
    let t = one("paste_tampered");
    assert!(t["verdict"] == "invalid" || t["verdict"] == "untrusted", "{t}");
    let h = one("paste_hostile");
    assert_eq!(h["verdict"], "invalid", "{h}");
    assert!(!h["text"].as_str().unwrap().contains('\u{202e}'), "direction override shown raw: {h}");
    // Files: the PDF, every document of a print file, a photo, no picture.
    let p = m["upload_pdf"].as_array().unwrap();
    assert_eq!(p[0]["verdict"], "genuine", "{p:?}");
    assert_eq!(p[0]["number"], d.genuine.number.as_str());
    // Edited after signing: red on the page as in the CLI.
    let f = &m["upload_flipped"].as_array().unwrap()[0];
    assert_eq!(f["verdict"], "invalid", "{f}");
    assert!(f["text"].as_str().unwrap().contains("changed after signing"), "{f}");
    let cli = fixture::terbit(dir, &["verify", "--trust", "trust-bundle.json", "--no-trust-memory", "flipped.pdf"]).1;
    assert!(cli.contains("INVALID") && cli.contains("changed after signing"), "{cli}");
    let print_answers: Vec<&Value> = m["upload_print"].as_array().unwrap().iter().filter(|a| a["number"].is_string()).collect();
    assert!(print_answers.len() >= 2, "{}", m["upload_print"]);
    for a in &print_answers {
        let n = a["number"].as_str().unwrap();
        let cli = fixture::terbit(dir, &["verify", "--trust", "trust-bundle.json", "--no-trust-memory", &d.docs.iter().find(|x| x.number == n).unwrap().qr]).1;
        let word = a["verdict"].as_str().unwrap().to_uppercase();
        assert!(cli.contains(&word), "{n}: page {word}, cli {cli}");
    }
    let j = one("upload_jpeg");
    assert_eq!(j["verdict"], "genuine", "{j}");
    assert_eq!(j["number"], d.genuine.number.as_str());
    assert_eq!(one("upload_junk")["verdict"], "unreadable");
    // No GENUINE without the file's signature: an unsigned PDF with a genuine QR is invalid, "not signed", the QR's own verdict shown.
    let u = one("upload_unsigned");
    assert_eq!(u["verdict"], "invalid", "{u}");
    assert_eq!(u["number"], d.genuine.number.as_str(), "{u}");
    assert!(u["text"].as_str().unwrap().contains("not signed") && u["text"].as_str().unwrap().contains("the QR code alone: ASLI"), "{u}");
    if qpdf {
        // Re-saved with indirect lengths: the QR is read (not "no QR code"), the file is red.
        let q = one("upload_qdf");
        assert_eq!(q["verdict"], "invalid", "{q}");
        assert_eq!(q["number"], d.genuine.number.as_str(), "{q}");
        assert!(!q["text"].as_str().unwrap().contains("no QR code"), "{q}");
    }
    // Two documents in one photo: an answer for each, naming its number, each saying to photograph one at a time.
    let two = m["upload_two"].as_array().unwrap();
    assert_eq!(two.len(), 2, "{two:?}");
    let mut numbers: Vec<&str> = two.iter().map(|a| a["number"].as_str().unwrap_or("")).collect();
    numbers.sort();
    let mut expected = vec![d.genuine.number.as_str(), d.revoked.number.as_str()];
    expected.sort();
    assert_eq!(numbers, expected, "{two:?}");
    for a in two {
        let t = a["text"].as_str().unwrap();
        assert!(t.contains("more than one document") && t.contains("one document at a time") && t.contains(a["number"].as_str().unwrap()), "{a}");
    }
    // A damaged picture is unreadable, never invalid; a .png holding text is read as text, and said so; a text file line by line.
    let dmg = one("upload_damaged");
    assert_eq!(dmg["verdict"], "unreadable", "{dmg}");
    assert!(dmg["text"].as_str().unwrap().contains("damaged"), "{dmg}");
    assert_eq!(one("upload_textpng")["verdict"], "genuine");
    assert!(m["upload_textpng_text"].as_str().unwrap().contains("holds text, not an image"), "{}", m["upload_textpng_text"]);
    let list: Vec<&str> = m["upload_list"].as_array().unwrap().iter().map(|a| a["verdict"].as_str().unwrap()).collect();
    assert_eq!(list.len(), 3, "{list:?}");
    assert_eq!(&list[..2], &["genuine", "revoked"], "{list:?}");
    assert!(list[2] == "invalid" || list[2] == "untrusted", "{list:?}");
    // The camera.
    let c = one("camera");
    assert_eq!(c["verdict"], "genuine", "{c}");
    assert_eq!(c["number"], d.genuine.number.as_str());
    let name = verify_text(&d.genuine.qr, &store.trust()).fields.into_iter().find(|(k, _)| k == "name").unwrap().1;
    assert_eq!(c["name"], name.as_str());
    // Every vector as the CLI judges it.
    for v in m["vectors"].as_array().unwrap() {
        let expected = vectors.iter().find(|x| x["name"] == v["name"]).unwrap()["expected"].clone();
        assert_eq!(v["verdict"], expected, "{v}");
    }
    // Trust data: edited → refuses everything and says why; stale → warns; rolled back → refused.
    let e = &r["pages"]["edited"];
    assert_eq!(e["open"]["trust"], "refused", "{e}");
    assert!(e["open"]["banner"].as_str().unwrap().contains("does not verify"), "{e}");
    assert_eq!(e["paste_genuine"][0]["verdict"], "refused", "{e}");
    let s = &r["pages"]["stale"];
    assert_eq!(s["open"]["trust"], "stale", "{s}");
    assert_eq!(s["paste_genuine"][0]["verdict"], "genuine");
    assert!(s["paste_genuine"][0]["text"].as_str().unwrap().contains("PAST its next update"), "{s}");
    let o = &r["pages"]["rolled_back"];
    assert_eq!(o["open"]["trust"], "refused", "{o}");
    assert!(o["open"]["banner"].as_str().unwrap().contains("rolled-back"), "{o}");
    // A new root: refused naming both fingerprints until the clerk accepts it; then remembered.
    let n = &r["pages"]["new_root"];
    let grouped = |fp: &str| fp.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
    assert_eq!(n["open"]["trust"], "new-root", "{n}");
    let banner = n["open"]["banner"].as_str().unwrap();
    assert!(banner.contains(&grouped(&d.pin)) && banner.contains(&grouped(&newroot.1)), "{banner}");
    assert_eq!(n["paste_genuine"][0]["verdict"], "refused", "{n}");
    assert_eq!(n["accepted"]["trust"], "ok", "{n}");
    assert_eq!(n["paste_after_accepting"][0]["verdict"], "genuine", "{n}");
    assert_eq!(n["reopened"]["trust"], "ok", "{n}");
    // No storage: the page says it cannot refuse rolled-back data, and still answers.
    let ns = &r["pages"]["no_storage"];
    assert_eq!(ns["memory"], "unavailable", "{ns}");
    assert!(ns["open"]["banner"].as_str().unwrap().contains("cannot keep a memory"), "{ns}");
    assert_eq!(ns["paste_genuine"][0]["verdict"], "genuine", "{ns}");
    assert_eq!(r["pages"]["stale"]["memory"], "kept");
    // No network: only the page files themselves were requested.
    let pages: Vec<String> = ["verify.html", "edited.html", "stale.html", "older.html", "newroot.html"].iter().map(|f| format!("file://{}", dir.join(f).display())).collect();
    for u in r["requests"].as_array().unwrap() {
        let u = u.as_str().unwrap();
        assert!(u == "about:blank" || pages.iter().any(|p| p == u), "the page made a request: {u}");
    }
    // Figures for bench/RESULTS.md (asserted there, not here: no timed tests).
    // The QR came into view after the last frame grabbed without it: the
    // answer's delay is at most answered − that grab.
    let t = &m["camera_timing"];
    eprintln!(
        "verifier page: opens in {:?} ms; camera answer at most {:.0} ms after the QR came into view ({:.0} ms after its frame was grabbed); {} pasted texts answered in {:.0} ms (core alone {:.0} ms)",
        m["opens"],
        t["answered"].as_f64().unwrap() - t["previous"].as_f64().unwrap(),
        t["answered"].as_f64().unwrap() - t["frame"].as_f64().unwrap(),
        m["paste_bulk"]["count"],
        m["paste_bulk"]["ms"].as_f64().unwrap(),
        m["core_bulk"]["ms"].as_f64().unwrap()
    );
    if let Ok(p) = std::env::var("TERBIT_VERIFIER_FIGURES") {
        std::fs::write(p, json!({"opens_ms": m["opens"], "camera": t, "paste_bulk": m["paste_bulk"], "core_bulk": m["core_bulk"]}).to_string()).unwrap();
    }
}

/// A newer signed bundle given to the page as a file: taken when it verifies
/// against the root the page pins and is newer than what is in use, then
/// remembered (checked again when the page opens); refused when tampered,
/// signed by a root the page does not pin, or older than the data in use.
#[test]
fn the_page_takes_a_newer_signed_bundle() {
    if !node_ready("verifier page in headless Chromium: a newer trust file") {
        return;
    }
    let Some(chromium) = tools::require("verifier page in headless Chromium: a newer trust file", tools::chromium()) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    // The district's next list (same root, same keys), with its revocation list.
    std::fs::create_dir_all(dir.join("newer")).unwrap();
    std::fs::copy(dir.join("keys/revocations-3506.json"), dir.join("newer/revocations-3506.json")).unwrap();
    fixture::ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-26T00:00:00Z", "--valid-days", "36500", "--out", "newer/trust-3506.json"]);
    fixture::ok(dir, &["trust", "bundle", "--list", "newer/trust-3506.json", "--pin", &d.pin, "--out", "newer-bundle.json"]);
    let sequence = |f: &str| -> u64 {
        let b: Value = serde_json::from_slice(&std::fs::read(dir.join(f)).unwrap()).unwrap();
        b["districts"][0]["trust"]["sequence"].as_u64().unwrap()
    };
    let (old_seq, new_seq) = (sequence("trust-bundle.json"), sequence("newer-bundle.json"));
    assert!(new_seq > old_seq, "{old_seq} {new_seq}");
    // The newer bundle with one hex digit of its list's signature changed.
    let text = std::fs::read_to_string(dir.join("newer-bundle.json")).unwrap();
    let at = text.find("\"cose\": \"").expect("cose") + 9 + 100;
    let mut tampered = text.clone();
    let c = if &text[at..at + 1] == "0" { "1" } else { "0" };
    tampered.replace_range(at..at + 1, c);
    std::fs::write(dir.join("tampered-bundle.json"), tampered).unwrap();
    // The same district's keys under a root the page does not pin.
    let _ = new_root_page(&d);
    let files = json!([
        ["tampered", dir.join("tampered-bundle.json")],
        ["unpinned", dir.join("newroot-bundle.json")],
        ["newer", dir.join("newer-bundle.json")],
        ["older", dir.join("trust-bundle.json")],
        ["again", dir.join("newer-bundle.json")],
    ]);
    let scenario = json!({
        "chromium": chromium, "profile": dir.join("profile"), "y4m": "", "mode": "update",
        "pages": {"main": d.page}, "trust_files": files, "paste": {"genuine": d.genuine.qr},
    });
    std::fs::write(dir.join("scenario.json"), scenario.to_string()).unwrap();
    let out = Command::new("node").arg(root().join("tests/browser/verifier.mjs")).arg(dir.join("scenario.json")).output().unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
    assert!(r.get("error").is_none(), "{}\nconsole: {}", r["error"], r["console"]);
    let u = &r["update"];
    let page_seq = format!("3506:{old_seq}");
    let file_seq = format!("3506:{new_seq}");
    assert_eq!(u["open_banner"]["source"], "page", "{u}");
    assert_eq!(u["open_banner"]["sequences"], page_seq.as_str(), "{u}");
    let step = |name: &str| u["steps"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}: {u}")).clone();
    for (name, reason, seq) in [("tampered", "signature", &page_seq), ("unpinned", "unpinned", &page_seq), ("older", "older", &file_seq), ("again", "same", &file_seq)] {
        let s = step(name);
        assert_eq!(s["update"], "refused", "{name}: {s}");
        assert_eq!(s["reason"], reason, "{name}: {s}");
        assert_eq!(s["banner"]["sequences"], seq.as_str(), "{name}: nothing changed: {s}");
        assert_eq!(s["paste_genuine"][0]["verdict"], "genuine", "{name}: the data in use still answers: {s}");
    }
    assert!(step("unpinned")["said"].as_str().unwrap().contains("not by the root this page pins"), "{}", step("unpinned"));
    assert!(step("older")["said"].as_str().unwrap().contains(&format!("list no. {old_seq} is not newer than no. {new_seq} in use")), "{}", step("older"));
    let n = step("newer");
    assert_eq!(n["update"], "accepted", "{n}");
    assert_eq!(n["banner"]["source"], "file", "{n}");
    assert_eq!(n["banner"]["sequences"], file_seq.as_str(), "{n}");
    assert!(n["banner"]["text"].as_str().unwrap().contains("from a trust file loaded"), "{n}");
    assert!(n["said"].as_str().unwrap().contains(&format!("3506: list no. {new_seq}")), "{n}");
    assert_eq!(n["paste_genuine"][0]["verdict"], "genuine", "{n}");
    assert!(n["paste_genuine"][0]["text"].as_str().unwrap().contains(&format!("list no. {new_seq}")), "{n}");
    // Remembered: the page opened again uses the file's list, checked again.
    assert_eq!(u["reopened_banner"]["source"], "file", "{u}");
    assert_eq!(u["reopened_banner"]["sequences"], file_seq.as_str(), "{u}");
    assert_eq!(u["reopened_banner"]["trust"], "ok", "{u}");
    assert_eq!(u["reopened_paste"][0]["verdict"], "genuine", "{u}");
    // The CLI refuses the older list the same way (a bundle takes no rollback).
    std::fs::copy(dir.join("newer-bundle.json"), dir.join("merged.json")).unwrap();
    let (code, _, err) = fixture::terbit(dir, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &d.pin, "--out", "merged.json"]);
    assert!(code != 0 && err.contains(&format!("list sequence {old_seq} is not newer than the {new_seq} already held")), "{code} {err}");
}

/// The district's keys signed under a second root of the same district
/// (a copy of its keys folder, so the first stays as it was), bundled with
/// its revocation list into `newroot.html`: (the page, the new root's fingerprint).
fn new_root_page(d: &fixture::District) -> (PathBuf, String) {
    let dir = &d.dir;
    std::fs::create_dir_all(dir.join("keys2")).unwrap();
    for e in std::fs::read_dir(dir.join("keys")).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), dir.join("keys2").join(e.file_name())).unwrap();
        }
    }
    fixture::ok(dir, &["root", "init", "--district", "3506", "--dir", "root2", "--not-before", "2026-01-01"]);
    std::fs::create_dir_all(dir.join("newroot")).unwrap();
    std::fs::copy(dir.join("keys/revocations-3506.json"), dir.join("newroot/revocations-3506.json")).unwrap();
    fixture::ok(dir, &["trust", "sign", "--keys", "keys2", "--root-key", "root2/root-3506.key", "--root-cert", "root2/root-3506.crt", "--at", "2026-11-25T00:00:00Z", "--valid-days", "36500", "--out", "newroot/trust-3506.json"]);
    let pin = hex::encode(terbit::trust::root::read_cert(&dir.join("root2/root-3506.crt")).unwrap().fingerprint);
    fixture::ok(dir, &["trust", "bundle", "--list", "newroot/trust-3506.json", "--pin", &pin, "--out", "newroot-bundle.json"]);
    fixture::ok(dir, &["verifier", "--trust", "newroot-bundle.json", "--out", "newroot.html"]);
    (dir.join("newroot.html"), pin)
}

/// The page's own node tests (engine/clerk_page/web/test/*.test.mjs): revocation
/// lists v2, roots bound to districts, rollback memory, the PDF reader (qpdf
/// re-saves, incremental updates, linear bounds), no GENUINE without the
/// file's signature, several QRs in one picture, files by their bytes, and
/// the table of escaped characters read from engine/util/show.rs.
#[test]
fn page_node_tests_pass() {
    if !node_ready("verifier page's node tests") {
        return;
    }
    let web = root().join("engine/clerk_page/web");
    let mut files: Vec<PathBuf> = std::fs::read_dir(web.join("test")).unwrap().flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(".test.mjs")).collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    let out = Command::new("node").arg("--test").args(&files).current_dir(&web).output().expect("node");
    assert!(out.status.success(), "node --test failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
