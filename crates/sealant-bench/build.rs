//! Seals the generated secrets of the benchmarks and examples, with the
//! public bench key.

use std::fmt::Write as _;
use std::path::Path;

#[path = "src/lib.rs"]
#[allow(dead_code, unreachable_pub)]
mod bench;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/lib.rs");
    println!("cargo::rerun-if-changed=src/bench.key");
    println!("cargo::rerun-if-changed=src/bench-v2.key");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);
    let keyring = sealant::Keyring::parse("bench.key", bench::BENCH_KEY).expect("a valid key");
    let key = &keyring.keys()[0];

    // The latency benchmark: one secret per size.
    let mut sizes = String::new();
    for size in [16, 64, 1024, 4096] {
        let name = format!("SIZE_{size}");
        let blob = key
            .seal(&name, bench::plaintext(0, size).as_bytes())
            .expect("sealed");
        writeln!(
            sizes,
            "#[::sealant::secret]\npub(crate) const {name}: ::sealant::Sealed = \"{blob}\";"
        )
        .unwrap();
    }
    std::fs::write(out.join("sizes.rs"), sizes).expect("OUT_DIR is writable");
    digests(out);

    // unseal_all and startup: N secrets of 32 bytes, sealed and plain.
    for n in [100, 1000, 10_000] {
        let mut sealed = String::new();
        let mut plain = String::new();
        let mut sealed_list = String::from("pub(crate) static ALL: &[::sealant::Sealed] = &[");
        let mut plain_list = String::from("pub(crate) static ALL: &[&str] = &[");
        for i in 0..n {
            let name = format!("S{i}");
            let value = bench::plaintext(i, 32);
            let blob = key.seal(&name, value.as_bytes()).expect("sealed");
            writeln!(
                sealed,
                "#[::sealant::secret]\npub(crate) const {name}: ::sealant::Sealed = \"{blob}\";"
            )
            .unwrap();
            writeln!(plain, "pub(crate) const {name}: &str = \"{value}\";").unwrap();
            write!(sealed_list, "{name},").unwrap();
            write!(plain_list, "{name},").unwrap();
        }
        sealed.push_str(&sealed_list);
        sealed.push_str("];\n");
        plain.push_str(&plain_list);
        plain.push_str("];\n");
        std::fs::write(out.join(format!("sealed_{n}.rs")), sealed).expect("OUT_DIR is writable");
        std::fs::write(out.join(format!("plain_{n}.rs")), plain).expect("OUT_DIR is writable");
    }

    #[cfg(feature = "v2")]
    v2(out);
}

/// v2 blobs of the `bench` environment of the repository's Sealant.toml:
/// 100 and 10,000 secrets sealed in one batch (one encapsulation), and 100
/// each with its own, as separate `set`s make them.
#[cfg(feature = "v2")]
fn v2(out: &Path) {
    let key = first_key(bench::BENCH_KEY_V2);
    let identity = sealant::Identity::parse(key).expect("a valid key");
    let recipient = identity.recipient();
    for (file, n, batch) in [
        ("v2_batch_100.rs", 100, true),
        ("v2_each_100.rs", 100, false),
        ("v2_batch_10000.rs", 10_000, true),
    ] {
        let sealer = recipient.sealer("bench").expect("a sealer");
        let mut items = String::new();
        let mut list = String::from("pub(crate) static ALL: &[::sealant::Sealed] = &[");
        for i in 0..n {
            let name = format!("V{i}");
            let value = bench::plaintext(i, 32);
            let blob = if batch {
                sealer.seal(&name, value.as_bytes())
            } else {
                recipient.seal("bench", &name, value.as_bytes())
            }
            .expect("sealed");
            writeln!(
                items,
                "#[::sealant::secret]\npub(crate) const {name}: ::sealant::Sealed = \"{blob}\";"
            )
            .unwrap();
            write!(list, "{name},").unwrap();
        }
        items.push_str(&list);
        items.push_str("];\n");
        std::fs::write(out.join(file), items).expect("OUT_DIR is writable");
    }
}

/// The one key of a key file's text, past its comment lines.
#[cfg(feature = "v2")]
fn first_key(text: &str) -> &str {
    text.lines()
        .find(|line| !line.starts_with('#') && !line.trim().is_empty())
        .expect("a key")
        .trim()
}

/// The digest benchmark: 1,000 minted tokens' #[digest] items, the tokens
/// themselves (a bench may hold them; a service holds only digests), and,
/// with `argon2`, one human-chosen secret's Argon2id digest.
fn digests(out: &Path) {
    let mut items = String::new();
    let mut tokens = String::from("pub(crate) const TOKENS: [&str; 1000] = [");
    for i in 0..1000 {
        let name = format!("CLIENT_{i:04}");
        let (token, digest) = sealant::digest::mint(&name, &format!("client{i}")).expect("minted");
        writeln!(
            items,
            "#[::sealant::digest]\npub(crate) const {name}: ::sealant::Digest = \"{digest}\";"
        )
        .unwrap();
        write!(tokens, "\"{}\",", token.as_str()).unwrap();
    }
    tokens.push_str("];\n");
    items.push_str(&tokens);
    #[cfg(feature = "argon2")]
    {
        let digest =
            sealant::digest::digest_of("HUMAN", "correct horse battery staple").expect("hashed");
        writeln!(
            items,
            "#[::sealant::digest]\npub(crate) const HUMAN: ::sealant::Digest = \"{digest}\";"
        )
        .unwrap();
    }
    std::fs::write(out.join("digests.rs"), items).expect("OUT_DIR is writable");
}
