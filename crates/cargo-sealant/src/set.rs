//! `cargo sealant set`: seal a secret into a source file.
//!
//! The order matters: the file is looked at first (to learn the item's key
//! variable and refuse a bad name before asking for a secret), then the
//! secret is read (which may wait at a prompt for minutes), and only then
//! is the file locked, read again and rewritten, if it still holds what
//! was read. Two `set`s on one file both land.

use std::path::Path;

use crate::check::display_name;
use crate::cli::SetArgs;
use crate::error::CliError;
use crate::keys::{self, KEY_VAR};
use crate::scan::{self, FileScan};
use crate::write::{self, Target};
use crate::{hook, lock, seal};

/// What `set` will do to a file, as read.
struct Plan {
    /// What was read (`None`: no such file yet).
    read: Option<String>,
    scan: Option<FileScan>,
    /// The index in `scan.found` of the value to replace, or `None` to add
    /// an item.
    target: Option<usize>,
}

impl Plan {
    fn key_var(&self) -> &str {
        match (&self.scan, self.target) {
            (Some(scan), Some(index)) => scan.found[index].key_var(),
            _ => KEY_VAR,
        }
    }
}

pub(crate) fn run(args: &SetArgs) -> Result<(), CliError> {
    sealant_format::validate_name(&args.name).map_err(sealant::Error::from)?;
    Target::inspect(&args.file, args.force)?;
    let first = plan(args)?;
    let key_var = first.key_var().to_owned();
    let keyring = keys::load_var(&key_var, args.key_file.as_deref())?;
    let key = keys::sealing_key(&keyring)?;
    let plaintext = seal::read_plaintext(&args.name, args.keep_newline)?;
    hook::reach("set:read-secret");

    let _lock = lock::lock_dirs_of(std::slice::from_ref(&args.file))?;
    let target = Target::inspect(&args.file, args.force)?;
    write::remove_stale([lock::real_dir(&args.file).as_path()])?;
    // Read again under the lock: what was read before the prompt may be
    // stale, and is never written back.
    let plan = plan(args)?;
    if plan.key_var() != key_var {
        return Err(CliError::new(
            format!(
                "{} changed while the secret was read: {} now takes its key from {} instead of {key_var}; nothing was written",
                args.file.display(),
                args.name,
                plan.key_var()
            ),
            "run set again",
        ));
    }
    let blob = key.seal(&args.name, plaintext.as_bytes())?;
    let read = plan.read.as_deref().unwrap_or("");
    let updated = match (&plan.scan, plan.target) {
        (Some(scan), Some(index)) => {
            let (range, text) = scan.found[index]
                .replacement(&blob)
                .expect("a target with no value is refused when planned");
            let mut updated = read.to_owned();
            updated.replace_range(range, &text);
            updated
        }
        _ => append_item(&args.file, read, &args.name, &blob),
    };
    write::replace_one(
        target,
        plan.read.clone().map(String::into_bytes),
        updated.as_bytes(),
        "set",
    )?;
    let verb = if plan.target.is_some() {
        "updated"
    } else {
        "added"
    };
    eprintln!(
        "{verb} {} in {} (key {})",
        args.name,
        args.file.display(),
        key.kid()
    );
    Ok(())
}

/// Reads the file and finds what `set` replaces, or checks that a new item
/// can be added.
fn plan(args: &SetArgs) -> Result<Plan, CliError> {
    let file = &args.file;
    if !file.exists() {
        return Ok(Plan {
            read: None,
            scan: None,
            target: None,
        });
    }
    let not_rust = |reason: String| {
        CliError::new(
            format!("{}: {reason}", file.display()),
            "set edits only files it can parse; fix the file first",
        )
    };
    let contents = scan::read_source(file).map_err(not_rust)?;
    let scan = scan::scan_source(file, contents.clone()).map_err(not_rust)?;
    let name = &args.name;
    let targets: Vec<usize> = (0..scan.found.len())
        .filter(|&i| display_name(&scan.found[i]) == *name)
        .collect();
    let target = match targets.as_slice() {
        [] => {
            check_new_item(file, &scan, name)?;
            None
        }
        [one] => {
            if scan.found[*one].replacement("").is_none() {
                return Err(CliError::new(
                    format!(
                        "{}: {name} has no value to replace",
                        scan.found[*one].location()
                    ),
                    "give the item a value, or remove it and run set again",
                ));
            }
            Some(*one)
        }
        many => {
            let lines: Vec<_> = many
                .iter()
                .map(|&i| scan.found[i].line.to_string())
                .collect();
            return Err(CliError::new(
                format!(
                    "{} holds {} secrets named {name} (lines {})",
                    file.display(),
                    many.len(),
                    lines.join(", ")
                ),
                "remove the duplicates, then run set again",
            ));
        }
    };
    Ok(Plan {
        read: Some(contents),
        scan: Some(scan),
        target,
    })
}

/// Refuses a new item whose identifier the file already uses, or whose
/// name is another secret's identifier.
fn check_new_item(file: &Path, scan: &FileScan, name: &str) -> Result<(), CliError> {
    if let Some(other) = scan
        .found
        .iter()
        .find(|f| f.item.as_ref().is_some_and(|item| item.ident == name))
    {
        return Err(CliError::new(
            format!(
                "{}: the item {name} holds the secret named `{}`, so there is no secret named {name} to set",
                other.location(),
                display_name(other)
            ),
            format!(
                "run `cargo sealant set {} --file {}`",
                display_name(other),
                file.display()
            ),
        ));
    }
    let ident = seal::rust_ident(name);
    if scan.value_names.contains(&ident) {
        return Err(CliError::new(
            format!(
                "{} already has an item or import named {ident}, which a new item for {name} would be; nothing was written",
                file.display()
            ),
            "choose another name, or put the secret in another file",
        ));
    }
    Ok(())
}

/// `contents` with a new `#[secret]` item at the end, in the file's line
/// ending.
fn append_item(file: &Path, contents: &str, name: &str, blob: &str) -> String {
    let newline = if contents.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut updated = contents.to_owned();
    if updated.is_empty() {
        updated.push_str("use sealant::{Sealed, secret};\n");
    } else if !updated.ends_with('\n') {
        updated.push_str(newline);
    }
    updated.push_str(newline);
    updated.push_str(&seal::rust_item(name, blob, "pub(crate) ").replace('\n', newline));
    if !contents.is_empty() && !contents.contains("secret") {
        eprintln!(
            "note: {} may need `use sealant::{{Sealed, secret}};`",
            file.display()
        );
    }
    updated
}
