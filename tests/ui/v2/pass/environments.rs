// v2 items that Sealant.toml allows.
use sealant::{Sealed, secret};

// One blob per environment, the production one under the active key.
#[secret]
const API_TOKEN: Sealed = [
    "sealant:v2:production/API_TOKEN/e9fb5949611933d2af35f3606ef7016514d5d67a26287f9c52dbfed26db025216ab08174263428a8906071a785152443914f5d3ee5c681509cb6ae53a162a150d2d3cb5b68",
    "sealant:v2:staging/API_TOKEN/032df58d9d4b5ebe9eca02379624dd30e4d50f2fa319dc46aeb406ce01b2bb42f4c3a844053929dadd07a5534a13a9af4dbafd2b9d2d21fc1bdcc103e9868ef4c783aebb3f",
];

// A retired key's blob still builds (`cargo sealant check` reports it); a
// list may hold one blob, and one blob may stand alone.
#[secret(name = "API_TOKEN")]
static RETIRED: Sealed = ["sealant:v2:production/API_TOKEN/d23a2e1a6ae5d5ef2360a30cab447aa5a6826d85a274a59b714f2c36efd0d479962a31310ec0b2764738694407f17578a4e7bcf1f1c6ab2e76d4cd569f674ca4a7cac47c1a"];

#[secret(key_var = "DB_KEY")]
const DB_URL: Sealed = "sealant:v2:production/DB_URL/e9fb5949e7d60ef950c8d56bb6c90010ddd88952401dc75bbe12981e5e52aa3980e68d2c4bbdc153398c889ebb4872f475c89cca8ae41bb0d7165e514427f1003b204cf9dd";

#[allow(dead_code)]
fn uses() -> [&'static Sealed; 3] {
    [&API_TOKEN, &RETIRED, &DB_URL]
}

fn main() {}
