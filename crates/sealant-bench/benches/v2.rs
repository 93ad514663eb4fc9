//! Opening a v2 (public-key) blob against opening a v1 blob of the same
//! plaintext, in one process: with the key agreement (what a blob with an
//! encapsulation of its own costs), after it (what each further blob of a
//! batch costs), and the key agreement alone.
//!
//! `cargo bench -p sealant-bench --features v2 --bench v2`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use sealant::{Identity, Keyring};
use sealant_bench::{BENCH_KEY, plaintext};
use sealant_format::{Blob, BlobV2};

fn open(c: &mut Criterion) {
    let keyring = Keyring::parse("bench.key", BENCH_KEY).unwrap();
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

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    open(&mut criterion);
    criterion.final_summary();
}
