//! An external time-stamp authority (RFC 3161 over HTTP or HTTPS): BSrE's,
//! another PSrE's, or any service speaking the protocol. For each
//! signature the run asks for a token (`application/timestamp-query`, the
//! SHA-256 of the signature's value, a fresh nonce, the authority's
//! certificate asked for), several requests at a time, each retried; every
//! answer is read in full (`pdf/token.rs`) and must stamp that signature
//! with that nonce. A night whose authority cannot answer stops with the
//! reason before anything of it is published.
//!
//! Its credentials (HTTP basic) come from a file or the service manager,
//! never the command line (`issue::settings`).

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::pdf::sign::{tlv, PadesError, OID_SHA256};
use crate::util::retry::{with_retries, Attempt};

/// Requests a batch of signatures makes at once.
pub const CONCURRENT: usize = 8;
/// The largest answer read (a token with its authority's chain is a few KiB).
pub const MAX_ANSWER: u64 = 64 << 10;

/// Where to ask, and as whom.
#[derive(Clone)]
pub struct RemoteConfig {
    /// The service's URL (`https://…`; `http://` for a service on this host).
    pub url: String,
    /// HTTP basic credentials (user, password).
    pub credentials: Option<(String, zeroize::Zeroizing<String>)>,
    /// The certificates above the authority's, up to its root (DER), as
    /// the district pinned them (`tsa_chain`): when given, the token's own
    /// (an unsigned set anyone on the way may change) are not used.
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for RemoteConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        write!(f, "RemoteConfig {{ url: {:?}, user: {:?} }}", self.url, self.credentials.as_ref().map(|c| &c.0))
    }
}

/// A connected external authority.
pub struct RemoteTsa {
    agent: ureq::Agent,
    url: String,
    authorization: Option<zeroize::Zeroizing<String>>,
    /// The longest token expected: the first answer's length and room to
    /// spare; `/Contents` is sized by it.
    pub max_token: usize,
    /// The certificates the first answer carried (the authority's), for
    /// the document security store.
    pub certs: Vec<Vec<u8>>,
    /// The certificate that signed the first answer (DER).
    pub cert: Vec<u8>,
    /// The key (subject public key info, DER) that signed the first
    /// answer: the district's signed list must name it.
    pub spki: Vec<u8>,
    /// Its certificate's subject, shown.
    pub subject: String,
}

impl std::fmt::Debug for RemoteTsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RemoteTsa {{ url: {:?} }}", self.url)
    }
}

/// A TimeStampReq (RFC 3161 §2.4.1): version 1, the SHA-256 imprint, the
/// nonce, certReq TRUE.
fn request(imprint: &[u8; 32], nonce: &[u8; 8]) -> Vec<u8> {
    let alg = tlv(0x30, &tlv(0x06, OID_SHA256));
    let imprint = tlv(0x30, &[alg, tlv(0x04, imprint)].concat());
    tlv(0x30, &[tlv(0x02, &[1]), imprint, tlv(0x02, nonce), vec![0x01, 0x01, 0xff]].concat())
}

/// A fresh nonce from the OS random source, as the INTEGER's content: a
/// positive number in its shortest form (first byte 0x01–0x7f).
fn fresh_nonce() -> Result<[u8; 8], String> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|_| "the OS random source failed (for a nonce)".to_string())?;
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    Ok(nonce)
}

