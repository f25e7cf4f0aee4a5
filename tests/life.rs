//! Documents for life (PAdES B-T and B-LT): every PDF signature carries a
//! time-stamp from the district time-stamp authority and, inside the signed
//! revision, the certificates and the district root's CRL a validator needs
//! offline. Checked by tools we did not write (pyHanko validates the
//! time-stamp against the district root; OpenSSL's `ts -verify` checks a
//! token taken out of a file), and by `terbit verify`, which takes proof of
//! time from the stamp: a revoked key's documents stay genuine when they
//! were stamped before its revocation, and a thief's back-dated signature
//! (claimed before the revocation, stamped after it or not at all) does not.
//!
//! Archive renewals (PAdES B-LTA, `terbit archive renew`) keep every file
//! of a run genuine for `terbit verify` and carry the proof on for
//! pyHanko's EN 319 102-1 validation after the signing certificate ended.
//!
//! Needs openssl and pyHanko (the venv tests/common/tools.rs makes);
//! without them the test says what it skipped, or fails under
//! TERBIT_REQUIRE_TOOLS.

#[path = "common/trust_fixture.rs"]
mod fixture;

use std::path::{Path, PathBuf};
use std::process::Command;

use fixture::{pdfs, tools};

/// Run terbit in `dir` with the clock at `clock` (RFC 3339, through
/// SOURCE_DATE_EPOCH) when given: (exit code, stdout, stderr).
fn terbit_at(dir: &Path, clock: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_terbit"));
    c.args(args).current_dir(dir).env_remove("SOURCE_DATE_EPOCH").env("XDG_STATE_HOME", dir.join("state"));
    if let Some(t) = clock {
        c.env("SOURCE_DATE_EPOCH", chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp().to_string());
    }
    let out = c.output().expect("run terbit");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn ok_at(dir: &Path, clock: Option<&str>, args: &[&str]) -> String {
    let (code, out, err) = terbit_at(dir, clock, args);
    assert_eq!(code, 0, "terbit {args:?}\n{out}\n{err}");
    out
}


/// The run folder `out` holds.
fn run_in(out: &Path) -> PathBuf {
    std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).expect("a run")
}

/// A district (root, key, time-stamp authority, signed list) in `d`, a
/// night of births issued 2026-11-23 with the clock at 20:00 UTC that day
/// (the tokens' genTime; with their hour of accuracy, 21:00),
/// and the bundle's pin.
fn district(d: &Path) -> String {
    ok_at(d, None, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok_at(d, None, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    assert!(d.join("keys/tsa.key").exists(), "keys generate makes the district time-stamp authority's key");
    let signed = ok_at(d, None, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-20T00:00:00Z", "--valid-days", "30"]);
    assert!(signed.contains("time-stamp authority") && signed.contains("crl-3506.crl"), "{signed}");
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "8", "--seed", "3", "--as-of", "2026-11-23", "--out", "births.csv"]);
    let out = ok_at(d, Some("2026-11-23T20:00:00Z"), &["issue", "births.csv", "--keys", "keys", "--out", "out", "--issued-on", "2026-11-23"]);
    assert!(out.contains("time-stamped 2026-11-23T20:00:00Z") && out.contains("PAdES B-LT"), "{out}");
    hex::encode(terbit::trust::root::read_cert(&d.join("root/root-3506.crt")).unwrap().fingerprint)
}

/// Sign the keys folder `keys`'s list at `at` and bundle it as `bundle`.
fn publish(d: &Path, keys: &str, at: &str, pin: &str, bundle: &str) {
    ok_at(d, None, &["trust", "sign", "--keys", keys, "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", at, "--valid-days", "30"]);
    ok_at(d, None, &["trust", "bundle", "--list", &format!("{keys}/trust-3506.json"), "--pin", pin, "--out", bundle]);
}

fn verify(d: &Path, bundle: &str, file: &Path) -> (i32, String) {
    // A memory per bundle: two offices' lists share one root's numbers.
    let memory = format!("{bundle}.memory");
    let (code, out, err) = terbit_at(d, None, &["verify", "--trust", bundle, "--trust-memory", &memory, file.to_str().unwrap()]);
    (code, out + &err)
}

#[test]
fn every_signature_is_stamped_and_carries_its_validation_data() {
    if tools::require("time-stamp check: OpenSSL ts", tools::program("openssl", "version")).is_none() {
        return;
    }
    let pyhanko = tools::require("time-stamp check: pyHanko", tools::python(tools::Py::Pyhanko));
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let pin = district(d);
    publish(d, "keys", "2026-11-21T00:00:00Z", &pin, "bundle.json");
    let run = run_in(&d.join("out"));
    let mut files = Vec::new();
    pdfs(&run, &mut files);
    files.sort();
    assert!(files.iter().any(|f| f.parent().unwrap().ends_with("print")), "print files too");
    // Every file: one signature, its stamp, and a store with the
    // certificates (signer, root, authority) and the root's CRL.
    let root = d.join("root/root-3506.crt");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let sig = terbit::verify::signature::pades::check(&bytes);
        let terbit::verify::signature::pades::FileSignature::Holds { stamp: Some(stamp), .. } = &sig else { panic!("{}: {sig:?}", f.display()) };
        assert_eq!(stamp.gen_time, "20261123200000Z");
        assert_eq!(stamp.at, chrono::DateTime::parse_from_rfc3339("2026-11-23T21:00:00Z").unwrap().timestamp(), "genTime and its hour of accuracy");
        assert_eq!(stamp.cert, terbit::trust::pdfkey::read_cert_der(&d.join("keys/tsa.crt")).unwrap());
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/DSS ") && text.contains("/Type/DSS/Certs[") && text.contains("/CRLs["), "{}", f.display());
        // OpenSSL checks the token against the district root: the
        // authority's signature and certificate, and the imprint of this
        // signature's value.
        let (token, signature) = token_of(&bytes);
        std::fs::write(d.join("token.der"), &token).unwrap();
        std::fs::write(d.join("signature.bin"), &signature).unwrap();
        let o = Command::new("openssl").args(["ts", "-verify", "-token_in", "-in", "token.der", "-data", "signature.bin", "-CAfile"]).arg(&root).current_dir(d).output().unwrap();
        let said = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success() && said.contains("Verification: OK"), "{}: {said}", f.display());
        let mut other = signature.clone();
        other[10] ^= 1;
        std::fs::write(d.join("signature.bin"), &other).unwrap();
        let o = Command::new("openssl").args(["ts", "-verify", "-token_in", "-in", "token.der", "-data", "signature.bin", "-CAfile"]).arg(&root).current_dir(d).output().unwrap();
        assert!(!o.status.success(), "another signature's token");
    }
    // The seal carries one token over the whole signed seal: the run existed then.
    let (code, out) = verify(d, "bundle.json", &run);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("batch seal: time-stamped 2026-11-23T21:00:00Z by CN=Time-stamp authority Kabupaten Kediri") && out.contains("the whole run existed by then"), "{out}");
    let seal_path = run.join("seal.json");
    let genuine_seal = std::fs::read_to_string(&seal_path).unwrap();
    let mut seal: serde_json::Value = serde_json::from_str(&genuine_seal).unwrap();
    let token = seal["time_stamp"].as_str().unwrap().to_string();
    // Its token: another run's, or one byte changed: the seal fails.
    let flipped = format!("{}{}{}", &token[..300], if &token[300..301] == "0" { "1" } else { "0" }, &token[301..]);
    seal["time_stamp"] = serde_json::Value::String(flipped);
    std::fs::write(&seal_path, serde_json::to_string_pretty(&seal).unwrap()).unwrap();
    let (code, out) = verify(d, "bundle.json", &run);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("batch seal: FAILS — the seal's time-stamp"), "{out}");
    std::fs::write(&seal_path, &genuine_seal).unwrap();
    // terbit verify names the stamp.
    let (code, out) = verify(d, "bundle.json", &files[0]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("time-stamped 2026-11-23T21:00:00Z by CN=Time-stamp authority Kabupaten Kediri"), "{out}");
    // pyHanko: intact, trusted, and a time-stamp it trusts through the root.
    if let Some(python) = pyhanko {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pades_tools.py");
        let o = Command::new(python).arg(script).arg("validate").arg(&root).args(&files).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["bottom_line"], true, "{v}");
            assert_eq!(v["stamp_ok"], true, "{v}");
            assert_eq!(v["stamp"], "2026-11-23T20:00:00+00:00", "{v}");
        }
    }
}

