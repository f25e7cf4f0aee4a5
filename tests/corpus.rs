//! Bad input, each with its expected outcome: a clear message naming the
//! file (and line or field where there is one), exit code 2 for input that
//! cannot be used at all, rejects for row-level problems, exit 1 for a
//! document that fails verification — and never a panic.
//!
//! Small files live in `tests/corpus/` (described in its README); the
//! large ones (a 10 MB field, 1,000,000 columns, a 100 KB QR text, a
//! Parquet file with wrong types) are generated here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(name)
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

#[path = "common/trust_fixture.rs"]
mod fixture;

fn terbit(dir: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("TERBIT_SIGNING_KEY")
        // Each test keeps its own memory of trust lists seen.
        .env("XDG_STATE_HOME", dir.join("state"))
        .output()
        .expect("run terbit");
    let o = Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    };
    // A panic prints "panicked at" and exits 101: never, for any input.
    assert!(!o.stderr.contains("panicked") && o.code != 101, "terbit panicked on {args:?}:\n{}", o.stderr);
    o
}

/// `terbit issue FILE` in a fresh folder with a key; the outcome.
fn issue(file: &Path) -> (tempfile::TempDir, Outcome) {
    let tmp = tempfile::tempdir().unwrap();
    fixture::office_keys(&tmp.path().join("keys"), "3506", &[5u8; 32], 0);
    let o = terbit(tmp.path(), &["issue", file.to_str().unwrap(), "--issued-on", "2026-11-23"]);
    (tmp, o)
}

fn expect_refused(file: &Path, words: &[&str]) {
    let (_t, o) = issue(file);
    assert_eq!(o.code, 2, "{}: expected exit 2\n{}\n{}", file.display(), o.stdout, o.stderr);
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(o.stderr.contains(name), "the message names the file {name}:\n{}", o.stderr);
    for w in words {
        assert!(o.stderr.to_lowercase().contains(&w.to_lowercase()), "message for {name} should say {w:?}:\n{}", o.stderr);
    }
}

#[test]
fn unusable_batch_files_are_refused_with_exit_2_naming_the_file() {
    expect_refused(&corpus("empty.csv"), &["empty"]);
    expect_refused(&corpus("header_only.csv"), &["no rows"]);
    expect_refused(&corpus("garbage.csv"), &["UTF-8"]);
    expect_refused(&corpus("semicolon.csv"), &["';'"]);
    expect_refused(&corpus("invalid_utf8.csv"), &["UTF-8", "line 3"]);
    expect_refused(&corpus("missing.csv"), &["missing.csv"]);
}

#[test]
fn a_stray_quote_refuses_the_file_and_issues_nothing() {
    // An unclosed quote swallows the rest of the file into one field: the
    // rows after it cannot be told apart, so the file is refused whole.
    let (tmp, o) = issue(&corpus("stray_quote.csv"));
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("stray_quote.csv: line 2: 3 field(s) where the header has 13: a quote opened at line 2, column 3 (child_name) runs to line 5: a stray quote?"), "{}", o.stderr);
    // One field's start is quoted, never the rows after it.
    assert!(!o.stderr.contains("3506-LHR-20261123-000002") && o.stderr.len() < 400, "{}", o.stderr);
    let issued: Vec<_> = std::fs::read_dir(tmp.path().join("out"))
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.join("manifest.csv").exists() || p.join("print").exists()).collect())
        .unwrap_or_default();
    assert!(issued.is_empty(), "nothing issued: {issued:?}");
}

