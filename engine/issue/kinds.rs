//! One kind's share of a run: its files read and validated, its accepted
//! rows grouped into applications, and those numbered in the register.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::Days;
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::input::batch::{self, Batch, Columns, RawFile};
use crate::input::messages::{self, Env, Msg};
use crate::input::rules::Rule;
use crate::input::validate::{self, Context, Reject, Validated};
use crate::kind::schema::NumberStyle;
use crate::kind::template::Template;
use crate::numbering::register::{self, Numbered, Pending, Register, Shared};
use crate::numbering::replica::Replica;
use crate::output::summary::RunSummary;

use super::options::IssueOptions;

/// One kind's share of the run.
pub(super) struct KindRun<'a> {
    pub(super) template: &'a Template,
    pub(super) batch: Batch,
    pub(super) validated: Validated,
    pub(super) cols: Vec<StringChunked>,
    /// Accepted applications: their batch rows, subject row first, and
    /// their application index in the batch.
    pub(super) apps: Vec<Vec<usize>>,
    pub(super) app_index: Vec<usize>,
    pub(super) register_rejects: Vec<Reject>,
    /// (application index in `apps`, number) in order.
    pub(super) to_issue: Vec<(usize, String)>,
    /// Applications the register refused as ALREADY_ISSUED, per run that
    /// issued them (to say "yesterday's export again", naming the run).
    pub(super) already_issued_by: BTreeMap<String, usize>,
}

fn string_columns(t: &Template, df: &DataFrame) -> Result<Vec<StringChunked>> {
    t.schema
        .names()
        .map(|c| {
            df.column(c)
                .and_then(|s| s.str().cloned())
                .map_err(|e| Error::Frame { what: "validated batch", message: e.to_string() })
        })
        .collect()
}

