//! `terbit verify`: targets → one answer each → what a person reads (or
//! JSON) and the exit code.
//!
//! Every target gets its own answer, even when another cannot be read.
//! Everything printed went through [`shown`]: a forged QR or a run's file
//! names cannot move the cursor or paint a fake verdict. A closed pipe
//! (`| head -1`) ends the output quietly, with the same exit code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::Utc;
use rayon::prelude::*;
use serde::Serialize;
use terbit::util::show::{clip_shown, shown, shown_json};
use terbit::verify::photo::PhotoDocument;
use terbit::trust::store::{Trust, TrustInfo, TrustSource, TrustStore};
use terbit::verify::{self, Layouts, PdfDocument, Report, RunReport, Verdict};

/// The largest text file of QR texts read.
const MAX_TEXT_FILE: u64 = 64 << 20;

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Answer {
    /// A DK1 text, or a photo or scan's QR.
    Document { report: Box<Report> },
    /// A PDF: its documents, page by page.
    Pdf { documents: Vec<PdfDocument> },
    /// A photo or scan showing several documents: each answered, with
    /// where its code is.
    Photo { documents: Vec<PhotoDocument>, note: String },
    /// A text file of QR texts, one per line; `note` when its name says
    /// it is something else (by its content it is text).
    Lines {
        lines: Vec<(usize, Report)>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Run { run: RunReport },
    /// The target could not be checked at all.
    Error { error: String },
}

/// How an answer counts for the exit code, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Genuine,
    Unreadable,
    Error,
    Failed,
}

fn outcome_of(v: &Verdict) -> Outcome {
    match v {
        Verdict::Genuine => Outcome::Genuine,
        Verdict::Unreadable(_) => Outcome::Unreadable,
        _ => Outcome::Failed,
    }
}

impl Answer {
    /// The issuers whose keys the answer's documents claim, each once.
    fn issuers(&self) -> Vec<String> {
        let mut v: Vec<String> = match self {
            Answer::Document { report } => report.issuer.iter().cloned().collect(),
            Answer::Pdf { documents } => documents.iter().filter_map(|d| d.report.issuer.clone()).collect(),
            Answer::Photo { documents, .. } => documents.iter().filter_map(|d| d.report.issuer.clone()).collect(),
            Answer::Lines { lines, .. } => lines.iter().filter_map(|(_, r)| r.issuer.clone()).collect(),
            Answer::Run { run } => run.issuer.iter().cloned().collect(),
            Answer::Error { .. } => Vec::new(),
        };
        v.sort();
        v.dedup();
        v
    }

    fn outcome(&self) -> Outcome {
        match self {
            Answer::Document { report } => outcome_of(&report.verdict),
            Answer::Pdf { documents } => documents.iter().map(|d| outcome_of(&d.report.verdict)).max().unwrap_or(Outcome::Failed),
            // Never GENUINE: which of the documents did the person mean?
            // At least "take the picture again", one document at a time.
            Answer::Photo { documents, .. } => documents.iter().map(|d| outcome_of(&d.report.verdict)).max().unwrap_or(Outcome::Failed).max(Outcome::Unreadable),
            Answer::Lines { lines, .. } => lines.iter().map(|(_, r)| outcome_of(&r.verdict)).max().unwrap_or(Outcome::Error),
            Answer::Run { run } if run.is_clean() => Outcome::Genuine,
            Answer::Run { .. } => Outcome::Failed,
            Answer::Error { .. } => Outcome::Error,
        }
    }
}

/// Whether `t`, naming no file, is a QR text typed or pasted (perhaps
/// damaged) rather than a mistyped file name.
fn looks_like_qr_text(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    let path_like = t.contains('/') || [".pdf", ".png", ".jpg", ".jpeg", ".txt", ".csv"].iter().any(|x| lower.ends_with(x));
    let qr_alphabet = t.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || " $%*+-./:;".contains(c));
    lower.starts_with("dk") || (!path_like && qr_alphabet && t.chars().count() >= 40)
}

