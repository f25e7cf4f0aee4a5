//! The register's backup and its restore (README "When the disk dies").
//!
//! A backup is SQLite's `VACUUM INTO`: one read transaction, so it is a
//! consistent snapshot even while a run numbers and marks documents on
//! other connections (WAL readers never block the writer). It goes to a
//! new temporary file beside the target (0600, `O_EXCL|O_NOFOLLOW`),
//! synced, then renamed into place without replacing anything.
//!
//! A restore puts such a copy where a lost register was. A copy is older
//! than the register it replaces: the runs after it printed numbers the
//! copy does not know, and a register that forgot them would give them
//! again. So the restore compares the copy with what the run folders'
//! manifests prove was issued (their [`ManifestRow`]s, each run named by
//! index into the run names given beside them); with the loss accepted, those
//! documents are recorded in the restored register as issued (by the run
//! that published them) and every counter is raised past the highest
//! number proven for its scope, kind and day.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Result};
use super::check::ManifestRow;
use crate::kind::standing::Entry;

/// What a register (or a backup of one) holds, as `register backup`
/// prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Its identity (`meta`), if it has one.
    pub id: Option<String>,
    /// Documents numbered (issued or not).
    pub documents: i64,
    /// Of them, written and recorded as issued.
    pub issued: i64,
    /// Runs recorded.
    pub runs: i64,
    /// Revocations and supersessions.
    pub revocations: i64,
    /// Per scope and kind: the latest issue date and the last serial given that day.
    pub last: Vec<Counter>,
}

/// One counter of the `serials` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    /// The regency (registration numbers) or district (family cards).
    pub scope: String,
    /// The kind.
    pub kind: String,
    /// The issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// The last serial given.
    pub last: i64,
}

/// A document number taken apart: what its counter is kept under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberParts {
    /// The serial's scope (regency or district).
    pub scope: String,
    /// The issuing regency.
    pub regency: String,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// The serial.
    pub serial: i64,
}

/// Take a number apart: `RRRR-LL-DDMMYYYY-NNNN` (the serial may be wider),
/// or a family card's 16 digits `DDDDDD` + `DDMMYY` + `NNNN`.
pub fn parse_number(number: &str) -> Option<NumberParts> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = number.split('-').collect();
    match parts.as_slice() {
        [scope, letters, date, serial] if digits(scope) && !letters.is_empty() && date.len() == 8 && digits(date) && serial.len() >= 4 && digits(serial) => Some(NumberParts {
            scope: scope.to_string(),
            regency: scope.to_string(),
            issue_date: NaiveDate::parse_from_str(date, "%d%m%Y").ok()?,
            serial: serial.parse().ok()?,
        }),
        [kk] if kk.len() == 16 && digits(kk) => Some(NumberParts {
            scope: kk[..6].to_string(),
            regency: kk[..4].to_string(),
            issue_date: NaiveDate::parse_from_str(&format!("{}20{}", &kk[6..10], &kk[10..12]), "%d%m%Y").ok()?,
            serial: kk[12..].parse().ok()?,
        }),
        _ => None,
    }
}

/// What a copy lacks of what the runs proved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loss {
    /// Documents in a manifest the copy does not hold, by number.
    pub missing: Vec<ManifestRow>,
    /// Counters the runs prove went further than the copy's.
    pub behind: Vec<Behind>,
    /// Documents the copy holds, but not as issued, that a manifest published.
    pub unmarked: usize,
}

impl Loss {
    /// Whether the copy knows every number the runs proved.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.behind.is_empty()
    }
}

