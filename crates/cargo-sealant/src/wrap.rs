//! `cargo sealant wrap`: a key, wrapped by a key service.

use std::io::{self, Write};

use sealant_format::Kid;

use crate::cli::{RewrapArgs, UnwrapArgs, WrapArgs};
use crate::error::CliError;
use crate::{policy, seal};

pub(crate) fn run(args: &WrapArgs) -> Result<(), CliError> {
    if let Some(env) = &args.env {
        sealant_format::validate_env(env).map_err(sealant::Error::from)?;
    }
    let key = seal::read_plaintext("the key to wrap", false)?;
    let env = environment(&key, args.env.as_deref())?;
    if args.save && env.is_none() {
        return Err(CliError::usage(
            "--save writes into a v2 key's entry in Sealant.toml, and this is a v1 key",
            "leave --save out, and put the line in SEALANT_KEY or its file",
        ));
    }
    let line = sealant::wrapped::wrap(&args.with, &key, env.as_deref())?;
    drop(key);
    if let Ok(parsed) = sealant_format::WrappedKey::parse(&line) {
        crate::audit::key(parsed.env(), parsed.kid());
    }
    io::stdout()
        .lock()
        .write_all(format!("{line}\n").as_bytes())
        .map_err(|e| CliError::io("cannot write the line", &e, "check where stdout goes"))?;
    let env_note = env
        .as_ref()
        .map(|env| format!(" for environment {env}"))
        .unwrap_or_default();
    if args.save {
        let path = save(&line)?;
        eprintln!(
            "wrapped the key with {}{env_note}, and wrote the line into {}: commit it; \
             #[secret] embeds it, and a deployment that sets no key variable unwraps it",
            args.with,
            path.display()
        );
    } else {
        eprintln!(
            "wrapped the key with {}{env_note}; put the line in SEALANT_KEY or its file, \
             or wrap with --save to embed it through Sealant.toml",
            args.with
        );
    }
    Ok(())
}

/// Writes `line` into its kid's entry in Sealant.toml, replacing a
/// `wrapped` value there; returns the file's path.
pub(crate) fn save(line: &str) -> Result<std::path::PathBuf, CliError> {
    let kid = sealant_format::WrappedKey::parse(line)
        .map_err(|e| {
            CliError::new(
                format!("the wrapped line is malformed: {e}"),
                "report a bug",
            )
        })?
        .kid();
    let loaded = policy::load()?;
    let (_, key) = loaded.policy.key(kid).ok_or_else(|| {
        CliError::new(
            format!("{} lists no key {kid}", loaded.path.display()),
            "add the key first (`cargo sealant keygen --env ENV`), or leave --save out",
        )
    })?;
    let mut updated = loaded.text.clone();
    let quoted = format!("\"{line}\"");
    match &key.wrapped {
        Some((_, span)) => updated.replace_range(span.clone(), &quoted),
        None => {
            // After the status line of the entry.
            let end = updated[key.status_span.end..]
                .find('\n')
                .map_or(updated.len(), |at| key.status_span.end + at);
            updated.insert_str(end, &format!("\nwrapped = {quoted}"));
        }
    }
    policy::rewrite(&loaded.path, Some(&loaded.text), &updated)?;
    Ok(loaded.path.clone())
}

/// The environment a v2 private key is bound to: `--env`, or the one
/// Sealant.toml lists its kid under; none for a v1 key.
fn environment(key: &str, given: Option<&str>) -> Result<Option<String>, CliError> {
    let Some(piece) = sealant_format::split_keys(key).next() else {
        return Ok(None);
    };
    if !piece.starts_with(sealant_format::PRIVATE_KEY_PREFIX) {
        if given.is_some() {
            return Err(CliError::usage(
                "--env names a v2 private key's environment, and this is a v1 key",
                "leave --env out",
            ));
        }
        return Ok(None);
    }
    let kid: Kid = sealant::Identity::parse(piece)
        .map_err(|reason| sealant::Error::KeyMalformed {
            origin: "stdin".to_owned(),
            position: 1,
            reason,
        })?
        .kid();
    let listed = policy::load()
        .ok()
        .and_then(|loaded| loaded.policy.key(kid).map(|(env, _)| env.to_owned()));
    match (listed, given) {
        (Some(listed), Some(given)) if listed != given => Err(CliError::usage(
            format!("Sealant.toml lists key {kid} under environment `{listed}`, not `{given}`"),
            "leave --env out, or give the listed one",
        )),
        (Some(listed), _) => Ok(Some(listed)),
        (None, Some(given)) => Ok(Some(given.to_owned())),
        (None, None) => Err(CliError::usage(
            format!("Sealant.toml does not list key {kid}, so its environment is unknown"),
            "give it with --env ENV",
        )),
    }
}

