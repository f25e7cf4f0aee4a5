//! Deterministic ECDSA P-256 / SHA-256 (RFC 6979), the same signatures as
//! the `p256` crate's, made in batches: every PDF a run writes is signed,
//! and a batch shares its two inversions.
//!
//! No curve arithmetic of our own: the nonces come from the `rfc6979`
//! crate (the version `p256`'s own signer uses, so the same `k`), `k·G` is
//! a sum of `p256` points taken from a table of the generator's multiples
//! (below), the points `k·G` are made affine with `p256`'s
//! `batch_normalize` (one field inversion a batch), and the nonces'
//! inverses `k⁻¹` come from the `ff` crate's batch inverter (one
//! constant-time scalar inversion a batch, Montgomery's trick). Only the
//! batching and the table's layout are ours.
//!
//! `k·G`: `k` in signed 6-bit digits (`k = Σ d_j·64^j`, `d_j` in
//! −32..=32); the table holds `v·64^j·G` for every window `j` and `v` in
//! 1..=32, made once a process by `p256`'s additions and doublings and
//! `batch_normalize`, kept as the affine coordinates' bytes. So `k·G` is 43
//! of `p256`'s mixed additions (`ProjectivePoint + &AffinePoint`) of
//! entries picked in constant time: every entry of a window is read and
//! the wanted one kept by a mask, turned into a point by `p256`'s checked
//! `AffineCoordinates::from_coordinates`, its sign set by a conditional
//! negation. Signing with `p256`'s own `mul_by_generator` (65 full
//! additions of projective entries picked as projective points) took ~2×
//! the time of the old signer on our own field formulas (47 against
//! 22.8 µs); with this table ~1.4× (35 against 25 µs in one loaded run,
//! bench/RESULTS.md, issue 28). Not all the way back: `p256` 0.14's mixed
//! addition alone costs ~0.4 µs (43 of them: ~17 µs, 3/4 of an old
//! signature), and its field elements' `conditional_select` is an
//! out-of-line call (~9 ns: picking entries as `AffinePoint`s left the
//! signature at ~45 µs), which is why entries are picked as bytes.
//!
//! Signatures are low-s (`s ≤ n/2`, as BIP 62 and most current verifiers
//! prefer): `(r, s)` and `(r, n − s)` both verify, so without it every
//! signed file has a second valid byte string. And every signature is
//! checked against the public key before it leaves the signer: with
//! deterministic nonces, a signature spoilt by a fault (a flipped bit in
//! memory or the CPU) next to the correct one for the same digest gives
//! the private key away. A batch is checked at once with `p256`'s group
//! operations (its verifier equations summed, see `batch_holds`: a full
//! verification of each signature costs more than signing it,
//! bench/RESULTS.md), and each signature alone, by `p256`'s own verifier,
//! only when the sum fails.
//!
//! Secrets: the key's scalar is borrowed from the `SigningKey` (wiped when
//! it drops) and never copied out except as the bytes RFC 6979 needs; those
//! bytes, every `k` (and its bytes and digits), every `k⁻¹`, the batch
//! inverter's scratch and its inverse of the product, the table entries
//! selected for a `k` (bytes and points), the points `k·G` in projective
//! form and the products `r·d` are wiped here before they go. Beyond our
//! reach: the HMAC-DRBG state inside `rfc6979::KGenerator` (the crate does
//! not wipe it), the `Z` coordinates `batch_normalize` copies into its own
//! scratch, temporaries inside `p256`'s additions and decoding, and the values a
//! function returns by value before we wrap them (`to_repr`, `from_repr`).
//! Buffers are wiped in place (`zeroize()`), not by a `drop` that could
//! move them first.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{DerSignature, Signature, SigningKey};
use p256::elliptic_curve::ff::BatchInverter;
use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::{MulByGeneratorVartime, Reduce};
use p256::elliptic_curve::point::{AffineCoordinates, BatchNormalize};
use p256::elliptic_curve::scalar::IsHigh;
use p256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use p256::elliptic_curve::{Curve, Field, PrimeField};
use p256::{AffinePoint, FieldBytes, NistP256, ProjectivePoint, Scalar};
use std::sync::LazyLock;
use zeroize::{Zeroize, Zeroizing};

