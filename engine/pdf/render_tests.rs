//! The renderer's tests (beside render.rs, kept apart for its length).

use super::*;
use crate::pdf::fonts::text_width_mm;

fn values(t: &Template) -> Vec<String> {
    t.fields.iter().map(|f| format!("{f} value")).collect()
}

/// The test documents' number and issue date, with `values` and `qr`.
fn document<'a>(values: &'a [String], qr: &'a Packed) -> Document<'a> {
    Document { values, members: &[], number: "3506-LU-23062021-0001", qr, issue_date: NaiveDate::from_ymd_opt(2021, 6, 23).unwrap() }
}

#[test]
fn deterministic_and_well_formed() {
    let r = Renderer::new(Template::birth_default(), &Region::kediri()).unwrap();
    let qr = crate::dk1::qr::encode_1bit("DK1:TEST 123").unwrap();
    let v = values(r.template());
    let d = document(&v, &qr);
    let a = r.render(&d).unwrap();
    let b = r.render(&d).unwrap();
    assert_eq!(a, b);
    assert!(a.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&a);
    assert!(text.contains("D:20210623"), "creation date from the issue date");
    let doc = lopdf::Document::load_mem(&a).unwrap();
    assert_eq!(doc.get_pages().len(), 1);
    let other = Document { number: "3506-LU-23062021-0002", ..d };
    assert_ne!(r.render(&other).unwrap(), a);
}

