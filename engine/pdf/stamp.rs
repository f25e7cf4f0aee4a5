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
//!   genTime (YYYYMMDDHHMMSSZ), accuracy { seconds 3600 } }
//! ```

use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

use crate::pdf::sign::{signer_ess_id, tlv, PadesError, OID_CONTENT_TYPE, OID_ECDSA_SHA256, OID_MESSAGE_DIGEST, OID_SHA256, OID_SIGNED_DATA, OID_SIGNING_CERT_V2};
use crate::trust::tsa::TsaSigner;

/// The accuracy every district token states, in seconds (3600: DER
/// `02 02 0e 10`): genTime is the run's recorded start, and its signatures
/// are made within the hour after it. A verifier takes genTime plus the
/// accuracy as the time the signature existed by.
pub const ACCURACY: u32 = 3600;

/// id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4).
pub(crate) const OID_TST_INFO: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04];
/// id-aa-signatureTimeStampToken (1.2.840.113549.1.9.16.2.14).
pub(crate) const OID_SIGNATURE_TIME_STAMP: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e];
/// The district authority's policy: 2.25.147695458563884514074299762077774793233,
/// an OID from a UUID (ITU-T X.667), which needs no registration. It says:
/// "genTime is the run's recorded start; the stamped signature was made
/// within the accuracy after it" (README.md, "Documents for life").
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
    /// The TSTInfo with its imprint at `.1` and serial at `.2` left to fill.
    info: (Vec<u8>, usize, usize),
    /// A whole token per signature length (70–72 bytes), its variable
    /// parts left to fill: a token is a copy with four fields written in.
    layouts: Vec<Layout>,
}

/// A token of one signature length, and where its variable parts sit.
struct Layout {
    sig_len: usize,
    bytes: Vec<u8>,
    imprint_at: usize,
    serial_at: usize,
    digest_at: usize,
    sig_at: usize,
}

/// One signature's token, in values: what varies from token to token.
#[derive(Debug, Clone)]
pub struct Stamped {
    imprint: [u8; 32],
    serial: [u8; 16],
    info_digest: [u8; 32],
    sig: p256::ecdsa::DerSignature,
}

