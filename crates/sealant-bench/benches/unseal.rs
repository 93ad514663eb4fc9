//! Unseal latency against a raw AES-256-GCM decrypt of the same bytes, and
//! `unseal_all` over 100, 1,000 and 10,000 secrets.
//!
//! `cargo bench -p sealant-bench --bench unseal`. The bench runs itself
//! again with SEALANT_KEY set to the public bench key, so that
//! `Sealed::unseal` reads its key as a service does.

use std::hint::black_box;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use criterion::{BenchmarkId, Criterion, Throughput};
use sealant::Keyring;
use sealant_bench::{BENCH_KEY, plaintext};
use sealant_format::Blob;

include!(concat!(env!("OUT_DIR"), "/sizes.rs"));

mod many {
    include!(concat!(env!("OUT_DIR"), "/sealed_10000.rs"));
}

fn latency(c: &mut Criterion) {
    let keyring = Keyring::parse("bench.key", BENCH_KEY).unwrap();
    let key = &keyring.keys()[0];
    let key_hex = sealant_format::split_keys(BENCH_KEY).next().unwrap();
    let mut key_bytes = [0u8; 32];
    sealant_format::decode_key(key_hex, &mut key_bytes).unwrap();
    let cipher = Aes256Gcm::new_from_slice(&key_bytes).unwrap();

    let mut group = c.benchmark_group("unseal");
    for (size, sealed) in [
        (16, &SIZE_16),
        (64, &SIZE_64),
        (1024, &SIZE_1024),
        (4096, &SIZE_4096),
    ] {
        group.throughput(Throughput::Bytes(size as u64));
        // The same kind of blob, as bytes the raw AEAD can take.
        let text = key
            .seal(sealed.name(), plaintext(0, size).as_bytes())
            .unwrap();
        let blob = Blob::parse(&text).unwrap();
        let aad = blob.associated_data();
        let nonce = Nonce::from(*blob.nonce());
        group.bench_with_input(
            BenchmarkId::new("raw aes-gcm decrypt", size),
            &size,
            |b, _| {
                b.iter(|| {
                    let payload = Payload {
                        msg: black_box(blob.sealed()),
                        aad: aad.as_bytes(),
                    };
                    cipher.decrypt(&nonce, payload).unwrap()
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("Sealed::unseal", size), &size, |b, _| {
            b.iter(|| black_box(sealed).unseal().unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("Sealed::unseal_with", size),
            &size,
            |b, _| b.iter(|| black_box(sealed).unseal_with(&keyring).unwrap()),
        );
    }
    group.finish();
}

fn unseal_all(c: &mut Criterion) {
    let mut group = c.benchmark_group("unseal_all");
    group.sample_size(20);
    for n in [100, 1000, 10_000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| sealant::__private::unseal_each(many::ALL[..n].iter().copied()).unwrap())
        });
    }
    // The real thing: every secret registered in this binary.
    let registered = sealant::all().count();
    group.bench_function(BenchmarkId::new("all registered", registered), |b| {
        b.iter(|| sealant::unseal_all().unwrap())
    });
    group.finish();
}

fn main() {
    if std::env::var_os("SEALANT_KEY").is_none() {
        let key = sealant_format::split_keys(BENCH_KEY).next().unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(std::env::args_os().skip(1))
            .env_remove("SEALANT_KEY_FILE")
            .env_remove("SEALANT_KEY_COMMAND")
            .env_remove("CREDENTIALS_DIRECTORY")
            .env("SEALANT_KEY", key)
            .status()
            .unwrap();
        std::process::exit(status.code().unwrap_or(1));
    }
    let mut criterion = Criterion::default().configure_from_args();
    latency(&mut criterion);
    unseal_all(&mut criterion);
    criterion.final_summary();
}
