//! `terbit revocations`: the signed revocation list signed again,
//! unchanged but for a new number and dates (after a key change, or to
//! keep it from going stale).

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::args::RevocationsArgs;
use super::revoke::register_and_keys;

pub(crate) fn run(a: &RevocationsArgs) -> Result<ExitCode> {
    let issuer = a.issuer.as_deref();
    let (_, register, keys, replica) = register_and_keys(&a.common)?;
    let issuer = match issuer {
        Some(i) => i.to_string(),
        None => {
            let list = terbit::dk1::keys::TrustList::load(&keys.join("trust.json"))?;
            let mut codes: Vec<&str> = list.keys.iter().map(|k| k.issuer.as_str()).collect();
            codes.sort();
            codes.dedup();
            match codes.as_slice() {
                [one] => one.to_string(),
                _ => anyhow::bail!("{} lists keys of {} districts: say which with --issuer", keys.join("trust.json").display(), codes.len()),
            }
        }
    };
    let now = Utc::now().timestamp();
    let signer = terbit::dk1::keys::signer_for(&keys, &issuer, now)?;
    let mut reg = terbit::numbering::register::Register::open(&register)?;
    let (list, path, restored) = terbit::issue::revoke::publish(&mut reg, &keys, &signer, now, replica.as_ref())?;
    if let Some(w) = terbit::issue::revoke::restored_warning(&restored, &path) {
        eprintln!("warning: {}", terbit::util::show::shown(&w));
    }
    println!("signed revocation list no. {} of {issuer} ({} entries, key {}, next update {}): {}", list.sequence, list.entries.len(), list.kid, list.next_update, path.display());
    println!("Put it in auditors' bundles: terbit trust bundle");
    Ok(ExitCode::SUCCESS)
}
