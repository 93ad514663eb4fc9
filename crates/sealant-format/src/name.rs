//! Secret names.

use core::fmt;

use crate::MAX_NAME_LEN;

/// Why a text is not a valid secret name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_NAME_LEN`] bytes.
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A character other than an ASCII letter, digit, `_`, `-` or `.`.
    InvalidChar {
        /// Zero-based position of the character.
        at: usize,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the name is empty"),
            Self::TooLong { len } => write!(
                f,
                "the name is {len} bytes long; the limit is {MAX_NAME_LEN}"
            ),
            Self::InvalidChar { at } => write!(
                f,
                "character {at} of the name is not an ASCII letter, digit, `_`, `-` or `.`"
            ),
        }
    }
}

impl core::error::Error for NameError {}

/// Checks a secret name: 1 to [`MAX_NAME_LEN`] ASCII letters, digits, `_`,
/// `-` or `.`. Every Rust identifier without non-ASCII letters is a valid
/// name, and no name can contain the blob's `:` separator.
///
/// ```
/// assert!(sealant_format::validate_name("STRIPE_API_KEY").is_ok());
/// assert!(sealant_format::validate_name("db.password-2").is_ok());
/// assert!(sealant_format::validate_name("has space").is_err());
/// ```
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(at) = name
        .chars()
        .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(NameError::InvalidChar { at });
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { len: name.len() });
    }
    Ok(())
}
