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
use crate::policy::Policies;
use crate::scan::{self, FileScan, Found};
use crate::write::{self, Target};
use crate::{hook, lock, seal};

/// What `set` will do to a file, as read.
struct Plan {
    /// What was read (`None`: no such file yet).
    read: Option<String>,
    scan: Option<FileScan>,
    /// The indices in `scan.found` of the item's values: one, or the blobs
    /// of a list; none to add an item.
    targets: Vec<usize>,
}

impl Plan {
    fn target(&self) -> Option<&Found> {
        Some(&self.scan.as_ref()?.found[*self.targets.first()?])
    }

    fn key_var(&self) -> &str {
        self.target().map_or(KEY_VAR, Found::key_var)
    }

    /// The environments of the item's v2 blobs, if it has any, or whether
    /// it is a list.
    fn per_environment(&self) -> Option<Vec<String>> {
        let scan = self.scan.as_ref()?;
        let found: Vec<&Found> = self.targets.iter().map(|&i| &scan.found[i]).collect();
        let envs: Vec<String> = found
            .iter()
            .filter_map(|f| f.blob().and_then(|b| b.env().map(str::to_owned)))
            .collect();
        let list = found
            .first()
            .is_some_and(|f| f.item.as_ref().is_some_and(|item| item.list));
        (list || !envs.is_empty()).then_some(envs)
    }
}

