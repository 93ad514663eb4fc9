//! Running the real `cargo-sealant` binary, for the CLI's tests.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `cargo-sealant ARGS` with `stdin`, without the caller's key
/// variables, after `configure` has adjusted the command.
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
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    configure(&mut command);
    let mut child = command.spawn().unwrap();
    // The command may exit before it reads stdin (a missing key, say).
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}
