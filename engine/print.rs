//! Merged print files: one PDF per service point per run holding every
//! document filed there, in manifest order, so a village prints one stack
//! in the morning (DESIGN §6 files documents per service point and kind;
//! this is the same set, bound together).
//!
//! The file is streamed: each document arrives as a [`Fragment`], its
//! objects already serialized on the rendering thread together with where
//! each object reference sits, so the writer only copies bytes and rewrites
//! those numbers into the merged file's numbering. The same fragment also
//! gives the document's own PDF file ([`Fragment::standalone`]): every
//! object is serialized once. Memory stays flat however many documents a
//! service point gets. [`write_object`] writes the few object types our
//! own documents contain (lopdf's serializer is private).

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use std::ops::Range;

use lopdf::{Dictionary, Object, StringFormat};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A binary comment line after the version marks the file as binary for
/// transfer tools.
const HEADER: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";

const CATALOG: u32 = 1;
const PAGES: u32 = 2;

/// One service point's merged print file being written.
pub struct PrintFile {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<fs::File>,
    /// Where each object starts (index = object number), relative to the
    /// start of its document's objects; `ABSENT` = no such object. A
    /// document's objects are written together, so 32 bits suffice: a
    /// million documents would otherwise keep ~100 MB of 64-bit offsets.
    offsets: Vec<u32>,
    /// (first object number, byte offset) of each document, ascending.
    segments: Vec<(u32, u64)>,
    /// The page tree and catalog, written last.
    tail: Vec<(u32, u64)>,
    written: u64,
    kids: Vec<u32>,
    id_hash: Sha256,
    pub documents: usize,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

impl PrintFile {
    pub fn create(path: &Path) -> Result<PrintFile> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let tmp = crate::sink::tmp_path(path);
        let f = fs::File::create(&tmp).map_err(io(&tmp))?;
        let mut p = PrintFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, f),
            tmp,
            offsets: vec![ABSENT; 3],
            segments: Vec::new(),
            tail: Vec::new(),
            written: 0,
            kids: Vec::new(),
            id_hash: Sha256::new(),
            documents: 0,
        };
        p.put(HEADER)?;
        Ok(p)
    }

    fn put(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).map_err(io(&self.tmp))?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn object(&mut self, id: u32, obj: &Object) -> Result<()> {
        self.tail.push((id, self.written));
        let mut buf = Vec::with_capacity(256);
        let _ = write!(buf, "{id} 0 obj\n");
        write_object(&mut buf, obj);
        buf.extend_from_slice(b"\nendobj\n");
        self.put(&buf)
    }

    /// Append every page of one rendered document.
    pub fn append(&mut self, doc: &Fragment, number: &str) -> Result<()> {
        let next = self.offsets.len() as u32;
        let end = next as usize + doc.max_id as usize;
        self.offsets.resize(end, ABSENT);
        self.segments.push((next, self.written));
        // Local object n becomes next + n - 1; the pages' parent is the
        // merged page tree.
        let map = |id: u32| if id == PARENT { PAGES } else { next + id - 1 };
        let mut buf = Vec::with_capacity(doc.body.len() + doc.objects.len() * 24);
        for (id, range) in &doc.objects {
            let at = u32::try_from(buf.len()).map_err(|_| Error::Render { document: number.to_string(), message: "document over 4 GiB".into() })?;
            self.offsets[map(*id) as usize] = at;
            doc.place(&mut buf, *id, range, map);
        }
        self.put(&buf)?;
        self.kids.extend(doc.pages.iter().map(|p| map(*p)));
        self.id_hash.update(number.as_bytes());
        self.documents += 1;
        Ok(())
    }

    /// Write the page tree, catalog and cross-reference table; publish the file.
    pub fn finish(mut self) -> Result<()> {
        let kids = Object::Array(self.kids.iter().map(|k| Object::Reference((*k, 0))).collect());
        let mut pages = Dictionary::new();
        pages.set("Type", Object::Name(b"Pages".to_vec()));
        pages.set("Count", Object::Integer(self.kids.len() as i64));
        pages.set("Kids", kids);
        self.object(PAGES, &Object::Dictionary(pages))?;
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", Object::Reference((PAGES, 0)));
        self.object(CATALOG, &Object::Dictionary(catalog))?;
        let xref_at = self.written;
        let mut x = Vec::with_capacity(self.offsets.len() * 20 + 64);
        let mut seg = 0;
        let (segments, tail, offsets) = (&self.segments, &self.tail, &self.offsets);
        let absolute = (0..offsets.len() as u32).map(|id| {
            if let Some((_, at)) = tail.iter().find(|(t, _)| *t == id) {
                return *at;
            }
            while seg + 1 < segments.len() && segments[seg + 1].0 <= id {
                seg += 1;
            }
            match (offsets[id as usize], segments.get(seg)) {
                (ABSENT, _) | (_, None) => 0,
                (rel, Some((_, base))) => base + u64::from(rel),
            }
        });
        xref(&mut x, absolute);
        let id = hex::encode(&self.id_hash.clone().finalize()[..16]);
        let _ = write!(x, "trailer\n<< /Size {} /Root {CATALOG} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref_at}\n%%EOF\n", self.offsets.len());
        self.put(&x)?;
        let f = self.out.into_inner().map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        f.sync_all().map_err(io(&self.tmp))?;
        fs::rename(&self.tmp, &self.path).map_err(io(&self.path))
    }
}

