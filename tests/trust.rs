//! The district root of trust from the command line: lists signed by a
//! root, pinned by fingerprint, fail closed (unsigned, wrongly signed,
//! edited, unpinned and rolled-back lists are refused: nothing verifies
//! against them), stale lists still verify with a warning.

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::{ok, tampered, terbit};

#[test]
fn signed_bundle_verifies_documents_and_refuses_every_bad_list() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;

    // The bundle: genuine, superseded (with the newer number), revoked, tampered.
    let (code, out, _) = terbit(dir, &["verify", "--trust", "trust-bundle.json", &d.genuine.qr]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("GENUINE") && out.contains("trust data: district 3506 list no. 2"), "{out}");
    let (code, out, _) = terbit(dir, &["verify", "--trust", "trust-bundle.json", &d.superseded.qr]);
    assert_eq!(code, 1);
    assert!(out.contains("SUPERSEDED") && out.contains(&d.newer.number), "{out}");
    // The verdict's word said once; the signed issue time in the issuer's zone and words beside the UTC instant.
    assert!(out.contains(&format!("SUPERSEDED by {}", d.newer.number)) && !out.contains("SUPERSEDED: superseded"), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("issued at") && l.contains(" WIB (") && l.contains("Z)")), "{out}");
    let (_, out, _) = terbit(dir, &["verify", "--trust", "trust-bundle.json", &d.revoked.qr]);
    assert!(out.contains("REVOKED since ") && !out.contains("document revoked"), "{out}");
    let (code, out, _) = terbit(dir, &["verify", "--trust", "trust-bundle.json", &tampered(&d.genuine.qr)]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("GENUINE"), "{out}");
    // The run: every document checked, the superseded and revoked ones named.
    let (code, out, _) = terbit(dir, &["verify", "--trust", "trust-bundle.json", d.run.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("2 problem(s)") && out.contains("batch seal: holds") && out.contains(&d.newer.number), "{out}");

    // One district's signed list: only with its pin.
    let (code, _, err) = terbit(dir, &["verify", "--trust", "keys/trust-3506.json", &d.genuine.qr]);
    assert_eq!(code, 2);
    assert!(err.contains("give --pin"), "{err}");
    let (code, _, err) = terbit(dir, &["verify", "--trust", "keys/trust-3506.json", "--pin", &"ab".repeat(32), &d.genuine.qr]);
    assert_eq!(code, 2);
    assert!(err.contains("not a pinned root"), "{err}");
    let spaced: String = d.pin.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
    ok(dir, &["verify", "--trust", "keys/trust-3506.json", "--pin", &spaced, &d.genuine.qr]);
    // A bundle with pins given: every district must be among them.
    let (code, _, err) = terbit(dir, &["verify", "--trust", "trust-bundle.json", "--pin", &"ab".repeat(32), &d.genuine.qr]);
    assert_eq!(code, 2, "{err}");

    // The unsigned key list is not trust data.
    let (code, _, err) = terbit(dir, &["verify", "--trust", "keys/trust.json", &d.genuine.qr]);
    assert_eq!(code, 2);
    assert!(err.contains("not a signed trust list") && err.contains("nothing can be verified"), "{err}");

    // Edits: a key added to the readable list, a signature changed, a pin changed.
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&d.bundle).unwrap()).unwrap();
    let mut added = bundle.clone();
    let mut extra = added["districts"][0]["trust"]["keys"][0].clone();
    extra["status"] = "retired".into();
    added["districts"][0]["trust"]["keys"][0] = extra;
    let mut resigned = bundle.clone();
    let cose = resigned["districts"][0]["trust"]["cose"].as_str().unwrap().to_string();
    let mut c = cose.clone();
    c.replace_range(cose.len() - 4..cose.len() - 2, if &cose[cose.len() - 4..cose.len() - 2] == "00" { "01" } else { "00" });
    resigned["districts"][0]["trust"]["cose"] = c.into();
    let mut repinned = bundle.clone();
    repinned["districts"][0]["root_fingerprint"] = "cd".repeat(32).into();
    let mut revocations_edited = bundle.clone();
    revocations_edited["districts"][0]["revocations"][0]["entries"][0]["status"] = "revoked".into();
    for (name, v, why) in [
        ("added.json", added, "differ from the signed ones"),
        ("resigned.json", resigned, "does not verify"),
        ("repinned.json", repinned, "not a pinned root"),
        ("revocations-edited.json", revocations_edited, "revocation list"),
    ] {
        std::fs::write(dir.join(name), serde_json::to_vec(&v).unwrap()).unwrap();
        let (code, out, err) = terbit(dir, &["verify", "--trust", name, &d.genuine.qr]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains("trust data refused") && err.contains(why), "{name}: {err}");
        assert!(!out.contains("GENUINE"), "{name}: {out}");
        // And no page is made from it.
        let (code, _, err) = terbit(dir, &["verifier", "--trust", name, "--out", "x.html"]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(!dir.join("x.html").exists());
    }
}

