//! Which of a template's fields the signed record fixes, and in which
//! form: the verifier rebuilds every printed text from the record, so a
//! template that prints a signed value in a form that cannot be rebuilt
//! (the original case of a value signed only in upper case, a part of a
//! record text that cannot be split back into its fields, a signed value
//! glued to an unsigned one) is refused when it is loaded — otherwise the
//! page check would silently stop comparing that value.

use std::collections::BTreeSet;

use super::{Element, Format, Part, Record, Text};
use crate::kind::derived::Derived;
use crate::kind::schema::{ColType, Schema, VILLAGE_PARTS};

/// Where a record text sits in the signed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSlot {
    /// The subject's NIK.
    Nik,
    /// The subject's name.
    Name,
    /// The birth date.
    BirthDate,
    /// The birth place.
    BirthPlace,
    /// A kind-specific value (`[[record.extra]]`), by its key.
    Extra(u64),
}

/// Which name of a village code's areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaPart {
    /// The village.
    Village,
    /// Its district (kecamatan).
    District,
    /// Its regency.
    Regency,
    /// Its province.
    Province,
}

/// How the signed record fixes one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixed {
    /// Field part `part` of the record text at `slot` (split at its
    /// literals); `upper`: only the value's upper-case form is signed.
    Record {
        /// The record text.
        slot: RecordSlot,
        /// Which of its field parts (0-based, literals not counted).
        part: usize,
        /// Signed upper-cased, and the value's case matters.
        upper: bool,
    },
    /// A value of the claims themselves.
    Derived(Derived),
    /// The name of an area of a village code the record fixes exactly
    /// (field `code`), from the embedded reference data.
    Area {
        /// The village code's field.
        code: usize,
        /// Which area.
        part: AreaPart,
    },
}

/// The characters a column's values are made of, as far as splitting a
/// record text at its literals needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chars {
    /// ASCII digits.
    Digits,
    /// Digits and '-' (YYYY-MM-DD).
    Date,
    /// Exactly these.
    Set(BTreeSet<char>),
    /// Anything.
    Any,
}

impl Chars {
    /// Whether a value may hold `c`.
    pub fn holds(&self, c: char) -> bool {
        match self {
            Chars::Digits => c.is_ascii_digit(),
            Chars::Date => c.is_ascii_digit() || c == '-',
            Chars::Set(s) => s.contains(&c),
            Chars::Any => true,
        }
    }
}

/// What a field of `schema` (by index into `Schema::fields`) holds.
pub fn chars_of(schema: &Schema, index: usize) -> Chars {
    match schema.columns.get(index) {
        Some(c) => match c.ty {
            ColType::Nik | ColType::Kk | ColType::Village | ColType::Number => Chars::Digits,
            ColType::Date => Chars::Date,
            ColType::Sex => Chars::Set(['L', 'P'].into_iter().collect()),
            ColType::Choice => Chars::Set(c.values.iter().flat_map(|v| v.chars()).collect()),
            ColType::Id | ColType::ServicePoint | ColType::Name | ColType::Text => Chars::Any,
        },
        None => Chars::Any,
    }
}

/// Whether upper-casing never changes a field's values (digits, dates,
/// L/P): its upper-case form is then its value.
fn case_free(schema: &Schema, index: usize) -> bool {
    schema.columns.get(index).is_some_and(|c| matches!(c.ty, ColType::Nik | ColType::Kk | ColType::Village | ColType::Number | ColType::Date | ColType::Sex))
}

/// The record's texts with their slots.
pub fn record_texts(r: &Record) -> Vec<(RecordSlot, &Text)> {
    let mut out = vec![(RecordSlot::Nik, &r.nik), (RecordSlot::Name, &r.name)];
    if let Some(t) = &r.birth_date {
        out.push((RecordSlot::BirthDate, t));
    }
    if let Some(t) = &r.birth_place {
        out.push((RecordSlot::BirthPlace, t));
    }
    out.extend(r.extra.iter().map(|(k, t, _)| (RecordSlot::Extra(*k), t)));
    out
}

/// Why a record text cannot be split back into its fields, if it cannot:
/// a format other than plain or upper case, two fields with no literal
/// between them, or a field whose values may hold the literal after it.
pub fn unsplittable(schema: &Schema, fields: &[String], t: &Text) -> Option<String> {
    let parts = &t.0;
    for (i, p) in parts.iter().enumerate() {
        let Part::Field { index, format } = p else { continue };
        let name = fields.get(*index).map(String::as_str).unwrap_or("?");
        if !matches!(format, Format::Plain | Format::Upper) {
            return Some(format!("`{{{name}}}` is signed formatted, and a formatted value cannot be read back"));
        }
        match parts.get(i + 1) {
            Some(Part::Field { index: next, .. }) => {
                let next = fields.get(*next).map(String::as_str).unwrap_or("?");
                return Some(format!("`{{{name}}}` and `{{{next}}}` follow each other with no text between"));
            }
            Some(Part::Lit(l)) => {
                let first = l.chars().next().unwrap_or(' ');
                if chars_of(schema, *index).holds(first) {
                    return Some(format!("`{{{name}}}` may itself hold {first:?}, which starts the text after it"));
                }
            }
            None => {}
        }
    }
    None
}

