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
    let store = verify::TrustStore::load(&keys_dir.join("trust.json"), &[])?;
    let r = verify::verify_run_with(&s.run_dir, &store.trust(), &verify::Layouts::standard()).map_err(anyhow::Error::msg)?;
    println!("4. verify {}: {} documents, {} genuine, {} problem(s), batch seal {}", s.run_dir.display(), r.documents, r.genuine, r.problems.len(),
        if r.seal_ok { "holds".to_string() } else { format!("FAILS: {}", r.seal_problem) });
    for p in &r.problems {
        println!("   {}: {}", p.file, p.problem);
    }
    println!("\nTry: terbit verify --trust {} {}", keys_dir.join("trust.json").display(), s.run_dir.display());
    Ok(if r.is_clean() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
