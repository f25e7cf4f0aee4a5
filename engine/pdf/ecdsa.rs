//! Deterministic ECDSA P-256 / SHA-256 (RFC 6979), the same signatures as
//! the `p256` crate's, with `k·G` from a table of the generator's
//! multiples made once per run: the `p256` crate multiplies the generator
//! like any point (bench/RESULTS.md: 162 µs a signature), and a run signs
//! every PDF it writes.
//!
//! `k` is written in signed 6-bit digits (`k = Σ d_j·64^j`, `d_j` in
//! −32..=32); the table holds `v·64^j·G` for every window `j` and `v` in
//! 1..=32, so `k·G` is 43 mixed additions of entries picked in constant
//! time (every entry of a window is read, the right one selected and its
//! sign set with `subtle`): the secret nonce does not show in which memory
//! is touched or which branch is taken. (4-bit digits: 65 additions of 8
//! entries each; selections and additions cost about the same in the end,
//! ~28 µs; the table is ~90 KB.) A batch of signatures shares its
//! inversions (see [`TableSigner::sign_prehashes`]). The same tables, read
//! by index, check signatures fast (verify/ecdsa.rs), where every value is
//! public.
//!
//! Signatures are low-s (`s ≤ n/2`, as BIP 62 and most current verifiers
//! prefer): `(r, s)` and `(r, n − s)` both verify, so without it every
//! signed file has a second valid byte string. And every signature is
//! checked against the public key before it leaves the signer: with
//! deterministic nonces, a signature spoilt by a fault (a flipped bit in
//! memory or the CPU) next to the correct one for the same digest gives
//! the private key away. A batch is checked at once (its verifier
//! equations summed, see `batch_holds`), each signature alone only when
//! the sum fails.

use p256::ecdsa::{DerSignature, Signature};
use p256::elliptic_curve::group::Group;
use p256::elliptic_curve::ops::{Invert, Reduce};
use p256::elliptic_curve::Field;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use p256::elliptic_curve::PrimeField;
use p256::elliptic_curve::scalar::IsHigh;
use p256::{FieldBytes, FieldElement as Fe, ProjectivePoint, Scalar, U256};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

/// The group order, big-endian (SEC 2, secp256r1 n).
const ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
    0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The curve's `b` (y² = x³ − 3x + b), big-endian (SEC 2).
const B: [u8; 32] = [
    0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc, 0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6,
    0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b,
];

/// Bits of `k` a window takes.
const W: usize = 6;
/// Table entries a window: the digits' magnitudes 1..=2^(W−1).
const ENTRIES: usize = 1 << (W - 1);
/// Windows: ⌈256 / W⌉. The top one holds bits 252..=255 only (at most
/// 15, plus a carry: below 2^(W−1)), so it never carries out.
const WINDOWS: usize = 256_usize.div_ceil(W);

/// A table entry: an affine point, never the identity.
#[derive(Clone, Copy)]
struct Entry {
    x: Fe,
    y: Fe,
}

impl ConditionallySelectable for Entry {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Entry { x: Fe::conditional_select(&a.x, &b.x, choice), y: Fe::conditional_select(&a.y, &b.y, choice) }
    }
}

