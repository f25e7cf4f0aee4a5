//! The office's PDF-signing key and certificate (README.md here, §11):
//! ECDSA P-256, certified by the district root (`terbit trust sign`
//! certifies every PDF key of the keys folder that has no certificate yet),
//! paired with a DK1 key by kid: `<kid>.pdf.key` (PKCS#8 PEM, 0600) and
//! `<kid>.pdf.crt` (PEM). The certificate's validity is the DK1 key's
//! signing window (20 years when the window is open).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::der::{Decode, Encode};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::dk1::keys::Kid;
use crate::trust::root::{pem_decode, pem_encode, RootKey};
use crate::error::{Error, Result};

/// `<dir>/<kid>.pdf.key`.
pub fn key_path(dir: &Path, kid: &Kid) -> PathBuf {
    dir.join(format!("{}.pdf.key", hex::encode(kid)))
}

/// `<dir>/<kid>.pdf.crt`.
pub fn cert_path(dir: &Path, kid: &Kid) -> PathBuf {
    dir.join(format!("{}.pdf.crt", hex::encode(kid)))
}

/// `<dir>/<kid>.pdf.chain.pem`: the certificates above it (the district
/// root, or a certification authority's CAs).
pub fn chain_path(dir: &Path, kid: &Kid) -> PathBuf {
    dir.join(format!("{}.pdf.chain.pem", hex::encode(kid)))
}

/// Write a new PDF-signing key for DK1 key `kid` from a secret scalar
/// (drawn from the OS by the caller).
pub fn generate(dir: &Path, kid: &Kid, secret: &[u8; 32]) -> Result<PathBuf> {
    let key = SigningKey::from_slice(secret).map_err(|_| Error::Usage("the random secret is not a P-256 scalar; run again".into()))?;
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| Error::Usage(format!("PDF key: {e}")))?;
    let path = key_path(dir, kid);
    crate::dk1::keys::write_secret_file(&path, &pem)?;
    Ok(path)
}

fn time(epoch: i64) -> Result<Time> {
    let secs = u64::try_from(epoch.max(0)).unwrap_or(0);
    let t = x509_cert::der::asn1::GeneralizedTime::from_unix_duration(Duration::from_secs(secs)).map_err(|e| Error::Usage(format!("certificate validity: {e}")))?;
    Ok(Time::GeneralTime(t))
}

/// The public key of a PDF key file.
pub fn public_key(path: &Path) -> Result<VerifyingKey> {
    Ok(*read_key(path)?.verifying_key())
}

/// A P-256 private key file (PKCS#8 PEM), refused when others can read it.
pub(crate) fn read_key(path: &Path) -> Result<SigningKey> {
    crate::dk1::keys::refuse_readable_by_others(path)?;
    let bytes = Zeroizing::new(crate::util::fs::read_limited(path, 64 << 10)?);
    let pem = std::str::from_utf8(&bytes).map_err(|_| Error::config(path, "not a PKCS#8 PEM P-256 private key"))?;
    SigningKey::from_pkcs8_pem(pem).map_err(|_| Error::config(path, "not a PKCS#8 PEM P-256 private key"))
}

/// The root certifies `public` as the document-signing key of `office`
/// (the regency's Dinas), valid over `[not_before, not_after)`.
pub fn certify(root: &RootKey, public: &VerifyingKey, district: &str, office: &str, not_before: i64, not_after: i64) -> Result<Vec<u8>> {
    let subject = Name::from_str(&format!("CN=Dinas Kependudukan dan Pencatatan Sipil {},O={},OU=terbit document signing {district},C=ID", name_part(office), name_part(office)))
        .map_err(|e| Error::Usage(format!("certificate subject: {e}")))?;
    let issuer = Certificate::from_der(&root.cert.der).map_err(|e| Error::Usage(format!("root certificate: {e}")))?.tbs_certificate().subject().clone();
    let serial = Sha256::digest(public.to_sec1_point(false).as_bytes());
    issue(root, public, CertProfile::Leaf { issuer, subject }, &serial[..16], not_before, not_after)
}

/// `s` as it may stand in a certificate's subject: letters, digits, spaces and dots.
pub(crate) fn name_part(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '.').collect::<String>().trim().to_string()
}

