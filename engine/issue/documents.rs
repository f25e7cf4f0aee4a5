//! Seal, render and write one kind's numbered applications: rayon workers
//! make each document and write its own file; one writer thread records
//! them in order behind a bounded crossbeam channel.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::dk1::{self, keys::Signer, qr};
use crate::error::{Error, Result};
use crate::kind::region::Region;
use crate::kind::template::Template;
use chrono::NaiveDate;
use crate::output::sink::{DocFiles, IssuedDoc, Sink};
use crate::pdf::render::{Document, Renderer};
use crate::pdf::sign::Place;

use super::kinds::{get, KindRun};
use crate::model::{claims_for, derive, run_values, DocInput};
use super::options::Progress;

/// What every document of a run shares: all the per-document code needs
/// of the run's options.
#[derive(Clone, Copy)]
pub struct Issuance<'a> {
    /// The issuing region.
    pub region: &'a Region,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// Issue time in the claims (epoch seconds).
    pub issued_at: i64,
    /// Signs every PDF (PAdES B-B): a run without a certified PDF key
    /// issues nothing.
    pub pades: &'a std::sync::Arc<crate::pdf::sign::Pades>,
}

/// Documents made between two hand-overs to the sink. The workers share a
/// chunk's signing batches and wait for each other at its end, so a chunk
/// holds many batches: at 4 (512 documents, when batches grew from 32 to
/// 128) a core idled ~6% of the night at those ends (the night's wall
/// 3% over 1f1ad5e's at the same CPU, bench/RESULTS.md, issue 28).
const CHUNK: usize = 16 * SIGN_BATCH;
/// Documents a worker makes before signing them together: their PDF
/// signatures share their two inversions and their fault check
/// (pdf/ecdsa.rs, batches of 128).
const SIGN_BATCH: usize = crate::pdf::ecdsa::BATCH;
/// Chunks rendered ahead of the sink: enough to ride out the sink's
/// occasional waits on the disk (a register checkpoint, a print file's
/// buffer) without the renderers running dry (4,096 documents, as 8 of
/// 512 were); each is ~8 MB with its documents' print-file bodies.
const CHANNEL_CHUNKS: usize = 2;

/// Nanoseconds of work per step of the document stage, summed over threads.
#[derive(Default)]
pub(super) struct StepClock {
    seal: AtomicU64,
    qr: AtomicU64,
    render: AtomicU64,
    /// PDF signatures (PAdES), when the run signs.
    sign: AtomicU64,
    /// Workers writing documents' own files.
    file: AtomicU64,
    /// The sink: manifest, print files, register.
    write: AtomicU64,
}

impl StepClock {
    fn add(counter: &AtomicU64, since: Instant) -> Instant {
        let now = Instant::now();
        counter.fetch_add((now - since).as_nanos() as u64, Ordering::Relaxed);
        now
    }

    pub(super) fn seconds(&self) -> BTreeMap<String, f64> {
        [
            ("seal", &self.seal),
            ("qr", &self.qr),
            ("render", &self.render),
            ("sign", &self.sign),
            ("file", &self.file),
            ("write", &self.write),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.load(Ordering::Relaxed) as f64 / 1e9))
        .collect()
    }
}

/// Seal and render one document: what the sink records of it (but the
/// PDF's digest), and its PDF with the signature's place left open when
/// the run signs. Pure but for the clock: the same input gives the same
/// bytes.
fn make_document(
    doc: &DocInput,
    t: &Template,
    signer: &Signer,
    renderer: &Renderer,
    at: Issuance,
    clock: &StepClock,
) -> Result<(IssuedDoc, Vec<u8>, Option<Place>)> {
    let t0 = Instant::now();
    let claims = claims_for(t, doc, &at.region.code, at.issued_at, at.issue_date);
    let text = dk1::seal(&claims, signer);
    let t0 = StepClock::add(&clock.seal, t0);
    let packed = qr::encode_1bit(&text).map_err(|e| Error::Render { document: doc.number.clone(), message: e.to_string() })?;
    let t0 = StepClock::add(&clock.qr, t0);
    let rendered = renderer.render_unsigned(&Document {
        values: &doc.values,
        members: &doc.members,
        number: &doc.number,
        qr: &packed,
        issue_date: at.issue_date,
    });
    StepClock::add(&clock.render, t0);
    let (pdf, place, fragment) = rendered?;
    let service_point = doc.values[t.schema.service_point].clone();
    let doc = IssuedDoc {
        file: format!("{service_point}/{}/{}.pdf", t.kind, doc.number),
        number: doc.number.clone(),
        application_id: doc.values[t.schema.id].clone(),
        kind: t.kind.clone(),
        nik: claims.record.nik.clone(),
        service_point,
        sha256: String::new(),
        qr: text,
        fragment,
    };
    Ok((doc, pdf, place))
}

