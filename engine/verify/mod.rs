//! The auditor's side: is this document genuine?
//!
//! A target is a DK1 text, a PDF made by `issue` (a document file or a
//! merged print file), a scan or photo, or a run directory. The QR text is
//! decoded ([`crate::dk1`]), its kid looked up in the trust list, and the
//! key's issuer, signing window and status checked against the claims
//! before the signature. Retired keys keep verifying — civil records are
//! permanent — but a revoked key fails for documents issued from the time
//! it was revoked.
//!
//! A PDF is read page by page ([`page`]): each page must carry its
//! document's QR and show, where the template prints them, exactly the
//! values that QR signs ([`page::layout`]). A photo is only its QR: the signed
//! fields are shown for the person holding the paper to compare. Whatever
//! came from the document is shown through [`crate::util::show::shown`].

// A file's verdict is its error: a Report (a few hundred bytes), returned
// once per file, never in a loop that would feel its size.
#![allow(clippy::result_large_err)]

// By job: the verdict and its words; reading a PDF's pages back
// (loading, content streams, fonts, what is drawn, the layout check); the
// file's own signature; auditing a run directory (and proving a document
// in it); photos and scans.
pub mod page;
pub mod photo;
pub mod run;
pub mod signature;
pub mod verdict;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dk1::seal::Hash;
use crate::dk1::{self, Claims, Kind};
use crate::kind::template::{Template, Templates};
use crate::trust::store::Trust;

pub use run::{read_manifest, verify_run, ManifestRow, RunError, RunProblem, RunReport};

pub use verdict::{fields, verify_text, Report, Verdict};

/// The page layouts a verifier knows, by issuer: the embedded templates,
/// each embedded region's own, and any region file given to `verify`.
#[derive(Debug, Clone)]
pub struct Layouts {
    default: Templates,
    by_issuer: BTreeMap<String, Templates>,
}

const SAMPANG_KTP: &str = include_str!("../../templates/regions/3527-sampang/ktp.toml");

impl Layouts {
    /// The embedded templates and regions.
    pub fn standard() -> Layouts {
        let default = Templates::embedded();
        let mut sampang = default.clone();
        // Tested below: a failure is a packaging defect.
        if let Ok(t) = Template::parse(SAMPANG_KTP, std::path::Path::new("<embedded 3527-sampang/ktp.toml>"), "ktp") {
            sampang.0.insert("ktp".into(), t);
        }
        Layouts { default, by_issuer: BTreeMap::from([("3527".to_string(), sampang)]) }
    }

    /// Documents of `region`'s issuer are laid out by its templates.
    pub fn add_region(&mut self, region: &crate::kind::region::Region) -> crate::Result<()> {
        self.by_issuer.insert(region.code.clone(), region.templates()?);
        Ok(())
    }

    /// The template issuer `issuer` prints kind `kind` with.
    pub fn template(&self, issuer: &str, kind: &str) -> Option<&Template> {
        self.by_issuer.get(issuer).unwrap_or(&self.default).get(kind)
    }
}

/// The embedded layouts, made once.
pub fn standard_layouts() -> &'static Layouts {
    static L: std::sync::OnceLock<Layouts> = std::sync::OnceLock::new();
    L.get_or_init(Layouts::standard)
}

/// The largest PDF `verify` parses.
pub const MAX_PDF: u64 = 256 << 20;

/// One document found in a PDF: its pages (1-based, inclusive) and verdict.
#[derive(Debug, Clone, Serialize)]
pub struct PdfDocument {
    /// First page (1-based) of the document in the file.
    pub first_page: usize,
    /// Last page.
    pub last_page: usize,
    /// Its verdict.
    pub report: Report,
}

/// Verify every page of a PDF: consecutive pages carrying the same QR are
/// one document (a family card's pages), each page checked against what
/// that QR signs. A document file holds one document; a print file many.
/// `Err` when the file as a whole cannot be read.
/// `expected_qr`: the QR text the file should carry, if known (a run's
/// manifest says it; see [`page::scan_page`]).
pub fn verify_pdf_documents(bytes: &[u8], trust: &Trust, layouts: &Layouts, expected_qr: Option<&str>) -> Result<Vec<PdfDocument>, Report> {
    // A defect in the PDF parser must cost this file its verdict, not the
    // audit of a whole run its process.
    verify_pdf_hashing(bytes, trust, layouts, expected_qr).0
}

