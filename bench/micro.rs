//! Criterion micro-benchmarks of the per-document stages: seal (CBOR +
//! Ed25519 + Base45), QR encoding, rendering one PDF (a birth certificate
//! from its shape's skeleton and made whole by printpdf, a two-page family
//! card of twelve, a name that needs the embedded font),
//! writing (one document file, temporary + rename, on the target dir's
//! disk; appending a document to a merged print file), and validation per
//! 10,000 rows (birth, and family card members).

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use chrono::NaiveDate;

// The same allocator as the `terbit` binary, so the figures are its own.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use terbit::input::batch::Batch;
use terbit::dk1;
use terbit::model::{claims_for, placeholder_document, run_values};
use terbit::dk1::keys::{kid_of, Signer};
use terbit::kind::region::Region;
use terbit::pdf::render::{Document, Renderer};
use terbit::input::samples::{rows, to_frame, SampleOptions};
use terbit::kind::template::{Template, Templates};
use terbit::input::validate::{validate, Context};

fn batch_of(t: &Template, rows: &[Vec<String>]) -> Batch {
    let names: Vec<&str> = t.schema.names().collect();
    Batch {
        origin: (0..rows.len() as u32).map(|i| (0, i + 2)).collect(),
        df: to_frame(&names, rows).unwrap(),
        files: vec!["bench.csv".into()],
        by_line: vec![true],
        warnings: vec![],
    }
}

