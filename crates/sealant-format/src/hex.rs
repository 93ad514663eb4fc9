//! Lowercase hex: the only encoding both formats use.

use core::fmt;

/// What is wrong with a piece of text that should be lowercase hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexProblem {
    /// An uppercase digit (`A`-`F`); Sealant's formats are lowercase only,
    /// so that each value has exactly one spelling.
    Uppercase {
        /// Zero-based position of the character within its field.
        at: usize,
    },
    /// A character that is not a hex digit at all.
    NotHex {
        /// Zero-based position of the character within its field.
        at: usize,
    },
    /// An odd number of digits, which cannot encode whole bytes.
    OddLength {
        /// The number of digits found.
        len: usize,
    },
}

impl fmt::Display for HexProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uppercase { at } => write!(
                f,
                "uppercase hex digit at character {at} (only lowercase hex is accepted)"
            ),
            Self::NotHex { at } => write!(f, "character {at} is not a hex digit"),
            Self::OddLength { len } => write!(f, "odd number of hex digits ({len})"),
        }
    }
}

/// Checks that every character of `text` is a lowercase hex digit, and says
/// where one is not; the length is the caller's to check. This branches on
/// the characters, so call it on key material only after a constant-time
/// decode has already failed.
pub(crate) fn check_digits(text: &str) -> Result<(), HexProblem> {
    for (at, c) in text.chars().enumerate() {
        match c {
            '0'..='9' | 'a'..='f' => {}
            'A'..='F' => return Err(HexProblem::Uppercase { at }),
            _ => return Err(HexProblem::NotHex { at }),
        }
    }
    Ok(())
}

/// Decodes lowercase hex into exactly `N` bytes; `Err(None)` means the text
/// is valid hex of the wrong length.
pub(crate) fn decode_array<const N: usize>(text: &str) -> Result<[u8; N], Option<HexProblem>> {
    let mut out = [0u8; N];
    decode_into(text, &mut out)?;
    Ok(out)
}

/// Decodes lowercase hex into all of `out`, in constant time for valid
/// input. `Err(None)` means the digits are fine but their number is not
/// twice `out`'s length.
pub(crate) fn decode_into(text: &str, out: &mut [u8]) -> Result<(), Option<HexProblem>> {
    if text.len() != out.len() * 2 {
        return Err(check_digits(text).err());
    }
    match base16ct::lower::decode(text, out) {
        Ok(_) => Ok(()),
        Err(_) => Err(check_digits(text).err()),
    }
}
