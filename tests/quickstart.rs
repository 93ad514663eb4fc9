//! The quickstart example, built in release and run as a service would run:
//! its binary holds neither the plaintexts nor the key, it starts with the
//! demo key, and without the right key it stops listing every secret.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The plaintexts sealed in examples/quickstart.rs.
const PLAINTEXTS: [&str; 3] = [
    "sk_test_51DemoOnlyNotARealStripeKey",
    "postgres://app:demo-only-password@localhost:5432/app",
    "demo-only-webhook-signing-secret",
];
/// The demo partner token whose digest examples/quickstart.rs holds (a
/// test fixture: a service's source holds only the digest).
const PARTNER_TOKEN: &str =
    "demo_acme_599051af0d173e76655fccc31a3c4a4c59da1ec5f815d774201e0934000eac1dcadc68a908c53421";
const NAMES: [&str; 3] = ["STRIPE_API_KEY", "DATABASE_URL", "webhook.signing-secret"];
const DEMO_KEY_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo.key");

/// Builds the quickstart in release once, in the target directory this test
/// runs from, and returns the binary's path.
fn quickstart() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // <target>/debug/deps/quickstart-<hash>
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().to_owned();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "--example",
                "quickstart",
                "--target-dir",
            ])
            .arg(&target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building the quickstart failed");
        target.join("release/examples/quickstart")
    })
}

fn run(configure: impl FnOnce(&mut Command)) -> Output {
    let mut command = Command::new(quickstart());
    command
        .env_remove("SEALANT_KEY")
        .env_remove("SEALANT_KEY_FILE")
        .env_remove("SEALANT_KEY_COMMAND")
        .env_remove("CREDENTIALS_DIRECTORY");
    configure(&mut command);
    command.output().unwrap()
}

fn demo_key_text() -> String {
    let text = std::fs::read_to_string(DEMO_KEY_FILE).unwrap();
    sealant_format::split_keys(&text).next().unwrap().to_owned()
}

#[test]
fn release_binary_holds_no_plaintext_and_no_key() {
    let binary = std::fs::read(quickstart()).unwrap();
    let key_text = demo_key_text();
    let mut key = [0u8; 32];
    sealant_format::decode_key(&key_text, &mut key).unwrap();
    let hex = &key_text["sealant-key-v1:".len()..];

    let contains = |needle: &[u8]| binary.windows(needle.len()).any(|w| w == needle);
    let mut needles: Vec<(&str, Vec<u8>)> = PLAINTEXTS
        .iter()
        .map(|p| ("a plaintext", p.as_bytes().to_vec()))
        .collect();
    // Distinctive pieces too, in case a plaintext were split or re-encoded.
    needles.push(("a plaintext fragment", b"demo-only-password".to_vec()));
    needles.push(("the key's text", hex.as_bytes().to_vec()));
    needles.push(("the key's bytes", key.to_vec()));
    needles.push(("the key's first half", key[..16].to_vec()));
    needles.push(("the partner's token", PARTNER_TOKEN.as_bytes().to_vec()));
    needles.push((
        "the partner token's secret part",
        PARTNER_TOKEN.as_bytes()[PARTNER_TOKEN.len() - 72..].to_vec(),
    ));
    for (what, needle) in &needles {
        assert!(!contains(needle), "the release binary contains {what}");
    }
    // The scan can find things: the blobs' names are in the binary.
    assert!(
        contains(b"webhook.signing-secret"),
        "the scan found nothing it should"
    );
}

#[test]
fn starts_with_the_demo_key_from_a_file() {
    let output = run(|c| {
        c.env("SEALANT_KEY_FILE", DEMO_KEY_FILE);
    });
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with("unsealed 3 secrets with key "),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("has the expected shape").count(),
        3,
        "{stdout}"
    );
    for plaintext in PLAINTEXTS {
        assert!(!stdout.contains(plaintext));
    }
}

