//! The nightly job: read → validate → number → seal + render + write each
//! document's file (rayon) → sink (manifest, print files, register: one
//! writer behind a bounded crossbeam channel) → report.
//!
//! A run takes batch files of any of the kinds its templates declare; each
//! file's kind is recognised from its header (or forced with `kind`). Kinds
//! are validated and numbered in the order their first file was given.
//! Accepted applications then flow through in chunks, in that order: each
//! chunk is sealed, rendered and its files written in parallel, then
//! handed to the sink, which records it while the next chunk renders. At
//! most `CHANNEL_CHUNKS` chunks wait in the channel, so memory stays
//! bounded however large the batch, and the output order never depends on
//! thread scheduling.

pub mod config;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{Days, NaiveDate};
use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::input::batch::{self, Batch, Columns, RawFile};
use crate::util::csvout;
use crate::dk1::{self, Claims, Extra, Record};
use crate::error::{Error, Result};
use crate::dk1::keys::{self, Signer};
use crate::dk1::qr;
use crate::kind::refdata::reference;
use crate::kind::region::Region;
use crate::numbering::register::{Numbered, Pending, Register};
use crate::pdf::render::{Document, Renderer};
use crate::kind::schema::{MembersInRecord, NumberStyle, DERIVED};
use crate::dk1::seal::BatchSeal;
use crate::output::sink::{self, IssuedDoc, Sink};
use crate::kind::template::{Template, Templates};
use crate::input::validate::{self, Context, Reject, Validated};

/// Where a scheduler may put the signing key's seed instead of a key file.
pub const KEY_ENV: &str = "TERBIT_SIGNING_KEY";

const CHUNK: usize = 512;
/// Chunks rendered ahead of the sink: enough to ride out the sink's
/// occasional waits on the disk (a register checkpoint, a print file's
/// buffer) without the renderers running dry; each is a few MB.
const CHANNEL_CHUNKS: usize = 8;

/// Everything one run needs, already checked by the caller.
pub struct IssueOptions {
    pub batch: Vec<PathBuf>,
    pub keys_dir: PathBuf,
    pub region: Region,
    pub templates: Templates,
    /// Treat every batch file as this kind instead of recognising it.
    pub kind: Option<String>,
    /// Root of outputs; the run goes to `<out>/<run-id>/`.
    pub out: PathBuf,
    pub register: PathBuf,
    pub issue_date: NaiveDate,
    /// Issue time in the claims (epoch seconds).
    pub issued_at: i64,
    /// Refuse the whole batch when more than this share of applications is
    /// rejected (0–1), before anything is numbered.
    pub max_reject_rate: Option<f64>,
    /// The signing key's seed when it comes from outside the keys directory
    /// (the CLI's `TERBIT_SIGNING_KEY`); its public key must still be in the
    /// directory's trust list.
    pub signing_seed: Option<zeroize::Zeroizing<[u8; 32]>>,
    /// Told (documents written, documents to write) after each chunk
    /// reaches the disk; the CLI draws a progress bar with it.
    pub progress: Option<Progress>,
    /// The next kind is read, validated and numbered while this one's
    /// documents are made only if both kinds' batch rows together are at
    /// most this many ([`AHEAD_MAX_ROWS`] by default; 0: one kind at a
    /// time, the least memory). The output is the same either way.
    pub ahead_max_rows: u64,
}

/// A progress callback; called from the writer thread.
pub type Progress = std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>;

/// Epoch seconds of a date's start in UTC: the issue time used when only
/// an issue date is given (documents are dated by day; keys' windows start
/// at a day's start too).
pub fn midnight_utc(d: NaiveDate) -> i64 {
    d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}

impl RunSummary {
    fn rule_percentages(&mut self) {
        let apps = self.applications.max(1) as f64;
        self.rejects_by_rule_percent =
            self.rejects_by_rule.iter().map(|(k, n)| (k.clone(), (*n as f64 * 10_000.0 / apps).round() / 100.0)).collect();
    }
}

