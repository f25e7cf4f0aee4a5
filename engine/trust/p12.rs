//! Reading a PKCS#12 file (`.p12`, `.pfx`, RFC 7292): how a certification
//! authority (a PSrE such as BSrE) or a desktop's certificate store hands
//! over a signing key with its certificate and chain. `terbit keys import
//! --p12` takes the one private key, its certificate and the certificates
//! above it from it.
//!
//! What is read: password integrity (HMAC-SHA-1 or HMAC-SHA-256 with the
//! PKCS#12 key derivation) — required, and checked before anything is
//! decrypted; safes in the clear or encrypted; PBES2 (PBKDF2 with
//! HMAC-SHA-1 or SHA-2, AES-CBC or 3DES) as OpenSSL 3, Java and current
//! Windows write, and the legacy PKCS#12 schemes older exports use
//! (pbeWithSHAAnd3-KeyTripleDES-CBC for keys, pbeWithSHAAnd40BitRC2-CBC
//! for certificates). The file is untrusted bytes: every iteration count
//! is bounded before it is spent (a file asking for 2^31 rounds would
//! otherwise hold the command for hours), scrypt (whose parameters choose
//! the memory) is refused, and the chain is walked with each certificate
//! used once.

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use x509_cert::der::{self, asn1::ObjectIdentifier, asn1::OctetString, Any, AnyRef, Decode, Tagged};
use hmac::{Hmac, KeyInit, Mac};
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use pkcs12::pbe_params::{EncryptedPrivateKeyInfo, Pkcs12PbeParams};
use pkcs12::pfx::{Pfx, Version};
use pkcs12::safe_bag::SafeContents;
use sha1::Sha1;
use sha2::Sha256;
use x509_cert::spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

/// Rounds one key derivation may ask for. OpenSSL writes 2,048 (PBKDF2:
/// 2,048 too; Windows 2,000 or 10,000); 2,000,000 takes under a second.
pub const MAX_ITERATIONS: u32 = 2_000_000;
/// Rounds a whole file may ask for, over its MAC and every encryption.
const MAX_TOTAL_ITERATIONS: u64 = 8_000_000;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const PBE_SHA_3DES: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.3");
const PBE_SHA_RC2_40: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.1.6");
const KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.1");
const SHROUDED_KEY_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.2");
const CERT_BAG: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.12.10.1.3");
const X509_CERT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.22.1");

/// What a PKCS#12 file held.
pub struct Contents {
    /// The private key, PKCS#8 DER.
    pub key: Zeroizing<Vec<u8>>,
    /// Every certificate, DER, in the file's order.
    pub certs: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        write!(f, "Contents {{ certs: {} }}", self.certs.len())
    }
}

/// Why a PKCS#12 file cannot be read (never quoting its bytes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum P12Error {
    /// Not DER of the PKCS#12 structures (the decoder's words).
    #[error("not a PKCS#12 file ({0})")]
    Malformed(String),
    #[error("the password is wrong, or the file was changed (its integrity check fails)")]
    /// The integrity check or a decryption fails.
    WrongPassword,
    #[error("the file has no password integrity check (MAC); export it again with a password")]
    /// No MAC: nothing shows the password is right or the file whole.
    NoMac,
    #[error("{what} asks for {asked} rounds of key derivation; more than {MAX_ITERATIONS} are refused")]
    /// One key derivation asks for too many rounds.
    TooManyRounds {
        /// Which: the integrity check or an encryption.
        what: &'static str,
        /// The rounds asked for.
        asked: i64,
    },
    #[error("the file asks for {0} rounds of key derivation in all; more than {MAX_TOTAL_ITERATIONS} are refused")]
    /// The derivations together ask for too many rounds.
    TooManyRoundsInAll(u64),
    #[error("{0}: not supported; export the file again with AES-256 (OpenSSL 3: the default)")]
    /// A scheme terbit does not read.
    Unsupported(String),
    #[error("the file holds {0} private keys; terbit takes a file with one")]
    /// Not exactly one private key.
    KeyCount(usize),
}

type Result<T> = std::result::Result<T, P12Error>;

fn malformed(e: impl std::fmt::Display) -> P12Error {
    P12Error::Malformed(e.to_string())
}

/// Counts the rounds a file spends.
struct Budget(u64);

