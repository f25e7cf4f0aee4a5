//! A district's root of trust (README.md here, §8): one ECDSA P-256 key
//! with a self-signed X.509 certificate, kept offline. It signs the
//! district's trust list; verifiers pin it by the SHA-256 fingerprint of
//! its certificate, which the district publishes.
//!
//! Signatures are deterministic (RFC 6979), so the same list signed twice
//! gives the same bytes.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use coset::{iana, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::der::{Decode, Encode};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The largest certificate read (a root certificate is under 1 KiB).
const MAX_CERT: usize = 16 << 10;
/// ecdsa-with-SHA256 (RFC 5758).
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";

/// SHA-256 of a certificate's DER bytes: what verifiers pin.
pub type Fingerprint = [u8; 32];

/// The SHA-256 fingerprint of certificate bytes.
pub fn fingerprint(cert_der: &[u8]) -> Fingerprint {
    Sha256::digest(cert_der).into()
}

/// Parse a pinned fingerprint as a district publishes it: 64 hex digits,
/// optionally grouped by `:` or spaces and prefixed `sha256:`.
pub fn parse_fingerprint(text: &str) -> Option<Fingerprint> {
    let t = text.trim();
    let t = t.strip_prefix("sha256:").or_else(|| t.strip_prefix("SHA256:")).unwrap_or(t);
    let digits: String = t.chars().filter(|c| *c != ':' && *c != ' ').collect();
    let bytes = hex::decode(digits).ok()?;
    bytes.try_into().ok()
}

/// A pinned root: its certificate's fingerprint, and the district it is
/// pinned for when the verifier said so (`--pin 3506=<fingerprint>`).
/// Either way the root vouches only for the district its certificate
/// names; a pin that names a district holds it to that one too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// The district the verifier pinned it for, if said.
    pub district: Option<String>,
    /// SHA-256 of the root certificate.
    pub fingerprint: Fingerprint,
}

impl Pin {
    /// A pin with no district of its own.
    pub fn any(fingerprint: Fingerprint) -> Pin {
        Pin { district: None, fingerprint }
    }

    /// Whether this pin admits `district`'s root `fingerprint`.
    pub fn admits(&self, district: &str, fingerprint: &Fingerprint) -> bool {
        self.fingerprint == *fingerprint && self.district.as_deref().is_none_or(|d| d == district)
    }
}

/// Parse `--pin`: a fingerprint (see [`parse_fingerprint`]), or
/// `DISTRICT=fingerprint` with a four-digit regency code.
pub fn parse_pin(text: &str) -> Option<Pin> {
    match text.split_once('=') {
        Some((d, fp)) => {
            let d = d.trim();
            (d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit())).then_some(())?;
            Some(Pin { district: Some(d.to_string()), fingerprint: parse_fingerprint(fp)? })
        }
        None => Some(Pin::any(parse_fingerprint(text)?)),
    }
}

/// A fingerprint as the README tells districts to publish it (hex, in
/// groups of four for reading aloud).
pub fn show_fingerprint(fp: &Fingerprint) -> String {
    let h = hex::encode(fp);
    h.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// Why a root certificate or a root-signed envelope does not check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    /// Not a DER X.509 certificate.
    #[error("not an X.509 certificate: {0}")]
    Certificate(String),
    /// Not an ECDSA P-256 key, or not signed with ECDSA-SHA256.
    #[error("not an ECDSA P-256 / SHA-256 certificate")]
    Algorithm,
    /// The certificate's own signature does not check.
    #[error("the certificate's self-signature does not verify")]
    SelfSignature,
    /// Not a tagged COSE_Sign1 with ES256.
    #[error("not a tagged COSE_Sign1 signed with ES256: {0}")]
    Envelope(String),
    /// The signature does not verify under the root key.
    #[error("the signature does not verify under the root key")]
    Signature,
}

/// A root certificate that has been parsed and whose self-signature holds.
#[derive(Debug, Clone)]
pub struct RootCert {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-256 of `der`.
    pub fingerprint: Fingerprint,
    /// The root's public key.
    pub key: VerifyingKey,
    /// The subject, as text (for people).
    pub subject: String,
    /// The district it is the root of: its subject's common name is
    /// `terbit district root <district>` (as [`generate`] makes it). A
    /// certificate naming no district is the root of none, and vouches
    /// for no list.
    pub district: Option<String>,
}

