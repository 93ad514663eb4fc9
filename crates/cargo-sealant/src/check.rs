//! `cargo sealant check`: every blob of a tree is well-formed, and opens
//! with the keys that are available.

use std::io::{self, Write};

use sealant_format::Blob;
use serde_json::json;

use crate::cli::CheckArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::scan::{self, Found};

/// What checking one blob found.
pub(crate) struct Outcome {
    pub(crate) kid: Option<String>,
    /// Whether it was decrypted (only when a key was available).
    pub(crate) opened: bool,
    /// What is wrong, and the hint that fixes it.
    pub(crate) problem: Option<(String, String)>,
}

pub(crate) fn run(args: &CheckArgs) -> Result<(), CliError> {
    let files = scan::rust_files(&args.paths)?;
    let mut found = Vec::new();
    for file in &files {
        found.extend(scan::scan_file(file)?.1);
    }
    let mut keys = TreeKeys::new(args.key_file.iter().cloned().collect());
    let outcomes: Vec<Outcome> = found.iter().map(|f| check_one(f, &mut keys)).collect();
    let failed = outcomes.iter().filter(|o| o.problem.is_some()).count();
    let opened = outcomes.iter().filter(|o| o.opened).count();

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
                    "ok": o.problem.is_none(),
                    "error": o.problem.as_ref().map(|p| &p.0),
                    "hint": o.problem.as_ref().map(|p| &p.1),
                })
            })
            .collect();
        let report = json!({
            "files": files.len(),
            "secrets": secrets,
            "opened": opened,
            "failed": failed,
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
            writeln!(
                out,
                "checked {} secrets in {} files: {} opened, {} format only (no key), {failed} failed",
                found.len(),
                files.len(),
                opened,
                found.len() - opened - failed,
            )
        })()
    };
    written.map_err(|e| CliError::io("cannot write the report", &e, "check where stdout goes"))?;
    if failed > 0 {
        return Err(CliError::new(
            format!(
                "{failed} of {} sealed secrets failed the check",
                found.len()
            ),
            "fix each one listed above",
        ));
    }
    Ok(())
}

/// The name to report a blob under: its item's, else its own.
pub(crate) fn display_name(found: &Found) -> String {
    if let Some(name) = found.expected_name() {
        return name.to_owned();
    }
    match Blob::parse(&found.text) {
        Ok(blob) => blob.name().to_owned(),
        Err(_) => "(unnamed)".to_owned(),
    }
}

/// Checks one blob's format, its name against its item's, and, when keys
/// for its variable are available, that it opens.
pub(crate) fn check_one(found: &Found, keys: &mut TreeKeys) -> Outcome {
    let mut outcome = Outcome {
        kid: None,
        opened: false,
        problem: None,
    };
    let blob = match Blob::parse(&found.text) {
        Ok(blob) => blob,
        Err(error) => {
            outcome.problem = Some((
                format!("malformed blob: {error}"),
                "paste the blob exactly as `cargo sealant seal` printed it, or re-seal the secret"
                    .to_owned(),
            ));
            return outcome;
        }
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
        Ok(None) => {}
        Ok(Some(ring)) => match ring.open(&blob) {
            Ok(_plaintext) => outcome.opened = true,
            Err(error) => {
                outcome.problem = Some((
                    error.to_string(),
                    "re-seal it with the right key (`cargo sealant set`), or provide the key it names".to_owned(),
                ));
            }
        },
        Err(reason) => {
            outcome.problem = Some((
                format!("cannot load the keys of {}: {reason}", found.key_var()),
                format!(
                    "fix {} (or {}_FILE), or unset it to check formats only",
                    found.key_var(),
                    found.key_var()
                ),
            ));
        }
    }
    outcome
}