/// A signing key and its public point, for the check of each batch before
/// it is given out; `k·G` from the process's `GENERATOR_TABLE`.
pub struct TableSigner {
    /// The key itself (wiped when dropped): the scalar is borrowed from
    /// it where needed, never copied out.
    key: SigningKey,
    public: ProjectivePoint,
}

impl std::fmt::Debug for TableSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.write_str("TableSigner")
    }
}

impl TableSigner {
    /// A signer for `key` (once a run; cheap: the generator's table is
    /// made once a process, on first use, ~1 ms).
    pub fn new(key: &SigningKey) -> TableSigner {
        TableSigner { key: key.clone(), public: key.verifying_key().as_affine().into() }
    }

    /// Sign a SHA-256 digest: the DER signature the `p256` crate would
    /// make, low-s normalised.
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> DerSignature {
        self.sign_prehashes(std::slice::from_ref(digest)).pop().unwrap_or_else(fallback)
    }

    /// Sign many SHA-256 digests: for each, the DER signature the `p256`
    /// crate would make, low-s normalised. The nonces' inverses `k⁻¹` and
    /// the `1/Z` that make the points `k·G` affine are each computed for
    /// [`BATCH`] signatures at once: alone, the two inversions cost more
    /// than the rest of a signature.
    pub fn sign_prehashes(&self, digests: &[[u8; 32]]) -> Vec<DerSignature> {
        let mut out = Vec::with_capacity(digests.len());
        for part in digests.chunks(BATCH) {
            self.sign_batch(part, &mut out);
        }
        out
    }

