//! `terbit.toml`: the nightly job's settings in one file, so cron or a
//! systemd timer runs plain `terbit issue`, and the morning's `stats`,
//! `check`, `revoke`, `supersede` and `revocations` find the same register,
//! keys and region. Every such command reads it (`./terbit.toml`, or
//! `--config FILE`); a command-line flag overrides its one setting and
//! never drops the others. Relative paths are relative to the file's
//! folder, so the job behaves the same from any working directory.
//!
//! ```toml
//! # Where the night's exports land; {date} is the issue date (YYYY-MM-DD).
//! batch = ["/srv/exports/{date}/*.csv", "/srv/exports/{date}/*.parquet"]
//! region = "regions/3506-kediri.toml"   # optional: embedded Kediri
//! keys = "/etc/terbit/keys"
//! register = "/var/lib/terbit/register.sqlite"
//! # optional: a copy of the register on a second disk, made after every
//! # numbering and revocation, before anything carrying them is written
//! replica = "/mnt/second-disk/terbit"
//! out = "/var/lib/terbit/runs"
//! max_reject_rate = 0.2
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The default file `terbit issue` looks for in the working directory.
pub const DEFAULT_FILE: &str = "terbit.toml";

/// The largest settings file read (one is a few hundred bytes).
pub const MAX_FILE: u64 = 64 << 10;

/// The most files one batch pattern may match in a night.
pub const MAX_MATCHES: usize = 1000;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    batch: Vec<String>,
    region: Option<PathBuf>,
    keys: Option<PathBuf>,
    register: Option<PathBuf>,
    replica: Option<PathBuf>,
    out: Option<PathBuf>,
    max_reject_rate: Option<f64>,
    tsa_url: Option<String>,
    tsa_credentials: Option<PathBuf>,
    seal_tsa_url: Option<String>,
    seal_tsa_credentials: Option<PathBuf>,
    fetch_revocation: Option<bool>,
    tsa_chain: Option<PathBuf>,
    /// With their places: a wrong entry is named by its line.
    #[serde(default)]
    templates: Vec<toml::Spanned<String>>,
}

/// Checked settings, paths resolved against the file's folder.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Glob patterns of batch files; `{date}` stands for the issue date.
    pub batch: Vec<String>,
    /// Region file.
    pub region: Option<PathBuf>,
    /// Keys folder.
    pub keys: Option<PathBuf>,
    /// The register: a file, or a `postgresql://` URL.
    pub register: Option<PathBuf>,
    /// The register's replica folder (on a second disk).
    pub replica: Option<PathBuf>,
    /// Root of run folders.
    pub out: Option<PathBuf>,
    /// The reject share that refuses a batch.
    pub max_reject_rate: Option<f64>,
    /// KIND=FILE template overrides, as `--template` takes them.
    pub templates: Vec<String>,
    /// An external time-stamp authority's URL (RFC 3161 over HTTP(S)):
    /// every PDF signature is stamped there instead of by the district's
    /// own authority.
    pub tsa_url: Option<String>,
    /// The file holding its credentials, `user:password` on the first line
    /// (mode 0600; never on the command line).
    pub tsa_credentials: Option<PathBuf>,
    /// An external time-stamp authority for the night's seal alone (the
    /// documents stay with the district's own authority): one request a
    /// night, an independent proof of when the run existed.
    pub seal_tsa_url: Option<String>,
    /// Its credentials file, as `tsa_credentials`.
    pub seal_tsa_credentials: Option<PathBuf>,
    /// Fetch the revocation answers of certificates a certification
    /// authority (a PSrE) issued — a signing certificate from `terbit keys
    /// import`, an external time-stamp authority's — from the services
    /// they name, into every file's validation data (`trust::fetch`).
    pub fetch_revocation: bool,
    /// A PEM file with the certificates above the external authority's, up
    /// to its root: pinned, instead of those its tokens carry.
    pub tsa_chain: Option<PathBuf>,
    /// The file this came from.
    pub path: PathBuf,
}

