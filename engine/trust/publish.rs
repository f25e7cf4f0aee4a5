//! What a district publishes for its verifiers, and the rules that keep it
//! safe to rely on (`engine/dk1/README.md`, §8–§10):
//!
//! - **a signed list's number only grows** ([`sign_list`]): one past the
//!   last this root signed (kept beside its key, `<root key>.sequence`) and
//!   past the list being replaced. A lost count is never "start again at
//!   no. 1": a verifier that remembers no. 7 would refuse every list after
//!   a reset, and a reset could repeat a number verifiers have seen;
//! - **every PDF-signing key is certified by the district root**
//!   ([`certify_pdf_keys`], part of signing the list): a key without a
//!   certificate gets one for its DK1 key's signing window; a certificate an
//!   earlier root issued (before a rotation) is kept and stays listed, so
//!   what was signed under it still verifies;
//! - **a bundle is assembled whole or not at all** ([`assemble_bundle`]):
//!   each list against its pin, its revocation lists beside it, no district
//!   rolled back, every revocation list named used.
//!
//! The command line picks file names, reads the clock and prints the
//! [`Note`]s; every rule is here, where unit tests reach it.

use std::path::{Path, PathBuf};

use super::bundle::{Bundle, MAX_BUNDLE};
use super::list::{SignedTrustList, MAX_LIST};
use crate::dk1::signed::MAX_SEQUENCE;
use super::pdfkey;
use super::root::{self, Fingerprint, Pin, RootCert, RootKey};
use crate::dk1::keys::{Kid, TrustList};
use crate::dk1::revocation::RevocationList;
use crate::error::{Error, Result};
use crate::util::show::shown;

/// Something done on the way that the operator should read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A PDF key's certificate from an earlier root, kept under a new name.
    EarlierCertificateKept {
        /// The key.
        kid: Kid,
        /// The earlier root.
        root: Fingerprint,
        /// Where it is now.
        kept: PathBuf,
    },
    /// A PDF key the root certified now.
    Certified {
        /// The key.
        kid: Kid,
        /// Its new certificate.
        cert: PathBuf,
    },
    /// A time-stamp certificate in the keys folder this root did not issue
    /// for the folder's key: set aside, not listed.
    TsaCertificateRefused {
        /// Where it is now.
        kept: PathBuf,
        /// Why.
        why: super::tsa::SetAside,
    },
    /// The time-stamp key the root certified now is not the one the last
    /// list named.
    TsaKeyChanged,
    /// An external time-stamp authority's certificate the list names.
    ExternalTsaListed {
        /// Its subject, shown.
        subject: String,
        /// Its SHA-256, hex.
        sha256: String,
        /// Where it is kept (beside the root key).
        kept: PathBuf,
    },
    /// The root's OCSP answer for the time-stamp authority's certificate was written there.
    OcspWritten {
        /// `tsa.ocsp`.
        path: PathBuf,
    },
    /// The root's CRL, written beside the list.
    CrlWritten {
        /// Where.
        path: PathBuf,
        /// Certificates it lists as revoked.
        revoked: usize,
    },
    /// The district time-stamp authority's key the root certified now.
    TsaCertified {
        /// Its new certificate.
        cert: PathBuf,
    },
    /// A district of the bundle whose pinned root was replaced.
    RootReplaced {
        /// The district.
        district: String,
        /// Its new root.
        root: Fingerprint,
    },
    /// A district's list put in the bundle.
    DistrictPut {
        /// The district.
        district: String,
        /// Its list's number.
        sequence: u64,
        /// Keys the list holds.
        keys: usize,
        /// Revocation lists put beside it.
        revocation_lists: usize,
        /// The root it is pinned to.
        root: Fingerprint,
    },
}

/// Where a root keeps the number of the last list it signed.
pub fn sequence_file(root_key: &Path) -> PathBuf {
    let mut s = root_key.as_os_str().to_owned();
    s.push(".sequence");
    PathBuf::from(s)
}

/// The next list's number: one past the last this root signed and past the
/// list it replaces.
pub fn next_sequence(last_signed: u64, replaced: u64, count_file: &Path) -> Result<u64> {
    let next = last_signed.max(replaced).saturating_add(1);
    if next > MAX_SEQUENCE {
        return Err(Error::config(count_file, "list numbers are exhausted (the largest is 2^53 − 1); make a new root and announce it"));
    }
    Ok(next)
}

