//! Crash safety: `terbit issue` killed with SIGKILL at random moments and
//! started again, many times; then one run to the end. Whatever the kills
//! interrupted, the finished run must be exactly the run that was never
//! interrupted: no duplicate number, no gap, no application issued twice,
//! no torn, temporary or unlisted file, a manifest that matches the files
//! and the register, and byte-identical output.
//!
//! Short by default (part of `cargo test`). Issue 7's long run:
//!
//!     TERBIT_CRASH_CYCLES=100 TERBIT_CRASH_APPS=20000 \
//!         cargo test --release --test crash -- --nocapture
//!
//! `TERBIT_CRASH_SEED` repeats a sequence of kill moments.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[path = "common/trust_fixture.rs"]
mod fixture;

struct Setup {
    root: PathBuf,
    batch: Vec<PathBuf>,
    keys: PathBuf,
}

fn setup(root: &Path, applications: usize) -> Setup {
    // Three kinds, so kills land between kinds too.
    let (batch, keys) = fixture::sample_night(root, applications);
    Setup { root: root.to_path_buf(), batch, keys }
}

/// The keys for the runs under `out`: a copy of the office's keys per
/// out folder, each with its own register (a keys folder issues with
/// one register only).
fn keys_for(s: &Setup, out: &str) -> std::path::PathBuf {
    let dir = s.root.join(format!("keys-{out}"));
    if !dir.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&s.keys).unwrap().flatten().filter(|e| e.file_name() != "register-binding.json") {
            std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    dir
}

