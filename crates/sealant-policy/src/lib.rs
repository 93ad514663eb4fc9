//! `Sealant.toml`: the deployment environments of a crate's sealed
//! secrets, each environment's public keys with their status, and which
//! environments every secret must cover.
//!
//! The file is committed beside `Cargo.toml`. It holds no secret: public
//! keys seal, private keys stay with the deployments. The `#[secret]` macro
//! reads it at compile time and `cargo sealant` reads and edits it; both
//! call this crate, so they cannot disagree on what it says.
//!
//! ```toml
//! # Environments every #[secret] must have a blob for.
//! require = ["production"]
//!
//! [[environments.production.keys]]
//! kid = "1a2b3c4d"
//! public = "sealant-public-key-v2:..."
//! status = "active"
//! ```
//!
//! A key's status is `active` (new blobs are sealed to it; one per
//! environment at most), `retired` (its blobs still open; nothing new is
//! sealed to it) or `revoked` (the build refuses its blobs).
//!
//! # Example
//!
//! ```
//! use sealant_policy::{Policy, Status};
//!
//! let text = format!(
//!     "require = [\"production\"]\n\n[[environments.production.keys]]\n\
//!      kid = \"1a2b3c4d\"\npublic = \"sealant-public-key-v2:{}\"\nstatus = \"active\"\n",
//!     "ab".repeat(32)
//! );
//! let policy = Policy::parse(&text)?;
//! let production = policy.environment("production").unwrap();
//! assert_eq!(production.active().unwrap().kid.to_string(), "1a2b3c4d");
//! assert_eq!(production.keys()[0].status, Status::Active);
//! # Ok::<(), sealant_policy::PolicyError>(())
//! ```
//!
//! # Security
//!
//! The file is policy, not proof: whoever can commit to it can add a key.
//! Review changes to it as you review code.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use sealant_format::{Kid, X25519_LEN};
use toml::de::{DeTable, DeValue};

/// The file's name.
pub const FILE_NAME: &str = "Sealant.toml";

/// What `cargo sealant init` writes. Its comments hold no `:` or `=` after
/// a word like "secret": detect-secrets reads `secret: text` in any line as
/// a keyword and its value, and would flag the file.
pub const TEMPLATE: &str = "\
# Sealant.toml lists the environments and public keys of this crate's
# sealed secrets. Commit it. It holds public keys only, and each deployment
# keeps its own private key. `cargo sealant keygen --env NAME` adds a key.

# Environments every #[secret] must have a blob for, e.g. [\"production\"].
require = []
";

/// A parsed `Sealant.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    require: Vec<String>,
    environments: BTreeMap<String, Environment>,
}

/// One deployment environment: its public keys, in the file's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    keys: Vec<PublicKey>,
}

/// A public key of an environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// Its key id, as the file gives it.
    pub kid: Kid,
    /// The X25519 public key.
    pub public: [u8; X25519_LEN],
    /// What may be done with it.
    pub status: Status,
    /// Byte range of the status's string (quotes included) in the file,
    /// so that a tool can change it and nothing else.
    pub status_span: Range<usize>,
    /// The private key, wrapped by a key service (`sealant-wrapped-v1:`),
    /// which `#[secret]` embeds in the binary so that a deployment needs
    /// only an identity the service trusts; and the byte range of its
    /// string (quotes included) in the file.
    pub wrapped: Option<(String, Range<usize>)>,
}

/// What may be done with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// New blobs are sealed to it.
    Active,
    /// Its blobs still open; nothing new is sealed to it.
    Retired,
    /// The build refuses its blobs.
    Revoked,
}

impl Status {
    /// The word the file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Revoked => "revoked",
        }
    }
}

/// Why a `Sealant.toml` is not valid, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// 1-based line of the problem.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{FILE_NAME}:{}: {}", self.line, self.message)
    }
}

impl std::error::Error for PolicyError {}

impl PolicyError {
    fn at(text: &str, span: Range<usize>, message: String) -> Self {
        Self {
            line: line_of(text, span.start),
            message,
        }
    }
}

/// Why the policy refuses a blob.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobRefusal {
    /// The blob's environment is not declared.
    UndeclaredEnvironment {
        /// The blob's environment.
        env: String,
        /// The environments the file declares.
        declared: Vec<String>,
    },
    /// The blob's kid is not one of its environment's keys.
    UnknownKid {
        /// The blob's environment.
        env: String,
        /// The blob's kid.
        kid: Kid,
    },
    /// The blob's key is revoked.
    Revoked {
        /// The blob's environment.
        env: String,
        /// The revoked kid.
        kid: Kid,
    },
}

