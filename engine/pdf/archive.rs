//! Archive time-stamps (PAdES B-LTA, ETSI EN 319 142-1 §5.5): a
//! renewal appended to a signed file as an incremental update — the
//! validation data the file lacks (a newer CRL, the authority's new
//! certificate, revocation answers) added to its `/DSS`, then a document
//! time-stamp (`/Type/DocTimeStamp`, `/SubFilter/ETSI.RFC3161`) whose
//! token stamps every byte before it. Renewed before the previous
//! stamp's certificate ends, each one carries the proof of existence on.
//!
//! A renewal has exactly one shape, which [`prepare`] writes: the new
//! streams, the new store (the old one's entries, then the new), the
//! catalog again (its form names the new field, its `/DSS` the new
//! store), the field, the time-stamp's dictionary, a cross-reference
//! section for those objects and a trailer pointing back (`/Prev`).
//! [`read`] takes a file apart into its sealed part and its renewals and
//! accepts a renewal only if `prepare`, given what the renewal adds and
//! its token, writes the same bytes: nothing else can ride in one.

use std::io::Write as _;

use lopdf_read::{Document, Object};
use sha2::{Digest, Sha256};

/// At most this many renewals in one file (one a year is the plan).
pub const MAX_RENEWALS: usize = 64;

/// The longest token a renewal holds (bytes): an authority's answer is
/// read up to 64 KiB.
pub const MAX_TOKEN: usize = 64 * 1024;

/// Validation data a renewal adds (DER each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Added {
    /// Certificates.
    pub certs: Vec<Vec<u8>>,
    /// Certificate revocation lists.
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses.
    pub ocsps: Vec<Vec<u8>>,
}

/// A renewal written but for its token.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The revision's bytes (appended to the file they were prepared for),
    /// the token's place filled with `0`.
    pub bytes: Vec<u8>,
    /// Where `<` of `/Contents` is, within `bytes`.
    contents_at: usize,
    /// Hex digits reserved for the token.
    contents_len: usize,
    /// The SHA-256 of the byte range: the token's message imprint.
    pub imprint: [u8; 32],
}

impl Prepared {
    /// Write `token` in; the revision's bytes.
    pub fn finish(mut self, token: &[u8]) -> Result<Vec<u8>, String> {
        if 2 * token.len() > self.contents_len {
            return Err(format!("the time-stamp token takes {} bytes, more than the {} reserved", token.len(), self.contents_len / 2));
        }
        let at = self.contents_at + 1;
        let _ = hex::encode_to_slice(token, &mut self.bytes[at..at + 2 * token.len()]);
        Ok(self.bytes)
    }
}

/// One renewal of a file, as [`read`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    /// Its document time-stamp token (DER).
    pub token: Vec<u8>,
    /// What the token must stamp: the SHA-256 of its byte range.
    pub imprint: [u8; 32],
    /// What it added to the store.
    pub added: Added,
    /// Where the revision ends in the file.
    pub end: usize,
}

/// A signed file taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// The bytes the file's own signature covers (with its value): the
    /// file as it was sealed.
    pub sealed_len: usize,
    /// The renewals after it, in order.
    pub renewals: Vec<Renewal>,
}

