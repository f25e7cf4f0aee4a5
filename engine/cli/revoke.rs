//! `terbit revoke` and `terbit supersede` (a revocation naming the newer
//! document): recorded in the register, then the signed revocation list
//! written again.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use chrono::{NaiveDate, Utc};
use terbit::issue::settings::{Flags, For, Settings};
use terbit::numbering::replica::Replica;

use super::args::{RevokeArgs, RevokeSettings, SupersedeArgs};
use super::region::{load_region, today};

pub(crate) fn run(a: &RevokeArgs) -> Result<ExitCode> {
    revoke(&a.number, None, &a.reason, a.on, &a.common)
}

pub(crate) fn supersede(a: &SupersedeArgs) -> Result<ExitCode> {
    revoke(&a.number, Some(&a.by), &a.reason, a.on, &a.common)
}

/// The settings, register, keys folder and replica of revoke, supersede
/// and revocations: flags over ./terbit.toml (or --config) over the
/// defaults. The register must exist: only `terbit issue` makes one.
pub(crate) fn register_and_keys(a: &RevokeSettings) -> Result<(Settings, terbit::numbering::register::Place, PathBuf, Option<Replica>)> {
    let flags = Flags { register: a.register.clone(), keys: a.keys.clone(), replica: a.replica.clone(), ..Flags::default() };
    let settings = super::settings(a.config.as_deref(), flags, For::Other)?;
    let place = settings.register.existing_register()?;
    // Checked before anything is recorded: a revocation the replica
    // cannot take is not made.
    let replica = Replica::for_register(settings.replica.as_deref(), &place)?;
    if let Some(r) = replica.as_ref().filter(|r| r.same_disk) {
        tracing::warn!("the register's replica {} is on the same file system as the register {place}: it does not outlive that disk", r.path().display());
    }
    let keys = settings.keys.path.clone();
    Ok((settings, place, keys, replica))
}

fn revoke(number: &str, by: Option<&str>, reason: &str, on: Option<NaiveDate>, a: &RevokeSettings) -> Result<ExitCode> {
    let (settings, register, keys, replica) = register_and_keys(a)?;
    // The register is written here too: the same checks as an issue run's.
    if let Some(file) = register.file() {
        let reg_dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        terbit::util::fs::check_output_places(reg_dir, Some(file))?;
    }
    // Today where the region is (as `stats`): 00:00–07:00 WIB is still yesterday in UTC.
    let region = load_region(settings.region_file())?;
    let since = on.unwrap_or_else(|| today(&region));
    let r = terbit::issue::revoke::revoke(&register, &keys, number, by, reason, since, Utc::now().timestamp(), replica.as_ref())?;
    if let Some(e) = &r.earlier {
        let what = match &e.superseded_by {
            Some(newer) => format!("superseded by {newer}"),
            None => "revoked".into(),
        };
        eprintln!(
            "error: {number} was already {what} on {} (reason: {}); nothing was recorded now. The signed revocation list was written again: {}",
            e.since,
            terbit::util::show::clip_shown(&e.reason, 300),
            r.path.display()
        );
        return Ok(ExitCode::from(2));
    }
    match by {
        Some(by) => println!("{} superseded by {}: {}", terbit::util::show::clip_shown(number, 80), terbit::util::show::clip_shown(by, 80), terbit::util::show::clip_shown(reason, 500)),
        None => println!("{} revoked: {}", terbit::util::show::clip_shown(number, 80), terbit::util::show::clip_shown(reason, 500)),
    }
    println!("signed revocation list, {} in all: {} — put it in auditors' bundles: terbit trust bundle (it is read from beside the signed trust list)", match r.list.entries.len() { 1 => "1 entry".to_string(), n => format!("{n} entries") }, r.path.display());
    Ok(ExitCode::SUCCESS)
}
