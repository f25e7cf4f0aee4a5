//! The time-stamp on a PDF signature (PAdES B-T): an RFC 3161 token in the
//! signer info's unsigned attribute signature-time-stamp-token, whose
//! message imprint is the hash of the signature's value. Read here: the
//! token's DER, its TSTInfo, the authority's signature over it (ECDSA
//! P-256 or P-384, or RSA PKCS #1 v1.5 as a PSrE's authority may sign, all
//! by `ring`), and the ESS signing-certificate
//! attribute naming the authority's certificate. Whether that authority
//! is one a district's signed trust list names is the judge's
//! (`verify::signature::pades::judge`): this module proves only what the
//! token says. The issuer reads an external authority's answers with it too.
//!
//! Untrusted bytes: the token is decoded by the `cms` crate (DER only) and
//! must re-encode to the very bytes stored; the TSTInfo is walked element
//! by element with checked lengths; at most 16 certificates are looked at.

use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode, Tagged};
use x509_cert::Certificate;

use crate::pdf::sign::{OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SHA256, OID_SIGNED_DATA, OID_SIGNING_CERT_V2};
use crate::pdf::stamp::OID_TST_INFO;

/// id-aa-signingCertificate (ESS v1, SHA-1 certificate hashes).
const OID_SIGNING_CERT_V1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0c];

/// What a token that holds says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The latest time the token allows (genTime plus its accuracy, a
    /// fraction of a second rounded up), epoch seconds: the signature
    /// existed then.
    pub at: i64,
    /// genTime as the token writes it.
    pub gen_time: String,
    /// The authority's certificate (DER) that signed the token.
    pub cert: Vec<u8>,
    /// That certificate's subject public key info (DER): the authority's
    /// key, by which a trust list's authority is recognised (a district
    /// root replaced since certifies the same key anew).
    pub spki: Vec<u8>,
    /// The request's nonce the token carries, if any (INTEGER content).
    pub nonce: Option<Vec<u8>>,
}

fn bad(w: &str) -> String {
    format!("the signature's time-stamp is malformed: {w}")
}

/// Read the token `token` that stamps the signature value `signature`.
pub fn read(token: &[u8], signature: &[u8]) -> Result<Stamp, String> {
    read_imprint(token, &Sha256::digest(signature).into())
}

