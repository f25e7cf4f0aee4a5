//! Trust lists and revocation lists come from other offices: parsing any
//! bytes must give a list or an error, never a panic. The revocation list
//! is checked against the trust list of the seed corpus, whose key signed
//! the corpus's revocation list, so the fuzzer reaches signature checks.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use terbit::dk1::keys::TrustList;
use terbit::dk1::revocation::RevocationList;

fn trust() -> Option<&'static TrustList> {
    static T: OnceLock<Option<TrustList>> = OnceLock::new();
    T.get_or_init(|| TrustList::parse(include_bytes!("../corpus/trust_list/trust.json"), Path::new("trust.json")).ok()).as_ref()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(list) = TrustList::parse(data, Path::new("fuzz.json")) {
        let _ = list.trusted();
    }
    if let Some(t) = trust() {
        let _ = RevocationList::parse(data, Path::new("fuzz-revocations.json"), t);
    }
});
