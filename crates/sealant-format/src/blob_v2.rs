//! v2 sealed blobs, sealed to a public key:
//! `sealant:v2:<env>/<name>/<payload>`.
//!
//! The payload is the lowercase hex of `kid ‖ enc ‖ nonce ‖ ciphertext ‖
//! tag`: the recipient's key id (4 bytes), the HPKE encapsulated key (32),
//! a random nonce (16), and the AES-256-GCM ciphertext with its 16-byte
//! tag. The layout keeps a scanner's patterns off the blob: the only `:`
//! follow the fixed `sealant` and `v2`, so no run of digits is ever
//! followed by a `:` (detect-secrets' Telegram rule), and the binary fields
//! form one hex run of variable length, with no fixed-length hex field
//! beside the name (trufflehog's vendor rules).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::env::validate_env;
use crate::name::validate_name;
use crate::{BLOB_PREFIX, BlobError, Field, KID_LEN, Kid, TAG_LEN};

/// The version field of a v2 blob.
pub const BLOB_V2_VERSION: &str = "v2";
/// Length of an HPKE encapsulated key (X25519), in bytes.
pub const ENC_LEN: usize = 32;
/// Length of a v2 blob's random nonce, in bytes.
pub const V2_NONCE_LEN: usize = 16;
/// The HPKE `info` of every v2 encapsulation.
pub const HPKE_INFO: &[u8] = b"sealant:v2";
/// How many bytes a blob exports from its HPKE context: its AES-256 key
/// (32 bytes) then its AES-GCM nonce (12 bytes).
pub const EXPORT_LEN: usize = 44;
/// The fixed part of the payload: kid, encapsulated key, nonce.
const HEADER_LEN: usize = KID_LEN + ENC_LEN + V2_NONCE_LEN;

/// A parsed v2 blob. It holds no plaintext; [`Display`](fmt::Display)
/// prints the one canonical text, which [`BlobV2::parse`] reads back.
#[derive(Clone, PartialEq, Eq)]
pub struct BlobV2<'a> {
    env: &'a str,
    name: &'a str,
    kid: Kid,
    enc: [u8; ENC_LEN],
    nonce: [u8; V2_NONCE_LEN],
    sealed: Vec<u8>,
}

/// The text before a v2 blob's payload, `sealant:v2:<env>/<name>/`. It is
/// the start of the blob's associated data and of its exporter context.
pub fn v2_prefix(env: &str, name: &str) -> String {
    let mut prefix = String::with_capacity(BLOB_PREFIX.len() + 4 + env.len() + name.len());
    prefix.push_str(BLOB_PREFIX);
    prefix.push_str(BLOB_V2_VERSION);
    prefix.push(':');
    prefix.push_str(env);
    prefix.push('/');
    prefix.push_str(name);
    prefix.push('/');
    prefix
}

/// The AES-GCM associated data of a v2 blob: its prefix (version,
/// environment, name), then its kid, encapsulated key and nonce, as bytes.
pub fn associated_data_v2(
    env: &str,
    name: &str,
    kid: Kid,
    enc: &[u8; ENC_LEN],
    nonce: &[u8; V2_NONCE_LEN],
) -> Vec<u8> {
    let mut aad = v2_prefix(env, name).into_bytes();
    aad.extend_from_slice(&kid.to_bytes());
    aad.extend_from_slice(enc);
    aad.extend_from_slice(nonce);
    aad
}

/// The HPKE exporter context of a v2 blob: its prefix (version,
/// environment, name) and its nonce. Each blob's key and GCM nonce are the
/// [`EXPORT_LEN`] bytes exported under it, so blobs that share one
/// encapsulation still have keys of their own.
pub fn exporter_context_v2(env: &str, name: &str, nonce: &[u8; V2_NONCE_LEN]) -> Vec<u8> {
    let mut context = v2_prefix(env, name).into_bytes();
    context.extend_from_slice(nonce);
    context
}

