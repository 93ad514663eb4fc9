use sealant::{secret, Sealed};

#[secret]
const API_TOKEN: Sealed = 42;

fn main() {
    let _ = API_TOKEN.unseal();
}
