//! Signed PDFs, checked by tools we did not write: pyHanko validates every
//! PDF of a six-kind run (documents and print files) as an intact PAdES
//! B-B signature trusted through the district root, and poppler's pdfsig
//! (the root in an NSS database made with certutil) says valid and trusted.
//! Then a forger's changes — a byte flipped inside the signed range, an
//! appended incremental update that changes a name, a signature from
//! another district's certificate, an expired certificate — are rejected by
//! pyHanko, pdfsig and `terbit verify` alike.
//!
//! Needs pdfsig and certutil (installed by .ci/run) and pyHanko (a venv
//! the tests make: tests/common/tools.rs); without them the test says
//! what it skipped, or fails under TERBIT_REQUIRE_TOOLS.

#[path = "common/trust_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::process::Command;

use fixture::{ok, pdfs, terbit};

use fixture::tools;

/// pdfsig, certutil and a Python with pyHanko (tests/common/tools.rs makes
/// its venv); missing, the test says what it skipped and how to install it.
fn validators() -> bool {
    // certutil has no version flag that exits 0 everywhere: being there is enough.
    let programs = tools::require("PAdES check: pdfsig with an NSS root", tools::programs(&[("pdfsig", "-v"), ("certutil", "-H")])).is_some();
    programs && tools::require("PAdES check: pyHanko validation", tools::python(tools::Py::Pyhanko)).is_some()
}

/// openssl, for a certification authority made in the test.
fn openssl_here(check: &str) -> bool {
    tools::require(check, tools::program("openssl", "version")).is_some()
}

/// The venv's python with pyHanko (made by `validators()`).
fn python() -> PathBuf {
    tools::python(tools::Py::Pyhanko).expect("pyHanko, checked by validators()")
}

/// An NSS database trusting `root` (a PEM certificate), for pdfsig.
fn nss_with(dir: &Path, root: &Path) -> String {
    let db = dir.join("nss");
    let _ = std::fs::remove_dir_all(&db);
    std::fs::create_dir_all(&db).unwrap();
    let db = format!("sql:{}", db.display());
    assert!(Command::new("certutil").args(["-N", "-d", &db, "--empty-password"]).status().unwrap().success());
    assert!(Command::new("certutil").args(["-A", "-d", &db, "-n", "terbit-root", "-t", "CT,C,C", "-i"]).arg(root).status().unwrap().success());
    db
}

fn pdfsig(db: &str, file: &Path) -> String {
    let o = Command::new("pdfsig").args(["-nssdir", db]).arg(file).output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// pyHanko's verdicts, one JSON value per file.
fn pyhanko(root: &Path, files: &[PathBuf]) -> Vec<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pades_tools.py");
    let o = Command::new(python()).arg(script).arg("validate").arg(root).args(files).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}


#[test]
fn every_pdf_of_a_run_is_a_pades_signature_the_validators_accept() {
    if !validators() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["demo", "--out", "demo", "--count", "24"]);
    let run = std::fs::read_dir(d.join("demo/runs")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let mut files = Vec::new();
    pdfs(&run, &mut files);
    files.sort();
    let prints = files.iter().filter(|f| f.parent().is_some_and(|p| p.ends_with("print"))).count();
    assert!(files.len() > 40 && prints >= 2, "{} files, {prints} print files", files.len());
    let root = d.join("demo/root/root-3506.crt");
    for v in pyhanko(&root, &files) {
        assert_eq!(v["signatures"], 1, "{v}");
        assert_eq!(v["bottom_line"], true, "{v}");
        assert_eq!(v["intact"], true, "{v}");
        assert_eq!(v["trusted"], true, "{v}");
        assert_eq!(v["coverage"], "ENTIRE_FILE", "{v}");
        assert_eq!(v["modification"], "NONE", "{v}");
        assert_eq!(v["subfilter"], "/ETSI.CAdES.detached", "{v}");
        assert_eq!(v["ades_ok"], true, "AdES basic validation: {v}");
    }
    let db = nss_with(d, &root);
    for f in &files {
        let out = pdfsig(&db, f);
        assert!(out.contains("Signature is Valid.") && out.contains("Certificate is Trusted.") && out.contains("Total document signed"), "{}: {out}", f.display());
    }
}