#[test]
fn a_ten_megabyte_field_is_a_reject_of_its_row() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("big_field.csv");
    let text = std::fs::read_to_string(corpus("stray_quote.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Row 2 (line 3): the child's name is 10 MB of letters.
    let mut cols: Vec<String> = lines[2].split(',').map(String::from).collect();
    cols[2] = "A".repeat(10 << 20);
    lines[2] = cols.join(",");
    lines.remove(1);
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let (out, o) = issue(&file);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let run = std::fs::read_dir(out.path().join("out")).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
    let rejects = std::fs::read_to_string(run.join("rejects.csv")).unwrap();
    assert!(rejects.contains("big_field.csv:2") && rejects.contains("child_name"), "{}", &rejects[..rejects.len().min(2000)]);
    // The reject names the field without copying 10 MB into the CSV.
    assert!(rejects.len() < 100_000, "rejects.csv is {} bytes", rejects.len());
}

#[test]
fn a_million_columns_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("wide.csv");
    let header: Vec<String> = (0..1_000_000).map(|i| format!("c{i}")).collect();
    std::fs::write(&file, header.join(",") + "\n" + &"x,".repeat(999_999) + "x\n").unwrap();
    expect_refused(&file, &["columns"]);
}

#[test]
fn parquet_with_wrong_types_is_read_as_text_and_every_row_rejected() {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("typed.parquet");
    let header = std::fs::read_to_string(corpus("header_only.csv")).unwrap();
    // Every birth column, as integers and dates instead of text.
    let cols: Vec<Column> = header
        .trim()
        .split(',')
        .enumerate()
        .map(|(i, name)| {
            if i % 2 == 0 {
                Column::new(name.into(), [1i64, 2, 3])
            } else {
                Column::new(name.into(), [1.5f64, 2.5, 3.5])
            }
        })
        .collect();
    let mut df = DataFrame::new(3, cols).unwrap();
    ParquetWriter::new(std::fs::File::create(&file).unwrap()).finish(&mut df).unwrap();
    let (out, o) = issue(&file);
    // Numbers and floats are read as their text; every row then fails its
    // rules (an integer is no NIK, a float no date): all rejected, none
    // issued, each reason in rejects.csv; a night that issued nothing is NOT DONE (exit 1).
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("NOT DONE — nothing was issued"), "{}", o.stderr);
    let run = std::fs::read_dir(out.path().join("out")).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["issued"], 0, "{report}");
    assert_eq!(report["rejected"], 3, "{report}");
    let rejects = std::fs::read_to_string(run.join("rejects.csv")).unwrap();
    assert!(rejects.contains("typed.parquet:row 1") && rejects.contains("NIK_FORMAT"), "{rejects}");
}

#[test]
fn malformed_trust_lists_and_key_files_are_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let qr = "DK1:NOTREAL";
    for trust in ["trust_truncated.json", "trust_bad_key.json"] {
        let o = terbit(d, &["verify", "--trust", corpus(trust).to_str().unwrap(), qr]);
        assert_eq!(o.code, 2, "{trust}: {}\n{}", o.stdout, o.stderr);
        assert!(o.stderr.contains(trust), "{trust}: {}", o.stderr);
    }
    // A keys directory whose key file is not a key.
    let g = fixture::office_keys(&d.join("keys"), "3506", &[5u8; 32], 0);
    std::fs::copy(corpus("key_not_hex.key"), &g.key_file).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&g.key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = terbit(d, &["issue", corpus("stray_quote.csv").to_str().unwrap(), "--issued-on", "2026-11-23"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("64 hex") && o.stderr.contains(".key"), "{}", o.stderr);
    assert!(!o.stderr.contains("not-hex-at-all"), "a key file's content is never printed: {}", o.stderr);
}

#[test]
fn a_100_kb_qr_text_fails_verification_without_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture::office_keys(&d.join("keys"), "3506", &[5u8; 32], 0);
    let bundle = fixture::bundle_for(d, "keys");
    // Malformed DK1 text: a document that fails verification (exit 1).
    let o = terbit(d, &["verify", "--trust", &bundle, &("DK1:".to_string() + &"A".repeat(100 * 1024))]);
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.len() + o.stderr.len() < 10_000, "the verdict does not echo 100 KB");
    // Neither DK1 text nor a file: nothing to verify (exit 2), named briefly
    // in that target's own answer.
    let o = terbit(d, &["verify", "--trust", &bundle, &"x".repeat(100 * 1024)]);
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("(102400 characters): ERROR — could not be checked") && o.stdout.len() < 10_000, "{}", &o.stdout[..o.stdout.len().min(500)]);
}

