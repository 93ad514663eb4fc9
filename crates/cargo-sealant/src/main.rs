//! `cargo sealant`: make keys and seal secrets for the `sealant` crate.

#![forbid(unsafe_code)]

mod audit;
mod check;
mod cli;
mod error;
mod history;
mod hook;
mod init;
mod keygen;
mod keys;
mod list;
mod lock;
mod policy;
mod reveal;
mod revoke;
mod rotate;
mod scan;
mod scanners;
mod seal;
mod set;
mod token;
mod wrap;
mod write;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    // Run as `cargo sealant ...`, cargo passes `sealant` as the first
    // argument; run as `cargo-sealant ...`, it does not.
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|arg| arg == "sealant") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    let json = match &cli.command {
        Command::Check(args) => args.json,
        Command::List(args) => args.json,
        Command::History(args) => args.json,
        Command::Exposure(args) => args.json,
        _ => false,
    };
    // The commands that read or make a plaintext or a private key.
    let audited = match &cli.command {
        Command::Keygen(_) => Some("keygen"),
        Command::Seal(_) => Some("seal"),
        Command::Set(_) => Some("set"),
        Command::Reveal(_) => Some("reveal"),
        Command::Rotate(_) => Some("rotate"),
        Command::Reseal(_) => Some("reseal"),
        Command::Wrap(_) => Some("wrap"),
        Command::Unwrap(_) => Some("unwrap"),
        Command::Rewrap(_) => Some("rewrap"),
        Command::Token(_) => Some("token"),
        Command::Digest(_) => Some("digest"),
        _ => None,
    };
    let log = match audited.map(audit::open).transpose() {
        Ok(log) => log.flatten(),
        Err(error) => {
            let _ = writeln!(io::stderr().lock(), "{error}");
            return ExitCode::from(error.exit_code());
        }
    };
    let result = run(cli.command);
    let result = match (log, result) {
        (Some(log), result) => match log.finish(&result) {
            Ok(()) => result,
            // A record that cannot be written fails the command; after a
            // failure of its own, the command's error is the one returned.
            Err(log_error) if result.is_ok() => Err(log_error),
            Err(log_error) => {
                let _ = writeln!(io::stderr().lock(), "{log_error}");
                result
            }
        },
        (None, result) => result,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(report) = error.json().filter(|_| json) {
                let _ = writeln!(io::stdout().lock(), "{report:#}");
            }
            let _ = writeln!(io::stderr().lock(), "{error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// Runs one command.
fn run(command: Command) -> Result<(), error::CliError> {
    match command {
        Command::Init => init::run(),
        Command::Scanners { name } => scanners::print(name.as_deref()),
        Command::Keygen(args) => keygen::run(&args),
        Command::Seal(args) => seal::run(&args),
        Command::Check(args) => check::run(&args),
        Command::List(args) => list::run(&args),
        Command::Set(args) => set::run(&args),
        Command::Reveal(args) => reveal::run(&args),
        Command::Rotate(args) => rotate::run(&args),
        Command::Reseal(args) => rotate::run_reseal(&args),
        Command::Wrap(args) => wrap::run(&args),
        Command::Unwrap(args) => wrap::check(&args),
        Command::Rewrap(args) => wrap::rewrap(&args),
        Command::History(args) => history::run_history(&args),
        Command::Exposure(args) => history::run_exposure(&args),
        Command::Token(args) => token::run_token(&args),
        Command::Digest(args) => token::run_digest(&args),
        Command::Revoke { kid } => revoke::run(&kid),
        Command::Completions { shell } => completions(shell),
    }
}

/// Writes a completion script; a closed pipe (`| head`) is not an error.
fn completions(shell: clap_complete::Shell) -> Result<(), error::CliError> {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "cargo-sealant", &mut script);
    io::stdout()
        .lock()
        .write_all(&script)
        .map_err(|e| error::CliError::io("cannot write the script", &e, "check where stdout goes"))
}