/// A point in projective coordinates (X:Y:Z), affine x = X/Z. Ours
/// rather than the crate's, whose coordinates are private: a batch's
/// points are made affine with one inversion.
#[derive(Clone, Copy)]
pub(crate) struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl Point {
    pub(crate) const IDENTITY: Point = Point { x: Fe::ZERO, y: Fe::ONE, z: Fe::ZERO };

    /// `self + e`: Renes–Costello–Batina 2015, algorithm 5 (complete
    /// mixed addition for a = −3), as the `primeorder` crate writes it;
    /// `self` may be the identity.
    fn add(&self, e: &Entry, b: &Fe) -> Point {
        let xx = self.x * e.x;
        let yy = self.y * e.y;
        let xy_pairs = ((self.x + self.y) * (e.x + e.y)) - (xx + yy);
        let yz_pairs = (e.y * self.z) + self.y;
        let xz_pairs = (e.x * self.z) + self.x;
        let bz_part = xz_pairs - (*b * self.z);
        let bz3_part = bz_part.double() + bz_part;
        let yy_m_bzz3 = yy - bz3_part;
        let yy_p_bzz3 = yy + bz3_part;
        let z3 = self.z.double() + self.z;
        let bxz_part = (*b * xz_pairs) - (z3 + xx);
        let bxz3_part = bxz_part.double() + bxz_part;
        let xx3_m_zz3 = xx.double() + xx - z3;
        Point {
            x: (yy_p_bzz3 * xy_pairs) - (yz_pairs * bxz3_part),
            y: (yy_p_bzz3 * yy_m_bzz3) + (xx3_m_zz3 * bxz3_part),
            z: (yy_m_bzz3 * yz_pairs) + (xy_pairs * xx3_m_zz3),
        }
    }
}

impl ConditionallySelectable for Point {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Point { x: Fe::conditional_select(&a.x, &b.x, choice), y: Fe::conditional_select(&a.y, &b.y, choice), z: Fe::conditional_select(&a.z, &b.z, choice) }
    }
}

/// A point's table: `v·64^j·P` for every window `j` and `v` in 1..=32.
pub(crate) struct Table {
    b: Fe,
    rows: Vec<[Entry; ENTRIES]>,
}

impl Table {
    /// The table of `base` (about 1,400 point conversions: ~11 ms).
    pub(crate) fn of(base: ProjectivePoint) -> Table {
        let coordinate = |c: Option<&FieldBytes>| c.and_then(|c| Option::<Fe>::from(Fe::from_bytes(c))).unwrap_or(Fe::ZERO);
        let mut rows = Vec::with_capacity(WINDOWS);
        let mut base = base;
        for _ in 0..WINDOWS {
            let mut row = [Entry { x: Fe::ZERO, y: Fe::ZERO }; ENTRIES];
            let mut acc = ProjectivePoint::IDENTITY;
            for entry in row.iter_mut() {
                acc += base;
                // v·64^j·P for v ≤ 32 < n and P of order n: never the identity, so it has coordinates.
                let affine = acc.to_affine().to_encoded_point(false);
                *entry = Entry { x: coordinate(affine.x()), y: coordinate(affine.y()) };
            }
            rows.push(row);
            for _ in 0..W {
                base = base.double();
            }
        }
        Table { b: Option::<Fe>::from(Fe::from_bytes(&B.into())).unwrap_or(Fe::ZERO), rows }
    }

    /// `k·P`, in constant time (for a secret `k`).
    fn mul(&self, k: &Scalar) -> Point {
        let mut acc = Point::IDENTITY;
        for (digit, row) in signed_digits(k).iter().zip(&self.rows) {
            // |digit| and its sign by arithmetic: mask is 0xff when negative.
            let mask = (digit >> 7) as u8;
            let magnitude = (*digit as u8 ^ mask).wrapping_sub(mask);
            let mut pick = row[0];
            for (i, p) in row.iter().enumerate().skip(1) {
                pick.conditional_assign(p, (i as u8 + 1).ct_eq(&magnitude));
            }
            pick.y.conditional_assign(&-pick.y, Choice::from(mask & 1));
            // A zero digit adds nothing: the sum is computed and dropped.
            let sum = acc.add(&pick, &self.b);
            acc.conditional_assign(&sum, !magnitude.ct_eq(&0));
        }
        acc
    }

    /// `acc + k·P` for a public `k` (a signature's check): the entries
    /// are indexed and zero digits skipped.
    pub(crate) fn mul_add_public(&self, k: &Scalar, mut acc: Point) -> Point {
        for (digit, row) in signed_digits(k).iter().zip(&self.rows) {
            if *digit == 0 {
                continue;
            }
            let mut pick = row[usize::from(digit.unsigned_abs()) - 1];
            if *digit < 0 {
                pick.y = -pick.y;
            }
            acc = acc.add(&pick, &self.b);
        }
        acc
    }
}

