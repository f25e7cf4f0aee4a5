//! `terbit samples`: realistic synthetic applications of one kind, for
//! demos, tests and benchmarks.

use std::process::ExitCode;

use anyhow::{bail, Result};
use terbit::input::samples::{self, SampleOptions};

use super::args::SamplesArgs;
use super::region::{load_region, today};

pub(crate) fn run(a: &SamplesArgs) -> Result<ExitCode> {
    let SamplesArgs { kind, count, seed, defects, as_of, region, out } = a;
    let (count, seed, defects) = (*count, *seed, *defects);
    if !(0.0..=1.0).contains(&defects) {
        bail!("--defects {defects}: a share between 0 and 1");
    }
    let region = load_region(region.as_deref())?;
    let templates = region.templates()?;
    let Some(t) = templates.get(kind) else {
        bail!("--kind {kind:?}: kinds are {}", terbit::kind::Kind::names());
    };
    let as_of = as_of.unwrap_or_else(|| today(&region));
    let n = samples::write(t, &SampleOptions { region: &region, count, seed, defects, as_of }, out)?;
    println!("{count} {kind} applications in {n} rows ({:.0}% with defects) → {}", defects * 100.0, out.display());
    Ok(ExitCode::SUCCESS)
}
