// No blob for production, which Sealant.toml requires.
use sealant::{Sealed, secret};

#[secret]
const DB_URL: Sealed = ["sealant:v2:staging/DB_URL/032df58d05f0bd2d5e8f60beac54f381c683d9d327bdf3b6b32cd65fd2d18b3b4d204f2e1ac826666f8104379c987088c4dec691b65fc7d62361fcfa0b27a94d472e2aa730"];

fn main() {}
