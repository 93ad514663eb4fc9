//! The runtime's errors.

use std::fmt;
use std::io;
use std::path::PathBuf;

use sealant_format::{BlobError, KeyError, Kid, NameError};

/// Why a secret could not be sealed or unsealed, or keys not loaded.
///
/// No variant holds plaintext or key material, so `Display` and `Debug` are
/// safe to log. Variants carry what helps fix the problem: the secret's
/// name, the key id that was wanted and the ones that were available, the
/// environment variable consulted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Neither the key variable (`SEALANT_KEY` by default) nor its `_FILE`
    /// companion is set.
    #[error(
        "no key: neither {var} nor {var}_FILE is set; set {var} to the key \
         (or {var}_FILE to a file that holds it, {var}_COMMAND to a command that prints it, \
         or a systemd credential named {var}), made with `cargo sealant keygen`"
    )]
    KeyMissing {
        /// The variable consulted.
        var: String,
    },

    /// More than one source of the key variable's keys is set (the
    /// variable, `_FILE`, `_COMMAND`, a systemd credential), so it is
    /// unclear which to use.
    #[error("{}", Sources(sources))]
    KeySourceConflict {
        /// The variable consulted.
        var: String,
        /// The sources found set, e.g. `SEALANT_KEY` and `SEALANT_KEY_FILE`.
        sources: Vec<String>,
    },

    /// The command of `<var>_COMMAND` did not print keys.
    #[error("{var} failed: {reason}; run it by hand to see why, or unset {var}")]
    KeyCommand {
        /// The variable that holds the command (`SEALANT_KEY_COMMAND`).
        var: String,
        /// What went wrong; never what the command printed.
        reason: String,
    },

    /// The key variable is set but does not hold valid Unicode.
    #[error("{var} is not valid UTF-8; it must hold `sealant-key-v1:` keys")]
    KeyNotUnicode {
        /// The variable consulted.
        var: String,
    },

    /// A key file could not be read, or is not UTF-8 text.
    #[error("cannot read the key file {}: {source}", path.display())]
    KeyFile {
        /// The file's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// The key source holds no key at all (it is empty or only whitespace).
    #[error("{origin} holds no key; put a key made with `cargo sealant keygen` in it")]
    KeyEmpty {
        /// Where the keys were read from: a variable, or a file and the
        /// variable that names it.
        origin: String,
    },

    /// One of the keys is malformed. The key itself is never shown.
    #[error("key #{position} in {origin} is malformed: {reason}")]
    KeyMalformed {
        /// Where the keys were read from.
        origin: String,
        /// The key's 1-based position in that source.
        position: usize,
        /// What is wrong with it.
        reason: KeyError,
    },

    /// Two different keys in one source have the same key id, so a blob's
    /// kid cannot tell them apart.
    #[error(
        "two different keys in {origin} have the same kid {kid}; \
         remove one of them, or make a new key with `cargo sealant keygen`"
    )]
    KidCollision {
        /// Where the keys were read from.
        origin: String,
        /// The kid they share.
        kid: Kid,
    },

    /// None of the loaded keys has the kid the blob was sealed with.
    #[error(
        "secret {name} was sealed with key {wanted}, but {origin} holds {}; \
         add that key to {origin} or re-seal the secret with one of these",
        KidList(available)
    )]
    KeyNotFound {
        /// The secret's name.
        name: String,
        /// The kid the blob names.
        wanted: Kid,
        /// The kids of the keys that were loaded.
        available: Vec<Kid>,
        /// Where the keys were read from.
        origin: String,
    },

    /// The key with the right kid did not authenticate the blob: the blob
    /// was tampered with, was moved from another name, or was sealed with a
    /// different key.
    #[error(
        "secret {name} failed to authenticate under key {kid}: the blob was altered, \
         copied from another secret, or sealed with another key; re-seal it with \
         `cargo sealant seal --name {name}`"
    )]
    Authentication {
        /// The secret's name.
        name: String,
        /// The kid of the key that was tried.
        kid: Kid,
    },

    /// The blob decrypted, but its plaintext is not UTF-8, so it cannot be
    /// a `SecretString`.
    #[error("secret {name} decrypted, but its plaintext is not UTF-8")]
    NotUtf8 {
        /// The secret's name.
        name: String,
    },

    /// A blob's text is malformed.
    #[error("malformed blob: {0}")]
    Blob(#[from] BlobError),

    /// A secret name is invalid.
    #[error("invalid secret name: {0}")]
    Name(#[from] NameError),

    /// A deployment environment's name is invalid.
    #[error("invalid environment name: {0}")]
    Env(#[from] sealant_format::EnvError),

    /// A public key cannot be sealed to: it is a low-order X25519 point,
    /// which gives every sender the same shared secret.
    #[error(
        "the public key {kid} cannot be sealed to (it is not a valid X25519 public key); check Sealant.toml"
    )]
    RecipientRejected {
        /// The key's id.
        kid: Kid,
    },

    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed")]
    Rng,

    /// A secret has v2 (public-key) blobs, and this build of `sealant`
    /// cannot open them.
    #[error(
        "secret {name} is sealed with v2 (public-key) blobs, which need the `v2` feature of sealant; \
         enable it in Cargo.toml"
    )]
    NeedsV2 {
        /// The secret's name.
        name: String,
    },

    /// A secret has no blob that the loaded keys open: none for the
    /// deployment's environment.
    #[error("{}", NoBlob { name, env: env.as_deref(), kids, origin, has })]
    NoBlob {
        /// The secret's name.
        name: String,
        /// The environment it has no blob for: the one `SEALANT_ENV`
        /// names, or the one whose key is loaded; `None` if no blob of the
        /// binary tells the loaded keys' environment.
        env: Option<String>,
        /// The kids of the loaded keys.
        kids: Vec<Kid>,
        /// Where the keys were read from.
        origin: String,
        /// The environments the secret has blobs for.
        has: Vec<String>,
    },

    /// The loaded keys open a secret's blobs of two or more environments,
    /// and nothing says which one this deployment is.
    #[error(
        "secret {name} has blobs for environments {}, and {origin} holds keys of more than one \
         of them; set SEALANT_ENV to the environment this deployment is",
        envs.join(", ")
    )]
    AmbiguousEnvironment {
        /// The secret's name.
        name: String,
        /// The environments whose blobs the keys open.
        envs: Vec<String>,
        /// Where the keys were read from.
        origin: String,
    },

    /// No key variable is set, and the binary embeds wrapped keys of
    /// several environments: which one is this deployment?
    #[error(
        "no key variable is set, and Sealant.toml embedded wrapped keys of environments {}; \
         set SEALANT_ENV to this deployment's environment (or set SEALANT_KEY)",
        envs.join(", ")
    )]
    EmbeddedEnvironment {
        /// The environments with wrapped keys.
        envs: Vec<String>,
    },

    /// A key service refused or failed to wrap or unwrap a key.
    #[error("{0}")]
    KeyService(Box<KeyServiceError>),

    /// A wrapped key line unwrapped to a key whose kid is not the line's.
    #[error(
        "a wrapped key in {origin} names kid {wanted} but unwraps to key {found}; \
         wrap the key again with `cargo sealant wrap`"
    )]
    WrappedKidMismatch {
        /// Where the line was read from.
        origin: String,
        /// The kid the line names.
        wanted: Kid,
        /// The kid of the key it unwrapped to.
        found: Kid,
    },

    /// [`use_test_keys`](crate::testing::use_test_keys) cannot take effect.
    #[error("sealant::testing::use_test_keys cannot take effect: {reason}")]
    TestKeys {
        /// Why.
        reason: String,
    },

    /// `SEALANT_ENV` does not hold an environment name.
    #[error(
        "{var} does not hold an environment name: {reason}; set it to one of Sealant.toml's environments, or unset it"
    )]
    EnvVar {
        /// The variable.
        var: &'static str,
        /// What is wrong with its value.
        reason: String,
    },

    /// A token or a token prefix is malformed, or a digest cannot be made.
    /// It never holds the token.
    #[error("{reason}")]
    Token {
        /// What is wrong.
        reason: String,
    },

    /// Several secrets could not be unsealed; returned by
    /// [`unseal_all`](crate::unseal_all), one entry per failing secret.
    #[error("{} of {total} sealed secrets could not be unsealed:{}", failures.len(), FailureList(failures))]
    Unseal {
        /// How many secrets were tried.
        total: usize,
        /// Each failing secret with its reason.
        failures: Vec<Failure>,
    },
}