/// A list [`sign_list`] made.
#[derive(Debug)]
pub struct Signed {
    /// The district.
    pub district: String,
    /// The list, signed.
    pub list: SignedTrustList,
    /// Where it was written.
    pub path: PathBuf,
    /// Its promised next update (epoch seconds).
    pub next_update: i64,
    /// What was done on the way.
    pub notes: Vec<Note>,
}

/// Sign the keys folder's trust list with the district root: the next
/// number, every PDF key certified, written to `out` (default
/// `<keys>/trust-<district>.json`); the root's count is written before the
/// list, so a list on disk never carries a number the count has not seen.
#[allow(clippy::too_many_arguments)]
pub fn sign_list(keys: &Path, root: &RootKey, root_key: &Path, root_cert: &Path, valid_days: u32, out: Option<PathBuf>, now: i64, external_tsa: &[PathBuf]) -> Result<Signed> {
    // The root certifies what this folder holds: never one another user controls.
    crate::dk1::keys::check_keys_dir(keys)?;
    let list_path = keys.join("trust.json");
    let list = TrustList::load(&list_path)?;
    let mut districts: Vec<&str> = list.keys.iter().map(|k| k.issuer.as_str()).collect();
    districts.sort();
    districts.dedup();
    let district = match districts.as_slice() {
        [d] => d.to_string(),
        [] => return Err(Error::config(&list_path, "lists no key: run `terbit keys generate` first")),
        many => return Err(Error::config(&list_path, format!("lists keys of several districts ({}): each district's root signs its own", many.join(", ")))),
    };
    if root.cert.district.as_deref() != Some(district.as_str()) {
        return Err(Error::config(root_cert, format!("is not district {district}'s root ({}): a root vouches only for its own district", shown(&root.cert.subject))));
    }
    let out = out.unwrap_or_else(|| keys.join(format!("trust-{district}.json")));
    let seq_path = sequence_file(root_key);
    let last_signed: u64 = match crate::util::fs::read_limited(&seq_path, 64) {
        Ok(s) => String::from_utf8_lossy(&s).trim().parse().map_err(|_| Error::config(&seq_path, "is not a number"))?,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::config(
                &seq_path,
                "is missing: it counts the lists this root has signed (root init starts it at 0), and without it the next list could repeat a number verifiers have seen. \
                 Restore it from the root's backup, or write into it the highest list number the district has published (`terbit trust show` on the published list)",
            ))
        }
        Err(e) => return Err(e),
    };
    // The lists this root already signed that are at hand: the one being
    // replaced and the keys folder's own (a list written elsewhere with
    // --out must still be numbered past it). Only a number this root's
    // signature vouches for counts: the readable `sequence` of a file
    // anyone with write access to the folder can edit would otherwise let
    // them push the root's count to its end, or under a number it used.
    let default_out = keys.join(format!("trust-{district}.json"));
    let mut at_hand = vec![&out];
    if default_out != out {
        at_hand.push(&default_out);
    }
    let at_hand: Vec<super::list::VerifiedTrust> = at_hand.into_iter().filter_map(|p| signed_by(p, &root.cert.fingerprint)).collect();
    let replaced = at_hand.iter().map(|v| v.sequence).max().unwrap_or(0);
    let sequence = next_sequence(last_signed, replaced, &seq_path)?;
    let next_update = now + i64::from(valid_days) * 86_400;
    let mut notes = Vec::new();
    let certs = certify_pdf_keys(keys, root, &district, &list, &mut notes)?;
    // The district time-stamp authority, if the folder has one: certified
    // when it has no certificate of this root or its own ends within a year.
    let office = crate::kind::refdata::reference().regency_name(&district).unwrap_or(&district).to_string();
    let earliest = list.keys.iter().filter_map(|k| chrono::DateTime::parse_from_rfc3339(&k.not_before).ok()).map(|t| t.timestamp()).min().unwrap_or(now);
    // The authority keys the last list this root signed named (the one
    // being replaced): a certified key that is not among them is said.
    let previous: Vec<Vec<u8>> = at_hand
        .iter()
        .flat_map(|v| v.tsa_certificates.iter().filter_map(|c| super::tsa::TsaCert::of(&district, c, Some(&root.cert.der))))
        .filter(|t| t.by_district_root && t.for_time_stamping)
        .map(|t| t.spki)
        .collect();
    let tsa = super::tsa::certify_folder(keys, root, &district, &office, earliest, now)?;
    if let Some(new) = &tsa.new {
        let spki = pdfkey::read_cert_der(new).ok().and_then(|c| super::tsa::TsaCert::of(&district, &c, None)).map(|t| t.spki);
        if !previous.is_empty() && spki.is_some_and(|s| !previous.contains(&s)) {
            notes.push(Note::TsaKeyChanged);
        }
    }
    if let Some(cert) = tsa.new {
        notes.push(Note::TsaCertified { cert });
    }
    for (kept, why) in tsa.set_aside {
        notes.push(Note::TsaCertificateRefused { kept, why });
    }
    let mut tsa = tsa.certs;
    // External authorities (a PSrE's): named at the ceremony with
    // --tsa-cert, kept beside the root key (where the keys folder's
    // writers cannot add one), and listed at every signing after.
    let kept_dir = root_key.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("external-tsa");
    for p in external_tsa {
        let der = pdfkey::read_cert_der(p)?;
        let cert = <x509_cert::Certificate as x509_cert::der::Decode>::from_der(&der).map_err(|e| Error::config(p, format!("not a certificate: {e}")))?;
        if !super::tsa::is_tsa_certificate(&cert) {
            return Err(Error::config(p, "is not a time-stamp authority's certificate (extended key usage timeStamping alone, critical: RFC 3161 §2.3)"));
        }
        std::fs::create_dir_all(&kept_dir).map_err(|e| Error::io(&kept_dir, e))?;
        let name = kept_dir.join(format!("{}.crt", &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&der))[..16]));
        pdfkey::write_cert(&name, &der)?;
    }
    if let Ok(entries) = std::fs::read_dir(&kept_dir) {
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "crt")).collect();
        paths.sort();
        for p in paths {
            let der = pdfkey::read_cert_der(&p)?;
            // What --tsa-cert checks, again: a file put there by hand too.
            let cert = <x509_cert::Certificate as x509_cert::der::Decode>::from_der(&der).map_err(|e| Error::config(&p, format!("not a certificate: {e}")))?;
            if !super::tsa::is_tsa_certificate(&cert) {
                return Err(Error::config(&p, "is not a time-stamp authority's certificate (extended key usage timeStamping alone, critical): take it out of the folder"));
            }
            let subject = cert.tbs_certificate().subject().to_string();
            notes.push(Note::ExternalTsaListed { subject: crate::util::show::clip_shown(&subject, 160), sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&der)), kept: p });
            tsa.push(der);
        }
    }
    // The root's CRLs, numbered and dated as the list.
    let crls = revocation_lists(keys, root, &list, sequence, now, next_update)?;
    // The authority certificates the root's OCSP answer covers (below).
    let valid: Vec<Vec<u8>> = tsa.iter().filter(|c| super::tsa::TsaCert::of(&district, c, Some(&root.cert.der)).is_some_and(|t| t.by_district_root && t.not_before <= now && now < t.not_after)).cloned().collect();
    let signed = SignedTrustList::make_with_tsa(root, &district, sequence, now, next_update, list.keys, certs, tsa).map_err(|e| Error::config(&list_path, e.to_string()))?;
    crate::util::fs::write_atomic(&seq_path, format!("{sequence}\n").as_bytes())?;
    notes.push(Note::CrlWritten { path: crls.write(keys, &district)?, revoked: crls.revoked });
    // The root's answer for its time-stamp authority's certificates still
    // valid, dated as the list: what a validator needs, years on, of the
    // last stamp's authority, and a renewal of the ones it covers (trust/ocsp.rs).
    if std::fs::symlink_metadata(super::tsa::key_path(keys)).is_ok() && !valid.is_empty() {
        let answer = super::ocsp::make(root, &valid, now, next_update)?;
        let path = super::ocsp::path(keys);
        crate::util::fs::write_atomic(&path, &answer)?;
        notes.push(Note::OcspWritten { path });
    }
    crate::util::fs::write_atomic(&out, signed.to_json().as_bytes())?;
    Ok(Signed { district, list: signed, path: out, next_update, notes })
}

