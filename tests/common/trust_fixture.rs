//! A district as the README sets one up, made through the command line:
//! a root, a signing key, a night of birth documents (one superseded, one
//! revoked), the trust list signed by the root, a bundle and its verifier
//! page. Shared by tests/trust.rs and tests/verifier.rs.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "tools.rs"]
pub(crate) mod tools;

/// Every PDF under `dir`, depth first, appended to `out`.
pub(crate) fn pdfs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            pdfs(&p, out);
        } else if p.extension().is_some_and(|x| x == "pdf") {
            out.push(p);
        }
    }
}

/// Run terbit in `dir`; (exit code, stdout, stderr).
pub(crate) fn terbit(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        // Each test keeps its own memory of trust lists seen.
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .expect("run terbit");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// Run terbit and require success.
pub(crate) fn ok(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = terbit(dir, args);
    assert_eq!(code, 0, "terbit {args:?}\n{out}\n{err}");
    out
}

/// One manifest row: number, file, QR text.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub(crate) number: String,
    pub(crate) file: PathBuf,
    pub(crate) qr: String,
}

pub(crate) struct District {
    pub(crate) dir: PathBuf,
    pub(crate) run: PathBuf,
    pub(crate) docs: Vec<Doc>,
    /// Root fingerprint, hex.
    pub(crate) pin: String,
    /// A genuine document, one superseded by `newer`, one revoked.
    pub(crate) genuine: Doc,
    pub(crate) superseded: Doc,
    pub(crate) newer: Doc,
    pub(crate) revoked: Doc,
    /// trust-bundle.json and its page.
    pub(crate) bundle: PathBuf,
    pub(crate) page: PathBuf,
}

/// The QR text's 12th character changed: a damaged or tampered text.
pub(crate) fn tampered(qr: &str) -> String {
    let mut t = qr.to_string();
    let c = if &qr[40..41] == "A" { "B" } else { "A" };
    t.replace_range(40..41, c);
    t
}