impl Stamped {
    /// The authority's signature's length (DER).
    pub(crate) fn sig_len(&self) -> usize {
        self.sig.as_bytes().len()
    }
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
        let mut s = Stamper {
            signer: crate::pdf::ecdsa::TableSigner::new(&tsa.key),
            at,
            gen_time,
            attrs,
            digest_at: at_digest + zero.len() - 32,
            info_head,
            certs: tlv(0xa0, &tsa.cert),
            cert: tsa.cert.clone(),
            info: (Vec::new(), 0, 0),
            layouts: Vec::new(),
        };
        // Marks where the imprint and the serial go (found, then written over per token).
        let (mark_imprint, mark_serial) = ([0xa5u8; 32], [0x5au8; 16]);
        let info = s.tst_info_with(&mark_imprint, &mark_serial);
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle).ok_or_else(|| PadesError("token layout".into()));
        s.info = (info.clone(), find(&info, &mark_imprint)?, find(&info, &mark_serial)?);
        for sig_len in 70..=72 {
            let bytes = s.assemble(&info, &s.attrs, &vec![0u8; sig_len]);
            let info_at = find(&bytes, &info)?;
            let attrs_at = find(&bytes, &s.attrs)?;
            let layout = Layout {
                sig_len,
                imprint_at: info_at + s.info.1,
                serial_at: info_at + s.info.2,
                digest_at: attrs_at + s.digest_at,
                sig_at: bytes.len() - sig_len,
                bytes,
            };
            s.layouts.push(layout);
        }
        Ok(s)
    }

    /// The TSTInfo stating `imprint` and `serial`.
    fn tst_info_with(&self, imprint: &[u8; 32], serial: &[u8; 16]) -> Vec<u8> {
        seq(&[
            &tlv(0x02, &[1]),
            &oid(POLICY),
            &seq(&[&seq(&[&oid(OID_SHA256)]), &tlv(0x04, imprint)]),
            &tlv(0x02, serial),
            &tlv(0x18, &self.gen_time),
            // accuracy { seconds }: the run's signatures are made within it.
            &seq(&[&tlv(0x02, &ACCURACY.to_be_bytes()[2..])]),
        ])
    }

    /// A token's serial: the hash of its imprint and time, positive and
    /// 16 bytes in DER's shortest form.
    fn serial(&self, imprint: &[u8; 32]) -> [u8; 16] {
        let mut h = Sha256::new();
        h.update(b"terbit tst serial");
        h.update(imprint);
        h.update(&self.gen_time);
        let mut serial = [0u8; 16];
        serial.copy_from_slice(&h.finalize()[..16]);
        serial[0] = (serial[0] & 0x7f) | 0x40;
        serial
    }

    /// The TSTInfo for a signature value whose SHA-256 is `imprint`.
    #[cfg(test)]
    pub(crate) fn tst_info(&self, imprint: &[u8; 32]) -> Vec<u8> {
        self.tst_info_with(imprint, &self.serial(imprint))
    }

    /// The tokens for the signature values `signatures` (DER ECDSA), in
    /// order, as values: their signatures made as one batch.
    pub fn stamp(&self, signatures: &[&[u8]]) -> Vec<Stamped> {
        let imprints: Vec<[u8; 32]> = signatures.iter().map(|s| Sha256::digest(s).into()).collect();
        self.stamp_imprints(&imprints)
    }

    /// The tokens whose message imprints are `imprints` (SHA-256s), in
    /// order, as values (a renewal's document time-stamps).
    pub fn stamp_imprints(&self, imprints: &[[u8; 32]]) -> Vec<Stamped> {
        let (info, imprint_at, serial_at) = (&self.info.0, self.info.1, self.info.2);
        // (imprint, serial, TSTInfo digest, what the authority signs) per signature.
        type Parts = ([u8; 32], [u8; 16], [u8; 32], [u8; 32]);
        let parts: Vec<Parts> = imprints
            .iter()
            .map(|imprint| {
                let imprint = *imprint;
                let serial = self.serial(&imprint);
                let mut h = Sha256::new();
                h.update(&info[..imprint_at]);
                h.update(imprint);
                h.update(&info[imprint_at + 32..serial_at]);
                h.update(serial);
                h.update(&info[serial_at + 16..]);
                let info_digest: [u8; 32] = h.finalize().into();
                // The signed attributes as a SET (RFC 5652 §5.4), the digest in place.
                let mut h = Sha256::new();
                h.update([0x31]);
                h.update(&self.attrs[1..self.digest_at]);
                h.update(info_digest);
                h.update(&self.attrs[self.digest_at + 32..]);
                (imprint, serial, info_digest, h.finalize().into())
            })
            .collect();
        let prehashes: Vec<[u8; 32]> = parts.iter().map(|p| p.3).collect();
        let sigs = self.signer.sign_prehashes(&prehashes);
        parts.into_iter().zip(sigs).map(|((imprint, serial, info_digest, _), sig)| Stamped { imprint, serial, info_digest, sig }).collect()
    }

    /// The token's bytes.
    pub fn token(&self, s: &Stamped) -> Vec<u8> {
        let sig = s.sig.as_bytes();
        match self.layouts.iter().find(|l| l.sig_len == sig.len()) {
            Some(l) => {
                let mut t = l.bytes.clone();
                t[l.imprint_at..l.imprint_at + 32].copy_from_slice(&s.imprint);
                t[l.serial_at..l.serial_at + 16].copy_from_slice(&s.serial);
                t[l.digest_at..l.digest_at + 32].copy_from_slice(&s.info_digest);
                t[l.sig_at..].copy_from_slice(sig);
                t
            }
            // A shorter signature (about one in 2^16): assembled in full.
            None => {
                let mut attrs = self.attrs.clone();
                attrs[self.digest_at..self.digest_at + 32].copy_from_slice(&s.info_digest);
                self.assemble(&self.tst_info_with(&s.imprint, &s.serial), &attrs, sig)
            }
        }
    }

    /// The token of `s` as hex written into `out`, which already holds the
    /// hex of this stamper's token layout for its signature length (a
    /// prepared CMS does): only the four varying fields are written.
    /// `false` (nothing written) when there is no layout of that length.
    pub(crate) fn write_hex(&self, s: &Stamped, out: &mut [u8]) -> bool {
        let sig = s.sig.as_bytes();
        let Some(l) = self.layouts.iter().find(|l| l.sig_len == sig.len()) else { return false };
        for (at, value) in [(l.imprint_at, &s.imprint[..]), (l.serial_at, &s.serial[..]), (l.digest_at, &s.info_digest[..]), (l.sig_at, sig)] {
            let _ = hex::encode_to_slice(value, &mut out[2 * at..2 * (at + value.len())]);
        }
        true
    }

    /// A token layout's bytes for signatures of `sig_len` bytes, if there is one.
    pub(crate) fn layout(&self, sig_len: usize) -> Option<&[u8]> {
        self.layouts.iter().find(|l| l.sig_len == sig_len).map(|l| l.bytes.as_slice())
    }

    /// Tokens for the signature values `signatures` (DER ECDSA), in order:
    /// their signatures made as one batch.
    pub fn tokens(&self, signatures: &[&[u8]]) -> Vec<Vec<u8>> {
        self.stamp(signatures).iter().map(|s| self.token(s)).collect()
    }

    fn assemble(&self, info: &[u8], attrs: &[u8], sig: &[u8]) -> Vec<u8> {
        let encap = seq(&[&oid(OID_TST_INFO), &tlv(0xa0, &tlv(0x04, info))]);
        let signer_info = seq(&[&self.info_head, attrs, &seq(&[&oid(OID_ECDSA_SHA256)]), &tlv(0x04, sig)]);
        let data = seq(&[&tlv(0x02, &[3]), &tlv(0x31, &seq(&[&oid(OID_SHA256)])), &encap, &self.certs, &tlv(0x31, &signer_info)]);
        seq(&[&oid(OID_SIGNED_DATA), &tlv(0xa0, &data)])
    }

    /// The longest token this stamper makes (a 72-byte signature).
    pub fn max_len(&self) -> usize {
        self.layouts.iter().map(|l| l.bytes.len()).max().unwrap_or(0)
    }
}

