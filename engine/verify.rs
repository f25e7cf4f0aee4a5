//! The auditor's side: is this document genuine?
//!
//! A target is a DK1 text, a PDF made by `issue`, or a run directory. The
//! QR text is decoded ([`crate::dk1`]), its kid looked up in the trust list,
//! and the key's issuer, signing window and status checked against the
//! claims before the signature. Retired keys keep verifying — civil records
//! are permanent — but a revoked key fails for documents issued from the
//! time it was revoked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lopdf::{Dictionary, Document, Object};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dk1::{self, Claims, Dk1Error, Kind};
use crate::keys::{rfc3339, KeyStatus, TrustList};
use crate::qr::{self, Matrix};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "lowercase")]
pub enum Verdict {
    Genuine,
    /// Malformed, tampered, or not verifiable at all.
    Invalid(String),
    /// Well-formed but signed by a key the trust list does not vouch for.
    Untrusted(String),
    /// The document (or its key) was revoked.
    Revoked(String),
    /// The document was replaced by a newer one.
    Superseded(String),
}

impl Verdict {
    pub fn is_genuine(&self) -> bool {
        matches!(self, Verdict::Genuine)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub kid: Option<String>,
    pub issuer: Option<String>,
    pub key_status: Option<KeyStatus>,
    /// Signed fields as (label, value), for a person to compare with paper.
    pub fields: Vec<(String, String)>,
    pub qr: Option<String>,
}

impl Report {
    fn invalid(reason: impl Into<String>) -> Report {
        Report { verdict: Verdict::Invalid(reason.into()), kid: None, issuer: None, key_status: None, fields: vec![], qr: None }
    }
}

/// Signed fields with human labels, in record order.
pub fn fields(c: &Claims) -> Vec<(String, String)> {
    let r = &c.record;
    let kind = Kind::from_code(r.kind).map(|k| k.name().to_string()).unwrap_or_else(|| format!("unknown ({})", r.kind));
    let mut f = vec![
        ("issuer".to_string(), c.issuer.clone()),
        ("issued at".to_string(), rfc3339(c.issued_at)),
        ("kind".to_string(), kind),
        ("document number".to_string(), r.number.clone()),
        ("NIK".to_string(), r.nik.clone()),
        ("name".to_string(), r.name.clone()),
    ];
    if let Some(d) = &r.birth_date {
        f.push(("birth date".into(), d.clone()));
    }
    if let Some(p) = &r.birth_place {
        f.push(("birth place".into(), p.clone()));
    }
    f.push(("issue date".into(), r.issue_date.clone()));
    if let Some(e) = c.expiry {
        f.push(("expires".into(), rfc3339(e)));
    }
    if !r.related.is_empty() {
        f.push(("related IDs".into(), r.related.join(", ")));
    }
    if let Some(n) = r.member_count {
        f.push(("members".into(), n.to_string()));
    }
    if let Some(d) = &r.member_digest {
        // SHA-256 of the member NIKs in table order, joined by newlines: an
        // auditor recomputes it from the printed table.
        f.push(("member digest".into(), hex::encode(d)));
    }
    for (k, v) in &r.extra {
        // Labels of the embedded templates' record keys (DESIGN §5: 11 and up are per kind).
        let label = match (r.kind, k) {
            (1 | 6, 11) => "sex".to_string(),
            (1, 12) => "mother".to_string(),
            (1, 13) => "father".to_string(),
            (1, 14) => "birth order".to_string(),
            (2, 11) => "date of death".to_string(),
            (2, 12) => "place of death".to_string(),
            (3, 11) => "address".to_string(),
            (6, 12) => "village".to_string(),
            (4 | 5, 11) => "origin village".to_string(),
            (4 | 5, 12) => "destination village".to_string(),
            (4, 13) => "reason".to_string(),
            _ => format!("field {k}"),
        };
        f.push((label, v.to_string()));
    }
    f
}

/// Verify a DK1 text against a trust list.
pub fn verify_text(text: &str, trust: &TrustList) -> Report {
    let sealed = match dk1::decode(text) {
        Ok(s) => s,
        Err(e) => return Report::invalid(e.to_string()),
    };
    let mut report = Report {
        verdict: Verdict::Genuine,
        kid: Some(hex::encode(sealed.kid)),
        issuer: Some(sealed.claims.issuer.clone()),
        key_status: None,
        fields: fields(&sealed.claims),
        qr: Some(text.trim_end().to_string()),
    };
    let Some(key) = trust.find(&sealed.kid) else {
        report.verdict = Verdict::Untrusted(format!("kid {} is not in the trust list", hex::encode(sealed.kid)));
        return report;
    };
    report.key_status = Some(key.status);
    // The signature first: claims of a forged document say nothing.
    if let Err(e) = sealed.check_signature(&key.key) {
        report.verdict = Verdict::Invalid(match e {
            Dk1Error::Signature => "signature does not verify: the text was altered or signed by another key".into(),
            other => other.to_string(),
        });
        return report;
    }
    let at = sealed.claims.issued_at;
    report.verdict = if key.issuer != sealed.claims.issuer {
        Verdict::Untrusted(format!("key {} belongs to issuer {}, but the document claims issuer {}", hex::encode(key.kid), key.issuer, sealed.claims.issuer))
    } else if at < key.not_before || key.not_after.is_some_and(|na| at >= na) {
        Verdict::Untrusted(format!(
            "issued at {} outside the key's signing window ({} to {})",
            rfc3339(at),
            rfc3339(key.not_before),
            key.not_after.map(rfc3339).unwrap_or_else(|| "open".into())
        ))
    } else if key.status == KeyStatus::Revoked && key.revoked_from.is_some_and(|r| at >= r) {
        Verdict::Revoked(format!("key {} is revoked from {}", hex::encode(key.kid), key.revoked_from.map(rfc3339).unwrap_or_default()))
    } else if let Some(e) = trust.revocations.get(&(sealed.claims.issuer.clone(), sealed.claims.record.number.clone())) {
        match &e.superseded_by {
            Some(by) if e.status == "superseded" => {
                Verdict::Superseded(format!("superseded by {by} since {}: {}", e.since, e.reason))
            }
            _ => Verdict::Revoked(format!("document revoked since {}: {}", e.since, e.reason)),
        }
    } else {
        Verdict::Genuine
    };
    report
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Object> {
    match o {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

fn dict<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a Dictionary> {
    deref(doc, o)?.as_dict().ok()
}

/// What a page of a PDF shows: the QR codes its drawing uses and its text.
#[derive(Debug, Default)]
pub struct Page {
    pub qr: Vec<String>,
    pub text: String,
}

const MAX_STREAM: usize = 4 << 20;

/// The page's content streams, decompressed (size-limited).
fn page_content(doc: &Document, page: &Dictionary) -> Vec<u8> {
    let mut out = Vec::new();
    let refs: Vec<&Object> = match page.get(b"Contents").ok().and_then(|c| deref(doc, c)) {
        Some(Object::Array(a)) => a.iter().collect(),
        Some(o) => vec![o],
        None => vec![],
    };
    for r in refs {
        // Unfiltered streams come back as they are; a stream that does not
        // decode within the limit contributes nothing (never its raw bytes).
        if let Some(Ok(c)) = deref(doc, r).and_then(|o| o.as_stream().ok()).map(|s| s.decompressed_content_with_limit(MAX_STREAM)) {
            out.extend_from_slice(&c);
            out.push(b'\n');
        }
    }
    out
}

/// Names of the XObjects a content stream draws (`/Name Do`), and its text
/// (the operands of `Tj`/`TJ`, as bytes: terbit's fonts are WinAnsi).
fn drawn_and_text(content: &[u8]) -> (Vec<Vec<u8>>, String) {
    let Ok(ops) = lopdf::content::Content::decode(content) else { return (vec![], String::new()) };
    let mut drawn = Vec::new();
    let mut text = Vec::new();
    for op in ops.operations {
        match op.operator.as_str() {
            "Do" => drawn.extend(op.operands.first().and_then(|o| o.as_name().ok()).map(|n| n.to_vec())),
            "Tj" | "'" | "\"" | "TJ" => {
                for o in &op.operands {
                    match o {
                        Object::String(b, _) => text.extend_from_slice(b),
                        Object::Array(items) => items.iter().for_each(|i| {
                            if let Object::String(b, _) = i {
                                text.extend_from_slice(b)
                            }
                        }),
                        _ => {}
                    }
                }
                text.push(b'\n');
            }
            _ => {}
        }
    }
    (drawn, text.iter().map(|b| *b as char).collect())
}

/// Each page's text and the QR codes decoded from the 1-bit images the
/// page actually draws (an image merely stored in the file does not count).
pub fn pdf_pages(bytes: &[u8]) -> Result<Vec<Page>, String> {
    let doc = Document::load_mem(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    let mut pages = Vec::new();
    for (_, page_id) in doc.get_pages() {
        let Ok(page) = doc.get_dictionary(page_id) else { continue };
        let (drawn, text) = drawn_and_text(&page_content(&doc, page));
        let mut out = Page { qr: vec![], text };
        let res = page.get(b"Resources").ok().and_then(|r| dict(&doc, r));
        let xobjects = res.and_then(|r| r.get(b"XObject").ok()).and_then(|x| dict(&doc, x));
        for (name, obj) in xobjects.into_iter().flat_map(|x| x.iter()) {
            if !drawn.iter().any(|d| d == name) {
                continue;
            }
            let Some(Object::Stream(s)) = deref(&doc, obj) else { continue };
            let int = |k: &[u8]| s.dict.get(k).ok().and_then(|v| v.as_i64().ok());
            let is_qr = s.dict.get(b"Subtype").ok().and_then(|v| v.as_name().ok()) == Some(b"Image".as_slice())
                && int(b"BitsPerComponent") == Some(1);
            let (Some(w), Some(h)) = (int(b"Width"), int(b"Height")) else { continue };
            if !is_qr || w != h || !(21..=200).contains(&w) {
                continue;
            }
            let Ok(data) = s.decompressed_content_with_limit(1 << 20) else { continue };
            let Some(dark) = Matrix::unpack_1bit(w as usize, h as usize, &data) else { continue };
            if let Some(t) = qr::decode_modules(w as usize, &dark) {
                out.qr.push(t);
            }
        }
        pages.push(out);
    }
    Ok(pages)
}

/// Verify a PDF: decode the QR drawn on its first page that has one, and
/// check that the page shows the document number the QR signs — a genuine
/// QR pasted onto another document's page is caught here.
pub fn verify_pdf(bytes: &[u8], trust: &TrustList) -> Report {
    let pages = match pdf_pages(bytes) {
        Ok(p) => p,
        Err(e) => return Report::invalid(e),
    };
    let Some(page) = pages.iter().find(|p| !p.qr.is_empty()) else {
        return Report::invalid("no QR code drawn on any page of the PDF");
    };
    let mut report = verify_text(&page.qr[0], trust);
    if report.verdict.is_genuine() {
        let number = report.fields.iter().find(|(k, _)| k == "document number").map(|(_, v)| v.clone()).unwrap_or_default();
        if !page.text.contains(&number) {
            report.verdict = Verdict::Invalid(format!(
                "the QR is genuine but signs document {number}, which this page does not show: the QR was copied from another document"
            ));
        }
    }
    report
}

/// Verify a scan or photo (PNG or JPEG): locate and decode the QR code,
/// trying smaller scales for large photos. The page itself cannot be read
/// back, so the signed fields are shown for comparison with the paper.
pub fn verify_image(bytes: &[u8], trust: &TrustList) -> Report {
    let img = match image::load_from_memory(bytes) {
        Ok(i) => i.to_luma8(),
        Err(e) => return Report::invalid(format!("not a readable PNG or JPEG image: {e}")),
    };
    let mut current = img;
    for _ in 0..4 {
        let (w, h) = (current.width() as usize, current.height() as usize);
        let found = qr::decode_all_grey(w, h, |x, y| current.get_pixel(x as u32, y as u32).0[0]);
        if let Some(text) = found.into_iter().find(|t| t.starts_with(dk1::PREFIX)) {
            return verify_text(&text, trust);
        }
        if w < 400 || h < 400 {
            break;
        }
        current = image::imageops::resize(&current, (w / 2) as u32, (h / 2) as u32, image::imageops::FilterType::Triangle);
    }
    Report::invalid("no DK1 QR code found in the image")
}

/// One problem found in a run directory (one line per file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunProblem {
    pub file: String,
    pub problem: String,
}

#[derive(Debug, Default, Serialize)]
pub struct RunReport {
    pub documents: usize,
    pub genuine: usize,
    pub problems: Vec<RunProblem>,
    /// Whether the batch seal holds for the files as they are now.
    pub seal_ok: bool,
    /// Why the seal check failed (empty when it holds).
    pub seal_problem: String,
}

impl RunReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.seal_ok
    }
}

/// Check a run directory: every manifest row's file exists with its
/// SHA-256, its drawn QR is the manifest's and verifies for that number,
/// numbers are unique, no PDF is present that the manifest does not list;
/// and the batch seal's signed Merkle root matches the files as they are.
/// One manifest row, as far as verification needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRow {
    pub number: String,
    pub file: String,
    pub sha256: String,
    pub qr: String,
}

/// A run's `manifest.csv` (its text and rows, columns found by header name;
/// `None` for a row that lacks a column).
pub fn read_manifest(dir: &Path) -> Result<(String, Vec<Option<ManifestRow>>), String> {
    let manifest = dir.join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut lines = text.lines();
    let header = lines.next().map(crate::refdata::split_csv_line).unwrap_or_default();
    let idx = |name: &str| header.iter().position(|h| h == name);
    let (Some(i_num), Some(i_file), Some(i_sha), Some(i_qr)) = (idx("document_number"), idx("file"), idx("sha256"), idx("qr")) else {
        return Err(format!("{}: not a terbit manifest (header {:?})", manifest.display(), header));
    };
    let rows = lines
        .map(|line| {
            let row = crate::refdata::split_csv_line(line);
            let col = |i: usize| row.get(i).cloned();
            Some(ManifestRow { number: col(i_num)?, file: col(i_file)?, sha256: col(i_sha)?, qr: col(i_qr)? })
        })
        .collect();
    Ok((text, rows))
}

pub fn verify_run(dir: &Path, trust: &TrustList) -> Result<RunReport, String> {
    let (text, rows) = read_manifest(dir)?;
    let mut report = RunReport::default();
    let mut listed = BTreeMap::new();
    let mut numbers = std::collections::BTreeSet::new();
    // Leaves from the files as found: any altered or missing file breaks the root.
    let mut leaves = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let Some(ManifestRow { number, file, sha256: sha, qr }) = row else {
            report.problems.push(RunProblem { file: format!("manifest.csv:{}", n + 2), problem: "malformed row".into() });
            continue;
        };
        report.documents += 1;
        let mut issues: Vec<String> = Vec::new();
        if !numbers.insert(number.clone()) {
            issues.push(format!("document number {number} appears twice in the manifest"));
        }
        // The manifest is untrusted too: never follow it outside the run.
        let rel = Path::new(file.as_str());
        let safe = !file.is_empty() && !rel.is_absolute() && rel.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        let bytes = if !safe {
            issues.push("unsafe path in the manifest".into());
            None
        } else {
            if listed.insert(file.clone(), number.clone()).is_some() {
                issues.push("listed twice in the manifest".into());
            }
            std::fs::read(dir.join(file)).ok()
        };
        match &bytes {
            None if safe => {
                issues.push("missing".into());
                leaves.push(crate::seal::leaf(number, "missing"));
            }
            None => leaves.push(crate::seal::leaf(number, "missing")),
            Some(bytes) => {
                let actual = hex::encode(Sha256::digest(bytes));
                leaves.push(crate::seal::leaf(number, &actual));
                if actual != *sha {
                    issues.push("altered (SHA-256 differs from the manifest)".into());
                }
                let r = verify_pdf(bytes, trust);
                match &r.verdict {
                    Verdict::Genuine if r.qr.as_deref() != Some(qr.as_str()) => issues.push("the QR drawn differs from the manifest's".into()),
                    Verdict::Genuine if !r.fields.iter().any(|(k, v)| k == "document number" && v == number) => {
                        issues.push("the QR is for another document number".into())
                    }
                    Verdict::Genuine => {}
                    Verdict::Invalid(why) => issues.push(format!("invalid: {why}")),
                    Verdict::Untrusted(why) => issues.push(format!("untrusted: {why}")),
                    Verdict::Revoked(why) => issues.push(format!("revoked: {why}")),
                    Verdict::Superseded(why) => issues.push(format!("superseded: {why}")),
                }
            }
        }
        if issues.is_empty() {
            report.genuine += 1;
        } else {
            report.problems.push(RunProblem { file: file.clone(), problem: issues.join("; ") });
        }
    }
    let mut extra = 0;
    for path in pdfs_under(dir) {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if !listed.contains_key(&rel) {
            extra += 1;
            report.problems.push(RunProblem { file: rel, problem: "not listed in the manifest".into() });
        }
    }
    let manifest_sha: crate::seal::Hash = Sha256::digest(text.as_bytes()).into();
    let seal = std::fs::read(dir.join("seal.json"))
        .map_err(|_| "seal.json is missing".to_string())
        .and_then(|b| serde_json::from_slice::<crate::seal::BatchSeal>(&b).map_err(|e| format!("seal.json is not a batch seal: {e}")))
        .and_then(|s| s.check(trust, &leaves, &manifest_sha))
        .and_then(|_| match extra {
            0 => Ok(()),
            n => Err(format!("{n} PDF(s) present that the sealed run does not contain")),
        });
    match seal {
        Ok(()) => report.seal_ok = true,
        Err(e) => report.seal_problem = e,
    }
    Ok(report)
}

