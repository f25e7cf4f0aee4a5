//! Validate stage: columnar rules over the whole batch (polars), derived
//! from the kind's schema ([`crate::kind::schema`]).
//!
//! Each rule is a boolean polars expression, "row violates rule", evaluated
//! once for the batch; shared helper columns (trimmed values, parsed dates,
//! NIK segments, the application each row belongs to) are computed once and
//! reused by every rule. Only rows that violate something are then visited
//! in Rust to word their messages ([`crate::input::messages`]). Every application
//! ends accepted or rejected: a group kind's application (a family card's
//! members) is rejected whole when any of its rows violates a rule, and
//! each violation is one reject naming its rule code, field, value and
//! source line.

pub use crate::input::chars::{is_format_char, is_unprintable};
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::input::batch::Batch;
use crate::error::{Error, Result};
use crate::input::messages::{self, Msg};
use crate::input::rules::Rule;
use crate::kind::refdata::reference;
use crate::kind::region::Region;
use crate::kind::schema::{Check, ColType, Schema, VillageScope};

/// A rejected value is quoted up to this many characters.
const MAX_VALUE_CHARS: usize = 200;

/// What an application ID may be: 1–64 ASCII letters, digits and `. _ / -`.
pub const ID_PATTERN: &str = r"^[A-Za-z0-9._/-]{1,64}$";

/// One violated rule of one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Row in the batch (0-based, all files concatenated).
    pub row: usize,
    /// Application (group) the row belongs to, numbered in batch order.
    pub app: usize,
    /// The application's ID.
    pub application_id: String,
    /// The service point the application came from (as the export has it,
    /// clipped): where the reject goes back to.
    pub service_point: String,
    /// `file:line` or `file:row N`.
    pub source: String,
    /// The rule violated.
    pub rule: Rule,
    /// The field the rule names.
    pub field: String,
    /// The value, clipped.
    pub value: String,
    /// Indonesian, then English.
    pub message: String,
}

/// A batch after validation: what is accepted, and why the rest is not.
#[derive(Debug)]
pub struct Validated {
    /// Every row with cleaned (trimmed) values, in batch order, columns in
    /// schema order. Accepted rows are read through `accepted_rows`: not
    /// copying them out keeps a large batch's text in memory once.
    pub cleaned: DataFrame,
    /// Batch row index of each accepted row.
    pub accepted_rows: Vec<usize>,
    /// Application index of each accepted row (rows of one application are
    /// not necessarily adjacent in the batch).
    pub accepted_apps: Vec<usize>,
    /// Rejects ordered by row, then by rule order.
    pub rejects: Vec<Reject>,
    /// Rows read.
    pub rows: usize,
    /// Applications read.
    pub applications: usize,
    /// Applications rejected.
    pub rejected_applications: usize,
}

/// What the rules need to know besides the batch.
pub struct Context<'a> {
    /// The issuing region.
    pub region: &'a Region,
    /// The run's issue date.
    pub issue_date: NaiveDate,
    /// Whether the documents can print a character (the renderer's fonts:
    /// `pdf::fonts::can_draw`).
    pub can_print: fn(char) -> bool,
}

/// Free-text columns (names, places, addresses, choices): normalised to NFC
/// and checked for what the documents can print, before any rule.
fn is_free_text(ty: ColType) -> bool {
    matches!(ty, ColType::Name | ColType::Text | ColType::Choice)
}

/// Normalise a free-text column to NFC in place and add its helper
/// columns: `__fmt_<name>` (holds a format character) and `__unpr_<name>`
/// (holds a character the documents cannot print).
fn text_facts(df: &mut DataFrame, name: &str, can_print: fn(char) -> bool) -> PolarsResult<()> {
    use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};
    let values = df.column(name)?.str()?.clone();
    let needs_nfc = values.iter().flatten().any(|v| is_nfc_quick(v.chars()) != IsNormalized::Yes);
    let values = if needs_nfc {
        let nfc: StringChunked = values.iter().map(|v| v.map(|v| v.nfc().collect::<String>())).collect();
        let nfc = nfc.with_name(name.into());
        df.with_column(nfc.clone().into_column())?;
        nfc
    } else {
        values
    };
    let fmt: BooleanChunked = values.iter().map(|v| v.map(|v| v.chars().any(is_format_char))).collect();
    let unpr: BooleanChunked = values.iter().map(|v| v.map(|v| v.chars().any(|c| is_unprintable(c, can_print)))).collect();
    df.with_column(fmt.with_name(h(name, "fmt").into()).into_column())?;
    df.with_column(unpr.with_name(h(name, "unpr").into()).into_column())?;
    Ok(())
}

