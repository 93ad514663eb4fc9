// A blob for an environment that Sealant.toml does not declare.
use sealant::{Sealed, secret};

#[secret]
const API_TOKEN: Sealed = [
    "sealant:v2:production/API_TOKEN/e9fb5949611933d2af35f3606ef7016514d5d67a26287f9c52dbfed26db025216ab08174263428a8906071a785152443914f5d3ee5c681509cb6ae53a162a150d2d3cb5b68",
    "sealant:v2:qa/API_TOKEN/22e48d7a1dc6a8d5333fcb37290bba3d8e1d6748a7db15b51e13584f5819c05a3d9e8d0e8d85d0f573e01155eb3dd71847f1fc0c04e2b861047861630a98b632840d4545f3",
];

fn main() {}