/// What a key service did not do, and why: [`Error::KeyService`]. It
/// never holds a token, a key or a wrapped key's ciphertext.
#[derive(Debug, thiserror::Error)]
#[error(
    "{provider} at {endpoint} could not {action} with key {reference}{from}: {reason}; {hint}",
    from = .origin.as_ref().map_or_else(String::new, |origin| format!(" (a wrapped key in {origin})"))
)]
#[non_exhaustive]
pub struct KeyServiceError {
    /// The service: `OpenBao/Vault Transit`.
    pub provider: &'static str,
    /// The service's host and port, `-` before one is known.
    pub endpoint: String,
    /// `wrap` or `unwrap`.
    pub action: &'static str,
    /// The service's key: `<mount>/<key>`.
    pub reference: String,
    /// What went wrong: the service's status and message, or the
    /// transport error.
    pub reason: String,
    /// What to do.
    pub hint: String,
    /// Where the wrapped key being unwrapped was read from, when one was:
    /// `SEALANT_KEY`, a key file, or the wrapped keys Sealant.toml
    /// embedded in the binary.
    pub origin: Option<String>,
}

/// One secret that [`unseal_all`](crate::unseal_all) could not open.
#[derive(Debug)]
pub struct Failure {
    /// The secret's name.
    pub name: &'static str,
    /// Why it failed.
    pub error: Error,
}

struct KidList<'a>(&'a [Kid]);

impl fmt::Display for KidList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("no keys"),
            [kid] => write!(f, "only key {kid}"),
            kids => {
                f.write_str("keys ")?;
                for (i, kid) in kids.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{kid}")?;
                }
                Ok(())
            }
        }
    }
}

