//! The grammar of Sealant's `#[secret]` attribute, over syn: which paths
//! name the attribute, which arguments it takes, which items it goes on and
//! where their blob literals are.
//!
//! The `#[secret]` macro and `cargo sealant`'s scanner both call this
//! crate, so that what one accepts the other finds. Blob texts themselves
//! are parsed by `sealant-format` only.
//!
//! With the `scan` feature, [`scan`] finds every `#[secret]` item and every
//! blob-shaped string literal of a whole source file, with byte ranges.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod item;
#[cfg(feature = "scan")]
pub mod scan;

pub use crate::args::{Args, MAX_KEY_VAR_LEN, check_key_var, is_digest_attr, is_secret_attr};
pub use crate::item::{ITEM_KINDS, SecretItem, VALUE_SHAPE, Value};
