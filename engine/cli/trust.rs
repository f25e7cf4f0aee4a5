//! `terbit root init`, `terbit trust sign|bundle|show`: the district's root
//! of trust and the signed lists verifiers carry (engine/dk1/README.md,
//! §8–§10). Every check is the library's; this file picks file names,
//! reads the clock and the OS random source, and prints.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use terbit::dk1::bundle::Bundle;
use terbit::dk1::keys::TrustList;
use terbit::dk1::revocation::RevocationList;
use terbit::dk1::root::{self, show_fingerprint, Fingerprint, RootKey};
use terbit::dk1::trustlist::SignedTrustList;
use terbit::util::show::shown;

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
    terbit::util::fs::write_atomic(&sequence_file(&key_path), b"0\n")?;
    terbit::util::fs::write_atomic(&cert_path, made.cert_pem.as_bytes())?;
    println!("district root for {district} ({name})");
    println!("  private key: {} (keep it offline; mode 0600)", key_path.display());
    println!("  certificate: {}", cert_path.display());
    println!("  fingerprint (SHA-256): {}", show_fingerprint(&made.fingerprint));
    println!("Publish this fingerprint (website, letterhead, notice board): verifiers pin it.");
    Ok(())
}

/// Where `trust sign` keeps the last sequence number the root signed.
fn sequence_file(root_key: &Path) -> PathBuf {
    let mut s = root_key.as_os_str().to_owned();
    s.push(".sequence");
    PathBuf::from(s)
}

/// `terbit trust sign`: sign the keys folder's trust list with the root.
pub(crate) fn trust_sign(keys: &Path, root_key: &Path, root_cert: &Path, valid_days: u32, out: Option<PathBuf>, now: i64) -> Result<()> {
    let root = RootKey::load(root_key, root_cert)?;
    // The root certifies what this folder holds: never one another user controls.
    terbit::dk1::keys::check_keys_dir(keys)?;
    let list = TrustList::load(&keys.join("trust.json"))?;
    let mut districts: Vec<&str> = list.keys.iter().map(|k| k.issuer.as_str()).collect();
    districts.sort();
    districts.dedup();
    let district = match districts.as_slice() {
        [d] => d.to_string(),
        [] => bail!("{} lists no key: run `terbit keys generate` first", keys.join("trust.json").display()),
        many => bail!("{} lists keys of several districts ({}): each district's root signs its own", keys.join("trust.json").display(), many.join(", ")),
    };
    if root.cert.district.as_deref() != Some(district.as_str()) {
        bail!("{} is not district {district}'s root ({}): a root vouches only for its own district", root_cert.display(), shown(&root.cert.subject));
    }
    let out = out.unwrap_or_else(|| keys.join(format!("trust-{district}.json")));
    // The sequence only grows: one past the last this root signed and past
    // the list being replaced.
    let seq_path = sequence_file(root_key);
    let last_signed: u64 = match terbit::util::fs::read_limited(&seq_path, 64) {
        Ok(s) => String::from_utf8_lossy(&s).trim().parse().with_context(|| format!("{} is not a number", seq_path.display()))?,
        Err(terbit::error::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} is missing: it counts the lists this root has signed (root init starts it at 0), and without it the next list could repeat a number verifiers have seen. \
             Restore it from the root's backup, or write into it the highest list number the district has published (`terbit trust show` on the published list)",
            seq_path.display()
        ),
        Err(e) => return Err(e.into()),
    };
    let replaced = match terbit::util::fs::read_limited(&out, terbit::dk1::trustlist::MAX_LIST as u64) {
        Ok(bytes) => SignedTrustList::parse(&bytes).map(|l| l.sequence).unwrap_or(0),
        Err(_) => 0,
    };
    let sequence = last_signed.max(replaced) + 1;
    if sequence > terbit::dk1::trustlist::MAX_SEQUENCE {
        bail!("{}: list numbers are exhausted (the largest is 2^53 − 1); make a new root and announce it", seq_path.display());
    }
    let next_update = now + i64::from(valid_days) * 86_400;
    let certs = certify_pdf_keys(keys, &root, &district, &list)?;
    let signed = SignedTrustList::make(&root, &district, sequence, now, next_update, list.keys, certs)
        .map_err(|e| anyhow::anyhow!("{}: {e}", keys.join("trust.json").display()))?;
    terbit::util::fs::write_atomic(&seq_path, format!("{sequence}\n").as_bytes())?;
    terbit::util::fs::write_atomic(&out, signed.to_json().as_bytes())?;
    println!("trust list of district {district}, no. {sequence}, {} key(s), signed by root {}", signed.keys.len(), show_fingerprint(&root.cert.fingerprint));
    println!("  {} (next update promised by {})", out.display(), terbit::kind::words::local_and_utc(next_update, &district));
    println!("Put it in verifiers' bundles: terbit trust bundle --list {} --pin '{district}={}' --out trust-bundle.json", out.display(), show_fingerprint(&root.cert.fingerprint));
    Ok(())
}

