//! Reject messages a service-point clerk can act on the next morning:
//! Indonesian first, then English, naming the field (by the labels the
//! schema gives it) and the offending value, e.g. "segmen tanggal NIK
//! 030288 tidak sesuai tanggal lahir 1988-02-13 / NIK date segment 030288
//! does not match the birth date 1988-02-13 for a woman".

use chrono::NaiveDate;

use crate::kind::refdata::reference;
use crate::kind::region::Region;
use crate::kind::schema::Schema;

use super::rules::Rule;

/// Parameters a rule's message needs besides its field and value.
#[derive(Debug, Clone)]
pub enum Msg {
    /// Nothing more than the field and value.
    Plain,
    /// The sex a NIK must encode, fixed by the column ("L" or "P").
    NikSexFixed(String),
    /// The column holding the sex a NIK must encode.
    NikSexColumn(String),
    /// The birth date a NIK's date segment must match.
    NikBirthDate {
        /// The date column.
        date: String,
        /// The sex column, if there is one.
        sex: Option<String>,
    },
    /// The date column this one may not precede.
    DateOrder(String),
    /// A village of the issuing region.
    VillageRegion,
    /// A village of the country.
    VillageCountry,
    /// The allowed values.
    Choice(Vec<String>),
    /// Bounds: min, max.
    Number(Option<i64>, Option<i64>),
    /// Longest text in characters.
    Text(u32),
    /// A parent's plausible age at the event.
    ParentAge {
        /// The event's date column.
        date: String,
        /// Youngest.
        min: i32,
        /// Oldest.
        max: i32,
    },
    /// The column that must differ.
    SamePlace(String),
    /// A minimum age on the issue date.
    MinAge {
        /// Years.
        years: i32,
        /// The column that exempts, if any.
        exempt: Option<String>,
    },
    /// The subject is in an earlier application.
    DuplicateSubject,
    /// A column differs within one application.
    GroupMismatch,
    /// Most members per application.
    GroupSize(usize),
    /// The head's value (e.g. "KEPALA KELUARGA").
    HeadCount(String),
    /// The register numbered the application before (`written`: its
    /// document was issued).
    AlreadyIssued {
        /// Its number.
        number: String,
        /// The run that numbered it.
        run_id: String,
        /// Whether that run wrote its document.
        written: bool,
    },
    /// The subject holds an active document of the kind.
    SubjectActive {
        /// That document's number.
        number: String,
        /// The kind's title.
        title: String,
        /// The kind's name.
        kind: String,
    },
}

/// What every message may name besides its row: labels, the region, the date.
pub struct Env<'a> {
    /// The kind's schema (the fields' labels).
    pub schema: &'a Schema,
    /// The issuing region (its name and service points).
    pub region: &'a Region,
    /// The run's issue date.
    pub issue_date: NaiveDate,
    /// Whether the documents can print a character.
    pub can_print: fn(char) -> bool,
}

/// The first character of `value` that `bad` picks, as U+XXXX.
fn first_char(value: &str, bad: impl Fn(char) -> bool) -> String {
    value.chars().find(|c| bad(*c)).map(|c| format!("U+{:04X}", c as u32)).unwrap_or_default()
}

fn woman_or_man(female: bool) -> &'static str {
    if female {
        "a woman (day + 40)"
    } else {
        "a man"
    }
}

/// A value as a message quotes it: in double quotes, hidden characters
/// shown as `\u{XXXX}` by the one rule every output uses (util/show.rs),
/// not by Rust's own `{:?}` escaping (another table, lower-case hex).
struct Quoted<'a>(&'a str);

impl std::fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", crate::util::show::shown(self.0))
    }
}

