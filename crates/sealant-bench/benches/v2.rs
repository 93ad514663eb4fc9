//! v2 (public-key) blobs against v1 ones, in one process.
//!
//! - `open`: an already-parsed blob, with and without its key agreement.
//! - `unseal_v2`: `Sealed::unseal_with` of an embedded secret once its
//!   ring has opened it (what every unseal after `unseal_all` costs),
//!   against a v1 secret.
//! - `unseal_all_v2`: `unseal_all`'s work over a set of secrets, with a
//!   ring fresh for each iteration (what it costs at startup): 100 secrets
//!   sealed in one batch, 100 each with its own encapsulation, 10,000 in
//!   one batch, and 100 v1 secrets as the baseline.
//!
//! `cargo bench -p sealant-bench --features v2 --bench v2`

#![allow(dead_code)] // Each set's items are reached through its `ALL`.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion};
use sealant::{Identity, Keyring, Sealed};
use sealant_bench::{BENCH_KEY, BENCH_KEY_V2, plaintext};
use sealant_format::{Blob, BlobV2};

mod v1_100 {
    include!(concat!(env!("OUT_DIR"), "/sealed_100.rs"));
}
mod batch_100 {
    include!(concat!(env!("OUT_DIR"), "/v2_batch_100.rs"));
}
mod each_100 {
    include!(concat!(env!("OUT_DIR"), "/v2_each_100.rs"));
}
mod batch_10000 {
    include!(concat!(env!("OUT_DIR"), "/v2_batch_10000.rs"));
}

fn v1_ring() -> Keyring {
    Keyring::parse("bench.key", BENCH_KEY).unwrap()
}

fn v2_ring() -> Keyring {
    Keyring::parse("bench-v2.key", BENCH_KEY_V2).unwrap()
}

fn open(c: &mut Criterion) {
    let keyring = v1_ring();
    let identity = Identity::generate().unwrap();
    let mut group = c.benchmark_group("open");
    for size in [16, 64, 1024] {
        let plaintext = plaintext(0, size);
        let v1_text = keyring.keys()[0]
            .seal("BENCH", plaintext.as_bytes())
            .unwrap();
        let v1 = Blob::parse(&v1_text).unwrap();
        let v2_text = identity
            .recipient()
            .seal("production", "BENCH", plaintext.as_bytes())
            .unwrap();
        let v2 = BlobV2::parse(&v2_text).unwrap();
        let receiver = identity.receiver_for(&v2).unwrap();
        group.bench_with_input(BenchmarkId::new("v1 Keyring::open", size), &size, |b, _| {
            b.iter(|| keyring.open(black_box(&v1)).unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("v2 Receiver::open (after the key agreement)", size),
            &size,
            |b, _| b.iter(|| receiver.open(black_box(&v2)).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("v2 Identity::open (with the key agreement)", size),
            &size,
            |b, _| b.iter(|| identity.open(black_box(&v2)).unwrap()),
        );
    }
    group.finish();
}

fn unseal_after_setup(c: &mut Criterion) {
    let (v1, v2) = (v1_ring(), v2_ring());
    let v1_secret = v1_100::ALL[0];
    let v2_secret = batch_100::ALL[0];
    // Setup: the ring opens the v2 secret once, as `unseal_all` does.
    v2_secret.unseal_with(&v2).unwrap();
    let mut group = c.benchmark_group("unseal_v2");
    group.bench_function("v1 Sealed::unseal_with (baseline)", |b| {
        b.iter(|| black_box(v1_secret).unseal_with(&v1).unwrap())
    });
    group.bench_function("v2 Sealed::unseal_with, after setup", |b| {
        b.iter(|| black_box(v2_secret).unseal_with(&v2).unwrap())
    });
    group.finish();
}

fn open_all(secrets: &[Sealed], ring: &Keyring) -> usize {
    sealant::__private::unseal_each_with(secrets.iter().copied(), ring)
        .unwrap()
        .unsealed()
}

/// A label, a set of secrets, and the ring that opens them.
type Set = (&'static str, &'static [Sealed], fn() -> Keyring);

fn unseal_all(c: &mut Criterion) {
    let mut group = c.benchmark_group("unseal_all_v2");
    group.sample_size(20);
    let sets: [Set; 4] = [
        ("v1, 100 (baseline)", v1_100::ALL, v1_ring),
        ("v2 one batch, 100", batch_100::ALL, v2_ring),
        ("v2 each its own set, 100", each_100::ALL, v2_ring),
        ("v2 one batch, 10000", batch_10000::ALL, v2_ring),
    ];
    for (label, secrets, ring) in sets {
        group.bench_function(label, |b| {
            // The ring is returned, so that dropping it (and the keys it
            // kept) is not timed: a service keeps its ring.
            b.iter_batched(
                ring,
                |ring| {
                    black_box(open_all(secrets, &ring));
                    ring
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    open(&mut criterion);
    unseal_after_setup(&mut criterion);
    unseal_all(&mut criterion);
    criterion.final_summary();
}
