//! Auditing a run directory — untrusted input like any document.
//!
//! A run handed to an auditor may have been prepared by whoever wants it to
//! pass. So nothing in it is followed or trusted: every file is opened
//! relative to a held directory descriptor with `O_NOFOLLOW` (a symbolic
//! link is a finding, never a path to `/dev/zero` or `/etc`), opened
//! non-blocking and read only if it is a regular file (a FIFO cannot hang
//! the audit), and read up to a limit suited to what it is. The manifest is
//! read with a real CSV parser (quoted newlines are legal in it). The
//! documents are checked in parallel; the seal then says whether the run
//! as found — documents, manifest and print files — is what was sealed.

pub mod prove;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::Path;

use rayon::prelude::*;
use rustix::fs::{FileType, Mode, OFlags};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::util::show::clip_shown;
use super::{verify_pdf_documents, verify_pdf_hashing, Layouts, Trust, Verdict};
use crate::dk1::seal::{self, Hash};

/// Limits on what a run directory's files may make the audit read.
pub const MAX_MANIFEST: u64 = 1 << 30;
/// Largest `seal.json` read.
pub const MAX_SEAL: u64 = 1 << 20;
/// Largest document PDF read.
pub const MAX_DOCUMENT: u64 = 16 << 20;
/// Directories below the run (service point / kind / …).
const MAX_DEPTH: usize = 8;
/// Entries listed in the whole run directory.
const MAX_ENTRIES: usize = 20_000_000;

/// One problem found in a run directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunProblem {
    /// The file, relative to the run.
    pub file: String,
    /// What is wrong with it.
    pub problem: String,
}

/// What auditing a run directory found.
#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    /// Documents the manifest lists.
    pub documents: usize,
    /// Of those, genuine (file, signature, page and seal all hold).
    pub genuine: usize,
    /// Every problem found, file by file.
    pub problems: Vec<RunProblem>,
    /// Whether the batch seal holds for the files as they are now.
    pub seal_ok: bool,
    /// Why the seal check failed (empty when it holds).
    pub seal_problem: String,
    /// Print files checked (their sealed digests, or page by page).
    pub print_files: usize,
    /// The issuer the seal names (unverified until the seal holds).
    pub issuer: Option<String>,
    /// What the seal's time-stamp proves, in words, when it carries one
    /// and the seal holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal_stamp: Option<String>,
    /// Of `genuine`: documents of a revoked key without a stamp of their own
    /// from before its revocation, shown to have existed then by an
    /// independent authority's stamp on the run's seal.
    pub genuine_by_seal_stamp: usize,
    /// Documents renewed (PAdES B-LTA) whose renewals hold.
    pub renewed: usize,
    /// The newest of their archive time-stamps (RFC 3339), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_renewal: Option<String>,
}

impl RunReport {
    /// Whether nothing was found wrong: every document genuine, no problem, the seal holds.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.seal_ok
    }
}

/// One manifest row, as far as verification needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    /// Document number.
    pub number: String,
    /// The document's file, relative to the run.
    pub file: String,
    /// SHA-256 of the file (hex).
    pub sha256: String,
    /// The DK1 text.
    pub qr: String,
}

/// Why a run directory could not be audited at all (a run that can be read
/// is audited, and each problem found is in its [`RunReport`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// Not a directory that can be opened without following a link.
    #[error("{0}")]
    NotARun(String),
    /// Its manifest is missing, unreadable or not a terbit manifest.
    #[error("{0}")]
    Manifest(String),
    /// A run that never published a manifest: refused, or stopped (its
    /// `report.json`'s `not_done` says why, when it has one).
    #[error("{0}")]
    NeverFinished(String),
}

/// The most of a run's `report.json` read to say why it never finished.
const MAX_REPORT: u64 = 16 << 20;

/// Why a run folder without `manifest.csv` has none: refused or stopped
/// before it published anything (`None` when it has a manifest, or is no
/// run folder at all). The reasons come from its `report.json`, shown
/// like any untrusted text.
fn never_finished(root: &OwnedFd) -> Option<RunError> {
    if !matches!(open_file(root, "manifest.csv", MAX_MANIFEST), Err(Unread::Missing)) {
        return None;
    }
    let report = read_file(root, "report.json", MAX_REPORT).ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    let why: Vec<String> = report
        .as_ref()
        .and_then(|r| r.get("not_done"))
        .and_then(|n| n.as_array())
        .map(|list| list.iter().filter_map(|n| n.get("message").and_then(|m| m.as_str())).map(|m| clip_shown(m, 600)).collect())
        .unwrap_or_default();
    Some(RunError::NeverFinished(match (report.is_some(), why.is_empty()) {
        (true, false) => format!("the run was refused and never finished: it issued nothing to verify (no manifest.csv). report.json's not_done says why: {}", why.join("; ")),
        (true, true) => "the run never finished: it has a report but no manifest.csv (it was stopped before publishing its documents; running the same issue command again finishes it)".into(),
        (false, _) => "the run never finished: it has no manifest.csv (it was stopped before publishing its documents, or this is not a run folder)".into(),
    }))
}