/// Where the last `%%EOF` followed by a line break (LF, CR LF or CR) ends.
fn eof_end(bytes: &[u8]) -> Option<usize> {
    let mut ends = memchr::memmem::rfind_iter(bytes, b"%%EOF").map(|at| at + b"%%EOF".len());
    ends.find_map(|at| match bytes.get(at..at + 2) {
        Some(b"\r\n") => Some(at + 2),
        _ if matches!(bytes.get(at), Some(b'\n' | b'\r')) => Some(at + 1),
        _ => None,
    })
}

/// [`verify_pdf_documents`], and the file's SHA-256, hashed with the
/// signature's byte range (a run audit reads and hashes each file once).
pub(crate) fn verify_pdf_hashing(bytes: &[u8], trust: &Trust, layouts: &Layouts, expected_qr: Option<&str>) -> (Result<Vec<PdfDocument>, Report>, Hash) {
    let mut whole = None;
    let said = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pdf_documents(bytes, trust, layouts, expected_qr, &mut whole)))
        .unwrap_or_else(|_| Err(Report::invalid("the PDF could not be read (its structure made the reader fail): not a document terbit made")));
    (said, whole.unwrap_or_else(|| <sha2::Sha256 as sha2::Digest>::digest(bytes).into()))
}

fn pdf_documents(bytes: &[u8], trust: &Trust, layouts: &Layouts, expected_qr: Option<&str>, whole: &mut Option<Hash>) -> Result<Vec<PdfDocument>, Report> {
    // Every PDF terbit writes ends with `%%EOF` and a line break; a reader
    // would rebuild a file cut anywhere else, and show what is left of it.
    // Bytes after the last such end were added to the file.
    match eof_end(bytes) {
        Some(end) if end == bytes.len() => {}
        Some(end) => return Err(Report::invalid(format!("{} byte(s) were added after the file's end (%%EOF): terbit writes nothing after it", bytes.len() - end))),
        None => return Err(Report::invalid("the file is cut short: it does not end with %%EOF and a line break, as every PDF terbit writes does")),
    }
    // A renewed file (PAdES B-LTA) is its sealed part, which is judged as
    // any file, and archive time-stamps after it, each judged below. A file
    // whose appended part is no renewal is judged whole: its signature says
    // bytes were added, and its page what they changed.
    let archive = crate::pdf::archive::read(bytes).unwrap_or(crate::pdf::archive::Archive { sealed_len: bytes.len(), renewals: Vec::new() });
    let bytes = &bytes[..archive.sealed_len];
    let doc = page::load::load(bytes).map_err(|e| Report::invalid(format!("not a readable PDF: {}", crate::util::show::clip_shown(&e.to_string(), 120))))?;
    let pages: Vec<lopdf_read::ObjectId> = doc.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err(Report::invalid("the PDF has no pages"));
    }
    let scans: Vec<page::scan::Scan> = pages.iter().map(|id| page::scan_page(&doc, *id, expected_qr)).collect();
    // The file's own signature (PAdES), judged per document below.
    let ambiguous = page::load::ambiguity(bytes);
    let (file_signature, digest) = signature::pades::check_and_hash(bytes);
    *whole = Some(digest);
    let mut out = Vec::new();
    let mut i = 0;
    while i < scans.len() {
        let qrs: Vec<&page::scan::DrawnQr> = scans[i].qrs.iter().filter(|q| q.text.starts_with(dk1::PREFIX)).collect();
        let Some(qr) = qrs.first().map(|q| q.text.clone()) else {
            let why = if scans[i].qrs.is_empty() { "no QR code is drawn on this page" } else { "the QR code drawn on this page is not a DK1 document" };
            // What else the page check found there is said too: it may be
            // what hides the QR (an unknown image kind, a clip, a Type3 font).
            let why = match scans[i].problems.as_slice() {
                [] => why.to_string(),
                more => format!("{why}; and the page holds what terbit never writes: {}", more.join("; ")),
            };
            out.push(PdfDocument { first_page: i + 1, last_page: i + 1, report: Report::invalid(why) });
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < scans.len() && scans[j].qrs.iter().any(|q| q.text == qr) {
            j += 1;
        }
        let mut report = verify_text(&qr, trust);
        let mut problems: Vec<String> = Vec::new();
        for (k, s) in scans[i..j].iter().enumerate() {
            let on = |p: &String| if scans.len() > 1 { format!("page {}: {p}", i + k + 1) } else { p.clone() };
            problems.extend(s.problems.iter().map(on));
            if s.qrs.len() > 1 {
                problems.push(on(&format!("{} QR codes are drawn on the page", s.qrs.len())));
            }
        }
        let mut signature_problem = None;
        if let Some(claims) = report.claims.clone() {
            let times = signature::pades::Times { tsa: trust.tsa_certificates(), revoked_from: revoked_from(trust, report.kid.as_deref()) };
            signature_problem = signature::pades::judge(&file_signature, trust.pdf_certificates(), times, &claims.issuer, claims.issued_at);
            let mut archive_words = String::new();
            if let (None, signature::pades::FileSignature::Holds { stamp, .. }) = (&signature_problem, &file_signature) {
                match signature::archive::judge(&archive, trust.tsa_certificates(), &claims.issuer, stamp.as_ref()) {
                    Ok(r) => {
                        archive_words = archived(&r);
                        report.renewals = r.iter().map(|x| verdict::TimeStamp::of(&x.stamp, x.authority)).collect();
                    }
                    Err(why) => signature_problem = Some(why),
                }
            }
            report.file_signature = Some(match (&signature_problem, &file_signature) {
                (Some(p), _) => p.clone(),
                (None, signature::pades::FileSignature::Holds { m, stamp, .. }) => {
                    // `/M` as a date a person reads (D:YYYYMMDD…).
                    let d = m.strip_prefix("D:").filter(|d| d.len() >= 8 && d[..8].bytes().all(|b| b.is_ascii_digit()));
                    let when = d.map(|d| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8])).unwrap_or_else(|| crate::util::show::clip_shown(m, 40));
                    let stamped = match stamp.as_ref().and_then(|s| crate::trust::tsa::authority_of(trust.tsa_certificates(), &s.spki, &claims.issuer, s.at).map(|t| (s, t))) {
                        Some((s, t)) => {
                            report.time_stamp = Some(verdict::TimeStamp::of(s, t));
                            format!("; time-stamped {} by {} (named in district {}'s trust list): it existed by then", crate::dk1::keys::rfc3339(s.at), t.name, t.district)
                        }
                        None => "; not time-stamped (PAdES B-B): its time is the signer's claim".to_string(),
                    };
                    let covers = if archive.renewals.is_empty() { "the whole file" } else { "the whole file as it was sealed" };
                    format!("holds: signed (claimed {when}) with a certificate district {}'s root put in the trust list; it covers {covers}{stamped}{archive_words}", claims.issuer)
                }
                (None, _) => signature::pades::NOT_SIGNED.into(),
            });
            problems.extend(check_layout(&claims, report.kid.as_deref().unwrap_or(""), &scans[i..j], layouts, (scans.len() > 1).then_some(i)));
        }
        let number = report.number().unwrap_or("?").to_string();
        let page_problem = (!problems.is_empty()).then(|| format!("the page does not show what the QR of {number} signs: {}", problems.join("; ")));
        match (signature_problem, page_problem) {
            (None, None) => {}
            (Some(s), None) => report.verdict = Verdict::Invalid(s),
            (None, Some(p)) => report.verdict = Verdict::Invalid(p),
            (Some(s), Some(p)) => report.verdict = Verdict::Invalid(format!("{s}; and {p}")),
        }
        // A file readers resolve differently is never genuine, whatever
        // lopdf made of it.
        if let Some(a) = &ambiguous {
            report.verdict = match report.verdict {
                Verdict::Genuine => Verdict::Invalid(a.clone()),
                Verdict::Invalid(why) => Verdict::Invalid(format!("{why}; and {a}")),
                other => other,
            };
        }
        out.push(PdfDocument { first_page: i + 1, last_page: j, report });
        i = j;
    }
    Ok(out)
}

