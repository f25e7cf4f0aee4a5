//! Forged documents, made the way forgers edit them: each must fail with
//! the difference named.

use lopdf_read::{Document, Object, Stream};

use super::tests_support::*;
use super::*;
use crate::dk1::keys::TrustList;

#[path = "page/forgeries.rs"]
mod corpus;
use corpus::{Save, Technique};

/// The PDF with its page's own content stream (the values) rewritten by `f`.
fn edit_values(pdf: &[u8], f: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut doc = Document::load_mem(pdf).unwrap();
    let page = doc.get_pages().into_values().next().unwrap();
    let contents = doc.get_dictionary(page).unwrap().get(b"Contents").unwrap().as_array().unwrap().clone();
    let id = contents.last().unwrap().as_reference().unwrap();
    let s = doc.get_object_mut(id).unwrap().as_stream_mut().unwrap();
    let mut content = s.decompressed_content().unwrap_or_else(|_| s.content.clone());
    f(&mut content);
    s.dict.remove(b"Filter");
    s.set_content(content);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    // lopdf ends a file at %%EOF; any forger adds the line break terbit writes.
    out.push(b'\n');
    out
}

fn replace(content: &mut Vec<u8>, from: &str, to: &str) {
    let text = String::from_utf8_lossy(content).into_owned();
    assert!(text.contains(from), "{from:?} not in {text}");
    *content = text.replacen(from, to, 1).into_bytes();
}

/// The page of `page_pdf` carrying the QR image of `qr_pdf`.
fn paste_qr(page_pdf: &[u8], qr_pdf: &[u8]) -> Vec<u8> {
    let mut a = Document::load_mem(page_pdf).unwrap();
    let b = Document::load_mem(qr_pdf).unwrap();
    let image = |d: &Document| {
        d.objects.iter().find_map(|(id, o)| match o {
            Object::Stream(s) if s.dict.get(b"Subtype").ok().and_then(|v| v.as_name().ok()) == Some(b"Image".as_slice()) => Some((*id, s.clone())),
            _ => None,
        })
    };
    let (id_a, _) = image(&a).unwrap();
    let (_, stream_b) = image(&b).unwrap();
    a.objects.insert(id_a, Object::Stream(stream_b));
    let mut out = Vec::new();
    a.save_to(&mut out).unwrap();
    // lopdf ends a file at %%EOF; any forger adds the line break terbit writes.
    out.push(b'\n');
    out
}

fn invalid_because(pdf: &[u8], trust: &TrustList) -> String {
    match verify_pdf(pdf, &Trust::new(trust), crate::verify::standard_layouts()).verdict {
        Verdict::Invalid(why) => why,
        other => panic!("expected INVALID, got {other:?}"),
    }
}

#[test]
fn an_edited_name_is_named() {
    let (pdf, trust) = pdf_for("3506-LU-23112026-0001", "BUDI SANTOSO");
    assert_eq!(page_check(&pdf, &trust), Vec::<String>::new(), "the genuine page");
    let forged = edit_values(&pdf, |c| replace(c, "(: BUDI SANTOSO)", "(: AGUS SANTOSO)"));
    let why = invalid_because(&forged, &trust);
    assert!(why.contains("printed child's name \": AGUS SANTOSO\" differs from the signed child's name \": BUDI SANTOSO\""), "{why}");
}

#[test]
fn an_edited_nik_is_named() {
    let (pdf, trust) = pdf_for("3506-LU-23112026-0001", "BUDI");
    let nik = crate::kind::words::group_digits("3506014507260001");
    let other = crate::kind::words::group_digits("3506014507260009");
    let forged = edit_values(&pdf, |c| replace(c, &format!("(: {nik})"), &format!("(: {other})")));
    let why = invalid_because(&forged, &trust);
    assert!(why.contains("printed child's NIK") && why.contains(&other) && why.contains(&nik), "{why}");
}

