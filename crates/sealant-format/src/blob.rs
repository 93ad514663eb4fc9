//! Sealed blobs: `sealant:v1:<name>:<kid>:<nonce>:<ciphertext and tag>`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::hex::{self, HexProblem};
use crate::name::{NameError, validate_name};
use crate::{BLOB_PREFIX, BLOB_VERSION, KID_LEN, Kid, NONCE_LEN, TAG_LEN};

/// A parsed sealed blob.
///
/// It holds the secret's name, the id of the key it was sealed with, the
/// nonce, and the AES-256-GCM ciphertext followed by its 16-byte tag. It
/// holds no plaintext. [`Display`](fmt::Display) prints the one canonical
/// text form, which [`Blob::parse`] reads back.
#[derive(Clone, PartialEq, Eq)]
pub struct Blob<'a> {
    name: &'a str,
    kid: Kid,
    nonce: [u8; NONCE_LEN],
    sealed: Vec<u8>,
}

/// A field of a blob, as named in error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The secret's name.
    Name,
    /// The key id.
    Kid,
    /// The nonce.
    Nonce,
    /// The ciphertext with its authentication tag (in a v2 blob, the
    /// payload that holds it).
    Ciphertext,
    /// The deployment environment (v2).
    Env,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Name => "name",
            Self::Kid => "kid",
            Self::Nonce => "nonce",
            Self::Ciphertext => "ciphertext",
            Self::Env => "environment",
        })
    }
}

/// Why a text is not a valid blob.
///
/// No variant carries the rejected text: it may be a plaintext secret pasted
/// where a blob belongs. Variants say which field is wrong and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobError {
    /// The text does not start with `sealant:`; it is not a blob at all.
    NotSealed,
    /// The version after `sealant:` is not `v1`.
    UnsupportedVersion {
        /// The version number, when the text has the shape `v<number>`.
        found: Option<u32>,
    },
    /// The text contains whitespace (a blob is one token, on one line).
    Whitespace {
        /// Zero-based position of the first whitespace character.
        at: usize,
    },
    /// The text ends before this field.
    Truncated {
        /// The first missing field.
        missing: Field,
    },
    /// There is a `:` and more text after the ciphertext field.
    TrailingData,
    /// The name field is not a valid name.
    Name(NameError),
    /// A hex field is not lowercase hex of even length.
    Hex {
        /// The field.
        field: Field,
        /// What is wrong with it.
        problem: HexProblem,
    },
    /// The kid or the nonce has the wrong number of hex digits.
    Length {
        /// The field.
        field: Field,
        /// The number of hex digits it must have.
        expected: usize,
        /// The number it has.
        found: usize,
    },
    /// The ciphertext field is shorter than a tag alone.
    CiphertextTooShort {
        /// The number of hex digits it has.
        found: usize,
    },
    /// The environment field of a v2 blob is not a valid environment name.
    Env(crate::EnvError),
    /// A v2 blob's payload is shorter than its fixed fields and a tag.
    PayloadTooShort {
        /// The number of hex digits it has.
        found: usize,
    },
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSealed => f.write_str("not a sealed blob: it does not start with `sealant:`"),
            Self::UnsupportedVersion { found: Some(v) } => write!(
                f,
                "unsupported blob version v{v}: this version of sealant reads v1 and v2 blobs"
            ),
            Self::UnsupportedVersion { found: None } => f.write_str(
                "unsupported blob version: `sealant:` must be followed by `v1:` or `v2:`",
            ),
            Self::Whitespace { at } => write!(
                f,
                "the blob contains whitespace at character {at}; a blob is one token with no spaces or line breaks"
            ),
            Self::Truncated { missing } => {
                write!(f, "the blob is truncated: its {missing} field is missing")
            }
            Self::TrailingData => f.write_str("the blob has trailing data after its ciphertext"),
            Self::Name(e) => write!(f, "invalid name in the blob: {e}"),
            Self::Hex { field, problem } => {
                write!(f, "the {field} field is not lowercase hex: {problem}")
            }
            Self::Length {
                field,
                expected,
                found,
            } => write!(
                f,
                "the {field} field must be {expected} hex digits ({} bytes), found {found}",
                expected / 2
            ),
            Self::CiphertextTooShort { found } => write!(
                f,
                "the ciphertext field is {found} hex digits, shorter than its {}-digit authentication tag alone",
                TAG_LEN * 2
            ),
            Self::Env(e) => write!(f, "invalid environment in the blob: {e}"),
            Self::PayloadTooShort { found } => write!(
                f,
                "the payload is {found} hex digits; a v2 blob's payload has at least {}",
                (crate::KID_LEN + crate::ENC_LEN + crate::V2_NONCE_LEN + TAG_LEN) * 2
            ),
        }
    }
}

