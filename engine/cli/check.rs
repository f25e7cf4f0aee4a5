//! `terbit check`: a dry run of a night's batch — counts and reasons,
//! nothing numbered, nothing issued — against the register `issue` would
//! use, read only.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use terbit::issue::settings::{Flags, For};
use terbit::issue::{self, IssueOptions};

use super::args::CheckArgs;
use super::night::{other_regency, prepare};

pub(crate) fn run(a: CheckArgs) -> Result<ExitCode> {
    let rejects = a.rejects;
    let night = prepare(a.input, Flags::default(), For::Check)?;
    // The register issue would use, when it exists: read only.
    let register = night.settings.register.place()?;
    let register = if terbit::numbering::register::Register::exists(&register)? { register } else { terbit::numbering::register::Place::File(PathBuf::new()) };
    if register.file().is_none_or(|f| !f.as_os_str().is_empty()) {
        tracing::info!("checked against the register {register} (read only)");
    }
    let opts = IssueOptions {
        batch: night.batch,
        keys_dir: PathBuf::new(),
        region: night.region,
        templates: night.templates,
        kind: night.kind,
        out: PathBuf::new(),
        register,
        replica: None,
        issue_date: night.issue_date,
        issued_at: night.issued_at,
        max_reject_rate: None,
        signing_seed: None,
        pdf_key: None,
        progress: None,
        ahead_max_rows: issue::AHEAD_MAX_ROWS,
        started_at: None,
        remote_tsa: None,
        seal_tsa: None,
        fetch_revocation: false,
    };
    let (s, list) = issue::check(&opts)?;
    if s.rejects_by_rule.contains_key(terbit::input::rules::Rule::Village.to_string().as_str()) {
        if let Some(m) = other_regency(&opts, &night.region_said) {
            tracing::warn!("{m}: give the region file of that regency (--region FILE, or `region = ...` in terbit.toml)");
        }
    }
    for w in &s.warnings {
        tracing::warn!("{}", terbit::util::show::shown(w));
    }
    println!("{} applications ({} rows): {} would be rejected ({} reasons)", s.applications, s.rows, s.rejected, s.reject_rows);
    for (rule, n) in &s.rejects_by_rule {
        println!("    {rule:<18} {n:>7}");
    }
    // The first reasons where they are, as rejects.csv has them: an
    // operator fixes the export from these without opening a file.
    const SHOWN: usize = 10;
    if !list.is_empty() {
        println!("  first rejected rows (file:line field: reason):");
    }
    for r in list.iter().take(SHOWN) {
        let show = |t: &str| terbit::util::show::clip_shown(t, 300);
        println!("    {} {}: {}", show(&r.source), show(&r.field), show(&r.message));
    }
    if list.len() > SHOWN {
        let all = if rejects.is_some() { "" } else { " (--rejects FILE writes them all)" };
        println!("    … and {} more{all}", list.len() - SHOWN);
    }
    for (stage, t) in &s.seconds_by_stage {
        println!("  {stage:<10} {t:.2} s");
    }
    if let Some(path) = rejects {
        terbit::util::fs::write_atomic(&path, terbit::output::rejects::rejects_csv(&list).as_bytes())?;
        println!("  reasons: {}", path.display());
    }
    Ok(if s.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