/// The renewal to append to `prev` (a signed terbit file, renewed or
/// not): `add` goes into the store, less what the store already holds;
/// `token_len` bytes are reserved for the token.
pub fn prepare(prev: &[u8], add: &Added, token_len: usize) -> Result<Prepared, String> {
    if token_len > MAX_TOKEN {
        return Err(format!("a token of {token_len} bytes is more than the {MAX_TOKEN} a renewal holds"));
    }
    let doc = Document::load_mem(prev).map_err(|e| format!("not a readable PDF: {e}"))?;
    let root = doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| "the trailer names no catalog")?;
    let catalog = doc.get_object(root).and_then(Object::as_dict).map_err(|_| "the catalog is not a dictionary")?;
    let size = doc.trailer.get(b"Size").and_then(Object::as_i64).ok().and_then(|n| u32::try_from(n).ok()).ok_or("the trailer has no /Size")?;
    let prev_xref = last_startxref(prev).ok_or("the file does not end with startxref and %%EOF")?;
    let form = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(r)) => doc.get_object(*r).and_then(Object::as_dict).map_err(|_| "the form is not a dictionary")?,
        Ok(o) => o.as_dict().map_err(|_| "the form is not a dictionary")?,
        Err(_) => return Err("the file has no form: it is not signed".into()),
    };
    let fields: Vec<Object> = form.get(b"Fields").and_then(Object::as_array).map_err(|_| "the form has no fields")?.clone();
    // The store's present entries, per kind, and their bytes.
    let mut old: [Vec<(lopdf_read::ObjectId, Vec<u8>)>; 3] = Default::default();
    if let Ok(store) = catalog.get(b"DSS").and_then(Object::as_reference).and_then(|r| doc.get_object(r)).and_then(Object::as_dict) {
        for (k, key) in KINDS.iter().enumerate() {
            for r in store.get(key).and_then(Object::as_array).map(|a| a.as_slice()).unwrap_or_default() {
                let id = r.as_reference().map_err(|_| "the store holds something else than references")?;
                let data = doc.get_object(id).and_then(Object::as_stream).map_err(|_| "the store refers to something else than a stream")?;
                old[k].push((id, data.content.clone()));
            }
        }
    }
    let mut out = Vec::with_capacity(token_len * 2 + add.certs.iter().chain(&add.crls).chain(&add.ocsps).map(|c| c.len() + 48).sum::<usize>() + 2048);
    let mut next = size;
    // Where each new object starts in `out`, in number order from `size`.
    let mut offsets: Vec<usize> = Vec::new();
    let mut refs: [Vec<u32>; 3] = Default::default();
    for (k, items) in [&add.certs, &add.crls, &add.ocsps].into_iter().enumerate() {
        refs[k] = old[k].iter().map(|(id, _)| id.0).collect();
        for data in items {
            if old[k].iter().any(|(_, d)| d == data) || items.iter().take_while(|d| !std::ptr::eq(*d, data)).any(|d| d == data) {
                continue;
            }
            offsets.push(out.len());
            let _ = write!(out, "{next} 0 obj\n<</Length {}>>stream\n", data.len());
            out.extend_from_slice(data);
            out.extend_from_slice(b"\nendstream\nendobj\n");
            refs[k].push(next);
            next += 1;
        }
    }
    let (store, widget, sig) = (next, next + 1, next + 2);
    offsets.push(out.len());
    let _ = write!(out, "{store} 0 obj\n<</Type/DSS");
    for (k, key) in KINDS.iter().enumerate() {
        if !refs[k].is_empty() {
            let list: Vec<String> = refs[k].iter().map(|n| format!("{n} 0 R")).collect();
            let _ = write!(out, "/{}[{}]", String::from_utf8_lossy(key), list.join(" "));
        }
    }
    out.extend_from_slice(b">>\nendobj\n");
    // The catalog again: its entries as they were, the form naming the
    // new field too, the new store.
    let catalog_at = out.len();
    let _ = write!(out, "{} {} obj\n<<", root.0, root.1);
    for (key, value) in catalog.iter() {
        if key.as_slice() == b"AcroForm" || key.as_slice() == b"DSS" {
            continue;
        }
        name(&mut out, key);
        object(&mut out, value, 0)?;
    }
    out.extend_from_slice(b"/AcroForm<<");
    for (key, value) in form.iter() {
        if key.as_slice() != b"Fields" {
            name(&mut out, key);
            object(&mut out, value, 0)?;
        }
    }
    out.extend_from_slice(b"/Fields[");
    for f in &fields {
        object(&mut out, f, 0)?;
        out.push(b' ');
    }
    let _ = write!(out, "{widget} 0 R]>>/DSS {store} 0 R>>\nendobj\n");
    offsets.push(out.len());
    let _ = write!(out, "{widget} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/F 132/Rect[0 0 0 0]/T(DocTimeStamp{})/V {sig} 0 R>>\nendobj\n", fields.len());
    offsets.push(out.len());
    let _ = write!(out, "{sig} 0 obj\n<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange");
    let range_at = out.len();
    out.extend_from_slice(crate::pdf::sign::RANGE_PLACEHOLDER);
    out.extend_from_slice(b"/Contents");
    let contents_at = out.len();
    let contents_len = 2 * token_len;
    out.push(b'<');
    out.resize(out.len() + contents_len, b'0');
    out.extend_from_slice(b">>>\nendobj\n");
    // Cross-reference: the catalog's line, then the new objects'.
    let xref_at = prev.len() + out.len();
    out.extend_from_slice(b"xref\n");
    let _ = write!(out, "{} 1\n{:010} {:05} n \n", root.0, prev.len() + catalog_at, root.1);
    let _ = writeln!(out, "{size} {}", offsets.len());
    for at in &offsets {
        let _ = writeln!(out, "{:010} 00000 n ", prev.len() + at);
    }
    let _ = write!(out, "trailer\n<</Size {}/Root {} {} R", next + 3, root.0, root.1);
    for key in [&b"Info"[..], b"ID"] {
        if let Ok(v) = doc.trailer.get(key) {
            name(&mut out, key);
            object(&mut out, v, 0)?;
        }
    }
    let _ = write!(out, "/Prev {prev_xref}>>\nstartxref\n{xref_at}\n%%EOF\n");
    // The byte range: the whole file but the token.
    let total = prev.len() + out.len();
    let range = crate::pdf::sign::byte_range(prev.len() + contents_at, contents_len, total);
    out[range_at..range_at + range.len()].copy_from_slice(range.as_bytes());
    let mut h = Sha256::new();
    h.update(prev);
    h.update(&out[..contents_at]);
    h.update(&out[contents_at + contents_len + 2..]);
    Ok(Prepared { bytes: out, contents_at, contents_len, imprint: h.finalize().into() })
}