/// The root certifies every PDF-signing key of the keys folder that has no
/// certificate yet (validity: its DK1 key's signing window, 20 years when
/// open) and writes its chain (the root); returns every PDF
/// certificate of the listed keys, for the trust list.
fn certify_pdf_keys(keys: &Path, root: &RootKey, district: &str, list: &TrustList) -> Result<Vec<Vec<u8>>> {
    use terbit::dk1::pdfkey;
    let office = terbit::kind::refdata::reference().regency_name(district).unwrap_or(district);
    let mut certs = Vec::new();
    for k in list.trusted() {
        let (kp, cp) = (pdfkey::key_path(keys, &k.kid), pdfkey::cert_path(keys, &k.kid));
        if std::fs::symlink_metadata(&kp).is_err() {
            continue;
        }
        // A certificate an earlier root of this district issued (the root
        // was rotated, perhaps after a compromise): the new root certifies
        // the key afresh, and the old certificate stays listed beside it,
        // so that what was signed under it still verifies.
        let chain = pdfkey::chain_path(keys, &k.kid);
        if std::fs::symlink_metadata(&cp).is_ok() && std::fs::symlink_metadata(&chain).is_ok() {
            if let [old_root] = pdfkey::pem_chain(&chain)?.as_slice() {
                let earlier = root::RootCert::parse(old_root).ok().filter(|r| r.district.as_deref() == Some(district) && r.fingerprint != root.cert.fingerprint);
                if let Some(old) = earlier {
                    let kept = keys.join(format!("{}.pdf.crt.root-{}", hex::encode(k.kid), &hex::encode(old.fingerprint)[..16]));
                    std::fs::rename(&cp, &kept).with_context(|| format!("keep {} as {}", cp.display(), kept.display()))?;
                    println!("  PDF key {}: its certificate from the earlier root {} kept as {}", hex::encode(k.kid), show_fingerprint(&old.fingerprint), kept.display());
                }
            }
        }
        for kept in earlier_certs(keys, &k.kid)? {
            certs.push(kept);
        }
        if std::fs::symlink_metadata(&cp).is_err() {
            let public = pdfkey::public_key(&kp)?;
            let not_after = k.not_after.unwrap_or(k.not_before + 20 * 31_557_600);
            let der = pdfkey::certify(root, &public, district, office, k.not_before, not_after)?;
            pdfkey::write_cert(&cp, &der)?;
            terbit::util::fs::write_atomic(&pdfkey::chain_path(keys, &k.kid), root::pem_encode("CERTIFICATE", &root.cert.der).as_bytes())?;
            println!("  certified PDF key {} → {}", hex::encode(k.kid), cp.display());
        }
        certs.push(pdfkey::read_cert_der(&cp)?);
    }
    Ok(certs)
}

/// The certificates earlier roots gave key `kid` (`<kid>.pdf.crt.root-*`),
/// DER, in name order.
fn earlier_certs(keys: &Path, kid: &terbit::dk1::keys::Kid) -> Result<Vec<Vec<u8>>> {
    let prefix = format!("{}.pdf.crt.root-", hex::encode(kid));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(keys)
        .with_context(|| format!("reading {}", keys.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix)))
        .collect();
    paths.sort();
    paths.iter().map(|p| terbit::dk1::pdfkey::read_cert_der(p).map_err(anyhow::Error::from)).collect()
}

