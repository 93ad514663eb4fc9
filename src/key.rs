//! Keys, key rings, and the AEAD that uses them.

use std::fmt;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, Generate, KeyInit};
use aes_gcm::{AesGcm, Tag};

/// AES-256-GCM over the encryption half of AES only: GCM never runs the
/// block cipher backwards, so the decryption key schedule that
/// `aes_gcm::Aes256Gcm` also expands would cost every key load time and
/// memory for nothing.
type Aes256Gcm = AesGcm<aes_gcm::aes::Aes256Enc, U12>;

pub(crate) type Nonce = aes_gcm::aead::Nonce<Aes256Gcm>;
use sealant_format::{Blob, KEY_LEN, Kid, NONCE_LEN, TAG_LEN};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Warning};

/// Domain separation for key ids: a kid is the first four bytes of
/// SHA-256(`KID_CONTEXT` || key).
const KID_CONTEXT: &[u8] = b"sealant-kid-v1:";

/// The first four bytes of SHA-256(`context` || `key`): a key id.
pub(crate) fn kid_of(context: &[u8], key: &[u8]) -> Kid {
    let digest = Sha256::new()
        .chain_update(context)
        .chain_update(key)
        .finalize();
    let mut kid = [0u8; sealant_format::KID_LEN];
    kid.copy_from_slice(&digest[..sealant_format::KID_LEN]);
    Kid::from_bytes(kid)
}

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
        let kid = kid_of(KID_CONTEXT, &bytes[..]);
        Self::with_kid(bytes, kid)
    }

    /// A key whose kid is not its own: a v2 blob's key, derived for that
    /// blob alone, reports errors under the kid of the public key the blob
    /// was sealed to.
    pub(crate) fn with_kid(bytes: Zeroizing<[u8; KEY_LEN]>, kid: Kid) -> Self {
        let cipher = Aes256Gcm::new_from_slice(&bytes[..]).expect("an AES-256 key is 32 bytes");
        Self { kid, cipher, bytes }
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
        self.seal_with_nonce(name, plaintext, &nonce)
    }

    /// Seals with a given nonce. A nonce must never be used twice with one
    /// key, so only [`Key::seal`] and the test vectors call this.
    fn seal_with_nonce(
        &self,
        name: &str,
        plaintext: &[u8],
        nonce: &Nonce,
    ) -> Result<String, Error> {
        let aad = sealant_format::associated_data(name, self.kid);
        let mut buffer = self.encrypt(aad.as_bytes(), nonce, plaintext);
        let mut nonce_bytes = [0u8; NONCE_LEN];
        nonce_bytes.copy_from_slice(nonce);
        let blob = Blob::new(name, self.kid, nonce_bytes, std::mem::take(&mut *buffer))?;
        Ok(blob.to_string())
    }

    /// Encrypts `plaintext`, and returns the ciphertext followed by its tag.
    pub(crate) fn encrypt(
        &self,
        aad: &[u8],
        nonce: &Nonce,
        plaintext: &[u8],
    ) -> Zeroizing<Vec<u8>> {
        let mut buffer = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
        buffer.extend_from_slice(plaintext);
        // The only error AES-GCM reports when sealing is a plaintext over
        // 64 GiB, which no secret is.
        let tag = self
            .cipher
            .encrypt_inout_detached(nonce, aad, buffer.as_mut_slice().into())
            .expect("a secret is far below AES-GCM's 64 GiB limit");
        buffer.extend_from_slice(&tag);
        buffer
    }

    /// Opens the parts of a blob, whose associated data `aad` the caller
    /// built from its name and kid. The caller has checked the kid.
    pub(crate) fn open(
        &self,
        name: &str,
        aad: &[u8],
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
        // Exactly as long as the plaintext, so that turning it into a
        // `Box<str>` below does not reallocate and leave a copy behind.
        let mut buffer = Zeroizing::new(ciphertext.to_vec());
        self.cipher
            .decrypt_inout_detached(
                &Nonce::from(*nonce),
                aad,
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
    /// v2 private keys, which open v2 blobs.
    #[cfg(feature = "v2")]
    pub(crate) identities: Vec<crate::Identity>,
    /// The deployment environment whose blobs to open, when the keys
    /// open more than one (`SEALANT_ENV`).
    #[cfg(feature = "v2")]
    pub(crate) environment: Option<String>,
    /// Key agreements and per-secret keys already done, so that each is
    /// done once.
    #[cfg(feature = "v2")]
    pub(crate) cache: crate::v2::Cache,
    warnings: Vec<Warning>,
}

impl Keyring {
    /// Parses a text holding one or more keys separated by commas or
    /// whitespace (see [`sealant_format::split_keys`]).
    ///
    /// `origin` names where the text came from (`SEALANT_KEY`, a file); it
    /// appears in errors. The same key given twice is kept once; two
    /// different keys with the same kid are an error.
    pub fn parse(origin: impl Into<String>, text: &str) -> Result<Self, Error> {
        let mut ring = Self {
            origin: origin.into(),
            keys: Vec::new(),
            #[cfg(feature = "v2")]
            identities: Vec::new(),
            #[cfg(feature = "v2")]
            environment: None,
            #[cfg(feature = "v2")]
            cache: crate::v2::Cache::default(),
            warnings: Vec::new(),
        };
        let origin = ring.origin.clone();
        for (index, piece) in sealant_format::split_keys(text).enumerate() {
            let malformed = |reason| Error::KeyMalformed {
                origin: origin.clone(),
                position: index + 1,
                reason,
            };
            if piece.starts_with(sealant_format::WRAPPED_PREFIX) {
                #[cfg(any(feature = "vault-transit", feature = "aws-kms"))]
                {
                    // Unwrapped by its key service, then read as the key it
                    // wraps, which must have the kid the line names.
                    let (kid, unwrapped) =
                        crate::wrapped::unwrap_line(piece).map_err(|mut error| {
                            if let Error::KeyService(service) = &mut error {
                                service.origin = Some(origin.clone());
                            }
                            error
                        })?;
                    if !matches!(sealant_format::split_keys(&unwrapped).count(), 1) {
                        return Err(malformed(sealant_format::KeyError::Empty));
                    }
                    let before = ring.kids();
                    ring.add_piece(&unwrapped, &malformed)?;
                    let added: Vec<Kid> = ring
                        .kids()
                        .into_iter()
                        .filter(|k| !before.contains(k))
                        .collect();
                    if added.first().is_some_and(|added| *added != kid) {
                        return Err(Error::WrappedKidMismatch {
                            origin: ring.origin.clone(),
                            wanted: kid,
                            found: added[0],
                        });
                    }
                    continue;
                }
                #[cfg(not(any(feature = "vault-transit", feature = "aws-kms")))]
                return Err(malformed(sealant_format::KeyError::NeedsKeyService));
            }
            ring.add_piece(piece, &malformed)?;
        }
        if ring.kids().is_empty() {
            return Err(Error::KeyEmpty {
                origin: ring.origin,
            });
        }
        Ok(ring)
    }

    /// Adds one key's text: a v1 key or a v2 private key.
    fn add_piece(
        &mut self,
        piece: &str,
        malformed: &dyn Fn(sealant_format::KeyError) -> Error,
    ) -> Result<(), Error> {
        if piece.starts_with(sealant_format::PUBLIC_KEY_PREFIX) {
            return Err(malformed(sealant_format::KeyError::PublicKey));
        }
        if piece.starts_with(sealant_format::PRIVATE_KEY_PREFIX) {
            #[cfg(feature = "v2")]
            {
                let identity = crate::Identity::parse(piece).map_err(malformed)?;
                return self.add_identity(identity, None);
            }
            #[cfg(not(feature = "v2"))]
            return Err(malformed(sealant_format::KeyError::NeedsV2));
        }
        let key = Key::parse(piece).map_err(malformed)?;
        self.add_key(key, None)
    }

    /// Adds a key the ring does not hold yet; the same key again is kept
    /// once, another key of the same kid is an error. `other` names where
    /// the key came from, when not from this ring's origin.
    fn add_key(&mut self, key: Key, other: Option<&str>) -> Result<(), Error> {
        match self.get(key.kid) {
            Some(known) if known.bytes == key.bytes => Ok(()),
            None if !self.kids().contains(&key.kid) => {
                self.keys.push(key);
                Ok(())
            }
            _ => Err(self.collision(key.kid, other)),
        }
    }

    /// As [`Keyring::add_key`], for a v2 private key.
    #[cfg(feature = "v2")]
    fn add_identity(
        &mut self,
        identity: crate::Identity,
        other: Option<&str>,
    ) -> Result<(), Error> {
        let known = self.identities.iter().find(|i| i.kid() == identity.kid());
        match known {
            Some(known) if known.recipient() == identity.recipient() => Ok(()),
            None if !self.kids().contains(&identity.kid()) => {
                self.identities.push(identity);
                Ok(())
            }
            _ => Err(self.collision(identity.kid(), other)),
        }
    }

    fn collision(&self, kid: Kid, other: Option<&str>) -> Error {
        Error::KidCollision {
            origin: match other {
                Some(other) => format!("{} and {other}", self.origin),
                None => self.origin.clone(),
            },
            kid,
        }
    }

    /// The kids of every key the ring holds, v1 and v2.
    pub fn kids(&self) -> Vec<Kid> {
        let kids = self.keys.iter().map(Key::kid);
        #[cfg(feature = "v2")]
        let kids = kids.chain(self.identities.iter().map(crate::Identity::kid));
        kids.collect()
    }

    /// Loads the keys of the key variable `var` from its one source: the
    /// variable itself; the file that `<var>_FILE` names (the Docker and
    /// Kubernetes secrets-mount convention); the standard output of the
    /// command in `<var>_COMMAND` (run with the shell, at most 60 s; a
    /// password manager or cloud CLI); or the systemd credential `<var>`
    /// (`$CREDENTIALS_DIRECTORY/<var>`). Two sources set is an error that
    /// names both. With the `v2` feature, `SEALANT_ENV` selects the
    /// environment (see [`Keyring::select_environment`]).
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

    /// Adds the keys of `other` that this ring does not hold yet, for a
    /// tool that opens blobs with keys from several sources.
    pub fn extend(&mut self, other: Keyring) -> Result<(), Error> {
        for key in other.keys {
            self.add_key(key, Some(&other.origin))?;
        }
        #[cfg(feature = "v2")]
        for identity in other.identities {
            self.add_identity(identity, Some(&other.origin))?;
        }
        self.origin = format!("{} and {}", self.origin, other.origin);
        self.warnings.extend(other.warnings);
        Ok(())
    }

    /// Where the keys were read from, as errors name it.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The loaded v1 keys, in the order they were given. The first one is
    /// the one `cargo sealant seal` uses.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The loaded v2 private keys, in the order they were given.
    #[cfg(feature = "v2")]
    pub fn identities(&self) -> &[crate::Identity] {
        &self.identities
    }

    /// Opens a parsed v2 blob with the private key its kid names. The key
    /// agreement for its encapsulated key is done once per ring: the blobs
    /// of one sealing run share it.
    #[cfg(feature = "v2")]
    pub fn open_v2(&self, blob: &sealant_format::BlobV2<'_>) -> Result<SecretString, Error> {
        self.receiver(blob.name(), blob.kid(), blob.enc())?
            .open(blob)
    }

    /// Opens a parsed blob of either version with the key its kid names.
    #[cfg(feature = "v2")]
    pub fn open_any(&self, blob: &sealant_format::AnyBlob<'_>) -> Result<SecretString, Error> {
        match blob {
            sealant_format::AnyBlob::V1(blob) => self.open(blob),
            sealant_format::AnyBlob::V2(blob) => self.open_v2(blob),
        }
    }

    /// The environment whose blobs this ring opens when its keys open
    /// blobs of several environments of one secret; see
    /// [`Keyring::select_environment`].
    #[cfg(feature = "v2")]
    pub fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    /// Opens only the blobs of environment `env` from now on. A ring loaded
    /// from the environment takes it from `SEALANT_ENV`.
    #[cfg(feature = "v2")]
    pub fn select_environment(&mut self, env: &str) -> Result<(), Error> {
        sealant_format::validate_env(env)?;
        self.environment = Some(env.to_owned());
        self.cache = crate::v2::Cache::default();
        Ok(())
    }

    /// What was risky, though not wrong, about where the keys came from:
    /// for example a key file that other users can read.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    pub(crate) fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }

    /// The key with this kid, if the ring holds it.
    pub fn get(&self, kid: Kid) -> Option<&Key> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    /// Opens a parsed blob with the key its kid names.
    pub fn open(&self, blob: &Blob<'_>) -> Result<SecretString, Error> {
        let mut buffer = [0u8; sealant_format::MAX_ASSOCIATED_DATA_LEN];
        let aad = sealant_format::write_associated_data(blob.name(), blob.kid(), &mut buffer)
            .ok_or_else(|| {
                Error::Name(sealant_format::NameError::TooLong {
                    len: blob.name().len(),
                })
            })?;
        self.open_parts(blob.name(), aad, blob.kid(), blob.nonce(), blob.sealed())
    }

    /// Opens a blob's parts; `aad` is its associated data, as
    /// [`sealant_format::associated_data`] builds it from `name` and `kid`.
    pub(crate) fn open_parts(
        &self,
        name: &str,
        aad: &[u8],
        kid: Kid,
        nonce: &[u8; NONCE_LEN],
        sealed: &[u8],
    ) -> Result<SecretString, Error> {
        let key = self.get(kid).ok_or_else(|| Error::KeyNotFound {
            name: name.to_owned(),
            wanted: kid,
            available: self.kids(),
            origin: self.origin.clone(),
        })?;
        key.open(name, aad, nonce, sealed)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("origin", &self.origin)
            .field("kids", &self.kids())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(any(feature = "vault-transit", feature = "aws-kms")))]
    #[test]
    fn a_wrapped_key_needs_a_key_service_feature() {
        let line = "sealant-wrapped-v1:3fa2c91e:-:transit:AQID:transit/k";
        let error = Keyring::parse("SEALANT_KEY", line).unwrap_err();
        assert!(
            matches!(
                &error,
                Error::KeyMalformed {
                    reason: sealant_format::KeyError::NeedsKeyService,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("`vault-transit`"), "{error}");
        assert!(!error.to_string().contains("AQID"), "{error}");
    }
    use secrecy::ExposeSecret;

    /// Without the `v2` feature, a v2 private key in a list says which
    /// feature it needs; with it, it loads. Both builds run in CI.
    #[test]
    fn a_v2_private_key_needs_the_v2_feature() {
        let text = format!("sealant-private-key-v2:{}", "77".repeat(32));
        let result = Keyring::parse("SEALANT_KEY", &text);
        #[cfg(not(feature = "v2"))]
        assert!(
            matches!(
                result,
                Err(Error::KeyMalformed {
                    reason: sealant_format::KeyError::NeedsV2,
                    ..
                })
            ),
            "{result:?}"
        );
        #[cfg(feature = "v2")]
        assert_eq!(result.unwrap().identities().len(), 1);
    }

    /// The vectors of docs/FORMAT.md, computed by docs/vectors.py with
    /// Python's hashlib and the `cryptography` package's AES-GCM: an
    /// implementation that shares no code with this one.
    /// (key, name, nonce, plaintext, kid, blob)
    const VECTORS: [(&str, &str, &str, &str, &str, &str); 3] = [
        (
            "sealant-key-v1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "API_TOKEN",
            "000102030405060708090a0b",
            "tok_live_123",
            "bf71c3f0",
            "sealant:v1:API_TOKEN:bf71c3f0:000102030405060708090a0b:336dbd44a98cb47ed270a5b898261788add80ca261c4a8650afd7cc5",
        ),
        (
            "sealant-key-v1:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            "db.password-2",
            "a5a5a5a5a5a5a5a5a5a5a5a5",
            "",
            "49b4d3b7",
            "sealant:v1:db.password-2:49b4d3b7:a5a5a5a5a5a5a5a5a5a5a5a5:d47cba81d69a58e620b410666d05f604",
        ),
        (
            "sealant-key-v1:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
            "UNICODE",
            "6465666768696a6b6c6d6e6f",
            "ünïcødé ✓",
            "e7c3cafe",
            "sealant:v1:UNICODE:e7c3cafe:6465666768696a6b6c6d6e6f:76d1e01070d23775b89776f8688b0dc6465ffc6b0fa2434cdb78ce6f5391e8",
        ),
    ];

    #[test]
    fn vectors_seal_and_open() {
        for (key_text, name, nonce, plaintext, kid, blob_text) in VECTORS {
            let key = Key::parse(key_text).unwrap();
            assert_eq!(key.kid().to_string(), kid);
            assert_eq!(*key.expose_text(), key_text);
            let mut nonce_bytes = [0u8; NONCE_LEN];
            base16ct::lower::decode(nonce, &mut nonce_bytes).unwrap();
            let sealed = key
                .seal_with_nonce(name, plaintext.as_bytes(), &Nonce::from(nonce_bytes))
                .unwrap();
            assert_eq!(sealed, blob_text);

            let keyring = Keyring::parse("vector", key_text).unwrap();
            let blob = Blob::parse(blob_text).unwrap();
            assert_eq!(keyring.open(&blob).unwrap().expose_secret(), plaintext);
        }
    }

    /// Flip one byte of each vector's ciphertext or tag: it must not open.
    #[test]
    fn vectors_with_a_flipped_byte_fail() {
        for (key_text, _, _, _, _, blob_text) in VECTORS {
            let keyring = Keyring::parse("vector", key_text).unwrap();
            let blob = Blob::parse(blob_text).unwrap();
            for i in 0..blob.sealed().len() {
                let mut sealed = blob.sealed().to_vec();
                sealed[i] ^= 0x01;
                let tampered = Blob::new(blob.name(), blob.kid(), *blob.nonce(), sealed).unwrap();
                assert!(matches!(
                    keyring.open(&tampered),
                    Err(Error::Authentication { .. })
                ));
            }
        }
    }

    /// A key service's error names where the wrapped key came from: with
    /// no key variable set, that is Sealant.toml's embedded lines, which a
    /// reader of the error would not otherwise think of.
    #[cfg(any(feature = "vault-transit", feature = "aws-kms"))]
    #[test]
    fn a_wrapped_key_that_fails_names_where_it_came_from() {
        let origin = "the wrapped keys of environment production that Sealant.toml embedded";
        let error = Keyring::parse(origin, "sealant-wrapped-v1:not a wrapped key").unwrap_err();
        assert!(
            matches!(&error, Error::KeyService(service) if service.origin.as_deref() == Some(origin))
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("(a wrapped key in {origin})")),
            "{message}"
        );
        // Wrapping, which reads no line, says nothing of one.
        let error = crate::wrapped::wrap("nowhere:key", "sealant-key-v1:00", None).unwrap_err();
        assert!(!error.to_string().contains("wrapped key in"), "{error}");
    }
}