#[test]
fn a_pasted_qr_is_caught_even_with_the_number_as_invisible_text() {
    let (a, trust) = pdf_for("3506-LU-23112026-0001", "CHILD ONE");
    let (b, _) = pdf_for("3506-LU-23112026-0002", "CHILD TWO");
    // Page of B, QR of A, and A's number on the page in render mode 3.
    let pasted = paste_qr(&b, &a);
    let hidden = edit_values(&pasted, |c| c.extend_from_slice(b"\nBT 3 Tr /F6 12 Tf 269.291 600 Td (: 3506-LU-23112026-0001) Tj 0 Tr ET\n"));
    let why = invalid_because(&hidden, &trust);
    assert!(why.contains("3506-LU-23112026-0001") && why.contains("differs from the signed document number"), "{why}");
    // The printed number changed to the QR's: the name still tells.
    let renumbered = edit_values(&pasted, |c| replace(c, "(: 3506-LU-23112026-0002)", "(: 3506-LU-23112026-0001)"));
    let why = invalid_because(&renumbered, &trust);
    assert!(why.contains("printed child's name \": CHILD TWO\" differs from the signed child's name \": CHILD ONE\""), "{why}");
}

#[test]
fn a_number_that_only_shares_a_prefix_is_not_the_signed_number() {
    let (short, trust) = pdf_for("3506-LU-23112026-1000", "SAME NAME");
    let (long, _) = pdf_for("3506-LU-23112026-10000", "SAME NAME");
    let why = invalid_because(&paste_qr(&long, &short), &trust);
    assert!(why.contains("printed document number \": 3506-LU-23112026-10000\" differs"), "{why}");
}

#[test]
fn text_painted_over_or_hidden_is_caught() {
    let (pdf, trust) = pdf_for("3506-LU-23112026-0001", "BUDI");
    // A white box over the name, the forged name drawn on it.
    let covered = edit_values(&pdf, |c| c.extend_from_slice(b"\nq 1 g 260 410 200 18 re f Q\nBT /F6 13 Tf 269.291 416.693 Td (: AGUS) Tj ET\n"));
    let why = invalid_because(&covered, &trust);
    assert!(why.contains("a filled shape is painted over the printed child's name"), "{why}");
    // Invisible text elsewhere: a render mode terbit never writes.
    let hidden = edit_values(&pdf, |c| replace(c, "(: BUDI) Tj", "(: BUDI) Tj\nET\nBT 3 Tr /F6 13 Tf 0 0 Td ( ) Tj 0 Tr"));
    let why = invalid_because(&hidden, &trust);
    assert!(why.contains("text render mode `3 Tr`"), "{why}");
    let white = edit_values(&pdf, |c| replace(c, "(: BUDI) Tj", "() Tj\nET\nBT 1 g /F6 13 Tf 269.291 416.693 Td (: BUDI) Tj"));
    let why = invalid_because(&white, &trust);
    assert!(why.contains("child's name"), "white text does not show the name: {why}");
}

#[test]
fn a_qr_of_another_kind_is_refused() {
    let (birth, trust) = pdf_for("3506-LU-23112026-0001", "BUDI");
    let death = death_pdf_for("3506-KM-23112026-0001");
    let why = invalid_because(&paste_qr(&birth, &death), &trust);
    assert!(why.contains("not a death page") || why.contains("does not show the signed"), "{why}");
}

