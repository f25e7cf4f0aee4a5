//! Merged print files: one PDF per service point per run holding every
//! document filed there, in manifest order, so a village prints one stack
//! in the morning (the run's folders file documents per service point and
//! kind; this is the same set, bound together).
//!
//! The file is streamed: each document arrives as a [`Fragment`], its
//! objects already serialized on the rendering thread together with where
//! each object reference sits, so the writer only copies bytes and rewrites
//! those numbers into the merged file's numbering. Memory stays flat
//! however many documents a service point gets.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Object};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::pdf::fragment::{insert_before_close, write_object, xref, Fragment, HEADER, PARENT};
use crate::pdf::sign::Pades;


const CATALOG: u32 = 1;
const PAGES: u32 = 2;

/// One service point's merged print file being written.
pub struct PrintFile {
    path: PathBuf,
    tmp: PathBuf,
    /// Removes `tmp` if the print file is never finished.
    guard: crate::util::fs::TempGuard,
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
    /// SHA-256 of every byte written, for the batch seal. Until the
    /// signature object it is also the signed range's hash (the signature
    /// comes last), so that hash starts from a copy of it: each byte of
    /// the print file is hashed once.
    digest: Sha256,
    /// The signature (PAdES B-B) and its claimed time, when the run signs.
    pades: Option<(std::sync::Arc<Pades>, String)>,
}

/// The signature field's and signature's object numbers in a signed print file.
const WIDGET: u32 = 3;
const SIGNATURE: u32 = 4;

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

impl PrintFile {
    /// Start a print file at `path` (written under a temporary name until finished).
    pub fn create(path: &Path, pades: Option<(std::sync::Arc<Pades>, String)>) -> Result<PrintFile> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let tmp = crate::util::fs::tmp_path(path);
        // A temporary of ours left by a crash of a process with this pid.
        let _ = fs::remove_file(&tmp);
        let f = crate::util::fs::create_new(&tmp)?;
        let mut p = PrintFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, f),
            guard: crate::util::fs::TempGuard::new(tmp.clone()),
            tmp,
            offsets: vec![ABSENT; if pades.is_some() { 5 } else { 3 }],
            segments: Vec::new(),
            tail: Vec::new(),
            written: 0,
            kids: Vec::new(),
            id_hash: Sha256::new(),
            digest: Sha256::new(),
            pades,
        };
        p.put(HEADER)?;
        Ok(p)
    }

    fn put(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).map_err(io(&self.tmp))?;
        self.digest.update(b);
        self.written += b.len() as u64;
        Ok(())
    }

    fn object(&mut self, id: u32, obj: &Object) -> Result<()> {
        self.tail.push((id, self.written));
        let mut buf = Vec::with_capacity(256);
        let _ = writeln!(buf, "{id} 0 obj");
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
        let mut buf = Vec::with_capacity(doc.body_len() + doc.objects.len() * 24);
        // A signed file's signature field sits on its first page.
        let widget_on = if self.pades.is_some() && self.kids.is_empty() { doc.pages.first().copied() } else { None };
        for (id, range) in &doc.objects {
            let at = u32::try_from(buf.len()).map_err(|_| Error::Render { document: number.to_string(), message: "document over 4 GiB".into() })?;
            self.offsets[map(*id) as usize] = at;
            doc.place(&mut buf, *id, range, map);
            if Some(*id) == widget_on {
                insert_before_close(&mut buf, format!("/Annots[{WIDGET} 0 R]").as_bytes());
            }
        }
        self.put(&buf)?;
        self.kids.extend(doc.pages.iter().map(|p| map(*p)));
        self.id_hash.update(number.as_bytes());
        Ok(())
    }

    /// Write the page tree, catalog and cross-reference table; publish the
    /// file. Gives its SHA-256.
    pub fn finish(mut self) -> Result<[u8; 32]> {
        let kids = Object::Array(self.kids.iter().map(|k| Object::Reference((*k, 0))).collect());
        let mut pages = Dictionary::new();
        pages.set("Type", Object::Name(b"Pages".to_vec()));
        pages.set("Count", Object::Integer(self.kids.len() as i64));
        pages.set("Kids", kids);
        self.object(PAGES, &Object::Dictionary(pages))?;
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", Object::Reference((PAGES, 0)));
        if let Some((pades, _)) = self.pades.clone() {
            let mut form = Dictionary::new();
            form.set("Fields", Object::Array(vec![Object::Reference((WIDGET, 0))]));
            form.set("SigFlags", Object::Integer(3));
            catalog.set("AcroForm", Object::Dictionary(form));
            // The validation data (PAdES B-LT), inside the signed revision.
            if let Some(d) = pades.dss() {
                let first = self.offsets.len() as u32;
                self.offsets.resize(first as usize + d.count() as usize, ABSENT);
                catalog.set("DSS", Object::Reference((first, 0)));
                let (bytes, at) = d.objects(first);
                for (id, off) in at {
                    self.tail.push((id, self.written + off as u64));
                }
                self.put(&bytes)?;
            }
        }
        self.object(CATALOG, &Object::Dictionary(catalog))?;
        // The signature comes last, so that everything after its value is
        // known before it is computed: the file is written once, in order.
        let mut signature = None;
        if let (Some((pades, m)), Some(first)) = (self.pades.clone(), self.kids.first().copied()) {
            let widget = format!("{WIDGET} 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/F 132/Rect[0 0 0 0]/T(Signature1)/V {SIGNATURE} 0 R/P {first} 0 R>>\nendobj\n");
            self.tail.push((WIDGET, self.written));
            self.put(widget.as_bytes())?;
            self.tail.push((SIGNATURE, self.written));
            let mut head = format!("{SIGNATURE} 0 obj\n").into_bytes();
            let (dict, range_at, contents_at) = pades.dictionary(&m);
            let base = self.written as usize + head.len();
            head.extend_from_slice(&dict);
            head.extend_from_slice(b"\nendobj\n");
            signature = Some((pades, head, base + range_at, base + contents_at));
        }
        let xref_at = self.written + signature.as_ref().map_or(0, |(_, head, _, _)| head.len() as u64);
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
        if let Some((pades, mut head, range_at, contents_at)) = signature {
            let start = self.written as usize;
            let total = start + head.len() + x.len();
            let range = crate::pdf::sign::byte_range(contents_at, pades.contents_len, total);
            let (r, c) = (range_at - start, contents_at - start);
            head[r..r + range.len()].copy_from_slice(range.as_bytes());
            // Every byte so far is in the signed range.
            let mut signed = self.digest.clone();
            signed.update(&head[..c]);
            signed.update(&head[c + pades.contents_len + 2..]);
            signed.update(&x);
            pades.cms_hex_into(&signed.finalize().into(), &mut head[c + 1..c + 1 + pades.contents_len]).map_err(|e| Error::TimeStamp(e.0))?;
            self.put(&head)?;
        }
        self.put(&x)?;
        let f = self.out.into_inner().map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        f.sync_all().map_err(io(&self.tmp))?;
        fs::rename(&self.tmp, &self.path).map_err(io(&self.path))?;
        self.guard.disarm();
        Ok(self.digest.finalize().into())
    }
}

const ABSENT: u32 = u32::MAX;
