//! A rendered document's PDF objects, serialized once and relocatable.
//!
//! A [`Fragment`] is what the render stage hands on: every object's bytes
//! with the places where object numbers sit, so the same bytes become the
//! document's own file ([`Fragment::standalone`]) and, renumbered by
//! copying, part of a service point's merged print file
//! ([`crate::pdf::print::PrintFile`]).
//!
//! A [`Skeleton`] is a fragment with some objects left open: every
//! document of a kind with the same number of pages and the same QR size
//! has the same objects (catalog, page tree, pages with their fonts and
//! resources, the template's fixed drawing, the logo) except its QR image,
//! its pages' own text and its information dictionary. The renderer makes
//! one document of each shape with printpdf, keeps it as a skeleton, and
//! fills the open objects for the next documents of that shape: the same
//! bytes printpdf would have produced, for a fraction of the work
//! (bench/RESULTS.md).
//!
//! [`write_object`] writes the few object types our documents contain
//! (lopdf's serializer is private).

use std::io::Write;
use std::ops::Range;

use lopdf::{Dictionary, Object, StringFormat};

use crate::pdf::sign::{Pades, Place};
use sha2::{Digest, Sha256};

/// A document or skeleton that does not have the shape a fragment needs
/// (a renderer bug, never bad input: documents are terbit's own).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FragmentError(pub String);

impl From<&str> for FragmentError {
    fn from(m: &str) -> Self {
        FragmentError(m.to_string())
    }
}

impl From<String> for FragmentError {
    fn from(m: String) -> Self {
        FragmentError(m)
    }
}

/// A binary comment line after the version marks the file as binary for
/// transfer tools.
pub(crate) const HEADER: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";

/// A cross-reference table for objects at `offsets` (in object number
/// order from 0; 0 = no such object, listed as free).
pub(crate) fn xref(out: &mut Vec<u8>, offsets: impl ExactSizeIterator<Item = u64>) {
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", offsets.len());
    for off in offsets.skip(1) {
        if off == 0 {
            out.extend_from_slice(b"0000000000 65535 f \n");
        } else {
            let _ = writeln!(out, "{off:010} 00000 n ");
        }
    }
}

/// Put `entry` into the dictionary that ends the object just written to
/// `out` (`… >>\nendobj\n`), before its closing `>>`.
pub(crate) fn insert_before_close(out: &mut Vec<u8>, entry: &[u8]) {
    const END: &[u8] = b">>\nendobj\n";
    if out.ends_with(END) {
        let at = out.len() - END.len();
        out.splice(at..at, entry.iter().copied());
    }
}

/// Stands for "the page tree" in a fragment's page dictionaries: its own
/// page tree in the standalone file, the merged one in a print file.
pub(crate) const PARENT: u32 = u32::MAX;

/// A rendered document's objects, serialized once, relocatable.
///
/// `body` holds each object's serialization (without the `n 0 obj` line)
/// with references numbered as in the rendered document; `refs` says where
/// each reference's object number is written, so placing the fragment in a
/// file renumbers it by copying bytes.
#[derive(Debug, Clone)]
pub struct Fragment {
    body: Vec<u8>,
    /// Local object number and its bytes in `body`, in the document's
    /// object order; the document's catalog, page tree and info are not
    /// among them.
    pub(crate) objects: Vec<(u32, Range<usize>)>,
    /// Where a reference's object number is, and which object it names.
    refs: Vec<(Range<usize>, u32)>,
    /// Page objects in page order.
    pub(crate) pages: Vec<u32>,
    pub(crate) max_id: u32,
    /// The standalone file's page tree.
    pages_id: u32,
    /// The standalone file's own catalog, page tree and info, serialized.
    head: Vec<(u32, Vec<u8>)>,
    /// Which of `head` is the information dictionary.
    info: Option<usize>,
    /// The standalone trailer's entries but /ID and /Size, serialized.
    trailer: Vec<u8>,
    /// The file identifier: a digest of the content (see [`Fragment::seal`]).
    id: [u8; 16],
}

