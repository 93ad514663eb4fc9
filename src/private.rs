//! Not public API; used by the code that `#[secret]` generates.

pub use linkme;

pub use crate::Sealed;

/// For benchmarks: `unseal_all` over a chosen set of secrets.
pub use crate::startup::unseal_each;

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

/// How many times this process has loaded a key variable's keys; they are
/// loaded once per variable. For the tests.
pub static KEY_LOADS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The value of a `#[secret]` item, read from the record the macro
/// embedded. Evaluated at compile time, so a record this version of the
/// runtime cannot read fails the build.
pub const fn sealed(record: &'static [u8]) -> Sealed {
    match Sealed::decode(record) {
        Some((sealed, [])) => sealed,
        _ => panic!(
            "a `#[secret]` record is malformed: sealant and sealant-macros must be the same version"
        ),
    }
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
