//! Signing keys and the trust list (format: `README.md` here, §2 and §5).
//!
//! A key is an Ed25519 seed in `<dir>/<kid>.key` (hex, mode 0600); the public
//! half goes into `<dir>/trust.json`, the file auditors carry. The kid is the
//! first 8 bytes of the RFC 9679 COSE key thumbprint, so any COSE tool can
//! recompute it from the public key alone.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A key id: the first 8 bytes of the key's RFC 9679 thumbprint.
pub type Kid = [u8; 8];

/// RFC 9679 thumbprint input for an OKP Ed25519 key: the deterministic CBOR
/// map {1: 1 (OKP), -1: 6 (Ed25519), -2: x}.
pub fn thumbprint_input(public: &[u8; 32]) -> Vec<u8> {
    let mut v = Vec::with_capacity(41);
    v.extend_from_slice(&[0xa3, 0x01, 0x01, 0x20, 0x06, 0x21, 0x58, 0x20]);
    v.extend_from_slice(public);
    v
}

/// The kid of an Ed25519 public key.
pub fn kid_of(public: &[u8; 32]) -> Kid {
    let digest = Sha256::digest(thumbprint_input(public));
    let mut kid = [0u8; 8];
    kid.copy_from_slice(&digest[..8]);
    kid
}

/// A key's standing in the trust list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// Signs today's documents.
    Active,
    /// No longer signs; what it signed in its window stays genuine.
    Retired,
    /// Compromised: documents it signed from `revoked_from` on are REVOKED.
    Revoked,
}

/// One trust-list entry (`README.md` here, §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustEntry {
    /// Key id, 16 hex characters.
    pub kid: String,
    /// Regency code of the office the key signs for.
    pub issuer: String,
    /// `EdDSA`.
    pub alg: String,
    /// Ed25519 public key, 64 hex characters.
    pub public_key: String,
    /// Start of the signing window, RFC 3339.
    pub not_before: String,
    /// End of the signing window (exclusive), if any.
    pub not_after: Option<String>,
    /// Its standing.
    pub status: KeyStatus,
    /// For a revoked key: from when its signatures are not trusted.
    pub revoked_from: Option<String>,
}

/// A trust entry whose fields have been checked and decoded.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// Key id.
    pub kid: Kid,
    /// Regency code it signs for.
    pub issuer: String,
    /// The public key.
    pub key: VerifyingKey,
    /// Signing window start, epoch seconds.
    pub not_before: i64,
    /// Signing window end (exclusive), epoch seconds.
    pub not_after: Option<i64>,
    /// Its standing.
    pub status: KeyStatus,
    /// Revoked from, epoch seconds.
    pub revoked_from: Option<i64>,
}

/// `trust.json`: the keys an auditor trusts (engine/dk1/README.md, §5).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustList {
    /// One entry per key.
    pub keys: Vec<TrustEntry>,
}

fn parse_time(path: &Path, field: &str, s: &str) -> Result<i64> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .map_err(|e| Error::config(path, format!("field `{field}`: {s:?} is not an RFC 3339 time ({e})")))
}

/// An epoch time as RFC 3339 UTC (`2026-11-23T00:00:00Z`).
pub fn rfc3339(epoch: i64) -> String {
    DateTime::<Utc>::from_timestamp(epoch, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| epoch.to_string())
}

impl TrustList {
    /// Load and check every entry of a trust list file.
    pub fn load(path: &Path) -> Result<TrustList> {
        let bytes = crate::util::fs::read_limited(path, 16 << 20)?;
        Self::parse(&bytes, path)
    }

    /// Parse and check a trust list (`path` names it in errors).
    pub fn parse(bytes: &[u8], path: &Path) -> Result<TrustList> {
        if bytes.len() > 16 << 20 {
            return Err(Error::config(path, "trust list larger than 16 MiB"));
        }
        let list: TrustList =
            serde_json::from_slice(bytes).map_err(|e| Error::config(path, format!("not a trust list: {e}")))?;
        // Check every entry up front so a bad entry is named, not skipped.
        for (i, _) in list.keys.iter().enumerate() {
            list.decode(i, path)?;
        }
        Ok(list)
    }

