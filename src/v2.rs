//! Public-key (v2) sealing: a [`Recipient`] (public key, committed) seals,
//! only its [`Identity`] (private key, held by a deployment) opens.
//!
//! The construction is RFC 9180 HPKE in base mode with DHKEM(X25519,
//! HKDF-SHA256), HKDF-SHA256 and the export-only AEAD, through the `hpke`
//! crate. A blob's AES-256-GCM key and nonce are exported from the HPKE
//! context under a context that binds the secret's environment, name and a
//! fresh random nonce; the AEAD's associated data binds the version,
//! environment, name, kid, encapsulated key and nonce
//! (`sealant_format::associated_data_v2`). One encapsulation may seal many
//! blobs ([`Recipient::sealer`]): each still gets a key of its own.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use hpke::aead::ExportOnlyAead;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable as _, OpModeR, OpModeS, Serializable as _};
use sealant_format::{
    BlobV2, ENC_LEN, EXPORT_LEN, HPKE_INFO, KEY_LEN, KeyError, Kid, MAX_ASSOCIATED_DATA_V2_LEN,
    NONCE_LEN, V2_NONCE_LEN, X25519_LEN,
};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::key::{Key, Nonce, kid_of};
use crate::sealed::{Keep, Opening};
use crate::{Error, Keyring};
use sealant_format::record::{BlobParts, RecordV2};

type Kem = X25519HkdfSha256;
type PrivateKey = <Kem as hpke::Kem>::PrivateKey;
type SenderContext = hpke::aead::AeadCtxS<ExportOnlyAead, HkdfSha256, Kem>;
type ReceiverContext = hpke::aead::AeadCtxR<ExportOnlyAead, HkdfSha256, Kem>;

/// Domain separation for v2 key ids: a kid is the first four bytes of
/// SHA-256(`KID_CONTEXT_V2` || public key), apart from v1 kids.
const KID_CONTEXT_V2: &[u8] = b"sealant-kid-v2:";

/// A v2 public key: whoever holds it can seal a secret that only the
/// matching [`Identity`] opens. It is not secret; Sealant.toml commits it.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipient {
    public: [u8; X25519_LEN],
    kid: Kid,
}

impl Recipient {
    /// Parses `sealant-public-key-v2:<64 lowercase hex digits>`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        Ok(Self::from_bytes(sealant_format::decode_public_key(text)?))
    }

    fn from_bytes(public: [u8; X25519_LEN]) -> Self {
        Self {
            kid: kid_of(KID_CONTEXT_V2, &public),
            public,
        }
    }

    /// This key's id, which every blob sealed to it names.
    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// Seals `plaintext` as the secret `name` of environment `env`, with an
    /// encapsulation of its own, and returns the blob's text.
    pub fn seal(&self, env: &str, name: &str, plaintext: &[u8]) -> Result<String, Error> {
        self.sealer(env)?.seal(name, plaintext)
    }

    /// One encapsulation to this key, for sealing many secrets of `env` in
    /// one run: the receiver then does one key agreement for all of them.
    /// The ephemeral private key lives only inside the call.
    pub fn sealer(&self, env: &str) -> Result<Sealer, Error> {
        let mut ikm = Zeroizing::new([0u8; X25519_LEN]);
        getrandom::fill(&mut ikm[..]).map_err(|_| Error::Rng)?;
        self.sealer_from_ikm(env, ikm)
    }

    /// An encapsulation whose ephemeral key pair is derived from `ikm`
    /// (RFC 9180's DeriveKeyPair). Fresh random `ikm` outside the tests.
    fn sealer_from_ikm(
        &self,
        env: &str,
        ikm: Zeroizing<[u8; X25519_LEN]>,
    ) -> Result<Sealer, Error> {
        sealant_format::validate_env(env)?;
        let public = <Kem as hpke::Kem>::PublicKey::from_bytes(&self.public)
            .map_err(|_| Error::RecipientRejected { kid: self.kid })?;
        let (encapped, context) = hpke::setup_sender_with_rng::<ExportOnlyAead, HkdfSha256, Kem>(
            &OpModeS::Base,
            &public,
            HPKE_INFO,
            &mut OneSeed(Some(ikm)),
        )
        .map_err(|_| Error::RecipientRejected { kid: self.kid })?;
        let mut enc = [0u8; ENC_LEN];
        enc.copy_from_slice(&encapped.to_bytes());
        Ok(Sealer {
            env: env.to_owned(),
            kid: self.kid,
            enc,
            context,
        })
    }
}

impl fmt::Display for Recipient {
    /// The public key's text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sealant_format::encode_public_key(&self.public))
    }
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// An HPKE sender context for one environment of one [`Recipient`]: it
/// seals any number of secrets under one encapsulated key.
pub struct Sealer {
    env: String,
    kid: Kid,
    enc: [u8; ENC_LEN],
    context: SenderContext,
}