#[test]
fn forgers_changes_are_rejected_by_pyhanko_pdfsig_and_terbit() {
    if !validators() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let district = fixture::make(tmp.path());
    let d = &district.dir;
    let root = d.join("root/root-3506.crt");
    let db = nss_with(d, &root);
    let genuine = &district.genuine.file;
    let name = {
        let store = terbit::trust::store::TrustStore::load(&terbit::trust::store::TrustSource { path: district.bundle.clone(), now: 1_800_000_000, ..Default::default() }).unwrap();
        terbit::verify::verify_text(&district.genuine.qr, &store.trust()).fields.into_iter().find(|(k, _)| k == "name").unwrap().1
    };
    let verify = |f: &Path| terbit(d, &["verify", "--no-trust-memory", "--trust", "trust-bundle.json", f.to_str().unwrap()]);
    // The genuine file first: all three accept it.
    assert_eq!(pyhanko(&root, std::slice::from_ref(genuine))[0]["bottom_line"], true);
    assert!(pdfsig(&db, genuine).contains("Signature is Valid."));
    assert_eq!(verify(genuine).0, 0);

    // The first bundle, kept for the comparison with the page (5. below).
    let first_bundle = d.join("first-bundle.json");
    std::fs::copy(&district.bundle, &first_bundle).unwrap();
    // 1. A byte flipped inside the signed range.
    let mut bytes = std::fs::read(genuine).unwrap();
    let at = bytes.windows(7).position(|w| w == b"stream\n").unwrap() + 30;
    bytes[at] ^= 0x01;
    let flipped = d.join("flipped.pdf");
    std::fs::write(&flipped, &bytes).unwrap();
    // 2. An incremental update that changes the name on the page.
    let updated = d.join("updated.pdf");
    let st = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pades_tools.py"))
        .args(["update"])
        .arg(genuine)
        .arg(&updated)
        .args([&name, "BUDI FORGED"])
        .status()
        .unwrap();
    assert!(st.success());
    for (f, pdfsig_says, terbit_says) in [
        (&flipped, "Digest Mismatch", "changed after signing"),
        // An update that is not a renewal (PAdES B-LTA): judged whole.
        (&updated, "Not total document signed", "incremental update"),
    ] {
        let v = &pyhanko(&root, std::slice::from_ref(f))[0];
        assert_eq!(v["bottom_line"], false, "{}: {v}", f.display());
        assert!(pdfsig(&db, f).contains(pdfsig_says), "{}: {}", f.display(), pdfsig(&db, f));
        let (code, out, _) = verify(f);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains(terbit_says), "{out}");
    }

    // 3. Signed by another district's certificate: the keys folder's PDF
    //    certificate replaced by one from the root of 3527, then a night.
    ok(d, &["root", "init", "--district", "3527", "--dir", "other-root"]);
    let other = terbit::trust::root::RootKey::load(&d.join("other-root/root-3527.key"), &d.join("other-root/root-3527.crt")).unwrap();
    let list = terbit::dk1::keys::TrustList::load(&d.join("keys/trust.json")).unwrap();
    let kid = list.trusted()[0].kid;
    let key = terbit::trust::pdfkey::key_path(&d.join("keys"), &kid);
    let public = terbit::trust::pdfkey::public_key(&key).unwrap();
    let cert_path = terbit::trust::pdfkey::cert_path(&d.join("keys"), &kid);
    let good_cert = std::fs::read(&cert_path).unwrap();
    let foreign = terbit::trust::pdfkey::certify(&other, &public, "3527", "Kabupaten Sampang", 1_767_225_600, 2_398_377_600).unwrap();
    terbit::trust::pdfkey::write_cert(&cert_path, &foreign).unwrap();
    // With the chain a forger would carry: the other district's root.
    let chain_path = terbit::trust::pdfkey::chain_path(&d.join("keys"), &kid);
    let good_chain = std::fs::read(&chain_path).unwrap();
    std::fs::write(&chain_path, terbit::trust::root::pem_encode("CERTIFICATE", &other.cert.der)).unwrap();
    let night = |out: &str| -> PathBuf {
        ok(d, &["samples", "--kind", "birth", "--count", "3", "--seed", "9", "--as-of", "2026-11-24", "--out", "more.csv"]);
        // Each night into a register of its own needs a keys folder of its
        // own (a keys folder issues with one register): the keys as they are now.
        let keys = format!("keys-{out}");
        std::fs::create_dir_all(d.join(&keys)).unwrap();
        for e in std::fs::read_dir(d.join("keys")).unwrap().flatten().filter(|e| e.file_name() != "register-binding.json" && e.path().is_file()) {
            std::fs::copy(e.path(), d.join(&keys).join(e.file_name())).unwrap();
        }
        ok(d, &["issue", "more.csv", "--keys", &keys, "--out", out, "--issued-on", "2026-11-24"]);
        let run = std::fs::read_dir(d.join(out)).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
        let mut files = Vec::new();
        pdfs(&run, &mut files);
        files.into_iter().find(|f| !f.parent().unwrap().ends_with("print")).unwrap()
    };
    let by_other = night("out-other");
    std::fs::write(&chain_path, good_chain).unwrap();
    // 4. An expired certificate: the root certifies the key for 2020 only.
    //    `issue` refuses to sign outside its certificate's validity; a forger
    //    holding the old key would not: the genuine document re-signed with it.
    let root_key = terbit::trust::root::RootKey::load(&d.join("root/root-3506.key"), &d.join("root/root-3506.crt")).unwrap();
    // The office's name as `trust sign` gives it, so that the CMS keeps its size.
    let office = terbit::kind::refdata::reference().regency_name("3506").unwrap();
    // The root's ECDSA signature in a certificate is 70 to 72 bytes: the start
    // moved by seconds until the expired certificate is as long as the good one.
    let good_len = terbit::trust::root::pem_decode(&good_cert).unwrap().len();
    let expired = (0..64)
        .map(|s| terbit::trust::pdfkey::certify(&root_key, &public, "3506", office, 1_577_836_800 + s, 1_609_459_200).unwrap())
        .find(|c| c.len() == good_len)
        .expect("a certificate of the same length");
    terbit::trust::pdfkey::write_cert(&cert_path, &expired).unwrap();
    let (code, _, err) = terbit(d, &["issue", "more.csv", "--keys", "keys", "--out", "out-expired", "--issued-on", "2026-11-24"]);
    assert!(code != 0 && err.contains("does not hold the documents' issue time"), "issue refuses: {err}");
    let signer = terbit::trust::pdfkey::signer_for(&d.join("keys"), &kid).unwrap().unwrap();
    // Time-stamped as the office's own run stamps (the district authority), so the CMS keeps its size.
    let tsa = terbit::trust::tsa::signer_for(&d.join("keys")).unwrap().expect("the keys folder's time-stamp authority");
    let stamper = terbit::pdf::stamp::Stamper::new(&tsa, terbit::issue::stamp_time(chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(), None)).unwrap();
    let pades = terbit::pdf::sign::Pades::stamped(&signer, Some(terbit::pdf::stamp::Stamping::District(Box::new(stamper)))).unwrap();
    let mut bytes = std::fs::read(genuine).unwrap();
    let find = |b: &[u8], what: &[u8]| b.windows(what.len()).position(|w| w == what).unwrap();
    let place = terbit::pdf::sign::Place { range_at: find(&bytes, b"/ByteRange") + 10, contents_at: find(&bytes, b"/Contents<") + 9 };
    let end = place.contents_at + 1 + pades.contents_len;
    assert_eq!(bytes[end], b'>', "the same /Contents size for both certificates (same key, serial and names)");
    bytes[place.contents_at + 1..end].fill(b'0');
    pades.sign(&mut bytes, place).unwrap();
    let by_expired = d.join("expired.pdf");
    std::fs::write(&by_expired, &bytes).unwrap();
    // The bundle knows the expired certificate (the root signed it into the list).
    ok(d, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--valid-days", "36500", "--out", "keys/trust-3506.json"]);
    ok(d, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &district.pin, "--out", "trust-bundle.json"]);
    std::fs::write(&cert_path, good_cert).unwrap();
    for (f, pdfsig_says, terbit_says) in [
        (&by_other, "Certificate", "a certificate the trust list does not hold"),
        (&by_expired, "Certificate has Expired", "not valid when the document was issued"),
    ] {
        let v = &pyhanko(&root, std::slice::from_ref(f))[0];
        assert_eq!(v["trusted"], false, "{}: {v}", f.display());
        assert_eq!(v["bottom_line"], false, "{}: {v}", f.display());
        let p = pdfsig(&db, f);
        assert!(p.contains(pdfsig_says) && !p.contains("Certificate is Trusted."), "{}: {p}", f.display());
        let (code, out, _) = verify(f);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains(terbit_says), "{out}");
    }
    // 5. Each forgery (and the genuine file) judged by terbit and by the
    //    clerks' page: the same verdict for the same reason (issue 28).
    //    Under the first bundle, then under the one that lists the expired
    //    certificate instead of the good one (the genuine file's certificate
    //    is then one the list does not hold).
    //    Two more that leave the signed bytes as they are and write the
    //    signature another way: /Contents in upper case, and the CMS's outer
    //    length in a longer form (when a padding byte is there to take).
    let g = std::fs::read(genuine).unwrap();
    let find = |b: &[u8], what: &[u8]| b.windows(what.len()).position(|w| w == what).unwrap();
    let lt = find(&g, b"/Contents<") + 10;
    let gt = lt + g[lt..].iter().position(|c| *c == b'>').unwrap();
    let mut upper = g.clone();
    upper[lt..gt].make_ascii_uppercase();
    let upper_file = d.join("upper.pdf");
    std::fs::write(&upper_file, &upper).unwrap();
    let mut more = vec![(genuine.clone(), None), (flipped.clone(), Some("digest-mismatch")), (updated.clone(), Some("incremental-update")), (upper_file, Some("contents-not-hex"))];
    let cms = hex::decode(&g[lt..gt]).unwrap();
    if cms[..2] == [0x30, 0x82] && cms.last() == Some(&0) {
        let long = [&[0x30, 0x83, 0x00][..], &cms[2..cms.len() - 1]].concat();
        let mut longer = g.clone();
        longer[lt..gt].copy_from_slice(hex::encode(long).as_bytes());
        let long_file = d.join("long-der.pdf");
        std::fs::write(&long_file, &longer).unwrap();
        more.push((long_file, Some("cms-malformed")));
    }
    let mut disagree = rust_vs_page(&first_bundle, &more);
    disagree.extend(rust_vs_page(
        &district.bundle,
        &[(by_other.clone(), Some("unknown-certificate")), (by_expired.clone(), Some("certificate-not-valid")), (genuine.clone(), Some("unknown-certificate"))],
    ));
    assert!(disagree.is_empty(), "terbit and the page differ:\n{}", disagree.join("\n"));
}

