//! Sink stage: the only writer of run output. It receives rendered
//! documents in input order from a bounded channel, writes each PDF
//! atomically (temporary file, then rename, so a reader never sees half a
//! document), appends its manifest row and records it in the register.
//!
//! Durability policy (a run may be killed or lose power at any instant):
//! - the register (SQLite, WAL, synchronous=FULL) is the source of truth:
//!   numbers are committed before any document carrying them is written,
//!   and a chunk is marked issued only after its files are renamed into
//!   place;
//! - document files are not synced one by one (an fsync per file would
//!   cost more than rendering it); instead the whole filesystem is synced
//!   once ([`rustix::fs::syncfs`]) before the manifest is published, so a
//!   run whose `manifest.csv` exists has every file it lists on disk;
//! - a run started again after a crash finds its directory, removes
//!   temporary files left behind, and compares each document already on
//!   disk with the bytes it renders again (they are deterministic): a file
//!   torn by a power cut is rewritten, an intact one is kept.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::csvout;
use crate::error::{Error, Result};
use crate::print::{Fragment, PrintFile};
use crate::register::Register;

pub const MANIFEST_HEADER: [&str; 8] =
    ["document_number", "application_id", "kind", "nik", "service_point", "file", "sha256", "qr"];
pub const REJECTS_HEADER: [&str; 6] = ["application_id", "source", "rule", "field", "value", "message"];

/// Write `bytes` to `path` atomically: a temporary file beside it, synced,
/// then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_opt(path, bytes, true)
}

/// The temporary name `path` is written under before its rename (the name
/// [`remove_temporaries`] recognises).
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// As [`write_atomic`]; `sync` = false skips the fsync for bulk files whose
/// durability the register's final commit covers.
pub fn write_atomic_opt(path: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    let tmp = tmp_path(path);
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Make a rename in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))
}