/// What a file's renewals say, after its signature's words.
fn archived(renewals: &[signature::archive::Renewed<'_>]) -> String {
    let Some(last) = renewals.last() else { return String::new() };
    let late = renewals.iter().filter(|r| r.late).count();
    let gap = match late {
        0 => String::new(),
        n => format!(" ({n} of them made after the certificate of the stamp before it had ended: a validator that no longer trusts that authority finds a gap there)"),
    };
    format!(
        "; renewed (PAdES B-LTA) {} time(s), last time-stamped {} by {}{gap}",
        renewals.len(),
        crate::dk1::keys::rfc3339(last.stamp.at),
        last.authority.name
    )
}

/// The time the key `kid` (hex, as a report names it) is revoked from, if it is.
pub(crate) fn revoked_from(trust: &Trust, kid: Option<&str>) -> Option<i64> {
    let mut k: crate::dk1::keys::Kid = [0; 8];
    hex::decode_to_slice(kid?, &mut k).ok()?;
    let key = trust.find(&k)?;
    (key.status == crate::dk1::keys::KeyStatus::Revoked).then_some(key.revoked_from).flatten()
}

/// The pages of one document against its signed claims; pages are named
/// from `offset` + 1 in a file of several pages.
fn check_layout(claims: &Claims, kid: &str, scans: &[page::scan::Scan], layouts: &Layouts, offset: Option<usize>) -> Vec<String> {
    let Some(kind) = Kind::from_code(claims.record.kind) else {
        return vec![format!("the record's kind {} is not one terbit prints", claims.record.kind)];
    };
    let Some(t) = layouts.template(&claims.issuer, kind.name()) else {
        return vec![format!("no {} template is known for issuer {}", kind.name(), claims.issuer)];
    };
    let pages = t.pages_for(claims.record.member_count.unwrap_or(1) as usize);
    let mut out = Vec::new();
    if scans.len() != pages {
        out.push(format!("the document has {} page(s), its record {} page(s)", scans.len(), pages));
    }
    let mut members = Vec::new();
    for (k, s) in scans.iter().enumerate() {
        let r = page::layout::check_page(t, claims, kid, k + 1, pages, s);
        let on = |p: String| match offset {
            Some(o) => format!("page {}: {p}", o + k + 1),
            None => p,
        };
        out.extend(r.problems.into_iter().map(on));
        members.extend(r.members);
    }
    out.extend(page::layout::check_members(t, claims, &members));
    out
}

/// Verify a PDF that is one document (a document file): its pages
/// against its QR with `layouts`, its file signature against `trust`'s
/// PDF-signing certificates (a [`crate::trust::store::TrustStore`]'s [`Trust`] holds them; a
/// bare trust list does not, and then the verdict is never GENUINE).
pub fn verify_pdf(bytes: &[u8], trust: &Trust, layouts: &Layouts) -> Report {
    match verify_pdf_documents(bytes, trust, layouts, None) {
        Err(r) => r,
        Ok(mut docs) if docs.len() == 1 => docs.remove(0).report,
        Ok(docs) => {
            let mut first = docs.into_iter().next().map(|d| d.report).unwrap_or_else(|| Report::invalid("no document"));
            first.verdict = Verdict::Invalid("the file holds pages of more than one document (or a page without its QR): a document file holds one; verify print files page by page".into());
            first
        }
    }
}

/// Verify a scan or photo (PNG or JPEG): find and read the QR code
/// ([`photo`]). The page itself is not read back, so the signed fields are
/// shown for comparison with the paper; an image where no QR can be read
/// is UNREADABLE, never INVALID.
///
/// A picture that does not decode (damaged, cut short) is UNREADABLE like
/// one without a readable code. A picture of several documents is never
/// GENUINE: the worst document's answer, or UNREADABLE ("photograph one
/// document at a time"); [`photo::verify_each`] answers each of them.
pub fn verify_image(bytes: &[u8], trust: &Trust) -> Report {
    match photo::verify_each(bytes, trust) {
        Ok(docs) => photo::one_answer(docs),
        Err(report) => report,
    }
}

#[cfg(test)]
mod tests {
    use crate::dk1::keys::{KeyStatus, TrustList};
    use super::*;

    fn signed_pdf() -> (Vec<u8>, TrustList, String) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let (pdf, text) = super::tests_support::pdf_and_qr("birth", "3506-LU-23112026-0001", &[]);
        (pdf, super::tests_support::trust_for(&key), text)
    }

    #[test]
    fn a_verdict_says_its_word_once() {
        let v = Verdict::Superseded("superseded by 3506-LU-07122026-0002 since 2026-12-07: name corrected".into());
        assert_eq!(v.said(), "SUPERSEDED by 3506-LU-07122026-0002 since 2026-12-07: name corrected");
        assert_eq!(v.said_lower(), "superseded by 3506-LU-07122026-0002 since 2026-12-07: name corrected");
        assert_eq!(Verdict::Revoked("revoked since 2026-12-07: forged evidence".into()).said(), "REVOKED since 2026-12-07: forged evidence");
        assert_eq!(Verdict::Revoked("key 5a16 is revoked from 2026-11-20T00:00:00Z".into()).said(), "REVOKED: key 5a16 is revoked from 2026-11-20T00:00:00Z");
        assert_eq!(Verdict::Invalid("invalidated".into()).said(), "INVALID: invalidated");
        assert_eq!(Verdict::Genuine.said(), "GENUINE");
    }

    #[test]
    fn pdf_verifies_and_reports_fields() {
        let (pdf, trust, text) = signed_pdf();
        let r = tests_support::verify_signed(&pdf, &trust);
        assert_eq!(r.verdict, Verdict::Genuine);
        assert_eq!(r.qr.as_deref(), Some(text.as_str()));
        assert!(r.fields.iter().any(|(k, v)| k == "sex" && v == "sex"), "{:?}", r.fields);
        // Not yet valid: a window that opens after the issue time.
        let mut late = trust.clone();
        late.keys[0].not_before = "2027-01-01T00:00:00Z".into();
        assert!(matches!(verify_text(&text, &crate::trust::store::Trust::new(&late)).verdict, Verdict::Untrusted(_)));
        let mut other_issuer = trust.clone();
        other_issuer.keys[0].issuer = "3527".into();
        assert!(matches!(verify_text(&text, &crate::trust::store::Trust::new(&other_issuer)).verdict, Verdict::Untrusted(_)));
        let mut revoked = trust.clone();
        revoked.keys[0].status = KeyStatus::Revoked;
        revoked.keys[0].revoked_from = Some("2026-01-01T00:00:00Z".into());
        assert!(matches!(verify_text(&text, &crate::trust::store::Trust::new(&revoked)).verdict, Verdict::Revoked(_)));
        let mut retired = trust;
        retired.keys[0].status = KeyStatus::Retired;
        assert_eq!(verify_text(&text, &crate::trust::store::Trust::new(&retired)).verdict, Verdict::Genuine, "retired keys keep verifying");
        // Pasted with spaces and a line break around it: the same text.
        let pasted = verify_text(&format!("  {text}\n "), &crate::trust::store::Trust::new(&retired));
        assert_eq!((pasted.verdict, pasted.qr.as_deref()), (Verdict::Genuine, Some(text.trim())));
    }

    #[test]
    fn rotated_keys_and_signing_windows() {
        let (_, trust, text) = signed_pdf();
        // A newer key for the same issuer does not disturb the older one.
        let newer = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let mut rotated = trust.clone();
        let mut e = super::tests_support::trust_for(&newer).keys.remove(0);
        e.not_before = "2026-12-01T00:00:00Z".into();
        rotated.keys.push(e);
        rotated.keys[0].status = KeyStatus::Retired;
        rotated.keys[0].not_after = Some("2026-12-01T00:00:00Z".into());
        assert_eq!(verify_text(&text, &crate::trust::store::Trust::new(&rotated)).verdict, Verdict::Genuine);
        // A window that closed before the issue time.
        let mut closed = trust;
        closed.keys[0].not_after = Some("2026-06-01T00:00:00Z".into());
        assert!(matches!(verify_text(&text, &crate::trust::store::Trust::new(&closed)).verdict, Verdict::Untrusted(ref w) if w.contains("window")));
    }

    #[test]
    fn truncated_and_damaged_pdfs_are_errors_not_panics() {
        let (pdf, trust, _) = signed_pdf();
        // A file cut anywhere, past half its length and up to its last
        // byte included, is never GENUINE.
        let cuts = (0..pdf.len()).step_by(97).chain(pdf.len() / 2..pdf.len()).chain([pdf.len() - 1]);
        for n in cuts {
            let r = tests_support::verify_signed(&pdf[..n], &trust);
            assert!(!r.verdict.is_genuine(), "cut to {n} of {} bytes: {:?}", pdf.len(), r.verdict);
        }
        assert!(matches!(tests_support::verify_signed(&pdf[..pdf.len() - 1], &trust).verdict, Verdict::Invalid(ref why) if why.contains("cut short")));
        // Bytes added after it are named as added, not as a cut.
        let appended = [&pdf[..], b"% a note"].concat();
        assert!(matches!(tests_support::verify_signed(&appended, &trust).verdict, Verdict::Invalid(ref why) if why.starts_with("8 byte(s) were added after the file's end")));
        for i in (0..pdf.len()).step_by(13) {
            let mut bad = pdf.clone();
            bad[i] ^= 0x55;
            assert!(!tests_support::verify_signed(&bad, &trust).verdict.is_genuine(), "byte {i} flipped: {:?}", String::from_utf8_lossy(&pdf[i.saturating_sub(60)..(i + 20).min(pdf.len())]));
        }
        assert!(!verify_pdf(b"%PDF-1.3 garbage", &crate::trust::store::Trust::new(&trust), crate::verify::standard_layouts()).verdict.is_genuine());
    }
}

