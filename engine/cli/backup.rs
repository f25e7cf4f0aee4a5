//! `terbit register backup` and `terbit register restore`: the register
//! (flag over terbit.toml over the default), the run folders' manifests
//! read, and what the library did, in words.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use terbit::issue::settings::{Flags, For};
use terbit::numbering::backup::{self, Summary};
use terbit::numbering::check::ManifestRow;
use terbit::numbering::register::Place;
use terbit::util::show::clip_shown;

fn print_summary(s: &Summary) {
    println!("  register id: {}", s.id.as_deref().map(|i| clip_shown(i, 64)).unwrap_or_else(|| "none (made before registers kept one)".into()));
    println!("  documents:   {} ({} issued)", s.documents, s.issued);
    println!("  runs:        {}", s.runs);
    println!("  revocations: {}", s.revocations);
    for c in &s.last {
        println!("  last number: {} {} on {}: serial {}", clip_shown(&c.scope, 20), clip_shown(&c.kind, 40), clip_shown(&c.issue_date, 12), c.last);
    }
}

pub(crate) fn backup(file: &Path, register: Option<PathBuf>, config: Option<&Path>) -> Result<ExitCode> {
    let register = super::settings(config, Flags { register, ..Flags::default() }, For::Other)?.register;
    let place = register.existing_register()?;
    let path = file_register(&place, "backed up")?;
    let s = backup::backup(path, file)?;
    println!("register {} backed up to {}:", path.display(), file.display());
    print_summary(&s);
    Ok(ExitCode::SUCCESS)
}

/// The file of an SQLite register. A PostgreSQL register is copied with
/// PostgreSQL's own tools (pg_dump, a streaming standby: README "Several
/// issuing hosts"); `register rebuild` makes an SQLite file that
/// `register migrate` moves there.
fn file_register<'p>(place: &'p Place, what: &str) -> Result<&'p Path> {
    place.file().ok_or_else(|| {
        anyhow::anyhow!(
            "the register {place} is a PostgreSQL database: it is {what} with PostgreSQL's own tools (pg_dump and pg_restore, or a streaming standby), not by terbit; see README, \"Several issuing hosts\""
        )
    })
}

/// Every document the manifests of the run folders in `dirs` list (a
/// folder with a manifest.csv is a run; any other, the folder holding
/// runs), with the runs' names (a row's `run` indexes them). A run that
/// never published its manifest printed nothing.
fn proven(dirs: &[PathBuf]) -> Result<(Vec<ManifestRow>, Vec<String>)> {
    let mut runs = Vec::new();
    let mut unpublished = Vec::new();
    for dir in dirs {
        if dir.join("manifest.csv").is_file() {
            runs.push(dir.clone());
            continue;
        }
        let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read the run folders in {}", dir.display()))?;
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) && e.path().join("manifest.csv").is_file() {
                runs.push(e.path());
            } else if e.file_type().is_ok_and(|t| t.is_dir()) && e.path().join("report.json").is_file() {
                unpublished.push(e.path());
            }
        }
    }
    runs.sort();
    runs.dedup();
    // Stopped or refused before it published: no proof of what it
    // numbered, and its files were never handed out.
    for u in &unpublished {
        println!("note: {} has no manifest.csv (a run stopped or refused before it published): its numbers are not known here; hand out none of its files", u.display());
    }
    let mut out = Vec::new();
    let mut names = Vec::with_capacity(runs.len());
    for (i, run) in runs.iter().enumerate() {
        let path = run.join("manifest.csv");
        let bytes = terbit::util::fs::read_regular(&path, "manifest", terbit::verify::run::MAX_MANIFEST)?;
        let text = std::str::from_utf8(&bytes).with_context(|| format!("{}: not UTF-8 text", path.display()))?;
        let rows = super::register::manifest_rows(text, i).map_err(|why| anyhow::anyhow!("{}: {why}", run.display()))?;
        for r in &rows {
            if backup::parse_number(&r.number).is_none() {
                bail!("{}:{} field document_number: {} is not a document number", path.display(), r.line, clip_shown(&r.number, 60));
            }
        }
        out.extend(rows);
        names.push(run.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    }
    Ok((out, names))
}

