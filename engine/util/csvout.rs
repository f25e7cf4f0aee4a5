//! CSV output (manifest, rejects): RFC 4180 quoting, and spreadsheet
//! formula neutralisation — a cell that starts with `=`, `+`, `-`, `@` or a
//! control character gets a leading `'`, so opening `rejects.csv` in a
//! spreadsheet never executes a value a citizen typed.

use std::borrow::Cow;

/// One CSV cell: quoted if it needs quoting, a formula neutralised with a leading `'`.
pub fn cell(s: &str) -> Cow<'_, str> {
    let risky = s.chars().next().is_some_and(|c| matches!(c, '=' | '+' | '-' | '@') || c.is_control());
    let needs_quotes = risky || s.contains([',', '"', '\n', '\r']);
    if !needs_quotes {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 4);
    out.push('"');
    if risky {
        out.push('\'');
    }
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    Cow::Owned(out)
}

/// One CSV line (with its newline) from cells.
pub fn line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(c));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_formulas() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("\tx"), "\"'\tx\"");
        assert_eq!(line(["a", "b,c"]), "a,\"b,c\"\n");
    }
}
