//! Keys wrapped by a real OpenBao dev server (Transit), started on loopback
//! by tests/servers/key-services.sh, which `.ci/run` calls and whose
//! `target/key-services/env` gives these tests the server's address and
//! tokens (SEALANT_TEST_BAO_*). Under CI a missing server fails the tests;
//! elsewhere they say they did not run.

use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

mod common;

use common::text;
use sealant_format::WrappedKey;

/// The test server: address, root token, decrypt-only token,
/// encrypt-only token, and the service's AppRole (whose tokens serve one
/// request each).
struct Bao {
    addr: String,
    root: String,
    decrypt: String,
    encrypt: String,
    role_id: String,
    secret_id: String,
}

fn bao() -> Option<Bao> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (|| {
        Some(Bao {
            addr: var("SEALANT_TEST_BAO_ADDR")?,
            root: var("SEALANT_TEST_BAO_ROOT_TOKEN")?,
            decrypt: var("SEALANT_TEST_BAO_DECRYPT_TOKEN")?,
            encrypt: var("SEALANT_TEST_BAO_ENCRYPT_TOKEN")?,
            role_id: var("SEALANT_TEST_BAO_ROLE_ID")?,
            secret_id: var("SEALANT_TEST_BAO_SECRET_ID")?,
        })
    })();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "SEALANT_TEST_BAO_* are not set: .ci/run starts the OpenBao dev server with \
             tests/servers/key-services.sh and loads target/key-services/env"
        );
        eprintln!(
            "key-service tests NOT RUN: start the server with `bash tests/servers/key-services.sh start` \
             and `set -a; . target/key-services/env; set +a`"
        );
    }
    found
}

/// An empty crate with a Sealant.toml and no key.
fn empty_crate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"svc\"\n").unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let init = common::cargo_sealant(&["init"], b"", |c| {
        c.current_dir(dir.path());
    });
    assert!(init.status.success(), "{}", text(&init.stderr));
    dir
}

/// A crate with a production key pair and one secret sealed to it.
fn service() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = empty_crate();
    let run = |args: &[&str], stdin: &[u8]| {
        let output = common::cargo_sealant(args, stdin, |c| {
            c.current_dir(dir.path());
        });
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
    };
    run(&["keygen", "--env", "production", "--out", "prod.key"], b"");
    run(
        &[
            "set",
            "API_TOKEN",
            "--env",
            "production",
            "--file",
            "src/secrets.rs",
        ],
        b"tok_live_123",
    );
    let key = dir.path().join("prod.key");
    (dir, key)
}

fn wrap(dir: &Path, key: &Path, bao: &Bao, token: &str) -> Output {
    common::cargo_sealant(
        &["wrap", "--with", "transit:transit/sealant-test"],
        &std::fs::read(key).unwrap(),
        |c| {
            c.current_dir(dir)
                .env("BAO_ADDR", &bao.addr)
                .env("BAO_TOKEN", token);
        },
    )
}

/// `reveal API_TOKEN` with `line` as SEALANT_KEY, against `addr`.
fn reveal(dir: &Path, line: &str, addr: &str, token: &str) -> Output {
    common::cargo_sealant(&["reveal", "API_TOKEN", "src", "--force"], b"", |c| {
        c.current_dir(dir)
            .env("SEALANT_KEY", line)
            .env("BAO_ADDR", addr)
            .env("BAO_TOKEN", token);
    })
}