fn stages(c: &mut Criterion) {
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let region = Region::kediri();
    let templates = Templates::embedded();
    let birth = templates.get("birth").unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
    let signer = Signer { kid: kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() };
    let number = "3506-LU-23112026-0001";
    let doc = placeholder_document(birth, number, &[("child_name", "Ayu Lestari Pratama"), ("birth_date", "2026-10-05")]);
    let claims = claims_for(birth, &doc, "3506", 1_795_392_000, date);
    let text = dk1::seal(&claims, &signer);
    let matrix = terbit::dk1::qr::encode_1bit(&text).unwrap();
    // As the pipeline prepares it: texts every document of the run shares
    // are drawn once per run.
    let renderer = Renderer::new(birth.clone(), &region).unwrap().with_run_values(&run_values(birth, &region, date, "dd2fb4e18b5e1ce3"));

    c.bench_function("seal", |b| b.iter(|| dk1::seal(&claims, &signer)));
    c.bench_function("qr_encode", |b| b.iter(|| terbit::dk1::qr::encode(&text).unwrap()));
    let d = Document { values: &doc.values, members: &[], number, qr: &matrix, issue_date: date };
    c.bench_function("render_birth", |b| b.iter(|| renderer.render(&d).unwrap()));
    // The PDF signature (PAdES B-B): its parts, and a document rendered signed.
    let new_root = terbit::trust::root::generate("3506", "KABUPATEN KEDIRI", &[0x42; 32], 1_767_225_600, 20).unwrap();
    let root = terbit::trust::root::RootKey::from_pem(&new_root.key_pem, &terbit::trust::root::pem_decode(new_root.cert_pem.as_bytes()).unwrap()).unwrap();
    let pdf_key = p256::ecdsa::SigningKey::from_slice(&[0x21; 32]).unwrap();
    let cert = terbit::trust::pdfkey::certify(&root, pdf_key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_398_377_600).unwrap();
    let signer = terbit::trust::pdfkey::PdfSigner { key: pdf_key, cert, chain: vec![root.cert.der.clone()] };
    let pades = std::sync::Arc::new(terbit::pdf::sign::Pades::new(&signer).unwrap());
    let unsigned = renderer.render(&d).unwrap();
    c.bench_function("pades_sha256_document", |b| b.iter(|| <sha2::Sha256 as sha2::Digest>::digest(&unsigned)));
    c.bench_function("pades_cms_ecdsa_p256", |b| b.iter(|| pades.cms(&[7u8; 32])));
    // The two ECDSA P-256 signers, same RFC 6979 signatures: the p256
    // crate's one at a time, and terbit's batches (pdf/ecdsa.rs: p256's
    // generator table, batch_normalize and batch inversion).
    let prehash = [9u8; 32];
    c.bench_function("ecdsa_p256_crate_sign_prehash", |b| {
        b.iter(|| -> p256::ecdsa::Signature { p256::ecdsa::signature::hazmat::PrehashSigner::sign_prehash(&signer.key, &prehash).unwrap() })
    });
    // ring (BoringSSL's nistz256 assembly), for comparison: hedged random
    // nonces, so not usable for reproducible PDFs; it hashes the message.
    let pkcs8 = p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&signer.key).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let ring_key = ring::signature::EcdsaKeyPair::from_pkcs8(&ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_bytes(), &rng).unwrap();
    c.bench_function("ecdsa_p256_ring_sign_random_nonce", |b| b.iter(|| ring_key.sign(&rng, &prehash).unwrap()));
    let table = terbit::pdf::ecdsa::TableSigner::new(&signer.key);
    c.bench_function("ecdsa_p256_table_sign_prehash", |b| b.iter(|| table.sign_prehash(&prehash)));
    // As the issue workers sign: 32 digests at once (their nonces' and
    // points' inversions shared); criterion's figure is for all 32. And
    // 256 digests (eight batches) in one call.
    let digests: Vec<[u8; 32]> = (0..32u8).map(|i| [i; 32]).collect();
    c.bench_function("ecdsa_p256_table_sign_batch_of_32", |b| b.iter(|| table.sign_prehashes(&digests)));
    let digests: Vec<[u8; 32]> = (0..=255u8).map(|i| [i; 32]).collect();
    c.bench_function("ecdsa_p256_table_sign_256", |b| b.iter(|| table.sign_prehashes(&digests)));
    // The PDF signature checker (verify/signature/ecdsa.rs, ring) against the p256
    // crate's verifier, on one signature of a signed attribute set's size.
    let message = [5u8; 200];
    let sig = p256::ecdsa::Signature::from_der(table.sign_prehash(&<sha2::Sha256 as sha2::Digest>::digest(message).into()).as_bytes()).unwrap();
    let vk = *signer.key.verifying_key();
    c.bench_function("ecdsa_p256_verify_ring", |b| b.iter(|| assert!(terbit::verify::signature::ecdsa::verify(&vk, &message, &sig))));
    c.bench_function("ecdsa_p256_verify_p256_crate", |b| {
        b.iter(|| p256::ecdsa::signature::Verifier::<p256::ecdsa::Signature>::verify(&vk, &message, &sig).unwrap())
    });
    c.bench_function("ecdsa_p256_table_setup", |b| b.iter(|| terbit::pdf::ecdsa::TableSigner::new(&signer.key)));
    let signing = Renderer::new(birth.clone(), &region).unwrap().with_run_values(&run_values(birth, &region, date, "dd2fb4e18b5e1ce3")).with_signature(pades.clone());
    c.bench_function("render_birth_signed", |b| b.iter(|| signing.render(&d).unwrap()));
    // 32 documents rendered, then signed together (figure for all 32).
    c.bench_function("render_birth_signed_batch_of_32", |b| {
        b.iter(|| {
            let mut made: Vec<(Vec<u8>, terbit::pdf::sign::Place)> = (0..32)
                .map(|_| {
                    let (pdf, place, _) = signing.render_unsigned(&d).unwrap();
                    (pdf, place.unwrap())
                })
                .collect();
            let mut open: Vec<(&mut [u8], terbit::pdf::sign::Place)> = made.iter_mut().map(|(f, p)| (f.as_mut_slice(), *p)).collect();
            pades.sign_many(&mut open).unwrap();
            made
        })
    });
    // The same document made whole by printpdf every time (no skeleton).
    c.bench_function("render_birth_whole_printpdf", |b| b.iter(|| renderer.render_whole(&d).unwrap()));
    // The same page with a name outside WinAnsi: a font subset is embedded.
    let lucja = placeholder_document(birth, number, &[("child_name", "Łucja Søren Müller")]);
    let dl = Document { values: &lucja.values, ..d };
    c.bench_function("render_birth_embedded_font", |b| b.iter(|| renderer.render(&dl).unwrap()));

    let fc = templates.get("family_card").unwrap();
    let fc_renderer = Renderer::new(fc.clone(), &region).unwrap().with_run_values(&run_values(fc, &region, date, "dd2fb4e18b5e1ce3"));
    let mut family = placeholder_document(fc, "3506012311260001", &[]);
    let member = family.members[0].clone();
    family.members = (1..=12).map(|i| {
        let mut m = member.clone();
        if let Some(last) = m.last_mut() {
            *last = i.to_string();
        }
        m
    }).collect();
    let fd = Document { values: &family.values, members: &family.members, number: "3506012311260001", qr: &matrix, issue_date: date };
    c.bench_function("render_family_card_12_members_2_pages", |b| b.iter(|| fc_renderer.render(&fd).unwrap()));

    // Writing: a file per document as the sink writes it, on the disk the
    // benchmark runs on (the target directory), and a print-file append.
    let (pdf, fragment) = renderer.render_objects(&d).unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| "target".into());
    let dir = target.join("bench-micro-write");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut i = 0u64;
    let files = terbit::output::sink::DocFiles::new(&dir, std::sync::Arc::new(terbit::util::fs::open_dir(&dir).unwrap()), false);
    c.bench_function("write_document_file", |b| {
        b.iter(|| {
            i += 1;
            files.write(&format!("KEC-X/birth/{i}.pdf"), &pdf).unwrap()
        })
    });
    let mut print = terbit::pdf::print::PrintFile::create(&dir.join("print/KEC-X.pdf"), None).unwrap();
    c.bench_function("write_print_file_append", |b| b.iter(|| print.append(&fragment, number).unwrap()));
    print.finish().unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let ctx = Context { region: &region, issue_date: date, can_print: terbit::pdf::fonts::can_draw };
    for kind in ["birth", "family_card"] {
        let t = templates.get(kind).unwrap();
        let mut r = rows(t, &SampleOptions { region: &region, count: 10_000, seed: 1, defects: 0.05, as_of: date }).unwrap();
        r.truncate(10_000);
        c.bench_function(&format!("validate_10k_rows_{kind}"), |b| {
            b.iter_batched(|| batch_of(t, &r), |mut batch| validate(&mut batch, &t.schema, &ctx).unwrap(), criterion::BatchSize::LargeInput)
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = stages
}
criterion_main!(benches);
