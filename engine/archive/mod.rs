//! The yearly archive renewal (`terbit archive renew RUN_DIR...`, PAdES
//! B-LTA; engine/dk1/README.md §14): every sealed file of a run — the
//! documents its manifest lists and the print files its seal names — gets
//! a renewal appended ([`crate::pdf::archive`]): the validation data it
//! lacks, then a document time-stamp over all of it. Run before the
//! certificate of a file's newest stamp ends, it carries the proof that
//! the file existed then on to the new stamp's authority.
//!
//! A file is replaced whole (a new file beside it, synced, renamed over
//! it), so a renewal stopped half-way leaves each file either as it was
//! or renewed; run again, it renews only what has no stamp younger than
//! [`RenewOptions::min_age`]. What the seal covers stays the file's first
//! revision: `verify RUN_DIR` checks that part against the manifest and
//! the renewals after it one by one.

use std::io::Write as _;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::Digest as _;
use rustix::fs::{Mode, OFlags};

mod setup;

pub use setup::options;

use crate::error::{Error, Result};
use crate::pdf::archive::Added;
use crate::pdf::stamp::Stamping;
use crate::util::show::clip_shown;

/// Files stamped in one batch (one batch of signatures for the district
/// authority, [`crate::pdf::remote`]'s concurrent requests for another).
const BATCH: usize = 512;

/// What a renewal needs.
#[derive(Debug)]
pub struct RenewOptions {
    /// Who stamps.
    pub stamping: Stamping,
    /// The district the keys folder serves: only its runs are renewed.
    pub district: String,
    /// The time-stamp authorities its signed list names (their earlier
    /// renewals are judged against them).
    pub authorities: Vec<crate::trust::tsa::TsaCert>,
    /// What each renewal adds to the files' stores (certificates, OCSP answers).
    pub added: Added,
    /// The district root's current CRL and its issue time (epoch seconds):
    /// added to the files whose signing certificate had not ended when it
    /// was issued. After that it says nothing of the signer a validator
    /// can use (a CRL drops expired certificates), and a validator that
    /// finds it takes the signer as checked at its date, after the
    /// certificate ended — pyHanko then fails the signature.
    pub crl: Option<(Vec<u8>, i64)>,
    /// The renewal's time (epoch seconds): files whose last renewal is
    /// younger than `min_age` seconds then are left as they are.
    pub now: i64,
    /// See `now`.
    pub min_age: i64,
}

/// What a renewal did to one run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunRenewal {
    /// The run.
    pub run: PathBuf,
    /// Files renewed.
    pub renewed: usize,
    /// Files whose newest stamp is recent enough: left as they are.
    pub recent: usize,
    /// Files not renewed, and why (a file that is not the one sealed, or
    /// cannot be read or written).
    pub refused: Vec<(String, String)>,
}

