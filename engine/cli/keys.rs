//! `terbit keys`: a district's signing keys — made, retired, revoked, and
//! paired with a certification authority's PDF-signing certificate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use chrono::{NaiveDate, Utc};
use terbit::dk1::keys;
use terbit::issue::settings::{Flags, For};

use super::args::{KeysCommand, KeysDir};

pub(crate) fn run(command: KeysCommand) -> Result<ExitCode> {
    match command {
        KeysCommand::Generate { issuer, dir, not_before, not_after } => {
            let dir = keys_dir(&dir)?;
            let g = generate_key(&dir, &issuer, not_before, not_after)?;
            println!("key {} for issuer {issuer}", hex::encode(g.kid));
            println!("  private key: {} (keep it secret; mode 0600)", g.key_file.display());
            println!("  PDF key:     {} (keep it secret; the district root certifies it at `terbit trust sign`)", terbit::trust::pdfkey::key_path(&dir, &g.kid).display());
            println!("  key list:    {} (sign it for auditors: terbit trust sign --keys {} --root-key ... --root-cert ...)", g.trust_file.display(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Tsa { dir } => {
            let dir = keys_dir(&dir)?;
            let path = terbit::trust::tsa::key_path(&dir);
            if std::fs::symlink_metadata(&path).is_ok() {
                bail!("{} already exists: the keys folder has its time-stamp authority", path.display());
            }
            let mut seed = zeroize::Zeroizing::new([0u8; 32]);
            new_p256_secret(&mut seed)?;
            terbit::trust::tsa::generate(&dir, &seed)?;
            println!("time-stamp authority key → {} (keep it secret; the district root certifies it at `terbit trust sign`)", path.display());
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Retire { kid, dir, on } => {
            let dir = keys_dir(&dir)?;
            let at = terbit::model::midnight_utc(on.unwrap_or_else(|| Utc::now().date_naive()));
            let e = keys::set_status(&dir, &kid, keys::KeyStatus::Retired, at)?;
            println!("key {} retired: signs nothing from {}", e.kid, e.not_after.as_deref().unwrap_or("?"));
            println!("Now sign the list for verifiers: terbit trust sign --keys {} --root-key ... --root-cert ...", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Import { kid, dir, key, cert, chain, p12, password_file } => {
            let dir = keys_dir(&dir)?;
            let k: keys::Kid = hex::decode(&kid).ok().and_then(|v| v.try_into().ok()).with_context(|| format!("{kid:?} is not a kid (16 hex digits)"))?;
            let list = keys::TrustList::load(&dir.join("trust.json"))?;
            if list.find(&k).is_none() {
                bail!("no key {kid} in {}", dir.join("trust.json").display());
            }
            match (p12, key, cert) {
                (Some(p12), _, _) => {
                    let Some(pf) = password_file else { bail!("--p12 needs --password-file (a file holding the password, or - for standard input)") };
                    let password = read_password(&pf)?;
                    terbit::trust::pdfkey::import_p12(&dir, &k, &p12, &password)?;
                }
                (None, Some(key), Some(cert)) => terbit::trust::pdfkey::import(&dir, &k, &key, &cert, chain.as_deref())?,
                _ => bail!("give --key and --cert, or --p12"),
            }
            println!("PDF key and certificate of key {kid} → {}", terbit::trust::pdfkey::cert_path(&dir, &k).display());
            println!("Now sign the list for verifiers: terbit trust sign --keys {} --root-key ... --root-cert ...", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Revoke { kid, dir, from } => {
            let dir = keys_dir(&dir)?;
            let at = chrono::DateTime::parse_from_rfc3339(&from).with_context(|| format!("--from {from:?} is not an RFC 3339 time"))?.timestamp();
            let e = keys::set_status(&dir, &kid, keys::KeyStatus::Revoked, at)?;
            println!("key {} revoked from {}: documents it signed since are REVOKED once verifiers have the new list", e.kid, e.revoked_from.as_deref().unwrap_or("?"));
            println!("  its PDF files are genuine only with a time-stamp from before then: its PDFs without one (issued before time-stamps, PAdES B-B) become INVALID too — reissue them");
            println!("Now sign the list for verifiers: terbit trust sign --keys {} --root-key ... --root-cert ...", dir.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The keys folder: --dir over the settings file's `keys` over `keys`, checked.
fn keys_dir(d: &KeysDir) -> Result<PathBuf> {
    let dir = super::settings(d.config.as_deref(), Flags { keys: d.dir.clone(), ..Flags::default() }, For::Keys)?.keys.path;
    keys::check_keys_dir(&dir)?;
    Ok(dir)
}

/// A new DK1 key and its PDF-signing partner in `dir`, from the OS random source.
pub(crate) fn generate_key(dir: &Path, issuer: &str, not_before: Option<NaiveDate>, not_after: Option<NaiveDate>) -> Result<keys::Generated> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|e| anyhow::anyhow!("OS random source: {e}"))?;
    let nb = terbit::model::midnight_utc(not_before.unwrap_or_else(|| Utc::now().date_naive()));
    let g = keys::generate_until(dir, issuer, &seed, nb, not_after.map(terbit::model::midnight_utc))?;
    // Its PDF-signing partner (ECDSA P-256); the root certifies it at `trust sign`.
    new_p256_secret(&mut seed)?;
    terbit::trust::pdfkey::generate(dir, &g.kid, &seed)?;
    // The district time-stamp authority (one per keys folder, kept across
    // key rotations): the root certifies it at `trust sign`, and from then
    // on every PDF signature carries its time-stamp (PAdES B-T).
    if std::fs::symlink_metadata(terbit::trust::tsa::key_path(dir)).is_err() {
        new_p256_secret(&mut seed)?;
        terbit::trust::tsa::generate(dir, &seed)?;
    }
    Ok(g)
}

/// A P-256 private scalar from the OS random source.
fn new_p256_secret(seed: &mut [u8; 32]) -> Result<()> {
    loop {
        getrandom::fill(&mut seed[..]).map_err(|e| anyhow::anyhow!("OS random source: {e}"))?;
        // A value at or above the curve order (about 2^-32 of draws) is drawn again.
        if p256::ecdsa::SigningKey::from_slice(&seed[..]).is_ok() {
            return Ok(());
        }
    }
}

/// A password: the first line of `path`, or of standard input for `-`
/// (never an argument or the environment, which other users can read).
fn read_password(path: &Path) -> Result<zeroize::Zeroizing<String>> {
    use std::io::Read;
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    if path == Path::new("-") {
        std::io::stdin().take(4096).read_to_end(&mut bytes).context("read the password from standard input")?;
    } else {
        // Refused like a key file: a password others can read opens the key for them.
        keys::refuse_secret_readable_by_others(path, "password file")?;
        *bytes = terbit::util::fs::read_limited(path, 4096)?;
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| anyhow::anyhow!("{}: the password is not UTF-8 text", path.display()))?;
    Ok(zeroize::Zeroizing::new(text.lines().next().unwrap_or("").to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pass");
        std::fs::write(&p, "secret\nignored\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = read_password(&p).unwrap_err().to_string();
        assert!(e.contains("password file is readable by group or others") && e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(read_password(&p).unwrap().as_str(), "secret");
    }
}
