//! The CLI never loses an edit or misses a secret: one test per case of
//! the adversarial review (issue "The CLI must never lose an edit"), run
//! as the real binary on fixture trees. Races are staged with the CLI's
//! test hook at exact points, never with sleeps.

use std::path::Path;
use std::process::Output;

mod common;

use common::{item, kids, run_with, text, tree, write_key};
use sealant::{ExposeSecret, Keyring};
use sealant_format::Blob;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs with the key file in SEALANT_KEY_FILE.
fn with_key(args: &[&str], stdin: &[u8], key_file: &Path) -> Output {
    run_with(args, stdin, &[("SEALANT_KEY_FILE", s(key_file))])
}

/// Runs with the key file and a test hook.
fn with_hook(args: &[&str], stdin: &[u8], key_file: &Path, hook: &str) -> Output {
    run_with(
        args,
        stdin,
        &[
            ("SEALANT_KEY_FILE", s(key_file)),
            ("CARGO_SEALANT_TEST_HOOK", hook),
        ],
    )
}

/// The plaintext of the blob of `name` in `file`.
fn open_in(file: &Path, name: &str, key_file: &Path) -> String {
    let source = std::fs::read_to_string(file).unwrap();
    let ring = Keyring::from_file(key_file).unwrap();
    let blob = source
        .split('"')
        .filter_map(|piece| Blob::parse(piece).ok())
        .find(|blob| blob.name() == name)
        .unwrap_or_else(|| panic!("no blob named {name} in {source}"));
    ring.open(&blob).unwrap().expose_secret().to_owned()
}

/// A shell command that appends `line` to `file`.
fn append_cmd(file: &Path, line: &str) -> String {
    format!("printf '%s\\n' '{line}' >> '{}'", file.display())
}

// 1. Comment markers that are not comments hide nothing.
#[test]
fn comment_markers_in_strings_and_docs_hide_no_blob() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (new_file, new_key) = write_key(dir.path(), "new");
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    let body = format!(
        "use sealant::{{Sealed, secret}};\n\
         const MIME: &str = \"*/*\";\n\
         /// Loads config/*.toml\n\
         fn load() {{}}\n\
         const GLOB: &str = \"src/**/*.rs\"; const URL: &str = \"https://example.com//x\";\n{}{}",
        item(&key, "HIDDEN_ONE", "one"),
        item(&key, "HIDDEN_TWO", "two"),
    );
    std::fs::write(src.join("lib.rs"), &body).unwrap();

    let list = with_key(&["list", "--json", s(dir.path())], b"", &key_file);
    let report: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let names: Vec<_> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["HIDDEN_ONE", "HIDDEN_TWO"]);

    let rotate = with_key(
        &["rotate", "--to", s(&new_file), s(dir.path())],
        b"",
        &key_file,
    );
    assert!(rotate.status.success(), "{}", text(&rotate.stderr));
    let after = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    assert_eq!(
        kids(&after),
        [new_key.kid().to_string(), new_key.kid().to_string()]
    );
    // Checked with the new key alone, everything opens.
    let check = with_key(&["check", "--require-keys", s(dir.path())], b"", &new_file);
    assert!(check.status.success(), "{}", text(&check.stdout));
    assert!(text(&check.stdout).contains("checked 2 secrets in 1 files: 2 opened"));
}

