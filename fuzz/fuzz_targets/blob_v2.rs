//! The v2 blob parser never panics and accepts only canonical text, and of
//! everything it accepts only the one authentic blob opens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealant::{Error, Identity};
use sealant_format::BlobV2;

/// A public test key and the one blob sealed to it that exists (vector 1
/// of the v2 vectors in docs/FORMAT.md); the fuzzer cannot forge another.
const PRIVATE: &str = "sealant-private-key-v2:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const AUTHENTIC: &str = "sealant:v2:production/STRIPE_API_KEY/86a519927b277ed1e62b4014830ef9f725885f10dead81617147df73bbbc8ea5ab6d0e6e000102030405060708090a0b0c0d0e0f197e51f9aa2f0a049ee1395a3ea4a72eb881bfe1328bc748a8621c";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(blob) = BlobV2::parse(text) else { return };
    // Canonical: what parses prints back as the same text.
    assert_eq!(blob.to_string(), text);
    let identity = Identity::parse(PRIVATE).unwrap();
    match identity.open(&blob) {
        Err(Error::Authentication { .. } | Error::KeyNotFound { .. }) => {}
        Ok(_) => assert_eq!(text, AUTHENTIC, "a forged blob opened"),
        Err(other) => panic!("a fuzzed blob gave {other:?}"),
    }
});
