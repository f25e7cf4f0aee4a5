//! `terbit` command line: raw arguments (`cli::args`) → checked settings
//! (the library's `issue::settings`) → library stages, one file per
//! command under `engine/cli/`. This file keeps only what the process
//! needs before any command runs: the allocator, its hardening, the keys a
//! scheduler hands over (read first), logging, and the dispatch.
//! Only the binary (this file and `engine/cli/`) reads the clock, the environment and the OS random source.
//! Exit codes (README "Exit codes"): 0 done / all genuine, 1 a document
//! failed verification, or (`issue`) the night is not done, 2 could not
//! run (or a target could not be read), 3 a photo or scan whose QR could
//! not be read (take it again).

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

mod cli;

use cli::args::{Cli, Command};
use cli::secrets::Handed;

// Measured in bench/RESULTS.md: issue runs allocate and free many small
// buffers across threads, where glibc malloc spent ~15% of the CPU time.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // First of all, before any key is read (from a file, a pipe or the
    // environment): no core dump of this process, no ptrace attach by
    // other processes of the same user, and /proc/<pid>/environ and
    // /proc/<pid>/mem readable by root only. A failure is said, not fatal:
    // the job still runs where prctl is not allowed (a seccomp sandbox).
    let dumpable = make_non_dumpable();
    // mimalloc asks for transparent huge pages on its arenas: each fresh
    // 2 MiB page is zeroed whole on first touch and stays resident, while
    // a night's allocations are small and short-lived (bench/RESULTS.md:
    // 3–5% of all CPU in page zeroing, ~55 MB more peak RSS at 219,293
    // applications). Failing to turn them off only costs that.
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    if let Err(e) = cli::secrets::move_key_out_of_environment() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    // The keys handed over, read and their variables cleared while this
    // process has one thread and has read nothing else; `issue` takes them
    // as values (and says a problem with them where it always did).
    let handed = Handed::take();
    if let Err(e) = dumpable {
        eprintln!("warning: cannot make this process non-dumpable ({e}): a core dump or a debugger of the same user could read its keys");
    }
    // Every println! of every command writes through this relay: a reader
    // that goes away (`terbit trust bundle … | head -1`) ends the output
    // quietly instead of panicking the command half done. Dropped (output
    // drained) when main returns or unwinds.
    let _stdout = cli::stdout::StdoutRelay::install();
    // A panic's message may quote what a hostile file held: never raw.
    std::panic::set_hook(Box::new(|info| {
        // A damaged file's panic that the library catches and names.
        if terbit::util::panics::expected() {
            return;
        }
        let msg = info.payload().downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| info.payload().downcast_ref::<String>().cloned()).unwrap_or_default();
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("internal error{at}: {}", terbit::util::show::clip_shown(&msg, 300));
    }));
    // Not Cli::parse(): it exits the process itself, before the relay
    // has written --help's text.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    // The PDF reader's own log lines are off: what it finds in a hostile
    // file is the verdict's to say, naming the file (its lines name none,
    // and would break --quiet's one line per problem).
    let level = if cli.quiet { "warn,lopdf=off" } else { "info,lopdf=off" };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TERBIT_LOG").unwrap_or_else(|_| level.into()))
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: logs under cron stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .with_target(false)
        .init();
    let quiet = cli.quiet;
    match dispatch(cli.command, quiet, handed) {
        Ok(code) => code,
        Err(e) => {
            cli::failure::report(&e, quiet);
            ExitCode::from(2)
        }
    }
}

/// One line per command: each is its file under `engine/cli/`.
fn dispatch(command: Command, quiet: bool, handed: Handed) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo(a) => cli::demo::run(&a),
        Command::Keys(c) => cli::keys::run(c),
        Command::Root(c) => cli::root::run(c),
        Command::Register(c) => cli::register::run(c),
        Command::Trust(c) => cli::trust_command::run(c),
        Command::Verifier(a) => cli::verifier::run(&a),
        Command::Samples(a) => cli::samples::run(&a),
        Command::Issue(a) => cli::issue::run(a, quiet, handed),
        Command::Verify(a) => cli::verify::command(a),
        Command::Revoke(a) => cli::revoke::run(&a),
        Command::Supersede(a) => cli::revoke::supersede(&a),
        Command::Revocations(a) => cli::revocations::run(&a),
        Command::Check(a) => cli::check::run(a),
        Command::Stats(a) => cli::stats::run(a),
        Command::Prove(a) => cli::prove::run(&a),
        Command::Archive(c) => cli::archive::run(c),
    }
}

/// prctl(PR_SET_DUMPABLE, 0) (see `main`). It lasts until the next exec:
/// the restart without the key variable sets it again, first thing too.
fn make_non_dumpable() -> rustix::io::Result<()> {
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_is_made_non_dumpable() {
        make_non_dumpable().unwrap();
        assert_eq!(rustix::process::dumpable_behavior().unwrap(), rustix::process::DumpableBehavior::NotDumpable);
    }
}