/// A directory of the run, held open.
fn open_dir(at: &impl std::os::fd::AsFd, name: &str) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(at, name, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())
}

/// The run directory itself, opened without following a link at its end.
pub fn open_root(dir: &Path) -> Result<OwnedFd, RunError> {
    open_dir(&rustix::fs::CWD, &dir.to_string_lossy()).map_err(|e| match e {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => RunError::NotARun(format!("{}: not a run directory (a link or a file; links are not followed)", clip_shown(&dir.display().to_string(), 200))),
        e => RunError::NotARun(format!("{}: {}", clip_shown(&dir.display().to_string(), 200), std::io::Error::from(e))),
    })
}

/// Why a file of the run could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// There is no such file.
    Missing,
    /// It is a symbolic link (never followed).
    Link,
    /// It is not a regular file (a folder, FIFO or device).
    NotAFile,
    /// It is larger than the audit reads (the limit in bytes).
    TooLarge(u64),
    /// Its path is not a plain relative one below the run (never opened).
    Unsafe,
    /// It could not be read.
    Io(String),
}

impl std::fmt::Display for Unread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unread::Missing => f.write_str("missing"),
            Unread::Link => f.write_str("a symbolic link (not followed)"),
            Unread::NotAFile => f.write_str("not a regular file (not read)"),
            Unread::TooLarge(max) => write!(f, "larger than {} MiB (not read)", max >> 20),
            Unread::Unsafe => f.write_str("not a plain path below the run (`..`, `.`, an absolute or empty part): refused"),
            Unread::Io(e) => f.write_str(e),
        }
    }
}

fn unread(e: rustix::io::Errno) -> Unread {
    match e {
        rustix::io::Errno::NOENT => Unread::Missing,
        rustix::io::Errno::LOOP | rustix::io::Errno::MLINK => Unread::Link,
        rustix::io::Errno::NOTDIR => Unread::NotAFile,
        other => Unread::Io(std::io::Error::from(other).to_string()),
    }
}

/// The folder that holds `rel` (a relative path of normal components)
/// below `root`, each folder opened without following a link, and the
/// file's name in it.
pub fn open_parent<'a>(root: &OwnedFd, rel: &'a str) -> Result<(Option<OwnedFd>, &'a str), Unread> {
    // Never `..`, `.`, an absolute path or an empty part: below the run only.
    if !safe_path(rel) {
        return Err(Unread::Unsafe);
    }
    let parts: Vec<&str> = rel.split('/').collect();
    let (name, dirs) = parts.split_last().ok_or(Unread::Missing)?;
    let mut held: Option<OwnedFd> = None;
    for d in dirs {
        let next = match &held {
            None => open_dir(root, d),
            Some(h) => open_dir(h, d),
        };
        held = Some(next.map_err(unread)?);
    }
    Ok((held, name))
}

/// Open `rel` (a relative path of normal components) below `root` without
/// following any link; a regular file only.
fn open_file(root: &OwnedFd, rel: &str, max: u64) -> Result<(std::fs::File, u64), Unread> {
    let (held, name) = open_parent(root, rel)?;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = match &held {
        None => rustix::fs::openat(root, name, flags, Mode::empty()),
        Some(h) => rustix::fs::openat(h, name, flags, Mode::empty()),
    }
    .map_err(unread)?;
    let st = rustix::fs::fstat(&fd).map_err(unread)?;
    if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
        return Err(Unread::NotAFile);
    }
    let size = st.st_size.max(0) as u64;
    if size > max {
        return Err(Unread::TooLarge(max));
    }
    Ok((std::fs::File::from(fd), size))
}

/// Read `rel` below `root` whole (opened as `open_file` opens it: no link followed, regular files only).
pub fn read_file(root: &OwnedFd, rel: &str, max: u64) -> Result<Vec<u8>, Unread> {
    let (f, size) = open_file(root, rel, max)?;
    let mut out = Vec::with_capacity(size.min(max) as usize);
    // The file may grow after fstat: never read past the limit.
    f.take(max + 1).read_to_end(&mut out).map_err(|e| Unread::Io(e.to_string()))?;
    if out.len() as u64 > max {
        return Err(Unread::TooLarge(max));
    }
    Ok(out)
}

