//! `cargo sealant reveal`: one secret's plaintext, for debugging.

use std::io::{self, IsTerminal, Write};

use sealant::ExposeSecret;
use sealant_format::Blob;

use crate::check::display_name;
use crate::cli::RevealArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::scan;

pub(crate) fn run(args: &RevealArgs) -> Result<(), CliError> {
    let found = scan::scan_tree(&args.paths)?;
    let matches: Vec<_> = found
        .iter()
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
    let blob = Blob::parse(&found.text).map_err(|e| {
        CliError::new(
            format!("{}: malformed blob: {e}", found.location()),
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
