//! `terbit root`: the district's root of trust (the key and certificate
//! are made by [`super::trust::root_init`]).

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::args::RootCommand;

pub(crate) fn run(command: RootCommand) -> Result<ExitCode> {
    match command {
        RootCommand::Init { district, dir, not_before, years } => {
            // The root key's folder: made 0700 when new, refused when others
            // may write in it (they could swap the key or its certificate).
            terbit::dk1::keys::make_private_dir(&dir)?;
            let nb = terbit::model::midnight_utc(not_before.unwrap_or_else(|| Utc::now().date_naive()));
            super::trust::root_init(&district, &dir, nb, years)?;
            Ok(ExitCode::SUCCESS)
        }
        RootCommand::Crl { keys, root_key, root_cert, valid_days, at } => {
            let now = match at {
                Some(t) => chrono::DateTime::parse_from_rfc3339(&t).map_err(|_| anyhow::anyhow!("--at {t:?} is not an RFC 3339 time"))?.timestamp(),
                None => Utc::now().timestamp(),
            };
            let root = terbit::trust::root::RootKey::load(&root_key, &root_cert)?;
            let (path, revoked) = terbit::trust::publish::sign_crl(&keys, &root, &root_key, valid_days, now)?;
            println!("the root's certificate revocation list ({revoked} revoked) → {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
