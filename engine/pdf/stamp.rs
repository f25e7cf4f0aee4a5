//! Signature time-stamps (RFC 3161 tokens, PAdES B-T) from the district
//! time-stamp authority (`trust/tsa.rs`), made in-process and in batches
//! like the signatures they stamp. A token is a CMS SignedData over a
//! TSTInfo whose message imprint is the SHA-256 of the document signature's
//! value (RFC 3161 Appendix A, RFC 5652 §11.4); it travels as the
//! signature's unsigned attribute signature-time-stamp-token.
//!
//! Every token of a run states one time, recorded before the first file is
//! written (the caller's [`Stamper::new`]): a resumed run stamps the same
//! way, and the same inputs give the same bytes. The serial number is the
//! hash of the imprint and that time, so two signatures never share one.
//!
//! The token, as written (DER):
//! ```text
//! ContentInfo { id-signedData, [0] SignedData {
//!   version 3, { sha-256 }, { id-ct-TSTInfo, [0] OCTET STRING TSTInfo },
//!   [0] { the authority's certificate },
//!   { SignerInfo { version 1, issuer and serial, sha-256,
//!       [0] { content-type id-ct-TSTInfo, message-digest, signing-certificate-v2 },
//!       ecdsa-with-SHA256, signature } } } }
//! TSTInfo { version 1, policy (POLICY), { sha-256, imprint }, serial,
//!   genTime (YYYYMMDDHHMMSSZ) }
//! ```

use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

use crate::pdf::sign::{signer_ess_id, tlv, PadesError, OID_CONTENT_TYPE, OID_ECDSA_SHA256, OID_MESSAGE_DIGEST, OID_SHA256, OID_SIGNED_DATA, OID_SIGNING_CERT_V2};
use crate::trust::tsa::TsaSigner;

/// id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4).
pub(crate) const OID_TST_INFO: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04];
/// id-aa-signatureTimeStampToken (1.2.840.113549.1.9.16.2.14).
pub(crate) const OID_SIGNATURE_TIME_STAMP: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e];
/// The district authority's policy: 2.25.147695458563884514074299762077774793233,
/// an OID from a UUID (ITU-T X.667), which needs no registration. It says:
/// "genTime is no earlier than the stamped signature was made, and no
/// earlier than the run's recorded start" (README.md, "Documents for life").
pub const POLICY: &[u8] = &[0x69, 0x81, 0xde, 0x9d, 0x8e, 0x94, 0xc7, 0xc5, 0xf2, 0xbc, 0xf5, 0x9a, 0x9f, 0x9f, 0xa5, 0xb8, 0xf8, 0xb9, 0x94, 0x11];

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(o: &[u8]) -> Vec<u8> {
    tlv(0x06, o)
}

/// A GeneralizedTime's text for epoch seconds (`YYYYMMDDHHMMSSZ`).
pub fn generalized_time(at: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(at, 0).filter(|t| (2000..10_000).contains(&chrono::Datelike::year(t))).map(|t| t.format("%Y%m%d%H%M%SZ").to_string())
}

/// A run's time-stamp authority, its token prepared.
pub struct Stamper {
    signer: crate::pdf::ecdsa::TableSigner,
    /// The time every token of the run states, epoch seconds.
    pub at: i64,
    gen_time: Vec<u8>,
    /// The signed attributes, tagged `[0]`, with a zero message digest at `digest_at`.
    attrs: Vec<u8>,
    digest_at: usize,
    /// SignerInfo's fields before the signed attributes.
    info_head: Vec<u8>,
    /// `[0] { certificate }`.
    certs: Vec<u8>,
    /// The authority's certificate (DER).
    pub cert: Vec<u8>,
}

impl std::fmt::Debug for Stamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stamper {{ at: {} }}", self.at)
    }
}

impl Stamper {
    /// Stamp a run's signatures with `tsa` at `at` (epoch seconds), which
    /// its certificate must cover.
    pub fn new(tsa: &TsaSigner, at: i64) -> Result<Stamper, PadesError> {
        if at < tsa.valid.0 || at >= tsa.valid.1 {
            return Err(PadesError(format!(
                "the district time-stamp authority's certificate is valid from {} until {}, which does not hold the run's time-stamp time {}: sign the trust list again (`terbit trust sign`), which certifies it anew",
                crate::dk1::keys::rfc3339(tsa.valid.0),
                crate::dk1::keys::rfc3339(tsa.valid.1),
                crate::dk1::keys::rfc3339(at)
            )));
        }
        let gen_time = generalized_time(at).ok_or_else(|| PadesError(format!("time-stamp time {at} is outside the years 2000–9999")))?.into_bytes();
        let cert = x509_cert::Certificate::from_der(&tsa.cert).map_err(|e| PadesError(e.to_string()))?;
        let issuer = cert.tbs_certificate().issuer().to_der().map_err(|e| PadesError(e.to_string()))?;
        let serial = cert.tbs_certificate().serial_number().to_der().map_err(|e| PadesError(e.to_string()))?;
        let ess = signer_ess_id(&tsa.cert, &cert).map_err(|e| PadesError(e.to_string()))?;
        let zero = seq(&[&oid(OID_MESSAGE_DIGEST), &tlv(0x31, &tlv(0x04, &[0u8; 32]))]);
        let mut attributes = [seq(&[&oid(OID_CONTENT_TYPE), &tlv(0x31, &oid(OID_TST_INFO))]), zero.clone(), seq(&[&oid(OID_SIGNING_CERT_V2), &tlv(0x31, &seq(&[&seq(&[&ess])]))])];
        // DER's order of a SET OF.
        attributes.sort();
        let attrs = tlv(0xa0, &attributes.concat());
        let at_digest = attrs.windows(zero.len()).position(|w| w == zero.as_slice()).ok_or_else(|| PadesError("message digest not found".into()))?;
        let info_head = [tlv(0x02, &[1]), seq(&[&issuer, &serial]), seq(&[&oid(OID_SHA256)])].concat();
        Ok(Stamper {
            signer: crate::pdf::ecdsa::TableSigner::new(&tsa.key),
            at,
            gen_time,
            attrs,
            digest_at: at_digest + zero.len() - 32,
            info_head,
            certs: tlv(0xa0, &tsa.cert),
            cert: tsa.cert.clone(),
        })
    }