/// Read the token `token` whose message imprint should be `imprint` (a
/// SHA-256): a document time-stamp's is its byte range's.
pub fn read_imprint(token: &[u8], imprint: &[u8; 32]) -> Result<Stamp, String> {
    let ci = ContentInfo::from_der(token).map_err(|_| bad("not a DER ContentInfo"))?;
    if ci.to_der().ok().as_deref() != Some(token) {
        return Err(bad("not in DER's one form"));
    }
    if ci.content_type.as_bytes() != OID_SIGNED_DATA {
        return Err(bad("not SignedData"));
    }
    let sd: SignedData = ci.content.decode_as().map_err(|_| bad("SignedData"))?;
    // The parts nobody signs, as RFC 5652 and 3161 have them: version 3
    // (the content is not data), SHA-256 the one digest algorithm, no
    // revocation data inside, no unsigned attributes: otherwise one token
    // would have other byte strings that read the same.
    // SHA-256's parameters absent (RFC 5754) or NULL (as OpenSSL writes them).
    let plain = |a: &x509_cert::spki::AlgorithmIdentifierOwned| a.oid.as_bytes() == OID_SHA256 && a.parameters.as_ref().is_none_or(|p| p.tag() == x509_cert::der::Tag::Null && p.value().is_empty());
    let sha256_only = matches!(sd.digest_algorithms.as_slice(), [a] if plain(a));
    if sd.version != cms::content_info::CmsVersion::V3 || !sha256_only || sd.crls.is_some() {
        return Err(bad("not the SignedData of a time-stamp (version, digest algorithms, or revocation data inside)"));
    }
    if sd.encap_content_info.econtent_type.as_bytes() != OID_TST_INFO {
        return Err(bad("its content is not a TSTInfo"));
    }
    let econtent = sd.encap_content_info.econtent.as_ref().ok_or_else(|| bad("no TSTInfo"))?;
    let info = x509_cert::der::asn1::OctetString::from_der(&econtent.to_der().map_err(|_| bad("TSTInfo"))?).map_err(|_| bad("TSTInfo is not an OCTET STRING"))?;
    let info = info.as_bytes();
    let tst = tst_info(info)?;
    if tst.imprint_alg != OID_SHA256 || tst.imprint != imprint.as_slice() {
        return Err("the time-stamp does not stamp this signature (its message imprint is another's)".into());
    }
    let [si] = sd.signer_infos.0.as_slice() else { return Err(bad("not exactly one signer")) };
    if !plain(&si.digest_alg) {
        return Err(bad("its digest is not SHA-256"));
    }
    let version_fits = match si.sid {
        SignerIdentifier::IssuerAndSerialNumber(_) => si.version == cms::content_info::CmsVersion::V1,
        SignerIdentifier::SubjectKeyIdentifier(_) => si.version == cms::content_info::CmsVersion::V3,
    };
    if !version_fits || si.unsigned_attrs.is_some() {
        return Err(bad("its signer info (version, or unsigned attributes)"));
    }
    let attrs = si.signed_attrs.as_ref().ok_or_else(|| bad("no signed attributes"))?;
    let mut seen_type = false;
    let mut seen_digest = false;
    let mut ess: Option<(bool, Vec<u8>)> = None;
    for (i, a) in attrs.iter().enumerate() {
        if attrs.iter().take(i).any(|b| b.oid == a.oid) {
            return Err(bad("an attribute appears twice"));
        }
        let values: Vec<&x509_cert::der::Any> = a.values.iter().collect();
        let [v] = values.as_slice() else { return Err(bad("an attribute has not one value")) };
        let oid = a.oid.as_bytes();
        if oid == OID_CONTENT_TYPE {
            if v.tag() != x509_cert::der::Tag::ObjectIdentifier || v.value() != OID_TST_INFO {
                return Err(bad("content type"));
            }
            seen_type = true;
        } else if oid == OID_MESSAGE_DIGEST {
            if v.tag() != x509_cert::der::Tag::OctetString || v.value() != Sha256::digest(info).as_slice() {
                return Err("the time-stamp's TSTInfo was changed after the authority signed it".into());
            }
            seen_digest = true;
        } else if oid == OID_SIGNING_CERT_V2 || oid == OID_SIGNING_CERT_V1 {
            if ess.is_some() {
                return Err(bad("two signing-certificate attributes"));
            }
            ess = Some((oid == OID_SIGNING_CERT_V1, first_cert_hash(&v.to_der().map_err(|_| bad("signing certificate"))?, oid == OID_SIGNING_CERT_V1)?));
        }
    }
    if !seen_type || !seen_digest {
        return Err(bad("the content type or message digest attribute is missing"));
    }
    let (v1, hash) = ess.ok_or_else(|| bad("no ESS signing-certificate attribute (RFC 3161 §2.4.1)"))?;
    // The authority's certificate travels in the token (terbit's does; a
    // PSrE's does when asked, as terbit asks).
    let certs = carried(&sd);
    let names = |c: &Certificate| match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(s) => c.tbs_certificate().issuer() == &s.issuer && c.tbs_certificate().serial_number() == &s.serial_number,
        SignerIdentifier::SubjectKeyIdentifier(k) => c
            .tbs_certificate()
            .extensions()
            .and_then(|e| e.iter().find(|e| e.extn_id.to_string() == "2.5.29.14"))
            .and_then(|e| x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|s| s == *k),
    };
    let (der, cert) = certs
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok().map(|c| (d, c)))
        .find(|(_, c)| names(c))
        .ok_or_else(|| bad("the authority's certificate is not in it"))?;
    let hashed: Vec<u8> = if v1 { sha1::Digest::finalize(sha1::Digest::chain_update(sha1::Sha1::new(), der)).to_vec() } else { Sha256::digest(der).to_vec() };
    if hashed != hash {
        return Err("the time-stamp names another certificate than the authority's it carries (ESS signing certificate)".into());
    }
    let mut signed = attrs.to_der().map_err(|_| bad("signed attributes"))?;
    // Signed as a SET (RFC 5652 §5.4).
    if let Some(first) = signed.first_mut() {
        *first = 0x31;
    }
    match signature_holds(&cert, si.signature_algorithm.oid.as_bytes(), &signed, si.signature.as_bytes()) {
        Some(true) => {}
        Some(false) => return Err("the time-stamp's signature does not hold under its authority's certificate".into()),
        None => return Err(format!("the time-stamp is signed with an algorithm terbit does not check ({})", si.signature_algorithm.oid)),
    }
    let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(|_| bad("the authority's key"))?;
    Ok(Stamp { at: tst.at, gen_time: tst.gen_time, cert: der.clone(), spki, nonce: tst.nonce })
}

/// The certificates a token carries (DER), at most 16; none when it is
/// not a readable token.
pub fn certificates(token: &[u8]) -> Vec<Vec<u8>> {
    let Ok(ci) = ContentInfo::from_der(token) else { return Vec::new() };
    let Ok(sd) = ci.content.decode_as::<SignedData>() else { return Vec::new() };
    carried(&sd)
}