/// The district a root certificate's subject names (`CN=terbit district
/// root 3506`), if it names exactly one: the common name is the only one,
/// and the code is four digits.
fn district_of(subject: &x509_cert::name::Name) -> Option<String> {
    const CN: &str = "2.5.4.3";
    let mut names = subject.iter().filter(|a| a.oid.to_string() == CN);
    let cn = names.next()?;
    if names.next().is_some() {
        return None;
    }
    let text = x509_cert::der::asn1::Utf8StringRef::try_from(&cn.value)
        .map(|s| s.as_str().to_string())
        .or_else(|_| x509_cert::der::asn1::PrintableStringRef::try_from(&cn.value).map(|s| s.as_str().to_string()))
        .ok()?;
    let code = text.strip_prefix("terbit district root ")?;
    (code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_string())
}

impl RootCert {
    /// Parse untrusted certificate bytes: DER, no trailing bytes, P-256 key,
    /// ECDSA-SHA256 self-signature that verifies.
    pub fn parse(der: &[u8]) -> std::result::Result<RootCert, RootError> {
        if der.len() > MAX_CERT {
            return Err(RootError::Certificate("larger than 16 KiB".into()));
        }
        let cert = Certificate::from_der(der).map_err(|e| RootError::Certificate(e.to_string()))?;
        if cert.signature_algorithm().oid.to_string() != ECDSA_SHA256 || cert.tbs_certificate().signature().oid.to_string() != ECDSA_SHA256 {
            return Err(RootError::Algorithm);
        }
        let spki = cert.tbs_certificate().subject_public_key_info().to_der().map_err(|e| RootError::Certificate(e.to_string()))?;
        let key = VerifyingKey::from_public_key_der(&spki).map_err(|_| RootError::Algorithm)?;
        let tbs = cert.tbs_certificate().to_der().map_err(|e| RootError::Certificate(e.to_string()))?;
        let sig_bytes = cert.signature().as_bytes().ok_or(RootError::SelfSignature)?;
        let sig = Signature::from_der(sig_bytes).map_err(|_| RootError::SelfSignature)?;
        key.verify(&tbs, &sig).map_err(|_| RootError::SelfSignature)?;
        let district = district_of(cert.tbs_certificate().subject());
        Ok(RootCert { der: der.to_vec(), fingerprint: fingerprint(der), key, subject: cert.tbs_certificate().subject().to_string(), district })
    }

    /// Open a tagged COSE_Sign1 (ES256, no critical headers, no trailing
    /// bytes) signed by this root, returning its payload.
    pub fn open(&self, cose: &[u8]) -> std::result::Result<Vec<u8>, RootError> {
        let sign1 = CoseSign1::from_tagged_slice(cose).map_err(|e| RootError::Envelope(e.to_string()))?;
        let h = &sign1.protected.header;
        if h.alg != Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::ES256)) {
            return Err(RootError::Envelope("algorithm is not ES256 (-7)".into()));
        }
        if !h.crit.is_empty() {
            return Err(RootError::Envelope("critical headers are not understood".into()));
        }
        let payload = sign1.payload.clone().ok_or_else(|| RootError::Envelope("no payload".into()))?;
        sign1.verify_signature(b"", |sig, tbs| {
            let sig = Signature::from_slice(sig).map_err(|_| RootError::Signature)?;
            self.key.verify(tbs, &sig).map_err(|_| RootError::Signature)
        })?;
        Ok(payload)
    }
}

/// A district's root, private half loaded (only `trust sign` and `root
/// init` hold one).
pub struct RootKey {
    key: SigningKey,
    /// Its certificate.
    pub cert: RootCert,
}

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "RootKey {{ fingerprint: {} }}", hex::encode(self.cert.fingerprint))
    }
}

/// The longest a root is made valid for: a root outlives every key it
/// certifies, and X.509 times end in 9999.
pub const MAX_YEARS: u32 = 100;

