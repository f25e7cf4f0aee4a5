//! What an auditor trusts: the district's trust list (keys, their signing
//! windows and status) and the signed revocation lists checked against
//! it. Documents are judged against both; neither is ever taken on faith
//! (a list that does not verify is an error, never ignored).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::dk1::keys::{Kid, TrustList, TrustedKey};
use crate::dk1::revocation::RevocationList;
use crate::error::Result;
use crate::kind::revocation::Entry;

/// Revoked and superseded documents from verified revocation lists, by
/// (issuer, document number).
#[derive(Debug, Default, Clone)]
pub struct Revocations {
    entries: BTreeMap<(String, String), Entry>,
}

impl Revocations {
    /// Add the revocation list at `path` after checking its signature
    /// against `trust`; returns how many entries it holds.
    pub fn add(&mut self, path: &Path, trust: &TrustList) -> Result<usize> {
        let list = RevocationList::load(path, trust)?;
        let n = list.entries.len();
        for e in list.entries {
            self.entries.insert((list.issuer.clone(), e.document_number.clone()), e);
        }
        Ok(n)
    }

    /// The entry of `issuer`'s document `number`, if it is revoked or
    /// superseded.
    pub fn get(&self, issuer: &str, number: &str) -> Option<&Entry> {
        self.entries.get(&(issuer.to_string(), number.to_string()))
    }

    /// How many documents are listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A trust list and its revocations, loaded from files.
#[derive(Debug)]
pub struct TrustStore {
    /// The keys.
    pub list: TrustList,
    /// The revocations, checked against the keys.
    pub revocations: Revocations,
}

impl TrustStore {
    /// Load `trust_path` and the revocation lists `revocations`; when none
    /// is named, every `revocations-*.json` beside the trust file (in name
    /// order). Each list must verify against the trust list.
    pub fn load(trust_path: &Path, revocations: &[PathBuf]) -> Result<TrustStore> {
        let list = TrustList::load(trust_path)?;
        let mut paths = revocations.to_vec();
        if paths.is_empty() {
            paths = revocation_lists_beside(trust_path);
        }
        let mut store = TrustStore { list, revocations: Revocations::default() };
        for p in paths {
            store.revocations.add(&p, &store.list)?;
        }
        Ok(store)
    }

    /// The store ready to judge documents (its keys decoded once).
    pub fn trust(&self) -> Trust<'_> {
        Trust::new(&self.list).with_revocations(&self.revocations)
    }
}

/// The `revocations-*.json` files in the trust file's folder.
fn revocation_lists_beside(trust_path: &Path) -> Vec<PathBuf> {
    let dir = trust_path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut lists: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("revocations-") && n.ends_with(".json")))
        .collect();
    lists.sort();
    lists
}

/// A trust list with its keys decoded once (an audit looks a key up per
/// document; decoding one costs a point decompression), and the
/// revocations to apply, if any.
pub struct Trust<'a> {
    /// The trust list.
    pub list: &'a TrustList,
    keys: Vec<TrustedKey>,
    revocations: Option<&'a Revocations>,
}

impl<'a> Trust<'a> {
    /// The keys of `list`, with no revocation list.
    pub fn new(list: &'a TrustList) -> Trust<'a> {
        Trust { list, keys: list.trusted(), revocations: None }
    }

    /// Judge documents against these revocations too.
    pub fn with_revocations(mut self, revocations: &'a Revocations) -> Trust<'a> {
        self.revocations = Some(revocations);
        self
    }

    pub(crate) fn find(&self, kid: &Kid) -> Option<TrustedKey> {
        self.keys.iter().find(|k| &k.kid == kid).cloned()
    }

    pub(crate) fn revocation(&self, issuer: &str, number: &str) -> Option<&Entry> {
        self.revocations.and_then(|r| r.get(issuer, number))
    }
}
