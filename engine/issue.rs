//! The nightly job: read → validate → number → seal + render (rayon) →
//! sink (one writer behind a bounded crossbeam channel) → report.
//!
//! Accepted applications flow through in chunks, in input order: each chunk
//! is sealed and rendered in parallel, then handed to the writer, which
//! writes it while the next chunk renders. At most `CHANNEL_CHUNKS` chunks
//! wait in the channel, so memory stays bounded however large the batch,
//! and the output order never depends on thread scheduling.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::batch;
use crate::csvout;
use crate::dk1::{self, Claims, Extra, Kind, Record};
use crate::error::{Error, Result};
use crate::keys::{self, Signer};
use crate::qr;
use crate::refdata::reference;
use crate::region::Region;
use crate::register::{Numbered, Pending, Register};
use crate::seal::BatchSeal;
use crate::render::{Document, Renderer};
use crate::sink::{self, IssuedDoc, Sink};
use crate::template::{Template, BIRTH_FIELDS};
use crate::validate::{self, Context, Reject};

const CHUNK: usize = 512;
const CHANNEL_CHUNKS: usize = 2;

/// Everything one run needs, already checked by the caller.
pub struct IssueOptions {
    pub batch: Vec<PathBuf>,
    pub keys_dir: PathBuf,
    pub region: Region,
    pub template: Template,
    /// Root of outputs; the run goes to `<out>/<run-id>/`.
    pub out: PathBuf,
    pub register: PathBuf,
    pub issue_date: NaiveDate,
    /// Issue time in the claims (epoch seconds).
    pub issued_at: i64,
    /// Refuse the whole batch when more than this share of applications is
    /// rejected (0–1), before anything is numbered.
    pub max_reject_rate: Option<f64>,
}

/// Epoch seconds of a date's start in UTC: the issue time used when only
/// an issue date is given (documents are dated by day; keys' windows start
/// at a day's start too).
pub fn midnight_utc(d: NaiveDate) -> i64 {
    d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}

