//! Decrypted plaintext and key material do not linger in freed heap memory:
//! seal, unseal, use and drop many secrets under an allocator that scans
//! every freed block, and require zero hits. A positive control proves the
//! scan finds what it looks for.

use std::process::ExitCode;

use sealant::{ExposeSecret, Key, Keyring, Sealed, secret};
use sealant_format::Blob;
use sealant_memory_tests::ScanningAllocator;

const PLAINTEXT: &str = "memcheck-plaintext-7f3a9c1e-do-not-leak";
/// A public test key (vector 1 of docs/FORMAT.md).
const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_BYTES: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    26, 27, 28, 29, 30, 31,
];
const ROUNDS: usize = 1000;
/// A v2 private key: vector 2 of docs/FORMAT.md, public.
#[cfg(feature = "v2")]
const PRIVATE_HEX: &str = "7777777777777777777777777777777777777777777777777777777777777777";
/// Its bytes, and the form X25519 clamps them to (which is what a
/// library may hold).
#[cfg(feature = "v2")]
const PRIVATE_BYTES: [u8; 32] = [0x77; 32];
#[cfg(feature = "v2")]
const PRIVATE_CLAMPED: [u8; 32] = {
    let mut clamped = [0x77; 32];
    clamped[0] &= 248;
    clamped[31] = (clamped[31] & 127) | 64;
    clamped
};

#[cfg(not(feature = "v2"))]
static NEEDLES: &[&[u8]] = &[PLAINTEXT.as_bytes(), KEY_HEX.as_bytes(), &KEY_BYTES];
#[cfg(feature = "v2")]
static NEEDLES: &[&[u8]] = &[
    PLAINTEXT.as_bytes(),
    KEY_HEX.as_bytes(),
    &KEY_BYTES,
    PRIVATE_HEX.as_bytes(),
    &PRIVATE_BYTES,
    &PRIVATE_CLAMPED,
];

#[global_allocator]
static ALLOCATOR: ScanningAllocator = ScanningAllocator::new(NEEDLES);

/// Sealed with the key above; the plaintext is `PLAINTEXT`.
#[secret]
const MEMCHECK: Sealed = "sealant:v1:MEMCHECK:bf71c3f0:303e0f5aa7c03bc1134f2d5a:29f2f034664f119cd4837e5e48cc1bc21e8c2f1ddf28a76634da8256aa6d089d5980fc2907d81bea7e5a295081a77e1a73e16615c6ce8f";

fn main() -> ExitCode {
    // Positive control: a plain String holding the plaintext, dropped
    // without zeroizing, must be found.
    ALLOCATOR.arm();
    drop(String::from(PLAINTEXT));
    let (hits, _) = ALLOCATOR.disarm();
    assert_eq!(hits, 1, "the scan does not find a freed plaintext");

    ALLOCATOR.arm();
    let mut used = 0;
    {
        let key_text = sealant::secrecy::SecretString::from(format!("sealant-key-v1:{KEY_HEX}"));
        let keyring = Keyring::parse("memcheck", key_text.expose_secret()).unwrap();
        let key: &Key = &keyring.keys()[0];
        for round in 0..ROUNDS {
            // Seal and open a fresh blob...
            let text = key.seal("MEMCHECK", PLAINTEXT.as_bytes()).unwrap();
            let blob = Blob::parse(&text).unwrap();
            let secret = keyring.open(&blob).unwrap();
            used += secret.expose_secret().len();
            // ...and the one embedded by #[secret].
            let embedded = MEMCHECK.unseal_with(&keyring).unwrap();
            used += embedded.expose_secret().len();
            // A key parsed and dropped each round, too.
            if round % 100 == 0 {
                drop(Keyring::parse("again", key_text.expose_secret()).unwrap());
            }
        }
    }
    let v2_unseals = v2_rounds(&mut used);
    let (hits, scanned) = ALLOCATOR.disarm();
    assert_eq!(used, (2 * ROUNDS + v2_unseals) * PLAINTEXT.len());
    println!(
        "freed memory: {scanned} freed blocks scanned after {} unseals ({v2_unseals} of v2 blobs), {hits} held plaintext or key",
        2 * ROUNDS + v2_unseals
    );
    if hits == 0 {
        println!("test result: ok. 1 passed; 0 failed");
        ExitCode::SUCCESS
    } else {
        eprintln!("test result: FAILED. {hits} freed blocks held plaintext or key material");
        ExitCode::FAILURE
    }
}

/// Seals and opens v2 blobs with a private key parsed each round, as a
/// process that loads its identity and opens its secrets does; returns how
/// many it opened.
#[cfg(feature = "v2")]
fn v2_rounds(used: &mut usize) -> usize {
    const V2_ROUNDS: usize = 200;
    // Built in place at its exact length: `format!` may grow its buffer,
    // and SecretString shrinks spare capacity, each freeing a copy.
    let mut text = String::with_capacity("sealant-private-key-v2:".len() + PRIVATE_HEX.len());
    text.push_str("sealant-private-key-v2:");
    text.push_str(PRIVATE_HEX);
    let text = sealant::secrecy::SecretString::from(text);
    for _ in 0..V2_ROUNDS {
        let identity = sealant::Identity::parse(text.expose_secret()).unwrap();
        let blob = identity
            .recipient()
            .seal("production", "MEMCHECK", PLAINTEXT.as_bytes())
            .unwrap();
        let blob = sealant_format::BlobV2::parse(&blob).unwrap();
        *used += identity.open(&blob).unwrap().expose_secret().len();

        // Through a keyring, as a service does: an embedded secret opened
        // by `unseal_all` (which keeps its exported key), then unsealed
        // three times (from that key; then keeping its AES-GCM state; then
        // with it), the HPKE receiver kept too, then the ring dropped.
        let keyring = sealant::Keyring::parse("memcheck", text.expose_secret()).unwrap();
        let parts = [sealant_format::record::BlobParts::of(&blob)];
        let record =
            sealant_format::record::RecordV2::encode("MEMCHECK", "SEALANT_KEY", &parts).unwrap();
        let sealed = sealant::__private::sealed(Box::leak(record.into_boxed_slice()));
        let report = sealant::__private::unseal_each_with([sealed], &keyring).unwrap();
        *used += report.unsealed() * PLAINTEXT.len();
        for _ in 0..3 {
            *used += sealed.unseal_with(&keyring).unwrap().expose_secret().len();
        }
        drop(keyring);
    }
    V2_ROUNDS * 5
}

#[cfg(not(feature = "v2"))]
fn v2_rounds(_: &mut usize) -> usize {
    0
}
