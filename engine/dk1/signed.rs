//! Signed files other than the QR — batch seals and revocation lists — use
//! the same envelope as DK1: a tagged COSE_Sign1, EdDSA, kid in the
//! protected header, deterministic CBOR payload. One format, one verifier,
//! and auditors can check these files with any COSE library too.

use coset::{iana, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};
use ed25519_dalek::{Signature, Signer as _, Verifier as _};

use crate::dk1::keys::{Kid, Signer, TrustList, TrustedKey};

/// The largest sequence number of a signed list — trust lists and
/// revocation lists alike (2^53 − 1: exact in every JSON reader).
pub const MAX_SEQUENCE: u64 = (1 << 53) - 1;

/// Sign `payload` (already deterministic CBOR) as a tagged COSE_Sign1.
pub fn sign(payload: Vec<u8>, signer: &Signer) -> Vec<u8> {
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).key_id(signer.kid.to_vec()).build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| signer.key.sign(tbs).to_bytes().to_vec())
        .build();
    // Serialising a well-formed structure into memory cannot fail.
    sign1.to_tagged_vec().unwrap_or_default()
}

/// Why bytes are not a well-formed envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Not a tagged COSE_Sign1 structure (or trailing bytes).
    #[error("not a tagged COSE_Sign1 structure: {0}")]
    Cose(String),
    /// Not EdDSA.
    #[error("algorithm is not EdDSA (-8)")]
    Algorithm,
    /// Critical headers present.
    #[error("critical headers are not understood")]
    Critical,
    /// No 8-byte kid.
    #[error("protected header has no 8-byte kid")]
    Kid,
    /// Header parameters other than alg and kid, or an unprotected header.
    #[error("header parameters other than alg and kid (or an unprotected header) are not allowed")]
    Headers,
    /// No payload.
    #[error("no payload")]
    NoPayload,
}

/// The signature does not verify under the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature does not verify")]
pub struct BadSignature;

/// Why an envelope is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The kid is not in the trust list.
    #[error("kid {0} is not in the trust list")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error(transparent)]
    Signature(#[from] BadSignature),
    /// The key signs for another issuer.
    #[error("signed by a key of issuer {signer}, not {issuer}")]
    WrongIssuer {
        /// The issuer the key signs for.
        signer: String,
        /// The issuer the file claims.
        issuer: String,
    },
}

/// A parsed, not yet verified envelope.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The key id from the protected header.
    pub kid: Kid,
    /// The signed payload.
    pub payload: Vec<u8>,
    sign1: CoseSign1,
}

/// Parse a tagged COSE_Sign1: strict CBOR, alg pinned to EdDSA, 8-byte
/// kid, no critical headers, no trailing bytes.
pub fn parse(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
    // One encoding only (dk1/strict.rs): the envelope around the signature
    // cannot be written another way.
    crate::dk1::strict::envelope(bytes).map_err(|e| EnvelopeError::Cose(e.to_string()))?;
    let sign1 = CoseSign1::from_tagged_slice(bytes).map_err(|e| EnvelopeError::Cose(e.to_string()))?;
    let h = &sign1.protected.header;
    if h.alg != Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) {
        return Err(EnvelopeError::Algorithm);
    }
    if !h.crit.is_empty() {
        return Err(EnvelopeError::Critical);
    }
    // Only alg and kid are signed, and nothing is unsigned: an unprotected
    // header (or an extra parameter) would let anyone change a genuine
    // document's bytes without touching its signature.
    let extra = h.content_type.is_some() || !h.iv.is_empty() || !h.partial_iv.is_empty() || !h.counter_signatures.is_empty() || !h.rest.is_empty();
    if extra || !sign1.unprotected.is_empty() {
        return Err(EnvelopeError::Headers);
    }
    let kid: Kid = h.key_id.as_slice().try_into().map_err(|_| EnvelopeError::Kid)?;
    let payload = sign1.payload.clone().ok_or(EnvelopeError::NoPayload)?;
    Ok(Envelope { kid, payload, sign1 })
}

/// The signing time (claim 6, epoch seconds) of a payload whose top level
/// is a CBOR map with integer keys, as every terbit payload is.
pub fn signed_time(payload: &[u8]) -> Option<i64> {
    let ciborium::Value::Map(top) = ciborium::from_reader(payload).ok()? else { return None };
    top.into_iter()
        .find(|(k, _)| k.as_integer() == Some(6.into()))
        .and_then(|(_, v)| v.as_integer())
        .and_then(|i| i64::try_from(i).ok())
}

impl Envelope {
    /// Check the signature against `key`.
    pub fn check_signature(&self, key: &ed25519_dalek::VerifyingKey) -> Result<(), BadSignature> {
        self.sign1.verify_signature(b"", |sig, tbs| {
            let sig = Signature::from_slice(sig).map_err(|_| BadSignature)?;
            key.verify(tbs, &sig).map_err(|_| BadSignature)
        })
    }

    /// Verify against the trust list: known kid, good signature, key of
    /// `issuer`. (Signing windows apply to documents, checked by callers
    /// that know the claimed time.)
    pub fn open(&self, trust: &TrustList, issuer: &str) -> Result<TrustedKey, OpenError> {
        let key = trust.find(&self.kid).ok_or_else(|| OpenError::UnknownKey(hex::encode(self.kid)))?;
        self.check_signature(&key.key)?;
        if key.issuer != issuer {
            return Err(OpenError::WrongIssuer { signer: key.issuer, issuer: issuer.to_string() });
        }
        Ok(key)
    }
}
