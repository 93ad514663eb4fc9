//! Sealing and unsealing: round trips, and every way a blob must fail.

use sealant::{Error, ExposeSecret, Key, Keyring, Sealed, secret};
use sealant_format::{Blob, Kid};

/// Two throwaway keys; the first one sealed the items below.
const TEST_KEYS: &str = include_str!("fixtures/test.keys");
const PASSPHRASE_PLAINTEXT: &str = "correct horse battery staple";

#[secret]
const PASSPHRASE: Sealed = "sealant:v1:PASSPHRASE:697a9427:e9b498ae1b8faed0e4aea4ae:e185cb11181ad6d474ad8b2547d7e5c971d0d797d183f4974a6c69d33dcc96e4cc120293231c6e2ea97e2a57";

#[secret]
static UNICODE: Sealed = "sealant:v1:UNICODE:697a9427:a68706e8f61933de8183ff88:8aee821bd8c5e83170dce9d2cbadc1c21bb52df7d9c79cdb23f15d0480be3ba6a08a85ba04f3";

fn test_keys() -> Keyring {
    Keyring::parse("tests/fixtures/test.keys", TEST_KEYS).unwrap()
}

fn first_key() -> Key {
    let text = sealant_format::split_keys(TEST_KEYS).next().unwrap();
    Key::parse(text).unwrap()
}

fn second_key() -> Key {
    let text = sealant_format::split_keys(TEST_KEYS).nth(1).unwrap();
    Key::parse(text).unwrap()
}

fn ring_of(key: &Key) -> Keyring {
    Keyring::parse("test", &key.expose_text()).unwrap()
}

#[test]
fn sealed_items_unseal_to_their_plaintext() {
    let keys = test_keys();
    assert_eq!(
        PASSPHRASE.unseal_with(&keys).unwrap().expose_secret(),
        PASSPHRASE_PLAINTEXT
    );
    assert_eq!(
        UNICODE.unseal_with(&keys).unwrap().expose_secret(),
        "ünïcødé ✓ secret"
    );
}

#[test]
fn seal_then_open_round_trips() {
    let key = first_key();
    let ring = ring_of(&key);
    let long = "x".repeat(4096);
    for plaintext in ["", "a", "with\nnewline\n", "ünïcødé", long.as_str()] {
        let text = key.seal("ROUND_TRIP", plaintext.as_bytes()).unwrap();
        let blob = Blob::parse(&text).unwrap();
        assert_eq!(blob.to_string(), text, "printing is canonical");
        assert_eq!(ring.open(&blob).unwrap().expose_secret(), plaintext);
    }
}

#[test]
fn sealing_twice_never_repeats_a_blob() {
    let key = first_key();
    let a = key.seal("SAME", b"same plaintext").unwrap();
    let b = key.seal("SAME", b"same plaintext").unwrap();
    assert_ne!(a, b);
    assert_ne!(
        Blob::parse(&a).unwrap().nonce(),
        Blob::parse(&b).unwrap().nonce()
    );
}

/// Every single-bit flip of the kid, the nonce, the ciphertext or the tag,
/// and every flip of a name character that leaves a valid name, must fail.
#[test]
fn every_flipped_bit_fails() {
    let key = first_key();
    let ring = test_keys();
    let text = key.seal("FLIP_ME", b"a secret worth flipping").unwrap();
    let blob = Blob::parse(&text).unwrap();
    let mut tried = 0;

    let mut expect_failure = |name: &str, kid: Kid, nonce: [u8; 12], sealed: Vec<u8>| {
        let Ok(tampered) = Blob::new(name, kid, nonce, sealed) else {
            return;
        };
        let result = ring.open(&tampered);
        assert!(
            matches!(
                result,
                Err(Error::Authentication { .. } | Error::KeyNotFound { .. })
            ),
            "a tampered blob gave {result:?}"
        );
        tried += 1;
    };
    for bit in 0..32 {
        let kid =
            Kid::from_bytes((u32::from_be_bytes(blob.kid().to_bytes()) ^ (1 << bit)).to_be_bytes());
        expect_failure(blob.name(), kid, *blob.nonce(), blob.sealed().to_vec());
    }
    for i in 0..12 * 8 {
        let mut nonce = *blob.nonce();
        nonce[i / 8] ^= 1 << (i % 8);
        expect_failure(blob.name(), blob.kid(), nonce, blob.sealed().to_vec());
    }
    for i in 0..blob.sealed().len() * 8 {
        let mut sealed = blob.sealed().to_vec();
        sealed[i / 8] ^= 1 << (i % 8);
        expect_failure(blob.name(), blob.kid(), *blob.nonce(), sealed);
    }
    for i in 0..blob.name().len() * 8 {
        let mut name = blob.name().as_bytes().to_vec();
        name[i / 8] ^= 1 << (i % 8);
        if let Ok(name) = String::from_utf8(name) {
            expect_failure(&name, blob.kid(), *blob.nonce(), blob.sealed().to_vec());
        }
    }
    // kid 32 + nonce 96 + (23 + 16) * 8 ciphertext and tag, plus the name
    // flips that stay valid names.
    assert!(tried > 32 + 96 + 39 * 8, "only {tried} flips were tried");
}

