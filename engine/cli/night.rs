//! What `issue` and `check` share: the night they run — its settings
//! (`terbit.toml` and the flags, merged by the library), region,
//! templates, issue date and batch files — and how a night's summary and
//! its "not done" reasons are said.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use terbit::issue::config::Config;
use terbit::issue::settings::{self, Batch, Flags, For, Settings};
use terbit::issue::IssueOptions;
use terbit::kind::region::Region;
use terbit::kind::template::Templates;
use terbit::output::summary::RunSummary;

use super::args::BatchArgs;
use super::region::{issue_time, load_region, templates_for};

/// A night, checked: everything `issue` and `check` read before they run.
pub(crate) struct Night {
    /// The file and the flags merged.
    pub(crate) settings: Settings,
    pub(crate) region: Region,
    /// The configured region in words, and who chose it (for messages).
    pub(crate) region_said: String,
    pub(crate) templates: Templates,
    pub(crate) issue_date: NaiveDate,
    pub(crate) issued_at: i64,
    /// The batch files: those named, else tonight's from the file's patterns.
    pub(crate) batch: Vec<PathBuf>,
    /// `--kind`.
    pub(crate) kind: Option<String>,
}

/// The night `input` describes, with the command's other `flags`: the
/// flags checked, then the settings file read (whether or not batch
/// files are named: each flag overrides its one setting), then the
/// region, templates and issue date loaded and checked, and last the
/// batch files found.
pub(crate) fn prepare(input: BatchArgs, flags: Flags, command: For) -> Result<Night> {
    let given = input.template.clone();
    let flags = Flags { batch: input.batch, region: input.region, templates: input.template, ..flags };
    flags.check()?;
    let file = Config::find(input.config.as_deref())?;
    if file.found() {
        tracing::info!("settings from {}", file.path.display());
    }
    let settings = settings::merge(&file, flags, command)?;
    // A file that is not there is named with the setting that named it.
    let region = load_region(settings.region_file()).map_err(|e| match &settings.region {
        Some((_, origin)) => e.context(format!("the region file ({origin})")),
        None => e,
    })?;
    region.check_logo()?;
    let origin = |t: &str| if given.iter().any(|g| g == t) { "given by --template".to_string() } else { format!("`templates` in {}", file.path.display()) };
    let templates = templates_for(&region, &settings.templates, input.kind.as_deref(), origin)?;
    let (issue_date, issued_at) = issue_time(&region, input.issued_on)?;
    let region_said = settings.region_said(&region.name, &region.code);
    let batch = match &settings.batch {
        Batch::Named(files) => files.clone(),
        Batch::Patterns => tonights_files(&file, issue_date)?,
    };
    Ok(Night { settings, region, region_said, templates, issue_date, issued_at, batch, kind: input.kind })
}

/// Tonight's batch files from the settings file's patterns; a pattern
/// that matches nothing while another does is said once (a night without
/// Parquet exports is an ordinary night).
fn tonights_files(conf: &Config, date: NaiveDate) -> Result<Vec<PathBuf>> {
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
pub(crate) struct RegionMismatch(String);

impl std::fmt::Display for RegionMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegionMismatch {}


/// The regency most of the batch's village codes lie in, when it is not
/// the configured region's (reads the batch files again: only after a
/// failure, or a dry run's village rejects).
pub(crate) fn other_regency(opts: &IssueOptions, region_said: &str) -> Option<RegionMismatch> {
    let named = terbit::issue::config::regencies_named(&opts.batch, &opts.templates, opts.kind.as_deref());
    let total: usize = named.iter().map(|(_, n)| n).sum();
    let (code, n) = named.first().filter(|(code, n)| *code != opts.region.code && *n * 2 > total)?;
    let name = terbit::kind::refdata::reference().regency_name(code).unwrap_or("an unknown regency");
    Some(RegionMismatch(format!(
        "the batch's rows name villages of {name} ({code}) ({n} of {total} village codes), but the region configured is {region_said}"
    )))
}


/// Exit 0 for a done night; else 1, each reason on one line of stderr
/// (refused by the reject limit, nothing issued, over the limit, a
/// stopped run's documents in no manifest), --quiet or not: a scheduler
/// must see it.
pub(crate) fn night_exit(s: &RunSummary) -> ExitCode {
    for n in &s.not_done {
        eprintln!("terbit: NOT DONE — {}", terbit::util::show::shown(&n.message));
    }
    if s.not_done.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

pub(crate) fn print_summary(s: &RunSummary) {
    for w in &s.warnings {
        tracing::warn!("{}", terbit::util::show::shown(w));
    }
    print!("{}", s.text());
}