/// Each file judged by terbit (`verify::signature::pades`, as `terbit verify` does)
/// and by the page's own modules in node (test/pdfverdicts.mjs, as the
/// page's onPdf does): the file signature's reason codes
/// (verify/signature/reasons.rs, the table both share) must match each other and
/// `expected`; the words too. Returns what differs.
fn rust_vs_page(bundle: &Path, files: &[(PathBuf, Option<&str>)]) -> Vec<String> {
    let now = 1_800_000_000;
    let paths: Vec<PathBuf> = files.iter().map(|(f, _)| f.clone()).collect();
    let Some(page) = fixture::page_pdf_verdicts("the page's PDF verdicts in node", bundle, now, &paths) else { return Vec::new() };
    let store = terbit::trust::store::TrustStore::load(&terbit::trust::store::TrustSource { path: bundle.to_path_buf(), now, ..Default::default() }).unwrap();
    let layouts = terbit::verify::Layouts::standard();
    let mut disagree = Vec::new();
    for ((file, expected), p) in files.iter().zip(&page) {
        let bytes = std::fs::read(file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy();
        let page_code = p["code"].as_str();
        // As verify does: a file is its sealed part and its renewals
        // (PAdES B-LTA); one whose appended part is no renewal is judged whole.
        let archive = terbit::pdf::archive::read(&bytes).unwrap_or(terbit::pdf::archive::Archive { sealed_len: bytes.len(), renewals: Vec::new() });
        let sealed = &bytes[..archive.sealed_len];
        let docs = terbit::verify::verify_pdf_documents(&bytes, &store.trust(), &layouts, None).unwrap_or_default();
        let claims = docs.first().and_then(|d| d.report.claims.clone());
        let signature = terbit::verify::signature::pades::check(sealed);
        let rust = claims.as_ref().and_then(|c| {
            terbit::verify::signature::pades::judge(&signature, &store.pdf_certs, terbit::verify::signature::pades::Times { tsa: &store.tsa_certs, revoked_from: None }, &c.issuer, c.issued_at).or_else(|| {
                let stamp = match &signature {
                    terbit::verify::signature::pades::FileSignature::Holds { stamp, .. } => stamp.as_ref(),
                    _ => None,
                };
                terbit::verify::signature::archive::judge(&archive, &store.tsa_certs, &c.issuer, stamp).err()
            })
        });
        let rust_code = rust.as_deref().map(terbit::verify::signature::reasons::code);
        if rust_code != page_code || rust_code != *expected {
            disagree.push(format!("{name}: terbit {rust_code:?} ({rust:?}), page {page_code:?} ({}), expected {expected:?}", p["reason"]));
        } else if rust.as_deref() != p["reason"].as_str() {
            disagree.push(format!("{name}: same code {rust_code:?}, other words: terbit {rust:?}, page {}", p["reason"]));
        }
        // The QR alone: the same verdict word on both sides.
        let rust_qr = claims.as_ref().map(|_| docs[0].report.verdict.word().to_lowercase());
        if p["qr"].as_str().is_none() || (rust.is_none() && rust_qr.as_deref() != p["verdict"].as_str()) {
            disagree.push(format!("{name}: the QR: terbit {rust_qr:?}, page {}", p["qr"]));
        }
    }
    disagree
}

#[test]
fn a_certificate_from_a_certification_authority_is_imported_and_signs() {
    if !validators() || !openssl_here("PAdES check: a certification authority's certificate (openssl)") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sh = |args: &[&str]| openssl(d, args, false).unwrap();
    // A stand-in for a PSrE: its CA (RSA, as certification authorities'
    // roots mostly are), and the office's key and certificate from it.
    sh(&["req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=Test PSrE CA/O=Test/C=ID"]);
    sh(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "office.key"]);
    sh(&["req", "-new", "-key", "office.key", "-out", "office.csr", "-subj", "/CN=Dinas Dukcapil Test/O=Test/C=ID"]);
    std::fs::write(d.join("ext.cnf"), "keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n").unwrap();
    sh(&["x509", "-req", "-in", "office.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "office.crt", "-days", "3650", "-extfile", "ext.cnf"]);
    set_mode(&d.join("office.key"), 0o600);
    // A keys folder made without the CLI's PDF key, then the import.
    let g = terbit::dk1::keys::generate(&d.join("keys"), "3506", &[5u8; 32], 1_767_225_600).unwrap();
    let kid = hex::encode(g.kid);
    ok(d, &["keys", "import", &kid, "--dir", "keys", "--key", "office.key", "--cert", "office.crt", "--chain", "ca.crt"]);
    let (code, _, err) = terbit(d, &["keys", "import", &kid, "--dir", "keys", "--key", "office.key", "--cert", "office.crt"]);
    assert_eq!(code, 2, "nothing overwritten: {err}");
    let bundle = fixture::bundle_for(d, "keys");
    // The certificate is valid from now on: a night dated today (its issue
    // time is midnight, before the certificate) is refused before anything
    // is written; one dated tomorrow signs.
    let today = chrono::Utc::now().date_naive().to_string();
    ok(d, &["samples", "--kind", "birth", "--count", "3", "--as-of", &today, "--out", "t.csv"]);
    let (code, _, err) = terbit(d, &["issue", "t.csv", "--keys", "keys", "--out", "early", "--issued-on", &today]);
    assert!(code != 0 && err.contains("does not hold the documents' issue time") && err.contains("renew the certificate"), "{err}");
    assert!(!d.join("early").exists() || std::fs::read_dir(d.join("early")).unwrap().flatten().all(|e| !e.path().join("manifest.csv").exists()), "nothing issued");
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    ok(d, &["samples", "--kind", "birth", "--count", "3", "--as-of", &tomorrow, "--out", "b.csv"]);
    ok(d, &["issue", "b.csv", "--keys", "keys", "--out", "out", "--issued-on", &tomorrow]);
    let mut files = Vec::new();
    pdfs(&d.join("out"), &mut files);
    let file = files.iter().find(|f| !f.parent().unwrap().ends_with("print")).unwrap();
    // The CA is the trust anchor for PDF readers; the district root lists the certificate for terbit.
    let db = nss_with(d, &d.join("ca.crt"));
    let p = pdfsig(&db, file);
    assert!(p.contains("Signature is Valid.") && p.contains("Certificate is Trusted.") && p.contains("Dinas Dukcapil Test"), "{p}");
    assert_eq!(pyhanko(&d.join("ca.crt"), std::slice::from_ref(file))[0]["bottom_line"], true);
    let (code, out, _) = terbit(d, &["verify", "--no-trust-memory", "--trust", &bundle, file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PDF signature: holds"), "{out}");
    // The CA's certificate travels in the signature, outside what it
    // covers: one byte of it changed (in its RSA signature, or in its
    // name) is a changed file, never GENUINE.
    let ca_hex = hex::encode(&pem_certs(&d.join("ca.crt"))[0]);
    let bytes = std::fs::read(file).unwrap();
    let at = bytes.windows(ca_hex.len()).position(|w| w == ca_hex.as_bytes()).expect("the CA's certificate in /Contents");
    let mut compared = vec![(file.clone(), None)];
    for (name, offset) in [("its signature", ca_hex.len() - 10), ("its name", ca_hex.find(&hex::encode("Test PSrE")).unwrap() + 1)] {
        let mut changed = bytes.clone();
        changed[at + offset] = if changed[at + offset] == b'0' { b'1' } else { b'0' };
        let f = d.join(format!("ca-changed-{}.pdf", compared.len()));
        std::fs::write(&f, &changed).unwrap();
        let (code, out, _) = terbit(d, &["verify", "--no-trust-memory", "--trust", &bundle, f.to_str().unwrap()]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains("not the ones it signs (signing-certificate-v2): one was changed"), "{name}: {out}");
        compared.push((f, Some("chain-altered")));
    }
    // The page reaches the same verdicts for the same reasons.
    let disagree = rust_vs_page(&d.join(&bundle), &compared);
    assert!(disagree.is_empty(), "terbit and the page differ:\n{}", disagree.join("\n"));
    // Import refuses what verifiers would refuse: a chain file holding no
    // certificate, and a chain that does not reach its root.
    std::fs::write(d.join("empty.pem"), "garbage\n").unwrap();
    let g2 = terbit::dk1::keys::generate(&d.join("keys2"), "3506", &[6u8; 32], 1_767_225_600).unwrap();
    let kid2 = hex::encode(g2.kid);
    let (code, _, err) = terbit(d, &["keys", "import", &kid2, "--dir", "keys2", "--key", "office.key", "--cert", "office.crt", "--chain", "empty.pem"]);
    assert!(code == 2 && err.contains("holds no certificate"), "{err}");
    let (code, _, err) = terbit(d, &["keys", "import", &kid2, "--dir", "keys2", "--key", "office.key", "--cert", "office.crt", "--chain", "office.crt"]);
    assert!(code == 2 && err.contains("no issuer in the chain"), "{err}");
}

/// `openssl` in `d`, which must succeed (or `None` when `may_fail`).
fn openssl(d: &Path, args: &[&str], may_fail: bool) -> Option<()> {
    let o = Command::new("openssl").args(args).current_dir(d).output().unwrap();
    if !o.status.success() {
        assert!(may_fail, "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        return None;
    }
    Some(())
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The certificates of a PEM file, DER.
fn pem_certs(path: &Path) -> Vec<Vec<u8>> {
    terbit::trust::pdfkey::pem_chain(path).unwrap()
}

#[test]
fn a_pkcs12_file_from_a_certification_authority_is_imported() {
    if !openssl_here("PAdES check: a PKCS #12 file (openssl)") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sh = |args: &[&str]| openssl(d, args, false).unwrap();
    // A PSrE with a root and an issuing CA, the office's key and certificate from the issuing CA.
    std::fs::write(d.join("ca.cnf"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n").unwrap();
    std::fs::write(d.join("ext.cnf"), "keyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=CA:FALSE\n").unwrap();
    sh(&["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "root.key", "-out", "root.crt", "-days", "3650", "-subj", "/CN=Test PSrE Root/O=Test/C=ID"]);
    sh(&["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ica.key", "-out", "ica.csr", "-subj", "/CN=Test PSrE Issuing CA/O=Test/C=ID"]);
    sh(&["x509", "-req", "-in", "ica.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-out", "ica.crt", "-days", "3650", "-extfile", "ca.cnf"]);
    sh(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "office.key"]);
    sh(&["req", "-new", "-key", "office.key", "-out", "office.csr", "-subj", "/CN=Dinas Dukcapil Test/O=Test/C=ID"]);
    sh(&["x509", "-req", "-in", "office.csr", "-CA", "ica.crt", "-CAkey", "ica.key", "-CAcreateserial", "-out", "office.crt", "-days", "3650", "-extfile", "ext.cnf"]);
    // The chain file lists the root first: the import orders it by issuer.
    let chain = [std::fs::read_to_string(d.join("root.crt")).unwrap(), std::fs::read_to_string(d.join("ica.crt")).unwrap()].concat();
    std::fs::write(d.join("chain.pem"), chain).unwrap();
    std::fs::write(d.join("pass"), "rahasia kantor\n").unwrap();
    let export = |name: &str, extra: &[&str], may_fail: bool| -> bool {
        let mut args = vec!["pkcs12", "-export", "-inkey", "office.key", "-in", "office.crt", "-certfile", "chain.pem", "-out", name, "-passout", "pass:rahasia kantor"];
        args.extend_from_slice(extra);
        let made = openssl(d, &args, may_fail).is_some();
        if made {
            set_mode(&d.join(name), 0o600);
        }
        made
    };
    let office = pem_certs(&d.join("office.crt")).remove(0);
    let above = [pem_certs(&d.join("ica.crt")).remove(0), pem_certs(&d.join("root.crt")).remove(0)];
    let mut n = 0;
    let mut import = |file: &str, password: &str| -> (i32, String, PathBuf) {
        n += 1;
        let keys = format!("keys{n}");
        let g = terbit::dk1::keys::generate(&d.join(&keys), "3506", &[n as u8; 32], 1_767_225_600).unwrap();
        let kid = hex::encode(g.kid);
        std::fs::write(d.join("pw"), password).unwrap();
        // A password file is a secret: others may not read it.
        set_mode(&d.join("pw"), 0o600);
        let (code, out, err) = terbit(d, &["keys", "import", &kid, "--dir", &keys, "--p12", file, "--password-file", "pw"]);
        (code, out + &err, d.join(&keys).join(&kid))
    };
    // OpenSSL 3's default (PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC, MAC HMAC-SHA256),
    // the older 3DES one, and (where the legacy provider is there) RC2-40 for the certificates.
    export("modern.p12", &[], false);
    export("3des.p12", &["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"], false);
    let legacy = export("legacy.p12", &["-legacy"], true);
    for file in ["modern.p12", "3des.p12", "legacy.p12"] {
        if file == "legacy.p12" && !legacy {
            eprintln!("no RC2 in this OpenSSL: legacy.p12 not made");
            continue;
        }
        let (code, out, base) = import(file, "rahasia kantor\n");
        assert_eq!(code, 0, "{file}: {out}");
        assert_eq!(pem_certs(&base.with_extension("pdf.crt")), vec![office.clone()], "{file}: the office's certificate");
        assert_eq!(pem_certs(&base.with_extension("pdf.chain.pem")), above.to_vec(), "{file}: issuing CA, then root");
        let key = base.with_extension("pdf.key");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(std::fs::read_to_string(&key).unwrap().starts_with("-----BEGIN PRIVATE KEY-----"));
    }
    // The first import signs a night: PDF readers trust it through the PSrE's
    // root (the issuing CA travels in the CMS), terbit through the district's list.
    if validators() {
        let bundle = fixture::bundle_for(d, "keys1");
        let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
        ok(d, &["samples", "--kind", "birth", "--count", "2", "--as-of", &tomorrow, "--out", "b.csv"]);
        ok(d, &["issue", "b.csv", "--keys", "keys1", "--out", "out", "--issued-on", &tomorrow]);
        let mut files = Vec::new();
        pdfs(&d.join("out"), &mut files);
        assert!(files.len() >= 3, "two documents and a print file");
        let db = nss_with(d, &d.join("root.crt"));
        for file in &files {
            let p = pdfsig(&db, file);
            assert!(p.contains("Signature is Valid.") && p.contains("Certificate is Trusted.") && p.contains("Dinas Dukcapil Test"), "{}: {p}", file.display());
            let (code, out, _) = terbit(d, &["verify", "--no-trust-memory", "--trust", &bundle, file.to_str().unwrap()]);
            assert_eq!(code, 0, "{out}");
        }
        assert!(pyhanko(&d.join("root.crt"), &files).iter().all(|v| v["bottom_line"] == true));
    }
    // Refusals: a wrong password, no integrity check, too many rounds, an RSA key, junk, a world-readable file.
    let (code, out, _) = import("modern.p12", "salah");
    assert!(code == 2 && out.contains("modern.p12") && out.contains("password is wrong"), "{out}");
    export("nomac.p12", &["-nomac"], false);
    let (code, out, _) = import("nomac.p12", "rahasia kantor");
    assert!(code == 2 && out.contains("no password integrity check"), "{out}");
    // A file whose encryptions ask for 3,000,000 rounds each: refused before they are spent.
    export("slow.p12", &["-iter", "3000000"], false);
    let t = std::time::Instant::now();
    let (code, out, _) = import("slow.p12", "rahasia kantor");
    assert!(code == 2 && out.contains("3000000 rounds"), "{out}");
    assert!(t.elapsed() < std::time::Duration::from_secs(20), "refused before spending the rounds");
    sh(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key"]);
    sh(&["req", "-x509", "-key", "rsa.key", "-out", "rsa.crt", "-days", "30", "-subj", "/CN=RSA/C=ID"]);
    sh(&["pkcs12", "-export", "-inkey", "rsa.key", "-in", "rsa.crt", "-out", "rsa.p12", "-passout", "pass:x"]);
    set_mode(&d.join("rsa.p12"), 0o600);
    let (code, out, _) = import("rsa.p12", "x");
    assert!(code == 2 && out.contains("not ECDSA P-256"), "{out}");
    std::fs::write(d.join("junk.p12"), b"PK\x03\x04 not a certificate store").unwrap();
    set_mode(&d.join("junk.p12"), 0o600);
    set_mode(&d.join("modern.p12"), 0o644);
    let (code, out, _) = import("junk.p12", "x");
    assert!(code == 2 && out.contains("not a PKCS#12 file"), "{out}");
    let (code, out, _) = import("modern.p12", "rahasia kantor");
    assert!(code == 2 && out.contains("modern.p12"), "readable by others: {out}");
}