#[cfg(test)]
mod unsigned_tests {
    use super::*;

    /// The signed file with its signature taken out: the same page and QR,
    /// as an office without a PDF key once issued them.
    fn unsigned_twin() -> Vec<u8> {
        let t = Template::embedded("birth").unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let doc = crate::model::placeholder_document(&t, "3506-LU-23112026-0001", &[]);
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let claims = crate::model::claims_for(&t, &doc, "3506", 1_795_392_000, date);
        let signer = crate::dk1::keys::Signer { kid: crate::dk1::keys::kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() };
        let m = crate::dk1::qr::encode_1bit(&dk1::seal(&claims, &signer)).unwrap();
        let kid = hex::encode(signer.kid);
        let region = crate::kind::region::Region::kediri();
        let n = t.schema.names().count();
        let mut all = doc.values[..n].to_vec();
        all.extend(crate::model::derive(&t, &region, &doc.values[..n], "3506-LU-23112026-0001", date, &kid, doc.members.len()));
        crate::pdf::render::Renderer::new(t, &region)
            .unwrap()
            .render(&crate::pdf::render::Document { values: &all, members: &doc.members, number: "3506-LU-23112026-0001", qr: &m, issue_date: date })
            .unwrap()
    }

    #[test]
    fn a_qr_image_with_modules_changed_is_not_genuine_though_it_reads() {
        let list = tests_support::trust_for(&ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]));
        // Dark modules made light in the data area (rows of the symbol's
        // middle), few enough that error correction still reads the text.
        for flips in [1usize, 8, 40] {
            let (pdf, text) = tests_support::pdf_and_qr_drawn("birth", "3506-LU-23112026-0001", &[], |p| {
                let row = p.size.div_ceil(8);
                let mut done = 0;
                for y in (p.size / 2..p.size - 12).step_by(2) {
                    for x in (12..p.size - 12).step_by(3) {
                        if done < flips {
                            p.bits[y * row + x / 8] ^= 0x80 >> (x % 8);
                            done += 1;
                        }
                    }
                }
            });
            let r = tests_support::verify_signed(&pdf, &list);
            assert!(!r.verdict.is_genuine(), "{flips} module(s) changed: {:?}", r.verdict);
            assert!(r.verdict.said().contains(page::QR_NOT_EXACT), "{flips}: {}", r.verdict.said());
            // Its text still reads: the document is named, not lost.
            let page = lopdf_read::Document::load_mem(&pdf).unwrap();
            let id = *page.get_pages().values().next().unwrap();
            assert_eq!(page::scan_page(&page, id, None).qrs.first().map(|q| q.text.as_str()), Some(text.as_str()), "{flips}");
        }
    }

    #[test]
    fn a_signature_re_encoded_is_not_the_signed_file() {
        let (signed, _) = tests_support::pdf_and_qr("birth", "3506-LU-23112026-0001", &[]);
        let list = tests_support::trust_for(&ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]));
        let at = signed.windows(10).position(|w| w == b"/Contents<").unwrap() + 10;
        let end = at + signed[at..].iter().position(|c| *c == b'>').unwrap();
        // The outer length in a longer form (30 82 LLLL -> 30 83 00 LLLL),
        // the padding one byte shorter: the same CMS, another byte string.
        assert_eq!(&signed[at..at + 4], b"3082");
        let mut longer = signed[..at].to_vec();
        longer.extend_from_slice(b"308300");
        longer.extend_from_slice(&signed[at + 4..end - 2]);
        longer.extend_from_slice(&signed[end..]);
        assert_eq!(longer.len(), signed.len());
        assert!(!tests_support::verify_signed(&longer, &list).verdict.is_genuine());
        // Upper-case hex: the same bytes, another string.
        let mut upper = signed.clone();
        upper[at..end].make_ascii_uppercase();
        assert!(!tests_support::verify_signed(&upper, &list).verdict.is_genuine());
    }

    #[test]
    fn no_byte_of_the_signature_can_change_and_still_hold() {
        let (signed, _) = tests_support::pdf_and_qr("birth", "3506-LU-23112026-0001", &[]);
        let list = tests_support::trust_for(&ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]));
        let certs = tests_support::trust_of(&list).pdf_certificates().to_vec();
        let judge = |pdf: &[u8]| signature::pades::judge(&signature::pades::check(pdf), &certs, Default::default(), "3506", 1_795_392_000);
        assert_eq!(judge(&signed), None);
        let at = signed.windows(10).position(|w| w == b"/Contents<").unwrap() + 10;
        let end = at + signed[at..].iter().position(|c| *c == b'>').unwrap();
        let cms = hex::decode(&signed[at..end]).unwrap();
        let used = cms.len() - cms.iter().rev().take_while(|b| **b == 0).count();
        // Every byte of the CMS (tags and lengths included: a tag byte was
        // once free to take any value), changed two ways.
        for i in 0..used {
            for flip in [0x01u8, 0x80] {
                let mut bad = cms.clone();
                bad[i] ^= flip;
                let mut pdf = signed[..at].to_vec();
                pdf.extend_from_slice(hex::encode(&bad).as_bytes());
                pdf.extend_from_slice(&signed[end..]);
                assert!(judge(&pdf).is_some(), "CMS byte {i} of {used} xor {flip:#04x} still holds");
            }
        }
    }

    #[test]
    fn a_pdf_without_a_file_signature_is_never_genuine() {
        let (signed, text) = tests_support::pdf_and_qr("birth", "3506-LU-23112026-0001", &[]);
        let list = tests_support::trust_for(&ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]));
        assert_eq!(tests_support::verify_signed(&signed, &list).verdict, Verdict::Genuine);
        let unsigned = unsigned_twin();
        assert!(signature::pades::check(&unsigned) == signature::pades::FileSignature::Absent);
        let r = tests_support::verify_signed(&unsigned, &list);
        // The QR's own signature holds and the page shows its values; the
        // file's verdict is still INVALID: not signed.
        assert_eq!(r.qr.as_deref(), Some(text.as_str()));
        assert!(matches!(r.verdict, Verdict::Invalid(ref why) if why.contains("not signed")), "{:?}", r.verdict);
        assert_eq!(r.file_signature.as_deref(), Some(signature::pades::NOT_SIGNED));
        assert!(!r.fields.is_empty(), "the QR's signed fields are still shown");
        // A signed file judged without the office's certificate is not
        // genuine either.
        assert!(!verify_pdf(&signed, &crate::trust::store::Trust::new(&list), crate::verify::standard_layouts()).verdict.is_genuine());
    }
}