#[test]
fn annotations_and_appended_pages_are_refused() {
    let (pdf, trust) = pdf_for("3506-LU-23112026-0001", "BUDI");
    let mut doc = Document::load_mem(&pdf).unwrap();
    let page = doc.get_pages()[&1];
    let annot = doc.add_object(lopdf_read::dictionary! { "Type" => "Annot", "Subtype" => "FreeText", "Rect" => vec![260.into(), 370.into(), 460.into(), 390.into()] });
    doc.get_dictionary_mut(page).unwrap().set("Annots", vec![Object::Reference(annot)]);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    // lopdf ends a file at %%EOF; any forger adds the line break terbit writes.
    out.push(b'\n');
    let why = invalid_because(&out, &trust);
    assert!(why.contains("annotation (FreeText)"), "{why}");
    // A blank page added after the document.
    let mut doc = Document::load_mem(&pdf).unwrap();
    let pages_id = doc.catalog().unwrap().get(b"Pages").unwrap().as_reference().unwrap();
    let blank = doc.add_object(Stream::new(lopdf_read::Dictionary::new(), b"BT /F2 12 Tf 10 10 Td (extra) Tj ET".to_vec()));
    let new_page = doc.add_object(lopdf_read::dictionary! { "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()], "Contents" => blank });
    let pages = doc.get_dictionary_mut(pages_id).unwrap();
    pages.get_mut(b"Kids").unwrap().as_array_mut().unwrap().push(Object::Reference(new_page));
    pages.set("Count", 2);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    // lopdf ends a file at %%EOF; any forger adds the line break terbit writes.
    out.push(b'\n');
    assert!(!verify_pdf(&out, &crate::trust::store::Trust::new(&trust), crate::verify::standard_layouts()).verdict.is_genuine());
    let docs = verify_pdf_documents(&out, &crate::trust::store::Trust::new(&trust), &Layouts::standard(), None).unwrap();
    assert_eq!(docs.len(), 2);
    assert!(page_check(&out, &trust).iter().all(|p| p.starts_with("page 2:")), "the document's own page still passes");
    let why = docs[1].report.verdict.reason().unwrap_or("");
    assert!(why.starts_with("no QR code is drawn on this page"), "{why}");
    // What else is on a page without a QR is said beside it.
    let mut doc = Document::load_mem(&out).unwrap();
    let extra = doc.get_pages()[&2];
    let content = doc.get_dictionary(extra).unwrap().get(b"Contents").unwrap().as_reference().unwrap();
    doc.get_object_mut(content).unwrap().as_stream_mut().unwrap().set_content(b"q BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q".to_vec());
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out.push(b'\n');
    let docs = verify_pdf_documents(&out, &crate::trust::store::Trust::new(&trust), &Layouts::standard(), None).unwrap();
    let why = docs[1].report.verdict.reason().unwrap_or("");
    assert!(why.starts_with("no QR code is drawn on this page; and the page holds what terbit never writes") && why.contains("inline image"), "{why}");
}

#[test]
fn an_untrusted_qrs_fields_are_unverified_only() {
    let (pdf, _) = pdf_for("3506-LU-23112026-0001", "BUDI");
    let r = verify_pdf(&pdf, &crate::trust::store::Trust::new(&TrustList::default()), crate::verify::standard_layouts());
    assert!(matches!(r.verdict, Verdict::Untrusted(_)));
    assert!(r.fields.is_empty());
    assert!(r.unverified.iter().any(|(k, v)| k == "name" && v == "BUDI"));
}

#[test]
fn a_move_out_qr_on_the_move_in_page_that_cites_it_is_refused() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let trust = trust_for(&key);
    let (move_out, _) = pdf_and_qr("move_out", "3506-PD-23112026-0001", &[]);
    let (move_in, _) = pdf_and_qr("move_in", "3506-PP-23112026-0001", &[("skpwni_number", "3506-PD-23112026-0001")]);
    assert_eq!(page_check(&move_in, &trust), Vec::<String>::new(), "the genuine page");
    let why = invalid_because(&paste_qr(&move_in, &move_out), &trust);
    assert!(why.contains("not a move_out page") || why.contains("does not show the signed document number"), "{why}");
}

#[test]
fn an_edited_family_card_member_nik_is_caught() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let trust = trust_for(&key);
    let (card, _) = pdf_and_qr("family_card", "350601231126", &[]);
    assert_eq!(page_check(&card, &trust), Vec::<String>::new(), "the genuine page");
    let forged = edit_values(&card, |c| {
        let text = String::from_utf8_lossy(c).into_owned();
        // The member table's NIK cell (the head's NIK also heads the card).
        let at = text.rfind("(member_nik) Tj").unwrap();
        *c = format!("{}(3506014507260009) Tj{}", &text[..at], &text[at + "(member_nik) Tj".len()..]).into_bytes();
    });
    let why = invalid_because(&forged, &trust);
    assert!(why.contains("member NIKs printed in the table (1 rows) are not the signed members"), "{why}");
}

