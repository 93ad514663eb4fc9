//! `cargo sealant reveal`: one secret's plaintext, for debugging.

use std::io::{self, IsTerminal, Write};

use sealant::ExposeSecret;

use crate::check::display_name;
use crate::cli::RevealArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::scan::{self, Found};
use sealant_format::AnyBlob;

pub(crate) fn run(args: &RevealArgs) -> Result<(), CliError> {
    // A plaintext in a pipe ends up in files and logs; on a terminal, it
    // is seen once.
    if !io::stdout().is_terminal() && !args.force {
        return Err(CliError::usage(
            "reveal prints a plaintext, and stdout is not a terminal; nothing was printed",
            "run it in a terminal, or pass --force if you mean to pipe the secret",
        ));
    }
    let tree = scan::scan_tree(&args.paths)?;
    let matches: Vec<_> = tree
        .found()
        .filter(|f| display_name(f) == args.name)
        .collect();
    if matches.is_empty() {
        return Err(CliError::new(
            format!("no sealed secret named {} under {}", args.name, paths(args)),
            "`cargo sealant list` shows the names; check the spelling and the path",
        ));
    }
    // The blobs of one item count as one secret; two items are ambiguous.
    let first = matches[0];
    let same_item = |f: &&Found| {
        f.file == first.file
            && f.item.as_ref().map(|i| i.index) == first.item.as_ref().map(|i| i.index)
            && f.item.is_some()
    };
    if !matches.iter().skip(1).all(same_item) {
        let places: Vec<_> = matches.iter().map(|f| f.location()).collect();
        return Err(CliError::new(
            format!(
                "{} sealed secrets are named {}: {}",
                matches.len(),
                args.name,
                places.join(", ")
            ),
            "give the file or directory of the one you mean as PATH",
        ));
    }
    let blobs: Vec<(&Found, AnyBlob<'_>)> = matches
        .iter()
        .map(|f| {
            f.blob().map(|blob| (*f, blob)).ok_or_else(|| {
                CliError::new(
                    format!(
                        "{}: {} is not a well-formed sealed blob",
                        f.location(),
                        args.name
                    ),
                    "run `cargo sealant check` and re-seal it",
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let mut keys = TreeKeys::new(args.key_file.iter().cloned().collect());
    let (found, blob) = pick(args, &blobs, &mut keys)?;
    let plaintext = keys.open(found.key_var(), blob).map_err(|reason| {
        CliError::new(
            format!("{}: {}: {reason}", found.location(), args.name),
            match blob.env() {
                Some(env) => format!(
                    "reveal needs the private key of environment `{env}`: put it in {} or pass --key-file",
                    found.key_var()
                ),
                None => format!("provide the key in {} or with --key-file", found.key_var()),
            },
        )
    })?;
    crate::audit::secret(&args.name, blob.env(), blob.kid());
    eprintln!(
        "warning: printing the plaintext of {} ({}); clear your terminal and scrollback when done",
        args.name,
        found.location()
    );
    let mut out = io::stdout().lock();
    let newline = if out.is_terminal() { "\n" } else { "" };
    write!(out, "{}{newline}", plaintext.expose_secret())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::io("cannot write the secret", &e, "check where stdout goes"))
}

/// The blob to open: the one of `--env`, else the only one, else the one
/// whose private key is at hand.
fn pick<'a>(
    args: &RevealArgs,
    blobs: &'a [(&'a Found, AnyBlob<'a>)],
    keys: &mut TreeKeys,
) -> Result<(&'a Found, &'a AnyBlob<'a>), CliError> {
    let envs = || {
        let envs: Vec<_> = blobs.iter().filter_map(|(_, b)| b.env()).collect();
        envs.join(", ")
    };
    if let Some(env) = &args.env {
        return blobs
            .iter()
            .find(|(_, blob)| blob.env() == Some(env.as_str()))
            .map(|(f, blob)| (*f, blob))
            .ok_or_else(|| {
                CliError::new(
                    format!(
                        "{} has no blob for environment `{env}` (it has: {})",
                        args.name,
                        if envs().is_empty() {
                            "one v1 blob, for every environment".to_owned()
                        } else {
                            envs()
                        }
                    ),
                    "pick one of those with --env",
                )
            });
    }
    if let [(f, blob)] = blobs {
        return Ok((*f, blob));
    }
    let held: Vec<_> = blobs
        .iter()
        .filter(|(f, blob)| {
            keys.for_var(f.key_var())
                .ok()
                .flatten()
                .is_some_and(|ring| ring.kids().contains(&blob.kid()))
        })
        .collect();
    match held.as_slice() {
        [(f, blob)] => Ok((*f, blob)),
        [] => Err(CliError::new(
            format!(
                "none of the keys at hand opens a blob of {} (it has blobs for {})",
                args.name,
                envs()
            ),
            "provide the private key of one of those environments in SEALANT_KEY or with --key-file, and name it with --env",
        )),
        _ => Err(CliError::usage(
            format!(
                "the keys at hand open the blobs of {} for several environments ({})",
                args.name,
                envs()
            ),
            "say which with --env",
        )),
    }
}

fn paths(args: &RevealArgs) -> String {
    let paths: Vec<_> = args.paths.iter().map(|p| p.display().to_string()).collect();
    paths.join(", ")
}
