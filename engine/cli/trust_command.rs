//! `terbit trust`: signed trust lists and bundles. Only the command's
//! arguments are taken apart here; what is signed, joined and shown is
//! [`super::trust`]'s (kept apart: those rules are the trust's own, not
//! the command line's).

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::Utc;
use terbit::issue::settings::{Flags, For};

use super::args::TrustCommand;

pub(crate) fn run(command: TrustCommand) -> Result<ExitCode> {
    match command {
        TrustCommand::Sign { keys, config, root_key, root_cert, valid_days, out, at, tsa_cert } => {
            let keys = super::settings(config.as_deref(), Flags { keys, ..Flags::default() }, For::Other)?.keys.path;
            let now = match at {
                Some(t) => chrono::DateTime::parse_from_rfc3339(&t).with_context(|| format!("--at {t:?} is not an RFC 3339 time"))?.timestamp(),
                None => Utc::now().timestamp(),
            };
            super::trust::trust_sign(&keys, &root_key, &root_cert, valid_days, out, now, &tsa_cert)?;
        }
        TrustCommand::Bundle { list, pin, revocations, new_root, out } => super::trust::trust_bundle(&list, &pin, &revocations, &new_root, &out)?,
        TrustCommand::Show { file } => super::trust::trust_show(&file, Utc::now().timestamp())?,
    }
    Ok(ExitCode::SUCCESS)
}
