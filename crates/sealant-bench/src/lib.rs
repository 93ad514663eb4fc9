//! Sealant's benchmarks. See BENCHMARKS.md at the repository's root.
//!
//! `build.rs` seals the secrets that the benchmarks and the startup and
//! size examples include, with [`BENCH_KEY`], a public throwaway key.

#![forbid(unsafe_code)]

/// The public key every generated secret is sealed with. Never seal a real
/// secret with it.
pub const BENCH_KEY: &str = include_str!("bench.key");

/// The private key of the `bench` environment of the repository's
/// Sealant.toml, which the generated v2 secrets are sealed to. Public and
/// throwaway, like [`BENCH_KEY`].
pub const BENCH_KEY_V2: &str = include_str!("bench-v2.key");

/// The plaintext of generated secret number `i` of `size` bytes.
pub fn plaintext(i: usize, size: usize) -> String {
    let mut text = format!("secret-{i}-");
    while text.len() < size {
        text.push(char::from(b'a' + (text.len() % 26) as u8));
    }
    text.truncate(size);
    text
}
