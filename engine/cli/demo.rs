//! `terbit demo`: the whole pipeline on embedded defaults — sample
//! batches of every kind, a fresh key, an issue run, and its audit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::Utc;

use terbit::dk1::keys;
use terbit::input::samples::{self, SampleOptions};
use terbit::issue::{self, IssueOptions};
use terbit::kind::region::Region;
use terbit::verify;

use super::args::DemoArgs;
use super::keys::generate_key;
use super::night::{night_exit, print_summary};
use super::region::issue_time;

pub(crate) fn run(a: &DemoArgs) -> Result<ExitCode> {
    demo(&a.out, a.count)
}

fn demo(out: &Path, count: usize) -> Result<ExitCode> {
    let region = Region::kediri();
    let (issue_date, issued_at) = issue_time(&region, None)?;
    std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
    let templates = region.templates()?;
    let mut batch = Vec::new();
    for kind in terbit::kind::Kind::ALL.map(terbit::kind::Kind::name) {
        let file = out.join(format!("batch-{kind}.csv"));
        let t = templates.get(kind).context("embedded templates")?;
        let n = if kind == "birth" { count } else { count.div_ceil(4) };
        samples::write(t, &SampleOptions { region: &region, count: n, seed: 1, defects: 0.05, as_of: issue_date }, &file)?;
        batch.push(file);
    }
    println!(
        "1. sample batch: {count} birth applications and {} of each other kind (5% defective) → {}",
        count.div_ceil(4),
        out.join("batch-*.csv").display()
    );
    let keys_dir = out.join("keys");
    let have_key = keys::signer_for(&keys_dir, &region.code, issued_at).is_ok();
    if !have_key {
        let g = generate_key(&keys_dir, &region.code, Some(issue_date.min(Utc::now().date_naive())), None)?;
        println!("2. new signing key {} → {}", hex::encode(g.kid), g.key_file.display());
    } else {
        println!("2. signing key: reusing the key in {}", keys_dir.display());
    }
    // The district root (a demo root: a real one is made once and kept
    // offline), the signed trust list and the verifiers' bundle.
    println!("3. district root (a demo root: a real one is made once and kept offline), signed trust list and verifiers' bundle:");
    let root_dir = out.join("root");
    let root_key = root_dir.join(format!("root-{}.key", region.code));
    let root_cert = root_dir.join(format!("root-{}.crt", region.code));
    if !root_key.exists() {
        let nb = terbit::model::midnight_utc(issue_date.min(Utc::now().date_naive()));
        super::trust::root_init(&region.code, &root_dir, nb, 20)?;
    }
    super::trust::trust_sign(&keys_dir, &root_key, &root_cert, 30, None, Utc::now().timestamp(), &[])?;
    let pin = terbit::trust::root::read_cert(&root_cert)?.fingerprint;
    let bundle = out.join("trust-bundle.json");
    super::trust::trust_bundle(&[keys_dir.join(format!("trust-{}.json", region.code))], &[hex::encode(pin)], &[], &[], &bundle)?;
    let opts = IssueOptions {
        out: out.join("runs"),
        register: terbit::numbering::register::Place::File(out.join("register.sqlite")),
        region,
        issued_at,
        batch,
        // The run's clock: its time-stamps state when it started.
        started_at: Some(super::region::clock()?),
        ..IssueOptions::defaults(PathBuf::new(), keys_dir.clone(), out.to_path_buf(), issue_date)
    };
    println!("4. issue run (register {}):", opts.register);
    let s = issue::issue(&opts)?;
    print_summary(&s);
    let done = s.not_done.is_empty();
    night_exit(&s);
    let store = terbit::trust::store::TrustStore::load(&terbit::trust::store::TrustSource { path: bundle.clone(), now: Utc::now().timestamp(), ..Default::default() })?;
    let r = verify::verify_run(&s.run_dir, &store.trust(), &verify::Layouts::standard()).map_err(anyhow::Error::msg)?;
    println!("5. verify {}: {} documents, {} genuine, {} problem(s), batch seal {}", s.run_dir.display(), r.documents, r.genuine, r.problems.len(),
        if r.seal_ok { "holds".to_string() } else { format!("FAILS: {}", r.seal_problem) });
    for p in &r.problems {
        println!("   {}: {}", p.file, p.problem);
    }
    let page = out.join("verify.html");
    println!("6. the clerks' offline verifier page:");
    super::trust::verifier(&bundle, &page, Utc::now().timestamp())?;
    // Printed to be run as it stands, from this folder: the binary by its
    // full path unless `terbit` on PATH is this very binary (after
    // `cargo run -- demo` it is in target/, on no PATH).
    // The demo's root is a throwaway: its line keeps its own trust memory
    // beside the demo, so that running it never pins that root in the
    // machine's memory, where the district's real root (or the next demo's)
    // would then be refused as a changed root.
    let memory = out.join("trust-memory.json");
    println!(
        "\nTry: {} verify --trust {} --trust-memory {} {}",
        this_binary(),
        sh_word(&bundle.display().to_string()),
        sh_word(&memory.display().to_string()),
        sh_word(&s.run_dir.display().to_string())
    );
    println!("     or open {} in a browser (offline; camera, photo, PDF or pasted QR text)", page.display());
    Ok(if r.is_clean() && done { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// How to run this binary from a shell: `terbit` if that is what PATH
/// finds, else its full path.
fn this_binary() -> String {
    let Ok(me) = std::env::current_exe().and_then(std::fs::canonicalize) else { return "terbit".into() };
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| std::fs::canonicalize(d.join("terbit")).is_ok_and(|t| t == me)));
    if on_path { "terbit".into() } else { sh_word(&me.display().to_string()) }
}

/// A word a POSIX shell reads back as it is: quoted unless plainly safe.
fn sh_word(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn words_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(super::sh_word("terbit-demo/trust-bundle.json"), "terbit-demo/trust-bundle.json");
        assert_eq!(super::sh_word("/home/x y/terbit"), "'/home/x y/terbit'");
        assert_eq!(super::sh_word("it's"), "'it'\\''s'");
    }
}