impl IssueOptions {
    /// The embedded defaults (Kabupaten Kediri, the embedded templates, the
    /// register at `<out>/register.sqlite`, issued at midnight UTC of the
    /// issue date, no reject threshold) for one batch file.
    pub fn defaults(batch: PathBuf, keys_dir: PathBuf, out: PathBuf, issue_date: NaiveDate) -> IssueOptions {
        IssueOptions {
            batch: vec![batch],
            keys_dir,
            region: Region::kediri(),
            templates: Templates::embedded(),
            kind: None,
            register: out.join("register.sqlite"),
            out,
            issue_date,
            issued_at: midnight_utc(issue_date),
            max_reject_rate: None,
            signing_seed: None,
            progress: None,
            ahead_max_rows: AHEAD_MAX_ROWS,
        }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub run_dir: PathBuf,
    /// Applications (a family card's members count as one), input rows.
    pub applications: usize,
    pub rows: usize,
    pub issued: usize,
    /// Of `issued`: numbered by an earlier attempt of this same run.
    pub resumed: usize,
    pub rejected: usize,
    pub reject_rows: usize,
    pub rejects_by_rule: BTreeMap<String, usize>,
    /// Per rule: its rejects as a percentage of the applications.
    pub rejects_by_rule_percent: BTreeMap<String, f64>,
    pub applications_by_kind: BTreeMap<String, usize>,
    pub issued_by_kind: BTreeMap<String, usize>,
    pub issued_by_service_point: BTreeMap<String, usize>,
    /// Merged print files, one per service point: path relative to the run.
    pub print_files: BTreeMap<String, String>,
    pub seconds_by_stage: BTreeMap<String, f64>,
    /// Where the seal + render + write stage's time goes: seconds of work
    /// per step summed over the threads that do it (seal, qr, render and
    /// file — writing the document's own PDF — on the rayon workers; write
    /// — manifest, print files, register — on the sink thread). Wall time is
    /// `seconds_by_stage["seal_render_write"]`.
    pub busy_seconds: BTreeMap<String, f64>,
    /// Per rule, its first few rejects (in input order), for the report.
    pub reject_examples: BTreeMap<String, Vec<RejectExample>>,
    pub warnings: Vec<String>,
    pub kid: String,
    /// Root of the batch seal over the manifest (seal.json).
    pub merkle_root: String,
}

/// A reject as the report quotes it.
#[derive(Debug, Clone, Serialize)]
pub struct RejectExample {
    pub source: String,
    pub application_id: String,
    pub field: String,
    pub value: String,
    pub message: String,
}

/// One document to make: values in the template's field order (from the
/// subject row, plus derived values) and, for group kinds, each member row
/// in the template's member-field order.
pub struct DocInput {
    pub number: String,
    pub values: Vec<String>,
    pub members: Vec<Vec<String>>,
}

/// One kind's share of the run.
struct KindRun<'a> {
    template: &'a Template,
    batch: Batch,
    validated: Validated,
    cols: Vec<StringChunked>,
    /// Accepted applications: their batch rows, subject row first, and
    /// their application index in the batch.
    apps: Vec<Vec<usize>>,
    app_index: Vec<usize>,
    register_rejects: Vec<Reject>,
    /// (application index in `apps`, number) in order.
    to_issue: Vec<(usize, String)>,
}

/// The next kind is prepared while this one's documents are made only if
/// the two kinds' batch rows together are at most this many. Reading and
/// validating holds ~1.3 KB per row at its peak (polars' string columns
/// and the rules' working columns; measured on the 1,000,000-application
/// batch, whose family-card file alone has ~620,000 rows): two such kinds
/// at once would take that night near 1 GB, so big kinds are prepared
/// after the one before has released its rows. A nightly batch of the
/// size the districts report (219,293 applications, no kind over 140,000
/// rows) always overlaps.
pub const AHEAD_MAX_ROWS: u64 = 500_000;

/// Derived fields every document of a run shares (of one kind: the expiry
/// date follows the issue date). Texts made only of these are drawn once
/// per run ([`Renderer::with_run_values`]).
const RUN_FIELDS: &[&str] = &[
    "issue_date", "region_name", "province", "place_of_issue", "office", "official_title", "official_name", "official_nip", "kid",
    "expiry_date",
];

/// The run's shared fields of `t`: (field index, value).
pub fn run_values(t: &Template, region: &Region, issue_date: NaiveDate, kid: &str) -> Vec<(usize, String)> {
    let inputs = t.schema.names().count();
    let derived = derive(t, region, &vec![String::new(); inputs], "", issue_date, kid, 0);
    DERIVED
        .iter()
        .zip(derived)
        .enumerate()
        .filter(|(_, (name, _))| RUN_FIELDS.contains(name))
        .map(|(i, (_, value))| (inputs + i, value))
        .collect()
}

/// Derived values, appended to the input values in [`DERIVED`] order, then
/// the village parts of each village column.
pub fn derive(t: &Template, region: &Region, row: &[String], number: &str, issue_date: NaiveDate, kid: &str, members: usize) -> Vec<String> {
    let r = reference();
    let expiry = t.record.expiry_date(issue_date).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let sp = &row[t.schema.service_point];
    let mut out = Vec::with_capacity(DERIVED.len() + 8);
    for name in DERIVED {
        out.push(match *name {
            "document_number" => number.to_string(),
            "issue_date" => issue_date.format("%Y-%m-%d").to_string(),
            "region_name" => region.name.clone(),
            "province" => region.province.clone(),
            "place_of_issue" => region.place_of_issue.clone(),
            "office" => region.office.clone(),
            "official_title" => region.official.title.clone(),
            "official_name" => region.official.name.clone(),
            "official_nip" => region.official.nip.clone(),
            "service_point_name" => region.service_point(sp).map(|s| s.name.clone()).unwrap_or_default(),
            "kid" => kid.to_string(),
            "member_count" => members.to_string(),
            "expiry_date" => expiry.clone(),
            // Filled per page by the renderer.
            _ => String::new(),
        });
    }
    for c in t.schema.village_columns() {
        let v = row[c].as_str();
        let village = r.villages.get(v);
        let district = v.get(..6).and_then(|d| r.districts.get(d));
        let regency = v.get(..4).and_then(|d| r.regencies.get(d));
        let province = v.get(..2).and_then(|d| r.provinces.get(d));
        for a in [village, district, regency, province] {
            out.push(a.map(|a| a.name.clone()).unwrap_or_default());
        }
    }
    out
}

