//! Number stage and the register: the source of truth for what was issued
//! (rules: `README.md` here), an SQLite file on the issuing host or a
//! PostgreSQL database several hosts share (`db.rs`, `bulk.rs`).
//!
//! Document numbers follow `RRRR-LL-DDMMYYYY-NNNN`: regency,
//! letters of the kind (LU/LT birth on time/late), issue date and a serial
//! that is gap-free per regency, kind and day and never reused. Numbers for
//! a whole batch are assigned in one transaction, so a crash leaves either
//! all of them or none. An application already numbered by the same run is
//! given its number back (a resumed run reproduces identical files); one
//! numbered by another run is never numbered again.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::bulk;
use super::db::{lite_err, pg_err, ColumnError, Db, Row, V};
pub use super::place::{PgUrl, Place};
use crate::error::{Error, Result};
use crate::kind::standing::{Entry, Status};
use crate::kind::schema::NumberStyle;

/// The register, the record of every number given.
pub struct Register {
    // One connection, borrowed by each call for its own statements (the
    // PostgreSQL client's calls take it mutably).
    db: RefCell<Db>,
    place: Place,
    /// Where errors say the register is (a URL without its password).
    at: PathBuf,
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

/// Where a register was migrated to, in the SQLite file left behind.
pub(crate) const MOVED_KEY: &str = "migrated_to";

/// PostgreSQL's spelling of the schema: the same tables, whole numbers
/// as BIGINT (Rust's i64 either way).
fn pg_schema() -> String {
    SCHEMA.replace("INTEGER", "BIGINT")
        // Room left in each page, so that marking a document issued
        // rewrites its row in place (a HOT update: no index touched) —
        // the server then works less while the documents render.
        + "ALTER TABLE documents SET (fillfactor = 45);
           ALTER TABLE documents ADD COLUMN IF NOT EXISTS service_point TEXT NOT NULL DEFAULT '';
           ALTER TABLE revocation_lists ADD COLUMN IF NOT EXISTS list TEXT;
           ALTER TABLE runs ADD COLUMN IF NOT EXISTS published BIGINT NOT NULL DEFAULT 0;"
}

/// A primary told to wait for a synchronous standby that is not connected
/// holds every commit until it comes: a night would wait without a word.
/// Refused before anything is written, naming the setting.
fn standby_is_there(db: &mut Db, at: &Path) -> Result<()> {
    let names = db.one(at, "SELECT current_setting('synchronous_standby_names')", &[], |r| r.text(0))?.unwrap_or_default();
    let commit = db.one(at, "SELECT current_setting('synchronous_commit')", &[], |r| r.text(0))?.unwrap_or_default();
    if names.trim().is_empty() || matches!(commit.as_str(), "off" | "local") {
        return Ok(());
    }
    // A role without pg_read_all_stats sees the standbys' rows but not
    // their state: then any connected standby is taken as the one.
    let connected = db
        .one(at, "SELECT COUNT(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum') OR sync_state IS NULL", &[], |r| r.int(0))?
        .unwrap_or(0);
    if connected > 0 {
        return Ok(());
    }
    Err(Error::Register {
        path: at.to_path_buf(),
        message: format!(
            "the server waits for a synchronous standby (synchronous_standby_names = {}) and none is connected: every commit would wait until one is. \
             Start the standby (its primary_conninfo naming itself with application_name as listed), or clear synchronous_standby_names on the server; nothing was written",
            crate::util::show::clip_shown(&names, 120)
        ),
    })
}

/// Whether [`pg_schema`] has been made in the connection's schema (read
/// from the catalog: no lock on the tables).
fn pg_schema_made(db: &mut Db, at: &Path) -> Result<bool> {
    let n = db.one(
        at,
        "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'runs' AND column_name = 'published'",
        &[],
        |r| r.int(0),
    )?;
    Ok(n.unwrap_or(0) > 0)
}

/// How long a writer waits for another's lock (another process's SQLite
/// transaction, another host's numbering of the same kind) before it says
/// so, and how long a PostgreSQL connection may take to be made.
const LOCK_WAIT_SECS: u64 = 300;
const CONNECT_SECS: u64 = 15;

impl Register {
    /// Open (creating if needed) the register at `place`.
    pub fn open(place: &Place) -> Result<Register> {
        match place {
            Place::File(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                }
                // Never through a link: the register is written.
                let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
                let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(|e| lite_err(path, e))?;
                conn.set_prepared_statement_cache_capacity(64);
                let mut db = Db::Lite(conn);
                db.batch(path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;")?;
                db.batch(path, SCHEMA)?;
                // Registers made before these were recorded gain the columns:
                // service points, a run's publication, the newest signed list.
                for (table, column, decl) in [
                    ("documents", "service_point", "TEXT NOT NULL DEFAULT ''"),
                    ("runs", "published", "INTEGER NOT NULL DEFAULT 0"),
                    ("revocation_lists", "list", "TEXT"),
                ] {
                    let has = db.one(path, &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = ?1"), &[V::T(column)], |r| r.int(0))?.unwrap_or(0) > 0;
                    if !has {
                        db.batch(path, &format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
                    }
                }
                // A register moved into PostgreSQL is never written here
                // again, whatever keys folder comes with it: it would give
                // the numbers the database gives.
                if let Some(to) = db.one(path, "SELECT value FROM meta WHERE key = ?1", &[V::T(MOVED_KEY)], |r| r.text(0))? {
                    return Err(Error::Usage(format!(
                        "the register {} was migrated to {} (`terbit register migrate`): it is never issued or revoked with again. Give --register {}",
                        path.display(),
                        crate::util::show::clip_shown(&to, 300),
                        crate::util::show::clip_shown(&to, 300)
                    )));
                }
                Ok(Register::of(db, place))
            }
            Place::Postgres(url) => {
                let mut db = connect(url, false)?;
                let at = place.shown();
                // The schema is made (or completed) only when it is not all
                // there: its ALTER TABLE takes an ACCESS EXCLUSIVE lock on
                // `documents` even when the column exists, so a host starting
                // its night would wait for every other host's open numbering
                // transaction (a stalled host's: the whole lock timeout, then
                // fail), and every other host's statements would queue
                // behind it meanwhile. The column is the schema's last
                // statement, made in the one transaction with the rest.
                standby_is_there(&mut db, &at)?;
                if !pg_schema_made(&mut db, &at)? {
                    // Two hosts starting at once must not both create the tables.
                    db.write(&at, |db| {
                        db.exec(&at, "SELECT pg_advisory_xact_lock(7260, 0)", &[])?;
                        db.batch(&at, &pg_schema())
                    })?;
                }
                Ok(Register::of(db, place))
            }
        }
    }

    fn of(db: Db, place: &Place) -> Register {
        Register { db: RefCell::new(db), at: place.shown(), place: place.clone() }
    }

    /// Where the register is.
    pub fn place(&self) -> &Place {
        &self.place
    }

    /// The identity of the register at `place`, read without writing
    /// anything (`None`: a register made before identities were kept, or
    /// a PostgreSQL database no `terbit issue` has made a register in).
    pub fn id_of(place: &Place) -> Result<Option<String>> {
        let reg = Register::open_read_only(place)?;
        if !reg.has_table("meta")? {
            return Ok(None);
        }
        reg.one("SELECT value FROM meta WHERE key = ?1", &[V::T(ID_KEY)], |r| r.text(0))
    }

    fn has_table(&self, name: &str) -> Result<bool> {
        let sql = if self.db()?.is_pg() {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?1"
        } else {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1"
        };
        Ok(self.one(sql, &[V::T(name)], |r| r.int(0))?.unwrap_or(0) > 0)
    }

    /// Whether the register holds anything yet (a PostgreSQL database no
    /// `terbit issue` made a register in holds no tables).
    pub fn exists(place: &Place) -> Result<bool> {
        match place {
            Place::File(p) => Ok(p.is_file()),
            // A database whose register tables were emptied (or never
            // filled) holds no register: neither an identity nor a number.
            Place::Postgres(_) => {
                let reg = Register::open_read_only(place)?;
                Ok(reg.has_table("documents")?
                    && reg.has_table("meta")?
                    && reg.one("SELECT EXISTS (SELECT 1 FROM meta WHERE key = ?1) OR EXISTS (SELECT 1 FROM documents)", &[V::T(ID_KEY)], |r| r.flag(0))?.unwrap_or(false))
            }
        }
    }

    /// Open the register at `place` to read only (`terbit check`): nothing
    /// is created or written, not even an identity.
    pub fn open_read_only(place: &Place) -> Result<Register> {
        match place {
            Place::File(path) => {
                let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
                let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(|e| lite_err(path, e))?;
                conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| lite_err(path, e))?;
                Ok(Register::of(Db::Lite(conn), place))
            }
            Place::Postgres(url) => Ok(Register::of(connect(url, true)?, place)),
        }
    }

    fn db(&self) -> Result<std::cell::RefMut<'_, Db>> {
        // Each method borrows the connection for its own statements only.
        self.db.try_borrow_mut().map_err(|_| Error::Register { path: self.at.clone(), message: "the connection is in use (a register call inside another)".into() })
    }