pub(crate) fn restore(file: &Path, register: Option<PathBuf>, config: Option<&Path>, runs: &[PathBuf], accept_loss: bool) -> Result<ExitCode> {
    let settings = super::settings(config, Flags { register, ..Flags::default() }, For::Other)?;
    let out = &settings.out;
    let place = settings.register.place()?;
    let register = file_register(&place, "restored")?.to_path_buf();
    backup::refuse_present(&register)?;
    let dirs = if runs.is_empty() { vec![out.path.clone()] } else { runs.to_vec() };
    let dirs: Vec<PathBuf> = dirs.into_iter().filter(|d| !runs.is_empty() || d.is_dir()).collect();
    if dirs.is_empty() {
        // Said, not refused: the out folder may have gone with the disk.
        println!("note: no out folder at {} ({}): no run folder to compare the backup with; give --runs DIR where the runs are", out.path.display(), out.origin);
    }
    let (proven, names) = proven(&dirs)?;
    let run_count = names.len();
    let copy = backup::summary(file)?;
    // The keys folder's binding names the register it issues with: a copy
    // of another register would give that register's numbers again.
    let keys = &settings.keys.path;
    if let (Some(bound), Some(id)) = (terbit::dk1::keys::RegisterBinding::load(keys)?, copy.id.as_deref()) {
        if bound.register_id != id {
            bail!(
                "{} is a copy of register {id}, but the keys folder {} issues with register {} (register-binding.json): this is another district's or another job's register; give the backup of that one",
                file.display(),
                keys.display(),
                bound.register_id
            );
        }
    }
    let loss = backup::compare(file, &proven, &names)?;
    let folders: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    println!("{} run folder(s) in {} list {} document(s)", run_count, folders.join(", "), proven.len());
    if !loss.is_empty() {
        let first: Vec<String> = loss.missing.iter().take(5).map(|p| clip_shown(&p.number, 40)).collect();
        let more = if loss.missing.len() > 5 { format!(" and {} more", loss.missing.len() - 5) } else { String::new() };
        let behind: Vec<String> = loss
            .behind
            .iter()
            .map(|b| format!("{} {} on {}: runs printed serial {}, the copy's counter is at {}", clip_shown(&b.scope, 20), clip_shown(&b.kind, 40), b.issue_date, b.proven, b.copy))
            .collect();
        let said = format!(
            "the backup {} is older than the runs: {} document(s) printed since are not in it ({}{more}); {}",
            file.display(),
            loss.missing.len(),
            first.join(", "),
            if behind.is_empty() { "its counters are past them".into() } else { behind.join("; ") }
        );
        if !accept_loss {
            bail!(
                "{said}. Restored as it is, the register would give these numbers again, each document genuine at verify; nothing was restored. \
                 Use a newer backup, or give --accept-loss: these documents are then recorded from the manifests and the counters raised past them"
            );
        }
        println!("{said}: recording them from the manifests (--accept-loss)");
    }
    // The signed revocation lists beside the trust list say what was
    // revoked since the backup: checked against the district's trust list,
    // they are recorded too (a list that does not verify refuses the
    // restore: it is not the district's).
    let published: Vec<terbit::kind::standing::Entry> = if keys.join("trust.json").is_file() {
        let store = super::register::trust_store(&super::register::Trust::Keys(keys.clone()), chrono::Utc::now().timestamp())?;
        store.revocations.entries().map(|(_, e)| e.clone()).collect()
    } else {
        println!("note: no trust list in {}: the signed revocation lists cannot be checked, so revocations made after the backup are not recovered (revoke those documents again)", keys.display());
        Vec::new()
    };
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let r = backup::restore(file, &register, &proven, &names, &published, &now)?;
    println!("register restored to {} from {}:", register.display(), file.display());
    print_summary(&r.summary);
    if r.recorded > 0 {
        println!("  {} document(s) recorded as issued from the run folders' manifests", r.recorded);
    }
    for b in &r.raised {
        println!("  counter {} {} on {} raised from {} to {}", clip_shown(&b.scope, 20), clip_shown(&b.kind, 40), b.issue_date, b.copy, b.proven);
    }
    if !r.not_recorded.is_empty() {
        let first: Vec<String> = r.not_recorded.iter().take(5).map(|n| clip_shown(n, 40)).collect();
        println!(
            "  {} document(s) not recorded (their application holds another number in the backup): {}; their numbers are never given again",
            r.not_recorded.len(),
            first.join(", ")
        );
    }
    if !r.revocations.is_empty() {
        let first: Vec<String> = r.revocations.iter().take(5).map(|n| clip_shown(n, 40)).collect();
        let more = if r.revocations.len() > 5 { format!(" and {} more", r.revocations.len() - 5) } else { String::new() };
        println!("  {} revocation(s) or supersession(s) recorded from the signed lists (made after the backup): {}{more}", r.revocations.len(), first.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// `terbit register rebuild`: a register made from what was published —
/// the run folders (each seal checked as `register check` does; a seal
/// that does not verify refuses the rebuild, naming the run), their
/// manifests, the numbers stopped runs left on disk and the signed
/// revocation lists — to a new file.
pub(crate) fn rebuild(dirs: &[PathBuf], trust: &super::register::Trust, keys: Option<&Path>, file: &Path, now: i64) -> Result<ExitCode> {
    use terbit::numbering::backup::{OnDisk, RunRecord};
    use terbit::numbering::check::RunState;
    backup::refuse_present(file)?;
    let store = super::register::trust_store(trust, now)?;
    let folders = super::register::run_folders(dirs)?;
    if folders.is_empty() {
        bail!("no run folder found in {}: give the run folders (or the folders holding them) the office published", dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    let mut proven = Vec::new();
    let mut on_disk = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, dir) in folders.iter().enumerate() {
        let id = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let before = rows.len();
        let state = super::register::read_run(dir, i, &store, &mut rows)?;
        // The same run in the out folder and in an archive: recorded once
        // (a copy whose seal fails is still refused below).
        if !matches!(state, RunState::SealFails(_)) && !seen.insert(id.clone()) {
            rows.truncate(before);
            println!("note: {}: run {} was read already from another folder: left out", clip_shown(&dir.display().to_string(), 300), clip_shown(&id, 60));
            continue;
        }
        // The run's issue date: its numbers', else its name's (YYYYMMDD-…).
        let mut date = None;
        match state {
            RunState::Sealed => {
                for r in rows.drain(before..) {
                    date = date.or_else(|| backup::parse_number(&r.number).map(|p| p.issue_date));
                    if backup::parse_number(&r.number).is_none() {
                        bail!("{}:{} field document_number: {} is not a document number", dir.join("manifest.csv").display(), r.line, clip_shown(&r.number, 60));
                    }
                    proven.push(r);
                }
            }
            RunState::SealFails(why) => bail!(
                "run {}: the seal does not verify: {}; nothing was rebuilt. A register is rebuilt only from runs whose seal the district's trust list verifies: \
                 find the run's original folder (archive, backup disk), or set the folder aside and rebuild without it",
                clip_shown(&dir.display().to_string(), 300),
                clip_shown(&why, 600)
            ),
            RunState::NoSeal | RunState::Stopped(_) => {
                rows.truncate(before);
                let mut n = 0;
                for (kind, number) in super::register::pdfs_on_disk(dir) {
                    match backup::parse_number(&number) {
                        Some(p) => {
                            date = date.or(Some(p.issue_date));
                            on_disk.push(OnDisk { number, kind });
                            n += 1;
                        }
                        None => println!("note: {}: {}.pdf is not named as a document: left out", clip_shown(&dir.display().to_string(), 300), clip_shown(&number, 60)),
                    }
                }
                println!(
                    "note: {}: stopped before it was sealed; recorded as unfinished, and its {n} number(s) on disk as given (never given again; no document is recorded for them)",
                    clip_shown(&dir.display().to_string(), 300)
                );
            }
        }
        let date = date
            .or_else(|| id.get(..8).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y%m%d").ok()))
            .with_context(|| format!("run {}: no document and no date in its name: its issue date is not known", dir.display()))?;
        runs.push(RunRecord { id, issue_date: date.format("%Y-%m-%d").to_string(), finished: matches!(state, RunState::Sealed) });
    }
    let revoked: Vec<_> = store.revocations.entries().map(|(_, e)| e.clone()).collect();
    // The keys folder's binding names the register it issues with: the
    // rebuilt one takes its identity, so `issue` accepts it at that path.
    let bound = match keys {
        Some(k) => terbit::dk1::keys::RegisterBinding::load(k)?,
        None => None,
    };
    let stamp = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Rows name their run by its folder's index (`read_run`'s `i`).
    let names: Vec<String> = folders.iter().map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()).collect();
    let r = backup::rebuild(file, bound.as_ref().map(|b| b.register_id.as_str()), &runs, &proven, &names, &on_disk, &revoked, &stamp)?;
    println!("register rebuilt to {} from {} run folder(s) and the signed revocation lists:", file.display(), runs.len());
    print_summary(&r.summary);
    println!("  {} document(s) recorded from the sealed manifests, {} revocation(s) from the signed lists", r.recorded, r.revocations);
    if !r.not_recorded.is_empty() {
        let first: Vec<String> = r.not_recorded.iter().take(5).map(|n| clip_shown(n, 40)).collect();
        println!("  {} manifest row(s) not recorded (their application holds another number): {}; their numbers are never given again", r.not_recorded.len(), first.join(", "));
    }
    match (keys, &bound) {
        (Some(k), Some(b)) if terbit::issue::binding::canonical(file) != b.register => println!(
            "note: the keys folder {} issues with the register at {}: move the rebuilt register there (or `terbit issue` refuses it at {})",
            k.display(),
            b.register.display(),
            file.display()
        ),
        (Some(k), None) => println!("note: the keys folder {} names no register (no register-binding.json): the rebuilt register has no identity until `terbit issue` gives it one", k.display()),
        (None, _) => println!("note: no keys folder (--trust): the rebuilt register has no identity; if a keys folder names the lost register, rebuild with --keys so `terbit issue` accepts it"),
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// `terbit register migrate --to URL`: the SQLite register into an empty
/// PostgreSQL database, checked, the file set aside.
pub(crate) fn migrate(from: &Place, to: &str) -> Result<ExitCode> {
    let source = file_register(from, "already in PostgreSQL: nothing to migrate; it is copied")?;
    let Place::Postgres(url) = Place::of(Path::new(to))? else {
        bail!("--to {}: give the PostgreSQL database as a postgresql:// URL", clip_shown(to, 200));
    };
    let m = terbit::numbering::migrate::migrate(source, &url)?;
    println!("register {} moved to {} (id {}), every table checked:", source.display(), url.shown(), m.id);
    for (table, rows) in &m.rows {
        println!("  {table:<17} {rows} row(s)");
    }
    println!("The SQLite file was set aside as {} so that no job issues with it again.", m.set_aside.display());
    println!("Now set `register = \"{}\"` in terbit.toml (or give --register): the keys folder follows the register (same id).", url.shown());
    Ok(ExitCode::SUCCESS)
}