    /// Sign up to [`BATCH`] digests into `out`.
    fn sign_batch(&self, digests: &[[u8; 32]], out: &mut Vec<DerSignature>) {
        let n = digests.len();
        let d: &Scalar = self.key.as_nonzero_scalar().as_ref();
        // RFC 6979's input: the key's bytes, wiped when they go.
        let mut d_repr = Zeroizing::new([0u8; 32]);
        d_repr.copy_from_slice(&d.to_repr());
        let order = NistP256::ORDER;
        // Unused places stay k = 0 and the identity: the batch inverter
        // skips zeros, batch_normalize leaves the identity alone.
        let mut ks = Zeroizing::new([Scalar::ZERO; BATCH]);
        // k·G in projective form: its coordinates are wiped too (how a
        // point is represented before it is made affine can tell about k).
        let mut points = Zeroizing::new([ProjectivePoint::IDENTITY; BATCH]);
        for ((z, k), point) in digests.iter().zip(ks.iter_mut()).zip(points.iter_mut()) {
            let mut kgen = rfc6979::KGenerator::<sha2::Sha256, _>::new(&d_repr[..], z, &[], &*order);
            let mut k_bytes = Zeroizing::new(FieldBytes::default());
            kgen.fill_next_k(&mut k_bytes);
            // fill_next_k gives a value in [1, n): always a scalar.
            *k = Option::from(Scalar::from_repr(*k_bytes)).unwrap_or(Scalar::ONE);
            GENERATOR_TABLE.mul_into(k, point);
        }
        // k is in [1, n): no k is zero and k·G is not the identity, so
        // every k has an inverse and every point its affine form.
        let affine: [AffinePoint; BATCH] = ProjectivePoint::batch_normalize(&*points);
        points.zeroize();
        // The nonces become their inverses in place (no second copy of k;
        // a move of the array would leave one behind).
        let k_invs = &mut *ks;
        let mut scratch = Zeroizing::new([Scalar::ZERO; BATCH]);
        let mut all = BatchInverter::invert_with_external_scratch(&mut k_invs[..n], &mut scratch[..n]);
        all.zeroize();
        scratch.zeroize();
        let mut signed = [(Scalar::ONE, Scalar::ONE); BATCH];
        // R = k·G, negated where s was: (r, n − s) verifies with −R.
        let mut rs = [AffinePoint::IDENTITY; BATCH];
        for (i, z) in digests.iter().enumerate() {
            let r = <Scalar as Reduce<FieldBytes>>::reduce(&affine[i].x());
            let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*z));
            let mut rd = r * d;
            rd += e;
            let s = k_invs[i] * rd;
            rd.zeroize();
            // Low s: n − s for a high one (s and r are public from here on).
            let high = s.is_high();
            signed[i] = (r, Scalar::conditional_select(&s, &-s, high));
            rs[i] = AffinePoint::conditional_select(&affine[i], &-affine[i], high);
        }
        ks.zeroize();
        let signed = &signed[..n];
        if self.batch_holds(digests, signed, &rs[..n]) {
            out.extend(signed.iter().zip(digests).map(|((r, s), digest)| match Signature::from_scalars(*r, *s) {
                Ok(sig) => sig.to_der(),
                Err(_) => self.sign_checked_by_the_crate(digest),
            }));
        } else {
            // Something in the batch is spoilt: check each signature alone
            // with p256's verifier and make the spoilt ones again.
            out.extend(digests.iter().zip(signed).map(|(digest, (r, s))| match Signature::from_scalars(*r, *s) {
                Ok(sig) if self.key.verifying_key().verify_prehash(digest, &sig).is_ok() => sig.to_der(),
                _ => self.sign_checked_by_the_crate(digest),
            }));
        }
    }

    /// The check of a whole batch before any of it is given out: each
    /// signature's verifier equation `R_i = u1_i·G + u2_i·Q` (with
    /// `w = s⁻¹`, `u1 = e·w`, `u2 = r·w`, and `R_i` the point whose x
    /// gave `r_i`), summed: `Σ R_i = (Σ u1_i)·G + (Σ u2_i)·Q`, all with
    /// `p256`'s group operations. One double multiplication a batch
    /// instead of one a signature. A fault anywhere — in `k·G`, in making
    /// it affine, in `r`, `k⁻¹` or `s` — leaves its `R_i` off
    /// `u1_i·G + u2_i·Q` and the sums apart; two faults would have to
    /// cancel to the point, which random faults do not. A failed sum is
    /// never trusted: each signature is then checked alone.
    fn batch_holds(&self, digests: &[[u8; 32]], signed: &[(Scalar, Scalar)], rs: &[AffinePoint]) -> bool {
        if signed.iter().any(|(r, s)| bool::from(r.is_zero() | s.is_zero())) {
            return false;
        }
        // s is public: its inverses in variable time, one inversion for all.
        let mut ws = [Scalar::ZERO; BATCH];
        let mut scratch = [Scalar::ZERO; BATCH];
        for (w, (_, s)) in ws.iter_mut().zip(signed) {
            *w = *s;
        }
        let n = signed.len();
        BatchInverter::invert_with_external_scratch(&mut ws[..n], &mut scratch[..n]);
        let mut u1 = Scalar::ZERO;
        let mut u2 = Scalar::ZERO;
        let mut sum = ProjectivePoint::IDENTITY;
        for (((digest, (r, _)), w), point) in digests.iter().zip(signed).zip(&ws).zip(rs) {
            let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*digest));
            u1 += e * w;
            u2 += *r * w;
            sum += point;
        }
        sum == ProjectivePoint::mul_by_generator_and_mul_add_vartime(&u1, &u2, &self.public)
    }

    /// A signature whose check failed (a fault, or r or s zero, with
    /// probability ~2⁻²⁵⁶ otherwise): made again by the `p256` crate's
    /// own code, checked by it, and given out only if it verifies — never
    /// the spoilt one. Deterministic nonces: it is the signature the batch
    /// should have made.
    fn sign_checked_by_the_crate(&self, digest: &[u8; 32]) -> DerSignature {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        let made: Option<Signature> = PrehashSigner::<Signature>::sign_prehash(&self.key, digest).ok().map(|s| s.normalize_s());
        match made {
            Some(sig) if self.key.verifying_key().verify_prehash(digest, &sig).is_ok() => {
                tracing::warn!("a PDF signature failed its check and was made again: if this repeats, test this machine's memory");
                sig.to_der()
            }
            _ => {
                tracing::error!("a PDF signature failed its check twice: a signature no verifier accepts is written instead; test this machine's memory");
                fallback()
            }
        }
    }
}

/// Bits of `k` a window takes (6: 43 windows of 32 entries, an 88 KB
/// table; 7 was as fast, 5 slower: bench/RESULTS.md).
const W: usize = 6;
/// Table entries a window: the digits' magnitudes 1..=2^(W−1).
const ENTRIES: usize = 1 << (W - 1);
/// Windows: enough that the top one holds at most W − 2 bits of `k`, so
/// with a carry it stays below 2^(W−1) and never carries out.
const WINDOWS: usize = 258_usize.div_ceil(W);
const _: () = assert!(256_usize.saturating_sub(W * (WINDOWS - 1)) + 2 <= W, "the top window must not carry out");