/// The root issues a certificate of `profile` for `public`, valid over
/// `[not_before, not_after)`, with the 16-byte `serial` (made positive).
pub(crate) fn issue(root: &RootKey, public: &VerifyingKey, profile: CertProfile, serial: &[u8], not_before: i64, not_after: i64) -> Result<Vec<u8>> {
    let spki = SubjectPublicKeyInfoOwned::from_key(public).map_err(|e| Error::Usage(format!("certified key: {e}")))?;
    let mut serial = serial.to_vec();
    serial[0] &= 0x7f;
    let serial = SerialNumber::new(&serial).map_err(|e| Error::Usage(format!("serial: {e}")))?;
    let validity = Validity::new(time(not_before)?, time(not_after)?);
    let builder = CertificateBuilder::new(profile, serial, validity, spki).map_err(|e| Error::Usage(format!("certificate: {e}")))?;
    let cert = builder.build::<_, DerSignature>(root.signing_key()).map_err(|e| Error::Usage(format!("certificate: {e}")))?;
    cert.to_der().map_err(|e| Error::Usage(format!("certificate: {e}")))
}

/// The extensions of terbit's two kinds of certificate, as x509-cert
/// 0.2's `Profile::Root` and `Profile::Leaf` (no key agreement or
/// encipherment) wrote them — the same bytes: 0.3 left those profiles out.
/// A root: subject key identifier, basicConstraints CA, keyCertSign and
/// cRLSign. A document-signing key: subject and authority key
/// identifiers, basicConstraints not CA, digitalSignature and
/// nonRepudiation.
pub(crate) enum CertProfile {
    /// A self-signed district root.
    Root {
        /// Its subject (and issuer).
        subject: Name,
    },
    /// A key the root certifies.
    Leaf {
        /// The root's subject.
        issuer: Name,
        /// The key's subject.
        subject: Name,
    },
    /// The district time-stamp authority's key the root certifies
    /// (trust/tsa.rs): a leaf whose critical extended key usage is
    /// timeStamping alone (RFC 3161 §2.3), so it signs nothing else.
    TimeStamping {
        /// The root's subject.
        issuer: Name,
        /// The authority's subject.
        subject: Name,
    },
}

impl BuilderProfile for CertProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        match self {
            CertProfile::Root { .. } => subject.clone(),
            CertProfile::Leaf { issuer, .. } | CertProfile::TimeStamping { issuer, .. } => issuer.clone(),
        }
    }

    fn get_subject(&self) -> Name {
        match self {
            CertProfile::Root { subject } | CertProfile::Leaf { subject, .. } | CertProfile::TimeStamping { subject, .. } => subject.clone(),
        }
    }

    fn build_extensions(
        &self,
        spk: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
        issuer_spk: x509_cert::spki::SubjectPublicKeyInfoRef<'_>,
        tbs: &x509_cert::certificate::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<x509_cert::ext::Extension>> {
        use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
        use x509_cert::ext::ToExtension;
        let subject = tbs.subject();
        let mut extensions = vec![SubjectKeyIdentifier::try_from(spk)?.to_extension(subject, &[])?];
        let root = matches!(self, CertProfile::Root { .. });
        if !root {
            let aki = AuthorityKeyIdentifier::try_from(issuer_spk)?.to_extension(subject, &extensions)?;
            extensions.push(aki);
        }
        let bc = BasicConstraints { ca: root, path_len_constraint: None }.to_extension(subject, &extensions)?;
        extensions.push(bc);
        let usage = if root { KeyUsages::KeyCertSign | KeyUsages::CRLSign } else { KeyUsages::DigitalSignature | KeyUsages::NonRepudiation };
        let usage = if matches!(self, CertProfile::TimeStamping { .. }) { KeyUsages::DigitalSignature.into() } else { usage };
        let ku = KeyUsage(usage).to_extension(subject, &extensions)?;
        extensions.push(ku);
        if matches!(self, CertProfile::TimeStamping { .. }) {
            // Critical, as RFC 3161 §2.3 requires of a TSA's certificate.
            let eku = x509_cert::ext::pkix::ExtendedKeyUsage(vec![crate::trust::tsa::ID_KP_TIME_STAMPING]);
            extensions.push(x509_cert::ext::Extension { extn_id: crate::trust::tsa::ID_CE_EXT_KEY_USAGE, critical: true, extn_value: x509_cert::der::asn1::OctetString::new(eku.to_der()?)? });
            // Where its revocation answers come from (trust/ocsp.rs): a
            // validator (pyHanko's EN 319 102-1 validation) weighs an OCSP
            // answer only for a certificate that names a responder.
            let aia = x509_cert::ext::pkix::AuthorityInfoAccessSyntax(vec![x509_cert::ext::pkix::AccessDescription {
                access_method: crate::trust::ocsp::ID_AD_OCSP,
                access_location: x509_cert::ext::pkix::name::GeneralName::UniformResourceIdentifier(x509_cert::der::asn1::Ia5String::new(crate::trust::ocsp::RESPONDER)?),
            }]);
            extensions.push(aia.to_extension(subject, &extensions)?);
        }
        Ok(extensions)
    }
}

