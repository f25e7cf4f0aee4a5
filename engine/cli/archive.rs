//! `terbit archive renew`: the yearly renewal of issued runs (PAdES
//! B-LTA). The settings file and its credentials are read here; the
//! library gathers the keys folder's validation data
//! ([`terbit::archive::options`]) and appends a renewal to every sealed
//! file of each run ([`terbit::archive::renew_run`]).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::args::ArchiveCommand;

pub(crate) fn run(c: ArchiveCommand) -> Result<ExitCode> {
    let ArchiveCommand::Renew { runs, keys, config, min_age_days } = c;
    let now = super::region::clock()?;
    let config = match config {
        Some(p) => Some(terbit::issue::config::Config::load(&p)?),
        None if Path::new(terbit::issue::config::DEFAULT_FILE).exists() => Some(terbit::issue::config::Config::load(Path::new(terbit::issue::config::DEFAULT_FILE))?),
        None => None,
    };
    let fetch_revocation = config.as_ref().is_some_and(|c| c.fetch_revocation);
    let chain = super::issue::tsa_chain(config.as_ref().and_then(|c| c.tsa_chain.as_deref()))?;
    let remote = match config.and_then(|c| c.tsa_url.map(|u| (u, c.tsa_credentials))) {
        Some((url, credentials)) => Some(terbit::pdf::remote::RemoteConfig { url, credentials: super::issue::tsa_credentials(credentials.as_deref(), "tsa_credentials")?, chain }),
        None => None,
    };
    let (opts, notes) = terbit::archive::options(&keys, remote, fetch_revocation, now, i64::from(min_age_days) * 86_400)?;
    for n in &notes {
        eprintln!("{n}");
    }
    let (mut refused, mut unopened) = (0, 0);
    for run in &runs {
        // Each run as it is done: one that cannot be renewed is said, and the next goes on.
        let r = match terbit::archive::renew_run(run, &opts) {
            Ok(r) => r,
            Err(e) => {
                println!("{}: not renewed: {}", shown(run), terbit::util::show::clip_shown(&e.to_string(), 300));
                unopened += 1;
                continue;
            }
        };
        let stamped = match (r.renewed, opts.stamping.remote_url()) {
            (0, _) => String::new(),
            (_, Some(url)) => format!(", time-stamped by the time-stamp authority at {}", terbit::util::show::clip_shown(url, 200)),
            (_, None) => format!(", time-stamped {} (within the hour after) by the district's time-stamp authority", terbit::dk1::keys::rfc3339(now)),
        };
        println!("{}: {} file(s) renewed{stamped}; {} left (renewed within {min_age_days} days); {} not renewed", shown(&r.run), r.renewed, r.recent, r.refused.len());
        for (file, why) in r.refused.iter().take(20) {
            println!("  {file}: {}", terbit::util::show::clip_shown(why, 300));
        }
        if r.refused.len() > 20 {
            println!("  … and {} more", r.refused.len() - 20);
        }
        refused += r.refused.len();
    }
    // 2: a run could not be renewed at all; 1: some of its files were not.
    Ok(match (unopened, refused) {
        (0, 0) => ExitCode::SUCCESS,
        (0, _) => ExitCode::from(1),
        _ => ExitCode::from(2),
    })
}

fn shown(p: &Path) -> String {
    terbit::util::show::clip_shown(&p.display().to_string(), 200)
}
