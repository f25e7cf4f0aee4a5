//! The PDF file's own signature (PAdES): the CMS it carries
//! ([`pades`]), the archive time-stamps renewals add ([`archive`]), its ECDSA P-256 check by a well-kept implementation
//! ([`ecdsa`]), and the reason codes its answers carry, shared with the
//! clerks' page ([`reasons`]).

pub mod archive;
pub mod ecdsa;
pub mod pades;
pub mod reasons;