pub(super) fn get(cols: &[StringChunked], c: usize, i: usize) -> String {
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

/// Sort the files into kinds by their headers (`headers[i]` is file i's),
/// in the order given.
pub(super) fn files_by_kind<'a>(opts: &'a IssueOptions, headers: &[Vec<String>]) -> Result<Vec<(&'a Template, Vec<usize>)>> {
    let mut by_kind: Vec<(&Template, Vec<usize>)> = Vec::new();
    for (i, (path, header)) in opts.batch.iter().zip(headers).enumerate() {
        let t = match &opts.kind {
            Some(k) => opts.templates.get(k).ok_or_else(|| Error::Usage(format!("--kind {k:?}: no template for that kind")))?,
            None => opts.templates.kind_of_header(header).map_err(|e| Error::batch(path, e.0))?,
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
pub(super) fn read_and_validate_kind<'a>(
    opts: &'a IssueOptions,
    template: &'a Template,
    indexes: &[usize],
    shas: &mut [[u8; 32]],
    summary: &mut RunSummary,
) -> Result<KindRun<'a>> {
    let ctx = Context { region: &opts.region, issue_date: opts.issue_date, can_print: crate::pdf::fonts::can_draw };
    let t0 = Instant::now();
    let mut raw: Vec<RawFile> = Vec::with_capacity(indexes.len());
    for &i in indexes {
        let r = batch::read_raw(&opts.batch[i], Some(&Columns::of(&template.schema)))?;
        tracing::info!("{}: {} rows of kind {}", crate::util::show::clip_shown(&opts.batch[i].display().to_string(), 200), r.rows(), template.kind);
        // The run was named by the files' content read before: a file
        // changed since would mix two batches under one name.
        if shas[i] != [0; 32] && shas[i] != r.sha256 {
            return Err(Error::batch(&opts.batch[i], "the file changed while the run was reading it; run again".to_string()));
        }
        shas[i] = r.sha256;
        raw.push(r);
    }
    let mut batch = batch::assemble(raw, &Columns::of(&template.schema), opts.region.utc_offset_hours)?;
    summary.warnings.extend(batch.warnings.iter().cloned());
    *summary.seconds_by_stage.entry("read".into()).or_default() += t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let validated = validate::validate(&mut batch, &template.schema, &ctx)?;
    let cols = string_columns(template, &validated.cleaned)?;
    let (apps, app_index) = applications(template, &validated, &cols);
    *summary.seconds_by_stage.entry("validate".into()).or_default() += t0.elapsed().as_secs_f64();
    Ok(KindRun { template, batch, validated, cols, apps, app_index, register_rejects: Vec::new(), to_issue: Vec::new(), already_issued_by: BTreeMap::new() })
}

pub(super) fn count_kind(summary: &mut RunSummary, k: &KindRun) {
    summary.applications += k.validated.applications;
    summary.rows += k.validated.rows;
    *summary.applications_by_kind.entry(k.template.kind.clone()).or_default() += k.validated.applications;
}

/// Read and validate every batch file: the stages before anything is
/// numbered. Returns the kinds in the order their first file was given.
fn read_and_validate<'a>(opts: &'a IssueOptions, scanned: Scanned<'a>, summary: &mut RunSummary) -> Result<Vec<KindRun<'a>>> {
    let Scanned { files, mut shas, .. } = scanned;
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
pub(super) struct KindRejects {
    pub(super) rejects: Vec<Reject>,
    pub(super) rejected_apps: BTreeSet<usize>,
    pub(super) already_issued_by: BTreeMap<String, usize>,
}

impl KindRejects {
    /// The rejects of a kind only validated so far (nothing numbered).
    pub(super) fn validated(k: &KindRun) -> KindRejects {
        KindRejects {
            rejects: k.validated.rejects.clone(),
            rejected_apps: k.validated.rejects.iter().map(|r| r.app).collect(),
            already_issued_by: BTreeMap::new(),
        }
    }

    pub(super) fn of(k: KindRun) -> KindRejects {
        let mut rejects = k.validated.rejects;
        rejects.extend(k.register_rejects);
        rejects.sort_by_key(|r| r.row);
        let rejected_apps = rejects.iter().map(|r| r.app).collect();
        KindRejects { rejects, rejected_apps, already_issued_by: k.already_issued_by }
    }
}

/// The batch as one pass over each file reads it, for `issue` and `check`
/// alike: the files by kind, and each file's digest and row estimate
/// (its rows are parsed when its kind's turn comes, and checked against
/// the digest).
pub(super) struct Scanned<'a> {
    pub(super) files: Vec<(&'a Template, Vec<usize>)>,
    pub(super) shas: Vec<[u8; 32]>,
    pub(super) rows: Vec<u64>,
}

/// Read each batch file once for its digest, header and size; sort the
/// files by kind and judge header-only files ([`header_only`]).
pub(super) fn scan_batch<'a>(opts: &'a IssueOptions, summary: &mut RunSummary) -> Result<Scanned<'a>> {
    let mut shas = Vec::with_capacity(opts.batch.len());
    let mut rows = Vec::with_capacity(opts.batch.len());
    let mut headers = Vec::with_capacity(opts.batch.len());
    let mut empty = Vec::new();
    for path in &opts.batch {
        let f = batch::fingerprint(path)?;
        shas.push(f.sha256);
        rows.push(f.rows);
        headers.push(f.header);
        if !f.has_rows {
            empty.push(path);
        }
    }
    let files = files_by_kind(opts, &headers)?;
    header_only(&empty, opts.batch.len(), summary)?;
    Ok(Scanned { files, shas, rows })
}

/// The batch files that hold a header and no rows (`empty`, of `files`
/// given): a day without applications of that kind is a warning, unless
/// every file is so: then the export most likely failed, and the night is
/// refused.
fn header_only(empty: &[&std::path::PathBuf], files: usize, summary: &mut RunSummary) -> Result<()> {
    if empty.len() == files {
        let names: Vec<String> = empty.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Refused(format!(
            "{}: no rows below the header; nothing to issue. Check that the export ran (an empty export?)",
            names.join(", ")
        )));
    }
    for path in empty {
        summary.warnings.push(format!("{}: header only, no applications of its kind in this batch", path.display()));
    }
    Ok(())
}

