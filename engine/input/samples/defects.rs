//! Defects for sample batches: one realistic way to break an application
//! for each rule the schema implies, applied in turn.

use super::*;

/// One way to break an application, aimed at one rule.
#[derive(Debug, Clone)]
pub struct Defect {
    pub rule: &'static str,
    pub column: String,
}

/// Every defect the schema's rules can catch, in rule order.
pub fn defects_for(schema: &Schema) -> Vec<Defect> {
    let mut out = Vec::new();
    let mut d = |rule: &'static str, column: &str| out.push(Defect { rule, column: column.to_string() });
    for c in &schema.columns {
        let f = c.name.as_str();
        if c.required && c.ty != ColType::Id && c.ty != ColType::ServicePoint {
            d("REQUIRED", f);
        }
        match c.ty {
            ColType::Id if !schema.group => d("DUPLICATE_ID", f),
            ColType::Id => {}
            ColType::ServicePoint => d("SERVICE_POINT", f),
            ColType::Nik => {
                for r in ["NIK_FORMAT", "NIK_DISTRICT", "NIK_DATE", "NIK_SERIAL"] {
                    d(r, f);
                }
                if c.sex.is_some() || c.sex_column.is_some() {
                    d("NIK_SEX", f);
                }
                if c.birth_date.is_some() {
                    d("NIK_BIRTH_DATE", f);
                }
            }
            ColType::Kk => {
                for r in ["KK_FORMAT", "KK_DISTRICT", "KK_DATE", "KK_SERIAL"] {
                    d(r, f);
                }
            }
            ColType::Name => d("NAME", f),
            ColType::Date => {
                d("DATE_FORMAT", f);
                if !c.future {
                    d("DATE_FUTURE", f);
                }
                d("DATE_RANGE", f);
                if c.after.is_some() {
                    d("DATE_ORDER", f);
                }
            }
            ColType::Sex => d("SEX", f),
            ColType::Village => d("VILLAGE", f),
            ColType::Choice => d("CHOICE", f),
            ColType::Number => d("NUMBER", f),
            ColType::Text => d("TEXT", f),
        }
    }
    for ch in &schema.checks {
        match ch {
            Check::ParentAge { parent, .. } => d("PARENT_AGE", parent),
            Check::SamePlace { b, .. } => d("SAME_PLACE", b),
            Check::MinAge { date, .. } => d("MIN_AGE", date),
        }
    }
    let subject = schema.columns[schema.subject].name.clone();
    d("DUPLICATE_SUBJECT", &subject);
    if schema.group {
        for c in schema.columns.iter().filter(|c| c.member && c.ty == ColType::Nik) {
            d("DUPLICATE_MEMBER", &c.name.clone());
        }
        if let Some(c) = schema.columns.iter().find(|c| !c.member && c.ty == ColType::Text) {
            d("GROUP_MISMATCH", &c.name.clone());
        }
        if let Some((hc, _)) = &schema.head {
            d("HEAD_COUNT", &schema.columns[*hc].name.clone());
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
    if matches!(defect.rule, "DATE_FUTURE" | "DATE_RANGE") {
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
    let spread = schema.group && !spec.member && !matches!(defect.rule, "GROUP_MISMATCH" | "DUPLICATE_ID" | "DUPLICATE_SUBJECT");
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
        "REQUIRED" => set(row, String::new()),
        "DUPLICATE_ID" => {
            if let Some(prev) = earlier.last() {
                set(row, prev[0].get(f).cloned().unwrap_or_default());
            }
        }
        "SERVICE_POINT" => set(row, "KANTOR-LAMA".into()),
        "NIK_FORMAT" | "KK_FORMAT" => set(row, val.chars().take(15).collect()),
        "NIK_DISTRICT" | "KK_DISTRICT" => set(row, format!("999999{}", val.get(6..).unwrap_or(""))),
        "NIK_DATE" | "KK_DATE" => set(row, format!("{}{}", val.get(..8).unwrap_or(""), format!("13{}", val.get(10..).unwrap_or("")))),
        "NIK_SERIAL" | "KK_SERIAL" => set(row, format!("{}0000", val.get(..12).unwrap_or(""))),
        "NIK_SEX" => {
            // The day as written gains or loses the women's 40.
            let dd: u32 = val.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(1);
            let flipped = if dd > 40 { dd - 40 } else { dd + 40 };
            set(row, format!("{}{flipped:02}{}", val.get(..6).unwrap_or(""), val.get(8..).unwrap_or("")));
        }
        "NIK_BIRTH_DATE" => {
            let dd: u32 = val.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(1);
            let shifted = if dd % 40 >= 28 { dd - 1 } else { dd + 1 };
            set(row, format!("{}{shifted:02}{}", val.get(..6).unwrap_or(""), val.get(8..).unwrap_or("")));
        }
        "NAME" => set(row, format!("{}2", val)),
        "DATE_FORMAT" => set(row, format!("{}-02-30", as_of.year() - 1)),
        "DATE_FUTURE" => set(row, ymd(as_of.checked_add_days(Days::new(rng.random_range(1..30))).unwrap_or(as_of))),
        "DATE_RANGE" => set(row, "1899-12-31".into()),
        // (a NIK bound to the date is updated by `apply`)
        "DATE_ORDER" => {
            if let Some(a) = spec.and_then(|c| c.after.clone()) {
                let before = row.get(a.as_str()).map(|s| days_before(parse_date(s).unwrap_or_default(), 1)).unwrap_or(as_of);
                set(row, ymd(before));
            }
        }
        "SEX" => set(row, "X".into()),
        "VILLAGE" => match spec.map(|c| c.scope) {
            Some(VillageScope::Region) => set(row, "3578011001".into()), // a Surabaya village
            _ => set(row, "9999012001".into()),
        },
        "CHOICE" => set(row, val.to_lowercase() + "?"),
        "NUMBER" => set(row, "0".into()),
        "TEXT" => set(row, "X".repeat(spec.and_then(|c| c.max_len).unwrap_or(200) as usize + 1)),
        "PARENT_AGE" => {
            // The parent's NIK says born in the child's year.
            let child = schema.checks.iter().find_map(|c| match c {
                Check::ParentAge { parent, date, .. } if parent == f => Some(date.clone()),
                _ => None,
            });
            if let Some(yy) = child.and_then(|d| row.get(d.as_str()).and_then(|s| s.get(2..4)).map(str::to_string)) {
                set(row, format!("{}{yy}{}", val.get(..10).unwrap_or(""), val.get(12..).unwrap_or("")));
            }
        }
        "SAME_PLACE" => {
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
        "MIN_AGE" => {
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
        "DUPLICATE_SUBJECT" => {
            if let Some(prev) = earlier.last() {
                let id = schema.columns[schema.id].name.clone();
                let my_id = app[0].get(&id).cloned().unwrap_or_default();
                for (i, r) in app.iter_mut().enumerate() {
                    if let Some(p) = prev.get(i).or(prev.last()) {
                        *r = p.clone();
                        r.insert(id.clone(), my_id.clone());
                    }
                }
            }
        }
        "DUPLICATE_MEMBER" => {
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
        "GROUP_MISMATCH" => {
            if app.len() > 1 {
                let last = app.len() - 1;
                let v = app[last].get(f).cloned().unwrap_or_default();
                app[last].insert(key, format!("{v} B"));
            }
        }
        "HEAD_COUNT" => {
            for r in app.iter_mut() {
                if r.get(f).is_some_and(|v| v == "KEPALA KELUARGA") {
                    r.insert(key.clone(), "SUAMI".into());
                }
            }
        }
        _ => {}
    }
}