/// The token of a TimeStampResp (RFC 3161 §2.4.2), or why there is none.
fn token_of(answer: &[u8]) -> Result<Vec<u8>, String> {
    use crate::util::der::{items, tlv as read};
    let bad = || "the answer is not a time-stamp response (RFC 3161)".to_string();
    let (t, s, e) = read(answer, 0, answer.len()).filter(|x| x.2 == answer.len()).ok_or_else(bad)?;
    let parts = items(answer, s, e).filter(|p| t == 0x30 && !p.is_empty()).ok_or_else(bad)?;
    let status = items(answer, parts[0].1, parts[0].2).filter(|p| parts[0].0 == 0x30 && !p.is_empty()).ok_or_else(bad)?;
    let code = &answer[status[0].1..status[0].2];
    if status[0].0 != 0x02 || !(code == [0] || code == [1]) {
        // statusString: the service's own words, shown escaped.
        let said = status
            .get(1)
            .filter(|s| s.0 == 0x30)
            .and_then(|s| items(answer, s.1, s.2))
            .and_then(|texts| texts.first().map(|t| crate::util::show::clip_shown(&String::from_utf8_lossy(&answer[t.1..t.2]), 200)))
            .unwrap_or_default();
        return Err(format!("the authority refused (status {}){}", code.first().copied().unwrap_or(255), if said.is_empty() { String::new() } else { format!(": {said}") }));
    }
    let token = parts.get(1).ok_or("the authority granted no token")?;
    Ok(answer[token.3..token.2].to_vec())
}

