//! Not public API; used by the code that `#[secret]` generates.

pub use crate::Sealed;

/// For benchmarks: `unseal_all` over a chosen set of secrets.
pub use crate::startup::{unseal_each, unseal_each_with};

/// Every `#[secret]` item of the final binary adds its record here: the
/// bytes of `sealant_format::record`, one record after another.
///
/// The macro adds a record with the `macro_rules!` helper that linkme
/// generates for this slice (`SEALANT_RECORDS! { #![linkme_macro = ...] static ... }`),
/// which puts a `[u8; N]` static in the slice's link section on every
/// platform linkme supports. It skips linkme's element attribute, whose
/// per-item proc macro and type check cost most of the compile time of a
/// crate with many secrets, and whose type check would refuse an array in a
/// slice of bytes. Bytes have alignment 1, so the records lie end to end;
/// zero bytes a linker may add between them are skipped.
#[linkme::distributed_slice]
pub static SEALANT_RECORDS: [u8];

/// The wrapped private keys of Sealant.toml (`wrapped = "..."`), which
/// the first v2 `#[secret]` item of each crate adds, each followed by a
/// newline: the keys a deployment that sets no key variable unwraps with
/// its own identity (see `Keyring::from_env`).
#[linkme::distributed_slice]
pub static SEALANT_WRAPPED: [u8];

/// Every `#[digest]` item of the final binary adds its record here (see
/// `sealant_format::record::encode_digest_record`), the same way as
/// `SEALANT_RECORDS`.
#[linkme::distributed_slice]
pub static SEALANT_DIGESTS: [u8];

/// The value of a `#[digest]` item.
pub const fn digest(record: &'static [u8]) -> crate::Digest {
    crate::Digest::from_record(record)
}

/// What a `#[digest]` item with a compile error expands to: a digest that
/// accepts nothing.
pub const INVALID_DIGEST: crate::Digest = crate::Digest::from_record(
    b"\x01\x07\x01INVALID\x2a\x00sealant-digest:v1:INVALID:unknown:0:0:0000",
);

/// How many times this process has loaded a key variable's keys; they are
/// loaded once per variable. For the tests.
pub static KEY_LOADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The value of a `#[secret]` item: the record the macro embedded.
pub const fn sealed(record: &'static [u8]) -> Sealed {
    Sealed::from_record(record)
}

/// What a `#[secret]` item with a compile error expands to, so that the
/// build reports that one error and not a second one about the item's type:
/// a well-formed record for a secret named `INVALID` that no key opens.
pub const INVALID: Sealed = Sealed::from_record(INVALID_RECORD);

/// Version 1; 27 bytes of associated data; the default key variable; a
/// ciphertext of only its 16-byte tag; kid and nonce zero; then the
/// associated data and the tag.
const INVALID_RECORD: &[u8] = b"\x01\x1b\x00\x10\x00\x00\x00\
    \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\
    sealant:v1:INVALID:00000000\
    \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stub_is_a_well_formed_record() {
        let (stub, rest) = Sealed::decode(INVALID_RECORD).expect("a record");
        assert!(rest.is_empty());
        assert_eq!((stub.name(), stub.key_var()), ("INVALID", "SEALANT_KEY"));
        assert_eq!(stub.kid().to_string(), "00000000");
    }
}
