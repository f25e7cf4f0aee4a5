//! Validate stage: columnar rules over the whole batch (polars).
//!
//! Each rule is a boolean polars expression, "row violates rule", evaluated
//! once for the batch; shared helper columns (trimmed values, parsed dates,
//! NIK segments) are computed once and reused by every rule. Only rows that
//! violate something are then visited in Rust to word their messages.
//! Every row ends accepted or rejected, and a rejected row gets one reject
//! per violated rule, each naming its rule code, field, value and source.

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::batch::{Batch, Columns};
use crate::error::{Error, Result};
use crate::refdata::reference;
use crate::region::Region;

/// Input columns of a birth-certificate application.
pub fn birth_columns() -> Columns {
    Columns {
        required: vec![
            "application_id", "service_point", "child_name", "child_nik", "sex", "birth_date", "birth_place",
            "birth_order", "village_code", "mother_name", "mother_nik",
        ],
        // A child of an unregistered marriage has only the mother on the certificate.
        optional: vec!["father_name", "father_nik"],
    }
}

const NIK_FIELDS: [&str; 3] = ["child_nik", "mother_nik", "father_nik"];
const NAME_FIELDS: [&str; 3] = ["child_name", "mother_name", "father_name"];

/// One violated rule of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Row in the batch (0-based, all files concatenated).
    pub row: usize,
    pub application_id: String,
    pub source: String,
    pub rule: &'static str,
    pub field: &'static str,
    pub value: String,
    pub message: String,
}

#[derive(Debug)]
pub struct Validated {
    /// Accepted rows with cleaned (trimmed) values, in batch order.
    pub accepted: DataFrame,
    /// Batch row index of each accepted row.
    pub accepted_rows: Vec<usize>,
    /// Rejects ordered by row, then by rule order.
    pub rejects: Vec<Reject>,
    pub rows: usize,
}

impl Validated {
    pub fn rejected_applications(&self) -> usize {
        self.rows - self.accepted_rows.len()
    }
}

/// What the rules need to know besides the batch.
pub struct Context<'a> {
    pub region: &'a Region,
    pub issue_date: NaiveDate,
}

