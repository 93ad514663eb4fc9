//! The key parsers never panic, and a key that decodes prints back as the
//! same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealant::Keyring;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut key = [0u8; 32];
    if sealant_format::decode_key(text, &mut key).is_ok() {
        assert_eq!(*sealant_format::encode_key(&key), text);
    }
    let _ = Keyring::parse("fuzz", text);
});