    /// The connection, for a whole-register task of this module's (a
    /// migration): `f` gets it and where errors say the register is.
    pub(crate) fn with_db<T>(&self, f: impl FnOnce(&mut Db, &Path) -> Result<T>) -> Result<T> {
        f(&mut *self.db()?, &self.at)
    }

    fn exec(&self, sql: &str, p: &[V]) -> Result<u64> {
        self.db()?.exec(&self.at, sql, p)
    }

    fn rows<T>(&self, sql: &str, p: &[V], f: impl FnMut(&Row) -> std::result::Result<T, ColumnError>) -> Result<Vec<T>> {
        self.db()?.rows(&self.at, sql, p, f)
    }

    fn one<T>(&self, sql: &str, p: &[V], f: impl FnMut(&Row) -> std::result::Result<T, ColumnError>) -> Result<Option<T>> {
        self.db()?.one(&self.at, sql, p, f)
    }

    /// What [`Register::number`] would refuse, read only: for each pending
    /// application, `AlreadyIssued` (another run that finished issued it)
    /// or `SubjectActive`, else `None` (it would be numbered, or finished
    /// under a stopped run's number).
    pub fn would_refuse(&self, kind: &str, active_from: Option<NaiveDate>, pending: &[Pending]) -> Result<Vec<Option<Numbered>>> {
        let active_from = active_from.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        let apps: Vec<&str> = pending.iter().map(|p| p.application_id).collect();
        let niks: Vec<&str> = pending.iter().map(|p| p.nik).collect();
        let mut db = self.db()?;
        let known = bulk::known(&mut db, &self.at, kind, &apps)?;
        let holders = bulk::holders(&mut db, &self.at, kind, &niks, &active_from)?;
        Ok(pending
            .iter()
            .map(|p| match known.get(p.application_id) {
                Some(k) if k.issued && k.finished => Some(Numbered::AlreadyIssued { number: k.number.clone(), run_id: k.run_id.clone(), written: true }),
                Some(_) => None,
                None => first_other(&holders, p).map(|number| Numbered::SubjectActive { number }),
            })
            .collect())
    }

