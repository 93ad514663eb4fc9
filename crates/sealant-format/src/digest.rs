//! Verify-only secrets: the tokens a service accepts, minted by the CLI,
//! and the digests of them that `#[digest]` items hold.
//!
//! A minted token is `<prefix>_<id><secret><check>`, all lowercase hex
//! after the last `_`:
//!
//! - `prefix`: the caller's (`acme_live`), `[a-z][a-z0-9_]*`, at most 40
//!   bytes; scanners and people tell tokens apart by it.
//! - `id`: 4 random bytes (8 hex digits), public: the digest holds it too,
//!   so that a service finds the one digest to check without hashing.
//! - `secret`: 32 random bytes (64 hex digits) from the OS.
//! - `check`: CRC-32 (IEEE) of everything before it, big-endian (8 hex
//!   digits): a mangled token is refused before any hashing, and a scanner
//!   can tell a real token from a look-alike.
//!
//! A digest is one of:
//!
//! - `sealant-digest:v1:<name>:token:<id>:<salt>:<mac>`: a minted token's.
//!   `salt` is 16 random bytes, `mac` HMAC-SHA256 keyed with the salt over
//!   the whole token (32 bytes). A token holds 256 random bits, so a fast
//!   hash loses nothing to guessing.
//! - `sealant-digest:v1:<name>:argon2id:<PHC string>`: a human-chosen
//!   secret's, Argon2id in PHC form (`$argon2id$v=19$m=...,t=...,p=...$
//!   <salt>$<hash>`), with parameters within [`ARGON2_BOUNDS`].

use crate::{HexProblem, NameError, hex, validate_name};

fn push_hex(bytes: &[u8], out: &mut alloc::string::String) {
    out.push_str(&base16ct::lower::encode_string(bytes));
}

/// The text every digest starts with.
pub const DIGEST_PREFIX: &str = "sealant-digest:v1:";
/// Length of a token's public id, in bytes.
pub const TOKEN_ID_LEN: usize = 4;
/// Length of a token's random secret, in bytes.
pub const TOKEN_SECRET_LEN: usize = 32;
/// Length of a token's checksum, in bytes.
pub const TOKEN_CHECK_LEN: usize = 4;
/// Length of a token digest's salt, in bytes.
pub const TOKEN_SALT_LEN: usize = 16;
/// Length of a token digest's MAC, in bytes.
pub const TOKEN_MAC_LEN: usize = 32;
/// Longest token prefix, in bytes.
pub const MAX_PREFIX_LEN: usize = 40;
/// Hex digits after a token's last `_`.
pub const TOKEN_BODY_HEX: usize = 2 * (TOKEN_ID_LEN + TOKEN_SECRET_LEN + TOKEN_CHECK_LEN);

/// The Argon2id parameters a digest may name: memory in KiB, iterations,
/// lanes, each as (least, most). OWASP's minimum is m=19456, t=2, p=1.
pub const ARGON2_BOUNDS: [(u32, u32); 3] = [(19_456, 4_194_304), (1, 64), (1, 64)];

/// Why a prefix, a token or a digest is malformed. It never holds the
/// text, which may be a token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestError {
    /// The prefix is empty, too long, or not `[a-z][a-z0-9_]*`.
    Prefix,
    /// Not `<prefix>_<80 lowercase hex digits>`.
    TokenShape,
    /// The token's checksum does not match: it was mistyped or cut.
    Checksum,
    /// The text does not start with [`DIGEST_PREFIX`].
    MissingPrefix,
    /// The name is not a valid secret name.
    Name(NameError),
    /// A field is missing.
    Truncated {
        /// The first missing field.
        missing: &'static str,
    },
    /// The algorithm is not `token` or `argon2id`.
    UnknownAlgorithm,
    /// A hex field is malformed.
    Hex {
        /// Which field.
        field: &'static str,
        /// What is wrong.
        problem: HexProblem,
    },
    /// A hex field has the wrong length.
    Length {
        /// Which field.
        field: &'static str,
        /// Hex digits expected.
        expected: usize,
    },
    /// The PHC string is not Argon2id's, version 19.
    Phc,
    /// An Argon2id parameter is outside [`ARGON2_BOUNDS`].
    Parameter {
        /// `m`, `t` or `p`.
        which: char,
    },
}

