//! Untrusted text made safe to show a person.
//!
//! Everything a verifier prints comes from the document under test: names
//! in a QR, text on a page, file names in a run directory. A forger can put
//! escape sequences there (clear the screen, paint "GENUINE"), or
//! right-to-left overrides and invisible characters that make one text
//! read as another. Control and Unicode format characters are shown as
//! `\u{…}`; nothing else changes, so applying it twice is harmless.

/// Whether `c` must not reach a terminal or a page as it is.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// `s` with every control and format character written as `\u{XXXX}`.
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
        assert_eq!(shown("Łucja Zoë 李"), "Łucja Zoë 李");
        assert_eq!(shown("\u{1b}[2J\u{1b}[HGENUINE"), "\\u{001B}[2J\\u{001B}[HGENUINE");
        assert_eq!(shown("AB\u{202E}CD"), "AB\\u{202E}CD");
        assert_eq!(shown("A\u{200B}B\u{FEFF}\r\n"), "A\\u{200B}B\\u{FEFF}\\u{000D}\\u{000A}");
        assert_eq!(shown(&shown("\u{7}x")), shown("\u{7}x"), "idempotent");
        assert_eq!(shown("\u{9b}31m"), "\\u{009B}31m", "C1 control sequence introducer");
    }

    #[test]
    fn json_strings_and_keys_are_escaped() {
        let v = serde_json::json!({"a\u{1b}": ["x\u{202E}y", 3]});
        assert_eq!(shown_json(v).to_string(), r#"{"a\\u{001B}":["x\\u{202E}y",3]}"#);
    }
}
