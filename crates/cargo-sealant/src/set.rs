//! `cargo sealant set`: seal a secret into a source file.

use std::path::Path;

use crate::check::display_name;
use crate::cli::SetArgs;
use crate::error::CliError;
use crate::keys::{self, KEY_VAR};
use crate::{scan, seal, write};

pub(crate) fn run(args: &SetArgs) -> Result<(), CliError> {
    sealant_format::validate_name(&args.name).map_err(sealant::Error::from)?;
    let (contents, found) = if args.file.exists() {
        scan::scan_file(&args.file)?
    } else {
        (String::new(), Vec::new())
    };
    let targets: Vec<_> = found
        .iter()
        .filter(|f| display_name(f) == args.name)
        .collect();
    let target = match targets.as_slice() {
        [] => None,
        [one] => Some(*one),
        many => {
            let lines: Vec<_> = many.iter().map(|f| f.line.to_string()).collect();
            return Err(CliError::new(
                format!(
                    "{} holds {} secrets named {} (lines {})",
                    args.file.display(),
                    many.len(),
                    args.name,
                    lines.join(", ")
                ),
                "remove the duplicates, then run set again",
            ));
        }
    };
    // An existing item may take its keys from another variable.
    let key_var = target.map_or(KEY_VAR, |t| t.key_var());
    let keyring = keys::load_var(key_var, args.key_file.as_deref())?;
    let key = &keyring.keys()[0];
    let plaintext = seal::read_plaintext(&args.name, args.keep_newline)?;
    let blob = key.seal(&args.name, plaintext.as_bytes())?;

    let updated = match target {
        Some(target) => {
            let mut updated = contents.clone();
            updated.replace_range(target.range.clone(), &blob);
            updated
        }
        None => append_item(&args.file, &contents, &args.name, &blob),
    };
    write::replace(&args.file, updated.as_bytes())?;
    write::sync_dir(write::dir_of(&args.file));
    let verb = if target.is_some() { "updated" } else { "added" };
    eprintln!(
        "{verb} {} in {} (key {})",
        args.name,
        args.file.display(),
        key.kid()
    );
    Ok(())
}

/// `contents` with a new `#[secret]` item at the end.
fn append_item(file: &Path, contents: &str, name: &str, blob: &str) -> String {
    let mut updated = contents.to_owned();
    if updated.is_empty() {
        updated.push_str("use sealant::{Sealed, secret};\n");
    } else if !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push('\n');
    updated.push_str(&seal::rust_item(name, blob));
    if !contents.is_empty() && !contents.contains("secret") {
        eprintln!(
            "note: {} may need `use sealant::{{Sealed, secret}};`",
            file.display()
        );
    }
    updated
}
