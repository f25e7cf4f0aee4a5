//! What one run is given, already checked by the caller: batch files,
//! keys, region and templates, dates, limits.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::kind::region::Region;
use crate::kind::template::Templates;
use crate::model::midnight_utc;

/// Where a scheduler may put the signing key's seed instead of a key file.
pub const KEY_ENV: &str = "TERBIT_SIGNING_KEY";
/// Where a scheduler may put the PDF-signing key (64 hex characters of the
/// P-256 scalar, or its PKCS#8 PEM) instead of the `.pdf.key` file.
pub const PDF_KEY_ENV: &str = "TERBIT_PDF_SIGNING_KEY";

/// Everything one run needs, already checked by the caller.
pub struct IssueOptions {
    /// Batch files, in the order given.
    pub batch: Vec<PathBuf>,
    /// Keys folder (trust.json and .key files).
    pub keys_dir: PathBuf,
    /// The issuing region.
    pub region: Region,
    /// The templates of every kind.
    pub templates: Templates,
    /// Treat every batch file as this kind instead of recognising it.
    pub kind: Option<String>,
    /// Root of outputs; the run goes to `<out>/<run-id>/`.
    pub out: PathBuf,
    /// The register: an SQLite file, or a PostgreSQL database.
    pub register: crate::numbering::register::Place,
    /// The register's synchronous replica: a folder on another disk where
    /// a copy of the register is written after every numbering
    /// transaction, before that kind's documents (`None`: no replica).
    pub replica: Option<PathBuf>,
    /// The issue date printed and signed.
    pub issue_date: NaiveDate,
    /// Issue time in the claims (epoch seconds).
    pub issued_at: i64,
    /// The share of applications (0–1) that may be rejected. Given, it
    /// refuses the whole batch before anything is numbered when the
    /// export's own checks already reject more (which costs validating
    /// every kind before the first is numbered). Given or not (then
    /// [`DEFAULT_MAX_REJECT_RATE`](super::DEFAULT_MAX_REJECT_RATE)), a run
    /// whose rejects in all (ALREADY_ISSUED included, known only while
    /// numbering) are more is still issued, sealed and published, and ends
    /// with `RunSummary::not_done` saying why.
    pub max_reject_rate: Option<f64>,
    /// The signing key's seed when it comes from outside the keys directory
    /// (the CLI's `TERBIT_SIGNING_KEY`); its public key must still be in the
    /// directory's trust list.
    pub signing_seed: Option<zeroize::Zeroizing<[u8; 32]>>,
    /// The PDF-signing key when it comes from outside the keys directory
    /// (the CLI's `TERBIT_PDF_SIGNING_KEY`); its certificate is still the
    /// directory's `<kid>.pdf.crt`.
    pub pdf_key: Option<zeroize::Zeroizing<[u8; 32]>>,
    /// Told (documents written, documents to write) after each chunk
    /// reaches the disk; the CLI draws a progress bar with it.
    pub progress: Option<Progress>,
    /// The next kind is read, validated and numbered while this one's
    /// documents are made only if both kinds' batch rows together are at
    /// most this many ([`AHEAD_MAX_ROWS`] by default; 0: one kind at a
    /// time, the least memory). The output is the same either way.
    pub ahead_max_rows: u64,
    /// When the run really started (wall clock, epoch seconds), recorded in
    /// the register beside the issue date; the caller reads the clock (the
    /// library never does). `None`: not recorded.
    pub started_at: Option<i64>,
    /// An external time-stamp authority that stamps every PDF signature
    /// instead of the keys folder's own (`terbit.toml`'s `tsa_url`).
    pub remote_tsa: Option<crate::pdf::remote::RemoteConfig>,
    /// An external time-stamp authority for the night's seal alone
    /// (`terbit.toml`'s `seal_tsa_url`).
    pub seal_tsa: Option<crate::pdf::remote::RemoteConfig>,
    /// Fetch a certification authority's revocation answers for its
    /// certificates in the files' validation data (`terbit.toml`'s
    /// `fetch_revocation`; [`crate::trust::fetch`]).
    pub fetch_revocation: bool,
}

/// A progress callback; called from the writer thread.
pub type Progress = std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>;

/// The next kind is prepared while this one's documents are made only if
/// the two kinds' batch rows together are at most this many. Reading and
/// validating holds ~1.3 KB per row at its peak (polars' string columns
/// and the rules' working columns; measured on the 1,000,000-application
/// batch, whose family-card file alone has ~620,000 rows): two such kinds
/// at once would take that night near 1 GB, so big kinds are prepared
/// after the one before has released its rows. A nightly batch of the
/// size the districts report (219,293 applications, no kind over 140,000
/// rows) always overlaps.
pub const AHEAD_MAX_ROWS: u64 = 500_000;

impl IssueOptions {
    /// The embedded defaults (Kabupaten Kediri, the embedded templates, the
    /// register at `<out>/register.sqlite`, issued at midnight UTC of the
    /// issue date, the default reject limit) for one batch file.
    pub fn defaults(batch: PathBuf, keys_dir: PathBuf, out: PathBuf, issue_date: NaiveDate) -> IssueOptions {
        IssueOptions {
            batch: vec![batch],
            keys_dir,
            region: Region::kediri(),
            templates: Templates::embedded(),
            kind: None,
            register: crate::numbering::register::Place::File(out.join("register.sqlite")),
            replica: None,
            out,
            issue_date,
            issued_at: midnight_utc(issue_date),
            max_reject_rate: None,
            signing_seed: None,
            pdf_key: None,
            progress: None,
            ahead_max_rows: AHEAD_MAX_ROWS,
            started_at: None,
            remote_tsa: None,
            seal_tsa: None,
            fetch_revocation: false,
        }
    }
}