pub(crate) struct RuleExpr {
    pub code: Rule,
    pub field: String,
    pub msg: Msg,
    violated: Expr,
}

fn days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days() as i32
}

fn str_series(values: impl IntoIterator<Item = String>) -> Expr {
    lit(Series::new("".into(), values.into_iter().collect::<Vec<String>>())).implode(false)
}

fn h(f: &str, what: &str) -> String {
    format!("{f}__{what}")
}

/// Helper columns for a 16-digit identifier with a DDMMYY segment at 6:
/// `__ok` (16 digits), `__dd` (day as written), `__mm`, `__yy`.
fn id_helpers(f: &str) -> Vec<Expr> {
    let c = col(f);
    let ok = c.clone().str().contains(lit("^[0-9]{16}$"), true).fill_null(lit(false));
    let seg = |o: i64| c.clone().str().slice(lit(o), lit(2u64)).cast(DataType::Int32);
    vec![ok.alias(h(f, "ok")), seg(6).alias(h(f, "dd")), seg(8).alias(h(f, "mm")), seg(10).alias(h(f, "yy"))]
}

/// The day without the +40 women's offset (NIK); a KK's day has none.
fn id_day(f: &str, nik: bool) -> Expr {
    let dd = col(h(f, "dd"));
    if nik {
        when(dd.clone().gt(lit(40))).then(dd.clone() - lit(40)).otherwise(dd).alias(h(f, "day"))
    } else {
        dd.alias(h(f, "day"))
    }
}

/// The embedded date is a real calendar date (century unknown: 29
/// February is allowed in any year divisible by 4).
fn id_date_valid(f: &str) -> Expr {
    let mm = col(h(f, "mm"));
    let yy = col(h(f, "yy"));
    let day = col(h(f, "day"));
    let max_day = when(mm.clone().eq(lit(2)))
        .then(when((yy % lit(4)).eq(lit(0))).then(lit(29)).otherwise(lit(28)))
        .when(mm.clone().is_in(lit(Series::new("".into(), [4i32, 6, 9, 11])).implode(false), false))
        .then(lit(30))
        .otherwise(lit(31));
    mm.clone()
        .gt_eq(lit(1))
        .and(mm.lt_eq(lit(12)))
        .and(day.clone().gt_eq(lit(1)))
        .and(day.lt_eq(max_day))
        .fill_null(lit(false))
        .alias(h(f, "date_ok"))
}

