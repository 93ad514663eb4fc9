//! Running the real `cargo-sealant` binary, and the fixture trees the
//! CLI's tests run it on.

// Each test binary uses some of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sealant::Key;
use sealant_format::Blob;

/// Runs `cargo-sealant ARGS` with `stdin`, without the caller's key
/// variables or test hook, after `configure` has adjusted the command.
pub(crate) fn cargo_sealant(
    args: &[&str],
    stdin: &[u8],
    configure: impl FnOnce(&mut Command),
) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-sealant"));
    command
        .args(args)
        .env_remove("SEALANT_KEY")
        .env_remove("SEALANT_KEY_FILE")
        .env_remove("SEALANT_KEY_COMMAND")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("CARGO_SEALANT_TEST_HOOK")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A developer's key-service session (OpenBao, AWS) must not reach a
    // test either, nor EC2's metadata service, should one answer.
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy();
        if ["BAO_", "VAULT_", "AWS_"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            command.env_remove(&var);
        }
    }
    command.env("AWS_EC2_METADATA_DISABLED", "true");
    // Nor a developer's ~/.aws files.
    command.env(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/sealant-test/credentials",
    );
    command.env("AWS_CONFIG_FILE", "/nonexistent/sealant-test/config");
    configure(&mut command);
    let mut child = command.spawn().unwrap();
    // The command may exit before it reads stdin (a missing key, say).
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// Runs `cargo-sealant ARGS` with `env` set.
pub(crate) fn run_with(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    cargo_sealant(args, stdin, |command| {
        for (var, value) in env {
            command.env(var, value);
        }
    })
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A new key in `dir/file`, mode 0600.
pub(crate) fn write_key(dir: &Path, file: &str) -> (PathBuf, Key) {
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

/// A `#[secret]` item holding `plaintext` sealed under `key`.
pub(crate) fn item(key: &Key, name: &str, plaintext: &str) -> String {
    format!(
        "#[secret]\nconst {name}: Sealed = \"{}\";\n",
        key.seal(name, plaintext.as_bytes()).unwrap()
    )
}

/// A tree of `files` source files with two secrets each, and cargo's
/// build output (marked by its CACHEDIR.TAG), which the scan skips.
pub(crate) fn tree(dir: &Path, key: &Key, files: usize) -> PathBuf {
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
        dir.join("target/CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("target/skipped.rs"),
        "#[secret]\nconst X: Sealed = \"sealant:v1:garbage\";",
    )
    .unwrap();
    src
}

/// The regular files directly in `dir`, with their bytes.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
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
pub(crate) fn kids(source: &str) -> Vec<String> {
    source
        .split('"')
        .filter_map(|piece| Blob::parse(piece).ok())
        .map(|blob| blob.kid().to_string())
        .collect()
}

/// Whether a file name is that of a staged file the CLI leaves when killed.
pub(crate) fn is_staged(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(".cargo-sealant-staged.") && n.ends_with(".tmp"))
}
