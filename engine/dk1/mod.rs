//! The `DK1` signed-QR format (specified in `README.md` here): claims as deterministic CBOR,
//! signed as a COSE_Sign1 with Ed25519, tagged 18, Base45-encoded behind the
//! `DK1:` prefix. Modelled on the EU DCC's HC1 without compression, so any
//! COSE library can check a document (tests/vectors hold an independent
//! known-answer vector).
//!
//! This module owns the bytes: [`seal()`] makes a QR text, [`decode`] parses an
//! untrusted one (size-limited, alg pinned, trailing bytes rejected) and
//! [`Sealed::check_signature`] checks it against a public key. Which keys to
//! trust is the verifier's business (`verify`).

pub mod keys;
pub mod qr;
pub mod revocation;
pub mod seal;
pub mod signed;
pub mod strict;

use std::collections::BTreeMap;

use ciborium::Value;
use ed25519_dalek::VerifyingKey;

use crate::dk1::signed::EnvelopeError;

use crate::dk1::keys::{Kid, Signer};

/// What every DK1 text starts with.
pub const PREFIX: &str = "DK1:";
/// The longest alphanumeric text a QR code can hold (version 40-L); anything
/// longer cannot have come from a QR and is refused before decoding.
pub const MAX_TEXT: usize = 4296;
const RECORD_KEY: i64 = -65537;

pub use crate::kind::Kind;

/// A kind-specific record value (keys 11 and up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extra {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
}

impl std::fmt::Display for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Extra::Text(s) => f.write_str(s),
            Extra::Int(i) => write!(f, "{i}"),
        }
    }
}

/// The signed record (claim -65537).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// Kind code, 1–6 ([`Kind::code`]).
    pub kind: u64,
    /// Document number.
    pub number: String,
    /// The subject's NIK.
    pub nik: String,
    /// The subject's name.
    pub name: String,
    /// Birth date, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// Birth place.
    pub birth_place: Option<String>,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Related NIKs (key 8), e.g. a small family's members.
    pub related: Vec<String>,
    /// Member count (key 9).
    pub member_count: Option<u64>,
    /// First 16 bytes of SHA-256 over the members' NIKs (key 10).
    pub member_digest: Option<[u8; 16]>,
    /// Kind-specific values, keys 11 and up.
    pub extra: BTreeMap<u64, Extra>,
}

/// What a DK1 QR signs (engine/dk1/README.md, §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// Regency code of the issuing office ("3506").
    pub issuer: String,
    /// Epoch seconds.
    pub issued_at: i64,
    /// Expiry, epoch seconds, for kinds that expire.
    pub expiry: Option<i64>,
    /// The record.
    pub record: Record,
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}
fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

impl Claims {
    /// The payload as deterministic CBOR (RFC 8949 §4.2.1 core rules as
    /// cbor2's canonical mode applies them: shortest forms, definite
    /// lengths, map keys sorted by their encoded bytes, shorter first).
    pub fn to_cbor(&self) -> Vec<u8> {
        let r = &self.record;
        let mut rec: Vec<(Value, Value)> = vec![
            (int(1), int(r.kind as i64)),
            (int(2), text(&r.number)),
            (int(3), text(&r.nik)),
            (int(4), text(&r.name)),
        ];
        if let Some(d) = &r.birth_date {
            rec.push((int(5), text(d)));
        }
        if let Some(p) = &r.birth_place {
            rec.push((int(6), text(p)));
        }
        rec.push((int(7), text(&r.issue_date)));
        if !r.related.is_empty() {
            rec.push((int(8), Value::Array(r.related.iter().map(|s| text(s)).collect())));
        }
        if let Some(n) = r.member_count {
            rec.push((int(9), int(n as i64)));
        }
        if let Some(d) = &r.member_digest {
            rec.push((int(10), Value::Bytes(d.to_vec())));
        }
        for (k, v) in &r.extra {
            let v = match v {
                Extra::Text(s) => text(s),
                Extra::Int(i) => int(*i),
            };
            rec.push((int(*k as i64), v));
        }
        let mut top = vec![(int(1), text(&self.issuer))];
        if let Some(e) = self.expiry {
            top.push((int(4), int(e)));
        }
        top.push((int(6), int(self.issued_at)));
        top.push((int(RECORD_KEY), canonical_map(rec)));
        let mut out = Vec::with_capacity(256);
        // Writing into a Vec cannot fail.
        let _ = ciborium::into_writer(&canonical_map(top), &mut out);
        out
    }
}

fn encoded(v: &Value) -> Vec<u8> {
    let mut b = Vec::new();
    let _ = ciborium::into_writer(v, &mut b);
    b
}

