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

use x509_cert::der::asn1::{GeneralizedTime, ObjectIdentifier};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::Certificate;

use crate::trust::ocsp::{cert_id, issuer_hashes, tlv, IdHash};
use crate::util::show::clip_shown;

/// The largest OCSP answer read.
pub const MAX_OCSP: u64 = 64 << 10;
/// The largest CRL read: it goes into every file, so a bigger one is refused (ask for OCSP).
pub const MAX_CRL: u64 = 1 << 20;
/// A responder's clock may run this far ahead of ours (seconds).
const SKEW: i64 = 300;
/// An OCSP answer that names no next update is current only this long
/// after it was made (seconds): an old "good" could be replayed for ever.
const NO_NEXT_MAX_AGE: i64 = 86_400;
/// At most this many bytes of answers in all: they go into every file.
pub const MAX_TOTAL: usize = 1 << 20;

const ID_KP_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";

/// What was fetched: the answers to carry, and what the operator should know.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// OCSP responses (DER, whole), one per certificate asked about.
    pub ocsps: Vec<Vec<u8>>,
    /// CRLs (DER), each once however many certificates it covers.
    pub crls: Vec<Vec<u8>>,
    /// One line per certificate: what was fetched for it, from where.
    pub said: Vec<String>,
    /// What the operator should know: a certificate naming no service.
    pub warnings: Vec<String>,
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
            let total: usize = out.ocsps.iter().chain(&out.crls).map(Vec::len).sum();
            if total > MAX_TOTAL {
                return Err(Failure::Service(format!("the answers take {total} bytes, more than the {MAX_TOTAL} every file could carry")));
            }
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
                check_crl(&out.crls[i], cert, issuer, &url, now).map_err(named(format!("{name} (the CRL from {})", clip_shown(&url, 200))))?;
                out.said.push(format!("{name}: not on the CRL from {}", clip_shown(&url, 200)));
                return Ok(());
            }
            let crl = ask(agent, &url, None, MAX_CRL).map_err(|why| Failure::Service(format!("the CRL distribution point {} (for {name}): {why}", clip_shown(&url, 200))))?;
            let (this, next) = check_crl(&crl, cert, issuer, &url, now).map_err(named(format!("{name} (the CRL from {})", clip_shown(&url, 200))))?;
            out.said.push(format!("{name}: not on the CRL from {} of {}, next by {} ({} bytes in every file)", clip_shown(&url, 200), crate::dk1::keys::rfc3339(this), crate::dk1::keys::rfc3339(next), crl.len()));
            // The same list at two addresses is carried once.
            if !out.crls.contains(&crl) {
                out.crls.push(crl);
                crl_urls.push(url);
            }
        }
        None => out.warnings.push(format!("{name} names no OCSP responder and no CRL distribution point (http): validators will find no revocation data for it")),
    }
    Ok(())
}

