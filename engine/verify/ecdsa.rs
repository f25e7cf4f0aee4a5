//! ECDSA P-256 / SHA-256 signature checks for PDF signatures (`terbit
//! verify RUN` checks one a file), by `ring` 0.17 (BoringSSL's P-256
//! code): no curve arithmetic of our own, and no state between checks.
//!
//! Measured against the `p256` crate's verifier on this machine
//! (bench/RESULTS.md, 2026-12-06): `ring` takes about half the time
//! (~40 µs a check idle against ~85 µs), so it does the checks. The
//! signature is parsed as DER by the `p256` crate (strict: a second DER
//! form of the same numbers is refused there, see verify/pades.rs) and
//! given to `ring` as its fixed 64 bytes `r ‖ s`: the same numbers, one
//! parser.

use p256::ecdsa::{Signature, VerifyingKey};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

/// Does `sig` sign `message` (its SHA-256 taken here) under `key`?
pub fn verify(key: &VerifyingKey, message: &[u8], sig: &Signature) -> bool {
    let point = key.to_sec1_point(false);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point.as_bytes()).verify(message, &sig.to_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
    use p256::ecdsa::SigningKey;
    use p256::Scalar;
    use sha2::{Digest, Sha256};

    #[test]
    fn ring_answers_as_the_p256_crate_does() {
        for seed in 1u8..6 {
            let key = SigningKey::from_slice(&[seed; 32]).unwrap();
            let other = SigningKey::from_slice(&[seed + 100; 32]).unwrap();
            for m in 0..40u32 {
                let message = [&[seed][..], &m.to_be_bytes()].concat();
                let digest: [u8; 32] = Sha256::digest(&message).into();
                let sig: Signature = key.sign_prehash(&digest).unwrap();
                let (r, s) = (*sig.r(), *sig.s());
                let mut flipped = message.clone();
                flipped[(m % 5) as usize] ^= 1 << (m % 8);
                let cases: Vec<(Vec<u8>, Signature, &SigningKey)> = vec![
                    (message.clone(), sig, &key),
                    (flipped, sig, &key),
                    (message.clone(), sig, &other),
                    // The other s of the same r (n − s): both accept it.
                    (message.clone(), Signature::from_scalars(r, -s).unwrap(), &key),
                    (message.clone(), Signature::from_scalars(s, r).unwrap(), &key),
                    (message.clone(), Signature::from_scalars(r + Scalar::ONE, s).unwrap(), &key),
                    (message.clone(), Signature::from_scalars(r, s + Scalar::ONE).unwrap(), &key),
                ];
                for (i, (msg, sg, k)) in cases.iter().enumerate() {
                    let d: [u8; 32] = Sha256::digest(msg).into();
                    let want = k.verifying_key().verify_prehash(&d, sg).is_ok();
                    assert_eq!(verify(k.verifying_key(), msg, sg), want, "key {seed}, message {m}, case {i}");
                    assert_eq!(i == 0 || i == 3, want, "case {i}");
                }
            }
        }
    }
}