/// Write a certificate as PEM.
pub fn write_cert(path: &Path, der: &[u8]) -> Result<()> {
    crate::util::fs::write_atomic(path, pem_encode("CERTIFICATE", der).as_bytes())
}

/// Read a PEM (or DER) certificate file's DER bytes.
pub fn read_cert_der(path: &Path) -> Result<Vec<u8>> {
    let bytes = crate::util::fs::read_limited(path, 64 << 10)?;
    if bytes.starts_with(b"-----BEGIN") {
        pem_decode(&bytes).ok_or_else(|| Error::config(path, "not a PEM certificate"))
    } else {
        Ok(bytes)
    }
}

/// What signs a run's PDFs: the key, its certificate and the chain above
/// it (the district root), all DER.
pub struct PdfSigner {
    /// The private key.
    pub key: SigningKey,
    /// The signer's certificate.
    pub cert: Vec<u8>,
    /// Certificates above it, nearest first (the root last).
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for PdfSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "PdfSigner {{ cert: {} bytes }}", self.cert.len())
    }
}

/// The PDF signer paired with DK1 key `kid`, if the keys folder has one
/// with its certificate: `Ok(None)` when there is none at all, an error
/// when the key is there but not certified (or does not match).
pub fn signer_for(dir: &Path, kid: &Kid) -> Result<Option<PdfSigner>> {
    let kp = key_path(dir, kid);
    if std::fs::symlink_metadata(&kp).is_err() {
        let cp = cert_path(dir, kid);
        if std::fs::symlink_metadata(&cp).is_ok() {
            // A certificate says this office signs its PDFs: never quietly unsigned.
            return Err(Error::NoKey(format!(
                "{} has no key beside it: put {} back, or hand the key over in TERBIT_PDF_SIGNING_KEY",
                cp.display(),
                kp.display()
            )));
        }
        return Ok(None);
    }
    let key = read_key(&kp)?;
    let cp = cert_path(dir, kid);
    if std::fs::symlink_metadata(&cp).is_err() {
        return Err(Error::NoKey(format!(
            "{} has no certificate yet: the district root certifies it with `terbit trust sign --keys {} --root-key root-<code>.key --root-cert root-<code>.crt` (where the root is kept)",
            kp.display(),
            dir.display()
        )));
    }
    let cert = read_cert_der(&cp)?;
    if *key.verifying_key() != cert_key(&cert, &cp)? {
        return Err(Error::config(&cp, "this certificate is not the PDF key's own"));
    }
    Ok(Some(PdfSigner { key, cert, chain: chain_of(dir, kid)? }))
}

/// A certificate's validity, `[not_before, not_after)` in epoch seconds.
pub fn validity(der: &[u8]) -> Option<(i64, i64)> {
    let cert = Certificate::from_der(der).ok()?;
    let v = cert.tbs_certificate().validity();
    Some((v.not_before.to_unix_duration().as_secs() as i64, v.not_after.to_unix_duration().as_secs() as i64))
}

/// The P-256 public key a certificate certifies (`path` names it in errors).
pub(crate) fn cert_key(der: &[u8], path: &Path) -> Result<VerifyingKey> {
    let parsed = Certificate::from_der(der).map_err(|e| Error::config(path, format!("not a certificate: {e}")))?;
    let spki = parsed.tbs_certificate().subject_public_key_info().to_der().map_err(|e| Error::config(path, e.to_string()))?;
    p256::pkcs8::DecodePublicKey::from_public_key_der(&spki).map_err(|_| Error::config(path, "not an ECDSA P-256 certificate"))
}

