//! `init`, `keygen --env` and `seal --env`: a developer seals a secret for
//! an environment with only the committed Sealant.toml, no private key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::text;
use sealant::{ExposeSecret, Keyring};
use sealant_format::BlobV2;
use sealant_policy::{Policy, Status};

/// Runs the CLI in `dir`, with no key variable.
fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    common::cargo_sealant(args, stdin, |command| {
        command.current_dir(dir);
    })
}

/// A crate: a directory with a Cargo.toml and src/.
fn crate_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"svc\"\n").unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    dir
}

fn policy(dir: &Path) -> Policy {
    Policy::parse(&std::fs::read_to_string(dir.join("Sealant.toml")).unwrap()).unwrap()
}

fn keygen(dir: &Path, env: &str, out: &str) -> PathBuf {
    let output = run_in(dir, &["keygen", "--env", env, "--out", out], b"");
    assert!(output.status.success(), "{}", text(&output.stderr));
    dir.join(out)
}

#[test]
fn init_writes_sealant_toml_once_at_the_workspace_root() {
    let dir = crate_dir();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\"svc\"]\n",
    )
    .unwrap();
    let member = dir.path().join("svc");
    std::fs::create_dir(&member).unwrap();
    std::fs::write(member.join("Cargo.toml"), "[package]\nname = \"svc\"\n").unwrap();
    let output = run_in(&member, &["init"], b"");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(dir.path().join("Sealant.toml")).unwrap();
    assert_eq!(written, sealant_policy::TEMPLATE);
    let again = run_in(&member, &["init"], b"");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );

    let nowhere = tempfile::tempdir().unwrap();
    let output = run_in(nowhere.path(), &["init"], b"");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}

#[cfg(unix)]
#[test]
fn keygen_env_adds_the_public_key_and_retires_the_old_one_in_place() {
    use std::os::unix::fs::PermissionsExt;
    let dir = crate_dir();
    let before = run_in(
        dir.path(),
        &["keygen", "--env", "production", "--out", "p.key"],
        b"",
    );
    assert_eq!(before.status.code(), Some(2));
    assert!(
        text(&before.stderr).contains("cargo sealant init"),
        "{}",
        text(&before.stderr)
    );
    assert!(
        !dir.path().join("p.key").exists(),
        "no key without a Sealant.toml to record it"
    );

    assert!(run_in(dir.path(), &["init"], b"").status.success());
    // A comment of the user's survives every edit.
    let path = dir.path().join("Sealant.toml");
    let mut text_before = std::fs::read_to_string(&path).unwrap();
    text_before.push_str("# our note\n");
    std::fs::write(&path, &text_before).unwrap();

    let first = keygen(dir.path(), "production", "p1.key");
    let mode = std::fs::metadata(&first).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let ring = Keyring::from_file(&first).unwrap();
    let first_kid = ring.identities()[0].kid();
    let production = policy(dir.path())
        .environment("production")
        .unwrap()
        .clone();
    assert_eq!(production.active().unwrap().kid, first_kid);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with(&text_before)
    );

    let second = keygen(dir.path(), "production", "p2.key");
    let second_kid = Keyring::from_file(&second).unwrap().identities()[0].kid();
    let production = policy(dir.path())
        .environment("production")
        .unwrap()
        .clone();
    let statuses: Vec<_> = production
        .keys()
        .iter()
        .map(|k| (k.kid, k.status))
        .collect();
    assert_eq!(
        statuses,
        [(first_kid, Status::Retired), (second_kid, Status::Active)]
    );
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("# our note\n")
    );

    // A key file is never overwritten, and then Sealant.toml is unchanged.
    let unchanged = std::fs::read(&path).unwrap();
    let output = run_in(
        dir.path(),
        &["keygen", "--env", "production", "--out", "p2.key"],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read(&path).unwrap(), unchanged);
}