pub(crate) fn canonical_map(mut entries: Vec<(Value, Value)>) -> Value {
    entries.sort_by_cached_key(|(k, _)| {
        let e = encoded(k);
        (e.len(), e)
    });
    Value::Map(entries)
}

/// Sign `claims` and return the QR text.
pub fn seal(claims: &Claims, signer: &Signer) -> String {
    base45::encode(seal_cose(claims, signer)).chars().fold(String::from(PREFIX), |mut s, c| {
        s.push(c);
        s
    })
}

/// Sign `claims` and return the tagged COSE_Sign1 bytes.
pub fn seal_cose(claims: &Claims, signer: &Signer) -> Vec<u8> {
    crate::dk1::signed::sign(claims.to_cbor(), signer)
}

/// Why a QR text is not a well-formed, correctly signed DK1 document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Dk1Error {
    /// The text does not start with `DK1:`.
    #[error("not a DK1 text (it must start with \"DK1:\")")]
    Prefix,
    /// Longer than any QR holds.
    #[error("text too long ({0} characters; a QR holds at most 4296)")]
    TooLong(usize),
    /// Not Base45.
    #[error("Base45 decoding failed: {0}")]
    Base45(String),
    /// The COSE envelope itself is malformed.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The payload is not a DK1 claims map.
    #[error("payload is not valid claims: {0}")]
    Claims(String),
    /// The signature does not verify under the key.
    #[error("signature does not verify")]
    Signature,
}

/// A decoded, not yet trusted DK1 document.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The signing key's id, from the protected header.
    pub kid: Kid,
    /// The claims, not yet trusted.
    pub claims: Claims,
    env: crate::dk1::signed::Envelope,
}

/// Parse an untrusted QR text. Never panics; every failure is named.
pub fn decode(qr_text: &str) -> Result<Sealed, Dk1Error> {
    let qr_text = qr_text.trim_end_matches(['\r', '\n']);
    if qr_text.len() > MAX_TEXT {
        return Err(Dk1Error::TooLong(qr_text.len()));
    }
    let body = qr_text.strip_prefix(PREFIX).ok_or(Dk1Error::Prefix)?;
    let bytes = base45::decode(body).map_err(|e| Dk1Error::Base45(format!("{e:?}")))?;
    // The envelope parser requires tag 18, pins EdDSA and rejects trailing bytes.
    let env = crate::dk1::signed::parse(&bytes)?;
    let claims = parse_claims(&env.payload)?;
    Ok(Sealed { kid: env.kid, claims, env })
}

impl Sealed {
    /// Check the signature against `key`.
    pub fn check_signature(&self, key: &VerifyingKey) -> Result<(), Dk1Error> {
        self.env.check_signature(key).map_err(|_| Dk1Error::Signature)
    }
}

fn parse_claims(payload: &[u8]) -> Result<Claims, Dk1Error> {
    let bad = |m: &str| Dk1Error::Claims(m.to_string());
    // Strict CBOR (dk1/strict.rs): one encoding of the claims, no key twice.
    let value = crate::dk1::strict::read(payload, 16).map_err(|e| match e {
        crate::dk1::strict::StrictError::Trailing => bad("trailing bytes after the claims map"),
        e => Dk1Error::Claims(e.to_string()),
    })?;
    let top = as_int_map(&value).ok_or_else(|| bad("claims are not a map with integer keys"))?;
    let issuer = get_text(&top, 1).ok_or_else(|| bad("claim 1 (issuer) missing or not text"))?;
    let issued_at = get_int(&top, 6).ok_or_else(|| bad("claim 6 (issued-at) missing or not an integer"))?;
    let expiry = match top.get(&4) {
        None => None,
        Some(_) => Some(get_int(&top, 4).ok_or_else(|| bad("claim 4 (expiry) is not an integer"))?),
    };
    let rec_v = top.get(&RECORD_KEY).ok_or_else(|| bad("claim -65537 (record) missing"))?;
    let rec = as_int_map(rec_v).ok_or_else(|| bad("record is not a map with integer keys"))?;
    let req_text = |k: i64, what: &str| get_text(&rec, k).ok_or_else(|| bad(&format!("record {k} ({what}) missing or not text")));
    let opt_text = |k: i64, what: &str| match rec.get(&k) {
        None => Ok(None),
        Some(_) => get_text(&rec, k).map(Some).ok_or_else(|| bad(&format!("record {k} ({what}) is not text"))),
    };
    let kind = get_int(&rec, 1).filter(|k| *k > 0).ok_or_else(|| bad("record 1 (kind) missing or not a positive integer"))? as u64;
    let related = match rec.get(&8) {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_text().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("record 8 (related IDs) must be an array of text"))?,
        Some(_) => return Err(bad("record 8 (related IDs) must be an array of text")),
    };
    let member_count = match rec.get(&9) {
        None => None,
        Some(_) => Some(get_int(&rec, 9).filter(|n| *n >= 0).ok_or_else(|| bad("record 9 (member count) is not a count"))? as u64),
    };
    let member_digest = match rec.get(&10) {
        None => None,
        Some(Value::Bytes(b)) => Some(b.as_slice().try_into().map_err(|_| bad("record 10 (member digest) is not 16 bytes"))?),
        Some(_) => return Err(bad("record 10 (member digest) is not a byte string")),
    };
    // Keys 11 and up are kind-specific; values other than text and integers
    // are unknown to this version and ignored, as are unknown keys.
    let extra = rec
        .iter()
        .filter(|(k, _)| **k >= 11)
        .filter_map(|(k, v)| match v {
            Value::Text(s) => Some((*k as u64, Extra::Text(s.clone()))),
            Value::Integer(i) => i64::try_from(*i).ok().map(|i| (*k as u64, Extra::Int(i))),
            _ => None,
        })
        .collect();
    Ok(Claims {
        issuer,
        issued_at,
        expiry,
        record: Record {
            kind,
            number: req_text(2, "document number")?,
            nik: req_text(3, "NIK")?,
            name: req_text(4, "name")?,
            birth_date: opt_text(5, "birth date")?,
            birth_place: opt_text(6, "birth place")?,
            issue_date: req_text(7, "issue date")?,
            related,
            member_count,
            member_digest,
            extra,
        },
    })
}

