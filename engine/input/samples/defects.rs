//! Defects for sample batches: one realistic way to break an application
//! for each rule the schema implies, applied in turn.

use super::*;
use crate::input::rules::Rule;

/// One way to break an application, aimed at one rule.
#[derive(Debug, Clone)]
pub struct Defect {
    /// The rule it breaks.
    pub rule: Rule,
    /// The column it breaks it in.
    pub column: String,
}

/// Every defect the schema's rules can catch, in rule order.
pub fn defects_for(schema: &Schema) -> Vec<Defect> {
    let mut out = Vec::new();
    let mut d = |rule: Rule, column: &str| out.push(Defect { rule, column: column.to_string() });
    for c in &schema.columns {
        let f = c.name.as_str();
        if c.required && c.ty != ColType::Id && c.ty != ColType::ServicePoint {
            d(Rule::Required, f);
        }
        match c.ty {
            ColType::Id => {
                d(Rule::ApplicationId, f);
                if !schema.group {
                    d(Rule::DuplicateId, f);
                }
            }
            ColType::ServicePoint => d(Rule::ServicePoint, f),
            ColType::Nik => {
                for r in [Rule::NikFormat, Rule::NikDistrict, Rule::NikDate, Rule::NikSerial] {
                    d(r, f);
                }
                if c.sex.is_some() || c.sex_column.is_some() {
                    d(Rule::NikSex, f);
                }
                if c.birth_date.is_some() {
                    d(Rule::NikBirthDate, f);
                }
            }
            ColType::Kk => {
                for r in [Rule::KkFormat, Rule::KkDistrict, Rule::KkDate, Rule::KkSerial] {
                    d(r, f);
                }
            }
            ColType::Name => {
                d(Rule::Name, f);
                d(Rule::Unprintable, f);
                d(Rule::FormatCharacter, f);
            }
            ColType::Date => {
                d(Rule::DateFormat, f);
                if !c.future {
                    d(Rule::DateFuture, f);
                }
                d(Rule::DateRange, f);
                if c.after.is_some() {
                    d(Rule::DateOrder, f);
                }
            }
            ColType::Sex => d(Rule::Sex, f),
            ColType::Village => d(Rule::Village, f),
            ColType::Choice => d(Rule::Choice, f),
            ColType::Number => d(Rule::Number, f),
            ColType::Text => d(Rule::Text, f),
        }
    }
    for ch in &schema.checks {
        match ch {
            Check::ParentAge { parent, .. } => d(Rule::ParentAge, parent),
            Check::SamePlace { b, .. } => d(Rule::SamePlace, b),
            Check::MinAge { date, .. } => d(Rule::MinAge, date),
        }
    }
    let subject = schema.columns[schema.subject].name.clone();
    d(Rule::DuplicateSubject, &subject);
    if schema.group {
        for c in schema.columns.iter().filter(|c| c.member && c.ty == ColType::Nik) {
            d(Rule::DuplicateMember, &c.name.clone());
        }
        if let Some(c) = schema.columns.iter().find(|c| !c.member && c.ty == ColType::Text) {
            d(Rule::GroupMismatch, &c.name.clone());
        }
        if let Some((hc, _)) = &schema.head {
            d(Rule::HeadCount, &schema.columns[*hc].name.clone());
        }
    }
    out
}

/// Break `app` (its rows) for `defect`, aiming at that one rule: an
/// application-level value changes on every row, a date bound to a NIK
/// takes the NIK along. `earlier` are the applications before it (for
/// duplicates).
pub(crate) fn apply(rng: &mut ChaCha8Rng, schema: &Schema, defect: &Defect, app: &mut [Row], earlier: &[Vec<Row>], as_of: NaiveDate) {
    apply_one(rng, schema, defect, app, earlier, as_of);
    let f = defect.column.as_str();
    let Some(spec) = schema.column(f) else { return };
    let at = usize::from(spec.member && app.len() > 1);
    if matches!(defect.rule, Rule::DateFuture | Rule::DateRange) {
        // The NIK whose embedded date is this date follows it.
        for nik in schema.columns.iter().filter(|c| c.birth_date.as_deref() == Some(f)) {
            let row = &mut app[at];
            if let (Some(d), Some(n)) = (row.get(f).and_then(|d| parse_date(d)), row.get(&nik.name).cloned()) {
                let female = n.get(6..8).and_then(|x| x.parse::<u32>().ok()).is_some_and(|x| x > 40);
                let serial = n.get(12..).and_then(|x| x.parse().ok()).unwrap_or(1);
                row.insert(nik.name.clone(), nik_of(n.get(..6).unwrap_or("350601"), d, female, serial));
            }
        }
    }
    let spread = schema.group && !spec.member && !matches!(defect.rule, Rule::GroupMismatch | Rule::DuplicateId | Rule::DuplicateSubject);
    if spread {
        let v = app[0].get(f).cloned();
        for r in app.iter_mut().skip(1) {
            match &v {
                Some(v) => r.insert(f.to_string(), v.clone()),
                None => r.remove(f),
            };
        }
    }
}

