//! `cargo sealant check`: every secret of a tree is a well-formed blob of
//! the right name, and opens with the keys that are available.

use std::collections::BTreeMap;
use std::io::{self, Write};

use sealant_format::{Blob, BlobError};
use serde_json::json;

use crate::cli::CheckArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::scan::{self, Found, Slot};

/// What checking one value found.
pub(crate) struct Outcome {
    pub(crate) kid: Option<String>,
    /// Whether it was decrypted (only when a key was available).
    pub(crate) opened: bool,
    /// What is wrong, and the hint that fixes it.
    pub(crate) problem: Option<(String, String)>,
    /// The variable whose keys were missing or broken, when that is why it
    /// was not opened: said once per variable, not once per secret.
    pub(crate) key_var_problem: Option<String>,
}

pub(crate) fn run(args: &CheckArgs) -> Result<(), CliError> {
    let tree = scan::scan_tree(&args.paths)?;
    let mut keys = TreeKeys::new(args.key_file.iter().cloned().collect());
    let found: Vec<&Found> = tree.found().collect();
    let outcomes: Vec<Outcome> = found
        .iter()
        .map(|f| check_one(f, &mut keys, args.require_keys))
        .collect();
    // Each variable whose keys are missing or broken, said once.
    let mut key_problems: BTreeMap<&str, (String, String, Vec<String>)> = BTreeMap::new();
    for (f, o) in found.iter().zip(&outcomes) {
        if let Some(var) = &o.key_var_problem {
            let (reason, hint) = keys.problem(var);
            key_problems
                .entry(f.key_var())
                .or_insert_with(|| (reason, hint, Vec::new()))
                .2
                .push(display_name(f));
        }
    }
    let blob_failures = outcomes.iter().filter(|o| o.problem.is_some()).count();
    let key_failures = outcomes
        .iter()
        .filter(|o| o.key_var_problem.is_some())
        .count();
    let policy_problems = crate::policy::problems(&args.paths);
    let failed = blob_failures + key_failures;
    let opened = outcomes.iter().filter(|o| o.opened).count();
    let format_only = found.len() - opened - failed;

    let mut out = io::stdout().lock();
    let written = if args.json {
        let secrets: Vec<_> = found
            .iter()
            .zip(&outcomes)
            .map(|(f, o)| {
                json!({
                    "file": f.file.display().to_string(),
                    "line": f.line,
                    "name": display_name(f),
                    "kid": o.kid,
                    "key_var": f.key_var(),
                    "opened": o.opened,
                    "ok": o.problem.is_none() && o.key_var_problem.is_none(),
                    "error": o.problem.as_ref().map(|p| &p.0),
                    "hint": o.problem.as_ref().map(|p| &p.1),
                })
            })
            .collect();
        let key_errors: Vec<_> = key_problems
            .iter()
            .map(|(var, (error, hint, names))| {
                json!({"key_var": var, "error": error, "hint": hint, "secrets": names})
            })
            .collect();
        let skipped = tree.skipped_json();
        let report = json!({
            "files": tree.files.len(),
            "secrets": secrets,
            "opened": opened,
            "format_only": format_only,
            "failed": failed,
            "key_errors": key_errors,
            "policy_errors": policy_problems,
            "skipped": skipped,
        });
        writeln!(out, "{report:#}")
    } else {
        (|| {
            for (f, o) in found.iter().zip(&outcomes) {
                if let Some((message, hint)) = &o.problem {
                    writeln!(
                        out,
                        "{}: {}: {message}\n  hint: {hint}",
                        f.location(),
                        display_name(f)
                    )?;
                }
            }
            for (var, (reason, hint, names)) in &key_problems {
                writeln!(
                    out,
                    "{var}: {reason}; {} secrets not opened: {}\n  hint: {hint}",
                    names.len(),
                    names.join(", ")
                )?;
            }
            for problem in &policy_problems {
                writeln!(
                    out,
                    "{problem}\n  hint: restore Sealant.toml from version control, or fix that key"
                )?;
            }
            for skipped in &tree.skipped {
                writeln!(
                    out,
                    "skipped {}: {}",
                    skipped.path.display(),
                    skipped.reason
                )?;
            }
            writeln!(
                out,
                "checked {} secrets in {} files: {opened} opened, {format_only} format only (no key), {failed} failed",
                found.len(),
                tree.files.len(),
            )
        })()
    };
    written.map_err(|e| CliError::io("cannot write the report", &e, "check where stdout goes"))?;
    if failed > 0 || !policy_problems.is_empty() {
        return Err(CliError::new(
            if policy_problems.is_empty() {
                format!("{failed} of {} sealed secrets failed the check", found.len())
            } else {
                format!(
                    "{failed} of {} sealed secrets failed the check, and Sealant.toml has {} problems",
                    found.len(),
                    policy_problems.len()
                )
            },
            "fix each one listed above",
        )
        .reported());
    }
    Ok(())
}

/// The name to report a value under: its item's, else its blob's.
pub(crate) fn display_name(found: &Found) -> String {
    if let Some(name) = found.expected_name() {
        return name.to_owned();
    }
    found
        .blob()
        .map_or_else(|| "(unnamed)".to_owned(), |blob| blob.name().to_owned())
}

