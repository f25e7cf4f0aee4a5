//! `terbit register check`: two nights issued and one document revoked
//! check clean; then each tamper — a register row deleted, a manifest row
//! changed, a revocation deleted, a run folder removed, a stopped run —
//! is named, on the real binary.

use std::path::{Path, PathBuf};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::{ok, terbit};

/// README's layout (conf/terbit.toml naming ../keys, ../state, ../runs),
/// two nights issued, one document revoked. Returns `conf`.
fn district_after_two_nights(d: &Path) -> PathBuf {
    let conf = fixture::configured_district(d, 0.2);
    for (night, seed) in [("2026-12-07", "4"), ("2026-12-08", "5")] {
        std::fs::create_dir_all(d.join("export").join(night)).unwrap();
        ok(d, &["samples", "--kind", "move_out", "--count", "6", "--seed", seed, "--as-of", night, "--out", &format!("export/{night}/move_out.csv")]);
        let (code, out, err) = terbit(&conf, &["--quiet", "issue", "--issued-on", night]);
        assert_eq!(code, 0, "{out}\n{err}");
    }
    let first = numbers(&d.join("runs"))[0].clone();
    ok(&conf, &["revoke", &first, "--reason", "wrong name", "--on", "2026-12-08"]);
    // The auditors' bundle, with the revocation list.
    fixture::bundle_for(d, "keys");
    conf
}

/// Every document number in the runs' manifests, sorted.
fn numbers(runs: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for run in run_dirs(runs) {
        for line in std::fs::read_to_string(run.join("manifest.csv")).unwrap().lines().skip(1) {
            out.push(line.split(',').next().unwrap().to_string());
        }
    }
    out.sort();
    out
}

fn run_dirs(runs: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(runs).unwrap().flatten().map(|e| e.path()).filter(|p| p.join("manifest.csv").is_file()).collect();
    v.sort();
    v
}

fn cp(from: &Path, to: &Path) {
    let st = std::process::Command::new("cp").arg("-a").arg(from).arg(to).status().unwrap();
    assert!(st.success());
}

/// Put back `state`, `runs` and `keys` as saved in `saved`.
fn restore(d: &Path, saved: &Path) {
    for name in ["state", "runs", "keys"] {
        std::fs::remove_dir_all(d.join(name)).unwrap();
        cp(&saved.join(name), &d.join(name));
    }
}

fn check(conf: &Path) -> (i32, String, String) {
    terbit(conf, &["register", "check"])
}

