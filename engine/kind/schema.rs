//! A document kind as data: its input columns and their checks, how its
//! rows form applications, how its documents are numbered and what its
//! signed record holds. It is declared in the kind's template file
//! (`[schema]`, `[number]`, `[record]`), so a new kind or a new field is a
//! change of configuration; only a new *kind of check* is code
//! (the input stage's `validate` implements the checks named here).
//!
//! Column types carry their own rules: a `nik` column is checked for the
//! NIK structure, a `date` column for real dates not in the future, a
//! `village` column against the reference data, and so on. Rules that
//! relate columns (a parent's age at a birth, origin ≠ destination) are
//! listed as `[[schema.check]]`.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::kind::derived::Derived;

/// Suffixes of the names derived from each `village` column `c`:
/// `c.village`, `c.district`, `c.regency`, `c.province`.
pub const VILLAGE_PARTS: [&str; 4] = ["village", "district", "regency", "province"];
/// Extra value of a member (table) row: its running number from 1.
pub const ROW_NO: &str = "row_no";

/// What a column holds, and so which rules check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColType {
    /// The application's ID: unique per application in a batch.
    Id,
    /// A service point of the issuing region.
    ServicePoint,
    /// A 16-digit NIK: district (6), birth date (6, day + 40 for women), serial (4).
    Nik,
    /// A 16-digit family card number: district + issue date + serial.
    Kk,
    /// A person's name: letters, spaces and . , ' -, at most 100 characters.
    Name,
    /// A date as YYYY-MM-DD.
    Date,
    /// L or P.
    Sex,
    /// A 10-digit village code.
    Village,
    /// One of a fixed list of values.
    Choice,
    /// A whole number within bounds.
    Number,
    /// Free text (an address, a reason), bounded in length.
    Text,
}

/// Where a village code must lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VillageScope {
    /// Must be a village of the issuing regency.
    #[default]
    Region,
    /// Any village of the country (a moving destination, a birth place).
    Country,
}

/// One batch column, as `[[schema.column]]` declares it (templates/README.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The column name in the batch header.
    pub name: String,
    /// What it holds.
    #[serde(rename = "type")]
    pub ty: ColType,
    /// Whether it must be filled (default: yes).
    #[serde(default = "yes")]
    pub required: bool,
    /// Group kinds: the column describes one member (a row), not the
    /// application (the same on every row of the application).
    #[serde(default)]
    pub member: bool,
    /// Labels for messages, Indonesian and English ("NIK almarhum", "deceased's NIK").
    pub label_id: Option<String>,
    /// English label.
    pub label: Option<String>,
    /// nik: the sex it must encode ("L" or "P"), or the column that holds it.
    pub sex: Option<String>,
    /// nik: the column holding the sex it must encode.
    pub sex_column: Option<String>,
    /// nik: the date column its DDMMYY segment must match.
    pub birth_date: Option<String>,
    /// village: where the village must be.
    #[serde(default)]
    pub scope: VillageScope,
    /// date: a date column this one may not precede (death after birth).
    pub after: Option<String>,
    /// date: allowed after the issue date (an expiry, a planned move).
    #[serde(default)]
    pub future: bool,
    /// choice: the allowed values (compared after trimming, case-sensitive).
    #[serde(default)]
    pub values: Vec<String>,
    /// number: bounds.
    pub min: Option<i64>,
    /// Upper bound.
    pub max: Option<i64>,
    /// text: longest value in characters (default 200).
    pub max_len: Option<u32>,
}

fn yes() -> bool {
    true
}

/// A rule relating columns.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "rule", deny_unknown_fields)]
pub enum Check {
    /// The person of NIK column `parent` is `min`–`max` years older than the
    /// date in `date` (century from the child's year).
    #[serde(rename = "PARENT_AGE")]
    ParentAge {
        /// The parent's NIK column.
        parent: String,
        /// The child's date column.
        date: String,
        /// Youngest plausible age.
        min: i32,
        /// Oldest plausible age.
        max: i32,
    },
    /// Columns `a` and `b` must differ (moving origin and destination).
    #[serde(rename = "SAME_PLACE")]
    SamePlace {
        /// One column.
        a: String,
        /// The other.
        b: String,
    },
    /// At least `years` old on the issue date (by `date`), unless `exempt`
    /// holds one of `exempt_values` (a married person may hold a KTP young).
    #[serde(rename = "MIN_AGE")]
    MinAge {
        /// The birth date column.
        date: String,
        /// Minimum age in years.
        years: i32,
        /// A column that exempts the applicant.
        exempt: Option<String>,
        /// Values of `exempt` that do.
        #[serde(default)]
        exempt_values: Vec<String>,
    },
}

