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

use crate::{
    BLOB_PREFIX, BLOB_VERSION, BlobV2, ENC_LEN, KID_LEN, NONCE_LEN, TAG_LEN, V2_NONCE_LEN,
};

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

/// The first byte of a record of a v2 item: one or more v2 blobs, one per
/// environment.
pub const RECORD_V2_VERSION: u8 = 2;

/// Per blob of a v2 record: the environment's length, the ciphertext's
/// length, kid, encapsulated key, nonce.
const BLOB_V2_HEADER_LEN: usize = 1 + 4 + KID_LEN + ENC_LEN + V2_NONCE_LEN;

/// One embedded v2 item. Its record is, in this order:
///
/// | bytes | what |
/// |---|---|
/// | 1 | [`RECORD_V2_VERSION`] |
/// | 1 | length of the name |
/// | 1 | length of the key variable, 0 for [`DEFAULT_KEY_VAR`] |
/// | 1 | number of blobs, at least 1 |
/// | … | name, ASCII |
/// | … | key variable, ASCII |
/// | … | each blob, as below |
///
/// and each blob:
///
/// | bytes | what |
/// |---|---|
/// | 1 | length of the environment |
/// | 4 | length of the ciphertext and tag, little-endian |
/// | 4 | kid |
/// | 32 | encapsulated key |
/// | 16 | nonce |
/// | … | environment, ASCII |
/// | … | ciphertext and tag |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordV2<'a> {
    /// The secret's name.
    pub name: &'a str,
    /// The variable whose keys open the secret.
    pub key_var: &'a str,
    /// How many blobs the record holds.
    pub count: u8,
    /// The blobs, encoded as above; [`RecordV2::blobs`] reads them.
    blobs: &'a [u8],
}

/// One blob of a [`RecordV2`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlobParts<'a> {
    /// The deployment environment it is sealed for.
    pub env: &'a str,
    /// The id of the public key it is sealed to.
    pub kid: [u8; KID_LEN],
    /// The HPKE encapsulated key.
    pub enc: &'a [u8; ENC_LEN],
    /// The blob's nonce.
    pub nonce: &'a [u8; V2_NONCE_LEN],
    /// The ciphertext followed by its tag.
    pub sealed: &'a [u8],
}

impl<'a> BlobParts<'a> {
    /// The parts of a parsed blob.
    pub fn of(blob: &'a BlobV2<'a>) -> Self {
        Self {
            env: blob.env(),
            kid: blob.kid().to_bytes(),
            enc: blob.enc(),
            nonce: blob.nonce(),
            sealed: blob.sealed(),
        }
    }

    fn decode(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (header, rest) = bytes.split_first_chunk::<BLOB_V2_HEADER_LEN>()?;
        let (&[env_len, l0, l1, l2, l3, k0, k1, k2, k3], header) =
            header.split_first_chunk::<9>()?;
        let (enc, nonce) = header.split_first_chunk::<ENC_LEN>()?;
        let nonce: &[u8; V2_NONCE_LEN] = nonce.try_into().ok()?;
        let sealed_len = usize::try_from(u32::from_le_bytes([l0, l1, l2, l3])).ok()?;
        if env_len == 0 || sealed_len < TAG_LEN {
            return None;
        }
        let (env, rest) = rest.split_at_checked(usize::from(env_len))?;
        let (sealed, rest) = rest.split_at_checked(sealed_len)?;
        let parts = Self {
            env: core::str::from_utf8(env).ok()?,
            kid: [k0, k1, k2, k3],
            enc,
            nonce,
            sealed,
        };
        Some((parts, rest))
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), RecordTooLong> {
        let env_len = u8::try_from(self.env.len()).map_err(|_| RecordTooLong)?;
        let sealed_len = u32::try_from(self.sealed.len()).map_err(|_| RecordTooLong)?;
        out.push(env_len);
        out.extend_from_slice(&sealed_len.to_le_bytes());
        out.extend_from_slice(&self.kid);
        out.extend_from_slice(self.enc);
        out.extend_from_slice(self.nonce);
        out.extend_from_slice(self.env.as_bytes());
        out.extend_from_slice(self.sealed);
        Ok(())
    }
}