    /// This register's identity (see `ID_KEY`), made now if it has none:
    /// only `terbit issue` makes one (the other commands never write it,
    /// so a register restored from an old copy can still take back its
    /// recorded identity, [`Register::set_id`]).
    pub fn id(&self) -> Result<String> {
        // 16 random bytes as 32 hex digits, from the database's own strong
        // random source (SQLite seeds randomblob from the OS; PostgreSQL's
        // gen_random_uuid uses its cryptographic one).
        let make = if self.db()?.is_pg() { "replace(gen_random_uuid()::text, '-', '')" } else { "lower(hex(randomblob(16)))" };
        self.exec(&format!("INSERT INTO meta(key, value) VALUES (?1, {make}) ON CONFLICT(key) DO NOTHING"), &[V::T(ID_KEY)])?;
        self.one("SELECT value FROM meta WHERE key = ?1", &[V::T(ID_KEY)], |r| r.text(0))?
            .ok_or_else(|| Error::Register { path: self.at.clone(), message: "its identity could not be recorded".into() })
    }

    /// Give this register the identity `id`: a register restored from a
    /// copy made before identities were kept takes back the one its keys
    /// folder recorded for it.
    pub fn set_id(&self, id: &str) -> Result<()> {
        self.exec("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", &[V::T(ID_KEY), V::T(id)]).map(|_| ())
    }

    /// Wait up to `d` for another connection's write transaction (the
    /// issuing job numbers the next kind on a second connection while its
    /// sink marks documents issued on the first) or another host's lock.
    pub fn wait_for_lock(&self, d: std::time::Duration) -> Result<()> {
        let mut db = self.db()?;
        match &mut *db {
            Db::Lite(c) => c.busy_timeout(d).map_err(|e| lite_err(&self.at, e)),
            Db::Pg(_) => db.batch(&self.at, &format!("SET lock_timeout = '{}ms'", d.as_millis())),
        }
    }

    /// Claim run `run_id` for this process: on a register several hosts
    /// share, one host issues a run at a time (a night stopped on one host
    /// is finished on another once the first has let go: its connection
    /// ended). Refused, naming the run, while another holds it.
    pub fn claim_run(&self, run_id: &str) -> Result<()> {
        if self.db()?.claim_run(&self.at, run_id)? {
            return Ok(());
        }
        // Who holds it, so that a host known dead can be let go of.
        let holder = self
            .one(
                "SELECT a.pid::bigint, COALESCE(host(a.client_addr), 'local socket'), COALESCE(to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ'), '')
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.locktype = 'advisory' AND l.classid = 7262 AND l.objsubid = 2 AND l.granted
                   AND l.objid = ((hashtext(?1)::bigint + 4294967296) % 4294967296)::oid",
                &[V::T(run_id)],
                |r| {
                    let pid = r.int(0)?;
                    Ok(format!(" (PostgreSQL connection pid {pid} from {}, since {}; if that host is dead: SELECT pg_terminate_backend({pid}))", r.text(1)?, r.text(2)?))
                },
            )
            .ok()
            .flatten()
            .unwrap_or_default();
        Err(Error::Usage(format!(
            "run {run_id} is being issued now by another host on the register {}{}: wait for it to finish (or stop it), then run again to finish what it left",
            self.place,
            crate::util::show::clip_shown(&holder, 300)
        )))
    }