impl Budget {
    fn spend(&mut self, what: &'static str, asked: i64) -> Result<u32> {
        let rounds = u32::try_from(asked).ok().filter(|r| (1..=MAX_ITERATIONS).contains(r)).ok_or(P12Error::TooManyRounds { what, asked })?;
        self.0 += u64::from(rounds);
        if self.0 > MAX_TOTAL_ITERATIONS {
            return Err(P12Error::TooManyRoundsInAll(self.0));
        }
        Ok(rounds)
    }
}

/// Read `data` (a whole PKCS#12 file) with `password`.
pub fn read(data: &[u8], password: &str) -> Result<Contents> {
    let pfx = Pfx::from_der(data).map_err(malformed)?;
    if pfx.version != Version::V3 {
        return Err(malformed("version is not 3"));
    }
    if pfx.auth_safe.content_type != ID_DATA {
        return Err(P12Error::Unsupported("a file protected by a public key rather than a password".into()));
    }
    let auth_safe = octets(&pfx.auth_safe.content)?;
    let mut budget = Budget(0);
    let mac = pfx.mac_data.ok_or(P12Error::NoMac)?;
    let rounds = budget.spend("the integrity check", i64::from(mac.iterations))?;
    let salt = mac.mac_salt.as_bytes();
    let expected = mac.mac.digest.as_bytes();
    let ok = match mac.mac.algorithm.oid {
        SHA1 => {
            let key = Zeroizing::new(derive_key_utf8::<Sha1>(password, salt, Pkcs12KeyType::Mac, rounds as i32, 20).map_err(malformed)?);
            Hmac::<Sha1>::new_from_slice(&key).map_err(malformed)?.chain_update(&auth_safe).verify_slice(expected).is_ok()
        }
        SHA256 => {
            let key = Zeroizing::new(derive_key_utf8::<Sha256>(password, salt, Pkcs12KeyType::Mac, rounds as i32, 32).map_err(malformed)?);
            Hmac::<Sha256>::new_from_slice(&key).map_err(malformed)?.chain_update(&auth_safe).verify_slice(expected).is_ok()
        }
        other => return Err(P12Error::Unsupported(format!("integrity check with digest {other}"))),
    };
    if !ok {
        return Err(P12Error::WrongPassword);
    }
    let safes = Vec::<ContentInfo>::from_der(&auth_safe).map_err(malformed)?;
    let mut keys: Vec<Zeroizing<Vec<u8>>> = Vec::new();
    let mut certs = Vec::new();
    for safe in &safes {
        let bags = match safe.content_type {
            ID_DATA => Zeroizing::new(octets(&safe.content)?),
            ID_ENCRYPTED_DATA => {
                let enc: EncryptedData = safe.content.decode_as().map_err(malformed)?;
                let Some(data) = enc.enc_content_info.encrypted_content.as_ref() else { continue };
                decrypt(&enc.enc_content_info.content_enc_alg, data.as_bytes(), password, &mut budget)?
            }
            other => return Err(P12Error::Unsupported(format!("a safe of content type {other}"))),
        };
        for bag in SafeContents::from_der(&bags).map_err(malformed)? {
            match bag.bag_id {
                CERT_BAG => certs.push(cert_of_bag(&bag.bag_value)?),
                SHROUDED_KEY_BAG => {
                    let info = EncryptedPrivateKeyInfo::from_der(explicit(&bag.bag_value)?).map_err(malformed)?;
                    keys.push(decrypt(&info.encryption_algorithm, info.encrypted_data.as_bytes(), password, &mut budget)?);
                }
                KEY_BAG => keys.push(Zeroizing::new(explicit(&bag.bag_value)?.to_vec())),
                // CRLs, secrets and other bags: not needed to sign.
                _ => {}
            }
        }
    }
    if keys.len() != 1 {
        return Err(P12Error::KeyCount(keys.len()));
    }
    let key = keys.pop().ok_or(P12Error::KeyCount(0))?;
    Ok(Contents { key, certs })
}

/// `[0]`, constructed: how an EXPLICIT tag wraps a bag's value.
const CONTEXT_0: der::Tag = der::Tag::ContextSpecific { constructed: true, number: der::TagNumber(0) };

/// The content of an `[0] EXPLICIT` bag value.
fn explicit(tlv: &[u8]) -> Result<&[u8]> {
    let any = AnyRef::from_der(tlv).map_err(malformed)?;
    if any.tag() != CONTEXT_0 {
        return Err(malformed("a bag's value is not [0]"));
    }
    Ok(any.value())
}

