//! The register's rules, the same on both back ends: an SQLite file and a
//! real PostgreSQL server (started by the test, tests/common/pg.rs;
//! skipped, and said, where PostgreSQL is not installed; failed under
//! TERBIT_REQUIRE_TOOLS). Each scenario runs on a new register.



#[path = "common/tools.rs"]
mod tools;
#[path = "common/pg.rs"]
mod pg;

use chrono::NaiveDate;
use terbit::kind::standing::Status;
use terbit::kind::schema::NumberStyle;
use terbit::numbering::register::{Numbered, Pending, Place, Register};

/// Each scenario on a new SQLite register.
fn on_sqlite(scenario: fn(&Place)) {
    let d = tempfile::tempdir().unwrap();
    scenario(&Place::File(d.path().join("r.sqlite")));
}

/// Each scenario on a new PostgreSQL register (a new server each).
fn on_postgresql(check: &str, scenario: fn(&Place)) {
    let Some(db) = pg::PgCluster::start(check) else { return };
    scenario(&Place::of(std::path::Path::new(&db.url())).unwrap());
}

#[test]
fn superseded_only_by_a_standing_one_of_its_kind_postgresql() {
    on_postgresql("register rules on PostgreSQL: supersession", a_document_is_superseded_only_by_a_standing_one_of_its_kind);
}

#[test]
fn not_superseded_from_before_its_successor_stood_postgresql() {
    on_postgresql("register rules on PostgreSQL: supersession dates", a_document_is_not_superseded_from_before_its_successor_stood);
}

#[test]
fn gap_free_and_never_twice_postgresql() {
    on_postgresql("register rules on PostgreSQL: gap-free, never twice", gap_free_and_never_twice);
}

#[test]
fn a_publishing_run_is_never_taken_over_sqlite() {
    on_sqlite(a_publishing_run_is_never_taken_over);
}

#[test]
fn a_publishing_run_is_never_taken_over_postgresql() {
    on_postgresql("register rules on PostgreSQL: a publishing run's numbers are final", a_publishing_run_is_never_taken_over);
}

#[test]
fn superseded_only_by_a_standing_one_of_its_kind_sqlite() {
    on_sqlite(a_document_is_superseded_only_by_a_standing_one_of_its_kind);
}

#[test]
fn not_superseded_from_before_its_successor_stood_sqlite() {
    on_sqlite(a_document_is_not_superseded_from_before_its_successor_stood);
}

#[test]
fn gap_free_and_never_twice_sqlite() {
    on_sqlite(gap_free_and_never_twice);
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 6, 23).unwrap()
}

fn a_document_is_superseded_only_by_a_standing_one_of_its_kind(place: &Place) {
    let mut reg = Register::open(place).unwrap();
    let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
    let births = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("b"), p("c")]).unwrap();
    let km = Pending { application_id: "x", nik: "x", letters: "KM", scope: "3506", service_point: "KEC-A" };
    let deaths = reg.number("run1", "death", "3506", date(), NumberStyle::Registration, None, &[km]).unwrap();
    let (a, b, c, x) = (births[0].number(), births[1].number(), births[2].number(), deaths[0].number());
    reg.mark_issued([(a, "1"), (b, "2"), (c, "3"), (x, "4")]).unwrap();
    let e = reg.revoke(a, Some(x), "wrong kind", date()).unwrap_err().to_string();
    assert!(e.contains("superseded by one of its own kind"), "{e}");
    reg.revoke(c, None, "fraud", date()).unwrap();
    let e = reg.revoke(a, Some(c), "by a revoked one", date()).unwrap_err().to_string();
    assert!(e.contains("itself revoked"), "{e}");
    let e = reg.revoke(a, Some(b), "name corrected", date()).unwrap_err().to_string();
    assert!(e.contains("same subject") && e.contains("NIK) b") && e.contains("of a"), "{e}");
    // The corrected document for the same subject: issued once the
    // first is revoked (never two active), then it supersedes it.
    reg.revoke(a, None, "name misspelt", date()).unwrap();
    let again = Pending { application_id: "a2", nik: "a", letters: "LU", scope: "3506", service_point: "KEC-A" };
    let n = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[again]).unwrap();
    let a2 = n[0].number().to_string();
    reg.mark_issued([(a2.as_str(), "5")]).unwrap();
    reg.revoke(a, Some(&a2), "name corrected", date().succ_opt().unwrap()).unwrap();
    let e = reg.revocation_of(a).unwrap().unwrap();
    assert_eq!((e.status, e.superseded_by.as_deref()), (Status::Superseded, Some(a2.as_str())));
    // The revocation as recorded stays: its date and its reason, the
    // supersession's reason after it.
    assert_eq!((e.since.as_str(), e.reason.as_str()), ("2021-06-23", "name misspelt; superseded: name corrected"));
    // Not before the document's issue date.
    let e = reg.revoke(b, None, "x", date().pred_opt().unwrap()).unwrap_err().to_string();
    assert!(e.contains("before document") && e.contains("issue date 2021-06-23"), "{e}");
}

