//! Verify-only secrets: the tokens a service *accepts*, kept in its source
//! as salted digests that `#[digest]` checks at compile time, and verified
//! in constant time. Nothing here can turn a digest back into its token.
//!
//! ```
//! use sealant::{Digest, digest};
//!
//! #[digest]
//! const PARTNER_ACME: Digest = "sealant-digest:v1:PARTNER_ACME:token:4e8a1c2b:0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a:0000000000000000000000000000000000000000000000000000000000000000";
//!
//! fn authorized(presented: &str) -> bool {
//!     PARTNER_ACME.verify(presented)
//! }
//! # assert!(!authorized("acme_live_00"));
//! ```
//!
//! Mint a token with `cargo sealant token --name PARTNER_ACME --prefix
//! acme_live --file src/clients.rs`: it prints the token once, for the
//! client, and writes the digest item. [`verify_token`] says which item's
//! token was presented, if any, with one hash whatever the number of
//! digests (tokens carry a public id that their digest holds too).

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sealant_format::record::{decode_digest_record, digest_texts};
use sealant_format::{DigestText, TOKEN_ID_LEN, Token};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;
use crate::private::SEALANT_DIGESTS;

/// The value of a `#[digest]` item: the digests of the tokens (or
/// secrets) it accepts, usually one, two while a client rotates.
#[derive(Clone, Copy)]
pub struct Digest {
    record: &'static [u8],
}

impl fmt::Debug for Digest {
    /// The name and how many digests; digests are public, but there is
    /// nothing to read in them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Digest")
            .field("name", &self.name())
            .field("digests", &self.texts().count())
            .finish()
    }
}

impl Digest {
    #[doc(hidden)]
    pub const fn from_record(record: &'static [u8]) -> Self {
        Self { record }
    }

    /// The item's name (its identifier, or `#[digest(name = "...")]`).
    pub fn name(&self) -> &'static str {
        self.decode().0
    }

    fn decode(&self) -> (&'static str, &'static [u8]) {
        decode_digest_record(self.record)
            .expect("a #[digest] record is well formed")
            .0
    }

    /// Each digest's text.
    fn texts(&self) -> impl Iterator<Item = &'static str> + use<> {
        digest_texts(self.decode().1)
    }

    /// Whether `presented` is a token (or secret) this item accepts. A
    /// minted token is checked for shape and checksum first, without
    /// hashing; then its HMAC is compared in constant time. Never panics,
    /// whatever `presented` holds.
    pub fn verify(&self, presented: &str) -> bool {
        let token = Token::parse(presented).ok();
        self.texts().any(|text| match DigestText::parse(text) {
            Ok(DigestText::Token { id, salt, mac, .. }) => {
                token.is_some_and(|token| token.id() == id && mac_matches(&salt, presented, &mac))
            }
            #[cfg(feature = "argon2")]
            Ok(DigestText::Argon2id { phc, .. }) => argon2_matches(phc, presented),
            _ => false,
        })
    }
}

/// Whether HMAC-SHA256(salt, token) is `mac`, compared in constant time.
fn mac_matches(salt: &[u8], token: &str, mac: &[u8]) -> bool {
    let Ok(mut hmac) = Hmac::<Sha256>::new_from_slice(salt) else {
        return false;
    };
    hmac.update(token.as_bytes());
    hmac.verify_slice(mac).is_ok()
}

/// Whether `presented` matches an Argon2id PHC string, at the parameters
/// the string names (`argon2` compares in constant time).
#[cfg(feature = "argon2")]
fn argon2_matches(phc: &str, presented: &str) -> bool {
    use argon2::password_hash::PasswordVerifier as _;
    argon2::Argon2::default()
        .verify_password(presented.as_bytes(), phc)
        .is_ok()
}

/// The item whose token `presented` is, if any: its name. Only minted
/// tokens are looked up (by their public id, so one hash whatever the
/// number of digests); a secret with an Argon2id digest is checked with
/// its item's [`Digest::verify`].
pub fn verify_token(presented: &str) -> Option<&'static str> {
    let token = Token::parse(presented).ok()?;
    index()
        .get(&token.id())?
        .iter()
        .find(|(_, salt, mac)| mac_matches(salt, presented, mac))
        .map(|(name, ..)| *name)
}

/// Every token digest of the binary, by public id.
type Index = HashMap<[u8; TOKEN_ID_LEN], Vec<(&'static str, [u8; 16], [u8; 32])>>;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = Index::new();
        for digest in all() {
            for text in digest.texts() {
                if let Ok(DigestText::Token {
                    name,
                    id,
                    salt,
                    mac,
                }) = DigestText::parse(text)
                {
                    index.entry(id).or_default().push((name, salt, mac));
                }
            }
        }
        index
    })
}

