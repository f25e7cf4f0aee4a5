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

pub mod binding;
pub mod config;
mod documents;
mod kinds;
mod limits;
pub mod options;
pub mod revoke;
pub mod settings;

use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::dk1::keys;
use crate::dk1::seal::BatchSeal;
use crate::error::{Error, Result};
use crate::numbering::register::{Register, Shared};
use crate::numbering::replica::Replica;
use crate::output::rejects::write_rejects_and_report;
use crate::output::sink::Sink;
use crate::output::summary::{NotDone, NotDoneReason, RunSummary};

use documents::{issue_kind, StepClock};
use kinds::{count_kind, get, prepare_kind, read_and_validate_kind, KindRejects};
pub use kinds::check;
pub use limits::DEFAULT_MAX_REJECT_RATE;
pub use documents::Issuance;
pub use options::{IssueOptions, Progress, AHEAD_MAX_ROWS, KEY_ENV, PDF_KEY_ENV};

/// Run the whole job.
///
/// Kinds go through one after another, each end to end (read, validate,
/// number, seal + render + write), the next one read, validated and
/// numbered while this one's documents are made when both are small
/// enough ([`IssueOptions::ahead_max_rows`]); so at most two kinds' rows are held at a
/// time: a 1,000,000-application night stays within bounded memory.
///
/// `Ok` is a run that ended; it is a done night only if the summary's
/// `not_done` is empty (else: refused by `max_reject_rate` before anything
/// was numbered, nothing issued, more rejected than the limit, or a stopped
/// run's documents in no manifest). `Err` is a run that could not be made.
pub fn issue(opts: &IssueOptions) -> Result<RunSummary> {
    let mut summary = RunSummary::for_region(&opts.region, opts.issue_date);
    let began = Instant::now();
    // The keys first, before anything is created or written: a wrong keys
    // folder or region (no key of this regency) is the mistake to say, and
    // it leaves no out folder, lock file or report behind.
    let (signer, found, tsa) = signers(opts)?;
    // An external time-stamp authority answers once before anything of the
    // night is read or numbered: one that cannot is said now.
    let connect = |c: &Option<crate::pdf::remote::RemoteConfig>| -> Result<Option<crate::pdf::remote::RemoteTsa>> {
        c.as_ref().map(|config| crate::pdf::remote::RemoteTsa::connect(config).map_err(|e| Error::TimeStamp(e.0))).transpose()
    };
    let remote = connect(&opts.remote_tsa)?;
    // And the one that stamps the night's seal alone, if another.
    let seal_remote = connect(&opts.seal_tsa)?;
    // The keys folder's signed list (as `trust sign` wrote it), read once:
    // what it names of time-stamp authorities, and its root.
    let list_path = opts.keys_dir.join(format!("trust-{}.json", opts.region.code));
    let folder_list = crate::util::fs::read_limited(&list_path, crate::trust::list::MAX_LIST as u64).ok().and_then(|b| crate::trust::list::SignedTrustList::parse(&b).ok());
    let list_root = folder_list.as_ref().and_then(|l| crate::trust::root::base64_decode(&l.root_certificate));
    // An external authority's key must be one that list names: otherwise
    // every document of the night would be judged invalid by verifiers.
    for r in remote.iter().chain(seal_remote.iter()) {
        match &folder_list {
            Some(list) => {
                if !crate::trust::tsa::listed(list, &r.spki) {
                    return Err(Error::TimeStamp(format!(
                        "the time-stamp service's certificate ({}) is not named in the district's signed trust list {}: verifiers would judge every document of the night invalid. List it at the root's ceremony (`terbit trust sign ... --tsa-cert <its certificate>`) and give verifiers the new bundle first",
                        r.subject,
                        list_path.display()
                    )));
                }
            }
            None => summary.warnings.push(format!(
                "{} (the district's signed trust list) cannot be read here, so whether it names the time-stamp service's certificate ({}) was not checked",
                list_path.display(),
                r.subject
            )),
        }
    }
    // The seal's own authority: its certificate's status checked (seal.json
    // carries its token, not its answers), so that a revoked one stops the
    // night as the documents' would.
    if let (true, Some(s)) = (opts.fetch_revocation, seal_remote.as_ref()) {
        let now = opts.started_at.unwrap_or(opts.issued_at);
        let fetched = crate::trust::fetch::fetch(std::slice::from_ref(&s.cert), &s.certs, list_root.as_deref(), now)
            .map_err(|f| Error::Revocation(format!("the seal's time-stamp authority: {f}. Nothing was issued: {}", after_fetch_failure(&f))))?;
        summary.warnings.extend(fetched.warnings.iter().map(|w| format!("the seal's time-stamp authority: {w}")));
        summary.revocation_fetched.extend(fetched.said.iter().map(|l| format!("{l} (the seal's authority: checked, not kept)")));
    }
    summary.kid = hex::encode(signer.kid);
    // And the register the keys folder issues with: never a second one.
    let bound = binding::check(&opts.keys_dir, &opts.register)?;
    // The replica folder too: one that cannot take the copy stops the run
    // before anything is numbered (a copy that fails later stops it
    // before that kind's documents are written).
    let replica = Replica::for_register(opts.replica.as_deref(), &opts.register)?;
    let replica = replica.as_ref();
    if let Some(r) = replica.filter(|r| r.same_disk) {
        summary.warnings.push(format!(
            "the register's replica {} is on the same file system as the register {}: it does not outlive that disk; give a folder on a second disk",
            r.path().display(),
            &opts.register
        ));
    }
    // One job per register at a time, from before the batch is read: a
    // second run of the same night must not remove this one's temporary
    // files or race it for the manifest.
    let since = opts.started_at.map(|t| format!(" since {}", keys::rfc3339(t))).unwrap_or_default();
    // (A PostgreSQL register several hosts share is held run by run, in
    // the database: see `claim_run` below.)
    let mut lock = match opts.register.file() {
        Some(file) => Some(crate::util::lock::RunLock::acquire(file, &format!("terbit issuing (reading its batch){since}"))?),
        None => None,
    };
    // The run is named by its date and batch content: the same batch on the
    // same day is the same run, so a re-run resumes instead of re-issuing.
    // One pass over each file gives its digest, header and size; its rows
    // are parsed when its kind's turn comes (and checked against the
    // digest), so a night never holds more than two kinds' rows at once.
    let t0 = Instant::now();
    let kinds::Scanned { files, mut shas, rows } = kinds::scan_batch(opts, &mut summary)?;
    summary.seconds_by_stage.insert("read".into(), t0.elapsed().as_secs_f64());
    // The region is part of the run: the same files issued for another
    // regency (a wrong --region) are another run, never the one that
    // issued them (whose report it would otherwise overwrite).
    let mut run_hash = Sha256::new();
    run_hash.update(opts.region.code.as_bytes());
    for sha in &shas {
        run_hash.update(sha);
    }
    summary.run_id = format!("{}-{}", opts.issue_date.format("%Y%m%d"), &hex::encode(run_hash.finalize())[..8]);
    summary.run_dir = opts.out.join(&summary.run_id);
    if let Some(lock) = &mut lock {
        lock.describe(&format!("terbit issuing run {}{since}", summary.run_id))?;
    }
    // And one job per run folder: two registers pointed at one out folder
    // would otherwise write the same run's files under each other.
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    let _run_lock = crate::util::lock::RunLock::acquire(&summary.run_dir, &format!("terbit issuing run {}{since}", summary.run_id))?;

    // Under an explicit limit, a batch that looks broken (a wrong export,
    // a shifted column) is refused whole, before anything is numbered;
    // its rejects show why.
    // That needs every kind validated first. When the whole night is small
    // enough to hold at once (`ahead_max_rows`) the validated kinds are kept
    // for the run; otherwise this pass keeps only counts and rejects and
    // each kind is read again (against its digest) when its turn comes.
    let mut ready: Vec<Option<kinds::KindRun>> = files.iter().map(|_| None).collect();
    if let Some(max) = opts.max_reject_rate {
        let keep = rows.iter().sum::<u64>() <= opts.ahead_max_rows;
        let mut pre = RunSummary { run_id: summary.run_id.clone(), run_dir: summary.run_dir.clone(), ..RunSummary::for_region(&opts.region, opts.issue_date) };
        let mut rejected = Vec::new();
        for ((template, indexes), slot) in files.iter().zip(&mut ready) {
            let k = read_and_validate_kind(opts, template, indexes, &mut shas, &mut pre)?;
            count_kind(&mut pre, &k);
            rejected.push(KindRejects::validated(&k));
            if keep {
                summary.warnings.append(&mut pre.warnings);
                *slot = Some(k);
            }
        }
        if keep {
            for stage in ["read", "validate"] {
                *summary.seconds_by_stage.entry(stage.into()).or_default() += pre.seconds_by_stage.get(stage).copied().unwrap_or(0.0);
            }
        }
        let count: usize = rejected.iter().map(|k| k.rejected_apps.len()).sum();
        let lists: Vec<&[_]> = rejected.iter().map(|k| k.rejects.as_slice()).collect();
        let rejects_csv = pre.run_dir.join("rejects.csv");
        let night = limits::Night {
            applications: pre.applications,
            rejected: count,
            rejects: &lists,
            already_issued_by: &Default::default(),
            region: &opts.region,
            issue_date: opts.issue_date,
            rejects_csv: &rejects_csv,
        };
        if let Some(refused) = night.refused(max) {
            // Not an error: the run ended, with its rejects and report
            // written, and the caller says the night is not done.
            pre.not_done.push(refused);
            // A run that finished (sealed) keeps its files as they were: a
            // refusal is this attempt's answer, not that night's record.
            if pre.run_dir.join("seal.json").exists() {
                pre.warnings.push(format!(
                    "run {} finished and was sealed earlier: this refused attempt left its rejects.csv and report as they were",
                    pre.run_id
                ));
            } else {
                write_rejects_and_report(&mut pre, &lists, count)?;
            }
            return Ok(pre);
        }
    }

    // One register connection for the run. The next kind is read,
    // validated and numbered while this kind's documents are made (between
    // kinds the cores no longer wait on one thread's reading and
    // numbering); the sink's marks wait for a kind's numbering, which takes
    // seconds at most. Another process's transaction is waited for too.
    let register = Register::open(&opts.register)?;
    register.wait_for_lock(std::time::Duration::from_secs(300))?;
    // On a register several hosts share: this run is this host's until
    // it ends (a second host with the same batch is told to wait).
    register.claim_run(&summary.run_id)?;
    // A run another host finished (its sealed folder is there) is not
    // made again here: a second sealed copy of a night would be printed
    // and handed out twice.
    if opts.register.file().is_none() && register.finished(&summary.run_id)? && !summary.run_dir.join("seal.json").exists() {
        return Err(Error::Usage(format!(
            "run {} was finished and sealed already on the register {} (by another host: its run folder there is the published one); nothing was issued here. \
             If that folder is lost, copy it from that host's out folder; a stopped copy of it here (no seal) is to be set aside, not handed out",
            summary.run_id, opts.register
        )));
    }
    // Said once, with the run's other warnings (the report keeps it).
    if let Some(w) = binding::record(&opts.keys_dir, &register, &bound)? {
        summary.warnings.push(w);
    }
    // Every run is recorded, with or without a clock: a run that has not
    // finished is what the next run finishes or names.
    register.run_started(&summary.run_id, opts.issue_date, &opts.started_at.map(keys::rfc3339).unwrap_or_default())?;
    if let Some(at) = opts.started_at {
        summary.started_at = Some(keys::rfc3339(at));
        // Documents carry the issue date; a night issued days after (or
        // before) it ran is allowed, and said in the report.
        if let Some(ran) = chrono::DateTime::from_timestamp(at, 0).map(|t| t.date_naive()) {
            let days = (opts.issue_date - ran).num_days().abs();
            if days > 1 {
                summary.warnings.push(format!("the issue date {} is {days} days from the day this run ran ({ran}); the documents carry the issue date", opts.issue_date));
            }
        }
    }
    // The time every signature's time-stamp states (see `stamp_time`),
    // from the run's first recorded start, read back from the register: a
    // resumed run stamps as its first attempt did.
    let stamper = match (&tsa, remote) {
        (_, Some(remote)) => {
            // An external authority stamps at its own clock's now; verifiers
            // take a stamp up to a day before the claimed issue time.
            if let Some(now) = opts.started_at.filter(|now| *now < opts.issued_at - 86_400) {
                return Err(Error::TimeStamp(format!(
                    "the issue date {} is more than a day after now ({}): the external time-stamp authority stamps at the current time, so verifiers would find every signature stamped before its claimed time. Issue the night on its date",
                    opts.issue_date,
                    keys::rfc3339(now)
                )));
            }
            Some(crate::pdf::stamp::Stamping::Remote(remote))
        }
        (Some(tsa), None) => {
            let recorded = register.run_started_at(&summary.run_id)?.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.timestamp());
            let at = stamp_time(opts.issue_date, recorded);
            let (_, not_after) = crate::trust::pdfkey::validity(&found.cert).unwrap_or((0, 0));
            if at >= not_after {
                return Err(Error::NoKey(format!(
                    "the PDF-signing certificate ends {}, before the run's time-stamp time {}: verifiers would find every signature stamped after its certificate ended. Renew the certificate",
                    keys::rfc3339(not_after),
                    keys::rfc3339(at)
                )));
            }
            Some(crate::pdf::stamp::Stamping::District(Box::new(crate::pdf::stamp::Stamper::new(tsa, at).map_err(|e| Error::NoKey(e.0))?)))
        }
        (None, None) => None,
    };
    let mut pades = crate::pdf::sign::Pades::stamped(&found, stamper).map_err(|e| Error::NoKey(e.to_string()))?;
    // PAdES B-LT: a stamped signature's validation data in every file —
    // the certificates and the district root's CRL (`terbit trust sign`
    // writes it beside the list).
    let authority_certs = match pades.stamping() {
        Some(crate::pdf::stamp::Stamping::Remote(r)) => Some(r.certs.clone()),
        Some(crate::pdf::stamp::Stamping::District(_)) => tsa.as_ref().map(|t| vec![t.cert.clone()]),
        None => None,
    };
    if let Some(authority_certs) = authority_certs {
        // The CRL is the district root's: checked against the root of the
        // signer's chain, else the root of the folder's signed list (a
        // PSrE's chain has another root).
        let roots: Vec<Vec<u8>> = found.chain.last().cloned().into_iter().chain(list_root).collect();
        match crate::trust::crl::read(&opts.keys_dir, &opts.region.code, &roots) {
            Ok(Some(crate::trust::crl::FolderCrl { der: crl, info, root: district_root })) => {
                let now = opts.started_at.unwrap_or(opts.issued_at);
                if info.next_update < now {
                    summary.warnings.push(format!(
                        "the district root's CRL in {} promised its next update by {}: validators may take it as stale. Sign the trust list again (`terbit trust sign`), which writes a new one",
                        opts.keys_dir.display(),
                        keys::rfc3339(info.next_update)
                    ));
                }
                let mut certs = vec![found.cert.clone()];
                certs.extend(found.chain.iter().cloned());
                certs.extend(authority_certs);
                let mut dss = crate::pdf::dss::Dss { certs, crls: vec![crl], ocsps: Vec::new() };
                if opts.fetch_revocation {
                    // Once, before anything is numbered or signed: a
                    // certification authority's answers for its certificates
                    // on the signing certificate's chain and the external
                    // authority's (the district root, which signed the CRL,
                    // needs none).
                    let mut leaves = vec![found.cert.clone()];
                    if let Some(crate::pdf::stamp::Stamping::Remote(r)) = pades.stamping() {
                        leaves.push(r.cert.clone());
                    }
                    let fetched = crate::trust::fetch::fetch(&leaves, &dss.certs, Some(district_root), now).map_err(|f| Error::Revocation(format!("{f}. Nothing was issued: {}", after_fetch_failure(&f))))?;
                    if fetched.said.is_empty() && fetched.warnings.is_empty() {
                        summary.revocation_fetched.push("nothing to fetch: the district root issued every certificate in the files".into());
                    }
                    dss.crls.extend(fetched.crls);
                    dss.ocsps = fetched.ocsps;
                    summary.revocation_fetched.extend(fetched.said);
                    summary.warnings.extend(fetched.warnings);
                } else if found.chain.last().is_some_and(|r| r.as_slice() != district_root) || matches!(pades.stamping(), Some(crate::pdf::stamp::Stamping::Remote(_))) {
                    summary.revocation_fetched.push(
                        "not fetched for the certificates a certification authority issued (fetch_revocation is off in the settings file): validators must get their status from its services".into(),
                    );
                }
                pades = pades.with_dss(dss);
            }
            Err(e) => summary.warnings.push(format!("{e}: the PDF signatures carry no revocation data (PAdES B-T, not B-LT)")),
            Ok(None) => summary.warnings.push(format!(
                "{} holds no CRL of the district root ({}): the PDF signatures are time-stamped (PAdES B-T) but carry no revocation data for validating them offline (B-LT). `terbit trust sign` writes it",
                opts.keys_dir.display(),
                crate::trust::crl::path(&opts.keys_dir, &opts.region.code).display()
            )),
        }
    }
    if pades.stamping().is_some() {
        summary.pades_level = Some(if pades.dss().is_some() { "B-LT" } else { "B-T" }.to_string());
    }
    let pades = std::sync::Arc::new(pades);
    summary.stamped_at = pades.stamp_time().map(keys::rfc3339);
    if let Some(crate::pdf::stamp::Stamping::Remote(r)) = pades.stamping() {
        summary.stamped_by = Some(r.url().to_string());
    }
    let register: Shared = std::sync::Mutex::new(register);
    // A folder an earlier attempt of this run left may hold copies of
    // documents whose numbers another run has since taken over (a crash
    // in the middle of that hand-over): they are looked for at the end.
    let resumed_dir = std::fs::symlink_metadata(&summary.run_dir).is_ok();
    let mut sink = Sink::create(&summary.run_dir, &register)?;
    sink.sign_print_files(pades.clone(), crate::pdf::sign::pdf_date(opts.issue_date));
    let clock = StepClock::default();
    let at = Issuance { region: &opts.region, issue_date: opts.issue_date, issued_at: opts.issued_at, pades: &pades };
    let mut done: Vec<KindRejects> = Vec::new();
    let mut total = 0;
    let run_id = summary.run_id.clone();
    let kid = summary.kid.clone();
    let (t, indexes) = &files[0];
    let mut ready = ready.into_iter();
    let mut next = Some(prepare_kind(opts, t, indexes, ready.next().flatten(), &mut shas, &run_id, &register, replica)?);
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
                let kind = ready.next().flatten();
                std::thread::Builder::new()
                    .name("terbit-prepare".into())
                    .spawn_scoped(scope, || prepare_kind(opts, t, indexes, kind, &mut shas, &run_id, &register, replica))
            });
            let issued = issue_kind(&k, at, opts.progress.clone(), &signer, &kid, &mut sink, &clock, total);
            let prepared = preparing.map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|_| Err(Error::Thread { what: "next kind's", how: "panicked".into() })),
                Err(e) => Err(Error::Thread { what: "next kind's", how: format!("could not start: {e}") }),
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
            next = Some(prepare_kind(opts, t, indexes, ready.next().flatten(), &mut shas, &run_id, &register, replica)?);
        }
    }
    let t0 = Instant::now();
    let written = sink.written;
    let finished = sink.finish()?;
    if resumed_dir {
        let mine = crate::numbering::register::lock(&register)?.numbers_of_run(&summary.run_id)?;
        let removed = crate::output::sink::remove_documents_not_in(&summary.run_dir, &mine)?;
        if removed > 0 {
            summary.warnings.push(format!(
                "{removed} document file(s) an earlier attempt of this run left behind were removed: their numbers were taken over by a later run, whose manifest lists them"
            ));
        }
    }
    // The durability sync is its own stage: it is the disk's time, not ours.
    *summary.seconds_by_stage.entry("seal_render_write".into()).or_default() += t0.elapsed().as_secs_f64() - finished.sync_seconds;
    summary.seconds_by_stage.insert("sync".into(), finished.sync_seconds);
    summary.busy_seconds = clock.seconds();
    tracing::debug!(busy = ?summary.busy_seconds, "document stage, seconds of work per step");
    summary.print_files = finished.print_files;
    // The batch seal: one signature over every document's number and bytes.
    let mut seal = BatchSeal::make(&summary.run_id, opts.issued_at, &finished.leaves, &finished.manifest_sha256, &finished.print_digests, &signer);
    // One token over the whole signed seal from the run's authority: proof
    // that the run, every document of it, existed then.
    if let Ok(cose) = hex::decode(&seal.cose) {
        let token = match &seal_remote {
            Some(r) => r.tokens(&[&cose]).map_err(|e| Error::TimeStamp(e.0))?.pop(),
            None => pades.token_over(&cose).map_err(|e| Error::TimeStamp(e.0))?,
        };
        seal.time_stamp = token.map(hex::encode);
    }
    crate::util::fs::write_atomic(&summary.run_dir.join("seal.json"), seal.to_json().as_bytes())?;
    // Finished only once sealed: a run stopped before its seal is finished
    // (or its documents adopted) by the next run that holds its applications.
    // The library reads no clock: the finish is the caller's start plus
    // the time the run took (monotonic).
    let finished_at = opts.started_at.map(|at| keys::rfc3339(at + began.elapsed().as_secs() as i64)).unwrap_or_default();
    crate::numbering::register::lock(&register)?.run_finished(&summary.run_id, &finished_at)?;
    // Numbers an earlier, unfinished run gave to applications this batch
    // does not hold (written or not): never left silent, and the run does
    // not count as done while they stand outside every manifest.
    for (run, numbered, written) in crate::numbering::register::lock(&register)?.unfinished(&summary.run_id)? {
        summary.stranded.push(format!(
            "run {run} stopped before it finished: {written} document(s) it wrote and {numbered} number(s) it gave are in no manifest, and their applications are not in this batch. \
             Finish it: run `terbit issue` again with that run's batch files, or with a corrected export that holds those applications (the run that holds them issues them under the same numbers)"
        ));
    }
    summary.warnings.extend(summary.stranded.iter().cloned());
    // A stopped run whose every number this run (or an earlier one) took
    // over leaves only empty folders: they go, so that no run folder
    // without a manifest is left to puzzle an auditor.
    for run in crate::numbering::register::lock(&register)?.emptied_runs(&summary.run_id)? {
        let dir = opts.out.join(&run);
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) && !dir.join("manifest.csv").exists() {
            crate::output::sink::remove_temporaries(&dir)?;
            crate::util::fs::remove_empty_dirs(&dir);
        }
    }
    // The replica brought up to date with the run's end (its finish, the
    // marks of the last documents): every number was on it before its
    // document was written, so a failure here loses nothing a restore
    // needs (`register restore` marks the run finished from its manifest),
    // and is said rather than failing a sealed night.
    let mut replicated = true;
    if let Some(r) = replica {
        match r.copy() {
            Ok(took) => *summary.seconds_by_stage.entry("replica".into()).or_default() += took.as_secs_f64(),
            Err(e) => {
                replicated = false;
                summary.warnings.push(format!("{e} (every number of this run was on the replica before its document was written; only the run's end is missing there)"));
            }
        }
    }
    // The signed revocation list stays fresh without anyone revoking: the
    // nightly run signs it again once half its promised time has gone.
    if let Some(now) = opts.started_at {
        if crate::issue::revoke::due(&opts.keys_dir, &signer, now) && !replicated {
            summary.warnings.push("the revocation list was not signed again: its register's replica could not be written (above); run `terbit revocations` once the replica is writable".into());
        } else if crate::issue::revoke::due(&opts.keys_dir, &signer, now) {
            let mut reg = crate::numbering::register::lock(&register)?;
            match crate::issue::revoke::publish(&mut reg, &opts.keys_dir, &signer, now, replica) {
                Ok((list, path, restored)) => {
                    summary.warnings.extend(crate::issue::revoke::restored_warning(&restored, &path));
                    summary.warnings.push(format!("the revocation list was signed again (no. {}, next update {}): {}", list.sequence, list.next_update, path.display()));
                }
                // The night's documents stand; the list is another host's to sign.
                Err(Error::Refused(why)) => summary.warnings.push(format!("the revocation list was not signed again: {why}")),
                Err(e) => return Err(e),
            }
        }
    }
    summary.merkle_root = seal.merkle_root;
    summary.issued = written;
    let lists: Vec<&[_]> = done.iter().map(|k| k.rejects.as_slice()).collect();
    let rejected = done.iter().map(|k| k.rejected_apps.len()).sum();
    // Everything valid is issued, sealed and published by now: a night that
    // issued nothing, or rejected more than the limit, is still not done.
    let mut already_issued_by = std::collections::BTreeMap::new();
    for (run, n) in done.iter().flat_map(|k| &k.already_issued_by) {
        *already_issued_by.entry(run.clone()).or_default() += n;
    }
    let rejects_csv = summary.run_dir.join("rejects.csv");
    let night = limits::Night {
        applications: summary.applications,
        rejected,
        rejects: &lists,
        already_issued_by: &already_issued_by,
        region: &opts.region,
        issue_date: opts.issue_date,
        rejects_csv: &rejects_csv,
    };
    summary.not_done.extend(night.judge(opts.max_reject_rate));
    summary.warnings.extend(night.done_by_another_run());
    summary.not_done.extend(summary.stranded.iter().map(|s| NotDone { reason: NotDoneReason::Stranded, message: s.clone() }));
    write_rejects_and_report(&mut summary, &lists, rejected)?;
    Ok(summary)
}