// 2. An edit, a `set` or a deletion made while rotate runs is never undone.
#[test]
fn rotate_never_overwrites_an_edit_made_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (new_file, new_key) = write_key(dir.path(), "new");
    let src = tree(dir.path(), &key, 6);
    let args = ["rotate", "--to", s(&new_file), s(dir.path())];

    // After staging, before any rename: someone edits m2.rs.
    let edited = src.join("m2.rs");
    let out = with_hook(
        &args,
        b"",
        &key_file,
        &format!("rotate:staged={}", append_cmd(&edited, "// edit")),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("changed while rotate ran: {}", edited.display())),
        "{stderr}"
    );
    assert!(stderr.contains("rotate changed nothing"), "{stderr}");
    assert!(
        std::fs::read_to_string(&edited)
            .unwrap()
            .ends_with("// edit\n")
    );
    for i in 0..6 {
        assert_eq!(
            kids(&std::fs::read_to_string(src.join(format!("m{i}.rs"))).unwrap())[0],
            key.kid().to_string()
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .filter(|e| common::is_staged(&e.as_ref().unwrap().path()))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staged files were left: {leftovers:?}"
    );

    // A file deleted meanwhile does not come back.
    let deleted = src.join("m3.rs");
    let out = with_hook(
        &args,
        b"",
        &key_file,
        &format!("rotate:staged=rm '{}'", deleted.display()),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!deleted.exists(), "a deleted file came back");

    // Between renames: the files renamed are new, the rest old, the edit
    // kept, and the message lists both; a rerun finishes.
    let late = src.join("m5.rs");
    let out = with_hook(
        &args,
        b"",
        &key_file,
        &format!("rotate:rename#3={}", append_cmd(&late, "// late edit")),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("not rotated: {}", late.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("rotated: {}", src.join("m0.rs").display())),
        "{stderr}"
    );
    // Each file is checked just before its rename: the renames go on up
    // to the edited file, and stop there.
    assert!(
        stderr.contains("rotate stopped after 4 of 5 files"),
        "{stderr}"
    );
    assert!(
        std::fs::read_to_string(&late)
            .unwrap()
            .ends_with("// late edit\n")
    );
    let again = with_key(&args, b"", &key_file);
    assert!(again.status.success(), "{}", text(&again.stderr));
    for i in [0, 1, 2, 4, 5] {
        let source = std::fs::read_to_string(src.join(format!("m{i}.rs"))).unwrap();
        assert_eq!(
            kids(&source),
            [new_key.kid().to_string(), new_key.kid().to_string()],
            "m{i}"
        );
    }
}

// 3. Two `set`s of different names on one file both land; a `set` that
// waited at its prompt writes the file as it is then, not as it was.
#[test]
fn set_reads_the_file_again_after_the_secret_and_keeps_a_concurrent_set() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, _) = write_key(dir.path(), "k");
    let file = dir.path().join("secrets.rs");
    std::fs::write(&file, "use sealant::{Sealed, secret};\n").unwrap();
    let second = format!(
        "printf 'second' | SEALANT_KEY_FILE='{}' CARGO_SEALANT_TEST_HOOK= '{}' set SECOND --file '{}'",
        key_file.display(),
        env!("CARGO_BIN_EXE_cargo-sealant"),
        file.display()
    );
    let out = with_hook(
        &["set", "FIRST", "--file", s(&file)],
        b"first",
        &key_file,
        &format!("set:read-secret={second}"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(open_in(&file, "FIRST", &key_file), "first");
    assert_eq!(open_in(&file, "SECOND", &key_file), "second");
}

// 9. Two writers at once: the second is refused, and says why.
#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (new_file, new_key) = write_key(dir.path(), "new");
    let src = tree(dir.path(), &key, 3);
    let report = dir.path().join("second.txt");
    let second = format!(
        "SEALANT_KEY_FILE='{k}' CARGO_SEALANT_TEST_HOOK= '{bin}' rotate --to '{n}' '{d}' 2> '{r}'; echo \"exit $?\" >> '{r}'; \
         printf x | SEALANT_KEY_FILE='{k}' CARGO_SEALANT_TEST_HOOK= '{bin}' set A_0 --file '{f}' 2>> '{r}'; echo \"exit $?\" >> '{r}'",
        k = key_file.display(),
        bin = env!("CARGO_BIN_EXE_cargo-sealant"),
        n = new_file.display(),
        d = src.display(),
        r = report.display(),
        f = src.join("m0.rs").display(),
    );
    let out = with_hook(
        &["rotate", "--to", s(&new_file), s(dir.path())],
        b"",
        &key_file,
        &format!("rotate:staged={second}"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = std::fs::read_to_string(report).unwrap();
    assert_eq!(
        report
            .matches("another cargo sealant command is changing files in")
            .count(),
        2,
        "{report}"
    );
    assert_eq!(report.matches("exit 1").count(), 2, "{report}");
    for i in 0..3 {
        let source = std::fs::read_to_string(src.join(format!("m{i}.rs"))).unwrap();
        assert_eq!(
            kids(&source),
            [new_key.kid().to_string(), new_key.kid().to_string()]
        );
    }
}

// 4. A plaintext pasted into a #[secret] item fails check without being
// shown, and set replaces it in place.
#[test]
fn a_pasted_plaintext_fails_check_unshown_and_set_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, _) = write_key(dir.path(), "k");
    let file = dir.path().join("lib.rs");
    let pasted = "sk_live_hunter2_PLAINTEXT";
    std::fs::write(
        &file,
        format!(
            "use sealant::{{Sealed, secret}};\n\n#[secret]\nconst STRIPE: Sealed = \"{pasted}\";\n"
        ),
    )
    .unwrap();
    for json in [false, true] {
        let mut args = vec!["check"];
        if json {
            args.push("--json");
        }
        args.push(s(dir.path()));
        let out = with_key(&args, b"", &key_file);
        assert_eq!(out.status.code(), Some(1));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains("hunter2"), "{all}");
        assert!(all.contains("not a sealed blob"), "{all}");
    }
    let out = with_key(
        &["set", "STRIPE", "--file", s(&file)],
        b"sk_live_real",
        &key_file,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(!after.contains("hunter2"), "{after}");
    assert_eq!(after.matches("const STRIPE").count(), 1, "{after}");
    assert_eq!(open_in(&file, "STRIPE", &key_file), "sk_live_real");
}