impl Fragment {
    /// Take a rendered document apart. Pages carry everything they would
    /// inherit from the page tree, which a print file replaces. `number`
    /// (the document number) goes into the file identifier.
    pub fn of(doc: &lopdf::Document, number: &str) -> std::result::Result<Fragment, FragmentError> {
        let root = doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| "no catalog")?;
        let pages_id = doc
            .get_object(root)
            .and_then(Object::as_dict)
            .and_then(|c| c.get(b"Pages"))
            .and_then(Object::as_reference)
            .map_err(|_| "no page tree")?;
        let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
        let inherited: Dictionary = doc.get_object(pages_id).and_then(Object::as_dict).cloned().unwrap_or_default();
        let pages: Vec<u32> = doc.get_pages().into_values().map(|id| id.0).collect();
        let max_id = doc.objects.keys().map(|id| id.0).max().unwrap_or(0);
        if max_id == PARENT || doc.objects.keys().any(|id| id.1 != 0 || id.0 == 0) {
            return Err(FragmentError("unexpected object numbering".into()));
        }
        let mut f = Fragment {
            body: Vec::with_capacity(8 * 1024),
            objects: Vec::new(),
            refs: Vec::new(),
            pages,
            max_id,
            pages_id: pages_id.0,
            head: Vec::new(),
            info: None,
            trailer: Vec::new(),
            id: [0; 16],
        };
        for (id, obj) in &doc.objects {
            if *id == root || *id == pages_id || Some(*id) == info {
                let mut b = Vec::with_capacity(256);
                write_object(&mut b, obj);
                if Some(*id) == info {
                    f.info = Some(f.head.len());
                }
                f.head.push((id.0, b));
                continue;
            }
            let start = f.body.len();
            if f.pages.contains(&id.0) {
                let mut page = obj.as_dict().map_err(|_| "page is not a dictionary")?.clone();
                for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
                    if !page.has(key) {
                        if let Ok(v) = inherited.get(key) {
                            page.set(key, v.clone());
                        }
                    }
                }
                page.set("Parent", Object::Reference((PARENT, 0)));
                write_relocatable(&mut f.body, &mut f.refs, &Object::Dictionary(page));
            } else {
                write_relocatable(&mut f.body, &mut f.refs, obj);
            }
            f.objects.push((id.0, start..f.body.len()));
        }
        for (k, v) in doc.trailer.iter() {
            if k.as_slice() != b"ID" && k.as_slice() != b"Size" {
                name(&mut f.trailer, k);
                f.trailer.push(b' ');
                write_object(&mut f.trailer, v);
            }
        }
        f.seal(number);
        Ok(f)
    }

    /// The file identifier (ISO 32000-1 §14.4) is a digest of the content
    /// and the document number: a re-run gives the same bytes and two
    /// documents never share an /ID.
    fn seal(&mut self, number: &str) {
        let mut h = Sha256::new();
        h.update(&self.body);
        for (_, b) in &self.head {
            h.update(b);
        }
        h.update(number.as_bytes());
        self.id.copy_from_slice(&h.finalize()[..16]);
    }

    /// Write object `id`'s definition with its references renumbered.
    pub(crate) fn place(&self, out: &mut Vec<u8>, id: u32, range: &Range<usize>, map: impl Fn(u32) -> u32) {
        let _ = writeln!(out, "{} 0 obj", map(id));
        // The refs of this object lie inside its range, in order.
        let first = self.refs.partition_point(|(r, _)| r.start < range.start);
        let mut at = range.start;
        for (r, target) in self.refs[first..].iter().take_while(|(r, _)| r.end <= range.end) {
            out.extend_from_slice(&self.body[at..r.start]);
            let _ = write!(out, "{}", map(*target));
            at = r.end;
        }
        out.extend_from_slice(&self.body[at..range.end]);
        out.extend_from_slice(b"\nendobj\n");
    }

    /// Bytes the objects take in `body`: a hint for buffers.
    pub(crate) fn body_len(&self) -> usize {
        self.body.len()
    }

    /// The document as its own PDF file.
    pub fn standalone(&self) -> Vec<u8> {
        self.standalone_unsigned(None).0
    }

    /// The document as its own PDF file, signed (PAdES B-B, [`Pades`]) when
    /// a signer and the claimed time (a PDF date) are given: an invisible
    /// signature field on the first page, in the catalog's form, whose
    /// signature covers the whole file but its own value.
    pub fn standalone_signed(&self, sign: Option<(&Pades, &str)>) -> Result<Vec<u8>, crate::pdf::sign::PadesError> {
        let (mut out, place) = self.standalone_unsigned(sign);
        if let (Some((pades, _)), Some(place)) = (sign, place) {
            pades.sign(&mut out, place)?;
        }
        Ok(out)
    }

    /// As [`Fragment::standalone_signed`], the signature's place left open
    /// (zeros) and given, for [`Pades::sign_many`] to sign with others.
    pub fn standalone_unsigned(&self, sign: Option<(&Pades, &str)>) -> (Vec<u8>, Option<Place>) {
        let extra = sign.map_or(0, |(p, _)| p.contents_len + 512 + p.dss().map_or(0, |d| d.certs.iter().chain(&d.crls).map(|c| c.len() + 64).sum::<usize>() + 128));
        let mut out = Vec::with_capacity(self.body.len() + 2048 + extra);
        out.extend_from_slice(HEADER);
        let (widget, sig) = (self.max_id + 1, self.max_id + 2);
        let dss = sign.and_then(|(p, _)| p.dss()).map(|d| (self.max_id + 3, d));
        let size = if sign.is_some() { self.max_id + 3 + dss.map_or(0, |(_, d)| d.count()) } else { self.max_id + 1 };
        let mut offsets = vec![0u64; size as usize];
        let own = |id: u32| if id == PARENT { self.pages_id } else { id };
        let first_page = self.pages.first().copied();
        for (id, range) in &self.objects {
            offsets[*id as usize] = out.len() as u64;
            self.place(&mut out, *id, range, own);
            if sign.is_some() && Some(*id) == first_page {
                insert_before_close(&mut out, format!("/Annots[{widget} 0 R]").as_bytes());
            }
        }
        let catalog = self.head.iter().enumerate().position(|(i, (id, _))| *id != self.pages_id && Some(i) != self.info);
        for (i, (id, bytes)) in self.head.iter().enumerate() {
            offsets[*id as usize] = out.len() as u64;
            let _ = writeln!(out, "{id} 0 obj");
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\nendobj\n");
            if sign.is_some() && Some(i) == catalog {
                let store = dss.map(|(first, _)| format!("/DSS {first} 0 R")).unwrap_or_default();
                insert_before_close(&mut out, format!("/AcroForm<</Fields[{widget} 0 R]/SigFlags 3>>{store}").as_bytes());
            }
        }
        let mut at = None;
        if let (Some((pades, m)), Some(page)) = (sign, first_page) {
            offsets[widget as usize] = out.len() as u64;
            let _ = write!(out, "{widget} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/F 132/Rect[0 0 0 0]/T(Signature1)/V {sig} 0 R/P {page} 0 R>>\nendobj\n");
            offsets[sig as usize] = out.len() as u64;
            let _ = writeln!(out, "{sig} 0 obj");
            let start = out.len();
            let (range_at, contents_at) = pades.dictionary_into(&mut out, m);
            at = Some(Place { range_at: start + range_at, contents_at: start + contents_at });
            out.extend_from_slice(b"\nendobj\n");
        }
        if let Some((first, d)) = dss {
            let (bytes, at) = d.objects(first);
            for (id, off) in at {
                offsets[id as usize] = (out.len() + off) as u64;
            }
            out.extend_from_slice(&bytes);
        }
        let xref_at = out.len();
        xref(&mut out, offsets.into_iter());
        let id = hex::encode(self.id);
        out.extend_from_slice(b"trailer\n<<");
        out.extend_from_slice(&self.trailer);
        let _ = write!(out, "/ID [<{id}> <{id}>]/Size {size}>>\nstartxref\n{xref_at}\n%%EOF\n");
        (out, at)
    }
}

