//! Not public API; used by the code that `#[secret]` generates.

pub use linkme;

pub use crate::Sealed;

/// For benchmarks: `unseal_all` over a chosen set of secrets.
pub use crate::startup::unseal_each;

/// Every `#[secret]` item of the final binary registers itself here.
#[linkme::distributed_slice]
pub static SEALED: [&'static Sealed];

/// How many times this process has loaded a key variable's keys; they are
/// loaded once per variable. For the tests.
pub static KEY_LOADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Builds the value of a `#[secret]` item from the parts the macro checked.
pub const fn sealed(
    associated_data: &'static str,
    key_var: &'static str,
    kid: [u8; sealant_format::KID_LEN],
    nonce: [u8; sealant_format::NONCE_LEN],
    sealed: &'static [u8],
) -> Sealed {
    Sealed::new(associated_data, key_var, kid, nonce, sealed)
}

/// What a `#[secret]` item with a compile error expands to, so that the
/// build reports that one error and not a second one about the item's type.
pub const INVALID: Sealed = Sealed::new(
    "sealant:v1:INVALID:00000000",
    "SEALANT_KEY",
    [0; 4],
    [0; 12],
    &[],
);
