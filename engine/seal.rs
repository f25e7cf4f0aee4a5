//! Batch seal: proof that a run's output is complete and untouched.
//!
//! Each manifest row becomes a Merkle leaf (RFC 6962 / RFC 9162 hashing:
//! leaf = SHA-256(0x00 ‖ "number,sha256hex"), node = SHA-256(0x01 ‖ l ‖ r),
//! split at the largest power of two), so one signed root covers every
//! document and its exact bytes, and an inclusion proof for one document
//! is a few dozen hashes. `seal.json` carries the readable figures and,
//! as the authority, a COSE_Sign1 over them ([`crate::signed`]).

use ciborium::Value;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{rfc3339, Signer, TrustList};

pub type Hash = [u8; 32];
pub const FORMAT: &str = "terbit-seal/1";
const SEAL_KEY: i64 = -65538;

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

/// `seal.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchSeal {
    pub format: String,
    pub run_id: String,
    pub issuer: String,
    pub kid: String,
    pub issued_at: String,
    pub documents: u64,
    pub merkle_root: String,
    pub manifest_sha256: String,
    /// Tagged COSE_Sign1 (hex) over {1: issuer, 6: issued-at, -65538:
    /// {1: run id, 2: documents, 3: root, 4: manifest SHA-256}}.
    pub cose: String,
}

fn payload(issuer: &str, issued_at: i64, run_id: &str, documents: u64, root: &Hash, manifest: &Hash) -> Vec<u8> {
    let int = |i: i64| Value::Integer(i.into());
    let inner = crate::dk1::canonical_map(vec![
        (int(1), Value::Text(run_id.into())),
        (int(2), int(documents as i64)),
        (int(3), Value::Bytes(root.to_vec())),
        (int(4), Value::Bytes(manifest.to_vec())),
    ]);
    let top = crate::dk1::canonical_map(vec![(int(1), Value::Text(issuer.into())), (int(6), int(issued_at)), (int(SEAL_KEY), inner)]);
    let mut out = Vec::new();
    let _ = ciborium::into_writer(&top, &mut out);
    out
}

impl BatchSeal {
    pub fn make(run_id: &str, issued_at: i64, leaves: &[Hash], manifest_sha256: &Hash, signer: &Signer) -> BatchSeal {
        let r = root(leaves);
        let n = leaves.len() as u64;
        let cose = crate::signed::sign(payload(&signer.issuer, issued_at, run_id, n, &r, manifest_sha256), signer);
        BatchSeal {
            format: FORMAT.into(),
            run_id: run_id.into(),
            issuer: signer.issuer.clone(),
            kid: hex::encode(signer.kid),
            issued_at: rfc3339(issued_at),
            documents: n,
            merkle_root: hex::encode(r),
            manifest_sha256: hex::encode(manifest_sha256),
            cose: hex::encode(cose),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Check the seal's signature and that its signed figures are the ones
    /// shown and the ones recomputed from the run (`leaves`, manifest hash).
    pub fn check(&self, trust: &TrustList, leaves: &[Hash], manifest_sha256: &Hash) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("unknown seal format {:?}", self.format));
        }
        let bytes = hex::decode(&self.cose).map_err(|_| "seal's cose is not hex".to_string())?;
        let env = crate::signed::parse(&bytes).map_err(|e| e.to_string())?;
        let key = env.open(trust, &self.issuer)?;
        let issued_at = crate::signed::signed_time(&env.payload).ok_or("the signed seal has no issue time")?;
        if key.not_before > issued_at || key.not_after.is_some_and(|na| issued_at >= na) {
            return Err("sealed outside the key's signing window".into());
        }
        let recomputed = root(leaves);
        let expected = payload(&self.issuer, issued_at, &self.run_id, self.documents, &recomputed, manifest_sha256);
        if expected != env.payload {
            return Err(format!(
                "the run's files or manifest differ from what was sealed (recomputed from the files: {} documents, root {}, manifest SHA-256 {})",
                leaves.len(),
                hex::encode(recomputed),
                hex::encode(manifest_sha256)
            ));
        }
        if self.documents != leaves.len() as u64 || self.merkle_root != hex::encode(recomputed) {
            return Err("seal.json's readable figures differ from what it signs".into());
        }
        Ok(())
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
        let kid = crate::keys::kid_of(&key.verifying_key().to_bytes());
        let trust = crate::verify::tests_support::trust_for(&key);
        let signer = Signer { key, kid, issuer: "3506".into() };
        let ls = leaves(10);
        let m = [7u8; 32];
        let s = BatchSeal::make("run", 1_795_392_000, &ls, &m, &signer);
        s.check(&trust, &ls, &m).unwrap();
        assert!(s.check(&trust, &ls[..9], &m).is_err(), "a missing document");
        assert!(s.check(&trust, &ls, &[8u8; 32]).is_err(), "a changed manifest");
        let mut shown = s.clone();
        shown.documents = 11;
        assert!(shown.check(&trust, &ls, &m).is_err(), "readable figures edited");
        let mut bad = s.clone();
        let mut c = hex::decode(&bad.cose).unwrap();
        let last = c.len() - 1;
        c[last] ^= 1;
        bad.cose = hex::encode(c);
        assert!(bad.check(&trust, &ls, &m).is_err(), "signature");
        assert!(s.check(&TrustList::default(), &ls, &m).is_err(), "unknown kid");
    }
}
