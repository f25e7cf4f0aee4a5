//! `terbit` command line: raw arguments → checked options → library stages.
//! Only the binary (this file and `engine/cli/`) reads the clock, the environment and the OS random source.
//! Exit codes (README "Exit codes"): 0 done / all genuine, 1 a document
//! failed verification, or (`issue`) the night is not done, 2 could not
//! run (or a target could not be read), 3 a photo or scan whose QR could
//! not be read (take it again).

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use chrono::{NaiveDate, Utc};
use clap::Parser;

use terbit::issue::{self, IssueOptions};
use terbit::output::summary::RunSummary;
use terbit::dk1::keys;
use terbit::kind::region::Region;
use terbit::input::samples::{self, SampleOptions};
use terbit::verify;

mod cli;

use terbit::numbering::replica::Replica;
use cli::args::{Cli, Command, KeysCommand, RegisterCommand, RevokeArgs, RootCommand, TrustCommand};

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
    if let Err(e) = move_key_out_of_environment() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if let Err(e) = dumpable {
        eprintln!("warning: cannot make this process non-dumpable ({e}): a core dump or a debugger of the same user could read its keys");
    }
    // Every println! of every command writes through this relay: a reader
    // that goes away (`terbit trust bundle … | head -1`) ends the output
    // quietly instead of panicking the command half done. Dropped (output
    // drained) when main returns or unwinds.
    let _stdout = StdoutRelay::install();
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
    let level = if cli.quiet { "warn" } else { "info" };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TERBIT_LOG").unwrap_or_else(|_| level.into()))
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: logs under cron stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .with_target(false)
        .init();
    let quiet = cli.quiet;
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // --quiet: one line per problem (what cron mails), the hint on it.
            match hint_for(&e) {
                Some(hint) if quiet => eprintln!("error: {} — hint: {hint}", error_text(&e)),
                Some(hint) => eprintln!("error: {}\nhint: {hint}", error_text(&e)),
                None => eprintln!("error: {}", error_text(&e)),
            }
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line, each said once (a library error
/// already names its OS error), control characters shown escaped (a batch
/// file named with a line break must not forge a log line).
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if text.contains(&s) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&s);
    }
    terbit::util::show::clip_shown(&text, 4000)
}

/// What to do about an error the operator can fix on the machine.
fn hint_for(e: &anyhow::Error) -> Option<String> {
    if e.downcast_ref::<RegionMismatch>().is_some() {
        return Some(
            "give the region file of the regency the export is for (--region FILE, or `region = ...` in terbit.toml; its `code` is the regency's). \
             Do not generate a key for the wrong regency: its trust list could not then be signed by your district root"
                .into(),
        );
    }
    hint_for_machine(e).map(str::to_string)
}

/// Hints for the machine's own trouble: a full disk, a folder terbit may not write.
fn hint_for_machine(e: &anyhow::Error) -> Option<&'static str> {
    // The register's back end says so by its code (SQLite's SQLITE_FULL,
    // PostgreSQL's SQLSTATE 53100), told apart where the error is made.
    let register_full = e.chain().any(|c| matches!(c.downcast_ref::<terbit::error::Error>(), Some(terbit::error::Error::RegisterFull { .. })));
    if register_full {
        return Some(
            "the disk holding the register is full: free space there and run the same command again; \
             the run resumes where it stopped and issues nothing twice",
        );
    }
    let io = e.chain().find_map(|c| c.downcast_ref::<std::io::Error>()).or_else(|| {
        e.chain().find_map(|c| match c.downcast_ref::<terbit::error::Error>() {
            Some(terbit::error::Error::Io { source, .. }) => Some(source),
            _ => None,
        })
    })?;
    match io.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Some(
            "the disk is full: free space (or give --out on another disk) and run the same command again; \
             the run resumes where it stopped and issues nothing twice",
        ),
        // The path is in the error: it may be the keys folder, the
        // register's or the out folder, so no one flag is named.
        std::io::ErrorKind::PermissionDenied => Some(
            "this job's user may not read or write the path named: the keys folder, the register's folder and the out folder \
             belong to the user the job runs as (README, \"The nightly job\": who owns what); check that path's owner and mode",
        ),
        std::io::ErrorKind::ReadOnlyFilesystem => Some("the path named is on a read-only file system: give a folder on a writable disk (--out, --register, or terbit.toml)"),
        std::io::ErrorKind::NotFound => Some(
            "the path named does not exist: check it. Relative paths are from the folder terbit runs in (terbit.toml's from its own \
             folder); the keys folder, register and out folder come from --keys, --register and --out, else from ./terbit.toml or --config",
        ),
        std::io::ErrorKind::NotADirectory => Some("a file stands where a folder is needed: check the --out path"),
        _ => None,
    }
}