    fn decode(&self, i: usize, path: &Path) -> Result<TrustedKey> {
        let e = &self.keys[i];
        let field = |f: &str| format!("keys[{i}].{f}");
        let bad = |f: &str, m: String| Error::config(path, format!("field `{}`: {m}", field(f)));
        if e.alg != "EdDSA" {
            return Err(bad("alg", format!("{:?} is not supported (only EdDSA)", e.alg)));
        }
        let pk: [u8; 32] = hex::decode(&e.public_key)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| bad("public_key", "must be 64 hex characters".into()))?;
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad("public_key", "not an Ed25519 point".into()))?;
        let kid: Kid = hex::decode(&e.kid)
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| bad("kid", "must be 16 hex characters".into()))?;
        if kid != kid_of(&pk) {
            return Err(bad("kid", format!("{} is not the thumbprint of public_key", e.kid)));
        }
        if e.issuer.len() != 4 || !e.issuer.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("issuer", format!("{:?} is not a 4-digit regency code", e.issuer)));
        }
        let not_before = parse_time(path, &field("not_before"), &e.not_before)?;
        let not_after = e.not_after.as_deref().map(|s| parse_time(path, &field("not_after"), s)).transpose()?;
        let revoked_from =
            e.revoked_from.as_deref().map(|s| parse_time(path, &field("revoked_from"), s)).transpose()?;
        if e.status == KeyStatus::Revoked && revoked_from.is_none() {
            return Err(bad("revoked_from", "a revoked key needs the time it is revoked from".into()));
        }
        Ok(TrustedKey { kid, issuer: e.issuer.clone(), key, not_before, not_after, status: e.status, revoked_from })
    }

    /// Check every entry; the first bad one is named (`keys[2].public_key: ...`).
    pub fn check(&self) -> std::result::Result<(), String> {
        for i in 0..self.keys.len() {
            self.decode(i, Path::new("")).map_err(|e| match e {
                Error::Config { message, .. } => message,
                other => other.to_string(),
            })?;
        }
        Ok(())
    }

    /// All decoded keys (entries were checked on load).
    pub fn trusted(&self) -> Vec<TrustedKey> {
        (0..self.keys.len()).filter_map(|i| self.decode(i, Path::new("")).ok()).collect()
    }

    /// The key with this kid. Only that entry is decoded: verifying a run
    /// looks a key up once per document.
    pub fn find(&self, kid: &Kid) -> Option<TrustedKey> {
        let kid_hex = hex::encode(kid);
        let i = self.keys.iter().position(|e| e.kid.eq_ignore_ascii_case(&kid_hex))?;
        self.decode(i, Path::new("")).ok()
    }

    /// Write the list atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| Error::config(path, e.to_string()))?;
        text.push('\n');
        crate::util::fs::write_atomic(path, text.as_bytes())
    }
}

/// What `keys generate` made.
#[derive(Debug)]
pub struct Generated {
    /// The new key's id.
    pub kid: Kid,
    /// Its private key file (mode 0600).
    pub key_file: PathBuf,
    /// The trust list it was added to.
    pub trust_file: PathBuf,
}

/// Create a key for `issuer` from `seed` in `dir`, valid from `not_before`.
/// The seed comes from the caller (the CLI draws it from the OS) so that this
/// function stays deterministic and testable.
pub fn generate(dir: &Path, issuer: &str, seed: &[u8; 32], not_before: i64) -> Result<Generated> {
    generate_until(dir, issuer, seed, not_before, None)
}

