//! The register survives the machine: `terbit register backup` while a
//! night runs, and `terbit register restore` of a copy older than the
//! runs — refused, naming what would be lost; with --accept-loss, no
//! number is given twice and no application issued twice.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::{ok, terbit};
use terbit::numbering::backup::parse_number;

/// README's layout: `conf/terbit.toml` naming `../keys`,
/// `../state/register.sqlite` and `../runs`. Returns `conf`.
fn district(d: &Path) -> PathBuf {
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    fixture::bundle_for(d, "keys");
    let conf = d.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::create_dir_all(d.join("backup")).unwrap();
    std::fs::write(
        conf.join("terbit.toml"),
        "batch = [\"../export/{date}/*.csv\"]\nkeys = \"../keys\"\nregister = \"../state/register.sqlite\"\nout = \"../runs\"\nmax_reject_rate = 0.9\n",
    )
    .unwrap();
    conf
}

/// `count` move-out applications exported on `as_of` (their ids carry the date).
fn export(d: &Path, as_of: &str, count: usize, seed: u32) -> String {
    let dir = d.join("export").join(as_of);
    std::fs::create_dir_all(&dir).unwrap();
    let file = format!("export/{as_of}/move_out.csv");
    ok(d, &["samples", "--kind", "move_out", "--count", &count.to_string(), "--seed", &seed.to_string(), "--as-of", as_of, "--out", &file]);
    format!("../{file}")
}

fn night(conf: &Path, issued_on: &str, batch: &[&str]) {
    let mut args = vec!["--quiet", "issue", "--issued-on", issued_on];
    args.extend_from_slice(batch);
    let (code, out, err) = terbit(conf, &args);
    assert!(code == 0 || code == 1, "{out}\n{err}");
}

/// Every published run under `runs`: its manifest's (number, application id) rows.
fn manifests(runs: &Path) -> BTreeMap<String, Vec<(String, String)>> {
    let mut all = BTreeMap::new();
    for e in std::fs::read_dir(runs).unwrap().flatten() {
        let m = e.path().join("manifest.csv");
        if !m.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&m).unwrap();
        let rows = terbit::verify::run::parse_csv(&text).unwrap();
        let rows = rows[1..].iter().map(|r| (r[0].clone(), r[1].clone())).collect();
        all.insert(e.file_name().to_string_lossy().into_owned(), rows);
    }
    all
}

/// The register's consistency: every numbered document's serial is at
/// most its counter, and its number unique.
fn consistent(path: &Path) -> i64 {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mut st = c.prepare("SELECT d.document_number, d.kind, d.issue_date, d.serial FROM documents d").unwrap();
    let rows: Vec<(String, String, String, i64)> = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(|r| r.unwrap()).collect();
    for (number, kind, date, serial) in &rows {
        let scope = parse_number(number).unwrap().scope;
        let last: i64 = c.query_row("SELECT last FROM serials WHERE scope = ?1 AND kind = ?2 AND issue_date = ?3", [&scope, kind, date], |r| r.get(0)).unwrap();
        assert!(*serial <= last, "{number}: serial {serial} past its counter {last}");
    }
    rows.len() as i64
}