/// The X.509 certificates a SignedData carries (DER), at most 16.
fn carried(sd: &SignedData) -> Vec<Vec<u8>> {
    sd.certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .take(16)
        .filter_map(|c| match c {
            cms::cert::CertificateChoices::Certificate(c) => c.to_der().ok(),
            _ => None,
        })
        .collect()
}

/// The certificate hash of the first ESSCertID(v2) of a signing-certificate
/// attribute value (SHA-1 for v1, SHA-256 for v2: another algorithm is refused).
fn first_cert_hash(v: &[u8], v1: bool) -> Result<Vec<u8>, String> {
    use crate::util::der::{items, tlv};
    let err = || bad("signing certificate");
    let (t, s, e) = tlv(v, 0, v.len()).filter(|x| x.2 == v.len()).ok_or_else(err)?;
    let outer = items(v, s, e).filter(|o| t == 0x30 && !o.is_empty()).ok_or_else(err)?;
    let ids = items(v, outer[0].1, outer[0].2).filter(|i| outer[0].0 == 0x30 && !i.is_empty()).ok_or_else(err)?;
    let id = items(v, ids[0].1, ids[0].2).filter(|i| ids[0].0 == 0x30 && !i.is_empty()).ok_or_else(err)?;
    let mut at = 0;
    if !v1 && id[0].0 == 0x30 {
        // hashAlgorithm (DEFAULT sha-256): SHA-256 only.
        let alg = items(v, id[0].1, id[0].2).ok_or_else(err)?;
        if alg.first().map(|a| &v[a.1..a.2]) != Some(OID_SHA256) {
            return Err(bad("its certificate hash is not SHA-256"));
        }
        at = 1;
    }
    let h = id.get(at).filter(|h| h.0 == 0x04).ok_or_else(err)?;
    Ok(v[h.1..h.2].to_vec())
}

/// Whether `sig` signs `message` under `cert`'s key with algorithm `alg`
/// (its OID's content bytes); `None` for an algorithm not checked here.
fn signature_holds(cert: &Certificate, alg: &[u8], message: &[u8], sig: &[u8]) -> Option<bool> {
    use ring::signature as rs;
    let spki = cert.tbs_certificate().subject_public_key_info();
    let key = spki.subject_public_key.as_bytes()?;
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok()).map(|o| o.to_string());
    let alg = x509_cert::der::asn1::ObjectIdentifier::from_bytes(alg).ok()?.to_string();
    let algorithm: &dyn rs::VerificationAlgorithm = match (alg.as_str(), curve.as_deref()) {
        ("1.2.840.10045.4.3.2", Some("1.2.840.10045.3.1.7")) => &rs::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.4.3.2", Some("1.3.132.0.34")) => &rs::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", Some("1.3.132.0.34")) => &rs::ECDSA_P384_SHA384_ASN1,
        // rsaEncryption as the signature algorithm (OpenSSL writes it), with SHA-256 as the digest.
        ("1.2.840.113549.1.1.11" | "1.2.840.113549.1.1.1", _) => &rs::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.12", _) => &rs::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", _) => &rs::RSA_PKCS1_2048_8192_SHA512,
        _ => return None,
    };
    Some(rs::UnparsedPublicKey::new(algorithm, key).verify(message, sig).is_ok())
}

/// A TSTInfo's fields this module uses.
struct TstInfo {
    imprint_alg: Vec<u8>,
    imprint: Vec<u8>,
    at: i64,
    gen_time: String,
    nonce: Option<Vec<u8>>,
}

