//! `cargo sealant token` and `cargo sealant digest`: verify-only secrets.
//! A token is printed once, for the client; only its digest is kept, in a
//! `#[digest]` item.

use std::io::{self, Write as _};
use std::path::Path;

use sealant_syntax::scan::DeclaredValue;

use crate::cli::{DigestArgs, TokenArgs};
use crate::error::CliError;
use crate::seal;

pub(crate) fn run_token(args: &TokenArgs) -> Result<(), CliError> {
    let (token, digest) = sealant::digest::mint(&args.name, &args.prefix)?;
    if let Some(file) = &args.file {
        put(file, &args.name, &digest, args.keep_old)?;
    }
    crate::audit::secret_name(&args.name);
    io::stdout()
        .lock()
        .write_all(format!("{}\n", token.as_str()).as_bytes())
        .map_err(|e| CliError::io("cannot write the token", &e, "check where stdout goes"))?;
    drop(token);
    match &args.file {
        Some(file) => eprintln!(
            "wrote the digest of {} to {}; the token above is shown once and kept nowhere: \
             give it to the client now",
            args.name,
            file.display()
        ),
        None => eprintln!(
            "the token above is shown once and kept nowhere: give it to the client now, and put \
             this digest in a #[digest] item named {}:\n{digest}",
            args.name
        ),
    }
    Ok(())
}

pub(crate) fn run_digest(args: &DigestArgs) -> Result<(), CliError> {
    sealant_format::validate_name(&args.name).map_err(sealant::Error::from)?;
    let presented = seal::read_plaintext("the token", false)?;
    let digest = sealant::digest::digest_of(&args.name, &presented)?;
    drop(presented);
    crate::audit::secret_name(&args.name);
    match &args.file {
        Some(file) => {
            put(file, &args.name, &digest, args.keep_old)?;
            eprintln!("wrote the digest of {} to {}", args.name, file.display());
        }
        None => {
            io::stdout()
                .lock()
                .write_all(format!("{digest}\n").as_bytes())
                .map_err(|e| {
                    CliError::io("cannot write the digest", &e, "check where stdout goes")
                })?;
        }
    }
    Ok(())
}

/// Puts `digest` in `file`'s `#[digest]` item `name`: replacing its value
/// (or adding to its list, with `keep_old`), or as a new item.
fn put(file: &Path, name: &str, digest: &str, keep_old: bool) -> Result<(), CliError> {
    let read = match std::fs::read_to_string(file) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(CliError::io(
                format!("cannot read {}", file.display()),
                &e,
                "check the path",
            ));
        }
    };
    let source = read.as_deref().unwrap_or("");
    let scanned = sealant_syntax::scan::scan(source).map_err(|e| {
        CliError::new(
            format!("{} does not parse as Rust: {e}", file.display()),
            "fix the file first",
        )
    })?;
    let item = scanned.digests.iter().find(|item| {
        let named = item
            .args
            .as_ref()
            .ok()
            .and_then(|args| args.name.as_deref());
        named.unwrap_or(&item.ident) == name
    });
    let quoted = format!("\"{digest}\"");
    let updated = match item.map(|item| &item.value) {
        Some(DeclaredValue::One(old)) => {
            let mut updated = source.to_owned();
            let value = if keep_old {
                format!("[\n    {},\n    {quoted},\n]", &source[old.range.clone()])
            } else {
                quoted
            };
            updated.replace_range(old.range.clone(), &value);
            updated
        }
        Some(DeclaredValue::List(old)) if !old.is_empty() => {
            let mut updated = source.to_owned();
            let (start, end) = (old[0].range.start, old[old.len() - 1].range.end);
            if keep_old {
                updated.insert_str(end, &format!(",\n    {quoted}"));
            } else {
                // The list becomes the one new digest.
                let open = source[..start].rfind('[').unwrap_or(start);
                let close = source[end..].find(']').map_or(end, |at| end + at + 1);
                updated.replace_range(open..close, &quoted);
            }
            updated
        }
        Some(_) => {
            return Err(CliError::new(
                format!(
                    "{}: the #[digest] item {name} holds no digest literal",
                    file.display()
                ),
                "give it a string value, or remove it and run again",
            ));
        }
        None => {
            let ident_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
            if !ident_ok {
                return Err(CliError::usage(
                    format!("{name} is not a Rust identifier, so it cannot name a new item"),
                    "write the item yourself with #[digest(name = \"...\")], then run again",
                ));
            }
            let mut updated = source.to_owned();
            if updated.is_empty() {
                updated.push_str("use sealant::{Digest, digest};\n");
            }
            if !updated.ends_with('\n') {
                updated.push('\n');
            }
            updated.push_str(&format!(
                "\n#[digest]\npub(crate) const {name}: Digest = {quoted};\n"
            ));
            updated
        }
    };
    crate::policy::rewrite(file, read.as_deref(), &updated)
}
