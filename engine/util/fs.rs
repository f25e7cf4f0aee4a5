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

/// Open `path`'s directory itself without following a link at its end,
/// for writing into it: a folder of another user, or one its group or
/// everyone may write in, is refused (checked on the opened folder, so a
/// swap between check and open changes nothing).
pub fn open_dir(path: &Path) -> Result<OwnedFd> {
    use rustix::fs::{open, Mode, OFlags};
    let fd = open(path, OFlags::DIRECTORY | OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty()).map_err(|e| match e {
        rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR => {
            Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, "a link or a file, not a folder: refused"))
        }
        e => Error::io(path, e.into()),
    })?;
    let st = rustix::fs::fstat(&fd).map_err(|e| Error::io(path, e.into()))?;
    check_owner(path, st.st_uid, st.st_mode)?;
    check_folder_mode(path, true, st.st_mode)?;
    Ok(fd)
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

/// Refuse a folder that another user may write in — its group or everyone,
/// the sticky bit (mode 1777, as /tmp) included: whoever can put a file
/// or a link there can make a job write where it should not, and the
/// sticky bit still lets them create names the job will then open.
pub fn refuse_world_writable(dir: &Path) -> Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(m) => {
            use std::os::unix::fs::PermissionsExt;
            check_folder_mode(dir, m.is_dir(), m.permissions().mode())
        }
        // A folder not made yet: whoever makes it (create_dir_all) checks it then.
        Err(_) => Ok(()),
    }
}

/// The output places of an `issue` run, checked before anything is read
/// or written: the out folder and the register's folder must be writable
/// by their owner only, and the register (and its lock file) and the out
/// folder, when they exist, must be this user's. Missing ones are fine
/// (they are made with this user's umask, and checked again where they
/// are opened: [`open_dir`], [`crate::util::lock::RunLock::acquire`]).
pub fn check_output_places(out: &Path, register: Option<&Path>) -> Result<()> {
    // A PostgreSQL register (no file) leaves only the out folder here.
    let Some(register) = register else {
        refuse_symlink(out)?;
        refuse_world_writable(out)?;
        return refuse_foreign_owner(out);
    };
    let reg_dir = register.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Before any lock file is made: terbit opens its files without
    // following links, so a link would only fail later, half-way.
    for p in [out, reg_dir, register] {
        refuse_symlink(p)?;
    }
    refuse_world_writable(out)?;
    refuse_foreign_owner(out)?;
    refuse_world_writable(reg_dir)?;
    refuse_foreign_owner(register)?;
    refuse_writable_by_others(register)?;
    refuse_foreign_owner(&crate::util::lock::lock_path(register))
}

/// Make a new empty file at `path`: never an existing one, never through
/// a link, readable by its owner only (a register names every subject).
pub fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
        .map(drop)
}

/// Refuse a path that is, or goes through, a symbolic link (any of its
/// components as given, `..` included), naming the link and where it points.
fn refuse_symlink(path: &Path) -> Result<()> {
    let Some((link, target)) = path.ancestors().filter(|p| !p.as_os_str().is_empty()).find_map(|p| fs::read_link(p).ok().map(|t| (p, t))) else {
        return Ok(());
    };
    Err(Error::io(
        link,
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "is a symbolic link (to {}): terbit writes its register and runs only through real folders, never through links; give the folder itself",
                crate::util::show::clip_shown(&target.to_string_lossy(), 300)
            ),
        ),
    ))
}

/// Refuse a file (the register) that exists and that its group or every
/// user may write: anyone could then rewrite the numbers under the job.
pub fn refuse_writable_by_others(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(m) = fs::symlink_metadata(path) else { return Ok(()) };
    let mode = m.permissions().mode() & 0o7777;
    if !m.is_file() || mode & 0o022 == 0 {
        return Ok(());
    }
    Err(Error::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("is writable by other users (mode {mode:04o}): anyone could rewrite the numbers in it; chmod go-w {} after checking it was not changed", path.display()),
        ),
    ))
}

