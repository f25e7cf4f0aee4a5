//! Revoked and superseded documents (e.g. a family card replaced by a
//! newer one). The register is the record; a signed per-issuer list —
//! `revocations-<issuer>.json`, carried by auditors beside `trust.json` —
//! is how offline verifiers learn of it. Only the signed payload counts:
//! the readable entries in the file are checked against it.
//!
//! Each list carries a sequence number that only grows and a next update:
//! a verifier that has seen list no. 7 refuses no. 6 (it would make a
//! revoked document genuine again), and a list past its next update is
//! said to be stale.

use std::path::Path;

use ciborium::Value;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::kind::standing::{Entry, Status};
use crate::dk1::keys::{rfc3339, Signer, TrustList};

/// The format this module writes and reads.
pub const FORMAT: &str = "terbit-revocations/2";
/// How long a list is promised to stand: the nightly run signs a fresh
/// one well before (see `issue`), `terbit revoke` at once.
pub const VALID_DAYS: i64 = 31;
const LIST_KEY: i64 = -65539;

/// `revocations-<issuer>.json` (engine/dk1/README.md, §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationList {
    /// `terbit-revocations/2`.
    pub format: String,
    /// Regency code.
    pub issuer: String,
    /// The signing key (hex).
    pub kid: String,
    /// Increases with every list the issuer signs; a verifier that has
    /// seen a higher one refuses this one.
    pub sequence: u64,
    /// When the list was signed, RFC 3339.
    pub updated_at: String,
    /// When the issuer promises a newer list, RFC 3339; past it the list
    /// is stale.
    pub next_update: String,
    /// Every revoked or superseded document of the issuer.
    pub entries: Vec<Entry>,
    /// Tagged COSE_Sign1 (hex) over {1: issuer, 6: updated-at, 7: sequence,
    /// 8: next-update, -65539: [[number, 1 revoked | 2 superseded,
    /// superseded-by or "", reason, since], …]}.
    pub cose: String,
}

/// The signed part of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Sequence number.
    pub sequence: u64,
    /// Signed at, epoch seconds.
    pub updated_at: i64,
    /// Next update, epoch seconds.
    pub next_update: i64,
}

fn payload(issuer: &str, h: Header, entries: &[Entry]) -> Vec<u8> {
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
        (int(6), int(h.updated_at)),
        (int(7), Value::Integer(h.sequence.into())),
        (int(8), int(h.next_update)),
        (int(LIST_KEY), Value::Array(list)),
    ]);
    let mut out = Vec::new();
    let _ = ciborium::into_writer(&top, &mut out);
    out
}

/// The sequence and next update of a signed payload.
fn signed_header(payload: &[u8]) -> Option<Header> {
    let v: Value = ciborium::from_reader(payload).ok()?;
    let map = v.as_map()?;
    let get = |k: i64| map.iter().find(|(key, _)| key.as_integer() == Some(k.into())).map(|(_, v)| v);
    let int = |k: i64| get(k).and_then(Value::as_integer).and_then(|i| i64::try_from(i).ok());
    let sequence = get(7).and_then(Value::as_integer).and_then(|i| u64::try_from(i).ok())?;
    Some(Header { sequence, updated_at: int(6)?, next_update: int(8)? })
}

/// Why a revocation list is not to be relied on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// Not `terbit-revocations/2`.
    #[error("unknown format {0:?} (a list signed before sequences were added: sign it again with `terbit revoke` or the nightly run)")]
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
    /// The payload has no update time, sequence or next update.
    #[error("signed payload has no update time, sequence or next update")]
    NoTime,
    /// The key that signed it may not sign it.
    #[error("{0}: the district signs its revocation list again with its current key (`terbit revoke` or the nightly run)")]
    Signer(String),
    /// The sequence is out of range.
    #[error("sequence {0} is out of range (1 to 2^53 − 1)")]
    Sequence(u64),
    /// The readable entries differ from the signed ones.
    #[error("the readable entries differ from the signed ones")]
    Edited,
}

