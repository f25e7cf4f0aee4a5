//! The signed trust list (README.md here, §9): a district's DK1 keys and
//! PDF-signing certificates, signed by the district root with a sequence
//! number, an issue time and a next update. Only the signed payload
//! counts: the readable fields must encode to exactly the signed bytes.
//!
//! Checking one is fail-closed: a list that is not signed by a pinned root
//! is an error, never "trust everything".

use ciborium::Value;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dk1::keys::{rfc3339, KeyStatus, TrustEntry, TrustList};
use crate::trust::root::{base64_decode, base64_encode, show_fingerprint, Fingerprint, RootCert, RootError, RootKey};

/// The format this module writes and reads.
pub const FORMAT: &str = "terbit-trust/2";
const LIST_KEY: i64 = -65540;
use crate::dk1::signed::MAX_SEQUENCE;
/// The largest signed list read (a district has a handful of keys).
pub const MAX_LIST: usize = 4 << 20;

/// A district's signed trust list as a file (`trust-<district>.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedTrustList {
    /// `terbit-trust/2`.
    pub format: String,
    /// The district's regency code: every key in the list signs for it.
    pub district: String,
    /// Increases with every list the root signs; a verifier refuses a lower one.
    pub sequence: u64,
    /// When the root signed it, RFC 3339.
    pub issued_at: String,
    /// When the district promises a newer list, RFC 3339; past it the list is stale.
    pub next_update: String,
    /// The DK1 keys (engine/dk1/README.md, §5).
    pub keys: Vec<TrustEntry>,
    /// The district's PDF-signing certificates, Base64 DER.
    pub pdf_certificates: Vec<String>,
    /// The time-stamp authorities whose tokens prove when the district's
    /// PDF signatures existed (its own authority's certificates, or a
    /// PSrE's), Base64 DER. Absent when the district has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tsa_certificates: Vec<String>,
    /// The root's self-signed certificate, Base64 DER; verifiers pin its SHA-256.
    pub root_certificate: String,
    /// Tagged COSE_Sign1 (ES256, hex) over the payload (README.md here, §9).
    pub cose: String,
}

/// Why a signed trust list is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustListError {
    /// Not `terbit-trust/2` (an unsigned `trust.json` lands here).
    #[error("not a signed trust list (format {0:?}); an unsigned trust.json is not trusted: the district signs it with `terbit trust sign`")]
    Format(String),
    /// A field is not encoded as it must be.
    #[error("field `{0}` is malformed")]
    Field(&'static str),
    /// The root certificate is not pinned.
    #[error("its root certificate (SHA-256 {0}) is not a pinned root: compare it with the fingerprint the district publishes")]
    NotPinned(String),
    /// The root certificate or the signature does not check.
    #[error(transparent)]
    Root(#[from] RootError),
    /// The signed payload is not a trust list.
    #[error("signed payload is not a trust list: {0}")]
    Payload(String),
    /// The readable fields differ from the signed ones.
    #[error("the readable fields differ from the signed ones (the file was edited after signing)")]
    Edited,
    /// A key signs for another district.
    #[error("key {kid} signs for {issuer}, but the list is district {district}'s: a root vouches only for its own district")]
    ForeignKey {
        /// The key.
        kid: String,
        /// Its issuer.
        issuer: String,
        /// The list's district.
        district: String,
    },
    /// An entry is malformed.
    #[error("{0}")]
    Entry(String),
    /// The list claims a district its root is not the root of.
    #[error("the list claims district {list}, but its root certificate is {}: a root vouches only for its own district", match .root { Some(d) => format!("district {d}'s"), None => "no district's (its subject names none)".to_string() })]
    WrongDistrict {
        /// The district the list claims.
        list: String,
        /// The district its root certificate names.
        root: Option<String>,
    },
}

/// A trust list whose signature checked against a pinned root.
#[derive(Debug, Clone)]
pub struct VerifiedTrust {
    /// The district.
    pub district: String,
    /// Its sequence number.
    pub sequence: u64,
    /// Signed at, epoch seconds.
    pub issued_at: i64,
    /// Next update promised, epoch seconds.
    pub next_update: i64,
    /// The root it checked against.
    pub root: RootCert,
    /// The keys.
    pub list: TrustList,
    /// PDF-signing certificates, DER.
    pub pdf_certificates: Vec<Vec<u8>>,
    /// Time-stamp authorities' certificates, DER.
    pub tsa_certificates: Vec<Vec<u8>>,
    /// SHA-256 of the signed payload: two lists with one sequence number
    /// and different contents are told apart by it.
    pub digest: [u8; 32],
}

impl VerifiedTrust {
    /// Whether the list is past its next update at `now`.
    pub fn is_stale(&self, now: i64) -> bool {
        now > self.next_update
    }
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn status_code(s: KeyStatus) -> i64 {
    match s {
        KeyStatus::Active => 1,
        KeyStatus::Retired => 2,
        KeyStatus::Revoked => 3,
    }
}

fn time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp())
}