/// Tonight's batch files from the settings file's patterns; a pattern
/// that matches nothing while another does is said once (a night without
/// Parquet exports is an ordinary night).
fn tonights_files(conf: &terbit::issue::config::Config, date: NaiveDate) -> Result<Vec<PathBuf>> {
    let found = conf.batch_files(date)?;
    for p in &found.unmatched {
        tracing::info!("{}: batch pattern {:?} matches no file for {date}; the other pattern(s) do", conf.path.display(), terbit::util::show::clip_shown(p, 300));
    }
    tracing::info!("{}: {} batch file(s) for {date}", conf.path.display(), found.files.len());
    Ok(found.files)
}

/// The rows of a night that failed name villages of another regency than
/// the configured region's (a wrong or missing `--region`): that is said
/// first, with both regencies, so the cure is the region, not a new key.
#[derive(Debug)]
struct RegionMismatch(String);

impl std::fmt::Display for RegionMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegionMismatch {}

/// A failed night's error with its likely cause in front: a
/// [`RegionMismatch`] when the run found no key or was refused and most of
/// its rows' villages lie in another regency; the keys folder's origin when
/// it holds no trust list (a wrong folder is cured by naming the right one,
/// not by a new key).
fn explain_failure(e: anyhow::Error, opts: &IssueOptions, region_said: &str, keys_from: &terbit::issue::config::Origin) -> anyhow::Error {
    use terbit::error::Error as E;
    let list = opts.keys_dir.join("trust.json");
    let no_list = e.chain().any(|c| matches!(c.downcast_ref::<E>(), Some(E::Io { path, source }) if *path == list && source.kind() == std::io::ErrorKind::NotFound));
    if no_list {
        let dir = opts.keys_dir.display();
        return e.context(format!(
            "no trust list in the keys folder {dir} ({keys_from}): give --keys (or `keys` in terbit.toml) naming the district's keys folder; \
             only for a district with no key yet, make one there (`terbit keys generate --issuer {} --dir {dir}`, then `terbit trust sign`)",
            opts.region.code
        ));
    }
    let cause = e.chain().any(|c| matches!(c.downcast_ref::<E>(), Some(E::NoKey(_) | E::Refused(_))));
    match cause.then(|| other_regency(opts, region_said)).flatten() {
        Some(m) => e.context(m),
        None => e,
    }
}

/// The regency most of the batch's village codes lie in, when it is not
/// the configured region's (reads the batch files again: only after a
/// failure, or a dry run's village rejects).
fn other_regency(opts: &IssueOptions, region_said: &str) -> Option<RegionMismatch> {
    let named = terbit::issue::config::regencies_named(&opts.batch, &opts.templates, opts.kind.as_deref());
    let total: usize = named.iter().map(|(_, n)| n).sum();
    let (code, n) = named.first().filter(|(code, n)| *code != opts.region.code && *n * 2 > total)?;
    let name = terbit::kind::refdata::reference().regency_name(code).unwrap_or("an unknown regency");
    Some(RegionMismatch(format!(
        "the batch's rows name villages of {name} ({code}) ({n} of {total} village codes), but the region configured is {region_said}"
    )))
}

fn load_region(path: Option<&Path>) -> Result<Region> {
    Ok(match path {
        Some(p) => Region::load(p)?,
        None => Region::kediri(),
    })
}


/// Today's date where the region is.
fn today(region: &Region) -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(region.utc_offset_hours as i64)).date_naive()
}

/// Issue date and issue time: --issued-on, else SOURCE_DATE_EPOCH, else today.
fn issue_time(region: &Region, issued_on: Option<NaiveDate>) -> Result<(NaiveDate, i64)> {
    if let Some(d) = issued_on {
        // A date a year or more ahead is a typing mistake (2062 for 2026),
        // not a plan; any other date is allowed (an old night issued late),
        // and the report says how far it is from the day the run ran.
        let today = today(region);
        let days = (d - today).num_days();
        if days > 366 {
            bail!("--issued-on {d} is more than a year after today ({today}): a typing mistake? Documents carry this date");
        }
        refuse_before_2000(d, "--issued-on")?;
        return Ok((d, issue::midnight_utc(d)));
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        let epoch: i64 = s.trim().parse().with_context(|| format!("SOURCE_DATE_EPOCH={s:?} is not a number of seconds"))?;
        let local = chrono::DateTime::from_timestamp(epoch + region.utc_offset_hours as i64 * 3600, 0)
            .context("SOURCE_DATE_EPOCH out of range")?;
        refuse_before_2000(local.date_naive(), &format!("SOURCE_DATE_EPOCH={epoch}"))?;
        return Ok((local.date_naive(), epoch));
    }
    let d = today(region);
    Ok((d, issue::midnight_utc(d)))
}

