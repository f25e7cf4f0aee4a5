//! `terbit root init`, `terbit trust sign|bundle|show`: the district's root
//! of trust and the signed lists verifiers carry (engine/dk1/README.md,
//! §8–§10). Every check is the library's; this file picks file names,
//! reads the clock and the OS random source, and prints.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use terbit::trust::bundle::Bundle;
use terbit::trust::list::SignedTrustList;
use terbit::trust::publish::{self, Note};
use terbit::trust::root::{self, show_fingerprint, Fingerprint, RootKey};

/// `terbit root init`: a new root key and self-signed certificate.
pub(crate) fn root_init(district: &str, dir: &Path, not_before: i64, years: u32) -> Result<()> {
    let Some(name) = terbit::kind::refdata::reference().regency_name(district) else {
        bail!("--district {district:?} is not a regency code (e.g. 3506)");
    };
    let key_path = dir.join(format!("root-{district}.key"));
    let cert_path = dir.join(format!("root-{district}.crt"));
    for p in [&key_path, &cert_path] {
        if std::fs::symlink_metadata(p).is_ok() {
            bail!("{} already exists: a district has one root (move it away to replace it, and publish the new fingerprint)", p.display());
        }
    }
    // A value at or above the curve order (about 2^-32 of draws) is drawn
    // again; any other error (a validity out of range) is the answer.
    let mut tries = 0;
    let made = loop {
        let mut secret = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut secret[..]).map_err(|e| anyhow::anyhow!("OS random source: {e}"))?;
        tries += 1;
        match root::generate(district, name, &secret, not_before, years) {
            Ok(r) => break r,
            Err(e) if tries >= 4 || !e.to_string().contains("not a P-256 scalar") => return Err(e.into()),
            Err(_) => {}
        }
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    terbit::dk1::keys::write_secret_file(&key_path, &made.key_pem)?;
    // The root's count of lists signed starts here: a missing count later
    // means it was lost, never "start again at no. 1".
    terbit::util::fs::write_atomic(&publish::sequence_file(&key_path), b"0\n")?;
    terbit::util::fs::write_atomic(&cert_path, made.cert_pem.as_bytes())?;
    println!("district root for {district} ({name})");
    println!("  private key: {} (keep it offline; mode 0600)", key_path.display());
    println!("  certificate: {}", cert_path.display());
    println!("  fingerprint (SHA-256): {}", show_fingerprint(&made.fingerprint));
    println!("Publish this fingerprint (website, letterhead, notice board): verifiers pin it.");
    Ok(())
}

/// `terbit trust sign`: sign the keys folder's trust list with the root
/// (the rules: [`terbit::trust::publish::sign_list`]).
pub(crate) fn trust_sign(keys: &Path, root_key: &Path, root_cert: &Path, valid_days: u32, out: Option<PathBuf>, now: i64, external_tsa: &[PathBuf]) -> Result<()> {
    let root = RootKey::load(root_key, root_cert)?;
    let signed = publish::sign_list(keys, &root, root_key, root_cert, valid_days, out, now, external_tsa)?;
    print_notes(&signed.notes);
    let (district, out) = (&signed.district, &signed.path);
    println!("trust list of district {district}, no. {}, {} key(s), signed by root {}", signed.list.sequence, signed.list.keys.len(), show_fingerprint(&root.cert.fingerprint));
    println!("  {} (next update promised by {})", out.display(), terbit::kind::words::local_and_utc(signed.next_update, district));
    println!("Put it in verifiers' bundles: terbit trust bundle --list {} --pin '{district}={}' --out trust-bundle.json", out.display(), show_fingerprint(&root.cert.fingerprint));
    Ok(())
}

/// What signing or bundling did on the way, as the operator reads it.
fn print_notes(notes: &[Note]) {
    for n in notes {
        match n {
            Note::EarlierCertificateKept { kid, root, kept } => {
                println!("  PDF key {}: its certificate from the earlier root {} kept as {}", hex::encode(kid), show_fingerprint(root), kept.display())
            }
            Note::Certified { kid, cert } => println!("  certified PDF key {} → {}", hex::encode(kid), cert.display()),
            Note::TsaCertified { cert } => println!("  certified the district time-stamp authority → {}", cert.display()),
            Note::TsaCertificateRefused { kept, why } => {
                let kept = terbit::util::show::clip_shown(&kept.display().to_string(), 300);
                match why {
                    terbit::trust::tsa::SetAside::EarlierRoot => println!("  the time-stamp authority's certificate from the earlier root, set aside as {kept}: this root certifies the same key"),
                    terbit::trust::tsa::SetAside::KeyChanged => println!(
                        "  WARNING: the keys folder's time-stamp key is not the one this root certified before (that certificate set aside as {kept}): if no one here made a new key, someone who can write to the keys folder replaced it"
                    ),
                    terbit::trust::tsa::SetAside::Foreign => println!(
                        "  WARNING: a time-stamp certificate in the keys folder was not issued by this root for the folder's time-stamp key: NOT listed, set aside as {kept} (who put it there?)"
                    ),
                }
            }
            Note::TsaKeyChanged => println!(
                "  WARNING: the time-stamp key just certified is not the one the last list named: if no one here made a new one (`terbit keys tsa`), someone who can write to the keys folder replaced it — its stamps would be trusted"
            ),
            Note::ExternalTsaListed { subject, sha256, kept } => {
                println!("  listed the external time-stamp authority {subject} (SHA-256 {sha256}; kept as {}): its tokens prove when documents were signed", terbit::util::show::clip_shown(&kept.display().to_string(), 300))
            }
            Note::CrlWritten { path, revoked } => println!("  the root's certificate revocation list ({revoked} revoked) → {}", path.display()),
            Note::OcspWritten { path } => println!("  the root's OCSP answer for the time-stamp authority (good until the next update) → {}", path.display()),
            Note::RootReplaced { district, root } => println!("district {district}: root replaced by {} (--new-root)", show_fingerprint(root)),
            Note::DistrictPut { district, sequence, keys, revocation_lists, root } => {
                println!("district {district}: list no. {sequence}, {keys} key(s), {revocation_lists} revocation list(s), root {}", show_fingerprint(root))
            }
        }
    }
}

