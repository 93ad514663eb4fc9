//! Sealed secrets, as the `#[secret]` macro embeds them.

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use sealant_format::Kid;
use sealant_format::record::Record;
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

impl Sealed {
    /// A secret from the record the macro embedded; checks only the
    /// version byte, which is cheap enough for every `const` item.
    pub(crate) const fn from_record(record: &'static [u8]) -> Self {
        assert!(
            !record.is_empty() && record[0] == sealant_format::record::RECORD_VERSION,
            "{}",
            MISMATCH
        );
        Self { record }
    }

    /// Reads the record at the start of `bytes`, and returns it with the
    /// bytes after it.
    pub(crate) fn decode(bytes: &'static [u8]) -> Option<(Self, &'static [u8])> {
        let (_, rest) = Record::decode(bytes)?;
        let record = &bytes[..bytes.len() - rest.len()];
        Some((Self { record }, rest))
    }

    fn parts(&self) -> Record<'static> {
        match Record::decode(self.record) {
            Some((parts, _)) => parts,
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
        self.parts().key_var
    }

    /// The id of the key this secret was sealed with.
    pub fn kid(&self) -> Kid {
        Kid::from_bytes(self.parts().kid)
    }

    /// Decrypts the secret with the keys from its key variable.
    ///
    /// The keys are read from the environment (see [`Keyring::from_env`])
    /// the first time a secret needs that variable, and kept for the life of
    /// the process. A failed load is not kept: a later call reads the
    /// environment again.
    pub fn unseal(&self) -> Result<SecretString, Error> {
        let parts = self.parts();
        with_process_keyring(parts.key_var, |keyring| open(keyring, &parts))?
    }

    /// Decrypts the secret with the keys of `keyring`.
    pub fn unseal_with(&self, keyring: &Keyring) -> Result<SecretString, Error> {
        open(keyring, &self.parts())
    }
}

fn open(keyring: &Keyring, parts: &Record<'static>) -> Result<SecretString, Error> {
    keyring.open_parts(
        parts.name(),
        parts.associated_data.as_bytes(),
        Kid::from_bytes(parts.kid),
        &parts.nonce,
        parts.sealed,
    )
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("name", &self.name())
            .field("key_var", &self.key_var())
            .field("kid", &self.kid())
            .finish_non_exhaustive()
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

/// The keys of `var`, loaded once per process.
pub(crate) fn process_keyring(var: &'static str) -> Result<Arc<Keyring>, Error> {
    static LOADED: Mutex<Vec<(&str, Arc<Keyring>)>> = Mutex::new(Vec::new());
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
