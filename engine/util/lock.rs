//! One job at a time per register: an exclusive lock on `<register>.lock`
//! held for a whole run, naming its holder. Two runs of the same batch at
//! once would otherwise remove each other's temporary files and race for
//! the manifest; two different batches would interleave their numbers.
//!
//! The lock is the kernel's (`flock`): it goes with the process, so a
//! killed run never leaves a stale lock behind; the file's text only tells
//! the next run who holds it.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

use crate::error::{Error, Result};

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

/// The kernel's "too many levels of symbolic links" for a lock file that
/// is a link (`O_NOFOLLOW`), said in words.
pub(crate) fn not_through_a_link(e: std::io::Error) -> std::io::Error {
    if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        return std::io::Error::new(std::io::ErrorKind::InvalidInput, "is a symbolic link: terbit never writes through one; remove the link (nothing of terbit's is in it)");
    }
    e
}

/// The lock file of a register.
pub fn lock_path(register: &Path) -> PathBuf {
    let mut name = register.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    register.with_file_name(name)
}

impl RunLock {
    /// Take the lock of `register` for this process, or say who holds it.
    /// `holder` describes this run for whoever finds it taken.
    pub fn acquire(register: &Path, holder: &str) -> Result<RunLock> {
        let path = lock_path(register);
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // The register's folder and the register itself are checked here,
        // first thing in a run (before the register is opened): whoever
        // else may write in the folder, or owns the register, could swap
        // or edit the numbers under the job.
        crate::util::fs::refuse_world_writable(dir)?;
        crate::util::fs::refuse_foreign_owner(register)?;
        // Never through a link: the lock file is truncated and written.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .open(&path)
            .map_err(|e| Error::io(&path, not_through_a_link(e)))?;
        crate::util::fs::refuse_foreign_owner(&path)?;
        if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
            if e != rustix::io::Errno::WOULDBLOCK {
                return Err(Error::io(&path, e.into()));
            }
            let mut who = String::new();
            let _ = Read::by_ref(&mut file).take(1024).read_to_string(&mut who);
            let who = crate::util::show::clip_shown(who.trim(), 200);
            let who = if who.is_empty() { "another terbit".to_string() } else { who };
            return Err(Error::Usage(format!(
                "{who} is using the register {}; wait for it to finish (the lock goes when that process ends)",
                crate::util::show::clip_shown(&register.display().to_string(), 200)
            )));
        }
        let mut lock = RunLock { file, path };
        lock.describe(holder)?;
        Ok(lock)
    }

    /// Say what the holder is doing now (e.g. once its run has a name).
    pub fn describe(&mut self, holder: &str) -> Result<()> {
        let text = format!("{holder} (pid {})\n", std::process::id());
        let io = |e| Error::io(&self.path, e);
        self.file.set_len(0).map_err(io)?;
        self.file.rewind().map_err(io)?;
        self.file.write_all(text.as_bytes()).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_told_who_holds_it_and_may_take_it_after() {
        let d = tempfile::tempdir().unwrap();
        let reg = d.path().join("register.sqlite");
        let mut first = RunLock::acquire(&reg, "terbit issuing (reading its batch)").unwrap();
        first.describe("terbit issuing run 20261123-abcd").unwrap();
        // flock locks belong to open files: a second open in this process
        // conflicts as another process would.
        let e = RunLock::acquire(&reg, "x").unwrap_err().to_string();
        assert!(e.contains("terbit issuing run 20261123-abcd (pid ") && e.contains("register.sqlite"), "{e}");
        drop(first);
        RunLock::acquire(&reg, "x").unwrap();
    }

    #[test]
    fn a_link_in_place_of_the_lock_file_is_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("precious");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, d.path().join("r.sqlite.lock")).unwrap();
        assert!(RunLock::acquire(&d.path().join("r.sqlite"), "x").is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }

    #[test]
    fn a_register_folder_others_may_write_in_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let shared = d.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let e = RunLock::acquire(&shared.join("register.sqlite"), "x").unwrap_err().to_string();
        assert!(e.contains("shared") && e.contains("1777") && e.contains("every user"), "{e}");
        assert!(!shared.join("register.sqlite.lock").exists(), "nothing made there");
    }
}
