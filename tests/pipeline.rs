//! End-to-end: a sample batch through the whole pipeline, then every
//! promise checked from the outside — each application issued or rejected
//! (never both, never neither), files match the manifest, every QR drawn
//! verifies, tampering fails, re-runs issue nothing new, output is
//! byte-identical for the same inputs.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use terbit::dk1::{self, Claims};
use terbit::issue::{issue, IssueOptions};
use terbit::dk1::keys::{self, kid_of, Signer, TrustList};
use terbit::util::csvin::split_line;
use terbit::kind::region::Region;
use terbit::input::samples::{self, SampleOptions};
use terbit::kind::template::Templates;
use terbit::verify::{self, Verdict};

#[path = "common/trust_fixture.rs"]
mod fixture;

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    batch: PathBuf,
    keys: PathBuf,
}

fn setup(count: usize, defects: f64, ext: &str) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let region = Region::kediri();
    let batch = root.join(format!("batch.{ext}"));
    samples::write_birth(&SampleOptions { region: &region, count, seed: 42, defects, as_of: date() }, &batch).unwrap();
    let keys = root.join("keys");
    fixture::office_keys(&keys, "3506", &[42u8; 32], 1_700_000_000);
    Setup { _tmp: tmp, root, batch, keys }
}

/// The keys for the register of `out`: the office's keys for "out", a
/// copy for each other register (a keys folder issues with one register).
fn keys_for(s: &Setup, out: &str) -> PathBuf {
    if out == "out" {
        return s.keys.clone();
    }
    let dir = s.root.join(format!("keys-{out}"));
    if !dir.exists() {
        fs::create_dir_all(&dir).unwrap();
        for e in fs::read_dir(&s.keys).unwrap().flatten().filter(|e| e.file_name() != "register-binding.json") {
            fs::copy(e.path(), dir.join(e.file_name())).unwrap();
        }
    }
    dir
}

fn options(s: &Setup, out: &str, batch: &Path) -> IssueOptions {
    IssueOptions {
        batch: vec![batch.to_path_buf()],
        keys_dir: keys_for(s, out),
        region: Region::kediri(),
        templates: Templates::embedded(),
        kind: None,
        out: s.root.join(out),
        register: terbit::numbering::register::Place::File(s.root.join(format!("{out}.sqlite"))),
        replica: None,
        issue_date: date(),
        issued_at: 1_795_392_000,
        max_reject_rate: None,
        signing_seed: None,
        pdf_key: None,
        progress: None,
        ahead_max_rows: terbit::issue::AHEAD_MAX_ROWS,
        started_at: None,
        remote_tsa: None,
        seal_tsa: None,
        fetch_revocation: false,
    }
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = split_line(lines.next().unwrap());
    lines.map(|l| header.iter().cloned().zip(split_line(l)).collect()).collect()
}