#[test]
fn a_backup_taken_while_a_night_runs_is_consistent_and_never_replaces_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district(d);
    night(&conf, "2026-12-08", &[&export(d, "2026-12-08", 5, 1)]);
    // A larger night in the background; the backup once it has numbered.
    let big = export(d, "2026-12-09", 1500, 2);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["--quiet", "issue", "--issued-on", "2026-12-09", &big])
        .current_dir(&conf)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("XDG_STATE_HOME", d.join("state-xdg"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let register = d.join("state/register.sqlite");
    let started = |r: &Path| {
        let c = rusqlite::Connection::open_with_flags(r, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        c.query_row("SELECT COUNT(*) FROM documents WHERE issue_date = '2026-12-09'", [], |r| r.get::<_, i64>(0)).unwrap_or(0) > 0
    };
    while !started(&register) && child.try_wait().unwrap().is_none() {
        std::thread::yield_now();
    }
    let running = child.try_wait().unwrap().is_none();
    let out = ok(&conf, &["register", "backup", "../backup/during.sqlite"]);
    assert!(out.contains("register id: ") && out.contains("documents:") && out.contains("last number: 3506 move_out"), "{out}");
    assert!(child.wait().unwrap().success());
    let copy = d.join("backup/during.sqlite");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    let in_copy = consistent(&copy);
    let id = terbit::numbering::register::Register::id_of(&terbit::numbering::register::Place::File(std::path::PathBuf::from(&register))).unwrap();
    assert_eq!(terbit::numbering::register::Register::id_of(&terbit::numbering::register::Place::File(std::path::PathBuf::from(&copy))).unwrap(), id, "a copy keeps the register's id");
    assert!(in_copy >= 6, "night 1 and the start of night 2: {in_copy}");
    println!("backup taken {} the night ran: {in_copy} documents in the copy", if running { "while" } else { "after" });
    consistent(&register);

    // Never over a file, never through a link.
    let before = std::fs::read(&copy).unwrap();
    let (code, _, err) = terbit(&conf, &["register", "backup", "../backup/during.sqlite"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists") && err.contains("never replaces"), "{err}");
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    std::os::unix::fs::symlink(d.join("elsewhere.sqlite"), d.join("backup/link.sqlite")).unwrap();
    let (code, _, err) = terbit(&conf, &["register", "backup", "../backup/link.sqlite"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    assert!(!d.join("elsewhere.sqlite").exists(), "nothing written through the link");
    let left: Vec<_> = std::fs::read_dir(d.join("backup")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 2, "no temporary left: {left:?}");
}

#[test]
fn a_restored_older_copy_never_gives_a_number_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district(d);
    for (i, date) in ["2026-12-08", "2026-12-09"].iter().enumerate() {
        night(&conf, date, &[&export(d, date, 12, i as u32 + 1)]);
    }
    ok(&conf, &["register", "backup", "../backup/after-night-2.sqlite"]);
    // Night 3, after the backup; then the disk dies.
    let night3 = export(d, "2026-12-10", 12, 3);
    night(&conf, "2026-12-10", &[&night3]);
    let before = manifests(&d.join("runs"));
    // And a night-1 document revoked after the backup (its signed list
    // beside the trust list names it).
    let run1 = before.keys().find(|r| r.starts_with("20261208")).unwrap().clone();
    let revoked = before[&run1][0].0.clone();
    ok(&conf, &["revoke", &revoked, "--reason", "data error", "--on", "2026-12-10"]);
    assert_eq!(before.len(), 3);
    let run3 = before.keys().find(|r| r.starts_with("20261210")).unwrap().clone();
    let mut night3_numbers: Vec<String> = before[&run3].iter().map(|(n, _)| n.clone()).collect();
    night3_numbers.sort();
    assert!(!night3_numbers.is_empty());
    let register = d.join("state/register.sqlite");
    // A register there: never overwritten.
    let (code, _, err) = terbit(&conf, &["register", "restore", "../backup/after-night-2.sqlite"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists") && err.contains("move it"), "{err}");
    for f in ["register.sqlite", "register.sqlite-wal", "register.sqlite-shm"] {
        let _ = std::fs::remove_file(d.join("state").join(f));
    }

    // The copy is older than night 3: refused, naming what would be lost.
    let (code, _, err) = terbit(&conf, &["register", "restore", "../backup/after-night-2.sqlite"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{} document(s) printed since are not in it", night3_numbers.len())) && err.contains(&night3_numbers[0]), "{err}");
    assert!(err.contains("3506 move_out on 2026-12-10: runs printed serial") && err.contains("--accept-loss"), "{err}");
    assert!(!register.exists(), "nothing restored");

    // Only the run folders named: the same loss found in night 3's.
    let run3_dir = format!("../runs/{run3}");
    let (code, _, err) = terbit(&conf, &["register", "restore", "../backup/after-night-2.sqlite", "--runs", &run3_dir]);
    assert_eq!(code, 2);
    assert!(err.contains(&night3_numbers[0]) && err.contains("12 document(s) printed since"), "{err}");
    // A backup of another register: refused by the keys folder's binding.
    let other = d.join("other.sqlite");
    terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(other.clone())).unwrap().id().unwrap();
    ok(&conf, &["register", "backup", "../backup/other.sqlite", "--register", other.to_str().unwrap()]);
    let (code, _, err) = terbit(&conf, &["register", "restore", "../backup/other.sqlite", "--accept-loss"]);
    assert_eq!(code, 2);
    assert!(err.contains("register-binding.json") && err.contains("another"), "{err}");
    assert!(!register.exists(), "nothing restored");

    let out = ok(&conf, &["register", "restore", "../backup/after-night-2.sqlite", "--accept-loss"]);
    assert!(out.contains(&format!("{} document(s) recorded as issued", night3_numbers.len())) && out.contains("raised from 0 to"), "{out}");
    // The revocation made after the backup came back from the signed list.
    assert!(out.contains("1 revocation(s) or supersession(s) recorded from the signed lists") && out.contains(&revoked), "{out}");
    consistent(&register);
    let reg = terbit::numbering::register::Register::open_read_only(&terbit::numbering::register::Place::File(register.clone())).unwrap();
    assert_eq!(reg.revocation_of(&revoked).unwrap().map(|e| (e.reason, e.since)), Some(("data error".into(), "2026-12-10".into())));
    drop(reg);

    // A second batch the same day as night 3 (the issue accepts the
    // restored register at the bound path: it is the same register), and
    // night 3's export sent again: never a number twice, never issued twice.
    let binding = std::fs::read(d.join("keys/register-binding.json")).unwrap();
    let extra = export(d, "2026-12-11", 12, 4);
    let (code, out, err) = terbit(&conf, &["--quiet", "issue", "--issued-on", "2026-12-10", &extra, &night3]);
    assert_eq!(code, 0, "done: night 3's applications rejected ALREADY_ISSUED (issued the same day):\n{out}\n{err}");
    assert_eq!(std::fs::read(d.join("keys/register-binding.json")).unwrap(), binding, "the same register, at the bound path");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&register).unwrap().permissions().mode() & 0o777, 0o600);
    let after = manifests(&d.join("runs"));
    assert_eq!(after.len(), 4, "{:?}", after.keys());
    let mut numbers = HashSet::new();
    let mut applications = HashSet::new();
    for rows in after.values() {
        for (n, app) in rows {
            assert!(numbers.insert(n.clone()), "number {n} given twice");
            assert!(applications.insert(app.clone()), "application {app} issued twice");
        }
    }
    // A revocation row deleted from the register (a shared database edited,
    // an old copy): signing the list again keeps it, and says so.
    let conn = rusqlite::Connection::open(&register).unwrap();
    assert_eq!(conn.execute("DELETE FROM revocations WHERE document_number = ?1", [&revoked]).unwrap(), 1);
    drop(conn);
    let (code, out, err) = terbit(&conf, &["revocations"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("were not in the register") && err.contains(&revoked), "{err}");
    let list = std::fs::read_to_string(d.join("keys/revocations-3506.json")).unwrap();
    assert!(list.contains(&revoked), "still revoked for auditors");
    // A second host's keys folder (a copy without the lists signed since)
    // on the same register, the row deleted again: the list it signs
    // keeps the revocation too (the register keeps the newest list).
    let other_keys = d.join("keys-host-b");
    std::fs::create_dir_all(&other_keys).unwrap();
    for e in std::fs::read_dir(d.join("keys")).unwrap().flatten().filter(|e| !e.file_name().to_string_lossy().starts_with("revocations-")) {
        std::fs::copy(e.path(), other_keys.join(e.file_name())).unwrap();
    }
    std::fs::set_permissions(&other_keys, std::fs::Permissions::from_mode(0o700)).unwrap();
    let conn = rusqlite::Connection::open(&register).unwrap();
    assert_eq!(conn.execute("DELETE FROM revocations WHERE document_number = ?1", [&revoked]).unwrap(), 1);
    drop(conn);
    let (code, out, err) = terbit(&conf, &["revocations", "--keys", other_keys.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("were not in the register") && err.contains(&revoked), "{err}");
    let list = std::fs::read_to_string(other_keys.join("revocations-3506.json")).unwrap();
    assert!(list.contains(&revoked), "still revoked, signed on the second host");
    let run4 = after.keys().find(|r| !before.contains_key(*r)).unwrap();
    assert_eq!(after[run4].len(), 12, "the new applications only");
    let rejects = std::fs::read_to_string(d.join("runs").join(run4).join("rejects.csv")).unwrap();
    for (n, app) in &before[&run3] {
        let line = rejects.lines().find(|l| l.starts_with(app.as_str())).unwrap_or_else(|| panic!("{app} not rejected:\n{rejects}"));
        assert!(line.contains("ALREADY_ISSUED") && line.contains(n.as_str()), "{line}");
    }
}
