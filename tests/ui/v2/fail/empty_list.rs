// An empty list.
use sealant::{Sealed, secret};

#[secret]
const API_TOKEN: Sealed = [];

fn main() {}