/// The signed record of a document (DESIGN §5), as the template's
/// `[record]` declares it.
pub fn claims_for(t: &Template, doc: &DocInput, issuer: &str, issued_at: i64, issue_date: NaiveDate) -> Claims {
    let rec = &t.record;
    let opt = |x: &Option<crate::kind::template::Text>| x.as_ref().map(|x| x.fill(&doc.values)).filter(|s| !s.is_empty());
    let mut extra = BTreeMap::new();
    for (key, text, int) in &rec.extra {
        let v = text.fill(&doc.values);
        if v.is_empty() {
            continue;
        }
        extra.insert(*key, match (int, v.parse::<i64>()) {
            (true, Ok(n)) => Extra::Int(n),
            _ => Extra::Text(v),
        });
    }
    let mut record = Record {
        kind: rec.code,
        number: doc.number.clone(),
        nik: rec.nik.fill(&doc.values),
        name: rec.name.fill(&doc.values),
        birth_date: opt(&rec.birth_date),
        birth_place: opt(&rec.birth_place),
        issue_date: issue_date.format("%Y-%m-%d").to_string(),
        extra,
        ..Default::default()
    };
    if let Some(m) = &rec.member_nik {
        let niks: Vec<String> = doc.members.iter().map(|row| m.fill(row)).collect();
        let list = match rec.members {
            MembersInRecord::Always => true,
            MembersInRecord::Several => niks.len() > 1,
            MembersInRecord::Never => false,
        };
        if list || rec.member_digest {
            record.member_count = Some(niks.len() as u64);
        }
        if rec.member_digest {
            let d = Sha256::digest(niks.join("\n").as_bytes());
            let mut digest = [0u8; 16];
            digest.copy_from_slice(&d[..16]);
            record.member_digest = Some(digest);
        }
        if list {
            record.related = niks;
        }
    }
    let expiry = rec.expiry_date(issue_date).map(midnight_utc);
    Claims { issuer: issuer.to_string(), issued_at, expiry, record }
}

/// Nanoseconds of work per step of the document stage, summed over threads.
#[derive(Default)]
pub struct StepClock {
    seal: AtomicU64,
    qr: AtomicU64,
    render: AtomicU64,
    /// Workers writing documents' own files.
    file: AtomicU64,
    /// The sink: manifest, print files, register.
    write: AtomicU64,
}

impl StepClock {
    fn add(counter: &AtomicU64, since: Instant) -> Instant {
        let now = Instant::now();
        counter.fetch_add((now - since).as_nanos() as u64, Ordering::Relaxed);
        now
    }

    fn seconds(&self) -> BTreeMap<String, f64> {
        [
            ("seal", &self.seal),
            ("qr", &self.qr),
            ("render", &self.render),
            ("file", &self.file),
            ("write", &self.write),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.load(Ordering::Relaxed) as f64 / 1e9))
        .collect()
    }
}

/// Seal and render one document: what the sink records of it, and its
/// PDF. Pure: the same input gives the same bytes.
pub fn make_document(
    doc: &DocInput,
    t: &Template,
    signer: &Signer,
    renderer: &Renderer,
    opts: &IssueOptions,
) -> Result<(IssuedDoc, Vec<u8>)> {
    make_document_timed(doc, t, signer, renderer, opts, &StepClock::default())
}

fn make_document_timed(
    doc: &DocInput,
    t: &Template,
    signer: &Signer,
    renderer: &Renderer,
    opts: &IssueOptions,
    clock: &StepClock,
) -> Result<(IssuedDoc, Vec<u8>)> {
    let t0 = Instant::now();
    let claims = claims_for(t, doc, &opts.region.code, opts.issued_at, opts.issue_date);
    let text = dk1::seal(&claims, signer);
    let t0 = StepClock::add(&clock.seal, t0);
    let matrix = qr::encode(&text).map_err(|e| Error::Render { document: doc.number.clone(), message: e.to_string() })?;
    let t0 = StepClock::add(&clock.qr, t0);
    let rendered = renderer.render_objects(&Document {
        values: &doc.values,
        members: &doc.members,
        number: &doc.number,
        qr: &matrix,
        issue_date: opts.issue_date,
    });
    StepClock::add(&clock.render, t0);
    let (pdf, fragment) = rendered?;
    let service_point = doc.values[t.schema.service_point].clone();
    let doc = IssuedDoc {
        file: format!("{service_point}/{}/{}.pdf", t.kind, doc.number),
        number: doc.number.clone(),
        application_id: doc.values[t.schema.id].clone(),
        kind: t.kind.clone(),
        nik: claims.record.nik.clone(),
        service_point,
        sha256: hex::encode(Sha256::digest(&pdf)),
        qr: text,
        fragment,
    };
    Ok((doc, pdf))
}