    /// Number a batch's accepted applications in one transaction, in order.
    /// Documents of the kind issued before `active_from` have expired (a
    /// KTP stand-in) and no longer block a new one for the same subject.
    ///
    /// What the register holds for the batch is read first, in bulk; the
    /// rules below decide each application in order, keeping what the
    /// batch itself changes (a subject given a document earlier in the
    /// batch holds it for the rest); then everything is written in bulk.
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
        let at = self.at.clone();
        let mut db = self.db()?;
        db.write(&at, |db| {
            db.lock_kind(&at, kind)?;
            let apps: Vec<&str> = pending.iter().map(|p| p.application_id).collect();
            let niks: Vec<&str> = pending.iter().map(|p| p.nik).collect();
            let known = bulk::known(db, &at, kind, &apps)?;
            let mut given: HashMap<&str, String> = HashMap::new();
            let mut holders = bulk::holders(db, &at, kind, &niks, &active_from)?;
            // Runs another host is issuing now: their numbers are theirs.
            let mut live: HashMap<String, bool> = HashMap::new();
            let mut last: BTreeMap<String, i64> = BTreeMap::new();
            let mut new_docs: Vec<bulk::NewDoc> = Vec::new();
            let mut adopted: Vec<bulk::Adoption> = Vec::new();
            let mut out = Vec::with_capacity(pending.len());
            for p in pending {
                // Given or taken over by this call already (the same
                // application twice in a batch): its number back.
                if let Some(number) = given.get(p.application_id) {
                    out.push(Numbered::Resumed { number: number.clone() });
                    continue;
                }
                out.push(match known.get(p.application_id) {
                    Some(k) if k.run_id == run_id => Numbered::Resumed { number: k.number.clone() },
                    // A number given by a run that stopped before it
                    // finished passes to this run, whether or not that run
                    // had written its document: a document in no manifest
                    // is made again here, listed and sealed, and its stale
                    // file goes.
                    Some(k) if k.not_final() && !is_live(db, &at, &mut live, &k.run_id)? => {
                        // The subject it counts for is this application's now.
                        if let Some(h) = holders.get_mut(&k.nik) {
                            h.remove(&k.number);
                        }
                        if k.issue_date.as_str() >= active_from.as_str() && !k.withdrawn {
                            holders.entry(p.nik.to_string()).or_default().insert(k.number.clone(), p.application_id.to_string());
                        }
                        given.insert(p.application_id, k.number.clone());
                        adopted.push((k.number.clone(), p.nik, p.service_point));
                        Numbered::Adopted { number: k.number.clone(), from_run: k.run_id.clone(), service_point: k.service_point.clone() }
                    }
                    Some(k) => Numbered::AlreadyIssued { number: k.number.clone(), run_id: k.run_id.clone(), written: k.issued },
                    None => match first_other(&holders, p) {
                        Some(number) => Numbered::SubjectActive { number },
                        None => {
                            let serial = match last.get_mut(p.scope) {
                                Some(l) => l,
                                None => {
                                    let l = db
                                        .one(&at, "SELECT last FROM serials WHERE scope = ?1 AND kind = ?2 AND issue_date = ?3", &[V::T(p.scope), V::T(kind), V::T(&date)], |r| r.int(0))?
                                        .unwrap_or(0);
                                    last.entry(p.scope.to_string()).or_insert(l)
                                }
                            };
                            // A counter out of range was written by something
                            // else than terbit: said, never wrapped or printed.
                            *serial = match serial.checked_add(1) {
                                Some(next) if next > 0 => next,
                                _ => {
                                    return Err(Error::Register {
                                        path: at.clone(),
                                        message: format!("the counter of {kind} in {} for {date} is {serial}, which terbit never writes: the register was changed; run `terbit register check`", p.scope),
                                    })
                                }
                            };
                            let serial = *serial;
                            // A KK number has room for four digits; registration numbers
                            // widen past 9999 (a regency-wide re-issue in one day).
                            if serial > 9999 && style == NumberStyle::FamilyCard {
                                return Err(Error::Register { path: at.clone(), message: format!("serials of {kind} in {} for {date} are exhausted (9999 a day)", p.scope) });
                            }
                            let number = document_number(style, p.scope, p.letters, issue_date, serial);
                            holders.entry(p.nik.to_string()).or_default().insert(number.clone(), p.application_id.to_string());
                            given.insert(p.application_id, number.clone());
                            new_docs.push(bulk::NewDoc { application_id: p.application_id, serial, number: number.clone(), nik: p.nik, service_point: p.service_point });
                            Numbered::New { number }
                        }
                    },
                });
            }
            bulk::adopt(db, &at, run_id, &adopted)?;
            bulk::insert(db, &at, run_id, kind, regency, &date, &new_docs)?;
            // The counter rows, updated in the transaction that binds the
            // numbers: gap-free (a database sequence is not).
            for (scope, last) in &last {
                db.exec(
                    &at,
                    "INSERT INTO serials(scope, kind, issue_date, last) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(scope, kind, issue_date) DO UPDATE SET last = excluded.last",
                    &[V::T(scope), V::T(kind), V::T(&date), V::I(*last)],
                )?;
            }
            Ok(out)
        })
    }

