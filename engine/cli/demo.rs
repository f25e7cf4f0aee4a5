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

use crate::{generate_key, issue_time, print_summary};

pub(crate) fn demo(out: &Path, count: usize) -> Result<ExitCode> {
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
        let g = generate_key(&keys_dir, &region.code, Some(issue_date.min(Utc::now().date_naive())))?;
        println!("2. new signing key {} → {}", hex::encode(g.kid), g.key_file.display());
    } else {
        println!("2. signing key: reusing the key in {}", keys_dir.display());
    }
    // The district root (a demo root: a real one is made once and kept
    // offline), the signed trust list and the verifiers' bundle.
    let root_dir = out.join("root");
    let root_key = root_dir.join(format!("root-{}.key", region.code));
    let root_cert = root_dir.join(format!("root-{}.crt", region.code));
    if !root_key.exists() {
        let nb = issue::midnight_utc(issue_date.min(Utc::now().date_naive()));
        crate::cli::trust::root_init(&region.code, &root_dir, nb, 20)?;
    }
    crate::cli::trust::trust_sign(&keys_dir, &root_key, &root_cert, 30, None, Utc::now().timestamp())?;
    let pin = terbit::dk1::root::read_cert(&root_cert)?.fingerprint;
    let bundle = out.join("trust-bundle.json");
    crate::cli::trust::trust_bundle(&[keys_dir.join(format!("trust-{}.json", region.code))], &[hex::encode(pin)], &[], &[], &bundle)?;
    let opts = IssueOptions {
        out: out.join("runs"),
        register: out.join("register.sqlite"),
        region,
        issued_at,
        batch,
        ..IssueOptions::defaults(PathBuf::new(), keys_dir.clone(), out.to_path_buf(), issue_date)
    };
    println!("3. issue run (register {}):", opts.register.display());
    let s = issue::issue(&opts)?;
    print_summary(&s);
    let store = verify::TrustStore::load(&verify::TrustSource { path: bundle.clone(), now: Utc::now().timestamp(), ..Default::default() })?;
    let r = verify::verify_run_with(&s.run_dir, &store.trust(), &verify::Layouts::standard()).map_err(anyhow::Error::msg)?;
    println!("4. verify {}: {} documents, {} genuine, {} problem(s), batch seal {}", s.run_dir.display(), r.documents, r.genuine, r.problems.len(),
        if r.seal_ok { "holds".to_string() } else { format!("FAILS: {}", r.seal_problem) });
    for p in &r.problems {
        println!("   {}: {}", p.file, p.problem);
    }
    let page = out.join("verify.html");
    crate::cli::trust::verifier(&bundle, &page, Utc::now().timestamp())?;
    println!("\nTry: terbit verify --trust {} {}", bundle.display(), s.run_dir.display());
    println!("     or open {} in a browser (offline; camera, photo, PDF or pasted QR text)", page.display());
    Ok(if r.is_clean() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
