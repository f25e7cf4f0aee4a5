//! Bundles, signed trust lists and root certificates reach verifiers from
//! other offices and the page: any bytes must give a value or an error,
//! never a panic, and never "trusted" without a signature that checks. The
//! seed bundle's root is pinned, so the fuzzer reaches the signature and
//! payload checks of lists derived from it.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use terbit::trust::bundle::Bundle;
use terbit::trust::root::{Fingerprint, RootCert};
use terbit::trust::list::SignedTrustList;

fn pin() -> Option<Fingerprint> {
    static P: OnceLock<Option<Fingerprint>> = OnceLock::new();
    *P.get_or_init(|| {
        let b = Bundle::parse(include_bytes!("../corpus/trust_bundle/bundle.json")).ok()?;
        terbit::trust::root::parse_fingerprint(&b.districts.first()?.root_fingerprint)
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = Bundle::parse(data) {
        let _ = b.verify();
    }
    if let (Ok(list), Some(p)) = (SignedTrustList::parse(data), pin()) {
        let _ = list.verify(&[p]);
    }
    let _ = RootCert::parse(data);
});
