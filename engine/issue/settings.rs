//! The settings a command runs with: `terbit.toml` (a parsed [`Config`])
//! merged with the command line's flags, each value with where it came
//! from ([`Origin`]), so an error about a value can name who chose it.
//!
//! The rules, for every command alike:
//! - a flag wins over the file, for its one setting only: `--keys` over
//!   `keys` leaves the file's `out`, `register` and the rest in force;
//! - a setting neither gives takes its default (`keys`, `out`,
//!   `<out>/register.sqlite`, no replica, the embedded region, the
//!   library's reject limit), its origin saying why the default was taken;
//! - a flag and the file never conflict: the flag is taken and the file's
//!   value left unsaid (the origin names the flag);
//! - a relative path in the file is relative to the file's folder (done
//!   by [`Config::parse`]), one on the command line to the working folder;
//!   a `postgresql://` register URL is no path and is never anchored;
//! - what cannot be run with is a [`SettingError`]: a share flag outside
//!   0–1, or a batch command with no batch files named and no file to
//!   take its batch patterns from.
//!
//! Pure: no file is read and nothing is written here (the caller reads
//! the file with [`Config::find`] and checks the places it is given),
//! so every rule is tested below without a disk.

use std::path::PathBuf;

use super::config::{Config, Origin, Setting, DEFAULT_FILE};

/// The command the settings are for: what it needs, and how its flags are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum For {
    /// `terbit issue`: batch files, or the file's batch patterns.
    Issue,
    /// `terbit check`: the same, with its own words when neither is there.
    Check,
    /// The `keys` commands: the keys folder is `--dir`.
    Keys,
    /// Any other command reading the file (stats, revoke, register, trust sign).
    Other,
}

/// What the command line said for the settings `terbit.toml` may also hold
/// (`None` or empty: not given).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// Batch files named on the command line.
    pub batch: Vec<PathBuf>,
    /// `--region`.
    pub region: Option<PathBuf>,
    /// `--template KIND=FILE`, in the order given.
    pub templates: Vec<String>,
    /// `--keys` (`--dir` for the `keys` commands).
    pub keys: Option<PathBuf>,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--register`: a file or a `postgresql://` URL.
    pub register: Option<PathBuf>,
    /// `--replica`.
    pub replica: Option<PathBuf>,
    /// `--max-reject-rate`.
    pub max_reject_rate: Option<f64>,
}

/// The batch a batch command reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    /// The files named on the command line (the file's patterns unused).
    Named(Vec<PathBuf>),
    /// The settings file's batch patterns, expanded for the issue date by
    /// [`Config::batch_files`] (none named on the command line).
    Patterns,
}

/// The merged settings: every value checked, with its origin.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What the batch is (for [`For::Issue`] and [`For::Check`]; otherwise
    /// the files named, none).
    pub batch: Batch,
    /// The region file, and who chose it; `None`: the embedded region.
    pub region: Option<(PathBuf, Origin)>,
    /// KIND=FILE template overrides: the file's, then the flags' (a later
    /// one for the same kind wins).
    pub templates: Vec<String>,
    /// The keys folder.
    pub keys: Setting,
    /// The root of run folders.
    pub out: Setting,
    /// The register: a file or a PostgreSQL URL (see [`Setting::place`]).
    pub register: Setting,
    /// The register's replica folder, if any.
    pub replica: Option<PathBuf>,
    /// The reject share over which a batch is refused; `None`: the
    /// library's default.
    pub max_reject_rate: Option<f64>,
    /// The external time-stamp authority's URL and credentials file, if
    /// the settings file names one.
    pub tsa: Option<(String, Option<PathBuf>)>,
    /// The external authority for the night's seal alone, if named.
    pub seal_tsa: Option<(String, Option<PathBuf>)>,
    /// Whether a certification authority's revocation answers are fetched
    /// (`fetch_revocation`).
    pub fetch_revocation: bool,
    /// The external authority's pinned chain file (`tsa_chain`).
    pub tsa_chain: Option<PathBuf>,
}

