//! The command line's arguments: what each command and flag is, its help
//! and examples (clap). Each command's file under `engine/cli/` turns
//! them into checked settings and library calls.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

/// `terbit --version`: the version and the embedded data's attribution,
/// which its licence (ODbL) asks every copy that ships the data to show.
pub(crate) static LONG_VERSION: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{}\n{} — {}", env!("CARGO_PKG_VERSION"), terbit::kind::refdata::ATTRIBUTION, terbit::kind::refdata::ODBL_URL));

/// A date flag's value: YYYY-MM-DD only. clap's own parser for dates
/// says "trailing input" or "input contains invalid characters" for
/// 07-12-2026 or 1/12/2026; this one says what form it wants.
pub(crate) fn date_arg(s: &str) -> std::result::Result<NaiveDate, String> {
    let t = s.trim();
    let digits = |r: std::ops::Range<usize>| t.get(r).is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let form = t.len() == 10 && digits(0..4) && t.as_bytes()[4] == b'-' && digits(5..7) && t.as_bytes()[7] == b'-' && digits(8..10);
    if !form {
        return Err("not a date in the form YYYY-MM-DD (year, month, day: e.g. 2026-12-07)".into());
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| format!("{t} is no day of the calendar (the form is YYYY-MM-DD, e.g. 2026-12-07)"))
}