#[test]
fn every_application_ends_issued_or_rejected_and_verifies() {
    let s = setup(300, 0.1, "csv");
    let summary = issue(&options(&s, "out", &s.batch)).unwrap();
    assert_eq!(summary.applications, 300);
    assert_eq!(summary.issued + summary.rejected, 300);
    assert!(summary.rejected >= 10, "10% defects should reject some: {summary:?}");

    let manifest = read_csv(&summary.run_dir.join("manifest.csv"));
    let rejects = read_csv(&summary.run_dir.join("rejects.csv"));
    let issued: BTreeSet<String> = manifest.iter().map(|r| r["application_id"].clone()).collect();
    // A row repeating an earlier application's ID is rejected while the
    // first is issued: apart from those, an ID is issued or rejected, never both.
    let rejected: BTreeSet<String> =
        rejects.iter().filter(|r| r["rule"] != "DUPLICATE_ID").map(|r| r["application_id"].clone()).collect();
    let rejected_lines: BTreeSet<&str> = rejects.iter().map(|r| r["source"].as_str()).collect();
    assert_eq!(rejected_lines.len(), summary.rejected, "one source line per rejected application");
    assert_eq!(issued.len(), manifest.len(), "no application issued twice");
    assert!(issued.is_disjoint(&rejected), "never both issued and rejected");
    // rejects.csv shows control and format characters escaped (a forged
    // id cannot reach a terminal raw): the batch's ids are compared as
    // shown there.
    let all: BTreeSet<String> = read_csv(&s.batch).iter().map(|r| r["application_id"].clone()).collect();
    let issued_shown: BTreeSet<String> = issued.iter().map(|i| terbit::util::show::shown(i)).collect();
    let all_shown: BTreeSet<String> = all.iter().map(|i| terbit::util::show::shown(i)).collect();
    assert_eq!(issued_shown.union(&rejected).cloned().collect::<BTreeSet<_>>(), all_shown, "never neither");
    for r in &rejects {
        assert!(r["source"].starts_with("batch.csv:"), "{r:?}");
        assert!(!r["rule"].is_empty() && !r["message"].is_empty());
    }

    // Numbers are gap-free per letters' shared sequence: serials 1..=n.
    let mut serials: Vec<u32> = manifest.iter().map(|r| r["document_number"].rsplit('-').next().unwrap().parse().unwrap()).collect();
    serials.sort();
    assert_eq!(serials, (1..=manifest.len() as u32).collect::<Vec<_>>());

    let store = fixture::office_trust(&s.keys);
    let trust = store.trust();
    let layouts = verify::Layouts::standard();
    for row in &manifest {
        let bytes = fs::read(summary.run_dir.join(&row["file"])).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), row["sha256"]);
        assert!(row["file"].starts_with(&format!("{}/birth/", row["service_point"])));
        let report = verify::verify_pdf(&bytes, &trust, &layouts);
        assert_eq!(report.verdict, Verdict::Genuine, "{}", row["file"]);
        assert_eq!(report.qr.as_deref(), Some(row["qr"].as_str()), "the drawn QR is the manifest's");
        assert!(report.fields.iter().any(|(k, v)| k == "document number" && v == &row["document_number"]));
    }
    let run = verify::verify_run(&summary.run_dir, &trust, &layouts).unwrap();
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert!(run.seal_ok, "{}", run.seal_problem);
    assert_eq!(run.genuine, manifest.len());

    // Every document has an inclusion proof against the sealed root.
    let seal: terbit::dk1::seal::BatchSeal = serde_json::from_slice(&fs::read(summary.run_dir.join("seal.json")).unwrap()).unwrap();
    assert_eq!(seal.documents as usize, manifest.len());
    let leaves: Vec<_> = manifest.iter().map(|r| terbit::dk1::seal::leaf(&r["document_number"], &r["sha256"])).collect();
    let root: [u8; 32] = hex::decode(&seal.merkle_root).unwrap().try_into().unwrap();
    for i in (0..leaves.len()).step_by(7) {
        let path = terbit::dk1::seal::proof(&leaves, i);
        assert!(terbit::dk1::seal::verify_proof(&leaves[i], i, leaves.len(), &path, &root));
    }
}

#[test]
fn altered_deleted_and_added_files_are_each_named_and_break_the_seal() {
    let s = setup(40, 0.0, "csv");
    let summary = issue(&options(&s, "out", &s.batch)).unwrap();
    let manifest = read_csv(&summary.run_dir.join("manifest.csv"));
    let store = fixture::office_trust(&s.keys);
    let (altered, deleted) = (&manifest[3]["file"], &manifest[7]["file"]);
    let mut bytes = fs::read(summary.run_dir.join(altered)).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0x20;
    fs::write(summary.run_dir.join(altered), bytes).unwrap();
    fs::remove_file(summary.run_dir.join(deleted)).unwrap();
    let added = format!("{}/birth/3506-LU-23112026-9999.pdf", manifest[0]["service_point"]);
    fs::copy(summary.run_dir.join(&manifest[0]["file"]), summary.run_dir.join(&added)).unwrap();

    let run = verify::verify_run(&summary.run_dir, &store.trust(), &verify::Layouts::standard()).unwrap();
    let mut named: Vec<(String, String)> = run.problems.iter().map(|p| (p.file.clone(), p.problem.clone())).collect();
    named.sort();
    assert_eq!(run.problems.len(), 3, "{named:?}");
    let find = |f: &str| named.iter().find(|(file, _)| file == f).map(|(_, p)| p.clone()).unwrap_or_default();
    assert!(find(altered).starts_with("altered"), "{named:?}");
    assert_eq!(find(deleted), "missing");
    assert_eq!(find(&added), "not listed in the manifest");
    assert!(!run.seal_ok && !run.seal_problem.is_empty());
    assert_eq!(run.genuine, manifest.len() - 2);
}

