//! The keys a command uses.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sealant::{Error, Keyring, SecretString};
use sealant_format::AnyBlob;

use crate::error::CliError;

/// The key variable every command reads when no `--key-file` is given.
pub(crate) const KEY_VAR: &str = "SEALANT_KEY";

/// The keys of `--key-file`, or else of `SEALANT_KEY` / `SEALANT_KEY_FILE`.
pub(crate) fn load(key_file: Option<&Path>) -> Result<Keyring, CliError> {
    load_var(KEY_VAR, key_file)
}

/// The keys of `--key-file`, or else of `var` / `<var>_FILE`.
pub(crate) fn load_var(var: &str, key_file: Option<&Path>) -> Result<Keyring, CliError> {
    let keyring = match key_file {
        Some(path) => Keyring::from_file(path)?,
        None => Keyring::from_env(var)?,
    };
    warn(&keyring);
    Ok(keyring)
}

/// The key that seals v1 blobs: the ring's first v1 key. A ring may hold
/// v2 private keys only, which open but do not seal v1 blobs.
pub(crate) fn sealing_key(ring: &Keyring) -> Result<&sealant::Key, CliError> {
    ring.keys().first().ok_or_else(|| {
        CliError::new(
            format!(
                "{} holds no v1 key (`sealant-key-v1:`), only v2 private keys",
                ring.origin()
            ),
            "seal v1 blobs with a v1 key; `cargo sealant keygen` makes one",
        )
    })
}

/// Prints a keyring's warnings on stderr.
fn warn(keyring: &Keyring) {
    for warning in keyring.warnings() {
        eprintln!("warning: {warning}");
    }
}

/// The keys for each key variable that a tree's blobs name, loaded once per
/// variable: the variable's own keys (or its `_FILE`), plus the keys of
/// every file given on the command line.
pub(crate) struct TreeKeys {
    files: Vec<PathBuf>,
    by_var: HashMap<String, Result<Option<Keyring>, String>>,
}

impl TreeKeys {
    pub(crate) fn new(files: Vec<PathBuf>) -> Self {
        Self {
            files,
            by_var: HashMap::new(),
        }
    }

    /// The keys for `var`: `Ok(None)` when no key is available at all,
    /// `Err` with the reason when one is given but cannot be loaded.
    pub(crate) fn for_var(&mut self, var: &str) -> Result<Option<&Keyring>, &str> {
        let files = &self.files;
        let entry = self.by_var.entry(var.to_owned()).or_insert_with(|| {
            let loaded = load_tree_var(var, files);
            if let Ok(Some(keyring)) = &loaded {
                warn(keyring);
            }
            loaded.map_err(|e| e.to_string())
        });
        match entry {
            Ok(ring) => Ok(ring.as_ref()),
            Err(reason) => Err(reason),
        }
    }

    /// Why `var`'s keys cannot be used, and the hint, for a report that
    /// says it once.
    pub(crate) fn problem(&mut self, var: &str) -> (String, String) {
        match self.for_var(var) {
            Ok(Some(_)) => ("its keys loaded".to_owned(), String::new()),
            Ok(None) => (
                format!("no key: neither {var} nor {var}_FILE is set, and no --key-file was given"),
                format!(
                    "set {var} or {var}_FILE, or pass --key-file; without --require-keys, check reads formats only"
                ),
            ),
            Err(reason) => (
                format!("cannot load its keys: {reason}"),
                format!("fix {var} (or {var}_FILE), or unset it to check formats only"),
            ),
        }
    }

    /// Opens a blob with the keys of `var`.
    pub(crate) fn open(&mut self, var: &str, blob: &AnyBlob<'_>) -> Result<SecretString, String> {
        match self.for_var(var) {
            Ok(Some(ring)) => ring.open_any(blob).map_err(|e| e.to_string()),
            Ok(None) => Err(format!(
                "no key: neither {var} nor {var}_FILE is set, and no --key-file was given"
            )),
            Err(reason) => Err(reason.to_owned()),
        }
    }
}

fn load_tree_var(var: &str, files: &[PathBuf]) -> Result<Option<Keyring>, Error> {
    let mut ring = match Keyring::from_env(var) {
        Ok(ring) => Some(ring),
        Err(Error::KeyMissing { .. }) => None,
        // With --key-file given, the variables are only extra keys: an
        // ambiguous pair of them is skipped, not fatal.
        Err(error @ Error::KeySourceConflict { .. }) if !files.is_empty() => {
            eprintln!("warning: {error}; using only the keys of --key-file");
            None
        }
        Err(error) => return Err(error),
    };
    for file in files {
        let more = Keyring::from_file(file)?;
        match &mut ring {
            Some(ring) => ring.extend(more)?,
            None => ring = Some(more),
        }
    }
    Ok(ring)
}
