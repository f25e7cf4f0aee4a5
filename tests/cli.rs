//! The command line as operators' and auditors' scripts use it: the demo
//! works from nothing, and exit codes mean what the README's command line section says.

use std::path::Path;
use std::os::unix::fs::FileTypeExt;
use std::process::Command;

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::terbit;

#[test]
fn demo_then_verify_with_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["demo", "--out", "demo", "--count", "60"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("0 problem(s)"), "{out}");
    let runs: Vec<_> = std::fs::read_dir(d.join("demo/runs")).unwrap().flatten().filter(|e| e.path().is_dir()).collect();
    assert_eq!(runs.len(), 1);
    let run = runs[0].path();

    let (code, out, _) = terbit(d, &["verify", "--trust", "demo/trust-bundle.json", run.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    // Take one QR text from the manifest, verify it, then a tampered copy.
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let qr = manifest.lines().nth(1).unwrap().rsplit(',').next().unwrap().to_string();
    let (code, out, _) = terbit(d, &["verify", "--trust", "demo/trust-bundle.json", &qr]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("GENUINE") && out.contains("document number"), "{out}");
    let mut bad = qr.clone();
    bad.replace_range(10..11, if &qr[10..11] == "A" { "B" } else { "A" });
    let (code, out, _) = terbit(d, &["verify", "--trust", "demo/trust-bundle.json", "--json", &bad]);
    assert_eq!(code, 1, "{out}");

    // Could not run: missing trust list, unreadable target.
    assert_eq!(terbit(d, &["verify", "--trust", "nope.json", &qr]).0, 2);
    assert_eq!(terbit(d, &["verify", "--trust", "demo/trust-bundle.json", "no-such-file"]).0, 2);
    // A second demo in the same folder reuses the key and the run.
    let (code, out, err) = terbit(d, &["demo", "--out", "demo", "--count", "60"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("reusing"), "{out}");
}

#[test]
fn version_names_the_area_data_and_its_licence() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, _) = terbit(tmp.path(), &["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(&format!("terbit {}", env!("CARGO_PKG_VERSION"))), "{out}");
    assert!(out.contains("idn-area-data") && out.contains("Open Database License (ODbL) 1.0"), "{out}");
}

#[test]
fn keys_generate_makes_a_private_file_and_trust_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = terbit(tmp.path(), &["keys", "generate", "--issuer", "3527", "--dir", "k"]);
    assert_eq!(code, 0, "{out}{err}");
    let trust: serde_json::Value = serde_json::from_slice(&std::fs::read(tmp.path().join("k/trust.json")).unwrap()).unwrap();
    let e = &trust["keys"][0];
    assert_eq!(e["issuer"], "3527");
    assert_eq!(e["alg"], "EdDSA");
    assert_eq!(e["status"], "active");
    assert_eq!(e["kid"].as_str().unwrap().len(), 16);
    assert_eq!(e["public_key"].as_str().unwrap().len(), 64);
    let key = tmp.path().join(format!("k/{}.key", e["kid"].as_str().unwrap()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!out.contains(std::fs::read_to_string(&key).unwrap().trim()), "the secret is never printed");
    assert_eq!(terbit(tmp.path(), &["keys", "generate", "--issuer", "9999", "--dir", "k"]).0, 2);
}

#[test]
fn a_batch_over_the_reject_threshold_is_refused_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert_eq!(terbit(d, &["samples", "--count", "50", "--defects", "0.6", "--as-of", "2026-11-23", "--out", "b.csv"]).0, 0);
    assert_eq!(terbit(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]).0, 0);
    // The district root certifies the PDF key (issue refuses an uncertified one).
    fixture::bundle_for(d, "keys");
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "0.2"]);
    assert_eq!(code, 1, "NOT DONE: {err}");
    assert!(err.contains("batch refused") && err.contains("rejects.csv"), "{err}");
    let reg = terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(d.join("out/register.sqlite"))).unwrap();
    assert_eq!(reg.count("numbered").unwrap() + reg.count("issued").unwrap(), 0, "nothing numbered");
    // Under a looser threshold the same batch runs.
    let (code, out, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "0.9"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn bad_batch_exits_2_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("b.csv"), "application_id;child_name\n1;x\n").unwrap();
    // Keys first (a run checks them before anything else): the batch's fault is then the one said.
    fixture::office_keys(&tmp.path().join("keys"), "3506", &[7u8; 32], 0);
    let (code, _, err) = terbit(tmp.path(), &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2);
    assert!(err.contains("b.csv") && err.contains("missing required column"), "{err}");
}

