//! Merged print files: one PDF per service point per run holding every
//! document filed there, in manifest order, so a village prints one stack
//! in the morning (DESIGN §6 files documents per service point and kind;
//! this is the same set, bound together).
//!
//! The file is streamed: each document's objects are renumbered into the
//! merged file's numbering and written out as they arrive, so memory stays
//! flat however many documents a service point gets. lopdf parses and
//! renumbers; its serializer is private, so [`write_object`] writes the
//! few object types our own documents contain.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const CATALOG: u32 = 1;
const PAGES: u32 = 2;

/// One service point's merged print file being written.
pub struct PrintFile {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<fs::File>,
    /// Byte offset of each object (index = object number; 0 = not written).
    offsets: Vec<u64>,
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
        let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(format!(".tmp-{}", std::process::id()));
        let tmp = path.with_file_name(name);
        let f = fs::File::create(&tmp).map_err(io(&tmp))?;
        let mut p = PrintFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, f),
            tmp,
            offsets: vec![0; 3],
            written: 0,
            kids: Vec::new(),
            id_hash: Sha256::new(),
            documents: 0,
        };
        // A binary comment line marks the file as binary for transfer tools.
        p.put(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(p)
    }

    fn put(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).map_err(io(&self.tmp))?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn object(&mut self, id: u32, obj: &Object) -> Result<()> {
        if self.offsets.len() <= id as usize {
            self.offsets.resize(id as usize + 1, 0);
        }
        self.offsets[id as usize] = self.written;
        let mut buf = Vec::with_capacity(256);
        let _ = write!(buf, "{id} 0 obj\n");
        write_object(&mut buf, obj);
        buf.extend_from_slice(b"\nendobj\n");
        self.put(&buf)
    }

    /// Append every page of `doc` (one of our rendered documents).
    pub fn append(&mut self, mut doc: lopdf::Document, number: &str) -> Result<()> {
        let bad = |m: &str| Error::Render { document: number.to_string(), message: format!("print file: {m}") };
        let next = self.offsets.len() as u32;
        doc.renumber_objects_with(next);
        let root = doc.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| bad("no catalog"))?;
        let pages_id = doc
            .get_object(root)
            .and_then(Object::as_dict)
            .and_then(|c| c.get(b"Pages"))
            .and_then(Object::as_reference)
            .map_err(|_| bad("no page tree"))?;
        let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
        // Attributes a page may inherit from the page tree it leaves behind.
        let inherited: Dictionary = doc.get_object(pages_id).and_then(Object::as_dict).cloned().unwrap_or_default();
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        for id in &pages {
            let page = doc.get_object_mut(*id).and_then(Object::as_dict_mut).map_err(|_| bad("page is not a dictionary"))?;
            for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
                if !page.has(key) {
                    if let Ok(v) = inherited.get(key) {
                        page.set(key, v.clone());
                    }
                }
            }
            page.set("Parent", Object::Reference((PAGES, 0)));
        }
        let skip = [Some(root), Some(pages_id), info];
        for (id, obj) in &doc.objects {
            if skip.contains(&Some(*id)) {
                continue;
            }
            self.object(id.0, obj)?;
        }
        self.kids.extend(pages.iter().map(|p| p.0));
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
        let _ = write!(x, "xref\n0 {}\n0000000000 65535 f \n", self.offsets.len());
        for off in &self.offsets[1..] {
            if *off == 0 {
                x.extend_from_slice(b"0000000000 65535 f \n");
            } else {
                let _ = write!(x, "{off:010} 00000 n \n");
            }
        }
        let id = hex::encode(&self.id_hash.clone().finalize()[..16]);
        let _ = write!(x, "trailer\n<< /Size {} /Root {CATALOG} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{xref_at}\n%%EOF\n", self.offsets.len());
        self.put(&x)?;
        let f = self.out.into_inner().map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        f.sync_all().map_err(io(&self.tmp))?;
        fs::rename(&self.tmp, &self.path).map_err(io(&self.path))
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
                write_object(out, o);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dict(out, d, None),
        Object::Stream(s) => {
            dict(out, &s.dict, Some(s.content.len()));
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, gen)) => {
            let _ = write!(out, "{id} {gen} R");
        }
    }
}

fn dict(out: &mut Vec<u8>, d: &Dictionary, length: Option<usize>) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        if length.is_some() && k.as_slice() == b"Length" {
            continue;
        }
        name(out, k);
        out.push(b' ');
        write_object(out, v);
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
