//! Wrapped keys: a v1 key or a v2 private key, encrypted by a key service
//! (OpenBao/Vault Transit, AWS KMS) so that only an identity the service
//! trusts can unwrap it.
//!
//! `sealant-wrapped-v1:<kid>:<env>:<provider>:<ciphertext>:<reference>`
//!
//! - `kid`: the wrapped key's kid, 8 lowercase hex digits; the unwrapped
//!   key must have it.
//! - `env`: the environment of a v2 private key, or `-` for a v1 key.
//! - `provider`: `transit` (OpenBao or Vault Transit) or `aws-kms`.
//! - `ciphertext`: what the service returned, base64url without padding.
//! - `reference`: the service's key, last because it may hold `:` and
//!   `/`: `<mount>/<key>` for Transit, a key ARN for KMS.
//!
//! The line is one token (no whitespace, no comma), so it stands in a key
//! list like any key. The service binds the ciphertext to the line's
//! [`context`](WrappedKey::context), so a line relabelled with another kid or
//! environment does not unwrap.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding as _};

use crate::{EnvError, Kid, KidError, validate_env};

/// The text every wrapped key line starts with.
pub const WRAPPED_PREFIX: &str = "sealant-wrapped-v1:";

/// The key service that wrapped a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Provider {
    /// OpenBao or Vault's Transit secrets engine.
    Transit,
    /// AWS Key Management Service.
    AwsKms,
}

impl Provider {
    /// The provider's name in a line and in `--with`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transit => "transit",
            Self::AwsKms => "aws-kms",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "transit" => Some(Self::Transit),
            "aws-kms" => Some(Self::AwsKms),
            _ => None,
        }
    }
}

/// A parsed wrapped key line. It holds no key: the ciphertext is the
/// service's.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey<'a> {
    kid: Kid,
    env: Option<&'a str>,
    provider: Provider,
    ciphertext: Vec<u8>,
    reference: &'a str,
}

/// Why a wrapped key line does not parse. It never holds the line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WrappedError {
    /// The line does not start with [`WRAPPED_PREFIX`].
    MissingPrefix,
    /// A field is missing: the line has fewer than six.
    Truncated {
        /// The first missing field.
        missing: &'static str,
    },
    /// The kid is not 8 lowercase hex digits.
    Kid(KidError),
    /// The environment is neither `-` nor an environment name.
    Env(EnvError),
    /// The provider is not `transit` or `aws-kms`.
    UnknownProvider,
    /// The ciphertext is not unpadded base64url, or is empty.
    Ciphertext,
    /// The reference is empty, or holds whitespace or a comma.
    Reference,
}

impl fmt::Display for WrappedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingPrefix => write!(f, "it does not start with `{WRAPPED_PREFIX}`"),
            Self::Truncated { missing } => write!(f, "its {missing} is missing"),
            Self::Kid(error) => write!(f, "its kid is malformed: {error}"),
            Self::Env(error) => write!(f, "its environment is malformed: {error}"),
            Self::UnknownProvider => f.write_str("its provider is not `transit` or `aws-kms`"),
            Self::Ciphertext => f.write_str("its ciphertext is not unpadded base64url"),
            Self::Reference => {
                f.write_str("its key reference is empty or holds whitespace or a comma")
            }
        }
    }
}

impl<'a> WrappedKey<'a> {
    /// A line for `ciphertext`, as the service returned it for the key
    /// `kid` (of `env`, for a v2 private key) under `reference`.
    pub fn new(
        kid: Kid,
        env: Option<&'a str>,
        provider: Provider,
        ciphertext: Vec<u8>,
        reference: &'a str,
    ) -> Result<Self, WrappedError> {
        if let Some(env) = env {
            validate_env(env).map_err(WrappedError::Env)?;
        }
        if ciphertext.is_empty() {
            return Err(WrappedError::Ciphertext);
        }
        check_reference(reference)?;
        Ok(Self {
            kid,
            env,
            provider,
            ciphertext,
            reference,
        })
    }

    /// Parses one line, as [`crate::split_keys`] yields it.
    pub fn parse(text: &'a str) -> Result<Self, WrappedError> {
        let rest = text
            .strip_prefix(WRAPPED_PREFIX)
            .ok_or(WrappedError::MissingPrefix)?;
        let mut fields = rest.splitn(5, ':');
        let mut next = |missing| fields.next().ok_or(WrappedError::Truncated { missing });
        let kid: Kid = next("kid")?.parse().map_err(WrappedError::Kid)?;
        let env = match next("environment")? {
            "-" => None,
            env => {
                validate_env(env).map_err(WrappedError::Env)?;
                Some(env)
            }
        };
        let provider = Provider::parse(next("provider")?).ok_or(WrappedError::UnknownProvider)?;
        let ciphertext = Base64UrlUnpadded::decode_vec(next("ciphertext")?)
            .map_err(|_| WrappedError::Ciphertext)?;
        let reference = next("key reference")?;
        Self::new(kid, env, provider, ciphertext, reference)
    }

    /// The wrapped key's kid.
    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The environment of a wrapped v2 private key; `None` for a v1 key.
    pub fn env(&self) -> Option<&'a str> {
        self.env
    }

    /// The service that wrapped it.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The service's ciphertext.
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// The service's key: `<mount>/<key>` for Transit, an ARN for KMS.
    pub fn reference(&self) -> &'a str {
        self.reference
    }

    /// The fixed, non-secret context the service binds the ciphertext to
    /// (Transit's associated data, KMS's encryption context):
    /// `sealant-wrapped-v1:<kid>:<env or ->`.
    pub fn context(&self) -> String {
        context(self.kid, self.env)
    }
}

