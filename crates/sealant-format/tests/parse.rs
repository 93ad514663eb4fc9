//! The blob and key parsers: what they accept, and the exact error for each
//! way a text can be wrong.

use sealant_format::{
    Blob, BlobError, Field, HexProblem, KeyError, Kid, NameError, decode_key, split_keys,
};

const NONCE: &str = "000102030405060708090a0b";
const SEALED: &str = "00112233445566778899aabbccddeeff0011";

fn blob(name: &str, kid: &str, nonce: &str, sealed: &str) -> String {
    format!("sealant:v1:{name}:{kid}:{nonce}:{sealed}")
}

#[test]
fn parses_and_prints_canonically() {
    let text = blob("API_TOKEN", "3fa2c91e", NONCE, SEALED);
    let parsed = Blob::parse(&text).unwrap();
    assert_eq!(parsed.name(), "API_TOKEN");
    assert_eq!(parsed.kid(), Kid::from_bytes([0x3f, 0xa2, 0xc9, 0x1e]));
    assert_eq!(parsed.nonce(), &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert_eq!(parsed.sealed().len(), 18);
    assert_eq!(parsed.to_string(), text);
    assert_eq!(parsed.associated_data(), "sealant:v1:API_TOKEN:3fa2c91e");
}

#[test]
fn associated_data_written_in_place_matches() {
    let kid = Kid::from_bytes([0x3f, 0xa2, 0xc9, 0x1e]);
    let mut buffer = [0u8; sealant_format::MAX_ASSOCIATED_DATA_LEN];
    for name in ["A", "API_TOKEN", &"N".repeat(128)] {
        let written = sealant_format::write_associated_data(name, kid, &mut buffer).unwrap();
        assert_eq!(
            written,
            sealant_format::associated_data(name, kid).as_bytes()
        );
    }
    assert!(sealant_format::write_associated_data(&"N".repeat(129), kid, &mut buffer).is_none());
}

#[test]
fn each_malformation_has_its_own_error() {
    let cases: Vec<(String, BlobError)> = vec![
        ("hunter2".into(), BlobError::NotSealed),
        ("".into(), BlobError::NotSealed),
        ("SEALANT:v1:A:3fa2c91e:00:00".into(), BlobError::NotSealed),
        ("my password is sealant:v1".into(), BlobError::NotSealed),
        (
            blob("A", "3fa2c91e", NONCE, SEALED).replace("v1", "v2"),
            BlobError::UnsupportedVersion { found: Some(2) },
        ),
        (
            blob("A", "3fa2c91e", NONCE, SEALED).replace("v1", "x"),
            BlobError::UnsupportedVersion { found: None },
        ),
        (
            "sealant:v1".into(),
            BlobError::Truncated {
                missing: Field::Name,
            },
        ),
        (
            "sealant:v1:A".into(),
            BlobError::Truncated {
                missing: Field::Kid,
            },
        ),
        (
            "sealant:v1:A:3fa2c91e".into(),
            BlobError::Truncated {
                missing: Field::Nonce,
            },
        ),
        (
            format!("sealant:v1:A:3fa2c91e:{NONCE}"),
            BlobError::Truncated {
                missing: Field::Ciphertext,
            },
        ),
        (
            format!("{}:00", blob("A", "3fa2c91e", NONCE, SEALED)),
            BlobError::TrailingData,
        ),
        (
            format!(" {}", blob("A", "3fa2c91e", NONCE, SEALED)),
            BlobError::Whitespace { at: 0 },
        ),
        (
            format!("{}\n", blob("A", "3fa2c91e", NONCE, SEALED)),
            BlobError::Whitespace { at: 91 - 8 },
        ),
        (
            blob("", "3fa2c91e", NONCE, SEALED),
            BlobError::Name(NameError::Empty),
        ),
        (
            blob("A/B", "3fa2c91e", NONCE, SEALED),
            BlobError::Name(NameError::InvalidChar { at: 1 }),
        ),
        (
            blob(&"N".repeat(129), "3fa2c91e", NONCE, SEALED),
            BlobError::Name(NameError::TooLong { len: 129 }),
        ),
        (
            blob("A", "3fa2c91", NONCE, SEALED),
            BlobError::Length {
                field: Field::Kid,
                expected: 8,
                found: 7,
            },
        ),
        (
            blob("A", "3fa2c91e00", NONCE, SEALED),
            BlobError::Length {
                field: Field::Kid,
                expected: 8,
                found: 10,
            },
        ),
        (
            blob("A", "3FA2C91E", NONCE, SEALED),
            BlobError::Hex {
                field: Field::Kid,
                problem: HexProblem::Uppercase { at: 1 },
            },
        ),
        (
            blob("A", "3fa2c91e", &NONCE[2..], SEALED),
            BlobError::Length {
                field: Field::Nonce,
                expected: 24,
                found: 22,
            },
        ),
        (
            blob("A", "3fa2c91e", &NONCE.replace('0', "z"), SEALED),
            BlobError::Hex {
                field: Field::Nonce,
                problem: HexProblem::NotHex { at: 0 },
            },
        ),
        (
            blob("A", "3fa2c91e", NONCE, &SEALED.to_uppercase()),
            BlobError::Hex {
                field: Field::Ciphertext,
                problem: HexProblem::Uppercase { at: 20 },
            },
        ),
        (
            blob("A", "3fa2c91e", NONCE, &format!("{SEALED}0")),
            BlobError::Hex {
                field: Field::Ciphertext,
                problem: HexProblem::OddLength { len: 37 },
            },
        ),
        (
            blob("A", "3fa2c91e", NONCE, &SEALED[..30]),
            BlobError::CiphertextTooShort { found: 30 },
        ),
        (
            blob("A", "3fa2c91e", NONCE, ""),
            BlobError::CiphertextTooShort { found: 0 },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Blob::parse(&text), Err(expected), "{text:?}");
    }
}

#[test]
fn the_shortest_blob_is_a_bare_tag() {
    let text = blob("A", "3fa2c91e", NONCE, &"ab".repeat(16));
    assert_eq!(Blob::parse(&text).unwrap().sealed(), &[0xab; 16]);
}

#[test]
fn errors_never_repeat_the_text_they_reject() {
    let secrets = [
        "hunter2-correct-horse",
        "sealant:v1:hunter2 horse",
        "sealant:v9:hunter2horse:x",
    ];
    for text in secrets {
        let error = Blob::parse(text).unwrap_err();
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}

#[test]
fn keys_decode_and_reject_with_reasons() {
    let hex: String = (0u8..32).map(|b| format!("{b:02x}")).collect();
    let mut out = [0u8; 32];
    decode_key(&format!("sealant-key-v1:{hex}"), &mut out).unwrap();
    assert_eq!(out.to_vec(), (0u8..32).collect::<Vec<_>>());

    let cases = [
        (String::new(), KeyError::Empty),
        (hex.clone(), KeyError::MissingPrefix),
        (
            format!("sealant-key-v2:{hex}"),
            KeyError::UnsupportedVersion,
        ),
        (
            format!("sealant-key-v1:{}", &hex[1..]),
            KeyError::Length { found: 63 },
        ),
        (
            format!("sealant-key-v1:{hex}00"),
            KeyError::Length { found: 66 },
        ),
        (
            format!("sealant-key-v1:{}", hex.to_uppercase()),
            KeyError::Hex(HexProblem::Uppercase { at: 21 }),
        ),
        (
            format!("sealant-key-v1:{hex} "),
            KeyError::Hex(HexProblem::NotHex { at: 64 }),
        ),
        (
            format!("\u{feff}sealant-key-v1:{hex}"),
            KeyError::MissingPrefix,
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(decode_key(&text, &mut out), Err(expected), "{text:?}");
        let shown = format!("{expected} {expected:?}");
        assert!(!shown.contains(&hex[..8]), "{shown}");
    }
}

#[test]
fn key_lists_split_on_commas_whitespace_and_skip_comments() {
    let keys: Vec<_> =
        split_keys("\u{feff}# a comment, with a comma\n k1,k2\r\n\tk3 ,, k4\n  # another\n")
            .collect();
    assert_eq!(keys, ["k1", "k2", "k3", "k4"]);
    assert_eq!(split_keys(" \r\n, ").count(), 0);
}

#[test]
fn kids_parse_and_print() {
    let kid: Kid = "0badc0de".parse().unwrap();
    assert_eq!(kid.to_string(), "0badc0de");
    assert_eq!(format!("{kid:?}"), "Kid(0badc0de)");
    assert!("0BADC0DE".parse::<Kid>().is_err());
    assert!("0badc0".parse::<Kid>().is_err());
}
