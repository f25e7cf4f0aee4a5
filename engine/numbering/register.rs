//! Number stage and the register: an embedded SQLite database that is the
//! source of truth for what was issued (rules: `README.md` here).
//!
//! Document numbers follow `RRRR-LL-DDMMYYYY-NNNN`: regency,
//! letters of the kind (LU/LT birth on time/late), issue date and a serial
//! that is gap-free per regency, kind and day and never reused. Numbers for
//! a whole batch are assigned in one transaction, so a crash leaves either
//! all of them or none. An application already numbered by the same run is
//! given its number back (a resumed run reproduces identical files); one
//! numbered by another run is never numbered again.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::kind::revocation::{Entry, Status};
use crate::kind::schema::NumberStyle;

/// The register: an SQLite database, the record of every number given.
pub struct Register {
    conn: Connection,
    path: PathBuf,
}

/// A run's one register connection, lent to the stages that use it:
/// numbering (a kind at a time, one transaction each) and the sink (marks
/// after each chunk's files are on disk). SQLite would serialise their
/// writes anyway; the lock does it in the process, without polling.
pub type Shared = std::sync::Mutex<Register>;

/// The register behind `shared`, for one stage's turn.
pub fn lock(shared: &Shared) -> Result<std::sync::MutexGuard<'_, Register>> {
    shared.lock().map_err(|_| Error::Thread { what: "register's", how: "panicked while holding it".into() })
}

/// An accepted application waiting for its number.
#[derive(Debug, Clone)]
pub struct Pending<'a> {
    /// Its application ID.
    pub application_id: &'a str,
    /// The subject: one active document per kind and subject.
    pub nik: &'a str,
    /// Kind letters for the number: "LU", "LT", ... (registration style).
    pub letters: &'a str,
    /// What the serial counts within: the regency (registration style) or
    /// the district (family card numbers).
    pub scope: &'a str,
    /// Where the document is handed out (for statistics).
    pub service_point: &'a str,
}

/// What the register did with one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Numbered {
    /// Freshly numbered in this run.
    New {
        /// The number given.
        number: String,
    },
    /// Numbered earlier by this same run (a resumed or repeated run).
    Resumed {
        /// The number given then.
        number: String,
    },
    /// Numbered by another run that stopped before writing the document
    /// (a crash, then a corrected re-export): this run issues it, under the
    /// same number.
    Adopted {
        /// The number given then.
        number: String,
        /// The run that gave it.
        from_run: String,
        /// The service point that run filed it under.
        service_point: String,
    },
    /// Numbered by another run: must not be issued again. `written` is
    /// false when that run stopped before writing the document, so the
    /// operator knows to re-run that run's batch to finish it.
    AlreadyIssued {
        /// The number it has.
        number: String,
        /// The run that numbered it.
        run_id: String,
        /// Whether that run wrote its document.
        written: bool,
    },
    /// The subject (NIK) already holds an active document of this kind
    /// under another application: never two at once.
    SubjectActive {
        /// The active document's number.
        number: String,
    },
}

impl Numbered {
    /// The number, whatever happened.
    pub fn number(&self) -> &str {
        match self {
            Numbered::New { number }
            | Numbered::Resumed { number }
            | Numbered::Adopted { number, .. }
            | Numbered::AlreadyIssued { number, .. }
            | Numbered::SubjectActive { number } => number,
        }
    }
}