/// SHA-256 of `rel` below `root`, streamed.
fn digest_file(root: &OwnedFd, rel: &str, max: u64) -> Result<Hash, Unread> {
    let (f, _) = open_file(root, rel, max)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut r = f.take(max + 1);
    let mut total = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(|e| Unread::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    if total > max {
        return Err(Unread::TooLarge(max));
    }
    Ok(h.finalize().into())
}

/// RFC 4180 CSV, as [`crate::util::csvin`] reads it: records of fields;
/// quoted fields may hold commas, quotes (doubled) and newlines; empty
/// lines are no records. `Err((line, message))` for malformed input.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, (usize, String)> {
    let mut rows = Vec::new();
    each_csv_row(text, |_, row| rows.push(row))?;
    Ok(rows)
}

/// As [`parse_csv`], one record at a time with the line it starts on:
/// a manifest of 200,000 rows is never held as rows all at once.
pub fn each_csv_row(text: &str, mut f: impl FnMut(usize, Vec<String>)) -> Result<(), (usize, String)> {
    use crate::util::csvin::{CsvError, Limits, Reader};
    let mut records = Reader::new(text.as_bytes(), Limits::default());
    let line = |l: u64| usize::try_from(l).unwrap_or(usize::MAX);
    while let Some(rec) = records.next() {
        match rec {
            Ok(rec) => f(line(rec.line), rec.to_vec()),
            Err(e) => {
                let what = match &e {
                    CsvError::Unclosed { .. } => "a quoted field is never closed".to_string(),
                    CsvError::TextAfterQuote { .. } => "text after a closing quote".to_string(),
                    CsvError::QuoteInUnquoted { .. } => "a quote inside an unquoted field".to_string(),
                    CsvError::LoneCr { .. } => "a carriage return inside a field".to_string(),
                    CsvError::NotUtf8 { byte, .. } => format!("byte {byte} is not UTF-8"),
                    CsvError::RecordTooLarge { limit, .. } => format!("a row of more than {limit} bytes"),
                    CsvError::TooManyFields { limit, .. } => format!("a row of more than {limit} fields"),
                };
                return Err((line(e.line()), what));
            }
        }
    }
    Ok(())
}

/// A manifest's bytes as text, or where they stop being UTF-8 (line and
/// byte, from 1).
pub fn manifest_text(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
        format!("manifest.csv:{line}: not UTF-8 text (byte {} of the file)", at + 1)
    })
}

/// A run's `manifest.csv`: its bytes and rows (columns found by header
/// name; `None` for a row that lacks a column).
pub fn read_manifest(dir: &Path) -> Result<(Vec<u8>, Vec<Option<ManifestRow>>), RunError> {
    manifest_of(&open_root(dir)?)
}

pub(super) fn manifest_of(root: &OwnedFd) -> Result<(Vec<u8>, Vec<Option<ManifestRow>>), RunError> {
    let bytes = read_file(root, "manifest.csv", MAX_MANIFEST).map_err(|e| RunError::Manifest(format!("manifest.csv: {e}")))?;
    let text = manifest_text(&bytes).map_err(RunError::Manifest)?;
    let mut rows = parse_csv(text).map_err(|(line, m)| RunError::Manifest(format!("manifest.csv:{line}: {m}")))?.into_iter();
    let header = rows.next().unwrap_or_default();
    let idx = |name: &str| header.iter().position(|h| h == name);
    let (Some(i_num), Some(i_file), Some(i_sha), Some(i_qr)) = (idx("document_number"), idx("file"), idx("sha256"), idx("qr")) else {
        return Err(RunError::Manifest(format!("manifest.csv: not a terbit manifest (header {})", clip_shown(&header.join(","), 120))));
    };
    let rows = rows
        .map(|row| {
            let col = |i: usize| row.get(i).cloned();
            Some(ManifestRow { number: col(i_num)?, file: col(i_file)?, sha256: col(i_sha)?, qr: col(i_qr)? })
        })
        .collect();
    Ok((bytes, rows))
}

/// A run's `seal.json`, or why it cannot be read.
pub type SealRead = Result<seal::BatchSeal, String>;

