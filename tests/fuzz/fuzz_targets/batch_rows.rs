//! The batch reader's row handling on arbitrary rows below a valid birth
//! header: parsing (quotes, line map), matching columns by name, and every
//! validation rule must turn any bytes into rows and rejects or a clear
//! error — never a panic. (Also run as Parquet bytes, for that reader.)
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use terbit::input::batch::{self, Columns};
use terbit::kind::region::Region;
use terbit::kind::template::Templates;
use terbit::input::validate::{self, Context};

struct Setup {
    templates: Templates,
    region: Region,
    header: String,
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        let templates = Templates::embedded();
        let header = templates.get("birth").map(|t| t.schema.names().collect::<Vec<_>>().join(",")).unwrap_or_default();
        Setup { templates, region: Region::kediri(), header }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let Some(t) = s.templates.get("birth") else { return };
    let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let ctx = Context { region: &s.region, issue_date: date, can_print: terbit::pdf::fonts::can_draw };
    let mut bytes = format!("{}\n", s.header).into_bytes();
    bytes.extend_from_slice(data);
    for (name, input) in [("fuzz.csv", bytes), ("fuzz.parquet", data.to_vec())] {
        let Ok(raw) = batch::parse_raw(Path::new(name), input, Some(&Columns::of(&t.schema))) else { continue };
        let Ok(mut b) = batch::assemble(vec![raw], &Columns::of(&t.schema), 7) else { continue };
        if let Ok(v) = validate::validate(&mut b, &t.schema, &ctx) {
            // Every application ends accepted or rejected, never both.
            let accepted: std::collections::BTreeSet<usize> = v.accepted_apps.iter().copied().collect();
            assert_eq!(accepted.len() + v.rejected_applications, v.applications);
        }
    }
});