/// The certificates above DK1 key `kid`'s PDF certificate, if the folder has them.
fn chain_of(dir: &Path, kid: &Kid) -> Result<Vec<Vec<u8>>> {
    let path = chain_path(dir, kid);
    if path.exists() {
        pem_chain(&path)
    } else {
        Ok(Vec::new())
    }
}

/// Put a PDF key and certificate from an external certification authority
/// (a PSrE) into the keys folder for DK1 key `kid`: the key (PKCS#8 PEM,
/// P-256; refused when others can read it), its certificate (PEM or DER,
/// whose key must be this key's) and the chain above it (PEM, the issuing
/// CAs). Nothing is overwritten.
pub fn import(dir: &Path, kid: &Kid, key: &Path, cert: &Path, chain: Option<&Path>) -> Result<()> {
    let signing = read_key(key)?;
    let der = read_cert_der(cert)?;
    if cert_key(&der, cert)? != *signing.verifying_key() {
        return Err(Error::config(cert, "this certificate is not the key's own"));
    }
    let chain = match chain {
        Some(p) => {
            let certs = pem_chain(p)?;
            if certs.is_empty() {
                return Err(Error::config(p, "holds no certificate (-----BEGIN CERTIFICATE----- blocks): give the chain's PEM file, or leave --chain out"));
            }
            certs
        }
        None => Vec::new(),
    };
    install(dir, kid, &signing, &der, &chain)
}

/// As [`import`], from a PKCS#12 file (`.p12`/`.pfx`, as a certification
/// authority or a certificate store exports one) opened with `password`:
/// its one private key (P-256), the certificate of that key, and the
/// certificates above it, found by issuer and subject (each used once;
/// others in the file are left out).
pub fn import_p12(dir: &Path, kid: &Kid, p12: &Path, password: &str) -> Result<()> {
    crate::dk1::keys::refuse_readable_by_others(p12)?;
    let bytes = Zeroizing::new(crate::util::fs::read_limited(p12, 1 << 20)?);
    let contents = crate::trust::p12::read(&bytes, password).map_err(|e| Error::config(p12, e.to_string()))?;
    let signing = SigningKey::from_pkcs8_der(&contents.key).map_err(|_| Error::config(p12, "its private key is not ECDSA P-256 (the PDF signature's algorithm)"))?;
    let mut rest: Vec<(Vec<u8>, Certificate)> = Vec::new();
    for (i, der) in contents.certs.into_iter().enumerate() {
        let c = Certificate::from_der(&der).map_err(|e| Error::config(p12, format!("certificate {} in it: {e}", i + 1)))?;
        rest.push((der, c));
    }
    let mine = rest.iter().position(|(der, _)| cert_key(der, p12).ok().as_ref() == Some(signing.verifying_key()));
    let Some(mine) = mine else {
        return Err(Error::config(p12, "it holds no certificate of its private key"));
    };
    let (leaf, mut at) = rest.swap_remove(mine);
    let mut chain = Vec::new();
    // Up from the key's certificate, each certificate taken once: a file
    // whose certificates issue each other in a circle still ends.
    while at.tbs_certificate().issuer() != at.tbs_certificate().subject() {
        let Some(i) = rest.iter().position(|(_, c)| c.tbs_certificate().subject() == at.tbs_certificate().issuer()) else { break };
        let (der, c) = rest.swap_remove(i);
        chain.push(der);
        at = c;
    }
    install(dir, kid, &signing, &leaf, &chain)
}

/// Whether `issuer`'s key signed `cert`: `None` when its signature
/// algorithm is none a certification authority's chain uses that terbit
/// checks (ECDSA P-256 or P-384 with SHA-256/384, RSA PKCS #1 v1.5 with
/// SHA-256/384/512: the P-256 case by the `p256` crate like every terbit
/// signature, the others by `ring`).
pub fn issued_by(cert: &x509_cert::Certificate, issuer: &x509_cert::Certificate) -> Option<bool> {
    let Ok(tbs) = cert.tbs_certificate().to_der() else { return Some(false) };
    let Some(sig) = cert.signature().as_bytes() else { return Some(false) };
    signed_by(issuer.tbs_certificate().subject_public_key_info(), &cert.signature_algorithm().oid.to_string(), &tbs, sig)
}