/// The `[schema]` section of a template file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchema {
    /// The column naming the person (or family) the document is about: one
    /// active document per kind and subject.
    pub subject: String,
    /// Several rows (members) per application, grouped by the `id` column.
    #[serde(default)]
    pub group: bool,
    /// Group kinds: the member column and value marking the head; exactly
    /// one per application. Without it the first row is the subject.
    pub head_column: Option<String>,
    /// The head's value in `head_column`.
    pub head_value: Option<String>,
    /// Group kinds: most members per application.
    #[serde(default = "default_max_members")]
    pub max_members: usize,
    /// The columns.
    pub column: Vec<ColumnSpec>,
    /// Rules relating columns.
    #[serde(default)]
    pub check: Vec<Check>,
}

fn default_max_members() -> usize {
    30
}

/// The shape of a document number (engine/numbering/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberStyle {
    /// `RRRR-LL-DDMMYYYY-NNNN`, serial per regency, kind and day.
    #[default]
    Registration,
    /// A KK number: district(6) + DDMMYY + serial(4), serial per district and day.
    FamilyCard,
}

/// The `[number]` section of a template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberSpec {
    /// The number's shape.
    #[serde(default)]
    pub style: NumberStyle,
    /// Kind letters (registration style).
    #[serde(default)]
    pub letters: String,
    /// Late registration: other letters when `late_date` is more than
    /// `late_after_days` before the issue date (birth: LT after 60 days).
    pub late_letters: Option<String>,
    /// The event's date column, for `late_letters`.
    pub late_date: Option<String>,
    /// Days after the event that count as late.
    pub late_after_days: Option<i64>,
    /// family_card: the village column whose district starts the number.
    pub district_from: Option<String>,
}

/// When a group document's record lists its members' NIKs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembersInRecord {
    /// Member NIKs (key 8) and count (key 9) always.
    #[default]
    Always,
    /// Only when more than one person is on the document.
    Several,
    /// Never (the digest and count only, if asked).
    Never,
}

/// A kind-specific record value, `[[record.extra]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordExtra {
    /// Record key, 11 and up (kind-specific: `engine/dk1/README.md`, §3).
    pub key: u64,
    /// Template text, e.g. "{death_date}" or "{address|upper}, DESA {village_code.village|upper}".
    pub text: String,
    /// Encode as an integer (the text must be one).
    #[serde(default)]
    pub int: bool,
}

/// The `[record]` section of a template: what the QR signs (engine/dk1/README.md, §3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    /// DK1 record kind code (1–6, [`crate::kind::Kind::code`]).
    pub code: u64,
    /// Template text of the subject's NIK.
    pub nik: String,
    /// Template text of the subject's name.
    pub name: String,
    /// Template text of the birth date.
    pub birth_date: Option<String>,
    /// Template text of the birth place.
    pub birth_place: Option<String>,
    /// Documents that expire (the KTP stand-in): days after issue.
    pub expiry_days: Option<i64>,
    /// Group kinds: the members' NIKs as template text per member row.
    pub member_nik: Option<String>,
    /// When members' NIKs are listed (key 8).
    #[serde(default)]
    pub members: MembersInRecord,
    /// Key 10: first 16 bytes of SHA-256 over the member NIKs joined by "\n".
    #[serde(default)]
    pub member_digest: bool,
    /// Kind-specific values, keys 11 and up.
    #[serde(default)]
    pub extra: Vec<RecordExtra>,
}

/// A checked schema.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The columns, in header order of the template.
    pub columns: Vec<ColumnSpec>,
    /// Index of the subject column.
    pub subject: usize,
    /// Several rows (members) per application.
    pub group: bool,
    /// The head's column index and value, for group kinds.
    pub head: Option<(usize, String)>,
    /// Most members per application.
    pub max_members: usize,
    /// Rules relating columns.
    pub checks: Vec<Check>,
    /// Index of the application ID column.
    pub id: usize,
    /// Index of the service point column.
    pub service_point: usize,
}