#[test]
fn a_name_in_the_embedded_font_verifies_and_its_font_cannot_be_swapped() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let trust = trust_for(&key);
    let (pdf, _) = pdf_and_qr("birth", "3506-LU-23112026-0001", &[("child_name", "Łucja Ŝtefan")]);
    assert_eq!(page_check(&pdf, &trust), Vec::<String>::new(), "the genuine page");
    // The embedded font program changed by one byte: its glyphs are no
    // longer known, so the name it shows is not taken as shown.
    let mut doc = Document::load_mem(&pdf).unwrap();
    let id = doc
        .objects
        .iter()
        .find_map(|(id, o)| match o {
            Object::Stream(s) if s.dict.has(b"Length1") => Some(*id),
            _ => None,
        })
        .expect("an embedded font program");
    let s = doc.get_object_mut(id).unwrap().as_stream_mut().unwrap();
    let mut program = s.decompressed_content().unwrap_or_else(|_| s.content.clone());
    let n = program.len();
    program[n - 20] ^= 0x01;
    s.dict.remove(b"Filter");
    s.set_content(program);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    // lopdf ends a file at %%EOF; any forger adds the line break terbit writes.
    out.push(b'\n');
    let why = invalid_because(&out, &trust);
    assert!(why.contains("child's name"), "{why}");
}

#[test]
fn a_qr_copied_onto_another_documents_page_is_caught_and_its_fields_shown() {
    let (a, trust) = pdf_for("3506-LU-23112026-0001", "CHILD ONE");
    let (b, _) = pdf_for("3506-LU-23112026-0002", "CHILD TWO");
    assert_eq!(page_check(&a, &trust), Vec::<String>::new(), "the genuine page");
    let r = verify_pdf(&paste_qr(&a, &b), &crate::trust::store::Trust::new(&trust), crate::verify::standard_layouts());
    match &r.verdict {
        Verdict::Invalid(why) => assert!(why.contains("3506-LU-23112026-0002") && why.contains("differs from the signed"), "{why}"),
        other => panic!("{other:?}"),
    }
    // The signed fields are still shown, for comparison with the page.
    assert!(r.fields.iter().any(|(k, v)| k == "name" && v == "CHILD TWO"));
}

#[test]
fn text_behind_bytes_a_parser_might_stop_at_is_still_seen() {
    let (pdf, trust) = pdf_for("3506-LU-23112026-0001", "BUDI");
    // An unknown operator: viewers skip it and draw the forged name.
    let skipped = edit_values(&pdf, |c| c.extend_from_slice(b"\n@@@ BT /F6 13 Tf 269.291 416.693 Td (: AGUS) Tj ET\n"));
    let why = invalid_because(&skipped, &trust);
    assert!(why.contains("other text \": AGUS\" is drawn over the printed child's name"), "{why}");
    // Bytes that are no content syntax: the page is refused outright.
    for junk in [&b"}"[..], b"<zz>", b"[1 2", b"1.2.3"] {
        let mut tail = b"\n".to_vec();
        tail.extend_from_slice(junk);
        tail.extend_from_slice(b" BT /F6 13 Tf 269.291 416.693 Td (: AGUS) Tj ET\n");
        let forged = edit_values(&pdf, |c| c.extend_from_slice(&tail));
        let why = invalid_because(&forged, &trust);
        assert!(why.contains("not PDF drawing syntax"), "{}: {why}", String::from_utf8_lossy(junk));
    }
}