fn a_document_is_not_superseded_from_before_its_successor_stood(place: &Place) {
    let mut reg = Register::open(place).unwrap();
    let p = |id: &'static str| Pending { application_id: id, nik: "k", letters: "LU", scope: "3506", service_point: "KEC-A" };
    let old = reg.number("run1", "ktp", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap()[0].number().to_string();
    // Ten days on, the first no longer counts as active (an expired card): a new one for the same subject.
    let later = date() + chrono::Days::new(10);
    let new = reg.number("run2", "ktp", "3506", later, NumberStyle::Registration, Some(later), &[p("b")]).unwrap()[0].number().to_string();
    reg.mark_issued([(old.as_str(), "1"), (new.as_str(), "2")]).unwrap();
    let e = reg.revoke(&old, Some(&new), "renewed", date()).unwrap_err().to_string();
    assert!(e.contains("which was issued on 2021-07-03") && e.contains("--on 2021-07-03"), "{e}");
    reg.revoke(&old, Some(&new), "renewed", later).unwrap();
    assert_eq!(reg.revocation_of(&old).unwrap().unwrap().since, "2021-07-03");
}

fn gap_free_and_never_twice(place: &Place) {
    let mut reg = Register::open(place).unwrap();
    let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
    let n = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("b")]).unwrap();
    assert_eq!(n[0], Numbered::New { number: "3506-LU-23062021-0001".into() });
    assert_eq!(n[1].number(), "3506-LU-23062021-0002");
    // Same run again: the same numbers come back, nothing new.
    let again = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("c")]).unwrap();
    assert_eq!(again[0], Numbered::Resumed { number: "3506-LU-23062021-0001".into() });
    assert_eq!(again[1].number(), "3506-LU-23062021-0003");
    // Another run finishes a number never written (a corrected export
    // after a crash), under the same number; it never re-issues one.
    let other = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[p("b")]).unwrap();
    assert_eq!(other[0], Numbered::Adopted { number: "3506-LU-23062021-0002".into(), from_run: "run1".into(), service_point: "KEC-A".into() });
    assert_eq!(reg.unfinished("run2").unwrap(), vec![("run1".to_string(), 2, 0)]);
    // A document run1 wrote before it stopped (never sealed, in no
    // manifest) is adopted too: made again by run2, listed and sealed.
    reg.run_started("run1", date(), "").unwrap();
    reg.mark_issued([("3506-LU-23062021-0001", "ab")]).unwrap();
    assert_eq!(reg.unfinished("run2").unwrap(), vec![("run1".to_string(), 1, 1)]);
    let other = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap();
    assert_eq!(other[0], Numbered::Adopted { number: "3506-LU-23062021-0001".into(), from_run: "run1".into(), service_point: "KEC-A".into() });
    assert_eq!(reg.count("issued").unwrap(), 0, "adopted: to be written by run2");
    reg.mark_issued([("3506-LU-23062021-0001", "ab")]).unwrap();
    // Once run2 has finished, its documents are never issued again.
    reg.run_started("run2", date(), "").unwrap();
    reg.run_finished("run2", "").unwrap();
    let other = reg.number("run6", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap();
    assert!(matches!(other[0], Numbered::AlreadyIssued { written: true, .. }), "{other:?}");
    assert_eq!(reg.unfinished("run6").unwrap(), vec![("run1".to_string(), 1, 0)]);
    assert_eq!(reg.next_list_sequence("3506", 0).unwrap(), 1);
    assert_eq!(reg.next_list_sequence("3506", 0).unwrap(), 2);
    assert_eq!(reg.next_list_sequence("3506", 9).unwrap(), 10, "past the list already published");
    assert_eq!(reg.next_list_sequence("3527", 0).unwrap(), 1);
    assert_eq!(reg.count("issued").unwrap(), 1);
    assert_eq!(reg.count("numbered").unwrap(), 2);
    // Revocation: only issued documents, once, with a reason.
    let d2 = date();
    assert!(reg.revoke("3506-LU-23062021-0002", None, "x", d2).is_err(), "never written");
    assert!(reg.revoke("3506-LU-23062021-0009", None, "x", d2).is_err(), "unknown");
    assert!(reg.revoke("3506-LU-23062021-0001", None, " ", d2).is_err(), "no reason");
    assert_eq!(reg.revoke("3506-LU-23062021-0001", None, "data error", d2).unwrap(), "3506");
    // The same revocation again is a retry (to publish its list); a
    // different one is refused; the first reason stays.
    assert_eq!(reg.revoke("3506-LU-23062021-0001", None, "again", d2).unwrap(), "3506");
    assert!(reg.revoke("3506-LU-23062021-0001", Some("3506-LU-23062021-0003"), "other", d2).is_err(), "otherwise");
    let list = reg.revocations("3506").unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].reason, "data error");
    assert_eq!(list[0].status, Status::Revoked);
    // Another application for a subject with an active document is refused;
    // once that document is revoked, a new one may be issued.
    let same_child = |id: &'static str| Pending { application_id: id, nik: "3506010101010009", letters: "LU", scope: "3506", service_point: "KEC-A" };
    let n = reg.number("run3", "birth", "3506", date(), NumberStyle::Registration, None, &[same_child("x")]).unwrap();
    assert!(matches!(n[0], Numbered::New { .. }));
    let n = reg.number("run4", "birth", "3506", date(), NumberStyle::Registration, None, &[same_child("y")]).unwrap();
    assert!(matches!(n[0], Numbered::SubjectActive { .. }), "{n:?}");
    // An expired document (issued before the active window) does not block.
    let later = date() + chrono::Days::new(200);
    let n = reg.number("run5", "birth", "3506", later, NumberStyle::Registration, Some(date() + chrono::Days::new(1)), &[same_child("z")]).unwrap();
    assert!(matches!(n[0], Numbered::New { .. }), "{n:?}");
}

