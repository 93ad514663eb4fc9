//! The blob parser never panics and accepts only canonical text, and of
//! everything it accepts only the one authentic blob opens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealant::{Error, Keyring};
use sealant_format::Blob;

/// A public test key and the one blob sealed with it that exists (vector 1
/// of docs/FORMAT.md); the fuzzer cannot forge another.
const KEY: &str = "sealant-key-v1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const AUTHENTIC: &str = "sealant:v1:API_TOKEN:bf71c3f0:000102030405060708090a0b:336dbd44a98cb47ed270a5b898261788add80ca261c4a8650afd7cc5";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(blob) = Blob::parse(text) else { return };
    // Canonical: what parses prints back as the same text.
    assert_eq!(blob.to_string(), text);
    assert_eq!(blob.associated_data(), text[..blob.associated_data().len()]);
    let keyring = Keyring::parse("fuzz", KEY).unwrap();
    match keyring.open(&blob) {
        Err(Error::Authentication { .. } | Error::KeyNotFound { .. }) => {}
        Ok(_) => assert_eq!(text, AUTHENTIC, "a forged blob opened"),
        Err(other) => panic!("a fuzzed blob gave {other:?}"),
    }
});
