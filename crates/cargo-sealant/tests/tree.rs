//! `check`, `list`, `set`, `reveal` and `rotate` on fixture trees, run as
//! the real binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use sealant::{ExposeSecret, Key, Keyring};
use sealant_format::Blob;

fn cargo_sealant(args: &[&str], stdin: &[u8], env: &[(&str, &Path)]) -> Output {
    common::cargo_sealant(args, stdin, |command| {
        for (var, value) in env {
            command.env(var, value);
        }
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn write_key(dir: &Path, file: &str) -> (PathBuf, Key) {
    let key = Key::generate().unwrap();
    let path = dir.join(file);
    std::fs::write(&path, format!("{}\n", *key.expose_text())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    (path, key)
}

fn item(key: &Key, name: &str, plaintext: &str) -> String {
    format!(
        "#[secret]\nconst {name}: Sealed = \"{}\";\n",
        key.seal(name, plaintext.as_bytes()).unwrap()
    )
}

/// A tree of `files` source files with two secrets each, and a file the
/// scan must skip.
fn tree(dir: &Path, key: &Key, files: usize) -> PathBuf {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    for i in 0..files {
        let body = format!(
            "use sealant::{{Sealed, secret}};\n\n// Keep this comment.\n{}\nfn unrelated() {{}}\n\n{}",
            item(key, &format!("A_{i}"), &format!("alpha {i}")),
            item(key, &format!("B_{i}"), &format!("beta {i}")),
        );
        std::fs::write(src.join(format!("m{i}.rs")), body).unwrap();
    }
    std::fs::create_dir_all(dir.join("target")).unwrap();
    std::fs::write(
        dir.join("target/skipped.rs"),
        "const X: &str = \"sealant:v1:garbage\";",
    )
    .unwrap();
    src
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            files.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    files
}

/// The kids of the blobs in a file's text.
fn kids(source: &str) -> Vec<String> {
    source
        .split('"')
        .filter_map(|piece| Blob::parse(piece).ok())
        .map(|blob| blob.kid().to_string())
        .collect()
}

#[test]
fn check_reports_malformed_blobs_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = write_key(dir.path(), "k");
    let src = tree(dir.path(), &key, 2);
    let bad = "use sealant::{Sealed, secret};\n\n#[secret]\nconst BROKEN: Sealed = \"sealant:v1:BROKEN:3fa2c91e:00:00\";\n";
    std::fs::write(src.join("bad.rs"), bad).unwrap();

    let output = cargo_sealant(&["check", dir.path().to_str().unwrap()], b"", &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let expected = format!(
        "{}:4: BROKEN: malformed blob: the nonce field must be 24 hex digits (12 bytes), found 2\n  hint: ",
        src.join("bad.rs").display()
    );
    assert!(stdout.starts_with(&expected), "{stdout}");
    assert!(
        stdout.contains("checked 5 secrets in 3 files: 0 opened, 4 format only (no key), 1 failed"),
        "{stdout}"
    );

    let json = cargo_sealant(&["check", "--json", dir.path().to_str().unwrap()], b"", &[]);
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["failed"], 1);
    assert_eq!(report["secrets"].as_array().unwrap().len(), 5);
}

#[test]
fn check_opens_blobs_with_the_key_and_names_the_one_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let src = tree(dir.path(), &key, 3);
    let output = cargo_sealant(
        &["check", dir.path().to_str().unwrap()],
        b"",
        &[("SEALANT_KEY_FILE", &key_file)],
    );
    assert!(output.status.success(), "{}", text(&output.stdout));
    assert!(text(&output.stdout).contains("checked 6 secrets in 3 files: 6 opened"));

    let other = Key::generate().unwrap();
    std::fs::write(src.join("other.rs"), item(&other, "OTHER", "x")).unwrap();
    let output = cargo_sealant(
        &[
            "check",
            "--key-file",
            key_file.to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ],
        b"",
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "other.rs:2: OTHER: secret OTHER was sealed with key {}",
            other.kid()
        )),
        "{stdout}"
    );
}

