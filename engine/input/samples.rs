//! Realistic synthetic applications for demos, tests and benchmarks, for
//! all six kinds: Indonesian names, real village codes of the region, NIKs
//! and KK numbers built by their rules, families of plausible ages, the
//! region's service points — and a chosen share of applications with a
//! defect. Defects are derived from the kind's schema, one per rule the
//! schema implies, taken in turn, so `--defects` exercises every rule.
//! Deterministic for a seed and reference date.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::kind::refdata::reference;
use crate::kind::Kind;
use crate::kind::region::Region;
use crate::kind::schema::{Check, ColType, Schema, VillageScope};
use crate::kind::template::Template;
use crate::kind::words::parse_date;

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
const OCCUPATIONS: &[&str] = &[
    "PETANI/PEKEBUN", "WIRASWASTA", "KARYAWAN SWASTA", "PEDAGANG", "GURU", "BURUH HARIAN LEPAS", "MENGURUS RUMAH TANGGA",
    "PEGAWAI NEGERI SIPIL", "SOPIR", "PERANGKAT DESA", "NELAYAN/PERIKANAN",
];
const RELIGIONS: &[&str] = &["ISLAM", "ISLAM", "ISLAM", "ISLAM", "ISLAM", "ISLAM", "KRISTEN", "KATOLIK", "HINDU", "BUDDHA"];
const HAMLETS: &[&str] = &["DSN KRAJAN", "DSN SUMBER", "DSN NGASEM", "DSN SIDOREJO", "DSN KEDUNGREJO", "JL. MERDEKA", "JL. DIPONEGORO", "JL. KARTINI"];
const DEATH_PLACES: &[&str] = &["RUMAH", "RSUD", "PUSKESMAS", "RUMAH SAKIT SWASTA"];

/// What to generate.
pub struct SampleOptions<'a> {
    /// The region the applications are for.
    pub region: &'a Region,
    /// Applications.
    pub count: usize,
    /// Random seed: the same seed gives the same batch.
    pub seed: u64,
    /// Share of applications with a defect (0.0–1.0).
    pub defects: f64,
    /// The day the batch is for: events are before it.
    pub as_of: NaiveDate,
}

struct Gen<'a> {
    rng: ChaCha8Rng,
    opts: &'a SampleOptions<'a>,
    villages: Vec<&'static str>,
    all_villages: Vec<&'static str>,
    points: Vec<String>,
    niks: HashSet<String>,
}

type Row = BTreeMap<String, String>;

mod defects;
pub(crate) use defects::apply;
pub use defects::{defects_for, Defect};

