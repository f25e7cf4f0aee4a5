//! `terbit verifier`: the clerks' offline verifier page (the page itself
//! is written by [`super::trust::verifier`]).

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::args::VerifierArgs;

pub(crate) fn run(a: &VerifierArgs) -> Result<ExitCode> {
    super::trust::verifier(&a.trust, &a.out, Utc::now().timestamp())?;
    Ok(ExitCode::SUCCESS)
}