#[test]
fn list_shows_names_places_kids_and_variables_only() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = write_key(dir.path(), "k");
    tree(dir.path(), &key, 1);
    let output = cargo_sealant(&["list", dir.path().to_str().unwrap()], b"", &[]);
    assert!(output.status.success());
    let stdout = text(&output.stdout);
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("A_0  ") && lines[0].contains("m0.rs:5 "),
        "{stdout}"
    );
    assert!(
        lines[0].ends_with(&format!("  {}  SEALANT_KEY", key.kid())),
        "{stdout}"
    );
    assert!(!stdout.contains("alpha"), "{stdout}");
}

#[test]
fn set_replaces_one_blob_and_leaves_every_other_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let src = tree(dir.path(), &key, 1);
    let file = src.join("m0.rs");
    let before = std::fs::read_to_string(&file).unwrap();
    let output = cargo_sealant(
        &["set", "B_0", "--file", file.to_str().unwrap()],
        b"new beta\n",
        &[("SEALANT_KEY_FILE", &key_file)],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let after = std::fs::read_to_string(&file).unwrap();
    let old_blob = before
        .split('"')
        .find(|p| p.starts_with("sealant:v1:B_0:"))
        .unwrap();
    let new_blob = after
        .split('"')
        .find(|p| p.starts_with("sealant:v1:B_0:"))
        .unwrap();
    assert_eq!(
        after,
        before.replace(old_blob, new_blob),
        "only the blob changed"
    );
    let ring = Keyring::from_file(&key_file).unwrap();
    assert_eq!(
        ring.open(&Blob::parse(new_blob).unwrap())
            .unwrap()
            .expose_secret(),
        "new beta"
    );

    // A new name is appended as a new item.
    let output = cargo_sealant(
        &["set", "C_0", "--file", file.to_str().unwrap()],
        b"gamma",
        &[("SEALANT_KEY_FILE", &key_file)],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let appended = std::fs::read_to_string(&file).unwrap();
    assert!(appended.starts_with(&after));
    assert!(
        appended[after.len()..].starts_with("\n#[secret]\nconst C_0: Sealed = \"sealant:v1:C_0:")
    );
}

#[test]
fn reveal_prints_one_secret_and_refuses_ambiguity() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let src = tree(dir.path(), &key, 1);
    let env = [("SEALANT_KEY_FILE", key_file.as_path())];
    let output = cargo_sealant(&["reveal", "A_0", dir.path().to_str().unwrap()], b"", &env);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "alpha 0");
    assert!(text(&output.stderr).starts_with("warning: printing the plaintext of A_0"));

    let missing = cargo_sealant(&["reveal", "NOPE", dir.path().to_str().unwrap()], b"", &env);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).starts_with("error: no sealed secret named NOPE"));

    std::fs::write(src.join("dup.rs"), item(&key, "A_0", "other")).unwrap();
    let ambiguous = cargo_sealant(&["reveal", "A_0", dir.path().to_str().unwrap()], b"", &env);
    assert_eq!(ambiguous.status.code(), Some(1));
    let stderr = text(&ambiguous.stderr);
    assert!(
        stderr.starts_with("error: 2 sealed secrets are named A_0: "),
        "{stderr}"
    );
    assert!(ambiguous.stdout.is_empty());
}

#[test]
fn rotate_refuses_to_start_when_one_blob_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (new_file, _) = write_key(dir.path(), "new");
    let src = tree(dir.path(), &key, 3);
    std::fs::write(
        src.join("stray.rs"),
        item(&Key::generate().unwrap(), "STRAY", "x"),
    )
    .unwrap();
    let before = snapshot(&src);

    let output = cargo_sealant(
        &[
            "rotate",
            "--to",
            new_file.to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ],
        b"",
        &[("SEALANT_KEY_FILE", &key_file)],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("stray.rs:2: STRAY: secret STRAY was sealed with key"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: rotate changed nothing: 1 sealed secrets cannot be opened"),
        "{stderr}"
    );
    assert_eq!(
        snapshot(&src),
        before,
        "the tree is unchanged byte for byte"
    );
}