/// The certificate's OCSP responder, else its CRL distribution point (the
/// first `http://` or `https://` address of each).
fn source(cert: &Certificate) -> Option<Source> {
    let exts = cert.tbs_certificate().extensions()?;
    let web = |u: &str| (u.starts_with("http://") || u.starts_with("https://")).then(|| u.to_string());
    let ocsp = crate::trust::ocsp::responders(cert).iter().find_map(|r| match r {
        GeneralName::UniformResourceIdentifier(u) => web(u.as_str()),
        _ => None,
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
    use crate::util::retry::{with_retries, Attempt};
    let shown = |e: &ureq::Error| clip_shown(&e.to_string(), 200);
    with_retries(|| {
        let sent = match body {
            Some(b) => agent.post(url).header("Content-Type", "application/ocsp-request").send(b),
            None => agent.get(url).call(),
        };
        match sent {
            Ok(mut resp) => match resp.body_mut().with_config().limit(limit).read_to_vec() {
                Ok(bytes) => Attempt::Done(bytes),
                Err(e) => Attempt::Again(shown(&e)),
            },
            Err(e @ ureq::Error::StatusCode(400..=499)) => Attempt::Stop(shown(&e)),
            Err(e) => Attempt::Again(shown(&e)),
        }
    })
}

/// An OCSPRequest for `cert` (RFC 6960 §4.1): one request, a SHA-1
/// CertID, no nonce (responders that pre-sign their answers ignore one).
fn ocsp_request(cert: &Certificate, issuer: &Certificate) -> Result<Vec<u8>, String> {
    let request = tlv(0x30, &cert_id(cert, issuer, IdHash::Sha1)?);
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
    let answer = crate::trust::ocsp::basic(der)?;
    let data = answer.data;
    let alg = items(answer.alg, 0, answer.alg.len())
        .and_then(|a| a.first().filter(|a| a.0 == 0x06).and_then(|a| ObjectIdentifier::from_bytes(&answer.alg[a.1..a.2]).ok()))
        .ok_or_else(bad)?
        .to_string();
    let sig = answer.bits.get(1..).filter(|_| answer.bits.first() == Some(&0)).ok_or_else(bad)?;
    // The responder: the issuer itself, or a certificate the answer
    // carries that the issuer certified for OCSP signing (RFC 6960 §4.2.2.2).
    let mut signers: Vec<Certificate> = vec![issuer.clone()];
    for c in answer.certs.iter().take(8) {
        let Ok(c) = Certificate::from_der(c) else { return Err(bad()) };
        if crate::trust::pdfkey::issued_by(&c, issuer) == Some(true) && for_ocsp_signing(&c) && delegate_fits(&c, now) {
            signers.push(c);
        }
    }
    if !signers.iter().any(|k| crate::trust::pdfkey::signed_by(k.tbs_certificate().subject_public_key_info(), &alg, data, sig) == Some(true)) {
        return Err("its signature does not hold under the certificate's issuer or a current responder it certified for OCSP signing".into());
    }
    if let Some(ext) = data_extensions(data)? {
        if critical(data, ext) {
            return Err("it has a critical extension terbit does not know".into());
        }
    }
    let (_, s, e) = read(data, 0, data.len()).ok_or_else(bad)?;
    let fields = items(data, s, e).ok_or_else(bad)?;
    let at = usize::from(fields.first().is_some_and(|f| f.0 == 0xa0));
    let (0x30, ls, le, _) = fields.get(at + 2).copied().ok_or_else(bad)? else { return Err(bad()) };
    let serial = cert.tbs_certificate().serial_number().as_bytes();
    // Every single answer about this certificate: one that says revoked
    // wins over one that says good.
    let mut good: Option<(i64, Option<i64>)> = None;
    for (tag, s1, e1, _) in items(data, ls, le).ok_or_else(bad)? {
        let f = items(data, s1, e1).filter(|_| tag == 0x30).ok_or_else(bad)?;
        let ((0x30, is, ie, _), status, (0x18, _, te, tstart)) = (f.first().copied().ok_or_else(bad)?, f.get(1).copied().ok_or_else(bad)?, f.get(2).copied().ok_or_else(bad)?) else { return Err(bad()) };
        let id = items(data, is, ie).ok_or_else(bad)?;
        let [(0x30, hs, he, _), (0x04, ns, ne, _), (0x04, ks, ke, _), (0x02, ss, se, _)] = id.as_slice() else { return Err(bad()) };
        let hash = items(data, *hs, *he).and_then(|h| h.first().filter(|a| a.0 == 0x06).map(|a| &data[a.1..a.2])).ok_or_else(bad)?;
        let Some(hash) = IdHash::from_oid(hash) else { continue };
        let (name_hash, key_hash) = issuer_hashes(issuer, hash)?;
        if data[*ss..*se] != *serial || data[*ns..*ne] != name_hash[..] || data[*ks..*ke] != key_hash[..] {
            continue;
        }
        let mut rest = f[3..].iter();
        let mut next_el = rest.next();
        let next = match next_el {
            Some((0xa0, ns, ne, _)) => {
                let inner = read(data, *ns, *ne).filter(|x| x.2 == *ne).ok_or_else(bad)?;
                next_el = rest.next();
                Some(when(&data[*ns..inner.2])?)
            }
            _ => None,
        };
        match next_el {
            Some(&(0xa1, xs, xe, _)) => {
                if critical(data, (xs, xe)) {
                    return Err("its answer has a critical extension terbit does not know".into());
                }
                if rest.next().is_some() {
                    return Err(bad());
                }
            }
            None => {}
            Some(_) => return Err(bad()),
        }
        match status.0 {
            0x80 => {}
            // RevokedInfo: its revocation time first.
            0xa1 => return Ok(Status::Revoked(items(data, status.1, status.2).and_then(|r| r.first().filter(|t| t.0 == 0x18).and_then(|t| when(&data[t.3..t.2]).ok())))),
            _ => return Err("the responder does not know the certificate (status unknown)".into()),
        }
        let this = when(&data[tstart..te])?;
        if this > now + SKEW {
            return Err(format!("it is dated {}, after now ({}): check the clocks", crate::dk1::keys::rfc3339(this), crate::dk1::keys::rfc3339(now)));
        }
        match next {
            Some(n) if n < now => return Err(format!("it is out of date: it ran out {}, and the responder gives nothing newer", crate::dk1::keys::rfc3339(n))),
            None if this < now - NO_NEXT_MAX_AGE => {
                return Err(format!("it is out of date: made {} with no next update, more than a day ago (an old answer replayed?)", crate::dk1::keys::rfc3339(this)))
            }
            _ => {}
        }
        good.get_or_insert((this, next));
    }
    good.map(|(this, next)| Status::Good(this, next)).ok_or_else(|| "it holds no answer about this certificate".into())
}

/// The ResponseData's responseExtensions ([1]), (start, end) of its content, if any.
fn data_extensions(data: &[u8]) -> Result<Option<(usize, usize)>, String> {
    use crate::util::der::{items, tlv as read};
    let bad = || "not an OCSP response (RFC 6960)".to_string();
    let (_, s, e) = read(data, 0, data.len()).ok_or_else(bad)?;
    let fields = items(data, s, e).ok_or_else(bad)?;
    Ok(fields.iter().skip(2).find(|f| f.0 == 0xa1).map(|f| (f.1, f.2)))
}

/// Whether the explicitly tagged Extensions at `b[at.0..at.1]` hold one
/// marked critical (terbit knows no OCSP extension that must be obeyed;
/// a nonce is never critical). Unreadable counts as critical.
fn critical(b: &[u8], at: (usize, usize)) -> bool {
    use crate::util::der::{items, tlv as read};
    let Some((0x30, s, e)) = read(b, at.0, at.1) else { return true };
    let Some(exts) = items(b, s, e) else { return true };
    exts.iter().any(|x| match items(b, x.1, x.2) {
        Some(p) => p.get(1).is_some_and(|c| c.0 == 0x01 && b.get(c.1) != Some(&0)),
        None => true,
    })
}

/// Whether a delegated OCSP responder's certificate is valid at `now`
/// and no certification authority's.
fn delegate_fits(c: &Certificate, now: i64) -> bool {
    let v = c.tbs_certificate().validity();
    let secs = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
    secs(&v.not_before) <= now + SKEW && now <= secs(&v.not_after) && !is_ca(c)
}

/// Whether the certificate's basic constraints make it a certification authority's.
fn is_ca(c: &Certificate) -> bool {
    c.tbs_certificate()
        .extensions()
        .and_then(|e| e.iter().find(|e| e.extn_id.to_string() == "2.5.29.19"))
        .and_then(|e| x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
        .is_some_and(|b| b.ca)
}

/// Whether a CRL is a complete one that covers `cert`: no delta CRL, no
/// indirect or partial one (by reasons, or of the other kind of
/// certificate than `cert`), for the distribution point `from` it was
/// fetched from when it names one (RFC 5280 §6.3.3 b), no critical
/// extension terbit does not know.
fn crl_scope(crl: &x509_cert::crl::CertificateList<x509_cert::certificate::Rfc5280>, cert: &Certificate, from: &str) -> Result<(), &'static str> {
    let is_ca = is_ca(cert);
    for e in crl.tbs_cert_list.crl_extensions.iter().flatten() {
        match e.extn_id.to_string().as_str() {
            "2.5.29.27" => return Err("it is a delta CRL, not a complete one"),
            "2.5.29.28" => {
                let idp = x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint::from_der(e.extn_value.as_bytes()).map_err(|_| "its issuing distribution point is unreadable")?;
                if idp.indirect_crl || idp.only_some_reasons.is_some() || idp.only_contains_attribute_certs {
                    return Err("it is a partial or indirect CRL, not a complete one");
                }
                if (idp.only_contains_user_certs && is_ca) || (idp.only_contains_ca_certs && !is_ca) {
                    return Err("it covers another kind of certificate than this one");
                }
                match &idp.distribution_point {
                    None => {}
                    Some(DistributionPointName::FullName(names)) if !names.iter().any(|n| matches!(n, GeneralName::UniformResourceIdentifier(u) if u.as_str() == from)) => {
                        return Err("it is the CRL of another distribution point than the certificate's");
                    }
                    Some(DistributionPointName::FullName(_)) => {}
                    Some(_) => return Err("its distribution point is named relative to its issuer, which terbit does not read"),
                }
            }
            "2.5.29.20" | "2.5.29.35" | "2.5.29.46" | "1.3.6.1.5.5.7.1.1" => {}
            _ if e.critical => return Err("it has a critical extension terbit does not know"),
            _ => {}
        }
    }
    if crl.tbs_cert_list.revoked_certificates.iter().flatten().any(|r| r.crl_entry_extensions.iter().flatten().any(|x| x.critical)) {
        return Err("an entry has a critical extension (an indirect CRL?) terbit does not read");
    }
    Ok(())
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
pub fn check_crl(der: &[u8], cert: &Certificate, issuer: &Certificate, from: &str, now: i64) -> Result<(i64, i64), Failure> {
    crl_status(der, cert, issuer, from, now).and_then(|(this, next, revoked)| match revoked {
        Some(since) => Err(Failure::Revoked { what: String::new(), since: Some(since) }),
        None => Ok((this, next)),
    })
}

/// A CRL's (this update, next update, the certificate's revocation time if listed).
fn crl_status(der: &[u8], cert: &Certificate, issuer: &Certificate, from: &str, now: i64) -> Result<(i64, i64, Option<i64>), Failure> {
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
    crl_scope(&crl, cert, from).map_err(|why| fail(why.into()))?;
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
    use crate::trust::ocsp::ID_PKIX_OCSP_BASIC;

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
        // SHA-1 (1.3.14.3.2.26), as RFC 5019 profiles requests.
        let sha1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
        assert!(r.windows(sha1.len()).any(|w| w == sha1));
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

    /// A single answer: status bytes, this update, next update, its extensions.
    type Single<'a> = (&'a [u8], i64, Option<i64>, Option<Vec<u8>>);

    /// An OCSP answer the root signs about `cert`: its singles, response extensions.
    fn answer(root: &crate::trust::root::RootKey, cert: &[u8], singles: &[Single<'_>], response_ext: Option<Vec<u8>>) -> Vec<u8> {
        let seq = |parts: &[&[u8]]| tlv(0x30, &parts.concat());
        let gt = |t: i64| GeneralizedTime::from_unix_duration(Duration::from_secs(t as u64)).unwrap().to_der().unwrap();
        let c = Certificate::from_der(cert).unwrap();
        let i = Certificate::from_der(&root.cert.der).unwrap();
        let id = cert_id(&c, &i, IdHash::Sha1).unwrap();
        let mut list = Vec::new();
        for (status, this, next, ext) in singles {
            let mut parts: Vec<Vec<u8>> = vec![id.clone(), status.to_vec(), gt(*this)];
            if let Some(n) = next {
                parts.push(tlv(0xa0, &gt(*n)));
            }
            if let Some(e) = ext {
                parts.push(tlv(0xa1, e));
            }
            list.extend(tlv(0x30, &parts.concat()));
        }
        let mut data = vec![tlv(0xa2, &tlv(0x04, &[7; 20])), gt(singles[0].1), tlv(0x30, &list)];
        if let Some(e) = response_ext {
            data.push(tlv(0xa1, &e));
        }
        let data = tlv(0x30, &data.concat());
        let sig: p256::ecdsa::DerSignature = p256::ecdsa::signature::Signer::sign(root.signing_key(), &data);
        let mut bits = vec![0u8];
        bits.extend_from_slice(sig.as_bytes());
        let basic = seq(&[&data, &seq(&[&tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02])]), &tlv(0x03, &bits)]);
        seq(&[&tlv(0x0a, &[0]), &tlv(0xa0, &seq(&[&tlv(0x06, ID_PKIX_OCSP_BASIC), &tlv(0x04, &basic)]))])
    }

    #[test]
    fn old_answers_revocations_and_critical_extensions() {
        let (root, cert) = district();
        let c = Certificate::from_der(&cert).unwrap();
        let i = Certificate::from_der(&root.cert.der).unwrap();
        let now = 1_800_000_000;
        let good: &[u8] = &[0x80, 0x00];
        let ok = answer(&root, &cert, &[(good, now - 60, Some(now + 86_400), None)], None);
        assert_eq!(check_ocsp(&ok, &c, &i, now), Ok((now - 60, Some(now + 86_400))));
        // No next update: current for a day, then an old answer.
        assert!(check_ocsp(&answer(&root, &cert, &[(good, now - 3_600, None, None)], None), &c, &i, now).is_ok());
        let old = answer(&root, &cert, &[(good, now - 90 * 86_400, None, None)], None);
        assert!(check_ocsp(&old, &c, &i, now).unwrap_err().to_string().contains("out of date"));
        // "good" then "revoked" for the same certificate: revoked.
        let revoked: Vec<u8> = tlv(0xa1, &GeneralizedTime::from_unix_duration(Duration::from_secs(1_790_000_000)).unwrap().to_der().unwrap());
        let both = answer(&root, &cert, &[(good, now - 60, Some(now + 60), None), (&revoked, now - 60, Some(now + 60), None)], None);
        assert_eq!(check_ocsp(&both, &c, &i, now), Err(Failure::Revoked { what: String::new(), since: Some(1_790_000_000) }));
        // Extensions: a non-critical one (a nonce) is fine, a critical one is not.
        let ext = |critical: bool| tlv(0x30, &tlv(0x30, &[tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02]), if critical { vec![0x01, 0x01, 0xff] } else { vec![] }, tlv(0x04, &[4, 2, 1, 2])].concat()));
        assert!(check_ocsp(&answer(&root, &cert, &[(good, now - 60, Some(now + 60), None)], Some(ext(false))), &c, &i, now).is_ok());
        assert!(check_ocsp(&answer(&root, &cert, &[(good, now - 60, Some(now + 60), None)], Some(ext(true))), &c, &i, now).unwrap_err().to_string().contains("critical"));
        assert!(check_ocsp(&answer(&root, &cert, &[(good, now - 60, Some(now + 60), Some(ext(true)))], None), &c, &i, now).unwrap_err().to_string().contains("critical"));
        // The root's CA-only CRL does not cover a PDF-signing certificate.
        let ca_only = crate::trust::crl::make_ca_only(&root, 1, now - 60, now + 86_400).unwrap();
        assert!(check_crl(&ca_only, &c, &i, "http://crl.example/", now).unwrap_err().to_string().contains("another kind of certificate"));
    }

    #[test]
    fn a_crl_listing_the_certificate_says_revoked() {
        let (root, cert) = district();
        let c = Certificate::from_der(&cert).unwrap();
        let i = Certificate::from_der(&root.cert.der).unwrap();
        let clean = crate::trust::crl::make(&root, 1, 1_800_000_000, 1_802_592_000, &[]).unwrap();
        assert_eq!(check_crl(&clean, &c, &i, "http://crl.example/", 1_800_000_100), Ok((1_800_000_000, 1_802_592_000)));
        assert!(check_crl(&clean, &c, &i, "http://crl.example/", 1_802_592_001).unwrap_err().to_string().contains("out of date"));
        let listed = crate::trust::crl::make(&root, 2, 1_800_000_000, 1_802_592_000, &[crate::trust::crl::Revoked { cert: &cert, from: 1_790_000_000 }]).unwrap();
        assert_eq!(check_crl(&listed, &c, &i, "http://crl.example/", 1_800_000_100), Err(Failure::Revoked { what: String::new(), since: Some(1_790_000_000) }));
        let mut d = clean.clone();
        let n = d.len();
        d[n - 3] ^= 1;
        assert!(check_crl(&d, &c, &i, "http://crl.example/", 1_800_000_100).is_err());
        // Checked against another issuer: refused.
        assert!(check_crl(&clean, &c, &c, "http://crl.example/", 1_800_000_100).is_err());
    }
}
