//! The PDF file's own signature (PAdES B-B): the CMS it carries
//! ([`pades`]), its ECDSA P-256 check by a well-kept implementation
//! ([`ecdsa`]), and the reason codes its answers carry, shared with the
//! clerks' page ([`reasons`]).

pub mod ecdsa;
pub mod pades;
pub mod reasons;