/// Read and validate only (a dry run before the night, and the validation
/// benchmark): counts and rejects by rule in the summary, nothing written.
pub fn check(opts: &IssueOptions) -> Result<(RunSummary, Vec<Reject>)> {
    let mut summary = RunSummary::default();
    let scanned = scan_batch(opts, &mut summary)?;
    let kinds = read_and_validate(opts, scanned, &mut summary)?;
    // The register, when there is one, read only: yesterday's export again
    // is ALREADY_ISSUED here as it would be at issue (nothing is written).
    let register = match opts.register.file().is_some_and(|f| f.as_os_str().is_empty()) || !Register::exists(&opts.register)? {
        true => None,
        false => Some(Register::open_read_only(&opts.register)?),
    };
    let mut rejects = Vec::new();
    for mut k in kinds {
        if let Some(reg) = &register {
            register_check(&mut k, opts, reg)?;
        }
        summary.rejected += k.validated.rejected_applications + k.register_rejects.len();
        // In input order within the kind, as rejects.csv has them.
        let mut of_kind = std::mem::take(&mut k.validated.rejects);
        of_kind.append(&mut k.register_rejects);
        of_kind.sort_by_key(|r| r.row);
        rejects.extend(of_kind);
    }
    for r in &rejects {
        *summary.rejects_by_rule.entry(r.rule.to_string()).or_default() += 1;
    }
    summary.reject_rows = rejects.len();
    summary.rule_percentages();
    Ok((summary, rejects))
}

/// The register's refusals of one kind's accepted applications, read
/// only (`check`): the rejects `issue` would add when numbering.
fn register_check(k: &mut KindRun, opts: &IssueOptions, reg: &Register) -> Result<()> {
    let t = k.template;
    let s = &t.schema;
    let pending: Vec<Pending> = k
        .apps
        .iter()
        .map(|rows| Pending {
            application_id: k.cols[s.id].get(rows[0]).unwrap_or(""),
            nik: k.cols[s.subject].get(rows[0]).unwrap_or(""),
            letters: "",
            scope: "",
            service_point: "",
        })
        .collect();
    let active_from = t.record.expiry_days.and_then(|d| opts.issue_date.checked_sub_days(Days::new(d.max(0) as u64)));
    let refused = reg.would_refuse(&t.kind, active_from, &pending)?;
    drop(pending);
    let env = Env { schema: s, region: &opts.region, issue_date: opts.issue_date, can_print: crate::pdf::fonts::can_draw };
    for (a, num) in refused.into_iter().enumerate() {
        let first = k.apps[a][0];
        let (rule, field, msg) = match num {
            Some(Numbered::SubjectActive { number }) => (Rule::SubjectActive, s.subject, Msg::SubjectActive { number, title: t.title.clone(), kind: t.kind.clone() }),
            Some(Numbered::AlreadyIssued { number, run_id, written }) => {
                *k.already_issued_by.entry(run_id.clone()).or_default() += 1;
                (Rule::AlreadyIssued, s.id, Msg::AlreadyIssued { number, run_id, written })
            }
            _ => continue,
        };
        let value = get(&k.cols, field, first);
        let r = register_reject(k, a, rule, &s.columns[field].name, value, &msg, &env);
        k.register_rejects.push(r);
    }
    Ok(())
}

/// The register's refusal of application `a` (its first row named), as
/// `issue` and `check` both write it.
fn register_reject(k: &KindRun, a: usize, rule: Rule, field: &str, value: String, msg: &Msg, env: &Env) -> Reject {
    let s = &k.template.schema;
    let first = k.apps[a][0];
    Reject {
        row: first,
        app: k.app_index[a],
        source: k.batch.source(first),
        rule,
        field: field.to_string(),
        message: messages::message(rule, field, msg, &value, &|_| None, env),
        value,
        application_id: get(&k.cols, s.id, first),
        service_point: get(&k.cols, s.service_point, first),
    }
}

