//! `terbit register check`: the register against what the office
//! published — the run folders' manifests (whose seals the caller has
//! checked) and the signed revocation lists — every difference named.
//! Read only. The register is read in document-number order (its UNIQUE
//! index) and merged with the manifests' rows sorted the same way: a
//! night of 200,000 documents is a sort and one pass, never a lookup per
//! row against the other side.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::error::Result;
use crate::kind::standing::Entry;
use crate::util::show::clip_shown;

use super::register::{DocumentRow, Register};

/// A run folder as the caller found it.
#[derive(Debug, Clone)]
pub struct RunFound {
    /// The run's name (its folder's name).
    pub id: String,
    /// The folder.
    pub dir: PathBuf,
    /// What the folder holds.
    pub state: RunState,
}

/// What a run folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    /// A manifest and a seal that verifies against the trust list.
    Sealed,
    /// A manifest whose seal does not verify (why).
    SealFails(String),
    /// A manifest without `seal.json`.
    NoSeal,
    /// No manifest: the run stopped before publishing (the document
    /// numbers of the PDFs on disk, sorted).
    Stopped(Vec<String>),
}

/// One row of a run's `manifest.csv`, as far as the register records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    /// Document number.
    pub number: String,
    /// Application ID.
    pub application_id: String,
    /// Kind name.
    pub kind: String,
    /// The subject.
    pub nik: String,
    /// Service point.
    pub service_point: String,
    /// The SHA-256 of its file, as listed.
    pub sha256: String,
    /// Index of its run in the runs given.
    pub run: usize,
    /// Line in `manifest.csv`.
    pub line: usize,
}

/// The newest signed revocation list of one issuer.
#[derive(Debug, Clone)]
pub struct SignedList {
    /// The issuer (regency code).
    pub issuer: String,
    /// Where it was read (named in findings).
    pub source: String,
    /// Its entries.
    pub entries: Vec<Entry>,
}

/// One thing the check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Where: a file (with line), a run folder, or the register.
    pub at: String,
    /// What.
    pub what: String,
    /// A difference (exit 1), or only said (a stopped run recorded as such).
    pub difference: bool,
}

/// What the check looked at and found.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    /// Run folders read.
    pub runs: usize,
    /// Documents in the register.
    pub documents: u64,
    /// Rows in the manifests.
    pub manifest_rows: u64,
    /// Revocations in the register.
    pub revocations: usize,
    /// Everything found, differences and notes.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Differences found.
    pub fn differences(&self) -> usize {
        self.findings.iter().filter(|f| f.difference).count()
    }
}

/// Numbers named in one line at most (the rest counted).
const NAMED: usize = 10;

fn some_of(numbers: &[String]) -> String {
    let shown: Vec<String> = numbers.iter().take(NAMED).map(|n| clip_shown(n, 60)).collect();
    match numbers.len() {
        n if n > NAMED => format!("{} and {} more", shown.join(", "), n - NAMED),
        _ => shown.join(", "),
    }
}