/// The store's keys, in the order [`Added`]'s fields.
const KINDS: [&[u8]; 3] = [b"Certs", b"CRLs", b"OCSPs"];

/// `startxref`'s number at the file's end.
fn last_startxref(b: &[u8]) -> Option<usize> {
    let tail = b.strip_suffix(b"\n%%EOF\n")?;
    let at = memchr::memmem::rfind(tail, b"startxref\n")? + b"startxref\n".len();
    std::str::from_utf8(&tail[at..]).ok()?.parse().ok()
}

fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for c in n {
        if c.is_ascii_alphanumeric() || b"-_.+".contains(c) {
            out.push(*c);
        } else {
            let _ = write!(out, "#{c:02x}");
        }
    }
}

/// An object as PDF text, always in one form (strings as hex), so that
/// [`read`] writes the same bytes again. Streams are never inside a catalog.
fn object(out: &mut Vec<u8>, o: &Object, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Err("the catalog nests too deep".into());
    }
    match o {
        Object::Null => out.extend_from_slice(b" null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b" true" } else { b" false" }),
        Object::Integer(i) => {
            let _ = write!(out, " {i}");
        }
        Object::Real(r) => {
            let _ = write!(out, " {r}");
        }
        Object::Name(n) => name(out, n),
        Object::String(s, _) => {
            let _ = write!(out, "<{}>", hex::encode(s));
        }
        Object::Array(a) => {
            out.push(b'[');
            for x in a {
                object(out, x, depth + 1)?;
            }
            out.push(b']');
        }
        Object::Dictionary(d) => {
            out.extend_from_slice(b"<<");
            for (k, v) in d.iter() {
                name(out, k);
                object(out, v, depth + 1)?;
            }
            out.extend_from_slice(b">>");
        }
        Object::Reference((n, g)) => {
            let _ = write!(out, " {n} {g} R");
        }
        Object::Stream(_) => return Err("the catalog holds a stream".into()),
    }
    Ok(())
}

/// Where the file's own signature's byte range ends: the sealed file's
/// length. `None` when there is no readable first `/ByteRange`.
fn sealed_end(b: &[u8]) -> Option<usize> {
    let at = memchr::memmem::find(b, b"/ByteRange")? + b"/ByteRange".len();
    let rest = &b[at..b.len().min(at + 80)];
    let open = rest.iter().position(|c| !c.is_ascii_whitespace()).filter(|p| rest[*p] == b'[')?;
    let close = rest.iter().position(|c| *c == b']')?;
    let nums: Vec<usize> = std::str::from_utf8(&rest[open + 1..close]).ok()?.split_ascii_whitespace().map(|n| n.parse().ok()).collect::<Option<_>>()?;
    let [0, _, c, d] = nums[..] else { return None };
    c.checked_add(d).filter(|e| *e <= b.len())
}

/// Take `bytes` apart: the sealed file, then each renewal, accepted only
/// as [`prepare`] writes it. A file with no renewal is its sealed part
/// alone (whatever its signature: the signature check says what it is).
pub fn read(bytes: &[u8]) -> Result<Archive, String> {
    let Some(sealed_len) = sealed_end(bytes).filter(|e| *e < bytes.len()) else {
        return Ok(Archive { sealed_len: bytes.len(), renewals: Vec::new() });
    };
    let mut renewals = Vec::new();
    let mut at = sealed_len;
    while at < bytes.len() {
        if renewals.len() == MAX_RENEWALS {
            return Err(format!("more than {MAX_RENEWALS} revisions were appended"));
        }
        let n = renewals.len() + 1;
        let r = read_one(bytes, at).map_err(|why| format!("the file was changed after signing: what follows the signed file is not an archive time-stamp as terbit writes it (revision {}): {why}", n + 1))?;
        at = r.end;
        renewals.push(r);
    }
    Ok(Archive { sealed_len, renewals })
}