/// [`generate`], its signing window closing at `not_after` when given (the
/// PDF key's certificate then lasts as long: a district whose policy
/// wants certificates of a year or two, as a PSrE's are).
pub fn generate_until(dir: &Path, issuer: &str, seed: &[u8; 32], not_before: i64, not_after: Option<i64>) -> Result<Generated> {
    if not_after.is_some_and(|na| na <= not_before) {
        return Err(Error::Usage("--not-after must come after --not-before".into()));
    }
    if crate::kind::refdata::reference().regency_name(issuer).is_none() {
        return Err(Error::Usage(format!("--issuer {issuer:?} is not a regency code (e.g. 3506)")));
    }
    make_private_dir(dir)?;
    check_keys_dir(dir)?;
    let signing = SigningKey::from_bytes(seed);
    let public = signing.verifying_key().to_bytes();
    let kid = kid_of(&public);
    let key_file = dir.join(format!("{}.key", hex::encode(kid)));
    let trust_file = dir.join("trust.json");
    let mut list = if trust_file.exists() { TrustList::load(&trust_file)? } else { TrustList::default() };
    if list.keys.iter().any(|k| k.kid == hex::encode(kid)) {
        return Err(Error::Usage(format!("key {} is already in {}", hex::encode(kid), trust_file.display())));
    }
    // One district per keys folder: its root signs the folder's list, and
    // `trust sign` refuses a list of several (a key made here for another
    // regency, after a wrong --region, would stop the district's own list).
    if let Some(other) = list.keys.iter().find(|k| k.issuer != issuer) {
        return Err(Error::Usage(format!(
            "{} holds keys of regency {}: a keys folder serves one district, whose root signs its list. \
             Keys of {issuer} belong in a folder of their own (--dir); if an issue run said it found no key of {issuer}, check its region instead",
            trust_file.display(),
            other.issuer
        )));
    }
    write_secret_file(&key_file, &Zeroizing::new(format!("{}\n", hex::encode(seed))))?;
    list.keys.push(TrustEntry {
        kid: hex::encode(kid),
        issuer: issuer.to_string(),
        alg: "EdDSA".into(),
        public_key: hex::encode(public),
        not_before: rfc3339(not_before),
        not_after: not_after.map(rfc3339),
        status: KeyStatus::Active,
        revoked_from: None,
    });
    list.save(&trust_file)?;
    Ok(Generated { kid, key_file, trust_file })
}

/// Retire or revoke a key of the keys folder's list: a retired key signs no
/// more from `at` on (its window closes there; what it signed before stays
/// genuine); a revoked key's signatures from `at` on are REVOKED. Sign the
/// list again (`terbit trust sign`) for verifiers to learn of it.
pub fn set_status(dir: &Path, kid: &str, status: KeyStatus, at: i64) -> Result<TrustEntry> {
    check_keys_dir(dir)?;
    let trust_file = dir.join("trust.json");
    let mut list = TrustList::load(&trust_file)?;
    let Some(e) = list.keys.iter_mut().find(|e| e.kid.eq_ignore_ascii_case(kid)) else {
        return Err(Error::Usage(format!("no key {kid:?} in {}", trust_file.display())));
    };
    match status {
        KeyStatus::Retired => {
            if e.status == KeyStatus::Revoked {
                return Err(Error::Usage(format!("key {kid} is revoked; a revoked key is not retired")));
            }
            let closes = rfc3339(at);
            let earlier = e.not_after.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).is_some_and(|t| t.timestamp() <= at);
            if !earlier {
                e.not_after = Some(closes);
            }
            e.status = KeyStatus::Retired;
        }
        KeyStatus::Revoked => {
            e.status = KeyStatus::Revoked;
            e.revoked_from = Some(rfc3339(at));
        }
        KeyStatus::Active => return Err(Error::Usage("a key is made active by `keys generate`".into())),
    }
    let entry = e.clone();
    list.save(&trust_file)?;
    Ok(entry)
}

/// Refuse a keys folder another user controls: the folder (a link to it
/// is followed) must belong to this user or root and be writable by
/// neither its group nor others, and its `trust.json` and `*.key` files
/// must be regular files (not links) of this user or root that neither
/// group nor others may write. Whoever can put a key and a trust list
/// there makes the job sign with their key, and `trust sign` certify it.
/// A folder not there yet is left to the caller (made, or not found).
pub fn check_keys_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = fs::metadata(dir) else { return Ok(()) };
    if !meta.is_dir() {
        return Err(Error::config(dir, "the keys folder is not a folder"));
    }
    crate::util::fs::check_trusted(dir, "keys folder", meta.uid(), meta.mode())?;
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name != "trust.json" && !name.ends_with(".key") {
            continue;
        }
        let path = entry.path();
        let m = fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
        if !m.is_file() {
            return Err(crate::util::fs::not_regular(&path, "key or trust list", m.file_type()));
        }
        crate::util::fs::check_trusted(&path, "file of the keys folder", m.uid(), m.mode())?;
    }
    Ok(())
}