impl Schema {
    /// The index of column `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The column `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The names of the required columns.
    pub fn required(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().filter(|c| c.required).map(|c| c.name.as_str())
    }

    /// Every column name, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// Every value a document template may name, in the order documents
    /// hold them: the input columns, the [`Derived`] values, then the
    /// village parts.
    pub fn fields(&self) -> Vec<String> {
        let mut f: Vec<String> = self.names().map(str::to_string).collect();
        f.extend(Derived::ALL.map(|d| d.name().to_string()));
        for c in self.columns.iter().filter(|c| c.ty == ColType::Village) {
            f.extend(VILLAGE_PARTS.iter().map(|p| format!("{}.{p}", c.name)));
        }
        f
    }

    /// What a member (table) row may name: the input columns, then `row_no`.
    pub fn member_fields(&self) -> Vec<String> {
        let mut f: Vec<String> = self.names().map(str::to_string).collect();
        f.push(ROW_NO.to_string());
        f
    }

    /// Village columns, in column order (their parts follow the derived values).
    pub fn village_columns(&self) -> Vec<usize> {
        (0..self.columns.len()).filter(|i| self.columns[*i].ty == ColType::Village).collect()
    }

    /// Label for messages: (Indonesian, English).
    pub fn labels(&self, field: &str) -> (String, String) {
        let spaced = field.replace('_', " ");
        match self.column(field) {
            Some(c) => (
                c.label_id.clone().unwrap_or_else(|| spaced.clone()),
                c.label.clone().unwrap_or(spaced),
            ),
            None => (spaced.clone(), spaced),
        }
    }

    /// Check a raw schema (`path` names it in errors).
    pub fn check(raw: RawSchema, path: &Path) -> Result<Schema> {
        let bad = |m: String| Error::config(path, m);
        let mut seen = std::collections::BTreeSet::new();
        for c in &raw.column {
            let ok_name = !c.name.is_empty()
                && c.name.len() <= 64
                && c.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !ok_name {
                return Err(bad(format!("field `schema.column.name`: {:?} must be 1–64 of a–z, 0–9 and _", c.name)));
            }
            if !seen.insert(c.name.as_str()) {
                return Err(bad(format!("field `schema.column.name`: {:?} is declared twice", c.name)));
            }
        }
        let idx = |what: &str, name: &str| -> Result<usize> {
            raw.column.iter().position(|c| c.name == name).ok_or_else(|| {
                bad(format!("field `{what}`: no column named {name:?} in [[schema.column]]"))
            })
        };
        let of_type = |t: ColType, what: &str| -> Result<usize> {
            let found: Vec<usize> = (0..raw.column.len()).filter(|i| raw.column[*i].ty == t).collect();
            match found.as_slice() {
                [one] => Ok(*one),
                _ => Err(bad(format!("field `schema.column`: exactly one column of type {what:?} is needed, found {}", found.len()))),
            }
        };
        let id = of_type(ColType::Id, "id")?;
        let service_point = of_type(ColType::ServicePoint, "service_point")?;
        if !raw.column[id].required || !raw.column[service_point].required {
            return Err(bad("field `schema.column.required`: the id and service_point columns are always required".into()));
        }
        let subject = idx("schema.subject", &raw.subject)?;
        for c in &raw.column {
            let at = |f: &str| format!("schema.column {:?}, field `{f}`", c.name);
            if let Some(s) = &c.sex {
                if s != "L" && s != "P" {
                    return Err(bad(format!("{}: must be \"L\" or \"P\"", at("sex"))));
                }
            }
            if let Some(s) = &c.sex_column {
                let i = idx(&at("sex_column"), s)?;
                if raw.column[i].ty != ColType::Sex {
                    return Err(bad(format!("{}: {s:?} is not a column of type \"sex\"", at("sex_column"))));
                }
            }
            for (f, target) in [("birth_date", &c.birth_date), ("after", &c.after)] {
                if let Some(t) = target {
                    let i = idx(&at(f), t)?;
                    if raw.column[i].ty != ColType::Date {
                        return Err(bad(format!("{}: {t:?} is not a column of type \"date\"", at(f))));
                    }
                }
            }
            if c.ty == ColType::Choice && c.values.is_empty() {
                return Err(bad(format!("{}: a choice column needs its allowed values", at("values"))));
            }
            if c.member && !raw.group {
                return Err(bad(format!("{}: only group kinds ([schema] group = true) have member columns", at("member"))));
            }
        }
        for ch in &raw.check {
            match ch {
                Check::ParentAge { parent, date, min, max } => {
                    if raw.column[idx("schema.check PARENT_AGE parent", parent)?].ty != ColType::Nik
                        || raw.column[idx("schema.check PARENT_AGE date", date)?].ty != ColType::Date
                        || min > max
                    {
                        return Err(bad("field `schema.check` PARENT_AGE: parent must be a nik column, date a date column, min ≤ max".into()));
                    }
                }
                Check::SamePlace { a, b } => {
                    idx("schema.check SAME_PLACE a", a)?;
                    idx("schema.check SAME_PLACE b", b)?;
                }
                Check::MinAge { date, exempt, .. } => {
                    if raw.column[idx("schema.check MIN_AGE date", date)?].ty != ColType::Date {
                        return Err(bad("field `schema.check` MIN_AGE: date must be a date column".into()));
                    }
                    if let Some(e) = exempt {
                        idx("schema.check MIN_AGE exempt", e)?;
                    }
                }
            }
        }
        let head = match (&raw.head_column, &raw.head_value) {
            (Some(c), Some(v)) if raw.group => Some((idx("schema.head_column", c)?, v.clone())),
            (None, None) => None,
            _ => return Err(bad("fields `schema.head_column` and `head_value`: both, and only for group kinds".into())),
        };
        if !(1..=500).contains(&raw.max_members) {
            return Err(bad("field `schema.max_members`: 1–500".into()));
        }
        Ok(Schema {
            subject,
            group: raw.group,
            head,
            max_members: raw.max_members,
            checks: raw.check,
            id,
            service_point,
            columns: raw.column,
        })
    }
}