/// Every `#[digest]` item of the binary, in link order.
pub fn all() -> impl Iterator<Item = Digest> {
    let mut rest: &'static [u8] = &SEALANT_DIGESTS;
    std::iter::from_fn(move || {
        while let [0, tail @ ..] = rest {
            rest = tail;
        }
        if rest.is_empty() {
            return None;
        }
        let (_, tail) = decode_digest_record(rest)
            .expect("the link section of #[digest] records holds a malformed record");
        let record = &rest[..rest.len() - tail.len()];
        rest = tail;
        Some(Digest::from_record(record))
    })
}

/// A new token for the item `name` with `prefix`, and its digest: the
/// token (zeroized on drop; show it once, to the client) and the digest
/// text to commit.
pub fn mint(name: &str, prefix: &str) -> Result<(Zeroizing<String>, String), Error> {
    sealant_format::validate_name(name)?;
    sealant_format::validate_prefix(prefix).map_err(|e| Error::Token {
        reason: e.to_string(),
    })?;
    let mut id = [0u8; TOKEN_ID_LEN];
    let mut secret = Zeroizing::new([0u8; sealant_format::TOKEN_SECRET_LEN]);
    let mut salt = [0u8; sealant_format::TOKEN_SALT_LEN];
    for buffer in [&mut id[..], &mut secret[..], &mut salt[..]] {
        getrandom::fill(buffer).map_err(|_| Error::Rng)?;
    }
    let mut token = Zeroizing::new(String::new());
    sealant_format::encode_token(prefix, &id, &secret, &mut token).map_err(|e| Error::Token {
        reason: e.to_string(),
    })?;
    let digest = token_digest(name, &token)?;
    Ok((token, digest))
}

/// The digest of an existing token (for `cargo sealant digest`): an HMAC
/// digest for a minted token, else (with the `argon2` feature) Argon2id
/// at OWASP's parameters, for a human-chosen secret.
pub fn digest_of(name: &str, presented: &str) -> Result<String, Error> {
    sealant_format::validate_name(name)?;
    if Token::parse(presented).is_ok() {
        return token_digest(name, presented);
    }
    argon2_digest(name, presented)
}

/// An Argon2id digest at OWASP's parameters (v=19, m=19456 KiB, t=2,
/// p=1), in PHC form.
#[cfg(feature = "argon2")]
fn argon2_digest(name: &str, presented: &str) -> Result<String, Error> {
    use argon2::password_hash::PasswordHasher as _;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|_| Error::Rng)?;
    let hash = argon2::Argon2::default()
        .hash_password_with_salt(presented.as_bytes(), &salt)
        .map_err(|e| Error::Token {
            reason: e.to_string(),
        })?;
    Ok(format!(
        "{}{name}:argon2id:{hash}",
        sealant_format::DIGEST_PREFIX
    ))
}

#[cfg(not(feature = "argon2"))]
fn argon2_digest(_: &str, _: &str) -> Result<String, Error> {
    Err(Error::Token {
        reason: "it is not a Sealant token, and a human-chosen secret needs an Argon2id digest: \
                 enable sealant's `argon2` feature"
            .to_owned(),
    })
}

fn token_digest(name: &str, token: &str) -> Result<String, Error> {
    let parsed = Token::parse(token).map_err(|e| Error::Token {
        reason: e.to_string(),
    })?;
    let mut salt = [0u8; sealant_format::TOKEN_SALT_LEN];
    getrandom::fill(&mut salt).map_err(|_| Error::Rng)?;
    let mut hmac = Hmac::<Sha256>::new_from_slice(&salt).map_err(|_| Error::Rng)?;
    hmac.update(token.as_bytes());
    let mac: [u8; 32] = hmac.finalize().into_bytes().into();
    Ok(sealant_format::encode_token_digest(
        name,
        &parsed.id(),
        &salt,
        &mac,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_of_an_item_with_a_compile_error_accepts_nothing() {
        let invalid = crate::private::INVALID_DIGEST;
        assert_eq!(invalid.name(), "INVALID");
        assert!(!invalid.verify(""));
        assert!(!invalid.verify("INVALID"));
    }

    #[test]
    fn a_minted_token_verifies_against_its_digest_and_errors_never_hold_it() {
        let (token, digest) = mint("PARTNER", "partner").unwrap();
        let record = sealant_format::record::encode_digest_record("PARTNER", &[&digest]).unwrap();
        let item = Digest::from_record(Box::leak(record.into_boxed_slice()));
        assert!(item.verify(&token));
        assert!(!item.verify(&token[..token.len() - 1]));
        let again = digest_of("PARTNER", &token).unwrap();
        assert_ne!(again, digest, "each digest has its own salt");
        let error = mint("PARTNER", "Bad Prefix").unwrap_err().to_string();
        assert!(error.contains("prefix"), "{error}");
        assert!(!format!("{item:?}").contains(&token[token.len() - 72..]));
    }
}
