//! The text formats of [Sealant](https://docs.rs/sealant): sealed blobs and
//! keys.
//!
//! This crate is the one parser and printer of both formats. The
//! `#[secret]` macro, the runtime and the `cargo sealant` CLI all call it, so
//! that a blob the CLI prints is exactly what the macro accepts and the
//! runtime opens. It does no I/O and no cryptography: it checks structure
//! (prefix, version, name, lengths, lowercase hex) and converts between text
//! and bytes. `docs/FORMAT.md` in the repository describes both formats with
//! test vectors.
//!
//! # Example
//!
//! ```
//! use sealant_format::Blob;
//!
//! let text = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:\
//!             00112233445566778899aabbccddeeff0011";
//! let blob = Blob::parse(text)?;
//! assert_eq!(blob.name(), "API_TOKEN");
//! assert_eq!(blob.kid().to_string(), "3fa2c91e");
//! assert_eq!(blob.sealed().len(), 18); // 2 bytes of ciphertext, 16 of tag
//! assert_eq!(blob.to_string(), text); // printing is canonical
//! # Ok::<(), sealant_format::BlobError>(())
//! ```
//!
//! # Security
//!
//! No error of this crate carries or prints the text it rejected: a
//! rejected "blob" may be a plaintext secret pasted in the wrong place, and
//! a rejected key is key material. Errors name the field and the position
//! of the problem instead. Decoded key bytes are written into a buffer that
//! the caller owns (and should zeroize); encoded keys are returned in
//! [`zeroize::Zeroizing`] strings.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod blob;
mod blob_v2;
mod digest;
mod env;
mod hex;
mod key;
mod keys_v2;
mod kid;
mod name;
#[doc(hidden)]
pub mod record;
mod wrapped;

pub use crate::blob::{
    Blob, BlobError, Field, MAX_ASSOCIATED_DATA_LEN, associated_data, write_associated_data,
};
pub use crate::blob_v2::{
    AnyBlob, BLOB_V2_VERSION, BlobV2, ENC_LEN, EXPORT_LEN, HPKE_INFO, MAX_ASSOCIATED_DATA_V2_LEN,
    V2_NONCE_LEN, associated_data_v2, exporter_context_v2, v2_prefix, write_associated_data_v2,
    write_exporter_context_v2,
};
pub use crate::digest::{
    ARGON2_BOUNDS, DIGEST_PREFIX, DigestError, DigestText, MAX_PREFIX_LEN, TOKEN_BODY_HEX,
    TOKEN_CHECK_LEN, TOKEN_ID_LEN, TOKEN_MAC_LEN, TOKEN_SALT_LEN, TOKEN_SECRET_LEN, Token,
    encode_token, encode_token_digest, validate_prefix,
};
pub use crate::env::{EnvError, MAX_ENV_LEN, validate_env};
pub use crate::hex::HexProblem;
pub use crate::key::{KeyError, decode_key, encode_key, split_keys};
pub use crate::keys_v2::{
    PRIVATE_KEY_PREFIX, PUBLIC_KEY_PREFIX, X25519_LEN, decode_private_key, decode_public_key,
    encode_private_key, encode_public_key,
};
pub use crate::kid::{Kid, KidError};
pub use crate::name::{NameError, validate_name};
pub use crate::wrapped::{
    Provider, WRAPPED_PREFIX, WrappedError, WrappedKey, context as wrapped_context,
    kms_encryption_context,
};

/// The text every blob starts with: `sealant:`.
pub const BLOB_PREFIX: &str = "sealant:";
/// The only blob version this crate reads and writes.
pub const BLOB_VERSION: &str = "v1";
/// The text every key starts with; a leak scanner can match on it.
pub const KEY_PREFIX: &str = "sealant-key-v1:";
/// Length of a key in bytes (AES-256).
pub const KEY_LEN: usize = 32;
/// Length of a key id in bytes.
pub const KID_LEN: usize = 4;
/// Length of an AES-GCM nonce in bytes.
pub const NONCE_LEN: usize = 12;
/// Length of an AES-GCM authentication tag in bytes.
pub const TAG_LEN: usize = 16;
/// Longest secret name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 128;
