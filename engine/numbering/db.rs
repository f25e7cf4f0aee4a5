//! The register's two back ends behind one small SQL surface, so that the
//! numbering rules (`register.rs`) are written once: SQLite (one file on
//! the issuing host) and PostgreSQL (one database shared by several
//! hosts).
//!
//! Statements are written once, in the SQL both understand, with SQLite's
//! numbered parameters (`?1`), which become PostgreSQL's (`$1`) here. What
//! the two do differently (bulk reads and writes of a whole batch, locks,
//! durability) is asked of [`Db`] by name, never by testing the back end
//! in the rules.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// One connection to the register.
pub(crate) enum Db {
    /// An SQLite file.
    Lite(rusqlite::Connection),
    /// A PostgreSQL database.
    Pg(Box<postgres::Client>),
}

/// A statement parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'a> {
    /// Text.
    T(&'a str),
    /// A whole number.
    I(i64),
    /// Text or NULL.
    O(Option<&'a str>),
}

impl rusqlite::ToSql for V<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            V::T(s) => s.to_sql(),
            V::I(i) => i.to_sql(),
            V::O(o) => o.to_sql(),
        }
    }
}

/// One result row, from either back end.
pub(crate) enum Row<'r, 's> {
    Lite(&'r rusqlite::Row<'s>),
    Pg(&'r postgres::Row),
}

/// A failure reading a column (a register whose tables another program
/// changed): named, never a panic.
pub(crate) struct ColumnError(pub(crate) String);

impl ColumnError {
    /// As the register's error, at `at`.
    pub(crate) fn at(self, at: &std::path::Path) -> Error {
        Error::Register { path: at.to_path_buf(), message: format!("a row cannot be read: {}", self.0) }
    }
}

impl Row<'_, '_> {
    /// Column `i` as a `T` both back ends read (text, whole numbers as
    /// SQLite's INTEGER or PostgreSQL's BIGINT, truth values as SQLite's
    /// 0 or 1 or PostgreSQL's boolean, and NULL as `None`).
    fn get<T: rusqlite::types::FromSql + for<'a> postgres::types::FromSql<'a>>(&self, i: usize) -> std::result::Result<T, ColumnError> {
        match self {
            Row::Lite(r) => r.get(i).map_err(|e| ColumnError(e.to_string())),
            Row::Pg(r) => r.try_get(i).map_err(|e| ColumnError(e.to_string())),
        }
    }

    /// A text column.
    pub(crate) fn text(&self, i: usize) -> std::result::Result<String, ColumnError> {
        self.get(i)
    }

    /// A text column that may be NULL.
    pub(crate) fn opt_text(&self, i: usize) -> std::result::Result<Option<String>, ColumnError> {
        self.get(i)
    }

    /// A whole-number column.
    pub(crate) fn int(&self, i: usize) -> std::result::Result<i64, ColumnError> {
        self.get(i)
    }

