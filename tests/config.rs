//! One configuration for every command, as an operator who followed the
//! README meets it: `terbit.toml` in its folder names the keys, register,
//! out folder and batch patterns elsewhere; every command run there (or
//! given --config) uses them, flags override one setting each, and errors
//! say the cause that fits.

use std::path::{Path, PathBuf};

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::{ok, terbit};

const NIGHT: &str = "2026-12-06";

/// README's layout: `conf/terbit.toml` naming `../secrets`,
/// `../state/register.sqlite`, `../runs` and two batch patterns (CSV and
/// Parquet), with a CSV-only night in `export/2026-12-06`. Returns `conf`.
fn district(d: &Path) -> PathBuf {
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "secrets", "--not-before", "2026-01-01"]);
    // The district root certifies the PDF key (every PDF is signed).
    fixture::bundle_for(d, "secrets");
    std::fs::create_dir_all(d.join("export").join(NIGHT)).unwrap();
    ok(d, &["samples", "--kind", "birth", "--count", "10", "--seed", "3", "--as-of", NIGHT, "--out", &format!("export/{NIGHT}/birth.csv")]);
    let conf = d.join("conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("terbit.toml"),
        "batch = [\"../export/{date}/*.csv\", \"../export/{date}/*.parquet\"]\n\
         keys = \"../secrets\"\nregister = \"../state/register.sqlite\"\nout = \"../runs\"\nmax_reject_rate = 0.5\n",
    )
    .unwrap();
    conf
}

fn issued(register: &Path) -> i64 {
    terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(std::path::PathBuf::from(register))).unwrap().count("issued").unwrap()
}

/// Every row of every run's rejects.csv under `runs` with this rule.
fn rejects_with(runs: &Path, rule: &str) -> usize {
    std::fs::read_dir(runs)
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("rejects.csv")).ok())
        .map(|t| t.lines().filter(|l| l.contains(rule)).count())
        .sum()
}

