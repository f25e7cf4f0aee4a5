//! `terbit stats`: documents issued per day, kind and service point.

use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::NaiveDate;
use terbit::issue::settings::{Flags, For};
use terbit::util::show::clip_shown;

use super::args::StatsArgs;
use super::region::{load_region, today};

pub(crate) fn run(a: StatsArgs) -> Result<ExitCode> {
    let settings = super::settings(a.config.as_deref(), Flags { register: a.register, ..Flags::default() }, For::Other)?;
    // "Today" where the region is: a night issued between 00:00 and
    // 07:00 WIB is still yesterday in UTC.
    let region = load_region(settings.region_file())?;
    stats(&settings.register.existing_register()?, a.from, a.to, today(&region), region.utc_offset_hours, a.json)
}

/// `register` is there ([`run`] checked it); `today` is today where the region
/// is (`offset_hours` east of UTC), so that the default range holds a night
/// issued before 07:00 WIB. Without --to the range has no end: nights
/// issued ahead (--issued-on a later date) are counted too.
pub(crate) fn stats(register: &terbit::numbering::register::Place, from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate, offset_hours: i32, json: bool) -> Result<ExitCode> {
    let from = from.unwrap_or_else(|| to.unwrap_or(today).min(today) - chrono::Days::new(29));
    if let Some(to) = to.filter(|to| from > *to) {
        bail!("--from {from} is after --to {to}");
    }
    let range = match to {
        Some(to) => format!("{from} to {to}"),
        None => format!("from {from} on"),
    };
    // The register compares dates as text: the last day of year 9999, not
    // chrono's MAX (written with a sign, it sorts before every date).
    let to = to.or(NaiveDate::from_ymd_opt(9999, 12, 31)).unwrap_or(today);
    let register = terbit::numbering::register::Register::open(register)?;
    let rows = register.stats(from, to)?;
    let runs = register.runs(from, to)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "issued": rows, "runs": runs }))?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<10}  {:<12}  {:<22}  {:>8}  {:>8}", "date", "kind", "service point", "issued", "revoked");
    let mut total = (0, 0);
    let mut by_kind: std::collections::BTreeMap<&str, i64> = Default::default();
    for r in &rows {
        // The register's text is shown, never obeyed: a shared database
        // may hold anything (escape sequences in a kind or service point).
        let c = |t: &str| clip_shown(t, 40);
        println!("{:<10}  {:<12}  {:<22}  {:>8}  {:>8}", c(&r.issue_date), c(&r.kind), c(&r.service_point), r.issued, r.revoked);
        total.0 += r.issued;
        total.1 += r.revoked;
        *by_kind.entry(&r.kind).or_default() += r.issued;
    }
    println!("{range}: {} documents issued, {} of them revoked or superseded since", total.0, total.1);
    for (k, n) in by_kind {
        println!("  {:<12} {n:>8}", clip_shown(k, 40));
    }
    // When each night really ran, beside the date its documents carry.
    if !runs.is_empty() {
        println!("runs (issue date, started, finished; {}):", terbit::kind::words::zone_name(offset_hours));
        for r in &runs {
            let finished = r.finished_at.as_deref().map_or_else(|| "not finished".to_string(), |t| local(t, offset_hours));
            println!("  {}  {}  {}  {}", clip_shown(&r.run_id, 40), clip_shown(&r.issue_date, 12), clip_shown(&local(&r.started_at, offset_hours), 40), clip_shown(&finished, 40));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A run's RFC 3339 time in the region's zone, "2026-12-07 02:00 WIB"
/// ("not recorded" for a run made without a clock, as the demo is;
/// anything else as it is).
fn local(rfc3339: &str, offset_hours: i32) -> String {
    if rfc3339.is_empty() {
        return "not recorded".into();
    }
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => {
            let at = t.naive_utc() + chrono::Duration::hours(i64::from(offset_hours));
            format!("{} {}", at.format("%Y-%m-%d %H:%M"), terbit::kind::words::zone_name(offset_hours))
        }
        Err(_) => terbit::util::show::clip_shown(rfc3339, 40),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_times_are_said_in_the_regions_zone() {
        assert_eq!(local("2026-12-06T19:00:00Z", 7), "2026-12-07 02:00 WIB");
        assert_eq!(local("2026-12-06T19:00:00Z", 9), "2026-12-07 04:00 WIT");
        assert_eq!(local("", 7), "not recorded");
    }
}