/// Renew the run `run`: `Err` when it cannot be opened as a sealed run,
/// or the authority stops answering (what was renewed stays renewed).
pub fn renew_run(run: &Path, opts: &RenewOptions) -> Result<RunRenewal> {
    let shown = || clip_shown(&run.display().to_string(), 200);
    let root = crate::verify::run::open_root(run).map_err(|e| Error::Usage(e.to_string()))?;
    // What the audit says of a folder that is no finished run (the out
    // folder, a stopped night).
    let unfinished = || match crate::verify::run::manifest_and_seal(run) {
        Err(e) => Error::Usage(e.to_string()),
        Ok(_) => Error::Usage(format!("{}: manifest.csv cannot be read", shown())),
    };
    let manifest = crate::verify::run::read_file(&root, "manifest.csv", crate::verify::run::MAX_MANIFEST).map_err(|_| unfinished())?;
    let seal = match crate::verify::run::read_file(&root, "seal.json", 16 << 20) {
        Ok(b) => serde_json::from_slice::<crate::dk1::seal::BatchSeal>(&b).map_err(|e| Error::Usage(format!("{}/seal.json is not a batch seal: {}", shown(), clip_shown(&e.to_string(), 120))))?,
        Err(e) => return Err(Error::Usage(format!("{}/seal.json: {e}: only a sealed run is renewed", shown()))),
    };
    if seal.issuer != opts.district {
        return Err(Error::Usage(format!(
            "{}: the run is district {}'s, the keys folder district {}'s: renew it with its own district's keys folder",
            shown(),
            clip_shown(&seal.issuer, 8),
            opts.district
        )));
    }
    // One renewal of a run at a time: a second would rename files the first is replacing.
    rustix::fs::flock(&root, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        .map_err(|_| Error::Usage(format!("{}: another `terbit archive renew` of this run is under way: let it finish", shown())))?;
    // Each file with the SHA-256 the run sealed: only that file is
    // renewed. The manifest is read a row at a time, its two columns kept
    // (a night's manifest is ~100 MB, mostly QR texts).
    let text = crate::verify::run::manifest_text(&manifest).map_err(Error::Usage)?;
    let mut files: Vec<(String, String)> = Vec::new();
    let mut columns = None;
    crate::verify::run::each_csv_row(text, |_, row| match columns {
        None => columns = Some((row.iter().position(|h| h == "file"), row.iter().position(|h| h == "sha256"))),
        Some((Some(f), Some(h))) => {
            if let (Some(file), Some(sha)) = (row.get(f), row.get(h)) {
                files.push((file.clone(), sha.clone()));
            }
        }
        Some(_) => {}
    })
    .map_err(|(line, m)| Error::Usage(format!("{}/manifest.csv:{line}: {m}", shown())))?;
    if !matches!(columns, Some((Some(_), Some(_)))) {
        return Err(Error::Usage(format!("{}/manifest.csv: not a terbit manifest (no file or sha256 column)", shown())));
    }
    drop(manifest);
    // The print files (a service point's night, ~100 MB each) one at a
    // time, after the documents: each is read and parsed whole.
    let prints: Vec<(String, String)> = seal.print_files.iter().map(|(f, h)| (f.clone(), h.clone())).collect();
    let mut out = RunRenewal { run: run.to_path_buf(), ..Default::default() };
    for chunk in files.chunks(BATCH).chain(prints.chunks(1)) {
        let prepared: Vec<(&String, std::result::Result<Option<Ready>, String>)> =
            chunk.par_iter().map(|(rel, sealed)| (rel, prepare_file(&root, rel, sealed, opts))).collect();
        let mut ready = Vec::new();
        for (rel, p) in prepared {
            match p {
                Ok(Some(p)) => ready.push((rel, p)),
                Ok(None) => out.recent += 1,
                Err(why) => out.refused.push((clip_shown(rel, 200), why)),
            }
        }
        let imprints: Vec<[u8; 32]> = ready.iter().map(|(_, (_, p))| p.imprint).collect();
        let tokens = opts.stamping.tokens_for(&imprints).map_err(|e| Error::TimeStamp(e.0))?;
        let written: Vec<(&String, std::result::Result<(), String>)> = ready
            .into_par_iter()
            .zip(tokens)
            .map(|((rel, (bytes, p)), token)| (rel, p.finish(&token).and_then(|rev| replace(&root, rel, &bytes, &rev))))
            .collect();
        for (rel, w) in written {
            match w {
                Ok(()) => out.renewed += 1,
                Err(why) => out.refused.push((clip_shown(rel, 200), why)),
            }
        }
    }
    Ok(out)
}

/// The file `rel` read and its renewal prepared, or `None` when its newest
/// stamp is recent enough.
type Ready = (Vec<u8>, crate::pdf::archive::Prepared);

fn prepare_file(root: &OwnedFd, rel: &str, sealed_sha256: &str, opts: &RenewOptions) -> std::result::Result<Option<Ready>, String> {
    let bytes = crate::verify::run::read_file(root, rel, crate::verify::MAX_PDF).map_err(|e| e.to_string())?;
    let archive = crate::pdf::archive::read(&bytes)?;
    let sealed = &bytes[..archive.sealed_len];
    if hex::encode(sha2::Sha256::digest(sealed)) != sealed_sha256.to_ascii_lowercase() {
        return Err("it is not the file the run sealed (its SHA-256 differs from the manifest's or the seal's): not renewed (verify the run)".into());
    }
    let crate::verify::signature::pades::FileSignature::Holds { cert, stamp, .. } = crate::verify::signature::pades::check(sealed) else {
        return Err("its signature does not hold as terbit wrote it: not renewed (verify the run)".into());
    };
    // Its renewals so far must hold: one on top of a bad one proves nothing.
    let renewed = crate::verify::signature::archive::judge(&archive, &opts.authorities, &opts.district, stamp.as_ref()).map_err(|why| format!("{why}: not renewed (verify the run)"))?;
    // A file not yet renewed always is: its first document time-stamp
    // should come soon after the night, before its signing certificate
    // ends (a validator takes no proof of time from the signature's own
    // stamp once that stamp's certificate has ended).
    if renewed.last().is_some_and(|r| opts.min_age > 0 && opts.now - r.stamp.at < opts.min_age) {
        return Ok(None);
    }
    let signer_ends = crate::trust::pdfkey::validity(&cert).map_or(i64::MIN, |(_, end)| end);
    let p = match &opts.crl {
        Some((crl, issued)) if *issued < signer_ends => {
            let mut added = opts.added.clone();
            added.crls.push(crl.clone());
            crate::pdf::archive::prepare(&bytes, &added, opts.stamping.max_token())?
        }
        _ => crate::pdf::archive::prepare(&bytes, &opts.added, opts.stamping.max_token())?,
    };
    Ok(Some((bytes, p)))
}

/// Put `old` + `revision` in place of `rel`: a new file beside it
/// (created exclusively, no link followed), synced, then renamed over it.
fn replace(root: &OwnedFd, rel: &str, old: &[u8], revision: &[u8]) -> std::result::Result<(), String> {
    let (held, name) = crate::verify::run::open_parent(root, rel).map_err(|e| e.to_string())?;
    let dir: &OwnedFd = held.as_ref().unwrap_or(root);
    let tmp = format!(".{name}.renewing");
    // One a stopped renewal left.
    let _ = rustix::fs::unlinkat(dir, tmp.as_str(), rustix::fs::AtFlags::empty());
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, tmp.as_str(), flags, Mode::from_raw_mode(0o644)).map_err(|e| format!("cannot write beside it: {}", std::io::Error::from(e)))?;
    let mut f = std::fs::File::from(fd);
    let written = f.write_all(old).and_then(|_| f.write_all(revision)).and_then(|_| f.sync_all());
    if let Err(e) = written {
        let _ = rustix::fs::unlinkat(dir, tmp.as_str(), rustix::fs::AtFlags::empty());
        return Err(format!("cannot write beside it: {e}"));
    }
    rustix::fs::renameat(dir, tmp.as_str(), dir, name).map_err(|e| format!("cannot put the renewed file in place: {}", std::io::Error::from(e)))?;
    rustix::fs::fsync(dir).map_err(|e| format!("cannot sync its folder: {}", std::io::Error::from(e)))?;
    Ok(())
}
