//! Finishing printpdf's document ourselves: deflate (a fast level per
//! document, the best once per run), and trimming what a reader takes as
//! the default anyway, so the same inputs give the same, smaller bytes.

use flate2::{Compress, Compression, FlushCompress, Status};
use lopdf::Object;

thread_local! {
    /// One zlib state per worker thread, reset per stream. A fresh encoder
    /// per stream allocates ~256 KiB that glibc hands back to the kernel
    /// each time, and the page faults cost more than the compression.
    static DEFLATE: std::cell::RefCell<Compress> = std::cell::RefCell::new(Compress::new(Compression::fast(), true));
}

/// zlib-wrapped deflate at the best level, for what is compressed once
/// per run (a template's fixed drawing): its bytes are in every document.
pub(crate) fn deflate_best(data: &[u8]) -> std::result::Result<Vec<u8>, String> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::with_capacity(data.len() / 2 + 128), Compression::best());
    z.write_all(data).map_err(|e| e.to_string())?;
    z.finish().map_err(|e| e.to_string())
}

/// Drop what printpdf writes that a reader takes as the default anyway
/// (crop and trim boxes equal to the media box, an empty annotation list,
/// empty resource dictionaries), and put each page's
/// resources and fonts in the page instead of objects of their own (each
/// object costs a header and an xref line). That is ~15% of a
/// certificate's bytes, in every file and every print file: most
/// certificates then fit one 4 KiB block, which is what the filesystem
/// allocates, copies and writes back per file.
pub(crate) fn trim(lo: &mut lopdf::Document) {
    let page_ids: Vec<lopdf::ObjectId> = lo.get_pages().into_values().collect();
    // Objects whose content moved into the pages: nothing else refers to them.
    let mut moved = std::collections::BTreeSet::new();
    for id in page_ids {
        let Ok(mut page) = lo.get_object(id).and_then(Object::as_dict).cloned() else { continue };
        let media = page.get(b"MediaBox").ok().cloned();
        for key in [&b"CropBox"[..], b"TrimBox"] {
            if media.is_some() && page.get(key).ok() == media.as_ref() {
                page.remove(key);
            }
        }
        if page.get(b"Annots").and_then(Object::as_array).is_ok_and(|a| a.is_empty()) {
            page.remove(b"Annots");
        }
        if let Ok(res_id) = page.get(b"Resources").and_then(Object::as_reference) {
            if let Ok(res) = lo.get_object(res_id).and_then(Object::as_dict) {
                let inlined = inline_resources(lo, res, &mut moved);
                page.set("Resources", Object::Dictionary(inlined));
                moved.insert(res_id);
            }
        }
        lo.objects.insert(id, Object::Dictionary(page));
    }
    for id in moved {
        lo.objects.remove(&id);
    }
    compact(lo);
}

/// Number the objects 1..n in their present order, so the cross-reference
/// table has no holes (20 bytes each). lopdf's `prune_objects` +
/// `renumber_objects` did this at ~3× the cost: this document's objects
/// are known and few.
pub(crate) fn compact(lo: &mut lopdf::Document) {
    let ids: Vec<lopdf::ObjectId> = lo.objects.keys().copied().collect();
    if ids.iter().enumerate().all(|(i, id)| id.0 as usize == i + 1 && id.1 == 0) {
        return;
    }
    let map: std::collections::BTreeMap<lopdf::ObjectId, lopdf::ObjectId> =
        ids.iter().enumerate().map(|(i, id)| (*id, (i as u32 + 1, 0))).collect();
    fn fix(o: &mut Object, map: &std::collections::BTreeMap<lopdf::ObjectId, lopdf::ObjectId>) {
        match o {
            Object::Reference(r) => {
                if let Some(n) = map.get(r) {
                    *r = *n;
                }
            }
            Object::Array(a) => a.iter_mut().for_each(|x| fix(x, map)),
            Object::Dictionary(d) => d.iter_mut().for_each(|(_, x)| fix(x, map)),
            Object::Stream(s) => s.dict.iter_mut().for_each(|(_, x)| fix(x, map)),
            _ => {}
        }
    }
    let old = std::mem::take(&mut lo.objects);
    for (id, mut o) in old {
        fix(&mut o, &map);
        lo.objects.insert(map.get(&id).copied().unwrap_or(id), o);
    }
    lo.trailer.iter_mut().for_each(|(_, x)| fix(x, &map));
    lo.max_id = ids.len() as u32;
}

/// A page's resource dictionary with its sub-dictionaries (and fonts)
/// written in place, and empty ones left out. Streams (images, embedded
/// font files) stay objects of their own.
pub(crate) fn inline_resources(lo: &lopdf::Document, res: &lopdf::Dictionary, moved: &mut std::collections::BTreeSet<lopdf::ObjectId>) -> lopdf::Dictionary {
    let mut deref = |v: &Object| -> Object {
        match v.as_reference().and_then(|r| lo.get_object(r).map(|o| (r, o))) {
            Ok((r, o @ Object::Dictionary(_))) => {
                moved.insert(r);
                o.clone()
            }
            _ => v.clone(),
        }
    };
    let mut out = lopdf::Dictionary::new();
    for (key, value) in res.iter() {
        match deref(value) {
            Object::Dictionary(d) if d.is_empty() => {}
            Object::Dictionary(d) if key == b"Font" => {
                out.set(key.clone(), Object::Dictionary(d.iter().map(|(k, v)| (k.clone(), deref(v))).collect()));
            }
            other => out.set(key.clone(), other),
        }
    }
    out
}

/// zlib-wrapped deflate (PDF `/FlateDecode`) at level 1. Measured on a
/// birth certificate (bench/RESULTS.md): level 6 renders in ~130 µs, level
/// 1 in ~94 µs, for files ~13% larger; a nightly job of 200,000 documents
/// is CPU-bound, its disk is not. (printpdf's default, level 9, is slower
/// still for the same few bytes.)
pub fn deflate(data: &[u8]) -> std::result::Result<Vec<u8>, String> {
    DEFLATE.with(|cell| {
        let mut z = cell.borrow_mut();
        z.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 128);
        loop {
            let consumed = z.total_in() as usize;
            let status = z
                .compress_vec(&data[consumed.min(data.len())..], &mut out, FlushCompress::Finish)
                .map_err(|e| e.to_string())?;
            match status {
                Status::StreamEnd => return Ok(out),
                _ => out.reserve(out.capacity().max(256)),
            }
        }
    })
}

