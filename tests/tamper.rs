//! Tampering: every single-bit flip anywhere in a blob's text, every
//! truncation and every extension is rejected, by the parser or by AES-GCM,
//! and never yields plaintext. Then the same as properties over random
//! names and plaintexts.

use proptest::prelude::*;
use sealant::{Error, ExposeSecret, Key, Keyring};
use sealant_format::Blob;

/// Counts of how tampered texts were rejected.
#[derive(Default, Debug)]
struct Rejections {
    not_utf8: usize,
    by_parser: usize,
    by_aead: usize,
}

impl Rejections {
    fn total(&self) -> usize {
        self.not_utf8 + self.by_parser + self.by_aead
    }

    /// `bytes` is a tampered blob text: it must not open.
    fn expect_rejected(&mut self, ring: &Keyring, bytes: &[u8], what: &str) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.not_utf8 += 1;
            return;
        };
        match Blob::parse(text) {
            Err(_) => self.by_parser += 1,
            Ok(blob) => match ring.open(&blob) {
                Err(Error::Authentication { .. } | Error::KeyNotFound { .. }) => self.by_aead += 1,
                Err(other) => panic!("{what}: unexpected error {other:?}"),
                Ok(_) => panic!("{what}: a tampered blob opened: {text}"),
            },
        }
    }
}

fn key() -> Key {
    Key::parse("sealant-key-v1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        .unwrap()
}

#[test]
fn every_bit_flip_truncation_and_extension_is_rejected() {
    let key = key();
    let ring = Keyring::parse("test", &key.expose_text()).unwrap();
    let long = "p".repeat(100);
    let cases = [
        ("A", ""),
        ("API_TOKEN", "x"),
        ("db.password-2", "sixteen bytes!!!"),
        ("LONG", long.as_str()),
    ];
    let mut flips = Rejections::default();
    let mut cuts = Rejections::default();
    let mut extensions = Rejections::default();
    for (name, plaintext) in cases {
        let text = key.seal(name, plaintext.as_bytes()).unwrap();
        let bytes = text.as_bytes();
        // Every field: prefix, version, name, kid, nonce, ciphertext, tag,
        // and the separators between them.
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut tampered = bytes.to_vec();
                tampered[i] ^= 1 << bit;
                flips.expect_rejected(
                    &ring,
                    &tampered,
                    &format!("{name}: flip byte {i} bit {bit}"),
                );
            }
        }
        for len in 0..bytes.len() {
            cuts.expect_rejected(&ring, &bytes[..len], &format!("{name}: cut to {len}"));
        }
        for extra in ["0", "00", "ff", "0000", ":", ":00", " ", "\n", "\"", "é"] {
            let tampered = [bytes, extra.as_bytes()].concat();
            extensions.expect_rejected(&ring, &tampered, &format!("{name}: extended by {extra:?}"));
        }
    }
    eprintln!("bit flips rejected: {flips:?}, total {}", flips.total());
    eprintln!("truncations rejected: {cuts:?}, total {}", cuts.total());
    eprintln!(
        "extensions rejected: {extensions:?}, total {}",
        extensions.total()
    );
    // The blobs above have 4 * 8 * (text length) flips in all; each one was
    // rejected (the helper panics otherwise), and AES-GCM, not only the
    // parser, rejected many of them.
    assert!(flips.total() > 4 * 8 * 90, "{flips:?}");
    assert!(flips.by_aead > 1000, "{flips:?}");
    assert!(extensions.by_aead > 0, "{extensions:?}");
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_holds(name in name(), plaintext in any::<String>()) {
        let key = key();
        let ring = Keyring::parse("test", &key.expose_text()).unwrap();
        let text = key.seal(&name, plaintext.as_bytes()).unwrap();
        let blob = Blob::parse(&text).unwrap();
        prop_assert_eq!(blob.to_string(), text.clone());
        let opened = ring.open(&blob).unwrap();
        prop_assert_eq!(opened.expose_secret(), plaintext.as_str());
    }

    #[test]
    fn any_bit_flip_fails(name in name(), plaintext in ".{0,64}", position in any::<prop::sample::Index>(), bit in 0u8..8) {
        let key = key();
        let ring = Keyring::parse("test", &key.expose_text()).unwrap();
        let text = key.seal(&name, plaintext.as_bytes()).unwrap();
        let mut bytes = text.into_bytes();
        let i = position.index(bytes.len());
        bytes[i] ^= 1 << bit;
        if let Ok(text) = std::str::from_utf8(&bytes) && let Ok(blob) = Blob::parse(text) {
            prop_assert!(ring.open(&blob).is_err());
        }
    }

    #[test]
    fn another_name_fails(name in name(), other in name(), plaintext in ".{0,32}") {
        prop_assume!(name != other);
        let key = key();
        let ring = Keyring::parse("test", &key.expose_text()).unwrap();
        let text = key.seal(&name, plaintext.as_bytes()).unwrap();
        let blob = Blob::parse(&text).unwrap();
        let moved = Blob::new(&other, blob.kid(), *blob.nonce(), blob.sealed().to_vec()).unwrap();
        let is_authentication_error = matches!(ring.open(&moved), Err(Error::Authentication { .. }));
        prop_assert!(is_authentication_error);
    }

    /// The parsers never panic, on any text or on texts shaped almost like
    /// a blob or a key.
    #[test]
    fn parsers_never_panic(text in any::<String>(), tail in "[0-9a-fA-F:xv ]{0,120}") {
        let _ = Blob::parse(&text);
        let _ = Blob::parse(&format!("sealant:v1:{tail}"));
        let _ = Blob::parse(&format!("sealant:{tail}"));
        let mut out = [0u8; 32];
        let _ = sealant_format::decode_key(&text, &mut out);
        let _ = sealant_format::decode_key(&format!("sealant-key-v1:{tail}"), &mut out);
        let _ = Keyring::parse("fuzz", &text);
    }
}

#[test]
fn sealing_the_same_plaintext_never_repeats_a_nonce() {
    let key = key();
    let mut nonces = std::collections::HashSet::new();
    for _ in 0..2000 {
        let text = key.seal("SAME", b"same plaintext").unwrap();
        assert!(
            nonces.insert(*Blob::parse(&text).unwrap().nonce()),
            "a nonce repeated"
        );
    }
}