/// The time a run's time-stamps state (their genTime): the run's first
/// recorded start, whose clock the caller read (the signatures are made
/// within the tokens' accuracy, an hour, after it), but never more than a
/// day before the issue date's first second (a night issued ahead of its
/// date); without a recorded start (no clock), the issue date's last
/// second. A resumed run reads its first start back and stamps as the
/// first attempt did: the same inputs, the same bytes.
pub fn stamp_time(issue_date: chrono::NaiveDate, recorded_start: Option<i64>) -> i64 {
    let first = crate::model::midnight_utc(issue_date);
    match recorded_start {
        Some(t) => t.max(first - 86_400),
        None => first + 86_399,
    }
}

/// The run's signers: the DK1 key and its certified PDF-signing partner,
/// checked against the documents' issue time, and the keys folder's
/// time-stamp authority (if it has one).
fn signers(opts: &IssueOptions) -> Result<(keys::Signer, crate::trust::pdfkey::PdfSigner, Option<crate::trust::tsa::TsaSigner>)> {
    let signer = match &opts.signing_seed {
        Some(seed) => keys::signer_from_seed(&opts.keys_dir, &opts.region.code, opts.issued_at, seed, KEY_ENV)?,
        None => keys::signer_for(&opts.keys_dir, &opts.region.code, opts.issued_at)?,
    };
    let kid = hex::encode(signer.kid);
    // The PDF signature: the office's certified P-256 key paired with the
    // DK1 key (`terbit keys generate` makes it, `terbit trust sign`
    // certifies it). Every PDF terbit writes is signed: an unsigned PDF
    // would be judged by its page alone, which a forger can draw around,
    // so a keys folder without a certified PDF key issues nothing.
    let found = match &opts.pdf_key {
        Some(secret) => crate::trust::pdfkey::signer_with_key(&opts.keys_dir, &signer.kid, secret, PDF_KEY_ENV)?,
        None => crate::trust::pdfkey::signer_for(&opts.keys_dir, &signer.kid)?.ok_or_else(|| {
            Error::NoKey(format!(
                "{} has no PDF-signing key for key {}: every PDF terbit writes is signed, so nothing was issued. \
                 Either import a certification authority's key and certificate for it (`terbit keys import {} --key … --cert …`), \
                 or make a new key with its PDF key (`terbit keys generate --issuer {} --dir {}`), retire this one (`terbit keys retire {} --dir {}`), \
                 and have the district root certify the new one (`terbit trust sign --keys {} --root-key root-{}.key --root-cert root-{}.crt`)",
                opts.keys_dir.display(),
                kid,
                kid,
                opts.region.code,
                opts.keys_dir.display(),
                kid,
                opts.keys_dir.display(),
                opts.keys_dir.display(),
                opts.region.code,
                opts.region.code
            ))
        })?,
    };
    {
        let s = &found;
        // Verifiers hold a signature to its certificate's validity at the
        // document's issue time: a night outside it would be rejected whole.
        let (not_before, not_after) = crate::trust::pdfkey::validity(&s.cert).ok_or_else(|| Error::NoKey("the PDF-signing certificate cannot be read".into()))?;
        if opts.issued_at < not_before || opts.issued_at >= not_after {
            return Err(Error::NoKey(format!(
                "the PDF-signing certificate of key {} is valid from {} until {}, which does not hold the documents' issue time {}: PDF readers and terbit verify would reject every signature. Issue on a date inside it, or renew the certificate",
                kid,
                keys::rfc3339(not_before),
                keys::rfc3339(not_after),
                keys::rfc3339(opts.issued_at)
            )));
        }
    }
    let tsa = crate::trust::tsa::signer_for(&opts.keys_dir)?;
    Ok((signer, found, tsa))
}

