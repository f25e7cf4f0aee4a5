//! Revoked and superseded documents (e.g. a family card replaced by a
//! newer one). The register is the record; a signed per-issuer list —
//! `revocations-<issuer>.json`, carried by auditors beside `trust.json` —
//! is how offline verifiers learn of it. Only the signed payload counts:
//! the readable entries in the file are checked against it.

use std::path::Path;

use ciborium::Value;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::kind::revocation::{Entry, Status};
use crate::dk1::keys::{rfc3339, Signer, TrustList};

/// The format this module writes and reads.
pub const FORMAT: &str = "terbit-revocations/1";
const LIST_KEY: i64 = -65539;

/// `revocations-<issuer>.json` (engine/dk1/README.md, §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationList {
    /// `terbit-revocations/1`.
    pub format: String,
    /// Regency code.
    pub issuer: String,
    /// The signing key (hex).
    pub kid: String,
    /// When the list was signed, RFC 3339.
    pub updated_at: String,
    /// Every revoked or superseded document of the issuer.
    pub entries: Vec<Entry>,
    /// Tagged COSE_Sign1 (hex) over {1: issuer, 6: updated-at, -65539:
    /// [[number, 1 revoked | 2 superseded, superseded-by or "", reason, since], …]}.
    pub cose: String,
}

fn payload(issuer: &str, updated_at: i64, entries: &[Entry]) -> Vec<u8> {
    let int = |i: i64| Value::Integer(i.into());
    let list = entries
        .iter()
        .map(|e| {
            Value::Array(vec![
                Value::Text(e.document_number.clone()),
                int(e.status.code()),
                Value::Text(e.superseded_by.clone().unwrap_or_default()),
                Value::Text(e.reason.clone()),
                Value::Text(e.since.clone()),
            ])
        })
        .collect();
    let top = crate::dk1::canonical_map(vec![
        (int(1), Value::Text(issuer.into())),
        (int(6), int(updated_at)),
        (int(LIST_KEY), Value::Array(list)),
    ]);
    let mut out = Vec::new();
    let _ = ciborium::into_writer(&top, &mut out);
    out
}

/// Why a revocation list is not to be relied on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// Not `terbit-revocations/1`.
    #[error("unknown format {0:?}")]
    Format(String),
    /// `cose` is not hex.
    #[error("field `cose` is not hex")]
    NotHex,
    /// The signed envelope is malformed.
    #[error(transparent)]
    Envelope(#[from] crate::dk1::signed::EnvelopeError),
    /// Signature, key or issuer does not check.
    #[error(transparent)]
    Open(#[from] crate::dk1::signed::OpenError),
    /// The payload has no update time.
    #[error("signed payload has no update time")]
    NoTime,
    /// The readable entries differ from the signed ones.
    #[error("the readable entries differ from the signed ones")]
    Edited,
}

impl RevocationList {
    /// Sign the full list of an issuer's entries (sorted by number).
    pub fn make(mut entries: Vec<Entry>, updated_at: i64, signer: &Signer) -> RevocationList {
        entries.sort_by(|a, b| a.document_number.cmp(&b.document_number));
        let cose = crate::dk1::signed::sign(payload(&signer.issuer, updated_at, &entries), signer);
        RevocationList {
            format: FORMAT.into(),
            issuer: signer.issuer.clone(),
            kid: hex::encode(signer.kid),
            updated_at: rfc3339(updated_at),
            entries,
            cose: hex::encode(cose),
        }
    }

    /// The list's text (pretty JSON, newline-terminated).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Load and verify a list against the trust list. A list that does not
    /// verify is an error, never silently ignored.
    pub fn load(path: &Path, trust: &TrustList) -> Result<RevocationList> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&bytes, path, trust)
    }

    /// As [`RevocationList::load`], from bytes already read (`path` names
    /// them in errors).
    pub fn parse(bytes: &[u8], path: &Path, trust: &TrustList) -> Result<RevocationList> {
        if bytes.len() > 64 << 20 {
            return Err(Error::config(path, "revocation list larger than 64 MiB"));
        }
        let list: RevocationList =
            serde_json::from_slice(bytes).map_err(|e| Error::config(path, format!("not a revocation list: {e}")))?;
        list.check(trust).map_err(|e| Error::config(path, e.to_string()))?;
        Ok(list)
    }

    /// Check the list's signature against `trust`, and that its readable
    /// entries are the signed ones.
    pub fn check(&self, trust: &TrustList) -> std::result::Result<(), ListError> {
        if self.format != FORMAT {
            return Err(ListError::Format(crate::error::clip(&self.format, 40)));
        }
        let bytes = hex::decode(&self.cose).map_err(|_| ListError::NotHex)?;
        let env = crate::dk1::signed::parse(&bytes)?;
        env.open(trust, &self.issuer)?;
        let updated_at = crate::dk1::signed::signed_time(&env.payload).ok_or(ListError::NoTime)?;
        if payload(&self.issuer, updated_at, &self.entries) != env.payload {
            return Err(ListError::Edited);
        }
        Ok(())
    }
}