fn rules(schema: &Schema, ctx: &Context) -> PolarsResult<Vec<RuleExpr>> {
    let r = reference();
    let mut rules = Vec::new();
    let mut push = |code: Rule, field: &str, msg: Msg, violated: Expr| {
        rules.push(RuleExpr { code, field: field.to_string(), msg, violated });
    };
    let present = |f: &str| col(f).is_not_null();
    let ok = |f: &str| col(h(f, "ok"));
    let districts = str_series(r.districts.keys().cloned());
    let issue_days = days(ctx.issue_date);
    let floor = days(NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default());
    for c in schema.columns.iter().filter(|c| c.required) {
        push(Rule::Required, &c.name, Msg::Plain, col(&c.name).is_null());
    }
    for c in &schema.columns {
        let f = c.name.as_str();
        if is_free_text(c.ty) {
            // Text the documents would show otherwise than the QR signs it.
            push(Rule::FormatCharacter, f, Msg::Plain, col(h(f, "fmt")).fill_null(lit(false)));
            push(Rule::Unprintable, f, Msg::Plain, col(h(f, "unpr")).fill_null(lit(false)));
        }
        match c.ty {
            ColType::Id => {
                // IDs go into the register, the manifest and file names of
                // reports: a bounded, printable alphabet (no line breaks,
                // escapes or bidi controls, no 100 MB values).
                let valid = col(f).str().contains(lit(ID_PATTERN), true).fill_null(lit(false));
                push(Rule::ApplicationId, f, Msg::Plain, present(f).and(valid.not()));
                if !schema.group {
                    push(Rule::DuplicateId, f, Msg::Plain, present(f).and(col(f).is_first_distinct().not()));
                }
            }
            ColType::ServicePoint => {
                let points = str_series(ctx.region.service_points.iter().map(|s| s.code.clone()));
                push(Rule::ServicePoint, f, Msg::Plain, present(f).and(col(f).is_in(points, false).not()));
            }
            ColType::Nik | ColType::Kk => {
                let nik = c.ty == ColType::Nik;
                let [format, district, date, serial] = if nik {
                    [Rule::NikFormat, Rule::NikDistrict, Rule::NikDate, Rule::NikSerial]
                } else {
                    [Rule::KkFormat, Rule::KkDistrict, Rule::KkDate, Rule::KkSerial]
                };
                push(format, f, Msg::Plain, present(f).and(ok(f).not()));
                push(
                    district,
                    f,
                    Msg::Plain,
                    ok(f).and(col(f).str().slice(lit(0), lit(6u64)).is_in(districts.clone(), false).not()),
                );
                let mut bad_date = col(h(f, "date_ok")).not();
                if !nik {
                    // A KK's date is its issue date: never after today's.
                    let issued = concat_str([lit("20"), col(f).str().slice(lit(10), lit(2u64)), col(f).str().slice(lit(8), lit(2u64)), col(f).str().slice(lit(6), lit(2u64))], "", false);
                    let today = ctx.issue_date.format("%Y%m%d").to_string();
                    bad_date = bad_date.or(col(h(f, "date_ok")).and(issued.gt(lit(today))));
                }
                push(date, f, Msg::Plain, ok(f).and(bad_date));
                push(serial, f, Msg::Plain, ok(f).and(col(f).str().slice(lit(12), lit(4u64)).eq(lit("0000"))));
                if !nik {
                    continue;
                }
                let female = col(h(f, "dd")).gt(lit(40));
                if let Some(s) = &c.sex {
                    let want_female = s == "P";
                    push(Rule::NikSex, f, Msg::NikSexFixed(s.clone()), ok(f).and(female.clone().neq(lit(want_female))));
                }
                if let Some(sc) = &c.sex_column {
                    let valid = col(sc).is_in(str_series(["L".to_string(), "P".to_string()]), false).fill_null(lit(false));
                    push(
                        Rule::NikSex,
                        f,
                        Msg::NikSexColumn(sc.clone()),
                        ok(f).and(valid).and(female.clone().neq(col(sc).eq(lit("P")))),
                    );
                }
                if let Some(bd) = &c.birth_date {
                    let d = col(h(bd, "d"));
                    push(
                        Rule::NikBirthDate,
                        f,
                        Msg::NikBirthDate { date: bd.clone(), sex: c.sex_column.clone() },
                        ok(f)
                            .and(col(h(f, "date_ok")))
                            .and(
                                col(h(f, "day"))
                                    .neq(d.clone().dt().day().cast(DataType::Int32))
                                    .or(col(h(f, "mm")).neq(d.clone().dt().month().cast(DataType::Int32)))
                                    .or(col(h(f, "yy")).neq(d.dt().year() % lit(100))),
                            ),
                    );
                }
            }
            ColType::Name => {
                let good = col(f)
                    .str()
                    .contains(lit(r"^\p{L}[\p{L}\p{M} .,'\-]*$"), true)
                    .fill_null(lit(false))
                    .and(col(f).str().len_chars().lt_eq(lit(100u32)));
                push(Rule::Name, f, Msg::Plain, present(f).and(good.not()));
            }
            ColType::Date => {
                let d = col(h(f, "d"));
                let dd = d.clone().cast(DataType::Int32);
                push(Rule::DateFormat, f, Msg::Plain, present(f).and(d.clone().is_null()));
                if !c.future {
                    push(Rule::DateFuture, f, Msg::Plain, dd.clone().gt(lit(issue_days)));
                }
                push(Rule::DateRange, f, Msg::Plain, dd.clone().lt(lit(floor)));
                if let Some(a) = &c.after {
                    push(Rule::DateOrder, f, Msg::DateOrder(a.clone()), dd.lt(col(h(a, "d")).cast(DataType::Int32)));
                }
            }
            ColType::Sex => {
                let valid = col(f).is_in(str_series(["L".to_string(), "P".to_string()]), false).fill_null(lit(false));
                push(Rule::Sex, f, Msg::Plain, present(f).and(valid.not()));
            }
            ColType::Village => {
                let (set, msg) = match c.scope {
                    VillageScope::Region => (r.villages_of(&ctx.region.code).map(|v| v.code.clone()).collect::<Vec<_>>(), Msg::VillageRegion),
                    VillageScope::Country => (r.villages.keys().cloned().collect(), Msg::VillageCountry),
                };
                push(Rule::Village, f, msg, present(f).and(col(f).is_in(str_series(set), false).not()));
            }
            ColType::Choice => {
                push(Rule::Choice, f, Msg::Choice(c.values.clone()), present(f).and(col(f).is_in(str_series(c.values.clone()), false).not()));
            }
            ColType::Number => {
                let n = col(f).str().contains(lit("^[0-9]{1,9}$"), true).fill_null(lit(false));
                let v = col(f).cast(DataType::Int64);
                let (min, max) = (c.min.unwrap_or(i64::MIN), c.max.unwrap_or(i64::MAX));
                push(
                    Rule::Number,
                    f,
                    Msg::Number(c.min, c.max),
                    present(f).and(n.not().or(v.clone().lt(lit(min))).or(v.gt(lit(max)))),
                );
            }
            ColType::Text => {
                let max = c.max_len.unwrap_or(200);
                let bad = col(f).str().len_chars().gt(lit(max)).or(col(f).str().contains(lit(r"[\p{Cc}]"), true));
                push(Rule::Text, f, Msg::Text(max), present(f).and(bad));
            }
        }
    }
    for check in &schema.checks {
        match check {
            Check::ParentAge { parent, date, min, max } => {
                // The NIK's year has no century: the parent is taken to be
                // born in the latest year ≤ the child's.
                let child_year = col(h(date, "d")).dt().year();
                let yy = col(h(parent, "yy"));
                let y2000 = yy.clone() + lit(2000);
                let parent_year = when(y2000.clone().lt_eq(child_year.clone())).then(y2000).otherwise(yy + lit(1900));
                let age = child_year - parent_year;
                push(
                    Rule::ParentAge,
                    parent,
                    Msg::ParentAge { date: date.clone(), min: *min, max: *max },
                    ok(parent).and(col(h(parent, "date_ok"))).and(age.clone().lt(lit(*min)).or(age.gt(lit(*max)))),
                );
            }
            Check::SamePlace { a, b } => {
                push(Rule::SamePlace, b, Msg::SamePlace(a.clone()), col(a).eq(col(b)));
            }
            Check::MinAge { date, years, exempt, exempt_values } => {
                // Born on or before this day `years` ago.
                let latest = ctx
                    .issue_date
                    .with_year(ctx.issue_date.year() - years)
                    .or_else(|| NaiveDate::from_ymd_opt(ctx.issue_date.year() - years, 2, 28))
                    .unwrap_or(ctx.issue_date);
                let mut young = col(h(date, "d")).cast(DataType::Int32).gt(lit(days(latest)));
                if let Some(e) = exempt {
                    young = young.and(col(e).is_in(str_series(exempt_values.clone()), false).fill_null(lit(false)).not());
                }
                push(Rule::MinAge, date, Msg::MinAge { years: *years, exempt: exempt.clone() }, young);
            }
        }
    }
    // Several applications for one subject in the batch: the first wins.
    let s = schema.columns[schema.subject].name.as_str();
    let subject_ok = if matches!(schema.columns[schema.subject].ty, ColType::Nik | ColType::Kk) { ok(s) } else { present(s) };
    if schema.group {
        // Seen before in the batch, but not in this application: another
        // application has this person. (`__key`: application + value, see `group_keys`.)
        push(
            Rule::DuplicateSubject,
            s,
            Msg::DuplicateSubject,
            subject_ok.clone().and(col(s).is_first_distinct().not()).and(col(h(s, "key")).is_first_distinct()),
        );
        for c in schema.columns.iter().filter(|c| c.member && c.ty == ColType::Nik) {
            push(Rule::DuplicateMember, &c.name, Msg::Plain, ok(&c.name).and(col(h(&c.name, "key")).is_first_distinct().not()));
        }
        // Per-application facts come from Rust (see `group_facts`): the
        // application's first row, its size and its heads, one column each;
        // a gather by row index is far cheaper than a window per column.
        let first = col("__first");
        for c in schema.columns.iter().filter(|c| !c.member && c.ty != ColType::Id) {
            let f = col(&c.name);
            let differs = f.clone().gather(col("__fr"), false).neq_missing(f);
            push(Rule::GroupMismatch, &c.name, Msg::GroupMismatch, first.clone().not().and(differs));
        }
        let size = col("__size");
        push(Rule::GroupSize, &schema.columns[schema.id].name, Msg::GroupSize(schema.max_members), first.clone().and(size.gt(lit(schema.max_members as u32))));
        if let Some((hc, hv)) = &schema.head {
            push(Rule::HeadCount, &schema.columns[*hc].name, Msg::HeadCount(hv.clone()), first.and(col("__heads").neq(lit(1u32))));
        }
    } else {
        push(Rule::DuplicateSubject, s, Msg::DuplicateSubject, subject_ok.and(col(s).is_first_distinct().not()));
    }
    Ok(rules)
}