/// Sign a batch of made documents, then write each one's file: what the
/// sink records of them, in order. No document leaves unsigned.
fn sign_and_write(mut made: Vec<(IssuedDoc, Vec<u8>, Option<Place>)>, renderer: &Renderer, files: &DocFiles, clock: &StepClock) -> Result<Vec<IssuedDoc>> {
    let (Some(pades), true) = (renderer.signer(), made.iter().all(|(_, _, place)| place.is_some())) else {
        return Err(Error::Refused("a document was made without its signature's place: nothing unsigned is written (please report this)".into()));
    };
    let t = Instant::now();
    let mut open: Vec<(&mut [u8], Place)> = made.iter_mut().filter_map(|(_, pdf, place)| place.map(|p| (pdf.as_mut_slice(), p))).collect();
    let whole = pades.sign_many(&mut open).map_err(|e| Error::TimeStamp(e.0))?;
    StepClock::add(&clock.sign, t);
    made.into_iter()
        .zip(whole)
        .map(|((mut doc, pdf, _), sha256)| {
            doc.sha256 = hex::encode(sha256);
            let t = Instant::now();
            files.write(&doc.file, &pdf)?;
            StepClock::add(&clock.file, t);
            Ok(doc)
        })
        .collect()
}

/// Seal, render and write one kind's numbered applications on rayon
/// workers; record them on one thread, in order, behind a bounded channel.
#[allow(clippy::too_many_arguments)] // the run's shared state, each borrowed differently
pub(super) fn issue_kind(
    k: &KindRun,
    at: Issuance,
    progress: Option<Progress>,
    signer: &Signer,
    kid_hex: &str,
    sink: &mut Sink,
    clock: &StepClock,
    total: usize,
) -> Result<()> {
    let mut renderer = Renderer::new(k.template.clone(), at.region)?.with_run_values(&run_values(k.template, at.region, at.issue_date, kid_hex));
    renderer = renderer.with_signature(at.pades.clone());
    let (tx, rx) = crossbeam_channel::bounded::<Vec<IssuedDoc>>(CHANNEL_CHUNKS);
    let files = sink.files();
    std::thread::scope(|scope| -> Result<()> {
        // Named, so that `top -H` and profiles tell the threads apart.
        let writer = std::thread::Builder::new()
            .name("terbit-sink".into())
            .spawn_scoped(scope, move || -> Result<()> {
                for chunk in rx {
                    let t = Instant::now();
                    sink.write_chunk(chunk)?;
                    StepClock::add(&clock.write, t);
                    if let Some(p) = &progress {
                        p(sink.written, total);
                    }
                }
                Ok(())
            })
            .map_err(|e| Error::Thread { what: "writer", how: format!("could not start: {e}") })?;
        let produced = (|| -> Result<()> {
            for chunk in k.to_issue.chunks(CHUNK) {
                // Gathering a document's values happens on the workers too.
                let docs = chunk
                    .par_chunks(SIGN_BATCH)
                    .map(|batch| {
                        let made = batch
                            .iter()
                            .map(|(a, number)| make_document(&doc_input(k, at, *a, number, kid_hex), k.template, signer, &renderer, at, clock))
                            .collect::<Result<Vec<_>>>()?;
                        sign_and_write(made, &renderer, &files, clock)
                    })
                    .collect::<Result<Vec<_>>>()?
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>();
                if tx.send(docs).is_err() {
                    // The writer stopped: its error is reported below.
                    return Ok(());
                }
            }
            Ok(())
        })();
        drop(tx);
        writer.join().map_err(|_| Error::Thread { what: "writer", how: "panicked".into() })??;
        produced
    })
}

fn doc_input(k: &KindRun, at: Issuance, app: usize, number: &str, kid: &str) -> DocInput {
    let t = k.template;
    let rows = &k.apps[app];
    let ncols = k.cols.len();
    let row_values = |r: usize| -> Vec<String> { (0..ncols).map(|c| get(&k.cols, c, r)).collect() };
    let mut values = row_values(rows[0]);
    let members: Vec<Vec<String>> = if t.schema.group {
        // Table order: the input order of the rows (the head first).
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                // Member fields are the columns, then `row_no` (Schema::member_fields).
                let mut m = row_values(*r);
                m.push((i + 1).to_string());
                m
            })
            .collect()
    } else {
        Vec::new()
    };
    let extra = derive(t, at.region, &values, number, at.issue_date, kid, rows.len());
    values.extend(extra);
    debug_assert_eq!(values.len(), t.fields.len());
    DocInput { number: number.to_string(), values, members }
}