/// The root's CRLs for a keys folder, signed, not yet written.
struct Crls {
    /// The full CRL (`crl-<district>.crl`).
    full: Vec<u8>,
    /// The CRL of certification authorities only (`crl-<district>-ca.crl`).
    ca: Vec<u8>,
    /// How many certificates the full one revokes.
    revoked: usize,
}

impl Crls {
    /// Write both into `keys`; the full one's path.
    fn write(&self, keys: &Path, district: &str) -> Result<PathBuf> {
        let path = super::crl::path(keys, district);
        crate::util::fs::write_atomic(&path, &self.full)?;
        crate::util::fs::write_atomic(&super::crl::ca_path(keys, district), &self.ca)?;
        Ok(path)
    }
}

/// The root's CRLs for the keys folder, numbered `number`: the full one,
/// the certificates of its revoked PDF keys (this root's and earlier
/// roots'), each from its key's revocation time; and the CA-only one.
fn revocation_lists(keys: &Path, root: &RootKey, list: &TrustList, number: u64, now: i64, next_update: i64) -> Result<Crls> {
    let mut revoked = Vec::new();
    for k in list.trusted().iter().filter(|k| k.status == crate::dk1::keys::KeyStatus::Revoked) {
        let Some(from) = k.revoked_from else { continue };
        let cp = pdfkey::cert_path(keys, &k.kid);
        let mut of_key = earlier_certs(keys, &k.kid)?;
        if std::fs::symlink_metadata(&cp).is_ok() {
            of_key.push(pdfkey::read_cert_der(&cp)?);
        }
        revoked.extend(of_key.into_iter().map(|c| (c, from)));
    }
    let entries: Vec<super::crl::Revoked<'_>> = revoked.iter().map(|(cert, from)| super::crl::Revoked { cert, from: *from }).collect();
    Ok(Crls { full: super::crl::make(root, number, now, next_update, &entries)?, ca: super::crl::make_ca_only(root, number, now, next_update)?, revoked: entries.len() })
}

