//! One keys folder, one register, and a wrong region said as such: the
//! operator's night of a second register giving the same numbers again
//! (`terbit issue … --keys /etc/terbit/keys` from the export folder), and
//! of a wrong `--region` that blamed the export and overwrote a finished
//! run's report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::{ok, terbit};

const NIGHT: &str = "2026-12-08";

/// README's layout: `conf/terbit.toml` naming `../keys`,
/// `../state/register.sqlite` and `../runs`, tonight's export in
/// `export/<night>/`. The night is issued once. Returns `conf`.
fn district_after_one_night(d: &Path) -> PathBuf {
    let conf = fixture::configured_district(d, 0.2);
    let export = d.join("export").join(NIGHT);
    std::fs::create_dir_all(&export).unwrap();
    ok(d, &["samples", "--kind", "move_out", "--count", "20", "--seed", "4", "--as-of", NIGHT, "--out", &format!("export/{NIGHT}/move_out.csv")]);
    let (code, out, err) = terbit(&conf, &["--quiet", "issue", "--issued-on", NIGHT]);
    assert_eq!(code, 0, "{out}\n{err}");
    conf
}

fn issued(register: &Path) -> i64 {
    terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(std::path::PathBuf::from(register))).unwrap().count("issued").unwrap()
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut all = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                all.insert(e.path(), std::fs::read(e.path()).unwrap());
            }
        }
    }
    all
}

#[test]
fn the_real_keys_from_another_folder_never_start_a_second_register() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let _conf = district_after_one_night(d);
    let register = d.join("state/register.sqlite");
    assert_eq!(issued(&register), 20);
    // The keys folder names the register that issued with it.
    let binding: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("keys/register-binding.json")).unwrap()).unwrap();
    assert_eq!(binding["register"], std::fs::canonicalize(&register).unwrap().to_str().unwrap(), "{binding}");
    let id = terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(std::path::PathBuf::from(&register))).unwrap().id().unwrap();
    assert_eq!(binding["register_id"], id.as_str());

    // From the export folder (no terbit.toml), with the district's real
    // keys folder: refused, naming the register; nothing made there.
    let export = d.join("export").join(NIGHT);
    let keys = d.join("keys");
    let (code, out, err) = terbit(&export, &["issue", "move_out.csv", "--issued-on", NIGHT, "--keys", keys.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}\n{err}");
    let bound = std::fs::canonicalize(&register).unwrap();
    assert!(err.contains(&format!("issues with the register {}", bound.display())) && err.contains("--register") && err.contains("restore it"), "{err}");
    assert!(!export.join("out").exists(), "no second register, no lock file: {:?}", std::fs::read_dir(&export).unwrap().flatten().map(|e| e.file_name()).collect::<Vec<_>>());
    assert_eq!(std::fs::read_dir(&export).unwrap().count(), 1, "only the export itself");
    assert_eq!(issued(&register), 20, "nothing issued again");

    // Another existing register with the same keys folder: refused too.
    let other = d.join("other.sqlite");
    let other_id = terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(std::path::PathBuf::from(&other))).unwrap().id().unwrap();
    let (code, _, err) = terbit(&export, &["issue", "move_out.csv", "--issued-on", NIGHT, "--keys", keys.to_str().unwrap(), "--register", "../../other.sqlite", "--out", "../../other-runs"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is another register") && err.contains(&other_id) && err.contains(&id), "{err}");
    assert_eq!(terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(std::path::PathBuf::from(&other))).unwrap().count("numbered").unwrap(), 0);
    assert!(!d.join("other-runs").exists());

    // A copy of the register beside the original (same identity): refused,
    // the binding unchanged — two copies would give the same numbers twice.
    std::fs::create_dir_all(d.join("copy")).unwrap();
    std::fs::copy(&register, d.join("copy/register.sqlite")).unwrap();
    let binding_before = std::fs::read(d.join("keys/register-binding.json")).unwrap();
    let (code, _, err) = terbit(&export, &["issue", "move_out.csv", "--issued-on", NIGHT, "--keys", "../../keys", "--register", "../../copy/register.sqlite", "--out", "../../copy-runs"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a copy of the register") && err.contains("still there"), "{err}");
    assert_eq!(std::fs::read(d.join("keys/register-binding.json")).unwrap(), binding_before);
    assert!(!d.join("copy-runs").exists());
    std::fs::remove_dir_all(d.join("copy")).unwrap();

    // The register moved (same identity), given by a relative path: accepted, the binding follows it.
    std::fs::create_dir_all(d.join("moved")).unwrap();
    std::fs::rename(&register, d.join("moved/register.sqlite")).unwrap();
    let (code, out, err) = terbit(&export, &["issue", "move_out.csv", "--issued-on", NIGHT, "--keys", "../../keys", "--register", "../../moved/register.sqlite", "--out", "../../runs"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("the register moved from"), "{err}");
    let binding: serde_json::Value = serde_json::from_slice(&std::fs::read(d.join("keys/register-binding.json")).unwrap()).unwrap();
    assert_eq!(binding["register"], std::fs::canonicalize(d.join("moved/register.sqlite")).unwrap().to_str().unwrap());
    assert_eq!(issued(&d.join("moved/register.sqlite")), 20, "the same run again: nothing new");

    // The bound register lost: a new one at its place is refused (restore it).
    std::fs::remove_file(d.join("moved/register.sqlite")).unwrap();
    let (code, _, err) = terbit(&export, &["issue", "move_out.csv", "--issued-on", NIGHT, "--keys", "../../keys", "--register", "../../moved/register.sqlite", "--out", "../../runs2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is missing: restore it from its backup"), "{err}");
    assert!(!d.join("moved/register.sqlite").exists() && !d.join("runs2").exists());
}

#[test]
fn a_keys_folder_without_a_trust_list_leaves_no_out_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["samples", "--kind", "birth", "--count", "3", "--as-of", NIGHT, "--out", "b.csv"]);
    std::fs::create_dir_all(d.join("nokeys")).unwrap();
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", NIGHT, "--keys", "nokeys"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no trust list in the keys folder"), "{err}");
    assert!(!d.join("out").exists(), "nothing created in out before the keys are checked");
}