#[test]
fn stale_lists_warn_and_rolled_back_lists_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let (stale_bundle, _) = fixture::make_stale(&d);
    let stale = stale_bundle.to_str().unwrap();

    // Stale: still verified, the answer says so with the list's date.
    let (code, out, _) = terbit(dir, &["verify", "--trust", stale, "--no-trust-memory", &d.genuine.qr]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("GENUINE") && out.contains("WARNING") && out.contains("past its next update (2026-11-26T00:00:00Z)") && out.contains("signed 2026-11-25"), "{out}");
    let (_, json, _) = terbit(dir, &["verify", "--json", "--trust", stale, "--no-trust-memory", &d.genuine.qr]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["trust"][0]["stale"], true, "{json}");
    assert_eq!(v[0]["trust"][0]["sequence"], 3, "{json}");

    // Rollback: once list no. 3 was seen, no. 2 is refused.
    ok(dir, &["verify", "--trust", stale, "--trust-memory", "seen.json", &d.genuine.qr]);
    let (code, _, err) = terbit(dir, &["verify", "--trust", "trust-bundle.json", "--trust-memory", "seen.json", &d.genuine.qr]);
    assert_eq!(code, 2);
    assert!(err.contains("rolled-back"), "{err}");
    // The default memory ($XDG_STATE_HOME) does the same.
    ok(dir, &["verify", "--trust", stale, &d.genuine.qr]);
    assert!(dir.join("state/terbit/trust-memory.json").exists());
    let (code, _, err) = terbit(dir, &["verify", "--trust", "trust-bundle.json", &d.genuine.qr]);
    assert_eq!(code, 2, "{err}");

    // A bundle is not updated with an older list.
    let (code, _, err) = terbit(dir, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &d.pin, "--out", stale]);
    assert_eq!(code, 2);
    assert!(err.contains("not newer"), "{err}");

    // Signing again numbers on: the root's sequence only grows.
    let out = ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt"]);
    assert!(out.contains("no. 4"), "{out}");
    ok(dir, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &d.pin, "--out", stale]);
    let show = ok(dir, &["trust", "show", stale]);
    assert!(show.contains("list no. 4") && show.contains(&d.pin[..4]), "{show}");
}