#[test]
fn a_clean_register_checks_clean_and_every_tamper_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district_after_two_nights(d);
    let register = d.join("state/register.sqlite");
    let (code, out, err) = check(&conf);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("register check: clean — 2 run folder(s), 12 document(s) in the register, 12 manifest row(s), 1 revocation(s)"), "{out}");
    // Flags instead of terbit.toml, a run folder given itself, a bundle: the same.
    let runs = run_dirs(&d.join("runs"));
    let (code, out, err) = terbit(
        d,
        &["register", "check", "--runs", runs[0].to_str().unwrap(), runs[1].to_str().unwrap(), "--register", register.to_str().unwrap(), "--trust", "keys/trust-bundle.json"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("clean"), "{out}");

    let saved = d.join("saved");
    std::fs::create_dir(&saved).unwrap();
    for name in ["state", "runs", "keys"] {
        cp(&d.join(name), &saved.join(name));
    }
    let all = numbers(&d.join("runs"));

    // A row deleted from the register's documents table.
    {
        let conn = rusqlite::Connection::open(&register).unwrap();
        assert_eq!(conn.execute("DELETE FROM documents WHERE document_number = ?1", [&all[3]]).unwrap(), 1);
    }
    let (code, out, err) = check(&conf);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains(&format!("manifest.csv:5: {} is in the sealed manifest but not in the register", all[3])), "{out}");
    assert!(out.contains("register check: 1 difference(s)"), "{out}");
    restore(d, &saved);

    // A manifest row's application id changed: the row named, the seal fails.
    let manifest = runs[1].join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let line: Vec<&str> = text.lines().nth(2).unwrap().split(',').collect();
    let changed = text.replacen(&format!("{},{},", line[0], line[1]), &format!("{},XX-CHANGED,", line[0]), 1);
    assert_ne!(changed, text);
    std::fs::write(&manifest, changed).unwrap();
    let (code, out, err) = check(&conf);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains(&format!("manifest.csv:3: {}: application id XX-CHANGED in the manifest, {} in the register", line[0], line[1])), "{out}");
    assert!(out.contains("the seal does not verify") && out.contains("manifest.csv differs from the sealed manifest"), "{out}");
    restore(d, &saved);

    // A revocation deleted from the register.
    {
        let conn = rusqlite::Connection::open(&register).unwrap();
        assert_eq!(conn.execute("DELETE FROM revocations", []).unwrap(), 1);
    }
    let (code, out, err) = check(&conf);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains(&format!("revocations-3506.json: {} is revoked in the signed revocation list but not in the register", all[0])), "{out}");
    restore(d, &saved);

    // A run folder removed.
    std::fs::remove_dir_all(&runs[0]).unwrap();
    let (code, out, err) = check(&conf);
    assert_eq!(code, 1, "{out}\n{err}");
    let id = runs[0].file_name().unwrap().to_str().unwrap();
    assert!(out.contains(&format!("run {id} (finished) has no run folder among the folders given; it holds 6 document(s)")), "{out}");
    restore(d, &saved);

    // A stopped run: a folder without a seal or manifest, recorded as
    // unfinished by the register: said, not a difference.
    let stopped = d.join("runs/20261209-0badc0de");
    std::fs::create_dir_all(stopped.join("KEC/move_out")).unwrap();
    std::fs::write(stopped.join("KEC/move_out/3506-PD-09122026-0001.pdf"), b"%PDF-").unwrap();
    {
        let conn = rusqlite::Connection::open(&register).unwrap();
        conn.execute("INSERT INTO runs(run_id, issue_date, started_at) VALUES ('20261209-0badc0de', '2026-12-09', '')", []).unwrap();
        // The number it gave and wrote before it stopped.
        conn.execute(
            "INSERT INTO documents(application_id, run_id, kind, regency, issue_date, serial, document_number, nik, status, sha256, service_point)
             VALUES ('A-9', '20261209-0badc0de', 'move_out', '3506', '2026-12-09', 1, '3506-PD-09122026-0001', '3506000000000009', 'issued', 'ab', 'KEC')",
            [],
        )
        .unwrap();
    }
    let (code, out, err) = check(&conf);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("the run stopped before it was sealed (no manifest.csv), 1 document(s) on disk: 3506-PD-09122026-0001; the register records it as unfinished"), "{out}");
    assert!(out.contains("note: ") && out.contains("run 20261209-0badc0de holds 1 number(s) in no manifest, as a stopped run does: 3506-PD-09122026-0001"), "{out}");
    // Recorded finished, the same folder is a difference.
    {
        let conn = rusqlite::Connection::open(&register).unwrap();
        conn.execute("UPDATE runs SET finished_at = 'x' WHERE run_id = '20261209-0badc0de'", []).unwrap();
    }
    let (code, out, err) = check(&conf);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("but the register does not record it as unfinished"), "{out}");
    restore(d, &saved);

    // Nothing was written by any check: the register is byte for byte the saved one.
    let (code, _, _) = check(&conf);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read(&register).unwrap(), std::fs::read(saved.join("state/register.sqlite")).unwrap());
    // No register: could not run.
    std::fs::remove_dir_all(d.join("state")).unwrap();
    let (code, _, err) = check(&conf);
    assert_eq!(code, 2, "{err}");
}
