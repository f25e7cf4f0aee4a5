//! A hostile host: a data supplier who writes only into the night's
//! export folder, a user who plants a terbit.toml or a keys folder where
//! the job looks, and files that never end or never open (FIFOs,
//! /dev/zero). Each case runs the real binary with a deadline on the
//! child (a hang is a failure, not a stuck test run), and checks that
//! nothing of a file terbit must not read reaches its output.

#[path = "common/trust_fixture.rs"]
mod fixture;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fixture::ok;

const NIGHT: &str = "2026-12-09";

/// terbit in `dir`, killed if it has not ended within 60 s (a hang guard,
/// far above what any of these refusals takes): (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let logs = tempfile::tempdir().unwrap();
    let (o, e) = (logs.path().join("out"), logs.path().join("err"));
    let mut c = Command::new(env!("CARGO_BIN_EXE_terbit"));
    c.args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env("XDG_STATE_HOME", dir.join("state"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("terbit {args:?} hung (killed after 60 s)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code().unwrap_or(-1), std::fs::read_to_string(o).unwrap(), std::fs::read_to_string(e).unwrap())
}

/// Refused (exit 2) with every one of `words` in the error.
fn refused(dir: &Path, args: &[&str], words: &[&str]) -> String {
    let (code, out, err) = run(dir, args, &[]);
    assert_eq!(code, 2, "terbit {args:?}\n{out}\n{err}");
    for w in words {
        assert!(err.contains(w), "terbit {args:?}: no {w:?} in\n{err}");
    }
    err
}

fn set_mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mkfifo(p: &Path) {
    let s = Command::new("mkfifo").arg(p).status().unwrap();
    assert!(s.success());
}

/// Whether this runs as root (only root can give a file to another user);
/// else the case is said as SKIPPED on the test's stderr.
fn as_root(check: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    let m = fixture::tools::Missing { what: "root".into(), why: "is needed to give a file to another uid".into(), install: "run the tests as root (a container)".into() };
    fixture::tools::skipped(check, &m);
    false
}

fn give_away(p: &Path) {
    rustix::fs::chown(p, Some(rustix::process::Uid::from_raw(54321)), None).unwrap();
}

/// A district: a root, a certified key, tonight's birth export and a
/// terbit.toml naming them. Returns the private key's 64 hex digits.
fn district(d: &Path) -> String {
    ok(d, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    ok(d, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-23T00:00:00Z", "--valid-days", "36500"]);
    std::fs::create_dir_all(d.join("exports").join(NIGHT)).unwrap();
    ok(d, &["samples", "--kind", "birth", "--count", "4", "--as-of", "2026-12-01", "--out", &format!("exports/{NIGHT}/birth.csv")]);
    std::fs::write(d.join("terbit.toml"), "batch = [\"exports/{date}/*.csv\"]\nkeys = \"keys\"\nout = \"runs\"\n").unwrap();
    std::fs::read_to_string(key_file(d)).unwrap().trim().to_string()
}

fn key_file(d: &Path) -> PathBuf {
    std::fs::read_dir(d.join("keys"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".key") && !p.to_string_lossy().ends_with(".pdf.key") && !p.ends_with("tsa.key"))
        .unwrap()
}

/// No 8 consecutive hex digits of `key` anywhere in `text`.
fn assert_no_key_bytes(key: &str, text: &str) {
    let text = text.to_ascii_lowercase();
    for i in 0..=key.len() - 8 {
        assert!(!text.contains(&key[i..i + 8]), "key digits {} leaked in\n{text}", &key[i..i + 8]);
    }
}

#[test]
fn a_link_to_the_signing_key_in_the_export_folder_is_refused_and_no_key_digit_is_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let key = district(d);
    let export = d.join("exports").join(NIGHT);
    std::fs::remove_file(export.join("birth.csv")).unwrap();
    std::os::unix::fs::symlink(key_file(d), export.join("birth.csv")).unwrap();
    // The nightly job: the link named as a link, nothing of its target.
    let (code, out, err) = run(d, &["--quiet", "issue", "--issued-on", NIGHT], &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("birth.csv") && err.contains("symbolic link") && err.contains("regular file"), "{err}");
    assert_no_key_bytes(&key, &format!("{out}{err}"));
    // Named on the command line: the same, for issue and check.
    for cmd in ["issue", "check"] {
        let (code, out, err) = run(d, &[cmd, &format!("exports/{NIGHT}/birth.csv"), "--issued-on", NIGHT], &[]);
        assert_eq!(code, 2, "{cmd}: {out}\n{err}");
        assert!(err.contains("symbolic link"), "{cmd}: {err}");
        assert_no_key_bytes(&key, &format!("{out}{err}"));
    }
    // A copy the supplier could make of a file of theirs with a long first
    // column: at most 24 characters of a column name are quoted.
    std::fs::remove_file(export.join("birth.csv")).unwrap();
    std::fs::write(export.join("birth.csv"), format!("{key}\n1\n")).unwrap();
    let (code, out, err) = run(d, &["check", "--issued-on", NIGHT], &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("fits no document kind") && !err.contains(&key[..25]), "{err}");
    // A region or template file that is the key (a planted or mistaken
    // setting): a TOML error by line and column, the key's text never.
    let kf = key_file(d);
    for setting in [format!("region = {:?}", kf.display().to_string()), format!("templates = [\"birth={}\"]", kf.display())] {
        std::fs::write(d.join("terbit.toml"), format!("batch = [\"exports/{{date}}/*.csv\"]\nkeys = \"keys\"\n{setting}\n")).unwrap();
        let (code, out, err) = run(d, &["check", "--issued-on", NIGHT], &[]);
        assert_eq!(code, 2, "{setting}: {out}\n{err}");
        assert!(err.contains("line 1, column"), "{setting}: {err}");
        assert_no_key_bytes(&key, &format!("{out}{err}"));
    }
    // A region file that is not UTF-8 is said so, unquoted.
    std::fs::write(d.join("bin.toml"), b"code = \"\xff\xfe SECRETWORD\"\n").unwrap();
    std::fs::write(d.join("terbit.toml"), "batch = [\"exports/{date}/*.csv\"]\nregion = \"bin.toml\"\n").unwrap();
    let err = refused(d, &["check", "--issued-on", NIGHT], &["bin.toml", "not UTF-8"]);
    assert!(!err.contains("SECRETWORD"), "{err}");
    // A settings file's own TOML error: line and column, not the line's text.
    std::fs::write(d.join("terbit.toml"), "batch = [\"exports/{date}/*.csv\"]\nSECRETWORD SECRETWORD\n").unwrap();
    let err = refused(d, &["check", "--issued-on", NIGHT], &["terbit.toml", "line 2, column"]);
    assert!(!err.contains("SECRETWORD"), "{err}");
}

#[test]
fn what_is_not_a_regular_file_in_an_export_is_named_never_followed_nor_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    district(d);
    let export = d.join("exports").join(NIGHT);
    // Each beside a good export: the night is refused, naming it.
    mkfifo(&export.join("fifo.csv"));
    std::os::unix::fs::symlink("/dev/zero", export.join("zero.csv")).unwrap();
    std::os::unix::fs::symlink("missing.csv", export.join("dangling.csv")).unwrap();
    std::fs::create_dir(export.join("dir.csv")).unwrap();
    let err = refused(d, &["--quiet", "issue", "--issued-on", NIGHT], &["fifo.csv", "FIFO", "zero.csv", "dangling.csv", "symbolic link", "dir.csv", "a folder"]);
    assert!(!err.contains("birth.csv"), "the good file is not the problem: {err}");
    assert!(!d.join("runs").exists() || std::fs::read_dir(d.join("runs")).unwrap().flatten().all(|e| !e.path().join("manifest.csv").exists()), "nothing issued");
    // Named on the command line: a FIFO and a device are refused at once.
    refused(d, &["check", &format!("exports/{NIGHT}/fifo.csv"), "--issued-on", NIGHT], &["fifo.csv", "FIFO"]);
    refused(d, &["check", "/dev/zero", "--kind", "birth", "--issued-on", NIGHT], &["/dev/zero", "a device"]);
    for f in ["fifo.csv", "zero.csv", "dangling.csv"] {
        std::fs::remove_file(export.join(f)).unwrap();
    }
    std::fs::remove_dir(export.join("dir.csv")).unwrap();
    // A pattern that descends (from / it walks the whole disk), and one
    // that matches more files than an export holds.
    std::fs::write(d.join("terbit.toml"), "batch = [\"/**/*.csv\"]\n").unwrap();
    refused(d, &["check", "--issued-on", NIGHT], &["/**/*.csv", "`**` is not allowed"]);
    let many = d.join("many");
    std::fs::create_dir(&many).unwrap();
    for i in 0..1001 {
        std::fs::write(many.join(format!("{i:04}.csv")), "").unwrap();
    }
    std::fs::write(d.join("terbit.toml"), "batch = [\"many/*.csv\"]\n").unwrap();
    refused(d, &["check", "--issued-on", NIGHT], &["many/*.csv", "more than 1000 files"]);
}

#[test]
fn devices_and_fifos_as_region_template_or_settings_are_refused_without_hanging() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    district(d);
    mkfifo(&d.join("fifo"));
    let base = "batch = [\"exports/{date}/*.csv\"]\n";
    for (setting, what) in [
        ("region = \"/dev/zero\"", "a device"),
        ("region = \"/dev/urandom\"", "a device"),
        ("region = \"fifo\"", "FIFO"),
        ("templates = [\"birth=/dev/zero\"]", "a device"),
        ("templates = [\"birth=fifo\"]", "FIFO"),
    ] {
        std::fs::write(d.join("terbit.toml"), format!("{base}{setting}\n")).unwrap();
        refused(d, &["check", "--issued-on", NIGHT], &[what]);
    }
    std::fs::write(d.join("terbit.toml"), base).unwrap();
    // The settings file itself: named with what it is, never "not found".
    refused(d, &["check", "--config", "fifo", "--issued-on", NIGHT], &["fifo", "FIFO"]);
    refused(d, &["stats", "--config", "/dev/zero"], &["/dev/zero", "a device"]);
    let other = d.join("other");
    std::fs::create_dir(&other).unwrap();
    std::os::unix::fs::symlink("/dev/zero", other.join("terbit.toml")).unwrap();
    refused(&other, &["stats"], &["terbit.toml", "symbolic link"]);
    std::fs::remove_file(other.join("terbit.toml")).unwrap();
    std::fs::create_dir(other.join("terbit.toml")).unwrap();
    refused(&other, &["stats"], &["terbit.toml", "a folder"]);
    // A settings file far larger than any: refused by its size, unread.
    let big = std::fs::File::create(d.join("big.toml")).unwrap();
    big.set_len(300 << 20).unwrap();
    refused(d, &["stats", "--config", "big.toml"], &["big.toml", "larger than 64 KiB"]);
    // Issue dates no document may carry.
    refused(d, &["check", "--issued-on", "0001-01-01"], &["before 2000-01-01"]);
    let (code, _, err) = run(d, &["check", "--issued-on", NIGHT], &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(d, &["check"], &[("SOURCE_DATE_EPOCH", "-99999999999")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("SOURCE_DATE_EPOCH") && err.contains("before 2000-01-01"), "{err}");
}

#[test]
fn a_settings_file_others_could_have_written_is_refused_by_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    district(d);
    let commands: [&[&str]; 6] = [
        &["check", "--issued-on", NIGHT],
        &["stats"],
        &["revocations"],
        &["keys", "generate", "--issuer", "3506"],
        &["trust", "sign", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt"],
        &["--quiet", "issue", "--issued-on", NIGHT],
    ];
    let keys_before = std::fs::read_dir(d.join("keys")).unwrap().count();
    // Writable by everyone (0666): named, with its mode and the chmod.
    set_mode(&d.join("terbit.toml"), 0o666);
    for args in commands {
        refused(d, args, &["terbit.toml", "0666", "chmod go-w"]);
    }
    set_mode(&d.join("terbit.toml"), 0o644);
    // In a folder everyone may write in, sticky or not (as /tmp).
    let shared = d.join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::copy(d.join("terbit.toml"), shared.join("terbit.toml")).unwrap();
    set_mode(&shared, 0o1777);
    for args in commands {
        refused(&shared, args, &["shared", "1777", "chmod go-w"]);
    }
    // A link to a settings file: refused, not followed.
    let linked = d.join("linked");
    std::fs::create_dir(&linked).unwrap();
    std::os::unix::fs::symlink(d.join("terbit.toml"), linked.join("terbit.toml")).unwrap();
    refused(&linked, &["stats"], &["terbit.toml", "symbolic link"]);
    if as_root("hostile: a terbit.toml of another user") {
        give_away(&d.join("terbit.toml"));
        for args in commands {
            refused(d, args, &["terbit.toml", "another user", "uid 54321", "chown"]);
        }
        // Named by --config from elsewhere: the same.
        refused(&linked, &["stats", "--config", "../terbit.toml"], &["another user", "uid 54321"]);
        rustix::fs::chown(d.join("terbit.toml"), Some(rustix::process::geteuid()), None).unwrap();
        // A region file of another user's, named by our own settings.
        std::fs::write(d.join("region.toml"), "code = \"3506\"\n").unwrap();
        give_away(&d.join("region.toml"));
        std::fs::write(d.join("terbit.toml"), "batch = [\"exports/{date}/*.csv\"]\nregion = \"region.toml\"\n").unwrap();
        refused(d, &["check", "--issued-on", NIGHT], &["region.toml", "another user", "uid 54321"]);
    }
    assert_eq!(std::fs::read_dir(d.join("keys")).unwrap().count(), keys_before, "no key was made");
}

#[test]
fn keys_folders_others_control_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    district(d);
    // A keys folder everyone may write in (someone dropped a key there).
    set_mode(&d.join("keys"), 0o777);
    refused(d, &["--quiet", "issue", "--issued-on", NIGHT], &["keys", "keys folder", "0777", "chmod go-w"]);
    assert!(!d.join("runs").exists(), "refused before any run folder or register is made");
    refused(d, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt"], &["keys folder", "0777"]);
    refused(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys"], &["0777"]);
    set_mode(&d.join("keys"), 0o700);
    // A trust list its group may write.
    set_mode(&d.join("keys/trust.json"), 0o664);
    refused(d, &["--quiet", "issue", "--issued-on", NIGHT], &["trust.json", "0664"]);
    set_mode(&d.join("keys/trust.json"), 0o644);
    if as_root("hostile: a keys folder of another user") {
        // keys generate into an existing folder of another user (0755).
        let theirs = d.join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        set_mode(&theirs, 0o755);
        give_away(&theirs);
        refused(d, &["keys", "generate", "--issuer", "3506", "--dir", "theirs"], &["theirs", "another user", "uid 54321"]);
        assert_eq!(std::fs::read_dir(&theirs).unwrap().count(), 0, "no private key written there");
        // A key file of another user in our folder.
        give_away(&key_file(d));
        refused(d, &["--quiet", "issue", "--issued-on", NIGHT], &[".key", "another user"]);
    }
}

#[test]
fn a_revocation_reason_reaches_the_terminal_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    district(d);
    ok(d, &["--quiet", "issue", "--issued-on", NIGHT]);
    let run_dir = std::fs::read_dir(d.join("runs")).unwrap().flatten().map(|e| e.path()).find(|p| p.join("manifest.csv").exists()).unwrap();
    let manifest = std::fs::read_to_string(run_dir.join("manifest.csv")).unwrap();
    let number = manifest.lines().nth(1).unwrap().split(',').next().unwrap().to_string();
    // A keys folder others may write in signs no revocation list.
    set_mode(&d.join("keys"), 0o777);
    refused(d, &["revoke", &number, "--reason", "forged"], &["keys folder", "0777"]);
    refused(d, &["revocations"], &["keys folder", "0777"]);
    set_mode(&d.join("keys"), 0o700);
    let reason = "forged \u{1b}]52;c;ZWNobyBoaQ==\u{7}\u{1b}[2J\u{202E}evil";
    // Dated the night it was issued (the night is after today's date).
    let (code, out, err) = run(d, &["--quiet", "revoke", &number, "--reason", reason, "--on", NIGHT], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202E}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\\u{001B}]52") && out.contains("\\u{202E}"), "{out}");
}