/// Split `signed` (a record text's value) into the values of the text's
/// field parts, in order; `None` when it does not have the text's shape.
/// The literal after a field ends it at its first occurrence (the
/// template was refused at load when a field's values could hold it).
pub fn split(t: &Text, signed: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = signed;
    let mut parts = t.0.iter().peekable();
    while let Some(p) = parts.next() {
        match p {
            Part::Lit(l) => rest = rest.strip_prefix(l.as_str())?,
            Part::Field { .. } => match parts.peek() {
                Some(Part::Lit(l)) => {
                    let at = rest.find(l.as_str())?;
                    out.push(rest[..at].to_string());
                    rest = &rest[at..];
                }
                Some(Part::Field { .. }) => return None,
                None => {
                    out.push(rest.to_string());
                    rest = "";
                }
            },
        }
    }
    rest.is_empty().then_some(out)
}

/// For every field of `fields`, how the record fixes it (`None`: not at
/// all), and the fields the record signs in a form that cannot be read
/// back (with why).
pub fn analyse(schema: &Schema, fields: &[String], record: &Record) -> (Vec<Option<Fixed>>, Vec<(usize, String)>) {
    let mut fixed: Vec<Option<Fixed>> = vec![None; fields.len()];
    let mut unreadable: Vec<(usize, String)> = Vec::new();
    for (slot, text) in record_texts(record) {
        let why = unsplittable(schema, fields, text);
        let mut part = 0;
        for p in &text.0 {
            let Part::Field { index, format } = p else { continue };
            match &why {
                Some(w) => unreadable.push((*index, w.clone())),
                None => {
                    let upper = *format == Format::Upper && !case_free(schema, *index);
                    let better = match fixed[*index] {
                        None => true,
                        // An exact value beats an upper-cased one.
                        Some(Fixed::Record { upper: u, .. }) => u && !upper,
                        Some(_) => false,
                    };
                    if better {
                        fixed[*index] = Some(Fixed::Record { slot, part, upper });
                    }
                }
            }
            part += 1;
        }
    }
    // The derived values the claims carry outside the record's texts.
    for d in Derived::ALL.into_iter().filter(|d| d.signed()) {
        fixed[schema.columns.len() + d.position()] = Some(Fixed::Derived(d));
    }
    // A village code signed exactly fixes the names of its areas; signed
    // only in a form that cannot be read back, their names cannot be
    // compared either.
    for c in schema.village_columns() {
        let name = &schema.columns[c].name;
        for (p, part) in VILLAGE_PARTS.iter().zip([AreaPart::Village, AreaPart::District, AreaPart::Regency, AreaPart::Province]) {
            let Some(i) = fields.iter().position(|f| *f == format!("{name}.{p}")) else { continue };
            match fixed[c] {
                Some(Fixed::Record { upper: false, .. }) => fixed[i] = Some(Fixed::Area { code: c, part }),
                _ => {
                    if let Some((_, why)) = unreadable.iter().find(|(u, _)| *u == c).cloned() {
                        unreadable.push((i, why));
                    }
                }
            }
        }
    }
    unreadable.retain(|(i, _)| fixed[*i].is_none());
    (fixed, unreadable)
}

/// Why a printed text cannot be compared with the signed record, if it
/// cannot (see the module doc); `None` when every signed value it prints
/// can be rebuilt from the record.
pub fn uncomparable(fields: &[String], fixed: &[Option<Fixed>], unreadable: &[(usize, String)], text: &Text) -> Option<String> {
    let name = |i: usize| fields.get(i).map(String::as_str).unwrap_or("?");
    let parts = &text.0;
    for (k, p) in parts.iter().enumerate() {
        let Part::Field { index, format } = p else { continue };
        if let Some((_, why)) = unreadable.iter().find(|(u, _)| u == index) {
            return Some(format!("it prints `{{{}}}`, which the record signs in a form that cannot be read back ({why})", name(*index)));
        }
        let Some(f) = fixed.get(*index).copied().flatten() else { continue };
        if matches!(f, Fixed::Record { upper: true, .. }) && *format != Format::Upper {
            return Some(format!(
                "it prints `{{{}}}` as {}, but the record signs only its upper-case form: print it `{{{}|upper}}`",
                name(*index),
                format_name(*format),
                name(*index)
            ));
        }
        for n in [k.checked_sub(1), Some(k + 1)].into_iter().flatten() {
            if let Some(Part::Field { index: other, .. }) = parts.get(n) {
                if fixed.get(*other).copied().flatten().is_none() {
                    return Some(format!(
                        "it prints the signed `{{{}}}` right next to the unsigned `{{{}}}` with no text between: the signed value cannot be told apart",
                        name(*index),
                        name(*other)
                    ));
                }
            }
        }
    }
    None
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Plain => "it is",
        Format::Upper => "upper",
        Format::DateLong => "date_long",
        Format::DateWords => "date_words",
        Format::Group4 => "group4",
        Format::Sex => "sex",
        Format::Ordinal => "ordinal",
    }
}

/// Every printed text of `elements` that cannot be compared, as (element
/// index, why).
pub fn check_elements(fields: &[String], fixed: &[Option<Fixed>], unreadable: &[(usize, String)], elements: &[Element]) -> Option<(usize, String)> {
    elements.iter().enumerate().find_map(|(n, e)| match e {
        Element::Text { text, .. } => uncomparable(fields, fixed, unreadable, text).map(|why| (n, why)),
        _ => None,
    })
}
