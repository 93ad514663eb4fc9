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
    /// Every unseal reads its record, so this checks only what makes the
    /// parts safe to use: the lengths, the text around the name (whose
    /// bytes are ASCII `:`, so slicing there is on a char boundary) and the
    /// UTF-8 of the text fields.
    pub fn decode(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (header, rest) = bytes.split_first_chunk::<HEADER_LEN>()?;
        let [
            version,
            aad_len,
            key_var_len,
            l0,
            l1,
            l2,
            l3,
            k0,
            k1,
            k2,
            k3,
            nonce @ ..,
        ] = *header;
        let sealed_len = usize::try_from(u32::from_le_bytes([l0, l1, l2, l3])).ok()?;
        let aad_len = usize::from(aad_len);
        if version != RECORD_VERSION || aad_len < MIN_ASSOCIATED_DATA_LEN || sealed_len < TAG_LEN {
            return None;
        }
        let (associated_data, rest) = rest.split_at_checked(aad_len)?;
        let (key_var, rest) = rest.split_at_checked(usize::from(key_var_len))?;
        let (sealed, rest) = rest.split_at_checked(sealed_len)?;
        let prefix = [BLOB_PREFIX.as_bytes(), BLOB_VERSION.as_bytes(), b":"];
        let mut after_prefix = associated_data;
        for part in prefix {
            after_prefix = after_prefix.strip_prefix(part)?;
        }
        if associated_data[aad_len - NAME_END] != b':' {
            return None;
        }
        let associated_data = core::str::from_utf8(associated_data).ok()?;
        let key_var = match key_var {
            [] => DEFAULT_KEY_VAR,
            named => core::str::from_utf8(named).ok()?,
        };
        let record = Self {
            associated_data,
            key_var,
            kid: [k0, k1, k2, k3],
            nonce,
            sealed,
        };
        Some((record, rest))
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