pub(crate) fn make(dir: &Path) -> District {
    ok(dir, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok(dir, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    // The root certifies the PDF key before the night (the run signs every PDF with it).
    ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-23T00:00:00Z", "--valid-days", "36500"]);
    ok(dir, &["samples", "--kind", "birth", "--count", "12", "--seed", "4", "--as-of", "2026-11-23", "--out", "births.csv"]);
    ok(dir, &["issue", "births.csv", "--keys", "keys", "--out", "out", "--issued-on", "2026-11-23"]);
    let run_of = |day: &str| std::fs::read_dir(dir.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir() && p.file_name().unwrap().to_string_lossy().starts_with(day)).expect("a run");
    let docs_of = |run: &Path| -> Vec<Doc> {
        let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
        let mut lines = manifest.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
        lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                Doc { number: f[col("document_number")].into(), file: run.join(f[col("file")]), qr: f[col("qr")].into() }
            })
            .collect()
    };
    let run = run_of("20261123");
    let docs = docs_of(&run);
    assert!(docs.len() >= 6, "{} documents", docs.len());
    let (genuine, superseded, revoked) = (docs[0].clone(), docs[1].clone(), docs[3].clone());
    // A corrected certificate for the second child: the first is revoked
    // (one active document per subject), the corrected application is
    // issued the next day and supersedes it.
    let reg = ["--register", "out/register.sqlite", "--keys", "keys", "--on", "2026-11-24"];
    ok(dir, &[&["revoke", &superseded.number, "--reason", "name misspelt"][..], &reg].concat());
    let births = std::fs::read_to_string(dir.join("births.csv")).unwrap();
    let (header, row) = (births.lines().next().unwrap(), births.lines().nth(2).unwrap());
    let (app, rest) = row.split_once(',').unwrap();
    std::fs::write(dir.join("corrected.csv"), format!("{header}\n{app}-C,{rest}\n")).unwrap();
    ok(dir, &["issue", "corrected.csv", "--keys", "keys", "--out", "out", "--issued-on", "2026-11-24"]);
    let newer = docs_of(&run_of("20261124"))[0].clone();
    ok(dir, &[&["supersede", &superseded.number, "--by", &newer.number, "--reason", "name corrected"][..], &reg].concat());
    ok(dir, &["revoke", &revoked.number, "--reason", "issued on forged evidence", "--register", "out/register.sqlite", "--keys", "keys", "--on", "2026-11-24"]);
    ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-24T03:00:00Z", "--valid-days", "36500"]);
    let cert = terbit::trust::root::read_cert(&dir.join("root/root-3506.crt")).unwrap();
    let pin = hex::encode(cert.fingerprint);
    ok(dir, &["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &pin, "--out", "trust-bundle.json"]);
    ok(dir, &["verifier", "--trust", "trust-bundle.json", "--out", "verify.html"]);
    District { dir: dir.to_path_buf(), run, docs, pin, genuine, superseded, newer, revoked, bundle: dir.join("trust-bundle.json"), page: dir.join("verify.html") }
}

/// A second signed list, signed in the past and already past its next
/// update, in its own bundle (`stale-bundle.json`) and page (`stale.html`).
pub(crate) fn make_stale(d: &District) -> (PathBuf, PathBuf) {
    let dir = &d.dir;
    std::fs::create_dir_all(dir.join("stale")).unwrap();
    std::fs::copy(dir.join("keys/revocations-3506.json"), dir.join("stale/revocations-3506.json")).unwrap();
    ok(dir, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-25T00:00:00Z", "--valid-days", "1", "--out", "stale/trust-3506.json"]);
    ok(dir, &["trust", "bundle", "--list", "stale/trust-3506.json", "--pin", &d.pin, "--out", "stale-bundle.json"]);
    ok(dir, &["verifier", "--trust", "stale-bundle.json", "--out", "stale.html"]);
    (dir.join("stale-bundle.json"), dir.join("stale.html"))
}

/// The page with one hex digit of its embedded trust list's signature changed.
pub(crate) fn edited_page(d: &District) -> PathBuf {
    let html = std::fs::read_to_string(&d.page).unwrap();
    let at = html.find("\"cose\":\"").expect("embedded list signature") + 8 + 100;
    let mut edited = html.clone();
    let c = if &html[at..at + 1] == "0" { "1" } else { "0" };
    edited.replace_range(at..at + 1, c);
    let path = d.dir.join("edited.html");
    std::fs::write(&path, edited).unwrap();
    path
}

/// Sign the trust list of the keys folder `keys` (relative to `dir`) with a
/// new root of its district and bundle it: the bundle's path, relative to
/// `dir` (`<keys>/trust-bundle.json`).
pub(crate) fn bundle_for(dir: &Path, keys: &str) -> String {
    let list: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(keys).join("trust.json")).unwrap()).unwrap();
    let district = list["keys"][0]["issuer"].as_str().unwrap().to_string();
    let root = format!("{keys}-root");
    let (key, cert) = (format!("{root}/root-{district}.key"), format!("{root}/root-{district}.crt"));
    if !dir.join(&key).exists() {
        ok(dir, &["root", "init", "--district", &district, "--dir", &root, "--not-before", "2020-01-01"]);
    }
    ok(dir, &["trust", "sign", "--keys", keys, "--root-key", &key, "--root-cert", &cert, "--valid-days", "36500"]);
    let pin = hex::encode(terbit::trust::root::read_cert(&dir.join(&cert)).unwrap().fingerprint);
    let bundle = format!("{keys}/trust-bundle.json");
    ok(dir, &["trust", "bundle", "--list", &format!("{keys}/trust-{district}.json"), "--pin", &pin, "--out", &bundle]);
    bundle
}

/// An issuing office's keys folder as the library tests need it: a DK1 key
/// (`seed`) with its PDF-signing key, certified by a fixed test root of
/// `issuer` from `not_before` to 2100 (every PDF terbit issues is signed,
/// so a folder without a certified PDF key issues nothing).
pub(crate) fn office_keys(dir: &Path, issuer: &str, seed: &[u8; 32], not_before: i64) -> terbit::dk1::keys::Generated {
    use terbit::trust::{pdfkey, root};
    let g = terbit::dk1::keys::generate(dir, issuer, seed, not_before).expect("DK1 key");
    // A P-256 scalar of the seed's own (the seeds tests use are far below
    // the curve order).
    let mut secret = *seed;
    secret[0] = 0x11;
    pdfkey::generate(dir, &g.kid, &secret).expect("PDF key");
    let name = terbit::kind::refdata::reference().regency_name(issuer).unwrap_or("TEST");
    let made = root::generate(issuer, name, &[0x42u8; 32], 0, 100).expect("test root");
    let cert_der = root::pem_decode(made.cert_pem.as_bytes()).expect("root PEM");
    let root_key = root::RootKey::from_pem(&made.key_pem, &cert_der).expect("test root key");
    let public = pdfkey::public_key(&pdfkey::key_path(dir, &g.kid)).expect("PDF public key");
    let der = pdfkey::certify(&root_key, &public, issuer, name, not_before, 4_102_444_800).expect("certify");
    pdfkey::write_cert(&pdfkey::cert_path(dir, &g.kid), &der).expect("write certificate");
    std::fs::write(pdfkey::chain_path(dir, &g.kid), root::pem_encode("CERTIFICATE", &cert_der)).expect("write chain");
    g
}

/// The office's own trust: its keys and PDF certificates (what judges
/// the PDFs it issued).
pub(crate) fn office_trust(keys: &Path) -> terbit::trust::store::TrustStore {
    terbit::trust::store::TrustStore::of_keys_folder(keys, &[]).expect("the office's trust")
}

/// Whether an external tool runs (tools::have: the one probe the tests
/// and tests/tools.rs share).
pub(crate) fn have(tool: &str, arg: &str) -> bool {
    tools::have(tool, arg)
}

/// Whether `what` (a program, or several: the first word names it) is
/// `present` for the `check`; missing, tools::skipped says so with the
/// command that installs it — and under TERBIT_REQUIRE_TOOLS (set by
/// .ci/run) the test fails instead.
pub(crate) fn require(check: &str, what: &str, present: bool) -> bool {
    if !present {
        let program = what.split([' ', ',']).next().unwrap_or(what);
        tools::skipped(check, &tools::Missing { what: what.to_string(), why: "is not installed".into(), install: tools::install_hint(program).into() });
    }
    present
}

/// A district as the operator sets it up: `keys` (district 3506, signing
/// from 2026-01-01) with its trust bundle, and `conf/terbit.toml` naming
/// the exports (`export/{date}/*.csv`), keys, register
/// (`state/register.sqlite`) and out folder (`runs`), relative to `conf`.
/// Returns the folder `conf`, where the nightly commands run.
pub(crate) fn configured_district(d: &Path, max_reject_rate: f64) -> std::path::PathBuf {
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    bundle_for(d, "keys");
    let conf = d.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("terbit.toml"),
        format!("batch = [\"../export/{{date}}/*.csv\"]\nkeys = \"../keys\"\nregister = \"../state/register.sqlite\"\nout = \"../runs\"\nmax_reject_rate = {max_reject_rate}\n"),
    )
    .unwrap();
    conf
}