/// The longest associated data of a v2 blob: prefix, longest environment
/// and name, kid, encapsulated key, nonce.
pub const MAX_ASSOCIATED_DATA_V2_LEN: usize = BLOB_PREFIX.len()
    + BLOB_V2_VERSION.len()
    + 1
    + crate::MAX_ENV_LEN
    + 1
    + crate::MAX_NAME_LEN
    + 1
    + KID_LEN
    + ENC_LEN
    + V2_NONCE_LEN;

/// Writes `parts` one after another at the start of `out`; `None` if they
/// do not fit.
fn write_parts<'out>(parts: &[&[u8]], out: &'out mut [u8]) -> Option<&'out [u8]> {
    let mut len = 0;
    for part in parts {
        out.get_mut(len..len + part.len())?.copy_from_slice(part);
        len += part.len();
    }
    Some(&out[..len])
}

/// [`associated_data_v2`] written into `out`, without allocating: an
/// embedded secret's is built on every unseal. `None` if the environment or
/// the name is longer than the format allows.
pub fn write_associated_data_v2<'out>(
    env: &str,
    name: &str,
    kid: Kid,
    enc: &[u8; ENC_LEN],
    nonce: &[u8; V2_NONCE_LEN],
    out: &'out mut [u8; MAX_ASSOCIATED_DATA_V2_LEN],
) -> Option<&'out [u8]> {
    let kid = kid.to_bytes();
    let parts: [&[u8]; 10] = [
        BLOB_PREFIX.as_bytes(),
        BLOB_V2_VERSION.as_bytes(),
        b":",
        env.as_bytes(),
        b"/",
        name.as_bytes(),
        b"/",
        &kid,
        enc,
        nonce,
    ];
    write_parts(&parts, out)
}

/// [`exporter_context_v2`] written into `out`, without allocating.
pub fn write_exporter_context_v2<'out>(
    env: &str,
    name: &str,
    nonce: &[u8; V2_NONCE_LEN],
    out: &'out mut [u8; MAX_ASSOCIATED_DATA_V2_LEN],
) -> Option<&'out [u8]> {
    let parts: [&[u8]; 8] = [
        BLOB_PREFIX.as_bytes(),
        BLOB_V2_VERSION.as_bytes(),
        b":",
        env.as_bytes(),
        b"/",
        name.as_bytes(),
        b"/",
        nonce,
    ];
    write_parts(&parts, out)
}

impl<'a> BlobV2<'a> {
    /// Assembles a blob from its parts; `sealed` is the ciphertext followed
    /// by its 16-byte tag.
    pub fn new(
        env: &'a str,
        name: &'a str,
        kid: Kid,
        enc: [u8; ENC_LEN],
        nonce: [u8; V2_NONCE_LEN],
        sealed: Vec<u8>,
    ) -> Result<Self, BlobError> {
        validate_env(env).map_err(BlobError::Env)?;
        validate_name(name).map_err(BlobError::Name)?;
        if sealed.len() < TAG_LEN {
            return Err(BlobError::CiphertextTooShort {
                found: sealed.len() * 2,
            });
        }
        Ok(Self {
            env,
            name,
            kid,
            enc,
            nonce,
            sealed,
        })
    }

    /// Parses the canonical text of a v2 blob: exactly one blob, lowercase
    /// hex, nothing around it.
    pub fn parse(text: &'a str) -> Result<Self, BlobError> {
        let rest = crate::blob::after_version(text, BLOB_V2_VERSION)?;
        let mut fields = rest.splitn(3, '/');
        let env = fields.next().unwrap_or_default();
        validate_env(env).map_err(BlobError::Env)?;
        let name = fields.next().ok_or(BlobError::Truncated {
            missing: Field::Name,
        })?;
        validate_name(name).map_err(BlobError::Name)?;
        let payload = fields.next().ok_or(BlobError::Truncated {
            missing: Field::Ciphertext,
        })?;
        let mut bytes = crate::blob::decode_ciphertext(payload, HEADER_LEN + TAG_LEN, |found| {
            BlobError::PayloadTooShort { found }
        })?;
        let sealed = bytes.split_off(HEADER_LEN);
        let (kid, rest) = bytes.split_at(KID_LEN);
        let (enc, nonce) = rest.split_at(ENC_LEN);
        Ok(Self {
            env,
            name,
            kid: Kid::from_bytes(kid.try_into().expect("split at KID_LEN")),
            enc: enc.try_into().expect("split at ENC_LEN"),
            nonce: nonce.try_into().expect("the rest of the header"),
            sealed,
        })
    }

