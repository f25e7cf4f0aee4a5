//! File writes a reader never sees half done, and the temporary names
//! they go through (a run started again after a crash removes them).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Write `bytes` to `path` atomically: a temporary file beside it, synced,
/// then renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = tmp_path(path);
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// The temporary name `path` is written under before its rename (the name
/// [`is_temporary`] recognises).
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Make a rename in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Error::io(dir, e))
}

/// Whether `name` is one of our temporary files (`<name>.tmp-<pid>`).
pub fn is_temporary(name: &std::ffi::OsStr) -> bool {
    temporary_pid(name).is_some()
}

/// The process a temporary file belongs to.
fn temporary_pid(name: &std::ffi::OsStr) -> Option<u32> {
    let (_, pid) = name.to_str()?.rsplit_once(".tmp-")?;
    pid.bytes().all(|b| b.is_ascii_digit()).then(|| pid.parse().ok()).flatten()
}

/// Whether a temporary file was left by a process that has ended (or by
/// this one): only those may be removed — another live process may be
/// writing it.
pub fn is_abandoned(name: &std::ffi::OsStr) -> bool {
    temporary_pid(name).is_some_and(|pid| pid == std::process::id() || !Path::new("/proc").join(pid.to_string()).exists())
}


/// A temporary file that is removed when dropped, unless it was published
/// ([`TempGuard::disarm`]): a run that fails does not leave behind the
/// space that ran out.
#[derive(Debug)]
pub struct TempGuard(Option<PathBuf>);

impl TempGuard {
    /// Guard the temporary file at `path`.
    pub fn new(path: PathBuf) -> TempGuard {
        TempGuard(Some(path))
    }

    /// The file was renamed into place: nothing to remove.
    pub fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = fs::remove_file(p);
        }
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
    fn a_guarded_temporary_goes_unless_published() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.tmp-1"), d.path().join("b.tmp-1"));
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"x").unwrap();
        drop(TempGuard::new(a.clone()));
        let mut kept = TempGuard::new(b.clone());
        kept.disarm();
        drop(kept);
        assert!(!a.exists() && b.exists());
    }

    #[test]
    fn temporary_names_are_recognised() {
        let tmp = tmp_path(Path::new("out/a.pdf"));
        assert!(is_temporary(tmp.file_name().unwrap()));
        assert!(!is_temporary(std::ffi::OsStr::new("a.pdf")));
        assert!(!is_temporary(std::ffi::OsStr::new("a.pdf.tmp-")));
        assert!(!is_temporary(std::ffi::OsStr::new("a.pdf.tmp-12x")));
        // A live process's temporary stays; a dead one's (or our own) goes.
        assert!(!is_abandoned(std::ffi::OsStr::new("a.pdf.tmp-1")), "pid 1 is alive");
        assert!(is_abandoned(tmp.file_name().unwrap()));
        assert!(is_abandoned(std::ffi::OsStr::new("a.pdf.tmp-4294967")));
    }
}