struct Rule {
    code: &'static str,
    field: &'static str,
    violated: Expr,
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

fn str_series(name: &str, values: impl IntoIterator<Item = String>) -> Series {
    Series::new(name.into(), values.into_iter().collect::<Vec<String>>())
}

/// Helper columns for one NIK column: `<f>__ok` (16 digits), `__dd` (day as
/// written, +40 for women), `__day`, `__mm`, `__yy`.
fn nik_helpers(f: &str) -> Vec<Expr> {
    let c = col(f);
    let ok = c.clone().str().contains(lit("^[0-9]{16}$"), true).fill_null(lit(false));
    let seg = |o: i64| c.clone().str().slice(lit(o), lit(2u64)).cast(DataType::Int32);
    vec![
        ok.alias(format!("{f}__ok")),
        seg(6).alias(format!("{f}__dd")),
        seg(8).alias(format!("{f}__mm")),
        seg(10).alias(format!("{f}__yy")),
    ]
}

fn nik_day(f: &str) -> Expr {
    let dd = col(format!("{f}__dd"));
    when(dd.clone().gt(lit(40))).then(dd.clone() - lit(40)).otherwise(dd).alias(format!("{f}__day"))
}

/// The NIK's embedded date is a real calendar date (century unknown: 29
/// February is allowed in any year divisible by 4).
fn nik_date_valid(f: &str) -> Expr {
    let mm = col(format!("{f}__mm"));
    let yy = col(format!("{f}__yy"));
    let day = col(format!("{f}__day"));
    let max_day = when(mm.clone().eq(lit(2)))
        .then(when((yy % lit(4)).eq(lit(0))).then(lit(29)).otherwise(lit(28)))
        .when(mm.clone().is_in(lit(Series::new("".into(), [4i32, 6, 9, 11])).implode(false), false))
        .then(lit(30))
        .otherwise(lit(31));
    mm.clone().gt_eq(lit(1)).and(mm.lt_eq(lit(12))).and(day.clone().gt_eq(lit(1))).and(day.lt_eq(max_day)).fill_null(lit(false))
}

fn rules(ctx: &Context) -> Vec<Rule> {
    let r = reference();
    let mut rules = Vec::new();
    let present = |f: &str| col(f).is_not_null();
    let ok = |f: &str| col(format!("{f}__ok"));
    for f in birth_columns().required {
        rules.push(Rule { code: "REQUIRED", field: f, violated: col(f).is_null() });
    }
    let districts = str_series("d", r.districts.keys().cloned());
    for f in NIK_FIELDS {
        rules.push(Rule { code: "NIK_FORMAT", field: f, violated: present(f).and(ok(f).not()) });
        rules.push(Rule {
            code: "NIK_DISTRICT",
            field: f,
            violated: ok(f).and(col(f).str().slice(lit(0), lit(6u64)).is_in(lit(districts.clone()).implode(false), false).not()),
        });
        rules.push(Rule { code: "NIK_DATE", field: f, violated: ok(f).and(col(format!("{f}__date_ok")).not()) });
        rules.push(Rule {
            code: "NIK_SERIAL",
            field: f,
            violated: ok(f).and(col(f).str().slice(lit(12), lit(4u64)).eq(lit("0000"))),
        });
    }
    let female = |f: &str| col(format!("{f}__dd")).gt(lit(40));
    let sex_ok = col("sex").is_in(lit(Series::new("".into(), ["L", "P"])).implode(false), false).fill_null(lit(false));
    rules.push(Rule { code: "SEX", field: "sex", violated: present("sex").and(sex_ok.clone().not()) });
    rules.push(Rule {
        code: "NIK_SEX",
        field: "child_nik",
        violated: ok("child_nik").and(sex_ok.clone()).and(female("child_nik").neq(col("sex").eq(lit("P")))),
    });
    rules.push(Rule { code: "NIK_SEX", field: "mother_nik", violated: ok("mother_nik").and(female("mother_nik").not()) });
    rules.push(Rule { code: "NIK_SEX", field: "father_nik", violated: ok("father_nik").and(female("father_nik")) });
    let bd = col("birth_date__d");
    rules.push(Rule { code: "DATE_FORMAT", field: "birth_date", violated: present("birth_date").and(bd.clone().is_null()) });
    let bd_days = bd.clone().cast(DataType::Int32);
    rules.push(Rule { code: "DATE_FUTURE", field: "birth_date", violated: bd_days.clone().gt(lit(days(ctx.issue_date))).fill_null(lit(false)) });
    let floor = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    rules.push(Rule { code: "DATE_RANGE", field: "birth_date", violated: bd_days.lt(lit(days(floor))).fill_null(lit(false)) });
    rules.push(Rule {
        code: "NIK_BIRTH_DATE",
        field: "child_nik",
        violated: ok("child_nik")
            .and(col("child_nik__date_ok"))
            .and(
                col("child_nik__day")
                    .neq(bd.clone().dt().day().cast(DataType::Int32))
                    .or(col("child_nik__mm").neq(bd.clone().dt().month().cast(DataType::Int32)))
                    .or(col("child_nik__yy").neq(bd.dt().year() % lit(100))),
            )
            .fill_null(lit(false)),
    });
    // Parents must be of a plausible age at the birth. The NIK's year has no
    // century: the parent is taken to be born in the latest year ≤ the child's.
    for (f, min, max) in [("mother_nik", 10, 60), ("father_nik", 12, 90)] {
        let child_year = col("birth_date__d").dt().year();
        let yy = col(format!("{f}__yy"));
        let y2000 = yy.clone() + lit(2000);
        let parent_year = when(y2000.clone().lt_eq(child_year.clone())).then(y2000).otherwise(yy + lit(1900));
        let age = child_year - parent_year;
        rules.push(Rule {
            code: "PARENT_AGE",
            field: f,
            violated: ok(f)
                .and(col(format!("{f}__date_ok")))
                .and(age.clone().lt(lit(min)).or(age.gt(lit(max))))
                .fill_null(lit(false)),
        });
    }
    let points = str_series("p", ctx.region.service_points.iter().map(|s| s.code.clone()));
    rules.push(Rule {
        code: "SERVICE_POINT",
        field: "service_point",
        violated: present("service_point").and(col("service_point").is_in(lit(points).implode(false), false).not()),
    });
    let villages = str_series("v", r.villages_of(&ctx.region.code).map(|v| v.code.clone()));
    rules.push(Rule {
        code: "VILLAGE",
        field: "village_code",
        violated: present("village_code").and(col("village_code").is_in(lit(villages).implode(false), false).not()),
    });
    let order_ok = col("birth_order").str().contains(lit("^[1-9][0-9]?$"), true).fill_null(lit(false));
    rules.push(Rule { code: "BIRTH_ORDER", field: "birth_order", violated: present("birth_order").and(order_ok.not()) });
    for f in NAME_FIELDS {
        let good = col(f).str().contains(lit(r"^\p{L}[\p{L}\p{M} .,'\-]*$"), true).fill_null(lit(false))
            .and(col(f).str().len_chars().lt_eq(lit(100u32)));
        rules.push(Rule { code: "NAME", field: f, violated: present(f).and(good.not()) });
    }
    rules.push(Rule {
        code: "DUPLICATE_ID",
        field: "application_id",
        violated: present("application_id").and(col("application_id").is_first_distinct().not()),
    });
    rules.push(Rule {
        code: "DUPLICATE_SUBJECT",
        field: "child_nik",
        violated: ok("child_nik").and(col("child_nik").is_first_distinct().not()),
    });
    rules
}

/// Validate a batch of birth applications.
pub fn validate(batch: &Batch, ctx: &Context) -> Result<Validated> {
    let cols = birth_columns();
    let names: Vec<&str> = cols.all().collect();
    // Stage 1: trimmed values, empty = missing.
    let clean: Vec<Expr> = names
        .iter()
        .map(|n| {
            let t = col(*n).str().strip_chars(lit(NULL));
            when(t.clone().eq(lit(""))).then(lit(NULL).cast(DataType::String)).otherwise(t).alias(*n)
        })
        .collect();
    // Stage 2: helper columns shared by the rules, computed once.
    let mut helpers: Vec<Expr> = NIK_FIELDS.iter().flat_map(|f| nik_helpers(f)).collect();
    helpers.push(
        col("birth_date")
            .str()
            .to_date(StrptimeOptions { format: Some("%Y-%m-%d".into()), strict: false, exact: true, cache: false })
            .alias("birth_date__d"),
    );
    let days_exprs: Vec<Expr> = NIK_FIELDS.iter().map(|f| nik_day(f)).collect();
    let date_ok: Vec<Expr> = NIK_FIELDS.iter().map(|f| nik_date_valid(f).alias(format!("{f}__date_ok"))).collect();
    let rules = rules(ctx);
    let mut select: Vec<Expr> = names.iter().map(|n| col(*n)).collect();
    select.extend(rules.iter().enumerate().map(|(i, r)| r.violated.clone().fill_null(lit(false)).alias(format!("__rule{i}"))));
    let out = batch
        .df
        .clone()
        .lazy()
        .with_columns(clean)
        .with_columns(helpers)
        .with_columns(days_exprs)
        .with_columns(date_ok)
        .select(select)
        .collect()
        .map_err(|e| Error::batch(&batch.files[0], format!("validation failed: {e}")))?;
    let height = out.height();
    let flags: Vec<&BooleanChunked> = (0..rules.len())
        .map(|i| out.column(&format!("__rule{i}")).and_then(|c| c.bool()))
        .collect::<PolarsResult<_>>()
        .map_err(|e| Error::batch(&batch.files[0], e.to_string()))?;
    let mut bad = vec![false; height];
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (ri, f) in flags.iter().enumerate() {
        for (row, v) in f.iter().enumerate() {
            if v == Some(true) {
                bad[row] = true;
                hits.push((row, ri));
            }
        }
    }
    hits.sort_unstable();
    let get = |c: &str, row: usize| -> Option<String> {
        out.column(c).ok().and_then(|s| s.str().ok()).and_then(|s| s.get(row)).map(str::to_string)
    };
    let mut rejects = Vec::with_capacity(hits.len());
    for (row, ri) in hits {
        let rule = &rules[ri];
        let value = get(rule.field, row).unwrap_or_default();
        rejects.push(Reject {
            row,
            application_id: get("application_id", row).unwrap_or_default(),
            source: batch.source(row),
            rule: rule.code,
            field: rule.field,
            message: message(rule.code, rule.field, &value, &|c| get(c, row), ctx),
            value,
        });
    }
    let keep = BooleanChunked::from_iter_values("keep".into(), bad.iter().map(|b| !b));
    let accepted = out
        .select(names.iter().copied())
        .and_then(|df| df.filter(&keep))
        .map_err(|e| Error::batch(&batch.files[0], e.to_string()))?;
    let accepted_rows = bad.iter().enumerate().filter(|(_, b)| !**b).map(|(i, _)| i).collect();
    Ok(Validated { accepted, accepted_rows, rejects, rows: height })
}

fn field_label(f: &str) -> &'static str {
    match f {
        "child_nik" => "child's NIK",
        "mother_nik" => "mother's NIK",
        "father_nik" => "father's NIK",
        "child_name" => "child's name",
        "mother_name" => "mother's name",
        "father_name" => "father's name",
        "birth_date" => "birth date",
        "birth_place" => "birth place",
        "birth_order" => "birth order",
        "village_code" => "village code",
        "service_point" => "service point",
        "application_id" => "application ID",
        "sex" => "sex",
        _ => "field",
    }
}