impl Sealer {
    /// Seals `plaintext` as the secret `name`, with a fresh random nonce.
    pub fn seal(&self, name: &str, plaintext: &[u8]) -> Result<String, Error> {
        let mut nonce = [0u8; V2_NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| Error::Rng)?;
        self.seal_with_nonce(name, plaintext, nonce)
    }

    /// Seals with a given nonce; a nonce is never used twice, so only
    /// [`Sealer::seal`] and the test vectors call this.
    fn seal_with_nonce(
        &self,
        name: &str,
        plaintext: &[u8],
        nonce: [u8; V2_NONCE_LEN],
    ) -> Result<String, Error> {
        sealant_format::validate_name(name)?;
        let context = sealant_format::exporter_context_v2(&self.env, name, &nonce);
        let (key, gcm_nonce) = export_key(|out| self.context.export(&context, out));
        let key = Key::with_kid(key, self.kid);
        let aad = sealant_format::associated_data_v2(&self.env, name, self.kid, &self.enc, &nonce);
        let mut sealed = key.encrypt(&aad, &Nonce::from(gcm_nonce), plaintext);
        let blob = BlobV2::new(
            &self.env,
            name,
            self.kid,
            self.enc,
            nonce,
            std::mem::take(&mut *sealed),
        )?;
        Ok(blob.to_string())
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("env", &self.env)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A v2 private key: it opens what was sealed to its [`Recipient`]. Its
/// bytes are zeroized on drop; `Debug` shows the kid only.
pub struct Identity {
    private: PrivateKey,
    /// The key as given, for its text: `hpke` holds it clamped.
    bytes: Zeroizing<[u8; X25519_LEN]>,
    recipient: Recipient,
}

impl Identity {
    /// Makes a new key pair from the operating system's secure random
    /// number generator.
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = Zeroizing::new([0u8; X25519_LEN]);
        getrandom::fill(&mut bytes[..]).map_err(|_| Error::Rng)?;
        Ok(Self::from_bytes(bytes))
    }

    /// Parses `sealant-private-key-v2:<64 lowercase hex digits>`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new([0u8; X25519_LEN]);
        sealant_format::decode_private_key(text, &mut bytes)?;
        Ok(Self::from_bytes(bytes))
    }

    fn from_bytes(bytes: Zeroizing<[u8; X25519_LEN]>) -> Self {
        let private =
            PrivateKey::from_bytes(&bytes[..]).expect("any 32 bytes are an X25519 private key");
        let public = <Kem as hpke::Kem>::sk_to_pk(&private);
        let mut public_bytes = [0u8; X25519_LEN];
        public_bytes.copy_from_slice(&public.to_bytes());
        Self {
            private,
            bytes,
            recipient: Recipient::from_bytes(public_bytes),
        }
    }

    /// The public key that seals to this identity.
    pub fn recipient(&self) -> &Recipient {
        &self.recipient
    }

    /// This key pair's id.
    pub fn kid(&self) -> Kid {
        self.recipient.kid
    }

    /// The private key's text, in memory that is zeroized when dropped.
    /// Only `cargo sealant keygen` should print it.
    pub fn expose_text(&self) -> Zeroizing<String> {
        sealant_format::encode_private_key(&self.bytes)
    }

    /// Opens a v2 blob sealed to this identity.
    ///
    /// This does the key agreement for the blob's encapsulated key; to open
    /// many blobs that share one, make a [`Receiver`] once.
    pub fn open(&self, blob: &BlobV2<'_>) -> Result<SecretString, Error> {
        self.receiver_for(blob)?.open(blob)
    }

    /// The receiving end of the encapsulation `blob` names: one key
    /// agreement, after which every blob of that encapsulation opens with
    /// an export and an AES-GCM decryption only.
    pub fn receiver_for(&self, blob: &BlobV2<'_>) -> Result<Receiver, Error> {
        self.receiver_of(blob.name(), blob.kid(), blob.enc())
    }

    /// The receiver of the encapsulated key `enc` of a blob of the secret
    /// `name` sealed to `kid`.
    fn receiver_of(&self, name: &str, kid: Kid, enc: &[u8; ENC_LEN]) -> Result<Receiver, Error> {
        if kid != self.kid() {
            return Err(Error::KeyNotFound {
                name: name.to_owned(),
                wanted: kid,
                available: vec![self.kid()],
                origin: "this private key".to_owned(),
            });
        }
        let authentication = || Error::Authentication {
            name: name.to_owned(),
            kid,
        };
        let encapped =
            <Kem as hpke::Kem>::EncappedKey::from_bytes(enc).map_err(|_| authentication())?;
        let context = hpke::setup_receiver::<ExportOnlyAead, HkdfSha256, Kem>(
            &OpModeR::Base,
            &self.private,
            &encapped,
            HPKE_INFO,
        )
        .map_err(|_| authentication())?;
        Ok(Receiver {
            kid,
            enc: *enc,
            context,
        })
    }
}

