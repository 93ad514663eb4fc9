//! The bytes in which `#[secret]` embeds a checked blob in a binary.
//!
//! This is not a stable format: it is the private contract between
//! `sealant-macros`, which writes records at compile time, and `sealant`,
//! which reads them at run time. The two are released together and
//! `sealant` depends on the exact version of `sealant-macros`.
//!
//! A record is, in this order:
//!
//! | bytes | what |
//! |---|---|
//! | 1 | [`RECORD_VERSION`] |
//! | 1 | length of the associated data |
//! | 1 | length of the key variable, 0 for [`DEFAULT_KEY_VAR`] |
//! | 4 | length of the ciphertext and tag, little-endian |
//! | 4 | kid |
//! | 12 | nonce |
//! | … | associated data: `sealant:v1:<name>:<kid>`, ASCII |
//! | … | key variable, ASCII |
//! | … | ciphertext and tag |
//!
//! Every macro expansion adds one record to one link section, and the
//! runtime walks that section record by record. The records hold no
//! pointers, so a binary needs no relocations for them. A linker may pad
//! between them with zero bytes, which is why no record starts with 0.

use alloc::vec::Vec;

use crate::{BLOB_PREFIX, BLOB_VERSION, KID_LEN, NONCE_LEN, TAG_LEN};

/// The first byte of every record; never 0.
pub const RECORD_VERSION: u8 = 1;

/// The key variable of a record that names none.
pub const DEFAULT_KEY_VAR: &str = "SEALANT_KEY";

/// Where the name starts in the associated data: after `sealant:v1:`.
pub const NAME_START: usize = BLOB_PREFIX.len() + BLOB_VERSION.len() + 1;
/// How far before the end of the associated data the name stops: `:<kid>`.
pub const NAME_END: usize = 1 + KID_LEN * 2;

/// Version, two one-byte lengths, the ciphertext's length, kid, nonce.
const HEADER_LEN: usize = 1 + 1 + 1 + 4 + KID_LEN + NONCE_LEN;

/// The shortest associated data: `sealant:v1:` + a one-byte name +
/// `:<kid>`.
const MIN_ASSOCIATED_DATA_LEN: usize = NAME_START + 1 + NAME_END;

/// One embedded secret: the parts of a checked blob, and its key variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// `sealant:v1:<name>:<kid>`, as [`associated_data`](crate::associated_data) builds it.
    pub associated_data: &'a str,
    /// The variable whose keys open the secret.
    pub key_var: &'a str,
    /// The id of the key the secret was sealed with.
    pub kid: [u8; KID_LEN],
    /// The AES-GCM nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The ciphertext followed by its tag.
    pub sealed: &'a [u8],
}

/// Why [`Record::encode`] refused: a part is too long for its length field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordTooLong;

impl<'a> Record<'a> {
    /// The record's bytes. A key variable equal to [`DEFAULT_KEY_VAR`] is
    /// stored as empty.
    pub fn encode(&self) -> Result<Vec<u8>, RecordTooLong> {
        let key_var = if self.key_var == DEFAULT_KEY_VAR {
            ""
        } else {
            self.key_var
        };
        let aad_len = u8::try_from(self.associated_data.len()).map_err(|_| RecordTooLong)?;
        let key_var_len = u8::try_from(key_var.len()).map_err(|_| RecordTooLong)?;
        let sealed_len = u32::try_from(self.sealed.len()).map_err(|_| RecordTooLong)?;
        let mut out = Vec::with_capacity(
            HEADER_LEN + self.associated_data.len() + key_var.len() + self.sealed.len(),
        );
        out.extend_from_slice(&[RECORD_VERSION, aad_len, key_var_len]);
        out.extend_from_slice(&sealed_len.to_le_bytes());
        out.extend_from_slice(&self.kid);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(self.associated_data.as_bytes());
        out.extend_from_slice(key_var.as_bytes());
        out.extend_from_slice(self.sealed);
        Ok(out)
    }

    /// The secret's name: the associated data between `sealant:v1:` and
    /// `:<kid>`.
    pub fn name(&self) -> &'a str {
        let end = self.associated_data.len() - NAME_END;
        &self.associated_data[NAME_START..end]
    }

    /// Reads the record at the start of `bytes`, and returns it with the
    /// bytes after it; `None` if they do not start with a whole, well-formed
    /// record.
    ///
    /// A `const fn`, so that a malformed record fails the build.
    pub const fn decode(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let Some((header, rest)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return None;
        };
        if header[0] != RECORD_VERSION {
            return None;
        }
        let aad_len = header[1] as usize;
        let key_var_len = header[2] as usize;
        let sealed_len = u32::from_le_bytes([header[3], header[4], header[5], header[6]]) as usize;
        let kid = [header[7], header[8], header[9], header[10]];
        let mut nonce = [0; NONCE_LEN];
        let mut i = 0;
        while i < NONCE_LEN {
            nonce[i] = header[HEADER_LEN - NONCE_LEN + i];
            i += 1;
        }
        if aad_len < MIN_ASSOCIATED_DATA_LEN || sealed_len < TAG_LEN || rest.len() < aad_len {
            return None;
        }
        let (associated_data, rest) = rest.split_at(aad_len);
        if rest.len() < key_var_len {
            return None;
        }
        let (key_var, rest) = rest.split_at(key_var_len);
        if rest.len() < sealed_len {
            return None;
        }
        let (sealed, rest) = rest.split_at(sealed_len);
        if !has_name_between(associated_data) {
            return None;
        }
        // ASCII, so that slicing the name out of it is always on a boundary.
        let (Some(associated_data), Some(key_var)) = (ascii(associated_data), ascii(key_var))
        else {
            return None;
        };
        let key_var = if key_var.is_empty() {
            DEFAULT_KEY_VAR
        } else {
            key_var
        };
        let record = Self {
            associated_data,
            key_var,
            kid,
            nonce,
            sealed,
        };
        Some((record, rest))
    }
}