#[derive(Parser)]
#[command(name = "terbit", version, long_version = LONG_VERSION.as_str(), about = "Issue signed, print-ready civil-registration documents in bulk; verify them offline.")]
pub(crate) struct Cli {
    /// For cron: `issue` prints nothing when the night is done, one line per problem on stderr when not; other commands print only warnings and errors on stderr besides their answer.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Everything on embedded defaults: sample batch, key, district root and signed trust list, issue run, verify, verifier page.
    #[command(after_help = "Example:\n  terbit demo --out terbit-demo")]
    Demo(DemoArgs),
    /// Signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The district's root of trust (ECDSA P-256, kept offline).
    #[command(subcommand)]
    Root(RootCommand),
    /// The register: check it against the sealed runs and signed revocation lists, back it up, restore it.
    #[command(subcommand)]
    Register(RegisterCommand),
    /// Signed trust lists and bundles for verifiers.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Write the offline verifier page for clerks (one HTML file).
    #[command(after_help = "Example:\n  terbit verifier --trust trust-bundle.json --out verify.html\n\nThe page embeds the bundle, checks its signatures when it opens and never uses the network.\nOpen it from a file (or any web server) on a phone or laptop.")]
    Verifier(VerifierArgs),
    /// Realistic synthetic applications (.csv or .parquet by extension).
    #[command(after_help = "Examples:\n  terbit samples --kind birth --count 2000 --defects 0.05 --out batch.csv\n  terbit samples --kind family_card --count 500 --out kk.parquet\n\nKinds: birth, death, family_card (one row per member), move_out, move_in, ktp.\nDefects are taken in turn from every rule the kind's schema implies.")]
    Samples(SamplesArgs),
    /// The nightly job: validate, number, sign, render and file a batch.
    #[command(after_help = "Examples:\n  terbit issue births.csv deaths.csv kk.parquet --keys keys --out out --issued-on 2026-11-23\n  terbit issue batch.csv --region templates/regions/3527-sampang.toml --template birth=my-birth.toml\n  terbit issue                      (everything from ./terbit.toml: the nightly job)\n  terbit issue --config /etc/terbit/terbit.toml --quiet\n\nEach file's kind is recognised from its header (or give --kind).\nSettings come from ./terbit.toml (or --config FILE) whether or not batch files are named;\na flag overrides its one setting. Without batch files, terbit.toml's batch patterns name them.\n\nExit codes:\n  0  the night is done: every application issued or rejected, within the reject limit; sealed and published\n  1  NOT DONE (one line each on stderr, \"terbit: NOT DONE — …\"): refused by --max-reject-rate before anything\n     was numbered; nothing issued; more rejected than the limit (terbit.toml's max_reject_rate, else 0.5; ALREADY_ISSUED counts unless\n     another run of the same issue date issued it; what was valid is issued and sealed); or a stopped\n     run's documents in no manifest. Read the run's report.\n  2  could not run (usage, settings, keys, an unreadable or empty export, a full disk): fix it and run the same command\n     again; a run stopped half way resumes, issuing nothing twice.\nWith --quiet nothing is printed on exit 0.")]
    Issue(IssueArgs),
    /// Verify documents: DK1 text, PDF files, scans or photos (PNG/JPEG), run directories.
    #[command(after_help = "Examples:\n  terbit verify --trust trust-bundle.json out/20261123-1a2b3c4d\n  terbit verify --trust trust-bundle.json scan.jpg 'DK1:...' print/DUKCAPIL.pdf qr-lines.txt\n  terbit verify --trust keys/trust-3506.json --pin '3506=1a2b 3c4d ...' 'DK1:...'\n\nThe trust file is a bundle (terbit trust bundle) or one district's signed list with --pin.\nA list that does not verify against its pinned root is refused: nothing is verified.\nExit 0: all genuine; 1: some document is not (invalid, untrusted, revoked, superseded);\n2: a target could not be read at all; 3: a photo's QR could not be read (take it again).")]
    Verify(VerifyArgs),
    /// Revoke an issued document; rewrites the signed revocation list.
    #[command(after_help = "Example:\n  terbit revoke 3506-LU-23112026-0007 --reason \"issued on forged evidence\"")]
    Revoke(RevokeArgs),
    /// Sign the revocation list again, unchanged but for a new number and dates: after a key change
    /// (verifiers accept lists of a current key only) or to keep it from going stale.
    #[command(after_help = "Example:\n  terbit revocations --keys keys --register out/register.sqlite\n\nThen: terbit trust bundle, and give verifiers the new bundle.")]
    Revocations(RevocationsArgs),
    /// Mark a document as replaced by a newer one; rewrites the signed revocation list.
    #[command(after_help = "Example:\n  terbit supersede 3506-LU-23112026-0007 --by 3506-LU-24112026-0001 --reason \"name corrected\"")]
    Supersede(SupersedeArgs),
    /// Validate batch files only (a dry run before the night): counts and
    /// reasons, nothing numbered, nothing issued.
    #[command(after_help = "Examples:\n  terbit check export.csv kk.parquet --rejects rejects.csv\n  terbit check --issued-on 2026-12-06     (tonight's files from ./terbit.toml's batch patterns)\n\nRegion and templates come from ./terbit.toml (or --config) unless flags say otherwise.\nThe first rejected rows are printed as file:line field: reason.\nExit 0 when every application would be accepted, 1 when some would be rejected.")]
    Check(CheckArgs),
    /// Documents issued per day, kind and service point, from the register.
    #[command(after_help = "Examples:\n  terbit stats --from 2026-11-01 --to 2026-11-30\n  terbit stats --config /etc/terbit/terbit.toml --json\n  terbit stats --register /var/lib/terbit/register.sqlite\n\nThe register: --register, else terbit.toml's (./terbit.toml or --config), else out/register.sqlite.\nDefault range: from 30 days before today in the region's time zone (WIB for the embedded Kediri),\nwith no end: nights issued ahead with --issued-on are counted. Run times are in the region's zone.")]
    Stats(StatsArgs),
    /// Inclusion proof of one document in a run's batch seal.
    #[command(after_help = "Example:\n  terbit prove out/20261123-1a2b3c4d 3506-LU-23112026-0007")]
    Prove(ProveArgs),
    /// Long-term archive of issued runs (PAdES B-LTA).
    #[command(subcommand)]
    Archive(ArchiveCommand),
}

