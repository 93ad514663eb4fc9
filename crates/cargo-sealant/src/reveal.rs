//! `cargo sealant reveal`: one secret's plaintext, for debugging.

use std::io::{self, IsTerminal, Write};

use sealant::ExposeSecret;

use crate::check::display_name;
use crate::cli::RevealArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::scan;

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
    let found = match matches.as_slice() {
        [] => {
            return Err(CliError::new(
                format!("no sealed secret named {} under {}", args.name, paths(args)),
                "`cargo sealant list` shows the names; check the spelling and the path",
            ));
        }
        [one] => *one,
        many => {
            let places: Vec<_> = many.iter().map(|f| f.location()).collect();
            return Err(CliError::new(
                format!(
                    "{} sealed secrets are named {}: {}",
                    many.len(),
                    args.name,
                    places.join(", ")
                ),
                "give the file or directory of the one you mean as PATH",
            ));
        }
    };
    let blob = found.blob().ok_or_else(|| {
        CliError::new(
            format!(
                "{}: {} is not a well-formed sealed blob",
                found.location(),
                args.name
            ),
            "run `cargo sealant check` and re-seal it",
        )
    })?;
    let mut keys = TreeKeys::new(args.key_file.iter().cloned().collect());
    let plaintext = keys.open(found.key_var(), &blob).map_err(|reason| {
        CliError::new(
            format!("{}: {}: {reason}", found.location(), args.name),
            format!("provide the key in {} or with --key-file", found.key_var()),
        )
    })?;
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

fn paths(args: &RevealArgs) -> String {
    let paths: Vec<_> = args.paths.iter().map(|p| p.display().to_string()).collect();
    paths.join(", ")
}