/// Whether `aad` is `sealant:v1:` and `:` around something, where a name
/// and a kid go; the macro wrote the rest from a checked blob.
const fn has_name_between(aad: &[u8]) -> bool {
    let (start, end) = (BLOB_PREFIX.as_bytes(), BLOB_VERSION.as_bytes());
    let mut i = 0;
    while i < start.len() {
        if aad[i] != start[i] {
            return false;
        }
        i += 1;
    }
    let mut j = 0;
    while j < end.len() {
        if aad[start.len() + j] != end[j] {
            return false;
        }
        j += 1;
    }
    aad[NAME_START - 1] == b':' && aad[aad.len() - NAME_END] == b':'
}

const fn ascii(bytes: &[u8]) -> Option<&str> {
    if !bytes.is_ascii() {
        return None;
    }
    match core::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kid, associated_data};

    fn record(aad: &str) -> Record<'_> {
        Record {
            associated_data: aad,
            key_var: "APP_KEY",
            kid: [1, 2, 3, 4],
            nonce: [7; NONCE_LEN],
            sealed: &[9; TAG_LEN + 3],
        }
    }

    #[test]
    fn round_trip_and_rest() {
        let aad = associated_data("API_TOKEN", Kid::from_bytes([1, 2, 3, 4]));
        let record = record(&aad);
        let mut bytes = record.encode().unwrap();
        let len = bytes.len();
        assert_eq!(len, HEADER_LEN + aad.len() + "APP_KEY".len() + TAG_LEN + 3);
        bytes.extend_from_slice(&[0, 0, RECORD_VERSION]);
        let (decoded, rest) = Record::decode(&bytes).unwrap();
        assert_eq!(decoded, record);
        assert_eq!(rest, [0, 0, RECORD_VERSION]);
        assert_eq!(
            &decoded.associated_data[NAME_START..aad.len() - NAME_END],
            "API_TOKEN"
        );
    }

    #[test]
    fn default_key_var_is_stored_empty() {
        let aad = associated_data("A", Kid::from_bytes([0; 4]));
        let record = Record {
            key_var: DEFAULT_KEY_VAR,
            ..record(&aad)
        };
        let bytes = record.encode().unwrap();
        assert_eq!(bytes[2], 0);
        assert_eq!(Record::decode(&bytes).unwrap().0.key_var, DEFAULT_KEY_VAR);
    }

    #[test]
    fn every_truncation_and_bad_header_is_refused() {
        let aad = associated_data("DB_PASSWORD", Kid::from_bytes([5; 4]));
        let bytes = record(&aad).encode().unwrap();
        for len in 0..bytes.len() {
            assert_eq!(Record::decode(&bytes[..len]), None, "truncated to {len}");
        }
        let mut bad_version = bytes.clone();
        bad_version[0] = 0;
        assert_eq!(Record::decode(&bad_version), None);
        let mut short_aad = bytes.clone();
        short_aad[1] = 3;
        assert_eq!(Record::decode(&short_aad), None);
        let mut short_tag = bytes.clone();
        short_tag[3..7].copy_from_slice(&(TAG_LEN as u32 - 1).to_le_bytes());
        assert_eq!(Record::decode(&short_tag), None);
        let mut no_prefix = bytes.clone();
        no_prefix[HEADER_LEN + 1] = b'E';
        assert_eq!(Record::decode(&no_prefix), None);
        let mut not_ascii = bytes;
        not_ascii[HEADER_LEN + 12] = 0xc3;
        assert_eq!(Record::decode(&not_ascii), None);
    }

    #[test]
    fn parts_too_long_for_their_field_are_refused() {
        let long = "A".repeat(256);
        assert_eq!(record(&long).encode(), Err(RecordTooLong));
        let aad = associated_data("A", Kid::from_bytes([0; 4]));
        let var = "V".repeat(256);
        let record = Record {
            key_var: &var,
            ..record(&aad)
        };
        assert_eq!(record.encode(), Err(RecordTooLong));
    }
}
