//! Secrets sealed with AES-256-GCM in your source, validated at compile time,
//! unsealed at startup with a key from the environment.
//!
//! A developer seals a secret with `cargo sealant seal --name NAME` and
//! commits the blob it prints on a constant. The [`secret`] attribute checks
//! the blob's structure at compile time and embeds only its ciphertext. At
//! startup, [`unseal_all`] decrypts every sealed secret of the binary with
//! the key the deployment provides in `SEALANT_KEY` (or in the file that
//! `SEALANT_KEY_FILE` names), and fails fast listing every secret it could
//! not open. [`Sealed::unseal`] hands out each secret as a
//! [`SecretString`].
//!
//! # Example
//!
//! ```no_run
//! use sealant::{ExposeSecret, Sealed, secret};
//!
//! #[secret]
//! const API_TOKEN: Sealed = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";
//!
//! fn main() -> Result<(), sealant::Error> {
//!     // Fails, listing every secret that does not open, unless SEALANT_KEY
//!     // holds the right key.
//!     let report = sealant::unseal_all()?;
//!     eprintln!("{report}");
//!
//!     let token = API_TOKEN.unseal()?;
//!     call_the_api(token.expose_secret());
//!     Ok(())
//! }
//! # fn call_the_api(_: &str) {}
//! ```
//!
//! Sealing and opening without the environment:
//!
//! ```
//! use sealant::{ExposeSecret, Key, Keyring};
//! use sealant_format::Blob;
//!
//! let key = Key::generate()?;
//! let text = key.seal("API_TOKEN", b"tok_live_123")?;
//!
//! let keyring = Keyring::parse("example", &key.expose_text())?;
//! let token = keyring.open(&Blob::parse(&text)?)?;
//! assert_eq!(token.expose_secret(), "tok_live_123");
//! # Ok::<(), sealant::Error>(())
//! ```
//!
//! # Security
//!
//! - The key is never in the source, the build or the binary: the macro sees
//!   only the blob, and the key is read from the environment at run time.
//! - A blob is bound to its name and key id: a blob copied to another
//!   constant, relabelled with another kid or altered in any byte fails to
//!   open, with [`Error::Authentication`].
//! - No error, `Debug` or `Display` output of this crate contains plaintext
//!   or key material. Plaintexts live in [`SecretString`]s, which zeroize
//!   their memory on drop; keys are zeroized when their [`Keyring`] drops.
//! - A process that holds the key can decrypt every secret, and anyone who
//!   can read its memory can read them too: Sealant protects secrets at rest,
//!   in the repository, the build and the binary, not on a compromised host.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
pub mod digest;
mod error;
mod key;
mod sealed;
mod source;
mod startup;
pub mod testing;
#[cfg(feature = "v2")]
mod v2;
#[cfg(any(feature = "vault-transit", feature = "aws-kms"))]
pub mod wrapped;

#[doc(hidden)]
pub mod private;
/// Not public API; used by the code that `#[secret]` generates.
#[doc(hidden)]
pub use private as __private;

pub use crate::digest::{Digest, verify_token};
pub use crate::error::{Error, Failure, KeyServiceError, Warning};
pub use crate::key::{Key, Keyring};
pub use crate::sealed::Sealed;
pub use crate::startup::{Report, Unsealed, all, unseal_all};
#[cfg(feature = "v2")]
pub use crate::v2::{Identity, Receiver, Recipient, Sealer};
pub use sealant_format::Kid;
pub use sealant_macros::{digest, secret};
pub use secrecy::{self, ExposeSecret, SecretString};
