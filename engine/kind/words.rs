//! Indonesian wording of numbers and dates, as civil documents print them:
//! "23 Juni 2021" and "dua puluh tiga Juni dua ribu dua puluh satu".
//! Pure functions; the templates call them through formatters.

use chrono::{Datelike, NaiveDate};

/// Indonesian month names.
pub const MONTHS: [&str; 12] = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
];

const UNITS: [&str; 12] = [
    "", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
    "sebelas",
];

/// A non-negative integer in Indonesian words ("nol" for zero).
pub fn number(n: u64) -> String {
    if n == 0 {
        return "nol".to_string();
    }
    spell(n)
}

fn spell(n: u64) -> String {
    let join = |a: String, b: u64| {
        if b == 0 {
            a
        } else {
            format!("{} {}", a, spell(b))
        }
    };
    match n {
        0..=11 => UNITS[n as usize].to_string(),
        12..=19 => format!("{} belas", UNITS[(n - 10) as usize]),
        20..=99 => join(format!("{} puluh", UNITS[(n / 10) as usize]), n % 10),
        100..=199 => join("seratus".to_string(), n - 100),
        200..=999 => join(format!("{} ratus", UNITS[(n / 100) as usize]), n % 100),
        1000..=1999 => join("seribu".to_string(), n - 1000),
        2000..=999_999 => join(format!("{} ribu", spell(n / 1000)), n % 1000),
        1_000_000..=999_999_999 => join(format!("{} juta", spell(n / 1_000_000)), n % 1_000_000),
        _ => join(
            format!("{} miliar", spell(n / 1_000_000_000)),
            n % 1_000_000_000,
        ),
    }
}

/// "23 Juni 2021".
pub fn date_long(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), MONTHS[d.month0() as usize], d.year())
}

/// "dua puluh tiga Juni dua ribu dua puluh satu".
pub fn date_words(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        number(d.day() as u64),
        MONTHS[d.month0() as usize],
        number(d.year().max(0) as u64)
    )
}

/// Indonesia's name for the time `offset_hours` east of UTC: WIB (+7),
/// WITA (+8), WIT (+9); elsewhere "UTC+h" (or "UTC−h").
pub fn zone_name(offset_hours: i32) -> String {
    match offset_hours {
        7 => "WIB".into(),
        8 => "WITA".into(),
        9 => "WIT".into(),
        h if h < 0 => format!("UTC\u{2212}{}", -h),
        h => format!("UTC+{h}"),
    }
}

/// An instant (seconds since 1970, UTC) at `offset_hours` east of UTC, as
/// an Indonesian office writes it: "6 Desember 2026, 07.00 WIB".
pub fn date_time_long(epoch: i64, offset_hours: i32) -> String {
    let Some(t) = chrono::DateTime::from_timestamp(epoch + i64::from(offset_hours) * 3600, 0) else {
        return epoch.to_string();
    };
    let t = t.naive_utc();
    format!("{}, {} {}", date_long(t.date()), t.format("%H.%M"), zone_name(offset_hours))
}

/// NIK and KK numbers are printed in groups for reading aloud:
/// "3506 0112 0524 0001".
pub fn group_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A date as stored after validation (accepted rows always parse).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(number(0), "nol");
        assert_eq!(number(1), "satu");
        assert_eq!(number(11), "sebelas");
        assert_eq!(number(12), "dua belas");
        assert_eq!(number(23), "dua puluh tiga");
        assert_eq!(number(100), "seratus");
        assert_eq!(number(115), "seratus lima belas");
        assert_eq!(number(1000), "seribu");
        assert_eq!(number(1988), "seribu sembilan ratus delapan puluh delapan");
        assert_eq!(number(2021), "dua ribu dua puluh satu");
        assert_eq!(number(2000), "dua ribu");
        assert_eq!(number(219_293), "dua ratus sembilan belas ribu dua ratus sembilan puluh tiga");
        assert_eq!(number(1_000_000), "satu juta");
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2021, 6, 23).unwrap();
        assert_eq!(date_long(d), "23 Juni 2021");
        assert_eq!(date_words(d), "dua puluh tiga Juni dua ribu dua puluh satu");
        assert_eq!(group_digits("3506011205240001"), "3506 0112 0524 0001");
    }

    #[test]
    fn times_in_the_regions_zone() {
        // 2026-12-06T00:00:00Z, the issue time of a night's documents.
        let t = 1_796_515_200;
        assert_eq!(date_time_long(t, 7), "6 Desember 2026, 07.00 WIB");
        assert_eq!(date_time_long(t, 8), "6 Desember 2026, 08.00 WITA");
        assert_eq!(date_time_long(t + 19 * 3600 + 5 * 60, 9), "7 Desember 2026, 04.05 WIT");
        assert_eq!(date_time_long(t, -3), "5 Desember 2026, 21.00 UTC\u{2212}3");
        assert_eq!(zone_name(0), "UTC+0");
    }
}
