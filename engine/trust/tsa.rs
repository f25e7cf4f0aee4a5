//! The district time-stamp authority (engine/dk1/README.md, §12): for a district
//! without a PSrE's RFC 3161 service, its own ECDSA P-256 key
//! (`<keys>/tsa.key`, PKCS#8 PEM, 0600) whose certificate (`tsa.crt`) the
//! district root issues at `terbit trust sign`, with the extended key usage
//! timeStamping, critical, and nothing else: the key stamps signatures and
//! cannot sign a document. The signed trust list names the certificate
//! among its time-stamp authorities; a token is proof of time only under a
//! certificate a district's list names so.
//!
//! `pdf/stamp.rs` makes the tokens; `pdf/token.rs` reads them.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use p256::ecdsa::{SigningKey, VerifyingKey};
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Encode};
use x509_cert::name::Name;
use x509_cert::Certificate;

use crate::error::{Error, Result};
use crate::trust::pdfkey::{read_key, CertProfile};
use crate::trust::root::RootKey;

/// id-kp-timeStamping (RFC 5280 §4.2.1.12).
pub const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-ce-extKeyUsage.
pub const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// How long a certificate the root gives the authority lasts: `trust sign`
/// certifies it again (a new certificate, the old one still listed) once
/// less than [`RENEW_WITHIN`] is left.
pub const VALIDITY: i64 = 10 * 31_557_600;
/// See [`VALIDITY`].
pub const RENEW_WITHIN: i64 = 31_557_600;

/// `<dir>/tsa.key`.
pub fn key_path(dir: &Path) -> PathBuf {
    dir.join("tsa.key")
}

/// `<dir>/tsa.crt`: the authority's current certificate.
pub fn cert_path(dir: &Path) -> PathBuf {
    dir.join("tsa.crt")
}

/// Write a new time-stamp authority key into `dir` from a secret scalar
/// (drawn from the OS by the caller). Nothing is overwritten.
pub fn generate(dir: &Path, secret: &[u8; 32]) -> Result<PathBuf> {
    let key = SigningKey::from_slice(secret).map_err(|_| Error::Usage("the random secret is not a P-256 scalar; run again".into()))?;
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| Error::Usage(format!("time-stamp key: {e}")))?;
    let path = key_path(dir);
    crate::dk1::keys::write_secret_file(&path, &pem)?;
    Ok(path)
}



/// The root certifies `public` as district `district`'s time-stamp
/// authority, valid over `[not_before, not_after)`.
pub fn certify(root: &RootKey, public: &VerifyingKey, district: &str, office: &str, not_before: i64, not_after: i64) -> Result<Vec<u8>> {
    use crate::trust::pdfkey::name_part;
    let subject = Name::from_str(&format!("CN=Time-stamp authority {},O={},OU=terbit time-stamping {},C=ID", name_part(office), name_part(office), name_part(district)))
        .map_err(|e| Error::Usage(format!("certificate subject: {e}")))?;
    let issuer = Certificate::from_der(&root.cert.der).map_err(|e| Error::Usage(format!("root certificate: {e}")))?.tbs_certificate().subject().clone();
    // A key certified again (renewal) gets another serial: the validity is hashed in.
    let mut h = Sha256::new();
    // "ocsp": certificates that name the responder (trust/ocsp.rs) never
    // share a serial with the earlier ones of the same key and validity.
    h.update(b"terbit tsa ocsp");
    h.update(public.to_sec1_point(false).as_bytes());
    h.update(not_before.to_be_bytes());
    // And its end: a key certified again from the same start (renewed
    // before its end) gets another serial, as RFC 5280 §4.1.2.2 wants.
    h.update(not_after.to_be_bytes());
    crate::trust::pdfkey::issue(root, public, CertProfile::TimeStamping { issuer, subject }, &h.finalize()[..16], not_before, not_after)
}

