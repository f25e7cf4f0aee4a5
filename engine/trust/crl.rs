//! The district root's certificate revocation list (RFC 5280 §5;
//! engine/dk1/README.md, §13): what a PDF validator needs, beside the certificates, to
//! validate a signature offline (PAdES B-LT). The root signs it offline at
//! `terbit trust sign` (with the trust list, the same next update and its
//! number for the CRL number) or at `terbit root crl`; it lists the
//! certificates of revoked PDF keys from their revocation time. Each run
//! puts the keys folder's CRL (`crl-<district>.crl`) in every PDF's
//! document security store (`/DSS`), beside the certificates.

use std::path::{Path, PathBuf};
use std::time::Duration;

use p256::ecdsa::DerSignature;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::der::asn1::{BitString, GeneralizedTime, OctetString, UtcTime};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;
use x509_cert::Certificate;

use crate::error::{Error, Result};
use crate::trust::root::RootKey;

/// `<dir>/crl-<district>.crl` (DER).
pub fn path(dir: &Path, district: &str) -> PathBuf {
    dir.join(format!("crl-{district}.crl"))
}

/// The largest CRL read (a district revokes a handful of keys).
pub const MAX_CRL: u64 = 1 << 20;

/// RFC 5280 wants UTCTime up to 2049, GeneralizedTime after.
fn time(epoch: i64) -> Result<Time> {
    let secs = u64::try_from(epoch.max(0)).unwrap_or(0);
    let d = Duration::from_secs(secs);
    if epoch < 2_524_608_000 {
        Ok(Time::UtcTime(UtcTime::from_unix_duration(d).map_err(|e| Error::Usage(format!("CRL time: {e}")))?))
    } else {
        Ok(Time::GeneralTime(GeneralizedTime::from_unix_duration(d).map_err(|e| Error::Usage(format!("CRL time: {e}")))?))
    }
}

fn ext(oid: &str, critical: bool, value: Vec<u8>) -> Result<Extension> {
    Ok(Extension {
        extn_id: oid.parse().map_err(|_| Error::Usage(format!("OID {oid}")))?,
        critical,
        extn_value: OctetString::new(value).map_err(|e| Error::Usage(format!("CRL extension: {e}")))?,
    })
}

/// A revoked certificate: its DER, and the time it is revoked from.
pub struct Revoked<'a> {
    /// The certificate.
    pub cert: &'a [u8],
    /// Revoked from, epoch seconds.
    pub from: i64,
}

