// A list holds v2 blobs; a v1 blob stands alone.
use sealant::{Sealed, secret};

#[secret]
const PASSPHRASE: Sealed = [
    "sealant:v1:PASSPHRASE:697a9427:e9b498ae1b8faed0e4aea4ae:e185cb11181ad6d474ad8b2547d7e5c971d0d797d183f4974a6c69d33dcc96e4cc120293231c6e2ea97e2a57",
];

fn main() {}