impl core::error::Error for BlobError {}

/// The associated data that AES-GCM authenticates for a blob:
/// `sealant:v1:<name>:<kid>`, the blob's text up to its nonce.
///
/// It binds the version, the name and the kid to the ciphertext, so that a
/// blob moved to another name, or relabelled with another kid, fails to
/// open.
pub fn associated_data(name: &str, kid: Kid) -> String {
    alloc::format!("{BLOB_PREFIX}{BLOB_VERSION}:{name}:{kid}")
}

/// The length of the longest associated data: that of a name of
/// [`MAX_NAME_LEN`](crate::MAX_NAME_LEN) bytes.
pub const MAX_ASSOCIATED_DATA_LEN: usize =
    BLOB_PREFIX.len() + BLOB_VERSION.len() + 1 + crate::MAX_NAME_LEN + 1 + KID_LEN * 2;

/// Writes [`associated_data`] into `out` without allocating, and returns
/// it; `None` if `name` is longer than a valid name can be.
pub fn write_associated_data<'out>(
    name: &str,
    kid: Kid,
    out: &'out mut [u8; MAX_ASSOCIATED_DATA_LEN],
) -> Option<&'out [u8]> {
    let parts: [&[u8]; 4] = [
        BLOB_PREFIX.as_bytes(),
        BLOB_VERSION.as_bytes(),
        b":",
        name.as_bytes(),
    ];
    let mut len = 0;
    for part in parts.into_iter().chain([b":".as_slice()]) {
        out.get_mut(len..len + part.len())?.copy_from_slice(part);
        len += part.len();
    }
    let digits = out.get_mut(len..len + KID_LEN * 2)?;
    base16ct::lower::encode(&kid.to_bytes(), digits).ok()?;
    Some(&out[..len + KID_LEN * 2])
}

impl<'a> Blob<'a> {
    /// Assembles a blob from its parts.
    ///
    /// `sealed` is the ciphertext followed by its 16-byte tag.
    pub fn new(
        name: &'a str,
        kid: Kid,
        nonce: [u8; NONCE_LEN],
        sealed: Vec<u8>,
    ) -> Result<Self, BlobError> {
        validate_name(name).map_err(BlobError::Name)?;
        if sealed.len() < TAG_LEN {
            return Err(BlobError::CiphertextTooShort {
                found: sealed.len() * 2,
            });
        }
        Ok(Self {
            name,
            kid,
            nonce,
            sealed,
        })
    }