/// `unwrap --check`: unwraps each wrapped line of the key source, and says
/// what it found; never the key.
pub(crate) fn check(args: &UnwrapArgs) -> Result<(), CliError> {
    let text = match &args.key_file {
        Some(path) => crate::scan::read_source(path).map_err(|reason| {
            CliError::usage(format!("{}: {reason}", path.display()), "check the path")
        })?,
        None => match (
            std::env::var("SEALANT_KEY"),
            std::env::var("SEALANT_KEY_FILE"),
        ) {
            (Ok(text), _) if !text.is_empty() => text,
            (_, Ok(path)) if !path.is_empty() => {
                crate::scan::read_source(path.as_ref()).map_err(|reason| {
                    CliError::usage(format!("{path}: {reason}"), "check SEALANT_KEY_FILE")
                })?
            }
            // As a deployment that sets no key variable: the lines that
            // Sealant.toml holds, which `#[secret]` embeds.
            _ => match policy::load() {
                Ok(loaded) => loaded
                    .policy
                    .environments()
                    .flat_map(|(_, env)| env.keys())
                    .filter(|key| key.status != sealant_policy::Status::Revoked)
                    .filter_map(|key| key.wrapped.as_ref().map(|(line, _)| line.clone()))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Err(_) => String::new(),
            },
        },
    };
    let text = zeroize::Zeroizing::new(text);
    let lines: Vec<&str> = sealant_format::split_keys(&text)
        .filter(|piece| piece.starts_with(sealant_format::WRAPPED_PREFIX))
        .collect();
    if lines.is_empty() {
        return Err(CliError::usage(
            "no wrapped key (`sealant-wrapped-v1:`) in SEALANT_KEY, SEALANT_KEY_FILE, \
             --key-file or Sealant.toml",
            "wrap a key with `cargo sealant wrap --with SERVICE [--save]`",
        ));
    }
    for line in lines {
        let checked = sealant::wrapped::check(line)?;
        crate::audit::key(checked.env.as_deref(), checked.kid);
        println!(
            "kid {}{}: unwrapped by {} at {}, key {}, as {}",
            checked.kid,
            checked
                .env
                .map(|env| format!(" ({env})"))
                .unwrap_or_default(),
            checked.provider,
            checked.endpoint,
            checked.reference,
            checked.caller
        );
    }
    Ok(())
}

/// `rewrap`: every wrapped key of Sealant.toml (of `--env`) wrapped
/// again, then the file written once.
pub(crate) fn rewrap(args: &RewrapArgs) -> Result<(), CliError> {
    let loaded = policy::load()?;
    let mut entries: Vec<(String, &str, std::ops::Range<usize>)> = Vec::new();
    for (env, environment) in loaded.policy.environments() {
        if args.env.as_deref().is_some_and(|only| only != env) {
            continue;
        }
        for key in environment.keys() {
            if let Some((line, span)) = &key.wrapped {
                entries.push((env.to_owned(), line.as_str(), span.clone()));
            }
        }
    }
    if entries.is_empty() {
        return Err(CliError::usage(
            format!(
                "{} holds no wrapped key{}",
                loaded.path.display(),
                args.env
                    .as_deref()
                    .map(|env| format!(" for environment {env}"))
                    .unwrap_or_default()
            ),
            "wrap one with `cargo sealant wrap --with SERVICE --save`",
        ));
    }
    // Every line first: one that fails leaves the file as it was.
    let mut rewrapped = Vec::with_capacity(entries.len());
    for (env, line, span) in &entries {
        let new = sealant::wrapped::rewrap(line, args.with.as_deref())?;
        let kid = sealant_format::WrappedKey::parse(&new)
            .map(|parsed| parsed.kid())
            .map_err(|e| {
                CliError::new(format!("the new line is malformed: {e}"), "report a bug")
            })?;
        crate::audit::key(Some(env), kid);
        rewrapped.push((span.clone(), new, env, kid));
    }
    // From the end, so that earlier spans stay right.
    rewrapped.sort_by_key(|(span, ..)| std::cmp::Reverse(span.start));
    let mut updated = loaded.text.clone();
    for (span, new, ..) in &rewrapped {
        updated.replace_range(span.clone(), &format!("\"{new}\""));
    }
    policy::rewrite(&loaded.path, Some(&loaded.text), &updated)?;
    for (_, new, env, kid) in rewrapped.iter().rev() {
        let service = sealant_format::WrappedKey::parse(new)
            .map(|parsed| format!("{}:{}", parsed.provider().as_str(), parsed.reference()))
            .unwrap_or_default();
        eprintln!("rewrapped key {kid} of {env} with {service}");
    }
    eprintln!("wrote {}: commit it", loaded.path.display());
    Ok(())
}