/// `terbit archive`.
#[derive(Subcommand)]
pub(crate) enum ArchiveCommand {
    /// Renew runs' files: fresh validation data and a document time-stamp, appended to each sealed file (the yearly job).
    #[command(after_help = "Example:\n  terbit archive renew out/20261123-1a2b3c4d out/20261124-5e6f7a8b --keys /etc/terbit/keys\n\nRun it on each night's run soon after the night (its first document time-stamp must come before the\nsigning certificate ends), then once a year, after `terbit trust sign` (which writes the root's fresh CRLs\nand its OCSP answer for the time-stamp authority), always before the certificate of the newest stamp ends.\nA file renewed less than --min-age-days ago is left as it is, so a stopped renewal is finished by running it again.\nThe stamps come from the district's time-stamp authority, or from terbit.toml's tsa_url.")]
    Renew {
        /// The run folders.
        #[arg(required = true, value_name = "RUN_DIR")]
        runs: Vec<PathBuf>,
        /// The keys folder (its time-stamp authority, signed list, CRL and OCSP answer).
        #[arg(long)]
        keys: PathBuf,
        /// Settings file whose tsa_url (and tsa_credentials) stamp instead of the district's authority (default: ./terbit.toml if there).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Leave files whose last renewal is younger than this many days (a file never renewed always is).
        #[arg(long, default_value_t = 30)]
        min_age_days: u32,
    },
}

// `terbit demo`.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    #[arg(long, default_value = "terbit-demo")]
    pub(crate) out: PathBuf,
    /// Applications in the sample batch.
    #[arg(long, default_value_t = 200)]
    pub(crate) count: usize,
}

// `terbit verifier`.
#[derive(clap::Args)]
pub(crate) struct VerifierArgs {
    /// The trust bundle the page embeds (terbit trust bundle).
    #[arg(long)]
    pub(crate) trust: PathBuf,
    #[arg(long, default_value = "verify.html")]
    pub(crate) out: PathBuf,
}

// `terbit samples`.
#[derive(clap::Args)]
pub(crate) struct SamplesArgs {
    /// birth, death, family_card, move_out, move_in or ktp.
    #[arg(long, default_value = "birth")]
    pub(crate) kind: String,
    #[arg(long)]
    pub(crate) count: usize,
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Share of rows with a realistic defect, 0–1.
    #[arg(long, default_value_t = 0.0)]
    pub(crate) defects: f64,
    /// Reference date for births (default: today in the region).
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub(crate) as_of: Option<NaiveDate>,
    #[arg(long)]
    pub(crate) region: Option<PathBuf>,
    #[arg(long)]
    pub(crate) out: PathBuf,
}

// `terbit issue`.
#[derive(clap::Args)]
pub(crate) struct IssueArgs {
    #[command(flatten)]
    pub(crate) input: BatchArgs,
    /// Keys folder (trust.json and .key files) [default: terbit.toml's keys, else keys].
    #[arg(long)]
    pub(crate) keys: Option<PathBuf>,
    /// Root of run folders [default: terbit.toml's out, else out].
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// The register: an SQLite file, or a postgresql:// URL [default: terbit.toml's register, else <out>/register.sqlite].
    #[arg(long)]
    pub(crate) register: Option<PathBuf>,
    /// Folder on a second disk for the register's synchronous replica (<DIR>/register.sqlite, copied after each
    /// kind is numbered, before its documents are written) [default: terbit.toml's replica, else none].
    #[arg(long, value_name = "DIR")]
    pub(crate) replica: Option<PathBuf>,
    /// Share of applications that may be rejected (0–1) [default: terbit.toml's max_reject_rate, else 0.5]:
    /// given, a batch over it is refused before anything is numbered;
    /// a run over it (ALREADY_ISSUED included, unless another run of the
    /// same issue date issued them) exits 1, NOT DONE.
    #[arg(long)]
    pub(crate) max_reject_rate: Option<f64>,
}