/// The root signs new CRLs (the full one and the CA-only one) for the keys folder alone (`terbit root crl`:
/// between trust lists, when a key was revoked or the CRL nears its next
/// update), numbered past everything the root signed. Gives where it was
/// written and how many certificates it lists.
pub fn sign_crl(keys: &Path, root: &RootKey, root_key: &Path, valid_days: u32, now: i64) -> Result<(PathBuf, usize)> {
    crate::dk1::keys::check_keys_dir(keys)?;
    let list_path = keys.join("trust.json");
    let list = TrustList::load(&list_path)?;
    let district = root.cert.district.clone().ok_or_else(|| Error::Usage("the root certificate names no district".into()))?;
    let seq_path = sequence_file(root_key);
    let last: u64 = crate::util::fs::read_limited(&seq_path, 64)
        .map_err(|_| Error::config(&seq_path, "is missing or unreadable: it counts what this root has signed (root init starts it at 0)"))
        .and_then(|s| String::from_utf8_lossy(&s).trim().parse().map_err(|_| Error::config(&seq_path, "is not a number")))?;
    let number = next_sequence(last, 0, &seq_path)?;
    let crls = revocation_lists(keys, root, &list, number, now, now + i64::from(valid_days) * 86_400)?;
    crate::util::fs::write_atomic(&seq_path, format!("{number}\n").as_bytes())?;
    Ok((crls.write(keys, &district)?, crls.revoked))
}

/// The list at `path` if it is one the root with `fingerprint` signed,
/// checked; `None` for no file, not a list, not this root's, or readable
/// fields that differ from the signed ones.
fn signed_by(path: &Path, fingerprint: &Fingerprint) -> Option<super::list::VerifiedTrust> {
    crate::util::fs::read_limited(path, MAX_LIST as u64)
        .ok()
        .and_then(|bytes| SignedTrustList::parse(&bytes).ok())
        .and_then(|l| l.verify(std::slice::from_ref(fingerprint)).ok())
}

