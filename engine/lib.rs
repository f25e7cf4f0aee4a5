//! terbit — issue signed, print-ready civil-registration documents in bulk,
//! and verify them offline.
//!
//! One nightly run is a pipeline of pure stages; only the CLI (`main.rs`)
//! touches the clock, and only [`sink`] writes files:
//!
//! 1. **read** ([`batch`]): CSV or Parquet batch files into one polars
//!    `DataFrame`, headers matched by name, every row traced to `file:line`.
//! 2. **validate** ([`validate`]): columnar polars rules over the whole batch;
//!    each violation becomes a [`validate::Reject`] with rule, field, value and
//!    message. Every row ends accepted or rejected.
//! 3. **number** ([`register`]): accepted applications get gap-free document
//!    numbers from the SQLite register, in one transaction; an application
//!    already issued is never numbered again.
//! 4. **seal** ([`dk1`]): the signed record as a COSE_Sign1 (Ed25519) in a
//!    `DK1:` Base45 QR text, as `engine/dk1/README.md` specifies.
//! 5. **render** ([`render`], driven by a [`template`]): one A4 PDF per
//!    document with printpdf, the QR drawn as a 1-bit image ([`qr`]); the
//!    template's fixed drawing (and every text made of run-wide fields) is
//!    made once per run, and each document shape once, as a skeleton that
//!    the next documents of that shape fill ([`fragment`], [`contents`]).
//!    Seal and render run on rayon workers, and each worker writes its
//!    documents' own files atomically ([`sink::DocFiles`]).
//! 6. **sink** ([`sink`]): one writer thread behind a bounded crossbeam
//!    channel writes what is ordered — the manifest, the service points'
//!    print files, the register's marks — in input order.
//! 7. **report** ([`issue::RunSummary`], [`report`]): counts, rejects with
//!    examples, timings and the seal's root, as `report.json` and a
//!    self-contained `report.html`.
//!
//! Kinds go through stages 1–6 one after another, the next kind's stages
//! 1–3 running while this kind's documents are made (unless the two kinds
//! together are too many rows to hold at once), so a night of a million
//! applications holds at most two kinds' rows at a time.
//!
//! [`verify`] is the auditor's side: DK1 text, PDFs and run directories
//! checked against a trust list ([`keys::TrustList`]). [`samples`] makes
//! realistic synthetic batches for demos, tests and benchmarks.
//!
//! Every run is deterministic: the same batch, register state, key, issue
//! date and templates give byte-identical PDFs and manifests.

#![forbid(unsafe_code)]

pub mod error;
pub mod util;
pub mod kind;
pub mod input;
pub mod numbering;
pub mod dk1;
pub mod pdf;
pub mod output;
pub mod issue;
pub mod verify;

pub use error::{Error, Result};