#[test]
fn a_clip_saved_in_one_stream_and_restored_in_the_next_does_not_hide_text() {
    let (pdf, trust) = pdf_for("3506-LU-23112026-0001", "BUDI");
    // Stream one saves the state and clips to nothing; stream two restores
    // it and draws a forged name: a viewer shows it, so must the reader.
    let mut doc = Document::load_mem(&pdf).unwrap();
    let page = doc.get_pages()[&1];
    let first = doc.add_object(Stream::new(lopdf_read::Dictionary::new(), b"q 0 0 1 1 re W n".to_vec()));
    let second = doc.add_object(Stream::new(lopdf_read::Dictionary::new(), b"Q BT /F6 13 Tf 269.291 416.693 Td (: AGUS) Tj ET".to_vec()));
    let d = doc.get_dictionary_mut(page).unwrap();
    let mut contents = d.get(b"Contents").unwrap().as_array().unwrap().clone();
    contents.push(Object::Reference(first));
    contents.push(Object::Reference(second));
    d.set("Contents", contents);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    // lopdf ends a file at %%EOF; any forger adds the line break terbit writes.
    out.push(b'\n');
    let why = invalid_because(&out, &trust);
    assert!(why.contains("AGUS"), "{why}");
}


/// What the page check says of every page of `pdf` (grouped into
/// documents by their QR, as [`pdf_documents`] groups them), each problem
/// after "page N: ". The verdict of an unsigned file is INVALID whatever
/// its pages show: the page check's own findings are what is asserted.
fn page_check(pdf: &[u8], trust: &TrustList) -> Vec<String> {
    let doc = Document::load_mem(pdf).unwrap();
    let ids: Vec<lopdf_read::ObjectId> = doc.get_pages().into_values().collect();
    let scans: Vec<page::scan::Scan> = ids.iter().map(|id| page::scan_page(&doc, *id, None)).collect();
    let (layouts, trust) = (Layouts::standard(), Trust::new(trust));
    let mut out = Vec::new();
    let mut i = 0;
    while i < scans.len() {
        let qr = scans[i].qrs.first().map(|q| q.text.clone());
        let mut j = i + 1;
        while j < scans.len() && qr.as_ref().is_some_and(|qr| scans[j].qrs.iter().any(|q| &q.text == qr)) {
            j += 1;
        }
        for (k, s) in scans[i..j].iter().enumerate() {
            out.extend(s.problems.iter().map(|p| format!("page {}: {p}", i + k + 1)));
        }
        let report = qr.map(|q| verify_text(&q, &trust));
        match report.as_ref().and_then(|r| r.claims.as_ref().map(|c| (c, r.kid.clone().unwrap_or_default()))) {
            Some((claims, kid)) => out.extend(check_layout(claims, &kid, &scans[i..j], &layouts, Some(i))),
            None => out.push(format!("page {}: no QR signed by a trusted key", i + 1)),
        }
        i = j;
    }
    out
}

fn signed_pades() -> std::sync::Arc<crate::pdf::sign::Pades> {
    let new_root = crate::trust::root::generate("3506", "KABUPATEN KEDIRI", &[0x42; 32], 1_767_225_600, 20).unwrap();
    let root = crate::trust::root::RootKey::from_pem(&new_root.key_pem, &crate::trust::root::pem_decode(new_root.cert_pem.as_bytes()).unwrap()).unwrap();
    let pdf_key = p256::ecdsa::SigningKey::from_slice(&[0x21; 32]).unwrap();
    let cert = crate::trust::pdfkey::certify(&root, pdf_key.verifying_key(), "3506", "Kabupaten Kediri", 1_767_225_600, 2_398_377_600).unwrap();
    let signer = crate::trust::pdfkey::PdfSigner { key: pdf_key, cert, chain: vec![root.cert.der.clone()] };
    std::sync::Arc::new(crate::pdf::sign::Pades::new(&signer).unwrap())
}

