//! `terbit prove`: the inclusion proof of one document in its run's batch seal.

use std::process::ExitCode;

use anyhow::Result;

use super::args::ProveArgs;

pub(crate) fn run(a: &ProveArgs) -> Result<ExitCode> {
    let proof = terbit::verify::run::prove::prove(&a.run, &a.number)?;
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(ExitCode::SUCCESS)
}
