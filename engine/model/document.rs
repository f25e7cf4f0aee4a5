//! One document as the issuer makes it: its values in the template's
//! field order (the row's, then the [`Derived`] ones), its member rows, and
//! the signed record (claims) the template's `[record]` declares.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::dk1::{Claims, Extra, Record};
use crate::kind::refdata::reference;
use crate::kind::region::Region;
use crate::kind::derived::Derived;
use crate::kind::schema::MembersInRecord;
use crate::kind::template::Template;


/// One document to make: values in the template's field order (from the
/// subject row, plus derived values) and, for group kinds, each member row
/// in the template's member-field order.
pub struct DocInput {
    /// Its number.
    pub number: String,
    /// Values in the template's field order.
    pub values: Vec<String>,
    /// Member rows, for group kinds.
    pub members: Vec<Vec<String>>,
}

/// The run's shared fields of `t` ([`Derived::run_wide`]: texts made only
/// of these are drawn once per run, `Renderer::with_run_values`): (field
/// index, value).
pub fn run_values(t: &Template, region: &Region, issue_date: NaiveDate, kid: &str) -> Vec<(usize, String)> {
    let inputs = t.schema.names().count();
    let derived = derive(t, region, &vec![String::new(); inputs], "", issue_date, kid, 0);
    Derived::ALL
        .into_iter()
        .zip(derived)
        .filter(|(d, _)| d.run_wide())
        .map(|(d, value)| (inputs + d.position(), value))
        .collect()
}

/// Derived values, appended to the input values in [`Derived::ALL`]'s
/// order, then the village parts of each village column.
pub fn derive(t: &Template, region: &Region, row: &[String], number: &str, issue_date: NaiveDate, kid: &str, members: usize) -> Vec<String> {
    let r = reference();
    let expiry = t.record.expiry_date(issue_date).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let sp = &row[t.schema.service_point];
    let mut out = Vec::with_capacity(Derived::ALL.len() + 8);
    for d in Derived::ALL {
        out.push(match d {
            Derived::DocumentNumber => number.to_string(),
            Derived::IssueDate => issue_date.format("%Y-%m-%d").to_string(),
            Derived::RegionName => region.name.clone(),
            Derived::Province => region.province.clone(),
            Derived::PlaceOfIssue => region.place_of_issue.clone(),
            Derived::Office => region.office.clone(),
            Derived::OfficialTitle => region.official.title.clone(),
            Derived::OfficialName => region.official.name.clone(),
            Derived::OfficialNip => region.official.nip.clone(),
            Derived::ServicePointName => region.service_point(sp).map(|s| s.name.clone()).unwrap_or_default(),
            Derived::Kid => kid.to_string(),
            Derived::MemberCount => members.to_string(),
            Derived::ExpiryDate => expiry.clone(),
            // Filled per page by the renderer.
            Derived::Page | Derived::Pages => String::new(),
        });
    }
    for c in t.schema.village_columns() {
        let v = row[c].as_str();
        let village = r.villages.get(v);
        let district = v.get(..6).and_then(|d| r.districts.get(d));
        let regency = v.get(..4).and_then(|d| r.regencies.get(d));
        let province = v.get(..2).and_then(|d| r.provinces.get(d));
        for a in [village, district, regency, province] {
            out.push(a.map(|a| a.name.clone()).unwrap_or_default());
        }
    }
    out
}

/// The signed record of a document (`engine/dk1/README.md`, §3), as the template's
/// `[record]` declares it.
pub fn claims_for(t: &Template, doc: &DocInput, issuer: &str, issued_at: i64, issue_date: NaiveDate) -> Claims {
    let rec = &t.record;
    let opt = |x: &Option<crate::kind::template::Text>| x.as_ref().map(|x| x.fill(&doc.values)).filter(|s| !s.is_empty());
    let mut extra = BTreeMap::new();
    for (key, text, int) in &rec.extra {
        let v = text.fill(&doc.values);
        if v.is_empty() {
            continue;
        }
        extra.insert(*key, match (int, v.parse::<i64>()) {
            (true, Ok(n)) => Extra::Int(n),
            _ => Extra::Text(v),
        });
    }
    let mut record = Record {
        kind: rec.code,
        number: doc.number.clone(),
        nik: rec.nik.fill(&doc.values),
        name: rec.name.fill(&doc.values),
        birth_date: opt(&rec.birth_date),
        birth_place: opt(&rec.birth_place),
        issue_date: issue_date.format("%Y-%m-%d").to_string(),
        extra,
        ..Default::default()
    };
    if let Some(m) = &rec.member_nik {
        let niks: Vec<String> = doc.members.iter().map(|row| m.fill(row)).collect();
        let list = match rec.members {
            MembersInRecord::Always => true,
            MembersInRecord::Several => niks.len() > 1,
            MembersInRecord::Never => false,
        };
        if list || rec.member_digest {
            record.member_count = Some(niks.len() as u64);
        }
        if rec.member_digest {
            let d = Sha256::digest(niks.join("\n").as_bytes());
            let mut digest = [0u8; 16];
            digest.copy_from_slice(&d[..16]);
            record.member_digest = Some(digest);
        }
        if list {
            record.related = niks;
        }
    }
    let expiry = rec.expiry_date(issue_date).map(midnight_utc);
    Claims { issuer: issuer.to_string(), issued_at, expiry, record }
}

/// A document of `t` with every value set to its field's name, the number
/// in place, then `set` applied (for tests and benchmarks).
pub fn placeholder_document(t: &Template, number: &str, set: &[(&str, &str)]) -> DocInput {
    let mut values: Vec<String> = t.fields.clone();
    values[t.derived(Derived::DocumentNumber)] = number.to_string();
    let mut put = |name: &str, v: &str| {
        if let Some(i) = t.field(name) {
            values[i] = v.to_string();
        }
    };
    for (k, v) in set {
        put(k, v);
    }
    let members = if t.schema.group {
        let mut m = t.schema.member_fields();
        if let Some(last) = m.last_mut() {
            *last = "1".into();
        }
        vec![m]
    } else {
        Vec::new()
    };
    DocInput { number: number.to_string(), values, members }
}

/// Epoch seconds of a date's start in UTC: the issue time used when only
/// an issue date is given (documents are dated by day; keys' windows start
/// at a day's start too).
pub fn midnight_utc(d: NaiveDate) -> i64 {
    d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}
