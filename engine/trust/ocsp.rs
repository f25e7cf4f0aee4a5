//! The district root's OCSP answers (RFC 6960) for its time-stamp
//! authority's certificate (engine/dk1/README.md, §13): "good, as of this
//! time". A validator that weighs a signature years on, after the
//! certificates of the signer and of the earlier stamps have ended, still
//! needs current revocation data for the *last* stamp's authority — and
//! only for it: a fresh CRL would also cover the long-expired signer, and
//! a validator then checks the signer at today's date. The root signs an
//! answer offline at every `terbit trust sign` (`tsa.ocsp` beside
//! `tsa.crt`, valid until the list's next update); `terbit archive renew`
//! puts the newest in the files it renews, and the district hands it to
//! auditors beside its trust data. There is no online responder: the
//! certificates name one at an address that never resolves
//! ([`RESPONDER`], RFC 6761 `.invalid`), because a validator weighs an
//! OCSP answer only for a certificate that names a responder.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{GeneralizedTime, ObjectIdentifier};
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;

use crate::error::{Error, Result};
use crate::trust::root::RootKey;

/// id-ad-ocsp (RFC 5280 §4.2.2.1).
pub const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");

/// The responder authority certificates name: never fetched (see the module doc).
pub const RESPONDER: &str = "http://ocsp.terbit.invalid/";

/// `<dir>/tsa.ocsp`: the answer for the folder's current authority certificate (DER).
pub fn path(dir: &Path) -> PathBuf {
    dir.join("tsa.ocsp")
}

const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
/// id-pkix-ocsp-basic 1.3.6.1.5.5.7.48.1.1.
pub(crate) const ID_PKIX_OCSP_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];

/// The hash of a CertID (RFC 6960 §4.1.1: the requester chooses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdHash {
    /// SHA-1, as RFC 5019 profiles requests (what a PSrE's responder surely reads).
    Sha1,
    /// SHA-256, in the root's own answers.
    Sha256,
}

impl IdHash {
    /// The hash an AlgorithmIdentifier's OID (its content bytes) names, if one of these.
    pub(crate) fn from_oid(oid: &[u8]) -> Option<IdHash> {
        match oid {
            OID_SHA1 => Some(IdHash::Sha1),
            OID_SHA256 => Some(IdHash::Sha256),
            _ => None,
        }
    }

    fn digest(self, b: &[u8]) -> Vec<u8> {
        match self {
            IdHash::Sha1 => <sha1::Sha1 as sha1::Digest>::digest(b).to_vec(),
            IdHash::Sha256 => Sha256::digest(b).to_vec(),
        }
    }

    /// Its AlgorithmIdentifier as terbit writes it: SHA-1 with NULL
    /// parameters (as requesters send it), SHA-256 without (RFC 5754).
    fn algorithm(self) -> Vec<u8> {
        match self {
            IdHash::Sha1 => seq(&[&tlv(0x06, OID_SHA1), &[0x05, 0x00]]),
            IdHash::Sha256 => seq(&[&tlv(0x06, OID_SHA256)]),
        }
    }
}

/// The hashes of `issuer`'s name and key a CertID carries.
pub(crate) fn issuer_hashes(issuer: &Certificate, hash: IdHash) -> std::result::Result<(Vec<u8>, Vec<u8>), String> {
    let name = issuer.tbs_certificate().subject().to_der().map_err(|_| "the issuer's name".to_string())?;
    let key = issuer.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
    Ok((hash.digest(&name), hash.digest(key)))
}

/// The CertID of `cert`, which `issuer` issued, with `hash`.
pub(crate) fn cert_id(cert: &Certificate, issuer: &Certificate, hash: IdHash) -> std::result::Result<Vec<u8>, String> {
    let (name_hash, key_hash) = issuer_hashes(issuer, hash)?;
    let serial = cert.tbs_certificate().serial_number().to_der().map_err(|_| "the certificate's serial".to_string())?;
    Ok(seq(&[&hash.algorithm(), &tlv(0x04, &name_hash), &tlv(0x04, &key_hash), &serial]))
}
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

/// The largest answer read.
pub const MAX_OCSP: u64 = 64 * 1024;

/// A DER element: tag, definite length, content (up to 64 KiB).
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = vec![tag];
    match n {
        0..=0x7f => out.push(n as u8),
        0x80..=0xff => out.extend_from_slice(&[0x81, n as u8]),
        _ => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn generalized(epoch: i64) -> Result<Vec<u8>> {
    let t = GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(u64::try_from(epoch.max(0)).unwrap_or(0))).map_err(|e| Error::Usage(format!("OCSP time: {e}")))?;
    t.to_der().map_err(|e| Error::Usage(format!("OCSP time: {e}")))
}

