//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Make keys and seal secrets for the `sealant` crate.
#[derive(Debug, Parser)]
#[command(name = "cargo-sealant", bin_name = "cargo sealant", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make a new key from the OS's secure random number generator.
    ///
    /// Prints the key on stdout and its key id (kid) on stderr, or writes
    /// the key to a new file with --out.
    ///
    /// Example: cargo sealant keygen --out ~/.config/sealant/prod.key
    Keygen(KeygenArgs),

    /// Seal a secret read from stdin, and print the blob.
    ///
    /// The plaintext comes from stdin, or from a hidden prompt when stdin
    /// is a terminal; never from the command line, so it stays out of shell
    /// history and process lists. The key comes from --key-file, or from
    /// SEALANT_KEY or the file SEALANT_KEY_FILE names; with several keys,
    /// the first one seals.
    ///
    /// Example: printf %s "$TOKEN" | cargo sealant seal --name API_TOKEN --rust
    Seal(SealArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Write the key to this new file (mode 0600) instead of stdout. An
    /// existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct SealArgs {
    /// The secret's name: the name of the constant that will hold it,
    /// unless that item says `#[secret(name = "...")]`.
    #[arg(long)]
    pub(crate) name: String,

    /// Read the key from this file instead of SEALANT_KEY / SEALANT_KEY_FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,

    /// Print a ready-to-paste `#[secret] const NAME: Sealed = "...";`
    /// instead of the bare blob.
    #[arg(long)]
    pub(crate) rust: bool,

    /// Keep one trailing newline of the input as part of the secret (by
    /// default it is dropped, as `echo` adds one).
    #[arg(long)]
    pub(crate) keep_newline: bool,
}