/// Whether `name` is one of our temporary files (`<name>.tmp-<pid>`).
fn is_temporary(name: &std::ffi::OsStr) -> bool {
    name.to_str().and_then(|n| n.rsplit_once(".tmp-")).is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Remove the temporary files a killed run left anywhere in its directory.
fn remove_temporaries(dir: &Path) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            remove_temporaries(&path)?;
        } else if is_temporary(&entry.file_name()) {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// A finished document on its way to disk.
#[derive(Debug, Clone)]
pub struct IssuedDoc {
    pub number: String,
    pub application_id: String,
    pub kind: String,
    pub nik: String,
    pub service_point: String,
    /// Path relative to the run directory.
    pub file: String,
    pub sha256: String,
    pub qr: String,
    pub pdf: Vec<u8>,
    /// The same document's objects, for the merged print file.
    pub fragment: Fragment,
}

/// The merged print file of a service point, relative to the run directory.
pub fn print_file(service_point: &str) -> String {
    format!("print/{service_point}.pdf")
}

/// Writes one run's documents and manifest.
pub struct Sink {
    run_dir: PathBuf,
    manifest_tmp: PathBuf,
    manifest: BufWriter<fs::File>,
    register: Register,
    made_dirs: std::collections::BTreeSet<PathBuf>,
    /// The run directory existed before: a resumed run, whose documents
    /// may already be on disk.
    resuming: bool,
    pub written: usize,
    /// Merkle leaves of the manifest rows, for the batch seal.
    leaves: Vec<crate::seal::Hash>,
    manifest_hash: Sha256,
    /// One merged print file per service point.
    print: std::collections::BTreeMap<String, PrintFile>,
}

/// What a finished sink hands back.
pub struct Finished {
    pub register: Register,
    pub leaves: Vec<crate::seal::Hash>,
    pub manifest_sha256: crate::seal::Hash,
    /// Service point → merged print file, relative to the run directory.
    pub print_files: std::collections::BTreeMap<String, String>,
    /// Seconds the final filesystem sync took.
    pub sync_seconds: f64,
}

impl Sink {
    pub fn create(run_dir: &Path, register: Register) -> Result<Sink> {
        let resuming = run_dir.exists();
        if resuming {
            remove_temporaries(run_dir)?;
        }
        fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
        let manifest_tmp = tmp_path(&run_dir.join("manifest.csv"));
        let f = fs::File::create(&manifest_tmp).map_err(|e| Error::io(&manifest_tmp, e))?;
        let mut manifest = BufWriter::with_capacity(1 << 20, f);
        let header = csvout::line(MANIFEST_HEADER);
        manifest.write_all(header.as_bytes()).map_err(|e| Error::io(&manifest_tmp, e))?;
        let mut manifest_hash = Sha256::new();
        manifest_hash.update(header.as_bytes());
        Ok(Sink {
            run_dir: run_dir.to_path_buf(),
            manifest_tmp,
            manifest,
            register,
            made_dirs: Default::default(),
            resuming,
            written: 0,
            leaves: Vec::new(),
            manifest_hash,
            print: Default::default(),
        })
    }

    /// The register, for numbering the next kind between chunks of writing.
    pub fn register(&mut self) -> &mut Register {
        &mut self.register
    }

    /// Write one ordered chunk of documents and record them as issued.
    pub fn write_chunk(&mut self, docs: Vec<IssuedDoc>) -> Result<()> {
        for d in &docs {
            let path = self.run_dir.join(&d.file);
            if let Some(dir) = path.parent() {
                if !self.made_dirs.contains(dir) {
                    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                    self.made_dirs.insert(dir.to_path_buf());
                }
            }
            // A resumed run reproduces identical bytes: skip rewriting them.
            // (A fresh run directory has nothing to compare: no stat per file.)
            let same = self.resuming
                && fs::metadata(&path).is_ok_and(|m| m.len() == d.pdf.len() as u64)
                && fs::read(&path).is_ok_and(|b| b == d.pdf);
            if !same {
                write_atomic_opt(&path, &d.pdf, false)?;
            }
            let row = csvout::line([
                d.number.as_str(),
                d.application_id.as_str(),
                d.kind.as_str(),
                d.nik.as_str(),
                d.service_point.as_str(),
                d.file.as_str(),
                d.sha256.as_str(),
                d.qr.as_str(),
            ]);
            self.manifest.write_all(row.as_bytes()).map_err(|e| Error::io(&self.manifest_tmp, e))?;
            self.manifest_hash.update(row.as_bytes());
            self.leaves.push(crate::seal::leaf(&d.number, &d.sha256));
            let pf = match self.print.entry(d.service_point.clone()) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(PrintFile::create(&self.run_dir.join(print_file(&d.service_point)))?)
                }
            };
            pf.append(&d.fragment, &d.number)?;
        }
        self.register.mark_issued(docs.iter().map(|d| (d.number.as_str(), d.sha256.as_str())))?;
        self.written += docs.len();
        Ok(())
    }

    /// Flush and publish the manifest; give the register back with what
    /// the batch seal needs.
    pub fn finish(self) -> Result<Finished> {
        let path = self.run_dir.join("manifest.csv");
        let mut print_files = std::collections::BTreeMap::new();
        for (sp, pf) in self.print {
            pf.finish()?;
            print_files.insert(sp.clone(), print_file(&sp));
        }
        let f = self.manifest.into_inner().map_err(|e| Error::io(&self.manifest_tmp, e.into_error()))?;
        // Every document file reaches the disk before the manifest that
        // lists them is published (one filesystem sync, not one per file).
        let t = std::time::Instant::now();
        rustix::fs::syncfs(&f).map_err(|e| Error::io(&self.run_dir, e.into()))?;
        let sync_seconds = t.elapsed().as_secs_f64();
        fs::rename(&self.manifest_tmp, &path).map_err(|e| Error::io(&path, e))?;
        sync_dir(&self.run_dir)?;
        Ok(Finished {
            register: self.register,
            leaves: self.leaves,
            manifest_sha256: self.manifest_hash.finalize().into(),
            print_files,
            sync_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
        assert!(write_atomic(&d.path().join("missing/dir/x"), b"x").is_err());
    }

    #[test]
    fn temporaries_of_a_killed_run_are_removed_and_nothing_else() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("SP/birth")).unwrap();
        for f in ["SP/birth/a.pdf", "SP/birth/a.pdf.tmp-123", "manifest.csv.tmp-9", "SP/x.tmp-", "SP/y.tmp-1a"] {
            fs::write(d.path().join(f), b"x").unwrap();
        }
        remove_temporaries(d.path()).unwrap();
        let mut left: Vec<String> = ["SP/birth/a.pdf", "SP/birth/a.pdf.tmp-123", "manifest.csv.tmp-9", "SP/x.tmp-", "SP/y.tmp-1a"]
            .into_iter()
            .filter(|f| d.path().join(f).exists())
            .map(String::from)
            .collect();
        left.sort();
        assert_eq!(left, ["SP/birth/a.pdf", "SP/x.tmp-", "SP/y.tmp-1a"]);
    }
}
