//! terbit's ECDSA P-256 against the references, on keys, messages and
//! signature bytes taken from the fuzzer's input:
//! - the PDF signer's batches (engine/pdf/ecdsa.rs) give, byte for byte,
//!   the `p256` crate's own RFC 6979 signature made low-s;
//! - the PDF signature checker (engine/verify/signature/ecdsa.rs, behind the `p256`
//!   crate's DER parser as verify/signature/pades.rs uses it) gives the verdict of
//!   the `p256` crate's verifier and of `ring`'s (ASN.1), on the genuine
//!   signatures and on mangled ones (bits flipped, bytes cut or added,
//!   `r` and `s` swapped or negated, the fuzzer's own bytes).
//!
//! The two modules are compiled here from their files, as the engine
//! compiles them (they use nothing of the engine's own).
#![no_main]

#[path = "../../../../engine/pdf/ecdsa.rs"]
#[allow(dead_code)]
mod signer;
#[path = "../../../../engine/verify/signature/ecdsa.rs"]
#[allow(dead_code)]
mod checker;

use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

/// The checker as verify/signature/pades.rs calls it: DER parsed by p256, then ring.
fn terbit_accepts(key: &p256::ecdsa::VerifyingKey, msg: &[u8], der: &[u8]) -> bool {
    Signature::from_der(der).is_ok_and(|sig| checker::verify(key, msg, &sig))
}

fn compare(key: &p256::ecdsa::VerifyingKey, sec1: &[u8], msg: &[u8], der: &[u8]) {
    let ours = terbit_accepts(key, msg, der);
    let digest: [u8; 32] = Sha256::digest(msg).into();
    let p256_says = Signature::from_der(der).is_ok_and(|sig| key.verify_prehash(&digest, &sig).is_ok());
    let ring_says = ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, sec1).verify(msg, der).is_ok();
    assert_eq!(ours, p256_says, "terbit vs p256 on {der:02x?}");
    assert_eq!(ours, ring_says, "terbit vs ring on {der:02x?}");
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 34 {
        return;
    }
    let Ok(key) = SigningKey::from_slice(&data[..32]) else { return };
    let vk = *key.verifying_key();
    let sec1 = vk.to_sec1_point(false);
    // Up to 80 messages (more than two of the signer's batches of 32),
    // cut from the rest of the input.
    let count = usize::from(data[32] % 80) + 1;
    let rest = &data[33..];
    let messages: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let cut = rest.len() * i / count..rest.len() * (i + 1) / count;
            [&(i as u32).to_be_bytes()[..], &rest[cut]].concat()
        })
        .collect();
    let digests: Vec<[u8; 32]> = messages.iter().map(|m| Sha256::digest(m).into()).collect();
    let signer = signer::TableSigner::new(&key);
    let ours = signer.sign_prehashes(&digests);
    assert_eq!(ours.len(), digests.len());
    for (i, ((msg, digest), der)) in messages.iter().zip(&digests).zip(&ours).enumerate() {
        let want: Signature = key.sign_prehash(digest).expect("p256 signs");
        assert_eq!(der.as_bytes(), want.normalize_s().to_der().as_bytes(), "signature {i}");
        let der = der.as_bytes();
        compare(&vk, sec1.as_bytes(), msg, der);
        // Mangled: a bit flipped where the input says.
        let at = usize::from(rest.get(i).copied().unwrap_or(0)) % (der.len() * 8);
        let mut flipped = der.to_vec();
        flipped[at / 8] ^= 1 << (at % 8);
        compare(&vk, sec1.as_bytes(), msg, &flipped);
        // Cut short, or a byte added.
        compare(&vk, sec1.as_bytes(), msg, &der[..der.len() - 1 - at % (der.len() - 1)]);
        compare(&vk, sec1.as_bytes(), msg, &[der, &[data[i % data.len()]]].concat());
        // r and s swapped; s negated (the high twin: valid ECDSA).
        let sig = want.normalize_s();
        if let Ok(swapped) = Signature::from_scalars(sig.s(), sig.r()) {
            compare(&vk, sec1.as_bytes(), msg, swapped.to_der().as_bytes());
        }
        if let Ok(high) = Signature::from_scalars(sig.r(), -*sig.s()) {
            compare(&vk, sec1.as_bytes(), msg, high.to_der().as_bytes());
        }
        // Another message under the genuine signature.
        compare(&vk, sec1.as_bytes(), &[msg.as_slice(), b"x"].concat(), der);
    }
    // The input's own bytes as a signature.
    compare(&vk, sec1.as_bytes(), &messages[0], rest);
});