/// Application index per row: rows sharing an ID form one application,
/// numbered in order of first appearance. A row without an ID is its own
/// application (and rejected: the ID is required).
pub fn group_rows(ids: &StringChunked, group: bool) -> (Vec<u32>, usize) {
    if !group {
        return ((0..ids.len() as u32).collect(), ids.len());
    }
    let mut seen: HashMap<&str, u32> = HashMap::with_capacity(ids.len() / 2);
    let mut next = 0u32;
    let out = ids
        .iter()
        .map(|id| {
            let mut new = || {
                next += 1;
                next - 1
            };
            match id {
                Some(s) => *seen.entry(s).or_insert_with(new),
                None => new(),
            }
        })
        .collect();
    (out, next as usize)
}

/// Group kinds: "application|value" of the subject and of each member NIK
/// column, computed once as `<c>__key` (the subject is usually one of them).
fn group_keys(schema: &Schema) -> Vec<Expr> {
    let mut cols: Vec<&str> = vec![schema.columns[schema.subject].name.as_str()];
    for c in schema.columns.iter().filter(|c| c.member && c.ty == ColType::Nik) {
        if !cols.contains(&c.name.as_str()) {
            cols.push(&c.name);
        }
    }
    cols.into_iter()
        .map(|c| concat_str([col("__g").cast(DataType::String), lit("|"), col(c)], "", false).alias(h(c, "key")))
        .collect()
}