/// `terbit trust bundle`: join signed lists (each against its pin) and
/// their revocation lists into one bundle, refusing rollback (the rules:
/// [`terbit::trust::publish::assemble_bundle`]).
pub(crate) fn trust_bundle(lists: &[PathBuf], pins: &[String], revocations: &[PathBuf], new_roots: &[String], out: &Path) -> Result<()> {
    let pins = publish::parse_pins(pins)?;
    let (bundle, notes) = publish::assemble_bundle(lists, &pins, revocations, new_roots, out)?;
    print_notes(&notes);
    println!("{} ({} district(s))", out.display(), bundle.districts.len());
    Ok(())
}

/// `terbit trust show`: what a trust file holds, for comparing
/// fingerprints with the ones districts publish.
pub(crate) fn trust_show(path: &Path, now: i64) -> Result<()> {
    let store = terbit::trust::store::TrustStore::load(&terbit::trust::store::TrustSource { path: path.to_path_buf(), now, ..Default::default() })
        .or_else(|e| {
            // A single list shows its own root as the pin to compare.
            let bytes = terbit::util::fs::read_limited(path, terbit::trust::list::MAX_LIST as u64)?;
            let list = SignedTrustList::parse(&bytes).map_err(|_| e)?;
            let der = root::base64_decode(&list.root_certificate).context("root_certificate is not Base64")?;
            terbit::trust::store::TrustStore::load(&terbit::trust::store::TrustSource { path: path.to_path_buf(), pins: vec![root::Pin::any(root::fingerprint(&der))], now, ..Default::default() })
                .map_err(anyhow::Error::from)
        })?;
    for d in &store.districts {
        let name = terbit::kind::refdata::reference().regency_name(&d.district).unwrap_or("?");
        println!("district {} ({name}): list no. {}, signed {}, next update {}{}", d.district, d.sequence, d.issued_at, d.next_update, if d.stale { " — STALE" } else { "" });
        let fp: Fingerprint = hex::decode(&d.root_fingerprint).ok().and_then(|v| v.try_into().ok()).unwrap_or([0; 32]);
        println!("  root fingerprint: {}", show_fingerprint(&fp));
        match &d.revocations {
            Some(r) => println!("  revocation list no. {}, signed {}, next update {}{}", r.sequence, r.updated_at, r.next_update, if d.revocations_stale { " — STALE" } else { "" }),
            None => println!("  no revocation list"),
        }
    }
    println!("{} key(s), {} revoked or superseded document(s)", store.list.keys.len(), store.revocations.len());
    println!("Compare each fingerprint with the one the district publishes before relying on this file.");
    Ok(())
}

/// `terbit verifier`: the offline page for clerks, embedding a bundle that
/// verifies (never written for one that does not).
pub(crate) fn verifier(bundle_path: &Path, out: &Path, now: i64) -> Result<()> {
    let bytes = terbit::util::fs::read_limited(bundle_path, terbit::trust::bundle::MAX_BUNDLE as u64)?;
    let bundle = Bundle::parse(&bytes).with_context(|| format!("{}: give a bundle made by `terbit trust bundle`", bundle_path.display()))?;
    let html = terbit::clerk_page::page(&bundle, now).with_context(|| format!("{}: no page is written for trust data that does not verify", bundle_path.display()))?;
    terbit::util::fs::write_atomic(out, html.as_bytes())?;
    println!("verifier page: {} ({} KiB, {} district(s)); it works offline, from a file or any web server", out.display(), html.len() / 1024, bundle.districts.len());
    for d in &bundle.districts {
        let fp: Fingerprint = root::parse_fingerprint(&d.root_fingerprint).unwrap_or([0; 32]);
        println!("  district {}: list no. {}, root {}", d.district, d.trust.sequence, show_fingerprint(&fp));
    }
    Ok(())
}