/// Whether `sig` signs `message` under the key `key` with the signature
/// algorithm `alg` (its OID, dotted): the algorithms [`issued_by`] checks,
/// for whatever a certification authority signs (a certificate, a CRL, an
/// OCSP answer); `None` for another algorithm.
pub fn signed_by(key: &x509_cert::spki::SubjectPublicKeyInfoOwned, alg: &str, message: &[u8], sig: &[u8]) -> Option<bool> {
    use ring::signature as rs;
    let key_bytes = key.subject_public_key.as_bytes()?;
    // The issuer's curve, for ECDSA (its parameters name it).
    let curve = key.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<x509_cert::der::asn1::ObjectIdentifier>().ok()).map(|o| o.to_string());
    let algorithm: &dyn rs::VerificationAlgorithm = match (alg, curve.as_deref()) {
        ("1.2.840.10045.4.3.2", Some("1.2.840.10045.3.1.7")) => {
            let spki = key.to_der().ok()?;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).ok()?;
            let Ok(sig) = p256::ecdsa::Signature::from_der(sig) else { return Some(false) };
            return Some(p256::ecdsa::signature::hazmat::PrehashVerifier::verify_prehash(&key, &Sha256::digest(message), &sig).is_ok());
        }
        ("1.2.840.10045.4.3.2", Some("1.3.132.0.34")) => &rs::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", Some("1.3.132.0.34")) => &rs::ECDSA_P384_SHA384_ASN1,
        ("1.2.840.10045.4.3.3", Some("1.2.840.10045.3.1.7")) => &rs::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.113549.1.1.11", _) => &rs::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.12", _) => &rs::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", _) => &rs::RSA_PKCS1_2048_8192_SHA512,
        _ => return None,
    };
    Some(rs::UnparsedPublicKey::new(algorithm, key_bytes).verify(message, sig).is_ok())
}

/// The chain above `leaf` as a path: `chain`'s indices from the leaf's
/// issuer up to a self-signed root, every certificate of `chain` on it
/// exactly once. Each certificate is signed by the next (the root by
/// itself) with an algorithm terbit checks; each issuer is a CA
/// (basicConstraints) whose path length allows the certificates below it.
/// Otherwise what is wrong. (Validity dates are not compared: what a
/// signing certificate may sign is the district's signed trust list's
/// word, and a district root made after a key's window began certifies
/// it all the same.) The
/// chain travels in every PDF signature: a chain that stops below a root,
/// circles, or carries an extra certificate would hold bytes no one checks.
pub fn chain_order(leaf: &Certificate, chain: &[Certificate]) -> std::result::Result<Vec<usize>, String> {
    let subject = |c: &Certificate| crate::util::show::clip_shown(&c.tbs_certificate().subject().to_string(), 200);
    let mut path: Vec<usize> = Vec::new();
    let mut at = leaf;
    loop {
        let Some(i) = (0..chain.len()).find(|i| !path.contains(i) && chain[*i].tbs_certificate().subject() == at.tbs_certificate().issuer()) else {
            return Err(if path.is_empty() && chain.is_empty() {
                "no certificate in the chain".to_string()
            } else {
                format!("the certificate of {} has no issuer in the chain: a chain goes up to its certification authority's root (self-signed)", subject(at))
            });
        };
        let issuer = &chain[i];
        match issued_by(at, issuer) {
            Some(true) => {}
            Some(false) => return Err(format!("the certificate of {}: its issuer's signature on it does not hold (or its RSA key is shorter than 2048 bits)", subject(at))),
            None => {
                return Err(format!(
                    "the certificate of {} is signed with an algorithm terbit does not check ({}): ECDSA P-256/P-384 or RSA PKCS #1 with SHA-2 only",
                    subject(at),
                    at.signature_algorithm().oid
                ))
            }
        }
        // The issuer is a CA, allowed this many CA certificates below it.
        match ca_path_len(issuer) {
            Some(limit) if limit.is_none_or(|n| path.len() <= n as usize) => {}
            Some(_) => return Err(format!("the certificate of {} allows fewer certification authorities below it (path length) than the chain has", subject(issuer))),
            None => return Err(format!("the certificate of {} is not a certification authority's (basicConstraints CA:TRUE): it cannot issue certificates", subject(issuer))),
        }
        path.push(i);
        if issuer.tbs_certificate().subject() == issuer.tbs_certificate().issuer() {
            // Self-signed: the root, checked by its own key.
            if issued_by(issuer, issuer) != Some(true) {
                return Err(format!("the root certificate of {}: its own signature does not hold", subject(issuer)));
            }
            break;
        }
        at = issuer;
    }
    if path.len() != chain.len() {
        let extra = (0..chain.len()).find(|i| !path.contains(i)).map(|i| subject(&chain[i])).unwrap_or_default();
        return Err(format!("the certificate of {extra} is not on the way from the signer's certificate to its root: a chain holds that way only"));
    }
    Ok(path)
}