fn issue_command(s: &Setup, out: &str) -> Command {
    let keys = keys_for(s, out);
    let mut c = Command::new(env!("CARGO_BIN_EXE_terbit"));
    // Not --quiet: it keeps a done night's warnings (numbers taken over
    // from a stopped run) off stderr, and the tests read them there.
    c.arg("issue")
        .args(&s.batch)
        .arg("--keys")
        .arg(&keys)
        .arg("--out")
        .arg(s.root.join(out))
        .arg("--issued-on")
        .arg("2026-11-23")
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("TERBIT_SIGNING_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The only run directory under `<out>/`.
fn run_dir(out: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(out).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    assert_eq!(runs.len(), 1, "one run directory expected: {runs:?}");
    runs.into_iter().next().unwrap()
}

/// A register row: number, kind, application, serial, status, sha256 and
/// the number's series (kind, scope, issue date; the scope is the regency,
/// or for a family card's KK number its district, the number's first six
/// digits).
type Row = (String, String, String, i64, String, Option<String>, String);

fn register_rows(register: &Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(register).unwrap();
    let st = conn.prepare(
        "SELECT document_number, kind, application_id, serial, status, sha256, kind || '/' || \
         CASE WHEN kind = 'family_card' THEN substr(document_number, 1, 6) ELSE regency END || '/' || issue_date \
         FROM documents ORDER BY document_number",
    );
    // A kill right after the register file was created, before its
    // tables were: nothing numbered yet.
    let mut st = match st {
        Err(e) if e.to_string().contains("no such table") => return Vec::new(),
        other => other.unwrap(),
    };
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// What must hold at every instant, even right after a kill: numbers are
/// unique and gapless within their series, an application has at most one
/// number, a document marked issued is on disk with its recorded bytes,
/// and no file at a final name is torn.
fn check_between_kills(out: &Path) -> Vec<String> {
    check_run(out, &out.join("register.sqlite"))
}

fn check_run(out: &Path, register: &Path) -> Vec<String> {
    if !register.exists() {
        return Vec::new();
    }
    let mut problems = check_run_numbers(register);
    let rows = register_rows(register);
    let Ok(entries) = std::fs::read_dir(out) else { return problems };
    let Some(run) = entries.flatten().map(|e| e.path()).find(|p| p.is_dir()) else { return problems };
    let mut files = Vec::new();
    all_files(&run, &mut files);
    let issued: BTreeMap<&str, &str> =
        rows.iter().filter(|r| r.4 == "issued").filter_map(|r| r.5.as_deref().map(|h| (r.0.as_str(), h))).collect();
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "pdf") && !f.starts_with(run.join("print"))) {
        let bytes = std::fs::read(f).unwrap();
        if !bytes.starts_with(b"%PDF-") || !bytes.trim_ascii_end().ends_with(b"%%EOF") {
            problems.push(format!("{} is torn ({} bytes)", f.display(), bytes.len()));
        }
        let number = f.file_stem().unwrap().to_str().unwrap();
        if let Some(h) = issued.get(number) {
            if *h != sha256_hex(&bytes) {
                problems.push(format!("{} differs from its register entry", f.display()));
            }
        }
    }
    let on_disk: BTreeSet<String> = files.iter().filter_map(|f| f.file_stem()).map(|s| s.to_string_lossy().into_owned()).collect();
    for number in issued.keys() {
        if !on_disk.contains(*number) {
            problems.push(format!("{number} is marked issued but has no file"));
        }
    }
    problems
}

/// The finished run must equal the uninterrupted one, file for file.
fn check_finished(crashed: &Path, clean: &Path) -> Vec<String> {
    let mut problems = check_between_kills(crashed);
    let (a, b) = (run_dir(crashed), run_dir(clean));
    let listing = |dir: &Path| {
        let mut files = Vec::new();
        all_files(dir, &mut files);
        files.into_iter().map(|f| (f.strip_prefix(dir).unwrap().to_path_buf(), f)).collect::<BTreeMap<_, _>>()
    };
    let (fa, fb) = (listing(&a), listing(&b));
    let names_a: Vec<_> = fa.keys().collect();
    let names_b: Vec<_> = fb.keys().collect();
    if names_a != names_b {
        let extra: Vec<_> = fa.keys().filter(|k| !fb.contains_key(*k)).collect();
        let missing: Vec<_> = fb.keys().filter(|k| !fa.contains_key(*k)).collect();
        problems.push(format!("files differ from the uninterrupted run: extra {extra:?}, missing {missing:?}"));
    }
    for (name, path) in &fa {
        // The reports hold timings; everything else is deterministic.
        if name.as_os_str() == "report.json" || name.as_os_str() == "report.html" {
            continue;
        }
        if let Some(other) = fb.get(name) {
            if std::fs::read(path).unwrap() != std::fs::read(other).unwrap() {
                problems.push(format!("{} differs from the uninterrupted run", name.display()));
            }
        }
    }
    // The manifest lists exactly the documents on disk, with their digests,
    // and exactly the register's issued documents.
    let manifest = std::fs::read_to_string(a.join("manifest.csv")).unwrap();
    let mut listed = BTreeSet::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (number, file, sha) = (cols[0], cols[5], cols[6]);
        listed.insert(number.to_string());
        match std::fs::read(a.join(file)) {
            Ok(bytes) if sha256_hex(&bytes) == sha => {}
            _ => problems.push(format!("manifest row {number}: {file} missing or not the listed bytes")),
        }
    }
    let rows = register_rows(&crashed.join("register.sqlite"));
    let issued: BTreeSet<String> = rows.iter().filter(|r| r.4 == "issued").map(|r| r.0.clone()).collect();
    if issued != listed {
        problems.push(format!("register issued {} documents, manifest lists {}", issued.len(), listed.len()));
    }
    if rows.iter().any(|r| r.4 != "issued") {
        problems.push("documents left numbered but not issued".into());
    }
    let pdfs = fa.keys().filter(|k| k.extension().is_some_and(|e| e == "pdf") && !k.starts_with("print")).count();
    if pdfs != listed.len() {
        problems.push(format!("{pdfs} PDF files on disk, {} in the manifest", listed.len()));
    }
    problems
}