/// A run's `manifest.csv` bytes and its `seal.json` (`None` when it has
/// none; `Err` naming why it cannot be read), read as the audit reads
/// them, without the documents: `terbit register check` checks the seal
/// against the manifest's own rows. A run without a manifest is
/// [`RunError::NeverFinished`].
pub fn manifest_and_seal(dir: &Path) -> Result<(Vec<u8>, Option<SealRead>), RunError> {
    let root = open_root(dir)?;
    if let Some(e) = never_finished(&root) {
        return Err(e);
    }
    let bytes = read_file(&root, "manifest.csv", MAX_MANIFEST).map_err(|e| RunError::Manifest(format!("manifest.csv: {e}")))?;
    let seal = match read_file(&root, "seal.json", MAX_SEAL) {
        Err(Unread::Missing) => None,
        Err(e) => Some(Err(format!("seal.json: {e}"))),
        Ok(b) => Some(serde_json::from_slice::<seal::BatchSeal>(&b).map_err(|e| format!("seal.json is not a batch seal: {}", clip_shown(&e.to_string(), 120)))),
    };
    Ok((bytes, seal))
}

/// A manifest path the audit may open: relative, normal components only.
pub fn safe_path(file: &str) -> bool {
    !file.is_empty()
        && file.len() <= 4096
        && file.split('/').all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\0'))
        && !file.chars().any(crate::util::show::is_hidden)
}

/// What one manifest row's document gave.
struct Checked {
    leaf: Hash,
    issues: Vec<String>,
    /// Its one issue is its key's revocation with no stamp of its own from
    /// before it: an independent stamp on the run's seal from before may
    /// still prove it was made in time.
    revocation_only: bool,
    /// Its newest archive time-stamp's time, when it is renewed and genuine.
    renewed: Option<String>,
}

fn check_row(root: &OwnedFd, row: &ManifestRow, trust: &Trust, layouts: &Layouts) -> Checked {
    let mut issues = Vec::new();
    if !safe_path(&row.file) {
        issues.push("unsafe path in the manifest".into());
        return Checked { leaf: seal::leaf(&row.number, "missing"), issues, revocation_only: false, renewed: None };
    }
    let bytes = match read_file(root, &row.file, MAX_DOCUMENT) {
        Ok(b) => b,
        Err(e) => {
            issues.push(e.to_string());
            return Checked { leaf: seal::leaf(&row.number, "missing"), issues, revocation_only: false, renewed: None };
        }
    };
    // The manifest's QR text: the drawn QR is recognised by its exact bits
    // (and read in full if they are not that text's encoding). The file's
    // SHA-256 comes from the same pass as its signature's digest.
    let (said, digest) = verify_pdf_hashing(&bytes, trust, layouts, Some(&row.qr));
    let actual = hex::encode(digest);
    let leaf = seal::leaf(&row.number, &actual);
    if actual != row.sha256 {
        issues.push("altered (SHA-256 differs from the manifest)".into());
    }
    let mut revocation_only = false;
    let mut renewed = None;
    match said {
        Err(r) => issues.push(format!("invalid: {}", r.verdict.reason().unwrap_or(""))),
        Ok(docs) if docs.len() != 1 => issues.push(format!("the file holds {} documents (or pages without their QR), not one", docs.len())),
        Ok(docs) => {
            let r = &docs[0].report;
            match &r.verdict {
                Verdict::Genuine if r.qr.as_deref() != Some(row.qr.as_str()) => issues.push("the QR drawn differs from the manifest's".into()),
                Verdict::Genuine if r.number() != Some(row.number.as_str()) => issues.push("the QR is for another document number".into()),
                Verdict::Genuine => renewed = r.renewals.last().map(|t| t.existed_by.clone()),
                v => {
                    let code = crate::verify::signature::reasons::code(v.reason().unwrap_or(""));
                    revocation_only = issues.is_empty() && matches!(v, Verdict::Invalid(_)) && matches!(code, "stamped-after-revocation" | "revoked-not-stamped" | "revoked-district-stamp");
                    issues.push(v.said_lower());
                }
            }
        }
    }
    Checked { leaf, issues, revocation_only, renewed }
}

