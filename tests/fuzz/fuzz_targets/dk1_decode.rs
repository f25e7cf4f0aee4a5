//! DK1 decoding of arbitrary input must return an error, never panic:
//! both as QR text, and as raw COSE bytes behind a valid Base45 layer (so
//! the fuzzer reaches the CBOR/COSE parser, not just the Base45 alphabet).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = terbit::dk1::decode(text);
    }
    let _ = terbit::dk1::decode(&format!("DK1:{}", base45::encode(data)));
});