#[test]
fn a_wrong_region_is_said_first_and_leaves_the_finished_run_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district_after_one_night(d);
    let before = snapshot(&d.join("runs"));
    assert!(before.keys().any(|p| p.ends_with("report.html")));
    let sampang = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/regions/3527-sampang.toml");
    let (code, out, err) = terbit(&conf, &["--quiet", "issue", "--issued-on", NIGHT, "--region", sampang.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("Kabupaten Sampang") && err.contains("region") && err.contains("3506"), "{err}");
    assert!(!err.contains("NOT DONE"), "not the export's fault: {err}");
    assert_eq!(snapshot(&d.join("runs")), before, "no file of the finished run rewritten, none added");
}

#[test]
fn a_refused_attempt_never_rewrites_a_sealed_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    fixture::bundle_for(d, "keys");
    ok(d, &["samples", "--kind", "birth", "--count", "40", "--defects", "0.2", "--as-of", NIGHT, "--out", "b.csv"]);
    let (code, out, err) = terbit(d, &["issue", "b.csv", "--issued-on", NIGHT]);
    assert_eq!(code, 0, "{out}\n{err}");
    let before = snapshot(&d.join("out"));
    // The same batch again under a stricter limit: refused before numbering.
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", NIGHT, "--max-reject-rate", "0.01"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("batch refused") && err.contains("left its rejects.csv and report as they were"), "{err}");
    let after = snapshot(&d.join("out"));
    let changed: Vec<&PathBuf> = after.iter().filter(|(p, b)| before.get(*p) != Some(b) && !p.to_string_lossy().contains("register.sqlite") && p.extension().is_none_or(|e| e != "lock")).map(|(p, _)| p).collect();
    assert!(changed.is_empty(), "{changed:?}");
}

/// The manifest's document numbers of the one run under `runs`.
fn numbers(runs: &Path) -> Vec<String> {
    let run = std::fs::read_dir(runs).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    manifest.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect()
}

#[test]
fn revocations_are_dated_in_the_region_never_before_the_issue_and_never_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district_after_one_night(d);
    let n = numbers(&d.join("runs"));
    // Before the issue date: refused, naming both dates; nothing recorded.
    let (code, _, err) = terbit(&conf, &["revoke", &n[0], "--reason", "forged evidence", "--on", "2026-12-07"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2026-12-07") && err.contains("issue date 2026-12-08"), "{err}");
    assert!(!d.join("keys/revocations-3506.json").exists());
    // The default date is today where the region is (WIB), not in UTC:
    // here before the (future) issue date, so it is named in the refusal.
    let wib_today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive().format("%Y-%m-%d").to_string();
    if wib_today.as_str() < NIGHT {
        let (code, _, err) = terbit(&conf, &["revoke", &n[0], "--reason", "forged evidence"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(&format!("revocation date {wib_today}")), "{err}");
    }
    let out = ok(&conf, &["revoke", &n[0], "--reason", "forged evidence", "--on", NIGHT]);
    assert!(out.contains("revoked: forged evidence"), "{out}");
    // Again: said, exit 2, the first reason kept.
    let (code, out, err) = terbit(&conf, &["revoke", &n[0], "--reason", "again", "--on", NIGHT]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("already revoked on 2026-12-08 (reason: forged evidence)"), "{err}");
    let list = std::fs::read_to_string(d.join("keys/revocations-3506.json")).unwrap();
    assert!(list.contains("forged evidence") && !list.contains("\"again\""), "{list}");
    // `revocations` signs the list again: it takes no date.
    let (_, help, _) = terbit(&conf, &["revocations", "--help"]);
    assert!(!help.contains("--on"), "{help}");
    let (_, help, _) = terbit(&conf, &["revoke", "--help"]);
    assert!(help.contains("--on") && help.contains("region"), "{help}");
}

#[test]
fn check_reads_the_register_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district_after_one_night(d);
    let register = d.join("state/register.sqlite");
    let before = std::fs::read(&register).unwrap();
    // Yesterday's export again: check says what issue would.
    let (code, out, err) = terbit(&conf, &["check", "--issued-on", NIGHT]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("20 applications") && out.contains("20 would be rejected") && out.contains("ALREADY_ISSUED"), "{out}");
    assert!(err.contains("checked against the register") && err.contains("read only"), "{err}");
    assert!(out.contains("already issued") || out.contains("sudah"), "{out}");
    assert!(std::fs::read(&register).unwrap() == before, "the register untouched");
    // A new application for a subject that holds an active document: SUBJECT_ACTIVE.
    let csv = std::fs::read_to_string(d.join("export").join(NIGHT).join("move_out.csv")).unwrap();
    let (header, row) = (csv.lines().next().unwrap(), csv.lines().nth(1).unwrap());
    let (app, rest) = row.split_once(',').unwrap();
    std::fs::write(d.join("again.csv"), format!("{header}\n{app}-2,{rest}\n")).unwrap();
    let (code, out, _) = terbit(&conf, &["check", "../again.csv", "--issued-on", NIGHT]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SUBJECT_ACTIVE"), "{out}");
    assert!(std::fs::read(&register).unwrap() == before, "the register untouched");
}