    /// The deployment environment the blob is sealed for.
    pub fn env(&self) -> &'a str {
        self.env
    }

    /// The secret's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The id of the public key the blob is sealed to.
    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The HPKE encapsulated key.
    pub fn enc(&self) -> &[u8; ENC_LEN] {
        &self.enc
    }

    /// The blob's random nonce.
    pub fn nonce(&self) -> &[u8; V2_NONCE_LEN] {
        &self.nonce
    }

    /// The ciphertext followed by its 16-byte authentication tag.
    pub fn sealed(&self) -> &[u8] {
        &self.sealed
    }

    /// The blob's AES-GCM associated data; see [`associated_data_v2`].
    pub fn associated_data(&self) -> Vec<u8> {
        associated_data_v2(self.env, self.name, self.kid, &self.enc, &self.nonce)
    }

    /// The blob's HPKE exporter context; see [`exporter_context_v2`].
    pub fn exporter_context(&self) -> Vec<u8> {
        exporter_context_v2(self.env, self.name, &self.nonce)
    }
}

impl fmt::Display for BlobV2<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&v2_prefix(self.env, self.name))?;
        let kid = self.kid.to_bytes();
        let header = kid.iter().chain(&self.enc).chain(&self.nonce);
        for byte in header.chain(&self.sealed) {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BlobV2<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobV2")
            .field("env", &self.env)
            .field("name", &self.name)
            .field("kid", &self.kid)
            .field("sealed_len", &self.sealed.len())
            .finish_non_exhaustive()
    }
}

/// A blob of either version, parsed by the version its text names.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AnyBlob<'a> {
    /// `sealant:v1:...`, sealed with a symmetric key.
    V1(crate::Blob<'a>),
    /// `sealant:v2:...`, sealed to a public key for one environment.
    V2(BlobV2<'a>),
}

impl<'a> AnyBlob<'a> {
    /// Parses a v1 or a v2 blob; any other text fails as
    /// [`Blob::parse`](crate::Blob::parse) says.
    pub fn parse(text: &'a str) -> Result<Self, BlobError> {
        let v2 = text
            .strip_prefix(BLOB_PREFIX)
            .and_then(|rest| rest.strip_prefix(BLOB_V2_VERSION))
            .is_some_and(|rest| rest.starts_with(':'));
        if v2 {
            BlobV2::parse(text).map(Self::V2)
        } else {
            crate::Blob::parse(text).map(Self::V1)
        }
    }

    /// The secret's name.
    pub fn name(&self) -> &'a str {
        match self {
            Self::V1(blob) => blob.name(),
            Self::V2(blob) => blob.name(),
        }
    }

    /// The id of the key it is sealed with (v1) or to (v2).
    pub fn kid(&self) -> Kid {
        match self {
            Self::V1(blob) => blob.kid(),
            Self::V2(blob) => blob.kid(),
        }
    }

    /// The environment of a v2 blob; `None` for v1.
    pub fn env(&self) -> Option<&'a str> {
        match self {
            Self::V1(_) => None,
            Self::V2(blob) => Some(blob.env()),
        }
    }
}

impl fmt::Display for AnyBlob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V1(blob) => blob.fmt(f),
            Self::V2(blob) => blob.fmt(f),
        }
    }
}
