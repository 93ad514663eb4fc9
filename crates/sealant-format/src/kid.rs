//! Key ids.

use core::fmt;
use core::str::FromStr;

use crate::KID_LEN;
use crate::hex::{self, HexProblem};

/// A key id: a short, one-way fingerprint of a key.
///
/// Every blob names the kid of the key it was sealed with, so that the
/// runtime picks the right key among several (during a rotation) and can say
/// which key it wanted when none matches. A kid is computed from the key by
/// the runtime (this crate holds no cryptography); it reveals nothing useful
/// about the key. It prints as 8 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kid([u8; KID_LEN]);

impl Kid {
    /// Wraps the bytes of a kid.
    pub const fn from_bytes(bytes: [u8; KID_LEN]) -> Self {
        Self(bytes)
    }

    /// The bytes of this kid.
    pub const fn to_bytes(self) -> [u8; KID_LEN] {
        self.0
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({self})")
    }
}

/// Why a text is not a kid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KidError {
    /// Not lowercase hex.
    Hex(HexProblem),
    /// Valid hex, but not 8 digits.
    Length {
        /// The number of hex digits found.
        found: usize,
    },
}

impl fmt::Display for KidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hex(problem) => problem.fmt(f),
            Self::Length { found } => {
                write!(f, "a kid is {} hex digits, found {found}", KID_LEN * 2)
            }
        }
    }
}

impl core::error::Error for KidError {}

impl FromStr for Kid {
    type Err = KidError;

    fn from_str(text: &str) -> Result<Self, KidError> {
        match hex::decode_array(text) {
            Ok(bytes) => Ok(Self(bytes)),
            Err(Some(problem)) => Err(KidError::Hex(problem)),
            Err(None) => Err(KidError::Length { found: text.len() }),
        }
    }
}