impl core::fmt::Display for DigestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Prefix => write!(
                f,
                "a token prefix is 1 to {MAX_PREFIX_LEN} of a-z, 0-9 and _, starting with a letter"
            ),
            Self::TokenShape => write!(
                f,
                "not a Sealant token: <prefix>_ and {TOKEN_BODY_HEX} lowercase hex digits"
            ),
            Self::Checksum => {
                f.write_str("the token's checksum does not match: it is mistyped or cut")
            }
            Self::MissingPrefix => write!(f, "it does not start with `{DIGEST_PREFIX}`"),
            Self::Name(error) => write!(f, "its name is invalid: {error}"),
            Self::Truncated { missing } => write!(f, "its {missing} is missing"),
            Self::UnknownAlgorithm => f.write_str("its algorithm is not `token` or `argon2id`"),
            Self::Hex { field, problem } => {
                write!(f, "its {field} is not lowercase hex: {problem}")
            }
            Self::Length { field, expected } => {
                write!(f, "its {field} must have {expected} hex digits")
            }
            Self::Phc => f.write_str(
                "its hash is not an Argon2id PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$hash)",
            ),
            Self::Parameter { which } => {
                let (name, (least, most)) = match which {
                    'm' => ("memory (m, KiB)", ARGON2_BOUNDS[0]),
                    't' => ("iterations (t)", ARGON2_BOUNDS[1]),
                    _ => ("lanes (p)", ARGON2_BOUNDS[2]),
                };
                write!(f, "its Argon2id {name} is outside {least}..={most}")
            }
        }
    }
}

/// Checks a token prefix.
pub fn validate_prefix(prefix: &str) -> Result<(), DigestError> {
    let bytes = prefix.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= MAX_PREFIX_LEN
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
    if ok { Ok(()) } else { Err(DigestError::Prefix) }
}

/// A minted token's parts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    prefix: &'a str,
    id: [u8; TOKEN_ID_LEN],
}

impl core::fmt::Debug for Token<'_> {
    /// The prefix and the public id; never the secret.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Token")
            .field("prefix", &self.prefix)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<'a> Token<'a> {
    /// Checks a presented token's shape and checksum (no hashing).
    pub fn parse(text: &'a str) -> Result<Self, DigestError> {
        let (prefix, body) = text.rsplit_once('_').ok_or(DigestError::TokenShape)?;
        validate_prefix(prefix).map_err(|_| DigestError::TokenShape)?;
        if body.len() != TOKEN_BODY_HEX
            || !body
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(DigestError::TokenShape);
        }
        let (signed, check) = text.split_at(text.len() - 2 * TOKEN_CHECK_LEN);
        let mut expected = [0u8; TOKEN_CHECK_LEN];
        hex::decode_into(check, &mut expected).map_err(|_| DigestError::TokenShape)?;
        if crc32fast::hash(signed.as_bytes()).to_be_bytes() != expected {
            return Err(DigestError::Checksum);
        }
        let mut id = [0u8; TOKEN_ID_LEN];
        hex::decode_into(&body[..2 * TOKEN_ID_LEN], &mut id)
            .map_err(|_| DigestError::TokenShape)?;
        Ok(Self { prefix, id })
    }

    /// The caller's prefix.
    pub fn prefix(&self) -> &'a str {
        self.prefix
    }

    /// The public id, which the token's digest holds too.
    pub fn id(&self) -> [u8; TOKEN_ID_LEN] {
        self.id
    }
}

/// Writes a token of `prefix` with `id` and `secret` into `out`, with its
/// checksum.
pub fn encode_token(
    prefix: &str,
    id: &[u8; TOKEN_ID_LEN],
    secret: &[u8; TOKEN_SECRET_LEN],
    out: &mut alloc::string::String,
) -> Result<(), DigestError> {
    validate_prefix(prefix)?;
    out.clear();
    out.push_str(prefix);
    out.push('_');
    push_hex(id, out);
    push_hex(secret, out);
    let check = crc32fast::hash(out.as_bytes()).to_be_bytes();
    push_hex(&check, out);
    Ok(())
}