/// Check a run directory: every manifest row's file exists with its
/// SHA-256, its pages show what its QR signs and that QR is the manifest's;
/// numbers are unique; no PDF is present that the manifest does not list;
/// every print file is the sealed one (or, if not, which of its pages is
/// wrong); and the batch seal's signed figures match the run as found.
pub fn verify_run(dir: &Path, trust: &Trust, layouts: &Layouts) -> Result<RunReport, RunError> {
    let t = std::time::Instant::now();
    let root = open_root(dir)?;
    let (manifest, rows) = manifest_of(&root).map_err(|e| never_finished(&root).unwrap_or(e))?;
    tracing::debug!(seconds = t.elapsed().as_secs_f64(), "audit: manifest read");
    let mut report = RunReport::default();
    let keys = trust;
    // The listing and the print files' digests run beside the documents'
    // checks: on their own they were ~4% of an audit's time, all serial.
    let seal = read_file(&root, "seal.json", MAX_SEAL)
        .map_err(|e| format!("seal.json: {e}"))
        .and_then(|b| serde_json::from_slice::<seal::BatchSeal>(&b).map_err(|e| format!("seal.json is not a batch seal: {}", clip_shown(&e.to_string(), 120))));
    report.issuer = seal.as_ref().ok().map(|s| clip_shown(&s.issuer, 8));
    let (checked, (found, listing_problems, digests)) = rayon::join(
        || rows.par_iter().map(|row| row.as_ref().map(|r| check_row(&root, r, keys, layouts))).collect::<Vec<Option<Checked>>>(),
        || {
            let mut problems = Vec::new();
            let found = list_pdfs(&root, &mut problems);
            let digests: Vec<(String, Result<Hash, Unread>)> = found.iter().filter(|p| p.starts_with("print/")).map(|rel| (rel.clone(), digest_file(&root, rel, u64::MAX >> 1))).collect();
            (found, problems, digests)
        },
    );
    tracing::debug!(seconds = t.elapsed().as_secs_f64(), "audit: documents checked, run listed, print files hashed");
    let mut listed = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    // Documents whose one issue is their key's revocation, until the seal says.
    let mut pending: Vec<RunProblem> = Vec::new();
    let mut leaves = Vec::with_capacity(rows.len());
    for (n, (row, checked)) in rows.iter().zip(checked).enumerate() {
        let (Some(row), Some(mut c)) = (row, checked) else {
            report.problems.push(RunProblem { file: format!("manifest.csv row {}", n + 2), problem: "malformed row".into() });
            continue;
        };
        report.documents += 1;
        if !numbers.insert(row.number.clone()) {
            c.issues.push(format!("document number {} appears twice in the manifest", clip_shown(&row.number, 60)));
        }
        if safe_path(&row.file) && !listed.insert(row.file.clone()) {
            c.issues.push("listed twice in the manifest".into());
        }
        leaves.push(c.leaf);
        if c.issues.is_empty() {
            report.genuine += 1;
            if let Some(t) = c.renewed {
                report.renewed += 1;
                // RFC 3339 in UTC: the text's order is the time's.
                if report.last_renewal.as_ref().is_none_or(|l| *l < t) {
                    report.last_renewal = Some(t);
                }
            }
        } else if c.revocation_only && c.issues.len() == 1 {
            pending.push(RunProblem { file: clip_shown(&row.file, 200), problem: c.issues.join("; ") });
        } else {
            report.problems.push(RunProblem { file: clip_shown(&row.file, 200), problem: c.issues.join("; ") });
        }
    }
    report.problems.extend(listing_problems);
    let mut extra = 0;
    for rel in found.iter().filter(|p| !p.starts_with("print/")) {
        if !listed.contains(rel) {
            extra += 1;
            report.problems.push(RunProblem { file: clip_shown(rel, 200), problem: "not listed in the manifest".into() });
        }
    }
    // Print files: the sealed digest says they are untouched; one that
    // differs is read page by page to say which page is wrong.
    let mut prints: BTreeMap<String, Hash> = BTreeMap::new();
    let sealed_prints = seal.as_ref().map(|s| s.print_files.clone()).unwrap_or_default();
    for (rel, digest) in digests {
        report.print_files += 1;
        match digest {
            Ok(h) => {
                let sealed = |h: &Hash| sealed_prints.get(&rel) == Some(&hex::encode(h));
                // A renewed print file (PAdES B-LTA): its sealed part is
                // the sealed file, and each renewal after it must hold.
                let h = match (sealed(&h), report.issuer.as_deref()) {
                    (true, _) | (false, None) => h,
                    (false, Some(issuer)) => match renewed_print(&root, &rel, keys, issuer) {
                        Some((part, Ok(()))) if sealed(&part) => part,
                        Some((part, Err(why))) if sealed(&part) => {
                            report.problems.push(RunProblem { file: clip_shown(&rel, 200), problem: why });
                            part
                        }
                        _ => h,
                    },
                };
                prints.insert(rel.clone(), h);
                if !sealed(&h) {
                    check_print_file(&root, &rel, keys, layouts, &mut report.problems);
                }
            }
            Err(e) => report.problems.push(RunProblem { file: clip_shown(&rel, 200), problem: e.to_string() }),
        }
    }
    let manifest_sha: Hash = Sha256::digest(&manifest).into();
    let checked = seal.and_then(|s| s.check(trust.list, &leaves, &manifest_sha, &prints).map_err(|e| e.to_string()).map(|_| s)).and_then(|s| match extra {
        0 => Ok(s),
        n => Err(format!("{n} PDF(s) present that the sealed run does not contain")),
    });
    // The seal's time-stamp, once the seal holds: when the run existed.
    let checked = checked.and_then(|s| {
        seal_stamp(&s, trust).map(|said| {
            let before_revocation = said.as_ref().is_some_and(|st| st.independent_before_revocation);
            report.seal_stamp = said.map(|st| st.words);
            before_revocation
        })
    });
    // An independent authority's stamp on the sealed run from before its
    // key's revocation proves every sealed document existed then.
    match &checked {
        Ok(true) => {
            report.genuine += pending.len();
            report.genuine_by_seal_stamp = pending.len();
        }
        _ => report.problems.extend(pending),
    }
    let checked = checked.map(|_| ());
    match checked {
        Ok(()) => report.seal_ok = true,
        Err(e) => report.seal_problem = e,
    }
    Ok(report)
}