/// The generator's table, made once a process on first use (public
/// values: multiples of `G`).
static GENERATOR_TABLE: LazyLock<GeneratorTable> = LazyLock::new(GeneratorTable::new);

/// An entry: an affine point's `x ‖ y`, big-endian, as `p256` writes them.
type Entry = [u8; 64];

/// `v·2^(W·j)·G` for every window `j` and `v` in 1..=2^(W−1).
struct GeneratorTable {
    rows: Vec<[Entry; ENTRIES]>,
}

impl GeneratorTable {
    /// Made with `p256`'s operations only: additions and doublings, one
    /// `batch_normalize` for the 1,376 points.
    fn new() -> GeneratorTable {
        let mut points = Vec::with_capacity(WINDOWS * ENTRIES);
        let mut base = ProjectivePoint::GENERATOR;
        for _ in 0..WINDOWS {
            let mut multiple = base;
            for _ in 0..ENTRIES {
                points.push(multiple);
                multiple += base;
            }
            for _ in 0..W {
                base = base.double();
            }
        }
        // v·2^(W·j)·G for v ≤ 32 < n: never the identity, so each has coordinates.
        let affine: Vec<AffinePoint> = ProjectivePoint::batch_normalize(&points[..]);
        let rows = affine
            .chunks_exact(ENTRIES)
            .map(|row| {
                let mut entries = [[0u8; 64]; ENTRIES];
                for (entry, point) in entries.iter_mut().zip(row) {
                    entry[..32].copy_from_slice(&point.x());
                    entry[32..].copy_from_slice(&point.y());
                }
                entries
            })
            .collect();
        GeneratorTable { rows }
    }

    /// `acc = k·G`, in constant time: every entry of a window is read and
    /// the wanted one kept by a mask (the secret digit does not show in
    /// which memory is read or which branch is taken), then made a point by
    /// `p256`'s checked decoding, negated by a conditional select for a
    /// negative digit, and added by `p256`'s mixed addition (which adds the
    /// identity, a zero digit, in the same time). The point is written in
    /// place: no copy of it is left by a move.
    fn mul_into(&self, k: &Scalar, acc: &mut ProjectivePoint) {
        let mut digits = signed_digits(k);
        *acc = ProjectivePoint::IDENTITY;
        let mut bytes: Entry = [0u8; 64];
        let mut x = FieldBytes::default();
        let mut y = FieldBytes::default();
        let mut pick = AffinePoint::IDENTITY;
        let mut negated = AffinePoint::IDENTITY;
        for (digit, row) in digits.iter().zip(&self.rows) {
            // |digit| and its sign by arithmetic: sign is 0xff when negative.
            let sign = (digit >> 7) as u8;
            let magnitude = (*digit as u8 ^ sign).wrapping_sub(sign);
            bytes = [0u8; 64];
            for (entry, v) in row.iter().zip(1u8..) {
                let mask = 0u8.wrapping_sub(v.ct_eq(&magnitude).unwrap_u8());
                for (b, e) in bytes.iter_mut().zip(entry) {
                    *b |= e & mask;
                }
            }
            x.copy_from_slice(&bytes[..32]);
            y.copy_from_slice(&bytes[32..]);
            // A zero digit kept no entry: zero bytes, not a point on the
            // curve (b ≠ 0), so the identity, chosen in constant time.
            pick = AffinePoint::from_coordinates(&x, &y).unwrap_or(AffinePoint::IDENTITY);
            negated = -pick;
            pick.conditional_assign(&negated, Choice::from(sign & 1));
            *acc += &pick;
        }
        bytes.zeroize();
        x.as_mut_slice().zeroize();
        y.as_mut_slice().zeroize();
        pick.zeroize();
        negated.zeroize();
        digits.zeroize();
    }
}