/// `register migrate`: every table moved and checked, the SQLite file set
/// aside, and the next number on PostgreSQL is the one SQLite would have
/// given; a database that holds a register already is refused.
#[test]
fn migrate_moves_the_whole_register_and_numbering_goes_on() {
    let Some(db) = pg::PgCluster::start("register migrate to PostgreSQL") else { return };
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("register.sqlite");
    let lite = Place::File(file.clone());
    gap_free_and_never_twice(&lite);
    let (docs, revs, runs) = {
        let r = Register::open_read_only(&lite).unwrap();
        let mut docs = Vec::new();
        r.each_document(|row| {
            docs.push(row);
            Ok(())
        })
        .unwrap();
        (docs, r.all_revocations().unwrap(), r.all_runs().unwrap())
    };
    let id = Register::id_of(&lite).unwrap();
    let url = Place::of(std::path::Path::new(&db.url())).unwrap();
    let Place::Postgres(pg_url) = &url else { panic!("a PostgreSQL place") };
    let m = terbit::numbering::migrate::migrate(&file, pg_url).unwrap();
    assert_eq!(Some(m.id.clone()), id.or(Some(m.id.clone())));
    assert!(!file.exists() && m.set_aside.exists(), "the SQLite file is set aside");
    let r = Register::open_read_only(&url).unwrap();
    let mut moved = Vec::new();
    r.each_document(|row| {
        moved.push(row);
        Ok(())
    })
    .unwrap();
    assert_eq!(moved, docs);
    assert_eq!(r.all_revocations().unwrap(), revs);
    assert_eq!(r.all_runs().unwrap(), runs);
    assert_eq!(Register::id_of(&url).unwrap().as_deref(), Some(m.id.as_str()));
    drop(r);
    // The counters came along: the next birth number of that day follows on.
    let mut reg = Register::open(&url).unwrap();
    let p = Pending { application_id: "after-migrate", nik: "after-migrate", letters: "LU", scope: "3506", service_point: "KEC-A" };
    let n = reg.number("run9", "birth", "3506", date(), NumberStyle::Registration, None, &[p]).unwrap();
    assert_eq!(n[0], Numbered::New { number: "3506-LU-23062021-0005".into() });
    // The file left behind, renamed back: never written again, by any
    // keys folder (it says where the register went), nor migrated again.
    std::fs::rename(&m.set_aside, &file).unwrap();
    let e = Register::open(&lite).err().expect("refused").to_string();
    assert!(e.contains("was migrated to") && e.contains(&pg_url.shown().to_string()), "{e}");
    let e = terbit::numbering::migrate::migrate(&file, pg_url).unwrap_err().to_string();
    assert!(e.contains("was migrated to"), "{e}");
    // Another register into a database that holds one: refused, nothing moved.
    let other = Place::File(d.path().join("other.sqlite"));
    Register::open(&other).unwrap().id().unwrap();
    let e = terbit::numbering::migrate::migrate(&d.path().join("other.sqlite"), pg_url).unwrap_err().to_string();
    assert!(e.contains("holds a register already") && e.contains("nothing was moved"), "{e}");
    assert!(file.exists());
}

