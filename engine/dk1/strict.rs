//! Strict CBOR: every signed thing terbit reads (a QR's COSE_Sign1, its
//! protected header and claims; revocation lists, seals and trust lists'
//! envelopes) must be in the one deterministic form terbit writes —
//! shortest integer and length heads, definite lengths, map keys in
//! length-first order (RFC 8949 §4.2.3, as `crate::dk1::canonical_map`
//! sorts them) and so none twice, nothing after the item. ciborium reads
//! leniently; here what it read is checked: keys in order, and the value
//! written again must be the very bytes read.
//!
//! Why: bytes outside a signature (the envelope around it) could otherwise
//! be written another way without touching the signature — one document,
//! many QR texts — and two readers could take a duplicated key differently.
//! The clerks' page reads with the cbor2 library in its strict mode
//! (`engine/clerk_page/web/src/cbor.js`), refusing the same inputs; the
//! tests below and the page's `test/cbor.test.mjs` share their samples.

use ciborium::Value;

/// Why bytes are not strict CBOR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrictError {
    /// Not CBOR at all (truncated, reserved values, bad UTF-8, too deep).
    #[error("not CBOR: {0}")]
    Malformed(String),
    /// Bytes after the item.
    #[error("bytes after the CBOR item")]
    Trailing,
    /// A map holds a key twice.
    #[error("a map holds a key twice")]
    DuplicateKey,
    /// A map's keys are not in length-first order.
    #[error("a map's keys are out of order")]
    KeyOrder,
    /// A longer head than needed, an indefinite length, a float not in its
    /// shortest form, or another encoding of the same value.
    #[error("not in its deterministic form (a long head, an indefinite length or another encoding of the same value)")]
    NotDeterministic,
}

fn encoded(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = ciborium::into_writer(v, &mut out);
    out
}

/// Every map in `v` has its keys in strictly increasing length-first order.
fn keys_in_order(v: &Value, depth: usize) -> Result<(), StrictError> {
    if depth == 0 {
        return Err(StrictError::Malformed("nested too deeply".into()));
    }
    match v {
        Value::Map(entries) => {
            let mut previous: Option<Vec<u8>> = None;
            for (k, x) in entries {
                let e = encoded(k);
                if let Some(p) = &previous {
                    match (p.len(), p).cmp(&(e.len(), &e)) {
                        std::cmp::Ordering::Equal => return Err(StrictError::DuplicateKey),
                        std::cmp::Ordering::Greater => return Err(StrictError::KeyOrder),
                        std::cmp::Ordering::Less => {}
                    }
                }
                keys_in_order(k, depth - 1)?;
                keys_in_order(x, depth - 1)?;
                previous = Some(e);
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|x| keys_in_order(x, depth - 1)),
        Value::Tag(_, x) => keys_in_order(x, depth - 1),
        _ => Ok(()),
    }
}

/// A CBOR reading error in words (not the library's debug form).
fn said(e: &ciborium::de::Error<std::io::Error>) -> String {
    use ciborium::de::Error as E;
    match e {
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => "cut short".into(),
        E::Io(_) => "unreadable".into(),
        E::Syntax(at) => format!("not CBOR syntax at byte {at}"),
        E::Semantic(Some(at), why) => format!("{} at byte {at}", crate::error::clip(why, 100)),
        E::Semantic(None, why) => crate::error::clip(why, 100),
        E::RecursionLimitExceeded => "nested too deeply".into(),
    }
}

/// Read exactly one item from `bytes`, nested at most `depth` deep, and
/// require the deterministic form.
pub fn read(bytes: &[u8], depth: usize) -> Result<Value, StrictError> {
    let mut cursor = std::io::Cursor::new(bytes);
    let v: Value = ciborium::de::from_reader_with_recursion_limit(&mut cursor, depth).map_err(|e| StrictError::Malformed(said(&e)))?;
    if cursor.position() as usize != bytes.len() {
        return Err(StrictError::Trailing);
    }
    keys_in_order(&v, depth + 1)?;
    if encoded(&v) != bytes {
        return Err(StrictError::NotDeterministic);
    }
    Ok(v)
}

/// A tagged COSE_Sign1 in the deterministic form, its protected header too
/// (the payload is the reader's: each checks its own).
pub fn envelope(bytes: &[u8]) -> Result<(), StrictError> {
    let v = read(bytes, 8)?;
    if let Value::Tag(_, inner) = &v {
        if let Value::Array(items) = inner.as_ref() {
            if let Some(Value::Bytes(protected)) = items.first() {
                if !protected.is_empty() {
                    read(protected, 8)?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `strict_samples.txt`: `hex ok|malformed|trailing|duplicate|order|form`.
    pub(crate) fn samples() -> Vec<(Vec<u8>, &'static str)> {
        include_str!("strict_samples.txt")
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (hex, what) = l.split_once(' ').unwrap();
                (hex::decode(hex).unwrap(), what.trim())
            })
            .collect()
    }

    #[test]
    fn the_shared_samples() {
        let samples = samples();
        assert!(samples.len() > 15);
        for (bytes, what) in samples {
            let got = match read(&bytes, 16) {
                Ok(_) => "ok",
                Err(StrictError::Malformed(_)) => "malformed",
                Err(StrictError::Trailing) => "trailing",
                Err(StrictError::DuplicateKey) => "duplicate",
                Err(StrictError::KeyOrder) => "order",
                Err(StrictError::NotDeterministic) => "form",
            };
            // The page (cbor2) tells duplicates and order apart less finely: both refuse.
            assert_eq!(got, what, "{}", hex::encode(&bytes));
        }
    }

    #[test]
    fn malformed_cbor_is_said_in_words() {
        let said = |b: &[u8]| read(b, 4).unwrap_err().to_string();
        assert_eq!(said(&[0x82, 0x01]), "not CBOR: cut short");
        assert_eq!(said(&[0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01]), "not CBOR: nested too deeply");
        for b in [&[0x1c][..], &[0x82, 0x01], &[0x81; 9]] {
            let s = said(b);
            assert!(!s.contains("Error {") && !s.contains("Io(") && !s.contains("RecursionLimit"), "{s}");
        }
    }

    #[test]
    fn what_terbit_writes_reads_back() {
        let root = crate::dk1::tests::vector_signer();
        let claims = crate::dk1::tests::vector_claims();
        let cose = crate::dk1::seal_cose(&claims, &root);
        envelope(&cose).unwrap();
        read(&claims.to_cbor(), 16).unwrap();
    }
}