/// `k` in signed W-bit digits, least significant first: `k = Σ d_j·2^(W·j)`,
/// `d_j` in −2^(W−1)..=2^(W−1). Without branches on `k`.
fn signed_digits(k: &Scalar) -> [i8; WINDOWS] {
    let mut repr = Zeroizing::new(k.to_repr());
    // k as little-endian 64-bit limbs, with zero limbs for the top window to read past.
    let mut limbs = Zeroizing::new([0u64; 6]);
    for (limb, chunk) in limbs.iter_mut().zip(repr.rchunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        *limb = u64::from_be_bytes(word);
        word.zeroize();
    }
    repr.as_mut_slice().zeroize();
    let mut digits = [0i8; WINDOWS];
    let mut carry = 0u8;
    for (j, d) in digits.iter_mut().enumerate() {
        // Bits j·W .. j·W+W of k (the position is public).
        let (limb, shift) = ((j * W) / 64, (j * W) % 64);
        let two = u128::from(limbs[limb]) | (u128::from(limbs[limb + 1]) << 64);
        let window = ((two >> shift) as u8) & ((1 << W) - 1);
        // v in 0..=2^W; 2^(W−1) or more becomes v − 2^W and carries one.
        let v = window + carry;
        carry = (v + (1 << (W - 1))) >> W;
        *d = v.wrapping_sub(carry << W) as i8;
    }
    carry.zeroize();
    digits
}

/// Signatures made together, sharing their inversions and their fault
/// check. The check's double multiplication (`u1·G + u2·Q`) is shared by
/// the batch: at 32 it cost ~10 % of signing, at 128 ~4 %
/// (bench/RESULTS.md, issue 28).
pub const BATCH: usize = 128;

