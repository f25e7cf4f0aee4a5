//! Revoking or superseding an issued document: the register records it,
//! then the issuer's whole revocation list is signed again and written
//! beside the trust list as `revocations-<issuer>.json`, the file
//! auditors carry. The list is rewritten whole (never appended), so a
//! list that verifies is always the register's complete record.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::dk1::keys;
use crate::dk1::revocation::RevocationList;
use crate::error::{Error, Result};
use crate::numbering::register::{Place, Register};
use crate::numbering::replica::Replica;

/// What a revocation left behind.
#[derive(Debug)]
pub struct Revoked {
    /// The issuing regency of the document.
    pub issuer: String,
    /// The signed list, as written.
    pub list: RevocationList,
    /// Where it was written.
    pub path: PathBuf,
    /// The revocation recorded before, when the document already had one:
    /// nothing new was recorded (the list was signed again, so that a
    /// retry after a list that was never written publishes it).
    pub earlier: Option<crate::kind::standing::Entry>,
}

/// Revoke `number` (or, with `by`, mark it superseded by that newer
/// document) for `reason`, recorded as of `since`; sign the issuer's list
/// with its key in `keys_dir` valid at `now` (epoch seconds). Refuses
/// documents the register does not hold as issued, a second revocation,
/// and an empty reason, before anything is written.
#[allow(clippy::too_many_arguments)]
pub fn revoke(register: &Place, keys_dir: &Path, number: &str, by: Option<&str>, reason: &str, since: NaiveDate, now: i64, replica: Option<&Replica>) -> Result<Revoked> {
    if !Register::exists(register)? {
        return Err(Error::Usage(format!("register {register} does not exist (use --register)")));
    }
    // The key first: a revocation the office cannot sign would sit in the
    // register unseen by auditors.
    let mut reg = Register::open(register)?;
    let issuer = reg.regency_of(number)?.ok_or_else(|| Error::Usage(format!("document {number} is not in the register {register}")))?;
    let signer = keys::signer_for(keys_dir, &issuer, now)?;
    // Already revoked or superseded: said, nothing recorded — except a
    // revoked document superseded by its corrected successor.
    let earlier = reg.revocation_of(number)?.filter(|e| !(by.is_some() && e.status == crate::kind::standing::Status::Revoked && e.superseded_by.is_none()));
    if earlier.is_none() {
        reg.revoke(number, by, reason, since)?;
    }
    let (list, path, restored) = publish(&mut reg, keys_dir, &signer, now, replica)?;
    if let Some(w) = restored_warning(&restored, &path) {
        tracing::warn!("{}", crate::util::show::shown(&w));
    }
    Ok(Revoked { issuer, list, path, earlier })
}

/// Sign the issuer's whole revocation list again, numbered past the list
/// already published, and write it beside the trust list.
///
/// A revocation the published list holds and the register does not (a
/// row deleted from a shared database, a register restored from an old
/// copy) is never dropped by signing again: it is recorded in the
/// register as published, and named in the third value, for the caller to
/// say. A document once revoked for auditors stays revoked.
/// With a `replica`, the register (its revocations and the list's
/// sequence) is copied there first: no list is published that the
/// replica could not make again.
pub fn publish(reg: &mut Register, keys_dir: &Path, signer: &keys::Signer, now: i64, replica: Option<&Replica>) -> Result<(RevocationList, PathBuf, Vec<String>)> {
    let path = keys_dir.join(format!("revocations-{}.json", signer.issuer));
    let trust = keys::TrustList::load(&keys_dir.join("trust.json"))?;
    // The newest list published, from this keys folder or (signed with
    // another keys folder, on another host sharing the register) as the
    // register keeps it: each checked against the trust list.
    let here = crate::dk1::revocation::published_at(&path, &trust);
    let kept = reg.published_list(&signer.issuer)?.and_then(|json| serde_json::from_str::<RevocationList>(&json).ok()).filter(|l| l.check(&trust).is_ok());
    let previous = match (here, kept) {
        (Some(a), Some(b)) => Some(if b.sequence > a.sequence { b } else { a }),
        (a, b) => a.or(b),
    };
    let floor = previous.as_ref().map_or(0, |l| l.sequence);
    // What the published list holds and the register does not list is
    // recorded again (where its document's row is still there) and kept
    // in the new list either way.
    let mut entries = reg.revocations(&signer.issuer)?;
    let mut restored = Vec::new();
    if let Some(previous) = &previous {
        let listed: std::collections::HashSet<String> = entries.iter().map(|e| e.document_number.clone()).collect();
        for e in previous.entries.iter().filter(|e| !listed.contains(&e.document_number)) {
            reg.record_revocation(e)?;
            entries.push(e.clone());
            restored.push(e.document_number.clone());
        }
        entries.sort_by(|a, b| a.document_number.cmp(&b.document_number));
    }
    let sequence = reg.next_list_sequence(&signer.issuer, floor)?;
    if let Some(r) = replica {
        r.copy()?;
    }
    let list = RevocationList::make(entries, sequence, now, signer);
    let json = list.to_json();
    crate::util::fs::write_atomic(&path, json.as_bytes())?;
    // Kept in the register too: a host whose keys folder holds an older
    // list signs the next one from this.
    reg.keep_published_list(&signer.issuer, sequence, &json)?;
    Ok((list, path, restored))
}

/// What [`publish`] says of revocations it took back from the published
/// list.
pub fn restored_warning(restored: &[String], list: &Path) -> Option<String> {
    if restored.is_empty() {
        return None;
    }
    let first: Vec<String> = restored.iter().take(5).map(|n| crate::util::show::clip_shown(n, 40)).collect();
    let more = if restored.len() > 5 { format!(" and {} more", restored.len() - 5) } else { String::new() };
    Some(format!(
        "{} revocation(s) in the published list {} were not in the register ({}{more}): recorded again from the signed list and kept in the new one. \
         The register lost them (a row deleted, or a register restored from an old copy): find out how",
        restored.len(),
        list.display(),
        first.join(", ")
    ))
}

/// Whether the nightly run should sign the list again: one is published
/// and less than half its promised time is left, or another key signed it
/// (or it does not read).
pub fn due(keys_dir: &Path, signer: &keys::Signer, now: i64) -> bool {
    let path = keys_dir.join(format!("revocations-{}.json", signer.issuer));
    let Ok(bytes) = crate::util::fs::read_limited(&path, 64 << 20) else { return false };
    match serde_json::from_slice::<RevocationList>(&bytes) {
        // Signed by another key (the keys were rotated, or that key
        // revoked): verifiers accept lists of the current key only.
        Ok(l) if !l.kid.eq_ignore_ascii_case(&hex::encode(signer.kid)) => true,
        // A next update that does not read counts as long past.
        Ok(l) => l.next_update_epoch().saturating_sub(now) < crate::dk1::revocation::VALID_DAYS * 86_400 / 2,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_register_or_document_is_refused_and_nothing_is_written() {
        let d = tempfile::tempdir().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let e = revoke(&Place::File(d.path().join("none.sqlite")), d.path(), "X", None, "why", date, 0, None).unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let reg = Place::File(d.path().join("r.sqlite"));
        drop(Register::open(&reg).unwrap());
        let e = revoke(&reg, d.path(), "3506-LT-23112026-0001", None, "why", date, 0, None).unwrap_err();
        assert!(e.to_string().contains("is not in the register"), "{e}");
        assert!(!d.path().join("revocations-3506.json").exists());
    }
}
