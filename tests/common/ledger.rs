//! What a night left, read back for the end-to-end checks that do not
//! depend on the register's back end: the batch's applications, the
//! manifests' rows and the rejects, and the invariants between them —
//! every application in exactly one of a manifest or the rejects, no
//! number twice, serials without gaps per series (kind, scope, issue
//! date: the register's `serials` key; the scope is the regency, or a
//! family card's district, its number's first six digits).
//!
//! Shared by the tests that stop runs (tests/register_postgresql.rs);
//! tests/crash.rs reads its SQLite register directly.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use terbit::util::csvin::split_line;

/// One manifest row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Issued {
    pub(crate) number: String,
    pub(crate) application_id: String,
    pub(crate) kind: String,
    pub(crate) service_point: String,
    /// The document's file, relative to its run folder.
    pub(crate) file: String,
    pub(crate) sha256: String,
    /// The manifest it is listed in.
    pub(crate) manifest: PathBuf,
}

/// One reject row: application ID and rule code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rejected {
    pub(crate) application_id: String,
    pub(crate) rule: String,
}

/// A CSV file's rows as maps of its header's names (no embedded newlines
/// in what terbit writes or the samples hold).
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = split_line(lines.next().unwrap_or(""));
    lines.filter(|l| !l.is_empty()).map(|l| header.iter().cloned().zip(split_line(l)).collect()).collect()
}

/// The run folders under `out` (each a directory).
pub(crate) fn run_dirs(out: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else { return Vec::new() };
    let mut v: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

/// Every manifest row of every finished run under each of `outs`.
pub(crate) fn manifests(outs: &[&Path]) -> Vec<Issued> {
    let mut all = Vec::new();
    for out in outs {
        for run in run_dirs(out) {
            let manifest = run.join("manifest.csv");
            if !manifest.is_file() {
                continue;
            }
            for r in csv_rows(&manifest) {
                all.push(Issued {
                    number: r["document_number"].clone(),
                    application_id: r["application_id"].clone(),
                    kind: r["kind"].clone(),
                    service_point: r["service_point"].clone(),
                    file: r["file"].clone(),
                    sha256: r["sha256"].clone(),
                    manifest: manifest.clone(),
                });
            }
        }
    }
    all
}

/// Every reject row of the run folders under each of `outs` that finished
/// (a manifest), by kind of the batch file it came from: the kind is the
/// file's stem (`birth.csv` → `birth`) in the `source` column.
pub(crate) fn rejects(outs: &[&Path]) -> BTreeMap<String, Vec<Rejected>> {
    let mut all: BTreeMap<String, Vec<Rejected>> = BTreeMap::new();
    for out in outs {
        for run in run_dirs(out).into_iter().filter(|r| r.join("manifest.csv").is_file()) {
            let path = run.join("rejects.csv");
            if !path.is_file() {
                continue;
            }
            for r in csv_rows(&path) {
                all.entry(kind_of_source(&r["source"])).or_default().push(Rejected { application_id: unneutralised(&r["application_id"]), rule: r["rule"].clone() });
            }
        }
    }
    all
}

/// A cell as written before terbit's formula neutralisation (a leading
/// `'` before `=`, `+`, `-`, `@` or a control character).
fn unneutralised(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) || rest.starts_with(char::is_control) => rest.to_string(),
        _ => cell.to_string(),
    }
}

/// `…/birth-A.csv:12` → `birth`: the batch files are named by kind, a
/// host's part with a `-<host>` suffix.
fn kind_of_source(source: &str) -> String {
    let file = source.rsplit_once(':').map_or(source, |(f, _)| f);
    let stem = Path::new(file).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    stem.split('-').next().unwrap_or_default().to_string()
}

/// The application IDs of a batch file (one application may span rows: a
/// family card's members), in order, each once, as terbit's outputs show
/// them (hidden characters as `\u{…}`, util/show.rs).
pub(crate) fn applications(batch: &Path) -> Vec<String> {
    let mut seen = BTreeSet::new();
    csv_rows(batch).into_iter().map(|r| terbit::util::show::shown(&r["application_id"])).filter(|a| !a.is_empty() && seen.insert(a.clone())).collect()
}

/// The series a number belongs to (kind, scope, issue date) and its serial.
pub(crate) fn series_of(kind: &str, number: &str) -> Option<((String, String, String), i64)> {
    if let [scope, _letters, date, serial] = number.split('-').collect::<Vec<_>>()[..] {
        return Some(((kind.to_string(), scope.to_string(), date.to_string()), serial.parse().ok()?));
    }
    // A KK number: district (6) + DDMMYY (6) + serial (4).
    if number.len() == 16 && number.bytes().all(|b| b.is_ascii_digit()) {
        return Some(((kind.to_string(), number[..6].to_string(), number[6..12].to_string()), number[12..].parse().ok()?));
    }
    None
}

/// No number twice, none unreadable, and each series' serials exactly
/// 1..n: gap-free and never reused.
pub(crate) fn numbers_gap_free<'a>(numbers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut series: BTreeMap<(String, String, String), Vec<i64>> = BTreeMap::new();
    for (kind, number) in numbers {
        if !seen.insert(number.to_string()) {
            problems.push(format!("number {number} given twice"));
        }
        match series_of(kind, number) {
            Some((s, serial)) => series.entry(s).or_default().push(serial),
            None => problems.push(format!("{kind} number {number} is not a document number")),
        }
    }
    for (s, mut serials) in series {
        serials.sort_unstable();
        if serials != (1..=serials.len() as i64).collect::<Vec<_>>() {
            let missing: Vec<i64> = (1..=serials.last().copied().unwrap_or(0)).filter(|n| serials.binary_search(n).is_err()).collect();
            problems.push(format!("series {s:?}: {} serial(s), missing {missing:?}, highest {:?}", serials.len(), serials.last()));
        }
    }
    problems
}

/// Each application of `batch` (files named by kind) in exactly one of
/// the manifests or the rejects: never issued twice, never lost. A reject
/// of a later row repeating an issued application's ID (DUPLICATE_ID) is
/// that row's, not the application's.
pub(crate) fn accounted(batch: &[PathBuf], issued: &[Issued], rejects: &BTreeMap<String, Vec<Rejected>>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut by_kind: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for d in issued {
        *by_kind.entry(d.kind.as_str()).or_default().entry(d.application_id.as_str()).or_default() += 1;
    }
    for file in batch {
        let kind = kind_of_source(&file.display().to_string());
        let empty = BTreeMap::new();
        let in_manifest = by_kind.get(kind.as_str()).unwrap_or(&empty);
        let no_rejects = Vec::new();
        let kind_rejects = rejects.get(&kind).unwrap_or(&no_rejects);
        let rejected: BTreeSet<&str> = kind_rejects.iter().filter(|r| r.rule != "DUPLICATE_ID").map(|r| r.application_id.as_str()).collect();
        for app in applications(file) {
            match (in_manifest.get(app.as_str()).copied().unwrap_or(0), rejected.contains(app.as_str())) {
                (1, false) | (0, true) => {}
                (0, false) => problems.push(format!("{kind} application {app} ({}) is in no manifest and not rejected", file.display())),
                (1, true) => problems.push(format!("{kind} application {app} is both issued and rejected")),
                (n, _) => problems.push(format!("{kind} application {app} is issued {n} times")),
            }
        }
    }
    problems
}
