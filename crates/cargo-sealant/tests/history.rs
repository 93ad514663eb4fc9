//! `history`, `exposure` and `check --max-age` over generated git
//! repositories: value changes, re-seals, a renamed file, a deleted file,
//! a second branch, and a shallow clone. The repositories are made with the
//! git CLI (the commands under test read them with gix), with author dates
//! set relative to now so that ages are known.

use std::path::Path;
use std::process::Command;

use sealant::Key;

mod common;

use common::text;

const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        text(&output.stderr)
    );
}

/// Commits everything as `author`, `days_ago` days ago.
fn commit(dir: &Path, message: &str, author: &str, days_ago: i64) {
    let date = format!("{} +0000", now() - days_ago * DAY);
    git(dir, &["add", "-A"]);
    let output = Command::new("git")
        .args(["commit", "-q", "-m", message])
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", author)
        .env(
            "GIT_AUTHOR_EMAIL",
            format!("{}@example.com", author.to_lowercase()),
        )
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_NAME", author)
        .env(
            "GIT_COMMITTER_EMAIL",
            format!("{}@example.com", author.to_lowercase()),
        )
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

fn write(dir: &Path, file: &str, items: &[String]) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        format!("use sealant::{{Sealed, secret}};\n\n{}", items.join("\n")),
    )
    .unwrap();
}

struct Repo {
    dir: tempfile::TempDir,
    a: Key,
    b: Key,
}

