//! Table-driven tests of the validate stage: for every kind, one
//! application per rule its schema implies, each broken for that rule
//! alone, must yield exactly that rule code (and nothing else), while the
//! untouched applications pass.

use std::collections::{BTreeMap, BTreeSet};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::input::samples::{apply, defects_for, rows, SampleOptions};
use crate::kind::template::{Template, Templates};

fn issue_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn batch_of(t: &Template, rows: &[Vec<String>]) -> Batch {
    let names: Vec<&str> = t.schema.names().collect();
    Batch {
        df: crate::input::samples::to_frame(&names, rows).unwrap(),
        files: vec!["t.csv".into()],
        origin: (0..rows.len() as u32).map(|i| (0, i + 2)).collect(),
        by_line: vec![true],
        warnings: vec![],
    }
}

fn run(t: &Template, rows: &[Vec<String>]) -> Validated {
    let region = Region::kediri();
    validate(&mut batch_of(t, rows), &t.schema, &Context { region: &region, issue_date: issue_date(), can_print: crate::pdf::fonts::can_draw }).unwrap()
}

/// Generated applications of `t` grouped by application ID, each as
/// column → value maps (group kinds: only those with two or more members,
/// so member-level defects can avoid the head).
fn good_apps(t: &Template, n: usize) -> Vec<Vec<BTreeMap<String, String>>> {
    let region = Region::kediri();
    let opts = SampleOptions { region: &region, count: n * 3, seed: 5, defects: 0.0, as_of: issue_date() };
    let all = rows(t, &opts).unwrap();
    let names: Vec<String> = t.schema.names().map(str::to_string).collect();
    let id = t.schema.id;
    let mut apps: Vec<Vec<BTreeMap<String, String>>> = Vec::new();
    for r in all {
        let m: BTreeMap<String, String> = names.iter().cloned().zip(r.iter().cloned()).filter(|(_, v)| !v.is_empty()).collect();
        match apps.last_mut() {
            Some(last) if last[0].get(&names[id]) == m.get(&names[id]) => last.push(m),
            _ => apps.push(vec![m]),
        }
    }
    apps.retain(|a| !t.schema.group || a.len() >= 2);
    assert!(apps.len() >= n, "{}: {} applications", t.kind, apps.len());
    apps.truncate(n);
    apps
}

fn flatten(t: &Template, apps: &[Vec<BTreeMap<String, String>>]) -> Vec<Vec<String>> {
    apps.iter()
        .flatten()
        .map(|m| t.schema.names().map(|n| m.get(n).cloned().unwrap_or_default()).collect())
        .collect()
}

/// Rules a defect may trip besides its own, because the data says so too
/// (a birth in the future is also after the death it precedes).
fn also(kind: &str, rule: &str, column: &str) -> &'static [&'static str] {
    match (kind, rule, column) {
        ("birth", "DATE_RANGE", "birth_date") => &["PARENT_AGE"],
        ("death", "DATE_FUTURE", "birth_date") => &["DATE_ORDER"],
        ("death", "DATE_RANGE", "death_date") => &["DATE_ORDER"],
        ("ktp", "DATE_FUTURE", "birth_date") => &["MIN_AGE"],
        // An invisible character is no letter either.
        (_, "FORMAT_CHARACTER", _) => &["NAME"],
        _ => &[],
    }
}

