//! `terbit archive renew`: the yearly renewal of issued runs (PAdES
//! B-LTA). The settings and validation data are gathered here; the
//! library's [`terbit::archive::renew`] appends a renewal to every sealed
//! file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use terbit::pdf::archive::Added;
use terbit::pdf::stamp::Stamping;

use super::args::ArchiveCommand;

pub(crate) fn run(c: ArchiveCommand) -> Result<ExitCode> {
    let ArchiveCommand::Renew { runs, keys, config, min_age_days } = c;
    terbit::dk1::keys::check_keys_dir(&keys)?;
    let now = super::region::clock()?;
    let list = terbit::dk1::keys::TrustList::load(&keys.join("trust.json"))?;
    let Some(district) = list.keys.first().map(|k| k.issuer.clone()) else { bail!("{} holds no key: not a keys folder", keys.display()) };
    let list_path = keys.join(format!("trust-{district}.json"));
    let signed = terbit::util::fs::read_limited(&list_path, terbit::trust::list::MAX_LIST as u64)
        .ok()
        .and_then(|b| terbit::trust::list::SignedTrustList::parse(&b).ok())
        .with_context(|| format!("{}: the district's signed trust list cannot be read: sign it first (`terbit trust sign`)", list_path.display()))?;
    let root = terbit::trust::root::base64_decode(&signed.root_certificate).with_context(|| format!("{}: its root certificate is malformed", list_path.display()))?;
    let config = match config {
        Some(p) => Some(terbit::issue::config::Config::load(&p)?),
        None if Path::new(terbit::issue::config::DEFAULT_FILE).exists() => Some(terbit::issue::config::Config::load(Path::new(terbit::issue::config::DEFAULT_FILE))?),
        None => None,
    };
    let mut notes: Vec<String> = Vec::new();
    let mut added = Added { certs: vec![root.clone()], ..Added::default() };
    let stamping = match config.as_ref().and_then(|c| c.tsa_url.clone().map(|u| (u, c.tsa_credentials.clone()))) {
        Some((url, credentials)) => {
            let credentials = super::issue::tsa_credentials(credentials.as_deref(), "tsa_credentials")?;
            let remote = terbit::pdf::remote::RemoteTsa::connect(&terbit::pdf::remote::RemoteConfig { url, credentials }).map_err(|e| anyhow::anyhow!(e.0))?;
            if !terbit::trust::tsa::listed(&signed, &remote.spki) {
                bail!("the time-stamp service's certificate ({}) is not named in {}: verifiers would find every renewal unproven. List it first (`terbit trust sign ... --tsa-cert`)", remote.subject, list_path.display());
            }
            added.certs.extend(remote.certs.iter().cloned());
            notes.push(format!("stamped by {}; its revocation answers are not fetched: a validator gets them from the service", remote.url()));
            Stamping::Remote(remote)
        }
        None => {
            if std::fs::symlink_metadata(terbit::trust::tsa::key_path(&keys)).is_err() {
                bail!(
                    "{} holds no time-stamp authority key (tsa.key): a renewal is stamped by the district's authority, or by an external one named in terbit.toml (tsa_url; give --config FILE)",
                    keys.display()
                );
            }
            let tsa = terbit::trust::tsa::signer_for(&keys)?.with_context(|| format!("{} has no time-stamp authority", keys.display()))?;
            added.certs.push(tsa.cert.clone());
            // A renewal is made for validators years on, who need the
            // authority's status as of it: without a current answer it
            // would be wasted (and the next run within --min-age-days
            // would leave the files as they are).
            let answer_path = terbit::trust::ocsp::path(&keys);
            let answer = std::fs::read(&answer_path).with_context(|| format!("{} is missing: the root's OCSP answer for the time-stamp authority goes into every renewal. Sign the trust list first (`terbit trust sign`, which writes it), then renew", answer_path.display()))?;
            match terbit::trust::ocsp::check(&answer, &root) {
                Ok((from, until)) if from <= now && now < until => added.ocsps.push(answer),
                Ok((from, _)) if now < from => bail!(
                    "the root's OCSP answer for the time-stamp authority ({}) is dated {}, after this renewal's time {}: check the clock (SOURCE_DATE_EPOCH)",
                    answer_path.display(),
                    terbit::dk1::keys::rfc3339(from),
                    terbit::dk1::keys::rfc3339(now)
                ),
                Ok((_, until)) => bail!(
                    "the root's OCSP answer for the time-stamp authority ({}) ran out {}: sign the trust list first (`terbit trust sign`, which writes a current one and current CRLs), then renew",
                    answer_path.display(),
                    terbit::dk1::keys::rfc3339(until)
                ),
                Err(why) => bail!("{}: {why}", answer_path.display()),
            }
            Stamping::District(Box::new(terbit::pdf::stamp::Stamper::new(&tsa, now).map_err(|e| anyhow::anyhow!(e.0))?))
        }
    };
    // The root's CRL of certification authorities only: for the root's
    // own status, in every renewal (it says nothing of the signers).
    let ca_crl = terbit::trust::crl::ca_path(&keys, &district);
    match std::fs::read(&ca_crl) {
        Ok(der) => match terbit::trust::crl::check(&der, &root) {
            Ok(info) if info.next_update >= now => added.crls.push(der),
            Ok(_) => bail!("{} is past its next update: sign the trust list first (`terbit trust sign`), then renew", ca_crl.display()),
            Err(why) => bail!("{}: {why}", ca_crl.display()),
        },
        Err(_) => notes.push(format!("WARNING: {} is missing: `terbit trust sign` writes it", ca_crl.display())),
    }
    let crl = match terbit::trust::crl::read(&keys, &district, std::slice::from_ref(&root))? {
        Some((crl, info)) => {
            if info.next_update < now {
                bail!("the root's CRL in {} promised its next update by {}: sign the trust list first (`terbit trust sign`), then renew", keys.display(), terbit::dk1::keys::rfc3339(info.next_update));
            }
            Some((crl, info.this_update))
        }
        None => {
            notes.push(format!("WARNING: {} holds no CRL of the district root", keys.display()));
            None
        }
    };
    for n in &notes {
        eprintln!("{n}");
    }
    let authorities: Vec<terbit::trust::tsa::TsaCert> = signed.tsa_certificates.iter().filter_map(|c| terbit::trust::root::base64_decode(c)).filter_map(|der| terbit::trust::tsa::TsaCert::of(&district, &der, Some(&root))).collect();
    let opts = terbit::archive::RenewOptions { district, authorities, stamping, added, crl, now, min_age: i64::from(min_age_days) * 86_400 };
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
        let stamped = if r.renewed > 0 { format!(", time-stamped {} (within the hour after)", terbit::dk1::keys::rfc3339(now)) } else { String::new() };
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