/// The certificate of a CertBag: `SEQUENCE { certId, [0] EXPLICIT OCTET STRING }`.
fn cert_of_bag(tlv: &[u8]) -> Result<Vec<u8>> {
    let seq = AnyRef::from_der(explicit(tlv)?).map_err(malformed)?;
    let mut r = der::SliceReader::new(seq.value()).map_err(malformed)?;
    let id = ObjectIdentifier::decode(&mut r).map_err(malformed)?;
    if id != X509_CERT {
        return Err(P12Error::Unsupported(format!("a certificate of type {id}")));
    }
    let value = AnyRef::decode(&mut r).map_err(malformed)?;
    der::Reader::finish(r).map_err(malformed)?;
    if value.tag() != CONTEXT_0 {
        return Err(malformed("a certificate bag's value is not [0]"));
    }
    Ok(OctetString::from_der(value.value()).map_err(malformed)?.into_bytes().into_vec())
}

/// The bytes of an OCTET STRING held in `any`.
fn octets(any: &Any) -> Result<Vec<u8>> {
    Ok(any.decode_as::<OctetString>().map_err(malformed)?.into_bytes().into_vec())
}

/// Decrypt `data` under `alg` with `password`.
fn decrypt(alg: &AlgorithmIdentifierOwned, data: &[u8], password: &str, budget: &mut Budget) -> Result<Zeroizing<Vec<u8>>> {
    use cbc::cipher::{block_padding::Pkcs7, BlockModeDecrypt, InnerIvInit, KeyIvInit};
    let params = alg.parameters.as_ref().ok_or_else(|| malformed("an encryption without parameters"))?;
    match alg.oid {
        PBES2 => {
            let p = pkcs5::pbes2::Parameters::try_from(AnyRef::from(params)).map_err(malformed)?;
            match &p.kdf {
                pkcs5::pbes2::Kdf::Pbkdf2(k) => {
                    budget.spend("an encryption", i64::from(k.iteration_count))?;
                }
                _ => return Err(P12Error::Unsupported("a key derivation other than PBKDF2 (scrypt)".into())),
            }
            // PBES2 takes the password's UTF-8 bytes (RFC 8018; OpenSSL does so).
            p.decrypt(password.as_bytes(), data).map(Zeroizing::new).map_err(|_| P12Error::WrongPassword)
        }
        PBE_SHA_3DES | PBE_SHA_RC2_40 => {
            let p: Pkcs12PbeParams = params.decode_as().map_err(malformed)?;
            let rounds = budget.spend("an encryption", i64::from(p.iterations))? as i32;
            let salt = p.salt.as_bytes();
            let key_len = if alg.oid == PBE_SHA_3DES { 24 } else { 5 };
            let key = Zeroizing::new(derive_key_utf8::<Sha1>(password, salt, Pkcs12KeyType::EncryptionKey, rounds, key_len).map_err(malformed)?);
            let iv = derive_key_utf8::<Sha1>(password, salt, Pkcs12KeyType::Iv, rounds, 8).map_err(malformed)?;
            let plain = if alg.oid == PBE_SHA_3DES {
                cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv).map_err(malformed)?.decrypt_padded_vec::<Pkcs7>(data)
            } else {
                let rc2 = rc2::Rc2::new_with_eff_key_len(&key, 40);
                cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv).map_err(malformed)?.decrypt_padded_vec::<Pkcs7>(data)
            };
            plain.map(Zeroizing::new).map_err(|_| P12Error::WrongPassword)
        }
        other => Err(P12Error::Unsupported(format!("encryption {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_are_bounded_before_they_are_spent() {
        let mut b = Budget(0);
        assert_eq!(b.spend("x", 2048), Ok(2048));
        assert!(matches!(b.spend("x", 0), Err(P12Error::TooManyRounds { .. })));
        assert!(matches!(b.spend("x", -5), Err(P12Error::TooManyRounds { .. })));
        assert!(matches!(b.spend("x", i64::from(MAX_ITERATIONS) + 1), Err(P12Error::TooManyRounds { .. })));
        for _ in 0..3 {
            assert!(b.spend("x", i64::from(MAX_ITERATIONS)).is_ok());
        }
        assert!(matches!(b.spend("x", i64::from(MAX_ITERATIONS)), Err(P12Error::TooManyRoundsInAll(_))));
    }

    #[test]
    fn junk_and_cut_files_are_refused() {
        assert!(matches!(read(b"", "pw"), Err(P12Error::Malformed(_))));
        assert!(matches!(read(b"\x30\x03\x02\x01\x03", "pw"), Err(P12Error::Malformed(_))));
        assert!(matches!(read(&[0x30; 64], "pw"), Err(P12Error::Malformed(_))));
    }
}