/// The signed payload of a list's readable fields, or `None` when a field
/// does not encode (a bad time or hex).
fn payload(district: &str, sequence: u64, issued_at: i64, next_update: i64, keys: &[TrustEntry], certs: &[Vec<u8>], tsa: &[Vec<u8>]) -> Option<Vec<u8>> {
    let opt = |v: Option<i64>| v.map_or(Value::Null, int);
    let mut entries = Vec::with_capacity(keys.len());
    for k in keys {
        let not_after = match &k.not_after {
            Some(t) => Some(time(t)?),
            None => None,
        };
        let revoked_from = match &k.revoked_from {
            Some(t) => Some(time(t)?),
            None => None,
        };
        entries.push(Value::Array(vec![
            Value::Bytes(hex::decode(&k.kid).ok()?),
            Value::Text(k.issuer.clone()),
            Value::Bytes(hex::decode(&k.public_key).ok()?),
            int(time(&k.not_before)?),
            opt(not_after),
            int(status_code(k.status)),
            opt(revoked_from),
        ]));
    }
    let mut body = vec![
        (int(1), Value::Integer(sequence.into())),
        (int(2), int(next_update)),
        (int(3), Value::Array(entries)),
        (int(4), Value::Array(certs.iter().map(|c| Value::Bytes(c.clone())).collect())),
    ];
    // Only when there are some: a list without a time-stamp authority is
    // the same bytes it always was.
    if !tsa.is_empty() {
        body.push((int(5), Value::Array(tsa.iter().map(|c| Value::Bytes(c.clone())).collect())));
    }
    let body = crate::dk1::canonical_map(body);
    let top = crate::dk1::canonical_map(vec![(int(1), Value::Text(district.into())), (int(6), int(issued_at)), (int(LIST_KEY), body)]);
    let mut out = Vec::new();
    ciborium::into_writer(&top, &mut out).ok()?;
    Some(out)
}

/// The signed times and sequence of a payload: (issued-at, sequence, next-update).
fn signed_header(payload: &[u8]) -> Result<(i64, u64, i64), TrustListError> {
    let bad = |m: &str| TrustListError::Payload(m.to_string());
    let mut cursor = std::io::Cursor::new(payload);
    let v: Value = ciborium::de::from_reader_with_recursion_limit(&mut cursor, 8).map_err(|e| TrustListError::Payload(e.to_string()))?;
    if cursor.position() as usize != payload.len() {
        return Err(bad("trailing bytes"));
    }
    let Value::Map(top) = v else { return Err(bad("not a map")) };
    let get = |m: &[(Value, Value)], k: i64| m.iter().find(|(kk, _)| kk.as_integer() == Some(k.into())).map(|(_, v)| v.clone());
    let as_i64 = |v: Option<Value>| v.and_then(|v| v.as_integer()).and_then(|i| i64::try_from(i).ok());
    let issued_at = as_i64(get(&top, 6)).ok_or_else(|| bad("no issued-at (6)"))?;
    let Some(Value::Map(body)) = get(&top, LIST_KEY) else { return Err(bad("no list (-65540)")) };
    let sequence = get(&body, 1).and_then(|v| v.as_integer()).and_then(|i| u64::try_from(i).ok()).ok_or_else(|| bad("no sequence"))?;
    let next_update = as_i64(get(&body, 2)).ok_or_else(|| bad("no next update"))?;
    Ok((issued_at, sequence, next_update))
}

impl SignedTrustList {
    /// Sign `keys` (all of `district`) and `certs` with the root.
    pub fn make(
        root: &RootKey,
        district: &str,
        sequence: u64,
        issued_at: i64,
        next_update: i64,
        keys: Vec<TrustEntry>,
        certs: Vec<Vec<u8>>,
    ) -> Result<SignedTrustList, TrustListError> {
        Self::make_with_tsa(root, district, sequence, issued_at, next_update, keys, certs, Vec::new())
    }