impl NumberSpec {
    /// Check the numbering against the schema's columns.
    pub fn check(&self, schema: &Schema, path: &Path) -> Result<()> {
        let bad = |m: &str| Err(Error::config(path, m.to_string()));
        let letters_ok = |l: &str| (1..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_uppercase());
        match self.style {
            NumberStyle::Registration => {
                if !letters_ok(&self.letters) {
                    return bad("field `number.letters`: 1–3 capital letters, e.g. \"KM\"");
                }
            }
            NumberStyle::FamilyCard => match &self.district_from {
                Some(c) if schema.column(c).is_some_and(|c| c.ty == ColType::Village && !c.member) => {}
                _ => return bad("field `number.district_from`: an application-level village column"),
            },
        }
        match (&self.late_letters, &self.late_date, self.late_after_days) {
            (None, None, None) => Ok(()),
            (Some(l), Some(d), Some(days)) if letters_ok(l) && days > 0 && schema.column(d).is_some_and(|c| c.ty == ColType::Date) => Ok(()),
            _ => bad("fields `number.late_letters`, `late_date`, `late_after_days`: all three (letters, a date column, days > 0) or none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &str) -> Result<Schema> {
        let text = format!(
            "subject = \"nik\"\n{extra}\n\
             [[column]]\nname = \"application_id\"\ntype = \"id\"\n\
             [[column]]\nname = \"service_point\"\ntype = \"service_point\"\n\
             [[column]]\nname = \"nik\"\ntype = \"nik\"\nsex_column = \"sex\"\n\
             [[column]]\nname = \"sex\"\ntype = \"sex\"\n"
        );
        let raw: RawSchema = toml::from_str(&text).map_err(|e| Error::config("s.toml", e.to_string()))?;
        Schema::check(raw, Path::new("s.toml"))
    }

    #[test]
    fn a_small_schema_checks_and_lists_its_fields() {
        let s = parse("").unwrap();
        assert_eq!(s.subject, 2);
        let f = s.fields();
        assert_eq!(&f[..4], ["application_id", "service_point", "nik", "sex"]);
        assert!(f.contains(&"document_number".to_string()));
    }

    #[test]
    fn references_to_unknown_columns_are_refused() {
        let e = parse("group = true\nhead_column = \"relation\"\nhead_value = \"KEPALA KELUARGA\"").unwrap_err().to_string();
        assert!(e.contains("s.toml") && e.contains("relation"), "{e}");
        let e = parse("[[check]]\nrule = \"SAME_PLACE\"\na = \"nik\"\nb = \"x\"").unwrap_err().to_string();
        assert!(e.contains("\"x\""), "{e}");
    }
}