/// Whether `cert` may sign time-stamp tokens: its extended key usage is
/// present, critical, and timeStamping alone (RFC 3161 §2.3).
pub fn is_tsa_certificate(cert: &Certificate) -> bool {
    let Some(exts) = cert.tbs_certificate().extensions() else { return false };
    let mut eku = exts.iter().filter(|e| e.extn_id == ID_CE_EXT_KEY_USAGE);
    match (eku.next(), eku.next()) {
        (Some(e), None) if e.critical => x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).is_ok_and(|u| u.0 == [ID_KP_TIME_STAMPING]),
        _ => false,
    }
}

/// Whether `cert` names timeStamping among its extended key usages at all
/// (then it signs no document, critical or not).
pub fn names_time_stamping(cert: &Certificate) -> bool {
    let Some(exts) = cert.tbs_certificate().extensions() else { return false };
    exts.iter()
        .filter(|e| e.extn_id == ID_CE_EXT_KEY_USAGE)
        .any(|e| x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).map_or(true, |u| u.0.contains(&ID_KP_TIME_STAMPING)))
}

/// What stamps a run's signatures: the authority's key and certificate.
pub struct TsaSigner {
    /// The private key.
    pub key: SigningKey,
    /// Its certificate (DER), which the district root issued.
    pub cert: Vec<u8>,
    /// Validity of the certificate, `[not_before, not_after)`.
    pub valid: (i64, i64),
}

impl std::fmt::Debug for TsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TsaSigner {{ cert: {} bytes }}", self.cert.len())
    }
}

/// The keys folder's time-stamp authority: `Ok(None)` when the folder has
/// none (its documents are then PAdES B-B, as before), an error when the
/// key is there without its certificate, or the two do not match.
pub fn signer_for(dir: &Path) -> Result<Option<TsaSigner>> {
    let kp = key_path(dir);
    let cp = cert_path(dir);
    if std::fs::symlink_metadata(&kp).is_err() {
        if std::fs::symlink_metadata(&cp).is_ok() {
            // A certificate says this office stamps: never quietly unstamped.
            return Err(Error::NoKey(format!("{} has no key beside it: put {} back", cp.display(), kp.display())));
        }
        return Ok(None);
    }
    let key = read_key(&kp)?;
    if std::fs::symlink_metadata(&cp).is_err() {
        return Err(Error::NoKey(format!(
            "{} (the district time-stamp authority's key) has no certificate yet: the district root certifies it with `terbit trust sign --keys {} ...` (where the root is kept)",
            kp.display(),
            dir.display()
        )));
    }
    let cert = crate::trust::pdfkey::read_cert_der(&cp)?;
    if *key.verifying_key() != crate::trust::pdfkey::cert_key(&cert, &cp)? {
        return Err(Error::config(&cp, "this certificate is not the time-stamp key's own"));
    }
    let parsed = Certificate::from_der(&cert).map_err(|e| Error::config(&cp, format!("not a certificate: {e}")))?;
    if !is_tsa_certificate(&parsed) {
        return Err(Error::config(&cp, "is not a time-stamp authority's certificate (extended key usage timeStamping, critical)"));
    }
    let valid = crate::trust::pdfkey::validity(&cert).ok_or_else(|| Error::config(&cp, "not a readable certificate"))?;
    Ok(Some(TsaSigner { key, cert, valid }))
}

/// What [`certify_folder`] did.
#[derive(Debug, Default)]
pub struct Certified {
    /// Every time-stamp certificate of the folder this root issued, for the
    /// trust list (earlier ones first, the current last).
    pub certs: Vec<Vec<u8>>,
    /// The new certificate, when the root certified the key now.
    pub new: Option<PathBuf>,
    /// Certificates found in the folder that are not this root's for the
    /// folder's key: set aside under these names, and not listed (someone
    /// who can write to the keys folder must not get their own authority
    /// into the list the root signs), each with why.
    pub set_aside: Vec<(PathBuf, SetAside)>,
}

