//! Revocation answers fetched from a certification authority's own
//! services (a PSrE's, as BSrE's), for the certificates in a file's
//! document security store that the district root did not issue: a
//! PDF-signing certificate from a PSrE (`terbit keys import`), its
//! intermediate certificates, an external time-stamp authority's. The
//! district's own certificates need none of this: the root's CRL and OCSP
//! answer cover them (`crl`, `ocsp`).
//!
//! Asked for when `terbit.toml` says `fetch_revocation = true`, once a
//! night before anything is signed (and once a renewal): for each such
//! certificate, its OCSP responder's answer when it names one (RFC 6960,
//! a SHA-1 CertID as RFC 5019 profiles it), else the CRL at its
//! distribution point (RFC 5280). Every answer is checked before it goes
//! into a file — signed by the certificate's issuer (or, for OCSP, a
//! responder the issuer certified for OCSP signing), about that
//! certificate, current, and "good" — so that a wrong, stale or hostile
//! answer stops the night with the reason instead of travelling in
//! 219,293 files. A certificate found revoked stops it too.

use std::time::Duration;

use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{GeneralizedTime, ObjectIdentifier};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::Certificate;

use crate::trust::ocsp::tlv;
use crate::util::show::clip_shown;

/// The largest OCSP answer read.
pub const MAX_OCSP: u64 = 64 << 10;
/// The largest CRL read: it goes into every file, so a bigger one is refused (ask for OCSP).
pub const MAX_CRL: u64 = 1 << 20;
/// Attempts per request (the first and the retries), waiting 0.25, 1 and 4 s between.
pub const ATTEMPTS: u32 = 4;
/// A responder's clock may run this far ahead of ours (seconds).
const SKEW: i64 = 300;

const ID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
const ID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
const ID_PKIX_OCSP_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
const OID_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];

/// What was fetched: the answers to carry, and what the operator should know.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// OCSP responses (DER, whole), one per certificate asked about.
    pub ocsps: Vec<Vec<u8>>,
    /// CRLs (DER), each once however many certificates it covers.
    pub crls: Vec<Vec<u8>>,
    /// One line per certificate: what was fetched for it, from where.
    pub said: Vec<String>,
}

/// Why a night cannot have its answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No usable answer: the service is unreachable or refuses, its answer
    /// does not hold, or it is stale. Asking again later may help.
    Service(String),
    /// The certification authority says the certificate `what` is revoked
    /// (from `since`, epoch seconds, when the answer says).
    Revoked {
        /// The certificate, and where the answer came from.
        what: String,
        /// The revocation time.
        since: Option<i64>,
    },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Service(why) => f.write_str(why),
            Failure::Revoked { what, since } => {
                write!(f, "{what}: the certificate is REVOKED")?;
                match since {
                    Some(t) => write!(f, " (since {})", crate::dk1::keys::rfc3339(*t)),
                    None => Ok(()),
                }
            }
        }
    }
}

/// Where a certificate's status is published.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Ocsp(String),
    Crl(String),
}

/// The longest chain followed up from a leaf.
const MAX_DEPTH: usize = 8;