/// A document shape's objects with some left open (see the module doc).
#[derive(Debug)]
pub struct Skeleton {
    base: Fragment,
    /// Per object of `base.objects`: `None` = copied as it is, `Some(k)` =
    /// a stream whose content is the k-th of [`Skeleton::fill`]'s streams.
    open: Vec<Option<usize>>,
    /// Per open stream: its dictionary's bytes up to /Length.
    prefixes: Vec<Vec<u8>>,
}

impl Skeleton {
    /// Keep `doc` as a skeleton whose streams `open` (object numbers, in
    /// the order [`Skeleton::fill`] is given their contents) and whose
    /// information dictionary are filled per document. An open stream's
    /// dictionary must not refer to other objects: it is copied as bytes.
    pub fn of(doc: &lopdf::Document, open: &[u32]) -> std::result::Result<Skeleton, FragmentError> {
        let base = Fragment::of(doc, "")?;
        if base.info.is_none() {
            return Err(FragmentError("no information dictionary".into()));
        }
        let mut prefixes = Vec::with_capacity(open.len());
        for id in open {
            let stream = doc.get_object((*id, 0)).and_then(Object::as_stream).map_err(|_| format!("object {id} is not a stream"))?;
            let mut refs = Vec::new();
            let mut prefix = b"<<".to_vec();
            entries(&mut prefix, &mut refs, &stream.dict, true);
            if !refs.is_empty() {
                return Err(FragmentError(format!("stream {id} refers to other objects")));
            }
            prefixes.push(prefix);
        }
        let slots = base.objects.iter().map(|(id, _)| open.iter().position(|o| o == id)).collect::<Vec<_>>();
        if slots.iter().flatten().count() != open.len() {
            return Err(FragmentError("an open stream is not among the document's objects".into()));
        }
        Ok(Skeleton { base, open: slots, prefixes })
    }

