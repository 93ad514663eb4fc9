//! Scanner kits: rules that make the secret scanners users run in CI find
//! Sealant keys and leave sealed blobs alone. `cargo sealant init` writes
//! them under `.sealant/scanners/`; `cargo sealant scanners` prints them.

use std::io::{self, Write as _};
use std::path::Path;

use crate::error::CliError;

/// The directory, under the root Sealant.toml is in, that `init` writes
/// the kits to.
pub(crate) const DIR: &str = ".sealant/scanners";

/// Each kit: its file name and its text.
pub(crate) const KITS: &[(&str, &str)] = &[
    ("gitleaks.toml", include_str!("scanners/gitleaks.toml")),
    (
        "detect_secrets_sealant.py",
        include_str!("scanners/detect_secrets_sealant.py"),
    ),
    (
        "detect-secrets-exclude-lines.txt",
        include_str!("scanners/detect-secrets-exclude-lines.txt"),
    ),
    ("trufflehog.yaml", include_str!("scanners/trufflehog.yaml")),
    ("semgrep.yaml", include_str!("scanners/semgrep.yaml")),
];

/// `cargo sealant scanners [NAME]`: every kit, each under a header line,
/// or the one named, as it is.
pub(crate) fn print(name: Option<&str>) -> Result<(), CliError> {
    let text = match name {
        Some(name) => KITS
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| (*text).to_owned())
            .ok_or_else(|| {
                let names: Vec<&str> = KITS.iter().map(|(file, _)| *file).collect();
                CliError::usage(
                    format!("no scanner kit named {name}"),
                    format!("pick one of {}", names.join(", ")),
                )
            })?,
        None => KITS
            .iter()
            .map(|(file, text)| format!("==> {DIR}/{file} <==\n{text}\n"))
            .collect(),
    };
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write the kits", &e, "check where stdout goes"))
}

/// Writes the kits under `root`/[`DIR`], leaving a file that exists as it
/// is (a team may have edited it); returns the files written.
pub(crate) fn write(root: &Path) -> Result<Vec<String>, CliError> {
    let dir = root.join(DIR);
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::io(
            format!("cannot create {}", dir.display()),
            &e,
            "check the permissions",
        )
    })?;
    let mut written = Vec::new();
    for (file, text) in KITS {
        let path = dir.join(file);
        if path.exists() {
            continue;
        }
        crate::policy::rewrite(&path, None, text)?;
        written.push(format!("{DIR}/{file}"));
    }
    Ok(written)
}