/// What is wrong with a value's shape, before any key: `None` when it is a
/// well-formed blob (of any name).
pub(crate) fn shape_problem(found: &Found) -> Option<(String, String)> {
    let seal_hint = |name: &str| {
        format!(
            "seal the secret into it with `cargo sealant set {name} --file {}`, which replaces the value in place",
            found.file.display()
        )
    };
    let name = display_name(found);
    if let Some(item) = &found.item {
        // The macro's own checks of the arguments, so that check fails
        // where the build would.
        let invalid = item
            .args_error
            .clone()
            .or_else(|| {
                item.key_var
                    .as_deref()
                    .and_then(|env| sealant_syntax::check_key_var(env).err())
            })
            .or_else(|| {
                item.name
                    .as_deref()
                    .and_then(|name| sealant_format::validate_name(name).err())
                    .map(|e| format!("invalid secret name: {e}"))
            });
        if let Some(error) = invalid {
            return Some((
                format!("invalid `#[secret]` arguments: {error}"),
                "`#[secret]` takes `name = \"...\"` and `key_var = \"...\"`".to_owned(),
            ));
        }
        if item.list {
            return Some((
                "a list of blobs (one per environment) needs v2 blobs, which this version cannot open yet".to_owned(),
                "give one blob".to_owned(),
            ));
        }
    }
    let text = match &found.slot {
        Slot::Literal { text, .. } => text,
        Slot::Other { .. } => {
            return Some((
                "the value is not a string literal holding a sealed blob".to_owned(),
                seal_hint(&name),
            ));
        }
        Slot::Missing => {
            return Some((
                "the item has no value; `#[secret]` needs a sealed blob".to_owned(),
                "put `#[secret]` on a `const` or `static` with a value".to_owned(),
            ));
        }
    };
    match Blob::parse(text) {
        Ok(_) => None,
        // Never show it: it may be a plaintext pasted in the wrong place.
        Err(BlobError::NotSealed) => Some((
            "the value is not a sealed blob (its text is not shown, in case it is a plaintext secret)"
                .to_owned(),
            seal_hint(&name),
        )),
        Err(error) => Some((
            format!("malformed blob: {error}"),
            "paste the blob exactly as `cargo sealant seal` printed it, or re-seal the secret"
                .to_owned(),
        )),
    }
}

/// Checks one value: its shape, its blob's name against its item's, and,
/// when keys for its variable are available, that it opens.
pub(crate) fn check_one(found: &Found, keys: &mut TreeKeys, require_keys: bool) -> Outcome {
    let mut outcome = Outcome {
        kid: None,
        opened: false,
        problem: shape_problem(found),
        key_var_problem: None,
    };
    if outcome.problem.is_some() {
        return outcome;
    }
    let Some(blob) = found.blob() else {
        return outcome;
    };
    outcome.kid = Some(blob.kid().to_string());
    if let Some(expected) = found.expected_name()
        && expected != blob.name()
    {
        outcome.problem = Some((
            format!(
                "the blob is sealed for the name `{}`, but its item expects `{expected}`",
                blob.name()
            ),
            format!(
                "re-seal it with `cargo sealant set {expected} --file {}`",
                found.file.display()
            ),
        ));
        return outcome;
    }
    match keys.for_var(found.key_var()) {
        Ok(None) if !require_keys => {}
        Ok(None) | Err(_) => outcome.key_var_problem = Some(found.key_var().to_owned()),
        Ok(Some(ring)) => match ring.open(&blob) {
            Ok(_plaintext) => outcome.opened = true,
            Err(error) => {
                outcome.problem = Some((
                    error.to_string(),
                    "re-seal it with the right key (`cargo sealant set`), or provide the key it names".to_owned(),
                ));
            }
        },
    }
    outcome
}

/// Why secrets cannot be opened, for a command that must open them all:
/// each secret's own problem, and each key variable's once.
#[derive(Default)]
pub(crate) struct Problems {
    blobs: Vec<String>,
    vars: BTreeMap<String, (String, Vec<String>)>,
}

impl Problems {
    /// A problem of one secret.
    pub(crate) fn blob(&mut self, found: &Found, message: &str) {
        self.blobs.push(format!(
            "{}: {}: {message}",
            found.location(),
            display_name(found)
        ));
    }

    /// A secret whose key variable holds no key.
    pub(crate) fn no_key(&mut self, found: &Found) {
        let var = found.key_var();
        let reason =
            format!("no key: neither {var} nor {var}_FILE is set, and no --key-file was given");
        self.key_error(found, &reason);
    }

    /// A secret whose key variable's keys cannot be loaded.
    pub(crate) fn key_error(&mut self, found: &Found, reason: &str) {
        self.vars
            .entry(found.key_var().to_owned())
            .or_insert_with(|| (reason.to_owned(), Vec::new()))
            .1
            .push(format!("{} ({})", display_name(found), found.location()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.blobs.is_empty() && self.vars.is_empty()
    }

    /// How many secrets have a problem.
    pub(crate) fn count(&self) -> usize {
        self.blobs.len()
            + self
                .vars
                .values()
                .map(|(_, names)| names.len())
                .sum::<usize>()
    }

    pub(crate) fn print_stderr(&self) {
        for line in &self.blobs {
            eprintln!("{line}");
        }
        for (var, (reason, names)) in &self.vars {
            eprintln!(
                "{var}: {reason}; {} secrets need it: {}",
                names.len(),
                names.join(", ")
            );
        }
    }
}
