//! Deployment environment names: `production`, `staging`, `test`.

use core::fmt;

/// Longest environment name accepted, in bytes.
pub const MAX_ENV_LEN: usize = 32;

/// Why a text is not an environment name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_ENV_LEN`] bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The name does not start with a lowercase ASCII letter.
    BadStart,
    /// The name holds a character other than `a-z`, `0-9`, `_` and `-`.
    BadChar {
        /// Zero-based position of the first such character.
        at: usize,
    },
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the environment name is empty"),
            Self::TooLong { len } => write!(
                f,
                "the environment name is {len} bytes long; the limit is {MAX_ENV_LEN}"
            ),
            Self::BadStart => f.write_str("an environment name starts with a lowercase letter"),
            Self::BadChar { at } => write!(
                f,
                "the environment name holds a character other than a-z, 0-9, `_` and `-` at position {at}"
            ),
        }
    }
}

impl core::error::Error for EnvError {}

/// Checks an environment name: 1 to 32 bytes of lowercase ASCII letters,
/// digits, `_` and `-`, starting with a letter.
///
/// The rule keeps the name out of every separator a v2 blob uses (`:` and
/// `/`), so a blob's fields split one way only.
pub fn validate_env(env: &str) -> Result<(), EnvError> {
    let bytes = env.as_bytes();
    match bytes.first() {
        None => return Err(EnvError::Empty),
        Some(b) if !b.is_ascii_lowercase() => return Err(EnvError::BadStart),
        Some(_) => {}
    }
    if bytes.len() > MAX_ENV_LEN {
        return Err(EnvError::TooLong { len: bytes.len() });
    }
    match bytes
        .iter()
        .position(|&b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'))
    {
        Some(at) => Err(EnvError::BadChar { at }),
        None => Ok(()),
    }
}