const ABSENT: u32 = u32::MAX;

/// A cross-reference table for objects at `offsets` (in object number
/// order from 0; 0 = no such object, listed as free).
fn xref(out: &mut Vec<u8>, offsets: impl ExactSizeIterator<Item = u64>) {
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", offsets.len());
    for off in offsets.skip(1) {
        if off == 0 {
            out.extend_from_slice(b"0000000000 65535 f \n");
        } else {
            let _ = write!(out, "{off:010} 00000 n \n");
        }
    }
}

/// Stands for "the page tree" in a fragment's page dictionaries: its own
/// page tree in the standalone file, the merged one in a print file.
const PARENT: u32 = u32::MAX;

/// A rendered document's objects, serialized once, relocatable.
///
/// `body` holds each object's serialization (without the `n 0 obj` line)
/// with references numbered as in the rendered document; `refs` says where
/// each reference's object number is written, so placing the fragment in a
/// file renumbers it by copying bytes.
#[derive(Debug, Clone)]
pub struct Fragment {
    body: Vec<u8>,
    /// Local object number and its bytes in `body`, in number order;
    /// the document's catalog, page tree and info are not among them.
    objects: Vec<(u32, Range<usize>)>,
    /// Where a reference's object number is, and which object it names.
    refs: Vec<(Range<usize>, u32)>,
    /// Page objects in page order.
    pages: Vec<u32>,
    max_id: u32,
    /// The standalone file's page tree.
    pages_id: u32,
    /// The standalone file's own catalog, page tree and info, serialized.
    head: Vec<(u32, Vec<u8>)>,
    trailer: Vec<u8>,
}

impl Fragment {
    /// Take a rendered document apart. Pages carry everything they would
    /// inherit from the page tree, which a print file replaces.
    pub fn of(doc: &lopdf::Document) -> std::result::Result<Fragment, String> {
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
            return Err("unexpected object numbering".into());
        }
        let mut f = Fragment { body: Vec::with_capacity(8 * 1024), objects: Vec::new(), refs: Vec::new(), pages, max_id, pages_id: pages_id.0, head: Vec::new(), trailer: Vec::new() };
        for (id, obj) in &doc.objects {
            if *id == root || *id == pages_id || Some(*id) == info {
                let mut b = Vec::with_capacity(256);
                write_object(&mut b, obj);
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
        let mut trailer = doc.trailer.clone();
        trailer.set("Size", Object::Integer(i64::from(max_id) + 1));
        write_object(&mut f.trailer, &Object::Dictionary(trailer));
        Ok(f)
    }

    /// Write object `id`'s definition with its references renumbered.
    fn place(&self, out: &mut Vec<u8>, id: u32, range: &Range<usize>, map: impl Fn(u32) -> u32) {
        let _ = write!(out, "{} 0 obj\n", map(id));
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

    /// The document as its own PDF file.
    pub fn standalone(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 2048);
        out.extend_from_slice(HEADER);
        let mut offsets = vec![0u64; self.max_id as usize + 1];
        let own = |id: u32| if id == PARENT { self.pages_id } else { id };
        for (id, range) in &self.objects {
            offsets[*id as usize] = out.len() as u64;
            self.place(&mut out, *id, range, own);
        }
        for (id, bytes) in &self.head {
            offsets[*id as usize] = out.len() as u64;
            let _ = write!(out, "{id} 0 obj\n");
            out.extend_from_slice(bytes);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_at = out.len();
        xref(&mut out, offsets.into_iter());
        out.extend_from_slice(b"trailer\n");
        out.extend_from_slice(&self.trailer);
        let _ = write!(out, "\nstartxref\n{xref_at}\n%%EOF\n");
        out
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
        Object::Dictionary(d) => dict(out, refs, d, None),
        Object::Stream(s) => {
            dict(out, refs, &s.dict, Some(s.content.len()));
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

fn dict(out: &mut Vec<u8>, refs: &mut Vec<(Range<usize>, u32)>, d: &Dictionary, length: Option<usize>) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        if length.is_some() && k.as_slice() == b"Length" {
            continue;
        }
        name(out, k);
        out.push(b' ');
        write_relocatable(out, refs, v);
    }
    if let Some(n) = length {
        let _ = write!(out, "/Length {n}");
    }
    out.extend_from_slice(b">>");
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
}