/// main: c1 (300 days ago, Ann) adds API_TOKEN and DB_PASS (key A) in
/// src/a.rs and OLD_ONE (A) in src/old.rs; c2 (200, Bob) a new
/// API_TOKEN value under A; c3 (100, Ann) re-seals DB_PASS under B; c4 (50)
/// renames src/a.rs to src/b.rs; c6 (10) deletes src/old.rs. Branch
/// `feature` from c2: c5 (150) adds LEAKED (A) in src/c.rs.
fn repo() -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    let a = Key::generate().unwrap();
    let b = Key::generate().unwrap();
    // Each item is sealed once and kept as text: sealing again would make
    // a new blob (a new nonce), which history rightly calls a change.
    let db = common::item(&a, "DB_PASS", "pw");
    write(
        root,
        "src/a.rs",
        &[common::item(&a, "API_TOKEN", "one"), db.clone()],
    );
    write(root, "src/old.rs", &[common::item(&a, "OLD_ONE", "old")]);
    commit(root, "c1", "Ann", 300);
    let api = common::item(&a, "API_TOKEN", "two");
    write(root, "src/a.rs", &[api.clone(), db]);
    commit(root, "c2", "Bob", 200);
    git(root, &["branch", "feature"]);
    write(root, "src/a.rs", &[api, common::item(&b, "DB_PASS", "pw")]);
    commit(root, "c3", "Ann", 100);
    git(root, &["mv", "src/a.rs", "src/b.rs"]);
    commit(root, "c4", "Ann", 50);
    git(root, &["checkout", "-q", "feature"]);
    write(root, "src/c.rs", &[common::item(&a, "LEAKED", "leak")]);
    commit(root, "c5", "Eve", 150);
    git(root, &["checkout", "-q", "main"]);
    std::fs::remove_file(root.join("src/old.rs")).unwrap();
    commit(root, "c6", "Bob", 10);
    Repo { dir, a, b }
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    common::cargo_sealant(args, b"", |c| {
        c.current_dir(dir);
    })
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let output = run(dir, args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn history_says_who_changed_each_blob_and_what_it_can_tell() {
    let repo = repo();
    let root = repo.dir.path();
    let report = json(root, &["history", "--json"]);
    let changes = report["changes"].as_array().unwrap();
    let of = |name: &str| -> Vec<(String, String, String)> {
        changes
            .iter()
            .filter(|c| c["name"] == name)
            .map(|c| {
                (
                    c["change"].as_str().unwrap().to_owned(),
                    c["author"].as_str().unwrap().to_owned(),
                    c["file"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let change = |kind: &str, author: &str, file: &str| {
        (kind.to_owned(), author.to_owned(), file.to_owned())
    };
    assert_eq!(
        of("API_TOKEN"),
        [
            change("added", "Ann", "src/a.rs"),
            change("value", "Bob", "src/a.rs"),
            change("moved", "Ann", "src/b.rs"),
        ]
    );
    assert_eq!(
        of("DB_PASS"),
        [
            change("added", "Ann", "src/a.rs"),
            change("resealed", "Ann", "src/a.rs"),
            change("moved", "Ann", "src/b.rs"),
        ]
    );
    assert_eq!(
        of("OLD_ONE"),
        [
            change("added", "Ann", "src/old.rs"),
            change("removed", "Bob", "src/old.rs")
        ]
    );
    // Another branch is not HEAD's history.
    assert!(of("LEAKED").is_empty());
    let resealed = changes.iter().find(|c| c["change"] == "resealed").unwrap();
    assert_eq!(resealed["kid_before"], repo.a.kid().to_string());
    assert_eq!(resealed["kid_after"], repo.b.kid().to_string());
    assert_eq!(report["shallow"], serde_json::Value::Null);

    let text_report = text(&run(root, &["history", "API_TOKEN"]).stdout);
    assert!(
        text_report.starts_with("API_TOKEN [v1, every environment]\n"),
        "{text_report}"
    );
    assert!(
        text_report.contains("new blob under the same key"),
        "{text_report}"
    );
    assert!(!text_report.contains("DB_PASS"), "{text_report}");
}

#[test]
fn exposure_lists_every_blob_a_key_ever_protected_on_any_branch() {
    let repo = repo();
    let root = repo.dir.path();
    let report = json(
        root,
        &["exposure", "--kid", &repo.a.kid().to_string(), "--json"],
    );
    let secrets = report["secrets"].as_array().unwrap();
    let row = |name: &str, file: &str| {
        secrets
            .iter()
            .find(|s| s["name"] == name && s["file"] == file)
            .unwrap_or_else(|| panic!("no {name} in {file}: {report:#}"))
    };
    assert_eq!(secrets.len(), 5, "{report:#}");
    // Still at HEAD, moved from src/a.rs to src/b.rs.
    assert_eq!(row("API_TOKEN", "src/b.rs")["at_head"], true);
    assert_eq!(row("API_TOKEN", "src/a.rs")["at_head"], false);
    // Re-sealed under B in c3: under A in c1, c2 and the branch's c5.
    let db = row("DB_PASS", "src/a.rs");
    assert_eq!(
        (db["commits"].as_u64(), db["at_head"].as_bool()),
        (Some(3), Some(false))
    );
    // Deleted, and on another branch: found, not at HEAD.
    assert_eq!(row("OLD_ONE", "src/old.rs")["at_head"], false);
    let leaked = row("LEAKED", "src/c.rs");
    assert_eq!(
        (leaked["commits"].as_u64(), leaked["at_head"].as_bool()),
        (Some(1), Some(false))
    );
    assert!(
        row("API_TOKEN", "src/a.rs")["first_date"].as_str().unwrap()
            < row("API_TOKEN", "src/b.rs")["first_date"].as_str().unwrap()
    );

    let b = json(
        root,
        &["exposure", "--kid", &repo.b.kid().to_string(), "--json"],
    );
    let names: Vec<&str> = b["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["DB_PASS", "DB_PASS"]);

    let none = text(&run(root, &["exposure", "--kid", "00000000"]).stdout);
    assert!(
        none.starts_with("key 00000000 protected 0 secret blobs"),
        "{none}"
    );
    assert_eq!(
        run(root, &["exposure", "--kid", "nope"]).status.code(),
        Some(2)
    );
}

#[test]
fn check_max_age_dates_each_blob_by_the_commit_that_brought_it() {
    let repo = repo();
    let root = repo.dir.path();
    // API_TOKEN's blob is from c2 (200 days; the move in c4 keeps it),
    // DB_PASS's from c3 (100 days).
    assert!(
        run(root, &["check", "src", "--max-age", "250d"])
            .status
            .success()
    );
    let failed = run(root, &["check", "src", "--max-age", "150d"]);
    assert_eq!(failed.status.code(), Some(1));
    let stdout = text(&failed.stdout);
    assert!(
        stdout.contains("API_TOKEN: unchanged for 200 days"),
        "{stdout}"
    );
    assert!(!stdout.contains("DB_PASS: unchanged"), "{stdout}");
    let weeks = text(&run(root, &["check", "src", "--max-age", "13w"]).stdout);
    assert!(
        weeks.contains("DB_PASS: unchanged for 100 days") && weeks.contains("over --max-age 91d"),
        "{weeks}"
    );
    // An uncommitted new blob is as young as can be.
    write(
        root,
        "src/b.rs",
        &[
            common::item(&repo.b, "API_TOKEN", "three"),
            common::item(&repo.b, "DB_PASS", "pw"),
        ],
    );
    let fresh = run(root, &["check", "src", "--max-age", "150d"]);
    assert!(
        !text(&fresh.stdout).contains("API_TOKEN: unchanged"),
        "{}",
        text(&fresh.stdout)
    );

    // A shallow clone cannot tell an old blob from one of its first commit.
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", root.display());
    let output = Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .current_dir(clone.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shallow = clone.path().join("shallow");
    let unknown = run(&shallow, &["check", "src", "--max-age", "150d"]);
    assert_eq!(unknown.status.code(), Some(1));
    let stdout = text(&unknown.stdout);
    assert!(
        stdout.contains("its age is unknown: this shallow clone starts at commit"),
        "{stdout}"
    );
    assert!(stdout.contains("git fetch --unshallow"), "{stdout}");
    let history = text(&run(&shallow, &["history"]).stdout);
    assert!(
        history.contains("note: this is a shallow clone"),
        "{history}"
    );

    // Not a repository at all: a clear error.
    let bare = tempfile::tempdir().unwrap();
    std::fs::create_dir(bare.path().join("src")).unwrap();
    let outside = run(bare.path(), &["check", "src", "--max-age", "90d"]);
    assert_eq!(outside.status.code(), Some(2));
    assert!(
        text(&outside.stderr).contains("is not in a git repository"),
        "{}",
        text(&outside.stderr)
    );
}

#[test]
fn history_follows_digest_items_too() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir(root.join("src")).unwrap();
    let token = |keep_old: bool| {
        let mut args = vec![
            "token",
            "--name",
            "PARTNER",
            "--prefix",
            "partner",
            "--file",
            "src/clients.rs",
        ];
        if keep_old {
            args.push("--keep-old");
        }
        assert!(run(root, &args).status.success());
    };
    token(false);
    commit(root, "c1", "Ann", 30);
    token(true);
    commit(root, "c2", "Bob", 20);
    let report = json(root, &["history", "--json"]);
    let kinds: Vec<(&str, bool)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap(),
                c["digest"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("added", true), ("added", true)]);
    let text_report = text(&run(root, &["history", "PARTNER"]).stdout);
    assert!(
        text_report.starts_with("PARTNER [#[digest]]\n"),
        "{text_report}"
    );
    assert!(
        text_report.contains("digest added: a token it accepts"),
        "{text_report}"
    );
}
