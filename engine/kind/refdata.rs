//! Indonesian administrative area codes (Kemendagri), embedded in the binary
//! so any regency can adopt terbit without downloading anything.
//!
//! Source: `engine/kind/reference/idn-area/` — data from the `idn-area-data`
//! package (fityannugroho/idn-area-data, v4.0.1) under the Open Database
//! License (ODbL 1.0); see `LICENSE-ODbL.md` and `SOURCE.md` there. That
//! attribution must travel with any build that ships this data.
//!
//! Codes are kept without dots: regency `3506`, district `350601`, village
//! `3506012001` (the form NIKs and forms use).

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The attribution the ODbL asks for, shown by `terbit --version` and in
/// every run's report.
pub const ATTRIBUTION: &str = "Area codes: idn-area-data v4.0.1 (fityannugroho), Open Database License (ODbL) 1.0";
/// Where the licence is published (the report, self-contained, names no
/// address; `--version` does).
pub const ODBL_URL: &str = "https://opendatacommons.org/licenses/odbl/1-0/";

const PROVINCES: &str = include_str!("reference/idn-area/provinces.csv");
const REGENCIES: &str = include_str!("reference/idn-area/regencies.csv");
const DISTRICTS: &str = include_str!("reference/idn-area/districts.csv");
const VILLAGES: &str = include_str!("reference/idn-area/villages.csv");

/// One area: province, regency, district or village.
#[derive(Debug, Clone)]
pub struct Area {
    /// Its code, without dots.
    pub code: String,
    /// The code of the area it lies in.
    pub parent: String,
    /// Its name.
    pub name: String,
}

/// All codes of the country, keyed by dot-less code (sorted maps, so every
/// listing is in code order).
#[derive(Debug)]
pub struct Reference {
    /// By code.
    pub provinces: BTreeMap<String, Area>,
    /// By code.
    pub regencies: BTreeMap<String, Area>,
    /// By code.
    pub districts: BTreeMap<String, Area>,
    /// By code.
    pub villages: BTreeMap<String, Area>,
}

/// The embedded reference, parsed once per process.
pub fn reference() -> &'static Reference {
    static REF: OnceLock<Reference> = OnceLock::new();
    REF.get_or_init(|| Reference {
        provinces: parse(PROVINCES, false),
        regencies: parse(REGENCIES, true),
        districts: parse(DISTRICTS, true),
        villages: parse(VILLAGES, true),
    })
}

fn parse(text: &str, has_parent: bool) -> BTreeMap<String, Area> {
    let mut out = BTreeMap::new();
    let mut records = crate::util::csvin::Reader::new(text.as_bytes(), crate::util::csvin::Limits::default());
    let _header = records.next();
    // The embedded files are checked by a unit test; a malformed line would
    // be a packaging error, never user input (reading stops there).
    while let Some(Ok(rec)) = records.next() {
        let undot = |s: &str| s.replace('.', "");
        let (code, parent, name) = match (has_parent, rec.len(), rec.get(0), rec.get(1), rec.get(2)) {
            (true, 3, Some(c), Some(p), Some(n)) => (undot(c), undot(p), n.to_string()),
            (false, 2, Some(c), Some(n), None) => (undot(c), String::new(), n.to_string()),
            _ => continue,
        };
        out.insert(code.clone(), Area { code, parent, name });
    }
    out
}

impl Reference {
    /// The name of regency `code`.
    pub fn regency_name(&self, code: &str) -> Option<&str> {
        self.regencies.get(code).map(|a| a.name.as_str())
    }

    /// Districts (6-digit codes) of a regency, in code order.
    pub fn districts_of<'a>(&'a self, regency: &'a str) -> impl Iterator<Item = &'a Area> + 'a {
        self.districts.range(regency.to_string()..).take_while(move |(k, _)| k.starts_with(regency)).map(|(_, a)| a)
    }

    /// Villages (10-digit codes) of a regency, in code order.
    pub fn villages_of<'a>(&'a self, regency: &'a str) -> impl Iterator<Item = &'a Area> + 'a {
        self.villages.range(regency.to_string()..).take_while(move |(k, _)| k.starts_with(regency)).map(|(_, a)| a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_counts_match_source() {
        let r = reference();
        assert_eq!(r.provinces.len(), 38);
        assert_eq!(r.regencies.len(), 514);
        assert_eq!(r.districts.len(), 7285);
        assert_eq!(r.villages.len(), 83762);
        assert_eq!(r.regency_name("3506"), Some("Kabupaten Kediri"));
        assert_eq!(r.districts.get("350601").map(|a| a.name.as_str()), Some("Semen"));
        assert!(r.districts_of("3506").count() > 20);
        assert!(r.villages_of("3506").all(|v| v.code.starts_with("3506") && v.code.len() == 10));
    }

    #[test]
    fn quoted_fields() {
        let r = reference();
        assert_eq!(r.villages.get("3513152017").map(|a| a.name.as_str()), Some("Soka\"an"));
    }
}