/// A well-formed signature no verifier accepts, for the cases of
/// probability ~2⁻²⁵⁶ where ECDSA has none to give.
fn fallback() -> DerSignature {
    Signature::from_scalars(Scalar::ONE, Scalar::ONE).map(|s| s.to_der()).expect("one is a valid scalar")
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use sha2::{Digest, Sha256};

    /// The p256 crate's signature with its s made low, as ours are.
    fn low_s(sig: Signature) -> Signature {
        sig.normalize_s()
    }

    #[test]
    fn every_signature_is_low_s_and_verifies_and_high_ones_occur_unnormalised() {
        let key = SigningKey::from_slice(&[0x31; 32]).unwrap();
        let fast = TableSigner::new(&key);
        let digests: Vec<[u8; 32]> = (0..64u8).map(|m| Sha256::digest([m, 7]).into()).collect();
        let mut high_before = 0;
        for (digest, der) in digests.iter().zip(fast.sign_prehashes(&digests)) {
            let sig = Signature::from_der(der.as_bytes()).unwrap();
            assert!(!bool::from(sig.s().is_high()), "s above n/2");
            assert!(key.verifying_key().verify_prehash(digest, &sig).is_ok());
            // Its high twin verifies too: that is the malleability removed.
            let twin = Signature::from_scalars(*sig.r(), -*sig.s()).unwrap();
            assert!(key.verifying_key().verify_prehash(digest, &twin).is_ok());
            let plain: Signature = key.sign_prehash(digest).unwrap();
            high_before += usize::from(bool::from(plain.s().is_high()));
        }
        // About half of the plain signatures were high: the normalisation did work.
        assert!((16..=48).contains(&high_before), "{high_before} of 64 high");
    }

    #[test]
    fn the_batch_check_holds_for_good_batches_and_fails_for_any_one_spoilt_part() {
        let key = SigningKey::from_slice(&[0x33; 32]).unwrap();
        let fast = TableSigner::new(&key);
        let q = fast.public;
        for n in [1usize, 2, 17, BATCH] {
            let digests: Vec<[u8; 32]> = (0..n as u32).map(|m| Sha256::digest(m.to_be_bytes()).into()).collect();
            let sigs: Vec<Signature> = fast.sign_prehashes(&digests).iter().map(|d| Signature::from_der(d.as_bytes()).unwrap()).collect();
            let signed: Vec<(Scalar, Scalar)> = sigs.iter().map(|s| (*s.r(), *s.s())).collect();
            // Each R_i = u1·G + u2·Q, by the crate's arithmetic.
            let rs: Vec<AffinePoint> = digests
                .iter()
                .zip(&signed)
                .map(|(digest, (r, s))| {
                    let w = s.invert().unwrap();
                    let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*digest));
                    (ProjectivePoint::GENERATOR * (e * w) + q * (*r * w)).to_affine()
                })
                .collect();
            assert!(fast.batch_holds(&digests, &signed, &rs), "{n}: a good batch");
            let last = n - 1;
            // s, r, or R (another point, or negated: a low-s flip lost): each spoilt alone fails the sum.
            let mut bad = signed.clone();
            bad[last].1 += Scalar::ONE;
            assert!(!fast.batch_holds(&digests, &bad, &rs), "{n}: s spoilt");
            let mut bad = signed.clone();
            bad[last].0 += Scalar::ONE;
            assert!(!fast.batch_holds(&digests, &bad, &rs), "{n}: r spoilt");
            let mut bad = rs.clone();
            bad[last] = -bad[last];
            assert!(!fast.batch_holds(&digests, &signed, &bad), "{n}: R negated");
            let mut bad = rs.clone();
            bad[last] = (ProjectivePoint::from(bad[last]) + ProjectivePoint::GENERATOR).to_affine();
            assert!(!fast.batch_holds(&digests, &signed, &bad), "{n}: R moved");
            let mut zero = signed.clone();
            zero[0].1 = Scalar::ZERO;
            assert!(!fast.batch_holds(&digests, &zero, &rs), "{n}: s zero");
        }
    }

    #[test]
    fn the_table_multiplies_as_the_crate_does() {
        // Edge digits: 1, n − 1, all digits +32 or −32 (carries through every window), the top bits set, random-looking ones.
        let mut ks = vec![Scalar::ONE, -Scalar::ONE, Scalar::from(32u64), Scalar::from(33u64), Scalar::from(31u64), -Scalar::from(32u64)];
        let thirty_twos = (0..WINDOWS).fold(Scalar::ZERO, |acc, _| acc * Scalar::from(64u64) + Scalar::from(32u64));
        ks.extend([thirty_twos, -thirty_twos, (0..255).fold(Scalar::ONE, |a, _| a.double()), -(0..252).fold(Scalar::ONE, |a, _| a.double())]);
        ks.extend((0..64u32).map(|i| <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(<[u8; 32]>::from(Sha256::digest(i.to_be_bytes()))))));
        let mut got = ProjectivePoint::GENERATOR;
        for k in &ks {
            GENERATOR_TABLE.mul_into(k, &mut got);
            assert_eq!(got, ProjectivePoint::GENERATOR * k);
        }
        GENERATOR_TABLE.mul_into(&Scalar::ZERO, &mut got);
        assert_eq!(got, ProjectivePoint::IDENTITY);
    }

    #[test]
    fn the_crate_path_gives_the_same_signature() {
        let key = SigningKey::from_slice(&[0x32; 32]).unwrap();
        let fast = TableSigner::new(&key);
        let digest: [u8; 32] = Sha256::digest(b"fault").into();
        assert_eq!(fast.sign_checked_by_the_crate(&digest).as_bytes(), fast.sign_prehash(&digest).as_bytes());
    }

    #[test]
    fn same_signatures_as_the_p256_crate() {
        for seed in 1u8..40 {
            let key = SigningKey::from_slice(&[seed; 32]).unwrap();
            let fast = TableSigner::new(&key);
            for m in 0..8u8 {
                let digest: [u8; 32] = Sha256::digest([seed, m]).into();
                let want = low_s(key.sign_prehash(&digest).unwrap());
                assert_eq!(fast.sign_prehash(&digest).as_bytes(), want.to_der().as_bytes(), "key {seed}, message {m}");
            }
            // A batch signs each digest as alone (for one key, over two
            // batches and a part).
            let count = if seed == 1 { 2 * BATCH as u32 + 3 } else { 40 };
            let digests: Vec<[u8; 32]> = (0..count).map(|m| Sha256::digest([&[seed][..], &m.to_be_bytes()].concat()).into()).collect();
            let batch = fast.sign_prehashes(&digests);
            assert_eq!(batch.len(), digests.len());
            for (digest, got) in digests.iter().zip(&batch) {
                let want = low_s(key.sign_prehash(digest).unwrap());
                assert_eq!(got.as_bytes(), want.to_der().as_bytes(), "key {seed}, batch");
            }
        }
        // Digests at the edges: zero, all ones (above n: reduced), n itself.
        let key = SigningKey::from_slice(&[3; 32]).unwrap();
        let fast = TableSigner::new(&key);
        assert!(fast.sign_prehashes(&[]).is_empty());
        let order: [u8; 32] = NistP256::ORDER.to_be_bytes().into();
        for digest in [[0u8; 32], [0xff; 32], order] {
            let want = low_s(key.sign_prehash(&digest).unwrap());
            assert_eq!(fast.sign_prehash(&digest).as_bytes(), want.to_der().as_bytes());
        }
    }
}
