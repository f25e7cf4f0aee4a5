//! What an auditor trusts: the district's trust list (keys, their signing
//! windows and status) and the signed revocation lists checked against
//! it. Documents are judged against both; neither is ever taken on faith
//! (a list that does not verify is an error, never ignored). Auditors'
//! keys come from lists signed by pinned district roots (engine/dk1/README.md,
//! §8–§10), checked here fail-closed, with a memory that refuses rollback.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::trust::bundle::{self, Bundle};
use crate::dk1::keys::{rfc3339, Kid, TrustList, TrustedKey};
use crate::dk1::revocation::RevocationList;
use crate::trust::root::{show_fingerprint, Pin};
use crate::trust::list::{SignedTrustList, VerifiedTrust};
use crate::error::{Error, Result};
use crate::kind::standing::Entry;

/// Revoked and superseded documents from verified revocation lists, by
/// (issuer, document number).
#[derive(Debug, Default, Clone)]
pub struct Revocations {
    entries: BTreeMap<(String, String), Entry>,
    lists: BTreeMap<String, ListInfo>,
}

impl Revocations {
    /// Add the revocation list at `path` after checking its signature
    /// against `trust`; returns how many entries it holds.
    pub fn add(&mut self, path: &Path, trust: &TrustList) -> Result<usize> {
        let list = RevocationList::load(path, trust)?;
        let n = list.entries.len();
        self.insert(vec![list]);
        Ok(n)
    }

    /// Add lists already verified: of each issuer's lists only the newest
    /// (highest sequence) counts, whole, as it replaces the older ones.
    fn insert(&mut self, lists: Vec<RevocationList>) {
        let mut newest: BTreeMap<String, RevocationList> = BTreeMap::new();
        for l in lists {
            match newest.get(&l.issuer) {
                Some(held) if held.sequence >= l.sequence => {}
                _ => {
                    newest.insert(l.issuer.clone(), l);
                }
            }
        }
        for list in newest.into_values() {
            if let Some(held) = self.lists.get(&list.issuer) {
                if held.sequence >= list.sequence {
                    continue;
                }
            }
            self.entries.retain(|(issuer, _), _| issuer != &list.issuer);
            for e in &list.entries {
                self.entries.insert((list.issuer.clone(), e.document_number.clone()), e.clone());
            }
            self.lists.insert(list.issuer.clone(), ListInfo { sequence: list.sequence, updated_at: list.updated_at.clone(), next_update: list.next_update.clone() });
        }
    }