    /// A document of this shape: its open streams' stored contents (as
    /// many as were opened, in that order), its information dictionary and
    /// its number. Gives exactly the fragment [`Fragment::of`] gives for
    /// the whole document.
    pub fn fill(&self, streams: &[&[u8]], info: &Dictionary, number: &str) -> std::result::Result<Fragment, FragmentError> {
        if streams.len() != self.prefixes.len() {
            return Err(FragmentError(format!("{} streams for {} open objects", streams.len(), self.prefixes.len())));
        }
        let b = &self.base;
        let extra: usize = streams.iter().map(|s| s.len() + 64).sum();
        let mut f = Fragment {
            body: Vec::with_capacity(b.body.len() + extra),
            objects: Vec::with_capacity(b.objects.len()),
            refs: Vec::with_capacity(b.refs.len()),
            pages: b.pages.clone(),
            max_id: b.max_id,
            pages_id: b.pages_id,
            head: b.head.clone(),
            info: b.info,
            trailer: b.trailer.clone(),
            id: [0; 16],
        };
        for ((id, range), open) in b.objects.iter().zip(&self.open) {
            let start = f.body.len();
            match open {
                Some(k) => {
                    f.body.extend_from_slice(&self.prefixes[*k]);
                    let _ = write!(f.body, "/Length {}>>\nstream\n", streams[*k].len());
                    f.body.extend_from_slice(streams[*k]);
                    f.body.extend_from_slice(b"\nendstream");
                }
                None => {
                    f.body.extend_from_slice(&b.body[range.clone()]);
                    let first = b.refs.partition_point(|(r, _)| r.start < range.start);
                    for (r, target) in b.refs[first..].iter().take_while(|(r, _)| r.end <= range.end) {
                        let at = r.start - range.start + start;
                        f.refs.push((at..at + r.len(), *target));
                    }
                }
            }
            f.objects.push((*id, start..f.body.len()));
        }
        if let Some((_, bytes)) = b.info.and_then(|i| f.head.get_mut(i)) {
            bytes.clear();
            dictionary(bytes, &mut Vec::new(), info, None);
        }
        f.seal(number);
        Ok(f)
    }
}

fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        let regular = b.is_ascii_graphic() && !b"()<>[]{}/%#".contains(&b);
        if regular {
            out.push(b);
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
}

/// Serialize one PDF object (ISO 32000-1 §7.3).
pub fn write_object(out: &mut Vec<u8>, obj: &Object) {
    write_relocatable(out, &mut Vec::new(), obj)
}

/// As [`write_object`], noting where each reference's object number is.
fn write_relocatable(out: &mut Vec<u8>, refs: &mut Vec<(Range<usize>, u32)>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Object::Real(r) => {
            // Display never uses exponents; PDF readers need plain decimals.
            let r = if r.is_finite() { *r } else { 0.0 };
            let _ = write!(out, "{r}");
        }
        Object::Name(n) => name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => {
            out.push(b'<');
            out.extend_from_slice(hex::encode(s).as_bytes());
            out.push(b'>');
        }
        Object::String(s, StringFormat::Literal) => {
            out.push(b'(');
            for &b in s {
                match b {
                    b'(' | b')' | b'\\' => {
                        out.push(b'\\');
                        out.push(b);
                    }
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    _ => out.push(b),
                }
            }
            out.push(b')');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, o) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_relocatable(out, refs, o);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(out, refs, d, None),
        Object::Stream(s) => {
            dictionary(out, refs, &s.dict, Some(s.content.len()));
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, gen)) => {
            let start = out.len();
            let _ = write!(out, "{id}");
            refs.push((start..out.len(), *id));
            let _ = write!(out, " {gen} R");
        }
    }
}