/// The signature-time-stamp token and the signature value of a signed file.
fn token_of(pdf: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    use x509_cert::der::{Decode, Encode};
    let lt = pdf.windows(10).rposition(|w| w == b"/Contents<").unwrap() + 10;
    let gt = lt + pdf[lt..].iter().position(|c| *c == b'>').unwrap();
    let cms = hex::decode(&pdf[lt..gt]).unwrap();
    // The CMS, without the zeros that pad /Contents.
    let len = match cms[1] {
        0x82 => 4 + (usize::from(cms[2]) << 8 | usize::from(cms[3])),
        0x83 => 5 + (usize::from(cms[2]) << 16 | usize::from(cms[3]) << 8 | usize::from(cms[4])),
        n => panic!("CMS length form {n:#x}"),
    };
    let ci = ContentInfo::from_der(&cms[..len]).unwrap();
    let sd: SignedData = ci.content.decode_as().unwrap();
    let si = sd.signer_infos.0.as_slice()[0].clone();
    let attr = si.unsigned_attrs.unwrap().as_slice()[0].clone();
    let token = attr.values.as_slice()[0].to_der().unwrap();
    (token, si.signature.as_bytes().to_vec())
}

#[test]
fn a_revoked_keys_documents_are_judged_by_their_stamps() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let pin = district(d);
    let run = run_in(&d.join("out"));
    let mut files = Vec::new();
    pdfs(&run, &mut files);
    files.sort();
    let doc = files.iter().find(|f| !f.parent().unwrap().ends_with("print")).unwrap().clone();
    let kid = std::fs::read_dir(d.join("keys")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).find(|n| n.ends_with(".pdf.key")).unwrap().trim_end_matches(".pdf.key").to_string();
    // Two offices' views: the key revoked from after the night, and from
    // before its stamp (the night's own afternoon: the thief had it by then).
    for (keys, from) in [("after", "2026-11-25T00:00:00Z"), ("before", "2026-11-23T12:00:00Z")] {
        copy_dir(&d.join("keys"), &d.join(keys));
        ok_at(d, None, &["keys", "revoke", &kid, "--from", from, "--dir", keys]);
        publish(d, keys, "2026-11-26T00:00:00Z", &pin, &format!("{keys}.json"));
        let (code, out) = verify(d, &format!("{keys}.json"), &doc);
        // Either way the stamp is the district's own authority's, whose key
        // was kept with the stolen one: against a revocation it proves
        // nothing (an independent stamp would: the next tests).
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("nothing independent proves this PDF file was signed before then: its only time-stamp is the district's own authority's"), "{out}");
    }
    // The thief's night: the stolen key, a document dated before the
    // revocation (its /M and claims say 2026-11-22)…
    // … without the district authority's key: no stamp, nothing proves the time.
    copy_dir(&d.join("keys"), &d.join("thief"));
    std::fs::remove_file(d.join("thief/register-binding.json")).ok();
    for f in ["tsa.key", "tsa.crt"] {
        std::fs::remove_file(d.join("thief").join(f)).unwrap();
    }
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "3", "--seed", "9", "--as-of", "2026-11-22", "--out", "forged.csv"]);
    ok_at(d, Some("2026-11-27T20:00:00Z"), &["issue", "forged.csv", "--keys", "thief", "--out", "thief-out", "--issued-on", "2026-11-22"]);
    let mut forged = Vec::new();
    pdfs(&run_in(&d.join("thief-out")), &mut forged);
    for f in forged.iter().filter(|f| !f.parent().unwrap().ends_with("print")) {
        let (code, out) = verify(d, "after.json", f);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("nothing proves this PDF file was signed before then: its signature carries no time-stamp"), "{out}");
    }
    // … with it (the same host's), on an honest clock: stamped after.
    copy_dir(&d.join("keys"), &d.join("thief2"));
    std::fs::remove_file(d.join("thief2/register-binding.json")).ok();
    ok_at(d, Some("2026-11-27T20:00:00Z"), &["issue", "forged.csv", "--keys", "thief2", "--out", "thief2-out", "--issued-on", "2026-11-22"]);
    let mut forged = Vec::new();
    pdfs(&run_in(&d.join("thief2-out")), &mut forged);
    for f in forged.iter().filter(|f| !f.parent().unwrap().ends_with("print")) {
        let (code, out) = verify(d, "after.json", f);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("its only time-stamp is the district's own authority's"), "{out}");
    }
    // pyHanko's EN 319 102-1 validation, with the root's CRL that revokes
    // the key and its OCSP answer for the authority: the genuine file,
    // stamped before the revocation, passes; the thief's, unstamped or
    // stamped after it, do not. (Validated while the signing certificate
    // is valid: once it has ended, pyHanko 0.38 no longer weighs its
    // revocation — README, "Documents for life".)
    let Some(python) = tools::require("back-dated forgery check: pyHanko", tools::python(tools::Py::Pyhanko)) else { return };
    let root = d.join("root/root-3506.crt");
    let known = [("--crl", d.join("after/crl-3506.crl")), ("--ocsp", d.join("after/tsa.ocsp"))];
    let genuine = ades(&python, &root, "2026-12-01T00:00:00Z", std::slice::from_ref(&doc), &known);
    assert_eq!(genuine[0]["ades"], "PASSED/OK", "{}", genuine[0]);
    let mut thieves = Vec::new();
    for out in ["thief-out", "thief2-out"] {
        let mut f = Vec::new();
        pdfs(&run_in(&d.join(out)), &mut f);
        thieves.extend(f.into_iter().filter(|f| !f.parent().unwrap().ends_with("print")).take(1));
    }
    for v in ades(&python, &root, "2026-12-01T00:00:00Z", &thieves, &known) {
        assert!(v["ades"].as_str().is_some_and(|a| !a.starts_with("PASSED")), "a back-dated forgery: {v}");
    }
}