    /// Every entry of the newest lists, as (issuer, entry), by issuer
    /// and document number.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|((issuer, _), e)| (issuer.as_str(), e))
    }

    /// The issuers whose lists are held.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.lists.keys().map(String::as_str)
    }

    /// The entry of `issuer`'s document `number`, if it is revoked or
    /// superseded.
    pub fn get(&self, issuer: &str, number: &str) -> Option<&Entry> {
        self.entries.get(&(issuer.to_string(), number.to_string()))
    }

    /// Which list of `issuer` the entries came from.
    pub fn list_of(&self, issuer: &str) -> Option<&ListInfo> {
        self.lists.get(issuer)
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

/// The revocation list a district's entries came from.
#[derive(Debug, Clone, Serialize)]
pub struct ListInfo {
    /// Its sequence number.
    pub sequence: u64,
    /// Signed at, RFC 3339.
    pub updated_at: String,
    /// Next update promised, RFC 3339.
    pub next_update: String,
}

/// Where a district's trust data came from and how fresh it is: what a
/// verdict carries beside it.
#[derive(Debug, Clone, Serialize)]
pub struct TrustInfo {
    /// The district (regency code).
    pub district: String,
    /// The list's sequence number.
    pub sequence: u64,
    /// When the root signed it, RFC 3339.
    pub issued_at: String,
    /// When a newer list was promised, RFC 3339.
    pub next_update: String,
    /// The pinned root's SHA-256 fingerprint (hex).
    pub root_fingerprint: String,
    /// Past its next update at the time of checking: documents still
    /// verify, and the answer says so.
    pub stale: bool,
    /// The district's revocation list, if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocations: Option<ListInfo>,
    /// That revocation list is past its next update.
    pub revocations_stale: bool,
}

impl TrustInfo {
    fn of(v: &VerifiedTrust, now: i64) -> TrustInfo {
        TrustInfo {
            district: v.district.clone(),
            sequence: v.sequence,
            issued_at: rfc3339(v.issued_at),
            next_update: rfc3339(v.next_update),
            root_fingerprint: hex::encode(v.root.fingerprint),
            stale: v.is_stale(now),
            revocations: None,
            revocations_stale: false,
        }
    }

    /// The warning a person reads when the list or its revocation list is
    /// stale.
    pub fn warning(&self) -> Option<String> {
        let mut w = Vec::new();
        if self.stale {
            w.push(format!(
                "the trust list of district {} (no. {}, signed {}) is past its next update ({}): ask the district for a newer one",
                self.district, self.sequence, self.issued_at, self.next_update
            ));
        }
        if let (true, Some(r)) = (self.revocations_stale, &self.revocations) {
            w.push(format!(
                "district {}'s revocation list (no. {}, signed {}) is past its next update ({}): documents revoked since are not known here; ask the district for a newer one",
                self.district, r.sequence, r.updated_at, r.next_update
            ));
        }
        (!w.is_empty()).then(|| w.join("; "))
    }
}

/// What to check a trust file against.
#[derive(Debug, Clone, Default)]
pub struct TrustSource {
    /// The trust file: a bundle (`terbit trust bundle`) or one district's
    /// signed list (`terbit trust sign`).
    pub path: PathBuf,
    /// Pinned roots. A signed list needs its root here; a bundle carries
    /// its own pins, and when pins are given every district in it must be
    /// pinned here too. A pin that names a district admits only that one.
    pub pins: Vec<Pin>,
    /// Revocation lists to add (for a signed list; by default the
    /// `revocations-*.json` beside it).
    pub revocations: Vec<PathBuf>,
    /// The verifier's memory of the newest list seen per district, which
    /// refuses a rolled-back list; `None` keeps no memory.
    pub memory: Option<PathBuf>,
    /// Now, epoch seconds (only the CLI reads the clock).
    pub now: i64,
    /// Districts whose new root the verifier was told to accept (the
    /// memory otherwise refuses a district's root changing).
    pub new_roots: Vec<String>,
}

/// Signed trust lists and their revocations, checked.
#[derive(Debug)]
pub struct TrustStore {
    /// Every trusted district's keys.
    pub list: TrustList,
    /// The revocations, checked against the keys.
    pub revocations: Revocations,
    /// Each district's list: sequence, dates, root, staleness.
    pub districts: Vec<TrustInfo>,
    /// The districts' PDF-signing certificates.
    pub pdf_certs: Vec<crate::trust::pdfkey::PdfCert>,
    /// The time-stamp authorities the districts' lists name.
    pub tsa_certs: Vec<crate::trust::tsa::TsaCert>,
}

/// Why trust data is refused (nothing is verified against it).
fn refused(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::config(path, format!("trust data refused, nothing can be verified against it: {why}"))
}

impl TrustStore {
    /// Load and check a trust file (fail closed: any list that does not
    /// verify against a pinned root refuses the whole file), apply the
    /// rollback memory, and mark stale lists.
    pub fn load(src: &TrustSource) -> Result<TrustStore> {
        let path = &src.path;
        let bytes = crate::util::fs::read_limited(path, bundle::MAX_BUNDLE as u64)?;
        let format = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_string));
        let (districts, revocation_lists) = match format.as_deref() {
            Some(bundle::FORMAT) => {
                if !src.revocations.is_empty() {
                    return Err(Error::Usage("--revocations goes with a single signed list; a bundle carries its own revocation lists (terbit trust bundle adds them)".into()));
                }
                let b = Bundle::parse(&bytes).map_err(|e| refused(path, e))?;
                let v = b.verify().map_err(|e| refused(path, e))?;
                if !src.pins.is_empty() {
                    if let Some(d) = v.districts.iter().find(|d| !src.pins.iter().any(|p| p.admits(&d.district, &d.root.fingerprint))) {
                        return Err(refused(path, format!("district {}'s root ({}) is not among the roots pinned for it", d.district, show_fingerprint(&d.root.fingerprint))));
                    }
                }
                (v.districts, v.revocations)
            }
            _ => {
                let list = SignedTrustList::parse(&bytes).map_err(|e| refused(path, e))?;
                if src.pins.is_empty() {
                    return Err(refused(path, "a signed trust list is checked against its district's root: give --pin with the root fingerprint the district publishes"));
                }
                let fps: Vec<_> = src.pins.iter().map(|p| p.fingerprint).collect();
                let v = list.verify(&fps).map_err(|e| refused(path, e))?;
                if !src.pins.iter().any(|p| p.admits(&v.district, &v.root.fingerprint)) {
                    return Err(refused(path, format!("its root ({}) is pinned for another district than {}", show_fingerprint(&v.root.fingerprint), v.district)));
                }
                let mut paths = src.revocations.clone();
                if paths.is_empty() {
                    paths = revocation_lists_beside(path);
                }
                let mut lists = Vec::new();
                for p in paths {
                    lists.push(RevocationList::load(&p, &v.list)?);
                }
                (vec![v], lists)
            }
        };
        // Of each issuer's lists given at once, the newest counts; two
        // different lists under one number are a forgery or a mistake.
        let mut newest: BTreeMap<String, RevocationList> = BTreeMap::new();
        for l in revocation_lists {
            match newest.get(&l.issuer) {
                Some(held) if held.sequence == l.sequence && held.cose != l.cose => {
                    return Err(refused(path, format!("two different revocation lists of district {} both claim no. {}", l.issuer, l.sequence)));
                }
                // A list numbered after another is signed after it: one
                // that is not (a key's holder backdating a high number) is
                // a forgery or a mistake.
                Some(held)
                    if (held.sequence < l.sequence && held.updated_epoch() > l.updated_epoch())
                        || (held.sequence > l.sequence && held.updated_epoch() < l.updated_epoch()) =>
                {
                    return Err(refused(
                        path,
                        format!(
                            "district {}'s revocation lists no. {} ({}) and no. {} ({}) are numbered and dated in opposite orders",
                            l.issuer, held.sequence, held.updated_at, l.sequence, l.updated_at
                        ),
                    ));
                }
                Some(held) if held.sequence >= l.sequence => {}
                _ => {
                    newest.insert(l.issuer.clone(), l);
                }
            }
        }
        let revocation_lists: Vec<RevocationList> = newest.into_values().collect();
        if let Some(memory) = &src.memory {
            let seen = read_memory(memory)?;
            remember(memory, seen, &districts, &revocation_lists, &src.new_roots).map_err(|e| match e {
                Error::Config { message, .. } => refused(path, message),
                other => other,
            })?;
        }
        let mut store = TrustStore {
            list: TrustList { keys: districts.iter().flat_map(|d| d.list.keys.iter().cloned()).collect() },
            revocations: Revocations::default(),
            districts: districts.iter().map(|d| TrustInfo::of(d, src.now)).collect(),
            pdf_certs: districts
                .iter()
                .flat_map(|d| {
                    d.pdf_certificates.iter().filter_map(|c| crate::trust::pdfkey::PdfCert::of(&d.district, c).map(|p| crate::trust::pdfkey::PdfCert { root: Some(d.root.der.clone()), ..p }))
                })
                .collect(),
            tsa_certs: districts.iter().flat_map(|d| d.tsa_certificates.iter().filter_map(|c| crate::trust::tsa::TsaCert::of(&d.district, c, Some(&d.root.der)))).collect(),
        };
        store.revocations.insert(revocation_lists);
        for d in &mut store.districts {
            if let Some(r) = store.revocations.list_of(&d.district) {
                d.revocations_stale = chrono::DateTime::parse_from_rfc3339(&r.next_update).map(|t| src.now > t.timestamp()).unwrap_or(true);
                d.revocations = Some(r.clone());
            }
        }
        Ok(store)
    }

    /// Keys the caller already trusts, not from a signed file (the issuing
    /// office checking its own output, tests). Auditors' trust comes
    /// through [`TrustStore::load`].
    pub fn with_keys(list: TrustList, revocations: &[PathBuf]) -> Result<TrustStore> {
        let mut store = TrustStore { list, revocations: Revocations::default(), districts: Vec::new(), pdf_certs: Vec::new(), tsa_certs: Vec::new() };
        for p in revocations {
            store.revocations.add(p, &store.list)?;
        }
        Ok(store)
    }

    /// The issuing office's own keys folder: its `trust.json` and the
    /// PDF-signing certificate beside each key (`<kid>.pdf.crt`), for the
    /// office checking its own output. Auditors' trust comes through
    /// [`TrustStore::load`].
    pub fn of_keys_folder(dir: &Path, revocations: &[PathBuf]) -> Result<TrustStore> {
        let list = TrustList::load(&dir.join("trust.json"))?;
        let mut pdf_certs = Vec::new();
        for k in list.trusted() {
            let path = crate::trust::pdfkey::cert_path(dir, &k.kid);
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            let der = crate::trust::pdfkey::read_cert_der(&path)?;
            let mut c = crate::trust::pdfkey::PdfCert::of(&k.issuer, &der).ok_or_else(|| Error::config(&path, "not a readable certificate"))?;
            // The chain the office signs with: a district root's is that root alone.
            let chain = crate::trust::pdfkey::chain_path(dir, &k.kid);
            if std::fs::symlink_metadata(&chain).is_ok() {
                if let [root] = crate::trust::pdfkey::pem_chain(&chain)?.as_slice() {
                    c.root = Some(root.clone());
                }
            }
            pdf_certs.push(c);
        }
        // The folder's own time-stamp authority, its earlier certificates
        // too (as `trust sign` lists them: never one it set aside).
        let mut tsa_certs = Vec::new();
        if let Some(district) = list.trusted().first().map(|k| k.issuer.clone()) {
            for p in crate::trust::tsa::folder_certificates(dir)? {
                let der = crate::trust::pdfkey::read_cert_der(&p)?;
                tsa_certs.push(crate::trust::tsa::TsaCert::of(&district, &der, None).ok_or_else(|| Error::config(&p, "not a readable certificate"))?);
            }
        }
        let mut store = TrustStore::with_keys(list, revocations)?;
        store.pdf_certs = pdf_certs;
        store.tsa_certs = tsa_certs;
        Ok(store)
    }

    /// The trust data of `issuer`'s district, if it came from a signed list.
    pub fn info(&self, issuer: &str) -> Option<&TrustInfo> {
        self.districts.iter().find(|d| d.district == issuer)
    }

    /// The store ready to judge documents (its keys decoded once).
    pub fn trust(&self) -> Trust<'_> {
        Trust::new(&self.list).with_revocations(&self.revocations).with_pdf_certificates(&self.pdf_certs).with_tsa_certificates(&self.tsa_certs)
    }
}

