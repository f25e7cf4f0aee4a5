//! The register on a real PostgreSQL server (tests/common/pg.rs), driven
//! through the real `terbit` binary the way a district's hosts drive it:
//!
//! 1. runs killed (SIGKILL) at random moments and the server itself
//!    stopped immediately mid-run, many times, each followed by the same
//!    night again; at the end one run to completion, which must be the
//!    uninterrupted night (on an SQLite register) file for file;
//! 2. two hosts splitting one night by service point against one server,
//!    concurrently; then one of them killed mid-night and its part
//!    finished by the other (the same batch files: the same run);
//! 3. the primary stopped mid-night and its synchronous standby promoted:
//!    the night finishes against the promoted server.
//!
//! Invariants checked throughout (tests/common/ledger.rs): each
//! application in exactly one of a manifest or the rejects, no number
//! twice, no gap in any series, the register's documents exactly the
//! manifests' rows, its counters exactly its documents, and
//! `terbit register check` clean.
//!
//! Each test skips (and says so) without PostgreSQL, and fails under
//! TERBIT_REQUIRE_TOOLS. Short by default; a long drill:
//!
//!     TERBIT_PG_CRASH_KILLS=300 TERBIT_PG_CRASH_STOPS=60 TERBIT_PG_CRASH_APPS=2000 \
//!         cargo test --release --test register_postgresql -- --nocapture
//!
//! `TERBIT_CRASH_SEED` repeats a sequence of kill and stop moments.

#[path = "common/trust_fixture.rs"]
mod fixture;
// The fixture's probe module, where pg.rs looks for it (`crate::tools`).
use fixture::tools;
#[path = "common/pg.rs"]
mod pg;
#[path = "common/ledger.rs"]
mod ledger;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use terbit::kind::region::Region;

use pg::PgCluster;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// How long a run may take before the test calls it hung (a run of the
/// default size takes about a second in the debug build).
const HANG: Duration = Duration::from_secs(120);

/// A night's batch (three kinds: a family card is several rows, numbered
/// per district) and the office's keys.
struct Night {
    root: PathBuf,
    batch: Vec<PathBuf>,
    keys: PathBuf,
}

fn night(root: &Path, applications: usize) -> Night {
    let (batch, keys) = fixture::sample_night(root, applications);
    Night { root: root.to_path_buf(), batch, keys }
}

impl Night {
    /// A copy of the office's keys for one host (or one register): a keys
    /// folder records the one register it issues with.
    fn keys_copy(&self, name: &str) -> PathBuf {
        let dir = self.root.join(format!("keys-{name}"));
        if !dir.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            for e in std::fs::read_dir(&self.keys).unwrap().flatten().filter(|e| e.file_name() != "register-binding.json") {
                std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
            }
        }
        dir
    }

    /// Split each batch file by service point: applications handed out at
    /// one of `host_a`'s service points go to host A's file
    /// (`<kind>-A.csv`), the rest to B's. An application's rows (a family
    /// card's members) stay together, by its first row's service point.
    fn split(&self, host_a: &BTreeSet<String>) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for file in &self.batch {
            let text = std::fs::read_to_string(file).unwrap();
            let mut lines = text.lines();
            let header = lines.next().unwrap();
            let names = terbit::util::csvin::split_line(header);
            let (id, sp) = (names.iter().position(|n| n == "application_id").unwrap(), names.iter().position(|n| n == "service_point").unwrap());
            let mut host_of: BTreeMap<String, bool> = BTreeMap::new();
            let (mut text_a, mut text_b) = (format!("{header}\n"), format!("{header}\n"));
            for line in lines {
                let cells = terbit::util::csvin::split_line(line);
                let to_a = *host_of.entry(cells[id].clone()).or_insert_with(|| host_a.contains(&cells[sp]));
                let text = if to_a { &mut text_a } else { &mut text_b };
                text.push_str(line);
                text.push('\n');
            }
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            for (host, text, files) in [("A", text_a, &mut a), ("B", text_b, &mut b)] {
                let path = self.root.join(format!("{stem}-{host}.csv"));
                std::fs::write(&path, text).unwrap();
                files.push(path);
            }
        }
        (a, b)
    }
}

