//! `terbit stats`: documents issued per day, kind and service point.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::NaiveDate;

/// `register` is there (main checked it); `today` is today where the region
/// is, so that the default range holds a night issued before 07:00 WIB.
pub(crate) fn stats(register: &Path, from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate, json: bool) -> Result<ExitCode> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to - chrono::Days::new(29));
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let register = terbit::numbering::register::Register::open(register)?;
    let rows = register.stats(from, to)?;
    let runs = register.runs(from, to)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "issued": rows, "runs": runs }))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<10}  {:<12}  {:<22}  {:>8}  {:>8}", "date", "kind", "service point", "issued", "revoked");
    let mut total = (0, 0);
    let mut by_kind: std::collections::BTreeMap<&str, i64> = Default::default();
    for r in &rows {
        println!("{:<10}  {:<12}  {:<22}  {:>8}  {:>8}", r.issue_date, r.kind, r.service_point, r.issued, r.revoked);
        total.0 += r.issued;
        total.1 += r.revoked;
        *by_kind.entry(&r.kind).or_default() += r.issued;
    }
    println!("{from} to {to}: {} documents issued, {} of them revoked or superseded since", total.0, total.1);
    for (k, n) in by_kind {
        println!("  {k:<12} {n:>8}");
    }
    // When each night really ran, beside the date its documents carry.
    if !runs.is_empty() {
        println!("runs (issue date, started, finished):");
        for r in &runs {
            let finished = r.finished_at.as_deref().unwrap_or("not finished");
            println!("  {}  {}  {}  {finished}", r.run_id, r.issue_date, r.started_at);
        }
    }
    Ok(ExitCode::SUCCESS)
}
