//! Keys wrapped by a real OpenBao dev server (Transit) and by moto (AWS
//! KMS, STS, IAM with SigV4 checking, EC2 metadata), started on loopback
//! by tests/servers/key-services.sh, which `.ci/run` calls and whose
//! `target/key-services/env` gives these tests the servers' addresses and
//! credentials (SEALANT_TEST_BAO_*, SEALANT_TEST_AWS_*). Under CI a missing
//! server fails the tests; elsewhere they say they did not run.

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
    /// A service-account token that the `jwt` auth method's role
    /// `payments-api` accepts.
    sa_token_file: String,
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
            sa_token_file: var("SEALANT_TEST_BAO_SA_TOKEN_FILE")?,
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

/// The moto servers: the checked one (IAM and SigV4 on) with its KMS key,
/// a service user that may only decrypt and a developer user that may
/// only encrypt; the open one with its KMS key and a role for web
/// identities.
struct Aws {
    endpoint: String,
    key_arn: String,
    service: (String, String),
    developer: (String, String),
    /// May only assume `decrypt_role_arn`, which may only decrypt.
    laptop: (String, String),
    decrypt_role_arn: String,
    open_endpoint: String,
    open_key_arn: String,
    role_arn: String,
}

fn aws() -> Option<Aws> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (|| {
        Some(Aws {
            endpoint: var("SEALANT_TEST_AWS_ENDPOINT")?,
            key_arn: var("SEALANT_TEST_AWS_KEY_ARN")?,
            service: (
                var("SEALANT_TEST_AWS_SERVICE_KEY_ID")?,
                var("SEALANT_TEST_AWS_SERVICE_SECRET")?,
            ),
            developer: (
                var("SEALANT_TEST_AWS_DEVELOPER_KEY_ID")?,
                var("SEALANT_TEST_AWS_DEVELOPER_SECRET")?,
            ),
            laptop: (
                var("SEALANT_TEST_AWS_LAPTOP_KEY_ID")?,
                var("SEALANT_TEST_AWS_LAPTOP_SECRET")?,
            ),
            decrypt_role_arn: var("SEALANT_TEST_AWS_DECRYPT_ROLE_ARN")?,
            open_endpoint: var("SEALANT_TEST_AWS_OPEN_ENDPOINT")?,
            open_key_arn: var("SEALANT_TEST_AWS_OPEN_KEY_ARN")?,
            role_arn: var("SEALANT_TEST_AWS_ROLE_ARN")?,
        })
    })();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "SEALANT_TEST_AWS_* are not set: .ci/run starts moto with \
             tests/servers/key-services.sh and loads target/key-services/env"
        );
        eprintln!(
            "AWS KMS tests NOT RUN: start the servers with `bash tests/servers/key-services.sh start` \
             and `set -a; . target/key-services/env; set +a`"
        );
    }
    found
}

/// Runs `cargo-sealant ARGS` in `dir` with AWS variables `env`.
fn with_aws(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    common::cargo_sealant(args, stdin, |c| {
        c.current_dir(dir);
        for (name, value) in env {
            c.env(name, value);
        }
    })
}

/// `reveal API_TOKEN` in `dir`'s tree with the variables `env`.
fn reveal_with(dir: &Path, env: &[(&str, &str)]) -> Output {
    with_aws(dir, &["reveal", "API_TOKEN", "src", "--force"], b"", env)
}

/// The key's line, wrapped by `endpoint`'s KMS key `arn` with `user`'s
/// access key.
fn kms_wrap(dir: &Path, key: &Path, endpoint: &str, arn: &str, user: &(String, String)) -> String {
    let output = with_aws(
        dir,
        &["wrap", "--with", &format!("aws-kms:{arn}")],
        &std::fs::read(key).unwrap(),
        &[
            ("AWS_ACCESS_KEY_ID", &user.0),
            ("AWS_SECRET_ACCESS_KEY", &user.1),
            ("AWS_ENDPOINT_URL", endpoint),
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).trim().to_owned()
}

/// A service crate whose private key the developer wrapped with the
/// checked server's KMS key: the crate, the key file, and the line.
fn kms_service(aws: &Aws) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let (dir, key) = service();
    let line = kms_wrap(
        dir.path(),
        &key,
        &aws.endpoint,
        &aws.key_arn,
        &aws.developer,
    );
    (dir, key, line)
}

