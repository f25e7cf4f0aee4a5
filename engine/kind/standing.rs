//! A document's standing after issue: revoked, or superseded by a newer
//! one. The register records it; the signed revocation list carries it to
//! auditors; the verifier turns it into a verdict.

use serde::{Deserialize, Serialize};

/// Why a document no longer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Withdrawn (issued in error, obtained by fraud, ...).
    Revoked,
    /// Replaced by a newer document (a family card after a birth, ...).
    Superseded,
}

impl Status {
    /// The name stored in the register and shown in `revocations-*.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Revoked => "revoked",
            Status::Superseded => "superseded",
        }
    }

    /// The inverse of [`Status::as_str`].
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "revoked" => Some(Status::Revoked),
            "superseded" => Some(Status::Superseded),
            _ => None,
        }
    }

    /// The code in the signed list's payload.
    pub fn code(self) -> i64 {
        match self {
            Status::Revoked => 1,
            Status::Superseded => 2,
        }
    }
}

/// One revoked or superseded document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The document.
    pub document_number: String,
    /// Revoked or superseded.
    pub status: Status,
    /// The newer document, for [`Status::Superseded`].
    pub superseded_by: Option<String>,
    /// Why.
    pub reason: String,
    /// Date (YYYY-MM-DD) the revocation was recorded.
    pub since: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_is_refused() {
        for s in [Status::Revoked, Status::Superseded] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert_eq!(Status::parse("cancelled"), None);
        let e: std::result::Result<Entry, _> = serde_json::from_str(
            r#"{"document_number":"1","status":"cancelled","superseded_by":null,"reason":"x","since":"2026-01-01"}"#,
        );
        assert!(e.is_err());
    }
}
