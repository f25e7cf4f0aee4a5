//! What a renewal stamps with and adds, from the keys folder: the
//! district and its signed list's authorities, who stamps (the district's
//! authority, or an external one), and the validation data every renewal
//! carries — the root's certificate, the authority's, the root's current
//! OCSP answer for it and CA-only CRL, and its full CRL (added only where
//! the signer's certificate had not ended: see [`RenewOptions::crl`]).
//! A renewal without current revocation data would be wasted, so stale
//! data stops it before anything is written.

use std::path::Path;

use crate::error::{Error, Result};
use crate::pdf::archive::Added;
use crate::pdf::stamp::Stamping;

use super::RenewOptions;

/// The options for renewing with the keys folder `keys` at `now`, stamped
/// by the external authority `remote` when given (else the district's),
/// its revocation answers fetched from its certification authority's
/// services when `fetch_revocation` (`trust::fetch`), leaving files renewed
/// less than `min_age` seconds before; and what the operator should know
/// (warnings).
pub fn options(keys: &Path, remote: Option<crate::pdf::remote::RemoteConfig>, fetch_revocation: bool, now: i64, min_age: i64) -> Result<(RenewOptions, Vec<String>)> {
    crate::dk1::keys::check_keys_dir(keys)?;
    let list = crate::dk1::keys::TrustList::load(&keys.join("trust.json"))?;
    let Some(district) = list.keys.first().map(|k| k.issuer.clone()) else { return Err(Error::Usage(format!("{} holds no key: not a keys folder", keys.display()))) };
    let list_path = keys.join(format!("trust-{district}.json"));
    let signed = crate::util::fs::read_limited(&list_path, crate::trust::list::MAX_LIST as u64)
        .ok()
        .and_then(|b| crate::trust::list::SignedTrustList::parse(&b).ok())
        .ok_or_else(|| Error::config(&list_path, "the district's signed trust list cannot be read: sign it first (`terbit trust sign`)"))?;
    let root = crate::trust::root::base64_decode(&signed.root_certificate).ok_or_else(|| Error::config(&list_path, "its root certificate is malformed"))?;
    let mut notes = Vec::new();
    let mut added = Added { certs: vec![root.clone()], ..Added::default() };
    let stamping = match remote {
        Some(config) => {
            let remote = crate::pdf::remote::RemoteTsa::connect(&config).map_err(|e| Error::TimeStamp(e.0))?;
            if !crate::trust::tsa::listed(&signed, &remote.spki) {
                return Err(Error::TimeStamp(format!(
                    "the time-stamp service's certificate ({}) is not named in {}: verifiers would find every renewal unproven. List it first (`terbit trust sign ... --tsa-cert`)",
                    remote.subject,
                    list_path.display()
                )));
            }
            added.certs.extend(remote.certs.iter().cloned());
            if fetch_revocation {
                // The authority's status as of this renewal, from its
                // certification authority: what a validator years on needs
                // for the newest stamp.
                let fetched = crate::trust::fetch::fetch(std::slice::from_ref(&remote.cert), &remote.certs, Some(&root), now).map_err(|f| {
                    let then = match f {
                        crate::trust::fetch::Failure::Revoked { .. } => "the certification authority revoked the time-stamp authority's certificate: renew with another authority (the district's own: leave tsa_url out of the settings file)",
                        crate::trust::fetch::Failure::Service(_) => "run it again once the service answers",
                    };
                    Error::Revocation(format!("{f}. Nothing was renewed: {then}"))
                })?;
                added.ocsps.extend(fetched.ocsps);
                added.crls.extend(fetched.crls);
                notes.extend(fetched.said.into_iter().map(|l| format!("revocation data: {l}")));
                notes.extend(fetched.warnings.into_iter().map(|w| format!("WARNING: {w}")));
            } else {
                notes.push(format!("stamped by {}; its revocation answers are not fetched (fetch_revocation in terbit.toml): a validator gets them from the service", remote.url()));
            }
            Stamping::Remote(remote)
        }
        None => {
            if std::fs::symlink_metadata(crate::trust::tsa::key_path(keys)).is_err() {
                return Err(Error::Usage(format!(
                    "{} holds no time-stamp authority key (tsa.key): a renewal is stamped by the district's authority, or by an external one named in terbit.toml (tsa_url; give --config FILE)",
                    keys.display()
                )));
            }
            let tsa = crate::trust::tsa::signer_for(keys)?.ok_or_else(|| Error::Usage(format!("{} has no time-stamp authority", keys.display())))?;
            added.certs.push(tsa.cert.clone());
            // A renewal is made for validators years on, who need the
            // authority's status as of it: without a current answer it
            // would be wasted (and the next run within --min-age-days
            // would leave the files as they are).
            let answer_path = crate::trust::ocsp::path(keys);
            let answer = std::fs::read(&answer_path).map_err(|_| {
                Error::config(&answer_path, "is missing: the root's OCSP answer for the time-stamp authority goes into every renewal. Sign the trust list first (`terbit trust sign`, which writes it), then renew")
            })?;
            match crate::trust::ocsp::check(&answer, &root) {
                Ok((from, until)) if from <= now && now < until => added.ocsps.push(answer),
                Ok((from, _)) if now < from => {
                    return Err(Error::config(
                        &answer_path,
                        format!(
                            "the root's OCSP answer for the time-stamp authority is dated {}, after this renewal's time {}: check the clock (SOURCE_DATE_EPOCH)",
                            crate::dk1::keys::rfc3339(from),
                            crate::dk1::keys::rfc3339(now)
                        ),
                    ))
                }
                Ok((_, until)) => {
                    return Err(Error::config(
                        &answer_path,
                        format!(
                            "the root's OCSP answer for the time-stamp authority ran out {}: sign the trust list first (`terbit trust sign`, which writes a current one and current CRLs), then renew",
                            crate::dk1::keys::rfc3339(until)
                        ),
                    ))
                }
                Err(why) => return Err(Error::config(&answer_path, why)),
            }
            Stamping::District(Box::new(crate::pdf::stamp::Stamper::new(&tsa, now).map_err(|e| Error::NoKey(e.0))?))
        }
    };
    // The root's CRL of certification authorities only: for the root's
    // own status, in every renewal (it says nothing of the signers).
    let ca_crl = crate::trust::crl::ca_path(keys, &district);
    match std::fs::read(&ca_crl) {
        Ok(der) => match crate::trust::crl::check(&der, &root) {
            Ok(info) if info.next_update >= now => added.crls.push(der),
            Ok(_) => return Err(Error::config(&ca_crl, "is past its next update: sign the trust list first (`terbit trust sign`), then renew")),
            Err(why) => return Err(Error::config(&ca_crl, why)),
        },
        Err(_) => notes.push(format!("WARNING: {} is missing: `terbit trust sign` writes it", ca_crl.display())),
    }
    let crl = match crate::trust::crl::read(keys, &district, std::slice::from_ref(&root))? {
        Some(crate::trust::crl::FolderCrl { der: crl, info, .. }) => {
            if info.next_update < now {
                return Err(Error::Usage(format!(
                    "the root's CRL in {} promised its next update by {}: sign the trust list first (`terbit trust sign`), then renew",
                    keys.display(),
                    crate::dk1::keys::rfc3339(info.next_update)
                )));
            }
            Some((crl, info.this_update))
        }
        None => {
            notes.push(format!("WARNING: {} holds no CRL of the district root", keys.display()));
            None
        }
    };
    let authorities = crate::trust::tsa::listed_authorities(&signed, Some(&root));
    Ok((RenewOptions { district, authorities, stamping, added, crl, now, min_age }, notes))
}