/// Read, validate (unless `ready` already is) and number one kind, and
/// copy the register to its replica (when there is one); also
/// what that adds to the run's summary (warnings, seconds per stage,
/// resumed applications).
#[allow(clippy::too_many_arguments)]
pub(super) fn prepare_kind<'a>(
    opts: &'a IssueOptions,
    template: &'a Template,
    indexes: &[usize],
    ready: Option<KindRun<'a>>,
    shas: &mut [[u8; 32]],
    run_id: &str,
    register: &Shared,
    replica: Option<&Replica>,
) -> Result<(KindRun<'a>, RunSummary)> {
    let mut part = RunSummary::default();
    let mut k = match ready {
        Some(k) => k,
        None => read_and_validate_kind(opts, template, indexes, shas, &mut part)?,
    };
    let t0 = Instant::now();
    number_kind(&mut k, opts, run_id, &mut *register::lock(register)?, &mut part)?;
    part.seconds_by_stage.insert("number".into(), t0.elapsed().as_secs_f64());
    // The numbers just committed are on the replica before any document
    // carrying them is written: the caller joins this before the kind's
    // documents are made (here on the prepare thread, off the critical
    // path while the previous kind renders).
    if let Some(r) = replica {
        part.seconds_by_stage.insert("replica".into(), r.copy()?.as_secs_f64());
    }
    Ok((k, part))
}

/// Number one kind's accepted applications; register-level refusals
/// become rejects of the application's subject row.
fn number_kind(k: &mut KindRun, opts: &IssueOptions, run_id: &str, register: &mut Register, part: &mut RunSummary) -> Result<()> {
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
                .and_then(crate::kind::words::parse_date)
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
    let env = Env { schema: s, region: &opts.region, issue_date: opts.issue_date, can_print: crate::pdf::fonts::can_draw };
    let mut adopted: BTreeMap<String, usize> = BTreeMap::new();
    for (a, num) in numbered.into_iter().enumerate() {
        let first = k.apps[a][0];
        match num {
            Numbered::New { number } => k.to_issue.push((a, number)),
            Numbered::Resumed { number } => {
                part.resumed += 1;
                k.to_issue.push((a, number))
            }
            Numbered::Adopted { number, from_run, service_point } => {
                // That run never published this document (it has no
                // manifest): its file, if one was written, goes, so that
                // one number never names two signed documents.
                let old_run = opts.out.join(&from_run);
                if !adopted.contains_key(&from_run) && old_run.is_dir() {
                    // Its half-written print files hold signed pages too.
                    crate::output::sink::remove_temporaries(&old_run)?;
                }
                if !old_run.join("manifest.csv").exists() {
                    let stale = old_run.join(&service_point).join(&t.kind).join(format!("{number}.pdf"));
                    if std::fs::symlink_metadata(&stale).is_ok_and(|m| m.is_file()) {
                        std::fs::remove_file(&stale).map_err(|e| Error::io(&stale, e))?;
                    }
                }
                *adopted.entry(from_run).or_default() += 1;
                part.resumed += 1;
                k.to_issue.push((a, number))
            }
            Numbered::SubjectActive { number } => {
                let msg = Msg::SubjectActive { number, title: t.title.clone(), kind: t.kind.clone() };
                let r = register_reject(k, a, Rule::SubjectActive, subject, get(&k.cols, s.subject, first), &msg, &env);
                k.register_rejects.push(r);
            }
            Numbered::AlreadyIssued { number, run_id, written } => {
                *k.already_issued_by.entry(run_id.clone()).or_default() += 1;
                let msg = Msg::AlreadyIssued { number, run_id, written };
                let r = register_reject(k, a, Rule::AlreadyIssued, &s.columns[s.id].name, get(&k.cols, s.id, first), &msg, &env);
                k.register_rejects.push(r);
            }
        }
    }
    for (run, n) in adopted {
        part.warnings.push(format!(
            "{n} {} application(s) numbered by run {run}, which stopped before it finished (its documents in no manifest), are issued by this run under the same numbers",
            t.kind
        ));
    }
    Ok(())
}

