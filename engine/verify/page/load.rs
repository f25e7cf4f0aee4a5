//! Loading a signed PDF for the page check without lopdf reading its
//! signature's hex digits one by one.
//!
//! A signed document file is ~40% signature: `/Contents<3082…0000>`, a few
//! thousand hex digits that lopdf's parser takes one at a time (a sixth of
//! an audit's time went there). The page check never reads that value —
//! the file signature is judged from the file's own bytes ([`crate::verify::signature::pades`])
//! — so the digits are replaced by spaces in a copy, which lopdf reads as
//! the empty string `< … >`, at the same offsets.
//!
//! Why the copy reads as the file does, everywhere the page check looks:
//! the span is `<`, hex digits, `>`, preceded by `/Contents` (no line break
//! before it, so no stream's data can begin at it, and none can begin or end
//! inside it: `stream`/`endstream` and line breaks are not hex digits or
//! spaces). Wherever lopdf meets it outside a stream's data, spaces and hex
//! digits lex alike: a hex string stays a hex string (empty now), a literal
//! string or a comment goes on as before (no line break was added). So the
//! copy differs only in the value of the string that held the span, and no
//! string in a dictionary is drawn or read by the page check. What could
//! still differ is refused, and the file read as it is:
//! - a stream whose data holds the span (its content then holds the blanked
//!   span, looked for in every stream, object streams included);
//! - anything but terbit's own tail: the signature dictionary closing right
//!   after the span, then the one classic cross-reference table `startxref`
//!   names, a trailer without `/Prev`, `/XRefStm`, `/Encrypt` or any `#`
//!   (a name written with escapes); compressed objects; a copy lopdf cannot
//!   load at all.

use lopdf_read::{Document, Object};
use lopdf_read::xref::{XrefEntry, XrefType};

/// Below this many hex digits the copy is not worth making.
const MIN_DIGITS: usize = 256;

/// What follows the signature's value in every file terbit signs: the
/// signature dictionary's end, then the cross-reference table.
const TAIL: &[u8] = b">>\nendobj\nxref\n";

/// `bytes` as lopdf reads them: from a copy without the signature's digits
/// when that is provably the same document for the page check, else as is.
pub(crate) fn load(bytes: &[u8]) -> Result<Document, lopdf_read::Error> {
    if let Some((lt, gt)) = signature_value(bytes) {
        let mut copy = bytes.to_vec();
        copy[lt + 1..gt].fill(b' ');
        if let Ok(doc) = Document::load_mem(&copy) {
            if no_stream_holds(&doc, &copy[lt..=gt]) {
                return Ok(doc);
            }
        }
    }
    Document::load_mem(bytes)
}

/// What no file terbit writes has, and readers resolve differently: a
/// `startxref` that does not point at a cross-reference section (lopdf
/// then takes one nearby, other readers rebuild the table by scanning the
/// file: the two can read different objects, and show different pages),
/// or an object number defined twice in the body (the table names one, a
/// scan takes the last). `None` when neither.
pub(crate) fn ambiguity(bytes: &[u8]) -> Option<String> {
    let section = startxref(bytes).and_then(|n| bytes.get(n..)).is_some_and(|t| t.starts_with(b"xref") || object_header(t).is_some());
    if !section {
        return Some("the file's startxref does not point at its cross-reference table (readers then guess, and may show other objects than the table names): the file was altered after it was written".into());
    }
    let mut seen = std::collections::HashSet::new();
    let starts = std::iter::once(0).chain(memchr::memchr2_iter(b'\n', b'\r', bytes).map(|i| i + 1));
    for start in starts {
        if let Some(number) = bytes.get(start..).and_then(object_header) {
            if !seen.insert(number) {
                return Some(format!("object {number} is defined twice in the file (readers may show either): the file was altered after it was written"));
            }
        }
    }
    None
}

/// The offset the last `startxref` of `bytes` names: a number between
/// white space, as terbit writes it (anything else: `None`).
fn startxref(bytes: &[u8]) -> Option<usize> {
    let at = memchr::memmem::rfind(bytes, b"startxref")? + b"startxref".len();
    let rest = &bytes[at..];
    let from = rest.iter().position(|c| !c.is_ascii_whitespace())?;
    let digits = rest[from..].iter().take(20).take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits == 20 || !rest.get(from + digits).is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    std::str::from_utf8(&rest[from..from + digits]).ok()?.parse().ok()
}