/// `terbit issue` of `batch` with `keys` into `out`, against `register`
/// (a URL, or None for the default SQLite file), its output in
/// `<out>.<n>.stdout` / `.stderr` (files: a pipe nobody reads while it
/// runs could fill and stop it).
fn issue(batch: &[PathBuf], keys: &Path, out: &Path, register: Option<&str>, n: usize) -> (Command, PathBuf, PathBuf) {
    let logs = out.with_extension(format!("{n}.stdout"));
    let errs = out.with_extension(format!("{n}.stderr"));
    let mut c = Command::new(env!("CARGO_BIN_EXE_terbit"));
    c.arg("issue").args(batch).arg("--keys").arg(keys).arg("--out").arg(out).arg("--issued-on").arg("2026-11-23");
    if let Some(r) = register {
        c.arg("--register").arg(r);
    }
    c.env_remove("SOURCE_DATE_EPOCH")
        .env_remove("TERBIT_SIGNING_KEY")
        .stdin(Stdio::null())
        .stdout(File::create(&logs).unwrap())
        .stderr(File::create(&errs).unwrap());
    (c, logs, errs)
}

/// The child's end, or None once `limit` has passed (still running).
fn wait_for(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let t = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        if t.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Run to its end, which must be a done night (exit 0); its stdout.
fn run_ok(what: &str, (mut c, logs, errs): (Command, PathBuf, PathBuf)) -> String {
    let mut child = c.spawn().unwrap();
    let status = wait_for(&mut child, HANG);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let (out, err) = (std::fs::read_to_string(&logs).unwrap_or_default(), std::fs::read_to_string(&errs).unwrap_or_default());
    assert!(status.is_some_and(|s| s.success()), "{what}: {status:?} (None: hung for {HANG:?})\n{out}\n{err}");
    out
}

fn terbit(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_terbit")).args(args).env_remove("SOURCE_DATE_EPOCH").output().unwrap();
    (o.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

/// `terbit register check` of `outs` against `register`: clean (exit 0).
fn register_check_clean(register: &str, keys: &Path, outs: &[&Path]) {
    let mut args = vec!["register".to_string(), "check".into(), "--register".into(), register.into(), "--keys".into(), keys.display().to_string(), "--runs".into()];
    args.extend(outs.iter().map(|o| o.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out) = terbit(&args);
    assert_eq!(code, 0, "terbit {args:?}:\n{out}");
    assert!(out.contains("register check: clean"), "{out}");
}

/// One register document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Doc {
    number: String,
    kind: String,
    application_id: String,
    run_id: String,
    issued: bool,
    sha256: Option<String>,
}

fn client(url: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(url, postgres::NoTls)
}

/// The register's documents (none before the first run made its tables).
fn documents(url: &str) -> Vec<Doc> {
    let mut c = client(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let sql = "SELECT document_number, kind, application_id, run_id, status = 'issued', sha256 FROM documents ORDER BY document_number";
    match c.query(sql, &[]) {
        Ok(rows) => rows.iter().map(|r| Doc { number: r.get(0), kind: r.get(1), application_id: r.get(2), run_id: r.get(3), issued: r.get(4), sha256: r.get(5) }).collect(),
        Err(e) if e.as_db_error().is_some_and(|d| d.code() == &postgres::error::SqlState::UNDEFINED_TABLE) => Vec::new(),
        Err(e) => panic!("{url}: {e}"),
    }
}

/// Documents marked issued, or 0 where the server does not answer.
fn issued_count(url: &str) -> i64 {
    let Ok(mut c) = client(url) else { return 0 };
    c.query_one("SELECT count(*) FROM documents WHERE status = 'issued'", &[]).map(|r| r.get(0)).unwrap_or(0)
}

/// What must hold in the register at every instant, whatever was
/// stopped: no number twice, serials gap-free per series, each counter
/// exactly its series' documents (a counter past them is a number lost);
/// and each document marked issued is on disk under one of `outs` with its
/// recorded bytes, no file at a final name torn.
fn check_at_rest(url: &str, outs: &[&Path]) -> Vec<String> {
    let docs = documents(url);
    let mut problems = ledger::numbers_gap_free(docs.iter().map(|d| (d.kind.as_str(), d.number.as_str())));
    if !docs.is_empty() {
        let mut c = client(url).unwrap();
        let counters = c
            .query(
                "SELECT s.scope, s.kind, s.issue_date, s.last, (SELECT count(*) FROM documents d WHERE d.kind = s.kind AND d.issue_date = s.issue_date
                   AND (CASE WHEN d.kind = 'family_card' THEN substr(d.document_number, 1, 6) ELSE d.regency END) = s.scope) FROM serials s",
                &[],
            )
            .unwrap();
        for r in counters {
            let (last, count): (i64, i64) = (r.get(3), r.get(4));
            if last != count {
                problems.push(format!("counter {}/{}/{} is at {last}, its documents {count}", r.get::<_, String>(0), r.get::<_, String>(1), r.get::<_, String>(2)));
            }
        }
    }
    let mut files = BTreeMap::new();
    for run in outs.iter().flat_map(|out| ledger::run_dirs(out)) {
        let mut all = Vec::new();
        all_files(&run, &mut all);
        for f in all.into_iter().filter(|f| f.extension().is_some_and(|e| e == "pdf") && !f.starts_with(run.join("print"))) {
            let bytes = std::fs::read(&f).unwrap();
            if !bytes.starts_with(b"%PDF-") || !bytes.trim_ascii_end().ends_with(b"%%EOF") {
                problems.push(format!("{} is torn ({} bytes)", f.display(), bytes.len()));
            }
            files.insert(f.file_stem().unwrap().to_string_lossy().into_owned(), hex::encode(Sha256::digest(&bytes)));
        }
    }
    for d in docs.iter().filter(|d| d.issued) {
        match files.get(&d.number) {
            None => problems.push(format!("{} is marked issued but has no file", d.number)),
            Some(sha) if d.sha256.as_deref() != Some(sha.as_str()) => problems.push(format!("{}'s file differs from its register entry", d.number)),
            Some(_) => {}
        }
    }
    problems
}

/// The finished night's invariants over `outs` (host folders) and the
/// register at `url`: every application of `batch` accounted for once,
/// the manifests gap-free and nothing twice, the register's documents
/// exactly the manifests' rows (all issued), every listed file with its
/// listed bytes.
fn check_finished(url: &str, batch: &[PathBuf], outs: &[&Path]) -> Vec<String> {
    let issued = ledger::manifests(outs);
    let rejects = ledger::rejects(outs);
    let mut problems = ledger::accounted(batch, &issued, &rejects);
    problems.extend(ledger::numbers_gap_free(issued.iter().map(|d| (d.kind.as_str(), d.number.as_str()))));
    for d in &issued {
        let file = d.manifest.parent().unwrap().join(&d.file);
        match std::fs::read(&file) {
            Ok(bytes) if hex::encode(Sha256::digest(&bytes)) == d.sha256 => {}
            _ => problems.push(format!("{}: {} missing or not the listed bytes", d.manifest.display(), d.file)),
        }
    }
    let listed: BTreeSet<(String, String, String)> = issued.iter().map(|d| (d.number.clone(), d.kind.clone(), d.application_id.clone())).collect();
    let docs = documents(url);
    let recorded: BTreeSet<(String, String, String)> = docs.iter().map(|d| (d.number.clone(), d.kind.clone(), d.application_id.clone())).collect();
    for d in docs.iter().filter(|d| !d.issued) {
        problems.push(format!("{} ({} {}) is numbered but never issued", d.number, d.kind, d.application_id));
    }
    for x in recorded.difference(&listed) {
        problems.push(format!("register holds {x:?}, no manifest lists it"));
    }
    for x in listed.difference(&recorded) {
        problems.push(format!("manifest lists {x:?}, the register does not hold it"));
    }
    problems
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

/// Every file of the only run folder under `out`, by its path in it.
fn listing(out: &Path) -> BTreeMap<PathBuf, PathBuf> {
    let runs = ledger::run_dirs(out);
    assert_eq!(runs.len(), 1, "one run folder expected under {}: {runs:?}", out.display());
    let mut files = Vec::new();
    all_files(&runs[0], &mut files);
    files.into_iter().map(|f| (f.strip_prefix(&runs[0]).unwrap().to_path_buf(), f)).collect()
}

/// What a run stopped by its server's crash said: an error naming the
/// register (by its URL), never a panic.
fn stopped_by_the_server(status: ExitStatus, err: &str, url: &str, what: &str) {
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(!status.success(), "{what}: the run succeeded with its server stopped: {err}");
    assert!(err.contains(url), "{what}: the error does not name the register {url}: {err}");
}

#[test]
fn killed_runs_and_server_crashes_resume_to_the_uninterrupted_night() {
    let kills = env_or("TERBIT_PG_CRASH_KILLS", 50);
    let stops = env_or("TERBIT_PG_CRASH_STOPS", 10);
    let applications = env_or("TERBIT_PG_CRASH_APPS", 240) as usize;
    let seed = env_or("TERBIT_CRASH_SEED", 7);
    let began = Instant::now();
    let Some(db) = PgCluster::start("terbit issue killed and its PostgreSQL server crashed mid-run (tests/register_postgresql.rs)") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let n = night(tmp.path(), applications);
    let url = db.url();

    // The night nobody interrupted, on an SQLite register: the finished
    // night on PostgreSQL must be the same, file for file.
    let clean_out = n.root.join("clean");
    let t = Instant::now();
    run_ok("the uninterrupted night", issue(&n.batch, &n.keys_copy("clean"), &clean_out, None, 0));
    let full = t.elapsed();

    let keys = n.keys_copy("pg");
    let out = n.root.join("crashed");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut killed, mut stopped, mut finished_first, mut refused_live, mut cut_off) = (0, 0, 0, 0, 0);
    let mut shortest = full;
    let mut attempts = 0;
    // What the runs cut off by a server stop said, each once.
    let mut messages = BTreeSet::new();
    while (killed < kills || stopped < stops) && attempts < (kills + stops) * 4 {
        attempts += 1;
        let stop_server = rng.random_range(0..(kills - killed.min(kills)) + (stops - stopped.min(stops))) < stops - stopped.min(stops);
        let at = Duration::from_micros(rng.random_range(0..=(shortest.as_micros() as u64 * 19 / 20).max(1)));
        let (mut c, _, errs) = issue(&n.batch, &keys, &out, Some(&url), attempts as usize);
        let mut child = c.spawn().unwrap();
        let started = Instant::now();
        let ended = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if started.elapsed() >= at {
                break None;
            }
            std::thread::sleep(Duration::from_micros(500));
        };
        let what = format!("attempt {attempts} (seed {seed}, {} at {at:?})", if stop_server { "server stop" } else { "kill" });
        match ended {
            Some(status) => {
                let err = std::fs::read_to_string(&errs).unwrap();
                if !status.success() && err.contains("is being issued now by another host") {
                    // The killed attempt's server session had not ended
                    // yet: its run was still claimed.
                    refused_live += 1;
                } else {
                    assert!(status.success(), "{what}: the run failed by itself: {err}");
                    shortest = shortest.min(started.elapsed());
                    finished_first += 1;
                }
            }
            None if stop_server => {
                db.stop_immediate();
                let status = wait_for(&mut child, HANG);
                if status.is_none() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                let err = std::fs::read_to_string(&errs).unwrap();
                let status = status.unwrap_or_else(|| panic!("{what}: the run did not end within {HANG:?} of its server's stop: {err}"));
                // A run that finished in the moment before the stop is fine.
                if !status.success() {
                    stopped_by_the_server(status, &err, &url, &what);
                    cut_off += 1;
                    messages.insert(err.lines().filter(|l| !l.contains(" INFO ") && !l.contains(" WARN ")).collect::<Vec<_>>().join(" / ").replace(&url, "<register>"));
                }
                stopped += 1;
                db.start_again();
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                killed += 1;
            }
        }
        let problems = check_at_rest(&url, &[&out]);
        assert!(problems.is_empty(), "{what}: {problems:#?}");
    }
    assert!(killed >= kills && stopped >= stops, "{kills} kills and {stops} server stops wanted, {killed} and {stopped} in {attempts} attempts");

    // The last run, to the end: the uninterrupted night, file for file.
    run_ok("the last run", issue(&n.batch, &keys, &out, Some(&url), 0));
    let (crashed, clean) = (listing(&out), listing(&clean_out));
    let mut problems = Vec::new();
    // The reports hold timings; everything else is deterministic.
    let timed = |k: &Path| k.to_str().is_some_and(|k| k.starts_with("report."));
    let names = |l: &BTreeMap<PathBuf, PathBuf>| l.keys().filter(|k| !timed(k)).cloned().collect::<Vec<_>>();
    if names(&crashed) != names(&clean) {
        problems.push(format!("files differ from the uninterrupted night: {:?} vs {:?}", names(&crashed), names(&clean)));
    }
    for (name, path) in crashed.iter().filter(|(k, _)| !timed(k)) {
        if clean.get(name).is_some_and(|other| std::fs::read(path).unwrap() != std::fs::read(other).unwrap()) {
            problems.push(format!("{} differs from the uninterrupted night", name.display()));
        }
    }
    problems.extend(check_at_rest(&url, &[&out]));
    problems.extend(check_finished(&url, &n.batch, &[&out]));
    println!(
        "PostgreSQL crash drill: {applications} applications, {killed} runs killed (SIGKILL) and {stopped} server stops mid-run ({cut_off} ended the run with an error), \
         {finished_first} attempts finished before their moment, {refused_live} refused while the killed run's session lingered, \
         {attempts} attempts, a whole run {full:?}, seed {seed}, {:?} in all: {} violation(s)",
        began.elapsed(),
        problems.len()
    );
    println!("runs cut off by a server stop said:\n  {}", messages.into_iter().collect::<Vec<_>>().join("\n  "));
    assert!(problems.is_empty(), "{problems:#?}");
    register_check_clean(&url, &keys, &[&out]);
    let run = ledger::run_dirs(&out).remove(0);
    let bundle = n.root.join(fixture::bundle_for(&n.root, "keys"));
    let (code, said) = terbit(&["verify", "--no-trust-memory", "--trust", bundle.to_str().unwrap(), run.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}");
}

/// Host A's service points: the first half of the region's.
fn host_a_points() -> BTreeSet<String> {
    let region = Region::kediri();
    let all: Vec<String> = region.service_points.iter().map(|s| s.code.clone()).collect();
    all[..all.len() / 2].iter().cloned().collect()
}

/// Every manifest row of `out` is of the host's own service points.
fn only_points(out: &Path, points: &BTreeSet<String>, host_a: bool) {
    for d in ledger::manifests(&[out]) {
        assert_eq!(points.contains(&d.service_point), host_a, "{} of {} in {}", d.number, d.service_point, out.display());
    }
}

/// Two hosts issue their parts of a night at once, each into its own out
/// folder with its own keys folder, on one register; several rounds, each
/// on a new database of the server (`TERBIT_PG_HOSTS_ROUNDS`): the hosts
/// end at nearly the same moment, when one reads the other's run as live
/// or finished.
#[test]
fn two_hosts_split_a_night_by_service_point() {
    let began = Instant::now();
    let Some(db) = PgCluster::start("two hosts issue one night on one PostgreSQL register (tests/register_postgresql.rs)") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let n = night(tmp.path(), env_or("TERBIT_PG_HOSTS_APPS", 240) as usize);
    let points = host_a_points();
    let (batch_a, batch_b) = n.split(&points);
    let rounds = env_or("TERBIT_PG_HOSTS_ROUNDS", 4);
    let mut issued = 0;
    for round in 0..rounds {
        // A new database each round: the same night from scratch.
        let name = format!("round{round}");
        db.psql(&format!("CREATE DATABASE {name}"));
        let url = format!("{}/{name}", db.url().rsplit_once('/').unwrap().0);
        let (out_a, out_b) = (n.root.join(format!("{name}-out-a")), n.root.join(format!("{name}-out-b")));
        let (keys_a, keys_b) = (n.keys_copy(&format!("{name}-a")), n.keys_copy(&format!("{name}-b")));
        let (mut a, _, errs_a) = issue(&batch_a, &keys_a, &out_a, Some(&url), 0);
        let (mut b, _, errs_b) = issue(&batch_b, &keys_b, &out_b, Some(&url), 0);
        let (mut a, mut b) = (a.spawn().unwrap(), b.spawn().unwrap());
        let (sa, sb) = (wait_for(&mut a, HANG), wait_for(&mut b, HANG));
        let mut said = String::new();
        for (host, s, c, errs) in [("A", sa, &mut a, &errs_a), ("B", sb, &mut b, &errs_b)] {
            if s.is_none() {
                let _ = c.kill();
                let _ = c.wait();
            }
            said.push_str(&format!("host {host}: {s:?}\n{}\n", std::fs::read_to_string(errs).unwrap()));
        }
        assert!(sa.is_some_and(|s| s.success()) && sb.is_some_and(|s| s.success()), "round {round}:\n{said}");
        only_points(&out_a, &points, true);
        only_points(&out_b, &points, false);
        let batch: Vec<PathBuf> = batch_a.iter().chain(&batch_b).cloned().collect();
        let problems = check_finished(&url, &batch, &[&out_a, &out_b]);
        assert!(problems.is_empty(), "round {round}: {problems:#?}");
        issued += ledger::manifests(&[&out_a, &out_b]).len();
        register_check_clean(&url, &keys_a, &[&out_a, &out_b]);
    }
    println!("two hosts, one night: {rounds} round(s), {issued} documents from two concurrent runs each, {:?}", began.elapsed());
}

#[test]
fn a_host_killed_mid_night_is_finished_by_the_other() {
    let began = Instant::now();
    let Some(db) = PgCluster::start("a host killed mid-night, its part finished by another (tests/register_postgresql.rs)") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let n = night(tmp.path(), env_or("TERBIT_PG_HOSTS_APPS", 240) as usize);
    let points = host_a_points();
    let (batch_a, batch_b) = n.split(&points);
    let url = db.url();
    let (out_a, out_b) = (n.root.join("out-a"), n.root.join("out-b"));
    let (keys_a, keys_b) = (n.keys_copy("a"), n.keys_copy("b"));
    let (mut a, _, errs_a) = issue(&batch_a, &keys_a, &out_a, Some(&url), 0);
    let (mut b, _, errs_b) = issue(&batch_b, &keys_b, &out_b, Some(&url), 0);
    let (mut a, mut b) = (a.spawn().unwrap(), b.spawn().unwrap());
    // Host A dies once it has written some of its documents.
    let started = Instant::now();
    while issued_of_points(&url, &points) < 3 {
        assert!(a.try_wait().unwrap().is_none(), "host A finished before it could be killed: {}", std::fs::read_to_string(&errs_a).unwrap());
        assert!(started.elapsed() < HANG, "host A wrote nothing within {HANG:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Host A stalls (stopped, its connection open): its run is still its
    // own, and a second host with the same batch is refused, naming it.
    let pid = rustix::process::Pid::from_child(&a);
    rustix::process::kill_process(pid, rustix::process::Signal::STOP).unwrap();
    let (mut c, logs, errs) = issue(&batch_a, &keys_b, &out_b, Some(&url), 9);
    let refused = c.status().unwrap();
    let said = std::fs::read_to_string(&errs).unwrap() + &std::fs::read_to_string(&logs).unwrap();
    assert_eq!(refused.code(), Some(2), "a second host took a run another holds: {said}");
    assert!(said.contains("is being issued now by another host") && said.contains(&url), "{said}");
    a.kill().unwrap(); // SIGKILL, which a stopped process takes too
    a.wait().unwrap();
    let sb = wait_for(&mut b, HANG);
    let run_a = ledger::run_dirs(&out_a).remove(0).file_name().unwrap().to_string_lossy().into_owned();
    // Host B's own part is issued; if it ended after A died, it names A's
    // run as stopped (its documents in no manifest): not a done night yet.
    let err_b = std::fs::read_to_string(&errs_b).unwrap();
    let named = sb.is_some_and(|s| s.code() == Some(1)) && err_b.contains(&format!("NOT DONE — run {run_a} stopped before it finished"));
    assert!(sb.is_some_and(|s| s.success()) || named, "host B's own part: {sb:?}: {err_b}");
    let problems = check_at_rest(&url, &[&out_a, &out_b]);
    assert!(problems.is_empty(), "after host A's death: {problems:#?}");
    // What host A held when it died: its run's numbers, by application.
    let held: BTreeMap<(String, String), String> =
        documents(&url).into_iter().filter(|d| d.run_id == run_a).map(|d| ((d.kind, d.application_id), d.number)).collect();
    assert!(!held.is_empty());
    // Host B finishes A's part: A's batch files, so the same run.
    let said = run_ok("host B finishing host A's part", issue(&batch_a, &keys_b, &out_b, Some(&url), 1));
    assert!(said.contains("already numbered by an earlier attempt of this run"), "{said}");
    assert!(out_b.join(&run_a).join("manifest.csv").is_file(), "host B did not finish run {run_a}");
    for d in ledger::manifests(&[&out_b.join(&run_a)]) {
        if let Some(number) = held.get(&(d.kind.clone(), d.application_id.clone())) {
            assert_eq!(&d.number, number, "{} {}: not the number host A gave it", d.kind, d.application_id);
        }
    }
    let batch: Vec<PathBuf> = batch_a.iter().chain(&batch_b).cloned().collect();
    // Host A's folder holds no manifest: every row is B's.
    let problems = check_finished(&url, &batch, &[&out_a, &out_b]);
    assert!(problems.is_empty(), "{problems:#?}");
    // Host A's folder of the run is a stopped attempt's leftover (its PDFs,
    // no manifest): `register check --runs out-a out-b` names it, so the
    // published record is host B's folder.
    register_check_clean(&url, &keys_b, &[&out_b]);
    // And host B's own night, run again, is now done (nothing stranded).
    run_ok("host B's own part again", issue(&batch_b, &keys_b, &out_b, Some(&url), 2));
    println!("a host killed mid-night: {} of its numbers taken back by the other host, {:?}", held.len(), began.elapsed());
}

/// Documents marked issued at one of `points`.
fn issued_of_points(url: &str, points: &BTreeSet<String>) -> i64 {
    let Ok(mut c) = client(url) else { return 0 };
    let points: Vec<&str> = points.iter().map(String::as_str).collect();
    c.query_one("SELECT count(*) FROM documents WHERE status = 'issued' AND service_point = ANY($1)", &[&points]).map(|r| r.get(0)).unwrap_or(0)
}

#[test]
fn a_night_goes_on_after_its_primary_fails_over_to_the_standby() {
    let began = Instant::now();
    let Some(primary) = PgCluster::start("a night finished on the promoted standby (tests/register_postgresql.rs)") else { return };
    let standby = primary.standby("standby");
    let tmp = tempfile::tempdir().unwrap();
    let n = night(tmp.path(), env_or("TERBIT_PG_FAILOVER_APPS", 360) as usize);
    let keys = n.keys_copy("pg");
    let out = n.root.join("out");
    let (mut c, _, errs) = issue(&n.batch, &keys, &out, Some(&primary.url()), 0);
    let mut child = c.spawn().unwrap();
    let started = Instant::now();
    while issued_count(&primary.url()) < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the night finished before its primary could be stopped: {}", std::fs::read_to_string(&errs).unwrap());
        assert!(started.elapsed() < HANG, "nothing written within {HANG:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    primary.stop_immediate();
    let status = wait_for(&mut child, HANG);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let err = std::fs::read_to_string(&errs).unwrap();
    let status = status.unwrap_or_else(|| panic!("the run did not end within {HANG:?} of its primary's stop: {err}"));
    stopped_by_the_server(status, &err, &primary.url(), "the night on the stopped primary");
    standby.promote();
    // Every number the primary acknowledged is on the promoted standby.
    let held: BTreeMap<(String, String), String> = documents(&standby.url()).into_iter().map(|d| ((d.kind, d.application_id), d.number)).collect();
    assert!(!held.is_empty(), "no number reached the standby");
    let problems = check_at_rest(&standby.url(), &[&out]);
    assert!(problems.is_empty(), "{problems:#?}");
    // The night again, against the promoted server (the keys folder's
    // binding follows the register: the same identity at another URL).
    run_ok("the night on the promoted standby", issue(&n.batch, &keys, &out, Some(&standby.url()), 1));
    for d in ledger::manifests(&[&out]) {
        if let Some(number) = held.get(&(d.kind.clone(), d.application_id.clone())) {
            assert_eq!(&d.number, number, "{} {}: not the number it was given before the failover", d.kind, d.application_id);
        }
    }
    let problems = check_finished(&standby.url(), &n.batch, &[&out]);
    assert!(problems.is_empty(), "{problems:#?}");
    register_check_clean(&standby.url(), &keys, &[&out]);
    println!("failover mid-night: {} numbers given before the primary stopped kept, {:?}", held.len(), began.elapsed());
}

/// Every file under `dir` whose bytes hold `secret`.
fn files_holding(dir: &Path, secret: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    all_files(dir, &mut files);
    files.into_iter().filter(|f| std::fs::read(f).is_ok_and(|b| b.windows(secret.len()).any(|w| w == secret.as_bytes()))).collect()
}

#[test]
fn a_register_password_is_never_shown() {
    let Some(db) = PgCluster::start("a PostgreSQL register's password never shown (tests/register_postgresql.rs)") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let n = night(tmp.path(), 40);
    // Trust authentication: the server never asks for the password, so the
    // URL holding one connects, and everything terbit says can be searched.
    let secret = "Sekr3t-pw-7a1";
    let url = db.url();
    let with_userinfo = url.replacen("postgres@", &format!("postgres:{secret}@"), 1);
    let with_query = format!("{url}?password={secret}-q");
    let keys = n.keys_copy("pg");
    let out = n.root.join("out");
    run_ok("a night with a password in the register URL", issue(&n.batch, &keys, &out, Some(&with_userinfo), 0));
    let (code, said) = terbit(&["register", "check", "--register", &with_query, "--keys", keys.to_str().unwrap(), "--runs", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{said}");
    assert!(!said.contains(secret), "{said}");
    // The server gone: every error names the register, never its password.
    db.stop_immediate();
    let mut said = Vec::new();
    for (i, register) in [&with_userinfo, &with_query].into_iter().enumerate() {
        let (mut c, logs, errs) = issue(&n.batch, &keys, &out, Some(register), 10 + i);
        let status = c.status().unwrap();
        let text = std::fs::read_to_string(&logs).unwrap() + &std::fs::read_to_string(&errs).unwrap();
        assert!(!status.success() && text.contains(&url), "{status:?}: {text}");
        said.push(text);
        let (code, text) = terbit(&["register", "check", "--register", register, "--keys", keys.to_str().unwrap(), "--runs", out.to_str().unwrap()]);
        assert_ne!(code, 0, "{text}");
        said.push(text);
    }
    for text in &said {
        assert!(!text.contains(secret), "the password is shown: {text}");
    }
    let holding: Vec<PathBuf> = files_holding(&n.root, secret);
    assert!(holding.is_empty(), "files holding the password: {holding:?}");
}

/// A host starting its night while another host is inside a transaction
/// (numbering or marking: row locks on the register's tables, held for
/// as long as that host takes, or stalls) goes on: opening the register
/// takes no table lock once its schema is made. (It took an ACCESS
/// EXCLUSIVE lock on `documents` at every start: the second host waited
/// the whole lock timeout, 300 s, and failed.)
#[test]
fn a_host_starting_waits_for_no_other_hosts_transaction() {
    let Some(db) = PgCluster::start("a host starting while another is mid-transaction (tests/register_postgresql.rs)") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let n = night(tmp.path(), 60);
    let (batch_a, batch_b) = n.split(&host_a_points());
    let url = db.url();
    let (out_a, out_b) = (n.root.join("out-a"), n.root.join("out-b"));
    run_ok("host A's part", issue(&batch_a, &n.keys_copy("a"), &out_a, Some(&url), 0));
    // Host A again, stalled inside a transaction that writes the tables.
    let mut a = client(&url).unwrap();
    let mut stalled = a.transaction().unwrap();
    stalled.batch_execute("LOCK TABLE documents, serials, runs IN ROW EXCLUSIVE MODE").unwrap();
    let (mut c, _, errs) = issue(&batch_b, &n.keys_copy("b"), &out_b, Some(&url), 0);
    let mut b = c.spawn().unwrap();
    let status = wait_for(&mut b, Duration::from_secs(60));
    if status.is_none() {
        let _ = b.kill();
        let _ = b.wait();
    }
    assert!(status.is_some_and(|s| s.success()), "host B, with host A mid-transaction: {status:?} (None: still waiting after 60 s)\n{}", std::fs::read_to_string(&errs).unwrap());
    stalled.rollback().unwrap();
    let batch: Vec<PathBuf> = batch_a.iter().chain(&batch_b).cloned().collect();
    let problems = check_finished(&url, &batch, &[&out_a, &out_b]);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The server crashes while two hosts issue their parts: each run stops
/// with an error naming the register; once the server is back, each host
/// runs its part again and both finish, gap-free, nothing twice.
#[test]
fn two_hosts_go_on_after_their_server_crashed() {
    let began = Instant::now();
    let Some(db) = PgCluster::start("two hosts and a PostgreSQL crash mid-night (tests/register_postgresql.rs)") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let n = night(tmp.path(), env_or("TERBIT_PG_HOSTS_APPS", 240) as usize);
    let points = host_a_points();
    let (batch_a, batch_b) = n.split(&points);
    let url = db.url();
    let (out_a, out_b) = (n.root.join("out-a"), n.root.join("out-b"));
    let (keys_a, keys_b) = (n.keys_copy("a"), n.keys_copy("b"));
    let (mut a, _, errs_a) = issue(&batch_a, &keys_a, &out_a, Some(&url), 0);
    let (mut b, _, errs_b) = issue(&batch_b, &keys_b, &out_b, Some(&url), 0);
    let (mut a, mut b) = (a.spawn().unwrap(), b.spawn().unwrap());
    let started = Instant::now();
    while issued_count(&url) < 3 && started.elapsed() < HANG && a.try_wait().unwrap().is_none() && b.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(5));
    }
    db.stop_immediate();
    let mut cut_off = 0;
    for (host, c, errs) in [("A", &mut a, &errs_a), ("B", &mut b, &errs_b)] {
        let status = wait_for(c, HANG);
        if status.is_none() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let err = std::fs::read_to_string(errs).unwrap();
        let status = status.unwrap_or_else(|| panic!("host {host} did not end within {HANG:?} of the server's stop: {err}"));
        if !status.success() {
            stopped_by_the_server(status, &err, &url, &format!("host {host}"));
            cut_off += 1;
        }
    }
    assert!(cut_off > 0, "both hosts finished before the server stopped");
    db.start_again();
    let problems = check_at_rest(&url, &[&out_a, &out_b]);
    assert!(problems.is_empty(), "{problems:#?}");
    let (mut a, _, errs_a) = issue(&batch_a, &keys_a, &out_a, Some(&url), 1);
    let (mut b, _, errs_b) = issue(&batch_b, &keys_b, &out_b, Some(&url), 1);
    let (mut a, mut b) = (a.spawn().unwrap(), b.spawn().unwrap());
    let (sa, sb) = (wait_for(&mut a, HANG), wait_for(&mut b, HANG));
    for (c, s) in [(&mut a, sa), (&mut b, sb)] {
        if s.is_none() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
    let said = format!("host A: {sa:?}\n{}\nhost B: {sb:?}\n{}", std::fs::read_to_string(&errs_a).unwrap(), std::fs::read_to_string(&errs_b).unwrap());
    assert!(sa.is_some_and(|s| s.success()) && sb.is_some_and(|s| s.success()), "{said}");
    let batch: Vec<PathBuf> = batch_a.iter().chain(&batch_b).cloned().collect();
    let problems = check_finished(&url, &batch, &[&out_a, &out_b]);
    assert!(problems.is_empty(), "{problems:#?}");
    register_check_clean(&url, &keys_a, &[&out_a, &out_b]);
    println!("two hosts and a server crash: {cut_off} run(s) cut off, both finished on the restarted server, {:?}", began.elapsed());
}