/// One counter the copy has behind what the runs prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behind {
    /// Scope, kind and day of the counter.
    pub scope: String,
    /// The kind.
    pub kind: String,
    /// The day, `YYYY-MM-DD`.
    pub issue_date: String,
    /// The highest serial a manifest shows.
    pub proven: i64,
    /// The copy's counter.
    pub copy: i64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The restored register's contents after the repairs.
    pub summary: Summary,
    /// Missing documents recorded as issued from the manifests.
    pub recorded: usize,
    /// Missing documents not recorded (their application was held under
    /// another number): their numbers are still never given again.
    pub not_recorded: Vec<String>,
    /// Counters raised.
    pub raised: Vec<Behind>,
    /// Revocations and supersessions recorded from the signed lists (made
    /// after the backup).
    pub revocations: Vec<String>,
}

fn reg_err(path: &Path, e: rusqlite::Error) -> Error {
    super::db::lite_err(path, e)
}

fn open_read_only(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NOFOLLOW).map_err(|e| reg_err(path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(|e| reg_err(path, e))?;
    // A file that is not a register (or not SQLite) is named as such.
    let tables: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('documents', 'serials', 'runs', 'revocations')", [], |r| r.get(0))
        .map_err(|e| reg_err(path, e))?;
    if tables != 4 {
        return Err(Error::Usage(format!("{} is not a terbit register (no documents, serials, runs and revocations tables)", path.display())));
    }
    Ok(conn)
}

/// What the register at `path` holds, read only.
pub fn summary(path: &Path) -> Result<Summary> {
    summary_of(&open_read_only(path)?, path)
}

fn summary_of(conn: &Connection, path: &Path) -> Result<Summary> {
    let err = |e| reg_err(path, e);
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(err);
    let has_meta = count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'")? > 0;
    let id = if has_meta {
        conn.query_row("SELECT value FROM meta WHERE key = 'register_id'", [], |r| r.get(0)).optional().map_err(err)?
    } else {
        None
    };
    let mut st = conn
        .prepare(
            "SELECT scope, kind, issue_date, last FROM serials s
             WHERE issue_date = (SELECT MAX(issue_date) FROM serials t WHERE t.scope = s.scope AND t.kind = s.kind)
             ORDER BY scope, kind",
        )
        .map_err(err)?;
    let last = st
        .query_map([], |r| Ok(Counter { scope: r.get(0)?, kind: r.get(1)?, issue_date: r.get(2)?, last: r.get(3)? }))
        .map_err(err)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(err)?;
    Ok(Summary {
        id,
        documents: count("SELECT COUNT(*) FROM documents")?,
        issued: count("SELECT COUNT(*) FROM documents WHERE status = 'issued'")?,
        runs: count("SELECT COUNT(*) FROM runs")?,
        revocations: count("SELECT COUNT(*) FROM revocations")?,
        last,
    })
}


/// Rename `tmp` to `target` only if nothing is there (not even a link),
/// then sync the folder. Where the file system cannot rename without
/// replacing, a hard link does the same: it fails on any existing name.
fn place_new(tmp: &Path, target: &Path) -> Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, tmp, CWD, target, RenameFlags::NOREPLACE) {
        Ok(()) => {}
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            std::fs::hard_link(tmp, target).map_err(|e| Error::io(target, e))?;
            let _ = std::fs::remove_file(tmp);
        }
        Err(e) => return Err(Error::io(target, e.into())),
    }
    crate::util::fs::sync_dir(folder_of(target))
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| Error::io(path, e))
}

fn refuse_existing(path: &Path, what: &str) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::Usage(format!("{} already exists: {what}", path.display())));
    }
    Ok(())
}

/// A consistent copy of the register at `register` (in use or not) into
/// `tmp`, a new empty file: `VACUUM INTO` reads one snapshot.
fn copy_into(register: &Path, tmp: &Path) -> Result<()> {
    let conn = open_read_only(register)?;
    let target = tmp.to_str().ok_or_else(|| Error::Usage(format!("{} is not a UTF-8 path; give another name", tmp.display())))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(|e| reg_err(register, e))?;
    Ok(())
}