/// An HPKE receiver context: the key agreement for one encapsulated key of
/// one [`Identity`], done. It opens every blob sealed under that
/// encapsulation. It holds secret key material, zeroized on drop; `Debug`
/// shows the kid only.
pub struct Receiver {
    kid: Kid,
    enc: [u8; ENC_LEN],
    context: ReceiverContext,
}

impl Receiver {
    /// Opens a blob of this receiver's encapsulation.
    pub fn open(&self, blob: &BlobV2<'_>) -> Result<SecretString, Error> {
        if blob.kid() != self.kid || blob.enc() != &self.enc {
            // A blob of another encapsulation: its own key agreement would
            // be needed. Say so as the wrong key, never open it here.
            return Err(Error::Authentication {
                name: blob.name().to_owned(),
                kid: blob.kid(),
            });
        }
        let (key, gcm) = self.blob_key(blob.env(), blob.name(), blob.nonce())?;
        let key = Key::with_kid(key, self.kid);
        key.open(blob.name(), &blob.associated_data(), &gcm, blob.sealed())
    }
}

impl Receiver {
    /// The AES-256-GCM key and nonce of the blob of this encapsulation
    /// sealed for `env` and `name` with `nonce`.
    fn blob_key(
        &self,
        env: &str,
        name: &str,
        nonce: &[u8; V2_NONCE_LEN],
    ) -> Result<(Zeroizing<[u8; KEY_LEN]>, [u8; NONCE_LEN]), Error> {
        let mut buffer = [0u8; MAX_ASSOCIATED_DATA_V2_LEN];
        let context = sealant_format::write_exporter_context_v2(env, name, nonce, &mut buffer)
            .ok_or_else(|| Error::Authentication {
                name: name.to_owned(),
                kid: self.kid,
            })?;
        Ok(export_key(|out| self.context.export(context, out)))
    }
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

/// What a [`Keyring`] has worked out once and keeps: the receiver of each
/// encapsulated key (one X25519 each), and the key of each embedded secret
/// it opened (one HPKE export each), so that the next unseal of that secret
/// costs one AES-GCM decryption, as a v1 secret does. All of it is secret
/// key material, zeroized when the ring drops; each entry is boxed, so that
/// a map that grows moves pointers, never keys, into memory it frees.
#[derive(Default)]
pub(crate) struct Cache {
    receivers: RwLock<HashMap<Encapsulation, Arc<Receiver>, FixedState>>,
    opened: RwLock<HashMap<usize, Box<OpenedBlob>, FixedState>>,
}

// The maps' keys are the binary's own records and encapsulated keys, not
// input an attacker chooses, so they need a fast hash, not a keyed one
// (SipHash was a tenth of a batch's unseal).
type FixedState = foldhash::fast::FixedState;

/// An encapsulated key, under the kid of the key it was made for.
type Encapsulation = (Kid, [u8; ENC_LEN]);

/// An encapsulation to agree on, with the name of a secret sealed under it.
type Wanted = (Kid, &'static [u8; ENC_LEN], &'static str);

/// An embedded secret's blob that opened, with its key: the exported bytes
/// (32), and from its second unseal on, its AES-GCM state too (about
/// 1.1 KB, mostly the `aes` and `polyval` crates' run-time backend unions).
/// Most services unseal a secret once, at startup, to build a client: for
/// those a kept state would be a page fault every four secrets and never
/// used, while making one costs about 0.2 µs.
struct OpenedBlob {
    key: Zeroizing<[u8; KEY_LEN]>,
    nonce: [u8; NONCE_LEN],
    blob: BlobParts<'static>,
    unsealed: AtomicBool,
    ready: OnceLock<Box<Key>>,
}

impl OpenedBlob {
    fn new(
        key: Zeroizing<[u8; KEY_LEN]>,
        nonce: [u8; NONCE_LEN],
        blob: BlobParts<'static>,
    ) -> Self {
        Self {
            key,
            nonce,
            blob,
            unsealed: AtomicBool::new(false),
            ready: OnceLock::new(),
        }
    }