/// The run's document PDFs: every PDF below the run directory except the
/// merged print files in `print/`, which bind copies of listed documents
/// (verify them as PDFs: every page carries its document's QR).
fn pdfs_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let print = dir.join("print");
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if p != print {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "pdf") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{kid_of, Signer};
    use crate::render::{Document as Doc, Renderer};
    use crate::template::Template;
    use chrono::NaiveDate;

    fn signed_pdf() -> (Vec<u8>, TrustList, String) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let kid = kid_of(&key.verifying_key().to_bytes());
        let trust = super::tests_support::trust_for(&key);
        let signer = Signer { key, kid, issuer: "3506".into() };
        let t = Template::birth_default();
        let doc = crate::issue::placeholder_document(&t, "3506-LU-23112026-0001", &[]);
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let claims = crate::issue::claims_for(&t, &doc, "3506", 1_795_392_000, date);
        let text = dk1::seal(&claims, &signer);
        let m = qr::encode(&text).unwrap();
        let pdf = Renderer::new(t, &crate::region::Region::kediri())
            .unwrap()
            .render(&Doc { values: &doc.values, members: &[], number: "3506-LU-23112026-0001", qr: &m, issue_date: date })
            .unwrap();
        (pdf, trust, text)
    }

    #[test]
    fn pdf_verifies_and_reports_fields() {
        let (pdf, trust, text) = signed_pdf();
        let r = verify_pdf(&pdf, &trust);
        assert_eq!(r.verdict, Verdict::Genuine);
        assert_eq!(r.qr.as_deref(), Some(text.as_str()));
        assert!(r.fields.iter().any(|(k, v)| k == "sex" && v == "sex"), "{:?}", r.fields);
        // Not yet valid: a window that opens after the issue time.
        let mut late = trust.clone();
        late.keys[0].not_before = "2027-01-01T00:00:00Z".into();
        assert!(matches!(verify_text(&text, &late).verdict, Verdict::Untrusted(_)));
        let mut other_issuer = trust.clone();
        other_issuer.keys[0].issuer = "3527".into();
        assert!(matches!(verify_text(&text, &other_issuer).verdict, Verdict::Untrusted(_)));
        let mut revoked = trust.clone();
        revoked.keys[0].status = KeyStatus::Revoked;
        revoked.keys[0].revoked_from = Some("2026-01-01T00:00:00Z".into());
        assert!(matches!(verify_text(&text, &revoked).verdict, Verdict::Revoked(_)));
        let mut retired = trust;
        retired.keys[0].status = KeyStatus::Retired;
        assert_eq!(verify_text(&text, &retired).verdict, Verdict::Genuine, "retired keys keep verifying");
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
        assert_eq!(verify_text(&text, &rotated).verdict, Verdict::Genuine);
        // A window that closed before the issue time.
        let mut closed = trust;
        closed.keys[0].not_after = Some("2026-06-01T00:00:00Z".into());
        assert!(matches!(verify_text(&text, &closed).verdict, Verdict::Untrusted(ref w) if w.contains("window")));
    }

    #[test]
    fn truncated_and_damaged_pdfs_are_errors_not_panics() {
        let (pdf, trust, _) = signed_pdf();
        for n in (0..pdf.len()).step_by(97) {
            assert!(!verify_pdf(&pdf[..n], &trust).verdict.is_genuine() || n > pdf.len() / 2);
        }
        for i in (0..pdf.len()).step_by(13) {
            let mut bad = pdf.clone();
            bad[i] ^= 0x55;
            let _ = verify_pdf(&bad, &trust);
        }
        assert!(!verify_pdf(b"%PDF-1.3 garbage", &trust).verdict.is_genuine());
    }
}