/// The root certifies every PDF-signing key of the keys folder that has no
/// certificate yet (validity: its DK1 key's signing window, 20 years when
/// open) and writes its chain (the root); returns every PDF certificate of
/// the listed keys, for the trust list.
pub fn certify_pdf_keys(keys: &Path, root: &RootKey, district: &str, list: &TrustList, notes: &mut Vec<Note>) -> Result<Vec<Vec<u8>>> {
    let office = crate::kind::refdata::reference().regency_name(district).unwrap_or(district);
    let mut certs = Vec::new();
    for k in list.trusted() {
        let (kp, cp) = (pdfkey::key_path(keys, &k.kid), pdfkey::cert_path(keys, &k.kid));
        if std::fs::symlink_metadata(&kp).is_err() {
            continue;
        }
        // A certificate an earlier root of this district issued (the root
        // was rotated, perhaps after a compromise): the new root certifies
        // the key afresh, and the old certificate stays listed beside it,
        // so that what was signed under it still verifies.
        let chain = pdfkey::chain_path(keys, &k.kid);
        if std::fs::symlink_metadata(&cp).is_ok() && std::fs::symlink_metadata(&chain).is_ok() {
            if let [old_root] = pdfkey::pem_chain(&chain)?.as_slice() {
                let earlier = RootCert::parse(old_root).ok().filter(|r| r.district.as_deref() == Some(district) && r.fingerprint != root.cert.fingerprint);
                if let Some(old) = earlier {
                    let kept = keys.join(format!("{}.pdf.crt.root-{}", hex::encode(k.kid), &hex::encode(old.fingerprint)[..16]));
                    std::fs::rename(&cp, &kept).map_err(|e| Error::io(&kept, e))?;
                    notes.push(Note::EarlierCertificateKept { kid: k.kid, root: old.fingerprint, kept });
                }
            }
        }
        certs.extend(earlier_certs(keys, &k.kid)?);
        if std::fs::symlink_metadata(&cp).is_err() {
            let public = pdfkey::public_key(&kp)?;
            let not_after = k.not_after.unwrap_or(k.not_before + 20 * 31_557_600);
            let der = pdfkey::certify(root, &public, district, office, k.not_before, not_after)?;
            pdfkey::write_cert(&cp, &der)?;
            crate::util::fs::write_atomic(&chain, root::pem_encode("CERTIFICATE", &root.cert.der).as_bytes())?;
            notes.push(Note::Certified { kid: k.kid, cert: cp.clone() });
        }
        // Verifiers take ECDSA P-256 only: another key (a P-384 one a
        // certification authority issued) is refused here, not by every
        // clerk's verify after it was published.
        let der = pdfkey::read_cert_der(&cp)?;
        pdfkey::cert_key(&der, &cp)?;
        certs.push(der);
    }
    Ok(certs)
}

/// The certificates earlier roots gave key `kid` (`<kid>.pdf.crt.root-*`),
/// DER, in name order.
fn earlier_certs(keys: &Path, kid: &Kid) -> Result<Vec<Vec<u8>>> {
    let prefix = format!("{}.pdf.crt.root-", hex::encode(kid));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(keys)
        .map_err(|e| Error::io(keys, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix)))
        .collect();
    paths.sort();
    paths.iter().map(|p| pdfkey::read_cert_der(p)).collect()
}

/// A pin as given on the command line: a fingerprint alone, or
/// `DISTRICT=fingerprint`.
pub fn parse_pins(pins: &[String]) -> Result<Vec<Pin>> {
    pins.iter()
        .map(|p| {
            root::parse_pin(p).ok_or_else(|| Error::Usage(format!("--pin {:?} is not a SHA-256 fingerprint (64 hex digits), alone or as DISTRICT=fingerprint", shown(p))))
        })
        .collect()
}