    /// Opens the blob again. An unseal ([`Keep::Ready`]) of a secret
    /// that was unsealed before keeps its AES-GCM state.
    fn open(&self, name: &str, keep: Keep) -> Result<SecretString, Error> {
        let kid = Kid::from_bytes(self.blob.kid);
        let made = || Key::with_kid(self.key.clone(), kid);
        if let Some(key) = self.ready.get() {
            return open_with(key, &self.nonce, name, &self.blob);
        }
        if keep == Keep::Ready && self.unsealed.swap(true, Ordering::Relaxed) {
            let key = self.ready.get_or_init(|| Box::new(made()));
            return open_with(key, &self.nonce, name, &self.blob);
        }
        open_with(&made(), &self.nonce, name, &self.blob)
    }
}

impl Keyring {
    /// The receiver of `enc` under the private key `kid`, made once.
    pub(crate) fn receiver(
        &self,
        name: &str,
        kid: Kid,
        enc: &[u8; ENC_LEN],
    ) -> Result<Arc<Receiver>, Error> {
        let read = self
            .cache
            .receivers
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(receiver) = read.get(&(kid, *enc)) {
            return Ok(Arc::clone(receiver));
        }
        drop(read);
        let identity = self
            .identities
            .iter()
            .find(|identity| identity.kid() == kid)
            .ok_or_else(|| self.key_not_found(name, kid))?;
        let receiver = Arc::new(identity.receiver_of(name, kid, enc)?);
        let mut write = self
            .cache
            .receivers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(write.entry((kid, *enc)).or_insert(receiver)))
    }

    fn key_not_found(&self, name: &str, kid: Kid) -> Error {
        Error::KeyNotFound {
            name: name.to_owned(),
            wanted: kid,
            available: self.kids(),
            origin: self.origin().to_owned(),
        }
    }

    /// Opens the blob of an embedded v2 secret that this ring's keys open.
    /// `id` tells the secret's record apart from every other one (its
    /// address). Once the blob opened, its key is kept under `id` as
    /// `keep` says, so that the next unseal costs no HPKE export.
    pub(crate) fn open_record(
        &self,
        record: &RecordV2<'static>,
        id: usize,
        keep: Keep,
    ) -> Result<Opening, Error> {
        {
            let opened = self
                .cache
                .opened
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(opened) = opened.get(&id) {
                let plaintext = opened.open(record.name, keep)?;
                return Ok(Opening {
                    plaintext,
                    env: Some(opened.blob.env),
                    kid: Kid::from_bytes(opened.blob.kid),
                });
            }
        }
        let blob = self.choose(record)?;
        let kid = Kid::from_bytes(blob.kid);
        let receiver = self.receiver(record.name, kid, blob.enc)?;
        let (key, nonce) = receiver.blob_key(blob.env, record.name, blob.nonce)?;
        let opened = Box::new(OpenedBlob::new(key, nonce, blob));
        let plaintext = opened.open(record.name, keep)?;
        // Kept only once it opened: a tampered blob fails every time.
        self.cache
            .opened
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, opened);
        Ok(Opening {
            plaintext,
            env: Some(blob.env),
            kid,
        })
    }

    /// Does the key agreements that opening `records` needs before they
    /// are opened, on every core, so that `unseal_all` of secrets each
    /// sealed by its own `set` does not wait for them one after another
    /// (each is two X25519 scalar multiplications). The threads take the
    /// next agreement from a shared counter: a thread that the scheduler
    /// starts late (milliseconds on a virtual machine whose other vCPU
    /// sleeps) takes fewer, and one that does not start leaves them all to
    /// this one. What cannot be prepared here (a blob that does not open)
    /// is left to the caller's own pass, which reports it.
    pub(crate) fn prepare(&self, records: &[RecordV2<'static>]) {
        let wanted = self.unprepared(records);
        // A thread is worth starting for a few key agreements (about
        // 90 µs each), not for one; asking for the core count reads
        // cgroup files, so only then.
        if wanted.len() < 8 {
            return;
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let threads = cores.min(wanted.len() / 4);
        if threads >= 2 {
            self.agree(&wanted, threads);
        }
    }

    /// The encapsulations that opening `records` needs and that this ring
    /// has no receiver for yet, each once, with a secret's name that uses
    /// it (for errors).
    fn unprepared(&self, records: &[RecordV2<'static>]) -> Vec<Wanted> {
        let known = self
            .cache
            .receivers
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let mut wanted = Vec::new();
        let mut seen = HashSet::with_hasher(FixedState::default());
        let mut last = None;
        for record in records {
            let Ok(blob) = self.choose(record) else {
                continue;
            };
            // A batch shares one encapsulation: most records repeat the
            // one before.
            let encapsulation = (Kid::from_bytes(blob.kid), *blob.enc);
            if last == Some(encapsulation) {
                continue;
            }
            last = Some(encapsulation);
            if !known.contains_key(&encapsulation) && seen.insert(encapsulation) {
                wanted.push((encapsulation.0, blob.enc, record.name));
            }
        }
        wanted
    }

    /// Makes the receivers of `wanted` on `threads` threads, this one
    /// included, and keeps them.
    fn agree(&self, wanted: &[Wanted], threads: usize) {
        let next = AtomicUsize::new(0);
        let agree = || {
            let mut made: Vec<(Encapsulation, Receiver)> = Vec::new();
            while let Some(&(kid, enc, name)) = wanted.get(next.fetch_add(1, Ordering::Relaxed)) {
                let Some(identity) = self.identities.iter().find(|i| i.kid() == kid) else {
                    continue;
                };
                if let Ok(receiver) = identity.receiver_of(name, kid, enc) {
                    made.push(((kid, *enc), receiver));
                }
            }
            made
        };
        let made: Vec<(Encapsulation, Receiver)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (1..threads)
                .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, agree).ok())
                .collect();
            // This thread takes agreements too, until none is left.
            let mut made = agree();
            for handle in handles {
                made.extend(handle.join().unwrap_or_default());
            }
            made
        });
        let mut receivers = self
            .cache
            .receivers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for (encapsulation, receiver) in made {
            receivers
                .entry(encapsulation)
                .or_insert_with(|| Arc::new(receiver));
        }
    }

    /// The blob of `record` to open: the one of the selected environment,
    /// or else the one whose private key the ring holds.
    fn choose(&self, record: &RecordV2<'static>) -> Result<BlobParts<'static>, Error> {
        let name = record.name;
        let held = |blob: &BlobParts<'_>| {
            self.identities
                .iter()
                .any(|identity| identity.kid().to_bytes() == blob.kid)
        };
        let has = || record.blobs().map(|blob| blob.env.to_owned()).collect();
        if let Some(env) = &self.environment {
            let blob =
                record
                    .blobs()
                    .find(|blob| blob.env == env)
                    .ok_or_else(|| Error::NoBlob {
                        name: name.to_owned(),
                        env: Some(env.clone()),
                        kids: self.kids(),
                        origin: self.origin().to_owned(),
                        has: has(),
                    })?;
            if !held(&blob) {
                return Err(self.key_not_found(name, Kid::from_bytes(blob.kid)));
            }
            return Ok(blob);
        }
        let mut opens = record.blobs().filter(held);
        let Some(blob) = opens.next() else {
            return Err(Error::NoBlob {
                name: name.to_owned(),
                env: self.held_environment(),
                kids: self.kids(),
                origin: self.origin().to_owned(),
                has: has(),
            });
        };
        let mut others = opens.filter(|other| other.env != blob.env).peekable();
        if others.peek().is_some() {
            let mut envs: Vec<String> = vec![blob.env.to_owned()];
            envs.extend(others.map(|other| other.env.to_owned()));
            return Err(Error::AmbiguousEnvironment {
                name: name.to_owned(),
                envs,
                origin: self.origin().to_owned(),
            });
        }
        Ok(blob)
    }

    /// The environment of the ring's v2 keys, as the binary's blobs tell
    /// it: only an error message needs it, so the records are searched.
    fn held_environment(&self) -> Option<String> {
        let kids: Vec<Kid> = self.identities.iter().map(Identity::kid).collect();
        crate::all()
            .flat_map(|sealed| sealed.environments())
            .find(|(_, kid)| kids.contains(kid))
            .map(|(env, _)| env.to_owned())
    }
}