/// A message a service-point clerk can act on: Indonesian, then English.
fn message(code: &str, field: &str, value: &str, get: &dyn Fn(&str) -> Option<String>, ctx: &Context) -> String {
    let label = field_label(field);
    match code {
        "REQUIRED" => format!("{field} wajib diisi / {label} is required"),
        "NIK_FORMAT" => format!("NIK harus 16 angka, tertulis {value:?} / {label} must be 16 digits, got {value:?}"),
        "NIK_DISTRICT" => {
            let d = value.get(..6).unwrap_or(value);
            format!("kode kecamatan {d} tidak dikenal / {label} starts with {d}, which is not a district code")
        }
        "NIK_DATE" => {
            let seg = value.get(6..12).unwrap_or("");
            format!("segmen tanggal NIK {seg} bukan tanggal yang sah / {label} date segment {seg} is not a real date")
        }
        "NIK_SERIAL" => format!("nomor urut NIK 0000 tidak sah / {label} serial must be 0001–9999"),
        "NIK_SEX" => {
            let seg = value.get(6..8).unwrap_or("");
            let expected = match field {
                "mother_nik" => "P".to_string(),
                "father_nik" => "L".to_string(),
                _ => get("sex").unwrap_or_default(),
            };
            let who = if expected == "P" { "a woman (day + 40)" } else { "a man" };
            format!("tanggal NIK {seg} tidak sesuai jenis kelamin {expected} / {label} day {seg} does not fit {who}")
        }
        "NIK_BIRTH_DATE" => {
            let seg = value.get(6..12).unwrap_or("");
            let bd = get("birth_date").unwrap_or_default();
            let who = if get("sex").as_deref() == Some("P") { "a woman" } else { "a man" };
            format!(
                "segmen tanggal NIK {seg} tidak sesuai tanggal lahir {bd} / \
                 {label} date segment {seg} does not match the birth date {bd} for {who}"
            )
        }
        "SEX" => format!("jenis kelamin harus L atau P, tertulis {value:?} / sex must be L or P, got {value:?}"),
        "DATE_FORMAT" => format!(
            "tanggal {value:?} tidak sah (format TTTT-BB-HH) / {label} {value:?} is not a real date in YYYY-MM-DD form"
        ),
        "DATE_FUTURE" => format!(
            "tanggal {value} sesudah tanggal terbit {} / {label} {value} is after the issue date {}",
            ctx.issue_date, ctx.issue_date
        ),
        "DATE_RANGE" => format!("tanggal {value} sebelum 1900 / {label} {value} is before 1900"),
        "SERVICE_POINT" => format!(
            "tempat layanan {value:?} tidak ada di {} / service point {value:?} is not one of {}'s ({})",
            ctx.region.name,
            ctx.region.name,
            ctx.region.service_points.iter().map(|s| s.code.as_str()).collect::<Vec<_>>().join(", ")
        ),
        "VILLAGE" => {
            let elsewhere = reference().villages.get(value).map(|v| v.name.clone());
            match elsewhere {
                Some(name) => format!(
                    "desa {value} ({name}) bukan wilayah {} / village {value} ({name}) is not in {}",
                    ctx.region.name, ctx.region.name
                ),
                None => format!("kode desa {value:?} tidak dikenal / village code {value:?} does not exist"),
            }
        }
        "BIRTH_ORDER" => format!("anak ke- harus angka 1–99, tertulis {value:?} / birth order must be 1–99, got {value:?}"),
        "NAME" => format!(
            "nama {value:?} berisi karakter tidak sah atau terlalu panjang / {label} {value:?} has characters \
             other than letters, spaces and . , ' - or is over 100 characters"
        ),
        "PARENT_AGE" => {
            let (who, range) = if field == "mother_nik" { ("ibu", "10–60") } else { ("ayah", "12–90") };
            let bd = get("birth_date").unwrap_or_default();
            let yy = value.get(10..12).unwrap_or("");
            format!(
                "umur {who} (lahir tahun ..{yy}) tidak wajar saat kelahiran {bd} / {label} gives a birth year ending {yy}, \
                 not {range} years before the child's birth on {bd}"
            )
        }
        "DUPLICATE_ID" => format!("nomor permohonan {value} ganda dalam batch / application ID {value} appears earlier in the batch"),
        "DUPLICATE_SUBJECT" => format!(
            "anak dengan NIK {value} sudah dimohonkan di baris sebelumnya / a birth certificate for NIK {value} is already applied for earlier in the batch"
        ),
        _ => format!("{code} {label}"),
    }
}

