//! Generates a source tree for benchmarking `cargo sealant check` and
//! `rotate`: FILES files holding SECRETS sealed secrets in all.
//!
//! ```text
//! cargo run --release -p cargo-sealant --example gen_tree -- DIR KEY_FILE [FILES] [SECRETS]
//! ```
//!
//! It writes a new key to KEY_FILE and seals every secret with it.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: gen_tree DIR KEY_FILE [FILES] [SECRETS]";
    let dir = PathBuf::from(args.next().expect(usage));
    let key_file = PathBuf::from(args.next().expect(usage));
    let files: usize = args.next().map_or(1000, |n| n.parse().expect(usage));
    let secrets: usize = args.next().map_or(10_000, |n| n.parse().expect(usage));

    let key = sealant::Key::generate().expect("the OS RNG works");
    fs::write(&key_file, format!("{}\n", *key.expose_text())).expect("KEY_FILE is writable");
    let src = dir.join("src");
    fs::create_dir_all(&src).expect("DIR is writable");
    let per_file = secrets.div_ceil(files);
    let mut made = 0;
    for f in 0..files {
        let mut body = String::from("use sealant::{Sealed, secret};\n");
        for _ in 0..per_file.min(secrets - made) {
            let name = format!("SECRET_{made}");
            let blob = key
                .seal(&name, format!("value-{made}-0123456789abcdef").as_bytes())
                .expect("a valid name");
            write!(
                body,
                "\n/// Secret {made}.\n#[secret]\npub const {name}: Sealed = \"{blob}\";\n"
            )
            .unwrap();
            made += 1;
        }
        fs::write(src.join(format!("m{f}.rs")), body).expect("DIR is writable");
    }
    eprintln!(
        "wrote {made} secrets in {files} files under {}",
        src.display()
    );
}
