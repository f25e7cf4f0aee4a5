//! The document security store (ISO 32000-2 §12.8.4.3, PAdES B-LT): the
//! certificates and revocation lists a validator needs to validate the
//! file's signature and its time-stamp offline, years on — the signer's
//! certificate, the district root, the time-stamp authority's certificate
//! and the root's CRL, and where a certification authority (a PSrE)
//! issued one of them and the run fetches its answers, its CRL or OCSP
//! answer (`trust::fetch`). terbit writes it inside the signed revision (the
//! catalog's `/DSS`, before the signature is made), so the signature
//! covers it: nothing is appended after signing, and the file keeps one
//! revision.
//!
//! The same objects for a whole run: serialized once, numbered per file.

use std::io::Write as _;

/// A run's validation data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dss {
    /// Certificates (DER): the signer's, its chain, the time-stamp authority's.
    pub certs: Vec<Vec<u8>>,
    /// CRLs (DER).
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses (DER): a certification authority's answers, fetched
    /// for its certificates (`trust::fetch`).
    pub ocsps: Vec<Vec<u8>>,
}

impl Dss {
    /// How many objects it takes: the store, then one stream per certificate, CRL and OCSP answer.
    pub fn count(&self) -> u32 {
        1 + self.certs.len() as u32 + self.crls.len() as u32 + self.ocsps.len() as u32
    }

    /// Its objects numbered from `first` (the store itself is `first`), as
    /// bytes, with each object's offset within them.
    pub fn objects(&self, first: u32) -> (Vec<u8>, Vec<(u32, usize)>) {
        let mut out = Vec::with_capacity(self.certs.iter().chain(&self.crls).chain(&self.ocsps).map(|c| c.len() + 64).sum::<usize>() + 128);
        let mut offsets = Vec::with_capacity(self.count() as usize);
        let refs = |from: u32, n: usize| (0..n as u32).map(|i| format!("{} 0 R", from + i)).collect::<Vec<_>>().join(" ");
        let certs_from = first + 1;
        let crls_from = certs_from + self.certs.len() as u32;
        let ocsps_from = crls_from + self.crls.len() as u32;
        offsets.push((first, 0));
        let _ = write!(out, "{first} 0 obj\n<</Type/DSS/Certs[{}]", refs(certs_from, self.certs.len()));
        if !self.crls.is_empty() {
            let _ = write!(out, "/CRLs[{}]", refs(crls_from, self.crls.len()));
        }
        if !self.ocsps.is_empty() {
            let _ = write!(out, "/OCSPs[{}]", refs(ocsps_from, self.ocsps.len()));
        }
        out.extend_from_slice(b">>\nendobj\n");
        for (i, data) in self.certs.iter().chain(&self.crls).chain(&self.ocsps).enumerate() {
            let id = certs_from + i as u32;
            offsets.push((id, out.len()));
            let _ = write!(out, "{id} 0 obj\n<</Length {}>>stream\n", data.len());
            out.extend_from_slice(data);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        }
        (out, offsets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_numbered_from_the_first() {
        let d = Dss { certs: vec![b"AB".to_vec(), b"C".to_vec()], crls: vec![b"D".to_vec()], ocsps: vec![b"E".to_vec()] };
        assert_eq!(d.count(), 5);
        let (bytes, at) = d.objects(10);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("10 0 obj\n<</Type/DSS/Certs[11 0 R 12 0 R]/CRLs[13 0 R]/OCSPs[14 0 R]>>"), "{text}");
        assert_eq!(at.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![10, 11, 12, 13, 14]);
        for (id, off) in at {
            assert!(text[off..].starts_with(&format!("{id} 0 obj")));
        }
    }
}