/// Birth certificates `names` (numbers 0001…) rendered as a run renders
/// them: each as its own file (PAdES-signed when `pades` is given), and
/// all bound into one print file.
fn births(names: &[&str], pades: Option<std::sync::Arc<crate::pdf::sign::Pades>>) -> (Vec<Vec<u8>>, Vec<u8>) {
    use crate::dk1::keys::{kid_of, Signer};
    use crate::kind::template::Template;
    use crate::pdf::render::{Document as Doc, Renderer};
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let signer = Signer { kid: kid_of(&key.verifying_key().to_bytes()), key, issuer: "3506".into() };
    let t = Template::embedded("birth").unwrap();
    let region = crate::kind::region::Region::kediri();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut renderer = Renderer::new(t.clone(), &region).unwrap();
    if let Some(p) = &pades {
        renderer = renderer.with_signature(p.clone());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("print.pdf");
    let mut print = crate::pdf::print::PrintFile::create(&path, pades.map(|p| (p, crate::pdf::sign::pdf_date(date)))).unwrap();
    let mut files = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let number = format!("3506-LU-23112026-{:04}", k + 1);
        let doc = crate::model::placeholder_document(&t, &number, &[("child_name", name), ("child_nik", "3506014507260001")]);
        let claims = crate::model::claims_for(&t, &doc, "3506", 1_795_392_000, date);
        let m = crate::dk1::qr::encode_1bit(&dk1::seal(&claims, &signer)).unwrap();
        let kid = hex::encode(signer.kid);
        let n = t.schema.names().count();
        let mut all = doc.values[..n].to_vec();
        all.extend(crate::model::derive(&t, &region, &doc.values[..n], &number, date, &kid, 0));
        let (pdf, fragment) = renderer.render_objects(&Doc { values: &all, members: &[], number: &number, qr: &m, issue_date: date }).unwrap();
        print.append(&fragment, &number).unwrap();
        files.push(pdf);
    }
    print.finish().unwrap();
    (files, std::fs::read(&path).unwrap())
}

fn assert_named(problems: &[String], t: Technique, what: &str) {
    assert!(problems.iter().any(|p| p.contains(t.named())), "{what}: {t:?} is not named: {problems:#?}");
}

#[test]
fn genuine_files_pass_the_allow_list() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let trust = trust_for(&key);
    let (files, print) = births(&["BUDI SANTOSO", "Łucja Ŝtefan", "SITI"], Some(signed_pades()));
    for f in files.iter().chain([&print]) {
        assert_eq!(page_check(f, &trust), Vec::<String>::new());
    }
    for (kind, number, set) in [
        ("death", "3506-KM-23112026-0001", vec![]),
        ("ktp", "3506-SK-23112026-0001", ktp_values()),
        ("family_card", "350601231126", family_values()),
        ("move_out", "3506-PD-23112026-0001", move_values()),
        ("move_in", "3506-PP-23112026-0001", move_values()),
    ] {
        let (pdf, _) = pdf_and_qr(kind, number, &set);
        assert_eq!(page_check(&pdf, &trust), Vec::<String>::new(), "{kind}");
    }
}

#[test]
fn every_technique_is_named_in_document_files_and_incremental_updates() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let trust = trust_for(&key);
    let (files, _) = births(&["BUDI SANTOSO", "AGUS SANTOSO"], Some(signed_pades()));
    for t in Technique::ALL {
        for save in [Save::Rewrite, Save::Incremental] {
            let forged = corpus::forge(&files[0], 1, t, ": BUDI SANTOSO", ": AGUS SANTOSO", Some(&files[1]), save);
            assert_named(&page_check(&forged, &trust), t, &format!("{save:?}"));
            // The verdict too: whatever else it says, the page is named.
            assert!(matches!(verify_pdf(&forged, &crate::trust::store::Trust::new(&trust), crate::verify::standard_layouts()).verdict, Verdict::Invalid(ref why) if why.contains(t.named())), "{t:?} {save:?}");
        }
    }
}