/// `k` in signed W-bit digits, least significant first: `k = Σ d_j·2^(W·j)`,
/// `d_j` in −2^(W−1)..=2^(W−1). Without branches on `k`.
fn signed_digits(k: &Scalar) -> [i8; WINDOWS] {
    let bytes = k.to_repr();
    // k as little-endian 64-bit limbs, with a zero limb for the top window to read past.
    let mut limbs = [0u64; 5];
    for (i, chunk) in bytes.rchunks(8).enumerate() {
        limbs[i] = u64::from_be_bytes(chunk.try_into().unwrap_or_default());
    }
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
    digits
}

impl Point {
    /// Whether two points are the same: `X1·Z2 = X2·Z1` and `Y1·Z2 =
    /// Y2·Z1`, both being points (`Z ≠ 0`, or the identity `(0:Y:0)` with
    /// `Y ≠ 0`): the formulas fed a spoilt, off-curve point can give
    /// `(0:0:0)`, which those equations would take for any point.
    fn same_as(&self, other: &Point) -> bool {
        let is_point = |p: &Point| !bool::from(p.z.is_zero()) || (bool::from(p.x.is_zero()) && !bool::from(p.y.is_zero()));
        is_point(self)
            && is_point(other)
            && bool::from((self.x * other.z).ct_eq(&(other.x * self.z)))
            && bool::from((self.y * other.z).ct_eq(&(other.y * self.z)))
    }

    /// The affine x coordinate, or `None` for the identity.
    pub(crate) fn affine_x(&self) -> Option<FieldBytes> {
        let z_inv = Option::<Fe>::from(self.z.invert())?;
        Some((self.x * z_inv).to_bytes())
    }
}

/// A signing key with the generator's table, and its public key's table
/// for the check of each signature before it is given out.
pub struct TableSigner {
    /// The key itself (wiped when dropped): the scalar is borrowed from
    /// it where needed, never copied out.
    key: p256::ecdsa::SigningKey,
    table: Table,
    public: Table,
}

impl std::fmt::Debug for TableSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.write_str("TableSigner")
    }
}

impl TableSigner {
    /// Make the generator's and the public key's tables for `key` (once a run).
    pub fn new(key: &p256::ecdsa::SigningKey) -> TableSigner {
        let public = ProjectivePoint::from(*key.verifying_key().as_affine());
        TableSigner { key: key.clone(), table: Table::of(ProjectivePoint::GENERATOR), public: Table::of(public) }
    }

    /// `k·G`, projective, in constant time.
    fn mul_generator(&self, k: &Scalar) -> Point {
        self.table.mul(k)
    }

    /// Sign a SHA-256 digest: the DER signature the `p256` crate would
    /// make, low-s normalised.
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> DerSignature {
        self.sign_prehashes(std::slice::from_ref(digest)).pop().unwrap_or_else(fallback)
    }

    /// Sign many SHA-256 digests: for each, the DER signature the `p256`
    /// crate would make, low-s normalised. The nonces' inverses `k⁻¹` and
    /// the `1/Z` that make the points `k·G` affine are each computed for
    /// [`BATCH`] signatures at once (Montgomery's trick: one constant-time
    /// inversion of the product and three multiplications an element):
    /// alone, the two inversions cost ~29 µs, more than the rest of a
    /// signature. The check of each signature shares its `s⁻¹` the same way.
    pub fn sign_prehashes(&self, digests: &[[u8; 32]]) -> Vec<DerSignature> {
        let mut out = Vec::with_capacity(digests.len());
        for part in digests.chunks(BATCH) {
            self.sign_batch(part, &mut out);
        }
        out
    }

