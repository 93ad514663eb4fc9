//! The v2 blob, environment and key parsers: what they accept, and the
//! exact error for each way a text can be wrong.

use sealant_format::{
    BlobError, BlobV2, EnvError, Field, HexProblem, KeyError, Kid, NameError, decode_private_key,
    decode_public_key, encode_private_key, encode_public_key, validate_env,
};

/// kid ‖ enc ‖ nonce, then a bare tag: the shortest payload.
fn payload(kid: &str, sealed: &str) -> String {
    format!("{kid}{}{}{sealed}", "ab".repeat(32), "cd".repeat(16))
}

const TAG: &str = "00112233445566778899aabbccddeeff";

#[test]
fn parses_and_prints_canonically() {
    let text = format!(
        "sealant:v2:production/API_TOKEN/{}",
        payload("3fa2c91e", TAG)
    );
    let blob = BlobV2::parse(&text).unwrap();
    assert_eq!(blob.env(), "production");
    assert_eq!(blob.name(), "API_TOKEN");
    assert_eq!(blob.kid(), Kid::from_bytes([0x3f, 0xa2, 0xc9, 0x1e]));
    assert_eq!(blob.enc(), &[0xab; 32]);
    assert_eq!(blob.nonce(), &[0xcd; 16]);
    assert_eq!(blob.sealed().len(), 16);
    assert_eq!(blob.to_string(), text);
    let prefix = b"sealant:v2:production/API_TOKEN/";
    assert!(blob.associated_data().starts_with(prefix));
    assert_eq!(blob.associated_data().len(), prefix.len() + 4 + 32 + 16);
    assert_eq!(blob.exporter_context().len(), prefix.len() + 16);
    // Names keep their dots.
    let dotted = format!(
        "sealant:v2:staging/db.password-2/{}",
        payload("3fa2c91e", TAG)
    );
    assert_eq!(BlobV2::parse(&dotted).unwrap().name(), "db.password-2");
}