pub(crate) fn run(args: &SetArgs) -> Result<(), CliError> {
    sealant_format::validate_name(&args.name).map_err(sealant::Error::from)?;
    Target::inspect(&args.file, args.force)?;
    let first = plan(args)?;
    if !args.env.is_empty() || args.all_envs {
        return set_envs(args, &first);
    }
    if let Some(envs) = first.per_environment() {
        return Err(CliError::usage(
            format!(
                "{} has one blob per environment ({}); a v1 blob would replace them all",
                args.name,
                if envs.is_empty() {
                    "none yet".to_owned()
                } else {
                    envs.join(", ")
                }
            ),
            format!(
                "set it for an environment: `cargo sealant set {} --env ENV --file {}`",
                args.name,
                args.file.display()
            ),
        ));
    }
    let key_var = first.key_var().to_owned();
    let keyring = keys::load_var(&key_var, args.key_file.as_deref())?;
    let key = keys::sealing_key(&keyring)?;
    let plaintext = seal::read_plaintext(&args.name, args.keep_newline)?;
    hook::reach("set:read-secret");

    let (_lock, target, plan) = relock(args)?;
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
    crate::audit::secret(&args.name, None, key.kid());
    let read = plan.read.as_deref().unwrap_or("");
    let updated = match plan.target() {
        Some(found) => {
            let (range, text) = found
                .replacement(&blob)
                .expect("a target with no value is refused when planned");
            let mut updated = read.to_owned();
            updated.replace_range(range, &text);
            updated
        }
        None => append_item(&args.file, read, &rust_item(&args.name, &blob)),
    };
    write::replace_one(
        target,
        plan.read.clone().map(String::into_bytes),
        updated.as_bytes(),
        "set",
    )?;
    let verb = if plan.target().is_some() {
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

/// Locks the file's directory and reads the file again: what was read
/// before the secret (perhaps at a prompt, for minutes) may be stale, and is
/// never written back. Temporary files a killed run left are removed.
fn relock(args: &SetArgs) -> Result<(lock::Locked, Target, Plan), CliError> {
    let lock = lock::lock_dirs_of(std::slice::from_ref(&args.file))?;
    let target = Target::inspect(&args.file, args.force)?;
    write::remove_stale([lock::real_dir(&args.file).as_path()])?;
    Ok((lock, target, plan(args)?))
}

/// Reads the file and finds what `set` replaces, or checks that a new item
/// can be added.
fn plan(args: &SetArgs) -> Result<Plan, CliError> {
    let file = &args.file;
    if !file.exists() {
        return Ok(Plan {
            read: None,
            scan: None,
            targets: Vec::new(),
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
    // The blobs of one list are one secret.
    let item_of = |i: usize| {
        let found = &scan.found[i];
        found
            .item
            .as_ref()
            .filter(|item| item.list)
            .map(|item| item.index)
    };
    let one_item = targets
        .first()
        .and_then(|&first| item_of(first))
        .is_some_and(|item| targets.iter().all(|&i| item_of(i) == Some(item)));
    match targets.as_slice() {
        [] => check_new_item(file, &scan, name)?,
        _ if one_item => {}
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
    }
    Ok(Plan {
        read: Some(contents),
        scan: Some(scan),
        targets,
    })
}

/// A new v1 item for `blob`.
fn rust_item(name: &str, blob: &str) -> String {
    seal::rust_item(name, blob, "pub(crate) ")
}

/// `set --env`/`--all-envs`: seals one plaintext to the active key of each
/// environment named, from the Sealant.toml above the file, and puts each
/// blob in the item: in place of that environment's blob, or beside the
/// others. No private key is needed.
fn set_envs(args: &SetArgs, first: &Plan) -> Result<(), CliError> {
    let loaded = Policies::default()
        .for_file(&args.file)
        .map_err(|(message, hint)| CliError::usage(message, hint))?;
    let (envs, recipients): (Vec<String>, Vec<_>) = loaded
        .recipients(&args.env, args.all_envs)?
        .into_iter()
        .unzip();
    // A v1 blob opens in every environment: replacing it with only some
    // of them would leave the others without a value.
    refuse_partial_v1(args, first)?;
    let plaintext = seal::read_plaintext(&args.name, args.keep_newline)?;
    hook::reach("set:read-secret");

    let (_lock, target, plan) = relock(args)?;
    refuse_partial_v1(args, &plan)?;
    let blobs = envs
        .iter()
        .zip(&recipients)
        .map(|(env, recipient)| recipient.seal(env, &args.name, plaintext.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    for (env, recipient) in envs.iter().zip(&recipients) {
        crate::audit::secret(&args.name, Some(env), recipient.kid());
    }
    let read = plan.read.as_deref().unwrap_or("");
    let updated = match &plan.scan {
        Some(scan) if !plan.targets.is_empty() => {
            let found: Vec<&Found> = plan.targets.iter().map(|&i| &scan.found[i]).collect();
            put_blobs(read, &found, &envs, &blobs)
        }
        _ => append_item(
            &args.file,
            read,
            &seal::rust_item_v2(&args.name, &envs, &blobs, "pub(crate) "),
        ),
    };
    write::replace_one(
        target,
        plan.read.clone().map(String::into_bytes),
        updated.as_bytes(),
        "set",
    )?;
    let each: Vec<String> = envs
        .iter()
        .zip(&recipients)
        .map(|(env, recipient)| format!("{env} (key {})", recipient.kid()))
        .collect();
    eprintln!(
        "{} {} in {} for {}",
        if plan.targets.is_empty() {
            "added"
        } else {
            "updated"
        },
        args.name,
        args.file.display(),
        each.join(", ")
    );
    Ok(())
}

fn refuse_partial_v1(args: &SetArgs, plan: &Plan) -> Result<(), CliError> {
    let v1 = plan
        .target()
        .and_then(Found::blob)
        .is_some_and(|blob| blob.env().is_none());
    if v1 && !args.all_envs {
        return Err(CliError::usage(
            format!(
                "{} holds a v1 blob, which opens in every environment; blobs for only some \
                 environments would leave the others without a value; nothing was written",
                args.name
            ),
            format!(
                "move it to one blob per environment at once: `cargo sealant set {} --all-envs --file {}`",
                args.name,
                args.file.display()
            ),
        ));
    }
    Ok(())
}

/// `read` with the blobs put in the item whose values are `found`: each in
/// place of its environment's blob, or else in a list with the others.
fn put_blobs(read: &str, found: &[&Found], envs: &[String], blobs: &[String]) -> String {
    let newline = if read.contains("\r\n") { "\r\n" } else { "\n" };
    let first = found[0];
    let start = first.value_range().map_or(0, |range| range.start);
    let line_start = read[..start].rfind('\n').map_or(0, |i| i + 1);
    let leading = &read[line_start..start];
    let indent: String = leading.chars().take_while(|c| c.is_whitespace()).collect();
    let list = first.item.as_ref().is_some_and(|item| item.list);
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    if list {
        // In place where the environment has a blob; the others go first in
        // the list, each on its line, so that a comment after a blob stays
        // with it.
        let mut inserted = String::new();
        let own_line = leading.trim().is_empty();
        for (env, blob) in envs.iter().zip(blobs) {
            let existing = found.iter().find(|f| {
                f.blob().and_then(|b| b.env().map(str::to_owned)).as_deref() == Some(env)
            });
            match existing.and_then(|f| f.replacement(blob)) {
                Some(edit) => edits.push(edit),
                None if own_line => {
                    inserted.push_str(&format!("\"{blob}\", // {env}{newline}{indent}"));
                }
                None => inserted.push_str(&format!("\"{blob}\", ")),
            }
        }
        if !inserted.is_empty() {
            edits.push((start..start, inserted));
        }
    } else {
        // One value: the new blob replaces it if it is the same
        // environment's (or not a v2 blob); else the item becomes a list.
        let kept = first
            .blob()
            .and_then(|b| b.env().map(str::to_owned))
            .filter(|env| !envs.contains(env));
        let range = first.value_range().unwrap_or(0..0);
        match kept {
            None if blobs.len() == 1 => edits.extend(first.replacement(&blobs[0])),
            None => edits.push((range, seal::list_value(envs, blobs, &indent, newline))),
            Some(env) => {
                let mut all_envs = vec![env];
                all_envs.extend(envs.iter().cloned());
                let mut all_blobs = vec![first.text().unwrap_or_default().to_owned()];
                all_blobs.extend(blobs.iter().cloned());
                edits.push((
                    range,
                    seal::list_value(&all_envs, &all_blobs, &indent, newline),
                ));
            }
        }
    }
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    let mut updated = read.to_owned();
    for (range, text) in edits {
        updated.replace_range(range, &text);
    }
    updated
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
fn append_item(file: &Path, contents: &str, item: &str) -> String {
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
    updated.push_str(&item.replace('\n', newline));
    if !contents.is_empty() && !contents.contains("secret") {
        eprintln!(
            "note: {} may need `use sealant::{{Sealed, secret}};`",
            file.display()
        );
    }
    updated
}