/// Why a certificate of the keys folder was set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAside {
    /// This root issued it, for another key than the folder's: the key was
    /// replaced (by whom?).
    KeyChanged,
    /// Another root issued it for the folder's key (the district's root was
    /// replaced): the new root certifies the same key, which is how tokens
    /// are recognised, so what it stamped still verifies.
    EarlierRoot,
    /// Not this root's, not the folder key's, or not a time-stamp
    /// authority's certificate at all.
    Foreign,
}

/// Whether `root` (the district root) issued `der`.
fn by_root(der: &[u8], root: &RootKey) -> bool {
    Certificate::from_der(der)
        .ok()
        .zip(Certificate::from_der(&root.cert.der).ok())
        .is_some_and(|(c, r)| c.tbs_certificate().issuer() == r.tbs_certificate().subject() && crate::trust::pdfkey::issued_by(&c, &r) == Some(true))
}

/// The root certifies the folder's time-stamp key when it has no
/// certificate of this root, or one that ends within [`RENEW_WITHIN`] of
/// `now` (the earlier one is kept as `tsa.crt.<not-after>`, still listed:
/// what it stamped still verifies). Only certificates this root issued
/// for the folder's key are listed; any other is set aside
/// (`tsa.crt.refused-<n>`) and named.
pub fn certify_folder(dir: &Path, root: &RootKey, district: &str, office: &str, earliest: i64, now: i64) -> Result<Certified> {
    let kp = key_path(dir);
    let cp = cert_path(dir);
    let is_tsa = |der: &[u8]| Certificate::from_der(der).is_ok_and(|c| is_tsa_certificate(&c));
    if std::fs::symlink_metadata(&kp).is_err() {
        // No key (destroyed once the district took an external
        // authority): what this root certified of it stays listed, so that
        // what it stamped still verifies; nothing can stamp with it now.
        let mut out = Certified::default();
        for p in &folder_certificates(dir)? {
            let der = crate::trust::pdfkey::read_cert_der(p)?;
            if by_root(&der, root) && is_tsa(&der) {
                out.certs.push(der);
            }
        }
        return Ok(out);
    }
    let public = *read_key(&kp)?.verifying_key();
    let of_key = |der: &[u8]| crate::trust::pdfkey::cert_key(der, Path::new("")).is_ok_and(|k| k == public);
    let ours = |der: &[u8]| by_root(der, root) && is_tsa(der) && of_key(der);
    let why = |der: &[u8]| match (by_root(der, root), of_key(der) && is_tsa(der)) {
        (true, false) if is_tsa(der) => SetAside::KeyChanged,
        (false, true) => SetAside::EarlierRoot,
        _ => SetAside::Foreign,
    };
    let mut out = Certified::default();
    let set_aside = |p: &Path, reason: SetAside, out: &mut Certified| -> Result<()> {
        let mut n = 1;
        let aside = loop {
            let a = dir.join(format!("tsa.crt.refused-{n}"));
            if std::fs::symlink_metadata(&a).is_err() {
                break a;
            }
            n += 1;
        };
        std::fs::rename(p, &aside).map_err(|e| Error::io(&aside, e))?;
        out.set_aside.push((aside, reason));
        Ok(())
    };
    let current = match std::fs::symlink_metadata(&cp) {
        Ok(_) => Some(crate::trust::pdfkey::read_cert_der(&cp)?),
        Err(_) => None,
    };
    let renew = match &current {
        None => true,
        Some(der) if !ours(der) => {
            set_aside(&cp, why(der), &mut out)?;
            true
        }
        Some(der) => {
            let (_, not_after) = crate::trust::pdfkey::validity(der).ok_or_else(|| Error::config(&cp, "not a readable certificate"))?;
            // Renewed within a year of its end, or when it is one made
            // before authority certificates named their OCSP responder.
            if not_after - now < RENEW_WITHIN || !crate::trust::ocsp::names_responder(der) {
                let kept = dir.join(format!("tsa.crt.{not_after}"));
                std::fs::rename(&cp, &kept).map_err(|e| Error::io(&kept, e))?;
                true
            } else {
                false
            }
        }
    };
    if renew {
        let not_before = earliest.min(now);
        let der = certify(root, &public, district, office, not_before, now + VALIDITY)?;
        crate::trust::pdfkey::write_cert(&cp, &der)?;
        out.new = Some(cp.clone());
    }
    // Earlier certificates first (by name: their end times), the current last.
    for p in &listed_paths(dir)? {
        let der = crate::trust::pdfkey::read_cert_der(p)?;
        if ours(&der) {
            out.certs.push(der);
        } else {
            set_aside(p, why(&der), &mut out)?;
        }
    }
    out.certs.push(crate::trust::pdfkey::read_cert_der(&cp)?);
    Ok(out)
}