/// Every string a PDF's first page shows, in drawing order per stream.
fn shown_strings(pdf: &[u8]) -> Vec<Vec<String>> {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let page = doc.get_pages().into_values().next().unwrap();
    doc.get_page_contents(page)
        .into_iter()
        .map(|id| {
            let stream = doc.get_object(id).unwrap().as_stream().unwrap();
            let content = lopdf::content::Content::decode(&stream.decompressed_content().unwrap()).unwrap();
            content
                .operations
                .iter()
                .filter(|op| op.operator == "Tj")
                .filter_map(|op| op.operands.first().and_then(|o| o.as_str().ok()).map(|b| String::from_utf8_lossy(b).into_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn run_shared_texts_move_to_the_fixed_drawing_and_show_the_same() {
    let t = Template::birth_default();
    let official = t.field("official_name").unwrap();
    let kid = t.field("kid").unwrap();
    let mut v = values(&t);
    v[official] = "Dr. Ir. Bambang Setyo Widodo, M.Si.".into();
    let qr = crate::dk1::qr::encode_1bit("DK1:TEST 123").unwrap();
    let d = document(&v, &qr);
    let plain = Renderer::new(t.clone(), &Region::kediri()).unwrap();
    let shared = Renderer::new(t, &Region::kediri()).unwrap().with_run_values(&[(official, v[official].clone()), (kid, v[kid].clone())]);
    let (a, b) = (shown_strings(&plain.render(&d).unwrap()), shown_strings(&shared.render(&d).unwrap()));
    // Two streams each: the fixed drawing, then the document's values.
    assert_eq!((a.len(), b.len()), (2, 2));
    let has = |strings: &[String], what: &str| strings.iter().any(|s| s.contains(what));
    assert!(has(&a[1], "Bambang") && !has(&a[0], "Bambang"));
    assert!(has(&b[0], "Bambang") && !has(&b[1], "Bambang"), "the official's name is drawn once per run");
    assert!(has(&b[1], "document_number value"), "the number stays with the document");
    // The same strings are shown either way.
    let mut all_a: Vec<String> = a.concat();
    let mut all_b: Vec<String> = b.concat();
    all_a.sort();
    all_b.sort();
    assert_eq!(all_a, all_b);
}

#[test]
fn printpdf_defaults_are_trimmed() {
    let r = Renderer::new(Template::birth_default(), &Region::kediri()).unwrap();
    let qr = crate::dk1::qr::encode_1bit("DK1:TEST 123").unwrap();
    let v = values(r.template());
    let d = document(&v, &qr);
    let pdf = r.render(&d).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let page = doc.get_object(doc.get_pages()[&1]).unwrap().as_dict().unwrap();
    for key in [&b"CropBox"[..], b"TrimBox", b"Annots"] {
        assert!(!page.has(key), "{}", String::from_utf8_lossy(key));
    }
    assert!(page.has(b"MediaBox"));
    assert!(doc.objects.values().all(|o| o.as_dict().map_or(true, |d| !d.is_empty())), "no empty dictionaries");
    let info = doc.get_object(doc.trailer.get(b"Info").unwrap().as_reference().unwrap()).unwrap().as_dict().unwrap();
    assert!(info.iter().all(|(_, v)| v.as_str().map_or(true, |s| !s.is_empty())));
    assert_eq!(info.get(b"Creator").unwrap().as_str().unwrap(), b"terbit");
    assert_eq!(info.get(b"Identifier").unwrap().as_str().unwrap(), b"3506-LU-23062021-0001");

    // An embedded fallback font, written in the page, keeps its font
    // program and its ToUnicode map (text stays searchable).
    let t = r.template();
    let mut v = values(t);
    v[t.field("child_name").unwrap()] = "Łucja Søren Müller".into();
    let pdf = r.render(&Document { values: &v, ..d }).unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let page = doc.get_object(doc.get_pages()[&1]).unwrap().as_dict().unwrap();
    let fonts = page.get(b"Resources").and_then(Object::as_dict).and_then(|r| r.get(b"Font")).and_then(Object::as_dict).unwrap();
    let type0 = fonts.iter().filter_map(|(_, f)| f.as_dict().ok()).find(|f| f.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Type0")).unwrap();
    let cmap = type0.get(b"ToUnicode").and_then(Object::as_reference).and_then(|r| doc.get_object(r)).unwrap();
    assert!(cmap.as_stream().is_ok());
}

/// Documents made from a skeleton are exactly the documents printpdf
/// makes whole, whichever document of a shape came first, for every
/// kind, page count and QR size, with documents needing the embedded
/// font in between.
#[test]
fn skeleton_documents_are_the_whole_documents() {
    // Kediri draws no logo; Sampang's logo is one more fixed object.
    let sampang = Region::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/regions/3527-sampang.toml")).unwrap();
    assert!(sampang.logo.is_some());
    let kinds = ["birth", "death", "family_card", "move_out", "move_in", "ktp"].map(|k| (k, Region::kediri()));
    for (kind, region) in kinds.into_iter().chain([("birth", sampang.clone()), ("family_card", sampang)]) {
        let t = Template::embedded(kind).unwrap();
        let shared = crate::model::run_values(&t, &region, NaiveDate::from_ymd_opt(2021, 6, 23).unwrap(), "dd2fb4e18b5e1ce3");
        let forward = Renderer::new(t.clone(), &region).unwrap().with_run_values(&shared);
        let backward = Renderer::new(t.clone(), &region).unwrap().with_run_values(&shared);
        let mut docs = Vec::new();
        for i in 0..24usize {
            let number = format!("3506-LU-23062021-{:04}", i + 1);
            let name = match i % 6 {
                0 => "A".to_string(),
                1 => "Łucja Søren Müller".to_string(),
                2 => "Zoë (Bu) \\ Siti Nur’aini".to_string(),
                _ => "SITI NURHALIZA BINTI ABDULLAH ".repeat(i % 4 + 1),
            };
            let mut input = crate::model::placeholder_document(&t, &number, &[]);
            for v in input.values.iter_mut().skip(i % 3).step_by(3) {
                *v = name.clone();
            }
            if t.schema.group {
                let row = input.members[0].clone();
                input.members = (0..i % 14).map(|_| row.iter().map(|_| name.clone()).collect()).collect();
            }
            // QR texts of several versions.
            let qr = crate::dk1::qr::encode_1bit(&format!("DK1:{}", "7".repeat(40 + i * 29))).unwrap();
            docs.push((input, qr));
        }
        let sizes: std::collections::BTreeSet<usize> = docs.iter().map(|(_, q)| q.size).collect();
        assert!(sizes.len() >= 3, "{sizes:?}");
        let render = |r: &Renderer, (input, qr): &(crate::model::DocInput, Packed)| {
            let d = Document { values: &input.values, members: &input.members, number: &input.number, qr, issue_date: NaiveDate::from_ymd_opt(2021, 6, 23).unwrap() };
            (r.render(&d).unwrap(), r.render_whole(&d).unwrap())
        };
        let a: Vec<_> = docs.iter().map(|d| render(&forward, d)).collect();
        let b: Vec<_> = docs.iter().rev().map(|d| render(&backward, d)).collect();
        for (i, ((fast, whole), (back, _))) in a.iter().zip(b.iter().rev()).enumerate() {
            assert!(fast == whole, "{kind} document {i}: skeleton differs from printpdf's whole document");
            assert!(fast == back, "{kind} document {i}: depends on which document came first");
            let doc = lopdf::Document::load_mem(fast).unwrap();
            assert_eq!(doc.get_pages().len(), t.pages_for(docs[i].0.members.len()));
        }
        assert!(forward.skeletons.read().unwrap().len() >= 3, "{kind}: skeletons were used");
        if region.logo.is_some() && kind == "birth" {
            assert!(String::from_utf8_lossy(&a[0].0).contains("/LOGO"), "the logo is drawn");
        }
    }
}

#[test]
fn deflate_round_trips() {
    use std::io::Read;
    for data in [Vec::new(), b"BT /F1 12 Tf ET".repeat(1000), (0..70_000u32).map(|i| (i * 7919 % 251) as u8).collect()] {
        let packed = deflate(&data).unwrap();
        let mut back = Vec::new();
        flate2::read::ZlibDecoder::new(&packed[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }
}

#[test]
fn widths() {
    assert!((text_width_mm("A", Font::Regular, 72.0) - 0.667 * 25.4).abs() < 0.01);
    assert!(text_width_mm("MMM", Font::Bold, 10.0) > text_width_mm("iii", Font::Bold, 10.0));
}

/// A root, a certified PDF key, and a renderer that signs with it (test keys).
pub(crate) fn signing_renderer() -> (Renderer, crate::trust::root::RootKey) {
    let root = crate::trust::list::tests::test_root();
    let key = p256::ecdsa::SigningKey::from_slice(&[0x21u8; 32]).unwrap();
    let cert = crate::trust::pdfkey::certify(&root, key.verifying_key(), "3506", "Kabupaten Kediri", 1_609_459_200, 2_240_611_200).unwrap();
    let signer = crate::trust::pdfkey::PdfSigner { key, cert, chain: vec![root.cert.der.clone()] };
    let pades = std::sync::Arc::new(crate::pdf::sign::Pades::new(&signer).unwrap());
    (Renderer::new(Template::birth_default(), &Region::kediri()).unwrap().with_signature(pades), root)
}

/// A signed birth certificate (test keys).
pub(crate) fn signed_document() -> Vec<u8> {
    let (r, _) = signing_renderer();
    let qr = crate::dk1::qr::encode_1bit("DK1:TEST 123").unwrap();
    let v = values(r.template());
    r.render(&document(&v, &qr)).unwrap()
}

#[test]
fn signed_documents_are_deterministic_and_cover_the_whole_file() {
    let (r, root) = signing_renderer();
    let qr = crate::dk1::qr::encode_1bit("DK1:TEST 123").unwrap();
    let v = values(r.template());
    let d = document(&v, &qr);
    let a = r.render(&d).unwrap();
    assert_eq!(a, r.render(&d).unwrap(), "signed twice, the same bytes");
    let doc = lopdf::Document::load_mem(&a).unwrap();
    assert_eq!(doc.get_pages().len(), 1);
    let text = String::from_utf8_lossy(&a);
    assert!(text.contains("/SubFilter/ETSI.CAdES.detached") && text.contains("/M(D:20210623000000Z)"), "{}", &text[..200]);
    if let Some(dir) = std::env::var_os("TERBIT_PADES_OUT") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("signed.pdf"), &a).unwrap();
        std::fs::write(dir.join("root.crt"), crate::trust::root::pem_encode("CERTIFICATE", &root.cert.der)).unwrap();
    }
}
