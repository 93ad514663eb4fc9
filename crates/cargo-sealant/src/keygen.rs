//! `cargo sealant keygen`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use sealant::{Identity, Key};
use zeroize::Zeroizing;

use crate::cli::KeygenArgs;
use crate::error::CliError;
use crate::policy;

pub(crate) fn run(args: &KeygenArgs) -> Result<(), CliError> {
    if let Some(env) = &args.env {
        return keygen_env(
            env,
            args.out.as_deref(),
            args.wrap_with.as_deref(),
            args.save,
        );
    }
    let key = Key::generate()?;
    crate::audit::key(None, key.kid());
    let mut line = key.expose_text();
    line.push('\n');
    match &args.out {
        Some(path) => {
            write_new_file(path, line.as_bytes())?;
            eprintln!("wrote key {} to {}", key.kid(), path.display());
        }
        None => {
            io::stdout()
                .lock()
                .write_all(line.as_bytes())
                .map_err(|e| {
                    CliError::io(
                        "cannot write the key to stdout",
                        &e,
                        "check where stdout goes",
                    )
                })?;
            eprintln!("kid: {}", key.kid());
        }
    }
    Ok(())
}

/// A v2 key pair for `env`: the private key first (so that a public key in
/// Sealant.toml always has its private key somewhere), then the public
/// key into Sealant.toml as the environment's active key.
fn keygen_env(
    env: &str,
    out: Option<&Path>,
    wrap_with: Option<&str>,
    save: bool,
) -> Result<(), CliError> {
    sealant_format::validate_env(env).map_err(sealant::Error::from)?;
    let loaded = policy::load()?;
    let identity = Identity::generate()?;
    crate::audit::key(Some(env), identity.kid());
    // Wrapped before anything is written: a key service that refuses
    // leaves no key anywhere.
    let mut line = match wrap_with {
        Some(with) => Zeroizing::new(sealant::wrapped::wrap(
            with,
            &identity.expose_text(),
            Some(env),
        )?),
        None => identity.expose_text(),
    };
    let saved = save.then(|| format!("wrapped = \"{}\"\n", line.as_str()));
    line.push('\n');
    match out {
        Some(path) => write_new_file(path, line.as_bytes())?,
        None if save => {}
        None => print_key(&line)?,
    }
    let kid = identity.kid();
    let public = sealant_format::decode_public_key(&identity.recipient().to_string())
        .expect("a recipient prints a valid public key");
    // Read again: the rewrite replaces the file only if it still holds
    // these bytes.
    let current = policy::load_at(loaded.path.clone())?;
    let mut updated = current.text.clone();
    let retired = current
        .policy
        .environment(env)
        .and_then(|environment| environment.active())
        .map(|old| (old.kid, old.status_span.clone()));
    if let Some((_, span)) = &retired {
        updated.replace_range(span.clone(), "\"retired\"");
    }
    if !updated.ends_with('\n') {
        updated.push('\n');
    }
    updated.push_str(&sealant_policy::key_entry(env, kid, &public));
    if let Some(saved) = &saved {
        updated.push_str(saved);
    }
    sealant_policy::Policy::parse(&updated).expect("an added key keeps the file valid");
    policy::rewrite(&current.path, Some(&current.text), &updated).map_err(|error| {
        if save && out.is_none() {
            // The wrapped key was to go only into the file: nothing is
            // left anywhere.
            return CliError::new(format!("{error}"), "run keygen again");
        }
        let place = out.map_or("stdout".to_owned(), |p| p.display().to_string());
        CliError::new(
            format!("{error}\n  (the private key of {kid} was written to {place}, but its public key is not in Sealant.toml)"),
            "run keygen again, and delete that private key",
        )
    })?;
    let place = match out {
        Some(path) => path.display().to_string(),
        None if save => current.path.display().to_string(),
        None => "stdout".to_owned(),
    };
    let what = if wrap_with.is_some() {
        "the wrapped private key"
    } else {
        "the private key"
    };
    eprintln!(
        "wrote {what} of {kid} to {place}; {} now lists it as `{env}`'s active key{}",
        current.path.display(),
        retired.map_or(String::new(), |(old, _)| format!(
            " (key {old} is now retired)"
        ))
    );
    Ok(())
}

fn print_key(line: &str) -> Result<(), CliError> {
    io::stdout().lock().write_all(line.as_bytes()).map_err(|e| {
        CliError::io(
            "cannot write the key to stdout",
            &e,
            "check where stdout goes",
        )
    })
}

/// Writes `contents` to a file that must not exist yet, readable by its
/// owner only. On failure the partial file is removed.
fn write_new_file(path: &Path, contents: &[u8]) -> Result<(), CliError> {
    // `~/.config/sealant/` may not exist on a fresh machine: make what is
    // missing, for the owner only.
    let dir = crate::write::dir_of(path);
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| {
            CliError::io(
                format!("cannot create the directory {}", dir.display()),
                &e,
                "check the path and its permissions",
            )
        })?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        let hint = if e.kind() == io::ErrorKind::AlreadyExists {
            "keygen never overwrites a key; choose another path, or remove the old key once nothing needs it"
        } else {
            "check that the directory exists and is writable"
        };
        CliError::io(format!("cannot create {}", path.display()), &e, hint)
    })?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(CliError::io(
            format!("cannot write {}", path.display()),
            &e,
            "check the free space and retry",
        ));
    }
    Ok(())
}