/// Back up the register at `register` to `file`, a new file (never
/// replaced, never through a link, 0600), synced with its folder.
/// Returns what the copy holds.
pub fn backup(register: &Path, file: &Path) -> Result<Summary> {
    refuse_existing(file, "a backup never replaces a file; give a new name (e.g. with the date)")?;
    // Not made here: a missing folder is most often a backup disk not
    // mounted, and the copy would land on the disk it is meant to outlive.
    let dir = folder_of(file);
    if !dir.is_dir() {
        return Err(Error::Usage(format!("the folder {} for the backup does not exist (is the backup disk mounted?); make it first", dir.display())));
    }
    through_temporary(file, |tmp| {
        copy_into(register, tmp)?;
        let conn = open_read_only(tmp)?;
        let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| reg_err(tmp, e))?;
        if ok != "ok" {
            return Err(Error::Register { path: tmp.to_path_buf(), message: format!("the copy does not check: {ok}") });
        }
        summary_of(&conn, tmp)
    })
}

/// A new file at `target` made by `make` under a temporary name beside it
/// (0600, never through a link), then synced and put in place without
/// replacing anything; a failure leaves no temporary behind. Backup,
/// restore and rebuild all write their register this way.
fn through_temporary<T>(target: &Path, make: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let tmp = crate::util::fs::tmp_path(target);
    crate::util::fs::create_private(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut guard = crate::util::fs::TempGuard::new(tmp.clone());
    let made = make(&tmp)?;
    sync_file(&tmp)?;
    place_new(&tmp, target)?;
    guard.disarm();
    Ok(made)
}

/// A connection that fills the register at the temporary `tmp`, with no
/// log file beside it: everything is in the one file when it is renamed.
fn open_to_fill(tmp: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(tmp, OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW).map_err(|e| reg_err(tmp, e))?;
    conn.execute_batch("PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;").map_err(|e| reg_err(tmp, e))?;
    Ok(conn)
}

/// Refuse a register (or its log files) at `register`: a restore never
/// replaces one.
pub fn refuse_present(register: &Path) -> Result<()> {
    let keep = "a register is restored only where none is; if it is damaged, move it (and its -wal and -shm files) away first";
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = register.as_os_str().to_owned();
        p.push(suffix);
        refuse_existing(&PathBuf::from(p), keep)?;
    }
    Ok(())
}

/// What the copy at `copy` lacks of `proven` (read only).
pub fn compare(copy: &Path, proven: &[ManifestRow], runs: &[String]) -> Result<Loss> {
    compare_with(&open_read_only(copy)?, copy, proven, runs)
}

fn compare_with(conn: &Connection, path: &Path, proven: &[ManifestRow], runs: &[String]) -> Result<Loss> {
    let err = |e| reg_err(path, e);
    let mut status = conn.prepare("SELECT status FROM documents WHERE document_number = ?1").map_err(err)?;
    let mut counter = conn.prepare("SELECT last FROM serials WHERE scope = ?1 AND kind = ?2 AND issue_date = ?3").map_err(err)?;
    let mut loss = Loss::default();
    let mut highest: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for p in proven {
        match status.query_row([&p.number], |r| r.get::<_, String>(0)).optional().map_err(err)? {
            None => loss.missing.push(p.clone()),
            Some(s) if s != "issued" => loss.unmarked += 1,
            Some(_) => {}
        }
        let parts = parse_number(&p.number).ok_or_else(|| Error::Usage(format!("run {}: {} is not a document number", run_name(runs, p), p.number)))?;
        let key = (parts.scope, p.kind.clone(), parts.issue_date.format("%Y-%m-%d").to_string());
        let h = highest.entry(key).or_insert(0);
        *h = (*h).max(parts.serial);
    }
    for ((scope, kind, issue_date), proven) in highest {
        let copy: i64 = counter.query_row(params![scope, kind, issue_date], |r| r.get(0)).optional().map_err(err)?.unwrap_or(0);
        if proven > copy {
            loss.behind.push(Behind { scope, kind, issue_date, proven, copy });
        }
    }
    loss.missing.sort_by(|a, b| a.number.cmp(&b.number));
    Ok(loss)
}