/// Why no settings could be made from the file and the flags.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingError {
    /// A share flag's value outside 0–1 (the file's own is refused when it
    /// is parsed, naming the file).
    #[error("{flag} must be a share between 0 and 1")]
    NotAShare {
        /// The flag.
        flag: &'static str,
    },
    /// `terbit issue` with no batch files and no settings file.
    #[error("no batch files given and no settings file ./{DEFAULT_FILE}: give batch files, or write terbit.toml (see README, \"The nightly job\")")]
    NoBatchToIssue,
    /// `terbit check` with no batch files and no settings file.
    #[error("give the batch files to check, e.g. terbit check export.csv (or write terbit.toml: its batch patterns name the night's files)")]
    NoBatchToCheck,
}

impl Flags {
    /// The flags' own values checked, before any file is read (so a wrong
    /// flag is said first, whatever the file holds).
    pub fn check(&self) -> Result<(), SettingError> {
        if self.max_reject_rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
            return Err(SettingError::NotAShare { flag: "--max-reject-rate" });
        }
        Ok(())
    }
}

/// The settings of command `command`: `flags` over `file` (the parsed
/// `terbit.toml`, or [`Config::default`] when there is none) over the
/// defaults.
pub fn merge(file: &Config, flags: Flags, command: For) -> Result<Settings, SettingError> {
    flags.check()?;
    let batch = match command {
        For::Issue | For::Check if flags.batch.is_empty() && !file.found() => {
            return Err(if command == For::Issue { SettingError::NoBatchToIssue } else { SettingError::NoBatchToCheck });
        }
        For::Issue | For::Check if flags.batch.is_empty() => Batch::Patterns,
        _ => Batch::Named(flags.batch),
    };
    let region = match (flags.region, &file.region) {
        (Some(r), _) => Some((r, Origin::Flag("--region"))),
        (None, Some(r)) => Some((r.clone(), Origin::File(file.path.clone(), "region"))),
        (None, None) => None,
    };
    let mut templates = file.templates.clone();
    templates.extend(flags.templates);
    let keys_flag = if command == For::Keys { "--dir" } else { "--keys" };
    let keys = file.keys(flags.keys, keys_flag);
    let out = file.out(flags.out);
    let register = file.register(flags.register, &out);
    Ok(Settings {
        batch,
        region,
        templates,
        keys,
        out,
        register,
        replica: file.replica(flags.replica),
        max_reject_rate: flags.max_reject_rate.or(file.max_reject_rate),
        tsa: file.tsa_url.clone().map(|u| (u, file.tsa_credentials.clone())),
        seal_tsa: file.seal_tsa_url.clone().map(|u| (u, file.seal_tsa_credentials.clone())),
        fetch_revocation: file.fetch_revocation,
        tsa_chain: file.tsa_chain.clone(),
    })
}

impl Settings {
    /// The region file (`None`: the embedded region).
    pub fn region_file(&self) -> Option<&std::path::Path> {
        self.region.as_ref().map(|(p, _)| p.as_path())
    }

