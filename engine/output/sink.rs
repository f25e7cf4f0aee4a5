//! Sink stage: run output. Each document's own PDF is written by the
//! worker that rendered it ([`DocFiles`], atomically: an unnamed file
//! linked in, or a temporary file renamed, so a reader never sees half a
//! document), because the kernel's
//! per-file work (inode allocation, directory insert) is the largest cost
//! left per document and one writer thread would queue it on one core.
//! Everything ordered — the manifest, the service points' print files and
//! the register — is written by the one [`Sink`], which receives the
//! documents in input order from a bounded channel.
//!
//! Durability policy (a run may be killed or lose power at any instant):
//! - the register (SQLite, WAL, synchronous=FULL) is the source of truth:
//!   numbers are committed (and synced) before any document carrying them
//!   is written, and a chunk is marked issued only after its files are
//!   renamed into place (those marks are synced once, at the end, with
//!   everything else: [`crate::numbering::register::Register::mark_issued`]);
//! - document files are not synced one by one (an fsync per file would
//!   cost more than rendering it); instead the whole filesystem is synced
//!   once ([`rustix::fs::syncfs`]) before the manifest is published, so a
//!   run whose `manifest.csv` exists has every file it lists on disk;
//! - a run started again after a crash finds its directory, removes
//!   temporary files left behind, and compares each document already on
//!   disk with the bytes it renders again (they are deterministic): a file
//!   torn by a power cut is rewritten, an intact one is kept.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rustix::fs::{Mode, OFlags};

use sha2::{Digest, Sha256};

use crate::util::csvout;
use crate::util::fs::{create_new, is_abandoned, open_dir, open_dir_below, refuse_world_writable, sync_dir, tmp_path};
use crate::error::{Error, Result};
use crate::pdf::fragment::Fragment;
use crate::pdf::print::PrintFile;
use crate::numbering::register::{self, Shared};

/// `manifest.csv`'s columns (engine/output/README.md).
pub const MANIFEST_HEADER: [&str; 8] =
    ["document_number", "application_id", "kind", "nik", "service_point", "file", "sha256", "qr"];
/// `rejects.csv`'s columns.
pub const REJECTS_HEADER: [&str; 7] = ["application_id", "service_point", "source", "rule", "field", "value", "message"];