#[test]
fn a_two_pattern_csv_only_night_issues_and_named_batch_files_keep_the_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district(d);
    // The nightly job: no Parquet file tonight, which is no failure; the
    // pattern that matched nothing is said once.
    let (code, out, err) = terbit(&conf, &["issue", "--issued-on", NIGHT]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(err.matches("matches no file").count(), 1, "{err}");
    assert!(err.contains("*.parquet"), "{err}");
    let register = d.join("state/register.sqlite");
    let first = issued(&register);
    assert_eq!(first, 10, "{out}");
    // The operator names the batch file in the same folder (plus another
    // kind's file, so that it is a new run): the configured keys, register
    // and out folder still hold; nothing is issued twice.
    ok(d, &["samples", "--kind", "death", "--count", "3", "--seed", "5", "--as-of", NIGHT, "--out", "extra/death.csv"]);
    let (code, out, err) = terbit(&conf, &["issue", &format!("../export/{NIGHT}/birth.csv"), "../extra/death.csv", "--issued-on", NIGHT]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!conf.join("out").exists() && !conf.join("keys").exists(), "no second register, no ./keys: {out}");
    assert_eq!(issued(&register), first + 3, "only the deaths are new");
    assert_eq!(rejects_with(&d.join("runs"), "ALREADY_ISSUED"), 10, "the births were ALREADY_ISSUED against the configured register");
    // A flag overrides its one setting and keeps the others: another out
    // folder (and register) for a trial is refused with the district's keys
    // folder, which issues with the configured register only.
    let (code, out, err) = terbit(&conf, &["issue", "../extra/death.csv", "--issued-on", NIGHT, "--out", "../trial", "--register", "../trial/r.sqlite"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("issues with the register") && !d.join("trial").exists() && !conf.join("keys").exists(), "{err}");
    // No file at all tonight: every pattern and the date named.
    let (code, _, err) = terbit(&conf, &["issue", "--issued-on", "2026-12-05"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2026-12-05/*.csv") && err.contains("2026-12-05/*.parquet") && err.contains("has the night's export run"), "{err}");
}

#[test]
fn the_morning_commands_read_the_configuration_and_never_make_a_register() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district(d);
    ok(&conf, &["--quiet", "issue", "--issued-on", NIGHT]);
    let run = std::fs::read_dir(d.join("runs")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let numbers: Vec<String> = manifest.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect();
    // stats: in the folder, and from anywhere with --config.
    let out = ok(&conf, &["stats"]);
    assert!(out.contains("10 documents issued"), "{out}");
    let out = ok(d, &["stats", "--config", "conf/terbit.toml", "--json"]);
    assert!(out.contains("\"issued\""), "{out}");
    // A bare check checks tonight's files, against the configured
    // register: issued already, they would all be ALREADY_ISSUED.
    let (code, out, err) = terbit(&conf, &["check", "--issued-on", NIGHT]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("10 applications") && out.contains("10 would be rejected") && out.contains("ALREADY_ISSUED"), "{out}");
    // revoke, supersede, revocations: the configured register and keys.
    let out = ok(&conf, &["revoke", &numbers[0], "--reason", "issued on forged evidence"]);
    assert!(out.contains("revoked") && d.join("secrets/revocations-3506.json").exists(), "{out}");
    // Superseded only by a document of the same subject: another child's is refused, naming both NIKs.
    let (code, _, err) = terbit(&conf, &["supersede", &numbers[1], "--by", &numbers[2], "--reason", "name corrected"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("same subject") && err.matches("NIK").count() >= 1, "{err}");
    ok(d, &["revocations", "--config", "conf/terbit.toml"]);
    assert!(!conf.join("out").exists(), "no register made beside the configuration");
    // Without a configuration the default register is not there: refused,
    // naming the path and why that path, and none is made.
    let empty = d.join("elsewhere");
    std::fs::create_dir_all(&empty).unwrap();
    for args in [&["stats"][..], &["revoke", &numbers[3], "--reason", "x"], &["revocations"]] {
        let (code, _, err) = terbit(&empty, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("out/register.sqlite not found") && err.contains("no ./terbit.toml"), "{args:?}: {err}");
    }
    assert!(!empty.join("out").exists(), "nothing made");
    // A configured register that is not there is named with its setting.
    std::fs::rename(d.join("state"), d.join("state-moved")).unwrap();
    let (code, _, err) = terbit(d, &["stats", "--config", "conf/terbit.toml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("register.sqlite not found") && err.contains("`register` in conf/terbit.toml"), "{err}");
    assert!(!d.join("state").exists());
    // The keys commands and trust sign use the configured keys folder too.
    ok(&conf, &["keys", "generate", "--issuer", "3506", "--not-before", "2027-01-01"]);
    let list = std::fs::read_to_string(d.join("secrets/trust.json")).unwrap();
    assert_eq!(list.matches("\"kid\"").count(), 2, "{list}");
    ok(&conf, &["trust", "sign", "--root-key", "../secrets-root/root-3506.key", "--root-cert", "../secrets-root/root-3506.crt"]);
    assert!(!conf.join("keys").exists());
}

#[test]
fn a_new_register_beside_runs_of_another_register_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let conf = district(d);
    ok(&conf, &["--quiet", "issue", "--issued-on", NIGHT]);
    let run = std::fs::read_dir(d.join("runs")).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().file_name();
    let run = run.to_string_lossy();
    let batch = format!("export/{NIGHT}/birth.csv");
    // From the parent folder, without the configuration: the default
    // register runs/register.sqlite does not exist beside a run folder.
    let (code, _, err) = terbit(d, &["issue", &batch, "--keys", "secrets", "--out", "runs", "--issued-on", NIGHT]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&*run) && err.contains("--register") && err.contains("runs/register.sqlite"), "{err}");
    assert!(!d.join("runs/register.sqlite").exists());
    // An existing register that issued none of them.
    ok(d, &["samples", "--kind", "death", "--count", "3", "--as-of", NIGHT, "--out", "death.csv"]);
    // (made with a copy of the keys: the district's folder issues with its own register only)
    std::fs::create_dir_all(d.join("secrets2")).unwrap();
    for e in std::fs::read_dir(d.join("secrets")).unwrap().flatten().filter(|e| e.file_name() != "register-binding.json") {
        std::fs::copy(e.path(), d.join("secrets2").join(e.file_name())).unwrap();
    }
    ok(d, &["--quiet", "issue", "death.csv", "--keys", "secrets2", "--out", "other-runs", "--register", "other/register.sqlite", "--issued-on", NIGHT]);
    let (code, _, err) = terbit(d, &["issue", &batch, "--keys", "secrets", "--out", "runs", "--register", "other/register.sqlite", "--issued-on", NIGHT]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&*run) && err.contains("none of them issued by the register other/register.sqlite"), "{err}");
    // The register that issued them: fine.
    ok(d, &["--quiet", "issue", &batch, "--keys", "secrets", "--out", "runs", "--register", "state/register.sqlite", "--issued-on", NIGHT]);
}

#[test]
fn key_errors_name_their_cause_and_suggest_a_new_key_only_when_it_is_the_cure() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sampang = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/regions/3527-sampang.toml");
    let sampang = sampang.to_str().unwrap();
    // A Sampang office whose operator forgot --region: the embedded Kediri.
    ok(d, &["keys", "generate", "--issuer", "3527", "--dir", "k27", "--not-before", "2026-01-01"]);
    fixture::bundle_for(d, "k27");
    ok(d, &["samples", "--kind", "birth", "--count", "8", "--region", sampang, "--as-of", NIGHT, "--out", "sampang.csv"]);
    let (code, _, err) = terbit(d, &["issue", "sampang.csv", "--keys", "k27", "--issued-on", NIGHT]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("villages of") && err.contains("(3527)") && err.contains("Kabupaten Kediri (3506"), "{err}");
    assert!(err.contains("hint: give the region file"), "{err}");
    assert!(!err.contains("keys generate"), "{err}");
    // A key of the wrong regency is not added to the district's folder
    // (its trust list could no longer be signed).
    let (code, _, err) = terbit(d, &["keys", "generate", "--issuer", "3506", "--dir", "k27"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds keys of regency 3527"), "{err}");
    // The dry run says the same.
    let (code, _, err) = terbit(d, &["check", "sampang.csv", "--issued-on", NIGHT]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("villages of Kabupaten Sampang (3527)") && err.contains("give the region file"), "{err}");
    // With its region it issues.
    ok(d, &["--quiet", "issue", "sampang.csv", "--keys", "k27", "--region", sampang, "--issued-on", NIGHT, "--out", "o27"]);

    // A Kediri office whose key file went missing: its full path named.
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "k06", "--not-before", "2026-01-01"]);
    fixture::bundle_for(d, "k06");
    ok(d, &["samples", "--kind", "birth", "--count", "5", "--as-of", NIGHT, "--out", "kediri.csv"]);
    let key = std::fs::read_dir(d.join("k06")).unwrap().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with(".key") && !p.to_string_lossy().ends_with(".pdf.key") && !p.ends_with("tsa.key")).unwrap();
    let key = key.canonicalize().unwrap();
    std::fs::rename(&key, d.join("key-elsewhere")).unwrap();
    let (code, _, err) = terbit(d, &["issue", "kediri.csv", "--keys", "k06", "--issued-on", NIGHT, "--out", "o06"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("private key file {} is missing", key.display())), "{err}");
    assert!(!err.contains("keys generate"), "{err}");
    std::fs::rename(d.join("key-elsewhere"), &key).unwrap();

    // An issue date before the key's window: the window and the cure named.
    let (code, _, err) = terbit(d, &["issue", "kediri.csv", "--keys", "k06", "--issued-on", "2025-12-01", "--out", "o06"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("signs from 2026-01-01T00:00:00Z, with no end date") && err.contains("2025-12-01T00:00:00Z"), "{err}");
    assert!(err.contains("--issued-on") && err.contains("before the key's window"), "{err}");
    assert!(!err.contains("keys generate"), "{err}");

    // No keys folder where the flag points: who chose it is said.
    let (code, _, err) = terbit(d, &["issue", "kediri.csv", "--keys", "k6", "--issued-on", NIGHT, "--out", "o06"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no trust list in the keys folder k6 (given by --keys)"), "{err}");
    // An empty keys folder: there a new key is the cure.
    std::fs::create_dir_all(d.join("none")).unwrap();
    std::fs::write(d.join("none/trust.json"), "{\"keys\": []}").unwrap();
    let (code, _, err) = terbit(d, &["issue", "kediri.csv", "--keys", "none", "--issued-on", NIGHT, "--out", "o00"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("keys generate --issuer 3506"), "{err}");
}

#[test]
fn verify_without_a_trust_file_says_what_one_is() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = terbit(tmp.path(), &["verify", "DK1:ABC"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("trust-bundle.json") && err.contains("trust bundle"), "{err}");
    assert!(err.contains("terbit trust bundle --list") && err.contains("terbit demo"), "{err}");
}

#[test]
fn check_prints_the_first_rejected_rows_where_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["samples", "--kind", "death", "--count", "40", "--defects", "0.3", "--as-of", NIGHT, "--out", "dirty.csv"]);
    let (code, out, err) = terbit(d, &["check", "dirty.csv", "--issued-on", NIGHT]);
    assert_eq!(code, 1, "{out}\n{err}");
    let rows: Vec<&str> = out.lines().map(str::trim).filter(|l| l.starts_with("dirty.csv:")).collect();
    assert!(!rows.is_empty() && rows.len() <= 10, "{out}");
    for r in &rows {
        // file:line field: reason
        let (at, rest) = r.split_once(' ').unwrap();
        assert!(at["dirty.csv:".len()..].parse::<u32>().is_ok(), "{r}");
        let (field, reason) = rest.split_once(": ").unwrap();
        assert!(!field.is_empty() && !field.contains(' ') && !reason.is_empty(), "{r}");
    }
    assert!(out.contains("--rejects FILE writes them all") || rows.len() < 10, "{out}");
}

#[test]
fn trust_show_has_an_example() {
    let tmp = tempfile::tempdir().unwrap();
    let out = ok(tmp.path(), &["trust", "show", "--help"]);
    assert!(out.contains("terbit trust show trust-bundle.json"), "{out}");
}
