//! A batch's reads and writes, as each back end does them fast: SQLite in
//! the process, a prepared statement per application; PostgreSQL in one
//! statement per batch (arrays in, rows out), since a round trip per
//! application to a server would cost more than the night's rendering.
//! What is read and written is the same; the rules that decide it are in
//! `register.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::db::{lite_err, pg_err, Db, V};
use crate::error::Result;

/// What the register holds for one application of a kind.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    pub(crate) number: String,
    pub(crate) run_id: String,
    /// Written (`issued`), not only numbered.
    pub(crate) issued: bool,
    pub(crate) service_point: String,
    /// The run that holds it finished, or began publishing its manifest:
    /// its numbers are final.
    pub(crate) finished: bool,
    pub(crate) nik: String,
    pub(crate) issue_date: String,
    /// Revoked or superseded.
    pub(crate) withdrawn: bool,
}

impl Known {
    /// Not (yet) a document a finished run issued: a number a stopped run
    /// gave, written or not, which a later run may take over.
    pub(crate) fn not_final(&self) -> bool {
        !(self.issued && self.finished)
    }
}

const KNOWN_COLUMNS: &str = "d.document_number, d.run_id, d.status = 'issued', d.service_point,
    EXISTS (SELECT 1 FROM runs r WHERE r.run_id = d.run_id AND (r.finished_at IS NOT NULL OR r.published = 1)),
    d.nik, d.issue_date,
    EXISTS (SELECT 1 FROM revocations v WHERE v.document_number = d.document_number),
    d.application_id";

fn known_of(r: &super::db::Row) -> std::result::Result<(String, Known), super::db::ColumnError> {
    Ok((
        r.text(8)?,
        Known {
            number: r.text(0)?,
            run_id: r.text(1)?,
            issued: r.flag(2)?,
            service_point: r.text(3)?,
            finished: r.flag(4)?,
            nik: r.text(5)?,
            issue_date: r.text(6)?,
            withdrawn: r.flag(7)?,
        },
    ))
}

fn distinct<'a>(v: &[&'a str]) -> Vec<&'a str> {
    let mut seen = HashSet::with_capacity(v.len());
    v.iter().copied().filter(|s| seen.insert(*s)).collect()
}

/// What the register holds for each of `apps` (application IDs of `kind`).
pub(crate) fn known(db: &mut Db, at: &Path, kind: &str, apps: &[&str]) -> Result<HashMap<String, Known>> {
    let apps = distinct(apps);
    let mut out = HashMap::new();
    match db {
        Db::Lite(_) => {
            let sql = format!("SELECT {KNOWN_COLUMNS} FROM documents d WHERE d.kind = ?1 AND d.application_id = ?2");
            for app in apps {
                if let Some((a, k)) = db.one(at, &sql, &[V::T(kind), V::T(app)], known_of)? {
                    out.insert(a, k);
                }
            }
        }
        Db::Pg(c) => {
            let sql = format!("SELECT {KNOWN_COLUMNS} FROM documents d WHERE d.kind = $1 AND d.application_id = ANY($2)");
            for r in c.query(sql.as_str(), &[&kind, &apps]).map_err(|e| pg_err(at, &e))? {
                let (a, k) = known_of(&super::db::Row::Pg(&r)).map_err(|e| e.at(at))?;
                out.insert(a, k);
            }
        }
    }
    Ok(out)
}


/// The documents of `kind` that make each of `niks` (subjects) hold an
/// active one: issued on or after `active_from` (not expired), neither
/// revoked nor superseded. Per subject, by number: application ID.
pub(crate) fn holders(db: &mut Db, at: &Path, kind: &str, niks: &[&str], active_from: &str) -> Result<HashMap<String, BTreeMap<String, String>>> {
    let niks = distinct(niks);
    let mut out: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    let cols = |r: &super::db::Row| Ok((r.text(0)?, r.text(1)?, r.text(2)?));
    const WHERE: &str = "d.issue_date >= ?3 AND NOT EXISTS (SELECT 1 FROM revocations v WHERE v.document_number = d.document_number)";
    match db {
        Db::Lite(_) => {
            let sql = format!("SELECT d.nik, d.document_number, d.application_id FROM documents d WHERE d.kind = ?1 AND d.nik = ?2 AND {WHERE}");
            for nik in niks {
                for (n, number, app) in db.rows(at, &sql, &[V::T(kind), V::T(nik), V::T(active_from)], cols)? {
                    out.entry(n).or_default().insert(number, app);
                }
            }
        }
        Db::Pg(c) => {
            let sql = format!("SELECT d.nik, d.document_number, d.application_id FROM documents d WHERE d.kind = $1 AND d.nik = ANY($2) AND {}", WHERE.replace("?3", "$3"));
            for r in c.query(sql.as_str(), &[&kind, &niks, &active_from]).map_err(|e| pg_err(at, &e))? {
                let (n, number, app) = cols(&super::db::Row::Pg(&r)).map_err(|e| e.at(at))?;
                out.entry(n).or_default().insert(number, app);
            }
        }
    }
    Ok(out)
}

/// A number given now.
pub(crate) struct NewDoc<'a> {
    pub(crate) application_id: &'a str,
    pub(crate) serial: i64,
    pub(crate) number: String,
    pub(crate) nik: &'a str,
    pub(crate) service_point: &'a str,
}