/// The authority a district's list names for a token signed with the key
/// `spki` at `at`: among `certs` of that key, one of `district` whose
/// validity holds `at` first (a key certified again before its
/// certificate ended has both listed), else one of `district`, else any.
pub fn authority_of<'a>(certs: &'a [TsaCert], spki: &[u8], district: &str, at: i64) -> Option<&'a TsaCert> {
    let of_key: Vec<&TsaCert> = certs.iter().filter(|t| t.spki == spki).collect();
    let ours = |t: &&&TsaCert| t.district == district;
    of_key.iter().filter(ours).find(|t| t.not_before <= at && at < t.not_after).or_else(|| of_key.iter().find(ours)).or(of_key.first()).copied()
}

/// The authority certificates the signed list `list` names (as by the
/// district root `root`, when given: see [`TsaCert::of`]).
pub fn listed_authorities(list: &crate::trust::list::SignedTrustList, root: Option<&[u8]>) -> Vec<TsaCert> {
    list.tsa_certificates.iter().filter_map(|c| crate::trust::root::base64_decode(c)).filter_map(|der| TsaCert::of(&list.district, &der, root)).collect()
}

/// Whether the signed list `list` names an authority certificate of the key `spki`.
pub fn listed(list: &crate::trust::list::SignedTrustList, spki: &[u8]) -> bool {
    listed_authorities(list, None).iter().any(|t| t.spki == spki)
}

/// The folder's authority certificates as `trust sign` keeps them: the
/// earlier ones (`tsa.crt.<end>`) by name, then the current (`tsa.crt`),
/// if there. Never the ones it set aside (`tsa.crt.refused-<n>`).
pub fn folder_certificates(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths = listed_paths(dir)?;
    let current = cert_path(dir);
    if std::fs::symlink_metadata(&current).is_ok() {
        paths.push(current);
    }
    Ok(paths)
}

/// The folder's earlier authority certificates (`tsa.crt.<end>`), by name.
fn listed_paths(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.strip_prefix("tsa.crt.").is_some_and(|end| end.bytes().all(|b| b.is_ascii_digit()) && !end.is_empty())))
        .collect();
    paths.sort();
    Ok(paths)
}

/// A time-stamp authority's certificate a trust list names, decoded.
#[derive(Debug, Clone)]
pub struct TsaCert {
    /// The district whose root signed it into its list.
    pub district: String,
    /// DER.
    pub der: Vec<u8>,
    /// Validity, epoch seconds.
    pub not_before: i64,
    /// Validity end, epoch seconds.
    pub not_after: i64,
    /// Its subject public key info (DER): a token is the authority's when
    /// signed by this key (whichever certificate of it the token carries).
    pub spki: Vec<u8>,
    /// Whether it may sign time-stamps ([`is_tsa_certificate`]): a list
    /// could name another certificate, whose tokens then prove nothing.
    pub for_time_stamping: bool,
    /// Its subject, as shown to a person.
    pub name: String,
    /// It names the district root as its issuer, but the root's signature
    /// on it does not hold: a certificate made to look like the district's
    /// own authority, whose tokens prove nothing.
    pub forged_issuer: bool,
    /// The district root issued it (the district's own authority, whose key
    /// lives on the issuing host); otherwise an independent authority (a
    /// PSrE's), whose stamps a thief of the keys folder cannot make.
    pub by_district_root: bool,
}