/// A night's sample batch in `root` of about `applications` applications
/// in three kinds (birth, family card — several rows, numbered per
/// district — and KTP), 5% of them with defects, for 2026-11-23; and the
/// office's keys in `root/keys`. The crash drills' night, on either
/// register.
pub(crate) fn sample_night(root: &Path, applications: usize) -> (Vec<PathBuf>, PathBuf) {
    use terbit::input::samples::{self, SampleOptions};
    let region = terbit::kind::region::Region::kediri();
    let templates = terbit::kind::template::Templates::embedded();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut batch = Vec::new();
    for (i, (kind, share)) in [("birth", 0.5), ("family_card", 0.2), ("ktp", 0.3)].into_iter().enumerate() {
        let file = root.join(format!("{kind}.csv"));
        let count = ((applications as f64 * share) as usize).max(1);
        let opts = SampleOptions { region: &region, count, seed: 40 + i as u64, defects: 0.05, as_of: date };
        samples::write(templates.get(kind).unwrap(), &opts, &file).unwrap();
        batch.push(file);
    }
    let keys = root.join("keys");
    office_keys(&keys, "3506", &[3u8; 32], 0);
    (batch, keys)
}

/// Every manifest row of the run folders under `runs`: column name → value.
pub(crate) fn manifest_rows(runs: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(runs).unwrap().flatten().map(|e| e.path()).filter(|p| p.join("manifest.csv").is_file()).collect();
    dirs.sort();
    let mut out = Vec::new();
    for run in dirs {
        let text = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
        for l in lines {
            out.push(header.iter().cloned().zip(l.split(',').map(str::to_string)).collect());
        }
    }
    out
}

/// An SQLite register's tables as rows of text, each read by one of
/// `queries` (the register's rules: counters, documents, revocations,
/// runs, identity — as much of each as a test compares).
pub(crate) fn register_tables(register: &Path, queries: &[&str]) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open_with_flags(register, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let q = |sql: &str| -> Vec<String> {
        let mut st = conn.prepare(sql).unwrap();
        let n = st.column_count();
        st.query_map([], |r| Ok((0..n).map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap())).collect::<Vec<_>>().join("|"))).unwrap().map(Result::unwrap).collect()
    };
    queries.iter().map(|sql| q(sql)).collect()
}

/// An SQLite register lost with its disk: the file and its log gone.
pub(crate) fn remove_register(register: &Path) {
    for f in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{f}", register.display()));
    }
}

/// The clerks' page's verdicts on PDF `files` (engine/clerk_page/web/
/// test/pdfverdicts.mjs, judged as its onPdf does: the sealed part's QR
/// codes, signature and stamp, then the renewals) with the bundle file
/// `bundle` at `now`: one JSON object per file ({qr, verdict, reason,
/// code}); `None` when node or the page's packages are missing (said by
/// `check`).
pub(crate) fn page_pdf_verdicts(check: &str, bundle: &Path, now: i64, files: &[PathBuf]) -> Option<Vec<serde_json::Value>> {
    use std::io::Write as _;
    tools::require(check, tools::page_packages())?;
    let input = serde_json::json!({
        "bundle": serde_json::from_slice::<serde_json::Value>(&std::fs::read(bundle).unwrap()).unwrap(),
        "now": now,
        "files": files,
    });
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("engine/clerk_page/web");
    let mut child = Command::new("node")
        .arg(web.join("test/pdfverdicts.mjs"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node: {}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).unwrap())
}
