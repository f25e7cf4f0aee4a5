//! DK1 known-answer vectors from an independent implementation
//! (tests/vectors/make_vectors.py: Python cryptography + cbor2 + base45):
//! terbit must produce the same bytes for every kind's record shape, and
//! reach the expected verdict — with a named reason — for every tampered one.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use terbit::dk1::{self, Claims, Extra, Record};
use terbit::dk1::keys::{kid_of, Signer, TrustList};
use terbit::verify::{verify_text, Verdict};

fn vectors() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 16, "vectors missing: run tests/vectors/make_vectors.py");
    out
}

fn trust_of(v: &Value) -> TrustList {
    let json = serde_json::json!({ "keys": v["trust"] });
    TrustList::parse(json.to_string().as_bytes(), Path::new("vector trust")).unwrap()
}

fn claims_of(c: &Value) -> Claims {
    let rec = c["record"].as_object().unwrap();
    let text = |k: &str| rec.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let mut extra = BTreeMap::new();
    for (k, v) in rec {
        let k: u64 = k.parse().unwrap();
        if k >= 11 {
            extra.insert(k, if let Some(i) = v.as_i64() { Extra::Int(i) } else { Extra::Text(v.as_str().unwrap().into()) });
        }
    }
    Claims {
        issuer: c["issuer"].as_str().unwrap().into(),
        issued_at: c["issued_at"].as_i64().unwrap(),
        expiry: c["expiry"].as_i64(),
        record: Record {
            kind: rec["1"].as_u64().unwrap(),
            number: text("2").unwrap(),
            nik: text("3").unwrap(),
            name: text("4").unwrap(),
            birth_date: text("5"),
            birth_place: text("6"),
            issue_date: text("7").unwrap(),
            related: rec.get("8").map(|a| a.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()).unwrap_or_default(),
            member_count: rec.get("9").and_then(|n| n.as_u64()),
            member_digest: rec.get("10").map(|h| hex::decode(h["hex"].as_str().unwrap()).unwrap().try_into().unwrap()),
            extra,
        },
    }
}

fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Genuine => "genuine",
        Verdict::Invalid(_) => "invalid",
        Verdict::Untrusted(_) => "untrusted",
        Verdict::Revoked(_) => "revoked",
        Verdict::Superseded(_) => "superseded",
        Verdict::Unreadable(_) => "unreadable",
    }
}

#[test]
fn every_vector_reaches_its_verdict_with_a_reason() {
    for (name, v) in vectors() {
        let trust = trust_of(&v);
        let report = verify_text(v["qr_text"].as_str().unwrap(), &terbit::trust::store::Trust::new(&trust));
        assert_eq!(verdict_name(&report.verdict), v["expected"].as_str().unwrap(), "{name}: {:?}", report.verdict);
        match &report.verdict {
            Verdict::Genuine => {}
            Verdict::Invalid(r) | Verdict::Untrusted(r) | Verdict::Revoked(r) | Verdict::Superseded(r) | Verdict::Unreadable(r) => {
                assert!(r.len() > 10, "{name}: reason {r:?}")
            }
        }
    }
}

#[test]
fn terbit_encodes_every_record_shape_byte_for_byte() {
    let mut kinds = 0;
    for (name, v) in vectors().into_iter().filter(|(_, v)| v["encode"] == true) {
        let claims = claims_of(&v["claims"]);
        assert_eq!(hex::encode(claims.to_cbor()), v["payload_cbor_hex"].as_str().unwrap(), "{name}: payload");
        let seed: [u8; 32] = hex::decode(v["seed_hex"].as_str().unwrap()).unwrap().try_into().unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let signer = Signer { kid: kid_of(&key.verifying_key().to_bytes()), key, issuer: claims.issuer.clone() };
        assert_eq!(hex::encode(signer.kid), v["kid_hex"].as_str().unwrap(), "{name}: kid");
        assert_eq!(dk1::seal(&claims, &signer), v["qr_text"].as_str().unwrap(), "{name}: QR text");
        // And the decoder gives back exactly these claims.
        assert_eq!(dk1::decode(v["qr_text"].as_str().unwrap()).unwrap().claims, claims, "{name}: decode");
        kinds += 1;
    }
    assert_eq!(kinds, 6, "one vector per document kind");
}

#[test]
fn every_one_character_change_of_every_genuine_vector_is_rejected() {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    for (name, v) in vectors().into_iter().filter(|(_, v)| v["expected"] == "genuine") {
        let trust = trust_of(&v);
        let text = v["qr_text"].as_str().unwrap();
        for i in 0..text.len() {
            let orig = text.as_bytes()[i];
            let repl = *alphabet.iter().find(|c| **c != orig).unwrap() as char;
            let mut t = text.to_string();
            t.replace_range(i..i + 1, &repl.to_string());
            assert!(!verify_text(&t, &terbit::trust::store::Trust::new(&trust)).verdict.is_genuine(), "{name}: change at {i} still verifies");
        }
    }
}