/// The check of [`refuse_world_writable`] on a mode already read.
fn check_folder_mode(dir: &Path, is_dir: bool, mode: u32) -> Result<()> {
    let mode = mode & 0o7777;
    if !is_dir || mode & 0o022 == 0 {
        return Ok(());
    }
    let who = if mode & 0o002 != 0 { "every user" } else { "its group" };
    let sticky = if mode & 0o1000 != 0 { " (the sticky bit does not help: others can still create names in it)" } else { "" };
    Err(Error::io(
        dir,
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("folder is writable by {who} (mode {mode:04o}){sticky}: give terbit a folder only its own user may write (chmod go-w {}), or another folder", dir.display()),
        ),
    ))
}

/// Refuse a file or folder that exists and belongs to another user: a
/// register or run folder someone else made (perhaps in advance, to be
/// resumed into) is theirs to change under this job.
pub fn refuse_foreign_owner(path: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = fs::symlink_metadata(path) else { return Ok(()) };
    check_owner(path, m.uid(), m.mode())
}

fn check_owner(path: &Path, uid: u32, mode: u32) -> Result<()> {
    let me = rustix::process::geteuid().as_raw();
    if uid == me {
        return Ok(());
    }
    Err(Error::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "belongs to another user (uid {uid}, mode {:04o}; this job runs as uid {me}): run the job as its owner, or move it away and let terbit make its own",
                mode & 0o7777
            ),
        ),
    ))
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

/// Remove `dir` and the folders below it that hold nothing, bottom up;
/// a folder that holds any file (or a link) stays, with its parents.
/// Never follows a link. What cannot be removed stays, unsaid: this only
/// tidies.
pub fn remove_empty_dirs(dir: &Path) {
    let Ok(meta) = fs::symlink_metadata(dir) else { return };
    if !meta.is_dir() {
        return;
    }
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty_dirs(&e.path());
            }
        }
    }
    let _ = fs::remove_dir(dir);
}

/// Read a regular file of at most `limit` bytes (a device, a pipe or a
/// larger file is refused without reading it whole; a FIFO is opened
/// without waiting for a writer, then refused).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags((rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::CLOEXEC).bits() as i32)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::config(path, "not a regular file"));
    }
    read_bounded(path, f, meta.len(), limit)
}

/// What a file that is not a regular file is, in words.
fn kind_of(t: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// Why `path` (a `what`: "batch file", "settings file") is refused when
/// it is not a regular file: a link is never followed (it could point at
/// a key or /etc/shadow, whose first line an error would quote), a FIFO
/// would hang the job, a device never ends.
pub fn not_regular(path: &Path, what: &str, t: fs::FileType) -> Error {
    let kind = kind_of(t);
    let link = if t.is_symlink() { ", never through a link: put the file itself there" } else { "" };
    Error::io(path, std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("is {kind}: terbit reads a {what} only as a regular file{link}")))
}

/// Open `path` (a `what`, for messages) for reading only if it is a
/// regular file: never through a symbolic link at its end (`O_NOFOLLOW`),
/// never waiting on a FIFO (`O_NONBLOCK`), the type checked on what was
/// opened (`fstat`), so a swap between a check and the open changes nothing.
pub fn open_regular(path: &Path, what: &str) -> Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::CLOEXEC;
    let f = fs::OpenOptions::new().read(true).custom_flags(flags.bits() as i32).open(path).map_err(|e| {
        // ELOOP: a link at the end; ENXIO: a socket. Named by what is there.
        match fs::symlink_metadata(path) {
            Ok(m) if !m.is_file() => not_regular(path, what, m.file_type()),
            _ => Error::io(path, e),
        }
    })?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_regular(path, what, meta.file_type()));
    }
    Ok(f)
}