/// `RRRR-LL-DDMMYYYY-NNNN`, or a KK number `DDDDDD` + `DDMMYY` + `NNNN`.
pub fn document_number(style: NumberStyle, scope: &str, letters: &str, issue_date: NaiveDate, serial: i64) -> String {
    match style {
        NumberStyle::Registration => format!("{scope}-{letters}-{}-{serial:04}", issue_date.format("%d%m%Y")),
        NumberStyle::FamilyCard => format!("{scope}{}{serial:04}", issue_date.format("%d%m%y")),
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS documents(
    application_id  TEXT NOT NULL,
    run_id          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    regency         TEXT NOT NULL,
    issue_date      TEXT NOT NULL,
    serial          INTEGER NOT NULL,
    document_number TEXT NOT NULL UNIQUE,
    nik             TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('numbered', 'issued')),
    sha256          TEXT,
    PRIMARY KEY (kind, application_id)
);
CREATE TABLE IF NOT EXISTS serials(
    scope      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    last       INTEGER NOT NULL,
    PRIMARY KEY (scope, kind, issue_date)
);
CREATE INDEX IF NOT EXISTS documents_run ON documents(run_id);
CREATE INDEX IF NOT EXISTS documents_subject ON documents(kind, nik);
CREATE TABLE IF NOT EXISTS runs(
    run_id          TEXT PRIMARY KEY,
    issue_date      TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE TABLE IF NOT EXISTS revocations(
    document_number TEXT PRIMARY KEY REFERENCES documents(document_number),
    status          TEXT NOT NULL CHECK (status IN ('revoked', 'superseded')),
    superseded_by   TEXT REFERENCES documents(document_number),
    reason          TEXT NOT NULL,
    since           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revocation_lists(
    issuer          TEXT PRIMARY KEY,
    sequence        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta(
    key             TEXT PRIMARY KEY,
    value           TEXT NOT NULL
);
";

/// The register's identity in its `meta` table: made once, by the first
/// `terbit issue` into the register (a new one, or one made before), from
/// SQLite's own random source, and kept by every copy of the file: a
/// moved or restored register is the same register, a new one is not.
const ID_KEY: &str = "register_id";

impl Register {
    /// Open (creating if needed) the register at `path`.
    pub fn open(path: &Path) -> Result<Register> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        // Never through a link: the register is written.
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| reg_err(path, e))?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;")
            .map_err(|e| reg_err(path, e))?;
        conn.execute_batch(SCHEMA).map_err(|e| reg_err(path, e))?;
        // Registers made before service points were recorded gain the column.
        let has_sp: bool = conn
            .query_row("SELECT COUNT(*) FROM pragma_table_info('documents') WHERE name = 'service_point'", [], |r| r.get::<_, i64>(0))
            .map_err(|e| reg_err(path, e))?
            > 0;
        if !has_sp {
            conn.execute_batch("ALTER TABLE documents ADD COLUMN service_point TEXT NOT NULL DEFAULT ''")
                .map_err(|e| reg_err(path, e))?;
        }
        Ok(Register { conn, path: path.to_path_buf() })
    }

    /// The identity of the register at `path`, read without writing
    /// anything (`None`: a register made before identities were kept).
    pub fn id_of(path: &Path) -> Result<Option<String>> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| reg_err(path, e))?;
        let has_meta: bool = conn
            .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'", [], |r| r.get::<_, i64>(0))
            .map_err(|e| reg_err(path, e))?
            > 0;
        if !has_meta {
            return Ok(None);
        }
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [ID_KEY], |r| r.get(0)).optional().map_err(|e| reg_err(path, e))
    }

    /// Open the register at `path` to read only (`terbit check`): nothing
    /// is created or written, not even an identity.
    pub fn open_read_only(path: &Path) -> Result<Register> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| reg_err(path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| reg_err(path, e))?;
        Ok(Register { conn, path: path.to_path_buf() })
    }

    /// What [`Register::number`] would refuse, read only: for each pending
    /// application, `AlreadyIssued` (another run that finished issued it)
    /// or `SubjectActive`, else `None` (it would be numbered, or finished
    /// under a stopped run's number).
    pub fn would_refuse(&self, kind: &str, active_from: Option<NaiveDate>, pending: &[Pending]) -> Result<Vec<Option<Numbered>>> {
        let active_from = active_from.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        let mut find = self
            .conn
            .prepare(
                "SELECT d.document_number, d.run_id, d.status = 'issued'
                        AND EXISTS (SELECT 1 FROM runs r WHERE r.run_id = d.run_id AND r.finished_at IS NOT NULL)
                 FROM documents d WHERE d.kind = ?1 AND d.application_id = ?2",
            )
            .map_err(|e| self.err(e))?;
        let mut active = self
            .conn
            .prepare(
                "SELECT d.document_number FROM documents d
                 WHERE d.kind = ?1 AND d.nik = ?2 AND d.application_id != ?3 AND d.issue_date >= ?4
                   AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.document_number = d.document_number)
                 ORDER BY d.document_number LIMIT 1",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            let found: Option<(String, String, bool)> =
                find.query_row([kind, p.application_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional().map_err(|e| self.err(e))?;
            out.push(match found {
                Some((number, run_id, true)) => Some(Numbered::AlreadyIssued { number, run_id, written: true }),
                Some(_) => None,
                None => active
                    .query_row(params![kind, p.nik, p.application_id, active_from], |r| r.get::<_, String>(0))
                    .optional()
                    .map_err(|e| self.err(e))?
                    .map(|number| Numbered::SubjectActive { number }),
            });
        }
        Ok(out)
    }

    /// This register's identity (see [`ID_KEY`]), made now if it has none:
    /// only `terbit issue` makes one (the other commands never write it,
    /// so a register restored from an old copy can still take back its
    /// recorded identity, [`Register::set_id`]).
    pub fn id(&self) -> Result<String> {
        // 16 random bytes as 32 hex digits (SQLite seeds randomblob from the OS).
        self.conn
            .execute("INSERT INTO meta(key, value) VALUES (?1, lower(hex(randomblob(16)))) ON CONFLICT(key) DO NOTHING", [ID_KEY])
            .map_err(|e| self.err(e))?;
        self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [ID_KEY], |r| r.get(0)).map_err(|e| self.err(e))
    }

    /// Give this register the identity `id`: a register restored from a
    /// copy made before identities were kept takes back the one its keys
    /// folder recorded for it.
    pub fn set_id(&self, id: &str) -> Result<()> {
        self.conn
            .execute("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", params![ID_KEY, id])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Wait up to `d` for another connection's write transaction (the
    /// issuing job numbers the next kind on a second connection while its
    /// sink marks documents issued on the first).
    pub fn wait_for_lock(&self, d: std::time::Duration) -> Result<()> {
        self.conn.busy_timeout(d).map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        reg_err(&self.path, e)
    }



    /// Number a batch's accepted applications in one transaction, in order.
    /// Documents of the kind issued before `active_from` have expired (a
    /// KTP stand-in) and no longer block a new one for the same subject.
    #[allow(clippy::too_many_arguments)]
    pub fn number(
        &mut self,
        run_id: &str,
        kind: &str,
        regency: &str,
        issue_date: NaiveDate,
        style: NumberStyle,
        active_from: Option<NaiveDate>,
        pending: &[Pending],
    ) -> Result<Vec<Numbered>> {
        let active_from = active_from.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        let date = issue_date.format("%Y-%m-%d").to_string();
        let tx = write_transaction(&mut self.conn, &self.path)?;
        let mut out = Vec::with_capacity(pending.len());
        {
            // With whether the run that holds it finished (sealed its output).
            let mut find = tx
                .prepare(
                    "SELECT d.document_number, d.run_id, d.status, d.service_point,
                            EXISTS (SELECT 1 FROM runs r WHERE r.run_id = d.run_id AND r.finished_at IS NOT NULL)
                     FROM documents d WHERE d.kind = ?1 AND d.application_id = ?2",
                )
                .map_err(|e| reg_err(&self.path, e))?;
            // A number given by a run that stopped before it finished passes
            // to this run (only one run holds the register), whether or not
            // that run had written its document: a document in no manifest
            // is made again here, listed and sealed, and its stale file goes.
            let mut adopt = tx
                .prepare("UPDATE documents SET run_id = ?2, nik = ?3, service_point = ?4, status = 'numbered', sha256 = NULL WHERE document_number = ?1 AND status IN ('numbered', 'issued')")
                .map_err(|e| reg_err(&self.path, e))?;
            // An active document: not expired, revoked or superseded.
            let mut active = tx
                .prepare(
                    "SELECT d.document_number FROM documents d
                     WHERE d.kind = ?1 AND d.nik = ?2 AND d.application_id != ?3 AND d.issue_date >= ?4
                       AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.document_number = d.document_number)
                     ORDER BY d.document_number LIMIT 1",
                )
                .map_err(|e| reg_err(&self.path, e))?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO documents(application_id, run_id, kind, regency, issue_date, serial, document_number, nik, status, service_point)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'numbered', ?9)",
                )
                .map_err(|e| reg_err(&self.path, e))?;
            let mut serial_of = tx
                .prepare("SELECT last FROM serials WHERE scope = ?1 AND kind = ?2 AND issue_date = ?3")
                .map_err(|e| reg_err(&self.path, e))?;
            // Last serial per scope, read once and written back at the end.
            let mut last: std::collections::BTreeMap<String, i64> = Default::default();
            for p in pending {
                let existing: Option<(String, String, String, Option<String>, bool)> = find
                    .query_row([kind, p.application_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                    .optional()
                    .map_err(|e| reg_err(&self.path, e))?;
                out.push(match existing {
                    Some((number, r, _, _, _)) if r == run_id => Numbered::Resumed { number },
                    Some((number, r, status, sp, finished)) if status == "numbered" || (status == "issued" && !finished) => {
                        adopt.execute(params![number, run_id, p.nik, p.service_point]).map_err(|e| reg_err(&self.path, e))?;
                        Numbered::Adopted { number, from_run: r, service_point: sp.unwrap_or_default() }
                    }
                    Some((number, r, status, _, _)) => Numbered::AlreadyIssued { number, run_id: r, written: status == "issued" },
                    None => match active
                        .query_row(params![kind, p.nik, p.application_id, active_from], |r| r.get::<_, String>(0))
                        .optional()
                        .map_err(|e| reg_err(&self.path, e))?
                    {
                        Some(number) => Numbered::SubjectActive { number },
                        None => {
                            if !last.contains_key(p.scope) {
                                let l: i64 = serial_of
                                    .query_row(params![p.scope, kind, date], |r| r.get(0))
                                    .optional()
                                    .map_err(|e| reg_err(&self.path, e))?
                                    .unwrap_or(0);
                                last.insert(p.scope.to_string(), l);
                            }
                            let serial = last.get_mut(p.scope).map(|l| {
                                *l += 1;
                                *l
                            });
                            let serial = serial.unwrap_or(1);
                            // A KK number has room for four digits; registration numbers
                            // widen past 9999 (a regency-wide re-issue in one day).
                            if serial > 9999 && style == NumberStyle::FamilyCard {
                                return Err(Error::Register {
                                    path: self.path.clone(),
                                    message: format!("serials of {kind} in {} for {date} are exhausted (9999 a day)", p.scope),
                                });
                            }
                            let number = document_number(style, p.scope, p.letters, issue_date, serial);
                            insert
                                .execute(params![p.application_id, run_id, kind, regency, date, serial, number, p.nik, p.service_point])
                                .map_err(|e| reg_err(&self.path, e))?;
                            Numbered::New { number }
                        }
                    },
                });
            }
            for (scope, last) in &last {
                tx.execute(
                    "INSERT INTO serials(scope, kind, issue_date, last) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(scope, kind, issue_date) DO UPDATE SET last = excluded.last",
                    params![scope, kind, date, last],
                )
                .map_err(|e| reg_err(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| reg_err(&self.path, e))?;
        Ok(out)
    }

    /// Record documents whose files are on disk, in one transaction.
    ///
    /// The commit is not synced on its own (synchronous=NORMAL; in WAL mode
    /// the database stays consistent, and only a power cut, not a killed
    /// process, can lose the last marks): a lost mark makes a resumed run
    /// compare that document's file again and mark it then. [`sync`]
    /// makes every mark durable before a run publishes its manifest.
    /// (Synced per chunk, the writer waited on the disk for each commit
    /// while the renderers ran out of work.)
    ///
    /// [`sync`]: Register::sync
    pub fn mark_issued<'a>(&mut self, docs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| self.err(e))?;
        let res = self.mark_issued_tx(docs);
        self.conn.pragma_update(None, "synchronous", "FULL").map_err(|e| self.err(e))?;
        res
    }

    /// Make every committed transaction durable: the write-ahead log is
    /// checkpointed into the database, both synced.
    pub fn sync(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(())).map_err(|e| self.err(e))
    }

    fn mark_issued_tx<'a>(&mut self, docs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<()> {
        let tx = write_transaction(&mut self.conn, &self.path)?;
        {
            let mut upd = tx
                .prepare("UPDATE documents SET status = 'issued', sha256 = ?2 WHERE document_number = ?1")
                .map_err(|e| reg_err(&self.path, e))?;
            for (number, sha) in docs {
                upd.execute(params![number, sha]).map_err(|e| reg_err(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    fn regency_and_status(&self, number: &str) -> Result<Option<(String, String)>> {
        self.conn
            .query_row("SELECT regency, status FROM documents WHERE document_number = ?1", [number], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Record that run `run_id` (issue date `issue_date`) started at `at`
    /// (wall clock, RFC 3339); its first start is kept.
    pub fn run_started(&self, run_id: &str, issue_date: NaiveDate, at: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO runs(run_id, issue_date, started_at) VALUES (?1, ?2, ?3) ON CONFLICT(run_id) DO NOTHING",
                params![run_id, issue_date.format("%Y-%m-%d").to_string(), at],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Record that run `run_id` finished at `at` (its last finish is kept).
    pub fn run_finished(&self, run_id: &str, at: &str) -> Result<()> {
        self.conn.execute("UPDATE runs SET finished_at = ?2 WHERE run_id = ?1", params![run_id, at]).map(|_| ()).map_err(|e| self.err(e))
    }

    /// The runs whose issue date lies in `from..=to`, by issue date.
    pub fn runs(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RunRow>> {
        let mut st = self
            .conn
            .prepare("SELECT run_id, issue_date, started_at, finished_at FROM runs WHERE issue_date BETWEEN ?1 AND ?2 ORDER BY issue_date, started_at")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![from.format("%Y-%m-%d").to_string(), to.format("%Y-%m-%d").to_string()], |r| {
                Ok(RunRow { run_id: r.get(0)?, issue_date: r.get(1)?, started_at: r.get(2)?, finished_at: r.get(3)? })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Runs other than `run_id` that stopped before they finished and still
    /// hold numbers, each as (run, numbers given but not written,
    /// documents written): a run killed, then a corrected export that left
    /// some of its applications out. Their documents are in no manifest.
    pub fn unfinished(&self, run_id: &str) -> Result<Vec<(String, i64, i64)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT d.run_id, SUM(d.status = 'numbered'), SUM(d.status = 'issued') FROM documents d
                 WHERE d.run_id != ?1 AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = d.run_id AND r.finished_at IS NOT NULL)
                 GROUP BY d.run_id ORDER BY d.run_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Runs other than `run_id` that stopped before they finished and hold
    /// no number any more (every one adopted by a later run): their folders
    /// have nothing left to finish.
    pub fn emptied_runs(&self, run_id: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.run_id FROM runs r WHERE r.finished_at IS NULL AND r.run_id != ?1
                 AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.run_id = r.run_id) ORDER BY r.run_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([run_id], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Every number run `run_id` holds.
    pub fn numbers_of_run(&self, run_id: &str) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self.conn.prepare("SELECT document_number FROM documents WHERE run_id = ?1").map_err(|e| self.err(e))?;
        let rows = stmt.query_map([run_id], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The issuing regency of document `number`, if the register holds it.
    pub fn regency_of(&self, number: &str) -> Result<Option<String>> {
        Ok(self.regency_and_status(number)?.map(|(regency, _)| regency))
    }

    /// Record that `number` is revoked, or superseded by `by`, with a reason.
    /// Returns the issuing regency. Refuses unknown or unwritten documents
    /// and a different second revocation of the same document; the same one
    /// again is accepted (the first reason and date stay), so a revocation
    /// whose signed list was not written can be published by a retry.
    pub fn revoke(&mut self, number: &str, by: Option<&str>, reason: &str, since: NaiveDate) -> Result<String> {
        let usage = Error::Usage;
        let (regency, status) = self
            .regency_and_status(number)?
            .ok_or_else(|| usage(format!("document {number} is not in the register {}", self.path.display())))?;
        if status != "issued" {
            return Err(usage(format!("document {number} was numbered but never written; finish its run first")));
        }
        // A document cannot be withdrawn before it existed: verifiers would
        // call copies REVOKED from a day the document did not stand.
        let issued_on: String = self
            .conn
            .query_row("SELECT issue_date FROM documents WHERE document_number = ?1", [number], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let since_text = since.format("%Y-%m-%d").to_string();
        if since_text < issued_on {
            return Err(usage(format!("the revocation date {since_text} is before document {number}'s issue date {issued_on}: give --on {issued_on} or later")));
        }
        if let Some(by) = by {
            if by == number {
                return Err(usage("a document cannot supersede itself".into()));
            }
            match self.regency_and_status(by)? {
                Some((r, st)) if r == regency && st == "issued" => {}
                Some(_) => return Err(usage(format!("document {by} is not an issued document of regency {regency}"))),
                None => return Err(usage(format!("document {by} is not in the register {}: check the number (the newer document must be issued first)", self.path.display()))),
            }
            // A document is replaced by a standing one of its own kind: a
            // birth certificate by a birth certificate, never by a death
            // certificate or by a document itself withdrawn.
            let kind_of = |n: &str| self.conn.query_row("SELECT kind FROM documents WHERE document_number = ?1", [n], |r| r.get::<_, String>(0)).map_err(|e| self.err(e));
            let (old_kind, new_kind) = (kind_of(number)?, kind_of(by)?);
            if old_kind != new_kind {
                return Err(usage(format!("document {by} is a {new_kind}, not a {old_kind}: a document is superseded by one of its own kind")));
            }
            let withdrawn: bool = self
                .conn
                .query_row("SELECT EXISTS (SELECT 1 FROM revocations WHERE document_number = ?1)", [by], |r| r.get(0))
                .map_err(|e| self.err(e))?;
            if withdrawn {
                return Err(usage(format!("document {by} is itself revoked or superseded: supersede {number} by the document that stands")));
            }
            // And of its own subject (the NIK one active document per kind
            // is counted by): a corrected certificate for the same child,
            // never another person's document.
            let nik_of = |n: &str| self.conn.query_row("SELECT nik FROM documents WHERE document_number = ?1", [n], |r| r.get::<_, String>(0)).map_err(|e| self.err(e));
            let (old_nik, new_nik) = (nik_of(number)?, nik_of(by)?);
            if old_nik != new_nik {
                return Err(usage(format!(
                    "document {by} is of subject (NIK) {new_nik}, and {number} of {old_nik}: a document is superseded by a newer one of the same subject"
                )));
            }
        }
        if reason.trim().is_empty() {
            return Err(usage("a reason is required".into()));
        }
        // Superseded from a day the newer document did not stand yet would
        // send a verifier to a document that did not exist. (A revoked
        // document later superseded keeps its revocation's date.)
        if let Some(by) = by {
            let recorded: bool =
                self.conn.query_row("SELECT COUNT(*) FROM revocations WHERE document_number = ?1", [number], |r| r.get::<_, i64>(0)).map_err(|e| self.err(e))? > 0;
            let by_on: String = self.conn.query_row("SELECT issue_date FROM documents WHERE document_number = ?1", [by], |r| r.get(0)).map_err(|e| self.err(e))?;
            if !recorded && since_text < by_on {
                return Err(usage(format!(
                    "{number} superseded from {since_text} by {by}, which was issued on {by_on}: give --on {by_on} or later"
                )));
            }
        }
        let status = if by.is_some() { Status::Superseded } else { Status::Revoked };
        let changed = self
            .conn
            .execute(
                "INSERT INTO revocations(document_number, status, superseded_by, reason, since) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(document_number) DO NOTHING",
                params![number, status.as_str(), by, reason.trim(), since.format("%Y-%m-%d").to_string()],
            )
            .map_err(|e| self.err(e))?;
        if changed == 0 {
            // The same revocation again is a retry (its signed list was
            // perhaps never written): accepted, so the list can be signed
            // and published now. A different one is refused.
            let same: Option<(String, Option<String>)> = self
                .conn
                .query_row("SELECT status, superseded_by FROM revocations WHERE document_number = ?1", [number], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(|e| self.err(e))?;
            let revoked_only = same.as_ref().is_some_and(|(st, newer)| st == Status::Revoked.as_str() && newer.is_none());
            if revoked_only && by.is_some() {
                // The newer document of the same subject can only be issued
                // once this one stopped being active (SUBJECT_ACTIVE): so a
                // revoked document is superseded by the corrected one
                // issued after it, and verifiers then name that one.
                // The revocation stands as recorded: its date (the document
                // stopped being valid then) and its reason, the supersession's
                // reason added after it — never rewritten.
                self.conn
                    .execute(
                        "UPDATE revocations SET status = ?2, superseded_by = ?3, reason = reason || '; superseded: ' || ?4 WHERE document_number = ?1",
                        params![number, status.as_str(), by, reason.trim()],
                    )
                    .map_err(|e| self.err(e))?;
            } else if same != Some((status.as_str().to_string(), by.map(str::to_string))) {
                return Err(usage(format!("document {number} is already revoked or superseded otherwise")));
            }
        }
        Ok(regency)
    }

    /// The revocation recorded for `number`, if any.
    pub fn revocation_of(&self, number: &str) -> Result<Option<Entry>> {
        self.revocations_where("r.document_number = ?1", number).map(|mut v| v.pop())
    }

    /// The number of `issuer`'s next signed revocation list: one past the
    /// last this register numbered and past `floor` (the list already
    /// published, so that a register restored from an older copy never
    /// signs a lower number). Recorded at once: a number is never given
    /// to two lists.
    pub fn next_list_sequence(&mut self, issuer: &str, floor: u64) -> Result<u64> {
        let floor = i64::try_from(floor).unwrap_or(i64::MAX - 1);
        let path = self.path.clone();
        let err = |e| reg_err(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let last: i64 = tx
            .query_row("SELECT sequence FROM revocation_lists WHERE issuer = ?1", [issuer], |r| r.get(0))
            .optional()
            .map_err(err)?
            .unwrap_or(0);
        let next = last.max(floor).checked_add(1).ok_or_else(|| Error::Refused(format!("revocation list numbers of {issuer} are exhausted")))?;
        tx.execute("INSERT INTO revocation_lists(issuer, sequence) VALUES (?1, ?2) ON CONFLICT(issuer) DO UPDATE SET sequence = excluded.sequence", params![issuer, next])
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(next as u64)
    }

    /// Every revocation of a regency's documents, by document number.
    pub fn revocations(&self, regency: &str) -> Result<Vec<Entry>> {
        self.revocations_where("d.regency = ?1", regency)
    }

    fn revocations_where(&self, condition: &str, value: &str) -> Result<Vec<Entry>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT r.document_number, r.status, r.superseded_by, r.reason, r.since
                 FROM revocations r JOIN documents d ON d.document_number = r.document_number
                 WHERE {condition} ORDER BY r.document_number"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([value], |r| {
                let status: String = r.get(1)?;
                Ok(Entry {
                    document_number: r.get(0)?,
                    // The table's CHECK admits only the two names.
                    status: Status::parse(&status).ok_or_else(|| {
                        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, format!("status {status:?}").into())
                    })?,
                    superseded_by: r.get(2)?,
                    reason: r.get(3)?,
                    since: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Every document, in document-number order (the UNIQUE index's
    /// order: `terbit register check` merges it with the sorted manifests
    /// without holding the register in memory).
    pub fn each_document(&self, mut f: impl FnMut(DocumentRow) -> Result<()>) -> Result<()> {
        // A register made before service points were recorded, opened
        // read only, has not gained the column.
        let has_sp: bool = self
            .conn
            .query_row("SELECT COUNT(*) FROM pragma_table_info('documents') WHERE name = 'service_point'", [], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err(e))?
            > 0;
        let sp = if has_sp { "service_point" } else { "''" };
        let mut st = self
            .conn
            .prepare(&format!("SELECT document_number, application_id, kind, nik, {sp}, run_id, status, regency FROM documents ORDER BY document_number"))
            .map_err(|e| self.err(e))?;
        let mut rows = st.query([]).map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let get = |i: usize| r.get::<_, String>(i).map_err(|e| self.err(e));
            f(DocumentRow {
                number: get(0)?,
                application_id: get(1)?,
                kind: get(2)?,
                nik: get(3)?,
                service_point: get(4)?,
                run_id: get(5)?,
                issued: get(6)? == "issued",
                regency: get(7)?,
            })?;
        }
        Ok(())
    }

    /// Every run record, by run id.
    pub fn all_runs(&self) -> Result<Vec<RunRow>> {
        let mut st = self.conn.prepare("SELECT run_id, issue_date, started_at, finished_at FROM runs ORDER BY run_id").map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok(RunRow { run_id: r.get(0)?, issue_date: r.get(1)?, started_at: r.get(2)?, finished_at: r.get(3)? }))
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Every revocation, with the issuing regency, by document number.
    pub fn all_revocations(&self) -> Result<Vec<(String, Entry)>> {
        let regencies: Vec<String> = {
            let mut st = self.conn.prepare("SELECT DISTINCT regency FROM documents ORDER BY regency").map_err(|e| self.err(e))?;
            let rows = st.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<std::result::Result<_, _>>().map_err(|e| self.err(e))?
        };
        let mut out = Vec::new();
        for regency in regencies {
            out.extend(self.revocations(&regency)?.into_iter().map(|e| (regency.clone(), e)));
        }
        // A revocation of a number the register does not hold (the join
        // above drops it): kept, under no regency.
        let mut st = self
            .conn
            .prepare(
                "SELECT r.document_number, r.status, r.superseded_by, r.reason, r.since FROM revocations r
                 WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.document_number = r.document_number)",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                let status: String = r.get(1)?;
                Ok(Entry {
                    document_number: r.get(0)?,
                    status: Status::parse(&status).unwrap_or(Status::Revoked),
                    superseded_by: r.get(2)?,
                    reason: r.get(3)?,
                    since: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        for e in rows {
            out.push((String::new(), e.map_err(|e| self.err(e))?));
        }
        out.sort_by(|a, b| a.1.document_number.cmp(&b.1.document_number));
        Ok(out)
    }

    /// Count of documents per status, for reports and tests.
    pub fn count(&self, status: &str) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM documents WHERE status = ?1", [status], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

/// A write transaction that takes the write lock up front (IMMEDIATE,
/// waiting for it as long as the busy timeout allows), so a transaction that
/// reads and then writes never fails on a snapshot another connection (the
/// job's numbering and its sink each have one) has moved past.
fn write_transaction<'c>(conn: &'c mut Connection, path: &Path) -> Result<rusqlite::Transaction<'c>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| reg_err(path, e))
}

fn reg_err(path: &Path, e: rusqlite::Error) -> Error {
    Error::Register { path: path.to_path_buf(), message: e.to_string() }
}

/// One document as the register records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    /// Its number.
    pub number: String,
    /// The application it was given to.
    pub application_id: String,
    /// Kind name.
    pub kind: String,
    /// The subject.
    pub nik: String,
    /// Where it is handed out.
    pub service_point: String,
    /// The run that holds it.
    pub run_id: String,
    /// Written (`issued`), not only numbered.
    pub issued: bool,
    /// The issuing regency.
    pub regency: String,
}

/// When a run really ran, beside the date its documents carry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunRow {
    /// The run.
    pub run_id: String,
    /// The date its documents carry.
    pub issue_date: String,
    /// Its first start, wall clock (RFC 3339).
    pub started_at: String,
    /// Its last finish, if it finished.
    pub finished_at: Option<String>,
}

/// Documents issued per day, kind and service point (one row each).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatRow {
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Kind name.
    pub kind: String,
    /// Service point code.
    pub service_point: String,
    /// Documents issued.
    pub issued: i64,
    /// Of `issued`: revoked or superseded since.
    pub revoked: i64,
}

impl Register {
    /// Issued documents between `from` and `to` (inclusive), by day, kind
    /// and service point, in that order.
    pub fn stats(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<StatRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT d.issue_date, d.kind, d.service_point, COUNT(*), COUNT(r.document_number)
                 FROM documents d LEFT JOIN revocations r ON r.document_number = d.document_number
                 WHERE d.status = 'issued' AND d.issue_date BETWEEN ?1 AND ?2
                 GROUP BY d.issue_date, d.kind, d.service_point
                 ORDER BY d.issue_date, d.kind, d.service_point",
            )
            .map_err(|e| reg_err(&self.path, e))?;
        let rows = st
            .query_map(params![from.format("%Y-%m-%d").to_string(), to.format("%Y-%m-%d").to_string()], |r| {
                Ok(StatRow { issue_date: r.get(0)?, kind: r.get(1)?, service_point: r.get(2)?, issued: r.get(3)?, revoked: r.get(4)? })
            })
            .map_err(|e| reg_err(&self.path, e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| reg_err(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 6, 23).unwrap()
    }

    #[test]
    fn a_document_is_superseded_only_by_a_standing_one_of_its_kind() {
        let d = tempfile::tempdir().unwrap();
        let mut reg = Register::open(&d.path().join("r.sqlite")).unwrap();
        let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
        let births = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("b"), p("c")]).unwrap();
        let km = Pending { application_id: "x", nik: "x", letters: "KM", scope: "3506", service_point: "KEC-A" };
        let deaths = reg.number("run1", "death", "3506", date(), NumberStyle::Registration, None, &[km]).unwrap();
        let (a, b, c, x) = (births[0].number(), births[1].number(), births[2].number(), deaths[0].number());
        reg.mark_issued([(a, "1"), (b, "2"), (c, "3"), (x, "4")]).unwrap();
        let e = reg.revoke(a, Some(x), "wrong kind", date()).unwrap_err().to_string();
        assert!(e.contains("superseded by one of its own kind"), "{e}");
        reg.revoke(c, None, "fraud", date()).unwrap();
        let e = reg.revoke(a, Some(c), "by a revoked one", date()).unwrap_err().to_string();
        assert!(e.contains("itself revoked"), "{e}");
        let e = reg.revoke(a, Some(b), "name corrected", date()).unwrap_err().to_string();
        assert!(e.contains("same subject") && e.contains("NIK) b") && e.contains("of a"), "{e}");
        // The corrected document for the same subject: issued once the
        // first is revoked (never two active), then it supersedes it.
        reg.revoke(a, None, "name misspelt", date()).unwrap();
        let again = Pending { application_id: "a2", nik: "a", letters: "LU", scope: "3506", service_point: "KEC-A" };
        let n = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[again]).unwrap();
        let a2 = n[0].number().to_string();
        reg.mark_issued([(a2.as_str(), "5")]).unwrap();
        reg.revoke(a, Some(&a2), "name corrected", date().succ_opt().unwrap()).unwrap();
        let e = reg.revocation_of(a).unwrap().unwrap();
        assert_eq!((e.status, e.superseded_by.as_deref()), (Status::Superseded, Some(a2.as_str())));
        // The revocation as recorded stays: its date and its reason, the
        // supersession's reason after it.
        assert_eq!((e.since.as_str(), e.reason.as_str()), ("2021-06-23", "name misspelt; superseded: name corrected"));
        // Not before the document's issue date.
        let e = reg.revoke(b, None, "x", date().pred_opt().unwrap()).unwrap_err().to_string();
        assert!(e.contains("before document") && e.contains("issue date 2021-06-23"), "{e}");
    }

    #[test]
    fn a_document_is_not_superseded_from_before_its_successor_stood() {
        let d = tempfile::tempdir().unwrap();
        let mut reg = Register::open(&d.path().join("r.sqlite")).unwrap();
        let p = |id: &'static str| Pending { application_id: id, nik: "k", letters: "LU", scope: "3506", service_point: "KEC-A" };
        let old = reg.number("run1", "ktp", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap()[0].number().to_string();
        // Ten days on, the first no longer counts as active (an expired card): a new one for the same subject.
        let later = date() + chrono::Days::new(10);
        let new = reg.number("run2", "ktp", "3506", later, NumberStyle::Registration, Some(later), &[p("b")]).unwrap()[0].number().to_string();
        reg.mark_issued([(old.as_str(), "1"), (new.as_str(), "2")]).unwrap();
        let e = reg.revoke(&old, Some(&new), "renewed", date()).unwrap_err().to_string();
        assert!(e.contains("which was issued on 2021-07-03") && e.contains("--on 2021-07-03"), "{e}");
        reg.revoke(&old, Some(&new), "renewed", later).unwrap();
        assert_eq!(reg.revocation_of(&old).unwrap().unwrap().since, "2021-07-03");
    }

    #[test]
    fn gap_free_and_never_twice() {
        let d = tempfile::tempdir().unwrap();
        let mut reg = Register::open(&d.path().join("r.sqlite")).unwrap();
        let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
        let n = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("b")]).unwrap();
        assert_eq!(n[0], Numbered::New { number: "3506-LU-23062021-0001".into() });
        assert_eq!(n[1].number(), "3506-LU-23062021-0002");
        // Same run again: the same numbers come back, nothing new.
        let again = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("c")]).unwrap();
        assert_eq!(again[0], Numbered::Resumed { number: "3506-LU-23062021-0001".into() });
        assert_eq!(again[1].number(), "3506-LU-23062021-0003");
        // Another run finishes a number never written (a corrected export
        // after a crash), under the same number; it never re-issues one.
        let other = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[p("b")]).unwrap();
        assert_eq!(other[0], Numbered::Adopted { number: "3506-LU-23062021-0002".into(), from_run: "run1".into(), service_point: "KEC-A".into() });
        assert_eq!(reg.unfinished("run2").unwrap(), vec![("run1".to_string(), 2, 0)]);
        // A document run1 wrote before it stopped (never sealed, in no
        // manifest) is adopted too: made again by run2, listed and sealed.
        reg.run_started("run1", date(), "").unwrap();
        reg.mark_issued([("3506-LU-23062021-0001", "ab")]).unwrap();
        assert_eq!(reg.unfinished("run2").unwrap(), vec![("run1".to_string(), 1, 1)]);
        let other = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap();
        assert_eq!(other[0], Numbered::Adopted { number: "3506-LU-23062021-0001".into(), from_run: "run1".into(), service_point: "KEC-A".into() });
        assert_eq!(reg.count("issued").unwrap(), 0, "adopted: to be written by run2");
        reg.mark_issued([("3506-LU-23062021-0001", "ab")]).unwrap();
        // Once run2 has finished, its documents are never issued again.
        reg.run_started("run2", date(), "").unwrap();
        reg.run_finished("run2", "").unwrap();
        let other = reg.number("run6", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap();
        assert!(matches!(other[0], Numbered::AlreadyIssued { written: true, .. }), "{other:?}");
        assert_eq!(reg.unfinished("run6").unwrap(), vec![("run1".to_string(), 1, 0)]);
        assert_eq!(reg.next_list_sequence("3506", 0).unwrap(), 1);
        assert_eq!(reg.next_list_sequence("3506", 0).unwrap(), 2);
        assert_eq!(reg.next_list_sequence("3506", 9).unwrap(), 10, "past the list already published");
        assert_eq!(reg.next_list_sequence("3527", 0).unwrap(), 1);
        assert_eq!(reg.count("issued").unwrap(), 1);
        assert_eq!(reg.count("numbered").unwrap(), 2);
        // Revocation: only issued documents, once, with a reason.
        let d2 = date();
        assert!(reg.revoke("3506-LU-23062021-0002", None, "x", d2).is_err(), "never written");
        assert!(reg.revoke("3506-LU-23062021-0009", None, "x", d2).is_err(), "unknown");
        assert!(reg.revoke("3506-LU-23062021-0001", None, " ", d2).is_err(), "no reason");
        assert_eq!(reg.revoke("3506-LU-23062021-0001", None, "data error", d2).unwrap(), "3506");
        // The same revocation again is a retry (to publish its list); a
        // different one is refused; the first reason stays.
        assert_eq!(reg.revoke("3506-LU-23062021-0001", None, "again", d2).unwrap(), "3506");
        assert!(reg.revoke("3506-LU-23062021-0001", Some("3506-LU-23062021-0003"), "other", d2).is_err(), "otherwise");
        let list = reg.revocations("3506").unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].reason, "data error");
        assert_eq!(list[0].status, crate::kind::revocation::Status::Revoked);
        // Another application for a subject with an active document is refused;
        // once that document is revoked, a new one may be issued.
        let same_child = |id: &'static str| Pending { application_id: id, nik: "3506010101010009", letters: "LU", scope: "3506", service_point: "KEC-A" };
        let n = reg.number("run3", "birth", "3506", date(), NumberStyle::Registration, None, &[same_child("x")]).unwrap();
        assert!(matches!(n[0], Numbered::New { .. }));
        let n = reg.number("run4", "birth", "3506", date(), NumberStyle::Registration, None, &[same_child("y")]).unwrap();
        assert!(matches!(n[0], Numbered::SubjectActive { .. }), "{n:?}");
        // An expired document (issued before the active window) does not block.
        let later = date() + chrono::Days::new(200);
        let n = reg.number("run5", "birth", "3506", later, NumberStyle::Registration, Some(date() + chrono::Days::new(1)), &[same_child("z")]).unwrap();
        assert!(matches!(n[0], Numbered::New { .. }), "{n:?}");
    }
}