impl Config {
    /// Load and check a settings file.
    ///
    /// The file decides which keys sign, where the register is and what is
    /// read: it must be a regular file (never a link), of at most
    /// [`MAX_FILE`] bytes, that no other user may have written
    /// ([`crate::util::fs::read_trusted`]).
    pub fn load(path: &Path) -> Result<Config> {
        let bytes = crate::util::fs::read_trusted(path, "settings file", MAX_FILE)?;
        let config = Config::parse(crate::error::toml_text(path, &bytes)?, path)?;
        // A register password in a file others may read is everyone's.
        if let Some(Ok(crate::numbering::register::Place::Postgres(url))) = config.register.as_deref().map(crate::numbering::register::Place::of) {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::symlink_metadata(path).map(|m| m.permissions().mode()).unwrap_or(0);
            if url.has_password() && mode & 0o077 != 0 {
                return Err(Error::config(
                    path,
                    format!("`register` holds the PostgreSQL password, and the file may be read by others (mode {:o}): chmod 600 {} (or leave the password out: peer authentication over the unix socket needs none)", mode & 0o777, path.display()),
                ));
            }
        }
        Ok(config)
    }

    /// Parse `text` (read from `path`, whose folder anchors relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: Raw = toml::from_str(text).map_err(|e| crate::error::toml_error(path, text, &e))?;
        if let Some(r) = raw.max_reject_rate {
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::config(path, format!("max_reject_rate = {r}: give a share between 0 and 1 (e.g. 0.2)")));
            }
        }
        // Checked here, where the file and the line are known: a wrong
        // entry was said later as if a `--template` flag had given it.
        for t in &raw.templates {
            let line = text.get(..t.span().start).unwrap_or(text).matches('\n').count() + 1;
            let entry = crate::util::show::clip_shown(t.get_ref(), 200);
            match t.get_ref().split_once('=') {
                Some((k, _)) if crate::kind::Kind::from_name(k).is_some() => {}
                Some((k, _)) => {
                    let k = crate::util::show::clip_shown(k, 40);
                    return Err(Error::config(path, format!("line {line}: `templates` entry {entry:?}: {k:?} is not a document kind ({})", crate::kind::Kind::names())));
                }
                None => return Err(Error::config(path, format!("line {line}: `templates` entry {entry:?}: give KIND=FILE, e.g. \"birth=templates/birth.toml\""))),
            }
        }
        for (key, url, credentials) in [("tsa_url", &raw.tsa_url, &raw.tsa_credentials), ("seal_tsa_url", &raw.seal_tsa_url, &raw.seal_tsa_credentials)] {
            let creds_key = key.replace("url", "credentials");
            if let Some(u) = url {
                if !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 2000 || u.chars().any(char::is_control) {
                    return Err(Error::config(path, format!("{key} = {:?}: give the time-stamp service's https:// URL", crate::util::show::clip_shown(u, 120))));
                }
                // Credentials never travel in the URL (it is shown in messages and logs).
                if u.split("://").nth(1).is_some_and(|rest| rest.split('/').next().is_some_and(|host| host.contains('@'))) {
                    return Err(Error::config(path, format!("{key} holds credentials: put them in the file `{creds_key}` names (user:password, mode 0600)")));
                }
            }
            if credentials.is_some() && url.is_none() {
                return Err(Error::config(path, format!("{creds_key} without {key}: name the time-stamp service too")));
            }
        }
        if raw.tsa_url.is_some() && raw.seal_tsa_url.is_some() {
            return Err(Error::config(path, "tsa_url and seal_tsa_url both set: with tsa_url the external service stamps the seal too; give one"));
        }
        // The certificates a token carries are not signed: whose status is
        // asked (and what goes into every file) must not be theirs to choose.
        if raw.fetch_revocation == Some(true) && (raw.tsa_url.is_some() || raw.seal_tsa_url.is_some()) && raw.tsa_chain.is_none() {
            return Err(Error::config(
                path,
                "fetch_revocation with an external time-stamp authority needs tsa_chain: the PEM file of its certification authority's certificates above the authority's, up to the root (as the PSrE publishes them). The certificates its tokens carry are not signed, so anyone on the way could choose whose status is asked",
            ));
        }
        if raw.tsa_chain.is_some() && raw.tsa_url.is_none() && raw.seal_tsa_url.is_none() {
            return Err(Error::config(path, "tsa_chain without tsa_url or seal_tsa_url: it pins an external time-stamp authority's chain; name the authority too"));
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let abs = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let batch = raw
            .batch
            .into_iter()
            .map(|b| abs(PathBuf::from(b)).to_string_lossy().into_owned())
            .collect();
        let templates = raw
            .templates
            .into_iter()
            .map(|t| t.into_inner())
            .map(|t| match t.split_once('=') {
                Some((k, f)) => format!("{k}={}", abs(PathBuf::from(f)).display()),
                None => t,
            })
            .collect();
        Ok(Config {
            batch,
            region: raw.region.map(abs),
            keys: raw.keys.map(abs),
            // A PostgreSQL register's URL is no path to anchor.
            register: raw.register.map(|r| if r.to_str().is_some_and(crate::numbering::place::is_postgres) { r } else { abs(r) }),
            replica: raw.replica.map(abs),
            out: raw.out.map(abs),
            max_reject_rate: raw.max_reject_rate,
            templates,
            tsa_url: raw.tsa_url,
            tsa_credentials: raw.tsa_credentials.map(abs),
            seal_tsa_url: raw.seal_tsa_url,
            seal_tsa_credentials: raw.seal_tsa_credentials.map(abs),
            fetch_revocation: raw.fetch_revocation.unwrap_or(false),
            tsa_chain: raw.tsa_chain.map(abs),
            path: path.to_path_buf(),
        })
    }

    /// The settings every command reads: `explicit` (`--config FILE`, which
    /// must exist), else `./terbit.toml` when there is one, else none (every
    /// setting at its default; [`Config::found`] is then false).
    pub fn find(explicit: Option<&Path>) -> Result<Config> {
        // Whatever stands under the name is loaded, and refused by what it
        // is (a FIFO, a folder, a link): never taken for "no file".
        let there = |p: &Path| std::fs::symlink_metadata(p).is_ok();
        match explicit {
            Some(p) if there(p) => Config::load(p),
            Some(p) => Err(Error::config(p, "settings file not found (given by --config)")),
            None if there(Path::new(DEFAULT_FILE)) => Config::load(Path::new(DEFAULT_FILE)),
            None => Ok(Config::default()),
        }
    }

    /// Whether a settings file was read.
    pub fn found(&self) -> bool {
        !self.path.as_os_str().is_empty()
    }

    /// A path setting: the flag's value, else the file's `key`, else `default`.
    fn pick(&self, flag: Option<PathBuf>, flag_name: &'static str, set: &Option<PathBuf>, key: &'static str, default: &str) -> Setting {
        match (flag, set) {
            (Some(p), _) => Setting { path: p, origin: Origin::Flag(flag_name) },
            (None, Some(p)) => Setting { path: p.clone(), origin: Origin::File(self.path.clone(), key) },
            (None, None) => Setting { path: PathBuf::from(default), origin: self.default_origin(default, key) },
        }
    }

    /// Why a default was taken: the file read does not set `key`, or there is no file.
    fn default_origin(&self, default: &str, key: &str) -> Origin {
        Origin::Default(if self.found() {
            format!("the default {default}: {} sets no `{key}`", self.path.display())
        } else {
            format!("the default {default}: no --config, and no ./{DEFAULT_FILE} in this folder")
        })
    }

    /// The keys folder: `--keys`/`--dir` (`flag_name`), else `keys`, else `./keys`.
    pub fn keys(&self, flag: Option<PathBuf>, flag_name: &'static str) -> Setting {
        self.pick(flag, flag_name, &self.keys, "keys", "keys")
    }

    /// The root of run folders: `--out`, else `out`, else `./out`.
    pub fn out(&self, flag: Option<PathBuf>) -> Setting {
        self.pick(flag, "--out", &self.out, "out", "out")
    }

    /// The register: `--register`, else `register`, else `register.sqlite`
    /// in the out folder (`out`, as [`Config::out`] chose it).
    pub fn register(&self, flag: Option<PathBuf>, out: &Setting) -> Setting {
        match (flag, &self.register) {
            (None, None) => Setting {
                path: out.path.join("register.sqlite"),
                origin: match &out.origin {
                    Origin::Default(_) => self.default_origin("out/register.sqlite", "register"),
                    o => Origin::Default(format!("register.sqlite in the out folder ({o}), as nothing sets `register`")),
                },
            },
            (flag, set) => self.pick(flag, "--register", set, "register", ""),
        }
    }

    /// The register's replica folder: `--replica`, else `replica`, else none.
    pub fn replica(&self, flag: Option<PathBuf>) -> Option<PathBuf> {
        flag.or_else(|| self.replica.clone())
    }

    /// The batch files for `date`: every pattern expanded, in order, each
    /// pattern's matches sorted by name. A pattern that matches nothing is
    /// fine when another matches (a night without Parquet exports): it is
    /// returned in [`BatchFiles::unmatched`] for the caller to say. Only a
    /// night where no pattern matches is an error (the export did not
    /// run), naming every pattern and the date.
    pub fn batch_files(&self, date: NaiveDate) -> Result<BatchFiles> {
        if self.batch.is_empty() {
            return Err(Error::config(&self.path, "no `batch` patterns: say where the night's exports are, e.g. batch = [\"exports/{date}/*.csv\"]"));
        }
        let day = date.format("%Y-%m-%d").to_string();
        let mut found = BatchFiles::default();
        let mut refused = Vec::new();
        for pattern in &self.batch {
            let p = pattern.replace("{date}", &day);
            // `**` walks every folder below (from `/`, the whole disk).
            if p.contains("**") {
                return Err(Error::config(&self.path, format!("batch pattern {pattern:?}: `**` is not allowed (a pattern does not descend into folders): name the export's folder, e.g. exports/{{date}}/*.csv")));
            }
            let paths = glob::glob(&p).map_err(|e| Error::config(&self.path, format!("batch pattern {pattern:?}: {e}")))?;
            let mut matched = Vec::new();
            for (n, f) in paths.filter_map(std::result::Result::ok).enumerate() {
                if n >= MAX_MATCHES {
                    return Err(Error::config(&self.path, format!("batch pattern {p:?} matches more than {MAX_MATCHES} files: is it the night's export folder?")));
                }
                // Only regular files, looked at without following a link:
                // a link, FIFO, device or folder under an export's name is
                // said, never followed nor skipped in silence.
                match std::fs::symlink_metadata(&f) {
                    Ok(m) if m.is_file() => matched.push(f),
                    Ok(m) => refused.push(crate::util::fs::not_regular(&f, "batch file", m.file_type()).to_string()),
                    Err(_) => {}
                }
            }
            if matched.is_empty() {
                found.unmatched.push(p);
            }
            matched.sort();
            found.files.extend(matched);
        }
        if !refused.is_empty() {
            return Err(Error::config(
                &self.path,
                format!("the night's export holds what is not a regular file ({}): remove it, or fix the export", refused.iter().map(|r| crate::util::show::clip_shown(r, 400)).collect::<Vec<_>>().join("; ")),
            ));
        }
        if found.files.is_empty() {
            let all: Vec<String> = found.unmatched.iter().map(|p| format!("{p:?}")).collect();
            return Err(Error::config(
                &self.path,
                format!("no batch file for {day}: the batch pattern(s) {} match nothing: has the night's export run?", all.join(", ")),
            ));
        }
        found.files.dedup();
        Ok(found)
    }
}