/// Per row: the index of its application's first row, the application's
/// row count and its number of heads.
fn group_facts(groups: &[u32], apps: usize, heads: Option<(&StringChunked, &str)>) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let mut first = vec![u32::MAX; apps];
    let mut size = vec![0u32; apps];
    let mut head = vec![0u32; apps];
    for (r, g) in groups.iter().enumerate() {
        let g = *g as usize;
        if first[g] == u32::MAX {
            first[g] = r as u32;
        }
        size[g] += 1;
        if let Some((c, v)) = heads {
            if c.get(r) == Some(v) {
                head[g] += 1;
            }
        }
    }
    let per_row = |x: &[u32]| groups.iter().map(|g| x[*g as usize]).collect();
    (per_row(&first), per_row(&size), per_row(&head))
}

/// Validate a batch of one kind. The batch's frame is taken (its memory
/// is released as soon as the cleaned copy exists); its sources stay.
pub fn validate(batch: &mut Batch, schema: &Schema, ctx: &Context) -> Result<Validated> {
    let raw = std::mem::take(&mut batch.df);
    let batch = &*batch;
    let fail = |e: PolarsError| Error::batch(&batch.files[0], format!("validation failed: {e}"));
    let names: Vec<&str> = schema.names().collect();
    let t0 = std::time::Instant::now();
    // Stage 1: trimmed values, empty = missing.
    let clean: Vec<Expr> = names
        .iter()
        .map(|n| {
            let t = col(*n).str().strip_chars(lit(NULL));
            when(t.clone().eq(lit(""))).then(lit(NULL).cast(DataType::String)).otherwise(t).alias(*n)
        })
        .collect();
    let mut df = raw.lazy().with_columns(clean).collect().map_err(fail)?;
    for c in schema.columns.iter().filter(|c| is_free_text(c.ty)) {
        text_facts(&mut df, &c.name, ctx.can_print).map_err(fail)?;
    }
    let id_col = df.column(names[schema.id]).and_then(|c| c.str().cloned()).map_err(fail)?;
    let (groups, applications) = group_rows(&id_col, schema.group);
    df.with_column(Column::new("__g".into(), &groups)).map_err(fail)?;
    if schema.group {
        let head_col = match &schema.head {
            Some((hc, _)) => Some(df.column(names[*hc]).and_then(|c| c.str().cloned()).map_err(fail)?),
            None => None,
        };
        let hv = schema.head.as_ref().map(|(_, v)| v.as_str()).unwrap_or("");
        let (first, size, heads) = group_facts(&groups, applications, head_col.as_ref().map(|c| (c, hv)));
        for (name, v) in [("__fr", first), ("__size", size), ("__heads", heads)] {
            df.with_column(Column::new(name.into(), v)).map_err(fail)?;
        }
    }
    // Stage 2: helper columns shared by the rules, computed once.
    let ids: Vec<&str> = schema.columns.iter().filter(|c| matches!(c.ty, ColType::Nik | ColType::Kk)).map(|c| c.name.as_str()).collect();
    let mut helpers: Vec<Expr> = ids.iter().flat_map(|f| id_helpers(f)).collect();
    for c in schema.columns.iter().filter(|c| c.ty == ColType::Date) {
        // Exactly YYYY-MM-DD: chrono's %Y and %m also take "+2023" and
        // "9", so "2023-9-22" and "+2023-11-13" would pass as dates that
        // the export did not write (the DATE_FORMAT rule rejects them).
        let exact = col(&c.name).str().contains(lit(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), true).fill_null(lit(false));
        let parsed = col(&c.name).str().to_date(StrptimeOptions { format: Some("%Y-%m-%d".into()), strict: false, exact: true, cache: false });
        helpers.push(when(exact).then(parsed).otherwise(lit(NULL).cast(DataType::Date)).alias(h(&c.name, "d")));
    }
    helpers.push(col("__g").is_first_distinct().alias("__first"));
    if schema.group {
        helpers.extend(group_keys(schema));
    }
    let day_exprs: Vec<Expr> = schema
        .columns
        .iter()
        .filter(|c| matches!(c.ty, ColType::Nik | ColType::Kk))
        .map(|c| id_day(&c.name, c.ty == ColType::Nik))
        .collect();
    let date_ok: Vec<Expr> = ids.iter().map(|f| id_date_valid(f)).collect();
    let rules = rules(schema, ctx).map_err(fail)?;
    let mut select: Vec<Expr> = names.iter().map(|n| col(*n)).collect();
    select.extend(rules.iter().enumerate().map(|(i, r)| r.violated.clone().fill_null(lit(false)).alias(format!("__rule{i}"))));
    let out = df
        .lazy()
        .with_columns(helpers)
        .with_columns(day_exprs)
        .with_columns(date_ok)
        .select(select)
        .collect()
        .map_err(fail)?;
    let height = out.height();
    tracing::debug!("validate: {height} rows, {} rules evaluated in {:.3} s", rules.len(), t0.elapsed().as_secs_f64());
    let flags: Vec<&BooleanChunked> = (0..rules.len())
        .map(|i| out.column(&format!("__rule{i}")).and_then(|c| c.bool()))
        .collect::<PolarsResult<_>>()
        .map_err(fail)?;
    let mut bad_app = vec![false; applications];
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for (ri, f) in flags.iter().enumerate() {
        for (row, v) in f.iter().enumerate() {
            if v == Some(true) {
                bad_app[groups[row] as usize] = true;
                hits.push((row, ri));
            }
        }
    }
    hits.sort_unstable();
    let get = |c: &str, row: usize| -> Option<String> {
        out.column(c).ok().and_then(|s| s.str().ok()).and_then(|s| s.get(row)).map(str::to_string)
    };
    let env = messages::Env { schema, region: ctx.region, issue_date: ctx.issue_date, can_print: ctx.can_print };
    // Members and heads per application, counted once if a rule needs them.
    let counts: Option<(Vec<usize>, Vec<usize>)> = hits.iter().any(|(_, ri)| matches!(rules[*ri].code, Rule::GroupSize | Rule::HeadCount)).then(|| {
        let mut size = vec![0usize; applications];
        let mut heads = vec![0usize; applications];
        let head_col = schema.head.as_ref().and_then(|(hc, _)| out.column(names[*hc]).ok()).and_then(|c| c.str().ok());
        for (r, g) in groups.iter().enumerate() {
            size[*g as usize] += 1;
            if let (Some(hcol), Some((_, hv))) = (head_col, &schema.head) {
                if hcol.get(r) == Some(hv.as_str()) {
                    heads[*g as usize] += 1;
                }
            }
        }
        (size, heads)
    });
    let mut rejects = Vec::with_capacity(hits.len());
    for (row, ri) in hits {
        let rule = &rules[ri];
        let g = groups[row] as usize;
        let value = match (rule.code, &counts) {
            (Rule::GroupSize, Some((size, _))) => size[g].to_string(),
            (Rule::HeadCount, Some((_, heads))) => heads[g].to_string(),
            _ => get(&rule.field, row).unwrap_or_default(),
        };
        let value = crate::error::clip(&value, MAX_VALUE_CHARS);
        rejects.push(Reject {
            row,
            app: g,
            application_id: crate::error::clip(&get(names[schema.id], row).unwrap_or_default(), MAX_VALUE_CHARS),
            service_point: crate::error::clip(&get(names[schema.service_point], row).unwrap_or_default(), MAX_VALUE_CHARS),
            source: batch.source(row),
            rule: rule.code,
            message: messages::message(rule.code, &rule.field, &rule.msg, &value, &|c| get(c, row), &env),
            field: rule.field.clone(),
            value,
        });
    }
    tracing::debug!("validate: {} rejects worded at {:.3} s", rejects.len(), t0.elapsed().as_secs_f64());
    let keep_row: Vec<bool> = groups.iter().map(|g| !bad_app[*g as usize]).collect();
    let cleaned = out.select(names.iter().copied()).map_err(fail)?;
    drop(out);
    tracing::debug!("validate: accepted frame at {:.3} s", t0.elapsed().as_secs_f64());
    let accepted_rows: Vec<usize> = (0..height).filter(|r| keep_row[*r]).collect();
    let accepted_apps = accepted_rows.iter().map(|r| groups[*r] as usize).collect();
    Ok(Validated {
        cleaned,
        accepted_rows,
        accepted_apps,
        rejects,
        rows: height,
        applications,
        rejected_applications: bad_app.iter().filter(|b| **b).count(),
    })
}

/// Late registration: more than `after_days` between the event and issue
/// (a birth: 60 days, Perpres 96/2018).
pub fn is_late(event: NaiveDate, issue: NaiveDate, after_days: i64) -> bool {
    (issue - event).num_days() > after_days
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