/// A CA certificate's path length limit (`Some(None)`: no limit), or
/// `None` when the certificate is not a CA's.
fn ca_path_len(cert: &Certificate) -> Option<Option<u8>> {
    use x509_cert::ext::pkix::BasicConstraints;
    let ext = cert.tbs_certificate().extensions()?.iter().find(|e| e.extn_id.to_string() == "2.5.29.19")?;
    let bc = BasicConstraints::from_der(ext.extn_value.as_bytes()).ok()?;
    bc.ca.then_some(bc.path_len_constraint)
}

/// Whether `chain` is a district root alone that issued `leaf` (all DER):
/// the chain terbit's own PDF keys carry. The signature then names only
/// the signer's certificate, as it always did; a certification
/// authority's chain is named in it too (see `pdf/sign.rs`).
pub fn is_district_root_chain(leaf: &[u8], chain: &[Vec<u8>]) -> bool {
    let [root] = chain else { return false };
    let (Ok(leaf), Ok(parsed)) = (Certificate::from_der(leaf), crate::trust::root::RootCert::parse(root)) else { return false };
    let Ok(root_cert) = Certificate::from_der(root) else { return false };
    parsed.district.is_some() && leaf.tbs_certificate().issuer() == root_cert.tbs_certificate().subject() && issued_by(&leaf, &root_cert) == Some(true)
}

/// Write an imported key, certificate and chain into the keys folder.
fn install(dir: &Path, kid: &Kid, signing: &SigningKey, der: &[u8], chain: &[Vec<u8>]) -> Result<()> {
    let mut certs = Vec::new();
    for (i, c) in chain.iter().enumerate() {
        certs.push(Certificate::from_der(c).map_err(|e| Error::Usage(format!("chain certificate {}: {e}", i + 1)))?);
    }
    // The chain travels in every PDF signature: verifiers check it
    // certificate by certificate, in the order from the signer's up to
    // the root, so it is checked here and kept in that order.
    let chain: Vec<Vec<u8>> = if certs.is_empty() {
        Vec::new()
    } else {
        let leaf = Certificate::from_der(der).map_err(|e| Error::Usage(format!("certificate: {e}")))?;
        let path = chain_order(&leaf, &certs).map_err(|why| Error::Usage(format!("{why}; give the whole chain up to the root (--chain, or a PKCS#12 file holding it)")))?;
        path.into_iter().map(|i| chain[i].clone()).collect()
    };
    let (kp, cp) = (key_path(dir, kid), cert_path(dir, kid));
    if std::fs::symlink_metadata(&cp).is_ok() {
        // Never "move it away": the documents signed with the key's
        // present certificate stay genuine only while the trust list
        // names it, and `trust sign` lists what the folder holds.
        return Err(Error::Usage(format!(
            "{} already exists: key {} has a certified PDF key, and what it signed stays genuine only while the trust list names that certificate. Import for a new key instead: `terbit keys generate` (a new DK1 key), move its new, never certified {} away, then `terbit keys import NEW_KID …`; retire this one with `terbit keys retire` once the new one signs",
            cp.display(),
            hex::encode(kid),
            "<NEW_KID>.pdf.key"
        )));
    }
    if std::fs::symlink_metadata(&kp).is_ok() {
        return Err(Error::Usage(format!("{} already exists (a PDF key no root has certified yet, so it has signed nothing): move it away first", kp.display())));
    }
    let pem = signing.to_pkcs8_pem(LineEnding::LF).map_err(|e| Error::Usage(format!("PDF key: {e}")))?;
    crate::dk1::keys::write_secret_file(&kp, &pem)?;
    write_cert(&cp, der)?;
    if !chain.is_empty() {
        let text: String = chain.iter().map(|c| pem_encode("CERTIFICATE", c)).collect();
        crate::util::fs::write_atomic(&chain_path(dir, kid), text.as_bytes())?;
    }
    Ok(())
}

