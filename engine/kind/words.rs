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

/// The hours east of UTC of a district (regency or city code, "3506"),
/// from its province, the code's first two digits: Sumatra, Java, West and
/// Central Kalimantan keep WIB (+7); Bali, Nusa Tenggara, South, East and
/// North Kalimantan and Sulawesi WITA (+8); Maluku and Papua WIT (+9).
/// `None` for a code of no known province. The verifier page has the same
/// rule (engine/clerk_page/web/src/time.js; tested equal below).
pub fn utc_offset_of_district(code: &str) -> Option<i32> {
    const WIB: [&str; 18] = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "61", "62"];
    const WITA: [&str; 12] = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"];
    const WIT: [&str; 8] = ["81", "82", "91", "92", "93", "94", "95", "96"];
    let p = code.get(..2).filter(|p| p.bytes().all(|b| b.is_ascii_digit()))?;
    [(7, &WIB[..]), (8, &WITA[..]), (9, &WIT[..])].into_iter().find(|(_, set)| set.contains(&p)).map(|(h, _)| h)
}

/// An instant in a district's zone beside the exact UTC instant:
/// "7 Desember 2026, 02.00 WIB (2026-12-06T19:00:00Z)"; the UTC instant
/// alone for a district of no known province.
pub fn local_and_utc(epoch: i64, district: &str) -> String {
    let utc = chrono::DateTime::from_timestamp(epoch, 0).map_or_else(|| epoch.to_string(), |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    match utc_offset_of_district(district) {
        Some(h) => format!("{} ({utc})", date_time_long(epoch, h)),
        None => utc,
    }
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
    fn a_districts_zone_follows_its_province_as_on_the_verifier_page() {
        assert_eq!(utc_offset_of_district("3506"), Some(7));
        assert_eq!(utc_offset_of_district("5171"), Some(8));
        assert_eq!(utc_offset_of_district("9471"), Some(9));
        assert_eq!(utc_offset_of_district("99"), None);
        assert_eq!(utc_offset_of_district("x"), None);
        // The page's sets, read from its source: every province the same.
        let js = include_str!("../clerk_page/web/src/time.js");
        for (name, hours) in [("WIB", 7), ("WITA", 8), ("WIT", 9)] {
            let decl = format!("const {name} = new Set([");
            let at = js.find(&decl).expect("time.js declares the set") + decl.len();
            let list = &js[at..at + js[at..].find(']').unwrap()];
            let codes: Vec<&str> = list.split(',').map(|c| c.trim().trim_matches('\'')).collect();
            assert!(!codes.is_empty());
            for c in &codes {
                assert_eq!(utc_offset_of_district(&format!("{c}01")), Some(hours), "{c}");
            }
            let ours = (10..100).filter(|p| utc_offset_of_district(&p.to_string()) == Some(hours)).count();
            assert_eq!(ours, codes.len(), "{name}");
        }
        let t = 1_796_583_600; // 2026-12-06T19:00:00Z
        assert_eq!(local_and_utc(t, "3506"), "7 Desember 2026, 02.00 WIB (2026-12-06T19:00:00Z)");
        assert_eq!(local_and_utc(t, "0000"), "2026-12-06T19:00:00Z");
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
