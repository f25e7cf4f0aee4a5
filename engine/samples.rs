//! Realistic synthetic applications for demos, tests and benchmarks:
//! Indonesian names, real village codes of the region, NIKs built by the
//! NIK rules, parents of plausible ages, the region's service points — and
//! a chosen share of rows with the defects real exports have. Deterministic
//! for a seed and reference date.

use std::collections::HashSet;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::batch::Columns;
use crate::error::{Error, Result};
use crate::refdata::reference;
use crate::region::Region;
use crate::validate::birth_columns;

const MALE: &[&str] = &[
    "Agus", "Budi", "Joko", "Slamet", "Bambang", "Eko", "Hadi", "Wahyu", "Dwi", "Rizky", "Fajar", "Aditya", "Bagus",
    "Yusuf", "Ahmad", "Muhammad", "Ilham", "Arif", "Dimas", "Teguh", "Sugeng", "Heru", "Gilang", "Reza", "Bayu",
    "Rudi", "Andika", "Satria", "Galih", "Nanda", "Rafi", "Alif", "Haris", "Imam", "Lukman",
];
const FEMALE: &[&str] = &[
    "Siti", "Sri", "Dewi", "Wulan", "Ayu", "Rina", "Nur", "Lestari", "Endah", "Fitri", "Ratna", "Puji", "Anisa",
    "Nabila", "Aisyah", "Putri", "Indah", "Kartika", "Larasati", "Rahmawati", "Yuliana", "Wahyuni", "Safitri",
    "Handayani", "Maharani", "Citra", "Intan", "Novita", "Eka", "Tri", "Kurniasih", "Salsabila", "Zahra",
];
const SURNAMES: &[&str] = &[
    "Santoso", "Wijaya", "Saputra", "Setiawan", "Hidayat", "Prasetyo", "Nugroho", "Kurniawan", "Susanto",
    "Purnomo", "Wibowo", "Utomo", "Rahayu", "Permata", "Ramadhani", "Pratama", "Firmansyah", "Maulana",
    "Syahputra", "Hakim", "Anggraini", "Cahyani", "Kusuma", "Hartono",
];

/// What kinds of defect `--defects` mixes in, in turn.
pub const DEFECTS: &[&str] = &[
    "bad_nik", "impossible_date", "nik_date_mismatch", "missing_field", "duplicate", "future_date",
    "unknown_village", "sex_mismatch",
];

pub struct SampleOptions<'a> {
    pub region: &'a Region,
    pub count: usize,
    pub seed: u64,
    /// Share of rows with a defect (0.0–1.0).
    pub defects: f64,
    /// The day the batch is for: births are before it.
    pub as_of: NaiveDate,
}

fn pick<'a>(rng: &mut ChaCha8Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

fn name(rng: &mut ChaCha8Rng, female: bool) -> String {
    let given = if female { FEMALE } else { MALE };
    let first = pick(rng, given);
    let mut second = pick(rng, given);
    while second == first {
        second = pick(rng, given);
    }
    match rng.random_range(0..3) {
        0 => format!("{first} {}", pick(rng, SURNAMES)),
        1 => format!("{first} {second}"),
        _ => format!("{first} {second} {}", pick(rng, SURNAMES)),
    }
}

fn nik(district: &str, birth: NaiveDate, female: bool, serial: u32) -> String {
    let day = birth.day() + if female { 40 } else { 0 };
    format!("{district}{day:02}{:02}{:02}{serial:04}", birth.month(), birth.year() % 100)
}

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

/// Generate birth applications as rows of text, in column order.
pub fn birth_rows(opts: &SampleOptions) -> Vec<Vec<String>> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    // Defects draw from their own stream, so the same seed gives the same
    // people whatever the defect rate.
    let mut defect_rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5eed_defec7);
    let r = reference();
    let villages: Vec<&str> = r.villages_of(&opts.region.code).map(|v| v.code.as_str()).collect();
    let districts: Vec<&str> = r.districts_of(&opts.region.code).map(|d| d.code.as_str()).collect();
    let points: Vec<&str> = opts.region.service_points.iter().map(|s| s.code.as_str()).collect();
    let city = opts.region.place_of_issue.to_uppercase();
    let mut niks = HashSet::new();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(opts.count);
    for i in 0..opts.count {
        let village = pick(&mut rng, &villages);
        let district = &village[..6];
        let female = rng.random_bool(0.49);
        // Most births are registered within the 60-day window; some are late.
        let age_days = if rng.random_bool(0.85) { rng.random_range(0..=55) } else { rng.random_range(61..=15 * 365) };
        let birth = days_before(opts.as_of, age_days);
        let mut serial = rng.random_range(1..=9999u32);
        let mut child_nik = nik(district, birth, female, serial);
        while !niks.insert(child_nik.clone()) {
            serial = serial % 9999 + 1;
            child_nik = nik(district, birth, female, serial);
        }
        let surname = pick(&mut rng, SURNAMES);
        let child_name = format!("{} {surname}", name(&mut rng, female));
        let mother_birth = days_before(birth, rng.random_range(18 * 365..=40 * 365));
        let mother_district = if rng.random_bool(0.8) { district } else { pick(&mut rng, &districts) };
        let mother_nik = nik(mother_district, mother_birth, true, rng.random_range(1..=9999));
        let mother_name = name(&mut rng, true);
        let (father_name, father_nik) = if rng.random_bool(0.9) {
            let fb = days_before(birth, rng.random_range(20 * 365..=50 * 365));
            (format!("{} {surname}", name(&mut rng, false)), nik(district, fb, false, rng.random_range(1..=9999)))
        } else {
            (String::new(), String::new())
        };
        let birth_place = if rng.random_bool(0.7) { city.clone() } else { r.districts.get(district).map(|d| d.name.to_uppercase()).unwrap_or_else(|| city.clone()) };
        let order = [1, 1, 1, 2, 2, 2, 3, 3, 4, 5][rng.random_range(0..10)];
        let mut row = vec![
            format!("{}-{}-{:06}", opts.region.code, opts.as_of.format("%Y%m%d"), i + 1),
            pick(&mut rng, &points).to_string(),
            child_name,
            child_nik,
            if female { "P" } else { "L" }.to_string(),
            birth.format("%Y-%m-%d").to_string(),
            birth_place,
            order.to_string(),
            village.to_string(),
            mother_name,
            mother_nik,
            father_name,
            father_nik,
        ];
        if defect_rng.random_bool(opts.defects.clamp(0.0, 1.0)) {
            let defect = DEFECTS[defect_rng.random_range(0..DEFECTS.len())];
            apply_defect(&mut defect_rng, defect, &mut row, &rows, opts.as_of);
        }
        rows.push(row);
    }
    rows
}

