//! A command's failure as the operator reads it: one line (`--quiet`, what
//! cron mails) or two, the error's causes each said once, and a hint when
//! the cure is on the machine (a full disk, a folder's owner, the region).
//! Every such failure exits 2.

use super::night::RegionMismatch;

/// Say `e` on stderr, with its hint if there is one.
pub(crate) fn report(e: &anyhow::Error, quiet: bool) {
    // --quiet: one line per problem (what cron mails), the hint on it.
    match hint_for(e) {
        Some(hint) if quiet => eprintln!("error: {} — hint: {hint}", error_text(e)),
        Some(hint) => eprintln!("error: {}\nhint: {hint}", error_text(e)),
        None => eprintln!("error: {}", error_text(e)),
    }
}

/// An error and its causes on one line, each said once (a library error
/// already names its OS error), control characters shown escaped (a batch
/// file named with a line break must not forge a log line).
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if text.contains(&s) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&s);
    }
    terbit::util::show::clip_shown(&text, 4000)
}

/// What to do about an error the operator can fix on the machine.
fn hint_for(e: &anyhow::Error) -> Option<String> {
    if e.downcast_ref::<RegionMismatch>().is_some() {
        return Some(
            "give the region file of the regency the export is for (--region FILE, or `region = ...` in terbit.toml; its `code` is the regency's). \
             Do not generate a key for the wrong regency: its trust list could not then be signed by your district root"
                .into(),
        );
    }
    hint_for_machine(e).map(str::to_string)
}

/// Hints for the machine's own trouble: a full disk, a folder terbit may not write.
fn hint_for_machine(e: &anyhow::Error) -> Option<&'static str> {
    // The register's back end says so by its code (SQLite's SQLITE_FULL,
    // PostgreSQL's SQLSTATE 53100), told apart where the error is made.
    let register_full = e.chain().any(|c| matches!(c.downcast_ref::<terbit::error::Error>(), Some(terbit::error::Error::RegisterFull { .. })));
    if register_full {
        return Some(
            "the disk holding the register is full: free space there and run the same command again; \
             the run resumes where it stopped and issues nothing twice",
        );
    }
    let io = e.chain().find_map(|c| c.downcast_ref::<std::io::Error>()).or_else(|| {
        e.chain().find_map(|c| match c.downcast_ref::<terbit::error::Error>() {
            Some(terbit::error::Error::Io { source, .. }) => Some(source),
            _ => None,
        })
    })?;
    match io.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Some(
            "the disk is full: free space (or give --out on another disk) and run the same command again; \
             the run resumes where it stopped and issues nothing twice",
        ),
        // The path is in the error: it may be the keys folder, the
        // register's or the out folder, so no one flag is named.
        std::io::ErrorKind::PermissionDenied => Some(
            "this job's user may not read or write the path named: the keys folder, the register's folder and the out folder \
             belong to the user the job runs as (README, \"The nightly job\": who owns what); check that path's owner and mode",
        ),
        std::io::ErrorKind::ReadOnlyFilesystem => Some("the path named is on a read-only file system: give a folder on a writable disk (--out, --register, or terbit.toml)"),
        std::io::ErrorKind::NotFound => Some(
            "the path named does not exist: check it. Relative paths are from the folder terbit runs in (terbit.toml's from its own \
             folder); the keys folder, register and out folder come from --keys, --register and --out, else from ./terbit.toml or --config",
        ),
        std::io::ErrorKind::NotADirectory => Some("a file stands where a folder is needed: check the --out path"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_under_the_register_gets_its_hint_and_causes_are_said_once() {
        let full = terbit::error::Error::RegisterFull { path: "out/register.sqlite".into(), message: "database or disk is full".into() };
        let e = anyhow::Error::from(full);
        assert!(hint_for(&e).is_some_and(|h| h.contains("register is full")));
        let io = terbit::error::Error::io("a\nb.csv", std::io::Error::from(std::io::ErrorKind::NotFound));
        let text = error_text(&anyhow::Error::from(io));
        assert_eq!(text.matches("not found").count(), 1, "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}
