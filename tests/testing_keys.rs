//! `sealant::testing::use_test_keys`: tests open the `test` environment's
//! blobs with the committed test key, whatever keys the shell holds.
//!
//! The tests that change the process's keys are `#[ignore]`d and run one
//! at a time, each in a process of its own, by the tests that spawn them
//! with the environment of a developer who holds the production key.

use std::process::Command;

use sealant::{Error, ExposeSecret, Sealed, secret};

/// The public test key of the repository's Sealant.toml.
const TEST_KEYS: &str = include_str!("../examples/demo-test.key");
const PRODUCTION_KEY_FILE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-production.key");

#[secret]
const PAYMENTS_TOKEN: Sealed = [
    "sealant:v2:production/PAYMENTS_TOKEN/80dcbeb31294f1e00269d06daa00524a4fa09df00b333b186eb995dc43c998d43cf4b71796e36d1dd1b75db739237d1fe1ce6aee85cbb19b8b4d85284110743d90e6f65a7acc3c2bbf4a0d8bf5b7491c88b6aa1e943c36abddd9",
    "sealant:v2:test/PAYMENTS_TOKEN/236afc059d0703c5b5f6c3a7d6028ca154825951e6cb168f1f25b7032fe7c8cf6de85f06e8cd439fb8cab7a026fc59ff459dc44f965b4b1704de9db393ebffb2a73efa62cfe8fb577a41a64b00dee0da92019ef9e5",
];

/// Runs the ignored test `name` of this binary in a process of its own,
/// with the production key in `SEALANT_KEY_FILE` and `SEALANT_ENV` set to
/// production, and checks that it passed.
fn run_alone(name: &str) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", name, "--test-threads", "1"])
        .env_remove("SEALANT_KEY")
        .env_remove("SEALANT_KEY_COMMAND")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("SEALANT_KEY_FILE", PRODUCTION_KEY_FILE)
        .env("SEALANT_ENV", "production")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name}:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn tests_open_the_test_environment_whatever_the_shell_holds() {
    run_alone("opens_the_test_blob");
}

#[test]
fn the_test_keys_come_first_or_not_at_all() {
    run_alone("too_late_after_an_unseal");
}

#[test]
#[ignore = "changes the process's keys; run by tests_open_the_test_environment_whatever_the_shell_holds"]
fn opens_the_test_blob() {
    sealant::testing::use_test_keys(TEST_KEYS).unwrap();
    // Again, from another test of the same process: no effect, no error.
    sealant::testing::use_test_keys(TEST_KEYS).unwrap();
    assert_eq!(
        PAYMENTS_TOKEN.unseal().unwrap().expose_secret(),
        "sk_test_for_tests"
    );
    let report = sealant::unseal_all().unwrap();
    assert_eq!(report.environments().collect::<Vec<_>>(), [("test", 1)]);
    // Other keys now are a mistake, said as such.
    let other = sealant::Identity::generate().unwrap();
    let error = sealant::testing::use_test_keys(&other.expose_text()).unwrap_err();
    assert!(matches!(error, Error::TestKeys { .. }), "{error:?}");
}

#[test]
#[ignore = "changes the process's keys; run by the_test_keys_come_first_or_not_at_all"]
fn too_late_after_an_unseal() {
    // The shell's production key opens the production blob...
    assert_eq!(
        PAYMENTS_TOKEN.unseal().unwrap().expose_secret(),
        "sk_live_never_in_tests"
    );
    // ...and test keys can no longer take over silently.
    let error = sealant::testing::use_test_keys(TEST_KEYS).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("already unsealed with the keys of SEALANT_KEY"),
        "{error}"
    );
}