#[cfg(test)]
mod forgery_tests;

#[cfg(test)]
mod layouts_tests {
    #[test]
    fn the_embedded_layouts_include_sampangs_own_ktp() {
        let l = super::Layouts::standard();
        assert!(l.template("3527", "ktp").unwrap().path.to_string_lossy().contains("3527-sampang"));
        assert!(!l.template("3506", "ktp").unwrap().path.to_string_lossy().contains("3527"));
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::dk1::keys::{KeyStatus, TrustList};
    use crate::dk1::qr;
    use crate::dk1::keys::{kid_of, Signer};
    use crate::pdf::render::{Document as Doc, Renderer};
    use crate::kind::template::Template;
    use chrono::NaiveDate;

    pub(crate) fn trust_for(key: &ed25519_dalek::SigningKey) -> TrustList {
        TrustList {
            keys: vec![crate::dk1::keys::TrustEntry {
                kid: hex::encode(kid_of(&key.verifying_key().to_bytes())),
                issuer: "3506".into(),
                alg: "EdDSA".into(),
                public_key: hex::encode(key.verifying_key().to_bytes()),
                not_before: "2020-01-01T00:00:00Z".into(),
                not_after: None,
                status: KeyStatus::Active,
                revoked_from: None,
            }],
        }
    }

    /// A rendered, signed birth certificate and the trust list for its key.
    pub(crate) fn pdf_for(number: &str, name: &str) -> (Vec<u8>, TrustList) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        (pdf_of("birth", number, &[("child_name", name), ("child_nik", "3506014507260001")]), trust_for(&key))
    }

