//! Hardening of the command line's edges: output folders and secret files
//! others could touch, keys handed over by descriptor, a closed stdout,
//! damaged and several-document photos, strict dates, rejects.csv values.

#[path = "common/trust_fixture.rs"]
mod fixture;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fixture::{ok, terbit};

/// A keys folder as the README sets one up: a root, a key from 2026-01-01,
/// its PDF key certified by the root.
fn certified_keys(d: &Path) {
    ok(d, &["root", "init", "--district", "3506", "--dir", "root", "--not-before", "2026-01-01"]);
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys", "--not-before", "2026-01-01"]);
    ok(d, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt", "--at", "2026-11-23T00:00:00Z", "--valid-days", "36500"]);
}

fn set_mode(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// terbit in `dir` with `stdin` as standard input and extra environment.
fn terbit_with(dir: &Path, args: &[&str], stdin: Stdio, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_terbit"));
    c.args(args).current_dir(dir).env_remove("SOURCE_DATE_EPOCH").env("XDG_STATE_HOME", dir.join("state")).stdin(stdin);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn out_and_register_folders_others_may_write_in_and_foreign_registers_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["samples", "--kind", "birth", "--count", "4", "--as-of", "2026-11-20", "--out", "b.csv"]);
    certified_keys(d);
    // A sticky world-writable out folder (as /tmp): refused, naming the path and mode and what to do.
    std::fs::create_dir(d.join("sticky")).unwrap();
    set_mode(&d.join("sticky"), 0o1777);
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--out", "sticky"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("sticky") && err.contains("1777") && err.contains("chmod go-w"), "{err}");
    assert_eq!(std::fs::read_dir(d.join("sticky")).unwrap().count(), 0, "nothing written there");
    // An out folder that is a link: refused before any lock file is made in its target.
    std::fs::create_dir(d.join("real")).unwrap();
    std::os::unix::fs::symlink("real", d.join("linked")).unwrap();
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--out", "linked"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("linked") && err.contains("symbolic link (to real)"), "{err}");
    assert_eq!(std::fs::read_dir(d.join("real")).unwrap().count(), 0, "nothing written there");
    // A link further up the path, for the out folder or the register, or through `..`.
    for args in [&["--out", "linked/out"][..], &["--out", "linked/../x"], &["--register", "linked/x/register.sqlite"]] {
        let mut all = vec!["issue", "b.csv", "--issued-on", "2026-11-23"];
        all.extend_from_slice(args);
        let (code, _, err) = terbit(d, &all);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("linked") && err.contains("symbolic link (to real)"), "{args:?}: {err}");
        assert_eq!(std::fs::read_dir(d.join("real")).unwrap().count(), 0, "{args:?}: nothing written there");
    }
    // A register's folder its group may write in.
    std::fs::create_dir(d.join("group")).unwrap();
    set_mode(&d.join("group"), 0o770);
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--register", "group/register.sqlite"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("group") && err.contains("0770") && err.contains("writable by its group"), "{err}");
    // A run that is fine, then its register (and run folder) given to another user.
    ok(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    // A register file anyone may write (0666): anyone could rewrite its numbers.
    set_mode(&d.join("out/register.sqlite"), 0o666);
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("register.sqlite") && err.contains("0666") && err.contains("writable by other users"), "{err}");
    set_mode(&d.join("out/register.sqlite"), 0o644);
    if !rustix::process::geteuid().is_root() {
        return;
    }
    let other = Some(rustix::process::Uid::from_raw(54321));
    rustix::fs::chown(d.join("out/register.sqlite"), other, None).unwrap();
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("register.sqlite") && err.contains("another user") && err.contains("uid 54321"), "{err}");
    let (code, _, err) = terbit(d, &["revoke", "3506-X", "--reason", "x", "--register", "out/register.sqlite"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("another user"), "{err}");
    rustix::fs::chown(d.join("out/register.sqlite"), Some(rustix::process::geteuid()), None).unwrap();
    let run = std::fs::read_dir(d.join("out")).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    std::fs::remove_file(run.join("manifest.csv")).unwrap();
    rustix::fs::chown(&run, other, None).unwrap();
    let (code, _, err) = terbit(d, &["issue", "b.csv", "--issued-on", "2026-11-23"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&run.file_name().unwrap().to_string_lossy().to_string()) && err.contains("another user"), "{err}");
}

