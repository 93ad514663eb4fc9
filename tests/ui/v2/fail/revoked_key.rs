// A blob under a key that Sealant.toml marks revoked.
use sealant::{Sealed, secret};

#[secret]
const API_TOKEN: Sealed = [
    "sealant:v2:production/API_TOKEN/abb0585bd3f794cf4e493927ff9f8983ae77943d9b4bd6d0ba736d4ed5d16ee2ce278356db61dbc7d7c0590414145656be1f3bea6b642cbb9af9e02e4b64ac7cea0ea5bb09",
    "sealant:v2:staging/API_TOKEN/032df58d9d4b5ebe9eca02379624dd30e4d50f2fa319dc46aeb406ce01b2bb42f4c3a844053929dadd07a5534a13a9af4dbafd2b9d2d21fc1bdcc103e9868ef4c783aebb3f",
];

fn main() {}