/// Decrypts an embedded blob of the secret `name` with its key and nonce.
fn open_with(
    key: &Key,
    nonce: &[u8; NONCE_LEN],
    name: &str,
    blob: &BlobParts<'_>,
) -> Result<SecretString, Error> {
    let mut buffer = [0u8; MAX_ASSOCIATED_DATA_V2_LEN];
    let kid = Kid::from_bytes(blob.kid);
    // The macro checked the environment's and the name's lengths.
    let aad = sealant_format::write_associated_data_v2(
        blob.env,
        name,
        kid,
        blob.enc,
        blob.nonce,
        &mut buffer,
    )
    .ok_or_else(|| Error::Authentication {
        name: name.to_owned(),
        kid,
    })?;
    key.open(name, aad, nonce, blob.sealed)
}

/// A blob's AES-256-GCM key and nonce, from the [`EXPORT_LEN`] bytes that
/// `export` writes.
fn export_key(
    export: impl FnOnce(&mut [u8]) -> Result<(), hpke::HpkeError>,
) -> (Zeroizing<[u8; KEY_LEN]>, [u8; NONCE_LEN]) {
    let mut exported = Zeroizing::new([0u8; EXPORT_LEN]);
    // The exporter refuses only lengths over 255 hash blocks.
    export(&mut exported[..]).expect("44 bytes are far below HPKE's export limit");
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(&exported[..KEY_LEN]);
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&exported[KEY_LEN..]);
    (key, nonce)
}

/// The random source of one encapsulation: it hands out the 32 bytes of
/// key material it was made with, once, for RFC 9180's DeriveKeyPair, and
/// zeroizes them. `hpke` asks a random source for exactly that.
struct OneSeed(Option<Zeroizing<[u8; X25519_LEN]>>);