#[test]
fn truncated_and_extended_ciphertexts_fail() {
    let key = first_key();
    let ring = ring_of(&key);
    let text = key.seal("CUT", b"cut me short").unwrap();
    let blob = Blob::parse(&text).unwrap();
    for len in 16..blob.sealed().len() {
        let cut = Blob::new(
            "CUT",
            blob.kid(),
            *blob.nonce(),
            blob.sealed()[..len].to_vec(),
        )
        .unwrap();
        assert!(
            matches!(ring.open(&cut), Err(Error::Authentication { .. })),
            "cut to {len}"
        );
    }
    let mut longer = blob.sealed().to_vec();
    longer.push(0);
    let extended = Blob::new("CUT", blob.kid(), *blob.nonce(), longer).unwrap();
    assert!(matches!(
        ring.open(&extended),
        Err(Error::Authentication { .. })
    ));
}

#[test]
fn a_blob_moved_to_another_name_fails() {
    let key = first_key();
    let ring = ring_of(&key);
    let text = key.seal("STRIPE_API_KEY", b"sk_live_x").unwrap();
    let blob = Blob::parse(&text).unwrap();
    let moved = Blob::new(
        "GITHUB_TOKEN",
        blob.kid(),
        *blob.nonce(),
        blob.sealed().to_vec(),
    )
    .unwrap();
    let error = ring.open(&moved).unwrap_err();
    assert!(
        matches!(&error, Error::Authentication { name, kid } if name == "GITHUB_TOKEN" && *kid == key.kid()),
        "{error:?}"
    );
}

#[test]
fn the_wrong_key_names_the_kid_wanted_and_the_kids_available() {
    let ring = ring_of(&second_key());
    let error = PASSPHRASE.unseal_with(&ring).unwrap_err();
    match &error {
        Error::KeyNotFound {
            name,
            wanted,
            available,
            origin,
        } => {
            assert_eq!(name, "PASSPHRASE");
            assert_eq!(*wanted, first_key().kid());
            assert_eq!(available, &[second_key().kid()]);
            assert_eq!(origin, "test");
        }
        other => panic!("expected KeyNotFound, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(&first_key().kid().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&second_key().kid().to_string()),
        "{message}"
    );
}

#[test]
fn a_blob_relabelled_with_another_kid_fails_to_authenticate() {
    let first = first_key();
    let text = first.seal("RELABEL", b"v").unwrap();
    let blob = Blob::parse(&text).unwrap();
    let relabelled = Blob::new(
        "RELABEL",
        second_key().kid(),
        *blob.nonce(),
        blob.sealed().to_vec(),
    )
    .unwrap();
    let error = test_keys().open(&relabelled).unwrap_err();
    assert!(matches!(error, Error::Authentication { .. }), "{error:?}");
}

#[test]
fn a_plaintext_that_is_not_utf8_is_refused() {
    let key = first_key();
    let blob = key.seal("BINARY", &[0xff, 0xfe, 0x00]).unwrap();
    let error = ring_of(&key)
        .open(&Blob::parse(&blob).unwrap())
        .unwrap_err();
    assert!(
        matches!(&error, Error::NotUtf8 { name } if name == "BINARY"),
        "{error:?}"
    );
}

#[test]
fn keyrings_take_commas_whitespace_and_duplicates() {
    let [a, b] = [first_key().expose_text(), second_key().expose_text()];
    let ring = Keyring::parse("t", &format!("{}, {}\r\n{}\n", *a, *b, *a)).unwrap();
    assert_eq!(ring.keys().len(), 2, "the same key twice is kept once");
    assert_eq!(ring.keys()[0].kid(), first_key().kid(), "order is kept");
}

#[test]
fn malformed_keys_say_which_and_never_show_the_key() {
    let good = first_key().expose_text();
    let hex = &good["sealant-key-v1:".len()..];
    let cases = [
        (format!("{}, sealant-key-v1:{}", *good, &hex[..62]), 2),
        (format!("sealant-key-v1:{}", hex.to_uppercase()), 1),
        (format!("sealant-key-v2:{hex}"), 1),
        (hex.to_owned(), 1),
        (format!("sealant-key-v1:{hex}00"), 1),
    ];
    for (text, position) in cases {
        let error = Keyring::parse("SEALANT_KEY", &text).unwrap_err();
        assert!(
            matches!(&error, Error::KeyMalformed { position: p, origin, .. } if *p == position && origin == "SEALANT_KEY"),
            "{error:?}"
        );
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(
                !shown.contains(&hex[..16]),
                "the error shows key material: {shown}"
            );
            assert!(
                !shown.contains(&hex[..16].to_uppercase()),
                "the error shows key material: {shown}"
            );
        }
    }
    assert!(matches!(
        Keyring::parse("SEALANT_KEY", " \n,"),
        Err(Error::KeyEmpty { .. })
    ));
}

#[test]
fn no_error_or_debug_output_shows_plaintext_or_key() {
    let keys = test_keys();
    let secret = PASSPHRASE.unseal_with(&keys).unwrap();
    let key_hex = &first_key().expose_text()["sealant-key-v1:".len()..].to_owned();
    let errors = [
        PASSPHRASE.unseal_with(&ring_of(&second_key())).unwrap_err(),
        Error::Authentication {
            name: "PASSPHRASE".into(),
            kid: first_key().kid(),
        },
    ];
    let mut shown = vec![
        format!("{secret:?}"),
        format!("{keys:?}"),
        format!("{:?}", first_key()),
        format!("{PASSPHRASE:?}"),
    ];
    shown.extend(
        errors
            .iter()
            .flat_map(|e| [e.to_string(), format!("{e:?}")]),
    );
    for text in shown {
        assert!(!text.contains(PASSPHRASE_PLAINTEXT), "plaintext in {text}");
        assert!(!text.contains(&key_hex[..16]), "key material in {text}");
    }
}
