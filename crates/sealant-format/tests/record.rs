//! The embedded record: any bytes are refused or read without a panic, and
//! what is encoded reads back the same.

use proptest::prelude::*;
use sealant_format::record::{DEFAULT_KEY_VAR, Record};
use sealant_format::{Kid, associated_data};

proptest! {
    #[test]
    fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Some((record, rest)) = Record::decode(&bytes) {
            prop_assert!(rest.len() < bytes.len());
            let _ = record.name();
        }
    }

    /// Damage to a real record, anywhere, is refused or read without a
    /// panic; random bytes alone rarely get past the version byte.
    #[test]
    fn decoding_a_damaged_record_never_panics(
        damage in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let aad = associated_data("API_TOKEN", Kid::from_bytes([1, 2, 3, 4]));
        let record = Record { associated_data: &aad, key_var: "APP_KEY", kid: [1, 2, 3, 4], nonce: [9; 12], sealed: &[7; 20] };
        let mut bytes = record.encode().unwrap();
        for (at, value) in damage {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        bytes.truncate(cut.index(bytes.len() + 1).max(1));
        if let Some((record, rest)) = Record::decode(&bytes) {
            prop_assert!(rest.len() < bytes.len());
            let _ = (record.name(), record.key_var);
        }
    }

    #[test]
    fn what_is_encoded_decodes_the_same(
        name in "[A-Za-z0-9_.-]{1,128}",
        key_var in prop_oneof![Just(DEFAULT_KEY_VAR.to_owned()), "[A-Z_][A-Z0-9_]{0,40}"],
        kid: [u8; 4],
        nonce: [u8; 12],
        sealed in proptest::collection::vec(any::<u8>(), 16..300),
        trailing in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let aad = associated_data(&name, Kid::from_bytes(kid));
        let record = Record { associated_data: &aad, key_var: &key_var, kid, nonce, sealed: &sealed };
        let mut bytes = record.encode().unwrap();
        bytes.extend_from_slice(&trailing);
        let (decoded, rest) = Record::decode(&bytes).unwrap();
        prop_assert_eq!(decoded, record);
        prop_assert_eq!(decoded.name(), name.as_str());
        prop_assert_eq!(rest, trailing.as_slice());
    }
}