/// Read a TSTInfo (RFC 3161 §2.4.2), all of it: version 1, policy,
/// message imprint, serial, genTime, then optional accuracy, ordering,
/// nonce, tsa name and extensions, in that order and nothing after.
fn tst_info(b: &[u8]) -> Result<TstInfo, String> {
    use crate::util::der::{items, tlv};
    let err = |w: &str| bad(&format!("TSTInfo {w}"));
    let (t, s, e) = tlv(b, 0, b.len()).filter(|x| x.2 == b.len() && x.0 == 0x30).ok_or_else(|| err("is not a SEQUENCE"))?;
    let _ = t;
    let f = items(b, s, e).ok_or_else(|| err("fields"))?;
    if f.len() < 5 || b[f[0].3..f[0].2] != [0x02, 0x01, 0x01] {
        return Err(err("version"));
    }
    if f[1].0 != 0x06 {
        return Err(err("policy"));
    }
    let mi = items(b, f[2].1, f[2].2).filter(|m| f[2].0 == 0x30 && m.len() == 2 && m[0].0 == 0x30 && m[1].0 == 0x04).ok_or_else(|| err("message imprint"))?;
    let alg = items(b, mi[0].1, mi[0].2).filter(|a| !a.is_empty() && a[0].0 == 0x06).ok_or_else(|| err("message imprint"))?;
    // Parameters absent or NULL.
    if alg.len() > 2 || (alg.len() == 2 && b[alg[1].3..alg[1].2] != [0x05, 0x00]) {
        return Err(err("hash algorithm"));
    }
    if f[3].0 != 0x02 || f[4].0 != 0x18 {
        return Err(err("serial number or genTime"));
    }
    let gen_time = std::str::from_utf8(&b[f[4].1..f[4].2]).map_err(|_| err("genTime"))?.to_string();
    let mut at = generalized(&gen_time).ok_or_else(|| err("genTime"))?;
    // What may follow, in order: accuracy, ordering, nonce, [0] tsa, [1] extensions.
    let mut next = 5;
    if let Some(a) = f.get(next).filter(|a| a.0 == 0x30) {
        at = at.checked_add(accuracy(b, a.1, a.2).ok_or_else(|| err("accuracy"))?).ok_or_else(|| err("accuracy"))?;
        next += 1;
    }
    let mut nonce = None;
    for tag in [0x01, 0x02, 0xa0, 0xa1] {
        if let Some(x) = f.get(next).filter(|x| x.0 == tag) {
            if tag == 0x02 {
                nonce = Some(b[x.1..x.2].to_vec());
            }
            next += 1;
        }
    }
    if next != f.len() {
        return Err(err("has fields out of order or unknown"));
    }
    Ok(TstInfo { imprint_alg: b[alg[0].1..alg[0].2].to_vec(), imprint: b[mi[1].1..mi[1].2].to_vec(), at, gen_time, nonce })
}

/// Accuracy in whole seconds, a fraction rounded up.
fn accuracy(b: &[u8], start: usize, end: usize) -> Option<i64> {
    let parts = crate::util::der::items(b, start, end)?;
    let mut secs: i64 = 0;
    let mut fraction = false;
    for p in &parts {
        let v = &b[p.1..p.2];
        if v.is_empty() || v.len() > 4 || v[0] & 0x80 != 0 {
            return None;
        }
        let n = v.iter().fold(0i64, |n, x| n << 8 | i64::from(*x));
        match p.0 {
            0x02 => secs = n,
            0x80 | 0x81 => fraction |= n > 0,
            _ => return None,
        }
    }
    Some(secs + i64::from(fraction))
}

/// A GeneralizedTime `YYYYMMDDHHMMSS[.fff]Z` as epoch seconds, a fraction rounded up.
fn generalized(s: &str) -> Option<i64> {
    let body = s.strip_suffix('Z')?;
    let (whole, frac) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // DER: no trailing zeros in a fraction, and a fraction has digits.
    let up = match frac {
        Some(f) if f.is_empty() || f.ends_with('0') || !f.bytes().all(|c| c.is_ascii_digit()) || f.len() > 9 => return None,
        Some(_) => 1,
        None => 0,
    };
    let t = chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S").ok()?;
    Some(t.and_utc().timestamp() + up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::stamp::{tests::test_tsa, Stamper};

    #[test]
    fn a_district_token_reads_back() {
        let tsa = test_tsa();
        let s = Stamper::new(&tsa, 1_795_478_399).unwrap();
        let sig = [7u8; 71];
        let token = s.tokens(&[&sig]).remove(0);
        let stamp = read(&token, &sig).unwrap();
        assert_eq!(stamp.at, 1_795_478_399 + 3600, "genTime plus its accuracy");
        assert_eq!(stamp.gen_time, "20261123235959Z");
        assert_eq!(stamp.cert, tsa.cert);
        // Another signature's token does not stamp this one.
        assert!(read(&token, &[8u8; 71]).unwrap_err().contains("another's"));
    }

    #[test]
    fn every_changed_byte_of_a_token_is_refused() {
        let s = Stamper::new(&test_tsa(), 1_795_478_399).unwrap();
        let sig = [9u8; 70];
        let token = s.tokens(&[&sig]).remove(0);
        for i in 0..token.len() {
            for flip in [0x01u8, 0x80] {
                let mut t = token.clone();
                t[i] ^= flip;
                if let Ok(st) = read(&t, &sig) {
                    // Only a byte nobody reads for its meaning could change
                    // the bytes and not the answer: there is none.
                    panic!("byte {i} xor {flip:#04x} still reads: {st:?}");
                }
            }
        }
        for cut in [0, 1, token.len() / 2, token.len() - 1] {
            assert!(read(&token[..cut], &sig).is_err());
        }
    }

    #[test]
    fn generalized_times() {
        assert_eq!(generalized("20261123235959Z"), Some(1_795_478_399));
        assert_eq!(generalized("20261123235959.5Z"), Some(1_795_478_400));
        for bad in ["20261123235959", "20261123235959.50Z", "20261123235959.Z", "2026112323595Z", "20261323235959Z"] {
            assert_eq!(generalized(bad), None, "{bad}");
        }
    }
}
