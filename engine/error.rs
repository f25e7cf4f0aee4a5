//! The library's error type. Every variant says where the problem is (file,
//! row, field) so the CLI can print it as is; `main` maps variants to exit
//! codes (all library errors mean "could not run": exit 2).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A batch file that cannot be read as a whole (not a row-level problem:
    /// those become rejects).
    #[error("{path}: {message}")]
    Batch { path: PathBuf, message: String },

    /// A configuration file (region, template, trust list, key) is wrong.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error("register {path}: {message}")]
    Register { path: PathBuf, message: String },

    #[error("no usable signing key: {0}")]
    NoKey(String),

    #[error("render {document}: {message}")]
    Render { document: String, message: String },

    #[error("{0}")]
    Usage(String),

    /// The whole batch was refused (e.g. over the reject threshold).
    #[error("batch refused: {0}")]
    Refused(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
    pub fn config(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Config { path: path.into(), message: message.into() }
    }
    pub fn batch(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Batch { path: path.into(), message: message.into() }
    }
}