    /// Parses the canonical text form of a blob.
    ///
    /// The text must be exactly one blob: no surrounding whitespace, lowercase
    /// hex, nothing after the ciphertext.
    pub fn parse(text: &'a str) -> Result<Self, BlobError> {
        let rest = after_version(text, BLOB_VERSION)?;
        if text.len() == BLOB_PREFIX.len() + BLOB_VERSION.len() {
            return Err(BlobError::Truncated {
                missing: Field::Name,
            });
        }

        let mut fields = rest.splitn(5, ':');
        let mut next = |field| fields.next().ok_or(BlobError::Truncated { missing: field });
        let name = next(Field::Name)?;
        let kid = next(Field::Kid)?;
        let nonce = next(Field::Nonce)?;
        let sealed = next(Field::Ciphertext)?;
        if fields.next().is_some() {
            return Err(BlobError::TrailingData);
        }

        validate_name(name).map_err(BlobError::Name)?;
        let kid = Kid::from_bytes(decode_fixed::<KID_LEN>(Field::Kid, kid)?);
        let nonce = decode_fixed::<NONCE_LEN>(Field::Nonce, nonce)?;
        let sealed = decode_ciphertext(sealed, TAG_LEN, |found| BlobError::CiphertextTooShort {
            found,
        })?;
        Ok(Self {
            name,
            kid,
            nonce,
            sealed,
        })
    }

    /// The secret's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The id of the key the blob was sealed with.
    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The AES-GCM nonce.
    pub fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    /// The ciphertext followed by its 16-byte authentication tag.
    pub fn sealed(&self) -> &[u8] {
        &self.sealed
    }

    /// The associated data that binds this blob's version, name and kid; see
    /// [`associated_data`].
    pub fn associated_data(&self) -> String {
        associated_data(self.name, self.kid)
    }
}

/// Checks a blob's whitespace, prefix and version, and returns the text
/// after `sealant:<version>:`. Both versions' parsers start here.
pub(crate) fn after_version<'a>(text: &'a str, version: &str) -> Result<&'a str, BlobError> {
    if let Some(at) = text.chars().position(char::is_whitespace) {
        // A blob with spaces around it is still recognisably a blob;
        // report the whitespace rather than "not a blob".
        return Err(if text.trim_start().starts_with(BLOB_PREFIX) {
            BlobError::Whitespace { at }
        } else {
            BlobError::NotSealed
        });
    }
    let rest = text.strip_prefix(BLOB_PREFIX).ok_or(BlobError::NotSealed)?;
    let (found, rest) = rest.split_once(':').unwrap_or((rest, ""));
    if found != version {
        let found = found.strip_prefix('v').and_then(|n| n.parse().ok());
        return Err(BlobError::UnsupportedVersion { found });
    }
    Ok(rest)
}

/// Decodes the variable-length hex field at the end of a blob (v1's
/// ciphertext, v2's payload), which must hold at least `min_bytes`;
/// `too_short` says so with the number of digits found.
pub(crate) fn decode_ciphertext(
    text: &str,
    min_bytes: usize,
    too_short: impl FnOnce(usize) -> BlobError,
) -> Result<Vec<u8>, BlobError> {
    let hex_error = |problem| BlobError::Hex {
        field: Field::Ciphertext,
        problem,
    };
    hex::check_digits(text).map_err(hex_error)?;
    if text.len() % 2 == 1 {
        return Err(hex_error(HexProblem::OddLength { len: text.len() }));
    }
    if text.len() < min_bytes * 2 {
        return Err(too_short(text.len()));
    }
    let mut bytes = alloc::vec![0u8; text.len() / 2];
    hex::decode_into(text, &mut bytes).expect("the digits were checked and their number is even");
    Ok(bytes)
}

fn decode_fixed<const N: usize>(field: Field, text: &str) -> Result<[u8; N], BlobError> {
    hex::decode_array(text).map_err(|problem| match problem {
        Some(problem) => BlobError::Hex { field, problem },
        None => BlobError::Length {
            field,
            expected: N * 2,
            found: text.len(),
        },
    })
}

impl fmt::Display for Blob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", associated_data(self.name, self.kid))?;
        for byte in self.nonce {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(":")?;
        for byte in &self.sealed {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Blob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blob")
            .field("name", &self.name)
            .field("kid", &self.kid)
            .field("sealed_len", &self.sealed.len())
            .finish_non_exhaustive()
    }
}