// check fails where the build would: the macro's argument checks.
#[test]
fn check_refuses_the_arguments_the_macro_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = write_key(dir.path(), "k");
    let blob = key.seal("A", b"a").unwrap();
    for (args, expected) in [
        (
            "env = \"MY-KEY\"",
            "`key_var` must name an environment variable",
        ),
        ("name = \"a b\"", "invalid secret name"),
        ("key = \"K\"", "unknown argument"),
    ] {
        let file = dir.path().join("lib.rs");
        std::fs::write(
            &file,
            format!("#[secret({args})]\nconst A: Sealed = \"{blob}\";\n"),
        )
        .unwrap();
        let out = run_with(&["check", s(&file)], b"", &[]);
        assert_eq!(out.status.code(), Some(1), "{args}");
        assert!(
            text(&out.stdout).contains(expected),
            "{args}: {}",
            text(&out.stdout)
        );
    }
}

// 5. The attribute reaches its item past doc comments with `;`, `{`, `}`.
#[test]
fn the_env_argument_is_kept_past_doc_comments() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let file = dir.path().join("lib.rs");
    let blob = key.seal("PAY", b"old").unwrap();
    std::fs::write(
        &file,
        format!("#[secret(env = \"PAYMENTS_KEY\")]\n/// Charges; then {{ refunds }}.\nconst PAY: Sealed = \"{blob}\";\n"),
    )
    .unwrap();
    let list = run_with(&["list", s(&file)], b"", &[]);
    assert!(
        text(&list.stdout).trim_end().ends_with("PAYMENTS_KEY"),
        "{}",
        text(&list.stdout)
    );
    // set seals with the item's variable, not SEALANT_KEY, and says so
    // when it is missing.
    let (other_file, _) = write_key(dir.path(), "other");
    let out = run_with(
        &["set", "PAY", "--file", s(&file)],
        b"new",
        &[("SEALANT_KEY_FILE", s(&other_file))],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("hint: set PAYMENTS_KEY (or PAYMENTS_KEY_FILE)"),
        "{}",
        text(&out.stderr)
    );
    let out = run_with(
        &["set", "PAY", "--file", s(&file)],
        b"new",
        &[
            ("SEALANT_KEY_FILE", s(&other_file)),
            ("PAYMENTS_KEY_FILE", s(&key_file)),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(open_in(&file, "PAY", &key_file), "new");
}

// 6. The walk: what the compiler may build is scanned, on any machine;
// build output is skipped and said so.
#[cfg(unix)]
#[test]
fn the_walk_includes_hidden_ignored_nested_target_and_linked_files() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = write_key(dir.path(), "k");
    let root = dir.path().join("repo");
    for sub in [
        "src/target",
        "src/.hidden",
        "ignored",
        "target",
        "elsewhere",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(root.join(".gitignore"), "ignored/\n*.gen.rs\n").unwrap();
    std::fs::write(
        root.join("target/CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    )
    .unwrap();
    for (path, name) in [
        ("src/target/a.rs", "NESTED_TARGET"),
        ("src/.hidden/b.rs", "HIDDEN"),
        ("ignored/c.rs", "IGNORED"),
        ("src/d.gen.rs", "GENERATED"),
        ("target/e.rs", "BUILD_OUTPUT"),
        ("elsewhere/f.rs", "LINKED"),
    ] {
        std::fs::write(root.join(path), item(&key, name, "x")).unwrap();
    }
    std::os::unix::fs::symlink(root.join("elsewhere/f.rs"), root.join("src/link.rs")).unwrap();
    std::os::unix::fs::symlink(root.join("elsewhere"), root.join("src/linked_dir")).unwrap();
    let out = run_with(&["check", "--json", s(&root)], b"", &[]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut names: Vec<_> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    // LINKED once, though reached by its path and by a link.
    assert_eq!(
        names,
        ["GENERATED", "HIDDEN", "IGNORED", "LINKED", "NESTED_TARGET"]
    );
    let skipped = report["skipped"].to_string();
    assert!(
        skipped.contains("CACHEDIR.TAG") && skipped.contains("symlinked directory"),
        "{skipped}"
    );
    assert!(!skipped.contains("repo/.gitignore"), "{skipped}");
}

// 7. Links, FIFOs, hard links, read-only files, owners.
#[cfg(unix)]
#[test]
fn set_writes_through_symlinks_and_refuses_odd_files() {
    use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let real = dir.path().join("real.rs");
    std::fs::write(&real, item(&key, "A", "old")).unwrap();
    let link = dir.path().join("link.rs");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = with_key(&["set", "A", "--file", s(&link)], b"new", &key_file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    assert_eq!(open_in(&real, "A", &key_file), "new");

    // A FIFO is refused at once, never opened (which would hang).
    let fifo = dir.path().join("fifo.rs");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let out = with_key(&["set", "A", "--file", s(&fifo)], b"x", &key_file);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a regular file"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // And in a tree, it is skipped and said so.
    let out = run_with(&["check", s(dir.path())], b"", &[]);
    assert!(
        text(&out.stdout).contains("fifo.rs: not a regular file"),
        "{}",
        text(&out.stdout)
    );

    // A hard-linked file is refused: a rewrite would split the links.
    let hard = dir.path().join("hard.rs");
    std::fs::hard_link(&real, &hard).unwrap();
    let before = std::fs::read(&real).unwrap();
    let out = with_key(&["set", "A", "--file", s(&hard)], b"x", &key_file);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("hard links"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&real).unwrap(), before);
    std::fs::remove_file(&hard).unwrap();

    // A read-only file is refused unless --force, and keeps its mode.
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = with_key(&["set", "A", "--file", s(&real)], b"x", &key_file);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("read-only"),
        "{}",
        text(&out.stderr)
    );
    let out = with_key(
        &["set", "A", "--force", "--file", s(&real)],
        b"forced",
        &key_file,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o444
    );
    assert_eq!(open_in(&real, "A", &key_file), "forced");

    // The owner is kept (the test runs as root in CI; as another user, a
    // file it does not own cannot be given away, and is refused).
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let am_root = std::fs::metadata(dir.path()).unwrap().uid() == 0
        && std::os::unix::fs::chown(&real, Some(4321), Some(4321)).is_ok();
    if am_root {
        let out = with_key(&["set", "A", "--file", s(&real)], b"owned", &key_file);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let metadata = std::fs::metadata(&real).unwrap();
        assert_eq!(
            (metadata.uid(), metadata.gid(), metadata.mode() & 0o777),
            (4321, 4321, 0o640)
        );
    }
}

// 8. Key files: bounded, regular files only, in the CLI as in the runtime.
#[cfg(unix)]
#[test]
fn key_files_that_are_not_small_regular_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_, key) = write_key(dir.path(), "k");
    tree(dir.path(), &key, 1);
    let fifo = dir.path().join("key.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let big = dir.path().join("big.key");
    std::fs::write(&big, vec![b'a'; 1 << 20]).unwrap();
    for (path, expected) in [
        (Path::new("/dev/zero"), "not a regular file"),
        (fifo.as_path(), "not a regular file"),
        (big.as_path(), "larger than"),
    ] {
        let out = run_with(
            &["check", "--require-keys", s(dir.path())],
            b"",
            &[("SEALANT_KEY_FILE", s(path))],
        );
        assert_eq!(out.status.code(), Some(1), "{}", path.display());
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains(expected), "{}: {all}", path.display());
    }
}

// 10. --json prints JSON on every exit; one bad file does not block the
// tree; a string such as "sealant:v1:" in ordinary code is not a secret.
#[test]
fn json_on_every_exit_and_odd_files_do_not_block_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let src = tree(dir.path(), &key, 2);
    std::fs::write(src.join("latin1.rs"), b"// caf\xe9\nconst X: u8 = 1;\n").unwrap();
    std::fs::write(src.join("broken.rs"), "fn f( {\n").unwrap();
    std::fs::write(
        src.join("prefix.rs"),
        "fn f() -> bool { \"x\".starts_with(\"sealant:v1:\") }\n",
    )
    .unwrap();
    let out = with_key(&["check", "--json", s(dir.path())], b"", &key_file);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["opened"], 4);
    let skipped = report["skipped"].to_string();
    assert!(
        skipped.contains("latin1.rs") && skipped.contains("not UTF-8"),
        "{skipped}"
    );
    assert!(
        skipped.contains("broken.rs") && skipped.contains("does not parse"),
        "{skipped}"
    );

    for args in [
        vec!["check", "--json", "/nonexistent/sealant/tree"],
        vec!["list", "--json", "/nonexistent/sealant/tree"],
    ] {
        let out = with_key(&args, b"", &key_file);
        assert_eq!(out.status.code(), Some(2));
        let report: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        assert!(
            report["error"]["message"]
                .as_str()
                .unwrap()
                .contains("/nonexistent/sealant/tree")
        );
        assert!(report["error"]["hint"].is_string());
    }
}

