//! Keys: `sealant-key-v1:<64 lowercase hex digits>`.

use alloc::string::String;
use core::fmt;

use zeroize::Zeroizing;

use crate::hex::{self, HexProblem};
use crate::{KEY_LEN, KEY_PREFIX};

/// Why a text is not a key.
///
/// No variant carries the rejected text, which may be (most of) a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// There is no key at all (an empty or all-whitespace text).
    Empty,
    /// The text does not start with `sealant-key-`.
    MissingPrefix,
    /// The text starts with `sealant-key-` but not `sealant-key-v1:`.
    UnsupportedVersion,
    /// The hex part is not lowercase hex.
    Hex(HexProblem),
    /// The hex part is valid hex but not 64 digits long.
    Length {
        /// The number of hex digits found.
        found: usize,
    },
    /// A v2 public key where a key that opens is needed.
    PublicKey,
    /// A v2 private key, in a build without v2 support.
    NeedsV2,
    /// A wrapped key line, in a build without a key service feature.
    NeedsKeyService,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("no key: the text is empty"),
            Self::MissingPrefix => {
                f.write_str("not a sealant key: it does not start with `sealant-key-v1:`")
            }
            Self::UnsupportedVersion => f.write_str(
                "unsupported key version: this version of sealant reads `sealant-key-v1:` keys",
            ),
            Self::Hex(problem) => write!(
                f,
                "the key is not lowercase hex after its prefix: {problem}"
            ),
            Self::Length { found } => write!(
                f,
                "the key must have {} hex digits after its prefix, found {found}",
                KEY_LEN * 2
            ),
            Self::NeedsKeyService => f.write_str(
                "a wrapped key (`sealant-wrapped-v1:`): unwrapping it needs a key service \
                 feature of sealant (`vault-transit` or `aws-kms`)",
            ),
            Self::PublicKey => f.write_str(
                "a public key (`sealant-public-key-v2:`): it seals but cannot open; \
                 give the deployment the private key (`sealant-private-key-v2:`)",
            ),
            Self::NeedsV2 => f.write_str(
                "a v2 private key, which this build cannot use: enable the `v2` feature \
                 of the `sealant` crate",
            ),
        }
    }
}

impl core::error::Error for KeyError {}

/// Splits a text holding one or more keys into the keys' texts.
///
/// Keys are separated by commas and/or whitespace (spaces, tabs, line breaks,
/// `\r\n` included), so an environment variable can hold `key1,key2` and a
/// key file can hold one key per line. A UTF-8 byte-order mark at the start
/// of the text is ignored, and so is every line whose first non-blank
/// character is `#`, so that a key file can say what it is for. Empty pieces
/// are skipped; an all-empty text yields nothing.
///
/// ```
/// let text = "\u{feff}# staging keys\na, b\r\nc\n";
/// let keys: Vec<&str> = sealant_format::split_keys(text).collect();
/// assert_eq!(keys, ["a", "b", "c"]);
/// ```
pub fn split_keys(text: &str) -> impl Iterator<Item = &str> {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(|line| line.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|piece| !piece.is_empty())
}

/// Decodes one key's text into `out`.
///
/// The text must be exactly one key, as [`split_keys`] yields it. Valid keys
/// are decoded in constant time. On error `out` may hold partial key bytes:
/// the caller owns it and should zeroize it either way.
///
/// ```
/// let text = format!("sealant-key-v1:{}", "ab".repeat(32));
/// let mut key = [0u8; 32];
/// sealant_format::decode_key(&text, &mut key)?;
/// assert_eq!(key, [0xab; 32]);
/// # Ok::<(), sealant_format::KeyError>(())
/// ```
pub fn decode_key(text: &str, out: &mut [u8; KEY_LEN]) -> Result<(), KeyError> {
    if text.trim().is_empty() {
        return Err(KeyError::Empty);
    }
    let Some(digits) = text.strip_prefix(KEY_PREFIX) else {
        return Err(if text.starts_with("sealant-key-") {
            KeyError::UnsupportedVersion
        } else {
            KeyError::MissingPrefix
        });
    };
    hex::decode_into(digits, out).map_err(|problem| match problem {
        Some(problem) => KeyError::Hex(problem),
        None => KeyError::Length {
            found: digits.len(),
        },
    })
}

/// Encodes a key as `sealant-key-v1:<64 lowercase hex digits>`.
pub fn encode_key(key: &[u8; KEY_LEN]) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::with_capacity(KEY_PREFIX.len() + KEY_LEN * 2));
    text.push_str(KEY_PREFIX);
    let mut digits = Zeroizing::new([0u8; KEY_LEN * 2]);
    let digits = base16ct::lower::encode_str(key, &mut digits[..])
        .expect("a buffer of twice the key's length holds its hex");
    text.push_str(digits);
    text
}
