//! Not public API; used by the code that `#[secret]` generates.

pub use linkme;

use crate::Sealed;

/// Every `#[secret]` item of the final binary registers itself here.
#[linkme::distributed_slice]
pub static SEALED: [&'static Sealed];

/// What a `#[secret]` item with a compile error expands to, so that the
/// build reports that one error and not a second one about the item's type.
pub const INVALID: Sealed = Sealed::__new("INVALID", "SEALANT_KEY", [0; 4], [0; 12], &[]);