fn pick<'a, T: ?Sized>(rng: &mut ChaCha8Rng, xs: &'a [&'a T]) -> &'a T {
    xs[rng.random_range(0..xs.len())]
}

fn days_before(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(n)).unwrap_or(d)
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn nik_of(district: &str, birth: NaiveDate, female: bool, serial: u32) -> String {
    let day = birth.day() + if female { 40 } else { 0 };
    format!("{district}{day:02}{:02}{:02}{serial:04}", birth.month(), birth.year() % 100)
}

impl Gen<'_> {
    fn given(&mut self, female: bool) -> String {
        let g = if female { FEMALE } else { MALE };
        let first = pick(&mut self.rng, g);
        let mut second = pick(&mut self.rng, g);
        while second == first {
            second = pick(&mut self.rng, g);
        }
        match self.rng.random_range(0..3) {
            0 => format!("{first} {}", pick(&mut self.rng, SURNAMES)),
            1 => format!("{first} {second}"),
            _ => format!("{first} {second} {}", pick(&mut self.rng, SURNAMES)),
        }
    }

    /// A NIK unique within the batch.
    fn nik(&mut self, district: &str, birth: NaiveDate, female: bool) -> String {
        let mut serial = self.rng.random_range(1..=9999u32);
        loop {
            let n = nik_of(district, birth, female, serial);
            if self.niks.insert(n.clone()) {
                return n;
            }
            serial = serial % 9999 + 1;
        }
    }

    fn village(&mut self) -> &'static str {
        let v = &self.villages;
        v[self.rng.random_range(0..v.len())]
    }

    fn elsewhere(&mut self) -> &'static str {
        loop {
            let v = self.all_villages[self.rng.random_range(0..self.all_villages.len())];
            if !v.starts_with(&self.opts.region.code) {
                return v;
            }
        }
    }

    fn point(&mut self) -> String {
        self.points[self.rng.random_range(0..self.points.len())].clone()
    }

    fn born(&mut self, min_years: u64, max_years: u64) -> NaiveDate {
        days_before(self.opts.as_of, self.rng.random_range(min_years * 365 + 1..=max_years * 365))
    }

    fn place(&mut self, village: &str) -> String {
        let r = reference();
        if self.rng.random_bool(0.6) {
            self.opts.region.place_of_issue.to_uppercase()
        } else {
            r.districts.get(&village[..6]).map(|d| d.name.to_uppercase()).unwrap_or_else(|| "SURABAYA".into())
        }
    }

    fn address(&mut self) -> String {
        let h = pick(&mut self.rng, HAMLETS);
        if h.starts_with("JL.") {
            format!("{h} NO. {}", self.rng.random_range(1..200))
        } else {
            h.to_string()
        }
    }

    fn app_id(&self, kind: Kind, i: usize) -> String {
        let tag = match kind {
            Kind::Birth => "LHR",
            Kind::Death => "MTI",
            Kind::FamilyCard => "KK",
            Kind::MoveOut => "PND",
            Kind::MoveIn => "DTG",
            Kind::Ktp => "KTP",
        };
        format!("{}-{tag}-{}-{:06}", self.opts.region.code, self.opts.as_of.format("%Y%m%d"), i + 1)
    }

    fn birth(&mut self, i: usize) -> Vec<Row> {
        let village = self.village();
        let district = &village[..6];
        let female = self.rng.random_bool(0.49);
        // Most births are registered within the 60-day window; some are late.
        let age_days = if self.rng.random_bool(0.85) { self.rng.random_range(0..=55) } else { self.rng.random_range(61..=15 * 365) };
        let birth = days_before(self.opts.as_of, age_days);
        let surname = pick(&mut self.rng, SURNAMES);
        let mother_birth = days_before(birth, self.rng.random_range(18 * 365..=40 * 365));
        let mut r = Row::new();
        r.insert("application_id".into(), self.app_id(Kind::Birth, i));
        r.insert("service_point".into(), self.point());
        r.insert("child_name".into(), format!("{} {surname}", self.given(female)));
        r.insert("child_nik".into(), self.nik(district, birth, female));
        r.insert("sex".into(), if female { "P" } else { "L" }.into());
        r.insert("birth_date".into(), ymd(birth));
        r.insert("birth_place".into(), self.place(village));
        r.insert("birth_order".into(), [1, 1, 1, 2, 2, 2, 3, 3, 4, 5][self.rng.random_range(0..10)].to_string());
        r.insert("village_code".into(), village.into());
        r.insert("mother_name".into(), self.given(true));
        r.insert("mother_nik".into(), self.nik(district, mother_birth, true));
        if self.rng.random_bool(0.9) {
            let fb = days_before(birth, self.rng.random_range(20 * 365..=50 * 365));
            r.insert("father_name".into(), format!("{} {surname}", self.given(false)));
            r.insert("father_nik".into(), self.nik(district, fb, false));
        }
        vec![r]
    }

    fn death(&mut self, i: usize) -> Vec<Row> {
        let village = self.village();
        let district = &village[..6];
        let female = self.rng.random_bool(0.5);
        let birth = self.born(30, 95);
        let died = days_before(self.opts.as_of, self.rng.random_range(1..60));
        let mut r = Row::new();
        r.insert("application_id".into(), self.app_id(Kind::Death, i));
        r.insert("service_point".into(), self.point());
        r.insert("deceased_nik".into(), self.nik(district, birth, female));
        r.insert("deceased_name".into(), self.given(female));
        r.insert("sex".into(), if female { "P" } else { "L" }.into());
        r.insert("birth_date".into(), ymd(birth));
        r.insert("birth_place".into(), self.place(village));
        r.insert("death_date".into(), ymd(died));
        let place = pick(&mut self.rng, DEATH_PLACES);
        r.insert("death_place".into(), format!("{place} {}", self.opts.region.place_of_issue.to_uppercase()));
        r.insert("village_code".into(), village.into());
        let rf = self.rng.random_bool(0.5);
        let rb = self.born(20, 60);
        r.insert("reporter_name".into(), self.given(rf));
        r.insert("reporter_nik".into(), self.nik(district, rb, rf));
        vec![r]
    }

    fn person(&mut self, district: &str, female: bool, birth: NaiveDate) -> Row {
        let mut r = Row::new();
        r.insert("nik".into(), self.nik(district, birth, female));
        r.insert("name".into(), self.given(female));
        r.insert("sex".into(), if female { "P" } else { "L" }.into());
        r.insert("birth_date".into(), ymd(birth));
        r
    }

    /// A family: head, usually a wife, children, sometimes a parent.
    fn family(&mut self, district: &str, max: usize) -> Vec<Row> {
        let head_birth = self.born(25, 65);
        let mut out = vec![self.person(district, false, head_birth)];
        out[0].insert("family_relationship".into(), "KEPALA KELUARGA".into());
        let children = if self.rng.random_bool(0.03) { self.rng.random_range(6..=11) } else { self.rng.random_range(0..=4) };
        if self.rng.random_bool(0.85) && out.len() < max {
            let wb = days_before(head_birth, 0).checked_add_days(Days::new(self.rng.random_range(0..8 * 365))).unwrap_or(head_birth);
            let mut w = self.person(district, true, wb.min(days_before(self.opts.as_of, 20 * 365)));
            w.insert("family_relationship".into(), "ISTRI".into());
            out.push(w);
        }
        for _ in 0..children {
            if out.len() >= max {
                break;
            }
            let youngest = (self.opts.as_of - head_birth).num_days() as u64 / 365;
            let age = self.rng.random_range(0..=youngest.saturating_sub(20).max(1));
            let cb = days_before(self.opts.as_of, age * 365 + self.rng.random_range(1..365));
            let f = self.rng.random_bool(0.5);
            let mut c = self.person(district, f, cb);
            c.insert("family_relationship".into(), "ANAK".into());
            out.push(c);
        }
        out
    }

    fn family_card(&mut self, i: usize) -> Vec<Row> {
        let village = self.village();
        let district = &village[..6];
        let id = self.app_id(Kind::FamilyCard, i);
        let sp = self.point();
        let address = self.address();
        let (rt, rw) = (format!("{:03}", self.rng.random_range(1..20)), format!("{:03}", self.rng.random_range(1..10)));
        let postal = format!("641{:02}", self.rng.random_range(1..90));
        let surname = pick(&mut self.rng, SURNAMES);
        let mut family = self.family(district, 30);
        if self.rng.random_bool(0.1) && family.len() < 30 {
            let pb = self.born(70, 90);
            let mut p = self.person(district, true, pb);
            p.insert("family_relationship".into(), "ORANG TUA".into());
            family.push(p);
        }
        let head_name = format!("{} {surname}", family[0]["name"]);
        let wife_name = family.iter().find(|m| m["family_relationship"] == "ISTRI").map(|m| m["name"].clone());
        let mut rows = Vec::new();
        for m in family {
            let rel = m["family_relationship"].clone();
            let birth = parse_date(&m["birth_date"]).unwrap_or_default();
            let age = (self.opts.as_of - birth).num_days() / 365;
            let mut r = Row::new();
            r.insert("application_id".into(), id.clone());
            r.insert("service_point".into(), sp.clone());
            r.insert("address".into(), address.clone());
            r.insert("rt".into(), rt.clone());
            r.insert("rw".into(), rw.clone());
            r.insert("village_code".into(), village.into());
            r.insert("postal_code".into(), postal.clone());
            r.insert("member_nik".into(), m["nik"].clone());
            r.insert("member_name".into(), if rel == "KEPALA KELUARGA" { head_name.clone() } else if rel == "ANAK" { format!("{} {surname}", m["name"]) } else { m["name"].clone() });
            r.insert("sex".into(), m["sex"].clone());
            r.insert("birth_place".into(), self.place(village));
            r.insert("birth_date".into(), m["birth_date"].clone());
            r.insert("religion".into(), RELIGIONS[0].into());
            let edu = match age {
                0..=5 => "TIDAK/BELUM SEKOLAH",
                6..=12 => "BELUM TAMAT SD/SEDERAJAT",
                13..=15 => "SLTP/SEDERAJAT",
                _ => ["TAMAT SD/SEDERAJAT", "SLTP/SEDERAJAT", "SLTA/SEDERAJAT", "SLTA/SEDERAJAT", "DIPLOMA IV/STRATA I"][self.rng.random_range(0..5)],
            };
            r.insert("education".into(), edu.into());
            let occ = if age < 18 { "PELAJAR/MAHASISWA" } else { pick(&mut self.rng, OCCUPATIONS) };
            r.insert("occupation".into(), occ.into());
            let married = matches!(rel.as_str(), "KEPALA KELUARGA" | "ISTRI") && wife_name.is_some();
            let marital = if married { "KAWIN" } else if rel == "ORANG TUA" { "CERAI MATI" } else if rel == "KEPALA KELUARGA" { "CERAI HIDUP" } else { "BELUM KAWIN" };
            r.insert("marital_status".into(), marital.into());
            r.insert("relationship".into(), rel.clone());
            r.insert("citizenship".into(), "WNI".into());
            if rel == "ANAK" {
                r.insert("father_name".into(), head_name.clone());
                if let Some(w) = &wife_name {
                    r.insert("mother_name".into(), w.clone());
                }
            } else {
                let f = self.given(false);
                r.insert("father_name".into(), f);
                let m = self.given(true);
                r.insert("mother_name".into(), m);
            }
            rows.push(r);
        }
        rows
    }

    fn kk(&mut self, district: &str) -> String {
        let issued = days_before(self.opts.as_of, self.rng.random_range(30..20 * 365));
        format!("{district}{}{:04}", issued.format("%d%m%y"), self.rng.random_range(1..=9999))
    }

    fn move_out(&mut self, i: usize) -> Vec<Row> {
        let origin = self.village();
        let district = &origin[..6];
        let dest = if self.rng.random_bool(0.3) {
            let mut v = self.village();
            while v == origin {
                v = self.village();
            }
            v
        } else {
            self.elsewhere()
        };
        let class = if dest[..6] == origin[..6] {
            "ANTAR DESA/KELURAHAN"
        } else if dest[..4] == origin[..4] {
            "ANTAR KECAMATAN"
        } else if dest[..2] == origin[..2] {
            "ANTAR KABUPATEN/KOTA"
        } else {
            "ANTAR PROVINSI"
        };
        let n = [1, 1, 1, 2, 2, 3, 4][self.rng.random_range(0..7)];
        let people = self.family(district, n);
        let id = self.app_id(Kind::MoveOut, i);
        let sp = self.point();
        let kk = self.kk(district);
        let (oa, da) = (self.address(), self.address());
        let reason = ["PEKERJAAN", "PEKERJAAN", "KELUARGA", "PENDIDIKAN", "PERUMAHAN"][self.rng.random_range(0..5)];
        let move_date = ymd(self.opts.as_of.checked_add_days(Days::new(self.rng.random_range(0..30))).unwrap_or(self.opts.as_of));
        people
            .into_iter()
            .map(|mut p| {
                p.insert("application_id".into(), id.clone());
                p.insert("service_point".into(), sp.clone());
                p.insert("kk_number".into(), kk.clone());
                p.insert("origin_village".into(), origin.into());
                p.insert("origin_address".into(), format!("{oa} RT 00{} RW 00{}", i % 9 + 1, i % 5 + 1));
                p.insert("destination_village".into(), dest.into());
                p.insert("destination_address".into(), da.clone());
                p.insert("reason".into(), reason.into());
                p.insert("classification".into(), class.into());
                p.insert("move_date".into(), move_date.clone());
                p
            })
            .collect()
    }

    fn move_in(&mut self, i: usize) -> Vec<Row> {
        let origin = self.elsewhere();
        let dest = self.village();
        let n = [1, 1, 1, 2, 2, 3, 4][self.rng.random_range(0..7)];
        let people = self.family(&origin[..6], n);
        let id = self.app_id(Kind::MoveIn, i);
        let sp = self.point();
        let arrived = days_before(self.opts.as_of, self.rng.random_range(1..30));
        let skpwni = format!("{}-PD-{}-{:04}", &origin[..4], days_before(arrived, 3).format("%d%m%Y"), self.rng.random_range(1..500));
        let (oa, da) = (self.address(), self.address());
        people
            .into_iter()
            .map(|mut p| {
                p.insert("application_id".into(), id.clone());
                p.insert("service_point".into(), sp.clone());
                p.insert("skpwni_number".into(), skpwni.clone());
                p.insert("origin_village".into(), origin.into());
                p.insert("origin_address".into(), oa.clone());
                p.insert("destination_village".into(), dest.into());
                p.insert("destination_address".into(), da.clone());
                p.insert("arrival_date".into(), ymd(arrived));
                p
            })
            .collect()
    }

    fn ktp(&mut self, i: usize) -> Vec<Row> {
        let village = self.village();
        let district = &village[..6];
        let female = self.rng.random_bool(0.5);
        let birth = if self.rng.random_bool(0.3) { self.born(17, 19) } else { self.born(17, 75) };
        let age = (self.opts.as_of - birth).num_days() / 365;
        let mut r = Row::new();
        r.insert("application_id".into(), self.app_id(Kind::Ktp, i));
        r.insert("service_point".into(), self.point());
        r.insert("nik".into(), self.nik(district, birth, female));
        r.insert("name".into(), self.given(female));
        r.insert("birth_place".into(), self.place(village));
        r.insert("birth_date".into(), ymd(birth));
        r.insert("sex".into(), if female { "P" } else { "L" }.into());
        if self.rng.random_bool(0.7) {
            r.insert("blood_type".into(), ["A", "B", "AB", "O", "O"][self.rng.random_range(0..5)].into());
        }
        r.insert("address".into(), self.address());
        r.insert("rt".into(), format!("{:03}", self.rng.random_range(1..20)));
        r.insert("rw".into(), format!("{:03}", self.rng.random_range(1..10)));
        r.insert("village_code".into(), village.into());
        r.insert("religion".into(), pick(&mut self.rng, RELIGIONS).into());
        r.insert("marital_status".into(), if age < 22 { "BELUM KAWIN" } else { "KAWIN" }.into());
        r.insert("occupation".into(), if age < 22 { "PELAJAR/MAHASISWA".to_string() } else { pick(&mut self.rng, OCCUPATIONS).to_string() });
        r.insert("citizenship".into(), "WNI".into());
        vec![r]
    }
}