fn answer(target: &str, trust: &Trust, layouts: &Layouts) -> Answer {
    let path = Path::new(target);
    let Ok(meta) = std::fs::metadata(path) else {
        if !looks_like_qr_text(target.trim()) {
            return Answer::Error { error: "no such file or directory (and not a DK1 text)".into() };
        }
        // Typed or pasted QR text, however damaged: a verdict, not a file error.
        return Answer::Document { report: Box::new(verify::verify_text(target, trust)) };
    };
    if meta.is_dir() {
        return match verify::verify_run(path, trust, layouts) {
            Ok(run) => Answer::Run { run },
            Err(e) => Answer::Error { error: e.to_string() },
        };
    }
    if !meta.is_file() {
        return Answer::Error { error: "not a regular file (a device or pipe is not read)".into() };
    }
    if meta.len() > verify::MAX_PDF {
        return Answer::Error { error: format!("larger than {} MiB: not a document terbit made", verify::MAX_PDF >> 20) };
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Answer::Error { error: e.to_string() },
    };
    if bytes.starts_with(b"%PDF") {
        return match verify::verify_pdf_documents(&bytes, trust, layouts, None) {
            Ok(documents) => Answer::Pdf { documents },
            Err(report) => Answer::Document { report: Box::new(report) },
        };
    }
    if bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"\xFF\xD8") {
        return match verify::photo::verify_each(&bytes, trust) {
            Err(report) => Answer::Document { report: Box::new(report) },
            Ok(mut documents) if documents.len() == 1 => Answer::Document { report: Box::new(documents.remove(0).report) },
            Ok(documents) => Answer::Photo { note: verify::photo::several_documents(documents.len()), documents },
        };
    }
    // Decided by content, whatever the name says: a text file named .png is
    // read as QR texts (and said to be text); anything else is named.
    let Some(text) = as_text(&bytes) else {
        return Answer::Error { error: format!("{}: not a PDF, PNG or JPEG, a text file of DK1 texts or a run directory", what_it_is(&bytes)) };
    };
    if bytes.len() as u64 > MAX_TEXT_FILE {
        return Answer::Error { error: "a text file this large is not a list of QR texts".into() };
    }
    let lower = target.to_ascii_lowercase();
    let note = [".png", ".jpg", ".jpeg", ".pdf"]
        .iter()
        .find(|x| lower.ends_with(*x))
        .map(|x| format!("named {x} but by its content a text file: read as DK1 texts, one per line"));
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
    if lines.is_empty() {
        return Answer::Error { error: "an empty text file".into() };
    }
    Answer::Lines { lines: lines.par_iter().map(|(n, l)| (*n, verify::verify_text(l, trust))).collect(), note }
}

/// `bytes` as text, if they are text: UTF-8 (a byte-order mark allowed)
/// with no control characters but tabs and line breaks. A binary file that
/// happens to be valid UTF-8 (all NULs, a damaged picture) is not a list
/// of QR texts.
fn as_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    (!text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))).then_some(text)
}

/// What a file that is not read is, by its first bytes.
fn what_it_is(bytes: &[u8]) -> String {
    let kind = match bytes {
        [b'G', b'I', b'F', b'8', ..] => "a GIF image (only PNG and JPEG pictures are read: save it as one)",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "a WebP image (only PNG and JPEG pictures are read: save it as one)",
        [_, _, _, _, b'f', b't', b'y', b'p', b'h' | b'm', b'e' | b'i', b'i' | b'f', b'c' | b'1', ..] => "a HEIC/HEIF photo (only PNG and JPEG pictures are read: save it as JPEG)",
        [b'B', b'M', ..] => "a BMP image (only PNG and JPEG pictures are read: save it as one)",
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => "a TIFF image (only PNG and JPEG pictures are read: save it as one)",
        [b'P', b'K', 3, 4, ..] => "a ZIP archive (or an office document)",
        [0x1f, 0x8b, ..] => "a gzip archive",
        [] => "an empty file",
        _ if std::str::from_utf8(bytes).is_ok() => "text with control characters in it",
        _ => "binary data",
    };
    format!("{kind}, {} bytes", bytes.len())
}

/// Standard output that stops quietly when the reader has gone.
struct Out {
    w: std::io::StdoutLock<'static>,
    closed: bool,
}

impl Out {
    /// Write `s` and a newline; any control character inside a line is
    /// shown escaped (the line breaks of `s` itself stay line breaks).
    fn line(&mut self, s: &str) {
        for l in s.split('\n') {
            if self.closed {
                return;
            }
            if writeln!(self.w, "{}", shown(l)).is_err() {
                self.closed = true;
            }
        }
    }
}

/// `terbit verify`: the pins and the memory of lists seen taken from the
/// flags and the environment, then [`run`].
pub(crate) fn command(a: super::args::VerifyArgs) -> Result<ExitCode> {
    let pins = a
        .pin
        .iter()
        .map(|p| terbit::trust::root::parse_pin(p).with_context(|| format!("--pin {:?} is not a SHA-256 fingerprint (64 hex digits), alone or as DISTRICT=fingerprint", clip_shown(p, 80))))
        .collect::<Result<Vec<_>>>()?;
    let memory = if a.no_trust_memory { None } else { a.trust_memory.or_else(default_trust_memory) };
    if memory.is_none() && !a.no_trust_memory {
        // Said, not silent: without the memory an older trust list
        // (a rolled-back one) is taken as if it were the newest.
        tracing::warn!(
            "no memory of trust lists seen: neither XDG_STATE_HOME nor HOME is set, so a rolled-back (older) trust list is not detected; \
             give --trust-memory FILE to keep one, or --no-trust-memory to go without it knowingly"
        );
    }
    let src = TrustSource { path: a.trust, pins, revocations: a.revocations, memory, now: Utc::now().timestamp(), new_roots: a.new_root };
    run(&src, &a.region, a.json, &a.targets)
}

