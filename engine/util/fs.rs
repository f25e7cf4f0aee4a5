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
    name.to_str().and_then(|n| n.rsplit_once(".tmp-")).is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
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
    fn temporary_names_are_recognised() {
        let tmp = tmp_path(Path::new("out/a.pdf"));
        assert!(is_temporary(tmp.file_name().unwrap()));
        assert!(!is_temporary(std::ffi::OsStr::new("a.pdf")));
        assert!(!is_temporary(std::ffi::OsStr::new("a.pdf.tmp-")));
        assert!(!is_temporary(std::ffi::OsStr::new("a.pdf.tmp-12x")));
    }
}