/// [`open_regular`], then read at most `limit` bytes (a larger file is
/// refused, naming the limit, without reading it whole).
pub fn read_regular(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    let f = open_regular(path, what)?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    read_bounded(path, f, len, limit)
}

/// A file that decides what terbit does — the settings file, a region or
/// template file — read as [`read_regular`] and, like OpenSSH's
/// StrictModes, only when no other user can have written it: the file must
/// belong to this user or root and not be writable by its group or
/// others, and its folder likewise (owned by this user or root, writable
/// by neither group nor others, sticky bit or not). Each refusal names the
/// file, its owner and mode, and the `chown`/`chmod` that fixes it.
pub fn read_trusted(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    use std::os::unix::fs::MetadataExt;
    let f = open_regular(path, what)?;
    let meta = f.metadata().map_err(|e| Error::io(path, e))?;
    check_trusted(path, what, meta.uid(), meta.mode())?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dmeta = fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    // Named in full: "." says nothing in a cron mail.
    let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    check_trusted(&dir, &format!("the folder of the {what} {}", path.display()), dmeta.uid(), dmeta.mode())?;
    read_bounded(path, f, meta.len(), limit)
}

/// The owner and mode test of [`read_trusted`] (`what` names the file).
pub fn check_trusted(path: &Path, what: &str, uid: u32, mode: u32) -> Result<()> {
    let me = rustix::process::geteuid().as_raw();
    let is_dir = mode & 0o170000 == 0o040000;
    let mode = mode & 0o7777;
    let why = if uid != me && uid != 0 {
        format!(
            "{what} belongs to another user (uid {uid}, mode {mode:04o}; terbit runs as uid {me}): another user could have written what it decides. \
             Check it, then chown {me} {} (or give a file of your own)",
            path.display()
        )
    } else if mode & 0o022 != 0 {
        let who = if mode & 0o002 != 0 { "every user" } else { "its group" };
        let (mode, shown) = (mode & 0o7777, path.display());
        if is_dir {
            let sticky = if mode & 0o1000 != 0 { " (the sticky bit does not help: they can still create names in it)" } else { "" };
            format!("{what} is writable by {who} (mode {mode:04o}){sticky}: another user could put their own files there. Keep them in a folder only you (or root) may write, or chmod go-w {shown}")
        } else {
            format!("{what} is writable by {who} (mode {mode:04o}): another user could have written what it decides. Check it, then chmod go-w {shown}")
        }
    } else {
        return Ok(());
    };
    // Not PermissionDenied: the machine's hint for that ("terbit cannot
    // write there") would mislead; the message says the cure.
    Err(Error::io(path, std::io::Error::other(why)))
}

/// Read an opened file of `len` bytes (as `fstat` said), at most `limit`.
fn read_bounded(path: &Path, f: fs::File, len: u64, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    if len > limit {
        return Err(Error::config(path, format!("larger than {}", size_text(limit))));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::config(path, format!("larger than {}", size_text(limit))));
    }
    Ok(bytes)
}

