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
    Revoked(String),
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
    for (k, v) in &r.extra {
        let label = match (r.kind, k) {
            (1, 11) => "sex".to_string(),
            (1, 12) => "mother".to_string(),
            (1, 13) => "father".to_string(),
            (1, 14) => "birth order".to_string(),
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

/// The QR texts of the 1-bit images the PDF's pages use, page by page.
pub fn qr_texts_in_pdf(bytes: &[u8]) -> Result<Vec<String>, String> {
    let doc = Document::load_mem(bytes).map_err(|e| format!("not a readable PDF: {e}"))?;
    let mut texts = Vec::new();
    for (_, page_id) in doc.get_pages() {
        let Ok(page) = doc.get_dictionary(page_id) else { continue };
        let Some(res) = page.get(b"Resources").ok().and_then(|r| dict(&doc, r)) else { continue };
        let Some(xobjects) = res.get(b"XObject").ok().and_then(|x| dict(&doc, x)) else { continue };
        for (_, obj) in xobjects.iter() {
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
                texts.push(t);
            }
        }
    }
    Ok(texts)
}

/// Verify a PDF by decoding the QR image drawn on it.
pub fn verify_pdf(bytes: &[u8], trust: &TrustList) -> Report {
    match qr_texts_in_pdf(bytes) {
        Err(e) => Report::invalid(e),
        Ok(texts) if texts.is_empty() => Report::invalid("no QR code found in the PDF"),
        Ok(texts) => verify_text(&texts[0], trust),
    }
}

/// One problem found in a run directory.
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
}

/// Check a run directory: every manifest row's file exists with its
/// SHA-256, its drawn QR equals the manifest's and verifies; no PDF is
/// present that the manifest does not list.
pub fn verify_run(dir: &Path, trust: &TrustList) -> Result<RunReport, String> {
    let manifest = dir.join("manifest.csv");
    let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut lines = text.lines();
    let header = lines.next().map(crate::refdata::split_csv_line).unwrap_or_default();
    let idx = |name: &str| header.iter().position(|h| h == name);
    let (Some(i_num), Some(i_file), Some(i_sha), Some(i_qr)) = (idx("document_number"), idx("file"), idx("sha256"), idx("qr")) else {
        return Err(format!("{}: not a terbit manifest (header {:?})", manifest.display(), header));
    };
    let mut report = RunReport::default();
    let mut listed = BTreeMap::new();
    for (n, line) in lines.enumerate() {
        let row = crate::refdata::split_csv_line(line);
        let (Some(number), Some(file), Some(sha), Some(qr)) = (row.get(i_num), row.get(i_file), row.get(i_sha), row.get(i_qr)) else {
            report.problems.push(RunProblem { file: format!("manifest.csv:{}", n + 2), problem: "malformed row".into() });
            continue;
        };
        report.documents += 1;
        // The manifest is untrusted too: never follow it outside the run.
        let rel = Path::new(file.as_str());
        if file.is_empty() || rel.is_absolute() || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
            report.problems.push(RunProblem { file: file.clone(), problem: "unsafe path in the manifest".into() });
            continue;
        }
        if listed.insert(file.clone(), number.clone()).is_some() {
            report.problems.push(RunProblem { file: file.clone(), problem: "listed twice in the manifest".into() });
        }
        let path = dir.join(file);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(_) => {
                report.problems.push(RunProblem { file: file.clone(), problem: "missing".into() });
                continue;
            }
        };
        if hex::encode(Sha256::digest(&bytes)) != *sha {
            report.problems.push(RunProblem { file: file.clone(), problem: "altered (SHA-256 differs from the manifest)".into() });
        }
        let r = verify_pdf(&bytes, trust);
        if r.qr.as_deref() != Some(qr.as_str()) && !matches!(r.verdict, Verdict::Invalid(_)) {
            report.problems.push(RunProblem { file: file.clone(), problem: "QR drawn differs from the manifest's".into() });
        }
        match &r.verdict {
            Verdict::Genuine if r.fields.iter().any(|(k, v)| k == "document number" && v == number) => report.genuine += 1,
            Verdict::Genuine => report.problems.push(RunProblem { file: file.clone(), problem: "QR is for another document number".into() }),
            other => report.problems.push(RunProblem { file: file.clone(), problem: format!("{other:?}") }),
        }
    }
    for path in pdfs_under(dir) {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        if !listed.contains_key(&rel) {
            report.problems.push(RunProblem { file: rel, problem: "not listed in the manifest".into() });
        }
    }
    Ok(report)
}

fn pdfs_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
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
    use crate::template::{Template, BIRTH_FIELDS};
    use chrono::NaiveDate;

    fn signed_pdf() -> (Vec<u8>, TrustList, String) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let kid = kid_of(&key.verifying_key().to_bytes());
        let trust = TrustList {
            keys: vec![crate::keys::TrustEntry {
                kid: hex::encode(kid),
                issuer: "3506".into(),
                alg: "EdDSA".into(),
                public_key: hex::encode(key.verifying_key().to_bytes()),
                not_before: "2020-01-01T00:00:00Z".into(),
                not_after: None,
                status: KeyStatus::Active,
                revoked_from: None,
            }],
        };
        let signer = Signer { key, kid, issuer: "3506".into() };
        let values: Vec<String> = BIRTH_FIELDS.iter().map(|f| f.to_string()).collect();
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let claims = crate::issue::birth_claims(&values, "3506-LU-23112026-0001", "3506", 1_795_392_000, date);
        let text = dk1::seal(&claims, &signer);
        let m = qr::encode(&text).unwrap();
        let pdf = Renderer::new(Template::birth_default())
            .render(&Doc { values: &values, number: "3506-LU-23112026-0001", qr: &m, issue_date: date })
            .unwrap();
        (pdf, trust, text)
    }

    #[test]
    fn pdf_verifies_and_reports_fields() {
        let (pdf, trust, text) = signed_pdf();
        let r = verify_pdf(&pdf, &trust);
        assert_eq!(r.verdict, Verdict::Genuine);
        assert_eq!(r.qr.as_deref(), Some(text.as_str()));
        assert!(r.fields.iter().any(|(k, v)| k == "mother" && v == "MOTHER_NAME"));
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
