use sealant::{secret, Sealed};

#[secret]
const API_TOKEN: Sealed = "sealant:v3:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";

fn main() {
    let _ = API_TOKEN.unseal();
}