/// What `terbit root init` made.
#[derive(Debug)]
pub struct NewRoot {
    /// The private key, PKCS#8 PEM (secret).
    pub key_pem: Zeroizing<String>,
    /// The self-signed certificate, PEM.
    pub cert_pem: String,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
}

fn time(epoch: i64) -> Result<Time> {
    let secs = u64::try_from(epoch).map_err(|_| Error::Usage("a root's validity cannot start before 1970".into()))?;
    let t = x509_cert::der::asn1::GeneralizedTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|e| Error::Usage(format!("root validity: {e}")))?;
    Ok(Time::GeneralTime(t))
}

/// Make a district root from a secret scalar (drawn from the OS by the
/// CLI; given here so that this stays deterministic and testable), valid
/// from `not_before` for `years`.
pub fn generate(district: &str, district_name: &str, secret: &[u8; 32], not_before: i64, years: u32) -> Result<NewRoot> {
    if !(1..=MAX_YEARS).contains(&years) {
        return Err(Error::Usage(format!("a root is valid for 1 to {MAX_YEARS} years (asked: {years})")));
    }
    if !(district.len() == 4 && district.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Error::Usage(format!("a district is a four-digit regency code (asked: {})", crate::error::clip(district, 20))));
    }
    let key = SigningKey::from_slice(secret).map_err(|_| Error::Usage("the random secret is not a P-256 scalar; run again".into()))?;
    // Names keep to letters, digits, spaces and dots: nothing an RFC 4514
    // string would need to escape.
    let clean: String = district_name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '.').collect();
    let subject = Name::from_str(&format!("CN=terbit district root {district},O={},C=ID", clean.trim()))
        .map_err(|e| Error::Usage(format!("root subject: {e}")))?;
    let validity = Validity::new(time(not_before)?, time(not_before + i64::from(years) * 31_557_600)?);
    let spki = SubjectPublicKeyInfoOwned::from_key(key.verifying_key()).map_err(|e| Error::Usage(format!("root key: {e}")))?;
    // The serial number: the first bytes of the key's own digest, positive.
    let mut serial = Sha256::digest(key.verifying_key().to_sec1_point(false).as_bytes())[..16].to_vec();
    serial[0] &= 0x7f;
    let serial = SerialNumber::new(&serial).map_err(|e| Error::Usage(format!("root serial: {e}")))?;
    let builder = CertificateBuilder::new(crate::trust::pdfkey::CertProfile::Root { subject }, serial, validity, spki)
        .map_err(|e| Error::Usage(format!("root certificate: {e}")))?;
    let cert = builder.build::<_, DerSignature>(&key).map_err(|e| Error::Usage(format!("root certificate: {e}")))?;
    let der = cert.to_der().map_err(|e| Error::Usage(format!("root certificate: {e}")))?;
    let cert_pem = pem_encode("CERTIFICATE", &der);
    let key_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| Error::Usage(format!("root key: {e}")))?;
    Ok(NewRoot { key_pem, cert_pem, fingerprint: fingerprint(&der) })
}

impl RootKey {
    /// Load a root: its PKCS#8 PEM private key (refused when other users
    /// can read it) and its certificate (PEM or DER), which must be the
    /// key's own.
    pub fn load(key_path: &Path, cert_path: &Path) -> Result<RootKey> {
        crate::dk1::keys::refuse_readable_by_others(key_path)?;
        let bytes = Zeroizing::new(crate::util::fs::read_limited(key_path, 64 << 10)?);
        let pem = std::str::from_utf8(&bytes).map_err(|_| Error::config(key_path, "not a PKCS#8 PEM P-256 private key"))?;
        let key = SigningKey::from_pkcs8_pem(pem).map_err(|_| Error::config(key_path, "not a PKCS#8 PEM P-256 private key"))?;
        let cert = read_cert(cert_path)?;
        if cert.key != *key.verifying_key() {
            return Err(Error::config(cert_path, "this certificate is not the root key's own"));
        }
        Ok(RootKey { key, cert })
    }

