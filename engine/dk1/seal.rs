//! Batch seal: proof that a run's output is complete and untouched.
//!
//! Each manifest row becomes a Merkle leaf (RFC 6962 / RFC 9162 hashing:
//! leaf = SHA-256(0x00 ‖ "number,sha256hex"), node = SHA-256(0x01 ‖ l ‖ r),
//! split at the largest power of two), so one signed root covers every
//! document and its exact bytes, and an inclusion proof for one document
//! is a few dozen hashes. The merged print files are covered by their own
//! SHA-256 digests (format `terbit-seal/2`). `seal.json` carries the
//! readable figures and, as the authority, a COSE_Sign1 over them
//! ([`crate::dk1::signed`]).

use std::collections::BTreeMap;

use ciborium::Value;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dk1::keys::{rfc3339, Signer, TrustList};

/// A SHA-256 digest.
pub type Hash = [u8; 32];
/// The seal format terbit writes.
pub const FORMAT: &str = "terbit-seal/2";
/// Seals made before print files were covered: still checked, without them.
pub const FORMAT_V1: &str = "terbit-seal/1";
const SEAL_KEY: i64 = -65538;

/// The Merkle leaf of one manifest row: `SHA-256(0x00 ‖ number "," sha256hex)`.
pub fn leaf(number: &str, sha256_hex: &str) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(number.as_bytes());
    h.update(b",");
    h.update(sha256_hex.as_bytes());
    h.finalize().into()
}

