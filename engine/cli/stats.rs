//! `terbit stats`: documents issued per day, kind and service point.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::{NaiveDate, Utc};

pub(crate) fn stats(register: &Path, from: Option<NaiveDate>, to: Option<NaiveDate>, json: bool) -> Result<ExitCode> {
    if !register.exists() {
        bail!("register {} not found: give --register (the file `terbit issue` wrote, default out/register.sqlite)", register.display());
    }
    let to = to.unwrap_or_else(|| Utc::now().date_naive());
    let from = from.unwrap_or_else(|| to - chrono::Days::new(29));
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    let rows = terbit::numbering::register::Register::open(register)?.stats(from, to)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
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
    Ok(ExitCode::SUCCESS)
}