#[test]
fn killed_runs_resume_to_exactly_the_uninterrupted_run() {
    let cycles = env_or("TERBIT_CRASH_CYCLES", 12);
    let applications = env_or("TERBIT_CRASH_APPS", 600) as usize;
    let seed = env_or("TERBIT_CRASH_SEED", 7);
    let tmp = tempfile::tempdir().unwrap();
    let s = setup(tmp.path(), applications);

    // The run nobody interrupted, and how long it takes.
    let t = Instant::now();
    let clean = issue_command(&s, "clean").output().unwrap();
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    let full = t.elapsed();

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut killed, mut finished_before_kill) = (0, 0);
    // The shortest run seen bounds the kill moment, so nearly every cycle
    // kills a run in progress (a resumed run re-renders everything, so it
    // takes about as long as the first).
    let mut shortest = full;
    let mut attempts = 0;
    while killed < cycles && attempts < cycles * 3 {
        attempts += 1;
        let cycle = attempts;
        let at = Duration::from_micros(rng.random_range(0..=(shortest.as_micros() as u64 * 19 / 20).max(1)));
        let mut child = issue_command(&s, "crashed").spawn().unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() >= at {
                break None;
            }
            std::thread::sleep(Duration::from_micros(500));
        };
        match status {
            Some(status) => {
                let mut err = String::new();
                std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
                assert!(status.success(), "cycle {cycle}: the run failed by itself: {err}");
                shortest = shortest.min(started.elapsed());
                finished_before_kill += 1;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                killed += 1;
            }
        }
        let problems = check_between_kills(&s.root.join("crashed"));
        assert!(problems.is_empty(), "cycle {cycle} (killed at {at:?}, seed {seed}): {problems:#?}");
    }
    assert_eq!(killed, cycles, "{cycles} kills wanted, {killed} in {attempts} attempts");
    let last = issue_command(&s, "crashed").output().unwrap();
    assert!(last.status.success(), "{}", String::from_utf8_lossy(&last.stderr));
    let problems = check_finished(&s.root.join("crashed"), &s.root.join("clean"));
    println!(
        "crash test: {applications} applications, {killed} runs killed mid-run (SIGKILL) and resumed, {finished_before_kill} \
         attempts finished before their kill moment, a whole run {full:?}, seed {seed}: {} violation(s)",
        problems.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
    // And the resumed run verifies like any other.
    let run = run_dir(&s.root.join("crashed"));
    let bundle = s.root.join(fixture::bundle_for(&s.root, "keys"));
    let verify = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["verify", "--no-trust-memory", "--trust"])
        .arg(&bundle)
        .arg(&run)
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}

/// Run `terbit issue` with its output on a tmpfs of `size` in a private
/// mount namespace (needs root and unshare(1)). Where a sandbox forbids
/// mounting it is skipped, saying so — except under TERBIT_REQUIRE_TOOLS
/// (set by .ci/run), where it fails: CI must run it.
fn issue_on_small_disk(s: &Setup, size: &str, register: &Path) -> Option<std::process::Output> {
    fixture::tools::require("disk-full test", fixture::tools::small_disk())?;
    let disk = s.root.join("small-disk");
    std::fs::create_dir_all(&disk).unwrap();
    let mut c = Command::new("unshare");
    c.args(["-m", "sh", "-c", "mount -t tmpfs -o size=\"$1\" tmpfs \"$2\" && shift 2 && exec \"$@\"", "sh", size])
        .arg(&disk)
        .arg(env!("CARGO_BIN_EXE_terbit"))
        .arg("issue")
        .args(&s.batch)
        .arg("--keys")
        .arg(&s.keys)
        .arg("--out")
        .arg(disk.join("out"))
        .arg("--register")
        .arg(register)
        .arg("--issued-on")
        .arg("2026-11-23")
        .env_remove("SOURCE_DATE_EPOCH");
    Some(c.output().unwrap())
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_run_then_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let s = setup(tmp.path(), 300);
    let register = s.root.join("register.sqlite");
    let Some(out) = issue_on_small_disk(&s, "256k", &register) else { return };
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("No space left on device") && err.contains("hint: the disk is full"), "{err}");
    // Nothing half-registered: no document is marked issued (its file never
    // reached a finished run), however many were numbered.
    let rows = register_rows(&register);
    assert!(!rows.is_empty(), "numbers were committed before writing");
    // Run again with room: the same numbers, every application accounted for.
    let again = issue_command(&s, "roomy").arg("--register").arg(&register).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let after = register_rows(&register);
    let before: BTreeSet<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert!(before.iter().all(|n| after.iter().any(|r| &r.0 == n)), "a number given before the failure was lost");
    assert!(after.iter().all(|r| r.4 == "issued"));
    let problems = check_run(&s.root.join("roomy"), &register);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn an_output_path_through_a_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let s = setup(tmp.path(), 20);
    std::fs::write(s.root.join("not-a-folder"), b"x").unwrap();
    let out = issue_command(&s, "not-a-folder/out").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not-a-folder") && err.contains("hint:"), "{err}");
}

