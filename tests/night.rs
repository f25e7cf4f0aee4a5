//! The nightly job as a scheduler sees it: what it prints and its exit
//! code. A done night is silent under --quiet; a night that is not done
//! (another regency's export, yesterday's export again, nothing issued)
//! says so in one line and exits 1; a night that could not run exits 2.
//! README's cron line and systemd units are run and checked as written.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "common/trust_fixture.rs"]
mod fixture;

use fixture::terbit;

/// A district ready to issue: a key certified by its root.
fn district() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = terbit(tmp.path(), &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    assert_eq!(code, 0, "{err}");
    fixture::bundle_for(tmp.path(), "keys");
    tmp
}

fn samples(d: &Path, args: &[&str]) {
    let mut all = vec!["samples"];
    all.extend_from_slice(args);
    let (code, _, err) = terbit(d, &all);
    assert_eq!(code, 0, "{err}");
}

/// The one run folder of `out` whose name starts with `date` (YYYYMMDD).
fn run_of(d: &Path, date: &str) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(d.join("out")).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir() && p.file_name().unwrap().to_str().unwrap().starts_with(date)).collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].clone()
}

/// `count` sample applications of `date` (YYYY-MM-DD) in b.csv, issued
/// that day: the run's id.
fn issued_night(d: &Path, count: &str, date: &str) -> String {
    samples(d, &["--count", count, "--as-of", date, "--out", "b.csv"]);
    assert_eq!(terbit(d, &["-q", "issue", "b.csv", "--issued-on", date]).0, 0);
    run_of(d, &date.replace('-', "")).file_name().unwrap().to_str().unwrap().to_string()
}

fn numbered(d: &Path) -> i64 {
    let reg = terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(d.join("out/register.sqlite"))).unwrap();
    reg.count("numbered").unwrap() + reg.count("issued").unwrap()
}

/// stderr holds exactly one line, a NOT DONE line.
fn one_not_done_line(err: &str) -> &str {
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line per problem: {err}");
    assert!(lines[0].starts_with("terbit: NOT DONE — "), "{err}");
    lines[0]
}

