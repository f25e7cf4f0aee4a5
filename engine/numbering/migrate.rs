//! `terbit register migrate --to postgresql://…`: an SQLite register moved
//! into an empty PostgreSQL database, whole, in one transaction, then
//! checked table by table (every row, in key order, digested on both
//! sides), and the SQLite file set aside so that no job issues with it
//! again: two registers with one identity would give the same numbers
//! twice.

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use super::db::{lite_err, pg_err, Db};
use super::place::{PgUrl, Place};
use super::register::Register;
use crate::error::{Error, Result};

/// Each table with its columns and its key (the order rows are compared in).
const TABLES: &[(&str, &str, &str)] = &[
    ("documents", "application_id, run_id, kind, regency, issue_date, serial, document_number, nik, status, sha256, service_point", "kind, application_id"),
    ("serials", "scope, kind, issue_date, last", "scope, kind, issue_date"),
    ("runs", "run_id, issue_date, started_at, finished_at, published", "run_id"),
    ("revocations", "document_number, status, superseded_by, reason, since", "document_number"),
    ("revocation_lists", "issuer, sequence, list", "issuer"),
    ("meta", "key, value", "key"),
];

/// What was moved.
#[derive(Debug)]
pub struct Migrated {
    /// Rows per table, as moved and checked.
    pub rows: Vec<(&'static str, u64)>,
    /// The register's identity, the same on both sides.
    pub id: String,
    /// Where the SQLite file was set aside.
    pub set_aside: PathBuf,
}

/// Move the SQLite register `source` into the PostgreSQL database `to`,
/// which must hold no register yet. The register's file lock is held
/// throughout (no night may run while it moves).
pub fn migrate(source: &Path, to: &PgUrl) -> Result<Migrated> {
    let _lock = crate::util::lock::RunLock::acquire(source, "terbit register migrate")?;
    let aside = set_aside_name(source);
    if std::fs::symlink_metadata(&aside).is_ok() {
        return Err(Error::Usage(format!("{} is there already (an earlier migration?): move it away first", aside.display())));
    }
    // The identity first (a register made before identities gains one
    // here, as `terbit issue` would give it), then every committed
    // transaction into the file, so that the copy read is the whole one.
    let id = Register::open(&Place::File(source.to_path_buf()))?.id()?;
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let lite = rusqlite::Connection::open_with_flags(source, flags).map_err(|e| lite_err(source, e))?;
    lite.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(|e| lite_err(source, e))?;
    let mut lite = Db::Lite(lite);

    let target = Place::Postgres(to.clone());
    let at = target.shown();
    let reg = Register::open(&target)?;
    reg.with_db(|db, at| {
        let held = db
            .one(at, "SELECT (SELECT COUNT(*) FROM documents) + (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM meta)", &[], |r| r.int(0))?
            .unwrap_or(0);
        if held > 0 {
            return Err(Error::Usage(format!(
                "{} holds a register already ({held} rows of documents, runs and identity): migrate only into a database without one; nothing was moved",
                at.display()
            )));
        }
        db.write(at, |db| {
            db.exec(at, "SELECT pg_advisory_xact_lock(7260, 0)", &[])?;
            for (table, columns, key) in TABLES {
                let rows = copy_table(&mut lite, source, db, at, table, columns, key)?;
                tracing::debug!(table, rows, "moved");
            }
            Ok(())
        })
    })?;
    // Checked after the commit, from what the server now holds.
    let mut rows = Vec::new();
    for (table, columns, key) in TABLES {
        let (n_lite, d_lite) = digest(&mut lite, source, table, columns, key)?;
        let (n_pg, d_pg) = reg.with_db(|db, at| digest(db, at, table, columns, key))?;
        if (n_lite, d_lite) != (n_pg, d_pg) {
            return Err(Error::Register {
                path: at.clone(),
                message: format!(
                    "after the move, table {table} differs from the SQLite register ({n_lite} rows there, {n_pg} here): the SQLite register was kept where it is and stays the register; drop this database's tables before trying again"
                ),
            });
        }
        rows.push((*table, n_lite));
    }
    let moved_id = Register::id_of(&target)?;
    if moved_id.as_deref() != Some(id.as_str()) {
        return Err(Error::Register { path: at, message: "the register's identity did not arrive: the SQLite register stays the register".into() });
    }
    // The file itself says where the register went, so that no copy or
    // link of it is issued with again (whatever keys folder comes along).
    lite.exec(source, "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", &[super::db::V::T(super::register::MOVED_KEY), super::db::V::T(to.shown())])?;
    drop(lite);
    // No job may issue with the SQLite file again.
    std::fs::rename(source, &aside).map_err(|e| Error::io(source, e))?;
    for side in ["-wal", "-shm"] {
        let mut s = source.as_os_str().to_os_string();
        s.push(side);
        let _ = std::fs::remove_file(PathBuf::from(s));
    }
    crate::util::fs::sync_dir(aside.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")))?;
    Ok(Migrated { rows, id, set_aside: aside })
}

fn set_aside_name(source: &Path) -> PathBuf {
    let mut s = source.as_os_str().to_os_string();
    s.push(".migrated");
    PathBuf::from(s)
}

/// COPY's text format: `\N` for NULL, and the four characters it gives
/// meaning to escaped.
fn copy_field(out: &mut Vec<u8>, v: ValueRef) {
    match v {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => out.extend_from_slice(f.to_string().as_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b => out.push(b),
                }
            }
        }
    }
}

