//! Finding, reading and editing Sealant.toml for the commands that use it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

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
    /// The environments named (each once, in the order given), or every
    /// declared one with `all`, each with the recipient its new blobs are
    /// sealed to.
    pub(crate) fn recipients(
        &self,
        named: &[String],
        all: bool,
    ) -> Result<Vec<(String, Recipient)>, CliError> {
        let mut envs: Vec<String> = Vec::new();
        if all {
            envs.extend(self.policy.environments().map(|(env, _)| env.to_owned()));
        } else {
            for env in named {
                if !envs.contains(env) {
                    envs.push(env.clone());
                }
            }
        }
        if envs.is_empty() {
            return Err(CliError::usage(
                format!("{} declares no environment", self.path.display()),
                "add one with `cargo sealant keygen --env NAME --out FILE`",
            ));
        }
        envs.into_iter()
            .map(|env| {
                let recipient = self.active_recipient(&env)?;
                Ok((env, recipient))
            })
            .collect()
    }

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
        recipient_of(key).map_err(|message| {
            CliError::new(
                format!("{}: environment `{env}`: {message}", self.path.display()),
                "the kid and the key do not match: restore the file from version control",
            )
        })
    }
}

/// A listed key as a recipient, if its kid is the one its public key has.
fn recipient_of(key: &sealant_policy::PublicKey) -> Result<Recipient, String> {
    let recipient = Recipient::parse(&sealant_format::encode_public_key(&key.public))
        .expect("the policy checked the public key");
    if recipient.kid() == key.kid {
        Ok(recipient)
    } else {
        Err(format!(
            "kid {} is listed for a public key whose kid is {}",
            key.kid,
            recipient.kid()
        ))
    }
}

/// The Sealant.toml of each source file (the nearest at or above its
/// directory, as the macro finds it from the crate's directory), read once
/// per file found.
#[derive(Default)]
pub(crate) struct Policies {
    by_dir: HashMap<PathBuf, Result<Rc<Loaded>, (String, String)>>,
}

impl Policies {
    /// The Sealant.toml that governs the v2 blobs of `file`, or what is
    /// wrong (a message and a hint).
    pub(crate) fn for_file(&mut self, file: &Path) -> Result<Rc<Loaded>, (String, String)> {
        let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_owned());
        let dir = write::dir_of(&absolute).to_owned();
        self.by_dir
            .entry(dir)
            .or_insert_with_key(|dir| {
                let path = sealant_policy::find(dir).ok_or_else(|| {
                    (
                        format!(
                            "a v2 blob is checked against {FILE_NAME}, and there is none in {} or above",
                            dir.display()
                        ),
                        "run `cargo sealant init` at the crate or workspace root, then \
                         `cargo sealant keygen --env ENV`"
                            .to_owned(),
                    )
                })?;
                load_at(path)
                    .map(Rc::new)
                    .map_err(|error| (error.to_string(), format!("fix {FILE_NAME}")))
            })
            .clone()
    }
}

/// What is wrong with the Sealant.toml that governs `paths` (the nearest
/// at or above the first of them), for `check`: a file that does not parse
/// or break its rules, or a kid that is not its public key's (the build
/// trusts the kids it lists). None when there is no Sealant.toml.
pub(crate) fn problems(paths: &[PathBuf]) -> Vec<String> {
    let Some(first) = paths.first() else {
        return Vec::new();
    };
    let start = std::path::absolute(first).unwrap_or_else(|_| first.clone());
    let start = if start.is_dir() {
        start
    } else {
        write::dir_of(&start).to_owned()
    };
    let Some(path) = sealant_policy::find(&start) else {
        return Vec::new();
    };
    let loaded = match load_at(path) {
        Ok(loaded) => loaded,
        Err(error) => return vec![error.to_string()],
    };
    loaded
        .policy
        .environments()
        .flat_map(|(env, environment)| {
            environment.keys().iter().filter_map(move |key| {
                recipient_of(key)
                    .err()
                    .map(|message| format!("environment `{env}`: {message}"))
            })
        })
        .map(|message| format!("{}: {message}", loaded.path.display()))
        .collect()
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
