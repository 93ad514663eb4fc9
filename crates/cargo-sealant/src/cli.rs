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
    /// Write Sealant.toml at the crate or workspace root.
    ///
    /// Sealant.toml lists each deployment environment's public keys; it is
    /// committed, and holds no secret.
    ///
    /// Example: cargo sealant init
    Init,

    /// Print the secret-scanner kits that `init` writes under
    /// .sealant/scanners/: rules for gitleaks, detect-secrets, trufflehog
    /// and semgrep that find Sealant keys and skip sealed blobs.
    ///
    /// Example: cargo sealant scanners gitleaks.toml > .gitleaks.toml
    Scanners {
        /// Print only this kit (e.g. gitleaks.toml), as it is.
        name: Option<String>,
    },

    /// Make a new key from the OS's secure random number generator.
    ///
    /// Prints the key on stdout and its key id (kid) on stderr, or writes
    /// the key to a new file with --out. With --env, makes a v2 key pair:
    /// the private key goes to --out (or stdout), and the public key is
    /// added to Sealant.toml as that environment's active key (an active
    /// key it had becomes retired).
    ///
    /// Example: cargo sealant keygen --env production --out prod.key
    Keygen(KeygenArgs),

    /// Seal a secret read from stdin, and print the blob.
    ///
    /// The plaintext comes from stdin, or from a hidden prompt when stdin
    /// is a terminal; never from the command line, so it stays out of shell
    /// history and process lists. The key comes from --key-file, or from
    /// SEALANT_KEY or the file SEALANT_KEY_FILE names; with several keys,
    /// the first one seals. With --env (or --all-envs), the secret is
    /// sealed to each environment's active public key in Sealant.toml
    /// instead (v2 blobs, one per environment): no private key is needed.
    /// `#[secret]` does not accept v2 blobs yet.
    ///
    /// Example: printf %s "$TOKEN" | cargo sealant seal --name API_TOKEN --rust
    Seal(SealArgs),

    /// Check every sealed blob of a source tree.
    ///
    /// Parses every .rs file of the tree as Rust (hidden and git-ignored
    /// files included; directories holding a CACHEDIR.TAG, such as cargo's
    /// target/, and .git skipped; what is skipped is listed), and checks
    /// the value of every `#[secret]` item and every blob literal: that it
    /// is a well-formed blob sealed for its item's name. When keys are
    /// available (SEALANT_KEY, SEALANT_KEY_FILE, --key-file, or the variable
    /// an item's `env` names), each blob is also decrypted in memory and
    /// the result discarded.
    ///
    /// Exit codes: 0 all good, 1 some blob failed, 2 usage or I/O error.
    ///
    /// Example: cargo sealant check --json src/
    Check(CheckArgs),

    /// List the sealed secrets of a source tree: name, file:line, kid and
    /// key variable. Never plaintext, never a length.
    ///
    /// Example: cargo sealant list
    List(ListArgs),

    /// Seal a secret from stdin into a source file.
    ///
    /// Replaces the value of the secret of that name in FILE (a blob, or a
    /// plaintext pasted by mistake), or appends a new `pub(crate)`
    /// `#[secret]` item. The rest of the file stays byte-identical. The
    /// secret is read first; then the file is locked, read again, and
    /// replaced atomically only if nobody changed it meanwhile.
    ///
    /// Example: printf %s "$TOKEN" | cargo sealant set API_TOKEN --file src/secrets.rs
    Set(SetArgs),

    /// Print one secret's plaintext on stdout, for debugging.
    ///
    /// Refuses to print into a pipe or a file unless --force is given.
    ///
    /// Example: cargo sealant reveal DATABASE_URL src/
    Reveal(RevealArgs),

    /// Re-seal every v1 blob of a tree under a new key, or, with --to-env,
    /// move them to an environment's public key (v2).
    ///
    /// Locks the tree, then opens every blob; if any cannot be opened, or
    /// the blobs take their keys from more than one variable, nothing
    /// changes. Then writes every new file beside its original, flushes
    /// them all to disk, checks that no file changed since it was read,
    /// renames each over its original (changing only blob literals), and
    /// reads back what it wrote. Blobs already under the new key are
    /// opened but left alone, so re-running an interrupted rotation
    /// finishes it. A rotation killed before its renames may leave
    /// `.cargo-sealant-staged.*.tmp` files beside source files; they replace
    /// nothing, and the next `set` or `rotate` removes them.
    ///
    /// Examples: cargo sealant rotate --to new.key --only-kid 3fa2c91e;
    /// cargo sealant rotate --to-env production
    Rotate(RotateArgs),
    /// Re-seal the v2 blobs of a tree to their environment's active key,
    /// one encapsulation per environment: after `keygen` retired a key, or
    /// (given the active key's private key too) to batch blobs that each
    /// `set` sealed on its own, so that startup does one key agreement per
    /// environment. Needs the private keys that open what it re-seals;
    /// opens everything first and changes nothing if one fails; crash-safe
    /// like rotate.
    Reseal(ResealArgs),

    /// Mark a v2 key revoked in Sealant.toml.
    ///
    /// Its status becomes `revoked`; nothing else in the file changes. Use
    /// it when a private key may have leaked, after re-sealing its secrets
    /// to a new key (`cargo sealant keygen --env NAME` first).
    ///
    /// Example: cargo sealant revoke 1a2b3c4d
    Revoke {
        /// The kid of the key, as Sealant.toml lists it.
        kid: String,
    },

    /// Wrap a key with a key service, so that a deployment holds no key.
    ///
    /// Reads one v1 key or v2 private key from stdin (or a hidden prompt)
    /// and prints one line, `sealant-wrapped-v1:...`, that stands in
    /// SEALANT_KEY or its file like the key. At startup the service
    /// unwraps it, bound to the key's kid and environment.
    ///
    /// OpenBao or Vault Transit: --with transit:MOUNT/KEY, with BAO_ADDR
    /// (or VAULT_ADDR) and BAO_TOKEN (or VAULT_TOKEN). AWS KMS: --with
    /// aws-kms:KEY_ARN, with the usual AWS credentials (AWS_ACCESS_KEY_ID,
    /// a web identity, container or instance credentials).
    ///
    /// Example: cargo sealant wrap --with transit:transit/sealant-prod < prod.key
    Wrap(WrapArgs),

    /// Check that the wrapped keys of SEALANT_KEY (or --key-file) unwrap,
    /// as the service will at startup: prints each key's kid, the key
    /// service and its key, and who the service saw. Never the key.
    ///
    /// Example: cargo sealant unwrap --check
    Unwrap(UnwrapArgs),

    /// Wrap Sealant.toml's wrapped keys again, under their key service's
    /// newest key version, or with --with under another service's key;
    /// the private keys themselves do not change. AWS KMS re-encrypts
    /// inside KMS; Transit, and a move to another service, unwrap and
    /// wrap in this process. Every line is done before Sealant.toml is
    /// written, so a failure changes nothing.
    ///
    /// Example: cargo sealant rewrap --env production
    Rewrap(RewrapArgs),

    /// Every commit of HEAD's history that changed a secret's blob: when,
    /// who, and what it can tell (a new blob under the same key is a new
    /// value; another key is a re-seal or a rotation). Read with gix.
    ///
    /// Example: cargo sealant history STRIPE_API_KEY
    History(HistoryArgs),

    /// Every secret ever sealed under a key, in any commit of any branch,
    /// tag or remote-tracking branch: name, environment, file, first and
    /// last commit, and whether HEAD still holds it. For when a key leaked.
    ///
    /// Example: cargo sealant exposure --kid 80dcbeb3
    Exposure(ExposureArgs),

    /// Mint a token a service will accept (a verify-only secret): prints
    /// it once on stdout, for the client, and writes its digest to a
    /// `#[digest]` item (with --file), or prints the digest on stderr.
    ///
    /// Example: cargo sealant token --name PARTNER_ACME --prefix acme_live --file src/clients.rs
    Token(TokenArgs),

    /// Print (or write to --file) the digest of a token you already issued,
    /// read from stdin: an HMAC digest for a Sealant token, Argon2id for a
    /// human-chosen secret (with the runtime's `argon2` feature).
    ///
    /// Example: printf %s "$TOKEN" | cargo sealant digest --name LEGACY_PARTNER
    Digest(DigestArgs),

    /// Print a shell completion script.
    ///
    /// Example: cargo sealant completions bash > ~/.local/share/bash-completion/completions/cargo-sealant
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Files or directories to check.
    #[arg(default_value = ".")]
    pub(crate) paths: Vec<PathBuf>,

    /// Also open blobs with the keys in this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,

    /// Print a machine-readable JSON report (errors too).
    #[arg(long)]
    pub(crate) json: bool,

    /// Fail when a blob's key variable holds no key, instead of checking
    /// its format only.
    #[arg(long)]
    pub(crate) require_keys: bool,

    /// Fail on any blob sealed under this kid (repeatable): a key that
    /// leaked or was revoked, so that a stale branch cannot bring its
    /// blobs back.
    #[arg(long, value_name = "KID")]
    pub(crate) deny_kid: Vec<String>,

    /// Fail on any blob that has not changed for longer than this (e.g.
    /// 90d or 12w), by the date of the commit that brought it in (from
    /// git history; a shallow clone must hold that commit).
    #[arg(long, value_name = "AGE")]
    pub(crate) max_age: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Files or directories to list.
    #[arg(default_value = ".")]
    pub(crate) paths: Vec<PathBuf>,

    /// Print JSON (errors too).
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The secret's name.
    pub(crate) name: String,

    /// The source file to write it into (created if missing).
    #[arg(long, value_name = "FILE")]
    pub(crate) file: PathBuf,

    /// Seal with the first key in this file instead of the item's key
    /// variable (SEALANT_KEY by default).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["env", "all_envs"])]
    pub(crate) key_file: Option<PathBuf>,

    /// Seal to this environment's active public key in the Sealant.toml
    /// above FILE, and put the blob in the item beside the other
    /// environments' (repeatable; one plaintext read). Needs no private key.
    #[arg(long, value_name = "ENV")]
    pub(crate) env: Vec<String>,

    /// Seal to every environment of Sealant.toml; also turns a v1 item into
    /// one blob per environment.
    #[arg(long, conflicts_with = "env")]
    pub(crate) all_envs: bool,

    /// Keep one trailing newline of the input as part of the secret.
    #[arg(long)]
    pub(crate) keep_newline: bool,

    /// Rewrite FILE even if it is read-only (its mode is kept).
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RevealArgs {
    /// The secret's name.
    pub(crate) name: String,

    /// Files or directories to look in.
    #[arg(default_value = ".")]
    pub(crate) paths: Vec<PathBuf>,

    /// Also try the keys in this file.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,

    /// For a secret with one blob per environment: the environment whose
    /// blob to open (its private key is needed). Without it, the blob whose
    /// key is at hand.
    #[arg(long, value_name = "ENV")]
    pub(crate) env: Option<String>,

    /// Print the plaintext even when stdout is not a terminal (a pipe or
    /// a file, where it may be kept).
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RotateArgs {
    /// The new key's file (its first key seals).
    #[arg(long, value_name = "NEW_KEY_FILE", required_unless_present = "to_env")]
    pub(crate) to: Option<PathBuf>,

    /// Move the v1 blobs to this environment's active public key in
    /// Sealant.toml instead (v2 blobs, one encapsulation for the run).
    #[arg(long, value_name = "ENV", conflicts_with = "to")]
    pub(crate) to_env: Option<String>,

    /// Only re-seal blobs sealed under this kid.
    #[arg(long, value_name = "KID")]
    pub(crate) only_kid: Option<String>,

    #[command(flatten)]
    pub(crate) rewrite: RewriteArgs,
}

/// What `rotate` and `reseal` share: how they read and rewrite a tree.
#[derive(Debug, Args)]
pub(crate) struct RewriteArgs {
    /// Show what would change; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Rewrite read-only files too (their mode is kept).
    #[arg(long)]
    pub(crate) force: bool,

    /// Also open blobs with the keys in these files (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Vec<PathBuf>,

    /// Files or directories to re-seal.
    #[arg(default_value = ".")]
    pub(crate) paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct WrapArgs {
    /// The key service and key: `transit:<mount>/<key>` or
    /// `aws-kms:<key ARN>`.
    #[arg(long, value_name = "SERVICE")]
    pub(crate) with: String,

    /// The environment of the v2 private key, when Sealant.toml does not
    /// list its kid.
    #[arg(long, value_name = "ENV")]
    pub(crate) env: Option<String>,

    /// Also write the line into the key's entry in Sealant.toml
    /// (`wrapped = "..."`), from where `#[secret]` embeds it: a deployment
    /// that sets no key variable then unwraps it with its own identity.
    #[arg(long)]
    pub(crate) save: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// The `#[digest]` item's name.
    #[arg(long)]
    pub(crate) name: String,

    /// The token's prefix, which says whose it is (`acme_live`):
    /// a-z, 0-9 and _, starting with a letter.
    #[arg(long)]
    pub(crate) prefix: String,

    /// Write the digest into this file's `#[digest]` item (created if
    /// missing), replacing its digest.
    #[arg(long, value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,

    /// With --file: add the digest beside the old one(s), for a client's
    /// rotation, instead of replacing them.
    #[arg(long, requires = "file")]
    pub(crate) keep_old: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DigestArgs {
    /// The `#[digest]` item's name.
    #[arg(long)]
    pub(crate) name: String,

    /// Write the digest into this file's `#[digest]` item instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,

    /// With --file: add the digest beside the old one(s).
    #[arg(long, requires = "file")]
    pub(crate) keep_old: bool,
}

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// Only these secrets (all, if none).
    pub(crate) names: Vec<String>,

    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ExposureArgs {
    /// The key's kid.
    #[arg(long, value_name = "KID")]
    pub(crate) kid: String,

    /// Print JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RewrapArgs {
    /// Wrap under this key service and key instead:
    /// `transit:<mount>/<key>` or `aws-kms:<key ARN>`.
    #[arg(long, value_name = "SERVICE")]
    pub(crate) with: Option<String>,

    /// Only this environment's wrapped keys.
    #[arg(long, value_name = "ENV")]
    pub(crate) env: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct UnwrapArgs {
    /// Check only (required: unwrap never prints a key).
    #[arg(long, required = true)]
    pub(crate) check: bool,

    /// Read the wrapped lines from this file instead of SEALANT_KEY or
    /// SEALANT_KEY_FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ResealArgs {
    /// Only re-seal the blobs of this environment.
    #[arg(long, value_name = "ENV")]
    pub(crate) env: Option<String>,

    #[command(flatten)]
    pub(crate) rewrite: RewriteArgs,
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Write the key to this new file (mode 0600) instead of stdout. An
    /// existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,

    /// Make a v2 key pair for this deployment environment, and add its
    /// public key to Sealant.toml.
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Option<String>,

    /// Write the private key wrapped by this key service
    /// (`transit:<mount>/<key>` or `aws-kms:<key ARN>`) instead: it is
    /// never written unwrapped.
    #[arg(long, value_name = "SERVICE", requires = "env")]
    pub(crate) wrap_with: Option<String>,

    /// With --wrap-with: write the wrapped private key into its entry in
    /// Sealant.toml (`wrapped = "..."`), from where `#[secret]` embeds it,
    /// rather than to stdout.
    #[arg(long, requires = "wrap_with")]
    pub(crate) save: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SealArgs {
    /// The secret's name: the name of the constant that will hold it,
    /// unless that item says `#[secret(name = "...")]`.
    #[arg(long)]
    pub(crate) name: String,

    /// Read the key from this file instead of SEALANT_KEY / SEALANT_KEY_FILE.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["env", "all_envs"])]
    pub(crate) key_file: Option<PathBuf>,

    /// Seal to this environment's active public key in Sealant.toml
    /// (repeatable: one blob per environment, one plaintext read).
    #[arg(long, value_name = "NAME")]
    pub(crate) env: Vec<String>,

    /// Seal to every environment of Sealant.toml.
    #[arg(long, conflicts_with = "env")]
    pub(crate) all_envs: bool,

    /// Print a ready-to-paste `#[secret] const NAME: Sealed = "...";`
    /// instead of the bare blob.
    #[arg(long)]
    pub(crate) rust: bool,

    /// Keep one trailing newline of the input as part of the secret (by
    /// default it is dropped, as `echo` adds one).
    #[arg(long)]
    pub(crate) keep_newline: bool,
}
