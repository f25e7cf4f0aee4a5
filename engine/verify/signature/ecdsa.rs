//! ECDSA P-256 / SHA-256 signature checks for PDF signatures (`terbit
//! verify RUN` checks one a file), by `ring` 0.17 (BoringSSL's P-256
//! code): no curve arithmetic of our own, and no state between checks.
//!
//! Measured against the `p256` crate's verifier on this machine
//! (bench/RESULTS.md, issue 28, thread CPU time): `ring` ~54 µs a check,
//! p256 0.14 ~150 µs, so `ring` does the checks. (The tables of the
//! generator and of the signer's key this module used to keep took ~40 µs,
//! after a key's first 64 signatures, behind a process-wide lock.) The
//! signature is parsed as DER by the `p256` crate (strict: a second DER
//! form of the same numbers is refused there, see verify/signature/pades.rs) and
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

/// Project Wycheproof's ECDSA P-256 / SHA-256 vectors, DER signatures as
/// a PDF signature carries them (tests/vectors/wycheproof/README.md).
#[cfg(test)]
mod wycheproof {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use sha2::{Digest, Sha256};

    const VECTORS: &str = include_str!("../../../tests/vectors/wycheproof/ecdsa_secp256r1_sha256_test.json");

    /// The checker's verdict as verify/signature/pades.rs reaches it: the signature
    /// parsed as DER by the `p256` crate, then checked by `ring`.
    fn checker(key: &VerifyingKey, msg: &[u8], der: &[u8]) -> bool {
        Signature::from_der(der).is_ok_and(|sig| verify(key, msg, &sig))
    }

    /// The signer's own check of a signature alone (pdf/ecdsa.rs, when a
    /// batch's sum fails): the `p256` crate's verifier on the digest.
    fn signer_check(key: &VerifyingKey, msg: &[u8], der: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(msg).into();
        Signature::from_der(der).is_ok_and(|sig| key.verify_prehash(&digest, &sig).is_ok())
    }

    #[test]
    fn every_vector_gets_its_verdict() {
        let file: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        assert_eq!(file["algorithm"], "ECDSA");
        let (mut valid, mut invalid, mut high_s) = (0, 0, 0);
        for group in file["testGroups"].as_array().unwrap() {
            assert_eq!(group["sha"], "SHA-256");
            let key = VerifyingKey::from_sec1_bytes(&hex::decode(group["publicKey"]["uncompressed"].as_str().unwrap()).unwrap()).unwrap();
            for t in group["tests"].as_array().unwrap() {
                let id = &t["tcId"];
                let msg = hex::decode(t["msg"].as_str().unwrap()).unwrap();
                let der = hex::decode(t["sig"].as_str().unwrap()).unwrap();
                let want = match t["result"].as_str().unwrap() {
                    "valid" => true,
                    "invalid" => false,
                    // None in this file (v1): a new one fails here, to be
                    // looked at and written down.
                    other => panic!("test {id}: result {other}"),
                };
                assert_eq!(checker(&key, &msg, &der), want, "test {id} ({}): checker", t["comment"]);
                assert_eq!(signer_check(&key, &msg, &der), want, "test {id} ({}): signer's check", t["comment"]);
                if want {
                    valid += 1;
                    // Valid ECDSA, yet refused in a PDF by verify/signature/pades.rs:
                    // terbit writes low-s only.
                    high_s += usize::from(Signature::from_der(&der).is_ok_and(|s| bool::from(p256::elliptic_curve::scalar::IsHigh::is_high(&*s.s()))));
                } else {
                    invalid += 1;
                }
            }
        }
        assert_eq!((valid, invalid), (174, 310), "the file's counts");
        assert_eq!(high_s, 71, "valid vectors with a high s");
    }
}
