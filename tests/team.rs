//! The team example (v2 blobs, one per environment), built in release and
//! run as each deployment would run it: its binary holds neither the
//! plaintexts nor a private key, each environment's key opens that
//! environment's values, and a deployment whose keys do not say which
//! environment it is stops and says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The plaintexts sealed in examples/team.rs.
const PLAINTEXTS: [&str; 4] = [
    "sk_live_DemoOnlyNotARealStripeKey",
    "sk_test_DemoOnlyNotARealStripeKey",
    "postgres://app:demo-only-prod@db.prod.internal:5432/app",
    "postgres://app:demo-only-staging@db.staging.internal:5432/app",
];
const DIR: &str = env!("CARGO_MANIFEST_DIR");

fn key_file(env: &str) -> String {
    format!("{DIR}/examples/demo-{env}.key")
}

fn key_text(env: &str) -> String {
    let text = std::fs::read_to_string(key_file(env)).unwrap();
    sealant_format::split_keys(&text).next().unwrap().to_owned()
}

/// Builds the example in release once, in the target directory this test
/// runs from, and returns the binary's path.
fn team() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // <target>/debug/deps/team-<hash>
        let exe = std::env::current_exe().unwrap();
        let target = exe.ancestors().nth(3).unwrap().to_owned();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "--features",
                "v2",
                "--example",
                "team",
            ])
            .arg("--target-dir")
            .arg(&target)
            .current_dir(DIR)
            .status()
            .unwrap();
        assert!(status.success(), "building the team example failed");
        target.join("release/examples/team")
    })
}

fn run(env: &[(&str, String)]) -> Output {
    let mut command = Command::new(team());
    command
        .env_remove("SEALANT_KEY")
        .env_remove("SEALANT_KEY_FILE")
        .env_remove("SEALANT_KEY_COMMAND")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("SEALANT_ENV");
    for (var, value) in env {
        command.env(var, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn release_binary_holds_no_plaintext_and_no_private_key() {
    let binary = std::fs::read(team()).unwrap();
    let contains = |needle: &[u8]| binary.windows(needle.len()).any(|w| w == needle);
    let mut needles: Vec<(String, Vec<u8>)> = PLAINTEXTS
        .iter()
        .map(|p| (format!("the plaintext {p}"), p.as_bytes().to_vec()))
        .collect();
    needles.push(("a plaintext fragment".into(), b"demo-only-prod".to_vec()));
    for env in ["production", "staging", "test"] {
        let text = key_text(env);
        let mut key = [0u8; 32];
        sealant_format::decode_private_key(&text, &mut key).unwrap();
        let hex = &text["sealant-private-key-v2:".len()..];
        needles.push((format!("{env}'s private key text"), hex.as_bytes().to_vec()));
        needles.push((format!("{env}'s private key bytes"), key.to_vec()));
        needles.push((format!("half of {env}'s private key"), key[..16].to_vec()));
    }
    for (what, needle) in &needles {
        assert!(!contains(needle), "the release binary contains {what}");
    }
    // The scan can find things: the secrets' names and environments are in
    // the binary.
    assert!(contains(b"STRIPE_API_KEY") && contains(b"staging"));
}

#[test]
fn each_environment_opens_its_own_values() {
    for (env, kind) in [("production", "live"), ("staging", "test")] {
        let output = run(&[("SEALANT_KEY_FILE", key_file(env))]);
        let stdout = text(&output.stdout);
        assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
        assert!(
            stdout.starts_with("unsealed 2 secrets with key "),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("; environment {env} (2)")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("  STRIPE_API_KEY: {env}, key ")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("STRIPE_API_KEY is a {kind} key")),
            "{stdout}"
        );
        assert!(
            stdout.contains("DATABASE_URL is a postgres URL: true"),
            "{stdout}"
        );
        for plaintext in PLAINTEXTS {
            assert!(!stdout.contains(plaintext));
        }
    }
}

#[test]
fn keys_of_two_environments_need_sealant_env() {
    let both = format!("{},{}", key_text("production"), key_text("staging"));
    let output = run(&[("SEALANT_KEY", both.clone())]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("2 of 2 sealed secrets could not be unsealed")
            && stderr.contains("has blobs for environments production, staging")
            && stderr.contains("set SEALANT_ENV"),
        "{stderr}"
    );
    let output = run(&[("SEALANT_KEY", both), ("SEALANT_ENV", "staging".into())]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("; environment staging (2)"));
}

#[test]
fn an_environment_without_blobs_is_named_with_the_command_that_fixes_it() {
    // The test environment is declared, and no secret of the example has a
    // blob for it.
    let output = run(&[("SEALANT_KEY_FILE", key_file("test"))]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    for needle in [
        "secret STRIPE_API_KEY has no blob for the keys",
        "it has blobs for production, staging",
        "cargo sealant set STRIPE_API_KEY --env ENV",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let output = run(&[
        ("SEALANT_KEY_FILE", key_file("staging")),
        ("SEALANT_ENV", "production".into()),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("was sealed with key 80dcbeb3"), "{stderr}");
    let output = run(&[
        ("SEALANT_KEY_FILE", key_file("staging")),
        ("SEALANT_ENV", "Prod!".into()),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("SEALANT_ENV does not hold an environment name"),
        "{stderr}"
    );
}