impl RevocationList {
    /// Sign the full list of an issuer's entries (sorted by number) as
    /// list no. `sequence`, signed at `updated_at` and promised to stand
    /// [`VALID_DAYS`].
    pub fn make(mut entries: Vec<Entry>, sequence: u64, updated_at: i64, signer: &Signer) -> RevocationList {
        entries.sort_by(|a, b| a.document_number.cmp(&b.document_number));
        let h = Header { sequence, updated_at, next_update: updated_at + VALID_DAYS * 86_400 };
        let cose = crate::dk1::signed::sign(payload(&signer.issuer, h, &entries), signer);
        RevocationList {
            format: FORMAT.into(),
            issuer: signer.issuer.clone(),
            kid: hex::encode(signer.kid),
            sequence,
            updated_at: rfc3339(updated_at),
            next_update: rfc3339(h.next_update),
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
    /// fields are the signed ones; returns its signed header.
    pub fn check(&self, trust: &TrustList) -> std::result::Result<Header, ListError> {
        if self.format != FORMAT {
            return Err(ListError::Format(crate::error::clip(&self.format, 40)));
        }
        let bytes = hex::decode(&self.cose).map_err(|_| ListError::NotHex)?;
        let env = crate::dk1::signed::parse(&bytes)?;
        let key = env.open(trust, &self.issuer)?;
        let h = signed_header(&env.payload).ok_or(ListError::NoTime)?;
        // Whoever holds a revoked key could sign a list that un-revokes
        // documents (with a higher number, and any date it likes): such a
        // key signs no list at all. A retired key's lists stand for the
        // time it signed in.
        if key.status == crate::dk1::keys::KeyStatus::Revoked {
            return Err(ListError::Signer(format!("key {} that signed it is revoked", hex::encode(key.kid))));
        }
        if h.updated_at < key.not_before || key.not_after.is_some_and(|na| h.updated_at >= na) {
            return Err(ListError::Signer(format!("it is dated {}, outside the signing window of key {}", rfc3339(h.updated_at), hex::encode(key.kid))));
        }
        // A retired key's lists stand only from before its successor took
        // over: once a newer key signs, the list is the newer key's to sign.
        if key.status == crate::dk1::keys::KeyStatus::Retired {
            if let Some(newer) = trust.trusted().into_iter().find(|k| k.issuer == key.issuer && k.kid != key.kid && k.not_before > key.not_before && k.not_before <= h.updated_at) {
                return Err(ListError::Signer(format!(
                    "it is dated {}, after key {} took over from the retired key {} that signed it",
                    rfc3339(h.updated_at),
                    hex::encode(newer.kid),
                    hex::encode(key.kid)
                )));
            }
        }
        if h.sequence == 0 || h.sequence > crate::dk1::signed::MAX_SEQUENCE {
            return Err(ListError::Sequence(h.sequence));
        }
        let readable = Header { sequence: self.sequence, updated_at: time(&self.updated_at), next_update: time(&self.next_update) };
        if readable != h || payload(&self.issuer, h, &self.entries) != env.payload {
            return Err(ListError::Edited);
        }
        Ok(h)
    }

    /// Whether the list is past its next update at `now` (the list must
    /// have been checked).
    pub fn is_stale(&self, now: i64) -> bool {
        now > self.next_update_epoch()
    }

    /// `updated_at` in epoch seconds (the earliest time when it does not read).
    pub fn updated_epoch(&self) -> i64 {
        time(&self.updated_at)
    }

    /// `next_update` in epoch seconds (the earliest time when it does not read).
    pub fn next_update_epoch(&self) -> i64 {
        time(&self.next_update)
    }
}

fn time(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).map(|t| t.timestamp()).unwrap_or(i64::MIN)
}

/// The sequence of the list already at `path`, if one is there and reads
/// (checked against `trust`): a new list is numbered past it, so that a
/// register restored from an older copy never signs a lower number.
pub fn sequence_at(path: &Path, trust: &TrustList) -> Option<u64> {
    published_at(path, trust).map(|l| l.sequence)
}

/// The list published at `path`, if it reads and `trust` verifies it
/// (its readable entries are the signed ones).
pub fn published_at(path: &Path, trust: &TrustList) -> Option<RevocationList> {
    let bytes = crate::util::fs::read_limited(path, 64 << 20).ok()?;
    let list: RevocationList = serde_json::from_slice(&bytes).ok()?;
    list.check(trust).ok().map(|_| list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::standing::Status;

    fn signer() -> Signer {
        let key = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
        Signer { kid: crate::dk1::keys::kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() }
    }

    fn trust(s: &Signer) -> TrustList {
        TrustList {
            keys: vec![crate::dk1::keys::TrustEntry {
                kid: hex::encode(s.kid),
                issuer: "3506".into(),
                alg: "EdDSA".into(),
                public_key: hex::encode(s.key.verifying_key().to_bytes()),
                not_before: "2020-01-01T00:00:00Z".into(),
                not_after: None,
                status: crate::dk1::keys::KeyStatus::Active,
                revoked_from: None,
            }],
        }
    }

    fn entry(n: &str) -> Entry {
        Entry { document_number: n.into(), status: Status::Revoked, superseded_by: None, reason: "fraud".into(), since: "2026-11-23".into() }
    }

    #[test]
    fn sequence_and_next_update_are_signed() {
        let s = signer();
        let t = trust(&s);
        let l = RevocationList::make(vec![entry("A")], 7, 1_795_400_000, &s);
        assert_eq!(l.check(&t).unwrap(), Header { sequence: 7, updated_at: 1_795_400_000, next_update: 1_795_400_000 + VALID_DAYS * 86_400 });
        assert!(!l.is_stale(1_795_400_000) && l.is_stale(1_795_400_001 + VALID_DAYS * 86_400));
        let mut e = l.clone();
        e.sequence = 8;
        assert_eq!(e.check(&t), Err(ListError::Edited));
        let mut e = l.clone();
        e.next_update = "2099-01-01T00:00:00Z".into();
        assert_eq!(e.check(&t), Err(ListError::Edited));
        let mut e = l.clone();
        e.entries.clear();
        assert_eq!(e.check(&t), Err(ListError::Edited));
        let mut e = l.clone();
        e.format = "terbit-revocations/1".into();
        assert!(matches!(e.check(&t), Err(ListError::Format(_))));
        assert!(matches!(RevocationList::make(vec![], 0, 1_795_400_000, &s).check(&t), Err(ListError::Sequence(0))));
    }
}