// --key-file works whatever the variables hold.
#[test]
fn key_file_is_used_even_when_both_variables_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    tree(dir.path(), &key, 1);
    let out = run_with(
        &[
            "check",
            "--require-keys",
            "--key-file",
            s(&key_file),
            s(dir.path()),
        ],
        b"",
        &[("SEALANT_KEY", "x"), ("SEALANT_KEY_FILE", "/nonexistent")],
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("2 opened"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("using only the keys of --key-file"),
        "{}",
        text(&out.stderr)
    );
}

// 12. Names that would not compile are refused.
#[test]
fn set_refuses_names_that_collide() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let file = dir.path().join("lib.rs");
    std::fs::write(
        &file,
        format!(
            "use sealant::{{Sealed, secret}};\nconst PLAIN: u8 = 1;\n#[secret(name = \"webhook.secret\")]\nconst WEBHOOK_SECRET: Sealed = \"{}\";\n",
            key.seal("webhook.secret", b"w").unwrap()
        ),
    )
    .unwrap();
    let out = with_key(&["set", "a", "--file", s(&file)], b"x", &key_file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = std::fs::read(&file).unwrap();
    for (name, expected) in [
        ("A", "the item A holds the secret named `a`"),
        ("PLAIN", "already has an item or import named PLAIN"),
        (
            "webhook-secret",
            "already has an item or import named WEBHOOK_SECRET",
        ),
        ("WEBHOOK_SECRET", "holds the secret named `webhook.secret`"),
    ] {
        let out = with_key(&["set", name, "--file", s(&file)], b"x", &key_file);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(
            text(&out.stderr).contains(expected),
            "{name}: {}",
            text(&out.stderr)
        );
        assert_eq!(std::fs::read(&file).unwrap(), before, "{name}");
    }
}