/// Make `dir` (and missing parents) for secrets: new folders get mode
/// 0700 whatever the umask; an existing one must not be writable by its
/// group or others (see [`write_secret_file`]).
pub fn make_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if fs::symlink_metadata(dir).is_err() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::util::fs::refuse_world_writable(dir)
}

/// Write a secret to a new file only its owner can read (mode 0600), in
/// a folder only its owner may write: in a folder others may write in
/// (mode 0777, or 1777 like /tmp), they could have put a link or a FIFO
/// under the name, or move the key away and put theirs in its place.
pub fn write_secret_file(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    crate::util::fs::refuse_world_writable(dir)?;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let mut f = opts.open(path).map_err(|e| Error::io(path, e))?;
    f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| Error::io(path, e))
}

/// A signing key ready for a run: the secret, its kid and issuer.
pub struct Signer {
    /// The private key.
    pub key: SigningKey,
    /// Its kid.
    pub kid: Kid,
    /// The regency it signs for.
    pub issuer: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "Signer {{ kid: {}, issuer: {} }}", hex::encode(self.kid), self.issuer)
    }
}

/// Read a key file: 64 hex characters (the seed), refusing files that other
/// users can read.
pub fn read_key_file(path: &Path) -> Result<SigningKey> {
    refuse_readable_by_others(path)?;
    let bytes = Zeroizing::new(crate::util::fs::read_limited(path, 4096)?);
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::config(path, "a key file holds one line of 64 hex characters"))?;
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), &mut seed[..])
        .map_err(|_| Error::config(path, "a key file holds one line of 64 hex characters"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Refuse a private key file that group or others can read.
pub fn refuse_readable_by_others(path: &Path) -> Result<()> {
    refuse_secret_readable_by_others(path, "private key")
}

/// Refuse a secret file (`what`: "private key", "password file") that its
/// group or others can read, or — what amounts to the same — write.
pub fn refuse_secret_readable_by_others(path: &Path, what: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(Error::config(
                path,
                format!("{what} is readable by group or others (mode {:o}); run: chmod 600 {}",
                    meta.permissions().mode() & 0o777, path.display()),
            ));
        }
    }
    Ok(())
}

/// Whether `k` may sign for `issuer` at `at`: active, in its window.
fn signs_for(k: &TrustedKey, issuer: &str, at: i64) -> bool {
    k.issuer == issuer && k.status == KeyStatus::Active && k.not_before <= at && k.not_after.is_none_or(|na| at < na)
}

/// Parse a secret seed given as text (64 hex characters), e.g. from the
/// `TERBIT_SIGNING_KEY` environment variable of a scheduler. `source` names
/// where it came from in errors; the text itself never appears in one.
pub fn parse_seed(text: &str, source: &str) -> Result<Zeroizing<[u8; 32]>> {
    let mut seed = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), &mut seed[..])
        .map_err(|_| Error::Usage(format!("{source}: a signing key is 64 hex characters (the seed); this value is not")))?;
    Ok(seed)
}

/// The signing key for `issuer` at `at` given as a seed (not read from the
/// keys directory): its public key must be in `dir`'s trust list as an
/// active key of `issuer` valid at `at`.
pub fn signer_from_seed(dir: &Path, issuer: &str, at: i64, seed: &[u8; 32], source: &str) -> Result<Signer> {
    check_keys_dir(dir)?;
    let trust_file = dir.join("trust.json");
    let list = TrustList::load(&trust_file)?;
    let key = SigningKey::from_bytes(seed);
    let kid = kid_of(&key.verifying_key().to_bytes());
    let entry = list.trusted().into_iter().find(|k| k.kid == kid).ok_or_else(|| {
        Error::NoKey(format!("the key in {source} (kid {}) is not in {}", hex::encode(kid), trust_file.display()))
    })?;
    if !signs_for(&entry, issuer, at) {
        // Which of the three it is: another regency's key, one retired or
        // revoked, or a date outside its window (each cured otherwise).
        let why = if entry.issuer != issuer {
            format!("it is a key of regency {}, not of {issuer} (is the region right?)", entry.issuer)
        } else if entry.status != KeyStatus::Active {
            format!("it is {:?}", entry.status).to_lowercase()
        } else {
            format!("it {}: give --issued-on a date inside that window, or hand over a key whose window holds it", window_words(&entry))
        };
        return Err(Error::NoKey(format!(
            "the key in {source} (kid {}) may not sign for issuer {issuer} at {} ({}): {why}",
            hex::encode(kid),
            crate::kind::words::local_and_utc(at, issuer),
            trust_file.display()
        )));
    }
    Ok(Signer { key, kid, issuer: issuer.to_string() })
}

