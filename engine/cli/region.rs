//! The region a command works for and the day it is there: the region
//! file (or the embedded one), its templates with their overrides, today
//! where the region is, and the issue date of a night.

use std::path::Path;

use anyhow::{bail, Context as _, Result};
use chrono::{NaiveDate, Utc};
use terbit::kind::region::Region;

/// The region file given, else the embedded Kabupaten Kediri.
pub(crate) fn load_region(path: Option<&Path>) -> Result<Region> {
    Ok(match path {
        Some(p) => Region::load(p)?,
        None => Region::kediri(),
    })
}

/// Today's date where the region is.
/// Now, epoch seconds: `SOURCE_DATE_EPOCH` when set (a reproducible run:
/// the run's recorded start, and so its time-stamps, are then that time),
/// else the wall clock.
pub(crate) fn clock() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => s.trim().parse().with_context(|| format!("SOURCE_DATE_EPOCH={s:?} is not a number of seconds")),
        Err(_) => Ok(Utc::now().timestamp()),
    }
}

pub(crate) fn today(region: &Region) -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(region.utc_offset_hours as i64)).date_naive()
}

/// Issue date and issue time: --issued-on, else SOURCE_DATE_EPOCH, else today.
pub(crate) fn issue_time(region: &Region, issued_on: Option<NaiveDate>) -> Result<(NaiveDate, i64)> {
    if let Some(d) = issued_on {
        // A date a year or more ahead is a typing mistake (2062 for 2026),
        // not a plan; any other date is allowed (an old night issued late),
        // and the report says how far it is from the day the run ran.
        let today = today(region);
        let days = (d - today).num_days();
        if days > 366 {
            bail!("--issued-on {d} is more than a year after today ({today}): a typing mistake? Documents carry this date");
        }
        refuse_before_2000(d, "--issued-on")?;
        return Ok((d, terbit::model::midnight_utc(d)));
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        let epoch: i64 = s.trim().parse().with_context(|| format!("SOURCE_DATE_EPOCH={s:?} is not a number of seconds"))?;
        let local = chrono::DateTime::from_timestamp(epoch + region.utc_offset_hours as i64 * 3600, 0)
            .context("SOURCE_DATE_EPOCH out of range")?;
        refuse_before_2000(local.date_naive(), &format!("SOURCE_DATE_EPOCH={epoch}"))?;
        return Ok((local.date_naive(), epoch));
    }
    let d = today(region);
    Ok((d, terbit::model::midnight_utc(d)))
}

/// No document terbit issues is dated before 2000 (a register, a key, a
/// civil-registration system of this kind did not exist): such a date is a
/// mistake (a year 0001, a negative epoch), and documents would carry it.
fn refuse_before_2000(d: NaiveDate, given: &str) -> Result<()> {
    if d < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default() {
        bail!("{given}: the issue date {d} is before 2000-01-01: a mistake? Documents carry this date");
    }
    Ok(())
}

/// The region's templates with `--template KIND=FILE` overrides, `--kind` checked.
pub(crate) fn templates_for(region: &Region, overrides: &[String], kind: Option<&str>, origin: impl Fn(&str) -> String) -> Result<terbit::kind::template::Templates> {
    let mut templates = region.templates()?;
    // A flag overrides the settings file's template for its kind; one
    // source naming a kind twice is a mistake, not an override.
    let mut named: Vec<(&str, String, &str)> = Vec::new();
    for t in overrides {
        let Some((k, file)) = t.split_once('=') else {
            bail!("--template {t:?}: give KIND=FILE, e.g. birth=templates/birth.toml");
        };
        let from = origin(t);
        if let Some((_, _, first)) = named.iter().find(|(kind, o, _)| *kind == k && *o == from) {
            bail!("the template of {k:?} is given twice ({from}): {first} and {t}; give one");
        }
        if templates.get(k).is_none() {
            bail!("--template {t:?}: {k:?} is not a document kind ({})", terbit::kind::Kind::names());
        }
        templates.set(k, Path::new(file)).with_context(|| format!("the template {t} ({from})"))?;
        named.push((k, from, t));
    }
    if let Some(k) = kind {
        if templates.get(k).is_none() {
            bail!("--kind {k:?}: kinds are {}", terbit::kind::Kind::names());
        }
    }
    Ok(templates)
}