/// Join signed lists (each against its pin) and their revocation lists into
/// the bundle at `out` (or a new one), refusing rollback; nothing is
/// written unless every list and revocation list is placed. Revocation
/// lists: those named, or else `revocations-<district>.json` beside each
/// list.
pub fn assemble_bundle(lists: &[PathBuf], pins: &[Pin], revocations: &[PathBuf], new_roots: &[String], out: &Path) -> Result<(Bundle, Vec<Note>)> {
    if lists.is_empty() {
        return Err(Error::Usage("give at least one signed list: --list trust-3506.json --pin <its root's fingerprint>".into()));
    }
    let mut bundle = match crate::util::fs::read_limited(out, MAX_BUNDLE as u64) {
        Ok(bytes) => {
            let b = Bundle::parse(&bytes).map_err(|e| Error::config(out, format!("exists and is not a bundle: {e}")))?;
            b.verify().map_err(|e| Error::config(out, format!("exists and does not verify: {e}")))?;
            b
        }
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Bundle::new(),
        Err(e) => return Err(e),
    };
    let mut notes = Vec::new();
    // Every revocation list named must go to some district's entry.
    let mut used: Vec<PathBuf> = Vec::new();
    for path in lists {
        let bytes = crate::util::fs::read_limited(path, MAX_LIST as u64)?;
        let list = SignedTrustList::parse(&bytes).map_err(|e| Error::config(path, e.to_string()))?;
        // The first pin (for this district, or for any) the list verifies
        // against, with what it verified to: checked once, not again below.
        let found = pins
            .iter()
            .filter(|p| p.district.as_deref().is_none_or(|d| d == list.district))
            .find_map(|p| list.verify(std::slice::from_ref(&p.fingerprint)).ok().map(|v| (p.fingerprint, v)));
        let Some((pin, verified)) = found else {
            let fps: Vec<Fingerprint> = pins.iter().map(|p| p.fingerprint).collect();
            let why = match list.verify(&fps) {
                Err(e) => e.to_string(),
                Ok(_) => format!("its root is pinned for another district than {}", shown(&list.district)),
            };
            return Err(Error::config(path, why));
        };
        let district = list.district.clone();
        let beside = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(format!("revocations-{district}.json"));
        let candidates: Vec<PathBuf> = if revocations.is_empty() { [beside].into_iter().filter(|p| p.exists()).collect() } else { revocations.to_vec() };
        let mut revs = Vec::new();
        for r in candidates {
            let bytes = crate::util::fs::read_limited(&r, 64 << 20)?;
            let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| Error::config(&r, "is not JSON"))?;
            if value.get("issuer").and_then(|i| i.as_str()) != Some(district.as_str()) {
                continue;
            }
            used.push(r.clone());
            revs.push(RevocationList::parse(&bytes, &r, &verified.list)?);
        }
        let n = revs.len();
        let held_root = bundle.districts.iter().find(|d| d.district == district).map(|d| d.root_fingerprint.clone());
        bundle.put(&pin, list, revs, new_roots.contains(&district)).map_err(|e| Error::config(path, format!("{e}: nothing was written")))?;
        if held_root.is_some_and(|h| h != hex::encode(pin)) {
            notes.push(Note::RootReplaced { district: district.clone(), root: pin });
        }
        notes.push(Note::DistrictPut { district, sequence: verified.sequence, keys: verified.list.keys.len(), revocation_lists: n, root: pin });
    }
    if let Some(d) = new_roots.iter().find(|d| !bundle.districts.iter().any(|b| &b.district == *d)) {
        return Err(Error::Usage(format!("--new-root {}: no district of that code is in the bundle; nothing was written", shown(d))));
    }
    if let Some(r) = revocations.iter().find(|r| !used.contains(r)) {
        return Err(Error::config(r, "its issuer is none of the districts given with --list; nothing was written"));
    }
    crate::util::fs::write_atomic(out, bundle.to_json().as_bytes())?;
    Ok((bundle, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_numbers_only_grow_past_the_count_and_the_replaced_list() {
        let f = Path::new("root-3506.key.sequence");
        assert_eq!(next_sequence(0, 0, f).unwrap(), 1);
        assert_eq!(next_sequence(7, 3, f).unwrap(), 8);
        // A list on disk newer than the count (the count restored from an
        // older backup): never a number verifiers have seen.
        assert_eq!(next_sequence(3, 7, f).unwrap(), 8);
        assert!(next_sequence(MAX_SEQUENCE, 0, f).unwrap_err().to_string().contains("exhausted"));
        assert!(next_sequence(u64::MAX, 0, f).is_err());
    }

    #[test]
    fn the_count_sits_beside_the_root_key() {
        assert_eq!(sequence_file(Path::new("/r/root-3506.key")), PathBuf::from("/r/root-3506.key.sequence"));
    }

    #[test]
    fn pins_are_a_fingerprint_alone_or_a_district_and_one() {
        let fp = "ab".repeat(32);
        let pins = parse_pins(&[fp.clone(), format!("3506={fp}")]).unwrap();
        assert_eq!(pins[0].district, None);
        assert_eq!(pins[1].district.as_deref(), Some("3506"));
        assert!(parse_pins(&["3506=xyz".into()]).unwrap_err().to_string().contains("not a SHA-256 fingerprint"));
    }

    #[test]
    fn a_bundle_needs_a_list_and_writes_nothing_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("bundle.json");
        assert!(assemble_bundle(&[], &[], &[], &[], &out).unwrap_err().to_string().contains("at least one signed list"));
        assert!(!out.exists());
    }
}
