//! `terbit issue`: the nightly job. The night's settings and batch
//! ([`super::night`]), the places it writes checked before the key is
//! read, the run itself (the library's [`issue::issue`]), and its summary
//! and exit code.

use std::process::ExitCode;

use anyhow::Result;
use terbit::dk1::keys;
use terbit::issue::settings::{Flags, For};
use terbit::issue::{self, IssueOptions};

use super::args::IssueArgs;
use super::night::{night_exit, other_regency, prepare, print_summary};
use super::secrets::Handed;

pub(crate) fn run(a: IssueArgs, quiet: bool, handed: Handed) -> Result<ExitCode> {
    let flags = Flags { keys: a.keys, out: a.out, register: a.register, replica: a.replica, max_reject_rate: a.max_reject_rate, ..Flags::default() };
    let night = prepare(a.input, flags, For::Issue)?;
    let settings = night.settings;
    let (keys, out, register) = (settings.keys, settings.out, settings.register);
    // Before the key is read and anything is written: an out or
    // register folder others may write in, or a register of another
    // user, is refused with what to do (the run folder is checked
    // where the output stage opens it); and so is a new register
    // beside runs another register issued.
    let place = register.place()?;
    terbit::util::fs::check_output_places(&out.path, place.file())?;
    keys::check_keys_dir(&keys.path)?;
    terbit::issue::config::check_register_owns_runs(&out, &register)?;
    let progress = progress_bar(quiet);
    let (signing_seed, pdf_key) = handed.keys()?;
    let opts = IssueOptions {
        batch: night.batch,
        keys_dir: keys.path,
        region: night.region,
        templates: night.templates,
        kind: night.kind,
        out: out.path,
        register: place,
        replica: settings.replica,
        issue_date: night.issue_date,
        issued_at: night.issued_at,
        max_reject_rate: settings.max_reject_rate,
        signing_seed,
        pdf_key,
        progress: progress.as_ref().map(|(_, p)| p.clone()),
        ahead_max_rows: issue::AHEAD_MAX_ROWS,
        started_at: Some(super::region::clock()?),
        remote_tsa: match &settings.tsa {
            Some((url, credentials)) => Some(terbit::pdf::remote::RemoteConfig { url: url.clone(), credentials: tsa_credentials(credentials.as_deref(), "tsa_credentials")?, chain: tsa_chain(settings.tsa_chain.as_deref())? }),
            None => None,
        },
        seal_tsa: match &settings.seal_tsa {
            Some((url, credentials)) => Some(terbit::pdf::remote::RemoteConfig { url: url.clone(), credentials: tsa_credentials(credentials.as_deref(), "seal_tsa_credentials")?, chain: tsa_chain(settings.tsa_chain.as_deref())? }),
            None => None,
        },
        fetch_revocation: settings.fetch_revocation,
    };
    let result = issue::issue(&opts);
    let result = result.map_err(|e| explain_failure(e.into(), &opts, &night.region_said, &keys.origin));
    // Kinds are numbered one after another, so the bar's length
    // grows as the run goes; it is cleared once, at the end.
    if let Some((bar, _)) = &progress {
        bar.finish_and_clear();
    }
    let s = result?;
    // --quiet: nothing at all on a done night (cron mails any output).
    if !quiet {
        print_summary(&s);
    }
    Ok(night_exit(&s))
}

/// A failed night's error with its likely cause in front: a
/// [`super::night::RegionMismatch`] when the run found no key or was refused and most of
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

/// The external time-stamp service's credentials: the file terbit.toml's
/// `tsa_credentials` names, else the service manager's credential
/// `terbit-tsa-credentials` (systemd's LoadCredential=), else none. One
/// line, `user:password`; the file must be readable by its owner alone.
/// The certificates of `tsa_chain` (PEM), if the settings file names it.
pub(crate) fn tsa_chain(file: Option<&std::path::Path>) -> Result<Vec<Vec<u8>>> {
    let Some(path) = file else { return Ok(Vec::new()) };
    let certs = terbit::trust::pdfkey::pem_chain(path).map_err(|e| anyhow::anyhow!("{e} (terbit.toml's tsa_chain)"))?;
    if certs.is_empty() {
        anyhow::bail!("{} (terbit.toml's tsa_chain) holds no certificate: give the PEM certificates above the time-stamp authority's, up to its root", path.display());
    }
    Ok(certs)
}

pub(crate) fn tsa_credentials(file: Option<&std::path::Path>, key: &str) -> Result<Option<(String, zeroize::Zeroizing<String>)>> {
    let path = match file {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os("CREDENTIALS_DIRECTORY").map(|d| std::path::PathBuf::from(d).join("terbit-tsa-credentials")) {
            Some(p) if p.exists() => p,
            _ => return Ok(None),
        },
    };
    let setting = if file.is_some() { format!("terbit.toml's {key}") } else { "the service manager's credential terbit-tsa-credentials".to_string() };
    let meta = std::fs::metadata(&path).map_err(|e| anyhow::anyhow!("{} ({setting}): {e}", path.display()))?;
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
    if mode & 0o077 != 0 {
        anyhow::bail!("{} ({setting}) holds the time-stamp service's password and may be read by others (mode {:o}): chmod 600 {}", path.display(), mode & 0o777, path.display());
    }
    let bytes = zeroize::Zeroizing::new(terbit::util::fs::read_limited(&path, 4096).map_err(|e| anyhow::anyhow!("{e} ({setting})"))?);
    let text = std::str::from_utf8(&bytes).map_err(|_| anyhow::anyhow!("{}: not text (one line, user:password)", path.display()))?;
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    let Some((user, password)) = line.split_once(':') else {
        anyhow::bail!("{} ({setting}): its first line is not user:password", path.display());
    };
    Ok(Some((user.to_string(), zeroize::Zeroizing::new(password.to_string()))))
}
