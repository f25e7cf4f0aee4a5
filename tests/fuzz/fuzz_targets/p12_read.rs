//! PKCS#12 files come from outside (a certification authority, a desktop
//! export): any bytes must give the key and certificates or an error,
//! never a panic, a hang or an allocation the file chooses. The seeds
//! (OpenSSL's AES, 3DES and RC2-40 exports of a test key, password "pw",
//! one round each) let the fuzzer reach every decryption and the bags.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = terbit::trust::p12::read(data, "pw");
});
