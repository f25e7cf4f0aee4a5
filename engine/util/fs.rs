//! File writes a reader never sees half done, and the temporary names
//! they go through (a run started again after a crash removes them).

use std::fs;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Write `bytes` to `path` atomically: a new temporary file beside it
/// (`O_EXCL|O_NOFOLLOW`), synced, then renamed over the target. A target
/// that is not a regular file — a device, a FIFO, `/dev/stdout` — is
/// written to directly, never replaced by a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let mut f = fs::OpenOptions::new().write(true).open(path).map_err(|e| Error::io(path, e))?;
        return f.write_all(bytes).map_err(|e| Error::io(path, e));
    }
    let tmp = tmp_path(path);
    // A temporary of ours left by a crash of a process with this pid.
    let _ = fs::remove_file(&tmp);
    let res = (|| {
        let mut f = create_new(&tmp).map_err(|e| match e {
            Error::Io { source, .. } => source,
            e => std::io::Error::other(e.to_string()),
        })?;
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


/// Create (if needed) and open the directory `rel` below the held
/// directory `root`, one component at a time, never through a link: a
/// link planted in an output folder (to a folder elsewhere, or to the
/// register) is refused, not followed.
pub fn open_dir_below(root: &OwnedFd, rel: &Path, shown: &Path) -> Result<OwnedFd> {
    use rustix::fs::{mkdirat, openat, Mode, OFlags};
    let flags = OFlags::DIRECTORY | OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mut dir = openat(root, ".", flags, Mode::empty()).map_err(|e| Error::io(shown, e.into()))?;
    for part in rel.components() {
        let std::path::Component::Normal(name) = part else {
            return Err(Error::io(shown, std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a plain relative folder")));
        };
        match mkdirat(&dir, name, Mode::from_bits_truncate(0o755)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(Error::io(shown, e.into())),
        }
        dir = openat(&dir, name, flags, Mode::empty()).map_err(|e| match e {
            rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => Error::io(
                shown,
                std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{} is a link or a file, not a folder: refused", name.to_string_lossy())),
            ),
            e => Error::io(shown, e.into()),
        })?;
    }
    Ok(dir)
}

/// Open `path`'s directory itself without following a link at its end.
pub fn open_dir(path: &Path) -> Result<OwnedFd> {
    use rustix::fs::{open, Mode, OFlags};
    open(path, OFlags::DIRECTORY | OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty()).map_err(|e| match e {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
            Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, "a link or a file, not a folder: refused"))
        }
        e => Error::io(path, e.into()),
    })
}

/// Create a new file at `path` for writing: never an existing one, never
/// through a link (`O_EXCL|O_NOFOLLOW`).
pub fn create_new(path: &Path) -> Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

/// Refuse a folder that anyone may write in: whoever can put a file or a
/// link there can make a job write where it should not.
pub fn refuse_world_writable(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match fs::symlink_metadata(dir) {
        Ok(m) if m.permissions().mode() & 0o002 != 0 && m.permissions().mode() & 0o1000 == 0 => Err(Error::io(
            dir,
            std::io::Error::new(std::io::ErrorKind::PermissionDenied, "writable by every user: give terbit a folder only its own user may write (chmod o-w)"),
        )),
        _ => Ok(()),
    }
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

/// Read a regular file of at most `limit` bytes (a device, a pipe or a
/// larger file is refused without reading it whole).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::config(path, "not a regular file"));
    }
    if meta.len() > limit {
        return Err(Error::config(path, format!("larger than {} MiB", limit >> 20)));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    f.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::config(path, format!("larger than {} MiB", limit >> 20)));
    }
    Ok(bytes)
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