    /// A root from its PKCS#8 PEM key and its certificate's DER (what
    /// [`generate`] made), for benchmarks and tests; real roots come from files.
    pub fn from_pem(key_pem: &str, cert_der: &[u8]) -> std::result::Result<RootKey, RootError> {
        let key = SigningKey::from_pkcs8_pem(key_pem).map_err(|_| RootError::Algorithm)?;
        let cert = RootCert::parse(cert_der)?;
        if cert.key != *key.verifying_key() {
            return Err(RootError::SelfSignature);
        }
        Ok(RootKey { key, cert })
    }

    /// A root from its secret and certificate (tests only: real roots are
    /// loaded from files).
    #[cfg(test)]
    pub(crate) fn from_parts_for_tests(secret: &[u8; 32], cert: RootCert) -> RootKey {
        RootKey { key: SigningKey::from_slice(secret).expect("test secret"), cert }
    }

    /// The private key, to certify the office's PDF-signing key with.
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Sign `payload` as a tagged COSE_Sign1, ES256, kid = the first 8 bytes
    /// of the certificate's fingerprint.
    pub fn sign(&self, payload: Vec<u8>) -> Vec<u8> {
        let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(self.cert.fingerprint[..8].to_vec()).build();
        let sign1 = CoseSign1Builder::new()
            .protected(protected)
            .payload(payload)
            .create_signature(b"", |tbs| {
                let sig: Signature = self.key.sign(tbs);
                sig.to_bytes().to_vec()
            })
            .build();
        // Serialising a well-formed structure into memory cannot fail.
        sign1.to_tagged_vec().unwrap_or_default()
    }
}

/// Read a certificate file, PEM or DER, and check it.
pub fn read_cert(path: &Path) -> Result<RootCert> {
    let bytes = crate::util::fs::read_limited(path, MAX_CERT as u64 * 2)?;
    let der = if bytes.starts_with(b"-----BEGIN") { pem_decode(&bytes).ok_or_else(|| Error::config(path, "not a PEM certificate"))? } else { bytes };
    RootCert::parse(&der).map_err(|e| Error::config(path, e.to_string()))
}

/// PEM text of DER bytes (RFC 7468), lines of 64, LF endings.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    // A label is one of ours ("CERTIFICATE"): always a valid one.
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

/// The DER inside the first PEM block (any label; what follows the block
/// is not read). Strict RFC 7468 and Base64 (`pem-rfc7468`): `None` if
/// the block is malformed.
pub fn pem_decode(text: &[u8]) -> Option<Vec<u8>> {
    let begin = memchr::memmem::find(text, b"-----BEGIN")?;
    let text = &text[begin..];
    // The block ends with its END line's closing dashes.
    let end_line = memchr::memmem::find(text, b"-----END")?;
    let close = end_line + 8 + memchr::memmem::find(&text[end_line + 8..], b"-----")? + 5;
    pem_block(&text[..close])
}

/// The DER of one PEM block (`-----BEGIN` to its END line), its Base64
/// lines of one width (64 as RFC 7468 writes them, or another one the
/// file keeps to, as some tools write 76).
pub(crate) fn pem_block(block: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = pem_rfc7468::Decoder::new_detect_wrap(block).ok()?;
    let mut der = Vec::new();
    decoder.decode_to_end(&mut der).ok()?;
    Some(der)
}

/// Standard Base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes)
}