/// A size limit in words: "16 MiB", "64 KiB", "4096 bytes".
fn size_text(limit: u64) -> String {
    match limit {
        l if l >= 1 << 20 && l % (1 << 20) == 0 => format!("{} MiB", l >> 20),
        l if l >= 1 << 10 && l % (1 << 10) == 0 && l > 4096 => format!("{} KiB", l >> 10),
        l => format!("{l} bytes"),
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

    #[test]
    fn folders_others_may_write_in_are_refused_sticky_or_not() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("out");
        fs::create_dir(&dir).unwrap();
        for (mode, ok) in [(0o700, true), (0o755, true), (0o775, false), (0o777, false), (0o1777, false), (0o1770, false), (0o757, false)] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
            let got = refuse_world_writable(&dir);
            assert_eq!(got.is_ok(), ok, "mode {mode:o}: {got:?}");
            assert_eq!(open_dir(&dir).is_ok(), ok, "mode {mode:o}");
            if let Err(e) = got {
                let e = e.to_string();
                assert!(e.contains(&format!("{mode:04o}")) && e.contains("chmod go-w") && e.contains("out"), "{e}");
                assert_eq!(e.contains("every user"), mode & 0o002 != 0, "{e}");
                assert_eq!(e.contains("sticky"), mode & 0o1000 != 0, "{e}");
            }
        }
        // A missing folder is checked when it is made, not now.
        assert!(refuse_world_writable(&d.path().join("later")).is_ok());
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        assert!(check_output_places(&dir, Some(&dir.join("register.sqlite"))).is_ok());
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o770)).unwrap();
        assert!(check_output_places(&d.path().join("x"), Some(&dir.join("register.sqlite"))).is_err(), "the register's folder");
    }

    #[test]
    fn only_regular_files_are_read_and_trusted_ones_only_from_safe_places() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        fs::write(&f, b"x = 1\n").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_trusted(&f, "settings file", 64).unwrap(), b"x = 1\n");
        assert!(read_regular(&f, "settings file", 3).unwrap_err().to_string().contains("larger than 3 bytes"));
        // A link (even to a good file), a folder, a device: named, never read.
        std::os::unix::fs::symlink(&f, d.path().join("l")).unwrap();
        for (p, said) in [(d.path().join("l"), "symbolic link"), (d.path().to_path_buf(), "a folder"), (PathBuf::from("/dev/zero"), "a device")] {
            let e = read_regular(&p, "batch file", 1 << 20).unwrap_err().to_string();
            assert!(e.contains(said) && e.contains("batch file only as a regular file"), "{e}");
        }
        // Writable by others, or in a folder others may write in.
        fs::set_permissions(&f, fs::Permissions::from_mode(0o664)).unwrap();
        let e = read_trusted(&f, "settings file", 64).unwrap_err().to_string();
        assert!(e.contains("0664") && e.contains("its group") && e.contains("chmod go-w"), "{e}");
        fs::set_permissions(&f, fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        let e = read_trusted(&f, "settings file", 64).unwrap_err().to_string();
        assert!(e.contains("1777") && e.contains("sticky") && e.contains("folder of the settings file"), "{e}");
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let other = rustix::process::geteuid().as_raw().wrapping_add(1).max(1);
        let e = check_trusted(&f, "settings file", other, 0o100644).unwrap_err().to_string();
        assert!(e.contains("another user") && e.contains("chown"), "{e}");
        assert!(check_trusted(&f, "settings file", 0, 0o100644).is_ok(), "root's files are trusted");
    }

    #[test]
    fn a_register_or_run_folder_of_another_user_is_refused() {
        // Only root can give a file away; as anyone else this is checked by
        // the uid comparison alone.
        let d = tempfile::tempdir().unwrap();
        let reg = d.path().join("register.sqlite");
        fs::write(&reg, b"").unwrap();
        assert!(refuse_foreign_owner(&reg).is_ok());
        let e = check_owner(&reg, rustix::process::geteuid().as_raw().wrapping_add(1), 0o100600).unwrap_err().to_string();
        assert!(e.contains("register.sqlite") && e.contains("another user") && e.contains("0600"), "{e}");
        if !rustix::process::geteuid().is_root() {
            return;
        }
        let run = d.path().join("run");
        fs::create_dir(&run).unwrap();
        rustix::fs::chown(&reg, Some(rustix::process::Uid::from_raw(54321)), None).unwrap();
        rustix::fs::chown(&run, Some(rustix::process::Uid::from_raw(54321)), None).unwrap();
        assert!(refuse_foreign_owner(&reg).unwrap_err().to_string().contains("uid 54321"));
        assert!(check_output_places(d.path(), Some(&reg)).is_err());
        assert!(open_dir(&run).unwrap_err().to_string().contains("another user"));
    }
}