    /// [`SignedTrustList::make`], naming time-stamp authorities' certificates `tsa` too.
    #[allow(clippy::too_many_arguments)]
    pub fn make_with_tsa(
        root: &RootKey,
        district: &str,
        sequence: u64,
        issued_at: i64,
        next_update: i64,
        keys: Vec<TrustEntry>,
        certs: Vec<Vec<u8>>,
        tsa: Vec<Vec<u8>>,
    ) -> Result<SignedTrustList, TrustListError> {
        TrustList { keys: keys.clone() }.check().map_err(TrustListError::Entry)?;
        if let Some(k) = keys.iter().find(|k| k.issuer != district) {
            return Err(TrustListError::ForeignKey { kid: k.kid.clone(), issuer: k.issuer.clone(), district: district.into() });
        }
        // Times as this module writes them, so the readable fields are the
        // canonical text of the signed ones.
        let keys: Vec<TrustEntry> = keys
            .into_iter()
            .map(|mut k| {
                k.kid = k.kid.to_ascii_lowercase();
                k.public_key = k.public_key.to_ascii_lowercase();
                k.not_before = time(&k.not_before).map(rfc3339).unwrap_or(k.not_before);
                k.not_after = k.not_after.map(|t| time(&t).map(rfc3339).unwrap_or(t));
                k.revoked_from = k.revoked_from.map(|t| time(&t).map(rfc3339).unwrap_or(t));
                k
            })
            .collect();
        let bytes = payload(district, sequence, issued_at, next_update, &keys, &certs, &tsa).ok_or(TrustListError::Field("keys"))?;
        Ok(SignedTrustList {
            format: FORMAT.into(),
            district: district.into(),
            sequence,
            issued_at: rfc3339(issued_at),
            next_update: rfc3339(next_update),
            keys,
            pdf_certificates: certs.iter().map(|c| base64_encode(c)).collect(),
            tsa_certificates: tsa.iter().map(|c| base64_encode(c)).collect(),
            root_certificate: base64_encode(&root.cert.der),
            cose: hex::encode(root.sign(bytes)),
        })
    }