impl rand_core::TryRng for OneSeed {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unreachable!("hpke asks for key material as bytes")
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        unreachable!("hpke asks for key material as bytes")
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let seed = self
            .0
            .take()
            .expect("one encapsulation asks for its key material once");
        assert_eq!(dst.len(), X25519_LEN, "hpke asks for one X25519 seed");
        dst.copy_from_slice(&seed[..]);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for OneSeed {}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    fn hex32(text: &str) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        base16ct::lower::decode(text, &mut out[..]).unwrap();
        out
    }

    fn hex16(text: &str) -> [u8; 16] {
        let mut out = [0u8; 16];
        base16ct::lower::decode(text, &mut out).unwrap();
        out
    }

    /// The vectors of docs/FORMAT.md, computed by docs/vectors_v2.py (an
    /// RFC 9180 implementation of its own over Python's `cryptography`):
    /// (private key, ephemeral ikm, [(env, name, nonce, plaintext, blob)]).
    /// These keys are public test values; never seal with them.
    #[allow(clippy::type_complexity)]
    const VECTORS: &[(&str, &str, &str, &str, &[(&str, &str, &str, &[u8], &str)])] = &[
        (
            "sealant-private-key-v2:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "sealant-public-key-v2:8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f",
            "86a51992",
            "6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283",
            &[(
                "production",
                "STRIPE_API_KEY",
                "000102030405060708090a0b0c0d0e0f",
                b"sk_live_123",
                "sealant:v2:production/STRIPE_API_KEY/86a519927b277ed1e62b4014830ef9f725885f10dead81617147df73bbbc8ea5ab6d0e6e000102030405060708090a0b0c0d0e0f197e51f9aa2f0a049ee1395a3ea4a72eb881bfe1328bc748a8621c",
            )],
        ),
        (
            "sealant-private-key-v2:7777777777777777777777777777777777777777777777777777777777777777",
            "sealant-public-key-v2:1cf579aba45a10ba1d1ef06d91fca2aa9ed0a1150515653155405d0b18cb9a67",
            "deb11e18",
            "0101010101010101010101010101010101010101010101010101010101010101",
            &[(
                "staging",
                "db.password-2",
                "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5",
                b"",
                "sealant:v2:staging/db.password-2/deb11e1841852320ff367495fa522c94cb83af391e4e89018392725bbf2098dd931bc424a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a56c5587753a0dc31e469d5d3e54bebd1a",
            )],
        ),
        (
            "sealant-private-key-v2:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
            "sealant-public-key-v2:358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254",
            "5410bab7",
            "c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7",
            &[
                (
                    "test",
                    "UNICODE",
                    "32333435363738393a3b3c3d3e3f4041",
                    "ünïcødé ✓".as_bytes(),
                    "sealant:v2:test/UNICODE/5410bab74833f7a7e0a5231a731d015505b21ef356acb639d21d5bb1a422b0c9d1263c0732333435363738393a3b3c3d3e3f40415210c02b4692022811891bb47291e8618e3f3f4b85ece6049f63ade687cfe2",
                ),
                (
                    "test",
                    "SECOND",
                    "42434445464748494a4b4c4d4e4f5051",
                    b"batch",
                    "sealant:v2:test/SECOND/5410bab74833f7a7e0a5231a731d015505b21ef356acb639d21d5bb1a422b0c9d1263c0742434445464748494a4b4c4d4e4f50512c5f0fb002ac02c10d4fac8fc29c52224e6f08e089",
                ),
            ],
        ),
    ];

    #[test]
    fn reproduces_the_independent_vectors_byte_for_byte() {
        for (private, public, kid, ikm, blobs) in VECTORS {
            let identity = Identity::parse(private).unwrap();
            assert_eq!(identity.recipient().to_string(), *public);
            assert_eq!(identity.kid().to_string(), *kid);
            assert_eq!(*identity.expose_text(), *private);
            let recipient = Recipient::parse(public).unwrap();
            assert_eq!(&recipient, identity.recipient());
            let mut sealers = std::collections::BTreeMap::new();
            for (env, name, nonce, plaintext, expected) in *blobs {
                // The blobs of one vector share one encapsulation.
                let sealer = sealers
                    .entry(*env)
                    .or_insert_with(|| recipient.sealer_from_ikm(env, hex32(ikm)).unwrap());
                let blob = sealer
                    .seal_with_nonce(name, plaintext, hex16(nonce))
                    .unwrap();
                assert_eq!(blob, *expected);
                let parsed = BlobV2::parse(&blob).unwrap();
                assert_eq!(parsed.to_string(), blob);
                let opened = identity.open(&parsed).unwrap();
                assert_eq!(opened.expose_secret().as_bytes(), *plaintext);
            }
        }
    }

    #[test]
    fn round_trips_with_fresh_keys_and_refuses_what_was_moved() {
        let identity = Identity::generate().unwrap();
        let blob = identity
            .recipient()
            .seal("production", "API_TOKEN", b"tok_live")
            .unwrap();
        let parsed = BlobV2::parse(&blob).unwrap();
        assert_eq!(identity.open(&parsed).unwrap().expose_secret(), "tok_live");

        // Moved to another name or environment: the associated data and
        // the exported key both change.
        for moved in [
            blob.replace("/API_TOKEN/", "/OTHER/"),
            blob.replace(":production/", ":staging/"),
        ] {
            let moved = BlobV2::parse(&moved).unwrap();
            assert!(
                matches!(identity.open(&moved), Err(Error::Authentication { .. })),
                "{moved:?}"
            );
        }
        // Another identity does not hold the kid.
        let other = Identity::generate().unwrap();
        assert!(matches!(
            other.open(&parsed),
            Err(Error::KeyNotFound { .. })
        ));
        // A blob relabelled with the other identity's kid reaches the key
        // agreement and fails there.
        let relabelled = blob.replace(&identity.kid().to_string(), &other.kid().to_string());
        let relabelled = BlobV2::parse(&relabelled).unwrap();
        assert!(matches!(
            other.open(&relabelled),
            Err(Error::Authentication { .. })
        ));
    }

    #[test]
    fn a_batch_shares_one_encapsulation_and_never_one_key() {
        let identity = Identity::generate().unwrap();
        let sealer = identity.recipient().sealer("staging").unwrap();
        let a = sealer.seal("A", b"same").unwrap();
        let b = sealer.seal("B", b"same").unwrap();
        let (a, b) = (BlobV2::parse(&a).unwrap(), BlobV2::parse(&b).unwrap());
        assert_eq!(a.enc(), b.enc());
        assert_ne!(a.nonce(), b.nonce());
        assert_ne!(a.sealed(), b.sealed());
        for blob in [&a, &b] {
            assert_eq!(identity.open(blob).unwrap().expose_secret(), "same");
        }
        // Two sealers never share an encapsulation.
        let again = identity.recipient().sealer("staging").unwrap();
        let c = again.seal("A", b"same").unwrap();
        let c = BlobV2::parse(&c).unwrap();
        assert_ne!(a.enc(), c.enc());
    }

    #[test]
    fn one_receiver_opens_a_whole_batch_and_nothing_else() {
        let identity = Identity::generate().unwrap();
        let sealer = identity.recipient().sealer("production").unwrap();
        let texts: Vec<String> = (0..5)
            .map(|i| {
                sealer
                    .seal(&format!("S{i}"), format!("v{i}").as_bytes())
                    .unwrap()
            })
            .collect();
        let blobs: Vec<BlobV2<'_>> = texts.iter().map(|t| BlobV2::parse(t).unwrap()).collect();
        let receiver = identity.receiver_for(&blobs[0]).unwrap();
        for (i, blob) in blobs.iter().enumerate() {
            assert_eq!(
                receiver.open(blob).unwrap().expose_secret(),
                format!("v{i}")
            );
        }
        // A blob of another encapsulation is refused, not opened.
        let other = identity
            .recipient()
            .seal("production", "S0", b"v0")
            .unwrap();
        let other = BlobV2::parse(&other).unwrap();
        assert!(matches!(
            receiver.open(&other),
            Err(Error::Authentication { .. })
        ));
        assert!(!format!("{receiver:?}").contains("context"));
    }

    #[test]
    fn nothing_printed_shows_a_private_key() {
        let identity = Identity::parse(VECTORS[0].0).unwrap();
        let hex = &VECTORS[0].0["sealant-private-key-v2:".len()..];
        let sealer = identity.recipient().sealer("production").unwrap();
        for shown in [
            format!("{identity:?}"),
            format!("{:?}", identity.recipient()),
            identity.recipient().to_string(),
            format!("{sealer:?}"),
        ] {
            assert!(
                !shown.contains(&hex[..16]) && !shown.contains(&hex[48..]),
                "{shown}"
            );
        }
    }

    #[test]
    fn bad_environments_and_names_are_refused_before_sealing() {
        let identity = Identity::generate().unwrap();
        for env in ["", "Production", "prod/x", "1st", &"e".repeat(33)] {
            assert!(
                matches!(identity.recipient().sealer(env), Err(Error::Env(_))),
                "{env:?}"
            );
        }
        let sealer = identity.recipient().sealer("test").unwrap();
        assert!(matches!(sealer.seal("a/b", b"x"), Err(Error::Name(_))));
    }
    /// A ring holding `identity`, and a record (leaked, as embedded ones
    /// are static) of the secret `name` holding `blob`.
    fn ring_and_record(
        identity: &Identity,
        name: &str,
        blob: &str,
    ) -> (Keyring, RecordV2<'static>) {
        let ring = Keyring::parse("test", &identity.expose_text()).unwrap();
        let parsed = BlobV2::parse(blob).unwrap();
        let bytes = RecordV2::encode(name, "SEALANT_KEY", &[BlobParts::of(&parsed)]).unwrap();
        let (record, _) = RecordV2::decode(bytes.leak()).unwrap();
        (ring, record)
    }

    fn ready(ring: &Keyring, id: usize) -> Option<bool> {
        let opened = ring.cache.opened.read().unwrap();
        opened.get(&id).map(|opened| opened.ready.get().is_some())
    }

    #[test]
    fn an_opened_secret_keeps_its_key_and_its_aes_state_from_its_second_unseal() {
        let identity = Identity::generate().unwrap();
        let blob = identity.recipient().seal("test", "TOKEN", b"tok").unwrap();
        let (ring, record) = ring_and_record(&identity, "TOKEN", &blob);
        let id = record.name.as_ptr() as usize;
        let open = |keep| {
            let opening = ring.open_record(&record, id, keep).unwrap();
            assert_eq!(opening.plaintext.expose_secret(), "tok");
            assert_eq!(opening.env, Some("test"));
            assert_eq!(opening.kid, identity.kid());
        };
        assert_eq!(ready(&ring, id), None);
        // unseal_all keeps the exported key only, however often it runs.
        open(Keep::Derived);
        open(Keep::Derived);
        assert_eq!(ready(&ring, id), Some(false));
        // An unseal after it uses the key; the next one keeps the state.
        open(Keep::Ready);
        assert_eq!(ready(&ring, id), Some(false));
        open(Keep::Ready);
        assert_eq!(ready(&ring, id), Some(true));
        open(Keep::Ready);
        open(Keep::Derived);
        assert_eq!(ring.cache.receivers.read().unwrap().len(), 1);
    }

    #[test]
    fn a_blob_that_does_not_open_is_never_kept() {
        let identity = Identity::generate().unwrap();
        let blob = identity.recipient().seal("test", "TOKEN", b"tok").unwrap();
        // The last hex digit of the tag, changed.
        let last = blob.chars().last().unwrap();
        let flipped = format!(
            "{}{}",
            &blob[..blob.len() - 1],
            if last == '0' { '1' } else { '0' }
        );
        let (ring, record) = ring_and_record(&identity, "TOKEN", &flipped);
        let id = record.name.as_ptr() as usize;
        for keep in [Keep::Derived, Keep::Ready, Keep::Ready] {
            assert!(matches!(
                ring.open_record(&record, id, keep),
                Err(Error::Authentication { .. })
            ));
        }
        assert_eq!(ready(&ring, id), None);
    }

    #[test]
    fn threads_agree_on_every_encapsulation_once_and_skip_what_fails() {
        let identity = Identity::generate().unwrap();
        let ring = Keyring::parse("test", &identity.expose_text()).unwrap();
        let mut records: Vec<RecordV2<'static>> = (0..13)
            .map(|i| {
                let name = format!("S{i}");
                let blob = identity.recipient().seal("test", &name, b"v").unwrap();
                ring_and_record(&identity, &name, &blob).1
            })
            .collect();
        // Two blobs of one batch: one agreement for both.
        let sealer = identity.recipient().sealer("test").unwrap();
        for name in ["BATCH_A", "BATCH_B"] {
            let blob = sealer.seal(name, b"v").unwrap();
            records.push(ring_and_record(&identity, name, &blob).1);
        }
        // An encapsulated key that is the X25519 identity point: HPKE
        // refuses its all-zero shared secret.
        let good = identity.recipient().seal("test", "ZERO", b"v").unwrap();
        let enc = base16ct::lower::encode_string(&[0u8; ENC_LEN]);
        let parsed = BlobV2::parse(&good).unwrap();
        let zero = good.replace(&base16ct::lower::encode_string(parsed.enc()), &enc);
        records.push(ring_and_record(&identity, "ZERO", &zero).1);

        let wanted = ring.unprepared(&records);
        assert_eq!(wanted.len(), 15);
        ring.agree(&wanted, 3);
        assert_eq!(ring.cache.receivers.read().unwrap().len(), 14);
        // Nothing is wanted twice, and what failed is left to the opening
        // pass, which reports it.
        assert_eq!(ring.unprepared(&records).len(), 1);
        let zero = records.last().unwrap();
        assert!(matches!(
            ring.open_record(zero, 0, Keep::Derived),
            Err(Error::Authentication { .. })
        ));
        for record in &records[..15] {
            let opening = ring.open_record(record, record.name.as_ptr() as usize, Keep::Derived);
            assert_eq!(opening.unwrap().plaintext.expose_secret(), "v");
        }
        assert_eq!(ring.cache.receivers.read().unwrap().len(), 14);
    }
}