// `terbit verify`.
#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// Trust bundle (made by `terbit trust bundle`, or `terbit demo`), or a
    /// district's signed trust list (with --pin).
    #[arg(long, default_value = "trust-bundle.json")]
    pub(crate) trust: PathBuf,
    /// SHA-256 fingerprint of a district root to trust (repeatable), as
    /// the district publishes it. Required for a single signed list; for
    /// a bundle, every district in it must then be pinned here.
    #[arg(long)]
    pub(crate) pin: Vec<String>,
    /// Where this verifier remembers the newest list seen per district,
    /// to refuse rolled-back lists [default: $XDG_STATE_HOME/terbit/trust-memory.json].
    #[arg(long)]
    pub(crate) trust_memory: Option<PathBuf>,
    /// Keep no memory of lists seen (rollback is then not detected).
    #[arg(long, conflicts_with = "trust_memory")]
    pub(crate) no_trust_memory: bool,
    /// Accept a new root for this district (repeatable): the memory
    /// refuses a district's root changing unless told, after the
    /// district announced it and its fingerprint was compared.
    #[arg(long, value_name = "DISTRICT")]
    pub(crate) new_root: Vec<String>,
    /// Signed revocation list(s) for a single list; default: revocations-*.json beside it.
    #[arg(long)]
    pub(crate) revocations: Vec<PathBuf>,
    /// Region file of an issuer whose templates differ from the embedded
    /// ones (repeatable): its PDFs are checked against its page layouts.
    #[arg(long)]
    pub(crate) region: Vec<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub(crate) json: bool,
    #[arg(required = true)]
    pub(crate) targets: Vec<String>,
}

// `terbit revoke`.
#[derive(clap::Args)]
pub(crate) struct RevokeArgs {
    pub(crate) number: String,
    #[arg(long)]
    pub(crate) reason: String,
    /// Date the revocation takes effect, not before the document's issue date [default: today in the region's time zone].
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub(crate) on: Option<NaiveDate>,
    #[command(flatten)]
    pub(crate) common: RevokeSettings,
}

// `terbit revocations`.
#[derive(clap::Args)]
pub(crate) struct RevocationsArgs {
    /// The issuing regency (default: the one district of the keys folder's trust.json).
    #[arg(long)]
    pub(crate) issuer: Option<String>,
    #[command(flatten)]
    pub(crate) common: RevokeSettings,
}

// `terbit supersede`.
#[derive(clap::Args)]
pub(crate) struct SupersedeArgs {
    pub(crate) number: String,
    /// The newer document: the same kind, the same subject (NIK).
    #[arg(long)]
    pub(crate) by: String,
    #[arg(long)]
    pub(crate) reason: String,
    /// Date the revocation takes effect, not before the document's issue date [default: today in the region's time zone].
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub(crate) on: Option<NaiveDate>,
    #[command(flatten)]
    pub(crate) common: RevokeSettings,
}

// `terbit check`.
#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) input: BatchArgs,
    /// Write the reasons here (rejects.csv format).
    #[arg(long)]
    pub(crate) rejects: Option<PathBuf>,
}

// `terbit stats`.
#[derive(clap::Args)]
pub(crate) struct StatsArgs {
    /// Settings file [default: ./terbit.toml if present].
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// The register [default: terbit.toml's register, else <out>/register.sqlite].
    #[arg(long)]
    pub(crate) register: Option<PathBuf>,
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub(crate) from: Option<NaiveDate>,
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub(crate) to: Option<NaiveDate>,
    /// Machine-readable output (one object per day, kind and service point).
    #[arg(long)]
    pub(crate) json: bool,
}

// `terbit prove`.
#[derive(clap::Args)]
pub(crate) struct ProveArgs {
    pub(crate) run: PathBuf,
    pub(crate) number: String,
}