impl BlobRefusal {
    /// The refusal, with the command that fixes it for the secret `name`.
    pub fn describe(&self, name: &str) -> String {
        match self {
            Self::UndeclaredEnvironment { env, declared } => format!(
                "the blob is sealed for environment `{env}`, which {FILE_NAME} does not declare \
                 (it declares: {}); add it with `cargo sealant keygen --env {env}`",
                if declared.is_empty() {
                    "none".to_owned()
                } else {
                    declared.join(", ")
                }
            ),
            Self::UnknownKid { env, kid } => format!(
                "the blob is sealed to key {kid}, which is not one of environment `{env}`'s keys \
                 in {FILE_NAME}; re-seal it with `cargo sealant set {name} --env {env}`"
            ),
            Self::Revoked { env, kid } => format!(
                "the blob is sealed to key {kid} of environment `{env}`, which {FILE_NAME} marks \
                 revoked; re-seal it with `cargo sealant set {name} --env {env}`"
            ),
        }
    }
}

impl fmt::Display for BlobRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("NAME"))
    }
}

impl Policy {
    /// Parses and checks a `Sealant.toml`.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let table = DeTable::parse(text).map_err(|error| PolicyError {
            line: line_of(text, error.span().map_or(0, |span| span.start)),
            message: format!("not valid TOML: {}", error.message()),
        })?;
        let at = |span: Range<usize>, message: String| PolicyError::at(text, span, message);
        let mut policy = Policy::default();
        let mut require_span = 0..0;
        for (key, value) in table.get_ref() {
            match key.get_ref().as_ref() {
                "require" => {
                    require_span = value.span();
                    policy.require = strings(value).ok_or_else(|| {
                        at(
                            value.span(),
                            "`require` is a list of environment names".to_owned(),
                        )
                    })?;
                }
                "environments" => {
                    let envs = value.get_ref().as_table().ok_or_else(|| {
                        at(
                            value.span(),
                            "`environments` is a table of environments".to_owned(),
                        )
                    })?;
                    for (name, env) in envs {
                        let name_text = name.get_ref().as_ref();
                        sealant_format::validate_env(name_text).map_err(|e| {
                            at(name.span(), format!("environment `{name_text}`: {e}"))
                        })?;
                        let parsed = Environment::parse(text, env)?;
                        for key in &parsed.keys {
                            let Some((line, span)) = &key.wrapped else {
                                continue;
                            };
                            let wrapped_env = sealant_format::WrappedKey::parse(line)
                                .ok()
                                .and_then(|line| line.env());
                            if wrapped_env != Some(name_text) {
                                return Err(at(
                                    span.clone(),
                                    format!(
                                        "`wrapped` is bound to environment `{}`, and this is \
                                         `{name_text}`; wrap the key again with `cargo sealant \
                                         wrap --save`",
                                        wrapped_env.unwrap_or("-")
                                    ),
                                ));
                            }
                        }
                        policy.environments.insert(name_text.to_owned(), parsed);
                    }
                }
                other => {
                    return Err(at(
                        key.span(),
                        format!(
                            "unknown key `{other}`; {FILE_NAME} holds `require` and `environments`"
                        ),
                    ));
                }
            }
        }
        for env in &policy.require {
            if !policy.environments.contains_key(env) {
                return Err(at(
                    require_span.clone(),
                    format!(
                        "`require` names environment `{env}`, which has no keys here; \
                         add one with `cargo sealant keygen --env {env}`"
                    ),
                ));
            }
        }
        // A kid belongs to one environment.
        let mut seen: BTreeMap<Kid, &str> = BTreeMap::new();
        for (name, env) in &policy.environments {
            for key in &env.keys {
                if let Some(other) = seen.insert(key.kid, name) {
                    return Err(at(
                        key.status_span.clone(),
                        format!(
                            "key {} appears in environments `{other}` and `{name}`; each environment has keys of its own",
                            key.kid
                        ),
                    ));
                }
            }
        }
        Ok(policy)
    }

    /// The environments every secret must have a blob for.
    pub fn require(&self) -> &[String] {
        &self.require
    }

    /// An environment, if declared.
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.get(name)
    }

    /// Every declared environment, by name.
    pub fn environments(&self) -> impl Iterator<Item = (&str, &Environment)> {
        self.environments
            .iter()
            .map(|(name, env)| (name.as_str(), env))
    }

    /// The environment and entry of a kid, if the file has it.
    pub fn key(&self, kid: Kid) -> Option<(&str, &PublicKey)> {
        self.environments().find_map(|(name, env)| {
            env.keys
                .iter()
                .find(|key| key.kid == kid)
                .map(|key| (name, key))
        })
    }

    /// Whether a blob sealed for `env` to `kid` may be built: `Ok` with the
    /// key's status (a retired key's blobs build, and `check` reports
    /// them), or why not.
    pub fn check_blob(&self, env: &str, kid: Kid) -> Result<Status, BlobRefusal> {
        let environment =
            self.environment(env)
                .ok_or_else(|| BlobRefusal::UndeclaredEnvironment {
                    env: env.to_owned(),
                    declared: self.environments.keys().cloned().collect(),
                })?;
        let key = environment
            .keys
            .iter()
            .find(|key| key.kid == kid)
            .ok_or_else(|| BlobRefusal::UnknownKid {
                env: env.to_owned(),
                kid,
            })?;
        match key.status {
            Status::Revoked => Err(BlobRefusal::Revoked {
                env: env.to_owned(),
                kid,
            }),
            status => Ok(status),
        }
    }
}