/// The verifier's memory of trust lists seen: `$XDG_STATE_HOME/terbit`,
/// else `~/.local/state/terbit` (XDG base directories).
fn default_trust_memory() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("terbit/trust-memory.json"))
}

pub(crate) fn run(src: &TrustSource, regions: &[PathBuf], json: bool, targets: &[String]) -> Result<ExitCode> {
    // Said in full: an auditor on a new machine has never heard of one.
    if std::fs::symlink_metadata(&src.path).is_err() {
        anyhow::bail!(
            "no trust file {}: verify checks documents against a trust bundle, the districts' key lists signed by their roots \
             (which keys are genuine, which documents are revoked). Get the bundle the issuing district publishes, or make one \
             with `terbit trust bundle --list keys/trust-<district>.json --pin <root fingerprint> --out trust-bundle.json` \
             (`terbit demo` writes one in its folder: terbit-demo/trust-bundle.json), then give --trust FILE",
            terbit::util::show::clip_shown(&src.path.display().to_string(), 300)
        );
    }
    let store = TrustStore::load(src)?;
    let mut layouts = Layouts::standard();
    for r in regions {
        layouts.add_region(&terbit::kind::region::Region::load(r)?)?;
    }
    // The trust list's keys, decoded once for every target and QR line.
    let keys = store.trust();
    let answers: Vec<Answer> = targets
        .par_iter()
        .map(|t| {
            // A defect in a parser must cost one target its answer, not the
            // others theirs.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| answer(t, &keys, &layouts)))
                .unwrap_or_else(|_| Answer::Error { error: "could not be checked (an internal error while reading it; please report the file)".into() })
        })
        .collect();
    let worst = answers.iter().map(Answer::outcome).max().unwrap_or(Outcome::Genuine);
    let mut out = Out { w: std::io::stdout().lock(), closed: false };
    if json {
        let list: Vec<serde_json::Value> = targets
            .iter()
            .zip(&answers)
            .map(|(t, a)| {
                let mut v = serde_json::to_value(a).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("target".into(), serde_json::Value::String(t.clone()));
                    // The trust data each answer rests on: district, list number, dates, staleness.
                    let infos: Vec<&TrustInfo> = a.issuers().iter().filter_map(|i| store.info(i)).collect();
                    o.insert("trust".into(), serde_json::to_value(infos).unwrap_or_default());
                }
                shown_json(v)
            })
            .collect();
        out.line(&serde_json::to_string_pretty(&list)?);
    } else {
        for (t, a) in targets.iter().zip(&answers) {
            print_answer(&mut out, &clip_shown(t, 200), a);
            for issuer in a.issuers() {
                if let Some(info) = store.info(&issuer) {
                    match info.warning() {
                        Some(w) => out.line(&format!("  WARNING — {w}; documents were still checked against it")),
                        None => out.line(&format!(
                            "  trust data: district {} list no. {}, signed {}, next update {}; {}",
                            info.district,
                            info.sequence,
                            signed_time(&info.issued_at, &info.district),
                            signed_time(&info.next_update, &info.district),
                            match &info.revocations {
                                Some(r) => format!("revocation list no. {}, signed {}", r.sequence, signed_time(&r.updated_at, &info.district)),
                                None => "no revocation list (revoked documents are not known here)".to_string(),
                            }
                        )),
                    }
                }
            }
        }
        if answers.len() > 1 {
            let count = |o: Outcome| answers.iter().filter(|a| a.outcome() == o).count();
            out.line(&format!(
                "{} targets: {} genuine, {} not genuine, {} unreadable photos, {} could not be read",
                answers.len(),
                count(Outcome::Genuine),
                count(Outcome::Failed),
                count(Outcome::Unreadable),
                count(Outcome::Error)
            ));
        }
    }
    Ok(match worst {
        Outcome::Genuine => ExitCode::SUCCESS,
        Outcome::Failed => ExitCode::from(1),
        Outcome::Error => ExitCode::from(2),
        Outcome::Unreadable => ExitCode::from(3),
    })
}

fn verdict_line(v: &Verdict) -> String {
    match v {
        Verdict::Unreadable(why) => format!("UNREADABLE — {why}"),
        v => v.said(),
    }
}

