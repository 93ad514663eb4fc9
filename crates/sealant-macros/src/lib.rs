//! The `#[secret]` attribute of [Sealant](https://docs.rs/sealant).
//!
//! Use it through the `sealant` crate, which re-exports it and documents it.
//! This crate checks a sealed blob's structure at compile time and embeds its
//! parts. It holds no cryptography and never sees a key.

#![forbid(unsafe_code)]

mod digest;
mod expand;
mod parse;
#[cfg(feature = "v2")]
mod policy;
mod v2;
mod validate;

use proc_macro::TokenStream;

/// Validates a sealed blob at compile time and embeds it as a
/// `sealant::Sealed`.
///
/// ```text
/// #[secret]
/// const STRIPE_API_KEY: Sealed = "sealant:v1:STRIPE_API_KEY:...";
///
/// #[secret(name = "stripe-key", key_var = "PAYMENTS_KEY")]
/// static STRIPE: Sealed = "sealant:v1:stripe-key:...";
/// ```
///
/// See the `sealant` crate for the full documentation.
#[proc_macro_attribute]
pub fn secret(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::secret(args.into(), input.into()).into()
}

/// Validates a verify-only secret's digests at compile time, embeds them as
/// a `sealant::Digest`, and registers them for `sealant::verify_token`.
///
/// ```text
/// #[digest]
/// const PARTNER_ACME: Digest = "sealant-digest:v1:PARTNER_ACME:token:...";
/// ```
///
/// See the `sealant` crate for the full documentation.
#[proc_macro_attribute]
pub fn digest(args: TokenStream, input: TokenStream) -> TokenStream {
    digest::digest(args.into(), input.into()).into()
}
