//! Criterion micro-benchmarks of the per-document stages: seal (CBOR +
//! Ed25519 + Base45), QR encoding, rendering one PDF, and validation per
//! 10,000 rows.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use terbit::batch::Batch;
use terbit::dk1;
use terbit::issue::birth_claims;
use terbit::keys::{kid_of, Signer};
use terbit::region::Region;
use terbit::render::{Document, Renderer};
use terbit::samples::{birth_rows, to_frame, SampleOptions};
use terbit::template::{Template, BIRTH_FIELDS};
use terbit::validate::{birth_columns, validate, Context};

fn stages(c: &mut Criterion) {
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let region = Region::kediri();
    let rows = birth_rows(&SampleOptions { region: &region, count: 10_000, seed: 1, defects: 0.05, as_of: date });
    let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
    let signer = Signer { kid: kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() };
    let mut values = rows[0].clone();
    values.resize(BIRTH_FIELDS.len(), "x".into());
    let number = "3506-LU-23112026-0001";
    let claims = birth_claims(&values, number, "3506", 1_795_392_000, date);
    let text = dk1::seal(&claims, &signer);
    let matrix = terbit::qr::encode(&text).unwrap();
    let renderer = Renderer::new(Template::birth_default());

    c.bench_function("seal", |b| b.iter(|| dk1::seal(&claims, &signer)));
    c.bench_function("qr_encode", |b| b.iter(|| terbit::qr::encode(&text).unwrap()));
    c.bench_function("render", |b| {
        b.iter(|| renderer.render(&Document { values: &values, number, qr: &matrix, issue_date: date }).unwrap())
    });
    let df = to_frame(&birth_columns(), &rows).unwrap();
    let batch = Batch {
        origin: (0..rows.len() as u32).map(|i| (0, i + 2)).collect(),
        df,
        files: vec!["bench.csv".into()],
        by_line: vec![true],
        warnings: vec![],
        fingerprint: [0; 32],
    };
    let ctx = Context { region: &region, issue_date: date };
    c.bench_function("validate_10k_rows", |b| b.iter(|| validate(&batch, &ctx).unwrap()));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = stages
}
criterion_main!(benches);
