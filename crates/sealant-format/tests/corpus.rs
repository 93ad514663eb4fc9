//! Replays the fuzz corpus (fuzz/corpus, grown by `bash fuzz/run.sh`) on
//! the stable toolchain: no input panics a parser, every accepted blob is
//! canonical, and every accepted key prints back as its text. A crash the
//! fuzzer finds is added to the corpus and so becomes a regression test.

use std::path::Path;

use sealant_format::{Blob, BlobV2, decode_key, encode_key};

fn inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let inputs: Vec<_> = entries
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(inputs.len() >= 3, "the {target} corpus is missing");
    inputs
}

#[test]
fn blob_corpus() {
    let mut accepted = 0;
    for input in inputs("blob") {
        let Ok(text) = std::str::from_utf8(&input) else {
            continue;
        };
        if let Ok(blob) = Blob::parse(text) {
            assert_eq!(blob.to_string(), text);
            accepted += 1;
        }
    }
    assert!(accepted >= 2, "the seeds with valid blobs are gone");
}

#[test]
fn blob_v2_corpus() {
    let mut accepted = 0;
    for input in inputs("blob_v2") {
        let Ok(text) = std::str::from_utf8(&input) else {
            continue;
        };
        if let Ok(blob) = BlobV2::parse(text) {
            assert_eq!(blob.to_string(), text);
            accepted += 1;
        }
    }
    assert!(accepted >= 2, "the seeds with valid v2 blobs are gone");
}

#[test]
fn key_corpus() {
    for input in inputs("key") {
        let Ok(text) = std::str::from_utf8(&input) else {
            continue;
        };
        let mut key = [0u8; 32];
        if decode_key(text, &mut key).is_ok() {
            assert_eq!(*encode_key(&key), text);
        }
        let _ = sealant_format::split_keys(text).count();
    }
}
