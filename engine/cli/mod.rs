//! The command line, one file per command (`main.rs`'s `dispatch` calls
//! each command's `run`), and what the binary itself does around them:
//! the arguments ([`args`]), the handed-over keys ([`secrets`]), the
//! standard output relay ([`stdout`]) and how a failure is said
//! ([`failure`]). Only presentation and the binary's own inputs (the
//! clock, the environment, the OS random source) live here; every check
//! and every file written is the library's, and so is the merge of
//! `terbit.toml` with the flags ([`terbit::issue::settings`]).

use std::path::Path;

use terbit::issue::config::Config;
use terbit::issue::settings::{self, Flags, For, Settings};

pub(crate) mod archive;
pub(crate) mod args;
pub(crate) mod backup;
pub(crate) mod check;
pub(crate) mod demo;
pub(crate) mod failure;
pub(crate) mod issue;
pub(crate) mod keys;
pub(crate) mod night;
pub(crate) mod prove;
pub(crate) mod region;
pub(crate) mod register;
pub(crate) mod revocations;
pub(crate) mod revoke;
pub(crate) mod root;
pub(crate) mod samples;
pub(crate) mod secrets;
pub(crate) mod stats;
pub(crate) mod stdout;
pub(crate) mod trust;
pub(crate) mod trust_command;
pub(crate) mod verifier;
pub(crate) mod verify;

/// The settings of a command that reads no batch: `config` (`--config`,
/// else ./terbit.toml if there is one) merged with `flags`.
pub(crate) fn settings(config: Option<&Path>, flags: Flags, command: For) -> anyhow::Result<Settings> {
    let file = Config::find(config)?;
    Ok(settings::merge(&file, flags, command)?)
}