/// The night's batch files a settings file's patterns found.
#[derive(Debug, Default)]
pub struct BatchFiles {
    /// The files, pattern by pattern.
    pub files: Vec<PathBuf>,
    /// Patterns (the date filled in) that matched nothing this night.
    pub unmatched: Vec<String>,
}

/// Where a setting's value came from: said when the value is wrong (a
/// register not found names the flag or the file that pointed there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (its name).
    Flag(&'static str),
    /// A settings file's key.
    File(PathBuf, &'static str),
    /// Nothing set it: the default (what it is, and why it was taken).
    Default(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "given by {flag}"),
            Origin::File(path, key) => write!(f, "`{key}` in {}", path.display()),
            Origin::Default(what) => f.write_str(what),
        }
    }
}

/// A path setting and where it came from.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The path.
    pub path: PathBuf,
    /// Who set it.
    pub origin: Origin,
}

impl Setting {
    /// The register must be there already: only `terbit issue` makes one.
    /// A register not found is refused naming the path and who chose it
    /// (a revocation recorded in a new, empty register would be lost).
    pub fn existing_register(&self) -> Result<crate::numbering::register::Place> {
        let place = self.place()?;
        if crate::numbering::register::Register::exists(&place)? {
            return Ok(place);
        }
        Err(Error::Usage(format!(
            "register {place} not found ({}); only `terbit issue` makes a register. \
             Give --register FILE (or a postgresql:// URL), or `register = ...` in {DEFAULT_FILE} (or --config FILE), naming the register the nightly job writes",
            self.origin
        )))
    }