/// A parsed digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestText<'a> {
    /// A minted token's: HMAC-SHA256 keyed with `salt`.
    Token {
        /// The secret's name.
        name: &'a str,
        /// The token's public id.
        id: [u8; TOKEN_ID_LEN],
        /// The salt, the MAC's key.
        salt: [u8; TOKEN_SALT_LEN],
        /// HMAC-SHA256(salt, token).
        mac: [u8; TOKEN_MAC_LEN],
    },
    /// A human-chosen secret's: Argon2id.
    Argon2id {
        /// The secret's name.
        name: &'a str,
        /// The PHC string, checked for shape and parameter bounds.
        phc: &'a str,
    },
}

impl<'a> DigestText<'a> {
    /// Parses and checks a digest.
    pub fn parse(text: &'a str) -> Result<Self, DigestError> {
        let rest = text
            .strip_prefix(DIGEST_PREFIX)
            .ok_or(DigestError::MissingPrefix)?;
        let (name, rest) = rest.split_once(':').ok_or(DigestError::Truncated {
            missing: "algorithm",
        })?;
        validate_name(name).map_err(DigestError::Name)?;
        let (algorithm, rest) = rest
            .split_once(':')
            .ok_or(DigestError::Truncated { missing: "hash" })?;
        match algorithm {
            "token" => {
                let mut fields = rest.splitn(3, ':');
                let mut id = [0u8; TOKEN_ID_LEN];
                let mut salt = [0u8; TOKEN_SALT_LEN];
                let mut mac = [0u8; TOKEN_MAC_LEN];
                for (field, out) in [
                    ("id", &mut id[..]),
                    ("salt", &mut salt[..]),
                    ("mac", &mut mac[..]),
                ] {
                    let text = fields
                        .next()
                        .ok_or(DigestError::Truncated { missing: field })?;
                    decode_field(field, text, out)?;
                }
                Ok(Self::Token {
                    name,
                    id,
                    salt,
                    mac,
                })
            }
            "argon2id" => {
                check_phc(rest)?;
                Ok(Self::Argon2id { name, phc: rest })
            }
            _ => Err(DigestError::UnknownAlgorithm),
        }
    }

    /// The secret's name.
    pub fn name(&self) -> &'a str {
        match self {
            Self::Token { name, .. } | Self::Argon2id { name, .. } => name,
        }
    }
}

/// Writes a token digest's text.
pub fn encode_token_digest(
    name: &str,
    id: &[u8; TOKEN_ID_LEN],
    salt: &[u8; TOKEN_SALT_LEN],
    mac: &[u8; TOKEN_MAC_LEN],
) -> alloc::string::String {
    let mut out = alloc::string::String::from(DIGEST_PREFIX);
    out.push_str(name);
    out.push_str(":token:");
    push_hex(id, &mut out);
    out.push(':');
    push_hex(salt, &mut out);
    out.push(':');
    push_hex(mac, &mut out);
    out
}

fn decode_field(field: &'static str, text: &str, out: &mut [u8]) -> Result<(), DigestError> {
    if text.len() != out.len() * 2 {
        return Err(DigestError::Length {
            field,
            expected: out.len() * 2,
        });
    }
    hex::decode_into(text, out).map_err(|problem| match problem {
        Some(problem) => DigestError::Hex { field, problem },
        None => DigestError::Length {
            field,
            expected: out.len() * 2,
        },
    })
}