#[test]
fn separate_processes_give_byte_identical_output() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert_eq!(terbit(d, &["samples", "--count", "40", "--defects", "0.1", "--as-of", "2026-11-23", "--out", "b.parquet"]).0, 0);
    assert_eq!(terbit(d, &["keys", "generate", "--issuer", "3506", "--dir", "k", "--not-before", "2026-01-01"]).0, 0);
    let bundle = fixture::bundle_for(d, "k");
    // Two registers need two keys folders (a keys folder issues with one
    // register only): a copy of the same keys, not yet bound.
    std::fs::create_dir_all(d.join("k2")).unwrap();
    for e in std::fs::read_dir(d.join("k")).unwrap().flatten() {
        std::fs::copy(e.path(), d.join("k2").join(e.file_name())).unwrap();
    }
    for (out, keys) in [("o1", "k"), ("o2", "k2")] {
        // The same inputs, the clock among them: the time-stamps state the
        // run's recorded start (SOURCE_DATE_EPOCH here: 2026-11-23T20:00:00Z).
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_terbit"))
            .args(["issue", "b.parquet", "--keys", keys, "--out", out, "--issued-on", "2026-11-23"])
            .current_dir(d)
            .env("SOURCE_DATE_EPOCH", "1795464000")
            .env("XDG_STATE_HOME", d.join("state"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    }
    let run = |o: &str| std::fs::read_dir(d.join(o)).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
    let (a, b) = (run("o1"), run("o2"));
    assert_eq!(a.file_name(), b.file_name(), "same batch and date, same run id");
    for f in ["manifest.csv", "rejects.csv"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f}");
    }
    // The manifest carries every PDF's SHA-256, so equal manifests plus a
    // clean verify of both runs mean byte-identical PDFs.
    for r in [&a, &b] {
        assert_eq!(terbit(d, &["verify", "--trust", &bundle, r.to_str().unwrap()]).0, 0);
    }
}