/// `terbit trust bundle`: join signed lists (each against its pin) and
/// their revocation lists into one bundle, refusing rollback.
pub(crate) fn trust_bundle(lists: &[PathBuf], pins: &[String], revocations: &[PathBuf], new_roots: &[String], out: &Path) -> Result<()> {
    let pins: Vec<root::Pin> = pins
        .iter()
        .map(|p| root::parse_pin(p).with_context(|| format!("--pin {:?} is not a SHA-256 fingerprint (64 hex digits), alone or as DISTRICT=fingerprint", shown(p))))
        .collect::<Result<_>>()?;
    if lists.is_empty() {
        bail!("give at least one signed list: --list trust-3506.json --pin <its root's fingerprint>");
    }
    let mut bundle = match terbit::util::fs::read_limited(out, terbit::dk1::bundle::MAX_BUNDLE as u64) {
        Ok(bytes) => {
            let b = Bundle::parse(&bytes).with_context(|| format!("{} exists and is not a bundle", out.display()))?;
            b.verify().with_context(|| format!("{} exists and does not verify", out.display()))?;
            b
        }
        Err(terbit::error::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Bundle::new(),
        Err(e) => return Err(e.into()),
    };
    // Every revocation list named must go to some district's entry.
    let mut used: Vec<PathBuf> = Vec::new();
    for path in lists {
        let bytes = terbit::util::fs::read_limited(path, terbit::dk1::trustlist::MAX_LIST as u64)?;
        let list = SignedTrustList::parse(&bytes).with_context(|| path.display().to_string())?;
        let Some(pin) = pins.iter().find(|p| p.district.as_deref().is_none_or(|d| d == list.district) && list.verify(std::slice::from_ref(&p.fingerprint)).is_ok()).map(|p| &p.fingerprint) else {
            let fps: Vec<Fingerprint> = pins.iter().map(|p| p.fingerprint).collect();
            let why = match list.verify(&fps) {
                Err(e) => e.to_string(),
                Ok(_) => format!("its root is pinned for another district than {}", shown(&list.district)),
            };
            bail!("{}: {why}", path.display());
        };
        let district = list.district.clone();
        let mut revs = Vec::new();
        let beside = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(format!("revocations-{district}.json"));
        let named: Vec<&PathBuf> = revocations.iter().collect();
        let candidates: Vec<PathBuf> = if named.is_empty() { [beside].into_iter().filter(|p| p.exists()).collect() } else { named.into_iter().cloned().collect() };
        let verified = list.verify(std::slice::from_ref(pin))?;
        for r in candidates {
            let bytes = terbit::util::fs::read_limited(&r, 64 << 20)?;
            let value: serde_json::Value = serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", r.display()))?;
            if value.get("issuer").and_then(|i| i.as_str()) != Some(district.as_str()) {
                continue;
            }
            used.push(r.clone());
            revs.push(RevocationList::parse(&bytes, &r, &verified.list)?);
        }
        let n = revs.len();
        let held_root = bundle.districts.iter().find(|d| d.district == district).map(|d| d.root_fingerprint.clone());
        bundle.put(pin, list, revs, new_roots.contains(&district)).with_context(|| format!("{}: nothing was written", path.display()))?;
        if held_root.is_some_and(|h| h != hex::encode(pin)) {
            println!("district {district}: root replaced by {} (--new-root)", show_fingerprint(pin));
        }
        println!("district {district}: list no. {}, {} key(s), {n} revocation list(s), root {}", verified.sequence, verified.list.keys.len(), show_fingerprint(pin));
    }
    if let Some(d) = new_roots.iter().find(|d| !bundle.districts.iter().any(|b| &b.district == *d)) {
        bail!("--new-root {}: no district of that code is in the bundle; nothing was written", shown(d));
    }
    if let Some(r) = revocations.iter().find(|r| !used.contains(r)) {
        bail!("{}: its issuer is none of the districts given with --list; nothing was written", r.display());
    }
    terbit::util::fs::write_atomic(out, bundle.to_json().as_bytes())?;
    println!("{} ({} district(s))", out.display(), bundle.districts.len());
    Ok(())
}

/// `terbit trust show`: what a trust file holds, for comparing
/// fingerprints with the ones districts publish.
pub(crate) fn trust_show(path: &Path, now: i64) -> Result<()> {
    let store = terbit::verify::TrustStore::load(&terbit::verify::TrustSource { path: path.to_path_buf(), now, ..Default::default() })
        .or_else(|e| {
            // A single list shows its own root as the pin to compare.
            let bytes = terbit::util::fs::read_limited(path, terbit::dk1::trustlist::MAX_LIST as u64)?;
            let list = SignedTrustList::parse(&bytes).map_err(|_| e)?;
            let der = root::base64_decode(&list.root_certificate).context("root_certificate is not Base64")?;
            terbit::verify::TrustStore::load(&terbit::verify::TrustSource { path: path.to_path_buf(), pins: vec![root::Pin::any(root::fingerprint(&der))], now, ..Default::default() })
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
    let bytes = terbit::util::fs::read_limited(bundle_path, terbit::dk1::bundle::MAX_BUNDLE as u64)?;
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