/// Copy a folder's files, and its folders' (a run) too.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        } else if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        }
    }
}

#[test]
fn a_planted_time_stamp_certificate_is_not_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok_at(d, None, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok_at(d, None, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    // Someone who can write to the keys folder, not the root's holder: a
    // root of their own with the district's names, certifying the folder's
    // time-stamp key (or their own) as the district's authority.
    ok_at(d, None, &["root", "init", "--district", "3506", "--dir", "fake", "--not-before", "2026-01-01"]);
    let fake = terbit::trust::root::RootKey::load(&d.join("fake/root-3506.key"), &d.join("fake/root-3506.crt")).unwrap();
    let theirs = p256::ecdsa::SigningKey::from_slice(&[0x55; 32]).unwrap();
    let planted = terbit::trust::tsa::certify(&fake, theirs.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_082_758_400).unwrap();
    terbit::trust::pdfkey::write_cert(&d.join("keys/tsa.crt"), &planted).unwrap();
    terbit::trust::pdfkey::write_cert(&d.join("keys/tsa.crt.2082758400"), &planted).unwrap();
    // And one for the folder's own key (harmless: no one else can sign with it).
    let key = terbit::trust::pdfkey::public_key(&d.join("keys/tsa.key")).unwrap();
    let same_key = terbit::trust::tsa::certify(&fake, &key, "3506", "Kabupaten Kediri", 1_767_225_600, 2_082_758_400).unwrap();
    terbit::trust::pdfkey::write_cert(&d.join("keys/tsa.crt.2082758401"), &same_key).unwrap();
    let out = ok_at(d, None, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--valid-days", "30"]);
    assert_eq!(out.matches("WARNING: a time-stamp certificate in the keys folder was not issued by this root").count(), 2, "{out}");
    assert_eq!(out.matches("from the earlier root, set aside").count(), 1, "{out}");
    let list: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("keys/trust-3506.json")).unwrap()).unwrap();
    let listed: Vec<Vec<u8>> = list["tsa_certificates"].as_array().unwrap().iter().map(|c| terbit::trust::root::base64_decode(c.as_str().unwrap()).unwrap()).collect();
    assert_eq!(listed.len(), 1, "only the certificate this root issued now");
    assert!(!listed.contains(&planted) && !listed.contains(&same_key));
    let root = terbit::trust::root::read_cert(&d.join("root/root-3506.crt")).unwrap();
    let cert = terbit::trust::tsa::TsaCert::of("3506", &listed[0], Some(&root.der)).unwrap();
    assert!(cert.for_time_stamping && !cert.forged_issuer);
    // And a list that named the planted one anyway (signed by a careless
    // root holder) gives its stamps no weight: the root did not sign it.
    assert!(terbit::trust::tsa::TsaCert::of("3506", &planted, Some(&root.der)).unwrap().forged_issuer);
}