// Smaller: CRLF files get CRLF; new files get the default mode; reveal
// refuses a pipe; overlapping paths count once.
#[cfg(unix)]
#[test]
fn crlf_default_mode_reveal_and_overlapping_paths() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let crlf = dir.path().join("crlf.rs");
    std::fs::write(&crlf, "use sealant::{Sealed, secret};\r\n").unwrap();
    let out = with_key(&["set", "NEW", "--file", s(&crlf)], b"v", &key_file);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(&crlf).unwrap();
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "{after:?}"
    );

    let fresh = dir.path().join("fresh.rs");
    let out = run_with(
        &["set", "NEW", "--file", s(&fresh)],
        b"v",
        &[("SEALANT_KEY_FILE", s(&key_file))],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The test harness's umask is the process's; 0666 minus it.
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert!(mode & 0o644 == 0o644 && mode != 0o600, "mode {mode:o}");

    let out = with_key(&["reveal", "NEW", s(&fresh)], b"", &key_file);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(dir.path().join("one.rs"), item(&key, "ONE", "1")).unwrap();
    let out = run_with(
        &[
            "list",
            "--json",
            s(dir.path()),
            s(&dir.path().join("one.rs")),
        ],
        b"",
        &[],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ones = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "ONE")
        .count();
    assert_eq!(ones, 1);
}