fn node(l: &Hash, r: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

fn split(n: usize) -> usize {
    // Largest power of two strictly below n (n ≥ 2).
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// Merkle tree hash over leaf hashes; the empty tree is SHA-256("").
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest(b"").into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// Audit path for leaf `index` (RFC 9162 §2.1.3.1).
pub fn proof(leaves: &[Hash], index: usize) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || index >= n {
        return Vec::new();
    }
    let k = split(n);
    if index < k {
        let mut p = proof(&leaves[..k], index);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = proof(&leaves[k..], index - k);
        p.push(root(&leaves[..k]));
        p
    }
}

/// Check an audit path (RFC 9162 §2.1.3.2).
pub fn verify_proof(leaf: &Hash, index: usize, count: usize, path: &[Hash], expected_root: &Hash) -> bool {
    if index >= count {
        return false;
    }
    let (mut f, mut s) = (index, count - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && &r == expected_root
}

/// Why a run's seal does not vouch for the run as found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// `format` is neither seal format.
    #[error("unknown seal format {0:?}")]
    Format(String),
    /// `cose` is not hex.
    #[error("seal's cose is not hex")]
    NotHex,
    /// The signed envelope is malformed.
    #[error(transparent)]
    Envelope(#[from] crate::dk1::signed::EnvelopeError),
    /// The signature, key or issuer does not check.
    #[error(transparent)]
    Open(#[from] crate::dk1::signed::OpenError),
    /// The signed payload is not a batch seal.
    #[error("the signed seal is not a batch seal")]
    NotASeal,
    /// The seal's time is outside its key's signing window.
    #[error("sealed outside the key's signing window")]
    OutsideWindow,
    /// seal.json's readable fields differ from the signed ones (each named).
    #[error("seal.json was edited: {}", .0.join("; "))]
    Edited(Vec<String>),
    /// The run's files differ from what was sealed (each named).
    #[error("the run differs from what was sealed: {}", .0.join("; "))]
    Changed(Vec<String>),
}

/// `seal.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSeal {
    /// `terbit-seal/2` (or `/1`, without print files).
    pub format: String,
    /// The run it seals.
    pub run_id: String,
    /// Regency code of the issuing office.
    pub issuer: String,
    /// The signing key (hex).
    pub kid: String,
    /// Signing time, RFC 3339.
    pub issued_at: String,
    /// Documents in the manifest.
    pub documents: u64,
    /// Merkle root over the manifest rows (hex).
    pub merkle_root: String,
    /// SHA-256 of `manifest.csv` (hex).
    pub manifest_sha256: String,
    /// Merged print file (relative to the run) → its SHA-256 (hex).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub print_files: BTreeMap<String, String>,
    /// Tagged COSE_Sign1 (hex) over {1: issuer, 6: issued-at, -65538:
    /// {1: run id, 2: documents, 3: root, 4: manifest SHA-256, 5: {print
    /// file: SHA-256}}} (key 5 from `terbit-seal/2` on).
    pub cose: String,
    /// An RFC 3161 time-stamp token (hex) over the signed seal (its
    /// message imprint is the SHA-256 of `cose`'s bytes), from the run's
    /// time-stamp authority: proof that the whole run existed then.
    /// Outside what the seal's own signature covers, as a time-stamp is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<String>,
}

/// What a seal signs, read back from its signed payload.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signed {
    issuer: String,
    issued_at: i64,
    run_id: String,
    documents: u64,
    root: Vec<u8>,
    manifest: Vec<u8>,
    print_files: BTreeMap<String, Vec<u8>>,
}

impl Signed {
    fn parse(payload: &[u8]) -> Option<Signed> {
        let mut cursor = std::io::Cursor::new(payload);
        let v: Value = ciborium::de::from_reader_with_recursion_limit(&mut cursor, 8).ok()?;
        if cursor.position() as usize != payload.len() {
            return None;
        }
        let map = |v: &Value| v.as_map().cloned();
        let key = |m: &[(Value, Value)], k: i64| m.iter().find(|(kk, _)| kk.as_integer().and_then(|i| i64::try_from(i).ok()) == Some(k)).map(|(_, v)| v.clone());
        let top = map(&v)?;
        let inner = map(&key(&top, SEAL_KEY)?)?;
        let print_files = match key(&inner, 5) {
            None => BTreeMap::new(),
            Some(m) => m
                .as_map()?
                .iter()
                .map(|(k, v)| Some((k.as_text()?.to_string(), v.as_bytes()?.clone())))
                .collect::<Option<BTreeMap<_, _>>>()?,
        };
        Some(Signed {
            issuer: key(&top, 1)?.as_text()?.to_string(),
            issued_at: i64::try_from(key(&top, 6)?.as_integer()?).ok()?,
            run_id: key(&inner, 1)?.as_text()?.to_string(),
            documents: u64::try_from(key(&inner, 2)?.as_integer()?).ok()?,
            root: key(&inner, 3)?.as_bytes()?.clone(),
            manifest: key(&inner, 4)?.as_bytes()?.clone(),
            print_files,
        })
    }
}

fn payload(issuer: &str, issued_at: i64, run_id: &str, documents: u64, root: &Hash, manifest: &Hash, print_files: &BTreeMap<String, Hash>) -> Vec<u8> {
    let int = |i: i64| Value::Integer(i.into());
    let mut entries = vec![
        (int(1), Value::Text(run_id.into())),
        (int(2), int(documents as i64)),
        (int(3), Value::Bytes(root.to_vec())),
        (int(4), Value::Bytes(manifest.to_vec())),
    ];
    if !print_files.is_empty() {
        let files = print_files.iter().map(|(p, h)| (Value::Text(p.clone()), Value::Bytes(h.to_vec()))).collect();
        entries.push((int(5), crate::dk1::canonical_map(files)));
    }
    let inner = crate::dk1::canonical_map(entries);
    let top = crate::dk1::canonical_map(vec![(int(1), Value::Text(issuer.into())), (int(6), int(issued_at)), (int(SEAL_KEY), inner)]);
    let mut out = Vec::new();
    let _ = ciborium::into_writer(&top, &mut out);
    out
}

impl BatchSeal {
    /// Sign the seal of a finished run.
    pub fn make(run_id: &str, issued_at: i64, leaves: &[Hash], manifest_sha256: &Hash, print_files: &BTreeMap<String, Hash>, signer: &Signer) -> BatchSeal {
        let r = root(leaves);
        let n = leaves.len() as u64;
        let cose = crate::dk1::signed::sign(payload(&signer.issuer, issued_at, run_id, n, &r, manifest_sha256, print_files), signer);
        BatchSeal {
            format: FORMAT.into(),
            run_id: run_id.into(),
            issuer: signer.issuer.clone(),
            kid: hex::encode(signer.kid),
            issued_at: rfc3339(issued_at),
            documents: n,
            merkle_root: hex::encode(r),
            manifest_sha256: hex::encode(manifest_sha256),
            print_files: print_files.iter().map(|(p, h)| (p.clone(), hex::encode(h))).collect(),
            cose: hex::encode(cose),
            time_stamp: None,
        }
    }

    /// `seal.json`'s text (pretty JSON, newline-terminated).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Check the seal's signature, that its readable figures are the ones
    /// it signs (naming any that differ), and that the run as found —
    /// `leaves` from its files, its manifest's digest, its print files'
    /// digests — is what was sealed (naming what differs).
    pub fn check(&self, trust: &TrustList, leaves: &[Hash], manifest_sha256: &Hash, print_files: &BTreeMap<String, Hash>) -> Result<(), SealError> {
        if self.format != FORMAT && self.format != FORMAT_V1 {
            return Err(SealError::Format(crate::error::clip(&self.format, 40)));
        }
        let bytes = hex::decode(&self.cose).map_err(|_| SealError::NotHex)?;
        let env = crate::dk1::signed::parse(&bytes)?;
        let key = env.open(trust, &self.issuer)?;
        let signed = Signed::parse(&env.payload).ok_or(SealError::NotASeal)?;
        if key.not_before > signed.issued_at || key.not_after.is_some_and(|na| signed.issued_at >= na) {
            return Err(SealError::OutsideWindow);
        }
        let signed_prints: BTreeMap<String, String> = signed.print_files.iter().map(|(p, h)| (p.clone(), hex::encode(h))).collect();
        let shown = |what: &str, readable: &str, sealed: &str| {
            (readable != sealed).then(|| format!("seal.json's {what} {:?} is not the signed {:?}", crate::error::clip(readable, 80), crate::error::clip(sealed, 80)))
        };
        let edited: Vec<String> = [
            shown("run_id", &self.run_id, &signed.run_id),
            shown("issuer", &self.issuer, &signed.issuer),
            shown("issued_at", &self.issued_at, &rfc3339(signed.issued_at)),
            shown("documents", &self.documents.to_string(), &signed.documents.to_string()),
            shown("merkle_root", &self.merkle_root, &hex::encode(&signed.root)),
            shown("manifest_sha256", &self.manifest_sha256, &hex::encode(&signed.manifest)),
            (self.print_files != signed_prints).then(|| "seal.json's print_files are not the signed ones".to_string()),
            (self.format == FORMAT_V1 && !signed.print_files.is_empty()).then(|| "seal.json's format is not the signed one".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !edited.is_empty() {
            return Err(SealError::Edited(edited));
        }
        let mut changed = Vec::new();
        let recomputed = root(leaves);
        if signed.documents != leaves.len() as u64 {
            changed.push(format!("the manifest lists {} documents, {} were sealed", leaves.len(), signed.documents));
        } else if recomputed[..] != signed.root[..] {
            changed.push("a document's file or number differs from what was sealed (Merkle root recomputed from the files differs)".to_string());
        }
        if manifest_sha256[..] != signed.manifest[..] {
            changed.push("manifest.csv differs from the sealed manifest".to_string());
        }
        if self.format != FORMAT_V1 {
            for (path, h) in &signed.print_files {
                match print_files.get(path) {
                    None => changed.push(format!("print file {path} is missing")),
                    Some(found) if found[..] != h[..] => changed.push(format!("print file {path} differs from the sealed one")),
                    Some(_) => {}
                }
            }
            for path in print_files.keys().filter(|p| !signed.print_files.contains_key(*p)) {
                changed.push(format!("print file {} was not sealed", crate::util::show::clip_shown(path, 80)));
            }
        }
        if changed.is_empty() {
            Ok(())
        } else {
            Err(SealError::Changed(changed))
        }
    }

    /// Whether the seal covers the run's print files.
    pub fn covers_print_files(&self) -> bool {
        self.format != FORMAT_V1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf(&format!("3506-LU-23112026-{i:04}"), &"ab".repeat(32))).collect()
    }

    #[test]
    fn every_inclusion_proof_verifies_and_no_other() {
        for n in [1, 2, 3, 5, 8, 13, 64, 100] {
            let ls = leaves(n);
            let r = root(&ls);
            for i in 0..n {
                let p = proof(&ls, i);
                assert!(verify_proof(&ls[i], i, n, &p, &r), "n={n} i={i}");
                assert!(!verify_proof(&ls[(i + 1) % n], i, n, &p, &r) || n == 1, "wrong leaf n={n} i={i}");
                assert!(!verify_proof(&ls[i], i, n, &p, &[0u8; 32]), "wrong root n={n} i={i}");
            }
        }
    }

    #[test]
    fn root_matches_rfc6962_shape() {
        let ls = leaves(3);
        assert_eq!(root(&ls), node(&node(&ls[0], &ls[1]), &ls[2]));
        assert_eq!(root(&[]), <[u8; 32]>::from(Sha256::digest(b"")));
    }

    #[test]
    fn seal_checks_and_detects_changes() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[4u8; 32]);
        let kid = crate::dk1::keys::kid_of(&key.verifying_key().to_bytes());
        let trust = crate::verify::tests_support::trust_for(&key);
        let signer = Signer { key, kid, issuer: "3506".into() };
        let ls = leaves(10);
        let m = [7u8; 32];
        let prints = BTreeMap::from([("print/DUKCAPIL.pdf".to_string(), [9u8; 32])]);
        let s = BatchSeal::make("run", 1_795_392_000, &ls, &m, &prints, &signer);
        s.check(&trust, &ls, &m, &prints).unwrap();
        let e = s.check(&trust, &ls[..9], &m, &prints).unwrap_err().to_string();
        assert!(e.contains("9 documents, 10 were sealed"), "a missing document: {e}");
        let e = s.check(&trust, &ls, &[8u8; 32], &prints).unwrap_err().to_string();
        assert!(e.contains("manifest.csv differs"), "a changed manifest: {e}");
        let e = s.check(&trust, &ls, &m, &BTreeMap::from([("print/DUKCAPIL.pdf".to_string(), [1u8; 32])])).unwrap_err().to_string();
        assert!(e.contains("print file print/DUKCAPIL.pdf differs"), "{e}");
        let e = s.check(&trust, &ls, &m, &BTreeMap::new()).unwrap_err().to_string();
        assert!(e.contains("print/DUKCAPIL.pdf is missing"), "{e}");
        let mut shown = s.clone();
        shown.documents = 11;
        let e = shown.check(&trust, &ls, &m, &prints).unwrap_err().to_string();
        assert!(e.contains("seal.json's documents \"11\" is not the signed \"10\""), "readable figures edited: {e}");
        let mut renamed = s.clone();
        renamed.run_id = "other".into();
        let e = renamed.check(&trust, &ls, &m, &prints).unwrap_err().to_string();
        assert!(e.contains("seal.json was edited: seal.json's run_id \"other\" is not the signed \"run\"") && !e.contains("differs from what was sealed"), "{e}");
        let mut bad = s.clone();
        let mut c = hex::decode(&bad.cose).unwrap();
        let last = c.len() - 1;
        c[last] ^= 1;
        bad.cose = hex::encode(c);
        assert!(bad.check(&trust, &ls, &m, &prints).is_err(), "signature");
        assert!(s.check(&TrustList::default(), &ls, &m, &prints).is_err(), "unknown kid");
    }
}