/// Standard Base64 (padding required, no whitespace, canonical); `None`
/// if malformed.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64ct::Encoding;
    base64ct::Base64::decode_vec(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (NewRoot, SigningKey) {
        let secret = [0x42u8; 32];
        (generate("3506", "KAB. KEDIRI", &secret, 1_767_225_600, 20).unwrap(), SigningKey::from_slice(&secret).unwrap())
    }

    #[test]
    fn generated_root_parses_and_is_deterministic() {
        let (a, _) = root();
        let (b, _) = root();
        assert_eq!(a.cert_pem, b.cert_pem, "same secret and time, same certificate");
        let der = pem_decode(a.cert_pem.as_bytes()).unwrap();
        let cert = RootCert::parse(&der).unwrap();
        assert_eq!(cert.fingerprint, a.fingerprint);
        assert!(cert.subject.contains("3506"), "{}", cert.subject);
        assert_eq!(parse_fingerprint(&show_fingerprint(&a.fingerprint)), Some(a.fingerprint));
        assert_eq!(parse_fingerprint(&format!("sha256:{}", hex::encode(a.fingerprint))), Some(a.fingerprint));
        assert_eq!(parse_fingerprint("abcd"), None);
    }

    #[test]
    fn envelope_round_trip_and_tampering() {
        let (a, key) = root();
        let cert = RootCert::parse(&pem_decode(a.cert_pem.as_bytes()).unwrap()).unwrap();
        let rk = RootKey { key, cert: cert.clone() };
        let cose = rk.sign(b"\xa1\x01\x01".to_vec());
        assert_eq!(cert.open(&cose).unwrap(), b"\xa1\x01\x01");
        for i in 0..cose.len() {
            let mut bad = cose.clone();
            bad[i] ^= 1;
            assert!(cert.open(&bad).is_err(), "flipped byte {i} still opens");
        }
        let mut trailing = cose.clone();
        trailing.push(0);
        assert!(cert.open(&trailing).is_err());
        let other = RootKey { key: SigningKey::from_slice(&[7u8; 32]).unwrap(), cert: cert.clone() };
        assert_eq!(cert.open(&other.sign(b"\xa0".to_vec())), Err(RootError::Signature));
    }

    #[test]
    fn damaged_certificates_are_refused() {
        let (a, _) = root();
        let der = pem_decode(a.cert_pem.as_bytes()).unwrap();
        for i in (0..der.len()).step_by(7) {
            let mut bad = der.clone();
            bad[i] ^= 0x01;
            assert!(RootCert::parse(&bad).is_err(), "flipped byte {i} still parses as the same root");
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(RootCert::parse(&trailing).is_err());
        assert!(RootCert::parse(&der[..der.len() - 1]).is_err());
    }

    #[test]
    fn base64_round_trip() {
        for n in 0..20 {
            let v: Vec<u8> = (0..n).map(|i| (i * 37) as u8).collect();
            assert_eq!(base64_decode(&base64_encode(&v)).unwrap(), v);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert!(base64_decode("Zm9=vYmFy").is_none());
        assert!(base64_decode("Zm9").is_none());
        // Whitespace, a bad letter, bits past the end that are not zero.
        assert!(base64_decode("Zm9v YmFy").is_none() && base64_decode("Zm9v*mFy").is_none() && base64_decode("Zm9=").is_none());
    }

    #[test]
    fn pem_is_rfc_7468_and_its_first_block_is_read() {
        let der: Vec<u8> = (0..100u8).collect();
        let pem = pem_encode("CERTIFICATE", &der);
        // Lines of 64 and LF endings, as the hand encoder wrote them.
        let b64 = base64_encode(&der);
        assert_eq!(pem, format!("-----BEGIN CERTIFICATE-----\n{}\n{}\n{}\n-----END CERTIFICATE-----\n", &b64[..64], &b64[64..128], &b64[128..]));
        assert_eq!(pem_decode(pem.as_bytes()).unwrap(), der);
        let two = format!("{pem}{}", pem_encode("CERTIFICATE", b"other"));
        assert_eq!(pem_decode(two.as_bytes()).unwrap(), der);
        assert_eq!(pem_decode(pem.replace('\n', "\r\n").as_bytes()).unwrap(), der);
        // Lines of 76 (MIME's width), as some tools write them.
        let wide = format!("-----BEGIN CERTIFICATE-----\n{}\n{}\n-----END CERTIFICATE-----\n", &b64[..76], &b64[76..]);
        assert_eq!(pem_decode(wide.as_bytes()).unwrap(), der);
        // A broken body, a missing END, labels that differ: refused.
        assert!(pem_decode(pem.replacen('A', "*", 1).as_bytes()).is_none());
        assert!(pem_decode(pem.replace("-----END CERTIFICATE-----\n", "").as_bytes()).is_none());
        assert!(pem_decode(pem.replace("END CERTIFICATE", "END KEY").as_bytes()).is_none());
    }
}