impl TsaCert {
    /// Decode a time-stamp certificate of `district`'s list, whose root
    /// certificate is `root` (DER) when known. A certificate the root
    /// issued is the district's own authority's; one another authority
    /// issued (a PSrE's) is trusted as the list names it — but one that
    /// names the root as its issuer must carry the root's signature.
    pub fn of(district: &str, der: &[u8], root: Option<&[u8]>) -> Option<TsaCert> {
        let (not_before, not_after) = crate::trust::pdfkey::validity(der)?;
        let cert = Certificate::from_der(der).ok()?;
        let name = crate::util::show::clip_shown(&cert.tbs_certificate().subject().to_string(), 160);
        let root = root.and_then(|r| Certificate::from_der(r).ok());
        let names_root = root.as_ref().is_some_and(|r| cert.tbs_certificate().issuer() == r.tbs_certificate().subject());
        let by_district_root = names_root && root.as_ref().is_some_and(|r| crate::trust::pdfkey::issued_by(&cert, r) == Some(true));
        let forged_issuer = names_root && !by_district_root;
        let spki = cert.tbs_certificate().subject_public_key_info().to_der().ok()?;
        Some(TsaCert { district: district.to_string(), der: der.to_vec(), spki, not_before, not_after, for_time_stamping: is_tsa_certificate(&cert), name, forged_issuer, by_district_root })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_for_time_stamping_only() {
        let root = crate::trust::list::tests::test_root();
        let key = SigningKey::from_slice(&[0x31; 32]).unwrap();
        let der = certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 1_609_459_200 + VALIDITY).unwrap();
        let cert = Certificate::from_der(&der).unwrap();
        assert!(is_tsa_certificate(&cert));
        assert!(names_time_stamping(&cert));
        assert_eq!(crate::trust::pdfkey::issued_by(&cert, &Certificate::from_der(&root.cert.der).unwrap()), Some(true));
        // A document-signing certificate is not one.
        let pdf = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 2_240_611_200).unwrap();
        let pdf = Certificate::from_der(&pdf).unwrap();
        assert!(!is_tsa_certificate(&pdf) && !names_time_stamping(&pdf));
        let parsed = TsaCert::of("3506", &der, Some(&root.cert.der)).unwrap();
        assert!(parsed.for_time_stamping && parsed.name.contains("Time-stamp authority") && !parsed.forged_issuer, "{parsed:?}");
        // Signed by another key under the root's name: forged.
        let other = crate::trust::list::tests::test_root_with(&[0x44; 32]);
        let fake = certify(&other, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 1_609_459_200 + VALIDITY).unwrap();
        assert!(TsaCert::of("3506", &fake, Some(&root.cert.der)).unwrap().forged_issuer);
    }

    #[test]
    fn the_authority_of_a_stamp_is_the_certificate_valid_then() {
        let root = crate::trust::list::tests::test_root();
        let key = SigningKey::from_slice(&[0x32; 32]).unwrap();
        // Certified again before the first certificate ended: both listed, earlier first.
        let (a, b, end) = (1_609_459_200, 1_609_459_200 + VALIDITY - RENEW_WITHIN, 1_609_459_200 + VALIDITY);
        let first = TsaCert::of("3506", &certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", a, end).unwrap(), Some(&root.cert.der)).unwrap();
        let second = TsaCert::of("3506", &certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", a, b + VALIDITY).unwrap(), Some(&root.cert.der)).unwrap();
        let listed = [first.clone(), second.clone()];
        assert_eq!(authority_of(&listed, &first.spki, "3506", a + 10).map(|t| t.not_after), Some(end));
        assert_eq!(authority_of(&listed, &first.spki, "3506", end + 10).map(|t| t.not_after), Some(b + VALIDITY));
        // Another key: none.
        let other = SigningKey::from_slice(&[0x33; 32]).unwrap();
        let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_key(other.verifying_key()).unwrap().to_der().unwrap();
        assert!(authority_of(&listed, &spki, "3506", a + 10).is_none());
    }
}