/// A keys folder bound to a PostgreSQL register never takes a file in its
/// place (a copy from before the migration carries the same id), and a
/// database whose register tables were emptied is a missing register,
/// never a new one under the bound id.
#[test]
fn a_keys_folder_bound_to_postgresql_takes_no_file_and_no_emptied_database() {
    let Some(db) = pg::PgCluster::start("keys folder bound to a PostgreSQL register") else { return };
    let d = tempfile::tempdir().unwrap();
    let keys = d.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let url = Place::of(std::path::Path::new(&db.url())).unwrap();
    let reg = Register::open(&url).unwrap();
    let c = terbit::issue::binding::check(&keys, &url).unwrap();
    terbit::issue::binding::record(&keys, &reg, &c).unwrap();
    let id = reg.id().unwrap();
    drop(reg);
    // The same register again: accepted.
    terbit::issue::binding::check(&keys, &url).unwrap();
    // A file carrying its id: refused.
    let file = Place::File(d.path().join("register.sqlite"));
    Register::open(&file).unwrap().set_id(&id).unwrap();
    let e = terbit::issue::binding::check(&keys, &file).unwrap_err().to_string();
    assert!(e.contains("never taken in its place") && e.contains("nothing was issued"), "{e}");
    // The tables emptied: missing, not new.
    db.psql("TRUNCATE revocations, revocation_lists, documents, serials, runs, meta");
    let e = terbit::issue::binding::check(&keys, &url).unwrap_err().to_string();
    assert!(e.contains("is missing"), "{e}");
}

/// A run that began publishing its manifest and stopped before its finish
/// was recorded (a connection lost in between) keeps its numbers: another
/// run's corrected export never issues them again under a second
/// document; the same run finishes them.
fn a_publishing_run_is_never_taken_over(place: &Place) {
    let mut reg = Register::open(place).unwrap();
    let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
    reg.run_started("run1", date(), "").unwrap();
    let n = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("b")]).unwrap();
    reg.mark_issued([(n[0].number(), "aa"), (n[1].number(), "bb")]).unwrap();
    reg.publishing("run1").unwrap();
    let other = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap();
    assert!(matches!(&other[0], Numbered::AlreadyIssued { run_id, written: true, .. } if run_id == "run1"), "{other:?}");
    let same = reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a"), p("b")]).unwrap();
    assert_eq!(same[0], Numbered::Resumed { number: "3506-LU-23062021-0001".into() });
    // Not finished: still named as a run to finish.
    assert_eq!(reg.unfinished("run2").unwrap().len(), 1);
    // One application twice in a batch: one number, given once.
    let twice = reg.number("run7", "birth", "3506", date(), NumberStyle::Registration, None, &[p("z"), p("z")]).unwrap();
    assert_eq!(twice, vec![Numbered::New { number: "3506-LU-23062021-0003".into() }, Numbered::Resumed { number: "3506-LU-23062021-0003".into() }]);
}

/// A counter terbit never writes (negative, or at the largest number) is
/// refused with words, never wrapped into a malformed number or a panic.
#[test]
fn a_counter_out_of_range_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let place = Place::File(d.path().join("r.sqlite"));
    let mut reg = Register::open(&place).unwrap();
    let p = |id: &'static str| Pending { application_id: id, nik: id, letters: "LU", scope: "3506", service_point: "KEC-A" };
    reg.number("run1", "birth", "3506", date(), NumberStyle::Registration, None, &[p("a")]).unwrap();
    for bad in [-3, i64::MAX] {
        let conn = rusqlite::Connection::open(d.path().join("r.sqlite")).unwrap();
        conn.execute("UPDATE serials SET last = ?1", [bad]).unwrap();
        drop(conn);
        let e = reg.number("run2", "birth", "3506", date(), NumberStyle::Registration, None, &[p("b")]).unwrap_err().to_string();
        assert!(e.contains("which terbit never writes") && e.contains("register check"), "{e}");
    }
}