#[test]
fn seal_env_needs_no_private_key_and_only_the_private_key_opens() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    let production = keygen(dir.path(), "production", "prod.key");
    let staging = keygen(dir.path(), "staging", "staging.key");

    // No key variable is set: the public keys in Sealant.toml are enough.
    let output = run_in(
        dir.path(),
        &[
            "seal",
            "--name",
            "STRIPE_API_KEY",
            "--env",
            "production",
            "--env",
            "staging",
        ],
        b"sk_live_123\n",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let blobs: Vec<_> = stdout.lines().collect();
    assert_eq!(blobs.len(), 2, "{stdout}");
    for (blob, env, key_file) in [
        (blobs[0], "production", &production),
        (blobs[1], "staging", &staging),
    ] {
        let blob = BlobV2::parse(blob).unwrap();
        assert_eq!((blob.env(), blob.name()), (env, "STRIPE_API_KEY"));
        let ring = Keyring::from_file(key_file).unwrap();
        assert_eq!(ring.open_v2(&blob).unwrap().expose_secret(), "sk_live_123");
    }
    // Staging's key does not open production's blob.
    let staging_ring = Keyring::from_file(&staging).unwrap();
    assert!(
        staging_ring
            .open_v2(&BlobV2::parse(blobs[0]).unwrap())
            .is_err()
    );

    let all = run_in(
        dir.path(),
        &["seal", "--name", "X", "--all-envs", "--rust"],
        b"x",
    );
    assert!(all.status.success(), "{}", text(&all.stderr));
    let item = text(&all.stdout);
    assert!(
        item.starts_with("#[secret]\nconst X: Sealed = [\n    \"sealant:v2:production/X/"),
        "{item}"
    );
    assert!(item.contains("\", // staging\n];\n"), "{item}");

    let unknown = run_in(dir.path(), &["seal", "--name", "X", "--env", "prod"], b"x");
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = text(&unknown.stderr);
    assert!(
        stderr.contains("no environment `prod`") && stderr.contains("production, staging"),
        "{stderr}"
    );
    assert!(unknown.stdout.is_empty());
}

#[test]
fn revoke_rewrites_one_word_and_says_when_an_environment_has_no_active_key() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    let old = keygen(dir.path(), "production", "old.key");
    let new = keygen(dir.path(), "production", "new.key");
    let old_kid = Keyring::from_file(&old).unwrap().identities()[0]
        .kid()
        .to_string();
    let new_kid = Keyring::from_file(&new).unwrap().identities()[0]
        .kid()
        .to_string();
    let path = dir.path().join("Sealant.toml");
    let before = std::fs::read_to_string(&path).unwrap();

    let output = run_in(dir.path(), &["revoke", &old_kid], b"");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let after = std::fs::read_to_string(&path).unwrap();
    // Only the old key's status word changed.
    assert_eq!(
        after,
        before.replacen("status = \"retired\"", "status = \"revoked\"", 1)
    );
    let again = run_in(dir.path(), &["revoke", &old_kid], b"");
    assert!(again.status.success());
    assert!(
        text(&again.stderr).contains("already revoked"),
        "{}",
        text(&again.stderr)
    );

    let output = run_in(dir.path(), &["revoke", &new_kid], b"");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("`production` now has no active key"),
        "{}",
        text(&output.stderr)
    );
    let statuses: Vec<_> = policy(dir.path())
        .environment("production")
        .unwrap()
        .keys()
        .iter()
        .map(|k| k.status)
        .collect();
    assert_eq!(statuses, [Status::Revoked, Status::Revoked]);
    // Sealing for it now says why it cannot.
    let seal = run_in(
        dir.path(),
        &["seal", "--name", "X", "--env", "production"],
        b"x",
    );
    assert_eq!(seal.status.code(), Some(1));
    assert!(
        text(&seal.stderr).contains("has no active key"),
        "{}",
        text(&seal.stderr)
    );

    let unknown = run_in(dir.path(), &["revoke", "00000000"], b"");
    assert_eq!(unknown.status.code(), Some(1));
    let bad = run_in(dir.path(), &["revoke", "xyz"], b"");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn check_refuses_a_sealant_toml_whose_kid_is_not_its_key() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    let key = keygen(dir.path(), "production", "p.key");
    let ok = run_in(dir.path(), &["check", "."], b"");
    assert!(ok.status.success(), "{}", text(&ok.stdout));

    // Someone edits the kid: the build would trust it, check does not.
    let kid = Keyring::from_file(&key).unwrap().identities()[0]
        .kid()
        .to_string();
    let path = dir.path().join("Sealant.toml");
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&kid, "0badc0de");
    std::fs::write(&path, edited).unwrap();
    let bad = run_in(dir.path(), &["check", "--json", "."], b"");
    assert_eq!(bad.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    let errors = report["policy_errors"].to_string();
    assert!(
        errors.contains("kid 0badc0de is listed for a public key whose kid is"),
        "{errors}"
    );
    assert!(errors.contains(&kid), "{errors}");

    // A file that breaks the rules is a failure too, with its line.
    std::fs::write(&path, "require = [\"production\"]\n").unwrap();
    let broken = run_in(dir.path(), &["check", "."], b"");
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        text(&broken.stdout).contains("line 1:"),
        "{}",
        text(&broken.stdout)
    );
}