/// Generate `opts.count` applications of `t`'s kind as rows of text in the
/// schema's column order (a family card gives one row per member).
pub fn rows(t: &Template, opts: &SampleOptions) -> Result<Vec<Vec<String>>> {
    let Some(kind) = Kind::from_name(&t.kind) else {
        return Err(Error::Usage(format!("samples: no generator for kind {:?} (kinds: {})", t.kind, Kind::names())));
    };
    let r = reference();
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(opts.seed ^ (t.record.code << 40)),
        opts,
        villages: r.villages.keys().filter(|k| k.starts_with(opts.region.code.as_str())).map(String::as_str).collect(),
        all_villages: r.villages.keys().map(String::as_str).collect(),
        points: opts.region.service_points.iter().map(|s| s.code.clone()).collect(),
        niks: HashSet::new(),
    };
    // Defects draw from their own stream, so the same seed gives the same
    // people whatever the defect rate.
    let mut drng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5eed_defec7);
    let defects = defects_for(&t.schema);
    let mut next_defect = 0usize;
    let mut apps: Vec<Vec<Row>> = Vec::with_capacity(opts.count);
    for i in 0..opts.count {
        let mut app = match kind {
            Kind::Birth => g.birth(i),
            Kind::Death => g.death(i),
            Kind::FamilyCard => g.family_card(i),
            Kind::MoveOut => g.move_out(i),
            Kind::MoveIn => g.move_in(i),
            Kind::Ktp => g.ktp(i),
        };
        if !defects.is_empty() && drng.random_bool(opts.defects.clamp(0.0, 1.0)) {
            let d = &defects[next_defect % defects.len()];
            next_defect += 1;
            apply(&mut drng, &t.schema, d, &mut app, &apps, opts.as_of);
        }
        apps.push(app);
    }
    let names: Vec<&str> = t.schema.names().collect();
    Ok(apps
        .into_iter()
        .flatten()
        .map(|row| names.iter().map(|n| row.get(*n).cloned().unwrap_or_default()).collect())
        .collect())
}

