//! The document model, shared by the issuer and the auditor: what one
//! document is made of, and the two directions between it and its signed
//! record.
//!
//! - [`document`]: the issuer's direction. A batch row becomes a
//!   [`DocInput`] (its values in the template's field order: the row's, then
//!   the [`Derived`] ones — number, issue date, region, key id, … — then the
//!   area names of each village code), and [`claims_for`] makes the signed
//!   record the template's `[record]` declares from it.
//! - [`signed`]: the auditor's direction. From a QR's claims,
//!   [`SignedValues`] rebuilds every field value the record fixes, in the
//!   form the template prints it, so the page reader can require the page to
//!   show exactly that.
//!
//! Kinds, templates and the [`Derived`] values themselves are
//! [`crate::kind`]'s (a template names its fields when it is loaded); the
//! claims' encoding is [`crate::dk1`]'s. This room sits above both and below
//! the renderer, the issuing run and the auditor, which all use it:
//! `tests/layering.rs` keeps it so.

pub mod document;
pub mod signed;

pub use crate::kind::derived::Derived;
pub use document::{claims_for, derive, midnight_utc, placeholder_document, run_values, DocInput};
pub use signed::SignedValues;