/// Whether the certificate (DER) names an OCSP responder.
pub fn names_responder(der: &[u8]) -> bool {
    Certificate::from_der(der).is_ok_and(|c| !responders(&c).is_empty())
}

/// Where the certificate's authority information access says its OCSP
/// responders are.
pub(crate) fn responders(c: &Certificate) -> Vec<x509_cert::ext::pkix::name::GeneralName> {
    c.tbs_certificate()
        .extensions()
        .and_then(|e| e.iter().find(|e| e.extn_id.to_string() == "1.3.6.1.5.5.7.1.1"))
        .and_then(|e| x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(e.extn_value.as_bytes()).ok())
        .map(|a| a.0.into_iter().filter(|d| d.access_method == ID_AD_OCSP).map(|d| d.access_location).collect())
        .unwrap_or_default()
}

/// The root's answer "good" for each of `certs` (DER, which the root
/// issued: the authority's current certificate and the earlier ones still
/// valid, whose stamps the next renewal covers), as of `this_update`, until
/// `next_update`: an OCSPResponse (successful) with a basic response the
/// root signs itself (responder by key hash), one single answer per
/// certificate.
pub fn make(root: &RootKey, certs: &[Vec<u8>], this_update: i64, next_update: i64) -> Result<Vec<u8>> {
    let bad = |e: String| Error::Usage(format!("OCSP answer: {e}"));
    let root_cert = Certificate::from_der(&root.cert.der).map_err(|e| bad(e.to_string()))?;
    let issuer_key = root_cert.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
    let mut singles = Vec::new();
    for cert in certs {
        let c = Certificate::from_der(cert).map_err(|e| bad(e.to_string()))?;
        if c.tbs_certificate().issuer() != root_cert.tbs_certificate().subject() {
            return Err(bad("the certificate is not the district root's".into()));
        }
        let cert_id = cert_id(&c, &root_cert, IdHash::Sha256).map_err(bad)?;
        // Ending a day before the certificate does: a validator weighing
        // the certificate after its end goes back to when its newest
        // answer ran out (pyHanko: that time plus two seconds), which must
        // still fall within the certificate.
        let (_, ends) = crate::trust::pdfkey::validity(cert).ok_or_else(|| bad("the certificate's validity".into()))?;
        singles.extend(seq(&[&cert_id, &[0x80, 0x00], &generalized(this_update)?, &tlv(0xa0, &generalized(next_update.min(ends - 86_400).max(this_update))?)]));
    }
    // ResponderID byKey: SHA-1 of the root's public key (RFC 6960 §4.2.1).
    let key_hash = sha1::Digest::finalize(sha1::Digest::chain_update(sha1::Sha1::new(), issuer_key));
    let data = seq(&[&tlv(0xa2, &tlv(0x04, &key_hash)), &generalized(this_update)?, &tlv(0x30, &singles)]);
    let sig: p256::ecdsa::DerSignature = p256::ecdsa::signature::Signer::sign(root.signing_key(), &data);
    let mut bits = vec![0u8];
    bits.extend_from_slice(sig.as_bytes());
    let ecdsa_sha256 = seq(&[&tlv(0x06, OID_ECDSA_SHA256)]);
    let basic = seq(&[&data, &ecdsa_sha256, &tlv(0x03, &bits)]);
    Ok(seq(&[&tlv(0x0a, &[0]), &tlv(0xa0, &seq(&[&tlv(0x06, ID_PKIX_OCSP_BASIC), &tlv(0x04, &basic)]))]))
}

/// The parts of a successful OCSPResponse with a basic response (RFC
/// 6960 §4.2.1) that are checked.
pub(crate) struct Basic<'a> {
    /// tbsResponseData, the element whole: what the signature covers.
    pub data: &'a [u8],
    /// The signature algorithm (its AlgorithmIdentifier's content).
    pub alg: &'a [u8],
    /// The signature BIT STRING's content, its unused-bits byte first.
    pub bits: &'a [u8],
    /// The certificates it carries (each element whole).
    pub certs: Vec<&'a [u8]>,
}

