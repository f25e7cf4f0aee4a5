//! A strict reader of PDF content streams (ISO 32000-1 §7.2, §8.9.7).
//!
//! The page reader must see every operator a viewer draws. lopdf's content
//! parser stops at the first token it does not understand and silently
//! drops the rest of the stream, while viewers skip the token and go on:
//! a forged name placed after `@@@` would be drawn for the clerk and unseen
//! by the verifier. So content is read here, token by token, to the last
//! byte: anything that is not content syntax — an unknown delimiter, an
//! unterminated string or array, a malformed number, operands left over at
//! the end of a stream — is an error, and the page fails.

use lopdf_read::content::Operation;
use lopdf_read::{Dictionary, Object, StringFormat};

/// Operands one operator may take (a `TJ` array counts as one).
const MAX_OPERANDS: usize = 64;
/// Nested arrays and dictionaries.
const MAX_NESTING: usize = 16;

/// Why a content stream is not content syntax, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset in the stream.
    pub offset: usize,
    /// What is wrong there.
    pub reason: &'static str,
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

struct Reader<'a> {
    s: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn err(&self, reason: &'static str) -> SyntaxError {
        SyntaxError { offset: self.at, reason }
    }

    fn skip_white(&mut self) {
        while self.at < self.s.len() {
            match self.s[self.at] {
                b if is_white(b) => self.at += 1,
                b'%' => {
                    while self.at < self.s.len() && !matches!(self.s[self.at], b'\r' | b'\n') {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn regular(&mut self) -> &[u8] {
        let start = self.at;
        while self.at < self.s.len() && !is_white(self.s[self.at]) && !is_delim(self.s[self.at]) {
            self.at += 1;
        }
        &self.s[start..self.at]
    }

    fn literal(&mut self) -> Result<Vec<u8>, SyntaxError> {
        self.at += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        while self.at < self.s.len() {
            let b = self.s[self.at];
            self.at += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.at) else { break };
                    self.at += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.s.get(self.at) {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.at += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        b'\r' => {
                            if self.s.get(self.at) == Some(&b'\n') {
                                self.at += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        Err(self.err("a string is never closed"))
    }

    fn hex(&mut self) -> Result<Vec<u8>, SyntaxError> {
        self.at += 1;
        let mut digits = Vec::new();
        while self.at < self.s.len() {
            let b = self.s[self.at];
            self.at += 1;
            match b {
                b'>' => {
                    if digits.len() % 2 == 1 {
                        digits.push(0);
                    }
                    return Ok(digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect());
                }
                b if is_white(b) => {}
                b => digits.push(match b {
                    b'0'..=b'9' => b - b'0',
                    b'a'..=b'f' => b - b'a' + 10,
                    b'A'..=b'F' => b - b'A' + 10,
                    _ => return Err(self.err("a hex string holds a non-hex character")),
                }),
            }
        }
        Err(self.err("a hex string is never closed"))
    }

    fn name(&mut self) -> Result<Vec<u8>, SyntaxError> {
        self.at += 1;
        let raw = self.regular().to_vec();
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'#' {
                let h = raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(h.ok_or_else(|| self.err("a name has a bad #xx escape"))?);
                i += 3;
            } else {
                out.push(raw[i]);
                i += 1;
            }
        }
        Ok(out)
    }

    /// One object, or `None` at an operator (left unread).
    fn object(&mut self, depth: usize) -> Result<Option<Object>, SyntaxError> {
        if depth > MAX_NESTING {
            return Err(self.err("arrays or dictionaries nested too deeply"));
        }
        self.skip_white();
        let Some(&b) = self.s.get(self.at) else { return Ok(None) };
        Ok(Some(match b {
            b'(' => Object::String(self.literal()?, StringFormat::Literal),
            b'<' if self.s.get(self.at + 1) == Some(&b'<') => {
                self.at += 2;
                let mut d = Dictionary::new();
                loop {
                    self.skip_white();
                    if self.s.get(self.at..self.at + 2) == Some(b">>") {
                        self.at += 2;
                        break Object::Dictionary(d);
                    }
                    if self.s.get(self.at) != Some(&b'/') {
                        return Err(self.err("a dictionary key is not a name"));
                    }
                    let key = self.name()?;
                    let value = self.object(depth + 1)?.ok_or_else(|| self.err("a dictionary value is missing"))?;
                    d.set(key, value);
                }
            }
            b'<' => Object::String(self.hex()?, StringFormat::Hexadecimal),
            b'/' => Object::Name(self.name()?),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_white();
                    match self.s.get(self.at) {
                        Some(b']') => {
                            self.at += 1;
                            break Object::Array(items);
                        }
                        None => return Err(self.err("an array is never closed")),
                        _ => items.push(self.object(depth + 1)?.ok_or_else(|| self.err("an operator inside an array"))?),
                    }
                    if items.len() > 4096 {
                        return Err(self.err("an array of more than 4096 items"));
                    }
                }
            }
            b')' | b'>' | b']' | b'{' | b'}' => return Err(self.err("a delimiter out of place")),
            _ => {
                let start = self.at;
                let word = self.regular();
                match word {
                    b"true" => Object::Boolean(true),
                    b"false" => Object::Boolean(false),
                    b"null" => Object::Null,
                    w if w.first().is_some_and(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.')) => number(w).ok_or(SyntaxError { offset: start, reason: "a malformed number" })?,
                    _ => {
                        self.at = start;
                        return Ok(None);
                    }
                }
            }
        }))
    }

    /// Skip an inline image's data, up to and including `EI`.
    fn inline_image(&mut self) -> Result<(), SyntaxError> {
        // `ID` is followed by one white-space byte, then the data; `EI`
        // follows white space and is followed by white space or the end.
        let s = self.s;
        let mut i = self.at + 1;
        while i + 2 <= s.len() {
            if &s[i..i + 2] == b"EI" && i > 0 && is_white(s[i - 1]) && s.get(i + 2).is_none_or(|b| is_white(*b)) {
                self.at = i + 2;
                return Ok(());
            }
            i += 1;
        }
        Err(self.err("an inline image has no EI"))
    }
}

fn number(w: &[u8]) -> Option<Object> {
    let s = std::str::from_utf8(w).ok()?;
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let valid = !body.is_empty() && body.bytes().filter(|b| *b == b'.').count() <= 1 && body.bytes().all(|b| b.is_ascii_digit() || b == b'.') && body != ".";
    if !valid {
        return None;
    }
    if !s.contains('.') {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Object::Integer(i));
        }
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| Object::Real(f as f32))
}

/// Every operation of `content`, or why it is not content syntax.
pub fn parse(content: &[u8]) -> Result<Vec<Operation>, SyntaxError> {
    let mut r = Reader { s: content, at: 0 };
    let mut ops = Vec::new();
    let mut operands = Vec::new();
    loop {
        if let Some(o) = r.object(0)? {
            operands.push(o);
            if operands.len() > MAX_OPERANDS {
                return Err(r.err("too many operands for one operator"));
            }
            continue;
        }
        r.skip_white();
        if r.at >= content.len() {
            break;
        }
        let start = r.at;
        let op = r.regular().to_vec();
        if op.is_empty() {
            return Err(SyntaxError { offset: start, reason: "a byte that is no content syntax" });
        }
        if op == b"ID" {
            r.inline_image()?;
        }
        // Inline image dictionaries (`BI … ID`) are operands of `ID` here.
        let Ok(name) = String::from_utf8(op) else { return Err(SyntaxError { offset: start, reason: "an operator that is not text" }) };
        ops.push(Operation::new(&name, std::mem::take(&mut operands)));
    }
    if !operands.is_empty() {
        return Err(r.err("operands with no operator at the end of the stream"));
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(s: &[u8]) -> Vec<(String, usize)> {
        parse(s).unwrap().into_iter().map(|o| (o.operator, o.operands.len())).collect()
    }

    #[test]
    fn reads_what_terbit_writes_and_more() {
        assert_eq!(ops(b"q 1 0 0 1 5.5 -3 cm\nBT /F5 10 Tf 70.866 586.772 Td (: SITI \\(2\\)) Tj ET Q"), [("q".into(), 0), ("cm".into(), 6), ("BT".into(), 0), ("Tf".into(), 2), ("Td".into(), 2), ("Tj".into(), 1), ("ET".into(), 0), ("Q".into(), 0)]);
        assert_eq!(ops(b"[(A) -120 <4142> 3] TJ % comment\n/OC /L1 BDC EMC /P <</MCID 3>> BDC EMC"), [("TJ".into(), 1), ("BDC".into(), 2), ("EMC".into(), 0), ("BDC".into(), 2), ("EMC".into(), 0)]);
        let p = parse(b"(a\\101\\\nb\\)c) Tj").unwrap();
        assert_eq!(p[0].operands[0], Object::String(b"aAb)c".to_vec(), StringFormat::Literal));
        assert_eq!(ops(b"BI /W 2 /H 1 /BPC 8 /CS /G ID \x00EI\x01 EI Q"), [("BI".into(), 0), ("ID".into(), 8), ("Q".into(), 0)]);
        assert_eq!(ops(b"T* ' \""), [("T*".into(), 0), ("'".into(), 0), ("\"".into(), 0)]);
    }

    #[test]
    fn whatever_a_viewer_might_skip_fails_instead() {
        // An unknown operator is skipped, by viewers and by the page reader
        // alike: the text after it is read.
        assert_eq!(ops(b"q Q @@@ BT (x) Tj ET")[3], ("BT".into(), 0));
        for bad in [&b"q Q } BT"[..], b"q Q <zz> BT", b"[1 2 BT (x) Tj ET", b"(ABC", b"1.2.3 0 Td", b"100 100", b"BI /W 1 ID xx", b"/A#zz Tf", b"<< /A >> BDC"] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