#[test]
fn revoked_and_superseded_documents_fail_verification() {
    let s = setup(10, 0.0, "csv");
    let summary = issue(&options(&s, "out", &s.batch)).unwrap();
    let manifest = read_csv(&summary.run_dir.join("manifest.csv"));
    let (a, b, c) = (&manifest[0], &manifest[1], &manifest[2]);
    let mut reg = terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(s.root.join("out.sqlite"))).unwrap();
    reg.revoke(&a["document_number"], None, "issued on forged evidence", date()).unwrap();
    // b's corrected certificate: b revoked first (one active document per
    // subject), the corrected application issued, then it supersedes b.
    reg.revoke(&b["document_number"], None, "name misspelt", date()).unwrap();
    let batch = fs::read_to_string(&s.batch).unwrap();
    let (app, rest) = batch.lines().nth(2).unwrap().split_once(',').unwrap();
    let corrected = s.root.join("corrected.csv");
    fs::write(&corrected, format!("{}\n{app}-C,{rest}\n", batch.lines().next().unwrap())).unwrap();
    let summary2 = issue(&options(&s, "out", &corrected)).unwrap();
    let newer = read_csv(&summary2.run_dir.join("manifest.csv"))[0]["document_number"].clone();
    reg.revoke(&b["document_number"], Some(&newer), "name corrected", date()).unwrap();
    let signer = keys::signer_for(&s.keys, "3506", 1_795_392_000).unwrap();
    let list = terbit::dk1::revocation::RevocationList::make(reg.revocations("3506").unwrap(), 1, 1_795_400_000, &signer);
    let path = s.root.join("revocations-3506.json");
    fs::write(&path, list.to_json()).unwrap();

    // Keys the caller already trusts, with the signed list.
    let store = terbit::trust::store::TrustStore::of_keys_folder(&s.keys, std::slice::from_ref(&path)).unwrap();
    assert_eq!(store.revocations.len(), 2);
    let trust = store.trust();
    let layouts = verify::Layouts::standard();
    let pdf = |r: &BTreeMap<String, String>| fs::read(summary.run_dir.join(&r["file"])).unwrap();
    assert!(matches!(verify::verify_pdf(&pdf(a), &trust, &layouts).verdict, Verdict::Revoked(ref why) if why.contains("forged")));
    match verify::verify_pdf(&pdf(b), &trust, &layouts).verdict {
        Verdict::Superseded(why) => assert!(why.contains(&newer), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(verify::verify_pdf(&pdf(c), &trust, &layouts).verdict, Verdict::Genuine);
    // Without the list the same document is genuine: revocations come only
    // from lists the auditor holds.
    let without = fixture::office_trust(&s.keys);
    assert_eq!(verify::verify_pdf(&pdf(a), &without.trust(), &layouts).verdict, Verdict::Genuine);

    // An edited list (an entry removed without re-signing) is refused.
    let mut forged = list.clone();
    forged.entries.remove(0);
    fs::write(&path, forged.to_json()).unwrap();
    assert!(terbit::trust::store::TrustStore::with_keys(TrustList::load(&s.keys.join("trust.json")).unwrap(), std::slice::from_ref(&path)).is_err());
}

#[test]
fn tampered_text_wrong_key_and_unknown_kid_are_rejected() {
    let s = setup(20, 0.0, "csv");
    let summary = issue(&options(&s, "out", &s.batch)).unwrap();
    let manifest = read_csv(&summary.run_dir.join("manifest.csv"));
    let trust = TrustList::load(&s.keys.join("trust.json")).unwrap();
    let qr = &manifest[0]["qr"];
    assert!(verify::verify_text(qr, &terbit::trust::store::Trust::new(&trust)).verdict.is_genuine());

    // One character changed, at every position in turn.
    for i in 4..qr.len() {
        let mut t = qr.clone();
        let c = if &t[i..i + 1] == "A" { "B" } else { "A" };
        t.replace_range(i..i + 1, c);
        assert!(!verify::verify_text(&t, &terbit::trust::store::Trust::new(&trust)).verdict.is_genuine(), "position {i}");
    }

    let claims: Claims = dk1::decode(qr).unwrap().claims;
    let other = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    // Wrong key claiming the trusted kid: the signature fails.
    let trusted_kid = dk1::decode(qr).unwrap().kid;
    let forged = dk1::seal(&claims, &Signer { key: other.clone(), kid: trusted_kid, issuer: "3506".into() });
    assert!(matches!(verify::verify_text(&forged, &terbit::trust::store::Trust::new(&trust)).verdict, Verdict::Invalid(_)));
    // A key the trust list does not know.
    let unknown = dk1::seal(&claims, &Signer { kid: kid_of(&other.verifying_key().to_bytes()), key: other, issuer: "3506".into() });
    assert!(matches!(verify::verify_text(&unknown, &terbit::trust::store::Trust::new(&trust)).verdict, Verdict::Untrusted(_)));
}

#[test]
fn rerun_issues_nothing_new_and_output_is_deterministic() {
    let s = setup(120, 0.05, "parquet");
    let first = issue(&options(&s, "out", &s.batch)).unwrap();
    let manifest1 = fs::read(first.run_dir.join("manifest.csv")).unwrap();
    let second = issue(&options(&s, "out", &s.batch)).unwrap();
    assert_eq!(second.run_id, first.run_id);
    assert_eq!(second.resumed, first.issued, "everything was already numbered by this run");
    assert_eq!(fs::read(second.run_dir.join("manifest.csv")).unwrap(), manifest1);
    let reg = terbit::numbering::register::Register::open(&terbit::numbering::register::Place::File(s.root.join("out.sqlite"))).unwrap();
    assert_eq!(reg.count("issued").unwrap() as usize, first.issued);

    // A fresh register and output folder: byte-identical documents.
    let other = issue(&options(&s, "again", &s.batch)).unwrap();
    assert_eq!(fs::read(other.run_dir.join("manifest.csv")).unwrap(), manifest1);
    for row in read_csv(&first.run_dir.join("manifest.csv")) {
        assert_eq!(fs::read(first.run_dir.join(&row["file"])).unwrap(), fs::read(other.run_dir.join(&row["file"])).unwrap());
    }

    // The same applications in another batch file are never issued again.
    let copy = s.root.join("copy.parquet");
    fs::copy(&s.batch, &copy).unwrap();
    let renamed = issue(&options(&s, "out", &copy)).unwrap();
    assert_eq!(renamed.run_id, first.run_id, "a run is named by content, not file name");
    assert_eq!(renamed.rejected, first.rejected);
}

#[test]
fn already_issued_applications_are_rejected_with_their_number() {
    let s = setup(30, 0.0, "csv");
    let first = issue(&options(&s, "out", &s.batch)).unwrap();
    assert_eq!(first.issued, 30);
    // A later batch repeating five of today's applications plus new ones.
    let text = fs::read_to_string(&s.batch).unwrap();
    let mut lines: Vec<&str> = text.lines().take(6).collect();
    let extra = s.root.join("more.csv");
    samples::write_birth(&SampleOptions { region: &Region::kediri(), count: 3, seed: 99, defects: 0.0, as_of: date() }, &extra).unwrap();
    let more = fs::read_to_string(&extra).unwrap();
    let fresh: Vec<String> = more.lines().skip(1).map(|l| l.replacen("3506-LHR-20261123-", "3506-LHR-20261123-9", 1)).collect();
    lines.extend(fresh.iter().map(String::as_str));
    let next = s.root.join("next.csv");
    fs::write(&next, lines.join("\n") + "\n").unwrap();
    let second = issue(&options(&s, "out", &next)).unwrap();
    assert_eq!(second.issued, 3);
    assert_eq!(second.rejects_by_rule.get("ALREADY_ISSUED"), Some(&5));
    let rejects = read_csv(&second.run_dir.join("rejects.csv"));
    assert!(rejects.iter().all(|r| r["message"].contains("3506-LU-23112026-") || r["message"].contains("3506-LT-23112026-")));
}

#[test]
fn missing_key_is_a_clear_error() {
    let s = setup(5, 0.0, "csv");
    let mut o = options(&s, "out", &s.batch);
    o.keys_dir = s.root.join("nokeys");
    let e = issue(&o).unwrap_err().to_string();
    assert!(e.contains("trust.json"), "{e}");
}

#[test]
fn a_second_application_for_a_child_with_an_active_certificate_is_rejected() {
    let s = setup(5, 0.0, "csv");
    issue(&options(&s, "out", &s.batch)).unwrap();
    let text = fs::read_to_string(&s.batch).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let again = lines.next().unwrap().replacen("3506-LHR-20261123-", "3506-LHR-20261124-", 1);
    let next = s.root.join("again.csv");
    fs::write(&next, format!("{header}\n{again}\n")).unwrap();
    let second = issue(&options(&s, "out", &next)).unwrap();
    assert_eq!(second.issued, 0);
    assert_eq!(second.rejects_by_rule.get("SUBJECT_ACTIVE"), Some(&1), "{second:?}");
}

/// A batch file of each kind (`count` applications, seeds from `seed`),
/// the i-th kind's file with extension `ext(i)`.
fn six_kind_batch(s: &Setup, count: usize, seed: u64, defects: f64, ext: impl Fn(usize) -> &'static str) -> Vec<PathBuf> {
    let templates = Templates::embedded();
    let region = Region::kediri();
    let mut batch = Vec::new();
    for (i, kind) in terbit::kind::Kind::ALL.map(terbit::kind::Kind::name).iter().enumerate() {
        let file = s.root.join(format!("{kind}.{}", ext(i)));
        let opts = SampleOptions { region: &region, count, seed: seed + i as u64, defects, as_of: date() };
        samples::write(templates.get(kind).unwrap(), &opts, &file).unwrap();
        batch.push(file);
    }
    batch
}

/// All six kinds in one run: every application (a family's or a move's
/// rows count as one) issued or rejected, every document genuine, each
/// print file holds its service point's documents page for page in
/// manifest order, and single-person documents keep their QR at ECC level
/// Q within version 13.
#[test]
fn six_kinds_in_one_run() {
    let s = setup(1, 0.0, "csv");
    let batch = six_kind_batch(&s, 25, 7, 0.1, |i| if i % 2 == 0 { "csv" } else { "parquet" });
    let mut o = options(&s, "out", &batch[0]);
    o.batch = batch;
    let summary = issue(&o).unwrap();
    assert_eq!(summary.applications, 150);
    assert_eq!(summary.issued + summary.rejected, 150, "{summary:?}");
    assert!(summary.rejected > 0);
    for kind in terbit::kind::Kind::ALL.map(terbit::kind::Kind::name) {
        assert_eq!(summary.applications_by_kind[kind], 25);
        assert!(summary.issued_by_kind[kind] > 15, "{kind}: {summary:?}");
    }
    let manifest = read_csv(&summary.run_dir.join("manifest.csv"));
    let store = fixture::office_trust(&s.keys);
    let (trust, layouts) = (store.trust(), verify::Layouts::standard());
    let mut pages_by_point: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for row in &manifest {
        let bytes = fs::read(summary.run_dir.join(&row["file"])).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), row["sha256"]);
        assert!(row["file"].starts_with(&format!("{}/{}/", row["service_point"], row["kind"])));
        let report = verify::verify_pdf(&bytes, &trust, &layouts);
        assert_eq!(report.verdict, Verdict::Genuine, "{}", row["file"]);
        let sealed = dk1::decode(&row["qr"]).unwrap();
        let single = sealed.claims.record.member_count.is_none() && row["kind"] != "family_card";
        let (version, level) = terbit::dk1::qr::choose(row["qr"].len()).unwrap();
        if single {
            assert!(version <= 13 && level == qrcode::EcLevel::Q, "{}: {} characters → version {version} {level:?}", row["file"], row["qr"].len());
        }
        let pages = lopdf::Document::load_mem(&bytes).unwrap().get_pages().len();
        pages_by_point.entry(row["service_point"].clone()).or_default().push((row["document_number"].clone(), pages));
    }
    // Family cards number as KK numbers: district + DDMMYY + serial.
    assert!(manifest.iter().filter(|r| r["kind"] == "family_card").all(|r| r["document_number"].len() == 16
        && r["document_number"][6..12] == *"231126"));
    for (point, docs) in &pages_by_point {
        let print = summary.run_dir.join(&summary.print_files[point]);
        let merged = lopdf::Document::load(&print).unwrap();
        assert_eq!(merged.get_pages().len(), docs.iter().map(|(_, p)| p).sum::<usize>(), "{point}");
        // Pages in manifest order: each page's text shows its document's number.
        let mut page = 1;
        for (number, n) in docs {
            let text = merged.extract_text(&[page as u32]).unwrap();
            assert!(text.contains(number.as_str()), "{point} page {page}: {number}");
            page += n;
        }
    }
    let rejects = read_csv(&summary.run_dir.join("rejects.csv"));
    assert!(rejects.iter().all(|r| r["message"].contains(" / ")));
    // The report counts each rule and gives it as a share of applications.
    let report: serde_json::Value = serde_json::from_slice(&fs::read(summary.run_dir.join("report.json")).unwrap()).unwrap();
    for (rule, n) in report["rejects_by_rule"].as_object().unwrap() {
        let pct = report["rejects_by_rule_percent"][rule].as_f64().unwrap();
        assert!((pct - n.as_f64().unwrap() * 100.0 / 150.0).abs() < 0.01, "{rule}");
        assert_eq!(rejects.iter().filter(|r| &r["rule"] == rule).count() as u64, n.as_u64().unwrap());
    }
}

/// Every file a run writes (but the report, which carries timings), by
/// path relative to the run directory.
fn run_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if !p.file_name().unwrap().to_string_lossy().starts_with("report.") {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn output_is_the_same_on_one_thread_and_on_many() {
    // Which worker renders which document first (and so makes the shape's
    // skeleton), and whether the next kind is numbered during this one,
    // depend on scheduling and memory; the bytes must not.
    let s = setup(1, 0.0, "csv");
    let batch = six_kind_batch(&s, 40, 70, 0.05, |_| "csv");
    let run = |threads: usize, out: &str| {
        let mut o = options(&s, out, &batch[0]);
        o.batch = batch.clone();
        // One kind at a time on one thread; the next kind prepared during
        // this one on four.
        o.ahead_max_rows = if threads == 1 { 0 } else { 1_000_000 };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| issue(&o)).unwrap()
    };
    let one = run(1, "one");
    let many = run(4, "many");
    assert_eq!(one.run_id, many.run_id);
    assert!(one.issued > 200, "{one:?}");
    let (a, b) = (run_files(&one.run_dir), run_files(&many.run_dir));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.len() > one.issued, "documents, manifest, print files, seal, rejects");
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{} differs between one thread and four", path.display());
    }
}