/// Restyling and adoption are configuration: a changed label, a moved
/// field and a second regency (its logo and its own ktp template) take
/// effect through files alone, with the same binary.
#[test]
fn a_changed_template_and_another_region_need_no_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A birth template with a new label, the child's name moved down 3 mm.
    let birth = std::fs::read_to_string(root.join("templates/birth.toml")).unwrap();
    assert!(birth.contains("text = \"telah lahir\"") && birth.contains("y = 150\nsize = 13"));
    let changed = birth.replace("text = \"telah lahir\"", "text = \"telah dilahirkan\"").replace("y = 150\nsize = 13", "y = 153\nsize = 13");
    std::fs::write(d.join("my-birth.toml"), changed).unwrap();
    let region = root.join("templates/regions/3527-sampang.toml");
    let region = region.to_str().unwrap();
    for kind in ["birth", "ktp"] {
        let (code, out, err) = terbit(d, &["samples", "--kind", kind, "--count", "5", "--as-of", "2026-11-23", "--region", region, "--out", &format!("{kind}.csv")]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = terbit(d, &["keys", "generate", "--issuer", "3527", "--not-before", "2026-01-01"]);
    assert_eq!(code, 0, "{out}{err}");
    fixture::bundle_for(d, "keys");
    let (code, out, err) = terbit(
        d,
        &["issue", "birth.csv", "ktp.csv", "--region", region, "--template", "birth=my-birth.toml", "--issued-on", "2026-11-23"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("  ETA") && !out.contains("  ETA") && !err.contains("\x1b["), "no progress bar when stderr is not a terminal: {err}");
    let run = std::fs::read_dir(d.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let rows: Vec<Vec<String>> = manifest.lines().skip(1).map(terbit::util::csvin::split_line).collect();
    assert_eq!(rows.len(), 10, "{manifest}");
    let file = |kind: &str| rows.iter().find(|r| r[2] == kind).map(|r| run.join(&r[5])).unwrap();
    let birth_pdf = lopdf::Document::load(file("birth")).unwrap();
    let text = birth_pdf.extract_text(&[1]).unwrap();
    assert!(text.contains("telah dilahirkan") && !text.contains("telah lahir\n"), "{text}");
    assert!(text.contains("Sampang") && rows.iter().all(|r| r[0].starts_with("3527-")), "{text}");
    // The region's logo is drawn; Sampang's ktp template signs a 90-day expiry.
    // The page's XObject resources name both images.
    let page = birth_pdf.get_object(birth_pdf.get_pages()[&1]).unwrap().as_dict().unwrap();
    let xobjects = page.get(b"Resources").and_then(|r| r.as_dict()).and_then(|r| r.get(b"XObject")).and_then(|x| x.as_dict()).unwrap();
    assert!(xobjects.has(b"LOGO") && xobjects.has(b"QR"));
    let qr = &rows.iter().find(|r| r[2] == "ktp").unwrap()[7];
    let bundle = fixture::bundle_for(d, "keys");
    let (code, out, _) = terbit(d, &["verify", "--trust", &bundle, qr]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("expires") && out.contains("2027-02-21"), "{out}");
}

/// `check` validates without numbering or writing documents: exit 0 for a
/// clean batch, 1 with reasons when some application would be rejected.
#[test]
fn check_is_a_dry_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (file, defects) in [("clean.csv", "0"), ("dirty.csv", "0.3")] {
        let (code, out, err) = terbit(d, &["samples", "--kind", "death", "--count", "30", "--defects", defects, "--as-of", "2026-11-23", "--out", file]);
        assert_eq!(code, 0, "{out}{err}");
    }
    let (code, out, err) = terbit(d, &["check", "clean.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("30 applications") && out.contains("0 would be rejected"), "{out}");
    let (code, out, err) = terbit(d, &["check", "dirty.csv", "--issued-on", "2026-11-23", "--rejects", "why.csv"]);
    assert_eq!(code, 1, "{out}{err}");
    let why = std::fs::read_to_string(d.join("why.csv")).unwrap();
    assert!(why.starts_with("application_id,service_point,source,rule,field,value,message") && why.contains("dirty.csv:"), "{why}");
    assert!(!d.join("out").exists(), "nothing issued");
}

#[test]
fn the_nightly_job_runs_from_terbit_toml_and_stats_count_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let day = d.join("exports/2026-11-23");
    std::fs::create_dir_all(&day).unwrap();
    let (code, _, err) = terbit(d, &["samples", "--kind", "birth", "--count", "40", "--as-of", "2026-11-23", "--out", "exports/2026-11-23/birth.csv"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = terbit(d, &["samples", "--kind", "ktp", "--count", "20", "--as-of", "2026-11-23", "--out", "exports/2026-11-23/ktp.csv"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = terbit(d, &["keys", "generate", "--issuer", "3506", "--dir", "secrets", "--not-before", "2026-01-01"]);
    assert_eq!(code, 0, "{err}");
    fixture::bundle_for(d, "secrets");
    std::fs::write(
        d.join("terbit.toml"),
        "batch = [\"exports/{date}/*.csv\"]\nkeys = \"secrets\"\nout = \"runs\"\nregister = \"state/register.sqlite\"\nmax_reject_rate = 0.5\n",
    )
    .unwrap();
    // No arguments: everything from terbit.toml.
    let (code, out, err) = terbit(d, &["issue", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("60 applications"), "{out}");
    assert!(d.join("state/register.sqlite").exists());
    let run = std::fs::read_dir(d.join("runs")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    assert!(run.join("report.html").exists() && run.join("manifest.csv").exists());
    // A flag overrides its setting; but another register with the
    // district's keys folder is refused (it would give the same numbers again).
    let (code, _, err) = terbit(d, &["--quiet", "issue", "--issued-on", "2026-11-23", "--out", "elsewhere", "--register", "state/other.sqlite"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("issues with the register") && !d.join("elsewhere").exists() && !d.join("state/other.sqlite").exists(), "{err}");
    // The next night's export has not arrived: a clear error, exit 2.
    let (code, _, err) = terbit(d, &["--quiet", "issue", "--issued-on", "2026-11-24"]);
    assert_eq!(code, 2);
    assert!(err.contains("2026-11-24") && err.contains("has the night's export run"), "{err}");
    // Statistics over the register.
    let (code, out, err) = terbit(d, &["stats", "--register", "state/register.sqlite", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert_eq!(code, 0, "{err}");
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let issued = manifest.lines().count() - 1;
    assert!(out.contains(&format!("{issued} documents issued")), "{out}");
    assert!(out.contains("birth") && out.contains("ktp") && out.contains("KEC-"), "{out}");
    // Each run's wall-clock start beside the date its documents carry (the
    // run was issued for 2026-11-23, whenever it really ran).
    let run_id = run.file_name().unwrap().to_str().unwrap();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    // In the region's zone (WIB for the embedded Kediri), not UTC.
    let today_wib = (chrono::Utc::now() + chrono::Duration::hours(7)).format("%Y-%m-%d").to_string();
    assert!(out.lines().any(|l| l.contains(run_id) && l.contains("2026-11-23") && l.contains(&format!("{today_wib} ")) && l.contains(" WIB")), "{out}");
    assert!(out.contains("runs (issue date, started, finished; WIB):") && !out.contains(&format!("{today}T")), "{out}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert!(report["started_at"].as_str().is_some_and(|t| t.starts_with(&today)), "{report}");
    // Without terbit.toml and without files: say what to do.
    let (code, _, err) = terbit(&d.join("exports"), &["issue"]);
    assert_eq!(code, 2);
    assert!(err.contains("terbit.toml"), "{err}");
}

#[test]
fn a_revocation_without_its_key_records_nothing_and_a_retry_publishes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["demo", "--out", "demo", "--count", "20"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let run = std::fs::read_dir(d.join("demo/runs")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let row: Vec<&str> = manifest.lines().nth(1).unwrap().split(',').collect();
    let (number, file) = (row[0].to_string(), run.join(row[5]));
    let key = std::fs::read_dir(d.join("demo/keys")).unwrap().flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "key") && !p.to_string_lossy().ends_with(".pdf.key") && !p.ends_with("tsa.key")).unwrap();
    let aside = d.join("aside.key");
    let revoke = |args: &[&str]| {
        let mut a = vec!["revoke", number.as_str(), "--reason", "issued on forged evidence", "--register", "demo/register.sqlite", "--keys", "demo/keys"];
        a.extend_from_slice(args);
        terbit(d, &a)
    };
    // Without its signing key: refused before the register is touched.
    std::fs::rename(&key, &aside).unwrap();
    let (code, _, err) = revoke(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(!d.join("demo/keys/revocations-3506.json").exists());
    std::fs::rename(&aside, &key).unwrap();
    // With it: recorded and published.
    let (code, out, err) = revoke(&[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let list = d.join("demo/keys/revocations-3506.json");
    assert!(std::fs::read_to_string(&list).unwrap().contains(&number));
    // The list lost (a crash between the register and the list): the same
    // revocation again says the document was already revoked (exit 2,
    // the first reason kept) and publishes the list; a different one is refused.
    std::fs::remove_file(&list).unwrap();
    let (code, out, err) = terbit(d, &["revoke", &number, "--reason", "again", "--register", "demo/register.sqlite", "--keys", "demo/keys"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&format!("{number} was already revoked on")) && err.contains("forged evidence") && err.contains("written again"), "{err}");
    assert!(!out.contains("revoked: again"), "{out}");
    assert!(std::fs::read_to_string(&list).unwrap().contains(&number));
    let other = manifest.lines().nth(2).unwrap().split(',').next().unwrap().to_string();
    let (code, _, err) = terbit(d, &["supersede", &number, "--by", &other, "--reason", "x", "--register", "demo/register.sqlite", "--keys", "demo/keys"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("same subject"), "another child's document never supersedes it: {err}");
    // Auditors holding the list (in their bundle, made again) see it.
    let pin = hex::encode(terbit::trust::root::read_cert(&d.join("demo/root/root-3506.crt")).unwrap().fingerprint);
    let (code, out, err) = terbit(d, &["trust", "bundle", "--list", "demo/keys/trust-3506.json", "--pin", &pin, "--out", "demo/trust-bundle.json"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = terbit(d, &["verify", "--trust", "demo/trust-bundle.json", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REVOKED") && out.contains("forged evidence"), "{out}");
}

#[test]
fn a_key_given_in_the_environment_is_not_in_the_running_jobs_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["samples", "--kind", "birth", "--count", "5", "--as-of", "2026-11-20", "--out", "batch.csv"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let seed = "07".repeat(32);
    let g = fixture::office_keys(&d.join("keys"), "3506", &[7u8; 32], 0);
    std::fs::remove_file(&g.key_file).unwrap();
    // The batch is a FIFO: the job waits on it while its environment is read.
    let fifo = d.join("night.csv");
    rustix::fs::mknodat(rustix::fs::CWD, &fifo, rustix::fs::FileType::Fifo, rustix::fs::Mode::from_raw_mode(0o600), 0).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["-q", "issue", "night.csv", "--issued-on", "2026-11-23"])
        .current_dir(d)
        .env("TERBIT_SIGNING_KEY", &seed)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let environ = format!("/proc/{}/environ", child.id());
    // Wait until the job has started itself again (the fd variable shows).
    let mut seen = Vec::new();
    for _ in 0..500 {
        seen = std::fs::read(&environ).unwrap_or_default();
        if seen.windows(21).any(|w| w == b"TERBIT_SIGNING_KEY_FD") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(seen.windows(21).any(|w| w == b"TERBIT_SIGNING_KEY_FD"), "the job did not start again");
    assert!(!seen.windows(seed.len()).any(|w| w == seed.as_bytes()), "the key is readable in {environ}");
    assert!(!seen.windows(19).any(|w| w == b"TERBIT_SIGNING_KEY="), "the variable is still set");
    let mut child = child;
    let _ = child.kill();
    let _ = child.wait();
    // And the key handed over that way signs: a run with no key file.
    let out = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["issue", "batch.csv", "--issued-on", "2026-11-23"])
        .current_dir(d)
        .env("TERBIT_SIGNING_KEY", &seed)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 issued"), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_second_run_on_the_same_register_is_refused_naming_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["samples", "--kind", "birth", "--count", "5", "--as-of", "2026-11-20", "--out", "batch.csv"]);
    assert_eq!(code, 0, "{out}\n{err}");
    fixture::office_keys(&d.join("keys"), "3506", &[7u8; 32], 0);
    // Another process (this test) holds the register's lock, as a running
    // job does for its whole run.
    let held = terbit::util::lock::RunLock::acquire(&d.join("out/register.sqlite"), "terbit issuing run 20261123-0000abcd").unwrap();
    let (code, _, err) = terbit(d, &["issue", "batch.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("terbit issuing run 20261123-0000abcd (pid ") && err.contains("is using the register"), "{err}");
    assert!(!d.join("out").read_dir().unwrap().flatten().any(|e| e.path().is_dir()), "the second run made no run folder");
    // Released (the holder ended): the run goes ahead.
    drop(held);
    let (code, _, err) = terbit(d, &["issue", "batch.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 0, "{err}");
}

/// Two registers pointed at one out folder: the run folder has a lock of
/// its own, so the second job is refused while the first holds it. (Once
/// a run has finished there, a register that did not issue it is refused
/// before it starts: tests/config.rs.)
#[test]
fn a_run_folder_is_one_jobs_at_a_time_whatever_the_register() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["samples", "--kind", "birth", "--count", "5", "--as-of", "2026-11-20", "--out", "batch.csv"]);
    assert_eq!(code, 0, "{out}\n{err}");
    fixture::office_keys(&d.join("keys"), "3506", &[7u8; 32], 0);
    // A job of register a holds the run folder (this test, standing in):
    // the run is named by its date and its files' digests.
    let f = terbit::input::batch::fingerprint(&d.join("batch.csv")).unwrap();
    // (and its region: the same files for another regency are another run).
    let run = d.join("out").join(format!("20261123-{}", &hex::encode(sha2::Sha256::new().chain_update(b"3506").chain_update(f.sha256).finalize())[..8]));
    let held = terbit::util::lock::RunLock::acquire(&run, "terbit issuing run (register a)").unwrap();
    let (code, _, err) = terbit(d, &["issue", "batch.csv", "--issued-on", "2026-11-23", "--register", "b/register.sqlite"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("terbit issuing run (register a) (pid ") && err.contains("is using"), "{err}");
    drop(held);
}

#[test]
fn an_issue_date_years_ahead_is_refused_and_a_file_name_cannot_forge_a_log_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["samples", "--kind", "birth", "--count", "3", "--as-of", "2026-11-20", "--out", "b.csv"]);
    assert_eq!(code, 0, "{out}\n{err}");
    fixture::office_keys(&d.join("keys"), "3506", &[7u8; 32], 0);
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2099-01-01"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--issued-on 2099-01-01 is more than a year after today"), "{err}");
    assert!(!d.join("out").exists(), "nothing was started");
    // A batch file whose name holds a line break: named escaped, on one line.
    let evil = "b.csv\nerror: forged line";
    let (code, _, err) = terbit(d, &["issue", evil, "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.lines().any(|l| l.starts_with("error: forged line")), "{err}");
    assert!(err.contains("b.csv\\u{000A}error: forged line"), "{err}");
    // An OS error is said once.
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}

#[test]
fn links_and_special_files_in_output_places_are_never_followed_or_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["samples", "--kind", "birth", "--count", "6", "--as-of", "2026-11-20", "--out", "b.csv"]);
    assert_eq!(code, 0, "{out}\n{err}");
    fixture::office_keys(&d.join("keys"), "3506", &[7u8; 32], 0);
    // An out folder anyone may write in is refused.
    std::fs::create_dir(d.join("open")).unwrap();
    std::fs::set_permissions(d.join("open"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--out", "open"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("writable by every user"), "{err}");
    // A run folder whose service-point folder was replaced by a link (to a
    // folder holding the keys): resumed, the link is refused, not followed.
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 0, "{err}");
    let run = std::fs::read_dir(d.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let sp = std::fs::read_dir(&run).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir() && !p.ends_with("print")).unwrap();
    std::fs::remove_dir_all(&sp).unwrap();
    std::os::unix::fs::symlink(d.join("keys"), &sp).unwrap();
    std::fs::remove_file(run.join("manifest.csv")).unwrap();
    let before: Vec<_> = std::fs::read_dir(d.join("keys")).unwrap().flatten().map(|e| e.file_name()).collect();
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a link or a file, not a folder: refused"), "{err}");
    let after: Vec<_> = std::fs::read_dir(d.join("keys")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(before, after, "nothing was written through the link");
    // A FIFO as the rejects target is written to, not replaced by a file.
    let fifo = d.join("rejects.fifo");
    rustix::fs::mknodat(rustix::fs::CWD, &fifo, rustix::fs::FileType::Fifo, rustix::fs::Mode::from_raw_mode(0o600), 0).unwrap();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (_, _, err) = terbit(d, &["check", "b.csv", "--issued-on", "2026-11-23", "--rejects", "rejects.fifo"]);
    let text = reader.join().unwrap();
    assert!(text.starts_with("application_id,service_point,source,rule"), "{text:?} {err}");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
}

#[test]
fn the_pdf_key_can_come_from_the_environment_and_is_never_quietly_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert_eq!(terbit(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]).0, 0);
    let bundle = fixture::bundle_for(d, "keys");
    assert_eq!(terbit(d, &["samples", "--count", "3", "--as-of", "2026-11-23", "--out", "b.csv"]).0, 0);
    let pdf_key = std::fs::read_dir(d.join("keys")).unwrap().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with(".pdf.key")).unwrap();
    let pem = std::fs::read_to_string(&pdf_key).unwrap();
    std::fs::rename(&pdf_key, d.join("aside.pem")).unwrap();
    // Certificate without its key, and no key handed over: refused, nothing issued unsigned.
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("TERBIT_PDF_SIGNING_KEY"), "{err}");
    // Handed over by the scheduler: signed.
    let out = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["issue", "b.csv", "--issued-on", "2026-11-23"])
        .current_dir(d)
        .env("XDG_STATE_HOME", d.join("state"))
        .env("TERBIT_PDF_SIGNING_KEY", &pem)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("BEGIN") && !String::from_utf8_lossy(&out.stderr).contains("BEGIN"), "the key is never printed");
    let run = std::fs::read_dir(d.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let (code, text, _) = terbit(d, &["verify", "--trust", &bundle, run.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let file = run.join(manifest.lines().nth(1).unwrap().split(',').nth(5).unwrap());
    let (_, text, _) = terbit(d, &["verify", "--trust", &bundle, file.to_str().unwrap()]);
    assert!(text.contains("PDF signature: holds"), "{text}");
}

/// What a new operator reads on a bad morning: date flags that say their
/// form, a missing region file named as one, a refused run's folder and
/// report, applications issued before (not to be sent again), and stats
/// that count a night issued ahead.
#[test]
fn an_operators_messages_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert_eq!(terbit(d, &["samples", "--count", "50", "--defects", "0.6", "--as-of", "2026-11-23", "--out", "b.csv"]).0, 0);
    assert_eq!(terbit(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]).0, 0);
    let bundle = fixture::bundle_for(d, "keys");
    // Dates: the form said, whichever flag.
    for args in [&["issue", "b.csv", "--issued-on", "07-12-2026"][..], &["stats", "--from", "1/12/2026"], &["check", "b.csv", "--issued-on", "2026-12-7"]] {
        let (code, _, err) = terbit(d, args);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("YYYY-MM-DD") && err.contains("2026-12-07") && !err.contains("trailing input") && !err.contains("invalid characters"), "{err}");
    }
    // A region file that is not there.
    let (code, _, err) = terbit(d, &["check", "b.csv", "--region", "x/3527-sampng.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("x/3527-sampng.toml: no such region file") && err.contains("templates/regions/"), "{err}");
    // A refused run: its folder is said to be refused, its header shows only what it has.
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "0.2"]);
    assert_eq!(code, 1, "{err}");
    let refused = std::fs::read_dir(d.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", &bundle, refused.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("the run was refused and never finished") && out.contains("batch refused") && !out.contains("manifest.csv: missing"), "{out}");
    let page = std::fs::read_to_string(refused.join("report.html")).unwrap();
    assert!(!page.contains("kunci / key") && !page.contains("documents per second"), "a refused run has no key and no speed");
    // The night issued; the same export under the next date: every application ALREADY_ISSUED, not to be sent again.
    assert_eq!(terbit(d, &["-q", "issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "0.9"]).0, 0);
    let (code, _, err) = terbit(d, &["-q", "issue", "b.csv", "--issued-on", "2026-11-24"]);
    assert_eq!(code, 1, "{err}");
    let again = std::fs::read_dir(d.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("20261124")).unwrap();
    let rejects = std::fs::read_to_string(again.join("rejects.csv")).unwrap();
    let line = rejects.lines().find(|l| l.contains(",ALREADY_ISSUED,")).unwrap();
    assert!(line.contains("pada run 20261123-") && line.contains("in run 20261123-") && line.contains("do not send it again; hand out the issued document"), "{line}");
    let page = std::fs::read_to_string(again.join("report.html")).unwrap();
    assert!(page.contains("<code>ALREADY_ISSUED</code>: sudah terbit: jangan kirim lagi"), "the advice by rule");
    // A night issued ahead is counted by stats without --to.
    let ahead = (chrono::Utc::now() + chrono::Duration::hours(7) + chrono::Duration::days(3)).date_naive().format("%Y-%m-%d").to_string();
    assert_eq!(terbit(d, &["samples", "--count", "5", "--seed", "9", "--as-of", "2026-11-23", "--out", "ahead.csv"]).0, 0);
    let (code, _, err) = terbit(d, &["-q", "issue", "ahead.csv", "--issued-on", &ahead]);
    assert_eq!(code, 0, "{err}");
    let out = fixture::ok(d, &["stats"]);
    assert!(out.lines().any(|l| l.starts_with(&ahead)) && out.contains(" on: "), "{out}");
    // That night run again from another export of it (its rows in another
    // order): every application ALREADY_ISSUED by the night's run, nothing
    // issued, and done (README: "A finished night run again").
    let text = std::fs::read_to_string(d.join("ahead.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::write(d.join("ahead-again.csv"), lines.join("\n") + "\n").unwrap();
    let (code, out, err) = terbit(d, &["issue", "ahead-again.csv", "--issued-on", &ahead]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("NOT DONE"), "{err}");
}