/// The item of `name` in `file`, as `(environment, blob)` pairs.
fn blobs_of(file: &Path) -> Vec<(String, String)> {
    let source = std::fs::read_to_string(file).unwrap();
    source
        .split('"')
        .filter(|part| part.starts_with("sealant:v"))
        .map(|blob| {
            let env = BlobV2::parse(blob).map_or("*".to_owned(), |b| b.env().to_owned());
            (env, blob.to_owned())
        })
        .collect()
}

fn reveal(dir: &Path, name: &str, key: &Path, env: Option<&str>) -> Output {
    let key = key.to_str().unwrap();
    let mut args = vec!["reveal", name, "src", "--force", "--key-file", key];
    if let Some(env) = env {
        args.extend(["--env", env]);
    }
    run_in(dir, &args, b"")
}

#[test]
fn set_env_fills_one_environment_at_a_time_without_a_private_key() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    let production = keygen(dir.path(), "production", "prod.key");
    let staging = keygen(dir.path(), "staging", "staging.key");
    let file = dir.path().join("src/secrets.rs");
    let set = |env: &str, value: &[u8]| {
        let output = run_in(
            dir.path(),
            &[
                "set",
                "STRIPE_API_KEY",
                "--env",
                env,
                "--file",
                "src/secrets.rs",
            ],
            value,
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
        output
    };

    // A new item holds one blob, as a plain string.
    set("production", b"sk_live_1\n");
    let source = std::fs::read_to_string(&file).unwrap();
    assert!(
        source.contains("pub(crate) const STRIPE_API_KEY: Sealed = \"sealant:v2:production/"),
        "{source}"
    );
    // A second environment turns it into a list, each blob labelled.
    set("staging", b"sk_test_1");
    let source = std::fs::read_to_string(&file).unwrap();
    assert!(
        source.contains("\", // production\n    \"sealant:v2:staging/"),
        "{source}"
    );
    let before = blobs_of(&file);
    assert_eq!(
        before
            .iter()
            .map(|(env, _)| env.as_str())
            .collect::<Vec<_>>(),
        ["production", "staging"]
    );
    // Setting one environment again replaces its blob only.
    let output = set("production", b"sk_live_2");
    assert!(
        text(&output.stderr).contains("updated STRIPE_API_KEY in src/secrets.rs for production"),
        "{}",
        text(&output.stderr)
    );
    let after = blobs_of(&file);
    assert_ne!(after[0], before[0]);
    assert_eq!(after[1], before[1]);

    // Each environment's key opens its own blob, and only it.
    let opened = reveal(dir.path(), "STRIPE_API_KEY", &production, None);
    assert_eq!(
        text(&opened.stdout),
        "sk_live_2",
        "{}",
        text(&opened.stderr)
    );
    let opened = reveal(dir.path(), "STRIPE_API_KEY", &staging, None);
    assert_eq!(
        text(&opened.stdout),
        "sk_test_1",
        "{}",
        text(&opened.stderr)
    );
    let refused = reveal(dir.path(), "STRIPE_API_KEY", &staging, Some("production"));
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty());
    assert!(
        text(&refused.stderr).contains("private key of environment `production`"),
        "{}",
        text(&refused.stderr)
    );

    // check without keys passes; list shows the environments.
    let check = run_in(dir.path(), &["check", "src"], b"");
    assert!(check.status.success(), "{}", text(&check.stdout));
    let list = run_in(dir.path(), &["list", "src", "--json"], b"");
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let envs: Vec<&str> = list["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["environment"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["production", "staging"]);

    // A v1 `set` would replace every environment's blob: refused.
    let v1 = run_in(
        dir.path(),
        &[
            "set",
            "STRIPE_API_KEY",
            "--file",
            "src/secrets.rs",
            "--key-file",
            "prod.key",
        ],
        b"x",
    );
    assert_eq!(v1.status.code(), Some(2), "{}", text(&v1.stderr));
    assert!(
        text(&v1.stderr).contains("--env ENV"),
        "{}",
        text(&v1.stderr)
    );
    assert_eq!(blobs_of(&file), after);
}