struct FailureList<'a>(&'a [Failure]);

/// `both A and B are set; ...`, or `A, B and C are all set; ...`.
struct Sources<'a>(&'a [String]);

impl fmt::Display for Sources<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [a, b] => write!(f, "both {a} and {b} are set; unset one of them"),
            [rest @ .., last] => write!(
                f,
                "{} and {last} are all set; keep one of them",
                rest.join(", ")
            ),
            [] => f.write_str("no key source is set"),
        }
    }
}

struct NoBlob<'a> {
    name: &'a str,
    env: Option<&'a str>,
    kids: &'a [Kid],
    origin: &'a str,
    has: &'a [String],
}

impl fmt::Display for NoBlob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            name,
            env,
            kids,
            origin,
            has,
        } = self;
        match env {
            Some(env) => write!(
                f,
                "secret {name} has no blob for environment {env} ({origin} holds {}); seal one with \
                 `cargo sealant set {name} --env {env}`",
                KidList(kids)
            ),
            None => write!(
                f,
                "secret {name} has no blob for the keys {origin} holds ({}); it has blobs for {}: load one \
                 of their private keys, or seal one for this deployment's environment with \
                 `cargo sealant set {name} --env ENV`",
                KidList(kids),
                if has.is_empty() {
                    "no environment".to_owned()
                } else {
                    has.join(", ")
                }
            ),
        }
    }
}

impl Error {
    /// A short, stable code for the kind of error (`key_missing`,
    /// `authentication_failed`, ...), for logs, metrics and audit events:
    /// it never holds a value, a key or a path.
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeyMissing { .. } => "key_missing",
            Self::KeySourceConflict { .. } => "key_source_conflict",
            Self::KeyCommand { .. } => "key_command_failed",
            Self::KeyNotUnicode { .. } => "key_not_unicode",
            Self::KeyFile { .. } => "key_file_unreadable",
            Self::KeyEmpty { .. } => "key_empty",
            Self::KeyMalformed { .. } => "key_malformed",
            Self::KidCollision { .. } => "kid_collision",
            Self::KeyNotFound { .. } => "key_not_found",
            Self::Authentication { .. } => "authentication_failed",
            Self::NotUtf8 { .. } => "not_utf8",
            Self::Blob(_) => "blob_malformed",
            Self::Name(_) => "name_invalid",
            Self::Env(_) => "environment_invalid",
            Self::RecipientRejected { .. } => "recipient_rejected",
            Self::Rng => "rng_failed",
            Self::NeedsV2 { .. } => "needs_v2",
            Self::NoBlob { .. } => "no_blob",
            Self::AmbiguousEnvironment { .. } => "ambiguous_environment",
            Self::EmbeddedEnvironment { .. } => "embedded_environment",
            Self::KeyService(_) => "key_service",
            Self::WrappedKidMismatch { .. } => "wrapped_kid_mismatch",
            Self::TestKeys { .. } => "test_keys",
            Self::EnvVar { .. } => "environment_variable_invalid",
            Self::Unseal { .. } => "unseal_failed",
            Self::Token { .. } => "token_invalid",
        }
    }

    /// Whether the error is about a key source (missing, unreadable,
    /// malformed), and so the same for every secret that needs it.
    fn is_about_keys(&self) -> bool {
        matches!(
            self,
            Self::KeyMissing { .. }
                | Self::EmbeddedEnvironment { .. }
                | Self::KeySourceConflict { .. }
                | Self::KeyCommand { .. }
                | Self::KeyService(_)
                | Self::WrappedKidMismatch { .. }
                | Self::KeyNotUnicode { .. }
                | Self::KeyFile { .. }
                | Self::KeyEmpty { .. }
                | Self::KeyMalformed { .. }
                | Self::KidCollision { .. }
                | Self::EnvVar { .. }
        )
    }
}

impl fmt::Display for FailureList<'_> {
    /// A key source's problem once, with the secrets that need it; then
    /// each secret's own problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut by_key_problem: Vec<(String, Vec<&str>)> = Vec::new();
        for failure in self.0.iter().filter(|f| f.error.is_about_keys()) {
            let message = failure.error.to_string();
            match by_key_problem.iter_mut().find(|(m, _)| *m == message) {
                Some((_, names)) => names.push(failure.name),
                None => by_key_problem.push((message, vec![failure.name])),
            }
        }
        for (message, names) in by_key_problem {
            write!(
                f,
                "\n  {message}\n    needed by {} secret{}: {}",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            )?;
        }
        for failure in self.0.iter().filter(|f| !f.error.is_about_keys()) {
            write!(f, "\n  {}: {}", failure.name, failure.error)?;
        }
        Ok(())
    }
}

/// Something risky, though not wrong, about how keys were provided. It does
/// not stop unsealing; [`Report::warnings`](crate::Report::warnings) and
/// [`Keyring::warnings`](crate::Keyring::warnings) list them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// A key file can be read by users other than its owner.
    #[error(
        "the key file {} can be read by other users (mode {mode:03o}); \
         restrict it with `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    KeyFileReadableByOthers {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}