impl IssueOptions {
    /// The embedded defaults (Kabupaten Kediri, the birth template, the
    /// register at `<out>/register.sqlite`, issued at midnight UTC of the
    /// issue date, no reject threshold) for one batch file.
    pub fn defaults(batch: PathBuf, keys_dir: PathBuf, out: PathBuf, issue_date: NaiveDate) -> IssueOptions {
        IssueOptions {
            batch: vec![batch],
            keys_dir,
            region: Region::kediri(),
            template: Template::birth_default(),
            register: out.join("register.sqlite"),
            out,
            issue_date,
            issued_at: midnight_utc(issue_date),
            max_reject_rate: None,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub run_dir: PathBuf,
    pub applications: usize,
    pub issued: usize,
    /// Of `issued`: numbered by an earlier attempt of this same run.
    pub resumed: usize,
    pub rejected: usize,
    pub reject_rows: usize,
    pub rejects_by_rule: BTreeMap<String, usize>,
    pub issued_by_service_point: BTreeMap<String, usize>,
    pub seconds_by_stage: BTreeMap<String, f64>,
    pub warnings: Vec<String>,
    pub kid: String,
    /// Root of the batch seal over the manifest (seal.json).
    pub merkle_root: String,
}

/// Per-document data taken out of the accepted frame, chunk by chunk.
pub struct Row {
    /// Values in [`BIRTH_FIELDS`] order.
    pub values: Vec<String>,
    pub number: String,
}

/// Derived values appended to a row's input values, in BIRTH_FIELDS order.
fn derived(region: &Region, row: &[String], number: &str, issue_date: NaiveDate, kid: &str) -> Vec<String> {
    let r = reference();
    let village = &row[8];
    let district = village.get(..6).unwrap_or("");
    vec![
        number.to_string(),
        issue_date.format("%Y-%m-%d").to_string(),
        region.name.clone(),
        region.province.clone(),
        region.place_of_issue.clone(),
        region.office.clone(),
        region.official.title.clone(),
        region.official.name.clone(),
        region.official.nip.clone(),
        region.service_point(&row[1]).map(|s| s.name.clone()).unwrap_or_default(),
        r.villages.get(village).map(|v| v.name.clone()).unwrap_or_default(),
        r.districts.get(district).map(|d| d.name.clone()).unwrap_or_default(),
        kid.to_string(),
    ]
}

/// The signed record of a birth certificate (DESIGN §5; kind-specific keys:
/// 11 sex, 12 mother's name, 13 father's name, 14 birth order).
pub fn birth_claims(v: &[String], number: &str, issuer: &str, issued_at: i64, issue_date: NaiveDate) -> Claims {
    let mut extra = BTreeMap::new();
    extra.insert(11, Extra::Text(v[4].clone()));
    extra.insert(12, Extra::Text(v[9].to_uppercase()));
    if !v[11].is_empty() {
        extra.insert(13, Extra::Text(v[11].to_uppercase()));
    }
    if let Ok(n) = v[7].parse::<i64>() {
        extra.insert(14, Extra::Int(n));
    }
    Claims {
        issuer: issuer.to_string(),
        issued_at,
        expiry: None,
        record: Record {
            kind: Kind::Birth.code() as u64,
            number: number.to_string(),
            nik: v[3].clone(),
            name: v[2].to_uppercase(),
            birth_date: Some(v[5].clone()),
            birth_place: Some(v[6].to_uppercase()),
            issue_date: issue_date.format("%Y-%m-%d").to_string(),
            extra,
            ..Default::default()
        },
    }
}

/// Seal and render one document. Pure: the same row gives the same bytes.
pub fn make_document(row: &Row, signer: &Signer, renderer: &Renderer, opts: &IssueOptions) -> Result<IssuedDoc> {
    let claims = birth_claims(&row.values, &row.number, &opts.region.code, opts.issued_at, opts.issue_date);
    let text = dk1::seal(&claims, signer);
    let matrix = qr::encode(&text).map_err(|e| Error::Render { document: row.number.clone(), message: e.to_string() })?;
    let pdf = renderer.render(&Document { values: &row.values, number: &row.number, qr: &matrix, issue_date: opts.issue_date })?;
    let service_point = row.values[1].clone();
    Ok(IssuedDoc {
        file: format!("{service_point}/{}/{}.pdf", Kind::Birth.name(), row.number),
        number: row.number.clone(),
        application_id: row.values[0].clone(),
        kind: Kind::Birth.name(),
        nik: row.values[3].clone(),
        service_point,
        sha256: hex::encode(Sha256::digest(&pdf)),
        qr: text,
        pdf,
    })
}

fn string_columns(df: &DataFrame) -> Result<Vec<StringChunked>> {
    batch::Columns::all(&validate::birth_columns())
        .map(|c| {
            df.column(c)
                .and_then(|s| s.str().cloned())
                .map_err(|e| Error::Render { document: String::new(), message: e.to_string() })
        })
        .collect()
}

fn get(cols: &[StringChunked], c: usize, i: usize) -> String {
    cols[c].get(i).unwrap_or("").to_string()
}

/// Run the whole job.
pub fn issue(opts: &IssueOptions) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    let t = Instant::now();
    let batch = batch::read(&opts.batch, &validate::birth_columns())?;
    summary.warnings = batch.warnings.clone();
    summary.seconds_by_stage.insert("read".into(), t.elapsed().as_secs_f64());

    let t = Instant::now();
    let validated = validate::validate(&batch, &Context { region: &opts.region, issue_date: opts.issue_date })?;
    summary.seconds_by_stage.insert("validate".into(), t.elapsed().as_secs_f64());
    summary.applications = validated.rows;

    // The run is named by its date and batch content: the same batch on the
    // same day is the same run, so a re-run resumes instead of re-issuing.
    summary.run_id = format!("{}-{}", opts.issue_date.format("%Y%m%d"), &hex::encode(batch.fingerprint)[..8]);
    summary.run_dir = opts.out.join(&summary.run_id);
    // A batch that looks broken (a wrong export, a shifted column) is
    // refused whole, before anything is numbered; its rejects show why.
    if let Some(max) = opts.max_reject_rate {
        let rate = validated.rejected_applications() as f64 / validated.rows.max(1) as f64;
        if rate > max {
            write_rejects_and_report(&mut summary, &validated.rejects)?;
            return Err(Error::Refused(format!(
                "{:.1}% of the {} applications were rejected, above --max-reject-rate {:.1}%: nothing was issued. \
                 Check the export, then see {} for the reasons",
                rate * 100.0,
                validated.rows,
                max * 100.0,
                summary.run_dir.join("rejects.csv").display()
            )));
        }
    }
    let signer = keys::signer_for(&opts.keys_dir, &opts.region.code, opts.issued_at)?;
    summary.kid = hex::encode(signer.kid);

    let t = Instant::now();
    let cols = string_columns(&validated.accepted)?;
    let n = validated.accepted.height();
    let letters: Vec<&'static str> = (0..n)
        .map(|i| {
            let late = validate::parse_date(cols[5].get(i).unwrap_or(""))
                .is_some_and(|b| validate::is_late(b, opts.issue_date));
            if late { "LT" } else { "LU" }
        })
        .collect();
    let pending: Vec<Pending> = (0..n)
        .map(|i| Pending { application_id: cols[0].get(i).unwrap_or(""), nik: cols[3].get(i).unwrap_or(""), letters: letters[i] })
        .collect();
    let mut register = Register::open(&opts.register)?;
    let numbered = register.number(&summary.run_id, Kind::Birth.name(), &opts.region.code, opts.issue_date, &pending)?;
    drop(pending);
    summary.seconds_by_stage.insert("number".into(), t.elapsed().as_secs_f64());

    let mut rejects: Vec<Reject> = validated.rejects.clone();
    // A register-level reject of accepted row `i`.
    let reject_at = |i: usize, rule: &'static str, field: &'static str, value: String, message: String| {
        let row = validated.accepted_rows[i];
        Reject { row, source: batch.source(row), rule, field, value, message, application_id: get(&cols, 0, i) }
    };
    let mut to_issue: Vec<(usize, String)> = Vec::with_capacity(n);
    for (i, num) in numbered.into_iter().enumerate() {
        match num {
            Numbered::New { number } => to_issue.push((i, number)),
            Numbered::Resumed { number } => {
                summary.resumed += 1;
                to_issue.push((i, number))
            }
            Numbered::SubjectActive { number } => {
                let nik = get(&cols, 3, i);
                let message = format!(
                    "NIK {nik} sudah memiliki akta kelahiran {number} yang masih berlaku / NIK {nik} already holds \
                     birth certificate {number}, still active; revoke it first (terbit revoke) if it must be replaced"
                );
                rejects.push(reject_at(i, "SUBJECT_ACTIVE", "child_nik", nik, message));
            }
            Numbered::AlreadyIssued { number, run_id, written } => {
                let id = get(&cols, 0, i);
                let message = if written {
                    format!(
                        "permohonan {id} sudah diterbitkan sebagai {number} / application {id} was already issued as {number} (run {run_id})"
                    )
                } else {
                    format!(
                        "permohonan {id} sudah bernomor {number} pada run {run_id} yang belum selesai / application {id} \
                         was numbered {number} by run {run_id}, which stopped before writing it: re-run that run's batch to finish it"
                    )
                };
                rejects.push(reject_at(i, "ALREADY_ISSUED", "application_id", id, message));
            }
        }
    }
    rejects.sort_by_key(|r| r.row);

    // Seal + render on rayon workers, write on one thread, in order.
    let t = Instant::now();
    let renderer = Renderer::new(opts.template.clone());
    let sink = Sink::create(&summary.run_dir, register)?;
    let kid_hex = summary.kid.clone();
    let (tx, rx) = crossbeam_channel::bounded::<Vec<IssuedDoc>>(CHANNEL_CHUNKS);
    let (written, finished) = std::thread::scope(|scope| -> Result<(usize, sink::Finished)> {
        let writer = scope.spawn(move || -> Result<(usize, sink::Finished)> {
            let mut sink = sink;
            for chunk in rx {
                sink.write_chunk(&chunk)?;
            }
            let written = sink.written;
            Ok((written, sink.finish()?))
        });
        let produced = (|| -> Result<()> {
            for chunk in to_issue.chunks(CHUNK) {
                let rows: Vec<Row> = chunk
                    .iter()
                    .map(|(i, number)| {
                        let mut values: Vec<String> = (0..cols.len()).map(|c| get(&cols, c, *i)).collect();
                        let extra = derived(&opts.region, &values, number, opts.issue_date, &kid_hex);
                        values.extend(extra);
                        debug_assert_eq!(values.len(), BIRTH_FIELDS.len());
                        Row { values, number: number.clone() }
                    })
                    .collect();
                let docs = rows.par_iter().map(|r| make_document(r, &signer, &renderer, opts)).collect::<Result<Vec<_>>>()?;
                if tx.send(docs).is_err() {
                    // The writer stopped: its error is reported below.
                    break;
                }
            }
            Ok(())
        })();
        drop(tx);
        let written = writer.join().map_err(|_| Error::Usage("writer thread panicked".into()))?;
        produced?;
        written
    })?;
    drop(finished.register);
    summary.seconds_by_stage.insert("seal_render_write".into(), t.elapsed().as_secs_f64());
    // The batch seal: one signature over every document's number and bytes.
    let seal = BatchSeal::make(&summary.run_id, opts.issued_at, &finished.leaves, &finished.manifest_sha256, &signer);
    sink::write_atomic(&summary.run_dir.join("seal.json"), seal.to_json().as_bytes())?;
    summary.merkle_root = seal.merkle_root;
    summary.issued = written;
    for (i, _) in &to_issue {
        *summary.issued_by_service_point.entry(get(&cols, 1, *i)).or_default() += 1;
    }

    write_rejects_and_report(&mut summary, &rejects)?;
    Ok(summary)
}

/// `rejects.csv` (one row per violated rule) and `report.json`.
fn write_rejects_and_report(summary: &mut RunSummary, rejects: &[Reject]) -> Result<()> {
    let t = Instant::now();
    std::fs::create_dir_all(&summary.run_dir).map_err(|e| Error::io(&summary.run_dir, e))?;
    let mut text = csvout::line(sink::REJECTS_HEADER);
    summary.rejects_by_rule.clear();
    for r in rejects {
        text.push_str(&csvout::line([
            r.application_id.as_str(),
            r.source.as_str(),
            r.rule,
            r.field,
            r.value.as_str(),
            r.message.as_str(),
        ]));
        *summary.rejects_by_rule.entry(r.rule.to_string()).or_default() += 1;
    }
    sink::write_atomic(&summary.run_dir.join("rejects.csv"), text.as_bytes())?;
    summary.reject_rows = rejects.len();
    let mut rejected_rows: Vec<usize> = rejects.iter().map(|r| r.row).collect();
    rejected_rows.dedup();
    summary.rejected = rejected_rows.len();
    summary.seconds_by_stage.insert("report".into(), t.elapsed().as_secs_f64());
    let mut report = serde_json::to_string_pretty(&summary).map_err(|e| Error::Usage(e.to_string()))?;
    report.push('\n');
    sink::write_atomic(&summary.run_dir.join("report.json"), report.as_bytes())
}
