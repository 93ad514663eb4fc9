//! Sealed secrets, as the `#[secret]` macro embeds them.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use sealant_format::Kid;
use sealant_format::record::{RECORD_V2_VERSION, Record, RecordV2};
use secrecy::SecretString;

use crate::{Error, Keyring};

/// A secret sealed with AES-256-GCM, as embedded by [`#[secret]`](crate::secret).
///
/// It holds the secret's name, the key variable that opens it, the key id,
/// the nonce and the ciphertext: no plaintext. Make one with the macro:
///
/// ```
/// use sealant::{Sealed, secret};
///
/// #[secret]
/// const API_TOKEN: Sealed = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";
///
/// assert_eq!(API_TOKEN.name(), "API_TOKEN");
/// assert_eq!(API_TOKEN.key_var(), "SEALANT_KEY");
/// ```
#[derive(Clone, Copy)]
pub struct Sealed {
    /// The bytes of `sealant_format::record` that the macro embedded in the
    /// binary. They are read when used rather than when the item is
    /// compiled: evaluating a parser in every `const` item costs the
    /// compiler far more than reading a header costs an unseal.
    record: &'static [u8],
}

/// The one way a record can fail to read: a macro of another version wrote
/// it, which the exact version requirement between the crates rules out.
const MISMATCH: &str =
    "a `#[secret]` record is malformed: sealant and sealant-macros must be the same version";

/// A record, read: a v1 item (one blob) or a v2 item (one blob per
/// environment).
#[derive(Clone, Copy)]
pub(crate) enum Parts {
    V1(Record<'static>),
    V2(RecordV2<'static>),
}

impl Parts {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Parts::V1(record) => record.name(),
            Parts::V2(record) => record.name,
        }
    }

    pub(crate) fn key_var(&self) -> &'static str {
        match self {
            Parts::V1(record) => record.key_var,
            Parts::V2(record) => record.key_var,
        }
    }
}

/// What a keyring keeps of a v2 secret once it opened, so that its next
/// unseal costs no HPKE export. A v1 secret needs nothing kept: its key is
/// the ring's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "v2"), allow(dead_code))]
pub(crate) enum Keep {
    /// The blob's exported key (32 bytes): what `unseal_all` keeps of
    /// every secret, which may not be unsealed again.
    Derived,
    /// Its AES-GCM state as well: what `Sealed::unseal` keeps of a secret
    /// a service uses.
    Ready,
}

/// What opening a secret gave, and which blob it opened.
pub(crate) struct Opening {
    pub(crate) plaintext: SecretString,
    /// The blob's environment; `None` for a v1 blob.
    pub(crate) env: Option<&'static str>,
    pub(crate) kid: Kid,
}

impl Sealed {
    /// A secret from the record the macro embedded; checks only the
    /// version byte, which is cheap enough for every `const` item.
    pub(crate) const fn from_record(record: &'static [u8]) -> Self {
        assert!(
            !record.is_empty()
                && (record[0] == sealant_format::record::RECORD_VERSION
                    || record[0] == sealant_format::record::RECORD_V2_VERSION),
            "{}",
            MISMATCH
        );
        Self { record }
    }

    /// Reads the record at the start of `bytes`, and returns it with the
    /// bytes after it.
    pub(crate) fn decode(bytes: &'static [u8]) -> Option<(Self, &'static [u8])> {
        let rest = match bytes.first() {
            Some(&RECORD_V2_VERSION) => RecordV2::decode(bytes)?.1,
            _ => Record::decode(bytes)?.1,
        };
        let record = &bytes[..bytes.len() - rest.len()];
        Some((Self { record }, rest))
    }

    pub(crate) fn parts(&self) -> Parts {
        let parts = match self.record.first() {
            Some(&RECORD_V2_VERSION) => RecordV2::decode(self.record).map(|(r, _)| Parts::V2(r)),
            _ => Record::decode(self.record).map(|(r, _)| Parts::V1(r)),
        };
        match parts {
            Some(parts) => parts,
            None => panic!("{MISMATCH}"),
        }
    }