/// The private key's hex, which no output may hold.
fn key_hex(key: &Path) -> String {
    let text = std::fs::read_to_string(key).unwrap();
    text.trim()["sealant-private-key-v2:".len()..].to_owned()
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
        text(&refused.stderr).contains("BAO_ADDR is plain http to a host that is not loopback"),
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

    // --save: the wrapped key goes into its entry, and nowhere else.
    let saved = run(
        &[
            "keygen",
            "--env",
            "staging",
            "--wrap-with",
            "transit:transit/sealant-test",
            "--save",
        ],
        b"",
        &bao.addr,
    );
    assert!(saved.status.success(), "{}", text(&saved.stderr));
    assert!(saved.stdout.is_empty());
    let policy = sealant_policy::Policy::parse(
        &std::fs::read_to_string(dir.path().join("Sealant.toml")).unwrap(),
    )
    .unwrap();
    let staging = policy.environment("staging").unwrap().active().unwrap();
    let (line, _) = staging.wrapped.as_ref().unwrap();
    let line = WrappedKey::parse(line).unwrap();
    assert_eq!((line.kid(), line.env()), (staging.kid, Some("staging")));
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

#[test]
fn a_token_file_or_a_service_account_login_unwraps() {
    let Some(bao) = bao() else { return };
    let (dir, key) = service();
    let line = text(&wrap(dir.path(), &key, &bao, &bao.root).stdout)
        .trim()
        .to_owned();
    let token_file = dir.path().join("bao-token");
    std::fs::write(&token_file, format!("{}\n", bao.decrypt)).unwrap();
    let token_file = token_file.to_str().unwrap();
    let cases: [(&[(&str, &str)], &str); 2] = [
        (&[("BAO_TOKEN_FILE", token_file)], "from the token file"),
        (
            &[
                ("BAO_K8S_ROLE", "payments-api"),
                ("BAO_K8S_MOUNT", "jwt"),
                ("BAO_K8S_TOKEN_FILE", &bao.sa_token_file),
            ],
            "from a login as role payments-api (auth/jwt)",
        ),
    ];
    for (login, expected) in cases {
        let mut env = vec![
            ("SEALANT_KEY", line.as_str()),
            ("BAO_ADDR", bao.addr.as_str()),
        ];
        env.extend_from_slice(login);
        let checked = with_aws(dir.path(), &["unwrap", "--check"], b"", &env);
        let stdout = text(&checked.stdout);
        assert!(
            stdout.contains(expected) && stdout.contains("sealant-decrypt"),
            "{login:?}: {stdout}{}",
            text(&checked.stderr)
        );
        let opened = reveal_with(dir.path(), &env);
        assert_eq!(
            text(&opened.stdout),
            "tok_live_123",
            "{}",
            text(&opened.stderr)
        );
    }
    // A role the token is not bound to: refused by the server, and said so.
    let refused = reveal_with(
        dir.path(),
        &[
            ("SEALANT_KEY", &line),
            ("BAO_ADDR", &bao.addr),
            ("BAO_K8S_ROLE", "billing"),
            ("BAO_K8S_MOUNT", "jwt"),
            ("BAO_K8S_TOKEN_FILE", &bao.sa_token_file),
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    let jwt = std::fs::read_to_string(&bao.sa_token_file).unwrap();
    assert!(
        stderr.contains("HTTP 400") && !stderr.contains(jwt.trim()),
        "{stderr}"
    );
}

#[test]
fn a_kms_wrapped_key_opens_with_a_decrypt_only_user_and_nothing_else() {
    let Some(aws) = aws() else { return };
    let (dir, key, line) = kms_service(&aws);
    let parsed = WrappedKey::parse(&line).unwrap();
    assert_eq!(parsed.env(), Some("production"));
    assert_eq!(parsed.reference(), aws.key_arn);
    assert!(!line.contains(&key_hex(&key)));

    let reveal = |user: &(String, String)| {
        reveal_with(
            dir.path(),
            &[
                ("SEALANT_KEY", &line),
                ("AWS_ACCESS_KEY_ID", &user.0),
                ("AWS_SECRET_ACCESS_KEY", &user.1),
                ("AWS_ENDPOINT_URL_KMS", &aws.endpoint),
            ],
        )
    };
    let opened = reveal(&aws.service);
    assert_eq!(
        text(&opened.stdout),
        "tok_live_123",
        "{}",
        text(&opened.stderr)
    );

    // The developer may wrap but not unwrap: refused by IAM, and said so.
    let refused = reveal(&aws.developer);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("AWS KMS at 127.0.0.1:")
            && stderr.contains("HTTP 403 AccessDenied")
            && stderr.contains("sealant-developer is not authorized to perform: kms:Decrypt")
            && stderr.contains("(request id ")
            && stderr.contains("allow it kms:Decrypt on the key"),
        "{stderr}"
    );
    let hex = key_hex(&key);
    for secret in [&aws.developer.1, &aws.service.1, &hex, "tok_live_123"] {
        assert!(
            !stderr.contains(secret),
            "the error shows a secret:\n{stderr}"
        );
    }
}

#[test]
fn wrong_aws_credentials_are_named_and_never_shown() {
    let Some(aws) = aws() else { return };
    let (dir, _, line) = kms_service(&aws);
    let wrong_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    for (key_id, secret, code) in [
        (
            aws.service.0.as_str(),
            wrong_secret,
            "SignatureDoesNotMatch",
        ),
        ("AKIAIOSFODNN7EXAMPLE", wrong_secret, "InvalidClientTokenId"),
    ] {
        let refused = reveal_with(
            dir.path(),
            &[
                ("SEALANT_KEY", &line),
                ("AWS_ACCESS_KEY_ID", key_id),
                ("AWS_SECRET_ACCESS_KEY", secret),
                ("AWS_ENDPOINT_URL", &aws.endpoint),
            ],
        );
        assert_eq!(refused.status.code(), Some(1));
        let stderr = text(&refused.stderr);
        assert!(stderr.contains(&format!("HTTP 403 {code}")), "{stderr}");
        assert!(
            !stderr.contains(wrong_secret) && !stderr.contains(&aws.service.1),
            "{stderr}"
        );
    }
    // Half a pair is a clear error before any request.
    let half = reveal_with(
        dir.path(),
        &[
            ("SEALANT_KEY", &line),
            ("AWS_ACCESS_KEY_ID", &aws.service.0),
        ],
    );
    assert!(
        text(&half.stderr)
            .contains("only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set"),
        "{}",
        text(&half.stderr)
    );
}

#[test]
fn a_kms_line_relabelled_with_another_environment_or_kid_does_not_unwrap() {
    let Some(aws) = aws() else { return };
    let (dir, _, line) = kms_service(&aws);
    let kid = WrappedKey::parse(&line).unwrap().kid().to_string();
    for bad in [
        line.replace(":production:", ":staging:"),
        line.replacen(&kid, "00000000", 1),
    ] {
        let refused = reveal_with(
            dir.path(),
            &[
                ("SEALANT_KEY", &bad),
                ("AWS_ACCESS_KEY_ID", &aws.service.0),
                ("AWS_SECRET_ACCESS_KEY", &aws.service.1),
                ("AWS_ENDPOINT_URL", &aws.endpoint),
            ],
        );
        assert_eq!(refused.status.code(), Some(1));
        let stderr = text(&refused.stderr);
        assert!(
            stderr.contains("InvalidCiphertextException") && stderr.contains("wrap the key again"),
            "{stderr}"
        );
    }
}

#[test]
fn kms_down_or_silent_fails_within_the_bound() {
    let Some(aws) = aws() else { return };
    let (dir, _, line) = kms_service(&aws);
    let reveal = |endpoint: &str| {
        reveal_with(
            dir.path(),
            &[
                ("SEALANT_KEY", &line),
                ("AWS_ACCESS_KEY_ID", &aws.service.0),
                ("AWS_SECRET_ACCESS_KEY", &aws.service.1),
                ("AWS_ENDPOINT_URL", endpoint),
            ],
        )
    };
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_addr = format!("http://{}", silent.local_addr().unwrap());
    for endpoint in [&closed_addr, &silent_addr] {
        let started = Instant::now();
        let refused = reveal(endpoint);
        let took = started.elapsed();
        assert_eq!(refused.status.code(), Some(1));
        assert!(took < Duration::from_secs(40), "took {took:?}");
        let stderr = text(&refused.stderr);
        assert!(
            stderr.contains("after 3 attempts") && stderr.contains("check that KMS is reachable"),
            "{stderr}"
        );
    }
    drop(silent);
    // Plain http to a host that is not loopback: refused before a request.
    let refused = reveal("http://10.255.255.1");
    assert!(
        text(&refused.stderr)
            .contains("AWS_ENDPOINT_URL is plain http to a host that is not loopback"),
        "{}",
        text(&refused.stderr)
    );
}

#[test]
fn every_aws_credential_source_unwraps_and_check_names_it() {
    let Some(aws) = aws() else { return };
    let (dir, key) = service();
    let any = ("AKIAANY".to_owned(), "any".to_owned());
    let line = kms_wrap(
        dir.path(),
        &key,
        &aws.open_endpoint,
        &aws.open_key_arn,
        &any,
    );
    let token = dir.path().join("web-identity-token");
    std::fs::write(
        &token,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXBwOnN2YyJ9.c2ln\n",
    )
    .unwrap();
    let token = token.to_str().unwrap();
    let credentials_url = format!(
        "{}/latest/meta-data/iam/security-credentials/default-role",
        aws.open_endpoint
    );
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", token),
                ("AWS_ROLE_ARN", &aws.role_arn),
            ],
            "as arn:aws:sts::123456789012:assumed-role/sealant-service/sealant-",
        ),
        (
            &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &credentials_url)],
            "with credentials from container credentials",
        ),
        (
            &[
                ("AWS_EC2_METADATA_DISABLED", "false"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &aws.open_endpoint),
            ],
            "with credentials from EC2 instance metadata (IMDSv2)",
        ),
    ];
    for (source, expected) in cases {
        let mut env = vec![
            ("SEALANT_KEY", line.as_str()),
            ("AWS_ENDPOINT_URL", aws.open_endpoint.as_str()),
        ];
        env.extend_from_slice(source);
        let checked = with_aws(dir.path(), &["unwrap", "--check"], b"", &env);
        let stdout = text(&checked.stdout);
        assert!(
            stdout.contains(expected),
            "{source:?}: {stdout}{}",
            text(&checked.stderr)
        );
        assert!(!stdout.contains(&key_hex(&key)));
        let opened = reveal_with(dir.path(), &env);
        assert_eq!(
            text(&opened.stdout),
            "tok_live_123",
            "{source:?}: {}",
            text(&opened.stderr)
        );
    }
    // No source at all: one error that says what was looked for.
    let none = reveal_with(
        dir.path(),
        &[
            ("SEALANT_KEY", &line),
            ("AWS_ENDPOINT_URL", &aws.open_endpoint),
        ],
    );
    let stderr = text(&none.stderr);
    assert!(
        stderr.contains("no AWS credentials")
            && stderr.contains("AWS_EC2_METADATA_DISABLED is set"),
        "{stderr}"
    );
}

