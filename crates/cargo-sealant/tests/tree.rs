//! `check`, `list`, `set`, `reveal` and `rotate` on fixture trees, run as
//! the real binary.

use std::path::Path;
use std::process::Output;

mod common;

use common::{item, kids, snapshot, text, tree, write_key};
use sealant::{ExposeSecret, Key, Keyring};
use sealant_format::Blob;

fn cargo_sealant(args: &[&str], stdin: &[u8], env: &[(&str, &Path)]) -> Output {
    common::cargo_sealant(args, stdin, |command| {
        for (var, value) in env {
            command.env(var, value);
        }
    })
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
        appended[after.len()..]
            .starts_with("\n#[secret]\npub(crate) const C_0: Sealed = \"sealant:v1:C_0:")
    );
}

#[test]
fn reveal_prints_one_secret_and_refuses_ambiguity() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let src = tree(dir.path(), &key, 1);
    let env = [("SEALANT_KEY_FILE", key_file.as_path())];
    let output = cargo_sealant(
        &["reveal", "--force", "A_0", dir.path().to_str().unwrap()],
        b"",
        &env,
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "alpha 0");
    assert!(text(&output.stderr).starts_with("warning: printing the plaintext of A_0"));

    let missing = cargo_sealant(
        &["reveal", "--force", "NOPE", dir.path().to_str().unwrap()],
        b"",
        &env,
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).starts_with("error: no sealed secret named NOPE"));

    std::fs::write(src.join("dup.rs"), item(&key, "A_0", "other")).unwrap();
    let ambiguous = cargo_sealant(
        &["reveal", "--force", "A_0", dir.path().to_str().unwrap()],
        b"",
        &env,
    );
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

/// Killed at each stage of a rotation (after staging, before the first
/// rename, between renames), every source file is wholly old or wholly
/// new, and a second run finishes the job and removes what the kills left.
/// The kills are SIGKILLs sent by a test hook at exact points, so the
/// outcome does not depend on timing.
#[cfg(unix)]
#[test]
fn rotate_killed_midway_leaves_whole_files_and_a_rerun_finishes() {
    use std::os::unix::process::ExitStatusExt as _;
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (new_file, new_key) = write_key(dir.path(), "new");
    let src = tree(dir.path(), &key, 40);
    let (old_kid, new_kid) = (key.kid().to_string(), new_key.kid().to_string());
    let args = [
        "rotate",
        "--to",
        new_file.to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ];
    // A user's files that look like ours must survive.
    std::fs::write(src.join(".sealant-AbC123.tmp"), "mine").unwrap();
    std::fs::write(src.join(".cargo-sealant-staged.notes.tmp"), "mine too").unwrap();

    // (hook point, how many files are new after the kill)
    let kills = [
        ("rotate:staged", 0),
        ("rotate:rename#1", 0),
        ("rotate:rename#17", 16),
        ("commit#5", 20),
    ];
    for (point, expected_new) in kills {
        let output = common::run_with(
            &args,
            b"",
            &[
                ("SEALANT_KEY_FILE", key_file.to_str().unwrap()),
                (
                    "CARGO_SEALANT_TEST_HOOK",
                    &format!("{point}=kill -9 $CARGO_SEALANT_PID"),
                ),
            ],
        );
        assert_eq!(
            output.status.signal(),
            Some(9),
            "{point}: {}",
            text(&output.stderr)
        );
        let mut new_files = 0;
        let mut staged = 0;
        for (path, bytes) in snapshot(&src) {
            if common::is_staged(&path) && path.file_name().unwrap().len() == 38 {
                staged += 1;
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let kids = kids(&String::from_utf8(bytes).unwrap());
            assert_eq!(kids.len(), 2, "{point}: {} lost a blob", path.display());
            assert!(
                kids[0] == kids[1] && (kids[0] == old_kid || kids[0] == new_kid),
                "{point}: {}: {kids:?}",
                path.display()
            );
            new_files += usize::from(kids[0] == new_kid);
        }
        assert_eq!(new_files, expected_new, "{point}");
        // Killed after staging, the staged files are left, not renamed.
        assert!(staged > 0, "{point}: the kill left no staged file");
    }
    let output = cargo_sealant(&args, b"", &[("SEALANT_KEY_FILE", &key_file)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("temporary files left by an interrupted run"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(&format!(
            "rotated 40 secrets in 20 files: key {old_kid} -> {new_kid}\n"
        )),
        "{stderr}"
    );
    for (path, bytes) in snapshot(&src) {
        let name = path.file_name().unwrap().to_str().unwrap();
        if name == ".sealant-AbC123.tmp" || name == ".cargo-sealant-staged.notes.tmp" {
            continue;
        }
        assert!(name.ends_with(".rs"), "left behind: {name}");
        assert_eq!(
            kids(&String::from_utf8(bytes).unwrap()),
            [new_kid.clone(), new_kid.clone()]
        );
    }
    assert!(
        src.join(".sealant-AbC123.tmp").exists()
            && src.join(".cargo-sealant-staged.notes.tmp").exists()
    );
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