#[cfg(test)]
mod pasted {
    use super::tests_support::*;
    use super::*;

    #[test]
    fn a_qr_copied_onto_another_documents_page_is_caught() {
        let (pdf_a, trust) = pdf_for("3506-LU-23112026-0001", "CHILD ONE");
        let (pdf_b, _) = pdf_for("3506-LU-23112026-0002", "CHILD TWO");
        assert!(verify_pdf(&pdf_a, &trust).verdict.is_genuine());
        // Page of A, QR image of B.
        let mut a = Document::load_mem(&pdf_a).unwrap();
        let b = Document::load_mem(&pdf_b).unwrap();
        let qr_of = |d: &Document| {
            d.objects.iter().find_map(|(id, o)| match o {
                Object::Stream(s) if s.dict.get(b"Subtype").ok().and_then(|v| v.as_name().ok()) == Some(b"Image".as_slice()) => Some((*id, s.clone())),
                _ => None,
            })
        };
        let (id_a, _) = qr_of(&a).unwrap();
        let (_, stream_b) = qr_of(&b).unwrap();
        a.objects.insert(id_a, Object::Stream(stream_b));
        let mut pasted = Vec::new();
        a.save_to(&mut pasted).unwrap();
        let r = verify_pdf(&pasted, &trust);
        match &r.verdict {
            Verdict::Invalid(why) => assert!(why.contains("3506-LU-23112026-0002") && why.contains("copied"), "{why}"),
            other => panic!("{other:?}"),
        }
        // The signed fields are still shown, for comparison with the page.
        assert!(r.fields.iter().any(|(k, v)| k == "name" && v == "CHILD TWO"));
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;
    use crate::keys::{kid_of, Signer};
    use crate::render::{Document as Doc, Renderer};
    use crate::template::Template;
    use chrono::NaiveDate;

    pub fn trust_for(key: &ed25519_dalek::SigningKey) -> TrustList {
        TrustList {
            keys: vec![crate::keys::TrustEntry {
                kid: hex::encode(kid_of(&key.verifying_key().to_bytes())),
                issuer: "3506".into(),
                alg: "EdDSA".into(),
                public_key: hex::encode(key.verifying_key().to_bytes()),
                not_before: "2020-01-01T00:00:00Z".into(),
                not_after: None,
                status: KeyStatus::Active,
                revoked_from: None,
            }],
            ..Default::default()
        }
    }

    /// A rendered, signed birth certificate and the trust list for its key.
    pub fn pdf_for(number: &str, name: &str) -> (Vec<u8>, TrustList) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let trust = trust_for(&key);
        let signer = Signer { kid: kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() };
        let t = Template::birth_default();
        let doc = crate::issue::placeholder_document(&t, number, &[("child_name", name)]);
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let claims = crate::issue::claims_for(&t, &doc, "3506", 1_795_392_000, date);
        let m = qr::encode(&dk1::seal(&claims, &signer)).unwrap();
        let pdf = Renderer::new(t, &crate::region::Region::kediri())
            .unwrap()
            .render(&Doc { values: &doc.values, members: &[], number, qr: &m, issue_date: date })
            .unwrap();
        (pdf, trust)
    }
}