impl<'a> RecordV2<'a> {
    /// The record's bytes for the item `name` whose keys come from
    /// `key_var`, holding `blobs` (at least one, at most 255).
    pub fn encode(
        name: &str,
        key_var: &str,
        blobs: &[BlobParts<'_>],
    ) -> Result<Vec<u8>, RecordTooLong> {
        let key_var = if key_var == DEFAULT_KEY_VAR {
            ""
        } else {
            key_var
        };
        let name_len = u8::try_from(name.len()).map_err(|_| RecordTooLong)?;
        let key_var_len = u8::try_from(key_var.len()).map_err(|_| RecordTooLong)?;
        let count = u8::try_from(blobs.len()).map_err(|_| RecordTooLong)?;
        if count == 0 || name.is_empty() {
            return Err(RecordTooLong);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&[RECORD_V2_VERSION, name_len, key_var_len, count]);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(key_var.as_bytes());
        for blob in blobs {
            blob.encode_into(&mut out)?;
        }
        Ok(out)
    }

    /// Reads the v2 record at the start of `bytes`, and returns it with the
    /// bytes after it; `None` if they do not start with a whole,
    /// well-formed v2 record. Every blob is read, so that
    /// [`RecordV2::blobs`] cannot fail.
    pub fn decode(bytes: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (&[version, name_len, key_var_len, count], rest) = bytes.split_first_chunk::<4>()?;
        if version != RECORD_V2_VERSION || name_len == 0 || count == 0 {
            return None;
        }
        let (name, rest) = rest.split_at_checked(usize::from(name_len))?;
        let (key_var, blobs) = rest.split_at_checked(usize::from(key_var_len))?;
        let mut rest = blobs;
        for _ in 0..count {
            rest = BlobParts::decode(rest)?.1;
        }
        let record = Self {
            name: core::str::from_utf8(name).ok()?,
            key_var: match key_var {
                [] => DEFAULT_KEY_VAR,
                named => core::str::from_utf8(named).ok()?,
            },
            count,
            blobs: &blobs[..blobs.len() - rest.len()],
        };
        Some((record, rest))
    }

    /// The record's blobs, in the order the item lists them.
    pub fn blobs(&self) -> impl Iterator<Item = BlobParts<'a>> + use<'a> {
        let mut rest = self.blobs;
        core::iter::from_fn(move || {
            let (parts, tail) = BlobParts::decode(rest)?;
            rest = tail;
            Some(parts)
        })
    }
}

/// The first byte of every `#[digest]` record (in a link section of its
/// own); never 0.
pub const DIGEST_RECORD_VERSION: u8 = 1;

/// The bytes of a `#[digest]` record: [`DIGEST_RECORD_VERSION`], the
/// name's length, the number of digests, the name, then each digest's
/// text after its length (u16, little-endian). `None` if a part is too
/// long, or there is no digest.
pub fn encode_digest_record(name: &str, digests: &[&str]) -> Option<Vec<u8>> {
    let mut out = alloc::vec![
        DIGEST_RECORD_VERSION,
        u8::try_from(name.len()).ok()?,
        u8::try_from(digests.len())
            .ok()
            .filter(|count| *count > 0)?,
    ];
    out.extend_from_slice(name.as_bytes());
    for text in digests {
        out.extend_from_slice(&u16::try_from(text.len()).ok()?.to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    Some(out)
}

/// A `#[digest]` record at the start of `bytes`: its name and the bytes
/// of its digests (for [`digest_texts`]), and the bytes after it.
#[allow(clippy::type_complexity)]
pub fn decode_digest_record(bytes: &[u8]) -> Option<((&str, &[u8]), &[u8])> {
    let (&[version, name_len, count], rest) = bytes.split_first_chunk::<3>()?;
    if version != DIGEST_RECORD_VERSION || count == 0 {
        return None;
    }
    let (name, digests) = rest.split_at_checked(usize::from(name_len))?;
    let mut end = digests;
    for _ in 0..count {
        let (&[l0, l1], tail) = end.split_first_chunk::<2>()?;
        let (text, tail) = tail.split_at_checked(usize::from(u16::from_le_bytes([l0, l1])))?;
        core::str::from_utf8(text).ok()?;
        end = tail;
    }
    let used = &digests[..digests.len() - end.len()];
    Some(((core::str::from_utf8(name).ok()?, used), end))
}

/// The digest texts of a record's digest bytes.
pub fn digest_texts(mut rest: &[u8]) -> impl Iterator<Item = &str> {
    core::iter::from_fn(move || {
        let (&[l0, l1], tail) = rest.split_first_chunk::<2>()?;
        let (text, tail) = tail.split_at_checked(usize::from(u16::from_le_bytes([l0, l1])))?;
        rest = tail;
        core::str::from_utf8(text).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

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

    /// Environment, kid, encapsulated key, nonce, ciphertext.
    type OwnedBlob = (
        &'static str,
        [u8; KID_LEN],
        [u8; ENC_LEN],
        [u8; V2_NONCE_LEN],
        Vec<u8>,
    );

    fn v2_blobs() -> [OwnedBlob; 2] {
        [
            (
                "production",
                [1, 2, 3, 4],
                [5; ENC_LEN],
                [6; V2_NONCE_LEN],
                vec![7; TAG_LEN + 2],
            ),
            (
                "staging",
                [9, 9, 9, 9],
                [8; ENC_LEN],
                [7; V2_NONCE_LEN],
                vec![6; TAG_LEN],
            ),
        ]
    }

    #[test]
    fn v2_round_trip_and_rest() {
        let owned = v2_blobs();
        let parts: Vec<BlobParts<'_>> = owned
            .iter()
            .map(|(env, kid, enc, nonce, sealed)| BlobParts {
                env,
                kid: *kid,
                enc,
                nonce,
                sealed,
            })
            .collect();
        for key_var in [DEFAULT_KEY_VAR, "PAYMENTS_KEY"] {
            let mut bytes = RecordV2::encode("STRIPE_API_KEY", key_var, &parts).unwrap();
            bytes.extend_from_slice(&[0, RECORD_V2_VERSION]);
            let (record, rest) = RecordV2::decode(&bytes).unwrap();
            assert_eq!(rest, [0, RECORD_V2_VERSION]);
            assert_eq!(
                (record.name, record.key_var, record.count),
                ("STRIPE_API_KEY", key_var, 2)
            );
            assert_eq!(record.blobs().collect::<Vec<_>>(), parts);
        }
        // A v1 record is not a v2 one, and the other way round.
        let bytes = RecordV2::encode("A", DEFAULT_KEY_VAR, &parts[..1]).unwrap();
        assert_eq!(Record::decode(&bytes), None);
        let aad = associated_data("A", Kid::from_bytes([0; 4]));
        assert_eq!(RecordV2::decode(&record(&aad).encode().unwrap()), None);
    }

    #[test]
    fn v2_every_truncation_and_bad_header_is_refused() {
        let owned = v2_blobs();
        let parts: Vec<BlobParts<'_>> = owned
            .iter()
            .map(|(env, kid, enc, nonce, sealed)| BlobParts {
                env,
                kid: *kid,
                enc,
                nonce,
                sealed,
            })
            .collect();
        let bytes = RecordV2::encode("DB_PASSWORD", "APP_KEY", &parts).unwrap();
        for len in 0..bytes.len() {
            assert_eq!(RecordV2::decode(&bytes[..len]), None, "truncated to {len}");
        }
        let mut no_blobs = bytes.clone();
        no_blobs[3] = 0;
        assert_eq!(RecordV2::decode(&no_blobs), None);
        let mut no_name = bytes.clone();
        no_name[1] = 0;
        assert_eq!(RecordV2::decode(&no_name), None);
        assert_eq!(RecordV2::encode("A", "", &[]), Err(RecordTooLong));
        let long = "e".repeat(256);
        let too_long = BlobParts {
            env: &long,
            ..parts[0]
        };
        assert_eq!(RecordV2::encode("A", "", &[too_long]), Err(RecordTooLong));
    }
}
