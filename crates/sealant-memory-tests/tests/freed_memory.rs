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

#[global_allocator]
static ALLOCATOR: ScanningAllocator =
    ScanningAllocator::new(&[PLAINTEXT.as_bytes(), KEY_HEX.as_bytes(), &KEY_BYTES]);

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
    let (hits, scanned) = ALLOCATOR.disarm();
    assert_eq!(used, 2 * ROUNDS * PLAINTEXT.len());
    println!(
        "freed memory: {scanned} freed blocks scanned after {} unseals, {hits} held plaintext or key",
        2 * ROUNDS
    );
    if hits == 0 {
        println!("test result: ok. 1 passed; 0 failed");
        ExitCode::SUCCESS
    } else {
        eprintln!("test result: FAILED. {hits} freed blocks held plaintext or key material");
        ExitCode::FAILURE
    }
}