/// An external authority's key and certificates (RSA, as BSrE's), made
/// with openssl in `dir`, and its OpenSSL configuration: (config, CA
/// certificate, authority certificate).
fn openssl_authority(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
        assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/C=ID/O=Test PSrE/CN=Test PSrE Root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    run(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/C=ID/O=Test PSrE/CN=Test PSrE Time-Stamping"]);
    std::fs::write(dir.join("ext.cnf"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n").unwrap();
    run(&["x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.crt", "-days", "3650", "-extfile", "ext.cnf"]);
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    let config = format!(
        "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = {}\nserial = $dir/serial\ncrypto_device = builtin\nsigner_cert = $dir/tsa.crt\ncerts = $dir/ca.crt\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
        dir.display()
    );
    std::fs::write(dir.join("ts.cnf"), config).unwrap();
    (dir.join("ts.cnf"), dir.join("ca.crt"), dir.join("tsa.crt"))
}

/// The local service: OpenSSL's authority behind tests/tsa_server.py;
/// killed when dropped.
struct Service(std::process::Child, u16);

impl Service {
    fn start(config: &Path, dir: &Path, credentials: &str) -> Service {
        let port_file = dir.join("port");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tsa_server.py");
        // Held by the guard from the start: killed and waited for however this ends.
        let mut service = Service(Command::new("python3").arg(script).arg(config).arg(&port_file).arg(credentials).spawn().unwrap(), 0);
        for _ in 0..200 {
            if let Ok(p) = std::fs::read_to_string(&port_file) {
                service.1 = p.trim().parse().unwrap();
                return service;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the time-stamp service did not start");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A district in `d` whose signed list names an external authority
/// (OpenSSL's `ts` behind its HTTP front, password `dinas:rahasia`): the
/// running service, the authority's CA certificate and the root's pin;
/// `None` when OpenSSL or python3 is missing (said by `check`'s name).
fn district_with_external_authority(d: &Path, check: &str) -> Option<(Service, PathBuf, String)> {
    let tools = tools::require(&format!("{check}: OpenSSL ts"), tools::program("openssl", "version")).is_some()
        && tools::require(&format!("{check}: python3 (its HTTP front)"), tools::program("python3", "--version")).is_some();
    if !tools {
        return None;
    }
    let (config, ca, tsa_cert) = openssl_authority(&d.join("psre"));
    let service = Service::start(&config, &d.join("psre"), "dinas:rahasia");
    ok_at(d, None, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok_at(d, None, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    // The district lists the authority at its ceremony.
    let signed = ok_at(d, None, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--valid-days", "30", "--tsa-cert", tsa_cert.to_str().unwrap()]);
    assert!(signed.contains("listed the external time-stamp authority") && signed.contains("Test PSrE Time-Stamping"), "{signed}");
    let pin = hex::encode(terbit::trust::root::read_cert(&d.join("root/root-3506.crt")).unwrap().fingerprint);
    Some((service, ca, pin))
}

/// Write a secret file (`user:password`) of mode 0600.
fn secret(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let mut perm = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o600);
    std::fs::set_permissions(path, perm).unwrap();
}

#[test]
fn an_external_authority_stamps_every_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let Some((service, ca, pin)) = district_with_external_authority(d, "external time-stamp authority") else { return };
    ok_at(d, None, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &pin, "--out", "bundle.json"]);
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "6", "--seed", "5", "--as-of", "2026-11-23", "--out", "births.csv"]);
    let settings = |password: &str, port: u16| {
        secret(&d.join("tsa.pass"), &format!("dinas:{password}\n"));
        std::fs::write(d.join("terbit.toml"), format!("keys = \"keys\"\nout = \"out\"\ntsa_url = \"http://127.0.0.1:{port}/tsa\"\ntsa_credentials = \"tsa.pass\"\n")).unwrap();
    };
    // A wrong password: refused before anything is numbered or written.
    settings("salah", service.1);
    let (code, out, err) = terbit_at(d, None, &["issue", "births.csv", "--issued-on", "2026-11-23"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("time-stamp") && err.contains("401") && !err.contains("salah"), "{err}");
    assert!(!d.join("out").exists() || std::fs::read_dir(d.join("out")).unwrap().flatten().all(|e| !e.path().join("manifest.csv").exists()), "nothing published");
    // The right one: every signature stamped there.
    settings("rahasia", service.1);
    let out = ok_at(d, None, &["issue", "births.csv", "--issued-on", "2026-11-23"]);
    assert!(out.contains(&format!("time-stamped by the time-stamp authority at http://127.0.0.1:{}/tsa", service.1)), "{out}");
    let run = run_in(&d.join("out"));
    let mut files = Vec::new();
    pdfs(&run, &mut files);
    assert!(files.len() > 6);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let (token, signature) = token_of(&bytes);
        std::fs::write(d.join("token.der"), &token).unwrap();
        std::fs::write(d.join("signature.bin"), &signature).unwrap();
        let o = Command::new("openssl").args(["ts", "-verify", "-token_in", "-in", "token.der", "-data", "signature.bin", "-CAfile"]).arg(&ca).current_dir(d).output().unwrap();
        assert!(o.status.success(), "{}: {}", f.display(), String::from_utf8_lossy(&o.stderr));
        let (code, said) = verify(d, "bundle.json", f);
        assert_eq!(code, 0, "{said}");
        if !f.parent().unwrap().ends_with("print") {
            assert!(said.contains("GENUINE") && said.contains("by CN=Test PSrE Time-Stamping"), "{said}");
        }
    }
    let (code, said) = verify(d, "bundle.json", &run);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("batch seal: time-stamped") && said.contains("by CN=Test PSrE Time-Stamping"), "{said}");
    // The clerks' page agrees: OpenSSL writes SHA-256's parameters as
    // NULL, which the page once took for a malformed token.
    for v in page_verdicts("external time-stamp authority", &d.join("bundle.json"), &files).unwrap_or_default() {
        assert_eq!(v["verdict"], "genuine", "{v}");
    }
    // The run renewed by the same service (terbit.toml's tsa_url): B-LTA.
    let renewed = ok_at(d, None, &["archive", "renew", run.to_str().unwrap(), "--keys", "keys"]);
    assert!(renewed.contains(&format!("{} file(s) renewed", files.len())), "{renewed}");
    let (code, said) = verify(d, "bundle.json", &run);
    assert!(code == 0 && said.contains(", 0 problem(s)"), "{said}");
    let doc = files.iter().find(|f| !f.parent().unwrap().ends_with("print")).unwrap();
    let (code, said) = verify(d, "bundle.json", doc);
    assert!(code == 0 && said.contains("renewed (PAdES B-LTA) 1 time(s)") && said.matches("by CN=Test PSrE Time-Stamping").count() == 2, "{said}");
    // OpenSSL checks the document time-stamp over the file's byte range.
    let bytes = std::fs::read(doc).unwrap();
    let lt = bytes.windows(10).rposition(|w| w == b"/Contents<").unwrap() + 9;
    let gt = lt + bytes[lt..].iter().position(|c| *c == b'>').unwrap() + 1;
    let token = hex::decode(&bytes[lt + 1..gt - 1]).unwrap();
    let (_, _, end) = terbit::util::der::tlv(&token, 0, token.len()).unwrap();
    std::fs::write(d.join("doc-token.der"), &token[..end]).unwrap();
    std::fs::write(d.join("range.bin"), [&bytes[..lt], &bytes[gt..]].concat()).unwrap();
    let o = Command::new("openssl").args(["ts", "-verify", "-token_in", "-in", "doc-token.der", "-data", "range.bin", "-CAfile"]).arg(&ca).current_dir(d).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The service gone: the night stops, saying why, and publishes nothing.
    drop(service);
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "3", "--seed", "6", "--as-of", "2026-11-24", "--out", "more.csv"]);
    let (code, out, err) = terbit_at(d, None, &["issue", "more.csv", "--issued-on", "2026-11-24"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("time-stamp") && err.contains("no answer after 4 attempts"), "{err}");
    assert!(std::fs::read_dir(d.join("out")).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with("20261124")).all(|e| !e.path().join("manifest.csv").exists()));
}

#[test]
fn an_independent_stamp_on_the_seal_catches_a_back_dated_night() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let Some((service, _, pin)) = district_with_external_authority(d, "independent seal stamp") else { return };
    // The documents with the district's own authority, the seal with the independent one.
    secret(&d.join("seal.pass"), "dinas:rahasia\n");
    std::fs::write(d.join("terbit.toml"), format!("seal_tsa_url = \"http://127.0.0.1:{}/tsa\"\nseal_tsa_credentials = \"seal.pass\"\n", service.1)).unwrap();
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "4", "--seed", "7", "--as-of", "2026-11-23", "--out", "births.csv"]);
    // The genuine night, on the real clock.
    copy_dir(&d.join("keys"), &d.join("thief"));
    ok_at(d, None, &["issue", "births.csv", "--keys", "keys", "--out", "out", "--issued-on", "2026-11-23"]);
    let genuine = run_in(&d.join("out"));
    // Then the key is stolen and revoked from now; the district's list says so.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let kid = std::fs::read_dir(d.join("keys")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).find(|n| n.ends_with(".pdf.key")).unwrap().trim_end_matches(".pdf.key").to_string();
    let from = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    ok_at(d, None, &["keys", "revoke", &kid, "--from", &from, "--dir", "keys"]);
    std::thread::sleep(std::time::Duration::from_secs(1));
    ok_at(d, None, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--valid-days", "30"]);
    ok_at(d, None, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &pin, "--out", "bundle.json"]);
    // The thief, with the whole keys folder (the district authority's key
    // too), back-dates a night to before the revocation: its documents'
    // own stamps say 2026-11-23, which for a revoked key prove nothing…
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "3", "--seed", "8", "--as-of", "2026-11-23", "--out", "forged.csv"]);
    ok_at(d, Some("2026-11-23T20:00:00Z"), &["issue", "forged.csv", "--keys", "thief", "--out", "thief-out", "--issued-on", "2026-11-23"]);
    let forged = run_in(&d.join("thief-out"));
    let mut files = Vec::new();
    pdfs(&forged, &mut files);
    let doc = files.iter().find(|f| !f.parent().unwrap().ends_with("print")).unwrap();
    let (code, out) = verify(d, "bundle.json", doc);
    assert_eq!(code, 1, "a revoked key's document with only the district's stamp: {out}");
    assert!(out.contains("nothing independent proves"), "{out}");
    // … and its seal carries the independent authority's stamp, made now.
    let (code, out) = verify(d, "bundle.json", &forged);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("batch seal: FAILS") && out.contains("by an independent authority") && out.contains("the run was made after the revocation"), "{out}");
    // The genuine night holds. Its documents' own stamps reach only to an
    // hour after its start (their accuracy), past the revocation three
    // seconds after it, so each alone is refused; the independent stamp on
    // its seal, from before the revocation, shows they were made in time.
    let (code, out) = verify(d, "bundle.json", &genuine);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 documents, 4 genuine") && out.contains("4 document(s) of a key revoked since are genuine by the seal's independent time-stamp"), "{out}");
    assert!(out.contains("batch seal: time-stamped") && out.contains("by CN=Test PSrE Time-Stamping"), "{out}");
}

