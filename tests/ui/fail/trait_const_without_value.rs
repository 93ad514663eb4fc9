use sealant::{secret, Sealed};

trait Credentials {
    #[secret]
    const KEY: Sealed;
}

fn main() {}