/// The name of the run `p` is listed in (`runs[p.run]`).
fn run_name<'a>(runs: &'a [String], p: &ManifestRow) -> &'a str {
    runs.get(p.run).map_or("", String::as_str)
}

/// Record in the register open on `conn` (at `path`) every document in
/// `proven` it lacks, as issued by the run that published it (the run
/// recorded as finished), mark those it holds only as numbered issued,
/// and raise every counter past the highest number proven. Returns the
/// documents recorded, those not recorded (their application holds
/// another number) and the counters raised. Shared by restore and rebuild.
fn record_proven(conn: &mut Connection, path: &Path, proven: &[ManifestRow], runs: &[String], now: &str) -> Result<(usize, Vec<String>, Vec<Behind>)> {
    let err = |e| reg_err(path, e);
    let loss = compare_with(conn, path, proven, runs)?;
    let tx = conn.transaction().map_err(err)?;
    let mut recorded = 0;
    let mut not_recorded = Vec::new();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO documents(application_id, run_id, kind, regency, issue_date, serial, document_number, nik, status, sha256, service_point)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'issued', ?9, ?10) ON CONFLICT DO NOTHING",
            )
            .map_err(err)?;
        // Numbered in the copy, published since: issued, by the run that published it.
        let mut mark = tx
            .prepare("UPDATE documents SET status = 'issued', sha256 = ?2, run_id = ?3 WHERE document_number = ?1 AND status = 'numbered'")
            .map_err(err)?;
        let mut run = tx
            .prepare(
                "INSERT INTO runs(run_id, issue_date, started_at, finished_at) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT(run_id) DO UPDATE SET finished_at = COALESCE(runs.finished_at, excluded.finished_at)",
            )
            .map_err(err)?;
        let missing: std::collections::HashSet<&str> = loss.missing.iter().map(|p| p.number.as_str()).collect();
        for p in proven {
            let parts = parse_number(&p.number).ok_or_else(|| Error::Usage(format!("run {}: {} is not a document number", run_name(runs, p), p.number)))?;
            let date = parts.issue_date.format("%Y-%m-%d").to_string();
            let run_id = run_name(runs, p);
            // A run whose manifest is published finished: its documents are never issued again.
            run.execute(params![run_id, date, now]).map_err(err)?;
            if missing.contains(p.number.as_str()) {
                let n = insert
                    .execute(params![p.application_id, run_id, p.kind, parts.regency, date, parts.serial, p.number, p.nik, p.sha256, p.service_point])
                    .map_err(err)?;
                if n == 1 {
                    recorded += 1;
                } else {
                    not_recorded.push(p.number.clone());
                }
            } else {
                mark.execute(params![p.number, p.sha256, run_id]).map_err(err)?;
            }
        }
        for b in &loss.behind {
            tx.execute(
                "INSERT INTO serials(scope, kind, issue_date, last) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(scope, kind, issue_date) DO UPDATE SET last = MAX(last, excluded.last)",
                params![b.scope, b.kind, b.issue_date, b.proven],
            )
            .map_err(err)?;
        }
    }
    tx.commit().map_err(err)?;
    Ok((recorded, not_recorded, loss.behind))
}