    /// The TSTInfo for a signature value whose SHA-256 is `imprint`.
    pub(crate) fn tst_info(&self, imprint: &[u8; 32]) -> Vec<u8> {
        let mut h = Sha256::new();
        h.update(b"terbit tst serial");
        h.update(imprint);
        h.update(&self.gen_time);
        let mut serial = h.finalize()[..16].to_vec();
        // Positive, and 16 bytes in DER's shortest form.
        serial[0] = (serial[0] & 0x7f) | 0x40;
        seq(&[
            &tlv(0x02, &[1]),
            &oid(POLICY),
            &seq(&[&seq(&[&oid(OID_SHA256)]), &tlv(0x04, imprint)]),
            &tlv(0x02, &serial),
            &tlv(0x18, &self.gen_time),
        ])
    }

    /// Tokens for the signature values `signatures` (DER ECDSA), in order:
    /// their signatures made as one batch.
    pub fn tokens(&self, signatures: &[&[u8]]) -> Vec<Vec<u8>> {
        let infos: Vec<Vec<u8>> = signatures.iter().map(|s| self.tst_info(&Sha256::digest(s).into())).collect();
        let attrs: Vec<Vec<u8>> = infos
            .iter()
            .map(|info| {
                let mut a = self.attrs.clone();
                a[self.digest_at..self.digest_at + 32].copy_from_slice(&Sha256::digest(info));
                a
            })
            .collect();
        let prehashes: Vec<[u8; 32]> = attrs
            .iter()
            .map(|a| {
                // Signed as a SET (RFC 5652 §5.4).
                let mut h = Sha256::new();
                h.update([0x31]);
                h.update(&a[1..]);
                h.finalize().into()
            })
            .collect();
        let sigs = self.signer.sign_prehashes(&prehashes);
        infos.iter().zip(&attrs).zip(&sigs).map(|((info, a), sig)| self.assemble(info, a, sig.as_bytes())).collect()
    }

    fn assemble(&self, info: &[u8], attrs: &[u8], sig: &[u8]) -> Vec<u8> {
        let encap = seq(&[&oid(OID_TST_INFO), &tlv(0xa0, &tlv(0x04, info))]);
        let signer_info = seq(&[&self.info_head, attrs, &seq(&[&oid(OID_ECDSA_SHA256)]), &tlv(0x04, sig)]);
        let data = seq(&[&tlv(0x02, &[3]), &tlv(0x31, &seq(&[&oid(OID_SHA256)])), &encap, &self.certs, &tlv(0x31, &signer_info)]);
        seq(&[&oid(OID_SIGNED_DATA), &tlv(0xa0, &data)])
    }

    /// The longest token this stamper makes (a 72-byte signature).
    pub fn max_len(&self) -> usize {
        self.assemble(&self.tst_info(&[0; 32]), &self.attrs, &[0u8; 72]).len()
    }
}

/// The unsigned attributes `[1] { signature-time-stamp-token { token } }`
/// a signer info carries for `token`.
pub(crate) fn unsigned_attributes(token: &[u8]) -> Vec<u8> {
    tlv(0xa1, &seq(&[&oid(OID_SIGNATURE_TIME_STAMP), &tlv(0x31, token)]))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The test authority (key 0x41) under the test root, certified from 2021 for ten years.
    pub(crate) fn test_tsa() -> TsaSigner {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x41; 32]).unwrap();
        let cert = crate::trust::tsa::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 1_609_459_200 + crate::trust::tsa::VALIDITY).unwrap();
        let valid = crate::trust::pdfkey::validity(&cert).unwrap();
        TsaSigner { key, cert, valid }
    }

    #[test]
    fn a_token_is_the_same_bytes_alone_or_in_a_batch() {
        let s = Stamper::new(&test_tsa(), 1_795_478_399).unwrap();
        let sigs: Vec<Vec<u8>> = (0..40u8).map(|n| vec![n; 70 + (n % 3) as usize]).collect();
        let refs: Vec<&[u8]> = sigs.iter().map(Vec::as_slice).collect();
        let many = s.tokens(&refs);
        for (sig, token) in refs.iter().zip(&many) {
            assert_eq!(&s.tokens(&[sig])[0], token);
            assert!(token.len() <= s.max_len());
        }
        // Each names its own imprint and serial.
        assert_ne!(s.tst_info(&[1; 32]), s.tst_info(&[2; 32]));
    }

    #[test]
    fn a_time_outside_the_authoritys_certificate_is_refused() {
        let tsa = test_tsa();
        assert!(Stamper::new(&tsa, tsa.valid.0 - 1).is_err());
        assert!(Stamper::new(&tsa, tsa.valid.1).is_err());
        assert!(Stamper::new(&tsa, tsa.valid.0).is_ok());
    }
}