/// Remove the temporary files a killed run left anywhere in its directory
/// (only those of processes that have ended).
pub fn remove_temporaries(dir: &Path) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            remove_temporaries(&path)?;
        } else if is_abandoned(&entry.file_name()) {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// Remove the document files (`<service point>/<kind>/<number>.pdf`) of
/// `run_dir` whose number is not in `numbers`: copies a stopped attempt
/// left of documents another run has since taken over and listed. Print
/// files and anything that is not a plain PDF file are left alone; links
/// are never followed. Returns how many were removed.
pub fn remove_documents_not_in(run_dir: &Path, numbers: &std::collections::HashSet<String>) -> Result<usize> {
    let mut removed = 0;
    for sp in fs::read_dir(run_dir).map_err(|e| Error::io(run_dir, e))?.flatten() {
        if sp.file_name() == "print" || !sp.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        for kind in fs::read_dir(sp.path()).map_err(|e| Error::io(sp.path(), e))?.flatten() {
            if !kind.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            for doc in fs::read_dir(kind.path()).map_err(|e| Error::io(kind.path(), e))?.flatten() {
                let path = doc.path();
                let stale = doc.file_type().is_ok_and(|t| t.is_file())
                    && path.extension().is_some_and(|e| e == "pdf")
                    && path.file_stem().and_then(|s| s.to_str()).is_some_and(|n| !numbers.contains(n));
                if stale {
                    fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                    removed += 1;
                }
            }
        }
    }
    Ok(removed)
}

/// Writes documents' own files, from any thread.
pub struct DocFiles {
    run_dir: PathBuf,
    /// The run directory, held open (opened without following a link).
    root: Arc<OwnedFd>,
    /// The run directory existed before: a resumed run, whose documents
    /// may already be on disk.
    resuming: bool,
    /// Directories opened so far, by path relative to the run directory:
    /// each file is created and renamed relative to its directory's
    /// descriptor, so the kernel walks no path per file.
    dirs: Mutex<BTreeMap<String, Arc<OwnedFd>>>,
    /// Unnamed temporary files work here (cleared on the first refusal).
    unnamed: AtomicBool,
}

impl DocFiles {
    /// Writer of documents' files under `run_dir`; `resuming`: files may
    /// already be there from an interrupted run of the same batch.
    pub fn new(run_dir: &Path, root: Arc<OwnedFd>, resuming: bool) -> DocFiles {
        DocFiles { run_dir: run_dir.to_path_buf(), root, resuming, dirs: Default::default(), unnamed: AtomicBool::new(true) }
    }

    fn dir(&self, rel: &str) -> Result<Arc<OwnedFd>> {
        // A poisoned lock only means another worker panicked while holding
        // it; the map itself is always consistent.
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(fd) = dirs.get(rel) {
            return Ok(fd.clone());
        }
        let path = self.run_dir.join(rel);
        let fd = Arc::new(open_dir_below(&self.root, Path::new(rel), &path)?);
        dirs.insert(rel.to_string(), fd.clone());
        Ok(fd)
    }

    /// Write one document's file (`file` relative to the run directory)
    /// atomically. A resumed run keeps a file already holding exactly
    /// these bytes (they are deterministic) and replaces any other.
    ///
    /// A new file is written unnamed (`O_TMPFILE`) and then linked under
    /// its name: nothing half-written ever has a name, a killed run leaves
    /// no temporary behind, and the kernel does one directory insert per
    /// document instead of a create, a rename and a removal (the profile's
    /// largest kernel cost per document). Where the filesystem cannot do
    /// that, and to replace a file, the document goes to a named temporary
    /// file that is renamed over the target.
    pub fn write(&self, file: &str, bytes: &[u8]) -> Result<()> {
        let path = || self.run_dir.join(file);
        let (dir, name) = file.rsplit_once('/').unwrap_or(("", file));
        let dir = self.dir(dir)?;
        // A fresh run directory has nothing to compare: no stat per file. A
        // resumed one reads what is there without following a link.
        let existing = self.resuming && rustix::fs::statat(&*dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok();
        if existing {
            let same = rustix::fs::openat(&*dir, name, OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())
                .ok()
                .map(fs::File::from)
                .is_some_and(|mut f| {
                    let mut b = Vec::with_capacity(bytes.len());
                    std::io::Read::read_to_end(&mut f, &mut b).is_ok() && b == bytes
                });
            if same {
                return Ok(());
            }
        }
        if !existing && self.unnamed.load(Ordering::Relaxed) {
            match write_unnamed(&dir, name, bytes) {
                Ok(()) => return Ok(()),
                Err(e) if unnamed_unsupported(&e) => {
                    tracing::debug!(error = %e, "unnamed temporary files unavailable; renaming named ones");
                    self.unnamed.store(false, Ordering::Relaxed);
                }
                // The name exists after all: replace it below.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(path(), e)),
            }
        }
        // The name a resumed run's clean-up recognises.
        let tmp = tmp_path(Path::new(name));
        let res = (|| -> std::io::Result<()> {
            // A temporary of ours left by a crash of a process with this pid.
            let _ = rustix::fs::unlinkat(&*dir, &tmp, rustix::fs::AtFlags::empty());
            let fd = rustix::fs::openat(
                &*dir,
                &tmp,
                OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC,
                Mode::from_bits_truncate(0o666),
            )?;
            fs::File::from(fd).write_all(bytes)?;
            Ok(rustix::fs::renameat(&*dir, &tmp, &*dir, name)?)
        })();
        if let Err(e) = res {
            let _ = rustix::fs::unlinkat(&*dir, &tmp, rustix::fs::AtFlags::empty());
            return Err(Error::io(path(), e));
        }
        Ok(())
    }
}

/// Write `bytes` to an unnamed file in `dir` and link it in as `name`
/// (which must not exist).
fn write_unnamed(dir: &OwnedFd, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = rustix::fs::openat(
        dir,
        ".",
        OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::from_bits_truncate(0o666),
    )?;
    let mut f = fs::File::from(fd);
    f.write_all(bytes)?;
    // linkat(AT_EMPTY_PATH) would need CAP_DAC_READ_SEARCH; the file's
    // /proc link needs nothing.
    let link = format!("/proc/self/fd/{}", f.as_raw_fd());
    rustix::fs::linkat(
        rustix::fs::CWD,
        link.as_str(),
        dir,
        name,
        rustix::fs::AtFlags::SYMLINK_FOLLOW,
    )?;
    Ok(())
}

/// Errors that mean "no unnamed temporary files here" (an old kernel or a
/// filesystem without `O_TMPFILE`, or no /proc), not a failed write.
fn unnamed_unsupported(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    let errno = e.raw_os_error().map(Errno::from_raw_os_error);
    matches!(
        errno,
        Some(
            Errno::OPNOTSUPP
                | Errno::ISDIR
                | Errno::INVAL
                | Errno::NOENT
                | Errno::XDEV
                | Errno::PERM
                | Errno::ACCESS
        )
    )
}

/// A finished document on its way to disk.
#[derive(Debug, Clone)]
pub struct IssuedDoc {
    /// Document number.
    pub number: String,
    /// Application ID.
    pub application_id: String,
    /// Kind name.
    pub kind: String,
    /// The subject's NIK.
    pub nik: String,
    /// Service point code.
    pub service_point: String,
    /// Path relative to the run directory.
    pub file: String,
    /// SHA-256 of the PDF (hex).
    pub sha256: String,
    /// The DK1 text.
    pub qr: String,
    /// The document's objects, for the merged print file (its own PDF is
    /// already on disk, written by [`DocFiles::write`]).
    pub fragment: Fragment,
}

/// The merged print file of a service point, relative to the run directory.
pub fn print_file(service_point: &str) -> String {
    format!("print/{service_point}.pdf")
}

/// Writes one run's documents and manifest.
pub struct Sink<'r> {
    run_dir: PathBuf,
    manifest_tmp: PathBuf,
    /// Removes `manifest_tmp` if the run never finishes.
    manifest_guard: crate::util::fs::TempGuard,
    manifest: BufWriter<fs::File>,
    /// The run's register: the sink marks documents issued once on disk.
    register: &'r Shared,
    files: Arc<DocFiles>,
    /// Documents recorded so far.
    pub written: usize,
    /// Merkle leaves of the manifest rows, for the batch seal.
    leaves: Vec<crate::dk1::seal::Hash>,
    manifest_hash: Sha256,
    /// One merged print file per service point.
    print: std::collections::BTreeMap<String, PrintFile>,
    /// A filesystem sync started behind the writing (see [`Sink::write_chunk`]).
    flusher: Option<std::thread::JoinHandle<()>>,
    /// Documents written when the last one was started.
    flushed_at: usize,
    /// Signs the print files (PAdES B-B) with this claimed time, when the run signs.
    pades: Option<(Arc<crate::pdf::sign::Pades>, String)>,
}

/// Documents between two background syncs: about two seconds of a night's
/// writing, so the sync before the manifest waits for that much at most
/// instead of the whole night's files still in the page cache.
const FLUSH_EVERY: usize = 16_384;

/// What a finished sink hands back.
pub struct Finished {
    /// Merkle leaves of the manifest rows, in order.
    pub leaves: Vec<crate::dk1::seal::Hash>,
    /// SHA-256 of `manifest.csv`.
    pub manifest_sha256: crate::dk1::seal::Hash,
    /// Service point → merged print file, relative to the run directory.
    pub print_files: std::collections::BTreeMap<String, String>,
    /// Print file (relative to the run directory) → its SHA-256.
    pub print_digests: std::collections::BTreeMap<String, crate::dk1::seal::Hash>,
    /// Seconds the final filesystem sync took.
    pub sync_seconds: f64,
}

impl<'r> Sink<'r> {
    /// Sign every print file with `pades`, claiming time `m` (a PDF date).
    pub fn sign_print_files(&mut self, pades: Arc<crate::pdf::sign::Pades>, m: String) {
        self.pades = Some((pades, m));
    }

    /// Open (or, after a crash, resume) the run directory `run_dir`; the
    /// sink marks in `register` the documents it has put on disk.
    pub fn create(run_dir: &Path, register: &'r Shared) -> Result<Sink<'r>> {
        // The out folder is the operator's; below it nothing is followed:
        // the run directory, its folders and files are opened without
        // following links, relative to held directory descriptors.
        let out = run_dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        refuse_world_writable(out)?;
        let resuming = fs::symlink_metadata(run_dir).is_ok();
        if !resuming {
            fs::create_dir(run_dir).map_err(|e| Error::io(run_dir, e))?;
        }
        let root = Arc::new(open_dir(run_dir)?);
        if resuming {
            remove_temporaries(run_dir)?;
        }
        let manifest_tmp = tmp_path(&run_dir.join("manifest.csv"));
        let f = create_new(&manifest_tmp)?;
        let mut manifest = BufWriter::with_capacity(1 << 20, f);
        let header = csvout::line(MANIFEST_HEADER);
        manifest.write_all(header.as_bytes()).map_err(|e| Error::io(&manifest_tmp, e))?;
        let mut manifest_hash = Sha256::new();
        manifest_hash.update(header.as_bytes());
        Ok(Sink {
            run_dir: run_dir.to_path_buf(),
            manifest_guard: crate::util::fs::TempGuard::new(manifest_tmp.clone()),
            manifest_tmp,
            manifest,
            register,
            files: Arc::new(DocFiles::new(run_dir, root, resuming)),
            written: 0,
            leaves: Vec::new(),
            manifest_hash,
            print: Default::default(),
            flusher: None,
            flushed_at: 0,
            pades: None,
        })
    }

    /// The writer of documents' own files, for the rendering workers.
    pub fn files(&self) -> Arc<DocFiles> {
        self.files.clone()
    }

    /// Record one ordered chunk of documents, whose files are already in
    /// place: manifest rows, print-file pages, then the register marks
    /// them issued.
    pub fn write_chunk(&mut self, docs: Vec<IssuedDoc>) -> Result<()> {
        for d in &docs {
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
            self.leaves.push(crate::dk1::seal::leaf(&d.number, &d.sha256));
            let pf = match self.print.entry(d.service_point.clone()) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    // The folder is made (and checked not to be a link) below the held run directory.
                    drop(open_dir_below(&self.files.root, Path::new("print"), &self.run_dir.join("print"))?);
                    e.insert(PrintFile::create(&self.run_dir.join(print_file(&d.service_point)), self.pades.clone())?)
                }
            };
            pf.append(&d.fragment, &d.number)?;
        }
        register::lock(self.register)?.mark_issued(docs.iter().map(|d| (d.number.as_str(), d.sha256.as_str())))?;
        self.written += docs.len();
        if self.written - self.flushed_at >= FLUSH_EVERY {
            self.flush_behind();
        }
        Ok(())
    }

    /// Start writing what is written so far to the disk, on a thread of
    /// its own, while the run goes on: the disk works during the night
    /// instead of after it. This guarantees nothing (the sync in
    /// [`Sink::finish`] does); while one is still running, none starts.
    fn flush_behind(&mut self) {
        if self.flusher.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        if let Some(h) = self.flusher.take() {
            let _ = h.join();
        }
        self.flushed_at = self.written;
        if let Ok(dir) = fs::File::open(&self.run_dir) {
            self.flusher = Some(std::thread::spawn(move || {
                let _ = rustix::fs::syncfs(&dir);
            }));
        }
    }

    /// Flush and publish the manifest; hand back what the batch seal needs.
    pub fn finish(mut self) -> Result<Finished> {
        let path = self.run_dir.join("manifest.csv");
        let mut print_files = std::collections::BTreeMap::new();
        let mut print_digests = std::collections::BTreeMap::new();
        for (sp, pf) in self.print {
            print_digests.insert(print_file(&sp), pf.finish()?);
            print_files.insert(sp.clone(), print_file(&sp));
        }
        let f = self.manifest.into_inner().map_err(|e| Error::io(&self.manifest_tmp, e.into_error()))?;
        // Every document file reaches the disk before the manifest that
        // lists them is published (one filesystem sync, not one per file).
        let t = std::time::Instant::now();
        if let Some(h) = self.flusher {
            let _ = h.join();
        }
        // The run's numbers become final before its manifest can be seen
        // (recorded with every mark, durably): a run that stops between its
        // manifest and its recorded finish is never taken over by another.
        let run_id = self.run_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        register::lock(self.register)?.publishing(&run_id)?;
        rustix::fs::syncfs(&f).map_err(|e| Error::io(&self.run_dir, e.into()))?;
        let sync_seconds = t.elapsed().as_secs_f64();
        fs::rename(&self.manifest_tmp, &path).map_err(|e| Error::io(&path, e))?;
        self.manifest_guard.disarm();
        sync_dir(&self.run_dir)?;
        Ok(Finished {
            leaves: self.leaves,
            manifest_sha256: self.manifest_hash.finalize().into(),
            print_files,
            print_digests,
            sync_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, resuming: bool, unnamed: bool) -> DocFiles {
        let f = DocFiles::new(dir, Arc::new(open_dir(dir).unwrap()), resuming);
        f.unnamed.store(unnamed, Ordering::Relaxed);
        f
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn document_files_appear_whole_and_a_resumed_run_repairs_torn_ones() {
        for unnamed in [true, false] {
            let d = tempfile::tempdir().unwrap();
            let fresh = files(d.path(), false, unnamed);
            fresh.write("SP/birth/1.pdf", b"first document").unwrap();
            fresh.write("SP/birth/2.pdf", b"second document").unwrap();
            fresh.write("top.pdf", b"at the top").unwrap();
            assert_eq!(
                names(&d.path().join("SP/birth")),
                ["1.pdf", "2.pdf"],
                "unnamed: {unnamed}"
            );
            assert_eq!(fs::read(d.path().join("top.pdf")).unwrap(), b"at the top");
            // A power cut tore one file; the resumed run rewrites it and
            // keeps the intact one (same inode: not rewritten).
            fs::write(d.path().join("SP/birth/2.pdf"), b"second do").unwrap();
            use std::os::unix::fs::MetadataExt;
            let ino = fs::metadata(d.path().join("SP/birth/1.pdf")).unwrap().ino();
            let resumed = files(d.path(), true, unnamed);
            resumed.write("SP/birth/1.pdf", b"first document").unwrap();
            resumed.write("SP/birth/2.pdf", b"second document").unwrap();
            resumed.write("SP/birth/3.pdf", b"third document").unwrap();
            assert_eq!(
                fs::metadata(d.path().join("SP/birth/1.pdf")).unwrap().ino(),
                ino
            );
            assert_eq!(
                fs::read(d.path().join("SP/birth/2.pdf")).unwrap(),
                b"second document"
            );
            assert_eq!(
                names(&d.path().join("SP/birth")),
                ["1.pdf", "2.pdf", "3.pdf"]
            );
            // A file where a directory must go is an error naming the file.
            let e = fresh.write("top.pdf/x.pdf", b"x").unwrap_err().to_string();
            assert!(e.contains("top.pdf"), "{e}");
        }
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