fn string_columns(t: &Template, df: &DataFrame) -> Result<Vec<StringChunked>> {
    t.schema
        .names()
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

/// Group the accepted rows into applications (in order of first row), the
/// subject row first: the head of a family card, else the first row.
fn applications(t: &Template, v: &Validated, cols: &[StringChunked]) -> (Vec<Vec<usize>>, Vec<usize>) {
    let mut index: BTreeMap<usize, usize> = BTreeMap::new();
    let mut apps: Vec<Vec<usize>> = Vec::new();
    let mut app_index = Vec::new();
    for (row, app) in v.accepted_rows.iter().zip(&v.accepted_apps) {
        let k = *index.entry(*app).or_insert_with(|| {
            apps.push(Vec::new());
            app_index.push(*app);
            apps.len() - 1
        });
        apps[k].push(*row);
    }
    if let Some((hc, hv)) = &t.schema.head {
        for rows in &mut apps {
            if let Some(p) = rows.iter().position(|r| cols[*hc].get(*r) == Some(hv.as_str())) {
                let head = rows.remove(p);
                rows.insert(0, head);
            }
        }
    }
    (apps, app_index)
}

/// Sort the files into kinds by their headers, in the order given (only
/// headers are read here: a kind's rows are read when it is validated).
fn files_by_kind(opts: &IssueOptions) -> Result<Vec<(&Template, Vec<usize>)>> {
    let mut by_kind: Vec<(&Template, Vec<usize>)> = Vec::new();
    for (i, path) in opts.batch.iter().enumerate() {
        let t = match &opts.kind {
            Some(k) => opts.templates.get(k).ok_or_else(|| Error::Usage(format!("--kind {k:?}: no template for that kind")))?,
            None => opts.templates.kind_of_header(&batch::header(path)?).map_err(|m| Error::batch(path, m))?,
        };
        match by_kind.iter_mut().find(|(k, _)| k.kind == t.kind) {
            Some((_, files)) => files.push(i),
            None => by_kind.push((t, vec![i])),
        }
    }
    if by_kind.is_empty() {
        return Err(Error::Usage("no batch file given".into()));
    }
    Ok(by_kind)
}

/// Read and validate one kind's files (`indexes` into the batch list).
fn read_and_validate_kind<'a>(
    opts: &'a IssueOptions,
    template: &'a Template,
    indexes: &[usize],
    shas: &mut [[u8; 32]],
    summary: &mut RunSummary,
) -> Result<KindRun<'a>> {
    let ctx = Context { region: &opts.region, issue_date: opts.issue_date };
    let t0 = Instant::now();
    let mut raw: Vec<RawFile> = Vec::with_capacity(indexes.len());
    for &i in indexes {
        let r = batch::read_raw(&opts.batch[i])?;
        tracing::info!("{}: {} rows of kind {}", opts.batch[i].display(), r.rows(), template.kind);
        // The run was named by the files' content read before: a file
        // changed since would mix two batches under one name.
        if shas[i] != [0; 32] && shas[i] != r.sha256 {
            return Err(Error::batch(&opts.batch[i], "the file changed while the run was reading it; run again".to_string()));
        }
        shas[i] = r.sha256;
        raw.push(r);
    }
    let mut batch = batch::assemble(raw, &Columns::of(&template.schema))?;
    summary.warnings.extend(batch.warnings.iter().cloned());
    *summary.seconds_by_stage.entry("read".into()).or_default() += t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let validated = validate::validate(&mut batch, &template.schema, &ctx)?;
    let cols = string_columns(template, &validated.cleaned)?;
    let (apps, app_index) = applications(template, &validated, &cols);
    *summary.seconds_by_stage.entry("validate".into()).or_default() += t0.elapsed().as_secs_f64();
    Ok(KindRun { template, batch, validated, cols, apps, app_index, register_rejects: Vec::new(), to_issue: Vec::new() })
}

fn count_kind(summary: &mut RunSummary, k: &KindRun) {
    summary.applications += k.validated.applications;
    summary.rows += k.validated.rows;
    *summary.applications_by_kind.entry(k.template.kind.clone()).or_default() += k.validated.applications;
}

/// Read and validate every batch file: the stages before anything is
/// numbered. Returns the kinds in the order their first file was given.
fn read_and_validate<'a>(opts: &'a IssueOptions, summary: &mut RunSummary) -> Result<Vec<KindRun<'a>>> {
    let files = files_by_kind(opts)?;
    let mut shas: Vec<[u8; 32]> = vec![[0; 32]; opts.batch.len()];
    let mut kinds = Vec::new();
    // One kind at a time: its raw frame is released once validated, before
    // the next kind's is assembled.
    for (template, indexes) in files {
        let k = read_and_validate_kind(opts, template, &indexes, &mut shas, summary)?;
        count_kind(summary, &k);
        kinds.push(k);
    }
    Ok(kinds)
}