    /// A truth value.
    pub(crate) fn flag(&self, i: usize) -> std::result::Result<bool, ColumnError> {
        self.get(i)
    }
}

/// The statement as PostgreSQL spells it: `?N` parameters as `$N`.
fn pg_sql(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn pg_params<'a>(p: &'a [V<'a>]) -> Vec<&'a (dyn postgres::types::ToSql + Sync)> {
    p.iter()
        .map(|v| -> &(dyn postgres::types::ToSql + Sync) {
            match v {
                V::T(s) => s,
                V::I(i) => i,
                V::O(o) => o,
            }
        })
        .collect()
}

/// A back end's error as the register's: SQLite's words, or PostgreSQL's
/// message with its SQLSTATE code.
pub(crate) fn lite_err(at: &std::path::Path, e: rusqlite::Error) -> Error {
    // A full disk is told apart by SQLite's code, not by its words.
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
        return Error::RegisterFull { path: at.to_path_buf(), message: e.to_string() };
    }
    Error::Register { path: at.to_path_buf(), message: e.to_string() }
}

pub(crate) fn pg_err(at: &std::path::Path, e: &postgres::Error) -> Error {
    // SQLSTATE 53100: the server's disk is full.
    if e.as_db_error().is_some_and(|d| d.code() == &postgres::error::SqlState::DISK_FULL) {
        let message = e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
        return Error::RegisterFull { path: at.to_path_buf(), message: format!("{message} (the PostgreSQL server's disk)") };
    }
    let message = match e.as_db_error() {
        Some(db) => format!("{} ({}: {})", db.message(), db.severity(), db.code().code()),
        None => {
            let mut m = e.to_string();
            if let Some(src) = std::error::Error::source(e) {
                m = format!("{m}: {src}");
            }
            m
        }
    };
    Error::Register { path: at.to_path_buf(), message }
}

impl Db {
    /// Run a statement that returns no rows; the number of rows changed.
    pub(crate) fn exec(&mut self, at: &std::path::Path, sql: &str, p: &[V]) -> Result<u64> {
        match self {
            Db::Lite(c) => {
                let mut st = c.prepare_cached(sql).map_err(|e| lite_err(at, e))?;
                st.execute(rusqlite::params_from_iter(p.iter())).map(|n| n as u64).map_err(|e| lite_err(at, e))
            }
            Db::Pg(c) => c.execute(pg_sql(sql).as_ref(), &pg_params(p)).map_err(|e| pg_err(at, &e)),
        }
    }

    /// Run statements without parameters (schema, settings, transaction
    /// control).
    pub(crate) fn batch(&mut self, at: &std::path::Path, sql: &str) -> Result<()> {
        match self {
            Db::Lite(c) => c.execute_batch(sql).map_err(|e| lite_err(at, e)),
            Db::Pg(c) => c.batch_execute(sql).map_err(|e| pg_err(at, &e)),
        }
    }

    /// Every row of a query, each made a `T` by `f`.
    pub(crate) fn rows<T>(&mut self, at: &std::path::Path, sql: &str, p: &[V], mut f: impl FnMut(&Row) -> std::result::Result<T, ColumnError>) -> Result<Vec<T>> {
        let bad = |e: ColumnError| e.at(at);
        match self {
            Db::Lite(c) => {
                let mut st = c.prepare_cached(sql).map_err(|e| lite_err(at, e))?;
                let mut rows = st.query(rusqlite::params_from_iter(p.iter())).map_err(|e| lite_err(at, e))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next().map_err(|e| lite_err(at, e))? {
                    out.push(f(&Row::Lite(r)).map_err(bad)?);
                }
                Ok(out)
            }
            Db::Pg(c) => {
                let rows = c.query(pg_sql(sql).as_ref(), &pg_params(p)).map_err(|e| pg_err(at, &e))?;
                rows.iter().map(|r| f(&Row::Pg(r)).map_err(bad)).collect()
            }
        }
    }

    /// The first row of a query, if any.
    pub(crate) fn one<T>(&mut self, at: &std::path::Path, sql: &str, p: &[V], f: impl FnMut(&Row) -> std::result::Result<T, ColumnError>) -> Result<Option<T>> {
        Ok(self.rows(at, sql, p, f)?.into_iter().next())
    }

    /// Each row of a query handed to `f` as it arrives (a register of
    /// millions of documents is never held in memory at once).
    pub(crate) fn each(&mut self, at: &std::path::Path, sql: &str, mut f: impl FnMut(&Row) -> Result<()>) -> Result<()> {
        match self {
            Db::Lite(c) => {
                let mut st = c.prepare(sql).map_err(|e| lite_err(at, e))?;
                let mut rows = st.query([]).map_err(|e| lite_err(at, e))?;
                while let Some(r) = rows.next().map_err(|e| lite_err(at, e))? {
                    f(&Row::Lite(r))?;
                }
                Ok(())
            }
            Db::Pg(c) => {
                use postgres::fallible_iterator::FallibleIterator;
                let none: [&(dyn postgres::types::ToSql + Sync); 0] = [];
                let mut rows = c.query_raw(pg_sql(sql).as_ref(), none).map_err(|e| pg_err(at, &e))?;
                while let Some(r) = rows.next().map_err(|e| pg_err(at, &e))? {
                    f(&Row::Pg(&r))?;
                }
                Ok(())
            }
        }
    }

    /// Run `f` in one write transaction: committed when it returns `Ok`,
    /// rolled back otherwise. SQLite takes its write lock up front
    /// (IMMEDIATE, waiting as long as the busy timeout allows), so a
    /// transaction that reads and then writes never fails on a snapshot
    /// another connection moved past; PostgreSQL's writers take the
    /// advisory locks the rules name ([`Db::lock_kind`]).
    pub(crate) fn write<T>(&mut self, at: &std::path::Path, f: impl FnOnce(&mut Db) -> Result<T>) -> Result<T> {
        self.batch(at, if matches!(self, Db::Lite(_)) { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
        match f(self) {
            Ok(t) => {
                if let Err(e) = self.batch(at, "COMMIT") {
                    let _ = self.batch(at, "ROLLBACK");
                    return Err(e);
                }
                Ok(t)
            }
            Err(e) => {
                // The transaction's own error is the one to say; a failed
                // rollback (a connection already gone) adds nothing.
                let _ = self.batch(at, "ROLLBACK");
                Err(e)
            }
        }
    }

    /// Inside a write transaction: wait for the right to number `kind`
    /// (PostgreSQL: an advisory lock held to the transaction's end, so
    /// two hosts numbering one kind take turns and each sees the other's
    /// numbers; SQLite's write lock already excludes every other writer).
    pub(crate) fn lock_kind(&mut self, at: &std::path::Path, kind: &str) -> Result<()> {
        match self {
            Db::Lite(_) => Ok(()),
            Db::Pg(_) => self.exec(at, "SELECT pg_advisory_xact_lock(7261, hashtext(?1))", &[V::T(kind)]).map(|_| ()),
        }
    }

    /// Claim run `run_id` for this connection (PostgreSQL: a session
    /// advisory lock, released when the connection ends, so a host that
    /// dies frees its run for another). False: another connection holds
    /// it now. SQLite: always true (the register's file lock admits one
    /// issuing process).
    pub(crate) fn claim_run(&mut self, at: &std::path::Path, run_id: &str) -> Result<bool> {
        match self {
            Db::Lite(_) => Ok(true),
            Db::Pg(_) => Ok(self
                .one(at, "SELECT pg_try_advisory_lock(7262, hashtext(?1))", &[V::T(run_id)], |r| r.flag(0))?
                .unwrap_or(false)),
        }
    }

    /// Whether run `run_id` is being issued now by another connection
    /// (another host). SQLite: never (one issuing process at a time).
    pub(crate) fn run_is_live(&mut self, at: &std::path::Path, run_id: &str) -> Result<bool> {
        match self {
            Db::Lite(_) => Ok(false),
            Db::Pg(_) => {
                // Holding it ourselves counts as not live elsewhere: the
                // lock is re-entrant, so the try succeeds and is undone.
                let free = self.one(at, "SELECT pg_try_advisory_lock(7262, hashtext(?1))", &[V::T(run_id)], |r| r.flag(0))?.unwrap_or(false);
                if free {
                    self.exec(at, "SELECT pg_advisory_unlock(7262, hashtext(?1))", &[V::T(run_id)])?;
                }
                Ok(!free)
            }
        }
    }

    /// Whether this is the PostgreSQL back end.
    pub(crate) fn is_pg(&self) -> bool {
        matches!(self, Db::Pg(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_told_by_sqlites_code() {
        let full = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
        assert!(matches!(lite_err(std::path::Path::new("r.sqlite"), full), Error::RegisterFull { .. }));
        let busy = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY), Some("the disk is not full".into()));
        assert!(matches!(lite_err(std::path::Path::new("r.sqlite"), busy), Error::Register { .. }));
    }

    #[test]
    fn parameters_are_numbered_as_postgresql_numbers_them() {
        assert_eq!(pg_sql("SELECT a FROM t WHERE b = ?1 AND c = ?12 OR d = '?'"), "SELECT a FROM t WHERE b = $1 AND c = $12 OR d = '?'");
        assert!(matches!(pg_sql("SELECT 1"), Cow::Borrowed(_)));
    }
}
