use sealant::{secret, Sealed};

// The literal is a pasted plaintext secret: the error must not show it.
#[secret]
const API_TOKEN: Sealed = "hunter2-correct-horse-battery-staple";

fn main() {
    let _ = API_TOKEN.unseal();
}