/// Pick the signing key for `issuer` at time `at` from a keys directory:
/// an active trust entry whose window covers `at` and whose key file is
/// present; the newest such key wins.
pub fn signer_for(dir: &Path, issuer: &str, at: i64) -> Result<Signer> {
    check_keys_dir(dir)?;
    let trust_file = dir.join("trust.json");
    let list = TrustList::load(&trust_file)?;
    let mut candidates: Vec<TrustedKey> = list
        .trusted()
        .into_iter()
        .filter(|k| signs_for(k, issuer, at))
        .filter(|k| dir.join(format!("{}.key", hex::encode(k.kid))).exists())
        .collect();
    candidates.sort_by_key(|k| (k.not_before, k.kid));
    let chosen = candidates.pop().ok_or_else(|| no_signer(&list, dir, issuer, at))?;
    let key_file = dir.join(format!("{}.key", hex::encode(chosen.kid)));
    let key = read_key_file(&key_file)?;
    if key.verifying_key() != chosen.key {
        return Err(Error::config(&key_file, "this private key does not match its trust.json public key"));
    }
    Ok(Signer { key, kid: chosen.kid, issuer: issuer.to_string() })
}

/// A key's signing window in words: "signs from 2026-12-06T00:00:00Z,
/// with no end date" or "signs from … until …".
fn window_words(k: &TrustedKey) -> String {
    match k.not_after {
        Some(na) => format!("signs from {} until {}", rfc3339(k.not_before), rfc3339(na)),
        None => format!("signs from {}, with no end date", rfc3339(k.not_before)),
    }
}

/// Why no key of `dir` may sign for `issuer` at `at`, and the cure that
/// fits: a new key only when the folder has none that could (a wrong
/// region, a missing key file or an issue date outside a key's window
/// are cured otherwise, and a key made for them does harm).
fn no_signer(list: &TrustList, dir: &Path, issuer: &str, at: i64) -> Error {
    let trust_file = dir.join("trust.json");
    let all = list.trusted();
    let mine: Vec<&TrustedKey> = all.iter().filter(|k| k.issuer == issuer).collect();
    let generate = format!("`terbit keys generate --issuer {issuer} --dir {}`, then have the district root sign the list (`terbit trust sign`)", dir.display());
    if mine.is_empty() {
        let mut others: Vec<&str> = all.iter().map(|k| k.issuer.as_str()).collect();
        others.sort();
        others.dedup();
        if others.is_empty() {
            return Error::NoKey(format!("{} lists no key: make one with {generate}", trust_file.display()));
        }
        return Error::NoKey(format!(
            "{} holds keys of regency {} only, none of {issuer}, the regency of the region being issued for: is the keys folder \
             the district's (--keys, or `keys` in terbit.toml), and the region right (--region, or `region` in terbit.toml)? \
             A keys folder serves its own district",
            trust_file.display(),
            others.join(", ")
        ));
    }
    let window = |k: &TrustedKey| format!("key {} {}", hex::encode(k.kid), window_words(k));
    // The issue time as the office reads it (the issue date and the hour
    // in the region's zone) beside the exact instant the window is in.
    let when = crate::kind::words::local_and_utc(at, issuer);
    let active: Vec<&&TrustedKey> = mine.iter().filter(|k| k.status == KeyStatus::Active).collect();
    if let Some(k) = active.iter().find(|k| signs_for(k, issuer, at)) {
        let file = dir.join(format!("{}.key", hex::encode(k.kid)));
        let file = std::path::absolute(&file).unwrap_or(file);
        return Error::NoKey(format!(
            "key {} of issuer {issuer} may sign the documents' issue time, {when}, which its window holds, but its private key file {} is missing: \
             restore it from the backup (mode 0600), or hand the key to the job (TERBIT_SIGNING_KEY or the credential terbit-signing-key)",
            hex::encode(k.kid),
            file.display()
        ));
    }
    if active.is_empty() {
        return Error::NoKey(format!("every key of issuer {issuer} in {} is retired or revoked: make a new one with {generate}", trust_file.display()));
    }
    let windows: Vec<String> = active.iter().map(|k| window(k)).collect();
    let before = active.iter().all(|k| at < k.not_before);
    let cure = if before {
        "The issue date is before the key's window opens: give --issued-on a date inside the window, or use a key whose window holds the issue date".to_string()
    } else {
        format!("Give --issued-on a date inside a key's window, or use a key whose window holds the issue date (a new key: {generate})")
    };
    Error::NoKey(format!(
        "no key of issuer {issuer} in {} may sign at the documents' issue time, {when}: {}. {cure}",
        trust_file.display(),
        windows.join("; ")
    ))
}