    /// Sign up to [`BATCH`] digests into `out`.
    fn sign_batch(&self, digests: &[[u8; 32]], out: &mut Vec<DerSignature>) {
        let d: &Scalar = self.key.as_nonzero_scalar().as_ref();
        // The copies of secrets made here (the key's bytes for RFC 6979,
        // the nonces and their inverses) are wiped when they go.
        let mut d_repr = d.to_repr();
        // The batch is padded with k = 1 and Z = 1, whose inverses are not used.
        let mut ks = Zeroizing::new([Scalar::ONE; BATCH]);
        let mut points = [Point { x: Fe::ONE, y: Fe::ONE, z: Fe::ONE }; BATCH];
        for ((z, k), point) in digests.iter().zip(ks.iter_mut()).zip(points.iter_mut()) {
            let mut k_bytes = rfc6979::generate_k::<Sha256, _>(&d_repr, &ORDER.into(), &FieldBytes::from(*z), &[]);
            // generate_k gives a value in [1, n): always a scalar.
            *k = Scalar::from_repr(k_bytes).unwrap_or(Scalar::ONE);
            k_bytes.as_mut_slice().zeroize();
            *point = self.mul_generator(k);
        }
        d_repr.as_mut_slice().zeroize();
        // k is in [1, n): no k is zero, and k·G is not the identity, so
        // no Z is zero either; the batch inversions cannot fail.
        let k_invs = Zeroizing::new(batch_invert(&ks, Scalar::ONE, |k| Option::from(k.invert())));
        let z_invs = batch_invert(&points.map(|p| p.z), Fe::ONE, |z| Option::from(z.invert()));
        let mut signed = [(Scalar::ONE, Scalar::ONE); BATCH];
        // R = k·G made affine (its x gave r) and negated where s was:
        // (r, n − s) verifies with −R.
        let mut rs = [Entry { x: Fe::ONE, y: Fe::ONE }; BATCH];
        for (i, z) in digests.iter().enumerate() {
            let x = points[i].x * z_invs[i];
            let r = <Scalar as Reduce<U256>>::reduce_bytes(&x.to_bytes());
            let e = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*z));
            let s = k_invs[i] * (e + r * d);
            // Low s: n − s for a high one (s and r are public from here on).
            let high = s.is_high();
            signed[i] = (r, Scalar::conditional_select(&s, &-s, high));
            let y = points[i].y * z_invs[i];
            rs[i] = Entry { x, y: Fe::conditional_select(&y, &-y, high) };
        }
        let ws = batch_invert(&signed.map(|(_, s)| s), Scalar::ONE, |s| Option::from(s.invert_vartime()));
        let signed = &signed[..digests.len()];
        let ws = &ws[..digests.len()];
        if self.batch_holds(digests, signed, ws, &rs[..digests.len()]) {
            // Each (r, s) is nonzero (checked): a signature.
            out.extend(signed.iter().zip(digests).map(|((r, s), digest)| match Signature::from_scalars(*r, *s) {
                Ok(sig) => sig.to_der(),
                Err(_) => self.sign_checked_by_the_crate(digest),
            }));
        } else {
            // Something in the batch is spoilt: check each signature alone
            // and make the spoilt ones again.
            out.extend(digests.iter().zip(signed.iter().zip(ws)).map(|(digest, ((r, s), w))| {
                if self.holds(digest, r, s, w) {
                    if let Ok(sig) = Signature::from_scalars(*r, *s) {
                        return sig.to_der();
                    }
                }
                self.sign_checked_by_the_crate(digest)
            }));
        }
    }

    /// The check of a whole batch before any of it is given out: each
    /// signature's verifier equation `R_i = u1_i·G + u2_i·Q` (with
    /// `w = s⁻¹`, `u1 = e·w`, `u2 = r·w`, and `R_i` the point whose x
    /// gave `r_i`), summed: `Σ R_i = (Σ u1_i)·G + (Σ u2_i)·Q`. Two table
    /// multiplications a batch instead of two a signature (the check
    /// alone doubled the signing time). A fault anywhere — in `k·G`, in
    /// making it affine, in `r`, `k⁻¹` or `s` — leaves its `R_i` off
    /// `u1_i·G + u2_i·Q` and the sums apart; two faults would have to
    /// cancel to the point, which random faults do not. A failed sum is
    /// never trusted: each signature is then checked alone.
    fn batch_holds(&self, digests: &[[u8; 32]], signed: &[(Scalar, Scalar)], ws: &[Scalar], rs: &[Entry]) -> bool {
        let mut u1 = Scalar::ZERO;
        let mut u2 = Scalar::ZERO;
        let mut sum = Point::IDENTITY;
        for (((digest, (r, s)), w), point) in digests.iter().zip(signed).zip(ws).zip(rs) {
            if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
                return false;
            }
            let e = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*digest));
            u1 += e * w;
            u2 += *r * w;
            sum = sum.add(point, &self.table.b);
        }
        let expected = self.table.mul_add_public(&u1, self.public.mul_add_public(&u2, Point::IDENTITY));
        sum.same_as(&expected)
    }

    /// One signature's check: `x(u1·G + u2·Q) ≡ r` — the verifier's
    /// equation, on the public key's own table (an `s` of zero made the
    /// batch inversion fall back, leaving `w = 1`, which fails).
    fn holds(&self, digest: &[u8; 32], r: &Scalar, s: &Scalar, w: &Scalar) -> bool {
        let e = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*digest));
        let sum = self.table.mul_add_public(&(e * w), self.public.mul_add_public(&(*r * w), Point::IDENTITY));
        !bool::from(s.is_zero()) && !bool::from(r.is_zero()) && x_is(&sum, r)
    }

    /// A signature whose check failed (a fault, or r or s zero, with
    /// probability ~2⁻²⁵⁶ otherwise): made again by the `p256` crate's
    /// own code, checked by it, and given out only if it verifies — never
    /// the spoilt one. Deterministic nonces: it is the signature the table
    /// should have made.
    fn sign_checked_by_the_crate(&self, digest: &[u8; 32]) -> DerSignature {
        use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
        let made: Option<Signature> = PrehashSigner::<Signature>::sign_prehash(&self.key, digest).ok().map(|s| s.normalize_s().unwrap_or(s));
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

/// Whether the projective point `p`'s affine x, reduced mod n, is `r`:
/// `X = r·Z`, or `X = (r + n)·Z` when `r + n < p` (x is in [0, p), n < p).
fn x_is(p: &Point, r: &Scalar) -> bool {
    if bool::from(p.z.is_zero()) {
        return false;
    }
    let Some(r_fe) = Option::<Fe>::from(Fe::from_bytes(&r.to_bytes())) else { return false };
    let Some(n_fe) = Option::<Fe>::from(Fe::from_bytes(&ORDER.into())) else { return false };
    if bool::from(p.x.ct_eq(&(r_fe * p.z))) {
        return true;
    }
    // r + n wrapped past p is smaller than r: then x cannot be r + n.
    let r_n = r_fe + n_fe;
    r_n.to_bytes() > r_fe.to_bytes() && bool::from(p.x.ct_eq(&(r_n * p.z)))
}

/// The inverses of `xs` (all nonzero) by Montgomery's trick: the running
/// products, one inversion of the last, and back. Constant-time as
/// `invert` is; a zero element makes the one inversion fail, and then
/// (never, for ECDSA's values) every element is inverted alone.
fn batch_invert<T>(xs: &[T; BATCH], one: T, invert: impl Fn(&T) -> Option<T>) -> [T; BATCH]
where
    T: Copy + std::ops::Mul<Output = T>,
{
    let mut prefix = [one; BATCH];
    let mut acc = one;
    for (p, x) in prefix.iter_mut().zip(xs) {
        *p = acc;
        acc = acc * *x;
    }
    let Some(mut inv) = invert(&acc) else {
        return xs.map(|x| invert(&x).unwrap_or(one));
    };
    let mut out = [one; BATCH];
    for i in (0..BATCH).rev() {
        // inv = (x_0 ⋯ x_i)⁻¹: x_i⁻¹ = inv · (x_0 ⋯ x_{i−1}).
        out[i] = inv * prefix[i];
        inv = inv * xs[i];
    }
    out
}

/// Signatures made together, sharing their inversions.
pub const BATCH: usize = 32;

/// A well-formed signature no verifier accepts, for the cases of
/// probability ~2⁻²⁵⁶ where ECDSA has none to give.
fn fallback() -> DerSignature {
    Signature::from_scalars(Scalar::ONE, Scalar::ONE).map(|s| s.to_der()).expect("one is a valid scalar")
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use sha2::Digest;

    fn affine(p: &Point) -> (FieldBytes, FieldBytes) {
        let z = p.z.invert().unwrap();
        ((p.x * z).to_bytes(), (p.y * z).to_bytes())
    }

    fn crate_affine(k: &Scalar) -> (FieldBytes, FieldBytes) {
        let e = (ProjectivePoint::GENERATOR * k).to_affine().to_encoded_point(false);
        (*e.x().unwrap(), *e.y().unwrap())
    }

    /// The p256 crate's signature with its s made low, as ours are.
    fn low_s(sig: Signature) -> Signature {
        sig.normalize_s().unwrap_or(sig)
    }

    #[test]
    fn every_signature_is_low_s_and_verifies_and_high_ones_occur_unnormalised() {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        let key = p256::ecdsa::SigningKey::from_slice(&[0x31; 32]).unwrap();
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
    fn the_fault_check_rejects_a_spoilt_signature_and_the_crate_makes_the_right_one() {
        let key = p256::ecdsa::SigningKey::from_slice(&[0x32; 32]).unwrap();
        let fast = TableSigner::new(&key);
        let digest: [u8; 32] = Sha256::digest(b"fault").into();
        let sig = Signature::from_der(fast.sign_prehash(&digest).as_bytes()).unwrap();
        let (r, s) = (*sig.r(), *sig.s());
        let e = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(digest));
        let check = |r: &Scalar, s: &Scalar| {
            let w = s.invert().unwrap();
            let sum = fast.table.mul_add_public(&(e * w), fast.public.mul_add_public(&(*r * w), Point::IDENTITY));
            x_is(&sum, r)
        };
        assert!(check(&r, &s));
        // One bit of s flipped, or r of another nonce: the check fails.
        assert!(!check(&r, &(s + Scalar::ONE)));
        assert!(!check(&(r + Scalar::ONE), &s));
        // The crate's path gives the same (low-s) signature the table made.
        assert_eq!(fast.sign_checked_by_the_crate(&digest).as_bytes(), sig.to_der().as_bytes());
    }

    #[test]
    fn the_batch_check_holds_for_good_batches_and_fails_for_any_one_spoilt_part() {
        let key = p256::ecdsa::SigningKey::from_slice(&[0x33; 32]).unwrap();
        let fast = TableSigner::new(&key);
        let q = ProjectivePoint::from(*key.verifying_key().as_affine());
        for n in [1usize, 2, 17, BATCH] {
            let digests: Vec<[u8; 32]> = (0..n as u32).map(|m| Sha256::digest(m.to_be_bytes()).into()).collect();
            let sigs: Vec<Signature> = fast.sign_prehashes(&digests).iter().map(|d| Signature::from_der(d.as_bytes()).unwrap()).collect();
            let signed: Vec<(Scalar, Scalar)> = sigs.iter().map(|s| (*s.r(), *s.s())).collect();
            let ws: Vec<Scalar> = signed.iter().map(|(_, s)| s.invert().unwrap()).collect();
            // Each R_i = u1·G + u2·Q, by the crate's arithmetic.
            let rs: Vec<Entry> = digests
                .iter()
                .zip(&signed)
                .zip(&ws)
                .map(|((digest, (r, _)), w)| {
                    let e = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*digest));
                    let p = (ProjectivePoint::GENERATOR * (e * w) + q * (*r * w)).to_affine().to_encoded_point(false);
                    Entry { x: Fe::from_bytes(p.x().unwrap()).unwrap(), y: Fe::from_bytes(p.y().unwrap()).unwrap() }
                })
                .collect();
            assert!(fast.batch_holds(&digests, &signed, &ws, &rs), "{n}: a good batch");
            let last = n - 1;
            // s, r, R's x or y, or R negated (a low-s flip lost): each spoilt alone fails the sum.
            let mut bad = signed.clone();
            bad[last].1 += Scalar::ONE;
            let bad_ws: Vec<Scalar> = bad.iter().map(|(_, s)| s.invert().unwrap()).collect();
            assert!(!fast.batch_holds(&digests, &bad, &bad_ws, &rs), "{n}: s spoilt");
            let mut bad = signed.clone();
            bad[last].0 += Scalar::ONE;
            assert!(!fast.batch_holds(&digests, &bad, &ws, &rs), "{n}: r spoilt");
            for spoil in 0..3 {
                let mut bad = rs.clone();
                match spoil {
                    0 => bad[last].x += Fe::ONE,
                    1 => bad[last].y += Fe::ONE,
                    _ => bad[last].y = -bad[last].y,
                }
                assert!(!fast.batch_holds(&digests, &signed, &ws, &bad), "{n}: R spoilt ({spoil})");
            }
            let mut zero = signed.clone();
            zero[0].1 = Scalar::ZERO;
            assert!(!fast.batch_holds(&digests, &zero, &ws, &rs), "{n}: s zero");
        }
        // The spoilt point of all zeros equals no point.
        let nothing = Point { x: Fe::ZERO, y: Fe::ZERO, z: Fe::ZERO };
        assert!(!nothing.same_as(&Point::IDENTITY) && !Point::IDENTITY.same_as(&nothing));
        assert!(Point::IDENTITY.same_as(&Point::IDENTITY));
    }

    #[test]
    fn same_signatures_as_the_p256_crate() {
        for seed in 1u8..12 {
            let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
            let fast = TableSigner::new(&key);
            for m in 0..8u8 {
                let digest: [u8; 32] = Sha256::digest([seed, m]).into();
                let want = low_s(key.sign_prehash(&digest).unwrap());
                assert_eq!(fast.sign_prehash(&digest).as_bytes(), want.to_der().as_bytes(), "key {seed}, message {m}");
            }
            // A batch (here over two of BATCH) signs each digest as alone.
            let digests: Vec<[u8; 32]> = (0..40u8).map(|m| Sha256::digest([seed, m, 1]).into()).collect();
            let batch = fast.sign_prehashes(&digests);
            assert_eq!(batch.len(), digests.len());
            for (digest, got) in digests.iter().zip(&batch) {
                let want = low_s(key.sign_prehash(digest).unwrap());
                assert_eq!(got.as_bytes(), want.to_der().as_bytes(), "key {seed}, batch");
            }
        }
        // And k·G agrees with the generic multiplication for edge scalars.
        let fast = TableSigner::new(&p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap());
        assert!(fast.sign_prehashes(&[]).is_empty());
        for k in [Scalar::ONE, -Scalar::ONE, Scalar::from(8u64), Scalar::from(16u64), Scalar::from(0x8888_8888_8888_8888u64), -Scalar::from(0x8888_8888_8888_8888u64), Scalar::from(u64::MAX)] {
            assert_eq!(affine(&fast.mul_generator(&k)), crate_affine(&k));
        }
        // And for scalars all over the range, with every carry pattern.
        for m in 0..300u32 {
            let k = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(<[u8; 32]>::from(Sha256::digest(m.to_be_bytes()))));
            let k = if m % 3 == 0 { -k } else { k };
            assert_eq!(affine(&fast.mul_generator(&k)), crate_affine(&k), "scalar {m}");
        }
    }
}


