//! The register's synchronous replica (`replica =` in terbit.toml), on the
//! real binary. The drill: the register destroyed while a run is going
//! (SIGKILL mid-run, the register and its log files deleted), restored
//! from the replica with `terbit register restore`, the same night run
//! again: it finishes, nothing is issued twice, no serial is skipped, and
//! `register check` is clean. Also: a replica that cannot be written stops
//! the run before any document is written, naming the replica and why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::{ok, terbit};

/// Every PDF below `dir`.
fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "pdf") {
                out.push(p);
            }
        }
    }
    out
}


/// The register's rules as rows of text (documents, counters, revocations, runs, identity).
fn tables(register: &Path) -> Vec<Vec<String>> {
    fixture::register_tables(register, &[
        "SELECT * FROM serials ORDER BY scope, kind, issue_date",
        "SELECT * FROM documents ORDER BY document_number",
        "SELECT * FROM revocations ORDER BY document_number",
        "SELECT * FROM runs ORDER BY run_id",
        "SELECT * FROM meta ORDER BY key",
    ])
}


fn numbers_in(register: &Path) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open_with_flags(register, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = conn.prepare("SELECT document_number FROM documents").unwrap();
    st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}


fn private_dir(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(p).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).unwrap();
}

/// A district configured with a replica in `<d>/second`; (conf folder, replica folder).
fn district_with_replica(d: &Path) -> (PathBuf, PathBuf) {
    let conf = fixture::configured_district(d, 0.5);
    let toml = conf.join("terbit.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}replica = \"../second\"\n")).unwrap();
    let second = d.join("second");
    private_dir(&second);
    (conf, second)
}

fn export(d: &Path, night: &str, kind: &str, count: usize, seed: &str) {
    std::fs::create_dir_all(d.join("export").join(night)).unwrap();
    ok(d, &["samples", "--kind", kind, "--count", &count.to_string(), "--seed", seed, "--as-of", night, "--out", &format!("export/{night}/{kind}.csv")]);
}