    /// Record documents whose files are on disk, in one transaction (not
    /// durable on its own: [`Register::sync`] makes every mark durable
    /// before a run publishes its manifest; see `bulk::mark`).
    pub fn mark_issued<'a>(&mut self, docs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<()> {
        let docs: Vec<(&str, &str)> = docs.into_iter().collect();
        let at = self.at.clone();
        bulk::mark(&mut *self.db()?, &at, &docs)
    }

    /// Make every committed transaction durable.
    pub fn sync(&self) -> Result<()> {
        bulk::sync(&mut *self.db()?, &self.at)
    }

    fn regency_and_status(&self, number: &str) -> Result<Option<(String, bool)>> {
        self.one("SELECT regency, status = 'issued' FROM documents WHERE document_number = ?1", &[V::T(number)], |r| Ok((r.text(0)?, r.flag(1)?)))
    }

    /// Record that run `run_id` (issue date `issue_date`) started at `at`
    /// (wall clock, RFC 3339); its first start is kept.
    pub fn run_started(&self, run_id: &str, issue_date: NaiveDate, at: &str) -> Result<()> {
        self.exec(
            "INSERT INTO runs(run_id, issue_date, started_at) VALUES (?1, ?2, ?3) ON CONFLICT(run_id) DO NOTHING",
            &[V::T(run_id), V::T(&issue_date.format("%Y-%m-%d").to_string()), V::T(at)],
        )
        .map(|_| ())
    }

    /// When run `run_id` first started, as recorded (RFC 3339; empty when
    /// it was recorded without a clock), or `None` for a run not recorded.
    pub fn run_started_at(&self, run_id: &str) -> Result<Option<String>> {
        self.one("SELECT started_at FROM runs WHERE run_id = ?1", &[V::T(run_id)], |r| r.text(0))
    }

    /// Record that run `run_id` is publishing its manifest, durably (with
    /// every earlier commit): called just before the manifest is put in
    /// place. From then on its numbers are final — never taken over by
    /// another run, even if this one stops before it records its finish
    /// (a lost connection between its manifest and its finish); only a
    /// run of the same batch finishes it.
    pub fn publishing(&self, run_id: &str) -> Result<()> {
        self.exec("UPDATE runs SET published = 1 WHERE run_id = ?1", &[V::T(run_id)])?;
        self.sync()
    }

    /// Whether run `run_id` finished (sealed its output).
    pub fn finished(&self, run_id: &str) -> Result<bool> {
        Ok(self.one("SELECT finished_at IS NOT NULL FROM runs WHERE run_id = ?1", &[V::T(run_id)], |r| r.flag(0))?.unwrap_or(false))
    }

    /// Record that run `run_id` finished at `at` (its last finish is kept).
    pub fn run_finished(&self, run_id: &str, at: &str) -> Result<()> {
        self.exec("UPDATE runs SET finished_at = ?2 WHERE run_id = ?1", &[V::T(run_id), V::T(at)]).map(|_| ())
    }

    /// The runs whose issue date lies in `from..=to`, by issue date.
    pub fn runs(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<RunRow>> {
        self.rows(
            "SELECT run_id, issue_date, started_at, finished_at FROM runs WHERE issue_date BETWEEN ?1 AND ?2 ORDER BY issue_date, started_at",
            &[V::T(&from.format("%Y-%m-%d").to_string()), V::T(&to.format("%Y-%m-%d").to_string())],
            run_row,
        )
    }

    /// Runs other than `run_id` that stopped before they finished and still
    /// hold numbers, each as (run, numbers given but not written,
    /// documents written): a run killed, then a corrected export that left
    /// some of its applications out. Their documents are in no manifest.
    /// A run another host is issuing now has not stopped: it is left out.
    pub fn unfinished(&self, run_id: &str) -> Result<Vec<(String, i64, i64)>> {
        let read = || {
            self.rows(
                "SELECT d.run_id, SUM(CASE WHEN d.status = 'numbered' THEN 1 ELSE 0 END), SUM(CASE WHEN d.status = 'issued' THEN 1 ELSE 0 END) FROM documents d
                 WHERE d.run_id != ?1 AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = d.run_id AND r.finished_at IS NOT NULL)
                 GROUP BY d.run_id ORDER BY d.run_id",
                &[V::T(run_id)],
                |r| Ok((r.text(0)?, r.int(1)?, r.int(2)?)),
            )
        };
        self.not_live(read, |r| &r.0)
    }

    /// The runs `read` gives that no other connection is issuing now. On
    /// PostgreSQL they are read again after the check: a run read as
    /// unfinished whose host then finished it and let go of its claim
    /// (its finish is committed before its connection ends) was never
    /// stopped, and a second read, made once it let go, says so.
    fn not_live<T>(&self, read: impl Fn() -> Result<Vec<T>>, id: impl Fn(&T) -> &String) -> Result<Vec<T>> {
        let runs = read()?;
        let mut stopped = std::collections::HashSet::new();
        let pg = {
            let mut db = self.db()?;
            for r in &runs {
                if !db.run_is_live(&self.at, id(r))? {
                    stopped.insert(id(r).clone());
                }
            }
            db.is_pg()
        };
        let runs = if pg && !stopped.is_empty() { read()? } else { runs };
        Ok(runs.into_iter().filter(|r| stopped.contains(id(r))).collect())
    }

    /// Runs other than `run_id` that stopped before they finished and hold
    /// no number any more (every one adopted by a later run): their folders
    /// have nothing left to finish.
    pub fn emptied_runs(&self, run_id: &str) -> Result<Vec<String>> {
        let read = || {
            self.rows(
                "SELECT r.run_id FROM runs r WHERE r.finished_at IS NULL AND r.run_id != ?1
                 AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.run_id = r.run_id) ORDER BY r.run_id",
                &[V::T(run_id)],
                |r| r.text(0),
            )
        };
        self.not_live(read, |r| r)
    }

    /// Every number run `run_id` holds.
    pub fn numbers_of_run(&self, run_id: &str) -> Result<std::collections::HashSet<String>> {
        Ok(self.rows("SELECT document_number FROM documents WHERE run_id = ?1", &[V::T(run_id)], |r| r.text(0))?.into_iter().collect())
    }

    /// The issuing regency of document `number`, if the register holds it.
    pub fn regency_of(&self, number: &str) -> Result<Option<String>> {
        Ok(self.regency_and_status(number)?.map(|(regency, _)| regency))
    }

    fn text_of(&self, column: &str, number: &str) -> Result<String> {
        self.one(&format!("SELECT {column} FROM documents WHERE document_number = ?1"), &[V::T(number)], |r| r.text(0))?
            .ok_or_else(|| Error::Usage(format!("document {number} is not in the register {}", self.place)))
    }

    /// Record that `number` is revoked, or superseded by `by`, with a reason.
    /// Returns the issuing regency. Refuses unknown or unwritten documents
    /// and a different second revocation of the same document; the same one
    /// again is accepted (the first reason and date stay), so a revocation
    /// whose signed list was not written can be published by a retry.
    pub fn revoke(&mut self, number: &str, by: Option<&str>, reason: &str, since: NaiveDate) -> Result<String> {
        let usage = Error::Usage;
        let (regency, issued) = self
            .regency_and_status(number)?
            .ok_or_else(|| usage(format!("document {number} is not in the register {}", self.place)))?;
        if !issued {
            return Err(usage(format!("document {number} was numbered but never written; finish its run first")));
        }
        // A document cannot be withdrawn before it existed: verifiers would
        // call copies REVOKED from a day the document did not stand.
        let issued_on = self.text_of("issue_date", number)?;
        let since_text = since.format("%Y-%m-%d").to_string();
        if since_text < issued_on {
            return Err(usage(format!("the revocation date {since_text} is before document {number}'s issue date {issued_on}: give --on {issued_on} or later")));
        }
        if let Some(by) = by {
            if by == number {
                return Err(usage("a document cannot supersede itself".into()));
            }
            match self.regency_and_status(by)? {
                Some((r, true)) if r == regency => {}
                Some(_) => return Err(usage(format!("document {by} is not an issued document of regency {regency}"))),
                None => return Err(usage(format!("document {by} is not in the register {}: check the number (the newer document must be issued first)", self.place))),
            }
            // A document is replaced by a standing one of its own kind: a
            // birth certificate by a birth certificate, never by a death
            // certificate or by a document itself withdrawn.
            let (old_kind, new_kind) = (self.text_of("kind", number)?, self.text_of("kind", by)?);
            if old_kind != new_kind {
                return Err(usage(format!("document {by} is a {new_kind}, not a {old_kind}: a document is superseded by one of its own kind")));
            }
            if self.revocation_of(by)?.is_some() {
                return Err(usage(format!("document {by} is itself revoked or superseded: supersede {number} by the document that stands")));
            }
            // And of its own subject (the NIK one active document per kind
            // is counted by): a corrected certificate for the same child,
            // never another person's document.
            let (old_nik, new_nik) = (self.text_of("nik", number)?, self.text_of("nik", by)?);
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
            let recorded = self.revocation_of(number)?.is_some();
            let by_on = self.text_of("issue_date", by)?;
            if !recorded && since_text < by_on {
                return Err(usage(format!(
                    "{number} superseded from {since_text} by {by}, which was issued on {by_on}: give --on {by_on} or later"
                )));
            }
        }
        let status = if by.is_some() { Status::Superseded } else { Status::Revoked };
        let changed = self.exec(
            "INSERT INTO revocations(document_number, status, superseded_by, reason, since) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(document_number) DO NOTHING",
            &[V::T(number), V::T(status.as_str()), V::O(by), V::T(reason.trim()), V::T(&since_text)],
        )?;
        if changed == 0 {
            // The same revocation again is a retry (its signed list was
            // perhaps never written): accepted, so the list can be signed
            // and published now. A different one is refused.
            let same = self.revocation_of(number)?.map(|e| (e.status, e.superseded_by));
            let revoked_only = same.as_ref().is_some_and(|(st, newer)| *st == Status::Revoked && newer.is_none());
            if revoked_only && by.is_some() {
                // The newer document of the same subject can only be issued
                // once this one stopped being active (SUBJECT_ACTIVE): so a
                // revoked document is superseded by the corrected one
                // issued after it, and verifiers then name that one.
                // The revocation stands as recorded: its date (the document
                // stopped being valid then) and its reason, the supersession's
                // reason added after it — never rewritten.
                self.exec(
                    "UPDATE revocations SET status = ?2, superseded_by = ?3, reason = reason || '; superseded: ' || ?4 WHERE document_number = ?1",
                    &[V::T(number), V::T(status.as_str()), V::O(by), V::T(reason.trim())],
                )?;
            } else if same != Some((status, by.map(str::to_string))) {
                return Err(usage(format!("document {number} is already revoked or superseded otherwise")));
            }
        }
        Ok(regency)
    }

    /// Record a revocation as a signed list published it (taken back from
    /// the list when the register lost it); one already recorded stays.
    /// A revocation of a document the register no longer holds is not
    /// recorded (the list keeps it all the same).
    pub fn record_revocation(&self, e: &Entry) -> Result<()> {
        self.exec(
            "INSERT INTO revocations(document_number, status, superseded_by, reason, since)
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM documents WHERE document_number = ?1)
               AND (?3 IS NULL OR EXISTS (SELECT 1 FROM documents WHERE document_number = ?3))
             ON CONFLICT(document_number) DO NOTHING",
            &[V::T(&e.document_number), V::T(e.status.as_str()), V::O(e.superseded_by.as_deref()), V::T(&e.reason), V::T(&e.since)],
        )
        .map(|_| ())
    }

    /// The revocation recorded for `number`, if any.
    pub fn revocation_of(&self, number: &str) -> Result<Option<Entry>> {
        let mut found = self.rows(
            "SELECT document_number, status, superseded_by, reason, since FROM revocations WHERE document_number = ?1",
            &[V::T(number)],
            entry,
        )?;
        Ok(found.pop())
    }

    /// The last signed revocation list of `issuer` published with this
    /// register (its JSON, as written), by whichever host signed it.
    pub fn published_list(&self, issuer: &str) -> Result<Option<String>> {
        Ok(self.one("SELECT list FROM revocation_lists WHERE issuer = ?1", &[V::T(issuer)], |r| r.opt_text(0))?.flatten())
    }

    /// Keep list no. `sequence` of `issuer`, as published.
    pub fn keep_published_list(&self, issuer: &str, sequence: u64, json: &str) -> Result<()> {
        let sequence = i64::try_from(sequence).unwrap_or(i64::MAX);
        self.exec("UPDATE revocation_lists SET list = ?3 WHERE issuer = ?1 AND sequence = ?2", &[V::T(issuer), V::I(sequence), V::T(json)]).map(|_| ())
    }

    /// The number of `issuer`'s next signed revocation list: one past the
    /// last this register numbered and past `floor` (the list already
    /// published, so that a register restored from an older copy never
    /// signs a lower number). Recorded at once: a number is never given
    /// to two lists.
    pub fn next_list_sequence(&mut self, issuer: &str, floor: u64) -> Result<u64> {
        let floor = i64::try_from(floor).unwrap_or(i64::MAX - 1);
        let at = self.at.clone();
        self.db()?.write(&at, |db| {
            db.lock_kind(&at, "revocation list")?;
            let last = db.one(&at, "SELECT sequence FROM revocation_lists WHERE issuer = ?1", &[V::T(issuer)], |r| r.int(0))?.unwrap_or(0);
            let next = last.max(floor).checked_add(1).ok_or_else(|| Error::Refused(format!("revocation list numbers of {issuer} are exhausted")))?;
            db.exec(
                &at,
                "INSERT INTO revocation_lists(issuer, sequence) VALUES (?1, ?2) ON CONFLICT(issuer) DO UPDATE SET sequence = excluded.sequence",
                &[V::T(issuer), V::I(next)],
            )?;
            Ok(next as u64)
        })
    }

    /// Every revocation of a regency's documents, by document number.
    pub fn revocations(&self, regency: &str) -> Result<Vec<Entry>> {
        // Sorted here: PostgreSQL's collation may not be byte order.
        let mut list = self.rows(
            "SELECT r.document_number, r.status, r.superseded_by, r.reason, r.since
             FROM revocations r JOIN documents d ON d.document_number = r.document_number
             WHERE d.regency = ?1 ORDER BY r.document_number",
            &[V::T(regency)],
            entry,
        )?;
        list.sort_by(|a, b| a.document_number.cmp(&b.document_number));
        Ok(list)
    }

    /// Every document, in document-number order (the UNIQUE index's
    /// order: `terbit register check` merges it with the sorted manifests
    /// without holding the register in memory).
    pub fn each_document(&self, mut f: impl FnMut(DocumentRow) -> Result<()>) -> Result<()> {
        let mut db = self.db()?;
        // A register made before service points were recorded, opened
        // read only, has not gained the column.
        let has_sp = db.is_pg()
            || db.one(&self.at, "SELECT COUNT(*) FROM pragma_table_info('documents') WHERE name = 'service_point'", &[], |r| r.int(0))?.unwrap_or(0) > 0;
        let sp = if has_sp { "service_point" } else { "''" };
        // Byte order on both back ends (PostgreSQL's default collation
        // may not be), as the manifests are merged by byte order.
        let order = if db.is_pg() { "document_number COLLATE \"C\"" } else { "document_number" };
        let at = self.at.clone();
        let sql = format!("SELECT document_number, application_id, kind, nik, {sp}, run_id, status, regency FROM documents ORDER BY {order}");
        db.each(&at, &sql, |r| {
            let get = |i: usize| r.text(i).map_err(|e| e.at(&at));
            f(DocumentRow {
                number: get(0)?,
                application_id: get(1)?,
                kind: get(2)?,
                nik: get(3)?,
                service_point: get(4)?,
                run_id: get(5)?,
                issued: get(6)? == "issued",
                regency: get(7)?,
            })
        })
    }

    /// Every run record, by run id.
    pub fn all_runs(&self) -> Result<Vec<RunRow>> {
        self.rows("SELECT run_id, issue_date, started_at, finished_at FROM runs ORDER BY run_id", &[], run_row)
    }

    /// Every revocation, with the issuing regency (empty for a number the
    /// register does not hold), by document number.
    pub fn all_revocations(&self) -> Result<Vec<(String, Entry)>> {
        let mut out = self.rows(
            "SELECT COALESCE(d.regency, ''), r.document_number, r.status, r.superseded_by, r.reason, r.since
             FROM revocations r LEFT JOIN documents d ON d.document_number = r.document_number",
            &[],
            |r| {
                let status = r.text(2)?;
                Ok((
                    r.text(0)?,
                    Entry {
                        document_number: r.text(1)?,
                        status: Status::parse(&status).unwrap_or(Status::Revoked),
                        superseded_by: r.opt_text(3)?,
                        reason: r.text(4)?,
                        since: r.text(5)?,
                    },
                ))
            },
        )?;
        out.sort_by(|a, b| a.1.document_number.cmp(&b.1.document_number));
        Ok(out)
    }

    /// Count of documents per status, for reports and tests.
    pub fn count(&self, status: &str) -> Result<i64> {
        Ok(self.one("SELECT COUNT(*) FROM documents WHERE status = ?1", &[V::T(status)], |r| r.int(0))?.unwrap_or(0))
    }
}

