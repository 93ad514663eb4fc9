//! Verify-only secrets: `Digest::verify` of a minted token against a raw
//! HMAC-SHA256 of the same bytes (the baseline), a mangled token (refused by
//! its checksum), `verify_token` among 1,000 digests against one
//! `Digest::verify`, and (with `argon2`) an Argon2id verify at OWASP's
//! parameters.
//!
//! `cargo bench -p sealant-bench --bench digest [--features argon2]`

use std::hint::black_box;

use criterion::Criterion;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// Every item registers its digest for `verify_token`, used or not.
#[allow(dead_code)]
mod registered {
    include!(concat!(env!("OUT_DIR"), "/digests.rs"));
}

#[cfg(feature = "argon2")]
use registered::HUMAN;
use registered::{CLIENT_0500, TOKENS};

fn digests(c: &mut Criterion) {
    let token = TOKENS[500];
    let mut group = c.benchmark_group("digest");
    let salt = [7u8; 16];
    group.bench_function("raw HMAC-SHA256 of the token (baseline)", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&salt)).unwrap();
            mac.update(black_box(token).as_bytes());
            mac.finalize()
        })
    });
    assert!(CLIENT_0500.verify(token));
    group.bench_function("Digest::verify", |b| {
        b.iter(|| CLIENT_0500.verify(black_box(token)))
    });
    let mut mangled = token.to_owned().into_bytes();
    let last = mangled.len() - 1;
    mangled[last] = if mangled[last] == b'0' { b'1' } else { b'0' };
    let mangled = String::from_utf8(mangled).unwrap();
    assert!(!CLIENT_0500.verify(&mangled));
    group.bench_function("Digest::verify, mangled checksum", |b| {
        b.iter(|| CLIENT_0500.verify(black_box(&mangled)))
    });
    assert_eq!(sealant::verify_token(token), Some("CLIENT_0500"));
    group.bench_function("verify_token among 1,000 digests", |b| {
        b.iter(|| sealant::verify_token(black_box(token)))
    });
    group.finish();
    #[cfg(feature = "argon2")]
    {
        let mut group = c.benchmark_group("digest_argon2id");
        group.sample_size(10);
        assert!(HUMAN.verify("correct horse battery staple"));
        group.bench_function("Digest::verify, Argon2id m=19456 t=2 p=1", |b| {
            b.iter(|| HUMAN.verify(black_box("correct horse battery staple")))
        });
        group.finish();
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    digests(&mut c);
    c.final_summary();
}
