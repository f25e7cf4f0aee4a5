//! A page's content streams, decoded within limits and parsed with the
//! strict reader ([`super::content`]); the parse of a stream seen lately
//! (a template's fixed drawing, in every document of a kind) is shared.

use lopdf_read::{Dictionary, Document, Object};

use super::scan::deref;

/// Decompressed bytes one content stream may have.
pub(super) const MAX_STREAM: usize = 8 << 20;

/// The page's content streams.
pub(super) fn page_streams<'a>(doc: &'a Document, page: &'a Dictionary, problems: &mut Vec<String>) -> Vec<&'a lopdf_read::Stream> {
    let refs: Vec<&Object> = match page.get(b"Contents").ok().and_then(|c| deref(doc, c)) {
        Some(Object::Array(a)) => a.iter().collect(),
        Some(o) => vec![o],
        None => vec![],
    };
    let mut out = Vec::new();
    for r in refs {
        match deref(doc, r).and_then(|o| o.as_stream().ok()) {
            Some(s) => out.push(s),
            None => problems.push("the page's contents are not streams".into()),
        }
    }
    out
}

pub(super) fn stream_bytes(s: &lopdf_read::Stream) -> Option<Vec<u8>> {
    if s.dict.has(b"Filter") {
        s.decompressed_content_with_limit(MAX_STREAM).ok()
    } else {
        (s.content.len() <= MAX_STREAM).then(|| s.content.clone())
    }
}

thread_local! {
    /// Operator lists of content streams seen lately, by their bytes'
    /// SHA-256: the template's fixed drawing is the same stream in every
    /// document of a kind, and parsing it dominated an audit's time. Only
    /// the parse is shared (a pure function of the bytes); every page is
    /// still interpreted with its own resources.
    #[allow(clippy::type_complexity)]
    static PARSED: std::cell::RefCell<Vec<([u8; 32], (usize, std::rc::Rc<Vec<lopdf_read::content::Operation>>))>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Streams kept parsed per thread; streams larger than this many bytes are
/// not kept (a document's own text is small and never repeats).
pub(super) const PARSED_KEPT: usize = 32;
pub(super) const PARSED_MIN_BYTES: usize = 1024;

/// A stream's operators and decoded length, parsed once per distinct
/// stream (keyed by its filter and stored bytes, so a hit skips the
/// inflate too). `Err(None)`: the stream does not decode.
#[allow(clippy::type_complexity)]
pub(super) fn operations(stream: &lopdf_read::Stream) -> Result<(usize, std::rc::Rc<Vec<lopdf_read::content::Operation>>), Option<super::content::SyntaxError>> {
    use sha2::{Digest, Sha256};
    let parse = |s: &lopdf_read::Stream| -> Result<(usize, std::rc::Rc<Vec<lopdf_read::content::Operation>>), Option<super::content::SyntaxError>> {
        let bytes = stream_bytes(s).ok_or(None)?;
        let ops = super::content::parse(&bytes).map_err(Some)?;
        Ok((bytes.len(), std::rc::Rc::new(ops)))
    };
    if stream.content.len() < PARSED_MIN_BYTES / 2 {
        return parse(stream);
    }
    let mut h = Sha256::new();
    h.update(stream.dict.get(b"Filter").ok().map(|f| format!("{f:?}")).unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(stream.dict.get(b"DecodeParms").ok().map(|f| format!("{f:?}")).unwrap_or_default().as_bytes());
    h.update([0]);
    h.update(&stream.content);
    let key: [u8; 32] = h.finalize().into();
    let hit = PARSED.with(|p| {
        let mut p = p.borrow_mut();
        let i = p.iter().position(|(k, _)| *k == key)?;
        // Most recently used last: the shared streams stay, the documents'
        // own streams (seen once) go first.
        let e = p.remove(i);
        let found = e.1.clone();
        p.push(e);
        Some(found)
    });
    if let Some(found) = hit {
        return Ok(found);
    }
    let parsed = parse(stream)?;
    PARSED.with(|p| crate::util::keep_recent(&mut p.borrow_mut(), (key, parsed.clone()), PARSED_KEPT));
    Ok(parsed)
}

/// Operand count of the operators the reader interprets (`None`: any).
pub(super) fn arity(op: &str) -> Option<usize> {
    Some(match op {
        "q" | "Q" | "h" | "n" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "S" | "s" | "W" | "W*" | "BT" | "ET" | "T*" | "EMC" | "BI" => 0,
        "w" | "g" | "G" | "Tc" | "Tw" | "Tz" | "TL" | "Ts" | "Tr" | "gs" | "Do" | "cs" | "CS" | "Tj" | "'" | "TJ" | "BMC" | "sh" => 1,
        "m" | "l" | "Td" | "TD" | "Tf" | "BDC" => 2,
        "rg" | "RG" | "\"" => 3,
        "k" | "K" | "re" | "v" | "y" => 4,
        "cm" | "Tm" | "c" => 6,
        _ => return None,
    })
}

/// Operators whose operands must all be numbers.
pub(super) fn numeric(op: &str) -> bool {
    matches!(op, "w" | "g" | "G" | "Tc" | "Tw" | "Tz" | "TL" | "Ts" | "Tr" | "m" | "l" | "Td" | "TD" | "rg" | "RG" | "k" | "K" | "re" | "v" | "y" | "cm" | "Tm" | "c")
}