#[test]
fn quiet_prints_nothing_on_a_done_night_and_the_summary_otherwise() {
    let tmp = district();
    let d = tmp.path();
    samples(d, &["--count", "30", "--defects", "0.05", "--as-of", "2026-11-23", "--out", "b.csv"]);
    let (code, out, err) = terbit(d, &["--quiet", "issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""), "a done night under --quiet: both streams empty");
    // The same night again (it resumes, issuing nothing twice): still done, still silent.
    let (code, out, err) = terbit(d, &["-q", "issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    // Without --quiet the summary is printed.
    let (code, out, _) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 0);
    assert!(out.contains("30 applications") && out.contains("report:"), "{out}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run_of(d, "20261123").join("report.json")).unwrap()).unwrap();
    assert!(report.get("not_done").is_none(), "{report}");
}

#[test]
fn another_regencys_export_is_not_done_and_named() {
    let tmp = district();
    let d = tmp.path();
    // Sampang's export handed to Kediri's job.
    let sampang = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/regions/3527-sampang.toml");
    samples(d, &["--count", "100", "--as-of", "2026-11-23", "--region", sampang.to_str().unwrap(), "--out", "b.csv"]);
    let (code, out, err) = terbit(d, &["--quiet", "issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out, "");
    let line = one_not_done_line(&err);
    assert!(line.contains("nothing was issued: all 100 applications were rejected"), "{line}");
    assert!(line.contains("this looks like another regency's export: the villages of 100 of them are in Kabupaten Sampang (3527), not Kabupaten Kediri (3506)"), "{line}");
    assert!(line.contains("rejects.csv"), "{line}");
    // In the report too.
    let run = run_of(d, "20261123");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["not_done"][0]["reason"], "nothing_issued", "{report}");
    assert!(std::fs::read_to_string(run.join("report.html")).unwrap().contains("NOT DONE"));

    // Under an explicit limit it is refused before anything is numbered.
    let tmp = district();
    let d = tmp.path();
    samples(d, &["--count", "100", "--as-of", "2026-11-23", "--region", sampang.to_str().unwrap(), "--out", "b.csv"]);
    let (code, out, err) = terbit(d, &["--quiet", "issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "0.2"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    let line = one_not_done_line(&err);
    assert!(line.contains("batch refused: 100 of the 100 applications (100.0%) were rejected, above max_reject_rate 0.2 (20%)"), "{line}");
    assert!(line.contains("another regency's export") && line.contains("Kabupaten Sampang (3527)") && line.contains("nothing was numbered"), "{line}");
    assert_eq!(numbered(d), 0, "nothing numbered");
    let run = run_of(d, "20261123");
    assert!(run.join("rejects.csv").exists() && run.join("report.json").exists() && !run.join("manifest.csv").exists());
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["not_done"][0]["reason"], "refused", "{report}");
    // Without --quiet: a short summary (no seal, no manifest) and the same line.
    let (code, out, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "0.2"]);
    assert_eq!(code, 1);
    assert!(out.contains("100 rejected") && !out.contains("seal:") && !out.contains("manifest:"), "{out}");
    assert!(err.lines().filter(|l| l.starts_with("terbit: NOT DONE — batch refused")).count() == 1, "{err}");
}

#[test]
fn yesterdays_export_again_is_not_done_and_names_the_run_that_issued_it() {
    let tmp = district();
    let d = tmp.path();
    let yesterday_id = issued_night(d, "40", "2026-11-22");
    let before = numbered(d);
    // The same file left in tonight's folder.
    for limit in [None, Some("0.2")] {
        let mut args = vec!["--quiet", "issue", "b.csv", "--issued-on", "2026-11-23"];
        args.extend(limit.map(|l| ["--max-reject-rate", l]).into_iter().flatten());
        let (code, out, err) = terbit(d, &args);
        assert_eq!((code, out.as_str()), (1, ""), "{limit:?}: {err}");
        let line = one_not_done_line(&err);
        assert!(line.contains("nothing was issued: all 40 applications were rejected"), "{line}");
        assert!(
            line.contains(&format!("this looks like yesterday's export again: 40 of them were already issued by run {yesterday_id} (issued on 2026-11-22)")),
            "{limit:?}: {line}"
        );
        assert_eq!(numbered(d), before, "nothing numbered again");
    }
    // Two days later it is "an earlier export".
    let (code, _, err) = terbit(d, &["--quiet", "issue", "b.csv", "--issued-on", "2026-11-25"]);
    assert_eq!(code, 1);
    assert!(one_not_done_line(&err).contains("this looks like an earlier export again"), "{err}");
}

#[test]
fn mostly_already_issued_is_not_done_but_the_new_applications_are_issued_and_sealed() {
    let tmp = district();
    let d = tmp.path();
    samples(d, &["--count", "30", "--as-of", "2026-11-22", "--out", "old.csv"]);
    assert_eq!(terbit(d, &["-q", "issue", "old.csv", "--issued-on", "2026-11-22"]).0, 0);
    // Tonight: yesterday's 30 again beside 10 new ones (other IDs and people).
    samples(d, &["--count", "10", "--seed", "7", "--as-of", "2026-11-23", "--out", "new.csv"]);
    let new = std::fs::read_to_string(d.join("new.csv")).unwrap();
    let old = std::fs::read_to_string(d.join("old.csv")).unwrap();
    std::fs::write(d.join("tonight.csv"), format!("{old}{}", new.split_once('\n').unwrap().1)).unwrap();
    let (code, out, err) = terbit(d, &["-q", "issue", "tonight.csv", "--issued-on", "2026-11-23"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    let line = one_not_done_line(&err);
    assert!(line.contains("30 of the 40 applications (75.0%) were rejected, above max_reject_rate 0.5 (50%) (the default)"), "{line}");
    assert!(line.contains("yesterday's export again") && line.contains("the 10 valid ones were issued and sealed"), "{line}");
    // Nothing lost: the 10 are published and the run verifies.
    let run = run_of(d, "20261123");
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    assert_eq!(manifest.lines().count() - 1, 10, "{manifest}");
    let (code, out, _) = terbit(d, &["verify", "--trust", "keys/trust-bundle.json", run.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["not_done"][0]["reason"], "reject_limit", "{report}");
    // A limit that allows it makes the same night done (it resumes: nothing twice).
    let (code, out, err) = terbit(d, &["-q", "issue", "tonight.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "0.8"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
}

#[test]
fn a_second_export_of_applications_issued_tonight_is_done_and_says_so() {
    let tmp = district();
    let d = tmp.path();
    let first_id = issued_night(d, "12", "2026-11-23");
    // The same applications in another order: another file, another run of this night.
    let b = std::fs::read_to_string(d.join("b.csv")).unwrap();
    let (header, rows) = b.split_once('\n').unwrap();
    let mut rows: Vec<&str> = rows.lines().collect();
    rows.reverse();
    std::fs::write(d.join("again.csv"), format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let before = numbered(d);
    // Done (that night's work stands): silent under --quiet, exit 0.
    let (code, out, err) = terbit(d, &["-q", "issue", "again.csv", "--issued-on", "2026-11-23"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    // Said without --quiet: nothing new, and which run issued them.
    let (code, out, err) = terbit(d, &["issue", "again.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("nothing new was issued: all 12 applications were already issued tonight by run {first_id}")),
        "{out}{err}"
    );
    assert_eq!(numbered(d), before, "nothing numbered again");
}

#[test]
fn check_judges_a_header_only_file_as_issue_does() {
    let tmp = district();
    let d = tmp.path();
    samples(d, &["--count", "5", "--as-of", "2026-11-23", "--out", "b.csv"]);
    let b = std::fs::read_to_string(d.join("b.csv")).unwrap();
    std::fs::write(d.join("empty.csv"), format!("{}\n", b.lines().next().unwrap())).unwrap();
    // Alone: the export most likely failed; both refuse, naming the file.
    for cmd in ["check", "issue"] {
        let (code, out, err) = terbit(d, &[cmd, "empty.csv", "--issued-on", "2026-11-23"]);
        assert_eq!(code, 2, "{cmd}: {out}{err}");
        assert!(err.contains("empty.csv: no rows below the header; nothing to issue"), "{cmd}: {err}");
    }
    // Beside a file with rows: a warning, and the night goes on.
    let (code, out, err) = terbit(d, &["check", "b.csv", "empty.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("empty.csv: header only, no applications of its kind in this batch"), "{err}");
}

#[test]
fn a_night_that_issues_nothing_is_not_done_whatever_the_limit() {
    let tmp = district();
    let d = tmp.path();
    samples(d, &["--count", "20", "--defects", "1", "--as-of", "2026-11-23", "--out", "b.csv"]);
    let (code, out, err) = terbit(d, &["-q", "issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "1"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(one_not_done_line(&err).contains("nothing was issued: all 20 applications were rejected"), "{err}");
}

#[test]
fn exit_codes_of_issue() {
    let tmp = district();
    let d = tmp.path();
    samples(d, &["--count", "10", "--as-of", "2026-11-23", "--out", "b.csv"]);
    // 2: could not run — no such file, a header-only export, no settings, a bad limit, no keys.
    for args in [
        &["issue", "missing.csv", "--issued-on", "2026-11-23"][..],
        &["issue", "--issued-on", "2026-11-23"][..],
        &["issue", "b.csv", "--issued-on", "2026-11-23", "--max-reject-rate", "2"][..],
        &["issue", "b.csv", "--issued-on", "2026-11-23", "--keys", "nokeys"][..],
    ] {
        let mut q = vec!["--quiet"];
        q.extend_from_slice(args);
        let (code, out, err) = terbit(d, &q);
        assert_eq!((code, out.as_str()), (2, ""), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    // An error with a hint is still one line under --quiet.
    std::fs::write(d.join("not-a-folder"), b"x").unwrap();
    let (code, _, err) = terbit(d, &["-q", "issue", "b.csv", "--issued-on", "2026-11-23", "--out", "not-a-folder/out"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.lines().count() == 1 && err.starts_with("error: ") && err.contains(" — hint: "), "{err}");
    let header = std::fs::read_to_string(d.join("b.csv")).unwrap().lines().next().unwrap().to_string();
    std::fs::write(d.join("empty.csv"), format!("{header}\n")).unwrap();
    let (code, _, err) = terbit(d, &["-q", "issue", "empty.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing to issue"), "{err}");
    // 0: done (1, not done, is each test above).
    assert_eq!(terbit(d, &["-q", "issue", "b.csv", "--issued-on", "2026-11-23"]).0, 0);
    // --help says the codes.
    let (_, help, _) = terbit(d, &["issue", "--help"]);
    assert!(help.contains("Exit codes:") && help.contains("1  NOT DONE") && help.contains("2  could not run"), "{help}");
}

/// The first code block of README that opens with "```{lang}".
fn readme_block(lang: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find(&format!("```{lang}\n")).unwrap_or_else(|| panic!("README has no {lang} block")) + lang.len() + 4;
    readme[start..][..readme[start..].find("```").unwrap()].to_string()
}

#[test]
fn the_readme_cron_line_mails_only_a_night_that_is_not_done() {
    let tmp = district();
    let d = tmp.path();
    std::fs::create_dir_all(d.join("exports/2026-11-23")).unwrap();
    samples(d, &["--count", "20", "--as-of", "2026-11-23", "--out", "exports/2026-11-23/birth.csv"]);
    std::fs::write(d.join("terbit.toml"), "batch = [\"exports/{date}/*.csv\"]\nkeys = \"keys\"\nout = \"out\"\n").unwrap();
    // The crontab line as README writes it: minute hour day month weekday user command.
    let block = readme_block("cron");
    let line = block.lines().find(|l| l.split_whitespace().next().is_some_and(|first| !first.starts_with('#') && !first.contains('='))).unwrap();
    let command = line.split_whitespace().skip(6).collect::<Vec<_>>().join(" ");
    assert!(command.contains("--quiet issue") && !command.contains('>'), "output must reach cron: {command}");
    // The `crontab -e` form after it (no user field) runs the same command.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let user_form = readme.split("```cron\n").nth(2).and_then(|b| b.split("```").next()).expect("README gives the crontab -e form");
    let user_line = user_form.lines().find(|l| l.split_whitespace().next().is_some_and(|first| !first.starts_with('#') && !first.contains('='))).unwrap();
    assert_eq!(user_line.split_whitespace().skip(5).collect::<Vec<_>>().join(" "), command, "{user_line}");
    let command = command.replace("/etc/terbit", d.to_str().unwrap()).replace("/usr/local/bin/terbit", env!("CARGO_BIN_EXE_terbit"));
    // cron runs the command with /bin/sh, in the user's home, the issue date today's.
    let cron = |date: &str| {
        let epoch = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
        let o = Command::new("/bin/sh")
            .args(["-c", &command])
            .current_dir("/")
            .env("SOURCE_DATE_EPOCH", epoch.to_string())
            .env("XDG_STATE_HOME", d.join("state"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    };
    assert_eq!(cron("2026-11-23"), "", "a done night: no mail");
    assert!(d.join("out/register.sqlite").exists());
    // The next night's folder holds yesterday's export again: a mail, saying so.
    std::fs::create_dir_all(d.join("exports/2026-11-24")).unwrap();
    std::fs::copy(d.join("exports/2026-11-23/birth.csv"), d.join("exports/2026-11-24/birth.csv")).unwrap();
    let mail = cron("2026-11-24");
    assert!(mail.contains("NOT DONE") && mail.contains("yesterday's export again"), "{mail}");
    assert!(mail.contains("terbit issue failed: exit 1"), "{mail}");
    // No export at all for the night: a mail too.
    let mail = cron("2026-11-26");
    assert!(mail.contains("match nothing") && mail.contains("exit 2"), "{mail}");
}

#[test]
fn the_readme_systemd_units_verify() {
    if fixture::tools::require("README's systemd units (systemd-analyze verify)", fixture::tools::program("systemd-analyze", "--version")).is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let block = readme_block("ini");
    let mut names = Vec::new();
    for unit in block.split("# /etc/systemd/system/").skip(1) {
        let (name, body) = unit.split_once('\n').unwrap();
        let body = body.replace("/usr/local/bin/terbit", env!("CARGO_BIN_EXE_terbit"));
        std::fs::write(tmp.path().join(name.trim()), body).unwrap();
        names.push(tmp.path().join(name.trim()));
    }
    let names_text: Vec<String> = names.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names_text, ["terbit.service", "terbit-failed.service", "terbit.timer"]);
    let service = std::fs::read_to_string(&names[0]).unwrap();
    assert!(service.contains("OnFailure=terbit-failed.service") && service.contains("--quiet issue"), "{service}");
    let o = Command::new("systemd-analyze").args(["verify", "--man=no"]).args(&names).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.trim().is_empty(), "{err}");
}

#[test]
fn the_demo_numbers_its_steps_and_its_try_line_runs_as_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (code, out, err) = terbit(d, &["demo", "--count", "12"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let steps: Vec<u32> = out.lines().filter_map(|l| l.split_once(". ").and_then(|(n, _)| n.parse().ok())).collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6], "{out}");
    let try_line = out.lines().find_map(|l| l.strip_prefix("Try: ")).unwrap();
    // Run as printed, from the folder the demo ran in (terbit is on no PATH here).
    let o = Command::new("/bin/sh")
        .args(["-c", try_line])
        .current_dir(d)
        .env("PATH", "/usr/bin:/bin")
        .env("XDG_STATE_HOME", d.join("state"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && said.contains(" genuine, ") && said.contains("0 problem(s)"), "{try_line}\n{said}\n{}", String::from_utf8_lossy(&o.stderr));
    // The demo's throwaway root is remembered beside the demo, never in the
    // machine's trust memory (where the district's real root would then be
    // refused as a changed root).
    assert!(!d.join("state/terbit/trust-memory.json").exists(), "{try_line}");
    assert!(try_line.contains("--trust-memory"), "{try_line}");
}