/// Every PDF under `out`'s run folders that no finished run lists: in a
/// run without a manifest, every PDF, finished or temporary (documents and
/// print files); in a finished run, a document file its manifest does not
/// list.
fn outside_manifests(out: &Path) -> Vec<String> {
    let mut outside = Vec::new();
    let Ok(entries) = std::fs::read_dir(out) else { return outside };
    for run in entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
        let mut files = Vec::new();
        all_files(&run, &mut files);
        let listed: BTreeSet<PathBuf> = match std::fs::read_to_string(run.join("manifest.csv")) {
            Ok(m) => {
                let mut lines = m.lines();
                let header = terbit::util::csvin::split_line(lines.next().unwrap_or(""));
                let col = header.iter().position(|h| h == "file").unwrap();
                lines.map(|l| run.join(&terbit::util::csvin::split_line(l)[col])).collect()
            }
            Err(_) => {
                // Any PDF, finished or temporary (a half-written print file
                // holds signed pages too).
                outside.extend(files.iter().filter(|f| f.file_name().is_some_and(|n| n.to_string_lossy().contains(".pdf"))).map(|f| f.display().to_string()));
                continue;
            }
        };
        for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "pdf") && !f.starts_with(run.join("print"))) {
            if !listed.contains(f) {
                outside.push(f.display().to_string());
            }
        }
    }
    outside
}