/// pyHanko's EN 319 102-1 long-term validation (tests/pades_tools.py
/// `ades`) of `files` at `when`, `known` revocation data beside: one JSON
/// object per file.
fn ades(python: &Path, root: &Path, when: &str, files: &[PathBuf], known: &[(&str, PathBuf)]) -> Vec<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pades_tools.py");
    let mut c = Command::new(python);
    c.arg(script).arg("ades").arg(root).arg(when).args(files);
    for (flag, f) in known {
        c.arg(flag).arg(f);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn an_archive_renewal_carries_the_proof_past_the_certificates_end() {
    let pyhanko = tools::require("archive renewal check: pyHanko", tools::python(tools::Py::Pyhanko));
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // A signing certificate of a year (as a PSrE's): 2026-01-01 to 2027-01-01.
    ok_at(d, None, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok_at(d, None, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01", "--not-after", "2027-01-01"]);
    let sign = |at: &str, days: &str| ok_at(d, None, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", at, "--valid-days", days]);
    let said = sign("2026-11-20T00:00:00Z", "30");
    assert!(said.contains("tsa.ocsp"), "{said}");
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "6", "--seed", "3", "--as-of", "2026-11-23", "--out", "births.csv"]);
    ok_at(d, Some("2026-11-23T20:00:00Z"), &["issue", "births.csv", "--keys", "keys", "--out", "out", "--issued-on", "2026-11-23"]);
    let pin = hex::encode(terbit::trust::root::read_cert(&d.join("root/root-3506.crt")).unwrap().fingerprint);
    let root = d.join("root/root-3506.crt");
    let run = run_in(&d.join("out"));
    let mut files = Vec::new();
    pdfs(&run, &mut files);
    files.sort();
    let doc = files.iter().find(|f| !f.parent().unwrap().ends_with("print")).unwrap().clone();
    let print = files.iter().find(|f| f.parent().unwrap().ends_with("print")).unwrap().clone();
    let twin = |to: &str, f: &Path| d.join(to).join(f.strip_prefix(d.join("out")).unwrap());
    copy_dir(&d.join("out"), &d.join("out-lt"));
    copy_dir(&d.join("out"), &d.join("out-again"));
    let renew = |run: &Path, at: &str| ok_at(d, Some(at), &["archive", "renew", run.to_str().unwrap(), "--keys", "keys"]);
    // The night after: the first renewal (B-LTA), before the signing
    // certificate ends.
    let first = renew(&run, "2026-11-24T10:00:00Z");
    assert!(first.contains(&format!("{} file(s) renewed, time-stamped 2026-11-24T10:00:00Z", files.len())), "{first}");
    copy_dir(&d.join("out"), &d.join("out-lta"));
    // The same inputs and clock: the same bytes.
    renew(&run_in(&d.join("out-again")), "2026-11-24T10:00:00Z");
    for f in &files {
        assert_eq!(std::fs::read(f).unwrap(), std::fs::read(twin("out-again", f)).unwrap(), "{}", f.display());
    }
    // A run whose manifest names a file outside it, or another file than
    // the one sealed: nothing outside is touched, and that file is not renewed.
    copy_dir(&d.join("out-lt"), &d.join("out-hostile"));
    let hostile = run_in(&d.join("out-hostile"));
    std::fs::write(d.join("victim.pdf"), std::fs::read(&doc).unwrap()).unwrap();
    let manifest = std::fs::read_to_string(hostile.join("manifest.csv")).unwrap();
    let rel = doc.strip_prefix(&run).unwrap().to_str().unwrap().to_string();
    std::fs::write(hostile.join("manifest.csv"), manifest.replacen(&format!(",{rel},"), ",../../victim.pdf,", 1)).unwrap();
    let (code, out, _) = terbit_at(d, Some("2026-11-24T10:00:00Z"), &["archive", "renew", hostile.to_str().unwrap(), "--keys", "keys"]);
    assert!(code == 1 && out.contains("../../victim.pdf: not a plain path below the run"), "{out}");
    assert_eq!(std::fs::read(d.join("victim.pdf")).unwrap(), std::fs::read(&doc).unwrap(), "nothing outside the run is written");
    // A year on: the root's ceremony (list, CRLs, OCSP answer), the yearly job.
    sign("2028-03-01T00:00:00Z", "400");
    let yearly = renew(&run, "2028-03-01T10:00:00Z");
    assert!(yearly.contains(&format!("{} file(s) renewed", files.len())), "{yearly}");
    // Again within a month: nothing to do (a stopped renewal finishes so).
    let again = renew(&run, "2028-03-02T10:00:00Z");
    assert!(again.contains("0 file(s) renewed") && again.contains(&format!("{} left", files.len())), "{again}");
    // terbit verify: the run is the sealed one plus signed renewals.
    ok_at(d, None, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &pin, "--out", "bundle.json"]);
    let (code, out) = verify(d, "bundle.json", &run);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(", 0 problem(s)") && out.contains("batch seal: holds"), "{out}");
    assert!(out.contains("archive: 6 of 6 document(s) renewed (PAdES B-LTA), the newest archive time-stamp 2028-03-01T11:00:00Z"), "{out}");
    let (code, out) = verify(d, "bundle.json", &doc);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("it covers the whole file as it was sealed") && out.contains("renewed (PAdES B-LTA) 2 time(s), last time-stamped 2028-03-01T11:00:00Z by CN=Time-stamp authority"), "{out}");
    // What a renewal may not be.
    let renewed = std::fs::read(&doc).unwrap();
    let sealed_len = terbit::pdf::archive::read(&renewed).unwrap().sealed_len;
    let mut other = std::fs::read(files.iter().filter(|f| !f.parent().unwrap().ends_with("print")).nth(1).unwrap()).unwrap();
    let contents = |b: &[u8]| {
        let at = b.windows(10).rposition(|w| w == b"/Contents<").unwrap() + 10;
        (at, at + b[at..].iter().position(|c| *c == b'>').unwrap())
    };
    let (a, b) = contents(&renewed);
    let (oa, ob) = contents(&other);
    let mut swapped = renewed.clone();
    swapped.splice(a..b, other.drain(oa..ob));
    let mut appended = renewed.clone();
    appended.extend_from_slice(b"1 0 obj\n<<>>\nendobj\n%%EOF\n");
    let mut flipped = renewed.clone();
    flipped[sealed_len + 1] ^= 1;
    // In a certificate it adds: a renewal as terbit writes it, of bytes its token does not stamp.
    let mut data = renewed.clone();
    data[sealed_len + 60] ^= 1;
    for (name, bytes, why) in [
        ("swapped", swapped, "does not hold: the time-stamp does not stamp"),
        // No renewal: judged whole, as any file with bytes added after
        // signing (what the page check then finds comes first).
        ("appended", appended, "INVALID"),
        ("flipped", flipped, "INVALID"),
        ("data", data, "does not hold: the time-stamp does not stamp"),
    ] {
        let f = d.join(format!("{name}.pdf"));
        std::fs::write(&f, bytes).unwrap();
        let (code, out) = verify(d, "bundle.json", &f);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(out.contains(why), "{name}: {out}");
    }
    // pyHanko's EN 319 102-1 validation in mid-2028, a year and a half
    // after the signing certificate ended. It needs current revocation
    // data for the authority of the newest stamp: for B-LT and a file
    // renewed once (the night after), the root's current OCSP answer
    // (`tsa.ocsp`) beside the file; the file renewed yearly carries it.
    // Documents and print files alike.
    if let Some(python) = &pyhanko {
        let when = "2028-06-01T00:00:00Z";
        let ocsp = [("--ocsp", d.join("keys/tsa.ocsp"))];
        for (what, set, known) in [
            ("B-LT with the authority's OCSP answer", "out-lt", &ocsp[..]),
            ("B-LTA of the night after, with the answer", "out-lta", &ocsp[..]),
            ("B-LTA renewed yearly", "out", &[][..]),
        ] {
            for v in ades(python, &root, when, &[twin(set, &doc), twin(set, &print)], known) {
                assert_eq!(v["ades"], "PASSED/OK", "{what}: {v}");
            }
        }
        for v in ades(python, &root, when, &[twin("out-lt", &doc), twin("out-lta", &doc)], &[]) {
            assert_ne!(v["ades"], "PASSED/OK", "no current revocation data of the authority: {v}");
        }
    }
    // Ten years on the authority's certificate is certified again (its
    // first ends 2036-11-19); the renewal then stamps with the new one.
    // In mid-2037, after the first stamps' certificate has ended too, the
    // archive still proves the signature.
    sign("2036-06-01T00:00:00Z", "400");
    renew(&run, "2036-06-01T10:00:00Z");
    ok_at(d, None, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &pin, "--out", "bundle-2036.json"]);
    let (code, out) = verify(d, "bundle-2036.json", &run);
    assert!(code == 0 && out.contains(", 0 problem(s)"), "{out}");
    let (code, out) = verify(d, "bundle-2036.json", &doc);
    assert!(code == 0 && out.contains("renewed (PAdES B-LTA) 3 time(s), last time-stamped 2036-06-01T11:00:00Z"), "{out}");
    if let Some(python) = &pyhanko {
        for v in ades(python, &root, "2037-06-01T00:00:00Z", &[doc.clone(), print.clone()], &[]) {
            assert_eq!(v["ades"], "PASSED/OK", "{v}");
            assert_eq!(v["best_time"], "2026-11-24T10:00:00+00:00", "the first renewal proves the signature: {v}");
        }
    }
}

