//! The secret-scanner kits that `cargo sealant init` writes: every Sealant
//! key is found, and no sealed blob is flagged. detect-secrets runs for real
//! over a generated repository (its path comes from target/key-services/env,
//! which tests/servers/key-services.sh writes; under CI a missing
//! detect-secrets fails the test); the gitleaks, trufflehog and semgrep
//! rules are checked by their own regexes.

use std::path::Path;

use regex::Regex;
use sealant::{Identity, Key};

mod common;

use common::text;

/// The kits, as `cargo sealant scanners NAME` prints them.
fn kit(name: &str) -> String {
    let output = common::cargo_sealant(&["scanners", name], b"", |_| {});
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// Every `'''...'''` literal of a TOML file, in order.
fn literals(toml: &str) -> Vec<String> {
    toml.split("'''")
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The value of the first line of `text` that starts with `field`,
/// unquoted.
fn field(text: &str, field: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in {text}"));
    let value = line[field.len()..].trim();
    value.trim_matches('\'').to_owned()
}

/// Keys of both kinds, in the places they turn up: alone, in a list, in a
/// variable, quoted.
fn keys() -> (Vec<String>, Vec<String>) {
    let mut keys = Vec::new();
    for _ in 0..20 {
        keys.push(Key::generate().unwrap().expose_text().to_string());
        keys.push(Identity::generate().unwrap().expose_text().to_string());
    }
    let lines = keys
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| match i % 4 {
            0 => format!("{}\n{}", pair[0], pair[1]),
            1 => format!("SEALANT_KEY={},{}", pair[0], pair[1]),
            2 => format!("export SEALANT_KEY=\"{} {}\"", pair[0], pair[1]),
            _ => format!("let key = \"{}\"; // {}", pair[0], pair[1]),
        })
        .collect();
    (keys, lines)
}

/// Blob lines as the CLI writes them, v1 and v2, and the form
/// detect-secrets' config transformer rewrites them to.
fn blob_lines() -> Vec<String> {
    let key = Key::generate().unwrap();
    let identity = Identity::generate().unwrap();
    let recipient = identity.recipient();
    let mut lines = Vec::new();
    for name in [
        "STRIPE_API_KEY",
        "GITHUB_TOKEN",
        "DATABASE_PASSWORD",
        "webhook.signing-secret",
    ] {
        for i in 0..25 {
            let plaintext = format!("tok_{i}_{}", "x".repeat(i));
            let v1 = key.seal(name, plaintext.as_bytes()).unwrap();
            let v2 = recipient
                .seal("production", name, plaintext.as_bytes())
                .unwrap();
            lines.push(format!(
                "pub(crate) const {}: Sealed = \"{v1}\";",
                name.replace(['.', '-'], "_")
            ));
            lines.push(format!(
                "const {}: sealant::Sealed = \"{v2}\";",
                name.replace(['.', '-'], "_")
            ));
            lines.push(format!("    \"{v2}\", // production"));
            lines.push(v1.to_string());
            lines.push(format!(
                "pub(crate) const {} = \"Sealed = \\\"{v1}\\\"\"",
                name.replace(['.', '-'], "_")
            ));
        }
    }
    lines
}

#[test]
fn the_kits_regexes_find_every_key_and_no_blob() {
    let gitleaks = kit("gitleaks.toml");
    let literals = literals(&gitleaks);
    let rule = Regex::new(&literals[0]).unwrap();
    let allowlist: Vec<Regex> = literals[1..]
        .iter()
        .map(|r| Regex::new(r).unwrap())
        .collect();
    let key_rules = [
        ("gitleaks", rule),
        (
            "trufflehog",
            Regex::new(&field(&kit("trufflehog.yaml"), "key:")).unwrap(),
        ),
        (
            "semgrep",
            Regex::new(&field(&kit("semgrep.yaml"), "pattern-regex:")).unwrap(),
        ),
        (
            "detect-secrets",
            Regex::new(
                field(&kit("detect_secrets_sealant.py"), "re.compile(")
                    .trim_start_matches("r\"")
                    .trim_end_matches("\"),"),
            )
            .unwrap(),
        ),
    ];
    let exclude = Regex::new(kit("detect-secrets-exclude-lines.txt").trim()).unwrap();

    let (keys, key_lines) = keys();
    let all_keys = key_lines.join("\n");
    for (scanner, rule) in &key_rules {
        let found: Vec<&str> = rule.find_iter(&all_keys).map(|m| m.as_str()).collect();
        assert_eq!(found, keys, "{scanner} does not find every key");
    }
    for line in &key_lines {
        assert!(
            !allowlist.iter().any(|a| a.is_match(line)),
            "gitleaks' allowlist skips a key: {line}"
        );
        assert!(
            !exclude.is_match(line),
            "detect-secrets' filter skips a key: {line}"
        );
    }

    for line in blob_lines() {
        for (scanner, rule) in &key_rules {
            assert!(!rule.is_match(&line), "{scanner} flags a blob: {line}");
        }
        assert!(
            allowlist.iter().any(|a| a.is_match(&line)) || line.contains("Sealed = \\"),
            "{line}"
        );
        assert!(
            exclude.is_match(&line),
            "detect-secrets' filter misses a blob line: {line}"
        );
        // Something else on a blob's line is not skipped.
        for tail in [
            format!(" // {}", keys[0]),
            " // password=hunter2hunter2".to_owned(),
        ] {
            let hiding = format!("{line}{tail}");
            assert!(!allowlist.iter().any(|a| a.is_match(&hiding)), "{hiding}");
            assert!(!exclude.is_match(&hiding), "{hiding}");
        }
    }
}

/// Runs `set` in `dir` with `env`.
fn set(dir: &Path, args: &[&str], plaintext: &str, env: &[(&str, &str)]) {
    let output = common::cargo_sealant(args, plaintext.as_bytes(), |c| {
        c.current_dir(dir);
        for (name, value) in env {
            c.env(name, value);
        }
    });
    assert!(
        output.status.success(),
        "{args:?}: {}",
        text(&output.stderr)
    );
}

#[test]
fn detect_secrets_with_the_kit_finds_every_key_in_a_repository_and_no_blob() {
    let Some(detect_secrets) = std::env::var_os("SEALANT_TEST_DETECT_SECRETS") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "SEALANT_TEST_DETECT_SECRETS is not set: .ci/run installs detect-secrets with \
             tests/servers/key-services.sh and loads target/key-services/env"
        );
        eprintln!(
            "detect-secrets test NOT RUN: start tests/servers/key-services.sh and load its env"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"svc\"\n").unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    set(root, &["init"], "", &[]);
    for env in ["production", "staging"] {
        set(
            root,
            &["keygen", "--env", env, "--out", &format!("{env}.key")],
            "",
            &[],
        );
    }
    let (v1_path, _) = common::write_key(root, "v1.key");
    let v1 = v1_path.to_str().unwrap();
    for i in 0..30 {
        set(
            root,
            &["set", &format!("STRIPE_API_KEY_{i}"), "--file", "src/v1.rs"],
            &format!("sk_live_{i}"),
            &[("SEALANT_KEY_FILE", v1)],
        );
        set(
            root,
            &[
                "set",
                &format!("GITHUB_TOKEN_{i}"),
                "--all-envs",
                "--file",
                "src/v2.rs",
            ],
            &format!("ghp_{i}"),
            &[],
        );
    }
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
    let deploy = format!(
        "SEALANT_KEY={},{}\n",
        read("production.key").trim(),
        read("v1.key").trim()
    );
    std::fs::write(root.join("deploy.env"), deploy).unwrap();

    let output = std::process::Command::new(&detect_secrets)
        .current_dir(root)
        .args([
            "scan",
            "--all-files",
            "--plugin",
            ".sealant/scanners/detect_secrets_sealant.py",
        ])
        .arg("--exclude-lines")
        .arg(read(".sealant/scanners/detect-secrets-exclude-lines.txt").trim())
        .arg(".")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<(String, String, u64)> = Vec::new();
    for (file, findings) in report["results"].as_object().unwrap() {
        for finding in findings.as_array().unwrap() {
            found.push((
                file.clone(),
                finding["type"].as_str().unwrap().to_owned(),
                finding["line_number"].as_u64().unwrap(),
            ));
        }
    }
    found.sort();
    let key = |file: &str, line| (file.to_owned(), "Sealant key".to_owned(), line);
    assert_eq!(
        found,
        [
            key("deploy.env", 1),
            key("deploy.env", 1),
            key("production.key", 1),
            key("staging.key", 1),
            key("v1.key", 1),
        ],
        "detect-secrets found other than every key (and only the keys)"
    );
    assert_eq!(read("src/v1.rs").matches("sealant:v1:").count(), 30);
    assert_eq!(read("src/v2.rs").matches("sealant:v2:").count(), 60);
}