#[test]
fn rotate_reseals_everything_under_the_new_key_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (new_file, new_key) = write_key(dir.path(), "new");
    let src = tree(dir.path(), &key, 4);
    let before = snapshot(&src);
    let env = [("SEALANT_KEY_FILE", key_file.as_path())];
    let args = [
        "rotate",
        "--to",
        new_file.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ];

    let dry = cargo_sealant(
        &[&args[..1], &["--dry-run"], &args[1..]].concat(),
        b"",
        &env,
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert_eq!(snapshot(&src), before, "a dry run writes nothing");

    let output = cargo_sealant(&args, b"", &env);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stderr),
        format!(
            "rotated 8 secrets in 4 files: key {} -> {}\n",
            key.kid(),
            new_key.kid()
        )
    );
    let ring = Keyring::from_file(&new_file).unwrap();
    for (path, old) in &before {
        let new = std::fs::read_to_string(path).unwrap();
        let old = String::from_utf8(old.clone()).unwrap();
        assert_eq!(
            kids(&new),
            [new_key.kid().to_string(), new_key.kid().to_string()]
        );
        // Outside the blob literals, not a byte changed.
        let strip = |s: &str| {
            s.split('"')
                .filter(|p| Blob::parse(p).is_err())
                .collect::<Vec<_>>()
                .join("\"")
        };
        assert_eq!(strip(&new), strip(&old));
        for piece in new.split('"').filter_map(|p| Blob::parse(p).ok()) {
            assert!(ring.open(&piece).is_ok());
        }
    }
    // Running it again has nothing left to do.
    let again = cargo_sealant(&args, b"", &[]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).starts_with("rotated 0 secrets in 0 files"),
        "{}",
        text(&again.stderr)
    );
}

/// Killed at any moment, every file is wholly old or wholly new, and a
/// second run finishes the job.
#[test]
fn rotate_killed_midway_leaves_whole_files_and_a_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (new_file, new_key) = write_key(dir.path(), "new");
    let src = tree(dir.path(), &key, 400);
    let (old_kid, new_kid) = (key.kid().to_string(), new_key.kid().to_string());
    let args = [
        "rotate",
        "--to",
        new_file.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ];

    for delay_ms in [5, 20, 60] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-sealant"))
            .args(args)
            .env("SEALANT_KEY_FILE", &key_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for (path, bytes) in snapshot(&src) {
            let kids = kids(&String::from_utf8(bytes).unwrap());
            assert_eq!(kids.len(), 2, "{} lost a blob", path.display());
            assert!(
                kids[0] == kids[1] && (kids[0] == old_kid || kids[0] == new_kid),
                "{}: {kids:?}",
                path.display()
            );
        }
    }
    // As a kill before the renames leaves them, whatever the timing above did.
    std::fs::write(src.join(".sealant-AbC123.tmp"), "half of a file").unwrap();
    std::fs::write(src.join(".sealant-notes.txt"), "not ours").unwrap();
    let output = cargo_sealant(&args, b"", &[("SEALANT_KEY_FILE", &key_file)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("temporary files left by an interrupted rotation"),
        "{}",
        text(&output.stderr)
    );
    std::fs::remove_file(src.join(".sealant-notes.txt")).expect("only staged files are removed");
    for (path, bytes) in snapshot(&src) {
        assert!(
            path.extension().is_some_and(|ext| ext == "rs"),
            "{}",
            path.display()
        );
        assert_eq!(
            kids(&String::from_utf8(bytes).unwrap()),
            [new_kid.clone(), new_kid.clone()]
        );
    }
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    tree(dir.path(), &key, 1);
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = cargo_sealant(
        &["check", dir.path().to_str().unwrap()],
        b"",
        &[("SEALANT_KEY_FILE", &key_file)],
    );
    assert!(output.status.success());
    let stderr = text(&output.stderr);
    assert_eq!(
        stderr,
        format!(
            "warning: the key file {0} can be read by other users (mode 644); restrict it with `chmod 600 {0}`\n",
            key_file.display()
        )
    );
}
