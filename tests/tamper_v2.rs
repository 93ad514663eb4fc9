//! Tampering with v2 blobs: every single-bit flip anywhere in the text,
//! every truncation and every extension is rejected, by the parser or by
//! HPKE and AES-GCM, and never yields plaintext. Then round trips as
//! properties over random environments, names and plaintexts.

use proptest::prelude::*;
use sealant::{Error, ExposeSecret, Identity};
use sealant_format::BlobV2;

/// A public test key (vector 1 of docs/FORMAT.md); never seal with it.
const PRIVATE: &str =
    "sealant-private-key-v2:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

#[derive(Default, Debug)]
struct Rejections {
    not_utf8: usize,
    by_parser: usize,
    by_crypto: usize,
}

impl Rejections {
    fn expect_rejected(&mut self, identity: &Identity, bytes: &[u8], what: &str) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.not_utf8 += 1;
            return;
        };
        match BlobV2::parse(text) {
            Err(_) => self.by_parser += 1,
            Ok(blob) => match identity.open(&blob) {
                Err(Error::Authentication { .. } | Error::KeyNotFound { .. }) => {
                    self.by_crypto += 1
                }
                Err(other) => panic!("{what}: unexpected error {other:?}"),
                Ok(_) => panic!("{what}: a tampered blob opened: {text}"),
            },
        }
    }
}

#[test]
fn every_bit_flip_truncation_and_extension_is_rejected() {
    let identity = Identity::parse(PRIVATE).unwrap();
    let long = "p".repeat(100);
    let cases = [
        ("production", "A", ""),
        ("staging", "API_TOKEN", "x"),
        ("test", "db.password-2", "sixteen bytes!!!"),
        ("eu-west_2", "LONG", long.as_str()),
    ];
    let mut flips = Rejections::default();
    let mut cuts = Rejections::default();
    let mut extensions = Rejections::default();
    for (env, name, plaintext) in cases {
        let text = identity
            .recipient()
            .seal(env, name, plaintext.as_bytes())
            .unwrap();
        let blob = BlobV2::parse(&text).unwrap();
        assert_eq!(identity.open(&blob).unwrap().expose_secret(), plaintext);
        let bytes = text.as_bytes();
        for at in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.to_vec();
                flipped[at] ^= 1 << bit;
                flips.expect_rejected(
                    &identity,
                    &flipped,
                    &format!("{name}: bit {bit} of byte {at}"),
                );
            }
        }
        for len in 0..bytes.len() {
            cuts.expect_rejected(&identity, &bytes[..len], &format!("{name}: cut to {len}"));
        }
        for extra in ["0", "00", "ff", "/", ":", " ", "0000000000000000"] {
            let mut longer = bytes.to_vec();
            longer.extend_from_slice(extra.as_bytes());
            extensions.expect_rejected(&identity, &longer, &format!("{name}: + {extra:?}"));
        }
    }
    // Every part of the text is covered by some rejection: the parser for
    // the structure, the key agreement and AES-GCM for every payload byte.
    assert!(
        flips.by_parser > 0 && flips.by_crypto > 0 && flips.not_utf8 > 0,
        "{flips:?}"
    );
    assert!(cuts.by_parser > 0 && cuts.by_crypto > 0, "{cuts:?}");
    println!("flips {flips:?}\ncuts {cuts:?}\nextensions {extensions:?}");
}

fn env() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,31}"
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any environment, name and plaintext round-trips; the text is
    /// canonical; and the blob opens under nothing else.
    #[test]
    fn round_trips_and_binds_its_environment_and_name(
        env in env(),
        other_env in env(),
        name in name(),
        plaintext in any::<String>(),
    ) {
        let identity = Identity::generate().unwrap();
        let text = identity.recipient().seal(&env, &name, plaintext.as_bytes()).unwrap();
        let blob = BlobV2::parse(&text).unwrap();
        prop_assert_eq!(blob.to_string(), text.clone());
        let opened = identity.open(&blob).unwrap();
        prop_assert_eq!(opened.expose_secret(), plaintext.as_str());
        if other_env != env {
            let moved = text.replacen(&format!(":{env}/"), &format!(":{other_env}/"), 1);
            let moved = BlobV2::parse(&moved).unwrap();
            prop_assert!(matches!(identity.open(&moved), Err(Error::Authentication { .. })), "moved to {}", other_env);
        }
    }

    /// The v2 parser never panics, whatever the text.
    #[test]
    fn the_parser_never_panics(text in "sealant:v2:[ -~]{0,200}") {
        let _ = BlobV2::parse(&text);
    }
}