/// The recovery README gives after a kill: a corrected re-export. Each
/// cycle kills a run at a random moment, re-exports the births with one
/// row fixed away (a new file, a new run), and runs again: the documents
/// the killed run wrote are adopted (made again, listed and sealed) and
/// its stale files go; if the row taken out had been numbered, the run
/// says the killed run is not done and exits 1, and running the killed
/// run's batch again finishes it. No number twice, no gap, and at the end
/// no file outside every manifest.
#[test]
fn corrected_re_exports_after_kills_strand_nothing() {
    let cycles = env_or("TERBIT_RECOVERY_CYCLES", 20);
    let applications = env_or("TERBIT_RECOVERY_APPS", 240) as usize;
    let seed = env_or("TERBIT_CRASH_SEED", 11);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut with_written, mut not_done, mut adopted_total) = (0, 0, 0);
    // How long a whole run takes bounds the kill moment.
    let probe = tempfile::tempdir().unwrap();
    let ps = setup(probe.path(), applications);
    let t = Instant::now();
    assert!(issue_command(&ps, "out").output().unwrap().status.success());
    let full = t.elapsed();
    for cycle in 0..cycles {
        let tmp = tempfile::tempdir().unwrap();
        let s = setup(tmp.path(), applications);
        let out = s.root.join("out");
        let register = out.join("register.sqlite");
        let original = std::fs::read(&s.batch[0]).unwrap();
        // Three kills in four wait until some documents are written (a
        // random number of them), the rest land at a random early moment.
        let at = Duration::from_micros(rng.random_range(0..=(full.as_micros() as u64 / 3).max(2)));
        let wait_for_written = if rng.random_range(0..4) < 3 { Some(rng.random_range(1..=applications / 2)) } else { None };
        let mut child = issue_command(&s, "out").spawn().unwrap();
        let started = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(60) {
                break;
            }
            match wait_for_written {
                None if started.elapsed() >= at => break,
                Some(n) if register.exists() && register_rows(&register).iter().filter(|r| r.4 == "issued").count() >= n => break,
                _ => {}
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let finished_first = child.try_wait().unwrap().is_some_and(|st| st.success());
        let _ = child.kill();
        child.wait().unwrap();
        let first_rows = if register.exists() { register_rows(&register) } else { Vec::new() };
        let written_before = first_rows.iter().filter(|r| r.4 == "issued").count();
        if written_before > 0 {
            with_written += 1;
        }
        // The corrected export: one birth row taken out, other line endings.
        let births = String::from_utf8(original.clone()).unwrap();
        let mut lines: Vec<&str> = births.lines().collect();
        let dropped = lines.remove(1 + rng.random_range(0..lines.len() - 1)).split(',').next().unwrap().to_string();
        std::fs::write(&s.batch[0], lines.join("\r\n") + "\r\n").unwrap();
        let again = issue_command(&s, "out").output().unwrap();
        let err = String::from_utf8_lossy(&again.stderr).into_owned();
        let killed_held_dropped = !finished_first && first_rows.iter().any(|r| r.1 == "birth" && r.2 == dropped);
        if killed_held_dropped {
            // The killed run still holds a number this batch does not: not done.
            assert_eq!(again.status.code(), Some(1), "cycle {cycle}: {err}");
            assert!(err.contains("NOT DONE") && err.contains("stopped before it finished"), "cycle {cycle}: {err}");
            not_done += 1;
            // Finishing it: the killed run's own batch again.
            std::fs::write(&s.batch[0], &original).unwrap();
            let last = issue_command(&s, "out").output().unwrap();
            assert!(last.status.success(), "cycle {cycle}: finishing the killed run: {}", String::from_utf8_lossy(&last.stderr));
        } else {
            assert!(again.status.success(), "cycle {cycle}: {err}");
        }
        adopted_total += first_rows.iter().filter(|r| r.2 != dropped).count();
        let problems = check_run_numbers(&register);
        assert!(problems.is_empty(), "cycle {cycle}: {problems:#?}");
        let outside = outside_manifests(&out);
        assert!(outside.is_empty(), "cycle {cycle} (seed {seed}): {} file(s) outside every manifest: {outside:#?}", outside.len());
        // No run folder is left without a manifest: finished, or emptied
        // by the run that took its numbers over.
        let bare: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir() && !p.join("manifest.csv").exists()).collect();
        assert!(bare.is_empty(), "cycle {cycle}: run folders without a manifest: {bare:?}");
        // Every application numbered is issued, once.
        let rows = register_rows(&register);
        assert!(rows.iter().all(|r| r.4 == "issued"), "cycle {cycle}: numbers left unissued");
    }
    println!(
        "recovery test: {cycles} runs killed, each followed by a corrected re-export ({applications} applications, seed {seed}); \
         {with_written} had written documents, {not_done} were named NOT DONE and then finished, {adopted_total} numbers carried over: 0 files outside every manifest"
    );
    assert!(with_written >= cycles / 2, "most kills should land after documents were written ({with_written} of {cycles})");
}

/// No number twice, no application twice, serials without gaps.
fn check_run_numbers(register: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let rows = register_rows(register);
    let mut series: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let (mut numbers, mut apps) = (BTreeSet::new(), BTreeSet::new());
    for r in &rows {
        if !numbers.insert(r.0.clone()) {
            problems.push(format!("number {} given twice", r.0));
        }
        if !apps.insert((r.1.clone(), r.2.clone())) {
            problems.push(format!("application {}/{} has two numbers", r.1, r.2));
        }
        series.entry(r.6.clone()).or_default().push(r.3);
    }
    for (s, mut serials) in series {
        serials.sort();
        if serials != (1..=serials.len() as i64).collect::<Vec<_>>() {
            problems.push(format!("series {s}: serials {serials:?} are not 1..{}", serials.len()));
        }
    }
    problems
}

