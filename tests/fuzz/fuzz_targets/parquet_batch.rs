//! The Parquet batch reader on files it has never seen: the fuzz input is a
//! recipe for a Parquet file — which columns (the birth kind's, and extra
//! ones), of which types (text, integers, floats, booleans, dates,
//! timestamps with and without a zone, lists, structs), with which values —
//! written with polars, then read, matched, validated; and the same file
//! with a few bytes changed, read again. Any file must give rows and
//! rejects or a named error: never a panic, never unbounded memory.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use polars::prelude::*;
use terbit::input::batch::{self, Columns};
use terbit::input::validate::{self, Context};
use terbit::kind::region::Region;
use terbit::kind::template::Templates;

struct Setup {
    templates: Templates,
    region: Region,
    names: Vec<String>,
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        // terbit catches polars' panics on damaged files and names them;
        // a caught panic must not abort the run (libFuzzer's hook would).
        // One that escapes still fails the input.
        std::panic::set_hook(Box::new(|_| {}));
        let templates = Templates::embedded();
        let names = templates.get("birth").map(|t| t.schema.names().map(String::from).collect()).unwrap_or_default();
        Setup { templates, region: Region::kediri(), names }
    })
}

/// Reads the recipe byte by byte (zeros once it runs out).
struct Recipe<'a>(&'a [u8]);

impl Recipe<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn text(&mut self) -> String {
        let n = (self.byte() % 24) as usize;
        (0..n).map(|_| self.byte()).map(|b| if b.is_ascii_graphic() || b == b' ' { b as char } else { char::from_u32(0x80 + b as u32).unwrap_or('?') }).collect()
    }
}

fn column(r: &mut Recipe, name: &str, rows: usize) -> Column {
    let name: PlSmallStr = name.into();
    match r.byte() % 9 {
        0 => Column::new(name, (0..rows).map(|_| r.text()).collect::<Vec<_>>()),
        1 => Column::new(name, (0..rows).map(|_| i64::from_le_bytes([r.byte(), r.byte(), 0, 0, 0, 0, 0, r.byte()])).collect::<Vec<_>>()),
        2 => Column::new(name, (0..rows).map(|_| f64::from(r.byte()) / 3.0).collect::<Vec<_>>()),
        3 => Column::new(name, (0..rows).map(|_| r.byte() % 2 == 0).collect::<Vec<_>>()),
        4 => Column::new(name, (0..rows).map(|_| i32::from(r.byte()) * 97).collect::<Vec<_>>())
            .cast(&DataType::Date)
            .unwrap_or_else(|_| Column::full_null("x".into(), rows, &DataType::String)),
        5 | 6 => {
            let zone = (r.byte() % 2 == 0).then(|| TimeZone::opt_try_new(Some("Asia/Jakarta")).ok().flatten().unwrap_or(TimeZone::UTC));
            let unit = [TimeUnit::Milliseconds, TimeUnit::Microseconds, TimeUnit::Nanoseconds][(r.byte() % 3) as usize];
            Column::new(name, (0..rows).map(|_| i64::from(r.byte()) * 86_400_000 * 13).collect::<Vec<_>>())
                .cast(&DataType::Datetime(unit, zone))
                .unwrap_or_else(|_| Column::full_null("x".into(), rows, &DataType::String))
        }
        7 => {
            let lists: Vec<Series> = (0..rows).map(|_| Series::new("".into(), (0..r.byte() % 4).map(|b| b as i64).collect::<Vec<_>>())).collect();
            Column::new(name, lists)
        }
        _ => Column::full_null(name, rows, &DataType::String),
    }
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let Some(t) = s.templates.get("birth") else { return };
    let mut r = Recipe(data);
    let rows = (r.byte() % 8) as usize;
    let mut cols = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for _ in 0..(r.byte() % 18) {
        // A birth column (so the header fits the kind), or an extra one.
        let pick = r.byte() as usize;
        let name = match s.names.get(pick % (s.names.len() + 4)) {
            Some(n) => n.clone(),
            None => format!("extra{}", pick % 7),
        };
        if used.insert(name.clone()) {
            cols.push(column(&mut r, &name, rows));
        }
    }
    let Ok(mut df) = DataFrame::new(rows, cols) else { return };
    let mut bytes = Vec::new();
    if ParquetWriter::new(&mut bytes).finish(&mut df).is_err() {
        return;
    }
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let ctx = Context { region: &s.region, issue_date: date, can_print: terbit::pdf::fonts::can_draw };
    let columns = Columns::of(&t.schema);
    // The file as written, then with a few bytes changed where the recipe says.
    let mut damaged = bytes.clone();
    for _ in 0..(r.byte() % 4) {
        if damaged.is_empty() {
            break;
        }
        let at = (usize::from(r.byte()) << 8 | usize::from(r.byte())) % damaged.len();
        damaged[at] ^= r.byte() | 1;
    }
    for input in [bytes, damaged] {
        let Ok(raw) = batch::parse_raw(Path::new("fuzz.parquet"), input, Some(&columns)) else { continue };
        let Ok(mut b) = batch::assemble(vec![raw], &columns, 7) else { continue };
        if let Ok(v) = validate::validate(&mut b, &t.schema, &ctx) {
            let accepted: std::collections::BTreeSet<usize> = v.accepted_apps.iter().copied().collect();
            assert_eq!(accepted.len() + v.rejected_applications, v.applications);
        }
    }
});