/// The birth date as stored after validation (accepted rows always parse).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Late registration: more than 60 days between birth and issue (Perpres 96/2018).
pub fn is_late(birth: NaiveDate, issue: NaiveDate) -> bool {
    (issue - birth).num_days() > 60 || birth.year() < issue.year() - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{birth_rows, to_frame, SampleOptions};

    fn issue_date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn batch_of(rows: &[Vec<String>]) -> Batch {
        Batch {
            df: to_frame(&birth_columns(), rows).unwrap(),
            files: vec!["t.csv".into()],
            origin: (0..rows.len() as u32).map(|i| (0, i + 2)).collect(),
            by_line: vec![true],
            warnings: vec![],
            fingerprint: [0; 32],
        }
    }

    fn base() -> Vec<String> {
        let region = Region::kediri();
        let mut row = birth_rows(&SampleOptions { region: &region, count: 1, seed: 3, defects: 0.0, as_of: issue_date() })
            .remove(0);
        // A fixed, known-good child: a girl born 2026-10-05 in Semen (350601).
        row[3] = "3506014510260007".into();
        row[4] = "P".into();
        row[5] = "2026-10-05".into();
        row[10] = "3506015203950001".into(); // mother: woman born 1995-03-12
        row[12] = "3506011107930002".into(); // father: man born 1993-07-11
        row
    }

    /// Column index by name.
    fn c(name: &str) -> usize {
        birth_columns().all().position(|n| n == name).unwrap()
    }

    fn codes(rows: Vec<Vec<String>>) -> Vec<Vec<(&'static str, &'static str)>> {
        let region = Region::kediri();
        let b = batch_of(&rows);
        let v = validate(&b, &Context { region: &region, issue_date: issue_date() }).unwrap();
        let mut out = vec![Vec::new(); rows.len()];
        for r in &v.rejects {
            out[r.row].push((r.rule, r.field));
            assert!(!r.message.is_empty());
            assert_eq!(r.source, format!("t.csv:{}", r.row + 2));
        }
        assert_eq!(v.accepted_rows.len() + out.iter().filter(|o| !o.is_empty()).count(), rows.len());
        out
    }

    #[test]
    fn each_defect_yields_exactly_its_rule() {
        let set = |f: &str, v: &str| {
            let mut r = base();
            r[c(f)] = v.to_string();
            r
        };
        let cases: Vec<(Vec<String>, Vec<(&str, &str)>)> = vec![
            (base(), vec![]),
            (set("child_name", "  Siti Aminah  "), vec![]),
            ({ let mut r = set("father_name", ""); r[c("father_nik")] = String::new(); r }, vec![]),
            (set("child_nik", "350601451026000"), vec![("NIK_FORMAT", "child_nik")]),
            (set("child_nik", "9999994510260007"), vec![("NIK_DISTRICT", "child_nik")]),
            (set("child_nik", "3506017210260007"), vec![("NIK_DATE", "child_nik")]),
            (set("child_nik", "3506014510260000"), vec![("NIK_SERIAL", "child_nik")]),
            (set("sex", "L"), vec![("NIK_SEX", "child_nik")]),
            (set("sex", "X"), vec![("SEX", "sex")]),
            (set("mother_nik", "3506011203950001"), vec![("NIK_SEX", "mother_nik")]),
            (set("father_nik", "3506015107930002"), vec![("NIK_SEX", "father_nik")]),
            (set("birth_date", "2026-02-30"), vec![("DATE_FORMAT", "birth_date")]),
            (set("birth_date", "05/10/2026"), vec![("DATE_FORMAT", "birth_date")]),
            ({ let mut r = set("birth_date", "2026-12-05"); r[c("child_nik")] = "3506014512260007".into(); r }, vec![("DATE_FUTURE", "birth_date")]),
            (set("birth_date", "2026-10-06"), vec![("NIK_BIRTH_DATE", "child_nik")]),
            (set("service_point", "XYZ"), vec![("SERVICE_POINT", "service_point")]),
            (set("village_code", "3578011001"), vec![("VILLAGE", "village_code")]),
            (set("birth_order", "0"), vec![("BIRTH_ORDER", "birth_order")]),
            (set("child_name", "B4DI"), vec![("NAME", "child_name")]),
            (set("mother_name", " "), vec![("REQUIRED", "mother_name")]),
            // Mother born 2020 (too young), father born 1930 (96 years before the birth).
            (set("mother_nik", "3506015203200001"), vec![("PARENT_AGE", "mother_nik")]),
            (set("father_nik", "3506011107300002"), vec![("PARENT_AGE", "father_nik")]),
        ];
        let expected: Vec<_> = cases.iter().map(|(_, e)| e.clone()).collect();
        let rows: Vec<_> = cases.into_iter().enumerate().map(|(i, (mut r, _))| {
            // Distinct applications and children, so no duplicate rule fires.
            r[0] = format!("APP-{i}");
            let serial = format!("{:04}", i + 10);
            if r[c("child_nik")].len() == 16 && !r[c("child_nik")].ends_with("0000") {
                r[c("child_nik")].replace_range(12..16, &serial);
            }
            r
        }).collect();
        assert_eq!(codes(rows), expected);
    }

    #[test]
    fn duplicates_keep_the_first() {
        let mut second = base();
        second[0] = "APP-2".into();
        let mut first = base();
        first[0] = "APP-1".into();
        let mut same_id = base();
        same_id[0] = "APP-1".into();
        same_id[c("child_nik")] = "3506014510260099".into();
        let got = codes(vec![first, second, same_id]);
        assert_eq!(got[0], vec![]);
        assert_eq!(got[1], vec![("DUPLICATE_SUBJECT", "child_nik")]);
        assert_eq!(got[2], vec![("DUPLICATE_ID", "application_id")]);
    }

    #[test]
    fn messages_name_the_values() {
        let region = Region::kediri();
        let mut r = base();
        r[c("birth_date")] = "2026-10-06".into();
        let v = validate(&batch_of(&[r]), &Context { region: &region, issue_date: issue_date() }).unwrap();
        let m = &v.rejects[0].message;
        assert!(m.contains("451026") && m.contains("2026-10-06") && m.contains("woman"), "{m}");
    }

    #[test]
    fn late_registration() {
        let d = |s| parse_date(s).unwrap();
        assert!(!is_late(d("2026-10-01"), d("2026-11-23")));
        assert!(is_late(d("2026-09-01"), d("2026-11-23")));
    }
}
