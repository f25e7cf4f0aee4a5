//! An inclusion proof: that one document is among those a run's batch
//! seal signed, as an RFC 9162 audit path from its manifest leaf to the
//! sealed Merkle root. A holder can show one document's place in the
//! night's seal without handing over the whole manifest.

use std::path::Path;

use serde::Serialize;

use crate::dk1::seal::{self, BatchSeal};
use crate::util::show::clip_shown;

use super::{manifest_of, open_root, read_file, MAX_SEAL};

/// The proof, as `terbit prove` prints it (fields in name order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proof {
    /// The document.
    pub document_number: String,
    /// How many documents the seal covers.
    pub documents: usize,
    /// The document's place among them (0-based, manifest order).
    pub index: usize,
    /// The sealed Merkle root (hex).
    pub merkle_root: String,
    /// Sibling hashes from the leaf up (hex).
    pub path: Vec<String>,
    /// Which seal it is.
    pub seal: String,
    /// The signed seal (hex COSE_Sign1), when it carries a time-stamp: with
    /// `seal_time_stamp` it proves when the whole run existed, to anyone
    /// holding the district's trust list (`verify RUN` judges it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal_cose: Option<String>,
    /// The seal's RFC 3161 time-stamp token (hex), over `seal_cose`'s bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal_time_stamp: Option<String>,
    /// The document file's SHA-256 (hex), as the manifest lists it.
    pub sha256: String,
}

/// Why no proof could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProveError {
    /// The run directory, its manifest or its seal could not be read.
    #[error("{0}")]
    Unreadable(String),
    /// The manifest has rows without every column.
    #[error("{0}: malformed manifest rows; run `terbit verify` on it")]
    Malformed(String),
    /// The document is not in the run's manifest.
    #[error("{number} is not in {run}")]
    NotInRun {
        /// The number asked for.
        number: String,
        /// The run directory.
        run: String,
    },
    /// The manifest does not give the sealed root.
    #[error("the manifest does not match seal.json's root: run `terbit verify` on {0}")]
    RootMismatch(String),
}

/// The inclusion proof of document `number` in the run at `dir` (read as
/// an untrusted run directory: links are not followed).
pub fn prove(dir: &Path, number: &str) -> Result<Proof, ProveError> {
    let shown = || clip_shown(&dir.display().to_string(), 200);
    let root_fd = open_root(dir).map_err(|e| ProveError::Unreadable(e.to_string()))?;
    let (_, rows) = manifest_of(&root_fd).map_err(|e| ProveError::Unreadable(e.to_string()))?;
    let rows: Vec<_> = rows.into_iter().collect::<Option<_>>().ok_or_else(|| ProveError::Malformed(shown()))?;
    let leaves: Vec<_> = rows.iter().map(|r: &super::ManifestRow| seal::leaf(&r.number, &r.sha256)).collect();
    let index = rows
        .iter()
        .position(|r| r.number == number)
        .ok_or_else(|| ProveError::NotInRun { number: clip_shown(number, 80), run: shown() })?;
    let root = seal::root(&leaves);
    let bytes = read_file(&root_fd, "seal.json", MAX_SEAL).map_err(|e| ProveError::Unreadable(format!("seal.json: {e}")))?;
    let sealed: BatchSeal = serde_json::from_slice(&bytes)
        .map_err(|e| ProveError::Unreadable(format!("seal.json is not a batch seal: {}", clip_shown(&e.to_string(), 120))))?;
    if sealed.merkle_root != hex::encode(root) {
        return Err(ProveError::RootMismatch(shown()));
    }
    Ok(Proof {
        document_number: number.to_string(),
        documents: leaves.len(),
        index,
        merkle_root: hex::encode(root),
        path: seal::proof(&leaves, index).iter().map(hex::encode).collect(),
        seal: format!("seal.json of run {}", sealed.run_id),
        seal_cose: sealed.time_stamp.as_ref().map(|_| sealed.cose.clone()),
        seal_time_stamp: sealed.time_stamp.clone(),
        sha256: rows[index].sha256.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_run_or_document_is_named() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(prove(&d.path().join("none"), "X"), Err(ProveError::Unreadable(_))));
        std::fs::write(d.path().join("manifest.csv"), "document_number,application_id,kind,nik,service_point,file,sha256,qr\nA,1,birth,1,SP,f.pdf,00,DK1:x\n").unwrap();
        assert!(matches!(prove(d.path(), "B"), Err(ProveError::NotInRun { .. })));
        // Found, but no seal beside it.
        assert!(matches!(prove(d.path(), "A"), Err(ProveError::Unreadable(m)) if m.starts_with("seal.json")));
    }

    #[test]
    fn the_path_leads_to_the_sealed_root() {
        let leaves: Vec<_> = (0..5).map(|i| seal::leaf(&format!("N{i}"), &"ab".repeat(32))).collect();
        let root = seal::root(&leaves);
        for i in 0..5 {
            assert!(seal::verify_proof(&leaves[i], i, 5, &seal::proof(&leaves, i), &root));
        }
    }
}