    /// The configured region in words, and who chose it: `name (code; origin)`.
    pub fn region_said(&self, name: &str, code: &str) -> String {
        let from = match &self.region {
            Some((_, o)) => o.to_string(),
            None => format!("embedded: no --region, and no `region` in {DEFAULT_FILE}"),
        };
        format!("{name} ({code}; {from})")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const FILE: &str = "/etc/terbit/terbit.toml";

    fn file(text: &str) -> Config {
        Config::parse(text, Path::new(FILE)).unwrap()
    }

    fn flags() -> Flags {
        Flags { batch: vec!["night.csv".into()], ..Flags::default() }
    }

    #[test]
    fn a_flag_wins_over_the_file_for_its_one_setting() {
        let conf = file("keys = \"k\"\nout = \"o\"\nregion = \"r.toml\"\nreplica = \"/mnt/b\"\nmax_reject_rate = 0.2\n");
        let s = merge(
            &conf,
            Flags { keys: Some("flag-keys".into()), region: Some("flag.toml".into()), max_reject_rate: Some(0.7), ..flags() },
            For::Issue,
        )
        .unwrap();
        assert_eq!((s.keys.path.as_path(), &s.keys.origin), (Path::new("flag-keys"), &Origin::Flag("--keys")));
        assert_eq!(s.region, Some((PathBuf::from("flag.toml"), Origin::Flag("--region"))));
        assert_eq!(s.max_reject_rate, Some(0.7));
        // The file's other settings stay in force.
        assert_eq!((s.out.path.as_path(), &s.out.origin), (Path::new("/etc/terbit/o"), &Origin::File(FILE.into(), "out")));
        assert_eq!(s.replica.as_deref(), Some(Path::new("/mnt/b")));
        assert_eq!(s.batch, Batch::Named(vec!["night.csv".into()]));
        // The keys commands name their flag --dir.
        let s = merge(&conf, Flags { keys: Some("d".into()), ..Flags::default() }, For::Keys).unwrap();
        assert_eq!(s.keys.origin, Origin::Flag("--dir"));
        assert_eq!(s.keys.origin.to_string(), "given by --dir");
    }

    #[test]
    fn the_file_alone_gives_every_setting_relative_to_its_folder() {
        let conf = file("batch = [\"exports/{date}/*.csv\"]\nkeys = \"keys\"\nout = \"../runs\"\nregion = \"regions/3527.toml\"\nreplica = \"second\"\nmax_reject_rate = 0.1\ntemplates = [\"birth=b.toml\"]\n");
        let s = merge(&conf, Flags { templates: vec!["birth=flag.toml".into()], ..Flags::default() }, For::Issue).unwrap();
        assert_eq!(s.batch, Batch::Patterns);
        assert_eq!(s.keys.path, Path::new("/etc/terbit/keys"));
        assert_eq!(s.keys.origin.to_string(), format!("`keys` in {FILE}"));
        assert_eq!(s.out.path, Path::new("/etc/terbit/../runs"));
        assert_eq!(s.register.path, Path::new("/etc/terbit/../runs/register.sqlite"));
        assert!(s.register.origin.to_string().contains(&format!("register.sqlite in the out folder (`out` in {FILE})")), "{}", s.register.origin);
        assert_eq!(s.region_file(), Some(Path::new("/etc/terbit/regions/3527.toml")));
        assert_eq!(s.region_said("Kabupaten Sampang", "3527"), format!("Kabupaten Sampang (3527; `region` in {FILE})"));
        assert_eq!(s.replica.as_deref(), Some(Path::new("/etc/terbit/second")));
        assert_eq!(s.max_reject_rate, Some(0.1));
        // The file's templates first, the flag's after it (the later one wins).
        assert_eq!(s.templates, ["birth=/etc/terbit/b.toml", "birth=flag.toml"]);
        // A path on the command line is the working folder's, not the file's.
        let s = merge(&conf, Flags { out: Some("here".into()), ..Flags::default() }, For::Other).unwrap();
        assert_eq!(s.out.path, Path::new("here"));
        assert_eq!(s.register.path, Path::new("here/register.sqlite"));
    }

    #[test]
    fn neither_gives_the_defaults_saying_why_or_refuses_a_batch_command() {
        let none = Config::default();
        let s = merge(&none, Flags::default(), For::Other).unwrap();
        assert_eq!(s.keys.path, Path::new("keys"));
        assert_eq!(s.out.path, Path::new("out"));
        assert_eq!(s.register.path, Path::new("out/register.sqlite"));
        for origin in [&s.keys.origin, &s.out.origin, &s.register.origin] {
            assert!(matches!(origin, Origin::Default(_)) && origin.to_string().contains("no ./terbit.toml"), "{origin}");
        }
        assert_eq!((s.region.clone(), s.replica.clone(), s.max_reject_rate), (None, None, None));
        assert!(s.templates.is_empty());
        assert_eq!(s.region_said("Kabupaten Kediri", "3506"), "Kabupaten Kediri (3506; embedded: no --region, and no `region` in terbit.toml)");
        // A file that does not set a key: the default, the file named.
        let s = merge(&file("max_reject_rate = 0.3\n"), Flags::default(), For::Other).unwrap();
        assert_eq!(s.keys.origin.to_string(), format!("the default keys: {FILE} sets no `keys`"));
        // A batch command with neither batch files nor a file: refused, in its own words.
        let e = merge(&none, Flags::default(), For::Issue).unwrap_err();
        assert_eq!(e, SettingError::NoBatchToIssue);
        assert!(e.to_string().starts_with("no batch files given and no settings file ./terbit.toml"), "{e}");
        let e = merge(&none, Flags::default(), For::Check).unwrap_err();
        assert!(e.to_string().starts_with("give the batch files to check"), "{e}");
        // With a file (even one without patterns): its patterns, said by batch_files when empty.
        assert_eq!(merge(&file(""), Flags::default(), For::Check).unwrap().batch, Batch::Patterns);
        // Batch files without a file: fine.
        assert!(merge(&none, flags(), For::Issue).is_ok());
    }

    #[test]
    fn a_share_flag_outside_0_to_1_is_refused_before_the_file_counts() {
        for bad in [-0.1, 1.5, f64::NAN] {
            let f = Flags { max_reject_rate: Some(bad), ..flags() };
            assert_eq!(f.check(), Err(SettingError::NotAShare { flag: "--max-reject-rate" }));
            let e = merge(&file("max_reject_rate = 0.2\n"), f, For::Issue).unwrap_err();
            assert_eq!(e.to_string(), "--max-reject-rate must be a share between 0 and 1");
        }
        for good in [0.0, 1.0] {
            assert_eq!(merge(&Config::default(), Flags { max_reject_rate: Some(good), ..flags() }, For::Issue).unwrap().max_reject_rate, Some(good));
        }
    }

    #[test]
    fn the_register_flag_over_the_file_and_a_url_is_never_anchored() {
        let conf = file("register = \"db/register.sqlite\"\nout = \"/var/runs\"\n");
        let s = merge(&conf, Flags::default(), For::Other).unwrap();
        assert_eq!(s.register.path, Path::new("/etc/terbit/db/register.sqlite"));
        assert_eq!(s.register.origin, Origin::File(FILE.into(), "register"));
        let s = merge(&conf, Flags { register: Some("postgresql://terbit@db.internal/terbit".into()), ..Flags::default() }, For::Other).unwrap();
        assert_eq!(s.register.path, Path::new("postgresql://terbit@db.internal/terbit"));
        assert_eq!(s.register.origin, Origin::Flag("--register"));
        // In the file, a URL stays a URL (not /etc/terbit/postgresql:/...).
        let s = merge(&file("register = \"postgresql://terbit@%2Frun%2Fpostgresql/terbit\"\n"), Flags::default(), For::Other).unwrap();
        assert_eq!(s.register.path, Path::new("postgresql://terbit@%2Frun%2Fpostgresql/terbit"));
        assert!(matches!(s.register.place(), Ok(crate::numbering::register::Place::Postgres(_))));
        // No register anywhere: register.sqlite in the out folder the flag gave.
        let s = merge(&Config::default(), Flags { out: Some("/srv/out".into()), ..Flags::default() }, For::Other).unwrap();
        assert_eq!(s.register.path, Path::new("/srv/out/register.sqlite"));
        assert_eq!(s.register.origin.to_string(), "register.sqlite in the out folder (given by --out), as nothing sets `register`");
    }

    #[test]
    fn the_replica_flag_over_the_file_else_none() {
        let conf = file("replica = \"../second-disk\"\n");
        assert_eq!(merge(&conf, Flags::default(), For::Other).unwrap().replica.as_deref(), Some(Path::new("/etc/terbit/../second-disk")));
        let s = merge(&conf, Flags { replica: Some("/mnt/b".into()), ..Flags::default() }, For::Other).unwrap();
        assert_eq!(s.replica.as_deref(), Some(Path::new("/mnt/b")));
        assert_eq!(merge(&file(""), Flags::default(), For::Other).unwrap().replica, None);
    }

    #[test]
    fn a_register_password_is_never_shown() {
        let secret = "S3CRET-pw";
        let url = format!("postgresql://terbit:{secret}@db.internal:5432/terbit");
        let conf = file(&format!("register = \"{url}\"\nkeys = \"k\"\n"));
        for s in [
            merge(&conf, Flags::default(), For::Other).unwrap(),
            merge(&Config::default(), Flags { register: Some(url.clone().into()), ..Flags::default() }, For::Other).unwrap(),
        ] {
            // The origin says who chose it, never the value.
            assert!(!s.register.origin.to_string().contains(secret), "{}", s.register.origin);
            let place = s.register.place().unwrap();
            assert!(!place.to_string().contains(secret), "{place}");
            assert!(!format!("{place:?}").contains(secret), "{place:?}");
        }
        // The errors of the merge itself carry no value at all.
        let e = merge(&conf, Flags { max_reject_rate: Some(2.0), register: Some(url.into()), ..Flags::default() }, For::Issue).unwrap_err();
        assert!(!e.to_string().contains(secret), "{e}");
    }
}