/// The seal's time-stamp judged: `None` when it carries none, the words of
/// what it proves when it holds, or why it does not (the seal then fails:
/// an unexplained token in a sealed run is something added to it).
/// What the seal's time-stamp says: in words, and whether an independent
/// authority (not the district's own) stamped it before the seal's key was
/// revoked.
struct SealStamp {
    words: String,
    independent_before_revocation: bool,
}

fn seal_stamp(seal: &seal::BatchSeal, trust: &Trust) -> Result<Option<SealStamp>, String> {
    let Some(text) = &seal.time_stamp else { return Ok(None) };
    let token = hex::decode(text).ok().filter(|t| t.len() <= 64 << 10).ok_or("seal.json's time_stamp is not a token (hex, at most 64 KiB)")?;
    let cose = hex::decode(&seal.cose).map_err(|_| "seal.json's cose is not hex")?;
    let stamp = crate::pdf::token::read(&token, &cose).map_err(|why| format!("the seal's time-stamp: {why}"))?;
    let Some(a) = crate::trust::tsa::authority_of(trust.tsa_certificates(), &stamp.spki, &seal.issuer, stamp.at) else {
        return Err("the seal's time-stamp is from an authority no district's trust list names".into());
    };
    // As for a document's: not before the seal's claimed time, less a day
    // (the issue date's first second, UTC, and a night run where the office is).
    let claimed = chrono::DateTime::parse_from_rfc3339(&seal.issued_at).map(|t| t.timestamp()).unwrap_or(i64::MAX);
    if stamp.at < claimed.saturating_sub(86_400) {
        return Err(format!("the seal's time-stamp ({}) is earlier than the seal's claimed time: a stamp is never made before what it stamps", crate::dk1::keys::rfc3339(stamp.at)));
    }
    if a.district != seal.issuer || a.forged_issuer || !a.for_time_stamping || stamp.at < a.not_before || stamp.at >= a.not_after {
        return Err(format!("the seal's time-stamp is not one district {}'s listed authority could make (another district's, a planted certificate, no critical timeStamping usage, or outside its certificate)", clip_shown(&seal.issuer, 8)));
    }
    // Against back-dating: an independent authority's stamp on the seal
    // after the seal's key was revoked says the run was made then, whatever
    // its documents' own stamps (the district authority's, whose key a
    // thief of the keys folder holds too) claim.
    let revoked = super::revoked_from(trust, Some(&seal.kid));
    if !a.by_district_root {
        if let Some(r) = revoked {
            if stamp.at >= r {
                return Err(format!(
                    "the seal is time-stamped {} by an independent authority ({}), when its key was already revoked (from {}): the run was made after the revocation, whatever its documents' own time-stamps claim",
                    crate::dk1::keys::rfc3339(stamp.at),
                    a.name,
                    crate::dk1::keys::rfc3339(r)
                ));
            }
        }
    }
    Ok(Some(SealStamp {
        words: format!("time-stamped {} by {} (named in district {}'s trust list): the whole run existed by then", crate::dk1::keys::rfc3339(stamp.at), a.name, a.district),
        independent_before_revocation: !a.by_district_root && revoked.is_some_and(|r| stamp.at < r),
    }))
}

