//! `terbit register rebuild`, the disaster drill: three nights with a
//! revocation and a supersession, the register deleted, rebuilt from the
//! run folders and the keys folder, checked clean, and a fourth night
//! that behaves as if nothing was lost. Also: a broken seal refuses the
//! rebuild by name, and a stopped run's numbers on disk are never given
//! again. On the real binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::{ok, terbit};

fn run_dirs(runs: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(runs).unwrap().flatten().map(|e| e.path()).filter(|p| p.join("manifest.csv").is_file()).collect();
    v.sort();
    v
}


/// The register's rules, as rows of text: everything but the times a run started and finished.
fn tables(register: &Path) -> Vec<Vec<String>> {
    fixture::register_tables(register, &[
        "SELECT * FROM serials ORDER BY scope, kind, issue_date",
        "SELECT application_id, run_id, kind, regency, issue_date, serial, document_number, nik, status, sha256, service_point FROM documents ORDER BY document_number",
        "SELECT * FROM revocations ORDER BY document_number",
        "SELECT run_id, issue_date, finished_at IS NOT NULL FROM runs ORDER BY run_id",
        "SELECT * FROM meta ORDER BY key",
    ])
}



#[test]
fn the_disaster_drill() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = fixture::configured_district(d, 0.5);
    let export = |night: &str, seed: &str| {
        std::fs::create_dir_all(d.join("export").join(night)).unwrap();
        ok(d, &["samples", "--kind", "move_out", "--count", "6", "--seed", seed, "--as-of", night, "--out", &format!("export/{night}/move_out.csv")]);
    };
    let issue = |night: &str| {
        let (code, out, err) = terbit(&conf, &["--quiet", "issue", "--issued-on", night]);
        assert_eq!(code, 0, "{out}\n{err}");
    };
    export("2026-12-07", "4");
    issue("2026-12-07");
    export("2026-12-08", "5");
    issue("2026-12-08");
    // README's flow: revoke A, issue the corrected application under a new id, supersede A by it.
    let night1 = fixture::manifest_rows(&d.join("runs"));
    let a = night1.iter().min_by_key(|r| r["document_number"].clone()).unwrap().clone();
    ok(&conf, &["revoke", &a["document_number"], "--reason", "wrong name", "--on", "2026-12-08"]);
    export("2026-12-09", "6");
    let csv_path = d.join("export/2026-12-07/move_out.csv");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let header = csv.lines().next().unwrap();
    // An application is one or more lines (its members).
    let lines_of = |csv: &str, app: &str, new_id: &str| -> String {
        csv.lines().filter(|l| l.starts_with(&format!("{app},"))).map(|l| format!("{new_id}{}\n", &l[app.len()..])).collect()
    };
    let corrected = lines_of(&csv, &a["application_id"], &format!("{}-B", a["application_id"]));
    let night3_csv = d.join("export/2026-12-09/move_out.csv");
    let text = std::fs::read_to_string(&night3_csv).unwrap();
    assert!(text.ends_with('\n'));
    std::fs::write(&night3_csv, format!("{text}{corrected}")).unwrap();
    issue("2026-12-09");
    let all = fixture::manifest_rows(&d.join("runs"));
    assert_eq!(all.len(), 19);
    let b = all.iter().find(|r| r["application_id"] == format!("{}-B", a["application_id"])).unwrap().clone();
    ok(&conf, &["supersede", &a["document_number"], "--by", &b["document_number"], "--reason", "corrected", "--on", "2026-12-09"]);

    let register = d.join("state/register.sqlite");
    let lost = tables(&register);
    assert!(lost[2][0].contains("superseded"), "{:?}", lost[2]);

    // The disk dies.
    fixture::remove_register(&register);
    let out = ok(&conf, &["register", "rebuild", "--runs", "../runs", "--out", "../state/register.sqlite"]);
    assert!(out.contains("register rebuilt to ../state/register.sqlite from 3 run folder(s)") && out.contains("19 document(s) recorded") && out.contains("1 revocation(s)"), "{out}");
    assert!(!out.contains("note:"), "at the bound path, with the bound id: {out}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&register).unwrap().permissions().mode() & 0o777, 0o600);
    // Equal to the lost one in every rule: counters, documents, revocations, runs, identity.
    assert_eq!(tables(&register), lost);
    let (code, out, err) = terbit(&conf, &["register", "check"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("register check: clean — 3 run folder(s), 19 document(s)"), "{out}");
    // Never over a register.
    let (code, _, err) = terbit(&conf, &["register", "rebuild", "--runs", "../runs", "--out", "../state/register.sqlite"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");

    // The fourth night, on night 3's date: a night-1 application again
    // (ALREADY_ISSUED), a new application of a subject with an active
    // document (SUBJECT_ACTIVE), and new ones.
    let again = night1.iter().find(|r| r["application_id"] != a["application_id"]).unwrap()["application_id"].clone();
    let n2 = std::fs::read_to_string(d.join("export/2026-12-08/move_out.csv")).unwrap();
    let active = n2.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    std::fs::create_dir_all(d.join("n4")).unwrap();
    ok(d, &["samples", "--kind", "move_out", "--count", "8", "--seed", "7", "--as-of", "2026-12-09", "--out", "n4/move_out.csv"]);
    // New application ids (the samples' own would be night 3's).
    let n4 = std::fs::read_to_string(d.join("n4/move_out.csv")).unwrap().replace("-20261209-0000", "-20261209-0004");
    assert!(n4.starts_with(header) && n4.ends_with('\n'));
    std::fs::write(d.join("n4/move_out.csv"), format!("{n4}{}{}", lines_of(&csv, &again, &again), lines_of(&n2, &active, &format!("{active}-N")))).unwrap();
    let (code, out, err) = terbit(&conf, &["--quiet", "issue", "../n4/move_out.csv", "--issued-on", "2026-12-09"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let rejects: String = std::fs::read_dir(d.join("runs")).unwrap().flatten().filter_map(|e| std::fs::read_to_string(e.path().join("rejects.csv")).ok()).collect();
    assert!(rejects.lines().any(|l| l.contains(&again) && l.contains("ALREADY_ISSUED")), "{rejects}");
    assert!(rejects.lines().any(|l| l.contains(&format!("{active}-N")) && l.contains("SUBJECT_ACTIVE")), "{rejects}");
    // The revoked document is still in the next signed list.
    ok(&conf, &["revocations"]);
    let list: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.join("keys/revocations-3506.json")).unwrap()).unwrap();
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{list}");
    assert_eq!((entries[0]["document_number"].as_str(), entries[0]["status"].as_str(), entries[0]["superseded_by"].as_str()), (Some(a["document_number"].as_str()), Some("superseded"), Some(b["document_number"].as_str())));
    assert!(entries[0]["reason"].as_str().unwrap().starts_with("wrong name") && entries[0]["since"] == "2026-12-08", "{list}");
    // Every scope continues with no gap and no number twice, across all manifests.
    let after = fixture::manifest_rows(&d.join("runs"));
    assert_eq!(after.len(), 19 + 8, "eight new documents");
    let mut seen = BTreeSet::new();
    let mut serials: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in &after {
        let n = &r["document_number"];
        assert!(seen.insert(n.clone()), "{n} twice");
        let (prefix, serial) = n.rsplit_once('-').unwrap();
        serials.entry(prefix.to_string()).or_default().push(serial.parse().unwrap());
    }
    for (prefix, mut s) in serials {
        s.sort();
        assert_eq!(s, (1..=s.len() as u32).collect::<Vec<_>>(), "{prefix}");
    }
    let (code, out, err) = terbit(&conf, &["register", "check"]);
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn a_broken_seal_is_refused_by_name_and_a_stopped_runs_numbers_are_never_given_again() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    fixture::bundle_for(d, "keys");
    ok(d, &["samples", "--kind", "move_out", "--count", "4", "--seed", "4", "--as-of", "2026-12-07", "--out", "a.csv"]);
    ok(d, &["--quiet", "issue", "a.csv", "--keys", "keys", "--out", "runs", "--issued-on", "2026-12-07"]);
    let run = run_dirs(&d.join("runs")).remove(0);
    let first = fixture::manifest_rows(&d.join("runs")).remove(0);
    // A copy of the run with one manifest row changed: refused, naming it; nothing written.
    let broken = d.join("elsewhere").join(run.file_name().unwrap());
    std::fs::create_dir_all(d.join("elsewhere")).unwrap();
    assert!(std::process::Command::new("cp").arg("-a").arg(&run).arg(&broken).status().unwrap().success());
    let m = broken.join("manifest.csv");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replacen(&first["application_id"], "CHANGED", 1)).unwrap();
    let (code, out, err) = terbit(d, &["register", "rebuild", "--runs", "elsewhere", "runs", "--keys", "keys", "--out", "new.sqlite"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&format!("run elsewhere/{}: the seal does not verify", run.file_name().unwrap().to_str().unwrap())) && err.contains("nothing was rebuilt"), "{err}");
    assert!(!d.join("new.sqlite").exists());
    // An intact copy of the same run (an archive) is read once.
    std::fs::write(&m, &text).unwrap();
    let out = ok(d, &["register", "rebuild", "--runs", "elsewhere", "runs", "--keys", "keys", "--out", "new.sqlite"]);
    assert!(out.contains("was read already from another folder") && out.contains("from 1 run folder(s)") && out.contains("4 document(s) recorded"), "{out}");
    // A run stopped after writing two numbers (past the night's last), then the register lost.
    let last: u32 = fixture::manifest_rows(&d.join("runs")).iter().map(|r| r["document_number"].rsplit_once('-').unwrap().1.parse::<u32>().unwrap()).max().unwrap();
    let prefix = first["document_number"].rsplit_once('-').unwrap().0.to_string();
    let stopped = d.join("runs/20261207-0badc0de");
    let folder = stopped.join(&first["service_point"]).join("move_out");
    std::fs::create_dir_all(&folder).unwrap();
    for s in [last + 1, last + 2] {
        std::fs::write(folder.join(format!("{prefix}-{s:04}.pdf")), b"%PDF-").unwrap();
    }
    fixture::remove_register(&d.join("runs/register.sqlite"));
    let out = ok(d, &["register", "rebuild", "--runs", "runs", "--keys", "keys", "--out", "runs/register.sqlite"]);
    assert!(out.contains("stopped before it was sealed; recorded as unfinished, and its 2 number(s) on disk as given"), "{out}");
    let (code, out, err) = terbit(d, &["register", "check", "--runs", "runs", "--keys", "keys", "--register", "runs/register.sqlite"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("the register records it as unfinished"), "{out}");
    // The same day again: the numbers continue past the stopped run's.
    ok(d, &["samples", "--kind", "move_out", "--count", "3", "--seed", "9", "--as-of", "2026-12-06", "--out", "b.csv"]);
    let (code, out, err) = terbit(d, &["--quiet", "issue", "b.csv", "--keys", "keys", "--out", "runs", "--issued-on", "2026-12-07"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let mut new: Vec<u32> = fixture::manifest_rows(&d.join("runs")).iter().map(|r| r["document_number"].rsplit_once('-').unwrap().1.parse::<u32>().unwrap()).filter(|s| *s > last).collect();
    new.sort();
    assert_eq!(new, vec![last + 3, last + 4, last + 5]);
}