/// The object number of `N G obj` at the start of `t`.
fn object_header(t: &[u8]) -> Option<u64> {
    let digits = |t: &[u8]| t.iter().take(20).take_while(|c| c.is_ascii_digit()).count();
    let n = digits(t);
    let rest = t.get(n..)?.strip_prefix(b" ")?;
    let g = digits(rest);
    let after = rest.get(g..)?;
    if n == 0 || g == 0 || !after.starts_with(b" obj") {
        return None;
    }
    std::str::from_utf8(&t[..n]).ok()?.parse().ok()
}

/// The signature's value `<…>` (offsets of `<` and `>`), when the file
/// ends as terbit writes it after it (see the module's comment).
fn signature_value(bytes: &[u8]) -> Option<(usize, usize)> {
    let lt = memchr::memmem::rfind(bytes, b"/Contents<")? + b"/Contents".len();
    let digits = bytes[lt + 1..].iter().position(|c| !c.is_ascii_hexdigit())?;
    let gt = lt + 1 + digits;
    if digits < MIN_DIGITS || bytes.get(gt) != Some(&b'>') {
        return None;
    }
    let tail = bytes.get(gt + 1..)?;
    let xref = gt + 1 + TAIL.len() - b"xref\n".len();
    let plain = |word: &[u8]| memchr::memmem::find(tail, word).is_none();
    if !tail.starts_with(TAIL) || tail.contains(&b'#') || !plain(b"/Prev") || !plain(b"/XRefStm") || !plain(b"/Encrypt") {
        return None;
    }
    // The table lopdf starts from is the one right after the signature.
    (startxref(tail)? == xref).then_some((lt, gt))
}

