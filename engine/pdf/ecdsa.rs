//! Deterministic ECDSA P-256 / SHA-256 (RFC 6979), the same signatures as
//! the `p256` crate's, with `k·G` from a table of the generator's
//! multiples made once per run: the `p256` crate multiplies the generator
//! like any point (bench/RESULTS.md: 162 µs a signature), and a run signs
//! every PDF it writes.
//!
//! `k` is written in signed 4-bit digits (`k = Σ d_j·16^j`, `d_j` in
//! −8..=8); the table holds `v·16^j·G` for every window `j` and `v` in
//! 1..=8, so `k·G` is 65 mixed additions of entries picked in constant
//! time (every entry of a window is read, the right one selected and its
//! sign set with `subtle`): the secret nonce does not show in which memory
//! is touched or which branch is taken.

use p256::ecdsa::{DerSignature, Signature};
use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::AffineCoordinates;
use p256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use p256::elliptic_curve::PrimeField;
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar, U256};
use sha2::Sha256;

/// The group order, big-endian (SEC 2, secp256r1 n).
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
    0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// A signing key with the generator's table.
pub struct TableSigner {
    d: Scalar,
    table: Vec<[AffinePoint; 8]>,
}

impl std::fmt::Debug for TableSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.write_str("TableSigner")
    }
}

impl TableSigner {
    /// Make the table for `key` (about 1,000 point conversions, once).
    pub fn new(key: &p256::ecdsa::SigningKey) -> TableSigner {
        let d: Scalar = *key.as_nonzero_scalar().as_ref();
        let mut table = Vec::with_capacity(65);
        let mut base = ProjectivePoint::GENERATOR;
        for _ in 0..65 {
            let mut row = [AffinePoint::IDENTITY; 8];
            let mut acc = ProjectivePoint::IDENTITY;
            for entry in row.iter_mut() {
                acc += base;
                *entry = acc.to_affine();
            }
            table.push(row);
            for _ in 0..4 {
                base = base.double();
            }
        }
        TableSigner { d, table }
    }

    /// `k·G`.
    fn mul_generator(&self, k: &Scalar) -> ProjectivePoint {
        let bytes = k.to_repr();
        let mut acc = ProjectivePoint::IDENTITY;
        let mut carry = 0u8;
        for (j, row) in self.table.iter().enumerate() {
            let nibble = if j < 64 { (bytes[31 - j / 2] >> (4 * (j % 2))) & 0x0f } else { 0 };
            // Signed digit, without branches: v in 0..=16; 8 or more becomes v − 16 and carries one.
            let v = nibble + carry;
            carry = (v + 8) >> 4;
            let digit = v.wrapping_sub(carry << 4);
            // |digit| and its sign by arithmetic: mask is 0xff when negative.
            let mask = ((digit as i8) >> 7) as u8;
            let magnitude = (digit ^ mask).wrapping_sub(mask);
            let negative = Choice::from(mask & 1);
            let mut pick = AffinePoint::IDENTITY;
            for (i, p) in row.iter().enumerate() {
                pick.conditional_assign(p, (i as u8 + 1).ct_eq(&magnitude));
            }
            let negated = -pick;
            pick.conditional_assign(&negated, negative);
            acc += pick;
        }
        acc
    }

    /// Sign a SHA-256 digest: the DER signature the `p256` crate would make.
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> DerSignature {
        let z = FieldBytes::from(*digest);
        let k_bytes = rfc6979::generate_k::<Sha256, _>(&self.d.to_repr(), &ORDER.into(), &z, &[]);
        // generate_k gives a value in [1, n): always a scalar.
        let k = Scalar::from_repr(k_bytes).unwrap_or(Scalar::ONE);
        let k_inv = Option::<Scalar>::from(k.invert()).unwrap_or(Scalar::ONE);
        let big_r = self.mul_generator(&k).to_affine();
        let r = <Scalar as Reduce<U256>>::reduce_bytes(&big_r.x());
        let z = <Scalar as Reduce<U256>>::reduce_bytes(&z);
        let s = k_inv * (z + r * self.d);
        // r and s are nonzero but with negligible probability; the p256
        // signature would then fail too (and a new run would not repeat it).
        Signature::from_scalars(r, s).map(|sig| sig.to_der()).unwrap_or_else(|_| Signature::from_scalars(Scalar::ONE, Scalar::ONE).map(|s| s.to_der()).expect("one is a valid scalar"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use sha2::Digest;

    #[test]
    fn same_signatures_as_the_p256_crate() {
        for seed in 1u8..12 {
            let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
            let fast = TableSigner::new(&key);
            for m in 0..8u8 {
                let digest: [u8; 32] = Sha256::digest([seed, m]).into();
                let want: Signature = key.sign_prehash(&digest).unwrap();
                assert_eq!(fast.sign_prehash(&digest).as_bytes(), want.to_der().as_bytes(), "key {seed}, message {m}");
            }
        }
        // And k·G agrees with the generic multiplication for edge scalars.
        let fast = TableSigner::new(&p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap());
        for k in [Scalar::ONE, -Scalar::ONE, Scalar::from(8u64), Scalar::from(16u64), Scalar::from(0x8888_8888_8888_8888u64), -Scalar::from(0x8888_8888_8888_8888u64), Scalar::from(u64::MAX)] {
            assert_eq!(fast.mul_generator(&k).to_affine(), (ProjectivePoint::GENERATOR * k).to_affine());
        }
    }
}
