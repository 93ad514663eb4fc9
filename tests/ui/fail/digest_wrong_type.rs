use sealant::digest;

#[digest]
const PARTNER: &str = "sealant-digest:v1:PARTNER:token:01020304:00000000000000000000000000000000:0000000000000000000000000000000000000000000000000000000000000000";

#[digest]
fn not_an_item_kind() {}

fn main() {}