/// The renewal that starts at `start`.
fn read_one(bytes: &[u8], start: usize) -> Result<Renewal, String> {
    let rest = &bytes[start..];
    // Loosely: the streams, the store and the token; then the revision
    // must be what `prepare` writes of them.
    // At most this many objects in one renewal: a store's items are a
    // handful (certificates, CRLs, OCSP answers).
    const MAX_OBJECTS: usize = 1024;
    let mut streams: std::collections::BTreeMap<u32, &[u8]> = std::collections::BTreeMap::new();
    let mut objects = 0usize;
    let mut store: Option<&[u8]> = None;
    let mut token_hex: Option<&[u8]> = None;
    let mut p = 0;
    while !rest[p..].starts_with(b"xref\n") {
        let line = rest[p..].iter().take(24).position(|c| *c == b'\n').ok_or("an object without its header")?;
        let head = std::str::from_utf8(&rest[p..p + line]).map_err(|_| "an object without its header")?;
        let id: u32 = head.strip_suffix(" 0 obj").and_then(|n| n.parse().ok()).ok_or("an object without its header")?;
        objects += 1;
        if objects > MAX_OBJECTS {
            return Err(format!("more than {MAX_OBJECTS} objects"));
        }
        p += line + 1;
        if let Some(len) = rest[p..].strip_prefix(b"<</Length ") {
            let digits = len.iter().take(12).position(|c| !c.is_ascii_digit()).ok_or("a stream's length")?;
            let n: usize = std::str::from_utf8(&len[..digits]).ok().and_then(|d| d.parse().ok()).ok_or("a stream's length")?;
            let data_at = p + b"<</Length ".len() + digits + b">>stream\n".len();
            let data = rest.get(data_at..data_at.checked_add(n).ok_or("a stream's length")?).ok_or("a stream runs past the file's end")?;
            if streams.insert(id, data).is_some() {
                return Err("an object defined twice".into());
            }
            p = data_at + n;
            p += rest[p..].starts_with(b"\nendstream\nendobj\n").then_some(b"\nendstream\nendobj\n".len()).ok_or("a stream's end")?;
        } else {
            let end = memchr::memmem::find(&rest[p..rest.len().min(p + 2 * MAX_TOKEN + 65_536)], b"\nendobj\n").ok_or("an object's end")?;
            let body = &rest[p..p + end];
            if body.starts_with(b"<</Type/DSS") {
                store = Some(body);
            } else if body.starts_with(b"<</Type/DocTimeStamp") {
                let c = memchr::memmem::find(body, b"/Contents<").ok_or("the time-stamp has no /Contents")? + b"/Contents<".len();
                let e = c + body[c..].iter().position(|x| *x == b'>').ok_or("the time-stamp's /Contents")?;
                token_hex = Some(&body[c..e]);
            }
            p += end + b"\nendobj\n".len();
        }
    }
    let store = store.ok_or("no document security store")?;
    let token_hex = token_hex.ok_or("no document time-stamp")?;
    let mut added = Added::default();
    // Each stream of the renewal taken once: a list naming one twice is
    // not one `prepare` writes, and would copy its bytes again and again.
    let mut taken = std::collections::BTreeSet::new();
    for (k, key) in KINDS.iter().enumerate() {
        let mut pat = b"/".to_vec();
        pat.extend_from_slice(key);
        pat.push(b'[');
        let Some(s) = memchr::memmem::find(store, &pat).map(|s| s + pat.len()) else { continue };
        let e = s + store[s..].iter().position(|c| *c == b']').ok_or("the store's lists")?;
        for r in std::str::from_utf8(&store[s..e]).map_err(|_| "the store's lists")?.split(" 0 R").map(str::trim).filter(|r| !r.is_empty()) {
            let id: u32 = r.parse().map_err(|_| "the store's lists")?;
            if let Some(data) = streams.get(&id) {
                if !taken.insert(id) {
                    return Err("the store names one of its streams twice".into());
                }
                let list = match k {
                    0 => &mut added.certs,
                    1 => &mut added.crls,
                    _ => &mut added.ocsps,
                };
                list.push(data.to_vec());
            }
        }
    }
    // The token: lower-case hex, the DER, then zeros.
    if !token_hex.len().is_multiple_of(2) || token_hex.len() > 2 * MAX_TOKEN || token_hex.iter().any(|c| !matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err("the time-stamp's /Contents is not lower-case hex".into());
    }
    let raw = hex::decode(token_hex).map_err(|_| "the time-stamp's /Contents is not hex")?;
    let (_, _, der_end) = crate::util::der::tlv(&raw, 0, raw.len()).ok_or("the time-stamp token is not DER")?;
    if raw[der_end..].iter().any(|c| *c != 0) {
        return Err("the time-stamp token is followed by other bytes than padding".into());
    }
    let prepared = prepare(&bytes[..start], &added, raw.len())?;
    let imprint = prepared.imprint;
    let token = raw[..der_end].to_vec();
    let expected = prepared.finish(&token)?;
    if rest.get(..expected.len()) != Some(expected.as_slice()) {
        return Err("it holds more, or other, than the validation data and the time-stamp".into());
    }
    Ok(Renewal { token, imprint, added, end: start + expected.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_doc() -> Vec<u8> {
        crate::pdf::render::tests::signed_document()
    }

    #[test]
    fn a_renewal_reads_back_as_written_and_nothing_else_does() {
        let sealed = signed_doc();
        let add = Added { certs: vec![b"CERT-2".to_vec()], crls: vec![b"CRL-2".to_vec(), b"CRL-2".to_vec()], ocsps: vec![b"OCSP".to_vec()] };
        let p = prepare(&sealed, &add, 40).unwrap();
        let token = crate::pdf::sign::tlv(0x30, &[7u8; 20]);
        let imprint = p.imprint;
        let mut file = sealed.clone();
        file.extend_from_slice(&p.finish(&token).unwrap());
        assert!(Document::load_mem(&file).is_ok());
        let a = read(&file).unwrap();
        assert_eq!(a.sealed_len, sealed.len());
        assert_eq!(a.renewals.len(), 1);
        let r = &a.renewals[0];
        assert_eq!((r.token.as_slice(), r.imprint, r.end), (token.as_slice(), imprint, file.len()));
        assert_eq!(r.added, Added { certs: vec![b"CERT-2".to_vec()], crls: vec![b"CRL-2".to_vec()], ocsps: vec![b"OCSP".to_vec()] }, "a duplicate is stored once");
        // A second renewal on top; what the store has is not added again.
        let p2 = prepare(&file, &add, 40).unwrap();
        let mut twice = file.clone();
        twice.extend_from_slice(&p2.finish(&token).unwrap());
        let a2 = read(&twice).unwrap();
        assert_eq!(a2.renewals.len(), 2);
        assert_eq!(a2.renewals[1].added, Added::default());
        let text = String::from_utf8_lossy(&twice[file.len()..]).to_string();
        assert!(text.contains("/T(DocTimeStamp2)"), "{text}");
        // Any byte changed in the renewal is refused, or is a change the
        // token does not stamp (an added certificate's bytes, the token's).
        for i in sealed.len()..file.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x01;
            if let Ok(a) = read(&bad) {
                assert!(a.renewals[0].token != token || a.renewals[0].imprint != imprint, "byte {i}");
            }
        }
        // Something more in the revision is refused.
        let mut extra = sealed.clone();
        let rev = String::from_utf8_lossy(&prepare(&sealed, &add, 40).unwrap().finish(&token).unwrap()).replacen("/Type/DSS", "/Type/DSS/VRI<<>>", 1);
        extra.extend_from_slice(rev.as_bytes());
        assert!(read(&extra).is_err());
        // A store naming its new stream twice (each name a copy of its
        // bytes: a few bytes of file for a lot of memory), and a renewal
        // of too many objects: refused before anything is copied again.
        let twice = String::from_utf8_lossy(&file[sealed.len()..]).to_string();
        let id = twice.split(" 0 obj\n<</Length").next().unwrap().rsplit('\n').next().unwrap().to_string();
        let mut doubled = sealed.clone();
        doubled.extend_from_slice(twice.replacen("/Certs[", &format!("/Certs[{id} 0 R {id} 0 R "), 1).as_bytes());
        assert!(read(&doubled).unwrap_err().contains("names one of its streams twice"), "{:?}", read(&doubled));
        let mut many = sealed.clone();
        for n in 0..1100 {
            many.extend_from_slice(format!("{} 0 obj\n<</Length 0>>stream\n\nendstream\nendobj\n", 9000 + n).as_bytes());
        }
        many.extend_from_slice(b"xref\n");
        assert!(read(&many).unwrap_err().contains("more than 1024 objects"));
        // Cut anywhere: refused.
        for cut in [file.len() - 1, file.len() - 30, sealed.len() + 10] {
            assert!(read(&file[..cut]).is_err(), "cut at {cut}");
        }
    }
}
