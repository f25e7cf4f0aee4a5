//! `terbit register`: its subcommands taken apart ([`run`]; backup,
//! restore, rebuild and migrate are [`super::backup`]'s), and `register
//! check`: finds the run folders, reads each manifest
//! and checks its seal (the audit's reader and the seal's own check), and
//! hands the rows and the signed revocation lists to the library's
//! comparison (`terbit::numbering::check`). Nothing is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use sha2::{Digest, Sha256};
use chrono::Utc;
use terbit::dk1::seal::{self, Hash};
use terbit::issue::settings::{Flags, For};
use terbit::numbering::check::{self, ManifestRow, RunFound, RunState, SignedList};
use terbit::util::show::clip_shown;
use terbit::verify::run::{self as audit, RunError};
use terbit::trust::store::{TrustSource, TrustStore};

use super::args::RegisterCommand;

pub(crate) fn run(command: RegisterCommand) -> Result<ExitCode> {
    match command {
        RegisterCommand::Check { runs, register, keys, trust, config, json } => {
            let settings = super::settings(config.as_deref(), Flags { register, keys, ..Flags::default() }, For::Other)?;
            let register = settings.register.existing_register()?;
            let runs = if runs.is_empty() { vec![settings.out.path.clone()] } else { runs };
            let trust = match trust {
                Some(bundle) => Trust::Bundle(bundle),
                None => Trust::Keys(settings.keys.path),
            };
            check(&register, &runs, &trust, Utc::now().timestamp(), json)
        }
        RegisterCommand::Backup { file, register, config } => super::backup::backup(&file, register, config.as_deref()),
        RegisterCommand::Restore { file, register, config, runs, accept_loss } => super::backup::restore(&file, register, config.as_deref(), &runs, accept_loss),
        RegisterCommand::Rebuild { runs, keys, trust, out, config } => {
            let settings = super::settings(config.as_deref(), Flags { keys, ..Flags::default() }, For::Other)?;
            let (trust, keys) = match trust {
                Some(bundle) => (Trust::Bundle(bundle), None),
                None => (Trust::Keys(settings.keys.path.clone()), Some(settings.keys.path)),
            };
            super::backup::rebuild(&runs, &trust, keys.as_deref(), &out, Utc::now().timestamp())
        }
        RegisterCommand::Migrate { to, register, config } => {
            let from = super::settings(config.as_deref(), Flags { register, ..Flags::default() }, For::Other)?.register.existing_register()?;
            super::backup::migrate(&from, &to)
        }
    }
}

/// Where the seals' keys and the signed revocation lists come from.
pub(crate) enum Trust {
    /// The office's keys folder: trust.json and revocations-<issuer>.json.
    Keys(PathBuf),
    /// A trust bundle (signed trust lists and revocation lists).
    Bundle(PathBuf),
}

impl Trust {
    /// Where `issuer`'s signed revocation list was read, for findings.
    fn list_source(&self, issuer: &str) -> String {
        match self {
            Trust::Keys(keys) => keys.join(format!("revocations-{issuer}.json")).display().to_string(),
            Trust::Bundle(bundle) => format!("{} (revocation list of {issuer})", bundle.display()),
        }
    }
}

/// A run's name: `YYYYMMDD-` and 8 hex digits.
fn is_run_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 17 && b[..8].iter().all(u8::is_ascii_digit) && b[8] == b'-' && b[9..].iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
}

fn is_run_folder(dir: &Path) -> bool {
    dir.file_name().and_then(|n| n.to_str()).is_some_and(is_run_name) || dir.join("manifest.csv").is_file() || dir.join("seal.json").is_file()
}