/// The message for one violation. `get` reads another column of the same row.
pub fn message(code: Rule, field: &str, msg: &Msg, value: &str, get: &dyn Fn(&str) -> Option<String>, env: &Env) -> String {
    let (id, en) = env.schema.labels(field);
    let q = Quoted(value);
    let seg = value.get(6..12).unwrap_or("");
    match (code, msg) {
        (Rule::ApplicationId, _) => format!(
            "{id} {q:?} tidak sah: 1–64 huruf, angka, titik, garis bawah, garis miring atau tanda minus / \
             {en} {q:?} is not valid: 1–64 letters, digits and . _ / -"
        ),
        (Rule::FormatCharacter, _) => {
            let c = first_char(value, super::chars::is_format_char);
            format!("{id} {q:?} berisi karakter tak terlihat {c} / {en} {q:?} holds an invisible format character {c} (zero-width, byte-order mark or direction override): retype the value")
        }
        (Rule::Unprintable, _) => {
            let c = first_char(value, |c| super::chars::is_unprintable(c, env.can_print));
            format!("{id} {q:?} berisi karakter {c} yang tidak dapat dicetak / {en} {q:?} holds {c}, which the certificate's fonts cannot print")
        }
        (Rule::Required, _) => format!("{id} wajib diisi / {en} is required"),
        (Rule::NikFormat | Rule::KkFormat, _) => format!("{id} harus 16 angka, tertulis {q:?} / {en} must be 16 digits, got {q:?}"),
        (Rule::NikDistrict | Rule::KkDistrict, _) => {
            let d = value.get(..6).unwrap_or(value);
            format!("{id}: kode kecamatan {d} tidak dikenal / {en} starts with {d}, which is not a district code")
        }
        (Rule::NikDate, _) => format!("{id}: segmen tanggal {seg} bukan tanggal yang sah / {en} date segment {seg} is not a real date"),
        (Rule::KkDate, _) => format!(
            "{id}: segmen tanggal terbit {seg} tidak sah atau sesudah {} / {en} issue-date segment {seg} is not a real date on or before {}",
            env.issue_date, env.issue_date
        ),
        (Rule::NikSerial | Rule::KkSerial, _) => format!("{id}: nomor urut 0000 tidak sah / {en} serial must be 0001–9999"),
        (Rule::NikSex, Msg::NikSexFixed(s)) | (Rule::NikSex, Msg::NikSexColumn(s)) => {
            let expected = match msg {
                Msg::NikSexFixed(_) => s.clone(),
                _ => get(s).unwrap_or_default(),
            };
            let dd = value.get(6..8).unwrap_or("");
            format!(
                "{id}: tanggal {dd} tidak sesuai jenis kelamin {expected} / {en} day {dd} does not fit {}",
                woman_or_man(expected == "P")
            )
        }
        (Rule::NikBirthDate, Msg::NikBirthDate { date, sex }) => {
            let bd = get(date).unwrap_or_default();
            let female = match sex {
                Some(s) => get(s).as_deref() == Some("P"),
                None => value.get(6..8).and_then(|d| d.parse::<u32>().ok()).is_some_and(|d| d > 40),
            };
            let who = if female { "a woman" } else { "a man" };
            format!(
                "{id}: segmen tanggal {seg} tidak sesuai tanggal lahir {bd} / {en} date segment {seg} does not match the birth date {bd} for {who}"
            )
        }
        (Rule::Sex, _) => format!("{id} harus L atau P, tertulis {q:?} / {en} must be L or P, got {q:?}"),
        (Rule::DateFormat, _) => format!("{id} {q:?} bukan tanggal yang sah (format TTTT-BB-HH) / {en} {q:?} is not a real date in YYYY-MM-DD form"),
        (Rule::DateFuture, _) => format!(
            "{id} {value} sesudah tanggal terbit {} / {en} {value} is after the issue date {}",
            env.issue_date, env.issue_date
        ),
        (Rule::DateRange, _) => format!("{id} {value} sebelum 1900 / {en} {value} is before 1900"),
        (Rule::DateOrder, Msg::DateOrder(a)) => {
            let (aid, aen) = env.schema.labels(a);
            let other = get(a).unwrap_or_default();
            format!("{id} {value} sebelum {aid} {other} / {en} {value} is before the {aen} {other}")
        }
        (Rule::ServicePoint, _) => format!(
            "{id} {q:?} tidak ada di {} / {en} {q:?} is not one of {}'s ({})",
            env.region.name,
            env.region.name,
            env.region.service_points.iter().map(|s| s.code.as_str()).collect::<Vec<_>>().join(", ")
        ),
        (Rule::Village, Msg::VillageRegion) => match reference().villages.get(value) {
            Some(v) => format!(
                "{id}: desa {value} ({}) bukan wilayah {} / {en} {value} ({}) is not in {}",
                v.name, env.region.name, v.name, env.region.name
            ),
            None => format!("{id}: kode desa {q:?} tidak dikenal / {en} {q:?} is not a village code"),
        },
        (Rule::Village, _) => format!("{id}: kode desa {q:?} tidak dikenal / {en} {q:?} is not a village code"),
        (Rule::Choice, Msg::Choice(values)) => {
            let list = values.join(", ");
            format!("{id} {q:?} tidak sah; pilihan: {list} / {en} {q:?} is not one of: {list}")
        }
        (Rule::Number, Msg::Number(min, max)) => {
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("{a}–{b}"),
                (Some(a), None) => format!("≥ {a}"),
                (None, Some(b)) => format!("≤ {b}"),
                (None, None) => "a whole number".into(),
            };
            format!("{id} harus angka {range}, tertulis {q:?} / {en} must be a whole number {range}, got {q:?}")
        }
        (Rule::Text, Msg::Text(max)) => format!(
            "{id} terlalu panjang (maks. {max} karakter) atau berisi karakter kendali / {en} is over {max} characters or holds control characters"
        ),
        (Rule::Name, _) => format!(
            "{id} {q:?} berisi karakter tidak sah atau terlalu panjang / {en} {q:?} has characters \
             other than letters, spaces and . , ' - or is over 100 characters"
        ),
        (Rule::ParentAge, Msg::ParentAge { date, min, max }) => {
            let bd = get(date).unwrap_or_default();
            let yy = value.get(10..12).unwrap_or("");
            format!(
                "umur {id} (lahir tahun ..{yy}) tidak wajar pada {bd} / {en} gives a birth year ending {yy}, \
                 not {min}–{max} years before {bd}"
            )
        }
        (Rule::SamePlace, Msg::SamePlace(a)) => {
            let (aid, aen) = env.schema.labels(a);
            format!("{id} sama dengan {aid} ({value}) / {en} is the same as the {aen} ({value})")
        }
        (Rule::MinAge, Msg::MinAge { years, exempt }) => {
            let also = match exempt {
                Some(e) => {
                    let (eid, een) = env.schema.labels(e);
                    let v = get(e).unwrap_or_default();
                    (format!(" dan {eid} {v}"), format!(" and the {een} is {v}"))
                }
                None => (String::new(), String::new()),
            };
            format!(
                "belum berumur {years} tahun pada {} ({id} {value}){} / under {years} on {} ({en} {value}){}",
                env.issue_date, also.0, env.issue_date, also.1
            )
        }
        (Rule::DuplicateId, _) => format!("{id} {value} ganda dalam batch / {en} {value} appears earlier in the batch"),
        (Rule::DuplicateSubject, _) => format!(
            "{id} {value} sudah dimohonkan pada permohonan sebelumnya dalam batch / {en} {value} is already in an earlier application of the batch"
        ),
        (Rule::DuplicateMember, _) => format!("{id} {value} tercantum dua kali dalam permohonan ini / {en} {value} is listed twice in this application"),
        (Rule::GroupMismatch, _) => format!(
            "{id} {q:?} berbeda dengan baris pertama permohonan ini / {en} {q:?} differs from the first row of this application"
        ),
        (Rule::GroupSize, Msg::GroupSize(max)) => format!(
            "permohonan berisi {value} baris, maksimum {max} / the application has {value} rows, at most {max} are allowed"
        ),
        (Rule::HeadCount, Msg::HeadCount(head)) => format!(
            "harus tepat satu {head}, ada {value} / exactly one member must be {head} ({en}), found {value}"
        ),
        (Rule::AlreadyIssued, Msg::AlreadyIssued { number, run_id, written: true }) => {
            format!(
                "permohonan {value} sudah diterbitkan sebagai {number} pada run {run_id}: jangan kirim lagi; serahkan dokumen yang sudah terbit / \
                 application {value} was already issued as {number} in run {run_id}: do not send it again; hand out the issued document"
            )
        }
        (Rule::AlreadyIssued, Msg::AlreadyIssued { number, run_id, written: false }) => format!(
            "permohonan {value} sudah bernomor {number} pada run {run_id} yang belum selesai / application {value} \
             was numbered {number} by run {run_id}, which stopped before writing it: re-run that run's batch to finish it"
        ),
        (Rule::SubjectActive, Msg::SubjectActive { number, title, kind }) => format!(
            "{value} sudah memiliki {title} {number} yang masih berlaku / {value} already holds {kind} {number}, still active; \
             revoke it first (terbit revoke) if it must be replaced"
        ),
        (Rule::NikSex | Rule::NikBirthDate | Rule::DateOrder | Rule::Choice | Rule::Number | Rule::Text | Rule::ParentAge
        | Rule::SamePlace | Rule::MinAge | Rule::GroupSize | Rule::HeadCount | Rule::AlreadyIssued | Rule::SubjectActive, _) => {
            format!("{code}: {en} {q:?}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::template::Templates;

    #[test]
    fn the_register_rules_say_what_the_register_found() {
        let templates = Templates::embedded();
        let t = templates.get("birth").unwrap();
        let region = Region::kediri();
        let env = Env { schema: &t.schema, region: &region, issue_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), can_print: |_| true };
        let id = &t.schema.columns[t.schema.id].name;
        let none = |_: &str| None;
        let issued = Msg::AlreadyIssued { number: "3506-LU-23112026-0001".into(), run_id: "r1".into(), written: true };
        assert_eq!(
            message(Rule::AlreadyIssued, id, &issued, "A-1", &none, &env),
            "permohonan A-1 sudah diterbitkan sebagai 3506-LU-23112026-0001 pada run r1: jangan kirim lagi; serahkan dokumen yang sudah terbit / \
             application A-1 was already issued as 3506-LU-23112026-0001 in run r1: do not send it again; hand out the issued document"
        );
        let unfinished = Msg::AlreadyIssued { number: "N".into(), run_id: "r1".into(), written: false };
        assert!(message(Rule::AlreadyIssued, id, &unfinished, "A-1", &none, &env).ends_with("which stopped before writing it: re-run that run's batch to finish it"));
        let active = Msg::SubjectActive { number: "N".into(), title: "KTP-el".into(), kind: "ktp".into() };
        assert_eq!(
            message(Rule::SubjectActive, id, &active, "3506", &none, &env),
            "3506 sudah memiliki KTP-el N yang masih berlaku / 3506 already holds ktp N, still active; revoke it first (terbit revoke) if it must be replaced"
        );
    }

    #[test]
    fn every_rule_has_a_message_naming_the_field() {
        let templates = Templates::embedded();
        let t = templates.get("birth").unwrap();
        let region = Region::kediri();
        let env = Env { schema: &t.schema, region: &region, issue_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), can_print: |_| true };
        let field = &t.schema.columns[t.schema.subject].name;
        for rule in Rule::ALL {
            let m = message(*rule, field, &Msg::Plain, "x", &|_| None, &env);
            assert!(!m.trim().is_empty(), "{rule}");
        }
    }

    #[test]
    fn values_are_quoted_with_the_one_escaping_rule() {
        let templates = Templates::embedded();
        let t = templates.get("birth").unwrap();
        let region = Region::kediri();
        let env = Env { schema: &t.schema, region: &region, issue_date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), can_print: |_| true };
        let m = message(Rule::FormatCharacter, "child_name", &Msg::Plain, "SITI\u{202E}\\\"A", &|_| None, &env);
        assert!(m.contains("\"SITI\\u{202E}\\\"A\"") && m.contains("U+202E"), "{m}");
    }
}