/// A kind's rejects for `rejects.csv`, in input order (validation's and the
/// register's together), and which applications they reject.
struct KindRejects {
    rejects: Vec<Reject>,
    rejected_apps: BTreeSet<usize>,
}

impl KindRejects {
    fn of(k: KindRun) -> KindRejects {
        let mut rejects = k.validated.rejects;
        rejects.extend(k.register_rejects);
        rejects.sort_by_key(|r| r.row);
        let rejected_apps = rejects.iter().map(|r| r.app).collect();
        KindRejects { rejects, rejected_apps }
    }
}

/// Read and validate only (a dry run before the night, and the validation
/// benchmark): counts and rejects by rule in the summary, nothing written.
pub fn check(opts: &IssueOptions) -> Result<(RunSummary, Vec<Reject>)> {
    let mut summary = RunSummary::default();
    let kinds = read_and_validate(opts, &mut summary)?;
    let mut rejects = Vec::new();
    for k in kinds {
        summary.rejected += k.validated.rejected_applications;
        rejects.extend(k.validated.rejects);
    }
    for r in &rejects {
        *summary.rejects_by_rule.entry(r.rule.to_string()).or_default() += 1;
    }
    summary.reject_rows = rejects.len();
    summary.rule_percentages();
    Ok((summary, rejects))
}