/// Put the copy at `copy` in place of the lost register at `register`,
/// made to know every document in `proven`: recorded as issued by the
/// run that published it, with the counters raised past them. The
/// register must be absent (with no write-ahead log of its own left:
/// SQLite would apply an old log to the copy). The backup itself is not
/// changed.
///
/// `published` are the entries of the signed revocation lists (checked by
/// the caller against the district's trust list): what they say and the
/// copy does not (a revocation or supersession made after the backup) is
/// recorded as published, so that the next signed list still names it.
pub fn restore(copy: &Path, register: &Path, proven: &[ManifestRow], runs: &[String], published: &[Entry], now: &str) -> Result<Restored> {
    refuse_present(register)?;
    let dir = folder_of(register);
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    through_temporary(register, |tmp| {
        copy_into(copy, tmp)?;
        let mut conn = open_to_fill(tmp)?;
        let (recorded, not_recorded, raised) = record_proven(&mut conn, tmp, proven, runs, now)?;
        let revocations = record_published(&mut conn, tmp, published)?;
        Ok(Restored { summary: summary_of(&conn, tmp)?, recorded, not_recorded, raised, revocations })
    })
}

/// Record the signed lists' entries the register lacks or holds
/// otherwise (a revocation later turned into a supersession): the
/// published state is what auditors hold. The numbers changed.
fn record_published(conn: &mut Connection, path: &Path, published: &[Entry]) -> Result<Vec<String>> {
    let err = |e| reg_err(path, e);
    let tx = conn.transaction().map_err(err)?;
    let mut changed = Vec::new();
    for e in published {
        let n = tx
            .execute(
                "INSERT INTO revocations(document_number, status, superseded_by, reason, since) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(document_number) DO UPDATE SET status = excluded.status, superseded_by = excluded.superseded_by, reason = excluded.reason, since = excluded.since
                 WHERE (revocations.status, revocations.superseded_by, revocations.reason, revocations.since)
                       IS NOT (excluded.status, excluded.superseded_by, excluded.reason, excluded.since)",
                params![e.document_number, e.status.as_str(), e.superseded_by, e.reason, e.since],
            )
            .map_err(err)?;
        if n > 0 {
            changed.push(e.document_number.clone());
        }
    }
    tx.commit().map_err(err)?;
    Ok(changed)
}

/// A run as a rebuilt register records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The run (its folder's name).
    pub id: String,
    /// Its issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Sealed (finished), or stopped before its seal (unfinished).
    pub finished: bool,
}

/// A document number a stopped run left on disk (a PDF's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDisk {
    /// The number.
    pub number: String,
    /// Its kind (the folder the PDF is in).
    pub kind: String,
}

/// What a rebuild wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebuilt {
    /// The rebuilt register's contents.
    pub summary: Summary,
    /// Documents recorded from the manifests.
    pub recorded: usize,
    /// Manifest rows not recorded (their application holds another number).
    pub not_recorded: Vec<String>,
    /// Revocations recorded from the signed lists.
    pub revocations: usize,
}