fn apply_defect(rng: &mut ChaCha8Rng, defect: &str, row: &mut [String], earlier: &[Vec<String>], as_of: NaiveDate) {
    match defect {
        "bad_nik" => {
            let n = &mut row[3];
            if rng.random_bool(0.5) {
                n.pop();
            } else {
                n.replace_range(4..5, "O");
            }
        }
        "impossible_date" => row[5] = format!("{}-02-30", as_of.year() - 1),
        "nik_date_mismatch" => {
            // Shift the NIK's day by one within the month, keeping the +40 coding.
            let dd: u32 = row[3][6..8].parse().unwrap_or(1);
            let shifted = if dd % 40 >= 28 { dd - 1 } else { dd + 1 };
            row[3].replace_range(6..8, &format!("{shifted:02}"));
        }
        "missing_field" => {
            let f = [2, 6, 9][rng.random_range(0..3)];
            row[f] = String::new();
        }
        "duplicate" if !earlier.is_empty() => {
            let id = row[0].clone();
            row.clone_from_slice(&earlier[rng.random_range(0..earlier.len())]);
            row[0] = id;
        }
        "future_date" => {
            let future = as_of.checked_add_days(Days::new(rng.random_range(1..30))).unwrap_or(as_of);
            let female = row[4] == "P";
            row[5] = future.format("%Y-%m-%d").to_string();
            let serial = row[3][12..].to_string();
            row[3] = format!("{}{}", &nik(&row[3][..6], future, female, 0)[..12], serial);
        }
        "unknown_village" => row[8] = "3578011001".into(), // a Surabaya village: not this regency
        "sex_mismatch" => row[4] = if row[4] == "P" { "L".into() } else { "P".into() },
        _ => row[3].truncate(15),
    }
}

/// The rows as a DataFrame of text columns.
pub fn to_frame(columns: &Columns, rows: &[Vec<String>]) -> Result<DataFrame> {
    let cols: Vec<Column> = columns
        .all()
        .enumerate()
        .map(|(c, name)| Column::new(name.into(), rows.iter().map(|r| r[c].as_str()).collect::<Vec<&str>>()))
        .collect();
    DataFrame::new(rows.len(), cols).map_err(|e| Error::Usage(e.to_string()))
}

/// Write birth samples to `out` (.csv or .parquet by extension).
pub fn write_birth(opts: &SampleOptions, out: &Path) -> Result<usize> {
    let rows = birth_rows(opts);
    let mut df = to_frame(&birth_columns(), &rows)?;
    let mut buf = Vec::new();
    let is_parquet = out.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let res = if is_parquet {
        ParquetWriter::new(&mut buf).finish(&mut df).map(|_| ())
    } else {
        CsvWriter::new(&mut buf).finish(&mut df)
    };
    res.map_err(|e| Error::io(out, std::io::Error::other(e.to_string())))?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::sink::write_atomic(out, &buf)?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(region: &Region, defects: f64) -> SampleOptions<'_> {
        SampleOptions { region, count: 300, seed: 7, defects, as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() }
    }

    #[test]
    fn deterministic_and_rule_abiding() {
        let region = Region::kediri();
        let a = birth_rows(&opts(&region, 0.0));
        assert_eq!(a, birth_rows(&opts(&region, 0.0)));
        for row in &a {
            let nik = &row[3];
            assert_eq!(nik.len(), 16);
            assert!(reference().districts.contains_key(&nik[..6]));
            let dd: u32 = nik[6..8].parse().unwrap();
            assert_eq!(dd > 40, row[4] == "P");
            assert!(row[8].starts_with("3506"));
            assert!(reference().villages.contains_key(&row[8]));
        }
        let b = birth_rows(&opts(&region, 0.5));
        let changed = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        assert!((100..200).contains(&changed), "{changed} defective rows of 300 at 50%");
    }
}