/// Run the whole job.
///
/// Kinds go through one after another, each end to end (read, validate,
/// number, seal + render + write), the next one read, validated and
/// numbered while this one's documents are made when both are small
/// enough ([`IssueOptions::ahead_max_rows`]); so at most two kinds' rows are held at a
/// time: a 1,000,000-application night stays within bounded memory.
pub fn issue(opts: &IssueOptions) -> Result<RunSummary> {
    let mut summary = RunSummary::default();
    let files = files_by_kind(opts)?;
    // The run is named by its date and batch content: the same batch on the
    // same day is the same run, so a re-run resumes instead of re-issuing.
    let t0 = Instant::now();
    let mut shas = Vec::with_capacity(opts.batch.len());
    let mut rows = Vec::with_capacity(opts.batch.len());
    let mut empty = Vec::new();
    for path in &opts.batch {
        let f = batch::fingerprint(path)?;
        shas.push(f.sha256);
        rows.push(f.rows);
        if !f.has_rows {
            empty.push(path);
        }
    }
    // A header with no rows is a day without applications of that kind,
    // unless every file is so: then the export most likely failed.
    if empty.len() == opts.batch.len() {
        let names: Vec<String> = empty.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Refused(format!(
            "{}: no rows below the header; nothing to issue. Check that the export ran (an empty export?)",
            names.join(", ")
        )));
    }
    for path in empty {
        summary.warnings.push(format!("{}: header only, no applications of its kind in this batch", path.display()));
    }
    summary.seconds_by_stage.insert("read".into(), t0.elapsed().as_secs_f64());
    let mut run_hash = Sha256::new();
    for sha in &shas {
        run_hash.update(sha);
    }
    summary.run_id = format!("{}-{}", opts.issue_date.format("%Y%m%d"), &hex::encode(run_hash.finalize())[..8]);
    summary.run_dir = opts.out.join(&summary.run_id);

    // A batch that looks broken (a wrong export, a shifted column) is
    // refused whole, before anything is numbered; its rejects show why.
    // That needs every kind validated first: this pass keeps only counts
    // and rejects, and the kinds are read again below.
    if let Some(max) = opts.max_reject_rate {
        let mut pre = RunSummary { run_id: summary.run_id.clone(), run_dir: summary.run_dir.clone(), ..RunSummary::default() };
        let mut rejected = Vec::new();
        for (template, indexes) in &files {
            let k = read_and_validate_kind(opts, template, indexes, &mut shas, &mut pre)?;
            count_kind(&mut pre, &k);
            rejected.push(KindRejects::of(k));
        }
        let count: usize = rejected.iter().map(|k| k.rejected_apps.len()).sum();
        let rate = count as f64 / pre.applications.max(1) as f64;
        if rate > max {
            write_rejects_and_report(&mut pre, &rejected)?;
            return Err(Error::Refused(format!(
                "{:.1}% of the {} applications were rejected, above --max-reject-rate {:.1}%: nothing was issued. \
                 Check the export, then see {} for the reasons",
                rate * 100.0,
                pre.applications,
                max * 100.0,
                pre.run_dir.join("rejects.csv").display()
            )));
        }
    }
    let signer = match &opts.signing_seed {
        Some(seed) => keys::signer_from_seed(&opts.keys_dir, &opts.region.code, opts.issued_at, seed, KEY_ENV)?,
        None => keys::signer_for(&opts.keys_dir, &opts.region.code, opts.issued_at)?,
    };
    summary.kid = hex::encode(signer.kid);

    let mut sink = Sink::create(&summary.run_dir, Register::open(&opts.register)?)?;
    // The next kind is read, validated and numbered (on a second register
    // connection) while this kind's documents are made: between kinds the
    // cores no longer wait on one thread's reading and numbering.
    let mut numbering = Register::open(&opts.register)?;
    for r in [&numbering, sink.register()] {
        // Either connection may wait for the other's transaction: the
        // sink's marks are short, numbering a kind takes seconds at most.
        r.wait_for_lock(std::time::Duration::from_secs(300))?;
    }
    let clock = StepClock::default();
    let mut done: Vec<KindRejects> = Vec::new();
    let mut total = 0;
    let run_id = summary.run_id.clone();
    let kid = summary.kid.clone();
    let (t, indexes) = &files[0];
    let mut next = Some(prepare_kind(opts, t, indexes, &mut shas, &run_id, &mut numbering)?);
    let rows_of = |indexes: &[usize]| indexes.iter().map(|i| rows[*i]).sum::<u64>();
    let mut rows_now = rows_of(indexes);
    let mut following = files.iter().skip(1);
    while let Some((k, part)) = next.take() {
        summary.warnings.extend(part.warnings);
        for (stage, secs) in part.seconds_by_stage {
            *summary.seconds_by_stage.entry(stage).or_default() += secs;
        }
        summary.resumed += part.resumed;
        count_kind(&mut summary, &k);

        let t0 = Instant::now();
        total += k.to_issue.len();
        let after = following.next();
        let rows_next = after.map_or(0, |(_, indexes)| rows_of(indexes));
        let ahead = after.filter(|_| rows_now + rows_next <= opts.ahead_max_rows);
        rows_now = rows_next;
        let (issued, prepared) = std::thread::scope(|scope| {
            let preparing = ahead.map(|(t, indexes)| {
                std::thread::Builder::new()
                    .name("terbit-prepare".into())
                    .spawn_scoped(scope, || prepare_kind(opts, t, indexes, &mut shas, &run_id, &mut numbering))
            });
            let issued = issue_kind(&k, opts, &signer, &kid, &mut sink, &clock, total);
            let prepared = preparing.map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|_| Err(Error::Usage("the thread preparing the next kind panicked".into()))),
                Err(e) => Err(Error::Usage(format!("cannot start a thread to prepare the next kind: {e}"))),
            });
            (issued, prepared)
        });
        issued?;
        next = prepared.transpose()?;
        *summary.seconds_by_stage.entry("seal_render_write".into()).or_default() += t0.elapsed().as_secs_f64();

        for (a, _) in &k.to_issue {
            let first = k.apps[*a][0];
            *summary.issued_by_service_point.entry(get(&k.cols, k.template.schema.service_point, first)).or_default() += 1;
        }
        *summary.issued_by_kind.entry(k.template.kind.clone()).or_default() += k.to_issue.len();
        // The kind's rows are released here; its rejects stay for the report.
        done.push(KindRejects::of(k));
        if let (None, Some((t, indexes))) = (&next, after) {
            next = Some(prepare_kind(opts, t, indexes, &mut shas, &run_id, &mut numbering)?);
        }
    }
    drop(numbering);
    let t0 = Instant::now();
    let written = sink.written;
    let finished = sink.finish()?;
    drop(finished.register);
    // The durability sync is its own stage: it is the disk's time, not ours.
    *summary.seconds_by_stage.entry("seal_render_write".into()).or_default() += t0.elapsed().as_secs_f64() - finished.sync_seconds;
    summary.seconds_by_stage.insert("sync".into(), finished.sync_seconds);
    summary.busy_seconds = clock.seconds();
    tracing::debug!(busy = ?summary.busy_seconds, "document stage, seconds of work per step");
    summary.print_files = finished.print_files;
    // The batch seal: one signature over every document's number and bytes.
    let seal = BatchSeal::make(&summary.run_id, opts.issued_at, &finished.leaves, &finished.manifest_sha256, &finished.print_digests, &signer);
    sink::write_atomic(&summary.run_dir.join("seal.json"), seal.to_json().as_bytes())?;
    summary.merkle_root = seal.merkle_root;
    summary.issued = written;
    write_rejects_and_report(&mut summary, &done)?;
    Ok(summary)
}

/// Read, validate and number one kind; also what that adds to the run's
/// summary (warnings, seconds per stage, resumed applications).
fn prepare_kind<'a>(
    opts: &'a IssueOptions,
    template: &'a Template,
    indexes: &[usize],
    shas: &mut [[u8; 32]],
    run_id: &str,
    register: &mut Register,
) -> Result<(KindRun<'a>, RunSummary)> {
    let mut part = RunSummary::default();
    let mut k = read_and_validate_kind(opts, template, indexes, shas, &mut part)?;
    let t0 = Instant::now();
    number_kind(&mut k, opts, run_id, register, &mut part.resumed)?;
    part.seconds_by_stage.insert("number".into(), t0.elapsed().as_secs_f64());
    Ok((k, part))
}