/// The PDF signer for DK1 key `kid` with its private key given as a
/// scalar (from a scheduler: `source` names where, never the value); its
/// certificate and chain come from the keys folder as usual.
pub fn signer_with_key(dir: &Path, kid: &Kid, secret: &[u8; 32], source: &str) -> Result<PdfSigner> {
    let key = SigningKey::from_slice(secret).map_err(|_| Error::Usage(format!("{source}: not a P-256 private key")))?;
    let cp = cert_path(dir, kid);
    let cert = read_cert_der(&cp).map_err(|_| Error::NoKey(format!("{source} holds a PDF key, but {} (its certificate) cannot be read", cp.display())))?;
    if cert_key(&cert, &cp)? != *key.verifying_key() {
        return Err(Error::NoKey(format!("the key in {source} is not the one {} certifies", cp.display())));
    }
    Ok(PdfSigner { key, cert, chain: chain_of(dir, kid)? })
}

/// A PDF key given as text (64 hex characters of the scalar, or PKCS#8
/// PEM), as a scalar; `source` names where it came from in errors.
pub fn parse_key_text(text: &str, source: &str) -> Result<Zeroizing<[u8; 32]>> {
    let t = text.trim();
    let key = if t.starts_with("-----BEGIN") {
        SigningKey::from_pkcs8_pem(t).map_err(|_| Error::Usage(format!("{source}: not a PKCS#8 PEM P-256 private key")))?
    } else {
        let mut b = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(t, &mut b[..]).map_err(|_| Error::Usage(format!("{source}: a PDF key is 64 hex characters or PKCS#8 PEM; this value is neither")))?;
        SigningKey::from_slice(&b[..]).map_err(|_| Error::Usage(format!("{source}: not a P-256 private key")))?
    };
    let mut out = Zeroizing::new([0u8; 32]);
    // to_bytes() is a plain copy of the scalar: wiped once copied out.
    let mut bytes = key.to_bytes();
    out.copy_from_slice(&bytes);
    zeroize::Zeroize::zeroize(bytes.as_mut_slice());
    Ok(out)
}

/// Every certificate of a PEM file, in order.
pub fn pem_chain(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = crate::util::fs::read_limited(path, 1 << 20)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::config(path, "not PEM text"))?;
    let mut out = Vec::new();
    for block in text.split_inclusive("-----END CERTIFICATE-----").filter(|b| b.contains("-----BEGIN CERTIFICATE-----")) {
        // From the block's BEGIN line (text before it, such as OpenSSL's
        // "subject=" lines, is skipped): strict RFC 7468 and Base64.
        let block = block.get(block.rfind("-----BEGIN CERTIFICATE-----").unwrap_or(0)..).unwrap_or(block);
        let der = crate::trust::root::pem_block(block.as_bytes()).ok_or_else(|| Error::config(path, "a certificate block is not Base64"))?;
        out.push(der);
    }
    Ok(out)
}

/// A PDF-signing certificate the trust list holds, decoded.
#[derive(Debug, Clone)]
pub struct PdfCert {
    /// The district whose root signed it into its list.
    pub district: String,
    /// DER.
    pub der: Vec<u8>,
    /// Validity, epoch seconds.
    pub not_before: i64,
    /// Validity end, epoch seconds.
    pub not_after: i64,
    /// The district root's certificate (DER), when known: a certificate it
    /// issued travels with exactly that root as its chain.
    pub root: Option<Vec<u8>>,
}

impl PdfCert {
    /// Decode a certificate of `district`'s list.
    pub fn of(district: &str, der: &[u8]) -> Option<PdfCert> {
        let (not_before, not_after) = validity(der)?;
        Some(PdfCert { district: district.to_string(), der: der.to_vec(), not_before, not_after, root: None })
    }
}