#[test]
fn set_env_moves_a_v1_item_only_for_every_environment_at_once() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    keygen(dir.path(), "production", "prod.key");
    let staging = keygen(dir.path(), "staging", "staging.key");
    let (v1_key, _) = common::write_key(dir.path(), "v1.key");
    let file = dir.path().join("src/secrets.rs");
    let v1 = run_in(
        dir.path(),
        &[
            "set",
            "DB_URL",
            "--file",
            "src/secrets.rs",
            "--key-file",
            v1_key.to_str().unwrap(),
        ],
        b"postgres://old",
    );
    assert!(v1.status.success(), "{}", text(&v1.stderr));
    let unchanged = std::fs::read(&file).unwrap();

    let partial = run_in(
        dir.path(),
        &[
            "set",
            "DB_URL",
            "--env",
            "production",
            "--file",
            "src/secrets.rs",
        ],
        b"postgres://new",
    );
    assert_eq!(partial.status.code(), Some(2), "{}", text(&partial.stderr));
    assert!(
        text(&partial.stderr).contains("--all-envs"),
        "{}",
        text(&partial.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), unchanged);

    let all = run_in(
        dir.path(),
        &["set", "DB_URL", "--all-envs", "--file", "src/secrets.rs"],
        b"postgres://new",
    );
    assert!(all.status.success(), "{}", text(&all.stderr));
    let envs: Vec<String> = blobs_of(&file).into_iter().map(|(env, _)| env).collect();
    assert_eq!(envs, ["production", "staging"]);
    let opened = reveal(dir.path(), "DB_URL", &staging, None);
    assert_eq!(
        text(&opened.stdout),
        "postgres://new",
        "{}",
        text(&opened.stderr)
    );
}

