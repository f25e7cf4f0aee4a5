//! The verdict on a document and the words it is said in: the DK1 text's
//! signature, its key's issuer, signing window and status, and the
//! revocation lists, checked in that order ([`verify_text`]); every other
//! target (a PDF's pages, a photo, a run) ends in a [`Report`] made here.

use serde::Serialize;

use crate::dk1::keys::{rfc3339, KeyStatus};
use crate::dk1::{self, Claims, Dk1Error, Kind};
use crate::trust::store::Trust;

/// What a document was found to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "lowercase")]
pub enum Verdict {
    /// Signed by a trusted key, within its window, not revoked, and (for a PDF) every page shows what the QR signs.
    Genuine,
    /// Malformed, tampered, or not verifiable at all: not genuine.
    Invalid(String),
    /// Well-formed but signed by a key the trust list does not vouch for.
    Untrusted(String),
    /// The document (or its key) was revoked.
    Revoked(String),
    /// The document was replaced by a newer one.
    Superseded(String),
    /// No QR code could be read (a photo or scan): nothing is known about
    /// the document; take the picture again. Never a verdict on the paper.
    Unreadable(String),
}

impl Verdict {
    /// Whether the verdict is GENUINE.
    pub fn is_genuine(&self) -> bool {
        matches!(self, Verdict::Genuine)
    }
    /// The word a person reads first.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Genuine => "GENUINE",
            Verdict::Invalid(_) => "INVALID",
            Verdict::Untrusted(_) => "UNTRUSTED",
            Verdict::Revoked(_) => "REVOKED",
            Verdict::Superseded(_) => "SUPERSEDED",
            Verdict::Unreadable(_) => "UNREADABLE",
        }
    }
    /// The verdict and why, the word said once: "SUPERSEDED by 3506-… since
    /// 2026-12-07: name corrected", "INVALID: …".
    pub fn said(&self) -> String {
        self.said_as(self.word())
    }
    /// [`Verdict::said`] in lower case, for a line of a run's problems.
    pub fn said_lower(&self) -> String {
        self.said_as(&self.word().to_lowercase())
    }
    fn said_as(&self, word: &str) -> String {
        match self.reason() {
            None => word.to_string(),
            // A reason that begins with the verdict's own word goes on from it.
            Some(why) => match why.strip_prefix(&self.word().to_lowercase()).filter(|rest| rest.starts_with(' ')) {
                Some(rest) => format!("{word}{rest}"),
                None => format!("{word}: {why}"),
            },
        }
    }
    /// Why, unless genuine.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Genuine => None,
            Verdict::Invalid(r) | Verdict::Untrusted(r) | Verdict::Revoked(r) | Verdict::Superseded(r) | Verdict::Unreadable(r) => Some(r),
        }
    }
}

/// The verdict on one document, with what a person needs to compare it with the paper.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The verdict.
    pub verdict: Verdict,
    /// The signing key (hex), when the QR could be decoded.
    pub kid: Option<String>,
    /// The issuer the claims name.
    pub issuer: Option<String>,
    /// The key's status in the trust list, when it is listed.
    pub key_status: Option<KeyStatus>,
    /// Signed fields whose signature holds, as (label, value), for a person
    /// to compare with the paper.
    pub fields: Vec<(String, String)>,
    /// Fields decoded from a QR whose signature or key did not check: shown
    /// only under an "UNVERIFIED — do not rely on these" heading.
    pub unverified: Vec<(String, String)>,
    /// The QR text read.
    pub qr: Option<String>,
    /// The claims, when their signature holds (for the page check).
    #[serde(skip)]
    pub claims: Option<Claims>,
    /// For a PDF: what its file signature (PAdES) is, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_signature: Option<String>,
    /// For a PDF whose signature carries a time-stamp from a listed
    /// authority: when the signature existed by, and who says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<TimeStamp>,
    /// For a renewed PDF (PAdES B-LTA): its archive time-stamps, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renewals: Vec<TimeStamp>,
}

/// A PDF signature's time-stamp, as `verify --json` gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimeStamp {
    /// The time the signature existed by (genTime and its accuracy), RFC 3339.
    pub existed_by: String,
    /// The token's genTime as written.
    pub gen_time: String,
    /// The authority's certificate subject.
    pub authority: String,
    /// The district whose signed list names the authority.
    pub district: String,
}

impl TimeStamp {
    /// The stamp `s` by the listed authority `t`, as `--json` gives it.
    pub fn of(s: &crate::pdf::token::Stamp, t: &crate::trust::tsa::TsaCert) -> TimeStamp {
        TimeStamp {
            existed_by: crate::dk1::keys::rfc3339(s.at),
            gen_time: crate::util::show::clip_shown(&s.gen_time, 40),
            authority: t.name.clone(),
            district: t.district.clone(),
        }
    }
}

impl Report {
    fn with(verdict: Verdict) -> Report {
        Report { verdict, kid: None, issuer: None, key_status: None, fields: vec![], unverified: vec![], qr: None, claims: None, file_signature: None, time_stamp: None, renewals: Vec::new() }
    }
    /// An INVALID report.
    pub fn invalid(reason: impl Into<String>) -> Report {
        Report::with(Verdict::Invalid(reason.into()))
    }
    /// An UNREADABLE report.
    pub fn unreadable(reason: impl Into<String>) -> Report {
        Report::with(Verdict::Unreadable(reason.into()))
    }
    /// The signed document number, when the signature holds.
    pub fn number(&self) -> Option<&str> {
        self.claims.as_ref().map(|c| c.record.number.as_str())
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
        // Labels of the embedded templates' record keys (11 and up are per
        // kind: each template's `[[record.extra]]`, templates/*.toml).
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

/// Verify a DK1 text against trusted keys (and their revocations).
pub fn verify_text(text: &str, trust: &Trust) -> Report {
    // Spaces and line breaks around a pasted text are not part of it (the
    // clerks' page trims them too).
    let text = text.trim();
    let sealed = match dk1::decode(text) {
        Ok(s) => s,
        Err(e) => return Report::invalid(e.to_string()),
    };
    let mut report = Report {
        verdict: Verdict::Genuine,
        kid: Some(hex::encode(sealed.kid)),
        issuer: Some(sealed.claims.issuer.clone()),
        key_status: None,
        fields: vec![],
        unverified: fields(&sealed.claims),
        qr: Some(text.trim_end().to_string()),
        claims: None,
        file_signature: None,
        time_stamp: None,
        renewals: Vec::new(),
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
    } else if let Some(e) = trust.revocation(&sealed.claims.issuer, &sealed.claims.record.number) {
        match &e.superseded_by {
            Some(by) if e.status == crate::kind::standing::Status::Superseded => {
                Verdict::Superseded(format!("superseded by {by} since {}: {}", e.since, e.reason))
            }
            _ => Verdict::Revoked(format!("revoked since {}: {}", e.since, e.reason)),
        }
    } else {
        Verdict::Genuine
    };
    // The issuer's key signed these (revoked or superseded documents too):
    // they are what the office issued. Untrusted keys' claims stay unverified.
    if !matches!(report.verdict, Verdict::Untrusted(_)) {
        report.fields = std::mem::take(&mut report.unverified);
        report.claims = Some(sealed.claims);
    }
    report
}

