//! Why a PDF file's signature does not make it genuine, as a short code:
//! the one table terbit's `verify::signature::pades` and the clerks' page share. Both
//! say why in words (the same words, by design); each reason here is known
//! by a fragment of those words, so that a Rust-vs-page test compares the
//! codes the two reach for the same file (tests/pades.rs), and the page
//! puts the code on its answer (`data-reason`). The page's copy
//! (`engine/clerk_page/web/src/pdf_reasons.js`) is generated from this
//! table; a test of `clerk_page` fails when it is stale.

/// (code, a fragment of the words that says it), tried in order: the more
/// particular first.
pub const REASONS: &[(&str, &str)] = &[
    // A renewal's archive time-stamp (PAdES B-LTA): pdf/archive.rs and verify/signature/archive.rs.
    ("archive-altered", "is not an archive time-stamp as terbit writes it"),
    ("archive-too-many", "revisions were appended"),
    ("archive-stamp-invalid", "archive time-stamp (revision"),
    // The signature's time-stamp (PAdES B-T): pdf/token.rs and pades::judge.
    ("stamp-not-this-signature", "the time-stamp does not stamp this signature"),
    ("stamp-altered", "the time-stamp's TSTInfo was changed"),
    ("stamp-altered", "the time-stamp names another certificate"),
    ("stamp-signature-invalid", "the time-stamp's signature does not hold"),
    ("stamp-algorithm", "the time-stamp is signed with an algorithm"),
    ("stamp-malformed", "the signature's time-stamp is malformed"),
    ("stamp-unknown-authority", "a time-stamp from an authority no district's trust list names"),
    ("stamp-wrong-district", "is time-stamped by district"),
    ("stamp-not-tsa", "is not a time-stamp authority's"),
    ("stamp-forged-authority", "but the root did not sign it"),
    ("stamp-outside-authority", "falls outside its authority's certificate"),
    ("stamp-before-signature", "is earlier than the signature's claimed time"),
    ("stamped-after-certificate", "after its signing certificate ended"),
    ("stamped-after-revocation", "when its key was already revoked"),
    ("revoked-not-stamped", "nothing proves this PDF file was signed before then"),
    ("revoked-district-stamp", "nothing independent proves this PDF file was signed before then"),
    ("not-signed", "the PDF file is not signed"),
    ("field-without-range", "a signature field without a signed byte range"),
    ("second-revision", "appears more than once: a second signature or revision was added"),
    ("incremental-update", "bytes were added after the signed range"),
    ("cut", "runs past the end of the file"),
    ("range-not-whole", "does not start at the file's start and end at the signature's value"),
    ("range-gap", "leaves out more than the signature's value"),
    ("range-malformed", "/ByteRange is "),
    ("no-contents", "the signature has no /Contents"),
    ("contents-not-hex", "/Contents is not a hex string"),
    ("no-time", "the signature has no claimed time"),
    ("digest-mismatch", "its digest is not the signed one"),
    ("not-ecdsa-sha256", "the signature is not ECDSA with SHA-256"),
    ("key-not-p256", "the signer's key is not ECDSA P-256"),
    ("not-low-s", "not in the low-s form"),
    ("signature-invalid", "the signature does not verify under the signer's certificate"),
    ("chain-altered", "the certificates the"),
    ("chain-altered", "signing-certificate-v2"),
    ("chain-altered", "a certificate in it was changed"),
    ("cms-malformed", "the signature's CMS is malformed"),
    ("unknown-certificate", "signed by a certificate the trust list does not hold"),
    ("wrong-district", "certificate, but the document is issuer"),
    ("certificate-not-valid", "signing certificate was not valid when the document was issued"),
];

/// The code of a reason given in words; `"unlisted"` for words the table
/// does not know (a test fails on it: add the reason here).
pub fn code(words: &str) -> &'static str {
    REASONS.iter().find(|(_, fragment)| words.contains(fragment)).map_or("unlisted", |(code, _)| code)
}

/// The page's copy of [`REASONS`] as an ES module (never edited by hand).
pub fn js_module() -> String {
    let rows: String = REASONS.iter().map(|(c, f)| format!("  [{}, {}],\n", js_string(c), js_string(f))).collect();
    format!(
        "// GENERATED from engine/verify/signature/reasons.rs — do not edit.\n\
         // Write it again with: TERBIT_WRITE_GENERATED=1 cargo test --lib clerk_page::tests::the_generated_pdf_reasons_are_current\n\n\
         /** (code, a fragment of the words that says it), tried in order. */\n\
         export const REASONS = [\n{rows}];\n\n\
         /** The code of a reason given in words; 'unlisted' for words the table does not know. */\n\
         export function reasonCode(words) {{\n  const r = REASONS.find(([, fragment]) => String(words).includes(fragment));\n  return r ? r[0] : 'unlisted';\n}}\n"
    )
}

fn js_string(s: &str) -> String {
    // JSON strings are JavaScript strings.
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_the_checker_gives_has_a_code() {
        for words in [
            crate::verify::signature::pades::NOT_SIGNED,
            "the PDF file's signature: the file was changed after signing: bytes were added after the signed range (an incremental update)",
            "the PDF file's signature: the file was changed after signing: its digest is not the signed one",
            "the PDF file's signature: the signature's CMS is malformed: not DER",
            "the PDF file is signed by a certificate the trust list does not hold for any district",
            "the PDF file's signing certificate was not valid when the document was issued",
        ] {
            assert_ne!(code(words), "unlisted", "{words}");
        }
        assert_eq!(code("the PDF file's signature: the signature's CMS is malformed: the signer's certificate is not in it"), "cms-malformed");
        assert_eq!(code("the PDF file's signature: /ByteRange is not four numbers"), "range-malformed");
    }
}