fn print_report(out: &mut Out, head: &str, r: &Report) {
    out.line(&format!("{head}: {}", verdict_line(&r.verdict)));
    if let Some(kid) = &r.kid {
        out.line(&format!("  kid {kid}, issuer {}", r.issuer.as_deref().unwrap_or("?")));
    }
    if let Some(s) = &r.file_signature {
        out.line(&format!("  PDF signature: {s}"));
    }
    if !r.fields.is_empty() {
        out.line("  signed fields — compare them with the paper:");
        for (k, v) in &r.fields {
            out.line(&format!("  {k:<16} {}", clip_shown(&local_time(k, v, r.issuer.as_deref()), 200)));
        }
    }
    if !r.unverified.is_empty() {
        out.line("  UNVERIFIED — do not rely on these (the signature or the key did not check):");
        for (k, v) in &r.unverified {
            out.line(&format!("  | {k:<16} {}", clip_shown(v, 200)));
        }
    }
}

/// A signed instant as the issuing office reads it, in its district's zone
/// and words beside the exact UTC value ("7 Desember 2026, 02.00 WIB
/// (2026-12-06T19:00:00Z)"), as the verifier page shows it; any other
/// field as it is.
fn local_time(label: &str, value: &str, issuer: Option<&str>) -> String {
    let instant = matches!(label, "issued at" | "expires").then(|| chrono::DateTime::parse_from_rfc3339(value).ok()).flatten();
    match (instant, issuer) {
        (Some(t), Some(issuer)) => terbit::kind::words::local_and_utc(t.timestamp(), issuer),
        _ => value.to_string(),
    }
}

fn print_answer(out: &mut Out, target: &str, a: &Answer) {
    match a {
        Answer::Document { report } => print_report(out, target, report),
        Answer::Error { error } => out.line(&format!("{target}: ERROR — could not be checked: {error}")),
        Answer::Pdf { documents } if documents.len() == 1 => print_report(out, target, &documents[0].report),
        Answer::Pdf { documents } => {
            let genuine = documents.iter().filter(|d| d.report.verdict.is_genuine()).count();
            let pages = documents.last().map_or(0, |d| d.last_page);
            out.line(&format!("{target}: {} documents on {pages} pages, {genuine} genuine", documents.len()));
            // The file's one signature, said once (every document of it shares it).
            if let Some(said) = documents.iter().find(|d| d.report.verdict.is_genuine()).and_then(|d| d.report.file_signature.as_deref()) {
                out.line(&format!("  PDF signature: {}", terbit::util::show::clip_shown(said, 600)));
            }
            for d in documents.iter().filter(|d| !d.report.verdict.is_genuine()) {
                let at = if d.first_page == d.last_page { format!("page {}", d.first_page) } else { format!("pages {}–{}", d.first_page, d.last_page) };
                print_report(out, &format!("  {at}"), &d.report);
            }
        }
        Answer::Photo { documents, note } => {
            out.line(&format!("{target}: NOT ONE DOCUMENT — {note}"));
            for (i, d) in documents.iter().enumerate() {
                print_report(out, &format!("  document {} of {}, {}", i + 1, documents.len(), d.place.words()), &d.report);
            }
        }
        Answer::Lines { lines, note } => {
            if let Some(note) = note {
                out.line(&format!("{target}: {note}"));
            }
            for (n, r) in lines {
                print_report(out, &format!("{target} line {n}"), r);
            }
            let genuine = lines.iter().filter(|(_, r)| r.verdict.is_genuine()).count();
            out.line(&format!("{target}: {} QR texts, {genuine} genuine", lines.len()));
        }
        Answer::Run { run } => {
            out.line(&format!("{target}: {} documents, {} genuine, {} print files, {} problem(s)", run.documents, run.genuine, run.print_files, run.problems.len()));
            for p in &run.problems {
                out.line(&format!("  {}: {}", p.file, p.problem));
            }
            if run.seal_ok {
                out.line("  batch seal: holds (the run is complete and untouched)");
                if run.genuine_by_seal_stamp > 0 {
                    out.line(&format!(
                        "  {} document(s) of a key revoked since are genuine by the seal's independent time-stamp: their own stamps do not reach back before the revocation, the seal's does",
                        run.genuine_by_seal_stamp
                    ));
                }
                match &run.seal_stamp {
                    Some(said) => out.line(&format!("  batch seal: {said}")),
                    None => out.line("  batch seal: not time-stamped (the run's time is its signer's claim)"),
                }
                if let Some(last) = &run.last_renewal {
                    out.line(&format!("  archive: {} of {} document(s) renewed (PAdES B-LTA), the newest archive time-stamp {last}", run.renewed, run.documents));
                }
            } else {
                out.line(&format!("  batch seal: FAILS — {}", run.seal_problem));
            }
        }
    }
}

/// A signed time (RFC 3339) of a district's trust data as its office
/// reads it, the exact instant beside it; shown escaped as it was when it
/// does not read.
fn signed_time(at: &str, district: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) => terbit::kind::words::local_and_utc(t.timestamp(), district),
        Err(_) => clip_shown(at, 40),
    }
}
