//! Trust: who vouches for which key, and how a verifier comes to believe
//! it (formats in `engine/dk1/README.md`, §8–§11).
//!
//! **The map.** A district's [`root`] ([`root::RootKey`], kept offline; its
//! self-signed [`root::RootCert`], which verifiers pin by
//! [`root::Fingerprint`] through a [`root::Pin`]) signs the district's
//! [`list::SignedTrustList`]: its DK1 keys (`dk1::keys::TrustList` of
//! `TrustEntry`s, decoded as `TrustedKey`s — DK1's own, since every signed
//! DK1 file is checked against them) and the certificates the root gave its
//! PDF-signing keys ([`pdfkey`]; a certification authority's key and chain
//! arrive as PKCS#12, [`p12`]). A list that checks against a pin becomes a
//! [`list::VerifiedTrust`]. Several districts' lists, each with its pin and
//! revocation lists, travel as one [`bundle::Bundle`] (of
//! [`bundle::DistrictTrust`]s; whole, a [`bundle::VerifiedBundle`]). A
//! verifier loads a bundle or a list from a [`store::TrustSource`] into a
//! [`store::TrustStore`] (fail-closed, with a memory that refuses
//! rollback; [`store::TrustInfo`] says where each district's data came from
//! and how fresh it is, [`store::Revocations`] and [`store::ListInfo`] what
//! the revocation lists hold), and judges documents against a
//! [`store::Trust`] (its keys decoded once). What the district does to
//! publish all this — list numbers that only grow, PDF keys certified,
//! bundles assembled whole — is [`publish`]. The district's own time-stamp
//! authority ([`tsa`], listed in the signed list) stamps PDF signatures,
//! and the root's [`crl`] travels in each PDF beside the certificates (its
//! [`ocsp`] answers for the authority's certificate in each renewal), so
//! that signatures can be validated long after their certificates end
//! (formats in `engine/dk1/README.md`, §12–§13).
//!
//! `dk1` keeps the QR format, the claims, the COSE envelope, the DK1 keys,
//! revocation lists and the batch seal; this room builds on it.

pub mod bundle;
pub mod crl;
pub mod fetch;
pub mod list;
pub mod ocsp;
pub mod p12;
pub mod pdfkey;
pub mod publish;
pub mod root;
pub mod store;
pub mod tsa;
