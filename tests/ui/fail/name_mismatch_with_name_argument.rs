use sealant::{secret, Sealed};

#[secret(name = "stripe")]
const API_TOKEN: Sealed = "sealant:v1:STRIPE_KEY:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";

fn main() {
    let _ = API_TOKEN.unseal();
}
