//! PAdES baseline B-B signatures (ETSI EN 319 142-1) on the PDFs terbit
//! writes: a signature dictionary (`/Filter /Adobe.PPKLite`, `/SubFilter
//! /ETSI.CAdES.detached`) whose `/ByteRange` covers the whole file but its
//! `/Contents`, which holds a detached CMS SignedData (RFC 5652) with the
//! signed attributes PAdES asks for: content-type, message-digest and
//! signing-certificate-v2 (no signing time: the claimed time is `/M`, the
//! issue date). ECDSA P-256 / SHA-256 with RFC 6979 nonces: the same file
//! signed twice is the same bytes.
//!
//! Everything in the CMS but the digest and the signature is the same for
//! a whole run, so it is assembled once ([`Pades::new`]) and each file costs
//! a SHA-256 over its bytes, one ECDSA signature and a few copies.

use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

use crate::pdf::stamp::{Stamp, Stamping};
use crate::trust::pdfkey::PdfSigner;

// DER object identifiers (content bytes); verify/signature/pades.rs reads with them too.
pub(crate) const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
pub(crate) const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
pub(crate) const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
pub(crate) const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
pub(crate) const OID_CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
pub(crate) const OID_MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
pub(crate) const OID_SIGNING_CERT_V2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f];

/// A DER element: tag, definite length, content.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else if n < 0x10000 {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    } else {
        out.extend_from_slice(&[0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

/// The signer's ESSCertIDv2 in signing-certificate-v2 (RFC 5035), as
/// terbit writes it: the certificate's SHA-256 (the default hash, so no
/// algorithm), then its issuer and serial.
pub(crate) fn signer_ess_id(cert_der: &[u8], cert: &x509_cert::Certificate) -> x509_cert::der::Result<Vec<u8>> {
    let issuer = cert.tbs_certificate().issuer().to_der()?;
    let serial = cert.tbs_certificate().serial_number().to_der()?;
    let general_names = seq(&[&tlv(0xa4, &issuer)]);
    Ok(seq(&[&tlv(0x04, &Sha256::digest(cert_der)), &seq(&[&general_names, &serial])]))
}

/// A carried certificate's ESSCertIDv2: its SHA-256 alone.
pub(crate) fn chain_ess_id(cert_der: &[u8]) -> Vec<u8> {
    seq(&[&tlv(0x04, &Sha256::digest(cert_der))])
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn oid(o: &[u8]) -> Vec<u8> {
    tlv(0x06, o)
}

fn alg(o: &[u8]) -> Vec<u8> {
    seq(&[&oid(o)])
}

/// Why a signer cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("PDF signing certificate: {0}")]
pub struct PadesError(pub String);

/// A run's signer, with its CMS prepared.
pub struct Pades {
    signer: crate::pdf::ecdsa::TableSigner,
    /// The signed attributes, DER, tagged `[0]`, with a zero message digest at `digest_at`.
    attrs: Vec<u8>,
    digest_at: usize,
    /// SignerInfo's fields before the signed attributes (version, sid, digest algorithm).
    info_head: Vec<u8>,
    /// SignedData's fields before its signer infos (version … certificates).
    data_head: Vec<u8>,
    /// Hex digits `/Contents` holds (the largest CMS, so every file of the run has the same size).
    pub contents_len: usize,
    /// The whole CMS but the signature's bytes, as hex digits, for the
    /// usual signature lengths (70–72 bytes), with a zero digest at `.2`
    /// (an offset into the hex): a file's CMS is a copy of one of them
    /// with its digest and signature written in.
    templates: Vec<(usize, Vec<u8>, usize)>,
    /// The time-stamp authority that stamps each signature (PAdES B-T):
    /// the district's own or an external one, if the run has one.
    stamper: Option<crate::pdf::stamp::Stamping>,
    /// As `templates`, for stamped signatures: the whole CMS with its
    /// token, as hex, per signature length and token signature length,
    /// and where the digest, the signature and the token start in it.
    stamped_templates: Vec<StampedTemplate>,
    /// The validation data every file of the run carries (PAdES B-LT).
    dss: Option<crate::pdf::dss::Dss>,
}

/// A stamped CMS of given signature lengths, as hex, its varying parts at known places.
struct StampedTemplate {
    sig_len: usize,
    token_sig_len: usize,
    hex: Vec<u8>,
    digest_at: usize,
    sig_at: usize,
    token_at: usize,
}

impl std::fmt::Debug for Pades {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pades {{ contents_len: {} }}", self.contents_len)
    }
}

impl Pades {
    /// Prepare `signer`'s CMS for a run (PAdES B-B: no time-stamp).
    pub fn new(signer: &PdfSigner) -> Result<Pades, PadesError> {
        Pades::stamped(signer, None)
    }

    /// Prepare `signer`'s CMS for a run whose signatures `stamper` stamps
    /// (PAdES B-T) when given.
    pub fn stamped(signer: &PdfSigner, stamper: Option<crate::pdf::stamp::Stamping>) -> Result<Pades, PadesError> {
        let cert = x509_cert::Certificate::from_der(&signer.cert).map_err(|e| PadesError(e.to_string()))?;
        let issuer = cert.tbs_certificate().issuer().to_der().map_err(|e| PadesError(e.to_string()))?;
        let serial = cert.tbs_certificate().serial_number().to_der().map_err(|e| PadesError(e.to_string()))?;
        let ess = signer_ess_id(&signer.cert, &cert).map_err(|e| PadesError(e.to_string()))?;
        // A certification authority's chain is named too, each certificate
        // by its hash in the order it travels (RFC 5035 allows more than
        // the signer's): the signature then covers the whole chain, which
        // would otherwise be bytes no one signed. terbit's own chain, a
        // district root alone, is exactly checked by verifiers as it is.
        let mut ids = vec![ess];
        if !crate::trust::pdfkey::is_district_root_chain(&signer.cert, &signer.chain) {
            for c in &signer.chain {
                ids.push(chain_ess_id(c));
            }
        }
        let ids: Vec<&[u8]> = ids.iter().map(Vec::as_slice).collect();
        let signing_cert = seq(&[&seq(&ids)]);
        let mut attributes = [
            seq(&[&oid(OID_CONTENT_TYPE), &tlv(0x31, &oid(OID_DATA))]),
            seq(&[&oid(OID_MESSAGE_DIGEST), &tlv(0x31, &tlv(0x04, &[0u8; 32]))]),
            seq(&[&oid(OID_SIGNING_CERT_V2), &tlv(0x31, &signing_cert)]),
        ];
        // DER orders a SET OF by its elements' encodings; the digest does
        // not change the order (the elements differ in length and OID first).
        attributes.sort();
        let attrs = tlv(0xa0, &attributes.concat());
        let md = seq(&[&oid(OID_MESSAGE_DIGEST), &tlv(0x31, &tlv(0x04, &[0u8; 32]))]);
        let at = attrs.windows(md.len()).position(|w| w == md.as_slice()).ok_or_else(|| PadesError("message digest not found".into()))?;
        let digest_at = at + md.len() - 32;
        let sid = seq(&[&issuer, &serial]);
        let info_head = [tlv(0x02, &[1]), sid, alg(OID_SHA256)].concat();
        let mut certs = signer.cert.clone();
        for c in &signer.chain {
            certs.extend_from_slice(c);
        }
        let data_head = [
            tlv(0x02, &[1]),
            tlv(0x31, &alg(OID_SHA256)),
            seq(&[&oid(OID_DATA)]),
            tlv(0xa0, &certs),
        ]
        .concat();
        let mut p = Pades { signer: crate::pdf::ecdsa::TableSigner::new(&signer.key), attrs, digest_at, info_head, data_head, contents_len: 0, templates: Vec::new(), stamper, stamped_templates: Vec::new(), dss: None };
        // The largest a DER ECDSA P-256 signature gets is 72 bytes (its token's too).
        let longest = p.stamper.as_ref().map(|s| match s {
            Stamping::District(d) => vec![0u8; d.max_len()],
            // Room for the longest token it is expected to give, in a
            // tagged OCTET STRING's shape (the length of the length counts).
            Stamping::Remote(r) => tlv(0x04, &vec![0u8; r.max_token.saturating_sub(6)]),
        });
        p.contents_len = p.assemble(&[0u8; 32], &[0u8; 72], longest.as_deref()).len() * 2;
        if let Some(Stamping::Remote(_)) = &p.stamper {
            // Each CMS is assembled whole: an external token's shape is its authority's.
            return Ok(p);
        }
        if let Some(Stamping::District(stamper)) = &p.stamper {
            // Every pair of lengths: a file's CMS is a copy with the
            // digest, the signature and the token's fields written in.
            let md = seq(&[&oid(OID_MESSAGE_DIGEST), &tlv(0x31, &tlv(0x04, &[0u8; 32]))]);
            let mut made = Vec::new();
            for sig_len in 70..=72 {
                for token_sig_len in 70..=72 {
                    let token = stamper.layout(token_sig_len).ok_or_else(|| PadesError("token layout".into()))?;
                    let whole = p.assemble(&[0u8; 32], &vec![0u8; sig_len], Some(token));
                    // The document's own attributes come first (the token's follow the signature).
                    let at = whole.windows(md.len()).position(|w| w == md.as_slice()).ok_or_else(|| PadesError("message digest not found".into()))?;
                    let token_at = whole.len() - token.len();
                    let unsigned = crate::pdf::stamp::unsigned_attributes(token).len();
                    made.push(StampedTemplate {
                        sig_len,
                        token_sig_len,
                        hex: hex::encode(&whole).into_bytes(),
                        digest_at: 2 * (at + md.len() - 32),
                        sig_at: 2 * (whole.len() - unsigned - sig_len),
                        token_at: 2 * token_at,
                    });
                }
            }
            p.stamped_templates = made;
            return Ok(p);
        }
        // Everything before the signature's value, made once per length:
        // the digest sits at a fixed place in it.
        for len in 70..=72 {
            let whole = p.assemble(&[0u8; 32], &vec![0u8; len], None);
            let head = whole[..whole.len() - len].to_vec();
            let md = seq(&[&oid(OID_MESSAGE_DIGEST), &tlv(0x31, &tlv(0x04, &[0u8; 32]))]);
            let at = head.windows(md.len()).position(|w| w == md.as_slice()).ok_or_else(|| PadesError("message digest not found".into()))?;
            p.templates.push((len, hex::encode(head).into_bytes(), 2 * (at + md.len() - 32)));
        }
        Ok(p)
    }

    /// What the signature signs for a file whose byte range hashes to
    /// `digest`: the SHA-256 of the signed attributes.
    fn attributes_digest(&self, digest: &[u8; 32]) -> [u8; 32] {
        let mut attrs = self.attrs.clone();
        attrs[self.digest_at..self.digest_at + 32].copy_from_slice(digest);
        // The signature covers the attributes as a SET (tag 0x31), not as
        // the [0] they are stored under (RFC 5652 §5.4).
        attrs[0] = 0x31;
        Sha256::digest(&attrs).into()
    }

    /// The signature of the signed attributes for `digest`, DER.
    fn signature(&self, digest: &[u8; 32]) -> p256::ecdsa::DerSignature {
        self.signer.sign_prehash(&self.attributes_digest(digest))
    }

    /// Put `dss` in every file this signer signs (PAdES B-LT).
    pub fn with_dss(mut self, dss: crate::pdf::dss::Dss) -> Pades {
        self.dss = Some(dss);
        self
    }

    /// The validation data every file carries, if any.
    pub fn dss(&self) -> Option<&crate::pdf::dss::Dss> {
        self.dss.as_ref()
    }

    /// The time the run's time-stamps state (epoch seconds), when the
    /// district authority stamps (an external one states its own).
    pub fn stamp_time(&self) -> Option<i64> {
        match &self.stamper {
            Some(Stamping::District(s)) => Some(s.at),
            _ => None,
        }
    }

    /// A time-stamp token over `data` (its imprint is `data`'s SHA-256)
    /// from the run's authority, if the run stamps: the batch seal's.
    pub fn token_over(&self, data: &[u8]) -> Result<Option<Vec<u8>>, PadesError> {
        Ok(match &self.stamper {
            Some(Stamping::District(s)) => s.tokens(&[data]).pop(),
            Some(Stamping::Remote(r)) => r.tokens(&[data])?.pop(),
            None => None,
        })
    }

    /// Who stamps the run's signatures, if anyone.
    pub fn stamping(&self) -> Option<&Stamping> {
        self.stamper.as_ref()
    }

    /// The time-stamps for signature values `sigs`.
    fn tokens(&self, sigs: &[&[u8]]) -> Result<Vec<Stamp>, PadesError> {
        Ok(match &self.stamper {
            Some(Stamping::District(s)) => s.stamp(sigs).into_iter().map(Stamp::District).collect(),
            Some(Stamping::Remote(r)) => r.tokens(sigs)?.into_iter().map(Stamp::Remote).collect(),
            None => sigs.iter().map(|_| Stamp::None).collect(),
        })
    }

    /// A time-stamp's token bytes.
    fn token_bytes(&self, stamp: &Stamp) -> Option<Vec<u8>> {
        match (stamp, &self.stamper) {
            (Stamp::District(s), Some(Stamping::District(d))) => Some(d.token(s)),
            (Stamp::Remote(t), _) => Some(t.clone()),
            _ => None,
        }
    }

    /// Write the CMS for `digest` as hex into `out` (which is
    /// `contents_len` long; what the CMS does not fill stays as it is).
    pub fn cms_hex_into(&self, digest: &[u8; 32], out: &mut [u8]) -> Result<(), PadesError> {
        let sig = self.signature(digest);
        let stamp = self.tokens(&[sig.as_bytes()])?.pop().unwrap_or(Stamp::None);
        self.write_cms(digest, sig.as_bytes(), &stamp, out)
    }

    /// Write the CMS for `digest` signed by `sig` (stamped by `stamp`) as hex into `out`.
    fn write_cms(&self, digest: &[u8; 32], sig: &[u8], stamp: &Stamp, out: &mut [u8]) -> Result<(), PadesError> {
        if let (Stamp::District(st), Some(Stamping::District(stamper))) = (stamp, &self.stamper) {
            let t = self.stamped_templates.iter().find(|t| t.sig_len == sig.len() && t.token_sig_len == st.sig_len());
            if let Some(t) = t {
                out[..t.hex.len()].copy_from_slice(&t.hex);
                let _ = hex::encode_to_slice(digest, &mut out[t.digest_at..t.digest_at + 64]);
                let _ = hex::encode_to_slice(sig, &mut out[t.sig_at..t.sig_at + 2 * sig.len()]);
                if stamper.write_hex(st, &mut out[t.token_at..t.hex.len()]) {
                    return Ok(());
                }
            }
        }
        let template = self.templates.iter().find(|(len, _, _)| *len == sig.len()).filter(|_| matches!(stamp, Stamp::None));
        let Some((_, head, at)) = template else {
            // An external token, or a shorter signature (about one in
            // 2^16) or token signature: assembled in full.
            let cms = self.assemble(digest, sig, self.token_bytes(stamp).as_deref());
            if 2 * cms.len() > out.len() {
                return Err(PadesError(format!("the signature with its time-stamp takes {} bytes, more than the {} the run reserved", cms.len(), out.len() / 2)));
            }
            let _ = hex::encode_to_slice(&cms, &mut out[..2 * cms.len()]);
            return Ok(());
        };
        out[..head.len()].copy_from_slice(head);
        let _ = hex::encode_to_slice(digest, &mut out[*at..at + 64]);
        let _ = hex::encode_to_slice(sig, &mut out[head.len()..head.len() + 2 * sig.len()]);
        Ok(())
    }

    fn assemble(&self, digest: &[u8; 32], sig: &[u8], token: Option<&[u8]>) -> Vec<u8> {
        let mut attrs = self.attrs.clone();
        attrs[self.digest_at..self.digest_at + 32].copy_from_slice(digest);
        let unsigned = token.map(crate::pdf::stamp::unsigned_attributes).unwrap_or_default();
        let info = seq(&[&self.info_head, &attrs, &alg(OID_ECDSA_SHA256), &tlv(0x04, sig), &unsigned]);
        let data = seq(&[&self.data_head, &tlv(0x31, &info)]);
        seq(&[&oid(OID_SIGNED_DATA), &tlv(0xa0, &data)])
    }

    /// The CMS for a file whose byte range hashes to `digest`.
    pub fn cms(&self, digest: &[u8; 32]) -> Result<Vec<u8>, PadesError> {
        let sig = self.signature(digest);
        let stamp = self.tokens(&[sig.as_bytes()])?.pop().unwrap_or(Stamp::None);
        Ok(self.assemble(digest, sig.as_bytes(), self.token_bytes(&stamp).as_deref()))
    }

    /// The signature dictionary's bytes (an object's content, without `n 0
    /// obj`) with zeroed `/ByteRange` and `/Contents` placeholders, and
    /// where in them the two placeholders start. `m` is the claimed time,
    /// a PDF date (`D:20261123000000Z`).
    pub fn dictionary(&self, m: &str) -> (Vec<u8>, usize, usize) {
        let mut d = Vec::with_capacity(self.contents_len + 256);
        let (range_at, contents_at) = self.dictionary_into(&mut d, m);
        (d, range_at, contents_at)
    }

    /// [`Pades::dictionary`] appended to `d`; where the placeholders start
    /// (offsets from where it was appended).
    pub fn dictionary_into(&self, out: &mut Vec<u8>, m: &str) -> (usize, usize) {
        let base = out.len();
        let d = out;
        d.extend_from_slice(b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M(");
        d.extend_from_slice(m.as_bytes());
        d.extend_from_slice(b")/ByteRange");
        let range_at = d.len() - base;
        d.extend_from_slice(RANGE_PLACEHOLDER);
        d.extend_from_slice(b"/Contents");
        let contents_at = d.len() - base;
        d.push(b'<');
        d.resize(d.len() + self.contents_len, b'0');
        d.extend_from_slice(b">>>");
        (range_at, contents_at)
    }

    /// Sign `file` in place at `place`.
    pub fn sign(&self, file: &mut [u8], place: Place) -> Result<(), PadesError> {
        self.sign_many(&mut [(file, place)]).map(|_| ())
    }

    /// Sign many files in place, each at its place: the same bytes as
    /// signing each alone, the signatures made as a batch
    /// ([`crate::pdf::ecdsa::TableSigner::sign_prehashes`]). Gives each
    /// signed file's SHA-256 (the manifest's), in order: the bytes before
    /// `/Contents` are hashed once for it and for the signed range.
    pub fn sign_many(&self, files: &mut [(&mut [u8], Place)]) -> Result<Vec<[u8; 32]>, PadesError> {
        let (digests, heads): (Vec<[u8; 32]>, Vec<Sha256>) = files.iter_mut().map(|(file, place)| self.byte_range_digest(file, *place)).unzip();
        let signed: Vec<[u8; 32]> = digests.iter().map(|d| self.attributes_digest(d)).collect();
        let sigs = self.signer.sign_prehashes(&signed);
        let tokens = self.tokens(&sigs.iter().map(|s| s.as_bytes()).collect::<Vec<_>>())?;
        files
            .iter_mut()
            .zip(&digests)
            .zip(&sigs)
            .zip(heads)
            .zip(&tokens)
            .map(|(((((file, place), digest), sig), mut whole), token)| {
                let at = place.contents_at + 1;
                self.write_cms(digest, sig.as_bytes(), token, &mut file[at..at + self.contents_len])?;
                whole.update(&file[place.contents_at..]);
                Ok(whole.finalize().into())
            })
            .collect()
    }

    /// Fill `file`'s `/ByteRange` and hash the range; with the hash of
    /// the bytes before `/Contents`, for the whole file's.
    fn byte_range_digest(&self, file: &mut [u8], place: Place) -> ([u8; 32], Sha256) {
        let Place { range_at, contents_at } = place;
        let after = contents_at + self.contents_len + 2;
        let range = byte_range(contents_at, self.contents_len, file.len());
        file[range_at..range_at + RANGE_PLACEHOLDER.len()].copy_from_slice(range.as_bytes());
        let mut head = Sha256::new();
        head.update(&file[..contents_at]);
        let mut h = head.clone();
        h.update(&file[after..]);
        (h.finalize().into(), head)
    }
}

/// Where a file's signature goes (both placeholders as
/// [`Pades::dictionary`] wrote them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The file offset of the `[` of `/ByteRange`'s placeholder.
    pub range_at: usize,
    /// The file offset of the `<` of `/Contents`' placeholder.
    pub contents_at: usize,
}

/// `/ByteRange`'s placeholder: four numbers of fixed width.
pub(crate) const RANGE_PLACEHOLDER: &[u8] = b"[0 0000000000 0000000000 0000000000]";

/// The `/ByteRange` that takes the place of [`RANGE_PLACEHOLDER`] in a
/// file of `total` bytes whose `/Contents` hex string (`hex_len` digits)
/// opens at `contents_at`: everything but that string, `<` and `>` included.
pub(crate) fn byte_range(contents_at: usize, hex_len: usize, total: usize) -> String {
    let after = contents_at + hex_len + 2;
    format!("[0 {contents_at:>10} {after:>10} {:>10}]", total - after)
}

/// A PDF date for a signature's `/M`: the issue date at midnight UTC.
pub fn pdf_date(d: chrono::NaiveDate) -> String {
    format!("D:{}000000Z", d.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signer with key `seed`, certified by the test root.
    fn pades(seed: u8) -> Pades {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let cert = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 2_240_611_200).unwrap();
        Pades::new(&PdfSigner { key, cert, chain: vec![root.cert.der.clone()] }).unwrap()
    }

    #[test]
    fn the_prepared_cms_is_the_assembled_one() {
        let p = pades(0x21);
        for n in 0..40u8 {
            let digest: [u8; 32] = Sha256::digest([n]).into();
            let mut out = vec![b'0'; p.contents_len];
            p.cms_hex_into(&digest, &mut out).unwrap();
            let want = hex::encode(p.cms(&digest).unwrap());
            assert_eq!(&out[..want.len()], want.as_bytes(), "digest {n}");
            assert!(out[want.len()..].iter().all(|c| *c == b'0'));
        }
    }

    #[test]
    fn the_prepared_stamped_cms_is_the_assembled_one() {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x23; 32]).unwrap();
        let cert = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 2_240_611_200).unwrap();
        let stamper = crate::pdf::stamp::Stamper::new(&crate::pdf::stamp::tests::test_tsa(), 1_795_478_399).unwrap();
        let p = Pades::stamped(&PdfSigner { key, cert, chain: vec![root.cert.der.clone()] }, Some(Stamping::District(Box::new(stamper)))).unwrap();
        assert_eq!(p.stamped_templates.len(), 9);
        for n in 0..60u8 {
            let digest: [u8; 32] = Sha256::digest([n]).into();
            let mut out = vec![b'0'; p.contents_len];
            p.cms_hex_into(&digest, &mut out).unwrap();
            let want = hex::encode(p.cms(&digest).unwrap());
            assert_eq!(&out[..want.len()], want.as_bytes(), "digest {n}");
            assert!(out[want.len()..].iter().all(|c| *c == b'0'));
            // And it holds, stamp included.
            let cms = hex::decode(&want).unwrap();
            assert!(crate::verify::signature::pades::tests_cms_holds(&cms, &digest), "digest {n}");
        }
    }

    #[test]
    fn signing_many_is_signing_each_alone() {
        let p = pades(0x22);
        // Files of different lengths, the signature in the middle of each.
        let files: Vec<(Vec<u8>, Place)> = (0..45usize)
            .map(|n| {
                let mut f = format!("%PDF-1.7\n{}\n", "x".repeat(n * 7)).into_bytes();
                let (dict, range_at, contents_at) = p.dictionary("D:20261123000000Z");
                let place = Place { range_at: f.len() + range_at, contents_at: f.len() + contents_at };
                f.extend_from_slice(&dict);
                f.extend_from_slice(format!("\ntrailer {n}\n%%EOF\n").as_bytes());
                (f, place)
            })
            .collect();
        let alone: Vec<Vec<u8>> = files
            .iter()
            .map(|(f, place)| {
                let mut f = f.clone();
                p.sign(&mut f, *place).unwrap();
                f
            })
            .collect();
        let mut many = files.clone();
        let mut open: Vec<(&mut [u8], Place)> = many.iter_mut().map(|(f, place)| (f.as_mut_slice(), *place)).collect();
        let whole = p.sign_many(&mut open).unwrap();
        assert_eq!(whole.len(), many.len());
        for (n, (((f, _), want), sha)) in many.iter().zip(&alone).zip(&whole).enumerate() {
            assert_eq!(f, want, "file {n}");
            assert_eq!(sha, &<[u8; 32]>::from(Sha256::digest(f)), "file {n}'s SHA-256");
        }
        // The signed file's CMS is the one `cms` makes for its byte range.
        let (f, place) = (&alone[3], files[3].1);
        let after = place.contents_at + p.contents_len + 2;
        let digest: [u8; 32] = Sha256::new().chain_update(&f[..place.contents_at]).chain_update(&f[after..]).finalize().into();
        let want = hex::encode(p.cms(&digest).unwrap());
        assert_eq!(&f[place.contents_at + 1..place.contents_at + 1 + want.len()], want.as_bytes());
    }
    /// Fixed bytes: the test root's certificate, a PDF key's certificate
    /// (and its PEM), and 70 CMS signatures (three batches' worth), as
    /// terbit made them before the move to p256 0.14 / x509-cert 0.3
    /// (commit aea0477): same certificates, same signatures, same CMS.
    #[test]
    fn certificates_and_signatures_keep_their_bytes() {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x21; 32]).unwrap();
        let cert = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 2_240_611_200).unwrap();
        let p = Pades::new(&PdfSigner { key, cert: cert.clone(), chain: vec![root.cert.der.clone()] }).unwrap();
        let mut all = Vec::new();
        all.extend_from_slice(&root.cert.der);
        all.extend_from_slice(&cert);
        all.extend_from_slice(crate::trust::root::pem_encode("CERTIFICATE", &cert).as_bytes());
        for n in 0..70u8 {
            let d: [u8; 32] = Sha256::digest([n]).into();
            all.extend_from_slice(&p.cms(&d).unwrap());
        }
        assert_eq!(hex::encode(Sha256::digest(&root.cert.der)), "55d1a2733a9ba32bfbd324762eddb5821135e8e184f9eb0017be8507fdeaa906", "root certificate");
        assert_eq!(hex::encode(Sha256::digest(&cert)), "5f5ca992f587f4109de9294a8bebe074d19745748ee5282fea71da703eaec089", "PDF key certificate");
        assert_eq!(hex::encode(Sha256::digest(&all)), "969285571d800badc53d4cafdf2369f099adb345284e3fe2c233fb5e2fdeedd3", "PEM and CMS");
    }

}