/// The rows as a DataFrame of text columns named `names`, in that order.
pub fn to_frame(names: &[&str], rows: &[Vec<String>]) -> Result<DataFrame> {
    let cols: Vec<Column> = names
        .iter()
        .copied()
        .enumerate()
        .map(|(c, name)| Column::new(name.into(), rows.iter().map(|r| r[c].as_str()).collect::<Vec<&str>>()))
        .collect();
    DataFrame::new(rows.len(), cols).map_err(|e| Error::Frame { what: "sample rows", message: e.to_string() })
}

/// Write samples of `t`'s kind to `out` (.csv or .parquet by extension);
/// returns the number of rows.
pub fn write(t: &Template, opts: &SampleOptions, out: &Path) -> Result<usize> {
    let rows = rows(t, opts)?;
    let names: Vec<&str> = t.schema.names().collect();
    let mut df = to_frame(&names, &rows)?;
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
    crate::util::fs::write_atomic(out, &buf)?;
    Ok(rows.len())
}

/// Birth samples with the embedded template (demos and tests).
pub fn write_birth(opts: &SampleOptions, out: &Path) -> Result<usize> {
    write(&Template::birth_default(), opts, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::template::Templates;

    fn opts(region: &Region, defects: f64) -> SampleOptions<'_> {
        SampleOptions { region, count: 300, seed: 7, defects, as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() }
    }

    #[test]
    fn deterministic_and_rule_abiding() {
        let region = Region::kediri();
        let t = Template::birth_default();
        let a = rows(&t, &opts(&region, 0.0)).unwrap();
        assert_eq!(a, rows(&t, &opts(&region, 0.0)).unwrap());
        let c = |n: &str| t.schema.index(n).unwrap();
        for row in &a {
            let nik = &row[c("child_nik")];
            assert_eq!(nik.len(), 16);
            assert!(reference().districts.contains_key(&nik[..6]));
            let dd: u32 = nik[6..8].parse().unwrap();
            assert_eq!(dd > 40, row[c("sex")] == "P");
            assert!(reference().villages.contains_key(&row[c("village_code")]));
        }
        let b = rows(&t, &opts(&region, 0.5)).unwrap();
        let changed = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        assert!((100..200).contains(&changed), "{changed} defective rows of 300 at 50%");
    }

    #[test]
    fn every_kind_generates() {
        let region = Region::kediri();
        for (kind, t) in &Templates::embedded().0 {
            let r = rows(t, &SampleOptions { count: 20, ..opts(&region, 0.0) }).unwrap();
            assert!(r.len() >= 20, "{kind}");
            assert!(r.iter().all(|row| row.len() == t.schema.columns.len()));
        }
    }
}
