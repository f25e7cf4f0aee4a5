//! ECDSA P-256 signature checks for PDF signatures, fast when many files
//! carry the same signer (an audit of a run: every file of a night is
//! signed by one office certificate).
//!
//! The `p256` crate checks a signature in ~280 µs (two generic scalar
//! multiplications, constant-time, which a check does not need: every
//! value in it is public). Here `u1·G + u2·Q` comes from tables of `G` and
//! of the signer's key `Q` (pdf/ecdsa.rs: 43 additions each, entries
//! indexed directly), ~45 µs. A key's table costs ~11 ms, so a key gets
//! one only once it has been seen [`TABLE_AFTER`] times, and at most
//! [`MAX_TABLES`] keys ever get one: a folder of files each signed by a
//! different key (a forger's) costs what it cost before, plus at most
//! `MAX_TABLES` tables. Until then, and for every other key, the `p256`
//! crate checks. Both give the same answer (tested on valid and damaged
//! signatures).

use std::sync::{Arc, Mutex, OnceLock};

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::ops::{Invert, Reduce};
use p256::{FieldBytes, ProjectivePoint, Scalar, U256};

use crate::pdf::ecdsa::{Point, Table};

/// Signatures a key checks by the crate before it gets a table.
const TABLE_AFTER: u32 = 64;
/// Keys that ever get a table (each ~90 KB).
const MAX_TABLES: usize = 16;
/// Keys whose signatures are counted towards a table.
const MAX_COUNTED: usize = 1024;

/// An uncompressed SEC1 key: the cache's name for it.
type KeyBytes = [u8; 65];

#[derive(Default)]
struct Cache {
    counted: Vec<(KeyBytes, u32)>,
    tables: Vec<(KeyBytes, Arc<Table>)>,
}

fn cache() -> &'static Mutex<Cache> {
    static C: OnceLock<Mutex<Cache>> = OnceLock::new();
    C.get_or_init(Default::default)
}

fn generator() -> &'static Table {
    static G: OnceLock<Table> = OnceLock::new();
    G.get_or_init(|| Table::of(ProjectivePoint::GENERATOR))
}

/// Does `sig` sign the SHA-256 digest `digest` under `key`?
pub fn verify_prehash(key: &VerifyingKey, digest: &[u8; 32], sig: &Signature) -> bool {
    match table_for(key) {
        Some(q) => verify_with(&q, digest, sig),
        None => key.verify_prehash(digest, sig).is_ok(),
    }
}

/// `key`'s table, if it has (or now earns) one.
fn table_for(key: &VerifyingKey) -> Option<Arc<Table>> {
    let point = key.to_encoded_point(false);
    let bytes: KeyBytes = point.as_bytes().try_into().ok()?;
    // A poisoned lock (a panic elsewhere while holding it) only costs speed.
    let mut c = cache().lock().ok()?;
    if let Some((_, t)) = c.tables.iter().find(|(k, _)| *k == bytes) {
        return Some(t.clone());
    }
    if c.tables.len() >= MAX_TABLES {
        return None;
    }
    let seen = match c.counted.iter().position(|(k, _)| *k == bytes) {
        Some(i) => {
            c.counted[i].1 += 1;
            c.counted[i].1
        }
        None if c.counted.len() < MAX_COUNTED => {
            c.counted.push((bytes, 1));
            1
        }
        None => return None,
    };
    if seen < TABLE_AFTER {
        return None;
    }
    let t = Arc::new(Table::of(ProjectivePoint::from(*key.as_affine())));
    c.counted.retain(|(k, _)| *k != bytes);
    c.tables.push((bytes, t.clone()));
    Some(t)
}

/// The check with `q`, the key's table: `x(u1·G + u2·Q) mod n = r`, where
/// `w = s⁻¹`, `u1 = e·w`, `u2 = r·w` (SEC 1 §4.1.4).
fn verify_with(q: &Table, digest: &[u8; 32], sig: &Signature) -> bool {
    let (r, s) = (*sig.r(), *sig.s());
    // s is public: a variable-time inversion reveals nothing.
    let Some(w) = Option::<Scalar>::from(s.invert_vartime()) else { return false };
    let e = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*digest));
    let sum = q.mul_add_public(&(r * w), generator().mul_add_public(&(e * w), Point::IDENTITY));
    // The identity has no x: not a signature.
    sum.affine_x().is_some_and(|x| <Scalar as Reduce<U256>>::reduce_bytes(&x) == r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use p256::ecdsa::SigningKey;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_tables_answer_as_the_crate_does() {
        for seed in 1u8..6 {
            let key = SigningKey::from_slice(&[seed; 32]).unwrap();
            let other = SigningKey::from_slice(&[seed + 100; 32]).unwrap();
            let q = Table::of(ProjectivePoint::from(*key.verifying_key().as_affine()));
            for m in 0..40u32 {
                let digest: [u8; 32] = Sha256::digest([&[seed][..], &m.to_be_bytes()].concat()).into();
                let sig: Signature = key.sign_prehash(&digest).unwrap();
                let (r, s) = (*sig.r(), *sig.s());
                let mut flipped = digest;
                flipped[(m % 32) as usize] ^= 1 << (m % 8);
                let cases: Vec<([u8; 32], Signature, &SigningKey)> = vec![
                    (digest, sig, &key),
                    (flipped, sig, &key),
                    (digest, sig, &other),
                    // The other s of the same r (n − s): both accept it.
                    (digest, Signature::from_scalars(r, -s).unwrap(), &key),
                    (digest, Signature::from_scalars(s, r).unwrap(), &key),
                    (digest, Signature::from_scalars(r + Scalar::ONE, s).unwrap(), &key),
                    (digest, Signature::from_scalars(r, s + Scalar::ONE).unwrap(), &key),
                ];
                for (i, (d, sg, k)) in cases.iter().enumerate() {
                    let want = k.verifying_key().verify_prehash(d, sg).is_ok();
                    let table = if std::ptr::eq(*k, &key) { &q } else { &Table::of(ProjectivePoint::from(*k.verifying_key().as_affine())) };
                    assert_eq!(verify_with(table, d, sg), want, "key {seed}, message {m}, case {i}");
                    assert_eq!(i == 0 || i == 3, want, "case {i}");
                }
            }
        }
    }

    #[test]
    fn a_key_earns_its_table_and_answers_stay_the_same() {
        let key = SigningKey::from_slice(&[0x33; 32]).unwrap();
        let vk = *key.verifying_key();
        for m in 0..(TABLE_AFTER + 20) {
            let digest: [u8; 32] = Sha256::digest(m.to_be_bytes()).into();
            let sig: Signature = key.sign_prehash(&digest).unwrap();
            assert!(verify_prehash(&vk, &digest, &sig), "signature {m}");
            let mut bad = digest;
            bad[0] ^= 0x80;
            assert!(!verify_prehash(&vk, &bad, &sig), "damaged {m}");
        }
        let c = cache().lock().unwrap();
        let bytes: KeyBytes = vk.to_encoded_point(false).as_bytes().try_into().unwrap();
        assert!(c.tables.iter().any(|(k, _)| *k == bytes), "the key has its table");
    }
}