/// Seal, render and write one kind's numbered applications on rayon
/// workers; record them on one thread, in order, behind a bounded channel.
fn issue_kind(
    k: &KindRun,
    opts: &IssueOptions,
    signer: &Signer,
    kid_hex: &str,
    sink: &mut Sink,
    clock: &StepClock,
    total: usize,
) -> Result<()> {
    let renderer = Renderer::new(k.template.clone(), &opts.region)?.with_run_values(&run_values(k.template, &opts.region, opts.issue_date, kid_hex));
    let (tx, rx) = crossbeam_channel::bounded::<Vec<IssuedDoc>>(CHANNEL_CHUNKS);
    let progress = opts.progress.clone();
    let files = sink.files();
    std::thread::scope(|scope| -> Result<()> {
        // Named, so that `top -H` and profiles tell the threads apart.
        let writer = std::thread::Builder::new()
            .name("terbit-sink".into())
            .spawn_scoped(scope, move || -> Result<()> {
                for chunk in rx {
                    let t = Instant::now();
                    sink.write_chunk(chunk)?;
                    StepClock::add(&clock.write, t);
                    if let Some(p) = &progress {
                        p(sink.written, total);
                    }
                }
                Ok(())
            })
            .map_err(|e| Error::Usage(format!("cannot start the writer thread: {e}")))?;
        let produced = (|| -> Result<()> {
            for chunk in k.to_issue.chunks(CHUNK) {
                // Gathering a document's values happens on the workers too.
                let docs = chunk
                    .par_iter()
                    .map(|(a, number)| {
                        let input = doc_input(k, opts, *a, number, kid_hex);
                        let (doc, pdf) = make_document_timed(
                            &input, k.template, signer, &renderer, opts, clock,
                        )?;
                        let t = Instant::now();
                        files.write(&doc.file, &pdf)?;
                        StepClock::add(&clock.file, t);
                        Ok(doc)
                    })
                    .collect::<Result<Vec<_>>>()?;
                if tx.send(docs).is_err() {
                    // The writer stopped: its error is reported below.
                    return Ok(());
                }
            }
            Ok(())
        })();
        drop(tx);
        writer.join().map_err(|_| Error::Usage("writer thread panicked".into()))??;
        produced
    })
}

/// Number one kind's accepted applications; register-level refusals
/// become rejects of the application's subject row.
fn number_kind(k: &mut KindRun, opts: &IssueOptions, run_id: &str, register: &mut Register, resumed: &mut usize) -> Result<()> {
    let t = k.template;
    let s = &t.schema;
    let col = |name: &Option<String>| name.as_ref().and_then(|n| s.index(n));
    let late = col(&t.number.late_date);
    let district = col(&t.number.district_from);
    let letters: Vec<&str> = k
        .apps
        .iter()
        .map(|rows| {
            let is_late = late
                .and_then(|c| k.cols[c].get(rows[0]))
                .and_then(validate::parse_date)
                .zip(t.number.late_after_days)
                .is_some_and(|(d, days)| validate::is_late(d, opts.issue_date, days));
            match (&t.number.late_letters, is_late) {
                (Some(l), true) => l.as_str(),
                _ => t.number.letters.as_str(),
            }
        })
        .collect();
    let scopes: Vec<String> = k
        .apps
        .iter()
        .map(|rows| match (t.number.style, district) {
            (NumberStyle::FamilyCard, Some(c)) => k.cols[c].get(rows[0]).unwrap_or("").chars().take(6).collect(),
            _ => opts.region.code.clone(),
        })
        .collect();
    let pending: Vec<Pending> = k
        .apps
        .iter()
        .enumerate()
        .map(|(a, rows)| Pending {
            application_id: k.cols[s.id].get(rows[0]).unwrap_or(""),
            nik: k.cols[s.subject].get(rows[0]).unwrap_or(""),
            letters: letters[a],
            scope: &scopes[a],
            service_point: k.cols[s.service_point].get(rows[0]).unwrap_or(""),
        })
        .collect();
    // A document that expires stops blocking a new one once it has expired.
    let active_from = t.record.expiry_days.and_then(|d| opts.issue_date.checked_sub_days(Days::new(d.max(0) as u64)));
    let numbered = register.number(run_id, &t.kind, &opts.region.code, opts.issue_date, t.number.style, active_from, &pending)?;
    drop(pending);
    let subject = &s.columns[s.subject].name;
    for (a, num) in numbered.into_iter().enumerate() {
        let first = k.apps[a][0];
        let row = first;
        let reject = |rule: &'static str, field: &str, value: String, message: String| Reject {
            row,
            app: k.app_index[a],
            source: k.batch.source(row),
            rule,
            field: field.to_string(),
            value,
            message,
            application_id: get(&k.cols, s.id, first),
        };
        match num {
            Numbered::New { number } => k.to_issue.push((a, number)),
            Numbered::Resumed { number } => {
                *resumed += 1;
                k.to_issue.push((a, number))
            }
            Numbered::SubjectActive { number } => {
                let who = get(&k.cols, s.subject, first);
                let message = format!(
                    "{who} sudah memiliki {} {number} yang masih berlaku / {who} already holds {} {number}, still active; \
                     revoke it first (terbit revoke) if it must be replaced",
                    t.title, t.kind
                );
                k.register_rejects.push(reject("SUBJECT_ACTIVE", subject, who, message));
            }
            Numbered::AlreadyIssued { number, run_id, written } => {
                let id = get(&k.cols, s.id, first);
                let message = if written {
                    format!("permohonan {id} sudah diterbitkan sebagai {number} / application {id} was already issued as {number} (run {run_id})")
                } else {
                    format!(
                        "permohonan {id} sudah bernomor {number} pada run {run_id} yang belum selesai / application {id} \
                         was numbered {number} by run {run_id}, which stopped before writing it: re-run that run's batch to finish it"
                    )
                };
                k.register_rejects.push(reject("ALREADY_ISSUED", &s.columns[s.id].name, id, message));
            }
        }
    }
    Ok(())
}