#[test]
fn a_corrected_re_export_after_a_kill_finishes_the_numbered_applications() {
    let tmp = tempfile::tempdir().unwrap();
    let s = setup(tmp.path(), 600);
    let out = s.root.join("out");
    let register = out.join("register.sqlite");
    // Kill the first run once it has numbered applications and written
    // some, not all, of their documents.
    let mut child = issue_command(&s, "out").spawn().unwrap();
    let started = Instant::now();
    loop {
        let rows = if register.exists() { register_rows(&register) } else { Vec::new() };
        let issued = rows.iter().filter(|r| r.4 == "issued").count();
        if (issued > 0 && issued < rows.len()) || child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    child.wait().unwrap();
    let first_rows = register_rows(&register);
    let unwritten: Vec<&Row> = first_rows.iter().filter(|r| r.4 != "issued").collect();
    assert!(!unwritten.is_empty(), "the run was killed after everything was written; nothing to test");
    // The office re-exports the births with one row fixed away and other
    // line endings: a new file, a new run.
    let births = std::fs::read_to_string(&s.batch[0]).unwrap();
    let mut lines: Vec<&str> = births.lines().collect();
    let dropped = lines.remove(lines.len() / 2).split(',').next().unwrap().to_string();
    std::fs::write(&s.batch[0], lines.join("\r\n") + "\r\n").unwrap();
    let again = issue_command(&s, "out").output().unwrap();
    let err = String::from_utf8_lossy(&again.stderr);
    let dropped_numbered = first_rows.iter().any(|r| r.2 == dropped);
    assert!(again.status.success() || (dropped_numbered && again.status.code() == Some(1)), "{err}");
    assert!(err.contains("are issued by this run under the same numbers"), "{err}");
    let rows = register_rows(&register);
    // No number given twice, no application twice, serials without gaps.
    let mut series: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let (mut numbers, mut apps) = (BTreeSet::new(), BTreeSet::new());
    for r in &rows {
        assert!(numbers.insert(r.0.clone()), "number {} given twice", r.0);
        assert!(apps.insert((r.1.clone(), r.2.clone())), "application {}/{} has two numbers", r.1, r.2);
        series.entry(r.6.clone()).or_default().push(r.3);
    }
    for (s, mut serials) in series {
        serials.sort();
        assert_eq!(serials, (1..=serials.len() as i64).collect::<Vec<_>>(), "series {s} has gaps");
    }
    // Every number the killed run gave is issued now, under the same number,
    // except the dropped application's (if the killed run had numbered it),
    // which the run names as still unissued.
    for r in &first_rows {
        let now = rows.iter().find(|n| n.0 == r.0).unwrap();
        if r.2 == dropped {
            // Left as it was; the run names the killed run as not done.
            assert_eq!(now.4, r.4);
            assert!(err.contains("NOT DONE"), "{err}");
        } else {
            assert_eq!((now.2.as_str(), now.4.as_str()), (r.2.as_str(), "issued"), "{} not finished", r.0);
        }
    }
    // No stale copy of an adopted document is left in the killed run's folder.
    let mut runs: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    runs.sort_by_key(|p| p.join("manifest.csv").exists());
    let (killed_run, new_run) = (&runs[0], &runs[1]);
    let mut stale = Vec::new();
    all_files(killed_run, &mut stale);
    for r in unwritten.iter().filter(|r| r.2 != dropped) {
        assert!(!stale.iter().any(|f| f.file_stem().is_some_and(|s| s == r.0.as_str())), "a stale copy of {} is left", r.0);
    }
    // And the new run verifies whole.
    let bundle = s.root.join(fixture::bundle_for(&s.root, "keys"));
    let v = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["verify", "--no-trust-memory", "--trust"])
        .arg(&bundle)
        .arg(new_run)
        .output()
        .unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
}