/// A clean sample birth batch's lines (header first), for a test to break.
fn birth_sample_lines(dir: &Path, count: usize, seed: u64) -> Vec<String> {
    let sample = dir.join("sample.csv");
    let region = terbit::kind::region::Region::kediri();
    let templates = terbit::kind::template::Templates::embedded();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let opts = terbit::input::samples::SampleOptions { region: &region, count, seed, defects: 0.0, as_of };
    terbit::input::samples::write(templates.get("birth").unwrap(), &opts, &sample).unwrap();
    std::fs::read_to_string(&sample).unwrap().lines().map(String::from).collect()
}

/// The run folder `issue` made under `dir`/out, and its report.
fn run_of(dir: &Path) -> (PathBuf, serde_json::Value) {
    let run = std::fs::read_dir(dir.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    let report = serde_json::from_str(&std::fs::read_to_string(run.join("report.json")).unwrap()).unwrap();
    (run, report)
}

#[test]
fn parquet_columns_the_kind_does_not_use_are_never_decoded() {
    // A DECIMAL column (a database's NUMERIC) and a nested one beside the
    // birth columns: ignored, with one warning; the three births issued.
    for name in ["decimal_extra.parquet", "nested_extra.parquet"] {
        let (tmp, o) = issue(&corpus(name));
        assert_eq!(o.code, 0, "{name}: {}", o.stderr);
        assert!(o.stderr.contains("1 column(s) not used by this kind were ignored"), "{}", o.stderr);
        assert_eq!(run_of(tmp.path()).1["issued"], 3);
    }
}

#[test]
fn parquet_columns_of_types_terbit_cannot_read_are_named() {
    for (name, column, kind) in [("decimal_used.parquet", "birth_order", "DECIMAL"), ("nested_used.parquet", "mother_name", "nested")] {
        let (_t, o) = issue(&corpus(name));
        assert_eq!(o.code, 2, "{name}: {}", o.stderr);
        assert!(o.stderr.contains(name) && o.stderr.contains(&format!("column \"{column}\" holds {kind}")), "{}", o.stderr);
    }
}

#[test]
fn a_zoned_timestamp_is_read_as_the_regions_date() {
    let (tmp, o) = issue(&corpus("zoned_timestamp.parquet"));
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_, report) = run_of(tmp.path());
    assert_eq!((report["issued"].as_u64(), report["rejected"].as_u64()), (Some(3), Some(0)), "{report}");
}

