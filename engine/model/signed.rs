//! What a QR's signed record fixes of a template's fields, rebuilt in the
//! form the template prints each (the inverse of
//! [`super::document::claims_for`]): a sex code in words, a village code's
//! area names from the reference data, RT and RW split back out of the
//! signed address line. The page reader requires the page to show these.

use crate::dk1::{Claims, Extra};
use crate::kind::derived::Derived;
use crate::kind::template::signed::{self, record_texts, AreaPart, Fixed, RecordSlot};
use crate::kind::template::{Format, Part, Template, Text};

/// The values of a template's fields that the signed record fixes, as
/// the template says it fixes them ([`crate::kind::template::signed`]).
pub struct SignedValues {
    /// Each field's value, when the record fixes it exactly.
    pub exact: Vec<Option<String>>,
    /// Only the upper-case form is signed (`name = "{child_name|upper}"`).
    pub upper: Vec<Option<String>>,
    /// Fields whose value is signed (not just the page's own numbering).
    pub signed: Vec<bool>,
}

impl SignedValues {
    /// The values `c` fixes of `t`'s fields, on page `page` of `pages`.
    pub fn new(t: &Template, c: &Claims, kid: &str, page: usize, pages: usize) -> SignedValues {
        let n = t.fields.len();
        let mut k = SignedValues { exact: vec![None; n], upper: vec![None; n], signed: vec![false; n] };
        let r = &c.record;
        // Each record text's value split back into its fields' values.
        let mut split: Vec<(RecordSlot, Option<Vec<String>>)> = Vec::new();
        for (slot, text) in record_texts(&t.record) {
            let value = match slot {
                RecordSlot::Nik => Some(r.nik.clone()),
                RecordSlot::Name => Some(r.name.clone()),
                RecordSlot::BirthDate => r.birth_date.clone(),
                RecordSlot::BirthPlace => r.birth_place.clone(),
                RecordSlot::Extra(key) => r.extra.get(&key).map(Extra::to_string),
            };
            // A value the record leaves out was empty when it was signed.
            split.push((slot, signed::split(text, value.as_deref().unwrap_or(""))));
        }
        let date = |epoch: i64| chrono::DateTime::from_timestamp(epoch, 0).map(|d| d.date_naive().format("%Y-%m-%d").to_string());
        let reference = crate::kind::refdata::reference();
        for (i, fixed) in t.signed.iter().enumerate() {
            let Some(fixed) = fixed else { continue };
            let value = match *fixed {
                Fixed::Record { slot, part, upper } => {
                    let v = split.iter().find(|(s, _)| *s == slot).and_then(|(_, v)| v.as_ref()).and_then(|v| v.get(part)).cloned();
                    if upper {
                        k.upper[i] = v;
                        k.signed[i] = true;
                        continue;
                    }
                    v
                }
                Fixed::Derived(d) => match d {
                    Derived::DocumentNumber => Some(r.number.clone()),
                    Derived::IssueDate => Some(r.issue_date.clone()),
                    Derived::Kid => Some(kid.to_string()),
                    Derived::MemberCount => r.member_count.map(|m| m.to_string()),
                    Derived::ExpiryDate => c.expiry.map_or(Some(String::new()), date),
                    // Never fixed by the record (`Derived::signed`).
                    _ => None,
                },
                Fixed::Area { .. } => continue,
            };
            k.exact[i] = value;
            k.signed[i] = true;
        }
        // Area names after the codes they name are known.
        for (i, fixed) in t.signed.iter().enumerate() {
            let Some(Fixed::Area { code, part }) = fixed else { continue };
            k.signed[i] = true;
            let Some(code) = k.exact.get(*code).cloned().flatten() else { continue };
            let area = match part {
                AreaPart::Village => reference.villages.get(&code),
                AreaPart::District => code.get(..6).and_then(|d| reference.districts.get(d)),
                AreaPart::Regency => code.get(..4).and_then(|d| reference.regencies.get(d)),
                AreaPart::Province => code.get(..2).and_then(|d| reference.provinces.get(d)),
            };
            // As the renderer derives it: an unknown code prints no name.
            k.exact[i] = Some(area.map(|a| a.name.clone()).unwrap_or_default());
        }
        for (d, value) in [(Derived::Page, page), (Derived::Pages, pages)] {
            k.exact[t.derived(d)] = Some(value.to_string());
        }
        k
    }

    /// A field's value as the text shows it, if the record fixes it.
    pub fn show(&self, index: usize, format: Format, out: &mut String) -> bool {
        match (format, self.upper.get(index).and_then(Option::as_deref), self.exact.get(index).and_then(Option::as_deref)) {
            (Format::Upper, Some(u), _) => out.push_str(u),
            (_, _, Some(v)) => format.apply(v, out),
            _ => return false,
        }
        true
    }

    /// The text as the renderer fills it, if every field it uses is known.
    pub fn fill(&self, text: &Text) -> Option<String> {
        let mut s = String::new();
        for p in &text.0 {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Field { index, format } => {
                    if !self.show(*index, *format, &mut s) {
                        return None;
                    }
                }
            }
        }
        Some(s)
    }
}