/// No document terbit issues is dated before 2000 (a register, a key, a
/// civil-registration system of this kind did not exist): such a date is a
/// mistake (a year 0001, a negative epoch), and documents would carry it.
fn refuse_before_2000(d: NaiveDate, given: &str) -> Result<()> {
    if d < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default() {
        bail!("{given}: the issue date {d} is before 2000-01-01: a mistake? Documents carry this date");
    }
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Keys(KeysCommand::Generate { issuer, dir, not_before }) => {
            let dir = dir.path()?;
            let g = generate_key(&dir, &issuer, not_before)?;
            println!("key {} for issuer {issuer}", hex::encode(g.kid));
            println!("  private key: {} (keep it secret; mode 0600)", g.key_file.display());
            println!("  PDF key:     {} (keep it secret; the district root certifies it at `terbit trust sign`)", terbit::dk1::pdfkey::key_path(&dir, &g.kid).display());
            println!("  key list:    {} (sign it for auditors: terbit trust sign --keys {} --root-key ... --root-cert ...)", g.trust_file.display(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Retire { kid, dir, on }) => {
            let dir = dir.path()?;
            let at = issue::midnight_utc(on.unwrap_or_else(|| Utc::now().date_naive()));
            let e = keys::set_status(&dir, &kid, keys::KeyStatus::Retired, at)?;
            println!("key {} retired: signs nothing from {}", e.kid, e.not_after.as_deref().unwrap_or("?"));
            println!("Now sign the list for verifiers: terbit trust sign --keys {} --root-key ... --root-cert ...", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Import { kid, dir, key, cert, chain, p12, password_file }) => {
            let dir = dir.path()?;
            let k: keys::Kid = hex::decode(&kid).ok().and_then(|v| v.try_into().ok()).with_context(|| format!("{kid:?} is not a kid (16 hex digits)"))?;
            let list = keys::TrustList::load(&dir.join("trust.json"))?;
            if list.find(&k).is_none() {
                bail!("no key {kid} in {}", dir.join("trust.json").display());
            }
            match (p12, key, cert) {
                (Some(p12), _, _) => {
                    let Some(pf) = password_file else { bail!("--p12 needs --password-file (a file holding the password, or - for standard input)") };
                    let password = read_password(&pf)?;
                    terbit::dk1::pdfkey::import_p12(&dir, &k, &p12, &password)?;
                }
                (None, Some(key), Some(cert)) => terbit::dk1::pdfkey::import(&dir, &k, &key, &cert, chain.as_deref())?,
                _ => bail!("give --key and --cert, or --p12"),
            }
            println!("PDF key and certificate of key {kid} → {}", terbit::dk1::pdfkey::cert_path(&dir, &k).display());
            println!("Now sign the list for verifiers: terbit trust sign --keys {} --root-key ... --root-cert ...", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Revoke { kid, dir, from }) => {
            let dir = dir.path()?;
            let at = chrono::DateTime::parse_from_rfc3339(&from).with_context(|| format!("--from {from:?} is not an RFC 3339 time"))?.timestamp();
            let e = keys::set_status(&dir, &kid, keys::KeyStatus::Revoked, at)?;
            println!("key {} revoked from {}: documents it signed since are REVOKED once verifiers have the new list", e.kid, e.revoked_from.as_deref().unwrap_or("?"));
            println!("Now sign the list for verifiers: terbit trust sign --keys {} --root-key ... --root-cert ...", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Samples { kind, count, seed, defects, as_of, region, out } => {
            if !(0.0..=1.0).contains(&defects) {
                bail!("--defects {defects}: a share between 0 and 1");
            }
            let region = load_region(region.as_deref())?;
            let templates = region.templates()?;
            let Some(t) = templates.get(&kind) else {
                bail!("--kind {kind:?}: kinds are {}", terbit::kind::Kind::names());
            };
            let as_of = as_of.unwrap_or_else(|| today(&region));
            let n = samples::write(t, &SampleOptions { region: &region, count, seed, defects, as_of }, &out)?;
            println!("{count} {kind} applications in {n} rows ({:.0}% with defects) → {}", defects * 100.0, out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Issue { mut input, keys, out, register, replica, max_reject_rate } => {
            if max_reject_rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
                bail!("--max-reject-rate must be a share between 0 and 1");
            }
            // The settings file (./terbit.toml or --config), read whether or
            // not batch files are named: each flag overrides its one setting.
            let conf = input.settings()?;
            if input.batch.is_empty() && !conf.found() {
                bail!(
                    "no batch files given and no settings file ./{}: give batch files, or write terbit.toml (see README, \"The nightly job\")",
                    terbit::issue::config::DEFAULT_FILE
                );
            }
            let (region, templates, issue_date, issued_at) = input.load()?;
            let region_said = input.region_said(&region);
            if input.batch.is_empty() {
                input.batch = tonights_files(&conf, issue_date)?;
            }
            let keys = conf.keys(keys, "--keys");
            let keys_origin = keys.origin.clone();
            let keys = keys.path;
            let out = conf.out(out);
            let register = conf.register(register, &out);
            let replica = conf.replica(replica);
            let max_reject_rate = max_reject_rate.or(conf.max_reject_rate);
            // Before the key is read and anything is written: an out or
            // register folder others may write in, or a register of another
            // user, is refused with what to do (the run folder is checked
            // where the output stage opens it); and so is a new register
            // beside runs another register issued.
            let place = register.place()?;
            terbit::util::fs::check_output_places(&out.path, place.file())?;
            keys::check_keys_dir(&keys)?;
            terbit::issue::config::check_register_owns_runs(&out, &register)?;
            let (out, register) = (out.path, place);
            let (batch, kind) = (input.batch, input.kind);
            let progress = progress_bar(cli.quiet);
            let opts = IssueOptions {
                batch,
                keys_dir: keys,
                region,
                templates,
                kind,
                out,
                register,
                replica,
                issue_date,
                issued_at,
                max_reject_rate,
                signing_seed: signing_seed()?,
                pdf_key: pdf_signing_key()?,
                progress: progress.as_ref().map(|(_, p)| p.clone()),
                ahead_max_rows: issue::AHEAD_MAX_ROWS,
                started_at: Some(Utc::now().timestamp()),
            };
            let result = issue::issue(&opts);
            let result = result.map_err(|e| explain_failure(e.into(), &opts, &region_said, &keys_origin));
            // Kinds are numbered one after another, so the bar's length
            // grows as the run goes; it is cleared once, at the end.
            if let Some((bar, _)) = &progress {
                bar.finish_and_clear();
            }
            let s = result?;
            // --quiet: nothing at all on a done night (cron mails any output).
            if !cli.quiet {
                print_summary(&s);
            }
            Ok(night_exit(&s))
        }
        Command::Verify { trust, pin, trust_memory, no_trust_memory, new_root, revocations, region, json, targets } => {
            let pins = pin
                .iter()
                .map(|p| terbit::dk1::root::parse_pin(p).with_context(|| format!("--pin {:?} is not a SHA-256 fingerprint (64 hex digits), alone or as DISTRICT=fingerprint", terbit::util::show::clip_shown(p, 80))))
                .collect::<Result<Vec<_>>>()?;
            let memory = if no_trust_memory { None } else { trust_memory.or_else(default_trust_memory) };
            if memory.is_none() && !no_trust_memory {
                // Said, not silent: without the memory an older trust list
                // (a rolled-back one) is taken as if it were the newest.
                tracing::warn!(
                    "no memory of trust lists seen: neither XDG_STATE_HOME nor HOME is set, so a rolled-back (older) trust list is not detected; \
                     give --trust-memory FILE to keep one, or --no-trust-memory to go without it knowingly"
                );
            }
            let src = verify::TrustSource { path: trust, pins, revocations, memory, now: Utc::now().timestamp(), new_roots: new_root };
            cli::verify::run(&src, &region, json, &targets)
        }
        Command::Root(RootCommand::Init { district, dir, not_before, years }) => {
            // The root key's folder: made 0700 when new, refused when others
            // may write in it (they could swap the key or its certificate).
            keys::make_private_dir(&dir)?;
            let nb = issue::midnight_utc(not_before.unwrap_or_else(|| Utc::now().date_naive()));
            cli::trust::root_init(&district, &dir, nb, years)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Trust(TrustCommand::Sign { keys, config, root_key, root_cert, valid_days, out, at }) => {
            let keys = terbit::issue::config::Config::find(config.as_deref())?.keys(keys, "--keys").path;
            let now = match at {
                Some(t) => chrono::DateTime::parse_from_rfc3339(&t).with_context(|| format!("--at {t:?} is not an RFC 3339 time"))?.timestamp(),
                None => Utc::now().timestamp(),
            };
            cli::trust::trust_sign(&keys, &root_key, &root_cert, valid_days, out, now)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Trust(TrustCommand::Bundle { list, pin, revocations, new_root, out }) => {
            cli::trust::trust_bundle(&list, &pin, &revocations, &new_root, &out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Trust(TrustCommand::Show { file }) => {
            cli::trust::trust_show(&file, Utc::now().timestamp())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verifier { trust, out } => {
            cli::trust::verifier(&trust, &out, Utc::now().timestamp())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Revoke { number, reason, on, common } => revoke(&number, None, &reason, on, &common),
        Command::Supersede { number, by, reason, on, common } => revoke(&number, Some(&by), &reason, on, &common),
        Command::Revocations { issuer, common } => republish(issuer.as_deref(), &common),
        Command::Prove { run, number } => prove(&run, &number),
        Command::Register(RegisterCommand::Check { runs, register, keys, trust, config, json }) => {
            let conf = terbit::issue::config::Config::find(config.as_deref())?;
            let out = conf.out(None);
            let register = conf.register(register, &out).existing_register()?;
            let runs = if runs.is_empty() { vec![out.path.clone()] } else { runs };
            let trust = match trust {
                Some(bundle) => cli::register::Trust::Bundle(bundle),
                None => cli::register::Trust::Keys(conf.keys(keys, "--keys").path),
            };
            cli::register::check(&register, &runs, &trust, Utc::now().timestamp(), json)
        }
        Command::Register(RegisterCommand::Backup { file, register, config }) => cli::backup::backup(&file, register, config.as_deref()),
        Command::Register(RegisterCommand::Restore { file, register, config, runs, accept_loss }) => {
            cli::backup::restore(&file, register, config.as_deref(), &runs, accept_loss)
        }
        Command::Register(RegisterCommand::Rebuild { runs, keys, trust, out, config }) => {
            let conf = terbit::issue::config::Config::find(config.as_deref())?;
            let (trust, keys) = match trust {
                Some(bundle) => (cli::register::Trust::Bundle(bundle), None),
                None => {
                    let keys = conf.keys(keys, "--keys").path;
                    (cli::register::Trust::Keys(keys.clone()), Some(keys))
                }
            };
            cli::backup::rebuild(&runs, &trust, keys.as_deref(), &out, Utc::now().timestamp())
        }
        Command::Register(RegisterCommand::Migrate { to, register, config }) => {
            let conf = terbit::issue::config::Config::find(config.as_deref())?;
            let from = conf.register(register, &conf.out(None)).existing_register()?;
            cli::backup::migrate(&from, &to)
        }
        Command::Stats { config, register, from, to, json } => {
            let conf = terbit::issue::config::Config::find(config.as_deref())?;
            let out = conf.out(None);
            let register = conf.register(register, &out);
            // "Today" where the region is: a night issued between 00:00 and
            // 07:00 WIB is still yesterday in UTC.
            let region = load_region(conf.region.as_deref())?;
            cli::stats::stats(&register.existing_register()?, from, to, today(&region), region.utc_offset_hours, json)
        }
        Command::Check { mut input, rejects } => {
            let conf = input.settings()?;
            if input.batch.is_empty() && !conf.found() {
                bail!("give the batch files to check, e.g. terbit check export.csv (or write terbit.toml: its batch patterns name the night's files)");
            }
            let (region, templates, issue_date, issued_at) = input.load()?;
            let region_said = input.region_said(&region);
            if input.batch.is_empty() {
                input.batch = tonights_files(&conf, issue_date)?;
            }
            // The register issue would use, when it exists: read only.
            let register = conf.register(None, &conf.out(None)).place()?;
            let register = if terbit::numbering::register::Register::exists(&register)? { register } else { terbit::numbering::register::Place::File(PathBuf::new()) };
            if register.file().is_none_or(|f| !f.as_os_str().is_empty()) {
                tracing::info!("checked against the register {register} (read only)");
            }
            let opts = IssueOptions {
                batch: input.batch,
                keys_dir: PathBuf::new(),
                region,
                templates,
                kind: input.kind,
                out: PathBuf::new(),
                register,
                replica: None,
                issue_date,
                issued_at,
                max_reject_rate: None,
                signing_seed: None,
                pdf_key: None,
                progress: None,
                ahead_max_rows: issue::AHEAD_MAX_ROWS,
                started_at: None,
            };
            let (s, list) = issue::check(&opts)?;
            if s.rejects_by_rule.contains_key(terbit::input::rules::Rule::Village.to_string().as_str()) {
                if let Some(m) = other_regency(&opts, &region_said) {
                    tracing::warn!("{m}: give the region file of that regency (--region FILE, or `region = ...` in terbit.toml)");
                }
            }
            for w in &s.warnings {
                tracing::warn!("{}", terbit::util::show::shown(w));
            }
            println!("{} applications ({} rows): {} would be rejected ({} reasons)", s.applications, s.rows, s.rejected, s.reject_rows);
            for (rule, n) in &s.rejects_by_rule {
                println!("    {rule:<18} {n:>7}");
            }
            // The first reasons where they are, as rejects.csv has them: an
            // operator fixes the export from these without opening a file.
            const SHOWN: usize = 10;
            if !list.is_empty() {
                println!("  first rejected rows (file:line field: reason):");
            }
            for r in list.iter().take(SHOWN) {
                let show = |t: &str| terbit::util::show::clip_shown(t, 300);
                println!("    {} {}: {}", show(&r.source), show(&r.field), show(&r.message));
            }
            if list.len() > SHOWN {
                let all = if rejects.is_some() { "" } else { " (--rejects FILE writes them all)" };
                println!("    … and {} more{all}", list.len() - SHOWN);
            }
            for (stage, t) in &s.seconds_by_stage {
                println!("  {stage:<10} {t:.2} s");
            }
            if let Some(path) = rejects {
                terbit::util::fs::write_atomic(&path, terbit::output::rejects::rejects_csv(&list).as_bytes())?;
                println!("  reasons: {}", path.display());
            }
            Ok(if s.rejected == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Demo { out, count } => cli::demo::demo(&out, count),
    }
}

/// A progress bar on stderr (documents written of N, rate, ETA) when
/// stderr is a terminal and not --quiet; nothing under cron or a pipe.
fn progress_bar(quiet: bool) -> Option<(indicatif::ProgressBar, issue::Progress)> {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} documents  {msg}  ETA {eta}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    let b = bar.clone();
    let start = std::time::Instant::now();
    let report: issue::Progress = std::sync::Arc::new(move |done, total| {
        b.set_length(total as u64);
        b.set_position(done as u64);
        b.set_message(format!("{:.0}/s", done as f64 / start.elapsed().as_secs_f64().max(1e-3)));
    });
    Some((bar, report))
}

/// The region's templates with `--template KIND=FILE` overrides, `--kind` checked.
fn templates_for(region: &Region, overrides: &[String], kind: Option<&str>) -> Result<terbit::kind::template::Templates> {
    let mut templates = region.templates()?;
    for t in overrides {
        let Some((k, file)) = t.split_once('=') else {
            bail!("--template {t:?}: give KIND=FILE, e.g. birth=templates/birth.toml");
        };
        if templates.get(k).is_none() {
            bail!("--template {t:?}: {k:?} is not a document kind ({})", terbit::kind::Kind::names());
        }
        templates.set(k, Path::new(file))?;
    }
    if let Some(k) = kind {
        if templates.get(k).is_none() {
            bail!("--kind {k:?}: kinds are {}", terbit::kind::Kind::names());
        }
    }
    Ok(templates)
}

/// The verifier's memory of trust lists seen: `$XDG_STATE_HOME/terbit`,
/// else `~/.local/state/terbit` (XDG base directories).
fn default_trust_memory() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("terbit/trust-memory.json"))
}

fn generate_key(dir: &Path, issuer: &str, not_before: Option<NaiveDate>) -> Result<keys::Generated> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|e| anyhow::anyhow!("OS random source: {e}"))?;
    let nb = issue::midnight_utc(not_before.unwrap_or_else(|| Utc::now().date_naive()));
    let g = keys::generate(dir, issuer, &seed, nb)?;
    // Its PDF-signing partner (ECDSA P-256); the root certifies it at `trust sign`.
    loop {
        getrandom::fill(&mut seed[..]).map_err(|e| anyhow::anyhow!("OS random source: {e}"))?;
        // A value at or above the curve order (about 2^-32 of draws) is drawn again.
        if p256::ecdsa::SigningKey::from_slice(&seed[..]).is_ok() {
            break;
        }
    }
    terbit::dk1::pdfkey::generate(dir, &g.kid, &seed)?;
    Ok(g)
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
fn move_key_out_of_environment() -> std::result::Result<(), String> {
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
fn handed_over(env: &str, fd_env: &str, credential: &str) -> Result<Option<(zeroize::Zeroizing<String>, String)>> {
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

/// A password: the first line of `path`, or of standard input for `-`
/// (never an argument or the environment, which other users can read).
fn read_password(path: &Path) -> Result<zeroize::Zeroizing<String>> {
    use std::io::Read;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    if path == Path::new("-") {
        std::io::stdin().take(4096).read_to_end(&mut bytes).context("read the password from standard input")?;
    } else {
        // Refused like a key file: a password others can read opens the key for them.
        keys::refuse_secret_readable_by_others(path, "password file")?;
        *bytes = terbit::util::fs::read_limited(path, 4096)?;
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| anyhow::anyhow!("{}: the password is not UTF-8 text", path.display()))?;
    Ok(zeroize::Zeroizing::new(text.lines().next().unwrap_or("").to_string()))
}

/// The DK1 signing key handed over by a scheduler (`TERBIT_SIGNING_KEY`
/// or the credential `terbit-signing-key`), if any.
fn signing_seed() -> Result<Option<zeroize::Zeroizing<[u8; 32]>>> {
    match handed_over(issue::KEY_ENV, KEY_FD_ENV, KEY_CREDENTIAL)? {
        Some((text, source)) => Ok(Some(keys::parse_seed(&text, &source)?)),
        None => Ok(None),
    }
}

/// The PDF-signing key handed over by a scheduler
/// (`TERBIT_PDF_SIGNING_KEY` or the credential `terbit-pdf-signing-key`), if any.
fn pdf_signing_key() -> Result<Option<zeroize::Zeroizing<[u8; 32]>>> {
    match handed_over(issue::PDF_KEY_ENV, PDF_KEY_FD_ENV, PDF_KEY_CREDENTIAL)? {
        Some((text, source)) => Ok(Some(terbit::dk1::pdfkey::parse_key_text(&text, &source)?)),
        None => Ok(None),
    }
}

/// Exit 0 for a done night; else 1, each reason on one line of stderr
/// (refused by the reject limit, nothing issued, over the limit, a
/// stopped run's documents in no manifest), --quiet or not: a scheduler
/// must see it.
fn night_exit(s: &RunSummary) -> ExitCode {
    for n in &s.not_done {
        eprintln!("terbit: NOT DONE — {}", terbit::util::show::shown(&n.message));
    }
    if s.not_done.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

fn print_summary(s: &RunSummary) {
    for w in &s.warnings {
        tracing::warn!("{}", terbit::util::show::shown(w));
    }
    print!("{}", s.text());
}

/// The register and keys folder of revoke, supersede and revocations:
/// flags over ./terbit.toml (or --config) over the defaults. The register
/// must exist: only `terbit issue` makes one.
fn register_and_keys(a: &RevokeArgs) -> Result<(terbit::numbering::register::Place, PathBuf, Option<Replica>)> {
    let conf = terbit::issue::config::Config::find(a.config.as_deref())?;
    let out = conf.out(None);
    let register = conf.register(a.register.clone(), &out);
    let place = register.existing_register()?;
    // Checked before anything is recorded: a revocation the replica
    // cannot take is not made.
    let replica = Replica::for_register(conf.replica(a.replica.clone()).as_deref(), &place)?;
    if let Some(r) = replica.as_ref().filter(|r| r.same_disk) {
        tracing::warn!("the register's replica {} is on the same file system as the register {place}: it does not outlive that disk", r.path().display());
    }
    Ok((place, conf.keys(a.keys.clone(), "--keys").path, replica))
}

fn revoke(number: &str, by: Option<&str>, reason: &str, on: Option<NaiveDate>, a: &RevokeArgs) -> Result<ExitCode> {
    let (register, keys, replica) = register_and_keys(a)?;
    // The register is written here too: the same checks as an issue run's.
    if let Some(file) = register.file() {
        let reg_dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        terbit::util::fs::check_output_places(reg_dir, Some(file))?;
    }
    // Today where the region is (as `stats`): 00:00–07:00 WIB is still yesterday in UTC.
    let region = load_region(terbit::issue::config::Config::find(a.config.as_deref())?.region.as_deref())?;
    let since = on.unwrap_or_else(|| today(&region));
    let r = terbit::issue::revoke::revoke(&register, &keys, number, by, reason, since, Utc::now().timestamp(), replica.as_ref())?;
    if let Some(e) = &r.earlier {
        let what = match &e.superseded_by {
            Some(newer) => format!("superseded by {newer}"),
            None => "revoked".into(),
        };
        eprintln!(
            "error: {number} was already {what} on {} (reason: {}); nothing was recorded now. The signed revocation list was written again: {}",
            e.since,
            terbit::util::show::clip_shown(&e.reason, 300),
            r.path.display()
        );
        return Ok(ExitCode::from(2));
    }
    match by {
        Some(by) => println!("{} superseded by {}: {}", terbit::util::show::clip_shown(number, 80), terbit::util::show::clip_shown(by, 80), terbit::util::show::clip_shown(reason, 500)),
        None => println!("{} revoked: {}", terbit::util::show::clip_shown(number, 80), terbit::util::show::clip_shown(reason, 500)),
    }
    println!("signed revocation list, {} in all: {} — put it in auditors' bundles: terbit trust bundle (it is read from beside the signed trust list)", match r.list.entries.len() { 1 => "1 entry".to_string(), n => format!("{n} entries") }, r.path.display());
    Ok(ExitCode::SUCCESS)
}

fn republish(issuer: Option<&str>, a: &RevokeArgs) -> Result<ExitCode> {
    let (register, keys, replica) = register_and_keys(a)?;
    let issuer = match issuer {
        Some(i) => i.to_string(),
        None => {
            let list = terbit::dk1::keys::TrustList::load(&keys.join("trust.json"))?;
            let mut codes: Vec<&str> = list.keys.iter().map(|k| k.issuer.as_str()).collect();
            codes.sort();
            codes.dedup();
            match codes.as_slice() {
                [one] => one.to_string(),
                _ => anyhow::bail!("{} lists keys of {} districts: say which with --issuer", keys.join("trust.json").display(), codes.len()),
            }
        }
    };
    let now = Utc::now().timestamp();
    let signer = terbit::dk1::keys::signer_for(&keys, &issuer, now)?;
    let mut reg = terbit::numbering::register::Register::open(&register)?;
    let (list, path, restored) = terbit::issue::revoke::publish(&mut reg, &keys, &signer, now, replica.as_ref())?;
    if let Some(w) = terbit::issue::revoke::restored_warning(&restored, &path) {
        eprintln!("warning: {}", terbit::util::show::shown(&w));
    }
    println!("signed revocation list no. {} of {issuer} ({} entries, key {}, next update {}): {}", list.sequence, list.entries.len(), list.kid, list.next_update, path.display());
    println!("Put it in auditors' bundles: terbit trust bundle");
    Ok(ExitCode::SUCCESS)
}

fn prove(run: &Path, number: &str) -> Result<ExitCode> {
    let proof = verify::prove::prove(run, number)?;
    println!("{}", serde_json::to_string_pretty(&proof)?);
    Ok(ExitCode::SUCCESS)
}

/// prctl(PR_SET_DUMPABLE, 0) (see `main`). It lasts until the next exec:
/// the restart without the key variable sets it again, first thing too.
fn make_non_dumpable() -> rustix::io::Result<()> {
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
}

/// Standard output through a pipe that a thread of this process drains
/// into the real one. Rust ignores SIGPIPE, so a write to a closed pipe is
/// an error, and `println!` panics on it (exit 101, the command stopped
/// half done: `trust bundle … | head -1` wrote no bundle). Here only the
/// relay sees that error; it then drops the rest, and every command runs
/// to its end with its own exit code. (Restoring SIGPIPE's default would
/// kill the process mid-write instead, and needs unsafe code.)
struct StdoutRelay {
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StdoutRelay {
    /// Put the relay in place; `None` (output written directly) if the
    /// descriptors for it cannot be had, or standard output is closed.
    fn install() -> Option<StdoutRelay> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_is_made_non_dumpable() {
        make_non_dumpable().unwrap();
        assert_eq!(rustix::process::dumpable_behavior().unwrap(), rustix::process::DumpableBehavior::NotDumpable);
    }

    #[test]
    fn a_password_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pass");
        std::fs::write(&p, "secret\nignored\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = read_password(&p).unwrap_err().to_string();
        assert!(e.contains("password file is readable by group or others") && e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_password(&p).unwrap().as_str(), "secret");
    }

    #[test]
    fn a_full_disk_under_the_register_gets_its_hint_and_causes_are_said_once() {
        let full = terbit::error::Error::RegisterFull { path: "out/register.sqlite".into(), message: "database or disk is full".into() };
        let e = anyhow::Error::from(full);
        assert!(hint_for(&e).is_some_and(|h| h.contains("register is full")));
        let io = terbit::error::Error::io("a\nb.csv", std::io::Error::from(std::io::ErrorKind::NotFound));
        let text = error_text(&anyhow::Error::from(io));
        assert_eq!(text.matches("not found").count(), 1, "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}

