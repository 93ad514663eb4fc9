use sealant::{secret, Sealed};

fn main() {
    #[secret]
    let token: Sealed = "sealant:v1:API_TOKEN:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff0011";
    let _ = token;
}
