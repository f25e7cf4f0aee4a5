//! The keys a scheduler hands over instead of key files: the DK1 signing
//! key and the PDF-signing key, from `TERBIT_SIGNING_KEY` /
//! `TERBIT_PDF_SIGNING_KEY` (moved out of the environment into a pipe by
//! [`move_key_out_of_environment`]), or from systemd's credentials
//! (`LoadCredential=`). `main` reads them first thing ([`Handed::take`]),
//! before any thread starts or any file is read, and hands them down as
//! values; only `issue` uses them.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use terbit::dk1::keys;
use terbit::issue;

/// A handed-over key as read: its text and where it came from (for
/// errors; never the text), or what went wrong reading it.
type Read = Result<Option<(zeroize::Zeroizing<String>, String)>>;

/// A 32-byte secret key, wiped when dropped.
type Secret = zeroize::Zeroizing<[u8; 32]>;

/// The keys handed over to this process, read and their variables
/// cleared. A problem reading one is kept, not said: it is said by the
/// command that needs the key, where it needs it (`issue`, after its
/// settings are checked), and no other command fails for it.
pub(crate) struct Handed {
    signing: Read,
    pdf: Read,
}

impl Handed {
    /// Read both keys now (the DK1 key first).
    pub(crate) fn take() -> Handed {
        let signing = handed_over(issue::KEY_ENV, KEY_FD_ENV, KEY_CREDENTIAL);
        let pdf = handed_over(issue::PDF_KEY_ENV, PDF_KEY_FD_ENV, PDF_KEY_CREDENTIAL);
        Handed { signing, pdf }
    }

    /// The DK1 signing key's seed and the PDF-signing key, each checked,
    /// if handed over; the DK1 key's problem is said first.
    pub(crate) fn keys(self) -> Result<(Option<Secret>, Option<Secret>)> {
        let seed = match self.signing? {
            Some((text, source)) => Some(keys::parse_seed(&text, &source)?),
            None => None,
        };
        let pdf = match self.pdf? {
            Some((text, source)) => Some(terbit::trust::pdfkey::parse_key_text(&text, &source)?),
            None => None,
        };
        Ok((seed, pdf))
    }
}

/// Where the key handed over in `TERBIT_SIGNING_KEY` waits for the
/// re-executed process (see [`move_key_out_of_environment`]).
const KEY_FD_ENV: &str = "TERBIT_SIGNING_KEY_FD";
/// systemd's credential name for the key (`LoadCredential=terbit-signing-key:...`).
const KEY_CREDENTIAL: &str = "terbit-signing-key";

/// A key handed over in `TERBIT_SIGNING_KEY` would stay readable in
/// `/proc/<pid>/environ` for the whole run: `remove_var` changes the
/// process's copy, not the one the kernel shows, and rewriting that memory
/// needs unsafe code. So terbit puts the key in a pipe and executes itself
/// again without the variable: the running image's environment never held
/// it. Called first thing, before any thread starts; returns only if there
/// is no such variable.
pub(crate) fn move_key_out_of_environment() -> std::result::Result<(), String> {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    let handed: Vec<(&str, &str, std::ffi::OsString)> = [(issue::KEY_ENV, KEY_FD_ENV), (issue::PDF_KEY_ENV, PDF_KEY_FD_ENV)]
        .into_iter()
        .filter_map(|(var, fd_var)| std::env::var_os(var).map(|v| (var, fd_var, v)))
        .collect();
    if handed.is_empty() {
        return Ok(());
    }
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_default();
    let mut cmd = std::process::Command::new("/proc/self/exe");
    cmd.arg0(argv0).args(args);
    // The pipes' read ends stay open across the exec (they are not close-on-exec).
    let mut keep = Vec::new();
    for (var, fd_var, value) in handed {
        let value = zeroize::Zeroizing::new(value.into_encoded_bytes());
        if value.len() > 4096 {
            return Err(format!("{var} is {} bytes; a key is 64 hex characters (or a PEM)", value.len()));
        }
        let (read, write) = rustix::pipe::pipe().map_err(|e| format!("cannot make a pipe for {var}: {e}"))?;
        std::fs::File::from(write).write_all(&value).map_err(|e| format!("cannot hand {var} over: {e}"))?;
        cmd.env_remove(var).env(fd_var, std::os::fd::AsRawFd::as_raw_fd(&read).to_string());
        keep.push(read);
    }
    let e = cmd.exec();
    Err(format!("cannot start terbit again without the keys in its environment: {e}"))
}