/// Record numbers given now to `run_id`'s applications of `kind`.
pub(crate) fn insert(db: &mut Db, at: &Path, run_id: &str, kind: &str, regency: &str, date: &str, docs: &[NewDoc]) -> Result<()> {
    if docs.is_empty() {
        return Ok(());
    }
    match db {
        Db::Lite(_) => {
            let sql = "INSERT INTO documents(application_id, run_id, kind, regency, issue_date, serial, document_number, nik, status, service_point)
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'numbered', ?9)";
            for d in docs {
                db.exec(
                    at,
                    sql,
                    &[V::T(d.application_id), V::T(run_id), V::T(kind), V::T(regency), V::T(date), V::I(d.serial), V::T(&d.number), V::T(d.nik), V::T(d.service_point)],
                )?;
            }
        }
        Db::Pg(c) => {
            let apps: Vec<&str> = docs.iter().map(|d| d.application_id).collect();
            let serials: Vec<i64> = docs.iter().map(|d| d.serial).collect();
            let numbers: Vec<&str> = docs.iter().map(|d| d.number.as_str()).collect();
            let niks: Vec<&str> = docs.iter().map(|d| d.nik).collect();
            let sps: Vec<&str> = docs.iter().map(|d| d.service_point).collect();
            c.execute(
                "INSERT INTO documents(application_id, run_id, kind, regency, issue_date, serial, document_number, nik, status, service_point)
                 SELECT u.app, $1, $2, $3, $4, u.serial, u.number, u.nik, 'numbered', u.sp
                 FROM unnest($5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[]) AS u(app, serial, number, nik, sp)",
                &[&run_id, &kind, &regency, &date, &apps, &serials, &numbers, &niks, &sps],
            )
            .map_err(|e| pg_err(at, &e))?;
        }
    }
    Ok(())
}

/// A number a stopped run gave, passed to this run: (number, subject,
/// service point).
pub(crate) type Adoption<'a> = (String, &'a str, &'a str);

/// Pass numbers a stopped run gave to `run_id`, to be written again.
pub(crate) fn adopt(db: &mut Db, at: &Path, run_id: &str, rows: &[Adoption]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    const LITE: &str = "UPDATE documents SET run_id = ?2, nik = ?3, service_point = ?4, status = 'numbered', sha256 = NULL
                        WHERE document_number = ?1 AND status IN ('numbered', 'issued')";
    match db {
        Db::Lite(_) => {
            for (number, nik, sp) in rows {
                db.exec(at, LITE, &[V::T(number), V::T(run_id), V::T(nik), V::T(sp)])?;
            }
        }
        Db::Pg(c) => {
            let numbers: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let niks: Vec<&str> = rows.iter().map(|r| r.1).collect();
            let sps: Vec<&str> = rows.iter().map(|r| r.2).collect();
            c.execute(
                "UPDATE documents d SET run_id = $1, nik = u.nik, service_point = u.sp, status = 'numbered', sha256 = NULL
                 FROM unnest($2::text[], $3::text[], $4::text[]) AS u(number, nik, sp)
                 WHERE d.document_number = u.number AND d.status IN ('numbered', 'issued')",
                &[&run_id, &numbers, &niks, &sps],
            )
            .map_err(|e| pg_err(at, &e))?;
        }
    }
    Ok(())
}

/// Record documents whose files are on disk (number, SHA-256), in one
/// transaction that is not made durable on its own: a lost mark only
/// makes a resumed run compare that document's file again, and
/// [`super::register::Register::sync`] makes every mark durable before a
/// run publishes its manifest. (Synced per chunk, the writer waited on
/// the disk for each commit while the renderers ran out of work.)
pub(crate) fn mark(db: &mut Db, at: &Path, docs: &[(&str, &str)]) -> Result<()> {
    match db {
        Db::Lite(c) => {
            // In WAL mode the database stays consistent; only a power cut,
            // not a killed process, can lose the last marks.
            c.pragma_update(None, "synchronous", "NORMAL").map_err(|e| lite_err(at, e))?;
            let res = db.write(at, |db| {
                for (number, sha) in docs {
                    db.exec(at, "UPDATE documents SET status = 'issued', sha256 = ?2 WHERE document_number = ?1", &[V::T(number), V::T(sha)])?;
                }
                Ok(())
            });
            if let Db::Lite(c) = db {
                c.pragma_update(None, "synchronous", "FULL").map_err(|e| lite_err(at, e))?;
            }
            res
        }
        Db::Pg(_) => db.write(at, |db| {
            let Db::Pg(c) = db else { return Ok(()) };
            c.batch_execute("SET LOCAL synchronous_commit TO OFF").map_err(|e| pg_err(at, &e))?;
            let numbers: Vec<&str> = docs.iter().map(|d| d.0).collect();
            let shas: Vec<&str> = docs.iter().map(|d| d.1).collect();
            c.execute(
                "UPDATE documents d SET status = 'issued', sha256 = u.sha FROM unnest($1::text[], $2::text[]) AS u(number, sha) WHERE d.document_number = u.number",
                &[&numbers, &shas],
            )
            .map_err(|e| pg_err(at, &e))?;
            Ok(())
        }),
    }
}

/// Make every committed transaction durable. SQLite: the write-ahead log
/// checkpointed into the database, both synced. PostgreSQL: one commit
/// that waits for its WAL to be flushed (and, with a synchronous standby,
/// received there), which flushes every earlier commit with it.
pub(crate) fn sync(db: &mut Db, at: &Path) -> Result<()> {
    match db {
        Db::Lite(c) => c.query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(())).map_err(|e| lite_err(at, e)),
        Db::Pg(_) => db.write(at, |db| {
            db.batch(at, "SET LOCAL synchronous_commit TO ON")?;
            // An xid makes the commit write (and wait for) a record.
            db.one(at, "SELECT pg_current_xact_id()::text", &[], |r| r.text(0)).map(|_| ())
        }),
    }
}