/// The active document `p`'s subject holds under another application, if
/// any (the lowest number, as the register has always named it).
fn first_other(holders: &HashMap<String, BTreeMap<String, String>>, p: &Pending) -> Option<String> {
    holders.get(p.nik)?.iter().find(|(_, app)| app.as_str() != p.application_id).map(|(n, _)| n.clone())
}

/// Whether run `run`'s numbers are still its own: it is being issued now
/// by another connection, or (PostgreSQL) it finished after its documents
/// were read — its host commits the finish before its connection ends
/// and its claim goes, so a run found let go of is read again; taking over
/// a finished run's numbers would issue them twice.
fn is_live(db: &mut Db, at: &Path, seen: &mut HashMap<String, bool>, run: &str) -> Result<bool> {
    if let Some(l) = seen.get(run) {
        return Ok(*l);
    }
    let mut l = db.run_is_live(at, run)?;
    if !l && db.is_pg() {
        l = db.one(at, "SELECT COUNT(*) FROM runs WHERE run_id = ?1 AND finished_at IS NOT NULL", &[V::T(run)], |r| r.int(0))?.unwrap_or(0) > 0;
    }
    seen.insert(run.to_string(), l);
    Ok(l)
}

fn run_row(r: &Row) -> std::result::Result<RunRow, ColumnError> {
    Ok(RunRow { run_id: r.text(0)?, issue_date: r.text(1)?, started_at: r.text(2)?, finished_at: r.opt_text(3)? })
}

