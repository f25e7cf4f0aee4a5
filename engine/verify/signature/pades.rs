//! The PDF file's own signature (PAdES B-B, as `pdf::sign` writes it):
//! one signature, whose `/ByteRange` covers the whole file but its
//! `/Contents`; a CMS SignedData whose message digest is that range's
//! SHA-256, whose ECDSA P-256 signature over the signed attributes holds
//! under the signer's certificate. Which certificates to trust is the
//! trust list's (the district root signed them into it): see [`judge`].
//!
//! Untrusted bytes: every length is checked, nothing is trusted before its
//! signature holds, and a file that is not exactly one such signature over
//! the whole file is named for what it is (changed after signing, a second
//! revision appended, the signature removed).
//!
//! The CMS is read with the RustCrypto crates, DER only: every element's
//! header by `der` (definite, shortest lengths), the signer info (all that
//! is signed, and the signature) decoded whole by `cms`, the certificates
//! by `x509-cert`. The parts nobody signs are compared byte for byte with
//! what terbit writes; the signed attributes, re-encoded, must be the
//! bytes stored (DER's order of a SET OF included).

use crate::trust::pdfkey::PdfCert;
pub(crate) use crate::util::der::{items, tlv};
use p256::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};
use cms::content_info::CmsVersion;
use cms::signed_data::{SignerIdentifier, SignerInfo};
use x509_cert::der::{Decode, Encode, Tagged};

use crate::pdf::sign::{OID_CONTENT_TYPE, OID_DATA, OID_ECDSA_SHA256, OID_MESSAGE_DIGEST, OID_SHA256, OID_SIGNED_DATA, OID_SIGNING_CERT_V2};

/// What the file's signature is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSignature {
    /// No signature at all.
    Absent,
    /// The signature covers the whole file and holds under `cert`.
    Holds {
        /// The signer's certificate (DER).
        cert: Vec<u8>,
        /// The other certificates the signature carries, in order (DER).
        chain: Vec<Vec<u8>>,
        /// Whether the signed attributes name every one of them (as terbit
        /// signs a certification authority's chain; a district root's
        /// certificates carry their root alone and name only the signer's).
        chain_signed: bool,
        /// `/M`, the claimed signing time, as written.
        m: String,
        /// The signature's time-stamp (PAdES B-T), when it carries one
        /// that holds (whose authority the judge still weighs).
        stamp: Option<crate::pdf::token::Stamp>,
    },
    /// There is a signature, and it does not hold: why.
    Broken(String),
}

/// Find `key` followed by its value's start, once: `None` if absent, an
/// error if it appears more than once.
fn find_once(bytes: &[u8], key: &[u8]) -> Result<Option<usize>, String> {
    let mut it = memchr::memmem::find_iter(bytes, key);
    let first = it.next();
    if first.is_some() && it.next().is_some() {
        return Err(format!("{} appears more than once: a second signature or revision was added", String::from_utf8_lossy(key)));
    }
    Ok(first.map(|p| p + key.len()))
}

