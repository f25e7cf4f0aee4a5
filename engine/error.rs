//! The library's error type. Every variant says where the problem is (file,
//! row, field) so the CLI can print it as is; `main` maps variants to exit
//! codes (all library errors mean "could not run": exit 2).

use std::path::PathBuf;

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Untrusted text shortened for a message or a rejects row: at most `max`
/// characters, then how long it really was. A 10 MB field in a batch must
/// not become 10 MB in every line that mentions it.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((at, _)) => format!("{}… ({} characters)", &s[..at], s.chars().count()),
    }
}

/// A TOML parse error as file position and message only: `toml`'s own
/// Display quotes the offending line, and a file named as a region or
/// template may be anything (a key, /etc/shadow), so its text never
/// reaches a message.
pub fn toml_error(path: &std::path::Path, text: &str, e: &toml::de::Error) -> Error {
    let at = e.span().map(|s| {
        let before = text.get(..s.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}: ")
    });
    Error::config(path, format!("{}{}", at.unwrap_or_default(), clip(e.message(), 400)))
}

/// A TOML file's bytes as text, or an error that says it is not UTF-8
/// without quoting any of it.
pub fn toml_text<'a>(path: &std::path::Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| Error::config(path, format!("is not UTF-8 text (byte {}), so not a TOML file", e.valid_up_to() + 1)))
}

/// A list of names for a message, the first `max` of them, each clipped
/// to 24 characters, then how many more (a header of a million columns is
/// named by its first few; a file that is no export — a key, a password
/// file — is quoted as little as possible).
pub fn clip_list(names: &[String], max: usize) -> String {
    let shown: Vec<String> = names.iter().take(max).map(|n| clip(n, 24)).collect();
    if names.len() > max {
        format!("{} … and {} more ({} columns in all)", shown.join(", "), names.len() - max, names.len())
    } else {
        shown.join(", ")
    }
}

/// Why the library could not do what it was asked. New variants may be
/// added: match with a catch-all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },

    /// A batch file that cannot be read as a whole (not a row-level problem:
    /// those become rejects).
    #[error("{path}: {message}")]
    Batch {
        /// The batch file.
        path: PathBuf,
        /// What is wrong with it, naming the line or column where there is one.
        message: String,
    },

    /// A CSV batch file's two readings disagree: the pre-scan (which maps
    /// each row to the line it starts on) and polars (which reads the rows)
    /// found different numbers of records. A reject would then cite
    /// another row's line, so the file is refused rather than read.
    #[error(
        "{path}: terbit's line check found {prescan_records} row(s) but its table reader found {polars_records}, so its rows cannot be traced \
         to their lines and the file is refused. Unusual bytes cause this (a NUL byte, a carriage return or a byte-order mark inside a value): \
         open the file in a spreadsheet, save it again as CSV UTF-8, and run the same command again"
    )]
    CsvDisagreement {
        /// The batch file.
        path: PathBuf,
        /// Records the pre-scan found (each with its line).
        prescan_records: usize,
        /// Rows polars read.
        polars_records: usize,
    },

    /// A configuration file (region, template, trust list, key) is wrong.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the field.
        message: String,
    },

    /// The register (SQLite) refused an operation.
    #[error("register {path}: {message}")]
    Register {
        /// The register file.
        path: PathBuf,
        /// What SQLite or the numbering rules said.
        message: String,
    },

    /// The register's replica (`replica =`, `--replica`) could not be
    /// checked or written: the run stops before anything that depends on
    /// what the register just recorded is written.
    #[error(
        "the register's replica {path}: {reason}. Nothing that depends on it was written (no document, no revocation list); \
         what was recorded stays in the register {register}. Fix the replica (is its disk mounted? is it full?) and run the same command again: it resumes"
    )]
    Replica {
        /// The replica folder or file.
        path: PathBuf,
        /// The register it copies.
        register: PathBuf,
        /// Why it could not be written.
        reason: String,
    },

    /// The disk that holds the register (the SQLite file's, or the
    /// PostgreSQL server's) is full: nothing was recorded by the
    /// operation that failed.
    #[error("register {path}: its disk is full: {message}")]
    RegisterFull {
        /// The register file, or its URL without a password.
        path: PathBuf,
        /// What SQLite or PostgreSQL said.
        message: String,
    },

    /// No key in the keys folder may sign for this issuer now.
    #[error("no usable signing key: {0}")]
    NoKey(String),

    /// A document could not be drawn (a template that does not fit its
    /// values, a document too large).
    #[error("render {document}: {message}")]
    Render {
        /// The document number (or "(template)").
        document: String,
        /// What went wrong.
        message: String,
    },

    /// What was asked cannot be done as asked (an unknown kind or
    /// document, a missing register, a key already in the trust list).
    #[error("{0}")]
    Usage(String),

    /// A worker thread could not start, or stopped by panicking (out of
    /// memory, or a bug): the run stops, and resumes when run again.
    #[error("the {what} thread {how}")]
    Thread {
        /// Which thread ("writer", "next kind's").
        what: &'static str,
        /// "panicked", or why it could not start.
        how: String,
    },

    /// A table the run built in memory (a polars frame) could not be read
    /// or built: a bug, not bad input (input errors are rejects).
    #[error("{what}: {message}")]
    Frame {
        /// Which table.
        what: &'static str,
        /// What polars said.
        message: String,
    },

    /// A report or list could not be written as JSON.
    #[error("cannot write {what} as JSON: {message}")]
    Json {
        /// Which file.
        what: &'static str,
        /// What the serializer said.
        message: String,
    },

    /// The time-stamp authority could not stamp the night's signatures (an
    /// external service that does not answer, refuses, or answers wrongly):
    /// nothing of the night is published; run it again once it answers.
    #[error("time-stamp: {0}")]
    TimeStamp(String),

    /// A certification authority's revocation answers could not be had
    /// (`fetch_revocation`): its service does not answer, answers wrongly,
    /// or says a certificate is revoked. Nothing of the night is published.
    #[error("revocation data: {0}")]
    Revocation(String),

    /// The whole batch was refused (e.g. over the reject threshold).
    #[error("batch refused: {0}")]
    Refused(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
    /// A configuration file's error.
    pub fn config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Config { path: path.into(), message: message.into() }
    }
    /// A batch file's error.
    pub fn batch(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Batch { path: path.into(), message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_short_text_and_says_how_long_long_text_was() {
        assert_eq!(clip("Siti", 10), "Siti");
        assert_eq!(clip(&"é".repeat(30), 3), "ééé… (30 characters)");
        let names: Vec<String> = (0..5).map(|i| format!("c{i}")).collect();
        assert_eq!(clip_list(&names, 5), "c0, c1, c2, c3, c4");
        assert_eq!(clip_list(&names, 2), "c0, c1 … and 3 more (5 columns in all)");
    }
}