    /// The register this setting names: an SQLite file, or a PostgreSQL
    /// database (a `postgresql://` URL, checked).
    pub fn place(&self) -> Result<crate::numbering::register::Place> {
        crate::numbering::register::Place::of(&self.path)
    }
}

/// Refuse to start a new, empty register beside run folders another
/// register issued: their documents' numbers would be given again (a
/// second register knows nothing of the first). The test is cheap: run
/// folders in `out` that hold a manifest (finished runs), while the
/// register is missing, or holds none of those runs (a register records
/// every run it made, in its `runs` table and its documents' run ids).
pub fn check_register_owns_runs(out: &Setting, register: &Setting) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(&out.path) else { return Ok(()) };
    let mut runs: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.path().join("manifest.csv").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if runs.is_empty() {
        return Ok(());
    }
    runs.sort();
    let named = |runs: &[String]| {
        let shown: Vec<String> = runs.iter().take(5).map(|r| crate::util::show::clip_shown(r, 40)).collect();
        let more = if runs.len() > 5 { format!(" and {} more", runs.len() - 5) } else { String::new() };
        format!("{}{more}", shown.join(", "))
    };
    let what = "Give --register (or `register` in terbit.toml) pointing at the register that issued them, or another --out for a new register";
    let place = register.place()?;
    if !crate::numbering::register::Register::exists(&place)? {
        return Err(Error::Usage(format!(
            "{} holds {} run folder(s) a register issued ({}), but there is no register at {place} ({}): a new, empty register would issue their applications again. {what}",
            out.path.display(),
            runs.len(),
            named(&runs),
            register.origin
        )));
    }
    // Read only: nothing is written before the run's own checks.
    let reg = crate::numbering::register::Register::open_read_only(&place)?;
    let known: std::collections::HashSet<String> = reg
        .runs(NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default(), NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default())?
        .into_iter()
        .map(|r| r.run_id)
        .collect();
    for run in &runs {
        if known.contains(run) || !reg.numbers_of_run(run)?.is_empty() {
            return Ok(());
        }
    }
    Err(Error::Usage(format!(
        "{} holds {} run folder(s) ({}), none of them issued by the register {} ({}): that register would number their applications again. {what}",
        out.path.display(),
        runs.len(),
        named(&runs),
        register.path.display(),
        register.origin
    )))
}