/// What the operator does about a night stopped for its revocation data.
fn after_fetch_failure(f: &crate::trust::fetch::Failure) -> &'static str {
    match f {
        crate::trust::fetch::Failure::Revoked { .. } => {
            "the certification authority revoked this certificate, and documents signed or time-stamped with it would not validate. Sign with another certificate (`terbit keys import`) or stamp with another authority (`tsa_url` in the settings file; without it, the district's own), then issue"
        }
        crate::trust::fetch::Failure::Service(_) => {
            "run it again once the service answers (or set fetch_revocation = false in the settings file to issue without its answers; validators then need the service)"
        }
    }
}

#[cfg(test)]
mod stamp_tests {
    #[test]
    fn a_run_stamps_its_recorded_start() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let first = crate::model::midnight_utc(d);
        // No clock: the issue date's last second.
        assert_eq!(super::stamp_time(d, None), first + 86_399);
        // Its start: the night before in UTC (WIB's early hours), the day, or later.
        for start in [first - 6 * 3600, first + 3600, first + 3 * 86_400] {
            assert_eq!(super::stamp_time(d, Some(start)), start);
        }
        // Issued days ahead of its date: a day before that date.
        assert_eq!(super::stamp_time(d, Some(first - 5 * 86_400)), first - 86_400);
    }
}
