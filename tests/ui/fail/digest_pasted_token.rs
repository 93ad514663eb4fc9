use sealant::{Digest, digest};

// A token pasted where its digest belongs: never repeated in the error.
#[digest]
const PARTNER: Digest = "acme_live_0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de";

fn main() {
    let _ = PARTNER.verify("x");
}
