use sealant::{secret, Sealed};

#[secret(env = "PAYMENTS_KEY", key_var = "PAYMENTS_KEY")]
const API_TOKEN: Sealed = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";

fn main() {
    let _ = API_TOKEN.unseal();
}