#[test]
fn blank_lines_are_not_applications() {
    // A good export with three trailing blank lines (and one in the middle)
    // passes a 20% reject threshold: blank lines are counted nowhere.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(corpus("stray_quote.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(1); // the row with the unclosed quote
    let file = tmp.path().join("blank_lines.csv");
    std::fs::write(&file, format!("{}\n\n{}\n   \n\r\n\n", lines[..2].join("\n"), lines[2..].join("\n"))).unwrap();
    fixture::office_keys(&tmp.path().join("keys"), "3506", &[5u8; 32], 0);
    let o = terbit(tmp.path(), &["issue", file.to_str().unwrap(), "--issued-on", "2026-11-23", "--max-reject-rate", "0.2"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_, report) = run_of(tmp.path());
    assert_eq!(report["applications"].as_u64(), Some(lines.len() as u64 - 1), "{report}");
    assert_eq!(report["rejects_by_rule"].get("REQUIRED"), None, "{report}");
}

#[test]
fn an_exactly_duplicated_header_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(corpus("stray_quote.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(|l| l.to_string()).collect();
    lines.remove(1);
    for l in &mut lines {
        let first = l.split(',').nth(2).unwrap().to_string();
        l.push(',');
        l.push_str(&first);
    }
    let file = tmp.path().join("duplicate_header.csv");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    expect_refused(&file, &["column \"child_name\" appears twice"]);
}

#[test]
fn application_ids_outside_the_id_alphabet_are_rejected_not_issued() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = birth_sample_lines(tmp.path(), 8, 3);
    let good = lines.len() - 1;
    let mut id = |row: usize, new: String| {
        let rest = lines[row].split_once(',').unwrap().1.to_string();
        lines[row] = format!("{new},{rest}");
    };
    id(1, "\"3506-A\nB\"".into()); // a quoted line break
    id(2, "3506-\u{202e}B".into()); // a right-to-left override
    id(3, "X".repeat(1 << 20)); // a megabyte
    let file = tmp.path().join("ids.csv");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let (out, o) = issue(&file);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (run, report) = run_of(out.path());
    assert_eq!(report["rejects_by_rule"]["APPLICATION_ID"].as_u64(), Some(3), "{report}");
    assert_eq!(report["issued"].as_u64(), Some(good as u64 - 3), "{report}");
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    assert!(!manifest.contains('\u{202e}') && !manifest.contains("XXXX") && !manifest.contains("A\nB"));
    let rejects = std::fs::read_to_string(run.join("rejects.csv")).unwrap();
    assert!(rejects.len() < 20_000, "the megabyte ID is clipped in rejects.csv ({} bytes)", rejects.len());
}

#[test]
fn names_are_signed_in_nfc_and_what_cannot_be_printed_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = birth_sample_lines(tmp.path(), 6, 5);
    let mut name = |row: usize, new: &str| {
        let mut cols: Vec<String> = lines[row].split(',').map(String::from).collect();
        cols[2] = new.to_string();
        lines[row] = cols.join(",");
    };
    name(1, "Jose\u{301} Santoso"); // decomposed (NFD): signed as "José Santoso"
    name(2, "山田 Santoso"); // no font of the certificate draws it
    name(3, "Budi\u{200b} Santoso"); // a zero-width space
    name(4, "Budi \u{202e}Santoso"); // a right-to-left override
    let file = tmp.path().join("names.csv");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let (out, o) = issue(&file);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (run, report) = run_of(out.path());
    assert_eq!(report["rejects_by_rule"]["UNPRINTABLE"].as_u64(), Some(1), "{report}");
    assert_eq!(report["rejects_by_rule"]["FORMAT_CHARACTER"].as_u64(), Some(2), "{report}");
    let rejects = std::fs::read_to_string(run.join("rejects.csv")).unwrap();
    assert!(rejects.contains("U+5C71") && rejects.contains("U+200B") && rejects.contains("U+202E"), "{rejects}");
    // The decomposed name was issued, signed in its composed form.
    let manifest = std::fs::read_to_string(run.join("manifest.csv")).unwrap();
    let qr = manifest.lines().nth(1).unwrap().rsplit(',').next().unwrap().to_string();
    let bundle = fixture::bundle_for(out.path(), "keys");
    let v = terbit(out.path(), &["verify", "--trust", &bundle, &qr]);
    assert_eq!(v.code, 0, "{}", v.stdout);
    assert!(v.stdout.contains("Jos\u{e9} Santoso") || v.stdout.contains("JOS\u{c9} SANTOSO"), "{}", v.stdout);
}

#[test]
fn a_damaged_parquet_file_is_refused_not_a_crash() {
    // Its footer makes polars' reader panic: caught, named, exit 2.
    let (_t, o) = issue(&corpus("damaged_footer.parquet"));
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("damaged_footer.parquet: not a readable Parquet file"), "{}", o.stderr);
    assert!(!o.stderr.contains("internal error"), "{}", o.stderr);
}