/// Checks an Argon2id PHC string's shape and parameters; the salt and the
/// hash must be unpadded base64, the hash 32 bytes.
fn check_phc(phc: &str) -> Result<(), DigestError> {
    let mut parts = phc.split('$');
    if parts.next() != Some("") || parts.next() != Some("argon2id") || parts.next() != Some("v=19")
    {
        return Err(DigestError::Phc);
    }
    let params = parts.next().ok_or(DigestError::Phc)?;
    let mut seen = [false; 3];
    for param in params.split(',') {
        let (key, value) = param.split_once('=').ok_or(DigestError::Phc)?;
        let index = match key {
            "m" => 0,
            "t" => 1,
            "p" => 2,
            _ => return Err(DigestError::Phc),
        };
        let value: u32 = value.parse().map_err(|_| DigestError::Phc)?;
        let (least, most) = ARGON2_BOUNDS[index];
        if seen[index] {
            return Err(DigestError::Phc);
        }
        seen[index] = true;
        if !(least..=most).contains(&value) {
            return Err(DigestError::Parameter {
                which: ['m', 't', 'p'][index],
            });
        }
    }
    if seen != [true; 3] {
        return Err(DigestError::Phc);
    }
    let salt = parts.next().ok_or(DigestError::Phc)?;
    let hash = parts.next().ok_or(DigestError::Phc)?;
    if parts.next().is_some() {
        return Err(DigestError::Phc);
    }
    let b64 = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    };
    // 16 to 64 bytes of salt; a 32-byte hash (43 base64 digits).
    if !b64(salt) || !(22..=86).contains(&salt.len()) || !b64(hash) || hash.len() != 43 {
        return Err(DigestError::Phc);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_round_trips_and_a_changed_digit_breaks_its_checksum() {
        let mut token = alloc::string::String::new();
        encode_token("acme_live", &[1, 2, 3, 4], &[7; 32], &mut token).unwrap();
        assert!(token.starts_with("acme_live_01020304"));
        assert_eq!(token.len(), "acme_live_".len() + TOKEN_BODY_HEX);
        let parsed = Token::parse(&token).unwrap();
        assert_eq!((parsed.prefix(), parsed.id()), ("acme_live", [1, 2, 3, 4]));
        for at in "acme_live_".len()..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
            let mangled = alloc::string::String::from_utf8(bytes).unwrap();
            assert_eq!(Token::parse(&mangled), Err(DigestError::Checksum), "{at}");
        }
        assert_eq!(Token::parse("acme_live_zz"), Err(DigestError::TokenShape));
        assert_eq!(
            Token::parse(&token[..token.len() - 1]),
            Err(DigestError::TokenShape)
        );
        assert!(!alloc::format!("{parsed:?}").contains("0707"));
        assert_eq!(
            encode_token("Bad", &[0; 4], &[0; 32], &mut token),
            Err(DigestError::Prefix)
        );
    }

    #[test]
    fn digests_parse_and_each_mistake_is_named() {
        let text = encode_token_digest("PARTNER_ACME", &[1, 2, 3, 4], &[5; 16], &[6; 32]);
        let parsed = DigestText::parse(&text).unwrap();
        assert_eq!(parsed.name(), "PARTNER_ACME");
        assert!(matches!(
            parsed,
            DigestText::Token {
                id: [1, 2, 3, 4],
                ..
            }
        ));
        let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm8";
        let argon = alloc::format!("{DIGEST_PREFIX}LEGACY:argon2id:{phc}");
        assert_eq!(
            DigestText::parse(&argon).unwrap(),
            DigestText::Argon2id {
                name: "LEGACY",
                phc
            }
        );
        let cases = [
            ("sealant-digest:v2:X:token:00", DigestError::MissingPrefix),
            ("sealant-digest:v1:X:md5:00", DigestError::UnknownAlgorithm),
            (
                "sealant-digest:v1:X:token:0102",
                DigestError::Length {
                    field: "id",
                    expected: 8,
                },
            ),
            (
                &text[..text.len() - 2],
                DigestError::Length {
                    field: "mac",
                    expected: 64,
                },
            ),
            (
                &argon.replace("m=19456", "m=1024"),
                DigestError::Parameter { which: 'm' },
            ),
            (
                &argon.replace("t=2", "t=0"),
                DigestError::Parameter { which: 't' },
            ),
            (&argon.replace("argon2id$", "argon2i$"), DigestError::Phc),
            (&argon.replace("v=19", "v=16"), DigestError::Phc),
        ];
        for (text, expected) in cases {
            assert_eq!(DigestText::parse(text), Err(expected), "{text}");
        }
    }
}
