//! The offline verifier page (`terbit verifier`): one HTML file that embeds
//! a checked trust bundle and the page's script, for clerks verifying
//! documents on a phone or laptop with no network and no account. (The
//! folder is `clerk_page`, not `verifier`, so it is not taken for
//! `engine/verify/`, the auditor's side; the command stays `terbit verifier`.)
//!
//! The script (`web/dist/verifier.js`) is built from `web/src/` by a pinned
//! esbuild (`web/build.mjs`; `.ci/run` rebuilds it and fails if the
//! committed file differs) and embedded in the binary here. Its checks are
//! the Rust verifier's, written again in JavaScript on audited libraries
//! (@noble/curves, @noble/hashes, jsQR): a wasm32 Rust target cannot be
//! installed on the build machines. tests/verifier.rs holds the two to the
//! same verdicts.

use sha2::{Digest, Sha256};

use crate::trust::bundle::{Bundle, BundleError};

/// The page's script, built from `web/src`.
pub const SCRIPT: &str = include_str!("web/dist/verifier.js");
const TEMPLATE: &str = include_str!("web/page.html");

/// The content security policy: nothing may be fetched, framed or sent;
/// the one inline script is allowed by its hash.
fn policy(script: &str) -> String {
    let hash = crate::trust::root::base64_encode(&Sha256::digest(script.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; img-src data: blob:; media-src blob: mediastream:; \
         connect-src 'none'; font-src 'none'; object-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; \
         form-action 'none'; base-uri 'none'"
    )
}

/// JSON safe inside a `<script type="application/json">` element: no `<`
/// (so no `</script>`), no U+2028/2029.
fn embeddable(json: &str) -> String {
    json.replace('<', "\\u003c").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}

/// The page for `bundle`, which must verify (a page is never written for
/// trust data that does not). `made_at` (epoch seconds) is shown on the page.
pub fn page(bundle: &Bundle, made_at: i64) -> Result<String, BundleError> {
    bundle.verify()?;
    let json = serde_json::to_string(bundle).map_err(|e| BundleError::Format(e.to_string()))?;
    let script = SCRIPT.replace("</script", "<\\/script");
    // The districts' names, for "issuing office" on the answer.
    let names: std::collections::BTreeMap<&str, &str> = bundle
        .districts
        .iter()
        .filter_map(|d| crate::kind::refdata::reference().regency_name(&d.district).map(|n| (d.district.as_str(), n)))
        .collect();
    let names = serde_json::to_string(&names).map_err(|e| BundleError::Format(e.to_string()))?;
    Ok(fill(
        TEMPLATE,
        &[
            ("CSP", policy(&script)),
            ("MADE_AT", crate::dk1::keys::rfc3339(made_at)),
            ("VERSION", env!("CARGO_PKG_VERSION").to_string()),
            ("BUNDLE", embeddable(&json)),
            ("NAMES", embeddable(&names)),
            ("SCRIPT", script),
        ],
    ))
}

/// Replace each `{{NAME}}` of `template` in one pass: a value that happens
/// to hold `{{...}}` (a revocation reason, say) is never expanded again.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = template;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}").and_then(|j| values.iter().find(|(n, _)| *n == &after[..j]).map(|(_, v)| (j, v))) {
            Some((j, v)) => {
                out.push_str(v);
                rest = &after[j + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's table of escaped characters is generated from
    /// `util/escape.rs`; a stale copy fails here, and
    /// `TERBIT_WRITE_GENERATED=1` writes it again (then `npm run build` in
    /// `engine/clerk_page/web`).
    #[test]
    fn the_generated_escape_table_is_current() {
        generated_is_current("hidden.js", &crate::util::escape::js_module(), "the_generated_escape_table_is_current");
    }

    /// The page's table of PDF signature reasons is generated from
    /// `verify/signature/reasons.rs` (test code may reach across stages).
    #[test]
    fn the_generated_pdf_reasons_are_current() {
        generated_is_current("pdf_reasons.js", &crate::verify::signature::reasons::js_module(), "the_generated_pdf_reasons_are_current");
    }

    /// `web/src/<file>` holds `want`, or is written with it under
    /// `TERBIT_WRITE_GENERATED`; a stale copy fails, naming `test` to run.
    fn generated_is_current(file: &str, want: &str, test: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("engine/clerk_page/web/src").join(file);
        if std::env::var_os("TERBIT_WRITE_GENERATED").is_some() {
            std::fs::write(&path, want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: write it again with `TERBIT_WRITE_GENERATED=1 cargo test --lib clerk_page::tests::{test}`, then `npm run build` in engine/clerk_page/web",
            path.display()
        );
    }

    #[test]
    fn embedded_json_cannot_close_its_element() {
        let s = embeddable(r#"{"reason":"</script><script>alert(1)</script>"}"#);
        assert!(!s.contains("</"), "{s}");
        assert_eq!(fill("a{{X}}b{{Y}}c{{Z}}", &[("X", "{{Y}}".into()), ("Y", "y".into())]), "a{{Y}}byc{{Z}}");
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["reason"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn page_refuses_a_bundle_that_does_not_verify() {
        let root = crate::trust::list::tests::test_root();
        let list = crate::trust::list::SignedTrustList::make(&root, "3506", 1, 0, 86_400, vec![crate::trust::list::tests::entry(1, "3506")], vec![]).unwrap();
        let mut b = Bundle::new();
        b.put(&root.cert.fingerprint, list, vec![], false).unwrap();
        let html = page(&b, 0).unwrap();
        assert!(html.contains("Content-Security-Policy") && html.contains("connect-src 'none'"));
        assert!(!html.contains("{{"), "a placeholder was left");
        b.districts[0].trust.cose.replace_range(20..22, "00");
        assert!(page(&b, 0).is_err());
    }
}
