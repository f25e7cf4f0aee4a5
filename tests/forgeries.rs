//! An oracle for the page check that terbit does not control: poppler.
//! Every forgery of the corpus (`engine/verify/page/forgeries.rs`), in
//! document files, print files and incremental updates, is read back with
//! `pdftotext -bbox` (the words on the page, inside its box) and drawn with
//! `pdftoppm` + `zbarimg` (the QR a phone would read). Whenever poppler
//! shows a value the record does not sign (the forged word, another QR, no
//! QR), terbit's page check must report a problem on that page; and on
//! the genuine files poppler shows the signed values and the check
//! reports none.
//!
//! The verdict of an unsigned PDF is INVALID whatever its pages show, so
//! the page check's own findings are asserted (`verify::page`,
//! `verify::page::layout`), not only the verdict's word.
//!
//! `.ci/run` installs poppler-utils and zbar-tools and sets
//! TERBIT_REQUIRE_TOOLS=1, so in CI a missing tool is a failure; elsewhere
//! the test says what it skipped and how to install it.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use lopdf_read::Document;
use terbit::dk1::keys::{kid_of, KeyStatus, Signer, TrustEntry, TrustList};
use terbit::kind::region::Region;
use terbit::kind::template::Template;
use terbit::pdf::render::{Document as Doc, Renderer};
use terbit::trust::store::Trust;
use terbit::verify::page::{self, layout};
use terbit::verify::Layouts;

#[path = "common/trust_fixture.rs"]
mod fixture;

#[path = "../engine/verify/page/forgeries.rs"]
mod corpus;
use corpus::{Save, Technique};

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[3u8; 32])
}

fn trust() -> TrustList {
    let k = key();
    TrustList {
        keys: vec![TrustEntry {
            kid: hex::encode(kid_of(&k.verifying_key().to_bytes())),
            issuer: "3506".into(),
            alg: "EdDSA".into(),
            public_key: hex::encode(k.verifying_key().to_bytes()),
            not_before: "2020-01-01T00:00:00Z".into(),
            not_after: None,
            status: KeyStatus::Active,
            revoked_from: None,
        }],
    }
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// Documents of `kind` with these values, as a run renders them: each its
/// own file, and all bound into one print file (in `dir`).
fn render(kind: &str, docs: &[(String, Vec<(&str, &str)>)], dir: &Path) -> (Vec<Vec<u8>>, Vec<u8>) {
    let k = key();
    let signer = Signer { kid: kid_of(&k.verifying_key().to_bytes()), key: k, issuer: "3506".into() };
    let t = Template::embedded(kind).unwrap();
    let region = Region::kediri();
    let renderer = Renderer::new(t.clone(), &region).unwrap();
    let path = dir.join(format!("{kind}-print.pdf"));
    let mut print = terbit::pdf::print::PrintFile::create(&path, None).unwrap();
    let mut files = Vec::new();
    for (number, set) in docs {
        let doc = terbit::model::placeholder_document(&t, number, set);
        let claims = terbit::model::claims_for(&t, &doc, "3506", 1_795_392_000, date());
        let m = terbit::dk1::qr::encode_1bit(&terbit::dk1::seal(&claims, &signer)).unwrap();
        let kid = hex::encode(signer.kid);
        let n = t.schema.names().count();
        let mut all = doc.values[..n].to_vec();
        all.extend(terbit::model::derive(&t, &region, &doc.values[..n], number, date(), &kid, doc.members.len()));
        let (pdf, fragment) = renderer.render_objects(&Doc { values: &all, members: &doc.members, number, qr: &m, issue_date: date() }).unwrap();
        print.append(&fragment, number).unwrap();
        files.push(pdf);
    }
    print.finish().unwrap();
    (files, std::fs::read(&path).unwrap())
}

/// The page check's problems on each page (1-based), and the QR text it
/// read there.
fn page_check(pdf: &[u8]) -> Vec<(Vec<String>, Option<String>)> {
    let doc = Document::load_mem(pdf).unwrap();
    let ids: Vec<lopdf_read::ObjectId> = doc.get_pages().into_values().collect();
    let scans: Vec<terbit::verify::page::scan::Scan> = ids.iter().map(|id| page::scan_page(&doc, *id, None)).collect();
    let (layouts, trust) = (Layouts::standard(), trust());
    let trust = Trust::new(&trust);
    scans
        .iter()
        .map(|s| {
            let mut problems = s.problems.clone();
            let qr = s.qrs.first().map(|q| q.text.clone());
            if s.qrs.len() > 1 {
                problems.push(format!("{} QR codes are drawn on the page", s.qrs.len()));
            }
            let report = qr.as_deref().map(|q| terbit::verify::verify_text(q, &trust));
            match report.as_ref().and_then(|r| r.claims.as_ref().map(|c| (c, r.kid.clone().unwrap_or_default()))) {
                Some((claims, kid)) => {
                    let kind = terbit::dk1::Kind::from_code(claims.record.kind).unwrap();
                    let t = layouts.template(&claims.issuer, kind.name()).unwrap();
                    // The corpus's documents are one page each.
                    problems.extend(layout::check_page(t, claims, &kid, 1, 1, s).problems);
                }
                None => problems.push("no QR signed by a trusted key".into()),
            }
            (problems, qr)
        })
        .collect()
}

/// What poppler shows on page `page` of `pdf`: the words inside the page's
/// box (`pdftotext -bbox`), and the QR codes zbar reads from the page
/// drawn at 150 dpi.
fn poppler(pdf: &[u8], page: usize, dir: &Path) -> (String, Vec<String>) {
    let file = dir.join("page.pdf");
    std::fs::write(&file, pdf).unwrap();
    let p = page.to_string();
    let out = Command::new("pdftotext").args(["-q", "-bbox", "-f", &p, "-l", &p]).arg(&file).arg("-").output().unwrap();
    let html = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).map(|a| a + name.len() + 2).unwrap_or(0);
        tag[at..].split('"').next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
    };
    let (w, h) = html.find("<page ").map(|at| (attr(&html[at..], "width"), attr(&html[at..], "height"))).unwrap_or((0.0, 0.0));
    let mut words = Vec::new();
    for part in html.split("<word ").skip(1) {
        let Some((tag, rest)) = part.split_once('>') else { continue };
        let word = rest.split("</word>").next().unwrap_or("");
        let (x0, y0, x1, y1) = (attr(tag, "xMin"), attr(tag, "yMin"), attr(tag, "xMax"), attr(tag, "yMax"));
        if x1 > 0.0 && y1 > 0.0 && x0 < w && y0 < h {
            words.push(word.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\""));
        }
    }
    let png = dir.join("page");
    let ok = Command::new("pdftoppm").args(["-q", "-r", "150", "-png", "-singlefile", "-f", &p, "-l", &p]).arg(&file).arg(&png).status().unwrap();
    assert!(ok.success());
    let z = Command::new("zbarimg").args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"]).arg(dir.join("page.png")).output().unwrap();
    let qrs = String::from_utf8_lossy(&z.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
    (words.join(" "), qrs)
}