#[test]
fn every_rule_of_every_kind_fires_alone() {
    let mut covered: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for (kind, t) in &Templates::embedded().0 {
        let defects = defects_for(&t.schema);
        // One good application before each broken one (duplicates copy it).
        let mut apps = good_apps(t, defects.len() * 2);
        let clean = run(t, &flatten(t, &apps));
        assert!(clean.rejects.is_empty(), "{kind}: generated applications must pass: {:?}", &clean.rejects[..clean.rejects.len().min(3)]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for (i, d) in defects.iter().enumerate() {
            let (before, rest) = apps.split_at_mut(2 * i + 1);
            let maps = &mut rest[0];
            // `apply` works on rows keyed by column name.
            let mut rows: Vec<BTreeMap<String, String>> = maps.clone();
            let earlier: Vec<Vec<BTreeMap<String, String>>> = vec![before[2 * i].clone()];
            apply(&mut rng, &t.schema, d, &mut rows, &earlier, issue_date());
            *maps = rows;
        }
        let v = run(t, &flatten(t, &apps));
        let mut by_app: BTreeMap<usize, Vec<&Reject>> = BTreeMap::new();
        for r in &v.rejects {
            by_app.entry(r.app).or_default().push(r);
            assert!(!r.message.is_empty() && r.message.contains(" / "), "{kind}: bilingual message: {}", r.message);
            assert_eq!(r.source, format!("t.csv:{}", r.row + 2));
        }
        for (i, d) in defects.iter().enumerate() {
            let app = 2 * i + 1;
            let got = by_app.get(&app).cloned().unwrap_or_default();
            let codes: BTreeSet<&str> = got.iter().map(|r| r.rule.code()).collect();
            let allowed: BTreeSet<&str> = also(kind, d.rule.code(), &d.column).iter().copied().chain([d.rule.code()]).collect();
            assert!(codes.contains(d.rule.code()), "{kind}: defect {} on {} gave {:?}", d.rule, d.column, got);
            assert!(codes.is_subset(&allowed), "{kind}: defect {} on {} gave {:?}", d.rule, d.column, got);
            assert!(got.iter().any(|r| r.rule == d.rule && r.field == d.column), "{kind}: {} must name field {}: {got:?}", d.rule, d.column);
            covered.entry(kind.clone()).or_default().insert(d.rule.code());
        }
        // The good applications between them stay accepted.
        for good in (0..defects.len()).map(|i| 2 * i) {
            assert!(!by_app.contains_key(&good), "{kind}: application {good} should pass: {:?}", by_app.get(&good));
        }
        assert_eq!(v.rejected_applications, defects.len(), "{kind}");
        assert_eq!(v.applications - v.rejected_applications, defects.len(), "{kind}");
    }
    // The kinds between them exercise every rule the validator has.
    let all: BTreeSet<&str> = covered.values().flatten().copied().collect();
    for rule in [
        "REQUIRED", "NIK_FORMAT", "NIK_DISTRICT", "NIK_DATE", "NIK_SERIAL", "NIK_SEX", "NIK_BIRTH_DATE", "KK_FORMAT",
        "KK_DISTRICT", "KK_DATE", "KK_SERIAL", "NAME", "DATE_FORMAT", "DATE_FUTURE", "DATE_RANGE", "DATE_ORDER", "SEX",
        "VILLAGE", "CHOICE", "NUMBER", "TEXT", "SERVICE_POINT", "DUPLICATE_ID", "DUPLICATE_SUBJECT", "PARENT_AGE",
        "SAME_PLACE", "MIN_AGE", "DUPLICATE_MEMBER", "GROUP_MISMATCH", "HEAD_COUNT",
    ] {
        assert!(all.contains(rule), "no kind exercises {rule}");
    }
}

/// The birth kind, by hand: known values, known messages.
fn birth_base(t: &Template) -> BTreeMap<String, String> {
    let mut m = good_apps(t, 1).remove(0).remove(0);
    // A girl born 2026-10-05 in Semen (350601), her mother born 1995-03-12, father 1993-07-11.
    for (k, v) in [
        ("child_nik", "3506014510260007"),
        ("sex", "P"),
        ("birth_date", "2026-10-05"),
        ("mother_nik", "3506015203950001"),
        ("father_nik", "3506011107930002"),
        ("father_name", "Budi Santoso"),
    ] {
        m.insert(k.into(), v.into());
    }
    m
}

#[test]
fn birth_table() {
    let t = Template::birth_default();
    let base = birth_base(&t);
    let set = |pairs: &[(&str, &str)]| {
        let mut r = base.clone();
        for (k, v) in pairs {
            if v.is_empty() {
                r.remove(*k);
            } else {
                r.insert(k.to_string(), v.to_string());
            }
        }
        r
    };
    // (a row, the (rule, field) pairs it must give)
    type Case<'a> = (BTreeMap<String, String>, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (base.clone(), vec![]),
        (set(&[("child_name", "  Siti Aminah  ")]), vec![]),
        (set(&[("father_name", ""), ("father_nik", "")]), vec![]),
        (set(&[("child_nik", "350601451026000")]), vec![("NIK_FORMAT", "child_nik")]),
        (set(&[("child_nik", "9999994510260007")]), vec![("NIK_DISTRICT", "child_nik")]),
        (set(&[("child_nik", "3506017210260007")]), vec![("NIK_DATE", "child_nik")]),
        (set(&[("sex", "L")]), vec![("NIK_SEX", "child_nik")]),
        (set(&[("sex", "X")]), vec![("SEX", "sex")]),
        (set(&[("mother_nik", "3506011203950001")]), vec![("NIK_SEX", "mother_nik")]),
        (set(&[("birth_date", "2026-02-30")]), vec![("DATE_FORMAT", "birth_date")]),
        (set(&[("birth_date", "05/10/2026")]), vec![("DATE_FORMAT", "birth_date")]),
        // Exactly YYYY-MM-DD: chrono alone would take these two.
        (set(&[("birth_date", "2026-10-5")]), vec![("DATE_FORMAT", "birth_date")]),
        (set(&[("birth_date", "+2026-10-05")]), vec![("DATE_FORMAT", "birth_date")]),
        (set(&[("birth_date", "02026-10-05")]), vec![("DATE_FORMAT", "birth_date")]),
        (set(&[("birth_date", "2026-12-05"), ("child_nik", "3506014512260007")]), vec![("DATE_FUTURE", "birth_date")]),
        (set(&[("birth_date", "2026-10-06")]), vec![("NIK_BIRTH_DATE", "child_nik")]),
        (set(&[("birth_order", "0")]), vec![("NUMBER", "birth_order")]),
        (set(&[("village_code", "3578011001")]), vec![("VILLAGE", "village_code")]),
        (set(&[("mother_nik", "3506015203200001")]), vec![("PARENT_AGE", "mother_nik")]),
        (set(&[("father_nik", "3506011107300002")]), vec![("PARENT_AGE", "father_nik")]),
        (set(&[("mother_name", " ")]), vec![("REQUIRED", "mother_name")]),
    ];
    let expected: Vec<_> = cases.iter().map(|(_, e)| e.clone()).collect();
    let apps: Vec<Vec<BTreeMap<String, String>>> = cases
        .into_iter()
        .enumerate()
        .map(|(i, (mut r, _))| {
            // Distinct applications and children, so no duplicate rule fires.
            r.insert("application_id".into(), format!("APP-{i}"));
            if let Some(n) = r.get_mut("child_nik").filter(|n| n.len() == 16) {
                n.replace_range(12..16, &format!("{:04}", i + 10));
            }
            vec![r]
        })
        .collect();
    let v = run(&t, &flatten(&t, &apps));
    let mut got = vec![Vec::new(); apps.len()];
    for r in &v.rejects {
        got[r.row].push((r.rule.code(), r.field.as_str()));
    }
    assert_eq!(got, expected);
    // The clerk's message names the values.
    let m = &v.rejects.iter().find(|r| r.rule == Rule::NikBirthDate).unwrap().message;
    assert!(m.contains("451026") && m.contains("2026-10-06") && m.contains("woman"), "{m}");
}

#[test]
fn family_card_rejects_the_whole_application() {
    let t = Templates::embedded().get("family_card").unwrap().clone();
    let mut apps = good_apps(&t, 2);
    // The second member of the first family has a bad NIK: all its rows go.
    apps[0][1].insert("member_nik".into(), "123".into());
    let rows = flatten(&t, &apps);
    let v = run(&t, &rows);
    assert_eq!(v.rejected_applications, 1);
    assert_eq!(v.accepted_rows.len(), apps[1].len());
    assert_eq!(v.rejects.len(), 1);
    assert_eq!((v.rejects[0].rule, v.rejects[0].row), (Rule::NikFormat, 1));
}