    /// The secret's name, which the ciphertext is bound to.
    pub fn name(&self) -> &'static str {
        self.parts().name()
    }

    /// The environment variable whose keys open this secret:
    /// `SEALANT_KEY` unless the item says `#[secret(key_var = "...")]`.
    pub fn key_var(&self) -> &'static str {
        self.parts().key_var()
    }

    /// The id of the key this secret was sealed with. For an item with one
    /// blob per environment, the first blob's; see
    /// [`environments`](Sealed::environments) for all of them.
    pub fn kid(&self) -> Kid {
        match self.parts() {
            Parts::V1(record) => Kid::from_bytes(record.kid),
            Parts::V2(record) => record
                .blobs()
                .next()
                .map(|blob| Kid::from_bytes(blob.kid))
                .expect("a v2 record holds at least one blob"),
        }
    }

    /// Each deployment environment this secret has a v2 blob for, with
    /// the kid of the public key it is sealed to, in the order the item
    /// lists them. Empty for a v1 secret, which is not tied to an
    /// environment.
    pub fn environments(&self) -> impl Iterator<Item = (&'static str, Kid)> + use<> {
        let record = match self.parts() {
            Parts::V1(_) => None,
            Parts::V2(record) => Some(record),
        };
        record
            .into_iter()
            .flat_map(|record| record.blobs())
            .map(|blob| (blob.env, Kid::from_bytes(blob.kid)))
    }

    /// Decrypts the secret with the keys from its key variable.
    ///
    /// The keys are read from the environment (see [`Keyring::from_env`])
    /// the first time a secret needs that variable, and kept for the life of
    /// the process. A failed load is not kept: a later call reads the
    /// environment again.
    ///
    /// For a secret with one blob per environment, the blob opened is the
    /// one whose key the variable holds; see [`unseal_all`](crate::unseal_all).
    pub fn unseal(&self) -> Result<SecretString, Error> {
        self.audited(self.open_here(&self.parts(), Keep::Ready))
    }

    /// Decrypts the secret with the keys of `keyring`.
    ///
    /// A v2 secret's own key is kept in the ring once it opened, so that
    /// its next unseal costs no key agreement and no HPKE export; from its
    /// second unseal on, its AES-GCM state is kept too, so that each one
    /// after costs what a v1 secret's does.
    pub fn unseal_with(&self, keyring: &Keyring) -> Result<SecretString, Error> {
        self.audited(self.open(keyring, &self.parts(), Keep::Ready))
    }

    /// The plaintext of an opening, after its audit event.
    fn audited(&self, opening: Result<Opening, Error>) -> Result<SecretString, Error> {
        crate::audit::unsealed(
            self.name(),
            opening.as_ref().map(|opening| (opening.env, opening.kid)),
        );
        opening.map(|opening| opening.plaintext)
    }

    /// [`Sealed::unseal`] of this secret's record as `parts` reads it,
    /// saying which blob opened.
    pub(crate) fn open_here(&self, parts: &Parts, keep: Keep) -> Result<Opening, Error> {
        with_process_keyring(parts.key_var(), |keyring| self.open(keyring, parts, keep))?
    }

    /// [`Sealed::unseal_with`] of this secret's record as `parts` reads
    /// it, saying which blob opened.
    #[cfg_attr(not(feature = "v2"), allow(unused_variables))]
    pub(crate) fn open(
        &self,
        keyring: &Keyring,
        parts: &Parts,
        keep: Keep,
    ) -> Result<Opening, Error> {
        match parts {
            Parts::V1(record) => {
                let kid = Kid::from_bytes(record.kid);
                let plaintext = keyring.open_parts(
                    record.name(),
                    record.associated_data.as_bytes(),
                    kid,
                    &record.nonce,
                    record.sealed,
                )?;
                Ok(Opening {
                    plaintext,
                    env: None,
                    kid,
                })
            }
            #[cfg(feature = "v2")]
            Parts::V2(record) => keyring.open_record(record, self.record.as_ptr() as usize, keep),
            #[cfg(not(feature = "v2"))]
            Parts::V2(record) => Err(Error::NeedsV2 {
                name: record.name.to_owned(),
            }),
        }
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("Sealed");
        f.field("name", &self.name())
            .field("key_var", &self.key_var());
        match self.parts() {
            Parts::V1(record) => f.field("kid", &Kid::from_bytes(record.kid)),
            Parts::V2(_) => f.field("environments", &self.environments().collect::<Vec<_>>()),
        };
        f.finish_non_exhaustive()
    }
}

/// Calls `f` with the keys of `var`, through a per-thread list of the
/// process's keyrings: after a thread's first call, no lock and no atomic
/// reference count is touched on the way to the keys.
fn with_process_keyring<R>(var: &'static str, f: impl FnOnce(&Keyring) -> R) -> Result<R, Error> {
    thread_local! {
        static NEAR: RefCell<Vec<(&'static str, Arc<Keyring>)>> = const { RefCell::new(Vec::new()) };
    }
    NEAR.with(|near| {
        // Items name their variable with a literal, so the pointers are
        // usually equal; compare the text only when they are not.
        let same = |known: &&str| std::ptr::eq(*known, var) || *known == var;
        if let Some((_, keyring)) = near.borrow().iter().find(|(known, _)| same(known)) {
            return Ok(f(keyring));
        }
        let keyring = process_keyring(var)?;
        near.borrow_mut().push((var, Arc::clone(&keyring)));
        Ok(f(&keyring))
    })
}

/// The keyrings loaded from the environment, by variable.
static LOADED: Mutex<Vec<(&str, Arc<Keyring>)>> = Mutex::new(Vec::new());

/// The keys of [`use_test_keys`](crate::testing::use_test_keys), which
/// replace every variable's.
static TEST_KEYS: std::sync::OnceLock<Arc<Keyring>> = std::sync::OnceLock::new();

/// Makes `keyring` the keys of every variable for the rest of the process,
/// unless keys were already loaded from the environment.
pub(crate) fn install_test_keys(keyring: Keyring) -> Result<(), Error> {
    let loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(installed) = TEST_KEYS.get() {
        if installed.kids() == keyring.kids() {
            return Ok(());
        }
        return Err(Error::TestKeys {
            reason: "it was called before with other keys".to_owned(),
        });
    }
    if !loaded.is_empty() {
        let vars: Vec<&str> = loaded.iter().map(|(var, _)| *var).collect();
        return Err(Error::TestKeys {
            reason: format!(
                "secrets were already unsealed with the keys of {}; call it before the first unseal",
                vars.join(", ")
            ),
        });
    }
    // Under the lock, no load from the environment can start meanwhile.
    let _ = TEST_KEYS.set(Arc::new(keyring));
    Ok(())
}

/// The keys of `var`, loaded once per process.
pub(crate) fn process_keyring(var: &'static str) -> Result<Arc<Keyring>, Error> {
    if let Some(test) = TEST_KEYS.get() {
        return Ok(Arc::clone(test));
    }
    // Holding the lock while loading makes threads that race for the same
    // variable wait for one load instead of each doing their own.
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, keyring)) = loaded.iter().find(|(known, _)| *known == var) {
        return Ok(Arc::clone(keyring));
    }
    let keyring = Arc::new(Keyring::from_env(var)?);
    crate::private::KEY_LOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    loaded.push((var, Arc::clone(&keyring)));
    Ok(keyring)
}