/// A print file with renewals: the digest of its sealed part, and whether
/// its renewals hold (for a document of `issuer`). `None` when it has no
/// renewals or is not one terbit wrote.
fn renewed_print(root: &OwnedFd, rel: &str, trust: &Trust, issuer: &str) -> Option<(Hash, Result<(), String>)> {
    let bytes = read_file(root, rel, super::MAX_PDF).ok()?;
    let archive = crate::pdf::archive::read(&bytes).ok().filter(|a| !a.renewals.is_empty())?;
    let sealed = &bytes[..archive.sealed_len];
    let part: Hash = Sha256::digest(sealed).into();
    let stamp = match super::signature::pades::check(sealed) {
        super::signature::pades::FileSignature::Holds { stamp, .. } => stamp,
        _ => None,
    };
    Some((part, super::signature::archive::judge(&archive, trust.tsa_certificates(), issuer, stamp.as_ref()).map(|_| ())))
}

/// A print file that is not the sealed one: every page checked.
fn check_print_file(root: &OwnedFd, rel: &str, trust: &Trust, layouts: &Layouts, problems: &mut Vec<RunProblem>) {
    let file = clip_shown(rel, 200);
    let bytes = match read_file(root, rel, super::MAX_PDF) {
        Ok(b) => b,
        Err(e) => {
            problems.push(RunProblem { file, problem: format!("differs from the sealed print file, and cannot be read page by page: {e}") });
            return;
        }
    };
    match verify_pdf_documents(&bytes, trust, layouts, None) {
        Err(r) => problems.push(RunProblem { file, problem: format!("invalid: {}", r.verdict.reason().unwrap_or("")) }),
        Ok(docs) => {
            let mut bad = 0;
            for d in docs.iter().filter(|d| !d.report.verdict.is_genuine()) {
                bad += 1;
                problems.push(RunProblem {
                    file: format!("{file} page {}", d.first_page),
                    problem: d.report.verdict.said_lower(),
                });
            }
            if bad == 0 {
                problems.push(RunProblem { file, problem: "differs from the sealed print file (every page verifies: pages were added, removed, reordered or re-saved)".into() });
            }
        }
    }
}

/// Whether a file name ends in `.pdf`, in any case.
fn is_pdf_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 4 && b[b.len() - 4..].eq_ignore_ascii_case(b".pdf")
}

