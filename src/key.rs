//! Keys, key rings, and the AEAD that uses them.

use std::fmt;

use aes_gcm::aead::{AeadInOut, Generate, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use sealant_format::{Blob, KEY_LEN, Kid, NONCE_LEN, TAG_LEN};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::Error;

/// Domain separation for key ids: a kid is the first four bytes of
/// SHA-256(`KID_CONTEXT` || key).
const KID_CONTEXT: &[u8] = b"sealant-kid-v1:";

/// One AES-256-GCM key, ready to seal and open blobs.
///
/// The key schedule is computed once, when the key is loaded, and both it
/// and the key bytes are zeroized when the `Key` is dropped. `Debug` shows
/// the kid only.
pub struct Key {
    kid: Kid,
    cipher: Aes256Gcm,
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl Key {
    /// Makes a new key from the operating system's secure random number
    /// generator.
    pub fn generate() -> Result<Self, Error> {
        let mut fresh = aes_gcm::Key::<Aes256Gcm>::try_generate().map_err(|_| Error::Rng)?;
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&fresh);
        fresh.as_mut_slice().zeroize();
        Ok(Self::from_bytes(bytes))
    }

    /// Parses one key's text, `sealant-key-v1:<64 lowercase hex digits>`.
    pub fn parse(text: &str) -> Result<Self, sealant_format::KeyError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        sealant_format::decode_key(text, &mut bytes)?;
        Ok(Self::from_bytes(bytes))
    }

    fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        let digest = Sha256::new()
            .chain_update(KID_CONTEXT)
            .chain_update(&bytes[..])
            .finalize();
        let mut kid = [0u8; sealant_format::KID_LEN];
        kid.copy_from_slice(&digest[..sealant_format::KID_LEN]);
        let cipher = Aes256Gcm::new_from_slice(&bytes[..]).expect("an AES-256 key is 32 bytes");
        Self {
            kid: Kid::from_bytes(kid),
            cipher,
            bytes,
        }
    }

    /// This key's id.
    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// The key's text, `sealant-key-v1:<64 hex digits>`, in memory that is
    /// zeroized when dropped. Only `cargo sealant keygen` should print it.
    pub fn expose_text(&self) -> Zeroizing<String> {
        sealant_format::encode_key(&self.bytes)
    }

    /// Seals `plaintext` under the secret name `name` with a fresh random
    /// nonce, and returns the blob's text.
    pub fn seal(&self, name: &str, plaintext: &[u8]) -> Result<String, Error> {
        sealant_format::validate_name(name)?;
        let nonce = Nonce::try_generate().map_err(|_| Error::Rng)?;
        let aad = sealant_format::associated_data(name, self.kid);
        let mut buffer = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
        buffer.extend_from_slice(plaintext);
        // The only error AES-GCM reports when sealing is a plaintext over
        // 64 GiB, which no secret is.
        let tag = self
            .cipher
            .encrypt_inout_detached(&nonce, aad.as_bytes(), buffer.as_mut_slice().into())
            .expect("a secret is far below AES-GCM's 64 GiB limit");
        buffer.extend_from_slice(&tag);
        let mut nonce_bytes = [0u8; NONCE_LEN];
        nonce_bytes.copy_from_slice(&nonce);
        let blob = Blob::new(name, self.kid, nonce_bytes, std::mem::take(&mut *buffer))?;
        Ok(blob.to_string())
    }

    /// Opens the parts of a blob. The caller has checked the kid.
    pub(crate) fn open(
        &self,
        name: &str,
        nonce: &[u8; NONCE_LEN],
        sealed: &[u8],
    ) -> Result<SecretString, Error> {
        let authentication = || Error::Authentication {
            name: name.to_owned(),
            kid: self.kid,
        };
        let split = sealed
            .len()
            .checked_sub(TAG_LEN)
            .ok_or_else(authentication)?;
        let (ciphertext, tag) = sealed.split_at(split);
        let aad = sealant_format::associated_data(name, self.kid);
        // Exactly as long as the plaintext, so that turning it into a
        // `Box<str>` below does not reallocate and leave a copy behind.
        let mut buffer = Zeroizing::new(ciphertext.to_vec());
        self.cipher
            .decrypt_inout_detached(
                &Nonce::from(*nonce),
                aad.as_bytes(),
                buffer.as_mut_slice().into(),
                &Tag::try_from(tag).expect("split at the tag's length"),
            )
            .map_err(|_| authentication())?;
        match String::from_utf8(std::mem::take(&mut *buffer)) {
            Ok(plaintext) => Ok(SecretString::from(plaintext)),
            Err(not_utf8) => {
                not_utf8.into_bytes().zeroize();
                Err(Error::NotUtf8 {
                    name: name.to_owned(),
                })
            }
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The keys one service holds, as loaded from one key source.
///
/// A ring holds several keys during a rotation: blobs sealed under the old
/// key and under the new one both open. `Debug` shows the kids only.
pub struct Keyring {
    origin: String,
    keys: Vec<Key>,
}

impl Keyring {
    /// Parses a text holding one or more keys separated by commas or
    /// whitespace (see [`sealant_format::split_keys`]).
    ///
    /// `origin` names where the text came from (`SEALANT_KEY`, a file); it
    /// appears in errors. The same key given twice is kept once; two
    /// different keys with the same kid are an error.
    pub fn parse(origin: impl Into<String>, text: &str) -> Result<Self, Error> {
        let origin = origin.into();
        let mut keys: Vec<Key> = Vec::new();
        for (index, piece) in sealant_format::split_keys(text).enumerate() {
            let key = Key::parse(piece).map_err(|reason| Error::KeyMalformed {
                origin: origin.clone(),
                position: index + 1,
                reason,
            })?;
            match keys.iter().find(|known| known.kid == key.kid) {
                Some(known) if known.bytes == key.bytes => {}
                Some(_) => {
                    return Err(Error::KidCollision {
                        origin,
                        kid: key.kid,
                    });
                }
                None => keys.push(key),
            }
        }
        if keys.is_empty() {
            return Err(Error::KeyEmpty { origin });
        }
        Ok(Self { origin, keys })
    }

    /// Loads the keys from the environment variable `var`, or from the file
    /// that `<var>_FILE` names (the Docker and Kubernetes secrets-mount
    /// convention). Setting both is an error.
    pub fn from_env(var: &str) -> Result<Self, Error> {
        use crate::source::KeySource;
        crate::source::Env::new(var).load()
    }

    /// Loads the keys in a file: one or more keys separated by commas or
    /// whitespace, as [`Keyring::parse`] reads them.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        crate::source::read_file(path, path.display().to_string())
    }

    /// Where the keys were read from, as errors name it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The loaded keys, in the order they were given. The first one is the
    /// one `cargo sealant seal` uses.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The key with this kid, if the ring holds it.
    pub fn get(&self, kid: Kid) -> Option<&Key> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    /// Opens a parsed blob with the key its kid names.
    pub fn open(&self, blob: &Blob<'_>) -> Result<SecretString, Error> {
        self.open_parts(blob.name(), blob.kid(), blob.nonce(), blob.sealed())
    }

    pub(crate) fn open_parts(
        &self,
        name: &str,
        kid: Kid,
        nonce: &[u8; NONCE_LEN],
        sealed: &[u8],
    ) -> Result<SecretString, Error> {
        let key = self.get(kid).ok_or_else(|| Error::KeyNotFound {
            name: name.to_owned(),
            wanted: kid,
            available: self.keys.iter().map(Key::kid).collect(),
            origin: self.origin.clone(),
        })?;
        key.open(name, nonce, sealed)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("origin", &self.origin)
            .field("kids", &self.keys.iter().map(Key::kid).collect::<Vec<_>>())
            .finish()
    }
}