#[derive(Subcommand)]
pub(crate) enum RegisterCommand {
    /// The register against the sealed runs and the signed revocation lists, every difference named. Reads only.
    #[command(after_help = "Examples:\n  terbit register check                       (./terbit.toml's out, register and keys)\n  terbit register check --runs out --register /var/lib/terbit/register.sqlite --keys keys\n  terbit register check --runs out /mnt/archive/runs-2025 --trust trust-bundle.json\n\nA --runs folder is a run folder or a folder of run folders (like out); every run the register records\nneeds its folder among them (give the archive's too, where older runs were moved).\nEach run's seal is checked against the manifest it signs (the documents' files are terbit verify's);\nthe register's documents against the manifests' rows, its revocations against each regency's newest\nsigned revocation list (revocations-<regency>.json in the keys folder, or the bundle's), its runs against the folders.\n\nExit codes:\n  0  clean: the register and what was published agree\n  1  differences (each named, file:line where there is one)\n  2  could not run (no register, keys or trust, an unreadable folder)")]
    Check {
        /// Run folders, or folders of run folders [default: terbit.toml's out, else out].
        #[arg(long, num_args = 1..)]
        runs: Vec<PathBuf>,
        /// The register [default: terbit.toml's register, else <out>/register.sqlite].
        #[arg(long)]
        register: Option<PathBuf>,
        /// Keys folder: its trust.json checks the seals, its revocations-<regency>.json are the signed lists [default: terbit.toml's keys, else keys].
        #[arg(long, conflicts_with = "trust")]
        keys: Option<PathBuf>,
        /// A trust bundle (terbit trust bundle) instead of the keys folder: its signed trust lists and revocation lists.
        #[arg(long)]
        trust: Option<PathBuf>,
        /// Settings file [default: ./terbit.toml if present].
        #[arg(long)]
        config: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// A consistent copy of the register, safe while a run goes on: to a new file (never replaced), 0600, synced.
    #[command(after_help = "Example (cron, after each night):\n  terbit register backup /mnt/backup/register-$(date +%Y%m%d).sqlite --config /etc/terbit/terbit.toml\n\nThe register: --register, else terbit.toml's (./terbit.toml or --config), else out/register.sqlite.")]
    Backup {
        /// The backup to write; it must not exist.
        file: PathBuf,
        /// The register [default: terbit.toml's register, else <out>/register.sqlite].
        #[arg(long)]
        register: Option<PathBuf>,
        /// Settings file [default: ./terbit.toml if present].
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Put a backup where a lost register was, checked against the run folders' manifests.
    #[command(after_help = "Example:\n  terbit register restore /mnt/backup/register-20261205.sqlite --config /etc/terbit/terbit.toml\n\nRefused while a register is at the path (move it away first), and when the run folders\n(the out folder, or --runs) hold documents the backup does not know, unless --accept-loss:\nthen those documents are recorded as issued and the counters raised past them.")]
    Restore {
        /// The backup (`terbit register backup`); it is not changed.
        file: PathBuf,
        /// Where the register goes [default: terbit.toml's register, else <out>/register.sqlite].
        #[arg(long)]
        register: Option<PathBuf>,
        /// Settings file [default: ./terbit.toml if present].
        #[arg(long)]
        config: Option<PathBuf>,
        /// Run folders, or folders holding them, whose manifests prove what was issued [default: the out folder].
        #[arg(long, num_args = 1.., value_name = "DIR")]
        runs: Vec<PathBuf>,
        /// Restore a backup older than the runs: their documents are recorded from the manifests and the counters raised past them.
        #[arg(long)]
        accept_loss: bool,
    },
    /// A register rebuilt from what was published: the sealed run folders, their manifests and the signed revocation lists; to a new file, 0600, synced.
    #[command(after_help = "Example (the register and its backups lost):\n  terbit register rebuild --runs /srv/terbit/out /mnt/archive/runs --keys /etc/terbit/keys --out /var/lib/terbit/register.sqlite\n\nEach run's seal must verify against the trust list (keys folder or --trust bundle); a run stopped before its seal\nis recorded unfinished and the numbers of its PDFs on disk are never given again. The register takes the identity\nthe keys folder's register-binding.json names. Then: terbit register check.")]
    Rebuild {
        /// Run folders, or folders holding them: every run the office published.
        #[arg(long, num_args = 1.., value_name = "DIR", required = true)]
        runs: Vec<PathBuf>,
        /// Keys folder: trust.json checks the seals, revocations-<regency>.json are the signed lists, register-binding.json names the register [default: terbit.toml's keys, else keys].
        #[arg(long, conflicts_with = "trust")]
        keys: Option<PathBuf>,
        /// A trust bundle instead of the keys folder (the rebuilt register then has no identity).
        #[arg(long)]
        trust: Option<PathBuf>,
        /// The register to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Settings file [default: ./terbit.toml if present].
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Move the SQLite register into an empty PostgreSQL database (for several issuing hosts), checked table by table; the SQLite file is then set aside.
    Migrate {
        /// The PostgreSQL database: postgresql://USER@HOST/DATABASE (a unix socket folder as %2Frun%2Fpostgresql).
        #[arg(long, value_name = "URL")]
        to: String,
        /// The SQLite register [default: terbit.toml's register, else out/register.sqlite].
        #[arg(long)]
        register: Option<PathBuf>,
        /// Settings file [default: ./terbit.toml if present].
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Batch files and how to read them (shared by issue and check).
#[derive(clap::Args)]
pub(crate) struct BatchArgs {
    /// Batch files (CSV or Parquet) [default: terbit.toml's batch patterns].
    pub(crate) batch: Vec<PathBuf>,
    /// Settings file [default: ./terbit.toml if present]; named batch files do not drop its other settings.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Region file [default: terbit.toml's region, else embedded Kabupaten Kediri].
    #[arg(long)]
    pub(crate) region: Option<PathBuf>,
    /// Use this template for a kind: KIND=FILE (repeatable; default: the
    /// region's templates, else the embedded ones).
    #[arg(long, value_name = "KIND=FILE")]
    pub(crate) template: Vec<String>,
    /// Treat every batch file as this kind instead of recognising it by its header.
    #[arg(long)]
    pub(crate) kind: Option<String>,
    /// Issue date (default: SOURCE_DATE_EPOCH's date, else today in the region).
    #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
    pub(crate) issued_on: Option<NaiveDate>,
}

#[derive(clap::Args)]
pub(crate) struct RevokeSettings {
    /// Settings file [default: ./terbit.toml if present]: its register and keys.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// The register `terbit issue` wrote [default: terbit.toml's register, else out/register.sqlite]; never made here.
    #[arg(long)]
    pub(crate) register: Option<PathBuf>,
    /// Keys directory: signs the list, which is written there as revocations-<issuer>.json [default: terbit.toml's keys, else keys].
    #[arg(long)]
    pub(crate) keys: Option<PathBuf>,
    /// The register's replica folder: the register is copied there before the signed list is written [default: terbit.toml's replica, else none].
    #[arg(long, value_name = "DIR")]
    pub(crate) replica: Option<PathBuf>,
}

/// The keys folder of the `keys` commands: --dir, else terbit.toml's keys.
#[derive(clap::Args)]
pub(crate) struct KeysDir {
    /// Keys folder [default: terbit.toml's keys (./terbit.toml or --config), else keys].
    #[arg(long = "dir", value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Settings file [default: ./terbit.toml if present].
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum RootCommand {
    /// New district root: <dir>/root-<district>.key (0600) and .crt; prints the fingerprint to publish.
    #[command(after_help = "Example:\n  terbit root init --district 3506 --dir /media/offline-usb/root\n\nKeep the key offline (not on the nightly host). Publish the printed fingerprint.")]
    Init {
        #[arg(long)]
        district: String,
        #[arg(long, default_value = "root")]
        dir: PathBuf,
        /// Start of validity (default: start of today, UTC).
        #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
        not_before: Option<NaiveDate>,
        /// Years of validity.
        #[arg(long, default_value_t = 20)]
        years: u32,
    },
    /// The root signs a new certificate revocation list for the keys folder (`trust sign` writes one too).
    #[command(after_help = "Example:\n  terbit root crl --keys keys --root-key /media/usb/root/root-3506.key --root-cert /media/usb/root/root-3506.crt\n\nWrites <keys>/crl-<district>.crl: the certificates of revoked PDF keys. Every run puts it in its PDFs (PAdES B-LT).\nAnd <keys>/crl-<district>-ca.crl, the root's CRL of certification authorities, which renewals carry (PAdES B-LTA).")]
    Crl {
        /// Keys folder.
        #[arg(long, default_value = "keys")]
        keys: PathBuf,
        #[arg(long)]
        root_key: PathBuf,
        #[arg(long)]
        root_cert: PathBuf,
        /// Days until the next CRL the district promises.
        #[arg(long, default_value_t = 30)]
        valid_days: u32,
        /// Signing time, RFC 3339 (default: now).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum TrustCommand {
    /// Sign the keys folder's trust list with the district root (after keys generate, rotation or revocation).
    #[command(after_help = "Example:\n  terbit trust sign --keys keys --root-key /media/usb/root/root-3506.key --root-cert /media/usb/root/root-3506.crt\n\nWrites <keys>/trust-<district>.json with the next sequence number.")]
    Sign {
        /// Keys folder [default: terbit.toml's keys (./terbit.toml or --config), else keys].
        #[arg(long)]
        keys: Option<PathBuf>,
        /// Settings file [default: ./terbit.toml if present].
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        root_key: PathBuf,
        #[arg(long)]
        root_cert: PathBuf,
        /// Days until the next update the district promises; verifiers warn past it.
        #[arg(long, default_value_t = 30)]
        valid_days: u32,
        /// Output file [default: <keys>/trust-<district>.json].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Signing time, RFC 3339 (default: now).
        #[arg(long)]
        at: Option<String>,
        /// An external time-stamp authority's certificate (BSrE's, another PSrE's) to list: kept beside the root key and listed from then on.
        #[arg(long, value_name = "FILE")]
        tsa_cert: Vec<PathBuf>,
    },
    /// Join districts' signed lists, each checked against its pinned root, with their revocation lists.
    #[command(after_help = "Example:\n  terbit trust bundle --list kediri/trust-3506.json --list sampang/trust-3527.json \\\n      --pin '<fingerprint 3506>' --pin '<fingerprint 3527>' --out trust-bundle.json\n\nAn existing --out bundle is updated: a list older than the one it holds is refused,\nand so is a district's new root unless --new-root DISTRICT says it was announced.")]
    Bundle {
        /// A district's signed list (repeatable); revocations-<district>.json beside it is added.
        #[arg(long, required = true)]
        list: Vec<PathBuf>,
        /// Root fingerprints (repeatable), alone or as DISTRICT=fingerprint:
        /// each list must verify against one pinned for its district.
        #[arg(long, required = true)]
        pin: Vec<String>,
        /// Revocation lists to add instead of the ones beside each list.
        #[arg(long)]
        revocations: Vec<PathBuf>,
        /// Accept a new root for this district (repeatable), replacing the
        /// one the bundle holds: only after the district announced it and
        /// its new fingerprint was compared with the published one.
        #[arg(long, value_name = "DISTRICT")]
        new_root: Vec<String>,
        #[arg(long, default_value = "trust-bundle.json")]
        out: PathBuf,
    },
    /// Show what a bundle or signed list holds (districts, dates, root fingerprints to compare).
    #[command(after_help = "Examples:\n  terbit trust show trust-bundle.json\n  terbit trust show keys/trust-3506.json\n\nCompare each root fingerprint it prints with the one the district published.")]
    Show { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// New Ed25519 key: <dir>/<kid>.key (0600) and an entry in <dir>/trust.json.
    #[command(after_help = "Example:\n  terbit keys generate --issuer 3506 --dir /etc/terbit/keys --not-before 2027-01-01\n\nThen sign the list with the district root (terbit trust sign) and give auditors the signed list\nor a bundle; keep the .key file secret (or hand its 64 hex characters to the scheduler as TERBIT_SIGNING_KEY).")]
    Generate {
        #[arg(long)]
        issuer: String,
        #[command(flatten)]
        dir: KeysDir,
        /// Start of the signing window (default: start of today, UTC).
        #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
        not_before: Option<NaiveDate>,
        /// End of the signing window, and of the PDF key's certificate (default: open; the certificate lasts 20 years).
        #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
        not_after: Option<NaiveDate>,
    },
    /// Make the district time-stamp authority's key (<dir>/tsa.key) for a keys folder that has none (keys generate makes one).
    #[command(after_help = "Example:\n  terbit keys tsa --dir /etc/terbit/keys\n\nThen terbit trust sign certifies it; from the next run on every PDF signature is time-stamped (PAdES B-T)\nand carries its validation data (B-LT).")]
    Tsa {
        #[command(flatten)]
        dir: KeysDir,
    },
    /// Retire a key (rotation): it signs nothing from --on; what it signed before stays genuine.
    #[command(after_help = "Example:\n  terbit keys retire 5a16ed9f44164099 --on 2027-01-01 --dir keys\n\nThen: terbit trust sign, and give verifiers the new list.")]
    Retire {
        kid: String,
        #[command(flatten)]
        dir: KeysDir,
        /// The day its window closes (default: today, UTC).
        #[arg(long, value_parser = date_arg, value_name = "YYYY-MM-DD")]
        on: Option<NaiveDate>,
    },
    /// Use a PDF-signing certificate from a certification authority (PSrE) for a key.
    #[command(after_help = "Examples:\n  terbit keys import 5a16ed9f44164099 --key office.key.pem --cert office.crt --chain bsre-chain.pem --dir keys\n  terbit keys import 5a16ed9f44164099 --p12 office.p12 --password-file office.pass --dir keys\n\nThe key: ECDSA P-256, PKCS#8 PEM or inside the PKCS#12 file (either mode 0600).\nThe certificate's key must be it. Then terbit trust sign lists the certificate for verifiers.")]
    Import {
        /// The DK1 key the PDF key pairs with.
        kid: String,
        #[command(flatten)]
        dir: KeysDir,
        /// The private key, PKCS#8 PEM.
        #[arg(long, required_unless_present = "p12", conflicts_with = "p12")]
        key: Option<PathBuf>,
        /// Its certificate, PEM or DER.
        #[arg(long, required_unless_present = "p12", conflicts_with = "p12")]
        cert: Option<PathBuf>,
        /// The issuing CAs' certificates, PEM.
        #[arg(long, conflicts_with = "p12")]
        chain: Option<PathBuf>,
        /// Key, certificate and chain in one PKCS#12 file (.p12/.pfx).
        #[arg(long)]
        p12: Option<PathBuf>,
        /// The PKCS#12 file's password: the first line of this file, or of standard input for `-`.
        #[arg(long, requires = "p12", value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Revoke a compromised key: what it signed from --from on is REVOKED.
    #[command(after_help = "Example:\n  terbit keys revoke 5a16ed9f44164099 --from 2026-11-20T00:00:00Z --dir keys\n\nThen: terbit trust sign, give verifiers the new list, and reissue what it signed since.")]
    Revoke {
        kid: String,
        #[command(flatten)]
        dir: KeysDir,
        /// The earliest time it may have been misused, RFC 3339.
        #[arg(long)]
        from: String,
    },
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_flag_says_its_form() {
        assert_eq!(date_arg("2026-12-07"), Ok(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()));
        for bad in ["07-12-2026", "1/12/2026", "2026-12-7", "20261207", ""] {
            let e = date_arg(bad).unwrap_err();
            assert!(e.contains("YYYY-MM-DD") && e.contains("2026-12-07"), "{bad}: {e}");
        }
        let e = date_arg("2026-02-30").unwrap_err();
        assert!(e.contains("no day of the calendar") && e.contains("YYYY-MM-DD"), "{e}");
        // Every date flag of every command takes it (clap's error then quotes it).
        let e = Cli::try_parse_from(["terbit", "stats", "--from", "1/12/2026"]).err().unwrap().to_string();
        assert!(e.contains("'1/12/2026'") && e.contains("YYYY-MM-DD"), "{e}");
    }
}