/// Compare the register with the runs found, their manifests' rows (any
/// order) and the newest signed revocation lists.
pub fn compare(reg: &Register, register_name: &str, runs: &[RunFound], mut rows: Vec<ManifestRow>, lists: &[SignedList]) -> Result<Report> {
    let mut report = Report { runs: runs.len(), manifest_rows: rows.len() as u64, ..Report::default() };
    let mut found = |at: String, what: String, difference: bool| report.findings.push(Finding { at, what, difference });
    let records: BTreeMap<String, Option<String>> = reg.all_runs()?.into_iter().map(|r| (r.run_id, r.finished_at)).collect();
    let by_id: BTreeMap<&str, &RunFound> = runs.iter().map(|r| (r.id.as_str(), r)).collect();
    let manifest_of = |run: &RunFound| clip_shown(&run.dir.join("manifest.csv").display().to_string(), 300);
    let recorded_unfinished = |id: &str| matches!(records.get(id), Some(None));

    // The run folders: each seal, each stopped run.
    for run in runs {
        let at = clip_shown(&run.dir.display().to_string(), 300);
        match &run.state {
            RunState::Sealed => {}
            RunState::SealFails(why) => found(at, format!("the seal does not verify: {}", clip_shown(why, 600)), true),
            RunState::NoSeal => {
                let ok = recorded_unfinished(&run.id);
                found(at, format!("manifest.csv but no seal.json{}", if ok { " (the register records the run as unfinished)" } else { "" }), !ok);
            }
            RunState::Stopped(numbers) => {
                let ok = recorded_unfinished(&run.id);
                let on_disk = match numbers.len() {
                    0 => "no document on disk".to_string(),
                    n => format!("{n} document(s) on disk: {}", some_of(numbers)),
                };
                let said = if ok { "the register records it as unfinished; running its issue command again finishes it" } else { "but the register does not record it as unfinished" };
                found(at, format!("the run stopped before it was sealed (no manifest.csv), {on_disk}; {said}"), !ok);
            }
        }
        if !records.contains_key(&run.id) {
            found(clip_shown(&run.dir.display().to_string(), 300), format!("run {} is not in the register's runs", clip_shown(&run.id, 60)), true);
        }
    }

    // Run records without a folder; their documents are counted there
    // rather than named one by one.
    let mut held_by_missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Numbers of stopped runs, said once per run.
    let mut unsealed: BTreeMap<String, Vec<String>> = BTreeMap::new();

    // The documents: register (by number) merged with the manifests' rows.
    rows.sort_by(|a, b| a.number.cmp(&b.number));
    let mut next = rows.into_iter().peekable();
    let mut documents = 0u64;
    let where_row = |row: &ManifestRow| format!("{}:{}", manifest_of(&runs[row.run]), row.line);
    let only_in_manifest = |row: &ManifestRow, found: &mut dyn FnMut(String, String, bool)| {
        found(where_row(row), format!("{} is in the sealed manifest but not in the register", clip_shown(&row.number, 60)), true);
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut say = |at: String, what: String, difference: bool| findings.push(Finding { at, what, difference });
    reg.each_document(|d: DocumentRow| {
        documents += 1;
        while let Some(row) = next.next_if(|r| r.number < d.number) {
            only_in_manifest(&row, &mut say);
        }
        let mut first = true;
        let mut matched = false;
        while let Some(row) = next.next_if(|r| r.number == d.number) {
            matched = true;
            if !first {
                say(where_row(&row), format!("{} is in a second manifest", clip_shown(&d.number, 60)), true);
                continue;
            }
            first = false;
            let mut differs = Vec::new();
            let mut field = |name: &str, manifest: &str, register: &str| {
                if manifest != register {
                    differs.push(format!("{name} {} in the manifest, {} in the register", clip_shown(manifest, 80), clip_shown(register, 80)));
                }
            };
            field("application id", &row.application_id, &d.application_id);
            field("kind", &row.kind, &d.kind);
            field("NIK", &row.nik, &d.nik);
            field("service point", &row.service_point, &d.service_point);
            field("run", &runs[row.run].id, &d.run_id);
            if !d.issued {
                differs.push("the register has it numbered, never written".into());
            }
            if !differs.is_empty() {
                say(where_row(&row), format!("{}: {}", clip_shown(&d.number, 60), differs.join("; ")), true);
            }
        }
        if matched {
            return Ok(());
        }
        match by_id.get(d.run_id.as_str()) {
            None => held_by_missing.entry(d.run_id.clone()).or_default().push(d.number.clone()),
            Some(run) if matches!(run.state, RunState::Stopped(_) | RunState::NoSeal) || recorded_unfinished(&d.run_id) => {
                unsealed.entry(d.run_id.clone()).or_default().push(d.number.clone());
            }
            Some(run) => {
                let what = if d.issued { "issued" } else { "numbered" };
                say(
                    format!("{register_name} (documents)"),
                    format!("{} is {what} by run {} in the register but in no sealed manifest ({})", clip_shown(&d.number, 60), clip_shown(&d.run_id, 60), manifest_of(run)),
                    true,
                );
            }
        }
        Ok(())
    })?;
    for row in next {
        only_in_manifest(&row, &mut say);
    }
    report.documents = documents;
    for (run, numbers) in &unsealed {
        let at = by_id.get(run.as_str()).map_or_else(|| register_name.to_string(), |r| clip_shown(&r.dir.display().to_string(), 300));
        findings.push(Finding { at, what: format!("run {} holds {} number(s) in no manifest, as a stopped run does: {}", clip_shown(run, 60), numbers.len(), some_of(numbers)), difference: false });
    }
    for (id, finished) in &records {
        if by_id.contains_key(id.as_str()) {
            continue;
        }
        let held = held_by_missing.remove(id).unwrap_or_default();
        let state = if finished.is_some() { "finished" } else { "unfinished" };
        let what = match held.len() {
            0 => format!("run {} ({state}) has no run folder among the folders given", clip_shown(id, 60)),
            n => format!("run {} ({state}) has no run folder among the folders given; it holds {n} document(s): {}", clip_shown(id, 60), some_of(&held)),
        };
        // An unfinished run that holds nothing any more (every number
        // adopted by a later run) has nothing to lose with its folder.
        findings.push(Finding { at: format!("{register_name} (runs)"), what, difference: finished.is_some() || !held.is_empty() });
    }
    for (id, held) in held_by_missing {
        findings.push(Finding {
            at: format!("{register_name} (documents)"),
            what: format!("{} document(s) are held by run {}, which the register's runs do not record: {}", held.len(), clip_shown(&id, 60), some_of(&held)),
            difference: true,
        });
    }
    report.findings.append(&mut findings);

    // Revocations: the register's against each issuer's newest signed list.
    let mine = reg.all_revocations()?;
    report.revocations = mine.len();
    let lists_by: BTreeMap<&str, &SignedList> = lists.iter().map(|l| (l.issuer.as_str(), l)).collect();
    let mut signed: BTreeMap<(&str, &str), &Entry> = BTreeMap::new();
    for l in lists {
        for e in &l.entries {
            signed.insert((l.issuer.as_str(), e.document_number.as_str()), e);
        }
    }
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (issuer, e) in &mine {
        let number = clip_shown(&e.document_number, 60);
        let Some(list) = lists_by.get(issuer.as_str()) else {
            let whose = if issuer.is_empty() { "a document the register does not hold".to_string() } else { format!("regency {}", clip_shown(issuer, 20)) };
            report.findings.push(Finding { at: format!("{register_name} (revocations)"), what: format!("{number} is {} in the register, and no signed revocation list of {whose} was found", e.status.as_str()), difference: true });
            continue;
        };
        seen.insert((issuer.as_str(), e.document_number.as_str()));
        match signed.get(&(issuer.as_str(), e.document_number.as_str())) {
            None => report.findings.push(Finding {
                at: list.source.clone(),
                what: format!("{number} is {} in the register ({}) but missing from the signed revocation list", e.status.as_str(), e.since),
                difference: true,
            }),
            Some(s) => {
                let mut differs = Vec::new();
                let mut field = |name: &str, list: &str, register: &str| {
                    if list != register {
                        differs.push(format!("{name} {} in the list, {} in the register", clip_shown(list, 200), clip_shown(register, 200)));
                    }
                };
                field("status", s.status.as_str(), e.status.as_str());
                field("superseded_by", s.superseded_by.as_deref().unwrap_or("(none)"), e.superseded_by.as_deref().unwrap_or("(none)"));
                field("since", &s.since, &e.since);
                field("reason", &s.reason, &e.reason);
                if !differs.is_empty() {
                    report.findings.push(Finding { at: list.source.clone(), what: format!("{number}: {}", differs.join("; ")), difference: true });
                }
            }
        }
    }
    for ((issuer, number), e) in &signed {
        if !seen.contains(&(*issuer, *number)) {
            let source = lists_by.get(issuer).map_or_else(String::new, |l| l.source.clone());
            report.findings.push(Finding { at: source, what: format!("{} is {} in the signed revocation list but not in the register", clip_shown(number, 60), e.status.as_str()), difference: true });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::schema::NumberStyle;
    use crate::numbering::register::Pending;

    #[test]
    fn every_side_of_a_difference_is_named() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("r.sqlite");
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        {
            let mut reg = Register::open(&crate::numbering::register::Place::File(path.clone())).unwrap();
            let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
            reg.run_started("run1", date, "").unwrap();
            let n = reg.number("run1", "birth", "3506", date, NumberStyle::Registration, None, &[p("a"), p("b"), p("c")]).unwrap();
            let marks: Vec<(String, &str)> = n.iter().map(|x| (x.number().to_string(), "00")).collect();
            reg.mark_issued(marks.iter().map(|(n, s)| (n.as_str(), *s))).unwrap();
            reg.run_finished("run1", "").unwrap();
            reg.revoke("3506-LU-07122026-0001", None, "wrong name", date).unwrap();
        }
        let reg = Register::open_read_only(&crate::numbering::register::Place::File(path.clone())).unwrap();
        let runs = vec![RunFound { id: "run1".into(), dir: d.path().join("run1"), state: RunState::Sealed }];
        let row = |n: &str, app: &str, line| ManifestRow { number: n.into(), application_id: app.into(), kind: "birth".into(), nik: app.into(), service_point: "KEC-A".into(), sha256: "00".into(), run: 0, line };
        // Row for 0002 says another application; 0003 missing; 0009 extra.
        let rows = vec![row("3506-LU-07122026-0009", "z", 4), row("3506-LU-07122026-0002", "x", 3), row("3506-LU-07122026-0001", "a", 2)];
        let list = SignedList { issuer: "3506".into(), source: "keys/revocations-3506.json".into(), entries: vec![] };
        let r = compare(&reg, "r.sqlite", &runs, rows, &[list]).unwrap();
        let said: Vec<String> = r.findings.iter().map(|f| format!("{}: {}", f.at, f.what)).collect();
        assert_eq!(r.differences(), 4, "{said:#?}");
        assert!(said.iter().any(|s| s.contains("manifest.csv:3: 3506-LU-07122026-0002: application id x in the manifest, b in the register")), "{said:#?}");
        assert!(said.iter().any(|s| s.contains("0003 is issued by run run1 in the register but in no sealed manifest")), "{said:#?}");
        assert!(said.iter().any(|s| s.contains("manifest.csv:4: 3506-LU-07122026-0009 is in the sealed manifest but not in the register")), "{said:#?}");
        assert!(said.iter().any(|s| s.starts_with("keys/revocations-3506.json: 3506-LU-07122026-0001 is revoked in the register")), "{said:#?}");
        // The signed list with another reason, and one entry the register lacks.
        let entry = |n: &str, reason: &str| Entry { document_number: n.into(), status: crate::kind::standing::Status::Revoked, superseded_by: None, reason: reason.into(), since: "2026-12-07".into() };
        let list = SignedList { issuer: "3506".into(), source: "L".into(), entries: vec![entry("3506-LU-07122026-0001", "other"), entry("3506-LU-07122026-0002", "x")] };
        let rows = vec![row("3506-LU-07122026-0001", "a", 2), row("3506-LU-07122026-0002", "b", 3), row("3506-LU-07122026-0003", "c", 4)];
        let r = compare(&reg, "r.sqlite", &runs, rows, &[list]).unwrap();
        let said: Vec<String> = r.findings.iter().map(|f| format!("{}: {}", f.at, f.what)).collect();
        assert_eq!(said, ["L: 3506-LU-07122026-0001: reason other in the list, wrong name in the register", "L: 3506-LU-07122026-0002 is revoked in the signed revocation list but not in the register"]);
    }
}