/// The answers for `leaves` (DER: the signing certificate, the time-stamp
/// authority's) and the certificates above them, each one's issuer found
/// in `pool` (DER: what the file carries) by its signature, as of `now`
/// (epoch seconds). Left out: self-signed certificates (a trust anchor
/// has no status) and those `district_root` (DER) issued, which the
/// district's own CRL and OCSP answer cover; so are certificates of
/// `pool` on no leaf's chain (an answer's extra certificates are never
/// asked about, so they cannot send terbit to addresses of their
/// choosing). Any failure is the night's stop, and names the certificate
/// and the service.
pub fn fetch(leaves: &[Vec<u8>], pool: &[Vec<u8>], district_root: Option<&[u8]>, now: i64) -> Result<Fetched, Failure> {
    let read = |c: &Vec<u8>| Certificate::from_der(c).map_err(|_| Failure::Service("a certificate to fetch revocation data for is not readable DER".to_string()));
    let pool: Vec<Certificate> = pool.iter().map(read).collect::<Result<_, _>>()?;
    let district = district_root.and_then(|r| Certificate::from_der(r).ok());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .max_redirects(3)
        .user_agent(concat!("terbit/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut out = Fetched::default();
    let mut seen: Vec<Certificate> = Vec::new();
    let mut crl_urls: Vec<String> = Vec::new();
    for leaf in leaves {
        let mut cert = read(leaf)?;
        for _ in 0..MAX_DEPTH {
            let tbs = cert.tbs_certificate();
            let districts = district.as_ref().is_some_and(|root| tbs.issuer() == root.tbs_certificate().subject() && crate::trust::pdfkey::issued_by(&cert, root) == Some(true));
            if seen.contains(&cert) || tbs.issuer() == tbs.subject() || districts {
                break;
            }
            let name = clip_shown(&tbs.subject().to_string(), 160);
            let issuer = pool
                .iter()
                .find(|i| i.tbs_certificate().subject() == tbs.issuer() && crate::trust::pdfkey::issued_by(&cert, i) == Some(true))
                .cloned()
                .ok_or_else(|| Failure::Service(format!("the certificate {name} came without its issuer's certificate: its status cannot be checked")))?;
            one(&agent, &cert, &issuer, &name, now, &mut out, &mut crl_urls)?;
            seen.push(cert);
            cert = issuer;
        }
    }
    Ok(out)
}

/// Fetch and check the answer for `cert` (named `name`), issued by `issuer`.
fn one(agent: &ureq::Agent, cert: &Certificate, issuer: &Certificate, name: &str, now: i64, out: &mut Fetched, crl_urls: &mut Vec<String>) -> Result<(), Failure> {
    // An answer's failure, named by the certificate and the service.
    let named = |what: String| {
        move |f: Failure| match f {
            Failure::Service(why) => Failure::Service(format!("{what}: {why}")),
            Failure::Revoked { since, .. } => Failure::Revoked { what: what.clone(), since },
        }
    };
    match source(cert) {
        Some(Source::Ocsp(url)) => {
            let request = ocsp_request(cert, issuer).map_err(Failure::Service)?;
            let answer = ask(agent, &url, Some(&request), MAX_OCSP).map_err(|why| Failure::Service(format!("the OCSP responder {} (for {name}): {why}", clip_shown(&url, 200))))?;
            let (this, next) = check_ocsp(&answer, cert, issuer, now).map_err(named(format!("{name} (the OCSP answer from {})", clip_shown(&url, 200))))?;
            out.ocsps.push(answer);
            out.said.push(format!("{name}: OCSP \"good\" from {} as of {}{}", clip_shown(&url, 200), crate::dk1::keys::rfc3339(this), next.map(|n| format!(", until {}", crate::dk1::keys::rfc3339(n))).unwrap_or_default()));
        }
        Some(Source::Crl(url)) => {
            if let Some(i) = crl_urls.iter().position(|u| *u == url) {
                // Fetched for another certificate: checked for this one too.
                check_crl(&out.crls[i], cert, issuer, now).map_err(named(format!("{name} (the CRL from {})", clip_shown(&url, 200))))?;
                out.said.push(format!("{name}: not on the CRL from {}", clip_shown(&url, 200)));
                return Ok(());
            }
            let crl = ask(agent, &url, None, MAX_CRL).map_err(|why| Failure::Service(format!("the CRL distribution point {} (for {name}): {why}", clip_shown(&url, 200))))?;
            let (this, next) = check_crl(&crl, cert, issuer, now).map_err(named(format!("{name} (the CRL from {})", clip_shown(&url, 200))))?;
            out.said.push(format!("{name}: not on the CRL from {} of {}, next by {} ({} bytes in every file)", clip_shown(&url, 200), crate::dk1::keys::rfc3339(this), crate::dk1::keys::rfc3339(next), crl.len()));
            out.crls.push(crl);
            crl_urls.push(url);
        }
        None => out.said.push(format!("WARNING: {name} names no OCSP responder and no CRL distribution point (http): validators will find no revocation data for it")),
    }
    Ok(())
}

/// The certificate's OCSP responder, else its CRL distribution point (the
/// first `http://` or `https://` address of each).
fn source(cert: &Certificate) -> Option<Source> {
    let exts = cert.tbs_certificate().extensions()?;
    let web = |u: &str| (u.starts_with("http://") || u.starts_with("https://")).then(|| u.to_string());
    let ocsp = exts
        .iter()
        .find(|e| e.extn_id.to_string() == "1.3.6.1.5.5.7.1.1")
        .and_then(|e| x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(e.extn_value.as_bytes()).ok())
        .and_then(|a| {
            a.0.iter().find_map(|d| match &d.access_location {
                GeneralName::UniformResourceIdentifier(u) if d.access_method.to_string() == ID_AD_OCSP => web(u.as_str()),
                _ => None,
            })
        });
    if let Some(url) = ocsp {
        return Some(Source::Ocsp(url));
    }
    exts.iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.31")
        .and_then(|e| x509_cert::ext::pkix::CrlDistributionPoints::from_der(e.extn_value.as_bytes()).ok())
        .and_then(|points| {
            points.0.iter().find_map(|p| match &p.distribution_point {
                Some(DistributionPointName::FullName(names)) => names.iter().find_map(|n| match n {
                    GeneralName::UniformResourceIdentifier(u) => web(u.as_str()),
                    _ => None,
                }),
                _ => None,
            })
        })
        .map(Source::Crl)
}

/// One request (POST of `body` as an OCSP request, else GET), its answer
/// read up to `limit` bytes, retried on what may pass.
fn ask(agent: &ureq::Agent, url: &str, body: Option<&[u8]>, limit: u64) -> Result<Vec<u8>, String> {
    let shown = |e: &ureq::Error| clip_shown(&e.to_string(), 200);
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(250 << (2 * (attempt - 1))));
        }
        let sent = match body {
            Some(b) => agent.post(url).header("Content-Type", "application/ocsp-request").send(b),
            None => agent.get(url).call(),
        };
        match sent {
            Ok(mut resp) => match resp.body_mut().with_config().limit(limit).read_to_vec() {
                Ok(bytes) => return Ok(bytes),
                Err(e) => last = shown(&e),
            },
            Err(e @ ureq::Error::StatusCode(400..=499)) => return Err(shown(&e)),
            Err(e) => last = shown(&e),
        }
    }
    Err(format!("no answer after {ATTEMPTS} attempts: {last}"))
}

