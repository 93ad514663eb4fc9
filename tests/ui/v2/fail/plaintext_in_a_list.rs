// A plaintext pasted into a list is neither shown nor pointed at.
use sealant::{Sealed, secret};

#[secret]
const API_TOKEN: Sealed = [
    "sealant:v2:production/API_TOKEN/e9fb5949611933d2af35f3606ef7016514d5d67a26287f9c52dbfed26db025216ab08174263428a8906071a785152443914f5d3ee5c681509cb6ae53a162a150d2d3cb5b68",
    "hunter2-in-a-list",
];

fn main() {}
