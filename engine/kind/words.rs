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
}