/// The file in a keys folder naming the register that issues with it.
pub const BINDING_FILE: &str = "register-binding.json";

/// The register a district's keys folder issues with: its canonical
/// absolute path and the identity stored inside it. One keys folder,
/// one register: a second register would give the same numbers again,
/// each document genuine at verify. `terbit issue` writes it (only when
/// absent or different) and refuses a register that is not this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterBinding {
    /// The register's canonical absolute path, when it was last used.
    pub register: PathBuf,
    /// The identity inside the register (its `meta` table).
    pub register_id: String,
}

impl RegisterBinding {
    /// The binding recorded in `dir`, if any; a file that does not read is
    /// an error naming it (never taken as "no binding").
    pub fn load(dir: &Path) -> Result<Option<RegisterBinding>> {
        let path = dir.join(BINDING_FILE);
        let bytes = match crate::util::fs::read_limited(&path, 64 << 10) {
            Ok(b) => b,
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| Error::config(&path, format!("not a register binding: {e}")))
    }

    /// Record this binding in `dir` (atomically), unless it is there already.
    /// Returns whether the file was written.
    pub fn save(&self, dir: &Path) -> Result<bool> {
        if RegisterBinding::load(dir).ok().flatten().as_ref() == Some(self) {
            return Ok(false);
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| Error::config(dir.join(BINDING_FILE), e.to_string()))?;
        text.push('\n');
        crate::util::fs::write_atomic(&dir.join(BINDING_FILE), text.as_bytes())?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kid_matches_known_answer_vector() {
        let pk: [u8; 32] =
            hex::decode("9b0d3e2e540c521d18052d3ff0b7c0d7bb9fe30b192994823db06566a1e2339e").unwrap().try_into().unwrap();
        assert_eq!(
            hex::encode(thumbprint_input(&pk)),
            "a3010120062158209b0d3e2e540c521d18052d3ff0b7c0d7bb9fe30b192994823db06566a1e2339e"
        );
        assert_eq!(hex::encode(kid_of(&pk)), "fb995a816e6f7d65");
    }

    #[test]
    fn no_key_says_the_window_and_the_issue_time_in_the_regions_words() {
        let dir = tempfile::tempdir().unwrap();
        // A key whose window opens 2026-12-06T00:00:00Z.
        let g = generate(dir.path(), "3506", &[7u8; 32], 1_796_515_200).unwrap();
        let e = signer_for(dir.path(), "3506", 1_796_515_200 - 86_400).unwrap_err().to_string();
        assert!(e.contains("signs from 2026-12-06T00:00:00Z, with no end date. The issue date is before the key's window opens"), "{e}");
        assert!(e.contains("the documents' issue time, 5 Desember 2026, 07.00 WIB (2026-12-05T00:00:00Z)"), "{e}");
        std::fs::remove_file(&g.key_file).unwrap();
        let e = signer_for(dir.path(), "3506", 1_796_583_600 + 3 * 86_400).unwrap_err().to_string();
        assert!(e.contains("may sign the documents' issue time, 10 Desember 2026, 02.00 WIB (2026-12-09T19:00:00Z), which its window holds, but"), "{e}");
        assert!(e.contains("private key file") && e.contains("is missing"), "{e}");
    }

    #[test]
    fn generate_then_sign_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let g = generate(dir.path(), "3506", &[7u8; 32], 1_700_000_000).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&g.key_file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let s = signer_for(dir.path(), "3506", 1_700_000_001).unwrap();
        // The same key given as a seed (a scheduler's environment variable).
        let seed = parse_seed(&"07".repeat(32), "TERBIT_SIGNING_KEY").unwrap();
        let from_env = signer_from_seed(dir.path(), "3506", 1_700_000_001, &seed, "TERBIT_SIGNING_KEY").unwrap();
        assert_eq!(from_env.kid, s.kid);
        let e = signer_from_seed(dir.path(), "3527", 1_700_000_001, &seed, "TERBIT_SIGNING_KEY").unwrap_err().to_string();
        assert!(e.contains("a key of regency 3506, not of 3527"), "{e}");
        let e = signer_from_seed(dir.path(), "3506", 1_600_000_000, &seed, "TERBIT_SIGNING_KEY").unwrap_err().to_string();
        assert!(e.contains("signs from 2023-11-14T22:13:20Z, with no end date") && e.contains("--issued-on") && !e.contains("no end:"), "{e}");
        // The issue time in the issuer's zone and words beside the instant.
        assert!(e.contains("at 13 September 2020, 19.26 WIB (2020-09-13T12:26:40Z)"), "{e}");
        let other = signer_from_seed(dir.path(), "3506", 1_700_000_001, &[9u8; 32], "TERBIT_SIGNING_KEY").unwrap_err();
        assert!(other.to_string().contains("not in"), "{other}");
        let bad = parse_seed("zz", "TERBIT_SIGNING_KEY").unwrap_err().to_string();
        assert!(bad.contains("64 hex") && !bad.contains("zz"), "{bad}");
        assert_eq!(s.kid, g.kid);
        assert!(!format!("{s:?}").contains(&hex::encode([7u8; 32])));
        // A key of another regency is not added to this district's folder.
        let e = generate(dir.path(), "3527", &[8u8; 32], 1_700_000_000).unwrap_err().to_string();
        assert!(e.contains("holds keys of regency 3506") && e.contains("one district"), "{e}");
        // Before its window, and for another issuer, there is no key.
        assert!(signer_for(dir.path(), "3506", 1_699_999_999).is_err());
        assert!(signer_for(dir.path(), "3527", 1_700_000_001).is_err());
        // A second key for the same issuer is appended, not overwritten.
        generate(dir.path(), "3506", &[8u8; 32], 1_700_000_100).unwrap();
        assert_eq!(TrustList::load(&g.trust_file).unwrap().keys.len(), 2);
    }