/// Whether the copy lopdf read holds the blanked span only outside any
/// stream's data, with one classic table and no compressed objects.
fn no_stream_holds(doc: &Document, blanked: &[u8]) -> bool {
    matches!(doc.reference_table.cross_reference_type, XrefType::CrossReferenceTable)
        && doc.encryption_state.is_none()
        && !doc.reference_table.entries.values().any(|e| matches!(e, XrefEntry::Compressed { .. }))
        && {
            // Only a stream at least as long as the span can hold it, and
            // one that does holds its start: `<` and spaces. (One that holds
            // those alone is read from the file too: never wrongly, only
            // more slowly.)
            let start = memchr::memmem::Finder::new(&blanked[..MIN_DIGITS / 4]);
            doc.objects.values().all(|o| match o {
                Object::Stream(s) => s.content.len() < blanked.len() || start.find(&s.content).is_none(),
                _ => true,
            })
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed() -> Vec<u8> {
        crate::verify::tests_support::pdf_and_qr("birth", "3506-LU-23112026-0001", &[]).0
    }

    #[test]
    fn a_signed_file_loads_from_the_copy_as_the_same_document() {
        let pdf = signed();
        let (lt, gt) = signature_value(&pdf).expect("terbit's signed file");
        assert_eq!(&pdf[lt - 9..=lt], b"/Contents<");
        assert!(pdf[lt + 1..gt].iter().all(u8::is_ascii_hexdigit) && pdf[gt] == b'>');
        let fast = load(&pdf).unwrap();
        let slow = Document::load_mem(&pdf).unwrap();
        assert_eq!(fast.objects.len(), slow.objects.len());
        // Every object the same but the signature's value.
        let mut differ = 0;
        for (id, o) in &slow.objects {
            if fast.objects.get(id) != Some(o) {
                differ += 1;
                let d = o.as_dict().unwrap();
                assert_eq!(d.get(b"Type").unwrap().as_name().unwrap(), b"Sig");
                assert_eq!(fast.objects[id].as_dict().unwrap().get(b"Contents").unwrap().as_str().unwrap(), b"");
            }
        }
        assert_eq!(differ, 1);
        assert_eq!(fast.trailer, slow.trailer);
    }

    #[test]
    fn a_startxref_off_its_table_or_an_object_defined_twice_is_named() {
        let pdf = signed();
        assert_eq!(ambiguity(&pdf), None);
        let at = memchr::memmem::rfind(&pdf, b"startxref\n").unwrap() + 10;
        let end = at + pdf[at..].iter().position(|c| *c == b'\n').unwrap();
        let named: usize = std::str::from_utf8(&pdf[at..end]).unwrap().parse().unwrap();
        for off in [named - 3, named + 1] {
            let moved = [&pdf[..at], off.to_string().as_bytes(), &pdf[end..]].concat();
            assert!(ambiguity(&moved).is_some_and(|w| w.contains("startxref")), "{off}");
        }
        // A byte that is not text around the number, or no startxref at all.
        let odd = [&pdf[..end], b"\xff", &pdf[end..]].concat();
        assert!(ambiguity(&odd).is_some_and(|w| w.contains("startxref")));
        let garbled = [&pdf[..at], b"\xff", &pdf[at..]].concat();
        assert!(ambiguity(&garbled).is_some_and(|w| w.contains("startxref")));
        let none = [&pdf[..at - 10], &pdf[at..]].concat();
        assert!(ambiguity(&none).is_some_and(|w| w.contains("startxref")));
        // Object 4 again, just before the table.
        let xref = memchr::memmem::rfind(&pdf, b"\nxref\n").unwrap() + 1;
        let twice = [&pdf[..xref], b"4 0 obj\n<<>>\nendobj\n", &pdf[xref..]].concat();
        // (startxref now points past the table: the first thing named)
        assert!(ambiguity(&twice).is_some());
        let fixed = {
            let at = memchr::memmem::rfind(&twice, b"startxref\n").unwrap() + 10;
            let end = at + twice[at..].iter().position(|c| *c == b'\n').unwrap();
            [&twice[..at], (xref + 20).to_string().as_bytes(), &twice[end..]].concat()
        };
        assert_eq!(ambiguity(&fixed), Some("object 4 is defined twice in the file (readers may show either): the file was altered after it was written".into()));
    }

    #[test]
    fn anything_but_terbits_tail_is_read_as_it_is() {
        let pdf = signed();
        let (_, gt) = signature_value(&pdf).unwrap();
        // An update appended after the signed file: another table.
        let mut updated = pdf.clone();
        updated.extend_from_slice(b"xref\n0 1\n0000000000 65535 f \ntrailer\n<</Size 10/Prev 7540>>\nstartxref\n9000\n%%EOF\n");
        assert_eq!(signature_value(&updated), None);
        // A trailer naming its keys with escapes.
        let mut escaped = pdf.clone();
        let root = gt + memchr::memmem::find(&pdf[gt..], b"/Root").unwrap();
        escaped[root + 1..root + 5].copy_from_slice(b"R#6f");
        assert_eq!(signature_value(&escaped), None);
        // Upper and lower case digits are both hex digits; a short value is not worth it.
        let mut short = pdf.clone();
        let lt = memchr::memmem::rfind(&pdf, b"/Contents<").unwrap() + 9;
        short[lt + 100] = b'>';
        assert_eq!(signature_value(&short), None);
    }

    #[test]
    fn a_stream_holding_the_value_is_read_as_it_is() {
        // A content stream whose data is a run of hex digits: blanked,
        // it would say something else.
        let digits = "0a".repeat(400);
        let body = format!("<{digits}> Tj");
        let mut pdf = b"%PDF-1.7\n".to_vec();
        let o1 = pdf.len();
        pdf.extend_from_slice(format!("1 0 obj\n<</Length {}>>\nstream\n{body}\nendstream\nendobj\n", body.len()).as_bytes());
        let doc = Document::load_mem(&{
            let x = pdf.len();
            let mut p = pdf.clone();
            p.extend_from_slice(format!("xref\n0 2\n0000000000 65535 f \n{o1:010} 00000 n \ntrailer\n<</Size 2>>\nstartxref\n{x}\n%%EOF\n").as_bytes());
            p
        })
        .unwrap();
        assert!(!no_stream_holds(&doc, format!("<{digits}>").as_bytes()));
        assert!(no_stream_holds(&doc, format!("<{}>", " ".repeat(digits.len())).as_bytes()));
    }
}