/// A dictionary; a stream's (`length` given) has its /Length last.
fn dictionary(out: &mut Vec<u8>, refs: &mut Vec<(Range<usize>, u32)>, d: &Dictionary, length: Option<usize>) {
    out.extend_from_slice(b"<<");
    entries(out, refs, d, length.is_some());
    if let Some(n) = length {
        let _ = write!(out, "/Length {n}");
    }
    out.extend_from_slice(b">>");
}

fn entries(out: &mut Vec<u8>, refs: &mut Vec<(Range<usize>, u32)>, d: &Dictionary, skip_length: bool) {
    for (k, v) in d.iter() {
        if skip_length && k.as_slice() == b"Length" {
            continue;
        }
        name(out, k);
        out.push(b' ');
        write_relocatable(out, refs, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_serialize_as_pdf_syntax() {
        let mut d = Dictionary::new();
        d.set("A b", Object::String(b"x(y)\\".to_vec(), StringFormat::Literal));
        d.set("N", Object::Array(vec![Object::Integer(-3), Object::Real(0.5), Object::Reference((7, 0)), Object::Null]));
        let mut out = Vec::new();
        write_object(&mut out, &Object::Dictionary(d));
        assert_eq!(String::from_utf8(out).unwrap(), "<</A#20b (x\\(y\\)\\\\)/N [-3 0.5 7 0 R null]>>");
    }

    /// A small document: catalog, page tree, one page drawing one stream
    /// and one image, an information dictionary.
    fn doc(content: &[u8], image: &[u8], title: &str) -> lopdf::Document {
        use lopdf::{dictionary, Stream};
        let mut d = lopdf::Document::with_version("1.7");
        let img = d.add_object(Stream::new(dictionary! {"Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1}, image.to_vec()));
        let c = d.add_object(Stream::new(dictionary! {"Filter" => "FlateDecode"}, content.to_vec()));
        let pages = d.new_object_id();
        let page = d.add_object(dictionary! {"Type" => "Page", "Parent" => pages, "Contents" => c, "Resources" => dictionary! {"XObject" => dictionary! {"QR" => img}}});
        d.objects.insert(pages, Object::Dictionary(dictionary! {"Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1}));
        let cat = d.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages});
        let info = d.add_object(dictionary! {"Title" => Object::string_literal(title)});
        d.trailer.set("Root", cat);
        d.trailer.set("Info", info);
        d
    }

    #[test]
    fn a_filled_skeleton_is_the_fragment_of_the_whole_document() {
        let first = doc(b"first page text", b"\x00", "A 1");
        let sk = Skeleton::of(&first, &[1, 2]).unwrap();
        let second = doc(b"another, longer page text", b"\xff", "A 2");
        let info = second.get_object(second.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap().as_dict().unwrap();
        let filled = sk.fill(&[b"\xff", b"another, longer page text"], info, "N-2").unwrap();
        let whole = Fragment::of(&second, "N-2").unwrap();
        assert_eq!(filled.standalone(), whole.standalone());
        // Relocated references survive the copy: the print file's view.
        let mut a = Vec::new();
        let mut b = Vec::new();
        let map = |n: u32| if n == PARENT { 2 } else { n + 100 };
        for ((id, ra), (_, rb)) in filled.objects.iter().zip(&whole.objects) {
            filled.place(&mut a, *id, ra, map);
            whole.place(&mut b, *id, rb, map);
        }
        assert_eq!(a, b);
        assert!(String::from_utf8_lossy(&a).contains("/Contents 102 0 R"));
        // The identifier follows the number and the content.
        assert_ne!(sk.fill(&[b"\xff", b"another, longer page text"], info, "N-3").unwrap().standalone(), whole.standalone());
        assert!(sk.fill(&[b"x"], info, "N-2").is_err());
    }

    #[test]
    fn open_objects_must_be_streams_of_the_document() {
        let d = doc(b"x", b"y", "t");
        assert!(Skeleton::of(&d, &[3]).is_err(), "a page is not a stream");
        assert!(Skeleton::of(&d, &[40]).is_err());
    }
}