/// Every `.pdf` (in any case) below the run, as relative paths, without
/// following links; links and special files are reported, not entered.
fn list_pdfs(root: &OwnedFd, problems: &mut Vec<RunProblem>) -> Vec<String> {
    let mut out = Vec::new();
    let mut entries = 0usize;
    let mut stack: Vec<(String, OwnedFd, usize)> = match rustix::fs::openat(root, ".", OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()) {
        Ok(fd) => vec![(String::new(), fd, 0)],
        Err(_) => return out,
    };
    while let Some((prefix, fd, depth)) = stack.pop() {
        let Ok(dir) = rustix::fs::Dir::read_from(&fd) else { continue };
        for e in dir.flatten() {
            entries += 1;
            if entries > MAX_ENTRIES {
                problems.push(RunProblem { file: ".".into(), problem: format!("more than {MAX_ENTRIES} entries: the rest was not listed") });
                return out;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if name == "." || name == ".." {
                continue;
            }
            let rel = format!("{prefix}{name}");
            let kind = match e.file_type() {
                FileType::Unknown => rustix::fs::statat(&fd, e.file_name(), rustix::fs::AtFlags::SYMLINK_NOFOLLOW).map(|s| FileType::from_raw_mode(s.st_mode)).unwrap_or(FileType::Unknown),
                k => k,
            };
            match kind {
                FileType::Directory if depth < MAX_DEPTH => {
                    if let Ok(sub) = open_dir(&fd, &name) {
                        stack.push((format!("{rel}/"), sub, depth + 1));
                    }
                }
                FileType::Directory => problems.push(RunProblem { file: clip_shown(&rel, 200), problem: "folders nested too deeply (not entered)".into() }),
                // Any case: a viewer opens `x.PDF` as readily as `x.pdf`.
                FileType::RegularFile if is_pdf_name(&name) => out.push(rel),
                FileType::RegularFile => {}
                FileType::Symlink => problems.push(RunProblem { file: clip_shown(&rel, 200), problem: "a symbolic link (not followed): a run holds none".into() }),
                _ if is_pdf_name(&name) => problems.push(RunProblem { file: clip_shown(&rel, 200), problem: "not a regular file (not read)".into() }),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_hold_quotes_commas_and_newlines() {
        let rows = parse_csv("a,b\r\n\"x,1\",\"line\nbreak \"\"q\"\"\"\n,\n").unwrap();
        assert_eq!(rows, vec![vec!["a", "b"], vec!["x,1", "line\nbreak \"q\""], vec!["", ""]]);
        assert_eq!(parse_csv("a,\"open\nb").unwrap_err().0, 1);
        assert_eq!(parse_csv("a,b\nx\"y\n").unwrap_err().0, 2);
        assert_eq!(parse_csv("last,row").unwrap(), vec![vec!["last", "row"]]);
        assert_eq!(parse_csv("a\n\"x\"y\n").unwrap_err(), (2, "text after a closing quote".to_string()));
        assert_eq!(parse_csv("a\nb\rc\n").unwrap_err(), (2, "a carriage return inside a field".to_string()));
    }

    #[test]
    fn run_files_are_read_without_following_links_or_blocking() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("SP")).unwrap();
        std::fs::write(d.path().join("SP/a.pdf"), b"pdf").unwrap();
        std::os::unix::fs::symlink("/dev/zero", d.path().join("zero.pdf")).unwrap();
        std::os::unix::fs::symlink(d.path().join("SP"), d.path().join("linked")).unwrap();
        rustix::fs::mknodat(rustix::fs::CWD, d.path().join("fifo.pdf"), FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
        let root = open_root(d.path()).unwrap();
        assert_eq!(read_file(&root, "SP/a.pdf", 10).unwrap(), b"pdf");
        assert_eq!(read_file(&root, "SP/a.pdf", 2).unwrap_err(), Unread::TooLarge(2));
        assert_eq!(read_file(&root, "zero.pdf", 1 << 20).unwrap_err(), Unread::Link);
        assert!(matches!(read_file(&root, "linked/a.pdf", 1 << 20).unwrap_err(), Unread::NotAFile | Unread::Link));
        assert_eq!(read_file(&root, "fifo.pdf", 1 << 20).unwrap_err(), Unread::NotAFile);
        assert_eq!(read_file(&root, "nope.pdf", 10).unwrap_err(), Unread::Missing);
        let mut problems = Vec::new();
        assert_eq!(list_pdfs(&root, &mut problems), vec!["SP/a.pdf"]);
        let mut said: Vec<&str> = problems.iter().map(|p| p.file.as_str()).collect();
        said.sort();
        assert_eq!(said, ["fifo.pdf", "linked", "zero.pdf"]);
    }

    #[test]
    fn a_run_without_a_manifest_is_said_to_have_never_finished_and_why() {
        let d = tempfile::tempdir().unwrap();
        let trust = crate::dk1::keys::TrustList { keys: vec![] };
        let audit = |d: &Path| verify_run(d, &crate::trust::store::Trust::new(&trust), crate::verify::standard_layouts()).unwrap_err().to_string();
        let e = audit(d.path());
        assert!(e.contains("never finished") && e.contains("no manifest.csv"), "{e}");
        std::fs::write(d.path().join("report.json"), r#"{"not_done": [{"reason": "refused", "message": "batch refused: 8 of the 10 applications\u001b[2J were rejected"}]}"#).unwrap();
        let e = audit(d.path());
        assert!(e.starts_with("the run was refused and never finished") && e.contains("not_done says why: batch refused: 8 of the 10"), "{e}");
        assert!(!e.contains('\u{1b}') && !e.contains("manifest.csv: missing"), "{e}");
        // A manifest there but damaged is still that.
        std::fs::write(d.path().join("manifest.csv"), "x,y\n").unwrap();
        assert!(audit(d.path()).contains("not a terbit manifest"));
    }

    #[test]
    fn a_manifest_that_is_not_utf8_is_named_by_line() {
        assert_eq!(manifest_text(b"a,b\nc,\xff\n"), Err("manifest.csv:2: not UTF-8 text (byte 7 of the file)".to_string()));
        assert_eq!(manifest_text(b"a,b\n"), Ok("a,b\n"));
    }

    #[test]
    fn pdf_names_are_told_in_any_case() {
        assert!(is_pdf_name("a.pdf") && is_pdf_name("x.PDF") && is_pdf_name("y.Pdf"));
        assert!(!is_pdf_name("a.pdf.bak") && !is_pdf_name("pdf") && !is_pdf_name("é.pd"));
    }

    #[test]
    fn manifest_paths_stay_inside_the_run() {
        for bad in ["", "/etc/passwd", "../x.pdf", "a/../../x.pdf", "a//b.pdf", "./a.pdf", "a\u{1b}.pdf"] {
            assert!(!safe_path(bad), "{bad:?}");
        }
        assert!(safe_path("DUKCAPIL/birth/3506-LU-23112026-0001.pdf"));
    }
}
