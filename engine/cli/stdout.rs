//! Standard output through a relay thread, so that a reader going away
//! never panics a command half done.

/// Standard output through a pipe that a thread of this process drains
/// into the real one. Rust ignores SIGPIPE, so a write to a closed pipe is
/// an error, and `println!` panics on it (exit 101, the command stopped
/// half done: `trust bundle … | head -1` wrote no bundle). Here only the
/// relay sees that error; it then drops the rest, and every command runs
/// to its end with its own exit code. (Restoring SIGPIPE's default would
/// kill the process mid-write instead, and needs unsafe code.)
pub(crate) struct StdoutRelay {
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StdoutRelay {
    /// Put the relay in place; `None` (output written directly) if the
    /// descriptors for it cannot be had, or standard output is closed.
    pub(crate) fn install() -> Option<StdoutRelay> {
        use std::io::{Read, Write};
        let original = rustix::io::dup(std::io::stdout()).ok()?;
        let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ok()?;
        let thread = std::thread::Builder::new()
            .name("stdout".into())
            .spawn(move || {
                let mut from = std::fs::File::from(read);
                let mut to = Some(std::fs::File::from(original));
                let mut buf = vec![0u8; 64 << 10];
                loop {
                    match from.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => {
                            // The reader went away: keep draining, write nothing more.
                            if to.as_mut().is_some_and(|t| t.write_all(&buf[..n]).is_err()) {
                                to = None;
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            })
            .ok()?;
        // On failure `write` is dropped here: the thread sees the end and stops.
        rustix::stdio::dup2_stdout(&write).ok()?;
        Some(StdoutRelay { thread: Some(thread) })
    }
}

impl Drop for StdoutRelay {
    /// Flush, close the pipe's last writing end (standard output now goes
    /// to /dev/null) and wait until the relay has written everything.
    fn drop(&mut self) {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let Ok(null) = std::fs::OpenOptions::new().write(true).open("/dev/null") else { return };
        if rustix::stdio::dup2_stdout(&null).is_ok() {
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }
}