/// Make a register at `file` (a new file: never replaced, never through a
/// link, 0600, synced with its folder) from what was published: the runs
/// (sealed ones finished, stopped ones unfinished), the sealed manifests'
/// documents (recorded as issued by their run, counters past them), the
/// numbers stopped runs left on disk (no document is recorded for them —
/// their application and subject are not on disk — but each counter is
/// raised past them, so none is ever given again) and the signed
/// revocation lists' entries as they stand. `id` is the identity the
/// keys folder's binding names; without one the register has none until
/// `terbit issue` makes it.
// Each argument is one published source the register is rebuilt from.
#[allow(clippy::too_many_arguments)]
pub fn rebuild(file: &Path, id: Option<&str>, runs: &[RunRecord], proven: &[ManifestRow], names: &[String], on_disk: &[OnDisk], revoked: &[Entry], now: &str) -> Result<Rebuilt> {
    refuse_present(file)?;
    let dir = folder_of(file);
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    through_temporary(file, |tmp| {
        // The schema is the register's own (made by opening it); its log is
        // folded back into the file when this connection closes.
        {
            let reg = crate::numbering::register::Register::open(&crate::numbering::register::Place::File(tmp.to_path_buf()))?;
            if let Some(id) = id {
                reg.set_id(id)?;
            }
        }
        let mut conn = open_to_fill(tmp)?;
        let err = |e| reg_err(tmp, e);
        {
            let tx = conn.transaction().map_err(err)?;
            for r in runs {
                tx.execute(
                    "INSERT INTO runs(run_id, issue_date, started_at, finished_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(run_id) DO NOTHING",
                    params![r.id, r.issue_date, now, r.finished.then_some(now)],
                )
                .map_err(err)?;
            }
            for d in on_disk {
                let parts = parse_number(&d.number).ok_or_else(|| Error::Usage(format!("{} is not a document number", d.number)))?;
                tx.execute(
                    "INSERT INTO serials(scope, kind, issue_date, last) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(scope, kind, issue_date) DO UPDATE SET last = MAX(last, excluded.last)",
                    params![parts.scope, d.kind, parts.issue_date.format("%Y-%m-%d").to_string(), parts.serial],
                )
                .map_err(err)?;
            }
            tx.commit().map_err(err)?;
        }
        let (recorded, not_recorded, _) = record_proven(&mut conn, tmp, proven, names, now)?;
        let tx = conn.transaction().map_err(err)?;
        let mut revocations = 0;
        for e in revoked {
            revocations += tx
                .execute(
                    "INSERT INTO revocations(document_number, status, superseded_by, reason, since) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(document_number) DO NOTHING",
                    params![e.document_number, e.status.as_str(), e.superseded_by, e.reason, e.since],
                )
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(Rebuilt { summary: summary_of(&conn, tmp)?, recorded, not_recorded, revocations })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_apart_into_their_counter() {
        let p = parse_number("3506-LU-23112026-0007").unwrap();
        assert_eq!((p.scope.as_str(), p.issue_date.to_string().as_str(), p.serial), ("3506", "2026-11-23", 7));
        assert_eq!(parse_number("3506-LT-23112026-10000").unwrap().serial, 10000);
        let k = parse_number("3506012311260007").unwrap();
        assert_eq!((k.scope.as_str(), k.regency.as_str(), k.issue_date.to_string().as_str(), k.serial), ("350601", "3506", "2026-11-23", 7));
        for bad in ["", "3506-LU-2311-0007", "3506-LU-32132026-0007", "35060123112600x7", "a-b-c-d"] {
            assert!(parse_number(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_backup_never_replaces_and_a_restore_records_what_runs_proved() {
        use crate::kind::schema::NumberStyle;
        use crate::numbering::register::{Pending, Register};
        let d = tempfile::tempdir().unwrap();
        let reg_path = d.path().join("r.sqlite");
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut reg = Register::open(&crate::numbering::register::Place::File(reg_path.clone())).unwrap();
        let id = reg.id().unwrap();
        let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
        reg.number("run1", "birth", "3506", date, NumberStyle::Registration, None, &[p("a")]).unwrap();
        let copy = d.path().join("copy.sqlite");
        let s = backup(&reg_path, &copy).unwrap();
        assert_eq!((s.id.as_deref(), s.documents, s.last[0].last), (Some(id.as_str()), 1, 1));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(backup(&reg_path, &copy).unwrap_err().to_string().contains("already exists"));
        // Later: b numbered (the copy does not know it), published by run2.
        reg.number("run2", "birth", "3506", date, NumberStyle::Registration, None, &[p("b")]).unwrap();
        drop(reg);
        let proven = |n: &str, app: &str, run: usize| ManifestRow {
            number: n.into(), application_id: app.into(), kind: "birth".into(), nik: app.into(), service_point: "KEC-A".into(), sha256: "00".into(), run, line: 2,
        };
        let names = ["run1".to_string(), "run2".to_string()];
        let all = [proven("3506-LU-23112026-0001", "a", 0), proven("3506-LU-23112026-0002", "b", 1)];
        let loss = compare(&copy, &all, &names).unwrap();
        assert_eq!(loss.missing.len(), 1);
        assert_eq!(loss.behind, vec![Behind { scope: "3506".into(), kind: "birth".into(), issue_date: "2026-11-23".into(), proven: 2, copy: 1 }]);
        assert!(restore(&copy, &reg_path, &all, &names, &[], "now").unwrap_err().to_string().contains("already exists"));
        for f in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{f}", reg_path.display()));
        }
        // Revoked after the backup (the signed list says so), and once
        // more as the copy has it already: recorded once.
        let published = [
            Entry { document_number: "3506-LU-23112026-0002".into(), status: crate::kind::standing::Status::Revoked, superseded_by: None, reason: "wrong name".into(), since: "2026-11-24".into() },
            Entry { document_number: "3506-LU-23112026-0002".into(), status: crate::kind::standing::Status::Revoked, superseded_by: None, reason: "wrong name".into(), since: "2026-11-24".into() },
        ];
        let r = restore(&copy, &reg_path, &all, &names, &published, "now").unwrap();
        assert_eq!((r.recorded, r.summary.issued, r.summary.last[0].last, r.summary.id.as_deref()), (1, 2, 2, Some(id.as_str())));
        assert_eq!((r.revocations.as_slice(), r.summary.revocations), (["3506-LU-23112026-0002".to_string()].as_slice(), 1));
        // The next number is past what the runs printed, and b is issued.
        let mut reg = Register::open(&crate::numbering::register::Place::File(reg_path.clone())).unwrap();
        let n = reg.number("run3", "birth", "3506", date, NumberStyle::Registration, None, &[p("b"), p("c")]).unwrap();
        assert!(matches!(n[0], crate::numbering::register::Numbered::AlreadyIssued { .. }), "{n:?}");
        assert_eq!(n[1].number(), "3506-LU-23112026-0003");
    }
    #[test]
    fn a_rebuild_records_runs_documents_stopped_numbers_and_revocations() {
        use crate::kind::standing::Status;
        use crate::kind::schema::NumberStyle;
        use crate::numbering::register::{Numbered, Pending, Register};
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("r.sqlite");
        let proven = |n: &str, app: &str| ManifestRow {
            number: n.into(), application_id: app.into(), kind: "birth".into(), nik: app.into(), service_point: "KEC-A".into(), sha256: "00".into(), run: 0, line: 2,
        };
        let names = ["run1".to_string()];
        let runs = [
            RunRecord { id: "run1".into(), issue_date: "2026-11-23".into(), finished: true },
            RunRecord { id: "run2".into(), issue_date: "2026-11-23".into(), finished: false },
        ];
        let on_disk = [OnDisk { number: "3506-LU-23112026-0004".into(), kind: "birth".into() }];
        let revoked = [Entry { document_number: "3506-LU-23112026-0001".into(), status: Status::Revoked, superseded_by: None, reason: "wrong name".into(), since: "2026-11-24".into() }];
        let r = rebuild(&file, Some("abc"), &runs, &[proven("3506-LU-23112026-0001", "a"), proven("3506-LU-23112026-0002", "b")], &names, &on_disk, &revoked, "now").unwrap();
        assert_eq!((r.recorded, r.revocations, r.summary.id.as_deref(), r.summary.runs, r.summary.last[0].last), (2, 1, Some("abc"), 2, 4));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(rebuild(&file, None, &[], &[], &[], &[], &[], "now").unwrap_err().to_string().contains("already exists"));
        let mut reg = Register::open(&crate::numbering::register::Place::File(file.clone())).unwrap();
        assert_eq!(reg.revocation_of("3506-LU-23112026-0001").unwrap().map(|e| e.reason), Some("wrong name".into()));
        let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let n = reg.number("run3", "birth", "3506", date, NumberStyle::Registration, None, &[p("b"), p("c")]).unwrap();
        assert!(matches!(n[0], Numbered::AlreadyIssued { .. }), "{n:?}");
        // Past the stopped run's number on disk.
        assert_eq!(n[1].number(), "3506-LU-23112026-0005");
    }
}