pub(super) fn apply_one(rng: &mut ChaCha8Rng, schema: &Schema, defect: &Defect, app: &mut [Row], earlier: &[Vec<Row>], as_of: NaiveDate) {
    let f = defect.column.as_str();
    let spec = schema.column(f);
    // Member-level defects hit a member row other than the subject where there is one.
    let at = usize::from(spec.is_some_and(|c| c.member) && app.len() > 1);
    let key = f.to_string();
    let row = &mut app[at];
    let val = row.get(f).cloned().unwrap_or_default();
    let set = |row: &mut Row, v: String| {
        row.insert(key.clone(), v);
    };
    match defect.rule {
        Rule::Required => set(row, String::new()),
        // A pasted ID that picked up a right-to-left override.
        Rule::ApplicationId => set(row, format!("{val}\u{202e}")),
        Rule::DuplicateId => {
            if let Some(prev) = earlier.last() {
                set(row, prev[0].get(f).cloned().unwrap_or_default());
            }
        }
        Rule::ServicePoint => set(row, "KANTOR-LAMA".into()),
        Rule::NikFormat | Rule::KkFormat => set(row, val.chars().take(15).collect()),
        Rule::NikDistrict | Rule::KkDistrict => set(row, format!("999999{}", val.get(6..).unwrap_or(""))),
        Rule::NikDate | Rule::KkDate => set(row, format!("{}13{}", val.get(..8).unwrap_or(""), val.get(10..).unwrap_or(""))),
        Rule::NikSerial | Rule::KkSerial => set(row, format!("{}0000", val.get(..12).unwrap_or(""))),
        Rule::NikSex => {
            // The day as written gains or loses the women's 40.
            let dd: u32 = val.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(1);
            let flipped = if dd > 40 { dd - 40 } else { dd + 40 };
            set(row, format!("{}{flipped:02}{}", val.get(..6).unwrap_or(""), val.get(8..).unwrap_or("")));
        }
        Rule::NikBirthDate => {
            let dd: u32 = val.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(1);
            let shifted = if dd % 40 >= 28 { dd - 1 } else { dd + 1 };
            set(row, format!("{}{shifted:02}{}", val.get(..6).unwrap_or(""), val.get(8..).unwrap_or("")));
        }
        Rule::Name => set(row, format!("{}2", val)),
        // A name typed in a script the certificate's fonts do not have.
        Rule::Unprintable => set(row, format!("{val} 山田")),
        // A zero-width space pasted from a chat message.
        Rule::FormatCharacter => set(row, format!("{val}\u{200b}")),
        Rule::DateFormat => set(row, format!("{}-02-30", as_of.year() - 1)),
        Rule::DateFuture => set(row, ymd(as_of.checked_add_days(Days::new(rng.random_range(1..30))).unwrap_or(as_of))),
        Rule::DateRange => set(row, "1899-12-31".into()),
        // (a NIK bound to the date is updated by `apply`)
        Rule::DateOrder => {
            if let Some(a) = spec.and_then(|c| c.after.clone()) {
                let before = row.get(a.as_str()).map(|s| days_before(parse_date(s).unwrap_or_default(), 1)).unwrap_or(as_of);
                set(row, ymd(before));
            }
        }
        Rule::Sex => set(row, "X".into()),
        Rule::Village => match spec.map(|c| c.scope) {
            Some(VillageScope::Region) => set(row, "3578011001".into()), // a Surabaya village
            _ => set(row, "9999012001".into()),
        },
        Rule::Choice => set(row, val.to_lowercase() + "?"),
        Rule::Number => set(row, "0".into()),
        Rule::Text => set(row, "X".repeat(spec.and_then(|c| c.max_len).unwrap_or(200) as usize + 1)),
        Rule::ParentAge => {
            // The parent's NIK says born in the child's year.
            let child = schema.checks.iter().find_map(|c| match c {
                Check::ParentAge { parent, date, .. } if parent == f => Some(date.clone()),
                _ => None,
            });
            if let Some(yy) = child.and_then(|d| row.get(d.as_str()).and_then(|s| s.get(2..4)).map(str::to_string)) {
                set(row, format!("{}{yy}{}", val.get(..10).unwrap_or(""), val.get(12..).unwrap_or("")));
            }
        }
        Rule::SamePlace => {
            let a = schema.checks.iter().find_map(|c| match c {
                Check::SamePlace { a, b } if b == f => Some(a.clone()),
                _ => None,
            });
            if let Some(a) = a {
                // Copy into whichever side accepts any village, so the
                // code stays valid and only the sameness is wrong.
                let a_country = schema.column(&a).is_some_and(|c| c.scope == VillageScope::Country);
                let (from, to) = if a_country { (f.to_string(), a) } else { (a, f.to_string()) };
                for r in app.iter_mut() {
                    let v = r.get(&from).cloned().unwrap_or_default();
                    r.insert(to.clone(), v);
                }
            }
        }
        Rule::MinAge => {
            // Ten years old and unmarried; the NIK keeps matching.
            let birth = days_before(as_of, 10 * 365);
            set(row, ymd(birth));
            let female = row.get("sex").is_some_and(|s| s == "P");
            if let Some(n) = row.get("nik").cloned() {
                let fixed = nik_of(n.get(..6).unwrap_or("350601"), birth, female, n.get(12..).and_then(|s| s.parse().ok()).unwrap_or(1));
                row.insert("nik".into(), fixed);
            }
            row.insert("marital_status".into(), "BELUM KAWIN".into());
        }
        Rule::DuplicateSubject => {
            if let Some(prev) = earlier.last() {
                let id = schema.columns[schema.id].name.clone();
                let my_id = app[0].get(&id).cloned().unwrap_or_default();
                for (i, r) in app.iter_mut().enumerate() {
                    match (prev.get(i), prev.last()) {
                        (Some(p), _) => *r = p.clone(),
                        // A member beyond the earlier family's size keeps
                        // its own person, in the copied application.
                        (None, Some(last)) => {
                            for c in schema.columns.iter().filter(|c| !c.member) {
                                if let Some(v) = last.get(&c.name) {
                                    r.insert(c.name.clone(), v.clone());
                                }
                            }
                        }
                        (None, None) => {}
                    }
                    r.insert(id.clone(), my_id.clone());
                }
            }
        }
        Rule::DuplicateMember => {
            // The head's line entered twice (all but the relationship).
            if app.len() > 1 {
                let last = app.len() - 1;
                let head = schema.head.as_ref().map(|(hc, _)| schema.columns[*hc].name.as_str());
                for c in schema.columns.iter().filter(|c| c.member && Some(c.name.as_str()) != head) {
                    let v = app[0].get(&c.name).cloned();
                    match v {
                        Some(v) => app[last].insert(c.name.clone(), v),
                        None => app[last].remove(&c.name),
                    };
                }
            }
        }
        Rule::GroupMismatch => {
            if app.len() > 1 {
                let last = app.len() - 1;
                let v = app[last].get(f).cloned().unwrap_or_default();
                app[last].insert(key, format!("{v} B"));
            }
        }
        Rule::HeadCount => {
            for r in app.iter_mut() {
                if r.get(f).is_some_and(|v| v == "KEPALA KELUARGA") {
                    r.insert(key.clone(), "SUAMI".into());
                }
            }
        }
        // No sample defect: a group too large needs more rows than a
        // sample application has, and the register's rules need a register.
        Rule::GroupSize | Rule::AlreadyIssued | Rule::SubjectActive => {}
    }
}