#[test]
fn check_fails_where_the_build_would_and_warns_of_retired_keys() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    keygen(dir.path(), "production", "prod-1.key");
    keygen(dir.path(), "staging", "staging.key");
    let set = |env: &str| {
        let output = run_in(
            dir.path(),
            &["set", "API_TOKEN", "--env", env, "--file", "src/secrets.rs"],
            b"tok",
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
    };
    set("production");
    // A new production key retires the first: its blob still passes, with
    // a warning.
    keygen(dir.path(), "production", "prod-2.key");
    let check = run_in(dir.path(), &["check", "src"], b"");
    assert!(check.status.success(), "{}", text(&check.stdout));
    assert!(
        text(&check.stdout).contains("marks retired"),
        "{}",
        text(&check.stdout)
    );

    // Staging required, and missing.
    let policy_path = dir.path().join("Sealant.toml");
    let policy_text = std::fs::read_to_string(&policy_path).unwrap();
    std::fs::write(
        &policy_path,
        policy_text.replace("require = []", "require = [\"staging\"]"),
    )
    .unwrap();
    let check = run_in(dir.path(), &["check", "src"], b"");
    assert_eq!(check.status.code(), Some(1));
    let stdout = text(&check.stdout);
    assert!(
        stdout.contains("no blob for environment staging")
            && stdout.contains("cargo sealant set API_TOKEN --env staging"),
        "{stdout}"
    );
    set("staging");
    assert!(run_in(dir.path(), &["check", "src"], b"").status.success());

    // The first production key revoked: its blob fails.
    let kid = policy(dir.path()).environment("production").unwrap().keys()[0].kid;
    assert!(
        run_in(dir.path(), &["revoke", &kid.to_string()], b"")
            .status
            .success()
    );
    let check = run_in(dir.path(), &["check", "src", "--json"], b"");
    assert_eq!(check.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let failed: Vec<&serde_json::Value> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{report:#}");
    assert_eq!(failed[0]["environment"], "production");
    assert!(
        failed[0]["error"].as_str().unwrap().contains("revoked"),
        "{report:#}"
    );
}

/// The v2 blobs of `file`, parsed: (name, environment, kid, encapsulated key).
fn v2_blobs(file: &Path) -> Vec<(String, String, String, Vec<u8>)> {
    blobs_of(file)
        .into_iter()
        .filter_map(|(_, text)| {
            let blob = BlobV2::parse(&text).ok()?;
            Some((
                blob.name().to_owned(),
                blob.env().to_owned(),
                blob.kid().to_string(),
                blob.enc().to_vec(),
            ))
        })
        .collect()
}

#[test]
fn rotate_to_env_moves_v1_blobs_to_an_environment_without_its_private_key() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    let production = keygen(dir.path(), "production", "prod.key");
    let (v1_key, _) = common::write_key(dir.path(), "v1.key");
    let v1_key = v1_key.to_str().unwrap();
    for (name, value) in [("A", "alpha"), ("B", "bravo")] {
        let output = run_in(
            dir.path(),
            &[
                "set",
                name,
                "--file",
                "src/secrets.rs",
                "--key-file",
                v1_key,
            ],
            value.as_bytes(),
        );
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    let file = dir.path().join("src/secrets.rs");
    let output = run_in(
        dir.path(),
        &[
            "rotate",
            "--to-env",
            "production",
            "--key-file",
            v1_key,
            "src",
        ],
        b"",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("rotated 2 secrets in 1 files"),
        "{}",
        text(&output.stderr)
    );
    let blobs = v2_blobs(&file);
    assert_eq!(blobs.len(), 2, "{blobs:?}");
    assert!(blobs.iter().all(|b| b.1 == "production"));
    // One encapsulation for the run.
    assert_eq!(blobs[0].3, blobs[1].3);
    for (name, value) in [("A", "alpha"), ("B", "bravo")] {
        let opened = reveal(dir.path(), name, &production, None);
        assert_eq!(text(&opened.stdout), value, "{}", text(&opened.stderr));
    }
    assert!(run_in(dir.path(), &["check", "src"], b"").status.success());
}

#[test]
fn reseal_batches_each_environment_and_changes_nothing_without_the_keys() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    let production = keygen(dir.path(), "production", "prod-1.key");
    let staging = keygen(dir.path(), "staging", "staging.key");
    let file = dir.path().join("src/secrets.rs");
    for name in ["A", "B", "C"] {
        for env in ["production", "staging"] {
            let output = run_in(
                dir.path(),
                &["set", name, "--env", env, "--file", "src/secrets.rs"],
                format!("{name}-{env}").as_bytes(),
            );
            assert!(output.status.success(), "{}", text(&output.stderr));
        }
    }
    let before = std::fs::read(&file).unwrap();
    // Each `set` made its own encapsulation.
    let encs: BTreeSet<Vec<u8>> = v2_blobs(&file).into_iter().map(|b| b.3).collect();
    assert_eq!(encs.len(), 6);

    // Every blob is under its environment's active key: without private
    // keys there is nothing to do, and reseal says so.
    let nothing = run_in(dir.path(), &["reseal", "src"], b"");
    assert!(nothing.status.success(), "{}", text(&nothing.stderr));
    assert!(
        text(&nothing.stderr).contains("left 6 blobs already under their environment's active key"),
        "{}",
        text(&nothing.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // A new production key retires the first; reseal moves production's
    // blobs to it, in one encapsulation, and leaves staging's alone.
    let production_2 = keygen(dir.path(), "production", "prod-2.key");
    // Production's blobs are now under a retired key: without its private
    // key nothing opens, and nothing changes.
    let refused = run_in(dir.path(), &["reseal", "src"], b"");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("reseal changed nothing: 3 sealed secrets cannot be opened"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
    let output = run_in(
        dir.path(),
        &[
            "reseal",
            "--env",
            "production",
            "--key-file",
            production.to_str().unwrap(),
            "src",
        ],
        b"",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let blobs = v2_blobs(&file);
    let new_kid = policy(dir.path())
        .environment("production")
        .unwrap()
        .active()
        .unwrap()
        .kid;
    let prod: Vec<_> = blobs.iter().filter(|b| b.1 == "production").collect();
    assert_eq!(prod.len(), 3);
    assert!(
        prod.iter()
            .all(|b| b.2 == new_kid.to_string() && b.3 == prod[0].3)
    );
    let staging_encs: BTreeSet<_> = blobs
        .iter()
        .filter(|b| b.1 == "staging")
        .map(|b| &b.3)
        .collect();
    assert_eq!(staging_encs.len(), 3, "staging was left as it was");
    for name in ["A", "B", "C"] {
        let opened = reveal(dir.path(), name, &production_2, None);
        assert_eq!(text(&opened.stdout), format!("{name}-production"));
        let opened = reveal(dir.path(), name, &staging, None);
        assert_eq!(text(&opened.stdout), format!("{name}-staging"));
    }
    // The old production key no longer opens anything.
    let old = reveal(dir.path(), "A", &production, None);
    assert_eq!(old.status.code(), Some(1));

    // With staging's private key, its blobs (under the active key, each
    // its own encapsulation) are batched into one.
    let output = run_in(
        dir.path(),
        &[
            "reseal",
            "--env",
            "staging",
            "--key-file",
            staging.to_str().unwrap(),
            "src",
        ],
        b"",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let staging_encs: BTreeSet<_> = v2_blobs(&file)
        .into_iter()
        .filter(|b| b.1 == "staging")
        .map(|b| b.3)
        .collect();
    assert_eq!(staging_encs.len(), 1);
    let opened = reveal(dir.path(), "B", &staging, None);
    assert_eq!(text(&opened.stdout), "B-staging");
    assert!(run_in(dir.path(), &["check", "src"], b"").status.success());
}

#[test]
fn an_environment_named_twice_gets_one_blob() {
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    keygen(dir.path(), "production", "prod.key");
    keygen(dir.path(), "staging", "staging.key");
    let args = [
        "--env",
        "production",
        "--env",
        "staging",
        "--env",
        "production",
    ];
    let mut seal = vec!["seal", "--name", "X"];
    seal.extend(args);
    let output = run_in(dir.path(), &seal, b"x");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), 2);
    let mut set = vec!["set", "X", "--file", "src/secrets.rs"];
    set.extend(args);
    let output = run_in(dir.path(), &set, b"x");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let envs: Vec<String> = blobs_of(&dir.path().join("src/secrets.rs"))
        .into_iter()
        .map(|(env, _)| env)
        .collect();
    assert_eq!(envs, ["production", "staging"]);
    assert!(run_in(dir.path(), &["check", "src"], b"").status.success());
}

/// reseal shares rotate's write path; killed at exact points by the test
/// hook (SIGKILL, no timing), it leaves each file wholly old or wholly new,
/// and a rerun finishes.
#[cfg(unix)]
#[test]
fn reseal_killed_midway_leaves_whole_files_and_a_rerun_finishes() {
    use std::os::unix::process::ExitStatusExt as _;
    let dir = crate_dir();
    assert!(run_in(dir.path(), &["init"], b"").status.success());
    let old_key = keygen(dir.path(), "production", "prod-1.key");
    let recipient = {
        let policy = policy(dir.path());
        let key = policy
            .environment("production")
            .unwrap()
            .active()
            .unwrap()
            .clone();
        sealant::Recipient::parse(&sealant_format::encode_public_key(&key.public)).unwrap()
    };
    let src = dir.path().join("src");
    for file in 0..20 {
        let mut source = String::from("use sealant::{Sealed, secret};\n");
        for item in 0..2 {
            let name = format!("S{file}_{item}");
            let blob = recipient
                .seal("production", &name, name.to_lowercase().as_bytes())
                .unwrap();
            source.push_str(&format!(
                "\n#[secret]\npub const {name}: Sealed = \"{blob}\";\n"
            ));
        }
        std::fs::write(src.join(format!("f{file:02}.rs")), source).unwrap();
    }
    let old_kid = recipient.kid().to_string();
    let new_key = keygen(dir.path(), "production", "prod-2.key");
    let new_kid = policy(dir.path())
        .environment("production")
        .unwrap()
        .active()
        .unwrap()
        .kid
        .to_string();
    let args = ["reseal", "--key-file", old_key.to_str().unwrap(), "src"];
    let file_kids = || -> Vec<Vec<String>> {
        (0..20)
            .map(|file| {
                v2_blobs(&src.join(format!("f{file:02}.rs")))
                    .into_iter()
                    .map(|blob| blob.2)
                    .collect()
            })
            .collect()
    };
    for (point, expected_new) in [
        ("rotate:staged", 0),
        ("rotate:rename#1", 0),
        ("rotate:rename#9", 8),
    ] {
        let output = common::cargo_sealant(&args, b"", |command| {
            command.current_dir(dir.path()).env(
                "CARGO_SEALANT_TEST_HOOK",
                format!("{point}=kill -9 $CARGO_SEALANT_PID"),
            );
        });
        assert_eq!(
            output.status.signal(),
            Some(9),
            "{point}: {}",
            text(&output.stderr)
        );
        let kids = file_kids();
        for pair in &kids {
            assert_eq!(pair.len(), 2, "{point}: a file lost a blob");
            assert!(
                pair[0] == pair[1] && (pair[0] == old_kid || pair[0] == new_kid),
                "{point}: {pair:?}"
            );
        }
        let new_files = kids.iter().filter(|pair| pair[0] == new_kid).count();
        assert_eq!(new_files, expected_new, "{point}");
    }
    let output = run_in(dir.path(), &args, b"");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        file_kids()
            .iter()
            .all(|pair| pair.iter().all(|kid| *kid == new_kid))
    );
    for name in ["S0_0", "S19_1"] {
        let opened = reveal(dir.path(), name, &new_key, None);
        assert_eq!(
            text(&opened.stdout),
            name.to_lowercase(),
            "{}",
            text(&opened.stderr)
        );
    }
}