#[test]
fn starts_with_the_demo_key_among_others_in_the_variable() {
    let other = sealant::Key::generate().unwrap();
    let keys = format!("{},{}", *other.expose_text(), demo_key_text());
    let output = run(|c| {
        c.env("SEALANT_KEY", keys);
    });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn without_a_key_it_stops_and_names_every_secret_and_the_variable() {
    let output = run(|_| {});
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("3 of 3 sealed secrets could not be unsealed"),
        "{stderr}"
    );
    // The key problem is said once, then every secret that needs it.
    assert_eq!(
        stderr
            .matches("no key: neither SEALANT_KEY nor SEALANT_KEY_FILE is set")
            .count(),
        1,
        "{stderr}"
    );
    let mut names = NAMES.to_vec();
    names.sort_unstable();
    assert!(
        stderr.contains(&format!("    needed by 3 secrets: {}", names.join(", "))),
        "{stderr}"
    );
}

#[test]
fn with_the_wrong_key_it_names_the_kid_wanted() {
    let other = sealant::Key::generate().unwrap();
    let output = run(|c| {
        c.env("SEALANT_KEY", &*other.expose_text());
    });
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let demo_kid = sealant::Key::parse(&demo_key_text()).unwrap().kid();
    for name in NAMES {
        assert!(
            stderr.contains(&format!(
                "{name}: secret {name} was sealed with key {demo_kid}"
            )),
            "{stderr}"
        );
    }
    assert!(stderr.contains(&other.kid().to_string()), "{stderr}");
    assert!(
        !stderr.contains(&other.expose_text()[15..]),
        "the error shows the key"
    );
}

#[test]
fn a_malformed_key_is_reported_without_echoing_it() {
    let key = demo_key_text()
        .to_uppercase()
        .replace("SEALANT-KEY-V1", "sealant-key-v1");
    let output = run(|c| {
        c.env("SEALANT_KEY", &key);
    });
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("key #1 in SEALANT_KEY is malformed: the key is not lowercase hex"),
        "{stderr}"
    );
    assert!(!stderr.contains(&key[15..]), "the error shows the key");
}

#[test]
fn both_key_variables_set_is_refused() {
    let output = run(|c| {
        c.env("SEALANT_KEY", demo_key_text())
            .env("SEALANT_KEY_FILE", DEMO_KEY_FILE);
    });
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("both SEALANT_KEY and SEALANT_KEY_FILE are set"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn starts_with_the_key_a_command_prints() {
    let output = run(|c| {
        c.env("SEALANT_KEY_COMMAND", format!("cat '{DEMO_KEY_FILE}'"));
    });
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with("unsealed 3 secrets with key "),
        "{stdout}"
    );

    // A command beside the file: two sources, both named, nothing opened.
    let output = run(|c| {
        c.env("SEALANT_KEY_COMMAND", format!("cat '{DEMO_KEY_FILE}'"))
            .env("SEALANT_KEY_FILE", DEMO_KEY_FILE);
    });
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("both SEALANT_KEY_FILE and SEALANT_KEY_COMMAND are set"),
        "{stderr}"
    );
}

#[test]
fn verifies_the_partner_token_and_refuses_a_changed_one() {
    let accepted = run(|c| {
        c.env("SEALANT_KEY_FILE", DEMO_KEY_FILE).arg(PARTNER_TOKEN);
    });
    let stdout = String::from_utf8(accepted.stdout).unwrap();
    assert!(
        stdout.ends_with("token: accepted, from PARTNER_ACME\n"),
        "{stdout}"
    );
    let mut changed = PARTNER_TOKEN.to_owned();
    changed.pop();
    changed.push('x');
    let refused = run(|c| {
        c.env("SEALANT_KEY_FILE", DEMO_KEY_FILE).arg(&changed);
    });
    let stdout = String::from_utf8(refused.stdout).unwrap();
    assert!(stdout.ends_with("token: refused\n"), "{stdout}");
}