    #[test]
    fn world_readable_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let g = generate(dir.path(), "3506", &[9u8; 32], 0).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&g.key_file, fs::Permissions::from_mode(0o644)).unwrap();
            let e = read_key_file(&g.key_file).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{e}");
        }
    }

    #[test]
    fn malformed_trust_lists_are_named_errors() {
        for bad in [&b"{"[..], b"{\"keys\": [{}]}", b"\x00\xff", b"{\"keys\":[{\"kid\":\"00\",\"issuer\":\"3506\",\"alg\":\"EdDSA\",\"public_key\":\"zz\",\"not_before\":\"x\",\"not_after\":null,\"status\":\"active\",\"revoked_from\":null}]}"] {
            let e = TrustList::parse(bad, Path::new("t.json")).unwrap_err().to_string();
            assert!(e.starts_with("t.json"), "{e}");
        }
    }

    #[test]
    fn secrets_are_not_written_into_folders_others_may_write_in() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let open = d.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o1777)).unwrap();
        let e = write_secret_file(&open.join("k.key"), "secret").unwrap_err().to_string();
        assert!(e.contains("1777") && e.contains("open"), "{e}");
        assert!(!open.join("k.key").exists());
        assert!(generate(&open, "3506", &[5u8; 32], 0).is_err());
        // A new keys folder is its owner's alone, whatever the umask.
        let g = generate(&d.path().join("new/keys"), "3506", &[5u8; 32], 0).unwrap();
        assert_eq!(fs::metadata(d.path().join("new/keys")).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(read_key_file(&g.key_file).is_ok());
    }
}
