//! Tests of a service that uses sealed secrets, without its production key
//! and whatever keys the developer's environment holds.
//!
//! The convention: an environment named `test` in Sealant.toml, whose
//! private key is committed beside it (`sealant-test.key`, marked as a
//! public test key, like the repository's `examples/demo-test.key`), and a
//! `test` blob in every secret the tests reach (`require = ["test", ...]`
//! makes the build enforce it). Each test that unseals calls
//! [`use_test_keys`] first:
//!
//! ```no_run
//! # use sealant::{Sealed, secret};
//! # #[secret]
//! # const API_TOKEN: Sealed = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";
//! # // An all-zero key: public, for this example only.
//! # const TEST_KEYS: &str = "sealant-key-v1:0000000000000000000000000000000000000000000000000000000000000000";
//! # macro_rules! include_str { ($path:literal) => { TEST_KEYS } }
//! #[test]
//! fn charges_a_card() {
//!     sealant::testing::use_test_keys(include_str!("../sealant-test.key")).unwrap();
//!     let token = API_TOKEN.unseal().unwrap(); // the test environment's value
//! }
//! ```
//!
//! From then on the process opens every secret with those keys only, and
//! only the `test` environment's blobs: `SEALANT_KEY`, `SEALANT_KEY_FILE`,
//! every `#[secret(key_var = ...)]` variable and `SEALANT_ENV` are not read.
//! A developer's own key in the shell changes nothing in the tests, and a
//! test can never open a production value.

use crate::{Error, Keyring};

/// Makes this process unseal every secret with `keys` (the text of a key
/// file: keys and `#` comments), in environment `test`, instead of the
/// keys of the environment variables.
///
/// Call it at the start of each test that unseals (tests run in any order,
/// on several threads): the first call installs the keys, later calls
/// with the same keys do nothing. It fails if secrets were already unsealed
/// with keys from the environment in this process, or if it was called
/// before with other keys.
pub fn use_test_keys(keys: &str) -> Result<(), Error> {
    #[allow(unused_mut)]
    let mut keyring = Keyring::parse("the test keys", keys)?;
    #[cfg(feature = "v2")]
    keyring.select_environment(TEST_ENV)?;
    crate::sealed::install_test_keys(keyring)
}

/// The environment [`use_test_keys`] opens.
pub const TEST_ENV: &str = "test";