impl Environment {
    fn parse(text: &str, value: &toml::Spanned<DeValue<'_>>) -> Result<Self, PolicyError> {
        let at = |span: Range<usize>, message: String| PolicyError::at(text, span, message);
        let table = value.get_ref().as_table().ok_or_else(|| {
            at(
                value.span(),
                "an environment is a table with `keys`".to_owned(),
            )
        })?;
        let mut environment = Environment::default();
        for (key, value) in table {
            if key.get_ref().as_ref() != "keys" {
                return Err(at(
                    key.span(),
                    format!(
                        "unknown key `{}`; an environment holds `keys`",
                        key.get_ref()
                    ),
                ));
            }
            let entries = value.get_ref().as_array().ok_or_else(|| {
                at(
                    value.span(),
                    "`keys` is a list of `[[environments.NAME.keys]]` tables".to_owned(),
                )
            })?;
            for entry in entries.iter() {
                environment.keys.push(PublicKey::parse(text, entry)?);
            }
        }
        let active: Vec<_> = environment
            .keys
            .iter()
            .filter(|k| k.status == Status::Active)
            .collect();
        if let [_, second, ..] = active.as_slice() {
            return Err(at(
                second.status_span.clone(),
                "a second active key in one environment; mark all but the newest `retired`"
                    .to_owned(),
            ));
        }
        Ok(environment)
    }

    /// The environment's keys, in the file's order.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// The key new blobs are sealed to, if any.
    pub fn active(&self) -> Option<&PublicKey> {
        self.keys.iter().find(|key| key.status == Status::Active)
    }
}

impl PublicKey {
    fn parse(text: &str, value: &toml::Spanned<DeValue<'_>>) -> Result<Self, PolicyError> {
        let at = |span: Range<usize>, message: String| PolicyError::at(text, span, message);
        let table = value.get_ref().as_table().ok_or_else(|| {
            at(
                value.span(),
                "a key is a table with `kid`, `public` and `status`".to_owned(),
            )
        })?;
        let field = |name: &str| {
            let value = table
                .get(name)
                .ok_or_else(|| at(value.span(), format!("a key needs `{name}`")))?;
            let string = value
                .get_ref()
                .as_str()
                .ok_or_else(|| at(value.span(), format!("`{name}` is a string")))?;
            Ok::<_, PolicyError>((string, value.span()))
        };
        for (key, _) in table {
            if !matches!(
                key.get_ref().as_ref(),
                "kid" | "public" | "status" | "wrapped"
            ) {
                return Err(at(
                    key.span(),
                    format!(
                        "unknown key `{}`; a key holds `kid`, `public`, `status` and \
                         perhaps `wrapped`",
                        key.get_ref()
                    ),
                ));
            }
        }
        let (kid, kid_span) = field("kid")?;
        let kid: Kid = kid
            .parse()
            .map_err(|e| at(kid_span, format!("`kid`: {e}")))?;
        let (public, public_span) = field("public")?;
        let public = sealant_format::decode_public_key(public)
            .map_err(|e| at(public_span, format!("`public`: {e}")))?;
        let (status, status_span) = field("status")?;
        let status = match status {
            "active" => Status::Active,
            "retired" => Status::Retired,
            "revoked" => Status::Revoked,
            _ => {
                return Err(at(
                    status_span,
                    "`status` is `active`, `retired` or `revoked`".to_owned(),
                ));
            }
        };
        let wrapped = match table.get("wrapped") {
            None => None,
            Some(_) => {
                let (line, span) = field("wrapped")?;
                let parsed = sealant_format::WrappedKey::parse(line)
                    .map_err(|e| at(span.clone(), format!("`wrapped`: {e}")))?;
                if parsed.kid() != kid {
                    return Err(at(
                        span,
                        format!(
                            "`wrapped` holds a wrapped key of kid {}, not this entry's {kid}; \
                             wrap this entry's private key with `cargo sealant wrap --save`",
                            parsed.kid()
                        ),
                    ));
                }
                Some((line.to_owned(), span))
            }
        };
        Ok(Self {
            kid,
            public,
            status,
            status_span,
            wrapped,
        })
    }
}

/// The entry `cargo sealant keygen` appends for a new active key.
pub fn key_entry(env: &str, kid: Kid, public: &[u8; X25519_LEN]) -> String {
    format!(
        "\n[[environments.{env}.keys]]\nkid = \"{kid}\"\npublic = \"{}\"\nstatus = \"active\"\n",
        sealant_format::encode_public_key(public)
    )
}

/// The nearest `Sealant.toml` at or above `start`.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|path| path.is_file())
}

fn strings(value: &toml::Spanned<DeValue<'_>>) -> Option<Vec<String>> {
    value
        .get_ref()
        .as_array()?
        .iter()
        .map(|item| item.get_ref().as_str().map(str::to_owned))
        .collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