fn copy_table(lite: &mut Db, source: &Path, pg: &mut Db, at: &Path, table: &str, columns: &str, key: &str) -> Result<u64> {
    use std::io::Write as _;
    let (Db::Lite(c), Db::Pg(client)) = (lite, pg) else {
        return Err(Error::Register { path: at.to_path_buf(), message: "a migration goes from SQLite to PostgreSQL".into() });
    };
    let width = columns.split(',').count();
    let mut st = c.prepare(&format!("SELECT {columns} FROM {table} ORDER BY {key}")).map_err(|e| lite_err(source, e))?;
    let mut rows = st.query([]).map_err(|e| lite_err(source, e))?;
    let mut writer = client.copy_in(format!("COPY {table} ({columns}) FROM STDIN").as_str()).map_err(|e| pg_err(at, &e))?;
    let mut line = Vec::with_capacity(256);
    let mut n = 0u64;
    while let Some(r) = rows.next().map_err(|e| lite_err(source, e))? {
        line.clear();
        for i in 0..width {
            if i > 0 {
                line.push(b'\t');
            }
            copy_field(&mut line, r.get_ref(i).map_err(|e| lite_err(source, e))?);
        }
        line.push(b'\n');
        writer.write_all(&line).map_err(|e| Error::Register { path: at.to_path_buf(), message: format!("copying {table}: {e}") })?;
        n += 1;
    }
    writer.finish().map_err(|e| pg_err(at, &e))?;
    Ok(n)
}

/// The table's rows in key order (byte order on both sides), each
/// column's text (NULL apart from empty) digested; and how many.
fn digest(db: &mut Db, at: &Path, table: &str, columns: &str, key: &str) -> Result<(u64, [u8; 32])> {
    let width = columns.split(',').count();
    let cast: Vec<String> = columns.split(',').map(|c| if db.is_pg() { format!("{}::text", c.trim()) } else { format!("CAST({} AS TEXT)", c.trim()) }).collect();
    let order: Vec<String> = key.split(',').map(|k| if db.is_pg() { format!("{} COLLATE \"C\"", k.trim()) } else { k.trim().to_string() }).collect();
    let sql = format!("SELECT {} FROM {table} ORDER BY {}", cast.join(", "), order.join(", "));
    let mut h = Sha256::new();
    let mut n = 0u64;
    db.each(at, &sql, |r| {
        for i in 0..width {
            match r.opt_text(i).map_err(|e| Error::Register { path: at.to_path_buf(), message: format!("{table}: {}", e.0) })? {
                Some(t) => {
                    h.update([1u8]);
                    h.update((t.len() as u64).to_be_bytes());
                    h.update(t.as_bytes());
                }
                None => h.update([0u8]),
            }
        }
        n += 1;
        Ok(())
    })?;
    Ok((n, h.finalize().into()))
}