fn doc_input(k: &KindRun, opts: &IssueOptions, app: usize, number: &str, kid: &str) -> DocInput {
    let t = k.template;
    let rows = &k.apps[app];
    let ncols = k.cols.len();
    let row_values = |r: usize| -> Vec<String> { (0..ncols).map(|c| get(&k.cols, c, r)).collect() };
    let mut values = row_values(rows[0]);
    let members: Vec<Vec<String>> = if t.schema.group {
        // Table order: the input order of the rows (the head first).
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                // Member fields are the columns, then `row_no` (Schema::member_fields).
                let mut m = row_values(*r);
                m.push((i + 1).to_string());
                m
            })
            .collect()
    } else {
        Vec::new()
    };
    let extra = derive(t, &opts.region, &values, number, opts.issue_date, kid, rows.len());
    values.extend(extra);
    debug_assert_eq!(values.len(), t.fields.len());
    DocInput { number: number.to_string(), values, members }
}

/// One `rejects.csv` row (DESIGN §7 columns, formulas neutralised).
fn reject_line(r: &Reject) -> String {
    csvout::line([r.application_id.as_str(), r.source.as_str(), r.rule, r.field.as_str(), r.value.as_str(), r.message.as_str()])
}

/// Rejects as `rejects.csv` text.
pub fn rejects_csv(rejects: &[Reject]) -> String {
    let mut text = csvout::line(sink::REJECTS_HEADER);
    for r in rejects {
        text.push_str(&reject_line(r));
    }
    text
}

/// `rejects.csv` (one row per violated rule) and `report.json`.
fn write_rejects_and_report(summary: &mut RunSummary, kinds: &[KindRejects]) -> Result<()> {
    let t = Instant::now();
    std::fs::create_dir_all(&summary.run_dir).map_err(|e| Error::io(&summary.run_dir, e))?;
    let mut text = csvout::line(sink::REJECTS_HEADER);
    summary.rejects_by_rule.clear();
    summary.reject_rows = 0;
    summary.rejected = 0;
    summary.reject_examples.clear();
    for k in kinds {
        for r in &k.rejects {
            text.push_str(&reject_line(r));
            *summary.rejects_by_rule.entry(r.rule.to_string()).or_default() += 1;
            summary.reject_rows += 1;
            let examples = summary.reject_examples.entry(r.rule.to_string()).or_default();
            if examples.len() < crate::output::report::EXAMPLES_PER_RULE {
                examples.push(RejectExample {
                    source: r.source.clone(),
                    application_id: r.application_id.clone(),
                    field: r.field.clone(),
                    value: r.value.clone(),
                    message: r.message.clone(),
                });
            }
        }
        summary.rejected += k.rejected_apps.len();
    }
    sink::write_atomic(&summary.run_dir.join("rejects.csv"), text.as_bytes())?;
    summary.rule_percentages();
    summary.seconds_by_stage.insert("report".into(), t.elapsed().as_secs_f64());
    let mut report = serde_json::to_string_pretty(&summary).map_err(|e| Error::Usage(e.to_string()))?;
    report.push('\n');
    sink::write_atomic(&summary.run_dir.join("report.json"), report.as_bytes())?;
    sink::write_atomic(&summary.run_dir.join("report.html"), crate::output::report::html(summary).as_bytes())
}

/// A document of `t` with every value set to its field's name, the number
/// in place, then `set` applied (for tests and benchmarks).
pub fn placeholder_document(t: &Template, number: &str, set: &[(&str, &str)]) -> DocInput {
    let mut values: Vec<String> = t.fields.clone();
    let mut put = |name: &str, v: &str| {
        if let Some(i) = t.field(name) {
            values[i] = v.to_string();
        }
    };
    put("document_number", number);
    for (k, v) in set {
        put(k, v);
    }
    let members = if t.schema.group {
        let mut m = t.schema.member_fields();
        if let Some(last) = m.last_mut() {
            *last = "1".into();
        }
        vec![m]
    } else {
        Vec::new()
    };
    DocInput { number: number.to_string(), values, members }
}