#[test]
fn each_malformation_has_its_own_error() {
    let good = payload("3fa2c91e", TAG);
    let cases: Vec<(String, BlobError)> = vec![
        ("hunter2".into(), BlobError::NotSealed),
        (
            format!("sealant:v1:production/A/{good}"),
            BlobError::UnsupportedVersion { found: Some(1) },
        ),
        ("sealant:v2:".into(), BlobError::Env(EnvError::Empty)),
        (
            "sealant:v2:production".into(),
            BlobError::Truncated {
                missing: Field::Name,
            },
        ),
        (
            "sealant:v2:production/A".into(),
            BlobError::Truncated {
                missing: Field::Ciphertext,
            },
        ),
        (
            format!("sealant:v2:Production/A/{good}"),
            BlobError::Env(EnvError::BadStart),
        ),
        (
            format!("sealant:v2:prod:x/A/{good}"),
            BlobError::Env(EnvError::BadChar { at: 4 }),
        ),
        (
            format!("sealant:v2:production//{good}"),
            BlobError::Name(NameError::Empty),
        ),
        (
            format!("sealant:v2:production/A/{good}/x"),
            BlobError::Hex {
                field: Field::Ciphertext,
                problem: HexProblem::NotHex { at: good.len() },
            },
        ),
        (
            format!("sealant:v2:production/A/{}", good.to_uppercase()),
            BlobError::Hex {
                field: Field::Ciphertext,
                problem: HexProblem::Uppercase { at: 1 },
            },
        ),
        (
            format!("sealant:v2:production/A/{good}0"),
            BlobError::Hex {
                field: Field::Ciphertext,
                problem: HexProblem::OddLength {
                    len: good.len() + 1,
                },
            },
        ),
        (
            format!("sealant:v2:production/A/{}", &good[..good.len() - 2]),
            BlobError::PayloadTooShort {
                found: good.len() - 2,
            },
        ),
        (
            format!("sealant:v2:production/A/{good} "),
            BlobError::Whitespace {
                at: "sealant:v2:production/A/".len() + good.len(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(BlobV2::parse(&text), Err(expected), "{text}");
        // No message repeats the text it rejects.
        let message = expected.to_string();
        assert!(
            !message.contains("hunter2") && !message.contains(&good[8..40]),
            "{message}"
        );
    }
}

#[test]
fn environment_names_are_short_lowercase_words() {
    for good in [
        "production",
        "staging",
        "test",
        "eu-west_2",
        &"e".repeat(32),
    ] {
        assert_eq!(validate_env(good), Ok(()), "{good}");
    }
    assert_eq!(validate_env(""), Err(EnvError::Empty));
    assert_eq!(
        validate_env(&"e".repeat(33)),
        Err(EnvError::TooLong { len: 33 })
    );
    for bad_start in ["Prod", "1st", "-x", "_x"] {
        assert_eq!(
            validate_env(bad_start),
            Err(EnvError::BadStart),
            "{bad_start}"
        );
    }
    for (bad, at) in [
        ("prod/x", 4),
        ("prod:x", 4),
        ("prod.x", 4),
        ("proD", 3),
        ("pröd", 2),
    ] {
        assert_eq!(validate_env(bad), Err(EnvError::BadChar { at }), "{bad}");
    }
}

#[test]
fn v2_keys_have_their_own_prefixes_and_round_trip() {
    let bytes = [0x5a; 32];
    let private = encode_private_key(&bytes);
    let public = encode_public_key(&bytes);
    assert_eq!(
        *private,
        format!("sealant-private-key-v2:{}", "5a".repeat(32))
    );
    assert_eq!(public, format!("sealant-public-key-v2:{}", "5a".repeat(32)));
    let mut out = [0u8; 32];
    decode_private_key(&private, &mut out).unwrap();
    assert_eq!(out, bytes);
    assert_eq!(decode_public_key(&public).unwrap(), bytes);
    // Neither text is taken for the other, nor for a v1 key.
    assert_eq!(decode_public_key(&private), Err(KeyError::MissingPrefix));
    assert_eq!(
        decode_private_key(&public, &mut out),
        Err(KeyError::MissingPrefix)
    );
    let v1 = format!("sealant-key-v1:{}", "5a".repeat(32));
    assert_eq!(
        decode_private_key(&v1, &mut out),
        Err(KeyError::MissingPrefix)
    );
    assert_eq!(decode_public_key(""), Err(KeyError::Empty));
    assert_eq!(
        decode_public_key(&format!("sealant-public-key-v2:{}", "5a".repeat(31))),
        Err(KeyError::Length { found: 62 })
    );
    assert_eq!(
        decode_public_key(&format!("sealant-public-key-v2:{}", "5A".repeat(32))),
        Err(KeyError::Hex(HexProblem::Uppercase { at: 1 }))
    );
}

#[test]
fn the_writers_match_the_allocating_builders_up_to_the_longest_fields() {
    let enc = [7u8; sealant_format::ENC_LEN];
    let nonce = [9u8; sealant_format::V2_NONCE_LEN];
    let kid = sealant_format::Kid::from_bytes([1, 2, 3, 4]);
    let long_env = format!("e{}", "x".repeat(sealant_format::MAX_ENV_LEN - 1));
    let long_name = "N".repeat(sealant_format::MAX_NAME_LEN);
    for (env, name) in [
        ("production", "API_TOKEN"),
        (long_env.as_str(), long_name.as_str()),
    ] {
        let mut buffer = [0u8; sealant_format::MAX_ASSOCIATED_DATA_V2_LEN];
        let written =
            sealant_format::write_associated_data_v2(env, name, kid, &enc, &nonce, &mut buffer);
        assert_eq!(
            written,
            Some(sealant_format::associated_data_v2(env, name, kid, &enc, &nonce).as_slice())
        );
        let mut buffer = [0u8; sealant_format::MAX_ASSOCIATED_DATA_V2_LEN];
        let written = sealant_format::write_exporter_context_v2(env, name, &nonce, &mut buffer);
        assert_eq!(
            written,
            Some(sealant_format::exporter_context_v2(env, name, &nonce).as_slice())
        );
    }
    let mut buffer = [0u8; sealant_format::MAX_ASSOCIATED_DATA_V2_LEN];
    let too_long = "N".repeat(sealant_format::MAX_NAME_LEN + 40);
    assert_eq!(
        sealant_format::write_associated_data_v2("e", &too_long, kid, &enc, &nonce, &mut buffer),
        None
    );
}

proptest::proptest! {
    /// The record readers take bytes from a binary's link section; whatever
    /// the bytes, they return a record or `None`, never panic, and a v2
    /// record reads back as written.
    #[test]
    fn record_readers_never_panic_and_read_back_what_was_written(
        bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        name in "[A-Za-z0-9_.-]{1,40}",
        envs in proptest::collection::vec("[a-z][a-z0-9_-]{0,12}", 1..4),
        sealed_len in 16usize..64,
    ) {
        let _ = sealant_format::record::Record::decode(&bytes);
        let _ = sealant_format::record::RecordV2::decode(&bytes);

        let enc = [3u8; sealant_format::ENC_LEN];
        let nonce = [4u8; sealant_format::V2_NONCE_LEN];
        let sealed = vec![5u8; sealed_len];
        let parts: Vec<sealant_format::record::BlobParts<'_>> = envs
            .iter()
            .map(|env| sealant_format::record::BlobParts {
                env,
                kid: [1, 2, 3, 4],
                enc: &enc,
                nonce: &nonce,
                sealed: &sealed,
            })
            .collect();
        let record = sealant_format::record::RecordV2::encode(&name, "SEALANT_KEY", &parts).unwrap();
        let (read, rest) = sealant_format::record::RecordV2::decode(&record).unwrap();
        proptest::prop_assert!(rest.is_empty());
        proptest::prop_assert_eq!(read.name, name.as_str());
        proptest::prop_assert_eq!(read.blobs().collect::<Vec<_>>(), parts);
        // Every truncation is refused.
        for len in 0..record.len() {
            proptest::prop_assert!(sealant_format::record::RecordV2::decode(&record[..len]).is_none());
        }
    }
}