#[test]
fn a_profile_of_the_shared_files_unwraps_with_its_keys_its_process_or_its_role() {
    let Some(aws) = aws() else { return };
    let (dir, _, line) = kms_service(&aws);
    let credentials = dir.path().join("aws-credentials");
    let config = dir.path().join("aws-config");
    let wrong_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let process_json = format!(
        r#"{{"Version": 1, "AccessKeyId": "{}", "SecretAccessKey": "{}"}}"#,
        aws.service.0, aws.service.1
    );
    let process_file = dir.path().join("process.json");
    std::fs::write(&process_file, &process_json).unwrap();
    std::fs::write(
        &credentials,
        format!(
            "[service]\naws_access_key_id = {}\naws_secret_access_key = {}\n\
             [wrong]\naws_access_key_id = {}\naws_secret_access_key = {wrong_secret}\n\
             [laptop]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            aws.service.0, aws.service.1, aws.service.0, aws.laptop.0, aws.laptop.1
        ),
    )
    .unwrap();
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = us-east-1\n[profile process]\ncredential_process = cat {}\n\
             [profile deploy]\nrole_arn = {}\nsource_profile = laptop\n\
             role_session_name = sealant-test\n",
            process_file.display(),
            aws.decrypt_role_arn
        ),
    )
    .unwrap();
    let owned = |profile: Option<&str>| {
        let mut env = vec![
            ("SEALANT_KEY", line.clone()),
            // KMS's and STS's.
            ("AWS_ENDPOINT_URL", aws.endpoint.clone()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                credentials.display().to_string(),
            ),
            ("AWS_CONFIG_FILE", config.display().to_string()),
        ];
        if let Some(profile) = profile {
            env.push(("AWS_PROFILE", profile.to_owned()));
        }
        env
    };
    for (profile, source) in [
        ("service", "with credentials from profile service ("),
        ("process", "with credentials from profile process ("),
        (
            "deploy",
            "as arn:aws:sts::123456789012:assumed-role/sealant-decrypt/sealant-test, with \
             credentials from role arn:aws:iam::123456789012:role/sealant-decrypt of profile \
             deploy, assumed with profile laptop (",
        ),
    ] {
        let env = owned(Some(profile));
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let checked = with_aws(dir.path(), &["unwrap", "--check"], b"", &env);
        let stdout = text(&checked.stdout);
        assert!(
            stdout.contains(source),
            "{profile}: {stdout}{}",
            text(&checked.stderr)
        );
        let opened = reveal_with(dir.path(), &env);
        assert_eq!(
            text(&opened.stdout),
            "tok_live_123",
            "{profile}: {}",
            text(&opened.stderr)
        );
    }
    // The role's credentials are the ones that decrypt: the laptop's own
    // may only assume it, and are refused by KMS.
    let env = owned(Some("laptop"));
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let refused = reveal_with(dir.path(), &env);
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("HTTP 403 AccessDenied") && stderr.contains("sealant-laptop"),
        "{stderr}"
    );
    assert!(!stderr.contains(&aws.laptop.1), "{stderr}");
    // The profile's keys are the ones that sign: a wrong secret is refused
    // by the service, said to come from the profile, and shown nowhere.
    let env = owned(Some("wrong"));
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let refused = reveal_with(dir.path(), &env);
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("HTTP 403 SignatureDoesNotMatch"),
        "{stderr}"
    );
    assert!(stderr.contains("from profile wrong ("), "{stderr}");
    assert!(
        !stderr.contains(wrong_secret) && !stderr.contains(&aws.service.1),
        "{stderr}"
    );
    // A default profile that names only a region is not credentials: the
    // chain goes on, and says what it looked for.
    let env = owned(None);
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let none = reveal_with(dir.path(), &env);
    let stderr = text(&none.stderr);
    assert!(
        stderr.contains("no AWS credentials") && stderr.contains("nor AWS_PROFILE"),
        "{stderr}"
    );
}

