//! DER element headers for the parsers of signed bytes (PDF signatures,
//! time-stamp tokens): each header read by the `der` crate, which takes
//! DER only — a definite length in its shortest form — with every length
//! checked against the bytes there are.

/// One DER element at `pos` within `b[..end]`: (tag, content start,
/// content end). Its header is read by the `der` crate, which takes DER
/// only: a definite length in its shortest form (a longer one would be a
/// second byte string for the same signature), a one-byte tag here.
pub fn tlv(b: &[u8], pos: usize, end: usize) -> Option<(u8, usize, usize)> {
    use x509_cert::der::{Decode, Reader};
    let tag = *b.get(pos)?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let mut r = x509_cert::der::SliceReader::new(b.get(pos..end)?).ok()?;
    let header = x509_cert::der::Header::decode(&mut r).ok()?;
    let start = pos + usize::try_from(r.position()).ok()?;
    let stop = start.checked_add(usize::try_from(header.length()).ok()?)?;
    (stop <= end).then_some((tag, start, stop))
}

/// The elements inside `b[start..end]`: (tag, content start, content
/// end, element start).
pub fn items(b: &[u8], start: usize, end: usize) -> Option<Vec<(u8, usize, usize, usize)>> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let (t, s, e) = tlv(b, at, end)?;
        out.push((t, s, e, at));
        at = e;
        if out.len() > 64 {
            return None;
        }
    }
    Some(out)
}
