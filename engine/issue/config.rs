//! `terbit.toml`: the nightly job's settings in one file, so cron or a
//! systemd timer runs plain `terbit issue`. Command-line flags override
//! each setting. Relative paths are relative to the file's folder, so the
//! job behaves the same from any working directory.
//!
//! ```toml
//! # Where the night's exports land; {date} is the issue date (YYYY-MM-DD).
//! batch = ["/srv/exports/{date}/*.csv", "/srv/exports/{date}/*.parquet"]
//! region = "regions/3506-kediri.toml"   # optional: embedded Kediri
//! keys = "/etc/terbit/keys"
//! register = "/var/lib/terbit/register.sqlite"
//! out = "/var/lib/terbit/runs"
//! max_reject_rate = 0.2
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The default file `terbit issue` looks for in the working directory.
pub const DEFAULT_FILE: &str = "terbit.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    batch: Vec<String>,
    region: Option<PathBuf>,
    keys: Option<PathBuf>,
    register: Option<PathBuf>,
    out: Option<PathBuf>,
    max_reject_rate: Option<f64>,
    #[serde(default)]
    templates: Vec<String>,
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
    /// Register file.
    pub register: Option<PathBuf>,
    /// Root of run folders.
    pub out: Option<PathBuf>,
    /// The reject share that refuses a batch.
    pub max_reject_rate: Option<f64>,
    /// KIND=FILE template overrides, as `--template` takes them.
    pub templates: Vec<String>,
    /// The file this came from.
    pub path: PathBuf,
}

impl Config {
    /// Load and check a settings file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(&text, path)
    }

    /// Parse `text` (read from `path`, whose folder anchors relative paths).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let raw: Raw = toml::from_str(text).map_err(|e| Error::config(path, e.to_string()))?;
        if let Some(r) = raw.max_reject_rate {
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::config(path, format!("max_reject_rate = {r}: give a share between 0 and 1 (e.g. 0.2)")));
            }
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
            .map(|t| match t.split_once('=') {
                Some((k, f)) => format!("{k}={}", abs(PathBuf::from(f)).display()),
                None => t,
            })
            .collect();
        Ok(Config {
            batch,
            region: raw.region.map(abs),
            keys: raw.keys.map(abs),
            register: raw.register.map(abs),
            out: raw.out.map(abs),
            max_reject_rate: raw.max_reject_rate,
            templates,
            path: path.to_path_buf(),
        })
    }

    /// The batch files for `date`: every pattern expanded, in order, each
    /// pattern's matches sorted by name. A pattern that matches nothing is
    /// an error (the export did not run), naming the pattern and the date.
    pub fn batch_files(&self, date: NaiveDate) -> Result<Vec<PathBuf>> {
        if self.batch.is_empty() {
            return Err(Error::config(&self.path, "no `batch` patterns: say where the night's exports are, e.g. batch = [\"exports/{date}/*.csv\"]"));
        }
        let day = date.format("%Y-%m-%d").to_string();
        let mut files = Vec::new();
        for pattern in &self.batch {
            let p = pattern.replace("{date}", &day);
            let paths = glob::glob(&p).map_err(|e| Error::config(&self.path, format!("batch pattern {pattern:?}: {e}")))?;
            let mut matched: Vec<PathBuf> = paths.filter_map(std::result::Result::ok).filter(|f| f.is_file()).collect();
            if matched.is_empty() {
                return Err(Error::config(
                    &self.path,
                    format!("batch pattern {p:?} matches no file for {day}: has the night's export run?"),
                ));
            }
            matched.sort();
            files.extend(matched);
        }
        files.dedup();
        Ok(files)
    }
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
        let files: Vec<String> =
            c.batch_files(day).unwrap().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(files, ["a.csv", "b.csv", "c.parquet"]);
        let e = c.batch_files(day.succ_opt().unwrap()).unwrap_err().to_string();
        assert!(e.contains("2026-11-24") && e.contains("terbit.toml"), "{e}");
    }

    #[test]
    fn mistakes_are_named() {
        let p = Path::new("terbit.toml");
        assert!(Config::parse("bacth = []", p).unwrap_err().to_string().contains("bacth"));
        assert!(Config::parse("max_reject_rate = 5.0", p).unwrap_err().to_string().contains("between 0 and 1"));
        assert!(Config::parse("", p).unwrap().batch_files(NaiveDate::default()).is_err());
    }
}