#[test]
fn every_technique_is_named_on_its_page_of_a_print_file() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let trust = trust_for(&key);
    let (files, print) = births(&["SITI AMINAH", "BUDI SANTOSO", "RINA"], None);
    for t in Technique::ALL {
        for save in [Save::Rewrite, Save::Incremental] {
            let forged = corpus::forge(&print, 2, t, ": BUDI SANTOSO", ": AGUS SANTOSO", Some(&files[2]), save);
            let problems = page_check(&forged, &trust);
            assert_named(&problems, t, "page 2 of a print file");
            // Only page 2 is named (a catalog entry would name every page).
            assert!(problems.iter().all(|p| p.starts_with("page 2:")), "{t:?}: {problems:#?}");
        }
    }
}

fn ktp_values() -> Vec<(&'static str, &'static str)> {
    vec![("sex", "L"), ("blood_type", "A"), ("village_code", "3506012001"), ("rt", "5"), ("rw", "3"), ("nik", "3506014507010001"), ("birth_date", "2001-07-05")]
}

fn family_values() -> Vec<(&'static str, &'static str)> {
    vec![("village_code", "3506012001"), ("rt", "5"), ("rw", "3")]
}

fn move_values() -> Vec<(&'static str, &'static str)> {
    vec![("origin_village", "3506012001"), ("destination_village", "3578011001")]
}

/// An area's names, as the templates print them.
fn area(code: &str) -> [String; 4] {
    let r = crate::kind::refdata::reference();
    [r.villages[code].name.clone(), r.districts[&code[..6]].name.clone(), r.regencies[&code[..4]].name.clone(), r.provinces[&code[..2]].name.clone()]
}

#[test]
fn signed_values_are_compared_in_every_printed_form() {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let trust = trust_for(&key);
    let [village, district, regency, province] = area("3506012001");
    let [to_village, to_district, to_regency, to_province] = area("3578011001");
    let (ktp, _) = pdf_and_qr("ktp", "3506-SK-23112026-0001", &ktp_values());
    let (card, _) = pdf_and_qr("family_card", "350601231126", &family_values());
    let (out, _) = pdf_and_qr("move_out", "3506-PD-23112026-0001", &move_values());
    let (into, _) = pdf_and_qr("move_in", "3506-PP-23112026-0001", &move_values());
    let up = |s: &str| s.to_uppercase();
    let cases: Vec<(&str, &[u8], String, String, &str)> = vec![
        ("KTP sex", &ktp, ": LAKI-LAKI / A".into(), ": PEREMPUAN / A".into(), "printed sex"),
        ("KTP village", &ktp, format!(": {} / {}", up(&village), up(&district)), format!(": PUHRUBUH / {}", up(&district)), "village"),
        ("family card village", &card, format!(": {}", up(&village)), ": PUHRUBUH".into(), "village"),
        ("family card RT/RW", &card, ": 5/3".into(), ": 7/3".into(), "RT"),
        ("move-out origin", &out, format!("Desa {village}, Kec. {district}, {regency}"), format!("Desa Puhrubuh, Kec. {district}, {regency}"), "village"),
        ("move-out destination", &out, format!("Desa {to_village}, Kec. {to_district}, {to_regency}, {to_province}"), format!("Desa Kebraon, Kec. {to_district}, {to_regency}, {to_province}"), "village"),
        ("move-in origin", &into, format!("Desa {village}, Kec. {district}, {regency}, {province}"), format!("Desa Puhrubuh, Kec. {district}, {regency}, {province}"), "village"),
        ("move-in destination", &into, format!("Desa {to_village}, Kec. {to_district}, {to_regency}"), format!("Desa Kebraon, Kec. {to_district}, {to_regency}"), "village"),
    ];
    for (what, pdf, genuine, forged, named) in cases {
        assert_eq!(page_check(pdf, &trust), Vec::<String>::new(), "{what}: the genuine page");
        for save in [Save::Rewrite, Save::Incremental] {
            let problems = page_check(&corpus::edit(pdf, 1, &genuine, &forged, save), &trust);
            assert!(problems.iter().any(|p| p.contains("differs from the signed") && p.contains(named) && p.contains(&forged)), "{what}: {problems:#?}");
        }
    }
}