/// Forwards loopback connections to `target` and counts the KMS requests
/// (`x-amz-target` headers) that pass, before forwarding them: so once
/// the client has exited, every request it made is counted.
fn counting_proxy(target: &str) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read as _, Write as _};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let target = target.trim_start_matches("http://").to_owned();
    let counted = Arc::clone(&count);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let mut server = std::net::TcpStream::connect(&target).unwrap();
            let (mut client_back, mut server_back) =
                (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut server_back, &mut client_back);
                let _ = client_back.shutdown(std::net::Shutdown::Write);
            });
            let counted = Arc::clone(&counted);
            std::thread::spawn(move || {
                let mut buffer = [0u8; 64 * 1024];
                loop {
                    let read = match client.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(read) => read,
                    };
                    let chunk = String::from_utf8_lossy(&buffer[..read]).to_ascii_lowercase();
                    counted.fetch_add(chunk.matches("x-amz-target:").count(), Ordering::SeqCst);
                    if server.write_all(&buffer[..read]).is_err() {
                        break;
                    }
                }
                let _ = server.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (addr, count)
}

#[test]
fn a_service_whose_wrapped_key_is_in_sealant_toml_starts_with_only_its_identity() {
    let Some(aws) = aws() else { return };
    let (dir, key) = service();
    // Wrap and save into Sealant.toml, as a developer who may only encrypt.
    let save = || {
        with_aws(
            dir.path(),
            &[
                "wrap",
                "--with",
                &format!("aws-kms:{}", aws.key_arn),
                "--save",
            ],
            &std::fs::read(&key).unwrap(),
            &[
                ("AWS_ACCESS_KEY_ID", &aws.developer.0),
                ("AWS_SECRET_ACCESS_KEY", &aws.developer.1),
                ("AWS_ENDPOINT_URL", &aws.endpoint),
            ],
        )
    };
    let saved = save();
    assert!(saved.status.success(), "{}", text(&saved.stderr));
    let line = text(&saved.stdout).trim().to_owned();
    let policy = std::fs::read_to_string(dir.path().join("Sealant.toml")).unwrap();
    assert!(
        policy.contains(&format!("wrapped = \"{line}\"")),
        "{policy}"
    );
    // Wrapping again replaces the line rather than adding a second.
    let again = save();
    assert!(again.status.success(), "{}", text(&again.stderr));
    let policy = std::fs::read_to_string(dir.path().join("Sealant.toml")).unwrap();
    assert_eq!(policy.matches("wrapped = ").count(), 1, "{policy}");
    sealant_policy::Policy::parse(&policy).unwrap();
    // `unwrap --check` without a key variable checks Sealant.toml's lines,
    // as the deployment will unwrap them.
    let checked = with_aws(
        dir.path(),
        &["unwrap", "--check"],
        b"",
        &[
            ("AWS_ACCESS_KEY_ID", &aws.service.0),
            ("AWS_SECRET_ACCESS_KEY", &aws.service.1),
            ("AWS_ENDPOINT_URL", &aws.endpoint),
        ],
    );
    let stdout = text(&checked.stdout);
    assert!(
        stdout.contains("(production): unwrapped by AWS KMS")
            && stdout.contains("as arn:aws:iam::123456789012:user/sealant-service"),
        "{stdout}{}",
        text(&checked.stderr)
    );

    // The service: its own crate, built against this workspace's sealant,
    // which unseals inside a tokio runtime.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\nsealant = {{ path = {:?}, features = [\"v2\", \"aws-kms\"] }}\n\
             tokio = {{ version = \"1\", default-features = false, features = [\"rt\"] }}\n\n\
             [workspace]\n",
            workspace.display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(workspace.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    std::fs::write(
        dir.path().join("src/main.rs"),
        "mod secrets;\n\
         use sealant::ExposeSecret as _;\n\
         fn main() {\n\
             // Inside an async runtime, as many services start: the\n\
             // unwrap is a blocking call that starts no runtime of its own.\n\
             let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();\n\
             match runtime.block_on(async { sealant::unseal_all() }) {\n\
                 Ok(report) => {\n\
                     eprintln!(\"{report}\");\n\
                     print!(\"{}\", secrets::API_TOKEN.unseal().unwrap().expose_secret());\n\
                 }\n\
                 Err(error) => {\n\
                     eprintln!(\"{error}\");\n\
                     std::process::exit(1);\n\
                 }\n\
             }\n\
         }\n",
    )
    .unwrap();
    let target = workspace.join("target/key-services/consumer");
    let built = std::process::Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    let binary = target.join("debug/svc");
    let bytes = std::fs::read(&binary).unwrap();
    let hex = key_hex(&key);
    assert!(!bytes.windows(hex.len()).any(|w| w == hex.as_bytes()));
    assert!(!bytes.windows(12).any(|w| w == b"tok_live_123"));

    // Only its identity and the endpoint; KMS once, for the one key.
    let (proxy, requests) = counting_proxy(&aws.endpoint);
    let run = |env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(&binary);
        command.env_clear();
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let started = run(&[
        ("AWS_ACCESS_KEY_ID", &aws.service.0),
        ("AWS_SECRET_ACCESS_KEY", &aws.service.1),
        ("AWS_ENDPOINT_URL_KMS", &proxy),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    assert_eq!(
        text(&started.stdout),
        "tok_live_123",
        "{}",
        text(&started.stderr)
    );
    assert!(
        text(&started.stderr).contains("unsealed 1 secret"),
        "{}",
        text(&started.stderr)
    );
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Without an identity it stops, saying why, and shows no secret.
    let refused = run(&[
        ("AWS_ENDPOINT_URL_KMS", &aws.endpoint),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("the wrapped keys of environment production that Sealant.toml embedded")
            || stderr.contains("no AWS credentials"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&hex) && !stderr.contains("tok_live_123"),
        "{stderr}"
    );
}

#[test]
fn rewrap_wraps_in_place_or_moves_service_and_a_failure_changes_nothing() {
    let (Some(bao), Some(aws)) = (bao(), aws()) else {
        return;
    };
    let (dir, key) = service();
    let policy = || std::fs::read_to_string(dir.path().join("Sealant.toml")).unwrap();
    let saved_line = |toml: &str| {
        let start = toml.find("wrapped = \"").unwrap() + "wrapped = \"".len();
        toml[start..start + toml[start..].find('"').unwrap()].to_owned()
    };
    let env = [
        ("BAO_ADDR", bao.addr.as_str()),
        ("BAO_TOKEN", bao.root.as_str()),
        ("AWS_ACCESS_KEY_ID", "AKIAANY"),
        ("AWS_SECRET_ACCESS_KEY", "any"),
        ("AWS_ENDPOINT_URL", aws.open_endpoint.as_str()),
    ];
    let run = |args: &[&str], stdin: &[u8], env: &[(&str, &str)]| {
        let output = with_aws(dir.path(), args, stdin, env);
        (output.status.success(), text(&output.stderr))
    };
    let opens = |line: &str| {
        let mut with_key = env.to_vec();
        with_key.push(("SEALANT_KEY", line));
        let output = reveal_with(dir.path(), &with_key);
        text(&output.stdout) == "tok_live_123"
    };
    let (ok, stderr) = run(
        &["wrap", "--with", "transit:transit/sealant-test", "--save"],
        &std::fs::read(&key).unwrap(),
        &env,
    );
    assert!(ok, "{stderr}");
    let first = saved_line(&policy());

    // Transit, same key: a new ciphertext for the same kid and environment.
    let (ok, stderr) = run(&["rewrap"], b"", &env);
    assert!(ok, "{stderr}");
    let second = saved_line(&policy());
    assert_ne!(second, first);
    let (a, b) = (
        WrappedKey::parse(&first).unwrap(),
        WrappedKey::parse(&second).unwrap(),
    );
    assert_eq!((a.kid(), a.env()), (b.kid(), b.env()));
    assert!(opens(&second));

    // The service is down: the file stays as it was.
    let before = policy();
    let mut down = env.to_vec();
    down[0] = ("BAO_ADDR", "http://127.0.0.1:1");
    let (ok, stderr) = run(&["rewrap"], b"", &down);
    assert!(!ok && stderr.contains("after 3 attempts"), "{stderr}");
    assert_eq!(policy(), before);

    // To AWS KMS, then again inside KMS (ReEncrypt).
    let with = format!("aws-kms:{}", aws.open_key_arn);
    let (ok, stderr) = run(
        &["rewrap", "--with", &with, "--env", "production"],
        b"",
        &env,
    );
    assert!(ok, "{stderr}");
    let third = saved_line(&policy());
    assert_eq!(
        WrappedKey::parse(&third).unwrap().reference(),
        aws.open_key_arn
    );
    assert!(opens(&third));
    let (ok, stderr) = run(&["rewrap"], b"", &env);
    assert!(ok, "{stderr}");
    let fourth = saved_line(&policy());
    assert_ne!(fourth, third);
    assert!(opens(&fourth));
    assert!(!policy().contains(&key_hex(&key)));

    // Nothing to rewrap in an environment without wrapped keys.
    let (ok, stderr) = run(&["rewrap", "--env", "staging"], b"", &env);
    assert!(
        !ok && stderr.contains("holds no wrapped key for environment staging"),
        "{stderr}"
    );
}