/// One forged page, and what poppler shows if the forgery works.
struct Case {
    what: String,
    pdf: Vec<u8>,
    page: usize,
    /// A word of the forged value that the signed one does not have.
    forged_word: String,
    /// The QR text the genuine page carries.
    signed_qr: String,
}

#[test]
fn whenever_poppler_shows_another_value_the_page_check_names_a_problem() {
    let oracle = fixture::tools::programs(&[("pdftotext", "-v"), ("pdftoppm", "-v"), ("zbarimg", "--version")]);
    if fixture::tools::require("forgery oracle: poppler and zbarimg", oracle).is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let birth = |n: usize, name: &'static str| (format!("3506-LU-23112026-{n:04}"), vec![("child_name", name), ("child_nik", "3506014507260001")]);
    let (births, print) = render("birth", &[birth(1, "BUDI SANTOSO"), birth(2, "AGUS SANTOSO"), birth(3, "SITI AMINAH")], dir);
    let qr_of = |pdf: &[u8], page: usize| page_check(pdf)[page - 1].1.clone().unwrap();
    // No false alarm, and poppler reads what the record signs.
    for (pdf, pages) in [(&births[0], 1), (&print, 3)] {
        for (p, (problems, qr)) in page_check(pdf).into_iter().enumerate().take(pages) {
            assert!(problems.is_empty(), "a genuine page {}: {problems:?}", p + 1);
            let (words, qrs) = poppler(pdf, p + 1, dir);
            assert_eq!(qrs, vec![qr.unwrap()], "zbar reads the signed QR of genuine page {}", p + 1);
            assert!(!words.contains("AGUS") || p == 1, "{words}");
        }
    }
    let mut cases: Vec<Case> = Vec::new();
    for t in Technique::ALL {
        for save in [Save::Rewrite, Save::Incremental] {
            cases.push(Case {
                what: format!("{t:?}, document file, {save:?}"),
                pdf: corpus::forge(&births[0], 1, t, ": BUDI SANTOSO", ": AGUS SANTOSO", Some(&births[1]), save),
                page: 1,
                forged_word: "AGUS".into(),
                signed_qr: qr_of(&births[0], 1),
            });
            cases.push(Case {
                what: format!("{t:?}, page 3 of a print file, {save:?}"),
                pdf: corpus::forge(&print, 3, t, ": SITI AMINAH", ": AGUS AMINAH", Some(&births[1]), save),
                page: 3,
                forged_word: "AGUS".into(),
                signed_qr: qr_of(&print, 3),
            });
        }
    }
    // Signed values printed in other forms than the record holds them.
    let ktp = vec![("sex", "L"), ("blood_type", "A"), ("village_code", "3506012001"), ("rt", "5"), ("rw", "3")];
    let moves = vec![("origin_village", "3506012001"), ("destination_village", "3578011001")];
    let (k, _) = render("ktp", &[("3506-SK-23112026-0001".into(), ktp)], dir);
    let (c, _) = render("family_card", &[("350601231126".into(), vec![("village_code", "3506012001"), ("rt", "5"), ("rw", "3")])], dir);
    let (o, _) = render("move_out", &[("3506-PD-23112026-0001".into(), moves.clone())], dir);
    let (i, _) = render("move_in", &[("3506-PP-23112026-0001".into(), moves)], dir);
    let edits: [(&str, &[u8], &str, &str, &str); 6] = [
        ("KTP sex", &k[0], ": LAKI-LAKI / A", ": PEREMPUAN / A", "PEREMPUAN"),
        ("KTP village", &k[0], ": BULU / SEMEN", ": PUHRUBUH / SEMEN", "PUHRUBUH"),
        ("family card village", &c[0], ": BULU", ": PUHRUBUH", "PUHRUBUH"),
        ("family card RT/RW", &c[0], ": 5/3", ": 7/3", "7/3"),
        ("move-out origin village", &o[0], "Desa Bulu, Kec. Semen, Kabupaten Kediri", "Desa Puhrubuh, Kec. Semen, Kabupaten Kediri", "Puhrubuh,"),
        ("move-in origin village", &i[0], "Desa Bulu, Kec. Semen, Kabupaten Kediri, Jawa Timur", "Desa Puhrubuh, Kec. Semen, Kabupaten Kediri, Jawa Timur", "Puhrubuh,"),
    ];
    for (what, pdf, genuine, forged, word) in edits {
        assert!(page_check(pdf)[0].0.is_empty(), "{what}: the genuine page");
        for save in [Save::Rewrite, Save::Incremental] {
            cases.push(Case { what: format!("{what}, {save:?}"), pdf: corpus::edit(pdf, 1, genuine, forged, save), page: 1, forged_word: word.into(), signed_qr: qr_of(pdf, 1) });
        }
    }
    let (mut shown, mut caught, mut missed) = (0, 0, Vec::new());
    for case in &cases {
        let (words, qrs) = poppler(&case.pdf, case.page, dir);
        let other_value = words.split_whitespace().any(|w| w == case.forged_word);
        let other_qr = qrs != vec![case.signed_qr.clone()];
        let problems = &page_check(&case.pdf)[case.page - 1].0;
        if other_value || other_qr {
            shown += 1;
            if problems.is_empty() {
                missed.push(format!("{}: poppler shows {} and the page check finds nothing", case.what, if other_value { format!("\"{}\"", case.forged_word) } else { format!("the QR(s) {qrs:?}") }));
            } else {
                caught += 1;
            }
        }
        // Every forgery is named, shown by poppler or not.
        assert!(!problems.is_empty(), "{}: the page check finds nothing", case.what);
    }
    println!("forgery oracle: {} forged pages; poppler shows a value or QR the record does not sign on {shown}; the page check names a problem on {caught} of them", cases.len());
    assert!(missed.is_empty(), "{missed:#?}");
    // The oracle is not vacuous: poppler is fooled by (nearly) every forgery.
    assert!(shown * 10 >= cases.len() * 9, "poppler shows the forged value on only {shown} of {} forged pages", cases.len());
}