/// `der` taken apart as a successful basic OCSP response, whole;
/// otherwise why not (a refusal named by its status).
pub(crate) fn basic(der: &[u8]) -> std::result::Result<Basic<'_>, String> {
    use crate::util::der::{items, tlv as read};
    let bad = || "not an OCSP response (RFC 6960)".to_string();
    let (_, s, e) = read(der, 0, der.len()).filter(|x| x.0 == 0x30 && x.2 == der.len()).ok_or_else(bad)?;
    let top = items(der, s, e).ok_or_else(bad)?;
    let status = top.first().filter(|x| x.0 == 0x0a).map(|x| &der[x.1..x.2]).ok_or_else(bad)?;
    if status != [0] {
        return Err(format!("the responder refused (status {})", status.first().copied().unwrap_or(255)));
    }
    let [_, (0xa0, bs, be, _)] = top.as_slice() else { return Err(bad()) };
    let (_, rs, re) = read(der, *bs, *be).filter(|x| x.0 == 0x30 && x.2 == *be).ok_or_else(bad)?;
    let rb = items(der, rs, re).ok_or_else(bad)?;
    let [(0x06, ts, te, _), (0x04, os, oe, _)] = rb.as_slice() else { return Err(bad()) };
    if der[*ts..*te] != *ID_PKIX_OCSP_BASIC {
        return Err("not a basic OCSP response".into());
    }
    let b = &der[*os..*oe];
    let (_, s, e) = read(b, 0, b.len()).filter(|x| x.0 == 0x30 && x.2 == b.len()).ok_or_else(bad)?;
    let parts = items(b, s, e).ok_or_else(bad)?;
    let [(0x30, _, de, ds), (0x30, as_, ae, _), (0x03, gs, ge, _), rest @ ..] = parts.as_slice() else { return Err(bad()) };
    let mut certs = Vec::new();
    if let Some((0xa0, cs, ce, _)) = rest.first() {
        let (_, ls, le) = read(b, *cs, *ce).filter(|x| x.0 == 0x30).ok_or_else(bad)?;
        certs = items(b, ls, le).ok_or_else(bad)?.into_iter().map(|(_, _, ie, is)| &b[is..ie]).collect();
    }
    Ok(Basic { data: &b[*ds..*de], alg: &b[*as_..*ae], bits: &b[*gs..*ge], certs })
}

/// What an answer says, once its signature holds under `issuer` (DER):
/// (this update, next update), epoch seconds; otherwise why not.
pub fn check(der: &[u8], issuer: &[u8]) -> std::result::Result<(i64, i64), String> {
    use crate::util::der::{items, tlv as read};
    let bad = || "not an OCSP answer terbit reads (successful, basic, one answer \"good\")".to_string();
    let answer = basic(der).map_err(|_| bad())?;
    if answer.alg != tlv(0x06, OID_ECDSA_SHA256) {
        return Err("it is not signed with ECDSA and SHA-256".into());
    }
    let data = answer.data;
    let root = Certificate::from_der(issuer).map_err(|_| "its issuer's certificate is not readable".to_string())?;
    let spki = root.tbs_certificate().subject_public_key_info().to_der().map_err(|_| bad())?;
    let key: p256::ecdsa::VerifyingKey = p256::pkcs8::DecodePublicKey::from_public_key_der(&spki).map_err(|_| "its issuer's key is not P-256".to_string())?;
    let sig = answer.bits.get(1..).and_then(|b| p256::ecdsa::Signature::from_der(b).ok()).ok_or_else(bad)?;
    if p256::ecdsa::signature::Verifier::verify(&key, data, &sig).is_err() {
        return Err("its signature does not hold under the district root".into());
    }
    let (_, s, e) = read(data, 0, data.len()).ok_or_else(bad)?;
    let fields = items(data, s, e).ok_or_else(bad)?;
    let [_, _, (0x30, ls, le, _)] = fields.as_slice() else { return Err(bad()) };
    let singles = items(data, *ls, *le).ok_or_else(bad)?;
    let when = |b: &[u8]| GeneralizedTime::from_der(b).map(|g| g.to_unix_duration().as_secs() as i64).map_err(|_| bad());
    // Every single answer "good", all of one time; the answer lasts as
    // long as its longest (the current certificate's).
    let mut times: Option<(i64, i64)> = None;
    for (tag, s1, e1, _) in &singles {
        let f = items(data, *s1, *e1).ok_or_else(bad)?;
        let (0x30, [_, (0x80, _, _, _), (0x18, _, te, tstart), (0xa0, ns, ne, _)]) = (*tag, f.as_slice()) else { return Err(bad()) };
        let (this, next) = (when(&data[*tstart..*te])?, when(&data[*ns..*ne])?);
        if times.is_some_and(|(t, _)| t != this) {
            return Err(bad());
        }
        times = Some((this, times.map_or(next, |(_, n)| n.max(next))));
    }
    times.ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_reads_back_under_its_root_only() {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x31; 32]).unwrap();
        let cert = crate::trust::tsa::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_082_758_400).unwrap();
        assert!(names_responder(&cert));
        let a = make(&root, &[cert.clone(), cert], 1_800_000_000, 1_830_000_000).unwrap();
        assert_eq!(check(&a, &root.cert.der), Ok((1_800_000_000, 1_830_000_000)));
        let n = a.len();
        for at in [n - 80, n / 2, n - 5] {
            let mut changed = a.clone();
            changed[at] ^= 1;
            assert!(check(&changed, &root.cert.der).is_err(), "byte {at}");
        }
        assert!(check(&a[..n - 1], &root.cert.der).is_err());
    }
}
