use sealant::{Digest, digest};

#[digest]
const PARTNER: Digest = "sealant-digest:v1:PARTNER:token:0102:aa:bb";

#[digest]
const WEAK: Digest = "sealant-digest:v1:WEAK:argon2id:$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm8";

#[digest]
const EMPTY: Digest = [];

fn main() {
    let _ = (PARTNER.verify("x"), WEAK.verify("x"), EMPTY.verify("x"));
}