// Rotate keeps key variables apart, and opens what is already rotated.
#[test]
fn rotate_refuses_to_merge_key_variables_and_opens_blobs_under_the_new_kid() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, key) = write_key(dir.path(), "k");
    let (pay_file, pay) = write_key(dir.path(), "pay");
    let (new_file, new_key) = write_key(dir.path(), "new");
    let file = dir.path().join("lib.rs");
    let body = format!(
        "{}#[secret(env = \"PAYMENTS_KEY\")]\nconst PAY: Sealed = \"{}\";\n",
        item(&key, "A", "a"),
        pay.seal("PAY", b"p").unwrap()
    );
    std::fs::write(&file, &body).unwrap();
    let env = [
        ("SEALANT_KEY_FILE", s(&key_file)),
        ("PAYMENTS_KEY_FILE", s(&pay_file)),
    ];
    let out = run_with(&["rotate", "--to", s(&new_file), s(&file)], b"", &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("SEALANT_KEY") && text(&out.stderr).contains("PAYMENTS_KEY")
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), body);
    let kid = key.kid().to_string();
    let out = run_with(
        &["rotate", "--to", s(&new_file), "--only-kid", &kid, s(&file)],
        b"",
        &env,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A tampered blob that claims the new kid is opened, and refused.
    let mut bytes = new_key.seal("T", b"t").unwrap().into_bytes();
    let last = bytes.len() - 1;
    bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
    let tampered = String::from_utf8(bytes).unwrap();
    std::fs::write(
        dir.path().join("t.rs"),
        format!("#[secret]\nconst T: Sealed = \"{tampered}\";\n"),
    )
    .unwrap();
    let out = run_with(
        &["rotate", "--to", s(&new_file), s(&dir.path().join("t.rs"))],
        b"",
        &env,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("t.rs:2: T:"),
        "{}",
        text(&out.stderr)
    );
}