    /// Parse a list's JSON (size-limited; unknown fields refused).
    pub fn parse(bytes: &[u8]) -> Result<SignedTrustList, TrustListError> {
        if bytes.len() > MAX_LIST {
            return Err(TrustListError::Payload("larger than 4 MiB".into()));
        }
        let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| TrustListError::Payload(e.to_string()))?;
        Self::from_value(v)
    }

    /// As [`SignedTrustList::parse`], from JSON already parsed (a bundle's entry).
    pub fn from_value(v: serde_json::Value) -> Result<SignedTrustList, TrustListError> {
        let format = v.get("format").and_then(|f| f.as_str()).unwrap_or("none").to_string();
        if format != FORMAT {
            return Err(TrustListError::Format(crate::error::clip(&format, 40)));
        }
        serde_json::from_value(v).map_err(|e| TrustListError::Payload(crate::error::clip(&e.to_string(), 200)))
    }

    /// The pretty JSON text, newline-terminated.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Check the list: its root is one of `pins` and its own signature
    /// holds, the root signed the payload, the readable fields are the
    /// signed ones, every key is well-formed and of the list's district.
    pub fn verify(&self, pins: &[Fingerprint]) -> Result<VerifiedTrust, TrustListError> {
        if self.format != FORMAT {
            return Err(TrustListError::Format(crate::error::clip(&self.format, 40)));
        }
        let der = base64_decode(&self.root_certificate).ok_or(TrustListError::Field("root_certificate"))?;
        let fp = crate::trust::root::fingerprint(&der);
        if !pins.contains(&fp) {
            return Err(TrustListError::NotPinned(show_fingerprint(&fp)));
        }
        let root = RootCert::parse(&der)?;
        // A root vouches only for the district its certificate names: a
        // neighbour's (or a stolen) root signing a list that claims this
        // district is refused before its signature is even read.
        if root.district.as_deref() != Some(self.district.as_str()) {
            return Err(TrustListError::WrongDistrict { list: crate::error::clip(&self.district, 8), root: root.district.clone() });
        }
        let cose = hex::decode(&self.cose).map_err(|_| TrustListError::Field("cose"))?;
        // Strict CBOR (dk1/strict.rs), as the page reads it.
        crate::dk1::strict::envelope(&cose).map_err(|e| TrustListError::Payload(e.to_string()))?;
        let signed = root.open(&cose)?;
        let (issued_at, sequence, next_update) = signed_header(&signed)?;
        // Sequences stay exact in every reader (JSON numbers in a browser
        // are exact up to 2^53).
        if sequence > MAX_SEQUENCE {
            return Err(TrustListError::Field("sequence"));
        }
        let certs = self
            .pdf_certificates
            .iter()
            .map(|c| base64_decode(c).ok_or(TrustListError::Field("pdf_certificates")))
            .collect::<Result<Vec<_>, _>>()?;
        let tsa = self
            .tsa_certificates
            .iter()
            .map(|c| base64_decode(c).ok_or(TrustListError::Field("tsa_certificates")))
            .collect::<Result<Vec<_>, _>>()?;
        let readable = payload(&self.district, self.sequence, time(&self.issued_at).unwrap_or(i64::MIN), time(&self.next_update).unwrap_or(i64::MIN), &self.keys, &certs, &tsa);
        if readable.as_deref() != Some(&signed[..]) || sequence != self.sequence {
            return Err(TrustListError::Edited);
        }
        let list = TrustList { keys: self.keys.clone() };
        list.check().map_err(TrustListError::Entry)?;
        if let Some(k) = self.keys.iter().find(|k| k.issuer != self.district) {
            return Err(TrustListError::ForeignKey { kid: k.kid.clone(), issuer: k.issuer.clone(), district: self.district.clone() });
        }
        Ok(VerifiedTrust {
            district: self.district.clone(),
            sequence,
            issued_at,
            next_update,
            root,
            list,
            pdf_certificates: certs,
            tsa_certificates: tsa,
            digest: Sha256::digest(&signed).into(),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::trust::root::{generate, pem_decode};
    use std::str::FromStr;

    /// A root for district 3506 and its fingerprint (test key, fixed secret).
    pub(crate) fn test_root() -> RootKey {
        test_root_with(&[0x42u8; 32])
    }

    /// A root for district 3506 with another secret (the same names).
    pub(crate) fn test_root_with(secret: &[u8; 32]) -> RootKey {
        let new = generate("3506", "KAB. KEDIRI", secret, 1_767_225_600, 20).unwrap();
        let cert = RootCert::parse(&pem_decode(new.cert_pem.as_bytes()).unwrap()).unwrap();
        RootKey::from_parts_for_tests(secret, cert)
    }

    pub(crate) fn entry(seed: u8, issuer: &str) -> TrustEntry {
        let pk = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).verifying_key().to_bytes();
        TrustEntry {
            kid: hex::encode(crate::dk1::keys::kid_of(&pk)),
            issuer: issuer.into(),
            alg: "EdDSA".into(),
            public_key: hex::encode(pk),
            not_before: "2026-01-01T07:00:00+07:00".into(),
            not_after: None,
            status: KeyStatus::Active,
            revoked_from: None,
        }
    }

    #[test]
    fn signed_list_verifies_against_its_pin_only() {
        let root = test_root();
        let list = SignedTrustList::make(&root, "3506", 3, 1_780_000_000, 1_782_592_000, vec![entry(1, "3506")], vec![]).unwrap();
        assert_eq!(list.keys[0].not_before, "2026-01-01T00:00:00Z", "times written canonically");
        let v = list.verify(&[root.cert.fingerprint]).unwrap();
        assert_eq!((v.sequence, v.district.as_str(), v.list.keys.len()), (3, "3506", 1));
        assert!(!v.is_stale(1_782_592_000) && v.is_stale(1_782_592_001));
        // Round trip through text.
        assert_eq!(SignedTrustList::parse(list.to_json().as_bytes()).unwrap(), list);
        // Not pinned: refused, whatever else holds.
        assert!(matches!(list.verify(&[[0u8; 32]]), Err(TrustListError::NotPinned(_))));
        assert!(matches!(list.verify(&[]), Err(TrustListError::NotPinned(_))));
    }

    #[test]
    fn every_edit_is_refused() {
        let root = test_root();
        let pins = [root.cert.fingerprint];
        let list = SignedTrustList::make(&root, "3506", 3, 1_780_000_000, 1_782_592_000, vec![entry(1, "3506")], vec![]).unwrap();
        let mut edits: Vec<SignedTrustList> = Vec::new();
        let mut e = list.clone();
        e.keys.push(entry(2, "3506"));
        edits.push(e);
        let mut e = list.clone();
        e.keys[0].status = KeyStatus::Retired;
        edits.push(e);
        let mut e = list.clone();
        e.sequence = 9;
        edits.push(e);
        let mut e = list.clone();
        e.next_update = "2030-01-01T00:00:00Z".into();
        edits.push(e);
        let mut e = list.clone();
        e.keys[0].not_after = Some("2030-01-01T00:00:00Z".into());
        edits.push(e);
        let mut e = list.clone();
        e.cose.replace_range(e.cose.len() - 2.., "00");
        edits.push(e);
        let mut e = list.clone();
        e.district = "3527".into();
        edits.push(e);
        for (i, e) in edits.iter().enumerate() {
            assert!(e.verify(&pins).is_err(), "edit {i} verified");
        }
        // An unsigned trust.json is not a signed list.
        assert!(matches!(SignedTrustList::parse(br#"{"keys": []}"#), Err(TrustListError::Format(_))));
    }

    #[test]
    fn a_root_vouches_only_for_its_district() {
        let root = test_root();
        let e = SignedTrustList::make(&root, "3506", 1, 0, 1, vec![entry(1, "3527")], vec![]).unwrap_err();
        assert!(matches!(e, TrustListError::ForeignKey { .. }), "{e}");
        // Sampang's root signs a list claiming Kediri: refused even with
        // both roots pinned (a bank's bundle pins many).
        let sampang = {
            let new = generate("3527", "KAB. SAMPANG", &[0x43u8; 32], 1_767_225_600, 20).unwrap();
            let cert = RootCert::parse(&pem_decode(new.cert_pem.as_bytes()).unwrap()).unwrap();
            assert_eq!(cert.district.as_deref(), Some("3527"));
            RootKey::from_parts_for_tests(&[0x43u8; 32], cert)
        };
        let forged = SignedTrustList::make(&sampang, "3506", 99, 1_780_000_000, 1_782_592_000, vec![entry(7, "3506")], vec![]).unwrap();
        let e = forged.verify(&[root.cert.fingerprint, sampang.cert.fingerprint]).unwrap_err();
        assert!(matches!(e, TrustListError::WrongDistrict { ref root, .. } if root.as_deref() == Some("3527")), "{e}");
        assert!(e.to_string().contains("claims district 3506") && e.to_string().contains("district 3527's"), "{e}");
        // Its own district's list under it still holds.
        let own = SignedTrustList::make(&sampang, "3527", 1, 1_780_000_000, 1_782_592_000, vec![entry(7, "3527")], vec![]).unwrap();
        assert!(own.verify(&[sampang.cert.fingerprint]).is_ok());
    }

    #[test]
    fn a_root_naming_no_district_vouches_for_none() {
        // A self-signed P-256 certificate whose common name is not
        // `terbit district root NNNN`.
        let key = p256::ecdsa::SigningKey::from_slice(&[0x44u8; 32]).unwrap();
        let subject = x509_cert::name::Name::from_str("CN=Kediri,O=KAB. KEDIRI,C=ID").unwrap();
        let t = |s: u64| x509_cert::time::Time::GeneralTime(x509_cert::der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(s)).unwrap());
        let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_key(key.verifying_key()).unwrap();
        let serial = x509_cert::serial_number::SerialNumber::new(&[1]).unwrap();
        let profile = crate::trust::pdfkey::CertProfile::Root { subject };
        let cert = x509_cert::builder::CertificateBuilder::new(profile, serial, x509_cert::time::Validity::new(t(1_767_225_600), t(2_000_000_000)), spki).unwrap();
        use x509_cert::builder::Builder;
        use x509_cert::der::Encode;
        let der = cert.build::<_, p256::ecdsa::DerSignature>(&key).unwrap().to_der().unwrap();
        let rc = RootCert::parse(&der).unwrap();
        assert_eq!(rc.district, None);
        let fp = rc.fingerprint;
        let k = RootKey::from_parts_for_tests(&[0x44u8; 32], rc);
        let list = SignedTrustList::make(&k, "3506", 1, 1_780_000_000, 1_782_592_000, vec![entry(1, "3506")], vec![]).unwrap();
        let e = list.verify(&[fp]).unwrap_err();
        assert!(e.to_string().contains("names none"), "{e}");
    }
}