#[test]
fn the_register_destroyed_while_a_run_is_going_is_restored_from_the_replica_and_the_night_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (conf, second) = district_with_replica(d);
    let register = d.join("state/register.sqlite");
    let replica = second.join("register.sqlite");

    // Night 1, and a revocation: both on the replica.
    export(d, "2026-12-07", "move_out", 6, "4");
    let (code, out, err) = terbit(&conf, &["--quiet", "issue", "--issued-on", "2026-12-07"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let night1 = fixture::manifest_rows(&d.join("runs"));
    let revoked = night1[0]["document_number"].clone();
    ok(&conf, &["revoke", &revoked, "--reason", "wrong name", "--on", "2026-12-07"]);
    assert_eq!(tables(&replica), tables(&register), "the replica after a revocation");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::symlink_metadata(&replica).unwrap().permissions().mode() & 0o777, 0o600);

    // Night 2, two kinds (the second numbered and copied on the prepare
    // thread while the first renders), killed once documents are on disk.
    export(d, "2026-12-08", "birth", 400, "5");
    export(d, "2026-12-08", "move_out", 200, "6");
    let mut child = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["--quiet", "issue", "--issued-on", "2026-12-08"])
        .current_dir(&conf)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let killed = loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("night 2 ended ({status}) before it could be killed with documents on disk: make it larger\n{err}");
        }
        let written: Vec<PathBuf> = pdfs(&d.join("runs")).into_iter().filter(|p| p.to_string_lossy().contains("20261208-")).collect();
        if written.len() >= 20 {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            break written;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "no documents after 5 minutes");
        std::thread::sleep(Duration::from_millis(2));
    };
    // Whatever was on disk when it died, its number was on the replica first.
    let on_replica = numbers_in(&replica);
    let written_now: Vec<PathBuf> = pdfs(&d.join("runs")).into_iter().filter(|p| p.to_string_lossy().contains("20261208-")).collect();
    assert!(written_now.len() >= killed.len());
    for p in &written_now {
        let number = p.file_stem().unwrap().to_string_lossy().to_string();
        assert!(on_replica.contains(&number), "{} written but its number is not on the replica", p.display());
    }

    // The disk dies: the register and its log files are gone.
    fixture::remove_register(&register);
    let out = ok(&conf, &["register", "restore", "../second/register.sqlite"]);
    assert!(out.contains("restored"), "{out}");
    // The replica is read, never changed.
    assert_eq!(numbers_in(&replica), on_replica);

    // The same night again: it resumes and finishes.
    let (code, out, err) = terbit(&conf, &["--quiet", "issue", "--issued-on", "2026-12-08"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let all = fixture::manifest_rows(&d.join("runs"));
    let night2: Vec<_> = all.iter().filter(|r| r["document_number"].contains("-08122026-")).collect();
    assert!(night2.len() > 500, "{} documents on night 2", night2.len());
    // The documents written before the kill are the same documents (same number, same bytes' file).
    for p in &written_now {
        let number = p.file_stem().unwrap().to_string_lossy().to_string();
        assert!(all.iter().any(|r| r["document_number"] == number), "{number} written before the kill is in no manifest");
    }
    // No number twice, no application twice, each scope's serials 1..n.
    let mut seen = BTreeSet::new();
    let mut apps = BTreeSet::new();
    let mut serials: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in &all {
        let n = &r["document_number"];
        assert!(seen.insert(n.clone()), "{n} twice");
        assert!(apps.insert((r["kind"].clone(), r["application_id"].clone())), "{} issued twice", r["application_id"]);
        // A serial counts per scope, kind and day (LU and LT births share one).
        let parts: Vec<&str> = n.split('-').collect();
        let (scope, date, serial) = (parts[0], parts[2], parts[3]);
        serials.entry(format!("{scope} {} {date}", r["kind"])).or_default().push(serial.parse().unwrap());
    }
    for (prefix, mut s) in serials {
        s.sort();
        assert_eq!(s, (1..=s.len() as u32).collect::<Vec<_>>(), "{prefix}");
    }
    let (code, out, err) = terbit(&conf, &["register", "check"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("register check: clean"), "{out}");
    // The revocation survived, and the replica is the register again.
    assert!(tables(&register)[2].iter().any(|r| r.contains(&revoked)));
    assert_eq!(tables(&replica), tables(&register), "the replica after the finished night");
}

#[test]
fn a_replica_that_cannot_be_written_stops_the_run_before_any_document_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (conf, second) = district_with_replica(d);
    export(d, "2026-12-07", "move_out", 6, "4");
    let issue = || terbit(&conf, &["--quiet", "issue", "--issued-on", "2026-12-07"]);

    // A file where the folder should be: refused before anything is made.
    std::fs::remove_dir(&second).unwrap();
    std::fs::write(&second, b"").unwrap();
    let (code, out, err) = issue();
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("replica") && err.contains("second") && err.contains("not a folder"), "{err}");
    assert!(pdfs(&d.join("runs")).is_empty());
    assert!(!d.join("state/register.sqlite").exists(), "nothing numbered");

    // A folder that takes no copy (a folder where its file goes): the
    // kind is numbered, then the run stops before its documents.
    std::fs::remove_file(&second).unwrap();
    private_dir(&second);
    std::fs::create_dir(second.join("register.sqlite")).unwrap();
    let (code, out, err) = issue();
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&format!("the register's replica {}", Path::new("..").join("second").join("register.sqlite").display())) && err.contains("Is a directory"), "{err}");
    assert!(err.contains("run the same command again"), "{err}");
    assert!(pdfs(&d.join("runs")).is_empty(), "no document before its numbers are on the replica");
    let numbered = numbers_in(&d.join("state/register.sqlite"));
    assert_eq!(numbered.len(), 6, "the numbers stay in the register");

    // A read-only folder (only meaningful when not running as root, who writes anyway).
    std::fs::remove_dir(second.join("register.sqlite")).unwrap();
    if rustix::process::geteuid().is_root() {
        eprintln!("register_replica: read-only replica folder not tried: running as root, which writes into it anyway");
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&second, std::fs::Permissions::from_mode(0o500)).unwrap();
        let (code, out, err) = issue();
        assert_eq!(code, 2, "{out}\n{err}");
        assert!(err.contains("replica") && err.contains("second"), "{err}");
        assert!(pdfs(&d.join("runs")).is_empty());
        std::fs::set_permissions(&second, std::fs::Permissions::from_mode(0o700)).unwrap();
    }

    // Fixed: the same night resumes under the same numbers and finishes.
    let (code, out, err) = issue();
    assert_eq!(code, 0, "{out}\n{err}");
    let issued: BTreeSet<String> = fixture::manifest_rows(&d.join("runs")).into_iter().map(|r| r["document_number"].clone()).collect();
    assert_eq!(issued, numbered);
    assert_eq!(tables(&second.join("register.sqlite")), tables(&d.join("state/register.sqlite")));

    // The register's own folder is refused as its replica, for revoke too.
    let (code, out, err) = terbit(&conf, &["revoke", issued.iter().next().unwrap(), "--reason", "x", "--replica", "../state"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("register's own folder"), "{err}");
    assert!(tables(&d.join("state/register.sqlite"))[2].is_empty(), "nothing revoked");
}
