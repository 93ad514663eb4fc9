//! Parsing `#[secret(...)]` and the item it is on: the grammar lives in
//! `sealant-syntax`, which `cargo sealant` shares.

pub(crate) use sealant_syntax::{Args, SecretItem, Value};