fn entry(r: &Row) -> std::result::Result<Entry, ColumnError> {
    let status = r.text(1)?;
    Ok(Entry {
        document_number: r.text(0)?,
        // The table's CHECK admits only the two names.
        status: Status::parse(&status).ok_or_else(|| ColumnError(format!("status {status:?}")))?,
        superseded_by: r.opt_text(2)?,
        reason: r.text(3)?,
        since: r.text(4)?,
    })
}

/// A connection to a PostgreSQL register: unencrypted unless the URL says
/// otherwise is not offered (see the README: a unix socket, or a private
/// link between hosts), a bounded connect time, and the application's
/// name for the server's activity view.
fn connect(url: &PgUrl, read_only: bool) -> Result<Db> {
    let at = PathBuf::from(url.shown());
    let mut config: postgres::Config = url
        .connect_with()
        .parse()
        .map_err(|e: postgres::Error| Error::Register { path: at.clone(), message: format!("cannot be read: {e}") })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(CONNECT_SECS));
    }
    if config.get_application_name().is_none() {
        config.application_name("terbit");
    }
    // A server that stops answering over the network (a host or link
    // lost) is noticed within about two minutes instead of never: idle,
    // by keepalives; with a request unanswered, by the TCP user timeout.
    // The run stops with an error, and is resumed once the register is back.
    let secs = std::time::Duration::from_secs;
    config.keepalives(true).keepalives_idle(secs(30)).keepalives_interval(secs(10)).keepalives_retries(6).tcp_user_timeout(secs(120));
    let client = config.connect(postgres::NoTls).map_err(|e| {
        // Which socket was tried: a server on another port than 5432
        // listens on another socket file in the same folder.
        let sockets: Vec<String> = config
            .get_hosts()
            .iter()
            .enumerate()
            .filter_map(|(i, h)| match h {
                postgres::config::Host::Unix(dir) => {
                    let port = config.get_ports().get(i).or(config.get_ports().first()).copied().unwrap_or(5432);
                    Some(dir.join(format!(".s.PGSQL.{port}")).display().to_string())
                }
                postgres::config::Host::Tcp(_) => None,
            })
            .collect();
        match (pg_err(&at, &e), sockets.is_empty()) {
            (Error::Register { path, message }, false) => Error::Register {
                path,
                message: format!("{message} (tried the socket {}; a server on another port: give it in the URL, …%2Fsocket%2Ffolder:PORT/DATABASE)", crate::util::show::clip_shown(&sockets.join(", "), 300)),
            },
            (e, _) => e,
        }
    })?;
    let mut db = Db::Pg(Box::new(client));
    // The server's own keepalives too: a host that dies without closing
    // its connection (power lost) frees its run's claim in about two
    // minutes, so another host can finish the night.
    db.batch(
        &at,
        &format!(
            "SET client_min_messages = warning; SET lock_timeout = '{LOCK_WAIT_SECS}s'; SET synchronous_commit = on; \
             SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 6"
        ),
    )?;
    if read_only {
        db.batch(&at, "SET default_transaction_read_only = on")?;
    }
    Ok(db)
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
        self.rows(
            "SELECT d.issue_date, d.kind, d.service_point, COUNT(*), COUNT(r.document_number)
             FROM documents d LEFT JOIN revocations r ON r.document_number = d.document_number
             WHERE d.status = 'issued' AND d.issue_date BETWEEN ?1 AND ?2
             GROUP BY d.issue_date, d.kind, d.service_point
             ORDER BY d.issue_date, d.kind, d.service_point",
            &[V::T(&from.format("%Y-%m-%d").to_string()), V::T(&to.format("%Y-%m-%d").to_string())],
            |r| Ok(StatRow { issue_date: r.text(0)?, kind: r.text(1)?, service_point: r.text(2)?, issued: r.int(3)?, revoked: r.int(4)? }),
        )
    }
}