#[test]
fn a_wrapped_private_key_opens_with_a_decrypt_only_token_and_nothing_else() {
    let Some(bao) = bao() else { return };
    let (dir, key) = service();
    let output = wrap(dir.path(), &key, &bao, &bao.encrypt);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let line = text(&output.stdout).trim().to_owned();
    let parsed = WrappedKey::parse(&line).unwrap();
    assert_eq!(parsed.env(), Some("production"));
    assert_eq!(parsed.reference(), "transit/sealant-test");
    let key_text = std::fs::read_to_string(&key).unwrap();
    let identity = sealant::Identity::parse(key_text.trim()).unwrap();
    assert_eq!(parsed.kid(), identity.kid());
    let key_hex = &key_text.trim()["sealant-private-key-v2:".len()..];
    assert!(!line.contains(key_hex));

    // The service's own identity (a decrypt-only token) unwraps it.
    let opened = reveal(dir.path(), &line, &bao.addr, &bao.decrypt);
    assert_eq!(
        text(&opened.stdout),
        "tok_live_123",
        "{}",
        text(&opened.stderr)
    );

    // An encrypt-only token is refused, and said so.
    let refused = reveal(dir.path(), &line, &bao.addr, &bao.encrypt);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("HTTP 403: 1 error occurred: * permission denied")
            && stderr.contains("give its policy `update`"),
        "{stderr}"
    );
    for secret in [
        bao.encrypt.as_str(),
        bao.decrypt.as_str(),
        key_hex,
        "tok_live_123",
    ] {
        assert!(
            !stderr.contains(secret),
            "the error shows a secret:\n{stderr}"
        );
    }
}

#[test]
fn a_line_relabelled_with_another_environment_or_kid_does_not_unwrap() {
    let Some(bao) = bao() else { return };
    let (dir, key) = service();
    let output = wrap(dir.path(), &key, &bao, &bao.root);
    let line = text(&output.stdout).trim().to_owned();
    let parsed = WrappedKey::parse(&line).unwrap();
    let relabelled = [
        line.replace(":production:", ":staging:"),
        line.replace(&parsed.kid().to_string(), "00000000"),
    ];
    for bad in relabelled {
        let refused = reveal(dir.path(), &bad, &bao.addr, &bao.decrypt);
        assert_eq!(refused.status.code(), Some(1));
        let stderr = text(&refused.stderr);
        assert!(
            stderr.contains("HTTP 400") && stderr.contains("wrap the key again"),
            "{stderr}"
        );
    }
}

#[test]
fn a_server_that_is_down_or_silent_fails_within_the_bound() {
    let Some(bao) = bao() else { return };
    let (dir, key) = service();
    let line = text(&wrap(dir.path(), &key, &bao, &bao.root).stdout)
        .trim()
        .to_owned();

    // Nothing listens: three quick refusals.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let started = Instant::now();
    let refused = reveal(dir.path(), &line, &closed_addr, &bao.decrypt);
    assert_eq!(refused.status.code(), Some(1));
    assert!(started.elapsed() < Duration::from_secs(40));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("after 3 attempts"), "{stderr}");

    // A port that accepts and never answers: each attempt times out.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = format!("http://{}", silent.local_addr().unwrap());
    let started = Instant::now();
    let timed_out = reveal(dir.path(), &line, &silent_addr, &bao.decrypt);
    let took = started.elapsed();
    drop(silent);
    assert_eq!(timed_out.status.code(), Some(1));
    assert!(took < Duration::from_secs(40), "took {took:?}");
    let stderr = text(&timed_out.stderr);
    assert!(stderr.contains("after 3 attempts"), "{stderr}");
}