/// The issuer's name and key hashes with SHA-1 or SHA-256 (`alg`, the OID's content bytes).
fn issuer_hashes(issuer: &Certificate, alg: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
    let name = issuer.tbs_certificate().subject().to_der().map_err(|_| "the issuer's name".to_string())?;
    let key = issuer.tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
    Ok(if alg == OID_SHA1 {
        (sha1::Sha1::digest(&name).to_vec(), sha1::Sha1::digest(key).to_vec())
    } else {
        (Sha256::digest(&name).to_vec(), Sha256::digest(key).to_vec())
    })
}

/// An OCSPRequest for `cert` (RFC 6960 §4.1): one request, a SHA-1
/// CertID, no nonce (responders that pre-sign their answers ignore one).
fn ocsp_request(cert: &Certificate, issuer: &Certificate) -> Result<Vec<u8>, String> {
    let (name_hash, key_hash) = issuer_hashes(issuer, OID_SHA1)?;
    let serial = cert.tbs_certificate().serial_number().to_der().map_err(|_| "the certificate's serial".to_string())?;
    let alg = tlv(0x30, &[tlv(0x06, OID_SHA1), vec![0x05, 0x00]].concat());
    let cert_id = tlv(0x30, &[alg, tlv(0x04, &name_hash), tlv(0x04, &key_hash), serial].concat());
    let request = tlv(0x30, &cert_id);
    Ok(tlv(0x30, &tlv(0x30, &tlv(0x30, &request))))
}

fn when(b: &[u8]) -> Result<i64, String> {
    GeneralizedTime::from_der(b).map(|g| g.to_unix_duration().as_secs() as i64).map_err(|_| "a time is not a GeneralizedTime".to_string())
}

/// Check an OCSP answer about `cert`: successful and basic, signed by
/// `issuer` or by a responder `issuer` certified for OCSP signing, with a
/// single answer for this certificate that says "good" as of a time no
/// later than `now` (give or take the clock) and current until after it:
/// its (this update, next update).
pub fn check_ocsp(der: &[u8], cert: &Certificate, issuer: &Certificate, now: i64) -> Result<(i64, Option<i64>), Failure> {
    match ocsp_status(der, cert, issuer, now) {
        Ok(Status::Good(this, next)) => Ok((this, next)),
        Ok(Status::Revoked(since)) => Err(Failure::Revoked { what: String::new(), since }),
        Err(why) => Err(Failure::Service(why)),
    }
}

/// What an OCSP answer says of a certificate.
enum Status {
    /// Good: this update, next update.
    Good(i64, Option<i64>),
    /// Revoked, from this time when read.
    Revoked(Option<i64>),
}