/// A PSrE in `dir` whose services the local service on `port` answers
/// (tests/tsa_server.py: OpenSSL's): its root (RSA), an intermediate for
/// time-stamping whose status is on the root's CRL at `/crl/root.crl`, and
/// the time-stamp authority's certificate, whose status OpenSSL's OCSP
/// responder at `/ocsp` gives from `index.txt`. (ts config, root
/// certificate, authority certificate)
fn psre_with_revocation(dir: &Path, port: u16) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let o = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
        assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    run(&["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/C=ID/O=Test PSrE/CN=Test PSrE Root", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    run(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "inter.key", "-out", "inter.csr", "-subj", "/C=ID/O=Test PSrE/CN=Test PSrE Time-Stamping CA"]);
    write("inter.cnf", format!("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\ncrlDistributionPoints=URI:http://127.0.0.1:{port}/crl/root.crl\n"));
    run(&["x509", "-req", "-in", "inter.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "inter.crt", "-days", "3650", "-extfile", "inter.cnf"]);
    run(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/C=ID/O=Test PSrE/CN=Test PSrE Time-Stamping"]);
    write("tsa.cnf", format!("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:{port}/ocsp\n"));
    run(&["x509", "-req", "-in", "tsa.csr", "-CA", "inter.crt", "-CAkey", "inter.key", "-CAcreateserial", "-out", "tsa.crt", "-days", "3650", "-extfile", "tsa.cnf"]);
    let serial = run(&["x509", "-in", "tsa.crt", "-noout", "-serial"]).trim().trim_start_matches("serial=").to_string();
    write("index.txt", format!("V\t361231000000Z\t\t{serial}\tunknown\t/C=ID/O=Test PSrE/CN=Test PSrE Time-Stamping\n"));
    // The root's CRL (nothing revoked), DER, as a distribution point serves it.
    write("root-index.txt", String::new());
    write("crlnumber", "01\n".into());
    write("ca.cnf", "[ca]\ndefault_ca = c\n[c]\ndatabase = root-index.txt\ndefault_md = sha256\ndefault_crl_days = 30\ncrlnumber = crlnumber\n".into());
    run(&["ca", "-gencrl", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.crt", "-out", "root.crl.pem"]);
    run(&["crl", "-in", "root.crl.pem", "-outform", "DER", "-out", "root.crl"]);
    let chain = [std::fs::read_to_string(dir.join("inter.crt")).unwrap(), std::fs::read_to_string(dir.join("ca.crt")).unwrap()].concat();
    write("chain.pem", chain);
    write("serial", "01\n".into());
    write(
        "ts.cnf",
        format!(
            "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\ndir = {}\nserial = $dir/serial\ncrypto_device = builtin\nsigner_cert = $dir/tsa.crt\ncerts = $dir/chain.pem\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            dir.display()
        ),
    );
    (dir.join("ts.cnf"), dir.join("ca.crt"), dir.join("tsa.crt"))
}

#[test]
fn a_psres_revocation_answers_are_fetched_into_the_files() {
    let check = "PSrE revocation answers fetched";
    let tools_here = tools::require(&format!("{check}: OpenSSL ts, ocsp and ca"), tools::program("openssl", "version")).is_some()
        && tools::require(&format!("{check}: python3 (the services' HTTP front)"), tools::program("python3", "--version")).is_some();
    let Some(pyhanko) = tools::require(&format!("{check}: pyHanko"), tools::python(tools::Py::Pyhanko)) else { return };
    if !tools_here {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let psre = d.join("psre");
    std::fs::create_dir_all(&psre).unwrap();
    // The service first (its port goes into the certificates); it reads its files per request.
    let service = Service::start(&psre.join("ts.cnf"), &psre, "dinas:rahasia");
    let (_, ca, tsa_cert) = psre_with_revocation(&psre, service.1);
    ok_at(d, None, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok_at(d, None, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    ok_at(d, None, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--valid-days", "30", "--tsa-cert", tsa_cert.to_str().unwrap()]);
    let pin = hex::encode(terbit::trust::root::read_cert(&d.join("root/root-3506.crt")).unwrap().fingerprint);
    ok_at(d, None, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &pin, "--out", "bundle.json"]);
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "4", "--seed", "8", "--as-of", "2026-11-23", "--out", "births.csv"]);
    secret(&d.join("tsa.pass"), "dinas:rahasia\n");
    let settings_with = |out: &str, fetch: bool, chain: &str| {
        let chain = if chain.is_empty() { String::new() } else { format!("tsa_chain = \"{chain}\"\n") };
        std::fs::write(d.join("terbit.toml"), format!("keys = \"keys\"\nout = \"{out}\"\nregister = \"register.sqlite\"\ntsa_url = \"http://127.0.0.1:{}/tsa\"\ntsa_credentials = \"tsa.pass\"\nfetch_revocation = {fetch}\n{chain}", service.1)).unwrap();
    };
    let settings = |out: &str, fetch: bool| settings_with(out, fetch, "");
    let roots = format!("{},{}", d.join("root/root-3506.crt").display(), ca.display());
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Without fetching: B-LT by the district's data, but nothing for the
    // PSrE's authority: pyHanko's long-term validation cannot pass.
    settings("plain", false);
    let out = ok_at(d, None, &["issue", "births.csv", "--issued-on", "2026-11-23"]);
    assert!(out.contains("revocation data: not fetched for the certificates a certification authority issued (fetch_revocation is off"), "{out}");
    let mut plain = Vec::new();
    pdfs(&run_in(&d.join("plain")), &mut plain);
    for v in ades(&pyhanko, Path::new(&roots), &later, &plain[..1], &[]) {
        assert_ne!(v["ades"], "PASSED/OK", "no revocation data for the PSrE's authority: {v}");
    }
    // A night dated days ahead: the authority stamps now, before the
    // documents' claimed time; refused before anything is made.
    let ahead = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive().to_string();
    let (code, out, err) = terbit_at(d, None, &["issue", "births.csv", "--issued-on", &ahead]);
    assert!(code != 0 && err.contains("more than a day after now"), "{out}{err}");
    // Fetching for an external authority needs its chain pinned.
    settings("fetched", true);
    let (code, out, err) = terbit_at(d, None, &["issue", "births.csv", "--issued-on", "2026-11-23"]);
    assert!(code != 0 && err.contains("fetch_revocation with an external time-stamp authority needs tsa_chain"), "{out}{err}");
    // A pinned chain (tsa_chain) the authority's certificate is not issued
    // by: refused before anything is made.
    settings_with("fetched", true, "psre/ca.crt");
    let (code, out, err) = terbit_at(d, None, &["issue", "births.csv", "--issued-on", "2026-11-23"]);
    assert!(code != 0 && err.contains("not issued by any certificate of tsa_chain"), "{out}{err}");
    // Fetched, the chain pinned: the authority's OCSP answer and its CA's CRL in every file.
    settings_with("fetched", true, "psre/chain.pem");
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "4", "--seed", "9", "--as-of", "2026-11-24", "--out", "more.csv"]);
    let out = ok_at(d, None, &["issue", "more.csv", "--issued-on", "2026-11-24"]);
    assert!(out.contains("revocation data: CN=Test PSrE Time-Stamping,O=Test PSrE,C=ID: OCSP \"good\""), "{out}");
    assert!(out.contains("revocation data: CN=Test PSrE Time-Stamping CA,O=Test PSrE,C=ID: not on the CRL"), "{out}");
    let run = run_in(&d.join("fetched"));
    let mut files = Vec::new();
    pdfs(&run, &mut files);
    assert!(files.len() > 4);
    let crl = std::fs::read(psre.join("root.crl")).unwrap();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(bytes.windows(7).any(|w| w == b"/OCSPs["), "{}", f.display());
        assert!(bytes.windows(crl.len()).any(|w| w == crl.as_slice()), "the PSrE root's CRL in {}", f.display());
    }
    let print = files.iter().find(|f| f.parent().unwrap().ends_with("print")).unwrap().clone();
    let doc = files.iter().find(|f| !f.parent().unwrap().ends_with("print")).unwrap().clone();
    for v in ades(&pyhanko, Path::new(&roots), &later, &[doc.clone(), print.clone()], &[]) {
        assert_eq!(v["ades"], "PASSED/OK", "with the PSrE's answers in the file: {v}");
    }
    let (code, said) = verify(d, "bundle.json", &run);
    assert!(code == 0 && said.contains(", 0 problem(s)"), "{said}");
    // The renewal fetches the authority's status again, into the renewal.
    let (code, renewed, notes) = terbit_at(d, None, &["archive", "renew", run.to_str().unwrap(), "--keys", "keys"]);
    assert_eq!(code, 0, "{renewed}{notes}");
    assert!(notes.contains("revocation data: CN=Test PSrE Time-Stamping,O=Test PSrE,C=ID: OCSP \"good\""), "{notes}");
    let (code, said) = verify(d, "bundle.json", &doc);
    assert!(code == 0 && said.contains("renewed (PAdES B-LTA) 1 time(s)"), "{said}");
    for v in ades(&pyhanko, Path::new(&roots), &later, &[doc.clone(), print.clone()], &[]) {
        assert_eq!(v["ades"], "PASSED/OK", "renewed: {v}");
    }
    for v in page_verdicts(check, &d.join("bundle.json"), &[doc, print]).unwrap_or_default() {
        assert_eq!(v["verdict"], "genuine", "the page on a renewed file with fetched answers: {v}");
    }
    // The authority revoked: the night stops before anything is issued.
    let index = std::fs::read_to_string(psre.join("index.txt")).unwrap();
    std::fs::write(psre.join("index.txt"), index.replacen("V\t361231000000Z\t\t", "R\t361231000000Z\t261201000000Z\t", 1)).unwrap();
    settings_with("revoked", true, "psre/chain.pem");
    ok_at(d, None, &["samples", "--kind", "birth", "--count", "4", "--seed", "10", "--as-of", "2026-11-25", "--out", "last.csv"]);
    let (code, out, err) = terbit_at(d, None, &["issue", "last.csv", "--issued-on", "2026-11-25"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("Test PSrE Time-Stamping,O=Test PSrE,C=ID (the OCSP answer from") && err.contains("the certificate is REVOKED (since 2026-12-01T00:00:00Z)"), "{err}");
    // Never told to switch the checking off: to sign or stamp otherwise.
    assert!(err.contains("Nothing was issued: the certification authority revoked this certificate") && !err.contains("fetch_revocation = false"), "{err}");
    assert!(!d.join("revoked").exists() || std::fs::read_dir(d.join("revoked")).unwrap().flatten().all(|e| !e.path().join("manifest.csv").exists()), "nothing published");
    // The same authority for the seal alone: its status is checked too.
    std::fs::write(d.join("terbit.toml"), format!("keys = \"keys\"\nout = \"revoked\"\nregister = \"register.sqlite\"\nseal_tsa_url = \"http://127.0.0.1:{}/tsa\"\nseal_tsa_credentials = \"tsa.pass\"\nfetch_revocation = true\ntsa_chain = \"psre/chain.pem\"\n", service.1)).unwrap();
    let (code, out, err) = terbit_at(d, None, &["issue", "last.csv", "--issued-on", "2026-11-25"]);
    assert!(code != 0 && err.contains("the seal's time-stamp authority") && err.contains("REVOKED"), "{out}{err}");
}

/// The clerks' page's verdicts on `files` with the bundle `bundle` at the
/// wall clock; `None` when node or the page's packages are missing.
fn page_verdicts(check: &str, bundle: &Path, files: &[PathBuf]) -> Option<Vec<serde_json::Value>> {
    fixture::page_pdf_verdicts(&format!("{check}: the page's verdicts in node"), bundle, chrono::Utc::now().timestamp(), files)
}