#[test]
fn plain_http_to_another_host_is_refused_before_any_request() {
    let Some(bao) = bao() else { return };
    let (dir, key) = service();
    let line = text(&wrap(dir.path(), &key, &bao, &bao.root).stdout)
        .trim()
        .to_owned();
    let refused = reveal(dir.path(), &line, "http://10.255.255.1:8200", &bao.decrypt);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("plain http is accepted only to a loopback address"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn keygen_wrap_with_never_writes_the_private_key_unwrapped() {
    let Some(bao) = bao() else { return };
    let dir = empty_crate();
    let run = |args: &[&str], stdin: &[u8], addr: &str| {
        common::cargo_sealant(args, stdin, |c| {
            c.current_dir(dir.path())
                .env("BAO_ADDR", addr)
                .env("BAO_TOKEN", &bao.root);
        })
    };
    let keygen = [
        "keygen",
        "--env",
        "production",
        "--wrap-with",
        "transit:transit/sealant-test",
        "--out",
        "prod.wrapped",
    ];
    // The service is down: nothing is written anywhere.
    let before = std::fs::read(dir.path().join("Sealant.toml")).unwrap();
    let down = run(&keygen, b"", "http://127.0.0.1:1");
    assert_eq!(down.status.code(), Some(1), "{}", text(&down.stderr));
    assert!(!dir.path().join("prod.wrapped").exists());
    assert_eq!(
        std::fs::read(dir.path().join("Sealant.toml")).unwrap(),
        before
    );

    let output = run(&keygen, b"", &bao.addr);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let written = std::fs::read_to_string(dir.path().join("prod.wrapped")).unwrap();
    assert!(written.starts_with("sealant-wrapped-v1:"), "{written}");
    assert!(!written.contains("sealant-private-key-v2"));
    let kid = WrappedKey::parse(written.trim()).unwrap().kid();
    let policy = std::fs::read_to_string(dir.path().join("Sealant.toml")).unwrap();
    assert!(policy.contains(&format!("kid = \"{kid}\"")), "{policy}");

    assert!(
        run(
            &[
                "set",
                "API_TOKEN",
                "--env",
                "production",
                "--file",
                "src/secrets.rs"
            ],
            b"tok_wrapped",
            &bao.addr
        )
        .status
        .success()
    );
    let opened = reveal(dir.path(), written.trim(), &bao.addr, &bao.decrypt);
    assert_eq!(
        text(&opened.stdout),
        "tok_wrapped",
        "{}",
        text(&opened.stderr)
    );
}

#[test]
fn unwrap_check_says_who_unwrapped_and_never_the_key() {
    let Some(bao) = bao() else { return };
    let (dir, key) = service();
    let line = text(&wrap(dir.path(), &key, &bao, &bao.root).stdout)
        .trim()
        .to_owned();
    let kid = WrappedKey::parse(&line).unwrap().kid();
    let output = common::cargo_sealant(&["unwrap", "--check"], b"", |c| {
        c.current_dir(dir.path())
            .env("SEALANT_KEY", &line)
            .env("BAO_ADDR", &bao.addr)
            .env("BAO_TOKEN", &bao.decrypt);
    });
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with(&format!(
            "kid {kid} (production): unwrapped by OpenBao/Vault Transit at 127.0.0.1:"
        )) && stdout.contains("key transit/sealant-test, as token")
            && stdout.contains("sealant-decrypt"),
        "{stdout}"
    );
    let key_text = std::fs::read_to_string(&key).unwrap();
    let key_hex = &key_text.trim()["sealant-private-key-v2:".len()..];
    assert!(!stdout.contains(key_hex) && !text(&output.stderr).contains(key_hex));
    // Without --check there is nothing to do: it never prints a key.
    let refused = common::cargo_sealant(&["unwrap"], b"", |_| {});
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn an_approle_logs_in_and_once_more_when_its_token_is_spent() {
    let Some(bao) = bao() else { return };
    let (dir, key) = service();
    let line = text(&wrap(dir.path(), &key, &bao, &bao.root).stdout)
        .trim()
        .to_owned();
    let with_approle = |args: &[&str], secret_id: &str| {
        common::cargo_sealant(args, b"", |c| {
            c.current_dir(dir.path())
                .env("SEALANT_KEY", &line)
                .env("BAO_ADDR", &bao.addr)
                .env("BAO_ROLE_ID", &bao.role_id)
                .env("BAO_SECRET_ID", secret_id);
        })
    };
    // Login, then the decrypt: the token's one use.
    let opened = with_approle(&["reveal", "API_TOKEN", "src", "--force"], &bao.secret_id);
    assert_eq!(
        text(&opened.stdout),
        "tok_live_123",
        "{}",
        text(&opened.stderr)
    );
    // The check's second request (who am I) finds the token spent, logs
    // in again once, and goes on.
    let checked = with_approle(&["unwrap", "--check"], &bao.secret_id);
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert!(
        text(&checked.stdout).contains("sealant-decrypt"),
        "{}",
        text(&checked.stdout)
    );
    // A wrong secret id: the login is refused, and said so; never the id.
    let wrong = "00000000-0000-0000-0000-000000000000";
    let refused = with_approle(&["reveal", "API_TOKEN", "src", "--force"], wrong);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("HTTP 400") || stderr.contains("HTTP 403"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&bao.secret_id) && !stderr.contains(wrong),
        "{stderr}"
    );
}