#[test]
fn root_is_made_once_and_kept_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = ok(dir, &["root", "init", "--district", "3527", "--dir", "r"]);
    assert!(out.contains("fingerprint (SHA-256)"), "{out}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(dir.join("r/root-3527.key")).unwrap().permissions().mode() & 0o777, 0o600);
    let pem = std::fs::read_to_string(dir.join("r/root-3527.crt")).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    // openssl reads it as a self-signed P-256 certificate, when it is here.
    if let Ok(o) = std::process::Command::new("openssl").args(["x509", "-noout", "-text", "-in"]).arg(dir.join("r/root-3527.crt")).output() {
        if o.status.success() {
            let t = String::from_utf8_lossy(&o.stdout);
            assert!(t.contains("prime256v1") && t.contains("ecdsa-with-SHA256") && t.contains("CA:TRUE"), "{t}");
        }
    }
    // A second root for the same district is refused; so is a non-district.
    let (code, _, err) = terbit(dir, &["root", "init", "--district", "3527", "--dir", "r"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(terbit(dir, &["root", "init", "--district", "9999", "--dir", "r2"]).0, 2);
    // A root signs only its own district's keys.
    ok(dir, &["keys", "generate", "--issuer", "3506", "--dir", "k"]);
    let (code, _, err) = terbit(dir, &["trust", "sign", "--keys", "k", "--root-key", "r/root-3527.key", "--root-cert", "r/root-3527.crt"]);
    assert_eq!(code, 2);
    assert!(err.contains("not district 3506's root"), "{err}");
    // A readable root key is refused.
    std::fs::set_permissions(dir.join("r/root-3527.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, _, err) = terbit(dir, &["trust", "sign", "--keys", "k", "--root-key", "r/root-3527.key", "--root-cert", "r/root-3527.crt"]);
    assert_eq!(code, 2);
    assert!(err.contains("chmod 600"), "{err}");
}

#[test]
fn rotating_and_revoking_keys_reaches_verifiers_through_a_new_list() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let list: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("keys/trust.json")).unwrap()).unwrap();
    let kid = list["keys"][0]["kid"].as_str().unwrap().to_string();
    let resign = |out: &str| {
        ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--valid-days", "36500"]);
        // The revocation list signed again by the key now current: a
        // retired or revoked key's list is not accepted.
        let out_rev = ok(dir, &["revocations", "--keys", "keys", "--register", "out/register.sqlite"]);
        assert!(out_rev.contains("signed revocation list no."), "{out_rev}");
        ok(dir, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &d.pin, "--out", out]);
    };
    // Rotation: a new key takes over on 2026-12-01, the old one retires then.
    ok(dir, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-12-01"]);
    ok(dir, &["keys", "retire", &kid, "--on", "2026-12-01", "--dir", "keys"]);
    resign("rotated.json");
    let (code, out, _) = terbit(dir, &["verify", "--trust", "rotated.json", &d.genuine.qr]);
    assert_eq!(code, 0, "what the retired key signed in its window stays genuine: {out}");
    assert!(out.contains("list no. 3"), "{out}");
    // Compromise: revoked from before the night it signed.
    ok(dir, &["keys", "revoke", &kid, "--from", "2026-11-20T00:00:00Z", "--dir", "keys"]);
    resign("revoked.json");
    let (code, out, _) = terbit(dir, &["verify", "--trust", "revoked.json", &d.genuine.qr]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REVOKED") && out.contains("revoked from 2026-11-20"), "{out}");
    assert_eq!(terbit(dir, &["keys", "retire", "0000000000000000", "--dir", "keys"]).0, 2);
}

/// A root vouches only for the district its certificate names: Sampang's
/// root signing a list that claims Kediri is refused by `verify` (even
/// with both roots pinned), by `trust bundle`, and in a bundle.
#[test]
fn a_neighbours_root_cannot_speak_for_another_district() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    ok(dir, &["root", "init", "--district", "3527", "--dir", "sampang-root", "--not-before", "2026-01-01"]);
    let sampang = terbit::trust::root::RootKey::load(&dir.join("sampang-root/root-3527.key"), &dir.join("sampang-root/root-3527.crt")).unwrap();
    let sampang_pin = hex::encode(sampang.cert.fingerprint);
    // The forger's own key, listed as Kediri's, under Sampang's root.
    ok(dir, &["keys", "generate", "--issuer", "3506", "--dir", "forger", "--not-before", "2026-01-01"]);
    let keys = terbit::dk1::keys::TrustList::load(&dir.join("forger/trust.json")).unwrap().keys;
    let forged = terbit::trust::list::SignedTrustList::make(&sampang, "3506", 99, 1_795_000_000, 1_900_000_000, keys, vec![]).unwrap();
    std::fs::write(dir.join("forged-3506.json"), forged.to_json()).unwrap();
    // The CLI refuses to sign it at all.
    let (code, _, err) = terbit(dir, &["trust", "sign", "--keys", "forger", "--root-key", "sampang-root/root-3527.key", "--root-cert", "sampang-root/root-3527.crt"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not district 3506's root"), "{err}");
    // verify, both roots pinned.
    let (code, _, err) = terbit(dir, &["verify", "--no-trust-memory", "--trust", "forged-3506.json", "--pin", &d.pin, "--pin", &sampang_pin, &d.genuine.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("claims district 3506, but its root certificate is district 3527's"), "{err}");
    // trust bundle, both pinned, into a fresh bundle and into Kediri's.
    let (code, _, err) = terbit(dir, &["trust", "bundle", "--list", "forged-3506.json", "--pin", &d.pin, "--pin", &sampang_pin, "--out", "new-bundle.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("root vouches only for its own district"), "{err}");
    assert!(!dir.join("new-bundle.json").exists());
    let before = std::fs::read(&d.bundle).unwrap();
    let (code, _, err) = terbit(dir, &["trust", "bundle", "--list", "forged-3506.json", "--pin", &sampang_pin, "--out", "trust-bundle.json"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read(&d.bundle).unwrap(), before, "the bundle is untouched");
    // A bundle carrying it (edited by hand) is refused whole.
    let mut b: serde_json::Value = serde_json::from_slice(&before).unwrap();
    b["districts"][0]["trust"] = serde_json::to_value(&forged).unwrap();
    b["districts"][0]["root_fingerprint"] = sampang_pin.clone().into();
    b["districts"][0]["revocations"] = serde_json::json!([]);
    std::fs::write(dir.join("edited-bundle.json"), serde_json::to_string(&b).unwrap()).unwrap();
    let (code, _, err) = terbit(dir, &["verify", "--no-trust-memory", "--trust", "edited-bundle.json", &d.genuine.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("district 3527's"), "{err}");
    let (code, _, err) = terbit(dir, &["verifier", "--trust", "edited-bundle.json", "--out", "forged.html"]);
    assert_eq!(code, 2, "{err}");
    assert!(!dir.join("forged.html").exists());
    // A pin bound to a district admits only that district's list.
    let (code, _, err) = terbit(dir, &["verify", "--no-trust-memory", "--trust", "keys/trust-3506.json", "--pin", &format!("3527={}", d.pin), &d.genuine.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pinned for another district"), "{err}");
    ok(dir, &["verify", "--no-trust-memory", "--trust", "keys/trust-3506.json", "--pin", &format!("3506={}", d.pin), &d.genuine.qr]);
}

/// A district's new root replaces the old one in a bundle only when told,
/// and the refusal names both fingerprints.
#[test]
fn a_bundle_keeps_a_districts_root_unless_told() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    ok(dir, &["root", "init", "--district", "3506", "--dir", "root2", "--not-before", "2026-01-01"]);
    let new_pin = hex::encode(terbit::trust::root::read_cert(&dir.join("root2/root-3506.crt")).unwrap().fingerprint);
    ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root2/root-3506.key", "--root-cert", "root2/root-3506.crt", "--out", "keys/trust-3506-new.json"]);
    let (code, _, err) = terbit(dir, &["trust", "bundle", "--list", "keys/trust-3506-new.json", "--pin", &new_pin, "--revocations", "keys/revocations-3506.json", "--out", "trust-bundle.json"]);
    assert_eq!(code, 2, "{err}");
    let show = |h: &str| h.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" ");
    assert!(err.contains("would change from") && err.contains(&show(&d.pin)) && err.contains(&show(&new_pin)), "{err}");
    std::fs::copy(&d.bundle, dir.join("old-bundle.json")).unwrap();
    ok(dir, &["verify", "--trust-memory", "m.json", "--trust", "old-bundle.json", &d.genuine.qr]);
    // --new-root for a district the bundle does not hold is a mistake, said.
    let (code, _, err) = terbit(dir, &["trust", "bundle", "--list", "keys/trust-3506-new.json", "--pin", &new_pin, "--revocations", "keys/revocations-3506.json", "--new-root", "3506", "--new-root", "3527", "--out", "trust-bundle.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--new-root 3527"), "{err}");
    let out = ok(dir, &["trust", "bundle", "--list", "keys/trust-3506-new.json", "--pin", &new_pin, "--revocations", "keys/revocations-3506.json", "--new-root", "3506", "--out", "trust-bundle.json"]);
    assert!(out.contains("root replaced by"), "{out}");
    // The verifier's memory knows the old root: a new one only when told.
    let (code, _, err) = terbit(dir, &["verify", "--trust-memory", "m.json", "--trust", "trust-bundle.json", &d.genuine.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("root would change from") && err.contains("--new-root 3506"), "{err}");
    let (code, out, _) = terbit(dir, &["verify", "--trust-memory", "m.json", "--new-root", "3506", "--trust", "trust-bundle.json", &d.genuine.qr]);
    assert_eq!(code, 0, "{out}");
    // The PDF key was certified again by the new root; the old certificate
    // stays listed, so a PDF signed under it still verifies, and the next
    // night's PDFs carry the new root.
    let (code, out, _) = terbit(dir, &["verify", "--trust-memory", "m.json", "--trust", "trust-bundle.json", d.genuine.file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    ok(dir, &["samples", "--kind", "birth", "--count", "3", "--seed", "8", "--as-of", "2026-11-25", "--out", "later.csv"]);
    ok(dir, &["issue", "later.csv", "--keys", "keys", "--out", "later", "--register", "out/register.sqlite", "--issued-on", "2026-11-25"]);
    let later = std::fs::read_dir(dir.join("later")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let (code, out, _) = terbit(dir, &["verify", "--trust-memory", "m.json", "--trust", "trust-bundle.json", later.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let chain = std::fs::read_dir(dir.join("keys")).unwrap().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with(".pdf.chain.pem")).unwrap();
    assert_eq!(std::fs::read_to_string(chain).unwrap(), std::fs::read_to_string(dir.join("root2/root-3506.crt")).unwrap());
    // Once the new root was seen, the old root's bundle is older trust data.
    let (code, _, err) = terbit(dir, &["verify", "--trust-memory", "m.json", "--trust", "old-bundle.json", &d.genuine.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("was replaced by root") && err.contains("rolled-back"), "{err}");
}

/// Revocation lists carry a sequence: once a newer one was seen, an older
/// one (which would make a revoked document genuine again) is refused.
#[test]
fn a_rolled_back_revocation_list_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let old: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("keys/revocations-3506.json")).unwrap()).unwrap();
    let old_seq = old["sequence"].as_u64().unwrap();
    assert!(old_seq >= 2, "two revocations, two lists: {old}");
    assert!(old["next_update"].is_string());
    std::fs::copy(dir.join("keys/revocations-3506.json"), dir.join("old-revocations.json")).unwrap();
    // Another revocation, in the same second as it may be: a higher number.
    let victim = &d.docs[4];
    ok(dir, &["revoke", &victim.number, "--reason", "issued in error", "--register", "out/register.sqlite", "--keys", "keys", "--on", "2026-11-24"]);
    let new: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("keys/revocations-3506.json")).unwrap()).unwrap();
    assert_eq!(new["sequence"].as_u64().unwrap(), old_seq + 1);
    let base = ["verify", "--trust", "keys/trust-3506.json", "--pin", &d.pin, "--trust-memory", "seen.json"];
    let with = |list: &str| -> Vec<String> { base.iter().map(|s| s.to_string()).chain(["--revocations".into(), list.into(), victim.qr.clone()]).collect() };
    let args = with("keys/revocations-3506.json");
    let (code, out, _) = terbit(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REVOKED"), "{out}");
    // The older list would make it genuine: refused, nothing verified.
    let args = with("old-revocations.json");
    let (code, out, err) = terbit(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("revocation list is no.") && err.contains("rolled-back"), "{err}");
    assert!(!out.contains("GENUINE"), "{out}");
    // So is trust data that leaves the list out, once one was seen.
    std::fs::create_dir_all(dir.join("bare")).unwrap();
    std::fs::copy(dir.join("keys/trust-3506.json"), dir.join("bare/trust-3506.json")).unwrap();
    let (code, _, err) = terbit(dir, &["verify", "--trust", "bare/trust-3506.json", "--pin", &d.pin, "--trust-memory", "seen.json", &victim.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("carries none"), "{err}");
    // Given both at once, the newer counts; two different lists under one
    // number are refused.
    let both: Vec<String> = base.iter().map(|s| s.to_string()).chain(["--no-trust-memory".into()]).filter(|a| a != "--trust-memory" && a != "seen.json")
        .chain(["--revocations".into(), "old-revocations.json".into(), "--revocations".into(), "keys/revocations-3506.json".into(), victim.qr.clone()]).collect();
    let (code, out, _) = terbit(dir, &both.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REVOKED"), "{out}");
    // A bundle update that gives no revocation list keeps the one it holds.
    ok(dir, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &d.pin, "--revocations", "keys/revocations-3506.json", "--out", "trust-bundle.json"]);
    ok(dir, &["trust", "bundle", "--list", "bare/trust-3506.json", "--pin", &d.pin, "--out", "trust-bundle.json"]);
    let (code, out, _) = terbit(dir, &["verify", "--no-trust-memory", "--trust", "trust-bundle.json", &victim.qr]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REVOKED"), "{out}");
}

/// A revoked key signs no revocation list: whoever stole it cannot sign a
/// newer, emptier list that makes revoked documents genuine again.
#[test]
fn a_revoked_keys_revocation_list_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let list: terbit::dk1::keys::TrustList = terbit::dk1::keys::TrustList::load(&dir.join("keys/trust.json")).unwrap();
    let kid = list.keys[0].kid.clone();
    let stolen = terbit::dk1::keys::signer_for(&dir.join("keys"), "3506", 1_795_392_000).unwrap();
    // The office rotates and revokes the key; the thief signs an empty list no. 1000.
    ok(dir, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-11-25"]);
    ok(dir, &["keys", "revoke", &kid, "--from", "2026-11-25T00:00:00Z", "--dir", "keys"]);
    ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-26T00:00:00Z", "--valid-days", "36500"]);
    let forged = terbit::dk1::revocation::RevocationList::make(vec![], 1000, 1_795_000_000, &stolen);
    std::fs::write(dir.join("forged-revocations.json"), forged.to_json()).unwrap();
    let (code, _, err) = terbit(dir, &["verify", "--no-trust-memory", "--trust", "keys/trust-3506.json", "--pin", &d.pin, "--revocations", "forged-revocations.json", &d.revoked.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is revoked"), "{err}");
    let (code, _, err) = terbit(dir, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &d.pin, "--revocations", "forged-revocations.json", "--out", "trust-bundle.json"]);
    assert_eq!(code, 2, "{err}");
}

/// A retired key's holder signs a list backdated into its window with a
/// high number: refused once its successor had taken over by that date,
/// and refused beside (or after) a newer-dated list with a lower number.
#[test]
fn a_retired_keys_backdated_revocation_list_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let list = terbit::dk1::keys::TrustList::load(&dir.join("keys/trust.json")).unwrap();
    let kid = list.keys[0].kid.clone();
    let retired = terbit::dk1::keys::signer_for(&dir.join("keys"), "3506", 1_795_392_000).unwrap();
    ok(dir, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-11-25"]);
    ok(dir, &["keys", "retire", &kid, "--on", "2027-01-01", "--dir", "keys"]);
    ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--valid-days", "36500"]);
    ok(dir, &["revocations", "--keys", "keys", "--register", "out/register.sqlite"]);
    let real: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("keys/revocations-3506.json")).unwrap()).unwrap();
    let real_seq = real["sequence"].as_u64().unwrap();
    // Dated after the successor's start (2026-11-25): refused outright.
    let late = terbit::dk1::revocation::RevocationList::make(vec![], 999, 1_795_650_000, &retired);
    std::fs::write(dir.join("late.json"), late.to_json()).unwrap();
    let (code, _, err) = terbit(dir, &["verify", "--no-trust-memory", "--trust", "keys/trust-3506.json", "--pin", &d.pin, "--revocations", "late.json", &d.revoked.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("took over from the retired key"), "{err}");
    // Dated before it (2026-11-24 12:00), numbered above the real list: refused beside it, and after it.
    let early = terbit::dk1::revocation::RevocationList::make(vec![], real_seq + 100, 1_795_521_600, &retired);
    std::fs::write(dir.join("early.json"), early.to_json()).unwrap();
    let (code, _, err) = terbit(dir, &["verify", "--no-trust-memory", "--trust", "keys/trust-3506.json", "--pin", &d.pin, "--revocations", "keys/revocations-3506.json", "--revocations", "early.json", &d.revoked.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("opposite orders"), "{err}");
    let (code, out, _) = terbit(dir, &["verify", "--trust-memory", "seen.json", "--trust", "keys/trust-3506.json", "--pin", &d.pin, "--revocations", "keys/revocations-3506.json", &d.revoked.qr]);
    assert_eq!(code, 1, "{out}");
    let (code, _, err) = terbit(dir, &["verify", "--trust-memory", "seen.json", "--trust", "keys/trust-3506.json", "--pin", &d.pin, "--revocations", "early.json", &d.revoked.qr]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is signed after it"), "{err}");
}

#[test]
fn only_a_number_the_root_signed_moves_its_count() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let sign = |extra: &[&str]| {
        let mut args = vec!["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt"];
        args.extend_from_slice(extra);
        ok(dir, &args)
    };
    let first = sign(&[]);
    let n: u64 = first.split("no. ").nth(1).and_then(|r| r.split(',').next()).and_then(|n| n.parse().ok()).unwrap();
    // The readable number of the list on disk raised to the end of the
    // range: not signed, so it does not count (before, the root's count
    // went to 2^53 − 1 and it could never sign again).
    let path = dir.join("keys/trust-3506.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["sequence"] = serde_json::json!(9_007_199_254_740_990u64);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let out = sign(&[]);
    assert!(out.contains(&format!("no. {}", n + 1)), "{out}");
    // The root's count lowered, and the list written elsewhere: still
    // numbered past the keys folder's own list, never a number in use.
    std::fs::write(dir.join("root/root-3506.key.sequence"), "0\n").unwrap();
    let out = sign(&["--out", "elsewhere.json"]);
    assert!(out.contains(&format!("no. {}", n + 2)), "{out}");
}

#[test]
fn a_pdf_certificate_verifiers_would_refuse_is_refused_when_signing_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let d = fixture::make(tmp.path());
    let dir = &d.dir;
    let crt = std::fs::read_dir(dir.join("keys")).unwrap().map(|e| e.unwrap().path()).find(|p| p.to_string_lossy().ends_with(".pdf.crt")).expect("a PDF certificate");
    // The same certificate naming another curve (P-192, an OID of the
    // same length): parsed as a certificate, its key is not P-256.
    let pem = std::fs::read_to_string(&crt).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&b64).unwrap();
    let p256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let at = der.windows(p256.len()).position(|w| w == p256).unwrap();
    der[at + p256.len() - 1] = 0x01;
    std::fs::write(&crt, &der).unwrap();
    let (code, _, err) = terbit(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".pdf.crt") && err.contains("not an ECDSA P-256 certificate"), "{err}");
}