/// Where the key handed over in `TERBIT_PDF_SIGNING_KEY` waits.
const PDF_KEY_FD_ENV: &str = "TERBIT_PDF_SIGNING_KEY_FD";
/// systemd's credential name for the PDF key.
const PDF_KEY_CREDENTIAL: &str = "terbit-pdf-signing-key";

/// A key handed over by a scheduler, if any: from `env` (moved to the pipe
/// named in `fd_env` at start), or from systemd's credential `credential`
/// (`LoadCredential=`), which never passes through an environment at all.
/// Returns the text and where it came from (for errors; never the text).
fn handed_over(env: &str, fd_env: &str, credential: &str) -> Read {
    let (text, source) = if let Some(fd) = std::env::var_os(fd_env) {
        std::env::remove_var(fd_env);
        (read_handed_pipe(&fd, fd_env, env)?, env.to_string())
    } else if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
        let path = Path::new(&dir).join(credential);
        if !path.exists() {
            return Ok(None);
        }
        let text = zeroize::Zeroizing::new(terbit::util::fs::read_limited(&path, MAX_HANDED_KEY)?);
        (text, path.display().to_string())
    } else {
        return Ok(None);
    };
    // A key that is not UTF-8 is no key: an empty text, refused by the parser naming the source.
    let text = std::str::from_utf8(&text).unwrap_or_default();
    Ok(Some((zeroize::Zeroizing::new(text.to_string()), source)))
}

/// The most a handed-over key may be: 64 hex characters, or a PKCS#8 PEM
/// P-256 key (~240 bytes).
const MAX_HANDED_KEY: u64 = 4096;

/// Read the key waiting in the pipe whose descriptor number `fd` names
/// (`fd_env`'s value): only a pipe — a descriptor number set by whoever
/// started terbit could otherwise name a file, a terminal or /dev/zero
/// (read without end) — and at most [`MAX_HANDED_KEY`] bytes. It is
/// opened again through /proc/self/fd (taking an inherited descriptor
/// number as a file needs unsafe code); a socket cannot be opened that
/// way, so a scheduler hands the key over in a pipe.
fn read_handed_pipe(fd: &std::ffi::OsStr, fd_env: &str, env: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let shown = terbit::util::show::clip_shown(&fd.to_string_lossy(), 40);
    // A number, never a path: "../../etc/shadow" must not be read.
    let n: u32 = fd.to_str().filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).and_then(|s| s.parse().ok())
        .with_context(|| format!("{fd_env}={shown:?} is not a file descriptor number"))?;
    let path = PathBuf::from(format!("/proc/self/fd/{n}"));
    let kind = |t: std::fs::FileType| {
        if t.is_socket() { "a socket (give the key in a pipe)" } else if t.is_file() { "a regular file" } else if t.is_char_device() { "a device or terminal" } else if t.is_dir() { "a folder" } else { "not a pipe" }
    };
    let meta = std::fs::metadata(&path).with_context(|| format!("{fd_env}={n}: no such open file descriptor (the key handed over in {env} is lost)"))?;
    if !meta.file_type().is_fifo() {
        bail!("{fd_env}={n} is {}: a key handed over by descriptor is read from a pipe only", kind(meta.file_type()));
    }
    // Non-blocking to open (a named FIFO without a writer would hang the
    // open), then blocking to read to the writer's end.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::CLOEXEC).bits() as i32)
        .open(&path)
        .with_context(|| format!("open the pipe of {fd_env}={n}"))?;
    // Checked again on what was opened: the descriptor may have changed since.
    if !file.metadata().with_context(|| format!("{fd_env}={n}"))?.file_type().is_fifo() {
        bail!("{fd_env}={n} is not a pipe: a key handed over by descriptor is read from a pipe only");
    }
    // Read to the writer's end, but not for ever: a writer that keeps the
    // pipe open without closing it (or the pipe's own write end, handed in
    // by mistake) must not hold the night. The descriptor stays
    // non-blocking; an empty pipe is waited on for at most 10 s.
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(MAX_HANDED_KEY as usize + 1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut reader = file.take(MAX_HANDED_KEY + 1);
    let mut chunk = zeroize::Zeroizing::new([0u8; 512]);
    loop {
        match reader.read(&mut chunk[..]) {
            Ok(0) => break,
            Ok(k) => bytes.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() >= deadline {
                    bail!("{fd_env}={n}: the pipe was not closed within 10 s (its writer must write the key and close it)");
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("read the key handed over in {env}")),
        }
    }
    if bytes.len() as u64 > MAX_HANDED_KEY {
        bail!("{fd_env}={n}: more than {MAX_HANDED_KEY} bytes in the pipe; a key is 64 hex characters or a PEM");
    }
    Ok(bytes)
}
