//! One key list may mix v1 keys and v2 private keys (issue 11: "a list may
//! mix v1 keys and v2 private keys"): each blob finds its key by kid.

use sealant::{Error, ExposeSecret, Identity, Key, Keyring};
use sealant_format::{Blob, BlobV2, KeyError};

#[test]
fn a_mixed_list_opens_v1_and_v2_blobs() {
    let v1 = Key::generate().unwrap();
    let v2 = Identity::generate().unwrap();
    let text = format!("{}\n{}", *v1.expose_text(), *v2.expose_text());
    let ring = Keyring::parse("SEALANT_KEY", &text).unwrap();
    assert_eq!(ring.keys().len(), 1);
    assert_eq!(ring.identities().len(), 1);
    assert_eq!(ring.kids(), [v1.kid(), v2.kid()]);

    let old = v1.seal("DATABASE_URL", b"postgres://").unwrap();
    assert_eq!(
        ring.open(&Blob::parse(&old).unwrap())
            .unwrap()
            .expose_secret(),
        "postgres://"
    );
    let new = v2
        .recipient()
        .seal("production", "STRIPE_API_KEY", b"sk_live")
        .unwrap();
    let new = BlobV2::parse(&new).unwrap();
    assert_eq!(ring.open_v2(&new).unwrap().expose_secret(), "sk_live");

    // A v2 blob for a key the ring lacks names every kid it holds.
    let other = Identity::generate().unwrap();
    let elsewhere = other.recipient().seal("production", "X", b"x").unwrap();
    match ring.open_v2(&BlobV2::parse(&elsewhere).unwrap()) {
        Err(Error::KeyNotFound {
            wanted, available, ..
        }) => {
            assert_eq!(wanted, other.kid());
            assert_eq!(available, [v1.kid(), v2.kid()]);
        }
        other => panic!("{other:?}"),
    }
    // Debug shows kids, never keys.
    let debug = format!("{ring:?}");
    assert!(debug.contains(&v2.kid().to_string()), "{debug}");
    let private = v2.expose_text();
    assert!(!debug.contains(&private[private.len() - 16..]), "{debug}");
}

#[test]
fn the_same_private_key_twice_is_kept_once_and_extend_merges() {
    let v2 = Identity::generate().unwrap();
    let text = format!("{0},{0}", *v2.expose_text());
    let mut ring = Keyring::parse("SEALANT_KEY", &text).unwrap();
    assert_eq!(ring.identities().len(), 1);
    let more = Identity::generate().unwrap();
    ring.extend(Keyring::parse("file", &more.expose_text()).unwrap())
        .unwrap();
    assert_eq!(ring.kids(), [v2.kid(), more.kid()]);
}

#[test]
fn a_public_key_given_to_open_says_what_it_is() {
    let v2 = Identity::generate().unwrap();
    let error = Keyring::parse("SEALANT_KEY", &v2.recipient().to_string()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::KeyMalformed {
                reason: KeyError::PublicKey,
                position: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("private key"), "{error}");
}
