//! A PDF handed to `verify` is a forger's bytes: reading it page by page
//! (content streams, forms, fonts, images, annotations) must end in a
//! verdict or an error, never a panic or a hang. The seed corpus holds a
//! genuine birth certificate signed by the seed trust list's key, so the
//! fuzzer reaches the page checks behind a valid signature.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use terbit::dk1::keys::TrustList;
use terbit::verify::{verify_pdf_documents, Layouts};

fn setup() -> &'static (TrustList, Layouts) {
    static S: OnceLock<(TrustList, Layouts)> = OnceLock::new();
    S.get_or_init(|| {
        let trust = TrustList::parse(include_bytes!("../corpus/pdf_verify/trust.json"), Path::new("trust.json")).unwrap_or_default();
        (trust, Layouts::standard())
    })
}

fuzz_target!(|data: &[u8]| {
    let (trust, layouts) = setup();
    let _ = verify_pdf_documents(data, trust, layouts, None);
});