/// Who stamps a run's signatures.
#[derive(Debug)]
pub enum Stamping {
    /// The district's own authority, in-process.
    District(Box<Stamper>),
    /// An external authority, over HTTP(S).
    Remote(crate::pdf::remote::RemoteTsa),
}

impl Stamping {
    /// The external authority's URL; `None` for the district's own.
    pub fn remote_url(&self) -> Option<&str> {
        match self {
            Stamping::District(_) => None,
            Stamping::Remote(r) => Some(r.url()),
        }
    }

    /// Tokens whose message imprints are `imprints` (SHA-256s), in order.
    pub fn tokens_for(&self, imprints: &[[u8; 32]]) -> Result<Vec<Vec<u8>>, PadesError> {
        match self {
            Stamping::District(s) => Ok(s.stamp_imprints(imprints).iter().map(|x| s.token(x)).collect()),
            Stamping::Remote(r) => r.tokens_for(imprints),
        }
    }

    /// The longest token it is expected to give (bytes).
    pub fn max_token(&self) -> usize {
        match self {
            Stamping::District(s) => s.max_len(),
            Stamping::Remote(r) => r.max_token,
        }
    }
}

/// One signature's stamp as the signer writes it.
#[derive(Debug, Clone)]
pub enum Stamp {
    /// No stamp (PAdES B-B).
    None,
    /// The district authority's, in values.
    District(Stamped),
    /// An external authority's token.
    Remote(Vec<u8>),
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
        assert!(s.tst_info(&[0; 32]).ends_with(&[0x30, 0x04, 0x02, 0x02, 0x0e, 0x10]), "accuracy one hour");
        let sigs: Vec<Vec<u8>> = (0..40u8).map(|n| vec![n; 70 + (n % 3) as usize]).collect();
        let refs: Vec<&[u8]> = sigs.iter().map(Vec::as_slice).collect();
        let many = s.tokens(&refs);
        for (sig, token) in refs.iter().zip(&many) {
            assert_eq!(&s.tokens(&[sig])[0], token);
            assert!(token.len() <= s.max_len());
        }
        // Each names its own imprint and serial.
        assert_ne!(s.tst_info(&[1; 32]), s.tst_info(&[2; 32]));
        // A copy of the layout with its fields written in is the token
        // assembled in full.
        for st in s.stamp(&refs) {
            let mut attrs = s.attrs.clone();
            attrs[s.digest_at..s.digest_at + 32].copy_from_slice(&st.info_digest);
            let whole = s.assemble(&s.tst_info(&st.imprint), &attrs, st.sig.as_bytes());
            assert_eq!(s.token(&st), whole);
            assert_eq!(Sha256::digest(s.tst_info(&st.imprint)).as_slice(), st.info_digest);
            // (A signature shorter than 70 bytes has no layout: assembled in full, above.)
            if let Some(layout) = s.layout(st.sig_len()) {
                let mut hex_out = hex::encode(layout).into_bytes();
                assert!(s.write_hex(&st, &mut hex_out));
                assert_eq!(hex_out, hex::encode(&whole).into_bytes());
            } else {
                assert!(st.sig_len() < 70 && !s.write_hex(&st, &mut Vec::new()));
            }
        }
    }

    #[test]
    fn a_time_outside_the_authoritys_certificate_is_refused() {
        let tsa = test_tsa();
        assert!(Stamper::new(&tsa, tsa.valid.0 - 1).is_err());
        assert!(Stamper::new(&tsa, tsa.valid.1).is_err());
        assert!(Stamper::new(&tsa, tsa.valid.0).is_ok());
    }
}
