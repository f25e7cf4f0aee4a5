//! Untrusted text made safe to show a person: the one definition of what
//! terbit shows escaped, wherever it shows text it did not write itself.
//!
//! Everything a verifier prints comes from the document under test: names
//! in a QR, text on a page, file names in a run directory; everything a run
//! report quotes comes from the night's export. A forger (or a damaged
//! export) can put escape sequences there (clear the screen, paint
//! "GENUINE"), right-to-left overrides that reverse the rest of a line, or
//! invisible characters that make one text read as another.
//!
//! **The rule.** A character is *hidden* ([`is_hidden`]) when Unicode
//! gives it general category Cc (controls: C0, DEL, C1), Cf (format
//! characters: bidi embeddings, overrides, isolates and marks, zero-width
//! space and joiners, the byte-order mark, soft hyphen, tags, …), Zl or Zp
//! (U+2028, U+2029), or the property Default_Ignorable_Code_Point (U+034F,
//! Hangul fillers, variation selectors, …); it is then written as
//! `\u{XXXX}` (upper-case hex, at least four digits). The table, its
//! Unicode version and where it comes from are `util/escape.rs`, the one
//! definition: the input rules (`input/chars.rs`) use its Cf part and the
//! clerks' page a module generated from it.
//!
//! Nothing else changes (letters of every script, spaces, punctuation,
//! a backslash), so applying [`shown`] twice is harmless. A `\u{…}` in the
//! output is either such a character or those very characters in the
//! input: the output is for people, the input file holds the original.

pub use super::escape::{is_format, is_hidden};

/// `s` with every hidden character ([`is_hidden`]) written as `\u{XXXX}`.
pub fn shown(s: &str) -> String {
    if !s.chars().any(is_hidden) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hidden(c) {
            out.push_str(&format!("\\u{{{:04X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`shown`], clipped to `max` characters first.
pub fn clip_shown(s: &str, max: usize) -> String {
    shown(&crate::error::clip(s, max))
}

/// Every string in a JSON value made [`shown`] (keys included).
pub fn shown_json(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(shown(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(shown_json).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (shown(&k), shown_json(v))).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_bidi_but_keeps_letters() {
        assert_eq!(shown("SITI AMINAH"), "SITI AMINAH");
        assert_eq!(shown("Łucja Zoë 李 علي \\ a\u{A0}b"), "Łucja Zoë 李 علي \\ a\u{A0}b", "letters, no-break space, backslash");
        assert_eq!(shown("\u{1b}[2J\u{1b}[HGENUINE"), "\\u{001B}[2J\\u{001B}[HGENUINE");
        assert_eq!(shown("AB\u{202E}CD"), "AB\\u{202E}CD");
        assert_eq!(shown("A\u{200B}B\u{FEFF}\r\n"), "A\\u{200B}B\\u{FEFF}\\u{000D}\\u{000A}");
        assert_eq!(shown(&shown("\u{7}x")), shown("\u{7}x"), "idempotent");
        assert_eq!(shown("\u{9b}31m"), "\\u{009B}31m", "C1 control sequence introducer");
        assert_eq!(shown("\u{E0041}"), "\\u{E0041}", "five hex digits where needed");
    }

    #[test]
    fn the_rule_exactly() {
        // Cc: C0, DEL, C1.
        for c in (0x00..=0x1F).chain(0x7F..=0x9F) {
            assert!(is_hidden(char::from_u32(c).unwrap()), "U+{c:04X}");
        }
        // Bidi embeddings, overrides, isolates and marks.
        for c in [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C] {
            assert!(is_hidden(char::from_u32(c).unwrap()) && is_format(char::from_u32(c).unwrap()), "U+{c:04X}");
        }
        // Zero-width and invisible: ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft
        // hyphen, invisible times, CGJ, Hangul filler, variation selectors, tags.
        for c in [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x2062, 0x034F, 0x3164, 0x115F, 0xFE0F, 0xE0100, 0xE0041, 0x180E, 0x0600, 0x13430] {
            assert!(is_hidden(char::from_u32(c).unwrap()), "U+{c:04X}");
        }
        // Line and paragraph separators.
        assert!(is_hidden('\u{2028}') && is_hidden('\u{2029}'));
        // What stays: letters, marks that draw, spaces, symbols, private use.
        for c in [' ', 'a', 'é', '\u{0301}', '\u{00A0}', '\u{3000}', '\u{2011}', '\u{200A}', '\u{FFFD}', '\u{FFFC}', '\u{E000}', '😀', '\u{0640}', '\u{2800}'] {
            assert!(!is_hidden(c), "U+{:04X}", c as u32);
        }
        // Cf is hidden, and no control is counted as Cf.
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert!(!is_format(c) || is_hidden(c), "U+{:04X}", c as u32);
            assert!(!(is_format(c) && c.is_control()), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn json_strings_and_keys_are_escaped() {
        let v = serde_json::json!({"a\u{1b}": ["x\u{202E}y", 3]});
        assert_eq!(shown_json(v).to_string(), r#"{"a\\u{001B}":["x\\u{202E}y",3]}"#);
    }
}
