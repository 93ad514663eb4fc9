//! The CLI's audit log (SEALANT_AUDIT_LOG): one JSON line per command that
//! reads or makes a plaintext or a private key, naming who, where, what and
//! how it ended; never a value or a key.

use std::path::Path;
use std::process::Output;

mod common;

use common::text;

fn run(dir: &Path, log: &Path, args: &[&str], stdin: &[u8], key: Option<&Path>) -> Output {
    common::cargo_sealant(args, stdin, |c| {
        c.current_dir(dir).env("SEALANT_AUDIT_LOG", log);
        if let Some(key) = key {
            c.env("SEALANT_KEY_FILE", key);
        }
    })
}

fn records(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn each_command_that_touches_a_secret_appends_one_record_and_never_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"svc\"\n").unwrap();
    let (key_path, key) = common::write_key(dir.path(), "v1.key");
    let plaintexts = ["tok_audit_seal_1", "tok_audit_set_2", "tok_audit_env_3"];

    let ok = |output: Output| {
        assert!(output.status.success(), "{}", text(&output.stderr));
        output
    };
    ok(run(
        dir.path(),
        &log,
        &["seal", "--name", "API_TOKEN"],
        plaintexts[0].as_bytes(),
        Some(&key_path),
    ));
    ok(run(
        dir.path(),
        &log,
        &["set", "DB_PASSWORD", "--file", "src/secrets.rs"],
        plaintexts[1].as_bytes(),
        Some(&key_path),
    ));
    let revealed = ok(run(
        dir.path(),
        &log,
        &["reveal", "DB_PASSWORD", "src", "--force"],
        b"",
        Some(&key_path),
    ));
    assert_eq!(text(&revealed.stdout), plaintexts[1]);
    // Not audited: it reads no plaintext and makes no key.
    ok(run(dir.path(), &log, &["list", "src"], b"", None));
    ok(run(dir.path(), &log, &["init"], b"", None));
    ok(run(
        dir.path(),
        &log,
        &["keygen", "--env", "production", "--out", "prod.key"],
        b"",
        None,
    ));
    ok(run(
        dir.path(),
        &log,
        &[
            "set",
            "STRIPE_KEY",
            "--env",
            "production",
            "--file",
            "src/secrets.rs",
        ],
        plaintexts[2].as_bytes(),
        None,
    ));
    // A failure is recorded too, with its exit code.
    let failed = run(
        dir.path(),
        &log,
        &["reveal", "NO_SUCH", "src", "--force"],
        b"",
        Some(&key_path),
    );
    assert!(!failed.status.success());

    let records = records(&log);
    let commands: Vec<&str> = records
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        ["seal", "set", "reveal", "keygen", "set", "reveal"]
    );
    let kid = key.kid().to_string();
    assert_eq!(records[0]["secrets"], serde_json::json!(["API_TOKEN"]));
    assert_eq!(records[0]["kids"], serde_json::json!([kid]));
    assert_eq!(records[2]["secrets"], serde_json::json!(["DB_PASSWORD"]));
    assert_eq!(records[4]["secrets"], serde_json::json!(["STRIPE_KEY"]));
    assert_eq!(
        records[4]["environments"],
        serde_json::json!(["production"])
    );
    assert_eq!(
        records[3]["environments"],
        serde_json::json!(["production"])
    );
    for record in &records[..5] {
        assert_eq!(record["outcome"], "ok", "{record}");
        assert_eq!(record["exit_code"], 0);
        assert!(record["time"].as_str().unwrap().ends_with('Z'), "{record}");
        assert!(!record["actor"]["user"].as_str().unwrap().is_empty());
        assert!(!record["host"].as_str().unwrap().is_empty());
    }
    assert_eq!(records[5]["outcome"], "error");
    assert_ne!(records[5]["exit_code"], 0);

    // No line holds a value or a key.
    let raw = std::fs::read_to_string(&log).unwrap();
    let prod = std::fs::read_to_string(dir.path().join("prod.key")).unwrap();
    let secrets = [
        plaintexts[0],
        plaintexts[1],
        plaintexts[2],
        &key.expose_text()["sealant-key-v1:".len()..],
        &prod.trim()["sealant-private-key-v2:".len()..],
    ];
    for secret in secrets {
        assert!(!raw.contains(secret), "the audit log holds a secret");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the log is readable by others: {mode:o}");
    }
}

#[test]
fn a_log_that_cannot_be_written_stops_the_command_before_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let (key_path, _) = common::write_key(dir.path(), "v1.key");
    let set = run(
        dir.path(),
        &dir.path().join("audit.log"),
        &["set", "DB_PASSWORD", "--file", "src/secrets.rs"],
        b"tok_never_shown",
        Some(&key_path),
    );
    assert!(set.status.success(), "{}", text(&set.stderr));
    // A directory is not a file to append to.
    let refused = run(
        dir.path(),
        dir.path(),
        &["reveal", "DB_PASSWORD", "src", "--force"],
        b"",
        Some(&key_path),
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("cannot open the audit log") && stderr.contains("nothing was done"),
        "{stderr}"
    );
}
