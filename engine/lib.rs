//! terbit — issue signed, print-ready civil-registration documents in bulk,
//! and verify them offline.
//!
//! # Steps
//!
//! One nightly run ([`issue::issue`]) is a pipeline of stages, each a folder
//! of this crate; only the CLI (`main.rs`) touches the clock, and only
//! [`output`] (and each document's own file, written by the worker that made
//! it) writes into the run:
//!
//! 1. **read** ([`input::batch`]): each batch file is fingerprinted (its
//!    digest names the run) and its header sorts it into a kind
//!    ([`kind`]); a kind's rows become one polars `DataFrame` when its turn
//!    comes, every row traced to `file:line`.
//! 2. **validate** ([`input::validate`]): columnar polars rules over the
//!    whole kind; each violation is a [`input::validate::Reject`] naming its
//!    [`input::rules::Rule`], field, value and message. Every row ends
//!    accepted or rejected.
//! 3. **number** ([`numbering`]): accepted applications get gap-free
//!    document numbers from the SQLite register, in one transaction; an
//!    application already issued is never numbered again.
//! 4. **sign** ([`dk1`]): the signed record as a COSE_Sign1 (Ed25519) in a
//!    `DK1:` Base45 QR text, as `engine/dk1/README.md` specifies.
//! 5. **render** ([`pdf`], driven by the kind's [`kind::template`]): one
//!    PDF per document, the QR a 1-bit image; each document shape is made
//!    once as a skeleton the next documents of that shape fill. Sign and
//!    render run on rayon workers ([`model`] gives them each document's
//!    values and signed record), which write each document's own file.
//! 6. **write** ([`output`]): one writer thread behind a bounded crossbeam
//!    channel records what is ordered — the manifest, the service points'
//!    print files, the register's marks — then the batch seal, `rejects.csv`
//!    and the report.
//!
//! Kinds go through these steps one after another, the next kind's steps
//! 1–3 running while this kind's documents are made (unless the two kinds
//! together are too many rows to hold at once), so a night of a million
//! applications holds at most two kinds' rows at a time.
//!
//! [`verify`] is the auditor's side: DK1 text, PDFs, photos and run
//! directories judged against trust lists signed by pinned district roots
//! and their revocation lists ([`trust`]: the roots, signed lists, bundles,
//! PDF-signing certificates, the verifier's [`trust::store::TrustStore`] and
//! the rules of publishing them).
//! [`archive`] is the yearly renewal of issued runs (PAdES B-LTA): every
//! sealed file gets fresh validation data and a document time-stamp
//! appended, which `verify` takes apart again.
//! [`clerk_page`] writes the clerks' offline page, whose script makes the same
//! checks in the browser. [`input::samples`] makes realistic synthetic
//! batches for demos, tests and benchmarks; [`util`] holds what every stage
//! may use.
//!
//! Each folder imports only the stages listed before it (`util ← kind ←
//! {input, numbering, dk1} ← trust ← model ← pdf ← output ← issue`;
//! `verify` uses `util`, `kind`, `dk1`, `trust`, `model` and `pdf`;
//! `clerk_page` uses `kind`, `dk1` and `trust`; `archive` uses `verify` and
//! what it uses):
//! `tests/layering.rs` keeps it so.
//!
//! Every run is deterministic: the same batch, register state, key, issue
//! date and templates give byte-identical PDFs, manifests and seals.

#![forbid(unsafe_code)]

pub mod archive;
pub mod error;
pub mod util;
pub mod kind;
pub mod input;
pub mod numbering;
pub mod dk1;
pub mod trust;
pub mod model;
pub mod pdf;
pub mod output;
pub mod issue;
pub mod verify;
pub mod clerk_page;

pub use error::{Error, Result};