/// The context of a wrapped key of `kid` and `env`; see
/// [`WrappedKey::context`].
pub fn context(kid: Kid, env: Option<&str>) -> String {
    let mut context = String::from(WRAPPED_PREFIX);
    context.push_str(&alloc::format!("{kid}:{}", env.unwrap_or("-")));
    context
}

/// The EncryptionContext AWS KMS binds a wrapped key of `kid` and `env`
/// to, as key-value pairs: `sealant = wrapped-key-v1`, `sealant-kid =
/// <kid>` and, for a v2 private key, `sealant-environment = <env>`. KMS
/// logs it in CloudTrail, and a key policy can require it
/// (`kms:EncryptionContext:sealant-environment`).
pub fn kms_encryption_context(kid: Kid, env: Option<&str>) -> Vec<(&'static str, String)> {
    let mut pairs = alloc::vec![
        ("sealant", String::from("wrapped-key-v1")),
        ("sealant-kid", alloc::format!("{kid}")),
    ];
    if let Some(env) = env {
        pairs.push(("sealant-environment", String::from(env)));
    }
    pairs
}

fn check_reference(reference: &str) -> Result<(), WrappedError> {
    let bad = |c: char| c.is_whitespace() || c == ',';
    if reference.is_empty() || reference.contains(bad) {
        return Err(WrappedError::Reference);
    }
    Ok(())
}

impl fmt::Display for WrappedKey<'_> {
    /// The line's one canonical text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{WRAPPED_PREFIX}{}:{}:{}:{}:{}",
            self.kid,
            self.env.unwrap_or("-"),
            self.provider.as_str(),
            Base64UrlUnpadded::encode_string(&self.ciphertext),
            self.reference
        )
    }
}

impl fmt::Debug for WrappedKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("kid", &self.kid)
            .field("env", &self.env)
            .field("provider", &self.provider)
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str =
        "sealant-wrapped-v1:3fa2c91e:production:transit:dmF1bHQ6djE6YWJj:transit/sealant-prod";

    #[test]
    fn parses_and_prints_canonically() {
        let line = WrappedKey::parse(LINE).unwrap();
        assert_eq!(alloc::format!("{}", line.kid()), "3fa2c91e");
        assert_eq!(line.env(), Some("production"));
        assert_eq!(line.provider(), Provider::Transit);
        assert_eq!(line.ciphertext(), b"vault:v1:abc");
        assert_eq!(line.reference(), "transit/sealant-prod");
        assert_eq!(line.context(), "sealant-wrapped-v1:3fa2c91e:production");
        assert_eq!(alloc::format!("{line}"), LINE);
        // A reference may hold `:` and `/`; a v1 key has no environment.
        let arn = "sealant-wrapped-v1:3fa2c91e:-:aws-kms:AQID:arn:aws:kms:eu-west-1:111122223333:key/1234abcd";
        let line = WrappedKey::parse(arn).unwrap();
        assert_eq!(line.env(), None);
        assert_eq!(
            line.reference(),
            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd"
        );
        assert_eq!(line.context(), "sealant-wrapped-v1:3fa2c91e:-");
        assert_eq!(alloc::format!("{line}"), arn);
        let kid = line.kid();
        assert_eq!(
            kms_encryption_context(kid, Some("production")),
            [
                ("sealant", String::from("wrapped-key-v1")),
                ("sealant-kid", String::from("3fa2c91e")),
                ("sealant-environment", String::from("production")),
            ]
        );
        assert_eq!(kms_encryption_context(kid, None).len(), 2);
    }

    #[test]
    fn each_malformed_field_is_named_and_the_line_never_shown() {
        let cases: [(&str, WrappedError); 8] = [
            ("sealant-key-v1:00", WrappedError::MissingPrefix),
            (
                "sealant-wrapped-v1:3fa2c91e",
                WrappedError::Truncated {
                    missing: "environment",
                },
            ),
            (
                "sealant-wrapped-v1:3fa2c91e:production:transit:AQID",
                WrappedError::Truncated {
                    missing: "key reference",
                },
            ),
            (
                "sealant-wrapped-v1:3FA2C91E:-:transit:AQID:t/k",
                WrappedError::Kid(KidError::Hex(crate::HexProblem::Uppercase { at: 1 })),
            ),
            (
                "sealant-wrapped-v1:3fa2c91e:Prod:transit:AQID:t/k",
                WrappedError::Env(EnvError::BadStart),
            ),
            (
                "sealant-wrapped-v1:3fa2c91e:-:gcp:AQID:t/k",
                WrappedError::UnknownProvider,
            ),
            (
                "sealant-wrapped-v1:3fa2c91e:-:transit:AQ=D:t/k",
                WrappedError::Ciphertext,
            ),
            (
                "sealant-wrapped-v1:3fa2c91e:-:transit:AQID:",
                WrappedError::Reference,
            ),
        ];
        for (text, expected) in cases {
            let error = WrappedKey::parse(text).unwrap_err();
            assert_eq!(error, expected, "{text}");
            assert!(!alloc::format!("{error}").contains("AQID"), "{error}");
        }
        let debug = alloc::format!("{:?}", WrappedKey::parse(LINE).unwrap());
        assert!(!debug.contains("dmF1"), "{debug}");
    }
}