fn ocsp_status(der: &[u8], cert: &Certificate, issuer: &Certificate, now: i64) -> Result<Status, String> {
    use crate::util::der::{items, tlv as read};
    let bad = || "not an OCSP response (RFC 6960)".to_string();
    let (t, s, e) = read(der, 0, der.len()).filter(|x| x.0 == 0x30 && x.2 == der.len()).ok_or_else(bad)?;
    let _ = t;
    let top = items(der, s, e).ok_or_else(bad)?;
    let status = top.first().filter(|x| x.0 == 0x0a).map(|x| &der[x.1..x.2]).ok_or_else(bad)?;
    if status != [0] {
        return Err(format!("the responder refused (status {})", status.first().copied().unwrap_or(255)));
    }
    let [_, (0xa0, bs, be, _)] = top.as_slice() else { return Err(bad()) };
    let (_, rs, re) = read(der, *bs, *be).filter(|x| x.0 == 0x30 && x.2 == *be).ok_or_else(bad)?;
    let rb = items(der, rs, re).ok_or_else(bad)?;
    let [(0x06, ts, te, _), (0x04, os, oe, _)] = rb.as_slice() else { return Err(bad()) };
    if der[*ts..*te] != *ID_PKIX_OCSP_BASIC {
        return Err("not a basic OCSP response".into());
    }
    let basic = &der[*os..*oe];
    let (_, s, e) = read(basic, 0, basic.len()).filter(|x| x.0 == 0x30 && x.2 == basic.len()).ok_or_else(bad)?;
    let parts = items(basic, s, e).ok_or_else(bad)?;
    let ((0x30, _, de, ds), (0x30, as_, ae, _), (0x03, gs, ge, _)) = (parts.first().copied().ok_or_else(bad)?, parts.get(1).copied().ok_or_else(bad)?, parts.get(2).copied().ok_or_else(bad)?) else { return Err(bad()) };
    let data = &basic[ds..de];
    let alg_items = items(basic, as_, ae).ok_or_else(bad)?;
    let alg = alg_items.first().filter(|a| a.0 == 0x06).and_then(|a| ObjectIdentifier::from_bytes(&basic[a.1..a.2]).ok()).ok_or_else(bad)?.to_string();
    let sig = basic.get(gs + 1..ge).filter(|_| basic.get(gs) == Some(&0)).ok_or_else(bad)?;
    // The responder: the issuer itself, or a certificate the answer
    // carries that the issuer certified for OCSP signing (RFC 6960 §4.2.2.2).
    let mut signers: Vec<Certificate> = vec![issuer.clone()];
    if let Some((0xa0, cs, ce, _)) = parts.get(3).copied() {
        let (_, ls, le) = read(basic, cs, ce).filter(|x| x.0 == 0x30).ok_or_else(bad)?;
        for (_, _, ie, is) in items(basic, ls, le).ok_or_else(bad)?.into_iter().take(8) {
            let Ok(c) = Certificate::from_der(&basic[is..ie]) else { return Err(bad()) };
            if crate::trust::pdfkey::issued_by(&c, issuer) == Some(true) && for_ocsp_signing(&c) {
                signers.push(c);
            }
        }
    }
    if !signers.iter().any(|k| crate::trust::pdfkey::signed_by(k.tbs_certificate().subject_public_key_info(), &alg, data, sig) == Some(true)) {
        return Err("its signature does not hold under the certificate's issuer or a responder it certified".into());
    }
    let (_, s, e) = read(data, 0, data.len()).ok_or_else(bad)?;
    let fields = items(data, s, e).ok_or_else(bad)?;
    let at = usize::from(fields.first().is_some_and(|f| f.0 == 0xa0));
    let (0x30, ls, le, _) = fields.get(at + 2).copied().ok_or_else(bad)? else { return Err(bad()) };
    let serial = cert.tbs_certificate().serial_number().as_bytes();
    for (tag, s1, e1, _) in items(data, ls, le).ok_or_else(bad)? {
        let f = items(data, s1, e1).filter(|_| tag == 0x30).ok_or_else(bad)?;
        let ((0x30, is, ie, _), status, (0x18, _, te, tstart)) = (f.first().copied().ok_or_else(bad)?, f.get(1).copied().ok_or_else(bad)?, f.get(2).copied().ok_or_else(bad)?) else { return Err(bad()) };
        let id = items(data, is, ie).ok_or_else(bad)?;
        let [(0x30, hs, he, _), (0x04, ns, ne, _), (0x04, ks, ke, _), (0x02, ss, se, _)] = id.as_slice() else { return Err(bad()) };
        let hash = items(data, *hs, *he).and_then(|h| h.first().filter(|a| a.0 == 0x06).map(|a| data[a.1..a.2].to_vec())).ok_or_else(bad)?;
        if hash != OID_SHA1 && hash != OID_SHA256 {
            continue;
        }
        let (name_hash, key_hash) = issuer_hashes(issuer, &hash)?;
        if data[*ss..*se] != *serial || data[*ns..*ne] != name_hash[..] || data[*ks..*ke] != key_hash[..] {
            continue;
        }
        match status.0 {
            0x80 => {}
            // RevokedInfo: its revocation time first.
            0xa1 => return Ok(Status::Revoked(items(data, status.1, status.2).and_then(|r| r.first().filter(|t| t.0 == 0x18).and_then(|t| when(&data[t.3..t.2]).ok())))),
            _ => return Err("the responder does not know the certificate (status unknown)".into()),
        }
        let this = when(&data[tstart..te])?;
        let next = match f.get(3) {
            Some((0xa0, ns, ne, _)) => Some(when(&data[*ns..*ne])?),
            _ => None,
        };
        if this > now + SKEW {
            return Err(format!("it is dated {}, after now ({}): check the clocks", crate::dk1::keys::rfc3339(this), crate::dk1::keys::rfc3339(now)));
        }
        if next.is_some_and(|n| n < now) {
            return Err(format!("it is out of date: it ran out {}, and the responder gives nothing newer", crate::dk1::keys::rfc3339(next.unwrap_or_default())));
        }
        return Ok(Status::Good(this, next));
    }
    Err("it holds no answer about this certificate".into())
}