#[test]
fn root_init_into_an_open_folder_and_a_readable_password_file_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("open")).unwrap();
    set_mode(&d.join("open"), 0o777);
    let (code, _, err) = terbit(d, &["root", "init", "--district", "3506", "--dir", "open"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("open") && err.contains("0777") && err.contains("every user"), "{err}");
    assert!(!d.join("open/root-3506.key").exists());
    // A new folder is made for its owner alone.
    ok(d, &["root", "init", "--district", "3506", "--dir", "new/root"]);
    assert_eq!(std::fs::metadata(d.join("new/root")).unwrap().permissions().mode() & 0o777, 0o700);
    // keys import --p12 --password-file: a password others can read is refused like a key.
    let out = ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys"]);
    let kid = out.split_whitespace().nth(1).unwrap().to_string();
    std::fs::write(d.join("office.p12"), b"not read").unwrap();
    set_mode(&d.join("office.p12"), 0o600);
    std::fs::write(d.join("office.pass"), b"secret\n").unwrap();
    set_mode(&d.join("office.pass"), 0o644);
    let (code, _, err) = terbit(d, &["keys", "import", &kid, "--dir", "keys", "--p12", "office.p12", "--password-file", "office.pass"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("office.pass") && err.contains("password file is readable by group or others") && err.contains("chmod 600"), "{err}");
}

#[test]
fn a_key_by_descriptor_is_read_only_from_a_pipe_and_only_a_little() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["samples", "--kind", "birth", "--count", "3", "--as-of", "2026-11-20", "--out", "b.csv"]);
    certified_keys(d);
    let key_file = std::fs::read_dir(d.join("keys")).unwrap().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with(".key") && !p.to_string_lossy().ends_with(".pdf.key") && !p.ends_with("tsa.key")).unwrap();
    let seed = std::fs::read_to_string(&key_file).unwrap();
    let issue = ["issue", "b.csv", "--issued-on", "2026-11-23"];
    // /dev/zero as the descriptor: refused at once, not read to 1 GB.
    let t = Instant::now();
    let (code, _, err) = terbit_with(d, &issue, Stdio::from(std::fs::File::open("/dev/zero").unwrap()), &[("TERBIT_SIGNING_KEY_FD", "0")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("TERBIT_SIGNING_KEY_FD=0 is a device or terminal") && err.contains("pipe"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
    // A regular file (the key file itself) is not a pipe either.
    let (code, _, err) = terbit_with(d, &issue, Stdio::from(std::fs::File::open(&key_file).unwrap()), &[("TERBIT_SIGNING_KEY_FD", "0")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a regular file"), "{err}");
    // A path is not a descriptor number.
    let (code, _, err) = terbit_with(d, &issue, Stdio::null(), &[("TERBIT_SIGNING_KEY_FD", "../../../etc/passwd")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a file descriptor number"), "{err}");
    // A pipe with more than 4 KiB: refused.
    // The job with the key's pipe on its standard input (descriptor 0).
    let spawn_with_pipe = || {
        Command::new(env!("CARGO_BIN_EXE_terbit"))
            .args(issue)
            .current_dir(d)
            .env_remove("SOURCE_DATE_EPOCH")
            .env("TERBIT_SIGNING_KEY_FD", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let run_with_pipe = |bytes: Vec<u8>| {
        let mut c = spawn_with_pipe();
        let mut stdin = c.stdin.take().unwrap();
        // The writer may find the pipe closed early (a refusal): that is fine.
        let _ = stdin.write_all(&bytes);
        drop(stdin);
        let out = c.wait_with_output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (code, err) = run_with_pipe(vec![b'a'; 5000]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("more than 4096 bytes"), "{err}");
    // A writer that never closes the pipe does not hold the night: refused
    // after 10 s.
    let mut c = spawn_with_pipe();
    let mut open_writer = c.stdin.take().unwrap();
    let _ = open_writer.write_all(seed.as_bytes());
    let started = std::time::Instant::now();
    let status = c.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(c.stderr.as_mut().unwrap(), &mut err).unwrap();
    drop(open_writer);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("not closed within 10 s") && started.elapsed() < std::time::Duration::from_secs(60), "{err}");
    // The key in a pipe, with no key file in the keys folder: the run signs with it.
    std::fs::remove_file(&key_file).unwrap();
    let (code, err) = run_with_pipe(seed.into_bytes());
    assert_eq!(code, 0, "{err}");
}

/// The handed-over keys are read first thing by every command (before
/// any thread starts or any file is read), but a problem with them is
/// said only by `issue`, which signs, where it always was: after its
/// settings are checked, the DK1 key's before the PDF key's.
#[test]
fn a_handed_over_key_is_read_first_but_troubles_only_the_command_that_signs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let bad = [("TERBIT_SIGNING_KEY_FD", "../x"), ("TERBIT_PDF_SIGNING_KEY_FD", "0")];
    let (code, out, err) = terbit_with(d, &["samples", "--count", "2", "--as-of", "2026-11-20", "--out", "b.csv"], Stdio::null(), &bad);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!err.contains("TERBIT_"), "{err}");
    certified_keys(d);
    // A settings mistake is still said first.
    let (code, _, err) = terbit_with(d, &["issue", "b.csv", "--issued-on", "2026-11-23", "--config", "missing.toml"], Stdio::null(), &bad);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing.toml") && !err.contains("TERBIT_"), "{err}");
    let (code, _, err) = terbit_with(d, &["issue", "b.csv", "--issued-on", "2026-11-23"], Stdio::null(), &bad);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("TERBIT_SIGNING_KEY_FD=\"../x\" is not a file descriptor number") && !err.contains("TERBIT_PDF"), "{err}");
    // Only the PDF key's descriptor wrong (standard input is /dev/null, not a pipe).
    let (code, _, err) = terbit_with(d, &["issue", "b.csv", "--issued-on", "2026-11-23"], Stdio::null(), &bad[1..]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("TERBIT_PDF_SIGNING_KEY_FD=0 is a device or terminal"), "{err}");
    assert!(!d.join("out").exists() || std::fs::read_dir(d.join("out")).unwrap().flatten().all(|e| !e.path().join("manifest.csv").exists()), "nothing issued");
}

#[test]
fn a_closed_stdout_ends_output_quietly_and_the_command_still_does_its_work() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["root", "init", "--district", "3506", "--dir", "root"]);
    ok(d, &["keys", "generate", "--issuer", "3506", "--dir", "keys"]);
    ok(d, &["trust", "sign", "--keys", "keys", "--root-key", "root/root-3506.key", "--root-cert", "root/root-3506.crt"]);
    let pin = hex::encode(terbit::trust::root::read_cert(&d.join("root/root-3506.crt")).unwrap().fingerprint);
    // `| head -0`: the reader is gone before terbit writes its first line.
    let closed = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_terbit")).args(args).current_dir(d).env("XDG_STATE_HOME", d.join("state")).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(c.stdout.take());
        let out = c.wait_with_output().unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (code, err) = closed(&["trust", "bundle", "--list", "keys/trust-3506.json", "--pin", &pin, "--out", "bundle.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("panicked") && !err.contains("internal error") && !err.contains("Broken pipe"), "{err}");
    assert!(d.join("bundle.json").exists(), "the bundle was written all the same");
    let (code, err) = closed(&["trust", "show", "bundle.json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let (code, err) = closed(&["keys", "generate", "--issuer", "3506", "--dir", "keys"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // Help and errors still reach an open stdout whole.
    let (code, out, _) = terbit(d, &["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage") && out.contains("verify"), "{out}");
    let (code, _, err) = terbit(d, &["no-such-command"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-command"), "{err}");
}

#[test]
fn no_rollback_memory_without_home_is_said() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let out = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["verify", "--trust", "missing.json", "DK1:X"])
        .current_dir(d)
        .env_remove("HOME")
        .env_remove("XDG_STATE_HOME")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no memory of trust lists seen") && err.contains("--trust-memory"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_terbit"))
        .args(["verify", "--no-trust-memory", "--trust", "missing.json", "DK1:X"])
        .current_dir(d)
        .env_remove("HOME")
        .env_remove("XDG_STATE_HOME")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no memory of trust lists seen"));
}

/// A picture of QR texts side by side on a light desk, `px` pixels a module.
fn desk_with_codes(codes: &[&str], px: u32) -> image::GrayImage {
    let imgs: Vec<image::GrayImage> = codes
        .iter()
        .map(|t| {
            let m = terbit::dk1::qr::encode(t).unwrap();
            let n = m.size as u32;
            image::GrayImage::from_fn(n * px, n * px, |x, y| image::Luma([if m.dark[((y / px) * n + x / px) as usize] { 20 } else { 240 }]))
        })
        .collect();
    let w: u32 = imgs.iter().map(|i| i.width() + 120).sum::<u32>() + 120;
    let h = imgs.iter().map(|i| i.height()).max().unwrap() + 200;
    let mut desk = image::GrayImage::from_pixel(w, h, image::Luma([225]));
    let mut x = 120;
    for (i, img) in imgs.iter().enumerate() {
        image::imageops::replace(&mut desk, img, i64::from(x), 80 + 20 * i as i64);
        x += img.width() + 120;
    }
    desk
}

#[test]
fn photos_of_several_documents_damaged_pictures_and_files_by_content() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = fixture::make(tmp.path());
    let d = tmp.path();
    let trust = "trust-bundle.json";
    let (first, second) = (&dist.genuine, &dist.docs[4]);
    // One document: GENUINE, as before.
    desk_with_codes(&[&first.qr], 3).save(d.join("one.png")).unwrap();
    let (code, out, err) = terbit(d, &["verify", "--trust", trust, "one.png"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("GENUINE") && out.contains(&first.number), "{out}");
    // A photo of the first with a second document's QR beside it: each is
    // answered, named and placed; never GENUINE overall.
    desk_with_codes(&[&first.qr, &second.qr], 3).save(d.join("two.png")).unwrap();
    let (code, out, err) = terbit(d, &["verify", "--trust", trust, "two.png"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("photograph one document at a time") && out.contains("document 1 of 2") && out.contains("document 2 of 2"), "{out}");
    let at1 = out.find(&first.number).expect("first named");
    let at2 = out.find(&second.number).expect("second named");
    assert!(at1 < at2, "left to right: {out}");
    assert!(out[..at1].contains("left") && out[at1..at2].contains("right"), "{out}");
    let (_, json, _) = terbit(d, &["verify", "--trust", trust, "--json", "two.png"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["type"], "photo", "{json}");
    assert_eq!(v[0]["documents"].as_array().unwrap().len(), 2);
    assert!(v[0]["documents"][1]["place"]["left"].as_u64().unwrap() > v[0]["documents"][0]["place"]["right"].as_u64().unwrap());
    // A revoked document pasted beside a genuine one: the worst counts (exit 1).
    desk_with_codes(&[&first.qr, &dist.revoked.qr], 3).save(d.join("revoked.png")).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", trust, "revoked.png"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REVOKED") && out.contains("GENUINE"), "{out}");

    // A damaged PNG is UNREADABLE (exit 3), like a photo without a code.
    let mut png = std::fs::read(d.join("one.png")).unwrap();
    let n = png.len();
    png[n / 3..].iter_mut().for_each(|b| *b = b.wrapping_add(77));
    std::fs::write(d.join("damaged.png"), &png).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", trust, "damaged.png"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("UNREADABLE") && !out.contains("INVALID"), "{out}");
    // A large JPEG cut to its first 2 KB: UNREADABLE, and fast.
    let big = image::GrayImage::from_fn(4000, 3000, |x, y| image::Luma([((x / 7 + y / 5) % 200) as u8 + 30]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&image::DynamicImage::ImageLuma8(big)).unwrap();
    std::fs::write(d.join("cut.jpg"), &jpeg[..2048]).unwrap();
    let t = Instant::now();
    let (code, out, _) = terbit(d, &["verify", "--trust", trust, "cut.jpg"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("UNREADABLE") && out.contains("cut short"), "{out}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // A file named .png holding text: read as DK1 texts, and said to be text.
    std::fs::write(d.join("list.png"), format!("{}\n", first.qr)).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", trust, "list.png"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("named .png but by its content a text file"), "{out}");
    // One holding a GIF, or binary with NULs: named, not read as lines.
    std::fs::write(d.join("gif.png"), b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", trust, "gif.png"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("a GIF image"), "{out}");
    std::fs::write(d.join("zeros.png"), [0u8; 64]).unwrap();
    let (code, out, _) = terbit(d, &["verify", "--trust", trust, "zeros.png"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("text with control characters") && !out.contains("line 1"), "{out}");
}

#[test]
fn dates_must_be_exactly_yyyy_mm_dd_and_rejects_csv_escapes_control_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["samples", "--kind", "birth", "--count", "5", "--seed", "3", "--as-of", "2026-11-20", "--out", "b.csv"]);
    let csv = std::fs::read_to_string(d.join("b.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let (date, name) = (header.iter().position(|h| *h == "birth_date").unwrap(), header.iter().position(|h| *h == "child_name").unwrap());
    let edit = |line: &str, col: usize, value: &str| {
        let mut f: Vec<String> = line.split(',').map(String::from).collect();
        f[col] = value.to_string();
        f.join(",")
    };
    lines[1] = edit(&lines[1], date, "2026-9-22");
    lines[2] = edit(&lines[2], date, "+2026-11-13");
    lines[3] = edit(&lines[3], name, "\u{1b}[2J\u{1b}[HSITI");
    std::fs::write(d.join("b.csv"), lines.join("\n") + "\n").unwrap();
    let (code, out, err) = terbit(d, &["check", "b.csv", "--rejects", "rejects.csv"]);
    assert_eq!(code, 1, "{out}{err}");
    let rejects = std::fs::read_to_string(d.join("rejects.csv")).unwrap();
    let date_rows: Vec<&str> = rejects.lines().filter(|l| l.contains("DATE_FORMAT")).collect();
    assert!(date_rows.iter().any(|l| l.contains("2026-9-22")) && date_rows.iter().any(|l| l.contains("+2026-11-13")), "{rejects}");
    assert!(!rejects.contains('\u{1b}'), "a raw ESC in rejects.csv");
    assert!(rejects.contains("\\u{001B}[2J\\u{001B}[HSITI"), "{rejects}");
}
