//! The key a command uses.

use std::path::Path;

use sealant::Keyring;

use crate::error::CliError;

/// The key variable every command reads when no `--key-file` is given.
pub(crate) const KEY_VAR: &str = "SEALANT_KEY";

/// The keys of `--key-file`, or else of `SEALANT_KEY` / `SEALANT_KEY_FILE`.
pub(crate) fn load(key_file: Option<&Path>) -> Result<Keyring, CliError> {
    Ok(match key_file {
        Some(path) => Keyring::from_file(path)?,
        None => Keyring::from_env(KEY_VAR)?,
    })
}