fn skip_space(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && b[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// Check the file's signature (not yet who signed: see [`judge`]).
pub fn check(bytes: &[u8]) -> FileSignature {
    check_and_hash(bytes).0
}

/// [`check`], and the whole file's SHA-256 (a run's manifest holds it):
/// the bytes before the signature's value are hashed once for both.
pub fn check_and_hash(bytes: &[u8]) -> (FileSignature, [u8; 32]) {
    let mut whole = None;
    let said = match check_inner(bytes, &mut whole) {
        Ok(Some(s)) => s,
        Ok(None) => FileSignature::Absent,
        Err(why) => FileSignature::Broken(why),
    };
    (said, whole.unwrap_or_else(|| Sha256::digest(bytes).into()))
}

fn check_inner(bytes: &[u8], whole: &mut Option<[u8; 32]>) -> Result<Option<FileSignature>, String> {
    let Some(range_at) = find_once(bytes, b"/ByteRange")? else {
        if memchr::memmem::find(bytes, b"/Type/Sig").is_some() || memchr::memmem::find(bytes, b"/FT/Sig").is_some() {
            return Err("a signature field without a signed byte range".into());
        }
        return Ok(None);
    };
    // /ByteRange [0 a b c]
    let at = skip_space(bytes, range_at);
    if bytes.get(at) != Some(&b'[') {
        return Err("/ByteRange is not an array".into());
    }
    let close = at + bytes[at..].iter().take(80).position(|c| *c == b']').ok_or("/ByteRange is not an array of four numbers")?;
    let nums: Vec<usize> = std::str::from_utf8(&bytes[at + 1..close])
        .map_err(|_| "/ByteRange is not numbers")?
        .split_ascii_whitespace()
        .map(|n| n.parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| "/ByteRange is not numbers")?;
    let [a, b, c, d] = nums[..] else { return Err("/ByteRange is not four numbers".into()) };
    // The signature dictionary: from the `<<` before /ByteRange; its
    // /Contents and /M are looked for there (a page has a /Contents too).
    let dict = memchr::memmem::rfind(&bytes[..range_at], b"<<").ok_or("/ByteRange is outside a dictionary")?;
    let within = |key: &[u8]| memchr::memmem::find(&bytes[dict..], key).map(|p| dict + p + key.len());
    let contents_at = within(b"/Contents").ok_or("the signature has no /Contents")?;
    let lt = skip_space(bytes, contents_at);
    if a != 0 || b != lt || bytes.get(lt) != Some(&b'<') {
        return Err("the signed byte range does not start at the file's start and end at the signature's value".into());
    }
    let gt = lt + bytes[lt..].iter().position(|x| *x == b'>').ok_or("/Contents is not a hex string")?;
    if c != gt + 1 {
        return Err("the signed byte range leaves out more than the signature's value".into());
    }
    if c.checked_add(d) != Some(bytes.len()) {
        return Err(if c.checked_add(d).is_some_and(|e| e < bytes.len()) {
            "the file was changed after signing: bytes were added after the signed range (an incremental update)".into()
        } else {
            "the signed byte range runs past the end of the file (the file was cut)".into()
        });
    }
    let hex_text = &bytes[lt + 1..gt];
    // terbit writes lower-case hex: the same signature in upper case would
    // be a second byte string for one file.
    if !hex_text.len().is_multiple_of(2) || hex_text.iter().any(u8::is_ascii_uppercase) {
        return Err("/Contents is not a hex string".into());
    }
    let cms = hex::decode(hex_text).map_err(|_| "/Contents is not a hex string")?;
    let mut h = Sha256::new();
    h.update(&bytes[..b]);
    let mut all = h.clone();
    all.update(&bytes[b..]);
    *whole = Some(all.finalize().into());
    h.update(&bytes[c..]);
    let digest: [u8; 32] = h.finalize().into();
    let m = within(b"/M(")
        .map(|p| p - 1)
        .and_then(|p| {
            let s = skip_space(bytes, p);
            (bytes.get(s) == Some(&b'(')).then(|| bytes[s + 1..].iter().take(40).position(|x| *x == b')').map(|e| String::from_utf8_lossy(&bytes[s + 1..s + 1 + e]).into_owned()))?
        })
        .ok_or("the signature has no claimed time (/M)")?;
    let (cert, chain, chain_signed, stamp) = check_cms(&cms, &digest)?;
    Ok(Some(FileSignature::Holds { cert, chain, chain_signed, m, stamp }))
}

/// The signer's certificate, the others carried, whether the signed
/// attributes name those others, and the time-stamp (see [`FileSignature::Holds`]).
type Signed = (Vec<u8>, Vec<Vec<u8>>, bool, Option<crate::pdf::token::Stamp>);

/// The CMS SignedData: its signed attributes hold `digest` and its
/// signature holds under the signer's certificate, which is returned with
/// the others it carries.
fn check_cms(b: &[u8], digest: &[u8; 32]) -> Result<Signed, String> {
    let bad = |w: &str| format!("the signature's CMS is malformed: {w}");
    let (t, s, e) = tlv(b, 0, b.len()).ok_or_else(|| bad("not DER"))?;
    // What follows the CMS in /Contents is padding: zeros only.
    if t != 0x30 || b[e..].iter().any(|x| *x != 0) {
        return Err(bad("not a ContentInfo"));
    }
    let ci = items(b, s, e).ok_or_else(|| bad("ContentInfo"))?;
    // Tags too, not only contents: a changed tag byte is a second byte string.
    if ci.len() != 2 || ci[0].0 != 0x06 || &b[ci[0].1..ci[0].2] != OID_SIGNED_DATA || ci[1].0 != 0xa0 {
        return Err(bad("not SignedData"));
    }
    let (t, s, e) = tlv(b, ci[1].1, ci[1].2).ok_or_else(|| bad("SignedData"))?;
    if t != 0x30 {
        return Err(bad("SignedData"));
    }
    let sd = items(b, s, e).ok_or_else(|| bad("SignedData"))?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates, signerInfos
    let certs = sd.iter().find(|x| x.0 == 0xa0).ok_or_else(|| bad("no certificates"))?;
    let infos = sd.last().filter(|x| x.0 == 0x31).ok_or_else(|| bad("no signer infos"))?;
    // Every part the signature does not cover is exactly what terbit
    // writes: otherwise one signed file would have other valid byte
    // strings (a changed version, algorithm parameters, an added CRL).
    let whole = |x: &(u8, usize, usize, usize)| &b[x.3..x.2];
    if sd.len() != 5 || whole(&sd[0]) != [0x02, 0x01, 0x01] || whole(&sd[1]) != DIGEST_ALGORITHMS || whole(&sd[2]) != ENCAP_DATA {
        return Err(bad("not the SignedData terbit writes (version, digest algorithms, content, or an extra part)"));
    }
    let encap = sd.get(2).ok_or_else(|| bad("no content info"))?;
    let encap_items = items(b, encap.1, encap.2).ok_or_else(|| bad("content info"))?;
    if encap_items.len() != 1 || &b[encap_items[0].1..encap_items[0].2] != OID_DATA {
        return Err(bad("the signed content is not detached data"));
    }
    let infos = items(b, infos.1, infos.2).ok_or_else(|| bad("signer infos"))?;
    if infos.len() != 1 || infos[0].0 != 0x30 {
        return Err(bad("not exactly one signer"));
    }
    // The signer info (all that is signed, and the signature) is decoded
    // by the `cms` crate, DER only and nothing after it.
    let info = SignerInfo::from_der(&b[infos[0].3..infos[0].2]).map_err(|_| bad("signer info fields"))?;
    let plain = |a: &x509_cert::spki::AlgorithmIdentifierOwned, oid: &[u8]| a.oid.as_bytes() == oid && a.parameters.is_none();
    if !plain(&info.digest_alg, OID_SHA256) || !plain(&info.signature_algorithm, OID_ECDSA_SHA256) {
        return Err(if info.digest_alg.oid.as_bytes() == OID_SHA256 && info.signature_algorithm.oid.as_bytes() == OID_ECDSA_SHA256 {
            bad("not the signer info terbit writes (version or algorithm parameters)")
        } else {
            "the signature is not ECDSA with SHA-256".into()
        });
    }
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &info.sid else {
        return Err(bad("signer info fields"));
    };
    if info.version != CmsVersion::V1 {
        return Err(bad("not the signer info terbit writes (version or algorithm parameters)"));
    }
    // Unsigned attributes: a signature time-stamp token, alone (PAdES
    // B-T), or none. Read after the signature holds.
    let token = match &info.unsigned_attrs {
        None => None,
        Some(u) => {
            let [a] = u.as_slice() else { return Err(bad("unsigned attributes other than one signature time-stamp")) };
            let values: Vec<&x509_cert::der::Any> = a.values.iter().collect();
            match values.as_slice() {
                [v] if a.oid.as_bytes() == crate::pdf::stamp::OID_SIGNATURE_TIME_STAMP => Some(v.to_der().map_err(|_| bad("time-stamp token"))?),
                _ => return Err(bad("unsigned attributes other than one signature time-stamp")),
            }
        }
    };
    // Signed attributes: content type is data, message digest is the
    // range's. The signature covers them as a SET (tag 0x31), not as the
    // [0] they are stored under (RFC 5652 §5.4): re-encoded, they must be
    // the very bytes stored (DER's order of a SET OF included).
    let attrs = info.signed_attrs.as_ref().ok_or_else(|| bad("signer info fields"))?;
    let signed_attrs = attrs.to_der().map_err(|_| bad("signed attributes"))?;
    let stored = items(b, infos[0].1, infos[0].2).and_then(|si| si.get(3).map(|a| &b[a.3..a.2])).ok_or_else(|| bad("signer info fields"))?;
    if stored.first() != Some(&0xa0) || stored[1..] != signed_attrs[1..] {
        return Err(bad("signed attributes"));
    }
    let mut seen_digest = false;
    let mut seen_type = false;
    let mut named: Option<Vec<Vec<u8>>> = None;
    for (i, a) in attrs.iter().enumerate() {
        let values: Vec<&x509_cert::der::Any> = a.values.iter().collect();
        let oid = a.oid.as_bytes();
        // Each attribute once: a second copy, even the same, is a second
        // byte string for one signature.
        if attrs.iter().take(i).any(|b| b.oid == a.oid) {
            return Err(bad("an attribute appears twice in the signed attributes"));
        }
        if oid == OID_MESSAGE_DIGEST {
            if !matches!(values.as_slice(), [v] if v.tag() == x509_cert::der::Tag::OctetString && v.value() == digest) {
                return Err("the file was changed after signing: its digest is not the signed one".into());
            }
            seen_digest = true;
        } else if oid == OID_CONTENT_TYPE {
            if !matches!(values.as_slice(), [v] if v.tag() == x509_cert::der::Tag::ObjectIdentifier && v.value() == OID_DATA) {
                return Err(bad("content type"));
            }
            seen_type = true;
        } else if oid == OID_SIGNING_CERT_V2 {
            let [v] = values.as_slice() else { return Err(bad("signing-certificate-v2")) };
            let v = v.to_der().map_err(|_| bad("signing-certificate-v2"))?;
            named = Some(ess_ids(&v).ok_or_else(|| bad("signing-certificate-v2"))?);
        }
    }
    if !seen_digest || !seen_type {
        return Err(bad("the content type or message digest attribute is missing"));
    }
    // The signer's certificate: the one whose issuer and serial the sid
    // names, first in the set as terbit writes it (another order would be
    // a second byte string).
    let each = items(b, certs.1, certs.2).ok_or_else(|| bad("certificates"))?;
    let der = each.first().map(|c| &b[c.3..c.2]).ok_or_else(|| bad("the signer's certificate is not in it"))?;
    let names_signer = |c: &x509_cert::Certificate| c.tbs_certificate().issuer() == &sid.issuer && c.tbs_certificate().serial_number() == &sid.serial_number;
    let signer = signer_cert(der).filter(|c| names_signer(&c.cert)).ok_or_else(|| {
        // Elsewhere in the set is another byte string of a file terbit signed.
        let later = each.iter().skip(1).any(|c| x509_cert::Certificate::from_der(&b[c.3..c.2]).is_ok_and(|c| names_signer(&c)));
        bad(if later { "the signer's certificate is not first among its certificates, as terbit writes them" } else { "the signer's certificate is not in it" })
    })?;
    let carried: Vec<&[u8]> = each.iter().skip(1).map(|c| &b[c.3..c.2]).collect();
    // signing-certificate-v2 names the signer's certificate (by SHA-256),
    // and, for a certification authority's chain, every certificate of it
    // in the order carried: then the chain is covered by the signature.
    // Each ESSCertIDv2 exactly as terbit writes it (issuer and serial
    // included): any other form would be a second byte string.
    let named = named.ok_or_else(|| bad("no signing-certificate-v2 attribute"))?;
    let signer_id = signer.ess_id.as_ref().map_err(|_| bad("the signer's certificate"))?;
    if named.first() != Some(signer_id) {
        return Err("the signature names another certificate than the signer's it carries (signing-certificate-v2)".into());
    }
    let chain_signed = named.len() > 1;
    if chain_signed && (named.len() - 1 != carried.len() || named[1..].iter().zip(&carried).any(|(id, c)| *id != crate::pdf::sign::chain_ess_id(c))) {
        return Err("the certificates the signature carries are not the ones it signs (signing-certificate-v2): one was changed, added, removed or moved".into());
    }
    // Every carried certificate is checked against its issuer, in order
    // up to a root that travels too, so that no byte of the file can
    // change while it still reads as genuine.
    let set = &b[certs.1..certs.2];
    if !carried.is_empty() && !chain_checked(set) {
        let mut chain = Vec::new();
        for c in &carried {
            chain.push(x509_cert::Certificate::from_der(c).map_err(|_| bad("a certificate in it is not DER"))?);
        }
        match crate::trust::pdfkey::chain_order(&signer.cert, &chain) {
            Ok(path) if path.iter().copied().eq(0..chain.len()) => {}
            Ok(_) => return Err("the certificates the signature carries are not in order from the signer's up to the root, as terbit writes them".into()),
            Err(why) => return Err(format!("{why} (a certificate in it was changed, added or taken out)")),
        }
        remember_chain(set);
    }
    let key = signer.key.as_ref().map_err(|why| why.clone())?;
    let sig = p256::ecdsa::Signature::from_der(info.signature.as_bytes()).map_err(|_| bad("signature value"))?;
    // terbit signs low-s: the same signature with n − s would be a second
    // valid byte string for the file.
    if bool::from(p256::elliptic_curve::scalar::IsHigh::is_high(&*sig.s())) {
        return Err("the signature is not in the low-s form terbit writes (the file was re-signed or altered)".into());
    }
    if !crate::verify::signature::ecdsa::verify(key, &signed_attrs, &sig) {
        return Err("the signature does not verify under the signer's certificate".into());
    }
    let stamp = match token {
        Some(t) => Some(crate::pdf::token::read(&t, info.signature.as_bytes())?),
        None => None,
    };
    let chain = carried.iter().map(|c| c.to_vec()).collect();
    Ok((der.to_vec(), chain, chain_signed, stamp))
}

/// Whether `cms` holds over `digest`, stamp included (for the signer's tests).
#[cfg(test)]
pub(crate) fn tests_cms_holds(cms: &[u8], digest: &[u8; 32]) -> bool {
    matches!(check_cms(cms, digest), Ok((_, _, _, Some(_))))
}

/// A signer's certificate as read: decoded, its ESSCertIDv2 as terbit
/// writes it, and its key (or why it is not a P-256 key).
struct SignerCert {
    der: Vec<u8>,
    cert: x509_cert::Certificate,
    ess_id: x509_cert::der::Result<Vec<u8>>,
    key: Result<p256::ecdsa::VerifyingKey, String>,
}

/// The signer's certificate `der` read, `None` when it is not DER. A
/// run's files carry one or a few signers' certificates: a worker keeps
/// the last ones read and reuses one only for the very same bytes (so the
/// answer is the one reading them again would give), at most 4.
fn signer_cert(der: &[u8]) -> Option<std::rc::Rc<SignerCert>> {
    thread_local! {
        static READ: std::cell::RefCell<Vec<std::rc::Rc<SignerCert>>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if let Some(known) = READ.with(|r| r.borrow().iter().find(|c| c.der == der).cloned()) {
        return Some(known);
    }
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let ess_id = crate::pdf::sign::signer_ess_id(der, &cert);
    let key = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| "the signature's CMS is malformed: certificate key".to_string())
        .and_then(|spki| p256::ecdsa::VerifyingKey::from_public_key_der(&spki).map_err(|_| "the signer's key is not ECDSA P-256".to_string()));
    let read = std::rc::Rc::new(SignerCert { der: der.to_vec(), cert, ess_id, key });
    READ.with(|r| crate::util::keep_recent(&mut r.borrow_mut(), read.clone(), 4));
    Some(read)
}

/// The ESSCertIDv2 elements (whole, DER) a signing-certificate-v2
/// attribute's value `v` names, in order: `SEQUENCE { SEQUENCE OF
/// ESSCertIDv2 }`, no policies. `None` when it is not that.
fn ess_ids(v: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (t, s, e) = tlv(v, 0, v.len()).filter(|x| x.2 == v.len())?;
    let outer = items(v, s, e).filter(|o| t == 0x30 && !o.is_empty())?;
    // certs, and no policies (terbit writes none).
    let [ids] = outer.as_slice() else { return None };
    let ids = items(v, ids.1, ids.2).filter(|_| ids.0 == 0x30)?;
    ids.iter().map(|id| (id.0 == 0x30).then(|| v[id.3..id.2].to_vec())).collect()
}

/// `SET { SEQUENCE { id-sha256 } }`: the digest algorithms terbit writes
/// (the signer info's is the same SEQUENCE, without the SET's two bytes).
const DIGEST_ALGORITHMS: [u8; 15] = [0x31, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// `SEQUENCE { id-data }`: detached content.
const ENCAP_DATA: [u8; 13] = [0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

thread_local! {
    /// Certificate sets whose chain was checked, as bytes: a run's
    /// documents carry the same few, checked once per worker.
    static CHECKED: std::cell::RefCell<Vec<Vec<u8>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn chain_checked(set: &[u8]) -> bool {
    CHECKED.with(|c| c.borrow().iter().any(|known| known == set))
}

fn remember_chain(set: &[u8]) {
    // A handful of chains a run: a small list.
    CHECKED.with(|c| crate::util::keep_recent(&mut c.borrow_mut(), set.to_vec(), 16));
}

/// What a verifier holds beside the PDF certificates to weigh a
/// signature's time: the time-stamp authorities the trust lists name, and
/// the time the document's key is revoked from (if it is).
#[derive(Debug, Clone, Copy, Default)]
pub struct Times<'a> {
    /// The authorities.
    pub tsa: &'a [crate::trust::tsa::TsaCert],
    /// The key's revocation time, epoch seconds.
    pub revoked_from: Option<i64>,
}

/// The file signature against the trust list: `None` when all is well,
/// else what is wrong, for a document of `issuer` issued at `at`. Every
/// PDF terbit writes is signed, so a file without a signature is never
/// genuine, whatever its page shows. A time-stamp is proof that the
/// signature existed at its time: the signing certificate must be valid
/// then, and a revoked key's signature is genuine only with a stamp
/// before its revocation (the claimed time, `/M`, is the signer's word).
pub fn judge(sig: &FileSignature, certs: &[PdfCert], times: Times<'_>, issuer: &str, at: i64) -> Option<String> {
    match sig {
        FileSignature::Absent => Some(NOT_SIGNED.into()),
        FileSignature::Broken(why) => Some(format!("the PDF file's signature: {why}")),
        FileSignature::Holds { cert, chain, chain_signed, stamp, .. } => {
            let Some(c) = certs.iter().find(|c| &c.der == cert) else {
                return Some("the PDF file is signed by a certificate the trust list does not hold for any district".into());
            };
            match &c.root {
                // terbit's own PDF key: its district root alone travels beside it.
                Some(root) if issued_by_root(cert, root) && (chain.as_slice() != std::slice::from_ref(root) || *chain_signed) => {
                    return Some("the certificates the PDF file's signature carries are not its district root's alone, as terbit writes them: the file was altered".into());
                }
                Some(root) if issued_by_root(cert, root) => {}
                // A certification authority's chain is named in what is
                // signed; a district root's (one before a rotation: the
                // list holds the certificate it issued) travels alone.
                _ if !chain.is_empty() && !chain_signed && !district_root_alone(cert, chain) => {
                    return Some("the certificates the PDF file's signature carries beside the signer's are not named in what it signs, as terbit signs a certification authority's chain: the file was altered".into());
                }
                _ => {}
            }
            if c.district != issuer {
                return Some(format!("the PDF file is signed by district {}'s certificate, but the document is issuer {issuer}'s", c.district));
            }
            if at < c.not_before || at >= c.not_after {
                return Some("the PDF file's signing certificate was not valid when the document was issued".into());
            }
            let proven = match stamp {
                None => None,
                Some(s) => {
                    let t = match authority(times.tsa, s, issuer) {
                        Ok(t) => t,
                        Err(AuthorityProblem::Unlisted) => return Some("the PDF file's signature carries a time-stamp from an authority no district's trust list names: the file was altered, or the trust data is older than the district's time-stamps (get its current list)".into()),
                        Err(AuthorityProblem::OtherDistrict(d)) => return Some(format!("the PDF file's signature is time-stamped by district {d}'s authority, but the document is issuer {issuer}'s")),
                        Err(AuthorityProblem::Planted) => return Some("the PDF file's time-stamp authority's certificate names the district root as its issuer, but the root did not sign it: the trust list was made from a planted certificate".into()),
                        Err(AuthorityProblem::NotTimeStamping) => return Some("the PDF file's time-stamp is signed by a certificate that is not a time-stamp authority's (extended key usage timeStamping, critical)".into()),
                        Err(AuthorityProblem::Outside) => return Some(format!("the PDF file's time-stamp ({}) falls outside its authority's certificate", crate::dk1::keys::rfc3339(s.at))),
                    };
                    // The claimed time is the issue date's first second,
                    // UTC; a night runs on that date where the office is
                    // (up to 14 hours ahead of UTC): a day's leeway.
                    if s.at < at - 86_400 {
                        return Some(format!("the PDF file's time-stamp ({}) is earlier than the signature's claimed time: a stamp is never made before what it stamps", crate::dk1::keys::rfc3339(s.at)));
                    }
                    if s.at >= c.not_after {
                        return Some(format!(
                            "the PDF file's signature was time-stamped {}, after its signing certificate ended ({})",
                            crate::dk1::keys::rfc3339(s.at),
                            crate::dk1::keys::rfc3339(c.not_after)
                        ));
                    }
                    Some((s.at, t.by_district_root))
                }
            };
            match (times.revoked_from, proven) {
                // The district's own authority keeps its key on the issuing
                // host, beside the signing key: whoever took the one took
                // the other, so against a revocation its stamps prove
                // nothing. Only an independent authority's do (or, for a
                // sealed run, an independent stamp on its seal: verify RUN).
                (Some(r), Some((_, true))) => Some(format!(
                    "the document's key is revoked from {}, and nothing independent proves this PDF file was signed before then: its only time-stamp is the district's own authority's, whose key was kept with the signing key",
                    crate::dk1::keys::rfc3339(r)
                )),
                (Some(r), Some((t, _))) if t >= r => Some(format!(
                    "the PDF file's signature was time-stamped {}, when its key was already revoked (from {}): it was signed with a revoked key",
                    crate::dk1::keys::rfc3339(t),
                    crate::dk1::keys::rfc3339(r)
                )),
                (Some(r), None) => Some(format!(
                    "the document's key is revoked from {}, and nothing proves this PDF file was signed before then: its signature carries no time-stamp (its claimed time is the signer's own word)",
                    crate::dk1::keys::rfc3339(r)
                )),
                _ => None,
            }
        }
    }
}

/// Why the trust lists' authorities do not vouch for a time-stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorityProblem {
    /// No list names its key.
    Unlisted,
    /// Another district's list names it (that district).
    OtherDistrict(String),
    /// Its certificate names the district root as issuer, which did not sign it.
    Planted,
    /// Its certificate is not a time-stamp authority's (critical EKU timeStamping).
    NotTimeStamping,
    /// The stamp's time falls outside its certificate.
    Outside,
}

/// The authority, named in `issuer`'s list, that vouches for the stamp
/// `s`: the key that signed it, certified for time-stamping by the
/// district's root, valid at the stamp's time.
pub fn authority<'a>(tsa: &'a [crate::trust::tsa::TsaCert], s: &crate::pdf::token::Stamp, issuer: &str) -> Result<&'a crate::trust::tsa::TsaCert, AuthorityProblem> {
    let t = crate::trust::tsa::authority_of(tsa, &s.spki, issuer, s.at).ok_or(AuthorityProblem::Unlisted)?;
    if t.district != issuer {
        return Err(AuthorityProblem::OtherDistrict(t.district.clone()));
    }
    if t.forged_issuer {
        return Err(AuthorityProblem::Planted);
    }
    if !t.for_time_stamping {
        return Err(AuthorityProblem::NotTimeStamping);
    }
    if s.at < t.not_before || s.at >= t.not_after {
        return Err(AuthorityProblem::Outside);
    }
    Ok(t)
}

/// Whether `chain` is a district root alone that issued `cert`, as a PDF
/// key certified before a root rotation carries it. Remembered per worker.
fn district_root_alone(cert: &[u8], chain: &[Vec<u8>]) -> bool {
    thread_local! {
        static SEEN: Seen = const { std::cell::RefCell::new(Vec::new()) };
    }
    let parts: Vec<&[u8]> = std::iter::once(cert).chain(chain.iter().map(Vec::as_slice)).collect();
    remembered(&SEEN, &parts, || crate::trust::pdfkey::is_district_root_chain(cert, chain))
}

/// Whether `root`'s key signed `cert` (both DER): then the file carries
/// exactly that root beside it. Remembered per worker: a run's documents
/// share one certificate and one root.
fn issued_by_root(cert: &[u8], root: &[u8]) -> bool {
    thread_local! {
        static SEEN: Seen = const { std::cell::RefCell::new(Vec::new()) };
    }
    remembered(&SEEN, &[cert, root], || match (x509_cert::Certificate::from_der(cert), x509_cert::Certificate::from_der(root)) {
        (Ok(c), Ok(r)) => c.tbs_certificate().issuer() == r.tbs_certificate().subject() && crate::trust::pdfkey::issued_by(&c, &r) == Some(true),
        _ => false,
    })
}

/// A worker's answers about certificates, with what was asked (the parts,
/// as bytes).
type Seen = std::cell::RefCell<Vec<(Vec<Vec<u8>>, bool)>>;

/// `answer()` for `parts`, remembered in `seen`: a run's documents share a
/// handful of certificates, and each answer costs signature checks. An
/// answer is reused only for the very same parts, byte for byte. At most
/// 16 kept (the oldest goes first), so a hostile folder with a new
/// certificate per file costs what it would without the memory.
fn remembered(seen: &'static std::thread::LocalKey<Seen>, parts: &[&[u8]], answer: impl FnOnce() -> bool) -> bool {
    let same = |asked: &Vec<Vec<u8>>| asked.len() == parts.len() && asked.iter().zip(parts).all(|(a, p)| a == p);
    if let Some(known) = seen.with(|s| s.borrow().iter().find(|(asked, _)| same(asked)).map(|(_, v)| *v)) {
        return known;
    }
    let answer = answer();
    seen.with(|s| crate::util::keep_recent(&mut s.borrow_mut(), (parts.iter().map(|p| p.to_vec()).collect(), answer), 16));
    answer
}

/// Why an unsigned PDF is not genuine.
pub const NOT_SIGNED: &str = "the PDF file is not signed: terbit signs every PDF it writes, so this file was altered or is not terbit's";

#[cfg(test)]
mod tests {
    use super::*;

    /// A signed document, and where its CMS's hex digits are.
    fn signed() -> (Vec<u8>, usize, usize) {
        let pdf = crate::verify::tests_support::pdf_and_qr("birth", "3506-LU-23112026-0001", &[]).0;
        let lt = memchr::memmem::rfind(&pdf, b"/Contents<").unwrap() + b"/Contents<".len();
        let gt = lt + pdf[lt..].iter().position(|c| *c == b'>').unwrap();
        (pdf, lt, gt)
    }

    fn with_cms(pdf: &[u8], lt: usize, gt: usize, cms: &[u8]) -> Vec<u8> {
        let mut hex = hex::encode(cms).into_bytes();
        hex.resize(gt - lt, b'0');
        [&pdf[..lt], &hex[..], &pdf[gt..]].concat()
    }

    /// The SignedData's elements (version … signer infos) of a CMS.
    fn signed_data(cms: &[u8]) -> Vec<(u8, usize, usize, usize)> {
        let (_, s, e) = tlv(cms, 0, cms.len()).unwrap();
        let ci = items(cms, s, e).unwrap();
        let (_, s, e) = tlv(cms, ci[1].1, ci[1].2).unwrap();
        items(cms, s, e).unwrap()
    }

    fn broken(pdf: &[u8]) -> String {
        match check(pdf) {
            FileSignature::Broken(why) => why,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn terbits_signature_holds() {
        let (pdf, _, _) = signed();
        let (said, whole) = check_and_hash(&pdf);
        assert!(matches!(said, FileSignature::Holds { .. }));
        assert_eq!(whole, <[u8; 32]>::from(Sha256::digest(&pdf)));
        // Whatever the file, the digest is the whole file's.
        for cut in [0, 10, pdf.len() / 2, pdf.len() - 1] {
            assert_eq!(check_and_hash(&pdf[..cut]).1, <[u8; 32]>::from(Sha256::digest(&pdf[..cut])));
        }
    }

    #[test]
    fn a_length_not_in_its_shortest_form_is_refused() {
        let (pdf, lt, gt) = signed();
        let cms = hex::decode(&pdf[lt..gt]).unwrap();
        // The ContentInfo's two-byte length written with three bytes: the
        // same numbers, a second byte string (the zero padding absorbs it).
        assert_eq!(&cms[..2], &[0x30, 0x82]);
        let longer = [&[0x30, 0x83, 0x00][..], &cms[2..]].concat();
        assert!(broken(&with_cms(&pdf, lt, gt, &longer)).contains("not DER"));
    }

    #[test]
    fn signed_attributes_out_of_ders_order_are_refused_before_the_signature() {
        let (pdf, lt, gt) = signed();
        let cms = hex::decode(&pdf[lt..gt]).unwrap();
        let infos = *signed_data(&cms).last().unwrap();
        let info = items(&cms, infos.1, infos.2).unwrap()[0];
        let attrs = items(&cms, info.1, info.2).unwrap()[3];
        let each = items(&cms, attrs.1, attrs.2).unwrap();
        assert_eq!(each.len(), 3);
        // The first two swapped: the same attributes, in another order.
        let swapped = [&cms[each[1].3..each[1].2], &cms[each[0].3..each[0].2], &cms[each[2].3..each[2].2]].concat();
        let mut changed = cms.clone();
        changed[attrs.1..attrs.2].copy_from_slice(&swapped);
        assert_eq!(broken(&with_cms(&pdf, lt, gt, &changed)), "the signature's CMS is malformed: signed attributes");
    }

    #[test]
    fn the_signer_first_and_remembered_only_for_the_same_bytes() {
        let (pdf, lt, gt) = signed();
        let cms = hex::decode(&pdf[lt..gt]).unwrap();
        let certs = *signed_data(&cms).iter().find(|x| x.0 == 0xa0).unwrap();
        let each = items(&cms, certs.1, certs.2).unwrap();
        assert_eq!(each.len(), 2, "the PDF key's certificate and its district root");
        // Genuine first: its certificate is then remembered by this thread.
        assert!(matches!(check(&pdf), FileSignature::Holds { .. }));
        // The two swapped: named for what it is.
        let swapped = [&cms[each[1].3..each[1].2], &cms[each[0].3..each[0].2]].concat();
        let mut changed = cms.clone();
        changed[certs.1..certs.2].copy_from_slice(&swapped);
        assert_eq!(
            broken(&with_cms(&pdf, lt, gt, &changed)),
            "the signature's CMS is malformed: the signer's certificate is not first among its certificates, as terbit writes them"
        );
        // One byte of the remembered certificate changed (in its signature
        // value, the last byte): decoded afresh, and refused.
        let mut changed = cms.clone();
        changed[each[0].2 - 1] ^= 1;
        assert!(!matches!(check(&with_cms(&pdf, lt, gt, &changed)), FileSignature::Holds { .. }));
        assert!(matches!(check(&pdf), FileSignature::Holds { .. }), "the genuine file again");
    }
}
