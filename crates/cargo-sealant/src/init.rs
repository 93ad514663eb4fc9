//! `cargo sealant init`: write Sealant.toml at the crate or workspace root.

use std::path::PathBuf;

use sealant_policy::{FILE_NAME, TEMPLATE};

use crate::error::CliError;
use crate::policy;

pub(crate) fn run() -> Result<(), CliError> {
    let here = std::env::current_dir()
        .map_err(|e| CliError::io("cannot read the current directory", &e, "cd into the crate"))?;
    if let Some(existing) = sealant_policy::find(&here) {
        return Err(CliError::new(
            format!("{} already exists", existing.display()),
            "edit it, or add keys with `cargo sealant keygen --env NAME --out FILE`",
        ));
    }
    let root = root_of(&here).ok_or_else(|| {
        CliError::usage(
            format!("no Cargo.toml in {} or above", here.display()),
            "run `cargo sealant init` inside the crate whose secrets it will hold",
        )
    })?;
    let path = root.join(FILE_NAME);
    policy::rewrite(&path, None, TEMPLATE)?;
    eprintln!(
        "wrote {}; add environments with `cargo sealant keygen --env NAME --out FILE`, then commit it",
        path.display()
    );
    let kits = crate::scanners::write(&root)?;
    if !kits.is_empty() {
        eprintln!(
            "wrote secret-scanner rules that find Sealant keys and skip sealed blobs \
             (gitleaks, detect-secrets, trufflehog, semgrep) to {}; each file says how to use it",
            crate::scanners::DIR
        );
    }
    Ok(())
}

/// The workspace root above `here` (the highest Cargo.toml that declares
/// `[workspace]`), else the nearest crate root.
fn root_of(here: &std::path::Path) -> Option<PathBuf> {
    let crates: Vec<_> = here
        .ancestors()
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .collect();
    let workspace = crates.iter().rev().find(|dir| {
        std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|manifest| manifest.lines().any(|line| line.trim() == "[workspace]"))
    });
    workspace.or(crates.first()).map(|dir| dir.to_path_buf())
}