/// The newest list seen per district, kept by a verifier.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Memory {
    format: String,
    districts: BTreeMap<String, Seen>,
    /// The newest revocation list seen per issuer (and key that signed it).
    #[serde(default)]
    revocations: BTreeMap<String, Seen>,
    /// Each district's roots in the order first seen: once a new root's
    /// list was seen, trust data under an earlier root is older data.
    #[serde(default)]
    roots: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    sequence: u64,
    digest: String,
    /// When that list was signed (revocation lists), epoch seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_at: Option<i64>,
}


/// Check one list against what was seen under `key`: refused when older
/// (or different at the same number); `true` when it is newer and must be
/// recorded.
fn compare(memory: &BTreeMap<String, Seen>, key: &str, sequence: u64, digest: &str, what: &str) -> std::result::Result<bool, String> {
    match memory.get(key) {
        Some(seen) if seen.sequence > sequence => Err(format!("{what} is no. {sequence}, but no. {} was seen before (a rolled-back list)", seen.sequence)),
        Some(seen) if seen.sequence == sequence && seen.digest != digest => Err(format!("{what} no. {sequence} differs from the no. {sequence} seen before")),
        Some(seen) if seen.sequence == sequence => Ok(false),
        _ => Ok(true),
    }
}

/// The verifier's memory at `path` (a fresh one when there is none yet).
/// Its own errors name it, not the trust data checked against it.
fn read_memory(path: &Path) -> Result<Memory> {
    let named = |e: Error| match e {
        Error::Config { message, .. } => Error::config(path, format!("the trust memory (--trust-memory) cannot be used: {message}")),
        other => other,
    };
    match std::fs::symlink_metadata(path) {
        Ok(_) => {
            let bytes = crate::util::fs::read_limited(path, 4 << 20).map_err(named)?;
            serde_json::from_slice::<Memory>(&bytes).map_err(|e| named(Error::config(path, format!("not terbit's trust memory ({e}); move it away to start afresh"))))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Memory { format: "terbit-trust-memory/1".into(), ..Default::default() }),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Refuse a trust or revocation list older than (or different from, at
/// the same sequence) the newest one this verifier has seen, trust data
/// without the revocation list of a district whose list was seen, and a
/// district's new root unless `new_roots` names it; record newer ones.
fn remember(path: &Path, mut memory: Memory, districts: &[VerifiedTrust], revocations: &[RevocationList], new_roots: &[String]) -> Result<()> {
    let mut changed = false;
    for d in districts {
        let digest = hex::encode(d.digest);
        let fp = hex::encode(d.root.fingerprint);
        let roots = memory.roots.entry(d.district.clone()).or_default();
        // The newest root seen for the district, as people read fingerprints.
        let last_shown = roots.last().and_then(|r| hex::decode(r).ok()).and_then(|v| <[u8; 32]>::try_from(v).ok()).map(|f| show_fingerprint(&f)).unwrap_or_default();
        match roots.iter().position(|r| *r == fp) {
            Some(i) if i + 1 < roots.len() => {
                return Err(Error::config(
                    path,
                    format!(
                        "district {}'s root {} was replaced by root {}, seen after it: this is older trust data (a rolled-back list)",
                        d.district,
                        show_fingerprint(&d.root.fingerprint),
                        last_shown
                    ),
                ));
            }
            Some(_) => {}
            None if roots.is_empty() || new_roots.contains(&d.district) => {
                roots.push(fp);
                changed = true;
            }
            None => {
                return Err(Error::config(
                    path,
                    format!(
                        "district {}'s root would change from {} (seen before) to {}: a new root is trusted only when told — once the district has announced it and the fingerprint matches the one it publishes, verify again with --new-root {}",
                        d.district,
                        last_shown,
                        show_fingerprint(&d.root.fingerprint),
                        d.district
                    ),
                ));
            }
        }
        if memory.revocations.contains_key(&d.district) && !revocations.iter().any(|r| r.issuer == d.district) {
            let seen = &memory.revocations[&d.district];
            return Err(Error::config(
                path,
                format!(
                    "district {}'s revocation list no. {} was seen before, but this trust data carries none: without it revoked documents would read as genuine; give the district's newest revocation list",
                    d.district, seen.sequence
                ),
            ));
        }
        // Per district and root: a new root is a new anchor, pinned anew.
        let key = format!("{}:{}", d.district, hex::encode(d.root.fingerprint));
        if compare(&memory.districts, &key, d.sequence, &digest, &format!("district {}'s list", d.district)).map_err(|m| Error::config(path, m))? {
            memory.districts.insert(key, Seen { sequence: d.sequence, digest, signed_at: None });
            changed = true;
        }
    }
    for r in revocations {
        use sha2::Digest as _;
        let digest = hex::encode(sha2::Sha256::digest(r.cose.as_bytes()));
        // Per issuer, whichever key signed it: the register counts the
        // issuer's lists across key changes.
        let key = r.issuer.clone();
        let signed_at = r.updated_epoch();
        if let Some(seen_at) = memory.revocations.get(&key).and_then(|s| s.signed_at) {
            if r.sequence > memory.revocations[&key].sequence && signed_at < seen_at {
                return Err(Error::config(
                    path,
                    format!(
                        "district {}'s revocation list no. {} is dated {}, before the no. {} seen before: a list numbered after another is signed after it",
                        r.issuer, r.sequence, r.updated_at, memory.revocations[&key].sequence
                    ),
                ));
            }
        }
        if compare(&memory.revocations, &key, r.sequence, &digest, &format!("district {}'s revocation list", r.issuer)).map_err(|m| Error::config(path, m))? {
            memory.revocations.insert(key, Seen { sequence: r.sequence, digest, signed_at: Some(signed_at) });
            changed = true;
        }
    }
    if changed {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut text = serde_json::to_string_pretty(&memory).map_err(|e| Error::config(path, e.to_string()))?;
        text.push('\n');
        crate::util::fs::write_atomic(path, text.as_bytes())?;
    }
    Ok(())
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
    pdf_certs: &'a [crate::trust::pdfkey::PdfCert],
    tsa_certs: &'a [crate::trust::tsa::TsaCert],
}

impl<'a> Trust<'a> {
    /// The keys of `list`, with no revocation list.
    pub fn new(list: &'a TrustList) -> Trust<'a> {
        Trust { list, keys: list.trusted(), revocations: None, pdf_certs: &[], tsa_certs: &[] }
    }

    /// Judge documents against these revocations too.
    pub fn with_revocations(mut self, revocations: &'a Revocations) -> Trust<'a> {
        self.revocations = Some(revocations);
        self
    }

    /// Judge PDF files' signatures against these certificates too.
    pub fn with_pdf_certificates(mut self, certs: &'a [crate::trust::pdfkey::PdfCert]) -> Trust<'a> {
        self.pdf_certs = certs;
        self
    }

    /// Take time-stamps under these authorities' certificates as proof of time.
    pub fn with_tsa_certificates(mut self, certs: &'a [crate::trust::tsa::TsaCert]) -> Trust<'a> {
        self.tsa_certs = certs;
        self
    }

    /// The time-stamp authorities the trust lists name.
    pub fn tsa_certificates(&self) -> &[crate::trust::tsa::TsaCert] {
        self.tsa_certs
    }

    /// The PDF-signing certificates the trust lists hold.
    pub fn pdf_certificates(&self) -> &[crate::trust::pdfkey::PdfCert] {
        self.pdf_certs
    }

    pub(crate) fn find(&self, kid: &Kid) -> Option<TrustedKey> {
        self.keys.iter().find(|k| &k.kid == kid).cloned()
    }

    pub(crate) fn revocation(&self, issuer: &str, number: &str) -> Option<&Entry> {
        self.revocations.and_then(|r| r.get(issuer, number))
    }
}