/// Whether the certificate's extended key usage names OCSP signing.
fn for_ocsp_signing(c: &Certificate) -> bool {
    c.tbs_certificate()
        .extensions()
        .and_then(|e| e.iter().find(|e| e.extn_id.to_string() == "2.5.29.37"))
        .and_then(|e| x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok())
        .is_some_and(|u| u.0.iter().any(|o| o.to_string() == ID_KP_OCSP_SIGNING))
}

/// Check a CRL for `cert`: `issuer` signed it, it is current at `now` and
/// does not list the certificate: its (this update, next update).
pub fn check_crl(der: &[u8], cert: &Certificate, issuer: &Certificate, now: i64) -> Result<(i64, i64), Failure> {
    crl_status(der, cert, issuer, now).and_then(|(this, next, revoked)| match revoked {
        Some(since) => Err(Failure::Revoked { what: String::new(), since: Some(since) }),
        None => Ok((this, next)),
    })
}

/// A CRL's (this update, next update, the certificate's revocation time if listed).
fn crl_status(der: &[u8], cert: &Certificate, issuer: &Certificate, now: i64) -> Result<(i64, i64, Option<i64>), Failure> {
    let fail = |why: String| Failure::Service(why);
    let crl = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der).map_err(|_| fail("not a DER certificate revocation list".into()))?;
    if crl.tbs_cert_list.issuer != *issuer.tbs_certificate().subject() {
        return Err(fail("it is another issuer's".into()));
    }
    let tbs = crl.tbs_cert_list.to_der().map_err(|_| fail("not DER".into()))?;
    let sig = crl.signature.as_bytes().ok_or_else(|| fail("its signature is not whole bytes".into()))?;
    if crate::trust::pdfkey::signed_by(issuer.tbs_certificate().subject_public_key_info(), &crl.signature_algorithm.oid.to_string(), &tbs, sig) != Some(true) {
        return Err(fail("its signature does not hold under the certificate's issuer".into()));
    }
    let secs = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
    let this = secs(&crl.tbs_cert_list.this_update);
    let next = crl.tbs_cert_list.next_update.as_ref().map(secs).ok_or_else(|| fail("it has no next update".into()))?;
    let serial = cert.tbs_certificate().serial_number();
    if let Some(r) = crl.tbs_cert_list.revoked_certificates.iter().flatten().find(|r| r.serial_number == *serial) {
        return Ok((this, next, Some(secs(&r.revocation_date))));
    }
    if this > now + SKEW {
        return Err(fail(format!("it is dated {}, after now ({}): check the clocks", crate::dk1::keys::rfc3339(this), crate::dk1::keys::rfc3339(now))));
    }
    if next < now {
        return Err(fail(format!(
            "it is out of date: it promised its next update by {}, and the distribution point serves nothing newer (the certification authority must publish one)",
            crate::dk1::keys::rfc3339(next)
        )));
    }
    Ok((this, next, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district() -> (crate::trust::root::RootKey, Vec<u8>) {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x41; 32]).unwrap();
        let cert = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_082_758_400).unwrap();
        (root, cert)
    }

    #[test]
    fn the_districts_own_certificates_and_anchors_ask_for_nothing() {
        let (root, cert) = district();
        // No network touched: the root is self-signed, the PDF certificate the root's.
        let f = fetch(&[cert, root.cert.der.clone()], std::slice::from_ref(&root.cert.der), Some(&root.cert.der), 1_800_000_000).unwrap();
        assert_eq!(f, Fetched::default());
    }

    #[test]
    fn a_certificate_without_its_issuer_is_named() {
        let (root, cert) = district();
        let e = fetch(&[cert], &[], None, 1_800_000_000).unwrap_err().to_string();
        assert!(e.contains("came without its issuer's certificate") && e.contains("Kediri"), "{e}");
        let _ = root;
    }

    #[test]
    fn a_request_is_one_sha1_certid() {
        let (root, cert) = district();
        let c = Certificate::from_der(&cert).unwrap();
        let i = Certificate::from_der(&root.cert.der).unwrap();
        let r = ocsp_request(&c, &i).unwrap();
        let (t, _, e) = crate::util::der::tlv(&r, 0, r.len()).unwrap();
        assert_eq!((t, e), (0x30, r.len()));
        assert!(r.windows(OID_SHA1.len()).any(|w| w == OID_SHA1));
        assert!(r.windows(c.tbs_certificate().serial_number().as_bytes().len()).any(|w| w == c.tbs_certificate().serial_number().as_bytes()));
    }

    #[test]
    fn the_roots_own_answer_reads_as_good_and_damage_is_refused() {
        // The district root's answer (trust::ocsp) is a basic response by
        // the issuer itself, with a SHA-256 CertID: read here as a PSrE's.
        let (root, _) = district();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x31; 32]).unwrap();
        let tsa = crate::trust::tsa::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_082_758_400).unwrap();
        let answer = crate::trust::ocsp::make(&root, std::slice::from_ref(&tsa), 1_800_000_000, 1_830_000_000).unwrap();
        let c = Certificate::from_der(&tsa).unwrap();
        let i = Certificate::from_der(&root.cert.der).unwrap();
        assert_eq!(check_ocsp(&answer, &c, &i, 1_800_000_100), Ok((1_800_000_000, Some(1_830_000_000))));
        assert!(check_ocsp(&answer, &c, &i, 1_830_000_001).unwrap_err().to_string().contains("out of date"));
        assert!(check_ocsp(&answer, &c, &i, 1_700_000_000).unwrap_err().to_string().contains("after now"));
        // About another certificate: no answer for this one.
        let other = crate::trust::tsa::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_601, 2_082_758_400).unwrap();
        let o = Certificate::from_der(&other).unwrap();
        assert!(check_ocsp(&answer, &o, &i, 1_800_000_100).unwrap_err().to_string().contains("no answer about"));
        for at in (0..answer.len()).step_by(7) {
            let mut d = answer.clone();
            d[at] ^= 0x01;
            assert!(check_ocsp(&d, &c, &i, 1_800_000_100).is_err(), "byte {at}");
        }
        for n in 0..answer.len() {
            assert!(check_ocsp(&answer[..n], &c, &i, 1_800_000_100).is_err());
        }
    }

    #[test]
    fn a_crl_listing_the_certificate_says_revoked() {
        let (root, cert) = district();
        let c = Certificate::from_der(&cert).unwrap();
        let i = Certificate::from_der(&root.cert.der).unwrap();
        let clean = crate::trust::crl::make(&root, 1, 1_800_000_000, 1_802_592_000, &[]).unwrap();
        assert_eq!(check_crl(&clean, &c, &i, 1_800_000_100), Ok((1_800_000_000, 1_802_592_000)));
        assert!(check_crl(&clean, &c, &i, 1_802_592_001).unwrap_err().to_string().contains("out of date"));
        let listed = crate::trust::crl::make(&root, 2, 1_800_000_000, 1_802_592_000, &[crate::trust::crl::Revoked { cert: &cert, from: 1_790_000_000 }]).unwrap();
        assert_eq!(check_crl(&listed, &c, &i, 1_800_000_100), Err(Failure::Revoked { what: String::new(), since: Some(1_790_000_000) }));
        let mut d = clean.clone();
        let n = d.len();
        d[n - 3] ^= 1;
        assert!(check_crl(&d, &c, &i, 1_800_000_100).is_err());
        // Checked against another issuer: refused.
        assert!(check_crl(&clean, &c, &c, 1_800_000_100).is_err());
    }
}