/// The root signs a CRL numbered `number`, issued `this_update`, promising
/// the next by `next_update`, listing `revoked` (reason keyCompromise: a
/// revoked key is a stolen or lost one).
pub fn make(root: &RootKey, number: u64, this_update: i64, next_update: i64, revoked: &[Revoked<'_>]) -> Result<Vec<u8>> {
    make_scoped(root, number, this_update, next_update, revoked, false)
}

/// `<dir>/crl-<district>-ca.crl` (DER): the root's CRL of certification
/// authorities only.
pub fn ca_path(dir: &Path, district: &str) -> PathBuf {
    dir.join(format!("crl-{district}-ca.crl"))
}

/// The root's CRL of certification authorities only (an issuing
/// distribution point, critical, onlyContainsCACerts; the root certifies
/// none, so it lists nothing), numbered apart from the full CRL's. A
/// validator that weighs the root's own status at a time (pyHanko checks
/// even a trust anchor against its issuer's newest CRL) reads this one,
/// which says nothing of the PDF keys: a renewal carries it years after a
/// signing certificate ended without making that signer's check late.
pub fn make_ca_only(root: &RootKey, number: u64, this_update: i64, next_update: i64) -> Result<Vec<u8>> {
    make_scoped(root, number | (1 << 40), this_update, next_update, &[], true)
}

fn make_scoped(root: &RootKey, number: u64, this_update: i64, next_update: i64, revoked: &[Revoked<'_>], ca_only: bool) -> Result<Vec<u8>> {
    let root_cert = Certificate::from_der(&root.cert.der).map_err(|e| Error::Usage(format!("root certificate: {e}")))?;
    let alg = AlgorithmIdentifierOwned { oid: "1.2.840.10045.4.3.2".parse().map_err(|_| Error::Usage("OID".into()))?, parameters: None };
    let mut entries = Vec::new();
    for r in revoked {
        let c = Certificate::from_der(r.cert).map_err(|e| Error::Usage(format!("revoked certificate: {e}")))?;
        // reasonCode keyCompromise (1).
        let reason = ext("2.5.29.21", false, vec![0x0a, 0x01, 0x01])?;
        entries.push(RevokedCert { serial_number: c.tbs_certificate().serial_number().clone(), revocation_date: time(r.from)?, crl_entry_extensions: Some(vec![reason]) });
    }
    entries.sort_by(|a, b| a.serial_number.as_bytes().cmp(b.serial_number.as_bytes()));
    // authorityKeyIdentifier: the root's subject key identifier; cRLNumber.
    let ski = root_cert
        .tbs_certificate()
        .extensions()
        .and_then(|e| e.iter().find(|e| e.extn_id.to_string() == "2.5.29.14"))
        .and_then(|e| OctetString::from_der(e.extn_value.as_bytes()).ok())
        .ok_or_else(|| Error::Usage("the root certificate has no subject key identifier".into()))?;
    // AuthorityKeyIdentifier { [0] keyIdentifier }: the identifier is 20 bytes.
    let id = ski.as_bytes();
    let aki = [&[0x30, id.len() as u8 + 2, 0x80, id.len() as u8][..], id].concat();
    let n = x509_cert::der::asn1::Uint::new(&number.to_be_bytes()).and_then(|u| u.to_der()).map_err(|e| Error::Usage(format!("CRL number: {e}")))?;
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: alg.clone(),
        issuer: root_cert.tbs_certificate().subject().clone(),
        this_update: time(this_update)?,
        next_update: Some(time(next_update)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some({
            let mut e = vec![ext("2.5.29.35", false, aki)?, ext("2.5.29.20", false, n)?];
            if ca_only {
                // IssuingDistributionPoint { [2] onlyContainsCACerts TRUE }, critical (RFC 5280 §5.2.5).
                e.push(ext("2.5.29.28", true, vec![0x30, 0x03, 0x82, 0x01, 0xff])?);
            }
            e
        }),
    };
    let tbs_der = tbs.to_der().map_err(|e| Error::Usage(format!("CRL: {e}")))?;
    let sig: DerSignature = p256::ecdsa::signature::Signer::sign(root.signing_key(), &tbs_der);
    let crl = CertificateList { tbs_cert_list: tbs, signature_algorithm: alg, signature: BitString::from_bytes(sig.as_bytes()).map_err(|e| Error::Usage(format!("CRL: {e}")))? };
    crl.to_der().map_err(|e| Error::Usage(format!("CRL: {e}")))
}

/// What a CRL says, once its signature holds under `issuer` (DER).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlInfo {
    /// Issued, epoch seconds.
    pub this_update: i64,
    /// The next promised by, epoch seconds.
    pub next_update: i64,
    /// Serial numbers (content bytes) revoked, with their revocation times.
    pub revoked: Vec<(Vec<u8>, i64)>,
}

/// Read `der` as a CRL that `issuer` signed (ECDSA, as a district root
/// signs); otherwise why not.
pub fn check(der: &[u8], issuer: &[u8]) -> std::result::Result<CrlInfo, String> {
    let crl = CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der).map_err(|_| "not a DER certificate revocation list".to_string())?;
    let issuer = Certificate::from_der(issuer).map_err(|_| "its issuer's certificate is not readable".to_string())?;
    if crl.tbs_cert_list.issuer != *issuer.tbs_certificate().subject() {
        return Err("it is not the district root's (another issuer)".into());
    }
    let tbs = crl.tbs_cert_list.to_der().map_err(|_| "not DER".to_string())?;
    let spki = issuer.tbs_certificate().subject_public_key_info().to_der().map_err(|_| "issuer key".to_string())?;
    let key: p256::ecdsa::VerifyingKey = p256::pkcs8::DecodePublicKey::from_public_key_der(&spki).map_err(|_| "its issuer's key is not P-256".to_string())?;
    let sig = crl.signature.as_bytes().and_then(|s| p256::ecdsa::Signature::from_der(s).ok()).ok_or("its signature is not ECDSA")?;
    let holds = p256::ecdsa::signature::Verifier::verify(&key, &tbs, &sig).is_ok();
    if crl.signature_algorithm.oid.to_string() != "1.2.840.10045.4.3.2" || !holds {
        return Err("its signature does not hold under the district root".into());
    }
    let secs = |t: &Time| t.to_unix_duration().as_secs() as i64;
    let next_update = crl.tbs_cert_list.next_update.as_ref().map(secs).ok_or("it has no next update")?;
    let revoked = crl.tbs_cert_list.revoked_certificates.iter().flatten().map(|r| (r.serial_number.as_bytes().to_vec(), secs(&r.revocation_date))).collect();
    Ok(CrlInfo { this_update: secs(&crl.tbs_cert_list.this_update), next_update, revoked })
}

/// A keys folder's CRL, read and checked.
pub struct FolderCrl<'r> {
    /// The CRL (DER).
    pub der: Vec<u8>,
    /// What it says.
    pub info: CrlInfo,
    /// The root certificate (DER) that signed it.
    pub root: &'r [u8],
}

/// Read the keys folder's CRL for `district`, if it has one, checked
/// against the first of the root certificates `roots` (DER) that signed
/// it; when none did, why not against the first.
pub fn read<'r>(dir: &Path, district: &str, roots: &'r [Vec<u8>]) -> Result<Option<FolderCrl<'r>>> {
    let p = path(dir, district);
    if std::fs::symlink_metadata(&p).is_err() {
        return Ok(None);
    }
    let der = crate::util::fs::read_limited(&p, MAX_CRL)?;
    let mut first = None;
    for root in roots {
        match check(&der, root) {
            Ok(info) => return Ok(Some(FolderCrl { der, info, root })),
            Err(why) => {
                first.get_or_insert(why);
            }
        }
    }
    Err(Error::config(&p, first.unwrap_or_else(|| "no district root to check it against".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crl_the_root_signs_reads_back() {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x21; 32]).unwrap();
        let cert = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 2_240_611_200).unwrap();
        let der = make(&root, 7, 1_790_000_000, 1_792_592_000, &[Revoked { cert: &cert, from: 1_789_000_000 }]).unwrap();
        let info = check(&der, &root.cert.der).unwrap();
        assert_eq!((info.this_update, info.next_update), (1_790_000_000, 1_792_592_000));
        let serial = Certificate::from_der(&cert).unwrap().tbs_certificate().serial_number().as_bytes().to_vec();
        assert_eq!(info.revoked, vec![(serial, 1_789_000_000)]);
        // Any byte changed: refused.
        for i in (0..der.len()).step_by(3) {
            let mut d = der.clone();
            d[i] ^= 0x04;
            assert!(check(&d, &root.cert.der).is_err(), "byte {i}");
        }
        // Checked against another certificate than its issuer's: refused.
        assert!(check(&der, &cert).is_err());
    }
}
