//! Finding, reading and editing Sealant.toml for the commands that use it.

use std::path::{Path, PathBuf};

use sealant::Recipient;
use sealant_policy::{FILE_NAME, Policy};

use crate::error::CliError;
use crate::write::{self, Target};
use crate::{lock, scan};

/// A read Sealant.toml.
pub(crate) struct Loaded {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) policy: Policy,
}

/// The Sealant.toml at or above the current directory, read and checked.
pub(crate) fn load() -> Result<Loaded, CliError> {
    let here = std::env::current_dir()
        .map_err(|e| CliError::io("cannot read the current directory", &e, "cd into the crate"))?;
    let path = sealant_policy::find(&here).ok_or_else(|| {
        CliError::usage(
            format!("no {FILE_NAME} in {} or above", here.display()),
            "run `cargo sealant init` at the crate or workspace root first",
        )
    })?;
    load_at(path)
}

/// Reads and checks the Sealant.toml at `path`.
pub(crate) fn load_at(path: PathBuf) -> Result<Loaded, CliError> {
    let text = scan::read_source(&path).map_err(|reason| {
        CliError::usage(format!("{}: {reason}", path.display()), "check the file")
    })?;
    let policy = Policy::parse(&text).map_err(|e| {
        CliError::new(
            format!("{}: line {}: {}", path.display(), e.line, e.message),
            format!("fix {FILE_NAME}, then run the command again"),
        )
    })?;
    Ok(Loaded { path, text, policy })
}

impl Loaded {
    /// The recipient new blobs of `env` are sealed to: the environment's
    /// active key, whose kid must be the one the file states.
    pub(crate) fn active_recipient(&self, env: &str) -> Result<Recipient, CliError> {
        let environment = self.policy.environment(env).ok_or_else(|| {
            let declared: Vec<_> = self.policy.environments().map(|(name, _)| name).collect();
            CliError::usage(
                format!(
                    "{} declares no environment `{env}` (it declares: {})",
                    self.path.display(),
                    if declared.is_empty() {
                        "none".to_owned()
                    } else {
                        declared.join(", ")
                    }
                ),
                format!("add one with `cargo sealant keygen --env {env} --out FILE`"),
            )
        })?;
        let key = environment.active().ok_or_else(|| {
            CliError::new(
                format!(
                    "environment `{env}` has no active key in {}",
                    self.path.display()
                ),
                format!("add one with `cargo sealant keygen --env {env} --out FILE`"),
            )
        })?;
        let recipient = Recipient::parse(&sealant_format::encode_public_key(&key.public))
            .expect("the policy checked the public key");
        if recipient.kid() != key.kid {
            return Err(CliError::new(
                format!(
                    "{}: environment `{env}` lists kid {} for a public key whose kid is {}",
                    self.path.display(),
                    key.kid,
                    recipient.kid()
                ),
                "the kid and the key do not match: restore the file from version control",
            ));
        }
        Ok(recipient)
    }
}

/// Replaces Sealant.toml at `path` with `updated`, if it still holds
/// `read`: under the directory's lock, atomically, keeping its mode.
pub(crate) fn rewrite(path: &Path, read: Option<&str>, updated: &str) -> Result<(), CliError> {
    let _lock = lock::lock_dirs_of(&[path.to_owned()])?;
    let target = Target::inspect(path, false)?;
    write::replace_one(
        target,
        read.map(|r| r.as_bytes().to_vec()),
        updated.as_bytes(),
        "this command",
    )
}
