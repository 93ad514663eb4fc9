//! `cargo sealant keygen` and `seal`, run as the real binary.

use std::path::Path;
use std::process::{Command, Stdio};

mod common;

use common::cargo_sealant;
use sealant::{ExposeSecret, Keyring};
use sealant_format::Blob;

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

fn keygen_into(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("test.key");
    let output = cargo_sealant(&["keygen", "--out", path.to_str().unwrap()], b"", |_| {});
    assert!(output.status.success(), "{}", text(&output.stderr));
    path
}

#[test]
fn keygen_prints_a_key_and_its_kid() {
    let output = cargo_sealant(&["keygen"], b"", |_| {});
    assert!(output.status.success());
    let key = text(&output.stdout).strip_suffix('\n').unwrap();
    let parsed = sealant::Key::parse(key).unwrap();
    assert_eq!(text(&output.stderr), format!("kid: {}\n", parsed.kid()));
    // Two runs never give the same key.
    let again = cargo_sealant(&["keygen"], b"", |_| {});
    assert_ne!(output.stdout, again.stdout);
}

#[test]
fn keygen_out_writes_an_owner_only_file_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = keygen_into(dir.path());
    let key = std::fs::read_to_string(&path).unwrap();
    let keyring = Keyring::from_file(&path).unwrap();
    assert_eq!(keyring.keys().len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let output = cargo_sealant(&["keygen", "--out", path.to_str().unwrap()], b"", |_| {});
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("error: cannot create "), "{stderr}");
    assert!(
        stderr.contains("\n  hint: keygen never overwrites a key"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        key,
        "the old key is untouched"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn seal_reads_stdin_drops_one_newline_and_prints_an_openable_blob() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen_into(dir.path());
    let keyring = Keyring::from_file(&key).unwrap();
    let plaintext = "s3cr3t value";
    for (args, input, expected) in [
        (
            &["seal", "--name", "API_TOKEN"][..],
            format!("{plaintext}\n"),
            plaintext.to_owned(),
        ),
        (
            &["seal", "--name", "API_TOKEN"][..],
            format!("{plaintext}\r\n"),
            plaintext.to_owned(),
        ),
        (
            &["seal", "--name", "API_TOKEN"][..],
            plaintext.to_owned(),
            plaintext.to_owned(),
        ),
        (
            &["seal", "--name", "API_TOKEN", "--keep-newline"][..],
            format!("{plaintext}\n"),
            format!("{plaintext}\n"),
        ),
        // As cargo runs it: `cargo sealant seal` passes `sealant` first.
        (
            &["sealant", "seal", "--name", "API_TOKEN"][..],
            format!("{plaintext}\n"),
            plaintext.to_owned(),
        ),
    ] {
        let output = cargo_sealant(args, input.as_bytes(), |c| {
            c.env("SEALANT_KEY_FILE", &key);
        });
        assert!(output.status.success(), "{}", text(&output.stderr));
        let line = text(&output.stdout).strip_suffix('\n').unwrap();
        let blob = Blob::parse(line).unwrap();
        assert_eq!(blob.name(), "API_TOKEN");
        assert_eq!(keyring.open(&blob).unwrap().expose_secret(), expected);
        let stderr = text(&output.stderr);
        assert_eq!(
            stderr,
            format!("sealed API_TOKEN with key {}\n", keyring.keys()[0].kid())
        );
    }
}

#[test]
fn seal_rust_prints_a_ready_item_and_takes_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen_into(dir.path());
    let output = cargo_sealant(
        &[
            "seal",
            "--name",
            "db.password",
            "--rust",
            "--key-file",
            key.to_str().unwrap(),
        ],
        b"pw",
        |_| {},
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let (head, rest) = stdout.split_once("const DB_PASSWORD: Sealed = \"").unwrap();
    assert_eq!(head, "#[secret(name = \"db.password\")]\n");
    let blob = rest.strip_suffix("\";\n").unwrap();
    assert_eq!(Blob::parse(blob).unwrap().name(), "db.password");
}

#[test]
fn seal_errors_have_a_message_and_a_hint_and_never_echo_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let key = keygen_into(dir.path());
    let with_key = |c: &mut Command| {
        c.env("SEALANT_KEY_FILE", &key);
    };
    /// Arguments, stdin, whether SEALANT_KEY_FILE is set, message, hint.
    type Case = (
        &'static [&'static str],
        &'static [u8],
        bool,
        &'static str,
        &'static str,
    );
    let cases: [Case; 5] = [
        (
            &["seal", "--name", "API_TOKEN"],
            b"hunter2\n",
            false,
            "error: no key: neither SEALANT_KEY nor SEALANT_KEY_FILE is set",
            "hint: set SEALANT_KEY",
        ),
        (
            &["seal", "--name", "bad name"],
            b"hunter2",
            true,
            "error: invalid secret name",
            "hint: use ASCII letters",
        ),
        (
            &["seal", "--name", "API_TOKEN"],
            b"\n",
            true,
            "error: the secret is empty",
            "hint: pipe the secret on stdin",
        ),
        (
            &["seal", "--name", "API_TOKEN"],
            b"hunter2\xff",
            true,
            "error: the secret on stdin is not UTF-8 text",
            "hint: sealant secrets are strings",
        ),
        (
            &[
                "seal",
                "--name",
                "API_TOKEN",
                "--key-file",
                "/nonexistent/k",
            ],
            b"hunter2",
            false,
            "error: cannot read the key file /nonexistent/k",
            "hint: check the path",
        ),
    ];
    for (args, stdin, key_env, message, hint) in cases {
        let output = cargo_sealant(args, stdin, |c| {
            if key_env {
                with_key(c);
            }
        });
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = text(&output.stderr);
        let mut lines = stderr.lines();
        assert!(
            lines.next().unwrap().starts_with(message),
            "{args:?}: {stderr}"
        );
        assert!(
            lines.next().unwrap().starts_with(&format!("  {hint}")),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    for args in [&["keygen"][..], &["completions", "bash"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-sealant"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        // Whether the write or the close comes first is up to the
        // scheduler; either way it succeeds and neither panics nor errs.
        let stderr = text(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error"),
            "{args:?}: {stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn keygen_out_creates_missing_directories_for_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config/sealant/prod.key");
    let output = cargo_sealant(&["keygen", "--out", path.to_str().unwrap()], b"", |_| {});
    assert!(output.status.success(), "{}", text(&output.stderr));
    for made in [dir.path().join("config"), dir.path().join("config/sealant")] {
        let mode = std::fs::metadata(&made).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", made.display());
    }
    assert_eq!(Keyring::from_file(&path).unwrap().keys().len(), 1);
}

#[test]
fn check_deny_kid_fails_on_every_blob_under_a_denied_key() {
    let dir = tempfile::tempdir().unwrap();
    let (_, old) = common::write_key(dir.path(), "old.key");
    let (_, new) = common::write_key(dir.path(), "new.key");
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("a.rs"),
        format!(
            "{}\n{}\n{}",
            common::item(&old, "OLD_ONE", "one"),
            common::item(&new, "NEW_ONE", "two"),
            common::item(&old, "OLD_TWO", "three"),
        ),
    )
    .unwrap();
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "src"];
        args.extend_from_slice(extra);
        common::cargo_sealant(&args, b"", |c| {
            c.current_dir(dir.path());
        })
    };
    assert!(check(&[]).status.success());
    let old_kid = old.kid().to_string();
    let denied = check(&["--deny-kid", &old_kid]);
    assert_eq!(denied.status.code(), Some(1));
    let stdout = text(&denied.stdout);
    assert_eq!(
        stdout.matches("which --deny-kid refuses").count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout.contains("OLD_ONE") && stdout.contains("OLD_TWO"),
        "{stdout}"
    );
    assert!(!stdout.contains("NEW_ONE:"), "{stdout}");
    // Another kid, or none of the tree's: passes.
    assert!(check(&["--deny-kid", "00000000"]).status.success());
    let both = check(&["--deny-kid", &old_kid, "--deny-kid", &new.kid().to_string()]);
    assert_eq!(
        text(&both.stdout)
            .matches("which --deny-kid refuses")
            .count(),
        3
    );
    let bad = check(&["--deny-kid", "XYZ"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
}

#[test]
fn token_prints_the_token_once_and_keeps_only_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let log = dir.path().join("audit.log");
    let run = |args: &[&str], stdin: &[u8]| {
        common::cargo_sealant(args, stdin, |c| {
            c.current_dir(dir.path()).env("SEALANT_AUDIT_LOG", &log);
        })
    };
    let minted = run(
        &[
            "token",
            "--name",
            "PARTNER_ACME",
            "--prefix",
            "acme_live",
            "--file",
            "src/clients.rs",
        ],
        b"",
    );
    assert!(minted.status.success(), "{}", text(&minted.stderr));
    let token = text(&minted.stdout);
    let token = token.trim();
    assert_eq!(text(&minted.stdout).lines().count(), 1);
    let parsed = sealant_format::Token::parse(token).unwrap();
    assert_eq!(parsed.prefix(), "acme_live");
    let source = std::fs::read_to_string(dir.path().join("src/clients.rs")).unwrap();
    assert!(
        source.starts_with("use sealant::{Digest, digest};\n"),
        "{source}"
    );
    assert!(source.contains(
        "#[digest]\npub(crate) const PARTNER_ACME: Digest = \"sealant-digest:v1:PARTNER_ACME:token:"
    ));
    let secret_part = &token[token.len() - 72..];
    let (stderr, logged) = (text(&minted.stderr), std::fs::read_to_string(&log).unwrap());
    for place in [&source[..], stderr, &logged[..]] {
        assert!(
            !place.contains(secret_part),
            "the token is kept somewhere: {place}"
        );
    }

    // A second token for a rotation: both digests, the old one first.
    let second = run(
        &[
            "token",
            "--name",
            "PARTNER_ACME",
            "--prefix",
            "acme_live",
            "--file",
            "src/clients.rs",
            "--keep-old",
        ],
        b"",
    );
    assert!(second.status.success(), "{}", text(&second.stderr));
    let source = std::fs::read_to_string(dir.path().join("src/clients.rs")).unwrap();
    assert_eq!(
        source
            .matches("sealant-digest:v1:PARTNER_ACME:token:")
            .count(),
        2,
        "{source}"
    );
    // Without --keep-old, the new digest replaces them.
    let third = run(
        &[
            "token",
            "--name",
            "PARTNER_ACME",
            "--prefix",
            "acme_live",
            "--file",
            "src/clients.rs",
        ],
        b"",
    );
    assert!(third.status.success());
    let source = std::fs::read_to_string(dir.path().join("src/clients.rs")).unwrap();
    assert_eq!(
        source
            .matches("sealant-digest:v1:PARTNER_ACME:token:")
            .count(),
        1,
        "{source}"
    );

    // The digest of an existing token, from stdin; never echoed.
    let digest = run(&["digest", "--name", "LEGACY"], token.as_bytes());
    assert!(digest.status.success(), "{}", text(&digest.stderr));
    assert!(text(&digest.stdout).starts_with("sealant-digest:v1:LEGACY:token:"));
    assert!(!text(&digest.stdout).contains(secret_part));

    // check and list know the items.
    let listed = run(&["list", "src"], b"");
    assert!(
        text(&listed.stdout).contains("PARTNER_ACME  src/clients.rs:4  digest  token "),
        "{}",
        text(&listed.stdout)
    );
    assert!(run(&["check", "src"], b"").status.success());
    std::fs::write(
        dir.path().join("src/bad.rs"),
        "use sealant::{Digest, digest};\n#[digest]\nconst BAD: Digest = \"acme_live_0badc0de\";\n",
    )
    .unwrap();
    let checked = run(&["check", "src"], b"");
    assert_eq!(checked.status.code(), Some(1));
    assert!(
        text(&checked.stdout).contains("BAD: not a digest (not shown"),
        "{}",
        text(&checked.stdout)
    );
    assert!(!text(&checked.stdout).contains("0badc0de"));

    let commands: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["command"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(commands, ["token", "token", "token", "digest"]);
    // A bad prefix: refused before anything is written.
    let bad = run(&["token", "--name", "X", "--prefix", "Bad-Prefix"], b"");
    assert!(!bad.status.success() && bad.stdout.is_empty());
}
