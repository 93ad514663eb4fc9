//! v2 key texts: an X25519 key pair.
//!
//! - private key (an *identity*, held by a deployment):
//!   `sealant-private-key-v2:<64 lowercase hex digits>`
//! - public key (a *recipient*, committed in Sealant.toml):
//!   `sealant-public-key-v2:<64 lowercase hex digits>`
//!
//! The prefixes are distinct from each other and from v1's
//! `sealant-key-v1:`, so that one regex finds a leaked private key and
//! matches nothing else.

use alloc::string::String;

use zeroize::Zeroizing;

use crate::KeyError;
use crate::hex;

/// The text every v2 private key starts with.
pub const PRIVATE_KEY_PREFIX: &str = "sealant-private-key-v2:";
/// The text every v2 public key starts with.
pub const PUBLIC_KEY_PREFIX: &str = "sealant-public-key-v2:";
/// Length of an X25519 key, private or public, in bytes.
pub const X25519_LEN: usize = 32;

/// Decodes a v2 private key's text into `out`, which the caller zeroizes.
///
/// Surrounding whitespace is not accepted here; [`crate::split_keys`]
/// splits lists.
pub fn decode_private_key(text: &str, out: &mut [u8; X25519_LEN]) -> Result<(), KeyError> {
    decode(text, PRIVATE_KEY_PREFIX, out)
}

/// Decodes a v2 public key's text.
pub fn decode_public_key(text: &str) -> Result<[u8; X25519_LEN], KeyError> {
    let mut out = [0; X25519_LEN];
    decode(text, PUBLIC_KEY_PREFIX, &mut out)?;
    Ok(out)
}

/// The text of a v2 private key.
pub fn encode_private_key(key: &[u8; X25519_LEN]) -> Zeroizing<String> {
    encode(PRIVATE_KEY_PREFIX, key)
}

/// The text of a v2 public key.
pub fn encode_public_key(key: &[u8; X25519_LEN]) -> String {
    let text = encode(PUBLIC_KEY_PREFIX, key);
    String::from(text.as_str())
}

fn encode(prefix: &str, key: &[u8; X25519_LEN]) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::with_capacity(prefix.len() + X25519_LEN * 2));
    text.push_str(prefix);
    let mut digits = Zeroizing::new([0u8; X25519_LEN * 2]);
    let digits = base16ct::lower::encode_str(key, &mut digits[..])
        .expect("a buffer of twice the key's length holds its hex");
    text.push_str(digits);
    text
}

/// Decodes in constant time for valid input, as v1 keys are.
fn decode(text: &str, prefix: &str, out: &mut [u8; X25519_LEN]) -> Result<(), KeyError> {
    if text.trim().is_empty() {
        return Err(KeyError::Empty);
    }
    let digits = text.strip_prefix(prefix).ok_or(KeyError::MissingPrefix)?;
    hex::decode_into(digits, out).map_err(|problem| match problem {
        Some(problem) => KeyError::Hex(problem),
        None => KeyError::Length {
            found: digits.len(),
        },
    })
}