    /// A death certificate signed by the same key as [`pdf_for`]'s.
    pub(crate) fn death_pdf_for(number: &str) -> Vec<u8> {
        pdf_of("death", number, &[])
    }

    fn pdf_of(kind: &str, number: &str, set: &[(&str, &str)]) -> Vec<u8> {
        pdf_and_qr(kind, number, set).0
    }

    /// The test PDF-signing certificate (key [`PDF_SEED`], certified by the
    /// test root for district 3506 over 2021–2041).
    pub(crate) fn pdf_certificates() -> &'static [crate::trust::pdfkey::PdfCert] {
        static C: std::sync::OnceLock<Vec<crate::trust::pdfkey::PdfCert>> = std::sync::OnceLock::new();
        C.get_or_init(|| {
            let der = test_signer().cert.clone();
            let root = crate::trust::list::tests::test_root().cert.der.clone();
            vec![crate::trust::pdfkey::PdfCert { root: Some(root), ..crate::trust::pdfkey::PdfCert::of("3506", &der).expect("test certificate") }]
        })
    }

    /// The PDF-signing key's secret in tests.
    pub(crate) const PDF_SEED: [u8; 32] = [0x31; 32];

    fn test_signer() -> crate::trust::pdfkey::PdfSigner {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&PDF_SEED).expect("test key");
        let cert = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 2_240_611_200).expect("test certificate");
        crate::trust::pdfkey::PdfSigner { key, cert, chain: vec![root.cert.der.clone()] }
    }

    fn test_pades() -> std::sync::Arc<crate::pdf::sign::Pades> {
        static P: std::sync::OnceLock<std::sync::Arc<crate::pdf::sign::Pades>> = std::sync::OnceLock::new();
        P.get_or_init(|| std::sync::Arc::new(crate::pdf::sign::Pades::new(&test_signer()).expect("test signer"))).clone()
    }

    /// `list`'s keys with the test PDF certificate: what judges the
    /// signed PDFs these helpers make.
    pub(crate) fn trust_of(list: &TrustList) -> Trust<'_> {
        Trust::new(list).with_pdf_certificates(pdf_certificates())
    }

    /// Verify a document file against `list` and the test certificate.
    pub(crate) fn verify_signed(bytes: &[u8], list: &TrustList) -> Report {
        verify_pdf(bytes, &trust_of(list), standard_layouts())
    }

    /// A rendered document of `kind` with its derived values filled in as a
    /// run fills them, and its QR text: the PDF signed as a run signs it.
    pub(crate) fn pdf_and_qr(kind: &str, number: &str, set: &[(&str, &str)]) -> (Vec<u8>, String) {
        pdf_and_qr_drawn(kind, number, set, |_| {})
    }

    /// [`pdf_and_qr`] with the packed QR symbol changed by `edit` before the
    /// page is drawn and signed (as a holder of the PDF key could).
    pub(crate) fn pdf_and_qr_drawn(kind: &str, number: &str, set: &[(&str, &str)], edit: impl FnOnce(&mut qr::Packed)) -> (Vec<u8>, String) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let signer = Signer { kid: kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() };
        let t = Template::embedded(kind).unwrap();
        let doc = crate::model::placeholder_document(&t, number, set);
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let claims = crate::model::claims_for(&t, &doc, "3506", 1_795_392_000, date);
        let text = dk1::seal(&claims, &signer);
        let mut m = qr::encode_1bit(&text).unwrap();
        edit(&mut m);
        let kid = hex::encode(signer.kid);
        let values = crate::model::derive(&t, &crate::kind::region::Region::kediri(), &doc.values[..t.schema.names().count()], number, date, &kid, doc.members.len());
        let mut all = doc.values[..t.schema.names().count()].to_vec();
        all.extend(values);
        let pdf = Renderer::new(t, &crate::kind::region::Region::kediri())
            .unwrap()
            .with_signature(test_pades())
            .render(&Doc { values: &all, members: &doc.members, number, qr: &m, issue_date: date })
            .unwrap();
        (pdf, text)
    }
}