/// The run folders among `dirs`: each a run folder, or a folder of them.
pub(crate) fn run_folders(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for dir in dirs {
        let meta = std::fs::symlink_metadata(dir).with_context(|| format!("--runs {}", dir.display()))?;
        if !meta.is_dir() {
            bail!("--runs {}: not a folder (a run folder or a folder of run folders, like out)", clip_shown(&dir.display().to_string(), 300));
        }
        if is_run_folder(dir) {
            out.push(dir.clone());
            continue;
        }
        let mut inner: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("--runs {}", dir.display()))?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .filter(|p| is_run_folder(p))
            .collect();
        inner.sort();
        out.append(&mut inner);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Document numbers of the PDFs a stopped run left (its file names),
/// links not followed; print files are not documents.
fn numbers_on_disk(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = pdfs_on_disk(dir).into_iter().map(|(_, n)| n).collect();
    out.sort();
    out
}

/// The PDFs under a run folder as (the folder they are in: their kind,
/// their name: the document number), links not followed, print files left out.
pub(crate) fn pdfs_on_disk(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            if t.is_dir() && depth < 8 && !(depth == 0 && name == "print") {
                stack.push((e.path(), depth + 1));
            } else if t.is_file() {
                if let Some(stem) = name.strip_suffix(".pdf") {
                    out.push((d.file_name().map(|k| k.to_string_lossy().into_owned()).unwrap_or_default(), stem.to_string()));
                }
            }
        }
    }
    out.sort();
    out
}

/// Read one run: its state and its manifest's rows.
/// The rows of one run's `manifest.csv` text (the run's index `run` in
/// each), streamed: only the columns the register records are kept. The
/// error says what is wrong, with `manifest.csv` and the line.
pub(crate) fn manifest_rows(text: &str, run: usize) -> std::result::Result<Vec<ManifestRow>, String> {
    let mut cols: Option<[Option<usize>; 6]> = None;
    let mut header_text = String::new();
    let mut rows = Vec::new();
    let mut malformed = Vec::new();
    let parsed = audit::each_csv_row(text, |line, row| {
        let Some(cols) = cols else {
            let col = |name: &str| row.iter().position(|h| h == name);
            cols = Some(["document_number", "application_id", "kind", "nik", "service_point", "sha256"].map(col));
            header_text = row.join(",");
            return;
        };
        let [Some(i_num), Some(i_app), Some(i_kind), Some(i_nik), Some(i_sp), Some(i_sha)] = cols else { return };
        let get = |i: usize| row.get(i).cloned();
        match (get(i_num), get(i_app), get(i_kind), get(i_nik), get(i_sp), get(i_sha)) {
            (Some(number), Some(application_id), Some(kind), Some(nik), Some(service_point), Some(sha256)) => {
                rows.push(ManifestRow { number, application_id, kind, nik, service_point, sha256, run, line });
            }
            _ => malformed.push(line.to_string()),
        }
    });
    if let Err((line, m)) = parsed {
        return Err(format!("manifest.csv:{line}: {m}"));
    }
    if !cols.is_some_and(|c| c.iter().all(Option::is_some)) {
        return Err(format!("manifest.csv: not a terbit manifest (header {})", clip_shown(&header_text, 120)));
    }
    if !malformed.is_empty() {
        let more = if malformed.len() > 10 { format!(" and {} more", malformed.len() - 10) } else { String::new() };
        return Err(format!("manifest.csv: malformed row(s) at line {}{more}", malformed[..malformed.len().min(10)].join(", ")));
    }
    Ok(rows)
}