/// The regencies the villages of `files`' rows lie in, with how many
/// rows name each, most first: a diagnosis when a night fails (the rows
/// of another regency than the configured region's). A file whose kind or
/// rows cannot be read is left out (the run's own error says why).
pub fn regencies_named(files: &[PathBuf], templates: &crate::kind::template::Templates, kind: Option<&str>) -> Vec<(String, usize)> {
    use crate::input::batch;
    let reference = crate::kind::refdata::reference();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for path in files {
        let template = match kind {
            Some(k) => templates.get(k),
            None => batch::header(path).ok().and_then(|h| templates.kind_of_header(&h).ok()),
        };
        let Some(t) = template else { continue };
        let Ok(b) = batch::read(std::slice::from_ref(path), &batch::Columns::of(&t.schema)) else { continue };
        for c in t.schema.village_columns() {
            let Ok(col) = b.df.column(&t.schema.columns[c].name) else { continue };
            let Ok(values) = col.str() else { continue };
            for v in (0..values.len()).filter_map(|i| values.get(i)) {
                let v = v.trim();
                if let (Some(regency), true) = (v.get(..4), reference.villages.contains_key(v)) {
                    *counts.entry(regency.to_string()).or_default() += 1;
                }
            }
        }
    }
    let mut list: Vec<(String, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_file_and_dates_expand() {
        let d = tempfile::tempdir().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        std::fs::create_dir_all(d.path().join("exports/2026-11-23")).unwrap();
        for f in ["b.csv", "a.csv", "c.parquet"] {
            std::fs::write(d.path().join("exports/2026-11-23").join(f), "x").unwrap();
        }
        let path = d.path().join("terbit.toml");
        let c = Config::parse(
            "batch = [\"exports/{date}/*.csv\", \"exports/{date}/*.parquet\"]\nkeys = \"keys\"\nout = \"/var/out\"\nmax_reject_rate = 0.2\ntemplates = [\"birth=my-birth.toml\"]\n",
            &path,
        )
        .unwrap();
        assert_eq!(c.keys.as_deref(), Some(d.path().join("keys").as_path()));
        assert_eq!(c.out.as_deref(), Some(Path::new("/var/out")));
        assert_eq!(c.templates, [format!("birth={}", d.path().join("my-birth.toml").display())]);
        let found = c.batch_files(day).unwrap();
        let files: Vec<String> = found.files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(files, ["a.csv", "b.csv", "c.parquet"]);
        assert!(found.unmatched.is_empty());
        // A night without Parquet: the CSV files, the other pattern said.
        std::fs::remove_file(d.path().join("exports/2026-11-23/c.parquet")).unwrap();
        let found = c.batch_files(day).unwrap();
        assert_eq!(found.files.len(), 2);
        assert!(found.unmatched.len() == 1 && found.unmatched[0].ends_with("2026-11-23/*.parquet"), "{found:?}");
        // No file at all: every pattern and the date named.
        let e = c.batch_files(day.succ_opt().unwrap()).unwrap_err().to_string();
        assert!(e.contains("2026-11-24/*.csv") && e.contains("2026-11-24/*.parquet") && e.contains("terbit.toml"), "{e}");
    }

    #[test]
    fn flags_override_one_setting_and_defaults_say_why() {
        let p = Path::new("/etc/terbit/terbit.toml");
        let c = Config::parse("keys = \"keys\"\nout = \"/var/runs\"\n", p).unwrap();
        let out = c.out(None);
        assert_eq!(out.path, Path::new("/var/runs"));
        assert_eq!(out.origin, Origin::File(p.to_path_buf(), "out"));
        let reg = c.register(None, &out);
        assert_eq!(reg.path, Path::new("/var/runs/register.sqlite"));
        assert!(reg.origin.to_string().contains("`out` in /etc/terbit/terbit.toml"), "{}", reg.origin);
        let reg = c.register(Some("r.sqlite".into()), &out);
        assert_eq!((reg.path.as_path(), reg.origin), (Path::new("r.sqlite"), Origin::Flag("--register")));
        assert_eq!(c.keys(None, "--keys").path, Path::new("/etc/terbit/keys"));
        let e = c.register(None, &out).existing_register().unwrap_err().to_string();
        assert!(e.contains("/var/runs/register.sqlite") && e.contains("only `terbit issue` makes a register"), "{e}");
        let none = Config::default();
        let reg = none.register(None, &none.out(None));
        assert_eq!(reg.path, Path::new("out/register.sqlite"));
        assert!(reg.origin.to_string().contains("no ./terbit.toml"), "{}", reg.origin);
        // The replica: none unless set; relative to the file; the flag first.
        assert_eq!(c.replica(None), None);
        let c = Config::parse("replica = \"../second\"\n", p).unwrap();
        assert_eq!(c.replica(None), Some(PathBuf::from("/etc/terbit/../second")));
        assert_eq!(c.replica(Some("/mnt/b".into())), Some(PathBuf::from("/mnt/b")));
    }

    #[test]
    fn patterns_never_descend_and_what_is_not_a_regular_file_is_named() {
        let d = tempfile::tempdir().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let path = d.path().join("terbit.toml");
        let e = Config::parse("batch = [\"/**/*.csv\"]", &path).unwrap().batch_files(day).unwrap_err().to_string();
        assert!(e.contains("`**` is not allowed"), "{e}");
        let x = d.path().join("x");
        std::fs::create_dir_all(x.join("dir.csv")).unwrap();
        std::fs::write(x.join("a.csv"), "a").unwrap();
        std::os::unix::fs::symlink("a.csv", x.join("b.csv")).unwrap();
        let e = Config::parse("batch = [\"x/*.csv\"]", &path).unwrap().batch_files(day).unwrap_err().to_string();
        assert!(e.contains("dir.csv: is a folder") && e.contains("b.csv: is a symbolic link") && !e.contains("a.csv:"), "{e}");
        // TOML mistakes: position and message, never the line's text.
        let e = Config::parse("batch = []\nSECRET SECRET\n", &path).unwrap_err().to_string();
        assert!(e.contains("line 2, column") && !e.contains("SECRET"), "{e}");
    }

    #[test]
    fn a_wrong_template_entry_is_named_by_the_file_its_key_and_line() {
        let p = Path::new("/etc/terbit/terbit.toml");
        let e = Config::parse("keys = \"k\"\ntemplates = [\n  \"birth=b.toml\",\n  \"death\",\n]\n", p).unwrap_err().to_string();
        assert_eq!(e, "/etc/terbit/terbit.toml: line 4: `templates` entry \"death\": give KIND=FILE, e.g. \"birth=templates/birth.toml\"");
        let e = Config::parse("templates = [\"marriage=m.toml\"]\n", p).unwrap_err().to_string();
        assert!(e.starts_with("/etc/terbit/terbit.toml: line 1: `templates` entry \"marriage=m.toml\": \"marriage\" is not a document kind (birth,"), "{e}");
        assert!(!e.contains("--template"), "{e}");
    }

    #[test]
    fn mistakes_are_named() {
        let p = Path::new("terbit.toml");
        assert!(Config::parse("bacth = []", p).unwrap_err().to_string().contains("bacth"));
        assert!(Config::parse("max_reject_rate = 5.0", p).unwrap_err().to_string().contains("between 0 and 1"));
        assert!(Config::parse("", p).unwrap().batch_files(NaiveDate::default()).is_err());
        // A PSrE's revocation answers need its chain pinned; a pin needs its authority.
        let tsa = "tsa_url = \"https://tsa.example/\"\nfetch_revocation = true\n";
        assert!(Config::parse(tsa, p).unwrap_err().to_string().contains("needs tsa_chain"));
        assert!(Config::parse(&format!("{tsa}tsa_chain = \"chain.pem\"\n"), p).unwrap().fetch_revocation);
        assert!(Config::parse("fetch_revocation = true\n", p).is_ok(), "the district's own certificates need no pin");
        assert!(Config::parse("tsa_chain = \"chain.pem\"\n", p).unwrap_err().to_string().contains("without tsa_url"));
    }

    #[test]
    fn a_register_password_in_a_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("terbit.toml");
        std::fs::write(&path, "register = \"postgresql://terbit:S3CRET@db.internal:5432/terbit\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600") && !e.contains("S3CRET"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load(&path).is_ok());
        // Without a password: readable is fine.
        std::fs::write(&path, "register = \"postgresql://terbit@%2Frun%2Fpostgresql/terbit\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(Config::load(&path).is_ok());
    }
}