fn as_int_map(v: &Value) -> Option<BTreeMap<i64, &Value>> {
    let Value::Map(entries) = v else { return None };
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let Value::Integer(i) = k else { return None };
        let i = i64::try_from(*i).ok()?;
        // Duplicate keys make a map ambiguous: refuse it.
        if out.insert(i, v).is_some() {
            return None;
        }
    }
    Some(out)
}

fn get_text(m: &BTreeMap<i64, &Value>, k: i64) -> Option<String> {
    m.get(&k).and_then(|v| v.as_text()).map(str::to_string)
}

fn get_int(m: &BTreeMap<i64, &Value>, k: i64) -> Option<i64> {
    match m.get(&k) {
        Some(Value::Integer(i)) => i64::try_from(*i).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dk1::keys::kid_of;
    use coset::{iana, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};
    use ed25519_dalek::{Signer as _, SigningKey};

    pub(crate) fn vector_claims() -> Claims {
        Claims {
            issuer: "3273".into(),
            issued_at: 1710903600,
            expiry: None,
            record: Record {
                kind: 1,
                number: "3273-LT-20032024-0012".into(),
                nik: "3273015503240002".into(),
                name: "SITI NURHALIZA PUTRI RAMADHANI".into(),
                birth_date: Some("2024-03-15".into()),
                birth_place: Some("BANDUNG".into()),
                issue_date: "2024-03-20".into(),
                ..Default::default()
            },
        }
    }

    pub(crate) fn vector_signer() -> Signer {
        let seed: [u8; 32] = hex::decode("54e7d38cddf6c9a0e56a6661c4a3aacb53fcda5590184c6abfe35f2c8b74e169")
            .unwrap()
            .try_into()
            .unwrap();
        let key = SigningKey::from_bytes(&seed);
        let kid = kid_of(&key.verifying_key().to_bytes());
        Signer { key, kid, issuer: "3273".into() }
    }

    const VECTOR_PAYLOAD: &str = "a3016433323733061a65fa51303a00010000a701010275333237332d4c542d32303033323032342d3030313203703332373330313535303332343030303204781e53495449204e555248414c495a412050555452492052414d414448414e49056a323032342d30332d3135066742414e44554e47076a323032342d30332d3230";
    const VECTOR_QR: &str = "DK1:RRQT 9P60GO0E V*JBB/DG%F8CK BG-70BL61:6WY06+C*BA/E7V50W30W50:D0BL61:6VW5*SANF6946NF6RF63W5746NE6D8EUF69L6.96QW6BL6+Q6646OE6F8F NAMTAZ34HZA269:S9KIB$34JZA5IA*34MB8DB8269G+9 U0NF6RF63W56L6.96J 0-G8B+9DZA3:86JD846$Q69465W5156+58:DA*256GJ*.9HK29.S-E4Q5FA+UYTVYZ8L/HEMC//5O4UPNN3WKY*3EMF-EB%HRAAKQ-F7WUV0O9ORZ:U5:D/ 7Y3UAJD10";

    #[test]
    fn reproduces_the_known_answer_vector() {
        let c = vector_claims();
        assert_eq!(hex::encode(c.to_cbor()), VECTOR_PAYLOAD);
        let s = vector_signer();
        assert_eq!(hex::encode(s.kid), "fb995a816e6f7d65");
        assert_eq!(seal(&c, &s), VECTOR_QR);
    }

    #[test]
    fn decodes_and_verifies_the_vector() {
        let sealed = decode(VECTOR_QR).unwrap();
        assert_eq!(sealed.claims, vector_claims());
        sealed.check_signature(&vector_signer().key.verifying_key()).unwrap();
        let other = SigningKey::from_bytes(&[1u8; 32]).verifying_key();
        assert_eq!(sealed.check_signature(&other), Err(Dk1Error::Signature));
    }

    #[test]
    fn round_trip_with_all_record_fields() {
        let mut c = vector_claims();
        c.expiry = Some(1_900_000_000);
        c.record.related = vec!["3506014101900001".into(), "3506011203880002".into()];
        c.record.member_count = Some(3);
        c.record.member_digest = Some([9u8; 16]);
        c.record.extra.insert(11, Extra::Text("P".into()));
        c.record.extra.insert(14, Extra::Int(2));
        let s = vector_signer();
        let d = decode(&seal(&c, &s)).unwrap();
        assert_eq!(d.claims, c);
        d.check_signature(&s.key.verifying_key()).unwrap();
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let key = vector_signer().key.verifying_key();
        let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        for i in 0..VECTOR_QR.len() {
            let orig = VECTOR_QR.as_bytes()[i] as char;
            let repl = alphabet.chars().find(|c| *c != orig).unwrap();
            let mut t = VECTOR_QR.to_string();
            t.replace_range(i..i + 1, &repl.to_string());
            let ok = decode(&t).and_then(|s| s.check_signature(&key)).is_ok();
            assert!(!ok, "tampered character {i} still verifies");
        }
        for n in 0..VECTOR_QR.len() {
            assert!(decode(&VECTOR_QR[..n]).and_then(|s| s.check_signature(&key)).is_err(), "truncated to {n}");
        }
    }

    #[test]
    fn unsigned_headers_are_refused_though_the_signature_holds() {
        let s = vector_signer();
        let protected = HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(s.kid.to_vec()).build();
        for unprotected in [HeaderBuilder::new().key_id(s.kid.to_vec()).build(), HeaderBuilder::new().content_type("text/plain".into()).build()] {
            let sign1 = CoseSign1Builder::new()
                .protected(protected.clone())
                .unprotected(unprotected)
                .payload(vector_claims().to_cbor())
                .create_signature(b"", |tbs| s.key.sign(tbs).to_bytes().to_vec())
                .build();
            let text = format!("{PREFIX}{}", base45::encode(sign1.to_tagged_vec().unwrap()));
            assert!(matches!(decode(&text), Err(Dk1Error::Envelope(EnvelopeError::Headers))), "{:?}", decode(&text).err());
        }
        // An extra signed parameter too: only alg and kid.
        let protected = HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(s.kid.to_vec()).content_type("text/plain".into()).build();
        let sign1 = CoseSign1Builder::new().protected(protected).payload(vector_claims().to_cbor()).create_signature(b"", |tbs| s.key.sign(tbs).to_bytes().to_vec()).build();
        let text = format!("{PREFIX}{}", base45::encode(sign1.to_tagged_vec().unwrap()));
        assert!(matches!(decode(&text), Err(Dk1Error::Envelope(EnvelopeError::Headers))));
    }

    #[test]
    fn hostile_inputs_are_errors_not_panics() {
        assert_eq!(decode("HC1:ABC").unwrap_err(), Dk1Error::Prefix);
        assert!(matches!(decode(&format!("DK1:{}", "A".repeat(100_000))), Err(Dk1Error::TooLong(_))));
        assert!(decode("DK1:").is_err());
        assert!(decode("DK1:::::").is_err());
        // Untagged COSE_Sign1, and a tagged one with a trailing byte.
        let cose = hex::decode(base45_body_hex()).unwrap();
        assert!(decode(&format!("DK1:{}", base45::encode(&cose[1..]))).is_err());
        let mut trailing = cose.clone();
        trailing.push(0);
        assert!(matches!(decode(&format!("DK1:{}", base45::encode(&trailing))), Err(Dk1Error::Envelope(EnvelopeError::Cose(_)))));
        // Deeply nested arrays in place of the payload.
        let deep = vec![0x81u8; 5000];
        assert!(decode(&format!("DK1:{}", base45::encode(&deep))).is_err());
    }

    /// A small in-tree fuzz loop (the cargo-fuzz target in tests/fuzz runs
    /// the same decoder far longer): thousands of mutated COSE structures
    /// must each decode to a value or an error, never a panic.
    #[test]
    fn mutated_cose_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(18);
        let base = base45::decode(&VECTOR_QR[4..]).unwrap();
        let key = vector_signer().key.verifying_key();
        for _ in 0..20_000 {
            let mut b = base.clone();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..b.len());
                match rng.random_range(0..4) {
                    0 => b[i] = rng.random(),
                    1 => b.insert(i, rng.random()),
                    2 => {
                        b.remove(i);
                    }
                    _ => b.truncate(i),
                }
                if b.is_empty() {
                    break;
                }
            }
            if let Ok(s) = decode(&format!("DK1:{}", base45::encode(&b))) {
                // Anything that still parses must not verify unless unchanged.
                assert!(s.check_signature(&key).is_err() || b == base);
            }
        }
    }

    fn base45_body_hex() -> String {
        hex::encode(base45::decode(&VECTOR_QR[4..]).unwrap())
    }

    #[test]
    fn unknown_record_keys_are_ignored() {
        let c = vector_claims();
        let Value::Map(mut top) = ciborium::from_reader::<Value, _>(c.to_cbor().as_slice()).unwrap() else { panic!() };
        let rec = top.iter_mut().find(|(k, _)| k.as_integer() == Some((-65537).into())).unwrap();
        let Value::Map(entries) = &mut rec.1 else { panic!() };
        entries.push((int(99), Value::Map(vec![(int(1), Value::Bytes(vec![1, 2]))])));
        entries.push((int(20), Value::Float(1.5)));
        // In the one order strict reading takes (dk1/strict.rs).
        rec.1 = canonical_map(std::mem::take(entries));
        let mut payload = Vec::new();
        ciborium::into_writer(&Value::Map(top), &mut payload).unwrap();
        let s = vector_signer();
        let text = format!("DK1:{}", base45::encode(crate::dk1::signed::sign(payload, &s)));
        let d = decode(&text).unwrap();
        assert_eq!(d.claims, c, "unknown keys 20 and 99 are ignored");
        d.check_signature(&s.key.verifying_key()).unwrap();
    }

    #[test]
    fn claims_or_envelope_in_another_encoding_are_refused() {
        let c = vector_claims();
        let s = vector_signer();
        let good = c.to_cbor();
        // The claims map with a long head (0xb8 0x03 for 0xa3), a key twice, an indefinite length: each signed by the genuine key.
        let mut long = vec![0xb8, good[0] - 0xa0];
        long.extend_from_slice(&good[1..]);
        let mut twice = good.clone();
        twice[0] += 1;
        twice.extend_from_slice(&[0x01, 0x61, 0x58]);
        let mut indefinite = vec![0xbf];
        indefinite.extend_from_slice(&good[1..]);
        indefinite.push(0xff);
        for (what, payload) in [("long head", long), ("key twice", twice), ("indefinite", indefinite)] {
            let text = format!("DK1:{}", base45::encode(crate::dk1::signed::sign(payload, &s)));
            assert!(matches!(decode(&text), Err(Dk1Error::Claims(_))), "{what}: {:?}", decode(&text).err());
        }
        // The genuine envelope with its array head written long (0x98 0x04 for 0x84): the signature still holds, the text is refused.
        let cose = seal_cose(&c, &s);
        assert_eq!(&cose[..2], &[0xd2, 0x84]);
        let mut other = vec![0xd2, 0x98, 0x04];
        other.extend_from_slice(&cose[2..]);
        assert!(matches!(decode(&format!("DK1:{}", base45::encode(&other))), Err(Dk1Error::Envelope(EnvelopeError::Cose(_)))));
    }

    #[test]
    fn wrong_algorithm_is_refused() {
        let s = vector_signer();
        let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(s.kid.to_vec()).build();
        let sign1 = CoseSign1Builder::new()
            .protected(protected)
            .payload(vector_claims().to_cbor())
            .create_signature(b"", |tbs| s.key.sign(tbs).to_bytes().to_vec())
            .build();
        let text = format!("DK1:{}", base45::encode(sign1.to_tagged_vec().unwrap()));
        assert_eq!(decode(&text).unwrap_err(), Dk1Error::Envelope(EnvelopeError::Algorithm));
    }
}