pub(crate) fn read_run(dir: &Path, index: usize, trust: &TrustStore, rows: &mut Vec<ManifestRow>) -> Result<RunState> {
    let (bytes, sealed) = match audit::manifest_and_seal(dir) {
        Ok(x) => x,
        Err(RunError::NeverFinished(_)) => return Ok(RunState::Stopped(numbers_on_disk(dir))),
        Err(RunError::Manifest(m)) => return Ok(RunState::SealFails(m)),
        Err(e) => bail!("{e}"),
    };
    let text = match audit::manifest_text(&bytes) {
        Ok(t) => t,
        Err(why) => return Ok(RunState::SealFails(why)),
    };
    let found = match manifest_rows(text, index) {
        Ok(found) => found,
        Err(why) => return Ok(RunState::SealFails(why)),
    };
    let leaves: Vec<Hash> = found.iter().map(|r| seal::leaf(&r.number, &r.sha256)).collect();
    rows.extend(found);
    let seal = match sealed {
        None => return Ok(RunState::NoSeal),
        Some(Err(e)) => return Ok(RunState::SealFails(e)),
        Some(Ok(s)) => s,
    };
    // The seal's signature, its readable fields and the manifest it signs:
    // the seal's own check, with the leaves from the manifest's rows. The
    // print files are taken as sealed: whether the files on disk are the
    // sealed ones is `terbit verify`'s audit, not the register's.
    let prints: BTreeMap<String, Hash> = seal
        .print_files
        .iter()
        .filter_map(|(p, h)| hex::decode(h).ok().and_then(|b| <Hash>::try_from(b.as_slice()).ok()).map(|h| (p.clone(), h)))
        .collect();
    let manifest_sha: Hash = Sha256::digest(&bytes).into();
    Ok(match seal.check(&trust.list, &leaves, &manifest_sha, &prints) {
        Ok(()) => RunState::Sealed,
        Err(e) => RunState::SealFails(e.to_string()),
    })
}

/// The trust list and signed revocation lists of the keys folder or bundle.
pub(crate) fn trust_store(trust: &Trust, now: i64) -> Result<TrustStore> {
    Ok(match trust {
        Trust::Keys(keys) => {
            terbit::dk1::keys::check_keys_dir(keys)?;
            let mut lists: Vec<PathBuf> = std::fs::read_dir(keys)
                .with_context(|| format!("keys folder {}", keys.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("revocations-") && n.ends_with(".json")))
                .collect();
            lists.sort();
            TrustStore::of_keys_folder(keys, &lists)?
        }
        Trust::Bundle(bundle) => {
            let src = TrustSource { path: bundle.clone(), now, ..TrustSource::default() };
            TrustStore::load(&src)?
        }
    })
}

pub(crate) fn check(register: &terbit::numbering::register::Place, dirs: &[PathBuf], trust: &Trust, now: i64, json: bool) -> Result<ExitCode> {
    let store = trust_store(trust, now)?;
    let folders = run_folders(dirs)?;
    let mut rows = Vec::new();
    let mut runs = Vec::with_capacity(folders.len());
    for (i, dir) in folders.iter().enumerate() {
        let state = read_run(dir, i, &store, &mut rows)?;
        let id = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        runs.push(RunFound { id, dir: dir.clone(), state });
    }
    let mut lists: BTreeMap<String, SignedList> =
        store.revocations.issuers().map(|i| (i.to_string(), SignedList { issuer: i.to_string(), source: trust.list_source(i), entries: Vec::new() })).collect();
    for (issuer, e) in store.revocations.entries() {
        if let Some(l) = lists.get_mut(issuer) {
            l.entries.push(e.clone());
        }
    }
    let lists: Vec<SignedList> = lists.into_values().collect();
    let reg = terbit::numbering::register::Register::open_read_only(register)?;
    let report = check::compare(&reg, &register.to_string(), &runs, rows, &lists)?;
    let differences = report.differences();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for f in &report.findings {
            println!("{}: {}: {}", if f.difference { "DIFFERENCE" } else { "note" }, f.at, f.what);
        }
        let summary = format!(
            "{} run folder(s), {} document(s) in the register, {} manifest row(s), {} revocation(s)",
            report.runs, report.documents, report.manifest_rows, report.revocations
        );
        match differences {
            0 => println!("register check: clean — {summary}: {}", register),
            n => println!("register check: {n} difference(s) — {summary}: {}", register),
        }
    }
    Ok(if differences == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