/// The authority's certificate `signer` and those above it among
/// `carried` (each the issuer of the one before, by its signature, up to
/// a self-signed one): what every file's store carries of a token's
/// certificates, and whose status is fetched. Any other certificate a
/// token carries (its set is not signed: anyone on the way could add
/// some) is left out; two different certificates carrying an issuer's
/// name are refused, since a forged one can wrap the real issuer's public
/// key and pass the signature check (pin the chain with `tsa_chain`).
fn chain_of(signer: &[u8], carried: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, String> {
    use x509_cert::der::Decode as _;
    let parsed: Vec<(Vec<u8>, x509_cert::Certificate)> = carried.iter().filter_map(|d| x509_cert::Certificate::from_der(d).ok().map(|c| (d.clone(), c))).collect();
    let mut at = x509_cert::Certificate::from_der(signer).map_err(|_| "its certificate is not readable".to_string())?;
    let mut chain = vec![signer.to_vec()];
    while chain.len() < 8 && at.tbs_certificate().issuer() != at.tbs_certificate().subject() {
        let mut named = parsed.iter().filter(|(d, c)| !chain.contains(d) && c.tbs_certificate().subject() == at.tbs_certificate().issuer());
        let first = named.next();
        let others = named.count();
        if others > 0 {
            return Err(format!(
                "its answer carries {} different certificates named {}: which one issued the authority's is unclear (pin its chain with tsa_chain in the settings file)",
                others + 1,
                crate::util::show::clip_shown(&at.tbs_certificate().issuer().to_string(), 160)
            ));
        }
        let Some((der, c)) = first.filter(|(_, c)| crate::trust::pdfkey::issued_by(&at, c) == Some(true)) else { break };
        chain.push(der.clone());
        at = c.clone();
    }
    Ok(chain)
}

impl RemoteTsa {
    /// Connect to `config`'s authority and ask it once (the answer sizes
    /// the run's `/Contents` and gives its certificates): an error names
    /// the URL and what went wrong, before anything of the night is made.
    pub fn connect(config: &RemoteConfig) -> Result<RemoteTsa, PadesError> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .max_idle_connections_per_host(CONCURRENT * 2)
            .user_agent(concat!("terbit/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let authorization = config.credentials.as_ref().map(|(user, password)| {
            use base64ct::Encoding;
            zeroize::Zeroizing::new(format!("Basic {}", base64ct::Base64::encode_string(format!("{user}:{}", password.as_str()).as_bytes())))
        });
        let mut tsa = RemoteTsa { agent, url: config.url.clone(), authorization, max_token: 0, certs: Vec::new(), cert: Vec::new(), spki: Vec::new(), subject: String::new() };
        let probe = *b"terbit: is the authority there?";
        let (token, stamp) = tsa.ask_imprint(&Sha256::digest(probe).into()).map_err(|why| PadesError(format!("the time-stamp authority {}: {why}", crate::util::show::clip_shown(&tsa.url, 200))))?;
        let pinned = !config.chain.is_empty();
        let carried = if pinned { config.chain.clone() } else { crate::pdf::token::certificates(&token) };
        tsa.certs = chain_of(&stamp.cert, &carried).map_err(|why| PadesError(format!("the time-stamp authority {}: {why}", crate::util::show::clip_shown(&tsa.url, 200))))?;
        if pinned && tsa.certs.len() < 2 {
            return Err(PadesError(format!(
                "the time-stamp authority {}: its certificate is not issued by any certificate of tsa_chain (the pinned chain of its certification authority)",
                crate::util::show::clip_shown(&tsa.url, 200)
            )));
        }
        tsa.max_token = token.len() + 1024;
        tsa.spki = stamp.spki;
        tsa.cert = stamp.cert.clone();
        tsa.subject = <x509_cert::Certificate as x509_cert::der::Decode>::from_der(&stamp.cert)
            .map(|c| crate::util::show::clip_shown(&c.tbs_certificate().subject().to_string(), 160))
            .unwrap_or_default();
        Ok(tsa)
    }

    /// The service's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// One token whose message imprint is `imprint` (a SHA-256), with its retries.
    fn ask_imprint(&self, imprint: &[u8; 32]) -> Result<(Vec<u8>, crate::pdf::token::Stamp), String> {
        with_retries(|| {
            let nonce = match fresh_nonce() {
                Ok(n) => n,
                Err(why) => return Attempt::Stop(why),
            };
            match self.once(&request(imprint, &nonce)) {
                // An answer that is no good token for this request is not asked again.
                Attempt::Done(answer) => match Self::stamp_of(&answer, imprint, &nonce) {
                    Ok(t) => Attempt::Done(t),
                    Err(why) => Attempt::Stop(why),
                },
                Attempt::Stop(why) => Attempt::Stop(why),
                Attempt::Again(why) => Attempt::Again(why),
            }
        })
    }

    /// The token an answer carries, read in full: it must stamp `imprint` with `nonce`.
    fn stamp_of(answer: &[u8], imprint: &[u8; 32], nonce: &[u8; 8]) -> Result<(Vec<u8>, crate::pdf::token::Stamp), String> {
        let token = token_of(answer)?;
        let stamp = crate::pdf::token::read_imprint(&token, imprint)?;
        if stamp.nonce.as_deref() != Some(&nonce[..]) {
            return Err("the authority's token does not carry this request's nonce".into());
        }
        Ok((token, stamp))
    }

    /// One request: the answer, a refusal of the request as such
    /// (credentials, URL: not asked again), or a failure that may pass.
    fn once(&self, body: &[u8]) -> Attempt<Vec<u8>> {
        let mut req = self.agent.post(&self.url).header("Content-Type", "application/timestamp-query");
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a.as_str());
        }
        let shown = |e: &ureq::Error| crate::util::show::clip_shown(&e.to_string(), 200);
        let mut resp = match req.send(body) {
            Ok(resp) => resp,
            Err(ureq::Error::StatusCode(code @ (401 | 403))) => {
                return Attempt::Stop(format!(
                    "the service answered HTTP {code}: it does not accept the credentials (terbit.toml's tsa_credentials, or the service manager's terbit-tsa-credentials){}",
                    if self.authorization.is_none() { " — none were given" } else { "" }
                ))
            }
            Err(ureq::Error::StatusCode(code @ 400..=499)) => return Attempt::Stop(format!("the service answered HTTP {code}: check terbit.toml's tsa_url")),
            Err(other) => return Attempt::Again(shown(&other)),
        };
        match resp.body_mut().with_config().limit(MAX_ANSWER).read_to_vec() {
            Ok(bytes) => Attempt::Done(bytes),
            Err(e) => Attempt::Again(shown(&e)),
        }
    }

    /// Tokens for the signature values `signatures`, in order, asked
    /// [`CONCURRENT`] at a time; the first that cannot be had stops the batch.
    pub fn tokens(&self, signatures: &[&[u8]]) -> Result<Vec<Vec<u8>>, PadesError> {
        let imprints: Vec<[u8; 32]> = signatures.iter().map(|s| Sha256::digest(s).into()).collect();
        self.tokens_for(&imprints)
    }

    /// Tokens whose message imprints are `imprints` (SHA-256s), in order,
    /// asked [`CONCURRENT`] at a time (a renewal's document time-stamps).
    pub fn tokens_for(&self, imprints: &[[u8; 32]]) -> Result<Vec<Vec<u8>>, PadesError> {
        let mut out: Vec<Option<Vec<u8>>> = vec![None; imprints.len()];
        let chunk = imprints.len().div_ceil(CONCURRENT).max(1);
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = imprints
                .chunks(chunk)
                .zip(out.chunks_mut(chunk))
                .map(|(sigs, slots)| {
                    scope.spawn(move || -> Result<(), String> {
                        for (imprint, slot) in sigs.iter().zip(slots) {
                            let (token, _) = self.ask_imprint(imprint)?;
                            if token.len() > self.max_token {
                                return Err(format!("a token of {} bytes, longer than the {} the run reserved from the first", token.len(), self.max_token));
                            }
                            *slot = Some(token);
                        }
                        Ok(())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a request thread panicked".into()))).collect()
        });
        if let Some(Err(why)) = results.into_iter().find(Result::is_err) {
            return Err(PadesError(format!("the time-stamp authority {}: {why}", crate::util::show::clip_shown(&self.url, 200))));
        }
        out.into_iter().map(|t| t.ok_or_else(|| PadesError("a token is missing".into()))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_der_with_a_positive_nonce() {
        for _ in 0..64 {
            let n = fresh_nonce().unwrap();
            assert!(n[0] != 0 && n[0] < 0x80, "{n:?}");
        }
        let r = request(&[7; 32], &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        let (t, s, e) = crate::util::der::tlv(&r, 0, r.len()).unwrap();
        assert_eq!((t, e), (0x30, r.len()));
        let parts = crate::util::der::items(&r, s, e).unwrap();
        assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0x02, 0x30, 0x02, 0x01]);
        assert_eq!(r[parts[2].1], 0x7f);
    }

    #[test]
    fn only_the_authoritys_chain_is_kept_of_a_tokens_certificates() {
        let root = crate::trust::list::tests::test_root();
        let key = p256::ecdsa::SigningKey::from_slice(&[0x31; 32]).unwrap();
        let tsa = crate::trust::tsa::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_082_758_400).unwrap();
        let other = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_082_758_400).unwrap();
        // An added certificate (another the root issued, or junk) is left out; the order is the chain's.
        let carried = vec![other, b"junk".to_vec(), root.cert.der.clone(), tsa.clone()];
        assert_eq!(chain_of(&tsa, &carried), Ok(vec![tsa.clone(), root.cert.der.clone()]));
        assert_eq!(chain_of(&tsa, &[]), Ok(vec![tsa.clone()]));
        // A second certificate with the root's name (another key): refused as unclear.
        let same_name = crate::trust::list::tests::test_root_with(&[0x55; 32]);
        let e = chain_of(&tsa, &[root.cert.der.clone(), same_name.cert.der.clone()]).unwrap_err();
        assert!(e.contains("2 different certificates named"), "{e}");
    }

    #[test]
    fn a_refusal_is_said_in_the_services_words() {
        // status 2 (rejection), statusString "bad\x1b[2J".
        let status = tlv(0x30, &[tlv(0x02, &[2]), tlv(0x30, &tlv(0x0c, b"bad\x1b[2J"))].concat());
        let answer = tlv(0x30, &status);
        let e = token_of(&answer).unwrap_err();
        assert!(e.contains("refused (status 2)") && !e.contains('\x1b'), "{e}");
        assert!(token_of(b"\x30\x03\x02\x01").is_err());
    }
}
